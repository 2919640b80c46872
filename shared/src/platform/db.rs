//! DynamoDB helpers: items from serde types, keys, and transactions that say why they failed.
use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, WriteRequest};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::platform::error::{ApiError, ApiResult, OrInternal};
use crate::platform::state::AppState;

pub type Item = HashMap<String, AttributeValue>;

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A number attribute of an item (counters, epoch seconds), if present and well formed.
pub fn number<T: std::str::FromStr>(item: Option<&Item>, name: &str) -> Option<T> {
    item?.get(name)?.as_n().ok()?.parse().ok()
}

pub fn key(pk: impl Into<String>, sk: impl Into<String>) -> Item {
    HashMap::from([("pk".to_owned(), s(pk)), ("sk".to_owned(), s(sk))])
}

/// One attribute value from a serde type (an enum stored as its code, a list, …).
pub fn to_item_value<T: Serialize>(value: &T) -> anyhow::Result<AttributeValue> {
    Ok(serde_dynamo::to_attribute_value(value)?)
}

pub fn to_item<T: Serialize>(value: &T) -> anyhow::Result<Item> {
    Ok(serde_dynamo::to_item(value)?)
}

pub fn from_item<T: DeserializeOwned>(item: Item) -> anyhow::Result<T> {
    Ok(serde_dynamo::from_item(item)?)
}

/// A transaction that a condition cancelled: `reasons[i]` is the cancellation code of the i-th
/// item (`Some("ConditionalCheckFailed")`, `Some("None")`, …).
#[derive(Debug)]
pub struct Cancelled {
    pub reasons: Vec<Option<String>>,
}

impl Cancelled {
    /// True when the item at `index` failed its condition.
    pub fn failed_at(&self, index: usize) -> bool {
        self.reasons.get(index).and_then(|c| c.as_deref()) == Some("ConditionalCheckFailed")
    }
}

/// Why a transaction did not commit.
#[derive(Debug)]
pub enum TransactError {
    /// A condition failed: the caller words the refusal.
    Cancelled(Cancelled),
    /// Transport or service failure: an internal error.
    Other(anyhow::Error),
}

impl TransactError {
    /// True when the item at `index` failed its condition.
    pub fn failed_at(&self, index: usize) -> bool {
        matches!(self, Self::Cancelled(c) if c.failed_at(index))
    }

    /// The caller's refusal for a cancellation; anything else is an internal error (500).
    pub fn refusal(self, on_cancel: impl FnOnce(&Cancelled) -> ApiError) -> ApiError {
        match self {
            Self::Cancelled(cancelled) => on_cancel(&cancelled),
            Self::Other(err) => ApiError::internal(err),
        }
    }

    /// The cancellation, for a refusal the caller must look up first; anything else is an
    /// internal error, returned as `Err` so that `?` answers 500.
    pub fn cancelled(self) -> ApiResult<Cancelled> {
        match self {
            Self::Cancelled(cancelled) => Ok(cancelled),
            Self::Other(err) => Err(ApiError::internal(err)),
        }
    }
}

/// `db::transact(…).await.on_cancel(|_| refusal)?`: one line for the usual outcome.
pub trait OnCancel {
    fn on_cancel(self, on_cancel: impl FnOnce(&Cancelled) -> ApiError) -> ApiResult<()>;
}

impl OnCancel for Result<(), TransactError> {
    fn on_cancel(self, on_cancel: impl FnOnce(&Cancelled) -> ApiError) -> ApiResult<()> {
        self.map_err(|err| err.refusal(on_cancel))
    }
}

