//! 参保单位: a registered unit and its contact person, from submission on; approved units
//! have an account. The registration status lives here, with its uniqueness claims.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{Email, Mobile, OfficePhone};
use crate::platform::db::{self, key, s};
use crate::platform::error::{ApiError, ApiResult, FieldCheck, OrInternal};
use crate::platform::state::AppState;
use crate::records::session::StaffUser;
use crate::records::transition::Workflow;
use crate::reference;

/// 联系人信息
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ContactForm {
    pub contact_name: String,
    pub contact_position: String,
    pub office_phone_area: String,
    pub office_phone_number: String,
    pub mobile: String,
    pub email: String,
}

/// A contact person that passed every rule.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Contact {
    pub name: String,
    pub position: String,
    pub office_phone: String,
    pub mobile: String,
    pub email: String,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    /// 待审核
    #[default]
    Pending,
    /// 已通过
    Approved,
    /// 未通过
    Rejected,
}

impl RegistrationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }
}

impl Workflow for RegistrationStatus {
    fn as_str(self) -> &'static str {
        RegistrationStatus::as_str(self)
    }

    /// The registration review queues: `REG#<status>`, sorted by agency path.
    fn queue(self) -> String {
        format!("REG#{}", self.as_str())
    }

    fn key(id: &str) -> db::Item {
        unit_key(id)
    }

    fn trail_pk(id: &str) -> String {
        unit_pk(id)
    }
}

/// A registered unit (参保单位), from submission on; approved units have an account.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Unit {
    pub id: String,
    pub status: RegistrationStatus,
    pub office_code: String,
    pub agency_code: String,
    /// 中华全国总工会>中国职工保险互助会>河南省办事处>…
    pub agency_name: String,
    pub unit_name: String,
    pub unit_nature: String,
    pub certificate_type: String,
    pub certificate_valid_until: Option<String>,
    pub unit_code: String,
    pub union_name: String,
    pub union_credit_code: String,
    pub region_code: String,
    pub region_name: String,
    pub address: String,
    pub contact: Contact,
    #[schema(ignore)]
    pub unit_license_key: String,
    #[schema(ignore)]
    pub union_certificate_key: String,
    pub submitted_at: String,
    pub decided_at: Option<String>,
    pub decided_by: Option<String>,
    pub reject_reason: Option<String>,
    /// 账号 (the unit code) once approved.
    pub account: Option<String>,
}

pub fn unit_pk(id: &str) -> String {
    format!("UNIT#{id}")
}

pub fn unit_key(id: &str) -> db::Item {
    key(unit_pk(id), "PROFILE")
}

pub fn unique_key(kind: &str, code: &str) -> db::Item {
    key(format!("UNIQ#{kind}#{code}"), "UNIQ")
}

fn queue_sk(unit: &Unit) -> String {
    format!(
        "{}{}#{}",
        reference::path(&unit.agency_code).unwrap_or_default(),
        unit.submitted_at,
        unit.id
    )
}

impl Unit {
    pub fn to_item(&self) -> anyhow::Result<db::Item> {
        let mut item = db::to_item(self)?;
        item.extend(unit_key(&self.id));
        item.insert("gsi1pk".into(), s(self.status.queue()));
        item.insert("gsi1sk".into(), s(queue_sk(self)));
        Ok(item)
    }
}

pub async fn load_unit(state: &AppState, id: &str) -> ApiResult<Option<Unit>> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Ok(None);
    }
    db::get_as(state, unit_key(id), "get unit").await
}

/// A unit in the caller's jurisdiction, or 404 as if it did not exist.
pub async fn unit_for_staff(state: &AppState, staff: &StaffUser, id: &str) -> ApiResult<Unit> {
    let unit = load_unit(state, id)
        .await?
        .ok_or_else(|| ApiError::not_found("NOT_FOUND", "未找到该单位"))?;
    staff.require_jurisdiction(&unit.agency_code)?;
    Ok(unit)
}

/// True when a live registration holds `code` of `kind` (UNITCODE, UNIONCODE).
pub async fn taken(state: &AppState, kind: &str, code: &str) -> ApiResult<bool> {
    let out = state
        .db
        .get_item()
        .table_name(&*state.table)
        .set_key(Some(unique_key(kind, code)))
        .consistent_read(true)
        .send()
        .await
        .or_internal("get uniqueness")?;
    Ok(out.item.is_some())
}

pub fn required(check: &mut FieldCheck, field: &str, label: &str, value: &str, max_chars: usize) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        check.push(field, "REQUIRED", format!("请填写{label}"));
        None
    } else if value.chars().count() > max_chars {
        check.push(field, "TOO_LONG", format!("{label}不能超过{max_chars}个字"));
        None
    } else {
        Some(value.to_owned())
    }
}

impl ContactForm {
    pub fn parse(&self, check: &mut FieldCheck) -> Option<(Contact, Mobile)> {
        let name = required(check, "contact_name", "联系人姓名", &self.contact_name, 30);
        let position = self.contact_position.trim().to_owned();
        if position.chars().count() > 30 {
            check.push("contact_position", "TOO_LONG", "职位不能超过30个字");
        }
        let phone = check.take(
            "office_phone",
            OfficePhone::parse(&self.office_phone_area, &self.office_phone_number),
        );
        let mobile = check.take("mobile", Mobile::parse(&self.mobile));
        let email = check.take("email", Email::parse(&self.email));
        let (name, phone, mobile, email) = (name?, phone?, mobile?, email?);
        let contact = Contact {
            name,
            position,
            office_phone: phone.to_string(),
            mobile: mobile.as_str().to_owned(),
            email: email.to_string(),
        };
        Some((contact, mobile))
    }
}
