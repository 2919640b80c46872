//! The local stack without Docker: DynamoDB Local and moto on loopback, the table and bucket
//! created from `template.yaml`, seed data, and one router hosting every function.
pub mod app;
pub mod publish;
pub mod resources;
pub mod stack;
pub mod table_dump;
pub mod tencent_sms;

/// The sender of the local stack's mail (created as a verified identity in moto's SES).
pub const LOCAL_MAIL_FROM: &str = "einvoice@henan.cwmia.local";

use std::path::PathBuf;

/// The repository root (this crate lives in `infra/devstack`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Names of the tests that `cargo test` reported as failed (`test NAME ... FAILED`).
pub fn failed_tests(output: &str) -> Vec<String> {
    output
        .lines()
        .filter_map(|line| line.strip_prefix("test ")?.strip_suffix(" ... FAILED"))
        .map(str::to_owned)
        .collect()
}

/// How many tests passed in all `test result:` lines of `cargo test` output.
pub fn passed_count(output: &str) -> usize {
    output
        .lines()
        .filter_map(|line| line.strip_prefix("test result: ")?.split("; ").next())
        .filter_map(|first| first.rsplit(' ').nth(1)?.parse::<usize>().ok())
        .sum()
}

#[cfg(test)]
mod tests {
    #[test]
    fn failed_tests_are_read_from_cargo_test_output() {
        let output = "running 3 tests\ntest a::one ... ok\ntest b::two ... FAILED\ntest c::three ... FAILED\n\nfailures:\n    b::two\n";
        assert_eq!(super::failed_tests(output), ["b::two", "c::three"]);
        assert!(super::failed_tests("test result: ok. 3 passed").is_empty());
        let summary = "test result: ok. 2 passed; 0 failed; 0 ignored\ntest result: ok. 0 passed; 0 failed\n";
        assert_eq!(super::passed_count(summary), 2);
    }
}
