//! `bootstrap`: the render worker. Inside AWS Lambda it handles SQS events; with `--poll`, or
//! anywhere else, it long-polls the SQS queue itself, as a plain process or a Deployment.

use std::process::ExitCode;
use std::sync::Arc;

use folio_core::settings::{self, AwsTargets};
use folio_render::{RenderSettings, Renderer};
use folio_worker::process::{self, LogFormat};
use folio_worker::{lambda, Ports, Worker};

const USAGE: &str = "usage: bootstrap [--poll]

Renders queued pages to PDFs. Inside AWS Lambda (AWS_LAMBDA_RUNTIME_API set) it handles the SQS
events Lambda delivers; with --poll, or outside Lambda, it long-polls the queue itself.
Settings: FOLIO_SQS_QUEUE_URL, FOLIO_S3_BUCKET, FOLIO_DYNAMODB_TABLE (required), FOLIO_CHROME_PATH,
FOLIO_RENDER_CONCURRENCY, FOLIO_RENDER_TIMEOUT and the usual AWS_* variables.";

#[tokio::main]
async fn main() -> ExitCode {
    let mut poll = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--poll" => poll = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "-V" | "--version" => {
                println!("bootstrap {}", env!("CARGO_PKG_VERSION"));
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("bootstrap: unknown argument {other:?}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let lookup = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let json_logs = lookup(settings::LOG_FORMAT).is_some_and(|f| f.eq_ignore_ascii_case("json"));
    process::init(if json_logs {
        LogFormat::Json
    } else {
        LogFormat::Pretty
    });

    let targets = AwsTargets::from_lookup(lookup);
    let missing = targets.missing().join(", ");
    let (Some(queue_url), Some(bucket), Some(table)) =
        (targets.sqs_queue_url, targets.s3_bucket, targets.dynamodb_table)
    else {
        eprintln!("bootstrap: {missing} must be set");
        return ExitCode::from(2);
    };
    let render = match RenderSettings::from_lookup(lookup) {
        Ok(render) => render,
        Err(e) => {
            eprintln!("bootstrap: {e}");
            return ExitCode::from(2);
        }
    };
    let concurrency = render.concurrency;
    let sdk = folio_core::ports::aws::sdk_config().await;
    let ports = Ports {
        queue: Arc::new(folio_core::ports::aws::SqsQueue::new(&sdk, queue_url)),
        store: Arc::new(folio_core::ports::aws::S3Store::new(&sdk, bucket)),
        index: Arc::new(folio_core::ports::aws::DynamoFileIndex::new(&sdk, table)),
    };
    let renderer = Arc::new(Renderer::new(&render));
    let worker = Arc::new(Worker::new(ports, renderer.clone(), concurrency));

    let in_lambda = std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some();
    let result = if poll || !in_lambda {
        tracing::info!(concurrency, "polling the job queue");
        worker.run(process::shutdown_signal()).await;
        Ok(())
    } else {
        let handler = lambda_runtime::service_fn(move |event: lambda_runtime::LambdaEvent<_>| {
            let worker = worker.clone();
            async move {
                Ok::<_, lambda_runtime::Error>(
                    lambda::handle_batch(&worker, event.payload, concurrency).await,
                )
            }
        });
        lambda_runtime::run(handler).await
    };
    renderer.shutdown().await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "the Lambda runtime stopped");
            ExitCode::FAILURE
        }
    }
}
