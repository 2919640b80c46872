//! 银行对账: finance imports the bank's statement; each credit line is proposed the invoiced
//! application it pays (a 批次号 in the remark, or the payer as 抬头, and always the amount),
//! lines that fit none — or more than one — are shown unmatched with why, and confirming a
//! proposed line is 到账确认 itself: once, with the line's date, amount and bank reference.
use e2e::{Browser, Clerk, Resp, TestApp, resident_id};
use serde_json::{Value, json};
use shared::records::account::Permission;

async fn upload_statement(finance: &Browser, bytes: Vec<u8>, file_name: &str) -> Resp {
    let ticket = finance
        .post(
            "/api/staff/bank-statement-uploads",
            json!({ "content_type": "text/csv", "size": bytes.len() }),
        )
        .await;
    if ticket.status != 200 {
        return ticket;
    }
    let put = reqwest::Client::new()
        .put(ticket.body["url"].as_str().expect("url"))
        .header("content-type", "text/csv")
        .body(bytes)
        .send()
        .await
        .expect("PUT statement");
    assert!(put.status().is_success(), "PUT {}", put.status());
    finance
        .post(
            "/api/staff/bank-statements",
            json!({ "upload_id": ticket.body["upload_id"], "file_name": file_name }),
        )
        .await
}

async fn lines(finance: &Browser, id: &str, state: &str) -> Vec<Value> {
    let r = finance
        .get(&format!(
            "/api/staff/bank-statements/{id}/lines?state={state}&page_size=100"
        ))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    r.body["items"].as_array().cloned().unwrap_or_default()
}

fn line_nos(rows: &[Value]) -> Vec<u64> {
    rows.iter().filter_map(|r| r["line_no"].as_u64()).collect()
}

/// An invoiced application of `people` with its 应交保费 (fen) and its one 批次号.
async fn invoiced(app: &TestApp, clerk: &Clerk, people: &[(&str, String)]) -> (String, u64, String) {
    let id = app.invoiced_application(clerk, people).await;
    let due = clerk.browser.get(&format!("/api/applications/{id}/invoice")).await.body["fees"]["due_fen"]
        .as_u64()
        .expect("due");
    let entries = shared::records::invoice_entry::entries(&app.state, &id)
        .await
        .expect("entries");
    (id, due, entries[0].batch_no.clone())
}

fn yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

