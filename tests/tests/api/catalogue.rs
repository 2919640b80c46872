//! 保障活动目录: the province office's admins add and change activities; units see the changes
//! in new applications only.
use e2e::TestApp;
use std::sync::Arc;

use serde_json::{Value, json};
use shared::records::account::Permission;

fn accident(revision: u64, fee_fen: u64) -> Value {
    json!({
        "code": "YWSH", "kind": "意外伤害", "name": "职工意外伤害互助保障活动",
        "fee_per_share_fen": fee_fen, "max_shares": 3,
        "sub_categories": [{ "code": "YWSH-01", "name": "意外伤害（会费20元）" }],
        "min_age": 16, "max_age_male": 65, "max_age_female": 60, "term_months": 12,
        "revision": revision
    })
}

async fn public_activity(app: &TestApp, code: &str) -> Option<Value> {
    let r = app.browser().get("/api/reference/activities").await;
    assert_eq!(r.status, 200, "{r:?}");
    r.body.as_array()?.iter().find(|a| a["code"] == code).cloned()
}

#[tokio::test]
async fn an_admin_adds_an_activity_that_units_can_then_apply_for() {
    let app = TestApp::spawn().await;
    let admin = app.staff("hn.admin", "HN", vec![Permission::Admin]).await;

    let r = admin.post("/api/admin/activities", accident(0, 2000)).await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.body["revision"], 1);
    // Renewal terms left out of the form take the office's usual ones.
    assert_eq!(
        (
            r.body["renewal_opens_days_before"].as_u64(),
            r.body["renewal_closes_days_after"].as_u64(),
            r.body["observation_days"].as_u64()
        ),
        (Some(30), Some(15), Some(90))
    );
    let stored = public_activity(&app, "YWSH").await.expect("listed");
    assert_eq!(
        (stored["fee_per_share_fen"].as_u64(), stored["active"].as_bool()),
        (Some(2000), Some(true))
    );

    let r = admin.post("/api/admin/activities", accident(0, 3000)).await;
    assert_eq!((r.status, r.code()), (409, "ACTIVITY_CODE_TAKEN"));
    assert_eq!(
        public_activity(&app, "YWSH").await.expect("listed")["fee_per_share_fen"],
        2000
    );

    let clerk = app.clerk("411103").await;
    let r = clerk
        .browser
        .post(
            "/api/applications",
            json!({ "activity_code": "YWSH", "sub_category_code": "YWSH-01", "shares": 2 }),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.body["fee_per_share_fen"], 2000);

    let history = admin.get("/api/admin/activities/YWSH/history").await;
    assert_eq!(history.status, 200, "{history:?}");
    let entries = history.body["items"].as_array().expect("entries");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["actor"], "hn.admin");
    assert_eq!(
        entries[0]["summary"],
        "新增保障活动：职工意外伤害互助保障活动，会费标准20.00元/份"
    );
}

#[tokio::test]
async fn a_bad_form_names_every_field_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.staff("hn.admin", "HN", vec![Permission::Admin]).await;
    let mut form = accident(0, 0);
    form["code"] = json!("ywsh");
    form["max_age_female"] = json!(12);
    form["sub_categories"] = json!([{ "code": "X", "name": "" }]);
    form["renewal_closes_days_after"] = json!(91);
    form["observation_days"] = json!(366);
    let r = admin.post("/api/admin/activities", form).await;
    assert_eq!((r.status, r.code()), (422, "INVALID_FIELDS"), "{r:?}");
    let fields: Vec<&str> = r.body["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "code",
            "fee_per_share_fen",
            "sub_categories[0].code",
            "sub_categories[0].name",
            "max_age_female",
            "renewal_closes_days_after",
            "observation_days"
        ]
    );
    assert_eq!(r.body["fields"][5]["message"], "续保截止时间应为到期后0到90天");
    assert_eq!(r.body["fields"][6]["message"], "观察期应为0到365天");
    assert_eq!(r.body["fields"][1]["message"], "会费标准应在0.01元到100000.00元之间");
    assert!(public_activity(&app, "ywsh").await.is_none());
    assert!(public_activity(&app, "YWSH").await.is_none());

    let r = admin.post("/api/admin/activities", json!("not a form")).await;
    assert_eq!(r.status / 100, 4, "{r:?}");
}

