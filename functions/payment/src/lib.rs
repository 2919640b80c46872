//! 到账确认 (finance staff, within their jurisdiction): the queue of invoiced applications and
//! the confirmation that issues the certificate.
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shared::platform::cursor::{CursorPage, CursorQuery};
use shared::platform::error::ErrorBody;
use shared::platform::http::{ApiJson, ApiPath, ApiQuery};
use shared::platform::openapi::signed_in;
use shared::records::invoice_entry::InvoiceEntry;
use shared::records::session::StaffUser;
use shared::steps::payment::{self, PaymentConfirmed, PaymentForm, PaymentQueueItem};
use shared::{ApiResult, AppState};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api() -> OpenApiRouter<AppState> {
    signed_in(
        OpenApiRouter::new()
            .routes(routes!(queue))
            .routes(routes!(entries))
            .routes(routes!(confirm)),
    )
}

pub fn router(state: AppState) -> axum::Router {
    let (router, _) = api().split_for_parts();
    shared::platform::http::finish(router, state)
}

/// 待到账: invoiced applications in the caller's jurisdiction, agency by agency and oldest
/// first, 20 a page
#[utoipa::path(get, path = "/api/staff/payments", tag = "payment", params(CursorQuery),
    responses((status = 200, body = CursorPage<PaymentQueueItem>), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn queue(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiQuery(page): ApiQuery<CursorQuery>,
) -> ApiResult<Json<CursorPage<PaymentQueueItem>>> {
    let at = page.at(payment::PAGE_SIZE_DEFAULT, payment::PAGE_SIZE_MAX)?;
    Ok(Json(payment::queue(&state, &staff, &at).await?))
}

/// The application's invoice entries (批次号, 抬头, 税号, amount) to match the transfer against
#[utoipa::path(get, path = "/api/staff/applications/{id}/invoice-entries",
    params(("id" = String, Path, description = "application id")), tag = "payment",
    responses((status = 200, body = Vec<InvoiceEntry>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn entries(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Vec<InvoiceEntry>>> {
    Ok(Json(payment::entries(&state, &staff, &id).await?))
}

/// 到账确认: issues the certificate (201); the same confirmation again answers the same
/// certificate (200)
#[utoipa::path(post, path = "/api/staff/applications/{id}/payment",
    params(("id" = String, Path, description = "application id")), tag = "payment", request_body = PaymentForm,
    responses((status = 201, body = PaymentConfirmed), (status = 200, body = PaymentConfirmed),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn confirm(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(form): ApiJson<PaymentForm>,
) -> ApiResult<(StatusCode, Json<PaymentConfirmed>)> {
    let (issued, confirmed) = payment::confirm(&state, &staff, &id, &form).await?;
    let status = if issued { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(confirmed)))
}
