//! 参保人: the named members of an application, one item each under the application's
//! partition (`MEMBER#<hash of the ID>`), so the same ID can be stored only once and URLs
//! never carry an ID number.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::domain::{Gender, IdType, Mobile, Occupation, PersonId, mask_name};
use crate::platform::db::{self, s};
use crate::platform::error::ApiResult;
use crate::platform::paging::{Page, PageQuery, PageRequest};
use crate::platform::state::AppState;
use crate::records::application::{Application, app_pk};

/// One named member.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "StoredMember", into = "StoredMember")]
pub struct Member {
    pub member_id: String,
    pub name: String,
    /// 证件类型 and 证件号码, checked together.
    pub id: PersonId,
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub mobile: Option<Mobile>,
    pub occupation: Occupation,
    pub remark: String,
    /// 导入批次 number and the row in that file.
    pub batch_no: u32,
    pub row: u32,
    /// 未到期: still covered by an earlier certificate of the same activity, until this date.
    pub covered_until: Option<NaiveDate>,
}

/// A member as the table holds it: flat attributes. `id_type` is written as the type's code
/// (`resident_id_card`); items written before the types held its Chinese label (居民身份证),
/// and both read.
#[derive(Serialize, Deserialize)]
struct StoredMember {
    member_id: String,
    name: String,
    id_type: String,
    id_number: String,
    gender: Gender,
    birth_date: NaiveDate,
    mobile: Option<Mobile>,
    occupation: Occupation,
    remark: String,
    batch_no: u32,
    row: u32,
    covered_until: Option<NaiveDate>,
}

impl TryFrom<StoredMember> for Member {
    type Error = String;

    fn try_from(stored: StoredMember) -> Result<Self, Self::Error> {
        let id_type = IdType::from_code(&stored.id_type)
            .or_else(|| IdType::parse(&stored.id_type).ok())
            .ok_or_else(|| format!("stored member {}: unknown id_type", stored.member_id))?;
        let id = PersonId::parse(id_type, &stored.id_number)
            .map_err(|e| format!("stored member {}: {}", stored.member_id, e.code()))?;
        Ok(Member {
            member_id: stored.member_id,
            name: stored.name,
            id,
            gender: stored.gender,
            birth_date: stored.birth_date,
            mobile: stored.mobile,
            occupation: stored.occupation,
            remark: stored.remark,
            batch_no: stored.batch_no,
            row: stored.row,
            covered_until: stored.covered_until,
        })
    }
}

impl From<Member> for StoredMember {
    fn from(member: Member) -> Self {
        StoredMember {
            member_id: member.member_id,
            name: member.name,
            id_type: member.id.id_type().code().to_owned(),
            id_number: member.id.as_str().to_owned(),
            gender: member.gender,
            birth_date: member.birth_date,
            mobile: member.mobile,
            occupation: member.occupation,
            remark: member.remark,
            batch_no: member.batch_no,
            row: member.row,
            covered_until: member.covered_until,
        }
    }
}

/// A member as lists show it: personal data masked, no birth date.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberView {
    pub member_id: String,
    pub name: String,
    pub id_type: String,
    /// e.g. 410***********1238
    pub id_number: String,
    pub gender: String,
    /// Age today; never the birth date next to a masked ID (together they rebuild the ID).
    pub age: u32,
    pub mobile: Option<String>,
    pub occupation: Occupation,
    pub remark: String,
    pub batch_no: u32,
    pub row: u32,
    pub covered_until: Option<String>,
}

impl Member {
    pub fn age_on(&self, date: NaiveDate) -> u32 {
        date.years_since(self.birth_date).unwrap_or(0)
    }

    pub fn view(&self, today: NaiveDate) -> MemberView {
        MemberView {
            member_id: self.member_id.clone(),
            name: mask_name(&self.name),
            id_type: self.id.id_type().label().to_owned(),
            id_number: self.id.masked(),
            gender: self.gender.label().to_owned(),
            age: self.age_on(today),
            mobile: self.mobile.as_ref().map(Mobile::masked),
            occupation: self.occupation,
            remark: self.remark.clone(),
            batch_no: self.batch_no,
            row: self.row,
            covered_until: self.covered_until.map(|d| d.to_string()),
        }
    }

    pub fn to_item(&self, app_id: &str) -> anyhow::Result<db::Item> {
        let mut item = db::to_item(self)?;
        item.extend(db::key(app_pk(app_id), member_sk(&self.member_id)));
        Ok(item)
    }
}

