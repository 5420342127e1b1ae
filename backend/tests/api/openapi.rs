//! `/api/v1/openapi.json` is public and tells the truth: every documented operation exists
//! with the documented security, and the documented response shapes are the ones the API
//! actually sends.

use std::collections::BTreeSet;

use folio_testkit::api::JsonResponse;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Database, TestApp};

async fn document(app: &TestApp) -> Value {
    let response = app.get("/api/v1/openapi.json").await;
    assert_eq!(response.status(), 200, "public: no token needed");
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    response.json().await.unwrap()
}

/// `(METHOD, path)` of every operation in the document.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|method| ["get", "post", "put", "patch", "delete"].contains(&method.as_str()))
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect()
}

#[tokio::test]
async fn the_document_lists_every_route_of_the_api() {
    let app = spawn_app(Database::Sqlite).await;
    let doc = document(&app).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let expected: BTreeSet<(String, String)> = [
        ("POST", "/api/v1/auth/sign-up"),
        ("POST", "/api/v1/auth/sign-in"),
        ("POST", "/api/v1/auth/sign-out"),
        ("GET", "/api/v1/auth/me"),
        ("DELETE", "/api/v1/auth/me"),
        ("POST", "/api/v1/auth/password"),
        ("POST", "/api/v1/request"),
        ("GET", "/api/v1/files"),
        ("GET", "/api/v1/file/{id}"),
        ("DELETE", "/api/v1/file/{id}"),
        ("GET", "/api/v1/events"),
        ("GET", "/api/v1/openapi.json"),
        ("POST", "/api/v1/requests"),
        ("GET", "/api/v1/export"),
        ("POST", "/api/v1/keys"),
        ("GET", "/api/v1/keys"),
        ("DELETE", "/api/v1/keys/{id}"),
        ("POST", "/api/v1/file/{id}/share"),
        ("GET", "/api/v1/file/{id}/shares"),
        ("DELETE", "/api/v1/shares/{id}"),
        ("GET", "/s/{token}"),
        ("POST", "/api/v1/webhooks"),
        ("GET", "/api/v1/webhooks"),
        ("DELETE", "/api/v1/webhooks/{id}"),
        ("GET", "/api/v1/webhooks/{id}/deliveries"),
        ("GET", "/api/v1/file/{id}/thumbnail"),
        ("POST", "/api/v1/file/{id}/view"),
        ("GET", "/api/v1/view/{token}"),
        ("PATCH", "/api/v1/file/{id}"),
        ("POST", "/api/v1/file/{id}/recapture"),
        ("POST", "/api/v1/schedules"),
        ("GET", "/api/v1/schedules"),
        ("DELETE", "/api/v1/schedules/{id}"),
    ]
    .into_iter()
    .map(|(m, p)| (m.to_owned(), p.to_owned()))
    .collect();
    assert_eq!(operations(&doc), expected);
    // Generated clients name their functions after operation ids: each must be unique.
    let mut ids = BTreeSet::new();
    for (method, path) in operations(&doc) {
        let id = doc["paths"][&path][method.to_lowercase()]["operationId"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(ids.insert(id.clone()), "operationId {id} is used twice");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"],
        json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    );
}

#[tokio::test]
async fn every_documented_operation_exists_with_its_documented_security() {
    let app = spawn_app(Database::Sqlite).await;
    let doc = document(&app).await;
    for (method, path) in operations(&doc) {
        let operation = &doc["paths"][&path][method.to_lowercase()];
        let secured = operation["security"]
            .as_array()
            .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
        let url = app.url(
            &path
                .replace("{id}", &uuid::Uuid::now_v7().to_string())
                .replace("{token}", "no-such-token"),
        );
        let request = app
            .client
            .request(method.parse().unwrap(), &url)
            .header("content-type", "application/json")
            .body("{}");
        let status = request.send().await.unwrap().status().as_u16();
        if secured {
            assert_eq!(status, 401, "{method} {path} is documented as needing a token");
        } else if path.contains("{token}") {
            assert_eq!(status, 404, "{method} {path}: an unknown token is not found");
        } else {
            assert!(
                status != 401 && status != 404 && status != 405,
                "{method} {path} is documented as public and must exist: {status}"
            );
        }
        // A method the route does not have: the path itself exists (405, not 404).
        let other = app
            .client
            .request("PUT".parse().unwrap(), &url)
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), 405, "{path} exists");
    }
}

/// The property names a schema (or a `$ref` to one, or an `allOf` of them) declares.
fn properties(doc: &Value, schema: &Value) -> BTreeSet<String> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return properties(doc, &doc["components"]["schemas"][name]);
    }
    let mut names: BTreeSet<String> = schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        names.extend(properties(doc, part));
    }
    names
}

