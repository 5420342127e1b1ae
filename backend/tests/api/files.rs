//! The library end to end in the embedded mode: request a page served by the test, watch it
//! become done, download the PDF, delete it; and the walls between users.

use std::net::SocketAddr;
use std::time::Duration;

use axum::response::Html;
use axum::routing::get;
use folio_testkit::api::JsonResponse;
use folio_testkit::{files_below, find_file};
use serde_json::{json, Value};

use crate::helpers::{assert_error, spawn_app_with, Database, TestApp};

crate::on_both_databases!(
    status_changes_arrive_over_server_sent_events_for_their_owner_only,
    limits_on_queued_jobs_and_stored_bytes_answer_429_and_show_in_me,
    forty_requests_at_once_never_pass_the_queued_jobs_limit,
    a_pdf_that_cannot_be_deleted_keeps_its_file_listed_to_delete_again,
    a_pdf_that_would_exceed_the_quota_when_stored_fails_and_is_not_kept,
    deleting_the_account_removes_every_file_and_session,
    a_requested_page_becomes_a_downloadable_pdf_and_can_be_deleted,
    users_never_see_or_touch_each_others_files,
    bad_requests_are_refused_with_the_field_and_reason,
    over_long_titles_urls_and_errors_are_kept_to_their_limits,
    a_page_or_template_nested_to_hurt_fails_its_job_and_the_server_stays_up,
);

async fn serve_page() -> SocketAddr {
    let app = axum::Router::new()
        .route(
            "/article",
            get(|| async { Html("<title>Library Test: Page</title><h1>Folio library end to end</h1>") }),
        )
        .route(
            "/long-title",
            get(|| async {
                Html(format!(
                    "<title>{}</title><p>A page with an endless title</p>",
                    "Title ".repeat(2000)
                ))
            }),
        )
        .route(
            "/deep",
            get(|| async {
                Html(format!(
                    "<title>Deep</title><body>{}bottom",
                    "<span>".repeat(200_000)
                ))
            }),
        )
        .route(
            "/hang",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(15)).await;
                Html("<title>Hang</title><p>late</p>")
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(3)).await;
                Html("<title>Slow</title><p>slow</p>")
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

async fn library_app(db: Database, site: SocketAddr) -> TestApp {
    library_app_with(db, site, |_| {}).await
}

async fn library_app_with(
    db: Database,
    site: SocketAddr,
    configure: impl FnOnce(&mut folio_backend::Settings),
) -> TestApp {
    spawn_app_with(db, |s| {
        s.render.allowed_addrs = vec![site];
        s.render.concurrency = 2;
        s.render.timeout = Duration::from_secs(20);
        configure(s);
    })
    .await
}

impl TestApp {
    async fn request_render(&self, token: &str, body: &Value) -> reqwest::Response {
        self.user(token).request_with(body).await
    }

    /// Requests a render that must be accepted, and returns the new file's id.
    async fn requested(&self, token: &str, body: &Value) -> String {
        self.user(token).requested_with(body).await
    }

    /// Requests a render that must be accepted and finish `done`; the file's id.
    async fn rendered(&self, token: &str, body: &Value) -> String {
        let id = self.requested(token, body).await;
        let file = self.wait_until_final(token, &id).await;
        assert_eq!(file["status"], "done", "{file}");
        id
    }

    async fn download(&self, token: &str, id: &str) -> reqwest::Response {
        self.user(token).download(id).await
    }

    /// The first page of the caller's files, as the API sends it.
    async fn files(&self, token: &str) -> Value {
        self.user(token).get("/api/v1/files").json_value().await
    }

    async fn wait_until_final(&self, token: &str, id: &str) -> Value {
        self.user(token).wait_until_final(id).await
    }
}

