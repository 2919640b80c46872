//! 到账确认 (finance): the queue of invoiced applications, and the confirmation that turns an
//! application `invoiced` → `paid` and issues its certificate (确认书) in the same
//! transaction, with the trail entry and the paid SMS. Then every charged member's coverage
//! record is written, so later imports count them as 未到期.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{Fen, renewal};
use crate::platform::cursor::{self, CursorPage, PageAt};
use crate::platform::db::{self, key, n, s};
use crate::platform::error::{ApiError, ApiResult, FieldCheck, OrInternal, checked};
use crate::platform::sms::SmsText;
use crate::platform::state::AppState;
use crate::platform::time;
use crate::records::account::{Permission, Role};
use crate::records::application::{self, Application, ApplicationStatus, Duty};
use crate::records::bank_statement::{self, LineState, StoredLine};
use crate::records::certificate::{self, Certificate, PrintStatus, cert_key};
use crate::records::coverage;
use crate::records::invoice_entry::{self, InvoiceEntry};
use crate::records::members;
use crate::records::session::StaffUser;
use crate::records::transition::{Transition, Workflow};
use crate::records::unit;

const MAX_REFERENCE_CHARS: usize = 64;
pub const PAGE_SIZE_DEFAULT: u32 = 20;
pub const PAGE_SIZE_MAX: u32 = 100;

/// One application waiting for its money (待到账).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentQueueItem {
    pub application_id: String,
    /// 申请书号
    pub application_number: String,
    pub unit_name: String,
    pub agency_code: String,
    pub activity_name: String,
    pub insured_count: u32,
    /// 总保费
    pub fee_fen: u64,
    pub subsidy_fen: u64,
    pub gift_fen: u64,
    /// 应交保费: the amount to confirm
    pub due_fen: u64,
    pub invoiced_at: Option<String>,
    /// Set when 应交保费 is 0.00 元: why, as 终审 recorded it
    pub zero_due_reason: Option<String>,
}

/// The invoice entries of an application in finance's jurisdiction (批次号, 抬头, 税号, amount),
/// to match a transfer against before confirming it.
pub async fn entries(state: &AppState, staff: &StaffUser, app_id: &str) -> ApiResult<Vec<InvoiceEntry>> {
    staff.require(Permission::Finance)?;
    let app = application::load(state, app_id)
        .await?
        .ok_or_else(|| ApiError::not_found("NOT_FOUND", "未找到该参保申请"))?;
    staff.require_jurisdiction(&app.agency_code)?;
    invoice_entry::entries(state, &app.id).await
}

