//! Proxies and private CAs from the command line, with the real binary: a profile's own proxy
//! (a loopback forward proxy that records what it relays), `direct` past the environment's
//! proxy, the environment's proxy by default, proxy credentials kept in the keychain and a 407
//! explained, and a server whose certificate comes from a private CA (a self-signed loopback TLS
//! front) refused until the profile trusts that CA file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::Command;

use common::{files, finish, Fake};
use switchboard_fakes::{FakeOptions, FakeProxy, ProxiedRequest, TlsFront, REPLY_TEXT};
use tempfile::TempDir;

const PROXY_PASSWORD: &str = "pp-SECRET-5c0e1b7a";

/// A proxy and, when asked, a TLS front, on a runtime of their own for the life of the test.
struct Net {
    runtime: tokio::runtime::Runtime,
    proxy: Option<FakeProxy>,
    front: Option<TlsFront>,
}

impl Net {
    fn new(credentials: Option<&str>) -> Net {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let proxy = runtime.block_on(FakeProxy::start(0, credentials)).unwrap();
        Net {
            runtime,
            proxy: Some(proxy),
            front: None,
        }
    }

    fn with_tls_front(mut self, fake: &Fake) -> Net {
        let front = self
            .runtime
            .block_on(TlsFront::start(fake.server().addr()))
            .unwrap();
        self.front = Some(front);
        self
    }

    fn proxy(&self) -> &FakeProxy {
        self.proxy.as_ref().unwrap()
    }

    fn front(&self) -> &TlsFront {
        self.front.as_ref().unwrap()
    }

    fn relayed(&self) -> Vec<ProxiedRequest> {
        self.proxy().requests()
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        let _guard = self.runtime.enter();
        self.proxy.take();
        self.front.take();
    }
}

/// The binary with the proxy variables of the environment cleared, then `env` set.
fn run_env(data: &Path, env: &[(&str, &str)], args: &[&str]) -> common::Run {
    let mut command = common::cli(data);
    for name in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "no_proxy",
    ] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied()).args(args);
    finish(command, b"")
}

fn ok_env(data: &Path, env: &[(&str, &str)], args: &[&str]) -> String {
    let result = run_env(data, env, args);
    assert_eq!(
        result.code, 0,
        "{args:?}\nstdout: {}\nstderr: {}",
        result.stdout, result.stderr
    );
    result.stdout
}

fn add_profile(data: &Path, name: &str, url: &str, extra: &[&str]) {
    let mut args = vec![
        "profile", "add", name, "--source", "custom", "--url", url, "--model", "m",
    ];
    args.extend_from_slice(extra);
    ok_env(data, &[], &args);
}

fn port_of(url: &str) -> String {
    url.rsplit(':').next().unwrap().to_string()
}

#[test]
fn a_profile_with_a_proxy_reaches_its_server_through_it() {
    let fake = Fake::start(FakeOptions::default());
    let net = Net::new(None);
    let data_dir = TempDir::new().unwrap();
    let data = data_dir.path();
    add_profile(data, "p", &fake.url(), &["--proxy", &net.proxy().url()]);
    // The environment's proxy (nothing listens there) is not the profile's.
    let dead = format!("http://127.0.0.1:{}", common::dead_port());
    let env = [("HTTP_PROXY", dead.as_str())];
    assert_eq!(
        ok_env(data, &env, &["chat", "p", "hi"]),
        format!("{REPLY_TEXT}\n")
    );
    let relayed = net.relayed();
    let chat = format!("{}/chat/completions", fake.url());
    assert!(
        relayed
            .iter()
            .any(|r| r.method == "POST" && r.target == chat),
        "{relayed:?}"
    );
    assert!(!fake.server().requests().is_empty());
    let shown = ok_env(data, &[], &["profile", "show", "p"]);
    assert!(
        shown.contains(&format!("proxy:               {}/", net.proxy().url())),
        "{shown}"
    );

    // The proxy gone: the error names it.
    drop(net);
    let failed = run_env(data, &[], &["chat", "p", "hi"]);
    assert_ne!(failed.code, 0);
    assert!(
        failed
            .stderr
            .contains("through the proxy http://127.0.0.1:"),
        "{}",
        failed.stderr
    );
}

