//! No double effects: a creating request repeated with its `Idempotency-Key` (a double click,
//! a retry after a lost answer) gets the first answer, never a second effect.
use e2e::{Browser, TestApp};
use serde_json::json;

#[tokio::test]
async fn a_repeated_unnamed_head_count_is_added_once_and_answered_the_same() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    let id = app.draft(&clerk, 1).await;
    let path = format!("/api/applications/{id}/unnamed");
    let body = json!({ "count": 3, "occupation": "general" });

    let first = clerk
        .browser
        .post_with_key(&path, "intent-0001-aaaa", body.clone())
        .await;
    assert_eq!(first.status, 201, "{first:?}");
    // A double click: the same key, sent again (and again at once from two tabs).
    let second = clerk
        .browser
        .post_with_key(&path, "intent-0001-aaaa", body.clone())
        .await;
    assert_eq!((second.status, &second.body), (201, &first.body));
    let cookie = clerk.browser.session_cookie();
    let handles: Vec<_> = (0..5)
        .map(|_| {
            let browser = Browser::with_cookie(&app.base, cookie.clone());
            let (path, body) = (path.clone(), body.clone());
            tokio::spawn(async move { browser.post_with_key(&path, "intent-0001-aaaa", body).await })
        })
        .collect();
    for handle in handles {
        let r = handle.await.expect("request");
        assert_eq!((r.status, &r.body), (201, &first.body));
    }
    let detail = clerk.browser.get(&format!("/api/applications/{id}")).await;
    assert_eq!(detail.body["unnamed_count"], 3, "{detail:?}");
    let list = clerk.browser.get(&path).await;
    assert_eq!(list.body.as_array().map(Vec::len), Some(1), "{list:?}");

    // The same key for another request is refused; a new key is a new intent.
    let r = clerk
        .browser
        .post_with_key(
            &path,
            "intent-0001-aaaa",
            json!({ "count": 4, "occupation": "general" }),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "IDEMPOTENCY_KEY_REUSED"), "{r:?}");
    let r = clerk
        .browser
        .post_with_key(&path, "intent-0002-bbbb", body.clone())
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let detail = clerk.browser.get(&format!("/api/applications/{id}")).await;
    assert_eq!(detail.body["unnamed_count"], 6);

    // A refusal is kept too: the repeat of a refused request is refused the same way, once.
    let r = clerk
        .browser
        .post_with_key(&path, "intent-0003-cccc", json!({ "count": 0 }))
        .await;
    let again = clerk
        .browser
        .post_with_key(&path, "intent-0003-cccc", json!({ "count": 0 }))
        .await;
    assert!(r.status >= 400 && r.status < 500, "{r:?}");
    assert_eq!((again.status, &again.body), (r.status, &r.body));

    // Keys belong to the session: another unit's same key does not see this answer.
    let other = app.clerk("411103").await;
    let other_id = app.draft(&other, 1).await;
    let r = other
        .browser
        .post_with_key(
            &format!("/api/applications/{other_id}/unnamed"),
            "intent-0001-aaaa",
            body,
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_ne!(r.body["entry_id"], first.body["entry_id"]);

    // A malformed key is refused before anything runs.
    let r = clerk
        .browser
        .post_with_key(&path, "bad key!", json!({ "count": 1 }))
        .await;
    assert_eq!((r.status, r.code()), (400, "IDEMPOTENCY_KEY_INVALID"));
}
