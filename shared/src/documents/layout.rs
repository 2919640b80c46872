//! The small layout engine the documents need: A4 pages, text runs measured with the
//! embedded font, line wrapping (CJK per character, Latin per word, hanging closing
//! punctuation), bordered tables whose header repeats on every page, and page footers
//! added once the page count is known.
//!
//! Coordinates here are points measured from the page's top-left corner (y grows down);
//! conversion to PDF's bottom-left origin happens only when ops are emitted.

use printpdf::{
    Color, Greyscale, Op, PaintMode, PdfFontHandle, PdfPage, Pt, Rect, TextItem, TextMatrix, TextRenderingMode,
    WindingOrder,
};

use super::font::{self, FACE_COUNT, fonts};

/// A4 portrait (210 mm × 297 mm), in points.
pub(crate) const PAGE_W: f32 = 210.0 * 72.0 / 25.4;
pub(crate) const PAGE_H: f32 = 297.0 * 72.0 / 25.4;
pub(crate) const MARGIN_X: f32 = 56.0;
pub(crate) const MARGIN_TOP: f32 = 52.0;
/// Body content ends here (top-down); the footer sits below it.
pub(crate) const BODY_BOTTOM: f32 = PAGE_H - 58.0;
pub(crate) const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;
/// Baseline of the page footer (top-down).
const FOOTER_BASELINE: f32 = PAGE_H - 32.0;

/// Typographic ascender of Noto Sans CJK (OS/2 sTypoAscender 880 / 1000 em): with the
/// descender (-120) the ideographic em box is exactly one em, which centres CJK text.
const ASCENT: f32 = 0.88;

/// Minimal slack so that a line measured exactly at the limit still fits.
const EPSILON: f32 = 0.01;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
}

/// Baseline (top-down) of a line of `size`-point text centred in a box starting at `top`.
pub(crate) fn baseline_in_box(top: f32, box_height: f32, size: f32) -> f32 {
    top + (box_height - size) / 2.0 + ASCENT * size
}

fn grey(level: f32) -> Color {
    Color::Greyscale(Greyscale::new(level, None))
}

/// One page being drawn: filled shapes first, then one text object on top.
pub(crate) struct Canvas {
    shapes: Vec<Op>,
    text: Vec<Op>,
    /// The font of the chain the text object is set in (`font::face`).
    text_face: usize,
    text_size: f32,
    text_grey: f32,
    shape_grey: f32,
}

impl Canvas {
    pub(crate) fn new() -> Self {
        Canvas {
            shapes: Vec::new(),
            text: Vec::new(),
            text_face: 0,
            text_size: 0.0,
            text_grey: 0.0,
            shape_grey: 0.0,
        }
    }

    fn set_text_state(&mut self, face: usize, size: f32, grey_level: f32) {
        if size != self.text_size || face != self.text_face {
            self.text.push(Op::SetFont {
                font: PdfFontHandle::External(font::font_id(face)),
                size: Pt(size),
            });
            self.text_size = size;
            self.text_face = face;
        }
        if grey_level != self.text_grey {
            self.text.push(Op::SetFillColor { col: grey(grey_level) });
            self.text_grey = grey_level;
        }
    }

    /// Draws `s` with its baseline at `baseline` (top-down) starting at `x`.
    pub(crate) fn text(&mut self, x: f32, baseline: f32, size: f32, s: &str) {
        self.text_grey_level(x, baseline, size, s, 0.0);
    }

    /// Like [`Canvas::text`], in a shade of grey (0 black, 1 white).
    pub(crate) fn text_grey_level(&mut self, x: f32, baseline: f32, size: f32, s: &str, grey_level: f32) {
        // A run per font of the chain: almost always one, in the primary font.
        let mut x = x;
        for (face, run) in fonts().runs(s) {
            self.set_text_state(face, size, grey_level);
            self.text.push(Op::SetTextMatrix {
                matrix: TextMatrix::Translate(Pt(x), Pt(PAGE_H - baseline)),
            });
            self.text.push(Op::ShowText {
                items: vec![TextItem::Text(run.to_string())],
            });
            x += fonts().width(run, size);
        }
    }

