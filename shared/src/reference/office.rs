//! The 办事处 picker. The association has many offices; this system serves only Henan.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Office {
    pub code: &'static str,
    pub name: &'static str,
    pub served: bool,
}

/// 河南省办事处; also the office part of certificate numbers (G1600…).
pub const SERVED_OFFICE_CODE: &str = "1600";

// Only 1600 is a real association code (it appears in certificate numbers); the others are
// placeholders so the picker can list them, and no unit can register under them anyway.
static OFFICES: &[Office] = &[
    Office {
        code: "CZ",
        name: "常州办事处",
        served: false,
    },
    Office {
        code: "CC",
        name: "长春办事处",
        served: false,
    },
    Office {
        code: "CD",
        name: "成都办事处",
        served: false,
    },
    Office {
        code: "CQ",
        name: "重庆办事处",
        served: false,
    },
    Office {
        code: "GZ",
        name: "贵州省办事处",
        served: false,
    },
    Office {
        code: "HF",
        name: "合肥市办事处",
        served: false,
    },
    Office {
        code: SERVED_OFFICE_CODE,
        name: "河南省办事处",
        served: true,
    },
    Office {
        code: "HLJ",
        name: "黑龙江省办事处",
        served: false,
    },
    Office {
        code: "HB",
        name: "湖北省办事处",
        served: false,
    },
    Office {
        code: "JL",
        name: "吉林办事处",
        served: false,
    },
];

/// In the manual's screenshot order.
pub fn offices() -> &'static [Office] {
    OFFICES
}

pub fn office(code: &str) -> Option<&'static Office> {
    OFFICES.iter().find(|o| o.code == code)
}

/// The office if it exists and this system serves it.
pub fn served_office(code: &str) -> Option<&'static Office> {
    office(code).filter(|o| o.served)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn only_henan_is_served() {
        let served: Vec<_> = OFFICES.iter().filter(|o| o.served).map(|o| (o.code, o.name)).collect();
        assert_eq!(served, [("1600", "河南省办事处")]);
        assert_eq!(served_office("1600").map(|o| o.name), Some("河南省办事处"));
        assert!(served_office("CZ").is_none());
        assert!(office("CZ").is_some());
        assert!(served_office("").is_none());
    }

    #[test]
    fn codes_and_names_are_unique() {
        let codes: HashSet<_> = OFFICES.iter().map(|o| o.code).collect();
        let names: HashSet<_> = OFFICES.iter().map(|o| o.name).collect();
        assert_eq!(codes.len(), OFFICES.len());
        assert_eq!(names.len(), OFFICES.len());
        let json = serde_json::to_value(offices()).unwrap();
        assert_eq!(json[6]["served"], true);
    }
}
