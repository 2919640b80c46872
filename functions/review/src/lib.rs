//! 初审/复审/终审 (staff): the queue of each level in one's jurisdiction, the full application
//! with members, self-check, attachments and trail; approve or return; 费用调整 (补贴金额,
//! 赠险金额) before invoice data exists; and the staff home page's figures (首页统计).
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use shared::platform::cursor::{CursorPage, CursorQuery, PageAt};
use shared::platform::error::ErrorBody;
use shared::platform::http::{ApiJson, ApiPath, ApiQuery};
use shared::platform::openapi::signed_in;
use shared::platform::paging;
use shared::records::members::{MemberQuery, MemberView};
use shared::records::overview::Dashboard;
use shared::records::self_check::{self, SelfCheck};
use shared::records::session::StaffUser;
use shared::records::trail::{self, TrailEntry};
use shared::steps::dashboard;
use shared::steps::dashboard::NotRenewedRow;
use shared::steps::export::{self, ExportRequest, ExportView};
use shared::steps::review::{
    self, ApproveRequest, CoverageLookup, ReturnRequest, ReviewDecision, ReviewLevel, ReviewRow, StaffApplicationView,
};
use shared::steps::search::{self, SearchQuery, SearchRow};
use shared::steps::unit_registry::{self, RegistrationSummary, UnitCertificateRow, UnitFile, UnitsQuery};
use shared::{ApiResult, AppState};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api() -> OpenApiRouter<AppState> {
    signed_in(
        OpenApiRouter::new()
            .routes(routes!(queue))
            .routes(routes!(show))
            .routes(routes!(trail))
            .routes(routes!(members))
            .routes(routes!(self_check_page))
            .routes(routes!(approve))
            .routes(routes!(return_application))
            .routes(routes!(coverage_lookup))
            .routes(routes!(dashboard))
            .routes(routes!(search))
            .routes(routes!(request_export, my_exports))
            .routes(routes!(export_status))
            .routes(routes!(not_renewed))
            .routes(routes!(units))
            .routes(routes!(unit_file))
            .routes(routes!(unit_applications))
            .routes(routes!(unit_certificates)),
    )
}

