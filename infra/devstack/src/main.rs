//! `devstack dev`  — the whole system on http://127.0.0.1:3000 (make dev)
//! `devstack test` — emulators on free ports, then `cargo test` against them (make test)
//! `devstack bench` — the same for `cargo bench` (make bench-http)
//! `devstack openapi [--check]` — write or check functions/reference/openapi.json
//! `devstack seed` — the catalogue and first admin in a deployed stack (TABLE_NAME, BUCKET_NAME)
//! `devstack publish-web BUCKET [DIR]` — web/dist into the deployed web bucket (make deploy)
//! `devstack export PLACE` / `devstack import PLACE` — the whole table to or from newline JSON in
//! a file or `s3://BUCKET/KEY`: the deployed table (TABLE_NAME, BUCKET_NAME and the AWS
//! environment) when TABLE_NAME is set, else the running `make dev` stack
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use aws_config::BehaviorVersion;
use devstack::stack::LocalStack;
use shared::AppState;
use shared::platform::outbox::Senders;

fn env_port(name: &str, default: u16) -> anyhow::Result<u16> {
    match std::env::var(name) {
        Ok(v) => v.parse().with_context(|| format!("{name}={v} is not a port")),
        Err(_) => Ok(default),
    }
}

/// SDK clients pointed at the emulators, built explicitly (the process environment stays as is).
async fn local_state(stack: &LocalStack, table: &str, bucket: &str) -> AppState {
    local_state_at(&stack.dynamodb_url, &stack.moto_url, table, bucket).await
}

async fn local_state_at(dynamodb_url: &str, moto_url: &str, table: &str, bucket: &str) -> AppState {
    let base = aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "local", "local", None, None, "devstack",
        ))
        .load()
        .await;
    let db = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&base)
            .endpoint_url(dynamodb_url)
            .build(),
    );
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&base)
            .endpoint_url(moto_url)
            .force_path_style(true)
            .build(),
    );
    let sns = aws_sdk_sns::Client::from_conf(aws_sdk_sns::config::Builder::from(&base).endpoint_url(moto_url).build());
    AppState::from_clients(db, s3, sns, table, bucket)
}

/// SES (moto) for the local stack's mail, sending as the local sender.
async fn local_senders(stack: &LocalStack) -> Senders {
    let base = aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "local", "local", None, None, "devstack",
        ))
        .endpoint_url(&stack.moto_url)
        .load()
        .await;
    Senders::new(&base, Some(devstack::LOCAL_MAIL_FROM.to_owned()))
}

