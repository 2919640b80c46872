//! Creates the table and bucket exactly as `template.yaml` declares them (one source of
//! truth for the schema), under names chosen by the caller.
use std::path::Path;

use anyhow::{Context, bail};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_s3::types::{CorsConfiguration, CorsRule};
use serde_yaml::Value;

use shared::AppState;

/// `template.yaml`, parsed; CloudFormation tags (`!Ref`, `!Sub`) are kept as tagged values.
pub fn load_template(path: &Path) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
    serde_yaml::from_str(&text).context("parse template.yaml")
}

fn resource<'a>(template: &'a Value, logical_id: &str) -> anyhow::Result<&'a Value> {
    template
        .get("Resources")
        .and_then(|r| r.get(logical_id))
        .and_then(|r| r.get("Properties"))
        .with_context(|| format!("template has no Resources.{logical_id}.Properties"))
}

fn str_at<'a>(v: &'a Value, key: &str) -> anyhow::Result<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .with_context(|| format!("missing string {key}"))
}

fn key_schema(v: &Value) -> anyhow::Result<Vec<KeySchemaElement>> {
    let list = v.as_sequence().context("KeySchema is not a list")?;
    list.iter()
        .map(|k| {
            let key_type = match str_at(k, "KeyType")? {
                "HASH" => KeyType::Hash,
                "RANGE" => KeyType::Range,
                other => bail!("unknown KeyType {other}"),
            };
            Ok(KeySchemaElement::builder()
                .attribute_name(str_at(k, "AttributeName")?)
                .key_type(key_type)
                .build()?)
        })
        .collect()
}

/// Creates the `Table` resource of the template as `table_name`.
pub async fn create_table(state: &AppState, template: &Value) -> anyhow::Result<()> {
    let props = resource(template, "Table")?;
    let mut request = state
        .db
        .create_table()
        .table_name(&*state.table)
        .billing_mode(BillingMode::PayPerRequest);
    for def in props
        .get("AttributeDefinitions")
        .and_then(Value::as_sequence)
        .context("AttributeDefinitions")?
    {
        let kind = match str_at(def, "AttributeType")? {
            "S" => ScalarAttributeType::S,
            "N" => ScalarAttributeType::N,
            "B" => ScalarAttributeType::B,
            other => bail!("unknown AttributeType {other}"),
        };
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(str_at(def, "AttributeName")?)
                .attribute_type(kind)
                .build()?,
        );
    }
    request = request.set_key_schema(Some(key_schema(props.get("KeySchema").context("KeySchema")?)?));
    for gsi in props
        .get("GlobalSecondaryIndexes")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        let projection = match gsi.get("Projection").map(|p| str_at(p, "ProjectionType")).transpose()? {
            Some("KEYS_ONLY") => ProjectionType::KeysOnly,
            _ => ProjectionType::All,
        };
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(str_at(gsi, "IndexName")?)
                .set_key_schema(Some(key_schema(gsi.get("KeySchema").context("gsi KeySchema")?)?))
                .projection(Projection::builder().projection_type(projection).build())
                .build()?,
        );
    }
    request.send().await.context("CreateTable")?;
    if let Some(ttl) = props.get("TimeToLiveSpecification") {
        state
            .db
            .update_time_to_live()
            .table_name(&*state.table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(str_at(ttl, "AttributeName")?)
                    .enabled(true)
                    .build()?,
            )
            .send()
            .await
            .context("UpdateTimeToLive")?;
    }
    Ok(())
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect()
}

/// Creates the `Bucket` resource of the template (with its CORS rules) as `bucket_name`.
pub async fn create_bucket(state: &AppState, template: &Value) -> anyhow::Result<()> {
    let props = resource(template, "Bucket")?;
    state
        .s3
        .create_bucket()
        .bucket(&*state.bucket)
        .send()
        .await
        .context("CreateBucket")?;
    let rules = props
        .get("CorsConfiguration")
        .and_then(|c| c.get("CorsRules"))
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .map(|rule| {
            Ok(CorsRule::builder()
                .set_allowed_methods(Some(strings(rule.get("AllowedMethods"))))
                .set_allowed_origins(Some(strings(rule.get("AllowedOrigins"))))
                .set_allowed_headers(Some(strings(rule.get("AllowedHeaders"))))
                .set_max_age_seconds(rule.get("MaxAge").and_then(Value::as_i64).map(|v| v as i32))
                .build()?)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    if !rules.is_empty() {
        state
            .s3
            .put_bucket_cors()
            .bucket(&*state.bucket)
            .cors_configuration(CorsConfiguration::builder().set_cors_rules(Some(rules)).build()?)
            .send()
            .await
            .context("PutBucketCors")?;
    }
    // Versioned as in AWS, so deleting a version for good is exercised locally too.
    if props["VersioningConfiguration"]["Status"].as_str() == Some("Enabled") {
        state
            .s3
            .put_bucket_versioning()
            .bucket(&*state.bucket)
            .versioning_configuration(
                aws_sdk_s3::types::VersioningConfiguration::builder()
                    .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .context("PutBucketVersioning")?;
    }
    Ok(())
}

/// Both resources, from the repository's template.
pub async fn create_all(state: &AppState) -> anyhow::Result<()> {
    let template = load_template(&crate::repo_root().join("template.yaml"))?;
    create_table(state, &template).await?;
    create_bucket(state, &template).await
}

/// The sender's address as a verified SES identity (the template's `MailIdentity` in AWS).
pub async fn create_mail_identity(senders: &shared::platform::outbox::Senders) -> anyhow::Result<()> {
    let Some(from) = senders.from.as_deref() else {
        return Ok(());
    };
    let domain = from.rsplit_once('@').map_or(from, |(_, d)| d);
    let created = senders.ses.create_email_identity().email_identity(domain).send().await;
    match created {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_already_exists_exception()) => Ok(()),
        Err(e) => Err(anyhow::Error::new(e).context("create the mail identity")),
    }
}

/// (function binary, METHOD, path) for every HttpApi event in the template.
pub fn template_routes(template: &Value) -> anyhow::Result<Vec<(String, String, String)>> {
    let mut routes = Vec::new();
    let resources = template
        .get("Resources")
        .and_then(Value::as_mapping)
        .context("Resources")?;
    for (_, res) in resources {
        if res.get("Type").and_then(Value::as_str) != Some("AWS::Serverless::Function") {
            continue;
        }
        let binary = res
            .get("Metadata")
            .and_then(|m| m.get("BuildProperties"))
            .and_then(|b| b.get("Binary"))
            .and_then(Value::as_str)
            .context("function without Metadata.BuildProperties.Binary")?;
        let events = res
            .get("Properties")
            .and_then(|p| p.get("Events"))
            .and_then(Value::as_mapping);
        for (_, event) in events.into_iter().flatten() {
            if event.get("Type").and_then(Value::as_str) != Some("HttpApi") {
                continue;
            }
            let props = event.get("Properties").context("event Properties")?;
            routes.push((
                binary.to_owned(),
                str_at(props, "Method")?.to_uppercase(),
                str_at(props, "Path")?.to_owned(),
            ));
        }
    }
    routes.sort();
    Ok(routes)
}
