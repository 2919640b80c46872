//! ② 人员清单维护: importing a filled-in member template into an application, the batches
//! with their failed rows, editing and removing members, 无名单 head counts, 未到期 members
//! and the member list download.
//!
//! An import is queued with a lease on the application (so two imports never interleave) and
//! answered at once; the import worker validates every row in memory, writes the new members
//! with its progress, then commits the batch, the counts, the trail and the job's end in one
//! transaction that also releases the lease. A failed commit removes what it wrote; a worker
//! that dies leaves members nobody counts, and the next run clears them.

use std::collections::HashSet;

use aws_sdk_dynamodb::types::{TransactWriteItem, WriteRequest};
use chrono::Duration as Days;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::Mobile;
use crate::domain::Occupation;
use crate::platform::cursor::{self, CursorPage, PageAt};
use crate::platform::db::{self, OnCancel, key, n, s};
use crate::platform::error::{ApiError, ApiResult, FieldCheck, OrInternal, checked};
use crate::platform::metrics::{self, Event};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::platform::uploads;
use crate::records::account::Role;
use crate::records::application::{self, Application, ApplicationStatus, MAX_LISTED, RenewalOf, app_key, app_pk};
use crate::records::coverage::covered_until;
pub use crate::records::coverage::{coverage_item, coverage_key};
use crate::records::import_job::{self, ImportJob, JOBS_DUE, MAX_ATTEMPTS, PROGRESS_EVERY, batch_sk, job_key};
pub use crate::records::import_job::{ImportBatch, ImportProgress, LEASE_SECONDS};
use crate::records::job_state::JobState;
use crate::records::members::{self, Member, MemberFilter, MemberView, member_id, member_sk};
use crate::records::self_check;
use crate::records::session::UnitUser;
use crate::records::trail;
use crate::records::unnamed;
pub use crate::records::unnamed::UnnamedEntry;
use crate::records::{catalogue, certificate};
use crate::spreadsheet::{self, Cell, ExportMember, ImportContext, SheetRow, XlsxLimits};

pub use crate::spreadsheet::{EXPORT_FILE_NAME, FAILED_ROWS_FILE_NAME, TEMPLATE_FILE_NAME};

/// 模板下载: 参保人信息模板-通用.xlsx, text-formatted cells and drop-down lists.
pub fn template() -> ApiResult<Vec<u8>> {
    spreadsheet::member_template().map_err(ApiError::internal)
}

pub const MAX_FILE_BYTES: u64 = 5 * 1024 * 1024;
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn upload_area(app_id: &str) -> String {
    format!("imports/{app_id}")
}

/// 人员清单导入 step 1: where to upload the file.
pub async fn upload_ticket(
    state: &AppState,
    unit: &UnitUser,
    app_id: &str,
    size: u64,
) -> ApiResult<uploads::UploadTicket> {
    application::load_draft(state, unit, app_id).await?;
    if size > MAX_FILE_BYTES {
        return Err(too_large(size));
    }
    uploads::ticket(state, &upload_area(app_id), XLSX_TYPE, size).await
}

fn too_large(size: u64) -> ApiError {
    ApiError::refused(
        "FILE_TOO_LARGE",
        format!(
            "文件大小不能超过5MB（当前{}），请分成几个文件导入",
            uploads::human_size(size)
        ),
    )
}

fn clean_file_name(raw: &str) -> String {
    let name: String = raw
        .chars()
        .filter(|c| !c.is_control() && !"/\\".contains(*c))
        .take(100)
        .collect();
    if name.trim().is_empty() {
        "参保人信息模板-通用.xlsx".to_owned()
    } else {
        name.trim().to_owned()
    }
}

/// 人员清单导入 step 2: claims the uploaded file and queues its import; the answer comes at
/// once (202), the work in the import worker (`run_due_imports`), the progress from
/// [`progress`]. One import at a time per application.
pub async fn start_import(
    state: &AppState,
    unit: &UnitUser,
    app_id: &str,
    upload_id: &str,
    file_name: &str,
) -> ApiResult<ImportProgress> {
    let app = application::load_draft(state, unit, app_id).await?;
    app.ensure_room_for(1)?;
    let job_id = uuid::Uuid::new_v4().to_string();
    let object_key = format!("units/{}/applications/{app_id}/imports/{job_id}.xlsx", unit.unit_id);
    claim_upload(state, app_id, upload_id, &object_key).await?;
    let now = time::now();
    let job = ImportJob {
        job_id: job_id.clone(),
        app_id: app.id.clone(),
        unit_id: unit.unit_id.clone(),
        login: unit.login.clone(),
        file_name: clean_file_name(file_name),
        object_key: object_key.clone(),
        copy_from: None,
        job_state: JobState::Queued,
        attempts: 0,
        rows_read: 0,
        rows_failed: 0,
        rows_to_write: 0,
        rows_written: 0,
        batch: None,
        error_code: None,
        error_message: None,
        started_at: time::display(now),
    };
    let items = import_job::queue_items(&state.table, &job, now).or_internal("build import job")?;
    if let Err(err) = db::transact(state, items).await {
        uploads::discard(state, &[object_key]).await;
        return Err(
            err.refusal(|_| ApiError::conflict("IMPORT_IN_PROGRESS", "该申请正在导入其他文件或已提交，请稍后刷新再试"))
        );
    }
    Ok(job.into())
}

