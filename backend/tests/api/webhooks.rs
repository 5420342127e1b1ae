//! Webhooks end to end: a receiver on 127.0.0.1 gets signed deliveries, retried until it
//! accepts them; refused targets never become webhooks.

use std::time::Duration;

use folio_testkit::api::JsonResponse;
use folio_testkit::webhook::{verified, Receiver};
use serde_json::{json, Value};

use crate::helpers::{assert_error, Database};
use crate::sharing::{app_for, rendered, site};

crate::on_both_databases!(
    deliveries_are_signed_retried_until_accepted_and_logged,
    webhooks_to_refused_addresses_or_events_are_422s_and_each_user_sees_only_theirs,
);

async fn deliveries_are_signed_retried_until_accepted_and_logged(db: Database) {
    let site = site().await;
    let hook = Receiver::start(1).await;
    let app = app_for(db, vec![site, hook.addr]).await;
    let (_, token) = app.signed_in_user().await;
    let user = app.user(&token);
    let created = user
        .post("/api/v1/webhooks")
        .json(&json!({ "url": hook.url() }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["events"], json!(["file.done", "file.failed"]));
    let secret = created["secret"].as_str().unwrap().to_owned();
    let hook_id = created["id"].as_str().unwrap().to_owned();

    let done = rendered(&user, &format!("http://{site}/a"), "done").await;
    // The first attempt is answered 500, the retry 200.
    let got = hook.wait_for(2, "done, retried").await;
    for delivery in &got {
        let delivered = verified(&secret, delivery);
        assert_eq!(delivered["event"], "file.done");
        assert_eq!(delivered["file"]["id"], done["id"]);
        assert_eq!(delivered["file"]["status"], "done");
        assert_eq!(delivered["file"]["name"], "Page A");
    }
    let failed = rendered(&user, &format!("http://{site}/gone"), "failed").await;
    let got = hook.wait_for(3, "failed").await;
    let delivered = verified(&secret, &got[2]);
    assert_eq!(delivered["event"], "file.failed");
    assert_eq!(delivered["file"]["id"], failed["id"]);

    // Delivered once each, never again.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        hook.received().len(),
        3,
        "at-least-once, but no more once accepted"
    );
    let log: Value = user
        .get(&format!("/api/v1/webhooks/{hook_id}/deliveries"))
        .json_value()
        .await;
    let log = log["deliveries"].as_array().unwrap().clone();
    assert_eq!(log.len(), 3, "{log:?}");
    // Newest first.
    assert_eq!(log[0]["event"], "file.failed");
    assert_eq!(
        (log[0]["status_code"].as_u64(), log[0]["attempt"].as_u64()),
        (Some(200), Some(1))
    );
    assert_eq!(
        (log[1]["status_code"].as_u64(), log[1]["attempt"].as_u64()),
        (Some(200), Some(2))
    );
    assert!(log[1]["error"].is_null());
    assert_eq!(
        (log[2]["status_code"].as_u64(), log[2]["attempt"].as_u64()),
        (Some(500), Some(1))
    );
    assert!(log[2]["error"].as_str().is_some_and(|e| e.contains("500")));
    assert_eq!(log[2]["file_id"], done["id"]);

    let listed: Value = user.get("/api/v1/webhooks").json_value().await;
    assert_eq!(listed["webhooks"][0]["id"], hook_id.as_str());
    assert!(listed["webhooks"][0].get("secret").is_none(), "{listed}");
    assert_eq!(
        user.delete(&format!("/api/v1/webhooks/{hook_id}"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    rendered(&user, &format!("http://{site}/a"), "done").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(hook.received().len(), 3, "a deleted webhook gets nothing");
}

async fn webhooks_to_refused_addresses_or_events_are_422s_and_each_user_sees_only_theirs(db: Database) {
    let site = site().await;
    let hook = Receiver::start(0).await;
    let app = app_for(db, vec![site, hook.addr]).await;
    let (_, token) = app.signed_in_user().await;
    let user = app.user(&token);
    // In flight before the webhook exists: it still hears of it.
    let late = user.requested(&format!("http://{site}/late-gone")).await;
    for (body, field) in [
        // Classified, never contacted.
        (json!({ "url": "http://10.1.2.3/hook" }), "url"),
        (json!({ "url": "http://127.0.0.1:9/hook" }), "url"),
        (json!({ "url": "ftp://example.com/hook" }), "url"),
        (json!({ "url": hook.url(), "events": ["file.deleted"] }), "events"),
        (json!({ "url": hook.url(), "events": [] }), "events"),
    ] {
        let response = user.post("/api/v1/webhooks").json(&body).send().await.unwrap();
        let error = assert_error(response, 422, "invalid_input").await;
        assert_eq!(error["error"]["field"], field, "{body}");
    }
    let created: Value = user
        .post("/api/v1/webhooks")
        .json(&json!({ "url": hook.url(), "events": ["file.failed"] }))
        .json_value()
        .await;
    assert_eq!(created["events"], json!(["file.failed"]));
    let id = created["id"].as_str().unwrap();
    let delivered = verified(
        created["secret"].as_str().unwrap(),
        &hook.wait_for(1, "in flight").await[0],
    );
    assert_eq!(
        (&delivered["event"], &delivered["file"]["id"]),
        (&json!("file.failed"), &json!(late))
    );

    let (_, other) = app.signed_in_user().await;
    let other = app.user(&other);
    let theirs: Value = other.get("/api/v1/webhooks").json_value().await;
    assert_eq!(theirs["webhooks"], json!([]));
    for path in [format!("/api/v1/webhooks/{id}/deliveries")] {
        assert_error(other.get(&path).send().await.unwrap(), 404, "not_found").await;
    }
    assert_error(
        other
            .delete(&format!("/api/v1/webhooks/{id}"))
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
}