#[tokio::test]
async fn a_statement_proposes_what_each_line_pays_and_a_confirmed_line_is_paid_once() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    // Two applications of one person (the same due, the same 抬头) and one of two people.
    let (a, due, a_batch) = invoiced(&app, &clerk, &[("张伟", resident_id("19850315", 123))]).await;
    let (b, due_b, b_batch) = invoiced(&app, &clerk, &[("王芳", resident_id("19880101", 311))]).await;
    assert_eq!(due, due_b);
    let (c, due_c, _) = invoiced(
        &app,
        &clerk,
        &[
            ("李娜", resident_id("19900202", 222)),
            ("赵强", resident_id("19910303", 333)),
        ],
    )
    .await;
    assert_ne!(due_c, due);
    // One of three people, which will be paid through 到账确认 before its line is confirmed.
    let (d, due_d, _) = invoiced(
        &app,
        &clerk,
        &[
            ("周杰", resident_id("19920404", 444)),
            ("吴敏", resident_id("19930505", 555)),
            ("郑涛", resident_id("19940606", 666)),
        ],
    )
    .await;
    assert!(due_d != due && due_d != due_c);
    let today = shared::platform::time::today_beijing().to_string();
    let payer = "测试单位工会委员会";
    let csv = format!(
        "账号：41050100000000000001\n\
         交易日期,对方户名,借方金额,贷方金额,余额,摘要,交易流水号\n\
         {today},{payer},,{d},0,会费{a_batch},HX001\n\
         {today},{payer},,\"{dc}\",0,会费,HX002\n\
         {today},{payer},,{d},0,,HX003\n\
         {today},无关单位,,123.45,0,货款,HX004\n\
         {today},其他人,,{d},0,{a_batch},HX005\n\
         {today},{payer},,{d_more},0,{b_batch},HX006\n\
         {today},{payer},500.00,,0,手续费,HX007\n\
         {today},{payer},,{dd},0,会费,HX008\n\
         合计,,500.00,99999.00,,,\n",
        d = yuan(due),
        dc = yuan(due_c),
        d_more = yuan(due + 100),
        dd = yuan(due_d),
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&csv);
    let finance = app.staff("fin.statement", "411100", vec![Permission::Finance]).await;
    let r = upload_statement(&finance, gbk.into_owned(), "3月对账单.csv").await;
    assert_eq!(r.status, 201, "{r:?}");
    let id = r.body["statement_id"].as_str().expect("id").to_owned();
    assert_eq!(
        r.body["lines"], 7,
        "the debit and the total are not credit lines: {r:?}"
    );
    assert_eq!(r.body["proposed"], 3);
    assert_eq!(r.body["skipped_rows"], 1);
    assert_eq!(r.body["total_fen"], due * 4 + due_c + due_d + 12_345 + 100);

    // 建议匹配: the 批次号 line to A, the payer line to the only application of that amount.
    let proposed = lines(&finance, &id, "proposed").await;
    assert_eq!(line_nos(&proposed), vec![1, 2, 7]);
    assert_eq!(proposed[2]["proposal"]["application_id"], d.as_str());
    assert_eq!(proposed[2]["settled"], Value::Null);
    assert_eq!(proposed[0]["proposal"]["application_id"], a.as_str());
    assert_eq!(proposed[0]["proposal"]["basis"], "batch_no");
    assert_eq!(proposed[1]["proposal"]["application_id"], c.as_str());
    assert_eq!(proposed[1]["basis_label"], "付款人与开票抬头一致");
    // 未匹配, with why where something came close.
    let unmatched = lines(&finance, &id, "unmatched").await;
    assert_eq!(line_nos(&unmatched), vec![3, 4, 5, 6]);
    let note = |n: usize| unmatched[n]["note"].as_str().unwrap_or_default().to_owned();
    assert!(note(0).contains("有2份"), "A and B both fit by payer: {}", note(0));
    assert_eq!(unmatched[1]["note"], Value::Null);
    assert!(note(2).contains("与第1条"), "A is line 1's: {}", note(2));
    assert!(note(3).contains("金额") && note(3).contains(&b_batch), "{}", note(3));

    // 确认 line 1: A is paid with the line's date, amount and the bank's number.
    let r = finance
        .post(&format!("/api/staff/bank-statements/{id}/lines/1/confirm"), json!({}))
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let certificate = r.body["certificate_number"].as_str().expect("number").to_owned();
    assert_eq!(r.body["reference"], "HX001");
    assert_eq!(r.body["amount_fen"], due);
    let stored = shared::records::application::load(&app.state, &a)
        .await
        .expect("load")
        .expect("application");
    assert_eq!(stored.status.as_str(), "paid");
    assert_eq!(stored.certificate_number.as_deref(), Some(certificate.as_str()));
    let again = finance
        .post(&format!("/api/staff/bank-statements/{id}/lines/1/confirm"), json!({}))
        .await;
    assert_eq!(again.status, 200, "the same certificate: {again:?}");
    assert_eq!(again.body["certificate_number"], certificate.as_str());

    // Two clicks on line 2 at once issue one certificate.
    let path = format!("/api/staff/bank-statements/{id}/lines/2/confirm");
    let (first, second) = tokio::join!(finance.post(&path, json!({})), finance.post(&path, json!({})));
    let mut statuses = [first.status, second.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 201], "{first:?} {second:?}");
    assert_eq!(first.body["certificate_number"], second.body["certificate_number"]);
    let confirmed = lines(&finance, &id, "confirmed").await;
    assert_eq!(line_nos(&confirmed), vec![1, 2]);
    assert_eq!(confirmed[0]["certificate_number"], certificate.as_str());
    assert_eq!(confirmed[0]["confirmed_by"], "fin.statement");
    let r = finance.get(&format!("/api/staff/bank-statements/{id}")).await;
    assert_eq!(
        (r.body["confirmed"].as_u64(), r.body["proposed"].as_u64()),
        (Some(2), Some(3))
    );

    // D paid through 到账确认 meanwhile: its line says so and is not confirmed again.
    let r = finance
        .post(
            &format!("/api/staff/applications/{d}/payment"),
            json!({ "received_on": today, "amount_fen": due_d, "reference": "HX-BY-HAND" }),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let proposed = lines(&finance, &id, "proposed").await;
    assert_eq!(line_nos(&proposed), vec![7]);
    let settled = proposed[0]["settled"].as_str().unwrap_or_default();
    assert!(settled.contains("已在到账确认中办理"), "{settled}");
    let r = finance
        .post(&format!("/api/staff/bank-statements/{id}/lines/7/confirm"), json!({}))
        .await;
    assert_eq!((r.status, r.code()), (409, "ALREADY_PAID"), "{r:?}");

    // An unmatched line is not confirmed from here; B still waits in 到账确认.
    let r = finance
        .post(&format!("/api/staff/bank-statements/{id}/lines/3/confirm"), json!({}))
        .await;
    assert_eq!((r.status, r.code()), (409, "LINE_NOT_PROPOSED"), "{r:?}");
    assert!(r.body["message"].as_str().is_some_and(|m| !m.is_ascii()));
    let waiting = finance.get("/api/staff/payments?page_size=100").await;
    let waiting: Vec<&str> = waiting.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["application_id"].as_str())
        .collect();
    assert_eq!(waiting, vec![b.as_str()]);

    // The statement is the importer's agency's: listed there, 404 elsewhere, 403 without the duty.
    let listed = finance.get("/api/staff/bank-statements").await;
    assert_eq!(listed.body["items"][0]["statement_id"], id.as_str());
    assert_eq!(listed.body["items"][0]["file_name"], "3月对账单.csv");
    let kaifeng = app.staff("fin.kaifeng", "410200", vec![Permission::Finance]).await;
    let r = kaifeng.get(&format!("/api/staff/bank-statements/{id}/lines")).await;
    assert_eq!(r.status, 404, "{r:?}");
    let r = kaifeng
        .post(&format!("/api/staff/bank-statements/{id}/lines/4/confirm"), json!({}))
        .await;
    assert_eq!(r.status, 404, "{r:?}");
    let reviewer = app.staff("rev.statement", "411100", vec![Permission::ReviewL1]).await;
    let r = reviewer.get(&format!("/api/staff/bank-statements/{id}")).await;
    assert_eq!(r.status, 403, "{r:?}");
}

