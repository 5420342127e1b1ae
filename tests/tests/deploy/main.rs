//! The deployment manifests agree with the code: every environment variable they set for the
//! backend and the worker is one the binaries read, every setting the binaries need in AWS mode
//! is set, ports and probe paths are the app's (checked against the real `folio`), and the
//! DynamoDB keys, S3 prefix and SQS wiring are the ones the code uses.
//!
//! Renders each overlay with [`kustomize`].

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::time::{Duration, Instant};

use folio_core::jobs::names;
use folio_core::settings;
use folio_testkit::manifests::kustomize;
use folio_testkit::{binary, ChildGuard};
use serde_json::Value;

mod delivery;

const OVERLAYS: &[&str] = &["dev", "prod"];

fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn all<'a>(objects: &'a [Value], kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    objects.iter().filter(move |o| o["kind"] == kind)
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_else(|| panic!("not a string: {value}"))
}

/// Every variable a Deployment's container gets, with its value when the manifests know it.
fn container_env(objects: &[Value], deployment: &str) -> BTreeMap<String, Option<String>> {
    let container = &find(objects, "Deployment", deployment)["spec"]["template"]["spec"]["containers"][0];
    let mut env = BTreeMap::new();
    for var in container["env"].as_array().into_iter().flatten() {
        env.insert(
            text(&var["name"]).to_owned(),
            var["value"].as_str().map(str::to_owned),
        );
    }
    for source in container["envFrom"].as_array().into_iter().flatten() {
        let name = text(&source["configMapRef"]["name"]);
        let map = find(objects, "ConfigMap", name);
        for (key, value) in map["data"].as_object().unwrap() {
            env.insert(key.clone(), value.as_str().map(str::to_owned));
        }
    }
    env
}

fn lambda_env(objects: &[Value]) -> BTreeMap<String, Option<String>> {
    let function = all(objects, "Function").next().expect("a Lambda function");
    function["spec"]["environment"]["variables"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().map(str::to_owned)))
        .collect()
}

/// `https://sqs.{region}.amazonaws.com/{account}/{name}` as `arn:aws:sqs:{region}:{account}:{name}`.
fn queue_arn_of(url: &str) -> String {
    let rest = url.trim_start_matches("https://sqs.");
    let (region, path) = rest.split_once(".amazonaws.com/").unwrap();
    let (account, name) = path.split_once('/').unwrap();
    format!("arn:aws:sqs:{region}:{account}:{name}")
}

fn names_of<'a>(list: impl IntoIterator<Item = &'a &'a str>) -> BTreeSet<String> {
    list.into_iter().map(|s| s.to_string()).collect()
}

