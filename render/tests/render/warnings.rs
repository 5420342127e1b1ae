//! Every result is checked: warnings a user sees before opening the file, the one automatic
//! second print for a blank page or images still loading, and the thumbnail of the first screen.

use folio_core::{Engine, RenderOptions, Warning};
use folio_render::{RenderSettings, Renderer};

use crate::site::{page_url, serve, Site};

fn renderer(site: &Site) -> Renderer {
    Renderer::new(&RenderSettings {
        allowed_addrs: vec![site.addr],
        concurrency: 2,
        ..RenderSettings::default()
    })
}

async fn print(
    renderer: &Renderer,
    site: &Site,
    path: &str,
    options: RenderOptions,
) -> folio_render::RenderedPdf {
    renderer
        .render(&page_url(&site.url(path)), &options, Engine::Chromium)
        .await
        .unwrap()
}

/// Width and height from a PNG's header.
pub fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let number = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (number(16), number(20))
}

#[tokio::test]
async fn a_readable_page_has_no_warnings_and_a_thumbnail_of_its_first_screen() {
    let site = serve().await;
    let renderer = renderer(&site);
    let pdf = print(&renderer, &site, "/article", RenderOptions::default()).await;
    assert_eq!(pdf.warnings, []);
    assert!(!pdf.retried);
    let thumbnail = pdf.thumbnail.expect("Chromium takes a thumbnail");
    let (width, height) = png_size(&thumbnail);
    assert!((300..=400).contains(&width), "{width}x{height}");
    assert!(
        height > 100 && height < width,
        "the first screen: {width}x{height}"
    );
    assert!(!folio_render::near_uniform(&thumbnail), "the article shows in it");
    renderer.shutdown().await;
}

#[tokio::test]
async fn a_blank_page_is_printed_twice_and_still_says_blank() {
    let site = serve().await;
    let renderer = renderer(&site);
    let pdf = print(&renderer, &site, "/blank", RenderOptions::default()).await;
    assert_eq!(pdf.warnings, [Warning::Blank]);
    assert!(pdf.retried, "a blank print is tried again with stronger waits");
    assert!(folio_render::near_uniform(pdf.thumbnail.as_deref().unwrap()));
    renderer.shutdown().await;
}

#[tokio::test]
async fn an_image_that_answers_after_load_is_missed_then_caught_by_the_second_print() {
    let site = serve().await;
    let renderer = renderer(&site);
    // The engine alone prints at the load event, and sees the image still loading.
    let first = crate::site::engine(site.guard(), 20)
        .render(&page_url(&site.url("/late-image")), &RenderOptions::default())
        .await
        .unwrap();
    assert_eq!(first.warnings, [Warning::ImagesMissing]);
    assert!(first.retry_advised);
    // Through the renderer, the second print waits for it.
    let pdf = print(&renderer, &site, "/late-image", RenderOptions::default()).await;
    assert_eq!(pdf.warnings, [], "{pdf:?}");
    assert!(pdf.retried);
    renderer.shutdown().await;
}

#[tokio::test]
async fn a_failed_image_is_a_warning_without_a_second_print() {
    let site = serve().await;
    let renderer = renderer(&site);
    let pdf = print(&renderer, &site, "/broken-image", RenderOptions::default()).await;
    assert_eq!(pdf.warnings, [Warning::ImagesMissing]);
    assert!(!pdf.retried, "a failed image would fail again");
    renderer.shutdown().await;
}

#[tokio::test]
async fn a_sign_in_form_and_an_accepted_error_status_are_warned_of() {
    let site = serve().await;
    let renderer = renderer(&site);
    let login = print(&renderer, &site, "/sign-in", RenderOptions::default()).await;
    assert_eq!(login.warnings, [Warning::LoginWall]);
    assert!(!login.retried);
    let accept = RenderOptions {
        accept_error_status: true,
        ..RenderOptions::default()
    };
    let error = print(&renderer, &site, "/status/503", accept.clone()).await;
    assert_eq!(error.warnings, [Warning::HttpError]);
    // The reader engine warns of it too.
    let reader = renderer
        .render(&page_url(&site.url("/status/503")), &accept, Engine::Reader)
        .await
        .unwrap();
    assert_eq!(reader.warnings, [Warning::HttpError]);
    renderer.shutdown().await;
}
