//! ② 人员清单维护: importing a filled-in member template into an application, the batches
//! with their failed rows, editing and removing members, 无名单 head counts, 未到期 members
//! and the member list download.
//!
//! An import takes a lease on the application (so two imports never interleave), validates
//! every row in memory, writes the new members, then commits the batch, the counts and the
//! trail in one transaction that also releases the lease. A failed commit removes what it wrote.

use aws_sdk_dynamodb::types::{PutRequest, TransactWriteItem, WriteRequest};
use chrono::Duration as Days;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::Mobile;
use crate::domain::Occupation;
use crate::platform::db::{self, OnCancel, key, n, s};
use crate::platform::error::{ApiError, ApiResult, FieldCheck, OrInternal, checked};
use crate::platform::paging::{Page, PageQuery};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::platform::uploads;
use crate::records::account::Role;
use crate::records::application::{self, Application, ApplicationStatus, app_key, app_pk};
use crate::records::coverage::covered_until;
pub use crate::records::coverage::{coverage_item, coverage_key};
use crate::records::members::{self, Member, MemberView, member_id, member_sk};
use crate::records::session::UnitUser;
use crate::records::trail;
use crate::spreadsheet::{self, ExportMember, ImportContext, XlsxLimits};

pub use crate::spreadsheet::{EXPORT_FILE_NAME, FAILED_ROWS_FILE_NAME, TEMPLATE_FILE_NAME};

/// 模板下载: 参保人信息模板-通用.xlsx, text-formatted cells and drop-down lists.
pub fn template() -> ApiResult<Vec<u8>> {
    spreadsheet::member_template().map_err(ApiError::internal)
}

pub const MAX_FILE_BYTES: u64 = 5 * 1024 * 1024;
/// Longer than the import function may run (its Timeout in template.yaml; a test holds this), so
/// a lease that ran out belongs to an import that is gone.
pub const LEASE_SECONDS: i64 = 120;
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn upload_area(app_id: &str) -> String {
    format!("imports/{app_id}")
}

/// 导入批次: one imported file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportBatch {
    pub batch_no: u32,
    /// 文件名称
    pub file_name: String,
    /// 总人数 (non-blank rows)
    pub total: u32,
    /// 成功人数
    pub success: u32,
    /// 失败人数
    pub failed: u32,
    /// Of the successes, 未到期 members (still covered, not charged).
    pub expiring: u32,
    /// 导入时间 (Beijing)
    pub imported_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(ignore)]
    pub failed_rows_key: Option<String>,
}

fn batch_sk(batch_no: u32) -> String {
    format!("BATCH#{batch_no:06}")
}

/// 人员清单导入 step 1: where to upload the file.
pub async fn upload_ticket(
    state: &AppState,
    unit: &UnitUser,
    app_id: &str,
    size: u64,
) -> ApiResult<uploads::UploadTicket> {
    application::load_draft(state, unit, app_id).await?;
    if size > MAX_FILE_BYTES {
        return Err(too_large(size));
    }
    uploads::ticket(state, &upload_area(app_id), XLSX_TYPE, size).await
}

fn too_large(size: u64) -> ApiError {
    ApiError::refused(
        "FILE_TOO_LARGE",
        format!(
            "文件大小不能超过5MB（当前{}），请分成几个文件导入",
            uploads::human_size(size)
        ),
    )
}

fn clean_file_name(raw: &str) -> String {
    let name: String = raw
        .chars()
        .filter(|c| !c.is_control() && !"/\\".contains(*c))
        .take(100)
        .collect();
    if name.trim().is_empty() {
        "参保人信息模板-通用.xlsx".to_owned()
    } else {
        name.trim().to_owned()
    }
}

async fn take_lease(state: &AppState, app_id: &str) -> ApiResult<String> {
    let token = uuid::Uuid::new_v4().to_string();
    let now = time::now().timestamp();
    let result = state
        .db
        .update_item()
        .table_name(&*state.table)
        .set_key(Some(app_key(app_id)))
        .update_expression("SET import_lease = :t, import_lease_until = :until")
        .condition_expression(
            "#st = :draft AND (attribute_not_exists(import_lease_until) OR import_lease_until < :now)",
        )
        .expression_attribute_names("#st", "status")
        .expression_attribute_values(":t", s(token.clone()))
        .expression_attribute_values(":until", n(now + LEASE_SECONDS))
        .expression_attribute_values(":now", n(now))
        .expression_attribute_values(":draft", s(ApplicationStatus::Draft.as_str()))
        .send()
        .await;
    match result {
        Ok(_) => Ok(token),
        Err(e) if db::is_condition_failed(&e) => Err(ApiError::conflict(
            "IMPORT_IN_PROGRESS",
            "该申请正在导入其他文件或已提交，请稍后刷新再试",
        )),
        Err(e) => Err(ApiError::internal(anyhow::Error::new(e).context("take import lease"))),
    }
}

