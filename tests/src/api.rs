//! Folio's API as a user's client speaks it: sign up and in, request pages, list, download and
//! delete files, watch them reach a final status. Every test that talks to a running `folio`
//! goes through this instead of writing the requests again.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Sending a request and reading its JSON body, where any failure fails the test.
pub trait JsonResponse {
    fn json_value(self) -> impl std::future::Future<Output = Value> + Send;
}

impl JsonResponse for reqwest::RequestBuilder {
    async fn json_value(self) -> Value {
        let response = self.send().await.expect("the request reached folio");
        response.json().await.expect("a JSON body")
    }
}

/// A client of one running `folio`, signed in once [`Api::sign_up_and_in`] has run.
#[derive(Clone)]
pub struct Api {
    pub client: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Api {
    pub fn new(base: impl Into<String>) -> Self {
        Self {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            base: base.into(),
            token: String::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Waits until `/readyz` answers 200 (the database is up too).
    pub async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(response) = self.client.get(self.url("/readyz")).send().await {
                if response.status() == 200 {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "folio did not become ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A client of the `folio` at `base` once it is ready, signed in as a new account `email`.
    pub async fn signed_in_at(base: impl Into<String>, email: &str) -> Self {
        let api = Self::new(base);
        api.wait_ready().await;
        api.sign_up_and_in(email).await
    }

    /// Creates the account `email` and signs in as it.
    pub async fn sign_up_and_in(mut self, email: &str) -> Self {
        let credentials = json!({ "email": email, "password": "correct horse battery" });
        let signed_up = self
            .client
            .post(self.url("/api/v1/auth/sign-up"))
            .json(&credentials)
            .send()
            .await
            .unwrap();
        assert_eq!(signed_up.status(), 201);
        let session: Value = self
            .client
            .post(self.url("/api/v1/auth/sign-in"))
            .json(&credentials)
            .json_value()
            .await;
        self.token = session["token"].as_str().unwrap().to_owned();
        self
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(&self.token)
    }

    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(self.url(path)).bearer_auth(&self.token)
    }

    pub fn patch(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.patch(self.url(path)).bearer_auth(&self.token)
    }

    pub fn delete(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.delete(self.url(path)).bearer_auth(&self.token)
    }

    /// `POST /api/v1/request` for `url`.
    pub async fn request(&self, url: &str) -> reqwest::Response {
        self.request_with(&json!({ "url": url })).await
    }

    /// `POST /api/v1/request` with `body` as it is.
    pub async fn request_with(&self, body: &Value) -> reqwest::Response {
        self.post("/api/v1/request").json(body).send().await.unwrap()
    }

    /// Requests `url`, which must be accepted; the new file's id.
    pub async fn requested(&self, url: &str) -> String {
        self.requested_with(&json!({ "url": url })).await
    }

    /// Requests `body`, which must be accepted; the new file's id.
    pub async fn requested_with(&self, body: &Value) -> String {
        let response = self.request_with(body).await;
        assert_eq!(response.status(), 202, "request {body}");
        response.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The caller's files, newest first.
    pub async fn files(&self) -> Vec<Value> {
        let files: Value = self.get("/api/v1/files").json_value().await;
        files["files"].as_array().cloned().unwrap_or_default()
    }

    pub async fn file(&self, id: &str) -> Option<Value> {
        self.files().await.into_iter().find(|f| f["id"] == id)
    }

    /// Waits until `until` holds for the file `id` (or its absence), up to 90 s.
    pub async fn wait_for_file(
        &self,
        id: &str,
        what: &str,
        until: impl Fn(Option<&Value>) -> bool,
    ) -> Option<Value> {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let file = self.file(id).await;
            if until(file.as_ref()) {
                return file;
            }
            assert!(Instant::now() < deadline, "file {id} never {what}: {file:?}");
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Waits until the file `id` is `done` or `failed`; the file.
    pub async fn wait_until_final(&self, id: &str) -> Value {
        self.wait_for_file(id, "finished", |f| {
            f.is_some_and(|f| f["status"] == "done" || f["status"] == "failed")
        })
        .await
        .unwrap()
    }

    pub async fn download(&self, id: &str) -> reqwest::Response {
        self.get(&format!("/api/v1/file/{id}")).send().await.unwrap()
    }

    pub async fn delete_file(&self, id: &str) -> reqwest::Response {
        self.delete(&format!("/api/v1/file/{id}")).send().await.unwrap()
    }

    pub async fn delete_account(&self) -> reqwest::Response {
        self.delete("/api/v1/auth/me").send().await.unwrap()
    }

    /// `GET /api/v1/events`, streaming.
    pub async fn events(&self) -> reqwest::Response {
        reqwest::Client::new()
            .get(self.url("/api/v1/events"))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }
}

/// A route answering with `html`, for the pages tests serve.
pub fn page<S: Clone + Send + Sync + 'static>(html: &'static str) -> axum::routing::MethodRouter<S> {
    axum::routing::get(move || async move { axum::response::Html(html) })
}

/// A route answering 404, for a page that is gone.
pub fn gone<S: Clone + Send + Sync + 'static>() -> axum::routing::MethodRouter<S> {
    axum::routing::get(|| async { (axum::http::StatusCode::NOT_FOUND, "gone") })
}

/// Serves `pages` on a free port of 127.0.0.1 for as long as the test runs; its address.
pub async fn serve_pages(pages: axum::Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, pages).await.unwrap() });
    addr
}

/// A free loopback port for a server the test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
