//! 职业类别: the one occupation type of the import, the stored members and the invoice items.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::normalize::normalized;

/// 职业类别
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = OccupationClass)]
pub enum Occupation {
    /// 一般职业
    #[default]
    General,
    /// 高危职业
    HighRisk,
}

impl Occupation {
    /// In the order the template's drop-down lists them.
    pub const ALL: [Occupation; 2] = [Occupation::General, Occupation::HighRisk];

    pub fn label(self) -> &'static str {
        match self {
            Self::General => "一般职业",
            Self::HighRisk => "高危职业",
        }
    }

    /// The label, its short form or the API code (`general`, `high_risk`); None otherwise,
    /// blank included (the spreadsheet reads a blank cell as 一般职业 itself).
    pub fn parse(raw: &str) -> Option<Occupation> {
        match normalized(raw).as_ref() {
            "一般职业" | "一般" | "general" => Some(Self::General),
            "高危职业" | "高危" | "high_risk" => Some(Self::HighRisk),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_short_forms_and_codes_parse() {
        for (raw, want) in [
            ("一般职业", Occupation::General),
            (" 一般 ", Occupation::General),
            ("general", Occupation::General),
            ("高危职业", Occupation::HighRisk),
            ("高危", Occupation::HighRisk),
            ("high_risk", Occupation::HighRisk),
        ] {
            assert_eq!(Occupation::parse(raw), Some(want), "{raw}");
        }
        assert_eq!(Occupation::parse(""), None);
        assert_eq!(Occupation::parse("司机"), None);
    }

    #[test]
    fn labels_round_trip() {
        for o in Occupation::ALL {
            assert_eq!(Occupation::parse(o.label()), Some(o));
        }
    }
}
