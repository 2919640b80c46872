//! 参加职工互助保障活动确认书: the certificate a unit prints, signs, stamps and mails back.
//!
//! Page 1 (flowing on if there are many activities): title, certificate data, verification
//! code and QR code, the activity table, the total in capitals, the notice and special
//! agreements from the manual, the signature block. Then the member list (会员名单) over as
//! many pages as needed, its header repeated on each, and the closing signature lines with
//! the print time. Every page: "第 X 页 / 共 Y 页".

use std::collections::HashMap;

use qrcode::{Color as QrColor, EcLevel, QrCode};

use super::DocumentError;
use super::font::{ensure_printable, fonts, single_line};
use super::layout::{
    Align, CONTENT_W, Canvas, Column, Flow, MARGIN_X, TableStyle, baseline_in_box, draw_footer, fit_columns,
    new_document, paragraph, save, wrap,
};

/// Everything printed on a certificate, already formatted by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertificateDoc {
    /// 确认书号, e.g. `G16002024111410000694`.
    pub number: String,
    pub unit_name: String,
    pub handler: String,
    pub phone: String,
    pub address: String,
    pub activities: Vec<CertificateActivity>,
    /// The total in Chinese capitals, e.g. `壹拾贰万叁仟肆佰肆拾肆元整`.
    pub total_capitals: String,
    /// The total in yuan, e.g. `123444.00`.
    pub total_yuan: String,
    pub members: Vec<CertificateMember>,
    /// e.g. `2025-02-25 10:31`.
    pub printed_at: String,
    /// Short code printed under the QR code, e.g. `7KQ2-M9XD`.
    pub verification_code: String,
    /// Encoded in the QR code on page 1 (omitted when empty).
    pub verification_url: String,
}

/// One row of the activity table (保障活动明细).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertificateActivity {
    pub name: String,
    /// e.g. `2025年02月26日至2026年02月25日`.
    pub period: String,
    pub shares_per_person: u32,
    pub fee_standard_yuan: String,
    pub insured_count: u32,
    pub amount_yuan: String,
}

/// One row of the member list (会员名单).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertificateMember {
    pub name: String,
    pub gender: String,
    pub age: u32,
    pub activity: String,
    /// e.g. `执行`.
    pub status: String,
}

const TITLE_OFFICE: &str = "中国职工保险互助会河南省办事处";
const TITLE_DOCUMENT: &str = "参加职工互助保障活动确认书";

/// 告知内容, verbatim from the manual (确认书打印).
const NOTICE: &str = "本次参加职工互助保障活动的人员详情见《会员名单》，上述内容在申请参加时均符合中国职工保险互助会相关职工互助保障活动的规定，所有参加会员已经正确理解相关职工互助保障活动的内容，如因《会员名单》中所列事项有虚假或者隐瞒，从而导致在申请领取互助金时所产生的一切后果由会员所在单位组织者负责，中国职工保险互助会保留继续追究责任的权利。";

/// 特别约定或备注, verbatim from the manual (确认书打印).
const SPECIAL_AGREEMENTS: [&str; 3] = [
    "参加职工互助保障活动的成员同意并授权中国职工保险互助会查询其个人医保数据。",
    "互助保障期满后，符合参加条件的会员在15天内继续参加本活动不再受观察期限制，未在规定时间内续保的，将重新执行观察期。观察期规则详见相关活动条款。",
    "参加单位承诺：单位参保人员名单均为本单位职工，如发生非本单位职工参保的欺骗、欺诈行为，参加单位承担法律责任。",
];

const BODY_SIZE: f32 = 10.5;
const BODY_LINE: f32 = 18.0;
const HEADING_SIZE: f32 = 12.0;
const HEADING_LINE: f32 = 22.0;
const QR_SIZE: f32 = 72.0;
const QR_COLUMN: f32 = 112.0;

/// The caller's fields as printed (one line each), checked against the font.
struct Checked {
    number: String,
    unit_name: String,
    handler: String,
    phone: String,
    address: String,
    total_capitals: String,
    total_yuan: String,
    printed_at: String,
    verification_code: String,
}

fn check(field: &'static str, text: &str) -> Result<String, DocumentError> {
    let text = single_line(text);
    ensure_printable(field, &text)?;
    Ok(text)
}