/// 一键续保: a renewal draft of the certificate's activity, pre-filled from it — shares,
/// 在职人数, 无名单 (one entry per occupation, last year's totals) — and its named members
/// copied by the import worker (so a list of 50,000 is written in the background, with
/// progress, exactly like a file). Only inside the activity's renewal window, once per
/// certificate.
pub async fn renew(state: &AppState, unit: &UnitUser, certificate_number: &str) -> ApiResult<Application> {
    let cert = certificate::load_for_unit(state, unit, certificate_number).await?;
    let activity = catalogue::get(state, &cert.activity_code)
        .await?
        .filter(|a| a.active)
        .ok_or_else(|| ApiError::refused("ACTIVITY_CLOSED", "该保障活动已停止参保，不能续保"))?;
    let terms = activity.renewal_terms();
    let today = time::today_beijing();
    if !terms.is_open(cert.end_date, today) {
        let (opens, closes) = terms.window(cert.end_date);
        return Err(ApiError::refused(
            "RENEWAL_WINDOW_CLOSED",
            format!(
                "确认书{}的续保时间为{opens}至{closes}，今天不在续保时间内；如需参保请新建参保录入",
                cert.number
            ),
        ));
    }
    let last_year = application::load(state, &cert.application_id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("certificate {} without application", cert.number)))?;
    let sub_category = if activity
        .sub_categories
        .iter()
        .any(|c| c.code == last_year.sub_category_code)
    {
        last_year.sub_category_code.clone()
    } else {
        return Err(ApiError::refused(
            "SUB_CATEGORY_UNKNOWN",
            format!(
                "上年的细类“{}”已不在保障活动目录中，请新建参保录入",
                last_year.sub_category_name
            ),
        ));
    };
    let mut app = application::new_draft(
        state,
        unit,
        &activity,
        &sub_category,
        last_year.shares.min(activity.max_shares),
    )
    .await?;
    app.renews = Some(RenewalOf {
        certificate_number: cert.number.clone(),
        application_id: last_year.id.clone(),
        end_date: cert.end_date,
    });
    app.employees = last_year.employees;
    app.female_employees = last_year.female_employees;
    let now = time::now();
    let created_at = time::display(now);
    let last_unnamed = unnamed::list(state, &last_year.id).await?;
    let unnamed: Vec<UnnamedEntry> = [Occupation::General, Occupation::HighRisk]
        .into_iter()
        .filter_map(|occupation| {
            let count: u32 = last_unnamed
                .iter()
                .filter(|e| e.occupation == occupation)
                .map(|e| e.count)
                .sum();
            (count > 0).then(|| UnnamedEntry {
                entry_id: uuid::Uuid::new_v4().simple().to_string(),
                count,
                occupation,
                created_at: created_at.clone(),
            })
        })
        .collect();
    app.unnamed_count = unnamed.iter().map(|e| e.count).sum();
    app.high_risk_count = unnamed
        .iter()
        .filter(|e| e.occupation == Occupation::HighRisk)
        .map(|e| e.count)
        .sum();
    let copies_members = last_year.named_count + last_year.expiring_count > 0;
    let job = copies_members.then(|| ImportJob {
        job_id: uuid::Uuid::new_v4().to_string(),
        app_id: app.id.clone(),
        unit_id: unit.unit_id.clone(),
        login: unit.login.clone(),
        file_name: format!("续保：确认书{}的参保人员", cert.number),
        object_key: String::new(),
        copy_from: Some(last_year.id.clone()),
        job_state: JobState::Queued,
        attempts: 0,
        rows_read: 0,
        rows_failed: 0,
        rows_to_write: 0,
        rows_written: 0,
        batch: None,
        error_code: None,
        error_message: None,
        started_at: created_at.clone(),
    });
    let table = &*state.table;
    let mut app_item = app.to_item().or_internal("encode application")?;
    if let Some(job) = &job {
        // The draft is born holding the copy's lease: no file can be imported into it before
        // last year's members are in.
        app_item.insert("import_lease".into(), s(&job.job_id));
        app_item.insert("import_lease_until".into(), n(now.timestamp() + LEASE_SECONDS));
    }
    let mut guard = certificate::renewal_key(&cert.number);
    guard.insert("application_id".into(), s(&app.id));
    guard.insert("application_number".into(), s(&app.number));
    let mut items = vec![db::put_new(table, guard).or_internal("build renewal guard")?];
    items.extend(application::put_new_draft(table, &app, app_item).or_internal("build application")?);
    items.extend([trail::record(
        table,
        &app_pk(&app.id),
        &unit.login,
        Some(Role::Unit),
        "application_renewed",
        &format!(
            "一键续保：确认书{}（保障期间{}），{}，{}份",
            cert.number,
            cert.period(),
            app.activity_name,
            app.shares
        ),
    )
    .or_internal("build trail")?]);
    if let Some(job) = &job {
        items.push(
            db::put_new(table, import_job::job_item(job, now).or_internal("encode job")?).or_internal("build job")?,
        );
    }
    for entry in &unnamed {
        let mut item = db::to_item(entry).or_internal("encode entry")?;
        item.extend(unnamed::entry_key(&app.id, &entry.entry_id));
        items.push(db::put_new(table, item).or_internal("build entry")?);
    }
    if let Err(err) = db::transact(state, items).await {
        let existing = db::get_item(state, certificate::renewal_key(&cert.number), "get renewal")
            .await?
            .and_then(|item| item.get("application_number").and_then(|v| v.as_s().ok()).cloned());
        return Err(match existing {
            Some(number) => ApiError::conflict(
                "RENEWAL_EXISTS",
                format!(
                    "确认书{}已办理续保（申请书号{number}），请在参保录入中继续该申请",
                    cert.number
                ),
            ),
            None => err.refusal(|_| ApiError::conflict("RENEWAL_BUSY", "续保未成功，请稍后重试")),
        });
    }
    tracing::info!(application = %app.id, certificate = %cert.number, "renewal created");
    Ok(app)
}

/// 续保对比: how a renewal's list differs from the renewed certificate's, from counters kept
/// as members are written and removed (nothing is read member by member).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RenewalDiff {
    /// 确认书号 being renewed
    pub certificate_number: String,
    /// Its last covered day (YYYY-MM-DD)
    pub end_date: String,
    /// 上年名单人数: named members on last year's list
    pub last_year_count: u32,
    /// 保留: last year's members still on this list (续保)
    pub kept: u32,
    /// 减少: last year's members no longer on this list
    pub removed: u32,
    /// 新增: members not on last year's list
    pub added: u32,
    /// 超龄: members now over the activity's age limit, who need the 超龄证明
    pub over_age: u32,
    /// 上年无名单人数 / 本次无名单人数
    pub last_year_unnamed: u32,
    pub unnamed: u32,
}

