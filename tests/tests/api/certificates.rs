//! 到账确认 and 确认书打印: finance confirms the money, the certificate is issued once with its
//! SMS and coverage; the unit lists and prints it; anyone verifies it; the over-age template.
//! Applications reach `invoiced` through `TestApp::invoiced_application` (a stand-in for the
//! review and invoice steps until they merge).
use std::sync::Arc;
use std::time::Duration;

use e2e::{Browser, Clerk, Resp, TestApp, member_workbook, pdf_text, resident_id};
use serde_json::{Value, json};
use shared::platform::db::{Item, key};
use shared::records::account::Permission;

fn people() -> Vec<(&'static str, String)> {
    vec![
        ("张伟", resident_id("19850315", 123)),
        ("李秀英", resident_id("19900720", 224)),
        ("欧阳喆", resident_id("19780102", 35)),
    ]
}

async fn finance(app: &TestApp) -> Browser {
    let login = format!("fin{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    app.staff(&login, "HN", vec![Permission::Finance]).await
}

async fn contact_mobile(app: &TestApp, clerk: &Clerk) -> String {
    shared::records::unit::load_unit(&app.state, &clerk.unit_id)
        .await
        .expect("load unit")
        .expect("unit")
        .contact
        .mobile
        .into()
}

fn today() -> chrono::NaiveDate {
    shared::platform::time::today_beijing()
}

fn confirmation(amount_fen: u64) -> Value {
    json!({ "received_on": today().to_string(), "amount_fen": amount_fen, "reference": "HX2025022500017" })
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

fn attr(item: &Item, name: &str) -> String {
    match item.get(name) {
        Some(v) => v.as_s().or_else(|_| v.as_n()).cloned().unwrap_or_default(),
        None => String::new(),
    }
}

async fn app_status(app: &TestApp, id: &str) -> String {
    attr(
        &get_item(app, shared::records::application::app_key(id))
            .await
            .expect("application"),
        "status",
    )
}

/// No SMS arrives beyond `count` once the outbox is drained and a moment has passed.
async fn assert_no_more_sms(app: &TestApp, mobile: &str, count: usize) {
    shared::platform::outbox::drain(&app.state, &app.senders)
        .await
        .expect("drain");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let all = app.sms_to(mobile).await;
    assert_eq!(all.len(), count, "{all:?}");
}

async fn object_exists(app: &TestApp, key: &str) -> bool {
    app.state
        .s3
        .head_object()
        .bucket(&*app.state.bucket)
        .key(key)
        .send()
        .await
        .is_ok()
}

async fn confirm(finance: &Browser, id: &str, body: Value) -> Resp {
    finance
        .post(&format!("/api/staff/applications/{id}/payment"), body)
        .await
}

#[tokio::test]
async fn payment_is_refused_before_invoicing_and_for_wrong_amounts_dates_or_references() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    let fin = finance(&app).await;

    // A draft has no invoice data.
    let draft = app.draft(&clerk, 1).await;
    let r = confirm(&fin, &draft, confirmation(8000)).await;
    assert_eq!((r.status, r.code()), (409, "NOT_INVOICED"), "{r:?}");

    let id = app.invoiced_application(&clerk, &people()).await;
    // 3 members × 1 share × 80.00 元.
    let r = confirm(&fin, &id, confirmation(23_999)).await;
    assert_eq!((r.status, r.code()), (422, "AMOUNT_MISMATCH"), "{r:?}");
    assert!(r.body["message"].as_str().unwrap_or("").contains("240.00"), "{r:?}");

    let tomorrow = today().succ_opt().expect("date").to_string();
    let r = confirm(
        &fin,
        &id,
        json!({ "received_on": tomorrow, "amount_fen": 24_000, "reference": "HX1" }),
    )
    .await;
    assert_eq!(r.field_code("received_on"), Some("RECEIVED_ON_FUTURE"), "{r:?}");
    let r = confirm(
        &fin,
        &id,
        json!({ "received_on": "2025/02/25", "amount_fen": 24_000, "reference": " " }),
    )
    .await;
    assert_eq!(r.status, 422, "{r:?}");
    assert_eq!(r.field_code("received_on"), Some("RECEIVED_ON_FORMAT"), "{r:?}");
    assert_eq!(r.field_code("reference"), Some("REFERENCE_REQUIRED"), "{r:?}");
    let r = confirm(
        &fin,
        &id,
        json!({ "received_on": today().to_string(), "amount_fen": 24_000, "reference": "x".repeat(65) }),
    )
    .await;
    assert_eq!(r.field_code("reference"), Some("REFERENCE_TOO_LONG"), "{r:?}");

    // Only finance, and only units in their jurisdiction.
    let reviewer = app.staff("l1only", "HN", vec![Permission::ReviewL1]).await;
    let r = confirm(&reviewer, &id, confirmation(24_000)).await;
    assert_eq!((r.status, r.code()), (403, "PERMISSION_DENIED"), "{r:?}");
    let elsewhere = app.staff("finkf", "410200", vec![Permission::Finance]).await;
    let r = confirm(&elsewhere, &id, confirmation(24_000)).await;
    assert_eq!(r.status, 404, "{r:?}");
    let r = clerk
        .browser
        .post(&format!("/api/staff/applications/{id}/payment"), confirmation(24_000))
        .await;
    assert_eq!(r.status, 403, "{r:?}");

    assert_eq!(app_status(&app, &id).await, "invoiced");
    assert!(
        get_item(&app, key("COUNTER#certificate", today().format("%Y%m%d").to_string()))
            .await
            .is_none()
    );
}

#[tokio::test]
async fn confirming_payment_issues_the_certificate_once_with_one_sms() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    let mobile = contact_mobile(&app, &clerk).await;
    let fin = finance(&app).await;
    let id = app.invoiced_application(&clerk, &people()).await;

    // 待到账 queue: the application with its 应交保费.
    let q = fin.get("/api/staff/payments?page_size=10").await;
    assert_eq!(q.status, 200, "{q:?}");
    assert_eq!(q.body["items"].as_array().map(Vec::len), Some(1), "{q:?}");
    let row = &q.body["items"][0];
    assert_eq!(
        (row["application_id"].as_str(), row["due_fen"].as_u64()),
        (Some(id.as_str()), Some(24_000))
    );
    assert!(
        row["invoiced_at"].is_string() && row["application_number"].is_string(),
        "{row}"
    );
    let elsewhere = app.staff("finkf2", "410200", vec![Permission::Finance]).await;
    assert_eq!(elsewhere.get("/api/staff/payments").await.body["items"], json!([]));

    let sms_before = app.sms_to(&mobile).await.len();
    let r = confirm(&fin, &id, confirmation(24_000)).await;
    assert_eq!(r.status, 201, "{r:?}");
    let number = r.body["certificate_number"].as_str().expect("number").to_owned();
    let prefix = format!("G1600{}", today().format("%Y%m%d"));
    assert_eq!(number, format!("{prefix}10000001"), "first certificate of the day");
    let tomorrow = today().succ_opt().expect("date");
    let end = chrono::Months::new(12);
    assert_eq!(r.body["policy_date"], today().to_string());
    assert_eq!(r.body["effective_date"], tomorrow.to_string());
    assert_eq!(
        r.body["end_date"],
        today().checked_add_months(end).expect("date").to_string()
    );
    assert_eq!(
        (r.body["status"].as_str(), r.body["coverage_recorded"].as_bool()),
        (Some("paid"), Some(true))
    );
    assert_eq!(app_status(&app, &id).await, "paid");

    // The paid SMS, exactly once.
    let sms = app.wait_sms(&mobile, sms_before + 1).await;
    assert_eq!(
        sms.last().map(String::as_str),
        Some(shared::platform::sms::SmsText::Paid.render().as_str())
    );
    assert_no_more_sms(&app, &mobile, sms_before + 1).await;

    // The same confirmation again: the same certificate, nothing new.
    let again = confirm(&fin, &id, confirmation(24_000)).await;
    assert_eq!(
        (again.status, again.body["certificate_number"].as_str()),
        (200, Some(number.as_str())),
        "{again:?}"
    );
    let different = confirm(
        &fin,
        &id,
        json!({ "received_on": today().to_string(), "amount_fen": 24_000, "reference": "OTHER" }),
    )
    .await;
    assert_eq!(
        (different.status, different.code()),
        (409, "ALREADY_PAID"),
        "{different:?}"
    );
    assert_no_more_sms(&app, &mobile, sms_before + 1).await;
    assert_eq!(fin.get("/api/staff/payments").await.body["items"], json!([]));

    // The trail tells who confirmed what.
    let trail = clerk.browser.get(&format!("/api/applications/{id}/trail")).await;
    assert!(trail.body.to_string().contains(&number), "{trail:?}");
}

