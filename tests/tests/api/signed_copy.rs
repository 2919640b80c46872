//! 确认书回传: the unit returns the signed, stamped scan of its certificate; its agency archives
//! it or returns it with a reason (SMS), and both sides read the 回传状态.
use e2e::{Browser, Clerk, Resp, TestApp, pdf, png, resident_id};
use serde_json::{Value, json};
use shared::records::account::Permission;

async fn paid_certificate(app: &TestApp, clerk: &Clerk) -> String {
    let id = app
        .invoiced_application(clerk, &[("张伟", resident_id("19850315", 123))])
        .await;
    let finance = app.staff("fin.scan", "HN", vec![Permission::Finance]).await;
    let today = shared::platform::time::today_beijing().to_string();
    let r = finance
        .post(
            &format!("/api/staff/applications/{id}/payment"),
            json!({ "received_on": today, "amount_fen": 8_000, "reference": "HX2025022500017" }),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    r.body["certificate_number"].as_str().expect("number").to_owned()
}

async fn upload_scan(unit: &Browser, number: &str, bytes: Vec<u8>) -> Resp {
    let ticket = unit
        .post(
            &format!("/api/certificates/{number}/signed-copy-uploads"),
            json!({ "content_type": "application/pdf", "size": bytes.len() }),
        )
        .await;
    if ticket.status != 200 {
        return ticket;
    }
    let put = reqwest::Client::new()
        .put(ticket.body["url"].as_str().expect("url"))
        .header("content-type", "application/pdf")
        .body(bytes)
        .send()
        .await
        .expect("PUT scan");
    assert!(put.status().is_success(), "PUT {}", put.status());
    unit.put(
        &format!("/api/certificates/{number}/signed-copy"),
        json!({ "upload_id": ticket.body["upload_id"] }),
    )
    .await
}

/// The unit's own row for `number` in 确认书打印.
async fn unit_row(unit: &Browser, number: &str) -> Value {
    let r = unit.get("/api/certificates").await;
    assert_eq!(r.status, 200, "{r:?}");
    r.body["items"]
        .as_array()
        .and_then(|rows| rows.iter().find(|row| row["number"] == number))
        .cloned()
        .expect("row")
}

/// The agency's rows in one 回传状态.
async fn staff_rows(staff: &Browser, status: &str) -> Vec<Value> {
    let r = staff
        .get(&format!("/api/staff/certificates?return_status={status}"))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    r.body["items"].as_array().cloned().unwrap_or_default()
}

async fn decide(who: &Browser, number: &str, what: &str, body: Value) -> Resp {
    who.post(&format!("/api/staff/certificates/{number}/signed-copy/{what}"), body)
        .await
}

async fn scans_stored(app: &TestApp, number: &str) -> usize {
    app.state
        .s3
        .list_objects_v2()
        .bucket(&*app.state.bucket)
        .prefix(format!("certificates/{number}/signed/"))
        .send()
        .await
        .expect("list")
        .contents()
        .len()
}

#[tokio::test]
async fn a_signed_scan_is_returned_refused_with_a_reason_returned_again_and_archived_once() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    let number = paid_certificate(&app, &clerk).await;
    let unit = &clerk.browser;
    let row = unit_row(unit, &number).await;
    assert_eq!(
        (row["return_status"].as_str(), row["return_status_label"].as_str()),
        (Some("not_returned"), Some("未回传")),
        "{row}"
    );

    // Bad files are refused before anything is stored.
    let path = format!("/api/certificates/{number}/signed-copy-uploads");
    let r = unit
        .post(&path, json!({ "content_type": "image/png", "size": 2048 }))
        .await;
    assert_eq!(
        (r.status, r.field_code("content_type")),
        (422, Some("FILE_TYPE")),
        "{r:?}"
    );
    let r = unit
        .post(
            &path,
            json!({ "content_type": "application/pdf", "size": 11 * 1024 * 1024 }),
        )
        .await;
    assert_eq!((r.status, r.field_code("size")), (422, Some("FILE_TOO_LARGE")), "{r:?}");
    let r = upload_scan(unit, &number, png(4096)).await;
    assert_eq!((r.status, r.field_code("upload_id")), (422, Some("FILE_TYPE")), "{r:?}");
    assert!(
        r.body["fields"][0]["message"].as_str().expect("msg").contains("PDF"),
        "{r:?}"
    );
    assert_eq!(scans_stored(&app, &number).await, 0);
    assert_eq!(unit_row(unit, &number).await["return_status"], "not_returned");
    // Another unit's certificate does not exist for this one.
    let other = app.clerk("411103").await;
    let r = upload_scan(&other.browser, &number, pdf(4096)).await;
    assert_eq!(r.status, 404, "{r:?}");

    let first = pdf(40_000);
    let r = upload_scan(unit, &number, first.clone()).await;
    assert_eq!(
        (r.status, r.body["return_status_label"].as_str()),
        (200, Some("待确认")),
        "{r:?}"
    );
    let r = upload_scan(unit, &number, pdf(4096)).await;
    assert_eq!((r.status, r.code()), (409, "SIGNED_COPY_NOT_OPEN"), "{r:?}");
    assert_eq!(scans_stored(&app, &number).await, 1);

    // The agency's 待确认 list; another subtree sees nothing and cannot decide.
    let reviewer = app.staff("hn.l1.scan", "HN", vec![Permission::ReviewL1]).await;
    let pending = staff_rows(&reviewer, "pending").await;
    let listed = pending.iter().find(|r| r["number"] == number.as_str()).expect("listed");
    assert_eq!(listed["unit_name"], "漯河市郾城区应急管理局", "{listed}");
    let seen = listed["uploaded_at"].as_str().expect("uploaded_at").to_owned();
    let stranger = app.staff("kf.l1.scan", "410200", vec![Permission::ReviewL1]).await;
    assert!(staff_rows(&stranger, "pending").await.is_empty());
    let r = decide(&stranger, &number, "archive", json!({ "uploaded_at": seen })).await;
    assert_eq!(r.status, 404, "{r:?}");
    let finance = app.staff("fin.scan2", "HN", vec![Permission::Finance]).await;
    let r = decide(&finance, &number, "archive", json!({ "uploaded_at": seen })).await;
    assert_eq!((r.status, r.code()), (403, "PERMISSION_DENIED"), "{r:?}");

    // The reviewer opens the scan (recorded) and returns it with a reason.
    let r = reviewer
        .get(&format!("/api/staff/certificates/{number}/signed-copy"))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let bytes = reqwest::get(r.body["url"].as_str().expect("url"))
        .await
        .expect("GET scan")
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(bytes.as_ref(), first.as_slice());
    let r = decide(
        &reviewer,
        &number,
        "refuse",
        json!({ "uploaded_at": seen, "reason": "  " }),
    )
    .await;
    assert_eq!((r.status, r.code()), (422, "REASON_REQUIRED"), "{r:?}");
    let sms_before = app.sms_to(&clerk.mobile).await.len();
    let r = decide(
        &reviewer,
        &number,
        "refuse",
        json!({ "uploaded_at": seen, "reason": "单位公章不清晰。" }),
    )
    .await;
    assert_eq!(
        (r.status, r.body["return_status_label"].as_str()),
        (200, Some("已退回")),
        "{r:?}"
    );
    let r = decide(&reviewer, &number, "archive", json!({ "uploaded_at": seen })).await;
    assert_eq!((r.status, r.code()), (409, "SIGNED_COPY_CHANGED"), "{r:?}");
    let sms = app.wait_sms(&clerk.mobile, sms_before + 1).await;
    assert_eq!(
        sms.last().map(String::as_str),
        Some(
            format!(
                "【中国职工保险互助会】您好！贵单位回传的确认书（确认书号{number}）签字盖章扫描件被退回，原因：单位公章不清晰。请登录单位端在\"确认书打印\"中重新上传。"
            )
            .as_str()
        ),
        "{sms:?}"
    );
    let row = unit_row(unit, &number).await;
    assert_eq!(
        (row["return_status_label"].as_str(), row["refuse_reason"].as_str()),
        (Some("已退回"), Some("单位公章不清晰。")),
        "{row}"
    );

    // Uploaded again: the old listing cannot decide the new scan; two reviewers at once
    // archive it once.
    let r = upload_scan(unit, &number, pdf(50_000)).await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = decide(&reviewer, &number, "archive", json!({ "uploaded_at": seen })).await;
    assert_eq!((r.status, r.code()), (409, "SIGNED_COPY_CHANGED"), "{r:?}");
    let fresh = staff_rows(&reviewer, "pending").await;
    let fresh = fresh
        .iter()
        .find(|r| r["number"] == number.as_str())
        .expect("listed again");
    let now_seen = fresh["uploaded_at"].clone();
    let second = app.staff("hn.l1.scan2", "HN", vec![Permission::ReviewL1]).await;
    let (a, b) = tokio::join!(
        decide(&reviewer, &number, "archive", json!({ "uploaded_at": now_seen })),
        decide(&second, &number, "archive", json!({ "uploaded_at": now_seen })),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    assert_eq!(unit_row(unit, &number).await["return_status_label"], "已归档");
    assert!(
        staff_rows(&reviewer, "archived")
            .await
            .iter()
            .any(|r| r["number"] == number.as_str())
    );
    assert!(
        !staff_rows(&reviewer, "pending")
            .await
            .iter()
            .any(|r| r["number"] == number.as_str())
    );
    let r = upload_scan(unit, &number, pdf(4096)).await;
    assert_eq!((r.status, r.code()), (409, "SIGNED_COPY_NOT_OPEN"), "{r:?}");
    assert_eq!(scans_stored(&app, &number).await, 2);

    // Every step is in the application's trail.
    let app_id = unit_row(unit, &number).await["application_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let trail = shared::records::trail::page(
        &app.state,
        &shared::records::application::app_pk(&app_id),
        &shared::platform::cursor::PageAt::first(20),
    )
    .await
    .expect("trail");
    let actions: Vec<&str> = trail.items.iter().map(|e| e.action.as_str()).collect();
    for action in [
        "signed_copy_uploaded",
        "signed_copy_viewed",
        "signed_copy_refused",
        "signed_copy_archived",
    ] {
        assert!(actions.contains(&action), "{action}: {actions:?}");
    }
}
