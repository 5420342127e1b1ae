//! Search inside every PDF, and what versions say about a page: a word found only inside the
//! rendered page (not in its address or name), with a snippet; whether a page's text changed
//! since its previous version; a PDF served as such kept byte for byte and searchable. Each user
//! searches only their own files, and a deleted file is gone from results at once.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::response::Html;
use folio_testkit::api::{page, serve_pages, Api, JsonResponse};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::{assert_error, Database};
use crate::sharing::{app_for, rendered};

crate::on_both_databases!(
    search_finds_words_inside_pages_with_snippets_and_stays_private,
    changed_says_whether_the_text_differs_from_the_previous_version,
    a_url_serving_a_pdf_is_kept_as_served_and_searchable,
);

async fn search(user: &Api, query: &str) -> Value {
    user.get(&format!("/api/v1/files?{query}")).json_value().await
}

fn ids(page: &Value) -> Vec<&str> {
    page["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect()
}

async fn search_finds_words_inside_pages_with_snippets_and_stays_private(db: Database) {
    let site = serve_pages(
        axum::Router::new()
            .route(
                "/article",
                page("<title>Plain title</title><p>Opening words.</p><p>The zanzibarquokka naps at the Café Crème after lunch.</p>"),
            )
            .route("/other", page("<title>Other title</title><p>Nothing to see here.</p>")),
    )
    .await;
    let app = app_for(db, vec![site]).await;
    let (_, token) = app.signed_in_user().await;
    let user = app.user(&token);
    let article = rendered(&user, &format!("http://{site}/article"), "done").await;
    let other = rendered(&user, &format!("http://{site}/other"), "done").await;
    let article_id = article["id"].as_str().unwrap().to_owned();

    let found = search(&user, "q=zanzibarquokka").await;
    assert_eq!(ids(&found), [&article_id], "{found}");
    let snippet = found["files"][0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("zanzibarquokka naps"), "{snippet}");
    assert_eq!(found["files"][0]["status"], "done");
    // Prefix on the last word, any case, any accents; words in any order.
    for query in [
        "q=ZANZIBARQ",
        "q=creme%20cafe",
        "q=caf%C3%A9%20zanzibarquokka",
        "q=Cr%C3%A8me",
    ] {
        assert_eq!(ids(&search(&user, query).await), [&article_id], "{query}");
    }
    assert!(ids(&search(&user, "q=zanzibarquokkas").await).is_empty());
    // The name and address are searched too.
    assert_eq!(
        ids(&search(&user, "q=other%20title").await),
        [other["id"].as_str().unwrap()]
    );
    // Nothing a user types is an error: operators, quotes, stars and nothing at all.
    for query in [
        "q=%22",
        "q=*",
        "q=NEAR(zanzibarquokka",
        "q=-",
        "q=%22zanzibarquokka%22%20OR",
        "q=",
    ] {
        let response = user.get(&format!("/api/v1/files?{query}")).send().await.unwrap();
        assert_eq!(response.status(), 200, "{query}");
    }
    assert_eq!(ids(&search(&user, "q=%22zanzibarquokka%22").await), [&article_id]);
    let too_long = user
        .get(&format!("/api/v1/files?q={}", "a".repeat(201)))
        .send()
        .await
        .unwrap();
    assert_eq!(
        assert_error(too_long, 422, "invalid_input").await["error"]["field"],
        "q"
    );

    // Combined with tags, pages and the cursor.
    user.patch(&format!("/api/v1/file/{article_id}"))
        .json(&json!({ "tags": ["zoo"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(ids(&search(&user, "q=title&tag=zoo").await), [&article_id]);
    assert!(ids(&search(&user, "q=nothing&tag=zoo").await).is_empty());
    let first = search(&user, "q=title&limit=1").await;
    assert_eq!(ids(&first).len(), 1);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = search(&user, &format!("q=title&limit=1&cursor={cursor}")).await;
    assert_eq!(ids(&second).len(), 1);
    assert_ne!(ids(&first), ids(&second));
    assert_eq!(second["next_cursor"], Value::Null);
    // A renamed file is found by its new name.
    user.patch(&format!("/api/v1/file/{article_id}"))
        .json(&json!({ "name": "Holiday plans" }))
        .send()
        .await
        .unwrap();
    assert_eq!(ids(&search(&user, "q=holiday").await), [&article_id]);

    // Another user finds nothing of it.
    let (_, stranger_token) = app.signed_in_user().await;
    let stranger = app.user(&stranger_token);
    assert!(ids(&search(&stranger, "q=zanzibarquokka").await).is_empty());

    // Deleted: gone from results at once.
    assert_eq!(user.delete_file(&article_id).await.status(), 204);
    assert!(ids(&search(&user, "q=zanzibarquokka").await).is_empty());
}

async fn changed_says_whether_the_text_differs_from_the_previous_version(db: Database) {
    let text = Arc::new(Mutex::new("Price: 10 EUR".to_owned()));
    let site = serve_pages(
        axum::Router::new()
            .route(
                "/price",
                axum::routing::get(|State(text): State<Arc<Mutex<String>>>| async move {
                    let text = text.lock().unwrap().clone();
                    Html(format!("<title>Shop</title><p>{text}</p>"))
                }),
            )
            .route(
                "/old",
                axum::routing::get(|| async { axum::response::Redirect::temporary("/price") }),
            )
            .with_state(text.clone()),
    )
    .await;
    let app = app_for(db, vec![site]).await;
    let (_, token) = app.signed_in_user().await;
    let user = app.user(&token);
    let first = rendered(&user, &format!("http://{site}/price"), "done").await;
    assert_eq!(first["changed"], Value::Null, "nothing to compare version 1 with");
    // Where it came from and when.
    assert_eq!(first["final_url"], format!("http://{site}/price"));
    assert_eq!(first["http_status"], 200);
    let captured = time::OffsetDateTime::parse(
        first["captured_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let created = time::OffsetDateTime::parse(
        first["created_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(captured >= created.replace_nanosecond(0).unwrap(), "{first}");
    let downloaded = user
        .download(first["id"].as_str().unwrap())
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(first["sha256"], hex::encode(Sha256::digest(&downloaded)));

    let again = |id: &str| {
        let path = format!("/api/v1/file/{id}/recapture");
        let user = &user;
        async move {
            let queued: Value = user.post(&path).send().await.unwrap().json().await.unwrap();
            user.wait_until_final(queued["id"].as_str().unwrap()).await
        }
    };
    let same = again(first["id"].as_str().unwrap()).await;
    assert_eq!(
        (same["version"].clone(), same["changed"].clone()),
        (json!(2), json!(false)),
        "{same}"
    );
    *text.lock().unwrap() = "Price: 12 EUR".to_owned();
    let changed = again(first["id"].as_str().unwrap()).await;
    assert_eq!(
        (changed["version"].clone(), changed["changed"].clone()),
        (json!(3), json!(true)),
        "{changed}"
    );
    assert_eq!(search(&user, "q=12%20eur").await["files"][0]["id"], changed["id"]);
    let moved = rendered(&user, &format!("http://{site}/old"), "done").await;
    assert_eq!(
        (moved["source_url"].clone(), moved["final_url"].clone()),
        (
            json!(format!("http://{site}/old")),
            json!(format!("http://{site}/price"))
        )
    );
}

async fn a_url_serving_a_pdf_is_kept_as_served_and_searchable(db: Database) {
    let article = folio_render::reader::Article {
        title: Some("Annual report".into()),
        blocks: vec![folio_render::reader::Block::Paragraph(
            "Revenue grew thanks to the platypusfactor across every region.".into(),
        )],
        ..Default::default()
    };
    let served: &'static [u8] = Box::leak(
        folio_render::reader::typeset(&article, "http://example.test/", &Default::default())
            .unwrap()
            .into_boxed_slice(),
    );
    let site = serve_pages(axum::Router::new().route(
        "/report.pdf",
        axum::routing::get(move || async move { ([("content-type", "application/pdf")], served) }),
    ))
    .await;
    let app = app_for(db, vec![site]).await;
    let (_, token) = app.signed_in_user().await;
    let user = app.user(&token);
    for engine in ["chromium", "reader"] {
        let id = user
            .requested_with(&json!({ "url": format!("http://{site}/report.pdf"), "engine": engine }))
            .await;
        let file = user.wait_until_final(&id).await;
        assert_eq!(file["status"], "done", "{file}");
        let downloaded = user.download(&id).await.bytes().await.unwrap();
        assert_eq!(&downloaded[..], served, "{engine}: kept byte for byte");
        assert_eq!(file["sha256"], hex::encode(Sha256::digest(served)));
        assert_eq!(file["name"], "report.pdf");
        assert_eq!(file["pages"], 1);
    }
    let found = search(&user, "q=platypusfactor").await;
    assert_eq!(ids(&found).len(), 2, "{found}");
    assert!(found["files"][0]["snippet"]
        .as_str()
        .unwrap()
        .contains("platypusfactor"));
}
