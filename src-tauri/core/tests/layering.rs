//! The dependency rules the module docs state, checked on the source: the source catalogue is
//! data and reaches into no adapter, HTTP or store code; the store knows neither adapters nor
//! file formats; stream decoding knows no vendor; and the core's top-level modules import each
//! other without a cycle; the relay and the shared provider support name no family, no family
//! imports another, every family folder has the same files, and no file of the provider layer
//! (or `http.rs`) imports itself through others.
//!
//! The import graph is read from the code (comments and string literals left out): every
//! `crate::x` path (`use crate::x::…`, `use crate::{x, y::…}`, `crate::x::f()` in code) and every
//! `super::` path that climbs to the crate root counts as an edge from the file's top-level
//! module to `x`. Test code counts too: a test module may not import what its module may not.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
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
        &src().join("catalogue"),
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

#[test]
fn the_store_imports_neither_adapters_nor_file_formats() {
    let graph = import_graph();
    let store = &graph["store"];
    for forbidden in ["provider", "transfer", "engine"] {
        assert!(
            !store.contains_key(forbidden),
            "store imports {forbidden}: {:#?}",
            store[forbidden]
        );
    }
}

#[test]
fn google_sign_in_imports_no_family_store_or_keychain() {
    let graph = import_graph();
    let auth = &graph["google_auth"];
    // Really read: it sends through the shared client.
    assert!(auth.contains_key("http"), "{auth:#?}");
    for forbidden in ["provider", "store", "secrets", "engine", "catalogue"] {
        assert!(
            !auth.contains_key(forbidden),
            "google_auth imports {forbidden}: {:#?}",
            auth[forbidden]
        );
    }
}

#[test]
fn stream_decoding_imports_no_vendor() {
    let graph = import_graph();
    let stream = &graph["stream"];
    for forbidden in ["provider", "catalogue", "engine", "store", "http"] {
        assert!(
            !stream.contains_key(forbidden),
            "stream imports {forbidden}: {:#?}",
            stream[forbidden]
        );
    }
    // No family module or source kind by any path either.
    let found = offending_lines(
        &src().join("stream"),
        &[
            "openai_compat",
            "anthropic::",
            "kobold::",
            "horde::",
            "novelai::",
            "ProviderKind",
        ],
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_top_level_modules_import_each_other_without_a_cycle() {
    let graph = import_graph();
    // The graph is really read: the engine drives providers and the store.
    assert!(graph["engine"].contains_key("provider"), "{graph:#?}");
    assert!(graph["engine"].contains_key("store"), "{graph:#?}");
    if let Some(cycle) = find_cycle(&graph) {
        let mut why = Vec::new();
        for pair in cycle.windows(2) {
            why.push(format!(
                "{} → {}: {:?}",
                pair[0], pair[1], graph[&pair[0]][&pair[1]]
            ));
        }
        panic!("import cycle {}:\n{}", cycle.join(" → "), why.join("\n"));
    }
}

#[test]
fn the_graph_reader_finds_each_kind_of_path_and_skips_comments_and_strings() {
    let text = r#"
        //! Docs naming [`crate::engine`] are not imports.
        use crate::model::{ChatMessage, Role};
        use crate::{error::Error, http};
        use super::catalogue;
        /* crate::secrets in a block comment */
        fn f() -> &'static str {
            let _ = crate::redact::scrub(x);
            let c = '"';
            "crate::store in a string"
        }
        mod tests {
            use super::*;
            use super::super::endpoint::Url;
        }
    "#;
    let modules: BTreeSet<String> = [
        "model",
        "error",
        "http",
        "catalogue",
        "redact",
        "engine",
        "secrets",
        "store",
        "endpoint",
    ]
    .iter()
    .map(|m| m.to_string())
    .collect();
    // As src/x/mod.rs (depth 1): `super::catalogue` is the crate's, and so is
    // `super::super::endpoint` from the inline module.
    let found = references(text, 1, &modules);
    let names: BTreeSet<&str> = found.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(
        names,
        BTreeSet::from(["catalogue", "endpoint", "error", "http", "model", "redact"])
    );
    // As src/x/y.rs (depth 2): `super::catalogue` is a sibling, `super::super::endpoint` too.
    let found = references(text, 2, &modules);
    let names: BTreeSet<&str> = found.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(names, BTreeSet::from(["error", "http", "model", "redact"]));
    // A cycle is found and named; a chain is not a cycle.
    let mut graph: Graph = BTreeMap::new();
    for (from, to) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        graph
            .entry(from.into())
            .or_default()
            .entry(to.into())
            .or_default()
            .push("x".into());
        graph.entry(to.into()).or_default();
    }
    assert_eq!(
        find_cycle(&graph).unwrap(),
        vec!["a".to_string(), "b".into(), "c".into(), "a".into()]
    );
    graph.get_mut("c").unwrap().remove("a");
    assert_eq!(find_cycle(&graph), None);
}

