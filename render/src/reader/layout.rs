//! Typesetting an article on pages: font metrics for the built-in faces, line wrapping,
//! pagination, page ranges and the header and footer lines.

use super::*;

/// Helvetica advance widths (thousandths of an em) for printable ASCII, from the standard
/// Adobe font metrics; other characters are measured as an average lower-case letter.
pub(super) fn char_width(c: char, monospace: bool) -> f64 {
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

pub(super) fn text_width_mm(text: &str, size_pt: f64, monospace: bool) -> f64 {
    text.chars().map(|c| char_width(c, monospace)).sum::<f64>() / 1000.0 * size_pt * PT_TO_MM
}

/// Greedy line breaking; words longer than a line (URLs) are split by character.
pub(super) fn wrap(text: &str, width_mm: f64, size_pt: f64, monospace: bool) -> Vec<String> {
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
pub(super) enum Face {
    Regular,
    Bold,
    Italic,
    Mono,
}

pub(super) struct Line {
    pub(super) text: String,
    pub(super) size_pt: f64,
    pub(super) face: Face,
    pub(super) indent_mm: f64,
}

/// Lays the article out on pages of the requested size and writes the PDF.
pub(super) fn typeset_page(
    html: &str,
    url: &str,
    options: &RenderOptions,
) -> Result<(Vec<u8>, Option<String>, u32, String), RenderError> {
    let article = extract(html, url);
    if article.too_deep {
        return Err(RenderError::Unreadable(format!(
            "the page nests elements more than {MAX_NESTING} deep; the reader engine does not follow it"
        )));
    }
    let bytes = typeset(&article, url, options)?;
    let pages = crate::pdf::page_count(&bytes).map_err(RenderError::Internal)?;
    Ok((bytes, article.title.clone(), pages, article.text()))
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
                                                   // Each heading and the index of its first line, for the outline.
    let mut headings: Vec<(usize, String)> = Vec::new();
    let mut push_block = |text: &str, size: f64, face: Face, indent: f64, prefix: Option<&str>| {
        let first = lines.len();
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
        first
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
                let first = push_block(text, size, Face::Bold, 0.0, None);
                headings.push((first, text.clone()));
            }
            Block::Paragraph(text) => {
                push_block(text, 11.0, Face::Regular, 0.0, None);
            }
            Block::ListItem(text) => {
                push_block(text, 11.0, Face::Regular, 4.0, Some("-"));
            }
            Block::Quote(text) => {
                push_block(text, 11.0, Face::Italic, 8.0, None);
            }
            Block::Code(text) => {
                push_block(text, 9.5, Face::Mono, 4.0, None);
            }
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
    let mut page_of_line = Vec::with_capacity(lines.len());
    let mut y = top;
    for entry in lines {
        page_of_line.push(pages.len());
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
                *page_of_line.last_mut().expect("pushed above") = pages.len();
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
    let pdf = document
        .save_to_bytes()
        .map_err(|e| RenderError::Internal(format!("could not write the PDF: {e}")))?;
    if !options.outline {
        return Ok(pdf);
    }
    // Each heading on a page that is kept, at that page's place in the PDF.
    let outline: Vec<(String, u32)> = headings
        .into_iter()
        .filter_map(|(line, heading)| {
            let at = keep.iter().position(|number| *number == page_of_line[line])?;
            Some((heading, u32::try_from(at + 1).ok()?))
        })
        .collect();
    super::outline::with_outline(pdf, &outline)
}
