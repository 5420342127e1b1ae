//! AWS mode against moto: the SQS queue and S3 store on their own, then the API with every
//! port on AWS and no worker in the process (as when the Lambda renders), playing the worker's
//! part by hand so each step can be checked where AWS keeps it.

use std::time::Duration;

use folio_aws::{DynamoFileIndex, S3Store, SqsQueue};
use folio_core::jobs::names;
use folio_core::ports::{FileIndex, FileUpdate, JobQueue, ObjectStore};
use folio_core::FileStatus;
use folio_testkit::api::JsonResponse;
use folio_testkit::moto;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::files::read_events;
use crate::helpers::{spawn_app_with, Database};

/// What SQS holds that is not a job reaches the caller as an error, never as a job. (The
/// queue's contract, shared with the embedded queue, is in `queue.rs`.)
#[tokio::test]
async fn an_sqs_message_that_is_not_a_job_is_an_error_to_the_receiver() {
    let aws = moto::Resources::create("queue").await.unwrap();
    let queue = SqsQueue::new(&aws.sdk, &aws.queue_url);
    aws.sqs()
        .send_message()
        .queue_url(&aws.queue_url)
        .message_body("{\"not\": \"a job\"}")
        .send()
        .await
        .unwrap();
    let malformed = queue
        .receive(Duration::from_secs(1), Duration::from_secs(30))
        .await;
    assert!(matches!(
        malformed,
        Err(folio_core::ports::PortError::Malformed(_))
    ));
}

#[tokio::test]
async fn s3_keeps_objects_private_and_presigns_downloads() {
    let aws = moto::Resources::create("store").await.unwrap();
    let store = S3Store::new(&aws.sdk, &aws.bucket);
    let key = names::object_key(Uuid::now_v7(), Uuid::now_v7(), folio_core::render::Output::Pdf);
    store.put(&key, b"%PDF-1.7 test".to_vec()).await.unwrap();

    let link = store
        .presigned_download(&key, "attachment; filename=\"Page.pdf\"", Duration::from_secs(60))
        .await
        .unwrap()
        .expect("S3 presigns");
    assert!(link.contains("X-Amz-Signature="), "{link}");
    // S3 serves the signed `response-content-disposition`; moto ignores it, so the test checks
    // that it is in the signed link.
    assert!(
        link.contains("response-content-disposition=attachment%3B%20filename%3D%22Page.pdf%22"),
        "{link}"
    );
    let fetched = reqwest::get(&link).await.unwrap();
    assert_eq!(fetched.status(), 200);
    assert_eq!(fetched.headers()["content-type"], "application/pdf");
    assert_eq!(fetched.bytes().await.unwrap().as_ref(), b"%PDF-1.7 test");
    let unsigned = link.split('?').next().unwrap().to_owned();
    assert_eq!(
        reqwest::get(&unsigned).await.unwrap().status(),
        403,
        "the bucket is private"
    );
}

