//! The 省-市-区/县 picker for Henan: national statistical division codes, current as of 2024.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Region {
    pub code: &'static str,
    pub parent: Option<&'static str>,
    pub name: &'static str,
}

pub const PROVINCE_CODE: &str = "410000";

const fn r(code: &'static str, parent: &'static str, name: &'static str) -> Region {
    Region {
        code,
        parent: Some(parent),
        name,
    }
}

// Administrative divisions only: the statistical-only zones (经济技术开发区 and the like)
// are not places a unit's address can be in.
static REGIONS: &[Region] = &[
    Region {
        code: "410000",
        parent: None,
        name: "河南省",
    },
    // 郑州市
    r("410100", "410000", "郑州市"),
    r("410102", "410100", "中原区"),
    r("410103", "410100", "二七区"),
    r("410104", "410100", "管城回族区"),
    r("410105", "410100", "金水区"),
    r("410106", "410100", "上街区"),
    r("410108", "410100", "惠济区"),
    r("410122", "410100", "中牟县"),
    r("410181", "410100", "巩义市"),
    r("410182", "410100", "荥阳市"),
    r("410183", "410100", "新密市"),
    r("410184", "410100", "新郑市"),
    r("410185", "410100", "登封市"),
    // 开封市
    r("410200", "410000", "开封市"),
    r("410202", "410200", "龙亭区"),
    r("410203", "410200", "顺河回族区"),
    r("410204", "410200", "鼓楼区"),
    r("410205", "410200", "禹王台区"),
    r("410212", "410200", "祥符区"),
    r("410221", "410200", "杞县"),
    r("410222", "410200", "通许县"),
    r("410223", "410200", "尉氏县"),
    r("410225", "410200", "兰考县"),
    // 洛阳市
    r("410300", "410000", "洛阳市"),
    r("410302", "410300", "老城区"),
    r("410303", "410300", "西工区"),
    r("410304", "410300", "瀍河回族区"),
    r("410305", "410300", "涧西区"),
    r("410307", "410300", "偃师区"),
    r("410308", "410300", "孟津区"),
    r("410311", "410300", "洛龙区"),
    r("410323", "410300", "新安县"),
    r("410324", "410300", "栾川县"),
    r("410325", "410300", "嵩县"),
    r("410326", "410300", "汝阳县"),
    r("410327", "410300", "宜阳县"),
    r("410328", "410300", "洛宁县"),
    r("410329", "410300", "伊川县"),
    // 平顶山市
    r("410400", "410000", "平顶山市"),
    r("410402", "410400", "新华区"),
    r("410403", "410400", "卫东区"),
    r("410404", "410400", "石龙区"),
    r("410411", "410400", "湛河区"),
    r("410421", "410400", "宝丰县"),
    r("410422", "410400", "叶县"),
    r("410423", "410400", "鲁山县"),
    r("410425", "410400", "郏县"),
    r("410481", "410400", "舞钢市"),
    r("410482", "410400", "汝州市"),
    // 安阳市
    r("410500", "410000", "安阳市"),
    r("410502", "410500", "文峰区"),
    r("410503", "410500", "北关区"),
    r("410505", "410500", "殷都区"),
    r("410506", "410500", "龙安区"),
    r("410522", "410500", "安阳县"),
    r("410523", "410500", "汤阴县"),
    r("410526", "410500", "滑县"),
    r("410527", "410500", "内黄县"),
    r("410581", "410500", "林州市"),
    // 鹤壁市
    r("410600", "410000", "鹤壁市"),
    r("410602", "410600", "鹤山区"),
    r("410603", "410600", "山城区"),
    r("410611", "410600", "淇滨区"),
    r("410621", "410600", "浚县"),
    r("410622", "410600", "淇县"),
    // 新乡市
    r("410700", "410000", "新乡市"),
    r("410702", "410700", "红旗区"),
    r("410703", "410700", "卫滨区"),
    r("410704", "410700", "凤泉区"),
    r("410711", "410700", "牧野区"),
    r("410721", "410700", "新乡县"),
    r("410724", "410700", "获嘉县"),
    r("410725", "410700", "原阳县"),
    r("410726", "410700", "延津县"),
    r("410727", "410700", "封丘县"),
    r("410781", "410700", "卫辉市"),
    r("410782", "410700", "辉县市"),
    r("410783", "410700", "长垣市"),
    // 焦作市
    r("410800", "410000", "焦作市"),
    r("410802", "410800", "解放区"),
    r("410803", "410800", "中站区"),
    r("410804", "410800", "马村区"),
    r("410811", "410800", "山阳区"),
    r("410821", "410800", "修武县"),
    r("410822", "410800", "博爱县"),
    r("410823", "410800", "武陟县"),
    r("410825", "410800", "温县"),
    r("410882", "410800", "沁阳市"),
    r("410883", "410800", "孟州市"),
    // 濮阳市
    r("410900", "410000", "濮阳市"),
    r("410902", "410900", "华龙区"),
    r("410922", "410900", "清丰县"),
    r("410923", "410900", "南乐县"),
    r("410926", "410900", "范县"),
    r("410927", "410900", "台前县"),
    r("410928", "410900", "濮阳县"),
    // 许昌市
    r("411000", "410000", "许昌市"),
    r("411002", "411000", "魏都区"),
    r("411003", "411000", "建安区"),
    r("411024", "411000", "鄢陵县"),
    r("411025", "411000", "襄城县"),
    r("411081", "411000", "禹州市"),
    r("411082", "411000", "长葛市"),
    // 漯河市
    r("411100", "410000", "漯河市"),
    r("411102", "411100", "源汇区"),
    r("411103", "411100", "郾城区"),
    r("411104", "411100", "召陵区"),
    r("411121", "411100", "舞阳县"),
    r("411122", "411100", "临颍县"),
    // 三门峡市
    r("411200", "410000", "三门峡市"),
    r("411202", "411200", "湖滨区"),
    r("411203", "411200", "陕州区"),
    r("411221", "411200", "渑池县"),
    r("411224", "411200", "卢氏县"),
    r("411281", "411200", "义马市"),
    r("411282", "411200", "灵宝市"),
    // 南阳市
    r("411300", "410000", "南阳市"),
    r("411302", "411300", "宛城区"),
    r("411303", "411300", "卧龙区"),
    r("411321", "411300", "南召县"),
    r("411322", "411300", "方城县"),
    r("411323", "411300", "西峡县"),
    r("411324", "411300", "镇平县"),
    r("411325", "411300", "内乡县"),
    r("411326", "411300", "淅川县"),
    r("411327", "411300", "社旗县"),
    r("411328", "411300", "唐河县"),
    r("411329", "411300", "新野县"),
    r("411330", "411300", "桐柏县"),
    r("411381", "411300", "邓州市"),
    // 商丘市
    r("411400", "410000", "商丘市"),
    r("411402", "411400", "梁园区"),
    r("411403", "411400", "睢阳区"),
    r("411421", "411400", "民权县"),
    r("411422", "411400", "睢县"),
    r("411423", "411400", "宁陵县"),
    r("411424", "411400", "柘城县"),
    r("411425", "411400", "虞城县"),
    r("411426", "411400", "夏邑县"),
    r("411481", "411400", "永城市"),
    // 信阳市
    r("411500", "410000", "信阳市"),
    r("411502", "411500", "浉河区"),
    r("411503", "411500", "平桥区"),
    r("411521", "411500", "罗山县"),
    r("411522", "411500", "光山县"),
    r("411523", "411500", "新县"),
    r("411524", "411500", "商城县"),
    r("411525", "411500", "固始县"),
    r("411526", "411500", "潢川县"),
    r("411527", "411500", "淮滨县"),
    r("411528", "411500", "息县"),
    // 周口市
    r("411600", "410000", "周口市"),
    r("411602", "411600", "川汇区"),
    r("411603", "411600", "淮阳区"),
    r("411621", "411600", "扶沟县"),
    r("411622", "411600", "西华县"),
    r("411623", "411600", "商水县"),
    r("411624", "411600", "沈丘县"),
    r("411625", "411600", "郸城县"),
    r("411627", "411600", "太康县"),
    r("411628", "411600", "鹿邑县"),
    r("411681", "411600", "项城市"),
    // 驻马店市
    r("411700", "410000", "驻马店市"),
    r("411702", "411700", "驿城区"),
    r("411721", "411700", "西平县"),
    r("411722", "411700", "上蔡县"),
    r("411723", "411700", "平舆县"),
    r("411724", "411700", "正阳县"),
    r("411725", "411700", "确山县"),
    r("411726", "411700", "泌阳县"),
    r("411727", "411700", "汝南县"),
    r("411728", "411700", "遂平县"),
    r("411729", "411700", "新蔡县"),
    // 济源市: a province-administered county-level city, with no divisions below it.
    r("419001", "410000", "济源市"),
];

