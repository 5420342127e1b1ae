//! A page sent as HTML instead of a URL: rendered as if its `base_url` had served it, every
//! request it makes still through the SSRF guard, version 1 of an address of its own.

use axum::response::IntoResponse;
use folio_testkit::api::{page, serve_pages};
use serde_json::{json, Value};

use crate::helpers::{assert_error, Database};
use crate::sharing::app_for;

crate::on_each!(
    [sqlite => crate::helpers::Database::Sqlite]
    [
        an_uploaded_page_renders_against_its_base_and_stands_alone,
        an_upload_s_forbidden_request_is_refused_and_said,
        uploads_are_checked_before_anything_is_queued,
    ]
);

async fn an_uploaded_page_renders_against_its_base_and_stands_alone(db: Database) {
    // The base serves a style sheet the upload links relatively, making its heading red text
    // hidden: if the sheet loads, "Hidden by the base's sheet" is not in the PDF.
    let site = serve_pages(
        axum::Router::new()
            .route(
                "/docs/page",
                page("<title>The live page</title><p>Live words.</p>"),
            )
            .route(
                "/docs/style.css",
                axum::routing::get(|| async {
                    ([("content-type", "text/css")], ".secret { display: none }").into_response()
                }),
            ),
    )
    .await;
    let app = app_for(db, vec![site]).await;
    let (_, token) = app.signed_in_user().await;
    let user = app.user(&token);
    let base = format!("http://{site}/docs/page");
    let html = "<!doctype html><html><head><title>Saved copy</title><link rel=stylesheet href=style.css></head>\
                <body><h1>Words only the upload has</h1><p class=secret>Hidden by the base's sheet</p></body></html>";
    let id = user
        .requested_with(&json!({ "html": html, "base_url": base, "name": "My saved page" }))
        .await;
    let file = user.wait_until_final(&id).await;
    assert_eq!(file["status"], "done", "{file}");
    assert_eq!(file["name"], "My saved page", "the name given is kept");
    assert_eq!(file["version"], 1);
    assert_eq!(file["warnings"], json!([]), "{file}");
    let source = file["source_url"].as_str().unwrap();
    assert!(
        source.starts_with(&base) && source.contains("#folio-upload-"),
        "{source}"
    );
    let pdf = user.download(&id).await.bytes().await.unwrap();
    let text = folio_testkit::pdf_text(&pdf);
    assert!(text.contains("Words only the upload has"), "{text}");
    assert!(
        !text.contains("Hidden by the base's sheet"),
        "the relative sheet loaded: {text}"
    );
    assert!(
        !text.contains("Live words"),
        "the base itself is never fetched as the page"
    );

    // A capture of the base address is that address's version 1: the upload is not grouped.
    let live = user.requested(&base).await;
    let live = user.wait_until_final(&live).await;
    assert_eq!(
        (live["status"].clone(), live["version"].clone()),
        (json!("done"), json!(1))
    );
    // Nothing to capture again.
    let again = user
        .post(&format!("/api/v1/file/{id}/recapture"))
        .send()
        .await
        .unwrap();
    assert_error(again, 409, "uploaded").await;
    // Without a name or base it takes its title, and its relative links lead nowhere.
    let id = user.requested_with(&json!({ "html": html })).await;
    let file = user.wait_until_final(&id).await;
    assert_eq!(
        (file["status"].clone(), file["name"].clone()),
        (json!("done"), json!("Saved copy")),
        "{file}"
    );
}

async fn an_upload_s_forbidden_request_is_refused_and_said(db: Database) {
    // A loopback server the guard does not allow: an upload may not reach it.
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = hits.clone();
    let private = serve_pages(axum::Router::new().fallback(move || {
        counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        async { "private" }
    }))
    .await;
    let app = app_for(db, vec![]).await;
    let (_, token) = app.signed_in_user().await;
    let user = app.user(&token);
    let html = format!(
        "<title>Saved</title><h1>The saved article</h1><img src=\"http://{private}/secret.png\" width=50 height=50>"
    );
    let id = user.requested_with(&json!({ "html": html })).await;
    let file = user.wait_until_final(&id).await;
    assert_eq!(file["status"], "done", "printed without what was refused: {file}");
    let warnings = file["warnings"].as_array().unwrap();
    assert!(warnings.contains(&json!("blocked")), "{file}");
    assert!(warnings.contains(&json!("images_missing")), "{file}");
    assert_eq!(
        hits.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the guard let it through"
    );
    let text = folio_testkit::pdf_text(&user.download(&id).await.bytes().await.unwrap());
    assert!(text.contains("The saved article"), "{text}");
}

async fn uploads_are_checked_before_anything_is_queued(db: Database) {
    let app = app_for(db, vec![]).await;
    let (_, token) = app.signed_in_user().await;
    let user = app.user(&token);
    let field = |body: Value| {
        let user = &user;
        async move {
            assert_error(user.request_with(&body).await, 422, "invalid_input").await["error"]["field"].clone()
        }
    };
    assert_eq!(
        field(json!({ "url": "https://example.com/", "html": "<p>x</p>" })).await,
        "html"
    );
    assert_eq!(field(json!({ "options": {} })).await, "url");
    assert_eq!(field(json!({ "html": "  " })).await, "html");
    assert_eq!(
        field(json!({ "url": "https://example.com/", "base_url": "https://example.com/" })).await,
        "base_url"
    );
    assert_eq!(
        field(json!({ "html": "<p>x</p>", "base_url": "ftp://example.com/" })).await,
        "base_url"
    );
    assert_eq!(
        field(json!({ "html": "<p>x</p>", "base_url": "http://127.0.0.1:9/" })).await,
        "base_url"
    );
    assert_eq!(field(json!({ "html": "<p>x</p>", "name": "" })).await, "name");
    // Over 5 MiB of HTML is too large; over the other routes' 1 MiB is not.
    let over = "x".repeat(5 * 1024 * 1024 + 1);
    assert_error(
        user.request_with(&json!({ "html": over })).await,
        413,
        "payload_too_large",
    )
    .await;
    let big = format!(
        "<title>Big</title><p>Big page</p><!-- {} -->",
        "x".repeat(2 * 1024 * 1024)
    );
    assert_eq!(user.request_with(&json!({ "html": big })).await.status(), 202);
    assert!(
        user.files().await.len() == 1,
        "only the accepted upload is listed"
    );
}
