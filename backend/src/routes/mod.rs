//! HTTP routes, a module per feature, each exposing `router()`.

pub mod auth;
pub mod events;
pub mod files;
pub mod health;
pub mod spa;

use axum::http::{Method, Uri};

use crate::error::ApiError;

/// Unknown paths get the same JSON error body as everything else.
pub async fn not_found(uri: Uri) -> ApiError {
    tracing::debug!(%uri, "no route");
    ApiError::NotFound
}

pub async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed(format!("{method} is not allowed on {}", uri.path()))
}
