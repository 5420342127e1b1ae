//! Every result is checked, and says where it came from: a done file's `warnings` and
//! `retried`, its thumbnail, and the provenance inside the PDF itself.

use axum::response::Html;
use folio_testkit::api::{page, serve_pages, Api, JsonResponse};
use serde_json::{json, Value};

use crate::helpers::{assert_error, Database};
use crate::sharing::{app_for, rendered};

crate::on_both_databases!(
    every_done_file_says_what_was_doubtful_and_shows_its_first_screen,
    a_png_output_is_a_screenshot_named_and_served_as_one,
);

fn png_width(png: &[u8]) -> u32 {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    u32::from_be_bytes(png[16..20].try_into().unwrap())
}

async fn thumbnail(user: &Api, file: &Value) -> reqwest::Response {
    let id = file["id"].as_str().unwrap();
    user.get(&format!("/api/v1/file/{id}/thumbnail"))
        .send()
        .await
        .unwrap()
}

async fn every_done_file_says_what_was_doubtful_and_shows_its_first_screen(db: Database) {
    let site = serve_pages(
        axum::Router::new()
            .route(
                "/article",
                page("<title>Capture Article</title><h1>A headline</h1><p>Words of the article.</p>"),
            )
            .route(
                "/sign-in",
                page(
                    "<title>Sign in</title><h1>Sign in</h1><form><label>Email <input type=email>\
                     </label><label>Password <input type=password></label><button>Go</button></form>",
                ),
            )
            .route(
                "/consent",
                page(include_str!("../../../tests/fixtures/capture/onetrust.html")),
            )
            .route(
                "/blank",
                axum::routing::get(|| async { Html("<title>Empty</title><body></body>") }),
            ),
    )
    .await;
    let app = app_for(db, vec![site]).await;
    let (_, token) = app.signed_in_user().await;
    let user = app.user(&token);

    let url = format!("http://{site}/article");
    let article = rendered(&user, &url, "done").await;
    assert_eq!(
        (article["warnings"].clone(), article["retried"].clone()),
        (json!([]), json!(false))
    );
    let response = thumbnail(&user, &article).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    let width = png_width(&response.bytes().await.unwrap());
    assert!((1..=400).contains(&width), "{width}");
    // The PDF says what it is and where it came from.
    let pdf = user
        .download(article["id"].as_str().unwrap())
        .await
        .bytes()
        .await
        .unwrap();
    let info = folio_testkit::pdf_info(&pdf, &["-custom"]);
    assert!(
        info.lines()
            .any(|line| line.starts_with("Title:") && line.ends_with(" Capture Article")),
        "{info}"
    );
    assert!(info.contains(&url), "{info}");
    assert!(folio_testkit::pdf_info(&pdf, &["-meta"]).contains(&format!("<dc:source>{url}</dc:source>")));

    let login = rendered(&user, &format!("http://{site}/sign-in"), "done").await;
    assert_eq!(login["warnings"], json!(["login_wall"]), "{login}");
    assert_eq!(login["retried"], false);
    let blank = rendered(&user, &format!("http://{site}/blank"), "done").await;
    assert_eq!(blank["warnings"], json!(["blank"]), "{blank}");
    assert_eq!(blank["retried"], true, "a blank print is tried once more");
    // A consent banner is refused by default; asked not to clean, the file warns of it.
    let consent = format!("http://{site}/consent");
    let cleaned = rendered(&user, &consent, "done").await;
    assert_eq!(cleaned["warnings"], json!([]), "{cleaned}");
    let id = user
        .requested_with(&json!({ "url": consent, "options": { "clean": false } }))
        .await;
    let covered = user.wait_until_final(&id).await;
    assert_eq!(covered["warnings"], json!(["consent_wall"]), "{covered}");
    // The listing says the same as the record did when it finished.
    let listed = user.file(blank["id"].as_str().unwrap()).await.unwrap();
    assert_eq!(
        (listed["warnings"].clone(), listed["retried"].clone()),
        (json!(["blank"]), json!(true))
    );

    // The reader engine takes no screenshot; a deleted file's thumbnail goes with it.
    let id = user
        .requested_with(&json!({ "url": url, "engine": "reader" }))
        .await;
    let reader = user.wait_until_final(&id).await;
    assert_error(thumbnail(&user, &reader).await, 404, "not_found").await;
    assert_eq!(
        user.delete_file(article["id"].as_str().unwrap()).await.status(),
        204
    );
    assert_error(thumbnail(&user, &article).await, 404, "not_found").await;
    // Someone else's file is nobody's.
    let (_, other) = app.signed_in_user().await;
    assert_error(thumbnail(&app.user(&other), &login).await, 404, "not_found").await;
}

async fn a_png_output_is_a_screenshot_named_and_served_as_one(db: Database) {
    let site = serve_pages(axum::Router::new().route(
        "/article",
        page("<title>Shot Page</title><h1>A headline</h1><p>Words worth finding.</p>"),
    ))
    .await;
    let app = app_for(db, vec![site]).await;
    let (_, token) = app.signed_in_user().await;
    let user = app.user(&token);
    let url = format!("http://{site}/article");
    let id = user
        .requested_with(&json!({ "url": url, "options": { "output": "png" } }))
        .await;
    let file = user.wait_until_final(&id).await;
    assert_eq!(file["status"], "done", "{file}");
    assert_eq!(file["name"], "Shot Page.png");
    assert_eq!(file["options"], json!({ "output": "png" }));
    let response = user.download(&id).await;
    assert_eq!(response.headers()["content-type"], "image/png");
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.ends_with("filename=\"Shot Page.png\""),
        "{disposition}"
    );
    let png = response.bytes().await.unwrap();
    assert_eq!(png_width(&png), 1280, "as wide as the window");
    assert_eq!(file["size_bytes"], png.len());
    // Its text is searchable like a PDF's.
    let found: Value = user.get("/api/v1/files?q=worth").json_value().await;
    assert_eq!(found["files"][0]["id"], id.as_str(), "{found}");

    // A screenshot needs a browser: asked of the reader engine, it is refused up front.
    let refused = user
        .request_with(&json!({ "url": url, "engine": "reader", "options": { "output": "png" } }))
        .await;
    let body = assert_error(refused, 422, "invalid_input").await;
    assert_eq!(body["error"]["field"], "options.output", "{body}");
    let unknown = user
        .request_with(&json!({ "url": url, "options": { "output": "gif" } }))
        .await;
    let body = assert_error(unknown, 422, "invalid_input").await;
    assert_eq!(body["error"]["field"], "options.output", "{body}");
}
