//! 首页统计 (staff): applications by state, people insured and fees received, for the caller's
//! agency or one below it, this year against last, from the tallies the workflow keeps
//! (`records::tally`): one item per agency and year is read, never the applications.
use std::collections::HashMap;

use chrono::Datelike;
use serde::Serialize;
use utoipa::ToSchema;

use crate::platform::db;
use crate::platform::error::{ApiError, ApiResult};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::application::{Application, ApplicationStatus};
use crate::records::session::StaffUser;
use crate::records::tally::{self, Tally, tally_key};
use crate::records::transition::Workflow;
use crate::reference::{self, Agency};

/// One line of the dashboard: an agency with everything below it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DashboardRow {
    pub agency_code: String,
    pub agency_name: String,
    /// 本级: the agency's own units only (its children have rows of their own)
    pub own_only: bool,
    pub this_year: Tally,
    pub last_year: Tally,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Dashboard {
    pub agency_code: String,
    pub agency_name: String,
    pub year: i32,
    /// The agency and everything below it
    pub total: Tally,
    pub total_last_year: Tally,
    /// 本级 first (when its own units have any figures), then each child agency's subtree
    pub rows: Vec<DashboardRow>,
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
    let subtree: Vec<&'static Agency> = reference::agencies()
        .iter()
        .filter(|a| reference::is_within(a.code, node.code))
        .collect();
    let keys = subtree
        .iter()
        .flat_map(|a| [tally_key(a.code, year), tally_key(a.code, year - 1)])
        .collect();
    let mut tallies: HashMap<(String, i32), Tally> = HashMap::new();
    for item in db::batch_get(state, keys).await? {
        let agency = item
            .get("pk")
            .and_then(|v| v.as_s().ok())
            .and_then(|pk| pk.strip_prefix("TALLY#"));
        let year = item
            .get("sk")
            .and_then(|v| v.as_s().ok())
            .and_then(|sk| sk.strip_prefix("Y#"))
            .and_then(|y| y.parse::<i32>().ok());
        if let (Some(agency), Some(year)) = (agency, year) {
            tallies.insert((agency.to_owned(), year), Tally::from_item(&item));
        }
    }
    let sum = |codes: &mut dyn Iterator<Item = &str>, year: i32| {
        let mut total = Tally::default();
        for code in codes {
            if let Some(tally) = tallies.get(&(code.to_owned(), year)) {
                total.add(tally);
            }
        }
        total
    };
    let mut rows = Vec::new();
    let own = (
        sum(&mut std::iter::once(node.code), year),
        sum(&mut std::iter::once(node.code), year - 1),
    );
    if own != (Tally::default(), Tally::default()) {
        rows.push(DashboardRow {
            agency_code: node.code.to_owned(),
            agency_name: format!("{}（本级）", node.name),
            own_only: true,
            this_year: own.0,
            last_year: own.1,
        });
    }
    for child in subtree.iter().filter(|a| a.parent == Some(node.code)) {
        let below: Vec<&str> = subtree
            .iter()
            .filter(|a| reference::is_within(a.code, child.code))
            .map(|a| a.code)
            .collect();
        rows.push(DashboardRow {
            agency_code: child.code.to_owned(),
            agency_name: child.name.to_owned(),
            own_only: false,
            this_year: sum(&mut below.iter().copied(), year),
            last_year: sum(&mut below.iter().copied(), year - 1),
        });
    }
    Ok(Dashboard {
        agency_code: node.code.to_owned(),
        agency_name: node.name.to_owned(),
        year,
        total: sum(&mut subtree.iter().map(|a| a.code), year),
        total_last_year: sum(&mut subtree.iter().map(|a| a.code), year - 1),
        rows,
    })
}

/// Recounts every tally from the applications (the review and payment queues hold every
/// application, by state) and overwrites them: the repair if a tally ever drifts. Reads the
/// whole set of applications: an operator's command (`devstack recount-tallies`), run when
/// nobody is changing applications, never a request. Answers the applications counted.
pub async fn recount(state: &AppState) -> anyhow::Result<usize> {
    let mut tallies: HashMap<(String, i32), Tally> = HashMap::new();
    let mut counted = 0;
    for status in ApplicationStatus::ALL {
        let mut start = None;
        loop {
            let page = db::index_query(state, db::Index::Gsi1(&status.queue(), None))
                .set_exclusive_start_key(start)
                .send()
                .await?;
            for item in page.items() {
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
                    .add(&tally::contribution(&app, received));
                counted += 1;
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
    }
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
        .collect();
    db::batch_put(state, writes)
        .await
        .map_err(|e| anyhow::anyhow!(e.message))?;
    Ok(counted)
}
