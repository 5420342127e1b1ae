//! Opening a PDF in a browser tab: a short-lived, token-free link that serves it inline.

use folio_testkit::api::JsonResponse;
use serde_json::Value;

use crate::helpers::{assert_error, Database};
use crate::sharing::{app_for, rendered, site};

crate::on_both_databases!(a_view_link_shows_the_owners_pdf_inline_and_nothing_else,);

async fn a_view_link_shows_the_owners_pdf_inline_and_nothing_else(db: Database) {
    let site = site().await;
    let app = app_for(db, vec![site]).await;
    let (_, token) = app.signed_in_user().await;
    let user = app.user(&token);
    let file = rendered(&user, &format!("http://{site}/a"), "done").await;
    let id = file["id"].as_str().unwrap();

    let link: Value = user.post(&format!("/api/v1/file/{id}/view")).json_value().await;
    assert_eq!(link["expires_in"], 600, "{link}");
    let url = link["url"].as_str().unwrap();
    assert!(url.starts_with("/api/v1/view/"), "{url}");
    // Opened with no token at all, as a browser tab does.
    let opened = app.get(url).await;
    assert_eq!(opened.status(), 200);
    let headers = opened.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["cache-control"], "private, no-store");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("inline") && disposition.contains("Page A.pdf"),
        "{disposition}"
    );
    assert!(opened.bytes().await.unwrap().starts_with(b"%PDF-"));

    // Neither a stranger's link, nor a forged or altered one, nor a session token opens it.
    let (_, other) = app.signed_in_user().await;
    let stranger = app.user(&other);
    assert_error(
        stranger
            .post(&format!("/api/v1/file/{id}/view"))
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
    let mut altered = url.to_owned();
    let last = altered.pop().unwrap();
    altered.push(if last == 'A' { 'B' } else { 'A' });
    assert_error(app.get(&altered).await, 404, "not_found").await;
    assert_error(app.get(&format!("/api/v1/view/{token}")).await, 404, "not_found").await;
    assert_error(app.get("/api/v1/view/not-a-token").await, 404, "not_found").await;

    // Only a done file has something to show; a deleted file's link dies with it.
    let failed = rendered(&user, &format!("http://{site}/gone"), "failed").await;
    let failed_id = failed["id"].as_str().unwrap();
    assert_error(
        user.post(&format!("/api/v1/file/{failed_id}/view"))
            .send()
            .await
            .unwrap(),
        409,
        "not_ready",
    )
    .await;
    assert_eq!(user.delete_file(id).await.status(), 204);
    assert_error(app.get(url).await, 404, "not_found").await;
}
