//! 确认书打印: the PDF from the stored certificate, its application, unit and members.
//! Every print is kept in S3 and counted.
use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::documents::{
    CertificateActivity, CertificateDoc, CertificateMember, DocumentError, missing_glyphs, render_certificate,
    render_overage_template,
};
use crate::domain::renewal::{RenewalTerms, RenewalWindow};
use crate::domain::{CoverStanding, Fen, mask_name};
use crate::platform::cursor::{CursorPage, PageAt};
use crate::platform::db::{self, n, s};
use crate::platform::error::{ApiError, ApiResult, OrInternal};
use crate::platform::metrics::{self, Event};
use crate::platform::state::AppState;
use crate::platform::time;
use crate::platform::uploads;
use crate::records::account::Role;
use crate::records::application::{self, app_pk};
use crate::records::catalogue;
use crate::records::certificate::{
    self, Certificate, PrintStatus, cert_key, display_code, load, load_for_unit, renewal_key, yuan,
};
pub use crate::records::certificate::{
    CertificateRenewal, CertificateView, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, Verification, verify,
};
use crate::records::members::{self, Member};
use crate::records::session::UnitUser;
use crate::records::trail;
use crate::records::unit;

const PDF: &str = "application/pdf";
const LINK_SECONDS: u64 = 600;

/// The answer to a print: the new count and a link that opens the PDF in the browser.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PrintedCertificate {
    pub number: String,
    /// 打印次数, this print included
    pub print_count: u32,
    pub status: PrintStatus,
    /// 已打印
    pub status_label: String,
    /// Presigned GET (10 minutes), served inline as application/pdf.
    pub url: String,
}

/// 确认书打印 list, a page at a time, each certificate with its 续保 state: the renewal
/// guards of the page and the activities' terms are read for that page only.
pub async fn list_for_unit(state: &AppState, unit: &UnitUser, at: &PageAt) -> ApiResult<CursorPage<CertificateView>> {
    let page = certificate::list_for_unit(state, unit, at).await?;
    let keys: Vec<db::Item> = page.items.iter().map(|c| renewal_key(&c.number)).collect();
    let guards = if keys.is_empty() {
        Vec::new()
    } else {
        db::batch_get(state, keys).await?
    };
    let renewal_of = |number: &str| {
        let pk = format!("RENEWAL#{number}");
        guards
            .iter()
            .find(|g| g.get("pk").and_then(|v| v.as_s().ok()) == Some(&pk))
            .map(|g| {
                let field = |name: &str| g.get(name).and_then(|v| v.as_s().ok()).cloned();
                (field("application_id"), field("application_number"))
            })
    };
    // One catalogue read per activity on the page (a unit's page has one or two).
    let mut terms_of: HashMap<String, Option<RenewalTerms>> = HashMap::new();
    for cert in &page.items {
        if !terms_of.contains_key(&cert.activity_code) {
            let terms = catalogue::get(state, &cert.activity_code)
                .await?
                .filter(|a| a.active)
                .map(|a| a.renewal_terms());
            terms_of.insert(cert.activity_code.clone(), terms);
        }
    }
    let today = time::today_beijing();
    Ok(page.map(|cert| {
        let terms = terms_of.get(&cert.activity_code).copied().flatten();
        let renewed = renewal_of(&cert.number);
        let window = match terms {
            Some(terms) => RenewalWindow::of(terms, cert.end_date, today, renewed.is_some()),
            None if renewed.is_some() => RenewalWindow::Renewed,
            None => RenewalWindow::Stopped,
        };
        let (opens, closes) = terms.unwrap_or_default().window(cert.end_date);
        let (application_id, application_number) = renewed.unwrap_or_default();
        let mut view = CertificateView::from(&cert);
        view.renewal = Some(CertificateRenewal {
            window,
            window_label: window.label().to_owned(),
            opens_on: opens.to_string(),
            closes_on: closes.to_string(),
            application_id,
            application_number,
        });
        view
    }))
}

/// Where the QR code points: the public verification endpoint with number and code.
pub fn verification_url(base: &str, number: &str, code: &str) -> String {
    format!(
        "{}/api/public/certificates/verify?number={number}&code={code}",
        base.trim_end_matches('/')
    )
}

fn print_key(number: &str, print_no: u32) -> String {
    format!("certificates/{number}/{print_no}.pdf")
}

fn document_error(err: DocumentError) -> ApiError {
    match err {
        DocumentError::MissingGlyph { .. } => ApiError::refused(err.code(), err.to_string()),
        DocumentError::Render(_) => ApiError::internal(anyhow::anyhow!("render certificate: {err}")),
    }
}

/// A name the font cannot print is refused with its row (序号), never printed blank.
fn check_names(members: &[Member]) -> ApiResult<()> {
    for (i, m) in members.iter().enumerate() {
        if let Some(ch) = missing_glyphs(&m.name).first() {
            return Err(ApiError::refused(
                "FONT_MISSING_GLYPH",
                format!(
                    "会员名单第{}行（{}）的姓名中有字符“{ch}”无法打印，请联系经办机构更正姓名用字后再打印",
                    i + 1,
                    mask_name(&m.name)
                ),
            ));
        }
    }
    Ok(())
}

