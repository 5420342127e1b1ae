//! Reading back what an engine wrote (page count and page sizes), and writing where it came
//! from into it ([`provenance`]).

pub mod provenance;

/// Number of pages in a PDF.
///
/// Follows the document's own structure, as a reader does: the last `startxref` names the
/// cross-reference table, whose trailer names the catalog, whose `/Pages` is the page tree's
/// root, whose `/Count` counts every page. Only offsets from the table are trusted, so nothing a
/// page puts in the PDF (a title holding `<< /Type /Pages /Count 424242 >>`) can be read as the
/// count. That takes microseconds on the classic layout Chromium (Skia) writes; a full parse
/// of a long PDF takes far longer than printing it did. Documents laid out otherwise
/// (cross-reference streams, as printpdf writes) fall back to the full parse.
pub fn page_count(bytes: &[u8]) -> Result<u32, String> {
    if let Some(count) = page_tree_count(bytes) {
        return Ok(count);
    }
    let document = lopdf::Document::load_mem(bytes).map_err(|e| e.to_string())?;
    u32::try_from(document.get_pages().len()).map_err(|e| e.to_string())
}

/// The page count from the page tree, when the document has the classic layout (never a
/// full parse, so safe on any bytes).
pub(crate) fn page_tree_count(bytes: &[u8]) -> Option<u32> {
    let layout = ClassicLayout::of(bytes)?;
    let catalog = layout.catalog()?;
    let pages = reference_after(catalog, b"/Pages")?;
    let tree = layout.object(pages)?;
    let count = number_after(tree, find(tree, b"/Count")? + b"/Count".len())?;
    u32::try_from(count).ok().filter(|count| *count > 0)
}

/// A PDF with a classic cross-reference table (as Chromium writes it), found from its last
/// `startxref` without parsing anything else.
pub(crate) struct ClassicLayout<'a> {
    pub(crate) bytes: &'a [u8],
    /// Where the table starts, as `startxref` says.
    pub(crate) xref_at: usize,
    /// From the `xref` keyword to the end of the file.
    pub(crate) table: &'a [u8],
    pub(crate) trailer: &'a [u8],
}

impl<'a> ClassicLayout<'a> {
    pub(crate) fn of(bytes: &'a [u8]) -> Option<Self> {
        let tail = &bytes[bytes.len().saturating_sub(64)..];
        let startxref = rfind(tail, b"startxref")? + b"startxref".len();
        let xref_at = usize::try_from(number_after(tail, startxref)?).ok()?;
        let table = bytes.get(xref_at..)?;
        if !table.starts_with(b"xref") {
            return None;
        }
        let trailer = dictionary_at(table, find(table, b"trailer")?)?;
        Some(Self {
            bytes,
            xref_at,
            table,
            trailer,
        })
    }

    /// The dictionary of object `id`.
    pub(crate) fn object(&self, id: u64) -> Option<&'a [u8]> {
        object(self.bytes, self.table, id)
    }

    /// The catalog (`/Root`) and its object number.
    pub(crate) fn root(&self) -> Option<u64> {
        reference_after(self.trailer, b"/Root")
    }

    pub(crate) fn catalog(&self) -> Option<&'a [u8]> {
        self.object(self.root()?)
    }
}

/// The dictionary of object `id`, found through the cross-reference table's offset for it.
fn object<'a>(bytes: &'a [u8], table: &[u8], id: u64) -> Option<&'a [u8]> {
    // `xref`, then sections of `first count` and 20-byte entries `oooooooooo ggggg n\r\n`.
    let mut at = b"xref".len();
    loop {
        let (first, after_first) = number_with_end(table, at)?;
        let (count, after_count) = number_with_end(table, after_first)?;
        let entries = after_count
            + table[after_count..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
        if (first..first.checked_add(count)?).contains(&id) {
            let entry_at = usize::try_from(id - first)
                .ok()?
                .checked_mul(20)?
                .checked_add(entries)?;
            let entry = table.get(entry_at..)?.get(..18)?;
            if entry[17] != b'n' {
                return None;
            }
            let offset = usize::try_from(number_after(entry, 0)?).ok()?;
            let header = format!("{id} 0 obj");
            let body = bytes.get(offset..)?;
            if !body.starts_with(header.as_bytes()) {
                return None;
            }
            return dictionary_at(body, header.len());
        }
        at = usize::try_from(count)
            .ok()?
            .checked_mul(20)?
            .checked_add(entries)?;
        if table.get(at..)?.trim_ascii_start().starts_with(b"trailer") {
            return None;
        }
    }
}

