//! The reader engine's document outline: one bookmark per heading, in order, each opening its
//! page. Written into the finished PDF with `lopdf`, because `printpdf` keeps at most one
//! bookmark per page (a page with two headings would lose one). The PDF is Folio's own, small
//! and trusted, so reading it back whole costs little.

use lopdf::{Dictionary, Document, Object, ObjectId, StringFormat};

use crate::RenderError;

/// Adds an outline of `headings` (title, 1-based page of the PDF) to `pdf`.
pub(super) fn with_outline(pdf: Vec<u8>, headings: &[(String, u32)]) -> Result<Vec<u8>, RenderError> {
    if headings.is_empty() {
        return Ok(pdf);
    }
    let failed = |e: lopdf::Error| RenderError::Internal(format!("could not write the outline: {e}"));
    let mut document = Document::load_mem(&pdf).map_err(failed)?;
    let pages = document.get_pages();
    let outlines_id = document.new_object_id();
    let item_ids: Vec<ObjectId> = headings.iter().map(|_| document.new_object_id()).collect();
    for (i, (title, page)) in headings.iter().enumerate() {
        let Some(page_id) = pages.get(page).copied() else {
            continue;
        };
        let mut item = Dictionary::new();
        item.set("Title", text_string(title));
        item.set("Parent", Object::Reference(outlines_id));
        item.set(
            "Dest",
            Object::Array(vec![Object::Reference(page_id), Object::Name(b"Fit".to_vec())]),
        );
        if i > 0 {
            item.set("Prev", Object::Reference(item_ids[i - 1]));
        }
        if let Some(next) = item_ids.get(i + 1) {
            item.set("Next", Object::Reference(*next));
        }
        document.objects.insert(item_ids[i], Object::Dictionary(item));
    }
    let mut outlines = Dictionary::new();
    outlines.set("Type", Object::Name(b"Outlines".to_vec()));
    outlines.set("First", Object::Reference(item_ids[0]));
    outlines.set("Last", Object::Reference(item_ids[item_ids.len() - 1]));
    outlines.set("Count", Object::Integer(item_ids.len() as i64));
    document.objects.insert(outlines_id, Object::Dictionary(outlines));
    let catalog = document.catalog_mut().map_err(failed)?;
    catalog.set("Outlines", Object::Reference(outlines_id));
    catalog.set("PageMode", Object::Name(b"UseOutlines".to_vec()));
    let mut out = Vec::with_capacity(pdf.len() + 256 * headings.len());
    document
        .save_to(&mut out)
        .map_err(|e| RenderError::Internal(e.to_string()))?;
    Ok(out)
}

/// A PDF text string any reader shows as written: UTF-16BE with its byte order mark.
fn text_string(text: &str) -> Object {
    let mut bytes = vec![0xFE, 0xFF];
    bytes.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    Object::String(bytes, StringFormat::Hexadecimal)
}
