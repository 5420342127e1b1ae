//! Print options, checked in the PDF Chromium writes.

use folio_core::render::{Margins, PaperFormat, WaitUntil};
use folio_core::RenderOptions;
use folio_render::{Owner, RenderError};

use crate::site::{assert_page_size, config, engine, page_url, pdf_text, serve};

const A4: (f64, f64) = (595.3, 841.9);
const LETTER: (f64, f64) = (612.0, 792.0);

#[tokio::test]
async fn renders_a_page_with_its_text_title_and_metadata() {
    let site = serve().await;
    let engine = engine(site.guard(), 20);
    let pdf = engine
        .render(&page_url(&site.url("/article")), &RenderOptions::default())
        .await
        .unwrap();
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf.bytes);
    assert!(text.contains("The quick brown fox"), "{text}");
    assert!(text.contains("Jumps over the lazy dog"), "{text}");
    assert_eq!(pdf.title.as_deref(), Some("Folio Test Article"));
    assert_eq!(pdf.status, Some(200));
    assert_eq!(pdf.final_url, site.url("/article"));
    assert_eq!(pdf.pages, 1);
    assert_eq!(pdf.size_bytes, pdf.bytes.len() as u64);
    assert_page_size(&pdf.bytes, A4.0, A4.1);
}

#[tokio::test]
async fn long_pages_paginate_and_page_ranges_select() {
    let site = serve().await;
    let engine = engine(site.guard(), 20);
    let url = page_url(&site.url("/long"));
    let pdf = engine.render(&url, &RenderOptions::default()).await.unwrap();
    assert!(pdf.pages >= 4, "200 paragraphs fit on {} pages", pdf.pages);
    assert_eq!(folio_render::pdf::page_count(&pdf.bytes).unwrap(), pdf.pages);
    let text = pdf_text(&pdf.bytes);
    assert!(text.contains("Paragraph 1:") && text.contains("Paragraph 200:"));

    let options = RenderOptions {
        page_ranges: Some("2-3".into()),
        ..RenderOptions::default()
    };
    let subset = engine.render(&url, &options).await.unwrap();
    assert_eq!(subset.pages, 2);
    assert!(!pdf_text(&subset.bytes).contains("Paragraph 1:"));
}

#[tokio::test]
async fn a_pdf_over_the_file_limit_stops_the_render_and_is_not_retried() {
    let site = serve().await;
    let url = page_url(&site.url("/long"));
    let full = engine(site.guard(), 20)
        .render(&url, &RenderOptions::default())
        .await
        .unwrap();
    let capped = folio_render::ChromiumEngine::new(folio_render::ChromiumConfig {
        max_pdf_bytes: full.size_bytes - 1,
        ..config(site.guard(), 20)
    });
    let err = capped.render(&url, &RenderOptions::default()).await.unwrap_err();
    assert!(matches!(err, RenderError::TooLarge { .. }), "{err}");
    assert!(!err.is_retryable());
    assert!(err.to_string().starts_with("file too large"), "{err}");
    // Its first page alone is smaller, and still prints on the same engine.
    let first_page = RenderOptions {
        page_ranges: Some("1".into()),
        ..RenderOptions::default()
    };
    let small = capped.render(&url, &first_page).await.unwrap();
    assert!(small.bytes.starts_with(b"%PDF-"));
    assert_eq!((small.size_bytes, small.pages), (small.bytes.len() as u64, 1));
}

