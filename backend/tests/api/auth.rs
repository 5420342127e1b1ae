//! Sign-up, sign-in, the current user and password changes.

use std::time::{Duration, Instant};

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use base64::Engine;
use serde_json::{json, Value};

use crate::helpers::{assert_error, spawn_app, spawn_app_with, unique_email, Database, PASSWORD};

crate::on_both_databases!(
    sign_up_returns_201_with_the_user_and_no_secrets,
    sign_up_with_a_taken_email_is_409_whatever_its_case,
    sign_up_rejects_bad_input_with_422_naming_the_field,
    closed_sign_up_is_403_with_a_reason,
    stored_password_is_an_argon2id_hash,
    sign_in_with_json_returns_a_bearer_token_and_the_user,
    sign_in_with_http_basic_credentials,
    wrong_password_and_unknown_user_get_the_same_401,
    sign_in_is_rate_limited_per_account_then_429_with_retry_after,
    parallel_wrong_passwords_are_checked_at_most_up_to_the_limit,
    sign_ups_per_address_are_limited,
    sign_in_is_rate_limited_per_client_address,
    forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy,
    me_returns_the_current_user,
    password_change_needs_the_current_password_and_a_strong_new_one,
);

async fn sign_up_returns_201_with_the_user_and_no_secrets(db: Database) {
    let app = spawn_app(db).await;
    let response = app.sign_up("  Ada@Example.COM ", PASSWORD).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["email"], "ada@example.com", "normalised");
    assert!(uuid::Uuid::parse_str(body["id"].as_str().unwrap()).is_ok());
    assert!(
        body["created_at"].as_str().unwrap().ends_with('Z'),
        "RFC 3339 UTC"
    );
    let text = body.to_string();
    for secret in ["password", PASSWORD, "argon2", "hash", "token"] {
        assert!(!text.contains(secret), "{secret} leaked in {text}");
    }
}

async fn sign_up_with_a_taken_email_is_409_whatever_its_case(db: Database) {
    let app = spawn_app(db).await;
    let email = unique_email();
    assert_eq!(app.sign_up(&email, PASSWORD).await.status(), 201);
    assert_error(app.sign_up(&email, "another password").await, 409, "email_taken").await;
    assert_error(
        app.sign_up(&email.to_uppercase(), PASSWORD).await,
        409,
        "email_taken",
    )
    .await;
}

