//! The outbox's sender (the notifier): SMS through SNS (or 腾讯云短信 where SNS sends none),
//! mail through SES.
//!
//! The sender claims an item with a conditional update (a lease), sends it, then marks it
//! sent; a failed send returns it to pending with a backoff, so nothing is lost while SNS or
//! SES is down, and two senders at once never send one item twice within a lease.
use std::sync::Arc;

use anyhow::Context;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};
use aws_sdk_sns::types::MessageAttributeValue;

use crate::domain::{Email, Mobile};
use crate::platform::db::{self, Index, Item, key, n, s};
use crate::platform::mail::{self, Message};
use crate::platform::metrics::{self, Channel, Event};
use crate::platform::sms::PENDING_INDEX_KEY;
use crate::platform::state::AppState;
use crate::platform::tencent_sms::{self, TencentSms};
use crate::platform::time;

const LEASE_MS: i64 = 60_000;
const FIRST_BACKOFF_MS: i64 = 500;
const MAX_BACKOFF_MS: i64 = 300_000;

/// Where SMS go: SNS, or 腾讯云短信 in the AWS China regions (`SMS_PROVIDER=tencent`).
#[derive(Clone)]
pub enum SmsRoute {
    Sns,
    Tencent(Arc<TencentSms>),
}

impl SmsRoute {
    /// From `SMS_PROVIDER` (`sns`, the default, or `tencent` with its `TENCENT_SMS_*` settings).
    pub fn from_env() -> anyhow::Result<SmsRoute> {
        match std::env::var("SMS_PROVIDER").as_deref().map(str::trim) {
            Err(_) | Ok("" | "sns") => Ok(SmsRoute::Sns),
            Ok("tencent") => {
                let settings = tencent_sms::Settings::from_env()?;
                let missing = settings.missing_templates();
                if !missing.is_empty() {
                    tracing::warn!(kinds = ?missing, "no Tencent template for these SMS: they wait in the outbox");
                }
                Ok(SmsRoute::Tencent(Arc::new(TencentSms::new(settings)?)))
            }
            Ok(other) => anyhow::bail!("SMS_PROVIDER must be sns or tencent, not {other:?}"),
        }
    }
}

/// What the notifier sends with: SES and the address mails are sent from (a verified
/// identity: `MAIL_FROM`), and the SMS route.
#[derive(Clone)]
pub struct Senders {
    pub ses: aws_sdk_sesv2::Client,
    pub from: Option<String>,
    pub sms: SmsRoute,
}

impl Senders {
    /// SMS through SNS; without `from`, mail stays pending (and says why in the log) while
    /// SMS go out.
    pub fn new(config: &aws_config::SdkConfig, from: Option<String>) -> Self {
        let ses = aws_sdk_sesv2::Client::from_conf(
            aws_sdk_sesv2::config::Builder::from(config)
                .timeout_config(crate::platform::state::sms_timeouts())
                .build(),
        );
        Self {
            ses,
            from: from.filter(|f| !f.trim().is_empty()),
            sms: SmsRoute::Sns,
        }
    }

