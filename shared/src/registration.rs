//! 单位注册 and its review: the public form, the unit record it creates, approval into an
//! account, rejection, and the change of contact person.
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{self, Account, Role, StaffUser};
use crate::db::{self, TransactError, key, s};
use crate::domain::{CreditCode, Email, Mobile, OfficePhone, mask_name};
use crate::error::{ApiError, ApiResult, FieldCheck, OrInternal, checked};
use crate::paging::{Page, PageQuery, PageRequest};
use crate::password;
use crate::reference;
use crate::sms::{self, SmsText};
use crate::sms_code::{self, CodePurpose};
use crate::state::AppState;
use crate::time;
use crate::trail;
use crate::uploads::{self, FileKind};

pub const IMAGE_MAX_BYTES: u64 = 2 * 1024 * 1024;
pub const UPLOAD_AREA: &str = "registration";
const IMAGE_KINDS: [FileKind; 2] = [FileKind::Jpeg, FileKind::Png];

/// The registration form as the browser sends it: every field a string, so that a missing
/// field is reported in Chinese next to the field rather than as a JSON error.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RegistrationForm {
    /// 办事处 (office code; only 1600 河南省办事处 is served)
    pub office_code: String,
    /// 所属机构 (agency tree code)
    pub agency_code: String,
    pub unit_name: String,
    /// 单位性质
    pub unit_nature: String,
    /// 单位证件类型
    pub certificate_type: String,
    /// 证件有效期 (yyyy-mm-dd; empty = 长期)
    pub certificate_valid_until: String,
    /// 单位代码 (统一社会信用代码)
    pub unit_code: String,
    /// 单位工会
    pub union_name: String,
    /// 工会信用代码
    pub union_credit_code: String,
    /// 省-市-区/县 (county-level division code)
    pub region_code: String,
    /// 单位地址
    pub address: String,
    #[serde(flatten)]
    pub contact: ContactForm,
    /// upload_id of the 单位证件 image
    pub unit_license_upload: String,
    /// upload_id of the 工会法人资格证 image
    pub union_certificate_upload: String,
    /// 短信验证码
    pub sms_code: String,
}

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

fn unit_key(id: &str) -> db::Item {
    key(unit_pk(id), "PROFILE")
}

