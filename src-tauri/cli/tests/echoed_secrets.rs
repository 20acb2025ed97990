//! Servers that echo secrets: `chat`, `status` and `models` against a fake of every family that
//! quotes the key back (in a 401, in an error event after some text, in a 200 HTML page) print
//! no form of the key, on standard output or standard error, plain or `--json`, and leave none
//! in the data directory. Ad-hoc connections (`--key-env`), so no keychain is involved.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::{cli, finish, Fake, Run};
use switchboard_fakes::{
    echo_leak, Dialect, FakeOptions, Family, Scenario, ECHO_NOTHING, ECHO_PREFIX,
};
use tempfile::TempDir;

/// A key that is different in every encoding.
const KEY: &str = "sk-Cli/Echo+\"Quoted\"&Amp%25Zq9Xw2LmN4pB8vT";

/// Runs the CLI on an ad-hoc connection with the key in `ECHO_KEY`.
fn run(data: &Path, args: &[&str]) -> Run {
    let mut command = cli(data);
    command.args(args).env("ECHO_KEY", KEY);
    finish(command, b"")
}

/// The bytes of every file under `dir`.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.push((path.display().to_string(), bytes));
            }
        }
    }
    out
}

#[test]
fn an_echoed_key_is_never_printed() {
    let sources = [
        ("custom", Family::OpenAi, Dialect::OpenAi, "/v1", "m"),
        ("ooba", Family::OpenAi, Dialect::Ooba, "/v1", "m"),
        ("claude", Family::Anthropic, Dialect::OpenAi, "/v1", "m"),
        ("koboldcpp", Family::Kobold, Dialect::OpenAi, "", "m"),
        (
            "horde",
            Family::Horde,
            Dialect::OpenAi,
            "/api/v2",
            "fake-model-1",
        ),
        ("novelai", Family::NovelAi, Dialect::OpenAi, "", "kayra-v1"),
    ];
    let mut problems = Vec::new();
    for (source, family, dialect, path, model) in sources {
        for &scenario in Scenario::ECHOES {
            let fake = Fake::start(FakeOptions {
                family,
                dialect,
                scenario,
                api_key: Some(KEY.into()),
                slow_delay: std::time::Duration::from_millis(1),
                ..FakeOptions::default()
            });
            let url = format!("{}{path}", fake.url());
            let data = TempDir::new().unwrap();
            let target = ["--source", source, "--url", &url, "--key-env", "ECHO_KEY"];
            let mut quoted = false;
            for json in [false, true] {
                let runs: [Vec<&str>; 3] = [
                    [&["chat"][..], &target, &["--model", model, "hello"]].concat(),
                    [&["status"][..], &target].concat(),
                    [&["models"][..], &target].concat(),
                ];
                for mut args in runs {
                    if json {
                        args.insert(0, "--json");
                    }
                    let result = run(data.path(), &args);
                    let label = format!("{source} {scenario} {args:?} (exit {})", result.code);
                    for (stream, text) in [("stdout", &result.stdout), ("stderr", &result.stderr)] {
                        if let Some(what) = echo_leak(text.as_bytes(), KEY) {
                            problems.push(format!("{label}: {what}, on {stream}: {text}"));
                        }
                        if text.contains(ECHO_PREFIX) && !text.contains(ECHO_NOTHING) {
                            quoted = true;
                            if !text.contains("<redacted>") {
                                problems.push(format!("{label}: quoted, not scrubbed: {text}"));
                            }
                        }
                    }
                }
            }
            if scenario == Scenario::EchoUnauthorized && !quoted {
                problems.push(format!(
                    "{source} {scenario}: nothing printed the server's (scrubbed) words"
                ));
            }
            for (file, bytes) in files(data.path()) {
                if let Some(what) = echo_leak(&bytes, KEY) {
                    problems.push(format!("{source} {scenario}: {what}, in {file}"));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
