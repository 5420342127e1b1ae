use std::process::ExitCode;

use clap::{Parser, Subcommand};
use folio_backend::cli::RenderArgs;
use folio_backend::{shutdown_signal, telemetry, Application, Settings};

/// Folio turns web pages into PDFs and keeps them in each user's private library.
#[derive(Parser)]
#[command(name = "folio", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (the default). Configured by FOLIO_* environment variables.
    Serve,
    /// Render one page to a PDF file with the same engines and SSRF guard as the server.
    Render(Box<RenderArgs>),
}

#[tokio::main]
async fn main() -> ExitCode {
    match Cli::parse().command.unwrap_or(Command::Serve) {
        Command::Serve => serve().await,
        Command::Render(args) => {
            telemetry::init_quiet();
            folio_backend::cli::render(*args).await
        }
    }
}

async fn serve() -> ExitCode {
    let settings = match Settings::read(&folio_core::settings::Env::process()) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("folio: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_format);
    tracing::info!(?settings, "starting");
    let result = match Application::build(settings).await {
        Ok(app) => app.run_until_stopped(shutdown_signal()).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = ?e, "folio stopped with an error");
            eprintln!("folio: {e:#}");
            ExitCode::FAILURE
        }
    }
}
