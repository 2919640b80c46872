//! 工作人员账号 (admin): staff accounts bound to a node of the agency tree, each one person
//! with their own mobile. The initial password and every reset go by SMS to that mobile: an
//! admin never sees them. Admins disable and enable accounts and change permissions, which ends
//! the account's sessions at once; an admin holds no review or finance permission and never
//! changes their own account. Every admin action is in the account's trail (修改记录).
use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{Mobile, mask_name};
use crate::platform::cursor::{self, CursorPage, PageAt};
use crate::platform::db::{self, OnCancel, key, s};
use crate::platform::error::{ApiError, ApiResult, FieldCheck, FieldError, OrInternal, checked};
use crate::platform::password;
use crate::platform::sms::{self, SmsText};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::account::{Account, Permission, Role, STAFF_INDEX_KEY, account_key, account_pk, load_account};
use crate::records::login_guard;
use crate::records::session::{StaffUser, close_all_sessions};
use crate::records::trail::{self, TrailEntry};
use crate::reference;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewStaff {
    /// Lowercase login, 3–32 of a-z 0-9 . _ - (unit accounts are upper-case credit codes).
    pub login: String,
    /// 姓名 of the person who will use the account
    pub display_name: String,
    /// 本人手机号: the initial password goes there by SMS; unique among accounts in use
    pub mobile: String,
    pub agency_code: String,
    pub permissions: Vec<Permission>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffCreated {
    pub login: String,
    /// Where the initial password was sent, masked (138****5678).
    pub mobile: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffView {
    pub login: String,
    pub display_name: String,
    /// 本人手机号, masked; empty for the first admin seeded at deployment
    pub mobile: String,
    pub agency_code: String,
    pub agency_name: String,
    pub permissions: Vec<Permission>,
    /// 已停用
    pub disabled: bool,
    pub created_at: String,
}

impl StaffView {
    fn of(account: Account) -> Self {
        StaffView {
            agency_name: reference::full_name(&account.agency_code).unwrap_or_default(),
            mobile: account.mobile.as_ref().map(Mobile::masked).unwrap_or_default(),
            login: account.login,
            display_name: account.display_name,
            agency_code: account.agency_code,
            permissions: account.permissions,
            disabled: account.disabled,
            created_at: account.created_at,
        }
    }
}

/// 修改权限: the account's new permissions (all of them).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct PermissionsChange {
    pub permissions: Vec<Permission>,
}

/// What the permissions are called on screen, for messages and the trail.
fn permission_label(p: Permission) -> &'static str {
    match p {
        Permission::RegistrationReview => "注册审核",
        Permission::ReviewL1 => "初审",
        Permission::ReviewL2 => "复审",
        Permission::ReviewL3 => "终审",
        Permission::Finance => "财务到账确认",
        Permission::Admin => "系统管理",
    }
}

fn labels(permissions: &[Permission]) -> String {
    permissions
        .iter()
        .map(|p| permission_label(*p))
        .collect::<Vec<_>>()
        .join("、")
}

/// An admin administers; reviewing and confirming money are other people's duties.
fn check_permissions(check: &mut FieldCheck, permissions: &[Permission]) {
    let duties = [
        Permission::ReviewL1,
        Permission::ReviewL2,
        Permission::ReviewL3,
        Permission::Finance,
    ];
    if permissions.is_empty() {
        check.push("permissions", "REQUIRED", "请至少选择一项权限");
    } else if permissions.contains(&Permission::Admin) && permissions.iter().any(|p| duties.contains(p)) {
        check.push(
            "permissions",
            "ADMIN_DUTIES_SEPARATE",
            "系统管理员不能同时拥有初审、复审、终审或财务到账确认权限，请分设账号由不同人员担任",
        );
    }
}

fn mobile_claim_key(mobile: &Mobile) -> db::Item {
    key(format!("UNIQ#STAFFMOBILE#{}", mobile.as_str()), "UNIQ")
}

fn mobile_taken() -> ApiError {
    let message = "该手机号已登记在另一个在用的工作人员账号上：一人只能有一个在用账号";
    let mut err = ApiError::conflict("MOBILE_TAKEN", message);
    err.fields.push(FieldError {
        field: "mobile".to_owned(),
        code: "MOBILE_TAKEN",
        message: message.to_owned(),
    });
    err
}

