//! A URL whose response is itself a PDF is kept as that PDF, byte for byte: printing Chromium's
//! PDF viewer would keep neither the document's text nor its layout. Its text, for search, is
//! read by poppler's `pdftotext` in a process of its own, with a deadline and a bound on what is
//! read back: a PDF is hostile input, and a parser it hangs or crashes takes only that process
//! down. Without `pdftotext` the PDF is still kept, and found by its name and address only.

use std::process::Stdio;
use std::sync::Once;
use std::time::{Duration, Instant};

use folio_core::domain::text::{clip, MAX_NAME_CHARS};
use folio_core::Engine;
use tokio::io::AsyncReadExt;

use crate::fetch::Fetched;
use crate::{RenderError, RenderedPdf, MAX_TEXT_BYTES};

/// How long reading one PDF's text may take.
const TEXT_DEADLINE: Duration = Duration::from_secs(20);

/// Whether `bytes` start as a PDF does: `%PDF-` within the first KiB (readers accept leading
/// junk up to there).
pub(crate) fn looks_like_pdf(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(1024)]
        .windows(5)
        .any(|window| window == b"%PDF-")
}

/// The served PDF as the file, its text read for search.
pub(crate) async fn keep(
    fetched: Fetched,
    started: Instant,
    engine: Engine,
) -> Result<RenderedPdf, RenderError> {
    if !looks_like_pdf(&fetched.body) {
        return Err(RenderError::Unreadable(format!(
            "{} says it is a PDF but is not one",
            fetched.final_url
        )));
    }
    let text = text_of(&fetched.body).await;
    let pages = crate::pdf::page_tree_count(&fetched.body)
        .or(text.pages)
        .unwrap_or(0);
    Ok(RenderedPdf {
        size_bytes: fetched.body.len() as u64,
        title: file_name(&fetched.final_url),
        final_url: fetched.final_url,
        status: Some(fetched.status),
        pages,
        render_ms: started.elapsed().as_millis() as u64,
        engine,
        text: text.text,
        warnings: Vec::new(),
        retry_advised: false,
        retried: false,
        thumbnail: None,
        bytes: fetched.body,
    })
}

/// The last segment of the address, when it reads as a file name (`report-2026.pdf`).
fn file_name(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    let name = url.path_segments()?.next_back()?;
    (!name.is_empty() && !name.contains('%')).then(|| clip(name, MAX_NAME_CHARS))
}

/// A PDF's text as `pdftotext` reads it.
#[derive(Debug, Default)]
pub struct PdfText {
    pub text: String,
    /// Pages counted by their breaks, when the whole text was read.
    pub pages: Option<u32>,
}

/// Reads a PDF's text in a `pdftotext` process; empty when it cannot.
pub async fn text_of(pdf: &[u8]) -> PdfText {
    match run_pdftotext(pdf).await {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            static MISSING: Once = Once::new();
            MISSING.call_once(|| {
                tracing::warn!(
                    "pdftotext not found: PDFs served as PDFs are kept but their text is not \
                     searched (install poppler-utils)"
                );
            });
            PdfText::default()
        }
        Err(e) => {
            tracing::info!(error = %e, "could not read a served PDF's text");
            PdfText::default()
        }
    }
}

async fn run_pdftotext(pdf: &[u8]) -> std::io::Result<PdfText> {
    let file = tempfile::Builder::new().suffix(".pdf").tempfile()?;
    tokio::fs::write(file.path(), pdf).await?;
    let mut child = tokio::process::Command::new("pdftotext")
        .args(["-q", "-enc", "UTF-8"])
        .arg(file.path())
        .arg("-")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let mut stdout = child.stdout.take().ok_or(std::io::ErrorKind::BrokenPipe)?;
    let mut bytes = Vec::new();
    let read = tokio::time::timeout(TEXT_DEADLINE, async {
        (&mut stdout)
            .take(MAX_TEXT_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .await
    })
    .await;
    let complete = matches!(read, Ok(Ok(_))) && bytes.len() <= MAX_TEXT_BYTES;
    // Whatever it was still doing, it is done: a truncated or late text is used as far as read.
    let _ = child.start_kill();
    let _ = child.wait().await;
    if let Ok(Err(e)) = read {
        return Err(e);
    }
    let text = String::from_utf8_lossy(&bytes);
    let pages = complete
        .then(|| text.matches('\u{c}').count())
        .and_then(|n| u32::try_from(n).ok());
    Ok(PdfText {
        text: crate::clip_text(text.replace('\u{c}', "\n")),
        pages: pages.filter(|n| *n > 0),
    })
}
