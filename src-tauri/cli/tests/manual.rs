//! The manual page: `switchboard-cli man` prints a roff page made from the same definitions as
//! `--help`, naming every command and subcommand `--help` lists, which `groff` (where
//! installed) renders without a warning.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use common::ok;

/// The commands `--help` lists under "Commands:" for `path` (help itself left out).
fn listed_commands(path: &[&str]) -> Vec<String> {
    let mut args: Vec<&str> = path.to_vec();
    args.push("--help");
    let help = ok(Path::new("/nonexistent-data-dir"), &args);
    help.split("Commands:\n")
        .nth(1)
        .map(|section| {
            section
                .lines()
                .take_while(|line| line.starts_with("  "))
                .filter_map(|line| line.split_whitespace().next())
                .filter(|name| *name != "help")
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Every command path, depth first: `["profile"]`, `["profile", "add"]`, ….
fn every_command(path: Vec<String>, found: &mut Vec<Vec<String>>) {
    let words: Vec<&str> = path.iter().map(String::as_str).collect();
    for name in listed_commands(&words) {
        let mut sub = path.clone();
        sub.push(name);
        found.push(sub.clone());
        every_command(sub, found);
    }
}

#[test]
fn the_manual_page_names_every_command_and_renders_cleanly() {
    let page = ok(Path::new("/nonexistent-data-dir"), &["man"]);
    assert!(
        page.starts_with(".ie") || page.contains(".TH switchboard-cli 1"),
        "{page}"
    );
    assert!(page.contains(".SH NAME"), "{page}");
    assert!(page.contains(".SH COMMANDS"), "{page}");

    let mut commands = Vec::new();
    every_command(Vec::new(), &mut commands);
    // The top level and at least the nested families (profile, key, chats, snapshots).
    assert!(commands.len() > 25, "{commands:?}");
    for command in &commands {
        let named = format!("switchboard-cli {}", command.join(" "));
        assert!(
            page.contains(&format!(
                "\\fBswitchboard\\-cli {}\\fR",
                command.join(" ").replace('-', "\\-")
            )),
            "the page does not describe `{named}`"
        );
    }

    // groff reads it without a warning (where groff is installed).
    let Ok(mut groff) = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    else {
        eprintln!("groff is not installed; the page is not rendered");
        return;
    };
    groff
        .stdin
        .take()
        .unwrap()
        .write_all(page.as_bytes())
        .unwrap();
    let output = groff.wait_with_output().unwrap();
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}
