//! 初审/复审/终审 and 开票录入 over HTTP: queues by level and jurisdiction, the full view,
//! decisions and returns with their SMS, one person per level, races between decisions and
//! between invoice entries, and the invoice data up to its submission.
use std::collections::HashSet;
use std::time::Duration;

use e2e::{Browser, Clerk, Resp, TestApp};
use serde_json::{Value, json};
use shared::platform::metrics::captured;
use shared::records::account::Permission;
use shared::records::application::{ApplicationStatus, app_key};

/// 漯河市 › 郾城区, the units' agency; 漯河市 is its parent, 开封市 another city.
const COUNTY: &str = "411103";
const CITY: &str = "411100";
const OTHER_CITY: &str = "410200";
const OFFICE: &str = "HN";

async fn reviewer(app: &TestApp, login: &str, agency: &str, permissions: Vec<Permission>) -> Browser {
    app.staff(login, agency, permissions).await
}

fn approve_body(level: u8) -> Value {
    json!({ "level": level })
}

async fn approve(staff: &Browser, id: &str, level: u8) -> Resp {
    staff
        .post(&format!("/api/staff/applications/{id}/approve"), approve_body(level))
        .await
}

async fn stored(app: &TestApp, id: &str) -> shared::records::application::Application {
    shared::records::application::load(&app.state, id)
        .await
        .expect("load")
        .expect("exists")
}

/// The actions of a trail page, newest first.
fn actions(trail: &Value) -> Vec<String> {
    trail["items"]
        .as_array()
        .expect("trail page")
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_owned))
        .collect()
}

