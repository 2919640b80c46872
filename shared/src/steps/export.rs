//! 导出 (staff): 业务查询's result, the units not yet renewed and 首页统计's tables as xlsx.
//! The request answers at once (202, 处理中); the background worker builds the workbook into
//! the bucket and the page polls until it can offer the file. Each export is kept as the
//! record of who exported what, and when; only its requester may download it. Personal data
//! is masked as on the screens.
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::platform::cursor::{CursorPage, PageAt};
use crate::platform::error::{ApiError, ApiResult};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::platform::uploads;
use crate::records::account::Permission;
use crate::records::application_search::ApplicationCriteria;
use crate::records::export::{self, ExportJob, ExportKind};
use crate::records::job_state::JobState;
use crate::records::overview;
use crate::records::session::StaffUser;

pub const PAGE_SIZE_DEFAULT: u32 = 10;
pub const PAGE_SIZE_MAX: u32 = 50;
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// How long a download link works.
const LINK_SECONDS: u64 = 600;

/// What to export: the kind, and the criteria of 业务查询 (for the other kinds only the agency
/// and the year count).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ExportRequest {
    pub kind: ExportKind,
    #[serde(flatten)]
    pub criteria: ApplicationCriteria,
    /// 到账月份 of a payment list (YYYY-MM, by the bank's date; finance only)
    #[schema(max_length = 7)]
    pub month: Option<String>,
}

impl ExportRequest {
    /// The criteria given that this kind of export does not use (it would silently ignore
    /// them, so a clerk would get another list than the one they asked for).
    fn unused(&self) -> Vec<&'static str> {
        let c = &self.criteria;
        let given = |value: &Option<String>| value.as_deref().is_some_and(|v| !v.trim().is_empty());
        let mut unused = Vec::new();
        if self.kind != ExportKind::Applications {
            for (name, value) in [
                ("状态", &c.status),
                ("保障活动", &c.activity),
                ("关键字", &c.q),
                ("起始日期", &c.from),
                ("截止日期", &c.to),
            ] {
                if given(value) {
                    unused.push(name);
                }
            }
        }
        if self.kind == ExportKind::Payments && c.year.is_some() {
            unused.push("年度");
        }
        if self.kind != ExportKind::Payments && given(&self.month) {
            unused.push("到账月份");
        }
        unused
    }
}

/// The first day of a 到账月份 given as YYYY-MM.
fn paid_month(text: Option<&str>) -> ApiResult<chrono::NaiveDate> {
    let refused = || ApiError::refused("MONTH_INVALID", "请选择到账月份，格式如2026-03");
    let text = text.map(str::trim).filter(|t| t.len() == 7).ok_or_else(refused)?;
    chrono::NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").map_err(|_| refused())
}

/// 导出记录: one export as its requester sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportView {
    pub export_id: String,
    pub kind: ExportKind,
    /// 业务查询结果 / 未续保单位 / 首页统计
    pub kind_label: String,
    pub state: JobState,
    /// 处理中 / 完成 / 失败
    pub state_label: String,
    /// Rows exported, once 完成
    pub rows: u32,
    pub file_name: String,
    pub requested_at: String,
    pub finished_at: Option<String>,
    /// Why it failed (失败): a stable code and a Chinese reason
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// Presigned GET of the workbook (10 minutes), once 完成 — asked for one export at a time
    pub url: Option<String>,
}

impl ExportView {
    fn of(job: ExportJob, url: Option<String>) -> Self {
        Self {
            file_name: job.file_name(),
            export_id: job.export_id,
            kind: job.kind,
            kind_label: job.kind.label().to_owned(),
            state: job.export_state,
            state_label: job.export_state.label().to_owned(),
            rows: job.rows,
            requested_at: job.requested_at,
            finished_at: job.finished_at,
            error_code: job.error_code,
            error_message: job.error_message,
            url,
        }
    }
}

