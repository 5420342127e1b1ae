//! A small web site for the tests, and helpers to inspect PDFs.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use folio_render::{ChromiumConfig, ChromiumEngine, Guard, RenderSettings};

/// A test web server; `hits` counts every request it answered.
pub struct Site {
    pub addr: SocketAddr,
    pub hits: Arc<AtomicUsize>,
}

impl Site {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// A guard that treats only this site as public: every other loopback port stays forbidden.
    pub fn guard(&self) -> Guard {
        Guard::strict().with_allowed_addrs(vec![self.addr])
    }
}

/// A page of `tests/fixtures/hostile`, the attack pages every defence is tested against.
async fn hostile(Path(name): Path<String>) -> Response {
    fixture(folio_testkit::hostile_fixture(&name), &name)
}

/// A page of `tests/fixtures/capture`: consent banners and overlays around an article.
async fn capture(Path(name): Path<String>) -> Response {
    fixture(folio_testkit::capture_fixture(&name), &name)
}

fn fixture(file: std::path::PathBuf, name: &str) -> Response {
    match std::fs::read_to_string(&file) {
        Ok(script) if name.ends_with(".js") => {
            ([("content-type", "text/javascript")], script).into_response()
        }
        Ok(page) => Html(page).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

pub async fn serve() -> Site {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = Router::new()
        .route("/article", get(article))
        .route("/hostile/{name}", get(hostile))
        .route("/capture/{name}", get(capture))
        .route("/long", get(long))
        .route("/lazy", get(lazy))
        .route("/hang", get(hang))
        .route("/slow", get(slow))
        .route("/status/{code}", get(status))
        .route("/redirect", get(redirect))
        .route("/subresource", get(subresource))
        .route("/websocket", get(websocket))
        .route("/echo", get(echo))
        .route("/late-content", get(late_content))
        .route("/late-data", get(late_data))
        .route("/selector", get(selector))
        .route("/storage", get(storage))
        .route("/pixel.png", get(pixel))
        .route("/beacon", get(beacon))
        .route("/served.pdf", get(served_pdf))
        .route("/headings", get(headings))
        .route("/not-a.pdf", get(not_a_pdf))
        .route("/blank", get(blank))
        .route("/tall", get(tall))
        .route("/late-image", get(late_image))
        .route("/slow-pixel.png", get(slow_pixel))
        .route("/broken-image", get(broken_image))
        .route("/sign-in", get(sign_in))
        .layer(axum::middleware::from_fn(
            move |request, next: axum::middleware::Next| {
                let counter = counter.clone();
                async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    next.run(request).await
                }
            },
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Site { addr, hits }
}

/// A document in sections, each under its heading, long enough for several pages.
async fn headings() -> Html<String> {
    let sections: String = HEADINGS
        .iter()
        .map(|heading| {
            format!(
                "<h2>{heading}</h2>{}",
                "<p>Words of this section, at length.</p>".repeat(30)
            )
        })
        .collect();
    Html(format!(
        "<!doctype html><html><head><title>Sections</title></head><body><h1>{}</h1>{sections}</body></html>",
        HEADINGS_TITLE
    ))
}

pub const HEADINGS_TITLE: &str = "The handbook";
pub const HEADINGS: [&str; 3] = ["Getting started", "Daily use", "Troubleshooting"];

/// The text inside [`served_pdf_bytes`].
pub const SERVED_PDF_WORD: &str = "ornithorhynchus";

/// A PDF as a site would serve it (typeset by the reader engine, so the test needs no fixture;
/// once, as each typesetting stamps its own time and id).
pub fn served_pdf_bytes() -> Vec<u8> {
    static SERVED: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    SERVED.get_or_init(typeset_served_pdf).clone()
}

fn typeset_served_pdf() -> Vec<u8> {
    let article = folio_render::reader::Article {
        title: Some("Quarterly figures".into()),
        blocks: vec![folio_render::reader::Block::Paragraph(format!(
            "The {SERVED_PDF_WORD} index rose again."
        ))],
        ..Default::default()
    };
    folio_render::reader::typeset(&article, "http://example.test/", &Default::default()).unwrap()
}

async fn served_pdf() -> Response {
    ([("content-type", "application/pdf")], served_pdf_bytes()).into_response()
}

/// Says it is a PDF; is a web page.
async fn not_a_pdf() -> Response {
    (
        [("content-type", "application/pdf")],
        "<html><body>Not a PDF at all</body></html>",
    )
        .into_response()
}

/// Requests to `/beacon`, from any test: only one test points anything at it.
pub static BEACON_HITS: AtomicUsize = AtomicUsize::new(0);

async fn beacon() -> &'static str {
    BEACON_HITS.fetch_add(1, Ordering::SeqCst);
    "beacon"
}

async fn article() -> Html<&'static str> {
    Html(
        r#"<!doctype html><html><head><title>Folio Test Article</title></head><body>
        <h1>The quick brown fox</h1><p>Jumps over the lazy dog near the riverbank.</p>
        <ul><li>First point</li><li>Second point</li></ul></body></html>"#,
    )
}

async fn long() -> Html<String> {
    let paragraphs: String = (1..=200)
        .map(|i| format!("<p>Paragraph {i}: the renderer must paginate this long document properly.</p>"))
        .collect();
    Html(format!(
        "<!doctype html><html><head><title>Long</title></head><body>{paragraphs}</body></html>"
    ))
}

/// Content that only appears when scrolled into view, as lazy-loading sites do.
async fn lazy() -> Html<&'static str> {
    Html(
        r#"<!doctype html><html><head><title>Lazy</title></head><body>
        <p>Top of the page.</p><div style="height:4000px"></div>
        <div id="sentinel">waiting</div>
        <img id="photo" loading="lazy" data-src="/pixel.png" width="10" height="10">
        <script>
          new IntersectionObserver((entries, observer) => {
            if (entries.some((e) => e.isIntersecting)) {
              document.getElementById('sentinel').textContent = 'LAZY CONTENT LOADED';
              const img = document.getElementById('photo');
              img.src = img.dataset.src;
              observer.disconnect();
            }
          }).observe(document.getElementById('sentinel'));
        </script></body></html>"#,
    )
}

