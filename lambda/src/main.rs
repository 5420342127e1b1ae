//! The render worker's entry point. The SQS handler and the `--poll` loop arrive with the jobs
//! work; until then the binary exists so that packaging and deployment can be built around it.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!(
        "bootstrap: the render worker is not implemented yet; see the jobs issue (folio-core {})",
        env!("CARGO_PKG_VERSION")
    );
    ExitCode::FAILURE
}