pub fn router(state: AppState) -> axum::Router {
    let (router, _) = api().split_for_parts();
    shared::platform::http::finish(router, state)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct QueueQuery {
    /// 1 初审, 2 复审, 3 终审
    #[param(required = true, minimum = 1, maximum = 3)]
    level: Option<u64>,
    /// `next` of the page before (absent: the first page)
    #[param(max_length = 1024)]
    cursor: Option<String>,
    /// 1 … 100 (default 20) (a larger size is taken as the maximum)
    #[serde(default, deserialize_with = "paging::page_size")]
    #[param(minimum = 1, maximum = 1000)]
    page_size: Option<u32>,
}

/// 审核列表: applications waiting at one level in the caller's jurisdiction, agency by agency
/// and oldest first, a page at a time
#[utoipa::path(get, path = "/api/staff/reviews", tag = "review", params(QueueQuery),
    responses((status = 200, body = CursorPage<ReviewRow>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn queue(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> ApiResult<Json<CursorPage<ReviewRow>>> {
    let level = ReviewLevel::parse(q.level)?;
    let at = PageAt::new(
        q.cursor.as_deref(),
        q.page_size,
        review::PAGE_SIZE_DEFAULT,
        review::PAGE_SIZE_MAX,
    )?;
    Ok(Json(review::queue(&state, &staff, level, &at).await?))
}

/// 审核详情: base info, activity table, fees, self-check, attachments (with links); the trail
/// is read a page at a time from `…/trail`
#[utoipa::path(get, path = "/api/staff/applications/{id}",
    params(("id" = String, Path, description = "application id")), tag = "review",
    responses((status = 200, body = StaffApplicationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn show(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<StaffApplicationView>> {
    Ok(Json(review::view(&state, &staff, &id).await?))
}

/// 操作轨迹 of the application, newest first
#[utoipa::path(get, path = "/api/staff/applications/{id}/trail",
    params(("id" = String, Path, description = "application id"), CursorQuery), tag = "review",
    responses((status = 200, body = CursorPage<TrailEntry>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn trail(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(page): ApiQuery<CursorQuery>,
) -> ApiResult<Json<CursorPage<TrailEntry>>> {
    let at = page.at(trail::PAGE_SIZE_DEFAULT, trail::PAGE_SIZE_MAX)?;
    Ok(Json(review::trail(&state, &staff, &id, &at).await?))
}

/// 人员清单: the members, a page at a time (上一页/下一页) or searched by name or ID, names,
/// IDs and phones masked
#[utoipa::path(get, path = "/api/staff/applications/{id}/members", tag = "review",
    params(("id" = String, Path, description = "application id"), MemberQuery),
    responses((status = 200, body = CursorPage<MemberView>), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn members(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<MemberQuery>,
) -> ApiResult<Json<CursorPage<MemberView>>> {
    let (filter, at) = q.parse()?;
    Ok(Json(review::members_page(&state, &staff, &id, &filter, &at).await?))
}

/// 参保自核信息, one page (the full view carries the first): over-age, then under-age members
#[utoipa::path(get, path = "/api/staff/applications/{id}/self-check", tag = "review",
    params(("id" = String, Path, description = "application id"), CursorQuery),
    responses((status = 200, body = SelfCheck), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn self_check_page(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<CursorQuery>,
) -> ApiResult<Json<SelfCheck>> {
    let at = q.at(self_check::PAGE_SIZE_DEFAULT, self_check::PAGE_SIZE_MAX)?;
    Ok(Json(review::self_check_page(&state, &staff, &id, &at).await?))
}

/// 审核通过 at a level (终审: → 待开票, SMS with the amount due)
#[utoipa::path(post, path = "/api/staff/applications/{id}/approve",
    params(("id" = String, Path, description = "application id")), tag = "review", request_body = ApproveRequest,
    responses((status = 200, body = ReviewDecision), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn approve(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ApproveRequest>,
) -> ApiResult<Json<ReviewDecision>> {
    Ok(Json(review::approve(&state, &staff, &id, &req).await?))
}

/// 退回 with a reason: back to draft, SMS to the unit contact
#[utoipa::path(post, path = "/api/staff/applications/{id}/return",
    params(("id" = String, Path, description = "application id")), tag = "review", request_body = ReturnRequest,
    responses((status = 200, body = ReviewDecision), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn return_application(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ReturnRequest>,
) -> ApiResult<Json<ReviewDecision>> {
    Ok(Json(review::return_application(&state, &staff, &id, &req).await?))
}

/// `?id_number=` of 参保记录查询.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct CoverageQuery {
    /// 证件号码, whole (6–30 letters or digits)
    #[param(max_length = 64)]
    #[serde(default)]
    id_number: String,
}

/// 参保记录查询: one person's coverages in the caller's jurisdiction (unit, activity,
/// certificate, 保障期间, 续保/新参, observation end); each lookup is recorded with who and when.
#[utoipa::path(get, path = "/api/staff/coverage", params(CoverageQuery), tag = "review",
    responses((status = 200, body = CoverageLookup), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn coverage_lookup(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiQuery(query): ApiQuery<CoverageQuery>,
) -> ApiResult<Json<CoverageLookup>> {
    Ok(Json(review::coverage_lookup(&state, &staff, &query.id_number).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DashboardQuery {
    /// An agency in the caller's jurisdiction (default: the caller's own)
    #[param(max_length = 32)]
    agency: Option<String>,
    /// 年度 (default: this year, Beijing)
    #[param(minimum = 2000, maximum = 2100)]
    year: Option<i32>,
}

/// 首页统计: applications by state, people insured and fees received for an agency and each
/// agency below it, this year against last, from the tallies the workflow keeps
#[utoipa::path(get, path = "/api/staff/dashboard", tag = "review", params(DashboardQuery),
    responses((status = 200, body = Dashboard), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn dashboard(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiQuery(q): ApiQuery<DashboardQuery>,
) -> ApiResult<Json<Dashboard>> {
    Ok(Json(
        dashboard::dashboard(&state, &staff, q.agency.as_deref(), q.year).await?,
    ))
}

/// 未续保单位: units of the agency's subtree insured last year and not yet this year, agency by
/// agency, a page at a time (contacts masked); the total is 首页统计's 未续保
#[utoipa::path(get, path = "/api/staff/not-renewed", tag = "review", params(DashboardQuery, CursorQuery),
    responses((status = 200, body = CursorPage<NotRenewedRow>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn not_renewed(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiQuery(q): ApiQuery<DashboardQuery>,
    ApiQuery(page): ApiQuery<CursorQuery>,
) -> ApiResult<Json<CursorPage<NotRenewedRow>>> {
    let at = page.at(20, 100)?;
    Ok(Json(
        dashboard::not_renewed(&state, &staff, q.agency.as_deref(), q.year, &at).await?,
    ))
}

/// 业务查询: applications of the caller's jurisdiction in every state, by unit name or code,
/// 申请书号, 确认书号, activity, state and dates, a page at a time
#[utoipa::path(get, path = "/api/staff/search/applications", tag = "review", params(SearchQuery),
    responses((status = 200, body = CursorPage<SearchRow>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn search(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Json<CursorPage<SearchRow>>> {
    Ok(Json(search::search(&state, &staff, &q).await?))
}

/// 导出: queue a spreadsheet of 业务查询's result, the units not yet renewed or 首页统计's tables
/// (checked as the screen's own request); the worker builds it, `GET /api/staff/exports/{id}`
/// offers it once 完成
#[utoipa::path(post, path = "/api/staff/exports", tag = "review", request_body = ExportRequest,
    responses((status = 202, body = ExportView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn request_export(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiJson(req): ApiJson<ExportRequest>,
) -> ApiResult<(StatusCode, Json<ExportView>)> {
    Ok((StatusCode::ACCEPTED, Json(export::request(&state, &staff, &req).await?)))
}

/// 导出记录: the caller's exports, newest first
#[utoipa::path(get, path = "/api/staff/exports", tag = "review", params(CursorQuery),
    responses((status = 200, body = CursorPage<ExportView>), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn my_exports(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiQuery(q): ApiQuery<CursorQuery>,
) -> ApiResult<Json<CursorPage<ExportView>>> {
    let at = q.at(export::PAGE_SIZE_DEFAULT, export::PAGE_SIZE_MAX)?;
    Ok(Json(export::mine(&state, &staff, &at).await?))
}

/// One export of the caller's: its state, and once 完成 a download link (10 minutes)
#[utoipa::path(get, path = "/api/staff/exports/{id}", tag = "review",
    params(("id" = String, Path, description = "export id")),
    responses((status = 200, body = ExportView), (status = 404, body = ErrorBody)))]
async fn export_status(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ExportView>> {
    Ok(Json(export::status(&state, &staff, &id).await?))
}

/// 单位查询: the units of the caller's jurisdiction (registered by default), by name or
/// 统一社会信用代码, agency by agency, a page at a time (contacts masked)
#[utoipa::path(get, path = "/api/staff/units", tag = "review", params(UnitsQuery),
    responses((status = 200, body = CursorPage<RegistrationSummary>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn units(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiQuery(q): ApiQuery<UnitsQuery>,
) -> ApiResult<Json<CursorPage<RegistrationSummary>>> {
    Ok(Json(unit_registry::units(&state, &staff, &q).await?))
}

/// 单位档案: a unit's details, contact (whole; the reading is recorded) and registration
#[utoipa::path(get, path = "/api/staff/units/{id}", tag = "review",
    params(("id" = String, Path, description = "unit id")),
    responses((status = 200, body = UnitFile), (status = 404, body = ErrorBody)))]
async fn unit_file(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<UnitFile>> {
    Ok(Json(unit_registry::unit_file(&state, &staff, &id).await?))
}

/// 单位档案 · 申请书: the unit's applications in every state, newest first
#[utoipa::path(get, path = "/api/staff/units/{id}/applications", tag = "review",
    params(("id" = String, Path, description = "unit id"), CursorQuery),
    responses((status = 200, body = CursorPage<SearchRow>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn unit_applications(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<CursorQuery>,
) -> ApiResult<Json<CursorPage<SearchRow>>> {
    let at = q.at(unit_registry::PAGE_SIZE_DEFAULT, unit_registry::PAGE_SIZE_MAX)?;
    Ok(Json(unit_registry::applications(&state, &staff, &id, &at).await?))
}

/// 单位档案 · 确认书: the unit's certificates with their 回传状态, newest first
#[utoipa::path(get, path = "/api/staff/units/{id}/certificates", tag = "review",
    params(("id" = String, Path, description = "unit id"), CursorQuery),
    responses((status = 200, body = CursorPage<UnitCertificateRow>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn unit_certificates(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<CursorQuery>,
) -> ApiResult<Json<CursorPage<UnitCertificateRow>>> {
    let at = q.at(unit_registry::PAGE_SIZE_DEFAULT, unit_registry::PAGE_SIZE_MAX)?;
    Ok(Json(unit_registry::certificates(&state, &staff, &id, &at).await?))
}
