use calamine::{Data, Reader, Xlsx};
use e2e::{Resp, TestApp, member_workbook, resident_id};
use serde_json::json;
use shared::platform::metrics::captured;

async fn application(app: &TestApp, id: &str) -> shared::records::application::Application {
    shared::records::application::load(&app.state, id)
        .await
        .expect("load")
        .expect("exists")
}

/// The application's five latest trail entries, newest first.
async fn latest_trail(app: &TestApp, id: &str) -> Vec<shared::records::trail::TrailEntry> {
    shared::records::trail::page(
        &app.state,
        &shared::records::application::app_pk(id),
        &shared::platform::cursor::PageAt::first(5),
    )
    .await
    .expect("trail")
    .items
}

/// Rows of an xlsx as strings (first sheet).
fn rows_of(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).expect("sheet");
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn good_rows_become_members_and_failed_rows_are_fixed_and_reimported_alone() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    let id = app.draft(&clerk, 1).await;
    let good1 = resident_id("19850315", 123);
    let good2 = resident_id("19900101", 222);
    let with_x = resident_id("19880808", 5); // may end in X; typed lowercase below if so
    let bad_checksum = {
        let mut s = resident_id("19850315", 124);
        let last = s.pop().expect("char");
        s.push(if last == '1' { '2' } else { '1' });
        s
    };
    let file = member_workbook(&[
        ["1", "张三", "居民身份证", &good1, "", "", "13812345678", "一般职业", ""],
        [
            "2",
            "李四",
            "",
            &format!(" {} ", good2.replace('1', "１")),
            "",
            "",
            "",
            "高危职业",
            "",
        ],
        ["3", "王五", "居民身份证", &bad_checksum, "", "", "", "", ""],
        ["", "", "", "", "", "", "", "", ""],
        [
            "5",
            "赵六",
            "居民身份证",
            &resident_id("19850230", 123),
            "",
            "",
            "",
            "",
            "",
        ],
        ["6", "", "居民身份证", &with_x.to_lowercase(), "", "", "", "", ""],
        ["7", "钱七", "居民身份证", &good1, "", "", "", "", ""],
    ]);
    let r = app.import(&clerk.browser, &id, file, "第一批.xlsx").await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(
        (
            r.body["total"].as_u64(),
            r.body["success"].as_u64(),
            r.body["failed"].as_u64()
        ),
        (Some(6), Some(2), Some(4)),
        "{r:?}"
    );
    // The same counts for operators, as metric lines in the worker's log.
    assert_eq!(
        (
            captured::values("ImportRowsAccepted", None),
            captured::values("ImportRowsFailed", None)
        ),
        (vec![2.0], vec![4.0])
    );
    let stored = application(&app, &id).await;
    assert_eq!(
        (stored.named_count, stored.high_risk_count, stored.batch_seq),
        (2, 1, 1)
    );
    assert_eq!(stored.fee().expect("fee").value(), 2 * 8000);

    // The failed rows, with reasons a clerk can act on, in a file with a 失败原因 column.
    let link = clerk
        .browser
        .get(&format!("/api/applications/{id}/imports/1/failed-rows"))
        .await;
    assert_eq!(link.status, 200, "{link:?}");
    let url = link.body["url"].as_str().expect("url");
    assert!(url.contains("X-Amz-Signature="));
    // Saved under its Chinese name, whatever the object's key.
    let fetched = reqwest::get(url).await.expect("GET failed rows");
    let disposition = fetched
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        disposition.starts_with("attachment") && disposition.contains("%E5%A4%B1%E8%B4%A5"),
        "{disposition}"
    );
    // The file holds whole IDs: who fetched it, and when, is on record.
    let trail = clerk.browser.get(&format!("/api/applications/{id}/trail")).await;
    let fetched: Vec<&serde_json::Value> = trail.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["action"] == "failed_rows_downloaded")
        .collect();
    assert_eq!(fetched.len(), 1, "{trail:?}");
    assert_eq!(fetched[0]["role"], "unit");
    // Lists show age, never the birth date beside a masked ID.
    let members = clerk.browser.get(&format!("/api/applications/{id}/members")).await;
    let first = &members.body["items"][0];
    assert!(first.get("birth_date").is_none() && first["age"].is_u64(), "{first}");
    let failed = reqwest::get(url).await.expect("get").bytes().await.expect("bytes");
    let rows = rows_of(&failed);
    let header = &rows[0];
    let reason_col = header.iter().position(|h| h == "失败原因").expect("失败原因 column");
    let reasons: Vec<&str> = rows[1..].iter().map(|r| r[reason_col].as_str()).collect();
    assert_eq!(reasons.len(), 4, "{rows:?}");
    assert!(reasons[0].contains("校验位"), "{reasons:?}");
    assert!(reasons[1].contains("19850230"), "{reasons:?}");
    assert!(reasons[2].contains("姓名"), "{reasons:?}");
    assert!(
        reasons[3].contains("第2行") || reasons[3].contains("重复"),
        "{reasons:?}"
    );

    // Fix two of them and re-import only those: earlier members are untouched.
    let fixed = member_workbook(&[
        [
            "3",
            "王五",
            "居民身份证",
            &resident_id("19850315", 124),
            "",
            "",
            "",
            "",
            "",
        ],
        ["6", "孙八", "居民身份证", &with_x, "", "", "", "", ""],
    ]);
    let r = app.import(&clerk.browser, &id, fixed, "失败人员名单.xlsx").await;
    assert_eq!(
        (r.status, r.body["success"].as_u64(), r.body["failed"].as_u64()),
        (201, Some(2), Some(0)),
        "{r:?}"
    );
    assert_eq!(application(&app, &id).await.named_count, 4);

    // The same person again, in a later file: refused with the earlier batch and row.
    let again = member_workbook(&[["1", "张三", "居民身份证", &good1, "", "", "", "", ""]]);
    let r = app.import(&clerk.browser, &id, again, "again.xlsx").await;
    assert_eq!(r.body["failed"].as_u64(), Some(1), "{r:?}");
    let batches = clerk.browser.get(&format!("/api/applications/{id}/imports")).await;
    assert_eq!(batches.body["items"].as_array().map(Vec::len), Some(3));
    assert_eq!(batches.body["items"][0]["file_name"], "again.xlsx");
    // A page at a time, the latest first.
    let first = clerk
        .browser
        .get(&format!("/api/applications/{id}/imports?page_size=2"))
        .await;
    assert_eq!(first.body["items"][1]["batch_no"], 2, "{first:?}");
    let last = clerk
        .browser
        .get(&format!(
            "/api/applications/{id}/imports?page_size=2&cursor={}",
            first.body["next"].as_str().expect("a next page")
        ))
        .await;
    assert_eq!(last.body["items"].as_array().map(Vec::len), Some(1), "{last:?}");
    assert_eq!(
        (last.body["items"][0]["batch_no"].as_u64(), last.body["offset"].as_u64()),
        (Some(1), Some(2))
    );
    assert!(last.body["next"].is_null(), "{last:?}");

    // Members list: masked IDs and phones; edit and remove.
    let list = clerk
        .browser
        .get(&format!("/api/applications/{id}/members?page_size=10"))
        .await;
    let names = |r: &Resp| -> Vec<String> {
        r.body["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| m["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(
        (list.body["total"].as_u64(), names(&list), list.body["next"].is_null()),
        (
            Some(4),
            vec!["张*".to_owned(), "李*".into(), "王*".into(), "孙*".into()],
            true
        ),
        "import order, one page, no next: {list:?}"
    );
    // 上一页/下一页: the cursor of one page starts the next, numbered on from its offset.
    let page1 = clerk
        .browser
        .get(&format!("/api/applications/{id}/members?page_size=3"))
        .await;
    let next = page1.body["next"].as_str().expect("a next page").to_owned();
    let page2 = clerk
        .browser
        .get(&format!("/api/applications/{id}/members?page_size=3&cursor={next}"))
        .await;
    assert_eq!(
        (
            names(&page1).len(),
            names(&page2),
            page2.body["offset"].as_u64(),
            page2.body["page_size"].as_u64(),
            page2.body["total"].as_u64(),
            page2.body["next"].is_null()
        ),
        (3, vec!["孙*".to_owned()], Some(3), Some(3), Some(4), true),
        "{page2:?}"
    );
    for cursor in [
        "bm9wZQ",
        "%E2%9C%93",
        &"A".repeat(1100),
        "eyJzIjo5LCJvIjowLCJrIjpbImEiLCJiIiwiYyJdfQ",
    ] {
        let r = clerk
            .browser
            .get(&format!("/api/applications/{id}/members?cursor={cursor}"))
            .await;
        assert_eq!((r.status, r.code()), (422, "CURSOR_INVALID"), "{cursor}: {r:?}");
        assert!(
            r.body["message"].as_str().unwrap_or_default().contains("第一页"),
            "{r:?}"
        );
    }
    // 按姓名或证件号码查询: a name's beginning, or a whole ID (typed lowercase, with spaces).
    let by_name = clerk.browser.get(&format!("/api/applications/{id}/members?q=王")).await;
    assert_eq!(
        (names(&by_name), by_name.body["total"].is_null()),
        (vec!["王*".to_owned()], true),
        "{by_name:?}"
    );
    let typed = format!("{} {}", &with_x[..6], with_x[6..].to_lowercase());
    let by_id = clerk
        .browser
        .get(&format!("/api/applications/{id}/members?q={typed}"))
        .await;
    assert_eq!(
        (names(&by_id), by_id.body["total"].as_u64()),
        (vec!["孙*".to_owned()], Some(1)),
        "{by_id:?}"
    );
    let nobody = clerk
        .browser
        .get(&format!(
            "/api/applications/{id}/members?q={}",
            resident_id("19700101", 9)
        ))
        .await;
    assert_eq!((nobody.status, names(&nobody).len()), (200, 0), "{nobody:?}");
    let long = clerk
        .browser
        .get(&format!("/api/applications/{id}/members?q={}", "张".repeat(51)))
        .await;
    assert_eq!((long.status, long.code()), (400, "SEARCH_TOO_LONG"), "{long:?}");
    let first = &list.body["items"][0];
    assert_eq!(
        first["id_number"],
        format!("{}***********{}", &good1[..3], &good1[14..])
    );
    assert_eq!(first["mobile"], "138****5678");
    assert_eq!(first["name"], "张*");
    let member = first["member_id"].as_str().expect("member id").to_owned();
    let r = clerk
        .browser
        .put(
            &format!("/api/applications/{id}/members/{member}"),
            json!({ "name": "张三丰", "mobile": "12", "occupation": "high_risk", "remark": "" }),
        )
        .await;
    assert_eq!(r.field_code("mobile"), Some("MOBILE_INVALID"), "{r:?}");
    let r = clerk
        .browser
        .put(
            &format!("/api/applications/{id}/members/{member}"),
            json!({ "name": "张三丰", "mobile": "", "occupation": "high_risk", "remark": "改为高危" }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(application(&app, &id).await.high_risk_count, 2);
    // One field alone: what is not sent stays as it was (the list shows it masked).
    let r = clerk
        .browser
        .put(
            &format!("/api/applications/{id}/members/{member}"),
            json!({ "occupation": "general" }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let stored = app
        .state
        .db
        .get_item()
        .table_name(&*app.state.table)
        .set_key(Some(shared::platform::db::key(
            shared::records::application::app_pk(&id),
            shared::records::members::member_sk(&member),
        )))
        .send()
        .await
        .expect("member")
        .item
        .expect("stored member");
    let text = |name: &str| stored.get(name).and_then(|v| v.as_s().ok()).cloned();
    assert_eq!(
        (text("name"), text("remark"), text("occupation")),
        (Some("张三丰".into()), Some("改为高危".into()), Some("general".into())),
        "{stored:?}"
    );
    assert_eq!(application(&app, &id).await.high_risk_count, 1);
    let r = clerk
        .browser
        .send_delete(&format!("/api/applications/{id}/members/{member}"))
        .await;
    assert_eq!(r.status, 204, "{r:?}");
    let stored = application(&app, &id).await;
    assert_eq!((stored.named_count, stored.high_risk_count), (3, 1));

    // 新增无名单
    let r = clerk
        .browser
        .post(
            &format!("/api/applications/{id}/unnamed"),
            json!({ "count": 0, "occupation": "general" }),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "COUNT_INVALID"));
    let r = clerk
        .browser
        .post(
            &format!("/api/applications/{id}/unnamed"),
            json!({ "count": 25, "occupation": "high_risk" }),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let stored = application(&app, &id).await;
    assert_eq!(
        (stored.unnamed_count, stored.insured_count(), stored.high_risk_count),
        (25, 28, 26)
    );
    assert_eq!(stored.fee().expect("fee").value(), 28 * 8000);

    // 参保人员名单下载: whole IDs, and the download is in the trail.
    let res = reqwest::Client::new()
        .get(format!("{}/api/applications/{id}/members/export", app.base))
        .header("cookie", clerk.browser.session_cookie().expect("cookie"))
        .send()
        .await
        .expect("export");
    assert_eq!(res.status(), 200);
    let rows = rows_of(&res.bytes().await.expect("bytes"));
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(rows.iter().any(|r| r.contains(&good2)), "{rows:?}");
    let trail = latest_trail(&app, &id).await;
    assert_eq!(trail.first().map(|e| e.action.as_str()), Some("members_exported"));
}

#[tokio::test]
async fn files_that_are_not_the_template_are_refused_whole_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    let id = app.draft(&clerk, 1).await;
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"%PDF-1.7 pretending to be a workbook".to_vec(), "NOT_XLSX"),
        (
            "序号,姓名,证件号码\n1,张三,410102198503151238\n".as_bytes().to_vec(),
            "NOT_XLSX",
        ),
        (
            vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0],
            "CORRUPT_FILE",
        ),
        (member_workbook(&[])[..300].to_vec(), "CORRUPT_FILE"),
        (member_workbook(&[]), "NO_DATA_ROWS"),
    ];
    for (bytes, code) in cases {
        let r = app.import(&clerk.browser, &id, bytes, "x.xlsx").await;
        assert_eq!((r.status, r.code()), (422, code), "{r:?}");
        assert!(
            r.body["message"]
                .as_str()
                .expect("message")
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        );
    }
    let mut other = rust_xlsxwriter::Workbook::new();
    other.add_worksheet().write_string(0, 0, "工号").expect("cell");
    let r = app
        .import(&clerk.browser, &id, other.save_to_buffer().expect("xlsx"), "x.xlsx")
        .await;
    assert_eq!((r.status, r.code()), (422, "WRONG_TEMPLATE"), "{r:?}");
    let r = clerk
        .browser
        .post(
            &format!("/api/applications/{id}/import-uploads"),
            json!({ "size": 5 * 1024 * 1024 + 1 }),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "FILE_TOO_LARGE"));
    let stored = application(&app, &id).await;
    assert_eq!((stored.batch_seq, stored.named_count), (0, 0));
    // The lease was released: a good file still imports.
    let good = member_workbook(&[["1", "张三", "", &resident_id("19850315", 1), "", "", "", "", ""]]);
    assert_eq!(app.import(&clerk.browser, &id, good, "ok.xlsx").await.status, 201);
}

