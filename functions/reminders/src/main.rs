//! Lambda entry point of the reminders: the hourly schedule's event only says "now"; what is
//! due, and whether it went out before, is read from the table (see `steps::reminders`).
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::{Value, json};
use shared::steps::reminders;

/// Of the function's 300 s: the rest is left to the reminders themselves.
const BACKFILL_BUDGET: std::time::Duration = std::time::Duration::from_secs(180);

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::platform::telemetry::init();
    let state = shared::AppState::from_env().await?;
    lambda_runtime::run(service_fn(move |_event: LambdaEvent<Value>| {
        let state = state.clone();
        async move {
            let failed = |err| lambda_runtime::Error::from(format!("{err:?}"));
            // Older certificates first get their end-of-cover key, a slice per run until done.
            let backfill = reminders::backfill_certificates(&state, BACKFILL_BUDGET)
                .await
                .map_err(failed)?;
            let report = reminders::run(&state, shared::platform::time::now())
                .await
                .map_err(failed)?;
            Ok::<Value, lambda_runtime::Error>(json!({ "backfill": backfill, "reminders": report }))
        }
    }))
    .await
}
