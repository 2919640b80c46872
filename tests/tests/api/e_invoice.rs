//! 电子发票: after 到账确认 finance files each invoice entry's PDF (one by one, or many at once
//! named by 批次号); the system mails it to the entry's 交款人邮箱 through SES once per file and
//! per deliberate 重新发送, and the unit downloads it.
use e2e::{Browser, Clerk, Resp, TestApp, invoice_entry, pdf, png, resident_id};
use serde_json::{Value, json};
use shared::records::account::Permission;

/// A paid application of `clerk` with two members and one invoice entry each, each entry with
/// its own 交款人邮箱; returns (application id, [(batch number, e-mail, entry id)]).
async fn paid_with_two_entries(app: &TestApp, clerk: &Clerk) -> (String, Vec<(String, String, String)>) {
    let id = app
        .submitted_with(
            clerk,
            &[
                ("张伟", resident_id("19850315", 123)),
                ("李娜", resident_id("19900101", 245)),
            ],
        )
        .await;
    app.approve(clerk, &id).await;
    let base = format!("/api/applications/{id}/invoice");
    let mut entries = Vec::new();
    for title in ["测试单位工会委员会", "测试单位"] {
        let email = format!("fp{}@example.cn", uuid::Uuid::new_v4().simple());
        let r = clerk
            .browser
            .post(&format!("{base}/entries"), invoice_entry(title, &email, 1, 8_000))
            .await;
        assert_eq!(r.status, 201, "{r:?}");
        entries.push((
            r.body["batch_no"].as_str().expect("batch").to_owned(),
            email,
            r.body["entry_id"].as_str().expect("entry").to_owned(),
        ));
    }
    let r = clerk.browser.post(&format!("{base}/submit"), json!({})).await;
    assert_eq!(r.status, 200, "{r:?}");
    (id, entries)
}

