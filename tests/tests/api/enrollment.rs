//! 参保录入 (unit side): drafts, the ③ summary, 在职职工人数 and 参保说明, attachments,
//! 参保自核信息, submit and 操作轨迹 — over HTTP, with the stored items and objects checked.
use e2e::{Browser, Resp, TestApp, UnitFixture, pdf, png};
use serde_json::{Value, json};
use shared::platform::db::{Item, n};
use shared::records::account::Permission;
use shared::records::application::app_key;

const TEN_MB: usize = 10 * 1024 * 1024;

/// A signed-in clerk of a freshly approved unit, first password change done.
/// Returns (unit id, account, browser).
async fn clerk(app: &TestApp, agency: &str) -> (String, String, Browser) {
    let (unit_id, account, password) = app.approved_unit(&UnitFixture::new(agency)).await;
    let browser = app.browser();
    let r = browser
        .post("/api/auth/login", json!({ "login": account, "password": password }))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = browser
        .post(
            "/api/auth/password",
            json!({ "current_password": password, "new_password": "Danwei2025@hn" }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    (unit_id, account, browser)
}

/// DELETE with the browser's session cookie.
async fn delete(app: &TestApp, browser: &Browser, path: &str) -> Resp {
    let mut req = reqwest::Client::new().delete(format!("{}{path}", app.base));
    if let Some(cookie) = browser.session_cookie() {
        req = req.header("cookie", cookie);
    }
    let res = req.send().await.expect("DELETE");
    let status = res.status().as_u16();
    let text = res.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Resp { status, body }
}

async fn new_draft(browser: &Browser, shares: u32) -> String {
    let r = browser
        .post(
            "/api/applications",
            json!({ "activity_code": "ZYYL", "sub_category_code": "ZYYL-01", "shares": shares }),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    r.body["id"].as_str().expect("id").to_owned()
}

/// Asks for a ticket and PUTs `bytes` to it; returns the upload id.
async fn upload(browser: &Browser, app_id: &str, kind: &str, bytes: Vec<u8>, content_type: &str) -> String {
    let r = browser
        .post(
            &format!("/api/applications/{app_id}/attachment-uploads"),
            json!({
                "kind": kind,
                "content_type": content_type,
                "size": bytes.len().min(1024),
                "file_name": "附件.pdf",
            }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let url = r.body["url"].as_str().expect("url").to_owned();
    assert!(url.contains("X-Amz-Signature"), "unsigned upload URL: {url}");
    assert!(url.contains(&format!("uploads/attachments/{app_id}/")), "{url}");
    let put = reqwest::Client::new()
        .put(&url)
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .expect("PUT upload");
    assert!(put.status().is_success(), "PUT {}", put.status());
    r.body["upload_id"].as_str().expect("upload_id").to_owned()
}

async fn attach(browser: &Browser, app_id: &str, upload_id: &str, kind: &str, file_name: &str) -> Resp {
    browser
        .post(
            &format!("/api/applications/{app_id}/attachments"),
            json!({ "upload_id": upload_id, "kind": kind, "file_name": file_name }),
        )
        .await
}

/// Uploads and attaches a small PDF; returns the attachment id.
async fn attach_pdf(browser: &Browser, app_id: &str, kind: &str) -> String {
    let upload_id = upload(browser, app_id, kind, pdf(20_000), "application/pdf").await;
    let r = attach(browser, app_id, &upload_id, kind, "证明.pdf").await;
    assert_eq!(r.status, 201, "{r:?}");
    r.body["attachment_id"].as_str().expect("attachment id").to_owned()
}

fn zip(size: usize) -> Vec<u8> {
    let mut bytes = b"PK\x03\x04".to_vec();
    bytes.resize(size, 0);
    bytes
}

/// A valid mainland ID number (GB 11643 check digit) for `birth` (yyyymmdd).
fn resident_id(birth: &str, seq: u32) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let body = format!("411103{birth}{:03}", seq % 1000);
    let sum: u32 = body.bytes().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

struct Person {
    name: &'static str,
    gender: &'static str,
    /// yyyy-mm-dd
    birth: String,
    high_risk: bool,
}

/// Stores members as the member import would, and bumps the application's counts.
///
/// The member import (人员清单导入) is built in parallel; until these tests can go through
/// it, members are written straight into the table with `Member::to_item`, and
/// `named_count` / `high_risk_count` are bumped with an UpdateItem, as the import's commit does.
async fn insert_members(app: &TestApp, app_id: &str, people: &[Person]) -> Vec<String> {
    let mut ids = Vec::new();
    for (row, p) in (2u32..).zip(people) {
        // The second-to-last digit is odd for men, even for women.
        let seq = row * 2 + u32::from(p.gender == "male");
        let id_number = resident_id(&p.birth.replace('-', ""), seq);
        let member: shared::records::members::Member = serde_json::from_value(json!({
            "member_id": shared::records::members::member_id(&id_number),
            "name": p.name,
            "id_type": "居民身份证",
            "id_number": id_number,
            "gender": p.gender,
            "birth_date": p.birth,
            "mobile": null,
            "occupation": if p.high_risk { "high_risk" } else { "general" },
            "remark": "",
            "batch_no": 1,
            "row": row,
            "covered_until": null,
        }))
        .expect("member");
        app.state
            .db
            .put_item()
            .table_name(&*app.state.table)
            .set_item(Some(member.to_item(app_id).expect("member item")))
            .send()
            .await
            .expect("put member");
        ids.push(id_number);
    }
    let high_risk = people.iter().filter(|p| p.high_risk).count();
    app.state
        .db
        .update_item()
        .table_name(&*app.state.table)
        .set_key(Some(app_key(app_id)))
        // As a committed import of batch 1 leaves the application.
        .update_expression(
            "SET named_count = named_count + :n, high_risk_count = high_risk_count + :r, batch_seq = :one",
        )
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":n", n(people.len()))
        .expression_attribute_values(":r", n(high_risk))
        .send()
        .await
        .expect("bump counts");
    ids
}

async fn stored_app(app: &TestApp, app_id: &str) -> Item {
    app.state
        .db
        .get_item()
        .table_name(&*app.state.table)
        .set_key(Some(app_key(app_id)))
        .consistent_read(true)
        .send()
        .await
        .expect("get application")
        .item
        .expect("application item")
}

fn attr<'a>(item: &'a Item, name: &str) -> &'a str {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .unwrap_or("")
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

/// The trail's changes in the order they happened (the page lists the newest first): reads of
/// whole data (attachment downloads) are recorded too, and checked apart.
fn changes(trail: &Resp) -> Vec<Value> {
    trail.body["items"]
        .as_array()
        .expect("trail page")
        .iter()
        .rev()
        .filter(|e| e["action"] != "attachment_downloaded")
        .cloned()
        .collect()
}

fn actions(trail: &Resp) -> Vec<String> {
    changes(trail)
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_owned))
        .collect()
}

fn downloads(trail: &Resp) -> usize {
    trail.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["action"] == "attachment_downloaded")
        .count()
}

