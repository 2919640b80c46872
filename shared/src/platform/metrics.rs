//! The counts operators watch, as CloudWatch Embedded Metric Format (EMF) lines in the
//! function's log: CloudWatch Logs turns each line into metric points, with no API call on the
//! request's path. The namespace is `METRICS_NAMESPACE` (the template sets `CWMIA/<stack>`);
//! the alarms of `template.yaml` read the same names.
use serde_json::{Map, Value, json};

/// What happened, with the one dimension that matters for it (if any).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A unit registration submitted (单位注册).
    Registered,
    /// An approval at a level: registration review, or an application's 初审/复审/终审.
    Approved(Level),
    /// An application returned to the unit (退回) at a level, or a registration not passed.
    Returned(Level),
    /// Rows of an import that became members.
    ImportRowsAccepted,
    /// Rows of an import refused (the 失败人员名单).
    ImportRowsFailed,
    /// An import that ended 失败 because of the file (unreadable, over a cap): the unit's to fix.
    ImportRefused,
    /// An import the worker gave up on after its attempts (storage or a defect): ours to fix.
    ImportFailed,
    /// A notice handed to SNS or SES.
    NoticeSent(Channel),
    /// A send that failed and was put back with a back-off.
    NoticeFailed(Channel),
    /// A send of a notice that had failed before (whatever its outcome).
    NoticeRetried(Channel),
    /// A certificate PDF rendered for printing.
    CertificatePrinted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Registration,
    First,
    Second,
    Final,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Sms,
    Mail,
}

/// Age in seconds of the oldest notice still waiting in the outbox (0 when none): the
/// notifier's gauge, alarmed at 5 minutes.
pub const OUTBOX_OLDEST_PENDING: &str = "OutboxOldestPendingSeconds";

impl Event {
    /// (metric name, dimension name and value).
    fn name(self) -> (&'static str, Option<(&'static str, &'static str)>) {
        let level = |l: Level| {
            Some((
                "Level",
                match l {
                    Level::Registration => "registration",
                    Level::First => "first",
                    Level::Second => "second",
                    Level::Final => "final",
                },
            ))
        };
        let channel = |c: Channel| {
            Some((
                "Channel",
                match c {
                    Channel::Sms => "sms",
                    Channel::Mail => "mail",
                },
            ))
        };
        match self {
            Self::Registered => ("Registrations", None),
            Self::Approved(l) => ("Approvals", level(l)),
            Self::Returned(l) => ("Returns", level(l)),
            Self::ImportRowsAccepted => ("ImportRowsAccepted", None),
            Self::ImportRowsFailed => ("ImportRowsFailed", None),
            Self::ImportRefused => ("ImportsRefused", None),
            Self::ImportFailed => ("ImportsFailed", None),
            Self::NoticeSent(c) => ("NoticesSent", channel(c)),
            Self::NoticeFailed(c) => ("NoticesFailed", channel(c)),
            Self::NoticeRetried(c) => ("NoticesRetried", channel(c)),
            Self::CertificatePrinted => ("CertificatesPrinted", None),
        }
    }
}

fn namespace() -> String {
    std::env::var("METRICS_NAMESPACE").unwrap_or_else(|_| "CWMIA".to_owned())
}

/// One EMF line: `value` of `metric` (unit `unit`) with at most one dimension.
pub fn line(
    namespace: &str,
    metric: &str,
    unit: &str,
    value: f64,
    dimension: Option<(&str, &str)>,
    at_millis: i64,
) -> String {
    let dimensions: Vec<&str> = dimension.iter().map(|(name, _)| *name).collect();
    let mut root = Map::new();
    root.insert(
        "_aws".into(),
        json!({
            "Timestamp": at_millis,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [dimensions],
                "Metrics": [{ "Name": metric, "Unit": unit }],
            }],
        }),
    );
    if let Some((name, value)) = dimension {
        root.insert(name.into(), Value::String(value.into()));
    }
    root.insert(metric.into(), json!(value));
    Value::Object(root).to_string()
}

/// Counts `count` occurrences of `event` (nothing when 0).
pub fn count(event: Event, count: usize) {
    if count > 0 {
        let (metric, dimension) = event.name();
        write(line(
            &namespace(),
            metric,
            "Count",
            count as f64,
            dimension,
            now_millis(),
        ));
    }
}

/// The outbox gauge (see [`OUTBOX_OLDEST_PENDING`]).
pub fn outbox_oldest_pending(seconds: i64) {
    write(line(
        &namespace(),
        OUTBOX_OLDEST_PENDING,
        "Seconds",
        seconds.max(0) as f64,
        None,
        now_millis(),
    ));
}

fn now_millis() -> i64 {
    crate::platform::time::now().timestamp_millis()
}

/// A whole line at once on stdout (Lambda's log), so it never interleaves with the JSON logs.
fn write(line: String) {
    use std::io::Write;
    #[cfg(any(test, feature = "test-support"))]
    captured::push(&line);
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(format!("{line}\n").as_bytes());
}

/// The lines emitted on this thread, for tests that assert what operators would see. Per
/// thread: a `#[tokio::test]` runs its server and its calls on one thread, so tests running
/// side by side do not see each other's counts.
#[cfg(any(test, feature = "test-support"))]
pub mod captured {
    use std::cell::RefCell;

    thread_local! {
        static LINES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    }

    pub(super) fn push(line: &str) {
        LINES.with(|lines| lines.borrow_mut().push(line.to_owned()));
    }

    /// Every value of `metric` emitted so far on this thread with dimension value `dimension`
    /// (or none).
    pub fn values(metric: &str, dimension: Option<&str>) -> Vec<f64> {
        LINES.with(|lines| {
            lines
                .borrow()
                .iter()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .filter(|v| {
                    let dims = &v["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0];
                    let value = dims
                        .get(0)
                        .and_then(|d| d.as_str())
                        .and_then(|d| v.get(d))
                        .and_then(|d| d.as_str());
                    value == dimension
                })
                .filter_map(|v| v.get(metric).and_then(serde_json::Value::as_f64))
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_embedded_metric_format() {
        let text = line(
            "CWMIA/prod",
            "Approvals",
            "Count",
            1.0,
            Some(("Level", "final")),
            1_765_000_000_000,
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["_aws"]["Timestamp"], 1_765_000_000_000_i64);
        let directive = &v["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "CWMIA/prod");
        assert_eq!(directive["Dimensions"], json!([["Level"]]));
        assert_eq!(directive["Metrics"], json!([{ "Name": "Approvals", "Unit": "Count" }]));
        // Every dimension and metric named in the directive is a member of the root.
        assert_eq!(v["Level"], "final");
        assert_eq!(v["Approvals"], 1.0);
        assert!(!text.contains('\n'));

        let plain: Value = serde_json::from_str(&line("N", "ImportsFailed", "Count", 2.0, None, 0)).unwrap();
        assert_eq!(plain["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([[]]));
        assert_eq!(plain["ImportsFailed"], 2.0);
    }

    #[test]
    fn emitted_counts_are_captured_with_their_dimension() {
        count(Event::NoticeRetried(Channel::Mail), 3);
        count(Event::NoticeRetried(Channel::Mail), 0);
        assert_eq!(captured::values("NoticesRetried", Some("mail")), vec![3.0]);
        outbox_oldest_pending(-5);
        assert_eq!(captured::values(OUTBOX_OLDEST_PENDING, None), vec![0.0]);
    }
}
