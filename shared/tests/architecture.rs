//! The layers of `shared/src` and of the function crates, checked from the source text:
//! - a step never imports another step;
//! - records never import steps; platform imports neither records nor steps;
//! - the pure folders (domain, reference, spreadsheet, documents) import none of platform,
//!   records or steps;
//! - a function crate imports only `steps`, `records`, `platform`, `domain` (and the root
//!   re-exports `ApiResult`, `ApiError`, `AppState`).
//!
//! A failure names each forbidden edge with its file and line, so it cannot regress quietly.
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Layer {
    Root,
    Platform,
    Records,
    Step(String),
    Pure(String),
}

impl Layer {
    /// The layer a path inside `shared/src` (relative, with `/`) belongs to.
    fn of_file(relative: &str) -> Layer {
        let mut parts = relative.split('/');
        let first = parts.next().unwrap_or_default();
        match first {
            "platform" => Layer::Platform,
            "records" => Layer::Records,
            "steps" => {
                let step = parts.next().unwrap_or_default();
                Layer::Step(step.trim_end_matches(".rs").to_owned())
            }
            "lib.rs" => Layer::Root,
            other => Layer::Pure(other.trim_end_matches(".rs").to_owned()),
        }
    }

    /// The layer `crate::<first>::<second>` points into; None for the root re-exports.
    fn of_path(first: &str, second: Option<&str>) -> Option<Layer> {
        match first {
            "platform" => Some(Layer::Platform),
            "records" => Some(Layer::Records),
            "steps" => Some(Layer::Step(second.unwrap_or("*").to_owned())),
            "domain" | "reference" | "spreadsheet" | "documents" => Some(Layer::Pure(first.to_owned())),
            _ => None,
        }
    }
}

/// Why an edge from `from` to `to` is forbidden, or None when it is allowed.
fn forbidden(from: &Layer, to: &Layer) -> Option<&'static str> {
    match (from, to) {
        (Layer::Step(a), Layer::Step(b)) if a != b => Some("a step never imports another step"),
        (Layer::Records, Layer::Step(_)) => Some("records never import steps"),
        (Layer::Platform, Layer::Records | Layer::Step(_)) => Some("platform imports neither records nor steps"),
        (Layer::Pure(_), Layer::Platform | Layer::Records | Layer::Step(_)) => {
            Some("domain, reference, spreadsheet and documents import none of platform, records or steps")
        }
        _ => None,
    }
}

/// Every `<root>::a::b` path in `text` (both `use` lines and paths written inline, braces
/// included: `use crate::{records::unit, steps::x}`), with its line number.
fn paths(text: &str, root: &str) -> Vec<(usize, String, Option<String>)> {
    let mut found = Vec::new();
    let needle = format!("{root}::");
    for (index, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find(&needle) {
            let before = rest[..at].chars().next_back();
            rest = &rest[at + needle.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            if let Some(group) = rest.strip_prefix('{') {
                for member in top_level_members(group) {
                    let mut segments = member.split("::").map(str::trim);
                    if let Some(first) = segments.next().filter(|s| !s.is_empty()) {
                        found.push((index + 1, first.to_owned(), segments.next().map(ident)));
                    }
                }
                continue;
            }
            let first = ident(rest);
            let after = &rest[first.len()..];
            let second = after.strip_prefix("::").map(ident).filter(|s| !s.is_empty());
            found.push((index + 1, first, second));
        }
    }
    found
}

fn ident(text: &str) -> String {
    text.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
}

/// `a::b, c::{d, e}, f}` → ["a::b", "c::{d, e}", "f"] (up to the closing brace).
fn top_level_members(group: &str) -> Vec<String> {
    let (mut depth, mut current, mut members) = (0usize, String::new(), Vec::new());
    for c in group.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                members.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    members.push(current);
    members
        .into_iter()
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty())
        .collect()
}