async fn hang() -> Html<&'static str> {
    tokio::time::sleep(Duration::from_secs(3600)).await;
    Html("never")
}

async fn slow() -> Html<&'static str> {
    tokio::time::sleep(Duration::from_secs(4)).await;
    Html("<title>Slow</title><p>slow page</p>")
}

async fn status(Path(code): Path<u16>) -> Response {
    let status = StatusCode::from_u16(code).unwrap();
    (
        status,
        Html(format!("<title>Status {code}</title><p>Error page {code}</p>")),
    )
        .into_response()
}

#[derive(serde::Deserialize)]
pub struct Target {
    to: String,
}

async fn redirect(Query(target): Query<Target>) -> Redirect {
    Redirect::temporary(&target.to)
}

async fn subresource(Query(target): Query<Target>) -> Html<String> {
    Html(format!(
        r#"<!doctype html><title>Sub</title><p>Page with an image</p><img src="{}">"#,
        target.to
    ))
}

/// Opens a WebSocket to `to` while loading.
async fn websocket(Query(target): Query<Target>) -> Html<String> {
    Html(format!(
        r#"<!doctype html><title>Socket</title><p>Page with a socket</p><script>new WebSocket("{}");</script>"#,
        target.to
    ))
}

/// Shows what the browser sent, so options that set headers, cookies and the agent can be checked.
async fn echo(headers: HeaderMap) -> Html<String> {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("none")
            .to_owned()
    };
    Html(format!(
        "<title>Echo</title><p>AGENT {}</p><p>LANGUAGE {}</p><p>COOKIE {}</p>",
        get("user-agent"),
        get("x-folio-test"),
        get("cookie")
    ))
}

/// Fetches part of its text after `load`: only `network_idle` waits for it.
async fn late_content() -> Html<&'static str> {
    Html(
        r#"<!doctype html><title>Late</title><p id="out">EARLY</p><script>
        window.addEventListener('load', () => setTimeout(() =>
          fetch('/late-data').then((r) => r.text()).then((t) => { document.getElementById('out').textContent = t; }), 100));
        </script>"#,
    )
}

async fn late_data() -> &'static str {
    tokio::time::sleep(Duration::from_millis(300)).await;
    "ARRIVED AFTER LOAD"
}

async fn selector() -> Html<&'static str> {
    Html(
        r#"<!doctype html><title>Selector</title><p>Loading</p><script>
        setTimeout(() => { const d = document.createElement('div'); d.id = 'ready'; d.textContent = 'SELECTOR READY'; document.body.appendChild(d); }, 700);
        </script>"#,
    )
}