/// Checks the criteria as the screen's own request would (the same refusals) and queues the
/// export.
pub async fn request(state: &AppState, staff: &StaffUser, req: &ExportRequest) -> ApiResult<ExportView> {
    let unused = req.unused();
    if !unused.is_empty() {
        return Err(ApiError::refused(
            "CRITERIA_UNUSED",
            format!("“{}”不按{}导出，请去掉后再导出", req.kind.label(), unused.join("、")),
        ));
    }
    let mut month_asked = None;
    let criteria = match req.kind {
        ExportKind::Applications => {
            let found = req.criteria.check(state, staff).await?;
            ApplicationCriteria {
                agency: Some(found.agency),
                ..req.criteria.clone()
            }
        }
        ExportKind::Payments => {
            staff.require(Permission::Finance)?;
            let month = paid_month(req.month.as_deref())?;
            let (agency, year) = overview::scope(staff, req.criteria.agency.as_deref(), Some(month.year()))?;
            month_asked = Some(month.format("%Y-%m").to_string());
            ApplicationCriteria {
                agency: Some(agency.to_owned()),
                year: Some(year),
                ..ApplicationCriteria::default()
            }
        }
        ExportKind::NotRenewed | ExportKind::Dashboard => {
            let (agency, year) = overview::scope(staff, req.criteria.agency.as_deref(), req.criteria.year)?;
            ApplicationCriteria {
                agency: Some(agency.to_owned()),
                year: Some(year),
                ..ApplicationCriteria::default()
            }
        }
    };
    let now = time::now();
    let job = ExportJob {
        export_id: uuid::Uuid::new_v4().simple().to_string(),
        kind: req.kind,
        login: staff.login.clone(),
        person: staff.person.clone(),
        staff_agency: staff.agency_code.clone(),
        criteria,
        month: month_asked,
        export_state: JobState::Queued,
        attempts: 0,
        rows: 0,
        object_key: None,
        error_code: None,
        error_message: None,
        requested_at: time::stamp(now),
        finished_at: None,
    };
    export::queue(state, &job, now).await?;
    tracing::info!(export = %job.export_id, kind = ?job.kind, login = %job.login, "export requested");
    Ok(ExportView::of(job, None))
}

/// One export of the caller's, with its download link once 完成 (404 for anyone else's).
pub async fn status(state: &AppState, staff: &StaffUser, id: &str) -> ApiResult<ExportView> {
    let job = export::load(state, id)
        .await?
        .filter(|job| job.login == staff.login)
        .ok_or_else(|| ApiError::not_found("NOT_FOUND", "未找到该导出记录"))?;
    if job.export_state == JobState::Done && job.expired(time::now()) {
        let mut view = ExportView::of(job, None);
        view.error_code = Some("EXPORT_EXPIRED".into());
        view.error_message = Some(format!("导出文件仅保留{}天，已过期，请重新导出", export::KEEP_DAYS));
        return Ok(view);
    }
    let url = match (&job.export_state, &job.object_key) {
        (JobState::Done, Some(key)) => {
            let url = uploads::download_url_as(state, key, LINK_SECONDS, XLSX, "attachment", &job.file_name()).await?;
            tracing::info!(export = %job.export_id, login = %staff.login, "export downloaded");
            Some(url)
        }
        _ => None,
    };
    Ok(ExportView::of(job, url))
}

/// 导出记录: the caller's exports, newest first, a page at a time.
pub async fn mine(state: &AppState, staff: &StaffUser, at: &PageAt) -> ApiResult<CursorPage<ExportView>> {
    Ok(export::of_requester(state, &staff.login, at)
        .await?
        .map(|job| ExportView::of(job, None)))
}

#[cfg(feature = "xlsx")]
pub use worker::run_due_exports;

/// The background half: builds each due export into the bucket.
#[cfg(feature = "xlsx")]
mod worker {
    use std::collections::BTreeMap;

    use super::*;
    use crate::platform::cursor::PageAt;
    use crate::platform::cursor::{IndexList, IndexName, Segment, SortRange};
    use crate::platform::db;
    use crate::platform::error::OrInternal;
    use crate::records::application::{Application, search_pk};
    use crate::records::application_search::FIRST_YEAR;
    use crate::records::export::{MAX_ATTEMPTS, MAX_ROWS};
    use crate::records::invoice_entry::{self, InvoiceEntry};
    use crate::records::overview::Figures;
    use crate::records::tally::{Fees, Tally};
    use crate::records::unit::{Unit, unit_key};
    use crate::reference;
    use crate::spreadsheet::{ReportCell, ReportSheet, report_xlsx};

