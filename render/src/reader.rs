//! The reader engine: the page's readable content (title, headings, paragraphs, lists, quotes,
//! code and links) typeset as a light, text-only PDF with `printpdf`. For machines without
//! Chromium and for people who want the text, not the layout.
//!
//! The page is fetched through the same [`GuardProxy`] as Chromium's requests, so redirects are
//! checked hop by hop and DNS is resolved exactly once per connection.

use std::time::{Duration, Instant};

use ego_tree::iter::Edge;
use folio_core::domain::text::{clip, MAX_NAME_CHARS};
use folio_core::render::parse_page_ranges;
use folio_core::{Engine, PageUrl, RenderOptions};
use printpdf::{BuiltinFont, IndirectFontRef, Mm, PdfDocument};
use scraper::{ElementRef, Html, Node, Selector};

use crate::guard::Guard;
use crate::peer::AllowedPeers;
use crate::proxy::GuardProxy;
use crate::{RenderError, RenderedPdf};

/// Pages larger than this are not articles; refusing them bounds memory.
const MAX_PAGE_BYTES: usize = 20 * 1024 * 1024;
const MAX_REDIRECTS: usize = 10;
const MM_PER_INCH: f64 = 25.4;
const PT_TO_MM: f64 = MM_PER_INCH / 72.0;

pub struct ReaderEngine {
    guard: Guard,
    timeout: Duration,
}

impl ReaderEngine {
    pub fn new(guard: Guard, timeout: Duration) -> Self {
        Self { guard, timeout }
    }

    pub async fn render(&self, url: &PageUrl, options: &RenderOptions) -> Result<RenderedPdf, RenderError> {
        let started = Instant::now();
        self.guard
            .resolve(&url.host().to_string(), url.port())
            .await
            .map_err(|e| RenderError::from_guard(url.as_str(), e))?;
        let fetched = tokio::time::timeout(self.timeout, self.fetch(url, options))
            .await
            .map_err(|_| RenderError::Timeout(self.timeout))??;
        if fetched.status >= 400 && !options.accept_error_status {
            return Err(RenderError::TargetStatus {
                status: fetched.status,
                url: fetched.final_url,
            });
        }
        let options = options.clone();
        let final_url = fetched.final_url.clone();
        let (bytes, title, pages) =
            tokio::task::spawn_blocking(move || typeset_page(&fetched.html, &fetched.final_url, &options))
                .await
                .map_err(|e| RenderError::Internal(format!("typesetting task failed: {e}")))??;
        Ok(RenderedPdf {
            size_bytes: bytes.len() as u64,
            bytes,
            title,
            final_url,
            status: Some(fetched.status),
            pages,
            render_ms: started.elapsed().as_millis() as u64,
            engine: Engine::Reader,
        })
    }

    async fn fetch(&self, url: &PageUrl, options: &RenderOptions) -> Result<Fetched, RenderError> {
        let proxy = GuardProxy::start(self.guard.clone(), AllowedPeers::this_process())
            .await
            .map_err(|e| RenderError::Internal(format!("could not start the guard proxy: {e}")))?;
        let client = reqwest::Client::builder()
            .proxy(reqwest::Proxy::all(proxy.url()).map_err(|e| RenderError::Internal(e.to_string()))?)
            .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
            .user_agent(
                options
                    .user_agent
                    .clone()
                    .unwrap_or_else(|| format!("Folio/{} (reader)", env!("CARGO_PKG_VERSION"))),
            )
            .build()
            .map_err(|e| RenderError::Internal(e.to_string()))?;
        let mut request = client
            .get(url.as_str())
            .header("accept", "text/html,application/xhtml+xml");
        for (name, value) in &options.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        if !options.cookies.is_empty() {
            let cookies: Vec<String> = options
                .cookies
                .iter()
                .map(|c| format!("{}={}", c.name, c.value))
                .collect();
            request = request.header("cookie", cookies.join("; "));
        }
        let outcome = async {
            let mut response = request.send().await?;
            let status = response.status().as_u16();
            let final_url = response.url().to_string();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await? {
                body.extend_from_slice(&chunk);
                if body.len() > MAX_PAGE_BYTES {
                    return Ok(Err(RenderError::Unreachable(format!(
                        "{final_url} is larger than {} MiB",
                        MAX_PAGE_BYTES / 1024 / 1024
                    ))));
                }
            }
            Ok::<_, reqwest::Error>(Ok(Fetched {
                status,
                final_url,
                html: String::from_utf8_lossy(&body).into_owned(),
            }))
        }
        .await;
        if let Some(refusal) = proxy.refusals().into_iter().next() {
            return Err(RenderError::Blocked {
                url: refusal.url,
                reason: refusal.reason,
            });
        }
        outcome.map_err(|e| RenderError::Unreachable(format!("{}: {e}", url.as_str())))?
    }
}

