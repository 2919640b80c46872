//! 公民身份号码 (GB 11643): the 18-character number on the resident ID card, and the same
//! format on 港澳台居民居住证 and the 2023 外国人永久居留身份证.
use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

use super::gender::Gender;
use super::mask::mask_id_number;
use super::normalize::normalized;
use super::person_id::IdType;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// Which card issued the number; decides which 证件类型 it may be filed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    /// 居民身份证 (first two digits are a province code)
    Mainland,
    /// 港澳台居民居住证 (starts 810000 Hong Kong, 820000 Macao, 830000 Taiwan)
    HkMacaoTaiwanPermit,
    /// 外国人永久居留身份证, 2023 format (starts 9)
    ForeignPermanentResident,
}

/// Why an ID number (or its 证件类型) was refused. Messages never repeat the whole number.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    #[error("请填写证件号码")]
    Empty,
    #[error("身份证号码应为18位，当前为{found}位，请核对是否多输或漏输")]
    Length { found: usize },
    #[error("身份证号码第{position}位“{found}”无效，号码只能由数字组成（最后一位可以是X），请核对")]
    Characters { position: usize, found: char },
    #[error("身份证号码被表格当作数字保存成了科学计数法，后几位已丢失；请把该列设为“文本”格式后重新填写完整号码")]
    ScientificNotation,
    #[error(
        "身份证号码末三位为000且校验位不正确，可能是表格把号码当作数字保存而丢失了末几位；请把该列设为“文本”格式后重新填写完整号码"
    )]
    TrailingZeros,
    #[error("身份证号码中的地区代码{found}不是有效的省级行政区划代码，请核对号码")]
    Region { found: String },
    #[error("身份证号码中的出生日期{digits}不是有效日期，请核对号码是否抄错")]
    BirthDate { digits: String },
    #[error("身份证号码校验位不正确，请核对号码是否抄错")]
    Checksum,
    #[error("请填写证件类型（{}）", IdType::labels())]
    TypeEmpty,
    #[error("证件类型“{found}”无法识别，请填写以下之一：{}", IdType::labels())]
    TypeUnknown { found: String },
    #[error("证件类型无法识别，请填写以下之一：{}", IdType::labels())]
    TypeUnreadable,
    #[error("证件类型为“{}”，但号码是{}号码，请更正证件类型或号码", .expected.label(), .found.label())]
    TypeMismatch { expected: IdType, found: IdType },
    #[error("护照号码应为5至17位字母或数字，当前为{found}位，请核对")]
    PassportLength { found: usize },
    #[error("护照号码第{position}位“{found}”无效，护照号码只能由字母和数字组成，请核对")]
    PassportCharacters { position: usize, found: char },
}

impl IdError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "ID_EMPTY",
            Self::Length { .. } => "ID_LENGTH",
            Self::Characters { .. } => "ID_CHARS",
            Self::ScientificNotation | Self::TrailingZeros => "ID_STORED_AS_NUMBER",
            Self::Region { .. } => "ID_REGION",
            Self::BirthDate { .. } => "ID_BIRTH_DATE",
            Self::Checksum => "ID_CHECKSUM",
            Self::TypeEmpty => "ID_TYPE_EMPTY",
            Self::TypeUnknown { .. } | Self::TypeUnreadable => "ID_TYPE_UNKNOWN",
            Self::TypeMismatch { .. } => "ID_TYPE_MISMATCH",
            Self::PassportLength { .. } | Self::PassportCharacters { .. } => "PASSPORT_FORMAT",
        }
    }
}

/// 公民身份号码: 17 digits and a check character, with a real birth date.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ResidentId {
    number: String,
    kind: IdKind,
    birth_date: NaiveDate,
}

impl ResidentId {
    /// Parses against today's local date (a birth date may not be in the future).
    pub fn parse(raw: &str) -> Result<ResidentId, IdError> {
        Self::parse_on(raw, chrono::Local::now().date_naive())
    }