fn queue_ids(r: &Resp) -> Vec<String> {
    r.body["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The SMS to `mobile` that contain `needle`.
async fn sms_with(app: &TestApp, mobile: &str, needle: &str) -> Vec<String> {
    app.sms_to(mobile)
        .await
        .into_iter()
        .filter(|m| m.contains(needle))
        .collect()
}

/// Waits until one SMS containing `needle` arrived, then a little longer so that a second
/// one would have arrived too; returns them all.
async fn settled_sms(app: &TestApp, mobile: &str, needle: &str) -> Vec<String> {
    for _ in 0..360 {
        if !sms_with(app, mobile, needle).await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    sms_with(app, mobile, needle).await
}

/// Approves L1 and L2 with two different reviewers; returns the L3 reviewer (Henan office).
async fn to_final_review(app: &TestApp, id: &str) -> Browser {
    let l1 = reviewer(app, "lh.l1", CITY, vec![Permission::ReviewL1]).await;
    let l2 = reviewer(app, "lh.l2", CITY, vec![Permission::ReviewL2]).await;
    assert_eq!(approve(&l1, id, 1).await.status, 200);
    assert_eq!(approve(&l2, id, 2).await.status, 200);
    reviewer(app, "hn.l3", OFFICE, vec![Permission::ReviewL3]).await
}

/// A submitted application of `members` members taken through all three levels.
async fn approved(app: &TestApp, clerk: &Clerk, members: u32) -> (String, Browser) {
    let id = app.submitted(clerk, members).await;
    let l3 = to_final_review(app, &id).await;
    let r = approve(&l3, &id, 3).await;
    assert_eq!(r.status, 200, "{r:?}");
    (id, l3)
}

#[tokio::test]
async fn three_levels_in_turn_each_queue_in_its_jurisdiction_and_the_final_sms_states_the_amount() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk(COUNTY).await;
    let id = app.submitted(&clerk, 3).await;

    let l1 = reviewer(&app, "lh.l1", CITY, vec![Permission::ReviewL1]).await;
    let kaifeng = reviewer(&app, "kf.l1", OTHER_CITY, vec![Permission::ReviewL1]).await;

    // 初审 queue: listed for the unit's city, not for another city; other levels are empty.
    let r = l1.get("/api/staff/reviews?level=1").await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(queue_ids(&r), vec![id.clone()]);
    assert_eq!((r.body["offset"].as_u64(), r.body["next"].as_str()), (Some(0), None));
    assert_eq!(r.body["items"][0]["fee_fen"], 24000);
    assert_eq!(r.body["items"][0]["status"], "submitted");
    let r = kaifeng.get("/api/staff/reviews?level=1").await;
    assert_eq!((r.status, &r.body["items"]), (200, &json!([])), "{r:?}");
    let r = kaifeng.get(&format!("/api/staff/applications/{id}")).await;
    assert_eq!((r.status, r.code()), (404, "NOT_FOUND"));
    let r = approve(&kaifeng, &id, 1).await;
    assert_eq!((r.status, r.code()), (404, "NOT_FOUND"));
    // A level one does not hold, a level that does not exist, a unit on a staff route.
    let r = l1.get("/api/staff/reviews?level=2").await;
    assert_eq!((r.status, r.code()), (403, "PERMISSION_DENIED"));
    let r = l1.get("/api/staff/reviews?level=4").await;
    assert_eq!((r.status, r.code()), (422, "LEVEL_INVALID"));
    let r = clerk.browser.get("/api/staff/reviews?level=1").await;
    assert_eq!((r.status, r.code()), (403, "STAFF_ONLY"));
    // Not approved yet: no invoice data.
    let r = clerk.browser.get(&format!("/api/applications/{id}/invoice")).await;
    assert_eq!((r.status, r.code()), (409, "INVOICE_NOT_OPEN"));

    // The full view: base info, activity table, fees, self-check; members masked; the trail
    // a page at a time.
    let r = l1.get(&format!("/api/staff/applications/{id}")).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["application"]["status"], "submitted");
    assert_eq!(r.body["application"]["activities"][0]["insured_count"], 3);
    assert_eq!(r.body["fees"]["due_fen"], 24000);
    assert_eq!(r.body["self_check"]["over_age_count"], 0);
    assert!(r.body["attachments"].as_array().is_some_and(Vec::is_empty), "{r:?}");
    let trail = l1.get(&format!("/api/staff/applications/{id}/trail")).await;
    assert_eq!(trail.status, 200, "{trail:?}");
    assert!(actions(&trail.body).contains(&"application_submitted".to_owned()));
    let r = l1
        .get(&format!("/api/staff/applications/{id}/members?page_size=2"))
        .await;
    assert_eq!((r.status, r.body["total"].as_u64()), (200, Some(3)), "{r:?}");
    let items = r.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    let whole = e2e::resident_id("19850315", 100);
    assert!(!r.body.to_string().contains(&whole), "ID shown whole: {r:?}");
    assert_eq!(
        items[0]["id_number"],
        format!("{}***********{}", &whole[..3], &whole[14..])
    );
    let next = r.body["next"].as_str().expect("a next page").to_owned();
    let r = l1
        .get(&format!(
            "/api/staff/applications/{id}/members?page_size=2&cursor={next}"
        ))
        .await;
    assert_eq!(
        (
            r.body["items"].as_array().map(Vec::len),
            r.body["offset"].as_u64(),
            r.body["next"].is_null()
        ),
        (Some(1), Some(2), true),
        "{r:?}"
    );
    let r = l1.get(&format!("/api/staff/applications/{id}/members?q={whole}")).await;
    assert_eq!(r.body["items"][0]["id_number"], items[0]["id_number"], "{r:?}");
    let r = l1.get(&format!("/api/staff/applications/{id}/self-check")).await;
    assert_eq!(
        (
            r.status,
            r.body["over_age_count"].as_u64(),
            r.body["findings"].as_array().map(Vec::len)
        ),
        (200, Some(0), Some(0)),
        "{r:?}"
    );
    let r = clerk
        .browser
        .get(&format!("/api/staff/applications/{id}/self-check"))
        .await;
    assert!(
        matches!(r.status, 401 | 403),
        "a unit cannot read the staff view: {r:?}"
    );

    // 初审 → 待复审: it leaves the L1 queue and enters L2's.
    let r = approve(&l1, &id, 1).await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (200, Some("l1_approved")),
        "{r:?}"
    );
    assert_eq!(l1.get("/api/staff/reviews?level=1").await.body["items"], json!([]));
    let l2 = reviewer(&app, "lh.l2", CITY, vec![Permission::ReviewL2]).await;
    assert_eq!(queue_ids(&l2.get("/api/staff/reviews?level=2").await), vec![id.clone()]);
    // Approving the wrong level: the application does not wait there any more.
    let both = reviewer(&app, "lh.both", CITY, vec![Permission::ReviewL1, Permission::ReviewL2]).await;
    let r = approve(&both, &id, 1).await;
    assert_eq!((r.status, r.code()), (409, "APPLICATION_ALREADY_DECIDED"));
    // Subsidies are set at the final level only.
    let r = l2
        .post(
            &format!("/api/staff/applications/{id}/approve"),
            json!({ "level": 2, "subsidy_fen": 100 }),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "ADJUSTMENT_ONLY_AT_FINAL"));
    let r = approve(&l2, &id, 2).await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (200, Some("l2_approved")),
        "{r:?}"
    );

    // 终审 by the Henan office: finance may not; the reviewer sets a subsidy.
    let finance = reviewer(&app, "hn.fin", OFFICE, vec![Permission::Finance]).await;
    let r = approve(&finance, &id, 3).await;
    assert_eq!((r.status, r.code()), (403, "PERMISSION_DENIED"));
    let l3 = reviewer(&app, "hn.l3", OFFICE, vec![Permission::ReviewL3]).await;
    assert_eq!(queue_ids(&l3.get("/api/staff/reviews?level=3").await), vec![id.clone()]);
    let r = l3
        .post(
            &format!("/api/staff/applications/{id}/approve"),
            json!({ "level": 3, "subsidy_fen": 30000 }),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "ADJUSTMENT_TOO_LARGE"));
    let r = l3
        .post(
            &format!("/api/staff/applications/{id}/approve"),
            json!({ "level": 3, "subsidy_fen": 4000, "gift_fen": 1050 }),
        )
        .await;
    assert_eq!((r.status, r.body["status"].as_str()), (200, Some("approved")), "{r:?}");
    assert_eq!(r.body["due_fen"], 18950);
    // A double click is not a second approval.
    let r = approve(&l3, &id, 3).await;
    assert_eq!((r.status, r.code()), (409, "APPLICATION_ALREADY_DECIDED"));

    let sms = settled_sms(&app, &clerk.mobile, "通过审核").await;
    assert_eq!(
        sms,
        vec![
            "【中国职工保险互助会】您好！贵单位办理的入会业务已经通过审核，应缴会费189.50元，如信息无误请及时登录单位端填写费用信息，并根据流程提示完成缴费流程。"
                .to_owned()
        ]
    );
    let stored = stored(&app, &id).await;
    assert_eq!(stored.status, ApplicationStatus::Approved);
    assert!(stored.approved_at.is_some());
    assert_eq!(
        (
            stored.l1_reviewer.as_deref(),
            stored.l2_reviewer.as_deref(),
            stored.l3_reviewer.as_deref()
        ),
        (Some("lh.l1"), Some("lh.l2"), Some("hn.l3"))
    );
    let trail = clerk.browser.get(&format!("/api/applications/{id}/trail")).await;
    let done = actions(&trail.body);
    for action in ["review_l1_approved", "review_l2_approved", "review_l3_approved"] {
        assert_eq!(done.iter().filter(|a| *a == action).count(), 1, "{done:?}");
    }
    let detail = clerk.browser.get(&format!("/api/applications/{id}")).await;
    assert_eq!(detail.body["status"], "approved");
}

