//! Time in the office's zone: dates on documents and numbers are Beijing dates.
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// UTC+8, no daylight saving; checked at compile time.
pub const BEIJING: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

pub fn now() -> DateTime<Utc> {
    Utc::now()
}

pub fn today_beijing() -> NaiveDate {
    now().with_timezone(&BEIJING).date_naive()
}

/// RFC 3339 in UTC, the form stored in the table (sorts lexically).
pub fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A stored [`stamp`] read back; None when it is not one.
pub fn parse_stamp(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|at| at.with_timezone(&Utc))
}

/// "2025-02-18 10:49:08" in Beijing time, as the screens show it.
pub fn display(at: DateTime<Utc>) -> String {
    at.with_timezone(&BEIJING).format("%Y-%m-%d %H:%M:%S").to_string()
}
