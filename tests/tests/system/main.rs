//! Whole-system tests, one binary: each module runs Folio's real executables.

mod download;
mod faults;
mod iam;
mod journey;
mod lambda;
mod metrics;
mod run_command;
mod schedules;
mod survival;
