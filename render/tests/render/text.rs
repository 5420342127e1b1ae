//! The text each render reads for search: what was printed, as shown, bounded, whatever the
//! page's scripts do; and a URL that serves a PDF, kept as served with its text read.

use std::time::Duration;

use folio_core::{Engine, RenderOptions};
use folio_render::{ReaderEngine, RenderError, RenderedPdf, MAX_TEXT_BYTES};

use crate::site::{engine, page_url, serve, served_pdf_bytes, Site, SERVED_PDF_WORD};

/// `path` of `site` rendered by Chromium, then by the reader engine.
async fn with_both_engines(site: &Site, path: &str) -> [Result<RenderedPdf, RenderError>; 2] {
    let url = page_url(&site.url(path));
    let options = RenderOptions::default();
    let chromium = engine(site.guard(), 20).render(&url, &options).await;
    let reader = ReaderEngine::new(site.guard(), Duration::from_secs(10))
        .render(&url, &options)
        .await;
    [chromium, reader]
}

#[tokio::test]
async fn both_engines_read_the_text_they_printed() {
    let site = serve().await;
    for rendered in with_both_engines(&site, "/article").await {
        let rendered = rendered.unwrap();
        for expected in ["The quick brown fox", "Jumps over the lazy dog", "Second point"] {
            assert!(
                rendered.text.contains(expected),
                "{:?}: {expected:?} in {:?}",
                rendered.engine,
                rendered.text
            );
        }
    }
}

#[tokio::test]
async fn a_page_s_scripts_cannot_change_the_text_read_and_hidden_text_is_not_read() {
    let site = serve().await;
    let rendered = engine(site.guard(), 20)
        .render(
            &page_url(&site.url("/hostile/spoof-text.html")),
            &RenderOptions::default(),
        )
        .await
        .unwrap();
    assert!(
        rendered.text.contains("Real words the reader sees."),
        "{:?}",
        rendered.text
    );
    assert!(!rendered.text.contains("spoofed"), "{:?}", rendered.text);
    assert!(!rendered.text.contains("HIDDEN WORD"), "{:?}", rendered.text);
}

#[tokio::test]
async fn megabytes_of_text_are_read_up_to_the_bound() {
    let site = serve().await;
    let rendered = engine(site.guard(), 30)
        .render(
            &page_url(&site.url("/hostile/megabytes-of-text.html")),
            &RenderOptions::default(),
        )
        .await
        .unwrap();
    assert!(
        rendered.text.len() <= MAX_TEXT_BYTES,
        "{} bytes",
        rendered.text.len()
    );
    assert!(
        rendered.text.len() >= MAX_TEXT_BYTES / 8,
        "{} bytes",
        rendered.text.len()
    );
    assert!(rendered.text.starts_with("All work and no play"));
}

#[tokio::test]
async fn a_url_serving_a_pdf_is_kept_as_served_by_either_engine_with_its_text() {
    let site = serve().await;
    let served = served_pdf_bytes();
    let rendered = with_both_engines(&site, "/served.pdf").await;
    for (rendered, engine) in rendered.into_iter().zip([Engine::Chromium, Engine::Reader]) {
        let rendered = rendered.unwrap();
        assert_eq!(rendered.engine, engine);
        assert!(
            rendered.bytes == served,
            "{engine:?}: the served bytes, not a print of them"
        );
        assert_eq!(rendered.size_bytes, served.len() as u64);
        assert_eq!(rendered.pages, 1);
        assert_eq!(rendered.title.as_deref(), Some("served.pdf"));
        assert_eq!(rendered.status, Some(200));
        assert!(
            rendered.text.contains(SERVED_PDF_WORD),
            "{engine:?}: {:?}",
            rendered.text
        );
    }
}

#[tokio::test]
async fn a_response_that_says_pdf_but_is_not_one_fails_with_a_reason() {
    let site = serve().await;
    for error in with_both_engines(&site, "/not-a.pdf").await {
        let error = error.unwrap_err();
        assert!(
            matches!(&error, RenderError::Unreadable(reason) if reason.contains("is not one")),
            "{error:?}"
        );
        assert!(!error.is_retryable());
    }
}
