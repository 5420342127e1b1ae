//! The relational store: one code path for SQLite (embedded) and MySQL/MariaDB (AWS mode).
//!
//! Queries go through sqlx's `Any` driver with `?` placeholders, which both dialects accept.
//! Columns use only types every dialect maps the same way (text, 64-bit integers); timestamps
//! are Unix seconds. Migrations are embedded per dialect because DDL is where they differ.

pub mod keys;
pub mod managed;
pub mod schedules;
pub mod search;
pub mod sessions;
pub mod shares;
pub mod users;
pub mod webhooks;

use std::path::Path;
use std::str::FromStr;
use std::sync::Once;
use std::time::Duration;

use anyhow::Context;
use secrecy::ExposeSecret;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

use crate::config::Settings;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    MySql,
}

/// Statements at debug level, slow ones as warnings.
pub(crate) fn logged(options: AnyConnectOptions) -> AnyConnectOptions {
    options
        .log_statements(tracing::log::LevelFilter::Debug)
        .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(1))
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub dialect: Dialect,
}

impl Db {
    /// Connects and brings the schema up to date. `sdk` reaches Secrets Manager for a managed
    /// database's credentials.
    pub async fn connect(settings: &Settings, sdk: Option<&aws_config::SdkConfig>) -> anyhow::Result<Self> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);

        let mut managed = None;
        let (options, dialect) = match (&settings.managed_database, &settings.database_url) {
            (Some(database), _) => {
                let sdk = match sdk {
                    Some(sdk) => sdk.clone(),
                    None => folio_aws::sdk_config().await,
                };
                let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
                let credentials = managed::Credentials::read(&secrets, &database.secret_arn).await?;
                let options = database.connect_options(&credentials)?;
                managed = Some((database.clone(), secrets, credentials));
                (options, Dialect::MySql)
            }
            (None, url) => {
                let url = match url {
                    Some(url) => url.expose_secret().to_owned(),
                    None => sqlite_url(&settings.data_dir)?,
                };
                let dialect = if url.starts_with("mysql:") {
                    Dialect::MySql
                } else {
                    Dialect::Sqlite
                };
                let options =
                    AnyConnectOptions::from_str(&url).context("DATABASE_URL is not a valid database URL")?;
                (options, dialect)
            }
        };
        let options = logged(options);
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
        if let Some((database, secrets, credentials)) = managed {
            managed::keep_credentials_fresh(pool.clone(), database, secrets, credentials);
        }
        let migrator = match dialect {
            Dialect::Sqlite => &folio_sql::SQLITE_MIGRATIONS,
            Dialect::MySql => &folio_sql::MYSQL_MIGRATIONS,
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
    private_dir(data_dir)?;
    let path = data_dir.join("folio.db");
    // Created 0600 before SQLite opens it: SQLite gives its -wal and -shm files the same mode.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(&path)
        .with_context(|| format!("could not create {}", path.display()))?;
    #[cfg(unix)]
    for file in ["folio.db", "folio.db-wal", "folio.db-shm"] {
        use std::os::unix::fs::PermissionsExt;
        let file = data_dir.join(file);
        if file.exists() {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                .with_context(|| format!("could not make {} private", file.display()))?;
        }
    }
    let path = path
        .to_str()
        .context("the data directory path is not valid UTF-8")?;
    Ok(format!("sqlite://{path}?mode=rwc"))
}

/// Creates the data directory, or tightens an existing one, so that only Folio's user can read
/// it (0700): it holds the database, the signing secret and every user's PDFs.
pub fn private_dir(dir: &Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("could not create the data directory {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("could not make {} private", dir.display()))?;
    }
    Ok(())
}

/// Now, in Unix milliseconds: for the work tables whose due times can be under a second apart.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Now, as stored: Unix seconds.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
