//! What every whole-system test does as a user: wait for the server, get an account and a token.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// A free loopback port for a server the test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until `folio` at `base` answers `/readyz` (its database is up too).
pub async fn wait_ready(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(response) = client.get(format!("{base}/readyz")).send().await {
            if response.status() == 200 {
                return;
            }
        }
        assert!(Instant::now() < deadline, "folio did not become ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Signs up `email` and signs in; the session token.
pub async fn sign_up_and_in(client: &reqwest::Client, base: &str, email: &str) -> String {
    let credentials = json!({ "email": email, "password": "correct horse battery" });
    let signed_up = client
        .post(format!("{base}/api/v1/auth/sign-up"))
        .json(&credentials)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_up.status(), 201);
    let session: Value = client
        .post(format!("{base}/api/v1/auth/sign-in"))
        .json(&credentials)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    session["token"].as_str().unwrap().to_owned()
}