    /// As [`ResidentId::parse`], with "today" given, so tests and replays are deterministic.
    pub fn parse_on(raw: &str, today: NaiveDate) -> Result<ResidentId, IdError> {
        let token = normalized(raw);
        // Digits (and X) need no uppercasing: one copy, not two.
        let token = if token.bytes().all(|b| b.is_ascii_digit() || b == b'X') {
            token.into_owned()
        } else {
            token.to_uppercase()
        };
        if token.is_empty() {
            return Err(IdError::Empty);
        }
        if looks_scientific(&token) {
            return Err(IdError::ScientificNotation);
        }
        let len = token.chars().count();
        for (i, c) in token.chars().enumerate() {
            let last_of_18 = len == 18 && i == 17;
            if !(c.is_ascii_digit() || (c == 'X' && last_of_18)) {
                return Err(IdError::Characters {
                    position: i + 1,
                    found: c,
                });
            }
        }
        let number = match len {
            18 => {
                let expected = Self::check_char(&token[..17]).ok_or(IdError::Checksum)?;
                if token.as_bytes()[17] != expected as u8 {
                    // Excel keeps 15 significant digits, so an 18-digit number loses its tail.
                    return Err(if token.ends_with("000") {
                        IdError::TrailingZeros
                    } else {
                        IdError::Checksum
                    });
                }
                token
            }
            15 => upgrade_15(&token)?,
            found => return Err(IdError::Length { found }),
        };
        let kind = kind_of(&number)?;
        let birth_date = birth_date_of(&number, today)?;
        Ok(ResidentId {
            number,
            kind,
            birth_date,
        })
    }

    /// The check character for the first 17 digits, or `None` if `body` is not 17 ASCII digits.
    pub fn check_char(body: &str) -> Option<char> {
        if body.len() != 17 || !body.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let sum: u32 = body.bytes().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
        Some(CHECK_CHARS[(sum % 11) as usize] as char)
    }

    /// The whole number: only for storage and for screens whose task needs it.
    pub fn as_str(&self) -> &str {
        &self.number
    }

    pub fn kind(&self) -> IdKind {
        self.kind
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// The 17th digit: odd for men, even for women.
    pub fn gender(&self) -> Gender {
        if (self.number.as_bytes()[16] - b'0') % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// Full years on `date` (0 before the birth date); a 29 February birthday falls on 1 March.
    pub fn age_on(&self, date: NaiveDate) -> u32 {
        date.years_since(self.birth_date).unwrap_or(0)
    }

    /// "410***********1238", the form for lists and logs.
    pub fn masked(&self) -> String {
        mask_id_number(&self.number)
    }

    /// The 证件类型 this number belongs under.
    pub(crate) fn id_type(&self) -> IdType {
        match self.kind {
            IdKind::Mainland => IdType::ResidentIdCard,
            IdKind::ForeignPermanentResident => IdType::ForeignPermanentResidentCard,
            IdKind::HkMacaoTaiwanPermit if self.number.starts_with("83") => IdType::TaiwanResidencePermit,
            IdKind::HkMacaoTaiwanPermit => IdType::HkMacaoResidencePermit,
        }
    }
}

/// "4.10102E+17", "4E+17": what Excel shows for a long number. Needs a '.' or a '+' besides
/// the 'E', so a single mistyped letter in a real number is not taken for this.
fn looks_scientific(token: &str) -> bool {
    let Some((mantissa, exponent)) = token.split_once('E') else {
        return false;
    };
    let (exponent, plus) = match exponent.strip_prefix('+') {
        Some(e) => (e, true),
        None => (exponent, false),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (plus || frac.is_some()) && digits(int) && frac.is_none_or(digits) && digits(exponent) && exponent.len() <= 2
}

/// Old 15-digit numbers (issued before 1999) were all born in the 1900s and had no check digit.
fn upgrade_15(old: &str) -> Result<String, IdError> {
    let mut body = String::with_capacity(18);
    body.push_str(&old[..6]);
    body.push_str("19");
    body.push_str(&old[6..]);
    let check = ResidentId::check_char(&body).ok_or(IdError::Length { found: 15 })?;
    body.push(check);
    if !is_province(&body[..2]) {
        return Err(IdError::Region {
            found: body[..2].to_owned(),
        });
    }
    Ok(body)
}

fn is_province(two: &str) -> bool {
    matches!(
        two.parse::<u8>(),
        Ok(11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65)
    )
}

fn kind_of(number: &str) -> Result<IdKind, IdError> {
    if ["810000", "820000", "830000"].iter().any(|p| number.starts_with(p)) {
        Ok(IdKind::HkMacaoTaiwanPermit)
    } else if number.starts_with('9') {
        // 2023 format: 9, then the province of the issuing office.
        if !is_province(&number[1..3]) {
            return Err(IdError::Region {
                found: number[1..3].to_owned(),
            });
        }
        Ok(IdKind::ForeignPermanentResident)
    } else if is_province(&number[..2]) {
        Ok(IdKind::Mainland)
    } else {
        Err(IdError::Region {
            found: number[..2].to_owned(),
        })
    }
}

fn birth_date_of(number: &str, today: NaiveDate) -> Result<NaiveDate, IdError> {
    let digits = &number[6..14];
    let invalid = || IdError::BirthDate {
        digits: digits.to_owned(),
    };
    let year = digits[..4].parse::<i32>().map_err(|_| invalid())?;
    let month = digits[4..6].parse::<u32>().map_err(|_| invalid())?;
    let day = digits[6..].parse::<u32>().map_err(|_| invalid())?;
    let date = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(invalid)?;
    if date.year() < 1900 || date > today {
        return Err(invalid());
    }
    Ok(date)
}

impl fmt::Display for ResidentId {
    /// Masked, so a number can never be logged whole by accident.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResidentId({})", self.masked())
    }
}

/// Stored whole: the record must keep the real number.
impl Serialize for ResidentId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.number)
    }
}

