//! 账号: one login, a unit's account or a staff member's, with its role and permissions.
use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::domain::Mobile;
use crate::platform::db::{self, Item, key, s};
use crate::platform::error::ApiResult;
use crate::platform::state::AppState;
use crate::reference;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 单位端
    Unit,
    /// 经办机构
    Staff,
}

/// What a staff account may do; each review level is its own permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// 注册审核 and contact-person changes
    RegistrationReview,
    /// 初审
    ReviewL1,
    /// 复审
    ReviewL2,
    /// 终审
    ReviewL3,
    /// 财务 到账确认
    Finance,
    /// Staff accounts, catalogue
    Admin,
}

/// One login: a unit's account or a staff member's.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    pub login: String,
    pub role: Role,
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<String>,
    /// The unit's 所属机构, or the staff member's node of the agency tree.
    pub agency_code: String,
    #[serde(default)]
    pub permissions: Vec<Permission>,
    pub password_hash: String,
    pub must_change_password: bool,
    pub created_at: String,
    /// 本人手机号 of a staff member: the initial password and every reset go there, and it
    /// names the person for the duty rules. None for unit accounts (their contact's mobile is
    /// on the unit) and for the first admin seeded at deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<Mobile>,
    /// 停用 accounts cannot sign in; their sessions ended when they were disabled.
    #[serde(default)]
    pub disabled: bool,
}

/// The staff list's index partition (`gsi1sk` = agency path + login).
pub const STAFF_INDEX_KEY: &str = "STAFF";

pub fn account_pk(login: &str) -> String {
    format!("ACCOUNT#{login}")
}

pub fn account_key(login: &str) -> Item {
    key(account_pk(login), "ACCOUNT")
}

/// Who a staff member is for the duty rules: one person, whichever account they use. Staff
/// accounts with their own mobile are that mobile (hashed: applications carry the key, not
/// the number); the others are their login.
pub fn person_key(login: &str, mobile: Option<&Mobile>) -> String {
    match mobile {
        Some(mobile) => {
            let digest = Sha256::digest(format!("person|{}", mobile.as_str()).as_bytes());
            format!("p:{}", &hex::encode(digest)[..20])
        }
        None => login.to_owned(),
    }
}

impl Account {
    pub fn person(&self) -> String {
        person_key(&self.login, self.mobile.as_ref())
    }

    /// The item to store, with the staff list index on staff accounts.
    pub fn to_item(&self) -> anyhow::Result<Item> {
        let mut item = db::to_item(self)?;
        item.extend(account_key(&self.login));
        if self.role == Role::Staff {
            let path = reference::path(&self.agency_code).unwrap_or_default();
            item.insert("gsi1pk".into(), s(STAFF_INDEX_KEY));
            item.insert("gsi1sk".into(), s(format!("{path}{}", self.login)));
        }
        Ok(item)
    }

    /// A Put that fails if the login exists: for use inside a transaction.
    pub fn put_new(&self, table: &str) -> anyhow::Result<TransactWriteItem> {
        db::put_new(table, self.to_item()?)
    }
}

pub async fn load_account(state: &AppState, login: &str) -> ApiResult<Option<Account>> {
    db::get_as(state, account_key(login), "get account").await
}

/// Unit accounts are credit codes (typed in any case); staff logins are lower-case.
pub fn normalize_login(raw: &str) -> String {
    match crate::domain::CreditCode::parse(raw) {
        Ok(code) => code.as_str().to_owned(),
        Err(_) => raw.trim().to_lowercase(),
    }
}
