//! Seed of the activity catalogue; the database copy is authoritative once seeded.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SubCategorySeed {
    pub code: &'static str,
    pub name: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ActivitySeed {
    pub code: &'static str,
    /// 保障活动类型
    pub kind: &'static str,
    pub name: &'static str,
    pub fee_per_share_fen: u64,
    pub max_shares: u32,
    pub sub_categories: &'static [SubCategorySeed],
    pub min_age: u32,
    pub max_age_male: u32,
    pub max_age_female: u32,
    pub term_months: u32,
}

static ACTIVITY_SEEDS: &[ActivitySeed] = &[ActivitySeed {
    code: "ZYYL",
    kind: "住院医疗",
    name: "在职职工住院医疗互助保障活动",
    fee_per_share_fen: 8000,
    max_shares: 5,
    sub_categories: &[SubCategorySeed {
        code: "ZYYL-01",
        name: "在职职工住院医疗（会费80元）",
    }],
    min_age: 16,
    max_age_male: 60,
    max_age_female: 60,
    term_months: 12,
}];

pub fn activity_seeds() -> &'static [ActivitySeed] {
    ACTIVITY_SEEDS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_is_the_hospitalisation_activity() {
        let [a] = activity_seeds() else {
            panic!("expected one seed")
        };
        assert_eq!(a.code, "ZYYL");
        assert_eq!(a.fee_per_share_fen, 8000);
        assert!(a.sub_categories.iter().all(|c| c.code.starts_with(a.code)));
        assert!(a.min_age < a.max_age_male && a.min_age < a.max_age_female);
        let json = serde_json::to_value(a).unwrap();
        assert_eq!(json["name"], "在职职工住院医疗互助保障活动");
        assert_eq!(json["sub_categories"][0]["name"], "在职职工住院医疗（会费80元）");
    }
}
