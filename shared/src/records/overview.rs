//! 首页统计's figures: an agency's and each child's, this year against last, from the tallies
//! the workflow keeps (`records::tally`): one item per agency and year is read, never the
//! applications.
use std::collections::{BTreeSet, HashMap};

use chrono::Datelike;
use serde::Serialize;
use utoipa::ToSchema;

use crate::platform::db;
use crate::platform::error::{ApiError, ApiResult};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::session::StaffUser;
use crate::records::tally::{self, Tally, tally_key};
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

/// The agency (within the caller's jurisdiction) and year a dashboard or its export is of.
pub fn scope<'a>(staff: &'a StaffUser, agency: Option<&'a str>, year: Option<i32>) -> ApiResult<(&'a str, i32)> {
    let code = agency
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .unwrap_or(&staff.agency_code);
    staff.require_jurisdiction(code)?;
    if reference::agency(code).is_none() {
        return Err(ApiError::not_found("NOT_FOUND", "未找到该机构"));
    }
    let this_year = time::today_beijing().year();
    let year = year.unwrap_or(this_year);
    if !(2000..=this_year + 1).contains(&year) {
        return Err(ApiError::refused(
            "YEAR_INVALID",
            format!("年度应在2000至{}之间", this_year + 1),
        ));
    }
    Ok((code, year))
}

/// The figures of `code` and each agency below it for `year` (the caller checked the
/// jurisdiction and the year).
pub async fn of_agency(state: &AppState, code: &str, year: i32) -> ApiResult<Dashboard> {
    let Some(node) = reference::agency(code) else {
        return Err(ApiError::not_found("NOT_FOUND", "未找到该机构"));
    };
    let subtree = subtree(node.code);
    let tallies = read(state, &subtree, year).await?;
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

fn subtree(code: &str) -> Vec<&'static str> {
    reference::agencies()
        .iter()
        .filter(|a| reference::is_within(a.code, code))
        .map(|a| a.code)
        .collect()
}

/// Each agency's tallies of `year` and the year before, and its standing one.
async fn read(state: &AppState, subtree: &[&str], year: i32) -> ApiResult<Tallies> {
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
    Ok(tallies)
}

/// 未续保 as a list: each unit of `code`'s subtree insured in `year - 1` and not in `year`, as
/// `<agency path>#<unit id>`, sorted (agency by agency), each unit once.
pub async fn not_renewed_listed(state: &AppState, code: &str, year: i32) -> ApiResult<Vec<String>> {
    let subtree = subtree(code);
    let tallies = read(state, &subtree, year).await?;
    let renewed = tallies.figures(&subtree).this_year.unit_ids;
    let mut seen = BTreeSet::new();
    let mut keys = Vec::new();
    for agency in &subtree {
        let path = reference::path(agency).unwrap_or_default();
        for id in tallies.figures(&[agency]).last_year.unit_ids.difference(&renewed) {
            if seen.insert(id.clone()) {
                keys.push(format!("{path}#{id}"));
            }
        }
    }
    keys.sort();
    Ok(keys)
}

/// The unit id of a [`not_renewed_listed`] key.
pub fn listed_unit_id(key: &str) -> &str {
    key.rsplit('#').next().unwrap_or(key)
}

/// 未续保: the ids of the units of `code`'s subtree insured in `year - 1` and not in `year`.
pub async fn not_renewed(state: &AppState, code: &str, year: i32) -> ApiResult<BTreeSet<String>> {
    let subtree = subtree(code);
    let tallies = read(state, &subtree, year).await?;
    let figures = tallies.figures(&subtree);
    Ok(figures
        .last_year
        .unit_ids
        .difference(&figures.this_year.unit_ids)
        .cloned()
        .collect())
}