#[test]
fn every_variable_the_manifests_set_is_read_and_every_required_one_is_set() {
    let backend_reads = names_of(settings::BACKEND_SETTINGS.iter().chain(settings::RENDER_SETTINGS));
    let worker_reads = names_of(settings::WORKER_SETTINGS.iter().chain(settings::RENDER_SETTINGS));
    for overlay in OVERLAYS {
        let objects = kustomize(&format!("manifests/overlays/{overlay}"));
        let backend = container_env(&objects, "folio-backend");
        let worker = container_env(&objects, "folio-worker");
        let lambda = lambda_env(&objects);
        for (who, env, reads) in [
            ("backend", &backend, &backend_reads),
            ("worker Deployment", &worker, &worker_reads),
            ("Lambda function", &lambda, &worker_reads),
        ] {
            let unread: Vec<_> = env.keys().filter(|k| !reads.contains(*k)).collect();
            assert!(
                unread.is_empty(),
                "{overlay}: the {who} is given {unread:?}, which it never reads"
            );
        }
        // The database is found through what the DB instance exports, never a hand-made URL.
        assert!(
            !backend.contains_key(settings::DATABASE_URL),
            "{overlay}: no DATABASE_URL"
        );
        for (name, path) in [
            (settings::DATABASE_HOST, ".status.endpoint.address"),
            (
                settings::DATABASE_SECRET_ARN,
                ".status.masterUserSecret.secretARN",
            ),
        ] {
            let container =
                &find(&objects, "Deployment", "folio-backend")["spec"]["template"]["spec"]["containers"][0];
            let source = container["env"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["name"] == name)
                .unwrap_or_else(|| panic!("{overlay}: the backend is not given {name}"));
            let key_ref = &source["valueFrom"]["configMapKeyRef"];
            let export = all(&objects, "FieldExport")
                .find(|e| {
                    e["spec"]["to"]["name"] == key_ref["name"] && e["spec"]["to"]["key"] == key_ref["key"]
                })
                .unwrap_or_else(|| panic!("{overlay}: nothing exports {name}"));
            assert_eq!(export["spec"]["from"]["path"], path, "{overlay}: {name}");
            assert_eq!(export["spec"]["from"]["resource"]["kind"], "DBInstance");
            let instance = all(&objects, "DBInstance").next().unwrap();
            assert_eq!(
                export["spec"]["from"]["resource"]["name"],
                instance["metadata"]["name"]
            );
            assert_eq!(instance["spec"]["manageMasterUserPassword"], true);
            assert!(instance["spec"].get("masterUserPassword").is_none());
        }
        for name in [
            settings::JWT_SECRET,
            settings::SQS_QUEUE_URL,
            settings::S3_BUCKET,
            settings::DYNAMODB_TABLE,
        ] {
            assert!(
                backend.contains_key(name),
                "{overlay}: the backend needs {name} in AWS mode"
            );
        }
        for name in settings::WORKER_REQUIRED {
            assert!(
                worker.contains_key(*name),
                "{overlay}: the worker Deployment needs {name}"
            );
            assert!(
                lambda.contains_key(*name),
                "{overlay}: the Lambda function needs {name}"
            );
        }
        // Both workers and the backend agree on where things are.
        for name in settings::WORKER_REQUIRED {
            assert_eq!(backend[*name], worker[*name], "{overlay}: {name}");
            assert_eq!(backend[*name], lambda[*name], "{overlay}: {name}");
        }
    }
}

