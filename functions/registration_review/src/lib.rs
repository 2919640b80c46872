//! 注册审核 (staff): list and open registrations in one's jurisdiction, approve into a unit
//! account, reject with a reason, change an approved unit's contact person (asked by one
//! reviewer with the new mobile's code, approved by another), and decide a unit's own correction
//! of its details.
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use shared::domain::Mobile;
use shared::platform::cursor::{CursorPage, CursorQuery, PageAt};
use shared::platform::error::{ApiError, ErrorBody};
use shared::platform::http::ApiQuery;
use shared::platform::http::{ApiJson, ApiPath, ClientAddress};
use shared::platform::openapi::signed_in;
use shared::platform::paging;
use shared::records::account::Permission;
use shared::records::session::StaffUser;
use shared::records::sms_code::CodeSent;
use shared::records::trail::{self, TrailEntry};
use shared::records::unit::{Contact, ContactForm, PendingContact, RegistrationStatus};
use shared::steps::contact_change;
use shared::steps::registration_review::{self, Decision, RegistrationDetail, RegistrationFilter, RegistrationSummary};
use shared::steps::unit_details::{self, DetailsChangeRow};
use shared::{ApiResult, AppState};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api() -> OpenApiRouter<AppState> {
    signed_in(
        OpenApiRouter::new()
            .routes(routes!(list))
            .routes(routes!(show))
            .routes(routes!(trail))
            .routes(routes!(approve))
            .routes(routes!(reject))
            .routes(routes!(contact_code))
            .routes(routes!(request_contact_change))
            .routes(routes!(approve_contact_change))
            .routes(routes!(reject_contact_change))
            .routes(routes!(details_changes))
            .routes(routes!(approve_details))
            .routes(routes!(reject_details)),
    )
}

pub fn router(state: AppState) -> axum::Router {
    let (router, _) = api().split_for_parts();
    shared::platform::http::finish(router, state)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// pending (default), approved or rejected
    status: Option<RegistrationStatus>,
    /// Part of the unit's name, or the start of its 单位代码
    #[param(max_length = 50)]
    q: Option<String>,
    /// `next` of the page before (absent: the first page)
    #[param(max_length = 1024)]
    cursor: Option<String>,
    /// 10 by default, at most 100 (a larger size is taken as the maximum)
    #[serde(default, deserialize_with = "paging::page_size")]
    #[param(minimum = 1, maximum = 1000)]
    page_size: Option<u32>,
}

