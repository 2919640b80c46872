//! 提醒短信: run every hour by a schedule (locally, by the dev stack). Each reminder is an
//! outbox item keyed by its event, written with a condition that it is new, so however often
//! this runs, from however many places, a unit gets each reminder once. Nothing is queued
//! outside 08:00–20:00 Beijing time: the notifier sends at once, and units are not texted at
//! night.
//!
//! Reminders (each to the unit's contact):
//! - 30 and 7 days before the end of a certificate's cover, unless its renewal was submitted;
//! - the day after the end, while members may still continue without an observation period;
//! - 7 days after 终审 with no invoice entered (still 待开票);
//! - from the 20th to the 24th, an application still 待到账 that was invoiced before the 20th
//!   (到账确认 runs before the 25th), once a month.
//!
//! A window rather than one exact day for each: a missed run (an outage, a night) catches up.
use std::collections::HashMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Timelike, Utc};
use serde::Serialize;

use crate::domain::renewal::CONTINUITY_DAYS;
use crate::platform::db::{self, Index, s};
use crate::platform::error::{ApiResult, OrInternal};
use crate::platform::sms::{self, SmsText};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::application::{self, Application, ApplicationStatus};
use crate::records::certificate::{Certificate, ENDING_INDEX_KEY, cert_key, ending_sk, renewal_key};
use crate::records::coverage::CoverageRecord;
use crate::records::invoice_entry::{self, InvoiceEntry};
use crate::records::members::{self, Member};
use crate::records::unit;

/// First and last (exclusive) hour of the day, Beijing time, in which reminders are queued.
pub const DAY_STARTS: u32 = 8;
pub const DAY_ENDS: u32 = 20;
/// Days after 终审 before an application without invoice is reminded.
pub const INVOICE_AFTER_DAYS: u64 = 7;
/// Days of the month on which unconfirmed payments are reminded.
pub const PAYMENT_DAYS: std::ops::RangeInclusive<u32> = 20..=24;

/// What one run queued.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReminderReport {
    /// Outside 08:00–20:00 Beijing: nothing was looked at.
    pub night: bool,
    pub queued: usize,
    /// Reminders already queued by an earlier run.
    pub already_sent: usize,
}

/// One reminder: the event that makes it unique, the unit it goes to, and its text.
struct Reminder {
    event: String,
    unit_id: String,
    text: SmsText,
}

/// Queues what is due at `now` (the schedule passes the time of the run).
pub async fn run(state: &AppState, now: DateTime<Utc>) -> ApiResult<ReminderReport> {
    let local = now.with_timezone(&time::BEIJING);
    if !(DAY_STARTS..DAY_ENDS).contains(&local.hour()) {
        return Ok(ReminderReport {
            night: true,
            ..ReminderReport::default()
        });
    }
    let today = local.date_naive();
    let mut due = certificate_reminders(state, today).await?;
    due.extend(invoice_reminders(state, now).await?);
    if PAYMENT_DAYS.contains(&today.day()) {
        due.extend(payment_reminders(state, today).await?);
    }
    let mut report = ReminderReport::default();
    let mut mobiles = HashMap::new();
    for reminder in due {
        if !mobiles.contains_key(&reminder.unit_id) {
            let mobile = unit::load_unit(state, &reminder.unit_id)
                .await?
                .map(|u| u.contact.mobile);
            mobiles.insert(reminder.unit_id.clone(), mobile);
        }
        let Some(Some(mobile)) = mobiles.get(&reminder.unit_id) else {
            tracing::warn!(unit = %reminder.unit_id, event = %reminder.event, "reminder for a unit that is gone");
            continue;
        };
        let item = sms::enqueue(&state.table, &reminder.event, mobile, &reminder.text).or_internal("build reminder")?;
        // The outbox item exists already: this reminder went out on an earlier run.
        match db::transact(state, vec![item]).await {
            Ok(()) => report.queued += 1,
            Err(err) => {
                err.cancelled()?;
                report.already_sent += 1;
            }
        }
    }
    tracing::info!(queued = report.queued, already_sent = report.already_sent, "reminders");
    Ok(report)
}

