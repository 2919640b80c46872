//! 开票录入 (unit): after 终审, invoice entries (会费来源, 抬头, 税号, 交款人邮箱, items) that
//! together cover 应交保费 exactly, then 提交 (→ 待到账). Only the unit's own applications exist
//! for it; nothing changes after submission. After 到账确认 each entry's 电子发票 downloads here.
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shared::platform::error::ErrorBody;
use shared::platform::http::{ApiJson, ApiPath};
use shared::platform::openapi::signed_in;
use shared::platform::uploads::Link;
use shared::records::session::UnitUser;
use shared::steps::e_invoice;
use shared::steps::invoice::{self, InvoiceEntry, InvoiceEntryForm, InvoiceView};
use shared::{ApiResult, AppState};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api() -> OpenApiRouter<AppState> {
    signed_in(
        OpenApiRouter::new()
            .routes(routes!(show))
            .routes(routes!(add_entry))
            .routes(routes!(update_entry, delete_entry))
            .routes(routes!(submit))
            .routes(routes!(e_invoice)),
    )
}

pub fn router(state: AppState) -> axum::Router {
    let (router, _) = api().split_for_parts();
    shared::platform::http::finish(router, state)
}

/// 开票录入: fees, 剩余开票金额 per activity, the entries, whether submitted
#[utoipa::path(get, path = "/api/applications/{id}/invoice",
    params(("id" = String, Path, description = "application id")), tag = "invoice",
    responses((status = 200, body = InvoiceView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn show(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<InvoiceView>> {
    Ok(Json(invoice::view(&state, &unit, &id).await?))
}

/// 新增开票信息: never more than the remaining amount; gets a batch number
#[utoipa::path(post, path = "/api/applications/{id}/invoice/entries",
    params(("id" = String, Path, description = "application id")), tag = "invoice", request_body = InvoiceEntryForm,
    responses((status = 201, body = InvoiceEntry), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_entry(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(form): ApiJson<InvoiceEntryForm>,
) -> ApiResult<(StatusCode, Json<InvoiceEntry>)> {
    Ok((
        StatusCode::CREATED,
        Json(invoice::add_entry(&state, &unit, &id, &form).await?),
    ))
}

/// 详情/修改 an entry before submission (the batch number stays)
#[utoipa::path(put, path = "/api/applications/{id}/invoice/entries/{entry_id}",
    params(("id" = String, Path, description = "application id"), ("entry_id" = String, Path, description = "entry id")), tag = "invoice",
    request_body = InvoiceEntryForm,
    responses((status = 200, body = InvoiceEntry), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_entry(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath((id, entry_id)): ApiPath<(String, String)>,
    ApiJson(form): ApiJson<InvoiceEntryForm>,
) -> ApiResult<Json<InvoiceEntry>> {
    Ok(Json(invoice::update_entry(&state, &unit, &id, &entry_id, &form).await?))
}

/// 删除 an entry before submission
#[utoipa::path(delete, path = "/api/applications/{id}/invoice/entries/{entry_id}",
    params(("id" = String, Path, description = "application id"), ("entry_id" = String, Path, description = "entry id")), tag = "invoice",
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_entry(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath((id, entry_id)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    invoice::delete_entry(&state, &unit, &id, &entry_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 提交: only when the entries cover 应交保费 exactly → 待到账
#[utoipa::path(post, path = "/api/applications/{id}/invoice/submit",
    params(("id" = String, Path, description = "application id")), tag = "invoice",
    responses((status = 200, body = InvoiceView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn submit(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<InvoiceView>> {
    Ok(Json(invoice::submit(&state, &unit, &id).await?))
}

/// 电子发票 of one entry, once finance has uploaded it: a download link
#[utoipa::path(get, path = "/api/applications/{id}/invoice/entries/{entry_id}/e-invoice",
    params(("id" = String, Path, description = "application id"), ("entry_id" = String, Path, description = "invoice entry id")),
    tag = "invoice",
    responses((status = 200, body = Link), (status = 404, body = ErrorBody)))]
async fn e_invoice(
    State(state): State<AppState>,
    unit: UnitUser,
    ApiPath((id, entry_id)): ApiPath<(String, String)>,
) -> ApiResult<Json<Link>> {
    Ok(Json(Link {
        url: e_invoice::link_for_unit(&state, &unit, &id, &entry_id).await?,
    }))
}