#[tokio::test]
async fn a_page_that_hoards_memory_is_stopped_at_a_bound_and_the_next_job_works() {
    let site = serve().await;
    let engine = folio_render::ChromiumEngine::new(folio_render::ChromiumConfig {
        max_page_memory: 512 << 20,
        ..config(site.guard(), 20)
    });
    // Warm the browser up so its process tree can be watched from the start.
    engine
        .render(&page_url(&site.url("/article")), &RenderOptions::default())
        .await
        .unwrap();
    let browser = engine.browser_pid().await.unwrap();
    let chromium_resident = move || -> u64 {
        folio_testkit::chromium::descendants(browser)
            .into_iter()
            .chain([browser])
            .map(folio_testkit::chromium::resident_bytes)
            .sum()
    };
    let before = chromium_resident();
    let watching = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let peak = std::thread::spawn({
        let watching = watching.clone();
        move || {
            let mut peak = 0u64;
            while watching.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(chromium_resident());
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            peak
        }
    });
    let started = std::time::Instant::now();
    let err = engine
        .render(
            &page_url(&site.url("/hostile/hoards-memory.html")),
            &RenderOptions::default(),
        )
        .await
        .unwrap_err();
    let took = started.elapsed();
    watching.store(false, std::sync::atomic::Ordering::Relaxed);
    let peak = peak.join().unwrap();
    let grown = peak.saturating_sub(before);
    eprintln!(
        "hoarding page: {err} after {took:?}, Chromium grew by {} MiB",
        grown >> 20
    );
    assert!(
        matches!(err, RenderError::TooMuchMemory { limit_mib: 512 }),
        "{err}"
    );
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("512 MiB"), "{err}");
    assert!(
        took < std::time::Duration::from_secs(15),
        "stopped, not timed out: {took:?}"
    );
    // The bound, plus what the page takes in the moment between two looks; unbounded, the
    // page took Chromium past 7 GiB before its render timed out.
    assert!(grown < 1024 << 20, "Chromium grew by {} MiB", grown >> 20);
    let next = engine
        .render(&page_url(&site.url("/article")), &RenderOptions::default())
        .await
        .unwrap();
    assert!(next.bytes.starts_with(b"%PDF-"));
}

#[tokio::test]
async fn no_request_says_headless_not_even_a_service_workers() {
    let site = serve().await;
    let engine = engine(site.guard(), 20);
    let options = RenderOptions {
        wait_for_selector: Some("#sw.done, #sw.failed".into()),
        ..RenderOptions::default()
    };
    let pdf = engine
        .render(&page_url(&site.url("/hostile/service-worker.html")), &options)
        .await
        .unwrap();
    let text = pdf_text(&pdf.bytes);
    assert!(text.contains("SERVICE WORKER SAW"), "{text}");
    assert!(
        text.contains("AGENT Mozilla/5.0") && text.contains("Chrome/"),
        "{text}"
    );
    assert!(!text.contains("Headless"), "{text}");
    // And the page's own requests.
    let echo = engine
        .render(&page_url(&site.url("/echo")), &RenderOptions::default())
        .await
        .unwrap();
    let text = pdf_text(&echo.bytes);
    assert!(text.contains("Chrome/") && !text.contains("Headless"), "{text}");
}

#[tokio::test]
async fn landscape_and_paper_sizes_set_the_page_box() {
    let site = serve().await;
    let engine = engine(site.guard(), 20);
    let url = page_url(&site.url("/article"));
    let landscape = RenderOptions {
        landscape: true,
        ..RenderOptions::default()
    };
    let pdf = engine.render(&url, &landscape).await.unwrap();
    assert_page_size(&pdf.bytes, A4.1, A4.0);

    let letter = RenderOptions {
        format: PaperFormat::Letter,
        ..RenderOptions::default()
    };
    let pdf = engine.render(&url, &letter).await.unwrap();
    assert_page_size(&pdf.bytes, LETTER.0, LETTER.1);

    let custom: RenderOptions = serde_json::from_value(serde_json::json!({
        "width": "100mm", "height": "150mm", "margin": "5mm"
    }))
    .unwrap();
    let pdf = engine.render(&url, &custom).await.unwrap();
    assert_page_size(&pdf.bytes, 100.0 / 25.4 * 72.0, 150.0 / 25.4 * 72.0);
    let _ = Margins::default();
}

