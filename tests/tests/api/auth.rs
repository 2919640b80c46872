use aws_sdk_dynamodb::types::AttributeValue;
use e2e::TestApp;
use serde_json::json;
use shared::records::account::Permission;

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_for_fifteen_minutes() {
    let app = TestApp::spawn().await;
    shared::steps::admin::insert(
        &app.state,
        "zhang.san",
        "张三",
        "411100",
        vec![Permission::ReviewL1],
        "Right0ne",
        false,
    )
    .await
    .expect("staff");
    let b = app.browser();
    for _ in 0..5 {
        let r = b
            .post("/api/auth/login", json!({ "login": "zhang.san", "password": "wrong" }))
            .await;
        assert_eq!((r.status, r.code()), (401, "LOGIN_FAILED"));
    }
    let r = b
        .post(
            "/api/auth/login",
            json!({ "login": "zhang.san", "password": "Right0ne" }),
        )
        .await;
    assert_eq!((r.status, r.code()), (423, "ACCOUNT_LOCKED"), "{r:?}");
    assert!(r.body["message"].as_str().expect("msg").contains("15分钟"));
    // Unknown accounts answer like wrong passwords.
    let r = b
        .post("/api/auth/login", json!({ "login": "nobody", "password": "x" }))
        .await;
    assert_eq!((r.status, r.code()), (401, "LOGIN_FAILED"));
}

