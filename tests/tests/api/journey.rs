//! The whole loop of issue 4 as a unit and the agency live it, over HTTP: register → approve →
//! sign in → import → submit → 初审 → 复审 returns it → fix and resubmit → 初审, 复审, 终审 →
//! invoice under two titles → 到账确认 → print the certificate twice.
use e2e::{TestApp, member_workbook, pdf_text, resident_id};
use serde_json::json;
use shared::records::account::Permission;

const NAMES: [&str; 3] = ["李明", "王芳", "赵建国"];

#[tokio::test]
async fn a_unit_goes_from_registration_to_a_printed_certificate() {
    let app = TestApp::spawn().await;

    // Register, approval with the account SMS, first sign-in with the forced password change.
    let e2e::Clerk {
        browser: clerk,
        unit_id,
        mobile,
        ..
    } = app.clerk("411103").await;

    // ① two shares of 住院医疗 (80.00 元 a share), ② three members, ③ counts, 完成.
    let r = clerk
        .post(
            "/api/applications",
            json!({ "activity_code": "ZYYL", "sub_category_code": "ZYYL-01", "shares": 2 }),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let id = r.body["id"].as_str().expect("id").to_owned();
    let ids: Vec<String> = (0..3).map(|i| resident_id("19800101", 200 + i)).collect();
    let seqs = ["1", "2", "3"];
    let rows: Vec<[&str; 9]> = (0..3)
        .map(|i| {
            [
                seqs[i],
                NAMES[i],
                "居民身份证",
                ids[i].as_str(),
                "",
                "",
                "",
                "一般职业",
                "",
            ]
        })
        .collect();
    let r = app
        .import(&clerk, &id, member_workbook(&rows), "参保人信息模板-通用.xlsx")
        .await;
    assert_eq!((r.status, r.body["success"].as_u64()), (201, Some(3)), "{r:?}");
    let edit = json!({ "employees": 10, "female_employees": 4, "remarks": "" });
    assert_eq!(clerk.put(&format!("/api/applications/{id}"), edit).await.status, 200);
    let submit = format!("/api/applications/{id}/submit");
    assert_eq!(clerk.post(&submit, json!({})).await.status, 200);

    // 初审 passes, 复审 returns it with a reason the unit reads in an SMS.
    let l1 = app.staff("journey.l1", "411100", vec![Permission::ReviewL1]).await;
    let l2 = app.staff("journey.l2", "411100", vec![Permission::ReviewL2]).await;
    let l3 = app.staff("journey.l3", "HN", vec![Permission::ReviewL3]).await;
    let approve = format!("/api/staff/applications/{id}/approve");
    assert_eq!(l1.post(&approve, json!({ "level": 1 })).await.status, 200);
    let reason = "在职职工人数与工资表不符";
    let r = l2
        .post(
            &format!("/api/staff/applications/{id}/return"),
            json!({ "level": 2, "reason": reason }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let sms = app.wait_sms(&mobile, 3).await;
    assert_eq!(
        sms[2],
        format!("【中国职工保险互助会】您好！贵单位提交的参保申请被退回，原因：{reason}。请登录单位端修改后重新提交。")
    );
    let detail = clerk.get(&format!("/api/applications/{id}")).await;
    assert_eq!(detail.body["status"], "draft", "{detail:?}");

    // The unit corrects the count and resubmits; three levels pass; the amount-due SMS.
    let edit = json!({ "employees": 12, "female_employees": 4, "remarks": "已按工资表核对" });
    assert_eq!(clerk.put(&format!("/api/applications/{id}"), edit).await.status, 200);
    assert_eq!(clerk.post(&submit, json!({})).await.status, 200);
    assert_eq!(l1.post(&approve, json!({ "level": 1 })).await.status, 200);
    assert_eq!(l2.post(&approve, json!({ "level": 2 })).await.status, 200);
    let r = l3.post(&approve, json!({ "level": 3 })).await;
    assert_eq!((r.status, r.body["due_fen"].as_u64()), (200, Some(48_000)), "{r:?}");
    let sms = app.wait_sms(&mobile, 4).await;
    assert_eq!(
        sms[3],
        "【中国职工保险互助会】您好！贵单位办理的入会业务已经通过审核，应缴会费480.00元，如信息无误请及时登录单位端填写费用信息，并根据流程提示完成缴费流程。"
    );

    // 开票录入 under two titles: 2 people paid by the union, 1 by the administration.
    let invoice = format!("/api/applications/{id}/invoice");
    let entry = |source: &str, title: &str, count: u64| {
        json!({
            "source": source, "title": title, "tax_id": "91410100MA44ABCD1X",
            "payer_email": "caiwu@example.cn",
            "items": [{ "activity_code": "ZYYL", "occupation": "一般职业", "count": count,
                        "unit_price_fen": 16_000, "amount_fen": count * 16_000 }],
        })
    };
    let r = clerk
        .post(
            &format!("{invoice}/entries"),
            entry("工会经费", "测试单位工会委员会", 2),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let r = clerk
        .post(&format!("{invoice}/entries"), entry("行政经费", "测试单位", 2))
        .await;
    assert_eq!((r.status, r.code()), (422, "INVOICE_EXCEEDS_REMAINING"), "{r:?}");
    let r = clerk
        .post(&format!("{invoice}/entries"), entry("行政经费", "测试单位", 1))
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let view = clerk.get(&invoice).await;
    assert_eq!(view.body["remaining_fen"].as_u64(), Some(0), "{view:?}");
    assert_eq!(clerk.post(&format!("{invoice}/submit"), json!({})).await.status, 200);

    // 到账确认: a wrong amount is refused; the right one issues the certificate and the SMS.
    let finance = app.staff("journey.fin", "HN", vec![Permission::Finance]).await;
    let today = shared::platform::time::today_beijing();
    let payment = format!("/api/staff/applications/{id}/payment");
    let pay =
        |amount: u64| json!({ "received_on": today.to_string(), "amount_fen": amount, "reference": "HX20261129001" });
    let r = finance.post(&payment, pay(47_999)).await;
    assert_eq!((r.status, r.code()), (422, "AMOUNT_MISMATCH"), "{r:?}");
    let r = finance.post(&payment, pay(48_000)).await;
    assert_eq!(r.status, 201, "{r:?}");
    let number = r.body["certificate_number"].as_str().expect("number").to_owned();
    assert!(
        number.starts_with(&format!("G1600{}", today.format("%Y%m%d"))),
        "{number}"
    );
    assert_eq!(r.body["policy_date"], today.to_string());
    let sms = app.wait_sms(&mobile, 5).await;
    assert_eq!(
        sms[4],
        "【中国职工保险互助会】您好！贵单位办理的入会业务需要在单位业务端下载打印\"确认书\"，并签字盖章后邮寄回所属地经办机构，保障活动正式生效，欢迎您们成为中国职工保险互助会会员！"
    );
    let stored = shared::records::application::load(&app.state, &id)
        .await
        .expect("load")
        .expect("application");
    assert_eq!(stored.status, shared::records::application::ApplicationStatus::Paid);
    assert_eq!(stored.fee().expect("fee").value(), 48_000);
    assert_eq!(stored.unit_id, unit_id);

    // 确认书打印 twice: the count goes to 2 and the PDF says what the manual's does.
    let list = clerk.get("/api/certificates").await;
    assert_eq!(list.body["items"][0]["number"], number.as_str(), "{list:?}");
    assert_eq!(list.body["items"][0]["fee_fen"].as_u64(), Some(48_000));
    let print = format!("/api/certificates/{number}/print");
    assert_eq!(clerk.post(&print, json!({})).await.body["print_count"], 1);
    let r = clerk.post(&print, json!({})).await;
    assert_eq!((r.status, r.body["print_count"].as_u64()), (200, Some(2)), "{r:?}");
    assert_eq!(r.body["status"], "printed");
    let url = r.body["url"].as_str().expect("url");
    let pdf = reqwest::get(url).await.expect("GET pdf").bytes().await.expect("pdf");
    let text = pdf_text(&pdf).await;
    for expected in [
        "参加职工互助保障活动确认书",
        number.as_str(),
        "漯河市郾城区应急管理局",
        "肆佰捌拾元整",
        "¥480.00",
        // The certificate, then the 会员名单 on its own page.
        "第 1 页 / 共 2 页",
        "第 2 页 / 共 2 页",
        "会员名单",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    for name in NAMES {
        assert!(text.contains(name), "{name} missing from the 会员名单");
    }

    // Another unit cannot print it.
    let other = app.clerk("410202").await;
    let r = other.browser.post(&print, json!({})).await;
    assert_eq!(r.status, 404, "{r:?}");
}
