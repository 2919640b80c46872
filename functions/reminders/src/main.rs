//! Lambda entry point of the reminders: the hourly schedule's event only says "now"; what is
//! due, and whether it went out before, is read from the table (see `steps::reminders`).
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::platform::telemetry::init();
    let state = shared::AppState::from_env().await?;
    lambda_runtime::run(service_fn(move |_event: LambdaEvent<Value>| {
        let state = state.clone();
        async move {
            let report = shared::steps::reminders::run(&state, shared::platform::time::now())
                .await
                .map_err(|err| lambda_runtime::Error::from(format!("{err:?}")))?;
            Ok::<Value, lambda_runtime::Error>(serde_json::to_value(report)?)
        }
    }))
    .await
}
