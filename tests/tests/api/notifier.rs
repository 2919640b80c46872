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
    shared::platform::outbox::drain(&app.state, &app.mailer)
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
    let report = shared::platform::outbox::drain(&down, &app.mailer)
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
        shared::platform::outbox::drain(&app.state, &app.mailer),
        shared::platform::outbox::drain(&app.state, &app.mailer)
    );
    assert_eq!(first.expect("drain").sent + second.expect("drain").sent, 1);
    assert_eq!(
        shared::platform::outbox::drain(&app.state, &app.mailer)
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
