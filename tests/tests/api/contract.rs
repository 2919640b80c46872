//! The OpenAPI document is the contract: schemathesis (PyPI, installed by `make install` into
//! .local/schemathesis) generates requests for every operation from the served document, signed
//! in as a unit, as staff and as an admin, and checks every answer against it: no server error,
//! every status, content type, header and body as documented.
use std::process::Command;

use e2e::{Browser, TestApp};
use shared::records::account::Permission;

fn schemathesis() -> std::path::PathBuf {
    devstack::repo_root().join(".local/schemathesis/bin/st")
}

/// Runs schemathesis over every operation with the session `token`; returns (passed, its
/// report). Signed in, logout is left out: it would end the session the rest of the run uses.
fn run(base: &str, who: &str, token: &str, signed_in: bool) -> (bool, String) {
    let st = schemathesis();
    assert!(st.exists(), "{} missing: run `make install`", st.display());
    let mut command = Command::new(st);
    command
        .arg("run")
        .arg(format!("{base}/api/openapi.json"))
        .arg("--url")
        .arg(base)
        // One worker: on CPython 3.11 two threads building ASTs at once (hypothesis describes
        // its filters by parsing their source) can fail with "AST constructor recursion depth
        // mismatch", a runtime error of the tool, not of the API (seen once on a fresh machine).
        .args(["--checks", "all", "--workers", "1"])
        // A fixed seed keeps CI repeatable; CONTRACT_SEED / CONTRACT_EXAMPLES search deeper.
        .arg("--seed")
        .arg(std::env::var("CONTRACT_SEED").unwrap_or_else(|_| "1".to_owned()))
        .arg("--max-examples")
        .arg(std::env::var("CONTRACT_EXAMPLES").unwrap_or_else(|_| "15".to_owned()))
        .args(["--request-timeout", "20", "--no-color"])
        .env("SCHEMATHESIS_SESSION", token)
        .current_dir(devstack::repo_root());
    if signed_in {
        command.args(["--exclude-path", "/api/auth/logout"]);
    }
    let output = command.output().expect("run schemathesis");
    let report = format!(
        "== schemathesis as {who}\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), report)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_nothing_as_a_unit_as_staff_and_as_an_admin() {
    let app = TestApp::spawn().await;
    let clerk = app.clerk("411103").await;
    app.submitted(&clerk, 2).await;
    let staff = app
        .staff(
            "contractstaff",
            "HN",
            vec![
                Permission::RegistrationReview,
                Permission::ReviewL1,
                Permission::Finance,
            ],
        )
        .await;
    let admin = app.staff("contractadmin", "HN", vec![Permission::Admin]).await;
    let base = app.base.clone();
    let token = |browser: &Browser| {
        let cookie = browser.session_cookie().expect("signed in");
        cookie.trim_start_matches("sid=").to_owned()
    };
    let sessions = vec![
        ("unit", token(&clerk.browser), true),
        ("staff", token(&staff), true),
        ("admin", token(&admin), true),
        ("a visitor with an expired session", "expired".to_owned(), false),
    ];
    let mut failures = Vec::new();
    for (who, token, signed_in) in sessions {
        let base = base.clone();
        let (passed, report) = tokio::task::spawn_blocking(move || run(&base, who, &token, signed_in))
            .await
            .expect("schemathesis thread");
        if !passed {
            failures.push(report);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
