//! 统计: what the office's dashboard shows, counted per agency and year by the writes that
//! change it — an application's creation and each of its status changes add to its agency's
//! tally in the same transaction — so a dashboard reads one item per agency, never the table.
//! The dashboard step's recount (`devstack recount-tallies`) rebuilds them from the
//! applications if they ever drift.
use std::collections::{BTreeMap, BTreeSet};

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

/// The tally of what does not belong to a year: units registered.
pub fn standing_key(agency_code: &str) -> Item {
    key(format!("TALLY#{agency_code}"), STANDING)
}

const STANDING: &str = "ALL";

/// Which tally a stored item is: its agency and year (`None` for the standing tally).
pub fn tally_of(item: &Item) -> Option<(String, Option<i32>)> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok());
    let agency = text("pk")?.strip_prefix("TALLY#")?.to_owned();
    match text("sk")?.as_str() {
        STANDING => Some((agency, None)),
        sk => Some((agency, Some(sk.strip_prefix("Y#")?.parse().ok()?))),
    }
}

fn count_attr(status: ApplicationStatus) -> String {
    format!("apps_{}", status.as_str())
}

/// Money counted by month of the step that moved it: 应交 at 终审, 开票 when the unit submits
/// its invoice data, 到账 on the bank's date of receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Due,
    Invoiced,
    Received,
}

impl Flow {
    const ALL: [Flow; 3] = [Flow::Due, Flow::Invoiced, Flow::Received];

    /// The attribute of the total; `<attr>_<YYYYMM>` holds each month's.
    fn attr(self) -> &'static str {
        match self {
            Flow::Due => "due_fen",
            Flow::Invoiced => "invoiced_fen",
            Flow::Received => "received_fen",
        }
    }
}

pub fn month_of(day: NaiveDate) -> String {
    day.format("%Y%m").to_string()
}

/// An addition to one tally, written in the transaction of the change it counts (the table
/// is named when the transaction is built, by [`Transition`](crate::records::transition::Transition)).
#[derive(Debug, Clone)]
pub struct TallyChange {
    key: Item,
    adds: Vec<String>,
    names: Vec<(String, String)>,
    values: Vec<(String, AttributeValue)>,
}

impl TallyChange {
    fn new(key: Item) -> TallyChange {
        TallyChange {
            key,
            adds: Vec::new(),
            names: Vec::new(),
            values: Vec::new(),
        }
    }

    /// `ADD attr value`, with a placeholder of its own for each.
    fn add(mut self, attr: impl Into<String>, value: AttributeValue) -> TallyChange {
        let i = self.adds.len();
        self.adds.push(format!("#a{i} :v{i}"));
        self.names.push((format!("#a{i}"), attr.into()));
        self.values.push((format!(":v{i}"), value));
        self
    }

    /// `amount_fen` of `flow` on `day`: to the total and to the month's.
    fn flow(self, flow: Flow, amount_fen: u64, day: NaiveDate) -> TallyChange {
        self.add(flow.attr(), n(amount_fen))
            .add(format!("{}_{}", flow.attr(), month_of(day)), n(amount_fen))
    }

    pub fn item(&self, table: &str) -> anyhow::Result<TransactWriteItem> {
        let names: Vec<(&str, &str)> = self.names.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let values: Vec<(&str, AttributeValue)> = self.values.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        db::update_if(
            table,
            self.key.clone(),
            &format!("ADD {}", self.adds.join(", ")),
            None,
            &names,
            &values,
        )
    }

    #[cfg(test)]
    pub fn attributes(&self) -> Vec<&str> {
        self.names.iter().map(|(_, attr)| attr.as_str()).collect()
    }
}

/// A new draft: one more in its agency's 草稿 count.
pub fn created(app: &Application) -> TallyChange {
    TallyChange::new(tally_key(&app.agency_code, year_of(app))).add(count_attr(ApplicationStatus::Draft), n(1))
}

