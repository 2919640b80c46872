//! 护照号码: formats differ by country, so only the shape common to all is checked.
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::mask::mask_id_number;
use super::normalize::normalize_token;
use super::resident_id::IdError;

/// 护照号码: 5–17 letters and digits, upper-cased.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Passport(String);

impl Passport {
    pub fn parse(raw: &str) -> Result<Passport, IdError> {
        let token = normalize_token(raw).to_uppercase();
        if token.is_empty() {
            return Err(IdError::Empty);
        }
        if let Some((i, c)) = token.chars().enumerate().find(|(_, c)| !c.is_ascii_alphanumeric()) {
            return Err(IdError::PassportCharacters {
                position: i + 1,
                found: c,
            });
        }
        match token.len() {
            5..=17 => Ok(Passport(token)),
            found => Err(IdError::PassportLength { found }),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// "E12**5678"
    pub fn masked(&self) -> String {
        mask_id_number(&self.0)
    }
}

impl fmt::Display for Passport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for Passport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Passport({})", self.masked())
    }
}

impl Serialize for Passport {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Passport {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Passport::parse(&raw).map_err(|e| serde::de::Error::custom(e.code()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_letters_and_digits_upper_cased() {
        let p = Passport::parse(" e1234 5678 ").unwrap();
        assert_eq!(p.as_str(), "E12345678");
        assert_eq!(p.masked(), "E12**5678");
        assert_eq!(p.to_string(), "E12**5678");
        assert_eq!(format!("{p:?}"), "Passport(E12**5678)");
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"E12345678\"");
        assert!(Passport::parse("AB123").is_ok());
        assert!(Passport::parse("ABCDE123456789012").is_ok());
    }

    #[test]
    fn refuses_wrong_length_and_symbols() {
        let err = Passport::parse("AB12").unwrap_err();
        assert_eq!(err, IdError::PassportLength { found: 4 });
        assert_eq!(err.code(), "PASSPORT_FORMAT");
        assert_eq!(err.to_string(), "护照号码应为5至17位字母或数字，当前为4位，请核对");
        assert_eq!(
            Passport::parse("ABCDE1234567890123").unwrap_err().code(),
            "PASSPORT_FORMAT"
        );
        let err = Passport::parse("E123-45678").unwrap_err();
        assert_eq!(
            err,
            IdError::PassportCharacters {
                position: 5,
                found: '-'
            }
        );
        assert_eq!(err.code(), "PASSPORT_FORMAT");
        assert_eq!(Passport::parse("护照12345").unwrap_err().code(), "PASSPORT_FORMAT");
        assert_eq!(Passport::parse("").unwrap_err().code(), "ID_EMPTY");
    }
}