#[tokio::test]
async fn twenty_concurrent_confirmations_issue_exactly_one_certificate_and_one_sms() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    let mobile = contact_mobile(&app, &clerk).await;
    let fin = Arc::new(finance(&app).await);
    let id = app.invoiced_application(&clerk, &people()).await;
    let sms_before = app.sms_to(&mobile).await.len();

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (fin, id) = (fin.clone(), id.clone());
        tasks.spawn(async move { confirm(&fin, &id, confirmation(24_000)).await });
    }
    let mut numbers = Vec::new();
    let mut created = 0;
    while let Some(r) = tasks.join_next().await {
        let r = r.expect("join");
        assert!(r.status == 200 || r.status == 201, "{r:?}");
        created += usize::from(r.status == 201);
        numbers.push(r.body["certificate_number"].as_str().expect("number").to_owned());
    }
    assert_eq!(created, 1);
    numbers.dedup();
    assert_eq!(numbers.len(), 1, "{numbers:?}");

    let counter = get_item(&app, key("COUNTER#certificate", today().format("%Y%m%d").to_string()))
        .await
        .expect("counter");
    assert_eq!(attr(&counter, "seq"), "1", "one increment");
    let certs = clerk.browser.get("/api/certificates").await;
    assert_eq!(certs.body["items"].as_array().map(Vec::len), Some(1), "{certs:?}");
    app.wait_sms(&mobile, sms_before + 1).await;
    assert_no_more_sms(&app, &mobile, sms_before + 1).await;
}

