//! Malformed requests of every kind get a JSON error with the right status, never a 500.

use serde_json::json;

use crate::helpers::{assert_error, spawn_app, spawn_app_with, unique_email, Database, PASSWORD};

crate::on_both_databases!(
    malformed_bodies_get_json_4xx,
    oversize_bodies_get_413,
    unknown_routes_and_methods_get_json_errors,
    bad_query_parameters_get_a_json_422_naming_them,
);

async fn bad_query_parameters_get_a_json_422_naming_them(db: Database) {
    let app = spawn_app(db).await;
    let (_, token) = app.signed_in_user().await;
    for query in [
        "limit=abc",
        "limit=null",
        "limit=0",
        "limit=1001",
        "limit=-1",
        "cursor=nope",
    ] {
        let listing = app.user(&token).get(&format!("/api/v1/files?{query}"));
        let response = listing.send().await.unwrap();
        let body = assert_error(response, 422, "invalid_input").await;
        let field = query.split('=').next().unwrap();
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
    let fine = app
        .user(&token)
        .get("/api/v1/files?limit=1")
        .send()
        .await
        .unwrap();
    assert_eq!(fine.status(), 200);
}

/// Path, Content-Type, body, expected status and error code.
type BodyCase = (&'static str, Option<&'static str>, Vec<u8>, u16, &'static str);

async fn malformed_bodies_get_json_4xx(db: Database) {
    let app = spawn_app(db).await;
    let cases: Vec<BodyCase> = vec![
        (
            "/api/v1/auth/sign-up",
            Some("application/json"),
            b"{\"email\": ".to_vec(),
            400,
            "bad_request",
        ),
        (
            "/api/v1/auth/sign-up",
            Some("application/json"),
            b"".to_vec(),
            400,
            "bad_request",
        ),
        (
            "/api/v1/auth/sign-up",
            Some("application/json"),
            b"[1, 2]".to_vec(),
            422,
            "invalid_input",
        ),
        // serde alone would read a struct from its fields in order: the API documents objects.
        (
            "/api/v1/auth/sign-up",
            Some("application/json"),
            b"[\"array-body@example.com\", \"a long enough password\"]".to_vec(),
            422,
            "invalid_input",
        ),
        (
            "/api/v1/auth/sign-up",
            Some("application/json"),
            b"null".to_vec(),
            422,
            "invalid_input",
        ),
        (
            "/api/v1/auth/sign-up",
            Some("application/json"),
            vec![0xff, 0xfe, 0x00],
            400,
            "bad_request",
        ),
        (
            "/api/v1/auth/sign-up",
            Some("text/plain"),
            b"{}".to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            "/api/v1/auth/sign-up",
            Some("application/x-www-form-urlencoded"),
            b"email=a%40b.co&password=12345678".to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            "/api/v1/auth/sign-in",
            Some("application/json"),
            b"{\"email\": ".to_vec(),
            400,
            "bad_request",
        ),
        ("/api/v1/auth/sign-in", None, b"".to_vec(), 400, "bad_request"),
        (
            "/api/v1/auth/sign-in",
            Some("application/json"),
            b"{\"email\": 1}".to_vec(),
            422,
            "invalid_input",
        ),
        (
            "/api/v1/auth/sign-in",
            Some("application/json"),
            b"\"text\"".to_vec(),
            422,
            "invalid_input",
        ),
    ];
    for (path, content_type, body, status, code) in cases {
        let mut request = app.client.post(app.url(path)).body(body.clone());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            response.status(),
            status,
            "{path} {content_type:?} {}",
            String::from_utf8_lossy(&body)
        );
        assert_error(response, status, code).await;
    }
    // Without a Content-Type a JSON body is still understood.
    let body = json!({ "email": unique_email(), "password": PASSWORD }).to_string();
    let response = app
        .client
        .post(app.url("/api/v1/auth/sign-up"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
}

async fn oversize_bodies_get_413(db: Database) {
    let app = spawn_app_with(db, |s| s.max_body_bytes = 4096).await;
    let huge = json!({ "email": unique_email(), "password": "x".repeat(10_000) });
    assert_error(
        app.post_json("/api/v1/auth/sign-up", &huge).await,
        413,
        "payload_too_large",
    )
    .await;
    assert_error(
        app.post_json("/api/v1/auth/sign-in", &huge).await,
        413,
        "payload_too_large",
    )
    .await;
    // The default limit (1 MiB) applies when nothing is configured.
    let app = spawn_app(db).await;
    let huge = json!({ "email": unique_email(), "password": "x".repeat(2 * 1024 * 1024) });
    assert_error(
        app.post_json("/api/v1/auth/sign-up", &huge).await,
        413,
        "payload_too_large",
    )
    .await;
}

async fn unknown_routes_and_methods_get_json_errors(db: Database) {
    let app = spawn_app(db).await;
    let missing = app.get("/api/v1/nope").await;
    assert_error(missing, 404, "not_found").await;
    let wrong_method = app.get("/api/v1/auth/sign-in").await;
    assert_error(wrong_method, 405, "method_not_allowed").await;
    let wrong_method = app.client.delete(app.url("/healthz")).send().await.unwrap();
    assert_error(wrong_method, 405, "method_not_allowed").await;
}
