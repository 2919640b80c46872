//! 参保单位 as staff find them: the registrations of a status in an agency's subtree (index
//! gsi1 `REG#<status>`, sorted by agency path), narrowed by the unit's name or code and read a
//! page at a time. 注册审核 reads the pending ones; 单位档案 the approved.
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::mask_name;
use crate::platform::cursor::{self, CursorPage, IndexList, PageAt};
use crate::platform::db::s;
use crate::platform::error::{ApiError, ApiResult};
use crate::platform::state::AppState;
use crate::records::session::StaffUser;
use crate::records::transition::Workflow;
use crate::records::unit::{RegistrationStatus, Unit};
use crate::reference;

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

/// Longest search text (a unit name is at most this long).
pub const MAX_SEARCH_CHARS: usize = 50;

/// Which registrations a staff list shows: a status, optionally narrowed by unit name or code.
#[derive(Debug, Default)]
pub struct RegistrationFilter<'a> {
    pub status: RegistrationStatus,
    /// An agency within the caller's jurisdiction (default: the caller's own subtree)
    pub agency: Option<&'a str>,
    /// Part of the 单位名称, or the start of the 单位代码 (case-insensitive).
    pub search: Option<&'a str>,
}

impl RegistrationFilter<'_> {
    /// The list in the staff member's subtree, narrowed by the search as the table reads it.
    fn list(&self, staff: &StaffUser) -> ApiResult<IndexList> {
        let prefix = match self.agency.map(str::trim).filter(|a| !a.is_empty()) {
            None => staff.subtree_prefix(),
            Some(agency) => {
                staff.require_jurisdiction(agency)?;
                reference::path(agency).ok_or_else(|| ApiError::not_found("NOT_FOUND", "未找到该机构"))?
            }
        };
        let list = cursor::subtree_queue(self.status.queue(), &prefix);
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
pub async fn list(
    state: &AppState,
    staff: &StaffUser,
    filter: &RegistrationFilter<'_>,
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
