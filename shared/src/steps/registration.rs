//! 单位注册: the public form, checked field by field, the SMS code and both images, recorded
//! as a pending unit.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{CreditCode, mask_name};
use crate::platform::db::{self, s};
use crate::platform::error::{ApiError, ApiResult, FieldCheck, OrInternal, checked};
use crate::platform::metrics::{self, Event};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::platform::uploads::{self, FileKind, Inspected};
use crate::records::sms_code::{self, CodePurpose};
use crate::records::trail;
use crate::records::unit::{ContactForm, RegistrationStatus, Unit, UnitDetailsForm, taken, unique_key, unit_pk};
use crate::reference;

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
    /// 单位证件类型
    pub certificate_type: String,
    /// 证件有效期 (yyyy-mm-dd; empty = 长期)
    pub certificate_valid_until: String,
    /// 单位代码 (统一社会信用代码)
    pub unit_code: String,
    /// 工会信用代码
    pub union_credit_code: String,
    #[serde(flatten)]
    pub details: UnitDetailsForm,
    #[serde(flatten)]
    pub contact: ContactForm,
    /// upload_id of the 单位证件 image
    pub unit_license_upload: String,
    /// upload_id of the 工会法人资格证 image
    pub union_certificate_upload: String,
    /// 短信验证码
    pub sms_code: String,
}

impl RegistrationForm {
    /// The form after every rule: the unit as it is recorded, before its images are claimed.
    fn parse(&self, id: &str) -> ApiResult<Unit> {
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
        let details = self.details.parse(&mut check);
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
        let union_code = check.take("union_credit_code", CreditCode::parse(&self.union_credit_code));
        let contact = self.contact.parse(&mut check);
        if self.unit_license_upload.trim().is_empty() {
            check.push("unit_license_upload", "UPLOAD_MISSING", "请上传单位证件图片");
        }
        if self.union_certificate_upload.trim().is_empty() {
            check.push("union_certificate_upload", "UPLOAD_MISSING", "请上传工会法人资格证图片");
        }
        check.finish()?;
        let details = checked(details)?;
        Ok(Unit {
            id: id.to_owned(),
            status: RegistrationStatus::Pending,
            office_code: self.office_code.trim().to_owned(),
            agency_code: agency.to_owned(),
            agency_name: reference::full_name(agency).unwrap_or_default(),
            unit_name: details.unit_name,
            unit_nature: details.unit_nature,
            certificate_type: self.certificate_type.trim().to_owned(),
            certificate_valid_until: valid_until,
            unit_code: checked(unit_code)?,
            union_name: details.union_name,
            union_credit_code: checked(union_code)?,
            region_code: details.region_code,
            region_name: details.region_name,
            address: details.address,
            classified: Some(details.classified),
            contact: checked(contact)?,
            unit_license_key: String::new(),
            union_certificate_key: String::new(),
            submitted_at: time::stamp(time::now()),
            decided_at: None,
            decided_by: None,
            reject_reason: None,
            account: None,
            pending_contact: None,
            pending_contact_person: None,
            pending_details: None,
            details_refused: None,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Submitted {
    pub id: String,
    pub status: RegistrationStatus,
    /// 单位代码: what the unit quotes when it asks, and its login once approved
    pub unit_code: String,
    pub submitted_at: String,
    /// The agency that reviews it, and its phone (the nearest one up the tree that has one)
    pub agency_name: String,
    pub agency_phone: Option<String>,
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

/// Checks a staged registration image; a refusal becomes that field's error.
async fn check_image(
    state: &AppState,
    check: &mut FieldCheck,
    field: &str,
    upload_id: &str,
) -> ApiResult<Option<Inspected>> {
    let result = uploads::inspect(state, UPLOAD_AREA, upload_id.trim(), IMAGE_MAX_BYTES, &IMAGE_KINDS).await?;
    Ok(check.take(field, result))
}

/// 注册: checks every field, the SMS code and both images, then records the unit as pending.
pub async fn register(state: &AppState, form: RegistrationForm) -> ApiResult<Submitted> {
    let id = uuid::Uuid::new_v4().to_string();
    let mut unit = form.parse(&id)?;
    if taken(state, "UNITCODE", unit.unit_code.as_str()).await? {
        return Err(duplicate_unit_code());
    }
    if taken(state, "UNIONCODE", unit.union_credit_code.as_str()).await? {
        return Err(duplicate_union_code());
    }
    let consume_code = sms_code::verify(
        state,
        CodePurpose::Register,
        unit.contact.mobile.as_str(),
        &form.sms_code,
    )
    .await?;
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
    unit.unit_license_key = format!("registrations/{id}/unit-license.{}", license.kind.extension());
    unit.union_certificate_key = format!("registrations/{id}/union-certificate.{}", union_cert.kind.extension());
    uploads::claim(
        state,
        UPLOAD_AREA,
        form.unit_license_upload.trim(),
        &license.version,
        &unit.unit_license_key,
    )
    .await?;
    uploads::claim(
        state,
        UPLOAD_AREA,
        form.union_certificate_upload.trim(),
        &union_cert.version,
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
        unique("UNITCODE", unit.unit_code.as_str()).or_internal("build uniq")?,
        unique("UNIONCODE", unit.union_credit_code.as_str()).or_internal("build uniq")?,
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
    if let Err(err) = db::transact(state, items).await {
        uploads::discard(state, &[unit.unit_license_key, unit.union_certificate_key]).await;
        return Err(err.refusal(|c| {
            if c.failed_at(0) {
                duplicate_unit_code()
            } else if c.failed_at(1) {
                duplicate_union_code()
            } else if c.failed_at(3) {
                ApiError::refused("CODE_EXPIRED", "验证码已失效，请重新获取")
            } else {
                ApiError::internal(anyhow::anyhow!("registration transaction: {c:?}"))
            }
        }));
    }
    tracing::info!(unit = %id, agency = %unit.agency_code, "registration submitted");
    metrics::count(Event::Registered, 1);
    let chain = reference::ancestors(&unit.agency_code);
    Ok(Submitted {
        id,
        status: RegistrationStatus::Pending,
        unit_code: unit.unit_code.to_string(),
        submitted_at: unit.submitted_at.clone(),
        agency_name: chain.last().map(|a| a.name.to_owned()).unwrap_or_default(),
        agency_phone: chain.iter().rev().find_map(|a| a.phone).map(str::to_owned),
    })
}
