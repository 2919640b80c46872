//! 手机号码: the unit contact's login identity and where every SMS goes.
use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::mask::mask_middle;
use super::normalize::normalized;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MobileError {
    #[error("请填写手机号码（以1开头的11位数字）")]
    Empty,
    #[error("手机号码应为以1开头的11位数字，请核对")]
    Invalid,
}

impl MobileError {
    pub fn code(&self) -> &'static str {
        // One code for both: callers and tests treat every refusal alike.
        match self {
            Self::Empty | Self::Invalid => "MOBILE_INVALID",
        }
    }
}

/// 手机号码: 11 digits, 1[3-9]…, stored without country code.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Mobile(String);

impl Mobile {
    /// Accepts "+86 138-1234-5678", "8613812345678", "0086…" and plain 11 digits.
    pub fn parse(raw: &str) -> Result<Mobile, MobileError> {
        let token = normalized(raw);
        let token = if token.contains('-') {
            Cow::Owned(token.chars().filter(|&c| c != '-').collect())
        } else {
            token
        };
        if token.is_empty() {
            return Err(MobileError::Empty);
        }
        let digits = ["+86", "0086", "86"]
            .iter()
            .find_map(|prefix| token.strip_prefix(prefix).filter(|rest| rest.len() == 11))
            .unwrap_or(token.as_ref());
        let b = digits.as_bytes();
        let valid = b.len() == 11 && b.iter().all(u8::is_ascii_digit) && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]);
        if !valid {
            return Err(MobileError::Invalid);
        }
        Ok(Mobile(digits.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// "+8613812345678", the form the SMS gateway wants.
    pub fn e164(&self) -> String {
        format!("+86{}", self.0)
    }

    /// "138****5678"
    pub fn masked(&self) -> String {
        mask_middle(&self.0, 3, 4)
    }
}

impl fmt::Display for Mobile {
    /// Masked, so a number can never be logged whole by accident.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for Mobile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mobile({})", self.masked())
    }
}

impl TryFrom<String> for Mobile {
    type Error = MobileError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Mobile::parse(&raw)
    }
}

impl From<Mobile> for String {
    fn from(mobile: Mobile) -> String {
        mobile.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_shapes() {
        for raw in [
            "13812345678",
            " 138 1234 5678 ",
            "138-1234-5678",
            "+8613812345678",
            "+86 138 1234 5678",
            "8613812345678",
            "008613812345678",
            "１３８１２３４５６７８",
        ] {
            assert_eq!(Mobile::parse(raw).unwrap().as_str(), "13812345678", "{raw}");
        }
        assert!(Mobile::parse("19912345678").is_ok());
    }

    #[test]
    fn refuses_everything_else() {
        for raw in [
            "1381234567",
            "138123456789",
            "12345678901",
            "23812345678",
            "1381234567a",
            "+8512345678901",
            "86138123456",
            "+86",
        ] {
            let err = Mobile::parse(raw).unwrap_err();
            assert_eq!(err.code(), "MOBILE_INVALID", "{raw}");
            assert_eq!(err.to_string(), "手机号码应为以1开头的11位数字，请核对");
        }
        assert_eq!(Mobile::parse(" ").unwrap_err(), MobileError::Empty);
        assert_eq!(Mobile::parse("").unwrap_err().code(), "MOBILE_INVALID");
    }

    #[test]
    fn an_eleven_digit_number_starting_86_is_not_stripped() {
        // 86 followed by 9 digits is a malformed number, not a prefixed one.
        assert!(Mobile::parse("86138123456").is_err());
    }

    #[test]
    fn forms_of_output() {
        let m = Mobile::parse("13812345678").unwrap();
        assert_eq!(m.e164(), "+8613812345678");
        assert_eq!(m.masked(), "138****5678");
        assert_eq!(m.to_string(), "138****5678");
        assert_eq!(format!("{m:?}"), "Mobile(138****5678)");
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, "\"13812345678\"");
        assert_eq!(serde_json::from_str::<Mobile>(&json).unwrap(), m);
        assert!(serde_json::from_str::<Mobile>("\"1381234567\"").is_err());
    }
}
