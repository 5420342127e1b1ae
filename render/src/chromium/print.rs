//! One job in a tab: request settings, navigation, the wait strategies, and printing the PDF
//! as a stream with a bound on its size.

use super::*;

/// What a tab made of a job.
pub(super) enum Printed {
    Page(RenderedPdf),
    /// The address answered with a PDF, which Chromium shows in its viewer: the engine keeps
    /// the served file instead (see [`crate::served_pdf`]).
    ServedPdf,
}

/// Navigates, waits as asked and prints. Runs inside the job's timeout.
pub(super) async fn print(
    slot: &mut Slot,
    default_user_agent: &str,
    url: &PageUrl,
    document: Option<&str>,
    options: &RenderOptions,
    budget: Duration,
    max_pdf_bytes: u64,
) -> Result<Printed, RenderError> {
    let page = &slot.page.clone();
    let cdp = |e: chromiumoxide::error::CdpError| RenderError::from_cdp(e);
    let t0 = Instant::now();
    let user_agent = options.user_agent.as_deref().unwrap_or(default_user_agent);
    if slot.applied.user_agent != user_agent {
        page.execute(SetUserAgentOverrideParams::new(user_agent))
            .await
            .map_err(cdp)?;
        slot.applied.user_agent = user_agent.to_owned();
    }
    if slot.applied.headers != options.headers {
        page.execute(SetExtraHttpHeadersParams::new(Headers::new(
            serde_json::to_value(&options.headers).unwrap_or_default(),
        )))
        .await
        .map_err(cdp)?;
        slot.applied.headers = options.headers.clone();
    }
    if !options.cookies.is_empty() {
        let cookies = options
            .cookies
            .iter()
            .map(|cookie| {
                let mut param = CookieParam::new(cookie.name.clone(), cookie.value.clone());
                match &cookie.domain {
                    Some(domain) => param.domain = Some(domain.clone()),
                    None => param.url = Some(url.as_str().to_owned()),
                }
                param.path = cookie.path.clone();
                param
            })
            .collect();
        // Network.setCookies directly: chromiumoxide's helper refuses while the tab is blank.
        page.execute(SetCookiesParams::new(cookies))
            .await
            .map_err(|e| refused_options(e, |_| "options.cookies"))?;
    }
    // A screenshot shows the page as a screen does; `media` is for prints.
    let wanted_media = match options.output {
        Output::Png => MediaType::Screen,
        Output::Pdf => options.media,
    };
    if slot.applied.media != Some(wanted_media) {
        let media = match wanted_media {
            MediaType::Print => "print",
            MediaType::Screen => "screen",
        };
        page.execute(SetEmulatedMediaParams::builder().media(media).build())
            .await
            .map_err(cdp)?;
        slot.applied.media = Some(wanted_media);
    }

    let lifecycle = if options.wait_until == WaitUntil::NetworkIdle {
        Some(page.event_listener::<EventLifecycleEvent>().await.map_err(cdp)?)
    } else {
        None
    };
    let t_setup = t0.elapsed();
    let serving = match document {
        Some(html) => Some(document::serve(page, url, html).await?),
        None => None,
    };
    let navigation = match page.http_future(NavigateParams::new(url.as_str())) {
        Ok(navigating) => navigating.await,
        Err(e) => Err(e),
    };
    if let Some(serving) = serving {
        document::stop(page, serving).await;
    }
    let navigation = navigation.map_err(cdp)?;
    // Chromium's viewer for a PDF is a document of that type; its navigation reports some
    // other request of the viewer's, so the type is asked of the document itself.
    let content_type: Option<String> = page
        .evaluate("document.contentType")
        .await
        .ok()
        .and_then(|value| value.into_value().ok());
    if content_type.as_deref() == Some("application/pdf") {
        return Ok(Printed::ServedPdf);
    }
    let status = navigation
        .as_ref()
        .and_then(|request| request.response.as_ref())
        .map(|response| response.status as u16);
    let unreachable = |reason: String| RenderError::Unreachable(format!("{}: {reason}", url.as_str()));
    if let Some(failure) = navigation
        .as_ref()
        .and_then(|request| request.failure_text.as_deref())
    {
        return Err(unreachable(describe_net_error(failure)));
    }
    // The guard proxy could not reach the site: its stand-in response is nobody's answer.
    if let Some(reason) = navigation
        .as_ref()
        .and_then(|request| request.response.as_ref())
        .and_then(|response| proxy_unreachable_reason(&response.headers))
    {
        return Err(unreachable(reason));
    }
    // Chromium shows its own error page for a navigation it could not make (a port it will not
    // use, for one); that page is not the user's.
    let frames = page.execute(GetFrameTreeParams::default()).await.map_err(cdp)?;
    if frames.result.frame_tree.frame.unreachable_url.is_some() {
        let code: Option<String> = page
            .evaluate(NET_ERROR_CODE_JS)
            .await
            .ok()
            .and_then(|value| value.into_value().ok());
        return Err(unreachable(describe_net_error(
            code.as_deref().unwrap_or("the page could not be loaded"),
        )));
    }
    if let Some(mut events) = lifecycle {
        let main_frame = page.mainframe().await.map_err(cdp)?;
        let idle = async {
            while let Some(event) = events.next().await {
                if event.name == "networkIdle"
                    && main_frame.as_ref().is_none_or(|frame| *frame == event.frame_id)
                {
                    return;
                }
            }
            // The stream ended (tab gone): fall back to a short quiet period.
            tokio::time::sleep(NETWORK_IDLE_FALLBACK).await;
        };
        idle.await;
    }
    if options.lazy_scroll {
        page.evaluate(
            EvaluateParams::builder()
                .expression(LAZY_SCROLL_JS)
                .await_promise(true)
                .build()
                .map_err(RenderError::Internal)?,
        )
        .await
        .map_err(cdp)?;
    }
    if let Some(selector) = &options.wait_for_selector {
        wait_for_selector(page, selector, t0 + budget.saturating_sub(SELECTOR_MARGIN)).await?;
    }
    if options.wait_delay_ms > 0 {
        let delay = Duration::from_millis(options.wait_delay_ms).min(budget);
        tokio::time::sleep(delay).await;
    }

    // One world of Folio's own for cleaning and reading the page.
    let world = inspect::isolated_world(page).await?;
    if let (true, Some(world)) = (options.clean, world) {
        clean::clean(page, world, t0 + budget.saturating_sub(SELECTOR_MARGIN)).await?;
    }

    let t_nav = t0.elapsed();
    // What the page shows as it is printed, read just before: an image still loading then is
    // missing from the PDF.
    let (text, findings) = inspect::read_page(page, world).await?;
    let t_read = t0.elapsed();
    let (thumbnail, bytes) = tokio::join!(screenshot::thumbnail(page), async {
        match options.output {
            Output::Pdf => print_pdf(page, options, max_pdf_bytes).await,
            Output::Png => screenshot::full_page(page, max_pdf_bytes).await,
        }
    });
    let bytes = bytes?;
    let t_pdf = t0.elapsed();
    // The browser's own view of the tab: a page's script can redefine `document.title`, not this.
    let target = page
        .execute(
            GetTargetInfoParams::builder()
                .target_id(page.target_id().clone())
                .build(),
        )
        .await
        .map_err(cdp)?
        .result
        .target_info;
    let final_url = Some(target.url)
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| url.as_str().to_owned());
    // Chromium shows a page without a title by its address: that is no title.
    let title = Some(target.title.trim())
        .filter(|t| !t.is_empty() && !final_url.ends_with(*t) && !url.as_str().ends_with(*t))
        .map(|t| clip(t, MAX_NAME_CHARS));
    let status = Some(findings.status).filter(|status| *status > 0).or(status);
    let (warnings, retry_advised) = inspect::warnings(&findings, thumbnail.as_deref());
    let t_meta = t0.elapsed();
    let (bytes, pages) = match options.output {
        Output::Png => (bytes, 1),
        Output::Pdf => {
            let pages = pdf::page_count(&bytes)
                .map_err(|e| RenderError::Internal(format!("Chromium wrote an unreadable PDF: {e}")))?;
            let provenance = pdf::provenance::Provenance {
                title: title.as_deref(),
                source_url: url.as_str(),
                captured_at: time::OffsetDateTime::now_utc(),
            };
            (
                pdf::provenance::stamp_within(bytes, &provenance, max_pdf_bytes)?,
                pages,
            )
        }
    };
    tracing::debug!(
        setup_ms = t_setup.as_millis() as u64,
        navigate_ms = (t_nav - t_setup).as_millis() as u64,
        read_ms = (t_read - t_nav).as_millis() as u64,
        // The thumbnail is taken while the PDF prints: one figure for both.
        print_ms = (t_pdf - t_read).as_millis() as u64,
        metadata_ms = (t_meta - t_pdf).as_millis() as u64,
        count_ms = (t0.elapsed() - t_meta).as_millis() as u64,
        "render stages"
    );
    Ok(Printed::Page(RenderedPdf {
        size_bytes: bytes.len() as u64,
        bytes,
        title,
        final_url,
        status,
        pages,
        render_ms: 0,
        engine: Engine::Chromium,
        text,
        warnings,
        retry_advised,
        retried: false,
        thumbnail,
    }))
}

