//! 确认书打印 (unit, own certificates only): the list and printing; 确认书回传, the signed scan
//! the unit returns and its agency archives or returns; the public verification of a printed
//! certificate; the 超龄人员在职证明 template (public: a blank form).
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use shared::platform::cursor::{CursorPage, CursorQuery};
use shared::platform::error::ErrorBody;
use shared::platform::http::{ApiJson, ApiPath, ApiQuery};
use shared::platform::openapi::signed_in;
use shared::platform::uploads::{Link, UploadTicket};
use shared::records::certificate::ReturnStatus;
use shared::records::session::{StaffUser, UnitUser};
use shared::steps::certificate::{self, CertificateView, PrintedCertificate, Verification};
use shared::steps::signed_copy::{self, Decision, ReturnRow, SignedCopyView};
use shared::{ApiResult, AppState};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(verify))
        .routes(routes!(overage_template))
        .merge(signed_in(
            OpenApiRouter::new()
                .routes(routes!(list))
                .routes(routes!(print))
                .routes(routes!(signed_copy_ticket))
                .routes(routes!(submit_signed_copy, open_signed_copy))
                .routes(routes!(staff_returns))
                .routes(routes!(staff_open_signed_copy))
                .routes(routes!(archive_signed_copy))
                .routes(routes!(refuse_signed_copy)),
        ))
}

pub fn router(state: AppState) -> axum::Router {
    let (router, _) = api().split_for_parts();
    shared::platform::http::finish(router, state)
}

/// The origin the QR code points at: `PUBLIC_BASE_URL` when configured (the site's public
/// address), else the origin this request came to.
fn public_base(headers: &HeaderMap) -> String {
    if let Ok(base) = std::env::var("PUBLIC_BASE_URL")
        && !base.trim().is_empty()
    {
        return base.trim().to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)))
        .unwrap_or("localhost");
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https" || *p == "http")
        .unwrap_or("http");
    format!("{proto}://{host}")
}

/// 确认书打印 list: the unit's certificates, newest first
#[utoipa::path(get, path = "/api/certificates", tag = "certificate", params(CursorQuery),
    responses((status = 200, body = CursorPage<CertificateView>), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiQuery(page): ApiQuery<CursorQuery>,
) -> ApiResult<Json<CursorPage<CertificateView>>> {
    let at = page.at(certificate::PAGE_SIZE_DEFAULT, certificate::PAGE_SIZE_MAX)?;
    Ok(Json(certificate::list_for_unit(&state, &unit, &at).await?))
}

