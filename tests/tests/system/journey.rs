//! A user's whole journey, in both modes, through the real binaries: sign up, make a webhook,
//! request a page served by the test, watch it go `queued → done` over Server-Sent Events, get
//! the signed webhook delivery, download the PDF and find the page's text in it, export the
//! library, open the PDF signed out through a share link, delete it.
//!
//! Embedded: `folio` alone (SQLite, local files, in-process worker). AWS: `folio` on MariaDB
//! with SQS, S3 and DynamoDB on moto, and the worker as a separate `bootstrap --poll` process;
//! after the delete, the S3 object and the DynamoDB item are checked gone at the source.

use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use axum::response::Html;
use axum::routing::get;
use folio_testkit::sse::ServerEvents;
use folio_testkit::{binary, chromium, moto, pdf_text, ChildGuard};

use folio_testkit::api::{free_port, serve_pages, Api, JsonResponse};
use folio_testkit::webhook::{verified, Receiver};
use serde_json::{json, Value};

const PAGE_TEXT: &str = "Folio whole system journey";
/// A word only inside the page (not in its address or title), for search.
const INSIDE_WORD: &str = "xylophonists";

async fn serve_page() -> SocketAddr {
    serve_pages(axum::Router::new().route(
        "/journey",
        get(|| async {
            Html(format!(
                "<title>Journey Page</title><h1>{PAGE_TEXT}</h1><p>Played by {INSIDE_WORD} at dawn.</p>"
            ))
        }),
    ))
    .await
}

