//! 办公电话: a landline as area code (区号) plus local number, with an optional extension.
use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::normalize::normalize_token;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OfficePhoneError {
    #[error("区号应为以0开头的3至4位数字（如010、0371），请核对")]
    AreaCode,
    #[error("电话号码应为7至8位数字（不含区号），分机号可写在“-”或“转”之后，请核对")]
    Number,
}

impl OfficePhoneError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::AreaCode => "PHONE_AREA_CODE",
            Self::Number => "PHONE_NUMBER",
        }
    }
}

/// 办公电话: "0371-67882633", or "0371-67882633-801" with an extension.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OfficePhone {
    area: String,
    number: String,
    extension: Option<String>,
}

impl OfficePhone {
    /// The form's two fields: 区号 and 号码 (which may carry an extension after '-' or '转').
    pub fn parse(area: &str, number: &str) -> Result<OfficePhone, OfficePhoneError> {
        let area = parse_area(area)?;
        let (number, extension) = parse_number(number)?;
        Ok(OfficePhone {
            area,
            number,
            extension,
        })
    }

    /// One field: "0371-67882633", "(0371)67882633", "037167882633", "010-12345678转801".
    pub fn parse_combined(raw: &str) -> Result<OfficePhone, OfficePhoneError> {
        let token = normalize_token(raw)
            .replace(['（', '('], "")
            .replacen([')', '）'], "-", 1);
        let (area, rest) = match token.split_once('-') {
            Some(split) => split,
            // Without a separator, Beijing (010) and the 02x cities have 3-digit codes.
            None if token.starts_with("01") || token.starts_with("02") => split_chars(&token, 3),
            None => split_chars(&token, 4),
        };
        Self::parse(area, rest.trim_start_matches('-'))
    }

    pub fn area(&self) -> &str {
        &self.area
    }

    pub fn number(&self) -> &str {
        &self.number
    }

    pub fn extension(&self) -> Option<&str> {
        self.extension.as_deref()
    }
}

/// Splits after `n` characters (never inside a multi-byte one).
fn split_chars(s: &str, n: usize) -> (&str, &str) {
    let at = s.char_indices().nth(n).map_or(s.len(), |(i, _)| i);
    s.split_at(at)
}

fn parse_area(raw: &str) -> Result<String, OfficePhoneError> {
    let token = normalize_token(raw).replace(['(', ')', '（', '）'], "");
    let valid = (3..=4).contains(&token.len()) && token.starts_with('0') && token.bytes().all(|b| b.is_ascii_digit());
    if valid {
        Ok(token)
    } else {
        Err(OfficePhoneError::AreaCode)
    }
}

fn parse_number(raw: &str) -> Result<(String, Option<String>), OfficePhoneError> {
    let token = normalize_token(raw);
    let (number, extension) = match token.split_once(['-', '转']) {
        Some((number, ext)) => (number, Some(ext)),
        None => (token.as_str(), None),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    // Local numbers never start with 0 (that is the area code) or 1 (service numbers).
    let number_ok = (7..=8).contains(&number.len()) && all_digits(number) && !number.starts_with(['0', '1']);
    let extension_ok = extension.is_none_or(|e| (1..=6).contains(&e.len()) && all_digits(e));
    if !(number_ok && extension_ok) {
        return Err(OfficePhoneError::Number);
    }
    Ok((number.to_owned(), extension.map(str::to_owned)))
}

impl fmt::Display for OfficePhone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.area, self.number)?;
        if let Some(ext) = &self.extension {
            write!(f, "-{ext}")?;
        }
        Ok(())
    }
}

impl TryFrom<String> for OfficePhone {
    type Error = OfficePhoneError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        OfficePhone::parse_combined(&raw)
    }
}

impl From<OfficePhone> for String {
    fn from(phone: OfficePhone) -> String {
        phone.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_area_and_number() {
        let p = OfficePhone::parse("0371", "67882633").unwrap();
        assert_eq!(p.to_string(), "0371-67882633");
        assert_eq!((p.area(), p.number(), p.extension()), ("0371", "67882633", None));
        assert_eq!(
            OfficePhone::parse(" ０１０ ", "6512 3456").unwrap().to_string(),
            "010-65123456"
        );
        assert_eq!(
            OfficePhone::parse("(0393)", "4412345").unwrap().to_string(),
            "0393-4412345"
        );
    }

    #[test]
    fn extensions_after_hyphen_or_zhuan() {
        let p = OfficePhone::parse("0371", "67882633转801").unwrap();
        assert_eq!(p.extension(), Some("801"));
        assert_eq!(p.to_string(), "0371-67882633-801");
        assert_eq!(OfficePhone::parse("0371", "67882633-8").unwrap().extension(), Some("8"));
        assert_eq!(
            OfficePhone::parse("0371", "67882633-1234567").unwrap_err().code(),
            "PHONE_NUMBER"
        );
        assert_eq!(
            OfficePhone::parse("0371", "67882633转").unwrap_err().code(),
            "PHONE_NUMBER"
        );
    }

    #[test]
    fn bad_area_codes() {
        for area in ["395", "", "03", "03711", "0a71", "+86"] {
            let err = OfficePhone::parse(area, "67882633").unwrap_err();
            assert_eq!(err.code(), "PHONE_AREA_CODE", "{area}");
        }
        assert_eq!(
            OfficePhoneError::AreaCode.to_string(),
            "区号应为以0开头的3至4位数字（如010、0371），请核对"
        );
    }

    #[test]
    fn bad_numbers() {
        for number in ["", "123456", "123456789", "6788263a", "03716788", "13812345678"] {
            let err = OfficePhone::parse("0371", number).unwrap_err();
            assert_eq!(err.code(), "PHONE_NUMBER", "{number}");
        }
    }

    #[test]
    fn combined_forms() {
        for raw in [
            "0371-67882633",
            "(0371)67882633",
            "（0371）67882633",
            "037167882633",
            " 0371 6788 2633 ",
        ] {
            assert_eq!(
                OfficePhone::parse_combined(raw).unwrap().to_string(),
                "0371-67882633",
                "{raw}"
            );
        }
        assert_eq!(
            OfficePhone::parse_combined("01065123456").unwrap().to_string(),
            "010-65123456"
        );
        assert_eq!(
            OfficePhone::parse_combined("02161234567").unwrap().to_string(),
            "021-61234567"
        );
        let p = OfficePhone::parse_combined("0371-67882633-801").unwrap();
        assert_eq!(p.to_string(), "0371-67882633-801");
        assert_eq!(OfficePhone::parse_combined(&p.to_string()).unwrap(), p);
        assert_eq!(
            OfficePhone::parse_combined("67882633").unwrap_err().code(),
            "PHONE_AREA_CODE"
        );
        assert_eq!(OfficePhone::parse_combined("").unwrap_err().code(), "PHONE_AREA_CODE");
        assert_eq!(
            OfficePhone::parse_combined("(0371)-67882633").unwrap().to_string(),
            "0371-67882633"
        );
        assert_eq!(
            OfficePhone::parse_combined("电话号码").unwrap_err().code(),
            "PHONE_AREA_CODE"
        );
        assert_eq!(
            OfficePhone::parse_combined("0371转").unwrap_err().code(),
            "PHONE_NUMBER"
        );
    }

    #[test]
    fn serde_uses_the_display_form() {
        let p = OfficePhone::parse("0371", "67882633转801").unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, "\"0371-67882633-801\"");
        assert_eq!(serde_json::from_str::<OfficePhone>(&json).unwrap(), p);
    }
}