fn valid_login(login: &str) -> bool {
    (3..=32).contains(&login.len())
        && login.starts_with(|c: char| c.is_ascii_lowercase())
        && login
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// Writes a staff account without an own mobile; fails with 409 if the login exists. For the
/// first admin seeded at deployment (its password is printed once) and for tests.
pub async fn insert(
    state: &AppState,
    login: &str,
    display_name: &str,
    agency_code: &str,
    permissions: Vec<Permission>,
    password: &str,
    must_change_password: bool,
) -> ApiResult<()> {
    let account = Account {
        login: login.to_owned(),
        role: Role::Staff,
        display_name: display_name.to_owned(),
        unit_id: None,
        agency_code: agency_code.to_owned(),
        permissions,
        password_hash: password::hash(password).or_internal("hash")?,
        must_change_password,
        created_at: time::stamp(time::now()),
        mobile: None,
        disabled: false,
    };
    let result = state
        .db
        .put_item()
        .table_name(&*state.table)
        .set_item(Some(account.to_item().or_internal("encode account")?))
        .condition_expression("attribute_not_exists(pk)")
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(e) if db::is_condition_failed(&e) => Err(ApiError::conflict("LOGIN_TAKEN", "该登录名已被使用")),
        Err(e) => Err(ApiError::internal(anyhow::Error::new(e).context("put staff"))),
    }
}

/// An admin creates a staff account inside their own subtree; the initial password goes by
/// SMS to the person's own mobile, in the same transaction as the account.
pub async fn create(state: &AppState, admin: &StaffUser, form: NewStaff) -> ApiResult<StaffCreated> {
    admin.require(Permission::Admin)?;
    let mut check = FieldCheck::new();
    let login = form.login.trim();
    if !valid_login(login) {
        check.push(
            "login",
            "LOGIN_FORMAT",
            "登录名为3到32位小写字母、数字或 . _ -，以字母开头",
        );
    }
    let name = form.display_name.trim();
    if name.is_empty() || name.chars().count() > 30 {
        check.push("display_name", "REQUIRED", "请填写姓名（30字以内）");
    }
    let mobile = check.take("mobile", Mobile::parse(&form.mobile));
    if reference::agency(&form.agency_code).is_none() {
        check.push("agency_code", "AGENCY_INVALID", "请选择所属机构");
    } else if !reference::is_within(&form.agency_code, &admin.agency_code) {
        check.push("agency_code", "AGENCY_OUT_OF_SCOPE", "只能为本机构及下级机构创建账号");
    }
    check_permissions(&mut check, &form.permissions);
    check.finish()?;
    let mobile = checked(mobile)?;
    let initial_password = password::generate();
    let now = time::stamp(time::now());
    let account = Account {
        login: login.to_owned(),
        role: Role::Staff,
        display_name: name.to_owned(),
        unit_id: None,
        agency_code: form.agency_code.clone(),
        permissions: form.permissions,
        password_hash: password::hash(&initial_password).or_internal("hash")?,
        must_change_password: true,
        created_at: now.clone(),
        mobile: Some(mobile.clone()),
        disabled: false,
    };
    let table = &*state.table;
    let mut claim = mobile_claim_key(&mobile);
    claim.insert("login".into(), s(login));
    let items = vec![
        account.put_new(table).or_internal("build account")?,
        db::put_new(table, claim).or_internal("build mobile claim")?,
        sms::enqueue(
            table,
            &format!("staff_account:{login}:{now}"),
            &mobile,
            &SmsText::StaffAccount {
                account: login.to_owned(),
                password: initial_password,
            },
        )
        .or_internal("build sms")?,
        trail::record(
            table,
            &account_pk(login),
            &admin.login,
            Some(Role::Staff),
            "staff_created",
            &format!(
                "新增工作人员账号：{}（{}），{}，权限：{}，初始密码已短信发送至本人手机",
                mask_name(name),
                mobile.masked(),
                reference::full_name(&account.agency_code).unwrap_or_default(),
                labels(&account.permissions)
            ),
        )
        .or_internal("build trail")?,
    ];
    db::transact(state, items).await.on_cancel(|c| {
        if c.failed_at(0) {
            ApiError::conflict("LOGIN_TAKEN", "该登录名已被使用")
        } else {
            mobile_taken()
        }
    })?;
    tracing::info!(by = %admin.login, agency = %account.agency_code, "staff account created");
    Ok(StaffCreated {
        login: login.to_owned(),
        mobile: mobile.masked(),
    })
}

