//! 操作轨迹: who did what, when, to a unit or an application. Written in the same
//! transaction as the change it records.
use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::platform::cursor::{self, CursorPage, PageAt};
use crate::platform::db::{self, OnCancel, key};
use crate::platform::error::{ApiError, ApiResult, OrInternal};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::account::Role;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TrailEntry {
    /// "2025-02-18 10:49:08" (Beijing time)
    pub at: String,
    pub actor: String,
    /// unit, staff, public (self-registration), or operator (table export/import)
    pub role: String,
    /// Stable action code, e.g. `registration_approved`.
    pub action: String,
    /// What happened, in Chinese.
    pub summary: String,
}

/// The trail item for `subject_pk` (e.g. `UNIT#…`), to include in the change's transaction.
/// Longest 退回原因 or 不通过原因: it is kept in the trail and sent by SMS.
pub const REASON_MAX_CHARS: usize = 200;

/// The reason as stored and sent: trimmed, control characters dropped, 1 … 200 characters.
pub fn clean_reason(raw: &str) -> ApiResult<String> {
    let reason: String = raw.trim().chars().filter(|c| !c.is_control()).collect();
    let len = reason.chars().count();
    if len == 0 {
        return Err(ApiError::refused("REASON_REQUIRED", "请填写退回原因"));
    }
    if len > REASON_MAX_CHARS {
        return Err(ApiError::refused(
            "REASON_TOO_LONG",
            format!("退回原因不能超过{REASON_MAX_CHARS}字（当前{len}字）"),
        ));
    }
    Ok(reason)
}

pub fn record(
    table: &str,
    subject_pk: &str,
    actor: &str,
    role: Option<Role>,
    action: &str,
    summary: &str,
) -> anyhow::Result<TransactWriteItem> {
    let role = match role {
        Some(Role::Unit) => "unit",
        Some(Role::Staff) => "staff",
        None => "public",
    };
    entry_item(table, subject_pk, actor, role, action, summary)
}

/// A trail entry for work done outside the application by an operator (e.g. `devstack export`):
/// `operator` names the person or credentials.
pub fn record_operation(
    table: &str,
    subject_pk: &str,
    operator: &str,
    action: &str,
    summary: &str,
) -> anyhow::Result<TransactWriteItem> {
    entry_item(table, subject_pk, operator, "operator", action, summary)
}

fn entry_item(
    table: &str,
    subject_pk: &str,
    actor: &str,
    role: &str,
    action: &str,
    summary: &str,
) -> anyhow::Result<TransactWriteItem> {
    let now = time::now();
    let entry = TrailEntry {
        at: time::display(now),
        actor: actor.to_owned(),
        role: role.to_owned(),
        action: action.to_owned(),
        summary: summary.to_owned(),
    };
    let mut item = db::to_item(&entry)?;
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..8];
    item.extend(key(subject_pk, format!("TRAIL#{}#{suffix}", time::stamp(now))));
    db::put_new(table, item)
}

/// Records a read of whole personal data (a file of whole IDs, certificate images, attachment
/// links): who and when, on its own, since a read changes nothing else.
pub async fn record_read(
    state: &AppState,
    subject_pk: &str,
    actor: &str,
    role: Role,
    action: &str,
    summary: &str,
) -> ApiResult<()> {
    let item = record(&state.table, subject_pk, actor, Some(role), action, summary).or_internal("build trail")?;
    db::transact(state, vec![item])
        .await
        .on_cancel(|c| ApiError::internal(anyhow::anyhow!("trail entry cancelled: {c:?}")))
}

/// Entries a trail page shows unless asked otherwise, and at most.
pub const PAGE_SIZE_DEFAULT: u32 = 20;
pub const PAGE_SIZE_MAX: u32 = 100;

/// One page of a subject's trail, newest first: every look at whole data adds an entry, so a
/// busy application's trail grows long and the latest decisions belong on the first page.
pub async fn page(state: &AppState, subject_pk: &str, at: &PageAt) -> ApiResult<CursorPage<TrailEntry>> {
    let (entries, next) = cursor::table_prefix(subject_pk, "TRAIL#")
        .newest_first()
        .read_page_as(state, at)
        .await?;
    Ok(at.page(entries, None, next))
}
