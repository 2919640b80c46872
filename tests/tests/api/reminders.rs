//! 提醒短信: the reminders function run against the local stack at the times its hourly
//! schedule would run it (the time is its argument; the system's clock is never switched).
//! Each reminder is sent exactly once, never at night, and none to a unit that renewed.
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, TimeZone, Utc};
use e2e::{Clerk, TestApp, resident_id};
use serde_json::json;
use shared::platform::time::BEIJING;
use shared::records::account::Permission;
use shared::steps::reminders::{self, ReminderReport};

fn today() -> NaiveDate {
    shared::platform::time::today_beijing()
}

/// `hour`:30 Beijing time on `day`.
fn at(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    BEIJING
        .with_ymd_and_hms(day.year(), day.month(), day.day(), hour, 30, 0)
        .single()
        .expect("a Beijing time")
        .with_timezone(&Utc)
}

async fn run(app: &TestApp, when: DateTime<Utc>) -> ReminderReport {
    reminders::run(&app.state, when).await.expect("reminders run")
}

fn queued(count: usize, already_sent: usize) -> ReminderReport {
    ReminderReport {
        night: false,
        queued: count,
        already_sent,
    }
}

const NIGHT: ReminderReport = ReminderReport {
    night: true,
    queued: 0,
    already_sent: 0,
};

/// SMS to `clerk` after the first `before`, once `count` of them have arrived; then a pause
/// proves no more arrive.
async fn new_sms(app: &TestApp, clerk: &Clerk, before: usize, count: usize) -> Vec<String> {
    app.wait_sms(&clerk.mobile, before + count).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let all = app.sms_to(&clerk.mobile).await;
    assert_eq!(all.len(), before + count, "{all:?}");
    all[before..].to_vec()
}