async fn release_lease(state: &AppState, app_id: &str, token: &str) {
    let _ = state
        .db
        .update_item()
        .table_name(&*state.table)
        .set_key(Some(app_key(app_id)))
        .update_expression("REMOVE import_lease, import_lease_until")
        .condition_expression("import_lease = :t")
        .expression_attribute_values(":t", s(token))
        .send()
        .await;
}

/// 人员清单导入 step 2: validate the uploaded file and store its good rows as a batch.
pub async fn import(
    state: &AppState,
    unit: &UnitUser,
    app_id: &str,
    upload_id: &str,
    file_name: &str,
) -> ApiResult<ImportBatch> {
    let app = application::load_draft(state, unit, app_id).await?;
    let bytes = read_upload(state, app_id, upload_id).await?;
    let lease = take_lease(state, app_id).await?;
    let result = import_locked(state, unit, &app, &bytes, &clean_file_name(file_name), &lease).await;
    if result.is_err() {
        release_lease(state, app_id, &lease).await;
    }
    result
}

async fn read_upload(state: &AppState, app_id: &str, upload_id: &str) -> ApiResult<Vec<u8>> {
    let missing = || ApiError::refused("UPLOAD_MISSING", "文件未上传成功或已过期，请重新选择文件导入");
    if uuid::Uuid::parse_str(upload_id).is_err() {
        return Err(missing());
    }
    let staged = format!("uploads/{}/{upload_id}", upload_area(app_id));
    let head = state.s3.head_object().bucket(&*state.bucket).key(&staged).send().await;
    let (size, version_id) = match head {
        Ok(h) => (
            u64::try_from(h.content_length().unwrap_or(0)).unwrap_or(0),
            h.version_id().map(str::to_owned),
        ),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => return Err(missing()),
        Err(e) => return Err(ApiError::internal(anyhow::Error::new(e).context("head import"))),
    };
    if size > MAX_FILE_BYTES {
        return Err(too_large(size));
    }
    // Exactly the version whose size was checked.
    let object = state
        .s3
        .get_object()
        .bucket(&*state.bucket)
        .key(&staged)
        .set_version_id(version_id.clone())
        .send()
        .await
        .or_internal("get import")?;
    let bytes = object
        .body
        .collect()
        .await
        .or_internal("read import")?
        .into_bytes()
        .to_vec();
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    // A member list is personal data: once read, the staged version goes for good.
    uploads::remove_staged(state, &staged, version_id.as_deref()).await;
    Ok(bytes)
}

