//! The agency tree (所属机构) of the Henan office, with the manual's address book.
//!
//! Codes never contain '/', so `path()` strings compose safely for begins_with subtree queries.

use serde::Serialize;

/// One node of the agency tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Agency {
    pub code: &'static str,
    pub parent: Option<&'static str>,
    pub name: &'static str,
    pub phone: Option<&'static str>,
    pub email: Option<&'static str>,
}

/// Code of the root, 河南省办事处.
pub const ROOT_AGENCY_CODE: &str = "HN";
/// Displayed above the root in full names; not nodes because no unit or staff belongs to them.
pub const ROOT_ANCESTOR_NAMES: [&str; 2] = ["中华全国总工会", "中国职工保险互助会"];
/// Separator used by `full_name`, as the application screens show it.
pub const FULL_NAME_SEPARATOR: &str = ">";

/// Grouping nodes a unit may not pick: it must choose a concrete agency below them.
const GROUP_CODES: [&str; 3] = [ROOT_AGENCY_CODE, "HN-ZS", "HN-ZS-CY"];

const fn node(code: &'static str, parent: &'static str, name: &'static str) -> Agency {
    Agency {
        code,
        parent: Some(parent),
        name,
        phone: None,
        email: None,
    }
}

const fn office(
    code: &'static str,
    parent: &'static str,
    name: &'static str,
    phone: &'static str,
    email: Option<&'static str>,
) -> Agency {
    Agency {
        code,
        parent: Some(parent),
        name,
        phone: Some(phone),
        email,
    }
}

static AGENCIES: &[Agency] = &[
    Agency {
        code: ROOT_AGENCY_CODE,
        parent: None,
        name: "河南省办事处",
        phone: Some("0371-67882633 0371-67882655"),
        email: None,
    },
    // 省总直属经办机构 and its provincial unions.
    office(
        "HN-ZS",
        "HN",
        "省总直属经办机构",
        "0371-65905282",
        Some("hnszghbfzx@163.com"),
    ),
    node("HN-ZS-CY", "HN-ZS", "省产业工会"),
    node("HN-ZS-CY-JKWWT", "HN-ZS-CY", "省教科文卫体工会"),
    node("HN-ZS-CY-NLSLQX", "HN-ZS-CY", "省农林水利气象工会"),
    node("HN-ZS-CY-NYHXDZ", "HN-ZS-CY", "省能源化学地质工会"),
    node("HN-ZS-CY-JYJC", "HN-ZS-CY", "省机冶建材工会"),
    node("HN-ZS-CY-CMJRQFYC", "HN-ZS-CY", "省财贸金融轻纺烟草工会"),
    node("HN-ZS-CY-JTYSYD", "HN-ZS-CY", "省交通运输邮电工会"),
    node("HN-ZS-SZJG", "HN-ZS", "省直机关工会联合会"),
    node("HN-ZS-ZSJC", "HN-ZS", "省总直属基层工会"),
    // 开封市
    office("410200", "HN", "开封市", "0371-25665888", None),
    node("410202", "410200", "龙亭区"),
    node("410203", "410200", "顺河回族区"),
    node("410204", "410200", "鼓楼区"),
    node("410205", "410200", "禹王台区"),
    node("410212", "410200", "祥符区"),
    node("410221", "410200", "杞县"),
    node("410222", "410200", "通许县"),
    node("410223", "410200", "尉氏县"),
    node("410225", "410200", "兰考县"),
    // 鹤壁市
    office("410600", "HN", "鹤壁市", "0392-3338716", Some("hbszghcwb@126.com")),
    node("410602", "410600", "鹤山区"),
    node("410603", "410600", "山城区"),
    node("410611", "410600", "淇滨区"),
    node("410621", "410600", "浚县"),
    node("410622", "410600", "淇县"),
    // 新乡市
    office("410700", "HN", "新乡市", "0373-2171388", Some("xxshzbz@126.com")),
    node("410702", "410700", "红旗区"),
    node("410703", "410700", "卫滨区"),
    node("410704", "410700", "凤泉区"),
    node("410711", "410700", "牧野区"),
    node("410721", "410700", "新乡县"),
    node("410724", "410700", "获嘉县"),
    node("410725", "410700", "原阳县"),
    node("410726", "410700", "延津县"),
    node("410727", "410700", "封丘县"),
    node("410781", "410700", "卫辉市"),
    node("410782", "410700", "辉县市"),
    node("410783", "410700", "长垣市"),
    // 濮阳市
    office("410900", "HN", "濮阳市", "0393-4432004", Some("zhonghuipy@126.com")),
    node("410902", "410900", "华龙区"),
    node("410922", "410900", "清丰县"),
    node("410923", "410900", "南乐县"),
    node("410926", "410900", "范县"),
    node("410927", "410900", "台前县"),
    node("410928", "410900", "濮阳县"),
    // 漯河市
    office("411100", "HN", "漯河市", "0395-3166100", None),
    node("411102", "411100", "源汇区"),
    node("411103", "411100", "郾城区"),
    node("411104", "411100", "召陵区"),
    node("411121", "411100", "舞阳县"),
    node("411122", "411100", "临颍县"),
    // 三门峡市
    office("411200", "HN", "三门峡市", "0398-2828449", Some("smxszgfzx@163.com")),
    node("411202", "411200", "湖滨区"),
    node("411203", "411200", "陕州区"),
    node("411221", "411200", "渑池县"),
    node("411224", "411200", "卢氏县"),
    node("411281", "411200", "义马市"),
    node("411282", "411200", "灵宝市"),
    // 商丘市
    office("411400", "HN", "商丘市", "0370-3151662", Some("bzb@sqszgh.cn")),
    node("411402", "411400", "梁园区"),
    node("411403", "411400", "睢阳区"),
    node("411421", "411400", "民权县"),
    node("411422", "411400", "睢县"),
    node("411423", "411400", "宁陵县"),
    node("411424", "411400", "柘城县"),
    node("411425", "411400", "虞城县"),
    node("411426", "411400", "夏邑县"),
    node("411481", "411400", "永城市"),
    // 周口市
    office("411600", "HN", "周口市", "0394-8394868", Some("zksjbc@126.com")),
    node("411602", "411600", "川汇区"),
    node("411603", "411600", "淮阳区"),
    node("411621", "411600", "扶沟县"),
    node("411622", "411600", "西华县"),
    node("411623", "411600", "商水县"),
    node("411624", "411600", "沈丘县"),
    node("411625", "411600", "郸城县"),
    node("411627", "411600", "太康县"),
    node("411628", "411600", "鹿邑县"),
    node("411681", "411600", "项城市"),
    // 济源示范区 has no county-level divisions below it.
    office("419001", "HN", "济源示范区", "0391-6835051", Some("jysfjbjg@126.com")),
];