/// Chromium refused a command because of what the job asked for (a page range past the last
/// page, a cookie it will not set): the same job would be refused again, so it is not retried.
/// `field` names the option from Chromium's message.
pub(super) fn refused_options(
    error: chromiumoxide::error::CdpError,
    field: impl FnOnce(&str) -> &'static str,
) -> RenderError {
    match error {
        chromiumoxide::error::CdpError::Chrome(error) => RenderError::InvalidOptions {
            field: field(&error.message),
            reason: error.message,
        },
        other => RenderError::from_cdp(other),
    }
}

/// Prints the page and reads the PDF as a stream, a chunk at a time, stopping as soon as it
/// passes `max_bytes`: a page that prints gigabytes never has them all in memory (a plain
/// `printToPDF` answers with the whole file, base64-encoded, in one message).
pub(super) async fn print_pdf(
    page: &Page,
    options: &RenderOptions,
    max_bytes: u64,
) -> Result<Vec<u8>, RenderError> {
    use base64::Engine as _;
    use chromiumoxide::cdp::browser_protocol::io::{CloseParams, ReadParams};
    pub(super) const CHUNK: i64 = 1 << 20;
    let mut params = print_params(options);
    params.transfer_mode = Some(PrintToPdfTransferMode::ReturnAsStream);
    let has_templates = options.header_template.is_some() || options.footer_template.is_some();
    let printed = page.execute(params).await.map_err(|e| {
        let refused = refused_options(e, |message| {
            if message.to_ascii_lowercase().contains("page range") {
                "options.page_ranges"
            } else {
                "options"
            }
        });
        match refused {
            // What Chromium says when a template tried to load something (a stylesheet): it
            // prints nothing rather than fetch. Said so that the user can mend the template.
            RenderError::InvalidOptions {
                field: "options",
                reason,
            } if has_templates => RenderError::InvalidOptions {
                field: "options.header_template",
                reason: format!(
                    "{reason}: Chromium could not print the header or footer template; templates \
                         are text, inline styles and the page number, title, url and date classes, \
                         and may load nothing (no stylesheets, images or scripts)"
                ),
            },
            other => other,
        }
    })?;
    let Some(stream) = printed.result.stream.clone() else {
        return Err(RenderError::Internal("Chromium printed no PDF stream".to_owned()));
    };
    let mut pdf = Vec::new();
    let read = async {
        loop {
            let mut read = ReadParams::new(stream.clone());
            read.size = Some(CHUNK);
            let chunk = page.execute(read).await.map_err(RenderError::from_cdp)?.result;
            if chunk.base64_encoded == Some(true) {
                base64::engine::general_purpose::STANDARD
                    .decode_vec(chunk.data.as_bytes(), &mut pdf)
                    .map_err(|e| RenderError::Internal(format!("Chromium sent a garbled PDF: {e}")))?;
            } else {
                pdf.extend_from_slice(chunk.data.as_bytes());
            }
            if pdf.len() as u64 > max_bytes {
                return Err(RenderError::TooLarge { limit: max_bytes });
            }
            if chunk.eof {
                return Ok(());
            }
        }
    };
    let outcome = read.await;
    // Closing frees Chromium's copy; a failure here changes nothing for the job.
    let _ = page.execute(CloseParams::new(stream)).await;
    outcome.map(|()| pdf)
}

