//! `devstack export` / `devstack import`: a populated stack dumped to a file and to S3 and
//! loaded into fresh tables holds every item as it was.
use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use devstack::table_dump::{self, Place};
use e2e::{TestApp, resident_id};
use shared::AppState;
use shared::platform::db::Item;

/// Every item of the table by (pk, sk).
async fn items(state: &AppState) -> BTreeMap<(String, String), Item> {
    let mut all = BTreeMap::new();
    let mut start = None;
    loop {
        let page = state
            .db
            .scan()
            .table_name(&*state.table)
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan");
        for item in page.items() {
            let text = |name: &str| match item.get(name) {
                Some(AttributeValue::S(s)) => s.clone(),
                other => panic!("{name} is {other:?}"),
            };
            all.insert((text("pk"), text("sk")), item.clone());
        }
        start = page.last_evaluated_key;
        if start.is_none() {
            return all;
        }
    }
}

/// The items of the operations trail (export and import records), taken out of `all`.
fn operations(all: &mut BTreeMap<(String, String), Item>) -> Vec<String> {
    let keys: Vec<_> = all.keys().filter(|(pk, _)| pk == "OPERATIONS").cloned().collect();
    keys.into_iter()
        .map(|k| match all.remove(&k).and_then(|i| i.get("action").cloned()) {
            Some(AttributeValue::S(action)) => action,
            other => panic!("operations entry without action: {other:?}"),
        })
        .collect()
}

async fn fresh_table(app: &TestApp) -> AppState {
    let mut state = app.state.clone();
    state.table = format!("dump-{}", uuid::Uuid::new_v4().simple()).into();
    let template = devstack::resources::load_template(&devstack::repo_root().join("template.yaml")).expect("template");
    devstack::resources::create_table(&state, &template)
        .await
        .expect("create table");
    state
}

#[tokio::test]
async fn a_populated_stack_round_trips_through_a_file_and_s3_item_for_item() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    let people = [
        ("张伟", resident_id("19850315", 123)),
        ("欧阳𠮷", resident_id("19780102", 35)),
    ];
    let application = app.invoiced_application(&clerk, &people).await;

    let dir = std::env::temp_dir().join(format!("dump-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = Place::File(dir.join("table.jsonl"));
    let s3 = Place::S3 {
        bucket: app.state.bucket.to_string(),
        key: "dumps/table.jsonl".into(),
    };
    let before = items(&app.state).await;
    let exported = table_dump::export(&app.state, &file, "ops-zhang")
        .await
        .expect("export to file");
    assert_eq!(exported, before.len());
    // The second dump holds the record of the first.
    let to_s3 = table_dump::export(&app.state, &s3, "ops-zhang")
        .await
        .expect("export to S3");
    assert_eq!(to_s3, exported + 1);

    // The dump holds the application, its members with whole IDs, and is recorded as read.
    let text = std::fs::read_to_string(dir.join("table.jsonl")).expect("dump");
    assert_eq!(text.lines().count(), exported);
    assert!(
        text.lines().all(|l| l.starts_with(r#"{"Item":{"#)),
        "DynamoDB JSON lines"
    );
    assert!(
        text.contains(&application) && text.contains(&people[1].1),
        "application and members"
    );
    let mut source = items(&app.state).await;
    assert_eq!(operations(&mut source), vec!["table_exported", "table_exported"]);
    assert_eq!(source, before, "an export changes nothing but its record");

    // From S3 into an empty table: every item, attribute for attribute.
    let restored = fresh_table(&app).await;
    assert_eq!(
        table_dump::import(&restored, &s3, "ops-li").await.expect("import"),
        to_s3
    );
    let mut copy = items(&restored).await;
    assert_eq!(operations(&mut copy), vec!["table_exported", "table_imported"]);
    assert_eq!(copy, before);

    // A second import over it is refused and writes nothing.
    let refused = table_dump::import(&restored, &file, "ops-li").await.unwrap_err();
    assert!(format!("{refused:#}").contains("empty table only"), "{refused:#}");
    assert_eq!(items(&restored).await.len(), to_s3 + 1);

    // A damaged file is refused with its line before anything is written; the good one loads.
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(2, r#"{"Item":{"pk":{"S":"UNIT#x"},"sk":{"N":"1"}}}"#);
    let damaged = dir.join("damaged.jsonl");
    std::fs::write(&damaged, lines.join("\n")).expect("write");
    let other = fresh_table(&app).await;
    let refused = table_dump::import(&other, &Place::File(damaged), "ops-li")
        .await
        .unwrap_err();
    assert!(format!("{refused:#}").contains("line 3"), "{refused:#}");
    assert!(items(&other).await.is_empty(), "nothing half-written");
    table_dump::import(&other, &file, "ops-li").await.expect("import file");
    let mut copy = items(&other).await;
    assert_eq!(operations(&mut copy), vec!["table_imported"]);
    assert_eq!(copy, before);
    let _ = std::fs::remove_dir_all(&dir);
}