async fn sign_up_rejects_bad_input_with_422_naming_the_field(db: Database) {
    let app = spawn_app(db).await;
    let cases = [
        (
            json!({"email": unique_email(), "password": "short"}),
            "password",
            "password under 8 characters",
        ),
        (
            json!({"email": unique_email(), "password": ""}),
            "password",
            "empty password",
        ),
        (
            json!({"email": unique_email(), "password": "x".repeat(2000)}),
            "password",
            "password over the maximum",
        ),
        (
            json!({"email": "not-an-email", "password": PASSWORD}),
            "email",
            "email without @",
        ),
        (
            json!({"email": "ada@localhost", "password": PASSWORD}),
            "email",
            "email without a domain dot",
        ),
        (json!({"email": "", "password": PASSWORD}), "email", "empty email"),
        (json!({"password": PASSWORD}), "email", "missing email"),
        (json!({"email": unique_email()}), "password", "missing password"),
        (
            json!({"email": 42, "password": PASSWORD}),
            "email",
            "email of the wrong type",
        ),
        (
            json!({"email": unique_email(), "password": ["x"]}),
            "password",
            "password of the wrong type",
        ),
        (
            json!({"email": unique_email(), "password": PASSWORD, "is_admin": true}),
            "is_admin",
            "unknown field",
        ),
    ];
    for (body, field, why) in cases {
        let response = app.post_json("/api/v1/auth/sign-up", &body).await;
        assert_eq!(response.status(), 422, "{why}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "invalid_input", "{why}");
        assert_eq!(error["error"]["field"], field, "{why}: {error}");
        let message = error["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(field),
            "{why}: the message names the field: {message}"
        );
    }
}

async fn closed_sign_up_is_403_with_a_reason(db: Database) {
    let app = spawn_app_with(db, |s| s.signup = folio_backend::config::SignupPolicy::Closed).await;
    let body = assert_error(app.sign_up(&unique_email(), PASSWORD).await, 403, "signup_closed").await;
    assert!(body["error"]["message"].as_str().unwrap().contains("closed"));
}

async fn stored_password_is_an_argon2id_hash(db: Database) {
    let app = spawn_app(db).await;
    let email = unique_email();
    assert_eq!(app.sign_up(&email, PASSWORD).await.status(), 201);
    let (hash,): (String,) = sqlx::query_as("SELECT password_hash FROM users WHERE email = ?")
        .bind(&email)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
    assert!(!hash.contains(PASSWORD));
    let parsed = PasswordHash::new(&hash).unwrap();
    assert!(Argon2::default()
        .verify_password(PASSWORD.as_bytes(), &parsed)
        .is_ok());
    assert!(Argon2::default()
        .verify_password(b"not the password", &parsed)
        .is_err());
}

async fn sign_in_with_json_returns_a_bearer_token_and_the_user(db: Database) {
    let app = spawn_app(db).await;
    let email = unique_email();
    app.sign_up(&email, PASSWORD).await;
    let response = app.sign_in(&email.to_uppercase(), PASSWORD).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["user"]["email"], email.as_str());
    assert!(body["user"].get("password_hash").is_none());
    let expires_at = time::OffsetDateTime::parse(
        body["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let lifetime = expires_at - time::OffsetDateTime::now_utc();
    assert!(
        lifetime > time::Duration::hours(23) && lifetime <= time::Duration::hours(24),
        "{lifetime}"
    );
    assert_eq!(app.me(body["token"].as_str().unwrap()).await.status(), 200);
}

async fn sign_in_with_http_basic_credentials(db: Database) {
    let app = spawn_app(db).await;
    let email = unique_email();
    app.sign_up(&email, PASSWORD).await;
    // What `curl -u email:password -X POST` sends: no body at all.
    let sign_in_with = |authorization: String| {
        let signing_in = app.client.post(app.url("/api/v1/auth/sign-in"));
        async move {
            signing_in
                .header("authorization", authorization)
                .send()
                .await
                .unwrap()
        }
    };
    let basic = |credentials: &str| {
        let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
        format!("Basic {encoded}")
    };
    let response = sign_in_with(basic(&format!("{email}:{PASSWORD}"))).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(app.me(body["token"].as_str().unwrap()).await.status(), 200);

    let wrong = sign_in_with(basic(&format!("{email}:wrong password"))).await;
    assert_error(wrong, 401, "invalid_credentials").await;
    let garbage = sign_in_with("Basic %%%not-base64".to_owned()).await;
    assert_error(garbage, 400, "bad_request").await;
    let no_colon = sign_in_with(basic("just-a-name")).await;
    assert_error(no_colon, 400, "bad_request").await;
}

async fn wrong_password_and_unknown_user_get_the_same_401(db: Database) {
    let app = spawn_app_with(db, |s| s.signin_max_failures = 1000).await;
    let email = unique_email();
    app.sign_up(&email, PASSWORD).await;

    let wrong_password = assert_error(
        app.sign_in(&email, "wrong password").await,
        401,
        "invalid_credentials",
    )
    .await;
    let unknown_user = assert_error(
        app.sign_in(&unique_email(), PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    let malformed_user =
        assert_error(app.sign_in("nobody", PASSWORD).await, 401, "invalid_credentials").await;
    assert_eq!(wrong_password, unknown_user, "identical bodies");
    assert_eq!(wrong_password, malformed_user, "identical bodies");

    // Without the dummy hash an unknown account answers in microseconds instead of tens of
    // milliseconds; the bound is loose so that machine noise cannot trip it.
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        app.sign_in(&email, "wrong password").await;
        known.push(started.elapsed());
        let started = Instant::now();
        app.sign_in(&unique_email(), "wrong password").await;
        unknown.push(started.elapsed());
    }
    known.sort();
    unknown.sort();
    let (known, unknown) = (known[3], unknown[3]);
    assert!(
        unknown.as_secs_f64() > known.as_secs_f64() * 0.4,
        "unknown user answered in {unknown:?}, wrong password in {known:?}"
    );
}

async fn sign_in_is_rate_limited_per_account_then_429_with_retry_after(db: Database) {
    // The defaults: ten failures in five minutes.
    let app = spawn_app_with(db, |s| s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    let email = unique_email();
    app.sign_up(&email, PASSWORD).await;
    let attacker = "198.51.100.7";
    for _ in 0..10 {
        assert_eq!(
            app.sign_in_from(attacker, &email, "wrong password")
                .await
                .status(),
            401
        );
    }
    // The attacker's address is stopped, even with the right password.
    let response = app.sign_in_from(attacker, &email, PASSWORD).await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&retry_after), "Retry-After {retry_after}");
    let body = assert_error(response, 429, "rate_limited").await;
    assert!(body["error"]["message"].as_str().unwrap().contains("try again"));

    // The owner, elsewhere, is not locked out of their own account by it.
    assert_eq!(
        app.sign_in_from("198.51.100.200", &email, PASSWORD)
            .await
            .status(),
        200
    );
}

async fn parallel_wrong_passwords_are_checked_at_most_up_to_the_limit(db: Database) {
    let app = spawn_app_with(db, |s| s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    let email = unique_email();
    app.sign_up(&email, PASSWORD).await;
    let attempts: Vec<_> = (0..40)
        .map(|_| {
            let client = app.client.clone();
            let url = app.url("/api/v1/auth/sign-in");
            let email = email.clone();
            tokio::spawn(async move {
                client
                    .post(url)
                    .header("x-forwarded-for", "198.51.100.9")
                    .json(&serde_json::json!({ "email": email, "password": "wrong password" }))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for attempt in attempts {
        *statuses.entry(attempt.await.unwrap()).or_default() += 1;
    }
    assert_eq!(statuses.get(&401), Some(&10), "{statuses:?}");
    assert_eq!(statuses.get(&429), Some(&30), "{statuses:?}");
}

async fn sign_ups_per_address_are_limited(db: Database) {
    let app = spawn_app_with(db, |s| {
        s.signup_max_per_ip = 3;
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let sign_up_from = |ip: &'static str, email: String| {
        let client = app.client.clone();
        let url = app.url("/api/v1/auth/sign-up");
        async move {
            client
                .post(url)
                .header("x-forwarded-for", ip)
                .json(&serde_json::json!({ "email": email, "password": PASSWORD }))
                .send()
                .await
                .unwrap()
        }
    };
    // A refused sign-up (the email is taken) does not count.
    let taken = unique_email();
    assert_eq!(sign_up_from("203.0.113.5", taken.clone()).await.status(), 201);
    assert_eq!(sign_up_from("203.0.113.5", taken).await.status(), 409);
    let attempts: Vec<_> = (0..20)
        .map(|_| tokio::spawn(sign_up_from("203.0.113.5", unique_email())))
        .collect();
    let mut created = 0;
    let mut last_refusal = None;
    for attempt in attempts {
        let response = attempt.await.unwrap();
        match response.status().as_u16() {
            201 => created += 1,
            429 => last_refusal = Some(response),
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(created, 2, "three accounts per address, one made before");
    let refusal = last_refusal.expect("the rest were refused");
    assert!(refusal.headers().contains_key("retry-after"));
    assert_error(refusal, 429, "rate_limited").await;
    assert_eq!(sign_up_from("203.0.113.6", unique_email()).await.status(), 201);
}

async fn sign_in_is_rate_limited_per_client_address(db: Database) {
    let app = spawn_app_with(db, |s| {
        s.signin_max_failures = 3;
        s.signin_window = Duration::from_secs(2);
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let victim = unique_email();
    app.sign_up(&victim, PASSWORD).await;
    for _ in 0..3 {
        // A sprayer trying a different account each time.
        assert_eq!(
            app.sign_in_from("203.0.113.7", &unique_email(), "guess")
                .await
                .status(),
            401
        );
    }
    assert_error(
        app.sign_in_from("203.0.113.7", &victim, PASSWORD).await,
        429,
        "rate_limited",
    )
    .await;
    assert_eq!(
        app.sign_in_from("203.0.113.8", &victim, PASSWORD).await.status(),
        200,
        "another address"
    );

    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        app.sign_in_from("203.0.113.7", &victim, PASSWORD).await.status(),
        200,
        "window passed"
    );
}

async fn forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(db: Database) {
    let app = spawn_app_with(db, |s| s.signin_max_failures = 3).await;
    let email = unique_email();
    app.sign_up(&email, PASSWORD).await;
    for attempt in 0..3 {
        let forged = format!("192.0.2.{attempt}");
        assert_eq!(
            app.sign_in_from(&forged, &unique_email(), "guess").await.status(),
            401
        );
    }
    // The forged header did not spread the failures over three addresses.
    assert_error(
        app.sign_in_from("192.0.2.99", &email, PASSWORD).await,
        429,
        "rate_limited",
    )
    .await;
}

async fn me_returns_the_current_user(db: Database) {
    let app = spawn_app(db).await;
    let (email, token) = app.signed_in_user().await;
    let response = app.me(&token).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["email"], email.as_str());
    assert!(body["id"].is_string() && body["created_at"].is_string());
    assert!(body.get("password_hash").is_none());

    let anonymous = app.get("/api/v1/auth/me").await;
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    assert_error(anonymous, 401, "unauthorized").await;
}

async fn password_change_needs_the_current_password_and_a_strong_new_one(db: Database) {
    let app = spawn_app(db).await;
    let (email, token) = app.signed_in_user().await;
    let new_password = "a brand new passphrase";

    assert_error(
        app.change_password(&token, "wrong current", new_password).await,
        403,
        "wrong_password",
    )
    .await;
    let weak = assert_error(
        app.change_password(&token, PASSWORD, "short").await,
        422,
        "invalid_input",
    )
    .await;
    assert_eq!(weak["error"]["field"], "new_password");
    let missing = app
        .user(&token)
        .post("/api/v1/auth/password")
        .json(&json!({ "new_password": new_password }))
        .send()
        .await
        .unwrap();
    let missing = assert_error(missing, 422, "invalid_input").await;
    assert_eq!(missing["error"]["field"], "current_password");
    let anonymous = app
        .client
        .post(app.url("/api/v1/auth/password"))
        .json(&json!({ "current_password": PASSWORD, "new_password": new_password }))
        .send()
        .await
        .unwrap();
    assert_error(anonymous, 401, "unauthorized").await;

    assert_eq!(
        app.change_password(&token, PASSWORD, new_password).await.status(),
        204
    );
    assert_error(app.sign_in(&email, PASSWORD).await, 401, "invalid_credentials").await;
    assert_eq!(app.sign_in(&email, new_password).await.status(), 200);
    assert_eq!(
        app.me(&token).await.status(),
        200,
        "the session that changed it stays signed in"
    );
}