fn unique_key(kind: &str, code: &str) -> db::Item {
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
    fn to_item(&self) -> anyhow::Result<db::Item> {
        let mut item = db::to_item(self)?;
        item.extend(unit_key(&self.id));
        item.insert("gsi1pk".into(), s(format!("REG#{}", self.status.as_str())));
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

fn required(check: &mut FieldCheck, field: &str, label: &str, value: &str, max_chars: usize) -> Option<String> {
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

/// The form after every rule: what a registration holds before its images are claimed.
struct ParsedRegistration {
    unit: Unit,
    mobile: Mobile,
    unit_code: CreditCode,
    union_code: CreditCode,
}

impl RegistrationForm {
    fn parse(&self, id: &str) -> ApiResult<ParsedRegistration> {
        let mut check = FieldCheck::new();
        if reference::served_office(self.office_code.trim()).is_none() {
            check.push(
                "office_code",
                "OFFICE_NOT_SERVED",
                "请选择办事处“河南省办事处”（本系统仅受理河南省办事处的业务）",
            );
        }
        let agency = self.agency_code.trim();
        if !reference::is_selectable(agency) {
            check.push(
                "agency_code",
                "AGENCY_INVALID",
                "请在“所属机构”中选择具体的经办机构（如“漯河市”下的“郾城区”）",
            );
        }
        let unit_name = required(&mut check, "unit_name", "单位名称", &self.unit_name, 100);
        if !reference::is_unit_nature(self.unit_nature.trim()) {
            check.push("unit_nature", "UNIT_NATURE_INVALID", "请选择单位性质");
        }
        if !reference::is_unit_certificate_type(self.certificate_type.trim()) {
            check.push("certificate_type", "CERTIFICATE_TYPE_INVALID", "请选择单位证件类型");
        }
        let valid_until = match self.certificate_valid_until.trim() {
            "" | "长期" => None,
            raw => match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
                Ok(date) if date < time::today_beijing() => {
                    check.push(
                        "certificate_valid_until",
                        "CERTIFICATE_EXPIRED",
                        "单位证件已过有效期，请使用有效证件注册",
                    );
                    None
                }
                Ok(date) => Some(date.to_string()),
                Err(_) => {
                    check.push(
                        "certificate_valid_until",
                        "DATE_FORMAT",
                        "证件有效期格式应为 yyyy-mm-dd，长期有效可不填",
                    );
                    None
                }
            },
        };
        let unit_code = check.take("unit_code", CreditCode::parse(&self.unit_code));
        let union_name = required(&mut check, "union_name", "单位工会名称", &self.union_name, 100);
        let union_code = check.take("union_credit_code", CreditCode::parse(&self.union_credit_code));
        let region = self.region_code.trim();
        if !reference::is_county_level(region) {
            check.push("region_code", "REGION_INVALID", "请选择单位所在的省-市-区/县");
        }
        let address = required(&mut check, "address", "单位地址", &self.address, 200);
        let contact = self.contact.parse(&mut check);
        if self.unit_license_upload.trim().is_empty() {
            check.push("unit_license_upload", "UPLOAD_MISSING", "请上传单位证件图片");
        }
        if self.union_certificate_upload.trim().is_empty() {
            check.push("union_certificate_upload", "UPLOAD_MISSING", "请上传工会法人资格证图片");
        }
        check.finish()?;
        let (contact, mobile) = checked(contact)?;
        let unit_code = checked(unit_code)?;
        let union_code = checked(union_code)?;
        let unit = Unit {
            id: id.to_owned(),
            status: RegistrationStatus::Pending,
            office_code: self.office_code.trim().to_owned(),
            agency_code: agency.to_owned(),
            agency_name: reference::full_name(agency).unwrap_or_default(),
            unit_name: checked(unit_name)?,
            unit_nature: self.unit_nature.trim().to_owned(),
            certificate_type: self.certificate_type.trim().to_owned(),
            certificate_valid_until: valid_until,
            unit_code: unit_code.as_str().to_owned(),
            union_name: checked(union_name)?,
            union_credit_code: union_code.as_str().to_owned(),
            region_code: region.to_owned(),
            region_name: reference::region_path_names(region).unwrap_or_default(),
            address: checked(address)?,
            contact,
            unit_license_key: String::new(),
            union_certificate_key: String::new(),
            submitted_at: time::stamp(time::now()),
            decided_at: None,
            decided_by: None,
            reject_reason: None,
            account: None,
        };
        Ok(ParsedRegistration {
            unit,
            mobile,
            unit_code,
            union_code,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Submitted {
    pub id: String,
    pub status: RegistrationStatus,
}

fn duplicate_unit_code() -> ApiError {
    let mut check = FieldCheck::new();
    check.push(
        "unit_code",
        "DUPLICATE_UNIT_CODE",
        "该单位代码已注册或正在审核中，请勿重复注册；如需更换联系人请联系所属经办机构",
    );
    check
        .finish()
        .err()
        .unwrap_or_else(|| ApiError::conflict("DUPLICATE_UNIT_CODE", "该单位代码已注册"))
}

fn duplicate_union_code() -> ApiError {
    let mut check = FieldCheck::new();
    check.push(
        "union_credit_code",
        "DUPLICATE_UNION_CODE",
        "该工会信用代码已被其他单位注册，请核对",
    );
    check
        .finish()
        .err()
        .unwrap_or_else(|| ApiError::conflict("DUPLICATE_UNION_CODE", "该工会信用代码已注册"))
}

async fn taken(state: &AppState, kind: &str, code: &str) -> ApiResult<bool> {
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

/// Checks a staged registration image; a refusal becomes that field's error.
async fn check_image(
    state: &AppState,
    check: &mut FieldCheck,
    field: &str,
    upload_id: &str,
) -> ApiResult<Option<FileKind>> {
    let result = uploads::inspect(state, UPLOAD_AREA, upload_id.trim(), IMAGE_MAX_BYTES, &IMAGE_KINDS).await?;
    Ok(check.take(field, result).map(|i| i.kind))
}

/// 注册: checks every field, the SMS code and both images, then records the unit as pending.
pub async fn register(state: &AppState, form: RegistrationForm) -> ApiResult<Submitted> {
    let id = uuid::Uuid::new_v4().to_string();
    let ParsedRegistration {
        mut unit,
        mobile,
        unit_code,
        union_code,
    } = form.parse(&id)?;
    if taken(state, "UNITCODE", unit_code.as_str()).await? {
        return Err(duplicate_unit_code());
    }
    if taken(state, "UNIONCODE", union_code.as_str()).await? {
        return Err(duplicate_union_code());
    }
    let consume_code = sms_code::verify(state, CodePurpose::Register, &mobile, &form.sms_code).await?;
    let mut check = FieldCheck::new();
    let license = check_image(state, &mut check, "unit_license_upload", &form.unit_license_upload).await?;
    let union_cert = check_image(
        state,
        &mut check,
        "union_certificate_upload",
        &form.union_certificate_upload,
    )
    .await?;
    check.finish()?;
    let (license, union_cert) = (checked(license)?, checked(union_cert)?);
    unit.unit_license_key = format!("registrations/{id}/unit-license.{}", license.extension());
    unit.union_certificate_key = format!("registrations/{id}/union-certificate.{}", union_cert.extension());
    uploads::claim(
        state,
        UPLOAD_AREA,
        form.unit_license_upload.trim(),
        &unit.unit_license_key,
    )
    .await?;
    uploads::claim(
        state,
        UPLOAD_AREA,
        form.union_certificate_upload.trim(),
        &unit.union_certificate_key,
    )
    .await?;

    let table = &*state.table;
    let unique = |kind: &str, code: &str| -> anyhow::Result<_> {
        let mut item = unique_key(kind, code);
        item.insert("unit_id".into(), s(id.clone()));
        db::put_new(table, item)
    };
    let items = vec![
        unique("UNITCODE", unit_code.as_str()).or_internal("build uniq")?,
        unique("UNIONCODE", union_code.as_str()).or_internal("build uniq")?,
        db::put_new(table, unit.to_item().or_internal("encode unit")?).or_internal("build unit")?,
        consume_code,
        trail::record(
            table,
            &unit_pk(&id),
            &mask_name(&unit.contact.name),
            None,
            "registration_submitted",
            "提交单位注册申请",
        )
        .or_internal("build trail")?,
    ];
    match db::transact(state, items).await {
        Ok(()) => {
            tracing::info!(unit = %id, agency = %unit.agency_code, "registration submitted");
            Ok(Submitted {
                id,
                status: RegistrationStatus::Pending,
            })
        }
        Err(err) => {
            uploads::discard(state, &[unit.unit_license_key, unit.union_certificate_key]).await;
            Err(if err.failed_at(0) {
                duplicate_unit_code()
            } else if err.failed_at(1) {
                duplicate_union_code()
            } else if err.failed_at(3) {
                ApiError::bad_request("CODE_EXPIRED", "验证码已失效，请重新获取")
            } else {
                ApiError::internal(anyhow::anyhow!("registration transaction: {err:?}"))
            })
        }
    }
}

/// One row of the review list: contact masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationSummary {
    pub id: String,
    pub status: RegistrationStatus,
    pub unit_name: String,
    pub unit_code: String,
    pub agency_name: String,
    pub contact_name: String,
    pub contact_mobile: String,
    pub submitted_at: String,
}

pub const PAGE_SIZE_DEFAULT: u32 = 10;
pub const PAGE_SIZE_MAX: u32 = 100;

/// Which registrations a staff list shows: a status, optionally narrowed by unit name or code.
#[derive(Debug, Default)]
pub struct RegistrationFilter<'a> {
    pub status: RegistrationStatus,
    /// Part of the 单位名称, or the start of the 单位代码 (case-insensitive).
    pub search: Option<&'a str>,
    pub page: PageQuery,
}

impl RegistrationFilter<'_> {
    fn matches(&self, unit: &Unit) -> bool {
        match self.search.map(str::trim).filter(|q| !q.is_empty()) {
            None => true,
            Some(q) => unit.unit_name.contains(q) || unit.unit_code.starts_with(&q.to_ascii_uppercase()),
        }
    }
}

/// One page of the registrations with the filter's status in the staff member's subtree.
/// The whole status partition of the subtree is read (a few thousand units at most), so the
/// pager can show the total and jump to any page.
pub async fn list_for_staff(
    state: &AppState,
    staff: &StaffUser,
    filter: RegistrationFilter<'_>,
) -> ApiResult<Page<RegistrationSummary>> {
    let request = PageRequest::new(filter.page, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX);
    let query = state
        .db
        .query()
        .table_name(&*state.table)
        .index_name("gsi1")
        .key_condition_expression("gsi1pk = :p AND begins_with(gsi1sk, :prefix)")
        .expression_attribute_values(":p", s(format!("REG#{}", filter.status.as_str())))
        .expression_attribute_values(":prefix", s(staff.subtree_prefix()));
    let mut units: Vec<Unit> = db::query_as(query, "query registrations").await?;
    // The index lags the table a little; a row is listed only if it still has the status.
    units.retain(|unit| unit.status == filter.status && filter.matches(unit));
    units.sort_by(|a, b| (&a.submitted_at, &a.id).cmp(&(&b.submitted_at, &b.id)));
    Ok(request.cut(units).map(|unit| RegistrationSummary {
        contact_name: mask_name(&unit.contact.name),
        contact_mobile: Mobile::parse(&unit.contact.mobile)
            .map(|m| m.masked())
            .unwrap_or_default(),
        id: unit.id,
        status: unit.status,
        unit_name: unit.unit_name,
        unit_code: unit.unit_code,
        agency_name: unit.agency_name,
        submitted_at: unit.submitted_at,
    }))
}

/// What a reviewer sees: the whole record (they call the contact), images by short-lived URL.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationDetail {
    #[serde(flatten)]
    pub unit: Unit,
    pub unit_license_url: String,
    pub union_certificate_url: String,
    pub trail: Vec<trail::TrailEntry>,
}

/// A unit in the caller's jurisdiction, or 404 as if it did not exist.
pub async fn unit_for_staff(state: &AppState, staff: &StaffUser, id: &str) -> ApiResult<Unit> {
    let unit = load_unit(state, id)
        .await?
        .ok_or_else(|| ApiError::not_found("NOT_FOUND", "未找到该单位"))?;
    staff.require_jurisdiction(&unit.agency_code)?;
    Ok(unit)
}

pub async fn detail_for_staff(state: &AppState, staff: &StaffUser, id: &str) -> ApiResult<RegistrationDetail> {
    let unit = unit_for_staff(state, staff, id).await?;
    Ok(RegistrationDetail {
        unit_license_url: uploads::download_url(state, &unit.unit_license_key, 300).await?,
        union_certificate_url: uploads::download_url(state, &unit.union_certificate_key, 300).await?,
        trail: trail::list(state, &unit_pk(id)).await?,
        unit,
    })
}

fn already_decided() -> ApiError {
    ApiError::conflict("ALREADY_DECIDED", "该注册申请已被处理，请刷新列表")
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Decision {
    pub id: String,
    pub status: RegistrationStatus,
    pub account: Option<String>,
}

/// 审核通过: the unit account with a random password, sent by SMS — all or nothing, once.
pub async fn approve(state: &AppState, staff: &StaffUser, id: &str) -> ApiResult<Decision> {
    let unit = unit_for_staff(state, staff, id).await?;
    if unit.status != RegistrationStatus::Pending {
        return Err(already_decided());
    }
    let mobile = Mobile::parse(&unit.contact.mobile).or_internal("stored mobile")?;
    let password = password::generate();
    let now = time::stamp(time::now());
    let account = Account {
        login: unit.unit_code.clone(),
        role: Role::Unit,
        display_name: unit.unit_name.clone(),
        unit_id: Some(unit.id.clone()),
        agency_code: unit.agency_code.clone(),
        permissions: Vec::new(),
        password_hash: password::hash(&password).or_internal("hash password")?,
        must_change_password: true,
        failed_logins: 0,
        locked_until: 0,
        created_at: now.clone(),
    };
    let table = &*state.table;
    let items = vec![
        db::update_if(
            table,
            unit_key(id),
            "SET #st = :approved, gsi1pk = :q, decided_at = :now, decided_by = :by, account = :acct",
            Some("#st = :pending"),
            &[("#st", "status")],
            &[
                (":approved", s("approved")),
                (":pending", s("pending")),
                (":q", s("REG#approved")),
                (":now", s(now)),
                (":by", s(staff.login.clone())),
                (":acct", s(account.login.clone())),
            ],
        )
        .or_internal("build approve")?,
        account.put_new(table).or_internal("build account")?,
        sms::enqueue(
            table,
            &format!("account:{id}"),
            &mobile,
            &SmsText::Account {
                account: account.login.clone(),
                password,
            },
        )
        .or_internal("build sms")?,
        trail::record(
            table,
            &unit_pk(id),
            &staff.login,
            Some(Role::Staff),
            "registration_approved",
            "注册审核通过，已创建单位账号并短信通知",
        )
        .or_internal("build trail")?,
    ];
    match db::transact(state, items).await {
        Ok(()) => {
            tracing::info!(unit = %id, "registration approved");
            Ok(Decision {
                id: id.to_owned(),
                status: RegistrationStatus::Approved,
                account: Some(account.login),
            })
        }
        Err(TransactError::Other(e)) => Err(ApiError::internal(e)),
        Err(_) => Err(already_decided()),
    }
}

/// 审核不通过: frees the unit code for a new registration and tells the contact why.
pub async fn reject(state: &AppState, staff: &StaffUser, id: &str, reason: &str) -> ApiResult<Decision> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(ApiError::bad_request(
            "REASON_REQUIRED",
            "请填写不通过的原因（200字以内）",
        ));
    }
    let unit = unit_for_staff(state, staff, id).await?;
    if unit.status != RegistrationStatus::Pending {
        return Err(already_decided());
    }
    let mobile = Mobile::parse(&unit.contact.mobile).or_internal("stored mobile")?;
    let table = &*state.table;
    let owned = [(":id", s(id))];
    let items = vec![
        db::update_if(
            table,
            unit_key(id),
            "SET #st = :rejected, gsi1pk = :q, decided_at = :now, decided_by = :by, reject_reason = :reason",
            Some("#st = :pending"),
            &[("#st", "status")],
            &[
                (":rejected", s("rejected")),
                (":pending", s("pending")),
                (":q", s("REG#rejected")),
                (":now", s(time::stamp(time::now()))),
                (":by", s(staff.login.clone())),
                (":reason", s(reason)),
            ],
        )
        .or_internal("build reject")?,
        db::delete_if(
            table,
            unique_key("UNITCODE", &unit.unit_code),
            Some("unit_id = :id"),
            &owned,
        )
        .or_internal("build uniq")?,
        db::delete_if(
            table,
            unique_key("UNIONCODE", &unit.union_credit_code),
            Some("unit_id = :id"),
            &owned,
        )
        .or_internal("build uniq")?,
        sms::enqueue(
            table,
            &format!("rejected:{id}"),
            &mobile,
            &SmsText::RegistrationRejected {
                reason: reason.to_owned(),
            },
        )
        .or_internal("build sms")?,
        trail::record(
            table,
            &unit_pk(id),
            &staff.login,
            Some(Role::Staff),
            "registration_rejected",
            &format!("注册审核不通过：{reason}"),
        )
        .or_internal("build trail")?,
    ];
    match db::transact(state, items).await {
        Ok(()) => Ok(Decision {
            id: id.to_owned(),
            status: RegistrationStatus::Rejected,
            account: None,
        }),
        Err(TransactError::Other(e)) => Err(ApiError::internal(e)),
        Err(_) => Err(already_decided()),
    }
}

/// 更换联系人: the new contact gets the account with a fresh password by SMS; every session
/// of the old contact ends.
pub async fn change_contact(state: &AppState, staff: &StaffUser, id: &str, form: &ContactForm) -> ApiResult<Contact> {
    let unit = unit_for_staff(state, staff, id).await?;
    let mut check = FieldCheck::new();
    let parsed = form.parse(&mut check);
    check.finish()?;
    let (contact, mobile) = checked(parsed)?;
    let Some(login) = unit
        .account
        .clone()
        .filter(|_| unit.status == RegistrationStatus::Approved)
    else {
        return Err(ApiError::conflict(
            "UNIT_NOT_APPROVED",
            "该单位尚未审核通过，不能更换联系人",
        ));
    };
    let password = password::generate();
    let table = &*state.table;
    let items = vec![
        db::update_if(
            table,
            unit_key(id),
            "SET contact = :c",
            Some("#st = :approved"),
            &[("#st", "status")],
            &[
                (
                    ":c",
                    AttributeValue::M(db::to_item(&contact).or_internal("encode contact")?),
                ),
                (":approved", s("approved")),
            ],
        )
        .or_internal("build contact")?,
        db::update_if(
            table,
            auth::account_key(&login),
            "SET password_hash = :h, must_change_password = :t",
            Some("attribute_exists(pk)"),
            &[],
            &[
                (":h", s(password::hash(&password).or_internal("hash")?)),
                (":t", AttributeValue::Bool(true)),
            ],
        )
        .or_internal("build account")?,
        sms::enqueue(
            table,
            &format!("contact:{id}:{}", uuid::Uuid::new_v4()),
            &mobile,
            &SmsText::Account {
                account: login.clone(),
                password,
            },
        )
        .or_internal("build sms")?,
        trail::record(
            table,
            &unit_pk(id),
            &staff.login,
            Some(Role::Staff),
            "contact_changed",
            &format!("更换单位联系人为{}（{}）", mask_name(&contact.name), mobile.masked()),
        )
        .or_internal("build trail")?,
    ];
    match db::transact(state, items).await {
        Ok(()) => {
            auth::close_all_sessions(state, &login).await?;
            Ok(contact)
        }
        Err(TransactError::Other(e)) => Err(ApiError::internal(e)),
        Err(_) => Err(ApiError::conflict(
            "UNIT_NOT_APPROVED",
            "该单位尚未审核通过，不能更换联系人",
        )),
    }
}