#[tokio::test]
async fn paid_members_count_as_not_yet_expired_in_a_later_application() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    let fin = finance(&app).await;
    let members = people();
    let id = app.invoiced_application(&clerk, &members).await;
    let r = confirm(&fin, &id, confirmation(24_000)).await;
    assert_eq!(r.status, 201, "{r:?}");
    let number = r.body["certificate_number"].as_str().expect("number").to_owned();

    // An interrupted coverage write is completed by the repeated confirmation.
    let first = shared::records::coverage::coverage_key("ZYYL", &members[0].1);
    app.state
        .db
        .delete_item()
        .table_name(&*app.state.table)
        .set_key(Some(first.clone()))
        .send()
        .await
        .expect("delete");
    app.state
        .db
        .update_item()
        .table_name(&*app.state.table)
        .set_key(Some(shared::records::certificate::cert_key(&number)))
        .update_expression("SET coverage_recorded = :f")
        .expression_attribute_values(":f", aws_sdk_dynamodb::types::AttributeValue::Bool(false))
        .send()
        .await
        .expect("unmark");
    let r = confirm(&fin, &id, confirmation(24_000)).await;
    assert_eq!(
        (r.status, r.body["coverage_recorded"].as_bool()),
        (200, Some(true)),
        "{r:?}"
    );
    let record = get_item(&app, first).await.expect("coverage restored");
    assert_eq!(attr(&record, "certificate"), number);
    let end = today().checked_add_months(chrono::Months::new(12)).expect("date");
    assert_eq!(attr(&record, "until"), end.to_string());

    // A record written before coverage carried its unit (legacy shape) still counts for the
    // unit whose certificate it names.
    app.state
        .db
        .update_item()
        .table_name(&*app.state.table)
        .set_key(Some(shared::records::coverage::coverage_key("ZYYL", &members[1].1)))
        .update_expression("REMOVE unit_id")
        .send()
        .await
        .expect("legacy shape");

    // A new application of the same activity: the three are 未到期, the newcomer is charged.
    let later = app.draft(&clerk, 1).await;
    let newcomer = resident_id("19920505", 47);
    let file = member_workbook(&[
        ["1", members[0].0, "", &members[0].1, "", "", "", "", ""],
        ["2", members[1].0, "", &members[1].1, "", "", "", "", ""],
        ["3", members[2].0, "", &members[2].1, "", "", "", "", ""],
        ["4", "赵敏", "", &newcomer, "", "", "", "", ""],
    ]);
    let r = app.import(&clerk.browser, &later, file, "续保.xlsx").await;
    assert_eq!(
        (r.status, r.body["success"].as_u64(), r.body["expiring"].as_u64()),
        (201, Some(4), Some(3)),
        "{r:?}"
    );
}

