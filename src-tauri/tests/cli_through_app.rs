//! The app's binary as the command line (src/multicall.rs): started with `--cli` first, as the
//! .deb's `/usr/bin/switchboard-cli` script does, or through a link named `switchboard-cli`, it
//! runs `switchboard-cli` with the same output and exit codes, under that name, and none of the
//! app: every run here has no display, no Wayland and no D-Bus session, where the app itself
//! cannot start (the last test shows it), so a run that touched GTK, the window, the tray or the
//! single-instance handover would fail or print something. The command line's own behaviour is
//! tested in src-tauri/cli/tests (and through the installed package by scripts/deb-test.sh).
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

const APP: &str = env!("CARGO_BIN_EXE_switchboard");

/// `program` with no display, no Wayland, no D-Bus session and `data` as the data directory.
fn headless(program: &Path, data: &Path) -> Command {
    let mut command = Command::new(program);
    command
        .stdin(Stdio::null())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("COMPLETE")
        .env("SWITCHBOARD_DATA_DIR", data);
    command
}

fn through_app(data: &Path, args: &[&str]) -> Output {
    headless(Path::new(APP), data)
        .arg("--cli")
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_flag_runs_the_command_line_and_nothing_of_the_app() {
    let data = TempDir::new().unwrap();
    let version = through_app(data.path(), &["--version"]);
    assert_eq!(version.status.code(), Some(0));
    assert_eq!(
        text(&version.stdout),
        format!("switchboard-cli {}\n", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(text(&version.stderr), "");

    let added = through_app(
        data.path(),
        &[
            "profile",
            "add",
            "through-app",
            "--source",
            "custom",
            "--url",
            "http://127.0.0.1:9",
        ],
    );
    assert_eq!(added.status.code(), Some(0), "{}", text(&added.stderr));
    let listed = through_app(data.path(), &["--json", "profile", "list"]);
    assert_eq!(listed.status.code(), Some(0), "{}", text(&listed.stderr));
    let profiles: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let names: Vec<&str> = profiles
        .as_array()
        .unwrap()
        .iter()
        .map(|profile| profile["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["through-app"]);
    assert_eq!(text(&listed.stderr), "");
}

#[test]
fn usage_mistakes_name_switchboard_cli_and_exit_2() {
    let data = TempDir::new().unwrap();
    let wrong = through_app(data.path(), &["profile", "frobnicate"]);
    assert_eq!(wrong.status.code(), Some(2));
    assert_eq!(text(&wrong.stdout), "");
    let stderr = text(&wrong.stderr);
    assert!(
        stderr.contains("Usage: switchboard-cli profile [OPTIONS] <COMMAND>"),
        "{stderr}"
    );
    assert!(!stderr.contains("--cli"), "{stderr}");

    // A core refusal keeps its exit code too: no such profile is "not configured", 3.
    let missing = through_app(data.path(), &["profile", "show", "nobody"]);
    assert_eq!(missing.status.code(), Some(3));
    assert_eq!(
        text(&missing.stderr),
        "error: There is no profile named \"nobody\". Create it with \"profile add\" or list \
         them with \"profile list\".\n"
    );
    assert_eq!(text(&missing.stdout), "");
}

#[test]
fn a_link_named_switchboard_cli_is_the_command_line() {
    let dir = TempDir::new().unwrap();
    let link = dir.path().join("switchboard-cli");
    std::os::unix::fs::symlink(APP, &link).unwrap();
    let help = headless(&link, dir.path()).arg("--help").output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    let stdout = text(&help.stdout);
    assert!(
        stdout.contains("Usage: switchboard-cli [OPTIONS] <COMMAND>"),
        "{stdout}"
    );
    assert!(stdout.contains("profile"), "{stdout}");
}

#[test]
fn a_shell_completion_request_through_the_flag_is_answered() {
    let data = TempDir::new().unwrap();
    // What the .deb's script turns `COMPLETE=bash switchboard-cli -- switchboard-cli prof` into.
    let answer = headless(Path::new(APP), data.path())
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", "1")
        .args(["--cli", "--", "switchboard-cli", "prof"])
        .output()
        .unwrap();
    assert_eq!(answer.status.code(), Some(0), "{}", text(&answer.stderr));
    let offered = text(&answer.stdout);
    assert_eq!(offered, "profile");
}

#[test]
fn without_the_flag_the_same_environment_cannot_start_the_app() {
    let data = TempDir::new().unwrap();
    // (No backtrace: GTK's refusal stays far below a pipe's buffer while it is polled.)
    let mut app = headless(Path::new(APP), data.path())
        .env("RUST_BACKTRACE", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = app.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = app.kill();
            panic!("the app ran for 60 s without a display");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success(), "the app started without a display");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut app.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("Failed to initialize GTK"), "{stderr}");
}
