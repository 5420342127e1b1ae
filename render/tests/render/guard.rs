//! The SSRF guard, end to end through Chromium and the reader. Only loopback is ever targeted:
//! the site under test is allow-listed by exact address so it stands in for a public host, and
//! every other loopback port stays forbidden. The classifier's verdicts on private, link-local
//! and metadata ranges are unit-tested in `guard.rs` without sending any traffic.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use folio_core::{Engine, RenderOptions};
use folio_render::guard::Resolve;
use folio_render::{Guard, ReaderEngine, RenderError};

use crate::site::{assert_article_renders, engine, page_url, pdf_text, serve};

fn assert_blocked(result: Result<folio_render::RenderedPdf, RenderError>, reason: &str) -> String {
    match result {
        Err(err @ RenderError::Blocked { .. }) => {
            let message = err.to_string();
            assert!(message.contains(reason), "expected {reason:?} in {message:?}");
            assert!(!err.is_retryable());
            message
        }
        other => panic!("expected a refusal for {reason:?}, got {other:?}"),
    }
}

#[tokio::test]
async fn loopback_targets_are_refused_in_every_spelling() {
    let site = serve().await;
    let forbidden = serve().await;
    let engine = engine(site.guard(), 20);
    let port = forbidden.addr.port();
    for url in [
        format!("http://127.0.0.1:{port}/article"),
        format!("http://127.1:{port}/article"),
        format!("http://0x7f000001:{port}/article"),
        format!("http://2130706433:{port}/article"),
        format!("http://[::ffff:127.0.0.1]:{port}/article"),
    ] {
        assert_blocked(
            engine.render(&page_url(&url), &RenderOptions::default()).await,
            "loopback",
        );
    }
    // A name is refused without telling which internal address it has.
    let message = assert_blocked(
        engine
            .render(
                &page_url(&format!("http://localhost:{port}/article")),
                &RenderOptions::default(),
            )
            .await,
        "not resolve to a public address",
    );
    assert!(!message.contains("127.0.0.1"), "{message}");
    let unspecified = format!("http://0.0.0.0:{port}/article");
    assert_blocked(
        engine
            .render(&page_url(&unspecified), &RenderOptions::default())
            .await,
        "unspecified",
    );
    assert_eq!(forbidden.hits(), 0, "nothing reached the forbidden server");
}

#[tokio::test]
async fn a_redirect_to_loopback_is_refused() {
    let site = serve().await;
    let forbidden = serve().await;
    let engine = engine(site.guard(), 20);
    let url = site.url(&format!(
        "/redirect?to=http://127.0.0.1:{}/article",
        forbidden.addr.port()
    ));
    let message = assert_blocked(
        engine.render(&page_url(&url), &RenderOptions::default()).await,
        "loopback",
    );
    assert!(
        message.contains(&forbidden.addr.port().to_string()),
        "names the refused URL: {message}"
    );
    assert_eq!(forbidden.hits(), 0);

    let reader = ReaderEngine::new(site.guard(), std::time::Duration::from_secs(10));
    assert_blocked(
        reader.render(&page_url(&url), &RenderOptions::default()).await,
        "loopback",
    );
    assert_eq!(
        forbidden.hits(),
        0,
        "the reader follows redirects through the guard too"
    );
}

#[tokio::test]
async fn a_sub_resource_on_loopback_is_refused() {
    let site = serve().await;
    let forbidden = serve().await;
    let engine = engine(site.guard(), 20);
    let url = site.url(&format!(
        "/subresource?to=http://127.0.0.1:{}/pixel.png",
        forbidden.addr.port()
    ));
    assert_blocked(
        engine.render(&page_url(&url), &RenderOptions::default()).await,
        "loopback",
    );
    assert_eq!(forbidden.hits(), 0);
    // The same tab goes on to serve clean pages.
    assert_article_renders(&engine, &site).await;
}

#[tokio::test]
async fn a_tunnelled_https_sub_resource_on_loopback_is_refused() {
    let site = serve().await;
    let forbidden = serve().await;
    let engine = engine(site.guard(), 20);
    // HTTPS goes through the proxy as CONNECT: refused before any byte reaches the target.
    let url = site.url(&format!(
        "/subresource?to=https://127.0.0.1:{}/pixel.png",
        forbidden.addr.port()
    ));
    assert_blocked(
        engine.render(&page_url(&url), &RenderOptions::default()).await,
        "loopback",
    );
    assert_eq!(forbidden.hits(), 0);
}

