//! Probes, request ids and shutdown.

use serde_json::Value;

use crate::helpers::{assert_error, spawn_app, Database};

crate::on_both_databases!(
    healthz_and_readyz_answer_when_all_is_well,
    readyz_is_503_when_the_database_is_gone,
    responses_carry_a_request_id,
);

async fn healthz_and_readyz_answer_when_all_is_well(db: Database) {
    let app = spawn_app(db).await;
    for (path, status) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], status, "{path}");
    }
}

async fn readyz_is_503_when_the_database_is_gone(db: Database) {
    let app = spawn_app(db).await;
    app.db.pool.close().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.headers()["retry-after"], "5", "told when to look again");
    let body = assert_error(response, 503, "unavailable").await;
    assert!(!body.to_string().contains("mysql://"), "no internals in {body}");
    let alive = app.get("/healthz").await;
    assert_eq!(alive.status(), 200, "liveness does not depend on the database");
}

async fn responses_carry_a_request_id(db: Database) {
    let app = spawn_app(db).await;
    let response = app.get("/healthz").await;
    let generated = response.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(generated).is_ok());
    let traced = app.client.get(app.url("/healthz"));
    let response = traced
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me-123");
}