#[tokio::test]
async fn a_fee_change_applies_to_new_applications_only_and_deactivating_stops_new_ones() {
    let app = TestApp::spawn().await;
    let admin = app.staff("hn.admin", "HN", vec![Permission::Admin]).await;
    let clerk = app.clerk("411103").await;
    let before = app.draft(&clerk, 1).await;

    let mut form = public_activity(&app, "ZYYL").await.expect("seeded");
    assert_eq!(form["revision"], 0);
    form["fee_per_share_fen"] = json!(9000);
    form["observation_days"] = json!(60);
    let r = admin.put("/api/admin/activities/ZYYL", form.clone()).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        (r.body["revision"].as_u64(), r.body["fee_per_share_fen"].as_u64()),
        (Some(1), Some(9000))
    );

    let old = clerk.browser.get(&format!("/api/applications/{before}")).await;
    assert_eq!(old.body["activities"][0]["fee_per_share_fen"], 8000, "{old:?}");
    let new = app.draft(&clerk, 1).await;
    let new = clerk.browser.get(&format!("/api/applications/{new}")).await;
    assert_eq!(new.body["activities"][0]["fee_per_share_fen"], 9000, "{new:?}");

    // The same form again (revision 0) was edited meanwhile: refused, nothing overwritten.
    form["fee_per_share_fen"] = json!(7000);
    let r = admin.put("/api/admin/activities/ZYYL", form.clone()).await;
    assert_eq!((r.status, r.code()), (409, "CATALOGUE_STALE"), "{r:?}");
    assert_eq!(
        public_activity(&app, "ZYYL").await.expect("listed")["fee_per_share_fen"],
        9000
    );

    form["fee_per_share_fen"] = json!(9000);
    form["revision"] = json!(1);
    form["active"] = json!(false);
    let r = admin.put("/api/admin/activities/ZYYL", form).await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = clerk
        .browser
        .post(
            "/api/applications",
            json!({ "activity_code": "ZYYL", "sub_category_code": "ZYYL-01", "shares": 1 }),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "ACTIVITY_UNKNOWN"), "{r:?}");

    let history = admin.get("/api/admin/activities/ZYYL/history").await;
    let summaries: Vec<&str> = history.body["items"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["summary"].as_str())
        .collect();
    assert_eq!(
        summaries,
        [
            "修改保障活动：状态 启用→停用",
            "修改保障活动：会费标准 80.00元→90.00元；观察期(天) 90→60"
        ],
        "newest first"
    );

    let r = admin.put("/api/admin/activities/NOPE", accident(0, 2000)).await;
    assert_eq!((r.status, r.code()), (404, "ACTIVITY_NOT_FOUND"));
}

#[tokio::test]
async fn two_admins_saving_the_same_revision_at_once_give_one_change() {
    let app = TestApp::spawn().await;
    let admin = Arc::new(app.staff("hn.admin", "HN", vec![Permission::Admin]).await);
    let form = public_activity(&app, "ZYYL").await.expect("seeded");
    let mut saves = tokio::task::JoinSet::new();
    for i in 0..8u64 {
        let (admin, mut form) = (admin.clone(), form.clone());
        form["fee_per_share_fen"] = json!(8100 + i);
        saves.spawn(async move { admin.put("/api/admin/activities/ZYYL", form).await });
    }
    let mut results = Vec::new();
    while let Some(r) = saves.join_next().await {
        results.push(r.expect("join"));
    }
    let ok: Vec<_> = results.iter().filter(|r| r.status == 200).collect();
    assert_eq!(ok.len(), 1, "{results:?}");
    assert!(
        results.iter().all(|r| r.status == 200 || r.code() == "CATALOGUE_STALE"),
        "{results:?}"
    );
    let stored = public_activity(&app, "ZYYL").await.expect("listed");
    assert_eq!(stored["fee_per_share_fen"], ok[0].body["fee_per_share_fen"]);
    assert_eq!(stored["revision"], 1);
    let history = admin.get("/api/admin/activities/ZYYL/history").await;
    assert_eq!(history.body["items"].as_array().map(Vec::len), Some(1), "{history:?}");
}

#[tokio::test]
async fn only_the_province_offices_admins_maintain_the_catalogue() {
    let app = TestApp::spawn().await;
    let city_admin = app.staff("luohe.admin", "411100", vec![Permission::Admin]).await;
    let reviewer = app.staff("hn.l1", "HN", vec![Permission::ReviewL1]).await;
    let clerk = app.clerk("411103").await;
    let anonymous = app.browser();
    for (who, status, code) in [
        (&city_admin, 403, "CATALOGUE_ROOT_ONLY"),
        (&reviewer, 403, "PERMISSION_DENIED"),
        (&clerk.browser, 403, "STAFF_ONLY"),
    ] {
        let r = who.post("/api/admin/activities", accident(0, 2000)).await;
        assert_eq!((r.status, r.code()), (status, code), "{r:?}");
        let r = who.put("/api/admin/activities/ZYYL", accident(0, 2000)).await;
        assert_eq!((r.status, r.code()), (status, code), "{r:?}");
        let r = who.get("/api/admin/activities/ZYYL/history").await;
        assert_eq!((r.status, r.code()), (status, code), "{r:?}");
    }
    let r = anonymous.post("/api/admin/activities", accident(0, 2000)).await;
    assert_eq!(r.status, 401, "{r:?}");
    assert!(public_activity(&app, "YWSH").await.is_none());
    assert_eq!(
        public_activity(&app, "ZYYL").await.expect("seeded")["fee_per_share_fen"],
        8000
    );
}