async fn import_locked(
    state: &AppState,
    unit: &UnitUser,
    app: &Application,
    bytes: &[u8],
    file_name: &str,
    lease: &str,
) -> ApiResult<ImportBatch> {
    let (existing, unfinished): (Vec<Member>, Vec<Member>) = members::stored(state, &app.id)
        .await?
        .into_iter()
        .partition(|m| m.committed_in(app));
    if !unfinished.is_empty() {
        // An earlier import wrote these and never committed (the lease outlives any function
        // run, so that import is gone): clear them before this one writes the same batch number.
        tracing::warn!(application = %app.id, members = unfinished.len(), "clearing an import that never committed");
        db::batch_write(state, delete_requests(&app.id, &unfinished)).await?;
    }
    let batch_no = app.batch_seq + 1;
    let mut ctx = ImportContext::new(time::today_beijing());
    for member in &existing {
        ctx.add_earlier(&member.id, format!("第{}批", member.batch_no), member.row);
    }
    // Parsing and checking 50,000 rows is ~0.3 s of CPU: off the async workers, so one big
    // import does not stall the other requests a local or long-lived server is handling.
    let input = bytes.to_vec();
    let parsed =
        tokio::task::spawn_blocking(move || spreadsheet::import_members(&input, &XlsxLimits::default(), &mut ctx))
            .await
            .or_internal("import task")?;
    let outcome = parsed.map_err(|e| {
        if e.is_clients_fault() {
            ApiError::refused(e.code(), e.to_string())
        } else {
            ApiError::internal(e)
        }
    })?;
    let coverage = covered_until(
        state,
        &app.unit_id,
        &app.activity_code,
        outcome.members.iter().map(|m| m.id.as_str()),
    )
    .await?;
    let new_members: Vec<Member> = outcome
        .members
        .iter()
        .map(|m| Member {
            member_id: member_id(m.id.as_str()),
            name: m.name.clone(),
            id: m.id.clone(),
            gender: m.gender,
            birth_date: m.birth_date,
            mobile: m.mobile.clone(),
            occupation: m.occupation,
            remark: m.remark.clone(),
            batch_no,
            row: m.row,
            covered_until: coverage.get(m.id.as_str()).copied(),
        })
        .collect();

    let failed_rows_key = if outcome.failures.is_empty() {
        None
    } else {
        let file =
            spreadsheet::failed_rows_xlsx(&outcome.failures).map_err(|e| ApiError::internal(anyhow::anyhow!("{e}")))?;
        let key = format!(
            "units/{}/applications/{}/batches/{batch_no}/failed-rows.xlsx",
            unit.unit_id, app.id
        );
        state
            .s3
            .put_object()
            .bucket(&*state.bucket)
            .key(&key)
            .content_type(XLSX_TYPE)
            .body(file.into())
            .send()
            .await
            .or_internal("put failed rows")?;
        Some(key)
    };

    write_members(state, &app.id, &new_members).await?;

    let expiring = new_members.iter().filter(|m| m.covered_until.is_some()).count() as u32;
    let charged: Vec<&Member> = new_members.iter().filter(|m| m.covered_until.is_none()).collect();
    let high_risk = charged.iter().filter(|m| m.occupation == Occupation::HighRisk).count() as u32;
    let batch = ImportBatch {
        batch_no,
        file_name: file_name.to_owned(),
        total: outcome.total as u32,
        success: new_members.len() as u32,
        failed: outcome.failures.len() as u32,
        expiring,
        imported_at: time::display(time::now()),
        failed_rows_key,
    };
    let table = &*state.table;
    let mut batch_item = db::to_item(&batch).or_internal("encode batch")?;
    batch_item.extend(key(app_pk(&app.id), batch_sk(batch_no)));
    let items = vec![
        db::update_if(
            table,
            app_key(&app.id),
            "SET batch_seq = :n, named_count = named_count + :named, expiring_count = expiring_count + :exp, \
             high_risk_count = high_risk_count + :hr REMOVE import_lease, import_lease_until",
            Some("import_lease = :lease AND #st = :draft AND batch_seq = :prev"),
            &[("#st", "status")],
            &[
                (":n", n(batch_no)),
                (":prev", n(app.batch_seq)),
                (":named", n(charged.len())),
                (":exp", n(expiring)),
                (":hr", n(high_risk)),
                (":lease", s(lease)),
                (":draft", s(ApplicationStatus::Draft.as_str())),
            ],
        )
        .or_internal("build counts")?,
        db::put_new(table, batch_item).or_internal("build batch")?,
        trail::record(
            table,
            &app_pk(&app.id),
            &unit.login,
            Some(Role::Unit),
            "members_imported",
            &format!(
                "导入人员清单《{file_name}》：共{}人，成功{}人，失败{}人",
                batch.total, batch.success, batch.failed
            ),
        )
        .or_internal("build trail")?,
    ];
    if let Err(err) = db::transact(state, items).await {
        delete_members(state, &app.id, &new_members).await;
        return Err(
            err.refusal(|_| ApiError::conflict("IMPORT_IN_PROGRESS", "该申请正在导入其他文件或已提交，请稍后刷新再试"))
        );
    }
    tracing::info!(application = %app.id, batch_no, total = batch.total, failed = batch.failed, "members imported");
    Ok(batch)
}

/// BatchWriteItem takes at most 25 requests; several batches run at once.
async fn write_members(state: &AppState, app_id: &str, new_members: &[Member]) -> ApiResult<()> {
    let mut requests = Vec::with_capacity(new_members.len());
    for m in new_members {
        let item = m.to_item(app_id).or_internal("encode member")?;
        requests.push(
            WriteRequest::builder()
                .put_request(PutRequest::builder().set_item(Some(item)).build().or_internal("put")?)
                .build(),
        );
    }
    db::batch_write(state, requests).await
}

