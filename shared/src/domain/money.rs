//! Money as integer fen (分): no floating point anywhere between a cell and a certificate.
use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::capitals::to_capitals;
use super::normalize::normalize_token;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MoneyError {
    #[error("请填写金额")]
    Empty,
    #[error("金额格式不正确，应为数字（如80、80.5、1,234.50），请核对")]
    Format,
    #[error("金额最多保留两位小数（精确到分），请核对")]
    Precision,
    #[error("金额不能为负数，请核对")]
    Negative,
    #[error("金额过大，超出系统可记录的范围，请核对")]
    TooLarge,
}

impl MoneyError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty | Self::Format => "MONEY_FORMAT",
            Self::Precision => "MONEY_PRECISION",
            Self::Negative | Self::TooLarge => "MONEY_RANGE",
        }
    }
}

/// An amount in fen (分); every `u64` is a valid amount. Serialized as the integer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fen(u64);

impl Fen {
    pub const ZERO: Fen = Fen(0);

    pub const fn new(fen: u64) -> Fen {
        Fen(fen)
    }

    /// Parses yuan as people write it: "80", "80.5", "80.00", "1,234.50", "¥80", "80元".
    /// Thousands separators must group by three, so a decimal comma ("80,5") is refused
    /// rather than read as 805.
    pub fn from_yuan(raw: &str) -> Result<Fen, MoneyError> {
        let token = normalize_token(raw);
        let token = token.trim_start_matches(['¥', '￥']).trim_end_matches('元');
        if token.is_empty() {
            return Err(MoneyError::Empty);
        }
        if token.starts_with('-') {
            return Err(MoneyError::Negative);
        }
        let (int_part, frac_part) = match token.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (token, None),
        };
        let int_digits = integer_digits(int_part).ok_or(MoneyError::Format)?;
        let frac = match frac_part {
            None => 0,
            Some(f) => fraction_fen(f)?,
        };
        let yuan = int_digits
            .bytes()
            .try_fold(0u64, |acc, b| acc.checked_mul(10)?.checked_add(u64::from(b - b'0')));
        yuan.and_then(|y| y.checked_mul(100))
            .and_then(|f| f.checked_add(frac))
            .map(Fen)
            .ok_or(MoneyError::TooLarge)
    }

    pub const fn value(self) -> u64 {
        self.0
    }

    pub fn checked_add(self, other: Fen) -> Option<Fen> {
        self.0.checked_add(other.0).map(Fen)
    }

    pub fn checked_sub(self, other: Fen) -> Option<Fen> {
        self.0.checked_sub(other.0).map(Fen)
    }

    /// 会费标准 × 份数 × 人数.
    pub fn checked_mul(self, factor: u64) -> Option<Fen> {
        self.0.checked_mul(factor).map(Fen)
    }

    /// 大写金额, as printed on the certificate: "壹拾贰万叁仟肆佰肆拾肆元整".
    pub fn to_capitals(self) -> String {
        to_capitals(self.0)
    }
}

/// The integer part's digits, commas removed; `None` if empty, not digits, or badly grouped.
fn integer_digits(int_part: &str) -> Option<String> {
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mut groups = int_part.split(',');
    let first = groups.next()?;
    if !all_digits(first) {
        return None;
    }
    let mut digits = first.to_owned();
    if int_part.contains(',') {
        if first.len() > 3 {
            return None;
        }
        for group in groups {
            if group.len() != 3 || !all_digits(group) {
                return None;
            }
            digits.push_str(group);
        }
    }
    Some(digits)
}

/// "5" → 50, "05" → 5, "500" → 50; a non-zero third decimal is below a fen.
fn fraction_fen(f: &str) -> Result<u64, MoneyError> {
    if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
        return Err(MoneyError::Format);
    }
    let (kept, rest) = f.split_at(f.len().min(2));
    if rest.bytes().any(|b| b != b'0') {
        return Err(MoneyError::Precision);
    }
    let mut fen = 0;
    for (b, scale) in kept.bytes().zip([10, 1]) {
        fen += u64::from(b - b'0') * scale;
    }
    Ok(fen)
}

