//! Lambda entry point of the outbox sender (SMS and mail). Any event — a batch of new outbox items from the
//! table's stream, or the retry schedule — means "send what is due"; the event body itself
//! is not needed because the outbox is the source of truth.
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::platform::telemetry::init();
    let state = shared::AppState::from_env().await?;
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest()).load().await;
    let senders = shared::platform::outbox::Senders::from_env(&config)?;
    lambda_runtime::run(service_fn(move |_event: LambdaEvent<Value>| {
        let state = state.clone();
        let senders = senders.clone();
        async move {
            let report = shared::platform::outbox::drain(&state, &senders).await?;
            tracing::info!(sent = report.sent, failed = report.failed, "outbox drained");
            // Every run, the schedule's included: the alarm on a stuck outbox reads this gauge.
            let waiting = shared::platform::outbox::oldest_pending_seconds(&state).await?;
            shared::platform::metrics::outbox_oldest_pending(waiting);
            Ok::<Value, lambda_runtime::Error>(json!({ "sent": report.sent, "failed": report.failed }))
        }
    }))
    .await
}