/// A staff account in the admin's subtree that is not the admin's own, or the refusal.
async fn managed(state: &AppState, admin: &StaffUser, login: &str) -> ApiResult<Account> {
    admin.require(Permission::Admin)?;
    if login == admin.login {
        return Err(ApiError::forbidden(
            "OWN_ACCOUNT",
            "不能修改自己的账号，请由其他管理员办理",
        ));
    }
    let not_found = || ApiError::not_found("NOT_FOUND", "未找到该工作人员账号，或不在您的管辖范围内");
    let account = load_account(state, login).await?.ok_or_else(not_found)?;
    if account.role != Role::Staff {
        return Err(not_found());
    }
    admin.require_jurisdiction(&account.agency_code)?;
    Ok(account)
}

fn changed_meanwhile() -> ApiError {
    ApiError::conflict("CHANGED_MEANWHILE", "该账号刚被其他管理员修改，请刷新后重试")
}

/// The account's update, guarded by what the admin saw (so two admins never overwrite each
/// other), and its trail entry; sessions end after it commits.
/// One admin change of an account: the update with its values, other items to commit with
/// it, and what the trail says.
struct AccountChange<'a> {
    update: &'a str,
    values: Vec<(&'a str, AttributeValue)>,
    extra: Vec<aws_sdk_dynamodb::types::TransactWriteItem>,
    action: &'a str,
    summary: &'a str,
}

async fn commit_change(
    state: &AppState,
    admin: &StaffUser,
    account: &Account,
    change: AccountChange<'_>,
) -> ApiResult<()> {
    let AccountChange {
        update,
        mut values,
        mut extra,
        action,
        summary,
    } = change;
    let table = &*state.table;
    values.push((":seen_hash", s(account.password_hash.clone())));
    values.push((":seen_disabled", AttributeValue::Bool(account.disabled)));
    // Attribute names go through placeholders: DynamoDB reserves many plain words.
    let disabled_seen = if account.disabled {
        "#disabled = :seen_disabled"
    } else {
        "(attribute_not_exists(#disabled) OR #disabled = :seen_disabled)"
    };
    let mut items = vec![
        db::update_if(
            table,
            account_key(&account.login),
            update,
            Some(&format!("password_hash = :seen_hash AND {disabled_seen}")),
            if update.contains("#permissions") {
                &[("#disabled", "disabled"), ("#permissions", "permissions")]
            } else {
                &[("#disabled", "disabled")]
            },
            &values,
        )
        .or_internal("build account change")?,
        trail::record(
            table,
            &account_pk(&account.login),
            &admin.login,
            Some(Role::Staff),
            action,
            summary,
        )
        .or_internal("build trail")?,
    ];
    items.append(&mut extra);
    db::transact(state, items).await.on_cancel(|c| {
        if c.failed_at(0) {
            changed_meanwhile()
        } else {
            mobile_taken()
        }
    })?;
    close_all_sessions(state, &account.login).await?;
    tracing::info!(by = %admin.login, account = %account.login, action, "staff account changed");
    Ok(())
}

/// 修改权限: takes effect at once (the account's sessions end).
pub async fn set_permissions(
    state: &AppState,
    admin: &StaffUser,
    login: &str,
    change: PermissionsChange,
) -> ApiResult<StaffView> {
    let account = managed(state, admin, login).await?;
    let mut check = FieldCheck::new();
    check_permissions(&mut check, &change.permissions);
    check.finish()?;
    let list = db::to_item_value(&change.permissions).or_internal("encode permissions")?;
    let summary = format!(
        "修改权限：{} → {}",
        labels(&account.permissions),
        labels(&change.permissions)
    );
    let permissions = change.permissions;
    let change = AccountChange {
        update: "SET #permissions = :p",
        values: vec![(":p", list)],
        extra: Vec::new(),
        action: "staff_permissions_changed",
        summary: &summary,
    };
    commit_change(state, admin, &account, change).await?;
    Ok(StaffView::of(Account { permissions, ..account }))
}

/// 停用 / 启用. Disabling ends the sessions and frees the mobile for another account;
/// enabling claims it again (refused while another account in use holds it).
pub async fn set_disabled(state: &AppState, admin: &StaffUser, login: &str, disabled: bool) -> ApiResult<StaffView> {
    let account = managed(state, admin, login).await?;
    if account.disabled == disabled {
        return Ok(StaffView::of(account));
    }
    let table = &*state.table;
    let mut extra = Vec::new();
    if let Some(mobile) = &account.mobile {
        let owned = [(":login", s(&account.login))];
        extra.push(if disabled {
            db::delete_if(table, mobile_claim_key(mobile), Some("login = :login"), &owned)
                .or_internal("build claim release")?
        } else {
            let mut claim = mobile_claim_key(mobile);
            claim.insert("login".into(), s(&account.login));
            db::put_new(table, claim).or_internal("build claim")?
        });
    }
    let (action, summary) = if disabled {
        ("staff_disabled", "停用账号，已结束其登录")
    } else {
        ("staff_enabled", "启用账号")
    };
    let change = AccountChange {
        update: "SET #disabled = :d",
        values: vec![(":d", AttributeValue::Bool(disabled))],
        extra,
        action,
        summary,
    };
    commit_change(state, admin, &account, change).await?;
    Ok(StaffView::of(Account { disabled, ..account }))
}

