//! 未到期 coverage: one record per person and activity, written when a certificate is issued
//! and read by later imports (so the same person is not charged twice while covered).
use std::collections::HashMap;

use aws_sdk_dynamodb::types::KeysAndAttributes;
use chrono::NaiveDate;

use crate::platform::db::{self, key, s};
use crate::platform::error::{ApiResult, OrInternal};
use crate::platform::state::AppState;
use crate::platform::time;

/// 未到期: IDs with coverage in the same activity that has not ended, from issued certificates.
pub async fn covered_until<'a>(
    state: &AppState,
    activity_code: &str,
    ids: impl Iterator<Item = &'a str>,
) -> ApiResult<HashMap<String, NaiveDate>> {
    let today = time::today_beijing();
    let ids: Vec<&str> = ids.collect();
    let mut found = HashMap::new();
    for chunk in ids.chunks(100) {
        let keys: Vec<db::Item> = chunk.iter().map(|id| coverage_key(activity_code, id)).collect();
        let mut request = Some(
            KeysAndAttributes::builder()
                .set_keys(Some(keys))
                .build()
                .or_internal("keys")?,
        );
        while let Some(keys) = request.take() {
            let out = state
                .db
                .batch_get_item()
                .request_items(&*state.table, keys)
                .send()
                .await
                .or_internal("batch get coverage")?;
            for item in out.responses().and_then(|r| r.get(&*state.table)).into_iter().flatten() {
                let id = item.get("id_number").and_then(|v| v.as_s().ok());
                let until = item
                    .get("until")
                    .and_then(|v| v.as_s().ok())
                    .and_then(|d| d.parse::<NaiveDate>().ok());
                if let (Some(id), Some(until)) = (id, until)
                    && until >= today
                {
                    found.insert(id.clone(), until);
                }
            }
            request = out.unprocessed_keys().and_then(|u| u.get(&*state.table)).cloned();
        }
    }
    Ok(found)
}

/// The coverage record of one person in one activity (written when a certificate is issued).
pub fn coverage_key(activity_code: &str, id_number: &str) -> db::Item {
    key(format!("COVER#{activity_code}#{id_number}"), "COVER")
}

/// Records coverage until `until` for later imports to count as 未到期.
pub fn coverage_item(activity_code: &str, id_number: &str, until: NaiveDate, certificate: &str) -> db::Item {
    let mut item = coverage_key(activity_code, id_number);
    item.insert("id_number".into(), s(id_number));
    item.insert("until".into(), s(until.to_string()));
    item.insert("certificate".into(), s(certificate));
    item
}
