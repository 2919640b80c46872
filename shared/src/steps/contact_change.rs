//! 更换联系人 with consent: one registration reviewer asks for it with the new mobile's SMS
//! code, the current contact is told at once, and it takes effect only when another
//! reviewer (a different person) approves it; then the new contact receives the account with
//! a fresh password and every session of the old contact ends.
use aws_sdk_dynamodb::types::AttributeValue;

use crate::domain::{Mobile, mask_name};
use crate::platform::db::{self, OnCancel, s};
use crate::platform::error::{ApiError, ApiResult, FieldCheck, OrInternal, checked};
use crate::platform::http::ClientAddress;
use crate::platform::password;
use crate::platform::sms::{self, SmsText};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::account::{Role, account_key};
use crate::records::session::{StaffUser, close_all_sessions};
use crate::records::sms_code::{self, CodePurpose, CodeSent};
use crate::records::trail;
use crate::records::unit::{
    Contact, ContactForm, PendingContact, RegistrationStatus, Unit, unit_for_staff, unit_key, unit_pk,
};
use crate::reference;

fn not_approved() -> ApiError {
    ApiError::conflict("UNIT_NOT_APPROVED", "该单位尚未审核通过，不能更换联系人")
}

fn already_pending() -> ApiError {
    ApiError::conflict(
        "CONTACT_CHANGE_PENDING",
        "该单位已有待复核的联系人更换申请，请先复核或驳回",
    )
}

fn none_pending() -> ApiError {
    ApiError::conflict(
        "NO_CONTACT_CHANGE",
        "该单位没有待复核的联系人更换申请（可能已被他人处理），请刷新",
    )
}

fn approved_login(unit: &Unit) -> ApiResult<String> {
    unit.account
        .clone()
        .filter(|_| unit.status == RegistrationStatus::Approved)
        .ok_or_else(not_approved)
}

fn described(contact: &Contact) -> String {
    format!("{}（{}）", mask_name(&contact.name), contact.mobile.masked())
}

/// The code that the new contact reads back to the reviewer.
pub async fn send_code(
    state: &AppState,
    staff: &StaffUser,
    id: &str,
    mobile: &Mobile,
    source: &ClientAddress,
) -> ApiResult<CodeSent> {
    let unit = unit_for_staff(state, staff, id).await?;
    approved_login(&unit)?;
    sms_code::send(state, CodePurpose::ContactChange, mobile.as_str(), Some(mobile), source).await
}

/// 申请更换联系人: checks the form and the new mobile's code, records the request and tells the
/// current contact; nothing about the account changes yet.
pub async fn request(
    state: &AppState,
    staff: &StaffUser,
    id: &str,
    form: &ContactForm,
    code: &str,
) -> ApiResult<PendingContact> {
    let unit = unit_for_staff(state, staff, id).await?;
    let mut check = FieldCheck::new();
    let parsed = form.parse(&mut check);
    check.finish()?;
    let contact = checked(parsed)?;
    approved_login(&unit)?;
    if unit.pending_contact.is_some() {
        return Err(already_pending());
    }
    let consume = sms_code::verify(state, CodePurpose::ContactChange, contact.mobile.as_str(), code).await?;
    let pending = PendingContact {
        contact,
        requested_by: staff.login.clone(),
        requested_at: time::stamp(time::now()),
    };
    let table = &*state.table;
    let summary = format!("申请更换联系人为{}，待另一名审核人员复核", described(&pending.contact));
    let help_phone = reference::agency(reference::ROOT_AGENCY_CODE)
        .and_then(|a| a.phone)
        .unwrap_or_default();
    let items = vec![
        db::update_if(
            table,
            unit_key(id),
            "SET pending_contact = :p, pending_contact_person = :person",
            Some("#st = :approved AND attribute_not_exists(pending_contact)"),
            &[("#st", "status")],
            &[
                (
                    ":p",
                    AttributeValue::M(db::to_item(&pending).or_internal("encode pending contact")?),
                ),
                (":person", s(staff.person.clone())),
                (":approved", s(RegistrationStatus::Approved.as_str())),
            ],
        )
        .or_internal("build pending contact")?,
        consume,
        sms::enqueue(
            table,
            &format!("contact-request:{id}:{}", pending.requested_at),
            &unit.contact.mobile,
            &SmsText::ContactChangeRequested {
                unit_name: unit.unit_name.clone(),
                new_name: mask_name(&pending.contact.name),
                new_mobile: pending.contact.mobile.masked(),
                help_phone: help_phone.to_owned(),
            },
        )
        .or_internal("build notice")?,
        trail::record(
            table,
            &unit_pk(id),
            &staff.login,
            Some(Role::Staff),
            "contact_change_requested",
            &summary,
        )
        .or_internal("build trail")?,
    ];
    db::transact(state, items).await.on_cancel(|cancelled| {
        if cancelled.failed_at(0) {
            already_pending()
        } else {
            ApiError::refused("CODE_USED", "验证码已被使用，请重新获取")
        }
    })?;
    Ok(pending)
}

