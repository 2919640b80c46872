//! 无名单: head counts without names (gig workers, 新业态) on an application, stored as
//! `APP#<id>` / `UNNAMED#<entry>`; written by the unit's draft, read by the unit and reviewers.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::Occupation;
use crate::platform::db::{self, key, s};
use crate::platform::error::ApiResult;
use crate::platform::state::AppState;
use crate::records::application::app_pk;

/// 无名单: a head count without names (gig workers, 新业态).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnnamedEntry {
    pub entry_id: String,
    pub count: u32,
    pub occupation: Occupation,
    pub created_at: String,
}

pub fn entry_key(app_id: &str, entry_id: &str) -> db::Item {
    key(app_pk(app_id), format!("UNNAMED#{entry_id}"))
}

/// The application's 无名单 entries.
pub async fn list(state: &AppState, app_id: &str) -> ApiResult<Vec<UnnamedEntry>> {
    let query = state
        .db
        .query()
        .table_name(&*state.table)
        .key_condition_expression("pk = :pk AND begins_with(sk, :u)")
        .expression_attribute_values(":pk", s(app_pk(app_id)))
        .expression_attribute_values(":u", s("UNNAMED#"));
    db::query_as(query, "query unnamed").await
}
