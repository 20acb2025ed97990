//! SillyTavern's reverse proxies imported from the command line: the proxy gets what SillyTavern
//! gives it (the proxy password from settings.json, or no key), never the vendor's key from
//! secrets.json. Checked where it matters: in the keychain (asked directly) and in what a real
//! fake server on loopback receives. Runs inside the private D-Bus session with a throwaway
//! keyring, as the other command-line tests do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::Command;

use common::{ok, run, Fake};
use switchboard_fakes::{FakeOptions, REPLY_TEXT};
use tempfile::TempDir;

/// A vendor key that must never leave secrets.json for a proxy.
const VENDOR_KEY: &str = "sk-vendor-key-MARK-5b1e";
const PROXY_PASSWORD: &str = "proxy-password-MARK-9c2d";

fn write(dir: &Path, name: &str, value: &serde_json::Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, value.to_string()).unwrap();
    path.to_str().unwrap().to_string()
}

fn secrets(dir: &Path) -> String {
    write(
        dir,
        "secrets.json",
        &serde_json::json!({"api_key_openai": VENDOR_KEY, "api_key_claude": VENDOR_KEY}),
    )
}

fn import(data: &Path, settings: &str, secrets: &str) -> common::Run {
    run(
        data,
        &[
            "profile",
            "import-sillytavern",
            settings,
            "--secrets",
            secrets,
            "--with-keys",
        ],
    )
}

/// Everything the Secret Service holds for Switchboard, asked directly.
fn keychain() -> String {
    let lookup = Command::new("secret-tool")
        .args(["search", "--all", "service", "switchboard"])
        .output()
        .expect("secret-tool (libsecret-tools) is installed by the test command");
    String::from_utf8_lossy(&lookup.stdout).to_string() + &String::from_utf8_lossy(&lookup.stderr)
}

#[test]
fn a_reverse_proxy_gets_the_proxy_password_never_the_vendor_key() {
    let proxy = Fake::start(FakeOptions {
        api_key: Some(PROXY_PASSWORD.into()),
        ..FakeOptions::default()
    });
    let files = TempDir::new().unwrap();
    let settings = write(
        files.path(),
        "settings.json",
        &serde_json::json!({"main_api": "openai", "oai_settings": {
            "chat_completion_source": "openai", "openai_model": "fake-model-1",
            "reverse_proxy": proxy.server().base_url(), "proxy_password": PROXY_PASSWORD}}),
    );
    let data = TempDir::new().unwrap();
    let data = data.path();
    let imported = import(data, &settings, &secrets(files.path()));
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    let name = "OpenAI via reverse proxy (SillyTavern)";
    assert!(
        imported
            .stdout
            .contains(&format!("Saved profile \"{name}\"")),
        "{}",
        imported.stdout
    );
    assert!(
        imported.stdout.contains(
            "its key is the proxy password from settings.json, never the OpenAI key in secrets.json"
        ),
        "{}",
        imported.stdout
    );
    assert!(
        imported
            .stdout
            .contains("the proxy password is now in the system keychain"),
        "{}",
        imported.stdout
    );
    // A loopback proxy: no plain-http warning.
    assert!(!imported.stderr.contains("Warning"), "{}", imported.stderr);

    let found = keychain();
    assert!(
        found.contains(PROXY_PASSWORD),
        "not in the keychain: {found}"
    );
    assert!(
        !found.contains(VENDOR_KEY),
        "the vendor key is in the keychain"
    );

    // The proxy answers only to its password, and never sees the vendor key.
    assert_eq!(
        ok(data, &["chat", name, "hello"]),
        format!("{REPLY_TEXT}\n")
    );
    let requests = proxy.server().requests();
    assert!(!requests.is_empty());
    for request in &requests {
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {PROXY_PASSWORD}").as_str()),
            "{request:?}"
        );
        assert!(!format!("{request:?}").contains(VENDOR_KEY), "{request:?}");
    }
}

#[test]
fn a_reverse_proxy_without_password_is_saved_without_a_key() {
    let proxy = Fake::start(FakeOptions::default());
    let files = TempDir::new().unwrap();
    let settings = write(
        files.path(),
        "settings.json",
        &serde_json::json!({"main_api": "openai", "oai_settings": {
            "chat_completion_source": "openai", "openai_model": "fake-model-1",
            "reverse_proxy": proxy.server().base_url(), "proxy_password": ""}}),
    );
    let data = TempDir::new().unwrap();
    let data = data.path();
    let imported = import(data, &settings, &secrets(files.path()));
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    assert!(
        imported.stdout.contains(
            "reverse proxy without a password: saved without a key (as in SillyTavern, the OpenAI key in secrets.json is never sent to a proxy)"
        ),
        "{}",
        imported.stdout
    );
    assert!(
        !imported.stdout.contains("now in the system keychain"),
        "{}",
        imported.stdout
    );
    let name = "OpenAI via reverse proxy (SillyTavern)";
    let shown: serde_json::Value =
        serde_json::from_str(&ok(data, &["profile", "show", name, "--json"])).unwrap();
    assert_eq!(shown["hasKey"], false);
    assert!(!keychain().contains(VENDOR_KEY));

    // Without a key the chat is refused here, saying what to do; nothing reaches the proxy.
    let chat = run(data, &["chat", name, "hello"]);
    assert_eq!(chat.code, 3, "{}", chat.stderr);
    assert!(
        chat.stderr.contains("has no API key") && chat.stderr.contains("key set"),
        "{}",
        chat.stderr
    );
    assert!(proxy.server().requests().is_empty());
}

/// The key an imported profile sends over plain http:// to another machine is warned about, as
/// for a profile added by hand. Nothing is sent there: the import only saves.
#[test]
fn an_imported_proxy_over_plain_http_is_warned_about() {
    let files = TempDir::new().unwrap();
    let settings = write(
        files.path(),
        "settings.json",
        &serde_json::json!({"main_api": "openai", "oai_settings": {
            "chat_completion_source": "claude", "claude_model": "claude-3-opus-20240229",
            "reverse_proxy": "http://192.0.2.10:8000/v1", "proxy_password": PROXY_PASSWORD}}),
    );
    let data = TempDir::new().unwrap();
    let imported = import(data.path(), &settings, &secrets(files.path()));
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    assert!(
        imported.stderr.contains(
            "Warning: \"Claude via reverse proxy (SillyTavern)\" sends its API key over plain http:// to another machine"
        ),
        "{}",
        imported.stderr
    );
    assert!(!keychain().contains(VENDOR_KEY));
}