#[tokio::test]
async fn one_person_never_decides_two_levels_of_a_submission() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk(COUNTY).await;
    let id = app.submitted(&clerk, 1).await;
    let all = vec![Permission::ReviewL1, Permission::ReviewL2, Permission::ReviewL3];
    let zhang = reviewer(&app, "zhang", OFFICE, all.clone()).await;
    let li = reviewer(&app, "li", OFFICE, all.clone()).await;

    assert_eq!(approve(&zhang, &id, 1).await.status, 200);
    let r = approve(&zhang, &id, 2).await;
    assert_eq!((r.status, r.code()), (409, "REVIEWER_ALREADY_ACTED"), "{r:?}");
    assert!(r.body["message"].as_str().is_some_and(|m| m.contains("初审")), "{r:?}");
    let r = zhang
        .post(
            &format!("/api/staff/applications/{id}/return"),
            json!({ "level": 2, "reason": "材料不全" }),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "REVIEWER_ALREADY_ACTED"));
    assert_eq!(approve(&li, &id, 2).await.status, 200);
    for who in [&zhang, &li] {
        let r = approve(who, &id, 3).await;
        assert_eq!((r.status, r.code()), (409, "REVIEWER_ALREADY_ACTED"), "{r:?}");
    }
    assert_eq!(stored(&app, &id).await.status, ApplicationStatus::L2Approved);

    // The write itself is guarded too, not only the read before it: the decision's condition,
    // evaluated by DynamoDB on the stored item, refuses "zhang" and "li" and admits "wang".
    let condition = shared::steps::review::decision_condition(shared::steps::review::ReviewLevel::L3);
    for (me, holds) in [("zhang", false), ("li", false), ("wang", true)] {
        let result = app
            .state
            .db
            .update_item()
            .table_name(&*app.state.table)
            .set_key(Some(app_key(&id)))
            .update_expression("SET probe = :me")
            .condition_expression(&condition)
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":expected", shared::platform::db::s("l2_approved"))
            .expression_attribute_values(":me", shared::platform::db::s(me))
            .send()
            .await;
        match result {
            Ok(_) => assert!(holds, "{me} passed the condition"),
            Err(e) => assert!(!holds && shared::platform::db::is_condition_failed(&e), "{me}: {e:?}"),
        }
    }

    let wang = reviewer(&app, "wang", OFFICE, all).await;
    assert_eq!(approve(&wang, &id, 3).await.status, 200);
}

