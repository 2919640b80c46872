//! 短信验证码: a 6-digit code, stored hashed, valid 5 minutes, 5 attempts; consumed in the
//! same transaction as the action it authorises. Anyone may ask for one, so what codes can
//! cost is bounded three ways: per number or login (one send per 60 s, 10 a day), per source
//! address (30 an hour) and for the whole system (a daily ceiling the office sets, 3,000
//! unless configured).
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, TransactWriteItem};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::domain::Mobile;
use crate::platform::db::{self, key, n, s};
use crate::platform::error::{ApiError, ApiResult, OrInternal};
use crate::platform::http::ClientAddress;
use crate::platform::sms::{self, SmsText};
use crate::platform::state::AppState;
use crate::platform::time;

pub const VALID_SECONDS: i64 = 300;
const MAX_ATTEMPTS: u32 = 5;

/// What a code is for; a code for one purpose never unlocks another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CodePurpose {
    /// 单位注册: the code is for a mobile number.
    Register,
    /// 短信解锁: the code is for a login, and goes to the mobile on record for it.
    Unlock,
    /// 更换联系人: the new contact's mobile proves itself.
    ContactChange,
    /// 忘记密码: like an unlock, the code is for a login and goes to the mobile on record.
    PasswordReset,
}

impl CodePurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Unlock => "unlock",
            Self::ContactChange => "contact_change",
            Self::PasswordReset => "password_reset",
        }
    }
}

/// `subject` is whom the code is for: the mobile for a registration, the login for an unlock
/// (kept even for a login that does not exist, so the answers never tell which ones do).
fn code_key(purpose: CodePurpose, subject: &str) -> db::Item {
    key(format!("SMSCODE#{}#{subject}", purpose.as_str()), "CODE")
}

fn code_hash(purpose: CodePurpose, subject: &str, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{}|{subject}|{code}", purpose.as_str())))
}

/// The Put that stores a new `code` for `subject` (replacing an earlier one).
pub fn put(
    table: &str,
    purpose: CodePurpose,
    subject: &str,
    code: &str,
    now: i64,
) -> anyhow::Result<TransactWriteItem> {
    let mut item = code_key(purpose, subject);
    item.insert("code_hash".into(), s(code_hash(purpose, subject, code)));
    item.insert("valid_until".into(), n(now + VALID_SECONDS));
    item.insert("attempts".into(), n(0));
    item.insert("expires_at".into(), n(now + 86_400));
    db::put_if(table, item, None, &[])
}

fn too_many_attempts() -> ApiError {
    ApiError::refused("CODE_TOO_MANY_ATTEMPTS", "验证码错误次数过多，请重新获取")
}

/// Checks a code; on success returns the write that consumes it, to commit with the action
/// it authorises (so a code is used at most once). Each check first claims one of the five
/// attempts with a conditional write, so parallel guesses never check more than five.
pub async fn verify(state: &AppState, purpose: CodePurpose, subject: &str, code: &str) -> ApiResult<TransactWriteItem> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::refused("CODE_FORMAT", "请输入6位数字短信验证码"));
    }
    let now = time::now().timestamp();
    let claimed = state
        .db
        .update_item()
        .table_name(&*state.table)
        .set_key(Some(code_key(purpose, subject)))
        .update_expression("ADD attempts :one")
        .condition_expression("attribute_exists(pk) AND attempts < :max AND valid_until > :now")
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":max", n(MAX_ATTEMPTS))
        .expression_attribute_values(":now", n(now))
        .return_values(ReturnValue::AllNew)
        .send()
        .await;
    let item = match claimed {
        Ok(out) => out.attributes.unwrap_or_default(),
        Err(e) if db::is_condition_failed(&e) => {
            return Err(why_unclaimed(state, purpose, subject, now).await);
        }
        Err(e) => return Err(ApiError::internal(anyhow::Error::new(e).context("claim code attempt"))),
    };
    let attempts: u32 = db::number(Some(&item), "attempts").unwrap_or(MAX_ATTEMPTS);
    let stored_hash = item
        .get("code_hash")
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_default();
    if stored_hash != code_hash(purpose, subject, code) {
        let left = MAX_ATTEMPTS.saturating_sub(attempts);
        return Err(if left > 0 {
            ApiError::refused("CODE_WRONG", format!("验证码不正确，还可尝试{left}次"))
        } else {
            too_many_attempts()
        });
    }
    db::delete_if(
        &state.table,
        code_key(purpose, subject),
        Some("code_hash = :h AND attempts = :claimed AND valid_until > :now"),
        &[
            (":h", AttributeValue::S(stored_hash)),
            (":claimed", n(attempts)),
            (":now", n(now)),
        ],
    )
    .or_internal("build code consume")
}