/// The difference view of the renewal wizard; 404 for an application that renews nothing.
pub async fn renewal_diff(state: &AppState, unit: &UnitUser, app_id: &str) -> ApiResult<RenewalDiff> {
    let app = application::load_for_unit(state, unit, app_id).await?;
    let renews = app
        .renews
        .clone()
        .ok_or_else(|| ApiError::not_found("NOT_A_RENEWAL", "该申请不是续保申请"))?;
    let last_year = application::load(state, &renews.application_id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("renewed application {} gone", renews.application_id)))?;
    let last_year_count = last_year.named_count.saturating_add(last_year.expiring_count);
    let listed = app.named_count.saturating_add(app.expiring_count);
    let (_, effective) = self_check::check_dates();
    let (over_age, _) = self_check::counts(state, &app, effective).await?;
    Ok(RenewalDiff {
        certificate_number: renews.certificate_number,
        end_date: renews.end_date.to_string(),
        last_year_count,
        kept: app.renewed_count,
        removed: last_year_count.saturating_sub(app.renewed_count),
        added: listed.saturating_sub(app.renewed_count),
        over_age,
        last_year_unnamed: last_year.unnamed_count,
        unnamed: app.unnamed_count,
    })
}

/// 导入进度 of the application's latest import (none before the first).
pub async fn progress(state: &AppState, unit: &UnitUser, app_id: &str) -> ApiResult<Option<ImportProgress>> {
    let app = application::load_for_unit(state, unit, app_id).await?;
    Ok(db::get_as::<ImportJob>(state, job_key(&app.id), "get import job")
        .await?
        .map(ImportProgress::from))
}

/// Checks the staged upload's size and copies exactly that version to `dest`; the staged copy
/// goes for good (a member list is personal data).
async fn claim_upload(state: &AppState, app_id: &str, upload_id: &str, dest: &str) -> ApiResult<()> {
    let missing = || ApiError::refused("UPLOAD_MISSING", "文件未上传成功或已过期，请重新选择文件导入");
    if uuid::Uuid::parse_str(upload_id).is_err() {
        return Err(missing());
    }
    let staged = format!("uploads/{}/{upload_id}", upload_area(app_id));
    let head = state.s3.head_object().bucket(&*state.bucket).key(&staged).send().await;
    let (size, version) = match head {
        Ok(h) => (
            u64::try_from(h.content_length().unwrap_or(0)).unwrap_or(0),
            uploads::StagedVersion {
                etag: h.e_tag().unwrap_or_default().to_owned(),
                version_id: h.version_id().map(str::to_owned),
            },
        ),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => return Err(missing()),
        Err(e) => return Err(ApiError::internal(anyhow::Error::new(e).context("head import"))),
    };
    if size > MAX_FILE_BYTES {
        return Err(too_large(size));
    }
    uploads::claim(state, &upload_area(app_id), upload_id, &version, dest).await
}

/// The import worker: runs every job that is due — queued, or running past its lease (its
/// worker is gone). The table's stream starts it for a new job in AWS and a schedule for
/// leftovers; locally the dev stack and the tests call it in a loop, as they do the notifier.
/// Returns how many jobs ended (完成 or 失败).
pub async fn run_due_imports(state: &AppState) -> anyhow::Result<usize> {
    let mut ended = 0;
    for app_id in db::due_jobs(state, JOBS_DUE, "app_id").await? {
        if run_job(state, &app_id).await? {
            ended += 1;
        }
    }
    Ok(ended)
}

/// Claims the job (a lease on it and on the application) and runs it; false when another
/// worker has it or it is not due.
async fn run_job(state: &AppState, app_id: &str) -> anyhow::Result<bool> {
    let until_at = time::now() + Days::seconds(LEASE_SECONDS);
    let until = until_at.timestamp();
    let Some(job) = db::get_as::<ImportJob>(state, job_key(app_id), "get import job")
        .await
        .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?
    else {
        return Ok(false);
    };
    let claim = vec![
        db::update_if(
            &state.table,
            job_key(app_id),
            "SET job_state = :running, attempts = attempts + :one, gsi1sk = :due",
            Some("job_id = :job AND (job_state = :queued OR (job_state = :running AND gsi1sk < :now_stamp))"),
            &[],
            &[
                (":running", s("running")),
                (":queued", s("queued")),
                (":one", n(1)),
                (":job", s(&job.job_id)),
                (":due", s(time::stamp(until_at))),
                (":now_stamp", s(time::stamp(time::now()))),
            ],
        )?,
        db::update_if(
            &state.table,
            app_key(app_id),
            "SET import_lease_until = :until",
            Some("import_lease = :job"),
            &[],
            &[(":until", n(until)), (":job", s(&job.job_id))],
        )?,
    ];
    if db::transact(state, claim).await.is_err() {
        return Ok(false);
    }
    if job.attempts + 1 > MAX_ATTEMPTS {
        fail(
            state,
            &job,
            "IMPORT_FAILED",
            "导入处理未能完成，请重新导入；如多次失败请联系经办机构",
        )
        .await?;
        metrics::count(Event::ImportFailed, 1);
        return Ok(true);
    }
    match import_job(state, &job).await {
        Ok(()) => Ok(true),
        // A problem of the file: the job ends 失败 with the reason.
        Err(err) if err.status.is_client_error() => {
            fail(state, &job, err.code, &err.message).await?;
            metrics::count(Event::ImportRefused, 1);
            Ok(true)
        }
        // Ours (storage, a defect): the lease runs out and the job is tried again.
        Err(err) => {
            tracing::error!(application = %app_id, code = err.code, "import job failed inside; will retry");
            Ok(false)
        }
    }
}

/// Ends the job 失败: the reason kept for the page, the lease released, the file gone.
async fn fail(state: &AppState, job: &ImportJob, code: &str, message: &str) -> anyhow::Result<()> {
    let items = vec![
        db::update_if(
            &state.table,
            job_key(&job.app_id),
            "SET job_state = :failed, error_code = :code, error_message = :message REMOVE gsi1pk, gsi1sk",
            Some("job_id = :job"),
            &[],
            &[
                (":failed", s("failed")),
                (":code", s(code)),
                (":message", s(message)),
                (":job", s(&job.job_id)),
            ],
        )?,
        db::update_if(
            &state.table,
            app_key(&job.app_id),
            "REMOVE import_lease, import_lease_until",
            Some("import_lease = :job"),
            &[],
            &[(":job", s(&job.job_id))],
        )?,
    ];
    if let Err(db::TransactError::Other(err)) = db::transact(state, items).await {
        return Err(err.context("end import job"));
    }
    discard_file(state, job).await;
    Ok(())
}

