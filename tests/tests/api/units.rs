//! 单位档案: staff find the units of their subtree by name or code and open one unit's file —
//! details, contact (the reading recorded), registration, applications in every state and
//! certificates with their 回传状态 — never a unit outside their jurisdiction.
use std::collections::BTreeSet;

use e2e::{Browser, TestApp, UnitFixture, pdf, resident_id};
use serde_json::{Value, json};
use shared::records::account::Permission;

async fn units(staff: &Browser, query: &str) -> Vec<Value> {
    let r = staff.get(&format!("/api/staff/units?{query}")).await;
    assert_eq!(r.status, 200, "{query}: {r:?}");
    r.body["items"].as_array().cloned().unwrap_or_default()
}

fn ids(rows: &[Value]) -> BTreeSet<String> {
    rows.iter()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect()
}

/// The unit's one certificate as its file lists it.
async fn certificate_row(staff: &Browser, unit_id: &str) -> Value {
    let r = staff.get(&format!("/api/staff/units/{unit_id}/certificates")).await;
    assert_eq!(r.status, 200, "{r:?}");
    let items = r.body["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1, "{items:?}");
    items[0].clone()
}

/// The unit returns its signed scan of `number` (as 确认书回传 does).
async fn return_scan(unit: &Browser, number: &str) {
    let bytes = pdf(20_000);
    let ticket = unit
        .post(
            &format!("/api/certificates/{number}/signed-copy-uploads"),
            json!({ "content_type": "application/pdf", "size": bytes.len() }),
        )
        .await;
    assert_eq!(ticket.status, 200, "{ticket:?}");
    let put = reqwest::Client::new()
        .put(ticket.body["url"].as_str().expect("url"))
        .header("content-type", "application/pdf")
        .body(bytes)
        .send()
        .await
        .expect("PUT scan");
    assert!(put.status().is_success(), "PUT {}", put.status());
    let r = unit
        .put(
            &format!("/api/certificates/{number}/signed-copy"),
            json!({ "upload_id": ticket.body["upload_id"] }),
        )
        .await;
    assert!(r.status < 300, "{r:?}");
}

#[tokio::test]
async fn a_units_file_shows_its_registration_applications_and_certificates_within_the_jurisdiction() {
    let app = TestApp::spawn().await;
    // 漯河市 › 郾城区: a unit with a draft and a paid application; one registration still
    // waiting. 开封市 › 龙亭区: another unit.
    let luohe = app.clerk("411103").await;
    let kaifeng = app.clerk("410202").await;
    let waiting = UnitFixture::new("411103");
    app.register(&waiting).await;
    let draft = app.draft(&luohe, 1).await;
    let finance = app.staff("fin.units", "HN", vec![Permission::Finance]).await;
    let (paid, _, certificate) = app
        .paid_application(&luohe, &finance, &[("张伟", resident_id("19850315", 123))])
        .await;
    let stored = shared::records::unit::load_unit(&app.state, &luohe.unit_id)
        .await
        .expect("load")
        .expect("unit");
    let code = stored.unit_code.as_str().to_owned();
    let paid_number = shared::records::application::load(&app.state, &paid)
        .await
        .expect("load")
        .expect("application")
        .number;

    // 单位查询: the city finds its registered unit by code or name, the contact masked, and
    // not 开封's; the waiting registration only when asked for.
    let city = app.staff("city.units", "411100", vec![]).await;
    let rows = units(&city, &format!("q={code}")).await;
    assert_eq!(ids(&rows), BTreeSet::from([luohe.unit_id.clone()]));
    assert_eq!(rows[0]["status"], "approved");
    let masked = rows[0]["contact_mobile"].as_str().expect("mobile");
    assert_ne!(masked, luohe.mobile, "masked in the list");
    assert_eq!(&masked[..3], &luohe.mobile[..3]);
    let by_name = ids(&units(&city, "q=郾城区应急").await);
    assert!(by_name.contains(&luohe.unit_id), "{by_name:?}");
    assert!(!by_name.contains(&kaifeng.unit_id), "{by_name:?}");
    let all = ids(&units(&city, "page_size=100").await);
    assert!(
        all.contains(&luohe.unit_id) && !all.contains(&kaifeng.unit_id),
        "{all:?}"
    );
    assert_eq!(ids(&units(&city, "agency=411103&page_size=100").await), all);
    assert!(units(&city, &format!("q={}", waiting.unit_code)).await.is_empty());
    let pending = units(&city, &format!("status=pending&q={}", waiting.unit_code)).await;
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(pending[0]["status"], "pending");
    let province = app.staff("head.units", "HN", vec![]).await;
    let both = ids(&units(&province, "page_size=100").await);
    assert!(both.contains(&luohe.unit_id) && both.contains(&kaifeng.unit_id));

    // 单位档案: the whole contact and the registration, and the reading is recorded.
    let r = city.get(&format!("/api/staff/units/{}", luohe.unit_id)).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["unit_code"], code.as_str());
    assert_eq!(r.body["unit_name"], stored.unit_name.as_str());
    assert_eq!(r.body["contact"]["mobile"], luohe.mobile.as_str());
    assert_eq!(r.body["status_label"], "已通过");
    assert_eq!(r.body["account"], luohe.login.as_str());
    assert_eq!(r.body["details_change_pending"], false);
    assert!(r.body.get("unit_license_key").is_none(), "no storage keys: {r:?}");
    let trail = shared::records::trail::page(
        &app.state,
        &shared::records::unit::unit_pk(&luohe.unit_id),
        &shared::platform::cursor::PageAt::first(100),
    )
    .await
    .expect("trail");
    assert!(
        trail
            .items
            .iter()
            .any(|e| e.action == "unit_file_viewed" && e.actor == "city.units"),
        "the reading is in the unit's trail: {:?}",
        trail.items.iter().map(|e| &e.action).collect::<Vec<_>>()
    );

    // Its applications in every state, newest first.
    let r = city
        .get(&format!("/api/staff/units/{}/applications", luohe.unit_id))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let apps = r.body["items"].as_array().cloned().unwrap_or_default();
    let listed: Vec<&str> = apps.iter().filter_map(|a| a["id"].as_str()).collect();
    assert_eq!(listed, vec![paid.as_str(), draft.as_str()]);
    assert_eq!(apps[0]["status_label"], "已出确认书");
    assert_eq!(apps[0]["certificate_number"], certificate.as_str());
    assert_eq!(apps[1]["status"], "draft");

    // Its certificates with the 回传状态, which follows the unit's scan.
    let row = certificate_row(&city, &luohe.unit_id).await;
    assert_eq!(row["number"], certificate.as_str());
    assert_eq!(row["application_number"], paid_number.as_str());
    assert_eq!(row["return_status_label"], "未回传");
    return_scan(&luohe.browser, &certificate).await;
    assert_eq!(
        certificate_row(&city, &luohe.unit_id).await["return_status_label"],
        "待确认"
    );

    // Nothing of a unit outside the jurisdiction, nor of no unit at all.
    for path in ["", "/applications", "/certificates"] {
        let r = city.get(&format!("/api/staff/units/{}{path}", kaifeng.unit_id)).await;
        assert_eq!(r.status, 404, "{path}: {r:?}");
        assert!(r.body["message"].as_str().is_some_and(|m| !m.is_ascii()), "{r:?}");
    }
    let r = city.get("/api/staff/units/not-a-unit").await;
    assert_eq!(r.status, 404, "{r:?}");
}

#[tokio::test]
async fn bad_units_queries_are_refused_in_chinese() {
    let app = TestApp::spawn().await;
    let city = app.staff("city.units.bad", "411100", vec![]).await;
    for (query, status, code) in [
        (format!("q={}", "单".repeat(51)), 400, "SEARCH_TOO_LONG"),
        ("agency=410202".to_owned(), 404, "NOT_FOUND"),
        ("agency=999999".to_owned(), 404, "NOT_FOUND"),
        ("cursor=bm90LWEtY3Vyc29y".to_owned(), 422, "CURSOR_INVALID"),
    ] {
        let r = city.get(&format!("/api/staff/units?{query}")).await;
        assert_eq!((r.status, r.code()), (status, code), "{query}: {r:?}");
        assert!(r.body["message"].as_str().is_some_and(|m| !m.is_ascii()), "{r:?}");
    }
    let r = city.get("/api/staff/units?status=everything").await;
    assert!(r.status == 400 || r.status == 422, "unknown status: {r:?}");
    let r = app.browser().get("/api/staff/units").await;
    assert_eq!(r.status, 401, "signed in only: {r:?}");
}