#[tokio::test]
async fn the_api_in_aws_mode_queues_on_sqs_and_serves_from_s3_and_dynamodb() {
    let aws = moto::Resources::create("api").await.unwrap();
    let app = spawn_app_with(Database::Sqlite, |s| {
        s.aws = aws.targets();
        s.s3_presign_ttl = Some(Duration::from_secs(60));
        s.render.allow_private = true;
    })
    .await;
    let (_, token) = app.signed_in_user().await;

    let events = app.user(&token).get("/api/v1/events").send().await.unwrap();
    assert_eq!(events.status(), 200);

    let response = app
        .user(&token)
        .post("/api/v1/request")
        .json(&json!({"url": "http://127.0.0.1:9/page"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let id: Uuid = response.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    // The job is on SQS (nothing in this process consumes it) and the record is in DynamoDB.
    let queue = SqsQueue::new(&aws.sdk, &aws.queue_url);
    let delivery = queue
        .receive(Duration::from_secs(2), Duration::from_secs(60))
        .await
        .unwrap()
        .expect("the job was sent to SQS");
    assert_eq!(delivery.job.job_id, id);
    let index = DynamoFileIndex::new(&aws.sdk, &aws.table);
    let owner = delivery.job.owner;
    assert_eq!(
        index.get(owner, id).await.unwrap().unwrap().status,
        FileStatus::Queued
    );

    // Play the worker: store the PDF, mark the file done, from outside the backend.
    let store = S3Store::new(&aws.sdk, &aws.bucket);
    store
        .put(
            &names::object_key(owner, id, folio_core::render::Output::Pdf),
            b"%PDF-1.7 from the worker".to_vec(),
        )
        .await
        .unwrap();
    index
        .transition(
            owner,
            id,
            &[FileStatus::Queued],
            FileUpdate {
                status: Some(FileStatus::Done),
                name: Some("Worker Page".into()),
                size_bytes: Some(24),
                pages: Some(1),
                ..FileUpdate::default()
            },
        )
        .await
        .unwrap()
        .unwrap();

    // The open event stream sees both changes, though the second happened elsewhere.
    let seen = tokio::time::timeout(
        Duration::from_secs(20),
        read_events(events, |events| events.iter().any(|e| e["status"] == "done")),
    )
    .await
    .expect("the done event arrives by watching the index");
    let statuses: Vec<&str> = seen.iter().filter_map(|e| e["status"].as_str()).collect();
    assert_eq!(statuses, ["queued", "done"], "{seen:?}");
    assert!(seen.iter().all(|e| e["id"] == id.to_string()));

    let listed: Value = app.user(&token).get("/api/v1/files").json_value().await;
    assert_eq!(listed["files"][0]["status"], "done");
    assert_eq!(listed["files"][0]["name"], "Worker Page");

    // Downloads redirect to a short-lived presigned link that serves the PDF under its name.
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let download = no_redirects
        .get(app.url(&format!("/api/v1/file/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 307);
    let link = download.headers()["location"].to_str().unwrap().to_owned();
    let pdf = reqwest::get(&link).await.unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(
        link.contains("Worker%20Page.pdf"),
        "named in the signed link: {link}"
    );
    assert_eq!(pdf.bytes().await.unwrap().as_ref(), b"%PDF-1.7 from the worker");

    // A client that takes JSON (the SPA, under its same-origin CSP) gets the link to navigate to.
    let as_json: Value = app
        .user(&token)
        .get(&format!("/api/v1/file/{id}"))
        .header("accept", "application/pdf, application/json;q=0.9")
        .json_value()
        .await;
    assert_eq!(as_json["expires_in"], 60);
    let link = as_json["url"].as_str().unwrap();
    assert!(link.contains("X-Amz-Signature="), "{link}");
    assert_eq!(
        reqwest::get(link).await.unwrap().bytes().await.unwrap().as_ref(),
        b"%PDF-1.7 from the worker"
    );

    assert_eq!(app.user(&token).delete_file(&id.to_string()).await.status(), 204);
    assert!(aws.object_keys().await.unwrap().is_empty(), "S3 object gone");
    assert_eq!(aws.item_count().await.unwrap(), 0, "DynamoDB item gone");
}

/// Versions, options and tags live in the DynamoDB record in AWS mode, and the filters read them
/// there: the same API as on one machine.
#[tokio::test]
async fn versions_options_and_tags_in_aws_mode_live_in_dynamodb() {
    let aws = moto::Resources::create("library").await.unwrap();
    let app = spawn_app_with(Database::Sqlite, |s| {
        s.aws = aws.targets();
        s.render.allow_private = true;
    })
    .await;
    let (_, token) = app.signed_in_user().await;
    let user = app.user(&token);
    let options = json!({ "landscape": true, "margin": "1cm" });
    let first = user
        .requested_with(&json!({ "url": "http://127.0.0.1:9/page", "options": options }))
        .await;
    let again = user
        .post(&format!("/api/v1/file/{first}/recapture"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 202);
    let second = again.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let tagged = user
        .patch(&format!("/api/v1/file/{second}"))
        .json(&json!({ "tags": ["watch"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(tagged.status(), 200);

    let owner: Uuid = user.get("/api/v1/auth/me").json_value().await["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let stored = DynamoFileIndex::new(&aws.sdk, &aws.table)
        .get(owner, second.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (stored.version, stored.tags.clone()),
        (2, vec!["watch".to_owned()])
    );
    assert_eq!(Value::Object(stored.options), options);
    let listed: Value = user
        .get("/api/v1/files?tag=watch&source_url=http%3A%2F%2F127.0.0.1%3A9%2Fpage")
        .json_value()
        .await;
    let ids: Vec<&str> = listed["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [second.as_str()]);
}

/// The least AWS mode needs (a table with no stream): a change made elsewhere still reaches an
/// open event stream, which then watches the index itself.
#[tokio::test]
async fn without_a_table_stream_event_streams_watch_the_index() {
    let aws = moto::Resources::create_minimal("nostream").await.unwrap();
    let app = spawn_app_with(Database::Sqlite, |s| {
        s.aws = aws.targets();
        s.render.allow_private = true;
    })
    .await;
    let (_, token) = app.signed_in_user().await;
    let events = app.user(&token).get("/api/v1/events").send().await.unwrap();
    let requested: Value = app
        .user(&token)
        .post("/api/v1/request")
        .json(&json!({"url": "http://127.0.0.1:9/page"}))
        .json_value()
        .await;
    let id: Uuid = requested["id"].as_str().unwrap().parse().unwrap();
    let owner: Uuid = app.user(&token).get("/api/v1/auth/me").json_value().await["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let failed = FileUpdate {
        status: Some(FileStatus::Failed),
        error: Some("failed elsewhere".into()),
        ..FileUpdate::default()
    };
    DynamoFileIndex::new(&aws.sdk, &aws.table)
        .transition(owner, id, &[FileStatus::Queued], failed)
        .await
        .unwrap()
        .unwrap();
    let seen = tokio::time::timeout(
        Duration::from_secs(20),
        read_events(events, |events| events.iter().any(|e| e["status"] == "failed")),
    )
    .await
    .expect("the failed event arrives by watching the index");
    let statuses: Vec<&str> = seen.iter().filter_map(|e| e["status"].as_str()).collect();
    assert_eq!(statuses, ["queued", "failed"], "{seen:?}");
}
