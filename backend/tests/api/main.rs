//! Black-box API tests: the real application on port 0, against SQLite and a real MariaDB.
//! One binary for the whole suite keeps link times down.

mod helpers;

mod auth;
mod aws;
mod capture;
mod cli;
mod database;
mod errors;
mod file_index;
mod files;
mod health;
mod library;
mod limits;
mod openapi;
mod queue;
mod schedules;
mod search;
mod sessions;
mod sharing;
mod spa;
mod store;
mod upload;
mod usage_totals;
mod viewing;
mod webhooks;
