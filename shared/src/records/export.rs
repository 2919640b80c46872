//! 导出: a spreadsheet a staff member asked for (`EXPORT` under `EXPORT#<id>`), built by the
//! background worker — a province's year of applications takes longer than a request may —
//! and kept as the record of who exported what, and when.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::platform::cursor::{CursorPage, IndexList, IndexName, PageAt, Segment, SortRange};
use crate::platform::db::{self, key, n, s};
use crate::platform::error::{ApiResult, OrInternal};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::application_search::ApplicationCriteria;
use crate::records::job_state::JobState;

pub const JOB_SK: &str = "EXPORT";
/// gsi1 partition of the exports a worker should build now (queued, or running past its lease).
pub const JOBS_DUE: &str = "EXPORTJOBS";
/// Longer than the worker may run (its Timeout in template.yaml), as for imports.
pub const LEASE_SECONDS: i64 = 360;
/// An export that failed this often inside is given up as 失败.
pub const MAX_ATTEMPTS: u32 = 3;
/// Rows one export may hold: a spreadsheet a clerk can still open (Excel's limit is 1,048,576).
pub const MAX_ROWS: usize = 200_000;

/// Days a workbook is kept in the bucket (its lifecycle rule in template.yaml); the record stays.
pub const KEEP_DAYS: i64 = 7;

/// What is exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    /// 业务查询's result: every application the criteria find
    Applications,
    /// Units insured last year and not yet this year
    NotRenewed,
    /// 首页统计's tables: each agency's figures and the fees by month
    Dashboard,
    /// 到账清单: the month's confirmed payments, one row per invoice entry (批次号)
    Payments,
}

impl ExportKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Applications => "业务查询结果",
            Self::NotRenewed => "未续保单位",
            Self::Dashboard => "首页统计",
            Self::Payments => "到账清单",
        }
    }
}

/// The export as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportJob {
    pub export_id: String,
    pub kind: ExportKind,
    /// Who asked: the account, the person behind it and their agency (the worker builds the
    /// export within that jurisdiction).
    pub login: String,
    pub person: String,
    pub staff_agency: String,
    /// What to export (the agency and year for every kind; the rest for applications)
    pub criteria: ApplicationCriteria,
    /// 到账月份 (YYYY-MM) of a payment list
    #[serde(default)]
    pub month: Option<String>,
    pub export_state: JobState,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub rows: u32,
    /// The workbook in the bucket, once 完成
    #[serde(default)]
    pub object_key: Option<String>,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub error_message: Option<String>,
    pub requested_at: String,
    #[serde(default)]
    pub finished_at: Option<String>,
}

impl ExportJob {
    /// The workbook's name as the browser saves it, e.g. 业务查询结果_20261207.xlsx.
    pub fn file_name(&self) -> String {
        let day = time::parse_stamp(&self.requested_at)
            .map(|at| at.with_timezone(&time::BEIJING).format("%Y%m%d").to_string())
            .unwrap_or_default();
        format!("{}_{day}.xlsx", self.kind.label())
    }

    /// The workbook is past its days in the bucket.
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.finished_at
            .as_deref()
            .and_then(time::parse_stamp)
            .is_some_and(|at| now - at > chrono::Duration::days(KEEP_DAYS))
    }
}

pub fn export_key(id: &str) -> db::Item {
    key(format!("EXPORT#{id}"), JOB_SK)
}

/// gsi2 partition of one account's exports (its 导出记录), newest first by time of request.
fn requester_pk(login: &str) -> String {
    format!("EXPORTS#{login}")
}