#[tokio::test]
async fn members_still_covered_count_as_not_yet_expired_and_are_not_charged() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    let id = app.draft(&clerk, 2).await;
    let covered = resident_id("19800101", 11);
    let until = shared::platform::time::today_beijing() + chrono_days(100);
    put_coverage(&app, &covered, until, "G16002025010110000001", &clerk.unit_id).await;
    let file = member_workbook(&[
        ["1", "周一", "", &covered, "", "", "", "", ""],
        ["2", "吴二", "", &resident_id("19810101", 13), "", "", "", "", ""],
    ]);
    let r = app.import(&clerk.browser, &id, file, "a.xlsx").await;
    assert_eq!(
        (r.body["success"].as_u64(), r.body["expiring"].as_u64()),
        (Some(2), Some(1)),
        "{r:?}"
    );
    let stored = application(&app, &id).await;
    assert_eq!((stored.named_count, stored.expiring_count), (1, 1));
    assert_eq!(stored.fee().expect("fee").value(), 2 * 8000);
    let list = clerk
        .browser
        .get(&format!("/api/applications/{id}/members?expiring=true"))
        .await;
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["covered_until"], until.to_string());
}

/// What an import that died between writing its members and committing its batch leaves.
async fn leave_unfinished_import(app: &TestApp, app_id: &str, batch_no: u32, ids: &[&str]) {
    use shared::domain::{Gender, IdType, Occupation, PersonId};
    for (row, number) in ids.iter().enumerate() {
        let member = shared::records::members::Member {
            member_id: shared::records::members::member_id(number),
            name: "半途".into(),
            id: PersonId::parse(IdType::ResidentIdCard, number).expect("id"),
            gender: Gender::Male,
            birth_date: chrono::NaiveDate::from_ymd_opt(1980, 1, 1).expect("date"),
            mobile: None,
            occupation: Occupation::General,
            remark: String::new(),
            batch_no,
            row: row as u32 + 1,
            covered_until: None,
            renewed: false,
        };
        app.state
            .db
            .put_item()
            .table_name(&*app.state.table)
            .set_item(Some(member.to_item(app_id).expect("item")))
            .send()
            .await
            .expect("put");
    }
}

