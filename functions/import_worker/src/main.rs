//! Lambda entry point of the background worker: member imports and staff exports. Any event —
//! a new job from the table's stream, or the retry schedule — means "run the jobs that are
//! due"; the jobs in the table are the source of truth, so the event body itself is not needed.
//! Exports ride here rather than in a Lambda of their own: a DynamoDB stream serves at most two
//! readers per shard well, and the notifier and this worker are those two.
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
            let exported = shared::steps::export::run_due_exports(&state).await?;
            tracing::info!(ended, exported, "due imports and exports run");
            Ok::<Value, lambda_runtime::Error>(json!({ "ended": ended, "exported": exported }))
        }
    }))
    .await
}
