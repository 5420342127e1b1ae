//! The reader engine: fetch, extract, typeset.

use std::time::Duration;

use folio_core::{Engine, RenderOptions};
use folio_render::{ReaderEngine, RenderError};

use crate::site::{assert_page_size, page_url, pdf_text, serve};

#[tokio::test]
async fn reader_typesets_the_readable_text() {
    let site = serve().await;
    let reader = ReaderEngine::new(site.guard(), Duration::from_secs(10));
    let pdf = reader
        .render(&page_url(&site.url("/article")), &RenderOptions::default())
        .await
        .unwrap();
    assert_eq!(pdf.engine, Engine::Reader);
    assert_eq!(pdf.title.as_deref(), Some("Folio Test Article"));
    let text = pdf_text(&pdf.bytes);
    for expected in [
        "Folio Test Article",
        "The quick brown fox",
        "Jumps over the lazy dog",
        "First point",
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
    assert_page_size(&pdf.bytes, 595.3, 841.9);
}

#[tokio::test]
async fn reader_paginates_long_pages_and_honours_landscape_and_footer() {
    let site = serve().await;
    let reader = ReaderEngine::new(site.guard(), Duration::from_secs(10));
    let options = RenderOptions {
        landscape: true,
        footer_template: Some(
            r#"<span>Reader <span class="pageNumber"></span>/<span class="totalPages"></span></span>"#.into(),
        ),
        ..RenderOptions::default()
    };
    let pdf = reader
        .render(&page_url(&site.url("/long")), &options)
        .await
        .unwrap();
    assert!(pdf.pages >= 3, "{} pages", pdf.pages);
    assert_page_size(&pdf.bytes, 841.9, 595.3);
    let text = pdf_text(&pdf.bytes);
    assert!(text.contains("Paragraph 200:"));
    assert!(text.contains(&format!("Reader 1/{}", pdf.pages)), "{text}");
}

#[tokio::test]
async fn reader_reports_error_statuses_and_timeouts() {
    let site = serve().await;
    let reader = ReaderEngine::new(site.guard(), Duration::from_secs(2));
    let err = reader
        .render(&page_url(&site.url("/status/500")), &RenderOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, RenderError::TargetStatus { status: 500, .. }),
        "{err}"
    );
    let err = reader
        .render(&page_url(&site.url("/hang")), &RenderOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, RenderError::Timeout(_)), "{err}");
}

#[tokio::test]
async fn renderer_falls_back_to_the_reader_when_chromium_is_missing() {
    let site = serve().await;
    let renderer = folio_render::Renderer::new(&folio_render::RenderSettings {
        chrome_path: "/nonexistent/chromium".into(),
        allowed_addrs: vec![site.addr],
        ..folio_render::RenderSettings::default()
    });
    assert!(renderer.chromium().is_none());
    let pdf = renderer
        .render(
            &page_url(&site.url("/article")),
            &RenderOptions::default(),
            Engine::Chromium,
        )
        .await
        .unwrap();
    assert_eq!(pdf.engine, Engine::Reader);
}
