//! The `clean` option: consent banners dismissed by DuckDuckGo's maintained rule engine
//! (`@duckduckgo/autoconsent`, built in by `build.rs`), which refuses consent on the platforms
//! it knows, then whatever still covers the page hidden by Folio's own pass: consent dialogs the
//! rules did not settle, modals, and bars fixed to the window's edges (which a print would
//! otherwise repeat over every page).
//!
//! The engine is started only in a page that shows signs of a consent platform (an element
//! named for cookies or consent, an iframe of a consent service, a consent dialog over the
//! window): compiling and running its ~400 KiB in every page cost a fifth of the throughput
//! on pages without any (BENCHMARKS.md). It runs in the page's own world, where the platforms'
//! scripts are, and Folio waits for it only while it is answering a banner it found.

use chromiumoxide::cdp::js_protocol::runtime::ExecutionContextId;

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

/// Whether the page shows signs of a consent platform (the body of a function run with
/// [`COVERING_JS`]'s helpers).
const SUSPECT_JS: &str = r#"
  const named = document.querySelector('[id*=cookie i],[id*=consent i],[id*=gdpr i],[id*=onetrust i],[id*=cybot i],[id*=didomi i],[id*=usercentrics i],[id*=sp_message i],[class*=cookie i],[class*=consent i],[class*=gdpr i],iframe[src*=consent i],iframe[src*=privacy-mgmt i]');
  return named !== null || folioCovering().some((c) => c.consent);
"#;

/// Hides the platform the engine found by its rule's own selectors, whatever came of its
/// answer: a platform that ignored the click (or a page that only looks like one) still goes.
const HIDE_FOUND_JS: &str = r#"(() => {
  const standalone = window.autoconsentStandalone;
  const cmp = standalone && standalone.instance && standalone.instance.foundCmp;
  const selectors = cmp && Array.isArray(cmp.prehideSelectors) ? cmp.prehideSelectors.join(',') : '';
  if (!selectors) return 0;
  let hidden = 0;
  try {
    for (const el of document.querySelectorAll(selectors)) { el.style.setProperty('display', 'none', 'important'); hidden++; }
  } catch (e) { return 0; }
  return hidden;
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
  // Consent boxes laid out in the page's flow (no platform style sheet, or an inline notice):
  // named for cookies or consent, banner-sized, with something to click, and in consent's words.
  const named = document.querySelectorAll('[id*=cookie i],[id*=consent i],[id*=gdpr i],[id*=onetrust i],[id*=cybot i],[class*=cookie i],[class*=consent i],[class*=gdpr i]');
  const boxes = Array.from(named).slice(0, 200).filter((el) => el !== document.body && el !== document.documentElement
    && String(el.textContent || '').length < 5000 && el.querySelector('button, a, [role=button], input')
    && /consent|gdpr|ccpa|(use|uses|store|accept|allow|reject|decline|deny)\s+(all\s+)?cookies|cookie (settings|preferences|policy)/i.test(String(el.textContent || '')));
  for (const el of boxes) {
    if (boxes.some((other) => other !== el && other.contains(el))) continue;
    if (getComputedStyle(el).display === 'none') continue;
    el.style.setProperty('display', 'none', 'important');
    hidden++;
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

/// In a page suspected of a consent platform, starts the engine and lets it answer the banner
/// (bounded by [`SETTLE_BUDGET`] and the job's `deadline`); then hides what still covers the
/// page.
pub(super) async fn clean(
    page: &Page,
    world: ExecutionContextId,
    deadline: Instant,
) -> Result<(), RenderError> {
    let suspected =
        inspect::evaluate_in(page, world, with_covering(SUSPECT_JS)).await? == serde_json::Value::Bool(true);
    if suspected {
        answer_banner(page, deadline).await?;
    }
    let hidden = inspect::evaluate_in(page, world, with_covering(COVERING_PASS_JS)).await?;
    tracing::debug!(suspected, hidden = %hidden, "page cleaned");
    Ok(())
}

async fn answer_banner(page: &Page, deadline: Instant) -> Result<(), RenderError> {
    let cdp = RenderError::from_cdp;
    page.evaluate(AUTOCONSENT_JS).await.map_err(cdp)?;
    let until = deadline.min(Instant::now() + SETTLE_BUDGET);
    loop {
        let busy: bool = page
            .evaluate(BUSY_JS)
            .await
            .map_err(cdp)?
            .into_value()
            .unwrap_or(false);
        if !busy || Instant::now() + SETTLE_POLL >= until {
            break;
        }
        tokio::time::sleep(SETTLE_POLL).await;
    }
    page.evaluate(HIDE_FOUND_JS).await.map_err(cdp)?;
    Ok(())
}

/// A script that runs `body` with [`COVERING_JS`]'s helpers in scope.
pub(super) fn with_covering(body: &str) -> String {
    format!("(() => {{ {COVERING_JS}\n{body} }})()")
}