fn delete_requests(app_id: &str, gone: &[Member]) -> Vec<WriteRequest> {
    let mut requests = Vec::new();
    for m in gone {
        if let Ok(delete) = aws_sdk_dynamodb::types::DeleteRequest::builder()
            .set_key(Some(key(app_pk(app_id), member_sk(&m.member_id))))
            .build()
        {
            requests.push(WriteRequest::builder().delete_request(delete).build());
        }
    }
    requests
}

/// Best effort: what is left is never counted and the next import clears it.
async fn delete_members(state: &AppState, app_id: &str, gone: &[Member]) {
    if let Err(e) = db::batch_write(state, delete_requests(app_id, gone)).await {
        tracing::error!(error = e.message, "could not remove members of a failed import");
    }
}

pub async fn batches(state: &AppState, unit: &UnitUser, app_id: &str) -> ApiResult<Vec<ImportBatch>> {
    application::load_for_unit(state, unit, app_id).await?;
    let out = state
        .db
        .query()
        .table_name(&*state.table)
        .key_condition_expression("pk = :pk AND begins_with(sk, :b)")
        .expression_attribute_values(":pk", s(app_pk(app_id)))
        .expression_attribute_values(":b", s("BATCH#"))
        .scan_index_forward(false)
        .send()
        .await
        .or_internal("query batches")?;
    out.items()
        .iter()
        .map(|i| db::from_item(i.clone()).or_internal("decode batch"))
        .collect()
}

/// 失败人员名单下载: a short-lived link to the failed rows of one batch.
pub async fn failed_rows_url(state: &AppState, unit: &UnitUser, app_id: &str, batch_no: u32) -> ApiResult<String> {
    application::load_for_unit(state, unit, app_id).await?;
    let batch: ImportBatch = db::get_as(state, key(app_pk(app_id), batch_sk(batch_no)), "get batch")
        .await?
        .ok_or_else(|| ApiError::not_found("NOT_FOUND", "未找到该导入批次"))?;
    let key = batch
        .failed_rows_key
        .ok_or_else(|| ApiError::not_found("NO_FAILED_ROWS", "该批次没有失败人员"))?;
    let summary = format!("下载第{batch_no}批失败人员名单（含完整证件号）");
    trail::record_read(
        state,
        &app_pk(app_id),
        &unit.login,
        Role::Unit,
        "failed_rows_downloaded",
        &summary,
    )
    .await?;
    uploads::download_url(state, &key, 300).await
}

/// 人员详情: the members of an application, masked, a page at a time (ordered by batch and row).
pub async fn list(
    state: &AppState,
    unit: &UnitUser,
    app_id: &str,
    page: PageQuery,
    expiring_only: bool,
) -> ApiResult<Page<MemberView>> {
    let app = application::load_for_unit(state, unit, app_id).await?;
    let mut all = members::all(state, &app).await?;
    if expiring_only {
        all.retain(|m| m.covered_until.is_some());
    }
    Ok(members::page(all, page, time::today_beijing()))
}

async fn load_member(state: &AppState, app: &Application, member: &str) -> ApiResult<Member> {
    let not_found = || ApiError::not_found("NOT_FOUND", "未找到该参保人");
    if member.len() != 20 || !member.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(not_found());
    }
    db::get_as::<Member>(state, key(app_pk(&app.id), member_sk(member)), "get member")
        .await?
        .filter(|m| m.committed_in(app))
        .ok_or_else(not_found)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct MemberEdit {
    pub name: String,
    pub mobile: String,
    pub occupation: Occupation,
    pub remark: String,
}

