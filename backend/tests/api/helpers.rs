//! `spawn_app` and `TestApp`: what every API test starts from.

use std::sync::Once;
use std::time::Duration;

use folio_backend::config::Settings;
use folio_backend::store::Db;
use folio_backend::{telemetry, Application};
use folio_testkit::api::Api;
use secrecy::SecretString;
use serde_json::{json, Value};
use tokio::sync::oneshot;

pub const TEST_SECRET: &str = "test-secret-0123456789abcdef0123456789abcdef";
pub const PASSWORD: &str = "correct horse battery staple";

#[derive(Debug, Clone, Copy)]
pub enum Database {
    Sqlite,
    MySql,
}

/// Runs each test once per implementation: `on_each!([module => argument, …] [test, …])`
/// makes `module::test`, calling `test(argument)`, for every pair.
#[macro_export]
macro_rules! on_each {
    ([$($module:ident => $argument:expr),+ $(,)?] $tests:tt) => {
        $( $crate::on_each!(@module $module, $argument, $tests); )+
    };
    (@module $module:ident, $argument:expr, [$($test:ident),* $(,)?]) => {
        mod $module {
            $( #[tokio::test] async fn $test() { super::$test($argument).await } )*
        }
    };
}

/// Runs each listed test once per database: `mod sqlite { fn x() }` and `mod mysql { fn x() }`.
#[macro_export]
macro_rules! on_both_databases {
    ($($test:ident),* $(,)?) => {
        $crate::on_each!(
            [sqlite => $crate::helpers::Database::Sqlite, mysql => $crate::helpers::Database::MySql]
            [$($test),*]
        );
    };
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub data_dir: tempfile::TempDir,
    _shutdown: oneshot::Sender<()>,
}

pub async fn spawn_app(database: Database) -> TestApp {
    spawn_app_with(database, |_| {}).await
}

pub async fn spawn_app_with(database: Database, configure: impl FnOnce(&mut Settings)) -> TestApp {
    static LOGS: Once = Once::new();
    LOGS.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            telemetry::init(folio_backend::config::LogFormat::Pretty);
        }
    });

    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings {
        addr: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.path().to_path_buf(),
        jwt_secret: Some(SecretString::from(TEST_SECRET)),
        ..Settings::default()
    };
    if let Database::MySql = database {
        settings.database_url = Some(SecretString::from(fresh_mysql_database().await));
    }
    configure(&mut settings);

    // AWS mode in tests only ever talks to moto, never to the SDK's default endpoints.
    let sdk = match settings.aws.any() || settings.managed_database.is_some() {
        true => Some(folio_testkit::moto::sdk_config().await),
        false => None,
    };
    let app = Application::build_with_sdk(settings.clone(), sdk)
        .await
        .expect("application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let db = app.state().db.clone();
    let (shutdown, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    TestApp {
        address,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
        db,
        data_dir,
        _shutdown: shutdown,
    }
}

/// A migrated database with no application (and so no in-process worker) attached: for tests
/// that drive a port directly and must be the only ones touching it.
pub async fn bare_db(database: Database) -> (Db, tempfile::TempDir) {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings {
        data_dir: data_dir.path().to_path_buf(),
        ..Settings::default()
    };
    if let Database::MySql = database {
        settings.database_url = Some(SecretString::from(fresh_mysql_database().await));
    }
    let db = Db::connect(&settings, None).await.expect("database");
    (db, data_dir)
}

pub use folio_testkit::mariadb::fresh_database as fresh_mysql_database;

pub fn unique_email() -> String {
    format!("user-{}@example.com", uuid::Uuid::new_v4().simple())
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// An unauthenticated `GET`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn sign_up(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_json(
            "/api/v1/auth/sign-up",
            &json!({ "email": email, "password": password }),
        )
        .await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_json(
            "/api/v1/auth/sign-in",
            &json!({ "email": email, "password": password }),
        )
        .await
    }

    /// Signs in from a given client address, as the trusted proxy would report it.
    pub async fn sign_in_from(&self, ip: &str, email: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/sign-in"))
            .header("x-forwarded-for", ip)
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("request")
    }

    /// A new account, signed in: `(email, token)`.
    pub async fn signed_in_user(&self) -> (String, String) {
        let email = unique_email();
        assert_eq!(self.sign_up(&email, PASSWORD).await.status(), 201);
        let token = self.token_for(&email, PASSWORD).await;
        (email, token)
    }

    pub async fn token_for(&self, email: &str, password: &str) -> String {
        let response = self.sign_in(email, password).await;
        assert_eq!(response.status(), 200, "sign-in of {email}");
        let body: Value = response.json().await.unwrap();
        body["token"].as_str().expect("token").to_owned()
    }

    /// The test kit's client, signed in as the holder of `token`.
    pub fn user(&self, token: &str) -> Api {
        Api {
            client: self.client.clone(),
            base: self.address.clone(),
            token: token.to_owned(),
        }
    }

    pub async fn me(&self, token: &str) -> reqwest::Response {
        self.user(token)
            .get("/api/v1/auth/me")
            .send()
            .await
            .expect("request")
    }

    pub async fn sign_out(&self, token: &str) -> reqwest::Response {
        let signing_out = self.user(token).post("/api/v1/auth/sign-out");
        signing_out.send().await.expect("request")
    }

    pub async fn change_password(&self, token: &str, current: &str, new: &str) -> reqwest::Response {
        let change = json!({ "current_password": current, "new_password": new });
        let changing = self.user(token).post("/api/v1/auth/password").json(&change);
        changing.send().await.expect("request")
    }
}

/// Asserts the uniform error body and returns it.
pub async fn assert_error(response: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status(), status, "status");
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(
        content_type.starts_with("application/json"),
        "JSON error body, got {content_type:?}"
    );
    let body: Value = response.json().await.expect("JSON body");
    assert_eq!(body["error"]["code"], code, "code in {body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "a message in {body}");
    body
}
