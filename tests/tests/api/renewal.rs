//! 续保: 一键续保 from a paid certificate inside its window, last year's list copied through the
//! background import, its members renewed and charged (not 未到期), once per certificate.
//! Last year is made as the office would have made it (the whole workflow over HTTP); then
//! its certificate's end date is moved to the boundary under test (fixture data: the clock
//! of the system is never switched).
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{Days, NaiveDate};
use e2e::{Browser, Clerk, TestApp, member_workbook, resident_id};
use serde_json::json;
use shared::platform::db::{Item, key};
use shared::records::account::Permission;

fn today() -> NaiveDate {
    shared::platform::time::today_beijing()
}

fn people() -> Vec<(&'static str, String)> {
    vec![
        ("张伟", resident_id("19850315", 123)),
        ("李秀英", resident_id("19900720", 224)),
        ("欧阳喆", resident_id("19780102", 35)),
    ]
}

async fn get_item(app: &TestApp, key: Item) -> Option<Item> {
    app.state
        .db
        .get_item()
        .table_name(&*app.state.table)
        .set_key(Some(key))
        .consistent_read(true)
        .send()
        .await
        .expect("get item")
        .item
}

/// Last year's certificate of `clerk`: the application paid today over HTTP, then its cover's
/// end moved to `end` (certificate and coverage records alike), with 无名单 of 4 general and
/// 2 high-risk workers on last year's application.
async fn last_years_certificate(app: &TestApp, clerk: &Clerk, end: NaiveDate) -> (String, String) {
    let members = people();
    let id = app.invoiced_application(clerk, &members).await;
    let number = paid_ending(app, &id, 24_000, end).await;
    for (count, occupation) in [(4, "general"), (2, "high_risk")] {
        let mut item = key(
            shared::records::application::app_pk(&id),
            format!("UNNAMED#{}", uuid::Uuid::new_v4().simple()),
        );
        item.insert("entry_id".into(), AttributeValue::S(uuid::Uuid::new_v4().to_string()));
        item.insert("count".into(), AttributeValue::N(count.to_string()));
        item.insert("occupation".into(), AttributeValue::S(occupation.into()));
        item.insert("created_at".into(), AttributeValue::S("2025-12-01 09:00:00".into()));
        app.state
            .db
            .put_item()
            .table_name(&*app.state.table)
            .set_item(Some(item))
            .send()
            .await
            .expect("unnamed");
    }
    // … and its counters, as entering them would have kept them.
    app.state
        .db
        .update_item()
        .table_name(&*app.state.table)
        .set_key(Some(shared::records::application::app_key(&id)))
        .update_expression("SET unnamed_count = :six, high_risk_count = high_risk_count + :two")
        .expression_attribute_values(":six", AttributeValue::N("6".into()))
        .expression_attribute_values(":two", AttributeValue::N("2".into()))
        .send()
        .await
        .expect("unnamed counts");
    (id, number)
}