#[tokio::test]
async fn a_statement_that_cannot_be_read_is_refused_in_chinese_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let finance = app.staff("fin.badfile", "411100", vec![Permission::Finance]).await;
    for (bytes, code) in [
        (b"%PDF-1.7\x00\x01\x02".to_vec(), "STATEMENT_FORMAT"),
        ("姓名,电话\n张三,123\n".as_bytes().to_vec(), "STATEMENT_COLUMNS"),
        (
            "交易日期,对方户名,贷方金额\n2026-03-05,甲,\n".as_bytes().to_vec(),
            "STATEMENT_EMPTY",
        ),
    ] {
        let r = upload_statement(&finance, bytes, "对账单.csv").await;
        assert_eq!((r.status, r.code()), (422, code), "{r:?}");
        assert!(r.body["message"].as_str().is_some_and(|m| !m.is_ascii()), "{r:?}");
    }
    let r = finance
        .post(
            "/api/staff/bank-statements",
            json!({ "upload_id": "not-an-upload", "file_name": "对账单.csv" }),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "UPLOAD_MISSING"), "{r:?}");
    let r = finance
        .post(
            "/api/staff/bank-statement-uploads",
            json!({ "content_type": "text/csv", "size": 6 * 1024 * 1024 }),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "FILE_TOO_LARGE"), "{r:?}");
    let listed = finance.get("/api/staff/bank-statements").await;
    assert_eq!(listed.body["items"], json!([]), "nothing stored: {listed:?}");
    let r = finance.get("/api/staff/bank-statements/not-a-statement").await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn the_recount_gives_entries_written_before_the_payer_index_their_keys() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    let (id, _, _) = invoiced(&app, &clerk, &[("张伟", resident_id("19850315", 123))]).await;
    let entry = shared::records::invoice_entry::entries(&app.state, &id)
        .await
        .expect("entries")
        .remove(0);
    let paid_by = |state: shared::AppState, title: String| async move {
        shared::records::invoice_entry::applications_paid_by(&state, &title, 10)
            .await
            .expect("payer index")
    };
    assert_eq!(paid_by(app.state.clone(), entry.title.clone()).await, vec![id.clone()]);
    // As stored before the index existed.
    app.state
        .db
        .update_item()
        .table_name(&*app.state.table)
        .set_key(Some(shared::records::invoice_entry::entry_key(&id, &entry.entry_id)))
        .update_expression("REMOVE gsi5pk, gsi5sk")
        .send()
        .await
        .expect("remove index keys");
    assert!(paid_by(app.state.clone(), entry.title.clone()).await.is_empty());
    shared::steps::dashboard::recount(&app.state).await.expect("recount");
    assert_eq!(paid_by(app.state.clone(), entry.title.clone()).await, vec![id]);
}
