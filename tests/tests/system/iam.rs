//! Each IAM role is granted exactly the AWS actions its process calls. The backend and the
//! worker run as real binaries against moto under access keys of their own, through every
//! path that reaches AWS (a retried render, a page's second version, a presigned download, an uploaded page, a file deleted while it
//! renders, account deletion, credentials read from Secrets Manager); moto's request recorder
//! says which actions each key called, and the manifests' policies must grant those, and
//! nothing more than what AWS itself needs on the role's behalf.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::response::Html;
use axum::routing::get;
use folio_testkit::api::JsonResponse;
use folio_testkit::{moto, ChildGuard};
use serde_json::Value;

use crate::journey::start;
use folio_testkit::api::{free_port, page, serve_pages, Api};
use folio_testkit::mariadb::fresh_database;

/// Granted for AWS's own use, never called by Folio's code: Lambda's event source mappings
/// read the queues' attributes with the function's role, and Lambda writes the function's logs.
const PLATFORM_NEEDS: &[(&str, &str)] = &[
    ("folio-worker", "sqs:GetQueueAttributes"),
    ("folio-worker", "logs:CreateLogGroup"),
    ("folio-worker", "logs:CreateLogStream"),
    ("folio-worker", "logs:PutLogEvents"),
];

async fn serve_site() -> SocketAddr {
    serve_pages(
        axum::Router::new()
            .route("/page", page("<title>Page</title><p>IAM page</p>"))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(4)).await;
                    Html("<title>Slow</title><p>slow</p>")
                }),
            ),
    )
    .await
}

fn header<'a>(record: &'a Value, name: &str) -> Option<&'a str> {
    record["headers"]
        .as_object()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .and_then(|(_, value)| value.as_str())
}

/// The IAM actions a transaction needs: one per kind of item it writes (AWS has no action of
/// its own for `TransactWriteItems`).
fn transaction_actions(record: &Value) -> Vec<String> {
    use base64::Engine as _;
    let body = record["body"].as_str().unwrap_or_default();
    let body = if record["body_encoded"].as_bool() == Some(true) {
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap_or_default()
    } else {
        body.as_bytes().to_vec()
    };
    let request: Value = serde_json::from_slice(&body).unwrap_or_default();
    let items = request["TransactItems"].as_array().cloned().unwrap_or_default();
    let actions: BTreeSet<String> = items
        .iter()
        .filter_map(|item| item.as_object()?.keys().next().cloned())
        .map(|kind| match kind.as_str() {
            "ConditionCheck" => "dynamodb:ConditionCheckItem".to_owned(),
            kind => format!("dynamodb:{kind}Item"),
        })
        .collect();
    actions.into_iter().collect()
}

/// The access key and IAM actions of one recorded request, if it was signed.
fn signed_actions(record: &Value) -> Option<(String, Vec<String>)> {
    let (key, action) = signed_action(record)?;
    if action == "dynamodb:TransactWriteItems" {
        return Some((key, transaction_actions(record)));
    }
    Some((key, vec![action]))
}

/// The access key and IAM action of one recorded request, if it was signed.
fn signed_action(record: &Value) -> Option<(String, String)> {
    let url = url::Url::parse(record["url"].as_str()?).ok()?;
    let credential = match header(record, "authorization") {
        Some(auth) => auth.split("Credential=").nth(1)?.split(',').next()?.to_owned(),
        // A presigned URL carries its signature in the query.
        None => url
            .query_pairs()
            .find(|(k, _)| k == "X-Amz-Credential")
            .map(|(_, v)| v.into_owned())?,
    };
    let mut scope = credential.split('/');
    let key = scope.next()?.to_owned();
    let service = scope.nth(2)?.to_owned();
    let operation = match header(record, "x-amz-target") {
        Some(target) => target.rsplit('.').next()?.to_owned(),
        None if service == "s3" && url.path().contains("/users/") => match record["method"].as_str()? {
            "GET" | "HEAD" => "GetObject".to_owned(),
            "PUT" => "PutObject".to_owned(),
            "DELETE" => "DeleteObject".to_owned(),
            other => format!("{other} object"),
        },
        None => format!("{} {}", record["method"].as_str()?, url.path()),
    };
    Some((key, format!("{service}:{operation}")))
}