#[tokio::test]
async fn members_of_an_import_that_never_committed_are_never_counted_listed_or_kept() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    let id = app.draft(&clerk, 1).await;
    let first = resident_id("19800101", 21);
    let r = app
        .import(
            &clerk.browser,
            &id,
            member_workbook(&[["1", "周一", "", &first, "", "", "", "", ""]]),
            "a.xlsx",
        )
        .await;
    assert_eq!(r.body["success"], 1, "{r:?}");
    // Batch 2 died after writing two members and before committing.
    let orphan = resident_id("19820202", 31);
    let orphan_again = resident_id("19830303", 41);
    leave_unfinished_import(&app, &id, 2, &[&orphan, &orphan_again]).await;

    let list = clerk.browser.get(&format!("/api/applications/{id}/members")).await;
    assert_eq!(
        (list.body["total"].as_u64(), list.body["items"].as_array().map(Vec::len)),
        (Some(1), Some(1)),
        "{list:?}"
    );
    let by_name = clerk.browser.get(&format!("/api/applications/{id}/members?q=半")).await;
    assert_eq!(by_name.body["items"].as_array().map(Vec::len), Some(0), "{by_name:?}");
    let by_id = clerk
        .browser
        .get(&format!("/api/applications/{id}/members?q={orphan}"))
        .await;
    assert_eq!(by_id.body["items"].as_array().map(Vec::len), Some(0), "{by_id:?}");
    let check = clerk.browser.get(&format!("/api/applications/{id}/self-check")).await;
    assert_eq!(check.status, 200, "{check:?}");
    let export = clerk
        .browser
        .get(&format!("/api/applications/{id}/members/export"))
        .await;
    assert_eq!(export.status, 200);
    let stored = application(&app, &id).await;
    assert_eq!((stored.named_count, stored.batch_seq), (1, 1));
    let orphan_member = shared::records::members::member_id(&orphan);
    let r = clerk
        .browser
        .send_delete(&format!("/api/applications/{id}/members/{orphan_member}"))
        .await;
    assert_eq!(
        (r.status, r.code()),
        (404, "NOT_FOUND"),
        "an unfinished member cannot be removed (or uncounted)"
    );

    // The next import clears them; one of their IDs imports as a new member.
    let r = app
        .import(
            &clerk.browser,
            &id,
            member_workbook(&[["1", "吴二", "", &orphan, "", "", "", "", ""]]),
            "b.xlsx",
        )
        .await;
    assert_eq!((r.status, r.body["success"].as_u64()), (201, Some(1)), "{r:?}");
    let items = shared::records::members::stored(&app.state, &id).await.expect("stored");
    let mut names: Vec<(String, u32)> = items.iter().map(|m| (m.name.clone(), m.batch_no)).collect();
    names.sort();
    assert_eq!(names, vec![("吴二".to_owned(), 2), ("周一".to_owned(), 1)]);
    let stored = application(&app, &id).await;
    assert_eq!((stored.named_count, stored.batch_seq), (2, 2));
}

