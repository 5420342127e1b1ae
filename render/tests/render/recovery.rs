//! Faults: hanging pages, a killed browser, and recycling.

use std::time::Duration;

use folio_core::RenderOptions;
use folio_render::{ChromiumConfig, ChromiumEngine, RenderError};

use crate::site::{assert_article_renders, config, engine, page_url, serve};

#[tokio::test]
async fn a_hanging_page_times_out_cleanly_and_the_next_job_works() {
    let site = serve().await;
    let engine = engine(site.guard(), 3);
    let started = std::time::Instant::now();
    let err = engine
        .render(&page_url(&site.url("/hang")), &RenderOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, RenderError::Timeout(_)), "{err}");
    assert!(err.to_string().contains("3 seconds"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
    assert_article_renders(&engine, &site).await;
}

#[tokio::test]
async fn a_killed_browser_is_relaunched_and_the_next_job_works() {
    let site = serve().await;
    let engine = std::sync::Arc::new(engine(site.guard(), 20));
    engine.warm_up().await.unwrap();
    let pid = engine.browser_pid().await.expect("a running browser");
    let slow = {
        let engine = engine.clone();
        let url = page_url(&site.url("/slow"));
        tokio::spawn(async move { engine.render(&url, &RenderOptions::default()).await })
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let err = slow.await.unwrap().unwrap_err();
    assert!(err.is_retryable(), "a crash is worth retrying: {err:?}");

    assert_article_renders(&engine, &site).await;
    let relaunched = engine.browser_pid().await.expect("a new browser");
    assert_ne!(relaunched, pid);
}

#[tokio::test]
async fn the_browser_is_recycled_after_its_job_quota() {
    let site = serve().await;
    let engine = ChromiumEngine::new(ChromiumConfig {
        recycle_after: 2,
        ..config(site.guard(), 20)
    });
    let mut browsers = Vec::new();
    for _ in 0..5 {
        engine
            .render(&page_url(&site.url("/article")), &RenderOptions::default())
            .await
            .unwrap();
        browsers.push(engine.browser_pid().await.expect("a running browser"));
    }
    browsers.dedup();
    assert_eq!(
        browsers.len(),
        3,
        "jobs 1-2, 3-4 and 5 each on a fresh browser: {browsers:?}"
    );
}

#[tokio::test]
async fn a_job_waiting_for_a_tab_keeps_its_whole_time_for_its_own_page() {
    let site = serve().await;
    // One tab, 3 seconds a page, two pages of about 2 seconds each asked at once: the second
    // waits for the tab for about as long as it then renders, more than 3 seconds in all.
    let engine = ChromiumEngine::new(ChromiumConfig {
        concurrency: 1,
        ..config(site.guard(), 3)
    });
    let slow = RenderOptions {
        wait_delay_ms: 1800,
        ..RenderOptions::default()
    };
    let url = page_url(&site.url("/article"));
    let started = std::time::Instant::now();
    let (first, second) = tokio::join!(engine.render(&url, &slow), engine.render(&url, &slow));
    assert!(
        started.elapsed() > Duration::from_secs(3),
        "the two pages shared the tab: {:?}",
        started.elapsed()
    );
    first.expect("the first page");
    second.expect("the page that waited for the tab");
}
