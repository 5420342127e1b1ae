//! `spawn_app` and `TestApp`: what every API test starts from.

use std::sync::Once;
use std::time::Duration;

use folio_backend::config::Settings;
use folio_backend::store::Db;
use folio_backend::{telemetry, Application};
use secrecy::SecretString;
use serde_json::{json, Value};
use sqlx::Connection;
use tokio::sync::oneshot;

pub const TEST_SECRET: &str = "test-secret-0123456789abcdef0123456789abcdef";
pub const PASSWORD: &str = "correct horse battery staple";

#[derive(Debug, Clone, Copy)]
pub enum Database {
    Sqlite,
    MySql,
}

/// Runs each listed test once per database: `mod sqlite { fn x() }` and `mod mysql { fn x() }`.
#[macro_export]
macro_rules! on_both_databases {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test($crate::helpers::Database::Sqlite).await
                }
            )*
        }
        mod mysql {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test($crate::helpers::Database::MySql).await
                }
            )*
        }
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

/// A new, empty database on the local MariaDB, so tests never see each other's rows.
pub async fn fresh_mysql_database() -> String {
    let server = std::env::var("FOLIO_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://folio:folio@127.0.0.1:3306".to_owned());
    let server = server.trim_end_matches('/');
    let mut admin = sqlx::MySqlConnection::connect(&format!("{server}/folio"))
        .await
        .unwrap_or_else(|e| {
            panic!(
                "MariaDB is not reachable at {server} ({e}). `make test` starts it; \
                 or run scripts/mariadb.sh, or point FOLIO_TEST_MYSQL_URL at a server"
            )
        });
    let name = format!("folio_test_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE `{name}`"))
        .execute(&mut admin)
        .await
        .expect("create test database");
    format!("{server}/{name}")
}

pub fn unique_email() -> String {
    format!("user-{}@example.com", uuid::Uuid::new_v4().simple())
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
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

    pub async fn me(&self, token: &str) -> reqwest::Response {
        self.client
            .get(self.url("/api/v1/auth/me"))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    pub async fn sign_out(&self, token: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/sign-out"))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    pub async fn change_password(&self, token: &str, current: &str, new: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/password"))
            .bearer_auth(token)
            .json(&json!({ "current_password": current, "new_password": new }))
            .send()
            .await
            .expect("request")
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
