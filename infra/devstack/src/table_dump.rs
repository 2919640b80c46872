//! `devstack export` / `devstack import`: the whole table as newline JSON, to or from a file or
//! S3 — the tool for restores, migrations of stored shapes and moving a stack.
//!
//! Each line is `{"Item": {...}}` in DynamoDB JSON, the format of DynamoDB's own export to S3,
//! so a file written here can also feed `ImportTable`, and a native export can be read here.
use std::path::PathBuf;

use anyhow::{Context, bail};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use serde_json::{Map, Value, json};
use shared::AppState;
use shared::platform::db::{self, Item};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Scan segments read at once on export.
const SEGMENTS: i32 = 4;
/// Items put per round on import (then written as parallel batches of 25).
const IMPORT_ROUND: usize = 2_000;
/// PutObject takes at most 5 GB in one request.
const S3_SINGLE_PUT_MAX: u64 = 5 * 1024 * 1024 * 1024;

/// Where a dump is written to or read from: `s3://bucket/key` or a file path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    File(PathBuf),
    S3 { bucket: String, key: String },
}

impl Place {
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        match text.strip_prefix("s3://") {
            Some(rest) => match rest.split_once('/') {
                Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() => Ok(Self::S3 {
                    bucket: bucket.to_owned(),
                    key: key.to_owned(),
                }),
                _ => bail!("{text}: an S3 place is s3://BUCKET/KEY"),
            },
            None if text.is_empty() => bail!("name a file or s3://BUCKET/KEY"),
            None => Ok(Self::File(PathBuf::from(text))),
        }
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => write!(f, "{}", path.display()),
            Self::S3 { bucket, key } => write!(f, "s3://{bucket}/{key}"),
        }
    }
}

/// Writes every item of the table to `to`; returns how many. Not a snapshot: items written
/// while it runs may or may not be in it (stop the writers, or export from a PITR restore).
/// The export is a read of everyone's whole personal data, so it is recorded in the table's
/// operations trail with `operator`.
pub async fn export(state: &AppState, to: &Place, operator: &str) -> anyhow::Result<usize> {
    let file = match to {
        Place::File(path) => path.clone(),
        Place::S3 { .. } => std::env::temp_dir().join(format!("devstack-export-{}.jsonl", uuid::Uuid::new_v4())),
    };
    let written = write_file(state, &file).await;
    let uploaded = match (&written, to) {
        (Ok(_), Place::S3 { bucket, key }) => upload(state, &file, bucket, key).await,
        _ => Ok(()),
    };
    if matches!(to, Place::S3 { .. }) {
        let _ = tokio::fs::remove_file(&file).await;
    }
    let count = written?;
    uploaded?;
    record(
        state,
        operator,
        "table_exported",
        &format!("导出数据表（{count}条）至 {to}"),
    )
    .await?;
    Ok(count)
}

async fn write_file(state: &AppState, path: &std::path::Path) -> anyhow::Result<usize> {
    let file = tokio::fs::File::create(path)
        .await
        .with_context(|| format!("create {}", path.display()))?;
    let mut out = tokio::io::BufWriter::new(file);
    let (sender, mut pages) = tokio::sync::mpsc::channel::<anyhow::Result<Vec<Item>>>(SEGMENTS as usize * 2);
    for segment in 0..SEGMENTS {
        let (state, sender) = (state.clone(), sender.clone());
        tokio::spawn(async move {
            let mut start = None;
            loop {
                let page = state
                    .db
                    .scan()
                    .table_name(&*state.table)
                    .segment(segment)
                    .total_segments(SEGMENTS)
                    .consistent_read(true)
                    .set_exclusive_start_key(start)
                    .send()
                    .await;
                let page = match page {
                    Ok(page) => page,
                    Err(e) => {
                        let _ = sender.send(Err(anyhow::Error::from(e).context("Scan"))).await;
                        return;
                    }
                };
                start = page.last_evaluated_key;
                if sender.send(Ok(page.items.unwrap_or_default())).await.is_err() || start.is_none() {
                    return;
                }
            }
        });
    }
    drop(sender);
    let mut count = 0;
    while let Some(page) = pages.recv().await {
        for item in page? {
            let mut line = serde_json::to_vec(&json!({ "Item": item_to_json(&item)? }))?;
            line.push(b'\n');
            out.write_all(&line).await?;
            count += 1;
        }
    }
    out.flush().await?;
    Ok(count)
}

async fn upload(state: &AppState, file: &std::path::Path, bucket: &str, key: &str) -> anyhow::Result<()> {
    let size = tokio::fs::metadata(file).await?.len();
    if size > S3_SINGLE_PUT_MAX {
        bail!("the dump is {size} bytes, over S3's 5 GB for one upload: export to a file and copy it with `aws s3 cp`");
    }
    state
        .s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::Aes256)
        .body(aws_sdk_s3::primitives::ByteStream::from_path(file).await?)
        .send()
        .await
        .with_context(|| format!("PutObject s3://{bucket}/{key}"))?;
    Ok(())
}