#[tokio::test]
async fn a_unit_creates_drafts_lists_them_newest_first_and_reads_the_summary() {
    let app = TestApp::spawn().await;
    let (_, account, clerk) = clerk(&app, "411103").await;

    // ① refused choices
    for (body, code) in [
        (
            json!({ "activity_code": "NOPE", "sub_category_code": "ZYYL-01", "shares": 1 }),
            "ACTIVITY_UNKNOWN",
        ),
        (
            json!({ "activity_code": "ZYYL", "sub_category_code": "NOPE", "shares": 1 }),
            "SUB_CATEGORY_UNKNOWN",
        ),
        (
            json!({ "activity_code": "ZYYL", "sub_category_code": "ZYYL-01", "shares": 0 }),
            "SHARES_INVALID",
        ),
        (
            json!({ "activity_code": "ZYYL", "sub_category_code": "ZYYL-01", "shares": 6 }),
            "SHARES_INVALID",
        ),
        (
            json!({ "activity_code": "ZYYL", "sub_category_code": "ZYYL-01", "shares": -1 }),
            "SHARES_INVALID",
        ),
        (
            json!({ "activity_code": "ZYYL", "sub_category_code": "ZYYL-01", "shares": "两份" }),
            "SHARES_INVALID",
        ),
        (
            json!({ "activity_code": "ZYYL", "sub_category_code": "ZYYL-01" }),
            "SHARES_INVALID",
        ),
    ] {
        let r = clerk.post("/api/applications", body).await;
        assert_eq!((r.status, r.code()), (422, code), "{r:?}");
        assert!(!r.body["message"].as_str().unwrap_or("").is_empty());
    }
    let r = clerk.get("/api/applications").await;
    assert_eq!(r.body["items"], json!([]), "nothing was created: {r:?}");

    // ① a draft
    let r = clerk
        .post(
            "/api/applications",
            json!({ "activity_code": "ZYYL", "sub_category_code": "ZYYL-01", "shares": 2 }),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.body["status"], "draft");
    assert_eq!(r.body["shares"], 2);
    let first = r.body["id"].as_str().expect("id").to_owned();
    let first_number = r.body["number"].as_str().expect("number").to_owned();
    assert!(first_number.starts_with("SQ"), "{first_number}");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let second = new_draft(&clerk, 5).await;

    // The list: newest first, summaries only.
    let r = clerk.get("/api/applications").await;
    assert_eq!(r.status, 200, "{r:?}");
    let list = r.body["items"].as_array().expect("array");
    let ids: Vec<&str> = list.iter().filter_map(|a| a["id"].as_str()).collect();
    assert_eq!(ids, vec![second.as_str(), first.as_str()]);
    // A page at a time: the second page starts where the first ended.
    let one = clerk.get("/api/applications?page_size=1").await;
    assert_eq!(one.body["items"][0]["id"], second.as_str(), "{one:?}");
    let rest = clerk
        .get(&format!(
            "/api/applications?page_size=1&cursor={}",
            one.body["next"].as_str().expect("a next page")
        ))
        .await;
    assert_eq!(
        (rest.body["items"][0]["id"].as_str(), rest.body["offset"].as_u64()),
        (Some(first.as_str()), Some(1)),
        "{rest:?}"
    );
    assert!(rest.body["next"].is_null(), "{rest:?}");
    // 开票录入 lists only applications past 终审: none of these drafts.
    let r = clerk.get("/api/applications?stage=invoice").await;
    assert_eq!(r.body["items"], json!([]), "{r:?}");
    let r = clerk.get("/api/applications?stage=paid").await;
    assert_eq!(r.status, 400, "{r:?}");
    let row = &list[1];
    assert_eq!(row["number"], first_number.as_str());
    assert_eq!(row["activity_name"], "在职职工住院医疗互助保障活动");
    assert_eq!(row["shares"], 2);
    assert_eq!(row["status"], "draft");
    assert_eq!(row["status_label"], "草稿");
    assert_eq!(row["insured_count"], 0);
    assert_eq!(row["fee_fen"], 0);
    assert!(row["created_at"].as_str().is_some_and(|t| t.ends_with('Z')), "{row}");
    assert_eq!(row["submitted_at"], Value::Null);

    // ③ summary: base info from the registration, contact masked, the activity row.
    let r = clerk.get(&format!("/api/applications/{first}")).await;
    assert_eq!(r.status, 200, "{r:?}");
    let base = &r.body["base"];
    assert_eq!(
        base["agency_name"],
        "中华全国总工会>中国职工保险互助会>河南省办事处>漯河市>郾城区"
    );
    assert_eq!(base["unit_name"], "漯河市郾城区应急管理局");
    assert_eq!(base["unit_nature"], "行政单位");
    assert_eq!(base["union_name"], "漯河市郾城区应急管理局工会");
    assert_eq!(base["classified"], false, "{base}");
    assert_eq!(base["address"], "漯河市郾城区黄河路100号");
    assert_eq!(base["contact_name"], "王**");
    assert!(
        base["office_phone"].as_str().is_some_and(|p| p.contains("3166100")),
        "{base}"
    );
    let mobile = base["mobile"].as_str().expect("mobile");
    assert!(mobile.starts_with("139") && mobile.contains("****"), "{mobile}");
    assert!(
        base["region_name"].as_str().is_some_and(|r| r.contains("郾城区")),
        "{base}"
    );
    assert_eq!(base["employees"], Value::Null);
    assert_eq!(base["applied_on"], shared::platform::time::today_beijing().to_string());
    let row = &r.body["activities"][0];
    assert_eq!(row["seq"], 1);
    assert_eq!(row["activity_kind"], "住院医疗");
    assert_eq!(row["activity_name"], "在职职工住院医疗互助保障活动");
    assert_eq!(row["fee_per_share_fen"], 8000);
    assert_eq!(row["shares"], 2);
    assert_eq!(row["insured_count"], 0);
    assert_eq!(row["insured_rate"], Value::Null);
    assert_eq!(row["high_risk_count"], 0);
    assert_eq!(row["expiring_count"], 0);
    assert_eq!(row["fee_fen"], 0);
    assert_eq!(r.body["status_label"], "草稿");
    assert_eq!(r.body["remarks"], "");

    // With members and 在职职工人数 the rate and fee follow: 2 insured of 2 employees.
    insert_members(
        &app,
        &first,
        &[
            Person {
                name: "李明",
                gender: "male",
                birth: "1985-03-15".into(),
                high_risk: false,
            },
            Person {
                name: "赵红",
                gender: "female",
                birth: "1990-07-01".into(),
                high_risk: true,
            },
        ],
    )
    .await;
    let r = clerk
        .put(
            &format!("/api/applications/{first}"),
            json!({ "employees": 2, "female_employees": 1, "remarks": "  本单位全员参保  " }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["base"]["employees"], 2);
    assert_eq!(r.body["base"]["female_employees"], 1);
    assert_eq!(r.body["remarks"], "本单位全员参保");
    let row = &r.body["activities"][0];
    assert_eq!(row["insured_count"], 2);
    assert_eq!(row["insured_rate"], "100%");
    assert_eq!(row["high_risk_count"], 1);
    assert_eq!(row["fee_fen"], 8000 * 2 * 2);
    let r = clerk
        .put(
            &format!("/api/applications/{first}"),
            json!({ "employees": "16", "female_employees": "0", "remarks": "" }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["activities"][0]["insured_rate"], "12.5%");
    let listed = clerk.get("/api/applications").await;
    assert_eq!(listed.body["items"][1]["insured_count"], 2);
    assert_eq!(listed.body["items"][1]["fee_fen"], 32000);

    // 操作轨迹: created, then the two edits, by the unit's account.
    let trail = clerk.get(&format!("/api/applications/{first}/trail")).await;
    assert_eq!(trail.status, 200, "{trail:?}");
    assert_eq!(
        actions(&trail),
        vec!["application_created", "application_updated", "application_updated"]
    );
    for entry in changes(&trail) {
        assert_eq!(entry["actor"], account.as_str());
        assert_eq!(entry["role"], "unit");
        assert!(entry["at"].as_str().is_some_and(|t| t.len() == 19), "{entry}");
    }
    assert!(
        changes(&trail)[1]["summary"]
            .as_str()
            .is_some_and(|s| s.contains("在职职工人数2")),
        "{trail:?}"
    );
}

#[tokio::test]
async fn every_bad_value_of_the_form_is_reported_at_once_and_nothing_changes() {
    let app = TestApp::spawn().await;
    let (_, _, clerk) = clerk(&app, "411103").await;
    let id = new_draft(&clerk, 1).await;
    let path = format!("/api/applications/{id}");

    let r = clerk
        .put(
            &path,
            json!({ "employees": 10, "female_employees": 11, "remarks": "说".repeat(501) }),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "INVALID_FIELDS"), "{r:?}");
    assert_eq!(r.field_code("female_employees"), Some("FEMALE_EXCEEDS_TOTAL"));
    assert_eq!(r.field_code("remarks"), Some("REMARKS_TOO_LONG"));
    assert_eq!(r.body["fields"].as_array().map(Vec::len), Some(2), "{r:?}");
    let remarks_message = r.body["fields"][1]["message"].as_str().unwrap_or("");
    assert!(
        remarks_message.starts_with("参保说明不能超过500字"),
        "{remarks_message}"
    );

    let r = clerk
        .put(&path, json!({ "employees": 0, "female_employees": -1, "remarks": "" }))
        .await;
    assert_eq!(r.status, 422, "{r:?}");
    assert_eq!(r.field_code("employees"), Some("EMPLOYEES_INVALID"));
    assert_eq!(r.field_code("female_employees"), Some("FEMALE_EMPLOYEES_INVALID"));

    let r = clerk
        .put(
            &path,
            json!({ "employees": 1.5, "female_employees": "很多", "remarks": "" }),
        )
        .await;
    assert_eq!(r.status, 422, "{r:?}");
    assert_eq!(r.field_code("employees"), Some("EMPLOYEES_INVALID"));
    assert_eq!(r.field_code("female_employees"), Some("FEMALE_EMPLOYEES_INVALID"));

    let r = clerk.put(&path, json!({ "female_employees": 3 })).await;
    assert_eq!(r.field_code("employees"), Some("EMPLOYEES_REQUIRED"), "{r:?}");

    // Exactly 500 characters and female = total are fine.
    let r = clerk
        .put(
            &path,
            json!({ "employees": 10, "female_employees": 10, "remarks": "说".repeat(500) }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");

    // Refused edits left no trace; the accepted one did.
    let trail = clerk.get(&format!("/api/applications/{id}/trail")).await;
    assert_eq!(actions(&trail), vec!["application_created", "application_updated"]);
    let detail = clerk.get(&path).await;
    assert_eq!(detail.body["base"]["employees"], 10);
    assert_eq!(detail.body["remarks"].as_str().map(|s| s.chars().count()), Some(500));
}

#[tokio::test]
async fn attachments_are_judged_by_their_bytes_and_size_and_can_be_removed() {
    let app = TestApp::spawn().await;
    let (unit_id, _, clerk) = clerk(&app, "411103").await;
    let id = new_draft(&clerk, 1).await;
    let tickets = format!("/api/applications/{id}/attachment-uploads");

    // Refused before any upload: type, size, kind and name, all at once.
    let r = clerk
        .post(
            &tickets,
            json!({ "kind": "overage_proof", "content_type": "application/zip", "size": 1000, "file_name": "证明.zip" }),
        )
        .await;
    assert_eq!(r.status, 422, "{r:?}");
    assert_eq!(r.field_code("content_type"), Some("FILE_TYPE"));
    let r = clerk
        .post(
            &tickets,
            json!({ "kind": "photo", "content_type": "application/pdf", "size": TEN_MB + 1, "file_name": "长".repeat(101) }),
        )
        .await;
    assert_eq!(r.status, 422, "{r:?}");
    assert_eq!(r.field_code("kind"), Some("ATTACHMENT_KIND_INVALID"));
    assert_eq!(r.field_code("size"), Some("FILE_TOO_LARGE"));
    assert_eq!(r.field_code("file_name"), Some("FILE_NAME_TOO_LONG"));

    // A PDF: accepted, its name cleaned of the browser's fake path.
    let pdf_bytes = pdf(50_000);
    let upload_id = upload(&clerk, &id, "overage_proof", pdf_bytes.clone(), "application/pdf").await;
    let r = attach(&clerk, &id, &upload_id, "overage_proof", "C:\\fakepath\\超龄证明.pdf").await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.body["kind"], "overage_proof");
    assert_eq!(r.body["kind_label"], "超龄证明");
    assert_eq!(r.body["file_name"], "超龄证明.pdf");
    assert_eq!(r.body["file_type"], "pdf");
    assert_eq!(r.body["size"], 50_000);
    let proof_id = r.body["attachment_id"].as_str().expect("id").to_owned();
    let proof_key = format!("units/{unit_id}/applications/{id}/attachments/{proof_id}.pdf");
    assert!(object_exists(&app, &proof_key).await, "{proof_key}");
    // The same upload cannot be attached twice: it was moved.
    let r = attach(&clerk, &id, &upload_id, "overage_proof", "again.pdf").await;
    assert_eq!(r.field_code("upload_id"), Some("UPLOAD_MISSING"), "{r:?}");

    // A PNG declared as PDF: what counts is the bytes; stored as .png.
    let upload_id = upload(&clerk, &id, "other", png(3000), "application/pdf").await;
    let r = attach(&clerk, &id, &upload_id, "other", "扫描件.pdf").await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.body["file_type"], "png");
    let other_id = r.body["attachment_id"].as_str().expect("id").to_owned();
    assert!(
        object_exists(
            &app,
            &format!("units/{unit_id}/applications/{id}/attachments/{other_id}.png")
        )
        .await
    );

    // A ZIP declared as PDF, a file over 10 MB, and a ticket never used: refused.
    let upload_id = upload(&clerk, &id, "other", zip(4000), "application/pdf").await;
    let r = attach(&clerk, &id, &upload_id, "other", "材料.pdf").await;
    assert_eq!((r.status, r.field_code("upload_id")), (422, Some("FILE_TYPE")), "{r:?}");
    let upload_id = upload(&clerk, &id, "other", pdf(TEN_MB + 1), "application/pdf").await;
    let r = attach(&clerk, &id, &upload_id, "other", "大文件.pdf").await;
    assert_eq!(
        (r.status, r.field_code("upload_id")),
        (422, Some("FILE_TOO_LARGE")),
        "{r:?}"
    );
    let ticket = clerk
        .post(
            &tickets,
            json!({ "kind": "other", "content_type": "image/png", "size": 100, "file_name": "x.png" }),
        )
        .await;
    let unused = ticket.body["upload_id"].as_str().expect("upload id");
    let r = attach(&clerk, &id, unused, "other", "x.png").await;
    assert_eq!(r.field_code("upload_id"), Some("UPLOAD_MISSING"), "{r:?}");
    let r = attach(&clerk, &id, "not-a-uuid", "bogus", "").await;
    assert_eq!(r.status, 422, "{r:?}");
    assert_eq!(r.field_code("upload_id"), Some("UPLOAD_MISSING"));
    assert_eq!(r.field_code("kind"), Some("ATTACHMENT_KIND_INVALID"));
    assert_eq!(r.field_code("file_name"), Some("FILE_NAME_REQUIRED"));

    // The list: the two accepted files, oldest first.
    let r = clerk.get(&format!("/api/applications/{id}/attachments")).await;
    assert_eq!(r.status, 200, "{r:?}");
    let listed: Vec<&str> = r
        .body
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|a| a["attachment_id"].as_str())
        .collect();
    assert_eq!(listed, vec![proof_id.as_str(), other_id.as_str()]);
    assert!(r.body[0].get("key").is_none(), "object keys stay on the server: {r:?}");

    // Download: a signed, short-lived link to the very bytes.
    let r = clerk
        .get(&format!("/api/applications/{id}/attachments/{proof_id}"))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let url = r.body["url"].as_str().expect("url");
    assert!(url.contains("X-Amz-Signature"), "{url}");
    assert_eq!(r.body["file_name"], "超龄证明.pdf");
    let fetched = reqwest::get(url).await.expect("GET").bytes().await.expect("body");
    assert_eq!(fetched.as_ref(), pdf_bytes.as_slice());

    // Delete: the item and the object go; a second delete finds nothing.
    let r = delete(&app, &clerk, &format!("/api/applications/{id}/attachments/{proof_id}")).await;
    assert_eq!(r.status, 204, "{r:?}");
    assert!(!object_exists(&app, &proof_key).await, "object deleted");
    let r = clerk.get(&format!("/api/applications/{id}/attachments")).await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(1), "{r:?}");
    let r = delete(&app, &clerk, &format!("/api/applications/{id}/attachments/{proof_id}")).await;
    assert_eq!((r.status, r.code()), (404, "ATTACHMENT_NOT_FOUND"), "{r:?}");
    let r = clerk
        .get(&format!("/api/applications/{id}/attachments/{proof_id}"))
        .await;
    assert_eq!((r.status, r.code()), (404, "ATTACHMENT_NOT_FOUND"), "{r:?}");

    let trail = clerk.get(&format!("/api/applications/{id}/trail")).await;
    assert_eq!(
        actions(&trail),
        vec![
            "application_created",
            "attachment_added",
            "attachment_added",
            "attachment_removed"
        ]
    );
    assert!(
        changes(&trail)[3]["summary"]
            .as_str()
            .is_some_and(|s| s.contains("超龄证明")),
        "{trail:?}"
    );
    assert!(downloads(&trail) >= 1, "a download leaves an entry: {trail:?}");
}

