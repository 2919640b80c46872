//! 银行对账: a bank statement finance imported (`STATEMENT` under `STATEMENT#<id>`) and its
//! credit lines (`LINE#<nnnnn>`), each with the application it was proposed to pay — found by a
//! 批次号 in the remark, or else by the payer being an invoice entry's 抬头, and always by the
//! amount being the application's 应交保费 — and, once finance confirmed it, the certificate.
use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::TransactWriteItem;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::platform::cursor::{self, CursorPage, IndexList, IndexName, PageAt, Segment, SortRange};
use crate::platform::db::{self, key, n, s};
use crate::platform::error::{ApiError, ApiResult, OrInternal};
use crate::platform::state::AppState;
use crate::records::application::{self, Application, ApplicationStatus};
use crate::records::invoice_entry;
use crate::records::session::StaffUser;
use crate::reference;

pub const HEADER_SK: &str = "STATEMENT";
/// Rows the statement's record names as skipped (the rest are counted).
pub const MAX_SKIPPED_LISTED: usize = 50;
/// Applications one payer name may lead to before it is too common to propose by.
const PAYER_CANDIDATES: i32 = 20;

pub fn statement_pk(id: &str) -> String {
    format!("STATEMENT#{id}")
}

pub fn header_key(id: &str) -> db::Item {
    key(statement_pk(id), HEADER_SK)
}

pub fn line_key(id: &str, line_no: u32) -> db::Item {
    key(statement_pk(id), line_sk(line_no))
}

fn line_sk(line_no: u32) -> String {
    format!("LINE#{line_no:05}")
}

/// gsi2 partition of an agency's statements, newest first.
fn agency_pk(agency: &str) -> String {
    format!("STATEMENTS#{agency}")
}

/// A row of the file that was not a credit line, and why.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SkippedRow {
    pub row: u32,
    pub reason: String,
}

/// The statement as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BankStatement {
    pub statement_id: String,
    pub file_name: String,
    /// The file as uploaded, kept as the record
    pub object_key: String,
    pub login: String,
    pub agency_code: String,
    pub imported_at: String,
    pub lines: u32,
    pub total_fen: u64,
    pub proposed: u32,
    pub confirmed: u32,
    pub skipped_rows: u32,
    pub skipped: Vec<SkippedRow>,
}

/// Where a line stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineState {
    /// 建议匹配: one application fits; finance confirms it
    Proposed,
    /// 未匹配: no application fits (or more than one)
    Unmatched,
    /// 已确认: the payment is confirmed and the certificate issued
    Confirmed,
}

impl LineState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::Unmatched => "unmatched",
            Self::Confirmed => "confirmed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Proposed => "建议匹配",
            Self::Unmatched => "未匹配",
            Self::Confirmed => "已确认",
        }
    }
}

/// What a proposal rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchBasis {
    /// The remark names one of the application's 批次号
    BatchNo,
    /// The payer is one of the application's 抬头
    Payer,
}

impl MatchBasis {
    pub fn label(self) -> &'static str {
        match self {
            Self::BatchNo => "附言中的批次号",
            Self::Payer => "付款人与开票抬头一致",
        }
    }
}

/// The application a line was proposed to pay.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Proposal {
    pub application_id: String,
    /// 申请书号
    pub application_number: String,
    pub unit_name: String,
    pub agency_code: String,
    /// 应交保费, fen (equal to the line's amount)
    pub due_fen: u64,
    pub basis: MatchBasis,
}

/// One credit line as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredLine {
    pub statement_id: String,
    pub line_no: u32,
    /// Row in the file
    pub row: u32,
    pub date: NaiveDate,
    pub payer: String,
    pub amount_fen: u64,
    pub remark: String,
    pub bank_reference: String,
    pub line_state: LineState,
    #[serde(default)]
    pub proposal: Option<Proposal>,
    /// Why nothing was proposed, when something came close
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub certificate_number: Option<String>,
    #[serde(default)]
    pub confirmed_by: Option<String>,
    #[serde(default)]
    pub confirmed_at: Option<String>,
}

impl StoredLine {
    /// 到账凭证号 recorded with the payment: the bank's own number, or else the line's place.
    pub fn payment_reference(&self) -> String {
        let bank = self.bank_reference.trim();
        if !bank.is_empty() && bank.chars().count() <= 64 && !bank.chars().any(char::is_control) {
            bank.to_owned()
        } else {
            format!("对账单{}第{}行", self.date.format("%Y%m%d"), self.row)
        }
    }

    pub fn to_item(&self) -> anyhow::Result<db::Item> {
        let mut item = db::to_item(self)?;
        item.extend(line_key(&self.statement_id, self.line_no));
        Ok(item)
    }
}