/// The `<< … >>` that starts at or after `from`, nested dictionaries included.
fn dictionary_at(bytes: &[u8], from: usize) -> Option<&[u8]> {
    let open = from + find(&bytes[from..], b"<<")?;
    let mut depth = 0usize;
    let mut at = open;
    while at + 1 < bytes.len() {
        match &bytes[at..at + 2] {
            b"<<" => {
                depth += 1;
                at += 2;
            }
            b">>" => {
                depth -= 1;
                at += 2;
                if depth == 0 {
                    return Some(&bytes[open..at]);
                }
            }
            _ => at += 1,
        }
    }
    None
}

/// The object number of `key N 0 R` in `dictionary`.
fn reference_after(dictionary: &[u8], key: &[u8]) -> Option<u64> {
    number_after(dictionary, find(dictionary, key)? + key.len())
}

fn number_after(bytes: &[u8], from: usize) -> Option<u64> {
    number_with_end(bytes, from).map(|(n, _)| n)
}

/// The whole number at `from` (after white space) and where it ends.
fn number_with_end(bytes: &[u8], from: usize) -> Option<(u64, usize)> {
    let start = from
        + bytes
            .get(from..)?
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    let len = bytes[start..].iter().take_while(|b| b.is_ascii_digit()).count();
    let number = std::str::from_utf8(&bytes[start..start + len])
        .ok()?
        .parse()
        .ok()?;
    Some((number, start + len))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .rposition(|window| window == needle)
}

/// Width and height of each page in points (1/72 inch), from its MediaBox.
pub fn page_sizes(bytes: &[u8]) -> Result<Vec<(f64, f64)>, String> {
    let document = lopdf::Document::load_mem(bytes).map_err(|e| e.to_string())?;
    let mut sizes = Vec::new();
    for (_, page_id) in document.get_pages() {
        let mut node = document.get_dictionary(page_id).map_err(|e| e.to_string())?;
        // MediaBox is inheritable: walk up the page tree until one is found.
        let media_box = loop {
            if let Ok(found) = node.get(b"MediaBox") {
                break found.clone();
            }
            let parent = node
                .get(b"Parent")
                .and_then(|p| p.as_reference())
                .map_err(|_| "page without a MediaBox".to_owned())?;
            node = document.get_dictionary(parent).map_err(|e| e.to_string())?;
        };
        let media_box = match media_box {
            lopdf::Object::Reference(id) => document.get_object(id).map_err(|e| e.to_string())?.clone(),
            other => other,
        };
        let numbers: Vec<f64> = media_box
            .as_array()
            .map_err(|e| e.to_string())?
            .iter()
            .map(|n| {
                n.as_float()
                    .map(f64::from)
                    .or_else(|_| n.as_i64().map(|i| i as f64))
            })
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        let [x0, y0, x1, y1] = numbers[..] else {
            return Err("MediaBox is not four numbers".to_owned());
        };
        sizes.push(((x1 - x0).abs(), (y1 - y0).abs()));
    }
    Ok(sizes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_matches_a_full_parse() {
        let options = folio_core::RenderOptions::default();
        for paragraphs in [1, 40, 400] {
            let article = crate::reader::Article {
                too_deep: false,
                title: Some("Count".into()),
                blocks: (0..paragraphs)
                    .map(|i| crate::reader::Block::Paragraph(format!("Paragraph {i} ").repeat(20)))
                    .collect(),
                links: vec![],
            };
            let bytes = crate::reader::typeset(&article, "https://example.com", &options).unwrap();
            let parsed = lopdf::Document::load_mem(&bytes).unwrap().get_pages().len() as u32;
            assert_eq!(page_count(&bytes).unwrap(), parsed, "{paragraphs} paragraphs");
        }
    }

    #[test]
    fn a_title_that_imitates_a_page_tree_does_not_change_the_count() {
        let options = folio_core::RenderOptions::default();
        let article = crate::reader::Article {
            too_deep: false,
            title: Some("<< /Type /Pages /Count 424242 >>".into()),
            blocks: vec![crate::reader::Block::Paragraph(
                "<< /Type /Pages /Count 424242 >>".into(),
            )],
            links: vec![],
        };
        let bytes = crate::reader::typeset(&article, "https://example.com", &options).unwrap();
        assert_eq!(page_count(&bytes).unwrap(), 1);
    }
}
