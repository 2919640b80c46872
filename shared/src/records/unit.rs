//! 参保单位: a registered unit and its contact person, from submission on; approved units
//! have an account. The registration status lives here, with its uniqueness claims.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{CreditCode, Email, Mobile, OfficePhone};
use crate::platform::db::{self, key, s};
use crate::platform::error::{ApiError, ApiResult, FieldCheck, OrInternal};
use crate::platform::state::AppState;
use crate::records::session::StaffUser;
use crate::records::tally::{self, TallyChange};
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

// Stored as plain strings, as before the fields were typed: reading parses them again, so an
// item written either way reads the same.
/// A contact person that passed every rule.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Contact {
    pub name: String,
    pub position: String,
    #[schema(value_type = String)]
    pub office_phone: OfficePhone,
    #[schema(value_type = String)]
    pub mobile: Mobile,
    #[schema(value_type = String)]
    pub email: Email,
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

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "待审核",
            Self::Approved => "已通过",
            Self::Rejected => "未通过",
        }
    }
}

impl Workflow for RegistrationStatus {
    type Record = Unit;

    fn id(unit: &Unit) -> &str {
        &unit.id
    }

    /// An approved registration is one more unit registered with its agency.
    fn counted(unit: &Unit, _: RegistrationStatus, to: RegistrationStatus) -> anyhow::Result<Option<TallyChange>> {
        Ok((to == RegistrationStatus::Approved).then(|| tally::registered(&unit.agency_code)))
    }

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
    #[schema(value_type = String)]
    pub unit_code: CreditCode,
    pub union_name: String,
    #[schema(value_type = String)]
    pub union_credit_code: CreditCode,
    pub region_code: String,
    pub region_name: String,
    pub address: String,
    /// 涉密单位 (是/否); `None` for units registered before the question was asked.
    #[serde(default)]
    pub classified: Option<bool>,
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
    /// A change of contact person waiting for a second reviewer (absent, not null, when
    /// none: the request's condition is that the attribute does not exist).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_contact: Option<PendingContact>,
    /// Who asked for it, for the duty rule (a person key, never shown).
    #[serde(default, skip_serializing)]
    #[schema(ignore)]
    pub pending_contact_person: Option<String>,
    /// The unit's own correction of its details, waiting for its agency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_details: Option<PendingDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details_refused: Option<DetailsRefusal>,
}

/// 更换联系人 asked for by one reviewer; it takes effect when another approves it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PendingContact {
    pub contact: Contact,
    pub requested_by: String,
    pub requested_at: String,
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
    /// The details in force (None while 涉密单位 was never answered).
    pub fn details(&self) -> Option<UnitDetails> {
        Some(UnitDetails {
            unit_name: self.unit_name.clone(),
            unit_nature: self.unit_nature.clone(),
            union_name: self.union_name.clone(),
            region_code: self.region_code.clone(),
            region_name: self.region_name.clone(),
            address: self.address.clone(),
            classified: self.classified?,
        })
    }

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
    } else if let Some(&c) = crate::reference::printable::missing_glyphs(value).first() {
        // What a unit records is printed on its certificate: a character no font has would
        // stop the printing after payment.
        check.push(
            field,
            "UNPRINTABLE",
            format!("{label}中的“{c}”（U+{:04X}）无法打印，请改用规范汉字", u32::from(c)),
        );
        None
    } else {
        Some(value.to_owned())
    }
}

/// The details a unit may correct itself, subject to its agency's review: not its codes (they
/// are who it is), its agency (that moves its files) nor its contact (a change of its own).
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct UnitDetailsForm {
    pub unit_name: String,
    /// 单位性质
    pub unit_nature: String,
    /// 单位工会
    pub union_name: String,
    /// 省-市-区/县 (county-level division code)
    pub region_code: String,
    /// 单位地址
    pub address: String,
    /// 涉密单位: 是 or 否
    pub classified: String,
}

/// Unit details that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnitDetails {
    pub unit_name: String,
    pub unit_nature: String,
    pub union_name: String,
    pub region_code: String,
    /// 河南省漯河市郾城区
    pub region_name: String,
    pub address: String,
    /// 涉密单位
    pub classified: bool,
}