/// Builds the document: one activity row, every named member in import order.
async fn document(state: &AppState, cert: &Certificate, verify_base: &str) -> ApiResult<CertificateDoc> {
    let app = application::load(state, &cert.application_id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("certificate without application")))?;
    let unit = unit::load_unit(state, &cert.unit_id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("certificate without unit")))?;
    let mut members = members::all(state, &app).await?;
    members.sort_by_key(|m| (m.batch_no, m.row));
    check_names(&members)?;
    let phone = unit.contact.office_phone.to_string();
    let code = display_code(&cert.verification_code);
    Ok(CertificateDoc {
        number: cert.number.clone(),
        unit_name: cert.unit_name.clone(),
        handler: unit.contact.name,
        phone,
        address: unit.address,
        activities: vec![CertificateActivity {
            name: cert.activity_name.clone(),
            period: cert.period(),
            shares_per_person: cert.shares,
            fee_standard_yuan: yuan(cert.fee_per_share_fen),
            insured_count: cert.insured_count,
            amount_yuan: yuan(cert.fee_fen),
        }],
        total_capitals: Fen::new(cert.fee_fen).to_capitals(),
        total_yuan: yuan(cert.fee_fen),
        members: members
            .iter()
            .map(|m| CertificateMember {
                name: m.name.clone(),
                gender: m.gender.label().to_owned(),
                age: m.age_on(cert.effective_date),
                activity: app.activity_name.clone(),
                // 未到期: covered by an earlier certificate, listed but not covered by this one;
                // the others 执行 (续保) or 观察期至 … (新参).
                status: if m.covered_until.is_some() {
                    "未到期".to_owned()
                } else {
                    cert.standing(m.renewed)
                        .map_or_else(|| "执行".to_owned(), CoverStanding::printed)
                },
            })
            .collect(),
        printed_at: time::now()
            .with_timezone(&time::BEIJING)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        verification_url: verification_url(verify_base, &cert.number, &cert.verification_code),
        verification_code: code,
    })
}

/// 确认书打印: renders, stores `certificates/<number>/<n>.pdf`, counts the print (已打印) with
/// a trail entry, and answers a link that opens the PDF.
pub async fn print(
    state: &AppState,
    unit: &UnitUser,
    number: &str,
    verify_base: &str,
) -> ApiResult<PrintedCertificate> {
    let mut cert = load_for_unit(state, unit, number).await?;
    let doc = document(state, &cert, verify_base).await?;
    // Rendering is CPU work (~0.5 s for 20,000 members): keep it off the async workers.
    let bytes = tokio::task::spawn_blocking(move || render_certificate(&doc))
        .await
        .or_internal("join render")?
        .map_err(document_error)?;

    let table = &*state.table;
    let mut attempt = 0;
    let print_no = loop {
        let print_no = cert.print_count + 1;
        // The file first, so every counted print has its PDF; a lost race overwrites
        // the same print number with an equivalent rendering and takes the next one.
        state
            .s3
            .put_object()
            .bucket(&*state.bucket)
            .key(print_key(&cert.number, print_no))
            .content_type(PDF)
            .body(bytes.clone().into())
            .send()
            .await
            .or_internal("put certificate pdf")?;
        let items = vec![
            db::update_if(
                table,
                cert_key(&cert.number),
                "SET print_count = :n, print_status = :printed",
                Some("print_count = :c"),
                &[],
                &[
                    (":n", n(print_no)),
                    (":c", n(cert.print_count)),
                    (":printed", s("printed")),
                ],
            )
            .or_internal("build print count")?,
            trail::record(
                table,
                &app_pk(&cert.application_id),
                &unit.login,
                Some(Role::Unit),
                "certificate_printed",
                &format!("打印确认书{}（第{print_no}次）", cert.number),
            )
            .or_internal("build trail")?,
        ];
        let Err(err) = db::transact(state, items).await else {
            break print_no;
        };
        // Another print took this number: read the count again and take the next one.
        err.cancelled()?;
        if attempt >= 10 {
            return Err(ApiError::conflict("BUSY", "打印请求过于频繁，请稍后再试"));
        }
        attempt += 1;
        cert = load(state, &cert.number)
            .await?
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("certificate vanished")))?;
    };
    tracing::info!(certificate = %cert.number, print_no, "certificate printed");
    metrics::count(Event::CertificatePrinted, 1);
    let url = uploads::download_url_as(
        state,
        &print_key(&cert.number, print_no),
        LINK_SECONDS,
        PDF,
        "inline",
        &format!("{}.pdf", cert.number),
    )
    .await?;
    Ok(PrintedCertificate {
        number: cert.number,
        print_count: print_no,
        status: PrintStatus::Printed,
        status_label: PrintStatus::Printed.label().to_owned(),
        url,
    })
}

/// 超龄人员在职证明 template (blank).
pub fn overage_template() -> ApiResult<Vec<u8>> {
    render_overage_template().map_err(document_error)
}
