//! Folio's backend: the HTTP API for accounts, sessions and each user's PDF library.
//!
//! `main` stays thin: it reads [`config::Settings`], installs [`telemetry`], and runs an
//! [`startup::Application`] until a signal arrives. Tests build the same application on port 0.

pub mod auth;
pub mod cli;
pub mod config;
pub mod error;
pub mod events;
pub mod extract;
pub mod library;
pub mod openapi;
pub mod request_rate;
pub mod routes;
pub mod schedules;
pub mod search;
pub mod serve;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod wake;
pub mod webhooks;

pub use config::Settings;
pub use folio_lambda::process::shutdown_signal;
pub use startup::Application;
