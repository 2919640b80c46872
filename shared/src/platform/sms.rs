//! SMS: the texts of PRODUCT.md and the outbox entry written with each event.
//!
//! A notice is an outbox item keyed by its event, written in the same transaction as the
//! event (so it exists iff the event happened, at most once per event); the notifier sends it
//! (see `outbox`).
use aws_sdk_dynamodb::types::TransactWriteItem;

use crate::domain::Mobile;
use crate::platform::db::{self, Item, key, n, s};
use crate::platform::time;

const PREFIX: &str = "【中国职工保险互助会】";
/// The outbox's pending items (SMS and mail), oldest first, in gsi1.
pub const PENDING_INDEX_KEY: &str = "OUTBOX#PENDING";

/// A reason as it stands before the text's own "。": without its closing punctuation, so a
/// reason typed as a sentence does not end in "。。".
fn sentence(reason: &str) -> &str {
    reason.trim().trim_end_matches(['。', '.', '；', ';', '，', ','])
}

/// Every text the system sends.
#[derive(Debug, Clone)]
pub enum SmsText {
    Code {
        code: String,
    },
    Account {
        account: String,
        password: String,
    },
    RegistrationRejected {
        reason: String,
    },
    /// 终审通过: amount due in yuan, e.g. "80.00".
    Approved {
        amount_yuan: String,
    },
    ApplicationReturned {
        reason: String,
    },
    Paid,
    /// A staff account's initial password, to the person's own mobile.
    StaffAccount {
        account: String,
        password: String,
    },
    /// A password reset by an admin, to the person's own mobile.
    PasswordReset {
        account: String,
        password: String,
    },
    /// To the current contact when someone asks to replace them (names and mobile masked).
    ContactChangeRequested {
        unit_name: String,
        new_name: String,
        new_mobile: String,
        /// The province office's phone.
        help_phone: String,
    },
    /// 续保提醒: `days` (30 or 7) before the end of a certificate's cover.
    RenewalDue {
        activity_name: String,
        certificate_number: String,
        end_date: String,
        days: u32,
    },
    /// The day after the end: members renewed (paid) by `last_day` keep no observation period.
    RenewalLapsed {
        activity_name: String,
        certificate_number: String,
        end_date: String,
        last_day: String,
    },
    /// 终审通过 7 days ago and no invoice entered.
    InvoiceOverdue {
        application_number: String,
        approved_on: String,
    },
    /// Invoiced, money not yet confirmed on the 20th; 到账确认 runs before the 25th.
    /// The agency approved the unit's correction of its details.
    DetailsChangeApproved,
    /// … or refused it.
    DetailsChangeRejected {
        reason: String,
    },
    /// The agency returned a signed certificate scan.
    SignedCopyRefused {
        certificate_number: String,
        reason: String,
    },
    PaymentUnconfirmed {
        application_number: String,
    },
}

/// Which text: the name a provider's template is registered under (腾讯云短信 sends by
/// template id and parameters; `SmsKind::template` is what to register).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SmsKind {
    Code,
    Account,
    RegistrationRejected,
    Approved,
    ApplicationReturned,
    StaffAccount,
    PasswordReset,
    ContactChangeRequested,
    RenewalDue,
    RenewalLapsed,
    InvoiceOverdue,
    DetailsChangeApproved,
    DetailsChangeRejected,
    SignedCopyRefused,
    PaymentUnconfirmed,
    Paid,
}