#[tokio::test]
async fn another_units_clerk_cannot_touch_the_application() {
    let app = TestApp::spawn().await;
    let owner = app.clerk("411103").await;
    let id = app.draft(&owner, 1).await;
    let file = member_workbook(&[["1", "张三", "", &resident_id("19850315", 1), "", "", "", "", ""]]);
    assert_eq!(
        app.import(&owner.browser, &id, file.clone(), "a.xlsx").await.status,
        201
    );
    let member = owner.browser.get(&format!("/api/applications/{id}/members")).await.body["items"][0]["member_id"]
        .as_str()
        .expect("member")
        .to_owned();
    let intruder = app.clerk("410202").await;
    let b = &intruder.browser;
    let responses = vec![
        b.post(
            &format!("/api/applications/{id}/import-uploads"),
            json!({ "size": 100 }),
        )
        .await,
        b.post(
            &format!("/api/applications/{id}/imports"),
            json!({ "upload_id": uuid::Uuid::new_v4().to_string(), "file_name": "x" }),
        )
        .await,
        b.get(&format!("/api/applications/{id}/imports")).await,
        b.get(&format!("/api/applications/{id}/imports/1/failed-rows")).await,
        b.get(&format!("/api/applications/{id}/members")).await,
        b.put(
            &format!("/api/applications/{id}/members/{member}"),
            json!({ "name": "x", "occupation": "general" }),
        )
        .await,
        b.send_delete(&format!("/api/applications/{id}/members/{member}")).await,
        b.get(&format!("/api/applications/{id}/members/export")).await,
        b.post(
            &format!("/api/applications/{id}/unnamed"),
            json!({ "count": 1, "occupation": "general" }),
        )
        .await,
        b.get(&format!("/api/applications/{id}/unnamed")).await,
    ];
    for r in responses {
        assert_eq!((r.status, r.code()), (404, "NOT_FOUND"), "{r:?}");
    }
    // Staff are not units.
    let staff = app
        .staff("any.rev", "HN", vec![shared::records::account::Permission::ReviewL1])
        .await;
    assert_eq!(
        staff.get(&format!("/api/applications/{id}/members")).await.code(),
        "UNIT_ONLY"
    );
    assert_eq!(application(&app, &id).await.named_count, 1);
}

fn chrono_days(n: i64) -> chrono::Duration {
    chrono::Duration::days(n)
}

/// Hostile workbooks over HTTP: each refused with one clear reason, the function unharmed.
#[tokio::test]
async fn hostile_workbooks_are_refused_without_harm() {
    use shared::spreadsheet::test_support::{declare_size, entries, row, with_entry, workbook, zip_of};
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    let id = app.draft(&clerk, 1).await;
    let good_id = resident_id("19850315", 1);
    let good = workbook(&[Some(row("1", "张三", &good_id))], true);

    let forged_count = with_entry(&good, "xl/sharedStrings.xml", |xml| {
        xml.replacen("uniqueCount=\"", "uniqueCount=\"2000000000", 1)
            .replacen(" count=\"", " count=\"2000000000", 1)
    });
    let far_cell = with_entry(&good, "xl/worksheets/sheet1.xml", |xml| {
        xml.replace(
            "</sheetData>",
            "<row r=\"1048576\"><c r=\"XFD1048576\" t=\"inlineStr\"><is><t>x</t></is></c></row></sheetData>",
        )
    });
    let huge_string = declare_size(good.clone(), "xl/sharedStrings.xml", 1_100_000_000);
    let bomb = {
        let mut all = entries(&good);
        let sst = all.iter_mut().find(|(n, _)| n == "xl/sharedStrings.xml").expect("sst");
        let mut xml = sst.1.clone();
        let at = xml.windows(5).position(|w| w == b"</sst").expect("end");
        let filler = vec![b' '; 200 * 1024 * 1024];
        xml.splice(at..at, filler);
        sst.1 = xml;
        zip_of(&all)
    };
    let cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
        ("forged uniqueCount", forged_count, &["TOO_MANY_STRINGS"]),
        ("cell at XFD1048576", far_cell, &["TOO_MANY_COLUMNS", "TOO_MANY_ROWS"]),
        ("shared strings over 1 GB", huge_string, &["CONTENT_TOO_LARGE"]),
        ("zip bomb entry", bomb, &["CONTENT_TOO_LARGE"]),
    ];
    for (what, bytes, codes) in cases {
        let r = app.import(&clerk.browser, &id, bytes, "x.xlsx").await;
        assert_eq!(r.status, 422, "{what}: {r:?}");
        assert!(codes.contains(&r.code()), "{what}: {r:?}");
    }
    assert_eq!(application(&app, &id).await.batch_seq, 0);
    // Still serving, and the good file imports.
    assert_eq!(app.import(&clerk.browser, &id, good, "ok.xlsx").await.status, 201);
}

#[tokio::test]
async fn coverage_from_another_units_certificate_is_never_shown_to_a_unit() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    let id = app.draft(&clerk, 1).await;
    let stranger = resident_id("19790101", 21);
    let until = shared::platform::time::today_beijing() + chrono_days(200);
    // The stranger is insured through another unit's certificate.
    put_coverage(
        &app,
        &stranger,
        until,
        "G16002025010110000002",
        "9f0e3c1a-0000-4000-8000-00000000beef",
    )
    .await;
    let file = member_workbook(&[["1", "郑三", "", &stranger, "", "", "", "", ""]]);
    let r = app.import(&clerk.browser, &id, file, "a.xlsx").await;
    // Imported and charged like anyone else: nothing tells the unit about the other cover.
    assert_eq!(
        (r.body["success"].as_u64(), r.body["expiring"].as_u64()),
        (Some(1), Some(0)),
        "{r:?}"
    );
    let list = clerk.browser.get(&format!("/api/applications/{id}/members")).await;
    assert_eq!(
        list.body["items"][0]["covered_until"],
        serde_json::Value::Null,
        "{list:?}"
    );
    let stored = application(&app, &id).await;
    assert_eq!((stored.named_count, stored.expiring_count), (1, 0));
}