impl<'de> Deserialize<'de> for ResidentId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        ResidentId::parse(&raw).map_err(|e| serde::de::Error::custom(e.code()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::normalize_token;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
    }

    fn parse(raw: &str) -> Result<ResidentId, IdError> {
        ResidentId::parse_on(raw, today())
    }

    /// Builds a valid number from its 17-digit body.
    fn with_check(body: &str) -> String {
        format!("{body}{}", ResidentId::check_char(body).unwrap())
    }

    #[test]
    fn check_digit_of_the_standard_example() {
        // The example in GB 11643-1999, appendix.
        assert_eq!(ResidentId::check_char("11010519491231002"), Some('X'));
        assert_eq!(ResidentId::check_char("44052418800101001"), Some('4'));
        assert_eq!(ResidentId::check_char("1101051949123100"), None);
        assert_eq!(ResidentId::check_char("1101051949123100A"), None);
    }

    #[test]
    fn parses_a_mainland_number_with_its_facts() {
        let id = parse(" 110105 19491231 002x ").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.kind(), IdKind::Mainland);
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert_eq!(id.gender(), Gender::Female);
        assert_eq!(id.age_on(NaiveDate::from_ymd_opt(2024, 12, 30).unwrap()), 74);
        assert_eq!(id.age_on(NaiveDate::from_ymd_opt(2024, 12, 31).unwrap()), 75);
        assert_eq!(parse("440524188001010014").unwrap_err().code(), "ID_BIRTH_DATE");
    }

    #[test]
    fn full_width_digits_are_accepted() {
        let id = parse("１１０１０５１９４９１２３１００２Ｘ").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn gender_comes_from_the_17th_digit() {
        let man = parse(&with_check("41010219850101123")).unwrap();
        assert_eq!(man.gender(), Gender::Male);
        let woman = parse(&with_check("41010219850101124")).unwrap();
        assert_eq!(woman.gender(), Gender::Female);
    }

    #[test]
    fn age_counts_full_years_and_is_zero_before_birth() {
        let id = parse(&with_check("41010219850615123")).unwrap();
        assert_eq!(id.age_on(NaiveDate::from_ymd_opt(2025, 6, 14).unwrap()), 39);
        assert_eq!(id.age_on(NaiveDate::from_ymd_opt(2025, 6, 15).unwrap()), 40);
        assert_eq!(id.age_on(NaiveDate::from_ymd_opt(1980, 1, 1).unwrap()), 0);
        let leap = parse(&with_check("41010220000229123")).unwrap();
        assert_eq!(leap.age_on(NaiveDate::from_ymd_opt(2025, 2, 28).unwrap()), 24);
        assert_eq!(leap.age_on(NaiveDate::from_ymd_opt(2025, 3, 1).unwrap()), 25);
    }

    #[test]
    fn kinds_are_detected() {
        let hk = parse(&with_check("81000019900101123")).unwrap();
        assert_eq!(hk.kind(), IdKind::HkMacaoTaiwanPermit);
        let tw = parse(&with_check("83000019900101123")).unwrap();
        assert_eq!(tw.kind(), IdKind::HkMacaoTaiwanPermit);
        let foreign = parse(&with_check("93315619900101123")).unwrap();
        assert_eq!(foreign.kind(), IdKind::ForeignPermanentResident);
        assert_eq!(foreign.birth_date(), NaiveDate::from_ymd_opt(1990, 1, 1).unwrap());
    }

    #[test]
    fn fifteen_digit_numbers_are_upgraded() {
        let id = parse("410102850101123").unwrap();
        assert_eq!(id.as_str(), with_check("41010219850101123"));
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1985, 1, 1).unwrap());
        assert_eq!(parse("990102850101123").unwrap_err().code(), "ID_REGION");
        assert_eq!(parse("410102850230123").unwrap_err().code(), "ID_BIRTH_DATE");
    }

    #[test]
    fn empty_and_length_errors() {
        assert_eq!(parse(" \u{3000} ").unwrap_err(), IdError::Empty);
        assert_eq!(parse(" ").unwrap_err().code(), "ID_EMPTY");
        let err = parse("41010219850101123").unwrap_err();
        assert_eq!(err.code(), "ID_LENGTH");
        assert_eq!(err.to_string(), "身份证号码应为18位，当前为17位，请核对是否多输或漏输");
        assert_eq!(parse("4101021985010112345").unwrap_err(), IdError::Length { found: 19 });
    }

    #[test]
    fn characters_errors_name_the_position() {
        let err = parse("41010219850101123A").unwrap_err();
        assert_eq!(
            err,
            IdError::Characters {
                position: 18,
                found: 'A'
            }
        );
        assert_eq!(err.code(), "ID_CHARS");
        assert_eq!(parse("4101021985010X1234").unwrap_err().code(), "ID_CHARS");
        assert_eq!(parse("41010219850101123-").unwrap_err().code(), "ID_CHARS");
        assert_eq!(parse("41010285010112X").unwrap_err().code(), "ID_CHARS");
    }

    #[test]
    fn numbers_mangled_by_excel_are_explained() {
        for raw in ["4.10102E+17", "4.10102198501011E+17", "4E+17", "4.1e17"] {
            let err = parse(raw).unwrap_err();
            assert_eq!(err, IdError::ScientificNotation, "{raw}");
            assert_eq!(err.code(), "ID_STORED_AS_NUMBER");
        }
        // 15 significant digits kept, the rest zeroed (the real one ends 1238).
        let err = parse("410102198501011000").unwrap_err();
        assert_eq!(err, IdError::TrailingZeros);
        assert!(err.to_string().contains("文本"));
    }

    #[test]
    fn region_must_be_a_province() {
        let err = parse(&with_check("71010219850101123")).unwrap_err();
        assert_eq!(err, IdError::Region { found: "71".into() });
        assert_eq!(parse(&with_check("99910219850101123")).unwrap_err().code(), "ID_REGION");
        assert_eq!(err.code(), "ID_REGION");
        assert_eq!(parse(&with_check("81010019900101123")).unwrap_err().code(), "ID_REGION");
        assert_eq!(parse(&with_check("16010219850101123")).unwrap_err().code(), "ID_REGION");
    }

    #[test]
    fn birth_date_must_be_real_past_and_after_1900() {
        let err = parse(&with_check("41010219850230123")).unwrap_err();
        assert_eq!(err.code(), "ID_BIRTH_DATE");
        assert_eq!(
            err.to_string(),
            "身份证号码中的出生日期19850230不是有效日期，请核对号码是否抄错"
        );
        assert_eq!(
            parse(&with_check("41010218991231123")).unwrap_err().code(),
            "ID_BIRTH_DATE"
        );
        assert_eq!(
            parse(&with_check("41010220250602123")).unwrap_err().code(),
            "ID_BIRTH_DATE"
        );
        assert!(parse(&with_check("41010220250601123")).is_ok());
        assert!(parse(&with_check("41010219000101123")).is_ok());
        assert_eq!(
            parse(&with_check("41010219851301123")).unwrap_err().code(),
            "ID_BIRTH_DATE"
        );
    }

    #[test]
    fn checksum_errors() {
        let err = parse("410102198501011239").unwrap_err();
        assert_eq!(err, IdError::Checksum);
        assert_eq!(err.code(), "ID_CHECKSUM");
        assert_eq!(err.to_string(), "身份证号码校验位不正确，请核对号码是否抄错");
    }

    #[test]
    fn messages_never_carry_the_whole_number() {
        let body = "41010219850101123";
        let valid = with_check(body);
        let bad = [
            format!("{body}0"),
            format!("{body}5"),
            "4101021985023012".to_owned(),
            with_check("41010219850230123"),
        ];
        for raw in bad.iter().chain([&valid]) {
            if let Err(err) = parse(raw) {
                assert!(!err.to_string().contains(&raw[..]), "{err}");
                assert!(!err.to_string().contains(body), "{err}");
            }
        }
    }

    #[test]
    fn shown_masked_and_stored_whole() {
        let id = parse("11010519491231002X").unwrap();
        assert_eq!(id.masked(), "110***********002X");
        assert_eq!(id.to_string(), "110***********002X");
        assert_eq!(format!("{id:?}"), "ResidentId(110***********002X)");
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"11010519491231002X\"");
        let back: ResidentId = serde_json::from_str(&json).unwrap();
        assert_eq!(back, id);
        let refused = serde_json::from_str::<ResidentId>("\"11010519491231002\"").unwrap_err();
        assert!(refused.to_string().contains("ID_LENGTH"));
    }

    const PROVINCES: [u8; 34] = [
        11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62,
        63, 64, 65, 11, 41, 41,
    ];

    fn valid_parts() -> impl Strategy<Value = (u8, u32, NaiveDate, u32)> {
        let start = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
        let days = (today() - start).num_days();
        (
            proptest::sample::select(&PROVINCES[..]),
            0u32..10_000,
            (0..=days).prop_map(move |d| start + chrono::Duration::days(d)),
            0u32..1000,
        )
    }

    fn build(province: u8, area: u32, date: NaiveDate, seq: u32) -> String {
        with_check(&format!("{province:02}{area:04}{}{seq:03}", date.format("%Y%m%d")))
    }

    /// Mostly digits (the mistakes a checksum exists for), then ASCII, then anything.
    fn replacement_char() -> impl Strategy<Value = char> {
        prop_oneof![
            3 => proptest::char::range('0', '9'),
            1 => proptest::char::range('!', '~'),
            1 => proptest::char::any(),
        ]
    }

    proptest! {
        // Substitutions equal to the original are skipped; that is a few percent of cases.
        #![proptest_config(ProptestConfig { max_global_rejects: 1 << 16, ..ProptestConfig::default() })]

        #[test]
        fn generated_numbers_parse_with_their_facts((p, area, date, seq) in valid_parts()) {
            let raw = build(p, area, date, seq);
            let id = parse(&raw).unwrap();
            prop_assert_eq!(id.as_str(), raw.as_str());
            prop_assert_eq!(id.kind(), IdKind::Mainland);
            prop_assert_eq!(id.birth_date(), date);
            let expected = if seq % 2 == 1 { Gender::Male } else { Gender::Female };
            prop_assert_eq!(id.gender(), expected);
            prop_assert_eq!(parse(&raw.to_lowercase()).unwrap(), id);
        }

        #[test]
        fn any_single_substitution_is_refused(
            (p, area, date, seq) in valid_parts(),
            position in 0usize..18,
            replacement in replacement_char(),
        ) {
            let raw = build(p, area, date, seq);
            let original = raw.as_bytes()[position] as char;
            let upper: Vec<char> = replacement.to_uppercase().collect();
            prop_assume!(upper.len() == 1 && upper[0] != original);
            prop_assume!(normalize_token(&replacement.to_string()) == replacement.to_string());
            let mut chars: Vec<char> = raw.chars().collect();
            chars[position] = replacement;
            let mutated: String = chars.into_iter().collect();
            let err = parse(&mutated).unwrap_err();
            prop_assert!(
                matches!(err, IdError::Checksum | IdError::TrailingZeros | IdError::Characters { .. }),
                "{mutated}: {err:?}"
            );
        }

        #[test]
        fn fifteen_digit_upgrade_gives_a_valid_number(
            p in proptest::sample::select(&PROVINCES[..]),
            area in 0u32..10_000,
            day in 0i64..36_524,
            seq in 0u32..1000,
        ) {
            let date = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Duration::days(day);
            let old = format!("{p:02}{area:04}{}{seq:03}", date.format("%y%m%d"));
            let id = parse(&old).unwrap();
            prop_assert_eq!(id.as_str().len(), 18);
            prop_assert_eq!(&id.as_str()[..6], &old[..6]);
            prop_assert_eq!(&id.as_str()[6..8], "19");
            prop_assert_eq!(&id.as_str()[8..17], &old[6..]);
            prop_assert_eq!(id.birth_date(), date);
            prop_assert_eq!(parse(id.as_str()).unwrap(), id);
        }
    }
}