/// 确认书打印: renders and stores the PDF, counts the print; answers a link that opens it
#[utoipa::path(post, path = "/api/certificates/{number}/print",
    params(("number" = String, Path, description = "证书编号 (certificate number)")), tag = "certificate",
    responses((status = 200, body = PrintedCertificate), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn print(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(number): ApiPath<String>,
    headers: HeaderMap,
) -> ApiResult<Json<PrintedCertificate>> {
    Ok(Json(
        certificate::print(&state, &unit, &number, &public_base(&headers)).await?,
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
struct ScanUploadRequest {
    /// application/pdf
    content_type: String,
    /// Size in bytes (≤ 10 MB), checked again after the upload
    size: u64,
}

/// 确认书回传, step 1: a presigned PUT for the signed, stamped scan (PDF ≤ 10 MB)
#[utoipa::path(post, path = "/api/certificates/{number}/signed-copy-uploads",
    params(("number" = String, Path, description = "确认书号")), tag = "certificate", request_body = ScanUploadRequest,
    responses((status = 200, body = UploadTicket), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn signed_copy_ticket(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(number): ApiPath<String>,
    ApiJson(req): ApiJson<ScanUploadRequest>,
) -> ApiResult<Json<UploadTicket>> {
    Ok(Json(
        signed_copy::ticket(&state, &unit, &number, &req.content_type, req.size).await?,
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
struct SubmitScan {
    upload_id: String,
}

/// 确认书回传, step 2: the uploaded scan goes to the agency (回传状态 待确认)
#[utoipa::path(put, path = "/api/certificates/{number}/signed-copy",
    params(("number" = String, Path, description = "确认书号")), tag = "certificate", request_body = SubmitScan,
    responses((status = 200, body = SignedCopyView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn submit_signed_copy(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(number): ApiPath<String>,
    ApiJson(req): ApiJson<SubmitScan>,
) -> ApiResult<Json<SignedCopyView>> {
    Ok(Json(signed_copy::submit(&state, &unit, &number, &req.upload_id).await?))
}

/// The unit's own returned scan
#[utoipa::path(get, path = "/api/certificates/{number}/signed-copy",
    params(("number" = String, Path, description = "确认书号")), tag = "certificate",
    responses((status = 200, body = Link), (status = 404, body = ErrorBody)))]
async fn open_signed_copy(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(number): ApiPath<String>,
) -> ApiResult<Json<Link>> {
    Ok(Json(Link {
        url: signed_copy::link_for_unit(&state, &unit, &number).await?,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ReturnsQuery {
    /// 回传状态 (default pending, 待确认)
    return_status: Option<ReturnStatus>,
}

/// 确认书回传 (staff): the subtree's certificates in one 回传状态, a page at a time
#[utoipa::path(get, path = "/api/staff/certificates", tag = "certificate", params(ReturnsQuery, CursorQuery),
    responses((status = 200, body = CursorPage<ReturnRow>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn staff_returns(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiQuery(q): ApiQuery<ReturnsQuery>,
    ApiQuery(page): ApiQuery<CursorQuery>,
) -> ApiResult<Json<CursorPage<ReturnRow>>> {
    let at = page.at(certificate::PAGE_SIZE_DEFAULT, certificate::PAGE_SIZE_MAX)?;
    let status = q.return_status.unwrap_or(ReturnStatus::Pending);
    Ok(Json(signed_copy::list_for_staff(&state, &staff, status, &at).await?))
}

/// A unit's returned scan, for its agency (each opening is recorded)
#[utoipa::path(get, path = "/api/staff/certificates/{number}/signed-copy",
    params(("number" = String, Path, description = "确认书号")), tag = "certificate",
    responses((status = 200, body = Link), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn staff_open_signed_copy(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(number): ApiPath<String>,
) -> ApiResult<Json<Link>> {
    Ok(Json(Link {
        url: signed_copy::link_for_staff(&state, &staff, &number).await?,
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
struct ScanDecision {
    /// uploaded_at of the scan as listed: a newer upload is not decided unseen
    uploaded_at: String,
    /// 退回原因 (退回 only)
    reason: String,
}

/// 确认归档 (初审 reviewers of the unit's agency)
#[utoipa::path(post, path = "/api/staff/certificates/{number}/signed-copy/archive",
    params(("number" = String, Path, description = "确认书号")), tag = "certificate", request_body = ScanDecision,
    responses((status = 200, body = ReturnRow), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn archive_signed_copy(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(number): ApiPath<String>,
    ApiJson(req): ApiJson<ScanDecision>,
) -> ApiResult<Json<ReturnRow>> {
    Ok(Json(
        signed_copy::decide(&state, &staff, &number, &req.uploaded_at, Decision::Archive).await?,
    ))
}

/// 退回 with a reason (SMS to the unit's contact)
#[utoipa::path(post, path = "/api/staff/certificates/{number}/signed-copy/refuse",
    params(("number" = String, Path, description = "确认书号")), tag = "certificate", request_body = ScanDecision,
    responses((status = 200, body = ReturnRow), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn refuse_signed_copy(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(number): ApiPath<String>,
    ApiJson(req): ApiJson<ScanDecision>,
) -> ApiResult<Json<ReturnRow>> {
    Ok(Json(
        signed_copy::decide(&state, &staff, &number, &req.uploaded_at, Decision::Refuse(req.reason)).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct VerifyQuery {
    /// 确认书号
    number: Option<String>,
    /// 验证码 as printed (hyphen and case do not matter)
    code: Option<String>,
}

/// 确认书真伪核验 (no login): unit, activity, period, head count, status — no personal data
#[utoipa::path(get, path = "/api/public/certificates/verify", tag = "certificate", params(VerifyQuery),
    responses((status = 200, body = Verification), (status = 404, body = ErrorBody)))]
async fn verify(State(state): State<AppState>, ApiQuery(q): ApiQuery<VerifyQuery>) -> ApiResult<Json<Verification>> {
    let (number, code) = (q.number.unwrap_or_default(), q.code.unwrap_or_default());
    Ok(Json(certificate::verify(&state, &number, &code).await?))
}

/// 超龄人员在职证明 template (PDF, no login: a blank form)
#[utoipa::path(get, path = "/api/templates/overage-proof", tag = "certificate",
    responses((status = 200, content_type = "application/pdf")))]
async fn overage_template() -> ApiResult<impl IntoResponse> {
    let bytes = tokio::task::spawn_blocking(certificate::overage_template)
        .await
        .map_err(shared::ApiError::internal)??;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                shared::platform::http::content_disposition("attachment", "overage-proof.pdf", "超龄人员在职证明.pdf"),
            ),
            (header::CACHE_CONTROL, "public, max-age=86400".to_owned()),
        ],
        bytes,
    ))
}
