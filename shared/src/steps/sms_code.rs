//! 获取短信验证码: creates a code and queues its SMS, at most one send per 60 s and 10 a day
//! per number.
use rand::Rng;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::Mobile;
use crate::platform::db::{self, key, n};
use crate::platform::error::{ApiError, ApiResult, OrInternal};
use crate::platform::sms::{self, SmsText};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::sms_code::{self, CodePurpose};

const RESEND_SECONDS: i64 = 60;
const DAILY_LIMIT: u32 = 10;

fn rate_key(mobile: &Mobile) -> db::Item {
    key(
        format!("SMSRATE#{}#{}", mobile.as_str(), time::today_beijing().format("%Y%m%d")),
        "RATE",
    )
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
    let put = sms_code::put(table, purpose, mobile, &code, now).or_internal("build code put")?;
    let event = format!("code:{}", uuid::Uuid::new_v4());
    let outbox = sms::enqueue(table, &event, mobile, &SmsText::Code { code }).or_internal("build sms")?;
    if let Err(err) = db::transact(state, vec![rate, put, outbox]).await {
        let cancelled = err.cancelled()?;
        return Err(if cancelled.failed_at(0) {
            rate_refusal(state, mobile, now).await
        } else {
            ApiError::internal(anyhow::anyhow!("code send cancelled: {cancelled:?}"))
        });
    }
    tracing::info!(to = %mobile, purpose = purpose.as_str(), "verification code queued");
    Ok(CodeSent {
        resend_after: RESEND_SECONDS,
        valid_for: sms_code::VALID_SECONDS,
    })
}

async fn rate_refusal(state: &AppState, mobile: &Mobile, now: i64) -> ApiError {
    // The refusal only words the answer: an unreadable counter reads as zero.
    let rate = db::get_item(state, rate_key(mobile), "get sms rate")
        .await
        .ok()
        .flatten();
    let get = |name: &str| db::number::<i64>(rate.as_ref(), name).unwrap_or(0);
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
