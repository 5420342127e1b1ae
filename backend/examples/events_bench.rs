//! What open event streams cost in AWS mode: 100 `GET /api/v1/events` streams spread over 50
//! users, held open against moto, with the DynamoDB requests the backend makes counted by
//! moto's request recorder. Once with the table's stream (one feed per process), once with a
//! table that has none (each stream watches the index), side by side.
//!
//! Needs moto (`scripts/moto.sh`; `FOLIO_TEST_MOTO_URL` elsewhere). `cargo run --release -p
//! folio-backend --example events_bench -- [--seconds 20]` (`make bench`).

#[path = "../../bench/common.rs"]
mod common;

use std::time::{Duration, Instant};

use common::flag_value;
use folio_backend::{Application, Settings};
use folio_testkit::api::Api;
use folio_testkit::moto;
use secrecy::SecretString;

const USERS: usize = 50;
const STREAMS_PER_USER: usize = 2;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seconds: u64 = flag_value(&args, "--seconds").map_or(Ok(20), |v| v.parse())?;
    println!(
        "{} streams over {USERS} users, held {seconds} s; DynamoDB requests counted by moto's recorder",
        USERS * STREAMS_PER_USER
    );
    println!();
    println!(
        "| file table | DynamoDB requests/s, no stream open | with the streams open | per open stream |"
    );
    println!("|---|---:|---:|---:|");
    for with_stream in [true, false] {
        let aws = if with_stream {
            moto::Resources::create("events-bench").await?
        } else {
            moto::Resources::create_minimal("events-bench").await?
        };
        let (idle, open) = measure(&aws, seconds).await?;
        let streams = (USERS * STREAMS_PER_USER) as f64;
        println!(
            "| {} | {idle:.1} | {open:.1} | {:.3} |",
            if with_stream {
                "with a stream (one feed per process)"
            } else {
                "without (each stream watches)"
            },
            (open - idle).max(0.0) / streams
        );
    }
    Ok(())
}

/// DynamoDB requests per second with no stream open, then with every stream open.
async fn measure(aws: &moto::Resources, seconds: u64) -> anyhow::Result<(f64, f64)> {
    for (name, value) in moto::process_env() {
        std::env::set_var(name, value);
    }
    let data = tempfile::tempdir()?;
    let settings = Settings {
        addr: "127.0.0.1:0".parse()?,
        data_dir: data.path().to_path_buf(),
        jwt_secret: Some(SecretString::from("bench-secret-bench-secret-bench-secret-!!")),
        signup_max_per_ip: 1000,
        aws: aws.targets(),
        ..Settings::default()
    };
    let app = Application::build(settings).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    let mut users = Vec::new();
    for n in 0..USERS {
        users.push(
            Api::new(base.clone())
                .sign_up_and_in(&format!("events{n}@example.com"))
                .await,
        );
    }
    let idle = dynamodb_requests_per_second(seconds / 2).await?;
    let mut streams = Vec::new();
    for user in &users {
        for _ in 0..STREAMS_PER_USER {
            streams.push(user.events().await.error_for_status()?);
        }
    }
    let open = dynamodb_requests_per_second(seconds).await?;
    drop(streams);
    let _ = stop.send(());
    let _ = server.await;
    Ok((idle, open))
}

async fn recorder(command: &str) -> anyhow::Result<String> {
    let client = reqwest::Client::new();
    let url = format!("{}/moto-api/recorder/{command}", moto::endpoint());
    let response = if command == "download-recording" {
        client.get(url).send().await?
    } else {
        client.post(url).send().await?
    };
    Ok(response.error_for_status()?.text().await?)
}

async fn dynamodb_requests_per_second(seconds: u64) -> anyhow::Result<f64> {
    recorder("reset-recording").await?;
    recorder("start-recording").await?;
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let elapsed = started.elapsed().as_secs_f64();
    recorder("stop-recording").await?;
    let recording = recorder("download-recording").await?;
    let requests = recording
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|record| {
            record["headers"]
                .as_object()
                .and_then(|headers| {
                    headers
                        .iter()
                        .find(|(name, _)| name.eq_ignore_ascii_case("x-amz-target"))
                })
                .and_then(|(_, target)| target.as_str())
                .is_some_and(|target| target.starts_with("DynamoDB"))
        })
        .count();
    recorder("reset-recording").await?;
    Ok(requests as f64 / elapsed)
}
