use e2e::{TestApp, UnitFixture, account_from_sms};
use serde_json::json;
use shared::records::account::Permission;

async fn pending_id(app: &TestApp) -> String {
    let admin = app.staff("root.rev", "HN", vec![Permission::RegistrationReview]).await;
    let list = admin.get("/api/staff/registrations").await;
    list.body["items"][0]["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn only_reviewers_of_the_units_jurisdiction_see_or_decide_it() {
    let app = TestApp::spawn().await;
    let unit = UnitFixture::new("411103");
    app.register(&unit).await;
    let id = pending_id(&app).await;

    // Another city's reviewer: the registration is not listed and cannot be opened or decided.
    let kaifeng = app
        .staff("kf.rev", "410200", vec![Permission::RegistrationReview])
        .await;
    let list = kaifeng.get("/api/staff/registrations").await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(0), "{list:?}");
    for r in [
        kaifeng.get(&format!("/api/staff/registrations/{id}")).await,
        kaifeng
            .post(&format!("/api/staff/registrations/{id}/approve"), json!({}))
            .await,
    ] {
        assert_eq!((r.status, r.code()), (404, "NOT_FOUND"), "{r:?}");
    }

    // Staff of the right city without the permission.
    let finance = app.staff("lh.fin", "411100", vec![Permission::Finance]).await;
    let r = finance
        .post(&format!("/api/staff/registrations/{id}/approve"), json!({}))
        .await;
    assert_eq!((r.status, r.code()), (403, "PERMISSION_DENIED"));

    // No session, and a unit's session.
    let r = app
        .browser()
        .post(&format!("/api/staff/registrations/{id}/approve"), json!({}))
        .await;
    assert_eq!((r.status, r.code()), (401, "NOT_SIGNED_IN"));
    let other = UnitFixture::new("410202");
    let (_, account, password) = app.approved_unit(&other).await;
    let clerk = app.browser();
    clerk
        .post("/api/auth/login", json!({ "login": account, "password": password }))
        .await;
    clerk
        .post(
            "/api/auth/password",
            json!({ "current_password": password, "new_password": "Danwei2025@hn" }),
        )
        .await;
    let r = clerk
        .post(&format!("/api/staff/registrations/{id}/approve"), json!({}))
        .await;
    assert_eq!((r.status, r.code()), (403, "STAFF_ONLY"));

    // Still pending after all that.
    let county = app
        .staff("yc.rev", "411103", vec![Permission::RegistrationReview])
        .await;
    let detail = county.get(&format!("/api/staff/registrations/{id}")).await;
    assert_eq!(detail.body["status"], "pending");
}

#[tokio::test]
async fn fifty_concurrent_approvals_create_one_account_and_one_sms() {
    let app = TestApp::spawn().await;
    let unit = UnitFixture::new("411103");
    app.register(&unit).await;
    let id = pending_id(&app).await;
    let reviewer = std::sync::Arc::new(
        app.staff("lh.rev", "411100", vec![Permission::RegistrationReview])
            .await,
    );

    let mut tasks = Vec::new();
    for _ in 0..50 {
        let reviewer = reviewer.clone();
        let path = format!("/api/staff/registrations/{id}/approve");
        tasks.push(tokio::spawn(async move { reviewer.post(&path, json!({})).await }));
    }
    let mut ok = 0;
    for task in tasks {
        let r = task.await.expect("task");
        match r.status {
            200 => ok += 1,
            409 => assert_eq!(r.code(), "ALREADY_DECIDED"),
            other => panic!("unexpected {other}: {r:?}"),
        }
    }
    assert_eq!(ok, 1);

    let accounts = app
        .state
        .db
        .scan()
        .table_name(&*app.state.table)
        .send()
        .await
        .expect("scan");
    let unit_accounts = accounts
        .items()
        .iter()
        .filter(|i| i.get("role").and_then(|v| v.as_s().ok()).is_some_and(|r| r == "unit"))
        .count();
    assert_eq!(unit_accounts, 1);
    let sms = app.wait_sms(&unit.mobile, 2).await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(app.sms_to(&unit.mobile).await.len(), 2, "{sms:?}");
}

