//! Which applications a search or an export means: the criteria of 业务查询, checked once, as
//! the index ranges and filter that read them.
//!
//! Applications are indexed by year of creation (gsi4: `APPS#<year>`, sort key the agency path
//! then the time of creation, as the queues), so an agency's subtree is a key range and a
//! search reads its own subtree only; the other criteria filter what is read. Years are read
//! newest first, agency by agency within a year.
use chrono::{Datelike, NaiveDate, TimeZone};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::CreditCode;
use crate::platform::cursor::{IndexList, IndexName, Segment, SortRange};
use crate::platform::db::{self, s};
use crate::platform::error::{ApiError, ApiResult};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::application::{Application, ApplicationStatus, ReviewRow, search_pk};
use crate::records::session::StaffUser;
use crate::records::unit::unique_key;
use crate::reference;

/// The first year the system holds applications of: a search of all years starts here.
pub const FIRST_YEAR: i32 = 2025;

/// What 业务查询 looks for (every field optional).
#[derive(Debug, Default, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApplicationCriteria {
    /// An agency within the caller's jurisdiction (default: the caller's own)
    #[schema(max_length = 12)]
    pub agency: Option<String>,
    /// Year of creation (default: every year, newest first)
    pub year: Option<i32>,
    /// One state: draft, submitted, l1_approved, l2_approved, approved, invoiced, paid
    #[schema(max_length = 20)]
    pub status: Option<String>,
    /// 保障活动 code
    #[schema(max_length = 40)]
    pub activity: Option<String>,
    /// Part of the unit's name, its 统一社会信用代码, a 申请书号 or a 确认书号
    #[schema(max_length = 100)]
    pub q: Option<String>,
    /// Created on or after this day (YYYY-MM-DD, Beijing)
    #[schema(max_length = 10)]
    pub from: Option<String>,
    /// Created on or before this day (YYYY-MM-DD, Beijing)
    #[schema(max_length = 10)]
    pub to: Option<String>,
}

/// One application found.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchRow {
    #[serde(flatten)]
    pub row: ReviewRow,
    pub agency_code: String,
    pub activity_code: String,
    pub created_at: String,
    /// 确认书号, once paid
    pub certificate_number: Option<String>,
}

impl SearchRow {
    pub fn of(app: &Application) -> ApiResult<Self> {
        Ok(SearchRow {
            row: ReviewRow::of(app)?,
            agency_code: app.agency_code.clone(),
            activity_code: app.activity_code.clone(),
            created_at: app.created_at.clone(),
            certificate_number: app.certificate_number.clone(),
        })
    }
}

/// The criteria, checked: the agency (within the caller's jurisdiction) and what to read.
#[derive(Debug, Clone)]
pub struct ApplicationSearch {
    pub agency: String,
    /// None: nothing can match (a unit code no unit has)
    pub list: Option<IndexList>,
}

