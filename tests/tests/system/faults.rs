//! Faults with nothing lost: a job accepted with 202 always ends `done`, or `failed` with a
//! reason. (`survival.rs` kills the whole server mid-render.)

use std::time::{Duration, Instant};

use axum::response::Html;
use axum::routing::get;
use folio_testkit::api::{serve_pages, Api};
use folio_testkit::chromium;

use crate::journey::serve_embedded;

/// Chromium is SIGKILLed while it renders: the job is tried again and done, and the jobs after
/// it are rendered by a new browser at once, not after a render timeout.
#[tokio::test]
async fn a_browser_killed_mid_render_costs_a_retry_not_the_job_nor_the_next_ones() {
    let site = serve_pages(
        axum::Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    Html("<title>Slow</title><p>rendered in the end</p>")
                }),
            )
            .route("/page", get(|| async { Html("<title>Next</title><p>next</p>") })),
    )
    .await;
    let data = tempfile::tempdir().unwrap();
    let (folio, base) = serve_embedded(data.path(), site);
    let api = Api::new(base);
    api.wait_ready().await;
    let api = api.sign_up_and_in("fault@example.com").await;

    let slow = api.requested(&format!("http://{site}/slow")).await;
    api.wait_for_file(&slow, "started rendering", |f| {
        f.is_some_and(|f| f["status"] == "rendering")
    })
    .await;
    let browser = folio_render::procfs::descendants(folio.0.id())
        .into_iter()
        .find(|pid| chromium::is_browser(&chromium::argv(*pid)))
        .expect("the browser rendering the page");
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &browser.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());

    let next = api.requested(&format!("http://{site}/page")).await;
    let asked = Instant::now();
    let file = api.wait_until_final(&next).await;
    assert_eq!(file["status"], "done", "{file}");
    // The render timeout is 30 s: a job that waited for it would take at least that long.
    assert!(asked.elapsed() < Duration::from_secs(20), "{:?}", asked.elapsed());
    let file = api.wait_until_final(&slow).await;
    assert_eq!(file["status"], "done", "retried after the crash: {file}");
    let relaunched = folio_render::procfs::descendants(folio.0.id())
        .into_iter()
        .find(|pid| chromium::is_browser(&chromium::argv(*pid)));
    assert!(relaunched.is_some_and(|pid| pid != browser), "a new browser");
}