#[tokio::test]
async fn a_return_goes_back_to_draft_with_the_reason_and_the_unit_fixes_and_resubmits() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk(COUNTY).await;
    let id = app.submitted(&clerk, 2).await;
    let l1 = reviewer(&app, "lh.l1", CITY, vec![Permission::ReviewL1]).await;
    let l2 = reviewer(&app, "lh.l2", CITY, vec![Permission::ReviewL1, Permission::ReviewL2]).await;
    assert_eq!(approve(&l1, &id, 1).await.status, 200);

    let ret = format!("/api/staff/applications/{id}/return");
    for (body, status, code) in [
        (json!({ "level": 2, "reason": "  " }), 422, "REASON_REQUIRED"),
        (
            json!({ "level": 2, "reason": "字".repeat(201) }),
            422,
            "REASON_TOO_LONG",
        ),
        (json!({ "level": 7, "reason": "x" }), 422, "LEVEL_INVALID"),
        (json!({ "level": 1, "reason": "x" }), 409, "APPLICATION_ALREADY_DECIDED"),
    ] {
        let r = l2.post(&ret, body).await;
        assert_eq!((r.status, r.code()), (status, code), "{r:?}");
    }
    assert_eq!(stored(&app, &id).await.status, ApplicationStatus::L1Approved);
    let badge = || async {
        let r = clerk.browser.get("/api/unit/attention").await;
        assert_eq!(r.status, 200, "{r:?}");
        r.body["returned_drafts"].as_u64()
    };
    assert_eq!(badge().await, Some(0));

    let reason = "在职职工人数与花名册不符，请核对后重新提交";
    let r = l2.post(&ret, json!({ "level": 2, "reason": reason })).await;
    assert_eq!((r.status, r.body["status"].as_str()), (200, Some("draft")), "{r:?}");
    let sms = settled_sms(&app, &clerk.mobile, "退回").await;
    assert_eq!(
        sms,
        vec![format!(
            "【中国职工保险互助会】您好！贵单位提交的参保申请被退回，原因：{reason}。请登录单位端修改后重新提交。"
        )]
    );
    let r = l2.get("/api/staff/reviews?level=2").await;
    assert_eq!(r.body["items"], json!([]));

    // The unit reads the reason, edits and submits again; the reason is then gone.
    let detail = clerk.browser.get(&format!("/api/applications/{id}")).await;
    assert_eq!(
        (detail.body["status"].as_str(), detail.body["returned_reason"].as_str()),
        (Some("draft"), Some(reason))
    );
    // … in the list too, where a returned draft reads apart from a fresh one.
    let list = clerk.browser.get("/api/applications").await;
    let row = list.body["items"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["id"] == id.as_str()))
        .cloned()
        .expect("listed");
    assert_eq!(
        (row["status_label"].as_str(), row["returned_reason"].as_str()),
        (Some("已退回（待修改）"), Some(reason))
    );
    // … and the menu's badge counts it.
    assert_eq!(badge().await, Some(1));
    let r = clerk
        .browser
        .put(
            &format!("/api/applications/{id}"),
            json!({ "employees": 2, "female_employees": 1, "remarks": "已核对" }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = clerk
        .browser
        .post(&format!("/api/applications/{id}/submit"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let detail = clerk.browser.get(&format!("/api/applications/{id}")).await;
    assert_eq!(detail.body["returned_reason"], Value::Null);
    assert_eq!(detail.body["status"], "submitted");
    assert_eq!(badge().await, Some(0));

    // A new submission: who decided this one is cleared, but whoever acted keeps their duty
    // for good: the reviewer who returned it at 复审 may not do 初审, and may 复审 again.
    let stored_app = stored(&app, &id).await;
    assert_eq!((stored_app.l1_reviewer, stored_app.l2_reviewer), (None, None));
    let r = approve(&l2, &id, 1).await;
    assert_eq!((r.status, r.code()), (409, "REVIEWER_ALREADY_ACTED"));
    assert_eq!(approve(&l1, &id, 1).await.status, 200);
    assert_eq!(approve(&l2, &id, 2).await.status, 200);
    // For operators: 初审 twice, 复审 once after its return, the refused tries not counted.
    let level = |metric: &str, level: &str| captured::values(metric, Some(level)).len();
    assert_eq!(
        (
            level("Approvals", "first"),
            level("Returns", "second"),
            level("Approvals", "second")
        ),
        (2, 1, 1)
    );

    let trail = clerk.browser.get(&format!("/api/applications/{id}/trail")).await;
    let done = actions(&trail.body);
    assert_eq!(
        done.iter().filter(|a| *a == "review_l2_returned").count(),
        1,
        "{done:?}"
    );
    assert_eq!(
        done.iter().filter(|a| *a == "application_submitted").count(),
        2,
        "{done:?}"
    );
    assert!(
        trail.body.to_string().contains(&format!("复审退回：{reason}")),
        "{trail:?}"
    );
}

#[tokio::test]
async fn of_twenty_concurrent_final_approvals_exactly_one_wins_and_one_sms_is_sent() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk(COUNTY).await;
    let id = app.submitted(&clerk, 2).await;
    to_final_review(&app, &id).await;
    let mut reviewers = Vec::new();
    for i in 0..20 {
        reviewers.push(reviewer(&app, &format!("hn.l3.{i}"), OFFICE, vec![Permission::ReviewL3]).await);
    }
    let path = format!("/api/staff/applications/{id}/approve");
    let results = post_at_once(
        &app,
        reviewers.iter().map(|r| (r, path.clone(), approve_body(3))).collect(),
    )
    .await;
    let won: Vec<&Resp> = results.iter().filter(|r| r.status == 200).collect();
    assert_eq!(won.len(), 1, "{results:?}");
    assert_eq!(captured::values("Approvals", Some("final")), vec![1.0]);
    for r in results.iter().filter(|r| r.status != 200) {
        assert_eq!((r.status, r.code()), (409, "APPLICATION_ALREADY_DECIDED"), "{r:?}");
        assert!(r.body["message"].as_str().is_some_and(|m| m.contains("已被处理")));
    }
    assert_eq!(stored(&app, &id).await.status, ApplicationStatus::Approved);
    let trail = clerk.browser.get(&format!("/api/applications/{id}/trail")).await;
    let done = actions(&trail.body);
    assert_eq!(
        done.iter().filter(|a| *a == "review_l3_approved").count(),
        1,
        "{done:?}"
    );
    let sms = settled_sms(&app, &clerk.mobile, "通过审核").await;
    assert_eq!(sms.len(), 1, "{sms:?}");
    assert!(sms[0].contains("应缴会费160.00元"), "{sms:?}");
}

/// Sends the POSTs at once, each from its own client with the caller's session; results
/// in order.
async fn post_at_once(app: &TestApp, requests: Vec<(&Browser, String, Value)>) -> Vec<Resp> {
    let handles: Vec<_> = requests
        .into_iter()
        .map(|(browser, path, body)| {
            let browser = Browser::with_cookie(&app.base, browser.session_cookie());
            tokio::spawn(async move { browser.post(&path, body).await })
        })
        .collect();
    let mut results = Vec::new();
    for handle in handles {
        results.push(handle.await.expect("request task"));
    }
    results
}

fn entry(source: &str, title: &str, count: u64, price: u64) -> Value {
    json!({
        "source": source,
        "title": title,
        "tax_id": "91410100ma44abcd1x",
        "payer_email": "caiwu@example.cn",
        "items": [{
            "activity_code": "ZYYL",
            "occupation": "general",
            "count": count,
            "unit_price_fen": price,
            "amount_fen": count * price,
        }],
    })
}

fn is_batch_number(batch: &str) -> bool {
    let today = shared::platform::time::today_beijing().format("%Y%m%d").to_string();
    batch.len() == 19
        && batch.starts_with(&format!("S{today}"))
        && batch[1..].bytes().all(|b| b.is_ascii_digit())
        && batch[9..].parse::<u64>().is_ok_and(|seq| seq > 1_000_000_000)
}

#[tokio::test]
async fn invoice_entries_cover_the_due_exactly_then_submission_freezes_them() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk(COUNTY).await;
    let other = app.clerk(COUNTY).await;
    let id = app.submitted(&clerk, 3).await;
    let l3 = to_final_review(&app, &id).await;
    let unit = &clerk.browser;
    let base = format!("/api/applications/{id}/invoice");
    let final_review = format!("/api/staff/applications/{id}/approve");

    // 补贴 / 赠险 are set as part of 终审: too much refused, then 240 − 20 − 20.
    let r = l3
        .post(
            &final_review,
            json!({ "level": 3, "subsidy_fen": 20000, "gift_fen": 4001 }),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "ADJUSTMENT_TOO_LARGE"));
    let r = l3
        .post(
            &final_review,
            json!({ "level": 3, "subsidy_fen": 2000, "gift_fen": 2000 }),
        )
        .await;
    assert_eq!((r.status, r.body["due_fen"].as_u64()), (200, Some(20000)), "{r:?}");
    // After 终审 nobody changes them: the old adjustment route is gone.
    let r = l3
        .put(
            &format!("/api/staff/applications/{id}/fee-adjustments"),
            json!({ "subsidy_fen": 0, "gift_fen": 0 }),
        )
        .await;
    assert!(r.status == 404 || r.status == 405, "{r:?}");

    let r = unit.get(&base).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        (
            r.body["fees"]["total_fen"].as_u64(),
            r.body["fees"]["subsidy_fen"].as_u64(),
            r.body["fees"]["gift_fen"].as_u64(),
            r.body["fees"]["due_fen"].as_u64()
        ),
        (Some(24000), Some(2000), Some(2000), Some(20000))
    );
    assert_eq!(r.body["activities"][0]["remaining_fen"], 20000);
    assert_eq!(r.body["submitted"], false);

    // Bad input: every field named, nothing written.
    let mut bad = entry("工会经费", "A", 2, 6000);
    bad["tax_id"] = json!("12345");
    bad["payer_email"] = json!("caiwu@");
    bad["items"][0]["amount_fen"] = json!(11000);
    let r = unit.post(&format!("{base}/entries"), bad).await;
    assert_eq!((r.status, r.code()), (422, "INVALID_FIELDS"), "{r:?}");
    assert_eq!(r.field_code("tax_id"), Some("TAX_ID_INVALID"));
    assert_eq!(r.field_code("payer_email"), Some("EMAIL_INVALID"));
    assert_eq!(r.field_code("items[0].amount_fen"), Some("AMOUNT_MISMATCH"));
    let mut no_title = entry("财政拨款", "", 1, 100);
    no_title["items"] = json!([]);
    let r = unit.post(&format!("{base}/entries"), no_title).await;
    assert_eq!(r.field_code("title"), Some("TITLE_REQUIRED"));
    assert_eq!(r.field_code("source"), Some("SOURCE_INVALID"));
    assert_eq!(r.field_code("items"), Some("ITEMS_REQUIRED"));
    assert_eq!(stored(&app, &id).await.invoiced_fen, 0);

    // Two titles: 120 + 80 = 200 元.
    let r = unit
        .post(&format!("{base}/entries"), entry("工会经费", "省职工发展中心", 2, 6000))
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let first = r.body.clone();
    assert_eq!(
        (first["amount_fen"].as_u64(), first["tax_id"].as_str()),
        (Some(12000), Some("91410100MA44ABCD1X"))
    );
    assert!(is_batch_number(first["batch_no"].as_str().unwrap_or("")), "{first}");
    // Over the remaining 80 元, and then staff can no longer change the fees.
    let r = unit
        .post(&format!("{base}/entries"), entry("行政经费", "B", 1, 8001))
        .await;
    assert_eq!((r.status, r.code()), (422, "INVOICE_EXCEEDS_REMAINING"), "{r:?}");
    let r = unit.post(&format!("{base}/submit"), json!({})).await;
    assert_eq!((r.status, r.code()), (422, "INVOICE_NOT_COVERED"), "{r:?}");
    assert!(
        r.body["message"].as_str().is_some_and(|m| m.contains("还差80.00元")),
        "{r:?}"
    );

    let r = unit
        .post(
            &format!("{base}/entries"),
            entry("行政经费", "郾城区应急管理局", 1, 8000),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let second = r.body.clone();
    assert_ne!(first["batch_no"], second["batch_no"]);
    let second_url = format!("{base}/entries/{}", second["entry_id"].as_str().unwrap_or(""));

    // Edit and delete before submitting; the counter follows.
    let r = unit
        .put(&second_url, entry("会员自付", "郾城区应急管理局", 1, 5000))
        .await;
    assert_eq!(
        (r.status, r.body["batch_no"].clone()),
        (200, second["batch_no"].clone()),
        "{r:?}"
    );
    assert_eq!(unit.get(&base).await.body["remaining_fen"], 3000);
    let r = unit
        .put(&second_url, entry("会员自付", "郾城区应急管理局", 1, 8001))
        .await;
    assert_eq!((r.status, r.code()), (422, "INVOICE_EXCEEDS_REMAINING"));
    let r = unit.send_delete(&second_url).await;
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(unit.get(&base).await.body["remaining_fen"], 8000);
    let r = unit.send_delete(&second_url).await;
    assert_eq!((r.status, r.code()), (404, "INVOICE_ENTRY_NOT_FOUND"));
    let r = unit
        .post(
            &format!("{base}/entries"),
            entry("行政经费", "郾城区应急管理局", 1, 8000),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let second_url = format!("{base}/entries/{}", r.body["entry_id"].as_str().unwrap_or(""));

    // Another unit finds nothing on any invoice route; staff are not units.
    for r in [
        other.browser.get(&base).await,
        other
            .browser
            .post(&format!("{base}/entries"), entry("工会经费", "X", 1, 1))
            .await,
        other.browser.put(&second_url, entry("工会经费", "X", 1, 1)).await,
        other.browser.send_delete(&second_url).await,
        other.browser.post(&format!("{base}/submit"), json!({})).await,
    ] {
        assert_eq!((r.status, r.code()), (404, "NOT_FOUND"), "{r:?}");
    }
    let r = l3.get(&base).await;
    assert_eq!((r.status, r.code()), (403, "UNIT_ONLY"));

    let r = unit.post(&format!("{base}/submit"), json!({})).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        (r.body["status"].as_str(), r.body["submitted"].as_bool()),
        (Some("invoiced"), Some(true))
    );
    assert_eq!(r.body["entries"].as_array().map(Vec::len), Some(2));
    let titles: HashSet<&str> = r.body["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["title"].as_str())
        .collect();
    assert_eq!(titles, HashSet::from(["省职工发展中心", "郾城区应急管理局"]));

    // After submission nothing changes.
    for r in [
        unit.post(&format!("{base}/entries"), entry("工会经费", "X", 1, 1))
            .await,
        unit.put(&second_url, entry("工会经费", "X", 1, 1)).await,
        unit.send_delete(&second_url).await,
        unit.post(&format!("{base}/submit"), json!({})).await,
    ] {
        assert_eq!((r.status, r.code()), (409, "INVOICE_SUBMITTED"), "{r:?}");
    }
    let stored = stored(&app, &id).await;
    assert_eq!(
        (stored.status, stored.invoiced_fen),
        (ApplicationStatus::Invoiced, 20000)
    );
    assert!(stored.invoiced_at.is_some());
    // 开票录入 lists it (past 终审), filtered on the server.
    let listed = unit.get("/api/applications?stage=invoice").await;
    assert_eq!(
        (
            listed.body["items"][0]["id"].as_str(),
            listed.body["items"][0]["status"].as_str()
        ),
        (Some(id.as_str()), Some("invoiced")),
        "{listed:?}"
    );
    let trail = unit.get(&format!("/api/applications/{id}/trail")).await;
    let done = actions(&trail.body);
    assert_eq!(done.iter().filter(|a| *a == "invoice_submitted").count(), 1, "{done:?}");
    // The adjustment is part of the 终审 entry, with the amounts the SMS stated.
    let summaries: Vec<&str> = trail.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["action"] == "review_l3_approved")
        .filter_map(|e| e["summary"].as_str())
        .collect();
    assert_eq!(summaries.len(), 1, "{summaries:?}");
    assert!(
        summaries[0].contains("应交保费200.00元") && summaries[0].contains("补贴金额20.00元"),
        "{summaries:?}"
    );
}