pub(super) fn print_params(options: &RenderOptions) -> PrintToPdfParams {
    let (width, height) = options.paper_size_inches();
    let has_templates = options.header_template.is_some() || options.footer_template.is_some();
    let mut params = PrintToPdfParams::builder()
        .landscape(options.landscape)
        .print_background(options.print_background)
        .scale(options.scale)
        .paper_width(width)
        .paper_height(height)
        .margin_top(options.margin.top.inches())
        .margin_right(options.margin.right.inches())
        .margin_bottom(options.margin.bottom.inches())
        .margin_left(options.margin.left.inches())
        .prefer_css_page_size(options.prefer_css_page_size)
        .display_header_footer(has_templates)
        // Measured in docs/decisions/0010-tagged-pdfs-and-outlines.md; Chromium builds the
        // outline from the structure tree, so an outline needs the tags.
        .generate_tagged_pdf(options.tagged || options.outline)
        .generate_document_outline(options.outline)
        .build();
    if let Some(ranges) = &options.page_ranges {
        params.page_ranges = Some(ranges.clone());
    }
    if has_templates {
        // An absent template prints Chromium's default (date, title, URL); an empty span prints
        // nothing, which is what someone who set only one of the two means.
        params.header_template = Some(
            options
                .header_template
                .clone()
                .unwrap_or_else(|| "<span></span>".into()),
        );
        params.footer_template = Some(
            options
                .footer_template
                .clone()
                .unwrap_or_else(|| "<span></span>".into()),
        );
    }
    params
}