/// 重置密码: a new password by SMS to the person's own mobile, to be changed at first login.
pub async fn reset_password(state: &AppState, admin: &StaffUser, login: &str) -> ApiResult<StaffView> {
    let account = managed(state, admin, login).await?;
    let Some(mobile) = account.mobile.clone() else {
        return Err(ApiError::conflict(
            "NO_OWN_MOBILE",
            "该账号未登记本人手机号，无法短信发送新密码",
        ));
    };
    if account.disabled {
        return Err(ApiError::conflict(
            "ACCOUNT_DISABLED",
            "该账号已停用，请先启用再重置密码",
        ));
    }
    let password = password::generate();
    let sms = sms::enqueue(
        &state.table,
        &format!("password_reset:{login}:{}", uuid::Uuid::new_v4()),
        &mobile,
        &SmsText::PasswordReset {
            account: login.to_owned(),
            password: password.clone(),
        },
    )
    .or_internal("build sms")?;
    let summary = format!("重置密码，新密码已短信发送至本人手机（{}）", mobile.masked());
    let change = AccountChange {
        update: "SET password_hash = :h, must_change_password = :t",
        values: vec![
            (":h", s(password::hash(&password).or_internal("hash")?)),
            (":t", AttributeValue::Bool(true)),
        ],
        extra: vec![
            sms,
            login_guard::clear(&state.table, login).or_internal("build unlock")?,
        ],
        action: "staff_password_reset",
        summary: &summary,
    };
    commit_change(state, admin, &account, change).await?;
    Ok(StaffView::of(account))
}

/// 修改记录 of one account: who did what, when, a page of it, newest first.
pub async fn history(
    state: &AppState,
    admin: &StaffUser,
    login: &str,
    at: &PageAt,
) -> ApiResult<CursorPage<TrailEntry>> {
    admin.require(Permission::Admin)?;
    let account = load_account(state, login)
        .await?
        .filter(|a| a.role == Role::Staff)
        .ok_or_else(|| ApiError::not_found("NOT_FOUND", "未找到该工作人员账号，或不在您的管辖范围内"))?;
    admin.require_jurisdiction(&account.agency_code)?;
    trail::page(state, &account_pk(login), at).await
}

pub const PAGE_SIZE_DEFAULT: u32 = 10;
pub const PAGE_SIZE_MAX: u32 = 100;

/// One page of the staff accounts in the admin's subtree, ordered by agency then login, read a
/// page at a time.
pub async fn list(state: &AppState, admin: &StaffUser, at: &PageAt) -> ApiResult<CursorPage<StaffView>> {
    admin.require(Permission::Admin)?;
    let list = cursor::subtree_queue(STAFF_INDEX_KEY, &admin.subtree_prefix());
    let (accounts, next) = list.read_page_as::<Account>(state, at).await?;
    Ok(at.page(accounts.into_iter().map(StaffView::of).collect(), None, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_logins_never_look_like_unit_accounts() {
        assert!(valid_login("li.ming"));
        assert!(!valid_login("91350100M000100Y43"));
        assert!(!valid_login("ab"));
        assert!(!valid_login("1abc"));
    }

    #[test]
    fn an_admin_never_holds_review_or_finance_permissions() {
        for duty in [
            Permission::ReviewL1,
            Permission::ReviewL2,
            Permission::ReviewL3,
            Permission::Finance,
        ] {
            let mut check = FieldCheck::new();
            check_permissions(&mut check, &[Permission::Admin, duty]);
            let err = check.finish().expect_err("refused");
            assert_eq!(err.fields[0].code, "ADMIN_DUTIES_SEPARATE");
        }
        let mut check = FieldCheck::new();
        check_permissions(&mut check, &[Permission::Admin, Permission::RegistrationReview]);
        assert!(check.finish().is_ok());
        let mut check = FieldCheck::new();
        check_permissions(&mut check, &[]);
        assert!(check.finish().is_err());
    }
}