/// 到账确认 list: invoiced applications in the staff member's subtree, agency by agency and
/// oldest first within each, read a page at a time (no total: none is kept per subtree).
pub async fn queue(state: &AppState, staff: &StaffUser, at: &PageAt) -> ApiResult<CursorPage<PaymentQueueItem>> {
    staff.require(Permission::Finance)?;
    let list = cursor::subtree_queue(ApplicationStatus::Invoiced.queue(), &staff.subtree_prefix());
    let (mut apps, next) = list.read_page_as::<Application>(state, at).await?;
    // The index lags the table a little; a row is listed only if it still waits for payment.
    apps.retain(|a| a.status == ApplicationStatus::Invoiced);
    let rows = apps
        .into_iter()
        .map(|app| {
            Ok(PaymentQueueItem {
                fee_fen: app.fee()?.value(),
                due_fen: app.due()?.value(),
                insured_count: app.insured_count(),
                application_id: app.id,
                application_number: app.number,
                unit_name: app.unit_name,
                agency_code: app.agency_code,
                activity_name: app.activity_name,
                subsidy_fen: app.subsidy_fen,
                gift_fen: app.gift_fen,
                invoiced_at: app.invoiced_at,
                zero_due_reason: app.zero_due_reason,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(at.page(rows, None, next))
}

/// 到账确认 form.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PaymentForm {
    /// 到账日期, YYYY-MM-DD (Beijing), not in the future
    pub received_on: String,
    /// 到账金额 in fen; must equal 应交保费
    pub amount_fen: u64,
    /// 到账凭证号 / bank reference (1–64 characters)
    pub reference: String,
}

/// A confirmation that passed the form rules.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Confirmation {
    received_on: NaiveDate,
    amount: Fen,
    reference: String,
}

impl PaymentForm {
    fn parse(&self, today: NaiveDate) -> ApiResult<Confirmation> {
        let mut check = FieldCheck::new();
        let received_on = match NaiveDate::parse_from_str(self.received_on.trim(), "%Y-%m-%d") {
            Ok(d) if d > today => {
                check.push("received_on", "RECEIVED_ON_FUTURE", "到账日期不能晚于今天");
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                check.push(
                    "received_on",
                    "RECEIVED_ON_FORMAT",
                    "到账日期格式应为YYYY-MM-DD，如2025-02-25",
                );
                None
            }
        };
        let reference = self.reference.trim();
        if reference.is_empty() {
            check.push("reference", "REFERENCE_REQUIRED", "请填写到账凭证号");
        } else if reference.chars().count() > MAX_REFERENCE_CHARS {
            check.push(
                "reference",
                "REFERENCE_TOO_LONG",
                format!("到账凭证号不能超过{MAX_REFERENCE_CHARS}个字符"),
            );
        } else if reference.chars().any(char::is_control) {
            check.push("reference", "REFERENCE_FORMAT", "到账凭证号不能包含换行等控制字符");
        }
        check.finish()?;
        Ok(Confirmation {
            received_on: checked(received_on)?,
            amount: Fen::new(self.amount_fen),
            reference: reference.to_owned(),
        })
    }
}

/// What the confirmation produced.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentConfirmed {
    pub application_id: String,
    pub status: ApplicationStatus,
    /// 确认书号
    pub certificate_number: String,
    /// 保单日期 (YYYY-MM-DD)
    pub policy_date: String,
    /// 生效日期 (YYYY-MM-DD)
    pub effective_date: String,
    /// Last covered day (YYYY-MM-DD)
    pub end_date: String,
    pub insured_count: u32,
    pub amount_fen: u64,
    pub received_on: String,
    pub reference: String,
    /// Coverage records of every charged member are written.
    pub coverage_recorded: bool,
}

impl PaymentConfirmed {
    fn of(cert: &Certificate) -> Self {
        Self {
            application_id: cert.application_id.clone(),
            status: ApplicationStatus::Paid,
            certificate_number: cert.number.clone(),
            policy_date: cert.policy_date.to_string(),
            effective_date: cert.effective_date.to_string(),
            end_date: cert.end_date.to_string(),
            insured_count: cert.insured_count,
            amount_fen: cert.paid_fen,
            received_on: cert.received_on.to_string(),
            reference: cert.payment_reference.clone(),
            coverage_recorded: cert.coverage_recorded,
        }
    }
}

fn not_invoiced(app: &Application) -> ApiError {
    ApiError::conflict(
        "NOT_INVOICED",
        format!("该申请当前为“{}”，尚未提交开票信息，不能确认到账", app.status.label()),
    )
}

fn counter_key(day: NaiveDate) -> db::Item {
    key("COUNTER#certificate", day.format("%Y%m%d").to_string())
}

async fn counter_value(state: &AppState, day: NaiveDate) -> ApiResult<u64> {
    let counter = db::get_item(state, counter_key(day), "get certificate counter").await?;
    Ok(db::number(counter.as_ref(), "seq").unwrap_or(0))
}

/// 到账确认. Returns (true, …) when this call issued the certificate, (false, …) when it had
/// been issued already for the same confirmation (idempotent: same certificate, no new SMS).
pub async fn confirm(
    state: &AppState,
    staff: &StaffUser,
    app_id: &str,
    form: &PaymentForm,
) -> ApiResult<(bool, PaymentConfirmed)> {
    confirm_paying(state, staff, app_id, form, None).await
}

/// 银行对账's 确认: the proposed line's payment confirmed as 到账确认 does it — its date,
/// amount and bank reference — with the line marked 已确认 in the same transaction. A repeat
/// answers the same certificate (false, …).
pub async fn confirm_statement_line(
    state: &AppState,
    staff: &StaffUser,
    statement_id: &str,
    line_no: u32,
) -> ApiResult<(bool, PaymentConfirmed)> {
    staff.require(Permission::Finance)?;
    let statement = bank_statement::load(state, staff, statement_id).await?;
    let line = bank_statement::load_line(state, &statement.statement_id, line_no)
        .await?
        .ok_or_else(|| ApiError::not_found("NOT_FOUND", "未找到该到账记录"))?;
    let Some(proposal) = line
        .proposal
        .as_ref()
        .filter(|_| line.line_state != LineState::Unmatched)
    else {
        return Err(ApiError::conflict(
            "LINE_NOT_PROPOSED",
            "该到账记录没有建议匹配的申请，请核对后在“到账确认”中逐笔办理",
        ));
    };
    let form = PaymentForm {
        received_on: line.date.to_string(),
        amount_fen: line.amount_fen,
        reference: line.payment_reference(),
    };
    confirm_paying(state, staff, &proposal.application_id, &form, Some(&line)).await
}

/// 到账确认 of `app_id`, and of the statement line that paid it when there is one.
async fn confirm_paying(
    state: &AppState,
    staff: &StaffUser,
    app_id: &str,
    form: &PaymentForm,
    line: Option<&StoredLine>,
) -> ApiResult<(bool, PaymentConfirmed)> {
    staff.require(Permission::Finance)?;
    let today = time::today_beijing();
    let confirmation = form.parse(today)?;
    // Concurrent confirmations race on the application and the day's counter; the loser of
    // a round sees the winner's outcome on the next one.
    for _ in 0..12 {
        let app = application::load(state, app_id)
            .await?
            .ok_or_else(|| ApiError::not_found("NOT_FOUND", "未找到该参保申请"))?;
        staff.require_jurisdiction(&app.agency_code)?;
        if app.status == ApplicationStatus::Paid {
            return already_confirmed(state, &app, &confirmation).await.map(|c| (false, c));
        }
        if app.status != ApplicationStatus::Invoiced {
            return Err(not_invoiced(&app));
        }
        if let Some(duty) = app.duty_conflict(Duty::Finance, &staff.person) {
            return Err(ApiError::conflict(
                "DUTY_SEPARATION",
                format!(
                    "您已对该申请进行过{}，到账确认须由未参与审核的其他人员办理",
                    duty.label()
                ),
            ));
        }
        let due = app.due()?;
        if confirmation.amount != due {
            return Err(ApiError::refused(
                "AMOUNT_MISMATCH",
                format!("到账金额{}元与应交保费{due}元不符，请核对", confirmation.amount),
            ));
        }
        if let Some(cert) = issue(state, staff, &app, &confirmation, today, line).await? {
            let cert = record_coverage(state, cert).await?;
            return Ok((true, PaymentConfirmed::of(&cert)));
        }
    }
    Err(ApiError::conflict("BUSY", "系统繁忙，请稍后再试"))
}

/// The repeated confirmation: the same certificate, its coverage completed if an earlier
/// attempt was interrupted. A different confirmation of a paid application is refused.
async fn already_confirmed(state: &AppState, app: &Application, c: &Confirmation) -> ApiResult<PaymentConfirmed> {
    let number = app
        .certificate_number
        .as_deref()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("paid application without certificate")))?;
    let cert = certificate::load(state, number)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("certificate item missing")))?;
    let same =
        cert.received_on == c.received_on && cert.paid_fen == c.amount.value() && cert.payment_reference == c.reference;
    if !same {
        return Err(ApiError::conflict(
            "ALREADY_PAID",
            format!(
                "该申请已于{}确认到账并出具确认书{}，不能再次确认",
                cert.received_on, cert.number
            ),
        ));
    }
    let cert = if cert.coverage_recorded {
        cert
    } else {
        record_coverage(state, cert).await?
    };
    Ok(PaymentConfirmed::of(&cert))
}

