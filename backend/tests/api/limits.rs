//! Limits a hostile client runs into: conversion requests per user, open event streams per
//! user, slow or idle connections.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{assert_error, spawn_app_with, Database};

#[tokio::test]
async fn event_streams_per_user_are_limited_and_freed_when_closed() {
    let app = spawn_app_with(Database::Sqlite, |s| s.max_event_streams = 3).await;
    let (_, token) = app.signed_in_user().await;
    let (_, other) = app.signed_in_user().await;
    let open = |token: String| {
        let client = app.client.clone();
        let url = app.url("/api/v1/events");
        async move { client.get(url).bearer_auth(token).send().await.unwrap() }
    };
    // 40 at once: exactly the limit is let in, whatever the interleaving.
    let attempts: Vec<_> = (0..40).map(|_| tokio::spawn(open(token.clone()))).collect();
    let mut streams = Vec::new();
    let mut refused = 0;
    for attempt in attempts {
        let response = attempt.await.unwrap();
        match response.status().as_u16() {
            200 => streams.push(response),
            429 => {
                assert_eq!(response.headers()["retry-after"], "5");
                assert_error(response, 429, "too_many_streams").await;
                refused += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!((streams.len(), refused), (3, 37));
    // Another user is not affected.
    assert_eq!(open(other).await.status(), 200);
    // Closing one stream frees its place.
    drop(streams.pop());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let response = open(token.clone()).await;
        if response.status() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "a closed stream never freed its place");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn slow_and_idle_connections_are_closed() {
    let app = spawn_app_with(Database::Sqlite, |s| {
        s.header_read_timeout = Duration::from_secs(1)
    })
    .await;
    let address = app.address.trim_start_matches("http://").to_owned();

    // Headers that never finish.
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let mut buffer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut buffer)).await;
    assert!(
        read.is_ok(),
        "the server kept a connection with unfinished headers open"
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    // A connection that says nothing at all.
    let mut idle = tokio::net::TcpStream::connect(&address).await.unwrap();
    let read = tokio::time::timeout(Duration::from_secs(10), idle.read_to_end(&mut buffer)).await;
    assert!(read.is_ok(), "the server kept a silent connection open");

    // A kept-alive connection after its request.
    let mut kept = tokio::net::TcpStream::connect(&address).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = vec![0u8; 1024];
    let n = kept.read(&mut answer).await.unwrap();
    assert!(String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 200"));
    let read = tokio::time::timeout(Duration::from_secs(10), kept.read_to_end(&mut buffer)).await;
    assert!(read.is_ok(), "the server kept an idle kept-alive connection open");
}

#[tokio::test]
async fn a_user_asking_faster_than_the_request_rate_waits_as_told_and_others_do_not() {
    let app = spawn_app_with(Database::Sqlite, |s| {
        s.request_rate = "1,3".parse().unwrap();
        // Nothing is rendered: the limit is on asking, whatever the queue does.
        s.render.allow_private = true;
    })
    .await;
    let (_, token) = app.signed_in_user().await;
    let (_, other) = app.signed_in_user().await;
    let ask = |token: &str| {
        let user = app.user(token);
        async move { user.request("http://127.0.0.1:9/page").await }
    };
    // 40 at once: the burst of 3 is let in, whatever the interleaving.
    let attempts: Vec<_> = (0..40).map(|_| ask(&token)).collect();
    let statuses: Vec<u16> = futures::future::join_all(attempts)
        .await
        .iter()
        .map(|response| response.status().as_u16())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 202).count(), 3, "{statuses:?}");
    let refused = ask(&token).await;
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        retry_after, 1,
        "one request a second: the next is at most a second away"
    );
    assert_error(refused, 429, "rate_limited").await;
    assert_eq!(
        ask(&other).await.status(),
        202,
        "another user has a bucket of their own"
    );
    // Reading the library is never throttled.
    for _ in 0..20 {
        assert_eq!(
            app.user(&token)
                .get("/api/v1/files")
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    assert_eq!(ask(&token).await.status(), 202, "let in after Retry-After");
}

#[tokio::test]
async fn a_batch_draws_on_the_same_request_rate_url_by_url() {
    let app = spawn_app_with(Database::Sqlite, |s| {
        s.request_rate = "1,3".parse().unwrap();
        s.render.allow_private = true;
    })
    .await;
    let (_, token) = app.signed_in_user().await;
    let user = app.user(&token);
    let batch = |count: usize| {
        let urls: Vec<String> = (0..count).map(|n| format!("http://127.0.0.1:9/{n}")).collect();
        user.post("/api/v1/requests")
            .json(&serde_json::json!({ "urls": urls }))
            .send()
    };
    let response = batch(5).await.unwrap();
    assert_eq!(response.status(), 202);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["files"].as_array().unwrap().len(), 3, "the burst: {body}");
    let rejected = body["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 2, "{body}");
    assert!(
        rejected.iter().all(|r| r["error"]["code"] == "rate_limited"),
        "{body}"
    );
    // Nothing left in the bucket: the whole batch is refused, with when to come back.
    let refused = batch(2).await.unwrap();
    assert!(refused.headers().contains_key("retry-after"));
    assert_error(refused, 429, "rate_limited").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(batch(1).await.unwrap().status(), 202, "let in after Retry-After");
}
