//! The relational store: one code path for SQLite (embedded) and MySQL/MariaDB (AWS mode).
//!
//! Queries go through sqlx's `Any` driver with `?` placeholders, which both dialects accept.
//! Columns use only types every dialect maps the same way (text, 64-bit integers); timestamps
//! are Unix seconds. Migrations are embedded per dialect because DDL is where they differ.

pub mod sessions;
pub mod users;

use std::path::Path;
use std::str::FromStr;
use std::sync::Once;
use std::time::Duration;

use anyhow::Context;
use secrecy::ExposeSecret;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, ConnectOptions, Executor};

use crate::config::Settings;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static MYSQL_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/mysql");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    MySql,
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub dialect: Dialect,
}

impl Db {
    /// Connects and brings the schema up to date.
    pub async fn connect(settings: &Settings) -> anyhow::Result<Self> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);

        let url = match &settings.database_url {
            Some(url) => url.expose_secret().to_owned(),
            None => sqlite_url(&settings.data_dir)?,
        };
        let dialect = if url.starts_with("mysql:") {
            Dialect::MySql
        } else {
            Dialect::Sqlite
        };
        let options = AnyConnectOptions::from_str(&url)
            .context("DATABASE_URL is not a valid database URL")?
            .log_statements(tracing::log::LevelFilter::Debug)
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(1));
        let pool = AnyPoolOptions::new()
            .max_connections(if dialect == Dialect::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        // WAL lets readers run beside the writer; the busy timeout makes a second
                        // writer wait for the lock instead of failing at once.
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .context("could not connect to the database")?;
        let migrator = match dialect {
            Dialect::Sqlite => &SQLITE_MIGRATIONS,
            Dialect::MySql => &MYSQL_MIGRATIONS,
        };
        migrator
            .run(&pool)
            .await
            .context("could not migrate the database")?;
        Ok(Self { pool, dialect })
    }

    /// Whether the database answers, for `/readyz`.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ())
    }
}

fn sqlite_url(data_dir: &Path) -> anyhow::Result<String> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("could not create the data directory {}", data_dir.display()))?;
    let path = data_dir.join("folio.db");
    let path = path
        .to_str()
        .context("the data directory path is not valid UTF-8")?;
    Ok(format!("sqlite://{path}?mode=rwc"))
}

/// Now, as stored: Unix seconds.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