impl SmsKind {
    pub const ALL: [SmsKind; 16] = [
        Self::Code,
        Self::Account,
        Self::RegistrationRejected,
        Self::Approved,
        Self::ApplicationReturned,
        Self::StaffAccount,
        Self::PasswordReset,
        Self::ContactChangeRequested,
        Self::RenewalDue,
        Self::RenewalLapsed,
        Self::InvoiceOverdue,
        Self::DetailsChangeApproved,
        Self::DetailsChangeRejected,
        Self::SignedCopyRefused,
        Self::PaymentUnconfirmed,
        Self::Paid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Account => "account",
            Self::RegistrationRejected => "registration_rejected",
            Self::Approved => "approved",
            Self::ApplicationReturned => "application_returned",
            Self::StaffAccount => "staff_account",
            Self::PasswordReset => "password_reset",
            Self::ContactChangeRequested => "contact_change_requested",
            Self::RenewalDue => "renewal_due",
            Self::RenewalLapsed => "renewal_lapsed",
            Self::InvoiceOverdue => "invoice_overdue",
            Self::DetailsChangeApproved => "details_change_approved",
            Self::DetailsChangeRejected => "details_change_rejected",
            Self::SignedCopyRefused => "signed_copy_refused",
            Self::PaymentUnconfirmed => "payment_unconfirmed",
            Self::Paid => "paid",
        }
    }

    pub fn parse(name: &str) -> Option<SmsKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The text after the 签名 【中国职工保险互助会】, its parameters as {1}, {2}, … (the form
    /// a provider's template takes). The texts of PRODUCT.md are these, filled in.
    pub fn template(self) -> &'static str {
        match self {
            Self::Code => "您的验证码为{1}，5分钟内有效，请勿泄露。",
            Self::Account => {
                "《中国职工保险互助会数字化平台》已为您创建\"单位端\"账号，账号为{1}，密码为{2}，账号密码请妥善保管，不可借给他人使用，如账号密码泄漏，请及时联系我们。"
            }
            Self::RegistrationRejected => "您好！贵单位提交的注册申请未通过审核，原因：{1}。请修改后重新提交注册申请。",
            Self::Approved => {
                "您好！贵单位办理的入会业务已经通过审核，应缴会费{1}元，如信息无误请及时登录单位端填写费用信息，并根据流程提示完成缴费流程。"
            }
            Self::ApplicationReturned => "您好！贵单位提交的参保申请被退回，原因：{1}。请登录单位端修改后重新提交。",
            Self::StaffAccount => {
                "已为您创建\"经办机构端\"工作人员账号，账号为{1}，初始密码为{2}，首次登录须修改密码。账号仅限本人使用，请勿泄露。"
            }
            Self::PasswordReset => {
                "您的账号{1}的密码已由管理员重置为{2}，登录后须修改密码。如非本人申请，请及时联系管理员。"
            }
            Self::ContactChangeRequested => {
                "{1}的单位联系人更换申请已提交，新联系人为{2}（{3}），经另一名审核人员复核后生效。如非贵单位申请，请立即致电河南省办事处{4}。"
            }
            Self::RenewalDue => {
                "您好！贵单位参加的{1}（确认书号{2}）保障期间将于{3}届满（还有{4}天），请及时登录单位端在\"确认书打印\"中办理续保，按时续保的会员不受观察期限制。"
            }
            Self::RenewalLapsed => {
                "您好！贵单位参加的{1}（确认书号{2}）保障期间已于{3}届满。{4}前完成续保缴费的会员不受观察期限制，逾期将重新执行观察期，请尽快登录单位端办理续保。"
            }
            Self::InvoiceOverdue => {
                "您好！贵单位申请书{1}已于{2}通过审核，尚未填写开票信息，请及时登录单位端在\"开票录入\"中填写费用信息并完成缴费。"
            }
            Self::DetailsChangeApproved => "您好！贵单位提交的单位信息变更已通过审核，变更后的信息已生效。",
            Self::DetailsChangeRejected => {
                "您好！贵单位提交的单位信息变更未通过审核，原因：{1}。原信息继续有效，如需变更请登录单位端重新提交。"
            }
            Self::SignedCopyRefused => {
                "您好！贵单位回传的确认书（确认书号{1}）签字盖章扫描件被退回，原因：{2}。请登录单位端在\"确认书打印\"中重新上传。"
            }
            Self::PaymentUnconfirmed => {
                "您好！贵单位申请书{1}的会费尚未确认到账，本月到账确认于25日前办理。如已缴费请联系所属经办机构核实，未缴费请尽快缴纳。"
            }
            Self::Paid => {
                "您好！贵单位办理的入会业务需要在单位业务端下载打印\"确认书\"，并签字盖章后邮寄回所属地经办机构，保障活动正式生效，欢迎您们成为中国职工保险互助会会员！"
            }
        }
    }
}

