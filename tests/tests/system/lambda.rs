//! `bootstrap` run the way AWS Lambda runs it: the real binary, served events by a Lambda
//! runtime API emulator (`cargo lambda watch --only-lambda-apis`, from the `cargo-lambda`
//! package on PyPI), inside a sandbox shaped like Lambda's (bubblewrap: read-only root, a tmpfs
//! `/tmp` as the only writable place, no `/dev/shm`, a non-root uid), with SQS, S3 and
//! DynamoDB on moto. One SQS event of three records goes in through `cargo lambda invoke`.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::get;
use folio_aws::DynamoFileIndex;
use folio_core::jobs::names;
use folio_core::ports::FileIndex;
use folio_core::{Engine, FileStatus};
use folio_testkit::sqs::record;
use folio_testkit::{binary, chromium, moto, pdf_text, record_queued_job, workspace_root, ChildGuard};
use serde_json::{json, Value};

use folio_testkit::api::free_port;

const PAGE_TEXT: &str = "Rendered inside a Lambda sandbox";

async fn serve_site() -> SocketAddr {
    let app = axum::Router::new()
        .route(
            "/page",
            get(|| async { Html(format!("<title>Lambda Page</title><h1>{PAGE_TEXT}</h1>")) }),
        )
        .route(
            "/missing",
            get(|| async { (StatusCode::NOT_FOUND, Html("<h1>Not here</h1>")) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// The Lambda runtime API on `127.0.0.1:port`, once it accepts connections.
fn start_runtime_api(port: u16, logs: &Path) -> ChildGuard {
    let log = std::fs::File::create(logs.join("cargo-lambda.log")).unwrap();
    let child = Command::new("cargo")
        .args(["lambda", "watch", "--only-lambda-apis", "-A", "127.0.0.1", "-P"])
        .arg(port.to_string())
        .current_dir(workspace_root())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("cargo lambda (pip install cargo-lambda; make test installs it)");
    let guard = ChildGuard(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the Lambda runtime API did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    guard
}

/// `bootstrap` inside a sandbox shaped like Lambda's, with exactly `env`.
fn start_sandboxed_bootstrap(bootstrap: &Path, env: &[(&str, String)], logs: &Path) -> ChildGuard {
    let log = std::fs::File::create(logs.join("bootstrap.log")).unwrap();
    let mut command = Command::new("bwrap");
    command
        .args(["--ro-bind", "/", "/"])
        // A /dev of the few devices a process needs: no /dev/shm, as in Lambda.
        .args(["--tmpfs", "/dev"])
        .args(["--dev-bind", "/dev/null", "/dev/null"])
        .args(["--dev-bind", "/dev/zero", "/dev/zero"])
        .args(["--dev-bind", "/dev/random", "/dev/random"])
        .args(["--dev-bind", "/dev/urandom", "/dev/urandom"])
        .args(["--remount-ro", "/dev"])
        .args(["--tmpfs", "/tmp"])
        .args(["--proc", "/proc"])
        .args(["--unshare-user", "--uid", "993", "--gid", "990"])
        .args(["--unshare-ipc", "--unshare-pid", "--die-with-parent"])
        .arg("--clearenv");
    for (key, value) in env {
        command.args(["--setenv", key, value]);
    }
    command
        .arg(bootstrap)
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    ChildGuard(
        command
            .spawn()
            .expect("bwrap (apt-get install bubblewrap; make test installs it)"),
    )
}

fn wait_for_log_line(path: &Path, needle: &str, wait: Duration) -> bool {
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        if std::fs::read_to_string(path).is_ok_and(|log| log.contains(needle)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

// Several threads: the test waits on child processes while its own server answers the worker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_sandbox_bootstrap_handles_an_sqs_event_under_a_lambda_runtime() {
    let site = serve_site().await;
    let aws = moto::Resources::create("lambda-rt").await.unwrap();
    let logs = tempfile::tempdir().unwrap();
    let index = DynamoFileIndex::new(&aws.sdk, &aws.table);
    let owner = uuid::Uuid::now_v7();
    let mut queued = Vec::new();
    for path in ["/page", "/missing"] {
        queued.push(record_queued_job(&index, owner, format!("http://{site}{path}")).await);
    }
    let (good, missing) = (&queued[0], &queued[1]);

    let port = free_port();
    let _runtime = start_runtime_api(port, logs.path());
    let mut env = aws.process_env();
    env.extend([
        ("AWS_LAMBDA_RUNTIME_API", format!("http://127.0.0.1:{port}/.rt")),
        ("AWS_LAMBDA_FUNCTION_NAME", "_".to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "1".to_owned()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "2048".to_owned()),
        ("FOLIO_RENDER_ALLOW_ADDRS", site.to_string()),
        ("PATH", "/usr/local/bin:/usr/bin:/bin".to_owned()),
    ]);
    // `FOLIO_TEST_BOOTSTRAP` measures another build (a release one, for the cold-start figures
    // in BENCHMARKS.md) with the same harness.
    let executable = match std::env::var_os("FOLIO_TEST_BOOTSTRAP") {
        Some(path) => std::path::PathBuf::from(path),
        None => binary("bootstrap").expect("bootstrap builds"),
    };
    let started = Instant::now();
    let bootstrap = start_sandboxed_bootstrap(&executable, &env, logs.path());
    let log = logs.path().join("bootstrap.log");
    assert!(
        wait_for_log_line(&log, "ready to take jobs", Duration::from_secs(60)),
        "bootstrap did not get ready: {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    let ready = started.elapsed();

    let arn = "arn:aws:sqs:us-east-1:123456789012:folio-jobs";
    let event = json!({
        "Records": [
            record("11111111-good", &serde_json::to_string(good).unwrap(), 1, arn),
            record("22222222-missing", &serde_json::to_string(missing).unwrap(), 1, arn),
            record("33333333-not-a-job", "{\"hello\": \"this is not a job\"}", 1, arn),
        ]
    });
    let event_file = logs.path().join("event.json");
    std::fs::write(&event_file, event.to_string()).unwrap();
    let invoked = Command::new("cargo")
        .args(["lambda", "invoke", "-A", "127.0.0.1", "-P"])
        .arg(port.to_string())
        .arg("--data-file")
        .arg(&event_file)
        .args(["-o", "json"])
        .current_dir(workspace_root())
        .output()
        .expect("cargo lambda invoke");
    let first_pdf = started.elapsed();
    assert!(
        invoked.status.success(),
        "invoke failed: {}\n{}",
        String::from_utf8_lossy(&invoked.stderr),
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    let response: Value = serde_json::from_slice(&invoked.stdout).expect("a JSON response");
    assert_eq!(
        response,
        json!({"batchItemFailures": [{"itemIdentifier": "33333333-not-a-job"}]}),
        "only the malformed record goes back to the queue"
    );
    eprintln!(
        "cold start under the Lambda runtime: process start -> ready {} ms; -> first PDF (batch of 3) {} ms",
        ready.as_millis(),
        first_pdf.as_millis()
    );

    let file = index.get(owner, good.job_id).await.unwrap().unwrap();
    assert_eq!(file.status, FileStatus::Done, "{file:?}");
    assert_eq!(
        file.engine,
        Engine::Chromium,
        "Chromium printed it, not the fallback"
    );
    let pdf = aws
        .s3()
        .get_object()
        .bucket(&aws.bucket)
        .key(names::object_key(
            owner,
            good.job_id,
            folio_core::render::Output::Pdf,
        ))
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes();
    assert!(pdf_text(&pdf).contains(PAGE_TEXT));

    let failed = index.get(owner, missing.job_id).await.unwrap().unwrap();
    assert_eq!(failed.status, FileStatus::Failed);
    assert!(
        failed.error.as_deref().is_some_and(|e| e.contains("404")),
        "{failed:?}"
    );

    // The browser that printed it runs inside the sandbox, started the Lambda way.
    let argv = chromium::browser_argv_below(bootstrap.0.id(), Duration::from_secs(5))
        .expect("a Chromium browser inside the sandbox");
    chromium::assert_switches_arrived(&argv);
    assert!(argv.iter().any(|arg| arg == "--no-zygote"), "{argv:?}");
    assert!(
        argv.iter().any(|arg| arg.starts_with("--user-data-dir=/tmp/")),
        "{argv:?}"
    );
}
