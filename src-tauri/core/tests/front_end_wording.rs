//! The core states facts; each front end words its own fix. No string the core can put in an
//! error (or anywhere a window shows) names a CLI command or option: that advice belongs to the
//! CLI, which adds it per error reason. Checked on the source: every code line (comments and
//! test modules left out) of every file under `src/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

/// CLI commands and options as they would appear in a message.
const CLI_WORDING: &[&str] = &[
    "key set",
    "key clear",
    "profile add",
    "profile list",
    "profile rm",
    "chats list",
    "chats show",
    "snapshots list",
    "\\\"models\\\"",
    "\\\"status\\\"",
    "--key-env",
    "--source",
    "--url",
    "--model",
    "--data-dir",
    "--with-keys",
    "--json",
    "switchboard-cli",
];

fn rust_files(path: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(path).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs")
            && !path.to_string_lossy().ends_with("_tests.rs")
        {
            files.push(path);
        }
    }
    files
}

/// The code lines of `text` before its test module, with their line numbers.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .take_while(|(_, line)| line.trim() != "#[cfg(test)]")
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .map(|(number, line)| (number + 1, line))
}

fn offenders(root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for file in rust_files(root) {
        let text = fs::read_to_string(&file).unwrap();
        for (number, line) in code_lines(&text) {
            if let Some(word) = CLI_WORDING.iter().find(|word| line.contains(*word)) {
                found.push(format!(
                    "{}:{number}: {word}: {}",
                    file.display(),
                    line.trim()
                ));
            }
        }
    }
    found
}

#[test]
fn no_core_string_names_a_cli_command() {
    let found = offenders(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(
        found.is_empty(),
        "CLI wording in the core (state the facts and an ErrorReason; the CLI adds the command):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scan_finds_cli_wording() {
    let dir = std::env::temp_dir().join(format!("wording-scan-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("x.rs"),
        "// \"key set NAME\" in a comment is fine\nfn f() -> &'static str { \"Save it with \\\"key set x\\\".\" }\n#[cfg(test)]\nmod tests { const T: &str = \"--key-env\"; }\n",
    )
    .unwrap();
    let found = offenders(&dir);
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains(":2: key set"), "{found:?}");
}