/// Province, then each city followed by its divisions.
pub fn regions() -> &'static [Region] {
    REGIONS
}

pub fn region(code: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|r| r.code == code)
}

fn has_children(code: &str) -> bool {
    REGIONS.iter().any(|r| r.parent == Some(code))
}

fn chain(code: &str) -> Vec<&'static Region> {
    let mut chain = Vec::new();
    let mut next = region(code);
    while let Some(r) = next {
        chain.push(r);
        next = r.parent.and_then(region);
    }
    chain.reverse();
    chain
}

/// "河南省 漯河市 郾城区".
pub fn region_path_names(code: &str) -> Option<String> {
    let chain = chain(code);
    if chain.is_empty() {
        return None;
    }
    Some(chain.iter().map(|r| r.name).collect::<Vec<_>>().join(" "))
}

/// A leaf below the province: a county-level division, or 济源市 which has none under it.
pub fn is_county_level(code: &str) -> bool {
    region(code).is_some_and(|r| r.parent.is_some() && !has_children(r.code))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RegionTreeNode {
    pub code: &'static str,
    pub name: &'static str,
    #[schema(no_recursion)]
    pub children: Vec<RegionTreeNode>,
}

fn subtree(r: &'static Region) -> RegionTreeNode {
    RegionTreeNode {
        code: r.code,
        name: r.name,
        children: REGIONS
            .iter()
            .filter(|c| c.parent == Some(r.code))
            .map(subtree)
            .collect(),
    }
}

/// 河南省 with its cities and their divisions.
pub fn region_tree() -> RegionTreeNode {
    subtree(region(PROVINCE_CODE).expect("province is in the table"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::agency;
    use std::collections::HashSet;

    #[test]
    fn codes_unique_and_parents_exist() {
        let mut seen = HashSet::new();
        for r in REGIONS {
            assert_eq!(r.code.len(), 6, "{}", r.code);
            assert!(r.code.bytes().all(|b| b.is_ascii_digit()), "{}", r.code);
            if let Some(p) = r.parent {
                assert!(seen.contains(p), "{} before its parent {p}", r.code);
            }
            assert!(seen.insert(r.code), "duplicate {}", r.code);
        }
    }

    #[test]
    fn seventeen_cities_plus_jiyuan_and_157_county_level_divisions() {
        let cities: Vec<_> = REGIONS.iter().filter(|r| r.parent == Some(PROVINCE_CODE)).collect();
        assert_eq!(cities.len(), 18);
        assert_eq!(cities.iter().filter(|c| has_children(c.code)).count(), 17);
        let counties: Vec<_> = REGIONS.iter().filter(|r| is_county_level(r.code)).collect();
        assert_eq!(counties.len(), 157);
        for c in &counties {
            let parent = region(c.parent.unwrap()).unwrap();
            if c.code == "419001" {
                assert_eq!(parent.code, PROVINCE_CODE);
            } else {
                // Every division sits under a city sharing its first four digits.
                assert_eq!(parent.parent, Some(PROVINCE_CODE), "{}", c.code);
                assert_eq!(&parent.code[..4], &c.code[..4]);
                assert!(parent.code.ends_with("00"));
            }
        }
        let per_city: Vec<_> = cities
            .iter()
            .map(|c| REGIONS.iter().filter(|r| r.parent == Some(c.code)).count())
            .collect();
        assert_eq!(
            per_city,
            [12, 9, 14, 10, 9, 5, 12, 10, 6, 6, 5, 6, 13, 9, 10, 10, 10, 0]
        );
    }

    #[test]
    fn names_and_levels() {
        assert_eq!(region_path_names("411103").as_deref(), Some("河南省 漯河市 郾城区"));
        assert_eq!(region_path_names("419001").as_deref(), Some("河南省 济源市"));
        assert_eq!(region_path_names("411100").as_deref(), Some("河南省 漯河市"));
        assert_eq!(region_path_names("999999"), None);
        for code in ["410185", "410307", "410308", "411003", "411603", "410783", "419001"] {
            assert!(is_county_level(code), "{code}");
        }
        for code in ["410000", "410100", "411100", "410306", "", "x"] {
            assert!(!is_county_level(code), "{code}");
        }
    }

    #[test]
    fn agency_counties_agree_with_regions() {
        for a in agency::agencies()
            .iter()
            .filter(|a| a.code.bytes().all(|b| b.is_ascii_digit()))
        {
            let r = region(a.code).unwrap_or_else(|| panic!("{} not a region", a.code));
            if a.code != "419001" {
                assert_eq!(a.name, r.name, "{}", a.code);
            }
            if a.parent != Some(agency::ROOT_AGENCY_CODE) {
                assert_eq!(a.parent, r.parent);
            }
        }
        // A city in the agency tree lists the same divisions as the region picker.
        for city in agency::agencies()
            .iter()
            .filter(|a| a.parent == Some("HN") && a.code != "HN-ZS")
        {
            let mut from_agencies: Vec<_> = agency::agencies()
                .iter()
                .filter(|a| a.parent == Some(city.code))
                .map(|a| a.code)
                .collect();
            let mut from_regions: Vec<_> = REGIONS
                .iter()
                .filter(|r| r.parent == Some(city.code))
                .map(|r| r.code)
                .collect();
            from_agencies.sort_unstable();
            from_regions.sort_unstable();
            assert_eq!(from_agencies, from_regions, "{}", city.code);
        }
    }

    #[test]
    fn tree_serialises() {
        let t = region_tree();
        assert_eq!(t.children.len(), 18);
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json["name"], "河南省");
        assert_eq!(json["children"][0]["children"][0]["name"], "中原区");
        assert!(json.to_string().contains("郾城区"));
    }
}
