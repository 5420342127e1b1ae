//! Reading back what an engine wrote: page count and page sizes.

/// Number of pages in a PDF.
pub fn page_count(bytes: &[u8]) -> Result<u32, String> {
    let document = lopdf::Document::load_mem(bytes).map_err(|e| e.to_string())?;
    u32::try_from(document.get_pages().len()).map_err(|e| e.to_string())
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
