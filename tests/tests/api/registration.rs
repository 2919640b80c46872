use e2e::{TestApp, UnitFixture, account_from_sms, jpeg, pdf, png};
use serde_json::json;
use shared::records::account::Permission;

/// How many distinct partitions (units, uniqueness claims, …) start with `prefix`.
async fn count_items(app: &TestApp, prefix: &str) -> usize {
    let out = app
        .state
        .db
        .scan()
        .table_name(&*app.state.table)
        .send()
        .await
        .expect("scan");
    let keys: std::collections::BTreeSet<&str> = out
        .items()
        .iter()
        .filter_map(|i| i.get("pk").and_then(|v| v.as_s().ok()))
        .filter(|pk| pk.starts_with(prefix))
        .map(String::as_str)
        .collect();
    keys.len()
}

#[tokio::test]
async fn a_unit_registers_is_approved_and_signs_in_with_the_password_from_the_sms() {
    let app = TestApp::spawn().await;
    let unit = UnitFixture::new("411103");
    let browser = app.browser();

    // 发送验证码: the code arrives by SMS with the product's text.
    let r = browser
        .post(
            "/api/sms-codes",
            json!({ "mobile": unit.mobile, "purpose": "register" }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let sms = app.wait_sms(&unit.mobile, 1).await;
    assert!(sms[0].starts_with("【中国职工保险互助会】您的验证码为"), "{}", sms[0]);
    assert!(sms[0].ends_with("，5分钟内有效，请勿泄露。"));
    let code = app.latest_code(&unit.mobile, 1).await;

    let license = app.upload(&browser, jpeg(50_000), "image/jpeg").await;
    let union = app.upload(&browser, png(40_000), "image/png").await;
    let r = browser
        .post("/api/registrations", unit.form(&license, &union, &code))
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let id = r.body["id"].as_str().expect("id").to_owned();
    assert_eq!(r.body["status"], "pending");

    // Both images were claimed under the registration's prefix, byte for byte.
    let stored = app
        .state
        .s3
        .get_object()
        .bucket(&*app.state.bucket)
        .key(format!("registrations/{id}/unit-license.jpg"))
        .send()
        .await
        .expect("license image stored");
    assert_eq!(stored.body.collect().await.expect("body").into_bytes().len(), 50_000);

    // A reviewer of 漯河市 sees it, with presigned (signed) image URLs.
    let reviewer = app
        .staff("luohe.rev", "411100", vec![Permission::RegistrationReview])
        .await;
    let list = reviewer.get("/api/staff/registrations").await;
    assert_eq!(list.status, 200, "{list:?}");
    let row = &list.body["items"][0];
    assert_eq!(row["id"], id.as_str());
    assert_eq!(
        row["contact_mobile"],
        format!("{}****{}", &unit.mobile[..3], &unit.mobile[7..])
    );
    let detail = reviewer.get(&format!("/api/staff/registrations/{id}")).await;
    assert_eq!(detail.status, 200, "{detail:?}");
    assert_eq!(
        detail.body["agency_name"],
        "中华全国总工会>中国职工保险互助会>河南省办事处>漯河市>郾城区"
    );
    let url = detail.body["unit_license_url"].as_str().expect("url");
    assert!(url.contains("X-Amz-Signature="), "{url}");
    assert_eq!(
        reqwest::get(url)
            .await
            .expect("get image")
            .bytes()
            .await
            .expect("bytes")
            .len(),
        50_000
    );

    let r = reviewer
        .post(&format!("/api/staff/registrations/{id}/approve"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["account"], unit.unit_code.as_str());

    // The account SMS carries the manual's words, the account and a password.
    let sms = app.wait_sms(&unit.mobile, 2).await;
    assert!(
        sms[1].starts_with("【中国职工保险互助会】《中国职工保险互助会数字化平台》已为您创建\"单位端\"账号，账号为"),
        "{}",
        sms[1]
    );
    let (account, password) = account_from_sms(&sms[1]);
    assert_eq!(account, unit.unit_code);

    // First login works but everything except the password change is refused.
    let clerk = app.browser();
    let r = clerk
        .post(
            "/api/auth/login",
            json!({ "login": account.to_lowercase(), "password": password }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["must_change_password"], true);
    assert_eq!(r.body["role"], "unit");
    let r = clerk.get("/api/staff/registrations").await;
    assert_eq!(r.code(), "PASSWORD_CHANGE_REQUIRED");

    let r = clerk
        .post(
            "/api/auth/password",
            json!({ "current_password": password, "new_password": "short" }),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "PASSWORD_WEAK"));
    let r = clerk
        .post(
            "/api/auth/password",
            json!({ "current_password": password, "new_password": "Xinmima2025@hn" }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["must_change_password"], false);

    // Signing in again uses the new password; the old one is gone.
    let again = app.browser();
    let r = again
        .post("/api/auth/login", json!({ "login": account, "password": password }))
        .await;
    assert_eq!((r.status, r.code()), (401, "LOGIN_FAILED"));
    let r = again
        .post(
            "/api/auth/login",
            json!({ "login": account, "password": "Xinmima2025@hn" }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["must_change_password"], false);
    let me = again.get("/api/auth/me").await;
    assert_eq!(me.body["unit_id"], id.as_str());

    // The trail records the submission and the approval, and every look at the whole record
    // with its images (this one included).
    // The trail is read newest first, a page at a time.
    let detail = reviewer.get(&format!("/api/staff/registrations/{id}")).await;
    assert_eq!(detail.status, 200, "{detail:?}");
    let trail = reviewer.get(&format!("/api/staff/registrations/{id}/trail")).await;
    let actions: Vec<&str> = trail.body["items"]
        .as_array()
        .expect("trail")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    let changes: Vec<&str> = actions
        .iter()
        .copied()
        .filter(|a| *a != "registration_viewed")
        .collect();
    assert_eq!(changes, ["registration_approved", "registration_submitted"]);
    assert_eq!(actions.first(), Some(&"registration_viewed"), "{actions:?}");
    let one = reviewer
        .get(&format!("/api/staff/registrations/{id}/trail?page_size=1"))
        .await;
    assert_eq!(one.body["items"].as_array().map(Vec::len), Some(1), "{one:?}");
    let rest = reviewer
        .get(&format!(
            "/api/staff/registrations/{id}/trail?page_size=100&cursor={}",
            one.body["next"].as_str().expect("a next page")
        ))
        .await;
    assert_eq!(
        rest.body["items"].as_array().map(Vec::len),
        Some(actions.len() - 1),
        "{rest:?}"
    );
    assert_eq!(rest.body["offset"], 1);
    let unit_side = again.get(&format!("/api/staff/registrations/{id}/trail")).await;
    assert_eq!(unit_side.status, 403, "{unit_side:?}");
}

#[tokio::test]
async fn every_bad_field_is_reported_at_once_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let unit = UnitFixture::new("411103");
    let browser = app.browser();
    let mut bad_code = unit.unit_code.clone();
    let last = bad_code.pop().expect("char");
    bad_code.push(if last == '0' { '1' } else { '0' });
    let mut form = unit.form("", "", "123456");
    form["unit_code"] = json!(bad_code);
    form["union_credit_code"] = json!("91350100M000100Y4");
    form["mobile"] = json!("12345678901");
    form["email"] = json!("not-an-email");
    form["office_phone_area"] = json!("395");
    form["agency_code"] = json!("HN");
    form["unit_name"] = json!("  ");
    form["classified"] = json!("不清楚");
    let r = browser.post("/api/registrations", form).await;
    assert_eq!((r.status, r.code()), (422, "INVALID_FIELDS"), "{r:?}");
    assert_eq!(r.field_code("unit_code"), Some("CREDIT_CODE_CHECKSUM"));
    assert_eq!(r.field_code("union_credit_code"), Some("CREDIT_CODE_LENGTH"));
    assert_eq!(r.field_code("mobile"), Some("MOBILE_INVALID"));
    assert_eq!(r.field_code("email"), Some("EMAIL_INVALID"));
    assert_eq!(r.field_code("office_phone"), Some("PHONE_AREA_CODE"));
    assert_eq!(r.field_code("agency_code"), Some("AGENCY_INVALID"));
    assert_eq!(r.field_code("unit_name"), Some("REQUIRED"));
    assert_eq!(r.field_code("unit_license_upload"), Some("UPLOAD_MISSING"));
    assert_eq!(r.field_code("classified"), Some("CLASSIFIED_REQUIRED"));
    for field in r.body["fields"].as_array().expect("fields") {
        let message = field["message"].as_str().expect("message");
        assert!(
            message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "not Chinese: {message}"
        );
    }
    assert_eq!(count_items(&app, "UNIT#").await, 0);
    assert_eq!(count_items(&app, "UNIQ#").await, 0);
}

#[tokio::test]
async fn wrong_expired_and_over_tried_codes_are_refused() {
    let app = TestApp::spawn().await;
    let unit = UnitFixture::new("411103");
    let browser = app.browser();
    let license = app.upload(&browser, jpeg(1000), "image/jpeg").await;
    let union = app.upload(&browser, png(1000), "image/png").await;

    let r = browser
        .post("/api/registrations", unit.form(&license, &union, "123456"))
        .await;
    assert_eq!((r.status, r.code()), (422, "CODE_NOT_SENT"));

    browser
        .post(
            "/api/sms-codes",
            json!({ "mobile": unit.mobile, "purpose": "register" }),
        )
        .await;
    let code = app.latest_code(&unit.mobile, 1).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };

    // A second code within 60 s is refused.
    let r = browser
        .post(
            "/api/sms-codes",
            json!({ "mobile": unit.mobile, "purpose": "register" }),
        )
        .await;
    assert_eq!((r.status, r.code()), (429, "SMS_TOO_FREQUENT"), "{r:?}");

    let r = browser
        .post("/api/registrations", unit.form(&license, &union, wrong))
        .await;
    assert_eq!((r.status, r.code()), (422, "CODE_WRONG"));
    assert!(r.body["message"].as_str().expect("msg").contains("还可尝试4次"));
    for _ in 0..4 {
        browser
            .post("/api/registrations", unit.form(&license, &union, wrong))
            .await;
    }
    // Five wrong tries: even the right code no longer works.
    let r = browser
        .post("/api/registrations", unit.form(&license, &union, &code))
        .await;
    assert_eq!((r.status, r.code()), (422, "CODE_TOO_MANY_ATTEMPTS"));

    // An expired code: move the clock of the stored code back past its 5 minutes.
    let other = UnitFixture::new("411103");
    browser
        .post(
            "/api/sms-codes",
            json!({ "mobile": other.mobile, "purpose": "register" }),
        )
        .await;
    let code = app.latest_code(&other.mobile, 1).await;
    app.state
        .db
        .update_item()
        .table_name(&*app.state.table)
        .key(
            "pk",
            shared::platform::db::s(format!("SMSCODE#register#{}", other.mobile)),
        )
        .key("sk", shared::platform::db::s("CODE"))
        .update_expression("SET valid_until = :past")
        .expression_attribute_values(
            ":past",
            shared::platform::db::n(shared::platform::time::now().timestamp() - 1),
        )
        .send()
        .await
        .expect("age code");
    let r = browser
        .post("/api/registrations", other.form(&license, &union, &code))
        .await;
    assert_eq!((r.status, r.code()), (422, "CODE_EXPIRED"));
    assert_eq!(count_items(&app, "UNIT#").await, 0);
}

#[tokio::test]
async fn the_daily_code_limit_is_ten() {
    let app = TestApp::spawn().await;
    let mobile = e2e::mobile();
    let browser = app.browser();
    let r = browser
        .post("/api/sms-codes", json!({ "mobile": mobile, "purpose": "register" }))
        .await;
    assert_eq!(r.status, 200);
    // Nine more sends, a minute apart: rewrite the last send time instead of waiting.
    let rate_pk = format!(
        "SMSRATE#{mobile}#{}",
        shared::platform::time::today_beijing().format("%Y%m%d")
    );
    for _ in 0..9 {
        app.state
            .db
            .update_item()
            .table_name(&*app.state.table)
            .key("pk", shared::platform::db::s(rate_pk.clone()))
            .key("sk", shared::platform::db::s("RATE"))
            .update_expression("SET last_sent_at = :old")
            .expression_attribute_values(
                ":old",
                shared::platform::db::n(shared::platform::time::now().timestamp() - 61),
            )
            .send()
            .await
            .expect("rewind");
        let r = browser
            .post("/api/sms-codes", json!({ "mobile": mobile, "purpose": "register" }))
            .await;
        assert_eq!(r.status, 200, "{r:?}");
    }
    app.state
        .db
        .update_item()
        .table_name(&*app.state.table)
        .key("pk", shared::platform::db::s(rate_pk))
        .key("sk", shared::platform::db::s("RATE"))
        .update_expression("SET last_sent_at = :old")
        .expression_attribute_values(
            ":old",
            shared::platform::db::n(shared::platform::time::now().timestamp() - 61),
        )
        .send()
        .await
        .expect("rewind");
    let r = browser
        .post("/api/sms-codes", json!({ "mobile": mobile, "purpose": "register" }))
        .await;
    assert_eq!((r.status, r.code()), (429, "SMS_DAILY_LIMIT"), "{r:?}");
    assert_eq!(app.wait_sms(&mobile, 10).await.len(), 10);

    let r = browser
        .post(
            "/api/sms-codes",
            json!({ "mobile": "1381234567", "purpose": "register" }),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "MOBILE_INVALID"));
}

#[tokio::test]
async fn one_network_gets_thirty_codes_an_hour_and_the_system_its_daily_ceiling() {
    let app = TestApp::spawn().await;
    let pump = e2e::Browser::at_address(&app.base, "198.51.100.7");
    let mobiles: Vec<String> = (0..31).map(|_| e2e::mobile()).collect();
    for mobile in &mobiles[..30] {
        let r = pump
            .post("/api/sms-codes", json!({ "mobile": mobile, "purpose": "register" }))
            .await;
        assert_eq!(r.status, 200, "{r:?}");
    }
    let r = pump
        .post(
            "/api/sms-codes",
            json!({ "mobile": mobiles[30], "purpose": "register" }),
        )
        .await;
    assert_eq!((r.status, r.code()), (429, "SMS_SOURCE_LIMIT"), "{r:?}");
    assert!(r.body["message"].as_str().expect("msg").contains("一小时后再试"));
    assert!(
        app.sms_to(&mobiles[30]).await.is_empty(),
        "a refused request queues no SMS"
    );
    // Another network is not held back by this one.
    let r = app
        .browser()
        .post(
            "/api/sms-codes",
            json!({ "mobile": mobiles[30], "purpose": "register" }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");

    // The office's ceiling for the whole system: 32 sent today, a ceiling of 32 refuses the next.
    app.state
        .db
        .put_item()
        .table_name(&*app.state.table)
        .set_item(Some({
            let mut item = shared::records::sms_code::limits_key();
            item.insert("codes_per_day".into(), shared::platform::db::n(32));
            item
        }))
        .send()
        .await
        .expect("set ceiling");
    let last = e2e::mobile();
    let r = app
        .browser()
        .post("/api/sms-codes", json!({ "mobile": last, "purpose": "register" }))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = app
        .browser()
        .post(
            "/api/sms-codes",
            json!({ "mobile": e2e::mobile(), "purpose": "register" }),
        )
        .await;
    assert_eq!((r.status, r.code()), (429, "SMS_SYSTEM_LIMIT"), "{r:?}");
    assert_eq!(app.wait_sms(&last, 1).await.len(), 1);
}

#[tokio::test]
async fn an_upload_is_signed_for_its_size_and_leaves_no_staged_version_behind() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let r = browser
        .post(
            "/api/registration-uploads",
            json!({ "content_type": "image/png", "size": 1234 }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["max_bytes"], 1234);
    let url = r.body["url"].as_str().expect("url");
    let signed = url
        .split('&')
        .find_map(|p| p.strip_prefix("X-Amz-SignedHeaders="))
        .expect("signed headers");
    assert!(signed.split("%3B").any(|h| h == "content-length"), "{signed}");
    let r = browser
        .post(
            "/api/registration-uploads",
            json!({ "content_type": "image/png", "size": 0 }),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "FILE_EMPTY"), "{r:?}");

    // A registration claims both images; their staged versions are gone for good (a plain
    // delete in the versioned bucket would leave the image behind a delete marker).
    app.register(&UnitFixture::new("411103")).await;
    let versions = app
        .state
        .s3
        .list_object_versions()
        .bucket(&*app.state.bucket)
        .prefix("uploads/")
        .send()
        .await
        .expect("versions");
    assert!(versions.versions().is_empty(), "{:?}", versions.versions());
    assert!(versions.delete_markers().is_empty(), "{:?}", versions.delete_markers());
    let kept = app
        .state
        .s3
        .list_objects_v2()
        .bucket(&*app.state.bucket)
        .prefix("registrations/")
        .send()
        .await
        .expect("objects");
    assert_eq!(kept.contents().len(), 2);
}

#[tokio::test]
async fn images_over_two_megabytes_or_not_images_are_refused() {
    let app = TestApp::spawn().await;
    let unit = UnitFixture::new("411103");
    let browser = app.browser();

    // Declared too large: refused before any upload.
    let r = browser
        .post(
            "/api/registration-uploads",
            json!({ "content_type": "image/jpeg", "size": 2 * 1024 * 1024 + 1 }),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "FILE_TOO_LARGE"));
    let r = browser
        .post(
            "/api/registration-uploads",
            json!({ "content_type": "application/pdf", "size": 100 }),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "FILE_TYPE"));

    // Declared small, but 2 MB + 1 byte arrived; and a PDF renamed .jpg.
    let big = app.upload(&browser, jpeg(2 * 1024 * 1024 + 1), "image/jpeg").await;
    let fake = app.upload(&browser, pdf(5000), "image/jpeg").await;
    browser
        .post(
            "/api/sms-codes",
            json!({ "mobile": unit.mobile, "purpose": "register" }),
        )
        .await;
    let code = app.latest_code(&unit.mobile, 1).await;
    let r = browser.post("/api/registrations", unit.form(&big, &fake, &code)).await;
    assert_eq!((r.status, r.code()), (422, "INVALID_FIELDS"), "{r:?}");
    assert_eq!(r.field_code("unit_license_upload"), Some("FILE_TOO_LARGE"));
    assert_eq!(r.field_code("union_certificate_upload"), Some("FILE_TYPE"));
    let message = r.body["fields"][1]["message"].as_str().expect("message");
    assert!(message.contains("PDF"), "{message}");
    assert_eq!(count_items(&app, "UNIT#").await, 0);

    // Exactly 2 MB is fine, and the same code still works (it was not consumed).
    let ok = app.upload(&browser, jpeg(2 * 1024 * 1024), "image/jpeg").await;
    let ok2 = app.upload(&browser, png(100), "image/png").await;
    let r = browser.post("/api/registrations", unit.form(&ok, &ok2, &code)).await;
    assert_eq!(r.status, 201, "{r:?}");
}

#[tokio::test]
async fn a_unit_code_registers_once_until_rejected() {
    let app = TestApp::spawn().await;
    let unit = UnitFixture::new("411103");
    app.register(&unit).await;

    // Same unit code, another contact: refused, nothing written.
    let mut again = UnitFixture::new("411103");
    again.unit_code = unit.unit_code.clone();
    let browser = app.browser();
    browser
        .post(
            "/api/sms-codes",
            json!({ "mobile": again.mobile, "purpose": "register" }),
        )
        .await;
    let code = app.latest_code(&again.mobile, 1).await;
    let a = app.upload(&browser, jpeg(100), "image/jpeg").await;
    let b = app.upload(&browser, jpeg(100), "image/jpeg").await;
    let r = browser.post("/api/registrations", again.form(&a, &b, &code)).await;
    assert_eq!(r.status, 422, "{r:?}");
    assert_eq!(r.field_code("unit_code"), Some("DUPLICATE_UNIT_CODE"));
    assert_eq!(count_items(&app, "UNIT#").await, 1);

    // Rejected with a reason: SMS with the reason, and the code is free again.
    let reviewer = app.staff("rev.a", "HN", vec![Permission::RegistrationReview]).await;
    let list = reviewer.get("/api/staff/registrations").await;
    let id = list.body["items"][0]["id"].as_str().expect("id").to_owned();
    let r = reviewer
        .post(
            &format!("/api/staff/registrations/{id}/reject"),
            json!({ "reason": "" }),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "REASON_REQUIRED"));
    let r = reviewer
        .post(
            &format!("/api/staff/registrations/{id}/reject"),
            json!({ "reason": "单位证件图片不清晰" }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let sms = app.wait_sms(&unit.mobile, 2).await;
    assert!(sms[1].contains("原因：单位证件图片不清晰"), "{}", sms[1]);
    let r = reviewer
        .post(&format!("/api/staff/registrations/{id}/approve"), json!({}))
        .await;
    assert_eq!((r.status, r.code()), (409, "ALREADY_DECIDED"));

    browser
        .post(
            "/api/sms-codes",
            json!({ "mobile": again.mobile, "purpose": "register" }),
        )
        .await;
    // The per-number 60 s limit applies: wait it out by rewinding, as above.
    app.state
        .db
        .update_item()
        .table_name(&*app.state.table)
        .key(
            "pk",
            shared::platform::db::s(format!(
                "SMSRATE#{}#{}",
                again.mobile,
                shared::platform::time::today_beijing().format("%Y%m%d")
            )),
        )
        .key("sk", shared::platform::db::s("RATE"))
        .update_expression("SET last_sent_at = :old")
        .expression_attribute_values(":old", shared::platform::db::n(0))
        .send()
        .await
        .expect("rewind");
    let r = browser
        .post(
            "/api/sms-codes",
            json!({ "mobile": again.mobile, "purpose": "register" }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let code = app.latest_code(&again.mobile, 2).await;
    let a = app.upload(&browser, jpeg(100), "image/jpeg").await;
    let b = app.upload(&browser, jpeg(100), "image/jpeg").await;
    let r = browser.post("/api/registrations", again.form(&a, &b, &code)).await;
    assert_eq!(r.status, 201, "{r:?}");
}

#[tokio::test]
async fn the_review_list_pages_with_a_total_and_finds_a_unit_by_code() {
    let app = TestApp::spawn().await;
    let units: Vec<UnitFixture> = ["411103", "411102", "411103"]
        .iter()
        .map(|a| UnitFixture::new(a))
        .collect();
    for unit in &units {
        app.register(unit).await;
    }
    let reviewer = app
        .staff("luohe.rev", "411100", vec![Permission::RegistrationReview])
        .await;
    // A page at a time: the second page continues from the first one's cursor.
    let first = reviewer.get("/api/staff/registrations?page_size=2").await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(first.body["items"].as_array().map(Vec::len), Some(2), "{first:?}");
    assert_eq!(first.body["offset"], 0);
    let next = first.body["next"].as_str().expect("a second page");
    let second = reviewer
        .get(&format!("/api/staff/registrations?page_size=2&cursor={next}"))
        .await;
    assert_eq!(
        (second.body["offset"].as_u64(), second.body["next"].as_str()),
        (Some(2), None)
    );
    let mut listed: Vec<String> = [&first, &second]
        .iter()
        .flat_map(|r| r.body["items"].as_array().cloned().unwrap_or_default())
        .filter_map(|row| row["unit_code"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(second.body["items"].as_array().map(Vec::len), Some(1), "{second:?}");
    listed.sort();
    let mut expected: Vec<String> = units.iter().map(|u| u.unit_code.clone()).collect();
    expected.sort();
    assert_eq!(listed, expected);

    // Found by the start of its code, in lower case as people type it.
    let wanted = &units[1].unit_code;
    let found = reviewer
        .get(&format!("/api/staff/registrations?q={}", wanted[..12].to_lowercase()))
        .await;
    assert_eq!(found.body["items"].as_array().map(Vec::len), Some(1), "{found:?}");
    assert_eq!(found.body["items"][0]["unit_code"], wanted.as_str());

    // A reviewer of another city sees none; once approved, a unit leaves the pending list.
    let other = app
        .staff("py.rev", "410900", vec![Permission::RegistrationReview])
        .await;
    assert_eq!(listed_count(&other.get("/api/staff/registrations").await), 0);
    let id = found.body["items"][0]["id"].as_str().expect("id").to_owned();
    let r = reviewer
        .post(&format!("/api/staff/registrations/{id}/approve"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(listed_count(&reviewer.get("/api/staff/registrations").await), 2);
    let approved = reviewer.get("/api/staff/registrations?status=approved").await;
    assert_eq!(listed_count(&approved), 1, "{approved:?}");

    // A search longer than any unit name, and a made-up cursor, are refused with a reason.
    let long = reviewer
        .get(&format!("/api/staff/registrations?q={}", "单".repeat(51)))
        .await;
    assert_eq!((long.status, long.code()), (400, "SEARCH_TOO_LONG"), "{long:?}");
    let bad = reviewer.get("/api/staff/registrations?cursor=bm90LWEtY3Vyc29y").await;
    assert_eq!((bad.status, bad.code()), (422, "CURSOR_INVALID"), "{bad:?}");
    assert_eq!(approved.body["items"][0]["id"], id.as_str());
}

/// Rows of a list page that are on it.
fn listed_count(r: &e2e::Resp) -> usize {
    r.body["items"].as_array().map_or(0, Vec::len)
}