async fn discard_file(state: &AppState, job: &ImportJob) {
    if !job.object_key.is_empty() {
        uploads::discard(state, std::slice::from_ref(&job.object_key)).await;
    }
}

/// What an import reads: a staged file, or last year's members (一键续保).
enum Source {
    File(Vec<u8>),
    Rows(Vec<SheetRow>),
}

/// The renewed certificate's named members as template rows, in last year's order, so they
/// pass the same checks as a file (ages are checked again on today's date: a member now over
/// age is listed in 参保自核 like any other).
async fn last_year_rows(state: &AppState, app_id: &str) -> ApiResult<Vec<SheetRow>> {
    let last_year = application::load(state, app_id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("renewed application {app_id} gone")))?;
    let mut all = members::all(state, &last_year).await?;
    all.sort_by_key(|m| (m.batch_no, m.row));
    Ok(all
        .into_iter()
        .enumerate()
        .map(|(i, m)| SheetRow {
            // Row 1 is the template's header.
            row: u32::try_from(i + 2).unwrap_or(u32::MAX),
            cells: [
                (i + 1).to_string(),
                m.name,
                m.id.id_type().label().to_owned(),
                m.id.as_str().to_owned(),
                m.gender.label().to_owned(),
                m.birth_date.to_string(),
                m.mobile.map(|mobile| mobile.as_str().to_owned()).unwrap_or_default(),
                m.occupation.label().to_owned(),
                m.remark,
            ]
            .map(Cell::text),
        })
        .collect())
}

async fn save_progress(state: &AppState, job: &ImportJob, fields: &[(&str, u32)]) {
    let set: Vec<String> = fields.iter().map(|(name, _)| format!("{name} = :{name}")).collect();
    let mut update = state
        .db
        .update_item()
        .table_name(&*state.table)
        .set_key(Some(job_key(&job.app_id)))
        .update_expression(format!("SET {}", set.join(", ")))
        .condition_expression("job_id = :job")
        .expression_attribute_values(":job", s(&job.job_id));
    for (name, value) in fields {
        update = update.expression_attribute_values(format!(":{name}"), n(*value));
    }
    if let Err(e) = update.send().await {
        tracing::warn!(error = %aws_sdk_dynamodb::error::DisplayErrorContext(&e), "could not save import progress");
    }
}

