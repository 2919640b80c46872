//! 登录保护: the failure count and lock of one login, kept for every login anyone types,
//! existing or not, so an answer never tells whether an account exists. Each attempt is
//! claimed with a conditional write before its password is checked: at most five guesses are
//! evaluated per lock window, however many requests arrive at once.
use aws_sdk_dynamodb::types::{ReturnValue, TransactWriteItem};

use crate::platform::db::{self, Item, key, n};
use crate::platform::error::{ApiResult, OrInternal};
use crate::platform::state::AppState;

pub const MAX_FAILURES: u32 = 5;
pub const LOCK_SECONDS: i64 = 15 * 60;

fn guard_key(login: &str) -> Item {
    key(format!("LOGINGUARD#{login}"), "GUARD")
}

/// What a claimed attempt may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Check the password: this is the `attempt`-th guess of the window (from 1).
    Granted { attempt: u32 },
    /// Locked (or five guesses are being checked right now): minutes to wait.
    Locked { minutes: i64 },
}

/// Claims one attempt for `login` at `now` (epoch seconds).
pub async fn claim(state: &AppState, login: &str, now: i64) -> ApiResult<Claim> {
    let result = state
        .db
        .update_item()
        .table_name(&*state.table)
        .set_key(Some(guard_key(login)))
        .update_expression("ADD failures :one SET expires_at = :ttl")
        .condition_expression(
            "(attribute_not_exists(locked_until) OR locked_until <= :now) \
             AND (attribute_not_exists(failures) OR failures < :max)",
        )
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":ttl", n(now + 2 * 86_400))
        .expression_attribute_values(":now", n(now))
        .expression_attribute_values(":max", n(MAX_FAILURES))
        .return_values(ReturnValue::UpdatedNew)
        .send()
        .await;
    match result {
        Ok(out) => Ok(Claim::Granted {
            attempt: db::number(out.attributes.as_ref(), "failures").unwrap_or(MAX_FAILURES),
        }),
        Err(e) if db::is_condition_failed(&e) => {
            let guard = db::get_item(state, guard_key(login), "get login guard").await?;
            let until = db::number::<i64>(guard.as_ref(), "locked_until")
                .filter(|until| *until > now)
                .unwrap_or(now + LOCK_SECONDS);
            Ok(Claim::Locked {
                minutes: (until - now + 59) / 60,
            })
        }
        Err(e) => Err(anyhow::Error::new(e).context("claim login attempt")).or_internal("login guard"),
    }
}

/// A wrong guess, the `attempt`-th: the last one locks the login for fifteen minutes. Returns
/// the guesses left.
pub async fn failed(state: &AppState, login: &str, attempt: u32, now: i64) -> ApiResult<u32> {
    if attempt < MAX_FAILURES {
        return Ok(MAX_FAILURES - attempt);
    }
    // Locked from now: the count starts again when the lock ends.
    reset(state, login, now + LOCK_SECONDS).await?;
    Ok(0)
}

/// The right password: the count starts again.
pub async fn succeeded(state: &AppState, login: &str) -> ApiResult<()> {
    reset(state, login, 0).await
}

async fn reset(state: &AppState, login: &str, locked_until: i64) -> ApiResult<()> {
    state
        .db
        .update_item()
        .table_name(&*state.table)
        .set_key(Some(guard_key(login)))
        .update_expression("SET locked_until = :until, failures = :z")
        .expression_attribute_values(":until", n(locked_until))
        .expression_attribute_values(":z", n(0))
        .send()
        .await
        .or_internal("reset login guard")?;
    Ok(())
}

/// Lifts a lock (an admin's password reset), inside the caller's transaction.
pub fn clear(table: &str, login: &str) -> anyhow::Result<TransactWriteItem> {
    db::delete_if(table, guard_key(login), None, &[])
}