/// `app` moves `from` → `to`: one less in `from`'s count, one more in `to`'s.
pub fn moved(app: &Application, from: ApplicationStatus, to: ApplicationStatus) -> TallyChange {
    TallyChange::new(tally_key(&app.agency_code, year_of(app)))
        .add(count_attr(from), n(-1))
        .add(count_attr(to), n(1))
}

/// 终审: moved to 待开票, and `due` (应交保费 after subsidy and gift) falls due `on`.
pub fn approved(app: &Application, due_fen: u64, on: NaiveDate) -> TallyChange {
    moved(app, ApplicationStatus::L2Approved, ApplicationStatus::Approved).flow(Flow::Due, due_fen, on)
}

/// The unit's invoice data: moved to 待到账, and its 应交保费 invoiced `on`.
pub fn invoiced(app: &Application, amount_fen: u64, on: NaiveDate) -> TallyChange {
    moved(app, ApplicationStatus::Approved, ApplicationStatus::Invoiced).flow(Flow::Invoiced, amount_fen, on)
}

/// `app` is paid (待到账 → 已出确认书): moved, the amount received joins the month of 到账, and
/// its unit, people, employees, 高危职业 and 超龄 members join the insured figures.
pub fn paid(app: &Application, amount_fen: u64, received_on: NaiveDate) -> TallyChange {
    moved(app, ApplicationStatus::Invoiced, ApplicationStatus::Paid)
        .flow(Flow::Received, amount_fen, received_on)
        .add("insured", n(app.insured_count()))
        .add("employees", n(app.employees.unwrap_or(0)))
        .add("high_risk", n(app.high_risk_count))
        .add("over_age", n(app.over_age_count))
        .add("units", AttributeValue::Ss(vec![app.unit_id.clone()]))
}

/// A unit's registration approved: one more registered unit of its agency, for good.
pub fn registered(agency_code: &str) -> TallyChange {
    TallyChange::new(standing_key(agency_code)).add("registered", n(1))
}

/// Money of one [`Flow`]: the total and each month's (`YYYYMM`, Beijing), in fen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Fees {
    pub total_fen: i64,
    pub by_month: BTreeMap<String, i64>,
}

impl Fees {
    fn add(&mut self, other: &Fees) {
        self.total_fen += other.total_fen;
        for (month, fen) in &other.by_month {
            *self.by_month.entry(month.clone()).or_default() += fen;
        }
    }

    fn single(fen: u64, on: Option<NaiveDate>) -> Fees {
        let fen = i64::try_from(fen).unwrap_or(i64::MAX);
        Fees {
            total_fen: fen,
            by_month: on.map(|day| (month_of(day), fen)).into_iter().collect(),
        }
    }
}

/// One agency's figures for one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Tally {
    /// Applications by state: draft, submitted, l1_approved, l2_approved, approved, invoiced, paid
    pub applications: BTreeMap<String, i64>,
    /// Units with at least one paid application (参保单位)
    pub units: i64,
    /// Which units those are (not sent: the dashboard compares years with them)
    #[serde(skip)]
    pub unit_ids: BTreeSet<String>,
    /// People insured by paid applications (named + 无名单)
    pub insured: i64,
    /// 在职职工人数 of the units of paid applications (参保率 = insured / employees)
    pub employees: i64,
    /// 高危职业 members of paid applications
    pub high_risk: i64,
    /// 超龄 members of paid applications (as the self-check found them at submission)
    pub over_age: i64,
    /// 应交保费 fixed at 终审, by month of 终审
    pub due: Fees,
    /// Invoiced by the units' 开票信息, by month of submission
    pub invoiced: Fees,
    /// Received (到账确认), by month of receipt
    pub received: Fees,
}

