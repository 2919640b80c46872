//! A member's 证件类型 and 证件号码 as found in a spreadsheet row, checked together.
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::gender::Gender;
use super::normalize::normalized;
use super::passport::Passport;
use super::resident_id::{IdError, IdKind, ResidentId};

/// 证件类型
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdType {
    /// 居民身份证
    ResidentIdCard,
    /// 港澳居民居住证
    HkMacaoResidencePermit,
    /// 台湾居民居住证
    TaiwanResidencePermit,
    /// 外国人永久居留身份证
    ForeignPermanentResidentCard,
    /// 护照
    Passport,
}

impl IdType {
    /// In the order the template's drop-down lists them.
    pub const ALL: [IdType; 5] = [
        IdType::ResidentIdCard,
        IdType::HkMacaoResidencePermit,
        IdType::TaiwanResidencePermit,
        IdType::ForeignPermanentResidentCard,
        IdType::Passport,
    ];

    pub fn label(self) -> &'static str {
        match self {
            IdType::ResidentIdCard => "居民身份证",
            IdType::HkMacaoResidencePermit => "港澳居民居住证",
            IdType::TaiwanResidencePermit => "台湾居民居住证",
            IdType::ForeignPermanentResidentCard => "外国人永久居留身份证",
            IdType::Passport => "护照",
        }
    }

    /// The stored code, as serde writes it (`resident_id_card`, …).
    pub fn code(self) -> &'static str {
        match self {
            IdType::ResidentIdCard => "resident_id_card",
            IdType::HkMacaoResidencePermit => "hk_macao_residence_permit",
            IdType::TaiwanResidencePermit => "taiwan_residence_permit",
            IdType::ForeignPermanentResidentCard => "foreign_permanent_resident_card",
            IdType::Passport => "passport",
        }
    }

    /// The type of a stored code; None for anything else.
    pub fn from_code(code: &str) -> Option<IdType> {
        IdType::ALL.into_iter().find(|t| t.code() == code)
    }

    /// Accepts the labels and the short names clerks commonly type (身份证, 港澳居住证…).
    pub fn parse(label: &str) -> Result<IdType, IdError> {
        let token = normalized(label);
        let found = match token.as_ref() {
            "" => return Err(IdError::TypeEmpty),
            "居民身份证" | "身份证" | "二代身份证" => IdType::ResidentIdCard,
            "港澳居民居住证" | "港澳居住证" => IdType::HkMacaoResidencePermit,
            "台湾居民居住证" | "台湾居住证" => IdType::TaiwanResidencePermit,
            "外国人永久居留身份证" | "外国人永久居留证" | "永久居留身份证" => {
                IdType::ForeignPermanentResidentCard
            }
            "护照" => IdType::Passport,
            // A number pasted into the type column must not be echoed back whole.
            other if other.chars().count() > 20 || other.chars().any(|c| c.is_ascii_digit()) => {
                return Err(IdError::TypeUnreadable);
            }
            other => {
                return Err(IdError::TypeUnknown {
                    found: other.to_owned(),
                });
            }
        };
        Ok(found)
    }

    /// "居民身份证、港澳居民居住证、…" for messages.
    pub(crate) fn labels() -> String {
        IdType::ALL.map(IdType::label).join("、")
    }
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum Number {
    Resident(ResidentId),
    Passport(Passport),
}

/// A member's 证件: its type and a number valid for that type.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PersonId {
    id_type: IdType,
    number: Number,
}

impl PersonId {
    pub fn parse(id_type: IdType, raw: &str) -> Result<PersonId, IdError> {
        let number = match id_type {
            IdType::Passport => {
                // An ID-card number filed as a passport would dodge the gender and age checks.
                if let Ok(resident) = ResidentId::parse(raw) {
                    return Err(IdError::TypeMismatch {
                        expected: id_type,
                        found: resident.id_type(),
                    });
                }
                Number::Passport(Passport::parse(raw)?)
            }
            _ => {
                let resident = ResidentId::parse(raw)?;
                let found = resident.id_type();
                if found != id_type {
                    return Err(IdError::TypeMismatch {
                        expected: id_type,
                        found,
                    });
                }
                Number::Resident(resident)
            }
        };
        Ok(PersonId { id_type, number })
    }

