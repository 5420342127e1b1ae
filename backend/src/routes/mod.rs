//! HTTP routes, a module per feature, each exposing `router()`.

pub mod auth;
pub mod batch;
pub mod events;
pub mod export;
pub mod files;
pub mod health;
pub mod keys;
pub mod labels;
pub mod listing;
pub mod listing_cache;
pub mod recapture;
pub mod schedules;
pub mod shares;
pub mod spa;
mod thumbnail;
pub mod view;
pub mod webhooks;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, Method, Response, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::{Extension, Router};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::error::ApiError;
use crate::openapi::ApiDoc;
use crate::state::AppState;

/// A stored time (Unix seconds) as the API shows it.
pub(crate) fn rfc3339(unix_seconds: i64) -> String {
    rfc3339_ms(unix_seconds.saturating_mul(1000))
}

/// A stored time in Unix milliseconds as the API shows it, to the millisecond.
pub(crate) fn rfc3339_ms(unix_ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(unix_ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// Any id that is not a UUID (path tricks included) is simply an object that does not exist.
pub(crate) fn path_id(raw: &str) -> Result<uuid::Uuid, ApiError> {
    raw.parse::<uuid::Uuid>().map_err(|_| ApiError::NotFound)
}

/// Unknown paths get the same JSON error body as everything else.
pub async fn not_found(uri: Uri) -> ApiError {
    tracing::debug!(%uri, "no route");
    ApiError::NotFound
}

pub async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed(format!("{method} is not allowed on {}", uri.path()))
}

/// Paths no route matched: the SPA's files and pages when it is built, else a JSON 404.
async fn fallback(State(state): State<AppState>, request: Request) -> axum::response::Response {
    match &state.spa {
        Some(spa) => spa.serve(request).await,
        None => not_found(request.uri().clone()).await.into_response(),
    }
}

/// Counts each request by its route (the matched pattern: paths carry ids) and status, and
/// times it.
async fn record_request(request: Request, next: axum::middleware::Next) -> axum::response::Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let elapsed = started.elapsed().as_secs_f64();
    metrics::counter!(folio_core::metrics::HTTP_REQUESTS, "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!(folio_core::metrics::HTTP_DURATION, "route" => route).record(elapsed);
    response
}

/// The whole HTTP surface: the API under `/api/v1`, the probes, the SPA.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let max_body = state.settings.max_body_bytes;

    let api = OpenApiRouter::new()
        .merge(auth::router())
        .merge(files::router())
        .merge(thumbnail::router())
        .merge(listing::router())
        .merge(batch::router())
        .merge(export::router())
        .merge(events::router())
        .merge(keys::router())
        .merge(shares::router())
        .merge(webhooks::router())
        .merge(view::router())
        .merge(recapture::router())
        .merge(schedules::router())
        .routes(utoipa_axum::routes!(crate::openapi::document));
    let (api, document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", api)
        .merge(shares::public_router())
        .split_for_parts();
    let api = api
        .layer(Extension(Arc::new(document)))
        .route_layer(axum::middleware::from_fn(record_request))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            let route = request
                .extensions()
                .get::<MatchedPath>()
                .map_or("unmatched", MatchedPath::as_str);
            let request_id = request
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            tracing::info_span!("request", method = %request.method(), route, request_id)
        }));
    // Probes run every few seconds; at info level they would drown everything else.
    let probes = health::router().layer(
        TraceLayer::new_for_http()
            .make_span_with(DefaultMakeSpan::new().level(Level::DEBUG))
            .on_response(DefaultOnResponse::new().level(Level::DEBUG)),
    );

    Router::new()
        .merge(api)
        .merge(probes)
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// A bug must not take the connection down or leak a backtrace; it is logged and answered 500.
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response<axum::body::Body> {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    let response = ApiError::Internal(anyhow::anyhow!("handler panicked: {detail}")).into_response();
    debug_assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_read_as_rfc3339_with_milliseconds_only_when_there_are_some() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(1_795_000_000), "2026-11-18T11:06:40Z");
        assert_eq!(super::rfc3339_ms(1_500), "1970-01-01T00:00:01.5Z");
        assert_eq!(super::rfc3339(i64::MAX), "");
    }
}
