//! Folio's SQL adapters, beside the schema they query: the embedded job queue (rows with
//! SQS-like leases), the file index, and the local object store, for SQLite (the embedded
//! default) and MySQL/MariaDB, all through sqlx's `Any` driver
//! (`docs/decisions/0005-sqlx-any.md`). The migrations here create every table Folio keeps in
//! SQL, the backend's accounts and sessions included.

use sqlx::migrate::Migrator;

mod index;
mod local;
mod queue;

pub use index::SqlFileIndex;
pub use local::LocalStore;
pub use queue::SqlQueue;

/// The schema for SQLite.
pub static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
/// The schema for MySQL and MariaDB (DDL is where the dialects differ).
pub static MYSQL_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/mysql");
