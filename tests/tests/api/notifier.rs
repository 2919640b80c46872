use e2e::{TestApp, UnitFixture};
use serde_json::json;
use shared::platform::metrics::captured;
use shared::records::account::Permission;

/// SNS down during approval: the account SMS stays in the outbox and arrives exactly once
/// after SNS recovers.
#[tokio::test]
async fn an_sms_that_fails_to_send_is_retried_and_arrives_once() {
    let app = TestApp::spawn_without_notifier().await;
    let unit = UnitFixture::new("411103");
    let browser = app.browser();
    browser
        .post(
            "/api/sms-codes",
            json!({ "mobile": unit.mobile, "purpose": "register" }),
        )
        .await;
    shared::platform::outbox::drain(&app.state, &app.senders)
        .await
        .expect("drain");
    let code = app.latest_code(&unit.mobile, 1).await;
    let a = app.upload(&browser, e2e::jpeg(100), "image/jpeg").await;
    let b = app.upload(&browser, e2e::png(100), "image/png").await;
    assert_eq!(
        browser
            .post("/api/registrations", unit.form(&a, &b, &code))
            .await
            .status,
        201
    );
    let reviewer = app.staff("rev.sns", "HN", vec![Permission::RegistrationReview]).await;
    let id = reviewer.get("/api/staff/registrations").await.body["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(
        reviewer
            .post(&format!("/api/staff/registrations/{id}/approve"), json!({}))
            .await
            .status,
        200
    );

    // SNS unreachable: nothing sent, the entry stays pending with one failed attempt.
    let broken_sns = aws_sdk_sns::Client::from_conf(
        aws_sdk_sns::config::Builder::from(&aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await)
            .endpoint_url("http://127.0.0.1:9")
            .build(),
    );
    let down = shared::AppState {
        sns: broken_sns,
        ..app.state.clone()
    };
    let report = shared::platform::outbox::drain(&down, &app.senders)
        .await
        .expect("drain");
    assert_eq!((report.sent, report.failed), (0, 1));
    assert_eq!(app.sms_to(&unit.mobile).await.len(), 1);
    // What operators see: the code sent, the account SMS failed, none retried yet; the
    // oldest waiting notice is the account SMS, queued moments ago.
    let counted = |metric: &str| captured::values(metric, Some("sms")).iter().fold(0.0, |sum, v| sum + v);
    assert_eq!(
        (
            counted("NoticesSent"),
            counted("NoticesFailed"),
            counted("NoticesRetried")
        ),
        (1.0, 1.0, 0.0)
    );
    let waiting = shared::platform::outbox::oldest_pending_seconds(&app.state)
        .await
        .expect("oldest");
    assert!((0..30).contains(&waiting), "{waiting}");
    let outbox = app
        .state
        .db
        .get_item()
        .table_name(&*app.state.table)
        .key("pk", shared::platform::db::s(format!("OUTBOX#account:{id}")))
        .key("sk", shared::platform::db::s("OUTBOX"))
        .send()
        .await
        .expect("get")
        .item
        .expect("outbox entry");
    assert_eq!(outbox["status"].as_s().expect("status"), "pending");
    assert_eq!(outbox["attempts"].as_n().expect("attempts"), "1");

    // Recovered: after the backoff it is sent, once; further passes send nothing.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let (first, second) = tokio::join!(
        shared::platform::outbox::drain(&app.state, &app.senders),
        shared::platform::outbox::drain(&app.state, &app.senders)
    );
    assert_eq!(first.expect("drain").sent + second.expect("drain").sent, 1);
    assert_eq!(
        shared::platform::outbox::drain(&app.state, &app.senders)
            .await
            .expect("drain")
            .sent,
        0
    );
    let sms = app.sms_to(&unit.mobile).await;
    assert_eq!(sms.len(), 2, "{sms:?}");
    assert!(sms[1].contains("账号为"));
    assert_eq!((counted("NoticesFailed"), counted("NoticesRetried")), (1.0, 1.0));
    assert_eq!(
        (
            captured::values("Registrations", None),
            captured::values("Approvals", Some("registration"))
        ),
        (vec![1.0], vec![1.0])
    );

    // Once sent, the stored text no longer holds the password.
    let outbox = app
        .state
        .db
        .get_item()
        .table_name(&*app.state.table)
        .key("pk", shared::platform::db::s(format!("OUTBOX#account:{id}")))
        .key("sk", shared::platform::db::s("OUTBOX"))
        .send()
        .await
        .expect("get")
        .item
        .expect("outbox entry");
    assert_eq!(outbox["status"].as_s().expect("status"), "sent");
    assert!(outbox["body"].as_s().expect("body").contains("密码为******"));
}

