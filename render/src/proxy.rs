//! A filtering forward proxy that Chromium must send every request through.
//!
//! Request interception cannot stop DNS rebinding: Chromium resolves names again on its own
//! after any check. Instead each render gets a proxy on a loopback port (Chromium is started
//! with loopback *not* bypassed, WebRTC UDP off) that resolves each host once through the
//! [`Guard`], checks the address and connects to exactly that address. This covers the page,
//! its redirects, every sub-resource and WebSockets (which Chromium tunnels with `CONNECT`).
//! Gotenberg moved to the same design after its SSRF advisories.
//!
//! Refusals are recorded so the render can fail with the reason instead of printing an error
//! page.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderName, HOST};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::guard::{Guard, GuardError};
use crate::peer::AllowedPeers;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A request the guard did not let through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub url: String,
    pub reason: String,
}

type ProxyBody = BoxBody<Bytes, hyper::Error>;

/// Header on the proxy's own refusal responses.
pub const GUARD_HEADER: &str = "x-folio-guard";
/// On the proxy's own 502s (`x-folio-guard: unreachable`): why nothing answered.
pub const UNREACHABLE_HEADER: &str = "x-folio-unreachable";
/// Refusals remembered for attribution; older ones are forgotten first.
const MAX_REFUSALS_KEPT: usize = 256;

/// One proxy, normally for one render; stops when dropped.
pub struct GuardProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl GuardProxy {
    /// A proxy that serves only connections from `peers`; any other local process that finds
    /// its port is disconnected unanswered.
    pub async fn start(guard: Guard, peers: AllowedPeers) -> std::io::Result<Self> {
        let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            guard,
            refusals: Mutex::new(Vec::new()),
        });
        let accepting = shared.clone();
        let task = tokio::spawn(async move {
            loop {
                let (stream, client) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors, usually: back off instead of spinning.
                        tracing::warn!(error = %e, "guard proxy cannot accept");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let shared = accepting.clone();
                let peers = peers.clone();
                tokio::spawn(async move {
                    let admitted = tokio::task::spawn_blocking(move || peers.admits(client, addr)).await;
                    if !matches!(admitted, Ok(true)) {
                        tracing::warn!(%client, "guard proxy refused a connection from a process it does not serve");
                        return;
                    }
                    let service = hyper::service::service_fn(move |request| handle(shared.clone(), request));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .preserve_header_case(true)
                        .title_case_headers(true)
                        .serve_connection(TokioIo::new(stream), service)
                        .with_upgrades()
                        .await;
                });
            }
        });
        Ok(Self { addr, shared, task })
    }

    /// `http://127.0.0.1:PORT`, for `--proxy-server` or a browser context's `proxyServer`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn refusals(&self) -> Vec<Refusal> {
        lock(&self.shared.refusals).clone()
    }

    /// The latest refusal of a request to the same host and port as `url`.
    pub fn refusal_for(&self, url: &str) -> Option<Refusal> {
        let target = endpoint(url)?;
        lock(&self.shared.refusals)
            .iter()
            .rev()
            .find(|refusal| endpoint(&refusal.url).as_ref() == Some(&target))
            .cloned()
    }
}

impl Drop for GuardProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `(host, port)` of a URL, with ws/wss counted as the http/https they tunnel through.
fn endpoint(url: &str) -> Option<(String, u16)> {
    let url = url::Url::parse(url).ok()?;
    Some((url.host_str()?.to_owned(), url.port_or_known_default()?))
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct Shared {
    guard: Guard,
    refusals: Mutex<Vec<Refusal>>,
}

impl Shared {
    fn refuse(&self, url: String, error: &GuardError) -> Response<ProxyBody> {
        tracing::info!(%url, reason = %error, "render request refused by the guard");
        let mut refusals = lock(&self.refusals);
        if refusals.len() >= MAX_REFUSALS_KEPT {
            refusals.remove(0);
        }
        refusals.push(Refusal {
            url,
            reason: error.to_string(),
        });
        let mut response = text(
            StatusCode::FORBIDDEN,
            format!("Folio refused this request: {error}"),
        );
        // Lets the page's own network events tell a refusal from an ordinary 403.
        response
            .headers_mut()
            .insert(GUARD_HEADER, hyper::header::HeaderValue::from_static("refused"));
        response
    }
}

fn text(status: StatusCode, message: String) -> Response<ProxyBody> {
    let mut response = Response::new(
        Full::new(Bytes::from(message))
            .map_err(|never| match never {})
            .boxed(),
    );
    *response.status_mut() = status;
    response
}

async fn handle(shared: Arc<Shared>, request: Request<Incoming>) -> Result<Response<ProxyBody>, Infallible> {
    Ok(if request.method() == Method::CONNECT {
        tunnel(shared, request).await
    } else {
        forward(shared, request).await
    })
}

/// Connects to a checked address; the error is a reason a person understands.
async fn connect(addr: SocketAddr) -> Result<TcpStream, String> {
    use std::io::ErrorKind;
    match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(e)) => Err(match e.kind() {
            ErrorKind::ConnectionRefused => "connection refused".to_owned(),
            ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => {
                "the connection was closed".to_owned()
            }
            ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => "address unreachable".to_owned(),
            _ => format!("could not connect: {e}"),
        }),
        Err(_) => Err("connection timed out".to_owned()),
    }
}