fn check_all(doc: &CertificateDoc) -> Result<Checked, DocumentError> {
    for a in &doc.activities {
        ensure_printable("保障活动名称", &single_line(&a.name))?;
        ensure_printable("保障期间", &single_line(&a.period))?;
        ensure_printable("会费标准", &single_line(&a.fee_standard_yuan))?;
        ensure_printable("合计金额", &single_line(&a.amount_yuan))?;
    }
    for m in &doc.members {
        ensure_printable("会员姓名", &single_line(&m.name))?;
        ensure_printable("会员性别", &single_line(&m.gender))?;
        ensure_printable("会员保障活动", &single_line(&m.activity))?;
        ensure_printable("会员状态", &single_line(&m.status))?;
    }
    Ok(Checked {
        number: check("确认书号码", &doc.number)?,
        unit_name: check("参保单位", &doc.unit_name)?,
        handler: check("经办人", &doc.handler)?,
        phone: check("联系电话", &doc.phone)?,
        address: check("单位地址", &doc.address)?,
        total_capitals: check("金额大写", &doc.total_capitals)?,
        total_yuan: check("金额总计", &doc.total_yuan)?,
        printed_at: check("打印时间", &doc.printed_at)?,
        verification_code: check("验证码", &doc.verification_code)?,
    })
}

/// Renders the certificate as a PDF (A4 portrait).
///
/// Fails with [`DocumentError::MissingGlyph`] when any field holds a character the embedded
/// font cannot print, before anything is drawn.
pub fn render_certificate(doc: &CertificateDoc) -> Result<Vec<u8>, DocumentError> {
    let c = check_all(doc)?;
    let qr = qr_modules(&doc.verification_url)?;

    let pdf = new_document(&format!("{TITLE_DOCUMENT} {}", c.number));
    let mut flow = Flow::new();

    draw_title(&mut flow);
    draw_particulars(&mut flow, &c, qr.as_ref());

    heading(&mut flow, "*保障活动明细:");
    draw_activities(&mut flow, &doc.activities);

    flow.y += 6.0;
    let total = format!("*本次金额总计：{}(¥{}元)", c.total_capitals, c.total_yuan);
    paragraph(&mut flow, &total, 11.0, 20.0, 0.0, 0.0);

    flow.y += 4.0;
    heading(&mut flow, "告知内容：");
    paragraph(&mut flow, NOTICE, BODY_SIZE, BODY_LINE, 2.0 * BODY_SIZE, 0.0);

    flow.y += 4.0;
    heading(&mut flow, "特别约定或备注：");
    for item in SPECIAL_AGREEMENTS {
        bullet(&mut flow, item);
    }

    flow.y += 12.0;
    signature_grid(
        &mut flow,
        &[
            ["单位经办人签字：", "机构办理人签字："],
            ["参保单位盖章：", "办理机构盖章"],
        ],
        56.0,
    );

    flow.new_page();
    draw_member_list(&mut flow, &c, &doc.members);

    // Closing lines (尾页): signed and stamped like page 1.
    flow.y += 14.0;
    let block = 3.0 * 34.0;
    flow.keep_together(block);
    let mid = MARGIN_X + CONTENT_W / 2.0;
    let top = flow.y;
    let canvas = flow.canvas();
    let row = |i: f32| baseline_in_box(top + i * 34.0, BODY_LINE, BODY_SIZE);
    canvas.text(MARGIN_X, row(0.0), BODY_SIZE, "单位领导：");
    canvas.text(mid, row(0.0), BODY_SIZE, "河南省办事处（盖章）");
    canvas.text(MARGIN_X, row(1.0), BODY_SIZE, "单位经办人签字：");
    canvas.text(mid, row(2.0), BODY_SIZE, &format!("打印时间：{}", c.printed_at));
    flow.y += block;

    let footer_note = format!("确认书号码：{}", c.number);
    let pages = flow.finish(|canvas, page, total| draw_footer(canvas, page, total, &footer_note));
    save(pdf, pages)
}

fn draw_title(flow: &mut Flow) {
    let top = flow.y;
    let canvas = flow.canvas();
    canvas.bold_text_aligned(
        MARGIN_X,
        CONTENT_W,
        baseline_in_box(top, 26.0, 16.0),
        16.0,
        TITLE_OFFICE,
        Align::Center,
    );
    canvas.bold_text_aligned(
        MARGIN_X,
        CONTENT_W,
        baseline_in_box(top + 26.0, 32.0, 20.0),
        20.0,
        TITLE_DOCUMENT,
        Align::Center,
    );
    flow.y += 26.0 + 32.0 + 12.0;
}

