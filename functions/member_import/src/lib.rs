//! 人员清单维护 (unit only, own applications only): the member template, spreadsheet imports
//! as batches with failed-row files, the member list with edit and removal, 无名单 head counts,
//! 未到期 members, the member list download, and 一键续保 (a renewal draft pre-filled from a
//! certificate).
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use shared::platform::cursor::{CursorPage, CursorQuery};
use shared::platform::error::ErrorBody;
use shared::platform::http::{ApiJson, ApiPath, ApiQuery};
use shared::platform::openapi::signed_in;
use shared::platform::uploads::UploadTicket;
use shared::records::application::Application;
use shared::records::members::{MemberQuery, MemberView};
use shared::records::session::UnitUser;
use shared::steps::member_import::{
    self, ImportBatch, ImportProgress, MemberEdit, NewUnnamed, RenewalDiff, UnnamedEntry,
};
use shared::{ApiResult, AppState};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(template)).merge(signed_in(
        OpenApiRouter::new()
            .routes(routes!(import_upload))
            .routes(routes!(import_file, list_batches))
            .routes(routes!(import_progress))
            .routes(routes!(failed_rows))
            .routes(routes!(list_members))
            .routes(routes!(edit_member, remove_member))
            .routes(routes!(export_members))
            .routes(routes!(add_unnamed, list_unnamed))
            .routes(routes!(remove_unnamed))
            .routes(routes!(renew))
            .routes(routes!(renewal_diff)),
    ))
}

pub fn router(state: AppState) -> axum::Router {
    let (router, _) = api().split_for_parts();
    shared::platform::http::finish(router, state)
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn xlsx_download(file_name: &str, bytes: Vec<u8>) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, XLSX.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                shared::platform::http::content_disposition("attachment", "members.xlsx", file_name),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
}

/// 模板下载: 参保人信息模板-通用.xlsx
#[utoipa::path(get, path = "/api/templates/members", tag = "members",
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
async fn template() -> ApiResult<impl IntoResponse> {
    let bytes = member_import::template()?;
    Ok(xlsx_download(member_import::TEMPLATE_FILE_NAME, bytes))
}

#[derive(Debug, Deserialize, ToSchema)]
struct ImportUploadRequest {
    /// File size in bytes (≤ 5 MB)
    #[schema(minimum = 1, maximum = 5242880)]
    size: u64,
}

