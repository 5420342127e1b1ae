//! AWS mode against moto (`moto_server -H 127.0.0.1 -p 5000`, started by `scripts/moto.sh`):
//! real S3, SQS and DynamoDB APIs on loopback, reached through the official SDK.
//!
//! Every test makes its own bucket, queue and table with unique names, so tests share one
//! moto server without seeing each other's data.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, StreamSpecification,
    StreamViewType,
};
use folio_core::jobs::names::{TABLE_PARTITION_KEY, TABLE_SORT_KEY};
use folio_core::settings::AwsTargets;

/// Where moto listens; `FOLIO_TEST_MOTO_URL` overrides it.
pub fn endpoint() -> String {
    std::env::var("FOLIO_TEST_MOTO_URL").unwrap_or_else(|_| "http://127.0.0.1:5000".to_owned())
}

/// The environment a Folio process needs to talk to moto as if it were AWS.
pub fn process_env() -> Vec<(&'static str, String)> {
    process_env_at(&endpoint())
}

fn process_env_at(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", endpoint.to_owned()),
        ("AWS_ACCESS_KEY_ID", "testing".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
        // Keep the SDK from asking instance metadata for anything.
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ]
}

/// SDK configuration for moto, without touching the process environment.
pub async fn sdk_config() -> aws_config::SdkConfig {
    sdk_config_at(&endpoint()).await
}

async fn sdk_config_at(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(folio_aws::http_client())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "testing", "testing", None, None, "moto",
        ))
        .load()
        .await
}

/// A new queue named `name`; its URL.
async fn create_queue(sqs: &aws_sdk_sqs::Client, name: &str) -> anyhow::Result<String> {
    let created = sqs.create_queue().queue_name(name).send().await?;
    Ok(created.queue_url.unwrap_or_default())
}

/// A fresh bucket, queue and table, named after `label` and a random suffix.
pub struct Resources {
    pub sdk: aws_config::SdkConfig,
    endpoint: String,
    pub bucket: String,
    pub queue_url: String,
    pub table: String,
}

impl Resources {
    /// As the manifests deploy them: the table streams its records' new images.
    pub async fn create(label: &str) -> anyhow::Result<Self> {
        Self::create_at(&endpoint(), label).await
    }

    /// The least AWS mode needs: a table keyed `user_id`/`file_id` and nothing more.
    pub async fn create_minimal(label: &str) -> anyhow::Result<Self> {
        Self::create_with(&endpoint(), label, false).await
    }

    /// The same on the moto server at `endpoint` (a [`PrivateMoto`]'s).
    pub async fn create_at(endpoint: &str, label: &str) -> anyhow::Result<Self> {
        Self::create_with(endpoint, label, true).await
    }