/// Every state at zero, so that each figure names all seven.
impl Default for Tally {
    fn default() -> Tally {
        Tally {
            applications: ApplicationStatus::ALL
                .iter()
                .map(|status| (status.as_str().to_owned(), 0))
                .collect(),
            units: 0,
            unit_ids: BTreeSet::new(),
            insured: 0,
            employees: 0,
            high_risk: 0,
            over_age: 0,
            due: Fees::default(),
            invoiced: Fees::default(),
            received: Fees::default(),
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
                continue;
            }
            if let Some(flow) = Flow::ALL.into_iter().find(|f| name.starts_with(f.attr())) {
                let fees = tally.fees_mut(flow);
                match name[flow.attr().len()..].strip_prefix('_') {
                    Some(month) => {
                        fees.by_month.insert(month.to_owned(), number(value));
                    }
                    None => fees.total_fen = number(value),
                }
                continue;
            }
            match name.as_str() {
                "units" => {
                    tally.unit_ids = value
                        .as_ss()
                        .map(|ids| ids.iter().cloned().collect())
                        .unwrap_or_default()
                }
                "insured" => tally.insured = number(value),
                "employees" => tally.employees = number(value),
                "high_risk" => tally.high_risk = number(value),
                "over_age" => tally.over_age = number(value),
                _ => {}
            }
        }
        tally.units = i64::try_from(tally.unit_ids.len()).unwrap_or(i64::MAX);
        tally
    }

    fn fees_mut(&mut self, flow: Flow) -> &mut Fees {
        match flow {
            Flow::Due => &mut self.due,
            Flow::Invoiced => &mut self.invoiced,
            Flow::Received => &mut self.received,
        }
    }

    pub fn add(&mut self, other: &Tally) {
        for (status, count) in &other.applications {
            *self.applications.entry(status.clone()).or_default() += count;
        }
        self.unit_ids.extend(other.unit_ids.iter().cloned());
        self.units = i64::try_from(self.unit_ids.len()).unwrap_or(i64::MAX);
        self.insured += other.insured;
        self.employees += other.employees;
        self.high_risk += other.high_risk;
        self.over_age += other.over_age;
        self.due.add(&other.due);
        self.invoiced.add(&other.invoiced);
        self.received.add(&other.received);
    }

    /// The stored item of this tally, as the dashboard step's recount writes it.
    pub fn to_item(&self, agency_code: &str, year: i32) -> Item {
        let mut item = tally_key(agency_code, year);
        for (status, count) in &self.applications {
            item.insert(format!("apps_{status}"), n(*count));
        }
        for flow in Flow::ALL {
            let fees = match flow {
                Flow::Due => &self.due,
                Flow::Invoiced => &self.invoiced,
                Flow::Received => &self.received,
            };
            item.insert(flow.attr().into(), n(fees.total_fen));
            for (month, fen) in &fees.by_month {
                item.insert(format!("{}_{month}", flow.attr()), n(*fen));
            }
        }
        // A string set cannot be empty: no paid unit, no attribute.
        if !self.unit_ids.is_empty() {
            item.insert(
                "units".into(),
                AttributeValue::Ss(self.unit_ids.iter().cloned().collect()),
            );
        }
        item.insert("insured".into(), n(self.insured));
        item.insert("employees".into(), n(self.employees));
        item.insert("high_risk".into(), n(self.high_risk));
        item.insert("over_age".into(), n(self.over_age));
        item
    }
}

/// The stored standing tally: units registered.
pub fn standing_item(agency_code: &str, registered: i64) -> Item {
    let mut item = standing_key(agency_code);
    item.insert("registered".into(), n(registered));
    item
}

