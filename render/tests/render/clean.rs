//! The `clean` option against pages built as consent platforms ship their banners (OneTrust,
//! Cookiebot) and a newsletter modal with an "open in the app" bar: with it, none of their text
//! is in the PDF and the article's is; without it, they print over the article and the file
//! warns of the consent dialog. Checked in the PDF's own text (`pdftotext`).

use folio_core::{Engine, RenderOptions, Warning};
use folio_render::{RenderSettings, RenderedPdf, Renderer};
use folio_testkit::pdf_text;

use crate::site::{page_url, serve, Site};

const ARTICLE: &str = "Tidal pools hold anemones";

async fn print(renderer: &Renderer, site: &Site, page: &str, clean: bool) -> (RenderedPdf, String) {
    let options = RenderOptions {
        clean,
        ..RenderOptions::default()
    };
    let pdf = renderer
        .render(
            &page_url(&site.url(&format!("/capture/{page}.html"))),
            &options,
            Engine::Chromium,
        )
        .await
        .unwrap();
    let text = pdf_text(&pdf.bytes);
    (pdf, text)
}

fn renderer(site: &Site) -> Renderer {
    Renderer::new(&RenderSettings {
        allowed_addrs: vec![site.addr],
        concurrency: 2,
        ..RenderSettings::default()
    })
}

#[tokio::test]
async fn consent_banners_are_refused_or_hidden_and_only_the_article_is_printed() {
    let site = serve().await;
    let renderer = renderer(&site);
    for platform in ["onetrust", "cookiebot"] {
        let (pdf, text) = print(&renderer, &site, platform, true).await;
        assert!(
            text.contains(ARTICLE),
            "{platform}: the article is printed: {text}"
        );
        assert!(
            !text.contains("Bannerwords"),
            "{platform}: the banner is gone: {text}"
        );
        assert!(!text.contains("Accept"), "{platform}: its buttons too: {text}");
        assert_eq!(pdf.warnings, [], "{platform}");
    }
    // OneTrust is answered by the rule engine, with its "Reject All".
    let (_, text) = print(&renderer, &site, "onetrust", true).await;
    assert!(text.contains("Consent choice: rejected"), "{text}");
    renderer.shutdown().await;
}

#[tokio::test]
async fn without_clean_the_banners_print_over_the_article_and_are_warned_of() {
    let site = serve().await;
    let renderer = renderer(&site);
    for platform in ["onetrust", "cookiebot"] {
        let (pdf, text) = print(&renderer, &site, platform, false).await;
        assert!(text.contains(ARTICLE), "{platform}: {text}");
        assert!(
            text.contains("Bannerwords"),
            "{platform}: the banner is printed: {text}"
        );
        assert!(
            text.contains("Consent choice: none yet"),
            "{platform}: nothing was clicked"
        );
        assert_eq!(pdf.warnings, [Warning::ConsentWall], "{platform}");
    }
    renderer.shutdown().await;
}

#[tokio::test]
async fn a_newsletter_modal_and_an_app_bar_are_hidden_and_the_scroll_lock_lifted() {
    let site = serve().await;
    let renderer = renderer(&site);
    let (pdf, text) = print(&renderer, &site, "newsletter", true).await;
    assert!(text.contains(ARTICLE), "{text}");
    for overlay in ["Modalwords", "Barwords"] {
        assert!(!text.contains(overlay), "{overlay} hidden: {text}");
    }
    assert_eq!(pdf.warnings, []);
    let (_, text) = print(&renderer, &site, "newsletter", false).await;
    for overlay in ["Modalwords", "Barwords"] {
        assert!(text.contains(overlay), "{overlay} printed without clean: {text}");
    }
    renderer.shutdown().await;
}

#[tokio::test]
async fn consent_notices_in_the_page_s_flow_go_too_but_not_content_about_cookies() {
    let site = serve().await;
    let renderer = renderer(&site);
    let (pdf, text) = print(&renderer, &site, "in-flow", true).await;
    assert!(text.contains(ARTICLE), "{text}");
    assert!(
        text.contains("oat cookies for the beach"),
        "a recipe card stays: {text}"
    );
    for notice in ["Bannerwords", "Noticewords"] {
        assert!(!text.contains(notice), "{notice} hidden: {text}");
    }
    assert_eq!(pdf.warnings, []);
    let (_, text) = print(&renderer, &site, "in-flow", false).await;
    for notice in ["Bannerwords", "Noticewords"] {
        assert!(text.contains(notice), "{notice} printed without clean: {text}");
    }
    renderer.shutdown().await;
}