#[tokio::test]
async fn header_and_footer_templates_are_printed_with_page_numbers() {
    let site = serve().await;
    let engine = engine(site.guard(), 20);
    let options = RenderOptions {
        header_template: Some(r#"<div style="font-size:10px">FOLIO HEADER <span class="title"></span></div>"#.into()),
        footer_template: Some(
            r#"<div style="font-size:10px">Page <span class="pageNumber"></span> of <span class="totalPages"></span></div>"#
                .into(),
        ),
        margin: serde_json::from_value(serde_json::json!("2cm")).unwrap(),
        ..RenderOptions::default()
    };
    let pdf = engine
        .render(&page_url(&site.url("/long")), &options)
        .await
        .unwrap();
    let text = pdf_text(&pdf.bytes);
    assert!(text.contains("FOLIO HEADER Long"), "{text}");
    assert!(text.contains("Page 1 of"), "{text}");
    assert!(
        text.contains(&format!("Page {} of {}", pdf.pages, pdf.pages)),
        "{text}"
    );
}

/// Templates are HTML Chromium renders in the margins: they may reach nothing, not by an image,
/// a stylesheet, a frame or a script, and say so by staying text.
#[tokio::test]
async fn header_and_footer_templates_load_nothing_and_run_no_script_that_reaches_anything() {
    let site = serve().await;
    let engine = engine(site.guard(), 20);
    let beacon = site.url("/beacon");
    let hostile = format!(
        r#"<div style="font-size:10px">QUIET<img src="{beacon}?img"><iframe src="{beacon}?frame"></iframe><script>fetch("{beacon}?fetch"); new Image().src = "{beacon}?script"; document.write("RAN")</script><object data="file:///etc/passwd"></object></div>"#
    );
    let options = RenderOptions {
        header_template: Some(hostile.clone()),
        footer_template: Some(hostile),
        margin: serde_json::from_value(serde_json::json!("2cm")).unwrap(),
        ..RenderOptions::default()
    };
    let pdf = engine
        .render(&page_url(&site.url("/article")), &options)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        crate::site::BEACON_HITS.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the templates reached nothing"
    );
    let text = pdf_text(&pdf.bytes);
    assert!(text.contains("QUIET"), "{text}");
    assert!(!text.contains("RAN") && !text.contains("root:"), "{text}");

    // A stylesheet Chromium will not fetch: the job is refused, saying why, and reaches nothing.
    let styled = RenderOptions {
        header_template: Some(format!(r#"<link rel="stylesheet" href="{beacon}?css">STYLED"#)),
        margin: serde_json::from_value(serde_json::json!("2cm")).unwrap(),
        ..RenderOptions::default()
    };
    match engine.render(&page_url(&site.url("/article")), &styled).await {
        Ok(pdf) => assert!(pdf_text(&pdf.bytes).contains("STYLED")),
        Err(e) => {
            assert!(!e.is_retryable(), "{e}");
            assert!(e.to_string().contains("may load nothing"), "{e}");
        }
    }
    assert_eq!(
        crate::site::BEACON_HITS.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the stylesheet was not fetched"
    );
}

#[tokio::test]
async fn lazy_scroll_makes_lazy_content_appear() {
    let site = serve().await;
    let engine = engine(site.guard(), 20);
    let url = page_url(&site.url("/lazy"));
    let plain = engine.render(&url, &RenderOptions::default()).await.unwrap();
    assert!(
        !pdf_text(&plain.bytes).contains("LAZY CONTENT LOADED"),
        "without scrolling it stays hidden"
    );
    let options = RenderOptions {
        lazy_scroll: true,
        ..RenderOptions::default()
    };
    let scrolled = engine.render(&url, &options).await.unwrap();
    let text = pdf_text(&scrolled.bytes);
    assert!(text.contains("LAZY CONTENT LOADED"), "{text}");
}

#[tokio::test]
async fn wait_strategies_capture_content_that_arrives_after_load() {
    let site = serve().await;
    let engine = engine(site.guard(), 20);
    let late = page_url(&site.url("/late-content"));
    let at_load = engine.render(&late, &RenderOptions::default()).await.unwrap();
    assert!(pdf_text(&at_load.bytes).contains("EARLY"));
    let idle = RenderOptions {
        wait_until: WaitUntil::NetworkIdle,
        ..RenderOptions::default()
    };
    let pdf = engine.render(&late, &idle).await.unwrap();
    assert!(
        pdf_text(&pdf.bytes).contains("ARRIVED AFTER LOAD"),
        "network idle waits for the fetch"
    );

    let selector = RenderOptions {
        wait_for_selector: Some("#ready".into()),
        ..RenderOptions::default()
    };
    let pdf = engine
        .render(&page_url(&site.url("/selector")), &selector)
        .await
        .unwrap();
    assert!(pdf_text(&pdf.bytes).contains("SELECTOR READY"));

    let delay = RenderOptions {
        wait_delay_ms: 1200,
        ..RenderOptions::default()
    };
    let pdf = engine
        .render(&page_url(&site.url("/selector")), &delay)
        .await
        .unwrap();
    assert!(
        pdf_text(&pdf.bytes).contains("SELECTOR READY"),
        "a fixed delay also lets it appear"
    );
}

#[tokio::test]
async fn headers_cookies_and_user_agent_reach_the_page_and_do_not_leak_to_the_next_job() {
    let site = serve().await;
    let engine = folio_render::ChromiumEngine::new(folio_render::ChromiumConfig {
        concurrency: 1,
        ..config(site.guard(), 20)
    });
    let url = page_url(&site.url("/echo"));
    let options: RenderOptions = serde_json::from_value(serde_json::json!({
        "headers": {"X-Folio-Test": "bonjour"},
        "cookies": [{"name": "session", "value": "s3cret"}],
        "user_agent": "FolioTestAgent/1.0"
    }))
    .unwrap();
    let text = pdf_text(&engine.render(&url, &options).await.unwrap().bytes);
    assert!(text.contains("AGENT FolioTestAgent/1.0"), "{text}");
    assert!(text.contains("LANGUAGE bonjour"), "{text}");
    assert!(text.contains("COOKIE session=s3cret"), "{text}");

    // The same tab serves the next job: nothing of the first may remain.
    let text = pdf_text(
        &engine
            .render(&url, &RenderOptions::default())
            .await
            .unwrap()
            .bytes,
    );
    assert!(text.contains("LANGUAGE none"), "{text}");
    assert!(text.contains("COOKIE none"), "{text}");
    assert!(
        !text.contains("FolioTestAgent") && !text.contains("HeadlessChrome"),
        "{text}"
    );
}

#[tokio::test]
async fn error_statuses_fail_unless_accepted() {
    let site = serve().await;
    let engine = engine(site.guard(), 20);
    let url = page_url(&site.url("/status/404"));
    let err = engine.render(&url, &RenderOptions::default()).await.unwrap_err();
    assert!(
        matches!(err, folio_render::RenderError::TargetStatus { status: 404, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("404"));
    assert!(!err.is_retryable());
    let options = RenderOptions {
        accept_error_status: true,
        ..RenderOptions::default()
    };
    let pdf = engine.render(&url, &options).await.unwrap();
    assert_eq!(pdf.status, Some(404));
    assert!(pdf_text(&pdf.bytes).contains("Error page 404"));
}

#[tokio::test]
async fn concurrent_renders_all_succeed() {
    let site = serve().await;
    let engine = std::sync::Arc::new(engine(site.guard(), 30));
    engine.warm_up().await.unwrap();
    let browser = engine.browser_pid().await;
    let jobs: Vec<_> = (0..6)
        .map(|i| {
            let engine = engine.clone();
            let url = page_url(&site.url(if i % 2 == 0 { "/article" } else { "/long" }));
            tokio::spawn(async move { engine.render(&url, &RenderOptions::default()).await })
        })
        .collect();
    for job in jobs {
        let pdf = job.await.unwrap().unwrap();
        assert!(pdf.pages >= 1);
    }
    assert_eq!(
        engine.browser_pid().await,
        browser,
        "one warm browser serves every job"
    );
}

#[tokio::test]
async fn one_users_storage_never_reaches_another_users_render() {
    let site = serve().await;
    let engine = folio_render::ChromiumEngine::new(folio_render::ChromiumConfig {
        concurrency: 1,
        ..config(site.guard(), 20)
    });
    let url = page_url(&site.url("/storage"));
    let options = RenderOptions::default();
    let (alice, bob) = (
        Owner::User(uuid::Uuid::now_v7()),
        Owner::User(uuid::Uuid::now_v7()),
    );
    let first = pdf_text(&engine.render_for(alice, &url, &options).await.unwrap().bytes);
    assert!(first.contains("STORED nothing"), "{first}");
    let again = pdf_text(&engine.render_for(alice, &url, &options).await.unwrap().bytes);
    assert!(
        again.contains("STORED private-data"),
        "the same user keeps the site's state: {again}"
    );
    let other = pdf_text(&engine.render_for(bob, &url, &options).await.unwrap().bytes);
    assert!(
        other.contains("STORED nothing"),
        "another user starts clean: {other}"
    );
}

#[tokio::test]
async fn every_switch_reaches_chromium_as_written() {
    let site = serve().await;
    let engine = engine(site.guard(), 20);
    engine
        .render(&page_url(&site.url("/article")), &RenderOptions::default())
        .await
        .unwrap();
    let pid = engine.browser_pid().await.expect("a running browser");
    let argv = folio_testkit::chromium::argv(pid);
    assert!(folio_testkit::chromium::is_browser(&argv), "{argv:?}");
    folio_testkit::chromium::assert_started_as_on_a_server(&argv);
}

#[tokio::test]
async fn a_page_cannot_spoof_its_page_count_or_give_itself_an_endless_name() {
    let site = serve().await;
    let engine = engine(site.guard(), 20);
    let pdf = engine
        .render(
            &page_url(&site.url("/hostile/spoof-title.html")),
            &RenderOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        pdf.pages, 1,
        "counted from the page tree, not from text in the file"
    );
    let parsed = lopdf::Document::load_mem(&pdf.bytes).unwrap().get_pages().len() as u32;
    assert_eq!(pdf.pages, parsed);
    let title = pdf.title.expect("a title");
    assert!(
        title.chars().count() <= 200,
        "{} characters",
        title.chars().count()
    );
    assert!(
        title.starts_with("<< /Type /Pages /Count 424242 >>"),
        "the browser's own title, not the one the page's script reports: {title}"
    );
}

#[tokio::test]
async fn a_page_that_fails_to_load_is_a_failed_job_with_a_reason_never_a_pdf() {
    let engine = engine(folio_render::Guard::allow_private(), 20);
    // A port Chromium itself refuses to use.
    let unsafe_port = engine
        .render(&page_url("http://127.0.0.1:1/"), &RenderOptions::default())
        .await;
    let err = unsafe_port.expect_err("no PDF of Chromium's error page");
    assert!(err.to_string().contains("port not allowed"), "{err}");
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let refused = engine
        .render(&page_url(&format!("http://{closed}/")), &RenderOptions::default())
        .await;
    let err = refused.expect_err("no PDF of an error page");
    assert!(err.to_string().contains("connection refused"), "{err}");
    assert!(!err.to_string().contains("502"), "nothing answered: {err}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn failures_that_can_never_succeed_are_permanent_and_say_why() {
    let site = serve().await;
    let engine = engine(site.guard(), 20);
    let url = page_url(&site.url("/article"));
    let past_the_end = RenderOptions {
        page_ranges: Some("40-50".into()),
        ..RenderOptions::default()
    };
    let err = engine.render(&url, &past_the_end).await.unwrap_err();
    assert!(!err.is_retryable(), "{err}");
    assert!(err.to_string().contains("page_ranges"), "{err}");

    let invalid_selector = RenderOptions {
        wait_for_selector: Some("#ok[".into()),
        ..RenderOptions::default()
    };
    let err = engine.render(&url, &invalid_selector).await.unwrap_err();
    assert!(!err.is_retryable(), "{err}");
    assert!(err.to_string().contains("wait_for_selector"), "{err}");

    let short = folio_render::ChromiumEngine::new(folio_render::ChromiumConfig {
        timeout: std::time::Duration::from_secs(3),
        ..config(site.guard(), 20)
    });
    let never = RenderOptions {
        wait_for_selector: Some("#never-there".into()),
        ..RenderOptions::default()
    };
    let err = short.render(&url, &never).await.unwrap_err();
    assert!(!err.is_retryable(), "{err}");
    assert!(
        err.to_string().contains("#never-there"),
        "the timeout names the selector: {err}"
    );
}

#[tokio::test]
async fn a_finished_page_leaves_its_tab_and_stops_running() {
    let site = serve().await;
    let engine = engine(site.guard(), 20);
    engine
        .render(
            &page_url(&site.url("/hostile/keeps-running.html")),
            &RenderOptions::default(),
        )
        .await
        .unwrap();
    // The tab is parked in the background: give it a moment, then count what still arrives.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let before = site.hits();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(
        site.hits(),
        before,
        "the page's timers kept calling after the job"
    );
}

#[tokio::test]
async fn webrtc_sends_nothing_around_the_guard() {
    let site = serve().await;
    let engine = engine(site.guard(), 20);
    let listener = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = received.clone();
    let listening = tokio::spawn(async move {
        let mut buffer = [0u8; 2048];
        while listener.recv_from(&mut buffer).await.is_ok() {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    let options = RenderOptions {
        wait_delay_ms: 1500,
        ..RenderOptions::default()
    };
    let url = page_url(&site.url(&format!("/hostile/webrtc.html?port={port}")));
    let pdf = engine.render(&url, &options).await.unwrap();
    eprintln!("page said: {}", pdf_text(&pdf.bytes));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    listening.abort();
    assert_eq!(
        received.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "UDP datagrams reached an address the guard never checked"
    );
}