pub const PAGE_SIZE_DEFAULT: u32 = 20;
pub const PAGE_SIZE_MAX: u32 = 200;

/// One page of members as lists show them (import order: batch, row), masked.
pub fn page(mut members: Vec<Member>, query: PageQuery, today: NaiveDate) -> Page<MemberView> {
    members.sort_by_key(|m| (m.batch_no, m.row));
    PageRequest::new(query, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX)
        .cut(members)
        .map(|m| m.view(today))
}

/// Opaque, stable id of a person within an application: the same ID number always maps to
/// the same item, and the URL carries no personal data.
pub fn member_id(id_number: &str) -> String {
    hex::encode(&Sha256::digest(id_number.as_bytes())[..10])
}

pub fn member_sk(member_id: &str) -> String {
    format!("MEMBER#{member_id}")
}

/// The named members of `app`: those of its committed imports. An import writes its members
/// before it commits its batch (`batch_seq`); until then, or for good if it died in between,
/// they are not the application's: never counted, listed, printed or covered, and the next
/// import clears them.
pub async fn all(state: &AppState, app: &Application) -> ApiResult<Vec<Member>> {
    let mut members = stored(state, &app.id).await?;
    members.retain(|m| m.committed_in(app));
    Ok(members)
}

impl Member {
    /// True when the import that wrote this member committed.
    pub fn committed_in(&self, app: &Application) -> bool {
        self.batch_no <= app.batch_seq
    }
}

/// Every member item under the application, committed or not.
pub async fn stored(state: &AppState, app_id: &str) -> ApiResult<Vec<Member>> {
    db::query_as(
        state
            .db
            .query()
            .table_name(&*state.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :m)")
            .expression_attribute_values(":pk", s(app_pk(app_id)))
            .expression_attribute_values(":m", s("MEMBER#")),
        "query members",
    )
    .await
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::types::AttributeValue;

    use super::*;
    use crate::platform::db::{Item, n, s};

    /// A member item exactly as the table held it before the record was typed: the ID type as
    /// its Chinese label, the mobile as a plain string.
    fn old_shape() -> Item {
        Item::from([
            ("pk".to_owned(), s("APP#a")),
            ("sk".to_owned(), s("MEMBER#x")),
            ("member_id".to_owned(), s("x")),
            ("name".to_owned(), s("张三")),
            ("id_type".to_owned(), s("居民身份证")),
            ("id_number".to_owned(), s("410202198503151238")),
            ("gender".to_owned(), s("male")),
            ("birth_date".to_owned(), s("1985-03-15")),
            ("mobile".to_owned(), s("13812345678")),
            ("occupation".to_owned(), s("high_risk")),
            ("remark".to_owned(), s("")),
            ("batch_no".to_owned(), n(2)),
            ("row".to_owned(), n(7)),
            ("covered_until".to_owned(), AttributeValue::Null(true)),
        ])
    }

    #[test]
    fn an_item_in_the_old_shape_reads_as_a_typed_member() {
        let member: Member = db::from_item(old_shape()).expect("old item reads");
        assert_eq!(member.id.id_type(), IdType::ResidentIdCard);
        assert_eq!(member.id.as_str(), "410202198503151238");
        assert_eq!(member.mobile.as_ref().map(Mobile::as_str), Some("13812345678"));
        assert_eq!(member.occupation, Occupation::HighRisk);
        assert_eq!((member.batch_no, member.row), (2, 7));
    }

    #[test]
    fn a_member_is_written_with_the_type_code_and_reads_back_the_same() {
        let member: Member = db::from_item(old_shape()).expect("old item reads");
        let item = member.to_item("a").expect("encode");
        assert_eq!(item.get("id_type"), Some(&s("resident_id_card")));
        assert_eq!(item.get("id_number"), Some(&s("410202198503151238")));
        let again: Member = db::from_item(item).expect("new item reads");
        assert_eq!(again.id, member.id);
        assert_eq!(again.mobile, member.mobile);
    }

    #[test]
    fn a_stored_number_that_no_longer_parses_is_an_error_not_a_member() {
        let mut item = old_shape();
        item.insert("id_number".to_owned(), s("410202198503151239"));
        assert!(db::from_item::<Member>(item).is_err());
        let mut item = old_shape();
        item.insert("id_type".to_owned(), s("驾驶证"));
        assert!(db::from_item::<Member>(item).is_err());
    }
}
