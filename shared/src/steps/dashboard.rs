//! 首页统计 (staff): applications by state, people insured and fees received, for the caller's
//! agency or one below it, this year against last, from the tallies the workflow keeps
//! (`records::tally`, read by `records::overview`); and the recount that rebuilds them.
use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::mask_name;
use crate::platform::cursor::{CursorPage, PageAt};
use crate::platform::db::{self, s};
use crate::platform::error::{ApiResult, OrInternal};
use crate::platform::state::AppState;
use crate::records::application::{self, Application, ApplicationStatus};
use crate::records::invoice_entry;
use crate::records::overview::{self, Dashboard};
use crate::records::session::StaffUser;
use crate::records::tally::{self, Tally};
use crate::records::transition::Workflow;
use crate::records::unit::{RegistrationStatus, Unit, unit_key};
use crate::reference;

/// The dashboard of `agency` (the caller's own by default; refused outside their jurisdiction)
/// for `year` (this year by default).
pub async fn dashboard(
    state: &AppState,
    staff: &StaffUser,
    agency: Option<&str>,
    year: Option<i32>,
) -> ApiResult<Dashboard> {
    let (code, year) = overview::scope(staff, agency, year)?;
    overview::of_agency(state, code, year).await
}

/// 未续保单位: one unit insured last year and not yet this year, its contact masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotRenewedRow {
    pub unit_id: String,
    pub unit_name: String,
    pub unit_code: String,
    /// 所属机构
    pub agency_name: String,
    pub contact_name: String,
    pub contact_mobile: String,
    pub office_phone: String,
}

/// A page of the units of the agency's subtree insured last year and not yet in `year`,
/// agency by agency; the total is the dashboard's 未续保.
pub async fn not_renewed(
    state: &AppState,
    staff: &StaffUser,
    agency: Option<&str>,
    year: Option<i32>,
    at: &PageAt,
) -> ApiResult<CursorPage<NotRenewedRow>> {
    let (code, year) = overview::scope(staff, agency, year)?;
    let keys = overview::not_renewed_listed(state, code, year).await?;
    let (page, next) = at.page_of_sorted(&keys)?;
    let ids: Vec<&str> = page.iter().map(|key| overview::listed_unit_id(key)).collect();
    let mut units: HashMap<String, Unit> = db::batch_get(state, ids.iter().map(|id| unit_key(id)).collect())
        .await?
        .into_iter()
        .map(|item| db::from_item::<Unit>(item).map(|u| (u.id.clone(), u)))
        .collect::<anyhow::Result<_>>()
        .or_internal("decode unit")?;
    let rows = ids
        .iter()
        .filter_map(|id| units.remove(*id))
        .map(|unit| NotRenewedRow {
            agency_name: reference::full_name(&unit.agency_code).unwrap_or_default(),
            contact_name: mask_name(&unit.contact.name),
            contact_mobile: unit.contact.mobile.masked(),
            office_phone: unit.contact.office_phone.to_string(),
            unit_code: unit.unit_code.into(),
            unit_name: unit.unit_name,
            unit_id: unit.id,
        })
        .collect();
    Ok(at.page(rows, Some(u32::try_from(keys.len()).unwrap_or(u32::MAX)), next))
}

/// Recounts every tally from the applications (the review and payment queues hold every
/// application, by state) and the approved registrations, and overwrites them: the repair if a
/// tally ever drifts. Reads every application: an operator's command (`devstack
/// recount-tallies`), run when nobody is changing applications, never a request. Answers the
/// applications counted.
pub async fn recount(state: &AppState) -> anyhow::Result<usize> {
    let mut tallies: HashMap<(String, i32), Tally> = HashMap::new();
    let mut counted = 0;
    let mut unindexed = Vec::new();
    let mut waiting_payment = Vec::new();
    for status in ApplicationStatus::ALL {
        each_in_queue(state, &status.queue(), |item| {
            let app: Application = db::from_item(item.clone())?;
            let received = item
                .get("payment_amount_fen")
                .and_then(|v| v.as_n().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .zip(
                    item.get("payment_received_on")
                        .and_then(|v| v.as_s().ok())
                        .and_then(|d| d.parse::<chrono::NaiveDate>().ok()),
                );
            tallies
                .entry((app.agency_code.clone(), tally::year_of(&app)))
                .or_default()
                .add(&tally::contribution(&app, received)?);
            if app.status == ApplicationStatus::Invoiced {
                waiting_payment.push(app.id.clone());
            }
            if !item.contains_key("gsi4pk") {
                unindexed.push(app);
            }
            counted += 1;
            Ok(())
        })
        .await?;
    }
    // Applications made before the search index (业务查询) get its keys.
    for app in &unindexed {
        state
            .db
            .update_item()
            .table_name(&*state.table)
            .set_key(Some(application::app_key(&app.id)))
            .update_expression("SET gsi4pk = :pk, gsi4sk = :sk")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":pk", s(application::search_pk(tally::year_of(app))))
            .expression_attribute_values(
                ":sk",
                s(application::queue_sk(&app.agency_code, &app.created_at, &app.id)),
            )
            .send()
            .await?;
    }
    // 银行对账 finds who pays by the entries' 抬头: entries written before that index get it.
    for app_id in &waiting_payment {
        invoice_entry::index_payers(state, app_id)
            .await
            .map_err(|e| anyhow::anyhow!(e.message))?;
    }
    let mut registered: HashMap<String, i64> = HashMap::new();
    each_in_queue(state, &RegistrationStatus::Approved.queue(), |item| {
        let unit: Unit = db::from_item(item.clone())?;
        *registered.entry(unit.agency_code).or_default() += 1;
        Ok(())
    })
    .await?;
    // Every agency's tally of every year counted is written, zero where nothing is left, so a
    // drifted tally of an agency without applications is mended too.
    let years: std::collections::BTreeSet<i32> = tallies.keys().map(|(_, year)| *year).collect();
    for agency in reference::agencies() {
        for year in &years {
            tallies.entry((agency.code.to_owned(), *year)).or_default();
        }
    }
    let writes = tallies
        .iter()
        .map(|((agency, year), tally)| tally.to_item(agency, *year))
        .chain(
            reference::agencies()
                .iter()
                .map(|agency| tally::standing_item(agency.code, registered.get(agency.code).copied().unwrap_or(0))),
        )
        .collect();
    db::batch_put(state, writes)
        .await
        .map_err(|e| anyhow::anyhow!(e.message))?;
    Ok(counted)
}

/// Every record of one queue (`gsi1pk`), a page at a time.
async fn each_in_queue(
    state: &AppState,
    queue: &str,
    mut each: impl FnMut(&db::Item) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut start = None;
    loop {
        let page = db::index_query(state, db::Index::Gsi1(queue, None))
            .set_exclusive_start_key(start)
            .send()
            .await?;
        for item in page.items() {
            each(item)?;
        }
        start = page.last_evaluated_key;
        if start.is_none() {
            return Ok(());
        }
    }
}
