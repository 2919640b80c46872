//! 参保录入 (unit): ① create a draft for an activity, ③ the summary with base info and the
//! activity table, 在职职工人数 and 参保说明, 参保自核信息, 附件信息, 完成 (submit for 初审) and
//! 操作轨迹. Only the unit's own applications exist for it; only drafts change.
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shared::platform::cursor::{CursorPage, CursorQuery};
use shared::platform::error::ErrorBody;
use shared::platform::http::{ApiJson, ApiPath, ApiQuery};
use shared::platform::openapi::signed_in;
use shared::platform::uploads::UploadTicket;
use shared::records::application::Application;
use shared::records::application_detail::ApplicationDetail;
use shared::records::attachment::AttachmentView;
use shared::records::self_check::{self, SelfCheck};
use shared::records::session::UnitUser;
use shared::records::trail::{self, TrailEntry};
use shared::steps::attachments::{self, AttachmentLink, AttachmentUploadRequest, NewAttachment};
use shared::steps::enrollment::{
    self, ApplicationEdit, ApplicationListQuery, ApplicationSummary, Attention, NewApplication,
};
use shared::{ApiResult, AppState};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api() -> OpenApiRouter<AppState> {
    signed_in(
        OpenApiRouter::new()
            .routes(routes!(create, list))
            .routes(routes!(show, update))
            .routes(routes!(self_check))
            .routes(routes!(attachment_ticket))
            .routes(routes!(add_attachment, list_attachments))
            .routes(routes!(download_attachment, delete_attachment))
            .routes(routes!(submit))
            .routes(routes!(trail))
            .routes(routes!(attention)),
    )
}

pub fn router(state: AppState) -> axum::Router {
    let (router, _) = api().split_for_parts();
    shared::platform::http::finish(router, state)
}

/// ① 新建参保录入: activity, sub-category and shares → a draft
#[utoipa::path(post, path = "/api/applications", tag = "enrollment", request_body = NewApplication,
    responses((status = 201, body = Application), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiJson(req): ApiJson<NewApplication>,
) -> ApiResult<(StatusCode, Json<Application>)> {
    Ok((
        StatusCode::CREATED,
        Json(enrollment::create(&state, &unit, &req).await?),
    ))
}

/// 参保录入列表: the unit's applications, newest first, a page at a time
#[utoipa::path(get, path = "/api/applications", tag = "enrollment", params(ApplicationListQuery),
    responses((status = 200, body = CursorPage<ApplicationSummary>), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiQuery(q): ApiQuery<ApplicationListQuery>,
) -> ApiResult<Json<CursorPage<ApplicationSummary>>> {
    Ok(Json(enrollment::list(&state, &unit, &q).await?))
}

/// ③ 参保信息录入: base info and the activity table
#[utoipa::path(get, path = "/api/applications/{id}",
    params(("id" = String, Path, description = "application id")), tag = "enrollment",
    responses((status = 200, body = ApplicationDetail), (status = 404, body = ErrorBody)))]