/// The labelled lines (确认书号码 … 单位地址) at the left, the QR code and the verification
/// code at the right.
fn draw_particulars(flow: &mut Flow, c: &Checked, qr: Option<&QrGrid>) {
    let top = flow.y;
    let width = CONTENT_W - QR_COLUMN;
    let fields = [
        ("确认书号码：", &c.number),
        ("参保单位：", &c.unit_name),
        ("经办人：", &c.handler),
        ("联系电话：", &c.phone),
        ("单位地址：", &c.address),
    ];
    let f = fonts();
    let mut y = top;
    for (label, value) in fields {
        let label_w = f.width(label, BODY_SIZE);
        let lines = wrap(value, BODY_SIZE, width - label_w, width - label_w);
        let canvas = flow.canvas();
        canvas.text(MARGIN_X, baseline_in_box(y, BODY_LINE, BODY_SIZE), BODY_SIZE, label);
        for line in lines {
            canvas.text(
                MARGIN_X + label_w,
                baseline_in_box(y, BODY_LINE, BODY_SIZE),
                BODY_SIZE,
                &line,
            );
            y += BODY_LINE;
        }
    }

    let qr_x = MARGIN_X + CONTENT_W - QR_COLUMN + (QR_COLUMN - QR_SIZE) / 2.0;
    let mut right_bottom = top;
    let canvas = flow.canvas();
    if let Some(grid) = qr {
        draw_qr(canvas, grid, qr_x, top, QR_SIZE);
        right_bottom = top + QR_SIZE + 2.0;
    }
    if !c.verification_code.is_empty() {
        let x = MARGIN_X + CONTENT_W - QR_COLUMN;
        canvas.text_aligned(
            x,
            QR_COLUMN,
            baseline_in_box(right_bottom, 13.0, 8.5),
            8.5,
            &format!("验证码：{}", c.verification_code),
            Align::Center,
        );
        canvas.text_aligned(
            x,
            QR_COLUMN,
            baseline_in_box(right_bottom + 13.0, 11.0, 7.5),
            7.5,
            "扫码或凭验证码核验真伪",
            Align::Center,
        );
        right_bottom += 24.0;
    }
    flow.y = y.max(right_bottom) + 8.0;
}

fn heading(flow: &mut Flow, text: &str) {
    // A heading never ends a page alone: keep it with two lines of what follows.
    flow.keep_together(HEADING_LINE + 2.0 * BODY_LINE);
    let baseline = baseline_in_box(flow.y, HEADING_LINE, HEADING_SIZE);
    flow.canvas()
        .bold_text_aligned(MARGIN_X, CONTENT_W, baseline, HEADING_SIZE, text, Align::Left);
    flow.y += HEADING_LINE;
}

fn bullet(flow: &mut Flow, text: &str) {
    let hang = 14.0;
    flow.keep_together(BODY_LINE);
    let baseline = baseline_in_box(flow.y, BODY_LINE, BODY_SIZE);
    flow.canvas().text(MARGIN_X + 3.0, baseline, BODY_SIZE, "•");
    paragraph(flow, text, BODY_SIZE, BODY_LINE, hang, hang);
}

/// Rows of two labels (left half, right half), `row_height` apart, kept on one page.
fn signature_grid(flow: &mut Flow, rows: &[[&str; 2]], row_height: f32) {
    let height = rows.len() as f32 * row_height;
    flow.keep_together(height);
    let mid = MARGIN_X + CONTENT_W / 2.0;
    let top = flow.y;
    let canvas = flow.canvas();
    for (i, [left, right]) in rows.iter().enumerate() {
        let baseline = baseline_in_box(top + i as f32 * row_height, BODY_LINE, BODY_SIZE);
        canvas.text(MARGIN_X, baseline, BODY_SIZE, left);
        canvas.text(mid, baseline, BODY_SIZE, right);
    }
    flow.y += height;
}

fn table_style() -> TableStyle {
    TableStyle {
        size: 9.0,
        line_height: 12.0,
        pad_x: 3.0,
        pad_y: 2.5,
        rule: 0.5,
        header_grey: 0.9,
    }
}

