//! One guarded GET, as the reader engine makes it and as either engine fetches a URL that
//! serves a PDF: through a [`GuardProxy`] of its own (redirects checked hop by hop, DNS
//! resolved once per connection), with the job's headers, cookies and user agent, and a bound
//! on the bytes read that depends on what the response says it is.

use folio_core::{PageUrl, RenderOptions};

use crate::peer::AllowedPeers;
use crate::proxy::GuardProxy;
use crate::{Guard, RenderError};

const MAX_REDIRECTS: usize = 10;

/// What a response may weigh: pages are read whole into memory, so they are bounded tighter
/// than PDFs, which are stored as they are.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    pub(crate) page_bytes: usize,
    pub(crate) pdf_bytes: u64,
}

pub(crate) struct Fetched {
    pub(crate) status: u16,
    pub(crate) final_url: String,
    /// The media type the response declared, lowercased, without parameters.
    pub(crate) content_type: String,
    pub(crate) body: Vec<u8>,
}

impl Fetched {
    /// An uploaded page, as if `url` had served it.
    pub(crate) fn uploaded(url: &PageUrl, html: &str) -> Self {
        Self {
            status: 200,
            final_url: url.as_str().to_owned(),
            content_type: "text/html".to_owned(),
            body: html.as_bytes().to_vec(),
        }
    }

    /// A 4xx or 5xx answer fails the render, unless the job accepts error statuses.
    pub(crate) fn refuse_error_status(self, options: &RenderOptions) -> Result<Self, RenderError> {
        if self.status >= 400 && !options.accept_error_status {
            return Err(RenderError::TargetStatus {
                status: self.status,
                url: self.final_url,
            });
        }
        Ok(self)
    }

    /// Whether the response is a PDF document: declared so, or starting as one does (servers
    /// that send PDFs as `application/octet-stream` are common).
    pub(crate) fn is_pdf(&self) -> bool {
        self.content_type == "application/pdf" || crate::served_pdf::looks_like_pdf(&self.body)
    }
}

pub(crate) async fn fetch(
    guard: &Guard,
    url: &PageUrl,
    options: &RenderOptions,
    accept: &str,
    bounds: Bounds,
) -> Result<Fetched, RenderError> {
    let proxy = GuardProxy::start(guard.clone(), AllowedPeers::this_process())
        .await
        .map_err(|e| RenderError::Internal(format!("could not start the guard proxy: {e}")))?;
    let client = reqwest::Client::builder()
        .proxy(reqwest::Proxy::all(proxy.url()).map_err(|e| RenderError::Internal(e.to_string()))?)
        .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
        .user_agent(
            options
                .user_agent
                .clone()
                .unwrap_or_else(|| format!("Folio/{} (reader)", env!("CARGO_PKG_VERSION"))),
        )
        .build()
        .map_err(|e| RenderError::Internal(e.to_string()))?;
    let mut request = client.get(url.as_str()).header("accept", accept);
    for (name, value) in &options.headers {
        request = request.header(name.as_str(), value.as_str());
    }
    if !options.cookies.is_empty() {
        let cookies: Vec<String> = options
            .cookies
            .iter()
            .map(|c| format!("{}={}", c.name, c.value))
            .collect();
        request = request.header("cookie", cookies.join("; "));
    }
    let outcome = async {
        let mut response = request.send().await?;
        let status = response.status().as_u16();
        let final_url = response.url().to_string();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .map(|value| value.trim().to_ascii_lowercase())
            .unwrap_or_default();
        let (limit, what) = if content_type == "application/pdf" {
            (usize::try_from(bounds.pdf_bytes).unwrap_or(usize::MAX), "PDF")
        } else {
            (bounds.page_bytes, "page")
        };
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            body.extend_from_slice(&chunk);
            if body.len() > limit {
                return Ok(Err(if what == "PDF" {
                    RenderError::TooLarge {
                        limit: bounds.pdf_bytes,
                    }
                } else {
                    RenderError::Unreachable(format!(
                        "{final_url} is larger than {} MiB",
                        limit / 1024 / 1024
                    ))
                }));
            }
        }
        Ok::<_, reqwest::Error>(Ok(Fetched {
            status,
            final_url,
            content_type,
            body,
        }))
    }
    .await;
    if let Some(refusal) = proxy.refusals().into_iter().next() {
        return Err(RenderError::Blocked {
            url: refusal.url,
            reason: refusal.reason,
        });
    }
    outcome.map_err(|e| RenderError::Unreachable(format!("{}: {e}", url.as_str())))?
}