/// Words why no attempt could be claimed: no code, an expired one, or five used.
async fn why_unclaimed(state: &AppState, purpose: CodePurpose, subject: &str, now: i64) -> ApiError {
    let item = match db::get_item(state, code_key(purpose, subject), "get code").await {
        Ok(item) => item,
        Err(e) => return e,
    };
    match item {
        None => ApiError::refused("CODE_NOT_SENT", "请先获取短信验证码"),
        Some(item) if db::number::<i64>(Some(&item), "valid_until").unwrap_or(0) <= now => {
            ApiError::refused("CODE_EXPIRED", "验证码已过期，请重新获取")
        }
        Some(_) => too_many_attempts(),
    }
}

const RESEND_SECONDS: i64 = 60;
const DAILY_LIMIT: u32 = 10;
const SOURCE_HOURLY_LIMIT: u32 = 30;
pub const SYSTEM_DAILY_LIMIT: u32 = 3_000;

/// Per number for a registration code; per login for an unlock or reset code (whichever
/// mobile it goes to, and whether or not the login exists).
fn rate_key(purpose: CodePurpose, subject: &str) -> db::Item {
    let day = time::today_beijing().format("%Y%m%d");
    match purpose {
        CodePurpose::Register | CodePurpose::ContactChange => key(format!("SMSRATE#{subject}#{day}"), "RATE"),
        CodePurpose::Unlock | CodePurpose::PasswordReset => {
            key(format!("SMSRATE#{}#{subject}#{day}", purpose.as_str()), "RATE")
        }
    }
}

fn source_key(source: &ClientAddress) -> db::Item {
    key(
        format!(
            "SMSSOURCE#{}#{}",
            source.as_str(),
            time::now().with_timezone(&time::BEIJING).format("%Y%m%d%H")
        ),
        "RATE",
    )
}

fn system_key() -> db::Item {
    key(format!("SMSSYSTEM#{}", time::today_beijing().format("%Y%m%d")), "RATE")
}

/// The office's daily ceiling on codes for the whole system (item `CONFIG`/`SMSLIMITS`,
/// attribute `codes_per_day`), so a pumping attack is capped in money without a redeploy.
pub fn limits_key() -> db::Item {
    key("CONFIG", "SMSLIMITS")
}

async fn system_daily_limit(state: &AppState) -> ApiResult<u32> {
    let limits = db::get_item(state, limits_key(), "get sms limits").await?;
    Ok(db::number(limits.as_ref(), "codes_per_day").unwrap_or(SYSTEM_DAILY_LIMIT))
}