#[tokio::test]
async fn logout_and_password_change_end_sessions() {
    let app = TestApp::spawn().await;
    let first = app.staff("li.si", "HN", vec![Permission::Admin]).await;
    let second = app.browser();
    second
        .post("/api/auth/login", json!({ "login": "li.si", "password": "Passw0rd!" }))
        .await;
    assert_eq!(second.get("/api/auth/me").await.status, 200);

    // The cookie is HttpOnly, Secure and SameSite=Strict.
    let raw = reqwest::Client::new()
        .post(format!("{}/api/auth/login", app.base))
        .json(&json!({ "login": "li.si", "password": "Passw0rd!" }))
        .send()
        .await
        .expect("login");
    let cookie = raw.headers()["set-cookie"].to_str().expect("cookie").to_owned();
    for part in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(part), "{cookie}");
    }

    let r = first.post("/api/auth/logout", json!({})).await;
    assert_eq!(r.status, 204);
    assert_eq!(first.get("/api/auth/me").await.status, 401);
    // A replayed token after logout is dead too.
    assert_eq!(second.get("/api/auth/me").await.status, 200);
    let r = second
        .post(
            "/api/auth/password",
            json!({ "current_password": "wrong", "new_password": "Newpass2025@hn" }),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "CURRENT_PASSWORD_WRONG"));
    let stale = e2e::Browser::with_cookie(&app.base, second.session_cookie());
    let r = second
        .post(
            "/api/auth/password",
            json!({ "current_password": "Passw0rd!", "new_password": "Newpass2025@hn" }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(stale.get("/api/auth/me").await.status, 401);
    assert_eq!(second.get("/api/auth/me").await.status, 200);
}

#[tokio::test]
async fn an_admin_creates_staff_who_must_change_the_password_first() {
    let app = TestApp::spawn().await;
    let admin = app.staff("luohe.admin", "411100", vec![Permission::Admin]).await;
    let own = e2e::mobile();
    let r = admin
        .post("/api/admin/staff", json!({ "login": "wang.wu", "display_name": "王五", "mobile": own, "agency_code": "411103", "permissions": ["review_l1"] }))
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    // The initial password goes to the person's own mobile, not to the admin.
    assert!(r.body.get("initial_password").is_none(), "{r:?}");
    let sms = app.wait_sms(&own, 1).await;
    let password = e2e::initial_password_from_sms(&sms[0]);

    let r = admin
        .post("/api/admin/staff", json!({ "login": "wang.wu", "display_name": "王五", "mobile": e2e::mobile(), "agency_code": "411103", "permissions": ["review_l1"] }))
        .await;
    assert_eq!((r.status, r.code()), (409, "LOGIN_TAKEN"));
    let r = admin
        .post(
            "/api/admin/staff",
            json!({ "login": "Bad Login", "display_name": "", "agency_code": "410200", "permissions": [] }),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.field_code("login"), Some("LOGIN_FORMAT"));
    assert_eq!(r.field_code("agency_code"), Some("AGENCY_OUT_OF_SCOPE"));
    assert_eq!(r.field_code("permissions"), Some("REQUIRED"));

    let list = admin.get("/api/admin/staff").await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(2), "{list:?}");
    let first = admin.get("/api/admin/staff?page_size=1").await;
    let next = first.body["next"].as_str().expect("a second page");
    let second = admin.get(&format!("/api/admin/staff?page_size=1&cursor={next}")).await;
    assert_eq!(
        (second.body["offset"].as_u64(), second.body["next"].as_str()),
        (Some(1), None),
        "{second:?}"
    );
    assert_ne!(first.body["items"][0]["login"], second.body["items"][0]["login"]);
    let logins: Vec<&str> = list.body["items"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["login"].as_str())
        .collect();
    assert!(
        logins.contains(&"wang.wu") && logins.contains(&"luohe.admin"),
        "{logins:?}"
    );

    let staff = app.browser();
    let r = staff
        .post("/api/auth/login", json!({ "login": "WANG.WU", "password": password }))
        .await;
    assert_eq!(r.body["must_change_password"], true, "{r:?}");
    let r = staff.get("/api/admin/staff").await;
    assert_eq!(r.code(), "PASSWORD_CHANGE_REQUIRED");
    let r = staff
        .post(
            "/api/auth/password",
            json!({ "current_password": password, "new_password": "Wangwu2025@hn" }),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = staff.get("/api/admin/staff").await;
    assert_eq!((r.status, r.code()), (403, "PERMISSION_DENIED"));
}

#[tokio::test]
async fn forty_parallel_guesses_from_one_machine_get_five_evaluated_and_tell_nothing_about_the_account() {
    let app = TestApp::spawn().await;
    shared::steps::admin::insert(
        &app.state,
        "zhao.liu",
        "赵六",
        "411100",
        vec![Permission::ReviewL1],
        "Right0neRight0ne",
        false,
    )
    .await
    .expect("staff");
    let prober = "203.0.113.50";
    for login in ["zhao.liu", "nobody.here"] {
        let handles: Vec<_> = (0..40)
            .map(|n| {
                let browser = e2e::Browser::at_address(&app.base, prober);
                tokio::spawn(async move {
                    browser
                        .post(
                            "/api/auth/login",
                            json!({ "login": login, "password": format!("guess-{n}") }),
                        )
                        .await
                })
            })
            .collect();
        let mut answers = Vec::new();
        for handle in handles {
            answers.push(handle.await.expect("guess"));
        }
        let evaluated = answers.iter().filter(|r| r.status == 401).count();
        let locked = answers.iter().filter(|r| r.status == 423).count();
        assert_eq!((evaluated, locked), (5, 35), "{login}: {answers:?}");
        assert!(
            answers
                .iter()
                .all(|r| r.code() == "LOGIN_FAILED" || r.code() == "ACCOUNT_LOCKED")
        );
        let locked_message = answers
            .iter()
            .find(|r| r.status == 423)
            .and_then(|r| r.body["message"].as_str())
            .unwrap_or_default()
            .to_owned();
        assert!(locked_message.contains("0371-67882633"), "{locked_message}");
    }
    // Even the right password waits out the lock on that machine…
    let r = e2e::Browser::at_address(&app.base, prober)
        .post(
            "/api/auth/login",
            json!({ "login": "zhao.liu", "password": "Right0neRight0ne" }),
        )
        .await;
    assert_eq!((r.status, r.code()), (423, "ACCOUNT_LOCKED"));
    // …but the prober has not locked the holder out of their own.
    let r = app
        .browser()
        .post(
            "/api/auth/login",
            json!({ "login": "zhao.liu", "password": "Right0neRight0ne" }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
}

#[tokio::test]
async fn guesses_from_many_machines_lock_an_account_and_its_holder_unlocks_it_by_sms() {
    let app = TestApp::spawn().await;
    let unit = e2e::UnitFixture::new("411103");
    let (_, login, password) = app.approved_unit(&unit).await;
    // Four guesses from each of ten machines, all at once: twenty are evaluated, then the
    // account is locked from everywhere.
    let handles: Vec<_> = (0..40)
        .map(|n| {
            let browser = e2e::Browser::at_address(&app.base, &format!("198.51.100.{}", n % 10 + 1));
            let login = login.clone();
            tokio::spawn(async move {
                browser
                    .post(
                        "/api/auth/login",
                        json!({ "login": login, "password": format!("guess-{n}") }),
                    )
                    .await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for handle in handles {
        answers.push(handle.await.expect("guess"));
    }
    let evaluated = answers.iter().filter(|r| r.status == 401).count();
    assert_eq!(evaluated, 20, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|r| r.code() == "LOGIN_FAILED" || r.code() == "ACCOUNT_LOCKED")
    );
    let holder = app.browser();
    let r = holder
        .post("/api/auth/login", json!({ "login": login, "password": password }))
        .await;
    assert_eq!((r.status, r.code()), (423, "ACCOUNT_LOCKED"), "{r:?}");
    assert!(r.body["message"].as_str().expect("msg").contains("短信解锁"), "{r:?}");

    // 短信解锁: the code goes to the contact's mobile on record, never to the caller.
    let before = app.sms_to(&unit.mobile).await.len();
    let r = holder.post("/api/auth/unlock-codes", json!({ "login": login })).await;
    assert_eq!(r.status, 200, "{r:?}");
    let code = app.latest_code(&unit.mobile, before + 1).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = holder
        .post("/api/auth/unlock", json!({ "login": login, "code": wrong }))
        .await;
    assert_eq!((r.status, r.code()), (422, "CODE_WRONG"), "{r:?}");
    let r = holder
        .post("/api/auth/unlock", json!({ "login": login, "code": code }))
        .await;
    assert_eq!(r.status, 204, "{r:?}");
    let r = holder
        .post("/api/auth/login", json!({ "login": login, "password": password }))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    // A code is used once.
    let r = holder
        .post("/api/auth/unlock", json!({ "login": login, "code": code }))
        .await;
    assert_eq!(r.status, 422, "{r:?}");

    // An unknown login answers the same and sends nothing.
    let sent_before = app.sms_to(&unit.mobile).await.len();
    let r = holder
        .post("/api/auth/unlock-codes", json!({ "login": "nobody.here" }))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = holder
        .post("/api/auth/unlock", json!({ "login": "nobody.here", "code": "123456" }))
        .await;
    assert_eq!((r.status, r.code()), (422, "CODE_WRONG"), "{r:?}");
    assert_eq!(app.sms_to(&unit.mobile).await.len(), sent_before);
}

#[tokio::test]
async fn one_machine_guessing_many_accounts_is_stopped_after_fifty_wrong_guesses_an_hour() {
    let app = TestApp::spawn().await;
    let stuffer = e2e::Browser::at_address(&app.base, "192.0.2.77");
    for n in 0..50 {
        let r = stuffer
            .post(
                "/api/auth/login",
                json!({ "login": format!("user{}", n / 4), "password": "Passw0rd!" }),
            )
            .await;
        assert_eq!((r.status, r.code()), (401, "LOGIN_FAILED"), "guess {n}: {r:?}");
    }
    let r = stuffer
        .post(
            "/api/auth/login",
            json!({ "login": "someone.else", "password": "Passw0rd!" }),
        )
        .await;
    assert_eq!((r.status, r.code()), (429, "LOGIN_SOURCE_LIMIT"), "{r:?}");
    assert!(r.body["message"].as_str().expect("msg").contains("一小时后再试"));
    // Other machines sign in as usual.
    let r = app
        .browser()
        .post(
            "/api/auth/login",
            json!({ "login": "someone.else", "password": "Passw0rd!" }),
        )
        .await;
    assert_eq!((r.status, r.code()), (401, "LOGIN_FAILED"));
}

#[tokio::test]
async fn a_wrong_password_says_how_many_tries_are_left_and_a_weak_new_password_is_refused() {
    let app = TestApp::spawn().await;
    let staff = app.staff("sun.qi", "HN", vec![Permission::ReviewL1]).await;
    let b = app.browser();
    for left in [4, 3] {
        let r = b
            .post("/api/auth/login", json!({ "login": "sun.qi", "password": "nope" }))
            .await;
        assert_eq!(r.body["message"], format!("账号或密码错误，还可尝试{left}次"), "{r:?}");
    }
    // The right password starts the count again.
    let r = b
        .post("/api/auth/login", json!({ "login": "sun.qi", "password": "Passw0rd!" }))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = b
        .post("/api/auth/login", json!({ "login": "sun.qi", "password": "nope" }))
        .await;
    assert_eq!(r.body["message"], "账号或密码错误，还可尝试4次", "{r:?}");

    for (new, code) in [
        ("Short1", "PASSWORD_WEAK"),
        ("Password2025!", "PASSWORD_COMMON"),
        ("Sun.Qi-2025-abc", "PASSWORD_CONTAINS_LOGIN"),
    ] {
        let r = staff
            .post(
                "/api/auth/password",
                json!({ "current_password": "Passw0rd!", "new_password": new }),
            )
            .await;
        assert_eq!((r.status, r.code()), (422, code), "{new}: {r:?}");
    }
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_sms_code_and_every_session_ends() {
    let app = TestApp::spawn().await;
    let unit = e2e::UnitFixture::new("411103");
    let (_, login, password) = app.approved_unit(&unit).await;
    let (signed_in, elsewhere) = (app.browser(), app.browser());
    for browser in [&signed_in, &elsewhere] {
        let r = browser
            .post("/api/auth/login", json!({ "login": login, "password": password }))
            .await;
        assert_eq!(r.status, 200, "{r:?}");
    }

    let forgetful = app.browser();
    let before = app.sms_to(&unit.mobile).await.len();
    let r = forgetful
        .post("/api/auth/password-reset-codes", json!({ "login": login }))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let code = app.latest_code(&unit.mobile, before + 1).await;
    let reset = |code: &str, new: &str| json!({ "login": login, "code": code, "new_password": new });
    // A weak password is refused before the code is tried, so it costs no attempt.
    let r = forgetful.post("/api/auth/password-reset", reset(&code, "Short1")).await;
    assert_eq!((r.status, r.code()), (422, "PASSWORD_WEAK"), "{r:?}");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = forgetful
        .post("/api/auth/password-reset", reset(wrong, "Henan-Mutual-88"))
        .await;
    assert_eq!((r.status, r.code()), (422, "CODE_WRONG"), "{r:?}");
    assert_eq!(r.body["message"], "验证码不正确，还可尝试4次", "{r:?}");
    let r = forgetful
        .post("/api/auth/password-reset", reset(&code, "Henan-Mutual-88"))
        .await;
    assert_eq!(r.status, 204, "{r:?}");
    // Every session of the account has ended; the old password no longer opens it.
    for browser in [&signed_in, &elsewhere] {
        let r = browser.get("/api/auth/me").await;
        assert_eq!(r.status, 401, "{r:?}");
    }
    let r = forgetful
        .post("/api/auth/login", json!({ "login": login, "password": password }))
        .await;
    assert_eq!((r.status, r.code()), (401, "LOGIN_FAILED"), "{r:?}");
    let r = forgetful
        .post(
            "/api/auth/login",
            json!({ "login": login, "password": "Henan-Mutual-88" }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["must_change_password"], false, "{r:?}");
    // The code is spent.
    let r = app
        .browser()
        .post("/api/auth/password-reset", reset(&code, "Another-Pass-99"))
        .await;
    assert_eq!((r.status, r.code()), (422, "CODE_NOT_SENT"), "{r:?}");
    // The reset is in the account's trail.
    let trail = app
        .state
        .db
        .query()
        .table_name(&*app.state.table)
        .key_condition_expression("pk = :p AND begins_with(sk, :t)")
        .expression_attribute_values(":p", AttributeValue::S(format!("ACCOUNT#{login}")))
        .expression_attribute_values(":t", AttributeValue::S("TRAIL#".into()))
        .send()
        .await
        .expect("trail");
    assert!(
        trail
            .items()
            .iter()
            .any(|i| i.get("action").and_then(|v| v.as_s().ok()).map(String::as_str) == Some("password_reset_by_sms")),
        "{trail:?}"
    );

    // An unknown login answers the same, sends nothing and resets nothing.
    let sent_before = app.sms_to(&unit.mobile).await.len();
    let r = forgetful
        .post("/api/auth/password-reset-codes", json!({ "login": "nobody.here" }))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = forgetful
        .post(
            "/api/auth/password-reset",
            json!({ "login": "nobody.here", "code": "123456", "new_password": "Henan-Mutual-88" }),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "CODE_WRONG"), "{r:?}");
    assert_eq!(app.sms_to(&unit.mobile).await.len(), sent_before);
}