fn draw_activities(flow: &mut Flow, activities: &[CertificateActivity]) {
    let style = TableStyle {
        size: 9.5,
        line_height: 13.0,
        pad_y: 4.0,
        ..table_style()
    };
    let columns = fit_columns(
        vec![
            Column {
                title: "保障活动名称",
                width: 126.0,
                align: Align::Left,
            },
            Column {
                title: "保障期间",
                width: 140.0,
                align: Align::Center,
            },
            Column {
                title: "每人份数",
                width: 50.0,
                align: Align::Center,
            },
            Column {
                title: "会费标准",
                width: 50.0,
                align: Align::Right,
            },
            Column {
                title: "参保人数",
                width: 48.0,
                align: Align::Right,
            },
            Column {
                title: "合计金额(元)",
                width: 70.0,
                align: Align::Right,
            },
        ],
        CONTENT_W,
    );
    let inner = |i: usize| columns[i].width - 2.0 * style.pad_x;
    let rows = activities.iter().map(|a| {
        let cells = vec![
            wrap(&single_line(&a.name), style.size, inner(0), inner(0)),
            period_lines(&single_line(&a.period), style.size, inner(1)),
            wrap(&format!("{}份", a.shares_per_person), style.size, inner(2), inner(2)),
            wrap(&single_line(&a.fee_standard_yuan), style.size, inner(3), inner(3)),
            wrap(&a.insured_count.to_string(), style.size, inner(4), inner(4)),
            wrap(&single_line(&a.amount_yuan), style.size, inner(5), inner(5)),
        ];
        style.row_from_lines(cells)
    });
    style.draw(flow, &columns, rows);
}

/// A period "A至B" that does not fit on one line breaks after 至 rather than inside a date.
fn period_lines(period: &str, size: f32, width: f32) -> Vec<String> {
    if fonts().width(period, size) <= width {
        return vec![period.to_string()];
    }
    match period.split_once('至') {
        Some((from, to)) if !to.is_empty() => {
            let mut lines = wrap(&format!("{from}至"), size, width, width);
            lines.extend(wrap(to, size, width, width));
            lines
        }
        _ => wrap(period, size, width, width),
    }
}

fn draw_member_list(flow: &mut Flow, c: &Checked, members: &[CertificateMember]) {
    let top = flow.y;
    flow.canvas().bold_text_aligned(
        MARGIN_X,
        CONTENT_W,
        baseline_in_box(top, 28.0, 16.0),
        16.0,
        "会员名单",
        Align::Center,
    );
    flow.y += 28.0;
    let sub = format!(
        "确认书号码：{}　参保单位：{}　名单人数：{}",
        c.number,
        c.unit_name,
        members.len()
    );
    paragraph(flow, &sub, 9.0, 15.0, 0.0, 0.0);
    flow.y += 4.0;

    let style = table_style();
    let columns = fit_columns(
        vec![
            Column {
                title: "序号",
                width: 48.0,
                align: Align::Center,
            },
            Column {
                title: "姓名",
                width: 90.0,
                align: Align::Center,
            },
            Column {
                title: "性别",
                width: 36.0,
                align: Align::Center,
            },
            Column {
                title: "年龄",
                width: 36.0,
                align: Align::Center,
            },
            Column {
                title: "保障活动",
                width: 160.0,
                align: Align::Left,
            },
            Column {
                title: "状态",
                // Wide enough for 观察期至YYYY-MM-DD on one line.
                width: 113.0,
                align: Align::Center,
            },
        ],
        CONTENT_W,
    );
    let inner: Vec<f32> = columns.iter().map(|col| col.width - 2.0 * style.pad_x).collect();
    // Activities repeat on every row: wrap each distinct one once.
    let mut activity_lines: HashMap<&str, Vec<String>> = HashMap::new();
    let lines = |i: usize, text: &str| wrap(&single_line(text), style.size, inner[i], inner[i]);
    let rows: Vec<_> = members
        .iter()
        .enumerate()
        .map(|(n, m)| {
            let activity = activity_lines
                .entry(m.activity.as_str())
                .or_insert_with(|| lines(4, &m.activity))
                .clone();
            style.row_from_lines(vec![
                lines(0, &(n + 1).to_string()),
                lines(1, &m.name),
                lines(2, &m.gender),
                lines(3, &m.age.to_string()),
                activity,
                lines(5, &m.status),
            ])
        })
        .collect();
    if rows.is_empty() {
        let empty = style.row_from_lines(vec![
            vec![],
            vec!["（无记名会员）".to_string()],
            vec![],
            vec![],
            vec![],
            vec![],
        ]);
        style.draw(flow, &columns, std::iter::once(empty));
    } else {
        style.draw(flow, &columns, rows.into_iter());
    }
}