    /// Draws several pieces on one baseline, each at its own x (ascending), as a single text
    /// run whose pieces are spaced with TJ offsets: one `Tm` + `TJ` instead of one per piece,
    /// which keeps big tables small and quick to write.
    pub(crate) fn text_runs(&mut self, baseline: f32, size: f32, runs: &[(f32, &str)]) {
        let f = fonts();
        // A piece with a rare character needs a font change inside the run: draw the pieces
        // one by one instead.
        if runs.iter().any(|(_, s)| f.runs(s).iter().any(|&(face, _)| face != 0)) {
            for &(x, s) in runs {
                self.text(x, baseline, size, s);
            }
            return;
        }
        let mut items = Vec::with_capacity(runs.len() * 2);
        let mut start = None;
        let mut pen = 0.0f32;
        for &(x, s) in runs {
            if s.is_empty() {
                continue;
            }
            match start {
                None => start = Some(x),
                Some(_) => {
                    // TJ numbers are thousandths of the font size, subtracted from x.
                    items.push(TextItem::Offset(-(x - pen) * 1000.0 / size));
                }
            }
            items.push(TextItem::Text(s.to_string()));
            pen = x + f.width(s, size);
        }
        let Some(x0) = start else {
            return;
        };
        self.set_text_state(0, size, 0.0);
        self.text.push(Op::SetTextMatrix {
            matrix: TextMatrix::Translate(Pt(x0), Pt(PAGE_H - baseline)),
        });
        self.text.push(Op::ShowText { items });
    }

    /// Draws `s` aligned inside `[x, x + width]`.
    pub(crate) fn text_aligned(&mut self, x: f32, width: f32, baseline: f32, size: f32, s: &str, align: Align) {
        let x = match align {
            Align::Left => x,
            Align::Center => x + (width - fonts().width(s, size)) / 2.0,
            Align::Right => x + width - fonts().width(s, size),
        };
        self.text(x, baseline, size, s);
    }

    /// Heavier text (fill + thin stroke), for titles: the embedded face has one weight.
    pub(crate) fn bold_text_aligned(&mut self, x: f32, width: f32, baseline: f32, size: f32, s: &str, align: Align) {
        self.text.push(Op::SetTextRenderingMode {
            mode: TextRenderingMode::FillStroke,
        });
        self.text.push(Op::SetOutlineThickness { pt: Pt(size * 0.035) });
        self.text_aligned(x, width, baseline, size, s, align);
        self.text.push(Op::SetTextRenderingMode {
            mode: TextRenderingMode::Fill,
        });
    }

    /// A filled rectangle (top-left corner, size), `grey_level` 0 = black.
    pub(crate) fn fill_rect(&mut self, x: f32, top: f32, width: f32, height: f32, grey_level: f32) {
        if grey_level != self.shape_grey {
            self.shapes.push(Op::SetFillColor { col: grey(grey_level) });
            self.shape_grey = grey_level;
        }
        self.shapes.push(Op::DrawRectangle {
            rectangle: Rect {
                x: Pt(x),
                y: Pt(PAGE_H - top - height),
                width: Pt(width),
                height: Pt(height),
                mode: Some(PaintMode::Fill),
                winding_order: Some(WindingOrder::NonZero),
            },
        });
    }

    /// A horizontal rule of thickness `t` centred on `y`.
    pub(crate) fn hrule(&mut self, x1: f32, x2: f32, y: f32, t: f32) {
        self.fill_rect(x1 - t / 2.0, y - t / 2.0, x2 - x1 + t, t, 0.0);
    }

    /// A vertical rule of thickness `t` centred on `x`.
    pub(crate) fn vrule(&mut self, x: f32, y1: f32, y2: f32, t: f32) {
        self.fill_rect(x - t / 2.0, y1 - t / 2.0, t, y2 - y1 + t, 0.0);
    }

    pub(crate) fn into_page(self) -> PdfPage {
        let mut ops = self.shapes;
        ops.reserve(self.text.len() + 4);
        if self.shape_grey != 0.0 {
            ops.push(Op::SetFillColor { col: grey(0.0) });
        }
        ops.push(Op::StartTextSection);
        ops.extend(self.text);
        ops.push(Op::EndTextSection);
        PdfPage::new(printpdf::Mm(210.0), printpdf::Mm(297.0), ops)
    }
}

/// Content flowing down pages; `y` is the top-down cursor on the current page.
pub(crate) struct Flow {
    done: Vec<Canvas>,
    current: Canvas,
    pub(crate) y: f32,
}

impl Flow {
    pub(crate) fn new() -> Self {
        Flow {
            done: Vec::new(),
            current: Canvas::new(),
            y: MARGIN_TOP,
        }
    }

    pub(crate) fn canvas(&mut self) -> &mut Canvas {
        &mut self.current
    }

