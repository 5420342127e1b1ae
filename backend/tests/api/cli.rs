//! `folio render`: the renderer from the command line, with exit codes a script can trust.

use std::net::SocketAddr;
use std::process::Output;

use axum::response::Html;
use axum::routing::get;

async fn serve_page() -> SocketAddr {
    let app = axum::Router::new().route(
        "/",
        get(|| async {
            Html("<!doctype html><title>CLI Page</title><h1>Rendered from the command line</h1><p>Plain words.</p>")
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

async fn folio_render(allowed: Option<SocketAddr>, args: &[&str]) -> Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_folio"));
    command
        .arg("render")
        .args(args)
        .env_remove("FOLIO_RENDER_ALLOW_PRIVATE");
    if let Some(addr) = allowed {
        command.env("FOLIO_RENDER_ALLOW_ADDRS", addr.to_string());
    }
    command.output().await.expect("run folio render")
}

fn pdf_text(path: &std::path::Path) -> String {
    folio_testkit::pdf_text(&std::fs::read(path).expect("the PDF was written"))
}

#[tokio::test]
async fn render_writes_a_pdf_honouring_the_flags() {
    let addr = serve_page().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("page.pdf");
    let url = format!("http://{addr}/");
    let output = folio_render(
        Some(addr),
        &[
            &url,
            "-o",
            out.to_str().unwrap(),
            "--landscape",
            "--format",
            "Letter",
        ],
    )
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("1 page") && stderr.contains("CLI Page"),
        "{stderr}"
    );
    let bytes = std::fs::read(&out).unwrap();
    let (w, h) = folio_render::pdf::page_sizes(&bytes).unwrap()[0];
    assert!(
        (w - 792.0).abs() < 2.0 && (h - 612.0).abs() < 2.0,
        "Letter landscape, got {w}x{h}"
    );
    assert!(pdf_text(&out).contains("Rendered from the command line"));
    let tagged = |bytes: &[u8]| folio_testkit::pdf_info(bytes, &[]).contains("Tagged:          yes");
    assert!(tagged(&bytes), "tagged by default");
    assert_eq!(
        folio_testkit::pdf_outline(&bytes),
        ["Rendered from the command line"]
    );

    let plain = dir.path().join("plain.pdf");
    let output = folio_render(
        Some(addr),
        &[
            &url,
            "-o",
            plain.to_str().unwrap(),
            "--tagged=false",
            "--outline=false",
        ],
    )
    .await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plain = std::fs::read(&plain).unwrap();
    assert!(!tagged(&plain) && folio_testkit::pdf_outline(&plain).is_empty());

    let reader_out = dir.path().join("reader.pdf");
    let output = folio_render(
        Some(addr),
        &[&url, "-o", reader_out.to_str().unwrap(), "--engine", "reader"],
    )
    .await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(pdf_text(&reader_out).contains("Rendered from the command line"));
}

#[tokio::test]
async fn render_refuses_private_targets_with_exit_1_and_the_reason() {
    let addr = serve_page().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("page.pdf");
    let output = folio_render(None, &[&format!("http://{addr}/"), "-o", out.to_str().unwrap()]).await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("loopback"), "{stderr}");
    assert!(!out.exists(), "no file is written on failure");
}

#[tokio::test]
async fn render_rejects_bad_requests_with_exit_2() {
    let cases: [(&[&str], &str); 5] = [
        (&["ftp://example.com/"], "http or https"),
        (&["https://example.com/", "--format", "B5"], "B5"),
        (&["https://example.com/", "--scale", "5"], "scale"),
        (&["https://example.com/", "--engine", "webkit"], "webkit"),
        (
            &["https://example.com/", "--options", "{\"landscpae\": true}"],
            "landscpae",
        ),
    ];
    for (args, expected) in cases {
        let output = folio_render(None, args).await;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[tokio::test]
async fn output_png_writes_a_screenshot_named_page_png_unless_told_otherwise() {
    let addr = serve_page().await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://{addr}/");
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_folio"));
    let output = command
        .current_dir(dir.path())
        .args(["render", &url, "--output", "png"])
        .env("FOLIO_RENDER_ALLOW_ADDRS", addr.to_string())
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let png = std::fs::read(dir.path().join("page.png")).expect("page.png written");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    let named = dir.path().join("shot.png");
    let output = folio_render(
        Some(addr),
        &[&url, "--output", "png", "--out", named.to_str().unwrap()],
    )
    .await;
    assert!(output.status.success());
    assert!(std::fs::read(&named).unwrap().starts_with(b"\x89PNG"));
    // Only pdf and png; and a screenshot needs the browser.
    let output = folio_render(Some(addr), &[&url, "--output", "gif"]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("output"));
    let output = folio_render(Some(addr), &[&url, "--output", "png", "--engine", "reader"]).await;
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