/// The actions each of `keys` called since recording began.
async fn recorded_actions(keys: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let recording = reqwest::get(format!(
        "{}/moto-api/recorder/download-recording",
        moto::endpoint()
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    let mut called: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in recording.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(record) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if let Some((key, actions)) = signed_actions(&record) {
            if keys.contains(&key.as_str()) {
                called.entry(key).or_default().extend(actions);
            }
        }
    }
    called
}

async fn recorder(command: &str) {
    reqwest::Client::new()
        .post(format!("{}/moto-api/recorder/{command}", moto::endpoint()))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
}

async fn wait_for(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until the process signing with `key` has called `action`.
async fn wait_until_called(key: &str, action: &str, what: &str) {
    wait_for(what, async || {
        recorded_actions(&[key])
            .await
            .get(key)
            .is_some_and(|called| called.contains(action))
    })
    .await;
}

/// The actions each role's policy grants, in the rendered prod overlay.
fn granted_actions() -> BTreeMap<String, BTreeSet<String>> {
    let mut granted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for object in folio_testkit::manifests::kustomize("manifests/overlays/prod") {
        if object["kind"] != "Policy" {
            continue;
        }
        let name = object["metadata"]["name"].as_str().unwrap().to_owned();
        let document: Value =
            serde_json::from_str(object["spec"]["policyDocument"].as_str().unwrap()).unwrap();
        for statement in document["Statement"].as_array().unwrap() {
            for action in statement["Action"].as_array().unwrap() {
                granted
                    .entry(name.clone())
                    .or_default()
                    .insert(action.as_str().unwrap().to_owned());
            }
        }
    }
    granted
}

#[tokio::test]
async fn each_role_is_granted_exactly_the_aws_actions_its_process_calls() {
    let site = serve_site().await;
    let aws = moto::Resources::create("iam").await.unwrap();
    let unique = uuid::Uuid::new_v4().simple().to_string()[..10].to_uppercase();
    let (backend_key, worker_key) = (format!("AKIABACKEND{unique}"), format!("AKIAWORKER{unique}"));
    let as_role = |key: &str| {
        let mut env: Vec<(&str, String)> = aws
            .process_env()
            .into_iter()
            .filter(|(name, _)| *name != "AWS_ACCESS_KEY_ID")
            .collect();
        env.push(("AWS_ACCESS_KEY_ID", key.to_owned()));
        env.push(("FOLIO_RENDER_ALLOW_ADDRS", site.to_string()));
        env.push(("FOLIO_MAX_STORED_BYTES", "1073741824".to_owned()));
        env
    };

    // The database as deployed: found through its host and the secret RDS manages.
    let database = url::Url::parse(&fresh_database().await).unwrap();
    let secret_arn = moto::rds_secret(&aws.sdk, &format!("rds!db-{unique}"), &database).await;
    recorder("start-recording").await;

    // A worker whose browser cannot start gives its job back to be retried. It works on a
    // queue of its own: once it is killed, its unanswered long poll would swallow the next job.
    let retry = moto::Resources::create("iam-retry").await.unwrap();
    let index = folio_aws::DynamoFileIndex::new(&retry.sdk, &retry.table);
    let job =
        folio_testkit::record_queued_job(&index, uuid::Uuid::now_v7(), format!("http://{site}/page")).await;
    folio_core::ports::JobQueue::enqueue(&folio_aws::SqsQueue::new(&retry.sdk, &retry.queue_url), &job)
        .await
        .unwrap();
    let mut failing_env: Vec<(&str, String)> = as_role(&worker_key)
        .into_iter()
        .filter(|(name, _)| !name.starts_with("FOLIO_S") && !name.starts_with("FOLIO_D"))
        .collect();
    failing_env.extend([
        ("FOLIO_SQS_QUEUE_URL", retry.queue_url.clone()),
        ("FOLIO_S3_BUCKET", retry.bucket.clone()),
        ("FOLIO_DYNAMODB_TABLE", retry.table.clone()),
        ("FOLIO_CHROME_PATH", "/bin/false".to_owned()),
    ]);
    let logs = tempfile::tempdir().unwrap();
    let failing = start("bootstrap", &["--poll"], &failing_env, logs.path());
    wait_until_called(&worker_key, "sqs:ChangeMessageVisibility", "a retried render").await;
    drop::<ChildGuard>(failing);

    let port = free_port();
    let mut backend_env = as_role(&backend_key);
    backend_env.extend([
        ("FOLIO_ADDR", format!("127.0.0.1:{port}")),
        ("FOLIO_DATA_DIR", logs.path().display().to_string()),
        ("FOLIO_DATABASE_HOST", database.host_str().unwrap().to_owned()),
        ("FOLIO_DATABASE_PORT", database.port().unwrap_or(3306).to_string()),
        (
            "FOLIO_DATABASE_NAME",
            database.path().trim_start_matches('/').to_owned(),
        ),
        ("FOLIO_DATABASE_SECRET_ARN", secret_arn),
        (
            "FOLIO_JWT_SECRET",
            "iam-secret-iam-secret-iam-secret-iam".to_owned(),
        ),
        ("FOLIO_S3_PRESIGN_TTL", "60".to_owned()),
    ]);
    let _folio = start("folio", &["serve"], &backend_env, logs.path());
    let api = Api::new(format!("http://127.0.0.1:{port}"));
    api.wait_ready().await;
    let api = api.sign_up_and_in("iam@example.com").await;

    // A working worker renders it; the PDF downloads through a presigned link.
    let _worker = start("bootstrap", &["--poll"], &as_role(&worker_key), logs.path());
    let page = api.requested(&format!("http://{site}/page")).await;
    assert_eq!(api.wait_until_final(&page).await["status"], "done");
    let link: Value = api
        .get(&format!("/api/v1/file/{page}"))
        .header("accept", "application/json")
        .json_value()
        .await;
    let pdf = reqwest::get(link["url"].as_str().unwrap()).await.unwrap();
    assert_eq!(pdf.status(), 200);
    // Its second version: the worker finds the first among the page's records to compare.
    let again = api.requested(&format!("http://{site}/page")).await;
    assert_eq!(api.wait_until_final(&again).await["status"], "done");

    // A file deleted while it renders: the worker removes the PDF it then stores.
    let slow = api.requested(&format!("http://{site}/slow")).await;
    api.wait_for_file(&slow, "started rendering", |f| {
        assert!(
            f.is_some_and(|f| f["status"] == "queued" || f["status"] == "rendering"),
            "{f:?}"
        );
        f.is_some_and(|f| f["status"] == "rendering")
    })
    .await;
    assert_eq!(api.delete_file(&slow).await.status(), 204);
    wait_until_called(
        &worker_key,
        "s3:DeleteObject",
        "the worker to drop the deleted file's PDF",
    )
    .await;

    // An uploaded page: the API keeps it in the bucket until the worker has read it and taken
    // it back (after the deleted file's wait, which also watches for an object deleted).
    let upload = api
        .requested_with(&serde_json::json!({ "html": "<title>Uploaded</title><p>Uploaded words</p>" }))
        .await;
    assert_eq!(api.wait_until_final(&upload).await["status"], "done");

    // The account goes, with its files.
    assert_eq!(api.delete_account().await.status(), 204);
    assert!(aws.object_keys().await.unwrap().is_empty());

    let called = recorded_actions(&[&backend_key, &worker_key]).await;
    recorder("stop-recording").await;
    let granted = granted_actions();
    for (role, key) in [("folio-backend", &backend_key), ("folio-worker", &worker_key)] {
        let called = called.get(key.as_str()).cloned().unwrap_or_default();
        let granted = granted.get(role).cloned().unwrap_or_default();
        let missing: Vec<_> = called.difference(&granted).collect();
        assert!(
            missing.is_empty(),
            "{role} calls {missing:?}, which its policy does not grant"
        );
        let unused: Vec<_> = granted
            .iter()
            .filter(|action| !called.contains(*action) && !PLATFORM_NEEDS.contains(&(role, action.as_str())))
            .collect();
        assert!(
            unused.is_empty(),
            "{role} is granted {unused:?}, which nothing calls"
        );
    }
}