/// One attempt at the transaction: status change, the day's counter, the certificate, the
/// trail entry and the SMS, all or nothing. None when a concurrent write got there first.
async fn issue(
    state: &AppState,
    staff: &StaffUser,
    app: &Application,
    c: &Confirmation,
    today: NaiveDate,
    line: Option<&StoredLine>,
) -> ApiResult<Option<Certificate>> {
    let unit = unit::load_unit(state, &app.unit_id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application without unit")))?;
    let mobile = unit.contact.mobile;
    // A renewal continues the old cover when the money came in time; otherwise, like a first
    // enrolment, cover starts the day after 到账确认.
    let policy_day = match &app.renews {
        Some(renews) => {
            renewal::renewal_start(renews.end_date, c.received_on, today).and_then(|start| start.pred_opt())
        }
        None => Some(today),
    };
    let (effective_date, end_date) = policy_day
        .and_then(|day| certificate::coverage_period(day, app.term_months))
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("coverage period out of range")))?;
    let seq = counter_value(state, today).await?;
    let now = time::now();
    let cert = Certificate {
        number: certificate::number_for(today, seq + 1),
        application_id: app.id.clone(),
        application_number: app.number.clone(),
        unit_id: app.unit_id.clone(),
        unit_name: app.unit_name.clone(),
        agency_code: app.agency_code.clone(),
        activity_code: app.activity_code.clone(),
        activity_name: app.activity_name.clone(),
        shares: app.shares,
        fee_per_share_fen: app.fee_per_share_fen,
        insured_count: app.insured_count(),
        fee_fen: app.fee()?.value(),
        paid_fen: c.amount.value(),
        policy_date: today,
        effective_date,
        end_date,
        verification_code: certificate::new_verification_code(),
        print_status: PrintStatus::NotPrinted,
        print_count: 0,
        received_on: c.received_on,
        payment_reference: c.reference.clone(),
        confirmed_by: staff.login.clone(),
        issued_at: time::stamp(now),
        coverage_recorded: false,
        renews: app.renews.as_ref().map(|r| r.certificate_number.clone()),
        renewed_end: app.renews.as_ref().map(|r| r.end_date),
        observation_days: Some(app.observation_days),
        signed_copy: None,
    };
    let table = &*state.table;
    let mut items = Transition::new(app, ApplicationStatus::Invoiced, ApplicationStatus::Paid)
        .duty(Duty::Finance, &staff.person)
        .by(
            &staff.login,
            Some(Role::Staff),
            "payment_confirmed",
            format!(
                "到账确认：{}到账{}元，出具确认书{}",
                c.received_on, c.amount, cert.number
            ),
        )
        .set("paid_at", s(time::stamp(now)))
        .set("certificate_number", s(&cert.number))
        .set("payment_received_on", s(c.received_on.to_string()))
        .set("payment_amount_fen", n(c.amount.value()))
        .set("payment_reference", s(&c.reference))
        .set("paid_by", s(&staff.login))
        // The amounts the staff member confirmed must still be the application's.
        .guard(
            "subsidy_fen = :sub AND gift_fen = :gift AND named_count = :nc AND unnamed_count = :uc",
            vec![
                (":sub", n(app.subsidy_fen)),
                (":gift", n(app.gift_fen)),
                (":nc", n(app.named_count)),
                (":uc", n(app.unnamed_count)),
            ],
        )
        .notify(format!("paid:{}", app.id), &mobile, SmsText::Paid)
        .received(app, c.amount, c.received_on)
        .items(table)
        .or_internal("build paid transition")?;
    items.extend([
        // Numbers have no gaps: the counter moves only with a certificate.
        db::update_if(
            table,
            counter_key(today),
            "SET seq = :next",
            Some("attribute_not_exists(seq) OR seq = :seq"),
            &[],
            &[(":next", n(seq + 1)), (":seq", n(seq))],
        )
        .or_internal("build counter")?,
        db::put_new(table, cert.to_item().or_internal("encode certificate")?).or_internal("build certificate")?,
    ]);
    if let Some(line) = line {
        items.extend(
            bank_statement::confirmed_items(table, line, &cert.number, &staff.login, &cert.issued_at)
                .or_internal("build statement line")?,
        );
    }
    if let Err(err) = db::transact(state, items).await {
        // Someone else confirmed it meanwhile: the caller answers with that certificate.
        err.cancelled()?;
        return Ok(None);
    }
    tracing::info!(application = %app.id, certificate = %cert.number, "payment confirmed, certificate issued");
    Ok(Some(cert))
}