/// 人员修改: name, mobile, occupation and remark (a wrong ID is removed and re-imported).
pub async fn edit(
    state: &AppState,
    unit: &UnitUser,
    app_id: &str,
    member: &str,
    form: MemberEdit,
) -> ApiResult<MemberView> {
    let app = application::load_draft(state, unit, app_id).await?;
    let old = load_member(state, &app, member).await?;
    let mut check = FieldCheck::new();
    let name = match spreadsheet::member_name(&form.name) {
        Ok(name) => Some(name),
        Err((code, message)) => {
            check.push("name", code, message);
            None
        }
    };
    let mobile = match form.mobile.trim() {
        "" => Some(None),
        raw => check.take("mobile", Mobile::parse(raw)).map(Some),
    };
    if form.remark.chars().count() > spreadsheet::MAX_REMARK_CHARS {
        check.push("remark", "REMARK_TOO_LONG", "备注不能超过200字");
    }
    check.finish()?;
    let mobile = checked(mobile)?;
    let updated = Member {
        name: checked(name)?,
        mobile,
        occupation: form.occupation,
        remark: form.remark.trim().to_owned(),
        ..old.clone()
    };
    let charged = old.covered_until.is_none();
    let risk_delta =
        i64::from(updated.occupation == Occupation::HighRisk) - i64::from(old.occupation == Occupation::HighRisk);
    let risk_delta = if charged { risk_delta } else { 0 };
    let table = &*state.table;
    let items = vec![
        db::put_if(
            table,
            updated.to_item(app_id).or_internal("encode member")?,
            Some("attribute_exists(pk) AND occupation = :old"),
            &[(
                ":old",
                s(serde_json::to_value(old.occupation)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()),
            )],
        )
        .or_internal("build member")?,
        db::update_if(
            table,
            app_key(app_id),
            "SET high_risk_count = high_risk_count + :d",
            Some("#st = :draft"),
            &[("#st", "status")],
            &[(":d", n(risk_delta)), (":draft", s(ApplicationStatus::Draft.as_str()))],
        )
        .or_internal("build counts")?,
        trail::record(
            table,
            &app_pk(app_id),
            &unit.login,
            Some(Role::Unit),
            "member_edited",
            &format!("修改参保人{}", crate::domain::mask_name(&updated.name)),
        )
        .or_internal("build trail")?,
    ];
    commit_draft_change(state, items).await?;
    Ok(updated.view(time::today_beijing()))
}

async fn commit_draft_change(
    state: &AppState,
    items: Vec<aws_sdk_dynamodb::types::TransactWriteItem>,
) -> ApiResult<()> {
    db::transact(state, items)
        .await
        .on_cancel(|_| ApiError::conflict("CHANGED_MEANWHILE", "数据已被修改或申请已提交，请刷新后重试"))
}

/// 人员删除
pub async fn remove(state: &AppState, unit: &UnitUser, app_id: &str, member: &str) -> ApiResult<()> {
    let app = application::load_draft(state, unit, app_id).await?;
    let old = load_member(state, &app, member).await?;
    let charged = old.covered_until.is_none();
    let (named, expiring) = if charged { (1, 0) } else { (0, 1) };
    let risk = i64::from(charged && old.occupation == Occupation::HighRisk);
    let table = &*state.table;
    let items = vec![
        db::delete_if(table, key(app_pk(app_id), member_sk(member)), Some("attribute_exists(pk)"), &[]).or_internal("build delete")?,
        db::update_if(
            table,
            app_key(app_id),
            "SET named_count = named_count - :n, expiring_count = expiring_count - :e, high_risk_count = high_risk_count - :r",
            Some("#st = :draft"),
            &[("#st", "status")],
            &[(":n", n(named)), (":e", n(expiring)), (":r", n(risk)), (":draft", s(ApplicationStatus::Draft.as_str()))],
        )
        .or_internal("build counts")?,
        trail::record(table, &app_pk(app_id), &unit.login, Some(Role::Unit), "member_removed", &format!("删除参保人{}", crate::domain::mask_name(&old.name)))
            .or_internal("build trail")?,
    ];
    commit_draft_change(state, items).await
}

/// 无名单: a head count without names (gig workers, 新业态).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnnamedEntry {
    pub entry_id: String,
    pub count: u32,
    pub occupation: Occupation,
    pub created_at: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewUnnamed {
    pub count: u32,
    pub occupation: Occupation,
}

/// 新增无名单
pub async fn add_unnamed(state: &AppState, unit: &UnitUser, app_id: &str, form: NewUnnamed) -> ApiResult<UnnamedEntry> {
    application::load_draft(state, unit, app_id).await?;
    if form.count == 0 || form.count > 100_000 {
        return Err(ApiError::refused("COUNT_INVALID", "无名单人数应为1到100000之间的整数"));
    }
    let entry = UnnamedEntry {
        entry_id: uuid::Uuid::new_v4().simple().to_string(),
        count: form.count,
        occupation: form.occupation,
        created_at: time::display(time::now()),
    };
    let mut item = db::to_item(&entry).or_internal("encode entry")?;
    item.extend(key(app_pk(app_id), format!("UNNAMED#{}", entry.entry_id)));
    let table = &*state.table;
    let items = vec![
        db::put_new(table, item).or_internal("build entry")?,
        unnamed_counts_change(table, app_id, &entry, '+')?,
        trail::record(
            table,
            &app_pk(app_id),
            &unit.login,
            Some(Role::Unit),
            "unnamed_added",
            &format!("新增无名单{}人（{}）", entry.count, entry.occupation.label()),
        )
        .or_internal("build trail")?,
    ];
    commit_draft_change(state, items).await?;
    Ok(entry)
}

