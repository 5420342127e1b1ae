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

/// MariaDB (MySQL mode) stops for 10 seconds under traffic: requests meanwhile get 503
/// `unavailable` with `Retry-After` and `/readyz` fails; once it is back everything works again
/// without restarting Folio, and every job accepted before ends.
#[tokio::test]
async fn the_database_away_for_ten_seconds_costs_503s_and_nothing_else() {
    let site = serve_pages(axum::Router::new().route(
        "/page",
        get(|| async { Html("<title>Steady</title><p>steady</p>") }),
    ))
    .await;
    let mut database = folio_testkit::mariadb::PrivateServer::start();
    let data = tempfile::tempdir().unwrap();
    let port = folio_testkit::api::free_port();
    let _folio = crate::journey::start(
        "folio",
        &["serve"],
        &[
            ("FOLIO_ADDR", format!("127.0.0.1:{port}")),
            ("FOLIO_DATA_DIR", data.path().display().to_string()),
            ("FOLIO_RENDER_ALLOW_ADDRS", site.to_string()),
            ("DATABASE_URL", database.url()),
            (
                "FOLIO_JWT_SECRET",
                "outage-secret-outage-secret-outage-secret".to_owned(),
            ),
        ],
        data.path(),
    );
    let api = Api::new(format!("http://127.0.0.1:{port}"));
    api.wait_ready().await;
    let api = api.sign_up_and_in("outage@example.com").await;
    let page = format!("http://{site}/page");
    let before = api.requested(&page).await;

    database.stop();
    let outage = Instant::now() + Duration::from_secs(10);
    let mut refused = 0;
    while Instant::now() < outage {
        let asked = Instant::now();
        let response = api.request(&page).await;
        assert_eq!(response.status(), 503, "while the database is away");
        // Within the pool's 5 s wait for a connection: answered, never hung.
        assert!(asked.elapsed() < Duration::from_secs(8), "{:?}", asked.elapsed());
        assert_eq!(response.headers()["retry-after"], "5");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unavailable", "{body}");
        refused += 1;
        let ready = api.client.get(api.url("/readyz")).send().await.unwrap();
        assert_eq!(ready.status(), 503);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(refused >= 1);
    database.resume();

    let back = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = api.client.get(api.url("/readyz")).send().await.unwrap();
        if ready.status() == 200 {
            break;
        }
        assert!(Instant::now() < back, "Folio did not recover by itself");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let after = api.requested(&page).await;
    for id in [before, after] {
        let file = api.wait_until_final(&id).await;
        assert_eq!(file["status"], "done", "{file}");
    }
    assert_eq!(
        api.files().await.len(),
        2,
        "nothing recorded while the database was away"
    );
}