/// The manual's 经办机构通讯录, in its order: (agency code, name as the manual prints it).
/// The manual says 济源市 where the tree says 济源示范区; we keep the manual's wording here.
const ADDRESS_BOOK: [(&str, &str); 11] = [
    ("HN", "河南省办事处"),
    ("410200", "开封市经办机构"),
    ("410600", "鹤壁市经办机构"),
    ("410700", "新乡市经办机构"),
    ("410900", "濮阳市经办机构"),
    ("411100", "漯河市经办机构"),
    ("411200", "三门峡市经办机构"),
    ("411400", "商丘市经办机构"),
    ("411600", "周口市经办机构"),
    ("419001", "济源市经办机构"),
    ("HN-ZS", "省总直属经办机构"),
];

/// All agencies, parents before children, siblings in display order.
pub fn agencies() -> &'static [Agency] {
    AGENCIES
}

pub fn agency(code: &str) -> Option<&'static Agency> {
    AGENCIES.iter().find(|a| a.code == code)
}

/// Root first, ending with the node itself; empty for an unknown code.
pub fn ancestors(code: &str) -> Vec<&'static Agency> {
    let mut chain = Vec::new();
    let mut next = agency(code);
    while let Some(a) = next {
        chain.push(a);
        next = a.parent.and_then(agency);
    }
    chain.reverse();
    chain
}

/// Codes from the root, each followed by '/', e.g. "HN/411100/411103/".
/// A node's path is a prefix of exactly its own and its descendants' paths.
pub fn path(code: &str) -> Option<String> {
    let chain = ancestors(code);
    if chain.is_empty() {
        return None;
    }
    Some(chain.iter().fold(String::new(), |mut s, a| {
        s.push_str(a.code);
        s.push('/');
        s
    }))
}

/// True when `code` is `ancestor` itself or lies below it; false if either is unknown.
pub fn is_within(code: &str, ancestor: &str) -> bool {
    agency(ancestor).is_some() && ancestors(code).iter().any(|a| a.code == ancestor)
}

