//! One delivery: the signed POST, to an address the SSRF guard accepted just now.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use url::{Host, Url};

use folio_render::guard::{Guard, GuardError};

/// How long a receiver has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed with the secret's UTF-8
/// bytes: the timestamp is signed too, so a receiver can refuse old replays.
pub fn signature(secret: &str, unix_seconds: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(unix_seconds.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={unix_seconds},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// The host and port the guard must pass, as it names them.
pub fn target(url: &Url) -> Option<(String, u16)> {
    let host = match url.host()? {
        Host::Domain(name) => name.to_owned(),
        Host::Ipv4(ip) => ip.to_string(),
        Host::Ipv6(ip) => ip.to_string(),
    };
    Some((host, url.port_or_known_default()?))
}

/// The receiver's status code, or why there is none.
pub async fn post(guard: &Guard, url: &str, secret: &str, body: Vec<u8>) -> Result<u16, String> {
    let url = Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
    let (host, port) = target(&url).ok_or("the URL names no host")?;
    // Resolved and checked now (DNS may have changed since the webhook was made), and the
    // connection goes to exactly the address that was checked.
    let addr = guard.resolve(&host, port).await.map_err(|e| match e {
        GuardError::Refused(refused) => format!("refused: {refused}"),
        other => other.to_string(),
    })?;
    let client = reqwest::Client::builder()
        .no_proxy()
        // A redirect would lead somewhere the guard never saw.
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .resolve(&host, addr)
        .user_agent(concat!("Folio-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("folio-signature", signature(secret, now, &body))
        .body(body)
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                format!("no answer within {} seconds", TIMEOUT.as_secs())
            } else {
                format!("could not reach the receiver: {}", root_cause(&e))
            }
        })?;
    Ok(response.status().as_u16())
}

fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_stripe_style_hmac_of_time_dot_body() {
        // Known answer, from Python's hmac: hmac.new(b"secret", b"1700000000.{}", sha256).
        assert_eq!(
            signature("secret", 1_700_000_000, b"{}"),
            "t=1700000000,v1=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
        );
        assert_ne!(
            signature("other", 1_700_000_000, b"{}"),
            signature("secret", 1_700_000_000, b"{}")
        );
    }

    #[test]
    fn targets_name_hosts_as_the_guard_does() {
        let url = Url::parse("http://[::1]:8080/x").unwrap();
        assert_eq!(target(&url), Some(("::1".to_owned(), 8080)));
        let url = Url::parse("https://example.com/hook").unwrap();
        assert_eq!(target(&url), Some(("example.com".to_owned(), 443)));
    }
}
