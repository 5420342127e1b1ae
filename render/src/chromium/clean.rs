//! The `clean` option: consent banners dismissed by DuckDuckGo's maintained rule engine
//! (`@duckduckgo/autoconsent`, built in by `build.rs`), which refuses consent on the platforms
//! it knows, then whatever still covers the page hidden by Folio's own pass: consent dialogs the
//! rules did not settle, modals, and bars fixed to the window's edges (which a print would
//! otherwise repeat over every page).
//!
//! The engine runs in the page's own world from the document's start, in every frame, so it
//! works while the page loads; Folio only waits for it when it has found a banner and is still
//! answering it.

use chromiumoxide::cdp::browser_protocol::page::{
    AddScriptToEvaluateOnNewDocumentParams, RemoveScriptToEvaluateOnNewDocumentParams, ScriptIdentifier,
};

use super::*;

/// The engine and its compact rules for every platform it knows (about 400 KiB of script). Part
/// of the binary's read-only data: nothing of it is paged in until a page is cleaned.
const AUTOCONSENT_JS: &str = include_str!(concat!(env!("OUT_DIR"), "/autoconsent.standalone.js"));

/// The longest Folio waits for the engine to finish answering a banner it found (a platform's
/// own "reject all" takes half a second; going through its settings, a few).
const SETTLE_BUDGET: Duration = Duration::from_secs(5);
const SETTLE_POLL: Duration = Duration::from_millis(100);

/// Whether the engine is still at work on this page: it has found a platform and is answering
/// it, or its first search is not done. (Later searches, every half second while nothing is
/// found, are not waited for: what they would find, the covering pass hides.)
const BUSY_JS: &str = r#"(() => {
  const standalone = window.autoconsentStandalone;
  if (!standalone || !standalone.instance || !standalone.instance.state) return false;
  const state = standalone.instance.state;
  if (['cmpDetected', 'openPopupDetected', 'runningOptOut', 'runningOptIn'].includes(state.lifecycle)) return true;
  return ['loading', 'initialized', 'waitingForInitResponse', 'started'].includes(state.lifecycle) && !(state.findCmpAttempts > 0);
})()"#;

/// Finds what is fixed over the window at a grid of points (an element covering content must
/// be on top somewhere), outermost first. Shared by the covering pass and the `consent_wall`
/// check: bounded work whatever the page's size. Statements for the body of a function (see
/// [`with_covering`]), so nothing is left declared in the world it runs in.
pub(super) const COVERING_JS: &str = r#"
const folioConsentWords = /cookie|consent|gdpr|ccpa|datenschutz|einwilligung|your privacy|privacy (choices|settings|preferences|center|centre)/i;
const folioIsConsent = (el) => folioConsentWords.test(String(el.textContent || '').slice(0, 4000))
  || folioConsentWords.test(String(el.id || '') + ' ' + String(el.getAttribute('class') || ''));
const folioCovering = () => {
  const vw = window.innerWidth, vh = window.innerHeight, found = new Set(), seen = new Set();
  for (const fy of [0.002, 0.25, 0.5, 0.75, 0.998]) {
    for (const fx of [0.1, 0.3, 0.5, 0.7, 0.9]) {
      // Whatever covers the point is among the topmost elements there (a deeply nested page
      // must not make this a walk over thousands).
      for (const hit of document.elementsFromPoint(fx * vw, fy * vh).slice(0, 8)) {
        for (let el = hit, depth = 0; el && el !== document.body && el !== document.documentElement && depth < 64 && !seen.has(el); el = el.parentElement, depth++) {
          seen.add(el);
          const position = getComputedStyle(el).position;
          if (position === 'fixed' || position === 'sticky') { found.add(el); break; }
        }
      }
    }
  }
  const all = Array.from(found);
  return all.filter((el) => !all.some((other) => other !== el && other.contains(el))).map((el) => {
    const r = el.getBoundingClientRect();
    const w = Math.max(0, Math.min(r.right, vw) - Math.max(r.left, 0));
    const h = Math.max(0, Math.min(r.bottom, vh) - Math.max(r.top, 0));
    return {
      el,
      fixed: getComputedStyle(el).position === 'fixed',
      area: (w * h) / Math.max(1, vw * vh),
      edgeBar: w >= vw * 0.5 && h <= vh * 0.35 && (r.top <= 2 || r.bottom >= vh - 2),
      consent: folioIsConsent(el),
    };
  });
};
"#;

/// Hides consent dialogs (fixed or sticky), and fixed modals and edge bars, but never a fixed
/// element that holds most of the page's text (an app whose whole page is one fixed pane).
/// Then lifts the scroll lock a modal leaves on the document.
const COVERING_PASS_JS: &str = r#"
  const root = document.body || document.documentElement;
  if (!root) return 0;
  const pageText = String(root.textContent || '').length;
  let hidden = 0;
  for (const { el, fixed, area, edgeBar, consent } of folioCovering()) {
    const holdsThePage = String(el.textContent || '').length > pageText * 0.5 && pageText > 500;
    if (consent || (fixed && !holdsThePage && (area >= 0.25 || edgeBar))) {
      el.style.setProperty('display', 'none', 'important');
      hidden++;
    }
  }
  if (hidden > 0) {
    for (const el of [document.documentElement, document.body]) {
      if (!el) continue;
      const style = getComputedStyle(el);
      if (style.overflow === 'hidden' || style.overflowY === 'hidden') el.style.setProperty('overflow', 'visible', 'important');
      if (style.position === 'fixed') el.style.setProperty('position', 'static', 'important');
    }
  }
  return hidden;
"#;

/// Starts (or stops) the engine for the tab's next documents, as `clean` asks.
pub(super) async fn apply(
    page: &Page,
    applied: &mut Option<ScriptIdentifier>,
    clean: bool,
) -> Result<(), RenderError> {
    match (clean, applied.take()) {
        (true, None) => {
            let added = page
                .execute(AddScriptToEvaluateOnNewDocumentParams::new(AUTOCONSENT_JS))
                .await
                .map_err(RenderError::from_cdp)?;
            *applied = Some(added.result.identifier);
        }
        (false, Some(identifier)) => {
            page.execute(RemoveScriptToEvaluateOnNewDocumentParams::new(identifier))
                .await
                .map_err(RenderError::from_cdp)?;
        }
        (_, kept) => *applied = kept,
    }
    Ok(())
}

/// Lets the engine finish a banner it is answering (bounded by [`SETTLE_BUDGET`] and the job's
/// `deadline`), then hides what still covers the page.
pub(super) async fn clean(page: &Page, deadline: Instant) -> Result<(), RenderError> {
    let until = deadline.min(Instant::now() + SETTLE_BUDGET);
    loop {
        let busy: bool = page
            .evaluate(BUSY_JS)
            .await
            .map_err(RenderError::from_cdp)?
            .into_value()
            .unwrap_or(false);
        if !busy || Instant::now() + SETTLE_POLL >= until {
            break;
        }
        tokio::time::sleep(SETTLE_POLL).await;
    }
    let Some(world) = inspect::isolated_world(page).await? else {
        return Ok(());
    };
    let hidden = inspect::evaluate_in(page, world, with_covering(COVERING_PASS_JS)).await?;
    tracing::debug!(hidden = %hidden, "covering elements hidden");
    Ok(())
}

/// A script that runs `body` with [`COVERING_JS`]'s helpers in scope.
pub(super) fn with_covering(body: &str) -> String {
    format!("(() => {{ {COVERING_JS}\n{body} }})()")
}
