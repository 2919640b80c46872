//! 银行对账 (finance): the month's bank statement is imported; each credit line is proposed the
//! invoiced application it pays (see `records::bank_statement`), and the lines are shown as
//! 建议匹配, 未匹配 and 已确认. Confirming a proposed line is 到账确认 itself (`steps::payment`).
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use std::collections::HashMap;

use crate::platform::cursor::{CursorPage, PageAt};
use crate::platform::db;
use crate::platform::error::{ApiError, ApiResult, OrInternal};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::platform::uploads::{self, UploadTicket};
use crate::records::account::Permission;
use crate::records::application::{self, Application, ApplicationStatus};
use crate::records::bank_statement::{
    self, BankStatement, LineState, MAX_SKIPPED_LISTED, MatchBasis, Proposal, SkippedRow, StoredLine,
};
use crate::records::session::StaffUser;
use crate::spreadsheet::{StatementError, read_statement};

pub const DUTY: Permission = Permission::Finance;
pub const MAX_BYTES: u64 = 5 * 1024 * 1024;
pub const PAGE_SIZE_DEFAULT: u32 = 20;
pub const PAGE_SIZE_MAX: u32 = 100;
/// Lines matched at once (each a few small reads), so a long statement stays far within a
/// request's time.
const MATCHING_IN_FLIGHT: usize = 16;
const UPLOAD_AREA: &str = "statements";
const MAX_FILE_NAME_CHARS: usize = 100;

impl crate::platform::error::Reason for StatementError {
    fn code(&self) -> &'static str {
        StatementError::code(self)
    }
}

/// 上传 step 1: where to put the statement file.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct StatementUpload {
    /// The file's type as the browser knows it (xlsx, xls or csv)
    #[schema(max_length = 100)]
    pub content_type: String,
    /// Bytes, at most 5 MB
    pub size: u64,
}

pub async fn ticket(state: &AppState, staff: &StaffUser, req: &StatementUpload) -> ApiResult<UploadTicket> {
    staff.require(DUTY)?;
    if req.size > MAX_BYTES {
        return Err(ApiError::refused(
            "FILE_TOO_LARGE",
            format!("对账单文件不能超过{}", uploads::human_size(MAX_BYTES)),
        ));
    }
    let content_type = match req.content_type.trim() {
        "" => "application/octet-stream",
        given if given.len() <= 100 && given.is_ascii() => given,
        _ => {
            return Err(ApiError::refused(
                "CONTENT_TYPE",
                "文件类型无法识别，请上传Excel或CSV文件",
            ));
        }
    };
    uploads::ticket(state, UPLOAD_AREA, content_type, req.size).await
}

/// 上传 step 2: the uploaded statement to read and match.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ImportStatement {
    pub upload_id: String,
    /// The file's name, kept with the record
    #[schema(max_length = 100)]
    pub file_name: String,
}

/// 对账单: one imported statement, with its counts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatementView {
    pub statement_id: String,
    pub file_name: String,
    pub imported_at: String,
    /// Who imported it
    pub login: String,
    /// Credit lines read
    pub lines: u32,
    /// Their sum, fen
    pub total_fen: u64,
    /// Lines proposed an application when imported
    pub proposed: u32,
    /// Lines confirmed since
    pub confirmed: u32,
    /// Rows below the header that were not credit lines (a total, an unreadable date)…
    pub skipped_rows: u32,
    /// … the first of them, with why
    pub skipped: Vec<SkippedRow>,
}

impl From<BankStatement> for StatementView {
    fn from(s: BankStatement) -> Self {
        Self {
            statement_id: s.statement_id,
            file_name: s.file_name,
            imported_at: s.imported_at,
            login: s.login,
            lines: s.lines,
            total_fen: s.total_fen,
            proposed: s.proposed,
            confirmed: s.confirmed,
            skipped_rows: s.skipped_rows,
            skipped: s.skipped,
        }
    }
}