#[tokio::test]
async fn concurrent_invoice_entries_never_exceed_the_due_and_batch_numbers_are_unique() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk(COUNTY).await;
    let (id, _) = approved(&app, &clerk, 3).await;
    let base = format!("/api/applications/{id}/invoice");

    // Ten entries of 60 元 at once against 240 元: at most four fit.
    let bodies: Vec<Value> = (0..10)
        .map(|i| entry("工会经费", &format!("抬头{i}"), 1, 6000))
        .collect();
    let path = format!("{base}/entries");
    let results = post_at_once(
        &app,
        bodies.into_iter().map(|b| (&clerk.browser, path.clone(), b)).collect(),
    )
    .await;
    let won = results.iter().filter(|r| r.status == 201).count();
    assert!((1..=4).contains(&won), "{results:?}");
    for r in results.iter().filter(|r| r.status != 201) {
        assert!(
            ["INVOICE_EXCEEDS_REMAINING", "CHANGED_MEANWHILE"].contains(&r.code()),
            "{r:?}"
        );
    }
    // Fill up sequentially; one more is refused.
    for i in won..4 {
        let r = clerk
            .browser
            .post(
                &format!("{base}/entries"),
                entry("工会经费", &format!("补{i}"), 1, 6000),
            )
            .await;
        assert_eq!(r.status, 201, "{r:?}");
    }
    let r = clerk
        .browser
        .post(&format!("{base}/entries"), entry("工会经费", "多余", 1, 1))
        .await;
    assert_eq!((r.status, r.code()), (422, "INVOICE_EXCEEDS_REMAINING"));

    let view = clerk.browser.get(&base).await;
    let entries = view.body["entries"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 4);
    let sum: u64 = entries.iter().filter_map(|e| e["amount_fen"].as_u64()).sum();
    assert_eq!(sum, 24000);
    assert_eq!(stored(&app, &id).await.invoiced_fen, 24000);
    assert_eq!(view.body["remaining_fen"], 0);
    let batches: HashSet<&str> = entries.iter().filter_map(|e| e["batch_no"].as_str()).collect();
    assert_eq!(batches.len(), 4);
    assert!(batches.iter().all(|b| is_batch_number(b)), "{batches:?}");

    let r = clerk.browser.post(&format!("{base}/submit"), json!({})).await;
    assert_eq!((r.status, r.body["status"].as_str()), (200, Some("invoiced")), "{r:?}");
}