async fn pay(finance: &Browser, id: &str) {
    let today = shared::platform::time::today_beijing().to_string();
    let r = finance
        .post(
            &format!("/api/staff/applications/{id}/payment"),
            json!({ "received_on": today, "amount_fen": 16_000, "reference": "HX2026120600031" }),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
}

async fn tickets(finance: &Browser, files: Value) -> Resp {
    finance
        .post("/api/staff/e-invoice-uploads", json!({ "files": files }))
        .await
}

fn pdf_file(name: &str, size: usize) -> Value {
    json!({ "file_name": name, "size": size, "content_type": "application/pdf" })
}

async fn put_bytes(ticket: &Value, bytes: Vec<u8>) {
    let put = reqwest::Client::new()
        .put(ticket["url"].as_str().expect("url"))
        .header("content-type", "application/pdf")
        .body(bytes)
        .send()
        .await
        .expect("PUT invoice");
    assert!(put.status().is_success(), "PUT {}", put.status());
}

async fn file(finance: &Browser, batch: &str, upload_id: &Value, replaces: Option<u32>) -> Resp {
    finance
        .put(
            &format!("/api/staff/e-invoices/{batch}"),
            json!({ "upload_id": upload_id, "replaces_version": replaces }),
        )
        .await
}

async fn listed(finance: &Browser, status: &str) -> Vec<String> {
    let r = finance.get(&format!("/api/staff/e-invoices?status={status}")).await;
    assert_eq!(r.status, 200, "{r:?}");
    r.body["items"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|row| row["batch_no"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A distinct small PDF per call.
fn invoice_pdf(tag: &str) -> Vec<u8> {
    let mut bytes = pdf(2_000);
    bytes.extend_from_slice(tag.as_bytes());
    bytes
}

async fn stored_invoices(app: &TestApp, id: &str) -> usize {
    app.state
        .s3
        .list_objects_v2()
        .bucket(&*app.state.bucket)
        .prefix(format!("e-invoices/{id}/"))
        .send()
        .await
        .expect("list")
        .key_count()
        .unwrap_or(0) as usize
}

#[tokio::test]
async fn finance_files_invoices_by_batch_number_and_each_payer_gets_its_own_once() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411104").await;
    let (id, entries) = paid_with_two_entries(&app, &clerk).await;
    let [(batch_a, mail_a, entry_a), (batch_b, mail_b, _)] = [entries[0].clone(), entries[1].clone()];
    let finance = app.staff("fin.einv", "HN", vec![Permission::Finance]).await;

    // Before 到账确认 there is nothing to invoice.
    let early = tickets(&finance, json!([pdf_file(&format!("{batch_a}.pdf"), 2_010)])).await;
    assert_eq!(early.status, 200, "{early:?}");
    assert_eq!(early.body["files"][0]["refusal"]["code"], "NOT_PAID", "{early:?}");
    assert!(early.body["files"][0]["ticket"].is_null());

    pay(&finance, &id).await;
    let pending = listed(&finance, "pending").await;
    assert!(pending.contains(&batch_a) && pending.contains(&batch_b), "{pending:?}");

    // Many at once: the batch number is read from each name; a file without one, or naming a
    // batch twice, is refused on its own while the others go.
    let a_bytes = invoice_pdf("A");
    let b_bytes = invoice_pdf("B");
    let r = tickets(
        &finance,
        json!([
            pdf_file(&format!("{batch_a}.pdf"), a_bytes.len()),
            pdf_file(&format!("发票_{}(1).PDF", batch_b.to_lowercase()), b_bytes.len()),
            pdf_file("发票.pdf", 100),
            pdf_file(&format!("副本-{batch_a}.pdf"), 100),
        ]),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    let files = r.body["files"].as_array().expect("files").clone();
    assert_eq!(files[0]["batch_no"], batch_a.as_str());
    assert_eq!(files[1]["batch_no"], batch_b.as_str());
    assert_eq!(files[1]["entry"]["title"], "测试单位");
    assert_eq!(files[2]["refusal"]["code"], "BATCH_NO_MISSING");
    assert_eq!(files[3]["refusal"]["code"], "BATCH_NO_REPEATED");
    let masked = files[0]["entry"]["payer_email"].as_str().expect("masked");
    assert!(
        masked.starts_with("fp***@") && !masked.contains(&mail_a[2..10]),
        "{masked}"
    );

    put_bytes(&files[0]["ticket"], a_bytes.clone()).await;
    put_bytes(&files[1]["ticket"], b_bytes.clone()).await;
    for (batch, f) in [(&batch_a, &files[0]), (&batch_b, &files[1])] {
        let r = file(&finance, batch, &f["ticket"]["upload_id"], None).await;
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.body["status"], "sent");
        assert_eq!(r.body["e_invoice"]["version"], 1);
        assert_eq!(r.body["e_invoice"]["mails"], 1);
    }
    assert_eq!(stored_invoices(&app, &id).await, 2);

    // Each payer gets its own invoice, with the text and the very PDF.
    let got = app.wait_mail(&mail_a, 1).await;
    let mail = &got[0];
    assert_eq!(mail.from, devstack::LOCAL_MAIL_FROM);
    assert_eq!(
        mail.subject,
        format!("【中国职工保险互助会】电子发票（批次号{batch_a}）")
    );
    let number = clerk.browser.get(&format!("/api/applications/{id}")).await.body["number"]
        .as_str()
        .expect("number")
        .to_owned();
    assert!(
        mail.text.contains(&format!("已确认收到贵单位申请书{number}的会费")),
        "{}",
        mail.text
    );
    assert!(mail.text.contains("发票抬头：测试单位工会委员会"), "{}", mail.text);
    assert!(mail.text.contains("开票金额：80.00元"), "{}", mail.text);
    assert_eq!(mail.attachments.len(), 1);
    assert_eq!(mail.attachments[0].name, format!("{batch_a}.pdf"));
    assert_eq!(mail.attachments[0].content_type, "application/pdf");
    assert_eq!(mail.attachments[0].bytes, a_bytes);
    let got_b = app.wait_mail(&mail_b, 1).await;
    assert_eq!(got_b[0].attachments[0].bytes, b_bytes);

    let sent = listed(&finance, "sent").await;
    assert!(sent.contains(&batch_a) && sent.contains(&batch_b), "{sent:?}");
    assert!(!listed(&finance, "pending").await.contains(&batch_a));

    // The unit sees and downloads its invoices on the invoice page.
    let view = clerk.browser.get(&format!("/api/applications/{id}/invoice")).await;
    assert_eq!(view.status, 200, "{view:?}");
    assert_eq!(view.body["entries"][0]["e_invoice"]["version"], 1, "{view:?}");
    let link = clerk
        .browser
        .get(&format!("/api/applications/{id}/invoice/entries/{entry_a}/e-invoice"))
        .await;
    assert_eq!(link.status, 200, "{link:?}");
    let download = reqwest::get(link.body["url"].as_str().expect("url"))
        .await
        .expect("GET");
    assert!(download.status().is_success());
    let disposition = download
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(disposition.contains(&batch_a), "{disposition}");
    assert_eq!(download.bytes().await.expect("bytes").to_vec(), a_bytes);

    // 重新发送 as listed sends once more; the same click again is refused, not sent twice.
    let resend_path = format!("/api/staff/e-invoices/{batch_a}/resend");
    let resend = |mails: u32| finance.post(&resend_path, json!({ "version": 1, "mails": mails }));
    let r = resend(1).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["e_invoice"]["mails"], 2);
    let r = resend(1).await;
    assert_eq!((r.status, r.code()), (409, "E_INVOICE_CHANGED"), "{r:?}");
    assert_eq!(app.wait_mail(&mail_a, 2).await.len(), 2);

    // Uploading the folder again does not send again; a correction must say so.
    let again = tickets(&finance, json!([pdf_file(&format!("{batch_a}.pdf"), 100)])).await;
    assert_eq!(
        again.body["files"][0]["refusal"]["code"], "E_INVOICE_EXISTS",
        "{again:?}"
    );
    let corrected = invoice_pdf("A-corrected");
    let r = tickets(
        &finance,
        json!([{ "file_name": "更正.pdf", "size": corrected.len(), "content_type": "application/pdf",
                 "batch_no": batch_a, "replace": true }]),
    )
    .await;
    let ticket = r.body["files"][0]["ticket"].clone();
    assert!(ticket.is_object(), "{r:?}");
    put_bytes(&ticket, corrected.clone()).await;
    let stale = file(&finance, &batch_a, &ticket["upload_id"], None).await;
    assert_eq!((stale.status, stale.code()), (409, "E_INVOICE_CHANGED"), "{stale:?}");
    let r = file(&finance, &batch_a, &ticket["upload_id"], Some(1)).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["e_invoice"]["version"], 2);
    let all = app.wait_mail(&mail_a, 3).await;
    assert_eq!(all[2].attachments[0].bytes, corrected);
    assert_eq!(app.mail_to(&mail_b).await.len(), 1);

    // Each step is in the application's trail.
    let trail = finance
        .get(&format!("/api/staff/applications/{id}/trail?page_size=100"))
        .await;
    let actions: Vec<&str> = trail.body["items"]
        .as_array()
        .map(|rows| rows.iter().filter_map(|r| r["action"].as_str()).collect())
        .unwrap_or_default();
    for action in ["e_invoice_uploaded", "e_invoice_resent"] {
        assert!(actions.contains(&action), "{action} not in {actions:?}");
    }
}

#[tokio::test]
async fn bad_invoice_files_and_strangers_are_refused_and_nothing_is_sent() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411104").await;
    let (id, entries) = paid_with_two_entries(&app, &clerk).await;
    let (batch, email, entry_id) = entries[0].clone();
    let finance = app.staff("fin.einv.bad", "HN", vec![Permission::Finance]).await;
    pay(&finance, &id).await;

    let r = tickets(&finance, json!([])).await;
    assert_eq!((r.status, r.code()), (422, "NO_FILES"), "{r:?}");
    let r = tickets(
        &finance,
        json!([
            pdf_file(&format!("{batch}.pdf"), 6 * 1024 * 1024),
            { "file_name": format!("{}.docx", entries[1].0), "size": 100, "content_type": "application/msword" },
            pdf_file("S209901011000000001.pdf", 100),
        ]),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    let codes: Vec<&str> = r.body["files"]
        .as_array()
        .map(|f| f.iter().filter_map(|x| x["refusal"]["code"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(codes, ["FILE_TOO_LARGE", "FILE_TYPE", "BATCH_NOT_FOUND"], "{r:?}");

    // A PNG named .pdf is found out by its bytes; nothing is filed or mailed.
    let fake = png(3_000);
    let r = tickets(&finance, json!([pdf_file(&format!("{batch}.pdf"), fake.len())])).await;
    let ticket = r.body["files"][0]["ticket"].clone();
    put_bytes(&ticket, fake).await;
    let r = file(&finance, &batch, &ticket["upload_id"], None).await;
    assert_eq!((r.status, r.code()), (422, "FILE_TYPE"), "{r:?}");
    assert!(r.body["message"].as_str().unwrap_or_default().contains("PDF"), "{r:?}");
    let r = file(&finance, &batch, &json!("not-an-upload"), None).await;
    assert_eq!((r.status, r.code()), (422, "UPLOAD_MISSING"), "{r:?}");
    assert_eq!(stored_invoices(&app, &id).await, 0);
    assert!(listed(&finance, "pending").await.contains(&batch));

    // Finance of another subtree does not see the entry; a reviewer may not file; another unit
    // cannot open the invoice.
    let elsewhere = app.staff("fin.einv.kf", "410200", vec![Permission::Finance]).await;
    let r = tickets(&elsewhere, json!([pdf_file(&format!("{batch}.pdf"), 100)])).await;
    assert_eq!(r.body["files"][0]["refusal"]["code"], "BATCH_NOT_FOUND", "{r:?}");
    assert!(!listed(&elsewhere, "pending").await.contains(&batch));
    let r = file(&elsewhere, &batch, &json!(uuid::Uuid::new_v4().to_string()), None).await;
    assert_eq!(r.status, 404, "{r:?}");
    let reviewer = app.staff("l1.einv", "HN", vec![Permission::ReviewL1]).await;
    let r = tickets(&reviewer, json!([pdf_file(&format!("{batch}.pdf"), 100)])).await;
    assert_eq!(r.status, 403, "{r:?}");
    let r = reviewer.get("/api/staff/e-invoices").await;
    assert_eq!(r.status, 403, "{r:?}");
    let other = app.clerk("411104").await;
    let r = other
        .browser
        .get(&format!("/api/applications/{id}/invoice/entries/{entry_id}/e-invoice"))
        .await;
    assert_eq!(r.status, 404, "{r:?}");
    // The unit's own, before finance files it: 404 with a reason.
    let r = clerk
        .browser
        .get(&format!("/api/applications/{id}/invoice/entries/{entry_id}/e-invoice"))
        .await;
    assert_eq!((r.status, r.code()), (404, "E_INVOICE_MISSING"), "{r:?}");

    // Two finance staff filing the same upload at once: one files it, one mail goes.
    let second = app.staff("fin.einv.2", "HN", vec![Permission::Finance]).await;
    let bytes = invoice_pdf("once");
    let r = tickets(&finance, json!([pdf_file(&format!("{batch}.pdf"), bytes.len())])).await;
    let ticket = r.body["files"][0]["ticket"].clone();
    put_bytes(&ticket, bytes).await;
    let (one, two) = tokio::join!(
        file(&finance, &batch, &ticket["upload_id"], None),
        file(&second, &batch, &ticket["upload_id"], None)
    );
    let mut statuses = [one.status, two.status];
    statuses.sort_unstable();
    assert_eq!(statuses[0], 200, "{one:?} {two:?}");
    assert!([409, 422].contains(&statuses[1]), "{one:?} {two:?}");
    app.wait_mail(&email, 1).await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(app.mail_to(&email).await.len(), 1);
    assert_eq!(stored_invoices(&app, &id).await, 1);
}