#[test]
fn direct_bypasses_the_environment_proxy_and_env_uses_it() {
    let fake = Fake::start(FakeOptions::default());
    let net = Net::new(None);
    let data_dir = TempDir::new().unwrap();
    let data = data_dir.path();
    add_profile(data, "p", &fake.url(), &["--proxy", "direct"]);
    let proxy = net.proxy().url();
    let env = [
        ("HTTP_PROXY", proxy.as_str()),
        ("HTTPS_PROXY", proxy.as_str()),
        ("ALL_PROXY", proxy.as_str()),
    ];
    assert_eq!(
        ok_env(data, &env, &["chat", "p", "hi"]),
        format!("{REPLY_TEXT}\n")
    );
    assert_eq!(net.relayed(), Vec::new());
    assert!(ok_env(data, &[], &["profile", "show", "p"]).contains("none (direct)"));

    ok_env(data, &[], &["profile", "set", "p", "--proxy", "env"]);
    assert_eq!(
        ok_env(data, &env, &["chat", "p", "hi"]),
        format!("{REPLY_TEXT}\n")
    );
    let chat = format!("{}/chat/completions", fake.url());
    assert!(
        net.relayed().iter().any(|r| r.target == chat),
        "{:?}",
        net.relayed()
    );
    // The environment's proxy unreachable: the error names it.
    let dead = format!("http://127.0.0.1:{}", common::dead_port());
    let failed = run_env(data, &[("HTTP_PROXY", dead.as_str())], &["chat", "p", "hi"]);
    assert_ne!(failed.code, 0);
    assert!(
        failed
            .stderr
            .contains(&format!("through the proxy {dead}/")),
        "{}",
        failed.stderr
    );
}

/// What the Secret Service holds under an account of Switchboard's (asked directly).
fn keychain(account: &str) -> String {
    let lookup = Command::new("secret-tool")
        .args(["lookup", "service", "switchboard", "username", account])
        .output()
        .expect("secret-tool (libsecret-tools) is installed by the test command");
    String::from_utf8_lossy(&lookup.stdout).into_owned()
}

fn profile_id(data: &Path, name: &str) -> String {
    let conn = rusqlite::Connection::open(data.join("switchboard.db")).unwrap();
    conn.query_row("SELECT id FROM profiles WHERE name = ?1", [name], |r| {
        r.get(0)
    })
    .unwrap()
}

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

#[test]
fn proxy_credentials_live_in_the_keychain_and_a_407_says_the_proxy_wants_them() {
    let fake = Fake::start(FakeOptions::default());
    let net = Net::new(Some(&format!("alice:{PROXY_PASSWORD}"))).with_tls_front(&fake);
    let data_dir = TempDir::new().unwrap();
    let data = data_dir.path();
    let bare = net.proxy().url();
    let with_credentials = bare.replace("http://", &format!("http://alice:{PROXY_PASSWORD}@"));
    add_profile(data, "p", &fake.url(), &["--proxy", &with_credentials]);
    assert_eq!(
        ok_env(data, &[], &["chat", "p", "hi"]),
        format!("{REPLY_TEXT}\n")
    );
    assert!(
        net.relayed().iter().all(|r| r.authorized),
        "{:?}",
        net.relayed()
    );
    assert_in_no_file(data, PROXY_PASSWORD);
    let id = profile_id(data, "p");
    assert!(keychain(&format!("profile:{id}:extras")).contains(PROXY_PASSWORD));
    let shown = ok_env(data, &[], &["profile", "show", "p"]);
    assert!(
        !shown.contains(PROXY_PASSWORD) && !shown.contains("alice"),
        "{shown}"
    );
    let json = ok_env(data, &[], &["--json", "profile", "show", "p"]);
    assert!(!json.contains(PROXY_PASSWORD), "{json}");

    // The same proxy given again without credentials keeps them.
    ok_env(data, &[], &["profile", "set", "p", "--proxy", &bare]);
    assert_eq!(
        ok_env(data, &[], &["chat", "p", "hi"]),
        format!("{REPLY_TEXT}\n")
    );

    // A profile without them: 407, for a plain request and for a tunnel.
    add_profile(data, "bare", &fake.url(), &["--proxy", &bare]);
    let refused = run_env(data, &[], &["chat", "bare", "hi"]);
    assert_ne!(refused.code, 0);
    assert!(
        refused
            .stderr
            .contains("the proxy wants credentials (HTTP 407"),
        "{}",
        refused.stderr
    );
    let ca = data.join("ca.pem");
    std::fs::write(&ca, net.front().certificate_pem()).unwrap();
    let ca = ca.display().to_string();
    add_profile(
        data,
        "tunnel",
        &net.front().base_url(),
        &["--proxy", &bare, "--ca-cert", &ca],
    );
    let refused = run_env(data, &[], &["chat", "tunnel", "hi"]);
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("the proxy wants credentials")
            && refused
                .stderr
                .contains(&format!("through the proxy {bare}/")),
        "{}",
        refused.stderr
    );
    assert!(!refused.stderr.contains(PROXY_PASSWORD));
    // Removing the profile removes its keychain entry.
    ok_env(data, &[], &["profile", "rm", "p"]);
    assert_eq!(keychain(&format!("profile:{id}:extras")), "");
}