/// 注册审核列表
#[utoipa::path(get, path = "/api/staff/registrations", tag = "registration review", params(ListQuery),
    responses((status = 200, body = CursorPage<RegistrationSummary>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<CursorPage<RegistrationSummary>>> {
    staff.require(Permission::RegistrationReview)?;
    let at = PageAt::new(
        q.cursor.as_deref(),
        q.page_size,
        registration_review::PAGE_SIZE_DEFAULT,
        registration_review::PAGE_SIZE_MAX,
    )?;
    let filter = RegistrationFilter {
        status: q.status.unwrap_or_default(),
        agency: None,
        search: q.q.as_deref(),
    };
    Ok(Json(
        registration_review::list_for_staff(&state, &staff, filter, &at).await?,
    ))
}

/// 操作轨迹 of the unit (registration, contact changes, every look at its record), newest first
#[utoipa::path(get, path = "/api/staff/registrations/{id}/trail",
    params(("id" = String, Path, description = "registration (unit) id"), CursorQuery), tag = "registration review",
    responses((status = 200, body = CursorPage<TrailEntry>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn trail(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(page): ApiQuery<CursorQuery>,
) -> ApiResult<Json<CursorPage<TrailEntry>>> {
    let at = page.at(trail::PAGE_SIZE_DEFAULT, trail::PAGE_SIZE_MAX)?;
    Ok(Json(registration_review::trail(&state, &staff, &id, &at).await?))
}

/// 注册详情 (with the two images; the trail is read from `…/trail`)
#[utoipa::path(get, path = "/api/staff/registrations/{id}",
    params(("id" = String, Path, description = "registration (unit) id")), tag = "registration review",
    responses((status = 200, body = RegistrationDetail), (status = 404, body = ErrorBody)))]
async fn show(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<RegistrationDetail>> {
    staff.require(Permission::RegistrationReview)?;
    Ok(Json(registration_review::detail_for_staff(&state, &staff, &id).await?))
}

/// 审核通过 → unit account + SMS
#[utoipa::path(post, path = "/api/staff/registrations/{id}/approve",
    params(("id" = String, Path, description = "registration (unit) id")), tag = "registration review",
    responses((status = 200, body = Decision), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn approve(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Decision>> {
    staff.require(Permission::RegistrationReview)?;
    Ok(Json(registration_review::approve(&state, &staff, &id).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
struct RejectRequest {
    reason: String,
}

/// 审核不通过 (with a reason, sent by SMS)
#[utoipa::path(post, path = "/api/staff/registrations/{id}/reject",
    params(("id" = String, Path, description = "registration (unit) id")), tag = "registration review", request_body = RejectRequest,
    responses((status = 200, body = Decision), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn reject(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<RejectRequest>,
) -> ApiResult<Json<Decision>> {
    staff.require(Permission::RegistrationReview)?;
    Ok(Json(
        registration_review::reject(&state, &staff, &id, &req.reason).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
struct ContactCodeRequest {
    /// The new contact's mobile
    mobile: String,
}

/// 更换联系人, step 1: an SMS code to the new contact's mobile, which they read back.
#[utoipa::path(post, path = "/api/staff/units/{id}/contact-codes", tag = "registration review",
    params(("id" = String, Path, description = "unit id")), request_body = ContactCodeRequest,
    responses((status = 200, body = CodeSent), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
async fn contact_code(
    State(state): State<AppState>,
    staff: StaffUser,
    source: ClientAddress,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ContactCodeRequest>,
) -> ApiResult<Json<CodeSent>> {
    staff.require(Permission::RegistrationReview)?;
    let mobile = Mobile::parse(&req.mobile).map_err(|e| ApiError::from_reason(&e))?;
    Ok(Json(
        contact_change::send_code(&state, &staff, &id, &mobile, &source).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
struct ContactChangeRequest {
    #[serde(flatten)]
    contact: ContactForm,
    /// The code the new contact received
    #[serde(default)]
    sms_code: String,
}

/// 更换联系人, step 2: the request, with the new mobile's code; the current contact is told by
/// SMS and the change waits for a second reviewer.
#[utoipa::path(put, path = "/api/staff/units/{id}/contact", tag = "registration review",
    params(("id" = String, Path, description = "unit id")), request_body = ContactChangeRequest,
    responses((status = 202, body = PendingContact), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn request_contact_change(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ContactChangeRequest>,
) -> ApiResult<(StatusCode, Json<PendingContact>)> {
    staff.require(Permission::RegistrationReview)?;
    let pending = contact_change::request(&state, &staff, &id, &req.contact, &req.sms_code).await?;
    Ok((StatusCode::ACCEPTED, Json(pending)))
}

/// 更换联系人, step 3: another reviewer approves; the new contact gets the account by SMS.
#[utoipa::path(post, path = "/api/staff/units/{id}/contact/approve", tag = "registration review",
    params(("id" = String, Path, description = "unit id")),
    responses((status = 200, body = Contact), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn approve_contact_change(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Contact>> {
    staff.require(Permission::RegistrationReview)?;
    Ok(Json(contact_change::approve(&state, &staff, &id).await?))
}

/// 更换联系人: 驳回 (or withdraw) a pending request.
#[utoipa::path(post, path = "/api/staff/units/{id}/contact/reject", tag = "registration review",
    params(("id" = String, Path, description = "unit id")), request_body = RejectRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn reject_contact_change(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<RejectRequest>,
) -> ApiResult<StatusCode> {
    staff.require(Permission::RegistrationReview)?;
    contact_change::reject(&state, &staff, &id, &req.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 单位信息变更审核: the corrections waiting in the caller's subtree, oldest first
#[utoipa::path(get, path = "/api/staff/unit-details-changes", tag = "registration review", params(CursorQuery),
    responses((status = 200, body = CursorPage<DetailsChangeRow>), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn details_changes(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiQuery(page): ApiQuery<CursorQuery>,
) -> ApiResult<Json<CursorPage<DetailsChangeRow>>> {
    let at = page.at(
        registration_review::PAGE_SIZE_DEFAULT,
        registration_review::PAGE_SIZE_MAX,
    )?;
    Ok(Json(unit_details::list_for_staff(&state, &staff, &at).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
struct DetailsDecision {
    /// requested_at of the correction as listed: a newer one is not decided unseen
    requested_at: String,
    /// 驳回原因 (驳回 only)
    reason: String,
}

/// 单位信息变更: 审核通过 (the new details take effect; SMS to the unit)
#[utoipa::path(post, path = "/api/staff/units/{id}/details/approve", tag = "registration review",
    params(("id" = String, Path, description = "unit id")), request_body = DetailsDecision,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn approve_details(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<DetailsDecision>,
) -> ApiResult<StatusCode> {
    unit_details::decide(&state, &staff, &id, &req.requested_at, unit_details::Decision::Approve).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 单位信息变更: 驳回 with a reason (the old details stay; SMS to the unit)
#[utoipa::path(post, path = "/api/staff/units/{id}/details/reject", tag = "registration review",
    params(("id" = String, Path, description = "unit id")), request_body = DetailsDecision,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn reject_details(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<DetailsDecision>,
) -> ApiResult<StatusCode> {
    unit_details::decide(
        &state,
        &staff,
        &id,
        &req.requested_at,
        unit_details::Decision::Reject(req.reason),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
