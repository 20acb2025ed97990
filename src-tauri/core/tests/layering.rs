//! The dependency rules the module docs state, checked on the source: the source catalogue is
//! data and reaches into no adapter, HTTP or store code; the store knows no adapter.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `path` (or `path` itself when it is a file).
fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut files = Vec::new();
    for entry in fs::read_dir(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())) {
        let entry = entry.unwrap();
        files.extend(rust_files(&entry.path()));
    }
    files.retain(|f| f.extension().is_some_and(|e| e == "rs"));
    files
}

/// The code lines (not comments) of the files under `path` that mention one of `forbidden`.
fn offending_lines(path: &Path, forbidden: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in rust_files(path) {
        let text = fs::read_to_string(&file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            if forbidden.iter().any(|f| code.contains(f)) {
                found.push(format!("{}:{}: {}", file.display(), number + 1, code));
            }
        }
    }
    found
}

#[test]
fn the_catalogue_depends_on_no_adapter_http_or_store_code() {
    let found = offending_lines(
        &src().join("catalogue.rs"),
        &[
            "crate::provider",
            "crate::http",
            "crate::store",
            "crate::engine",
            "crate::secrets",
            "reqwest",
            "rusqlite",
        ],
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_store_imports_no_adapter_code() {
    let found = offending_lines(
        &src().join("store"),
        &["crate::provider", "super::provider"],
    );
    assert!(found.is_empty(), "{found:#?}");
}