/// 人员清单导入 ①: a presigned PUT for the filled-in template.
#[utoipa::path(post, path = "/api/applications/{id}/import-uploads",
    params(("id" = String, Path, description = "application id")), tag = "members", request_body = ImportUploadRequest,
    responses((status = 200, body = UploadTicket), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn import_upload(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ImportUploadRequest>,
) -> ApiResult<Json<UploadTicket>> {
    Ok(Json(member_import::upload_ticket(&state, &unit, &id, req.size).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
struct ImportRequest {
    upload_id: String,
    /// The file's name as the clerk chose it (shown in the batch list).
    file_name: String,
}

/// 人员清单导入 ②: queues the uploaded file's import and answers at once (202, 处理中); the
/// import worker validates it (good rows become members, failed rows a file). Progress and the
/// result: `GET …/imports/current`.
#[utoipa::path(post, path = "/api/applications/{id}/imports",
    params(("id" = String, Path, description = "application id")), tag = "members", request_body = ImportRequest,
    responses((status = 202, body = ImportProgress), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn import_file(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ImportRequest>,
) -> ApiResult<(StatusCode, Json<ImportProgress>)> {
    let job = member_import::start_import(&state, &unit, &id, req.upload_id.trim(), &req.file_name).await?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}

/// 续保对比: last year's list against this renewal's (保留 / 减少 / 新增, and members now over
/// age, who need the 超龄证明).
#[utoipa::path(get, path = "/api/applications/{id}/renewal",
    params(("id" = String, Path, description = "application id")), tag = "members",
    responses((status = 200, body = RenewalDiff), (status = 404, body = ErrorBody)))]
async fn renewal_diff(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<RenewalDiff>> {
    Ok(Json(member_import::renewal_diff(&state, &unit, &id).await?))
}

/// 一键续保: a renewal draft of the certificate's activity inside its renewal window (by
/// default 30 days before the end of cover to 15 days after), pre-filled with its shares,
/// 在职人数 and 无名单; its named members are copied in the background like an import (progress:
/// `GET /api/applications/{id}/imports/current`). Once per certificate.
#[utoipa::path(post, path = "/api/certificates/{number}/renewal",
    params(("number" = String, Path, description = "确认书号")), tag = "members",
    responses((status = 201, body = Application), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn renew(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(number): ApiPath<String>,
) -> ApiResult<(StatusCode, Json<Application>)> {
    let app = member_import::renew(&state, &unit, &number).await?;
    Ok((StatusCode::CREATED, Json(app)))
}

/// 导入进度: the latest import of the application — 处理中 with rows read and written, then
/// 完成 with its batch or 失败 with the reason; 204 before the first import.
#[utoipa::path(get, path = "/api/applications/{id}/imports/current",
    params(("id" = String, Path, description = "application id")), tag = "members",
    responses((status = 200, body = ImportProgress), (status = 204, description = "no import yet"), (status = 404, body = ErrorBody)))]
async fn import_progress(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<axum::response::Response> {
    Ok(match member_import::progress(&state, &unit, &id).await? {
        Some(job) => Json(job).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// 导入批次列表, the latest first
#[utoipa::path(get, path = "/api/applications/{id}/imports",
    params(("id" = String, Path, description = "application id"), CursorQuery), tag = "members",
    responses((status = 200, body = CursorPage<ImportBatch>), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn list_batches(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(page): ApiQuery<CursorQuery>,
) -> ApiResult<Json<CursorPage<ImportBatch>>> {
    let at = page.at(member_import::BATCH_PAGE_DEFAULT, member_import::BATCH_PAGE_MAX)?;
    Ok(Json(member_import::batches(&state, &unit, &id, &at).await?))
}

#[derive(Debug, Serialize, ToSchema)]
struct DownloadLink {
    url: String,
    file_name: &'static str,
}

/// 失败人员名单下载 (a short-lived link)
#[utoipa::path(get, path = "/api/applications/{id}/imports/{batch_no}/failed-rows",
    params(("id" = String, Path, description = "application id"), ("batch_no" = u32, Path, description = "导入批次 number")), tag = "members",
    responses((status = 200, body = DownloadLink), (status = 404, body = ErrorBody)))]
async fn failed_rows(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath((id, batch_no)): ApiPath<(String, u32)>,
) -> ApiResult<Json<DownloadLink>> {
    let url = member_import::failed_rows_url(&state, &unit, &id, batch_no).await?;
    Ok(Json(DownloadLink {
        url,
        file_name: member_import::FAILED_ROWS_FILE_NAME,
    }))
}

/// 人员详情 (masked), one page; 上一页/下一页 with the cursors given, or a search by name or ID
#[utoipa::path(get, path = "/api/applications/{id}/members", tag = "members",
    params(("id" = String, Path, description = "application id"), MemberQuery),
    responses((status = 200, body = CursorPage<MemberView>), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_members(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<MemberQuery>,
) -> ApiResult<Json<CursorPage<MemberView>>> {
    let (filter, at) = q.parse()?;
    Ok(Json(member_import::list(&state, &unit, &id, &filter, &at).await?))
}

/// 人员修改
#[utoipa::path(put, path = "/api/applications/{id}/members/{member_id}",
    params(("id" = String, Path, description = "application id"), ("member_id" = String, Path, description = "member id (20 hex characters)")), tag = "members", request_body = MemberEdit,
    responses((status = 200, body = MemberView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn edit_member(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath((id, member_id)): ApiPath<(String, String)>,
    ApiJson(form): ApiJson<MemberEdit>,
) -> ApiResult<Json<MemberView>> {
    Ok(Json(member_import::edit(&state, &unit, &id, &member_id, form).await?))
}

/// 人员删除
#[utoipa::path(delete, path = "/api/applications/{id}/members/{member_id}",
    params(("id" = String, Path, description = "application id"), ("member_id" = String, Path, description = "member id (20 hex characters)")), tag = "members",
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn remove_member(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath((id, member_id)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    member_import::remove(&state, &unit, &id, &member_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 参保人员名单下载 (whole IDs; recorded in the trail)
#[utoipa::path(get, path = "/api/applications/{id}/members/export",
    params(("id" = String, Path, description = "application id")), tag = "members",
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = ErrorBody)))]
async fn export_members(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    let bytes = member_import::export(&state, &unit, &id).await?;
    Ok(xlsx_download(member_import::EXPORT_FILE_NAME, bytes))
}

/// 新增无名单
#[utoipa::path(post, path = "/api/applications/{id}/unnamed",
    params(("id" = String, Path, description = "application id")), tag = "members", request_body = NewUnnamed,
    responses((status = 201, body = UnnamedEntry), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn add_unnamed(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(form): ApiJson<NewUnnamed>,
) -> ApiResult<(StatusCode, Json<UnnamedEntry>)> {
    Ok((
        StatusCode::CREATED,
        Json(member_import::add_unnamed(&state, &unit, &id, form).await?),
    ))
}

/// 无名单 entries
#[utoipa::path(get, path = "/api/applications/{id}/unnamed",
    params(("id" = String, Path, description = "application id")), tag = "members",
    responses((status = 200, body = Vec<UnnamedEntry>), (status = 404, body = ErrorBody)))]
async fn list_unnamed(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Vec<UnnamedEntry>>> {
    Ok(Json(member_import::unnamed(&state, &unit, &id).await?))
}

/// 删除无名单
#[utoipa::path(delete, path = "/api/applications/{id}/unnamed/{entry_id}",
    params(("id" = String, Path, description = "application id"), ("entry_id" = String, Path, description = "entry id")), tag = "members",
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn remove_unnamed(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath((id, entry_id)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    member_import::remove_unnamed(&state, &unit, &id, &entry_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
