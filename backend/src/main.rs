use std::process::ExitCode;

use clap::{Parser, Subcommand};
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
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("folio: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_format);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
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

async fn serve(settings: Settings) -> anyhow::Result<()> {
    tracing::info!(?settings, "starting");
    Application::build(settings)
        .await?
        .run_until_stopped(shutdown_signal())
        .await
}