/// `template` with {n} replaced by `params[n - 1]` in one pass (a parameter that itself reads
/// "{2}" stays as typed).
fn fill(template: &str, params: &[String]) -> String {
    let mut out = String::with_capacity(template.len() + params.iter().map(String::len).sum::<usize>());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let param = after.split_once('}').and_then(|(number, tail)| {
            let index = number.parse::<usize>().ok()?.checked_sub(1)?;
            Some((params.get(index)?, tail))
        });
        match param {
            Some((value, tail)) => {
                out.push_str(value);
                rest = tail;
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

impl SmsText {
    /// Its kind and the parameters its template is filled with, in order.
    pub fn template(&self) -> (SmsKind, Vec<String>) {
        let owned = |values: &[&str]| values.iter().map(|v| (*v).to_owned()).collect();
        match self {
            Self::Code { code } => (SmsKind::Code, owned(&[code])),
            Self::Account { account, password } => (SmsKind::Account, owned(&[account, password])),
            Self::RegistrationRejected { reason } => (SmsKind::RegistrationRejected, owned(&[sentence(reason)])),
            Self::Approved { amount_yuan } => (SmsKind::Approved, owned(&[amount_yuan])),
            Self::ApplicationReturned { reason } => (SmsKind::ApplicationReturned, owned(&[sentence(reason)])),
            Self::StaffAccount { account, password } => (SmsKind::StaffAccount, owned(&[account, password])),
            Self::PasswordReset { account, password } => (SmsKind::PasswordReset, owned(&[account, password])),
            Self::ContactChangeRequested {
                unit_name,
                new_name,
                new_mobile,
                help_phone,
            } => (
                SmsKind::ContactChangeRequested,
                owned(&[unit_name, new_name, new_mobile, help_phone]),
            ),
            Self::RenewalDue {
                activity_name,
                certificate_number,
                end_date,
                days,
            } => (
                SmsKind::RenewalDue,
                owned(&[activity_name, certificate_number, end_date, &days.to_string()]),
            ),
            Self::RenewalLapsed {
                activity_name,
                certificate_number,
                end_date,
                last_day,
            } => (
                SmsKind::RenewalLapsed,
                owned(&[activity_name, certificate_number, end_date, last_day]),
            ),
            Self::InvoiceOverdue {
                application_number,
                approved_on,
            } => (SmsKind::InvoiceOverdue, owned(&[application_number, approved_on])),
            Self::DetailsChangeApproved => (SmsKind::DetailsChangeApproved, Vec::new()),
            Self::DetailsChangeRejected { reason } => (SmsKind::DetailsChangeRejected, owned(&[sentence(reason)])),
            Self::SignedCopyRefused {
                certificate_number,
                reason,
            } => (
                SmsKind::SignedCopyRefused,
                owned(&[certificate_number, sentence(reason)]),
            ),
            Self::PaymentUnconfirmed { application_number } => {
                (SmsKind::PaymentUnconfirmed, owned(&[application_number]))
            }
            Self::Paid => (SmsKind::Paid, Vec::new()),
        }
    }

    /// The whole text as the phone shows it: the 签名, then the template filled in.
    pub fn render(&self) -> String {
        let (kind, params) = self.template();
        format!("{PREFIX}{}", fill(kind.template(), &params))
    }

    /// What stays in the table once sent: secrets replaced.
    pub fn redacted(&self) -> String {
        match self {
            Self::Code { .. } => Self::Code { code: "******".into() }.render(),
            Self::Account { account, .. } => Self::Account {
                account: account.clone(),
                password: "******".into(),
            }
            .render(),
            Self::StaffAccount { account, .. } => Self::StaffAccount {
                account: account.clone(),
                password: "******".into(),
            }
            .render(),
            Self::PasswordReset { account, .. } => Self::PasswordReset {
                account: account.clone(),
                password: "******".into(),
            }
            .render(),
            other => other.render(),
        }
    }
}

/// The outbox entry for one event; `event` must be unique per event (e.g. "account:<unit>").
pub fn enqueue(table: &str, event: &str, to: &Mobile, text: &SmsText) -> anyhow::Result<TransactWriteItem> {
    let now = time::now();
    let mut item: Item = key(format!("OUTBOX#{event}"), "OUTBOX");
    item.insert("phone".into(), s(to.e164()));
    item.insert("body".into(), s(text.render()));
    // For a provider that sends by template (腾讯云短信); removed with the body's secrets once sent.
    let (kind, params) = text.template();
    item.insert("sms_kind".into(), s(kind.as_str()));
    item.insert(
        "sms_params".into(),
        aws_sdk_dynamodb::types::AttributeValue::L(params.into_iter().map(s).collect()),
    );
    item.insert("redacted_body".into(), s(text.redacted()));
    item.insert("status".into(), s("pending"));
    item.insert("attempts".into(), n(0));
    item.insert("next_attempt_at".into(), n(now.timestamp_millis()));
    item.insert("created_at".into(), s(time::stamp(now)));
    item.insert("gsi1pk".into(), s(PENDING_INDEX_KEY));
    item.insert("gsi1sk".into(), s(format!("{}#{event}", time::stamp(now))));
    db::put_new(table, item)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_typed_as_a_sentence_ends_with_one_full_stop() {
        let text = SmsText::ApplicationReturned {
            reason: "缺少超龄证明。".into(),
        }
        .render();
        assert!(text.contains("原因：缺少超龄证明。请登录"), "{text}");
        assert!(!text.contains("。。"));
        let text = SmsText::RegistrationRejected {
            reason: "单位代码有误；".into(),
        }
        .render();
        assert!(text.contains("原因：单位代码有误。请修改"), "{text}");
    }

    /// One text of every kind, for the checks that hold for all of them.
    fn one_of_each() -> Vec<SmsText> {
        let x = || "X".to_owned();
        vec![
            SmsText::Code { code: "123456".into() },
            SmsText::Account {
                account: x(),
                password: x(),
            },
            SmsText::RegistrationRejected { reason: x() },
            SmsText::Approved { amount_yuan: x() },
            SmsText::ApplicationReturned { reason: x() },
            SmsText::StaffAccount {
                account: x(),
                password: x(),
            },
            SmsText::PasswordReset {
                account: x(),
                password: x(),
            },
            SmsText::ContactChangeRequested {
                unit_name: x(),
                new_name: x(),
                new_mobile: x(),
                help_phone: x(),
            },
            SmsText::RenewalDue {
                activity_name: x(),
                certificate_number: x(),
                end_date: x(),
                days: 30,
            },
            SmsText::RenewalLapsed {
                activity_name: x(),
                certificate_number: x(),
                end_date: x(),
                last_day: x(),
            },
            SmsText::InvoiceOverdue {
                application_number: x(),
                approved_on: x(),
            },
            SmsText::DetailsChangeApproved,
            SmsText::DetailsChangeRejected { reason: x() },
            SmsText::SignedCopyRefused {
                certificate_number: x(),
                reason: x(),
            },
            SmsText::PaymentUnconfirmed {
                application_number: x(),
            },
            SmsText::Paid,
        ]
    }

    /// A provider refuses a template whose {n} and parameters differ: each kind's template
    /// uses {1}…{n} for exactly the n parameters its texts carry, and its name reads back.
    #[test]
    fn every_template_takes_exactly_its_parameters() {
        let texts = one_of_each();
        let kinds: Vec<SmsKind> = texts.iter().map(|t| t.template().0).collect();
        assert_eq!(kinds, SmsKind::ALL.to_vec(), "one text of each kind, in order");
        for text in &texts {
            let (kind, params) = text.template();
            assert_eq!(SmsKind::parse(kind.as_str()), Some(kind));
            let placeholders = (1..=9)
                .filter(|i| kind.template().contains(&format!("{{{i}}}")))
                .count();
            assert_eq!(placeholders, params.len(), "{kind:?}");
            let rendered = text.render();
            assert!(rendered.starts_with(PREFIX) && !rendered.contains('{'), "{rendered}");
        }
    }

    #[test]
    fn a_parameter_is_filled_in_as_typed() {
        assert_eq!(
            fill("原因：{1}。{2}", &["见{2}".into(), "好".into()]),
            "原因：见{2}。好"
        );
        assert_eq!(fill("{1}{3}{", &["a".into()]), "a{3}{");
    }

    #[test]
    fn texts_match_the_product_contract() {
        assert_eq!(
            SmsText::Code { code: "123456".into() }.render(),
            "【中国职工保险互助会】您的验证码为123456，5分钟内有效，请勿泄露。"
        );
        assert_eq!(
            SmsText::Approved {
                amount_yuan: "80.00".into()
            }
            .render(),
            "【中国职工保险互助会】您好！贵单位办理的入会业务已经通过审核，应缴会费80.00元，如信息无误请及时登录单位端填写费用信息，并根据流程提示完成缴费流程。"
        );
        let account = SmsText::Account {
            account: "A1".into(),
            password: "pw123456".into(),
        };
        assert!(account.render().contains("账号为A1，密码为pw123456，"));
        assert!(!account.redacted().contains("pw123456"));
    }
}
