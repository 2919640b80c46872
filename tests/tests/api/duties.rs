//! Duties belong to people: four different people review and confirm one application, for
//! good, returns included; money moves only at 终审; staff accounts are people with a lifecycle.
use e2e::{Browser, TestApp, mobile};
use serde_json::{Value, json};
use shared::records::account::Permission;

const COUNTY: &str = "411103";
const CITY: &str = "411100";
const OFFICE: &str = "HN";

async fn stored_application(app: &TestApp, id: &str) -> shared::records::application::Application {
    shared::records::application::load(&app.state, id)
        .await
        .expect("load")
        .expect("application")
}

async fn approve(staff: &Browser, id: &str, level: u8) -> e2e::Resp {
    staff
        .post(
            &format!("/api/staff/applications/{id}/approve"),
            json!({ "level": level }),
        )
        .await
}

#[tokio::test]
async fn whoever_acted_on_an_application_stays_barred_from_its_other_duties_after_a_return() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk(COUNTY).await;
    let id = app.submitted(&clerk, 2).await;
    // A holds 初审 and 复审 rights, as small agencies give them.
    let a = app
        .staff("a.both", CITY, vec![Permission::ReviewL1, Permission::ReviewL2])
        .await;
    let b = app.staff("b.l2", CITY, vec![Permission::ReviewL2]).await;
    let c = app.staff("c.l3", OFFICE, vec![Permission::ReviewL3]).await;
    let d = app.staff("d.l1", CITY, vec![Permission::ReviewL1]).await;

    assert_eq!(approve(&a, &id, 1).await.status, 200);
    assert_eq!(approve(&b, &id, 2).await.status, 200);
    let r = c
        .post(
            &format!("/api/staff/applications/{id}/return"),
            json!({ "level": 3, "reason": "缺少超龄证明" }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = clerk
        .browser
        .post(&format!("/api/applications/{id}/submit"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{r:?}");

    // The new submission: D does 初审; A, who did 初审 last time, may not do 复审 now.
    assert_eq!(approve(&d, &id, 1).await.status, 200);
    let r = approve(&a, &id, 2).await;
    assert_eq!((r.status, r.code()), (409, "REVIEWER_ALREADY_ACTED"), "{r:?}");
    assert!(r.body["message"].as_str().is_some_and(|m| m.contains("初审")), "{r:?}");
    // C returned at 终审: C holds that duty and may do it again, but no other.
    assert_eq!(approve(&b, &id, 2).await.status, 200);
    let stored = stored_application(&app, &id).await;
    assert_eq!(stored.l1_persons.len(), 2, "{:?}", stored.l1_persons);
    assert!(stored.l1_persons.contains(&"a.both".to_owned()));
    assert_eq!(stored.l3_persons, vec!["c.l3".to_owned()]);
    assert_eq!(approve(&c, &id, 3).await.status, 200);
}

#[tokio::test]
async fn the_final_reviewer_cannot_confirm_the_payment_and_a_zero_due_needs_a_reason() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk(COUNTY).await;
    let id = app.submitted(&clerk, 2).await;
    let l1 = app.staff("z.l1", CITY, vec![Permission::ReviewL1]).await;
    let l2 = app.staff("z.l2", CITY, vec![Permission::ReviewL2]).await;
    // One login holding 终审 and 财务: the rule is about the person, not the permission set.
    let both = app
        .staff("z.both", OFFICE, vec![Permission::ReviewL3, Permission::Finance])
        .await;
    assert_eq!(approve(&l1, &id, 1).await.status, 200);
    assert_eq!(approve(&l2, &id, 2).await.status, 200);
    let final_review = format!("/api/staff/applications/{id}/approve");

    // 补贴 covers the whole fee: refused without a reason, nothing written.
    let whole = json!({ "level": 3, "subsidy_fen": 16000, "gift_fen": 0 });
    let r = both.post(&final_review, whole.clone()).await;
    assert_eq!((r.status, r.code()), (422, "ZERO_DUE_REASON_REQUIRED"), "{r:?}");
    let stored = stored_application(&app, &id).await;
    assert_eq!((stored.subsidy_fen, stored.l3_persons.len()), (0, 0));
    let mut with_reason = whole;
    with_reason["zero_due_reason"] = json!("豫工发〔2025〕3号文件全额补贴");
    let r = both.post(&final_review, with_reason).await;
    assert_eq!((r.status, r.body["due_fen"].as_u64()), (200, Some(0)), "{r:?}");
    let started = std::time::Instant::now();
    while !app
        .sms_to(&clerk.mobile)
        .await
        .iter()
        .any(|m| m.contains("应缴会费0.00元"))
    {
        assert!(started.elapsed().as_secs() < 60, "no amount-due SMS of 0.00 元");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }

    // The unit submits the invoice of 0.00 元 (no entries).
    let r = clerk
        .browser
        .post(&format!("/api/applications/{id}/invoice/submit"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{r:?}");

    // The payment queue shows the 0.00 元 with its reason.
    let r = both.get("/api/staff/payments").await;
    assert_eq!(r.status, 200, "{r:?}");
    let row = r.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["application_id"] == id.as_str())
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(row["due_fen"], 0, "{row}");
    assert_eq!(row["zero_due_reason"], "豫工发〔2025〕3号文件全额补贴");

    // The person who did 终审 cannot confirm the money, whatever their permissions.
    let today = shared::platform::time::today_beijing().to_string();
    let payment = json!({ "received_on": today, "amount_fen": 0, "reference": "ZERO-DUE-1" });
    let confirm = format!("/api/staff/applications/{id}/payment");
    let r = both.post(&confirm, payment.clone()).await;
    assert_eq!((r.status, r.code()), (409, "DUTY_SEPARATION"), "{r:?}");
    assert!(r.body["message"].as_str().is_some_and(|m| m.contains("终审")), "{r:?}");
    let finance = app.staff("z.fin", OFFICE, vec![Permission::Finance]).await;
    let r = finance.post(&confirm, payment).await;
    assert_eq!(r.status, 201, "{r:?}");
    let stored = stored_application(&app, &id).await;
    assert_eq!(stored.finance_persons, vec!["z.fin".to_owned()]);
}

#[tokio::test]
async fn a_staff_account_is_one_person_whose_passwords_go_to_their_own_mobile() {
    let app = TestApp::spawn().await;
    let admin = app
        .staff(
            "root.admin",
            OFFICE,
            vec![Permission::Admin, Permission::RegistrationReview],
        )
        .await;
    let own = mobile();
    let form = |login: &str, mobile: &str, permissions: Value| {
        json!({ "login": login, "display_name": "李初审", "mobile": mobile,
                "agency_code": CITY, "permissions": permissions })
    };

    // The admin never sees the password: it goes to the person's mobile.
    let r = admin
        .post("/api/admin/staff", form("li.l1", &own, json!(["review_l1"])))
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    assert!(r.body.get("initial_password").is_none(), "{r:?}");
    assert_eq!(r.body["mobile"], format!("{}****{}", &own[..3], &own[7..]));
    let sms = app.wait_sms(&own, 1).await;
    let password = e2e::initial_password_from_sms(&sms[0]);
    let person = app.browser();
    let r = person
        .post("/api/auth/login", json!({ "login": "li.l1", "password": password }))
        .await;
    assert_eq!(r.status, 200, "{r:?}");

    // One person, one account in use; an admin is never a reviewer or finance.
    let r = admin
        .post("/api/admin/staff", form("li.again", &own, json!(["review_l2"])))
        .await;
    assert_eq!((r.status, r.field_code("mobile")), (409, Some("MOBILE_TAKEN")), "{r:?}");
    let r = admin
        .post(
            "/api/admin/staff",
            form("wang.adm", &mobile(), json!(["admin", "review_l3"])),
        )
        .await;
    assert_eq!(
        (r.status, r.field_code("permissions")),
        (422, Some("ADMIN_DUTIES_SEPARATE")),
        "{r:?}"
    );
    let r = admin
        .put(
            "/api/admin/staff/root.admin/permissions",
            json!({ "permissions": ["admin", "finance"] }),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "OWN_ACCOUNT"), "{r:?}");

    // A permission change ends the account's sessions at once.
    let r = person
        .post(
            "/api/auth/password",
            json!({ "current_password": password, "new_password": "Chushen2025x!" }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(person.get("/api/staff/reviews?level=1").await.status, 200);
    let r = admin
        .put(
            "/api/admin/staff/li.l1/permissions",
            json!({ "permissions": ["review_l2"] }),
        )
        .await;
    assert_eq!(
        (r.status, r.body["permissions"].clone()),
        (200, json!(["review_l2"])),
        "{r:?}"
    );
    assert_eq!(person.get("/api/staff/reviews?level=1").await.status, 401);

    // Disabled: no sign-in, and the mobile is free for a new account of the same person.
    let r = admin.post("/api/admin/staff/li.l1/disable", json!({})).await;
    assert_eq!((r.status, r.body["disabled"].clone()), (200, json!(true)), "{r:?}");
    let r = person
        .post(
            "/api/auth/login",
            json!({ "login": "li.l1", "password": "Chushen2025x!" }),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "ACCOUNT_DISABLED"), "{r:?}");
    let r = admin
        .post("/api/admin/staff", form("li.new", &own, json!(["review_l1"])))
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let r = admin.post("/api/admin/staff/li.l1/enable", json!({})).await;
    assert_eq!((r.status, r.field_code("mobile")), (409, Some("MOBILE_TAKEN")), "{r:?}");

    // A reset goes to the person's mobile too; the old password stops working.
    let r = admin.post("/api/admin/staff/li.new/password-reset", json!({})).await;
    assert_eq!(r.status, 200, "{r:?}");
    let sms = app.wait_sms(&own, 3).await;
    assert!(
        sms.iter().any(|m| m.contains("li.new") && m.contains("重置为")),
        "{sms:?}"
    );

    // Every admin action is on record: who, what, when.
    let r = admin.get("/api/admin/staff/li.l1/history").await;
    assert_eq!(r.status, 200, "{r:?}");
    let actions: Vec<&str> = r.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        vec!["staff_disabled", "staff_permissions_changed", "staff_created"],
        "newest first"
    );
    assert!(
        r.body["items"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|e| e["actor"] == "root.admin")
    );

    // Others cannot manage accounts; a stranger's login is not found.
    let r = person.get("/api/admin/staff").await;
    assert_eq!(r.status, 401);
    let r = admin.post("/api/admin/staff/nobody.here/disable", json!({})).await;
    assert_eq!((r.status, r.code()), (404, "NOT_FOUND"));
}
