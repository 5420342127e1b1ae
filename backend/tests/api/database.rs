//! MySQL found the way production finds RDS: a host, and a Secrets Manager secret (moto) with
//! the credentials RDS manages; with a CA bundle, TLS that verifies the server, or nothing.

use folio_backend::store::managed::ManagedDatabase;
use folio_backend::{Application, Settings};
use secrecy::SecretString;
use sqlx::Connection;

use crate::helpers::{fresh_mysql_database, spawn_app_with, Database};

/// A fresh MariaDB database, and a secret in moto holding its credentials the way RDS does.
async fn managed_database(ca_file: Option<&str>) -> (ManagedDatabase, String) {
    let url = url::Url::parse(&fresh_mysql_database().await).unwrap();
    let secret_arn = folio_testkit::moto::rds_secret(
        &folio_testkit::moto::sdk_config().await,
        &format!("rds!db-{}", uuid::Uuid::new_v4()),
        &url,
    )
    .await;
    let database = ManagedDatabase {
        host: url.host_str().unwrap().to_owned(),
        port: url.port().unwrap_or(3306),
        name: url.path().trim_start_matches('/').to_owned(),
        secret_arn,
        ca_file: ca_file.map(Into::into),
    };
    (database, url.to_string())
}

#[tokio::test]
async fn the_database_is_reached_through_its_host_and_the_secret_rds_manages() {
    let (database, url) = managed_database(None).await;
    let app = spawn_app_with(Database::Sqlite, |s| s.managed_database = Some(database)).await;
    let (_, token) = app.signed_in_user().await;
    assert_eq!(app.me(&token).await.status(), 200);
    // The account is in that MySQL database, not in a SQLite file.
    let mut mysql = sqlx::MySqlConnection::connect(&url).await.unwrap();
    let (users,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(&mut mysql)
        .await
        .unwrap();
    assert_eq!(users, 1);
}

#[tokio::test]
async fn a_ca_bundle_means_verified_tls_or_no_connection_and_a_bad_secret_says_which() {
    // The local MariaDB has no certificate any public CA signed: with the bundle set, the
    // connection is refused rather than made in plain text.
    let (database, _) = managed_database(Some("/etc/ssl/certs/ca-certificates.crt")).await;
    let settings = |database| Settings {
        addr: "127.0.0.1:0".parse().unwrap(),
        data_dir: std::env::temp_dir(),
        jwt_secret: Some(SecretString::from("x".repeat(32))),
        managed_database: Some(database),
        ..Settings::default()
    };
    let sdk = Some(folio_testkit::moto::sdk_config().await);
    let err = Application::build_with_sdk(settings(database.clone()), sdk.clone())
        .await
        .err()
        .expect("no unverified connection");
    let message = format!("{err:#}").to_lowercase();
    assert!(
        message.contains("tls") || message.contains("ssl") || message.contains("certificate"),
        "{message}"
    );

    let missing = ManagedDatabase {
        secret_arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-missing".into(),
        ca_file: None,
        ..database
    };
    let err = Application::build_with_sdk(settings(missing), sdk)
        .await
        .err()
        .expect("no credentials");
    assert!(format!("{err:#}").contains("rds!db-missing"), "{err:#}");
}