fn response_schema<'a>(doc: &'a Value, method: &str, path: &str, status: &str) -> &'a Value {
    &doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

#[tokio::test]
async fn documented_shapes_are_the_shapes_the_api_sends() {
    let app = spawn_app(Database::Sqlite).await;
    let doc = document(&app).await;

    // Each answer has exactly the properties its documented schema lists.
    let documented = |answer: &Value, method, path, status| {
        let schema = response_schema(&doc, method, path, status);
        assert_eq!(keys(answer), properties(&doc, schema), "{method} {path}");
    };
    let password = crate::helpers::PASSWORD;
    let signed_up = app.sign_up("shapes@example.com", password).await;
    documented(
        &signed_up.json().await.unwrap(),
        "post",
        "/api/v1/auth/sign-up",
        "201",
    );
    let session: Value = app
        .sign_in("shapes@example.com", password)
        .await
        .json()
        .await
        .unwrap();
    documented(&session, "post", "/api/v1/auth/sign-in", "200");
    let token = session["token"].as_str().unwrap();

    let me: Value = app.me(token).await.json().await.unwrap();
    documented(&me, "get", "/api/v1/auth/me", "200");
    assert!(me["usage"].is_object());

    let accepted = app
        .user(token)
        .post("/api/v1/request")
        .json(&json!({"url": "https://example.com/", "options": {"landscape": true, "margin": "1cm"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 202);
    documented(&accepted.json().await.unwrap(), "post", "/api/v1/request", "202");

    let listed: Value = app.user(token).get("/api/v1/files").json_value().await;
    documented(&listed, "get", "/api/v1/files", "200");
    let file = &listed["files"][0];
    let record = &doc["components"]["schemas"]["FileRecord"];
    // Every field is always sent, but the one only search results carry.
    let fields = properties(&doc, record);
    assert_eq!(
        fields.difference(&keys(file)).collect::<Vec<_>>(),
        ["snippet"],
        "FileRecord is documented field for field"
    );
    assert!(keys(file).is_subset(&fields));
    let statuses: BTreeSet<&str> = doc["components"]["schemas"]["FileStatus"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        BTreeSet::from(["queued", "rendering", "done", "failed"])
    );

    // Errors: the documented envelope.
    let error: Value = app.user(token).get("/api/v1/file/not-a-file").json_value().await;
    documented(&error, "get", "/api/v1/file/{id}", "404");
    let detail = &doc["components"]["schemas"]["ErrorDetail"];
    assert!(keys(&error["error"]).is_subset(&properties(&doc, detail)));

    // Render options: every documented option is accepted by name, nothing undocumented is.
    let options = properties(&doc, &doc["components"]["schemas"]["RenderOptions"]);
    let defaults = serde_json::to_value(folio_core::RenderOptions::default()).unwrap();
    assert_eq!(options, keys(&defaults));
}

/// Error codes a client may branch on are listed in the document, and are the ones sent.
#[tokio::test]
async fn error_codes_are_documented_as_sent() {
    let app = spawn_app(Database::Sqlite).await;
    let doc = document(&app).await;
    let documented: BTreeSet<&str> = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .expect("the codes are an enum")
        .iter()
        .map(|code| code.as_str().unwrap())
        .collect();
    let (_, token) = app.signed_in_user().await;
    let invalid: Value = app
        .user(&token)
        .post("/api/v1/request")
        .json(&json!({"url": "not a url"}))
        .json_value()
        .await;
    let sent = invalid["error"]["code"].as_str().unwrap();
    assert_eq!(sent, "invalid_input");
    for code in [
        sent,
        "not_found",
        "unauthorized",
        "rate_limited",
        "quota_exceeded",
    ] {
        assert!(documented.contains(code), "{code} is not documented");
    }
}

/// The SPA's API types are generated from `frontend/openapi.json` (`npm run types`), so that
/// copy must be the document the API serves. `FOLIO_UPDATE_OPENAPI=1` rewrites it.
#[tokio::test]
async fn the_committed_document_the_spa_is_typed_from_is_the_served_one() {
    let app = spawn_app(Database::Sqlite).await;
    let served = serde_json::to_string_pretty(&document(&app).await).unwrap() + "\n";
    let committed_path = folio_testkit::workspace_root().join("frontend/openapi.json");
    if std::env::var_os("FOLIO_UPDATE_OPENAPI").is_some() {
        std::fs::write(&committed_path, &served).unwrap();
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == served,
        "frontend/openapi.json differs from the served document: run \
         `FOLIO_UPDATE_OPENAPI=1 cargo test -p folio-backend --test api committed_document`, \
         then `npm run types` in frontend/"
    );
}