    pub(crate) fn new_page(&mut self) {
        let full = std::mem::replace(&mut self.current, Canvas::new());
        self.done.push(full);
        self.y = MARGIN_TOP;
    }

    /// Whether `height` more points fit on the current page.
    pub(crate) fn fits(&self, height: f32) -> bool {
        self.y + height <= BODY_BOTTOM + EPSILON
    }

    /// Starts a new page unless `height` fits on this one (a block that is taller than a
    /// whole page is drawn from the top of a page and overflows rather than looping).
    pub(crate) fn keep_together(&mut self, height: f32) {
        if !self.fits(height) && self.y > MARGIN_TOP + EPSILON {
            self.new_page();
        }
    }

    /// Every page, with `footer(canvas, page_number, page_count)` drawn on each once the
    /// page count is known.
    pub(crate) fn finish(mut self, footer: impl Fn(&mut Canvas, usize, usize)) -> Vec<PdfPage> {
        self.done.push(self.current);
        let total = self.done.len();
        self.done
            .into_iter()
            .enumerate()
            .map(|(i, mut canvas)| {
                footer(&mut canvas, i + 1, total);
                canvas.into_page()
            })
            .collect()
    }
}

/// The standard footer: "第 X 页 / 共 Y 页" centred, an optional note at the left.
///
/// The words are drawn apart, half an em and more, rather than with space characters:
/// text extractors (poppler's pdftotext among them) drop narrow spaces between CJK
/// characters, and the page numbers should read back as "第 1 页 / 共 2 页".
pub(crate) fn draw_footer(canvas: &mut Canvas, page: usize, total: usize, left_note: &str) {
    let size = 8.0;
    let gap = 0.6 * size;
    let (page, total) = (page.to_string(), total.to_string());
    let words = ["第", page.as_str(), "页", "/", "共", total.as_str(), "页"];
    let f = fonts();
    let width: f32 = words.iter().map(|w| f.width(w, size)).sum::<f32>() + gap * (words.len() - 1) as f32;
    let mut x = MARGIN_X + (CONTENT_W - width) / 2.0;
    for word in words {
        canvas.text(x, FOOTER_BASELINE, size, word);
        x += f.width(word, size) + gap;
    }
    if !left_note.is_empty() {
        canvas.text_grey_level(MARGIN_X, FOOTER_BASELINE, size, left_note, 0.35);
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_graphic()
}

/// Closing punctuation that must not start a line: it hangs past the line end instead.
fn no_line_start(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '；'
            | '：'
            | '！'
            | '？'
            | '）'
            | '》'
            | '」'
            | '』'
            | '】'
            | '〕'
            | '”'
            | '’'
            | '…'
            | '·'
            | '％'
            | ','
            | '.'
            | ';'
            | ':'
            | '!'
            | '?'
            | ')'
            | ']'
            | '%'
    )
}

/// Opening punctuation that must not end a line: it moves to the next one.
fn no_line_end(c: char) -> bool {
    matches!(
        c,
        '（' | '《' | '「' | '『' | '【' | '〔' | '“' | '‘' | '(' | '[' | '¥' | '￥'
    )
}

/// Splits `text` into tokens: runs of printable ASCII (words, numbers, URLs), single
/// spaces, and single other characters (each ideograph may start a line).
fn tokens(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let mut chars = rest.char_indices();
        let (_, first) = chars.next()?;
        let end = if is_word_char(first) {
            // A word ends before a non-word character, or just after a hyphen or slash
            // (long names and URLs may break there).
            let mut end = rest.len();
            let mut prev = first;
            for (i, c) in chars {
                if !is_word_char(c) || matches!(prev, '-' | '/') {
                    end = i;
                    break;
                }
                prev = c;
            }
            end
        } else {
            first.len_utf8()
        };
        let (tok, tail) = rest.split_at(end);
        rest = tail;
        Some(tok)
    })
}