pub async fn unnamed(state: &AppState, unit: &UnitUser, app_id: &str) -> ApiResult<Vec<UnnamedEntry>> {
    application::load_for_unit(state, unit, app_id).await?;
    let query = state
        .db
        .query()
        .table_name(&*state.table)
        .key_condition_expression("pk = :pk AND begins_with(sk, :u)")
        .expression_attribute_values(":pk", s(app_pk(app_id)))
        .expression_attribute_values(":u", s("UNNAMED#"));
    db::query_as(query, "query unnamed").await
}

pub async fn remove_unnamed(state: &AppState, unit: &UnitUser, app_id: &str, entry_id: &str) -> ApiResult<()> {
    application::load_draft(state, unit, app_id).await?;
    let entry = unnamed(state, unit, app_id)
        .await?
        .into_iter()
        .find(|e| e.entry_id == entry_id)
        .ok_or_else(|| ApiError::not_found("NOT_FOUND", "未找到该无名单记录"))?;
    let table = &*state.table;
    let items = vec![
        db::delete_if(
            table,
            key(app_pk(app_id), format!("UNNAMED#{entry_id}")),
            Some("attribute_exists(pk)"),
            &[],
        )
        .or_internal("build delete")?,
        unnamed_counts_change(table, app_id, &entry, '-')?,
        trail::record(
            table,
            &app_pk(app_id),
            &unit.login,
            Some(Role::Unit),
            "unnamed_removed",
            &format!("删除无名单{}人", entry.count),
        )
        .or_internal("build trail")?,
    ];
    commit_draft_change(state, items).await
}

/// The draft's unnamed and high-risk counts moved by one entry (`sign` is '+' or '-'), written
/// only while the application is still a draft.
fn unnamed_counts_change(table: &str, app_id: &str, entry: &UnnamedEntry, sign: char) -> ApiResult<TransactWriteItem> {
    let risk = if entry.occupation == Occupation::HighRisk {
        entry.count
    } else {
        0
    };
    db::update_if(
        table,
        app_key(app_id),
        &format!("SET unnamed_count = unnamed_count {sign} :c, high_risk_count = high_risk_count {sign} :r"),
        Some("#st = :draft"),
        &[("#st", "status")],
        &[
            (":c", n(entry.count)),
            (":r", n(risk)),
            (":draft", s(ApplicationStatus::Draft.as_str())),
        ],
    )
    .or_internal("build counts")
}

/// 参保人员名单下载: whole IDs, so the download itself is recorded in the trail.
pub async fn export(state: &AppState, unit: &UnitUser, app_id: &str) -> ApiResult<Vec<u8>> {
    let app = application::load_for_unit(state, unit, app_id).await?;
    let mut all = members::all(state, &app).await?;
    all.sort_by_key(|m| (m.batch_no, m.row));
    let effective = time::today_beijing() + Days::days(1);
    let rows: Vec<ExportMember> = all
        .iter()
        .map(|m| ExportMember {
            name: m.name.clone(),
            id: m.id.clone(),
            gender: m.gender,
            birth_date: m.birth_date,
            age: m.age_on(effective),
            mobile: m.mobile.clone(),
            occupation: m.occupation,
            batch: format!("第{}批", m.batch_no),
        })
        .collect();
    let count = rows.len();
    let file = spreadsheet::members_xlsx(rows.into_iter()).map_err(|e| ApiError::internal(anyhow::anyhow!("{e}")))?;
    let table = &*state.table;
    db::transact(
        state,
        vec![
            trail::record(
                table,
                &app_pk(app_id),
                &unit.login,
                Some(Role::Unit),
                "members_exported",
                &format!("下载参保人员名单（含完整证件号，{count}人）"),
            )
            .or_internal("build trail")?,
        ],
    )
    .await
    .on_cancel(|c| ApiError::internal(anyhow::anyhow!("trail cancelled: {c:?}")))?;
    Ok(file)
}