async fn dev() -> anyhow::Result<()> {
    let root = devstack::repo_root();
    let http_port = env_port("DEV_PORT", 3000)?;
    let stack = LocalStack::start(
        &root,
        Some(env_port("DYNAMODB_PORT", 8000)?),
        Some(env_port("MOTO_PORT", 5000)?),
    )
    .await?;
    let state = local_state(&stack, "cwmia-dev", "cwmia-dev").await;
    devstack::resources::create_all(&state).await?;
    let senders = local_senders(&stack).await;
    devstack::resources::create_mail_identity(&senders).await?;
    let admin_password = devstack::app::seed(&state).await?;

    let notifier_state = state.clone();
    tokio::spawn(async move {
        loop {
            if let Err(e) = shared::platform::outbox::drain(&notifier_state, &senders).await {
                tracing::warn!(error = format!("{e:#}"), "notifier pass failed");
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    });
    // The background worker (imports and exports), as the table's stream and schedule wake it in AWS.
    let worker_state = state.clone();
    tokio::spawn(async move {
        loop {
            if let Err(e) = shared::steps::member_import::run_due_imports(&worker_state).await {
                tracing::warn!(error = format!("{e:#}"), "import worker pass failed");
            }
            if let Err(e) = shared::steps::export::run_due_exports(&worker_state).await {
                tracing::warn!(error = format!("{e:#}"), "export worker pass failed");
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    });

    // The reminders, as their hourly schedule runs them in AWS (a minute here: a reminder is
    // queued once per event however often this runs).
    let reminders_state = state.clone();
    tokio::spawn(async move {
        loop {
            let budget = Duration::from_secs(20);
            if let Err(e) = shared::steps::reminders::backfill_certificates(&reminders_state, budget).await {
                tracing::warn!(error = ?e, "certificate backfill pass failed");
            }
            if let Err(e) = shared::steps::reminders::run(&reminders_state, shared::platform::time::now()).await {
                tracing::warn!(error = ?e, "reminders pass failed");
            }
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
    });

    let dist = std::env::var_os("WEB_DIST")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("web/dist"));
    if !dist.join("index.html").is_file() {
        eprintln!(
            "  note: {} has no index.html: build the front end (cd web && npm ci && npm run build)",
            dist.display()
        );
    }
    let fixtures = devstack::app::fixture_routes(state.clone());
    let app = devstack::app::router(state)
        .merge(devstack::app::dev_routes(stack.moto_url.clone()))
        .merge(fixtures)
        .merge(devstack::app::web_routes(&dist));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", http_port))
        .await
        .with_context(|| format!("port {http_port} is busy (set DEV_PORT)"))?;
    println!("\n  中国职工保险互助会河南省办事处 参保业务系统 — local stack");
    println!("  Web:          http://127.0.0.1:{http_port}/");
    println!("  API:          http://127.0.0.1:{http_port}/api  (OpenAPI: /api/openapi.json)");
    println!("  SMS received: http://127.0.0.1:{http_port}/dev/sms");
    println!("  Mail sent:    http://127.0.0.1:{http_port}/dev/mail");
    println!(
        "  DynamoDB:     {}   S3/SNS (moto): {}",
        stack.dynamodb_url, stack.moto_url
    );
    match admin_password {
        Some(p) => println!("  Admin login:  admin / {p}  (change at first login)"),
        None => println!("  Admin login:  admin (already seeded)"),
    }
    println!("  Ctrl-C stops everything.\n");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            shutdown_signal().await;
        })
        .await?;
    stack.stop().await;
    Ok(())
}

/// Ctrl-C, or SIGTERM from a supervisor: either stops the server and then the emulators.
async fn shutdown_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

/// Runs `cargo <verb> <args>` with the emulators up on free ports (test or bench).
///
/// For `test`: tests that fail are run once more, alone, as a safety net against timing under
/// load (the end-to-end tests wait for SMS delivered by a background notifier). A test that
/// fails again alone is a real failure, and every retry is printed.
async fn with_stack(verb: &str, args: Vec<String>) -> anyhow::Result<ExitCode> {
    let root = devstack::repo_root();
    let stack = LocalStack::start(&root, None, None).await?;
    eprintln!(
        "emulators up: DynamoDB {} · moto {}",
        stack.dynamodb_url, stack.moto_url
    );
    let cargo = || {
        let mut command = tokio::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        command.envs(stack.env()).current_dir(&root);
        command
    };
    let mut first_run = cargo();
    first_run.arg(verb);
    if verb == "test" {
        // Every test binary runs even when one fails, so the retry below is the only rerun.
        first_run.arg("--no-fail-fast");
    }
    let first = run_teed(first_run.args(&args)).await?;
    let passed = first.0 || (verb == "test" && retry_failed(&cargo, &args, &first.1).await?);
    stack.stop().await;
    Ok(if passed { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Runs a command, copying its standard output through; (success, that output).
async fn run_teed(command: &mut tokio::process::Command) -> anyhow::Result<(bool, String)> {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("run cargo")?;
    let mut output = String::new();
    if let Some(stdout) = child.stdout.take() {
        let mut lines = BufReader::new(stdout).lines();
        while let Some(line) = lines.next_line().await? {
            println!("{line}");
            output.push_str(&line);
            output.push('\n');
        }
    }
    Ok((child.wait().await?.success(), output))
}

/// Re-runs the tests that failed, alone and once, with the same cargo arguments.
async fn retry_failed(
    cargo: &impl Fn() -> tokio::process::Command,
    args: &[String],
    output: &str,
) -> anyhow::Result<bool> {
    let failed = devstack::failed_tests(output);
    // A run that already filters tests (`-- NAME`) is somebody's focused run: no retry.
    if failed.is_empty() || args.iter().any(|a| a == "--") {
        return Ok(false);
    }
    eprintln!(
        "\n== {} test(s) failed under parallel load; running them once more alone: {} ==\n",
        failed.len(),
        failed.join(" ")
    );
    let (ok, again) = run_teed(
        cargo()
            .arg("test")
            .args(args)
            .args(["--", "--exact", "--test-threads=1"])
            .args(&failed),
    )
    .await?;
    let ran = devstack::passed_count(&again);
    Ok(ok && ran == failed.len())
}

fn openapi(check: bool) -> anyhow::Result<ExitCode> {
    let path = devstack::repo_root().join("functions/reference/openapi.json");
    let generated = devstack::app::openapi_json()?;
    if check {
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != generated {
            eprintln!("{} is stale: run `make openapi`", path.display());
            return Ok(ExitCode::FAILURE);
        }
        return Ok(ExitCode::SUCCESS);
    }
    std::fs::write(&path, generated)?;
    println!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    shared::platform::telemetry::init();
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("dev") => dev().await.map(|()| ExitCode::SUCCESS),
        Some("test") => with_stack("test", args.collect()).await,
        Some("bench") => with_stack("bench", args.collect()).await,
        Some("openapi") => openapi(args.next().as_deref() == Some("--check")),
        Some("seed") => seed_deployed().await,
        Some("recount-tallies") => recount_tallies().await,
        Some(verb @ ("export" | "import")) => match args.next() {
            Some(place) => dump(verb, &place).await,
            None => usage(),
        },
        Some("publish-web") => match args.next() {
            Some(bucket) => publish_web(&bucket, args.next()).await,
            None => usage(),
        },
        _ => usage(),
    }
}

fn usage() -> anyhow::Result<ExitCode> {
    eprintln!(
        "usage: devstack dev | test [cargo test args] | bench [cargo bench args] | openapi [--check]\n\
         \x20      | seed | recount-tallies | publish-web BUCKET [DIR] | export FILE|s3://BUCKET/KEY | import FILE|s3://BUCKET/KEY"
    );
    Ok(ExitCode::from(2))
}

/// Seeds a deployed stack with the AWS credentials of the environment.
async fn seed_deployed() -> anyhow::Result<ExitCode> {
    let state = AppState::from_env().await?;
    match devstack::app::seed(&state).await? {
        Some(p) => println!("catalogue seeded; first admin: admin / {p}  (change at first login)"),
        None => println!("catalogue seeded; the admin exists already"),
    }
    Ok(ExitCode::SUCCESS)
}

/// The deployed stack's table when `TABLE_NAME` is set (with the AWS credentials of the
/// environment), else the one `make dev` runs.
async fn operated_state() -> anyhow::Result<AppState> {
    Ok(if std::env::var_os("TABLE_NAME").is_some() {
        AppState::from_env().await?
    } else {
        let dynamodb = format!("http://127.0.0.1:{}", env_port("DYNAMODB_PORT", 8000)?);
        let moto = format!("http://127.0.0.1:{}", env_port("MOTO_PORT", 5000)?);
        local_state_at(&dynamodb, &moto, "cwmia-dev", "cwmia-dev").await
    })
}

/// Rebuilds the dashboard's tallies from the applications (docs/operations.md).
async fn recount_tallies() -> anyhow::Result<ExitCode> {
    let state = operated_state().await?;
    let counted = shared::steps::dashboard::recount(&state).await?;
    println!(
        "recounted the tallies of table {} from {counted} applications",
        state.table
    );
    Ok(ExitCode::SUCCESS)
}

/// `export` or `import` of the whole table (see `devstack::table_dump`).
async fn dump(verb: &str, place: &str) -> anyhow::Result<ExitCode> {
    let place = devstack::table_dump::Place::parse(place)?;
    let state = operated_state().await?;
    let operator = std::env::var("OPERATOR")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".into());
    if verb == "export" {
        let count = devstack::table_dump::export(&state, &place, &operator).await?;
        println!("exported {count} items of table {} to {place}", state.table);
    } else {
        let count = devstack::table_dump::import(&state, &place, &operator).await?;
        println!("imported {count} items from {place} into table {}", state.table);
    }
    Ok(ExitCode::SUCCESS)
}

async fn publish_web(bucket: &str, dir: Option<String>) -> anyhow::Result<ExitCode> {
    let dir = dir
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| devstack::repo_root().join("web/dist"));
    let config = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let s3 = aws_sdk_s3::Client::new(&config);
    let count = devstack::publish::publish(&s3, bucket, &dir).await?;
    println!("published {count} files of {} to s3://{bucket}", dir.display());
    Ok(ExitCode::SUCCESS)
}