async fn a_requested_page_becomes_a_downloadable_pdf_and_can_be_deleted(db: Database) {
    let site = serve_page().await;
    let app = library_app(db, site).await;
    let (_, token) = app.signed_in_user().await;
    let url = format!("http://{site}/article");
    let response = app
        .request_render(&token, &json!({ "url": url, "options": {"landscape": true} }))
        .await;
    assert_eq!(response.status(), 202);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "queued");
    let id = body["id"].as_str().unwrap().to_owned();

    let file = app.wait_until_final(&token, &id).await;
    assert_eq!(file["status"], "done", "{file}");
    assert_eq!(file["name"], "Library Test: Page");
    assert_eq!(file["source_url"], url.as_str());
    assert_eq!(file["engine"], "chromium");
    assert_eq!(file["pages"], 1);
    assert_eq!(file["error"], Value::Null);
    // Its exact fields are the documented ones (openapi.rs) and the contract's (folio_core::jobs).

    let download = app.download(&token, &id).await;
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "application/pdf");
    let disposition = download.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(disposition, "attachment; filename=\"Library Test_ Page.pdf\"");
    let bytes = download.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert_eq!(file["size_bytes"], bytes.len());
    let (w, h) = folio_render::pdf::page_sizes(&bytes).unwrap()[0];
    assert!(w > h, "landscape was honoured: {w}x{h}");

    let delete = |app: &TestApp| {
        app.client
            .delete(app.url(&format!("/api/v1/file/{id}")))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(delete(&app).await.unwrap().status(), 204);
    assert_error(delete(&app).await.unwrap(), 404, "not_found").await;
    let gone = app.download(&token, &id).await;
    assert_error(gone, 404, "not_found").await;
    assert!(app.files(&token).await["files"].as_array().unwrap().is_empty());
}

async fn users_never_see_or_touch_each_others_files(db: Database) {
    let site = serve_page().await;
    let app = library_app(db, site).await;
    let (_, alice) = app.signed_in_user().await;
    let (_, bob) = app.signed_in_user().await;
    let id = app
        .requested(&alice, &json!({ "url": format!("http://{site}/article") }))
        .await;
    app.wait_until_final(&alice, &id).await;

    assert!(app.files(&bob).await["files"].as_array().unwrap().is_empty());
    for path in [
        format!("/api/v1/file/{id}"),
        format!("/api/v1/file/{}", id.to_uppercase()),
        format!("/api/v1/file/..%2F{id}"),
        "/api/v1/file/not-a-uuid".to_owned(),
        format!("/api/v1/file/{}", uuid::Uuid::now_v7()),
    ] {
        let get = app.user(&bob).get(&path).send().await.unwrap();
        assert_eq!(get.status(), 404, "GET {path}");
        let delete = app.user(&bob).delete(&path).send().await.unwrap();
        assert_eq!(delete.status(), 404, "DELETE {path}");
    }
    let anonymous = app.get("/api/v1/files").await;
    assert_error(anonymous, 401, "unauthorized").await;
    // Alice still has it, untouched.
    let download = app.download(&alice, &id).await;
    assert_eq!(download.status(), 200);
}

async fn bad_requests_are_refused_with_the_field_and_reason(db: Database) {
    let site = serve_page().await;
    let app = library_app(db, site).await;
    let (_, token) = app.signed_in_user().await;
    let ok_url = format!("http://{site}/article");
    let cases = [
        (json!({ "url": "not a url" }), "url", "absolute"),
        (json!({ "url": "ftp://example.com/" }), "url", "http"),
        (json!({ "url": "http://127.0.0.1:9/" }), "url", "loopback"),
        (
            json!({ "url": ok_url, "options": { "landscpae": true } }),
            "options.landscpae",
            "unknown field",
        ),
        (
            json!({ "url": ok_url, "options": { "landscape": "yes" } }),
            "options.landscape",
            "boolean",
        ),
        (
            json!({ "url": ok_url, "options": { "scale": 9 } }),
            "options.scale",
            "between",
        ),
        (json!({ "url": ok_url, "engine": "webkit" }), "engine", "webkit"),
        (json!({ "options": {} }), "url", "url"),
    ];
    for (body, field, reason) in cases {
        let response = app.request_render(&token, &body).await;
        let error = assert_error(response, 422, "invalid_input").await;
        assert_eq!(error["error"]["field"], field, "{body}: {error}");
        assert!(
            error["error"]["message"].as_str().unwrap().contains(reason),
            "{body}: {error}"
        );
    }
    assert!(
        app.files(&token).await["files"].as_array().unwrap().is_empty(),
        "nothing was recorded"
    );
}

