//! The test harness: a fresh table and bucket per test (created from template.yaml) on the
//! emulators that `devstack test` started, every function's router on a random port, and a
//! browser-like client that keeps the session cookie.
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_config::BehaviorVersion;
use rand::Rng;
use serde_json::{Value, json};
use shared::AppState;
use shared::records::account::Permission;
use tokio::task::JoinHandle;

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub moto_url: String,
    /// SES (moto) as the notifier sends mail.
    pub senders: shared::platform::outbox::Senders,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// base URL → table of every server this process started.
static SERVERS: Mutex<std::collections::BTreeMap<String, String>> = Mutex::new(std::collections::BTreeMap::new());

fn moto_url() -> String {
    std::env::var("MOTO_URL")
        .expect("MOTO_URL unset: run the tests with `make test` (devstack test starts the emulators)")
}

impl TestApp {
    /// A running system with the notifier sending SMS and the import worker running imports,
    /// every 100 ms.
    pub async fn spawn() -> Self {
        let mut app = Self::spawn_without_import_worker().await;
        let state = app.state.clone();
        app.tasks.push(tokio::spawn(async move {
            loop {
                if let Err(e) = shared::steps::member_import::run_due_imports(&state).await {
                    eprintln!("import worker pass failed: {e:#}");
                }
                if let Err(e) = shared::steps::export::run_due_exports(&state).await {
                    eprintln!("export worker pass failed: {e:#}");
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }));
        app
    }

    /// A running system whose imports wait until the test runs the worker
    /// (`shared::steps::member_import::run_due_imports`); SMS are sent as in `spawn`.
    pub async fn spawn_without_import_worker() -> Self {
        let mut app = Self::spawn_without_notifier().await;
        let state = app.state.clone();
        let senders = app.senders.clone();
        app.tasks.push(tokio::spawn(async move {
            loop {
                // A send that hangs (the SDK has no read timeout; a loaded moto may never answer)
                // must not stop this loop: the item's lease expires and the next pass retries it.
                match tokio::time::timeout(
                    Duration::from_secs(5),
                    shared::platform::outbox::drain(&state, &senders),
                )
                .await
                {
                    Ok(Err(e)) => eprintln!("notifier pass failed: {e:#}"),
                    Err(_) => eprintln!("notifier pass timed out"),
                    Ok(Ok(_)) => {}
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }));
        app
    }

    /// A running system whose SMS are sent only when the test calls `drain`.
    pub async fn spawn_without_notifier() -> Self {
        let name = format!("t{}", uuid::Uuid::new_v4().simple());
        // DynamoDB Local keeps one database per access key: a key per test isolates the tests
        // that run at once from each other inside the one emulator.
        let credentials = aws_sdk_dynamodb::config::Credentials::new(&name, "local", None, None, "e2e");
        let config = aws_config::load_defaults(BehaviorVersion::latest())
            .await
            .into_builder()
            .credentials_provider(aws_sdk_dynamodb::config::SharedCredentialsProvider::new(credentials))
            .build();
        let state = AppState::new(&config, &name, &name, true);
        devstack::resources::create_all(&state)
            .await
            .expect("create table and bucket from template.yaml");
        let senders = shared::platform::outbox::Senders::new(&config, Some(devstack::LOCAL_MAIL_FROM.to_owned()));
        devstack::resources::create_mail_identity(&senders)
            .await
            .expect("create the mail identity");
        shared::records::catalogue::seed(&state).await.expect("seed catalogue");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        // Each response names the table behind it, so a client can never silently talk to
        // another test's server (a reused port) without the test failing on it.
        let table_header = axum::http::HeaderValue::from_str(&name).expect("table name");
        let router = devstack::app::router(state.clone()).layer(axum::middleware::map_response(
            move |mut res: axum::response::Response| {
                let value = table_header.clone();
                async move {
                    res.headers_mut().insert("x-test-table", value);
                    res
                }
            },
        ));
        SERVERS.lock().expect("lock").insert(base.clone(), name.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self {
            base,
            state,
            moto_url: moto_url(),
            senders,
            tasks: vec![server],
        }
    }

    pub fn browser(&self) -> Browser {
        Browser::new(&self.base)
    }

    /// Every SMS sent to `mobile` (11 digits), oldest first.
    pub async fn sms_to(&self, mobile: &str) -> Vec<String> {
        let phone = format!("+86{mobile}");
        devstack::app::received_sms(&self.moto_url)
            .await
            .expect("read SMS from moto")
            .into_iter()
            .filter(|m| m.get("phone_number").and_then(Value::as_str) == Some(phone.as_str()))
            .filter_map(|m| m.get("message").and_then(Value::as_str).map(str::to_owned))
            .collect()
    }

    /// Waits until `mobile` has received `count` SMS; returns them all. Every poll makes moto
    /// serialise its whole state, so polls are spaced and the wait is long: on a loaded machine
    /// many tests polling fast starved moto and the notifier's sends behind them.
    pub async fn wait_sms(&self, mobile: &str, count: usize) -> Vec<String> {
        let started = Instant::now();
        loop {
            let list = self.sms_to(mobile).await;
            if list.len() >= count {
                return list;
            }
            if started.elapsed() > Duration::from_secs(60) {
                let outbox = self.outbox_report().await;
                panic!("expected {count} SMS to {mobile}, got {list:?}\noutbox of this test's table:\n{outbox}");
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Every mail SES accepted for `address`, oldest first.
    pub async fn mail_to(&self, address: &str) -> Vec<devstack::app::ReceivedMail> {
        devstack::app::received_mail(&self.moto_url)
            .await
            .expect("read mail from moto")
            .into_iter()
            .filter(|m| m.to.iter().any(|to| to == address))
            .collect()
    }

    /// Waits until `address` has received `count` mails; returns them all.
    pub async fn wait_mail(&self, address: &str, count: usize) -> Vec<devstack::app::ReceivedMail> {
        let started = Instant::now();
        loop {
            let list = self.mail_to(address).await;
            if list.len() >= count {
                return list;
            }
            if started.elapsed() > Duration::from_secs(60) {
                let outbox = self.outbox_report().await;
                panic!(
                    "expected {count} mails to {address}, got {}\noutbox of this test's table:\n{outbox}",
                    list.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Every outbox entry of this test's table, one line each: why an SMS did not arrive.
    async fn outbox_report(&self) -> String {
        let mut lines = Vec::new();
        let mut start = None;
        loop {
            let page = match self
                .state
                .db
                .scan()
                .table_name(&*self.state.table)
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
            {
                Ok(page) => page,
                Err(e) => return format!("scan failed: {e:?}"),
            };
            for item in page.items() {
                let text = |name: &str| {
                    item.get(name)
                        .map(|v| v.as_s().or(v.as_n()).cloned().unwrap_or_default())
                        .unwrap_or_default()
                };
                if text("pk").starts_with("OUTBOX#") {
                    lines.push(format!(
                        "{} phone={} status={} attempts={} next={} sent_at={}",
                        text("pk"),
                        text("phone"),
                        text("status"),
                        text("attempts"),
                        text("next_attempt_at"),
                        text("sent_at")
                    ));
                } else {
                    lines.push(format!("{} {} status={}", text("pk"), text("sk"), text("status")));
                }
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                return lines.join("\n");
            }
        }
    }

    /// The 6-digit code of the newest verification SMS to `mobile`.
    pub async fn latest_code(&self, mobile: &str, nth: usize) -> String {
        let list = self.wait_sms(mobile, nth).await;
        let text = &list[nth - 1];
        let start = text.find("验证码为").expect("code SMS") + "验证码为".len();
        text[start..start + 6].to_owned()
    }

    /// A staff member who has already changed the first password, signed in.
    pub async fn staff(&self, login: &str, agency: &str, permissions: Vec<Permission>) -> Browser {
        shared::steps::admin::insert(&self.state, login, login, agency, permissions, "Passw0rd!", false)
            .await
            .expect("insert staff");
        let browser = self.browser();
        let r = browser
            .post("/api/auth/login", json!({ "login": login, "password": "Passw0rd!" }))
            .await;
        assert_eq!(r.status, 200, "{r:?}");
        browser
    }

    /// Uploads an image through the presigned flow; returns the upload id.
    pub async fn upload(&self, browser: &Browser, bytes: Vec<u8>, content_type: &str) -> String {
        let r = browser
            .post(
                "/api/registration-uploads",
                json!({ "content_type": content_type, "size": bytes.len().min(1024) }),
            )
            .await;
        assert_eq!(r.status, 200, "{r:?}");
        let url = r.body["url"].as_str().expect("url").to_owned();
        let put = reqwest::Client::new()
            .put(&url)
            .header("content-type", content_type)
            .body(bytes)
            .send()
            .await
            .expect("PUT upload");
        assert!(put.status().is_success(), "PUT {}", put.status());
        r.body["upload_id"].as_str().expect("upload_id").to_owned()
    }

    /// A complete, valid registration: SMS code read from the emulator, both images uploaded.
    pub async fn register(&self, unit: &UnitFixture) -> Browser {
        let browser = self.browser();
        // Counted before the request: the notifier may deliver the code before it returns.
        let before = self.sms_to(&unit.mobile).await.len();
        let r = browser
            .post(
                "/api/sms-codes",
                json!({ "mobile": unit.mobile, "purpose": "register" }),
            )
            .await;
        assert_eq!(r.status, 200, "{r:?}");
        let code = self.latest_code(&unit.mobile, before + 1).await;
        let license = self.upload(&browser, jpeg(10_000), "image/jpeg").await;
        let union = self.upload(&browser, png(10_000), "image/png").await;
        let r = browser
            .post("/api/registrations", unit.form(&license, &union, &code))
            .await;
        assert_eq!(r.status, 201, "{r:?}");
        browser
    }

    /// Registers, approves (as a fresh reviewer of the unit's city) and reads the account SMS.
    /// Returns (unit id, account, password).
    pub async fn approved_unit(&self, unit: &UnitFixture) -> (String, String, String) {
        self.register(unit).await;
        let reviewer = self
            .staff(
                &format!("rev{}", &uuid::Uuid::new_v4().simple().to_string()[..8]),
                "HN",
                vec![Permission::RegistrationReview],
            )
            .await;
        let list = reviewer
            .get(&format!("/api/staff/registrations?q={}&page_size=100", unit.unit_code))
            .await;
        let id = list.body["items"]
            .as_array()
            .and_then(|items| items.iter().find(|i| i["unit_code"] == unit.unit_code.as_str()))
            .and_then(|i| i["id"].as_str())
            .expect("registration listed")
            .to_owned();
        let r = reviewer
            .post(&format!("/api/staff/registrations/{id}/approve"), json!({}))
            .await;
        assert_eq!(r.status, 200, "{r:?}");
        let outbox = self
            .state
            .db
            .get_item()
            .table_name(&*self.state.table)
            .key("pk", shared::platform::db::s(format!("OUTBOX#account:{id}")))
            .key("sk", shared::platform::db::s("OUTBOX"))
            .consistent_read(true)
            .send()
            .await
            .expect("get outbox");
        assert!(
            outbox.item.is_some(),
            "approve answered 200 but its SMS is not in {}:\n{}",
            self.state.table,
            self.outbox_report().await
        );
        let before = self.sms_to(&unit.mobile).await.len();
        let sms = self.wait_sms(&unit.mobile, before.max(2)).await;
        let (account, password) = account_from_sms(sms.last().expect("sms"));
        (id, account, password)
    }
}

/// (account, password) out of the account SMS text.
/// The initial password in a staff account's SMS ("…初始密码为XXXX，…").
pub fn initial_password_from_sms(text: &str) -> String {
    text.split("初始密码为")
        .nth(1)
        .and_then(|rest| rest.split('，').next())
        .expect("password in the SMS")
        .to_owned()
}

pub fn account_from_sms(text: &str) -> (String, String) {
    let after = |label: &str| -> String {
        let start = text.find(label).expect("label") + label.len();
        text[start..].chars().take_while(|c| *c != '，').collect()
    };
    (after("账号为"), after("密码为"))
}

/// What a browser does: JSON in and out, the session cookie kept between calls.
pub struct Browser {
    http: reqwest::Client,
    base: String,
    cookie: Mutex<Option<String>>,
    /// The machine this browser runs on, as CloudFront reports it (`x-viewer-address`): each
    /// browser its own, unless a test puts several on one network.
    address: String,
}

fn any_address() -> String {
    let mut rng = rand::rng();
    format!(
        "10.{}.{}.{}",
        rng.random_range(0..=255u8),
        rng.random_range(0..=255u8),
        rng.random_range(1..=254u8)
    )
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub body: Value,
}

impl Resp {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
    /// The error code reported for one form field.
    pub fn field_code(&self, field: &str) -> Option<&str> {
        self.body["fields"].as_array()?.iter().find(|f| f["field"] == field)?["code"].as_str()
    }
}

impl Browser {
    pub fn new(base: &str) -> Self {
        Self::at_address(base, &any_address())
    }

    /// A browser on the machine at `address`.
    pub fn at_address(base: &str, address: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: base.to_owned(),
            cookie: Mutex::new(None),
            address: address.to_owned(),
        }
    }

    pub fn session_cookie(&self) -> Option<String> {
        self.cookie.lock().expect("lock").clone()
    }

    pub fn with_cookie(base: &str, cookie: Option<String>) -> Self {
        Self {
            cookie: Mutex::new(cookie),
            ..Self::new(base)
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Resp {
        let req = req.header(shared::platform::http::VIEWER_ADDRESS_HEADER, &self.address);
        let req = match self.session_cookie() {
            Some(c) => req.header("cookie", c),
            None => req,
        };
        let res = req.send().await.expect("request");
        for value in res.headers().get_all("set-cookie") {
            let value = value.to_str().unwrap_or("");
            if let Some(pair) = value.split(';').next().filter(|p| p.starts_with("sid=")) {
                *self.cookie.lock().expect("lock") = if pair == "sid=" { None } else { Some(pair.to_owned()) };
            }
        }
        let status = res.status().as_u16();
        let served_by = res
            .headers()
            .get("x-test-table")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let expected = SERVERS.lock().expect("lock").get(&self.base).cloned();
        assert_eq!(
            served_by, expected,
            "a response from another test's server at {}",
            self.base
        );
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Resp { status, body }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(self.http.get(format!("{}{path}", self.base))).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.send(self.http.post(format!("{}{path}", self.base)).json(&body))
            .await
    }
    /// A POST carrying an `Idempotency-Key`, as the browser sends creating requests.
    pub async fn post_with_key(&self, path: &str, key: &str, body: Value) -> Resp {
        self.send(
            self.http
                .post(format!("{}{path}", self.base))
                .header("idempotency-key", key)
                .json(&body),
        )
        .await
    }
    pub async fn send_delete(&self, path: &str) -> Resp {
        self.send(self.http.delete(format!("{}{path}", self.base))).await
    }
    pub async fn put(&self, path: &str, body: Value) -> Resp {
        self.send(self.http.put(format!("{}{path}", self.base)).json(&body))
            .await
    }
}

/// A unit's registration data with fresh, valid, unique codes and mobile.
#[derive(Debug, Clone)]
pub struct UnitFixture {
    pub mobile: String,
    pub unit_code: String,
    pub union_code: String,
    pub agency_code: String,
}

impl UnitFixture {
    pub fn new(agency_code: &str) -> Self {
        Self {
            mobile: mobile(),
            unit_code: credit_code(),
            union_code: credit_code(),
            agency_code: agency_code.to_owned(),
        }
    }

    pub fn form(&self, license_upload: &str, union_upload: &str, code: &str) -> Value {
        json!({
            "office_code": "1600",
            "agency_code": self.agency_code,
            "unit_name": "漯河市郾城区应急管理局",
            "unit_nature": "行政单位",
            "certificate_type": "统一社会信用代码证书",
            "certificate_valid_until": "",
            "unit_code": self.unit_code,
            "union_name": "漯河市郾城区应急管理局工会",
            "union_credit_code": self.union_code,
            "region_code": "411103",
            "address": "漯河市郾城区黄河路100号",
            "classified": "否",
            "contact_name": "王晓明",
            "contact_position": "办公室主任",
            "office_phone_area": "0395",
            "office_phone_number": "3166100",
            "mobile": self.mobile,
            "email": "yingji@example.cn",
            "unit_license_upload": license_upload,
            "union_certificate_upload": union_upload,
            "sms_code": code,
        })
    }
}

/// A random valid mainland mobile number.
pub fn mobile() -> String {
    format!("139{:08}", rand::random::<u32>() % 100_000_000)
}

const CREDIT_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [usize; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// The GB 32100 check character of a 17-character body (an independent implementation).
pub fn credit_check_char(body: &str) -> char {
    let sum: usize = body
        .bytes()
        .zip(CREDIT_WEIGHTS)
        .map(|(b, w)| CREDIT_CHARS.iter().position(|c| *c == b).expect("credit char") * w)
        .sum();
    CREDIT_CHARS[(31 - sum % 31) % 31] as char
}

/// A random valid unified social credit code (legal person, Henan division).
pub fn credit_code() -> String {
    let mut body = String::from("12411103");
    for _ in 0..9 {
        body.push(CREDIT_CHARS[rand::random::<u32>() as usize % 31] as char);
    }
    let check = credit_check_char(&body);
    body.push(check);
    body
}

/// 开票信息 (会员自付) of one item: `count` people of the ZYYL activity at `unit_price_fen`.
pub fn invoice_entry(title: &str, payer_email: &str, count: u64, unit_price_fen: u64) -> Value {
    json!({
        "source": "会员自付",
        "title": title,
        "tax_id": "",
        "payer_email": payer_email,
        "items": [{
            "activity_code": "ZYYL",
            "occupation": "一般职业",
            "count": count,
            "unit_price_fen": unit_price_fen,
            "amount_fen": count * unit_price_fen,
        }],
    })
}

/// A JPEG-looking file of `size` bytes (magic bytes are what the server checks).
pub fn jpeg(size: usize) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00];
    bytes.resize(size, 0x20);
    bytes
}

pub fn png(size: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.resize(size, 0x20);
    bytes
}

pub fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.resize(size, b' ');
    bytes
}

/// Every permission a reviewer of registrations needs.
pub fn registration_reviewer() -> Vec<Permission> {
    vec![Permission::RegistrationReview]
}

/// A member workbook with the template's header; `rows` are the nine columns as text.
pub fn member_workbook(rows: &[[&str; 9]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("参保人员").expect("name");
    let header = [
        "序号",
        "姓名",
        "证件类型",
        "证件号码",
        "性别",
        "出生日期",
        "手机号码",
        "职业类别",
        "备注",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(r as u32 + 1, c as u16, *v).expect("cell");
            }
        }
    }
    book.save_to_buffer().expect("xlsx")
}

/// A valid mainland ID for a birth date and a sequence (gender: odd = male).
pub fn resident_id(birth: &str, seq: u32) -> String {
    let body = format!("411103{birth}{:03}", seq % 1000);
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.bytes().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

/// A signed-in unit clerk whose first password change is done, with its unit id.
pub struct Clerk {
    pub browser: Browser,
    pub unit_id: String,
    pub login: String,
    /// The unit contact's mobile, where the unit's SMS go.
    pub mobile: String,
}

impl TestApp {
    pub async fn clerk(&self, agency: &str) -> Clerk {
        let unit = UnitFixture::new(agency);
        let (unit_id, account, password) = self.approved_unit(&unit).await;
        let browser = self.browser();
        let r = browser
            .post("/api/auth/login", json!({ "login": account, "password": password }))
            .await;
        assert_eq!(r.status, 200, "{r:?}");
        let r = browser
            .post(
                "/api/auth/password",
                json!({ "current_password": password, "new_password": "Danwei2025@hn" }),
            )
            .await;
        assert_eq!(r.status, 200, "{r:?}");
        Clerk {
            browser,
            unit_id,
            login: account,
            mobile: unit.mobile,
        }
    }

    /// A draft application for the seeded activity, made through the shared logic.
    pub async fn draft(&self, clerk: &Clerk, shares: u32) -> String {
        let unit = shared::records::session::UnitUser {
            login: clerk.login.clone(),
            unit_id: clerk.unit_id.clone(),
            agency_code: String::new(),
        };
        let app = shared::records::application::create_draft(&self.state, &unit, "ZYYL", "ZYYL-01", shares)
            .await
            .expect("draft");
        app.id
    }

    /// An application submitted for 初审 over HTTP as the wizard does it: a draft of one share
    /// of 住院医疗 (80.00 元), `members` named members imported from a workbook (none over
    /// age), the staff counts, then 完成. Its fee is `members` × 8,000 fen.
    pub async fn submitted(&self, clerk: &Clerk, members: u32) -> String {
        let people: Vec<(&str, String)> = (0..members)
            .map(|i| ("张三", resident_id("19850315", 100 + i)))
            .collect();
        self.submitted_with(clerk, &people).await
    }

    /// Uploads a workbook through the presigned flow, queues its import (202) and waits for the
    /// import worker to end it. Returns what the clerk ends up seeing, as one answer: 201 with
    /// the batch when 完成, 422 with the job's code and reason when 失败, or the refusal of the
    /// upload or of the queueing itself.
    pub async fn import(&self, browser: &Browser, app_id: &str, bytes: Vec<u8>, file_name: &str) -> Resp {
        let r = self.queue_import(browser, app_id, bytes, file_name).await;
        if r.status != 202 {
            return r;
        }
        self.finish_import(browser, app_id).await
    }

    /// Waits for the queued import of the application to end: its batch (201) when done, its
    /// error (422) when failed.
    pub async fn finish_import(&self, browser: &Browser, app_id: &str) -> Resp {
        let started = Instant::now();
        loop {
            // The worker of `spawn` runs in the background; this pass makes the wait the same
            // under `spawn_without_notifier`.
            shared::steps::member_import::run_due_imports(&self.state)
                .await
                .expect("import worker pass");
            let job = browser
                .get(&format!("/api/applications/{app_id}/imports/current"))
                .await;
            assert_eq!(job.status, 200, "{job:?}");
            match job.body["state"].as_str() {
                Some("done") => {
                    return Resp {
                        status: 201,
                        body: job.body["batch"].clone(),
                    };
                }
                Some("failed") => {
                    return Resp {
                        status: 422,
                        body: json!({ "code": job.body["error_code"], "message": job.body["error_message"] }),
                    };
                }
                _ => {}
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "import never ended: {job:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Uploads a workbook through the presigned flow and queues its import; returns the answer
    /// to the queueing (202 and the job's progress when accepted).
    pub async fn queue_import(&self, browser: &Browser, app_id: &str, bytes: Vec<u8>, file_name: &str) -> Resp {
        let r = browser
            .post(
                &format!("/api/applications/{app_id}/import-uploads"),
                json!({ "size": bytes.len() }),
            )
            .await;
        if r.status != 200 {
            return r;
        }
        let url = r.body["url"].as_str().expect("url").to_owned();
        let put = reqwest::Client::new().put(&url).body(bytes).send().await.expect("PUT");
        assert!(put.status().is_success());
        let upload_id = r.body["upload_id"].as_str().expect("upload id").to_owned();
        browser
            .post(
                &format!("/api/applications/{app_id}/imports"),
                json!({ "upload_id": upload_id, "file_name": file_name }),
            )
            .await
    }
}

impl TestApp {
    /// 初审, 复审 and 终审 by three fresh reviewers of the Henan office, then one invoice entry
    /// (会员自付) covering the amount due, submitted: the application ends `invoiced`.
    pub async fn approve_and_invoice(&self, clerk: &Clerk, id: &str) {
        self.approve(clerk, id).await;
        self.invoice(clerk, id).await;
    }

    /// 初审, 复审 and 终审 by three fresh reviewers of the Henan office: the application ends
    /// `approved` (待开票) and the unit has its amount-due SMS.
    pub async fn approve(&self, clerk: &Clerk, id: &str) {
        let reviews = [
            (1, Permission::ReviewL1),
            (2, Permission::ReviewL2),
            (3, Permission::ReviewL3),
        ];
        for (level, permission) in reviews {
            let login = format!("l{level}.{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
            let reviewer = self.staff(&login, "HN", vec![permission]).await;
            let r = reviewer
                .post(
                    &format!("/api/staff/applications/{id}/approve"),
                    json!({ "level": level }),
                )
                .await;
            assert_eq!(r.status, 200, "level {level}: {r:?}");
        }
        // The amount-due SMS is part of the step: callers count the unit's SMS after it.
        let started = Instant::now();
        while !self
            .sms_to(&clerk.mobile)
            .await
            .iter()
            .any(|m| m.contains("已经通过审核"))
        {
            assert!(started.elapsed() < Duration::from_secs(60), "no amount-due SMS");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// One invoice entry (会员自付) covering the amount due, submitted: `approved` → `invoiced`.
    pub async fn invoice(&self, clerk: &Clerk, id: &str) {
        let base = format!("/api/applications/{id}/invoice");
        let invoice = clerk.browser.get(&base).await;
        assert_eq!(invoice.status, 200, "{invoice:?}");
        let due = invoice.body["fees"]["due_fen"].as_u64().expect("due");
        let insured = invoice.body["activities"][0]["insured_count"]
            .as_u64()
            .expect("insured");
        assert_eq!(due % insured, 0, "one price per person");
        let r = clerk
            .browser
            .post(
                &format!("{base}/entries"),
                invoice_entry("测试单位工会委员会", "caiwu@example.cn", insured, due / insured),
            )
            .await;
        assert_eq!(r.status, 201, "{r:?}");
        let r = clerk.browser.post(&format!("{base}/submit"), json!({})).await;
        assert_eq!(r.status, 200, "{r:?}");
    }

    /// An application of `clerk` in status `invoiced` (待到账), with `people` (name, ID) as
    /// its named members and one share each: draft, import, submit, three reviews and the
    /// invoice, all over HTTP.
    pub async fn invoiced_application(&self, clerk: &Clerk, people: &[(&str, String)]) -> String {
        let id = self.submitted_with(clerk, people).await;
        self.approve_and_invoice(clerk, &id).await;
        id
    }

    /// An application of `clerk` paid (已出确认书) today by `finance` (a staff member with the
    /// finance duty), as [`Self::invoiced_application`] then 到账确认 of its 应交保费 over HTTP:
    /// its id, the amount (fen) and the 确认书号.
    pub async fn paid_application(
        &self,
        clerk: &Clerk,
        finance: &Browser,
        people: &[(&str, String)],
    ) -> (String, u64, String) {
        let id = self.invoiced_application(clerk, people).await;
        let due = clerk.browser.get(&format!("/api/applications/{id}/invoice")).await.body["fees"]["due_fen"]
            .as_u64()
            .expect("due");
        let today = shared::platform::time::today_beijing();
        let r = finance
            .post(
                &format!("/api/staff/applications/{id}/payment"),
                json!({ "received_on": today.to_string(), "amount_fen": due, "reference": format!("HX{}", today.format("%Y%m%d")) }),
            )
            .await;
        assert_eq!(r.status, 201, "{r:?}");
        let number = r.body["certificate_number"]
            .as_str()
            .expect("certificate number")
            .to_owned();
        (id, due, number)
    }

    /// An application of `clerk` submitted for 初审 with `people` (name, ID) as its named
    /// members, one share each: draft, import, staff counts and 完成 over HTTP.
    pub async fn submitted_with(&self, clerk: &Clerk, people: &[(&str, String)]) -> String {
        let r = clerk
            .browser
            .post(
                "/api/applications",
                json!({ "activity_code": "ZYYL", "sub_category_code": "ZYYL-01", "shares": 1 }),
            )
            .await;
        assert_eq!(r.status, 201, "{r:?}");
        let id = r.body["id"].as_str().expect("id").to_owned();
        let seqs: Vec<String> = (1..=people.len()).map(|i| i.to_string()).collect();
        let rows: Vec<[&str; 9]> = people
            .iter()
            .zip(&seqs)
            .map(|((name, id_number), seq)| {
                [
                    seq.as_str(),
                    *name,
                    "居民身份证",
                    id_number.as_str(),
                    "",
                    "",
                    "",
                    "一般职业",
                    "",
                ]
            })
            .collect();
        let r = self
            .import(&clerk.browser, &id, member_workbook(&rows), "参保人信息模板-通用.xlsx")
            .await;
        assert_eq!((r.status, r.body["failed"].as_u64()), (201, Some(0)), "{r:?}");
        let r = clerk
            .browser
            .put(
                &format!("/api/applications/{id}"),
                json!({ "employees": people.len() + 5, "female_employees": 2, "remarks": "" }),
            )
            .await;
        assert_eq!(r.status, 200, "{r:?}");
        let r = clerk
            .browser
            .post(&format!("/api/applications/{id}/submit"), json!({}))
            .await;
        assert_eq!(r.status, 200, "{r:?}");

        id
    }
}

/// The text of a PDF as `pdftotext` (poppler-utils) reads it.
pub async fn pdf_text(bytes: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("cert-{}.pdf", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, bytes).expect("write pdf");
    let out = tokio::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .await
        .expect("pdftotext (poppler-utils) is required");
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success());
    String::from_utf8(out.stdout).expect("utf-8")
}