/// Top-level module → module it imports → where (file:line).
type Graph = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// The import graph between the crate's top-level modules (self-imports left out).
fn import_graph() -> Graph {
    let root = src();
    let mut modules = BTreeSet::new();
    for entry in fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if path.is_dir() || (path.extension().is_some_and(|e| e == "rs") && name != "lib") {
            modules.insert(name);
        }
    }
    let mut graph: Graph = modules
        .iter()
        .map(|m| (m.clone(), BTreeMap::new()))
        .collect();
    for module in &modules {
        let file = root.join(format!("{module}.rs"));
        let files = if file.is_file() {
            vec![file]
        } else {
            rust_files(&root.join(module))
        };
        let depths = path_module_depths(&root, &files);
        for file in files {
            let text = fs::read_to_string(&file).unwrap();
            let depth = depths
                .get(&file)
                .copied()
                .unwrap_or_else(|| file_depth(&root, &file));
            for (target, line) in references(&text, depth, &modules) {
                if &target != module {
                    graph
                        .get_mut(module)
                        .unwrap()
                        .entry(target)
                        .or_default()
                        .push(format!(
                            "{}:{line}",
                            file.strip_prefix(&root).unwrap().display()
                        ));
                }
            }
        }
    }
    graph
}

/// How deep in the module tree a file's module is by where it lies: `src/x.rs` and
/// `src/x/mod.rs` are 1, `src/x/y.rs` is 2.
fn file_depth(root: &Path, file: &Path) -> usize {
    let parts = file.strip_prefix(root).unwrap().components().count();
    if file.file_name().is_some_and(|n| n == "mod.rs") {
        parts - 1
    } else {
        parts
    }
}

/// Files brought in with `#[path = "f.rs"] mod m;`: one level below the file that names them.
fn path_module_depths(root: &Path, files: &[PathBuf]) -> BTreeMap<PathBuf, usize> {
    let mut depths = BTreeMap::new();
    for file in files {
        let text = fs::read_to_string(file).unwrap();
        for line in text.lines() {
            let Some(rest) = line.trim_start().strip_prefix("#[path = \"") else {
                continue;
            };
            let Some((name, _)) = rest.split_once('"') else {
                continue;
            };
            let target = file.parent().unwrap().join(name);
            depths.insert(target, file_depth(root, file) + 1);
        }
    }
    depths
}

