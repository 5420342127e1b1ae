//! The reader engine's pieces, on pages and templates written here.

use super::*;

const PAGE: &str = r#"<!doctype html><html><head><title> The  Title </title><style>p{}</style></head>
  <body><nav>Menu Home About</nav><header>Site header</header>
  <article><h1>Heading One</h1><p>First <b>paragraph</b> with a <a href="/more">link</a>.</p>
  <ul><li>Item one</li><li>Item <em>two</em></li></ul>
  <blockquote>A quote.</blockquote><pre>let x = 1;
  indented();</pre><script>alert("no")</script><img src="a.png" alt="A chart"></article>
  <footer>Copyright</footer></body></html>"#;

#[test]
fn extracts_readable_content_in_order() {
    let article = extract(PAGE, "https://example.com/post/1");
    assert_eq!(article.title.as_deref(), Some("The Title"));
    assert_eq!(
        article.blocks,
        vec![
            Block::Heading(1, "Heading One".into()),
            Block::Paragraph("First paragraph with a link[1].".into()),
            Block::ListItem("Item one".into()),
            Block::ListItem("Item two".into()),
            Block::Quote("A quote.".into()),
            Block::Code("let x = 1;\n  indented();".into()),
            Block::Paragraph("[A chart]".into()),
        ]
    );
    assert_eq!(article.links, vec!["https://example.com/more".to_owned()]);
}

#[test]
fn wraps_within_the_width_and_splits_overlong_words() {
    let text = "word ".repeat(200);
    for line in wrap(&text, 100.0, 11.0, false) {
        assert!(text_width_mm(&line, 11.0, false) <= 100.0, "{line}");
    }
    let url = format!("https://example.com/{}", "x".repeat(300));
    let lines = wrap(&url, 50.0, 11.0, false);
    assert!(lines.len() > 3);
    assert_eq!(lines.concat(), url);
}

#[test]
fn long_articles_paginate_and_honour_paper_size() {
    let article = Article {
        too_deep: false,
        title: Some("Long".into()),
        blocks: (0..300)
            .map(|i| Block::Paragraph(format!("Paragraph number {i} ").repeat(5)))
            .collect(),
        links: vec![],
    };
    let options = RenderOptions {
        landscape: true,
        ..RenderOptions::default()
    };
    let bytes = typeset(&article, "https://example.com", &options).unwrap();
    let sizes = crate::pdf::page_sizes(&bytes).unwrap();
    assert!(sizes.len() > 5, "{} pages", sizes.len());
    let (w, h) = sizes[0];
    assert!(
        (w - 841.9).abs() < 2.0 && (h - 595.3).abs() < 2.0,
        "A4 landscape, got {w}x{h}"
    );
}

#[test]
fn templates_become_text_with_placeholders() {
    assert_eq!(
        template_text(
            r#"<div style="font-size:8px">Page <span class="pageNumber"></span> of <span class="totalPages"></span></div>"#
        )
        .unwrap(),
        "Page {pageNumber} of {totalPages}"
    );
    assert_eq!(today().len(), 10);
}

/// Test threads have 2 MiB stacks, like the blocking pool the reader typesets on: a walk
/// that recursed per element overflowed them (and aborted the server) on these inputs.
#[test]
fn deeply_nested_pages_and_templates_do_not_exhaust_the_stack() {
    let depth = 200_000;
    let page = format!("<title>Deep</title><body>{}Bottom text", "<span>".repeat(depth));
    let article = extract(&page, "https://example.com/");
    assert!(article.too_deep, "refused, not walked to the bottom");
    let fine = format!(
        "<title>Deep</title><body>{}Bottom text",
        "<span>".repeat(MAX_NESTING - 8)
    );
    let article = extract(&fine, "https://example.com/");
    assert!(!article.too_deep);
    assert!(article
        .blocks
        .iter()
        .any(|b| matches!(b, Block::Paragraph(t) if t.contains("Bottom text"))));

    // A 63 KB header template of 21,000 nested tags, under the 64 KiB option limit.
    let template = format!("{}<span class=\"title\"></span>", "<q>".repeat(21_000));
    assert!(template.len() < 64 * 1024);
    assert_eq!(template_text(&template), None);
    let shallow = format!("{}<span class=\"title\"></span>", "<q>".repeat(100));
    assert_eq!(template_text(&shallow).as_deref(), Some("{title}"));
}

#[test]
fn a_template_full_of_placeholders_fills_one_bounded_line() {
    let title = "T".repeat(200);
    let url = format!("https://example.com/{}", "u".repeat(4000));
    let values = [
        ("{title}", title.as_str()),
        ("{url}", url.as_str()),
        ("{pageNumber}", "1"),
    ];
    let template = "{title}{url}".repeat(5000);
    let line = fill_margin_line(&template, &values);
    assert!(line.chars().count() <= MAX_MARGIN_LINE_CHARS);
    assert!(line.starts_with(&title));
    assert_eq!(
        fill_margin_line("Page {pageNumber} of {title}", &values[..]),
        format!("Page 1 of {title}")
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever a header or footer template holds, its text is found without a panic and
        /// its filled line stays within a line's bound.
        #[test]
        fn any_template_becomes_one_bounded_line(
            template in "(<[a-z]{1,6}( class=\"(title|url|date|pageNumber|totalPages)\")?>|</[a-z]{1,6}>|[^<]{0,8}){0,40}",
            title in "\\PC{0,300}",
        ) {
            if let Some(text) = template_text(&template) {
                let line = fill_margin_line(&text, &[("{title}", title.as_str()), ("{url}", "https://example.com/")]);
                prop_assert!(line.chars().count() <= MAX_MARGIN_LINE_CHARS + 1, "{}", line.chars().count());
            }
        }
    }
}