impl UnitDetailsForm {
    pub fn parse(&self, check: &mut FieldCheck) -> Option<UnitDetails> {
        let unit_name = required(check, "unit_name", "单位名称", &self.unit_name, 100);
        let nature = self.unit_nature.trim();
        if !reference::is_unit_nature(nature) {
            check.push("unit_nature", "UNIT_NATURE_INVALID", "请选择单位性质");
        }
        let union_name = required(check, "union_name", "单位工会名称", &self.union_name, 100);
        let region = self.region_code.trim();
        if !reference::is_county_level(region) {
            check.push("region_code", "REGION_INVALID", "请选择单位所在的省-市-区/县");
        }
        let address = required(check, "address", "单位地址", &self.address, 200);
        let classified = match self.classified.trim() {
            "是" => Some(true),
            "否" => Some(false),
            _ => {
                check.push("classified", "CLASSIFIED_REQUIRED", "请选择是否为涉密单位");
                None
            }
        };
        Some(UnitDetails {
            unit_name: unit_name?,
            unit_nature: reference::is_unit_nature(nature).then(|| nature.to_owned())?,
            union_name: union_name?,
            region_code: reference::is_county_level(region).then(|| region.to_owned())?,
            region_name: reference::region_path_names(region).unwrap_or_default(),
            address: address?,
            classified: classified?,
        })
    }
}

/// A unit's own correction of its details, in force once its agency approves it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PendingDetails {
    pub details: UnitDetails,
    pub requested_by: String,
    pub requested_at: String,
}

/// Why the agency refused the unit's last correction (until the next one).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DetailsRefusal {
    pub reason: String,
    pub refused_at: String,
}

/// The agency's queue of corrections waiting for review (index gsi3, by agency path).
pub const DETAILS_QUEUE: &str = "UNITDETAILS#pending";

impl ContactForm {
    pub fn parse(&self, check: &mut FieldCheck) -> Option<Contact> {
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
            office_phone: phone,
            mobile,
            email,
        };
        Some(contact)
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::types::AttributeValue;

    use super::*;
    use crate::platform::db::Item;

    /// A unit item as the table held it before the record was typed: every code and contact
    /// field a plain string.
    fn old_shape() -> Item {
        let contact = Item::from([
            ("name".to_owned(), s("王五")),
            ("position".to_owned(), s("工会主席")),
            ("office_phone".to_owned(), s("0395-3123456")),
            ("mobile".to_owned(), s("13912345678")),
            ("email".to_owned(), s("hr@example.cn")),
        ]);
        let mut item = Item::from([
            ("id".to_owned(), s("9f0e3c1a-0000-4000-8000-000000000001")),
            ("status".to_owned(), s("approved")),
            ("office_code".to_owned(), s("1600")),
            ("agency_code".to_owned(), s("411103")),
            (
                "agency_name".to_owned(),
                s("中华全国总工会>中国职工保险互助会>河南省办事处>漯河市>郾城区"),
            ),
            ("unit_name".to_owned(), s("漯河市郾城区应急管理局")),
            ("unit_nature".to_owned(), s("机关")),
            ("certificate_type".to_owned(), s("统一社会信用代码证")),
            ("certificate_valid_until".to_owned(), AttributeValue::Null(true)),
            ("unit_code".to_owned(), s("91350100M000100Y43")),
            ("union_name".to_owned(), s("漯河市郾城区应急管理局工会")),
            ("union_credit_code".to_owned(), s("91110108551385082Q")),
            ("region_code".to_owned(), s("411103")),
            ("region_name".to_owned(), s("河南省漯河市郾城区")),
            ("address".to_owned(), s("漯河市郾城区黄河路1号")),
            ("contact".to_owned(), AttributeValue::M(contact)),
            ("unit_license_key".to_owned(), s("registrations/x/unit-license.png")),
            (
                "union_certificate_key".to_owned(),
                s("registrations/x/union-certificate.png"),
            ),
            ("submitted_at".to_owned(), s("2026-11-30T02:00:00.000Z")),
            ("decided_at".to_owned(), s("2026-11-30T03:00:00.000Z")),
            ("decided_by".to_owned(), s("reviewer")),
            ("reject_reason".to_owned(), AttributeValue::Null(true)),
            ("account".to_owned(), s("91350100M000100Y43")),
        ]);
        item.extend(unit_key("9f0e3c1a-0000-4000-8000-000000000001"));
        item
    }

    #[test]
    fn an_item_in_the_old_shape_reads_as_a_typed_unit() {
        let unit: Unit = db::from_item(old_shape()).expect("old item reads");
        assert_eq!(unit.unit_code.as_str(), "91350100M000100Y43");
        assert_eq!(unit.union_credit_code.as_str(), "91110108551385082Q");
        assert_eq!(unit.contact.mobile.as_str(), "13912345678");
        assert_eq!(unit.contact.office_phone.to_string(), "0395-3123456");
        assert_eq!(String::from(unit.contact.email.clone()), "hr@example.cn");
    }

    #[test]
    fn a_typed_unit_is_stored_in_the_same_shape() {
        let unit: Unit = db::from_item(old_shape()).expect("old item reads");
        let item = unit.to_item().expect("encode");
        let old = old_shape();
        for field in ["unit_code", "union_credit_code", "contact"] {
            assert_eq!(item.get(field), old.get(field), "{field}");
        }
    }
}