/// The proxy's stand-in when the site could not be reached: marked, so the engine reports the
/// reason instead of "HTTP status 502", which nobody answered.
fn unreachable(reason: String) -> Response<ProxyBody> {
    let mut response = text(StatusCode::BAD_GATEWAY, reason.clone());
    let headers = response.headers_mut();
    headers.insert(
        GUARD_HEADER,
        hyper::header::HeaderValue::from_static("unreachable"),
    );
    if let Ok(value) = hyper::header::HeaderValue::from_str(&reason) {
        headers.insert(UNREACHABLE_HEADER, value);
    }
    response
}

/// `CONNECT host:port`: HTTPS and WebSockets. The tunnel goes to the checked address only.
async fn tunnel(shared: Arc<Shared>, request: Request<Incoming>) -> Response<ProxyBody> {
    let Some(authority) = request.uri().authority().cloned() else {
        return text(StatusCode::BAD_REQUEST, "CONNECT needs host:port".to_owned());
    };
    let port = authority.port_u16().unwrap_or(443);
    let addr = match shared.guard.resolve(authority.host(), port).await {
        Ok(addr) => addr,
        Err(e) => return shared.refuse(format!("https://{authority}/"), &e),
    };
    let upstream = match connect(addr).await {
        Ok(stream) => stream,
        Err(message) => return unreachable(message),
    };
    tokio::spawn(async move {
        match hyper::upgrade::on(request).await {
            Ok(upgraded) => {
                let mut client = TokioIo::new(upgraded);
                let mut upstream = upstream;
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            }
            Err(e) => tracing::debug!(error = %e, "CONNECT upgrade failed"),
        }
    });
    Response::new(Full::new(Bytes::new()).map_err(|never| match never {}).boxed())
}

/// Hop-by-hop headers belong to one connection and must not be passed on.
const HOP_BY_HOP: &[&str] = &[
    "proxy-connection",
    "proxy-authorization",
    "proxy-authenticate",
    "keep-alive",
    "te",
    "trailer",
];

/// Plain `http://` requests in absolute form: one upstream connection per request, so a
/// keep-alive connection from Chromium can never carry a request to a host that was not checked.
async fn forward(shared: Arc<Shared>, mut request: Request<Incoming>) -> Response<ProxyBody> {
    let uri = request.uri().clone();
    let (Some(host), Some("http")) = (uri.host(), uri.scheme_str()) else {
        return text(
            StatusCode::BAD_REQUEST,
            "expected an absolute http:// URL".to_owned(),
        );
    };
    let port = uri.port_u16().unwrap_or(80);
    let addr = match shared.guard.resolve(host, port).await {
        Ok(addr) => addr,
        Err(e) => return shared.refuse(uri.to_string(), &e),
    };
    let upstream = match connect(addr).await {
        Ok(stream) => stream,
        Err(message) => return unreachable(message),
    };
    let (mut sender, connection) = match hyper::client::conn::http1::Builder::new()
        .preserve_header_case(true)
        .title_case_headers(true)
        .handshake(TokioIo::new(upstream))
        .await
    {
        Ok(pair) => pair,
        Err(e) => return unreachable(format!("the site did not speak HTTP: {e}")),
    };
    tokio::spawn(async move {
        let _ = connection.with_upgrades().await;
    });

    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    *request.uri_mut() = path.parse().expect("a path taken from a valid URI parses");
    let headers = request.headers_mut();
    for name in HOP_BY_HOP {
        headers.remove(HeaderName::from_static(name));
    }
    if !headers.contains_key(HOST) {
        if let Some(authority) = uri.authority() {
            if let Ok(value) = authority.as_str().parse() {
                headers.insert(HOST, value);
            }
        }
    }
    match sender.send_request(request).await {
        Ok(response) => response.map(BodyExt::boxed),
        Err(e) => unreachable(format!("the site closed the connection without an answer: {e}")),
    }
}
