//! The office's view at scale, over HTTP against the local stack (DynamoDB Local + moto):
//! 10,000 units each with a paid application this year (a tenth of them also last year's,
//! not renewed), spread over every agency; then the province's 首页统计, a 业务查询 page and an
//! export of all 10,000 applications, each timed as the browser sees it.
//! Run: `make bench-office` (starts the emulators, then `cargo bench -p e2e --bench office_view`).
//!
//! Seeding copies one application made through the real workflow (clerk → three reviews →
//! invoice → 到账确认) under new ids, units and agencies, then rebuilds every tally with the
//! operator's recount — the figures come from the same code paths as in production.
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::Datelike;
use e2e::{Browser, TestApp, resident_id};
use serde_json::json;
use shared::platform::db::{self, s};
use shared::records::account::Permission;
use shared::records::application::{app_key, app_pk, queue_sk, search_pk};

const UNITS: usize = 10_000;
/// Every this-many-th unit was insured last year too and has not renewed (未续保).
const NOT_RENEWED_EVERY: usize = 10;
const RUNS: usize = 15;
const EXPORT_RUNS: usize = 5;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

async fn timed_get(staff: &Browser, path: &str) -> Vec<Duration> {
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        let r = staff.get(path).await;
        times.push(started.elapsed());
        assert_eq!(r.status, 200, "{path}: {r:?}");
    }
    times
}

#[tokio::main]
async fn main() {
    if std::env::var("MOTO_URL").is_err() {
        eprintln!("run through `make bench-office` (needs the emulators)");
        return;
    }
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    let finance = app.staff("fin.bench", "HN", vec![Permission::Finance]).await;
    let (paid, _, _) = app
        .paid_application(&clerk, &finance, &[("张伟", resident_id("19850315", 123))])
        .await;
    let template = db::get_item(&app.state, app_key(&paid), "bench")
        .await
        .expect("read")
        .expect("the paid application");
    let created_at = template["created_at"].as_s().expect("created_at").clone();
    let year: i32 = created_at[..4].parse().expect("year");
    let leaves: Vec<&str> = shared::reference::agencies()
        .iter()
        .filter(|a| !shared::reference::agencies().iter().any(|b| b.parent == Some(a.code)))
        .map(|a| a.code)
        .collect();

    let started = Instant::now();
    let mut items = Vec::with_capacity(UNITS + UNITS / NOT_RENEWED_EVERY);
    for i in 0..UNITS {
        let agency = leaves[i % leaves.len()];
        let unit = format!("bench-unit-{i:05}");
        items.push(copy(
            &template,
            &format!("bench-{i:05}"),
            &unit,
            agency,
            year,
            &created_at,
        ));
        if i % NOT_RENEWED_EVERY == 0 {
            let last_year = format!("{}{}", year - 1, &created_at[4..]);
            let lapsed = format!("bench-lapsed-{i:05}");
            items.push(copy(
                &template,
                &format!("bench-last-{i:05}"),
                &lapsed,
                agency,
                year - 1,
                &last_year,
            ));
        }
    }
    let written = items.len();
    db::batch_put(&app.state, items).await.expect("seed applications");
    let counted = shared::steps::dashboard::recount(&app.state).await.expect("recount");
    let seeded = started.elapsed();
    println!(
        "seeded {written} paid applications of {UNITS} units over {} agencies and recounted {counted} in {:.1} s",
        leaves.len(),
        seeded.as_secs_f64()
    );

    let province = app.staff("head.bench", "HN", vec![]).await;
    let dashboard = province.get("/api/staff/dashboard").await;
    assert_eq!(dashboard.status, 200);
    let total = &dashboard.body["total"];
    println!(
        "dashboard: {} units insured this year, {} not renewed, {} people",
        total["this_year"]["units"], total["not_renewed"], total["this_year"]["insured"]
    );
    assert_eq!(
        total["this_year"]["units"],
        UNITS + 1,
        "the seeded units and the real one"
    );

    let this_year = shared::platform::time::today_beijing().year();
    let dashboard_times = timed_get(&province, "/api/staff/dashboard").await;
    let search_times = timed_get(
        &province,
        &format!("/api/staff/search/applications?year={year}&page_size=20"),
    )
    .await;
    let deep = timed_get(
        &province,
        "/api/staff/search/applications?agency=411103&status=paid&page_size=20",
    )
    .await;

    let mut export_times = Vec::with_capacity(EXPORT_RUNS);
    let mut rows = 0;
    for _ in 0..EXPORT_RUNS {
        let started = Instant::now();
        let r = province
            .post("/api/staff/exports", json!({ "kind": "applications", "year": year }))
            .await;
        assert_eq!(r.status, 202, "{r:?}");
        let id = r.body["export_id"].as_str().expect("id").to_owned();
        loop {
            let r = province.get(&format!("/api/staff/exports/{id}")).await;
            if r.body["state"] == "done" {
                rows = r.body["rows"].as_u64().unwrap_or(0);
                break;
            }
            assert_ne!(r.body["state"], "failed", "{r:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        export_times.push(started.elapsed());
    }
    println!("year {year} (this year {this_year}); medians of {RUNS} (exports: {EXPORT_RUNS}):");
    println!(
        "  首页统计, province (every agency's tallies)   {}",
        ms(median(dashboard_times))
    );
    println!(
        "  业务查询, first page of the province's year    {}",
        ms(median(search_times))
    );
    println!("  业务查询, one district's paid (filtered)      {}", ms(median(deep)));
    println!(
        "  导出 {rows} applications, request → 完成     {}",
        ms(median(export_times))
    );
}

/// The template application under a new id, unit and agency, with the index keys that
/// follow from them (its unit lists and other indexes are left out: not read here).
fn copy(template: &db::Item, id: &str, unit: &str, agency: &str, year: i32, created_at: &str) -> db::Item {
    let mut item = template.clone();
    for name in ["gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk", "gsi5pk", "gsi5sk"] {
        item.remove(name);
    }
    let sk = queue_sk(agency, created_at, id);
    let set: [(&str, AttributeValue); 11] = [
        ("pk", s(app_pk(id))),
        ("id", s(id)),
        (
            "number",
            s(format!("B{}", id.replace("bench-", "").replace("last-", "9"))),
        ),
        ("unit_id", s(unit)),
        ("unit_name", s(format!("压测单位{unit}"))),
        ("agency_code", s(agency)),
        ("created_at", s(created_at)),
        ("gsi1sk", s(sk.clone())),
        ("gsi4pk", s(search_pk(year))),
        ("gsi4sk", s(sk)),
        ("certificate_number", s(format!("C{id}"))),
    ];
    for (name, value) in set {
        item.insert(name.to_owned(), value);
    }
    item
}
