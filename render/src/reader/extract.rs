//! The readable content of a page: title, headings, paragraphs, lists, quotes, code and links,
//! walked without recursion and to a bounded depth (every page is hostile input).

use super::*;

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

impl Article {
    /// Its title and blocks as plain text, a line each (what search indexes).
    pub fn text(&self) -> String {
        let blocks = self.blocks.iter().map(|block| match block {
            Block::Heading(_, text)
            | Block::Paragraph(text)
            | Block::ListItem(text)
            | Block::Quote(text)
            | Block::Code(text) => text.as_str(),
        });
        let lines: Vec<&str> = self.title.as_deref().into_iter().chain(blocks).collect();
        crate::clip_text(lines.join("\n"))
    }
}

/// Deepest element nesting the reader engine follows. Blink itself stops nesting at 512; a page
/// far deeper than that is built to hurt, and is refused with a reason.
pub const MAX_NESTING: usize = 4096;

pub(super) const SKIPPED: &[&str] = &[
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
pub(super) enum Subtree {
    Walk,
    Skip,
}

/// What [`traverse`] shows of the tree, in document order.
pub(super) enum Step<'a> {
    Text(&'a scraper::node::Text),
    /// An element starts; answering [`Subtree::Skip`] passes over its content and its end.
    Open(ElementRef<'a>),
    Close(ElementRef<'a>),
}

/// The tree was nested deeper than [`MAX_NESTING`].
pub(super) struct TooDeep;

/// Visits everything below `root` with an explicit traversal rather than recursion: a page or
/// a template is hostile input, and 200,000 nested elements would overflow any call stack.
/// Stops at the first element nested deeper than [`MAX_NESTING`], skipped subtrees included.
pub(super) fn traverse<'a>(
    root: ElementRef<'a>,
    mut visit: impl FnMut(Step<'a>) -> Subtree,
) -> Result<(), TooDeep> {
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

pub(super) struct Walker {
    pub(super) article: Article,
    pub(super) current: String,
    pub(super) base: Option<url::Url>,
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
pub(super) fn collapse(text: &str) -> String {
    text.split('\n')
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}
