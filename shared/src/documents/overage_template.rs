//! 超龄人员在职证明: the blank template from the manual's appendix, which a unit fills in,
//! stamps and uploads under 【附件信息】-【超龄证明】 when a member is over the age limit.

use super::DocumentError;
use super::font::{ensure_printable, fonts};
use super::layout::{Align, CONTENT_W, Flow, MARGIN_X, baseline_in_box, new_document, save, wrap};

/// A piece of the letter: text, or a blank to be filled in by hand (width in ideographs).
#[derive(Clone, Copy)]
enum Piece {
    Text(&'static str),
    Blank(u8),
}

use Piece::{Blank, Text};

const TITLE: &str = "超龄人员在职证明";
const ADDRESSEE: &str = "中国职工保险互助会河南省办事处：";

/// The body, as in the manual's appendix, blanks where it has underscores.
const BODY: &[Piece] = &[
    Text("兹证明，我单位"),
    Blank(5),
    Text("（姓名），性别"),
    Blank(2),
    Text("，公民身份号码："),
    Blank(12),
    Text("，现年"),
    Blank(2),
    Text("岁。该员工"),
    Blank(8),
    Text("（在职原因），至今仍在职，担任"),
    Blank(6),
    Text("（职位），职工医保缴纳情况为"),
    Blank(6),
    Text("。"),
];

const CLOSING: &str = "特此证明。";
const NOTE: &str = "注：证明内需包含超龄人员姓名、身份证号、超龄原因、是否正常在职及职工医保是否正常缴纳等信息；\
加盖单位公章后，在【附件信息】-【超龄证明】处上传。";

const SIZE: f32 = 14.0;
/// Generous leading: the blanks are filled in by hand.
const LINE: f32 = 36.0;

/// A laid-out line: text runs and blanks with their x offsets from the margin.
enum Run {
    Text(f32, String),
    Blank(f32, f32),
}

/// Lays `pieces` out into lines `width` wide, the first indented by `indent`. Text wraps
/// like any paragraph; a blank is never split (it moves to the next line whole).
fn lay_out(pieces: &[Piece], indent: f32, width: f32) -> Vec<Vec<Run>> {
    let f = fonts();
    let mut lines: Vec<Vec<Run>> = vec![Vec::new()];
    let mut x = indent;
    for piece in pieces {
        match *piece {
            Blank(ems) => {
                let w = f32::from(ems) * SIZE;
                if x + w > width && x > 0.0 {
                    lines.push(Vec::new());
                    x = 0.0;
                }
                if let Some(line) = lines.last_mut() {
                    line.push(Run::Blank(x, w));
                }
                x += w;
            }
            Text(s) => {
                let parts = wrap(s, SIZE, (width - x).max(0.0), width);
                for (i, part) in parts.into_iter().enumerate() {
                    if i > 0 {
                        lines.push(Vec::new());
                        x = 0.0;
                    }
                    let w = f.width(&part, SIZE);
                    if !part.is_empty()
                        && let Some(line) = lines.last_mut()
                    {
                        line.push(Run::Text(x, part));
                    }
                    x += w;
                }
            }
        }
    }
    lines
}

/// Renders the blank 超龄人员在职证明 template (A4, one page).
pub fn render_overage_template() -> Result<Vec<u8>, DocumentError> {
    for piece in BODY {
        if let Text(s) = piece {
            ensure_printable("超龄人员在职证明", s)?;
        }
    }
    for s in [TITLE, ADDRESSEE, CLOSING, NOTE, "参保单位：（盖章）年月日"] {
        ensure_printable("超龄人员在职证明", s)?;
    }

    let pdf = new_document(TITLE);
    let mut flow = Flow::new();
    let rule = 0.6;

    flow.y += 40.0;
    let y = flow.y;
    flow.canvas().bold_text_aligned(
        MARGIN_X,
        CONTENT_W,
        baseline_in_box(y, 40.0, 22.0),
        22.0,
        TITLE,
        Align::Center,
    );
    flow.y += 40.0 + 30.0;

    let y = flow.y;
    flow.canvas()
        .text(MARGIN_X, baseline_in_box(y, LINE, SIZE), SIZE, ADDRESSEE);
    flow.y += LINE;

    for line in lay_out(BODY, 2.0 * SIZE, CONTENT_W) {
        let top = flow.y;
        let baseline = baseline_in_box(top, LINE, SIZE);
        let canvas = flow.canvas();
        for run in line {
            match run {
                Run::Text(x, s) => canvas.text(MARGIN_X + x, baseline, SIZE, &s),
                Run::Blank(x, w) => canvas.hrule(MARGIN_X + x + 2.0, MARGIN_X + x + w - 2.0, baseline + 3.0, rule),
            }
        }
        flow.y += LINE;
    }

    flow.y += 8.0;
    let y = flow.y;
    flow.canvas()
        .text(MARGIN_X + 2.0 * SIZE, baseline_in_box(y, LINE, SIZE), SIZE, CLOSING);
    flow.y += LINE + 40.0;

    // Signature: right half of the page.
    let x0 = MARGIN_X + CONTENT_W * 0.45;
    let f = fonts();
    let y = flow.y;
    let baseline = baseline_in_box(y, LINE, SIZE);
    let label = "参保单位：";
    let label_w = f.width(label, SIZE);
    let blank_w = 9.0 * SIZE;
    let canvas = flow.canvas();
    canvas.text(x0, baseline, SIZE, label);
    canvas.hrule(x0 + label_w, x0 + label_w + blank_w, baseline + 3.0, rule);
    canvas.text(x0 + label_w + blank_w + 2.0, baseline, SIZE, "（盖章）");
    flow.y += LINE + 8.0;

    let y = flow.y;
    let baseline = baseline_in_box(y, LINE, SIZE);
    let mut x = x0 + label_w;
    let canvas = flow.canvas();
    for (blank, unit) in [(4.0, "年"), (2.5, "月"), (2.5, "日")] {
        let w = blank * SIZE;
        canvas.hrule(x, x + w, baseline + 3.0, rule);
        x += w + 2.0;
        canvas.text(x, baseline, SIZE, unit);
        x += f.width(unit, SIZE) + 2.0;
    }
    flow.y += LINE;

    // The manual's instruction, small, at the foot of the page.
    flow.y = flow.y.max(super::layout::BODY_BOTTOM - 40.0);
    for line in wrap(NOTE, 9.0, CONTENT_W, CONTENT_W) {
        let y = flow.y;
        flow.canvas()
            .text_grey_level(MARGIN_X, baseline_in_box(y, 15.0, 9.0), 9.0, &line, 0.35);
        flow.y += 15.0;
    }

    let pages = flow.finish(|_, _, _| {});
    save(pdf, pages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::test_support::pdf_texts;

    #[test]
    fn template_has_title_body_and_closing() {
        let pdf = render_overage_template().unwrap();
        // Layout mode keeps each printed line whole (the blanks split lines into pieces).
        let (_, text) = pdf_texts(&pdf, "overage");
        let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(flat.contains("超龄人员在职证明"));
        assert!(flat.contains("中国职工保险互助会河南省办事处："));
        assert!(flat.contains("兹证明，我单位"));
        assert!(flat.contains("（在职原因），至今仍在职，担任"));
        assert!(flat.contains("职工医保缴纳情况为"));
        assert!(flat.contains("特此证明"));
        assert!(flat.contains("参保单位："));
        assert!(flat.contains("（盖章）"));
        assert!(pdf.len() < 200 * 1024, "{} bytes", pdf.len());
    }

    #[test]
    fn blanks_never_split_and_lines_fit() {
        let lines = lay_out(BODY, 2.0 * SIZE, CONTENT_W);
        assert!(lines.len() >= 3);
        for line in &lines {
            for run in line {
                let end = match run {
                    Run::Text(x, s) => x + fonts().width(s, SIZE),
                    Run::Blank(x, w) => x + w,
                };
                // Hanging punctuation may pass the edge by one ideograph at most.
                assert!(end <= CONTENT_W + SIZE + 0.1, "run ends at {end}");
            }
        }
    }
}