impl fmt::Display for Fen {
    /// "1234.50": yuan with two decimals, no separators.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_shapes_people_write() {
        for (raw, fen) in [
            ("80", 8000),
            ("80.5", 8050),
            ("80.00", 8000),
            ("80.05", 8005),
            ("1,234.50", 123450),
            ("12,345,678", 1_234_567_800),
            (" ８０．５ ", 8050),
            ("¥80", 8000),
            ("￥1,234.5元", 123450),
            ("0", 0),
            ("0.01", 1),
            ("080", 8000),
            ("80.500", 8050),
        ] {
            assert_eq!(Fen::from_yuan(raw), Ok(Fen::new(fen)), "{raw}");
        }
    }

    #[test]
    fn refuses_garbage_precision_negatives_and_overflow() {
        for (raw, err) in [
            ("", MoneyError::Empty),
            ("八十", MoneyError::Format),
            ("80元5角", MoneyError::Format),
            ("80.", MoneyError::Format),
            (".5", MoneyError::Format),
            ("80.5.1", MoneyError::Format),
            ("1e3", MoneyError::Format),
            ("+80", MoneyError::Format),
            ("80,5", MoneyError::Format),
            ("1234,567", MoneyError::Format),
            ("1,23,456", MoneyError::Format),
            (",123", MoneyError::Format),
            ("80.505", MoneyError::Precision),
            ("80.001", MoneyError::Precision),
            ("-80", MoneyError::Negative),
            ("-0.01", MoneyError::Negative),
            ("184467440737095516.16", MoneyError::TooLarge),
            ("99999999999999999999999", MoneyError::TooLarge),
        ] {
            assert_eq!(Fen::from_yuan(raw), Err(err.clone()), "{raw}");
        }
        assert_eq!(MoneyError::Format.code(), "MONEY_FORMAT");
        assert_eq!(MoneyError::Empty.code(), "MONEY_FORMAT");
        assert_eq!(MoneyError::Precision.code(), "MONEY_PRECISION");
        assert_eq!(MoneyError::Negative.code(), "MONEY_RANGE");
        assert_eq!(MoneyError::TooLarge.code(), "MONEY_RANGE");
        assert_eq!(Fen::from_yuan("184467440737095516.15"), Ok(Fen::new(u64::MAX)));
    }

    #[test]
    fn arithmetic_is_checked() {
        let fee = Fen::new(8000);
        assert_eq!(
            fee.checked_mul(3).and_then(|f| f.checked_mul(10)),
            Some(Fen::new(240_000))
        );
        assert_eq!(fee.checked_add(Fen::new(50)), Some(Fen::new(8050)));
        assert_eq!(fee.checked_sub(Fen::new(8001)), None);
        assert_eq!(fee.checked_sub(Fen::new(8000)), Some(Fen::ZERO));
        assert_eq!(Fen::new(u64::MAX).checked_add(Fen::new(1)), None);
        assert_eq!(Fen::new(u64::MAX).checked_mul(2), None);
        assert_eq!(fee.value(), 8000);
    }

    #[test]
    fn display_capitals_and_serde() {
        assert_eq!(Fen::new(123450).to_string(), "1234.50");
        assert_eq!(Fen::new(5).to_string(), "0.05");
        assert_eq!(Fen::ZERO.to_string(), "0.00");
        assert_eq!(Fen::new(12344400).to_string(), "123444.00");
        assert_eq!(Fen::new(12344400).to_capitals(), "壹拾贰万叁仟肆佰肆拾肆元整");
        assert_eq!(serde_json::to_string(&Fen::new(8050)).unwrap(), "8050");
        assert_eq!(serde_json::from_str::<Fen>("8050").unwrap(), Fen::new(8050));
        assert!(serde_json::from_str::<Fen>("-1").is_err());
    }
}
