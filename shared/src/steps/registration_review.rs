//! 注册审核: the staff's registration list and detail, approval into an account, rejection,
//! and the change of contact person.
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::mask_name;
use crate::platform::cursor::{self, CursorPage, IndexList, PageAt};
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
use crate::records::transition::{Transition, Workflow};
use crate::records::unit::{RegistrationStatus, Unit, unique_key, unit_for_staff, unit_pk};

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
    /// A change of contact waiting for a second reviewer (masked like the contact).
    pub pending_contact: Option<PendingContactSummary>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PendingContactSummary {
    pub contact_name: String,
    pub contact_mobile: String,
    pub requested_by: String,
    pub requested_at: String,
}

pub const PAGE_SIZE_DEFAULT: u32 = 10;
pub const PAGE_SIZE_MAX: u32 = 100;
/// Longest search text (a unit name is at most this long).
pub const MAX_SEARCH_CHARS: usize = 50;

/// Which registrations a staff list shows: a status, optionally narrowed by unit name or code.
#[derive(Debug, Default)]
pub struct RegistrationFilter<'a> {
    pub status: RegistrationStatus,
    /// Part of the 单位名称, or the start of the 单位代码 (case-insensitive).
    pub search: Option<&'a str>,
}

impl RegistrationFilter<'_> {
    /// The list in the staff member's subtree, narrowed by the search as the table reads it.
    fn list(&self, staff: &StaffUser) -> ApiResult<IndexList> {
        let list = cursor::subtree_queue(self.status.queue(), &staff.subtree_prefix());
        Ok(match self.search.map(str::trim).filter(|q| !q.is_empty()) {
            None => list,
            Some(q) if q.chars().count() > MAX_SEARCH_CHARS => {
                return Err(ApiError::malformed(
                    "SEARCH_TOO_LONG",
                    format!("查询内容不能超过{MAX_SEARCH_CHARS}个字，请输入单位名称的一部分或单位代码的开头"),
                ));
            }
            Some(q) => list.filtered(
                "contains(unit_name, :q) OR begins_with(unit_code, :code)",
                &[(":q", s(q)), (":code", s(q.to_ascii_uppercase()))],
            ),
        })
    }
}

/// One page of the registrations with the filter's status in the staff member's subtree,
/// agency by agency and oldest first within each, read a page at a time (no total: none is
/// kept per status and subtree).
pub async fn list_for_staff(
    state: &AppState,
    staff: &StaffUser,
    filter: RegistrationFilter<'_>,
    at: &PageAt,
) -> ApiResult<CursorPage<RegistrationSummary>> {
    let (mut units, next) = filter.list(staff)?.read_page_as::<Unit>(state, at).await?;
    // The index lags the table a little; a row is listed only if it still has the status.
    units.retain(|unit| unit.status == filter.status);
    let rows = units.into_iter().map(|unit| RegistrationSummary {
        contact_name: mask_name(&unit.contact.name),
        contact_mobile: unit.contact.mobile.masked(),
        id: unit.id,
        status: unit.status,
        unit_name: unit.unit_name,
        unit_code: unit.unit_code.into(),
        agency_name: unit.agency_name,
        submitted_at: unit.submitted_at,
        pending_contact: unit.pending_contact.map(|p| PendingContactSummary {
            contact_name: mask_name(&p.contact.name),
            contact_mobile: p.contact.mobile.masked(),
            requested_by: p.requested_by,
            requested_at: p.requested_at,
        }),
    });
    Ok(at.page(rows.collect(), None, next))
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
