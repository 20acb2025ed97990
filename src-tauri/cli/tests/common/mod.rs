//! Helpers shared by the command-line tests: the real binary with its own data directory,
//! run to the end with standard input given and its output captured.
// Each test file uses its own part of these.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// How a run ended.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Names the command line under test instead of the standalone binary this package builds: the
/// .deb's `/usr/bin/switchboard-cli`, or a link named `switchboard-cli` to the app's binary, so
/// that these tests also hold for the command line the package ships (scripts/deb-test.sh).
pub const CLI_BIN_ENV: &str = "SWITCHBOARD_CLI_BIN";

/// The command line under test: [`CLI_BIN_ENV`] when set, else this package's binary.
pub fn cli_bin() -> PathBuf {
    match std::env::var_os(CLI_BIN_ENV) {
        Some(bin) if !bin.is_empty() => PathBuf::from(bin),
        _ => assert_cmd::cargo::cargo_bin("switchboard-cli"),
    }
}

/// The binary with `data` as its data directory, a short poll interval and nothing on standard
/// input (`chat` reads a standard input that is not a terminal; the test's own may never close).
pub fn cli(data: &Path) -> Command {
    let mut command = Command::new(cli_bin());
    command
        .stdin(Stdio::null())
        .env("SWITCHBOARD_DATA_DIR", data)
        .env("SWITCHBOARD_POLL_INTERVAL_MS", "20")
        .env_remove("SWITCHBOARD_IDLE_TIMEOUT");
    command
}

pub fn run(data: &Path, args: &[&str]) -> Run {
    run_with_stdin(data, args, "")
}

pub fn run_with_stdin(data: &Path, args: &[&str], stdin: &str) -> Run {
    let mut command = cli(data);
    command.args(args);
    finish(command, stdin.as_bytes())
}

/// Runs `command` with `stdin` as its standard input until it exits.
pub fn finish(mut command: Command, stdin: &[u8]) -> Run {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut input = child.stdin.take().unwrap();
        // A command that refuses its arguments may exit before reading its input.
        let _ = input.write_all(stdin);
    }
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `args` and returns standard output, failing the test unless the exit code is 0.
pub fn ok(data: &Path, args: &[&str]) -> String {
    let result = run(data, args);
    assert_eq!(
        result.code, 0,
        "{args:?}\nstdout: {}\nstderr: {}",
        result.stdout, result.stderr
    );
    result.stdout
}

/// A loopback port nothing listens on.
pub fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A fake server running on its own runtime thread for the life of the test.
pub struct Fake {
    server: Option<switchboard_fakes::FakeServer>,
    runtime: tokio::runtime::Runtime,
}

impl Fake {
    pub fn start(options: switchboard_fakes::FakeOptions) -> Fake {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let server = runtime
            .block_on(switchboard_fakes::FakeServer::start(options))
            .unwrap();
        Fake {
            server: Some(server),
            runtime,
        }
    }

    pub fn url(&self) -> String {
        self.server().base_url()
    }

    pub fn server(&self) -> &switchboard_fakes::FakeServer {
        self.server.as_ref().unwrap()
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            self.runtime.block_on(server.shutdown());
        }
    }
}

/// Every file under `dir`, recursively.
pub fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// Waits until `ready` holds, checking every 10 ms, and fails the test with `what` after
/// `limit`: a state is polled for, never assumed after a fixed sleep.
pub fn wait_until(what: &str, limit: std::time::Duration, mut ready: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + limit;
    while !ready() {
        assert!(
            std::time::Instant::now() < deadline,
            "gave up waiting: {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