#[tokio::test]
async fn a_unit_lists_prints_and_verifies_its_certificate() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    let fin = finance(&app).await;
    let id = app.invoiced_application(&clerk, &people()).await;
    let r = confirm(&fin, &id, confirmation(24_000)).await;
    assert_eq!(r.status, 201, "{r:?}");
    let number = r.body["certificate_number"].as_str().expect("number").to_owned();

    let list = clerk.browser.get("/api/certificates").await;
    assert_eq!(list.status, 200, "{list:?}");
    let row = &list.body["items"][0];
    assert_eq!(row["number"], number.as_str());
    assert_eq!(row["activity_name"].as_str().map(|n| !n.is_empty()), Some(true));
    assert_eq!(
        (row["print_status_label"].as_str(), row["print_count"].as_u64()),
        (Some("未打印"), Some(0))
    );
    assert_eq!(row["policy_date"], today().to_string());
    assert_eq!(row["effective_date"], today().succ_opt().expect("date").to_string());
    assert_eq!(row["fee_fen"], 24_000);

    // Print twice: two stored PDFs, count 2, 已打印.
    let path = format!("/api/certificates/{number}/print");
    let first = clerk.browser.post(&path, json!({})).await;
    assert_eq!(
        (first.status, first.body["print_count"].as_u64()),
        (200, Some(1)),
        "{first:?}"
    );
    let second = clerk.browser.post(&path, json!({})).await;
    assert_eq!(
        (second.status, second.body["print_count"].as_u64()),
        (200, Some(2)),
        "{second:?}"
    );
    assert_eq!(second.body["status"], "printed");
    let url = second.body["url"].as_str().expect("url");
    assert!(url.contains("X-Amz-Signature="), "{url}");
    assert!(object_exists(&app, &format!("certificates/{number}/1.pdf")).await);
    assert!(object_exists(&app, &format!("certificates/{number}/2.pdf")).await);
    assert_eq!(
        shared::platform::metrics::captured::values("CertificatesPrinted", None),
        vec![1.0, 1.0]
    );
    let list = clerk.browser.get("/api/certificates").await;
    assert_eq!(
        (
            list.body["items"][0]["print_status_label"].as_str(),
            list.body["items"][0]["print_count"].as_u64()
        ),
        (Some("已打印"), Some(2))
    );

    let res = reqwest::get(url).await.expect("GET pdf");
    assert_eq!(res.status(), 200);
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = res.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"%PDF"), "{content_type:?}");
    assert_eq!(content_type.as_deref(), Some("application/pdf"));
    let text = pdf_text(&bytes).await;
    for expected in [
        "中国职工保险互助会河南省办事处",
        "参加职工互助保障活动确认书",
        number.as_str(),
        "漯河市郾城区应急管理局",
        "王晓明",
        "贰佰肆拾元整",
        "¥240.00",
        "第 1 页 / 共",
        "会员名单",
    ] {
        assert!(text.contains(expected), "{expected} missing in:\n{text}");
    }
    for (name, _) in people() {
        assert!(text.contains(name), "{name} missing in:\n{text}");
    }
    assert!(
        text.contains("第 2 页 / 共 2 页"),
        "member list on its own page:\n{text}"
    );

    // The verification code printed on the PDF verifies; no personal data comes back.
    let code_at = text.find("验证码：").expect("code printed") + "验证码：".len();
    let code: String = text[code_at..].chars().take(9).collect();
    let public = app.browser();
    let v = public
        .get(&format!("/api/public/certificates/verify?number={number}&code={code}"))
        .await;
    assert_eq!(v.status, 200, "{v:?}");
    assert_eq!(v.body["unit_name"], "漯河市郾城区应急管理局");
    assert_eq!(
        (v.body["insured_count"].as_u64(), v.body["status"].as_str()),
        (Some(3), Some("未生效"))
    );
    let body = v.body.to_string();
    for (name, id_number) in people() {
        assert!(!body.contains(name) && !body.contains(&id_number), "{body}");
    }
    assert!(!body.contains("王晓明"), "{body}");
    let wrong_code = public
        .get(&format!(
            "/api/public/certificates/verify?number={number}&code=AAAA-AAAA"
        ))
        .await;
    let wrong_number = public
        .get(&format!(
            "/api/public/certificates/verify?number=G16002024111410000694&code={code}"
        ))
        .await;
    assert_eq!(wrong_code.status, 404);
    assert_eq!(wrong_code.body, wrong_number.body);

    // Another unit: the certificate does not exist for it.
    let other = app.clerk("411103").await;
    let r = other.browser.post(&path, json!({})).await;
    assert_eq!(r.status, 404, "{r:?}");
    assert_eq!(other.browser.get("/api/certificates").await.body["items"], json!([]));
    assert!(!object_exists(&app, &format!("certificates/{number}/3.pdf")).await);
}

