//! 单位信息变更: a unit corrects its own details; the old ones stay in force until a
//! registration reviewer of its agency approves; both sides are told, both values in the trail.
use e2e::{Browser, TestApp};
use serde_json::{Value, json};
use shared::records::account::Permission;

fn details(address: &str, classified: &str) -> Value {
    json!({
        "unit_name": "漯河市郾城区应急管理局",
        "unit_nature": "行政单位",
        "union_name": "漯河市郾城区应急管理局工会",
        "region_code": "411103",
        "address": address,
        "classified": classified,
    })
}

async fn waiting(staff: &Browser) -> Vec<Value> {
    let r = staff.get("/api/staff/unit-details-changes").await;
    assert_eq!(r.status, 200, "{r:?}");
    r.body["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_unit_corrects_its_details_and_they_take_effect_only_when_its_agency_approves() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    let unit = &clerk.browser;
    let r = unit.get("/api/unit/profile").await;
    assert_eq!(r.status, 200, "{r:?}");
    let old_address = r.body["address"].as_str().expect("address").to_owned();
    assert_eq!(
        (r.body["classified"].as_bool(), r.body["pending"].is_null()),
        (Some(false), true),
        "{r:?}"
    );

    // Bad fields are named at once and nothing is written; an unchanged form is refused.
    let mut bad = details("", "");
    bad["region_code"] = json!("HN");
    let r = unit.put("/api/unit/profile", bad).await;
    assert_eq!((r.status, r.code()), (422, "INVALID_FIELDS"), "{r:?}");
    assert_eq!(r.field_code("address"), Some("REQUIRED"));
    assert_eq!(r.field_code("region_code"), Some("REGION_INVALID"));
    assert_eq!(r.field_code("classified"), Some("CLASSIFIED_REQUIRED"));
    let r = unit.put("/api/unit/profile", details(&old_address, "否")).await;
    assert_eq!((r.status, r.code()), (422, "NOTHING_CHANGED"), "{r:?}");
    assert!(unit.get("/api/unit/profile").await.body["pending"].is_null());

    let r = unit
        .put("/api/unit/profile", details("漯河市郾城区嵩山路8号", "是"))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let changes = r.body["pending"].as_array().expect("pending");
    assert_eq!(changes.len(), 2, "{r:?}");
    assert_eq!(
        (&changes[0]["label"], &changes[0]["before"], &changes[0]["after"]),
        (&json!("单位地址"), &json!(old_address), &json!("漯河市郾城区嵩山路8号"))
    );
    assert_eq!(
        (&changes[1]["label"], &changes[1]["after"]),
        (&json!("涉密单位"), &json!("是"))
    );
    let r = unit.put("/api/unit/profile", details("别处", "否")).await;
    assert_eq!((r.status, r.code()), (409, "DETAILS_CHANGE_PENDING"), "{r:?}");
    // The old details stay in force meanwhile.
    assert_eq!(
        unit.get("/api/unit/profile").await.body["address"],
        old_address.as_str()
    );

    // Only registration reviewers of the unit's subtree see and decide it.
    let reviewer = app
        .staff("hn.reg.details", "HN", vec![Permission::RegistrationReview])
        .await;
    let rows = waiting(&reviewer).await;
    let row = rows
        .iter()
        .find(|r| r["unit_id"] == clerk.unit_id.as_str())
        .expect("listed");
    let first_at = row["requested_at"].as_str().expect("at").to_owned();
    let stranger = app
        .staff("kf.reg.details", "410200", vec![Permission::RegistrationReview])
        .await;
    assert!(waiting(&stranger).await.is_empty());
    let path = |what: &str| format!("/api/staff/units/{}/details/{what}", clerk.unit_id);
    let r = stranger
        .post(&path("approve"), json!({ "requested_at": first_at }))
        .await;
    assert_eq!(r.status, 404, "{r:?}");
    let l1 = app.staff("hn.l1.details", "HN", vec![Permission::ReviewL1]).await;
    let r = l1.get("/api/staff/unit-details-changes").await;
    assert_eq!((r.status, r.code()), (403, "PERMISSION_DENIED"), "{r:?}");

    // 驳回 with a reason: the old details stay, the unit is told why.
    let r = reviewer
        .post(&path("reject"), json!({ "requested_at": first_at, "reason": "" }))
        .await;
    assert_eq!((r.status, r.code()), (422, "REASON_REQUIRED"), "{r:?}");
    let sms_before = app.sms_to(&clerk.mobile).await.len();
    let r = reviewer
        .post(
            &path("reject"),
            json!({ "requested_at": first_at, "reason": "地址与营业执照不一致。" }),
        )
        .await;
    assert_eq!(r.status, 204, "{r:?}");
    let sms = app.wait_sms(&clerk.mobile, sms_before + 1).await;
    assert_eq!(
        sms.last().map(String::as_str),
        Some(
            "【中国职工保险互助会】您好！贵单位提交的单位信息变更未通过审核，原因：地址与营业执照不一致。原信息继续有效，如需变更请登录单位端重新提交。"
        ),
        "{sms:?}"
    );
    let r = unit.get("/api/unit/profile").await;
    assert_eq!(
        (
            r.body["address"].as_str(),
            r.body["refused"]["reason"].as_str(),
            r.body["pending"].is_null()
        ),
        (Some(old_address.as_str()), Some("地址与营业执照不一致。"), true),
        "{r:?}"
    );
    assert!(waiting(&reviewer).await.is_empty());

    // Asked again and approved: a decision on the old listing is refused, the right one applies
    // once.
    let r = unit
        .put("/api/unit/profile", details("漯河市郾城区嵩山路8号", "是"))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let rows = waiting(&reviewer).await;
    let at = rows[0]["requested_at"].as_str().expect("at").to_owned();
    let r = reviewer
        .post(&path("approve"), json!({ "requested_at": first_at }))
        .await;
    assert_eq!((r.status, r.code()), (409, "DETAILS_CHANGE_GONE"), "{r:?}");
    let second = app
        .staff("hn.reg.details2", "HN", vec![Permission::RegistrationReview])
        .await;
    let approve = path("approve");
    let (a, b) = tokio::join!(
        reviewer.post(&approve, json!({ "requested_at": at })),
        second.post(&approve, json!({ "requested_at": at })),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [204, 409], "{a:?} {b:?}");
    let sms = app.wait_sms(&clerk.mobile, sms_before + 2).await;
    assert_eq!(
        sms.last().map(String::as_str),
        Some("【中国职工保险互助会】您好！贵单位提交的单位信息变更已通过审核，变更后的信息已生效。")
    );
    let r = unit.get("/api/unit/profile").await;
    assert_eq!(
        (
            r.body["address"].as_str(),
            r.body["classified"].as_bool(),
            r.body["refused"].is_null()
        ),
        (Some("漯河市郾城区嵩山路8号"), Some(true), true),
        "{r:?}"
    );

    // Both values of every step are in the unit's trail.
    let trail = shared::records::trail::page(
        &app.state,
        &shared::records::unit::unit_pk(&clerk.unit_id),
        &shared::platform::cursor::PageAt::first(20),
    )
    .await
    .expect("trail");
    let changed = trail
        .items
        .iter()
        .find(|e| e.action == "details_changed")
        .expect("details_changed");
    assert!(
        changed.summary.contains(&old_address) && changed.summary.contains("嵩山路8号"),
        "{changed:?}"
    );
    for action in ["details_change_requested", "details_change_rejected"] {
        assert!(trail.items.iter().any(|e| e.action == action), "{action}");
    }
}