/// The 批次号 a remark names (S and 18 digits, as issued), in order.
pub fn batch_numbers(remark: &str) -> Vec<String> {
    let chars: Vec<char> = remark.chars().collect();
    let mut found = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        if matches!(c, 'S' | 's')
            && chars.len() >= i + 19
            && chars[i + 1..i + 19].iter().all(char::is_ascii_digit)
            && chars.get(i + 19).is_none_or(|c| !c.is_ascii_digit())
        {
            found.push(format!("S{}", chars[i + 1..i + 19].iter().collect::<String>()));
        }
    }
    found
}

/// An application waiting for exactly this amount in the caller's jurisdiction.
fn fits(app: &Application, staff: &StaffUser, amount_fen: u64) -> ApiResult<bool> {
    Ok(app.status == ApplicationStatus::Invoiced
        && reference::is_within(&app.agency_code, &staff.agency_code)
        && app.due()?.value() == amount_fen)
}

fn proposal(app: &Application, basis: MatchBasis) -> ApiResult<Proposal> {
    Ok(Proposal {
        application_id: app.id.clone(),
        application_number: app.number.clone(),
        unit_name: app.unit_name.clone(),
        agency_code: app.agency_code.clone(),
        due_fen: app.due()?.value(),
        basis,
    })
}

/// The application this line pays, if one fits: by a 批次号 in the remark first, else by the
/// payer's name among the 抬头; otherwise a note on what came close.
pub async fn propose(
    state: &AppState,
    staff: &StaffUser,
    payer: &str,
    remark: &str,
    amount_fen: u64,
) -> ApiResult<Result<Proposal, Option<String>>> {
    let mut note = None;
    for batch_no in batch_numbers(remark) {
        let Some((app_id, _)) = invoice_entry::find_by_batch(state, &batch_no).await? else {
            continue;
        };
        let Some(app) = application::load(state, &app_id).await? else {
            continue;
        };
        if fits(&app, staff, amount_fen)? {
            return Ok(Ok(proposal(&app, MatchBasis::BatchNo)?));
        }
        note = Some(match app.status {
            ApplicationStatus::Invoiced => format!(
                "批次号{batch_no}属于申请书{}，但金额与其应交保费{}元不符",
                app.number,
                app.due()?
            ),
            status => format!(
                "批次号{batch_no}属于申请书{}，该申请当前为“{}”",
                app.number,
                status.label()
            ),
        });
    }
    if note.is_some() {
        return Ok(Err(note));
    }
    let ids = invoice_entry::applications_paid_by(state, payer, PAYER_CANDIDATES).await?;
    if ids.is_empty() {
        return Ok(Err(None));
    }
    let apps: Vec<Application> = db::batch_get(state, ids.iter().map(|id| application::app_key(id)).collect())
        .await?
        .into_iter()
        .map(|item| db::from_item(item).or_internal("decode application"))
        .collect::<ApiResult<_>>()?;
    let mut fitting = Vec::new();
    for app in &apps {
        if fits(app, staff, amount_fen)? {
            fitting.push(app);
        }
    }
    match fitting.as_slice() {
        [one] => Ok(Ok(proposal(one, MatchBasis::Payer)?)),
        [] => Ok(Err(None)),
        many => Ok(Err(Some(format!(
            "该付款人有{}份待到账申请的应交保费与此金额相同，请核对附言后在到账确认中办理",
            many.len()
        )))),
    }
}