/// A coverage record as a paid certificate of `unit_id` writes it, with that certificate (an
/// import looks a person up only while its unit holds a certificate of the activity that has
/// not ended).
async fn put_coverage(app: &TestApp, id_number: &str, until: chrono::NaiveDate, certificate: &str, unit_id: &str) {
    use shared::records::certificate::{Certificate, PrintStatus};
    let start = until - chrono_days(364);
    let issued = Certificate {
        number: certificate.to_owned(),
        application_id: format!("earlier-{certificate}"),
        application_number: "SQ20250101000001".to_owned(),
        unit_id: unit_id.to_owned(),
        unit_name: "漯河市郾城区应急管理局".to_owned(),
        agency_code: "411103".to_owned(),
        activity_code: "ZYYL".to_owned(),
        activity_name: "在职职工住院医疗".to_owned(),
        shares: 1,
        fee_per_share_fen: 8_000,
        insured_count: 1,
        fee_fen: 8_000,
        paid_fen: 8_000,
        policy_date: start - chrono_days(1),
        effective_date: start,
        end_date: until,
        verification_code: "000000".to_owned(),
        print_status: PrintStatus::NotPrinted,
        print_count: 0,
        received_on: start - chrono_days(1),
        payment_reference: "earlier".to_owned(),
        confirmed_by: "finance".to_owned(),
        issued_at: "2025-01-01T00:00:00.000Z".to_owned(),
        coverage_recorded: true,
        renews: None,
        renewed_end: None,
        observation_days: None,
        signed_copy: None,
    };
    app.state
        .db
        .put_item()
        .table_name(&*app.state.table)
        .set_item(Some(issued.to_item().expect("certificate item")))
        .send()
        .await
        .expect("certificate");
    app.state
        .db
        .put_item()
        .table_name(&*app.state.table)
        .set_item(Some(shared::steps::member_import::coverage_item(
            "ZYYL",
            id_number,
            until,
            certificate,
            unit_id,
        )))
        .send()
        .await
        .expect("coverage");
}

/// A name is refused at import only when no shipped font can print it, with the character and
/// its code point; a rare name that prints is accepted; an edit keeps to the same rule.
#[tokio::test]
async fn only_a_name_no_font_can_print_is_refused_and_the_reason_names_the_character() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    let id = app.draft(&clerk, 1).await;
    let printable = resident_id("19850315", 31);
    let unprintable = resident_id("19850315", 32);
    // U+30000 is a CJK Extension G ideograph: a letter, but no font here has it.
    let file = member_workbook(&[
        ["1", "吉𠮷", "居民身份证", &printable, "", "", "", "一般职业", ""],
        [
            "2",
            "王\u{30000}",
            "居民身份证",
            &unprintable,
            "",
            "",
            "",
            "一般职业",
            "",
        ],
    ]);
    let r = app.import(&clerk.browser, &id, file, "生僻字.xlsx").await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(
        (r.body["success"].as_u64(), r.body["failed"].as_u64()),
        (Some(1), Some(1)),
        "{r:?}"
    );
    let link = clerk
        .browser
        .get(&format!("/api/applications/{id}/imports/1/failed-rows"))
        .await;
    let url = link.body["url"].as_str().expect("url");
    let failed = reqwest::get(url).await.expect("get").bytes().await.expect("bytes");
    let rows = rows_of(&failed);
    let reason_col = rows[0].iter().position(|h| h == "失败原因").expect("失败原因 column");
    let reason = &rows[1][reason_col];
    assert!(
        reason.contains("\u{30000}") && reason.contains("U+30000") && reason.contains("无法打印"),
        "{reason}"
    );

    // Editing the accepted member to an unprintable name is refused the same way.
    let members = clerk.browser.get(&format!("/api/applications/{id}/members")).await;
    let member = members.body["items"][0]["member_id"]
        .as_str()
        .expect("member id")
        .to_owned();
    let r = clerk
        .browser
        .put(
            &format!("/api/applications/{id}/members/{member}"),
            json!({ "name": "王\u{30000}", "mobile": "", "occupation": "general", "remark": "" }),
        )
        .await;
    assert_eq!(
        (r.status, r.field_code("name")),
        (422, Some("NAME_UNPRINTABLE")),
        "{r:?}"
    );
    assert_eq!(application(&app, &id).await.named_count, 1);
}

/// The import runs in the background: the queueing answers 202 at once with 处理中; the worker
/// ends it 完成 with its counts. A worker that died part-way (members written, nothing
/// committed, its lease run out) leaves nothing counted or listed, and the next run completes
/// the import exactly once.
/// The import job of `app_id` as workers that died left it: running, `attempts` used, the
/// last lease long run out.
async fn claimed_by_dead_workers(app: &TestApp, app_id: &str, attempts: u32) {
    app.state
        .db
        .update_item()
        .table_name(&*app.state.table)
        .key(
            "pk",
            shared::platform::db::s(shared::records::application::app_pk(app_id)),
        )
        .key("sk", shared::platform::db::s("IMPORTJOB"))
        .update_expression("SET job_state = :running, attempts = :used, gsi1sk = :past")
        .expression_attribute_values(":running", shared::platform::db::s("running"))
        .expression_attribute_values(":used", shared::platform::db::n(attempts))
        .expression_attribute_values(":past", shared::platform::db::s("2000-01-01T00:00:00.000Z"))
        .send()
        .await
        .expect("claim as a dead worker");
}

/// One pass of the import worker, which must end exactly one job; then the job as the
/// browser sees it.
async fn one_worker_pass_ends_one_job(app: &TestApp, browser: &e2e::Browser, app_id: &str) -> Resp {
    let ended = shared::steps::member_import::run_due_imports(&app.state)
        .await
        .expect("worker");
    assert_eq!(ended, 1);
    browser
        .get(&format!("/api/applications/{app_id}/imports/current"))
        .await
}

