//! 统计: what the office's dashboard shows, counted per agency and year by the writes that
//! change it — an application's creation and each of its status changes add to its agency's
//! tally in the same transaction — so a dashboard reads one item per agency, never the table.
//! [`recount`] rebuilds the tallies from the applications themselves if they ever drift.
use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use crate::platform::db::{self, Item, key, n};
use crate::platform::time;
use crate::records::application::{Application, ApplicationStatus};

/// An application counts in its agency's tally of the (Beijing) year it was created in.
pub fn year_of(app: &Application) -> i32 {
    time::parse_stamp(&app.created_at)
        .map(|at| at.with_timezone(&time::BEIJING).year())
        .unwrap_or_else(|| time::today_beijing().year())
}

pub fn tally_key(agency_code: &str, year: i32) -> Item {
    key(format!("TALLY#{agency_code}"), format!("Y#{year}"))
}

fn count_attr(status: ApplicationStatus) -> String {
    format!("apps_{}", status.as_str())
}

/// The attribute of fees received in a month (`YYYYMM`, Beijing).
fn received_in(month: &str) -> String {
    format!("received_fen_{month}")
}

/// An addition to one tally, written in the transaction of the change it counts (the table
/// is named when the transaction is built, by [`Transition`](crate::records::transition::Transition)).
#[derive(Debug, Clone)]
pub struct TallyChange {
    key: Item,
    expression: String,
    names: Vec<(&'static str, String)>,
    values: Vec<(&'static str, AttributeValue)>,
}

impl TallyChange {
    pub fn item(&self, table: &str) -> anyhow::Result<TransactWriteItem> {
        let names: Vec<(&str, &str)> = self.names.iter().map(|(k, v)| (*k, v.as_str())).collect();
        db::update_if(table, self.key.clone(), &self.expression, None, &names, &self.values)
    }
}

/// A new draft: one more in its agency's 草稿 count.
pub fn created(app: &Application) -> TallyChange {
    TallyChange {
        key: tally_key(&app.agency_code, year_of(app)),
        expression: "ADD #to :one".into(),
        names: vec![("#to", count_attr(ApplicationStatus::Draft))],
        values: vec![(":one", n(1))],
    }
}

/// `app` moves `from` → `to`: one less in `from`'s count, one more in `to`'s.
pub fn moved(app: &Application, from: ApplicationStatus, to: ApplicationStatus) -> TallyChange {
    TallyChange {
        key: tally_key(&app.agency_code, year_of(app)),
        expression: "ADD #from :minus, #to :one".into(),
        names: vec![("#from", count_attr(from)), ("#to", count_attr(to))],
        values: vec![(":minus", n(-1)), (":one", n(1))],
    }
}

/// `app` is paid (待到账 → 已出确认书): moved, and its people, 高危职业 members and the amount
/// received join the insured and received figures (by the month of 到账).
pub fn paid(app: &Application, amount_fen: u64, received_on: NaiveDate) -> TallyChange {
    let mut change = moved(app, ApplicationStatus::Invoiced, ApplicationStatus::Paid);
    change
        .expression
        .push_str(", insured :insured, high_risk :high_risk, received_fen :fee, #month :fee");
    change.names.push(("#month", received_in(&month_of(received_on))));
    change.values.extend([
        (":insured", n(app.insured_count())),
        (":high_risk", n(app.high_risk_count)),
        (":fee", n(amount_fen)),
    ]);
    change
}

pub fn month_of(day: NaiveDate) -> String {
    day.format("%Y%m").to_string()
}

/// One agency's figures for one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Tally {
    /// Applications by state: draft, submitted, l1_approved, l2_approved, approved, invoiced, paid
    pub applications: BTreeMap<String, i64>,
    /// People insured by paid applications (named + 无名单)
    pub insured: i64,
    /// 高危职业 members of paid applications
    pub high_risk: i64,
    /// Fees received (到账确认), fen
    pub received_fen: i64,
    /// Fees received by month (`YYYYMM`, Beijing), fen
    pub received_by_month: BTreeMap<String, i64>,
}

/// Every state at zero, so that each figure names all seven.
impl Default for Tally {
    fn default() -> Tally {
        Tally {
            applications: ApplicationStatus::ALL
                .iter()
                .map(|status| (status.as_str().to_owned(), 0))
                .collect(),
            insured: 0,
            high_risk: 0,
            received_fen: 0,
            received_by_month: BTreeMap::new(),
        }
    }
}

impl Tally {
    pub fn from_item(item: &Item) -> Tally {
        let number = |v: &AttributeValue| v.as_n().ok().and_then(|n| n.parse::<i64>().ok()).unwrap_or(0);
        let mut tally = Tally::default();
        for (name, value) in item {
            if let Some(status) = name.strip_prefix("apps_") {
                tally.applications.insert(status.to_owned(), number(value));
            } else if let Some(month) = name.strip_prefix("received_fen_") {
                tally.received_by_month.insert(month.to_owned(), number(value));
            } else {
                match name.as_str() {
                    "insured" => tally.insured = number(value),
                    "high_risk" => tally.high_risk = number(value),
                    "received_fen" => tally.received_fen = number(value),
                    _ => {}
                }
            }
        }
        tally
    }

    pub fn add(&mut self, other: &Tally) {
        for (status, count) in &other.applications {
            *self.applications.entry(status.clone()).or_default() += count;
        }
        for (month, fen) in &other.received_by_month {
            *self.received_by_month.entry(month.clone()).or_default() += fen;
        }
        self.insured += other.insured;
        self.high_risk += other.high_risk;
        self.received_fen += other.received_fen;
    }

    /// The stored item of this tally, as [`recount`] writes it.
    pub fn to_item(&self, agency_code: &str, year: i32) -> Item {
        let mut item = tally_key(agency_code, year);
        for (status, count) in &self.applications {
            item.insert(format!("apps_{status}"), n(*count));
        }
        for (month, fen) in &self.received_by_month {
            item.insert(received_in(month), n(*fen));
        }
        item.insert("insured".into(), n(self.insured));
        item.insert("high_risk".into(), n(self.high_risk));
        item.insert("received_fen".into(), n(self.received_fen));
        item
    }
}

/// What one application adds to its tally as it stands (for [`recount`]): its state, and for a
/// paid one its people, 高危职业 members and the amount received in the month of 到账.
pub fn contribution(app: &Application, received: Option<(u64, NaiveDate)>) -> Tally {
    let mut tally = Tally::default();
    tally.applications.insert(app.status.as_str().to_owned(), 1);
    if let (ApplicationStatus::Paid, Some((fen, on))) = (app.status, received) {
        tally.insured = i64::from(app.insured_count());
        tally.high_risk = i64::from(app.high_risk_count);
        tally.received_fen = i64::try_from(fen).unwrap_or(i64::MAX);
        tally.received_by_month.insert(month_of(on), tally.received_fen);
    }
    tally
}