#[tokio::test]
async fn submit_is_refused_without_members_or_staff_counts() {
    let app = TestApp::spawn().await;
    let (_, _, clerk) = clerk(&app, "411103").await;
    let id = new_draft(&clerk, 1).await;
    let submit = format!("/api/applications/{id}/submit");

    let r = clerk.post(&submit, json!({})).await;
    assert_eq!((r.status, r.code()), (422, "NO_MEMBERS"), "{r:?}");
    assert_eq!(r.field_code("members"), Some("NO_MEMBERS"));
    assert_eq!(r.field_code("employees"), Some("EMPLOYEES_REQUIRED"));

    insert_members(
        &app,
        &id,
        &[Person {
            name: "孙丽",
            gender: "female",
            birth: "1992-11-30".into(),
            high_risk: false,
        }],
    )
    .await;
    let r = clerk.post(&submit, json!({})).await;
    assert_eq!((r.status, r.code()), (422, "EMPLOYEES_REQUIRED"), "{r:?}");

    let r = clerk
        .put(
            &format!("/api/applications/{id}"),
            json!({ "employees": 3, "female_employees": 2 }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = clerk.post(&submit, json!({})).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["status"], "submitted");
    assert_eq!(r.body["status_label"], "待初审");
    assert_eq!(r.body["fee_fen"], 8000);
}

#[tokio::test]
async fn over_age_members_need_a_proof_and_of_two_submits_exactly_one_wins() {
    let app = TestApp::spawn().await;
    let (_, account, clerk) = clerk(&app, "411103").await;
    let id = new_draft(&clerk, 1).await;
    let r = clerk
        .put(
            &format!("/api/applications/{id}"),
            json!({ "employees": 5, "female_employees": 2, "remarks": "含一名超龄返聘人员" }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");

    let today = shared::platform::time::today_beijing().to_string();
    let year: i32 = today[..4].parse().expect("year");
    let ids = insert_members(
        &app,
        &id,
        &[
            Person {
                name: "王建国",
                gender: "male",
                birth: "1960-05-01".into(),
                high_risk: false,
            },
            Person {
                name: "刘芳",
                gender: "female",
                birth: "1988-02-10".into(),
                high_risk: true,
            },
            // Under 16 on any effective date this year.
            Person {
                name: "陈小",
                gender: "male",
                birth: format!("{}-01-01", year - 15),
                high_risk: false,
            },
        ],
    )
    .await;

    // 参保自核信息: the over-age member first, then the under-age one, data masked.
    let r = clerk.get(&format!("/api/applications/{id}/self-check")).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["high_risk_count"], 1);
    assert_eq!(r.body["over_age_count"], 1);
    assert_eq!(r.body["under_age_count"], 1);
    assert_eq!(r.body["overage_proof_uploaded"], false);
    let findings = r.body["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 2, "{r:?}");
    let number = clerk.get(&format!("/api/applications/{id}")).await.body["number"].clone();
    let over = &findings[0];
    assert_eq!(over["seq"], 1);
    assert_eq!(over["number"], number);
    assert_eq!(over["activity_name"], "在职职工住院医疗互助保障活动");
    assert_eq!(over["rule"], "超龄");
    assert_eq!(over["member_name"], "王**");
    assert_eq!(over["id_number"], format!("411***********{}", &ids[0][14..]));
    assert_eq!(over["checked_on"], today.as_str());
    assert_eq!(over["status"], "待处理");
    assert!(over["age"].as_u64().is_some_and(|a| a > 60), "{over}");
    let under = &findings[1];
    assert_eq!(under["seq"], 2);
    assert_eq!(under["rule"], "未满最低年龄");
    assert_eq!(under["member_name"], "陈*");
    assert!(!r.body.to_string().contains(&ids[0]), "ID numbers never appear whole");
    // A page at a time: the cursor of the first finding's page starts the second.
    let first = clerk
        .get(&format!("/api/applications/{id}/self-check?page_size=1"))
        .await;
    let next = first.body["next"].as_str().expect("a next page").to_owned();
    assert_eq!(first.body["findings"][0]["rule"], "超龄", "{first:?}");
    let second = clerk
        .get(&format!("/api/applications/{id}/self-check?page_size=1&cursor={next}"))
        .await;
    assert_eq!(
        (
            second.body["findings"][0]["seq"].as_u64(),
            second.body["findings"][0]["member_name"].as_str(),
            second.body["offset"].as_u64(),
            second.body["next"].is_null(),
            second.body["over_age_count"].as_u64()
        ),
        (Some(2), Some("陈*"), Some(1), true, Some(1)),
        "{second:?}"
    );
    let bad = clerk
        .get(&format!("/api/applications/{id}/self-check?cursor=x{next}"))
        .await;
    assert_eq!((bad.status, bad.code()), (422, "CURSOR_INVALID"), "{bad:?}");

    // Submit: refused until a 超龄证明 is attached; an 其他 attachment is not one.
    let submit = format!("/api/applications/{id}/submit");
    let r = clerk.post(&submit, json!({})).await;
    assert_eq!((r.status, r.code()), (422, "OVERAGE_PROOF_REQUIRED"), "{r:?}");
    assert!(
        r.body["message"].as_str().is_some_and(|m| m.contains("超龄证明")),
        "{r:?}"
    );
    attach_pdf(&clerk, &id, "other").await;
    let r = clerk.post(&submit, json!({})).await;
    assert_eq!(r.code(), "OVERAGE_PROOF_REQUIRED", "{r:?}");
    let proof = attach_pdf(&clerk, &id, "overage_proof").await;
    let r = clerk.get(&format!("/api/applications/{id}/self-check")).await;
    assert_eq!(r.body["findings"][0]["status"], "已上传证明", "{r:?}");
    assert_eq!(r.body["overage_proof_uploaded"], true);

    // Two submits at once: exactly one succeeds, the other is told it is locked.
    let gsi1sk_before = attr(&stored_app(&app, &id).await, "gsi1sk").to_owned();
    let (a, b) = tokio::join!(clerk.post(&submit, json!({})), clerk.post(&submit, json!({})));
    let mut outcomes = [(a.status, a.code().to_owned()), (b.status, b.code().to_owned())];
    outcomes.sort();
    assert_eq!(
        outcomes,
        [(200, String::new()), (409, "APPLICATION_LOCKED".to_owned())],
        "{a:?} {b:?}"
    );
    let stored = stored_app(&app, &id).await;
    assert_eq!(attr(&stored, "status"), "submitted");
    assert_eq!(attr(&stored, "gsi1pk"), "APPQ#submitted");
    assert_eq!(attr(&stored, "gsi1sk"), gsi1sk_before);
    assert!(!attr(&stored, "submitted_at").is_empty());

    let detail = clerk.get(&format!("/api/applications/{id}")).await;
    assert_eq!(detail.body["status"], "submitted");
    assert_eq!(detail.body["status_label"], "待初审");
    assert_eq!(detail.body["activities"][0]["insured_count"], 3);
    assert_eq!(detail.body["activities"][0]["insured_rate"], "60%");
    let listed = clerk.get("/api/applications").await;
    assert!(listed.body["items"][0]["submitted_at"].is_string(), "{listed:?}");

    // After submit nothing changes any more; reading still works.
    let locked = [
        clerk
            .put(&format!("/api/applications/{id}"), json!({ "employees": 9 }))
            .await,
        clerk
            .post(
                &format!("/api/applications/{id}/attachment-uploads"),
                json!({ "kind": "other", "content_type": "application/pdf", "size": 10, "file_name": "a.pdf" }),
            )
            .await,
        attach(&clerk, &id, &uuid::Uuid::new_v4().to_string(), "other", "a.pdf").await,
        delete(&app, &clerk, &format!("/api/applications/{id}/attachments/{proof}")).await,
        clerk.post(&submit, json!({})).await,
    ];
    for r in locked {
        assert_eq!((r.status, r.code()), (409, "APPLICATION_LOCKED"), "{r:?}");
    }
    let r = clerk.get(&format!("/api/applications/{id}/attachments/{proof}")).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        clerk.get(&format!("/api/applications/{id}/self-check")).await.status,
        200
    );

    // 操作轨迹: every step once, by the unit; the submit exactly once.
    let trail = clerk.get(&format!("/api/applications/{id}/trail")).await;
    assert_eq!(
        actions(&trail),
        vec![
            "application_created",
            "application_updated",
            "attachment_added",
            "attachment_added",
            "application_submitted"
        ]
    );
    let changed = changes(&trail);
    let last = &changed[4];
    assert_eq!(last["summary"], "提交参保申请");
    assert_eq!(last["actor"], account.as_str());
    assert_eq!(last["role"], "unit");
}

#[tokio::test]
async fn another_unit_finds_nothing_and_only_units_may_enter() {
    let app = TestApp::spawn().await;
    let (_, _, owner) = clerk(&app, "411103").await;
    let id = new_draft(&owner, 1).await;
    let proof = attach_pdf(&owner, &id, "overage_proof").await;
    // A staged upload of the owner's application.
    let staged = upload(&owner, &id, "other", pdf(1000), "application/pdf").await;

    let (_, _, other) = clerk(&app, "410202").await;
    let own = new_draft(&other, 1).await;
    let ticket = json!({ "kind": "other", "content_type": "application/pdf", "size": 10, "file_name": "a.pdf" });
    let edit = json!({ "employees": 1, "female_employees": 0, "remarks": "" });
    let responses = [
        other.get(&format!("/api/applications/{id}")).await,
        other.put(&format!("/api/applications/{id}"), edit.clone()).await,
        other.get(&format!("/api/applications/{id}/self-check")).await,
        other
            .post(&format!("/api/applications/{id}/attachment-uploads"), ticket.clone())
            .await,
        attach(&other, &id, &staged, "other", "a.pdf").await,
        other.get(&format!("/api/applications/{id}/attachments")).await,
        other.get(&format!("/api/applications/{id}/attachments/{proof}")).await,
        delete(&app, &other, &format!("/api/applications/{id}/attachments/{proof}")).await,
        other.post(&format!("/api/applications/{id}/submit"), json!({})).await,
        other.get(&format!("/api/applications/{id}/trail")).await,
        other.get("/api/applications/not-a-uuid").await,
    ];
    for r in responses {
        assert_eq!((r.status, r.code()), (404, "NOT_FOUND"), "{r:?}");
    }
    // Through its own application: the owner's attachment and staged upload are not there.
    let r = other.get(&format!("/api/applications/{own}/attachments/{proof}")).await;
    assert_eq!((r.status, r.code()), (404, "ATTACHMENT_NOT_FOUND"), "{r:?}");
    let r = delete(&app, &other, &format!("/api/applications/{own}/attachments/{proof}")).await;
    assert_eq!((r.status, r.code()), (404, "ATTACHMENT_NOT_FOUND"), "{r:?}");
    let r = attach(&other, &own, &staged, "other", "a.pdf").await;
    assert_eq!(r.field_code("upload_id"), Some("UPLOAD_MISSING"), "{r:?}");
    let list = other.get("/api/applications").await;
    let ids: Vec<&str> = list.body["items"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert_eq!(ids, vec![own.as_str()]);

    // No session, and a staff session.
    let r = app.browser().get("/api/applications").await;
    assert_eq!((r.status, r.code()), (401, "NOT_SIGNED_IN"));
    let r = app.browser().get(&format!("/api/applications/{id}")).await;
    assert_eq!((r.status, r.code()), (401, "NOT_SIGNED_IN"));
    let staff = app.staff("yc.staff", "411103", vec![Permission::ReviewL1]).await;
    let r = staff.get(&format!("/api/applications/{id}")).await;
    assert_eq!((r.status, r.code()), (403, "UNIT_ONLY"));
    let r = staff.post("/api/applications", json!({})).await;
    assert_eq!((r.status, r.code()), (403, "UNIT_ONLY"));

    // The owner's application is untouched.
    let r = owner.get(&format!("/api/applications/{id}")).await;
    assert_eq!(r.body["status"], "draft");
    assert_eq!(r.body["base"]["employees"], Value::Null);
    let r = owner.get(&format!("/api/applications/{id}/attachments")).await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(1));
    let trail = owner.get(&format!("/api/applications/{id}/trail")).await;
    assert_eq!(actions(&trail), vec!["application_created", "attachment_added"]);
    // The staged upload is still the owner's to use.
    let r = attach(&owner, &id, &staged, "other", "a.pdf").await;
    assert_eq!(r.status, 201, "{r:?}");
}

/// The whole wizard over HTTP, as a clerk goes through it: ① draft, ② a spreadsheet with
/// good and bad rows, the failed rows downloaded, corrected and re-imported alone, 无名单,
/// ③ summary, self-check with an over-age member, the 超龄证明, submit.
#[tokio::test]
async fn the_whole_wizard_from_a_spreadsheet_to_submission() {
    use shared::spreadsheet::test_support::{In, workbook};
    let app = TestApp::spawn().await;
    let (_, _, clerk) = clerk(&app, "411103").await;
    let id = new_draft(&clerk, 1).await;

    let good = e2e::resident_id("19850315", 123);
    let old = e2e::resident_id("19600101", 7); // over 60 by the effective date
    let fifteen = "411103850315125"; // old 15-digit ID, upgraded to 18
    let numeric = e2e::resident_id("19900101", 211);
    let thirty_feb = e2e::resident_id("19850230", 5);
    let rows = vec![
        Some(vec![
            In::Text("1"),
            In::Text("张三"),
            In::Text("居民身份证"),
            In::Text(&good),
        ]),
        Some(vec![
            In::Text("2"),
            In::Text("老王"),
            In::Text("居民身份证"),
            In::Text(&old),
        ]),
        Some(vec![In::Text("3"), In::Text("李四"), In::Text(""), In::Text(fifteen)]),
        None,
        Some(vec![
            In::Text("5"),
            In::Text("王\t五"),
            In::Text("居民身份证"),
            In::Number(numeric.parse::<f64>().unwrap_or(0.0)),
        ]),
        Some(vec![
            In::Text("6"),
            In::Text("赵六"),
            In::Text("居民身份证"),
            In::Text(&thirty_feb),
        ]),
        Some(vec![
            In::Text("7"),
            In::Text("钱七"),
            In::Text("居民身份证"),
            In::Text(&good),
        ]),
    ];
    let r = app
        .import(&clerk, &id, workbook(&rows, true), "参保人信息模板-通用.xlsx")
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(
        (
            r.body["total"].as_u64(),
            r.body["success"].as_u64(),
            r.body["failed"].as_u64()
        ),
        (Some(6), Some(3), Some(3)),
        "{r:?}"
    );

    // 失败人员名单: ID stored as a number, 30 February, the duplicate of row 2.
    let link = clerk
        .get(&format!("/api/applications/{id}/imports/1/failed-rows"))
        .await;
    let failed = reqwest::get(link.body["url"].as_str().expect("url"))
        .await
        .expect("get")
        .bytes()
        .await
        .expect("bytes");
    let rows_back = shared::spreadsheet::read_member_rows(&failed, &shared::spreadsheet::XlsxLimits::default())
        .expect("the failed-rows file is itself a valid template");
    assert_eq!(rows_back.len(), 3);

    // Corrected: the number typed as text, the date fixed; the duplicate dropped.
    let real_date = e2e::resident_id("19850228", 5);
    let late = e2e::resident_id("19880808", 9);
    let fixed = vec![
        Some(vec![
            In::Text("5"),
            In::Text("王五"),
            In::Text("居民身份证"),
            In::Text(&numeric),
        ]),
        Some(vec![
            In::Text("6"),
            In::Text("赵六"),
            In::Text("居民身份证"),
            In::Text(&real_date),
        ]),
    ];
    let r = app
        .import(&clerk, &id, workbook(&fixed, true), "失败人员名单.xlsx")
        .await;
    assert_eq!(
        (r.status, r.body["success"].as_u64(), r.body["failed"].as_u64()),
        (201, Some(2), Some(0)),
        "{r:?}"
    );

    // 新增无名单: 10 gig workers.
    let r = clerk
        .post(
            &format!("/api/applications/{id}/unnamed"),
            json!({ "count": 10, "occupation": "general" }),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let r = clerk
        .put(
            &format!("/api/applications/{id}"),
            json!({ "employees": 20, "female_employees": 8, "remarks": "新业态人员10人" }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");

    // ③ summary: 5 named + 10 unnamed = 15 insured, 15 × 80.00 元.
    let summary = clerk.get(&format!("/api/applications/{id}")).await;
    assert_eq!(summary.status, 200, "{summary:?}");
    let text = summary.body.to_string();
    assert!(text.contains("\"insured_count\":15"), "{text}");
    assert!(text.contains("\"fee_fen\":120000"), "{text}");
    assert!(text.contains("75%"), "{text}");

    // Self-check: the member born in 1960 is over age; submit needs the 超龄证明.
    let check = clerk.get(&format!("/api/applications/{id}/self-check")).await;
    assert!(check.body.to_string().contains("超龄"), "{check:?}");
    let r = clerk.post(&format!("/api/applications/{id}/submit"), json!({})).await;
    assert_eq!((r.status, r.code()), (422, "OVERAGE_PROOF_REQUIRED"), "{r:?}");
    attach_pdf(&clerk, &id, "overage_proof").await;
    let r = clerk.post(&format!("/api/applications/{id}/submit"), json!({})).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(attr(&stored_app(&app, &id).await, "status"), "submitted");
    // The 初审 reviewer sees the 无名单 beside the named members.
    let reviewer = app.staff("yc.l1.unnamed", "411103", vec![Permission::ReviewL1]).await;
    let r = reviewer.get(&format!("/api/staff/applications/{id}")).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        (
            r.body["unnamed"][0]["count"].as_u64(),
            r.body["unnamed"][0]["occupation"].as_str()
        ),
        (Some(10), Some("general")),
        "{r:?}"
    );

    // Submitted: the unit can change nothing any more.
    let more = vec![Some(vec![
        In::Text("1"),
        In::Text("孙八"),
        In::Text(""),
        In::Text(&late),
    ])];
    let r = app.import(&clerk, &id, workbook(&more, true), "late.xlsx").await;
    assert_eq!((r.status, r.code()), (409, "APPLICATION_LOCKED"), "{r:?}");
    let r = clerk
        .post(
            &format!("/api/applications/{id}/unnamed"),
            json!({ "count": 1, "occupation": "general" }),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "APPLICATION_LOCKED"));
    let trail = clerk.get(&format!("/api/applications/{id}/trail")).await;
    let actions = actions(&trail);
    for expected in [
        "application_created",
        "members_imported",
        "unnamed_added",
        "application_submitted",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} missing from {actions:?}"
        );
    }
}