async fn read_job_file(state: &AppState, job: &ImportJob) -> ApiResult<Vec<u8>> {
    let object = state
        .s3
        .get_object()
        .bucket(&*state.bucket)
        .key(&job.object_key)
        .send()
        .await
        .or_internal("get import file")?;
    let bytes = object
        .body
        .collect()
        .await
        .or_internal("read import file")?
        .into_bytes()
        .to_vec();
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// The import itself: validate every row in memory, write the new members (saving progress),
/// then commit the batch, the counts, the trail and the job's end in one transaction that
/// also releases the lease. Until that commit nothing of it is counted, listed or printed
/// (members of a batch past `batch_seq` do not exist for anyone); a later run clears them.
async fn import_job(state: &AppState, job: &ImportJob) -> ApiResult<()> {
    let app = application::load(state, &job.app_id)
        .await?
        .ok_or_else(|| ApiError::not_found("NOT_FOUND", "未找到该参保申请"))?;
    if app.status != ApplicationStatus::Draft {
        return Err(ApiError::conflict("NOT_DRAFT", "该申请已提交，不能再导入"));
    }
    let started = std::time::Instant::now();
    let source = match &job.copy_from {
        Some(last_year) => Source::Rows(last_year_rows(state, last_year).await?),
        None => Source::File(read_job_file(state, job).await?),
    };
    let (existing, unfinished): (Vec<Member>, Vec<Member>) = members::stored(state, &app.id)
        .await?
        .into_iter()
        .partition(|m| m.committed_in(&app));
    if !unfinished.is_empty() {
        // An earlier run wrote these and never committed: clear them before this one writes
        // the same batch number.
        tracing::warn!(application = %app.id, members = unfinished.len(), "clearing an import that never committed");
        db::batch_write(state, delete_requests(&app.id, &unfinished)).await?;
    }
    let batch_no = app.batch_seq + 1;
    let mut ctx = ImportContext::new(time::today_beijing());
    for member in &existing {
        ctx.add_earlier(&member.id, format!("第{}批", member.batch_no), member.row);
    }
    // Parsing and checking 50,000 rows is ~0.3 s of CPU: off the async workers.
    let parsed = tokio::task::spawn_blocking(move || match source {
        Source::File(bytes) => spreadsheet::import_members(&bytes, &XlsxLimits::default(), &mut ctx),
        Source::Rows(rows) => Ok(spreadsheet::validate_rows(rows, &mut ctx)),
    })
    .await
    .or_internal("import task")?;
    let outcome = parsed.map_err(|e| {
        if e.is_clients_fault() {
            ApiError::refused(e.code(), e.to_string())
        } else {
            ApiError::internal(e)
        }
    })?;
    let checked = started.elapsed();
    save_progress(
        state,
        job,
        &[
            ("rows_read", outcome.total as u32),
            ("rows_failed", outcome.failures.len() as u32),
            ("rows_to_write", outcome.members.len() as u32),
        ],
    )
    .await;
    let coverage = covered_until(
        state,
        &app.unit_id,
        &app.activity_code,
        outcome.members.iter().map(|m| m.id.as_str()),
    )
    .await?;
    let renewed: HashSet<String> = match (&job.copy_from, &app.renews) {
        (Some(_), _) => outcome.members.iter().map(|m| m.id.as_str().to_owned()).collect(),
        (None, Some(renews)) => {
            let last_year = application::load(state, &renews.application_id).await?.ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!("renewed application {} gone", renews.application_id))
            })?;
            members::present(state, &last_year, outcome.members.iter().map(|m| m.id.as_str())).await?
        }
        (None, None) => HashSet::new(),
    };
    let coverage_read = started.elapsed();
    let new_members: Vec<Member> = outcome
        .members
        .iter()
        .map(|m| Member {
            member_id: member_id(m.id.as_str()),
            name: m.name.clone(),
            id: m.id.clone(),
            gender: m.gender,
            birth_date: m.birth_date,
            mobile: m.mobile.clone(),
            occupation: m.occupation,
            remark: m.remark.clone(),
            batch_no,
            row: m.row,
            // Covered by the certificate this application renews: renewed and charged.
            covered_until: if renewed.contains(m.id.as_str()) {
                None
            } else {
                coverage.get(m.id.as_str()).copied()
            },
            renewed: renewed.contains(m.id.as_str()),
        })
        .collect();
    let adding = u32::try_from(new_members.len()).unwrap_or(u32::MAX);
    app.ensure_room_for(adding)?;
    // 无名单 added while this import ran must still leave room for it (named counts cannot
    // grow meanwhile: only this import's commit raises them, guarded by `batch_seq`).
    let unnamed_room = MAX_LISTED.saturating_sub(
        app.named_count
            .saturating_add(app.expiring_count)
            .saturating_add(adding),
    );

    let failed_rows_key = if outcome.failures.is_empty() {
        None
    } else {
        let file =
            spreadsheet::failed_rows_xlsx(&outcome.failures).map_err(|e| ApiError::internal(anyhow::anyhow!("{e}")))?;
        let key = format!(
            "units/{}/applications/{}/batches/{batch_no}/failed-rows.xlsx",
            job.unit_id, app.id
        );
        state
            .s3
            .put_object()
            .bucket(&*state.bucket)
            .key(&key)
            .content_type(XLSX_TYPE)
            .body(file.into())
            .send()
            .await
            .or_internal("put failed rows")?;
        Some(key)
    };

    let mut written = 0;
    for part in new_members.chunks(PROGRESS_EVERY) {
        write_members(state, &app.id, part).await?;
        written += part.len();
        save_progress(state, job, &[("rows_written", written as u32)]).await;
    }

    let members_written = started.elapsed();
    let expiring = new_members.iter().filter(|m| m.covered_until.is_some()).count() as u32;
    let charged: Vec<&Member> = new_members.iter().filter(|m| m.covered_until.is_none()).collect();
    let high_risk = charged.iter().filter(|m| m.occupation == Occupation::HighRisk).count() as u32;
    let batch = ImportBatch {
        batch_no,
        file_name: job.file_name.clone(),
        total: outcome.total as u32,
        success: new_members.len() as u32,
        failed: outcome.failures.len() as u32,
        expiring,
        imported_at: time::display(time::now()),
        failed_rows_key,
    };
    let table = &*state.table;
    let mut batch_item = db::to_item(&batch).or_internal("encode batch")?;
    batch_item.extend(key(app_pk(&app.id), batch_sk(batch_no)));
    let items = vec![
        db::update_if(
            table,
            app_key(&app.id),
            "SET batch_seq = :n, named_count = named_count + :named, expiring_count = expiring_count + :exp, \
             high_risk_count = high_risk_count + :hr, renewed_count = if_not_exists(renewed_count, :zero) + :renewed \
             REMOVE import_lease, import_lease_until",
            Some("import_lease = :lease AND #st = :draft AND batch_seq = :prev AND unnamed_count <= :unnamed_room"),
            &[("#st", "status")],
            &[
                (":unnamed_room", n(unnamed_room)),
                (":n", n(batch_no)),
                (":prev", n(app.batch_seq)),
                (":named", n(charged.len())),
                (":exp", n(expiring)),
                (":hr", n(high_risk)),
                (":renewed", n(new_members.iter().filter(|m| m.renewed).count())),
                (":zero", n(0)),
                (":lease", s(&job.job_id)),
                (":draft", s(ApplicationStatus::Draft.as_str())),
            ],
        )
        .or_internal("build counts")?,
        db::put_new(table, batch_item).or_internal("build batch")?,
        db::update_if(
            table,
            job_key(&app.id),
            "SET job_state = :done, #batch = :batch, rows_written = :written REMOVE gsi1pk, gsi1sk",
            Some("job_id = :job AND job_state = :running"),
            // BATCH is a reserved word of DynamoDB's expressions.
            &[("#batch", "batch")],
            &[
                (":done", s("done")),
                (":batch", db::to_item_value(&batch).or_internal("encode batch")?),
                (":written", n(new_members.len())),
                (":job", s(&job.job_id)),
                (":running", s("running")),
            ],
        )
        .or_internal("build job end")?,
        trail::record(
            table,
            &app_pk(&app.id),
            &job.login,
            Some(Role::Unit),
            "members_imported",
            &format!(
                "导入人员清单《{}》：共{}人，成功{}人，失败{}人",
                job.file_name, batch.total, batch.success, batch.failed
            ),
        )
        .or_internal("build trail")?,
    ];
    if let Err(err) = db::transact(state, items).await {
        delete_members(state, &app.id, &new_members).await;
        return Err(
            err.refusal(|_| ApiError::conflict("IMPORT_IN_PROGRESS", "该申请正在导入其他文件或已提交，请稍后刷新再试"))
        );
    }
    discard_file(state, job).await;
    metrics::count(Event::ImportRowsAccepted, batch.success as usize);
    metrics::count(Event::ImportRowsFailed, batch.failed as usize);
    // Where the time went, for the day an import is slow: reading and checking the file, the
    // coverage lookups, the member writes, the commit.
    tracing::info!(
        application = %app.id,
        batch_no,
        total = batch.total,
        failed = batch.failed,
        checked_ms = checked.as_millis() as u64,
        coverage_ms = (coverage_read - checked).as_millis() as u64,
        written_ms = (members_written - coverage_read).as_millis() as u64,
        committed_ms = (started.elapsed() - members_written).as_millis() as u64,
        "members imported"
    );
    Ok(())
}

/// BatchWriteItem takes at most 25 requests; several batches run at once.
async fn write_members(state: &AppState, app_id: &str, new_members: &[Member]) -> ApiResult<()> {
    let items = new_members
        .iter()
        .map(|m| m.to_item(app_id))
        .collect::<anyhow::Result<Vec<_>>>()
        .or_internal("encode member")?;
    db::batch_put(state, items).await
}

fn delete_requests(app_id: &str, gone: &[Member]) -> Vec<WriteRequest> {
    let mut requests = Vec::new();
    for m in gone {
        if let Ok(delete) = aws_sdk_dynamodb::types::DeleteRequest::builder()
            .set_key(Some(key(app_pk(app_id), member_sk(&m.member_id))))
            .build()
        {
            requests.push(WriteRequest::builder().delete_request(delete).build());
        }
    }
    requests
}

