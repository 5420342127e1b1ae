//! API keys, share links, batch requests and the export, as a script and a stranger use them.

use std::net::SocketAddr;
use std::time::Duration;

use folio_testkit::api::{gone, page, serve_pages, Api, JsonResponse};
use serde_json::{json, Value};
use sqlx::Row;

use crate::helpers::{assert_error, spawn_app_with, Database, TestApp};

crate::on_both_databases!(
    an_api_key_works_until_revoked_is_stored_hashed_and_cannot_manage_the_account,
    a_share_link_serves_the_pdf_signed_out_until_it_expires_is_revoked_or_the_file_goes,
    a_batch_queues_the_good_urls_and_reports_each_bad_one,
    the_export_holds_every_done_pdf_and_a_manifest_of_every_file,
    share_links_are_rate_limited_per_client_address,
);

pub(crate) async fn site() -> SocketAddr {
    serve_pages(
        axum::Router::new()
            .route("/a", page("<title>Page A</title><h1>Alpha</h1>"))
            .route("/b", page("<title>Page A</title><h1>Also titled A</h1>"))
            .route("/gone", gone())
            .route(
                "/late-gone",
                axum::routing::get(|| async {
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    (axum::http::StatusCode::NOT_FOUND, "gone, late")
                }),
            ),
    )
    .await
}

pub(crate) async fn app_for(db: Database, allowed: Vec<SocketAddr>) -> TestApp {
    spawn_app_with(db, |s| {
        s.render.allowed_addrs = allowed;
        s.render.concurrency = 2;
        s.render.timeout = Duration::from_secs(20);
        s.webhook_retry_base = Duration::from_millis(200);
    })
    .await
}

/// Requests `url` and waits for it to end in `status`; the file.
pub(crate) async fn rendered(user: &Api, url: &str, status: &str) -> Value {
    let id = user.requested(url).await;
    let file = user.wait_until_final(&id).await;
    assert_eq!(file["status"], status, "{file}");
    file
}

