//! Pictures of the tab: the thumbnail of its first screen every Chromium render keeps, and
//! the full-page PNG of `output: "png"`.

use base64::Engine as _;
use chromiumoxide::cdp::browser_protocol::page::{
    CaptureScreenshotFormat, CaptureScreenshotParams, GetLayoutMetricsParams, Viewport,
};
use folio_core::render::MAX_PNG_HEIGHT;

use super::*;

/// Widest a thumbnail is, in pixels.
pub const THUMBNAIL_WIDTH: f64 = 400.0;
/// The longest a thumbnail may take.
const THUMBNAIL_BUDGET: Duration = Duration::from_secs(3);

async fn capture(page: &Page, clip: Viewport, beyond_viewport: bool) -> Result<Vec<u8>, RenderError> {
    let params = CaptureScreenshotParams::builder()
        .format(CaptureScreenshotFormat::Png)
        .clip(clip)
        .capture_beyond_viewport(beyond_viewport)
        .build();
    let shot = page.execute(params).await.map_err(RenderError::from_cdp)?.result;
    base64::engine::general_purpose::STANDARD
        .decode(AsRef::<str>::as_ref(&shot.data))
        .map_err(|e| RenderError::Internal(format!("Chromium sent a garbled screenshot: {e}")))
}

/// A PNG of the page's first screen, at most [`THUMBNAIL_WIDTH`] wide; `None` if Chromium
/// cannot take one (a file without a thumbnail is still the file).
pub(super) async fn thumbnail(page: &Page) -> Option<Vec<u8>> {
    let metrics = page.execute(GetLayoutMetricsParams::default()).await.ok()?.result;
    let viewport = metrics.css_visual_viewport;
    let (width, height) = (viewport.client_width, viewport.client_height);
    if width < 1.0 || height < 1.0 {
        return None;
    }
    let clip = Viewport {
        x: 0.0,
        y: 0.0,
        width,
        height,
        scale: (THUMBNAIL_WIDTH / width).min(1.0),
    };
    // A screenshot waits for a frame, which a starved machine can be slow to draw: a thumbnail
    // never costs the job its deadline.
    tokio::time::timeout(THUMBNAIL_BUDGET, capture(page, clip, false))
        .await
        .ok()?
        .ok()
}

/// The whole page as a PNG, as wide as the window and as tall as the page, cut at
/// [`MAX_PNG_HEIGHT`]; more than `max_bytes` fails the render.
pub(super) async fn full_page(page: &Page, max_bytes: u64) -> Result<Vec<u8>, RenderError> {
    let metrics = page
        .execute(GetLayoutMetricsParams::default())
        .await
        .map_err(RenderError::from_cdp)?
        .result;
    let cap = f64::from(MAX_PNG_HEIGHT);
    let width = metrics.css_layout_viewport.client_width as f64;
    let height = metrics.css_content_size.height.clamp(1.0, cap);
    let clip = Viewport {
        x: 0.0,
        y: 0.0,
        width: width.clamp(1.0, cap),
        height,
        scale: 1.0,
    };
    let png = capture(page, clip, true).await?;
    if png.len() as u64 > max_bytes {
        return Err(RenderError::TooLarge { limit: max_bytes });
    }
    Ok(png)
}
