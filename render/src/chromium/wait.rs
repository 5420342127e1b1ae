//! The waits a job may ask for before its page is printed, beside the load event.

use super::*;

/// Scrolls a viewport at a time so `loading="lazy"` images and scroll-triggered content load,
/// then waits (bounded) for the images that started loading, and returns to the top.
pub(super) const LAZY_SCROLL_JS: &str = r#"(async () => {
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const step = Math.max(200, Math.floor(window.innerHeight * 0.8));
  for (let y = 0, rounds = 0; y < document.documentElement.scrollHeight && rounds < 200; y += step, rounds++) {
    window.scrollTo(0, y);
    await pause(60);
  }
  window.scrollTo(0, document.documentElement.scrollHeight);
  await pause(60);
  const pending = Array.from(document.images).filter((img) => !img.complete);
  await Promise.race([
    Promise.all(pending.map((img) => new Promise((resolve) => { img.addEventListener('load', resolve, { once: true }); img.addEventListener('error', resolve, { once: true }); }))),
    pause(5000),
  ]);
  window.scrollTo(0, 0);
  return true;
})()"#;

/// How long before the job's deadline the wait for a selector gives up, so that its failure
/// names the selector rather than the timeout.
pub(super) const SELECTOR_MARGIN: Duration = Duration::from_millis(300);

/// Waits until `selector` matches in the page, or fails naming it at `deadline`. A selector the
/// browser cannot parse fails at once: it would never match.
pub(super) async fn wait_for_selector(
    page: &Page,
    selector: &str,
    deadline: Instant,
) -> Result<(), RenderError> {
    let probe = format!(
        "(() => {{ try {{ return document.querySelector({}) !== null; }} catch (e) {{ return 'invalid'; }} }})()",
        serde_json::to_string(selector).unwrap_or_default()
    );
    let started = Instant::now();
    loop {
        let answer: serde_json::Value = page
            .evaluate(probe.as_str())
            .await
            .map_err(RenderError::from_cdp)?
            .into_value()
            .unwrap_or_default();
        match answer {
            serde_json::Value::Bool(true) => return Ok(()),
            serde_json::Value::String(_) => {
                return Err(RenderError::InvalidOptions {
                    field: "options.wait_for_selector",
                    reason: format!("{selector:?} is not a valid CSS selector"),
                })
            }
            _ => {}
        }
        if Instant::now() >= deadline {
            return Err(RenderError::SelectorNotFound {
                selector: selector.to_owned(),
                waited: started.elapsed(),
            });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
