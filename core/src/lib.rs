//! Folio's shared contract.
//!
//! Everything the backend (`folio`) and the worker (`bootstrap`) must agree on lives here, so
//! that the two deployables serialise the very same types: the domain newtypes that user input
//! is parsed into, and the names of the settings both binaries read.

pub mod domain;
pub mod settings;

pub use domain::{Email, InvalidInput, Password};
