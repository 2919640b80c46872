//! 首页统计 (staff): applications by state, people insured and fees received, for the caller's
//! agency or one below it, this year against last, from the tallies the workflow keeps
//! (`records::tally`): one item per agency and year is read, never the applications.
use std::collections::HashMap;

use chrono::Datelike;
use serde::Serialize;
use utoipa::ToSchema;

use crate::platform::db::{self, s};
use crate::platform::error::{ApiError, ApiResult};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::application::{self, Application, ApplicationStatus};
use crate::records::session::StaffUser;
use crate::records::tally::{self, Tally, tally_key};
use crate::records::transition::Workflow;
use crate::records::unit::{RegistrationStatus, Unit};
use crate::reference;

/// The figures of an agency (with or without what is below it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Figures {
    /// Units registered (approved registrations, all years)
    pub registered: i64,
    /// 未续保: units insured (a paid application) last year and not yet this year
    pub not_renewed: i64,
    pub this_year: Tally,
    pub last_year: Tally,
}

/// One line of the dashboard: an agency with everything below it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DashboardRow {
    pub agency_code: String,
    pub agency_name: String,
    /// 本级: the agency's own units only (its children have rows of their own)
    pub own_only: bool,
    pub figures: Figures,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Dashboard {
    pub agency_code: String,
    pub agency_name: String,
    pub year: i32,
    /// The agency and everything below it
    pub total: Figures,
    /// 本级 first (when its own units have any figures), then each child agency's subtree
    pub rows: Vec<DashboardRow>,
}

/// The tallies read for one dashboard: each agency's of two years and its standing one.
struct Tallies {
    year: i32,
    by_year: HashMap<(String, i32), Tally>,
    registered: HashMap<String, i64>,
}

impl Tallies {
    fn figures(&self, codes: &[&str]) -> Figures {
        let sum = |year: i32| {
            let mut total = Tally::default();
            for code in codes {
                if let Some(tally) = self.by_year.get(&((*code).to_owned(), year)) {
                    total.add(tally);
                }
            }
            total
        };
        let (this_year, last_year) = (sum(self.year), sum(self.year - 1));
        let not_renewed = last_year.unit_ids.difference(&this_year.unit_ids).count();
        Figures {
            registered: codes.iter().filter_map(|code| self.registered.get(*code)).sum(),
            not_renewed: i64::try_from(not_renewed).unwrap_or(i64::MAX),
            this_year,
            last_year,
        }
    }
}

/// The dashboard of `agency` (the caller's own by default; refused outside their jurisdiction)
/// for `year` (this year by default).
pub async fn dashboard(
    state: &AppState,
    staff: &StaffUser,
    agency: Option<&str>,
    year: Option<i32>,
) -> ApiResult<Dashboard> {
    let code = agency
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .unwrap_or(&staff.agency_code);
    staff.require_jurisdiction(code)?;
    let Some(node) = reference::agency(code) else {
        return Err(ApiError::not_found("NOT_FOUND", "未找到该机构"));
    };
    let this_year = time::today_beijing().year();
    let year = year.unwrap_or(this_year);
    if !(2000..=this_year + 1).contains(&year) {
        return Err(ApiError::refused(
            "YEAR_INVALID",
            format!("年度应在2000至{}之间", this_year + 1),
        ));
    }
    let subtree: Vec<&str> = reference::agencies()
        .iter()
        .filter(|a| reference::is_within(a.code, node.code))
        .map(|a| a.code)
        .collect();
    let keys = subtree
        .iter()
        .flat_map(|code| {
            [
                tally_key(code, year),
                tally_key(code, year - 1),
                tally::standing_key(code),
            ]
        })
        .collect();
    let mut tallies = Tallies {
        year,
        by_year: HashMap::new(),
        registered: HashMap::new(),
    };
    for item in db::batch_get(state, keys).await? {
        match tally::tally_of(&item) {
            Some((agency, Some(year))) => {
                tallies.by_year.insert((agency, year), Tally::from_item(&item));
            }
            Some((agency, None)) => {
                tallies.registered.insert(agency, tally::registered_in(&item));
            }
            None => {}
        }
    }
    // Each agency below counts in the row of the child of `node` it descends from.
    let mut below: HashMap<&str, Vec<&str>> = HashMap::new();
    for code in &subtree {
        let chain = reference::ancestors(code);
        if let Some(pos) = chain.iter().position(|a| a.code == node.code)
            && let Some(child) = chain.get(pos + 1)
        {
            below.entry(child.code).or_default().push(code);
        }
    }
    let mut rows = Vec::new();
    let own = tallies.figures(&[node.code]);
    if own.registered != 0 || own.this_year != Tally::default() || own.last_year != Tally::default() {
        rows.push(DashboardRow {
            agency_code: node.code.to_owned(),
            agency_name: format!("{}（本级）", node.name),
            own_only: true,
            figures: own,
        });
    }
    for child in reference::agencies().iter().filter(|a| a.parent == Some(node.code)) {
        rows.push(DashboardRow {
            agency_code: child.code.to_owned(),
            agency_name: child.name.to_owned(),
            own_only: false,
            figures: tallies.figures(below.get(child.code).map(Vec::as_slice).unwrap_or_default()),
        });
    }
    Ok(Dashboard {
        agency_code: node.code.to_owned(),
        agency_name: node.name.to_owned(),
        year,
        total: tallies.figures(&subtree),
        rows,
    })
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
