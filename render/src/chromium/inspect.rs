//! What the tab shows as it is printed: its text, and the checks behind a file's warnings. All
//! read in a world of Folio's own, where the page's scripts cannot redefine what the DOM
//! answers (`innerText`, `complete`, `String`).

use chromiumoxide::cdp::browser_protocol::page::CreateIsolatedWorldParams;
use chromiumoxide::cdp::js_protocol::runtime::ExecutionContextId;
use serde::Deserialize;

use super::*;

/// A page with a password field and less text than this outside its forms is a sign-in form.
const LOGIN_WALL_MAX_TEXT: u64 = 1_000;

/// What the checks found in the printed page.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Findings {
    /// Characters of visible text.
    text_chars: u64,
    /// Visible characters outside `<form>`s.
    text_outside_forms: u64,
    /// Shown images still loading (or never started: lazy ones out of view).
    images_pending: u64,
    /// Shown images that failed (an error, or refused by the guard).
    images_broken: u64,
    /// Visible password fields.
    password_fields: u64,
    /// Consent dialogs fixed over the window (neither dismissed nor hidden).
    consent_covering: u64,
    /// The main document's HTTP status as the page's navigation timing has it (0 when not
    /// known): Chromium's navigation event can report a sub-resource's answer instead.
    pub(super) status: u16,
}

/// The body of a function run with [`clean::COVERING_JS`]'s helpers.
const FINDINGS_JS: &str = r#"
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const root = document.body || document.documentElement;
  const text = root ? String(root.innerText).trim() : '';
  const forms = Array.from(document.forms).filter(shown)
    .reduce((n, form) => n + String(form.innerText).trim().length, 0);
  const images = Array.from(document.images).filter((img) => img.currentSrc || img.src).filter(shown);
  return {
    text_chars: text.length,
    text_outside_forms: Math.max(0, text.length - forms),
    images_pending: images.filter((img) => !img.complete).length,
    images_broken: images.filter((img) => img.complete && img.naturalWidth === 0).length,
    password_fields: Array.from(document.querySelectorAll('input[type=password]')).filter(shown).length,
    consent_covering: folioCovering().filter((c) => c.consent && c.area >= 0.02).length,
    status: (performance.getEntriesByType('navigation')[0] || {}).responseStatus || 0,
  };
"#;

/// An execution context of Folio's own in the main frame, or `None` when there is no frame.
pub(super) async fn isolated_world(page: &Page) -> Result<Option<ExecutionContextId>, RenderError> {
    let Some(frame) = page.mainframe().await.map_err(RenderError::from_cdp)? else {
        return Ok(None);
    };
    let world = page
        .execute(
            CreateIsolatedWorldParams::builder()
                .frame_id(frame)
                .world_name("folio")
                .build()
                .map_err(RenderError::Internal)?,
        )
        .await
        .map_err(RenderError::from_cdp)?
        .result
        .execution_context_id;
    Ok(Some(world))
}

pub(super) async fn evaluate_in(
    page: &Page,
    world: ExecutionContextId,
    expression: String,
) -> Result<serde_json::Value, RenderError> {
    let evaluated = page
        .evaluate(
            EvaluateParams::builder()
                .expression(expression)
                .context_id(world)
                .return_by_value(true)
                .build()
                .map_err(RenderError::Internal)?,
        )
        .await
        .map_err(RenderError::from_cdp)?;
    Ok(evaluated.into_value().unwrap_or_default())
}

/// The document's text as printed (`innerText`: what is shown, as it is laid out), and what
/// the checks found. Text is bounded in the page, so no more than [`crate::MAX_TEXT_BYTES`]
/// crosses the connection.
pub(super) async fn read_page(
    page: &Page,
    world: Option<ExecutionContextId>,
) -> Result<(String, Findings), RenderError> {
    let Some(world) = world else {
        return Ok((String::new(), Findings::default()));
    };
    // Characters, not bytes: a quarter of the byte bound fits in it even if every character
    // takes four bytes.
    let text_js = format!(
        "(() => {{ const root = document.body || document.documentElement; \
         return root ? String(root.innerText).slice(0, {}) : ''; }})()",
        crate::MAX_TEXT_BYTES / 4
    );
    let text = match evaluate_in(page, world, text_js).await? {
        serde_json::Value::String(text) => crate::clip_text(text),
        _ => String::new(),
    };
    let raw = evaluate_in(page, world, clean::with_covering(FINDINGS_JS)).await?;
    let findings = serde_json::from_value(raw).unwrap_or_default();
    Ok((text, findings))
}

/// The warnings a print earns, and whether printing again with stronger waits may mend them.
/// (`http_error` is the engine-independent [`crate::Renderer`]'s.)
pub(super) fn warnings(findings: &Findings, thumbnail: Option<&[u8]>) -> (Vec<Warning>, bool) {
    let mut warnings = Vec::new();
    let mut retry_advised = false;
    if findings.text_chars == 0 && thumbnail.is_none_or(near_uniform) {
        warnings.push(Warning::Blank);
        retry_advised = true;
    }
    if findings.images_pending + findings.images_broken > 0 {
        warnings.push(Warning::ImagesMissing);
        // A failed image fails again; one still loading may be there next time.
        retry_advised |= findings.images_pending > 0;
    }
    if findings.password_fields > 0 && findings.text_outside_forms < LOGIN_WALL_MAX_TEXT {
        warnings.push(Warning::LoginWall);
    }
    if findings.consent_covering > 0 {
        warnings.push(Warning::ConsentWall);
    }
    warnings.sort();
    (warnings, retry_advised)
}

/// Whether nearly every pixel (99.5 %) is within a small distance of the first one.
pub fn near_uniform(png: &[u8]) -> bool {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let Ok(mut reader) = decoder.read_info() else {
        return false;
    };
    let mut pixels = vec![0; reader.output_buffer_size().unwrap_or(0)];
    let Ok(frame) = reader.next_frame(&mut pixels) else {
        return false;
    };
    let channels = frame.color_type.samples();
    let pixels = &pixels[..frame.buffer_size()];
    let Some(first) = pixels.get(..channels) else {
        return false;
    };
    let total = pixels.len() / channels;
    let alike = pixels
        .chunks_exact(channels)
        .filter(|pixel| pixel.iter().zip(first).all(|(a, b)| a.abs_diff(*b) <= 12))
        .count();
    alike * 1000 >= total * 995
}