/// Best effort: what is left is never counted and the next import clears it.
async fn delete_members(state: &AppState, app_id: &str, gone: &[Member]) {
    if let Err(e) = db::batch_write(state, delete_requests(app_id, gone)).await {
        tracing::error!(error = e.message, "could not remove members of a failed import");
    }
}

/// Import batches a page shows unless asked otherwise, and at most.
pub const BATCH_PAGE_DEFAULT: u32 = 10;
pub const BATCH_PAGE_MAX: u32 = 100;

/// 导入批次 of the caller's application, a page of them, the latest first (the one in
/// progress, if any, heads the first page).
pub async fn batches(
    state: &AppState,
    unit: &UnitUser,
    app_id: &str,
    at: &PageAt,
) -> ApiResult<CursorPage<ImportBatch>> {
    application::load_for_unit(state, unit, app_id).await?;
    let (batches, next) = cursor::table_prefix(app_pk(app_id), "BATCH#")
        .newest_first()
        .read_page_as(state, at)
        .await?;
    Ok(at.page(batches, None, next))
}

/// 失败人员名单下载: a short-lived link to the failed rows of one batch.
pub async fn failed_rows_url(state: &AppState, unit: &UnitUser, app_id: &str, batch_no: u32) -> ApiResult<String> {
    application::load_for_unit(state, unit, app_id).await?;
    let batch: ImportBatch = db::get_as(state, key(app_pk(app_id), batch_sk(batch_no)), "get batch")
        .await?
        .ok_or_else(|| ApiError::not_found("NOT_FOUND", "未找到该导入批次"))?;
    let key = batch
        .failed_rows_key
        .ok_or_else(|| ApiError::not_found("NO_FAILED_ROWS", "该批次没有失败人员"))?;
    let summary = format!("下载第{batch_no}批失败人员名单（含完整证件号）");
    trail::record_read(
        state,
        &app_pk(app_id),
        &unit.login,
        Role::Unit,
        "failed_rows_downloaded",
        &summary,
    )
    .await?;
    // Saved under its Chinese name: a cross-origin link ignores the page's download name.
    uploads::download_url_as(state, &key, 300, XLSX_TYPE, "attachment", FAILED_ROWS_FILE_NAME).await
}

/// 人员详情: the members of an application, masked, one page read at a time (import order;
/// see [`MemberFilter`] for the 未到期 list and the search).
pub async fn list(
    state: &AppState,
    unit: &UnitUser,
    app_id: &str,
    filter: &MemberFilter,
    request: &PageAt,
) -> ApiResult<CursorPage<MemberView>> {
    let app = application::load_for_unit(state, unit, app_id).await?;
    members::page_of(state, &app, filter, request, time::today_beijing()).await
}

async fn load_member(state: &AppState, app: &Application, member: &str) -> ApiResult<Member> {
    let not_found = || ApiError::not_found("NOT_FOUND", "未找到该参保人");
    if member.len() != 20 || !member.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(not_found());
    }
    db::get_as::<Member>(state, key(app_pk(&app.id), member_sk(member)), "get member")
        .await?
        .filter(|m| m.committed_in(app))
        .ok_or_else(not_found)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct MemberEdit {
    /// Absent: unchanged (the list shows it masked, so the clerk need not retype it)
    pub name: Option<String>,
    /// Absent: unchanged; empty: removed
    pub mobile: Option<String>,
    /// Absent: unchanged
    pub occupation: Option<Occupation>,
    /// Absent: unchanged
    pub remark: Option<String>,
    /// 证件类型 (居民身份证, 护照 …) of a corrected ID; absent: unchanged
    pub id_type: Option<String>,
    /// The whole corrected 证件号码; absent: unchanged
    pub id_number: Option<String>,
    /// 性别 (男/女), for ID types that do not carry it (护照); absent: unchanged
    pub gender: Option<String>,
    /// 出生日期 (yyyy-mm-dd), for ID types that do not carry it (护照); absent: unchanged
    pub birth_date: Option<String>,
}

impl MemberEdit {
    fn touches_identity(&self) -> bool {
        self.id_type.is_some() || self.id_number.is_some() || self.gender.is_some() || self.birth_date.is_some()
    }
}

/// The member's identity after `form`: its ID (with gender and birth date) checked by the
/// import's own rules, what was not typed taken from `old` — the gender and birth date only
/// for a passport, as any other ID carries them.
fn corrected_identity(old: &Member, form: &MemberEdit, check: &mut FieldCheck) -> Option<spreadsheet::Identity> {
    let id_type = form.id_type.as_deref().unwrap_or(old.id.id_type().label());
    let id_number = form.id_number.as_deref().unwrap_or(old.id.as_str());
    let keeps_typed = crate::domain::IdType::parse(id_type) == Ok(crate::domain::IdType::Passport);
    let old_birth = old.birth_date.format("%Y-%m-%d").to_string();
    let gender = form
        .gender
        .as_deref()
        .unwrap_or(if keeps_typed { old.gender.label() } else { "" });
    let birth_date = form
        .birth_date
        .as_deref()
        .unwrap_or(if keeps_typed { old_birth.as_str() } else { "" });
    match spreadsheet::check_identity(id_type, id_number, gender, birth_date, time::today_beijing()) {
        Ok(identity) => Some(identity),
        Err(problems) => {
            for (field, code, message) in problems {
                check.push(field, code, message);
            }
            None
        }
    }
}

