//! 业务查询: every application of the caller's subtree in every state, found by each criterion,
//! a page at a time; refusals in Chinese; applications made before the index are added to it by
//! the recount.
use std::collections::BTreeSet;

use e2e::{Browser, TestApp, resident_id};
use serde_json::Value;
use shared::records::account::Permission;

async fn found(staff: &Browser, query: &str) -> Vec<Value> {
    let r = staff.get(&format!("/api/staff/search/applications?{query}")).await;
    assert_eq!(r.status, 200, "{query}: {r:?}");
    r.body["items"].as_array().cloned().unwrap_or_default()
}

fn ids(rows: &[Value]) -> BTreeSet<String> {
    rows.iter()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn applications_are_found_by_each_criterion_within_the_callers_subtree() {
    let app = TestApp::spawn().await;
    // 漯河市 › 郾城区: a draft, one waiting for 初审, one paid. 开封市 › 龙亭区: one draft.
    let luohe = app.clerk("411103").await;
    let kaifeng = app.clerk("410202").await;
    let draft = app.draft(&luohe, 1).await;
    let kaifeng_draft = app.draft(&kaifeng, 2).await;
    let submitted = app
        .submitted_with(&luohe, &[("王芳", resident_id("19880101", 311))])
        .await;
    let finance = app.staff("fin.search", "HN", vec![Permission::Finance]).await;
    let (paid, _, certificate) = app
        .paid_application(&luohe, &finance, &[("张伟", resident_id("19850315", 123))])
        .await;
    let today = shared::platform::time::today_beijing();
    let stored = |id: String| {
        let state = app.state.clone();
        async move {
            shared::records::application::load(&state, &id)
                .await
                .expect("load")
                .expect("application")
        }
    };
    let paid_app = stored(paid.clone()).await;
    let kaifeng_app = stored(kaifeng_draft.clone()).await;
    let everything: BTreeSet<String> = [&draft, &kaifeng_draft, &submitted, &paid]
        .into_iter()
        .cloned()
        .collect();
    let luohe_only: BTreeSet<String> = [&draft, &submitted, &paid].into_iter().cloned().collect();

    // The province finds all four; a city its own three, also when it names its district.
    let province = app.staff("head.search", "HN", vec![]).await;
    assert_eq!(ids(&found(&province, "").await), everything);
    let city = app.staff("city.search", "411100", vec![]).await;
    assert_eq!(ids(&found(&city, "").await), luohe_only);
    assert_eq!(ids(&found(&city, "agency=411103").await), luohe_only);
    assert_eq!(
        ids(&found(&province, "agency=410200").await),
        BTreeSet::from([kaifeng_draft.clone()])
    );
    let r = city.get("/api/staff/search/applications?agency=410202").await;
    assert_eq!(r.status, 404, "outside the city's jurisdiction: {r:?}");

    // Each criterion.
    let rows = found(&province, "status=paid").await;
    assert_eq!(ids(&rows), BTreeSet::from([paid.clone()]));
    assert_eq!(rows[0]["certificate_number"], certificate.as_str());
    assert_eq!(rows[0]["number"], paid_app.number.as_str());
    assert_eq!(rows[0]["status_label"], "已出确认书");
    assert_eq!(
        ids(&found(&province, &format!("q={certificate}")).await),
        BTreeSet::from([paid.clone()])
    );
    assert_eq!(
        ids(&found(&province, &format!("q={}", paid_app.number)).await),
        BTreeSet::from([paid.clone()])
    );
    assert_eq!(
        ids(&found(&province, &format!("q={}", luohe.login)).await),
        luohe_only,
        "by 统一社会信用代码"
    );
    assert_eq!(
        ids(&found(&province, &format!("q={}", kaifeng.login)).await),
        BTreeSet::from([kaifeng_draft.clone()])
    );
    let part: String = kaifeng_app.unit_name.chars().take(4).collect();
    let mut named = BTreeSet::new();
    for id in &everything {
        if stored(id.clone()).await.unit_name.contains(&part) {
            named.insert(id.clone());
        }
    }
    assert!(named.contains(&kaifeng_draft));
    assert_eq!(
        ids(&found(&province, &format!("q={}", urlencoding(&part))).await),
        named,
        "part of a name: {part}"
    );
    assert_eq!(
        ids(&found(&province, &format!("activity={}&status=draft", paid_app.activity_code)).await),
        BTreeSet::from([draft.clone(), kaifeng_draft.clone()])
    );
    let year = paid_app.created_at[..4].to_owned();
    assert_eq!(
        ids(&found(&province, &format!("year={year}&from={today}&to={today}")).await),
        everything
    );
    let yesterday = today.pred_opt().expect("yesterday");
    assert!(found(&province, &format!("to={yesterday}")).await.is_empty());
    assert!(
        found(&province, "q=91410000MA00000000").await.is_empty(),
        "a code no unit has"
    );

    // A page at a time: pages of one walk the whole list once.
    let mut walked = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("/api/staff/search/applications?page_size=1&cursor={c}"),
            None => "/api/staff/search/applications?page_size=1".to_owned(),
        };
        let r = province.get(&query).await;
        assert_eq!(r.status, 200, "{r:?}");
        walked.extend(ids(r.body["items"].as_array().expect("items")));
        match r.body["next"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(walked.len(), 4, "{walked:?}");
    assert_eq!(walked.into_iter().collect::<BTreeSet<_>>(), everything);

    // Bad criteria are refused with a reason.
    for (query, code) in [
        ("status=done", "STATUS_INVALID"),
        ("from=2026-13-01", "DATE_INVALID"),
        ("from=2026-03-02&to=2026-03-01", "DATE_RANGE_INVALID"),
        ("year=1999", "YEAR_INVALID"),
        ("activity=00000000000000000000000000000000000000000", "ACTIVITY_UNKNOWN"),
    ] {
        let r = province.get(&format!("/api/staff/search/applications?{query}")).await;
        assert_eq!((r.status, r.code()), (422, code), "{query}: {r:?}");
        assert!(
            r.body["message"].as_str().is_some_and(|m| !m.is_ascii()),
            "a Chinese message: {r:?}"
        );
    }

    // An application stored before the index existed is found once the recount has run.
    app.state
        .db
        .update_item()
        .table_name(&*app.state.table)
        .set_key(Some(shared::records::application::app_key(&draft)))
        .update_expression("REMOVE gsi4pk, gsi4sk")
        .send()
        .await
        .expect("unindex");
    assert!(!ids(&found(&province, "").await).contains(&draft));
    shared::steps::dashboard::recount(&app.state).await.expect("recount");
    assert_eq!(ids(&found(&province, "").await), everything);
}

/// Percent-encodes a query value (the unit names are Chinese).
fn urlencoding(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}
