//! `bootstrap`: the render worker. Inside AWS Lambda it handles SQS events; with `--poll`, or
//! anywhere else, it long-polls the SQS queue itself, as a plain process or a Deployment.

use std::process::ExitCode;
use std::sync::Arc;

use folio_core::settings::{self, AwsTargets, Env};
use folio_lambda::process::{self, LogFormat};
use folio_lambda::{events, Worker};
use folio_render::{RenderSettings, Renderer};

const USAGE: &str = "usage: bootstrap [--poll]

Renders queued pages to PDFs. Inside AWS Lambda (AWS_LAMBDA_RUNTIME_API set) it handles the SQS
events Lambda delivers; with --poll, or outside Lambda, it long-polls the queue itself.
Settings: FOLIO_SQS_QUEUE_URL, FOLIO_S3_BUCKET, FOLIO_DYNAMODB_TABLE (required), FOLIO_SQS_DLQ_URL,
FOLIO_MAX_FILE_BYTES, FOLIO_MAX_STORED_BYTES, FOLIO_CHROME_PATH, FOLIO_RENDER_CONCURRENCY,
FOLIO_RENDER_MAX_MEMORY_MB, FOLIO_RENDER_TIMEOUT, FOLIO_METRICS_ADDR (--poll: serve GET /metrics)
and the usual AWS_* variables.";

#[tokio::main]
async fn main() -> ExitCode {
    let started = std::time::Instant::now();
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
    let env = Env::process();
    let log_format = LogFormat::read(&env);
    process::init(log_format.clone().unwrap_or_default());
    // Installed before anything is counted: what is recorded earlier is lost.
    folio_lambda::metrics::handle();
    let read = || -> Result<_, settings::SettingError> {
        log_format?;
        let render = RenderSettings::read(&env)?;
        let limits = folio_lambda::StoreLimits::read(&env)?;
        let metrics_addr = env.parse::<std::net::SocketAddr>(
            settings::METRICS_ADDR,
            "expected host:port, such as 0.0.0.0:9090",
        )?;
        Ok((render, limits, metrics_addr))
    };
    let (render, limits, metrics_addr) = match read() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("bootstrap: {e}");
            return ExitCode::from(2);
        }
    };
    let targets = AwsTargets::read(&env);
    // Checked before the AWS SDK loads, which may look for a region for a while.
    let missing = targets.missing().join(", ");
    if !missing.is_empty() {
        eprintln!("bootstrap: {missing} must be set");
        return ExitCode::from(2);
    }
    let concurrency = render.concurrency;
    let dead_letter_queue = env.text(settings::SQS_DLQ_URL);
    let sdk = folio_aws::sdk_config().await;
    let Some(ports) = folio_aws::AwsPorts::new(&sdk, &targets).all() else {
        eprintln!("bootstrap: {missing} must be set");
        return ExitCode::from(2);
    };
    let renderer = Arc::new(Renderer::new(&render));
    // Launched now, in Lambda's init phase, so the first job's timeout is not spent on it.
    if let Err(e) = renderer.warm_up().await {
        tracing::warn!(error = %e, "Chromium did not start; the first job will try again");
    }
    tracing::info!(
        startup_ms = started.elapsed().as_millis() as u64,
        launch_mode = ?render.launch_mode,
        "ready to take jobs"
    );
    let worker = Arc::new(Worker::new(ports, renderer.clone(), concurrency).with_limits(limits));

    let in_lambda = std::env::var_os(folio_render::LaunchMode::LAMBDA_RUNTIME_API).is_some();
    let result = if poll || !in_lambda {
        tracing::info!(concurrency, "polling the job queue");
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let until_stopped = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        let metrics = metrics_addr
            .map(|addr| tokio::spawn(folio_lambda::metrics::serve(addr, until_stopped(stopped.clone()))));
        let dead_letters = dead_letter_queue.map(|url| {
            let queue = Arc::new(folio_aws::SqsQueue::new(&sdk, url));
            tokio::spawn(
                worker
                    .clone()
                    .drain_dead_letters(queue, until_stopped(stopped.clone())),
            )
        });
        worker.run(process::shutdown_signal()).await;
        let _ = stop.send(true);
        if let Some(dead_letters) = dead_letters {
            let _ = dead_letters.await;
        }
        if let Some(metrics) = metrics {
            let _ = metrics.await;
        }
        Ok(())
    } else {
        let dead_letter_queue: Option<Arc<str>> = dead_letter_queue.map(Into::into);
        let handler = lambda_runtime::service_fn(move |event: lambda_runtime::LambdaEvent<_>| {
            let worker = worker.clone();
            let dead_letter_queue = dead_letter_queue.clone();
            async move {
                Ok::<_, lambda_runtime::Error>(
                    events::handle_batch(
                        &worker,
                        event.payload,
                        worker.jobs_in_flight(),
                        dead_letter_queue.as_deref(),
                    )
                    .await,
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
