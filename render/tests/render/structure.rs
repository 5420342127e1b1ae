//! What a printed PDF holds besides its pages, as poppler reads it: by default tags (Chromium)
//! and an outline of the page's headings (either engine), each of which can be turned off; and
//! always its provenance (Info and XMP: title, Folio as creator, the source URL, the time).

use std::time::Duration;

use folio_core::RenderOptions;
use folio_render::ReaderEngine;
use folio_testkit::{pdf_info, pdf_outline};

use crate::site::{engine, page_url, serve, HEADINGS, HEADINGS_TITLE};

fn tagged(pdf: &[u8]) -> bool {
    pdf_info(pdf, &[])
        .lines()
        .any(|line| line.starts_with("Tagged:") && line.ends_with("yes"))
}

fn assert_outlines(pdf: &[u8], headings: &[&str]) {
    let outline = pdf_outline(pdf);
    for heading in headings {
        assert!(
            outline.iter().any(|item| item == heading),
            "{heading:?} in {outline:?}"
        );
    }
}

#[tokio::test]
async fn chromium_tags_and_outlines_the_headings_by_default() {
    let site = serve().await;
    let chromium = engine(site.guard(), 20);
    let url = page_url(&site.url("/headings"));
    let pdf = chromium.render(&url, &RenderOptions::default()).await.unwrap();
    assert!(tagged(&pdf.bytes), "tagged by default");
    assert_outlines(
        &pdf.bytes,
        &[HEADINGS_TITLE, HEADINGS[0], HEADINGS[1], HEADINGS[2]],
    );

    let neither = RenderOptions {
        tagged: false,
        outline: false,
        ..RenderOptions::default()
    };
    let plain = chromium.render(&url, &neither).await.unwrap();
    assert!(!tagged(&plain.bytes));
    assert!(pdf_outline(&plain.bytes).is_empty());

    let outline_only = RenderOptions {
        tagged: false,
        ..RenderOptions::default()
    };
    let pdf = chromium.render(&url, &outline_only).await.unwrap();
    assert!(
        tagged(&pdf.bytes),
        "an outline comes with the tags it is built from"
    );
    assert_outlines(&pdf.bytes, &HEADINGS);
}

#[tokio::test]
async fn the_reader_engine_outlines_the_headings_unless_told_not_to() {
    let site = serve().await;
    let reader = ReaderEngine::new(site.guard(), Duration::from_secs(10));
    let url = page_url(&site.url("/headings"));
    let pdf = reader.render(&url, &RenderOptions::default()).await.unwrap();
    assert!(pdf.pages >= 2, "{} pages", pdf.pages);
    // Two headings on one page each get their bookmark.
    assert_outlines(&pdf.bytes, &HEADINGS);
    let without = RenderOptions {
        outline: false,
        ..RenderOptions::default()
    };
    let plain = reader.render(&url, &without).await.unwrap();
    assert!(pdf_outline(&plain.bytes).is_empty());
}

#[tokio::test]
async fn every_print_says_what_it_is_where_it_came_from_and_when() {
    let site = serve().await;
    let url = site.url("/article");
    let chromium = engine(site.guard(), 20)
        .render(&page_url(&url), &RenderOptions::default())
        .await
        .unwrap();
    let reader = ReaderEngine::new(site.guard(), Duration::from_secs(10))
        .render(&page_url(&url), &RenderOptions::default())
        .await
        .unwrap();
    for pdf in [chromium, reader] {
        let info = pdf_info(&pdf.bytes, &["-custom"]);
        let field = |name: &str| {
            info.lines()
                .find_map(|line| line.strip_prefix(&format!("{name}:")))
                .map(str::trim)
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(field("Title"), "Folio Test Article", "{:?}: {info}", pdf.engine);
        assert_eq!(field("Creator"), format!("Folio {}", env!("CARGO_PKG_VERSION")));
        assert_eq!(field("FolioSourceURL"), url);
        assert!(!field("CreationDate").is_empty(), "{info}");
        let xmp = pdf_info(&pdf.bytes, &["-meta"]);
        assert!(xmp.contains(&format!("<dc:source>{url}</dc:source>")), "{xmp}");
        assert!(xmp.contains("Folio Test Article"), "{xmp}");
        // Still one readable document of the pages printed.
        assert_eq!(
            folio_render::pdf::page_sizes(&pdf.bytes).unwrap().len() as u32,
            pdf.pages
        );
        assert!(crate::site::pdf_text(&pdf.bytes).contains("The quick brown fox"));
    }
}