/// Reads the uploaded statement, proposes an application for each credit line and stores
/// both, with the file, as the record of the import.
pub async fn import(state: &AppState, staff: &StaffUser, req: &ImportStatement) -> ApiResult<StatementView> {
    staff.require(DUTY)?;
    let file_name = req.file_name.trim();
    if file_name.is_empty()
        || file_name.chars().count() > MAX_FILE_NAME_CHARS
        || file_name.chars().any(char::is_control)
    {
        return Err(ApiError::refused(
            "FILE_NAME_INVALID",
            format!("文件名不能为空，且不能超过{MAX_FILE_NAME_CHARS}个字符"),
        ));
    }
    let (bytes, version) = uploads::fetch_staged(state, UPLOAD_AREA, req.upload_id.trim(), MAX_BYTES)
        .await?
        .map_err(|refusal| ApiError::from_reason(&refusal))?;
    let statement = read_statement(&bytes).map_err(|e| ApiError::from_reason(&e))?;
    let id = uuid::Uuid::new_v4().to_string();
    let mut lines = match_lines(state, staff, &id, statement.lines).await?;
    bank_statement::one_line_per_application(&mut lines);
    let object_key = format!("statements/{}/{id}", staff.agency_code);
    uploads::claim(state, UPLOAD_AREA, req.upload_id.trim(), &version, &object_key).await?;
    let record = BankStatement {
        statement_id: id.clone(),
        file_name: file_name.to_owned(),
        object_key,
        login: staff.login.clone(),
        agency_code: staff.agency_code.clone(),
        imported_at: time::stamp(time::now()),
        lines: u32::try_from(lines.len()).unwrap_or(u32::MAX),
        total_fen: lines.iter().map(|l| l.amount_fen).sum(),
        proposed: u32::try_from(lines.iter().filter(|l| l.line_state == LineState::Proposed).count())
            .unwrap_or(u32::MAX),
        confirmed: 0,
        skipped_rows: u32::try_from(statement.skipped.len()).unwrap_or(u32::MAX),
        skipped: statement
            .skipped
            .iter()
            .take(MAX_SKIPPED_LISTED)
            .map(|(row, reason)| SkippedRow {
                row: *row,
                reason: (*reason).to_owned(),
            })
            .collect(),
    };
    bank_statement::store(state, &record, &lines).await?;
    tracing::info!(statement = %id, lines = record.lines, proposed = record.proposed, login = %staff.login, "bank statement imported");
    Ok(record.into())
}

/// Each line with its proposal, several lines at a time, in file order.
async fn match_lines(
    state: &AppState,
    staff: &StaffUser,
    id: &str,
    read: Vec<crate::spreadsheet::StatementLine>,
) -> ApiResult<Vec<StoredLine>> {
    let mut tasks = tokio::task::JoinSet::new();
    let mut pending = read.into_iter().enumerate();
    let mut lines = Vec::new();
    loop {
        while tasks.len() < MATCHING_IN_FLIGHT {
            let Some((index, line)) = pending.next() else { break };
            let (state, staff, id) = (state.clone(), staff.clone(), id.to_owned());
            tasks.spawn(async move {
                let found = bank_statement::propose(&state, &staff, &line.payer, &line.remark, line.amount_fen).await?;
                let (line_state, proposal, note) = match found {
                    Ok(proposal) => (LineState::Proposed, Some(proposal), None),
                    Err(note) => (LineState::Unmatched, None, note),
                };
                ApiResult::Ok(StoredLine {
                    statement_id: id,
                    line_no: u32::try_from(index + 1).unwrap_or(u32::MAX),
                    row: line.row,
                    date: line.date,
                    payer: line.payer,
                    amount_fen: line.amount_fen,
                    remark: line.remark,
                    bank_reference: line.bank_reference,
                    line_state,
                    proposal,
                    note,
                    certificate_number: None,
                    confirmed_by: None,
                    confirmed_at: None,
                })
            });
        }
        match tasks.join_next().await {
            Some(joined) => lines.push(joined.map_err(|e| ApiError::internal(anyhow::Error::new(e)))??),
            None => break,
        }
    }
    lines.sort_by_key(|l| l.line_no);
    Ok(lines)
}