/// The filter expression built from the criteria.
#[derive(Debug, Default)]
struct Filter {
    parts: Vec<String>,
    names: Vec<(&'static str, &'static str)>,
    values: Vec<(&'static str, aws_sdk_dynamodb::types::AttributeValue)>,
}

impl Filter {
    fn add(&mut self, part: &str, values: Vec<(&'static str, aws_sdk_dynamodb::types::AttributeValue)>) {
        self.parts.push(format!("({part})"));
        self.values.extend(values);
    }
}

fn trimmed(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|t| !t.is_empty())
}

fn day(text: Option<&str>, what: &str) -> ApiResult<Option<NaiveDate>> {
    match trimmed(text) {
        None => Ok(None),
        Some(t) => t
            .parse::<NaiveDate>()
            .map(Some)
            .map_err(|_| ApiError::refused("DATE_INVALID", format!("{what}应为日期，格式如2026-03-01"))),
    }
}

/// The stored time (UTC) at which a Beijing day starts.
fn day_start(day: NaiveDate) -> String {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    match time::BEIJING.from_local_datetime(&midnight).single() {
        Some(at) => time::stamp(at.with_timezone(&chrono::Utc)),
        None => time::stamp(midnight.and_utc()),
    }
}

impl ApplicationCriteria {
    /// Checks every criterion (a Chinese refusal for each bad one, 404 outside the caller's
    /// jurisdiction) and says what to read. Reads one item at most (a unit code's owner).
    pub async fn check(&self, state: &AppState, staff: &StaffUser) -> ApiResult<ApplicationSearch> {
        let agency = trimmed(self.agency.as_deref()).unwrap_or(&staff.agency_code);
        staff.require_jurisdiction(agency)?;
        let Some(path) = reference::path(agency) else {
            return Err(ApiError::not_found("NOT_FOUND", "未找到该机构"));
        };
        let this_year = time::today_beijing().year();
        let years: Vec<i32> = match self.year {
            Some(year) if !(FIRST_YEAR..=this_year + 1).contains(&year) => {
                return Err(ApiError::refused(
                    "YEAR_INVALID",
                    format!("年度应在{FIRST_YEAR}至{}之间", this_year + 1),
                ));
            }
            Some(year) => vec![year],
            None => (FIRST_YEAR..=this_year + 1).rev().collect(),
        };
        let mut filter = Filter::default();
        if let Some(status) = trimmed(self.status.as_deref()) {
            let Some(status) = ApplicationStatus::ALL.into_iter().find(|st| st.as_str() == status) else {
                return Err(ApiError::refused("STATUS_INVALID", "请选择有效的申请状态"));
            };
            filter.add("#st = :st", vec![(":st", s(status.as_str()))]);
            filter.names.push(("#st", "status"));
        }
        if let Some(activity) = trimmed(self.activity.as_deref()) {
            if activity.chars().count() > 40 {
                return Err(ApiError::refused("ACTIVITY_UNKNOWN", "请选择保障活动"));
            }
            filter.add("activity_code = :act", vec![(":act", s(activity))]);
        }
        let (from, to) = (
            day(self.from.as_deref(), "起始日期")?,
            day(self.to.as_deref(), "截止日期")?,
        );
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            return Err(ApiError::refused("DATE_RANGE_INVALID", "起始日期不能晚于截止日期"));
        }
        if let Some(from) = from {
            filter.add("created_at >= :from", vec![(":from", s(day_start(from)))]);
        }
        if let Some(to) = to.and_then(|d| d.succ_opt()) {
            filter.add("created_at < :to", vec![(":to", s(day_start(to)))]);
        }
        if let Some(q) = trimmed(self.q.as_deref()) {
            if q.chars().count() > 100 {
                return Err(ApiError::refused("QUERY_TOO_LONG", "查询内容不能超过100个字"));
            }
            match CreditCode::parse(q) {
                // A unit's code names one unit: its applications, whatever their names say.
                Ok(code) => {
                    let unit_id = db::get_item(state, unique_key("UNITCODE", code.as_str()), "get unit code")
                        .await?
                        .and_then(|item| item.get("unit_id").and_then(|v| v.as_s().ok()).cloned());
                    let Some(unit_id) = unit_id else {
                        return Ok(ApplicationSearch {
                            agency: agency.to_owned(),
                            list: None,
                        });
                    };
                    filter.add("unit_id = :unit", vec![(":unit", s(unit_id))]);
                }
                Err(_) => {
                    filter.add(
                        "contains(unit_name, :q) OR #num = :q OR certificate_number = :q",
                        vec![(":q", s(q))],
                    );
                    filter.names.push(("#num", "number"));
                }
            }
        }
        let segments = years
            .iter()
            .map(|year| Segment::new(IndexName::Gsi4, search_pk(*year), SortRange::BeginsWith(path.clone())))
            .collect();
        let mut list = IndexList::new(segments);
        if !filter.parts.is_empty() {
            list = list
                .filtered(&filter.parts.join(" AND "), &filter.values)
                .named(&filter.names);
        }
        Ok(ApplicationSearch {
            agency: agency.to_owned(),
            list: Some(list),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_beijing_day_starts_at_sixteen_hours_utc_the_day_before() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 1).expect("day");
        assert_eq!(day_start(d), "2026-02-28T16:00:00.000Z");
    }

    #[test]
    fn dates_are_checked() {
        assert_eq!(day(Some("2026-02-30"), "起始日期").unwrap_err().code, "DATE_INVALID");
        assert_eq!(day(Some(" "), "起始日期").unwrap(), None);
    }
}
