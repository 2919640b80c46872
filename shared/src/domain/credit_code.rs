//! 统一社会信用代码 (GB 32100-2015): the unit code and the union's credit code.
use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::normalize::normalize_token;

/// The 31 characters of GB 32100, in value order: no I, O, Z, S, V (too like 1, 0, 2, 5, U).
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CreditCodeError {
    #[error("请填写统一社会信用代码")]
    Empty,
    #[error("统一社会信用代码应为18位，当前为{found}位，请核对是否多输或漏输")]
    Length { found: usize },
    #[error(
        "统一社会信用代码第{position}位“{found}”不是有效字符：代码只由数字和大写字母组成，且从不使用字母I、O、Z、S、V，请核对"
    )]
    Characters { position: usize, found: char },
    #[error("统一社会信用代码第{position}位应为数字（第3至8位是登记管理机关行政区划码），当前为“{found}”，请核对")]
    DivisionCode { position: usize, found: char },
    #[error("统一社会信用代码校验位不正确，请核对代码是否抄错")]
    Checksum,
}

impl CreditCodeError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "CREDIT_CODE_EMPTY",
            Self::Length { .. } => "CREDIT_CODE_LENGTH",
            Self::Characters { .. } | Self::DivisionCode { .. } => "CREDIT_CODE_CHARS",
            Self::Checksum => "CREDIT_CODE_CHECKSUM",
        }
    }
}

/// 统一社会信用代码: 18 characters with a valid check character. Not personal data, so it is
/// displayed and logged whole.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

impl CreditCode {
    pub fn parse(raw: &str) -> Result<CreditCode, CreditCodeError> {
        let token = normalize_token(raw).to_uppercase();
        if token.is_empty() {
            return Err(CreditCodeError::Empty);
        }
        for (i, c) in token.chars().enumerate() {
            if !c.is_ascii() || !CHARSET.contains(&(c as u8)) {
                return Err(CreditCodeError::Characters {
                    position: i + 1,
                    found: c,
                });
            }
        }
        if token.len() != 18 {
            return Err(CreditCodeError::Length { found: token.len() });
        }
        if let Some((i, c)) = token.char_indices().skip(2).take(6).find(|(_, c)| !c.is_ascii_digit()) {
            return Err(CreditCodeError::DivisionCode {
                position: i + 1,
                found: c,
            });
        }
        if Self::check_char(&token[..17]) != Some(token.as_bytes()[17] as char) {
            return Err(CreditCodeError::Checksum);
        }
        Ok(CreditCode(token))
    }

    /// The check character for a 17-character body, or `None` if it has a character outside
    /// the GB 32100 set (or the wrong length).
    pub fn check_char(body: &str) -> Option<char> {
        if body.len() != 17 {
            return None;
        }
        let mut sum = 0;
        for (b, w) in body.bytes().zip(WEIGHTS) {
            let value = CHARSET.iter().position(|&c| c == b)? as u32;
            sum += value * w;
        }
        let c = (31 - sum % 31) % 31;
        Some(CHARSET[c as usize] as char)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = CreditCodeError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        CreditCode::parse(&raw)
    }
}

