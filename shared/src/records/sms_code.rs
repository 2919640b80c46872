//! 短信验证码: a 6-digit code, stored hashed, valid 5 minutes, 5 attempts; consumed in the
//! same transaction as the action it authorises.
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::domain::Mobile;
use crate::platform::db::{self, key, n, s};
use crate::platform::error::{ApiError, ApiResult, OrInternal};
use crate::platform::state::AppState;
use crate::platform::time;

pub const VALID_SECONDS: i64 = 300;
const MAX_ATTEMPTS: u32 = 5;

/// What a code is for; a code for one purpose never unlocks another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CodePurpose {
    /// 单位注册
    Register,
}

impl CodePurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
        }
    }
}

fn code_key(purpose: CodePurpose, mobile: &Mobile) -> db::Item {
    key(format!("SMSCODE#{}#{}", purpose.as_str(), mobile.as_str()), "CODE")
}

fn code_hash(purpose: CodePurpose, mobile: &Mobile, code: &str) -> String {
    hex::encode(Sha256::digest(format!(
        "{}|{}|{code}",
        purpose.as_str(),
        mobile.as_str()
    )))
}

/// The Put that stores a new `code` for `mobile` (replacing an earlier one).
pub fn put(
    table: &str,
    purpose: CodePurpose,
    mobile: &Mobile,
    code: &str,
    now: i64,
) -> anyhow::Result<TransactWriteItem> {
    let mut item = code_key(purpose, mobile);
    item.insert("code_hash".into(), s(code_hash(purpose, mobile, code)));
    item.insert("valid_until".into(), n(now + VALID_SECONDS));
    item.insert("attempts".into(), n(0));
    item.insert("expires_at".into(), n(now + 86_400));
    db::put_if(table, item, None, &[])
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