    /// Runs every export that is due; answers how many ended.
    pub async fn run_due_exports(state: &AppState) -> anyhow::Result<usize> {
        let mut ended = 0;
        for id in export::due(state).await? {
            let Some(job) = export::claim(state, &id).await? else {
                continue;
            };
            if job.attempts > MAX_ATTEMPTS {
                export::fail(
                    state,
                    &job,
                    "EXPORT_FAILED",
                    "导出未能完成，请重新导出；如多次失败请联系系统管理员",
                )
                .await?;
                ended += 1;
                continue;
            }
            match build(state, &job).await {
                Ok((sheets, rows)) => {
                    let bytes = report_xlsx(&sheets).map_err(|e| anyhow::anyhow!("write export: {e}"))?;
                    let key = format!("exports/{}/{}.xlsx", job.login, job.export_id);
                    state
                        .s3
                        .put_object()
                        .bucket(&*state.bucket)
                        .key(&key)
                        .content_type(XLSX)
                        .body(bytes.into())
                        .send()
                        .await?;
                    export::finish(state, &job, rows, &key).await?;
                    tracing::info!(export = %job.export_id, rows, "export built");
                }
                // A refusal (too many rows, an agency no longer within the requester's
                // jurisdiction) ends it with the reason; anything else is retried.
                Err(e) if e.status.is_client_error() => {
                    export::fail(state, &job, e.code, &e.message).await?;
                }
                Err(e) => {
                    tracing::warn!(export = %job.export_id, error = %e.message, "export attempt failed");
                    continue;
                }
            }
            ended += 1;
        }
        Ok(ended)
    }

    /// The requester, as the export's checks see them.
    fn requester(job: &ExportJob) -> StaffUser {
        StaffUser {
            login: job.login.clone(),
            person: job.person.clone(),
            agency_code: job.staff_agency.clone(),
            permissions: Vec::new(),
        }
    }

    fn too_many() -> ApiError {
        ApiError::refused(
            "EXPORT_TOO_LARGE",
            format!("导出结果超过{MAX_ROWS}条，请缩小查询条件（如选择年度或机构）后再导出"),
        )
    }

    async fn build(state: &AppState, job: &ExportJob) -> ApiResult<(Vec<ReportSheet>, u32)> {
        let sheets = match job.kind {
            ExportKind::Applications => vec![applications(state, job).await?],
            ExportKind::NotRenewed => vec![not_renewed(state, job).await?],
            ExportKind::Dashboard => dashboard(state, job).await?,
            ExportKind::Payments => vec![payments(state, job).await?],
        };
        let rows = sheets.first().map_or(0, |sheet| sheet.rows.len());
        Ok((sheets, u32::try_from(rows).unwrap_or(u32::MAX)))
    }

    fn text(value: impl Into<String>) -> ReportCell {
        ReportCell::Text(value.into())
    }

    fn count(value: impl Into<i64>) -> ReportCell {
        ReportCell::Count(value.into())
    }

    fn seq(index: usize) -> ReportCell {
        ReportCell::Count(i64::try_from(index + 1).unwrap_or(i64::MAX))
    }

    /// Puts 序号 before each row.
    fn numbered(rows: Vec<Vec<ReportCell>>) -> Vec<Vec<ReportCell>> {
        rows.into_iter()
            .enumerate()
            .map(|(index, row)| std::iter::once(seq(index)).chain(row).collect())
            .collect()
    }

    fn day_time(stamp: Option<&str>) -> ReportCell {
        text(stamp.and_then(time::parse_stamp).map(time::display).unwrap_or_default())
    }

    /// 业务查询结果: the columns of the search page, every application the criteria find.
    async fn applications(state: &AppState, job: &ExportJob) -> ApiResult<ReportSheet> {
        let found = job.criteria.check(state, &requester(job)).await?;
        let mut rows = Vec::new();
        if let Some(list) = found.list {
            let mut at = PageAt::first(1_000);
            loop {
                let (apps, next) = list.read_page_as::<Application>(state, &at).await?;
                for app in apps
                    .iter()
                    .filter(|app| reference::is_within(&app.agency_code, &found.agency))
                {
                    if rows.len() >= MAX_ROWS {
                        return Err(too_many());
                    }
                    rows.push(vec![
                        text(&app.number),
                        text(&app.unit_name),
                        text(reference::full_name(&app.agency_code).unwrap_or_default()),
                        text(&app.activity_name),
                        text(app.status.label()),
                        count(app.insured_count()),
                        ReportCell::Fen(fen(app.due()?.value())),
                        day_time(Some(&app.created_at)),
                        day_time(app.submitted_at.as_deref()),
                        text(app.certificate_number.clone().unwrap_or_default()),
                    ]);
                }
                match next {
                    Some(cursor) => at = PageAt::new(Some(&cursor), Some(1_000), 1_000, 1_000)?,
                    None => break,
                }
            }
        }
        let rows = numbered(rows);
        Ok(ReportSheet {
            name: ExportKind::Applications.label().to_owned(),
            header: vec![
                "序号",
                "申请书号",
                "单位名称",
                "所属机构",
                "保障活动",
                "状态",
                "参保人数",
                "应交保费（元）",
                "创建时间",
                "提交时间",
                "确认书号",
            ],
            rows,
        })
    }

