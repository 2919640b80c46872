//! One cell as the clerk left it: the text Excel showed, and what kind of value it really was
//! (an ID typed as a number must be told apart from the same digits typed as text).
use calamine::DataRef;
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::normalize_token;

/// What the cell held in the file.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum CellKind {
    #[default]
    Empty,
    Text,
    Int(i64),
    /// A number without a date format (Excel stores every number as a float).
    Float(f64),
    /// A number with a date format: days since 1899-12-30 (the 1900 date system).
    DateSerial(f64),
    Bool(bool),
    /// #N/A, #VALUE! and the like, left by a formula.
    Error,
}

/// A cell's text as Excel displayed it, and its kind.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Cell {
    pub text: String,
    pub kind: CellKind,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            kind: CellKind::Text,
        }
    }

    /// Blank: empty, or only whitespace and invisible characters (what `normalize_token`
    /// removes; checked without allocating, as every cell of every row is).
    pub fn is_blank(&self) -> bool {
        match self.kind {
            CellKind::Empty => true,
            CellKind::Text => self
                .text
                .chars()
                .all(|c| c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')),
            _ => false,
        }
    }

    pub fn is_number(&self) -> bool {
        matches!(
            self.kind,
            CellKind::Int(_) | CellKind::Float(_) | CellKind::DateSerial(_)
        )
    }

    pub(crate) fn from_data(value: &DataRef<'_>, is_1904: bool) -> Cell {
        let (text, kind) = match value {
            DataRef::Empty => (String::new(), CellKind::Empty),
            DataRef::String(s) => (unquote(s).to_owned(), CellKind::Text),
            DataRef::SharedString(s) => (unquote(s).to_owned(), CellKind::Text),
            DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => (s.clone(), CellKind::Text),
            DataRef::Int(i) => (i.to_string(), CellKind::Int(*i)),
            DataRef::Float(f) => (general_number(*f), CellKind::Float(*f)),
            DataRef::Bool(b) => ((if *b { "TRUE" } else { "FALSE" }).to_owned(), CellKind::Bool(*b)),
            DataRef::Error(e) => (e.to_string(), CellKind::Error),
            DataRef::DateTime(dt) if dt.is_datetime() => {
                // Kept in the 1900 system whatever the workbook's, so rows need no epoch.
                let serial = if is_1904 {
                    dt.as_f64() + EPOCH_1904_OFFSET
                } else {
                    dt.as_f64()
                };
                let text = serial_to_date(serial).map_or_else(|| general_number(serial), iso);
                (text, CellKind::DateSerial(serial))
            }
            DataRef::DateTime(dt) => (general_number(dt.as_f64()), CellKind::Float(dt.as_f64())),
        };
        Cell { text, kind }
    }
}

/// The failed-rows file prefixes text that a spreadsheet could run as a formula with an
/// apostrophe; a corrected file comes back with it, and it must not stay in the value.
fn unquote(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_TRIGGERS) => rest,
        _ => s,
    }
}

/// First characters that make a spreadsheet treat text as a formula (CSV injection).
pub(crate) const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A number as Excel's General format shows it in a wide column: 15 significant digits, so
/// 410202198503151238 stored as a number reads 410202198503151000.
pub(crate) fn general_number(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    if f.fract() == 0.0 && f.abs() < 1e21 {
        // "4.10202198503151e17" → mantissa digits then zeros up to the exponent.
        let sci = format!("{:.14e}", f.abs());
        if let Some((mantissa, exp)) = sci.split_once('e')
            && let Ok(exp) = exp.parse::<usize>()
        {
            let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
            let sign = if f < 0.0 { "-" } else { "" };
            return format!("{sign}{digits}{}", "0".repeat(exp + 1 - digits.len().min(exp + 1)));
        }
    }
    f.to_string()
}

pub(crate) fn iso(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// 1904-01-01 in the 1900 date system (old Mac workbooks count from there).
const EPOCH_1904_OFFSET: f64 = 1462.0;

/// A 1900-system serial to a date, ignoring any time of day. The system counts the
/// non-existent 1900-02-29 (serial 60, a Lotus bug Excel kept): that is no date at all.
pub fn serial_to_date(serial: f64) -> Option<NaiveDate> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as u64;
    match days {
        60 => None,
        1..=59 => NaiveDate::from_ymd_opt(1899, 12, 31)?.checked_add_days(Days::new(days)),
        _ => NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(Days::new(days)),
    }
}

/// Why a date cell could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateProblem {
    /// Looks like a date but is none (30 February).
    NoSuchDate,
    /// Not a date format we know.
    Unreadable,
}

/// 出生日期 as clerks write it: yyyy-mm-dd, yyyy/m/d, yyyy.m.d, yyyymmdd, yyyy年m月d日, with
/// or without a time after it; or a number (a date serial, or yyyymmdd typed as a number).
pub(crate) fn parse_date_cell(cell: &Cell) -> Result<NaiveDate, DateProblem> {
    match cell.kind {
        CellKind::DateSerial(serial) => serial_to_date(serial).ok_or(DateProblem::NoSuchDate),
        CellKind::Int(_) | CellKind::Float(_) => {
            let n = match cell.kind {
                CellKind::Int(i) => i as f64,
                CellKind::Float(f) => f,
                _ => return Err(DateProblem::Unreadable),
            };
            if (10_000_000.0..100_000_000.0).contains(&n) && n.fract() == 0.0 {
                parse_date_text(&general_number(n))
            } else if n >= 1.0 {
                serial_to_date(n).ok_or(DateProblem::NoSuchDate)
            } else {
                Err(DateProblem::Unreadable)
            }
        }
        _ => parse_date_text(&cell.text),
    }
}

