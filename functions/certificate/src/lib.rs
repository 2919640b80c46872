//! 确认书打印 (unit, own certificates only): the list and printing; the public verification
//! of a printed certificate; the 超龄人员在职证明 template (public: a blank form).
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use shared::platform::cursor::{CursorPage, CursorQuery};
use shared::platform::error::ErrorBody;
use shared::platform::http::{ApiPath, ApiQuery};
use shared::platform::openapi::signed_in;
use shared::records::session::UnitUser;
use shared::steps::certificate::{self, CertificateView, PrintedCertificate, Verification};
use shared::{ApiResult, AppState};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(verify))
        .routes(routes!(overage_template))
        .merge(signed_in(
            OpenApiRouter::new().routes(routes!(list)).routes(routes!(print)),
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
