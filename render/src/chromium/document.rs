//! An uploaded page (HTML sent instead of a URL): the tab navigates to the page's address as
//! usual, and its own request for that address is answered with the upload, so the document
//! has that address for resolving relative links while every other request it makes (images,
//! styles, frames) still goes out through the guard proxy.

use base64::Engine as _;
use chromiumoxide::cdp::browser_protocol::fetch::{
    ContinueRequestParams, DisableParams, EnableParams, EventRequestPaused, FulfillRequestParams,
    HeaderEntry, RequestPattern, RequestStage,
};
use chromiumoxide::cdp::browser_protocol::network::ResourceType;
use tokio::task::JoinHandle;

use super::*;

/// The tab answers the first request for `url` (a document's) with `html` until [`stop`].
pub(super) async fn serve(page: &Page, url: &PageUrl, html: &str) -> Result<JoinHandle<()>, RenderError> {
    let mut paused = page
        .event_listener::<EventRequestPaused>()
        .await
        .map_err(RenderError::from_cdp)?;
    let pattern = RequestPattern::builder()
        .url_pattern("*")
        .resource_type(ResourceType::Document)
        .request_stage(RequestStage::Request)
        .build();
    page.execute(EnableParams::builder().pattern(pattern).build())
        .await
        .map_err(RenderError::from_cdp)?;
    let address = without_fragment(url.as_str()).to_owned();
    let body = base64::engine::general_purpose::STANDARD.encode(html.as_bytes());
    let page = page.clone();
    Ok(tokio::spawn(async move {
        let mut served = false;
        while let Some(event) = paused.next().await {
            let ours = !served && without_fragment(&event.request.url) == address;
            let answered = if ours {
                served = true;
                let mut fulfil = FulfillRequestParams::new(event.request_id.clone(), 200);
                fulfil.response_headers =
                    Some(vec![HeaderEntry::new("content-type", "text/html; charset=utf-8")]);
                fulfil.body = Some(body.clone().into());
                page.execute(fulfil).await.map(|_| ())
            } else {
                // A frame's document: fetched as any other request, through the proxy.
                page.execute(ContinueRequestParams::new(event.request_id.clone()))
                    .await
                    .map(|_| ())
            };
            if let Err(e) = answered {
                tracing::debug!(error = %e, "a paused request could not be answered");
            }
        }
    }))
}

/// Stops answering: later requests of the page go out as usual.
pub(super) async fn stop(page: &Page, serving: JoinHandle<()>) {
    let _ = page.execute(DisableParams::default()).await;
    serving.abort();
}

fn without_fragment(url: &str) -> &str {
    url.split_once('#').map_or(url, |(before, _)| before)
}
