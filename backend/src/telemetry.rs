//! Logging: pretty on a terminal, JSON where logs are collected (`FOLIO_LOG_FORMAT=json`).
//! Shared with the worker binary.

pub use folio_lambda::process::{init, init_quiet};
