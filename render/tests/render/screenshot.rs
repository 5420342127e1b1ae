//! `output: "png"`: a screenshot of the full page height instead of a PDF, cut at 16,384 px.

use folio_core::render::{Output, MAX_PNG_HEIGHT};
use folio_core::{Engine, RenderOptions};
use folio_render::{RenderError, RenderSettings, Renderer};

use crate::site::{engine, page_url, serve};
use crate::warnings::png_size;

fn png() -> RenderOptions {
    RenderOptions {
        output: Output::Png,
        ..RenderOptions::default()
    }
}

#[tokio::test]
async fn a_png_holds_the_whole_page_as_wide_as_the_window() {
    let site = serve().await;
    let chromium = engine(site.guard(), 20);
    let shot = chromium
        .render(&page_url(&site.url("/long")), &png())
        .await
        .unwrap();
    let (width, height) = png_size(&shot.bytes);
    assert_eq!(width, 1280, "the window's width");
    // Two hundred paragraphs are far taller than the 720 px window.
    assert!(height > 4000, "{width}x{height}");
    assert_eq!((shot.pages, shot.size_bytes), (1, shot.bytes.len() as u64));
    assert!(shot.text.contains("Paragraph 200"), "its text is kept for search");
    assert!(shot.thumbnail.is_some());
}

#[tokio::test]
async fn a_page_taller_than_the_limit_is_cut_there() {
    let site = serve().await;
    let chromium = engine(site.guard(), 30);
    let shot = chromium
        .render(&page_url(&site.url("/tall")), &png())
        .await
        .unwrap();
    assert_eq!(png_size(&shot.bytes), (1280, MAX_PNG_HEIGHT));
}

#[tokio::test]
async fn only_chromium_takes_screenshots() {
    let site = serve().await;
    let renderer = Renderer::new(&RenderSettings {
        allowed_addrs: vec![site.addr],
        ..RenderSettings::default()
    });
    let err = renderer
        .render(&page_url(&site.url("/article")), &png(), Engine::Reader)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            RenderError::InvalidOptions {
                field: "options.output",
                ..
            }
        ),
        "{err}"
    );
    assert!(png().validate_for(Engine::Reader).is_err());
    assert!(png().validate_for(Engine::Chromium).is_ok());
}