#[tokio::test]
async fn an_import_runs_in_the_background_and_a_dead_worker_leaves_nothing_counted() {
    let app = TestApp::spawn_without_import_worker().await;
    let clerk = app.clerk("411103").await;
    let id = app.draft(&clerk, 1).await;
    let people: Vec<String> = (0..3).map(|i| resident_id("19850315", 200 + i)).collect();
    let file = member_workbook(&[
        ["1", "张一", "居民身份证", &people[0], "", "", "", "一般职业", ""],
        ["2", "张二", "居民身份证", &people[1], "", "", "", "一般职业", ""],
        ["3", "张三", "居民身份证", &people[2], "", "", "", "一般职业", ""],
    ]);
    let r = app.queue_import(&clerk.browser, &id, file, "后台.xlsx").await;
    assert_eq!((r.status, r.body["state"].as_str()), (202, Some("queued")), "{r:?}");
    assert_eq!(r.body["state_label"], "处理中");
    // A second file while the first is queued is refused.
    let again = app
        .queue_import(&clerk.browser, &id, member_workbook(&[]), "又一个.xlsx")
        .await;
    assert_eq!((again.status, again.code()), (409, "IMPORT_IN_PROGRESS"), "{again:?}");

    // A worker that dies after writing two members: the job claimed (running, lease run out),
    // members of batch 1 in the table, nothing committed.
    let table = &*app.state.table;
    claimed_by_dead_workers(&app, &id, 1).await;
    for (i, number) in people.iter().take(2).enumerate() {
        let person = shared::domain::PersonId::parse(shared::domain::IdType::ResidentIdCard, number).expect("id");
        let member = shared::records::members::Member {
            member_id: shared::records::members::member_id(person.as_str()),
            name: "半途".into(),
            gender: shared::domain::Gender::Male,
            birth_date: chrono::NaiveDate::from_ymd_opt(1985, 3, 15).expect("date"),
            id: person,
            mobile: None,
            occupation: shared::domain::Occupation::General,
            remark: String::new(),
            batch_no: 1,
            row: 7 + i as u32,
            covered_until: None,
            renewed: false,
        };
        app.state
            .db
            .put_item()
            .table_name(table)
            .set_item(Some(member.to_item(&id).expect("item")))
            .send()
            .await
            .expect("write a member as the dead worker did");
    }
    // Nothing of it exists for anyone.
    let stored = application(&app, &id).await;
    assert_eq!((stored.named_count, stored.batch_seq), (0, 0));
    let list = clerk.browser.get(&format!("/api/applications/{id}/members")).await;
    assert_eq!(list.body["total"], 0, "{list:?}");
    let job = clerk
        .browser
        .get(&format!("/api/applications/{id}/imports/current"))
        .await;
    assert_eq!(
        (job.body["state"].as_str(), job.body["state_label"].as_str()),
        (Some("running"), Some("处理中"))
    );

    // The next worker run takes the job over, clears the leftovers and commits once.
    let job = one_worker_pass_ends_one_job(&app, &clerk.browser, &id).await;
    assert_eq!(job.body["state"], "done", "{job:?}");
    assert_eq!(
        (
            job.body["rows_read"].as_u64(),
            job.body["rows_to_write"].as_u64(),
            job.body["rows_written"].as_u64()
        ),
        (Some(3), Some(3), Some(3)),
        "{job:?}"
    );
    assert_eq!(job.body["batch"]["success"], 3);
    let stored = application(&app, &id).await;
    assert_eq!((stored.named_count, stored.batch_seq), (3, 1));
    let list = clerk.browser.get(&format!("/api/applications/{id}/members")).await;
    assert_eq!(list.body["total"], 3, "{list:?}");
    assert!(!list.body.to_string().contains("半途"), "{list:?}");
    // Nothing is left to run, and the claimed file is gone.
    assert_eq!(
        shared::steps::member_import::run_due_imports(&app.state)
            .await
            .expect("worker"),
        0
    );
    let objects = app
        .state
        .s3
        .list_objects_v2()
        .bucket(&*app.state.bucket)
        .prefix(format!("units/{}/applications/{id}/imports/", clerk.unit_id))
        .send()
        .await
        .expect("list");
    assert_eq!(objects.key_count(), Some(0));
}

/// An application lists at most `MAX_LISTED` people: 无名单 and imports past it are refused
/// with the room left, and nothing of a refused import is counted.
#[tokio::test]
async fn an_application_holds_at_most_its_cap_of_people() {
    use shared::records::application::MAX_LISTED;
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    let id = app.draft(&clerk, 1).await;
    let path = format!("/api/applications/{id}/unnamed");
    let add = |count: u32| {
        let browser = &clerk.browser;
        let path = path.clone();
        async move {
            browser
                .post(&path, json!({ "count": count, "occupation": "general" }))
                .await
        }
    };
    assert_eq!(add(100_000).await.status, 201);
    assert_eq!(add(MAX_LISTED - 100_000 - 1).await.status, 201);
    let r = add(2).await;
    assert_eq!((r.status, r.code()), (422, "APPLICATION_FULL"), "{r:?}");
    assert!(
        r.body["message"].as_str().unwrap_or_default().contains("还可增加1人"),
        "{r:?}"
    );
    assert_eq!(application(&app, &id).await.unnamed_count, MAX_LISTED - 1);

    // Two rows into room for one: the import ends 失败 and counts nothing.
    let file = member_workbook(&[
        [
            "1",
            "张三",
            "居民身份证",
            &resident_id("19850315", 41),
            "",
            "",
            "",
            "一般职业",
            "",
        ],
        [
            "2",
            "李四",
            "居民身份证",
            &resident_id("19850315", 42),
            "",
            "",
            "",
            "一般职业",
            "",
        ],
    ]);
    let r = app.import(&clerk.browser, &id, file, "两人.xlsx").await;
    assert_eq!((r.status, r.code()), (422, "APPLICATION_FULL"), "{r:?}");
    // The unit's file, not ours: refused, which no alarm watches.
    assert_eq!(
        (
            captured::values("ImportsRefused", None),
            captured::values("ImportsFailed", None)
        ),
        (vec![1.0], vec![])
    );
    let stored = application(&app, &id).await;
    assert_eq!(
        (stored.named_count, stored.batch_seq, stored.listed_count()),
        (0, 0, MAX_LISTED - 1)
    );
    let members = clerk.browser.get(&format!("/api/applications/{id}/members")).await;
    assert_eq!(members.body["total"], 0, "{members:?}");

    // Full: the next file is refused before it is queued.
    assert_eq!(add(1).await.status, 201);
    let file = member_workbook(&[[
        "1",
        "张三",
        "居民身份证",
        &resident_id("19850315", 41),
        "",
        "",
        "",
        "一般职业",
        "",
    ]]);
    let r = app.queue_import(&clerk.browser, &id, file, "一人.xlsx").await;
    assert_eq!((r.status, r.code()), (422, "APPLICATION_FULL"), "{r:?}");
}

