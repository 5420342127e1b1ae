//! The SPA is served at `/` with a fallback to `index.html` for its pages, under a strict
//! Content-Security-Policy; API paths and missing assets stay JSON 404s.

use crate::helpers::{spawn_app_with, Database, TestApp};

async fn app_with_spa() -> (TestApp, tempfile::TempDir) {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><title>Folio</title><script type=module src=/assets/app.js></script>",
    )
    .unwrap();
    std::fs::create_dir(dist.path().join("assets")).unwrap();
    std::fs::write(dist.path().join("assets/app.js"), "console.log('folio')").unwrap();
    let dir = dist.path().to_path_buf();
    let app = spawn_app_with(Database::Sqlite, |s| s.static_dir = dir).await;
    (app, dist)
}

#[tokio::test]
async fn the_spa_and_its_pages_are_served_with_a_strict_csp() {
    let (app, _dist) = app_with_spa().await;
    for path in ["/", "/library", "/some/deep/page"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(response.headers()["cache-control"], "no-cache");
        assert!(response.text().await.unwrap().contains("<title>Folio</title>"));
    }
    let asset = app.get("/assets/app.js").await;
    assert_eq!(asset.status(), 200);
    assert!(asset.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("javascript"));
    assert!(asset.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
}

#[tokio::test]
async fn api_paths_and_missing_files_never_fall_back_to_the_spa() {
    let (app, _dist) = app_with_spa().await;
    for path in [
        "/api/v1/nope",
        "/api/v2/files",
        "/assets/missing.js",
        "/favicon.ico",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found", "{path}");
    }
    let escape = app.get("/assets/..%2F..%2Fetc%2Fpasswd").await;
    assert_eq!(escape.status(), 404);
}

#[tokio::test]
async fn without_a_built_spa_only_the_api_answers() {
    let app = spawn_app_with(Database::Sqlite, |s| s.static_dir = "/nonexistent/dist".into()).await;
    assert_eq!(app.get("/").await.status(), 404);
    assert_eq!(app.get("/healthz").await.status(), 200);
}