/// "中华全国总工会>中国职工保险互助会>河南省办事处>漯河市>郾城区".
pub fn full_name(code: &str) -> Option<String> {
    let chain = ancestors(code);
    if chain.is_empty() {
        return None;
    }
    let names: Vec<&str> = ROOT_ANCESTOR_NAMES
        .iter()
        .copied()
        .chain(chain.iter().map(|a| a.name))
        .collect();
    Some(names.join(FULL_NAME_SEPARATOR))
}

/// Whether a unit may choose this node as its 所属机构.
pub fn is_selectable(code: &str) -> bool {
    agency(code).is_some() && !GROUP_CODES.contains(&code)
}

/// A node of the tree picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AgencyTreeNode {
    pub code: &'static str,
    pub name: &'static str,
    pub phone: Option<&'static str>,
    pub email: Option<&'static str>,
    /// Whether a unit may choose this node as its 所属机构 (group nodes may not).
    pub selectable: bool,
    #[schema(no_recursion)]
    pub children: Vec<AgencyTreeNode>,
}

fn subtree(a: &'static Agency) -> AgencyTreeNode {
    AgencyTreeNode {
        code: a.code,
        name: a.name,
        phone: a.phone,
        email: a.email,
        selectable: is_selectable(a.code),
        children: AGENCIES
            .iter()
            .filter(|c| c.parent == Some(a.code))
            .map(subtree)
            .collect(),
    }
}

/// The whole tree from 河南省办事处 down.
pub fn tree() -> AgencyTreeNode {
    subtree(agency(ROOT_AGENCY_CODE).expect("root agency is in the table"))
}

/// One line of the 经办机构通讯录.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AddressBookEntry {
    pub agency_code: &'static str,
    pub name: &'static str,
    pub phone: &'static str,
    pub email: Option<&'static str>,
}