/// Shows what an earlier visit left in localStorage, then leaves something itself.
async fn storage() -> Html<&'static str> {
    Html(
        r#"<!doctype html><title>Storage</title><p id="out"></p><script>
        document.getElementById('out').textContent = 'STORED ' + (localStorage.getItem('who') || 'nothing');
        localStorage.setItem('who', 'private-data');
        </script>"#,
    )
}

async fn pixel() -> impl IntoResponse {
    // A 1x1 transparent PNG.
    const PNG: &[u8] = &[
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00,
        0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00,
        0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01,
        0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ];
    ([("content-type", "image/png")], PNG)
}

/// Taller than any screenshot is kept.
async fn tall() -> Html<&'static str> {
    Html(
        r#"<!doctype html><html><head><title>Tall</title></head><body style="margin:0">
        <p>The top of a very tall page.</p><div style="height:30000px;background:linear-gradient(#fff,#06c)"></div>
        <p>The bottom, never seen.</p></body></html>"#,
    )
}

async fn blank() -> Html<&'static str> {
    Html("<!doctype html><html><head><title>Nothing here</title></head><body></body></html>")
}

/// Its image is asked for only after the load event, and answers a second later: the print
/// that follows the load event misses it, a print after network idle has it.
async fn late_image() -> Html<&'static str> {
    Html(
        r#"<!doctype html><html><head><title>Late image</title></head><body>
        <p>An article whose photo arrives late.</p>
        <script>
          addEventListener('load', () => {
            const img = new Image(40, 40);
            img.src = '/slow-pixel.png';
            document.body.append(img);
          });
        </script></body></html>"#,
    )
}

async fn slow_pixel() -> impl IntoResponse {
    tokio::time::sleep(Duration::from_millis(1200)).await;
    pixel().await
}

async fn broken_image() -> Html<&'static str> {
    Html(
        r#"<!doctype html><html><head><title>Broken image</title></head><body>
        <p>An article whose photo is gone.</p><img src="/status/404" width="40" height="40">
        </body></html>"#,
    )
}

/// What a paywall or an expired session shows instead of the article.
async fn sign_in() -> Html<&'static str> {
    Html(
        r#"<!doctype html><html><head><title>Sign in</title></head><body>
        <h1>Sign in to continue</h1>
        <form method="post" action="/session">
          <label>Email <input type="email" name="email"></label>
          <label>Password <input type="password" name="password"></label>
          <button>Sign in</button>
        </form></body></html>"#,
    )
}

/// A Chromium engine for tests: system Chromium, a short timeout, and the given guard.
pub fn engine(guard: Guard, timeout_secs: u64) -> ChromiumEngine {
    ChromiumEngine::new(config(guard, timeout_secs))
}

/// The engine configuration the tests start from: the system Chromium, two tabs.
pub fn config(guard: Guard, timeout_secs: u64) -> ChromiumConfig {
    let defaults = RenderSettings::default();
    assert!(
        defaults.chrome_path.exists(),
        "these tests need Chromium at {} (apt-get install chromium; make test installs it)",
        defaults.chrome_path.display()
    );
    ChromiumConfig {
        executable: defaults.chrome_path,
        concurrency: 2,
        timeout: Duration::from_secs(timeout_secs),
        recycle_after: 500,
        guard,
        launch_mode: folio_render::LaunchMode::Server,
        max_pdf_bytes: defaults.max_pdf_bytes,
        max_page_memory: defaults.max_page_memory_mib << 20,
    }
}

pub use folio_testkit::pdf_text;

/// Points, for comparing page boxes.
pub fn assert_page_size(bytes: &[u8], width_pt: f64, height_pt: f64) {
    let sizes = folio_render::pdf::page_sizes(bytes).unwrap();
    for (w, h) in sizes {
        assert!(
            (w - width_pt).abs() < 2.0 && (h - height_pt).abs() < 2.0,
            "page is {w:.1}x{h:.1} pt, expected {width_pt:.1}x{height_pt:.1}"
        );
    }
}

pub fn page_url(url: &str) -> folio_core::PageUrl {
    folio_core::PageUrl::parse(url).unwrap()
}

/// Renders the site's article and checks its text: a job that works, after whatever a test did.
pub async fn assert_article_renders(engine: &ChromiumEngine, site: &Site) {
    let pdf = engine
        .render(
            &page_url(&site.url("/article")),
            &folio_core::RenderOptions::default(),
        )
        .await
        .expect("the article renders");
    assert!(pdf_text(&pdf.bytes).contains("quick brown fox"));
}
