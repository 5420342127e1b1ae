//! PDFs in a private S3 bucket, read as streams, downloaded through presigned links.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::presigning::PresigningConfig;
use folio_core::ports::{ObjectStore, PortError, StoredObject};

use crate::{describe, unavailable};

/// PDFs in a private bucket. Nothing here makes an object public; downloads either stream
/// through the backend or use a short-lived presigned URL.
#[derive(Clone)]
pub struct S3Store {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3Store {
    pub fn new(config: &aws_config::SdkConfig, bucket: impl Into<String>) -> Self {
        // Path-style addressing works with every endpoint (moto, MinIO) as well as AWS itself.
        let s3 = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .timeout_config(crate::transfers())
            .build();
        Self {
            client: aws_sdk_s3::Client::from_conf(s3),
            bucket: bucket.into(),
        }
    }
}

#[async_trait]
impl ObjectStore for S3Store {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), PortError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(folio_core::jobs::names::content_type_of(key))
            .body(bytes.into())
            .send()
            .await
            .map_err(|e| unavailable("object store", describe(&e)))?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<StoredObject>, PortError> {
        let object = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(object) => object,
            Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(unavailable("object store", describe(&e))),
        };
        Ok(Some(StoredObject {
            size: object
                .content_length
                .and_then(|n| u64::try_from(n).ok())
                .unwrap_or(0),
            body: Box::pin(object.body.into_async_read()),
        }))
    }

    async fn delete(&self, key: &str) -> Result<(), PortError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| unavailable("object store", describe(&e)))?;
        Ok(())
    }

    async fn presigned_download(
        &self,
        key: &str,
        content_disposition: &str,
        ttl: Duration,
    ) -> Result<Option<String>, PortError> {
        let config = PresigningConfig::expires_in(ttl).map_err(|e| unavailable("object store", e))?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_type(folio_core::jobs::names::content_type_of(key))
            .response_content_disposition(content_disposition)
            .presigned(config)
            .await
            .map_err(|e| unavailable("object store", describe(&e)))?;
        Ok(Some(request.uri().to_owned()))
    }
}

// ---------------------------------------------------------------------------------------------
// DynamoDB