async fn limits_on_queued_jobs_and_stored_bytes_answer_429_and_show_in_me(db: Database) {
    let site = serve_page().await;
    let app = library_app_with(db, site, |s| s.max_queued_jobs = 1).await;
    let (_, token) = app.signed_in_user().await;
    let slow = json!({ "url": format!("http://{site}/slow") });
    let first = app.request_render(&token, &slow).await;
    assert_eq!(first.status(), 202);
    let id = first.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let me: Value = app.me(&token).await.json().await.unwrap();
    assert_eq!(me["usage"]["queued_jobs"], 1);
    assert_eq!(me["usage"]["max_queued_jobs"], 1);
    let body = assert_error(app.request_render(&token, &slow).await, 429, "quota_exceeded").await;
    assert!(
        body["error"]["message"].as_str().unwrap().contains("waiting"),
        "{body}"
    );

    let done = app.wait_until_final(&token, &id).await;
    assert_eq!(done["status"], "done");
    let me: Value = app.me(&token).await.json().await.unwrap();
    assert_eq!(me["usage"]["queued_jobs"], 0);
    assert_eq!(me["usage"]["stored_bytes"], done["size_bytes"]);
    assert_eq!(me["usage"]["max_stored_bytes"], 1024 * 1024 * 1024);

    // A quota of exactly one article's PDF: the first is kept, then requests are refused.
    let article = json!({ "url": format!("http://{site}/article") });
    let probe = library_app(db, site).await;
    let (_, token) = probe.signed_in_user().await;
    let id = probe.requested(&token, &article).await;
    let one_pdf = probe.wait_until_final(&token, &id).await["size_bytes"]
        .as_u64()
        .unwrap();
    let app = library_app_with(db, site, |s| s.max_stored_bytes = one_pdf).await;
    let (_, token) = app.signed_in_user().await;
    app.rendered(&token, &article).await;
    let body = assert_error(app.request_render(&token, &article).await, 429, "quota_exceeded").await;
    assert!(
        body["error"]["message"].as_str().unwrap().contains("delete"),
        "{body}"
    );
}