/// Writes every charged member's coverage (idempotent puts, in parallel batches) and opens the
/// invoice entries for their 电子发票, then marks the certificate. 未到期 members keep their
/// earlier coverage: this certificate did not charge them.
async fn record_coverage(state: &AppState, mut cert: Certificate) -> ApiResult<Certificate> {
    let app = application::load(state, &cert.application_id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("certificate without application")))?;
    let members = members::all(state, &app).await?;
    let charged: Vec<&members::Member> = members.iter().filter(|m| m.covered_until.is_none()).collect();
    let mut items = Vec::with_capacity(charged.len() * 2);
    for m in &charged {
        items.push(coverage::coverage_item(
            &cert.activity_code,
            m.id.as_str(),
            cert.end_date,
            &cert.number,
            &cert.unit_id,
        ));
        // … and the person's history, for the staff's 参保记录查询.
        items.push(
            coverage::CoverageRecord::of(&cert, m)
                .to_item()
                .or_internal("encode coverage record")?,
        );
    }
    let count = charged.len();
    db::batch_put(state, items).await?;
    // Finance's 电子发票 list: each of the application's invoice entries now waits for its PDF.
    invoice_entry::open_for_e_invoice(state, &app).await?;
    state
        .db
        .update_item()
        .table_name(&*state.table)
        .set_key(Some(cert_key(&cert.number)))
        .update_expression("SET coverage_recorded = :t")
        .expression_attribute_values(":t", aws_sdk_dynamodb::types::AttributeValue::Bool(true))
        .send()
        .await
        .or_internal("mark coverage recorded")?;
    tracing::info!(certificate = %cert.number, members = count, "coverage recorded");
    cert.coverage_recorded = true;
    Ok(cert)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(on: &str, reference: &str) -> PaymentForm {
        PaymentForm {
            received_on: on.into(),
            amount_fen: 8000,
            reference: reference.into(),
        }
    }

    fn field_codes(err: ApiError) -> Vec<&'static str> {
        err.fields.iter().map(|f| f.code).collect()
    }

    #[test]
    fn the_form_refuses_bad_dates_and_references() {
        let today = NaiveDate::from_ymd_opt(2025, 2, 25).expect("date");
        assert!(form("2025-02-25", "HX001").parse(today).is_ok());
        let err = form("2025-02-26", "").parse(today).expect_err("future");
        assert_eq!(field_codes(err), ["RECEIVED_ON_FUTURE", "REFERENCE_REQUIRED"]);
        let err = form("2025/02/20", &"x".repeat(65)).parse(today).expect_err("format");
        assert_eq!(field_codes(err), ["RECEIVED_ON_FORMAT", "REFERENCE_TOO_LONG"]);
        let err = form("2025-02-30", "a\nb").parse(today).expect_err("30 Feb");
        assert_eq!(field_codes(err), ["RECEIVED_ON_FORMAT", "REFERENCE_FORMAT"]);
    }
}