impl From<CreditCode> for String {
    fn from(code: CreditCode) -> String {
        code.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A real-shaped code: 9 (工商) 1 (企业), 410100 (郑州市), organisation code, check char.
    fn zhengzhou_example() -> String {
        let body = "91410100MA44ABCD0";
        format!("{body}{}", CreditCode::check_char(body).unwrap())
    }

    #[test]
    fn accepts_the_known_public_code() {
        let code = CreditCode::parse("91350100M000100Y43").unwrap();
        assert_eq!(code.as_str(), "91350100M000100Y43");
        assert_eq!(code.to_string(), "91350100M000100Y43");
        assert_eq!(CreditCode::check_char("91350100M000100Y4"), Some('3'));
    }

    #[test]
    fn accepts_a_computed_example_in_any_case_and_width() {
        let valid = zhengzhou_example();
        assert_eq!(CreditCode::parse(&valid).unwrap().as_str(), valid);
        let typed = format!(" {} ", valid.to_lowercase());
        assert_eq!(CreditCode::parse(&typed).unwrap().as_str(), valid);
        let full_width: String = valid
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
            .collect();
        assert_eq!(CreditCode::parse(&full_width).unwrap().as_str(), valid);
    }

    #[test]
    fn check_value_31_maps_to_zero() {
        // Find a body whose sum is a multiple of 31: its check char must be '0'.
        let body = (0..31)
            .map(|last| format!("9141010000000000{}", CHARSET[last] as char))
            .find(|b| {
                let sum: u32 = b
                    .bytes()
                    .zip(WEIGHTS)
                    .map(|(c, w)| CHARSET.iter().position(|&x| x == c).unwrap() as u32 * w)
                    .sum();
                sum.is_multiple_of(31)
            })
            .unwrap();
        assert_eq!(CreditCode::check_char(&body), Some('0'));
        assert!(CreditCode::parse(&format!("{body}0")).is_ok());
    }

    #[test]
    fn empty_and_length_errors() {
        assert_eq!(CreditCode::parse("  ").unwrap_err().code(), "CREDIT_CODE_EMPTY");
        let err = CreditCode::parse("91350100M000100Y4").unwrap_err();
        assert_eq!(err, CreditCodeError::Length { found: 17 });
        assert_eq!(err.code(), "CREDIT_CODE_LENGTH");
        assert_eq!(
            err.to_string(),
            "统一社会信用代码应为18位，当前为17位，请核对是否多输或漏输"
        );
    }

    #[test]
    fn characters_errors_name_the_character() {
        let err = CreditCode::parse("91350100M000100Y4O").unwrap_err();
        assert_eq!(
            err,
            CreditCodeError::Characters {
                position: 18,
                found: 'O'
            }
        );
        assert_eq!(err.code(), "CREDIT_CODE_CHARS");
        assert!(err.to_string().contains("“O”"));
        assert!(err.to_string().contains("I、O、Z、S、V"));
        for bad in ["I", "Z", "S", "V", "-", "中"] {
            let raw = format!("91350100M000100Y4{bad}");
            assert_eq!(
                CreditCode::parse(&raw).unwrap_err().code(),
                "CREDIT_CODE_CHARS",
                "{raw}"
            );
        }
        let err = CreditCode::parse("9135A100M000100Y43").unwrap_err();
        assert_eq!(
            err,
            CreditCodeError::DivisionCode {
                position: 5,
                found: 'A'
            }
        );
        assert_eq!(err.code(), "CREDIT_CODE_CHARS");
    }

    #[test]
    fn checksum_errors() {
        let err = CreditCode::parse("91350100M000100Y44").unwrap_err();
        assert_eq!(err, CreditCodeError::Checksum);
        assert_eq!(err.code(), "CREDIT_CODE_CHECKSUM");
    }

    #[test]
    fn serde_round_trips_through_parse() {
        let code = CreditCode::parse("91350100m000100y43").unwrap();
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, "\"91350100M000100Y43\"");
        assert_eq!(serde_json::from_str::<CreditCode>(&json).unwrap(), code);
        assert!(serde_json::from_str::<CreditCode>("\"91350100M000100Y44\"").is_err());
    }

    fn valid_code() -> impl Strategy<Value = String> {
        let any = proptest::sample::select(&CHARSET[..]);
        (
            proptest::collection::vec(any.clone(), 2),
            proptest::collection::vec(proptest::sample::select(&CHARSET[..10]), 6),
            proptest::collection::vec(any, 9),
        )
            .prop_map(|(head, division, tail)| {
                let body: String = head.into_iter().chain(division).chain(tail).map(char::from).collect();
                let check = CreditCode::check_char(&body).unwrap();
                format!("{body}{check}")
            })
    }

    /// Mostly characters of the code's own set, then ASCII, then anything.
    fn replacement_char() -> impl Strategy<Value = char> {
        prop_oneof![
            3 => proptest::sample::select(&CHARSET[..]).prop_map(char::from),
            1 => proptest::char::range('!', '~'),
            1 => proptest::char::any(),
        ]
    }

    proptest! {
        // Substitutions equal to the original are skipped; that is a few percent of cases.
        #![proptest_config(ProptestConfig { max_global_rejects: 1 << 16, ..ProptestConfig::default() })]

        #[test]
        fn generated_codes_parse(code in valid_code()) {
            let parsed = CreditCode::parse(&code).unwrap();
            prop_assert_eq!(parsed.as_str(), code.as_str());
        }

        #[test]
        fn any_single_substitution_is_refused(
            code in valid_code(),
            position in 0usize..18,
            replacement in replacement_char(),
        ) {
            let original = code.as_bytes()[position] as char;
            let upper: Vec<char> = replacement.to_uppercase().collect();
            prop_assume!(upper.len() == 1 && upper[0] != original);
            prop_assume!(normalize_token(&replacement.to_string()) == replacement.to_string());
            let mut chars: Vec<char> = code.chars().collect();
            chars[position] = replacement;
            let mutated: String = chars.into_iter().collect();
            let err = CreditCode::parse(&mutated).unwrap_err();
            prop_assert!(
                matches!(
                    err,
                    CreditCodeError::Checksum
                        | CreditCodeError::Characters { .. }
                        | CreditCodeError::DivisionCode { .. }
                ),
                "{mutated}: {err:?}"
            );
        }
    }
}