/// The address book in the manual's order; contact details come from the tree itself.
pub fn address_book() -> Vec<AddressBookEntry> {
    ADDRESS_BOOK
        .iter()
        .filter_map(|&(code, name)| {
            let a = agency(code)?;
            Some(AddressBookEntry {
                agency_code: a.code,
                name,
                phone: a.phone?,
                email: a.email,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_parents_exist_before_children() {
        let mut seen = HashSet::new();
        for a in AGENCIES {
            assert!(!a.code.contains('/'), "{} would break path()", a.code);
            if let Some(p) = a.parent {
                assert!(seen.contains(p), "{} appears before its parent {p}", a.code);
            }
            assert!(seen.insert(a.code), "duplicate code {}", a.code);
        }
        let roots: Vec<_> = AGENCIES.iter().filter(|a| a.parent.is_none()).collect();
        assert_eq!(roots.len(), 1);
        assert_eq!(roots[0].code, ROOT_AGENCY_CODE);
    }

    #[test]
    fn path_prefix_matches_is_within_for_every_pair() {
        for a in AGENCIES {
            let pa = path(a.code).unwrap();
            for b in AGENCIES {
                let pb = path(b.code).unwrap();
                assert_eq!(
                    pb.starts_with(&pa),
                    is_within(b.code, a.code),
                    "{} vs {}",
                    a.code,
                    b.code
                );
            }
        }
        assert_eq!(path("411103").as_deref(), Some("HN/411100/411103/"));
        assert_eq!(path("HN").as_deref(), Some("HN/"));
        assert_eq!(path("nope"), None);
        assert!(!is_within("nope", "HN"));
        assert!(!is_within("411103", "nope"));
        assert!(is_within("411103", "411103"));
        assert!(!is_within("411100", "411103"));
    }

    #[test]
    fn manual_examples_have_expected_full_names() {
        // 郑州大学 → 省教科文卫体工会
        assert_eq!(
            full_name("HN-ZS-CY-JKWWT").as_deref(),
            Some("中华全国总工会>中国职工保险互助会>河南省办事处>省总直属经办机构>省产业工会>省教科文卫体工会")
        );
        // 省民政厅 → 省直机关工会联合会
        assert_eq!(
            full_name("HN-ZS-SZJG").as_deref(),
            Some("中华全国总工会>中国职工保险互助会>河南省办事处>省总直属经办机构>省直机关工会联合会")
        );
        // 漯河市郾城区应急管理局 → 漯河市 › 郾城区
        assert_eq!(
            full_name("411103").as_deref(),
            Some("中华全国总工会>中国职工保险互助会>河南省办事处>漯河市>郾城区")
        );
        assert_eq!(
            full_name("HN").as_deref(),
            Some("中华全国总工会>中国职工保险互助会>河南省办事处")
        );
        assert_eq!(full_name("x"), None);
        let names: Vec<_> = ancestors("411103").iter().map(|a| a.name).collect();
        assert_eq!(names, ["河南省办事处", "漯河市", "郾城区"]);
    }

    #[test]
    fn top_level_is_the_direct_office_then_eight_cities_and_jiyuan() {
        let top: Vec<_> = tree().children.iter().map(|c| c.name).collect();
        assert_eq!(
            top,
            [
                "省总直属经办机构",
                "开封市",
                "鹤壁市",
                "新乡市",
                "濮阳市",
                "漯河市",
                "三门峡市",
                "商丘市",
                "周口市",
                "济源示范区"
            ]
        );
        let counties = |city: &str| AGENCIES.iter().filter(|a| a.parent == Some(city)).count();
        let counts: Vec<_> = [
            "410200", "410600", "410700", "410900", "411100", "411200", "411400", "411600", "419001",
        ]
        .iter()
        .map(|c| counties(c))
        .collect();
        assert_eq!(counts, [9, 5, 12, 6, 5, 6, 9, 10, 0]);
        assert_eq!(counties("HN-ZS-CY"), 6);
        for code in ["410212", "410225", "411203", "411603", "410783"] {
            assert!(agency(code).is_some(), "{code}");
        }
    }

    #[test]
    fn only_groups_are_unselectable() {
        for code in GROUP_CODES {
            assert!(!is_selectable(code));
        }
        for code in [
            "HN-ZS-CY-JKWWT",
            "HN-ZS-SZJG",
            "HN-ZS-ZSJC",
            "411100",
            "411103",
            "419001",
        ] {
            assert!(is_selectable(code), "{code}");
        }
        assert!(!is_selectable("unknown"));
        let selectable = AGENCIES.iter().filter(|a| is_selectable(a.code)).count();
        assert_eq!(selectable, AGENCIES.len() - GROUP_CODES.len());
    }

    #[test]
    fn tree_covers_every_node_and_serialises() {
        fn count(n: &AgencyTreeNode) -> usize {
            1 + n.children.iter().map(count).sum::<usize>()
        }
        let t = tree();
        assert_eq!(count(&t), AGENCIES.len());
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json["code"], "HN");
        assert_eq!(json["selectable"], false);
        assert_eq!(json["phone"], "0371-67882633 0371-67882655");
        let zs = &json["children"][0];
        assert_eq!(zs["name"], "省总直属经办机构");
        assert_eq!(zs["email"], "hnszghbfzx@163.com");
        assert_eq!(zs["children"][0]["children"][0]["name"], "省教科文卫体工会");
        assert_eq!(zs["children"][0]["children"][0]["selectable"], true);
    }

    #[test]
    fn address_book_matches_the_manual() {
        let book = address_book();
        let lines: Vec<_> = book.iter().map(|e| (e.name, e.phone, e.email)).collect();
        assert_eq!(
            lines,
            [
                ("河南省办事处", "0371-67882633 0371-67882655", None),
                ("开封市经办机构", "0371-25665888", None),
                ("鹤壁市经办机构", "0392-3338716", Some("hbszghcwb@126.com")),
                ("新乡市经办机构", "0373-2171388", Some("xxshzbz@126.com")),
                ("濮阳市经办机构", "0393-4432004", Some("zhonghuipy@126.com")),
                ("漯河市经办机构", "0395-3166100", None),
                ("三门峡市经办机构", "0398-2828449", Some("smxszgfzx@163.com")),
                ("商丘市经办机构", "0370-3151662", Some("bzb@sqszgh.cn")),
                ("周口市经办机构", "0394-8394868", Some("zksjbc@126.com")),
                ("济源市经办机构", "0391-6835051", Some("jysfjbjg@126.com")),
                ("省总直属经办机构", "0371-65905282", Some("hnszghbfzx@163.com")),
            ]
        );
        let json = serde_json::to_value(&book[5]).unwrap();
        assert_eq!(json["agency_code"], "411100");
        assert_eq!(json["email"], serde_json::Value::Null);
    }
}