pub(crate) fn parse_date_text(raw: &str) -> Result<NaiveDate, DateProblem> {
    let raw = raw.trim();
    // Drop a time of day: "1985-03-15 00:00:00", "1985-03-15T00:00:00".
    let date_part = match raw.find([' ', 'T', '\u{3000}']) {
        Some(i) if i >= 8 => &raw[..i],
        _ => raw,
    };
    let token = normalize_token(date_part);
    let token = token
        .strip_suffix('日')
        .or_else(|| token.strip_suffix('号'))
        .unwrap_or(&token);
    let parts: Vec<&str> = if token.len() == 8 && token.bytes().all(|b| b.is_ascii_digit()) {
        vec![&token[..4], &token[4..6], &token[6..]]
    } else {
        token.split(['-', '/', '.', '年', '月']).collect()
    };
    let [y, m, d] = parts.as_slice() else {
        return Err(DateProblem::Unreadable);
    };
    let number = |s: &str, len: std::ops::RangeInclusive<usize>| {
        (len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    match (number(y, 4..=4), number(m, 1..=2), number(d, 1..=2)) {
        (Some(y), Some(m), Some(d)) if (1..=12).contains(&m) && (1..=31).contains(&d) => {
            NaiveDate::from_ymd_opt(y as i32, m, d).ok_or(DateProblem::NoSuchDate)
        }
        (Some(_), Some(_), Some(_)) => Err(DateProblem::NoSuchDate),
        _ => Err(DateProblem::Unreadable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn numbers_read_as_excel_shows_them() {
        assert_eq!(general_number(410202198503151238.0), "410202198503151000");
        assert_eq!(general_number(4.10202198503151e17), "410202198503151000");
        assert_eq!(general_number(13800138000.0), "13800138000");
        assert_eq!(general_number(1.5), "1.5");
        assert_eq!(general_number(-3.0), "-3");
    }

    #[test]
    fn serials_follow_the_1900_system_and_its_leap_bug() {
        assert_eq!(serial_to_date(1.0), Some(ymd(1900, 1, 1)));
        assert_eq!(serial_to_date(59.0), Some(ymd(1900, 2, 28)));
        assert_eq!(serial_to_date(60.0), None);
        assert_eq!(serial_to_date(61.0), Some(ymd(1900, 3, 1)));
        assert_eq!(serial_to_date(31121.0), Some(ymd(1985, 3, 15)));
        assert_eq!(serial_to_date(31121.75), Some(ymd(1985, 3, 15)));
        assert_eq!(serial_to_date(45658.0), Some(ymd(2025, 1, 1)));
        assert_eq!(serial_to_date(EPOCH_1904_OFFSET), Some(ymd(1904, 1, 1)));
        assert_eq!(serial_to_date(2_958_465.0), Some(ymd(9999, 12, 31)));
        for bad in [0.0, -1.0, 0.5, f64::NAN, f64::INFINITY, 1e300] {
            assert_eq!(serial_to_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn date_texts_in_every_common_shape() {
        for raw in [
            "1985-03-15",
            "1985/3/15",
            "1985.03.15",
            "19850315",
            "1985年3月15日",
            "1985年03月15号",
            " １９８５－０３－１５ ",
            "1985-03-15 00:00:00",
            "1985-03-15T00:00:00",
        ] {
            assert_eq!(parse_date_text(raw), Ok(ymd(1985, 3, 15)), "{raw}");
        }
        assert_eq!(parse_date_text("1985-02-30"), Err(DateProblem::NoSuchDate));
        assert_eq!(parse_date_text("1985-13-01"), Err(DateProblem::NoSuchDate));
        for raw in ["", "85-3-15", "三月", "1985-03", "1985--03-15", "15/03/1985"] {
            assert_eq!(parse_date_text(raw), Err(DateProblem::Unreadable), "{raw}");
        }
    }

    #[test]
    fn numbers_in_a_date_column() {
        let float = |f| Cell {
            text: general_number(f),
            kind: CellKind::Float(f),
        };
        assert_eq!(parse_date_cell(&float(19850315.0)), Ok(ymd(1985, 3, 15)));
        assert_eq!(parse_date_cell(&float(31121.0)), Ok(ymd(1985, 3, 15)));
        assert_eq!(parse_date_cell(&float(19850230.0)), Err(DateProblem::NoSuchDate));
        let serial = Cell {
            text: "1900-02-29".into(),
            kind: CellKind::DateSerial(60.0),
        };
        assert_eq!(parse_date_cell(&serial), Err(DateProblem::NoSuchDate));
    }

    #[test]
    fn apostrophes_added_against_formulas_are_removed() {
        assert_eq!(unquote("'=SUM(A1)"), "=SUM(A1)");
        assert_eq!(unquote("'+8613800138000"), "+8613800138000");
        assert_eq!(unquote("'张三"), "'张三");
        assert_eq!(unquote("O'Brien"), "O'Brien");
    }
}
