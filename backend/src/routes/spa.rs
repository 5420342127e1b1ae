//! The SPA: its built files (`frontend/dist`, or `FOLIO_STATIC_DIR`) at `/`, with every other
//! page path answered by `index.html` so the app can route itself. API paths never fall back to
//! the SPA: an unknown `/api/…` path is a JSON 404.
//!
//! Every SPA response carries a strict Content-Security-Policy: scripts, styles and API calls
//! only from this origin, no inline scripts, no framing. Images may also be `blob:` URLs: the
//! thumbnails, fetched with the session's token, are shown from blobs.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::error::ApiError;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     frame-ancestors 'none'; form-action 'self'";

#[derive(Clone)]
pub struct Spa {
    dir: PathBuf,
}

impl Spa {
    /// `None` when the folder has no `index.html` (the SPA is not built): then only the API is
    /// served, and `/` says how to build it.
    pub fn new(dir: &Path) -> Option<Self> {
        dir.join("index.html").is_file().then(|| Self {
            dir: dir.to_path_buf(),
        })
    }

    /// Answers a request no API route matched.
    pub async fn serve(&self, request: Request) -> Response {
        let path = request.uri().path().to_owned();
        if path.starts_with("/api/") || !matches!(*request.method(), Method::GET | Method::HEAD) {
            return ApiError::NotFound.into_response();
        }
        // A path that names a file (has an extension) is that file or a 404; any other path is
        // a page of the app.
        let is_asset = path.rsplit('/').next().is_some_and(|last| last.contains('.'));
        let response = if is_asset {
            ServeDir::new(&self.dir).oneshot(request).await
        } else {
            let (mut parts, body) = request.into_parts();
            parts.uri = "/index.html".parse().expect("a valid URI");
            ServeDir::new(&self.dir)
                .oneshot(Request::from_parts(parts, body))
                .await
        };
        let mut response = match response {
            Ok(response) if response.status() == StatusCode::NOT_FOUND => {
                return ApiError::NotFound.into_response();
            }
            Ok(response) => response.map(Body::new),
            Err(never) => match never {},
        };
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        // Vite names built assets by content hash; the page itself must always be fresh.
        let cache = if path.starts_with("/assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        response
    }
}