/// The text with comments and string and character literals blanked out (lines kept).
fn code_only(text: &str) -> Vec<char> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = chars.clone();
    let blank = |out: &mut Vec<char>, from: usize, to: usize| {
        for c in &mut out[from..to.min(chars.len())] {
            if *c != '\n' {
                *c = ' ';
            }
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let next = chars.get(i + 1).copied();
        if chars[i] == '/' && next == Some('/') {
            let end = chars[i..]
                .iter()
                .position(|&c| c == '\n')
                .map_or(chars.len(), |p| i + p);
            blank(&mut out, i, end);
            i = end;
        } else if chars[i] == '/' && next == Some('*') {
            let mut depth = 0;
            let mut j = i;
            while j < chars.len() {
                if chars[j] == '/' && chars.get(j + 1) == Some(&'*') {
                    depth += 1;
                    j += 2;
                } else if chars[j] == '*' && chars.get(j + 1) == Some(&'/') {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            blank(&mut out, i, j);
            i = j;
        } else if chars[i] == 'r'
            && (next == Some('"') || next == Some('#'))
            && (i == 0 || !is_ident(chars[i - 1]))
        {
            // A raw string: r"…", r#"…"#.
            let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                i += 1;
                continue;
            }
            let close: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let body_start = i + 2 + hashes;
            let rest: String = chars[body_start..].iter().collect();
            let end = rest.find(&close).map_or(chars.len(), |p| {
                body_start + rest[..p].chars().count() + close.len()
            });
            blank(&mut out, i, end);
            i = end;
        } else if chars[i] == '"' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            blank(&mut out, i, j + 1);
            i = j + 1;
        } else if chars[i] == '\'' {
            // A character literal ('x', '\n', '\''), or a lifetime ('a), left alone.
            if next == Some('\\') {
                let end = chars[i + 2..]
                    .iter()
                    .position(|&c| c == '\'')
                    .map_or(chars.len(), |p| i + 3 + p);
                blank(&mut out, i, end);
                i = end;
            } else if chars.get(i + 2) == Some(&'\'') {
                blank(&mut out, i, i + 3);
                i += 3;
            } else {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[derive(Debug, PartialEq)]
enum Token {
    Ident(String),
    Path,
    Punct(char),
}

/// Identifiers, `::` and other punctuation of the code, each with its line (1-based).
fn tokens(code: &[char]) -> Vec<(Token, usize)> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < code.len() {
        let c = code[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if is_ident(c) {
            let start = i;
            while i < code.len() && is_ident(code[i]) {
                i += 1;
            }
            out.push((Token::Ident(code[start..i].iter().collect()), line));
        } else if c == ':' && code.get(i + 1) == Some(&':') {
            out.push((Token::Path, line));
            i += 2;
        } else {
            out.push((Token::Punct(c), line));
            i += 1;
        }
    }
    out
}

/// The top-level modules (of `modules`) the code of a file at module depth `depth` refers to,
/// with the line of each reference.
fn references(text: &str, depth: usize, modules: &BTreeSet<String>) -> Vec<(String, usize)> {
    let code = code_only(text);
    let tokens = tokens(&code);
    let ident = |i: usize| match tokens.get(i) {
        Some((Token::Ident(name), _)) => Some(name.as_str()),
        _ => None,
    };
    let is = |i: usize, token: &Token| tokens.get(i).is_some_and(|(t, _)| t == token);
    let mut found = Vec::new();
    // Brace depths at which inline `mod name {` blocks opened.
    let mut inline = Vec::new();
    let mut braces = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        let line = tokens[i].1;
        match &tokens[i].0 {
            Token::Punct('{') => {
                braces += 1;
                if i >= 2 && ident(i - 2) == Some("mod") && ident(i - 1).is_some() {
                    inline.push(braces);
                }
                i += 1;
                continue;
            }
            Token::Punct('}') => {
                if inline.last() == Some(&braces) {
                    inline.pop();
                }
                braces = braces.saturating_sub(1);
                i += 1;
                continue;
            }
            _ => {}
        }
        let after_path = i > 0 && is(i - 1, &Token::Path);
        // Where the path starts from: the crate root, after `crate::` or enough `super::`s.
        let mut at_root = None;
        if ident(i) == Some("crate") && is(i + 1, &Token::Path) && !after_path {
            at_root = Some(i + 2);
        } else if ident(i) == Some("super") && !after_path {
            let mut climbs = 0;
            let mut j = i;
            while ident(j) == Some("super") && is(j + 1, &Token::Path) {
                climbs += 1;
                j += 2;
            }
            if climbs > 0 && climbs == depth + inline.len() {
                at_root = Some(j);
            }
            if climbs > 0 {
                i = j;
                if at_root.is_none() {
                    continue;
                }
            }
        }
        let Some(start) = at_root else {
            i += 1;
            continue;
        };
        let mut names = Vec::new();
        if let Some(name) = ident(start) {
            names.push(name.to_string());
        } else if is(start, &Token::Punct('{')) {
            // `{a, b::c, d::{e, f}}`: the first name of each item at the group's top level.
            let mut level = 0;
            let mut first = true;
            let mut j = start;
            while j < tokens.len() {
                match &tokens[j].0 {
                    Token::Punct('{') => {
                        level += 1;
                        if level == 1 {
                            first = true;
                        }
                    }
                    Token::Punct('}') => {
                        level -= 1;
                        if level == 0 {
                            break;
                        }
                    }
                    Token::Punct(',') if level == 1 => first = true,
                    Token::Ident(name) if level == 1 && first => {
                        names.push(name.clone());
                        first = false;
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        for name in names {
            if modules.contains(&name) {
                found.push((name, line));
            }
        }
        i = start;
    }
    found
}

/// A cycle in `graph` (its modules in order, the first repeated at the end), if there is one.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flat_map(|edges| edges.keys()) {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, graph, &mut Vec::new(), &mut done) {
            return Some(cycle);
        }
    }
    None
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
    assert_eq!(family_names().len(), 10, "{:?}", family_names());
    let mut found = lines_naming_a_family(&src().join("provider/relay.rs"));
    found.extend(lines_naming_a_family(&src().join("provider/support")));
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn every_family_folder_has_the_same_files() {
    // A family's files; a folder beside one of them holds that file's own submodules (the
    // OpenAI chunk scanner under `stream/`), so it is part of that file, not a file of its own.
    let files = |folder: &Path| {
        let mut names: Vec<String> = fs::read_dir(folder)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| !(path.is_dir() && path.with_extension("rs").is_file()))
            .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
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