/// The forbidden edges among `files` (paths relative to `shared/src`).
fn violations(files: &[(String, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for (file, text) in files {
        let from = Layer::of_file(file);
        for (line, first, second) in paths(text, "crate") {
            let Some(to) = Layer::of_path(&first, second.as_deref()) else {
                continue;
            };
            if let Some(rule) = forbidden(&from, &to) {
                let target = second.map_or(first.clone(), |s| format!("{first}::{s}"));
                found.push(format!("shared/src/{file}:{line}: {from:?} → crate::{target}: {rule}"));
            }
        }
    }
    found
}

/// What a function crate may name under `shared::`.
const FUNCTION_MAY_USE: [&str; 7] = [
    "steps",
    "records",
    "platform",
    "domain",
    "ApiResult",
    "ApiError",
    "AppState",
];

fn function_violations(files: &[(String, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for (file, text) in files {
        for (line, first, _) in paths(text, "shared") {
            if !FUNCTION_MAY_USE.contains(&first.as_str()) {
                found.push(format!(
                    "{file}:{line}: shared::{first}: a function imports only steps, records, platform, domain"
                ));
            }
        }
    }
    found
}

fn rust_files(dir: &Path, base: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, base, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path
                .strip_prefix(base)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            out.push((relative, text));
        }
    }
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn shared_src_keeps_its_layers() {
    let src = manifest_dir().join("src");
    let mut files = Vec::new();
    rust_files(&src, &src, &mut files);
    assert!(
        files.len() > 50,
        "found only {} files under {}",
        files.len(),
        src.display()
    );
    let found = violations(&files);
    assert!(found.is_empty(), "forbidden imports:\n{}", found.join("\n"));
}

#[test]
fn functions_import_only_steps_records_platform_and_domain() {
    let functions = manifest_dir().join("../functions");
    let mut files = Vec::new();
    rust_files(&functions, &functions, &mut files);
    assert!(files.len() > 10, "found only {} function files", files.len());
    let found = function_violations(&files);
    assert!(found.is_empty(), "forbidden imports:\n{}", found.join("\n"));
}

#[test]
fn the_checker_names_a_step_importing_another_step() {
    let files = vec![
        (
            "steps/review.rs".to_owned(),
            "use crate::records::application;\nuse crate::steps::invoice::{self, FeeSummary};\n".to_owned(),
        ),
        (
            "steps/invoice.rs".to_owned(),
            "use crate::steps::invoice::x;\n".to_owned(),
        ),
    ];
    assert_eq!(
        violations(&files),
        vec![
            "shared/src/steps/review.rs:2: Step(\"review\") → crate::steps::invoice: a step never imports another step"
        ]
    );
}

#[test]
fn the_checker_sees_inline_paths_and_grouped_uses() {
    let files = vec![
        (
            "records/members.rs".to_owned(),
            "fn f() { crate::steps::payment::confirm(); }\nuse crate::{platform::db, steps::review};\n".to_owned(),
        ),
        (
            "domain/mobile.rs".to_owned(),
            "use crate::platform::error::ApiError; // no\n".to_owned(),
        ),
        (
            "platform/sms.rs".to_owned(),
            "use crate::records::trail;\nuse crate::domain::Mobile;\n".to_owned(),
        ),
        (
            "spreadsheet/cell.rs".to_owned(),
            "// crate::steps::x in a comment is fine\n".to_owned(),
        ),
    ];
    let found = violations(&files);
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(found[0].starts_with("shared/src/records/members.rs:1: Records → crate::steps::payment"));
    assert!(found[1].starts_with("shared/src/records/members.rs:2: Records → crate::steps::review"));
    assert!(found[2].starts_with("shared/src/domain/mobile.rs:1: Pure(\"domain\") → crate::platform::error"));
    assert!(found[3].starts_with("shared/src/platform/sms.rs:1: Platform → crate::records::trail"));
}

#[test]
fn the_checker_names_a_function_using_a_pure_folder() {
    let files = vec![(
        "reference/src/lib.rs".to_owned(),
        "use shared::reference;\nuse shared::steps::reference as r;\nuse shared::{ApiResult, AppState};\n".to_owned(),
    )];
    assert_eq!(
        function_violations(&files),
        vec!["reference/src/lib.rs:1: shared::reference: a function imports only steps, records, platform, domain"]
    );
}