    async fn create_with(endpoint: &str, label: &str, stream: bool) -> anyhow::Result<Self> {
        let sdk = sdk_config_at(endpoint).await;
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        let name = format!("folio-{label}-{}", &suffix[..12]);
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .force_path_style(true)
                .build(),
        );
        s3.create_bucket().bucket(&name).send().await.map_err(|e| {
            anyhow::anyhow!(
                "cannot reach moto at {} (start it with scripts/moto.sh): {}",
                endpoint,
                aws_sdk_s3::error::DisplayErrorContext(e)
            )
        })?;
        let queue_url = create_queue(&aws_sdk_sqs::Client::new(&sdk), &name).await?;
        let key = |name: &str, kind| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
        };
        let attribute = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
        };
        aws_sdk_dynamodb::Client::new(&sdk)
            .create_table()
            .table_name(&name)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key(TABLE_PARTITION_KEY, KeyType::Hash)?)
            .key_schema(key(TABLE_SORT_KEY, KeyType::Range)?)
            .attribute_definitions(attribute(TABLE_PARTITION_KEY)?)
            .attribute_definitions(attribute(TABLE_SORT_KEY)?)
            .set_stream_specification(
                stream
                    .then(|| {
                        StreamSpecification::builder()
                            .stream_enabled(true)
                            .stream_view_type(StreamViewType::NewImage)
                            .build()
                    })
                    .transpose()?,
            )
            .send()
            .await?;
        Ok(Self {
            sdk,
            endpoint: endpoint.to_owned(),
            bucket: name.clone(),
            queue_url,
            table: name,
        })
    }

    pub fn targets(&self) -> AwsTargets {
        AwsTargets {
            sqs_queue_url: Some(self.queue_url.clone()),
            s3_bucket: Some(self.bucket.clone()),
            dynamodb_table: Some(self.table.clone()),
        }
    }

    /// The settings that put a Folio process on these resources.
    pub fn process_env(&self) -> Vec<(&'static str, String)> {
        let mut env = process_env_at(&self.endpoint);
        env.push((folio_core::settings::SQS_QUEUE_URL, self.queue_url.clone()));
        env.push((folio_core::settings::S3_BUCKET, self.bucket.clone()));
        env.push((folio_core::settings::DYNAMODB_TABLE, self.table.clone()));
        env
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&self.sdk)
                .force_path_style(true)
                .build(),
        )
    }

    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk)
    }

    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.sdk)
    }

    /// Gives the job queue a dead-letter queue that receives a message after `max_receives`
    /// deliveries, as the manifests' redrive policy does; its URL.
    pub async fn add_dead_letter_queue(&self, max_receives: u32) -> anyhow::Result<String> {
        use aws_sdk_sqs::types::QueueAttributeName;
        let sqs = self.sqs();
        let name = format!("{}-dlq", self.table);
        let url = create_queue(&sqs, &name).await?;
        let arn = sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await?
            .attributes
            .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
            .unwrap_or_default();
        let policy = serde_json::json!({"deadLetterTargetArn": arn, "maxReceiveCount": max_receives});
        sqs.set_queue_attributes()
            .queue_url(&self.queue_url)
            .attributes(QueueAttributeName::RedrivePolicy, policy.to_string())
            .send()
            .await?;
        Ok(url)
    }

    /// Keys of every object in the bucket.
    pub async fn object_keys(&self) -> anyhow::Result<Vec<String>> {
        let listed = self.s3().list_objects_v2().bucket(&self.bucket).send().await?;
        Ok(listed
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_owned))
            .collect())
    }

    /// Number of items in the table.
    /// File records in the table (each user's totals for quotas are an item of their own).
    pub async fn item_count(&self) -> anyhow::Result<usize> {
        let scanned = self.dynamodb().scan().table_name(&self.table).send().await?;
        Ok(scanned
            .items()
            .iter()
            .filter(|item| {
                item.get(TABLE_PARTITION_KEY)
                    .and_then(|v| v.as_s().ok())
                    .is_some_and(|owner| !owner.starts_with("usage#"))
            })
            .count())
    }
}

/// A Secrets Manager secret named `name` holding the user and password of the MySQL `database`
/// URL, the way RDS keeps a managed master password (`{"username", "password"}`); its ARN.
pub async fn rds_secret(sdk: &aws_config::SdkConfig, name: &str, database: &url::Url) -> String {
    let secret = aws_sdk_secretsmanager::Client::new(sdk)
        .create_secret()
        .name(name)
        .secret_string(
            serde_json::json!({"username": database.username(), "password": database.password()}).to_string(),
        )
        .send()
        .await
        .expect("moto creates the secret");
    secret.arn().unwrap().to_owned()
}

/// A moto server of one test's own, on a free loopback port, for faults that must not disturb
/// the shared one. Its state lives in its memory, so it is paused, never restarted.
pub struct PrivateMoto {
    process: std::process::Child,
    pub endpoint: String,
}

impl PrivateMoto {
    pub async fn start() -> Self {
        let port = crate::api::free_port();
        let process = std::process::Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3 with moto[server] (scripts/moto.sh installs it)");
        let moto = Self {
            process,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while reqwest::get(format!("{}/moto-api/", moto.endpoint))
            .await
            .is_err()
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the private moto did not start"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        moto
    }

    /// Stops it answering (SIGSTOP): connections are still accepted, as by a host that hangs,
    /// and nothing it holds is lost.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets it answer again (SIGCONT), with everything it held.
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        crate::run_checked(
            std::process::Command::new("kill").args([signal, &self.process.id().to_string()]),
            "kill",
        );
    }
}

impl Drop for PrivateMoto {
    fn drop(&mut self) {
        self.resume();
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