/// Stores a new export, due now.
pub async fn queue(state: &AppState, job: &ExportJob, now: DateTime<Utc>) -> ApiResult<()> {
    let mut item = db::to_item(job).or_internal("encode export")?;
    item.extend(export_key(&job.export_id));
    item.insert("gsi1pk".into(), s(JOBS_DUE));
    item.insert("gsi1sk".into(), s(time::stamp(now)));
    item.insert("gsi2pk".into(), s(requester_pk(&job.login)));
    item.insert("gsi2sk".into(), s(&job.requested_at));
    state
        .db
        .put_item()
        .table_name(&*state.table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(pk)")
        .send()
        .await
        .or_internal("queue export")?;
    Ok(())
}

pub async fn load(state: &AppState, id: &str) -> ApiResult<Option<ExportJob>> {
    db::get_as(state, export_key(id), "get export").await
}

/// One page of `login`'s exports, newest first.
pub async fn of_requester(state: &AppState, login: &str, at: &PageAt) -> ApiResult<CursorPage<ExportJob>> {
    let list = IndexList::new(vec![Segment::new(IndexName::Gsi2, requester_pk(login), SortRange::All)]).newest_first();
    let (jobs, next) = list.read_page_as::<ExportJob>(state, at).await?;
    Ok(at.page(jobs, None, next))
}

/// The ids of the exports due now (queued, or running past a dead worker's lease).
pub async fn due(state: &AppState) -> anyhow::Result<Vec<String>> {
    db::due_jobs(state, JOBS_DUE, "export_id").await
}

/// Takes the export for this worker until its lease runs out; None when another worker has it
/// or it has ended.
pub async fn claim(state: &AppState, id: &str) -> anyhow::Result<Option<ExportJob>> {
    let now = time::now();
    let until = now + chrono::Duration::seconds(LEASE_SECONDS);
    let claimed = state
        .db
        .update_item()
        .table_name(&*state.table)
        .set_key(Some(export_key(id)))
        .update_expression("SET export_state = :running, attempts = attempts + :one, gsi1sk = :until")
        .condition_expression("export_state = :queued OR (export_state = :running AND gsi1sk < :now)")
        .expression_attribute_values(":running", s("running"))
        .expression_attribute_values(":queued", s("queued"))
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":until", s(time::stamp(until)))
        .expression_attribute_values(":now", s(time::stamp(now)))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
        .send()
        .await;
    match claimed {
        Ok(out) => Ok(Some(db::from_item(out.attributes.unwrap_or_default())?)),
        Err(e) if db::is_condition_failed(&e) => Ok(None),
        Err(e) => Err(anyhow::Error::new(e).context("claim export")),
    }
}

/// 完成: the workbook is in the bucket at `object_key`.
pub async fn finish(state: &AppState, job: &ExportJob, rows: u32, object_key: &str) -> anyhow::Result<()> {
    end(
        state,
        job,
        "SET export_state = :done, #rows = :rows, object_key = :key, finished_at = :at REMOVE gsi1pk, gsi1sk",
        &[("#rows", "rows")],
        &[(":done", s("done")), (":rows", n(rows)), (":key", s(object_key))],
    )
    .await
}

/// 失败, with a stable code and a Chinese reason for the clerk.
pub async fn fail(state: &AppState, job: &ExportJob, code: &str, message: &str) -> anyhow::Result<()> {
    end(
        state,
        job,
        "SET export_state = :failed, error_code = :code, error_message = :message, finished_at = :at REMOVE gsi1pk, gsi1sk",
        &[],
        &[
            (":failed", s("failed")),
            (":code", s(code)),
            (":message", s(message)),
        ],
    )
    .await
}

/// Ends a running export (only the claim that is still running may end it).
async fn end(
    state: &AppState,
    job: &ExportJob,
    update: &str,
    names: &[(&str, &str)],
    values: &[(&str, aws_sdk_dynamodb::types::AttributeValue)],
) -> anyhow::Result<()> {
    let mut request = state
        .db
        .update_item()
        .table_name(&*state.table)
        .set_key(Some(export_key(&job.export_id)))
        .update_expression(update)
        .condition_expression("export_state = :was")
        .expression_attribute_values(":was", s("running"))
        .expression_attribute_values(":at", s(time::stamp(time::now())));
    for (name, attribute) in names {
        request = request.expression_attribute_names(*name, *attribute);
    }
    for (name, value) in values {
        request = request.expression_attribute_values(*name, value.clone());
    }
    match request.send().await {
        Ok(_) => Ok(()),
        Err(e) if db::is_condition_failed(&e) => Ok(()),
        Err(e) => Err(anyhow::Error::new(e).context("end export")),
    }
}
