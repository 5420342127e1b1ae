//! Liveness and readiness probes, and the metrics scrape.

use std::time::Duration;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// Prometheus' scrape, on the API listener (the Ingress routes only `/api` and the SPA to
/// it). The queue depth is read now, so it is as fresh as the scrape.
async fn metrics(State(state): State<AppState>) -> impl axum::response::IntoResponse {
    if let Ok(Some(depth)) = state.ports.queue.depth().await {
        ::metrics::gauge!(folio_lambda::metrics::QUEUE_DEPTH).set(depth as f64);
    }
    folio_lambda::metrics::exposition()
}

/// The process is up; touches nothing, so a slow database never gets a pod killed.
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The dependencies answer; a pod that cannot reach its database is taken out of rotation.
async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    match tokio::time::timeout(Duration::from_secs(2), state.db.ping()).await {
        Ok(Ok(())) => Ok(Json(json!({ "status": "ready", "checks": { "database": "ok" } }))),
        Ok(Err(e)) => Err(ApiError::Unavailable(
            anyhow::Error::new(e).context("database ping failed"),
        )),
        Err(_) => Err(ApiError::Unavailable(anyhow::anyhow!("database ping timed out"))),
    }
}
