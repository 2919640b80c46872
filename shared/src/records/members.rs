//! 参保人: the named members of an application, one item each under the application's
//! partition (`MEMBER#<hash of the ID>`), so the same ID can be stored only once and URLs
//! never carry an ID number.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::domain::{Gender, Occupation, mask_middle, mask_name};
use crate::platform::db::{self, s};
use crate::platform::error::ApiResult;
use crate::platform::paging::{Page, PageQuery, PageRequest};
use crate::platform::state::AppState;
use crate::records::application::app_pk;

/// One named member as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Member {
    pub member_id: String,
    pub name: String,
    /// 证件类型 label, e.g. 居民身份证
    pub id_type: String,
    pub id_number: String,
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub mobile: Option<String>,
    pub occupation: Occupation,
    pub remark: String,
    /// 导入批次 number and the row in that file.
    pub batch_no: u32,
    pub row: u32,
    /// 未到期: still covered by an earlier certificate of the same activity, until this date.
    pub covered_until: Option<NaiveDate>,
}

/// A member as lists show it: personal data masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberView {
    pub member_id: String,
    pub name: String,
    pub id_type: String,
    /// e.g. 4102**********1238
    pub id_number: String,
    pub gender: String,
    pub birth_date: String,
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
            id_type: self.id_type.clone(),
            id_number: mask_middle(&self.id_number, 4, 4),
            gender: self.gender.label().to_owned(),
            birth_date: self.birth_date.to_string(),
            age: self.age_on(today),
            mobile: self.mobile.as_deref().map(|m| mask_middle(m, 3, 4)),
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

/// Every named member of an application.
pub async fn all(state: &AppState, app_id: &str) -> ApiResult<Vec<Member>> {
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