/// Commits all items or none. Retries only transaction conflicts (concurrent transactions on
/// the same item), which DynamoDB reports as cancellations that say nothing about conditions.
pub async fn transact(state: &AppState, items: Vec<TransactWriteItem>) -> Result<(), TransactError> {
    let mut attempt = 0u32;
    loop {
        let result = state
            .db
            .transact_write_items()
            .set_transact_items(Some(items.clone()))
            .send()
            .await;
        let err = match result {
            Ok(_) => return Ok(()),
            Err(err) => err,
        };
        let reasons: Option<Vec<Option<String>>> = match &err {
            SdkError::ServiceError(service) => match service.err() {
                aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(c) => Some(
                    c.cancellation_reasons()
                        .iter()
                        .map(|r| r.code().map(str::to_owned))
                        .collect(),
                ),
                _ => None,
            },
            _ => None,
        };
        match reasons {
            Some(reasons) => {
                let conflict = reasons.iter().any(|r| r.as_deref() == Some("TransactionConflict"));
                if conflict && attempt < 6 {
                    attempt += 1;
                    let jitter = rand::random::<u64>() % 40;
                    tokio::time::sleep(Duration::from_millis(20 * u64::from(attempt) + jitter)).await;
                    continue;
                }
                return Err(TransactError::Cancelled(Cancelled { reasons }));
            }
            None => {
                return Err(TransactError::Other(
                    anyhow::Error::new(err).context("TransactWriteItems"),
                ));
            }
        }
    }
}

/// Which items of a secondary index a query reads: a partition, optionally narrowed to the
/// sort keys that begin with a prefix (an agency path: a staff member's subtree).
#[derive(Debug, Clone, Copy)]
pub enum Index<'a> {
    /// `gsi1pk = pk [AND begins_with(gsi1sk, prefix)]`: queues by status, staff, sessions, outbox.
    Gsi1(&'a str, Option<&'a str>),
    /// `gsi2pk = pk`: a unit's applications and certificates, by time.
    Gsi2(&'a str),
}

/// A query of one index partition (see [`Index`]); the caller adds order, limits and paging.
pub fn index_query(state: &AppState, index: Index<'_>) -> QueryFluentBuilder {
    let (name, pk, prefix) = match index {
        Index::Gsi1(pk, prefix) => ("gsi1", pk, prefix),
        Index::Gsi2(pk) => ("gsi2", pk, None),
    };
    let query = state
        .db
        .query()
        .table_name(&*state.table)
        .index_name(name)
        .expression_attribute_values(":p", s(pk));
    match prefix {
        Some(prefix) => query
            .key_condition_expression(format!("{name}pk = :p AND begins_with({name}sk, :prefix)"))
            .expression_attribute_values(":prefix", s(prefix)),
        None => query.key_condition_expression(format!("{name}pk = :p")),
    }
}

/// Every item a query matches, following `LastEvaluatedKey` page after page.
pub async fn query_all(query: QueryFluentBuilder) -> anyhow::Result<Vec<Item>> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let out = query.clone().set_exclusive_start_key(start).send().await?;
        items.extend(out.items.unwrap_or_default());
        start = out.last_evaluated_key;
        if start.is_none() {
            return Ok(items);
        }
    }
}

/// Every item a query matches, decoded as `T`; `context` names the query in a failure.
pub async fn query_as<T: DeserializeOwned>(query: QueryFluentBuilder, context: &'static str) -> ApiResult<Vec<T>> {
    query_all(query)
        .await
        .or_internal(context)?
        .into_iter()
        .map(|item| from_item(item).or_internal(context))
        .collect()
}

/// One item by key, read consistently (a decision must see the latest write), decoded as `T`;
/// `context` names the read in a failure.
pub async fn get_as<T: DeserializeOwned>(state: &AppState, key: Item, context: &'static str) -> ApiResult<Option<T>> {
    let out = state
        .db
        .get_item()
        .table_name(&*state.table)
        .set_key(Some(key))
        .consistent_read(true)
        .send()
        .await
        .or_internal(context)?;
    out.item.map(from_item).transpose().or_internal(context)
}

/// One item by key as stored, read consistently (counters and guards, read after a refusal).
pub async fn get_item(state: &AppState, key: Item, context: &'static str) -> ApiResult<Option<Item>> {
    let out = state
        .db
        .get_item()
        .table_name(&*state.table)
        .set_key(Some(key))
        .consistent_read(true)
        .send()
        .await
        .or_internal(context)?;
    Ok(out.item)
}

