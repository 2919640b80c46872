//! Clients and names every function needs, built once at cold start and shared by handlers.
use std::sync::Arc;

use anyhow::Context;
use aws_config::BehaviorVersion;

/// What a handler needs to reach storage and SMS. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: aws_sdk_dynamodb::Client,
    pub s3: aws_sdk_s3::Client,
    pub sns: aws_sdk_sns::Client,
    pub table: Arc<str>,
    pub bucket: Arc<str>,
}

/// A publish that hangs must not stall the outbox: give up and let the retry take it.
pub fn sms_timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(3))
        .operation_attempt_timeout(std::time::Duration::from_secs(5))
        .operation_timeout(std::time::Duration::from_secs(12))
        .build()
}

impl AppState {
    /// Reads the standard AWS environment (region, credentials, `AWS_ENDPOINT_URL_*`) plus
    /// `TABLE_NAME`, `BUCKET_NAME` and `S3_FORCE_PATH_STYLE` (emulators need path-style URLs).
    pub async fn from_env() -> anyhow::Result<Self> {
        let config = aws_config::defaults(BehaviorVersion::latest()).load().await;
        let table = std::env::var("TABLE_NAME").context("TABLE_NAME is not set")?;
        let bucket = std::env::var("BUCKET_NAME").context("BUCKET_NAME is not set")?;
        let path_style = std::env::var("S3_FORCE_PATH_STYLE").is_ok_and(|v| v == "true");
        Ok(Self::new(&config, &table, &bucket, path_style))
    }

    pub fn from_clients(
        db: aws_sdk_dynamodb::Client,
        s3: aws_sdk_s3::Client,
        sns: aws_sdk_sns::Client,
        table: &str,
        bucket: &str,
    ) -> Self {
        Self {
            db,
            s3,
            sns,
            table: table.into(),
            bucket: bucket.into(),
        }
    }

    pub fn new(config: &aws_config::SdkConfig, table: &str, bucket: &str, s3_path_style: bool) -> Self {
        let s3_config = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(s3_path_style)
            .build();
        Self {
            db: aws_sdk_dynamodb::Client::new(config),
            s3: aws_sdk_s3::Client::from_conf(s3_config),
            sns: aws_sdk_sns::Client::from_conf(
                aws_sdk_sns::config::Builder::from(config)
                    .timeout_config(sms_timeouts())
                    .build(),
            ),
            table: table.into(),
            bucket: bucket.into(),
        }
    }
}