#[test]
fn aws_resources_match_the_names_and_keys_the_code_uses() {
    for overlay in OVERLAYS {
        let objects = kustomize(&format!("manifests/overlays/{overlay}"));
        let backend = container_env(&objects, "folio-backend");
        let setting = |name: &str| backend[name].clone().unwrap();

        let table = all(&objects, "Table").next().unwrap();
        let table_name = text(&table["spec"]["tableName"]);
        assert_eq!(table_name, setting(settings::DYNAMODB_TABLE));
        // The backends' event streams follow the worker's changes through the table's stream,
        // which must carry each record's new status.
        assert_eq!(
            table["spec"]["streamSpecification"]["streamEnabled"], true,
            "{overlay}"
        );
        assert_eq!(
            table["spec"]["streamSpecification"]["streamViewType"], "NEW_IMAGE",
            "{overlay}"
        );
        let keys: BTreeMap<&str, &str> = table["spec"]["keySchema"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| (text(&k["keyType"]), text(&k["attributeName"])))
            .collect();
        assert_eq!(keys["HASH"], names::TABLE_PARTITION_KEY);
        assert_eq!(keys["RANGE"], names::TABLE_SORT_KEY);
        for attribute in table["spec"]["attributeDefinitions"].as_array().unwrap() {
            assert_eq!(attribute["attributeType"], "S", "ids are strings");
        }

        let bucket = all(&objects, "Bucket").next().unwrap();
        let bucket_name = text(&bucket["spec"]["name"]);
        assert_eq!(bucket_name, setting(settings::S3_BUCKET));
        let block = &bucket["spec"]["publicAccessBlock"];
        for flag in [
            "blockPublicACLs",
            "blockPublicPolicy",
            "ignorePublicACLs",
            "restrictPublicBuckets",
        ] {
            assert_eq!(block[flag], true, "{overlay}: {flag}");
        }
        for rule in bucket["spec"]["lifecycle"]["rules"].as_array().unwrap() {
            assert!(
                rule.get("expiration").is_none() && rule.get("transitions").is_none(),
                "{overlay}: lifecycle rules must never expire a user's PDF: {rule}"
            );
        }

        let queue_url = setting(settings::SQS_QUEUE_URL);
        let queue = all(&objects, "Queue")
            .find(|q| queue_url.ends_with(&format!("/{}", text(&q["spec"]["queueName"]))))
            .expect("the queue FOLIO_SQS_QUEUE_URL names");
        let redrive: Value = serde_json::from_str(text(&queue["spec"]["redrivePolicy"])).unwrap();
        let dlq_arn = text(&redrive["deadLetterTargetArn"]);
        assert!(
            all(&objects, "Queue").any(|q| dlq_arn.ends_with(&format!(":{}", text(&q["spec"]["queueName"])))),
            "{overlay}: the dead-letter queue is declared"
        );
        assert_eq!(redrive["maxReceiveCount"], folio_lambda::MAX_ATTEMPTS);

        let function = all(&objects, "Function").next().unwrap();
        assert_eq!(function["spec"]["packageType"], "Image");
        assert!(function["spec"]["memorySize"].as_u64().unwrap() >= 1024);
        let timeout = function["spec"]["timeout"].as_u64().unwrap();
        let render_timeout: u64 = lambda_env(&objects)[settings::RENDER_TIMEOUT]
            .clone()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            timeout > render_timeout,
            "{overlay}: the Lambda outlives a render"
        );
        let visibility: u64 = text(&queue["spec"]["visibilityTimeout"]).parse().unwrap();
        assert!(
            visibility > timeout,
            "{overlay}: visibility timeout longer than the Lambda timeout"
        );

        // The function consumes the job queue, and the dead-letter queue, whose jobs it ends as
        // failed; both workers are told where the dead-letter queue is.
        let dlq_name = dlq_arn.rsplit(':').next().unwrap();
        for source in [queue_arn_of(&queue_url), dlq_arn.to_owned()] {
            let mapping = all(&objects, "EventSourceMapping")
                .find(|m| text(&m["spec"]["eventSourceARN"]) == source)
                .unwrap_or_else(|| panic!("{overlay}: no event source mapping reads {source}"));
            assert_eq!(
                mapping["spec"]["functionResponseTypes"],
                serde_json::json!(["ReportBatchItemFailures"])
            );
        }
        let worker = container_env(&objects, "folio-worker");
        for (who, env) in [
            ("Lambda function", lambda_env(&objects)),
            ("worker Deployment", worker),
        ] {
            let dlq_url = env[settings::SQS_DLQ_URL].clone().unwrap_or_default();
            assert!(
                dlq_url.ends_with(&format!("/{dlq_name}")),
                "{overlay}: the {who}'s {} names the dead-letter queue",
                settings::SQS_DLQ_URL
            );
        }
        let worker_policy = all(&objects, "Policy")
            .find(|p| text(&p["metadata"]["name"]) == "folio-worker")
            .unwrap();
        let document: Value = serde_json::from_str(text(&worker_policy["spec"]["policyDocument"])).unwrap();
        for action in ["sqs:ReceiveMessage", "sqs:DeleteMessage"] {
            assert!(
                document["Statement"].as_array().unwrap().iter().any(|statement| {
                    statement["Resource"] == dlq_arn
                        && statement["Action"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|a| a == action)
                }),
                "{overlay}: the worker may not {action} on the dead-letter queue"
            );
        }

        // The policies reach exactly the code's object prefix in this bucket, the log streams
        // of the function's own log group, and the streams of the file table.
        let own_logs = format!(
            ":log-group:{}:*",
            text(&function["spec"]["loggingConfig"]["logGroup"])
        );
        for policy in all(&objects, "Policy") {
            let document: Value = serde_json::from_str(text(&policy["spec"]["policyDocument"])).unwrap();
            for statement in document["Statement"].as_array().unwrap() {
                let resource = text(&statement["Resource"]);
                assert!(
                    !resource.contains('*')
                        || resource
                            .ends_with(&format!("arn:aws:s3:::{bucket_name}/{}*", names::OBJECT_PREFIX))
                        || (resource.starts_with("arn:aws:logs:") && resource.ends_with(&own_logs))
                        // The secret RDS makes for the database's password has a random name.
                        || (resource.starts_with("arn:aws:secretsmanager:") && resource.ends_with(":secret:rds!db-*"))
                        // So has the table's stream (its creation time), and it changes if the
                        // stream is turned off and on.
                        || (resource.starts_with("arn:aws:dynamodb:")
                            && resource.ends_with(&format!(":table/{table_name}/stream/*"))),
                    "{overlay}: wildcard beyond the users' prefix and the function's logs: {resource}"
                );
            }
        }
    }
}