#[tokio::test]
async fn a_websocket_to_loopback_is_refused_and_reported() {
    let site = serve().await;
    let forbidden = serve().await;
    let engine = engine(site.guard(), 20);
    // WebSockets tunnel through the proxy too; the refusal is the job's error, as for HTTP.
    let url = site.url(&format!(
        "/websocket?to=ws://127.0.0.1:{}/socket",
        forbidden.addr.port()
    ));
    let options = RenderOptions {
        wait_until: folio_core::render::WaitUntil::NetworkIdle,
        ..RenderOptions::default()
    };
    assert_blocked(engine.render(&page_url(&url), &options).await, "loopback");
    assert_eq!(forbidden.hits(), 0);
    assert_article_renders(&engine, &site).await;
}

/// Stands in for DNS: `public.test` is the allowed site; `rebind.test` answers with the allowed
/// site the first time and a forbidden loopback port afterwards, as a rebinding attacker would.
struct TestDns {
    site: SocketAddr,
    forbidden: SocketAddr,
    rebind_calls: AtomicUsize,
}

impl Resolve for TestDns {
    fn resolve<'a>(
        &'a self,
        host: &'a str,
        _port: u16,
    ) -> Pin<Box<dyn std::future::Future<Output = std::io::Result<Vec<SocketAddr>>> + Send + 'a>> {
        Box::pin(async move {
            match host {
                "public.test" => Ok(vec![self.site]),
                "rebind.test" if self.rebind_calls.fetch_add(1, Ordering::SeqCst) == 0 => Ok(vec![self.site]),
                "rebind.test" => Ok(vec![self.forbidden]),
                _ => Err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "unknown test host",
                )),
            }
        })
    }
}

#[tokio::test]
async fn chromium_resolves_nothing_itself_and_dns_rebinding_fails() {
    let site = serve().await;
    let forbidden = serve().await;
    let dns = Arc::new(TestDns {
        site: site.addr,
        forbidden: forbidden.addr,
        rebind_calls: AtomicUsize::new(0),
    });
    let guard = Guard::strict()
        .with_allowed_addrs(vec![site.addr])
        .with_resolver(dns.clone());
    let engine = engine(guard, 20);
    // Chromium cannot resolve `public.test`; the page loads only because the proxy did.
    let url = format!("http://public.test:{}/article", site.addr.port());
    let pdf = engine
        .render(&page_url(&url), &RenderOptions::default())
        .await
        .unwrap();
    assert!(pdf_text(&pdf.bytes).contains("quick brown fox"));

    // The pre-check sees the allowed address; the connection's own lookup sees the rebound one
    // and is refused, instead of connecting to whatever the name resolves to by then.
    let url = format!("http://rebind.test:{}/article", forbidden.addr.port());
    assert_blocked(
        engine.render(&page_url(&url), &RenderOptions::default()).await,
        "rebind.test does not resolve to a public address",
    );
    assert_eq!(forbidden.hits(), 0);
}

#[tokio::test]
async fn allow_private_turns_the_guard_off_for_local_use() {
    let site = serve().await;
    let engine = engine(Guard::allow_private(), 20);
    let pdf = engine
        .render(&page_url(&site.url("/article")), &RenderOptions::default())
        .await
        .unwrap();
    assert!(pdf.pages >= 1);
    let renderer = folio_render::Renderer::new(&folio_render::RenderSettings {
        allowed_addrs: vec![site.addr],
        ..folio_render::RenderSettings::default()
    });
    let refused = renderer
        .render(
            &page_url("http://127.0.0.1:9/"),
            &RenderOptions::default(),
            Engine::Chromium,
        )
        .await;
    assert_blocked(refused, "loopback");
}

#[tokio::test]
async fn the_guard_proxy_serves_chromium_and_no_other_local_process() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let site = serve().await;
    let engine = engine(site.guard(), 20);
    assert_article_renders(&engine, &site).await;
    let argv = folio_testkit::chromium::argv(engine.browser_pid().await.unwrap());
    let proxy = argv
        .iter()
        .find_map(|arg| arg.strip_prefix("--proxy-server=http://"))
        .expect("Chromium was given its proxy")
        .to_owned();
    // The same request Chromium sends for the page the guard just let through, from a process
    // that is not Chromium: the connection closes unanswered.
    let mut stranger = tokio::net::TcpStream::connect(&proxy).await.unwrap();
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        site.url("/article"),
        site.addr
    );
    let _ = stranger.write_all(request.as_bytes()).await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stranger.read_to_end(&mut answer),
    )
    .await;
    assert!(read.is_ok(), "the proxy closes the connection");
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    // Chromium itself is still served.
    assert_article_renders(&engine, &site).await;
}