    /// From the standard AWS environment, `MAIL_FROM` and `SMS_PROVIDER` (see [`SmsRoute::from_env`]).
    pub fn from_env(config: &aws_config::SdkConfig) -> anyhow::Result<Self> {
        Ok(Self {
            sms: SmsRoute::from_env()?,
            ..Self::new(config, std::env::var("MAIL_FROM").ok())
        })
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DrainReport {
    pub sent: usize,
    pub failed: usize,
}

/// Seconds since the oldest notice still waiting was queued (0 when none): the pending index is
/// ordered by when items were queued, so this is its first item.
pub async fn oldest_pending_seconds(state: &AppState) -> anyhow::Result<i64> {
    let page = db::index_query(state, Index::Gsi1(PENDING_INDEX_KEY, None))
        .limit(1)
        .send()
        .await?;
    let queued = page
        .items()
        .first()
        .and_then(|item| str_attr(item, "created_at"))
        .and_then(time::parse_stamp);
    Ok(queued.map_or(0, |at| (time::now() - at).num_seconds().max(0)))
}

/// Sends what is due in the outbox once. Safe to run from several places at once.
pub async fn drain(state: &AppState, senders: &Senders) -> anyhow::Result<DrainReport> {
    let mut report = DrainReport::default();
    let mut start = None;
    loop {
        let page = db::index_query(state, Index::Gsi1(PENDING_INDEX_KEY, None))
            .set_exclusive_start_key(start)
            .limit(100)
            .send()
            .await?;
        for item in page.items() {
            match send_one(state, senders, item).await? {
                Some(true) => report.sent += 1,
                Some(false) => report.failed += 1,
                None => {}
            }
        }
        start = page.last_evaluated_key;
        if start.is_none() {
            return Ok(report);
        }
    }
}

/// Some(true) sent, Some(false) failed and rescheduled, None not ours to send now.
async fn send_one(state: &AppState, senders: &Senders, item: &Item) -> anyhow::Result<Option<bool>> {
    let Some(pk) = str_attr(item, "pk") else {
        return Ok(None);
    };
    let now = time::now().timestamp_millis();
    let lease = uuid::Uuid::new_v4().to_string();
    let claim = state
        .db
        .update_item()
        .table_name(&*state.table)
        .set_key(Some(key(pk, "OUTBOX")))
        .update_expression("SET #st = :sending, lease = :lease, lease_until = :until")
        .condition_expression("(#st = :pending AND next_attempt_at <= :now) OR (#st = :sending AND lease_until < :now)")
        .expression_attribute_names("#st", "status")
        .expression_attribute_values(":sending", s("sending"))
        .expression_attribute_values(":pending", s("pending"))
        .expression_attribute_values(":lease", s(lease.clone()))
        .expression_attribute_values(":until", n(now + LEASE_MS))
        .expression_attribute_values(":now", n(now))
        .send()
        .await;
    match claim {
        Ok(_) => {}
        Err(e) if db::is_condition_failed(&e) => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let channel = if str_attr(item, "channel") == Some(mail::CHANNEL) {
        Channel::Mail
    } else {
        Channel::Sms
    };
    let attempts = item
        .get("attempts")
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(0);
    if attempts > 0 {
        metrics::count(Event::NoticeRetried(channel), 1);
    }
    let (to, sent) = if channel == Channel::Mail {
        let to = str_attr(item, "email")
            .and_then(|e| Email::parse(e).ok())
            .map_or_else(|| "***".to_owned(), |e| e.masked());
        (to, send_mail(state, senders, item).await)
    } else {
        let to = str_attr(item, "phone")
            .and_then(|p| Mobile::parse(p).ok())
            .map_or_else(|| "***".to_owned(), |m| m.masked());
        (to, send_sms(state, &senders.sms, item).await)
    };
    match sent {
        Ok(()) => {
            settle(
                state,
                pk,
                &lease,
                "SET #st = :sent, sent_at = :at, body = redacted_body REMOVE gsi1pk, gsi1sk, lease, lease_until, sms_params",
                vec![(":sent", s("sent")), (":at", s(time::stamp(time::now())))],
            )
            .await?;
            tracing::info!(outbox = pk, to = %to, "notice sent");
            metrics::count(Event::NoticeSent(channel), 1);
            Ok(Some(true))
        }
        Err(err) => {
            metrics::count(Event::NoticeFailed(channel), 1);
            let backoff = (FIRST_BACKOFF_MS << attempts.min(16)).min(MAX_BACKOFF_MS);
            tracing::warn!(outbox = pk, to = %to, attempts, error = format!("{err:#}"), "notice send failed; will retry");
            settle(
                state,
                pk,
                &lease,
                "SET #st = :pending, next_attempt_at = :next ADD attempts :one REMOVE lease, lease_until",
                vec![
                    (":pending", s("pending")),
                    (":next", n(time::now().timestamp_millis() + backoff)),
                    (":one", n(1)),
                ],
            )
            .await?;
            Ok(Some(false))
        }
    }
}

/// Ends this sender's lease on an item with `update` (sent, or back to pending), only while the
/// lease is still ours.
async fn settle(
    state: &AppState,
    pk: &str,
    lease: &str,
    update: &str,
    values: Vec<(&str, AttributeValue)>,
) -> anyhow::Result<()> {
    let mut request = state
        .db
        .update_item()
        .table_name(&*state.table)
        .set_key(Some(key(pk, "OUTBOX")))
        .update_expression(update)
        .condition_expression("lease = :lease")
        .expression_attribute_names("#st", "status")
        .expression_attribute_values(":lease", s(lease));
    for (name, value) in values {
        request = request.expression_attribute_values(name, value);
    }
    request.send().await?;
    Ok(())
}

async fn send_sms(state: &AppState, route: &SmsRoute, item: &Item) -> anyhow::Result<()> {
    let (Some(phone), Some(body)) = (str_attr(item, "phone"), str_attr(item, "body")) else {
        anyhow::bail!("outbox item without phone or body");
    };
    if let SmsRoute::Tencent(tencent) = route {
        let kind = str_attr(item, "sms_kind").context("outbox SMS without its template kind")?;
        let params: Vec<String> = item
            .get("sms_params")
            .and_then(|v| v.as_l().ok())
            .map(|list| list.iter().filter_map(|v| v.as_s().ok().cloned()).collect())
            .unwrap_or_default();
        return tencent.send(phone, kind, &params).await;
    }
    state
        .sns
        .publish()
        .phone_number(phone)
        .message(body)
        .message_attributes(
            "AWS.SNS.SMS.SMSType",
            MessageAttributeValue::builder()
                .data_type("String")
                .string_value("Transactional")
                .build()?,
        )
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("{}", aws_sdk_sns::error::DisplayErrorContext(&e)))?;
    Ok(())
}

/// Reads the attachment from the bucket, builds the MIME message and hands it to SES.
async fn send_mail(state: &AppState, senders: &Senders, item: &Item) -> anyhow::Result<()> {
    let from = senders.from.as_deref().context("MAIL_FROM is not set: mail waits")?;
    let (Some(to), Some(subject), Some(body)) = (
        str_attr(item, "email"),
        str_attr(item, "subject"),
        str_attr(item, "body"),
    ) else {
        anyhow::bail!("mail outbox item without address, subject or body");
    };
    let attachment = match str_attr(item, "attachment_key") {
        Some(object) => {
            let bytes = state
                .s3
                .get_object()
                .bucket(&*state.bucket)
                .key(object)
                .send()
                .await
                .map_err(|e| anyhow::anyhow!("{}", aws_sdk_s3::error::DisplayErrorContext(&e)))?
                .body
                .collect()
                .await?
                .into_bytes();
            Some((
                str_attr(item, "attachment_name").unwrap_or("attachment.pdf").to_owned(),
                str_attr(item, "attachment_type")
                    .unwrap_or("application/octet-stream")
                    .to_owned(),
                bytes,
            ))
        }
        None => None,
    };
    let mime = Message {
        from,
        to,
        subject,
        body,
        attachment: attachment
            .as_ref()
            .map(|(name, kind, bytes)| (name.as_str(), kind.as_str(), bytes.as_ref())),
    }
    .to_mime(time::now());
    senders
        .ses
        .send_email()
        .from_email_address(from)
        .destination(Destination::builder().to_addresses(to).build())
        .content(
            EmailContent::builder()
                .raw(RawMessage::builder().data(Blob::new(mime)).build()?)
                .build(),
        )
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("{}", aws_sdk_sesv2::error::DisplayErrorContext(&e)))?;
    Ok(())
}

fn str_attr<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v: &AttributeValue| v.as_s().ok())
        .map(String::as_str)
}
