use e2e::TestApp;

#[tokio::test]
async fn reference_data_serves_the_manuals_pickers() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    let tree = b.get("/api/reference/agencies").await;
    assert_eq!(tree.status, 200);
    let text = tree.body.to_string();
    for name in [
        "河南省办事处",
        "省总直属经办机构",
        "省教科文卫体工会",
        "省直机关工会联合会",
        "漯河市",
        "郾城区",
        "济源示范区",
    ] {
        assert!(text.contains(name), "{name} missing");
    }
    let offices = b.get("/api/reference/offices").await;
    let served: Vec<&str> = offices
        .body
        .as_array()
        .expect("offices")
        .iter()
        .filter(|o| o["served"] == true)
        .filter_map(|o| o["name"].as_str())
        .collect();
    assert_eq!(served, ["河南省办事处"]);
    let book = b.get("/api/reference/address-book").await;
    assert!(book.body.to_string().contains("0395-3166100"));
    let activities = b.get("/api/reference/activities").await;
    assert_eq!(activities.body[0]["name"], "在职职工住院医疗互助保障活动");
    assert_eq!(activities.body[0]["fee_per_share_fen"], 8000);
    assert_eq!(b.get("/api/reference/unit-natures").await.status, 200);
    assert_eq!(b.get("/api/reference/certificate-types").await.status, 200);
    assert!(
        b.get("/api/reference/regions")
            .await
            .body
            .to_string()
            .contains("郾城区")
    );
    let openapi = b.get("/api/openapi.json").await;
    assert!(
        openapi.body["paths"]["/api/registrations"]["post"].is_object(),
        "{:?}",
        openapi.body
    );
}

#[test]
fn the_templates_routes_are_the_routers_routes() {
    let template = devstack::resources::load_template(&devstack::repo_root().join("template.yaml")).expect("template");
    let from_template = devstack::resources::template_routes(&template).expect("routes");
    let from_routers = devstack::app::router_routes().expect("routes");
    assert_eq!(from_template, from_routers);
}

#[test]
fn the_served_openapi_document_is_the_generated_one() {
    let generated = devstack::app::openapi_json().expect("openapi");
    assert_eq!(reference::OPENAPI_JSON, generated, "run `make openapi`");
}

/// Generic schemas (`Page<T>`) must register their item types, and the platform's named error
/// answers must be defined: no `$ref` may point nowhere.
#[test]
fn every_reference_in_the_openapi_document_resolves() {
    let document: serde_json::Value = serde_json::from_str(reference::OPENAPI_JSON).expect("json");
    let schemas = document["components"]["schemas"].as_object().expect("schemas");
    let mut pending = vec![&document];
    let mut references = 0;
    while let Some(value) = pending.pop() {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(target) = map.get("$ref").and_then(|r| r.as_str()) {
                    let path: Vec<&str> = target.trim_start_matches("#/").split('/').collect();
                    assert!(
                        document.pointer(&format!("/{}", path.join("/"))).is_some(),
                        "{target} is not defined"
                    );
                    references += 1;
                }
                pending.extend(map.values());
            }
            serde_json::Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
    assert!(
        schemas.contains_key("CursorPage_StaffView"),
        "paged lists share CursorPage<T>"
    );
    assert!(references > 100, "only {references} references found");
}

/// `make deploy` publishes web/dist with `devstack publish-web`: checked here against S3 (moto).
#[tokio::test]
async fn the_front_end_build_is_published_with_types_and_cache_headers() {
    let app = TestApp::spawn_without_notifier().await;
    let bucket = format!("web-{}", &app.state.table[1..13]);
    app.state
        .s3
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("bucket");
    let dist = std::env::temp_dir().join(format!("dist-{bucket}"));
    std::fs::create_dir_all(dist.join("assets")).expect("dist");
    std::fs::write(dist.join("index.html"), "<!doctype html><title>参保</title>").expect("index");
    std::fs::write(dist.join("assets/index-Ab12.js"), "console.log(1)").expect("js");
    std::fs::write(dist.join("assets/index-Cd34.css"), "body{}").expect("css");

    let count = devstack::publish::publish(&app.state.s3, &bucket, &dist)
        .await
        .expect("publish");
    std::fs::remove_dir_all(&dist).expect("clean up");
    assert_eq!(count, 3);
    for (key, content_type, cache) in [
        ("index.html", "text/html; charset=utf-8", "no-cache"),
        (
            "assets/index-Ab12.js",
            "text/javascript; charset=utf-8",
            "public, max-age=31536000, immutable",
        ),
        (
            "assets/index-Cd34.css",
            "text/css; charset=utf-8",
            "public, max-age=31536000, immutable",
        ),
    ] {
        let head = app
            .state
            .s3
            .head_object()
            .bucket(&bucket)
            .key(key)
            .send()
            .await
            .expect(key);
        assert_eq!(head.content_type(), Some(content_type), "{key}");
        assert_eq!(head.cache_control(), Some(cache), "{key}");
    }
    let index = app
        .state
        .s3
        .get_object()
        .bucket(&bucket)
        .key("index.html")
        .send()
        .await
        .expect("index");
    let body = index.body.collect().await.expect("body").into_bytes();
    assert_eq!(
        std::str::from_utf8(&body).expect("utf-8"),
        "<!doctype html><title>参保</title>"
    );
}