/// Wraps `text` at `size` points into lines no wider than `first_width` (first line) and
/// `width` (the others). Explicit `\n` starts a new line.
pub(crate) fn wrap(text: &str, size: f32, first_width: f32, width: f32) -> Vec<String> {
    let f = fonts();
    // Fast path: one short line.
    if !text.contains('\n') && f.width(text, size) <= first_width + EPSILON {
        return vec![text.to_string()];
    }
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut cur_w = 0.0f32;
    let limit = |lines: &Vec<String>| {
        if lines.is_empty() { first_width } else { width }
    };
    let push_line = |lines: &mut Vec<String>, cur: &mut String, cur_w: &mut f32| {
        let trimmed_len = cur.trim_end_matches(' ').len();
        cur.truncate(trimmed_len);
        lines.push(std::mem::take(cur));
        *cur_w = 0.0;
    };
    for (i, paragraph) in text.split('\n').enumerate() {
        if i > 0 {
            push_line(&mut lines, &mut cur, &mut cur_w);
        }
        for tok in tokens(paragraph) {
            let tw = f.width(tok, size);
            let first = tok.chars().next().unwrap_or(' ');
            if tok == " " {
                if !cur.is_empty() {
                    cur.push(' ');
                    cur_w += tw;
                }
                continue;
            }
            if cur_w + tw <= limit(&lines) + EPSILON {
                cur.push_str(tok);
                cur_w += tw;
                continue;
            }
            // The first line may continue a line begun by the caller (`first_width < width`).
            let continues = lines.is_empty() && first_width < width;
            if (!cur.is_empty() || continues) && tok.chars().count() == 1 && no_line_start(first) {
                // Hanging punctuation: allowed past the line end.
                cur.push_str(tok);
                cur_w += tw;
                continue;
            }
            if cur.is_empty() && continues {
                // Nothing fits on the rest of the caller's line: start on a fresh one.
                lines.push(String::new());
            } else if !cur.is_empty() {
                // Keep an opening bracket with what it opens.
                let carry = match cur.chars().last() {
                    Some(c) if no_line_end(c) && cur.chars().count() > 1 => {
                        cur.pop();
                        Some(c)
                    }
                    _ => None,
                };
                push_line(&mut lines, &mut cur, &mut cur_w);
                if let Some(c) = carry {
                    cur.push(c);
                    cur_w = f.width(&cur, size);
                }
            }
            if cur_w + tw <= limit(&lines) + EPSILON {
                cur.push_str(tok);
                cur_w += tw;
            } else {
                // A word longer than a line: break it between characters.
                for c in tok.chars() {
                    let cw = f.advance(c) * size;
                    if !cur.is_empty() && cur_w + cw > limit(&lines) + EPSILON {
                        push_line(&mut lines, &mut cur, &mut cur_w);
                    }
                    cur.push(c);
                    cur_w += cw;
                }
            }
        }
    }
    if !cur.is_empty() || lines.is_empty() {
        push_line(&mut lines, &mut cur, &mut cur_w);
    }
    lines
}

/// A table column: header text, width in points, alignment of its cells.
pub(crate) struct Column {
    pub(crate) title: &'static str,
    pub(crate) width: f32,
    pub(crate) align: Align,
}

/// Scales column widths so that they add up to `total`.
pub(crate) fn fit_columns(mut columns: Vec<Column>, total: f32) -> Vec<Column> {
    let sum: f32 = columns.iter().map(|c| c.width).sum();
    if sum > 0.0 {
        for c in &mut columns {
            c.width *= total / sum;
        }
    }
    columns
}

/// Sizes of a bordered table.
pub(crate) struct TableStyle {
    pub(crate) size: f32,
    pub(crate) line_height: f32,
    pub(crate) pad_x: f32,
    pub(crate) pad_y: f32,
    pub(crate) rule: f32,
    pub(crate) header_grey: f32,
}

/// A laid-out row: each cell's lines, and the row's height.
pub(crate) struct Row {
    pub(crate) cells: Vec<Vec<String>>,
    pub(crate) height: f32,
}

impl TableStyle {
    /// Wraps each cell's text into its column and sizes the row.
    pub(crate) fn row(&self, columns: &[Column], texts: &[&str]) -> Row {
        let cells: Vec<Vec<String>> = columns
            .iter()
            .zip(texts)
            .map(|(col, text)| {
                let inner = col.width - 2.0 * self.pad_x;
                wrap(text, self.size, inner, inner)
            })
            .collect();
        self.row_from_lines(cells)
    }

    /// A row from cells already split into lines.
    pub(crate) fn row_from_lines(&self, cells: Vec<Vec<String>>) -> Row {
        let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
        Row {
            height: lines as f32 * self.line_height + 2.0 * self.pad_y,
            cells,
        }
    }

    /// The header row (column titles, wrapped like any cell).
    pub(crate) fn header(&self, columns: &[Column]) -> Row {
        let titles: Vec<&str> = columns.iter().map(|c| c.title).collect();
        self.row(columns, &titles)
    }