/// True when a single conditional write failed its condition (not a transport error).
pub fn is_condition_failed<E, R>(err: &SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    matches!(err, SdkError::ServiceError(e) if e.err().code() == Some("ConditionalCheckFailedException"))
}

/// Transaction parts, so a state change reads as a list of intents.
pub fn put_new(table: &str, item: Item) -> anyhow::Result<TransactWriteItem> {
    put_if(table, item, Some("attribute_not_exists(pk)"), &[])
}

pub fn put_if(
    table: &str,
    item: Item,
    condition: Option<&str>,
    values: &[(&str, AttributeValue)],
) -> anyhow::Result<TransactWriteItem> {
    let put = aws_sdk_dynamodb::types::Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .set_condition_expression(condition.map(str::to_owned))
        .set_expression_attribute_values(values_map(values))
        .build()?;
    Ok(TransactWriteItem::builder().put(put).build())
}

pub fn delete_if(
    table: &str,
    key: Item,
    condition: Option<&str>,
    values: &[(&str, AttributeValue)],
) -> anyhow::Result<TransactWriteItem> {
    let delete = aws_sdk_dynamodb::types::Delete::builder()
        .table_name(table)
        .set_key(Some(key))
        .set_condition_expression(condition.map(str::to_owned))
        .set_expression_attribute_values(values_map(values))
        .build()?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

pub fn update_if(
    table: &str,
    key: Item,
    update: &str,
    condition: Option<&str>,
    names: &[(&str, &str)],
    values: &[(&str, AttributeValue)],
) -> anyhow::Result<TransactWriteItem> {
    let update = aws_sdk_dynamodb::types::Update::builder()
        .table_name(table)
        .set_key(Some(key))
        .update_expression(update)
        .set_condition_expression(condition.map(str::to_owned))
        .set_expression_attribute_names(if names.is_empty() {
            None
        } else {
            Some(names.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
        })
        .set_expression_attribute_values(values_map(values))
        .build()?;
    Ok(TransactWriteItem::builder().update(update).build())
}

fn values_map(values: &[(&str, AttributeValue)]) -> Option<Item> {
    if values.is_empty() {
        None
    } else {
        Some(values.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect())
    }
}

/// Batch requests in flight at once: enough to keep the table busy (16 wrote 20,000 members
/// ~10% faster than 8 on DynamoDB Local in one paired run, within this machine's noise), few
/// enough that one import does not starve the other requests of its Lambda.
const PARALLEL_BATCHES: usize = 16;

/// Puts any number of items (see [`batch_write`]).
pub async fn batch_put(state: &AppState, items: Vec<Item>) -> ApiResult<()> {
    let mut requests = Vec::with_capacity(items.len());
    for item in items {
        let put = aws_sdk_dynamodb::types::PutRequest::builder()
            .set_item(Some(item))
            .build()
            .or_internal("put request")?;
        requests.push(WriteRequest::builder().put_request(put).build());
    }
    batch_write(state, requests).await
}

/// Writes any number of requests: BatchWriteItem takes at most 25, so chunks of 25 go out
/// several at once, and unprocessed items are retried with a backoff.
pub async fn batch_write(state: &AppState, requests: Vec<WriteRequest>) -> ApiResult<()> {
    let chunks: Vec<Vec<WriteRequest>> = requests.chunks(25).map(<[WriteRequest]>::to_vec).collect();
    let mut tasks = tokio::task::JoinSet::new();
    let mut pending = chunks.into_iter();
    loop {
        while tasks.len() < PARALLEL_BATCHES {
            let Some(chunk) = pending.next() else { break };
            let state = state.clone();
            tasks.spawn(async move { write_chunk(&state, chunk).await });
        }
        match tasks.join_next().await {
            Some(joined) => joined.or_internal("join write")??,
            None => return Ok(()),
        }
    }
}

/// Reads any number of items by key (absent ones are left out): BatchGetItem takes at most 100
/// keys, so chunks of 100 go out several at once, and unprocessed keys are asked again with a
/// backoff.
pub async fn batch_get(state: &AppState, keys: Vec<Item>) -> ApiResult<Vec<Item>> {
    let chunks: Vec<Vec<Item>> = keys.chunks(100).map(<[Item]>::to_vec).collect();
    let mut tasks = tokio::task::JoinSet::new();
    let mut pending = chunks.into_iter();
    let mut found = Vec::new();
    loop {
        while tasks.len() < PARALLEL_BATCHES {
            let Some(chunk) = pending.next() else { break };
            let state = state.clone();
            tasks.spawn(async move { get_chunk(&state, chunk).await });
        }
        match tasks.join_next().await {
            Some(joined) => found.extend(joined.or_internal("join read")??),
            None => return Ok(found),
        }
    }
}

async fn get_chunk(state: &AppState, keys: Vec<Item>) -> ApiResult<Vec<Item>> {
    let mut found = Vec::new();
    let mut request = Some(
        aws_sdk_dynamodb::types::KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .build()
            .or_internal("keys")?,
    );
    let mut attempt = 0u32;
    while let Some(keys) = request.take() {
        let out = state
            .db
            .batch_get_item()
            .request_items(&*state.table, keys)
            .send()
            .await
            .or_internal("batch get")?;
        found.extend(
            out.responses()
                .and_then(|r| r.get(&*state.table))
                .into_iter()
                .flatten()
                .cloned(),
        );
        request = out
            .unprocessed_keys()
            .and_then(|u| u.get(&*state.table))
            .filter(|k| !k.keys().is_empty())
            .cloned();
        if request.is_some() {
            attempt += 1;
            if attempt > 8 {
                return Err(ApiError::internal(anyhow::anyhow!("unprocessed keys after retries")));
            }
            tokio::time::sleep(std::time::Duration::from_millis(50 << attempt.min(5))).await;
        }
    }
    Ok(found)
}

async fn write_chunk(state: &AppState, mut chunk: Vec<WriteRequest>) -> ApiResult<()> {
    let mut attempt = 0u32;
    while !chunk.is_empty() {
        let out = state
            .db
            .batch_write_item()
            .request_items(&*state.table, chunk)
            .send()
            .await
            .or_internal("batch write")?;
        chunk = out
            .unprocessed_items()
            .and_then(|u| u.get(&*state.table))
            .cloned()
            .unwrap_or_default();
        if !chunk.is_empty() {
            attempt += 1;
            if attempt > 8 {
                return Err(ApiError::internal(anyhow::anyhow!("unprocessed items after retries")));
            }
            tokio::time::sleep(std::time::Duration::from_millis(50 << attempt.min(5))).await;
        }
    }
    Ok(())
}

/// The jobs due now in a gsi1 partition of jobs (`gsi1sk` is the time each is due: queued
/// ones at once, running ones when their worker's lease runs out): the `id` attribute of each.
pub async fn due_jobs(state: &AppState, partition: &str, id: &str) -> anyhow::Result<Vec<String>> {
    let now = crate::platform::time::stamp(crate::platform::time::now());
    let mut ids = Vec::new();
    let mut start = None;
    loop {
        let page = index_query(state, Index::Gsi1(partition, None))
            .set_exclusive_start_key(start)
            .limit(25)
            .send()
            .await?;
        for item in page.items() {
            let due = item
                .get("gsi1sk")
                .and_then(|v| v.as_s().ok())
                .is_some_and(|at| *at <= now);
            if let (true, Some(value)) = (due, item.get(id).and_then(|v| v.as_s().ok())) {
                ids.push(value.clone());
            }
        }
        start = page.last_evaluated_key;
        if start.is_none() {
            return Ok(ids);
        }
    }
}