#[test]
fn a_private_ca_is_refused_until_the_profile_trusts_its_file() {
    let fake = Fake::start(FakeOptions::default());
    let net = Net::new(None).with_tls_front(&fake);
    let data_dir = TempDir::new().unwrap();
    let data = data_dir.path();
    add_profile(data, "tls", &net.front().base_url(), &["--proxy", "direct"]);
    let refused = run_env(data, &[], &["chat", "tls", "hi"]);
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("certificate was not trusted")
            && refused.stderr.contains("add its CA certificate"),
        "{}",
        refused.stderr
    );
    assert!(fake.server().requests().is_empty());

    let missing = data.join("missing.pem").display().to_string();
    ok_env(data, &[], &["profile", "set", "tls", "--ca-cert", &missing]);
    let refused = run_env(data, &[], &["chat", "tls", "hi"]);
    assert_ne!(refused.code, 0);
    assert!(
        refused
            .stderr
            .contains(&format!("The CA certificate file {missing} does not exist")),
        "{}",
        refused.stderr
    );
    let junk = data.join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    let junk = junk.display().to_string();
    ok_env(
        data,
        &[],
        &["profile", "set", "tls", "--no-ca-certs", "--ca-cert", &junk],
    );
    let refused = run_env(data, &[], &["chat", "tls", "hi"]);
    assert!(refused.stderr.contains(&junk) && refused.stderr.contains("no PEM certificate"));

    let ca = data.join("ca.pem");
    std::fs::write(&ca, net.front().certificate_pem()).unwrap();
    let ca = ca.display().to_string();
    ok_env(
        data,
        &[],
        &["profile", "set", "tls", "--no-ca-certs", "--ca-cert", &ca],
    );
    let shown = ok_env(data, &[], &["profile", "show", "tls"]);
    assert!(
        shown.contains(&format!("CA certificate:      {ca}")),
        "{shown}"
    );
    assert_eq!(
        ok_env(data, &[], &["chat", "tls", "hi"]),
        format!("{REPLY_TEXT}\n")
    );
    assert!(!fake.server().requests().is_empty());

    // Through the environment's HTTPS_PROXY: a tunnel to the front.
    ok_env(data, &[], &["profile", "set", "tls", "--proxy", "env"]);
    let proxy = net.proxy().url();
    let env = [("HTTPS_PROXY", proxy.as_str())];
    assert_eq!(
        ok_env(data, &env, &["chat", "tls", "hi"]),
        format!("{REPLY_TEXT}\n")
    );
    let tunnel = format!("127.0.0.1:{}", port_of(&net.front().base_url()));
    assert!(
        net.relayed()
            .iter()
            .any(|r| r.method == "CONNECT" && r.target == tunnel),
        "{:?}",
        net.relayed()
    );
}
