//! Lambda entry point: build the clients once, serve the router.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::platform::telemetry::init();
    let state = shared::AppState::from_env().await?;
    lambda_http::run(registration::router(state)).await
}