#[tokio::test]
async fn renewal_reminders_go_once_at_30_and_7_days_and_the_day_after_never_at_night_nor_to_a_unit_that_renewed() {
    let app = TestApp::spawn().await;
    let end = today() + Days::new(10);
    let waiting = app.clerk("411104").await;
    let renewing = app.clerk("411121").await;
    let mut numbers = Vec::new();
    for (clerk, serial) in [(&waiting, 123), (&renewing, 224)] {
        let id = app
            .invoiced_application(clerk, &[("张伟", resident_id("19850315", serial))])
            .await;
        numbers.push(super::renewal::paid_ending(&app, &id, 8_000, end).await);
    }
    // The second unit renews and submits its renewal.
    let r = renewing
        .browser
        .post(&format!("/api/certificates/{}/renewal", numbers[1]), json!({}))
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let renewal = r.body["id"].as_str().expect("id").to_owned();
    app.finish_import(&renewing.browser, &renewal).await;
    let r = renewing
        .browser
        .post(&format!("/api/applications/{renewal}/submit"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let before_waiting = app.sms_to(&waiting.mobile).await.len();
    let before_renewing = app.sms_to(&renewing.mobile).await.len();

    let thirty_before = end - Days::new(30);
    // Not before 08:00 nor from 20:00 Beijing time.
    assert_eq!(run(&app, at(thirty_before, 7)).await, NIGHT);
    assert_eq!(run(&app, at(thirty_before, 20)).await, NIGHT);
    assert_eq!(run(&app, at(thirty_before - Days::new(1), 12)).await, queued(0, 0));
    assert_eq!(run(&app, at(thirty_before, 8)).await, queued(1, 0));
    // The next run, and the next days until the 7-day reminder, send nothing new.
    assert_eq!(run(&app, at(thirty_before, 9)).await, queued(0, 1));
    assert_eq!(run(&app, at(end - Days::new(8), 19)).await, queued(0, 1));
    assert_eq!(run(&app, at(end - Days::new(7), 10)).await, queued(1, 0));
    assert_eq!(run(&app, at(end - Days::new(1), 10)).await, queued(0, 1));
    // The last covered day itself: nothing.
    assert_eq!(run(&app, at(end, 10)).await, queued(0, 0));
    assert_eq!(run(&app, at(end + Days::new(1), 10)).await, queued(1, 0));
    assert_eq!(run(&app, at(end + Days::new(15), 10)).await, queued(0, 1));
    assert_eq!(run(&app, at(end + Days::new(16), 10)).await, queued(0, 0));

    let texts = new_sms(&app, &waiting, before_waiting, 3).await;
    let number = &numbers[0];
    assert_eq!(
        texts[0],
        format!(
            "【中国职工保险互助会】您好！贵单位参加的在职职工住院医疗互助保障活动（确认书号{number}）保障期间将于{end}届满（还有30天），请及时登录单位端在\"确认书打印\"中办理续保，按时续保的会员不受观察期限制。"
        )
    );
    assert!(
        texts[1].contains(&format!("确认书号{number}）保障期间将于{end}届满（还有7天）")),
        "{texts:?}"
    );
    assert_eq!(
        texts[2],
        format!(
            "【中国职工保险互助会】您好！贵单位参加的在职职工住院医疗互助保障活动（确认书号{number}）保障期间已于{end}届满。{}前完成续保缴费的会员不受观察期限制，逾期将重新执行观察期，请尽快登录单位端办理续保。",
            end + Days::new(15)
        )
    );
    assert_eq!(
        app.sms_to(&renewing.mobile).await.len(),
        before_renewing,
        "the unit renewed"
    );
}

/// The application's 申请书号 as its unit sees it.
async fn number_of(clerk: &Clerk, id: &str) -> String {
    let r = clerk.browser.get(&format!("/api/applications/{id}")).await;
    r.body["number"].as_str().expect("number").to_owned()
}

#[tokio::test]
async fn an_application_waiting_for_its_invoice_is_reminded_once_seven_days_after_approval() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411104").await;
    let id = app.submitted(&clerk, 1).await;
    app.approve(&clerk, &id).await;
    let before = app.sms_to(&clerk.mobile).await.len();

    assert_eq!(run(&app, at(today() + Days::new(6), 10)).await, queued(0, 0));
    assert_eq!(run(&app, at(today() + Days::new(8), 21)).await, NIGHT);
    assert_eq!(run(&app, at(today() + Days::new(8), 10)).await, queued(1, 0));
    assert_eq!(run(&app, at(today() + Days::new(9), 10)).await, queued(0, 1));

    let texts = new_sms(&app, &clerk, before, 1).await;
    assert_eq!(
        texts[0],
        format!(
            "【中国职工保险互助会】您好！贵单位申请书{}已于{}通过审核，尚未填写开票信息，请及时登录单位端在\"开票录入\"中填写费用信息并完成缴费。",
            number_of(&clerk, &id).await,
            today()
        )
    );
}

#[tokio::test]
async fn an_invoiced_application_unconfirmed_on_the_20th_is_reminded_once_that_month() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411121").await;
    let id = app.submitted(&clerk, 1).await;
    app.approve_and_invoice(&clerk, &id).await;
    let before = app.sms_to(&clerk.mobile).await.len();

    // Next month: not on the 19th, once from the 20th, not on the 25th.
    let next_month = today().with_day(1).expect("first") + Months::new(1);
    let day = |d: u32| next_month.with_day(d).expect("day");
    assert_eq!(run(&app, at(day(19), 10)).await, queued(0, 0));
    assert_eq!(run(&app, at(day(20), 3)).await, NIGHT);
    assert_eq!(run(&app, at(day(20), 10)).await, queued(1, 0));
    assert_eq!(run(&app, at(day(24), 10)).await, queued(0, 1));
    assert_eq!(run(&app, at(day(25), 10)).await, queued(0, 0));

    let texts = new_sms(&app, &clerk, before, 1).await;
    assert_eq!(
        texts[0],
        format!(
            "【中国职工保险互助会】您好！贵单位申请书{}的会费尚未确认到账，本月到账确认于25日前办理。如已缴费请联系所属经办机构核实，未缴费请尽快缴纳。",
            number_of(&clerk, &id).await
        )
    );
}

