//! 缴费说明 and 收款账户: after 终审 the unit is told where to transfer, how much, which 批次号
//! to write in the remark and by when; finance sees the entries to match the transfer.
use e2e::{TestApp, resident_id};
use serde_json::json;
use shared::records::account::Permission;

#[tokio::test]
async fn after_the_final_review_the_unit_is_told_how_to_pay_and_finance_sees_the_entries() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    let id = app
        .submitted_with(&clerk, &[("张伟", resident_id("19850315", 123))])
        .await;
    app.approve(&clerk, &id).await;
    let invoice = format!("/api/applications/{id}/invoice");

    // Approved, no account configured yet: the amount and deadline, no payee, no batch yet.
    let r = clerk.browser.get(&invoice).await;
    assert_eq!(r.status, 200, "{r:?}");
    let payment = &r.body["payment"];
    assert_eq!(payment["amount_due_fen"], 8_000, "{r:?}");
    assert!(payment["payee"].is_null(), "{r:?}");
    assert_eq!(payment["batch_numbers"], json!([]));
    let deadline = shared::records::payment_account::deadline(shared::platform::time::today_beijing());
    assert_eq!(payment["deadline"], deadline.to_string());

    // The province admin sets the account; bad fields are named, a city admin may not.
    let admin = app.staff("hn.admin.payee", "HN", vec![Permission::Admin]).await;
    let r = admin
        .put(
            "/api/admin/payment-account",
            json!({ "account_name": "", "bank": "工商银行郑州分行", "account_number": "6222-0000" }),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "INVALID_FIELDS"), "{r:?}");
    assert_eq!(r.field_code("account_name"), Some("REQUIRED"));
    assert_eq!(r.field_code("account_number"), Some("ACCOUNT_NUMBER_INVALID"));
    let city = app.staff("ly.admin.payee", "411100", vec![Permission::Admin]).await;
    let account = json!({
        "account_name": "中国职工保险互助会河南省办事处",
        "bank": "中国工商银行郑州市花园路支行",
        "account_number": "1702 0200 0900 0123 456",
    });
    let r = city.put("/api/admin/payment-account", account.clone()).await;
    assert_eq!((r.status, r.code()), (403, "PAYMENT_ACCOUNT_ROOT_ONLY"), "{r:?}");
    let r = admin.put("/api/admin/payment-account", account).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["account_number"], "1702020009000123456");

    app.invoice(&clerk, &id).await;
    let r = clerk.browser.get(&invoice).await;
    let payment = &r.body["payment"];
    assert_eq!(
        (
            payment["payee"]["account_name"].as_str(),
            payment["payee"]["bank"].as_str(),
            payment["payee"]["account_number"].as_str()
        ),
        (
            Some("中国职工保险互助会河南省办事处"),
            Some("中国工商银行郑州市花园路支行"),
            Some("1702020009000123456")
        ),
        "{r:?}"
    );
    assert!(
        payment["payee"].get("updated_by").is_none(),
        "no staff login shown to units"
    );
    let batch = r.body["entries"][0]["batch_no"].as_str().expect("batch").to_owned();
    assert_eq!(payment["batch_numbers"], json!([batch]));

    // Finance of the subtree reads the entries to match the transfer; others may not.
    let entries = format!("/api/staff/applications/{id}/invoice-entries");
    let finance = app.staff("fin.paying", "HN", vec![Permission::Finance]).await;
    let r = finance.get(&entries).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        (
            r.body[0]["batch_no"].as_str(),
            r.body[0]["title"].as_str(),
            r.body[0]["amount_fen"].as_u64()
        ),
        (Some(batch.as_str()), Some("测试单位工会委员会"), Some(8_000)),
        "{r:?}"
    );
    let elsewhere = app.staff("fin.kf.paying", "410200", vec![Permission::Finance]).await;
    assert_eq!(elsewhere.get(&entries).await.status, 404);
    let reviewer = app.staff("l1.paying", "HN", vec![Permission::ReviewL1]).await;
    assert_eq!(reviewer.get(&entries).await.status, 403);

    // Once paid there is nothing more to pay.
    let r = finance
        .post(
            &format!("/api/staff/applications/{id}/payment"),
            json!({ "received_on": shared::platform::time::today_beijing().to_string(),
                    "amount_fen": 8_000, "reference": "HX2025022500017" }),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    assert!(clerk.browser.get(&invoice).await.body["payment"].is_null());
}