#[tokio::test]
async fn every_api_answer_carries_the_security_headers() {
    let app = e2e::TestApp::spawn().await;
    let client = reqwest::Client::new();
    let cached = client
        .get(format!("{}/api/reference/offices", app.base))
        .send()
        .await
        .expect("offices");
    let refused = client
        .post(format!("{}/api/auth/login", app.base))
        .json(&serde_json::json!({ "login": "nobody", "password": "x" }))
        .send()
        .await
        .expect("login");
    assert_eq!(refused.status(), 401);
    for response in [&cached, &refused] {
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(
            header("content-security-policy").contains("frame-ancestors 'none'"),
            "{response:?}"
        );
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert_eq!(header("x-frame-options"), "DENY");
        assert!(header("strict-transport-security").starts_with("max-age="));
    }
    // A route that says how to cache keeps it; everything else is not cached.
    assert_eq!(
        cached.headers().get("cache-control").and_then(|v| v.to_str().ok()),
        Some("public, max-age=3600")
    );
    assert_eq!(
        refused.headers().get("cache-control").and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
}

#[test]
fn an_import_lease_outlives_the_import_worker() {
    let template = devstack::resources::load_template(&devstack::repo_root().join("template.yaml")).expect("template");
    let timeout = template["Resources"]["ImportWorkerFunction"]["Properties"]["Timeout"]
        .as_i64()
        .expect("the import worker's own Timeout");
    assert!(
        timeout < shared::steps::member_import::LEASE_SECONDS,
        "an import may still be writing when its lease runs out ({timeout} s ≥ {} s)",
        shared::steps::member_import::LEASE_SECONDS
    );
}

#[test]
fn deleted_files_do_not_outlive_thirty_days_in_the_versioned_bucket() {
    let template = devstack::resources::load_template(&devstack::repo_root().join("template.yaml")).expect("template");
    let bucket = &template["Resources"]["Bucket"]["Properties"];
    assert_eq!(bucket["VersioningConfiguration"]["Status"].as_str(), Some("Enabled"));
    let rules = bucket["LifecycleConfiguration"]["Rules"].as_sequence().expect("rules");
    let noncurrent_days = |rule: &serde_yaml::Value| rule["NoncurrentVersionExpiration"]["NoncurrentDays"].as_i64();
    // One rule covers the whole bucket, and every rule removes old versions within 30 days.
    assert!(
        rules
            .iter()
            .any(|r| r.get("Prefix").is_none() && noncurrent_days(r).is_some())
    );
    assert!(
        rules.iter().all(|r| noncurrent_days(r).is_some_and(|d| d <= 30)),
        "{rules:?}"
    );
}

/// Issue 11 item 11, as the template states it: every function's logs are kept 180 days, every
/// route is throttled, both CloudFront behaviours carry the security headers, and the API is
/// reachable only through CloudFront (its own origin domain with execute-api disabled, or
/// else the origin-verify header).
#[test]
fn the_api_is_reached_only_through_cloudfront_and_its_logs_are_kept_six_months() {
    let template = devstack::resources::load_template(&devstack::repo_root().join("template.yaml")).expect("template");
    let resources = template["Resources"].as_mapping().expect("resources");
    let text = |v: &serde_yaml::Value| serde_yaml::to_string(v).expect("yaml");
    assert_eq!(
        template["Parameters"]["LogRetentionDays"]["Default"].as_i64(),
        Some(180)
    );
    for (name, resource) in resources {
        if resource["Type"].as_str() == Some("AWS::Serverless::Function") {
            let name = name.as_str().expect("name");
            let group = resources
                .values()
                .find(|r| {
                    r["Type"].as_str() == Some("AWS::Logs::LogGroup")
                        && text(&r["Properties"]["LogGroupName"]).contains(&format!("${{{name}}}"))
                })
                .unwrap_or_else(|| panic!("{name} has no log group with a retention"));
            assert!(text(&group["Properties"]["RetentionInDays"]).contains("LogRetentionDays"));
        }
    }
    let api = &template["Resources"]["Api"]["Properties"];
    assert!(text(&api["DefaultRouteSettings"]["ThrottlingRateLimit"]).contains("ApiRateLimit"));
    assert!(text(&api["DisableExecuteApiEndpoint"]).contains("HasApiOriginDomain"));
    let distribution = text(&template["Resources"]["WebDistribution"]);
    assert!(distribution.contains("x-origin-verify"));
    assert!(distribution.contains("ApiOriginDomain"));
    assert_eq!(
        distribution.matches("ResponseHeadersPolicyId").count(),
        2,
        "web and /api/* both"
    );
    let policy = text(&template["Resources"]["SecurityHeaders"]);
    assert!(policy.contains("ContentSecurityPolicy"), "{policy}");
}

/// Issue 17 item 2, as the template states it: every function has an errors and a throttles
/// alarm, and the outbox, failed imports, the API's 5xx rate, the table's throttling and the
/// SMS spend each have theirs, with the thresholds the runbook explains, all to one topic.
#[test]
fn every_function_and_every_failure_operators_must_hear_of_has_an_alarm() {
    let template = devstack::resources::load_template(&devstack::repo_root().join("template.yaml")).expect("template");
    let resources = template["Resources"].as_mapping().expect("resources");
    let text = |v: &serde_yaml::Value| serde_yaml::to_string(v).expect("yaml");
    let alarms: Vec<&serde_yaml::Value> = resources
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::CloudWatch::Alarm"))
        .map(|r| &r["Properties"])
        .collect();
    for alarm in &alarms {
        assert!(text(&alarm["AlarmActions"]).contains("AlarmTopic"), "{alarm:?}");
        assert!(
            alarm["AlarmDescription"]
                .as_str()
                .is_some_and(|d| d.contains("docs/operations.md#alarms"))
                || text(&alarm["AlarmDescription"]).contains("docs/operations.md#alarms"),
            "{alarm:?}"
        );
    }
    let metric_of = |a: &serde_yaml::Value| a["MetricName"].as_str().map(str::to_owned);
    for (name, resource) in resources {
        if resource["Type"].as_str() == Some("AWS::Serverless::Function") {
            let function = format!("!Ref {}", name.as_str().expect("name"));
            for metric in ["Errors", "Throttles"] {
                assert!(
                    alarms
                        .iter()
                        .any(|a| metric_of(a).as_deref() == Some(metric) && text(&a["Dimensions"]).contains(&function)),
                    "{function}: no {metric} alarm"
                );
            }
        }
    }
    let by_metric = |metric: &str| {
        alarms
            .iter()
            .find(|a| {
                metric_of(a).as_deref() == Some(metric)
                    || text(&a["Metrics"]).contains(&format!("MetricName: {metric}"))
            })
            .unwrap_or_else(|| panic!("no alarm on {metric}"))
    };
    let outbox = by_metric("OutboxOldestPendingSeconds");
    assert_eq!(
        (outbox["Threshold"].as_i64(), outbox["TreatMissingData"].as_str()),
        (Some(300), Some("breaching"))
    );
    assert_eq!(by_metric("ImportsFailed")["Threshold"].as_i64(), Some(1));
    assert!(text(&by_metric("5xx")["Metrics"]).contains("100 * errors / requests"));
    assert!(text(&by_metric("WriteThrottleEvents")["Metrics"]).contains("ReadThrottleEvents"));
    assert!(text(&by_metric("SMSMonthToDateSpentUSD")["Threshold"]).contains("SmsMonthlySpendAlarmUsd"));
    let subscription = &template["Resources"]["AlarmEmailSubscription"]["Properties"];
    assert!(text(&subscription["Endpoint"]).contains("AlarmEmail"));
}
