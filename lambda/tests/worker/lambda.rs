//! The Lambda handler, given an SQS event exactly as AWS delivers it, against S3 and DynamoDB
//! on moto and real Chromium.

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::SqsEvent;
use folio_aws::{DynamoFileIndex, S3Store, SqsQueue};
use folio_core::jobs::names;
use folio_core::ports::{FileIndex, JobQueue};
use folio_core::FileStatus;
use folio_lambda::{Ports, Worker};
use folio_testkit::sqs::record;
use folio_testkit::{moto, record_queued_job};
use serde_json::json;
use uuid::Uuid;

use crate::{renderer_for, serve_site};

#[tokio::test]
async fn a_batch_reports_only_the_bad_record_and_a_duplicate_stores_one_file() {
    let aws = moto::Resources::create("lambda").await.unwrap();
    let site = serve_site().await;
    let index = DynamoFileIndex::new(&aws.sdk, &aws.table);
    let ports = Ports {
        queue: Arc::new(SqsQueue::new(&aws.sdk, &aws.queue_url)),
        store: Arc::new(S3Store::new(&aws.sdk, &aws.bucket)),
        index: Arc::new(index.clone()),
    };
    let worker = Worker::new(ports, renderer_for(site), 2);

    // What the API does before sending each message: record the file as queued.
    let owner = Uuid::now_v7();
    let good = record_queued_job(&index, owner, format!("http://{site}/page")).await;
    let refused = record_queued_job(&index, owner, "http://127.0.0.1:9/private".to_owned()).await;
    let good_body = serde_json::to_string(&good).unwrap();
    let arn = "arn:aws:sqs:us-east-1:123456789012:folio-jobs";
    let event: SqsEvent = serde_json::from_value(json!({
        "Records": [
            record("11111111-good", &good_body, 1, arn),
            record("22222222-bad", "{\"schema_version\": 1, \"url\": ", 1, arn),
            // SQS delivers at least once: the same job again, in the same batch.
            record("33333333-duplicate", &good_body, 2, arn),
            record("44444444-refused", &serde_json::to_string(&refused).unwrap(), 1, arn),
        ]
    }))
    .unwrap();

    let response = folio_lambda::events::handle_batch(&worker, event, 2, None).await;
    assert_eq!(
        serde_json::to_value(&response).unwrap(),
        json!({"batchItemFailures": [{"itemIdentifier": "22222222-bad"}]}),
        "only the unreadable message goes back to the queue"
    );

    let file = index.get(owner, good.job_id).await.unwrap().unwrap();
    assert_eq!(file.status, FileStatus::Done);
    assert_eq!(file.name, "Worker Page");
    assert_eq!(
        aws.object_keys().await.unwrap(),
        [
            names::object_key(owner, good.job_id, folio_core::render::Output::Pdf),
            names::thumbnail_key(owner, good.job_id),
            names::text_key(owner, good.job_id)
        ],
        "one PDF, its thumbnail and its text for the job delivered twice, none for the refused one"
    );
    assert_eq!(
        index
            .list(owner, None, 10, &folio_core::ports::FileFilter::ALL)
            .await
            .unwrap()
            .len(),
        2
    );

    // A permanent failure is recorded with its reason, and its message is consumed.
    let failed = index.get(owner, refused.job_id).await.unwrap().unwrap();
    assert_eq!(failed.status, FileStatus::Failed);
    assert!(failed.error.unwrap().contains("loopback"));
}

#[tokio::test]
async fn jobs_in_the_dead_letter_queue_end_failed_in_poll_mode_and_under_lambda() {
    let aws = moto::Resources::create("dlq").await.unwrap();
    let dead_letter_url = aws
        .add_dead_letter_queue(folio_lambda::MAX_ATTEMPTS)
        .await
        .unwrap();
    let site = serve_site().await;
    let index = DynamoFileIndex::new(&aws.sdk, &aws.table);
    let queue = SqsQueue::new(&aws.sdk, &aws.queue_url);
    let ports = Ports {
        queue: Arc::new(queue.clone()),
        store: Arc::new(S3Store::new(&aws.sdk, &aws.bucket)),
        index: Arc::new(index.clone()),
    };
    let worker = Arc::new(Worker::new(ports, renderer_for(site), 2));
    let owner = Uuid::now_v7();
    let job = record_queued_job(&index, owner, format!("http://{site}/page")).await;
    queue.enqueue(&job).await.unwrap();

    // Five deliveries that never settle (a worker killed each time); SQS's redrive policy then
    // moves the message to the dead-letter queue.
    for _ in 0..folio_lambda::MAX_ATTEMPTS {
        let delivery = queue
            .receive(Duration::from_secs(2), Duration::ZERO)
            .await
            .unwrap();
        assert!(delivery.is_some(), "the job comes back until it is moved");
    }
    assert!(queue
        .receive(Duration::from_secs(1), Duration::ZERO)
        .await
        .unwrap()
        .is_none());
    assert_eq!(index.usage(owner).await.unwrap().pending_jobs, 1);

    // Poll mode: the worker drains the dead-letter queue.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let draining = tokio::spawn(worker.clone().drain_dead_letters(
        Arc::new(SqsQueue::new(&aws.sdk, &dead_letter_url)),
        async move {
            let _ = stopped.await;
        },
    ));
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let file = loop {
        let file = index.get(owner, job.job_id).await.unwrap().unwrap();
        if file.status == FileStatus::Failed || std::time::Instant::now() > deadline {
            break file;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    stop.send(()).unwrap();
    draining.await.unwrap();
    assert_eq!(file.status, FileStatus::Failed);
    assert_eq!(file.error.as_deref(), Some("gave up after 5 attempts"));
    assert_eq!(index.usage(owner).await.unwrap().pending_jobs, 0);
    let left = SqsQueue::new(&aws.sdk, &dead_letter_url)
        .receive(Duration::ZERO, Duration::ZERO)
        .await
        .unwrap();
    assert!(left.is_none(), "the dead letter was consumed");

    // Under Lambda: a record from the dead-letter queue's event source mapping.
    let other = record_queued_job(&index, owner, format!("http://{site}/page")).await;
    let dead_letter_arn = format!(
        "arn:aws:sqs:us-east-1:123456789012:{}",
        dead_letter_url.rsplit('/').next().unwrap()
    );
    let event: SqsEvent = serde_json::from_value(json!({
        "Records": [record("55555555-dead", &serde_json::to_string(&other).unwrap(), 1, &dead_letter_arn)]
    }))
    .unwrap();
    let response =
        folio_lambda::events::handle_batch(&worker, event, 2, Some(dead_letter_url.as_str())).await;
    assert!(response.batch_item_failures.is_empty());
    let file = index.get(owner, other.job_id).await.unwrap().unwrap();
    assert_eq!(file.status, FileStatus::Failed, "not rendered: ended");
    assert_eq!(file.error.as_deref(), Some("gave up after 5 attempts"));
    assert!(
        aws.object_keys().await.unwrap().is_empty(),
        "nothing was rendered"
    );
}
