//! The dependency rules the module docs state, checked on the source: the source catalogue is
//! data and reaches into no adapter, HTTP or store code; the store knows no adapter; the relay
//! and the shared provider support name no family, no family imports another, and every family
//! folder has the same files; no file of the provider layer (or `http.rs`) imports itself through
//! others.

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

/// The module path of a source file: `provider/kobold/mod.rs` is `["provider", "kobold"]`.
fn module_of(file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src()).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The paths one `use` tree names: `a::{b, c::{d, e}}` is `a::b`, `a::c::d`, `a::c::e`.
fn expand_use(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or(tree).trim();
        return vec![path.to_string()];
    };
    let prefix = tree[..open].trim_end_matches("::").trim();
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let (mut items, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|item| !item.trim().is_empty())
        .flat_map(expand_use)
        .map(|rest| match (prefix.is_empty(), rest == "self") {
            (true, _) => rest,
            (false, true) => prefix.to_string(),
            (false, false) => format!("{prefix}::{rest}"),
        })
        .collect()
}

/// The `use` trees of `code`: each `use …;` (or `pub use`, `pub(crate) use`) statement's tree.
fn use_statements(code: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current: Option<String> = None;
    for line in code.lines() {
        let line = line.trim();
        if current.is_none() {
            let rest = line
                .strip_prefix("pub(crate) ")
                .or_else(|| line.strip_prefix("pub(super) "))
                .or_else(|| line.strip_prefix("pub "))
                .unwrap_or(line);
            if let Some(tree) = rest.strip_prefix("use ") {
                current = Some(String::new());
                current.as_mut().unwrap().push_str(tree);
            }
        } else if let Some(open) = current.as_mut() {
            open.push(' ');
            open.push_str(line);
        }
        if current.as_ref().is_some_and(|c| c.ends_with(';')) {
            let tree = current.take().unwrap();
            statements.push(tree.trim_end_matches(';').to_string());
        }
    }
    statements
}

/// Which files each file's `use` lines (tests left out) reach, by the longest module path
/// each names.
fn imports() -> std::collections::BTreeMap<PathBuf, std::collections::BTreeSet<PathBuf>> {
    let files = rust_files(&src());
    let by_module: std::collections::BTreeMap<Vec<String>, PathBuf> =
        files.iter().map(|f| (module_of(f), f.clone())).collect();
    let resolve = |path: &[String]| {
        (1..=path.len())
            .rev()
            .find_map(|n| by_module.get(&path[..n]).cloned())
    };
    let mut graph = std::collections::BTreeMap::new();
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        let here = module_of(file);
        let is_mod = file
            .file_name()
            .is_some_and(|n| n == "mod.rs" || n == "lib.rs");
        let mut reached = std::collections::BTreeSet::new();
        for statement in use_statements(code) {
            for used in expand_use(&statement) {
                let segments: Vec<String> =
                    used.split("::").map(|s| s.trim().to_string()).collect();
                let mut path = match segments[0].as_str() {
                    "crate" => segments[1..].to_vec(),
                    "self" => [&here[..], &segments[1..]].concat(),
                    "super" => {
                        let mut base = here.clone();
                        let mut rest = &segments[..];
                        while rest.first().is_some_and(|s| s == "super") {
                            base.pop();
                            rest = &rest[1..];
                        }
                        [&base[..], rest].concat()
                    }
                    _ if is_mod => [&here[..], &segments[..]].concat(),
                    _ => continue,
                };
                if segments[0] != "crate" && segments[0] != "self" && segments[0] != "super" {
                    // A relative path names a child module only if one exists.
                    if !by_module.contains_key(&path[..here.len() + 1]) {
                        continue;
                    }
                }
                path.retain(|s| !s.is_empty());
                if let Some(target) = resolve(&path) {
                    if &target != file {
                        reached.insert(target);
                    }
                }
            }
        }
        graph.insert(file.clone(), reached);
    }
    graph
}

#[test]
fn the_provider_layer_has_no_import_cycle() {
    let graph = imports();
    let scope = src().join("provider");
    let http = src().join("http.rs");
    let in_scope = |f: &PathBuf| f.starts_with(&scope) || *f == http;
    // Depth-first search for a way back to where it started.
    fn back_to(
        graph: &std::collections::BTreeMap<PathBuf, std::collections::BTreeSet<PathBuf>>,
        start: &PathBuf,
        at: &PathBuf,
        seen: &mut std::collections::BTreeSet<PathBuf>,
        trail: &mut Vec<PathBuf>,
    ) -> bool {
        for next in graph.get(at).into_iter().flatten() {
            if next == start {
                return true;
            }
            if seen.insert(next.clone()) {
                trail.push(next.clone());
                if back_to(graph, start, next, seen, trail) {
                    return true;
                }
                trail.pop();
            }
        }
        false
    }
    assert!(
        graph[&scope.join("mod.rs")].contains(&scope.join("openai_compat/mod.rs")),
        "the import graph misses `build`'s use of the families: {:?}",
        graph[&scope.join("mod.rs")]
    );
    for file in graph.keys().filter(|f| in_scope(f)) {
        let mut trail = Vec::new();
        let cycle = back_to(&graph, file, file, &mut Default::default(), &mut trail);
        assert!(
            !cycle,
            "{} imports itself through {trail:#?}",
            file.display()
        );
    }
}
