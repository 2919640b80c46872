//! 性别: taken from an ID number, or from a cell where the ID gives none (passports).
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::normalize::normalized;

/// 性别
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    Male,
    Female,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GenderError {
    #[error("性别应填写“男”或“女”")]
    Invalid,
}

impl GenderError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid => "GENDER_INVALID",
        }
    }
}

impl Gender {
    /// Accepts 男/女 and M/F (any case), as clerks and foreign-made sheets write them.
    pub fn parse(raw: &str) -> Result<Gender, GenderError> {
        let token = normalized(raw);
        // 男/女 have no case: most cells are decided without an uppercase copy.
        match token.as_ref() {
            "男" => return Ok(Gender::Male),
            "女" => return Ok(Gender::Female),
            _ => {}
        }
        match token.to_uppercase().as_str() {
            "男" | "M" | "MALE" => Ok(Gender::Male),
            "女" | "F" | "FEMALE" => Ok(Gender::Female),
            _ => Err(GenderError::Invalid),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Gender::Male => "男",
            Gender::Female => "女",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_chinese_and_letters() {
        assert_eq!(Gender::parse("男"), Ok(Gender::Male));
        assert_eq!(Gender::parse(" 女 "), Ok(Gender::Female));
        assert_eq!(Gender::parse("M"), Ok(Gender::Male));
        assert_eq!(Gender::parse("f"), Ok(Gender::Female));
        assert_eq!(Gender::parse("Ｆ"), Ok(Gender::Female));
    }

    #[test]
    fn refuses_anything_else() {
        for raw in ["", "未知", "X", "男女"] {
            let err = Gender::parse(raw).unwrap_err();
            assert_eq!(err.code(), "GENDER_INVALID");
            assert_eq!(err.to_string(), "性别应填写“男”或“女”");
        }
    }

    #[test]
    fn labels_and_serialization() {
        assert_eq!(Gender::Male.label(), "男");
        assert_eq!(Gender::Female.label(), "女");
        assert_eq!(serde_json::to_string(&Gender::Male).unwrap(), "\"male\"");
        assert_eq!(serde_json::to_string(&Gender::Female).unwrap(), "\"female\"");
        assert_eq!(serde_json::from_str::<Gender>("\"female\"").unwrap(), Gender::Female);
    }
}