#[test]
fn workloads_run_unprivileged_and_only_the_app_is_routed() {
    for overlay in OVERLAYS {
        let objects = kustomize(&format!("manifests/overlays/{overlay}"));
        for deployment in all(&objects, "Deployment") {
            let pod = &deployment["spec"]["template"]["spec"];
            let name = text(&deployment["metadata"]["name"]);
            assert_eq!(pod["securityContext"]["runAsNonRoot"], true, "{overlay}/{name}");
            for container in pod["containers"].as_array().unwrap() {
                let security = &container["securityContext"];
                assert_eq!(security["allowPrivilegeEscalation"], false, "{overlay}/{name}");
                assert_eq!(security["readOnlyRootFilesystem"], true, "{overlay}/{name}");
            }
        }
        for private in ["/metrics", "/healthz", "/readyz"] {
            assert!(
                !ingress_routes(&objects, private),
                "{overlay}: the Ingress routes {private}"
            );
        }
    }
}

/// Whether an Ingress rule routes `path` (Kubernetes' `Prefix` matches whole path segments).
fn ingress_routes(objects: &[Value], path: &str) -> bool {
    all(objects, "Ingress").any(|ingress| {
        ingress["spec"]["rules"].as_array().unwrap().iter().any(|rule| {
            rule["http"]["paths"].as_array().unwrap().iter().any(|route| {
                let (prefix, kind) = (text(&route["path"]), text(&route["pathType"]));
                match kind {
                    "Exact" => path == prefix,
                    _ => {
                        let prefix = prefix.trim_end_matches('/');
                        path == prefix || path.starts_with(&format!("{prefix}/"))
                    }
                }
            })
        })
    })
}

#[tokio::test]
async fn ports_and_probe_paths_are_the_apps() {
    let objects = kustomize("manifests/overlays/prod");
    let container =
        &find(&objects, "Deployment", "folio-backend")["spec"]["template"]["spec"]["containers"][0];
    let port = container["ports"][0]["containerPort"].as_u64().unwrap();
    let addr = container_env(&objects, "folio-backend")[settings::ADDR]
        .clone()
        .unwrap();
    assert_eq!(
        addr,
        format!("0.0.0.0:{port}"),
        "the container listens where the port says"
    );
    let service = find(&objects, "Service", "folio-backend");
    assert_eq!(
        service["spec"]["ports"][0]["targetPort"],
        container["ports"][0]["name"]
    );

    // The probes answer 200 on the real binary (embedded mode, a free loopback port).
    let data = tempfile::tempdir().unwrap();
    let local = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let _folio = ChildGuard(
        Command::new(binary("folio").unwrap())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(settings::ADDR, local.to_string())
            .env(settings::DATA_DIR, data.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let client = reqwest::Client::new();
    for probe in ["startupProbe", "livenessProbe", "readinessProbe"] {
        let path = text(&container[probe]["httpGet"]["path"]);
        assert_eq!(container[probe]["httpGet"]["port"], container["ports"][0]["name"]);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(response) = client.get(format!("http://{local}{path}")).send().await {
                assert_eq!(response.status(), 200, "{probe} {path}");
                break;
            }
            assert!(Instant::now() < deadline, "folio did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // Every public path the real binary serves (its OpenAPI document lists them all, the SPA
    // aside) is routed by the Ingress.
    let document: Value = client
        .get(format!("http://{local}/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths: Vec<String> = document["paths"].as_object().unwrap().keys().cloned().collect();
    assert!(
        paths.iter().any(|p| p.starts_with("/s/")),
        "share links are served: {paths:?}"
    );
    for path in paths.iter().map(String::as_str).chain(["/", "/assets/index.js"]) {
        let concrete = path.replace("{id}", "0").replace("{token}", "t");
        assert!(
            ingress_routes(&objects, &concrete),
            "the Ingress does not route {path}"
        );
    }
}
