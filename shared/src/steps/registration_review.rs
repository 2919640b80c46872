//! 注册审核: the staff's registration list and detail, approval into an account, rejection,
//! and the change of contact person.
use serde::Serialize;
use utoipa::ToSchema;

use crate::platform::cursor::{CursorPage, PageAt};
use crate::platform::db::{self, OnCancel, s};
use crate::platform::error::{ApiError, ApiResult, OrInternal};
use crate::platform::metrics::{self, Event};
use crate::platform::password;
use crate::platform::sms::SmsText;
use crate::platform::state::AppState;
use crate::platform::time;
use crate::platform::uploads;
use crate::records::account::{Account, Permission, Role};
use crate::records::session::StaffUser;
use crate::records::trail;
use crate::records::transition::Transition;
use crate::records::unit::{RegistrationStatus, Unit, unique_key, unit_for_staff, unit_pk};
use crate::records::unit_registry;

pub const PAGE_SIZE_DEFAULT: u32 = 10;
pub const PAGE_SIZE_MAX: u32 = 100;
pub use crate::records::unit_registry::{PendingContactSummary, RegistrationFilter, RegistrationSummary};

/// One page of the registrations with the filter's status in the staff member's subtree.
pub async fn list_for_staff(
    state: &AppState,
    staff: &StaffUser,
    filter: RegistrationFilter<'_>,
    at: &PageAt,
) -> ApiResult<CursorPage<RegistrationSummary>> {
    unit_registry::list(state, staff, &filter, at).await
}

/// What a reviewer sees: the whole record (they call the contact), images by short-lived URL.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationDetail {
    #[serde(flatten)]
    pub unit: Unit,
    pub unit_license_url: String,
    pub union_certificate_url: String,
}

pub async fn detail_for_staff(state: &AppState, staff: &StaffUser, id: &str) -> ApiResult<RegistrationDetail> {
    let unit = unit_for_staff(state, staff, id).await?;
    let summary = "查看注册资料及单位证件、工会法人资格证图片";
    trail::record_read(
        state,
        &unit_pk(id),
        &staff.login,
        Role::Staff,
        "registration_viewed",
        summary,
    )
    .await?;
    Ok(RegistrationDetail {
        unit_license_url: uploads::download_url(state, &unit.unit_license_key, 300).await?,
        union_certificate_url: uploads::download_url(state, &unit.union_certificate_key, 300).await?,
        unit,
    })
}

/// 操作轨迹 of a unit in the caller's jurisdiction (registration, contact changes, every look at
/// its whole record), a page of it, newest first.
pub async fn trail(
    state: &AppState,
    staff: &StaffUser,
    id: &str,
    at: &PageAt,
) -> ApiResult<CursorPage<trail::TrailEntry>> {
    staff.require(Permission::RegistrationReview)?;
    unit_for_staff(state, staff, id).await?;
    trail::page(state, &unit_pk(id), at).await
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
    let mobile = unit.contact.mobile.clone();
    let password = password::generate();
    let now = time::stamp(time::now());
    let account = Account {
        login: unit.unit_code.as_str().to_owned(),
        role: Role::Unit,
        display_name: unit.unit_name.clone(),
        unit_id: Some(unit.id.clone()),
        agency_code: unit.agency_code.clone(),
        permissions: Vec::new(),
        password_hash: password::hash(&password).or_internal("hash password")?,
        must_change_password: true,
        created_at: now.clone(),
        mobile: None,
        disabled: false,
    };
    let table = &*state.table;
    let mut items = Transition::new(&unit, RegistrationStatus::Pending, RegistrationStatus::Approved)
        .by(
            &staff.login,
            Some(Role::Staff),
            "registration_approved",
            "注册审核通过，已创建单位账号并短信通知",
        )
        .set("decided_at", s(now))
        .set("decided_by", s(staff.login.clone()))
        .set("account", s(account.login.clone()))
        .notify(
            format!("account:{id}"),
            &mobile,
            SmsText::Account {
                account: account.login.clone(),
                password,
            },
        )
        .items(table)
        .or_internal("build approve")?;
    items.push(account.put_new(table).or_internal("build account")?);
    db::transact(state, items).await.on_cancel(|_| already_decided())?;
    tracing::info!(unit = %id, "registration approved");
    metrics::count(Event::Approved(metrics::Level::Registration), 1);
    Ok(Decision {
        id: id.to_owned(),
        status: RegistrationStatus::Approved,
        account: Some(account.login),
    })
}

/// 审核不通过: frees the unit code for a new registration and tells the contact why.
pub async fn reject(state: &AppState, staff: &StaffUser, id: &str, reason: &str) -> ApiResult<Decision> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(ApiError::refused("REASON_REQUIRED", "请填写不通过的原因（200字以内）"));
    }
    let unit = unit_for_staff(state, staff, id).await?;
    if unit.status != RegistrationStatus::Pending {
        return Err(already_decided());
    }
    let mobile = unit.contact.mobile.clone();
    let table = &*state.table;
    let owned = [(":id", s(id))];
    let mut items = Transition::new(&unit, RegistrationStatus::Pending, RegistrationStatus::Rejected)
        .by(
            &staff.login,
            Some(Role::Staff),
            "registration_rejected",
            format!("注册审核不通过：{reason}"),
        )
        .set("decided_at", s(time::stamp(time::now())))
        .set("decided_by", s(staff.login.clone()))
        .set("reject_reason", s(reason))
        .notify(
            format!("rejected:{id}"),
            &mobile,
            SmsText::RegistrationRejected {
                reason: reason.to_owned(),
            },
        )
        .items(table)
        .or_internal("build reject")?;
    items.extend([
        db::delete_if(
            table,
            unique_key("UNITCODE", unit.unit_code.as_str()),
            Some("unit_id = :id"),
            &owned,
        )
        .or_internal("build uniq")?,
        db::delete_if(
            table,
            unique_key("UNIONCODE", unit.union_credit_code.as_str()),
            Some("unit_id = :id"),
            &owned,
        )
        .or_internal("build uniq")?,
    ]);
    db::transact(state, items).await.on_cancel(|_| already_decided())?;
    metrics::count(Event::Returned(metrics::Level::Registration), 1);
    Ok(Decision {
        id: id.to_owned(),
        status: RegistrationStatus::Rejected,
        account: None,
    })
}