/// Writes every item of `from` into the table, which must be empty (a restore or a move, never
/// a merge over live data). The whole file is read and checked first, so a bad line leaves the
/// table as it was; returns how many items were written.
pub async fn import(state: &AppState, from: &Place, operator: &str) -> anyhow::Result<usize> {
    let occupied = state
        .db
        .scan()
        .table_name(&*state.table)
        .limit(1)
        .send()
        .await
        .context("Scan")?;
    if occupied.count() > 0 {
        bail!(
            "table {} already holds items: import writes into an empty table only (a restore or a move)",
            state.table
        );
    }
    let mut checked = Items::open(state, from).await?;
    let mut count = 0;
    while checked.next().await?.is_some() {
        count += 1;
    }
    let mut items = Items::open(state, from).await?;
    let mut round = Vec::with_capacity(IMPORT_ROUND);
    loop {
        let item = items.next().await?;
        let end = item.is_none();
        round.extend(item);
        if end || round.len() == IMPORT_ROUND {
            db::batch_put(state, std::mem::take(&mut round))
                .await
                .map_err(|e| anyhow::anyhow!("BatchWriteItem: {e:?}"))?;
        }
        if end {
            break;
        }
    }
    record(
        state,
        operator,
        "table_imported",
        &format!("从 {from} 导入数据表（{count}条）"),
    )
    .await?;
    Ok(count)
}

/// The items of a dump, line by line; a line that is not an item stops the read with its
/// number.
struct Items {
    place: String,
    lines: tokio::io::Lines<Box<dyn AsyncBufRead + Unpin + Send>>,
    number: usize,
}

impl Items {
    async fn open(state: &AppState, from: &Place) -> anyhow::Result<Self> {
        let reader: Box<dyn AsyncBufRead + Unpin + Send> = match from {
            Place::File(path) => Box::new(BufReader::new(
                tokio::fs::File::open(path)
                    .await
                    .with_context(|| format!("open {}", path.display()))?,
            )),
            Place::S3 { bucket, key } => {
                let object = state
                    .s3
                    .get_object()
                    .bucket(bucket)
                    .key(key)
                    .send()
                    .await
                    .with_context(|| format!("GetObject {from}"))?;
                Box::new(BufReader::new(object.body.into_async_read()))
            }
        };
        Ok(Self {
            place: from.to_string(),
            lines: reader.lines(),
            number: 0,
        })
    }

    async fn next(&mut self) -> anyhow::Result<Option<Item>> {
        while let Some(line) = self
            .lines
            .next_line()
            .await
            .with_context(|| format!("read {}", self.place))?
        {
            self.number += 1;
            if !line.trim().is_empty() {
                let item = parse_line(&line).with_context(|| format!("{}, line {}", self.place, self.number))?;
                return Ok(Some(item));
            }
        }
        Ok(None)
    }
}

/// One line of a dump: `{"Item": {...}}` whose item has the table's string keys.
pub fn parse_line(line: &str) -> anyhow::Result<Item> {
    let value: Value = serde_json::from_str(line).context("not JSON")?;
    let fields = value
        .get("Item")
        .and_then(Value::as_object)
        .context("no \"Item\" object")?;
    let item = fields
        .iter()
        .map(|(name, v)| {
            Ok((
                name.clone(),
                json_to_value(v).with_context(|| format!("attribute {name}"))?,
            ))
        })
        .collect::<anyhow::Result<Item>>()?;
    for key in ["pk", "sk"] {
        if !matches!(item.get(key), Some(AttributeValue::S(_))) {
            bail!("the item has no string {key}");
        }
    }
    Ok(item)
}

/// The operations trail (`pk = OPERATIONS`): dumps and loads of the whole table.
async fn record(state: &AppState, operator: &str, action: &str, summary: &str) -> anyhow::Result<()> {
    let entry = shared::records::trail::record_operation(&state.table, "OPERATIONS", operator, action, summary)?;
    db::transact(state, vec![entry])
        .await
        .map_err(|e| anyhow::anyhow!("record {action}: {e:?}"))
}

pub fn item_to_json(item: &Item) -> anyhow::Result<Value> {
    Ok(Value::Object(
        item.iter()
            .map(|(name, v)| Ok((name.clone(), value_to_json(v)?)))
            .collect::<anyhow::Result<Map<String, Value>>>()?,
    ))
}