/// One more send under `limit` on the counter at `key`, kept two days.
fn count_under(table: &str, key: db::Item, limit: u32, now: i64) -> ApiResult<TransactWriteItem> {
    db::update_if(
        table,
        key,
        "SET expires_at = :ttl ADD sent_count :one",
        Some("attribute_not_exists(sent_count) OR sent_count < :max"),
        &[],
        &[(":ttl", n(now + 2 * 86_400)), (":one", n(1)), (":max", n(limit))],
    )
    .or_internal("build sms counter")
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CodeSent {
    /// Seconds before another code may be requested.
    pub resend_after: i64,
    /// Seconds the code stays valid.
    pub valid_for: i64,
}

/// 短信解锁: a code for `login`, sent to `to`, the mobile on record for it. For a login that
/// does not exist (`to` is `None`) the same is counted and stored but nothing is sent, so the
/// answer is the same for both.
pub async fn send_for_unlock(
    state: &AppState,
    login: &str,
    to: Option<&Mobile>,
    source: &ClientAddress,
) -> ApiResult<CodeSent> {
    send(state, CodePurpose::Unlock, login, to, source).await
}

/// Creates a code for `subject` and queues its SMS to `to`, atomically with the rate counters.
pub async fn send(
    state: &AppState,
    purpose: CodePurpose,
    subject: &str,
    to: Option<&Mobile>,
    source: &ClientAddress,
) -> ApiResult<CodeSent> {
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    let now = time::now().timestamp();
    let table = &*state.table;
    let rate = db::update_if(
        table,
        rate_key(purpose, subject),
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
    let per_source = count_under(table, source_key(source), SOURCE_HOURLY_LIMIT, now)?;
    let system = count_under(table, system_key(), system_daily_limit(state).await?, now)?;
    let put = put(table, purpose, subject, &code, now).or_internal("build code put")?;
    let mut items = vec![rate, per_source, system, put];
    if let Some(mobile) = to {
        let event = format!("code:{}", uuid::Uuid::new_v4());
        items.push(sms::enqueue(table, &event, mobile, &SmsText::Code { code }).or_internal("build sms")?);
    }
    if let Err(err) = db::transact(state, items).await {
        let cancelled = err.cancelled()?;
        return Err(if cancelled.failed_at(0) {
            rate_refusal(state, purpose, subject, now).await
        } else if cancelled.failed_at(1) {
            ApiError::too_many("SMS_SOURCE_LIMIT", "您所在的网络获取验证码过于频繁，请一小时后再试")
        } else if cancelled.failed_at(2) {
            // The ceiling protects the office's money; someone must look at why it was reached.
            tracing::error!(alarm = "sms_system_limit", "daily SMS code ceiling reached");
            ApiError::too_many(
                "SMS_SYSTEM_LIMIT",
                "今日系统验证码发送量已达上限，请明天再试；如有急事请致电河南省办事处",
            )
        } else {
            ApiError::internal(anyhow::anyhow!("code send cancelled: {cancelled:?}"))
        });
    }
    tracing::info!(to = ?to.map(Mobile::masked), purpose = purpose.as_str(), "verification code queued");
    Ok(CodeSent {
        resend_after: RESEND_SECONDS,
        valid_for: VALID_SECONDS,
    })
}

async fn rate_refusal(state: &AppState, purpose: CodePurpose, subject: &str, now: i64) -> ApiError {
    // The refusal only words the answer: an unreadable counter reads as zero.
    let rate = db::get_item(state, rate_key(purpose, subject), "get sms rate")
        .await
        .ok()
        .flatten();
    let get = |name: &str| db::number::<i64>(rate.as_ref(), name).unwrap_or(0);
    if get("sent_count") >= i64::from(DAILY_LIMIT) {
        ApiError::too_many(
            "SMS_DAILY_LIMIT",
            match purpose {
                CodePurpose::Unlock | CodePurpose::PasswordReset => {
                    format!("该账号今日获取验证码已达{DAILY_LIMIT}次，请明天再试")
                }
                CodePurpose::Register | CodePurpose::ContactChange => {
                    format!("该手机号今日获取验证码已达{DAILY_LIMIT}次，请明天再试")
                }
            },
        )
    } else {
        let wait = (get("last_sent_at") + RESEND_SECONDS - now).max(1);
        ApiError::too_many("SMS_TOO_FREQUENT", format!("验证码发送过于频繁，请{wait}秒后再试"))
    }
}
