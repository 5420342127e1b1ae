//! Request extractors whose failures are `ApiError`s, so every rejection is a JSON body.

mod objects_only;

use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;

/// A query string. Unlike `axum::extract::Query` it answers a JSON 422 naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(ApiQuery)
            .map_err(|error| {
                let field = error.path().to_string();
                ApiError::invalid(field, error.into_inner().to_string())
            })
    }
}

/// A JSON body. Unlike `axum::Json` it names the offending field in a 422 and answers 400 for
/// broken syntax, 413 past the body limit and 415 for a body that says it is something else.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        parse_json(&json_body(req, state).await?).map(ApiJson)
    }
}

/// A JSON body as [`ApiJson`] parses it, with the body as sent: for what must be kept exactly as
/// the caller wrote it (a file's options).
pub struct ApiJsonWithRaw<T>(pub T, pub serde_json::Value);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJsonWithRaw<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let raw = json_value(&json_body(req, state).await?)?;
        Ok(Self(from_json_value(raw.clone())?, raw))
    }
}

/// A body that may be JSON (415 when it says it is something else), within the body limit.
async fn json_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    if !content_type_allows_json(req.headers()) {
        return Err(ApiError::UnsupportedMediaType(
            "expected a request body with Content-Type: application/json".to_owned(),
        ));
    }
    Ok(Bytes::from_request(req, state).await?)
}

/// The `options` object of a body as sent; empty when there is none.
pub fn sent_options(body: &serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    body.get("options")
        .and_then(serde_json::Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// Scripts that omit the header (`curl -d` with no `-H`) are still understood; a body that
/// declares a different type is not second-guessed.
fn content_type_allows_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return true;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    from_json_value(json_value(bytes)?)
}

/// The body as JSON: 400 when it is empty or not JSON at all.
fn json_value(bytes: &[u8]) -> Result<serde_json::Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest("a JSON request body is required".to_owned()));
    }
    serde_json::from_slice(bytes)
        .map_err(|error| ApiError::BadRequest(format!("request body is not valid JSON: {error}")))
}

/// JSON that is not the shape `T` documents: 422 naming the field.
fn from_json_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(objects_only::ObjectsOnly(value)).map_err(|error| {
        let path = error.path().to_string();
        let message = strip_position(&error.into_inner().to_string());
        let field = if path == "." {
            field_from_message(&message)
        } else {
            path
        };
        ApiError::invalid(field, message)
    })
}

/// serde_json appends " at line 1 column 42", which means nothing to an API client.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// Errors about the top-level object (missing or unknown field) carry the name only in the text.
fn field_from_message(message: &str) -> String {
    for marker in ["missing field `", "unknown field `"] {
        if let Some(rest) = message.split(marker).nth(1) {
            if let Some(name) = rest.split('`').next() {
                return name.to_owned();
            }
        }
    }
    "body".to_owned()
}

/// The address of the client, as seen through the proxies listed in `FOLIO_TRUSTED_PROXIES`.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("server started without connect info")))?;
        Ok(Self(client_ip(
            peer,
            &parts.headers,
            &state.settings.trusted_proxies,
        )))
    }
}

/// Walks `X-Forwarded-For` from the nearest hop outwards and stops at the first address that is
/// not a trusted proxy: everything further left was written by the client and can be forged.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
        .collect();
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        client = hop;
        if !is_trusted(&hop) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xff(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    #[test]
    fn forwarded_for_is_honoured_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let trusted = vec!["10.0.0.0/8".parse().unwrap()];
        let cases = [
            (
                "untrusted peer ignores the header",
                "203.0.113.9",
                "198.51.100.1",
                vec![],
                "203.0.113.9",
            ),
            (
                "trusted peer, one hop",
                "10.0.0.5",
                "198.51.100.1",
                trusted.clone(),
                "198.51.100.1",
            ),
            (
                "forged left part is skipped",
                "10.0.0.5",
                "1.1.1.1, 198.51.100.1",
                trusted.clone(),
                "198.51.100.1",
            ),
            (
                "inner proxies are skipped",
                "10.0.0.5",
                "198.51.100.1, 10.0.0.7",
                trusted.clone(),
                "198.51.100.1",
            ),
            (
                "garbage falls back to the peer",
                "10.0.0.5",
                "not-an-ip",
                trusted.clone(),
                "10.0.0.5",
            ),
        ];
        for (why, peer, header, trusted, expected) in cases {
            let peer: IpAddr = peer.parse().unwrap();
            assert_eq!(
                client_ip(peer, &xff(header), &trusted).to_string(),
                expected,
                "{why}"
            );
        }
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &trusted), proxy, "no header");
    }

    #[test]
    fn json_errors_name_the_field() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Body {
            email: String,
            password: String,
        }
        let cases = [
            (r#"{"email": 3, "password": "x"}"#, "email"),
            (r#"{"email": "a@b.co"}"#, "password"),
            (r#"{"email": "a@b.co", "password": "x", "admin": true}"#, "admin"),
            (r#"["a@b.co", "x"]"#, "body"),
        ];
        for (body, field) in cases {
            match parse_json::<Body>(body.as_bytes()) {
                Err(ApiError::Invalid { field: got, .. }) => assert_eq!(got, field, "{body}"),
                other => panic!("{body}: {other:?}"),
            }
        }
        assert!(matches!(
            parse_json::<Body>(b"{nope"),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(parse_json::<Body>(b""), Err(ApiError::BadRequest(_))));
    }

    use proptest::prelude::*;

    proptest! {
        /// Any bytes as a render request body: parsed, or refused as a client error with a
        /// reason, never a server error or a panic. (`make test` runs many more cases of this.)
        #[test]
        fn any_request_body_is_parsed_or_refused_as_the_client_s_fault(
            body in prop_oneof![
                prop::collection::vec(any::<u8>(), 0..200),
                "\\{(\"(url|options|engine|format|margin|scale)\": ?(null|true|1e999|-1|\"[^\"]{0,10}\"|\\{\\}|\\[\\]),? ?){0,5}\\}"
                    .prop_map(String::into_bytes),
            ]
        ) {
            match parse_json::<folio_core::RenderOptions>(&body) {
                Ok(_) => {}
                Err(e) => prop_assert!(e.status().is_client_error(), "{e:?}"),
            }
        }
    }
}
