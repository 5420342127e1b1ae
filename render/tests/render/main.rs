//! Renderer tests against pages served by the test itself on 127.0.0.1, with real Chromium.
//! PDFs are checked for real: parsed, measured, and their text extracted with `pdftotext`.

mod site;

mod chromium;
mod clean;
mod guard;
mod reader;
mod recovery;
mod screenshot;
mod structure;
mod text;
mod warnings;
