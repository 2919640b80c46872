//! 单位档案 (staff): the units of the caller's subtree, found by name or code, and each unit's
//! file — its details and contact, its registration, its applications and its certificates
//! with their 回传状态 — each list a page at a time. Opening a file shows the contact whole, so
//! it is recorded in the unit's 操作轨迹.
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::platform::cursor::{CursorPage, PageAt};
use crate::platform::error::ApiResult;
use crate::platform::paging;
use crate::platform::state::AppState;
use crate::records::account::Role;
use crate::records::application::{self, Application};
use crate::records::application_search::SearchRow;
use crate::records::certificate::{self, CertificateView};
use crate::records::session::StaffUser;
use crate::records::trail;
use crate::records::unit::{Contact, PendingContact, RegistrationStatus, unit_for_staff, unit_pk};
pub use crate::records::unit_registry::RegistrationSummary;
use crate::records::unit_registry::{self, RegistrationFilter};

pub const PAGE_SIZE_DEFAULT: u32 = 20;
pub const PAGE_SIZE_MAX: u32 = 100;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitsQuery {
    /// An agency within the caller's jurisdiction (default: the caller's own subtree)
    #[param(max_length = 12)]
    pub agency: Option<String>,
    /// approved (default: registered units), pending or rejected
    pub status: Option<RegistrationStatus>,
    /// Part of the unit's name, or the start of its 统一社会信用代码
    #[param(max_length = 50)]
    pub q: Option<String>,
    /// `next` of the page before (absent: the first page)
    #[param(max_length = 1024)]
    pub cursor: Option<String>,
    /// 1 … 100 (default 20) (a larger size is taken as the maximum)
    #[serde(default, deserialize_with = "paging::page_size")]
    #[param(minimum = 1, maximum = 1000)]
    pub page_size: Option<u32>,
}

/// 单位查询: one page of the units of `query`, agency by agency (contacts masked).
pub async fn units(
    state: &AppState,
    staff: &StaffUser,
    query: &UnitsQuery,
) -> ApiResult<CursorPage<RegistrationSummary>> {
    let at = PageAt::new(
        query.cursor.as_deref(),
        query.page_size,
        PAGE_SIZE_DEFAULT,
        PAGE_SIZE_MAX,
    )?;
    let filter = RegistrationFilter {
        status: query.status.unwrap_or(RegistrationStatus::Approved),
        agency: query.agency.as_deref(),
        search: query.q.as_deref(),
    };
    unit_registry::list(state, staff, &filter, &at).await
}

/// 单位档案: the unit's details, contact and registration.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitFile {
    pub id: String,
    pub unit_name: String,
    /// 统一社会信用代码 (also the unit's 账号 once approved)
    pub unit_code: String,
    pub unit_nature: String,
    pub certificate_type: String,
    pub certificate_valid_until: Option<String>,
    pub union_name: String,
    pub union_credit_code: String,
    pub agency_code: String,
    /// 中华全国总工会>中国职工保险互助会>河南省办事处>…
    pub agency_name: String,
    pub region_name: String,
    pub address: String,
    /// 涉密单位; absent for units registered before the question was asked
    pub classified: Option<bool>,
    /// The contact person, whole (the reading is recorded)
    pub contact: Contact,
    /// 注册状态
    pub status: RegistrationStatus,
    /// 待审核 / 已通过 / 未通过
    pub status_label: String,
    pub submitted_at: String,
    pub decided_at: Option<String>,
    /// Why the registration was refused (未通过)
    pub reject_reason: Option<String>,
    /// 账号, once approved
    pub account: Option<String>,
    /// A change of contact person waiting for a second reviewer
    pub pending_contact: Option<PendingContact>,
    /// The unit's own correction of its details waits for its agency
    pub details_change_pending: bool,
}

/// Opens a unit's file (404 outside the caller's jurisdiction) and records the reading.
pub async fn unit_file(state: &AppState, staff: &StaffUser, id: &str) -> ApiResult<UnitFile> {
    let unit = unit_for_staff(state, staff, id).await?;
    trail::record_read(
        state,
        &unit_pk(id),
        &staff.login,
        Role::Staff,
        "unit_file_viewed",
        "查看单位档案（含联系人信息）",
    )
    .await?;
    Ok(UnitFile {
        id: unit.id,
        unit_name: unit.unit_name,
        unit_code: unit.unit_code.into(),
        unit_nature: unit.unit_nature,
        certificate_type: unit.certificate_type,
        certificate_valid_until: unit.certificate_valid_until,
        union_name: unit.union_name,
        union_credit_code: unit.union_credit_code.into(),
        agency_code: unit.agency_code,
        agency_name: unit.agency_name,
        region_name: unit.region_name,
        address: unit.address,
        classified: unit.classified,
        contact: unit.contact,
        status: unit.status,
        status_label: unit.status.label().to_owned(),
        submitted_at: unit.submitted_at,
        decided_at: unit.decided_at,
        reject_reason: unit.reject_reason,
        account: unit.account,
        pending_contact: unit.pending_contact,
        details_change_pending: unit.pending_details.is_some(),
    })
}

/// The unit's applications in every state, newest first.
pub async fn applications(
    state: &AppState,
    staff: &StaffUser,
    id: &str,
    at: &PageAt,
) -> ApiResult<CursorPage<SearchRow>> {
    let unit = unit_for_staff(state, staff, id).await?;
    let (apps, next) = application::of_unit(&unit.id)
        .read_page_as::<Application>(state, at)
        .await?;
    let rows = apps.iter().map(SearchRow::of).collect::<ApiResult<Vec<_>>>()?;
    Ok(at.page(rows, None, next))
}

/// One certificate of the unit: the printed facts and the 回传状态 of its signed scan.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitCertificateRow {
    #[serde(flatten)]
    pub certificate: CertificateView,
    /// 申请书号
    pub application_number: String,
}

/// The unit's certificates, newest first.
pub async fn certificates(
    state: &AppState,
    staff: &StaffUser,
    id: &str,
    at: &PageAt,
) -> ApiResult<CursorPage<UnitCertificateRow>> {
    let unit = unit_for_staff(state, staff, id).await?;
    Ok(certificate::page_of_unit(state, &unit.id, at)
        .await?
        .map(|cert| UnitCertificateRow {
            certificate: CertificateView::from(&cert),
            application_number: cert.application_number,
        }))
}
