//! Folio's shared contract.
//!
//! Everything the backend (`folio`) and the worker (`bootstrap`) must agree on lives here, so
//! that the two deployables serialise the very same types: the domain newtypes that user input
//! is parsed into, the render options a job carries, and the names of the settings both binaries read.

pub mod domain;
pub mod jobs;
pub mod metrics;
pub mod ports;
pub mod render;
pub mod settings;

pub use domain::{Email, InvalidInput, PageUrl, Password, Tag, Tags};
pub use jobs::{FileRecord, FileStatus, RenderJob};
pub use render::{Engine, RenderOptions, Warning};