async fn forty_requests_at_once_never_pass_the_queued_jobs_limit(db: Database) {
    let site = serve_page().await;
    let app = library_app_with(db, site, |s| s.max_queued_jobs = 5).await;
    let (_, token) = app.signed_in_user().await;
    // Pages that take longer than the burst, so no job finishes and frees a place meanwhile.
    let hang = json!({ "url": format!("http://{site}/hang") });
    let attempts: Vec<_> = (0..40)
        .map(|_| {
            let request = app.user(&token).post("/api/v1/request").json(&hang);
            tokio::spawn(async move { request.send().await.unwrap().status().as_u16() })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    let accepted = statuses.iter().filter(|s| **s == 202).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((accepted, refused), (5, 35), "{statuses:?}");
    let me: Value = app.me(&token).await.json().await.unwrap();
    assert_eq!(me["usage"]["queued_jobs"], 5);
    assert_eq!(app.files(&token).await["files"].as_array().unwrap().len(), 5);
}

async fn a_pdf_that_would_exceed_the_quota_when_stored_fails_and_is_not_kept(db: Database) {
    let site = serve_page().await;
    // Accepted when requested (nothing stored yet), refused when its PDF is about to be stored.
    let app = library_app_with(db, site, |s| s.max_stored_bytes = 1).await;
    let (_, token) = app.signed_in_user().await;
    let id = app
        .requested(&token, &json!({ "url": format!("http://{site}/article") }))
        .await;
    let file = app.wait_until_final(&token, &id).await;
    assert_eq!(file["status"], "failed", "{file}");
    assert!(
        file["error"].as_str().unwrap().contains("storage quota exceeded"),
        "{file}"
    );
    assert_eq!(
        files_below(&app.data_dir.path().join("objects")).len(),
        0,
        "nothing kept"
    );
}

async fn deleting_the_account_removes_every_file_and_session(db: Database) {
    let site = serve_page().await;
    let app = library_app(db, site).await;
    let (email, token) = app.signed_in_user().await;
    let other_session = app.token_for(&email, crate::helpers::PASSWORD).await;
    let id = app
        .requested(&token, &json!({ "url": format!("http://{site}/article") }))
        .await;
    app.wait_until_final(&token, &id).await;
    let objects = app.data_dir.path().join("objects");
    assert!(!files_below(&objects).is_empty(), "the PDF is on disk");

    let deleted = app.user(&token).delete("/api/v1/auth/me").send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(files_below(&objects).len(), 0, "no PDF left behind");
    assert_error(app.me(&token).await, 401, "unauthorized").await;
    assert_error(app.me(&other_session).await, 401, "unauthorized").await;
    assert_error(
        app.sign_in(&email, crate::helpers::PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    // The address is free again.
    assert_eq!(app.sign_up(&email, crate::helpers::PASSWORD).await.status(), 201);
}

async fn a_pdf_that_cannot_be_deleted_keeps_its_file_listed_to_delete_again(db: Database) {
    let site = serve_page().await;
    let app = library_app(db, site).await;
    let (_, token) = app.signed_in_user().await;
    let article = json!({ "url": format!("http://{site}/article") });
    let objects = app.data_dir.path().join("objects");
    // The object store fails to delete a PDF: a folder where the file was cannot be removed as
    // one, not even by root.
    let jam = |id: &str| {
        let pdf = find_file(&objects, &format!("{id}.pdf")).unwrap();
        std::fs::remove_file(&pdf).unwrap();
        std::fs::create_dir(&pdf).unwrap();
        pdf
    };
    let unjam = |pdf: &std::path::Path| {
        std::fs::remove_dir(pdf).unwrap();
        std::fs::write(pdf, b"%PDF-1.4 stand-in").unwrap();
    };
    let listed = |files: Value| -> Vec<(String, String)> {
        files["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["id"].as_str().unwrap().to_owned(),
                    f["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };

    // One file.
    let id = app.rendered(&token, &article).await;
    let pdf = jam(&id);
    let delete = || {
        app.client
            .delete(app.url(&format!("/api/v1/file/{id}")))
            .bearer_auth(&token)
            .send()
    };
    assert_error(delete().await.unwrap(), 503, "unavailable").await;
    assert_eq!(
        listed(app.files(&token).await),
        [(id.clone(), "done".to_owned())],
        "kept as it was"
    );
    unjam(&pdf);
    assert_eq!(delete().await.unwrap().status(), 204);
    assert!(listed(app.files(&token).await).is_empty());
    assert!(!pdf.exists(), "no orphaned PDF");

    // A whole account.
    let kept = app.rendered(&token, &article).await;
    let pdf = jam(&kept);
    let delete_account = || {
        app.client
            .delete(app.url("/api/v1/auth/me"))
            .bearer_auth(&token)
            .send()
    };
    assert_error(delete_account().await.unwrap(), 503, "unavailable").await;
    assert_eq!(app.me(&token).await.status(), 200, "the account stays");
    assert_eq!(
        listed(app.files(&token).await),
        [(kept.clone(), "done".to_owned())]
    );
    unjam(&pdf);
    assert_eq!(delete_account().await.unwrap().status(), 204);
    assert_eq!(app.me(&token).await.status(), 401);
    assert_eq!(files_below(&objects).len(), 0, "no orphaned PDF");
}

/// Reads `data:` payloads of `event: file` from an SSE response until `until` says stop.
pub(crate) async fn read_events(
    response: reqwest::Response,
    mut until: impl FnMut(&[Value]) -> bool,
) -> Vec<Value> {
    let mut stream = folio_testkit::sse::ServerEvents::new(response);
    let mut events = Vec::new();
    while let Some(change) = stream.next_file_change().await.unwrap() {
        events.push(change);
        if until(&events) {
            break;
        }
    }
    events
}

async fn status_changes_arrive_over_server_sent_events_for_their_owner_only(db: Database) {
    let site = serve_page().await;
    let app = library_app(db, site).await;
    let (_, alice) = app.signed_in_user().await;
    let (_, bob) = app.signed_in_user().await;
    let open = |token: String| {
        app.client
            .get(app.url("/api/v1/events"))
            .bearer_auth(token)
            .send()
    };
    let alice_stream = open(alice.clone()).await.unwrap();
    assert_eq!(alice_stream.status(), 200);
    assert!(alice_stream.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let bob_stream = open(bob.clone()).await.unwrap();
    assert_error(app.get("/api/v1/events").await, 401, "unauthorized").await;

    let id = app
        .requested(&alice, &json!({ "url": format!("http://{site}/article") }))
        .await;
    let seen = tokio::time::timeout(
        Duration::from_secs(25),
        read_events(alice_stream, |events| {
            events.iter().any(|e| e["status"] == "done")
        }),
    )
    .await
    .expect("the done event arrives");
    let statuses: Vec<&str> = seen
        .iter()
        .filter(|e| e["id"] == id.as_str())
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["queued", "rendering", "done"]);

    // Bob's stream carried nothing of Alice's.
    let bob_saw = tokio::time::timeout(
        Duration::from_millis(500),
        read_events(bob_stream, |events| !events.is_empty()),
    )
    .await;
    assert!(
        bob_saw.is_err() || bob_saw.unwrap().is_empty(),
        "bob saw alice's events"
    );
}

/// Only Folio's own user may read the data folder: the database, the signing secret and every
/// user's PDFs (the embedded mode keeps them all there).
#[tokio::test]
async fn the_data_folder_and_everything_in_it_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let site = serve_page().await;
    let app = library_app(Database::Sqlite, site).await;
    let (_, token) = app.signed_in_user().await;
    app.rendered(&token, &json!({ "url": format!("http://{site}/article") }))
        .await;
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let mut seen = 0;
    let mut pending = vec![app.data_dir.path().to_path_buf()];
    while let Some(dir) = pending.pop() {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                assert_eq!(mode(&path), 0o600, "{}", path.display());
                seen += 1;
            }
        }
    }
    assert!(seen >= 2, "the database and the PDF at least");
}

async fn over_long_titles_urls_and_errors_are_kept_to_their_limits(db: Database) {
    let site = serve_page().await;
    let app = library_app(db, site).await;
    let (_, token) = app.signed_in_user().await;

    // A 12 KB title: the name keeps 200 characters, the job is done (not looping on the column).
    let id = app
        .requested(&token, &json!({ "url": format!("http://{site}/long-title") }))
        .await;
    let file = app.wait_until_final(&token, &id).await;
    assert_eq!(file["status"], "done", "{file}");
    let name = file["name"].as_str().unwrap();
    assert!(name.chars().count() <= 200 && name.ends_with('…'), "{name}");

    // A 3,000-character URL is accepted and stored whole; its error is kept short.
    let url = format!("http://{site}/missing?{}", "q".repeat(3000));
    let id = app.requested(&token, &json!({ "url": url })).await;
    let file = app.wait_until_final(&token, &id).await;
    assert_eq!(file["source_url"], url.as_str());
    assert_eq!(file["status"], "failed", "{file}");
    assert!(file["error"].as_str().unwrap().chars().count() <= 1000);
    assert!(file["name"].as_str().unwrap().chars().count() <= 200);
}

async fn a_page_or_template_nested_to_hurt_fails_its_job_and_the_server_stays_up(db: Database) {
    let site = serve_page().await;
    let app = library_app(db, site).await;
    let (_, token) = app.signed_in_user().await;
    let deep = app
        .requested(
            &token,
            &json!({ "url": format!("http://{site}/deep"), "engine": "reader" }),
        )
        .await;
    let file = app.wait_until_final(&token, &deep).await;
    assert_eq!(file["status"], "failed", "{file}");
    assert!(file["error"].as_str().unwrap().contains("deep"), "{file}");

    let template = format!("{}<span class=\"title\"></span>", "<q>".repeat(21_000));
    let nested = app
        .requested(
            &token,
            &json!({
                "url": format!("http://{site}/article"),
                "engine": "reader",
                "options": { "header_template": template }
            }),
        )
        .await;
    let file = app.wait_until_final(&token, &nested).await;
    assert_eq!(file["status"], "failed", "{file}");
    assert!(
        file["error"].as_str().unwrap().contains("header_template"),
        "{file}"
    );

    // Still serving, still rendering.
    let fine = app
        .requested(
            &token,
            &json!({ "url": format!("http://{site}/article"), "engine": "reader" }),
        )
        .await;
    assert_eq!(app.wait_until_final(&token, &fine).await["status"], "done");
}
