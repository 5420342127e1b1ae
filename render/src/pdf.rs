//! Reading back what an engine wrote: page count and page sizes.

/// Number of pages in a PDF.
///
/// Reads the `/Count` of the page tree's root straight from the bytes, which takes microseconds
/// on the uncompressed object layout Chromium (Skia) and printpdf write; a full parse of a long
/// PDF takes far longer than printing it did. Documents with compressed object streams fall
/// back to the full parse.
pub fn page_count(bytes: &[u8]) -> Result<u32, String> {
    if let Some(count) = scan_page_tree_count(bytes) {
        return Ok(count);
    }
    let document = lopdf::Document::load_mem(bytes).map_err(|e| e.to_string())?;
    u32::try_from(document.get_pages().len()).map_err(|e| e.to_string())
}

/// The largest `/Count` among `/Type /Pages` dictionaries: the root's, which counts every page.
fn scan_page_tree_count(bytes: &[u8]) -> Option<u32> {
    const PAGES: &[u8] = b"/Type /Pages";
    let mut best = None;
    let mut at = 0;
    while let Some(found) = find(&bytes[at..], PAGES) {
        let start = at + found;
        at = start + PAGES.len();
        // The dictionary holding it: back to its `<<`, forward to its `>>` (page tree nodes hold
        // no nested dictionaries).
        let open = bytes[..start].windows(2).rposition(|w| w == b"<<")?;
        let close = start + find(&bytes[start..], b">>")?;
        let dictionary = &bytes[open..close];
        let count_at = find(dictionary, b"/Count")? + b"/Count".len();
        let digits: Vec<u8> = dictionary[count_at..]
            .iter()
            .skip_while(|b| b.is_ascii_whitespace())
            .take_while(|b| b.is_ascii_digit())
            .copied()
            .collect();
        let count: u32 = std::str::from_utf8(&digits).ok()?.parse().ok()?;
        best = best.max(Some(count));
    }
    best.filter(|count| *count > 0)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
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
    fn scanned_count_matches_a_full_parse() {
        let options = folio_core::RenderOptions::default();
        for paragraphs in [1, 40, 400] {
            let article = crate::reader::Article {
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
}
