//! 注册审核 (staff): list and open registrations in one's jurisdiction, approve into a unit
//! account, reject with a reason, change an approved unit's contact person.
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use shared::platform::error::ErrorBody;
use shared::platform::http::ApiJson;
use shared::platform::paging::{Page, PageQuery};
use shared::records::account::Permission;
use shared::records::session::StaffUser;
use shared::records::unit::{Contact, ContactForm, RegistrationStatus};
use shared::steps::registration_review::{self, Decision, RegistrationDetail, RegistrationFilter, RegistrationSummary};
use shared::{ApiResult, AppState};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(show))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(change_contact))
}

pub fn router(state: AppState) -> axum::Router {
    let (router, _) = api().split_for_parts();
    shared::platform::http::finish(router, state)
}

#[derive(Debug, Deserialize, IntoParams)]
struct ListQuery {
    /// pending (default), approved or rejected
    status: Option<RegistrationStatus>,
    /// Part of the unit's name, or the start of its 单位代码
    q: Option<String>,
    /// 1-based
    page: Option<u32>,
    /// 10 by default, at most 100
    page_size: Option<u32>,
}

/// 注册审核列表
#[utoipa::path(get, path = "/api/staff/registrations", tag = "registration review", params(ListQuery),
    responses((status = 200, body = Page<RegistrationSummary>), (status = 403, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    staff: StaffUser,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Page<RegistrationSummary>>> {
    staff.require(Permission::RegistrationReview)?;
    let filter = RegistrationFilter {
        status: q.status.unwrap_or_default(),
        search: q.q.as_deref(),
        page: PageQuery {
            page: q.page,
            page_size: q.page_size,
        },
    };
    Ok(Json(registration_review::list_for_staff(&state, &staff, filter).await?))
}

/// 注册详情 (with the two images)
#[utoipa::path(get, path = "/api/staff/registrations/{id}", tag = "registration review",
    responses((status = 200, body = RegistrationDetail), (status = 404, body = ErrorBody)))]
async fn show(
    State(state): State<AppState>,
    staff: StaffUser,
    Path(id): Path<String>,
) -> ApiResult<Json<RegistrationDetail>> {
    staff.require(Permission::RegistrationReview)?;
    Ok(Json(registration_review::detail_for_staff(&state, &staff, &id).await?))
}

/// 审核通过 → unit account + SMS
#[utoipa::path(post, path = "/api/staff/registrations/{id}/approve", tag = "registration review",
    responses((status = 200, body = Decision), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn approve(State(state): State<AppState>, staff: StaffUser, Path(id): Path<String>) -> ApiResult<Json<Decision>> {
    staff.require(Permission::RegistrationReview)?;
    Ok(Json(registration_review::approve(&state, &staff, &id).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
struct RejectRequest {
    reason: String,
}

/// 审核不通过 (with a reason, sent by SMS)
#[utoipa::path(post, path = "/api/staff/registrations/{id}/reject", tag = "registration review", request_body = RejectRequest,
    responses((status = 200, body = Decision), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn reject(
    State(state): State<AppState>,
    staff: StaffUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RejectRequest>,
) -> ApiResult<Json<Decision>> {
    staff.require(Permission::RegistrationReview)?;
    Ok(Json(
        registration_review::reject(&state, &staff, &id, &req.reason).await?,
    ))
}

/// 更换联系人
#[utoipa::path(put, path = "/api/staff/units/{id}/contact", tag = "registration review", request_body = ContactForm,
    responses((status = 200, body = Contact), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn change_contact(
    State(state): State<AppState>,
    staff: StaffUser,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<ContactForm>,
) -> ApiResult<Json<Contact>> {
    staff.require(Permission::RegistrationReview)?;
    Ok(Json(
        registration_review::change_contact(&state, &staff, &id, &form).await?,
    ))
}