struct Fetched {
    status: u16,
    final_url: String,
    html: String,
}

/// A unit of readable content.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading(u8, String),
    Paragraph(String),
    ListItem(String),
    Quote(String),
    Code(String),
}

/// The readable content of a page: its title, its blocks and the links it cites.
#[derive(Debug, Default)]
pub struct Article {
    /// The page nested elements deeper than [`MAX_NESTING`]; nothing past that was read.
    pub too_deep: bool,
    pub title: Option<String>,
    pub blocks: Vec<Block>,
    pub links: Vec<String>,
}

/// Deepest element nesting the reader engine follows. Blink itself stops nesting at 512; a page
/// far deeper than that is built to hurt, and is refused with a reason.
pub const MAX_NESTING: usize = 4096;

/// Characters of a filled header or footer kept per page: more than a line can show.
const MAX_MARGIN_LINE_CHARS: usize = 500;
const MAX_MARGIN_LINE_BYTES: usize = 4 * MAX_MARGIN_LINE_CHARS + 4096;

const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "form", "button",
    "select", "nav", "aside", "footer", "header", "dialog", "head",
];

/// Extracts the readable content, preferring `<article>` or `<main>` when the page has one.
pub fn extract(html: &str, base_url: &str) -> Article {
    let document = Html::parse_document(html);
    let select = |css: &str| Selector::parse(css).expect("static selector");
    let title = document
        .select(&select("title"))
        .next()
        .map(|t| clip(&collapse(&t.text().collect::<String>()), MAX_NAME_CHARS))
        .filter(|t| !t.is_empty())
        .or_else(|| {
            document
                .select(&select("h1"))
                .next()
                .map(|h| clip(&collapse(&h.text().collect::<String>()), MAX_NAME_CHARS))
                .filter(|t| !t.is_empty())
        });
    let root = document
        .select(&select("article"))
        .next()
        .or_else(|| document.select(&select("main")).next())
        .or_else(|| document.select(&select("body")).next())
        .unwrap_or_else(|| document.root_element());
    let base = url::Url::parse(base_url).ok();
    let mut walker = Walker {
        article: Article {
            title,
            ..Article::default()
        },
        current: String::new(),
        base,
    };
    walker.walk(root);
    walker.flush(Block::Paragraph);
    walker.article
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subtree {
    Walk,
    Skip,
}

/// What [`traverse`] shows of the tree, in document order.
enum Step<'a> {
    Text(&'a scraper::node::Text),
    /// An element starts; answering [`Subtree::Skip`] passes over its content and its end.
    Open(ElementRef<'a>),
    Close(ElementRef<'a>),
}

/// The tree was nested deeper than [`MAX_NESTING`].
struct TooDeep;

/// Visits everything below `root` with an explicit traversal rather than recursion: a page or
/// a template is hostile input, and 200,000 nested elements would overflow any call stack.
/// Stops at the first element nested deeper than [`MAX_NESTING`], skipped subtrees included.
fn traverse<'a>(root: ElementRef<'a>, mut visit: impl FnMut(Step<'a>) -> Subtree) -> Result<(), TooDeep> {
    // The element whose subtree is being passed over, until its closing edge.
    let mut skipping = None;
    let mut depth = 0usize;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => {
                if node.value().is_element() {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Err(TooDeep);
                    }
                }
                if skipping.is_some() || node == *root {
                    continue;
                }
                match (ElementRef::wrap(node), node.value()) {
                    (Some(element), _) => {
                        if visit(Step::Open(element)) == Subtree::Skip {
                            skipping = Some(node);
                        }
                    }
                    (None, Node::Text(text)) => {
                        visit(Step::Text(text));
                    }
                    (None, _) => {}
                }
            }
            Edge::Close(node) => {
                if node.value().is_element() {
                    depth -= 1;
                }
                if skipping == Some(node) {
                    skipping = None;
                } else if skipping.is_none() && node != *root {
                    if let Some(element) = ElementRef::wrap(node) {
                        visit(Step::Close(element));
                    }
                }
            }
        }
    }
    Ok(())
}

