//! Faults with nothing lost: a job accepted with 202 always ends `done`, or `failed` with a
//! reason. (`survival.rs` kills the whole server mid-render.)

use std::time::{Duration, Instant};

use axum::response::Html;
use axum::routing::get;
use folio_testkit::api::{page, serve_pages, Api};
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
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    Html("<title>Slow</title><p>rendered in the end</p>")
                }),
            )
            .route("/page", page("<title>Next</title><p>next</p>")),
    )
    .await;
    let data = tempfile::tempdir().unwrap();
    let (folio, base) = serve_embedded(data.path(), site);
    let api = Api::signed_in_at(base, "fault@example.com").await;

    let slow = api.requested(&format!("http://{site}/slow")).await;
    api.wait_for_file(&slow, "started rendering", |f| {
        f.is_some_and(|f| f["status"] == "rendering")
    })
    .await;
    let browser = chromium::browser_below(folio.0.id(), Duration::from_secs(20))
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
    let relaunched = chromium::browser_below(folio.0.id(), Duration::from_secs(5));
    assert!(relaunched.is_some_and(|pid| pid != browser), "a new browser");
}

/// MariaDB (MySQL mode) stops for 10 seconds under traffic: requests meanwhile get 503
/// `unavailable` with `Retry-After` and `/readyz` fails; once it is back everything works again
/// without restarting Folio, and every job accepted before ends.
#[tokio::test]
async fn the_database_away_for_ten_seconds_costs_503s_and_nothing_else() {
    let site =
        serve_pages(axum::Router::new().route("/page", page("<title>Steady</title><p>steady</p>"))).await;
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
    let api = Api::signed_in_at(format!("http://127.0.0.1:{port}"), "outage@example.com").await;
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

/// moto (SQS, S3 and DynamoDB at once) stops answering for 10 seconds under traffic, in AWS
/// mode with the backend and `bootstrap --poll`: requests meanwhile get 503 `unavailable` and
/// leave no record behind; the job that was rendering finishes once it is back; nothing is lost
/// and no PDF is kept without its record.
#[tokio::test]
async fn aws_away_for_ten_seconds_costs_503s_and_nothing_else() {
    let site = serve_pages(
        axum::Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    Html("<title>Slow</title><p>rendered in the end</p>")
                }),
            )
            .route("/page", page("<title>Steady</title><p>steady</p>")),
    )
    .await;
    let moto = folio_testkit::moto::PrivateMoto::start().await;
    let aws = folio_testkit::moto::Resources::create_at(&moto.endpoint, "outage")
        .await
        .unwrap();
    let logs = tempfile::tempdir().unwrap();
    let port = folio_testkit::api::free_port();
    let mut env = aws.process_env();
    env.push(("FOLIO_RENDER_ALLOW_ADDRS", site.to_string()));
    let mut backend_env = env.clone();
    backend_env.extend([
        ("FOLIO_ADDR", format!("127.0.0.1:{port}")),
        ("FOLIO_DATA_DIR", logs.path().display().to_string()),
        ("DATABASE_URL", folio_testkit::mariadb::fresh_database().await),
        (
            "FOLIO_JWT_SECRET",
            "aws-outage-secret-aws-outage-secret".to_owned(),
        ),
    ]);
    let _folio = crate::journey::start("folio", &["serve"], &backend_env, logs.path());
    let _worker = crate::journey::start("bootstrap", &["--poll"], &env, logs.path());
    let api = Api::signed_in_at(format!("http://127.0.0.1:{port}"), "aws-outage@example.com").await;

    let slow = api.requested(&format!("http://{site}/slow")).await;
    api.wait_for_file(&slow, "started rendering", |f| {
        f.is_some_and(|f| f["status"] == "rendering")
    })
    .await;
    moto.pause();
    let outage = Instant::now() + Duration::from_secs(10);
    let page = format!("http://{site}/page");
    let mut refused = 0;
    while Instant::now() < outage {
        let asked = Instant::now();
        let response = api.request(&page).await;
        assert_eq!(response.status(), 503, "while AWS is away");
        // Within the SDK's 10 s per call: answered, never hung.
        assert!(asked.elapsed() < Duration::from_secs(15), "{:?}", asked.elapsed());
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unavailable", "{body}");
        refused += 1;
    }
    assert!(refused >= 1);
    moto.resume();

    let file = api.wait_until_final(&slow).await;
    assert_eq!(file["status"], "done", "the render in flight finished: {file}");
    let after = api.requested(&page).await;
    let file = api.wait_until_final(&after).await;
    assert_eq!(file["status"], "done", "{file}");
    // What the refused requests may have written is removed in the background.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut ids: Vec<String> = api
            .files()
            .await
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        let mut expected = vec![slow.clone(), after.clone()];
        expected.sort();
        if ids == expected {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "records left by refused requests: {ids:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let keys = aws.object_keys().await.unwrap();
    let pdfs: Vec<_> = keys.iter().filter(|key| key.ends_with(".pdf")).collect();
    assert_eq!(pdfs.len(), 2, "a PDF for each record, no other: {keys:?}");
    assert_eq!(
        keys.len(),
        6,
        "and the text and thumbnail of each beside it: {keys:?}"
    );
}