/// Names with rare ideographs — Extension A, B (𠮷 in Noto itself, 𠀀 from HanaMin A), C, D,
/// E, F (HanaMin B), compatibility ideographs and their supplement — go through import,
/// review, invoice and payment, and print: `pdftotext` reads every one back from the PDF.
#[tokio::test]
async fn rare_name_characters_print_on_the_certificate() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    let fin = finance(&app).await;
    let rare = [
        "吉𠮷",
        "王𠀀",
        "李㐂",
        "张𪜀",
        "赵𫝀",
        "钱𫠠",
        "孙𬺰",
        "周\u{2F800}",
        "吴鿕",
        "郑\u{FA6D}",
    ];
    let members: Vec<(&str, String)> = rare
        .iter()
        .enumerate()
        .map(|(i, name)| (*name, resident_id("19870606", 50 + i as u32)))
        .collect();
    let id = app.invoiced_application(&clerk, &members).await;
    let due = shared::records::application::load(&app.state, &id)
        .await
        .expect("load")
        .expect("application")
        .fee()
        .expect("fee")
        .value();
    let r = confirm(&fin, &id, confirmation(due)).await;
    assert_eq!(r.status, 201, "{r:?}");
    let number = r.body["certificate_number"].as_str().expect("number");
    let r = clerk
        .browser
        .post(&format!("/api/certificates/{number}/print"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let url = r.body["url"].as_str().expect("url");
    let pdf = reqwest::get(url).await.expect("get").bytes().await.expect("bytes");
    let text = pdf_text(&pdf).await;
    for name in rare {
        assert!(
            text.contains(name),
            "{name} ({:X?}) not in the PDF text:\n{text}",
            name.chars().map(u32::from).collect::<Vec<_>>()
        );
    }
    // Only the fonts the names need are embedded, each subset: the PDF stays small.
    assert!(pdf.len() < 400_000, "{} bytes", pdf.len());
}

#[tokio::test]
async fn the_overage_proof_template_downloads_as_a_pdf() {
    let app = TestApp::spawn().await;
    let res = reqwest::get(format!("{}/api/templates/overage-proof", app.base))
        .await
        .expect("GET");
    assert_eq!(res.status(), 200);
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    assert_eq!(header("content-type"), "application/pdf");
    assert!(
        header("content-disposition")
            .contains("filename*=UTF-8''%E8%B6%85%E9%BE%84%E4%BA%BA%E5%91%98%E5%9C%A8%E8%81%8C%E8%AF%81%E6%98%8E.pdf"),
        "{}",
        header("content-disposition")
    );
    let bytes = res.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"%PDF"));
    assert!(pdf_text(&bytes).await.contains("超龄人员在职证明"));
}