/// Starts one of Folio's binaries with exactly `env` (plus `PATH`), logs kept for failures.
pub(crate) fn start(name: &str, args: &[&str], env: &[(&str, String)], logs: &std::path::Path) -> ChildGuard {
    // Appended to, so a second process of the same binary keeps the first one's lines.
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(logs.join(format!("{name}.log")))
        .unwrap();
    let mut command = Command::new(binary(name).expect("binary builds"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        // The binaries log to standard output.
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    for (key, value) in env {
        command.env(key, value);
    }
    ChildGuard(command.spawn().expect("spawn"))
}

/// The journey itself; returns the id of the file it made and deleted.
async fn journey(base: &str, site: SocketAddr, hook: &Receiver) -> String {
    let api = Api::new(base);
    api.wait_ready().await;
    let api = api.sign_up_and_in("journey@example.com").await;
    let webhook: Value = api
        .post("/api/v1/webhooks")
        .json(&json!({ "url": hook.url(), "events": ["file.done"] }))
        .json_value()
        .await;
    let secret = webhook["secret"].as_str().expect("a webhook secret");

    let events = api.events().await;
    assert_eq!(events.status(), 200);

    let queued = api.request(&format!("http://{site}/journey")).await;
    assert_eq!(queued.status(), 202);
    let queued: Value = queued.json().await.unwrap();
    assert_eq!(queued["status"], "queued");
    let id = queued["id"].as_str().unwrap().to_owned();

    let statuses = tokio::time::timeout(Duration::from_secs(90), statuses_until_final(events, &id))
        .await
        .expect("the file reached a final status over SSE");
    assert_eq!(
        statuses.first().map(String::as_str),
        Some("queued"),
        "{statuses:?}"
    );
    assert_eq!(statuses.last().map(String::as_str), Some("done"), "{statuses:?}");

    let file = &api.files().await[0];
    assert_eq!(file["id"], id.as_str());
    assert_eq!(file["status"], "done");
    assert_eq!(file["name"], "Journey Page");
    let delivered = verified(secret, &hook.wait_for(1, "file.done delivered").await[0]);
    assert_eq!(delivered["event"], "file.done");
    assert_eq!(delivered["file"]["id"], id.as_str());

    let download = api.download(&id).await;
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "application/pdf");
    let pdf = download.bytes().await.unwrap();
    assert_eq!(Some(pdf.len() as u64), file["size_bytes"].as_u64());
    assert!(
        pdf_text(&pdf).contains(PAGE_TEXT),
        "the page's text is in the PDF"
    );

    // Found by a word from inside the page, with the words around it.
    let found: Value = api
        .get(&format!("/api/v1/files?q={}", &INSIDE_WORD[..8]))
        .json_value()
        .await;
    assert_eq!(found["files"][0]["id"], id.as_str(), "{found}");
    let snippet = found["files"][0]["snippet"].as_str().unwrap_or_default();
    assert!(
        snippet.contains(&format!("Played by {INSIDE_WORD} at dawn")),
        "{found}"
    );
    assert_eq!(file["sha256"].as_str().map(str::len), Some(64));

    // Everything, to leave with: the PDF and a manifest that lists it.
    let export = api.get("/api/v1/export").send().await.unwrap();
    assert_eq!(export.status(), 200);
    let entries = folio_testkit::zip_entries(&export.bytes().await.unwrap());
    let (_, exported) = entries
        .iter()
        .find(|(name, _)| name == "Journey Page.pdf")
        .expect("the PDF is exported");
    assert_eq!(exported.as_slice(), pdf.as_ref());
    let (_, manifest) = entries
        .iter()
        .find(|(name, _)| name == "manifest.json")
        .expect("a manifest");
    let manifest: Value = serde_json::from_slice(manifest).unwrap();
    assert_eq!(manifest["files"][0]["id"], id.as_str());

    // Signed out, through a share link (in AWS mode, a redirect to a presigned S3 link).
    let share: Value = api
        .post(&format!("/api/v1/file/{id}/share"))
        .json(&json!({ "expires_in": 300 }))
        .json_value()
        .await;
    let link = format!("{base}{}", share["url"].as_str().expect("a share link"));
    let shared = reqwest::get(&link).await.unwrap();
    assert_eq!(shared.status(), 200, "{link}");
    assert_eq!(shared.bytes().await.unwrap(), pdf, "the shared file is the PDF");

    assert_eq!(api.delete_file(&id).await.status(), 204);
    let after: Value = api
        .get(&format!("/api/v1/files?q={INSIDE_WORD}"))
        .json_value()
        .await;
    assert_eq!(after["files"], json!([]), "a deleted file is no longer found");
    assert_eq!(
        reqwest::get(&link).await.unwrap().status(),
        404,
        "the link died with its file"
    );
    assert_eq!(api.delete_file(&id).await.status(), 404);
    assert_eq!(api.download(&id).await.status(), 404);
    id
}

/// The statuses `id` goes through, read off the event stream, up to a final one.
async fn statuses_until_final(events: reqwest::Response, id: &str) -> Vec<String> {
    let mut stream = ServerEvents::new(events);
    let mut statuses = Vec::new();
    while let Some(change) = stream.next_file_change().await.unwrap() {
        if change["id"] == id {
            let status = change["status"].as_str().unwrap().to_owned();
            let done = status == "done" || status == "failed";
            statuses.push(status);
            if done {
                break;
            }
        }
    }
    statuses
}

/// `folio serve` in the embedded mode on a free port, with its data (and logs) in `data`,
/// allowed to render `site`; the process and its address.
pub(crate) fn serve_embedded(data: &std::path::Path, site: SocketAddr) -> (ChildGuard, String) {
    serve_embedded_allowing(data, &site.to_string())
}

/// [`serve_embedded`], allowed to reach each of `allowed` (`ip:port`, comma-separated).
fn serve_embedded_allowing(data: &std::path::Path, allowed: &str) -> (ChildGuard, String) {
    let port = free_port();
    let folio = start(
        "folio",
        &["serve"],
        &[
            ("FOLIO_ADDR", format!("127.0.0.1:{port}")),
            ("FOLIO_DATA_DIR", data.display().to_string()),
            ("FOLIO_RENDER_ALLOW_ADDRS", allowed.to_owned()),
        ],
        data,
    );
    (folio, format!("http://127.0.0.1:{port}"))
}

#[tokio::test]
async fn embedded_mode_journey() {
    let site = serve_page().await;
    let hook = Receiver::start(0).await;
    let data = tempfile::tempdir().unwrap();
    let (folio, base) = serve_embedded_allowing(data.path(), &format!("{site},{}", hook.addr));
    journey(&base, site, &hook).await;
    assert_chromium_started_as_on_a_server(&folio);
    let objects = data.path().join("objects");
    let left = folio_testkit::files_below(&objects);
    assert!(left.is_empty(), "no PDF left behind: {left:?}");
}

/// The browser below `parent` got every switch as written, and no Lambda-only ones.
fn assert_chromium_started_as_on_a_server(parent: &ChildGuard) {
    let argv = chromium::browser_argv_below(parent.0.id(), Duration::from_secs(5))
        .expect("a Chromium browser below the process that rendered");
    chromium::assert_started_as_on_a_server(&argv);
}

#[tokio::test]
async fn aws_mode_journey_with_a_polling_worker() {
    let site = serve_page().await;
    let aws = moto::Resources::create("journey").await.unwrap();
    let database = folio_testkit::mariadb::fresh_database().await;
    let logs = tempfile::tempdir().unwrap();
    let port = free_port();
    let hook = Receiver::start(0).await;
    let mut env = aws.process_env();
    env.push(("FOLIO_RENDER_ALLOW_ADDRS", format!("{site},{}", hook.addr)));
    let mut backend_env = env.clone();
    backend_env.extend([
        ("FOLIO_ADDR", format!("127.0.0.1:{port}")),
        ("FOLIO_DATA_DIR", logs.path().display().to_string()),
        ("DATABASE_URL", database),
        (
            "FOLIO_JWT_SECRET",
            "journey-secret-journey-secret-journey-secret".to_owned(),
        ),
        // As deployed: downloads redirect to presigned S3 links.
        ("FOLIO_S3_PRESIGN_TTL", "60".to_owned()),
    ]);
    let _folio = start("folio", &["serve"], &backend_env, logs.path());
    let metrics_port = free_port();
    let mut worker_env = env.clone();
    worker_env.push(("FOLIO_METRICS_ADDR", format!("127.0.0.1:{metrics_port}")));
    let worker = start("bootstrap", &["--poll"], &worker_env, logs.path());

    let id = journey(&format!("http://127.0.0.1:{port}"), site, &hook).await;
    assert_chromium_started_as_on_a_server(&worker);
    // The worker counts what it did where Prometheus can scrape it.
    let scraped = reqwest::get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        scraped.contains("folio_jobs_total{outcome=\"done\"} 1"),
        "{scraped}"
    );
    assert!(
        aws.object_keys().await.unwrap().is_empty(),
        "the S3 object of {id} is gone"
    );
    assert_eq!(
        aws.item_count().await.unwrap(),
        0,
        "the DynamoDB item of {id} is gone"
    );
    assert!(
        !logs.path().join("objects").exists(),
        "nothing was stored on the local disk in AWS mode"
    );
}