/// 到账确认 of the invoiced application `id` (today, `amount_fen`), its certificate's cover
/// then moved to end on `end`; answers the certificate number.
pub(crate) async fn paid_ending(app: &TestApp, id: &str, amount_fen: u64, end: NaiveDate) -> String {
    let login = format!("fin{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let finance = app.staff(&login, "HN", vec![Permission::Finance]).await;
    let r = finance
        .post(
            &format!("/api/staff/applications/{id}/payment"),
            json!({ "received_on": today().to_string(), "amount_fen": amount_fen, "reference": "HX2025022500017" }),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let number = r.body["certificate_number"].as_str().expect("number").to_owned();
    set_end(app, &number, end).await;
    number
}

/// Moves the end of a certificate's cover (and its members' coverage records) to `end`.
async fn set_end(app: &TestApp, number: &str, end: NaiveDate) {
    app.state
        .db
        .update_item()
        .table_name(&*app.state.table)
        .set_key(Some(shared::records::certificate::cert_key(number)))
        .update_expression("SET end_date = :end, gsi1sk = :ending")
        .expression_attribute_values(":end", AttributeValue::S(end.to_string()))
        .expression_attribute_values(
            ":ending",
            AttributeValue::S(shared::records::certificate::ending_sk(end, number)),
        )
        .send()
        .await
        .expect("move end");
    for (_, id) in people() {
        app.state
            .db
            .update_item()
            .table_name(&*app.state.table)
            .set_key(Some(shared::records::coverage::coverage_key("ZYYL", &id)))
            .update_expression("SET #until = :end")
            .expression_attribute_names("#until", "until")
            .expression_attribute_values(":end", AttributeValue::S(end.to_string()))
            .send()
            .await
            .expect("move coverage");
    }
}

async fn renew(browser: &Browser, number: &str) -> e2e::Resp {
    browser
        .post(&format!("/api/certificates/{number}/renewal"), json!({}))
        .await
}

/// The 续保 state of `number` in its unit's certificate list (first page).
async fn listed_renewal(browser: &Browser, number: &str) -> serde_json::Value {
    let r = browser.get("/api/certificates").await;
    assert_eq!(r.status, 200, "{r:?}");
    r.body["items"]
        .as_array()
        .and_then(|items| items.iter().find(|c| c["number"] == number))
        .map(|c| c["renewal"].clone())
        .unwrap_or_else(|| panic!("{number} not listed: {r:?}"))
}

fn stored_member_renewed(item: &Item) -> bool {
    item.get("renewed")
        .and_then(|v| v.as_bool().ok())
        .copied()
        .unwrap_or(false)
}

#[tokio::test]
async fn a_renewal_copies_last_years_list_and_charges_its_members() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411104").await;
    let (last_year, number) = last_years_certificate(&app, &clerk, today() + Days::new(10)).await;
    let listed = listed_renewal(&clerk.browser, &number).await;
    assert_eq!(
        (listed["window"].as_str(), listed["window_label"].as_str()),
        (Some("open"), Some("可续保")),
        "{listed}"
    );
    assert_eq!(
        listed["opens_on"],
        (today() + Days::new(10) - Days::new(30)).to_string()
    );
    assert_eq!(listed["closes_on"], (today() + Days::new(25)).to_string());
    assert!(listed["application_id"].is_null(), "{listed}");

    let r = renew(&clerk.browser, &number).await;
    assert_eq!(r.status, 201, "{r:?}");
    let id = r.body["id"].as_str().expect("id").to_owned();
    assert_eq!(r.body["status"], "draft");
    assert_eq!(r.body["renews"]["certificate_number"], number.as_str());
    assert_eq!(r.body["renews"]["end_date"], (today() + Days::new(10)).to_string());
    assert_eq!(r.body["observation_days"], 90);

    // Once per certificate, and the answer names the renewal already made.
    let again = renew(&clerk.browser, &number).await;
    assert_eq!((again.status, again.code()), (409, "RENEWAL_EXISTS"), "{again:?}");
    let made = r.body["number"].as_str().expect("application number");
    assert!(
        again.body["message"].as_str().unwrap_or_default().contains(made),
        "{again:?}"
    );

    // Last year's members arrive through the background import: renewed and charged.
    let batch = app.finish_import(&clerk.browser, &id).await;
    assert_eq!(
        (
            batch.status,
            batch.body["success"].as_u64(),
            batch.body["expiring"].as_u64()
        ),
        (201, Some(3), Some(0)),
        "{batch:?}"
    );
    assert!(batch.body["file_name"].as_str().unwrap_or_default().contains(&number));
    let detail = clerk.browser.get(&format!("/api/applications/{id}")).await;
    assert_eq!(detail.status, 200, "{detail:?}");
    assert_eq!(detail.body["named_count"], 3);
    assert_eq!(detail.body["unnamed_count"], 6);
    assert_eq!(detail.body["renews"]["certificate_number"], number.as_str());
    // 9 people × 1 share × 80.00 元; 在职人数 as last year.
    assert_eq!(detail.body["activities"][0]["fee_fen"], 72_000);
    assert_eq!(detail.body["activities"][0]["high_risk_count"], 2);
    assert_eq!(detail.body["base"]["employees"], 8);
    let unnamed = clerk.browser.get(&format!("/api/applications/{id}/unnamed")).await;
    let mut counts: Vec<(u64, String)> = unnamed
        .body
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["count"].as_u64().unwrap_or(0),
                e["occupation"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    counts.sort();
    assert_eq!(counts, [(2, "high_risk".to_owned()), (4, "general".to_owned())]);

    // A later file: last year's member is a duplicate of the copy, the newcomer is charged
    // and not marked renewed; a member of last year typed again elsewhere would be renewed.
    let newcomer = resident_id("19920505", 47);
    let file = member_workbook(&[
        ["1", "张伟", "", &people()[0].1, "", "", "", "", ""],
        ["2", "赵敏", "", &newcomer, "", "", "", "", ""],
    ]);
    let r = app.import(&clerk.browser, &id, file, "新入职.xlsx").await;
    assert_eq!(
        (
            r.status,
            r.body["success"].as_u64(),
            r.body["failed"].as_u64(),
            r.body["expiring"].as_u64()
        ),
        (201, Some(1), Some(1), Some(0)),
        "{r:?}"
    );
    let pk = shared::records::application::app_pk(&id);
    let member_key = |id_number: &str| {
        key(
            pk.clone(),
            shared::records::members::member_sk(&shared::records::members::member_id(id_number)),
        )
    };
    let copied = get_item(&app, member_key(&people()[1].1)).await.expect("copied member");
    assert!(stored_member_renewed(&copied), "{copied:?}");
    let added = get_item(&app, member_key(&newcomer)).await.expect("new member");
    assert!(!stored_member_renewed(&added), "{added:?}");
    let detail = clerk.browser.get(&format!("/api/applications/{id}")).await;
    assert_eq!(detail.body["named_count"], 4);

    // The certificate list now points at the renewal; the wizard's difference view counts
    // last year's members kept and the newcomer, then one removed.
    let listed = listed_renewal(&clerk.browser, &number).await;
    assert_eq!(
        (listed["window"].as_str(), listed["application_number"].as_str()),
        (Some("renewed"), Some(made)),
        "{listed}"
    );
    assert_eq!(listed["application_id"], id.as_str());
    let diff = |body: &serde_json::Value| {
        [
            "last_year_count",
            "kept",
            "removed",
            "added",
            "over_age",
            "last_year_unnamed",
            "unnamed",
        ]
        .map(|field| body[field].as_u64().unwrap_or(u64::MAX))
    };
    let r = clerk.browser.get(&format!("/api/applications/{id}/renewal")).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["certificate_number"], number.as_str());
    assert_eq!(diff(&r.body), [3, 3, 0, 1, 0, 6, 6], "{r:?}");
    let member = shared::records::members::member_id(&people()[1].1);
    let removed = clerk
        .browser
        .send_delete(&format!("/api/applications/{id}/members/{member}"))
        .await;
    assert_eq!(removed.status, 204, "{removed:?}");
    let r = clerk.browser.get(&format!("/api/applications/{id}/renewal")).await;
    assert_eq!(diff(&r.body), [3, 2, 1, 1, 0, 6, 6], "{r:?}");
    // An application that renews nothing has no difference to show.
    let r = clerk
        .browser
        .get(&format!("/api/applications/{last_year}/renewal"))
        .await;
    assert_eq!((r.status, r.code()), (404, "NOT_A_RENEWAL"), "{r:?}");

    // Last year's application is untouched.
    let before = clerk.browser.get(&format!("/api/applications/{last_year}")).await;
    assert_eq!(
        (before.body["status"].as_str(), before.body["named_count"].as_u64()),
        (Some("paid"), Some(3))
    );

    // The trail says where the draft came from.
    let trail = clerk.browser.get(&format!("/api/applications/{id}/trail")).await;
    assert!(
        trail.body.to_string().contains(&format!("一键续保：确认书{number}")),
        "{trail:?}"
    );
}

#[tokio::test]
async fn renewal_opens_30_days_before_the_end_and_closes_15_days_after_for_the_unit_alone() {
    // No worker in the background: the copy waits until this test runs it.
    let app = TestApp::spawn_without_import_worker().await;
    let clerk = app.clerk("411121").await;
    let (_, number) = last_years_certificate(&app, &clerk, today() + Days::new(31)).await;

    let listed = listed_renewal(&clerk.browser, &number).await;
    assert_eq!(
        (listed["window"].as_str(), listed["window_label"].as_str()),
        (Some("not_yet"), Some("未到续保时间")),
        "{listed}"
    );
    let early = renew(&clerk.browser, &number).await;
    assert_eq!(
        (early.status, early.code()),
        (422, "RENEWAL_WINDOW_CLOSED"),
        "{early:?}"
    );
    let opens = today() + Days::new(1);
    assert!(
        early.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains(&opens.to_string()),
        "names the first day: {early:?}"
    );

    set_end(&app, &number, today() - Days::new(16)).await;
    let listed = listed_renewal(&clerk.browser, &number).await;
    assert_eq!(listed["window"], "closed", "{listed}");
    let late = renew(&clerk.browser, &number).await;
    assert_eq!((late.status, late.code()), (422, "RENEWAL_WINDOW_CLOSED"), "{late:?}");

    // Another unit cannot even learn that the certificate exists.
    let stranger = app.clerk("411102").await;
    let r = renew(&stranger.browser, &number).await;
    assert_eq!(r.status, 404, "{r:?}");

    set_end(&app, &number, today() - Days::new(15)).await;
    let last_day = renew(&clerk.browser, &number).await;
    assert_eq!(last_day.status, 201, "{last_day:?}");
    let id = last_day.body["id"].as_str().expect("id").to_owned();
    // While last year's list is copied, no file can be imported into the draft.
    let busy = app
        .queue_import(
            &clerk.browser,
            &id,
            member_workbook(&[["1", "赵敏", "", &resident_id("19920505", 47), "", "", "", "", ""]]),
            "a.xlsx",
        )
        .await;
    assert_eq!((busy.status, busy.code()), (409, "IMPORT_IN_PROGRESS"), "{busy:?}");
    let batch = app.finish_import(&clerk.browser, &id).await;
    assert_eq!(
        (batch.status, batch.body["success"].as_u64()),
        (201, Some(3)),
        "{batch:?}"
    );
}

/// What a renewal became once paid: its certificate as the API answers it and the text of
/// its printed PDF.
struct PaidRenewal {
    certificate: serde_json::Value,
    pdf: String,
    newcomer: String,
}

/// Last year's certificate ending `offset` days from today (negative: in the past), renewed,
/// a newcomer (赵敏) added, then submitted, reviewed, invoiced, paid today and printed.
async fn renewed_and_paid(app: &TestApp, clerk: &Clerk, offset: i64) -> PaidRenewal {
    let end = if offset >= 0 {
        today() + Days::new(offset.unsigned_abs())
    } else {
        today() - Days::new(offset.unsigned_abs())
    };
    let (_, number) = last_years_certificate(app, clerk, end).await;
    let r = renew(&clerk.browser, &number).await;
    assert_eq!(r.status, 201, "{r:?}");
    let id = r.body["id"].as_str().expect("id").to_owned();
    let batch = app.finish_import(&clerk.browser, &id).await;
    assert_eq!(batch.body["success"], 3, "{batch:?}");
    let newcomer = resident_id("19920505", 47);
    let file = member_workbook(&[["1", "赵敏", "", &newcomer, "", "", "", "", ""]]);
    let r = app.import(&clerk.browser, &id, file, "新入职.xlsx").await;
    assert_eq!(r.body["success"], 1, "{r:?}");
    let r = clerk
        .browser
        .put(
            &format!("/api/applications/{id}"),
            json!({ "employees": 20, "female_employees": 2, "remarks": "" }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = clerk
        .browser
        .post(&format!("/api/applications/{id}/submit"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    app.approve_and_invoice(clerk, &id).await;
    let login = format!("fin{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let finance = app.staff(&login, "HN", vec![Permission::Finance]).await;
    // 3 renewed + 1 newcomer + 6 无名单, one share of 80.00 元 each: nobody is 未到期.
    let r = finance
        .post(
            &format!("/api/staff/applications/{id}/payment"),
            json!({ "received_on": today().to_string(), "amount_fen": 80_000, "reference": "HX2026120600001" }),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let new_number = r.body["certificate_number"].as_str().expect("number").to_owned();
    let list = clerk.browser.get("/api/certificates").await;
    let certificate = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["number"] == new_number.as_str())
        .cloned()
        .expect("listed");
    let r = clerk
        .browser
        .post(&format!("/api/certificates/{new_number}/print"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let url = r.body["url"].as_str().expect("url");
    let pdf = reqwest::get(url).await.expect("get").bytes().await.expect("bytes");
    PaidRenewal {
        certificate,
        pdf: e2e::pdf_text(&pdf).await,
        newcomer,
    }
}

/// 参保记录查询 of `id` by a staff member.
async fn lookup(browser: &Browser, id: &str) -> e2e::Resp {
    browser.get(&format!("/api/staff/coverage?id_number={id}")).await
}

/// 执行 printed in the member list (the certificate's fixed text says 重新执行观察期 once).
fn in_force(pdf: &str) -> usize {
    pdf.matches("执行").count() - pdf.matches("重新执行").count()
}

fn assert_paid(paid: &PaidRenewal, start: NaiveDate, renewed_in_force: bool) {
    let end = (start - Days::new(1))
        .checked_add_months(chrono::Months::new(12))
        .expect("end");
    assert_eq!(
        paid.certificate["effective_date"],
        start.to_string(),
        "{:?}",
        paid.certificate
    );
    assert_eq!(paid.certificate["end_date"], end.to_string());
    assert_eq!(paid.certificate["fee_fen"], 80_000);
    assert_eq!(paid.certificate["insured_count"], 10);
    let observed = format!("观察期至{}", start + Days::new(89));
    let text = &paid.pdf;
    assert!(text.contains("赵敏"), "{text}");
    if renewed_in_force {
        // Last year's three continue (执行); the newcomer observes 90 days.
        assert_eq!((in_force(text), text.matches(&observed).count()), (3, 1), "{text}");
    } else {
        assert_eq!((in_force(text), text.matches(&observed).count()), (0, 4), "{text}");
    }
    assert!(!paid.newcomer.is_empty());
}

#[tokio::test]
async fn renewed_early_the_cover_follows_on_without_a_gap() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411104").await;
    let paid = renewed_and_paid(&app, &clerk, 10).await;
    assert_paid(&paid, today() + Days::new(11), true);
}

#[tokio::test]
async fn renewed_on_the_last_day_the_cover_starts_tomorrow_and_members_continue() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411104").await;
    let paid = renewed_and_paid(&app, &clerk, 0).await;
    assert_paid(&paid, today() + Days::new(1), true);
}

#[tokio::test]
async fn renewed_ten_days_late_members_still_continue_without_observation() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411104").await;
    let paid = renewed_and_paid(&app, &clerk, -10).await;
    assert_paid(&paid, today() + Days::new(1), true);

    // 参保记录查询: a reviewer of the province sees both years of a member who continued …
    let reviewer = app.staff("hn.l1.lookup", "HN", vec![Permission::ReviewL1]).await;
    let r = lookup(&reviewer, &people()[0].1).await;
    assert_eq!(r.status, 200, "{r:?}");
    let rows = r.body["coverages"].as_array().expect("rows").clone();
    assert_eq!(rows.len(), 2, "{r:?}");
    let renewed = &rows[1];
    assert_eq!(renewed["certificate_number"], paid.certificate["number"]);
    assert_eq!(renewed["standing"], "续保");
    assert!(renewed["observation_until"].is_null(), "{renewed}");
    assert_eq!(renewed["effective_date"], (today() + Days::new(1)).to_string());
    assert_eq!(renewed["status"], "未生效");
    assert_eq!(renewed["member_name"], "张*");
    assert!(
        !r.body.to_string().contains(&people()[0].1),
        "whole ID in the answer: {r:?}"
    );
    // … and the newcomer's one year, 新参 with the observation period.
    let r = lookup(&reviewer, &paid.newcomer.to_lowercase()).await;
    let rows = r.body["coverages"].as_array().expect("rows").clone();
    assert_eq!(rows.len(), 1, "{r:?}");
    assert_eq!(rows[0]["standing"], "新参");
    assert_eq!(rows[0]["observation_until"], (today() + Days::new(90)).to_string());
    // Another agency's reviewer finds nothing; a number of the wrong shape is refused.
    let elsewhere = app.staff("zz.l1.lookup", "411102", vec![Permission::ReviewL1]).await;
    let r = lookup(&elsewhere, &people()[0].1).await;
    assert_eq!(
        (r.status, r.body["coverages"].as_array().map(Vec::len)),
        (200, Some(0)),
        "{r:?}"
    );
    let r = lookup(&reviewer, "").await;
    assert_eq!((r.status, r.code()), (422, "ID_NUMBER_REQUIRED"), "{r:?}");
    let r = lookup(&reviewer, "41%2C01").await;
    assert_eq!((r.status, r.code()), (422, "ID_NUMBER_FORMAT"), "{r:?}");
    let admin = app.staff("hn.admin.lookup", "HN", vec![Permission::Admin]).await;
    let r = lookup(&admin, &people()[0].1).await;
    assert_eq!((r.status, r.code()), (403, "PERMISSION_DENIED"), "{r:?}");
    // Every lookup is in the reviewer's account trail: who, when, the number masked.
    let trail = app
        .state
        .db
        .query()
        .table_name(&*app.state.table)
        .key_condition_expression("pk = :p AND begins_with(sk, :t)")
        .expression_attribute_values(":p", AttributeValue::S("ACCOUNT#hn.l1.lookup".into()))
        .expression_attribute_values(":t", AttributeValue::S("TRAIL#".into()))
        .send()
        .await
        .expect("trail");
    let summaries: Vec<String> = trail
        .items()
        .iter()
        .filter(|i| i.get("action").and_then(|v| v.as_s().ok()).map(String::as_str) == Some("coverage_looked_up"))
        .filter_map(|i| i.get("summary").and_then(|v| v.as_s().ok()).cloned())
        .collect();
    assert_eq!(summaries.len(), 2, "{summaries:?}");
    let masked = shared::domain::mask_id_number(&people()[0].1);
    assert!(
        summaries[0].contains(&masked) || summaries[1].contains(&masked),
        "{summaries:?}"
    );
    assert!(summaries.iter().all(|s| !s.contains(&people()[0].1)), "{summaries:?}");
}

#[tokio::test]
async fn renewed_twenty_days_late_everyone_starts_anew_with_an_observation_period() {
    let app = TestApp::spawn().await;
    // The office keeps renewals open 30 days after the end for this activity; the 15 days
    // without observation are the certificate's promise and do not move with it.
    let admin = app.staff("hn.admin", "HN", vec![Permission::Admin]).await;
    let mut form = app
        .browser()
        .get("/api/reference/activities")
        .await
        .body
        .as_array()
        .and_then(|all| all.iter().find(|a| a["code"] == "ZYYL").cloned())
        .expect("seeded activity");
    form["renewal_closes_days_after"] = json!(30);
    let r = admin.put("/api/admin/activities/ZYYL", form).await;
    assert_eq!(r.status, 200, "{r:?}");
    let clerk = app.clerk("411104").await;
    let paid = renewed_and_paid(&app, &clerk, -20).await;
    assert_paid(&paid, today() + Days::new(1), false);
}