/// 对账单列表: the statements imported at the caller's agency, newest first.
pub async fn list(state: &AppState, staff: &StaffUser, at: &PageAt) -> ApiResult<CursorPage<StatementView>> {
    staff.require(DUTY)?;
    Ok(bank_statement::of_agency(state, &staff.agency_code, at)
        .await?
        .map(StatementView::from))
}

pub async fn show(state: &AppState, staff: &StaffUser, id: &str) -> ApiResult<StatementView> {
    staff.require(DUTY)?;
    Ok(bank_statement::load(state, staff, id).await?.into())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinesQuery {
    /// proposed (建议匹配, the default), unmatched (未匹配) or confirmed (已确认)
    pub state: Option<LineState>,
}

/// One credit line as finance sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LineView {
    pub line_no: u32,
    /// Row in the file
    pub row: u32,
    /// 交易日期 (YYYY-MM-DD)
    pub date: String,
    /// 对方户名
    pub payer: String,
    pub amount_fen: u64,
    /// 摘要 / 附言
    pub remark: String,
    pub bank_reference: String,
    pub state: LineState,
    /// 建议匹配 / 未匹配 / 已确认
    pub state_label: String,
    pub proposal: Option<Proposal>,
    /// 附言中的批次号 / 付款人与开票抬头一致
    pub basis_label: Option<String>,
    /// Why nothing was proposed, when something came close
    pub note: Option<String>,
    /// A proposed application no longer waiting for payment (paid through 到账确认 meanwhile):
    /// why this line is not to be confirmed
    pub settled: Option<String>,
    /// 确认书号, once confirmed
    pub certificate_number: Option<String>,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<String>,
}

impl From<StoredLine> for LineView {
    fn from(l: StoredLine) -> Self {
        Self {
            line_no: l.line_no,
            row: l.row,
            date: l.date.to_string(),
            payer: l.payer,
            amount_fen: l.amount_fen,
            remark: l.remark,
            bank_reference: l.bank_reference,
            state: l.line_state,
            state_label: l.line_state.label().to_owned(),
            basis_label: l.proposal.as_ref().map(|p| MatchBasis::label(p.basis).to_owned()),
            proposal: l.proposal,
            note: l.note,
            settled: None,
            certificate_number: l.certificate_number,
            confirmed_by: l.confirmed_by,
            confirmed_at: l.confirmed_at,
        }
    }
}

/// A page of one statement's lines in one state, in file order.
pub async fn lines(
    state: &AppState,
    staff: &StaffUser,
    id: &str,
    line_state: Option<LineState>,
    at: &PageAt,
) -> ApiResult<CursorPage<LineView>> {
    staff.require(DUTY)?;
    let statement = bank_statement::load(state, staff, id).await?;
    let line_state = line_state.unwrap_or(LineState::Proposed);
    let mut page = bank_statement::lines(state, &statement.statement_id, line_state, at)
        .await?
        .map(LineView::from);
    if line_state == LineState::Proposed {
        mark_settled(state, &mut page.items).await?;
    }
    Ok(page)
}

/// Proposed lines whose application was paid meanwhile through 到账确认 say so (one BatchGet
/// for the page).
async fn mark_settled(state: &AppState, lines: &mut [LineView]) -> ApiResult<()> {
    let keys = lines
        .iter()
        .filter_map(|l| l.proposal.as_ref())
        .map(|p| application::app_key(&p.application_id))
        .collect();
    let apps: HashMap<String, Application> = db::batch_get(state, keys)
        .await?
        .into_iter()
        .map(|item| db::from_item::<Application>(item).map(|a| (a.id.clone(), a)))
        .collect::<anyhow::Result<_>>()
        .or_internal("decode application")?;
    for line in lines.iter_mut() {
        let Some(app) = line.proposal.as_ref().and_then(|p| apps.get(&p.application_id)) else {
            continue;
        };
        if app.status != ApplicationStatus::Invoiced {
            line.settled = Some(match &app.certificate_number {
                Some(number) => format!("该申请已在到账确认中办理，确认书{number}，无需再确认"),
                None => format!("该申请当前为“{}”，不能确认到账", app.status.label()),
            });
        }
    }
    Ok(())
}
