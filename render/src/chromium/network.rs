//! What a tab's own network events say: which refused requests were the job's, and why a
//! navigation that failed failed, in words a person understands.

use super::*;

/// A tab's own view of its requests, to tell which refusals of the shared proxy were its own.
pub(super) struct NetworkLog {
    pub(super) requests: chromiumoxide::listeners::EventStream<EventRequestWillBeSent>,
    pub(super) failures: chromiumoxide::listeners::EventStream<EventLoadingFailed>,
    pub(super) responses: chromiumoxide::listeners::EventStream<EventResponseReceived>,
    pub(super) sockets: chromiumoxide::listeners::EventStream<EventWebSocketCreated>,
}

impl NetworkLog {
    pub(super) async fn start(page: &Page) -> Result<Self, chromiumoxide::error::CdpError> {
        Ok(Self {
            requests: page.event_listener::<EventRequestWillBeSent>().await?,
            failures: page.event_listener::<EventLoadingFailed>().await?,
            responses: page.event_listener::<EventResponseReceived>().await?,
            sockets: page.event_listener::<EventWebSocketCreated>().await?,
        })
    }

    /// Requests of this tab that the proxy refused: plain HTTP ones carry the proxy's marker
    /// header; tunnelled HTTPS ones fail to connect and are matched to the proxy's record by
    /// host and port. A WebSocket's failed handshake leaves no network event, so every socket
    /// the tab opened is matched the same way (the proxy is this user's alone).
    pub(super) fn refusals(mut self, proxy: &GuardProxy) -> Vec<crate::proxy::Refusal> {
        use futures::FutureExt;
        let mut urls = HashMap::new();
        while let Some(Some(event)) = self.requests.next().now_or_never() {
            urls.insert(event.request_id.clone(), event.request.url.clone());
        }
        let mut refused = Vec::new();
        while let Some(Some(event)) = self.responses.next().now_or_never() {
            if header(&event.response.headers, crate::proxy::GUARD_HEADER) == Some("refused") {
                if let Some(refusal) = proxy.refusal_for(&event.response.url) {
                    refused.push(refusal);
                }
            }
        }
        while let Some(Some(event)) = self.failures.next().now_or_never() {
            if event.error_text.contains("ERR_TUNNEL_CONNECTION_FAILED") {
                if let Some(refusal) = urls.get(&event.request_id).and_then(|url| proxy.refusal_for(url)) {
                    refused.push(refusal);
                }
            }
        }
        while let Some(Some(event)) = self.sockets.next().now_or_never() {
            if let Some(refusal) = proxy.refusal_for(&event.url) {
                refused.push(refusal);
            }
        }
        refused
    }
}

/// The error code Chromium's own error page shows (its `loadTimeData` carries it).
pub(super) const NET_ERROR_CODE_JS: &str = r#"(() => {
  const found = document.documentElement.outerHTML.match(/"errorCode":\s*"(ERR_[A-Z_0-9]+)"/)
    || (document.querySelector(".error-code") || {}).textContent?.match(/ERR_[A-Z_0-9]+/);
  return found ? found[found.length - 1] : null;
})()"#;

/// A network error code (`net::ERR_CONNECTION_REFUSED`) as a person would say it.
pub(super) fn describe_net_error(error: &str) -> String {
    let code = error.trim().trim_start_matches("net::");
    let reason = match code {
        "ERR_CONNECTION_REFUSED" => "connection refused",
        "ERR_NAME_NOT_RESOLVED" | "ERR_NAME_RESOLUTION_FAILED" => "name not resolved",
        "ERR_UNSAFE_PORT" => "port not allowed",
        "ERR_CONNECTION_TIMED_OUT" | "ERR_TIMED_OUT" => "connection timed out",
        "ERR_CONNECTION_RESET" | "ERR_CONNECTION_CLOSED" => "the connection was closed",
        "ERR_EMPTY_RESPONSE" => "the server sent nothing",
        "ERR_ADDRESS_UNREACHABLE" | "ERR_INTERNET_DISCONNECTED" => "address unreachable",
        "ERR_TOO_MANY_REDIRECTS" => "too many redirects",
        "ERR_TUNNEL_CONNECTION_FAILED" => "could not connect",
        "ERR_INVALID_URL" => "invalid address",
        "ERR_BLOCKED_BY_CLIENT" | "ERR_BLOCKED_BY_RESPONSE" => "blocked",
        code if code.starts_with("ERR_CERT_") => "the site's certificate is not valid",
        code if code.starts_with("ERR_SSL_") => "the secure connection failed",
        _ => return code.to_owned(),
    };
    if code.starts_with("ERR_") {
        format!("{reason} ({code})")
    } else {
        reason.to_owned()
    }
}

/// A response header's value, by case-insensitive name.
pub(super) fn header<'a>(headers: &'a Headers, name: &str) -> Option<&'a str> {
    headers
        .inner()
        .as_object()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .and_then(|(_, value)| value.as_str())
}

/// The reason the guard proxy gave in place of a response it could not get.
pub(super) fn proxy_unreachable_reason(headers: &Headers) -> Option<String> {
    if header(headers, crate::proxy::GUARD_HEADER) != Some("unreachable") {
        return None;
    }
    let reason = header(headers, crate::proxy::UNREACHABLE_HEADER).unwrap_or("could not connect");
    Some(reason.to_owned())
}
