//! When a token stops working: sign-out, expiry, password change, the single-session policy,
//! and every way a token can be forged or broken.

use std::time::Duration;

use base64::Engine;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{json, Value};

use crate::helpers::{assert_error, spawn_app, spawn_app_with, Database, PASSWORD, TEST_SECRET};
use folio_backend::config::SessionPolicy;

crate::on_both_databases!(
    token_stops_working_after_sign_out,
    token_stops_working_after_expiry,
    other_tokens_stop_working_after_a_password_change,
    single_session_policy_revokes_older_tokens_on_sign_in,
    multi_session_policy_keeps_older_tokens,
    forged_and_broken_tokens_get_401,
);

async fn token_stops_working_after_sign_out(db: Database) {
    let app = spawn_app(db).await;
    let (email, token) = app.signed_in_user().await;
    let other_device = app.token_for(&email, PASSWORD).await;
    assert_eq!(app.sign_out(&token).await.status(), 204);
    assert_error(app.me(&token).await, 401, "unauthorized").await;
    assert_error(app.sign_out(&token).await, 401, "unauthorized").await;
    assert_eq!(
        app.me(&other_device).await.status(),
        200,
        "only the presented token is revoked"
    );
}

async fn token_stops_working_after_expiry(db: Database) {
    let app = spawn_app_with(db, |s| s.token_ttl = Duration::from_secs(1)).await;
    let (_, token) = app.signed_in_user().await;
    assert_eq!(app.me(&token).await.status(), 200);
    tokio::time::sleep(Duration::from_millis(2200)).await;
    assert_error(app.me(&token).await, 401, "unauthorized").await;
}

async fn other_tokens_stop_working_after_a_password_change(db: Database) {
    let app = spawn_app(db).await;
    let (email, token) = app.signed_in_user().await;
    let laptop = app.token_for(&email, PASSWORD).await;
    assert_eq!(
        app.change_password(&token, PASSWORD, "new passphrase 123")
            .await
            .status(),
        204
    );
    assert_error(app.me(&laptop).await, 401, "unauthorized").await;
    assert_eq!(app.me(&token).await.status(), 200);
}

async fn single_session_policy_revokes_older_tokens_on_sign_in(db: Database) {
    let app = spawn_app_with(db, |s| s.session_policy = SessionPolicy::Single).await;
    let (email, first) = app.signed_in_user().await;
    let second = app.token_for(&email, PASSWORD).await;
    assert_error(app.me(&first).await, 401, "unauthorized").await;
    assert_eq!(app.me(&second).await.status(), 200);
}

async fn multi_session_policy_keeps_older_tokens(db: Database) {
    let app = spawn_app(db).await;
    let (email, first) = app.signed_in_user().await;
    let second = app.token_for(&email, PASSWORD).await;
    assert_eq!(app.me(&first).await.status(), 200);
    assert_eq!(app.me(&second).await.status(), 200);
}

async fn forged_and_broken_tokens_get_401(db: Database) {
    let app = spawn_app(db).await;
    let (_, token) = app.signed_in_user().await;
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let parts: Vec<&str> = token.split('.').collect();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap(),
    )
    .unwrap();

    let alg_none = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), parts[1]);
    let mut elevated = claims.clone();
    elevated["exp"] = json!(claims["exp"].as_i64().unwrap() + 1_000_000);
    let tampered = format!("{}.{}.{}", parts[0], b64(&elevated), parts[2]);
    let wrong_secret = jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(b"some-other-secret-0123456789abcdef"),
    )
    .unwrap();
    let mut past = claims.clone();
    past["iat"] = json!(1_000_000_000);
    past["exp"] = json!(1_000_000_060);
    let expired = jsonwebtoken::encode(
        &Header::default(),
        &past,
        &EncodingKey::from_secret(TEST_SECRET.as_bytes()),
    )
    .unwrap();
    let hs512 = jsonwebtoken::encode(
        &Header::new(jsonwebtoken::Algorithm::HS512),
        &claims,
        &EncodingKey::from_secret(TEST_SECRET.as_bytes()),
    )
    .unwrap();
    let mut never_issued = claims.clone();
    never_issued["jti"] = json!(uuid::Uuid::now_v7().to_string());
    let never_issued = jsonwebtoken::encode(
        &Header::default(),
        &never_issued,
        &EncodingKey::from_secret(TEST_SECRET.as_bytes()),
    )
    .unwrap();

    let cases: Vec<(String, &str)> = vec![
        (format!("Bearer {alg_none}"), "alg: none"),
        (format!("Bearer {tampered}"), "payload changed after signing"),
        (format!("Bearer {wrong_secret}"), "signed with another secret"),
        (format!("Bearer {expired}"), "expired"),
        (format!("Bearer {hs512}"), "another algorithm"),
        (
            format!("Bearer {never_issued}"),
            "validly signed but never issued",
        ),
        ("Bearer not.a.jwt".to_owned(), "garbage"),
        ("Bearer ".to_owned(), "empty token"),
        (format!("Token {token}"), "wrong scheme"),
        (format!("Basic {token}"), "basic scheme"),
        (token.clone(), "no scheme"),
        (format!("Bearer {}", "a".repeat(8000)), "huge token"),
    ];
    for (header, why) in cases {
        let response = app
            .client
            .get(app.url("/api/v1/auth/me"))
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{why}");
        let body: Value = response.json().await.unwrap_or_else(|e| panic!("{why}: {e}"));
        assert_eq!(body["error"]["code"], "unauthorized", "{why}");
    }
    let non_ascii = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .header(
            "authorization",
            reqwest::header::HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_error(non_ascii, 401, "unauthorized").await;
    assert_eq!(app.me(&token).await.status(), 200, "the real token still works");
}