fn plus(day: NaiveDate, days: u64) -> NaiveDate {
    day.checked_add_days(Days::new(days)).unwrap_or(NaiveDate::MAX)
}

fn minus(day: NaiveDate, days: u64) -> NaiveDate {
    day.checked_sub_days(Days::new(days)).unwrap_or(NaiveDate::MIN)
}

/// Which certificate reminder is due today for a cover ending on `end`, if any.
fn certificate_event(end: NaiveDate, today: NaiveDate) -> Option<CertificateEvent> {
    if end > plus(today, 7) && end <= plus(today, 30) {
        Some(CertificateEvent::Due(30))
    } else if end > today && end <= plus(today, 7) {
        Some(CertificateEvent::Due(7))
    } else if end < today && plus(end, CONTINUITY_DAYS) >= today {
        Some(CertificateEvent::Lapsed)
    } else {
        None
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CertificateEvent {
    Due(u32),
    Lapsed,
}

/// Certificates ending from 15 days ago to 30 days ahead, read by the end index; those whose
/// renewal was submitted are left alone.
async fn certificate_reminders(state: &AppState, today: NaiveDate) -> ApiResult<Vec<Reminder>> {
    let from = minus(today, CONTINUITY_DAYS);
    let to = plus(today, 30);
    let query = state
        .db
        .query()
        .table_name(&*state.table)
        .index_name("gsi1")
        .key_condition_expression("gsi1pk = :p AND gsi1sk BETWEEN :from AND :to")
        .expression_attribute_values(":p", s(ENDING_INDEX_KEY))
        .expression_attribute_values(":from", s(from.to_string()))
        // "~" sorts after "#<number>": the whole last day is in.
        .expression_attribute_values(":to", s(format!("{to}~")));
    let certificates: Vec<Certificate> = db::query_as(query, "query ending certificates").await?;
    let mut due = Vec::new();
    for cert in certificates {
        let Some(event) = certificate_event(cert.end_date, today) else {
            continue;
        };
        if renewal_submitted(state, &cert.number).await? {
            continue;
        }
        let (event, text) = match event {
            CertificateEvent::Due(days) => (
                format!("remind-renewal-{days}:{}", cert.number),
                SmsText::RenewalDue {
                    activity_name: cert.activity_name.clone(),
                    certificate_number: cert.number.clone(),
                    end_date: cert.end_date.to_string(),
                    days,
                },
            ),
            CertificateEvent::Lapsed => (
                format!("remind-renewal-lapsed:{}", cert.number),
                SmsText::RenewalLapsed {
                    activity_name: cert.activity_name.clone(),
                    certificate_number: cert.number.clone(),
                    end_date: cert.end_date.to_string(),
                    last_day: plus(cert.end_date, CONTINUITY_DAYS).to_string(),
                },
            ),
        };
        due.push(Reminder {
            event,
            unit_id: cert.unit_id,
            text,
        });
    }
    Ok(due)
}

/// A renewal of `number` exists and has left 草稿 (submitted, in review or further).
async fn renewal_submitted(state: &AppState, number: &str) -> ApiResult<bool> {
    let Some(guard) = db::get_item(state, renewal_key(number), "get renewal").await? else {
        return Ok(false);
    };
    let Some(app_id) = guard.get("application_id").and_then(|v| v.as_s().ok()) else {
        return Ok(false);
    };
    Ok(application::load(state, app_id)
        .await?
        .is_some_and(|app| app.status != ApplicationStatus::Draft))
}

/// Applications still waiting in one status's queue (all agencies).
async fn waiting(state: &AppState, status: &str) -> ApiResult<Vec<Application>> {
    let pk = format!("APPQ#{status}");
    db::query_as(db::index_query(state, Index::Gsi1(&pk, None)), "query queue").await
}

fn stamped(at: Option<&str>) -> Option<DateTime<Utc>> {
    at.and_then(|at| DateTime::parse_from_rfc3339(at).ok())
        .map(|at| at.with_timezone(&Utc))
}

/// 待开票 for 7 days or more since 终审.
async fn invoice_reminders(state: &AppState, now: DateTime<Utc>) -> ApiResult<Vec<Reminder>> {
    let Some(cutoff) = now.checked_sub_days(Days::new(INVOICE_AFTER_DAYS)) else {
        return Ok(Vec::new());
    };
    Ok(waiting(state, ApplicationStatus::Approved.as_str())
        .await?
        .into_iter()
        .filter_map(|app| {
            let approved = stamped(app.approved_at.as_deref())?;
            (approved <= cutoff).then(|| Reminder {
                event: format!("remind-invoice:{}", app.id),
                unit_id: app.unit_id.clone(),
                text: SmsText::InvoiceOverdue {
                    application_number: app.number.clone(),
                    approved_on: approved.with_timezone(&time::BEIJING).date_naive().to_string(),
                },
            })
        })
        .collect())
}

/// 待到账 on the 20th when invoiced before it; once per application and month.
async fn payment_reminders(state: &AppState, today: NaiveDate) -> ApiResult<Vec<Reminder>> {
    let Some(twentieth) = today
        .with_day(20)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|d| time::BEIJING.from_local_datetime(&d).single())
        .map(|d| d.with_timezone(&Utc))
    else {
        return Ok(Vec::new());
    };
    let month = today.format("%Y-%m").to_string();
    Ok(waiting(state, ApplicationStatus::Invoiced.as_str())
        .await?
        .into_iter()
        .filter(|app| stamped(app.invoiced_at.as_deref()).is_some_and(|at| at < twentieth))
        .map(|app| Reminder {
            event: format!("remind-payment-{month}:{}", app.id),
            unit_id: app.unit_id.clone(),
            text: SmsText::PaymentUnconfirmed {
                application_number: app.number.clone(),
            },
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Certificates issued before reminders and lookups: given their index key and history; invoice
// entries written before 电子发票: given their 批次号 key, and finance's list when paid; drafts
// returned before the unit's badge: given its key; members written before the current
// `members::KEYS_VERSION` (the search by an ID's end, 参保自核's address codes): every index key
// of today's item

/// The migration's progress: where the scan stopped, and whether it went through. (Renamed
/// whenever a key is added — the 回传 key, the 批次号 key — so stacks that had finished an
/// earlier pass scan once more.)
fn migration_key() -> db::Item {
    db::key("MIGRATION#certificates-invoice-entries-member-keys-1", "MIGRATION")
}

/// What one slice of the backfill did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BackfillReport {
    /// Certificates given their end-of-cover key and their members' history records.
    pub certificates: usize,
    /// Invoice entries given their 批次号 key (and, when paid, their place in 电子发票).
    pub invoice_entries: usize,
    /// Returned drafts given their key (the unit's 参保录入 badge).
    pub returned_drafts: usize,
    /// Members given their index keys (the search by an ID's last 4 characters).
    pub members: usize,
    /// The scan has gone through the whole table: later runs do nothing.
    pub done: bool,
}

/// Certificates issued before the end-of-cover index (reminders) and the person history
/// (参保记录查询) existed get both. Certificates are not listed anywhere as a whole, so this
/// scans the table once, a slice per run within `budget`, resuming from where the previous
/// slice stopped (kept in a MIGRATION item); each certificate is done history first, key
/// last, so a slice cut short repeats only idempotent writes.
pub async fn backfill_certificates(state: &AppState, budget: std::time::Duration) -> ApiResult<BackfillReport> {
    let started = std::time::Instant::now();
    let progress = db::get_item(state, migration_key(), "get migration").await?;
    if progress
        .as_ref()
        .and_then(|p| p.get("done"))
        .and_then(|v| v.as_bool().ok())
        .copied()
        .unwrap_or(false)
    {
        return Ok(BackfillReport {
            done: true,
            ..BackfillReport::default()
        });
    }
    let mut start = progress
        .as_ref()
        .and_then(|p| p.get("next_key"))
        .and_then(|v| v.as_m().ok())
        .cloned();
    let mut report = BackfillReport::default();
    loop {
        let page = state
            .db
            .scan()
            .table_name(&*state.table)
            .filter_expression(
                "(sk = :cert AND (attribute_not_exists(gsi1pk) OR attribute_not_exists(gsi3pk))) \
                 OR (begins_with(sk, :entry) AND attribute_not_exists(gsi2pk)) \
                 OR (sk = :app AND #st = :draft AND attribute_exists(returned_reason) \
                     AND attribute_not_exists(gsi3pk)) \
                 OR (begins_with(sk, :member) AND (attribute_not_exists(#keys) OR #keys < :keys))",
            )
            .expression_attribute_values(":member", s("MEMBER#"))
            .expression_attribute_names("#keys", members::KEYS_VERSION_ATTRIBUTE)
            .expression_attribute_values(":keys", db::n(members::KEYS_VERSION))
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":app", s("APP"))
            .expression_attribute_values(":draft", s(ApplicationStatus::Draft.as_str()))
            .expression_attribute_values(":cert", s("CERT"))
            .expression_attribute_values(":entry", s("INVOICE#"))
            .limit(500)
            .set_exclusive_start_key(start.clone())
            .send()
            .await
            .or_internal("scan for certificates")?;
        for item in page.items.unwrap_or_default() {
            let sk = item.get("sk").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            if sk.starts_with("INVOICE#") {
                backfill_entry(state, item).await?;
                report.invoice_entries += 1;
                continue;
            }
            if sk == "APP" {
                backfill_returned(state, item).await?;
                report.returned_drafts += 1;
                continue;
            }
            if sk.starts_with("MEMBER#") {
                backfill_member(state, item).await?;
                report.members += 1;
                continue;
            }
            let has_history = item.contains_key("gsi1pk");
            let cert: Certificate = db::from_item(item).or_internal("decode certificate")?;
            backfill_one(state, &cert, has_history).await?;
            report.certificates += 1;
        }
        start = page.last_evaluated_key;
        let mut update = state
            .db
            .put_item()
            .table_name(&*state.table)
            .set_item(Some(migration_key()));
        match &start {
            Some(next) => update = update.item("next_key", aws_sdk_dynamodb::types::AttributeValue::M(next.clone())),
            None => {
                update = update.item("done", aws_sdk_dynamodb::types::AttributeValue::Bool(true));
                report.done = true;
            }
        }
        update.send().await.or_internal("save migration")?;
        if start.is_none() || started.elapsed() >= budget {
            tracing::info!(
                certificates = report.certificates,
                invoice_entries = report.invoice_entries,
                returned_drafts = report.returned_drafts,
                members = report.members,
                done = report.done,
                "certificate backfill"
            );
            return Ok(report);
        }
    }
}

async fn backfill_returned(state: &AppState, item: db::Item) -> ApiResult<()> {
    let app: Application = db::from_item(item).or_internal("decode application")?;
    let indexed = state
        .db
        .update_item()
        .table_name(&*state.table)
        .set_key(Some(application::app_key(&app.id)))
        .update_expression("SET gsi3pk = :p, gsi3sk = :sk")
        .condition_expression("#st = :draft AND attribute_exists(returned_reason)")
        .expression_attribute_names("#st", "status")
        .expression_attribute_values(":p", s(application::returned_index_key(&app.unit_id)))
        .expression_attribute_values(":sk", s(&app.id))
        .expression_attribute_values(":draft", s(ApplicationStatus::Draft.as_str()))
        .send()
        .await;
    match indexed {
        // Submitted meanwhile: nothing to count.
        Err(e) if db::is_condition_failed(&e) => Ok(()),
        other => other.map(|_| ()).or_internal("index returned draft"),
    }
}

/// Writes the member again as today's code writes it (every index key, the keys version),
/// unless it went or was rewritten meanwhile: an edit writes the keys itself.
async fn backfill_member(state: &AppState, item: db::Item) -> ApiResult<()> {
    let app_id = application::app_id_of(&item, "member")?;
    let member: Member = db::from_item(item).or_internal("decode member")?;
    let written = state
        .db
        .put_item()
        .table_name(&*state.table)
        .set_item(Some(member.to_item(&app_id).or_internal("encode member")?))
        .condition_expression("attribute_exists(pk) AND (attribute_not_exists(#keys) OR #keys < :keys)")
        .expression_attribute_names("#keys", members::KEYS_VERSION_ATTRIBUTE)
        .expression_attribute_values(":keys", db::n(members::KEYS_VERSION))
        .send()
        .await;
    match written {
        Err(e) if db::is_condition_failed(&e) => Ok(()),
        other => other.map(|_| ()).or_internal("index member"),
    }
}

async fn backfill_entry(state: &AppState, item: db::Item) -> ApiResult<()> {
    let app_id = application::app_id_of(&item, "invoice entry")?;
    let entry: InvoiceEntry = db::from_item(item).or_internal("decode invoice entry")?;
    state
        .db
        .update_item()
        .table_name(&*state.table)
        .set_key(Some(invoice_entry::entry_key(&app_id, &entry.entry_id)))
        .update_expression("SET gsi2pk = :p, gsi2sk = :sk")
        .condition_expression("attribute_exists(pk)")
        .expression_attribute_values(":p", s(invoice_entry::batch_index_key(&entry.batch_no)))
        .expression_attribute_values(":sk", s(invoice_entry::BATCH_INDEX_SK))
        .send()
        .await
        .or_internal("index invoice entry")?;
    if let Some(app) = application::load(state, &app_id).await?
        && app.status == ApplicationStatus::Paid
    {
        invoice_entry::open_for_e_invoice(state, &app).await?;
    }
    Ok(())
}

async fn backfill_one(state: &AppState, cert: &Certificate, has_history: bool) -> ApiResult<()> {
    if !has_history && let Some(app) = application::load(state, &cert.application_id).await? {
        let items = members::all(state, &app)
            .await?
            .iter()
            .filter(|m| m.covered_until.is_none())
            .map(|m| CoverageRecord::of(cert, m).to_item())
            .collect::<anyhow::Result<Vec<_>>>()
            .or_internal("encode coverage record")?;
        db::batch_put(state, items).await?;
    }
    state
        .db
        .update_item()
        .table_name(&*state.table)
        .set_key(Some(cert_key(&cert.number)))
        .update_expression("SET gsi1pk = :p, gsi1sk = :sk, gsi3pk = :rp, gsi3sk = :rsk")
        .condition_expression("attribute_exists(pk)")
        .expression_attribute_values(":p", s(ENDING_INDEX_KEY))
        .expression_attribute_values(":sk", s(ending_sk(cert.end_date, &cert.number)))
        .expression_attribute_values(":rp", s(cert.return_status().queue()))
        .expression_attribute_values(":rsk", s(cert.return_queue_sk()))
        .send()
        .await
        .or_internal("index certificate")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn each_certificate_reminder_has_its_days() {
        let today = day("2027-03-01");
        let event = |end: &str| certificate_event(day(end), today);
        assert_eq!(event("2027-03-31"), Some(CertificateEvent::Due(30)));
        assert_eq!(event("2027-04-01"), None);
        assert_eq!(event("2027-03-09"), Some(CertificateEvent::Due(30)));
        assert_eq!(event("2027-03-08"), Some(CertificateEvent::Due(7)));
        assert_eq!(event("2027-03-02"), Some(CertificateEvent::Due(7)));
        assert_eq!(event("2027-03-01"), None);
        assert_eq!(event("2027-02-28"), Some(CertificateEvent::Lapsed));
        assert_eq!(event("2027-02-14"), Some(CertificateEvent::Lapsed));
        assert_eq!(event("2027-02-13"), None);
    }
}
