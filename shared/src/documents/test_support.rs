//! Test helpers: extract a PDF's text with poppler's `pdftotext` (poppler-utils is
//! installed on developer machines and in CI; a missing tool fails the test loudly).

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn temp_pdf(pdf: &[u8], name: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("shared-documents-{}-{n}-{name}.pdf", std::process::id()));
    std::fs::write(&path, pdf).unwrap();
    path
}

fn run_pdftotext(path: &PathBuf, layout: bool) -> String {
    let mut cmd = Command::new("pdftotext");
    if layout {
        cmd.arg("-layout");
    }
    let out = cmd
        .args(["-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("pdftotext is required for these tests (apt-get install poppler-utils): {e}"));
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The PDF's text in reading order and in `-layout` mode (table rows on one line).
pub(crate) fn pdf_texts(pdf: &[u8], name: &str) -> (String, String) {
    let path = temp_pdf(pdf, name);
    let raw = run_pdftotext(&path, false);
    let layout = run_pdftotext(&path, true);
    let _ = std::fs::remove_file(&path);
    (raw, layout)
}

/// `pdffonts` output for the PDF.
pub(crate) fn pdf_fonts(pdf: &[u8], name: &str) -> String {
    let path = temp_pdf(pdf, name);
    let out = Command::new("pdffonts")
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("pdffonts is required (apt-get install poppler-utils): {e}"));
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}