fn base64(bytes: &[u8]) -> Value {
    Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn value_to_json(v: &AttributeValue) -> anyhow::Result<Value> {
    Ok(match v {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::B(b) => json!({ "B": base64(b.as_ref()) }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(n) => json!({ "NULL": n }),
        AttributeValue::Ss(list) => json!({ "SS": list }),
        AttributeValue::Ns(list) => json!({ "NS": list }),
        AttributeValue::Bs(list) => json!({ "BS": list.iter().map(|b| base64(b.as_ref())).collect::<Vec<_>>() }),
        AttributeValue::L(list) => json!({ "L": list.iter().map(value_to_json).collect::<anyhow::Result<Vec<_>>>()? }),
        AttributeValue::M(map) => json!({ "M": item_to_json(map)? }),
        other => bail!("an attribute type this tool does not know: {other:?}"),
    })
}

fn strings(v: &Value) -> anyhow::Result<Vec<String>> {
    v.as_array()
        .context("a set is a list")?
        .iter()
        .map(|s| s.as_str().map(str::to_owned).context("a set of strings"))
        .collect()
}

fn blob(v: &Value) -> anyhow::Result<Blob> {
    let text = v.as_str().context("binary is base64 text")?;
    Ok(Blob::new(
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .context("binary is base64 text")?,
    ))
}

fn json_to_value(v: &Value) -> anyhow::Result<AttributeValue> {
    let typed = v
        .as_object()
        .filter(|o| o.len() == 1)
        .context("one type tag per value")?;
    let Some((tag, inner)) = typed.iter().next() else {
        bail!("one type tag per value")
    };
    Ok(match tag.as_str() {
        "S" => AttributeValue::S(inner.as_str().context("S is text")?.to_owned()),
        "N" => {
            let n = inner.as_str().context("N is a number as text")?;
            n.parse::<f64>().with_context(|| format!("N {n:?} is not a number"))?;
            AttributeValue::N(n.to_owned())
        }
        "B" => AttributeValue::B(blob(inner)?),
        "BOOL" => AttributeValue::Bool(inner.as_bool().context("BOOL is true or false")?),
        "NULL" => AttributeValue::Null(inner.as_bool().context("NULL is true")?),
        "SS" => AttributeValue::Ss(strings(inner)?),
        "NS" => AttributeValue::Ns(strings(inner)?),
        "BS" => AttributeValue::Bs(
            inner
                .as_array()
                .context("a set is a list")?
                .iter()
                .map(blob)
                .collect::<anyhow::Result<_>>()?,
        ),
        "L" => AttributeValue::L(
            inner
                .as_array()
                .context("L is a list")?
                .iter()
                .map(json_to_value)
                .collect::<anyhow::Result<_>>()?,
        ),
        "M" => AttributeValue::M(
            inner
                .as_object()
                .context("M is an object")?
                .iter()
                .map(|(name, v)| Ok((name.clone(), json_to_value(v)?)))
                .collect::<anyhow::Result<_>>()?,
        ),
        other => bail!("unknown type tag {other}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_attribute_type_survives_a_line() {
        let mut nested = Item::new();
        nested.insert("n".into(), AttributeValue::N("-1.5".into()));
        let mut item = Item::new();
        item.insert("pk".into(), AttributeValue::S("UNIT#1".into()));
        item.insert("sk".into(), AttributeValue::S("UNIT".into()));
        item.insert("name".into(), AttributeValue::S("河南𠮷测试单位".into()));
        item.insert("blob".into(), AttributeValue::B(Blob::new(vec![0, 255, 7])));
        item.insert("flag".into(), AttributeValue::Bool(true));
        item.insert("none".into(), AttributeValue::Null(true));
        item.insert("ss".into(), AttributeValue::Ss(vec!["a".into(), "b".into()]));
        item.insert("ns".into(), AttributeValue::Ns(vec!["1".into(), "2".into()]));
        item.insert("bs".into(), AttributeValue::Bs(vec![Blob::new(vec![1])]));
        item.insert(
            "list".into(),
            AttributeValue::L(vec![AttributeValue::M(nested), AttributeValue::S(String::new())]),
        );
        let line = serde_json::to_string(&json!({ "Item": item_to_json(&item).unwrap() })).unwrap();
        assert_eq!(parse_line(&line).unwrap(), item);
    }

    #[test]
    fn lines_that_are_not_items_are_refused() {
        for line in [
            "not json",
            r#"{"pk":{"S":"a"},"sk":{"S":"b"}}"#,
            r#"{"Item":{"pk":{"S":"a"}}}"#,
            r#"{"Item":{"pk":{"N":"1"},"sk":{"S":"b"}}}"#,
            r#"{"Item":{"pk":{"S":"a"},"sk":{"S":"b"},"x":{"N":"twelve"}}}"#,
            r#"{"Item":{"pk":{"S":"a"},"sk":{"S":"b"},"x":{"S":"1","N":"1"}}}"#,
            r#"{"Item":{"pk":{"S":"a"},"sk":{"S":"b"},"x":{"B":"***"}}}"#,
            r#"{"Item":{"pk":{"S":"a"},"sk":{"S":"b"},"x":{"Q":"1"}}}"#,
        ] {
            assert!(parse_line(line).is_err(), "{line}");
        }
    }

    #[test]
    fn places() {
        assert_eq!(
            Place::parse("s3://b/dumps/x.jsonl").unwrap(),
            Place::S3 {
                bucket: "b".into(),
                key: "dumps/x.jsonl".into()
            }
        );
        assert_eq!(Place::parse("x.jsonl").unwrap(), Place::File("x.jsonl".into()));
        assert!(Place::parse("s3://b").is_err());
        assert!(Place::parse("s3:///k").is_err());
        assert!(Place::parse("").is_err());
    }
}