    pub fn id_type(&self) -> IdType {
        self.id_type
    }

    /// The whole number: only for storage and for screens whose task needs it.
    pub fn as_str(&self) -> &str {
        match &self.number {
            Number::Resident(id) => id.as_str(),
            Number::Passport(p) => p.as_str(),
        }
    }

    /// The resident-format number, when this is not a passport.
    pub fn resident_id(&self) -> Option<&ResidentId> {
        match &self.number {
            Number::Resident(id) => Some(id),
            Number::Passport(_) => None,
        }
    }

    pub fn kind(&self) -> Option<IdKind> {
        self.resident_id().map(ResidentId::kind)
    }

    /// `None` for passports: their number says nothing about the holder.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        self.resident_id().map(ResidentId::birth_date)
    }

    /// `None` for passports: their number says nothing about the holder.
    pub fn gender(&self) -> Option<Gender> {
        self.resident_id().map(ResidentId::gender)
    }

    pub fn age_on(&self, date: NaiveDate) -> Option<u32> {
        self.resident_id().map(|id| id.age_on(date))
    }

    /// A 居民身份证 whose address code no edition of GB/T 2260 held (see
    /// [`super::address_code`]); residence permits and other types have codes of their own.
    pub fn address_code_unknown(&self) -> bool {
        self.id_type == IdType::ResidentIdCard && !super::address_code::ever_existed(&self.as_str()[..6])
    }

    pub fn masked(&self) -> String {
        match &self.number {
            Number::Resident(id) => id.masked(),
            Number::Passport(p) => p.masked(),
        }
    }
}

impl fmt::Display for PersonId {
    /// Masked, so a number can never be logged whole by accident.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for PersonId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonId({}, {})", self.id_type.label(), self.masked())
    }
}

/// Stored form: `{"id_type": "resident_id_card", "number": "<whole number>"}`.
#[derive(Serialize, Deserialize)]
struct Stored<'a> {
    id_type: IdType,
    #[serde(borrow)]
    number: std::borrow::Cow<'a, str>,
}

