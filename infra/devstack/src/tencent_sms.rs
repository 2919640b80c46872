//! A stand-in for 腾讯云短信's `SendSms` on loopback (no emulator exists): it checks each
//! request's TC3-HMAC-SHA256 signature and headers as Tencent does, answers in Tencent's
//! shapes, and keeps what it accepted for the tests to read.
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use serde_json::{Value, json};
use shared::platform::tencent_sms::{Credentials, authorization};

/// One accepted SMS: the request's JSON body (`PhoneNumberSet`, `SmsSdkAppId`, `SignName`,
/// `TemplateId`, `TemplateParamSet`).
pub type Accepted = Value;

pub struct TencentStandIn {
    pub endpoint: String,
    accepted: Arc<Mutex<Vec<Accepted>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TencentStandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone)]
struct Shared {
    credentials: Arc<Credentials>,
    accepted: Arc<Mutex<Vec<Accepted>>>,
}

impl TencentStandIn {
    /// Listens on a free loopback port and accepts requests signed with `credentials`.
    pub async fn start(credentials: Credentials) -> anyhow::Result<TencentStandIn> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let accepted = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            credentials: Arc::new(credentials),
            accepted: accepted.clone(),
        };
        let router = axum::Router::new().route("/", post(send_sms)).with_state(shared);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(TencentStandIn {
            endpoint,
            accepted,
            task,
        })
    }

    /// Every SMS accepted so far, oldest first.
    pub fn accepted(&self) -> Vec<Accepted> {
        self.accepted.lock().map(|a| a.clone()).unwrap_or_default()
    }
}

fn refusal(code: &str, message: &str) -> Json<Value> {
    Json(
        json!({ "Response": { "Error": { "Code": code, "Message": message }, "RequestId": uuid::Uuid::new_v4().to_string() } }),
    )
}

async fn send_sms(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Json<Value> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if header("x-tc-action") != "SendSms" || header("x-tc-version") != "2021-01-11" {
        return refusal("InvalidAction", "expected SendSms of 2021-01-11");
    }
    let Ok(payload) = std::str::from_utf8(&body) else {
        return refusal("InvalidParameter", "body is not UTF-8");
    };
    let Ok(timestamp) = header("x-tc-timestamp").parse::<i64>() else {
        return refusal("AuthFailure.InvalidTimestamp", "X-TC-Timestamp missing");
    };
    if header("content-type") != "application/json; charset=utf-8"
        || header("authorization") != authorization(&shared.credentials, header("host"), timestamp, payload)
    {
        return refusal("AuthFailure.SignatureFailure", "signature does not match");
    }
    let Ok(request) = serde_json::from_str::<Value>(payload) else {
        return refusal("InvalidParameter", "body is not JSON");
    };
    let phone = request["PhoneNumberSet"][0].as_str().unwrap_or_default().to_owned();
    if let Ok(mut accepted) = shared.accepted.lock() {
        accepted.push(request);
    }
    Json(json!({ "Response": {
        "SendStatusSet": [{ "SerialNo": uuid::Uuid::new_v4().to_string(), "PhoneNumber": phone, "Fee": 1,
                            "SessionContext": "", "Code": "Ok", "Message": "send success", "IsoCode": "CN" }],
        "RequestId": uuid::Uuid::new_v4().to_string(),
    } }))
}