    /// Draws one row; `fill` marks the header (shaded, titles centred).
    fn draw_row(&self, canvas: &mut Canvas, top: f32, columns: &[Column], row: &Row, fill: bool) {
        if fill {
            let w: f32 = columns.iter().map(|c| c.width).sum();
            canvas.fill_rect(MARGIN_X, top, w, row.height, self.header_grey);
        }
        let right = MARGIN_X + columns.iter().map(|c| c.width).sum::<f32>();
        canvas.hrule(MARGIN_X, right, top, self.rule);
        if !fill && row.cells.iter().all(|lines| lines.len() <= 1) {
            // The common case (every member row): one line per cell, drawn as one run.
            let f = fonts();
            let baseline = baseline_in_box(top + self.pad_y, self.line_height, self.size);
            let mut x = MARGIN_X;
            let mut runs: Vec<(f32, &str)> = Vec::with_capacity(columns.len());
            for (col, lines) in columns.iter().zip(&row.cells) {
                let inner = col.width - 2.0 * self.pad_x;
                if let Some(line) = lines.first() {
                    let offset = match col.align {
                        Align::Left => 0.0,
                        Align::Center => (inner - f.width(line, self.size)) / 2.0,
                        Align::Right => inner - f.width(line, self.size),
                    };
                    runs.push((x + self.pad_x + offset, line.as_str()));
                }
                x += col.width;
            }
            canvas.text_runs(baseline, self.size, &runs);
            return;
        }
        let mut x = MARGIN_X;
        for (col, lines) in columns.iter().zip(&row.cells) {
            // Vertically centre the cell's lines in the row.
            let block = lines.len() as f32 * self.line_height;
            let mut line_top = top + (row.height - block) / 2.0;
            for line in lines {
                let baseline = baseline_in_box(line_top, self.line_height, self.size);
                canvas.text_aligned(
                    x + self.pad_x,
                    col.width - 2.0 * self.pad_x,
                    baseline,
                    self.size,
                    line,
                    if fill { Align::Center } else { col.align },
                );
                line_top += self.line_height;
            }
            x += col.width;
        }
    }

    fn close_segment(&self, canvas: &mut Canvas, top: f32, bottom: f32, columns: &[Column]) {
        let mut x = MARGIN_X;
        canvas.vrule(x, top, bottom, self.rule);
        for col in columns {
            x += col.width;
            canvas.vrule(x, top, bottom, self.rule);
        }
        canvas.hrule(MARGIN_X, x, bottom, self.rule);
    }

    /// Draws the table at the flow's cursor: the header, then every row, starting a new page
    /// (with the header again) whenever a row does not fit.
    pub(crate) fn draw(&self, flow: &mut Flow, columns: &[Column], rows: impl Iterator<Item = Row>) {
        let header = self.header(columns);
        let mut rows = rows.peekable();
        // The header never ends a page alone.
        let first_height = rows.peek().map_or(0.0, |r| r.height);
        flow.keep_together(header.height + first_height);
        let mut seg_top = flow.y;
        let y = flow.y;
        self.draw_row(flow.canvas(), y, columns, &header, true);
        flow.y += header.height;
        let mut rows_on_page = 0usize;
        for row in rows {
            if !flow.fits(row.height) && rows_on_page > 0 {
                let y = flow.y;
                self.close_segment(flow.canvas(), seg_top, y, columns);
                flow.new_page();
                seg_top = flow.y;
                self.draw_row(flow.canvas(), seg_top, columns, &header, true);
                flow.y += header.height;
                rows_on_page = 0;
            }
            let y = flow.y;
            self.draw_row(flow.canvas(), y, columns, &row, false);
            flow.y += row.height;
            rows_on_page += 1;
        }
        let y = flow.y;
        self.close_segment(flow.canvas(), seg_top, y, columns);
    }
}

/// Draws `text` as a wrapped paragraph at the flow's cursor, breaking pages between lines.
/// `indent` applies to the first line, `hang` to the following ones (both from the margin).
pub(crate) fn paragraph(flow: &mut Flow, text: &str, size: f32, line_height: f32, indent: f32, hang: f32) {
    let lines = wrap(text, size, CONTENT_W - indent, CONTENT_W - hang);
    for (i, line) in lines.iter().enumerate() {
        flow.keep_together(line_height);
        let x = MARGIN_X + if i == 0 { indent } else { hang };
        let baseline = baseline_in_box(flow.y, line_height, size);
        flow.canvas().text(x, baseline, size, line);
        flow.y += line_height;
    }
}