/// Units registered, from a standing tally item.
pub fn registered_in(item: &Item) -> i64 {
    item.get("registered")
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// What one application adds to its tally as it stands (for the recount): its state; from
/// 终审 on its 应交保费, from 开票 on the amount invoiced; for a paid one what [`paid`] adds.
/// `received` is the amount and day of 到账 of a paid one.
pub fn contribution(app: &Application, received: Option<(u64, NaiveDate)>) -> anyhow::Result<Tally> {
    let mut tally = Tally::default();
    tally.applications.insert(app.status.as_str().to_owned(), 1);
    let day_of = |stamp: &Option<String>| {
        stamp
            .as_deref()
            .and_then(time::parse_stamp)
            .map(|at| at.with_timezone(&time::BEIJING).date_naive())
    };
    let due = || app.due().map(|f| f.value()).map_err(|e| anyhow::anyhow!(e.message));
    use ApplicationStatus::*;
    if matches!(app.status, Approved | Invoiced | Paid) {
        tally.due = Fees::single(due()?, day_of(&app.approved_at));
    }
    if matches!(app.status, Invoiced | Paid) {
        tally.invoiced = Fees::single(due()?, day_of(&app.invoiced_at));
    }
    if let (Paid, Some((fen, on))) = (app.status, received) {
        tally.received = Fees::single(fen, Some(on));
        tally.unit_ids.insert(app.unit_id.clone());
        tally.units = 1;
        tally.insured = i64::from(app.insured_count());
        tally.employees = i64::from(app.employees.unwrap_or(0));
        tally.high_risk = i64::from(app.high_risk_count);
        tally.over_age = i64::from(app.over_age_count);
    }
    Ok(tally)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_tally_reads_back_as_written() {
        let mut tally = Tally::default();
        tally.applications.insert("paid".into(), 3);
        tally.unit_ids = ["u1".to_owned(), "u2".to_owned()].into();
        tally.units = 2;
        tally.insured = 120;
        tally.employees = 150;
        tally.over_age = 2;
        tally.due = Fees::single(9000, NaiveDate::from_ymd_opt(2026, 3, 1));
        tally.received = Fees::single(8000, NaiveDate::from_ymd_opt(2026, 4, 30));
        let item = tally.to_item("411103", 2026);
        assert_eq!(tally_of(&item), Some(("411103".to_owned(), Some(2026))));
        assert_eq!(Tally::from_item(&item), tally);
        assert_eq!(tally_of(&standing_item("411103", 4)), Some(("411103".to_owned(), None)));
    }

    #[test]
    fn each_change_names_a_placeholder_per_attribute() {
        let on = NaiveDate::from_ymd_opt(2026, 5, 6).expect("day");
        let app: Application = serde_json::from_value(serde_json::json!({
            "id": "a", "number": "SQ1", "unit_id": "u", "unit_name": "单位", "agency_code": "411103",
            "status": "invoiced", "activity_code": "ZYYL", "activity_kind": "住院医疗",
            "activity_name": "活动", "fee_per_share_fen": 8000, "sub_category_code": "ZYYL-01",
            "sub_category_name": "细类", "shares": 1, "min_age": 16, "max_age_male": 60,
            "max_age_female": 55, "term_months": 12, "employees": 5, "female_employees": 2,
            "remarks": "", "named_count": 3, "unnamed_count": 0, "high_risk_count": 0,
            "expiring_count": 0, "batch_seq": 1, "created_at": "2026-02-18T02:49:08.000Z"
        }))
        .expect("application");
        let change = paid(&app, 24000, on);
        assert_eq!(
            change.attributes(),
            [
                "apps_invoiced",
                "apps_paid",
                "received_fen",
                "received_fen_202605",
                "insured",
                "employees",
                "high_risk",
                "over_age",
                "units"
            ]
        );
        let item = change.item("t").expect("item");
        let update = item.update().expect("update");
        assert_eq!(
            update.update_expression(),
            "ADD #a0 :v0, #a1 :v1, #a2 :v2, #a3 :v3, #a4 :v4, #a5 :v5, #a6 :v6, #a7 :v7, #a8 :v8"
        );
        assert_eq!(update.key().get("sk"), Some(&AttributeValue::S("Y#2026".into())));
    }
}