/// Where SNS sends no SMS (the China regions): the same outbox goes out through 腾讯云短信,
/// as the template registered for each text filled with the item's parameters, signed as
/// Tencent checks; a refused signature leaves the SMS waiting, and it goes out once.
#[tokio::test]
async fn sms_go_out_through_tencent_as_templates_with_their_parameters() {
    use devstack::tencent_sms::TencentStandIn;
    use shared::platform::outbox::{Senders, SmsRoute, drain};
    use shared::platform::sms::SmsKind;
    use shared::platform::tencent_sms::{Credentials, Settings, TencentSms};

    let app = TestApp::spawn_without_notifier().await;
    let credentials = || Credentials {
        secret_id: "AKIDstandin".into(),
        secret_key: "standin-key".into(),
    };
    let stand_in = TencentStandIn::start(credentials()).await.expect("stand-in");
    let through_tencent = |secret_key: &str| {
        let settings = Settings {
            endpoint: stand_in.endpoint.clone(),
            region: "ap-guangzhou".into(),
            app_id: "1400000001".into(),
            sign_name: "中国职工保险互助会".into(),
            templates: SmsKind::ALL
                .iter()
                .enumerate()
                .map(|(i, kind)| (kind.as_str().to_owned(), format!("{}", 200_001 + i)))
                .collect(),
            credentials: Credentials {
                secret_key: secret_key.into(),
                ..credentials()
            },
        };
        Senders {
            sms: SmsRoute::Tencent(std::sync::Arc::new(TencentSms::new(settings).expect("settings"))),
            ..app.senders.clone()
        }
    };

    let unit = UnitFixture::new("411103");
    let browser = app.browser();
    let asked = browser
        .post(
            "/api/sms-codes",
            json!({ "mobile": unit.mobile, "purpose": "register" }),
        )
        .await;
    assert!(asked.status < 300, "{asked:?}");
    let outbox_item = || async {
        let page = app
            .state
            .db
            .scan()
            .table_name(&*app.state.table)
            .filter_expression("begins_with(pk, :outbox)")
            .expression_attribute_values(":outbox", shared::platform::db::s("OUTBOX#"))
            .send()
            .await
            .expect("scan");
        let items = page.items().to_vec();
        assert_eq!(items.len(), 1, "{items:?}");
        items[0].clone()
    };

    // A key Tencent does not know: refused, nothing sent, the SMS waits with one attempt.
    let report = drain(&app.state, &through_tencent("wrong-key")).await.expect("drain");
    assert_eq!((report.sent, report.failed), (0, 1));
    assert!(stand_in.accepted().is_empty());
    let item = outbox_item().await;
    assert_eq!(item["status"].as_s().expect("status"), "pending");
    assert_eq!(item["attempts"].as_n().expect("attempts"), "1");

    // The right key, after the back-off: sent once, by template and parameters.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let senders = through_tencent("standin-key");
    let (first, second) = tokio::join!(drain(&app.state, &senders), drain(&app.state, &senders));
    assert_eq!(first.expect("drain").sent + second.expect("drain").sent, 1);
    let accepted = stand_in.accepted();
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    let sent = &accepted[0];
    assert_eq!(sent["PhoneNumberSet"], json!([format!("+86{}", unit.mobile)]));
    assert_eq!(sent["SmsSdkAppId"], "1400000001");
    assert_eq!(sent["SignName"], "中国职工保险互助会");
    assert_eq!(sent["TemplateId"], "200001", "the code template");
    let code = sent["TemplateParamSet"][0].as_str().expect("code").to_owned();
    assert_eq!(sent["TemplateParamSet"].as_array().map(Vec::len), Some(1));
    assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()), "{code}");
    // Nothing went through SNS.
    assert!(app.sms_to(&unit.mobile).await.is_empty());

    // Sent: the code is gone from the stored item, parameters included.
    let item = outbox_item().await;
    assert_eq!(item["status"].as_s().expect("status"), "sent");
    assert!(!item.contains_key("sms_params"), "{item:?}");
    let body = item["body"].as_s().expect("body");
    assert!(!body.contains(&code) && body.contains("******"), "{body}");
    // And the code works: the text the unit read is the template filled with it.
    let form_code = code.clone();
    let a = app.upload(&browser, e2e::jpeg(100), "image/jpeg").await;
    let b = app.upload(&browser, e2e::png(100), "image/png").await;
    let registered = browser.post("/api/registrations", unit.form(&a, &b, &form_code)).await;
    assert_eq!(registered.status, 201, "{registered:?}");
}
