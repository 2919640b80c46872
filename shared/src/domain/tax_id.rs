//! 税号 on an invoice: the payer's taxpayer identification number. Units have an 18-character
//! unified social credit code; older registrations carry 15 or 20 characters. Only the shape
//! is checked (old numbers have no check character, and a typo in a new one is the tax
//! office's to refuse), after the usual clean-up and upper-casing.
use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::normalize::normalize_token;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TaxIdError {
    #[error("税号应为15位、18位或20位（统一社会信用代码为18位），请核对")]
    Length,
    #[error("税号只能包含数字和英文字母，请核对")]
    Chars,
}

impl TaxIdError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Length | Self::Chars => "TAX_ID_INVALID",
        }
    }
}

/// 税号: 15, 18 or 20 ASCII letters or digits, upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TaxId(String);

impl TaxId {
    pub fn parse(raw: &str) -> Result<TaxId, TaxIdError> {
        let token = normalize_token(raw).to_ascii_uppercase();
        if !token.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(TaxIdError::Chars);
        }
        if ![15, 18, 20].contains(&token.len()) {
            return Err(TaxIdError::Length);
        }
        Ok(TaxId(token))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TaxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for TaxId {
    type Error = TaxIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        TaxId::parse(&value)
    }
}

impl From<TaxId> for String {
    fn from(value: TaxId) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_three_lengths_and_normalises() {
        assert_eq!(
            TaxId::parse("123123123123123131").unwrap().as_str(),
            "123123123123123131"
        );
        assert_eq!(
            TaxId::parse(" 91410100ma44abcd1x ").unwrap().as_str(),
            "91410100MA44ABCD1X"
        );
        assert_eq!(
            TaxId::parse("４１０１０２１２３４５６７８９").unwrap().as_str(),
            "410102123456789"
        );
        assert_eq!(
            TaxId::parse("41010212345678901234").unwrap().as_str(),
            "41010212345678901234"
        );
        assert_eq!(TaxId::parse("4101 0212 3456 789").unwrap().as_str(), "410102123456789");
    }

    #[test]
    fn refuses_other_lengths_and_characters() {
        for raw in [
            "",
            "12345678901234",
            "1234567890123456",
            "1234567890123456789",
            "123456789012345678901",
        ] {
            assert_eq!(TaxId::parse(raw), Err(TaxIdError::Length), "{raw:?}");
        }
        for raw in ["12345678901234-", "91410100MA44ABCD1？", "税号123456789012345"] {
            assert_eq!(TaxId::parse(raw), Err(TaxIdError::Chars), "{raw:?}");
        }
        assert_eq!(TaxIdError::Length.code(), "TAX_ID_INVALID");
    }

    #[test]
    fn round_trips_through_serde_and_refuses_bad_stored_values() {
        let id = TaxId::parse("91410100MA44ABCD1X").unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"91410100MA44ABCD1X\"");
        assert_eq!(serde_json::from_str::<TaxId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<TaxId>("\"abc\"").is_err());
    }
}