/// Dark modules of the verification QR code.
struct QrGrid {
    width: usize,
    dark: Vec<bool>,
}

fn qr_modules(url: &str) -> Result<Option<QrGrid>, DocumentError> {
    if url.is_empty() {
        return Ok(None);
    }
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
        .map_err(|e| DocumentError::Render(format!("核验二维码生成失败：{e}")))?;
    Ok(Some(QrGrid {
        width: code.width(),
        dark: code.to_colors().into_iter().map(|c| c == QrColor::Dark).collect(),
    }))
}

/// Draws the QR code as filled rectangles, one per horizontal run of dark modules.
fn draw_qr(canvas: &mut Canvas, grid: &QrGrid, x: f32, top: f32, size: f32) {
    if grid.width == 0 {
        return;
    }
    let m = size / grid.width as f32;
    for (row, modules) in grid.dark.chunks(grid.width).enumerate() {
        let mut col = 0;
        while col < modules.len() {
            if !modules[col] {
                col += 1;
                continue;
            }
            let start = col;
            while col < modules.len() && modules[col] {
                col += 1;
            }
            canvas.fill_rect(
                x + start as f32 * m,
                top + row as f32 * m,
                (col - start) as f32 * m,
                m,
                0.0,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::missing_glyphs;
    use crate::documents::test_support::{pdf_fonts, pdf_texts};

    fn sample(members: usize) -> CertificateDoc {
        let names = ["张三", "李四喆", "王玥", "欧阳珺昇", "赵祎", "堃"];
        CertificateDoc {
            number: "G16002024111410000694".into(),
            unit_name: "漯河市郾城区应急管理局".into(),
            handler: "王建国".into(),
            phone: "0395-3166100".into(),
            address: "河南省漯河市郾城区黄河路与嵩山路交叉口东北角应急管理局综合办公楼三楼".into(),
            activities: vec![
                CertificateActivity {
                    name: "在职职工住院医疗互助保障活动".into(),
                    period: "2025年02月26日至2026年02月25日".into(),
                    shares_per_person: 1,
                    fee_standard_yuan: "80.00".into(),
                    insured_count: 1543,
                    amount_yuan: "123440.00".into(),
                },
                CertificateActivity {
                    name: "女职工安康互助保障活动（含特定疾病及女性特定手术保障责任）".into(),
                    period: "2025年02月26日至2026年02月25日".into(),
                    shares_per_person: 2,
                    fee_standard_yuan: "2.00".into(),
                    insured_count: 1,
                    amount_yuan: "4.00".into(),
                },
            ],
            total_capitals: "壹拾贰万叁仟肆佰肆拾肆元整".into(),
            total_yuan: "123444.00".into(),
            members: (0..members)
                .map(|i| CertificateMember {
                    name: format!("{}{}", names[i % names.len()], i),
                    gender: if i % 2 == 0 { "男" } else { "女" }.into(),
                    age: 20 + (i % 45) as u32,
                    activity: "在职职工住院医疗互助保障活动".into(),
                    status: "执行".into(),
                })
                .collect(),
            printed_at: "2025-02-25 10:31".into(),
            verification_code: "7KQ2-M9XD".into(),
            verification_url: "https://hn.example.org/v/G16002024111410000694?c=7KQ2-M9XD".into(),
        }
    }

    /// Text with all whitespace removed: pdftotext separates table cells with spaces and
    /// line breaks, and a wrapped cell spans lines.
    fn squash(s: &str) -> String {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }

    /// Member-table rows as pdftotext -layout prints them: 序号 姓名 性别 年龄 保障活动 状态.
    fn member_rows(layout: &str) -> Vec<Vec<String>> {
        layout
            .lines()
            .map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
            .filter(|t| t.len() == 6 && t[0].parse::<usize>().is_ok())
            .collect()
    }

    fn expected_rows(doc: &CertificateDoc) -> Vec<Vec<String>> {
        doc.members
            .iter()
            .enumerate()
            .map(|(i, m)| {
                vec![
                    (i + 1).to_string(),
                    m.name.clone(),
                    m.gender.clone(),
                    m.age.to_string(),
                    m.activity.clone(),
                    m.status.clone(),
                ]
            })
            .collect()
    }

    fn page_count(text: &str) -> usize {
        // Pages are separated by form feeds.
        text.split('\u{c}').filter(|p| !p.trim().is_empty()).count()
    }

    #[test]
    fn three_members() {
        let doc = sample(3);
        let pdf = render_certificate(&doc).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(
            pdf.len() < 300 * 1024,
            "a 3-member certificate should embed a small font subset, got {} bytes",
            pdf.len()
        );
        // One font, embedded as a subset (pdffonts: "ABCDEF+NotoSansCJKsc-Regular … yes yes").
        let fonts = pdf_fonts(&pdf, "certificate-3");
        let font_lines: Vec<&str> = fonts.lines().skip(2).collect();
        assert_eq!(font_lines.len(), 1, "{fonts}");
        let cols: Vec<&str> = font_lines[0].split_whitespace().collect();
        let (prefix, name) = cols[0].split_once('+').expect("subset tag");
        assert!(
            prefix.len() == 6 && prefix.chars().all(|c| c.is_ascii_uppercase()),
            "{fonts}"
        );
        assert_eq!(name, "NotoSansCJKsc-Regular");
        assert!(font_lines[0].contains("yes yes yes"), "{fonts}");
        let (text, layout) = pdf_texts(&pdf, "certificate-3");
        let flat = squash(&text);
        assert!(flat.contains("中国职工保险互助会河南省办事处"));
        assert!(flat.contains("参加职工互助保障活动确认书"));
        assert!(flat.contains("确认书号码：G16002024111410000694"));
        assert!(flat.contains("参保单位：漯河市郾城区应急管理局"));
        assert!(flat.contains("*本次金额总计：壹拾贰万叁仟肆佰肆拾肆元整(¥123444.00元)"));
        assert!(flat.contains(&squash(NOTICE)));
        for item in SPECIAL_AGREEMENTS {
            assert!(flat.contains(&squash(item)), "missing {item}");
        }
        assert!(flat.contains("女职工安康互助保障活动（含特定疾病及女性特定手术保障责任）"));
        assert!(flat.contains("2025年02月26日至2026年02月25日"));
        for label in [
            "单位经办人签字：",
            "机构办理人签字：",
            "参保单位盖章：",
            "办理机构盖章",
            "单位领导：",
            "河南省办事处（盖章）",
            "验证码：7KQ2-M9XD",
        ] {
            assert!(flat.contains(label), "missing {label}");
        }
        assert_eq!(member_rows(&layout), expected_rows(&doc));
        assert!(text.contains("打印时间：2025-02-25 10:31"));
        assert_eq!(page_count(&text), 2);
        assert!(text.contains("第 1 页 / 共 2 页"));
        assert!(text.contains("第 2 页 / 共 2 页"));
    }

    #[test]
    fn fifteen_hundred_members_paginate() {
        let doc = sample(1500);
        let pdf = render_certificate(&doc).unwrap();
        let (text, layout) = pdf_texts(&pdf, "certificate-1500");
        let n = page_count(&text);
        assert!(n > 30, "{n} pages for 1,500 members");
        for p in 1..=n {
            assert!(
                text.contains(&format!("第 {p} 页 / 共 {n} 页")),
                "page {p} of {n} not numbered"
            );
        }
        assert!(!text.contains(&format!("第 {} 页", n + 1)));
        // Every member, in order, and the header on every member page.
        assert_eq!(member_rows(&layout), expected_rows(&doc));
        let header = ["序号", "姓名", "性别", "年龄", "保障活动", "状态"];
        let headers = layout
            .split('\u{c}')
            .filter(|page| page.lines().any(|l| l.split_whitespace().eq(header)))
            .count();
        assert_eq!(headers, n - 1, "member table header on every member page");
        assert!(text.contains("打印时间：2025-02-25 10:31"));
        assert!(pdf.len() < 1024 * 1024, "{} bytes", pdf.len());
    }

    #[test]
    fn rare_names_print_from_the_fallback_fonts() {
        let mut doc = sample(3);
        doc.members[0].name = "吉𠮷".into(); // Noto
        doc.members[1].name = "王𠀀".into(); // HanaMin A
        doc.members[2].name = "张𪜀".into(); // HanaMin B
        let pdf = render_certificate(&doc).expect("render");
        let (text, _) = pdf_texts(&pdf, "certificate-rare");
        for name in ["吉𠮷", "王𠀀", "张𪜀"] {
            assert!(text.contains(name), "{name}:\n{text}");
        }
        // Three fonts, each a subset of the glyphs used.
        let fonts = pdf_fonts(&pdf, "certificate-rare");
        let lines: Vec<&str> = fonts.lines().skip(2).collect();
        assert_eq!(lines.len(), 3, "{fonts}");
        assert!(lines.iter().all(|l| l.contains("yes yes yes")), "{fonts}");
        assert!(pdf.len() < 200 * 1024, "{} bytes", pdf.len());
        // Without rare names, only the primary font is embedded.
        let plain = render_certificate(&sample(3)).expect("render");
        assert_eq!(pdf_fonts(&plain, "certificate-plain").lines().skip(2).count(), 1);
    }

    #[test]
    fn unprintable_member_name_is_refused() {
        let mut doc = sample(3);
        doc.members[1].name = "张\u{30000}".into();
        assert_eq!(
            render_certificate(&doc),
            Err(DocumentError::MissingGlyph {
                field: "会员姓名",
                ch: '\u{30000}'
            })
        );
        doc.members[1].name = "李😀".into();
        let err = render_certificate(&doc).unwrap_err();
        assert_eq!(err.code(), "FONT_MISSING_GLYPH");
        assert!(err.to_string().contains("会员姓名"));
    }

    #[test]
    fn unprintable_unit_field_is_refused() {
        let mut doc = sample(1);
        doc.address = "郑州市\u{7}金水区".into();
        assert_eq!(
            render_certificate(&doc),
            Err(DocumentError::MissingGlyph {
                field: "单位地址",
                ch: '\u{7}'
            })
        );
    }

    #[test]
    fn no_members_and_many_activities_still_render() {
        let mut doc = sample(0);
        doc.verification_url.clear();
        let one = doc.activities[0].clone();
        doc.activities = vec![one; 40];
        let pdf = render_certificate(&doc).unwrap();
        let (text, _) = pdf_texts(&pdf, "certificate-empty");
        let n = page_count(&text);
        assert!(n >= 3, "40 activities overflow page 1: {n} pages");
        assert!(squash(&text).contains("（无记名会员）"));
        assert!(text.contains(&format!("第 {n} 页 / 共 {n} 页")));
    }

    #[test]
    fn long_member_names_wrap_inside_their_cell() {
        let mut doc = sample(60);
        let long = "MARIA ALEXANDRA KONSTANTINOPOULOU-WILLIAMSON";
        doc.members[5].name = long.into();
        doc.members[44].name = "阿卜杜热合曼·买买提艾力·吐尔逊巴依".into();
        let pdf = render_certificate(&doc).unwrap();
        let (text, layout) = pdf_texts(&pdf, "certificate-long-names");
        let flat = squash(&text);
        assert!(flat.contains(&squash(long)), "{text}");
        assert!(flat.contains("阿卜杜热合曼·买买提艾力·吐尔逊巴依"));
        // The other rows are intact and in order (the wrapped ones span three text lines).
        let rows: Vec<_> = member_rows(&layout)
            .into_iter()
            .filter(|r| r[0] != "6" && r[0] != "45")
            .collect();
        let expected: Vec<_> = expected_rows(&doc)
            .into_iter()
            .filter(|r| r[0] != "6" && r[0] != "45")
            .collect();
        assert_eq!(rows, expected, "{layout}");
        let n = page_count(&text);
        assert!(text.contains(&format!("第 {n} 页 / 共 {n} 页")));
    }

    #[test]
    fn fixed_texts_are_printable() {
        let fixed = [
            TITLE_OFFICE,
            TITLE_DOCUMENT,
            NOTICE,
            "*保障活动明细:*本次金额总计：(¥元)告知内容：特别约定或备注：•",
        ];
        for text in fixed.iter().chain(SPECIAL_AGREEMENTS.iter()) {
            assert_eq!(missing_glyphs(text), Vec::<char>::new(), "{text}");
        }
    }

    #[test]
    fn period_breaks_after_zhi() {
        let width = fonts().width("2025年02月26日至", 9.5) + 1.0;
        let lines = period_lines("2025年02月26日至2026年02月25日", 9.5, width);
        assert_eq!(lines, vec!["2025年02月26日至", "2026年02月25日"]);
    }
}
