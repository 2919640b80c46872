//! 登录保护: failure counts kept for every login anyone types, existing or not, so an answer
//! never tells whether an account exists. Three counters, each claimed with a conditional
//! write before the password is checked, so no parallelism gets past them:
//! - one login from one source address: 5 wrong guesses lock that source out for 15 minutes;
//! - one login from anywhere: 20 wrong guesses lock it for 15 minutes, which its holder lifts
//!   at once with an SMS code to the mobile on record (短信解锁), so a stranger cannot keep
//!   an account locked;
//! - one source address, any login: 50 wrong guesses an hour, then that source waits.
use aws_sdk_dynamodb::types::{ReturnValue, TransactWriteItem};

use crate::platform::db::{self, Item, key, n};
use crate::platform::error::{ApiError, ApiResult, OrInternal};
use crate::platform::http::ClientAddress;
use crate::platform::state::AppState;
use crate::platform::time;

pub const MAX_FAILURES: u32 = 5;
pub const ACCOUNT_MAX_FAILURES: u32 = 20;
pub const SOURCE_HOURLY_FAILURES: u32 = 50;
pub const LOCK_SECONDS: i64 = 15 * 60;

fn account_key(login: &str) -> Item {
    key(format!("LOGINGUARD#{login}"), "GUARD")
}

fn pair_key(login: &str, source: &ClientAddress) -> Item {
    key(format!("LOGINGUARD#{login}#FROM#{}", source.as_str()), "GUARD")
}

fn source_key(source: &ClientAddress, now: i64) -> Item {
    let hour = chrono::DateTime::from_timestamp(now, 0)
        .unwrap_or_default()
        .with_timezone(&time::BEIJING)
        .format("%Y%m%d%H");
    key(format!("LOGINSOURCE#{}#{hour}", source.as_str()), "GUARD")
}

/// What a claimed attempt may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Check the password: the `attempt`-th guess from this source and the `overall`-th from
    /// anywhere in the window (both from 1).
    Granted { attempt: u32, overall: u32 },
    /// This source locked out of this login: minutes to wait.
    Locked { minutes: i64 },
    /// The login locked from everywhere: minutes to wait, or unlock by SMS.
    AccountLocked { minutes: i64 },
    /// This source has guessed too much this hour, whatever the login.
    SourceLimited,
}

/// Claims one attempt for `login` from `source` at `now` (epoch seconds). A counter claimed
/// before a later one refuses is given back, so refusals never count as guesses.
pub async fn claim(state: &AppState, login: &str, source: &ClientAddress, now: i64) -> ApiResult<Claim> {
    let hour_ttl = now + 2 * 3_600;
    if add_one(
        state,
        source_key(source, now),
        "failures < :max",
        SOURCE_HOURLY_FAILURES,
        now,
        hour_ttl,
    )
    .await?
    .is_none()
    {
        return Ok(Claim::SourceLimited);
    }
    let lockable = "(attribute_not_exists(locked_until) OR locked_until <= :now) AND failures < :max";
    let day_ttl = now + 2 * 86_400;
    let Some(attempt) = add_one(state, pair_key(login, source), lockable, MAX_FAILURES, now, day_ttl).await? else {
        give_back(state, source_key(source, now)).await?;
        return Ok(Claim::Locked {
            minutes: minutes_left(state, pair_key(login, source), now).await?,
        });
    };
    let Some(overall) = add_one(state, account_key(login), lockable, ACCOUNT_MAX_FAILURES, now, day_ttl).await? else {
        give_back(state, source_key(source, now)).await?;
        give_back(state, pair_key(login, source)).await?;
        return Ok(Claim::AccountLocked {
            minutes: minutes_left(state, account_key(login), now).await?,
        });
    };
    Ok(Claim::Granted { attempt, overall })
}