async fn an_api_key_works_until_revoked_is_stored_hashed_and_cannot_manage_the_account(db: Database) {
    let app = app_for(db, vec![]).await;
    let (_, token) = app.signed_in_user().await;
    let session = app.user(&token);
    let created = session
        .post("/api/v1/keys")
        .json(&json!({ "name": "backup script" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let key = created["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("folio_") && key.len() >= 6 + 22, "{key}");
    assert_eq!(created["name"], "backup script");
    assert!(created["last_used_at"].is_null());

    let script = app.user(&key);
    assert_eq!(script.get("/api/v1/files").send().await.unwrap().status(), 200);
    let me: Value = script.get("/api/v1/auth/me").json_value().await;
    assert!(me["email"].is_string(), "{me}");
    for refused in [
        script.post("/api/v1/keys").json(&json!({ "name": "more" })),
        script.get("/api/v1/keys"),
        script.delete(&format!("/api/v1/keys/{}", created["id"].as_str().unwrap())),
        script.delete("/api/v1/auth/me"),
        script.post("/api/v1/auth/password").json(
            &json!({ "current_password": crate::helpers::PASSWORD, "new_password": "another long password" }),
        ),
    ] {
        assert_error(refused.send().await.unwrap(), 403, "session_required").await;
    }

    let listed: Value = session.get("/api/v1/keys").json_value().await;
    let listed = &listed["keys"][0];
    assert_eq!(listed["id"], created["id"]);
    assert!(listed.get("key").is_none(), "{listed}");
    assert!(
        listed["last_used_at"].is_string(),
        "the key's use was recorded: {listed}"
    );

    let rows = sqlx::query("SELECT * FROM api_keys")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    for column in 0..rows[0].len() {
        let stored: Option<String> = rows[0].try_get(column).ok().flatten();
        assert!(
            stored.as_deref().is_none_or(|text| !text.contains(&key[6..])),
            "column {column} holds the key"
        );
    }

    // Another user cannot revoke it; its owner can, and then it is refused.
    let (_, stranger) = app.signed_in_user().await;
    let path = format!("/api/v1/keys/{}", created["id"].as_str().unwrap());
    assert_error(
        app.user(&stranger).delete(&path).send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
    assert_eq!(session.delete(&path).send().await.unwrap().status(), 204);
    assert_error(
        script.get("/api/v1/files").send().await.unwrap(),
        401,
        "unauthorized",
    )
    .await;

    // Deleting the account takes its keys with it.
    let created: Value = session
        .post("/api/v1/keys")
        .json(&json!({ "name": "k" }))
        .json_value()
        .await;
    let key = created["key"].as_str().unwrap().to_owned();
    assert_eq!(
        app.user(&key).get("/api/v1/files").send().await.unwrap().status(),
        200
    );
    assert_eq!(session.delete_account().await.status(), 204);
    assert_error(
        app.user(&key).get("/api/v1/files").send().await.unwrap(),
        401,
        "unauthorized",
    )
    .await;
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_keys")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

async fn share(user: &Api, file_id: &str, body: Value) -> reqwest::Response {
    user.post(&format!("/api/v1/file/{file_id}/share"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// A new link to the file, living `expires_in` seconds: its path.
async fn share_link(user: &Api, file_id: &str, expires_in: u64) -> String {
    let response = share(user, file_id, json!({ "expires_in": expires_in })).await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    created["url"].as_str().unwrap().to_owned()
}

async fn a_share_link_serves_the_pdf_signed_out_until_it_expires_is_revoked_or_the_file_goes(db: Database) {
    let site = site().await;
    let app = app_for(db, vec![site]).await;
    let (_, token) = app.signed_in_user().await;
    let user = app.user(&token);
    let file = rendered(&user, &format!("http://{site}/a"), "done").await;
    let id = file["id"].as_str().unwrap();

    let created = share(&user, id, json!({})).await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let url = created["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("/s/") && url.len() >= 3 + 22, "{url}");
    let opened = app.get(&url).await;
    assert_eq!(opened.status(), 200);
    let headers = opened.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["cache-control"], "private");
    assert_eq!(headers["x-robots-tag"], "noindex");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("inline") && disposition.contains("Page A.pdf"),
        "{disposition}"
    );
    assert!(opened.bytes().await.unwrap().starts_with(b"%PDF-"));

    let listed: Value = user.get(&format!("/api/v1/file/{id}/shares")).json_value().await;
    assert_eq!(listed["shares"][0]["id"], created["id"], "{listed}");
    let (_, stranger) = app.signed_in_user().await;
    let stranger = app.user(&stranger);
    assert_error(share(&stranger, id, json!({})).await, 404, "not_found").await;
    let revoke = format!("/api/v1/shares/{}", created["id"].as_str().unwrap());
    assert_error(stranger.delete(&revoke).send().await.unwrap(), 404, "not_found").await;

    // Revoked.
    assert_eq!(user.delete(&revoke).send().await.unwrap().status(), 204);
    assert_error(app.get(&url).await, 404, "not_found").await;
    // Expired.
    let short = share_link(&user, id, 1).await;
    assert_eq!(app.get(&short).await.status(), 200);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_error(app.get(&short).await, 404, "not_found").await;
    // Bad expiries.
    for bad in [json!({ "expires_in": 0 }), json!({ "expires_in": 2_592_001 })] {
        let body = assert_error(share(&user, id, bad).await, 422, "invalid_input").await;
        assert_eq!(body["error"]["field"], "expires_in");
    }
    // The file deleted.
    let last = share_link(&user, id, 3600).await;
    assert_eq!(app.get(&last).await.status(), 200);
    assert_eq!(user.delete_file(id).await.status(), 204);
    assert_error(app.get(&last).await, 404, "not_found").await;
    assert_error(app.get("/s/not-a-token").await, 404, "not_found").await;

    // Only a done file can be shared.
    let failed = rendered(&user, &format!("http://{site}/gone"), "failed").await;
    assert_error(
        share(&user, failed["id"].as_str().unwrap(), json!({})).await,
        409,
        "not_ready",
    )
    .await;
}

async fn a_batch_queues_the_good_urls_and_reports_each_bad_one(db: Database) {
    let site = site().await;
    let app = app_for(db, vec![site]).await;
    let (_, token) = app.signed_in_user().await;
    let user = app.user(&token);
    let good = format!("http://{site}/a");
    let response = user
        .post("/api/v1/requests")
        .json(&json!({ "urls": [good, "not a url", "http://10.1.2.3/inside", good], "options": { "landscape": true } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let body: Value = response.json().await.unwrap();
    let files = body["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{body}");
    assert!(files
        .iter()
        .all(|f| f["url"] == good.as_str() && f["status"] == "queued"));
    let rejected = body["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 2, "{body}");
    assert_eq!(rejected[0]["url"], "not a url");
    assert_eq!(rejected[1]["url"], "http://10.1.2.3/inside");
    for refusal in rejected {
        assert_eq!(refusal["error"]["code"], "invalid_input", "{refusal}");
        assert!(refusal["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
    for file in files {
        let done = user.wait_until_final(file["id"].as_str().unwrap()).await;
        assert_eq!(done["status"], "done", "{done}");
    }
    for (body, field) in [
        (json!({ "urls": [] }), "urls"),
        (json!({ "urls": vec![good.clone(); 101] }), "urls"),
    ] {
        let response = user.post("/api/v1/requests").json(&body).send().await.unwrap();
        let error = assert_error(response, 422, "invalid_input").await;
        assert_eq!(error["error"]["field"], field);
    }
}

async fn the_export_holds_every_done_pdf_and_a_manifest_of_every_file(db: Database) {
    let site = site().await;
    let app = app_for(db, vec![site]).await;
    let (_, token) = app.signed_in_user().await;
    let user = app.user(&token);
    let a = rendered(&user, &format!("http://{site}/a"), "done").await;
    let b = rendered(&user, &format!("http://{site}/b"), "done").await;
    let failed = rendered(&user, &format!("http://{site}/gone"), "failed").await;

    let response = user.get("/api/v1/export").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let archive = response.bytes().await.unwrap();
    let mut zip = folio_testkit::zip_entries(&archive);
    zip.sort();
    let names: Vec<&str> = zip.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        ["Page A (2).pdf", "Page A.pdf", "manifest.json"],
        "two files of one name kept apart"
    );
    for (name, bytes) in &zip[..2] {
        assert!(bytes.starts_with(b"%PDF-"), "{name} is a PDF");
    }
    let manifest: Value = serde_json::from_slice(&zip[2].1).unwrap();
    let listed = manifest["files"].as_array().unwrap();
    assert_eq!(listed.len(), 3, "{manifest}");
    for (file, has_pdf) in [(&a, true), (&b, true), (&failed, false)] {
        let entry = listed.iter().find(|e| e["id"] == file["id"]).expect("listed");
        assert_eq!(entry["status"], file["status"]);
        assert_eq!(entry["path"].is_string(), has_pdf, "{entry}");
    }
}

async fn share_links_are_rate_limited_per_client_address(db: Database) {
    let site = site().await;
    let app = spawn_app_with(db, |s| {
        s.render.allowed_addrs = vec![site];
        s.share_rate = "1,3".parse().unwrap();
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let (_, token) = app.signed_in_user().await;
    let user = app.user(&token);
    let file = rendered(&user, &format!("http://{site}/a"), "done").await;
    let link = share_link(&user, file["id"].as_str().unwrap(), 600).await;
    let open_from = |ip: &'static str| {
        app.client
            .get(app.url(&link))
            .header("x-forwarded-for", ip)
            .send()
    };
    // Guessing tokens from one address: a burst, then told to wait.
    let statuses: Vec<u16> = futures::future::join_all((0..8).map(|_| open_from("203.0.113.7")))
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 3, "{statuses:?}");
    let refused = open_from("203.0.113.7").await.unwrap();
    assert!(refused.headers().contains_key("retry-after"));
    assert_error(refused, 429, "rate_limited").await;
    // Someone else opening the link is not held back.
    assert_eq!(open_from("198.51.100.9").await.unwrap().status(), 200);
}