async fn show(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ApplicationDetail>> {
    Ok(Json(enrollment::detail(&state, &unit, &id).await?))
}

/// 在职职工人数, 在职女职工人数 and 参保说明 of a draft (all three replaced)
#[utoipa::path(put, path = "/api/applications/{id}",
    params(("id" = String, Path, description = "application id")), tag = "enrollment", request_body = ApplicationEdit,
    responses((status = 200, body = ApplicationDetail), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(edit): ApiJson<ApplicationEdit>,
) -> ApiResult<Json<ApplicationDetail>> {
    Ok(Json(enrollment::update(&state, &unit, &id, &edit).await?))
}

/// 参保自核信息, one page: over-age members first, then under-age ones
#[utoipa::path(get, path = "/api/applications/{id}/self-check",
    params(("id" = String, Path, description = "application id"), CursorQuery), tag = "enrollment",
    responses((status = 200, body = SelfCheck), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn self_check(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<CursorQuery>,
) -> ApiResult<Json<SelfCheck>> {
    let at = q.at(self_check::PAGE_SIZE_DEFAULT, self_check::PAGE_SIZE_MAX)?;
    Ok(Json(enrollment::self_check_for_unit(&state, &unit, &id, &at).await?))
}

/// 附件上传: a presigned PUT for one file (≤ 10 MB; PDF, JPG or PNG)
#[utoipa::path(post, path = "/api/applications/{id}/attachment-uploads",
    params(("id" = String, Path, description = "application id")), tag = "enrollment",
    request_body = AttachmentUploadRequest,
    responses((status = 200, body = UploadTicket), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn attachment_ticket(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<AttachmentUploadRequest>,
) -> ApiResult<Json<UploadTicket>> {
    Ok(Json(attachments::upload_ticket(&state, &unit, &id, &req).await?))
}

/// 附件信息: attach an uploaded file (超龄证明 or 其他)
#[utoipa::path(post, path = "/api/applications/{id}/attachments",
    params(("id" = String, Path, description = "application id")), tag = "enrollment", request_body = NewAttachment,
    responses((status = 201, body = AttachmentView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_attachment(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<NewAttachment>,
) -> ApiResult<(StatusCode, Json<AttachmentView>)> {
    Ok((
        StatusCode::CREATED,
        Json(attachments::add(&state, &unit, &id, &req).await?),
    ))
}

/// 附件信息: the application's attachments
#[utoipa::path(get, path = "/api/applications/{id}/attachments",
    params(("id" = String, Path, description = "application id")), tag = "enrollment",
    responses((status = 200, body = Vec<AttachmentView>), (status = 404, body = ErrorBody)))]
async fn list_attachments(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Vec<AttachmentView>>> {
    Ok(Json(attachments::list_for_unit(&state, &unit, &id).await?))
}

/// 附件下载: a short-lived link
#[utoipa::path(get, path = "/api/applications/{id}/attachments/{attachment_id}",
    params(("id" = String, Path, description = "application id"), ("attachment_id" = String, Path, description = "attachment id")), tag = "enrollment",
    responses((status = 200, body = AttachmentLink), (status = 404, body = ErrorBody)))]
async fn download_attachment(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath((id, attachment_id)): ApiPath<(String, String)>,
) -> ApiResult<Json<AttachmentLink>> {
    Ok(Json(attachments::download(&state, &unit, &id, &attachment_id).await?))
}

/// 附件删除 (drafts only)
#[utoipa::path(delete, path = "/api/applications/{id}/attachments/{attachment_id}",
    params(("id" = String, Path, description = "application id"), ("attachment_id" = String, Path, description = "attachment id")), tag = "enrollment",
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_attachment(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath((id, attachment_id)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    attachments::remove(&state, &unit, &id, &attachment_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 完成: submit the draft for 初审
#[utoipa::path(post, path = "/api/applications/{id}/submit",
    params(("id" = String, Path, description = "application id")), tag = "enrollment",
    responses((status = 200, body = ApplicationSummary), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn submit(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ApplicationSummary>> {
    Ok(Json(enrollment::submit(&state, &unit, &id).await?))
}

/// 操作轨迹: who did what, when (newest first)
#[utoipa::path(get, path = "/api/applications/{id}/trail",
    params(("id" = String, Path, description = "application id"), CursorQuery), tag = "enrollment",
    responses((status = 200, body = CursorPage<TrailEntry>), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn trail(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(page): ApiQuery<CursorQuery>,
) -> ApiResult<Json<CursorPage<TrailEntry>>> {
    let at = page.at(trail::PAGE_SIZE_DEFAULT, trail::PAGE_SIZE_MAX)?;
    Ok(Json(enrollment::trail_for_unit(&state, &unit, &id, &at).await?))
}

/// The unit's menu badges: drafts returned by a reviewer and not yet submitted again
#[utoipa::path(get, path = "/api/unit/attention", tag = "enrollment",
    responses((status = 200, body = Attention), (status = 403, body = ErrorBody)))]
async fn attention(State(state): State<AppState>, unit: UnitUser) -> ApiResult<Json<Attention>> {
    Ok(Json(enrollment::attention(&state, &unit).await?))
}
