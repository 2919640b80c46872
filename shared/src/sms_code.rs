//! SMS verification codes: 6 digits, stored hashed, valid 5 minutes, 5 attempts,
//! at most one send per 60 s and 10 a day per number.
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::db::{self, TransactError, key, n, s};
use crate::domain::Mobile;
use crate::error::{ApiError, ApiResult, OrInternal};
use crate::sms::{self, SmsText};
use crate::state::AppState;
use crate::time;

const VALID_SECONDS: i64 = 300;
const MAX_ATTEMPTS: u32 = 5;
const RESEND_SECONDS: i64 = 60;
const DAILY_LIMIT: u32 = 10;

/// What a code is for; a code for one purpose never unlocks another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CodePurpose {
    /// 单位注册
    Register,
}

impl CodePurpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
        }
    }
}

fn code_key(purpose: CodePurpose, mobile: &Mobile) -> db::Item {
    key(format!("SMSCODE#{}#{}", purpose.as_str(), mobile.as_str()), "CODE")
}

fn rate_key(mobile: &Mobile) -> db::Item {
    key(
        format!("SMSRATE#{}#{}", mobile.as_str(), time::today_beijing().format("%Y%m%d")),
        "RATE",
    )
}

fn code_hash(purpose: CodePurpose, mobile: &Mobile, code: &str) -> String {
    hex::encode(Sha256::digest(format!(
        "{}|{}|{code}",
        purpose.as_str(),
        mobile.as_str()
    )))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CodeSent {
    /// Seconds before another code may be requested.
    pub resend_after: i64,
    /// Seconds the code stays valid.
    pub valid_for: i64,
}

/// Creates a code and queues its SMS, atomically with the rate counters.
pub async fn send(state: &AppState, purpose: CodePurpose, mobile: &Mobile) -> ApiResult<CodeSent> {
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    let now = time::now().timestamp();
    let table = &*state.table;
    let rate = db::update_if(
        table,
        rate_key(mobile),
        "SET last_sent_at = :now, expires_at = :ttl ADD sent_count :one",
        Some("attribute_not_exists(pk) OR (sent_count < :max AND last_sent_at <= :cutoff)"),
        &[],
        &[
            (":now", n(now)),
            (":ttl", n(now + 2 * 86_400)),
            (":one", n(1)),
            (":max", n(DAILY_LIMIT)),
            (":cutoff", n(now - RESEND_SECONDS)),
        ],
    )
    .or_internal("build rate update")?;
    let mut item = code_key(purpose, mobile);
    item.insert("code_hash".into(), s(code_hash(purpose, mobile, &code)));
    item.insert("valid_until".into(), n(now + VALID_SECONDS));
    item.insert("attempts".into(), n(0));
    item.insert("expires_at".into(), n(now + 86_400));
    let put = db::put_if(table, item, None, &[]).or_internal("build code put")?;
    let event = format!("code:{}", uuid::Uuid::new_v4());
    let outbox = sms::enqueue(table, &event, mobile, &SmsText::Code { code }).or_internal("build sms")?;
    match db::transact(state, vec![rate, put, outbox]).await {
        Ok(()) => {
            tracing::info!(to = %mobile, purpose = purpose.as_str(), "verification code queued");
            Ok(CodeSent {
                resend_after: RESEND_SECONDS,
                valid_for: VALID_SECONDS,
            })
        }
        Err(e) if e.failed_at(0) => Err(rate_refusal(state, mobile, now).await),
        Err(TransactError::Cancelled(r)) => Err(ApiError::internal(anyhow::anyhow!("code send cancelled: {r:?}"))),
        Err(TransactError::Other(e)) => Err(ApiError::internal(e)),
    }
}

async fn rate_refusal(state: &AppState, mobile: &Mobile, now: i64) -> ApiError {
    let item = state
        .db
        .get_item()
        .table_name(&*state.table)
        .set_key(Some(rate_key(mobile)))
        .consistent_read(true)
        .send()
        .await;
    let get = |name: &str| -> i64 {
        item.as_ref()
            .ok()
            .and_then(|o| o.item())
            .and_then(|i| i.get(name))
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    if get("sent_count") >= i64::from(DAILY_LIMIT) {
        ApiError::too_many(
            "SMS_DAILY_LIMIT",
            format!("该手机号今日获取验证码已达{DAILY_LIMIT}次，请明天再试"),
        )
    } else {
        let wait = (get("last_sent_at") + RESEND_SECONDS - now).max(1);
        ApiError::too_many("SMS_TOO_FREQUENT", format!("验证码发送过于频繁，请{wait}秒后再试"))
    }
}

/// Checks a code; on success returns the write that consumes it, to commit with the action
/// it authorises (so a code is used at most once). A wrong code counts an attempt.
pub async fn verify(
    state: &AppState,
    purpose: CodePurpose,
    mobile: &Mobile,
    code: &str,
) -> ApiResult<TransactWriteItem> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::bad_request("CODE_FORMAT", "请输入6位数字短信验证码"));
    }
    let out = state
        .db
        .get_item()
        .table_name(&*state.table)
        .set_key(Some(code_key(purpose, mobile)))
        .consistent_read(true)
        .send()
        .await
        .or_internal("get code")?;
    let Some(item) = out.item else {
        return Err(ApiError::bad_request("CODE_NOT_SENT", "请先获取短信验证码"));
    };
    let num = |name: &str| {
        item.get(name)
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let stored_hash = item
        .get("code_hash")
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_default();
    let now = time::now().timestamp();
    if num("valid_until") <= now {
        return Err(ApiError::bad_request("CODE_EXPIRED", "验证码已过期，请重新获取"));
    }
    let attempts = num("attempts");
    if attempts >= i64::from(MAX_ATTEMPTS) {
        return Err(ApiError::bad_request(
            "CODE_TOO_MANY_ATTEMPTS",
            "验证码错误次数过多，请重新获取",
        ));
    }
    if stored_hash != code_hash(purpose, mobile, code) {
        state
            .db
            .update_item()
            .table_name(&*state.table)
            .set_key(Some(code_key(purpose, mobile)))
            .update_expression("ADD attempts :one")
            .expression_attribute_values(":one", n(1))
            .send()
            .await
            .or_internal("count code attempt")?;
        let left = i64::from(MAX_ATTEMPTS) - attempts - 1;
        return Err(if left > 0 {
            ApiError::bad_request("CODE_WRONG", format!("验证码不正确，还可尝试{left}次"))
        } else {
            ApiError::bad_request("CODE_TOO_MANY_ATTEMPTS", "验证码错误次数过多，请重新获取")
        });
    }
    db::delete_if(
        &state.table,
        code_key(purpose, mobile),
        Some("code_hash = :h AND attempts < :max AND valid_until > :now"),
        &[
            (":h", AttributeValue::S(stored_hash)),
            (":max", n(MAX_ATTEMPTS)),
            (":now", n(now)),
        ],
    )
    .or_internal("build code consume")
}
