//! Where a printed PDF came from, written into the PDF itself: the document information
//! dictionary (`Title`, `Creator` = `Folio <version>`, `FolioSourceURL`, `CreationDate`) and
//! the same as XMP metadata (`dc:title`, `dc:source`, `xmp:CreatorTool`, `xmp:CreateDate`).
//!
//! Chromium's PDFs (the classic cross-reference layout) get an incremental update appended: a
//! new Info object, an XMP stream, and the catalog again with `/Metadata`. Nothing printed is
//! rewritten or parsed whole. Other layouts (the reader engine's) are Folio's own, small and
//! trusted, and are rewritten with `lopdf`. Only ever called on PDFs Folio printed: a served
//! PDF is kept byte for byte.

use std::fmt::Write as _;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{find, number_after, ClassicLayout};

/// What the PDF says about itself.
pub struct Provenance<'a> {
    pub title: Option<&'a str>,
    pub source_url: &'a str,
    pub captured_at: OffsetDateTime,
}

/// The Info key that holds the page's address.
pub const SOURCE_URL_KEY: &str = "FolioSourceURL";

/// [`stamp`], then the file limit again: the limit is on what is stored, and the stamp comes
/// after the print was streamed under it.
pub fn stamp_within(
    pdf: Vec<u8>,
    provenance: &Provenance,
    max_bytes: u64,
) -> Result<Vec<u8>, crate::RenderError> {
    let stamped = stamp(pdf, provenance);
    if stamped.len() as u64 > max_bytes {
        return Err(crate::RenderError::TooLarge { limit: max_bytes });
    }
    Ok(stamped)
}

/// `pdf` with its provenance written in; unchanged if it cannot be (never fails a render).
pub fn stamp(pdf: Vec<u8>, provenance: &Provenance) -> Vec<u8> {
    if let Some(update) = incremental_update(&pdf, provenance) {
        let mut pdf = pdf;
        pdf.extend_from_slice(&update);
        return pdf;
    }
    match rewritten(&pdf, provenance) {
        Ok(stamped) => stamped,
        Err(e) => {
            tracing::warn!(error = %e, "could not write the PDF's provenance");
            pdf
        }
    }
}

fn incremental_update(pdf: &[u8], provenance: &Provenance) -> Option<Vec<u8>> {
    let layout = ClassicLayout::of(pdf)?;
    let previous = layout.xref_at;
    let trailer = layout.trailer;
    let size = number_after(trailer, find(trailer, b"/Size")? + b"/Size".len())?;
    let root = layout.root()?;
    let catalog = layout.object(root)?;
    if find(catalog, b"/Metadata").is_some() {
        return None;
    }
    let (info, xmp) = (size, size + 1);
    let mut update = Vec::new();
    let mut offsets = Vec::new();
    let at = |update: &Vec<u8>| pdf.len() + update.len();

    update.push(b'\n');
    offsets.push((info, at(&update)));
    let date = pdf_date(provenance.captured_at);
    let mut dictionary = format!(
        "{info} 0 obj\n<< /Creator {} /Producer {} /{SOURCE_URL_KEY} {} /CreationDate ({date}) /ModDate ({date})",
        text_string(&creator()),
        text_string(&creator()),
        text_string(provenance.source_url),
    );
    if let Some(title) = provenance.title {
        let _ = write!(dictionary, " /Title {}", text_string(title));
    }
    dictionary.push_str(" >>\nendobj\n");
    update.extend_from_slice(dictionary.as_bytes());

    offsets.push((xmp, at(&update)));
    let packet = xmp_packet(provenance);
    update.extend_from_slice(
        format!(
            "{xmp} 0 obj\n<< /Type /Metadata /Subtype /XML /Length {} >>\nstream\n",
            packet.len()
        )
        .as_bytes(),
    );
    update.extend_from_slice(packet.as_bytes());
    update.extend_from_slice(b"\nendstream\nendobj\n");

    offsets.push((root, at(&update)));
    let open = find(catalog, b"<<")? + 2;
    update.extend_from_slice(format!("{root} 0 obj\n").as_bytes());
    update.extend_from_slice(&catalog[..open]);
    update.extend_from_slice(format!(" /Metadata {xmp} 0 R").as_bytes());
    update.extend_from_slice(&catalog[open..]);
    update.extend_from_slice(b"\nendobj\n");

    let xref_at = at(&update);
    offsets.sort();
    let mut xref = String::from("xref\n");
    for (id, offset) in &offsets {
        let _ = write!(xref, "{id} 1\n{offset:010} 00000 n\r\n");
    }
    let _ = write!(
        xref,
        "trailer\n<< /Size {} /Root {root} 0 R /Info {info} 0 R /Prev {previous} >>\nstartxref\n{xref_at}\n%%EOF\n",
        size.max(root + 1).max(xmp + 1),
    );
    update.extend_from_slice(xref.as_bytes());
    Some(update)
}

