//! The test MariaDB (`scripts/mariadb.sh` starts it and prints its URL).

use sqlx::Connection;

/// A new, empty database on the test MariaDB, so tests never see each other's rows; its URL.
pub async fn fresh_database() -> String {
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
