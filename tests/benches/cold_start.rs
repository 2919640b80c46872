//! Cold start of each function as shipped: from process start to its first
//! `GET /2018-06-01/runtime/invocation/next`, against a stand-in Runtime API on loopback. That
//! request is the runtime saying "ready": clients are built, the router is ready, nothing has
//! been served yet. The environment is Lambda's (region, credentials, function name, the
//! template's variables), so `AppState::from_env` does what it does in AWS.
//!
//! The binaries are the release profile `make build` ships, built for this machine's
//! architecture (the shipped ones are arm64). Run: `make bench-cold-start`.
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const RUNS: usize = 21;
const GOAL_MS: f64 = 30.0;
const NEXT_INVOCATION: &str = "GET /2018-06-01/runtime/invocation/next";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every function of the workspace: a crate under `functions/` whose binary has its name.
fn functions() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(workspace().join("functions"))
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter(|e| e.path().join("Cargo.toml").is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn lambda_environment(function: &str, runtime_api: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_owned()),
        ("AWS_LAMBDA_FUNCTION_NAME", format!("cwmia-{function}")),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512".into()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/cwmia-{function}")),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/12/06/[$LATEST]cold".into()),
        ("AWS_REGION", "cn-north-1".into()),
        ("AWS_DEFAULT_REGION", "cn-north-1".into()),
        ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLEEXAMPLE00".into()),
        (
            "AWS_SECRET_ACCESS_KEY",
            "example-secret-access-key-for-cold-starts".into(),
        ),
        ("AWS_SESSION_TOKEN", "example-session-token".into()),
        ("TZ", ":UTC".into()),
        ("TABLE_NAME", "cwmia-Table".into()),
        ("BUCKET_NAME", "cwmia-bucket".into()),
        ("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH", "true".into()),
        ("RUST_LOG", "info".into()),
        ("ORIGIN_VERIFY", "origin-verify-secret-of-32-characters".into()),
        ("PUBLIC_BASE_URL", "https://example.org".into()),
    ]
}

/// One start: milliseconds until the runtime asked for its first invocation.
fn cold_start(binary: &Path, function: &str) -> Result<f64, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?.to_string();
    let (ready, ready_at) = mpsc::channel();
    std::thread::spawn(move || {
        let outcome = listener.accept().map_err(|e| e.to_string()).and_then(|(stream, _)| {
            let mut request_line = String::new();
            BufReader::new(stream)
                .read_line(&mut request_line)
                .map_err(|e| e.to_string())?;
            Ok((Instant::now(), request_line))
        });
        let _ = ready.send(outcome);
    });
    let started = Instant::now();
    let mut child = Command::new(binary)
        .env_clear()
        .envs(lambda_environment(function, &address))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", binary.display()))?;
    let outcome = ready_at.recv_timeout(Duration::from_secs(10));
    let _ = child.kill();
    let _ = child.wait();
    match outcome {
        Ok(Ok((at, line))) if line.starts_with(NEXT_INVOCATION) => {
            Ok(at.duration_since(started).as_secs_f64() * 1000.0)
        }
        Ok(Ok((_, line))) => Err(format!("first request was not the next invocation: {line:?}")),
        Ok(Err(e)) => Err(e),
        Err(_) => Err("no request to the Runtime API within 10 s".into()),
    }
}

fn main() {
    let release = std::env::var_os("COLD_START_BINARIES")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/release"));
    let functions = functions();
    let missing: Vec<&String> = functions.iter().filter(|f| !release.join(f).is_file()).collect();
    if !missing.is_empty() {
        eprintln!("release binaries missing ({missing:?}): run `make bench-cold-start`");
        std::process::exit(1);
    }
    println!(
        "cold_start: process start → first GET …/invocation/next, {RUNS} starts each, {} (goal ≤ {GOAL_MS} ms)",
        std::env::consts::ARCH
    );
    let mut worst = 0.0_f64;
    for function in &functions {
        let binary = release.join(function);
        let mut times = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            match cold_start(&binary, function) {
                Ok(ms) => times.push(ms),
                Err(e) => {
                    eprintln!("{function}: {e}");
                    std::process::exit(1);
                }
            }
        }
        times.sort_by(f64::total_cmp);
        let median = times[RUNS / 2];
        worst = worst.max(median);
        let size = std::fs::metadata(&binary).map(|m| m.len()).unwrap_or(0);
        println!(
            "    {function:<20} median {median:6.2} ms  (min {:.2}, max {:.2})  binary {:.1} MB",
            times[0],
            times[RUNS - 1],
            size as f64 / 1e6
        );
    }
    println!(
        "cold_start: slowest median {worst:.2} ms — {}",
        if worst <= GOAL_MS { "goal met" } else { "goal NOT met" }
    );
}
