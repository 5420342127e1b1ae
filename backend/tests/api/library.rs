//! The library over time: versions of a page, captured again with what was asked the first
//! time; tags and names a user gives files; listing by page and by tag. Each user sees only
//! their own.

use folio_testkit::api::{page, serve_pages, Api, JsonResponse};
use serde_json::{json, Value};

use crate::helpers::{assert_error, Database};
use crate::sharing::app_for;

crate::on_both_databases!(
    capturing_again_makes_the_next_version_with_the_same_options,
    tags_and_names_round_trip_filter_and_stay_private,
);

async fn recapture(user: &Api, id: &str) -> reqwest::Response {
    user.post(&format!("/api/v1/file/{id}/recapture"))
        .send()
        .await
        .unwrap()
}

async fn listed(user: &Api, query: &str) -> Vec<Value> {
    let page: Value = user.get(&format!("/api/v1/files?{query}")).json_value().await;
    page["files"].as_array().unwrap().clone()
}

async fn capturing_again_makes_the_next_version_with_the_same_options(db: Database) {
    let site =
        serve_pages(axum::Router::new().route("/a", page("<title>Versioned</title><p>Words</p>"))).await;
    let app = app_for(db, vec![site]).await;
    let (_, token) = app.signed_in_user().await;
    let user = app.user(&token);
    let url = format!("http://{site}/a");
    let options = json!({ "landscape": true, "margin": "1cm" });
    let first = user
        .requested_with(&json!({ "url": url, "options": options, "engine": "reader" }))
        .await;
    let first = user.wait_until_final(&first).await;
    assert_eq!(first["status"], "done", "{first}");
    assert_eq!(
        (first["version"].clone(), first["options"].clone()),
        (json!(1), options.clone())
    );
    assert_eq!(first["tags"], json!([]));

    let again = recapture(&user, first["id"].as_str().unwrap()).await;
    assert_eq!(again.status(), 202);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["status"], "queued");
    let second = user.wait_until_final(again["id"].as_str().unwrap()).await;
    assert_eq!(second["status"], "done", "{second}");
    assert_eq!(second["version"], 2);
    assert_eq!(second["options"], options, "asked exactly as the first time");
    assert_eq!(
        (second["engine"].clone(), second["source_url"].clone()),
        (json!("reader"), first["source_url"].clone())
    );
    // A plain request of the same page is its next version too; another page starts at 1.
    let third = user.requested(&url).await;
    let third = user.wait_until_final(&third).await;
    assert_eq!(
        (third["version"].clone(), third["options"].clone()),
        (json!(3), json!({}))
    );
    let other = user.requested(&format!("http://{site}/b")).await;
    assert_eq!(user.wait_until_final(&other).await["version"], 1);

    let query = format!("source_url={}", urlencode(first["source_url"].as_str().unwrap()));
    let versions = listed(&user, &query).await;
    let numbers: Vec<_> = versions.iter().map(|f| f["version"].as_u64().unwrap()).collect();
    assert_eq!(numbers, [3, 2, 1], "every version of the page, newest first");
    let first_page: Value = user
        .get(&format!("/api/v1/files?{query}&limit=2"))
        .json_value()
        .await;
    let cursor = first_page["next_cursor"].as_str().unwrap();
    assert_eq!(listed(&user, &format!("{query}&cursor={cursor}")).await.len(), 1);
    let bad = user
        .get("/api/v1/files?source_url=not%20a%20url")
        .send()
        .await
        .unwrap();
    assert_eq!(
        assert_error(bad, 422, "invalid_input").await["error"]["field"],
        "source_url"
    );

    // Another user can neither see nor capture this page's files.
    let (_, other_token) = app.signed_in_user().await;
    let stranger = app.user(&other_token);
    assert!(listed(&stranger, &query).await.is_empty());
    assert_error(
        recapture(&stranger, first["id"].as_str().unwrap()).await,
        404,
        "not_found",
    )
    .await;
    assert_error(
        recapture(&user, "00000000-0000-7000-8000-000000000000").await,
        404,
        "not_found",
    )
    .await;
}

async fn tags_and_names_round_trip_filter_and_stay_private(db: Database) {
    let site = serve_pages(axum::Router::new().route("/a", page("<title>Tagged</title><p>Words</p>"))).await;
    let app = app_for(db, vec![site]).await;
    let (_, token) = app.signed_in_user().await;
    let user = app.user(&token);
    let tagged = user.requested(&format!("http://{site}/a")).await;
    let plain = user.requested(&format!("http://{site}/b")).await;
    user.wait_until_final(&tagged).await;
    let relabel = |id: &str, body: Value| user.patch(&format!("/api/v1/file/{id}")).json(&body).send();
    // Listings read before each change (which the server may keep while nothing changes).
    assert!(listed(&user, "tag=work").await.is_empty());
    assert_eq!(listed(&user, "").await.len(), 2);

    let changed = relabel(
        &tagged,
        json!({ "tags": ["work", "to-read", "work"], "name": "  My name  " }),
    )
    .await
    .unwrap();
    assert_eq!(changed.status(), 200);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["tags"], json!(["to-read", "work"]), "distinct and sorted");
    assert_eq!(changed["name"], "My name");
    let got = user
        .files()
        .await
        .into_iter()
        .find(|f| f["id"] == tagged.as_str())
        .unwrap();
    assert_eq!(
        (got["tags"].clone(), got["name"].clone()),
        (json!(["to-read", "work"]), json!("My name"))
    );

    let with = listed(&user, "tag=work").await;
    assert_eq!(
        with.iter().map(|f| f["id"].clone()).collect::<Vec<_>>(),
        [json!(tagged)]
    );
    assert!(listed(&user, "tag=wor").await.is_empty());
    let both = format!("tag=work&source_url={}", urlencode(&format!("http://{site}/b")));
    assert!(listed(&user, &both).await.is_empty(), "filters combine");
    for (body, field) in [
        (json!({ "tags": ["Upper"] }), "tags"),
        (json!({ "tags": ["two words"] }), "tags"),
        (json!({ "tags": ["x".repeat(33)] }), "tags"),
        (
            json!({ "tags": (0..21).map(|n| format!("t{n}")).collect::<Vec<_>>() }),
            "tags",
        ),
        (json!({ "name": "   " }), "name"),
    ] {
        let refused = assert_error(relabel(&plain, body.clone()).await.unwrap(), 422, "invalid_input").await;
        assert_eq!(refused["error"]["field"], field, "{body}");
    }
    let bad_tag = user.get("/api/v1/files?tag=Not%20A%20Tag").send().await.unwrap();
    assert_eq!(
        assert_error(bad_tag, 422, "invalid_input").await["error"]["field"],
        "tag"
    );
    let cleared: Value = relabel(&tagged, json!({ "tags": [] }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (cleared["tags"].clone(), cleared["name"].clone()),
        (json!([]), json!("My name"))
    );
    assert!(
        listed(&user, "tag=work").await.is_empty(),
        "a listing after a change shows it"
    );
    relabel(&tagged, json!({ "tags": ["work"] })).await.unwrap();

    // Another user sees none of it and can change none of it.
    let (_, other_token) = app.signed_in_user().await;
    let stranger = app.user(&other_token);
    assert!(listed(&stranger, "tag=work").await.is_empty());
    let theirs = stranger
        .patch(&format!("/api/v1/file/{tagged}"))
        .json(&json!({ "tags": ["x"] }))
        .send()
        .await
        .unwrap();
    assert_error(theirs, 404, "not_found").await;
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