/// A masked list is searched by what it shows of an ID (its last 4 characters), and a wrong ID
/// is corrected in place: checked as an import would check it, refused when the person is
/// already in the application, and re-counted when the corrected person is 未到期.
#[tokio::test]
async fn a_wrong_id_is_found_by_its_last_four_and_corrected_in_place() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    let id = app.draft(&clerk, 1).await;
    let (wrong, other, covered) = (
        resident_id("19800101", 21),
        resident_id("19810202", 22),
        resident_id("19820303", 23),
    );
    let until = shared::platform::time::today_beijing() + chrono_days(100);
    put_coverage(&app, &covered, until, "G16002025010110000002", &clerk.unit_id).await;
    let file = member_workbook(&[
        ["1", "周一", "", &wrong, "", "", "", "高危职业", ""],
        ["2", "吴二", "", &other, "", "", "", "", ""],
        ["3", "郑三", "护照", "E12345678", "男", "1980-05-06", "", "", ""],
    ]);
    let r = app.import(&clerk.browser, &id, file, "a.xlsx").await;
    assert_eq!(r.body["success"].as_u64(), Some(3), "{r:?}");
    let names = |r: &Resp| -> Vec<String> {
        r.body["items"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .filter_map(|m| m["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let search = |q: String| {
        let browser = &clerk.browser;
        let path = format!("/api/applications/{id}/members?q={q}");
        async move { browser.get(&path).await }
    };
    let tail = |number: &str| number[number.len() - 4..].to_lowercase();
    let found = search(tail(&wrong)).await;
    assert_eq!(
        (found.status, names(&found)),
        (200, vec!["周*".to_owned()]),
        "{found:?}"
    );
    assert_eq!(names(&search("5678".into()).await), vec!["郑*".to_owned()]);
    let member = found.body["items"][0]["member_id"].as_str().expect("member").to_owned();
    let path = format!("/api/applications/{id}/members/{member}");
    let stored = || application(&app, &id);
    let before = stored().await;
    assert_eq!(
        (before.named_count, before.expiring_count, before.high_risk_count),
        (3, 0, 1)
    );

    // Refused as the import refuses it, field by field, and nothing moves.
    let mut bad_checksum = covered.clone();
    let last = bad_checksum.pop().expect("char");
    bad_checksum.push(if last == '0' { '1' } else { '0' });
    let r = clerk.browser.put(&path, json!({ "id_number": bad_checksum })).await;
    assert_eq!((r.status, r.field_code("id_number").is_some()), (422, true), "{r:?}");
    let r = clerk
        .browser
        .put(&path, json!({ "id_number": covered, "gender": "女" }))
        .await;
    assert_eq!(r.field_code("gender"), Some("GENDER_MISMATCH"), "{r:?}");
    let r = clerk.browser.put(&path, json!({ "id_number": other })).await;
    assert_eq!(
        (r.status, r.field_code("id_number")),
        (422, Some("DUPLICATE_ID")),
        "{r:?}"
    );
    assert!(
        r.body["message"].as_str().unwrap_or_default().contains("已在本申请中"),
        "{r:?}"
    );
    assert_eq!(names(&search(tail(&wrong)).await), vec!["周*".to_owned()]);
    let unchanged = stored().await;
    assert_eq!((unchanged.named_count, unchanged.expiring_count), (3, 0));

    // Corrected to a person still covered: the member moves, becomes 未到期, and stops being
    // charged (nor counted as high-risk); the trail says what changed, masked.
    let r = clerk.browser.put(&path, json!({ "id_number": covered })).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["covered_until"], until.to_string(), "{r:?}");
    assert_ne!(r.body["member_id"], member.as_str());
    assert_eq!(names(&search(tail(&wrong)).await), Vec::<String>::new());
    assert_eq!(names(&search(tail(&covered)).await), vec!["周*".to_owned()]);
    assert_eq!(names(&search(covered.clone()).await), vec!["周*".to_owned()]);
    let after = stored().await;
    assert_eq!(
        (after.named_count, after.expiring_count, after.high_risk_count),
        (2, 1, 0)
    );
    let gone = clerk.browser.put(&path, json!({ "remark": "x" })).await;
    assert_eq!((gone.status, gone.code()), (404, "NOT_FOUND"), "{gone:?}");
    let trail = latest_trail(&app, &id).await;
    let summary = &trail[0].summary;
    assert!(
        summary.contains("更正参保人周*的证件号码") && !summary.contains(&covered) && !summary.contains(&wrong),
        "{summary}"
    );

    // A passport carries no gender or birth date: a corrected number keeps those typed before,
    // and a birth date alone is checked as the import checks it.
    let passport = search("5678".into()).await;
    let holder = passport.body["items"][0]["member_id"]
        .as_str()
        .expect("member")
        .to_owned();
    let path = format!("/api/applications/{id}/members/{holder}");
    let r = clerk.browser.put(&path, json!({ "birth_date": "2999-01-01" })).await;
    assert_eq!(r.field_code("birth_date"), Some("BIRTH_DATE_INVALID"), "{r:?}");
    let r = clerk.browser.put(&path, json!({ "id_number": "e 8765 4321" })).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        (
            r.body["gender"].as_str(),
            r.body["id_number"].as_str().map(|n| n.ends_with("4321"))
        ),
        (Some("男"), Some(true))
    );
    let moved = shared::records::members::all(&app.state, &stored().await)
        .await
        .expect("members");
    let holder = moved
        .iter()
        .find(|m| m.id.as_str() == "E87654321")
        .expect("moved passport");
    assert_eq!(holder.birth_date.to_string(), "1980-05-06");
    assert_eq!(moved.len(), 3);
}

