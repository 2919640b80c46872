//! Staff accounts (经办机构工作人员), bound to one node of the agency tree.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::platform::db::{self, Index};
use crate::platform::error::{ApiError, ApiResult, FieldCheck, OrInternal};
use crate::platform::paging::{Page, PageQuery, PageRequest};
use crate::platform::password;
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::account::{Account, Permission, Role, STAFF_INDEX_KEY};
use crate::records::session::StaffUser;
use crate::reference;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewStaff {
    /// Lowercase login, 3–32 of a-z 0-9 . _ - (unit accounts are upper-case credit codes).
    pub login: String,
    pub display_name: String,
    pub agency_code: String,
    pub permissions: Vec<Permission>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffCreated {
    pub login: String,
    /// Shown once; the staff member must change it at first login.
    pub initial_password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffView {
    pub login: String,
    pub display_name: String,
    pub agency_code: String,
    pub agency_name: String,
    pub permissions: Vec<Permission>,
    pub created_at: String,
}

fn valid_login(login: &str) -> bool {
    (3..=32).contains(&login.len())
        && login.starts_with(|c: char| c.is_ascii_lowercase())
        && login
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// Writes a staff account; fails with 409 if the login exists. Used by admins and seeding.
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
        failed_logins: 0,
        locked_until: 0,
        created_at: time::stamp(time::now()),
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

/// An admin creates a staff account inside their own subtree.
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
    if reference::agency(&form.agency_code).is_none() {
        check.push("agency_code", "AGENCY_INVALID", "请选择所属机构");
    } else if !reference::is_within(&form.agency_code, &admin.agency_code) {
        check.push("agency_code", "AGENCY_OUT_OF_SCOPE", "只能为本机构及下级机构创建账号");
    }
    if form.permissions.is_empty() {
        check.push("permissions", "REQUIRED", "请至少选择一项权限");
    }
    check.finish()?;
    let initial_password = password::generate();
    insert(
        state,
        login,
        name,
        &form.agency_code,
        form.permissions,
        &initial_password,
        true,
    )
    .await?;
    tracing::info!(by = %admin.login, agency = %form.agency_code, "staff account created");
    Ok(StaffCreated {
        login: login.to_owned(),
        initial_password,
    })
}

pub const PAGE_SIZE_DEFAULT: u32 = 10;
pub const PAGE_SIZE_MAX: u32 = 100;

/// One page of the staff accounts in the admin's subtree, ordered by agency then login.
pub async fn list(state: &AppState, admin: &StaffUser, query: PageQuery) -> ApiResult<Page<StaffView>> {
    admin.require(Permission::Admin)?;
    let request = PageRequest::new(query, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX);
    let accounts = db::index_query(state, Index::Gsi1(STAFF_INDEX_KEY, Some(&admin.subtree_prefix())));
    let accounts: Vec<Account> = db::query_as(accounts, "query staff").await?;
    Ok(request.cut(accounts).map(|account| StaffView {
        agency_name: reference::full_name(&account.agency_code).unwrap_or_default(),
        login: account.login,
        display_name: account.display_name,
        agency_code: account.agency_code,
        permissions: account.permissions,
        created_at: account.created_at,
    }))
}

#[cfg(test)]
mod tests {
    use super::valid_login;

    #[test]
    fn staff_logins_never_look_like_unit_accounts() {
        assert!(valid_login("li.ming"));
        assert!(!valid_login("91350100M000100Y43"));
        assert!(!valid_login("ab"));
        assert!(!valid_login("1abc"));
    }
}
