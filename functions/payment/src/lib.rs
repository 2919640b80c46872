//! 到账确认 (finance staff, within their jurisdiction): the queue of invoiced applications and
//! the confirmation that issues the certificate; then 电子发票, filed and mailed to 交款人邮箱.
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shared::platform::cursor::{CursorPage, CursorQuery};
use shared::platform::error::ErrorBody;
use shared::platform::http::{ApiJson, ApiPath, ApiQuery};
use shared::platform::openapi::signed_in;
use shared::platform::uploads::Link;
use shared::platform::uploads::UploadTicket;
use shared::records::invoice_entry::{EInvoiceStatus, InvoiceEntry};
use shared::records::session::StaffUser;
use shared::steps::bank_statement::{self, ImportStatement, LineView, LinesQuery, StatementUpload, StatementView};
use shared::steps::e_invoice::{self, EInvoiceFile, EInvoiceRow, EInvoiceTicket, FileEInvoice, ResendEInvoice};
use shared::steps::payment::{self, PaymentConfirmed, PaymentForm, PaymentQueueItem};
use shared::{ApiResult, AppState};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api() -> OpenApiRouter<AppState> {
    signed_in(
        OpenApiRouter::new()
            .routes(routes!(queue))
            .routes(routes!(entries))
            .routes(routes!(confirm))
            .routes(routes!(e_invoice_tickets))
            .routes(routes!(e_invoices))
            .routes(routes!(file_e_invoice))
            .routes(routes!(resend_e_invoice))
            .routes(routes!(open_e_invoice))
            .routes(routes!(statement_ticket))
            .routes(routes!(import_statement, statements))
            .routes(routes!(statement))
            .routes(routes!(statement_lines))
            .routes(routes!(confirm_statement_line)),
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

#[derive(Debug, serde::Deserialize, ToSchema)]
struct EInvoiceFiles {
    /// One file, or many at once (each named by its 批次号, at most 200)
    files: Vec<EInvoiceFile>,
}

#[derive(Debug, serde::Serialize, ToSchema)]
struct EInvoiceTickets {
    /// In the order asked: where to PUT each file, or why it cannot go
    files: Vec<EInvoiceTicket>,
}

/// 电子发票, step 1: each file's 批次号 and entry, and a presigned PUT, or a reason per file
#[utoipa::path(post, path = "/api/staff/e-invoice-uploads", tag = "payment", request_body = EInvoiceFiles,
    responses((status = 200, body = EInvoiceTickets), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn e_invoice_tickets(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiJson(req): ApiJson<EInvoiceFiles>,
) -> ApiResult<Json<EInvoiceTickets>> {
    Ok(Json(EInvoiceTickets {
        files: e_invoice::tickets(&state, &staff, &req.files).await?,
    }))
}

#[derive(Debug, serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct EInvoiceQuery {
    /// 待上传 (pending, the default) or 已发送 (sent)
    status: Option<EInvoiceStatus>,
}

/// 电子发票: paid invoice entries of the caller's jurisdiction in one state, a page at a time
#[utoipa::path(get, path = "/api/staff/e-invoices", tag = "payment", params(EInvoiceQuery, CursorQuery),
    responses((status = 200, body = CursorPage<EInvoiceRow>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn e_invoices(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiQuery(q): ApiQuery<EInvoiceQuery>,
    ApiQuery(page): ApiQuery<CursorQuery>,
) -> ApiResult<Json<CursorPage<EInvoiceRow>>> {
    let at = page.at(payment::PAGE_SIZE_DEFAULT, payment::PAGE_SIZE_MAX)?;
    let status = q.status.unwrap_or(EInvoiceStatus::Pending);
    Ok(Json(e_invoice::list(&state, &staff, status, &at).await?))
}

/// 电子发票, step 2: the uploaded PDF is filed with its entry and mailed to 交款人邮箱 (once)
#[utoipa::path(put, path = "/api/staff/e-invoices/{batch_no}",
    params(("batch_no" = String, Path, description = "批次号")), tag = "payment", request_body = FileEInvoice,
    responses((status = 200, body = EInvoiceRow), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn file_e_invoice(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(batch_no): ApiPath<String>,
    ApiJson(form): ApiJson<FileEInvoice>,
) -> ApiResult<Json<EInvoiceRow>> {
    Ok(Json(e_invoice::file(&state, &staff, &batch_no, &form).await?))
}

/// 重新发送: the invoice as listed is mailed again to 交款人邮箱
#[utoipa::path(post, path = "/api/staff/e-invoices/{batch_no}/resend",
    params(("batch_no" = String, Path, description = "批次号")), tag = "payment", request_body = ResendEInvoice,
    responses((status = 200, body = EInvoiceRow), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn resend_e_invoice(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(batch_no): ApiPath<String>,
    ApiJson(form): ApiJson<ResendEInvoice>,
) -> ApiResult<Json<EInvoiceRow>> {
    Ok(Json(e_invoice::resend(&state, &staff, &batch_no, &form).await?))
}

/// An entry's 电子发票 for finance: a link that opens it
#[utoipa::path(get, path = "/api/staff/e-invoices/{batch_no}/file",
    params(("batch_no" = String, Path, description = "批次号")), tag = "payment",
    responses((status = 200, body = Link), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn open_e_invoice(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(batch_no): ApiPath<String>,
) -> ApiResult<Json<Link>> {
    Ok(Json(Link {
        url: e_invoice::link_for_staff(&state, &staff, &batch_no).await?,
    }))
}

/// 银行对账, step 1: where to PUT the bank's statement (xlsx, xls or CSV, at most 5 MB)
#[utoipa::path(post, path = "/api/staff/bank-statement-uploads", tag = "payment", request_body = StatementUpload,
    responses((status = 200, body = UploadTicket), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn statement_ticket(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiJson(req): ApiJson<StatementUpload>,
) -> ApiResult<Json<UploadTicket>> {
    Ok(Json(bank_statement::ticket(&state, &staff, &req).await?))
}

/// 银行对账, step 2: reads the uploaded statement and proposes, for each credit line, the
/// invoiced application it pays (by a 批次号 in the remark, or the payer as 抬头, and the amount)
#[utoipa::path(post, path = "/api/staff/bank-statements", tag = "payment", request_body = ImportStatement,
    responses((status = 201, body = StatementView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import_statement(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiJson(req): ApiJson<ImportStatement>,
) -> ApiResult<(StatusCode, Json<StatementView>)> {
    Ok((
        StatusCode::CREATED,
        Json(bank_statement::import(&state, &staff, &req).await?),
    ))
}

/// 对账单列表: the statements imported at the caller's agency, newest first
#[utoipa::path(get, path = "/api/staff/bank-statements", tag = "payment", params(CursorQuery),
    responses((status = 200, body = CursorPage<StatementView>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn statements(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiQuery(q): ApiQuery<CursorQuery>,
) -> ApiResult<Json<CursorPage<StatementView>>> {
    let at = q.at(bank_statement::PAGE_SIZE_DEFAULT, bank_statement::PAGE_SIZE_MAX)?;
    Ok(Json(bank_statement::list(&state, &staff, &at).await?))
}

/// 对账单: one statement's counts
#[utoipa::path(get, path = "/api/staff/bank-statements/{id}", tag = "payment",
    params(("id" = String, Path, description = "statement id")),
    responses((status = 200, body = StatementView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn statement(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<StatementView>> {
    Ok(Json(bank_statement::show(&state, &staff, &id).await?))
}

/// 对账明细: a page of the statement's lines in one state (建议匹配 by default), in file order
#[utoipa::path(get, path = "/api/staff/bank-statements/{id}/lines", tag = "payment",
    params(("id" = String, Path, description = "statement id"), LinesQuery, CursorQuery),
    responses((status = 200, body = CursorPage<LineView>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn statement_lines(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<LinesQuery>,
    ApiQuery(page): ApiQuery<CursorQuery>,
) -> ApiResult<Json<CursorPage<LineView>>> {
    let at = page.at(bank_statement::PAGE_SIZE_DEFAULT, bank_statement::PAGE_SIZE_MAX)?;
    Ok(Json(bank_statement::lines(&state, &staff, &id, q.state, &at).await?))
}

/// 对账确认: confirms a proposed line's payment — the same guarded 到账确认, with the line's
/// date, amount and bank reference — and marks the line 已确认 (201); again, the same
/// certificate (200)
#[utoipa::path(post, path = "/api/staff/bank-statements/{id}/lines/{line}/confirm", tag = "payment",
    params(("id" = String, Path, description = "statement id"), ("line" = u32, Path, description = "line number")),
    responses((status = 201, body = PaymentConfirmed), (status = 200, body = PaymentConfirmed),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn confirm_statement_line(
    State(state): State<AppState>,
    staff: StaffUser,
    ApiPath((id, line)): ApiPath<(String, u32)>,
) -> ApiResult<(StatusCode, Json<PaymentConfirmed>)> {
    let (issued, confirmed) = payment::confirm_statement_line(&state, &staff, &id, line).await?;
    let status = if issued { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(confirmed)))
}
