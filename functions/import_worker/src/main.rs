//! Lambda entry point of the import worker. Any event — a new import job from the table's
//! stream, or the retry schedule — means "run the imports that are due"; the jobs in the table
//! are the source of truth, so the event body itself is not needed.
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::platform::telemetry::init();
    let state = shared::AppState::from_env().await?;
    lambda_runtime::run(service_fn(move |_event: LambdaEvent<Value>| {
        let state = state.clone();
        async move {
            let ended = shared::steps::member_import::run_due_imports(&state).await?;
            tracing::info!(ended, "due imports run");
            Ok::<Value, lambda_runtime::Error>(json!({ "ended": ended }))
        }
    }))
    .await
}