/// A resident ID with a valid check digit but an address code no edition of GB/T 2260 held is
/// imported (the list may lag a new district), and 参保自核 lists it for the unit and the
/// reviewer, one finding each; real codes, abandoned ones included, raise none.
#[tokio::test]
async fn made_up_address_codes_are_imported_and_listed_in_the_self_check() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    let with_address = |code: &str, birth: &str, seq: u32| {
        let body = format!("{code}{birth}{seq:03}");
        let check = shared::domain::ResidentId::check_char(&body).expect("17 digits");
        format!("{body}{check}")
    };
    let made_up = [
        with_address("411199", "19800101", 11),
        with_address("419900", "19810101", 13),
    ];
    // 110103: 崇文区, merged away in 2010; a card issued there is still valid.
    let real = [resident_id("19820101", 15), with_address("110103", "19830101", 17)];
    let people: Vec<(&str, String)> = vec![
        ("赵一", made_up[0].clone()),
        ("钱二", real[0].clone()),
        ("孙三", made_up[1].clone()),
        ("李四", real[1].clone()),
    ];
    let id = app.submitted_with(&clerk, &people).await;
    let stored = application(&app, &id).await;
    assert_eq!(stored.named_count, 4, "all four imported");

    let findings = |check: &serde_json::Value| -> Vec<(String, String)> {
        check["findings"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .map(|f| {
                        (
                            f["rule"].as_str().unwrap_or_default().to_owned(),
                            f["id_number"].as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let expected: Vec<(String, String)> = made_up
        .iter()
        .map(|number| {
            (
                "证件号码地址码不存在".to_owned(),
                shared::domain::PersonId::parse(shared::domain::IdType::ResidentIdCard, number)
                    .expect("valid")
                    .masked(),
            )
        })
        .collect();
    let unit_view = clerk.browser.get(&format!("/api/applications/{id}/self-check")).await;
    assert_eq!(unit_view.status, 200, "{unit_view:?}");
    assert_eq!(unit_view.body["address_unknown_count"], 2, "{unit_view:?}");
    assert_eq!(findings(&unit_view.body), expected);
    assert!(unit_view.body["findings"][0]["age_limit"].is_null());
    // One page at a time, like the age findings.
    let first = clerk
        .browser
        .get(&format!("/api/applications/{id}/self-check?page_size=1"))
        .await;
    assert_eq!(findings(&first.body), expected[..1]);
    let next = first.body["next"].as_str().expect("a second page");
    let second = clerk
        .browser
        .get(&format!("/api/applications/{id}/self-check?page_size=1&cursor={next}"))
        .await;
    assert_eq!(findings(&second.body), expected[1..]);

    let reviewer = app
        .staff(
            "hn.l1.address",
            "HN",
            vec![shared::records::account::Permission::ReviewL1],
        )
        .await;
    let staff_view = reviewer.get(&format!("/api/staff/applications/{id}")).await;
    assert_eq!(staff_view.status, 200, "{staff_view:?}");
    assert_eq!(staff_view.body["self_check"]["address_unknown_count"], 2);
    assert_eq!(findings(&staff_view.body["self_check"]), expected);
}

/// A job whose workers kept dying: the run after the last attempt ends it 失败 with a reason the
/// clerk can act on, counts nothing, frees the application, and reports a failed import for the
/// operators' alarm.
#[tokio::test]
async fn an_import_that_used_its_attempts_ends_failed_and_is_reported() {
    let app = TestApp::spawn_without_import_worker().await;
    let clerk = app.clerk("411103").await;
    let id = app.draft(&clerk, 1).await;
    let one_member = || {
        member_workbook(&[[
            "1",
            "张一",
            "居民身份证",
            &resident_id("19850315", 301),
            "",
            "",
            "",
            "一般职业",
            "",
        ]])
    };
    let r = app.queue_import(&clerk.browser, &id, one_member(), "三次.xlsx").await;
    assert_eq!(r.status, 202, "{r:?}");
    claimed_by_dead_workers(&app, &id, 3).await;
    let job = one_worker_pass_ends_one_job(&app, &clerk.browser, &id).await;
    assert_eq!(
        (job.body["state"].as_str(), job.body["error_code"].as_str()),
        (Some("failed"), Some("IMPORT_FAILED")),
        "{job:?}"
    );
    assert!(
        job.body["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("请重新导入")),
        "{job:?}"
    );
    assert_eq!(application(&app, &id).await.named_count, 0);
    assert_eq!(
        (
            captured::values("ImportsFailed", None),
            captured::values("ImportsRefused", None)
        ),
        (vec![1.0], vec![])
    );
    // The application takes a new file.
    assert_eq!(
        app.queue_import(&clerk.browser, &id, one_member(), "再来.xlsx")
            .await
            .status,
        202
    );
}

#[tokio::test]
async fn the_same_sheet_imports_alike_as_xlsx_xls_and_ods_and_hostile_ones_are_refused() {
    use shared::spreadsheet::test_support::{In, content_xml, ods_file, ods_workbook, row, workbook, xls_workbook};
    let app = TestApp::spawn().await;
    let (good, other) = (resident_id("19850315", 1), resident_id("19900101", 2));
    let wrong_check = format!("{}{}", &good[..17], if good.ends_with('0') { '1' } else { '0' });
    let rows = vec![
        Some(row("1", "张三", &good)),
        None,
        Some(vec![
            In::Number(2.0),
            In::Text("李四"),
            In::Text("居民身份证"),
            In::Text(&other),
            In::Text("女"),
            In::Date(32_874.0),
            In::Number(13_800_138_000.0),
            In::Text("高危职业"),
            In::Text("夜班"),
        ]),
        Some(row("3", "王五", &wrong_check)),
        Some(row("4", "张三", &good)),
    ];
    let files = [
        ("人员.xlsx", workbook(&rows, true)),
        ("人员.xls", xls_workbook(&rows, true)),
        ("人员.ods", ods_workbook(&rows, true)),
    ];
    let mut seen = Vec::new();
    for (name, bytes) in files {
        let clerk = app.clerk("411103").await;
        let id = app.draft(&clerk, 1).await;
        let r = app.import(&clerk.browser, &id, bytes, name).await;
        assert_eq!(r.status, 201, "{name}: {r:?}");
        let counts = (
            r.body["total"].as_u64(),
            r.body["success"].as_u64(),
            r.body["failed"].as_u64(),
        );
        let stored = application(&app, &id).await;
        let link = clerk
            .browser
            .get(&format!("/api/applications/{id}/imports/1/failed-rows"))
            .await;
        let failed = reqwest::get(link.body["url"].as_str().expect("url"))
            .await
            .expect("GET failed rows")
            .bytes()
            .await
            .expect("bytes");
        seen.push((
            name,
            counts,
            (stored.named_count, stored.high_risk_count),
            rows_of(&failed),
        ));
    }
    assert_eq!(seen[0].1, (Some(4), Some(2), Some(2)), "{seen:?}");
    assert_eq!(seen[0].2, (2, 1), "{seen:?}");
    // The failed rows come back as .xlsx whatever was sent, with the same reasons.
    assert_eq!(seen[0].3.len(), 3, "{seen:?}");
    for other in &seen[1..] {
        assert_eq!(
            (other.1, other.2, &other.3),
            (seen[0].1, seen[0].2, &seen[0].3),
            "{}",
            other.0
        );
    }

    // Hostile files of both kinds are refused whole, and nothing is written.
    let clerk = app.clerk("411103").await;
    let id = app.draft(&clerk, 1).await;
    let mut looped = xls_workbook(&rows, true);
    // The directory's FAT entry points back at itself.
    looped[512 + 4..512 + 8].copy_from_slice(&1u32.to_le_bytes());
    let repeated = ods_file(&content_xml(&[(
        "人员信息",
        false,
        &[Some(vec![In::Text("序号")])],
    )]).replace(
        "<table:table-row>",
        r#"<table:table-row table:number-rows-repeated="5000"><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"/></table:table-row><table:table-row>"#,
    ));
    for (what, bytes, code) in [
        ("looped .xls", looped, "CORRUPT_FILE"),
        ("repeated .ods", repeated, "CONTENT_TOO_LARGE"),
    ] {
        let r = app.import(&clerk.browser, &id, bytes, what).await;
        assert_eq!((r.status, r.code()), (422, code), "{what}: {r:?}");
    }
    assert_eq!(application(&app, &id).await.batch_seq, 0);
}