#[tokio::test]
async fn a_contact_change_needs_the_new_mobiles_code_tells_the_old_contact_and_takes_a_second_reviewer() {
    let app = TestApp::spawn().await;
    let unit = UnitFixture::new("411103");
    let (id, account, password) = app.approved_unit(&unit).await;
    let old = app.browser();
    old.post("/api/auth/login", json!({ "login": account, "password": password }))
        .await;
    old.post(
        "/api/auth/password",
        json!({ "current_password": password, "new_password": "Jiumima2025@hn" }),
    )
    .await;
    assert_eq!(old.get("/api/auth/me").await.status, 200);

    let reviewer = app
        .staff("lh.rev2", "411100", vec![Permission::RegistrationReview])
        .await;
    let second = app
        .staff("lh.rev3", "411100", vec![Permission::RegistrationReview])
        .await;
    let new_mobile = e2e::mobile();
    let mut contact = json!({
        "contact_name": "李新", "contact_position": "工会主席", "office_phone_area": "0395",
        "office_phone_number": "3166101", "mobile": new_mobile, "email": "lixin@example.cn"
    });
    let mut bad = contact.clone();
    bad["mobile"] = json!("1391234");
    let r = reviewer.put(&format!("/api/staff/units/{id}/contact"), bad).await;
    assert_eq!(r.field_code("mobile"), Some("MOBILE_INVALID"), "{r:?}");
    // Without the new mobile's code nothing happens.
    let r = reviewer
        .put(&format!("/api/staff/units/{id}/contact"), contact.clone())
        .await;
    assert_eq!((r.status, r.code()), (422, "CODE_FORMAT"), "{r:?}");
    let r = reviewer
        .post(
            &format!("/api/staff/units/{id}/contact-codes"),
            json!({ "mobile": new_mobile }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let code = app.latest_code(&new_mobile, 1).await;
    contact["sms_code"] = json!(code);
    let r = reviewer
        .put(&format!("/api/staff/units/{id}/contact"), contact.clone())
        .await;
    assert_eq!(r.status, 202, "{r:?}");
    assert_eq!(r.body["requested_by"], "lh.rev2");
    // The current contact is told at once, with the newcomer masked.
    let notices = app.wait_sms(&unit.mobile, 3).await;
    let notice = notices.last().expect("notice");
    assert!(notice.contains("联系人更换申请已提交，新联系人为李*（"), "{notice}");
    assert!(
        notice.contains(&format!("{}****{}", &new_mobile[..3], &new_mobile[7..])),
        "{notice}"
    );
    assert!(notice.contains("0371-67882633"), "{notice}");
    // Nothing changed yet: the old contact still signs in, the new one has no account SMS.
    assert_eq!(old.get("/api/auth/me").await.status, 200);
    assert_eq!(app.sms_to(&new_mobile).await.len(), 1);
    // A second request waits for this one; the asker cannot approve their own.
    let r = reviewer.put(&format!("/api/staff/units/{id}/contact"), contact).await;
    assert_eq!((r.status, r.code()), (409, "CONTACT_CHANGE_PENDING"), "{r:?}");
    let r = reviewer
        .post(&format!("/api/staff/units/{id}/contact/approve"), json!({}))
        .await;
    assert_eq!((r.status, r.code()), (403, "DUTY_SEPARATION"), "{r:?}");
    let list = second.get("/api/staff/registrations?status=approved").await;
    let row = list.body["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["id"] == id.as_str()))
        .expect("listed");
    assert_eq!(row["pending_contact"]["contact_name"], "李*", "{row}");
    let r = second
        .post(&format!("/api/staff/units/{id}/contact/approve"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = second
        .post(&format!("/api/staff/units/{id}/contact/approve"), json!({}))
        .await;
    assert_eq!((r.status, r.code()), (409, "NO_CONTACT_CHANGE"), "{r:?}");

    let sms = app.wait_sms(&new_mobile, 2).await;
    let (same_account, new_password) = account_from_sms(&sms[1]);
    assert_eq!(same_account, account);
    assert_eq!(old.get("/api/auth/me").await.status, 401);
    let fresh = app.browser();
    let r = fresh
        .post("/api/auth/login", json!({ "login": account, "password": new_password }))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["must_change_password"], true);
    let trail = second.get(&format!("/api/staff/registrations/{id}/trail")).await;
    let actions: Vec<&str> = trail.body["items"]
        .as_array()
        .expect("trail")
        .iter()
        .filter_map(|t| t["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"contact_change_requested") && actions.contains(&"contact_changed"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn a_pending_contact_change_can_be_rejected_and_the_contact_stays() {
    let app = TestApp::spawn().await;
    let unit = UnitFixture::new("411103");
    let (id, _, _) = app.approved_unit(&unit).await;
    let reviewer = app
        .staff("lh.rev4", "411100", vec![Permission::RegistrationReview])
        .await;
    let new_mobile = e2e::mobile();
    reviewer
        .post(
            &format!("/api/staff/units/{id}/contact-codes"),
            json!({ "mobile": new_mobile }),
        )
        .await;
    let code = app.latest_code(&new_mobile, 1).await;
    let contact = json!({
        "contact_name": "李新", "contact_position": "工会主席", "office_phone_area": "0395",
        "office_phone_number": "3166101", "mobile": new_mobile, "email": "lixin@example.cn",
        "sms_code": code
    });
    let r = reviewer.put(&format!("/api/staff/units/{id}/contact"), contact).await;
    assert_eq!(r.status, 202, "{r:?}");
    let r = reviewer
        .post(
            &format!("/api/staff/units/{id}/contact/reject"),
            json!({ "reason": " " }),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "REASON_REQUIRED"), "{r:?}");
    let r = reviewer
        .post(
            &format!("/api/staff/units/{id}/contact/reject"),
            json!({ "reason": "单位电话核实非本单位申请" }),
        )
        .await;
    assert_eq!(r.status, 204, "{r:?}");
    let detail = reviewer.get(&format!("/api/staff/registrations/{id}")).await;
    assert_eq!(detail.body["contact"]["mobile"], unit.mobile.as_str());
    assert!(detail.body["pending_contact"].is_null(), "{detail:?}");
    assert_eq!(
        app.sms_to(&new_mobile).await.len(),
        1,
        "only the code reached the newcomer"
    );
}
