//! 续保: the renewal window of an activity, the 保障期间 of a renewal, and whether a member
//! continues (续保, no observation period) or starts anew (新参, observation period).
//!
//! The certificate promises "互助保障期满后，符合参加条件的会员在15天内继续参加本活动不再受观察期
//! 限制": those 15 days are printed on every certificate, so they are a constant here; the
//! window in which a unit may start a renewal and the observation period are the office's
//! choice per activity ([`RenewalTerms`]).
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// Days after the end of cover within which a covered member still continues without an
/// observation period (the certificate's own words).
pub const CONTINUITY_DAYS: u64 = 15;

pub const DEFAULT_OPENS_DAYS_BEFORE: u32 = 30;
pub const DEFAULT_CLOSES_DAYS_AFTER: u32 = 15;
pub const DEFAULT_OBSERVATION_DAYS: u32 = 90;
/// Bounds the office may choose within (the catalogue form refuses others).
pub const MAX_OPENS_DAYS_BEFORE: u32 = 180;
pub const MAX_CLOSES_DAYS_AFTER: u32 = 90;
pub const MAX_OBSERVATION_DAYS: u32 = 365;

/// An activity's renewal rules. Built only from values within the bounds above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenewalTerms {
    opens_days_before: u32,
    closes_days_after: u32,
    observation_days: u32,
}

impl Default for RenewalTerms {
    fn default() -> Self {
        RenewalTerms {
            opens_days_before: DEFAULT_OPENS_DAYS_BEFORE,
            closes_days_after: DEFAULT_CLOSES_DAYS_AFTER,
            observation_days: DEFAULT_OBSERVATION_DAYS,
        }
    }
}

/// Which of the three numbers is out of its bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenewalTermsError {
    OpensDaysBefore,
    ClosesDaysAfter,
    ObservationDays,
}

impl RenewalTermsError {
    pub fn field(self) -> &'static str {
        match self {
            Self::OpensDaysBefore => "renewal_opens_days_before",
            Self::ClosesDaysAfter => "renewal_closes_days_after",
            Self::ObservationDays => "observation_days",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::OpensDaysBefore | Self::ClosesDaysAfter => "RENEWAL_WINDOW_INVALID",
            Self::ObservationDays => "OBSERVATION_DAYS_INVALID",
        }
    }

    pub fn message(self) -> String {
        match self {
            Self::OpensDaysBefore => format!("续保开放时间应为到期前0到{MAX_OPENS_DAYS_BEFORE}天"),
            Self::ClosesDaysAfter => format!("续保截止时间应为到期后0到{MAX_CLOSES_DAYS_AFTER}天"),
            Self::ObservationDays => format!("观察期应为0到{MAX_OBSERVATION_DAYS}天"),
        }
    }
}

impl RenewalTerms {
    /// Every error at once, so a form can mark each field.
    pub fn parse(
        opens_days_before: u32,
        closes_days_after: u32,
        observation_days: u32,
    ) -> Result<Self, Vec<RenewalTermsError>> {
        let mut errors = Vec::new();
        if opens_days_before > MAX_OPENS_DAYS_BEFORE {
            errors.push(RenewalTermsError::OpensDaysBefore);
        }
        if closes_days_after > MAX_CLOSES_DAYS_AFTER {
            errors.push(RenewalTermsError::ClosesDaysAfter);
        }
        if observation_days > MAX_OBSERVATION_DAYS {
            errors.push(RenewalTermsError::ObservationDays);
        }
        if errors.is_empty() {
            Ok(RenewalTerms {
                opens_days_before,
                closes_days_after,
                observation_days,
            })
        } else {
            Err(errors)
        }
    }

    pub fn opens_days_before(self) -> u32 {
        self.opens_days_before
    }

    pub fn closes_days_after(self) -> u32 {
        self.closes_days_after
    }

    pub fn observation_days(self) -> u32 {
        self.observation_days
    }

    /// First and last day on which a certificate ending on `end` may be renewed.
    pub fn window(self, end: NaiveDate) -> (NaiveDate, NaiveDate) {
        let opens = end
            .checked_sub_days(Days::new(self.opens_days_before.into()))
            .unwrap_or(NaiveDate::MIN);
        let closes = end
            .checked_add_days(Days::new(self.closes_days_after.into()))
            .unwrap_or(NaiveDate::MAX);
        (opens, closes)
    }

    pub fn is_open(self, end: NaiveDate, today: NaiveDate) -> bool {
        let (opens, closes) = self.window(end);
        (opens..=closes).contains(&today)
    }
}

/// Where a certificate stands towards its renewal today (the certificate list's 续保 column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RenewalWindow {
    /// 未到续保时间
    NotYet,
    /// 可续保
    Open,
    /// 已过续保时间
    Closed,
    /// 已续保 (a renewal draft exists, whatever its state)
    Renewed,
    /// 活动已停止参保: the activity no longer takes enrolments
    Stopped,
}

impl RenewalWindow {
    pub fn of(terms: RenewalTerms, end: NaiveDate, today: NaiveDate, renewed: bool) -> Self {
        let (opens, closes) = terms.window(end);
        if renewed {
            Self::Renewed
        } else if today < opens {
            Self::NotYet
        } else if today > closes {
            Self::Closed
        } else {
            Self::Open
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::NotYet => "未到续保时间",
            Self::Open => "可续保",
            Self::Closed => "已过续保时间",
            Self::Renewed => "已续保",
            Self::Stopped => "活动已停止参保",
        }
    }
}