struct Walker {
    article: Article,
    current: String,
    base: Option<url::Url>,
}

impl Walker {
    fn flush(&mut self, make: impl FnOnce(String) -> Block) {
        let text = collapse(&self.current);
        self.current.clear();
        if !text.is_empty() {
            self.article.blocks.push(make(text));
        }
    }

    fn walk(&mut self, root: ElementRef<'_>) {
        let walked = traverse(root, |step| match step {
            Step::Text(text) => {
                self.current.push_str(text);
                Subtree::Walk
            }
            Step::Open(element) => self.open(element),
            Step::Close(element) => {
                self.close(element);
                Subtree::Walk
            }
        });
        if walked.is_err() {
            self.article.too_deep = true;
        }
    }

    /// What an element does where it starts; whether its content is walked.
    fn open(&mut self, element: ElementRef<'_>) -> Subtree {
        let el = element.value();
        let name = el.name();
        if SKIPPED.contains(&name) || el.attr("hidden").is_some() || el.attr("aria-hidden") == Some("true") {
            return Subtree::Skip;
        }
        match name {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.flush(Block::Paragraph);
                let level = name.as_bytes()[1] - b'0';
                self.current.push_str(&element.text().collect::<String>());
                self.flush(|text| Block::Heading(level, text));
                Subtree::Skip
            }
            "pre" => {
                self.flush(Block::Paragraph);
                let code: String = element.text().collect();
                let code = code.trim_matches('\n').to_owned();
                if !code.trim().is_empty() {
                    self.article.blocks.push(Block::Code(code));
                }
                Subtree::Skip
            }
            "br" => {
                self.current.push('\n');
                Subtree::Skip
            }
            "img" => {
                if let Some(alt) = el.attr("alt").filter(|alt| !alt.trim().is_empty()) {
                    self.current.push_str(&format!(" [{}] ", alt.trim()));
                }
                Subtree::Skip
            }
            "li" | "dt" | "dd" | "blockquote" | "p" | "div" | "section" | "article" | "main" | "ul"
            | "ol" | "dl" | "table" | "tr" | "figure" | "figcaption" | "hr" => {
                self.flush(Block::Paragraph);
                Subtree::Walk
            }
            _ => Subtree::Walk,
        }
    }

    /// What an element whose content was walked does where it ends.
    fn close(&mut self, element: ElementRef<'_>) {
        let el = element.value();
        match el.name() {
            "li" | "dt" | "dd" => self.flush(Block::ListItem),
            "blockquote" => self.flush(Block::Quote),
            "p" | "div" | "section" | "article" | "main" | "ul" | "ol" | "dl" | "table" | "tr" | "figure"
            | "figcaption" | "hr" => self.flush(Block::Paragraph),
            "td" | "th" => self.current.push_str("  "),
            "a" => {
                let Some(href) = el.attr("href").and_then(|href| self.absolute(href)) else {
                    return;
                };
                let number = match self.article.links.iter().position(|l| *l == href) {
                    Some(i) => i + 1,
                    None => {
                        self.article.links.push(href);
                        self.article.links.len()
                    }
                };
                self.current.push_str(&format!("[{number}]"));
            }
            _ => {}
        }
    }

    fn absolute(&self, href: &str) -> Option<String> {
        let resolved = match &self.base {
            Some(base) => base.join(href).ok()?,
            None => url::Url::parse(href).ok()?,
        };
        matches!(resolved.scheme(), "http" | "https").then(|| resolved.to_string())
    }
}