/// `ADD failures 1` if `condition` holds (a missing counter counts as 0); the new count.
async fn add_one(state: &AppState, key: Item, condition: &str, max: u32, now: i64, ttl: i64) -> ApiResult<Option<u32>> {
    let mut update = state
        .db
        .update_item()
        .table_name(&*state.table)
        .set_key(Some(key))
        .update_expression("SET failures = if_not_exists(failures, :zero) + :one, expires_at = :ttl")
        .condition_expression(format!("attribute_not_exists(failures) OR ({condition})"))
        .expression_attribute_values(":zero", n(0))
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":ttl", n(ttl))
        .expression_attribute_values(":max", n(max));
    // DynamoDB refuses values an expression does not use.
    if condition.contains(":now") {
        update = update.expression_attribute_values(":now", n(now));
    }
    let result = update.return_values(ReturnValue::UpdatedNew).send().await;
    match result {
        Ok(out) => Ok(Some(db::number(out.attributes.as_ref(), "failures").unwrap_or(max))),
        Err(e) if db::is_condition_failed(&e) => Ok(None),
        Err(e) => Err(ApiError::internal(anyhow::Error::new(e).context("claim login attempt"))),
    }
}

async fn give_back(state: &AppState, key: Item) -> ApiResult<()> {
    let result = state
        .db
        .update_item()
        .table_name(&*state.table)
        .set_key(Some(key))
        .update_expression("SET failures = failures - :one")
        .condition_expression("failures > :zero")
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":zero", n(0))
        .send()
        .await;
    match result {
        Err(e) if !db::is_condition_failed(&e) => Err(ApiError::internal(
            anyhow::Error::new(e).context("give back login attempt"),
        )),
        _ => Ok(()),
    }
}

async fn minutes_left(state: &AppState, key: Item, now: i64) -> ApiResult<i64> {
    let guard = db::get_item(state, key, "get login guard").await?;
    let until = db::number::<i64>(guard.as_ref(), "locked_until")
        .filter(|until| *until > now)
        .unwrap_or(now + LOCK_SECONDS);
    Ok((until - now + 59) / 60)
}

/// What a wrong guess did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Guesses left from this source.
    Left(u32),
    /// This source is now locked out of the login.
    Locked,
    /// The login is now locked from everywhere (unlock by SMS).
    AccountLocked,
}

/// A wrong guess, the claimed one: the fifth from a source locks that source out, the
/// twentieth from anywhere locks the login; a locked counter starts again when its lock ends.
pub async fn failed(
    state: &AppState,
    login: &str,
    source: &ClientAddress,
    claim: (u32, u32),
    now: i64,
) -> ApiResult<AfterFailure> {
    let (attempt, overall) = claim;
    if overall >= ACCOUNT_MAX_FAILURES {
        reset(state, account_key(login), now + LOCK_SECONDS).await?;
        reset(state, pair_key(login, source), 0).await?;
        return Ok(AfterFailure::AccountLocked);
    }
    if attempt >= MAX_FAILURES {
        reset(state, pair_key(login, source), now + LOCK_SECONDS).await?;
        return Ok(AfterFailure::Locked);
    }
    Ok(AfterFailure::Left(MAX_FAILURES - attempt))
}

/// The right password: this source's and the login's counts start again, and the source's
/// hourly count forgets the guess (it was no guess).
pub async fn succeeded(state: &AppState, login: &str, source: &ClientAddress, now: i64) -> ApiResult<()> {
    reset(state, pair_key(login, source), 0).await?;
    reset(state, account_key(login), 0).await?;
    give_back(state, source_key(source, now)).await
}

async fn reset(state: &AppState, key: Item, locked_until: i64) -> ApiResult<()> {
    state
        .db
        .update_item()
        .table_name(&*state.table)
        .set_key(Some(key))
        .update_expression("SET locked_until = :until, failures = :z")
        .expression_attribute_values(":until", n(locked_until))
        .expression_attribute_values(":z", n(0))
        .send()
        .await
        .or_internal("reset login guard")?;
    Ok(())
}

/// Lifts the login's lock from everywhere (an admin's password reset), inside the caller's
/// transaction.
pub fn clear(table: &str, login: &str) -> anyhow::Result<TransactWriteItem> {
    db::delete_if(table, account_key(login), None, &[])
}

/// 短信解锁: lifts the login's lock from everywhere and this source's, inside the caller's
/// transaction (with the code's consumption).
pub fn unlock(table: &str, login: &str, source: &ClientAddress) -> anyhow::Result<Vec<TransactWriteItem>> {
    Ok(vec![
        db::delete_if(table, account_key(login), None, &[])?,
        db::delete_if(table, pair_key(login, source), None, &[])?,
    ])
}
