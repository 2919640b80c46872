//! 导入任务: the application's one import job (`IMPORTJOB` under the application), queued by a
//! file import or by 一键续保 and run by the import worker, with its progress for the page.
use aws_sdk_dynamodb::types::TransactWriteItem;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::platform::db::{self, key, n, s};
use crate::platform::time;
use crate::records::application::{ApplicationStatus, app_key, app_pk};
use crate::records::job_state::JobState;

/// Longer than the import worker may run (its Timeout in template.yaml; a test holds this), so
/// a lease that ran out belongs to a worker that is gone.
pub const LEASE_SECONDS: i64 = 360;

/// 导入批次: one imported file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportBatch {
    pub batch_no: u32,
    /// 文件名称
    pub file_name: String,
    /// 总人数 (non-blank rows)
    pub total: u32,
    /// 成功人数
    pub success: u32,
    /// 失败人数
    pub failed: u32,
    /// Of the successes, 未到期 members (still covered, not charged).
    pub expiring: u32,
    /// 导入时间 (Beijing)
    pub imported_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(ignore)]
    pub failed_rows_key: Option<String>,
}

pub fn batch_sk(batch_no: u32) -> String {
    format!("BATCH#{batch_no:06}")
}

/// The application's import job: one at a time, `IMPORTJOB` under the application.
pub const JOB_SK: &str = "IMPORTJOB";
/// gsi1 partition of the jobs a worker should run now (queued, or running past its lease).
pub const JOBS_DUE: &str = "IMPORTJOBS";
/// A job that failed this often inside (not for its file) is given up as 失败.
pub const MAX_ATTEMPTS: u32 = 3;
/// Progress is saved after every this many members written.
pub const PROGRESS_EVERY: usize = 5_000;

/// The import job as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportJob {
    pub job_id: String,
    pub app_id: String,
    pub unit_id: String,
    pub login: String,
    pub file_name: String,
    /// The claimed file (the staged upload, copied when the job was queued).
    pub object_key: String,
    /// 一键续保: the renewed certificate's application, whose members the job copies instead
    /// of reading a file (`object_key` is empty then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_from: Option<String>,
    pub job_state: JobState,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub rows_read: u32,
    #[serde(default)]
    pub rows_failed: u32,
    #[serde(default)]
    pub rows_to_write: u32,
    #[serde(default)]
    pub rows_written: u32,
    #[serde(default)]
    pub batch: Option<ImportBatch>,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub error_message: Option<String>,
    pub started_at: String,
}

/// 导入进度: the application's latest import, as the page polls it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportProgress {
    pub job_id: String,
    pub file_name: String,
    pub state: JobState,
    /// 处理中 / 完成 / 失败
    pub state_label: String,
    /// Rows read from the file and checked (0 until the file is parsed)
    pub rows_read: u32,
    /// Of those, rows refused (see the failed-rows file once done)
    pub rows_failed: u32,
    /// Good rows to write, and how many are written so far
    pub rows_to_write: u32,
    pub rows_written: u32,
    /// The batch, once 完成
    pub batch: Option<ImportBatch>,
    /// Why it failed (失败): a stable code and a Chinese reason
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub started_at: String,
}

impl From<ImportJob> for ImportProgress {
    fn from(job: ImportJob) -> Self {
        ImportProgress {
            job_id: job.job_id,
            file_name: job.file_name,
            state: job.job_state,
            state_label: job.job_state.label().to_owned(),
            rows_read: job.rows_read,
            rows_failed: job.rows_failed,
            rows_to_write: job.rows_to_write,
            rows_written: job.rows_written,
            batch: job.batch,
            error_code: job.error_code,
            error_message: job.error_message,
            started_at: job.started_at,
        }
    }
}

pub fn job_key(app_id: &str) -> db::Item {
    key(app_pk(app_id), JOB_SK)
}

/// The job item, due now.
pub fn job_item(job: &ImportJob, now: DateTime<Utc>) -> anyhow::Result<db::Item> {
    let mut item = db::to_item(job)?;
    item.extend(job_key(&job.app_id));
    item.insert("gsi1pk".into(), s(JOBS_DUE));
    item.insert("gsi1sk".into(), s(time::stamp(now)));
    Ok(item)
}

/// What queues `job` on its application: the lease (only on a draft, only when no other import
/// holds it) and the job item (only when the last job has ended). Both or neither.
pub fn queue_items(table: &str, job: &ImportJob, now: DateTime<Utc>) -> anyhow::Result<Vec<TransactWriteItem>> {
    Ok(vec![
        db::update_if(
            table,
            app_key(&job.app_id),
            "SET import_lease = :job, import_lease_until = :until",
            Some("#st = :draft AND (attribute_not_exists(import_lease_until) OR import_lease_until < :now)"),
            &[("#st", "status")],
            &[
                (":job", s(&job.job_id)),
                (":until", n(now.timestamp() + LEASE_SECONDS)),
                (":now", n(now.timestamp())),
                (":draft", s(ApplicationStatus::Draft.as_str())),
            ],
        )?,
        db::put_if(
            table,
            job_item(job, now)?,
            Some("attribute_not_exists(pk) OR job_state IN (:done, :failed)"),
            &[(":done", s("done")), (":failed", s("failed"))],
        )?,
    ])
}