/// An image of noise that no compression shrinks: a page showing it prints to a PDF of about
/// its size, so a few fill a small disk. (A BMP needs no encoder.)
fn noise_bmp(width: u32, height: u32) -> Vec<u8> {
    let row = (width * 3).div_ceil(4) * 4;
    let pixels = row * height;
    let mut bmp = Vec::with_capacity(54 + pixels as usize);
    bmp.extend_from_slice(b"BM");
    bmp.extend_from_slice(&(54 + pixels).to_le_bytes());
    bmp.extend_from_slice(&[0; 4]);
    bmp.extend_from_slice(&54u32.to_le_bytes());
    bmp.extend_from_slice(&40u32.to_le_bytes());
    bmp.extend_from_slice(&width.to_le_bytes());
    bmp.extend_from_slice(&height.to_le_bytes());
    bmp.extend_from_slice(&1u16.to_le_bytes());
    bmp.extend_from_slice(&24u16.to_le_bytes());
    bmp.extend_from_slice(&[0; 24]);
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..pixels {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bmp.push(state as u8);
    }
    bmp
}

/// The data disk fills up (embedded mode, a 6 MB tmpfs as the data folder): the job that finds
/// no room fails at once saying so, the server keeps serving, and deleting files makes room.
#[tokio::test]
async fn a_full_disk_fails_the_job_that_finds_no_room_and_deleting_files_makes_room() {
    let image = noise_bmp(500, 500);
    let site = serve_pages(
        axum::Router::new()
            .route(
                "/heavy",
                page("<title>Heavy</title><img src=/noise.bmp width=500>"),
            )
            .route(
                "/noise.bmp",
                get(move || {
                    let image = image.clone();
                    async move { ([("content-type", "image/bmp")], image) }
                }),
            ),
    )
    .await;
    let logs = tempfile::tempdir().unwrap();
    let port = folio_testkit::api::free_port();
    let folio_binary = folio_testkit::binary("folio").unwrap();
    let log = std::fs::File::create(logs.path().join("folio.log")).unwrap();
    let _folio = folio_testkit::ChildGuard(
        std::process::Command::new("bwrap")
            .args([
                "--dev-bind",
                "/",
                "/",
                "--size",
                "6291456",
                "--tmpfs",
                "/folio-data",
            ])
            .args(["--die-with-parent", "--"])
            .arg(&folio_binary)
            .arg("serve")
            .env("FOLIO_ADDR", format!("127.0.0.1:{port}"))
            .env("FOLIO_DATA_DIR", "/folio-data")
            .env("FOLIO_RENDER_ALLOW_ADDRS", site.to_string())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("bwrap (bubblewrap)"),
    );
    let api = Api::signed_in_at(format!("http://127.0.0.1:{port}"), "full@example.com").await;
    let heavy = format!("http://{site}/heavy");

    let mut done = Vec::new();
    let full = loop {
        assert!(done.len() < 12, "the disk never filled: {done:?}");
        let id = api.requested(&heavy).await;
        let file = api.wait_until_final(&id).await;
        if file["status"] == "done" {
            done.push(id);
            continue;
        }
        break file;
    };
    assert!(!done.is_empty(), "the first PDFs fit");
    let reason = full["error"].as_str().unwrap_or_default();
    // Whichever write found the disk full, the PDF's or the database's, the job says so.
    assert!(reason.contains("full"), "{full}");
    assert_eq!(api.files().await.len(), done.len() + 1, "still serving");

    for id in &done[..2] {
        assert_eq!(api.delete_file(id).await.status(), 204);
    }
    let again = api.requested(&heavy).await;
    let file = api.wait_until_final(&again).await;
    assert_eq!(file["status"], "done", "room again after deleting: {file}");
}
