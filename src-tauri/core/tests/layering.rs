//! The dependency rules the module docs state, checked on the source: the source catalogue is
//! data and reaches into no adapter, HTTP or store code; the store knows no adapter; the relay
//! and the shared provider support name no family, no family imports another, and every family
//! folder has the same files.

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

/// The protocol families: one folder each under `provider/`.
fn family_folders() -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = fs::read_dir(src().join("provider"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir() && path.file_name().is_some_and(|n| n != "support"))
        .collect();
    folders.sort();
    folders
}

fn family_names() -> Vec<String> {
    family_folders()
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// The lines under `path`, comments included, that name a family (any case, `openai` for
/// `openai_compat`, `claude` for `anthropic`).
fn lines_naming_a_family(path: &Path) -> Vec<String> {
    let mut names = family_names();
    names.extend(["openai".into(), "claude".into()]);
    let mut found = Vec::new();
    for file in rust_files(path) {
        let text = fs::read_to_string(&file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.trim_start();
            let lower = code.to_ascii_lowercase();
            if names.iter().any(|name| lower.contains(name.as_str())) {
                found.push(format!("{}:{}: {}", file.display(), number + 1, code));
            }
        }
    }
    found
}

#[test]
fn the_relay_and_the_shared_support_name_no_family() {
    assert_eq!(family_names().len(), 5, "{:?}", family_names());
    let mut found = lines_naming_a_family(&src().join("provider/relay.rs"));
    found.extend(lines_naming_a_family(&src().join("provider/support")));
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn every_family_folder_has_the_same_files() {
    let files = |folder: &Path| {
        let mut names: Vec<String> = fs::read_dir(folder)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let folders = family_folders();
    let first = files(&folders[0]);
    assert_eq!(first, ["mod.rs", "request.rs", "stream.rs", "wire.rs"]);
    for folder in &folders[1..] {
        assert_eq!(files(folder), first, "{}", folder.display());
    }
}

#[test]
fn no_family_imports_another() {
    for folder in family_folders() {
        let own = folder.file_name().unwrap().to_string_lossy().into_owned();
        let others: Vec<String> = family_names()
            .into_iter()
            .filter(|name| *name != own)
            .flat_map(|name| [format!("provider::{name}"), format!("super::super::{name}")])
            .collect();
        let others: Vec<&str> = others.iter().map(String::as_str).collect();
        let found = offending_lines(&folder, &others);
        assert!(found.is_empty(), "{found:#?}");
    }
}
