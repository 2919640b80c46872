//! 首页统计: the figures agree with what the test created and with the queues they summarise,
//! stay inside the caller's jurisdiction, and a drifted tally is mended by the recount.
use std::collections::BTreeMap;

use e2e::{Browser, TestApp, resident_id};
use serde_json::{Value, json};
use shared::records::account::Permission;

/// The applications by state of a dashboard figure, without the zero ones.
fn by_state(figures: &Value) -> BTreeMap<String, i64> {
    figures["applications"]
        .as_object()
        .map(|states| {
            states
                .iter()
                .filter_map(|(state, n)| Some((state.clone(), n.as_i64()?)))
                .filter(|(_, n)| *n != 0)
                .collect()
        })
        .unwrap_or_default()
}

fn expected(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
    pairs.iter().map(|(s, n)| ((*s).to_owned(), *n)).collect()
}

async fn dashboard(staff: &Browser, query: &str) -> Value {
    let r = staff.get(&format!("/api/staff/dashboard{query}")).await;
    assert_eq!(r.status, 200, "{r:?}");
    r.body
}

#[tokio::test]
async fn the_dashboard_counts_what_moved_through_the_workflow_and_the_recount_mends_a_drift() {
    let app = TestApp::spawn().await;
    // 漯河市 (411100) › 郾城区 (411103): a draft, one waiting for 初审, one returned by 初审,
    // one paid with two people. 开封市 (410200) › 龙亭区 (410202): one draft.
    let luohe = app.clerk("411103").await;
    let kaifeng = app.clerk("410202").await;
    app.draft(&luohe, 1).await;
    app.draft(&kaifeng, 1).await;
    app.submitted_with(&luohe, &[("王芳", resident_id("19880101", 311))])
        .await;
    let returned = app
        .submitted_with(&luohe, &[("赵磊", resident_id("19790707", 517))])
        .await;
    let reviewer = app.staff("l1.dash", "HN", vec![Permission::ReviewL1]).await;
    let r = reviewer
        .post(
            &format!("/api/staff/applications/{returned}/return"),
            json!({ "level": 1, "reason": "缺少超龄证明" }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let finance = app.staff("fin.dash", "HN", vec![Permission::Finance]).await;
    let (paid, due, _) = app
        .paid_application(
            &luohe,
            &finance,
            &[
                ("张伟", resident_id("19850315", 123)),
                ("李娜", resident_id("19900101", 245)),
            ],
        )
        .await;
    let today = shared::platform::time::today_beijing();
    let month = today.format("%Y%m").to_string();

    // The province sees everything.
    let province = app.staff("head.dash", "HN", vec![]).await;
    let all = dashboard(&province, "").await;
    let total = &all["total"]["this_year"];
    assert_eq!(
        by_state(total),
        expected(&[("draft", 3), ("submitted", 1), ("paid", 1)]),
        "{all:#}"
    );
    let stored = shared::records::application::load(&app.state, &paid)
        .await
        .expect("load")
        .expect("paid application");
    assert_eq!(total["insured"], 2);
    assert_eq!(total["employees"].as_u64(), stored.employees.map(u64::from));
    assert_eq!(
        (
            total["units"].as_u64(),
            total["high_risk"].as_u64(),
            total["over_age"].as_u64()
        ),
        (Some(1), Some(0), Some(0))
    );
    // 终审, 开票 and 到账 all happened this month, each of the one amount.
    for flow in ["due", "invoiced", "received"] {
        assert_eq!(total[flow]["total_fen"].as_u64(), Some(due), "{flow}: {all:#}");
        assert_eq!(total[flow]["by_month"][&month].as_u64(), Some(due), "{flow}");
    }
    // Both units came through 注册审核.
    assert_eq!(all["total"]["registered"], 2);
    assert_eq!(all["total"]["not_renewed"], 0);
    assert_eq!(by_state(&all["total"]["last_year"]), BTreeMap::new());
    // Next year, the unit paid this year has not renewed yet.
    let next_year = all["year"].as_i64().expect("year") + 1;
    let next = dashboard(&province, &format!("?year={next_year}")).await;
    assert_eq!(next["total"]["not_renewed"], 1, "{next:#}");
    assert_eq!(next["total"]["last_year"], all["total"]["this_year"]);
    // The same number waits in the 初审 queue.
    let queue = reviewer.get("/api/staff/reviews?level=1").await;
    assert_eq!(queue.body["items"].as_array().map(Vec::len), Some(1), "{queue:?}");
    // One row per city, each with its own figures.
    let row = |code: &str| {
        all["rows"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["agency_code"] == code))
            .cloned()
            .unwrap_or_else(|| panic!("no row {code}: {all:#}"))
    };
    assert_eq!(
        by_state(&row("411100")["figures"]["this_year"]),
        expected(&[("draft", 2), ("submitted", 1), ("paid", 1)])
    );
    assert_eq!(
        by_state(&row("410200")["figures"]["this_year"]),
        expected(&[("draft", 1)])
    );
    assert_eq!(
        (
            row("411100")["figures"]["registered"].as_i64(),
            row("410200")["figures"]["registered"].as_i64()
        ),
        (Some(1), Some(1))
    );

    // A city sees its own subtree and may narrow to a district, nothing outside.
    let city = app.staff("city.dash", "411100", vec![]).await;
    let own = dashboard(&city, "").await;
    assert_eq!(
        by_state(&own["total"]["this_year"]),
        expected(&[("draft", 2), ("submitted", 1), ("paid", 1)])
    );
    assert_eq!(
        (
            own["total"]["this_year"]["insured"].as_u64(),
            own["total"]["this_year"]["received"]["total_fen"].as_u64()
        ),
        (Some(2), Some(due))
    );
    let district = dashboard(&city, "?agency=411103").await;
    assert_eq!(district["total"], own["total"]);
    assert_eq!(city.get("/api/staff/dashboard?agency=410202").await.status, 404);
    let r = city.get("/api/staff/dashboard?year=1999").await;
    assert_eq!((r.status, r.code()), (422, "YEAR_INVALID"), "{r:?}");
    let r = city.get("/api/staff/dashboard?year=明年").await;
    assert!((400..500).contains(&r.status), "{r:?}");

    // Tallies that drifted (written by hand here) are mended by the recount.
    let year = all["year"].as_i64().expect("year") as i32;
    for (key, attr) in [
        (shared::records::tally::tally_key("411103", year), "apps_draft"),
        (shared::records::tally::standing_key("410202"), "registered"),
    ] {
        app.state
            .db
            .put_item()
            .table_name(&*app.state.table)
            .set_item(Some(key))
            .item(attr, shared::platform::db::n(99))
            .send()
            .await
            .expect("drift");
    }
    assert_ne!(dashboard(&province, "").await["total"], all["total"]);
    let counted = shared::steps::dashboard::recount(&app.state).await.expect("recount");
    assert_eq!(counted, 5);
    assert_eq!(dashboard(&province, "").await["total"], all["total"]);
}

#[tokio::test]
async fn the_units_not_renewed_are_listed_a_page_at_a_time_and_agree_with_the_dashboard() {
    let app = TestApp::spawn().await;
    let finance = app.staff("fin.renew", "HN", vec![Permission::Finance]).await;
    let luohe = app.clerk("411103").await;
    let kaifeng = app.clerk("410202").await;
    app.paid_application(&luohe, &finance, &[("张伟", resident_id("19850315", 123))])
        .await;
    app.paid_application(&kaifeng, &finance, &[("王芳", resident_id("19880101", 311))])
        .await;
    let next_year = chrono::Datelike::year(&shared::platform::time::today_beijing()) + 1;
    let province = app.staff("head.renew", "HN", vec![]).await;

    // Next year both units are 未续保 until they renew: two pages of one, agency by agency.
    let path = format!("/api/staff/not-renewed?year={next_year}&page_size=1");
    let first = province.get(&path).await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(first.body["total"], 2);
    let cursor = first.body["next"].as_str().expect("a second page").to_owned();
    let second = province.get(&format!("{path}&cursor={cursor}")).await;
    assert_eq!(second.status, 200, "{second:?}");
    assert_eq!(second.body["offset"], 1);
    assert!(second.body["next"].is_null(), "{second:?}");
    let listed: Vec<&str> = [&first, &second]
        .iter()
        .filter_map(|r| r.body["items"][0]["unit_id"].as_str())
        .collect();
    assert_eq!(
        listed,
        vec![kaifeng.unit_id.as_str(), luohe.unit_id.as_str()],
        "开封 (4102) before 漯河 (4111)"
    );
    let row = &second.body["items"][0];
    assert_eq!(
        row["agency_name"].as_str().map(|n| n.ends_with("郾城区")),
        Some(true),
        "{row}"
    );
    let mobile = row["contact_mobile"].as_str().expect("mobile");
    assert!(mobile.contains('*') && mobile != luohe.mobile, "masked: {mobile}");
    let figures = dashboard(&province, &format!("?year={next_year}")).await;
    assert_eq!(
        figures["total"]["not_renewed"], first.body["total"],
        "the same count as the card"
    );

    // A city lists its own; this year nobody is 未续保; outside the jurisdiction is 404.
    let city = app.staff("city.renew", "411100", vec![]).await;
    let r = city.get(&format!("/api/staff/not-renewed?year={next_year}")).await;
    assert_eq!(r.body["total"], 1, "{r:?}");
    assert_eq!(r.body["items"][0]["unit_id"], luohe.unit_id.as_str());
    let r = province.get("/api/staff/not-renewed").await;
    assert_eq!((r.status, r.body["total"].as_u64()), (200, Some(0)), "{r:?}");
    let r = city.get("/api/staff/not-renewed?agency=410202").await;
    assert_eq!(r.status, 404, "{r:?}");
    let r = city.get("/api/staff/not-renewed?year=1999").await;
    assert_eq!((r.status, r.code()), (422, "YEAR_INVALID"), "{r:?}");
    let r = city.get("/api/staff/not-renewed?cursor=bm90LWEtY3Vyc29y").await;
    assert_eq!((r.status, r.code()), (422, "CURSOR_INVALID"), "{r:?}");
}
