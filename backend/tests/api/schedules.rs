//! Schedules: a page captured again at an interval, as recapture would, under the same quotas;
//! each user's own; gone with the account.

use std::time::Duration;

use folio_testkit::api::{page, serve_pages, Api, JsonResponse};
use serde_json::{json, Value};

use crate::helpers::{assert_error, spawn_app_with, Database, TestApp};

crate::on_both_databases!(
    a_schedule_captures_its_page_again_as_new_versions,
    schedules_are_checked_private_and_go_with_the_account,
    a_run_a_quota_refuses_is_skipped_until_the_next,
);

async fn app(db: Database, site: std::net::SocketAddr, max_queued_jobs: u64) -> TestApp {
    spawn_app_with(db, |s| {
        s.render.allowed_addrs = vec![site];
        s.render.concurrency = 2;
        s.schedule_min_interval = Duration::from_secs(1);
        s.max_queued_jobs = max_queued_jobs;
    })
    .await
}

async fn site() -> std::net::SocketAddr {
    serve_pages(axum::Router::new().route("/s", page("<title>Scheduled</title><p>Again</p>"))).await
}

async fn schedule(user: &Api, body: Value) -> reqwest::Response {
    user.post("/api/v1/schedules").json(&body).send().await.unwrap()
}

async fn a_schedule_captures_its_page_again_as_new_versions(db: Database) {
    let site = site().await;
    let app = app(db, site, 200).await;
    let (_, token) = app.signed_in_user().await;
    let user = app.user(&token);
    let options = json!({ "landscape": true });
    let created = schedule(
        &user,
        json!({ "url": format!("http://{site}/s"), "options": options, "every_seconds": 1 }),
    )
    .await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(
        (created["every_seconds"].clone(), created["options"].clone()),
        (json!(1), options.clone())
    );
    assert_eq!(
        (created["engine"].clone(), created["last_file_id"].clone()),
        (json!("chromium"), Value::Null)
    );
    let next = time::OffsetDateTime::parse(
        created["next_run_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(
        next > time::OffsetDateTime::now_utc(),
        "the first run is an interval after creation"
    );

    // Versions appear over time, each asked exactly as the schedule says.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let files = loop {
        let files = user.files().await;
        if files.len() >= 3 {
            break files;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "3 runs within 30 s: {files:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let mut versions: Vec<u64> = files.iter().map(|f| f["version"].as_u64().unwrap()).collect();
    versions.sort();
    assert_eq!(versions[..3], [1, 2, 3]);
    assert!(files.iter().all(|f| f["options"] == options), "{files:?}");
    let listed: Value = user.get("/api/v1/schedules").json_value().await;
    assert_eq!(listed["schedules"][0]["id"], created["id"]);
    assert!(listed["schedules"][0]["last_file_id"].is_string(), "{listed}");

    // Deleted: no more runs.
    let path = format!("/api/v1/schedules/{}", created["id"].as_str().unwrap());
    assert_eq!(user.delete(&path).send().await.unwrap().status(), 204);
    let count = user.files().await.len();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(
        user.files().await.len() <= count + 1,
        "at most a run already started"
    );
    assert_error(user.delete(&path).send().await.unwrap(), 404, "not_found").await;
}

async fn schedules_are_checked_private_and_go_with_the_account(db: Database) {
    let site = site().await;
    let app = spawn_app_with(db, |s| s.render.allowed_addrs = vec![site]).await;
    let (email, token) = app.signed_in_user().await;
    let user = app.user(&token);
    let url = format!("http://{site}/s");
    // The default shortest interval is an hour.
    let short = assert_error(
        schedule(&user, json!({ "url": url, "every_seconds": 60 })).await,
        422,
        "invalid_input",
    )
    .await;
    assert_eq!(short["error"]["field"], "every_seconds");
    for (body, field) in [
        (json!({ "url": "not a url", "every_seconds": 3600 }), "url"),
        (
            json!({ "url": url, "every_seconds": 3600, "options": { "scale": 9 } }),
            "options.scale",
        ),
        (json!({ "url": url }), "every_seconds"),
    ] {
        let refused = assert_error(schedule(&user, body.clone()).await, 422, "invalid_input").await;
        assert_eq!(refused["error"]["field"], field, "{body}");
    }
    let created: Value = schedule(&user, json!({ "url": url, "every_seconds": 86400 }))
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();

    let (_, other) = app.signed_in_user().await;
    let stranger = app.user(&other);
    let theirs: Value = stranger.get("/api/v1/schedules").json_value().await;
    assert_eq!(theirs["schedules"], json!([]));
    assert_error(
        stranger
            .delete(&format!("/api/v1/schedules/{id}"))
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;

    let rows = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM schedules")
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
    };
    assert_eq!(rows().await, 1);
    let deleted = user.delete("/api/v1/auth/me").send().await.unwrap();
    assert_eq!(deleted.status(), 204, "{email}");
    assert_eq!(rows().await, 0, "the account's schedules went with it");
}

async fn a_run_a_quota_refuses_is_skipped_until_the_next(db: Database) {
    let site = site().await;
    // No job may be queued at all: every run is refused.
    let app = app(db, site, 0).await;
    let (_, token) = app.signed_in_user().await;
    let user = app.user(&token);
    let created: Value = schedule(
        &user,
        json!({ "url": format!("http://{site}/s"), "every_seconds": 1 }),
    )
    .await
    .json()
    .await
    .unwrap();
    let first = created["next_run_at"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(2600)).await;
    let listed: Value = user.get("/api/v1/schedules").json_value().await;
    let schedule = &listed["schedules"][0];
    assert!(
        schedule["next_run_at"].as_str().unwrap() > first.as_str(),
        "moved on: {listed}"
    );
    assert_eq!(schedule["last_file_id"], Value::Null);
    assert!(user.files().await.is_empty());
}
