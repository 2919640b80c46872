//! 导出: 业务查询's result, the units not renewed and 首页统计's tables come back as xlsx that
//! agree with the screens; the worker builds them after the request has answered; each export
//! is recorded (who, when) and only its requester can download it; bad criteria are refused
//! as the screens refuse them.
use std::time::Duration;

use calamine::{Data, Reader, Xlsx};
use e2e::{Browser, TestApp, resident_id};
use serde_json::{Value, json};
use shared::records::account::Permission;

/// Every sheet of a workbook: its name and its rows as text (numbers as calamine shows them).
fn sheets_of(bytes: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).expect("sheet");
            let rows = range
                .rows()
                .map(|r| {
                    r.iter()
                        .map(|c| match c {
                            Data::Empty => String::new(),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .collect();
            (name, rows)
        })
        .collect()
}

/// Requests an export (202, 处理中) and waits for the worker to end it.
async fn exported(staff: &Browser, request: Value) -> Value {
    let r = staff.post("/api/staff/exports", request.clone()).await;
    assert_eq!(r.status, 202, "{request}: {r:?}");
    assert_eq!(r.body["state_label"], "处理中");
    let id = r.body["export_id"].as_str().expect("export id").to_owned();
    for _ in 0..200 {
        let r = staff.get(&format!("/api/staff/exports/{id}")).await;
        assert_eq!(r.status, 200, "{r:?}");
        if r.body["state"] != "queued" && r.body["state"] != "running" {
            return r.body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("export {id} did not end");
}

async fn workbook(view: &Value) -> Vec<(String, Vec<Vec<String>>)> {
    assert_eq!(view["state"], "done", "{view}");
    let url = view["url"].as_str().expect("download link");
    let res = reqwest::get(url).await.expect("GET export");
    assert_eq!(res.status(), 200);
    sheets_of(&res.bytes().await.expect("bytes"))
}

#[tokio::test]
async fn exports_match_the_screens_and_are_recorded_for_their_requester_only() {
    let app = TestApp::spawn().await;
    let luohe = app.clerk("411103").await;
    let kaifeng = app.clerk("410202").await;
    app.draft(&luohe, 1).await;
    app.draft(&kaifeng, 2).await;
    let finance = app.staff("fin.export", "HN", vec![Permission::Finance]).await;
    let (paid, due, certificate) = app
        .paid_application(&luohe, &finance, &[("张伟", resident_id("19850315", 123))])
        .await;
    let paid_app = shared::records::application::load(&app.state, &paid)
        .await
        .expect("load")
        .expect("application");
    let city = app.staff("city.export", "411100", vec![]).await;

    // 业务查询结果: the city's applications, as its search page lists them.
    let view = exported(&city, json!({ "kind": "applications" })).await;
    let screen = city.get("/api/staff/search/applications?page_size=100").await;
    assert_eq!(screen.status, 200);
    let listed = screen.body["items"].as_array().expect("items").clone();
    assert_eq!(listed.len(), 2, "the city's draft and its paid application");
    assert_eq!(view["rows"], 2);
    assert_eq!(view["kind_label"], "业务查询结果");
    assert!(view["file_name"].as_str().expect("name").starts_with("业务查询结果_"));
    let book = workbook(&view).await;
    let (name, rows) = &book[0];
    assert_eq!(name, "业务查询结果");
    assert_eq!(rows[0][..4], ["序号", "申请书号", "单位名称", "所属机构"]);
    let numbers: Vec<&str> = rows[1..].iter().map(|r| r[1].as_str()).collect();
    let on_screen: Vec<&str> = listed.iter().filter_map(|r| r["number"].as_str()).collect();
    assert_eq!(numbers, on_screen, "the same applications in the same order");
    let paid_row = rows
        .iter()
        .find(|r| r[1] == paid_app.number)
        .expect("the paid application's row");
    assert_eq!(paid_row[2], paid_app.unit_name);
    assert_eq!(paid_row[5], "已出确认书");
    assert_eq!(paid_row[6], "1");
    assert_eq!(paid_row[7].parse::<f64>().expect("应交保费"), due as f64 / 100.0);
    assert_eq!(paid_row[10], certificate);

    // The export is recorded: who asked, when, what; its file is in the bucket.
    let id = view["export_id"].as_str().expect("id");
    let stored = shared::records::export::load(&app.state, id)
        .await
        .expect("load export")
        .expect("export record");
    assert_eq!(stored.login, "city.export");
    assert_eq!(stored.rows, 2);
    assert_eq!(stored.criteria.agency.as_deref(), Some("411100"));
    let key = stored.object_key.expect("object key");
    app.state
        .s3
        .head_object()
        .bucket(&*app.state.bucket)
        .key(&key)
        .send()
        .await
        .expect("the workbook is in the bucket");
    let mine = city.get("/api/staff/exports").await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.body["items"][0]["export_id"], id);
    assert!(mine.body["items"][0]["url"].is_null(), "lists carry no links");

    // Only its requester sees it, even above them.
    let province = app.staff("head.export", "HN", vec![]).await;
    let r = province.get(&format!("/api/staff/exports/{id}")).await;
    assert_eq!(r.status, 404, "{r:?}");
    assert_eq!(r.body["code"], "NOT_FOUND");

    // A criterion narrows it as on screen: the province's paid applications only.
    let view = exported(&province, json!({ "kind": "applications", "status": "paid" })).await;
    assert_eq!(view["rows"], 1);
    let rows = &workbook(&view).await[0].1;
    assert_eq!(rows[1][1], paid_app.number);

    // 首页统计: the 合计 row is the screen's total.
    let year: i32 = paid_app.created_at[..4].parse().expect("year");
    let screen = province.get(&format!("/api/staff/dashboard?year={year}")).await;
    let total = &screen.body["total"]["this_year"];
    let view = exported(&province, json!({ "kind": "dashboard", "year": year })).await;
    let book = workbook(&view).await;
    assert_eq!(book[0].0, format!("{year}年各机构统计"));
    let sum = book[0].1.last().expect("合计").clone();
    assert_eq!(sum[0], "合计");
    assert_eq!(sum[2], total["units"].to_string(), "参保单位");
    assert_eq!(sum[5], total["insured"].to_string(), "参保人数");
    let received = total["received"]["total_fen"].as_i64().expect("fen");
    assert_eq!(sum[13].parse::<f64>().expect("到账"), received as f64 / 100.0);
    assert_eq!(received, i64::try_from(due).expect("fen"));
    let months = &book[1].1;
    assert_eq!(
        months[0],
        ["月份", "应交保费（元）", "开票金额（元）", "到账金额（元）"]
    );
    assert_eq!(months.len(), 2, "one month with fees: {months:?}");

    // 未续保单位: next year, the unit insured this year has not renewed; its contact masked.
    let view = exported(&province, json!({ "kind": "not_renewed", "year": year + 1 })).await;
    assert_eq!(view["rows"], 1);
    let rows = &workbook(&view).await[0].1;
    assert_eq!(rows[0][..3], ["序号", "单位名称", "统一社会信用代码"]);
    assert_eq!(rows[1][1], paid_app.unit_name);
    assert_eq!(rows[1][2], luohe.login, "the unit's code");
    assert!(rows[1][5].contains("****"), "mobile masked: {}", rows[1][5]);
    let none = exported(&province, json!({ "kind": "not_renewed", "year": year })).await;
    assert_eq!(none["rows"], 0, "everyone insured last year ({}) renewed", year - 1);

    // 到账清单 (finance): the month of the bank's date, one row per invoice entry.
    let cert = shared::records::certificate::load(&app.state, &certificate)
        .await
        .expect("load certificate")
        .expect("certificate");
    let entries = shared::records::invoice_entry::entries(&app.state, &paid)
        .await
        .expect("entries");
    assert_eq!(entries.len(), 1);
    let month = cert.received_on.format("%Y-%m").to_string();
    let view = exported(&finance, json!({ "kind": "payments", "month": month })).await;
    assert_eq!(view["kind_label"], "到账清单");
    let book = workbook(&view).await;
    let (name, rows) = &book[0];
    assert_eq!(name, &format!("{month}到账清单"));
    assert_eq!(
        rows[0],
        [
            "序号",
            "申请书号",
            "单位名称",
            "所属机构",
            "批次号",
            "抬头",
            "税号",
            "金额（元）",
            "到账日期",
            "到账凭证号",
            "确认书号"
        ]
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    let row = &rows[1];
    assert_eq!(row[1], paid_app.number);
    assert_eq!(row[4], entries[0].batch_no);
    assert_eq!(row[5], entries[0].title);
    assert_eq!(row[6], entries[0].tax_id);
    assert_eq!(
        row[7].parse::<f64>().expect("金额"),
        entries[0].amount_fen as f64 / 100.0
    );
    assert_eq!(row[8], cert.received_on.to_string());
    assert_eq!(row[9], cert.payment_reference);
    assert_eq!(row[10], certificate);
    let next_month = (cert.received_on + chrono::Months::new(1)).format("%Y-%m").to_string();
    let view = exported(&finance, json!({ "kind": "payments", "month": next_month })).await;
    assert_eq!(view["rows"], 0, "nothing was received next month");
}

#[tokio::test]
async fn bad_export_requests_are_refused_and_nothing_is_queued() {
    let app = TestApp::spawn().await;
    let city = app.staff("city.refuse", "411100", vec![]).await;
    for (request, status, code) in [
        (
            json!({ "kind": "applications", "status": "paid_twice" }),
            422,
            "STATUS_INVALID",
        ),
        (
            json!({ "kind": "applications", "from": "2026-02-30" }),
            422,
            "DATE_INVALID",
        ),
        (
            json!({ "kind": "applications", "from": "2026-03-02", "to": "2026-03-01" }),
            422,
            "DATE_RANGE_INVALID",
        ),
        (json!({ "kind": "applications", "agency": "410200" }), 404, "NOT_FOUND"),
        (json!({ "kind": "dashboard", "year": 1999 }), 422, "YEAR_INVALID"),
        (json!({ "kind": "not_renewed", "agency": "410202" }), 404, "NOT_FOUND"),
        // Criteria a kind does not use are refused, not ignored (whatever their length).
        (
            json!({ "kind": "not_renewed", "status": "x".repeat(30) }),
            422,
            "CRITERIA_UNUSED",
        ),
        (
            json!({ "kind": "dashboard", "q": "某某公司", "year": 2026 }),
            422,
            "CRITERIA_UNUSED",
        ),
        (
            json!({ "kind": "applications", "month": "2026-12" }),
            422,
            "CRITERIA_UNUSED",
        ),
    ] {
        let r = city.post("/api/staff/exports", request.clone()).await;
        assert_eq!(r.status, status, "{request}: {r:?}");
        assert_eq!(r.body["code"], code, "{request}: {r:?}");
        assert!(
            r.body["message"].as_str().is_some_and(|m| !m.is_ascii()),
            "a Chinese reason: {r:?}"
        );
    }
    let r = city
        .post("/api/staff/exports", json!({ "kind": "payments", "month": "2026-12" }))
        .await;
    assert_eq!(r.status, 403, "the payment list is finance's: {r:?}");
    let finance = app.staff("fin.refuse", "411100", vec![Permission::Finance]).await;
    let r = finance
        .post(
            "/api/staff/exports",
            json!({ "kind": "payments", "month": "2026-12", "year": 2025 }),
        )
        .await;
    assert_eq!(r.body["code"], "CRITERIA_UNUSED", "the month says the year: {r:?}");
    assert!(
        r.body["message"].as_str().is_some_and(|m| m.contains("年度")),
        "names the criterion: {r:?}"
    );
    for month in [json!("2026-13"), json!("202612"), json!(null)] {
        let r = finance
            .post("/api/staff/exports", json!({ "kind": "payments", "month": month }))
            .await;
        assert_eq!(r.status, 422, "{month}: {r:?}");
        assert_eq!(r.body["code"], "MONTH_INVALID");
    }
    let r = city.post("/api/staff/exports", json!({ "kind": "everything" })).await;
    assert!(r.status == 400 || r.status == 422, "unknown kind: {r:?}");
    let mine = city.get("/api/staff/exports").await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.body["items"], json!([]), "nothing queued by a refusal");
    let r = city.get("/api/staff/exports/no-such-export").await;
    assert_eq!(r.status, 404);
}