/// Collapses runs of whitespace, keeping explicit line breaks from `<br>`.
fn collapse(text: &str) -> String {
    text.split('\n')
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Helvetica advance widths (thousandths of an em) for printable ASCII, from the standard
/// Adobe font metrics; other characters are measured as an average lower-case letter.
fn char_width(c: char, monospace: bool) -> f64 {
    if monospace {
        return 600.0;
    }
    match c {
        ' ' | '!' | ',' | '.' | '/' | ':' | ';' | 'I' | 'f' | 't' | '[' | ']' | '\\' => 278.0,
        'i' | 'j' | 'l' => 222.0,
        '\'' => 191.0,
        '"' => 355.0,
        '(' | ')' | '-' | 'r' | '`' => 333.0,
        '*' => 389.0,
        '+' | '<' | '=' | '>' | '~' => 584.0,
        '%' => 889.0,
        '&' | 'A' | 'B' | 'E' | 'K' | 'P' | 'S' | 'V' | 'X' | 'Y' => 667.0,
        '@' => 1015.0,
        'C' | 'D' | 'H' | 'N' | 'R' | 'U' | 'w' => 722.0,
        'F' | 'T' | 'Z' => 611.0,
        'G' | 'O' | 'Q' => 778.0,
        'J' | 'c' | 'k' | 's' | 'v' | 'x' | 'y' | 'z' => 500.0,
        'L' => 556.0,
        'M' | 'm' => 833.0,
        'W' => 944.0,
        '{' | '}' => 334.0,
        '|' => 260.0,
        '^' => 469.0,
        _ => 556.0,
    }
}

fn text_width_mm(text: &str, size_pt: f64, monospace: bool) -> f64 {
    text.chars().map(|c| char_width(c, monospace)).sum::<f64>() / 1000.0 * size_pt * PT_TO_MM
}

/// Greedy line breaking; words longer than a line (URLs) are split by character.
fn wrap(text: &str, width_mm: f64, size_pt: f64, monospace: bool) -> Vec<String> {
    let mut lines = Vec::new();
    for source_line in text.split('\n') {
        if monospace {
            // Code keeps its spacing; long lines are cut, not reflowed.
            let mut line = String::new();
            for c in source_line.chars() {
                if text_width_mm(&line, size_pt, true) + text_width_mm(&c.to_string(), size_pt, true)
                    > width_mm
                {
                    lines.push(std::mem::take(&mut line));
                }
                line.push(c);
            }
            lines.push(line);
            continue;
        }
        let mut line = String::new();
        for word in source_line.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if text_width_mm(&candidate, size_pt, false) <= width_mm {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if text_width_mm(word, size_pt, false) <= width_mm {
                line = word.to_owned();
            } else {
                for c in word.chars() {
                    if text_width_mm(&format!("{line}{c}"), size_pt, false) > width_mm && !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                    }
                    line.push(c);
                }
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
    }
    lines
}

#[derive(Clone, Copy, PartialEq)]
enum Face {
    Regular,
    Bold,
    Italic,
    Mono,
}

struct Line {
    text: String,
    size_pt: f64,
    face: Face,
    indent_mm: f64,
}

/// Lays the article out on pages of the requested size and writes the PDF.
fn typeset_page(
    html: &str,
    url: &str,
    options: &RenderOptions,
) -> Result<(Vec<u8>, Option<String>, u32), RenderError> {
    let article = extract(html, url);
    if article.too_deep {
        return Err(RenderError::Unreadable(format!(
            "the page nests elements more than {MAX_NESTING} deep; the reader engine does not follow it"
        )));
    }
    let bytes = typeset(&article, url, options)?;
    let pages = crate::pdf::page_count(&bytes).map_err(RenderError::Internal)?;
    Ok((bytes, article.title, pages))
}

pub fn typeset(article: &Article, url: &str, options: &RenderOptions) -> Result<Vec<u8>, RenderError> {
    let (mut width_in, mut height_in) = options.paper_size_inches();
    if options.landscape {
        std::mem::swap(&mut width_in, &mut height_in);
    }
    let (page_w, page_h) = (width_in * MM_PER_INCH, height_in * MM_PER_INCH);
    let margin = &options.margin;
    // Reader pages get at least a comfortable margin even when the print margins are zero.
    let min_margin = 12.0;
    let left = (margin.left.inches() * MM_PER_INCH).max(min_margin);
    let right = (margin.right.inches() * MM_PER_INCH).max(min_margin);
    let top = (margin.top.inches() * MM_PER_INCH).max(min_margin);
    let bottom = (margin.bottom.inches() * MM_PER_INCH).max(min_margin);
    let text_width = (page_w - left - right).max(20.0);

    let title = article.title.clone().unwrap_or_else(|| url.to_owned());
    let mut lines: Vec<Option<Line>> = Vec::new(); // None = paragraph gap
    let mut push_block = |text: &str, size: f64, face: Face, indent: f64, prefix: Option<&str>| {
        let wrapped = wrap(
            text,
            text_width - indent - if prefix.is_some() { 5.0 } else { 0.0 },
            size,
            face == Face::Mono,
        );
        for (i, line) in wrapped.into_iter().enumerate() {
            let text = match (prefix, i) {
                (Some(prefix), 0) => format!("{prefix} {line}"),
                (Some(_), _) => format!("   {line}"),
                (None, _) => line,
            };
            lines.push(Some(Line {
                text,
                size_pt: size,
                face,
                indent_mm: indent,
            }));
        }
        lines.push(None);
    };
    push_block(&title, 20.0, Face::Bold, 0.0, None);
    push_block(url, 9.0, Face::Italic, 0.0, None);
    for block in &article.blocks {
        match block {
            Block::Heading(level, text) => {
                let size = match level {
                    1 => 17.0,
                    2 => 15.0,
                    3 => 13.0,
                    _ => 12.0,
                };
                push_block(text, size, Face::Bold, 0.0, None);
            }
            Block::Paragraph(text) => push_block(text, 11.0, Face::Regular, 0.0, None),
            Block::ListItem(text) => push_block(text, 11.0, Face::Regular, 4.0, Some("-")),
            Block::Quote(text) => push_block(text, 11.0, Face::Italic, 8.0, None),
            Block::Code(text) => push_block(text, 9.5, Face::Mono, 4.0, None),
        }
    }
    if !article.links.is_empty() {
        push_block("Links", 13.0, Face::Bold, 0.0, None);
        for (i, link) in article.links.iter().enumerate() {
            push_block(link, 9.0, Face::Regular, 0.0, Some(&format!("[{}]", i + 1)));
        }
    }

    // Paginate: a page is a list of (line, baseline y from the top).
    let mut pages: Vec<Vec<(Line, f64)>> = vec![Vec::new()];
    let mut y = top;
    for entry in lines {
        match entry {
            None => y += 2.5,
            Some(line) => {
                let advance = line.size_pt * 1.35 * PT_TO_MM;
                if y + advance > page_h - bottom && !pages.last().is_some_and(Vec::is_empty) {
                    pages.push(Vec::new());
                    y = top;
                }
                y += advance;
                pages.last_mut().expect("at least one page").push((line, y));
            }
        }
    }
    let total = pages.len();
    let keep: Vec<usize> = match &options.page_ranges {
        Some(ranges) => {
            let ranges = parse_page_ranges(ranges).map_err(|reason| RenderError::InvalidOptions {
                field: "options.page_ranges",
                reason,
            })?;
            let keep: Vec<usize> = (1..=total)
                .filter(|n| {
                    ranges
                        .iter()
                        .any(|(a, b)| (*a as usize..=*b as usize).contains(n))
                })
                .collect();
            if keep.is_empty() {
                return Err(RenderError::InvalidOptions {
                    field: "options.page_ranges",
                    reason: format!("the document has only {total} pages"),
                });
            }
            keep
        }
        None => (1..=total).collect(),
    };

    let (document, first_page, first_layer) =
        PdfDocument::new(&title, Mm(page_w as f32), Mm(page_h as f32), "text");
    let font = |builtin| {
        document
            .add_builtin_font(builtin)
            .map_err(|e| RenderError::Internal(format!("font: {e}")))
    };
    let fonts: [(Face, IndirectFontRef); 4] = [
        (Face::Regular, font(BuiltinFont::Helvetica)?),
        (Face::Bold, font(BuiltinFont::HelveticaBold)?),
        (Face::Italic, font(BuiltinFont::HelveticaOblique)?),
        (Face::Mono, font(BuiltinFont::Courier)?),
    ];
    let font_for = |face: Face| {
        &fonts
            .iter()
            .find(|(f, _)| *f == face)
            .expect("every face has a font")
            .1
    };
    let margin_text = |field: &'static str, template: &Option<String>| {
        template
            .as_deref()
            .map(|template| {
                template_text(template).ok_or_else(|| RenderError::InvalidOptions {
                    field,
                    reason: format!("nests elements more than {MAX_NESTING} deep"),
                })
            })
            .transpose()
    };
    let header = margin_text("options.header_template", &options.header_template)?;
    let footer = margin_text("options.footer_template", &options.footer_template)?;

    for (index, number) in keep.iter().enumerate() {
        let (page, layer) = if index == 0 {
            (first_page, first_layer)
        } else {
            document.add_page(Mm(page_w as f32), Mm(page_h as f32), "text")
        };
        let layer = document.get_page(page).get_layer(layer);
        for (line, y) in &pages[number - 1] {
            layer.use_text(
                line.text.as_str(),
                line.size_pt as f32,
                Mm((left + line.indent_mm) as f32),
                Mm((page_h - y) as f32),
                font_for(line.face),
            );
        }
        let number = number.to_string();
        let total = total.to_string();
        let values = [
            ("{pageNumber}", number.as_str()),
            ("{totalPages}", total.as_str()),
            ("{title}", title.as_str()),
            ("{url}", url),
        ];
        let fill = |template: &str| fill_margin_line(template, &values);
        if let Some(header) = &header {
            layer.use_text(
                fill(header),
                8.0,
                Mm(left as f32),
                Mm((page_h - top * 0.5) as f32),
                font_for(Face::Regular),
            );
        }
        let footer_text = footer
            .as_ref()
            .map_or_else(|| format!("{number} / {total}"), |f| fill(f));
        let footer_x = page_w - right - text_width_mm(&footer_text, 8.0, false);
        layer.use_text(
            footer_text,
            8.0,
            Mm(footer_x.max(left) as f32),
            Mm((bottom * 0.5) as f32),
            font_for(Face::Regular),
        );
    }
    document
        .save_to_bytes()
        .map_err(|e| RenderError::Internal(format!("could not write the PDF: {e}")))
}

/// A header or footer line with its placeholders filled in. Built up to a bound, never beyond:
/// whatever a template asks for (thousands of `{title}`s or `{url}`s once took the process to
/// gigabytes), a page keeps one line of small print.
fn fill_margin_line(template: &str, values: &[(&str, &str)]) -> String {
    let mut line = String::new();
    let mut rest = template;
    while !rest.is_empty() && line.len() < MAX_MARGIN_LINE_BYTES {
        match values
            .iter()
            .find(|(placeholder, _)| rest.starts_with(placeholder))
        {
            Some((placeholder, value)) => {
                line.push_str(value);
                rest = &rest[placeholder.len()..];
            }
            None => {
                let next = rest.chars().next().unwrap_or_default();
                line.push(next);
                rest = &rest[next.len_utf8()..];
            }
        }
    }
    clip(&line, MAX_MARGIN_LINE_CHARS)
}

/// A Chromium header/footer template as plain text with placeholders for the values Chromium
/// would fill in (`pageNumber`, `totalPages`, `title`, `url`, `date`).
fn template_text(template: &str) -> Option<String> {
    let fragment = Html::parse_fragment(template);
    let mut text = String::new();
    let walked = traverse(fragment.root_element(), |step| match step {
        Step::Text(t) => {
            text.push_str(t);
            Subtree::Walk
        }
        Step::Open(element) => {
            let el = element.value();
            if matches!(el.name(), "script" | "style") {
                return Subtree::Skip;
            }
            let class = el.attr("class").unwrap_or_default();
            let placeholder = ["pageNumber", "totalPages", "title", "url", "date"]
                .into_iter()
                .find(|name| class.split_whitespace().any(|c| c == *name));
            match placeholder {
                Some("date") => text.push_str(&today()),
                Some(name) => text.push_str(&format!("{{{name}}}")),
                None => return Subtree::Walk,
            }
            Subtree::Skip
        }
        Step::Close(_) => Subtree::Walk,
    });
    walked.ok()?;
    Some(collapse(&text.replace('\n', " ")))
}

fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    // Civil-from-days (Howard Hinnant), to avoid a date crate for one string.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
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
}