fn rewritten(pdf: &[u8], provenance: &Provenance) -> Result<Vec<u8>, lopdf::Error> {
    use lopdf::{Dictionary, Object, Stream};
    let mut document = lopdf::Document::load_mem(pdf)?;
    let mut info = Dictionary::new();
    let string = |text: &str| Object::String(utf16(text), lopdf::StringFormat::Hexadecimal);
    info.set("Creator", string(&creator()));
    info.set("Producer", string(&creator()));
    info.set(SOURCE_URL_KEY, string(provenance.source_url));
    let date = pdf_date(provenance.captured_at).into_bytes();
    info.set(
        "CreationDate",
        Object::String(date.clone(), lopdf::StringFormat::Literal),
    );
    info.set("ModDate", Object::String(date, lopdf::StringFormat::Literal));
    if let Some(title) = provenance.title {
        info.set("Title", string(title));
    }
    let info_id = document.add_object(info);
    document.trailer.set("Info", Object::Reference(info_id));
    let mut metadata = Dictionary::new();
    metadata.set("Type", Object::Name(b"Metadata".to_vec()));
    metadata.set("Subtype", Object::Name(b"XML".to_vec()));
    let xmp_id = document.add_object(Stream::new(metadata, xmp_packet(provenance).into_bytes()));
    document.catalog_mut()?.set("Metadata", Object::Reference(xmp_id));
    let mut out = Vec::with_capacity(pdf.len() + 2048);
    document.save_to(&mut out)?;
    Ok(out)
}

fn creator() -> String {
    format!("Folio {}", env!("CARGO_PKG_VERSION"))
}

/// `D:20261123085700Z`
fn pdf_date(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

fn utf16(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFE, 0xFF];
    bytes.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    bytes
}

/// A text string any reader shows as written (UTF-16BE, as hex: no escaping to get wrong).
fn text_string(text: &str) -> String {
    let mut hex = String::from("<");
    for byte in utf16(text) {
        let _ = write!(hex, "{byte:02X}");
    }
    hex.push('>');
    hex
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn xmp_packet(provenance: &Provenance) -> String {
    let title = provenance
        .title
        .map(|title| {
            format!(
                "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></dc:title>",
                xml_escape(title)
            )
        })
        .unwrap_or_default();
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
         <x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\
         <rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\">\
         {title}<dc:source>{}</dc:source><xmp:CreatorTool>{}</xmp:CreatorTool><xmp:CreateDate>{}</xmp:CreateDate>\
         </rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end=\"w\"?>",
        xml_escape(provenance.source_url),
        xml_escape(&creator()),
        // Whole seconds, as the Info dictionary has them: the same capture reads the same in
        // both, and every stamp is the same size.
        provenance
            .captured_at
            .replace_nanosecond(0)
            .unwrap_or(provenance.captured_at)
            .format(&Rfc3339)
            .unwrap_or_default(),
    )
}