    /// 到账清单: every application of the subtree whose payment the bank dated in the month,
    /// one row per invoice entry (its 批次号, 抬头, 税号 and amount), oldest payment first.
    async fn payments(state: &AppState, job: &ExportJob) -> ApiResult<ReportSheet> {
        let (agency, _) = scope(job)?;
        let month = job.month.clone().unwrap_or_default();
        let year: i32 = month.get(..4).and_then(|y| y.parse().ok()).unwrap_or(FIRST_YEAR);
        let path = reference::path(&agency).ok_or_else(|| ApiError::not_found("NOT_FOUND", "未找到该机构"))?;
        // Paid in the month, created in that year or any before it.
        let segments = (FIRST_YEAR..=year)
            .rev()
            .map(|y| Segment::new(IndexName::Gsi4, search_pk(y), SortRange::BeginsWith(path.clone())))
            .collect();
        let list = IndexList::new(segments)
            .filtered(
                "#st = :paid AND begins_with(payment_received_on, :month)",
                &[(":paid", db::s("paid")), (":month", db::s(&month))],
            )
            .named(&[("#st", "status")]);
        let mut paid = Vec::new();
        let mut at = PageAt::first(1_000);
        loop {
            let (items, next) = list.read_page(state, &at).await?;
            for (_, item) in items {
                let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
                let (received_on, bank_reference) = (text("payment_received_on"), text("payment_reference"));
                let app = db::from_item::<Application>(item).or_internal("decode application")?;
                if reference::is_within(&app.agency_code, &agency) {
                    paid.push((received_on, bank_reference, app));
                }
            }
            match next {
                Some(cursor) => at = PageAt::new(Some(&cursor), Some(1_000), 1_000, 1_000)?,
                None => break,
            }
        }
        paid.sort_by(|a, b| (&a.0, &a.2.number).cmp(&(&b.0, &b.2.number)));
        let mut rows: Vec<Vec<ReportCell>> = Vec::new();
        for (received_on, bank_reference, app) in &paid {
            let entries = invoice_entry::entries(state, &app.id).await?;
            // An application paid without invoice entries still has its line.
            let lines: Vec<Option<&InvoiceEntry>> = if entries.is_empty() {
                vec![None]
            } else {
                entries.iter().map(Some).collect()
            };
            for entry in lines {
                let field = |of: fn(&InvoiceEntry) -> &str| text(entry.map_or("", of));
                rows.push(vec![
                    text(&app.number),
                    text(&app.unit_name),
                    text(reference::full_name(&app.agency_code).unwrap_or_default()),
                    field(|e| &e.batch_no),
                    field(|e| &e.title),
                    field(|e| &e.tax_id),
                    ReportCell::Fen(fen(entry.map_or(0, |e| e.amount_fen))),
                    text(received_on),
                    text(bank_reference),
                    text(app.certificate_number.clone().unwrap_or_default()),
                ]);
            }
            if rows.len() > MAX_ROWS {
                return Err(too_many());
            }
        }
        let rows = numbered(rows);
        Ok(ReportSheet {
            name: format!("{month}到账清单"),
            header: vec![
                "序号",
                "申请书号",
                "单位名称",
                "所属机构",
                "批次号",
                "抬头",
                "税号",
                "金额（元）",
                "到账日期",
                "到账凭证号",
                "确认书号",
            ],
            rows,
        })
    }

    fn fen(value: u64) -> i64 {
        i64::try_from(value).unwrap_or(i64::MAX)
    }

    fn scope(job: &ExportJob) -> ApiResult<(String, i32)> {
        let staff = requester(job);
        let (agency, year) = overview::scope(&staff, job.criteria.agency.as_deref(), job.criteria.year)?;
        Ok((agency.to_owned(), year))
    }