/// First day of a renewal's 保障期间: the day after the old end when the money arrived
/// (`received_on`) on or before it — no gap, no overlap, however late finance confirms —
/// otherwise the day after 到账确认 (`confirmed_on`).
pub fn renewal_start(old_end: NaiveDate, received_on: NaiveDate, confirmed_on: NaiveDate) -> Option<NaiveDate> {
    if received_on <= old_end {
        old_end.succ_opt()
    } else {
        confirmed_on.succ_opt()
    }
}

/// A member's standing on a certificate (状态 in its 会员名单).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CoverStanding {
    /// 续保: covered by the renewed certificate and paid no later than 15 days after its end;
    /// no observation period (printed 执行).
    Continued,
    /// 新参: the observation period runs to `observation_until` (printed 观察期至 …); with an
    /// observation period of 0 days there is none and it prints 执行 as well.
    New { observation_until: Option<NaiveDate> },
}

impl CoverStanding {
    /// `renewed_end`: the end of the renewed certificate's cover when the member was covered
    /// by it; `paid_on`: the day the money arrived; `start`: the new cover's first day.
    pub fn of(renewed_end: Option<NaiveDate>, paid_on: NaiveDate, start: NaiveDate, observation_days: u32) -> Self {
        let continues = renewed_end
            .and_then(|end| end.checked_add_days(Days::new(CONTINUITY_DAYS)))
            .is_some_and(|last| paid_on <= last);
        if continues {
            return CoverStanding::Continued;
        }
        let observation_until = observation_days
            .checked_sub(1)
            .and_then(|extra| start.checked_add_days(Days::new(extra.into())));
        CoverStanding::New { observation_until }
    }

    /// 续保 / 新参
    pub fn label(self) -> &'static str {
        match self {
            Self::Continued => "续保",
            Self::New { .. } => "新参",
        }
    }

    /// The certificate's 状态 column: 执行, or 观察期至 YYYY-MM-DD.
    pub fn printed(self) -> String {
        match self {
            Self::New {
                observation_until: Some(until),
            } => format!("观察期至{until}"),
            _ => "执行".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_window_runs_from_30_days_before_to_15_after_by_default() {
        let terms = RenewalTerms::default();
        let end = day("2026-12-31");
        assert_eq!(terms.window(end), (day("2026-12-01"), day("2027-01-15")));
        assert!(!terms.is_open(end, day("2026-11-30")));
        assert!(terms.is_open(end, day("2026-12-01")));
        assert!(terms.is_open(end, day("2027-01-15")));
        assert!(!terms.is_open(end, day("2027-01-16")));
    }

    #[test]
    fn terms_out_of_bounds_are_named_each() {
        assert_eq!(
            RenewalTerms::parse(181, 91, 366).unwrap_err(),
            [
                RenewalTermsError::OpensDaysBefore,
                RenewalTermsError::ClosesDaysAfter,
                RenewalTermsError::ObservationDays
            ]
        );
        assert!(RenewalTerms::parse(0, 0, 0).is_ok());
    }

    #[test]
    fn paid_early_or_on_the_last_day_continues_without_a_gap() {
        let end = day("2026-12-31");
        assert_eq!(
            renewal_start(end, day("2026-12-10"), day("2026-12-11")),
            Some(day("2027-01-01"))
        );
        // Money in on the last day, confirmed after it: still no gap.
        assert_eq!(renewal_start(end, end, day("2027-01-04")), Some(day("2027-01-01")));
        assert_eq!(
            renewal_start(end, day("2027-01-08"), day("2027-01-10")),
            Some(day("2027-01-11"))
        );
    }

    #[test]
    fn members_continue_up_to_15_days_after_the_end() {
        let end = day("2026-12-31");
        let start = day("2027-01-11");
        assert_eq!(
            CoverStanding::of(Some(end), day("2027-01-15"), start, 90),
            CoverStanding::Continued
        );
        let late = CoverStanding::of(Some(end), day("2027-01-16"), start, 90);
        assert_eq!(
            late,
            CoverStanding::New {
                observation_until: Some(day("2027-04-10"))
            }
        );
        assert_eq!(late.printed(), "观察期至2027-04-10");
        assert_eq!(late.label(), "新参");
        assert_eq!(CoverStanding::Continued.printed(), "执行");
    }

    #[test]
    fn newcomers_observe_and_no_observation_prints_in_force() {
        let start = day("2027-01-01");
        let newcomer = CoverStanding::of(None, day("2026-12-20"), start, 90);
        assert_eq!(newcomer.printed(), "观察期至2027-03-31");
        assert_eq!(CoverStanding::of(None, day("2026-12-20"), start, 0).printed(), "执行");
    }

    #[test]
    fn the_window_state_follows_the_calendar_until_renewed() {
        let terms = RenewalTerms::default();
        let end = day("2026-12-31");
        let state = |today: &str, renewed| RenewalWindow::of(terms, end, day(today), renewed);
        assert_eq!(state("2026-11-30", false), RenewalWindow::NotYet);
        assert_eq!(state("2026-12-01", false), RenewalWindow::Open);
        assert_eq!(state("2027-01-15", false), RenewalWindow::Open);
        assert_eq!(state("2027-01-16", false), RenewalWindow::Closed);
        assert_eq!(state("2027-01-16", true), RenewalWindow::Renewed);
        assert_eq!(state("2026-11-01", true), RenewalWindow::Renewed);
    }
}
