//! The API's OpenAPI 3 document, served at `/api/v1/openapi.json`.
//!
//! It is generated from the handlers themselves: each route is registered through
//! `utoipa_axum::routes!`, which takes its path and method from the handler's
//! `#[utoipa::path]`, so the router and the document cannot list different routes.

use std::sync::Arc;

use axum::{Extension, Json};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Folio API",
        description = "Turn web pages into PDFs and keep them in your private library. \
                       Every route except sign-up, sign-in, share links (`/s/{token}`) and this \
                       document needs `Authorization: Bearer <token>`: a session token from \
                       sign-in, or an API key (`folio_…`) from `POST /api/v1/keys`.",
        license(name = "MIT")
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Accounts and sessions"),
        (name = "files", description = "The user's library of PDFs"),
        (name = "keys", description = "API keys, for scripts"),
        (name = "sharing", description = "Links that open one file without an account"),
        (name = "webhooks", description = "Signed POSTs when a file ends"),
        (name = "schedules", description = "Pages captured again at an interval"),
        (name = "meta", description = "This document")
    )
)]
pub struct ApiDoc;

/// The scheme every protected route names in its `security`.
pub const BEARER: &str = "bearer";

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

pub use crate::error::ErrorResponse;

/// This document: every route, its parameters, bodies, responses and errors. Public.
#[utoipa::path(get, path = "/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3 document of this API", content_type = "application/json")))]
pub async fn document(
    Extension(document): Extension<Arc<utoipa::openapi::OpenApi>>,
) -> Json<Arc<utoipa::openapi::OpenApi>> {
    Json(document)
}
