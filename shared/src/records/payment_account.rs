//! 收款账户: the bank account of an office that units transfer their fees to, shown in every
//! 缴费说明. Configured by the province office's admins (item `CONFIG` / `PAYEE#<office>`), not
//! compiled in: an account changes without a deploy, and each change is in the trail.
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::platform::db::{self, OnCancel, key};
use crate::platform::error::{ApiError, ApiResult, FieldCheck, OrInternal, checked};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::account::{Permission, Role};
use crate::records::session::StaffUser;
use crate::records::trail;
use crate::records::unit::required;
use crate::reference;

/// 河南省办事处: the only office served.
pub const OFFICE_CODE: &str = "1600";
/// 到账确认 is done by the 25th of each month (the manual).
pub const CONFIRMATION_DAY: u32 = 25;

fn account_key(office_code: &str) -> db::Item {
    key("CONFIG", format!("PAYEE#{office_code}"))
}

/// The office's account as the admin enters it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct PaymentAccountForm {
    /// 户名
    pub account_name: String,
    /// 开户行
    pub bank: String,
    /// 账号 (digits; spaces are dropped)
    pub account_number: String,
}

/// 收款账户 that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PaymentAccount {
    /// 户名
    pub account_name: String,
    /// 开户行
    pub bank: String,
    /// 账号
    pub account_number: String,
    pub updated_by: String,
    pub updated_at: String,
}

impl PaymentAccountForm {
    fn parse(&self, by: &str) -> ApiResult<PaymentAccount> {
        let mut check = FieldCheck::new();
        let account_name = required(&mut check, "account_name", "户名", &self.account_name, 100);
        let bank = required(&mut check, "bank", "开户行", &self.bank, 100);
        let number: String = self.account_number.chars().filter(|c| !c.is_whitespace()).collect();
        if !(8..=30).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_digit()) {
            check.push("account_number", "ACCOUNT_NUMBER_INVALID", "银行账号应为8到30位数字");
        }
        check.finish()?;
        Ok(PaymentAccount {
            account_name: checked(account_name)?,
            bank: checked(bank)?,
            account_number: number,
            updated_by: by.to_owned(),
            updated_at: time::stamp(time::now()),
        })
    }
}

pub async fn load(state: &AppState, office_code: &str) -> ApiResult<Option<PaymentAccount>> {
    db::get_as(state, account_key(office_code), "get payment account").await
}

/// Sets the office's account (province office admins only); the change is in the trail.
pub async fn set(state: &AppState, staff: &StaffUser, form: &PaymentAccountForm) -> ApiResult<PaymentAccount> {
    staff.require(Permission::Admin)?;
    if staff.agency_code != reference::ROOT_AGENCY_CODE {
        return Err(ApiError::forbidden(
            "PAYMENT_ACCOUNT_ROOT_ONLY",
            "收款账户由省办事处管理员维护",
        ));
    }
    let account = form.parse(&staff.login)?;
    let mut item = db::to_item(&account).or_internal("encode payment account")?;
    item.extend(account_key(OFFICE_CODE));
    let items = vec![
        db::put_if(&state.table, item, None, &[]).or_internal("build payment account")?,
        trail::record(
            &state.table,
            &format!("PAYEE#{OFFICE_CODE}"),
            &staff.login,
            Some(Role::Staff),
            "payment_account_set",
            &format!(
                "收款账户设为：户名{}，开户行{}，账号{}",
                account.account_name, account.bank, account.account_number
            ),
        )
        .or_internal("build trail")?,
    ];
    db::transact(state, items)
        .await
        .on_cancel(|_| ApiError::conflict("PAYMENT_ACCOUNT_BUSY", "收款账户正被修改，请稍后重试"))?;
    Ok(account)
}

/// The last day to have the money confirmed: the 25th of this month, or of the next one once
/// this month's has passed.
pub fn deadline(today: NaiveDate) -> NaiveDate {
    let this_month = today.with_day(CONFIRMATION_DAY).unwrap_or(today);
    if today <= this_month {
        return this_month;
    }
    let (year, month) = if today.month() == 12 {
        (today.year() + 1, 1)
    } else {
        (today.year(), today.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, CONFIRMATION_DAY).unwrap_or(this_month)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deadline_is_the_next_25th() {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(deadline(day("2026-12-04")), day("2026-12-25"));
        assert_eq!(deadline(day("2026-12-25")), day("2026-12-25"));
        assert_eq!(deadline(day("2026-12-26")), day("2027-01-25"));
        assert_eq!(deadline(day("2027-01-31")), day("2027-02-25"));
    }
}
