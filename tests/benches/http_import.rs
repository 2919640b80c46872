//! End-to-end import benchmark: a 20,000-row workbook uploaded through the presigned flow
//! and imported over HTTP into the local stack (DynamoDB Local + moto).
//! Run: `make bench-http` (starts the emulators, then `cargo bench -p e2e --bench http_import`).
use std::time::Instant;

use e2e::{TestApp, member_workbook, resident_id};

const ROWS: usize = 20_000;
const RUNS: usize = 3;

fn workbook(rows: usize, salt: u32) -> Vec<u8> {
    let ids: Vec<String> = (0..rows)
        .map(|i| {
            let day = 1 + (i % 28) as u32;
            let month = 1 + ((i / 28) % 12) as u32;
            let year = 1970 + ((i / 336) % 30) as u32;
            resident_id(&format!("{year}{month:02}{day:02}"), (i as u32 / 10_080) * 7 + salt)
        })
        .collect();
    let seqs: Vec<String> = (1..=rows).map(|i| i.to_string()).collect();
    let table: Vec<[&str; 9]> = (0..rows)
        .map(|i| {
            [
                seqs[i].as_str(),
                "张三",
                "居民身份证",
                ids[i].as_str(),
                "",
                "",
                "",
                "一般职业",
                "",
            ]
        })
        .collect();
    member_workbook(&table)
}

#[tokio::main]
async fn main() {
    if std::env::var("MOTO_URL").is_err() {
        eprintln!("run through `make bench-http` (needs the emulators)");
        return;
    }
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    let mut times = Vec::new();
    for run in 0..RUNS {
        let id = app.draft(&clerk, 1).await;
        let file = workbook(ROWS, run as u32);
        let started = Instant::now();
        let r = app.import(&clerk.browser, &id, file, "bench.xlsx").await;
        let elapsed = started.elapsed().as_secs_f64();
        assert_eq!(r.status, 201, "{r:?}");
        assert_eq!(r.body["success"].as_u64(), Some(ROWS as u64), "{:?}", r.body);
        println!("run {}: {ROWS} rows imported over HTTP in {elapsed:.2} s", run + 1);
        times.push(elapsed);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "http_import: {ROWS} rows, median {:.2} s over {RUNS} runs (goal ≤ 15 s)",
        times[RUNS / 2]
    );
}