impl Serialize for PersonId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Stored {
            id_type: self.id_type,
            number: self.as_str().into(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for PersonId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let stored = Stored::deserialize(deserializer)?;
        PersonId::parse(stored.id_type, &stored.number).map_err(|e| serde::de::Error::custom(e.code()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_check(body: &str) -> String {
        format!("{body}{}", ResidentId::check_char(body).unwrap())
    }

    #[test]
    fn labels_round_trip_and_aliases_are_understood() {
        for t in IdType::ALL {
            assert_eq!(IdType::parse(t.label()), Ok(t));
        }
        assert_eq!(IdType::parse(" 身份证 "), Ok(IdType::ResidentIdCard));
        assert_eq!(IdType::parse("港澳居住证"), Ok(IdType::HkMacaoResidencePermit));
        assert_eq!(IdType::ALL.len(), 5);
    }

    #[test]
    fn blank_or_unknown_types_are_refused() {
        let err = IdType::parse("  ").unwrap_err();
        assert_eq!(err.code(), "ID_TYPE_EMPTY");
        let err = IdType::parse("军官证").unwrap_err();
        assert_eq!(err.code(), "ID_TYPE_UNKNOWN");
        assert_eq!(
            err.to_string(),
            "证件类型“军官证”无法识别，请填写以下之一：居民身份证、港澳居民居住证、台湾居民居住证、外国人永久居留身份证、护照"
        );
        let pasted = "410102198501011238";
        let err = IdType::parse(pasted).unwrap_err();
        assert_eq!(err.code(), "ID_TYPE_UNKNOWN");
        assert!(!err.to_string().contains(pasted));
    }

    #[test]
    fn each_type_takes_its_own_numbers() {
        let mainland = with_check("41010219850101123");
        let id = PersonId::parse(IdType::ResidentIdCard, &mainland).unwrap();
        assert_eq!(id.as_str(), mainland);
        assert_eq!(id.gender(), Some(Gender::Male));
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1985, 1, 1));
        assert_eq!(id.kind(), Some(IdKind::Mainland));
        assert_eq!(id.age_on(NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()), Some(40));

        for (t, body) in [
            (IdType::HkMacaoResidencePermit, "81000019900101124"),
            (IdType::HkMacaoResidencePermit, "82000019900101124"),
            (IdType::TaiwanResidencePermit, "83000019900101124"),
            (IdType::ForeignPermanentResidentCard, "93315619900101124"),
        ] {
            let id = PersonId::parse(t, &with_check(body)).unwrap();
            assert_eq!(id.id_type(), t);
            assert_eq!(id.gender(), Some(Gender::Female));
        }

        let p = PersonId::parse(IdType::Passport, "e12345678").unwrap();
        assert_eq!(p.as_str(), "E12345678");
        assert_eq!(p.gender(), None);
        assert_eq!(p.birth_date(), None);
        assert_eq!(p.masked(), "E12**5678");
    }

    #[test]
    fn a_number_of_another_type_is_a_mismatch() {
        let hk = with_check("81000019900101124");
        let err = PersonId::parse(IdType::ResidentIdCard, &hk).unwrap_err();
        assert_eq!(err.code(), "ID_TYPE_MISMATCH");
        assert_eq!(
            err.to_string(),
            "证件类型为“居民身份证”，但号码是港澳居民居住证号码，请更正证件类型或号码"
        );
        let tw = with_check("83000019900101124");
        assert_eq!(
            PersonId::parse(IdType::HkMacaoResidencePermit, &tw).unwrap_err(),
            IdError::TypeMismatch {
                expected: IdType::HkMacaoResidencePermit,
                found: IdType::TaiwanResidencePermit
            }
        );
        let mainland = with_check("41010219850101123");
        for t in [
            IdType::TaiwanResidencePermit,
            IdType::ForeignPermanentResidentCard,
            IdType::Passport,
        ] {
            let err = PersonId::parse(t, &mainland).unwrap_err();
            assert_eq!(err.code(), "ID_TYPE_MISMATCH", "{t:?}");
            assert!(err.to_string().contains(t.label()));
            assert!(!err.to_string().contains(&mainland));
        }
    }

    #[test]
    fn number_errors_pass_through() {
        assert_eq!(
            PersonId::parse(IdType::ResidentIdCard, "410102198501011239")
                .unwrap_err()
                .code(),
            "ID_CHECKSUM"
        );
        assert_eq!(
            PersonId::parse(IdType::Passport, "E1-2").unwrap_err().code(),
            "PASSPORT_FORMAT"
        );
        assert_eq!(PersonId::parse(IdType::Passport, " ").unwrap_err().code(), "ID_EMPTY");
    }

    #[test]
    fn shown_masked_and_stored_whole() {
        let mainland = with_check("41010219850101123");
        let id = PersonId::parse(IdType::ResidentIdCard, &mainland).unwrap();
        assert_eq!(id.to_string(), id.masked());
        assert!(!format!("{id:?}").contains(&mainland));
        let json = serde_json::to_value(&id).unwrap();
        assert_eq!(
            json,
            serde_json::json!({ "id_type": "resident_id_card", "number": mainland })
        );
        let back: PersonId = serde_json::from_value(json).unwrap();
        assert_eq!(back, id);
        let bad = serde_json::json!({ "id_type": "taiwan_residence_permit", "number": mainland });
        assert!(serde_json::from_value::<PersonId>(bad).is_err());
    }
}