    /// 未续保单位: units insured last year and not yet this year, contacts masked as on screen.
    async fn not_renewed(state: &AppState, job: &ExportJob) -> ApiResult<ReportSheet> {
        let (agency, year) = scope(job)?;
        let ids = overview::not_renewed(state, &agency, year).await?;
        if ids.len() > MAX_ROWS {
            return Err(too_many());
        }
        let mut units: Vec<Unit> = db::batch_get(state, ids.iter().map(|id| unit_key(id)).collect())
            .await?
            .into_iter()
            .map(|item| db::from_item::<Unit>(item).or_internal("decode unit"))
            .collect::<ApiResult<_>>()?;
        units.sort_by(|a, b| (&a.agency_code, &a.unit_name).cmp(&(&b.agency_code, &b.unit_name)));
        let rows = units
            .iter()
            .map(|unit| {
                vec![
                    text(&unit.unit_name),
                    text(unit.unit_code.as_str()),
                    text(reference::full_name(&unit.agency_code).unwrap_or_default()),
                    text(crate::domain::mask_name(&unit.contact.name)),
                    text(unit.contact.mobile.masked()),
                    text(unit.contact.office_phone.to_string()),
                ]
            })
            .collect();
        let rows = numbered(rows);
        Ok(ReportSheet {
            name: format!("{}年未续保单位", year),
            header: vec![
                "序号",
                "单位名称",
                "统一社会信用代码",
                "所属机构",
                "联系人",
                "联系人手机",
                "办公电话",
            ],
            rows,
        })
    }

    /// 首页统计: each agency's figures (the screen's table, with 合计) and the fees by month.
    async fn dashboard(state: &AppState, job: &ExportJob) -> ApiResult<Vec<ReportSheet>> {
        let (agency, year) = scope(job)?;
        let view = overview::of_agency(state, &agency, year).await?;
        let mut rows: Vec<Vec<ReportCell>> = view
            .rows
            .iter()
            .map(|row| agency_row(&row.agency_name, &row.figures))
            .collect();
        rows.push(agency_row("合计", &view.total));
        let months = month_rows(&view.total.this_year);
        Ok(vec![
            ReportSheet {
                name: format!("{year}年各机构统计"),
                header: vec![
                    "机构",
                    "注册单位",
                    "参保单位",
                    "上年参保单位",
                    "未续保单位",
                    "参保人数",
                    "上年参保人数",
                    "在职职工人数",
                    "参保率",
                    "高危职业人数",
                    "超龄人数",
                    "应交保费（元）",
                    "开票金额（元）",
                    "到账金额（元）",
                    "上年到账金额（元）",
                    "已出确认书",
                    "办理中",
                ],
                rows,
            },
            ReportSheet {
                name: format!("{year}年按月保费"),
                header: vec!["月份", "应交保费（元）", "开票金额（元）", "到账金额（元）"],
                rows: months,
            },
        ])
    }

    fn agency_row(name: &str, figures: &Figures) -> Vec<ReportCell> {
        let (now, before) = (&figures.this_year, &figures.last_year);
        let state_count = |tally: &Tally, state: &str| tally.applications.get(state).copied().unwrap_or(0);
        let paid = state_count(now, "paid");
        let in_hand: i64 = now
            .applications
            .iter()
            .filter(|(state, _)| state.as_str() != "paid" && state.as_str() != "draft")
            .map(|(_, n)| n)
            .sum();
        let rate = if now.employees > 0 {
            now.insured as f64 / now.employees as f64
        } else {
            0.0
        };
        vec![
            text(name),
            count(figures.registered),
            count(now.units),
            count(before.units),
            count(figures.not_renewed),
            count(now.insured),
            count(before.insured),
            count(now.employees),
            ReportCell::Percent(rate),
            count(now.high_risk),
            count(now.over_age),
            ReportCell::Fen(now.due.total_fen),
            ReportCell::Fen(now.invoiced.total_fen),
            ReportCell::Fen(now.received.total_fen),
            ReportCell::Fen(before.received.total_fen),
            count(paid),
            count(in_hand),
        ]
    }

    /// The twelve months of the year, each with its three amounts.
    fn month_rows(tally: &Tally) -> Vec<Vec<ReportCell>> {
        let mut months: BTreeMap<&str, [i64; 3]> = BTreeMap::new();
        let flows: [&Fees; 3] = [&tally.due, &tally.invoiced, &tally.received];
        for (index, fees) in flows.iter().enumerate() {
            for (month, fen) in &fees.by_month {
                months.entry(month.as_str()).or_default()[index] += fen;
            }
        }
        months
            .into_iter()
            .map(|(month, [due, invoiced, received])| {
                let label = match month.split_at_checked(4) {
                    Some((year, month)) => format!("{year}-{month}"),
                    None => month.to_owned(),
                };
                vec![
                    text(label),
                    ReportCell::Fen(due),
                    ReportCell::Fen(invoiced),
                    ReportCell::Fen(received),
                ]
            })
            .collect()
    }
}
