//! 未到期 coverage: one record per person and activity, written when a certificate is issued
//! and read by later imports of the same unit (so the same person is not charged twice while
//! covered). A unit learns only of coverage from its own certificates: another unit's import
//! must not tell whether a stranger is insured, or until when.
use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use aws_sdk_dynamodb::types::Select;

use crate::domain::CoverStanding;
use crate::platform::db::{self, Index, key, s};
use crate::platform::error::{ApiResult, OrInternal};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::certificate::{self, Certificate};
use crate::records::members::Member;
use serde::{Deserialize, Serialize};

/// 未到期: IDs with coverage in the same activity that has not ended, from certificates of
/// `unit_id`.
pub async fn covered_until<'a>(
    state: &AppState,
    unit_id: &str,
    activity_code: &str,
    ids: impl Iterator<Item = &'a str>,
) -> ApiResult<HashMap<String, NaiveDate>> {
    let today = time::today_beijing();
    let mut found = HashMap::new();
    if !holds_live_certificate(state, unit_id, activity_code, today).await? {
        // A unit's first year (or a lapsed one): no member can be 未到期, and an import of
        // 50,000 skips 500 lookups.
        return Ok(found);
    }
    let ids: Vec<&str> = ids.collect();
    // Records written before they carried the unit name only the certificate.
    let mut legacy: Vec<(String, NaiveDate, String)> = Vec::new();
    let keys = ids.iter().map(|id| coverage_key(activity_code, id)).collect();
    for item in db::batch_get(state, keys).await? {
        let id = item.get("id_number").and_then(|v| v.as_s().ok());
        let until = item
            .get("until")
            .and_then(|v| v.as_s().ok())
            .and_then(|d| d.parse::<NaiveDate>().ok());
        let Some((id, until)) = id.zip(until).filter(|(_, until)| *until >= today) else {
            continue;
        };
        match item.get("unit_id").and_then(|v| v.as_s().ok()) {
            Some(owner) if owner == unit_id => {
                found.insert(id.clone(), until);
            }
            Some(_) => {}
            None => {
                let certificate = item.get("certificate").and_then(|v| v.as_s().ok());
                legacy.push((id.clone(), until, certificate.cloned().unwrap_or_default()));
            }
        }
    }
    let numbers: HashSet<&str> = legacy.iter().map(|(_, _, number)| number.as_str()).collect();
    let mut own = HashSet::new();
    for number in numbers {
        if certificate::load(state, number)
            .await?
            .is_some_and(|c| c.unit_id == unit_id)
        {
            own.insert(number.to_owned());
        }
    }
    for (id, until, number) in legacy {
        if own.contains(&number) {
            found.insert(id, until);
        }
    }
    Ok(found)
}

/// Whether `unit_id` holds a certificate of `activity_code` that has not ended: only then can
/// one of its own coverage records be live. Reads the unit's certificates partition (a few a
/// year) with a filter, counting only.
async fn holds_live_certificate(
    state: &AppState,
    unit_id: &str,
    activity_code: &str,
    today: NaiveDate,
) -> ApiResult<bool> {
    let mut start = None;
    loop {
        let out = db::index_query(state, Index::Gsi2(&format!("UNITCERTS#{unit_id}")))
            .filter_expression("activity_code = :activity AND end_date >= :today")
            .expression_attribute_values(":activity", s(activity_code))
            .expression_attribute_values(":today", s(today.to_string()))
            .select(Select::Count)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .or_internal("count live certificates")?;
        if out.count > 0 {
            return Ok(true);
        }
        match out.last_evaluated_key {
            Some(key) => start = Some(key),
            None => return Ok(false),
        }
    }
}

/// One certificate's cover of one person, kept for the staff's 参保记录查询: `PERSON#<id>` /
/// `COVER#<effective>#<certificate>`, so a person's coverages are one partition, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CoverageRecord {
    pub id_number: String,
    pub name: String,
    pub unit_id: String,
    pub unit_name: String,
    pub agency_code: String,
    pub activity_code: String,
    pub activity_name: String,
    pub certificate_number: String,
    pub effective_date: NaiveDate,
    pub end_date: NaiveDate,
    /// 续保 / 新参 on that certificate; absent on certificates from before standings were kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standing: Option<CoverStanding>,
}

pub fn person_pk(id_number: &str) -> String {
    format!("PERSON#{id_number}")
}

impl CoverageRecord {
    pub fn of(cert: &Certificate, member: &Member) -> Self {
        CoverageRecord {
            id_number: member.id.as_str().to_owned(),
            name: member.name.clone(),
            unit_id: cert.unit_id.clone(),
            unit_name: cert.unit_name.clone(),
            agency_code: cert.agency_code.clone(),
            activity_code: cert.activity_code.clone(),
            activity_name: cert.activity_name.clone(),
            certificate_number: cert.number.clone(),
            effective_date: cert.effective_date,
            end_date: cert.end_date,
            standing: cert.standing(member.renewed),
        }
    }

    pub fn to_item(&self) -> anyhow::Result<db::Item> {
        let mut item = db::to_item(self)?;
        item.extend(key(
            person_pk(&self.id_number),
            format!("COVER#{}#{}", self.effective_date, self.certificate_number),
        ));
        Ok(item)
    }
}

/// Every certificate's cover of one person, oldest first (a person has one a year per activity).
pub async fn records_of(state: &AppState, id_number: &str) -> ApiResult<Vec<CoverageRecord>> {
    let query = state
        .db
        .query()
        .table_name(&*state.table)
        .key_condition_expression("pk = :p AND begins_with(sk, :cover)")
        .expression_attribute_values(":p", s(person_pk(id_number)))
        .expression_attribute_values(":cover", s("COVER#"));
    db::query_as(query, "query coverage records").await
}

/// The coverage record of one person in one activity (written when a certificate is issued).
pub fn coverage_key(activity_code: &str, id_number: &str) -> db::Item {
    key(format!("COVER#{activity_code}#{id_number}"), "COVER")
}

/// Records coverage of `unit_id`'s certificate until `until`, for that unit's later imports to
/// count as 未到期.
pub fn coverage_item(
    activity_code: &str,
    id_number: &str,
    until: NaiveDate,
    certificate: &str,
    unit_id: &str,
) -> db::Item {
    let mut item = coverage_key(activity_code, id_number);
    item.insert("id_number".into(), s(id_number));
    item.insert("until".into(), s(until.to_string()));
    item.insert("certificate".into(), s(certificate));
    item.insert("unit_id".into(), s(unit_id));
    item
}