#[tokio::test]
async fn a_certificate_issued_before_the_index_and_history_is_backfilled_once_then_reminded_and_found() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411104").await;
    let person = resident_id("19850315", 123);
    let id = app.invoiced_application(&clerk, &[("张伟", person.clone())]).await;
    let end = today() + Days::new(10);
    let number = super::renewal::paid_ending(&app, &id, 8_000, end).await;
    // As stored before this change: no end-of-cover key, no history under the person.
    let db = &app.state.db;
    let table = &*app.state.table;
    db.update_item()
        .table_name(table)
        .set_key(Some(shared::records::certificate::cert_key(&number)))
        .update_expression("REMOVE gsi1pk, gsi1sk, gsi3pk, gsi3sk")
        .send()
        .await
        .expect("strip key");
    let history = db
        .query()
        .table_name(table)
        .key_condition_expression("pk = :p")
        .expression_attribute_values(":p", AttributeValue::S(shared::records::coverage::person_pk(&person)))
        .send()
        .await
        .expect("history");
    assert_eq!(history.items().len(), 1, "{history:?}");
    for item in history.items() {
        let key = [("pk", &item["pk"]), ("sk", &item["sk"])]
            .map(|(name, value)| (name.to_owned(), value.clone()))
            .into_iter()
            .collect();
        db.delete_item()
            .table_name(table)
            .set_key(Some(key))
            .send()
            .await
            .expect("delete");
    }
    // …and its invoice entry as stored before 电子发票: no 批次号 key, not in finance's list.
    let entries = db
        .query()
        .table_name(table)
        .key_condition_expression("pk = :p AND begins_with(sk, :i)")
        .expression_attribute_values(":p", AttributeValue::S(format!("APP#{id}")))
        .expression_attribute_values(":i", AttributeValue::S("INVOICE#".into()))
        .send()
        .await
        .expect("entries");
    assert_eq!(entries.items().len(), 1);
    let batch = entries.items()[0]["batch_no"].as_s().expect("batch").clone();
    db.update_item()
        .table_name(table)
        .key("pk", entries.items()[0]["pk"].clone())
        .key("sk", entries.items()[0]["sk"].clone())
        .update_expression("REMOVE gsi2pk, gsi2sk, gsi3pk, gsi3sk, paid_application")
        .send()
        .await
        .expect("strip entry keys");
    // …and its member as stored before any index key (the search by an ID's last 4 characters
    // finds nobody).
    db.update_item()
        .table_name(table)
        .key("pk", AttributeValue::S(format!("APP#{id}")))
        .key(
            "sk",
            AttributeValue::S(shared::records::members::member_sk(
                &shared::records::members::member_id(&person),
            )),
        )
        .update_expression("REMOVE gsi1pk, gsi1sk, gsi2pk, gsi2sk, gsi3pk, gsi3sk, gsi4pk, gsi4sk, keys_version")
        .condition_expression("attribute_exists(pk)")
        .send()
        .await
        .expect("strip member keys");
    let by_tail = format!("/api/applications/{id}/members?q={}", &person[person.len() - 4..]);
    let found_by_tail = || async {
        let r = clerk.browser.get(&by_tail).await;
        assert_eq!(r.status, 200, "{r:?}");
        r.body["items"].as_array().map(Vec::len)
    };
    assert_eq!(found_by_tail().await, Some(0));
    let finance = app.staff("hn.fin.backfill", "HN", vec![Permission::Finance]).await;
    let waiting_invoice = || async {
        let r = finance.get("/api/staff/e-invoices?status=pending").await;
        assert_eq!(r.status, 200, "{r:?}");
        r.body["items"]
            .as_array()
            .map(|rows| rows.iter().filter(|row| row["batch_no"] == batch.as_str()).count())
    };
    assert_eq!(waiting_invoice().await, Some(0));
    let reviewer = app.staff("hn.l1.backfill", "HN", vec![Permission::ReviewL1]).await;
    let path = format!("/api/staff/coverage?id_number={person}");
    let lookup = || reviewer.get(&path);
    assert_eq!(lookup().await.body["coverages"].as_array().map(Vec::len), Some(0));
    assert_eq!(run(&app, at(end - Days::new(7), 10)).await, queued(0, 0));
    let not_returned = || async {
        let r = reviewer.get("/api/staff/certificates?return_status=not_returned").await;
        assert_eq!(r.status, 200, "{r:?}");
        r.body["items"]
            .as_array()
            .map(|rows| rows.iter().filter(|row| row["number"] == number.as_str()).count())
    };
    assert_eq!(not_returned().await, Some(0));

    let budget = std::time::Duration::from_secs(30);
    let first = reminders::backfill_certificates(&app.state, budget)
        .await
        .expect("backfill");
    assert_eq!(
        (first.certificates, first.invoice_entries, first.members, first.done),
        (1, 1, 1, true)
    );
    let again = reminders::backfill_certificates(&app.state, budget)
        .await
        .expect("backfill");
    assert_eq!(
        (again.certificates, again.invoice_entries, again.members, again.done),
        (0, 0, 0, true)
    );
    assert_eq!(found_by_tail().await, Some(1));

    let found = lookup().await;
    let rows = found.body["coverages"].as_array().expect("rows");
    assert_eq!(rows.len(), 1, "{found:?}");
    assert_eq!(rows[0]["certificate_number"], number.as_str());
    assert_eq!(run(&app, at(end - Days::new(7), 10)).await, queued(1, 0));
    // …and its agency lists it as 未回传, finance as waiting for its 电子发票.
    assert_eq!(not_returned().await, Some(1));
    assert_eq!(waiting_invoice().await, Some(1));
}
