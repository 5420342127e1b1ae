//! Tabs ("slots"): one owner's browser context, a tab made in it, reset between owners, parked
//! idle on `about:blank`, closed when worn out or after a failure.

use super::*;

/// A user's browser context and the guard proxy all its requests go through.
pub(super) struct OwnerContext {
    pub(super) id: BrowserContextId,
    pub(super) proxy: GuardProxy,
}

pub(super) struct Slot {
    /// Tells this tab apart in the idle pool.
    pub(super) id: u64,
    pub(super) context: Arc<OwnerContext>,
    pub(super) owner: Owner,
    pub(super) page: Page,
    pub(super) jobs: u32,
    /// Cookies given with the last job are that job's alone, even for the same owner.
    pub(super) carries_job_cookies: bool,
    /// Request settings already in force in the tab, so unchanged ones are not sent again.
    pub(super) applied: Applied,
}

#[derive(Default)]
pub(super) struct Applied {
    pub(super) user_agent: String,
    pub(super) headers: std::collections::BTreeMap<String, String>,
    pub(super) media: Option<MediaType>,
}

impl ChromiumEngine {
    pub(super) async fn new_slot(
        &self,
        handle: &Arc<BrowserHandle>,
        owner: Owner,
    ) -> Result<Slot, RenderError> {
        let create = async {
            let context = handle.context_for(owner, &self.config.guard).await?;
            let target = CreateTargetParams::builder()
                .url("about:blank")
                .browser_context_id(context.id.clone())
                .build()
                .map_err(chromiumoxide::error::CdpError::msg)?;
            let page = handle.browser.new_page(target).await?;
            // chromiumoxide asks for the tab's workers to wait for a debugger it does not
            // always release: a page's service worker then never starts, and its
            // `register()` never settles. They start on their own instead.
            page.execute(
                SetAutoAttachParams::builder()
                    .auto_attach(true)
                    .wait_for_debugger_on_start(false)
                    .flatten(true)
                    .build()
                    .map_err(chromiumoxide::error::CdpError::msg)?,
            )
            .await?;
            Ok::<_, chromiumoxide::error::CdpError>((context, page))
        };
        let created = tokio::select! {
            created = tokio::time::timeout(HOUSEKEEPING_TIMEOUT, create) => created,
            () = handle.wait_until_dead() => return Err(handle.failure("the browser exited".to_owned())),
        };
        match created {
            Ok(Ok((context, page))) => Ok(Slot {
                id: NEXT_SLOT_ID.fetch_add(1, Ordering::Relaxed),
                context,
                owner,
                page,
                jobs: 0,
                carries_job_cookies: false,
                applied: Applied::default(),
            }),
            Ok(Err(e)) => Err(handle.failure(format!("could not open a tab: {e}"))),
            Err(_) => Err(handle.failure("opening a tab timed out".to_owned())),
        }
    }
}

/// Takes a finished page out of its tab (to `about:blank`), then returns the tab to the idle
/// pool and lets the next job have a tab; a tab that cannot leave its page in time is closed.
pub(super) async fn park_slot(
    handle: Arc<BrowserHandle>,
    slot: Slot,
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
) {
    let blank = tokio::time::timeout(HOUSEKEEPING_TIMEOUT, slot.page.goto("about:blank")).await;
    if matches!(blank, Ok(Ok(_))) {
        handle.put_idle_slot(slot);
    } else {
        close_slot(handle, slot).await;
    }
    drop(permit);
}

/// For a tab handed straight back for a waiting job: if it is still idle after
/// [`IDLE_PAGE_GRACE`] (that job took another tab), its page leaves now.
pub(super) async fn leave_page_if_still_idle(handle: Arc<BrowserHandle>, id: u64) {
    tokio::time::sleep(IDLE_PAGE_GRACE).await;
    if let Some(slot) = handle.take_idle_slot_by_id(id) {
        park_slot(handle, slot, None).await;
    }
}

/// Closes a tab and its context in the background; a browser that cannot do so in time is
/// wedged and gets relaunched.
pub(super) async fn close_slot(handle: Arc<BrowserHandle>, slot: Slot) {
    if handle.dead.load(Ordering::Relaxed) {
        return;
    }
    let Slot {
        context, owner, page, ..
    } = slot;
    let closing = async {
        let _ = page.close().await;
        let mut contexts = handle.contexts.lock().await;
        // The map and this tab are the only holders: no other tab of the owner is open.
        if Arc::strong_count(&context) == 2 && contexts.get(&owner).is_some_and(|c| Arc::ptr_eq(c, &context))
        {
            contexts.remove(&owner);
            drop(contexts);
            let _ = handle.browser.dispose_browser_context(context.id.clone()).await;
        }
    };
    if tokio::time::timeout(HOUSEKEEPING_TIMEOUT, closing).await.is_err() {
        tracing::warn!(
            generation = handle.generation,
            "browser stopped answering; it will be relaunched"
        );
        handle.dead.store(true, Ordering::Relaxed);
    }
}

/// Cookies passed with a job belong to that job alone: they are cleared before the owner's
/// next job, with any extra headers.
pub(super) async fn reset_slot(
    browser: &Browser,
    slot: &mut Slot,
) -> Result<(), chromiumoxide::error::CdpError> {
    browser
        .execute(
            ClearCookiesParams::builder()
                .browser_context_id(slot.context.id.clone())
                .build(),
        )
        .await?;
    if !slot.applied.headers.is_empty() {
        slot.page
            .execute(SetExtraHttpHeadersParams::new(Headers::new(
                serde_json::json!({}),
            )))
            .await?;
        slot.applied.headers.clear();
    }
    slot.carries_job_cookies = false;
    Ok(())
}