/// 人员修改: any of name, mobile, occupation and remark, and the ID itself (with the gender and
/// birth date a passport needs typed); what is not sent stays as it is. A corrected ID moves
/// the member to its new key in the same transaction that re-counts it: whether it is 未到期
/// or renewed depends on the person, so the counts follow.
pub async fn edit(
    state: &AppState,
    unit: &UnitUser,
    app_id: &str,
    member: &str,
    form: MemberEdit,
) -> ApiResult<MemberView> {
    let app = application::load_draft(state, unit, app_id).await?;
    let old = load_member(state, &app, member).await?;
    let mut check = FieldCheck::new();
    let name = match form.name.as_deref().map(spreadsheet::member_name) {
        None => Some(old.name.clone()),
        Some(Ok(name)) => Some(name),
        Some(Err((code, message))) => {
            check.push("name", code, message);
            None
        }
    };
    let mobile = match form.mobile.as_deref().map(str::trim) {
        None => Some(old.mobile.clone()),
        Some("") => Some(None),
        Some(raw) => check.take("mobile", Mobile::parse(raw)).map(Some),
    };
    let remark = form.remark.as_deref().map_or(old.remark.as_str(), str::trim);
    if remark.chars().count() > spreadsheet::MAX_REMARK_CHARS {
        check.push("remark", "REMARK_TOO_LONG", "备注不能超过200字");
    }
    let identity = if form.touches_identity() {
        corrected_identity(&old, &form, &mut check)
    } else {
        Some(spreadsheet::Identity {
            id: old.id.clone(),
            gender: old.gender,
            birth_date: old.birth_date,
        })
    };
    check.finish()?;
    let spreadsheet::Identity { id, gender, birth_date } = checked(identity)?;
    let mut updated = Member {
        name: checked(name)?,
        mobile: checked(mobile)?,
        occupation: form.occupation.unwrap_or(old.occupation),
        remark: remark.to_owned(),
        ..old.clone()
    };
    let moved = id != old.id;
    if moved || gender != old.gender || birth_date != old.birth_date {
        updated.member_id = member_id(id.as_str());
        updated.id = id;
        updated.gender = gender;
        updated.birth_date = birth_date;
        (updated.covered_until, updated.renewed) = standing_of(state, &app, updated.id.as_str()).await?;
    }
    let counts = |m: &Member| {
        let charged = m.covered_until.is_none();
        [
            i64::from(charged),
            i64::from(!charged),
            i64::from(charged && m.occupation == Occupation::HighRisk),
            i64::from(m.renewed),
        ]
    };
    let (before, after) = (counts(&old), counts(&updated));
    let delta = |i: usize| n(after[i] - before[i]);
    let table = &*state.table;
    let old_occupation = (
        ":old",
        s(serde_json::to_value(old.occupation)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()),
    );
    let mut items = if moved {
        vec![
            db::delete_if(
                table,
                key(app_pk(app_id), member_sk(&old.member_id)),
                Some("attribute_exists(pk) AND occupation = :old"),
                &[old_occupation],
            )
            .or_internal("build delete")?,
            // A member left by an import that never committed is no one's: it may be replaced.
            db::put_if(
                table,
                updated.to_item(app_id).or_internal("encode member")?,
                Some("attribute_not_exists(pk) OR batch_no > :committed"),
                &[(":committed", n(app.batch_seq))],
            )
            .or_internal("build member")?,
        ]
    } else {
        vec![
            db::put_if(
                table,
                updated.to_item(app_id).or_internal("encode member")?,
                Some("attribute_exists(pk) AND occupation = :old"),
                &[old_occupation],
            )
            .or_internal("build member")?,
        ]
    };
    let summary = if moved {
        format!(
            "更正参保人{}的证件号码（{} → {}）",
            crate::domain::mask_name(&updated.name),
            old.id.masked(),
            updated.id.masked()
        )
    } else {
        format!("修改参保人{}", crate::domain::mask_name(&updated.name))
    };
    items.extend([
        db::update_if(
            table,
            app_key(app_id),
            "SET named_count = named_count + :named, expiring_count = expiring_count + :exp, \
             high_risk_count = high_risk_count + :hr, renewed_count = if_not_exists(renewed_count, :zero) + :renewed",
            Some("#st = :draft"),
            &[("#st", "status")],
            &[
                (":named", delta(0)),
                (":exp", delta(1)),
                (":hr", delta(2)),
                (":renewed", delta(3)),
                (":zero", n(0)),
                (":draft", s(ApplicationStatus::Draft.as_str())),
            ],
        )
        .or_internal("build counts")?,
        trail::record(
            table,
            &app_pk(app_id),
            &unit.login,
            Some(Role::Unit),
            "member_edited",
            &summary,
        )
        .or_internal("build trail")?,
    ]);
    db::transact(state, items).await.on_cancel(|cancelled| {
        if moved && cancelled.failed_at(1) {
            ApiError::invalid_fields(vec![crate::platform::error::FieldError {
                field: "id_number".to_owned(),
                code: "DUPLICATE_ID",
                message: format!("证件号码{}已在本申请中，同一申请中不能重复参保", updated.id.masked()),
            }])
        } else {
            changed_meanwhile()
        }
    })?;
    Ok(updated.view(time::today_beijing()))
}

/// Whether this person is 未到期 (covered by an earlier certificate of the activity, until
/// when) and whether a renewal renews them: as the import decides for a new row.
async fn standing_of(
    state: &AppState,
    app: &Application,
    id_number: &str,
) -> ApiResult<(Option<chrono::NaiveDate>, bool)> {
    let renewed = match &app.renews {
        Some(renews) => {
            let last_year = application::load(state, &renews.application_id).await?.ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!("renewed application {} gone", renews.application_id))
            })?;
            !members::present(state, &last_year, std::iter::once(id_number))
                .await?
                .is_empty()
        }
        None => false,
    };
    if renewed {
        return Ok((None, true));
    }
    let coverage = covered_until(state, &app.unit_id, &app.activity_code, std::iter::once(id_number)).await?;
    Ok((coverage.get(id_number).copied(), false))
}

fn changed_meanwhile() -> ApiError {
    ApiError::conflict("CHANGED_MEANWHILE", "数据已被修改或申请已提交，请刷新后重试")
}

async fn commit_draft_change(
    state: &AppState,
    items: Vec<aws_sdk_dynamodb::types::TransactWriteItem>,
) -> ApiResult<()> {
    db::transact(state, items).await.on_cancel(|_| changed_meanwhile())
}