/// Stores the statement and its lines (the lines first: a statement is listed only whole).
pub async fn store(state: &AppState, statement: &BankStatement, lines: &[StoredLine]) -> ApiResult<()> {
    let items = lines
        .iter()
        .map(StoredLine::to_item)
        .collect::<anyhow::Result<Vec<_>>>()
        .or_internal("encode statement lines")?;
    db::batch_put(state, items).await?;
    let mut item = db::to_item(statement).or_internal("encode statement")?;
    item.extend(header_key(&statement.statement_id));
    item.insert("gsi2pk".into(), s(agency_pk(&statement.agency_code)));
    item.insert("gsi2sk".into(), s(&statement.imported_at));
    state
        .db
        .put_item()
        .table_name(&*state.table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(pk)")
        .send()
        .await
        .or_internal("put statement")?;
    Ok(())
}

/// A statement of the caller's jurisdiction, or 404.
pub async fn load(state: &AppState, staff: &StaffUser, id: &str) -> ApiResult<BankStatement> {
    let found: Option<BankStatement> = if uuid::Uuid::parse_str(id).is_ok() {
        db::get_as(state, header_key(id), "get statement").await?
    } else {
        None
    };
    let statement = found.ok_or_else(|| ApiError::not_found("NOT_FOUND", "未找到该对账单"))?;
    staff.require_jurisdiction(&statement.agency_code)?;
    Ok(statement)
}

pub async fn load_line(state: &AppState, id: &str, line_no: u32) -> ApiResult<Option<StoredLine>> {
    db::get_as(state, line_key(id, line_no), "get statement line").await
}

/// The statements imported at the caller's agency, newest first.
pub async fn of_agency(state: &AppState, agency: &str, at: &PageAt) -> ApiResult<CursorPage<BankStatement>> {
    let list = IndexList::new(vec![Segment::new(IndexName::Gsi2, agency_pk(agency), SortRange::All)]).newest_first();
    let (found, next) = list.read_page_as::<BankStatement>(state, at).await?;
    Ok(at.page(found, None, next))
}

/// A page of the statement's lines in one state, in file order.
pub async fn lines(
    state: &AppState,
    id: &str,
    line_state: LineState,
    at: &PageAt,
) -> ApiResult<CursorPage<StoredLine>> {
    let list = cursor::table_prefix(statement_pk(id), "LINE#")
        .filtered("line_state = :st", &[(":st", s(line_state.as_str()))]);
    let (found, next) = list.read_page_as::<StoredLine>(state, at).await?;
    Ok(at.page(found, None, next))
}

/// The writes that mark a proposed line confirmed with its certificate, in the payment's own
/// transaction: a line is confirmed once, and only for the application it proposed.
pub fn confirmed_items(
    table: &str,
    line: &StoredLine,
    certificate_number: &str,
    by: &str,
    at: &str,
) -> anyhow::Result<Vec<TransactWriteItem>> {
    let application_id = line
        .proposal
        .as_ref()
        .map(|p| p.application_id.clone())
        .unwrap_or_default();
    Ok(vec![
        db::update_if(
            table,
            line_key(&line.statement_id, line.line_no),
            "SET line_state = :done, certificate_number = :cert, confirmed_by = :by, confirmed_at = :at",
            Some("line_state = :proposed AND proposal.application_id = :app"),
            &[],
            &[
                (":done", s(LineState::Confirmed.as_str())),
                (":cert", s(certificate_number)),
                (":by", s(by)),
                (":at", s(at)),
                (":proposed", s(LineState::Proposed.as_str())),
                (":app", s(application_id)),
            ],
        )?,
        db::update_if(
            table,
            header_key(&line.statement_id),
            "ADD confirmed :one",
            Some("attribute_exists(pk)"),
            &[],
            &[(":one", n(1))],
        )?,
    ])
}

/// Lines proposing the same application: only the first keeps the proposal (a second transfer
/// for one application is for finance to look at, not to confirm twice).
pub fn one_line_per_application(lines: &mut [StoredLine]) {
    let mut first: BTreeMap<String, u32> = BTreeMap::new();
    for line in lines.iter_mut() {
        let Some(app) = line.proposal.as_ref().map(|p| p.application_id.clone()) else {
            continue;
        };
        if let Some(earlier) = first.get(&app) {
            let number = line.proposal.take().map(|p| p.application_number).unwrap_or_default();
            line.line_state = LineState::Unmatched;
            line.note = Some(format!("与第{earlier}条同为申请书{number}的到账，请核对是否重复汇款"));
        } else {
            first.insert(app, line.line_no);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_numbers_are_found_where_units_write_them() {
        assert_eq!(
            batch_numbers("会费S202603051000000001，s202603051000000002"),
            vec!["S202603051000000001", "S202603051000000002"]
        );
        assert!(batch_numbers("S20260305100000000").is_empty(), "17 digits");
        assert!(batch_numbers("S2026030510000000012").is_empty(), "19 digits");
        assert!(batch_numbers("").is_empty());
    }

    #[test]
    fn the_bank_reference_is_used_unless_unusable() {
        let mut line = StoredLine {
            statement_id: "x".into(),
            line_no: 1,
            row: 7,
            date: NaiveDate::from_ymd_opt(2026, 3, 5).expect("date"),
            payer: "甲".into(),
            amount_fen: 100,
            remark: String::new(),
            bank_reference: "HX001".into(),
            line_state: LineState::Unmatched,
            proposal: None,
            note: None,
            certificate_number: None,
            confirmed_by: None,
            confirmed_at: None,
        };
        assert_eq!(line.payment_reference(), "HX001");
        line.bank_reference = " ".into();
        assert_eq!(line.payment_reference(), "对账单20260305第7行");
        line.bank_reference = "9".repeat(65);
        assert_eq!(line.payment_reference(), "对账单20260305第7行");
    }
}