/// 复核通过: a reviewer other than the one who asked applies the change.
pub async fn approve(state: &AppState, staff: &StaffUser, id: &str) -> ApiResult<Contact> {
    let unit = unit_for_staff(state, staff, id).await?;
    let login = approved_login(&unit)?;
    let Some(pending) = unit.pending_contact.clone() else {
        return Err(none_pending());
    };
    if pending.requested_by == staff.login || unit.pending_contact_person.as_deref() == Some(staff.person.as_str()) {
        return Err(ApiError::forbidden(
            "DUTY_SEPARATION",
            "更换联系人须由另一名审核人员复核，申请人不能复核自己的申请",
        ));
    }
    let contact = pending.contact;
    let password = password::generate();
    let table = &*state.table;
    let items = vec![
        db::update_if(
            table,
            unit_key(id),
            "SET contact = :c REMOVE pending_contact, pending_contact_person",
            Some("#st = :approved AND pending_contact.requested_at = :at"),
            &[("#st", "status")],
            &[
                (
                    ":c",
                    AttributeValue::M(db::to_item(&contact).or_internal("encode contact")?),
                ),
                (":approved", s(RegistrationStatus::Approved.as_str())),
                (":at", s(pending.requested_at.clone())),
            ],
        )
        .or_internal("build contact")?,
        db::update_if(
            table,
            account_key(&login),
            "SET password_hash = :h, must_change_password = :t",
            Some("attribute_exists(pk)"),
            &[],
            &[
                (":h", s(password::hash(&password).or_internal("hash")?)),
                (":t", AttributeValue::Bool(true)),
            ],
        )
        .or_internal("build account")?,
        sms::enqueue(
            table,
            &format!("contact:{id}:{}", pending.requested_at),
            &contact.mobile,
            &SmsText::Account {
                account: login.clone(),
                password,
            },
        )
        .or_internal("build sms")?,
        trail::record(
            table,
            &unit_pk(id),
            &staff.login,
            Some(Role::Staff),
            "contact_changed",
            &format!(
                "复核通过，单位联系人更换为{}（{}申请）",
                described(&contact),
                pending.requested_by
            ),
        )
        .or_internal("build trail")?,
    ];
    db::transact(state, items).await.on_cancel(|_| none_pending())?;
    close_all_sessions(state, &login).await?;
    Ok(contact)
}

/// 驳回 (or withdrawn by whoever asked): the request is dropped; the contact stays.
pub async fn reject(state: &AppState, staff: &StaffUser, id: &str, reason: &str) -> ApiResult<()> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(ApiError::refused("REASON_REQUIRED", "请填写驳回的原因（200字以内）"));
    }
    let unit = unit_for_staff(state, staff, id).await?;
    let Some(pending) = unit.pending_contact else {
        return Err(none_pending());
    };
    let table = &*state.table;
    let items = vec![
        db::update_if(
            table,
            unit_key(id),
            "REMOVE pending_contact, pending_contact_person",
            Some("pending_contact.requested_at = :at"),
            &[],
            &[(":at", s(pending.requested_at.clone()))],
        )
        .or_internal("build reject")?,
        trail::record(
            table,
            &unit_pk(id),
            &staff.login,
            Some(Role::Staff),
            "contact_change_rejected",
            &format!("驳回更换联系人为{}的申请：{reason}", described(&pending.contact)),
        )
        .or_internal("build trail")?,
    ];
    db::transact(state, items).await.on_cancel(|_| none_pending())?;
    Ok(())
}