/// 人员删除
pub async fn remove(state: &AppState, unit: &UnitUser, app_id: &str, member: &str) -> ApiResult<()> {
    let app = application::load_draft(state, unit, app_id).await?;
    let old = load_member(state, &app, member).await?;
    let charged = old.covered_until.is_none();
    let (named, expiring) = if charged { (1, 0) } else { (0, 1) };
    let risk = i64::from(charged && old.occupation == Occupation::HighRisk);
    let table = &*state.table;
    let items = vec![
        db::delete_if(table, key(app_pk(app_id), member_sk(member)), Some("attribute_exists(pk)"), &[]).or_internal("build delete")?,
        db::update_if(
            table,
            app_key(app_id),
            "SET named_count = named_count - :n, expiring_count = expiring_count - :e, high_risk_count = high_risk_count - :r, \
             renewed_count = if_not_exists(renewed_count, :zero) - :k",
            Some("#st = :draft"),
            &[("#st", "status")],
            &[
                (":n", n(named)),
                (":e", n(expiring)),
                (":r", n(risk)),
                (":k", n(u32::from(old.renewed))),
                (":zero", n(0)),
                (":draft", s(ApplicationStatus::Draft.as_str())),
            ],
        )
        .or_internal("build counts")?,
        trail::record(table, &app_pk(app_id), &unit.login, Some(Role::Unit), "member_removed", &format!("删除参保人{}", crate::domain::mask_name(&old.name)))
            .or_internal("build trail")?,
    ];
    commit_draft_change(state, items).await
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewUnnamed {
    pub count: u32,
    pub occupation: Occupation,
}

/// 新增无名单
pub async fn add_unnamed(state: &AppState, unit: &UnitUser, app_id: &str, form: NewUnnamed) -> ApiResult<UnnamedEntry> {
    let app = application::load_draft(state, unit, app_id).await?;
    if form.count == 0 || form.count > 100_000 {
        return Err(ApiError::refused("COUNT_INVALID", "无名单人数应为1到100000之间的整数"));
    }
    app.ensure_room_for(form.count)?;
    let entry = UnnamedEntry {
        entry_id: uuid::Uuid::new_v4().simple().to_string(),
        count: form.count,
        occupation: form.occupation,
        created_at: time::display(time::now()),
    };
    let mut item = db::to_item(&entry).or_internal("encode entry")?;
    item.extend(unnamed::entry_key(app_id, &entry.entry_id));
    let table = &*state.table;
    let items = vec![
        db::put_new(table, item).or_internal("build entry")?,
        unnamed_counts_change(table, app_id, &entry, '+', Some(&app))?,
        trail::record(
            table,
            &app_pk(app_id),
            &unit.login,
            Some(Role::Unit),
            "unnamed_added",
            &format!("新增无名单{}人（{}）", entry.count, entry.occupation.label()),
        )
        .or_internal("build trail")?,
    ];
    commit_draft_change(state, items).await?;
    Ok(entry)
}

pub async fn unnamed(state: &AppState, unit: &UnitUser, app_id: &str) -> ApiResult<Vec<UnnamedEntry>> {
    application::load_for_unit(state, unit, app_id).await?;
    unnamed::list(state, app_id).await
}

pub async fn remove_unnamed(state: &AppState, unit: &UnitUser, app_id: &str, entry_id: &str) -> ApiResult<()> {
    application::load_draft(state, unit, app_id).await?;
    let entry = unnamed(state, unit, app_id)
        .await?
        .into_iter()
        .find(|e| e.entry_id == entry_id)
        .ok_or_else(|| ApiError::not_found("NOT_FOUND", "未找到该无名单记录"))?;
    let table = &*state.table;
    let items = vec![
        db::delete_if(
            table,
            unnamed::entry_key(app_id, entry_id),
            Some("attribute_exists(pk)"),
            &[],
        )
        .or_internal("build delete")?,
        unnamed_counts_change(table, app_id, &entry, '-', None)?,
        trail::record(
            table,
            &app_pk(app_id),
            &unit.login,
            Some(Role::Unit),
            "unnamed_removed",
            &format!("删除无名单{}人", entry.count),
        )
        .or_internal("build trail")?,
    ];
    commit_draft_change(state, items).await
}

/// The draft's unnamed and high-risk counts moved by one entry (`sign` is '+' or '-'), written
/// only while the application is still a draft. An addition checked against `counted` (its
/// room under [`MAX_LISTED`]) is written only if no count grew since.
fn unnamed_counts_change(
    table: &str,
    app_id: &str,
    entry: &UnnamedEntry,
    sign: char,
    counted: Option<&Application>,
) -> ApiResult<TransactWriteItem> {
    let risk = if entry.occupation == Occupation::HighRisk {
        entry.count
    } else {
        0
    };
    db::update_if(
        table,
        app_key(app_id),
        &format!("SET unnamed_count = unnamed_count {sign} :c, high_risk_count = high_risk_count {sign} :r"),
        Some(if counted.is_some() {
            "#st = :draft AND unnamed_count = :uc AND batch_seq = :bs"
        } else {
            "#st = :draft"
        }),
        &[("#st", "status")],
        &[
            (":c", n(entry.count)),
            (":r", n(risk)),
            (":draft", s(ApplicationStatus::Draft.as_str())),
        ]
        .into_iter()
        .chain(
            counted
                .map(|app| [(":uc", n(app.unnamed_count)), (":bs", n(app.batch_seq))])
                .into_iter()
                .flatten(),
        )
        .collect::<Vec<_>>(),
    )
    .or_internal("build counts")
}

/// 参保人员名单下载: whole IDs, so the download itself is recorded in the trail.
pub async fn export(state: &AppState, unit: &UnitUser, app_id: &str) -> ApiResult<Vec<u8>> {
    let app = application::load_for_unit(state, unit, app_id).await?;
    let mut all = members::all(state, &app).await?;
    all.sort_by_key(|m| (m.batch_no, m.row));
    let effective = time::today_beijing() + Days::days(1);
    let rows: Vec<ExportMember> = all
        .iter()
        .map(|m| ExportMember {
            name: m.name.clone(),
            id: m.id.clone(),
            gender: m.gender,
            birth_date: m.birth_date,
            age: m.age_on(effective),
            mobile: m.mobile.clone(),
            occupation: m.occupation,
            batch: format!("第{}批", m.batch_no),
        })
        .collect();
    let count = rows.len();
    let file = spreadsheet::members_xlsx(rows.into_iter()).map_err(|e| ApiError::internal(anyhow::anyhow!("{e}")))?;
    let table = &*state.table;
    db::transact(
        state,
        vec![
            trail::record(
                table,
                &app_pk(app_id),
                &unit.login,
                Some(Role::Unit),
                "members_exported",
                &format!("下载参保人员名单（含完整证件号，{count}人）"),
            )
            .or_internal("build trail")?,
        ],
    )
    .await
    .on_cancel(|c| ApiError::internal(anyhow::anyhow!("trail cancelled: {c:?}")))?;
    Ok(file)
}