/// Serialises the pages into PDF bytes, each font of the chain they use registered and subset
/// to the glyphs used (a document without rare characters carries only the primary font).
pub(crate) fn save(mut doc: printpdf::PdfDocument, pages: Vec<PdfPage>) -> Result<Vec<u8>, super::DocumentError> {
    for index in 0..FACE_COUNT {
        let id = font::font_id(index);
        let used = pages
            .iter()
            .flat_map(|page| &page.ops)
            .any(|op| matches!(op, Op::SetFont { font: PdfFontHandle::External(used), .. } if *used == id));
        if used {
            let parsed = font::face(index).parsed().clone();
            doc.resources.fonts.map.insert(id, printpdf::PdfFont::new(parsed));
        }
    }
    let options = printpdf::PdfSaveOptions {
        optimize: true,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let bytes = doc.with_pages(pages).save(&options, &mut warnings);
    if let Some(w) = warnings
        .iter()
        .find(|w| w.severity == printpdf::PdfParseErrorSeverity::Error)
    {
        return Err(super::DocumentError::Render(w.msg.clone()));
    }
    if bytes.is_empty() {
        return Err(super::DocumentError::Render("空的PDF输出".to_string()));
    }
    Ok(bytes)
}

/// A new document titled `title`, dated now (its fonts are registered by `save`).
pub(crate) fn new_document(title: &str) -> printpdf::PdfDocument {
    let mut doc = printpdf::PdfDocument::new(title);
    let now = printpdf::OffsetDateTime::now();
    let info = &mut doc.metadata.info;
    info.author = "中国职工保险互助会河南省办事处".to_string();
    info.creation_date = now;
    info.modification_date = now;
    info.metadata_date = now;
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> f32 {
        fonts().width(s, 10.0)
    }

    #[test]
    fn short_text_is_one_line() {
        assert_eq!(wrap("张三", 10.0, 100.0, 100.0), vec!["张三"]);
        assert_eq!(wrap("", 10.0, 100.0, 100.0), vec![""]);
    }

    #[test]
    fn cjk_wraps_per_character_within_width() {
        let text = "在职职工住院医疗互助保障活动";
        let lines = wrap(text, 10.0, 45.0, 45.0);
        assert_eq!(lines.concat(), text);
        assert!(lines.len() >= 3);
        for l in &lines {
            assert!(w(l) <= 45.0 + EPSILON, "{l} too wide");
        }
    }

    #[test]
    fn latin_words_stay_whole_and_long_words_break() {
        let lines = wrap("JOHN SMITH WILLIAMS", 10.0, 60.0, 60.0);
        assert!(lines.iter().all(|l| !l.starts_with(' ') && !l.ends_with(' ')));
        assert_eq!(lines.join(" "), "JOHN SMITH WILLIAMS");
        let url = "https://example.org/verify/ABCDEFGHIJKLMNOP";
        let lines = wrap(url, 10.0, 60.0, 60.0);
        assert_eq!(lines.concat(), url);
        assert!(lines.iter().all(|l| w(l) <= 60.0 + EPSILON));
    }

    #[test]
    fn closing_punctuation_hangs_and_opening_moves_down() {
        // Exactly four ideographs fit; the comma hangs rather than starting line 2.
        let width = w("一二三四");
        let lines = wrap("一二三四，五六", 10.0, width, width);
        assert_eq!(lines, vec!["一二三四，", "五六"]);
        let lines = wrap("一二三《四五》", 10.0, width, width);
        assert_eq!(lines, vec!["一二三", "《四五》"]);
    }

    #[test]
    fn first_line_width_differs() {
        let lines = wrap("一二三四五六七八", 10.0, w("一二"), w("一二三"));
        assert_eq!(lines, vec!["一二", "三四五", "六七八"]);
    }

    #[test]
    fn a_continued_line_without_room_starts_fresh() {
        assert_eq!(wrap("一二", 10.0, 5.0, 100.0), vec!["", "一二"]);
        // Closing punctuation still hangs on the caller's line.
        assert_eq!(wrap("，一二", 10.0, 5.0, 100.0), vec!["，", "一二"]);
    }

    #[test]
    fn explicit_newlines_break() {
        assert_eq!(wrap("甲\n乙", 10.0, 100.0, 100.0), vec!["甲", "乙"]);
    }
}
