//! A profile's secrets besides its key — extra header values and URL credentials — live in the
//! real Secret Service, never in a file under the data folder, are masked wherever the profile
//! is shown, and leave the keychain with the profile.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::Command;

use common::{files, ok, run, run_with_stdin, Fake};
use switchboard_fakes::{FakeOptions, REPLY_TEXT};
use tempfile::TempDir;

const HEADER_VALUE: &str = "hv-SECRET-4f1d9a7c";
const PASSWORD: &str = "pw-SECRET-83b2e6d0";

/// Fails when any file under `dir` holds `needle`.
fn assert_in_no_file(dir: &Path, needle: &str) {
    for file in files(dir) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle} is in {}",
            file.display()
        );
    }
}

fn profile_id(data: &Path, name: &str) -> String {
    let conn = rusqlite::Connection::open(data.join("switchboard.db")).unwrap();
    conn.query_row("SELECT id FROM profiles WHERE name = ?1", [name], |r| {
        r.get(0)
    })
    .unwrap()
}

/// What the Secret Service itself holds under an account of Switchboard's (asked directly).
fn keychain(account: &str) -> String {
    let lookup = Command::new("secret-tool")
        .args(["lookup", "service", "switchboard", "username", account])
        .output()
        .expect("secret-tool (libsecret-tools) is installed by the test command");
    String::from_utf8_lossy(&lookup.stdout).into_owned()
}

#[test]
fn header_values_and_url_credentials_live_only_in_the_keychain() {
    let fake = Fake::start(FakeOptions::default());
    let data_dir = TempDir::new().unwrap();
    let data = data_dir.path();
    let url = fake
        .server()
        .base_url()
        .replace("http://", &format!("http://alice:{PASSWORD}@"));
    ok(
        data,
        &[
            "profile",
            "add",
            "proxied",
            "--source",
            "custom",
            "--url",
            &url,
            "--model",
            "m",
            "--header",
            &format!("X-Proxy-Token: {HEADER_VALUE}"),
        ],
    );
    assert_eq!(
        ok(data, &["chat", "proxied", "hi"]),
        format!("{REPLY_TEXT}\n")
    );
    // The server got both: the header as set, the credentials as Basic auth.
    let sent = fake.server().requests().pop().unwrap();
    assert_eq!(sent.header("x-proxy-token"), Some(HEADER_VALUE));
    let basic = format!("Basic {}", base64_of(&format!("alice:{PASSWORD}")));
    assert_eq!(sent.header("authorization"), Some(basic.as_str()));
    // The keychain holds them ...
    let id = profile_id(data, "proxied");
    let extras = keychain(&format!("profile:{id}:extras"));
    assert!(
        extras.contains(HEADER_VALUE) && extras.contains(PASSWORD),
        "{extras}"
    );
    // ... and no file under the data folder does (database, WAL, locks).
    assert_in_no_file(data, HEADER_VALUE);
    assert_in_no_file(data, PASSWORD);
    // Shown masked: the profile, its JSON and the request preview.
    for args in [
        vec!["profile", "show", "proxied"],
        vec!["profile", "show", "proxied", "--json"],
        vec!["profile", "list", "--json"],
        vec!["chat", "proxied", "--dry-run", "hi"],
    ] {
        let shown = ok(data, &args);
        assert!(
            !shown.contains(HEADER_VALUE) && !shown.contains(PASSWORD) && !shown.contains("alice"),
            "{args:?}: {shown}"
        );
    }
    let preview = ok(data, &["chat", "proxied", "--dry-run", "hi"]);
    assert!(preview.contains("<redacted>"), "{preview}");
    assert!(ok(data, &["profile", "show", "proxied"]).contains("X-Proxy-Token: <redacted>"));

    // Deleting the profile removes its keychain entries.
    ok(data, &["profile", "rm", "proxied"]);
    assert_eq!(keychain(&format!("profile:{id}:extras")), "");
    assert_eq!(keychain(&format!("profile:{id}:api-key")), "");
}

#[test]
fn deleting_a_profile_removes_its_key_from_the_keychain() {
    let data_dir = TempDir::new().unwrap();
    let data = data_dir.path();
    ok(data, &["profile", "add", "gone", "--source", "openai"]);
    let set = run_with_stdin(data, &["key", "set", "gone"], "sk-gone-7c1e5a3b9d\n");
    assert_eq!(set.code, 0, "{}", set.stderr);
    let id = profile_id(data, "gone");
    assert_eq!(
        keychain(&format!("profile:{id}:api-key")),
        "sk-gone-7c1e5a3b9d"
    );
    let removed = ok(data, &["profile", "rm", "gone"]);
    assert!(removed.contains("keychain"), "{removed}");
    assert_eq!(keychain(&format!("profile:{id}:api-key")), "");
}

#[test]
fn url_credentials_are_refused_where_the_key_already_uses_authorization() {
    let data_dir = TempDir::new().unwrap();
    let data = data_dir.path();
    ok(
        data,
        &[
            "profile",
            "add",
            "both",
            "--source",
            "custom",
            "--url",
            "http://bob:pw-both-123456@127.0.0.1:9/v1",
        ],
    );
    let set = run_with_stdin(data, &["key", "set", "both"], "sk-both-0123456789\n");
    assert_eq!(set.code, 2, "{}", set.stderr);
    assert!(
        set.stderr.contains("Authorization") && set.stderr.contains("Profile \"both\""),
        "{}",
        set.stderr
    );
    // Anthropic sends its key in x-api-key: credentials and a key go together.
    ok(
        data,
        &[
            "profile",
            "add",
            "claude-proxy",
            "--source",
            "claude",
            "--url",
            "http://bob:pw-both-123456@127.0.0.1:9/v1",
        ],
    );
    let set = run_with_stdin(data, &["key", "set", "claude-proxy"], "sk-ant-0123456789\n");
    assert_eq!(set.code, 0, "{}", set.stderr);
    for name in ["both", "claude-proxy"] {
        ok(data, &["profile", "rm", name]);
    }
    let shown = run(data, &["profile", "list"]);
    assert!(!shown.stdout.contains("pw-both"), "{}", shown.stdout);
}

/// Standard base64, as a Basic-auth header carries it.
fn base64_of(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
