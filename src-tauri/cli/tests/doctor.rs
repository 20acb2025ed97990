//! `doctor`: the connection doctor from the command line, against the fakes (the real binary,
//! real fake servers, the real keychain in the test command's D-Bus session). Each case asserts
//! the step that failed, the fix, the command printed for it, the exit code, and that no
//! secret reaches any output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::{dead_port, ok, run, run_with_stdin, Fake, Run};
use serde_json::Value;
use switchboard_fakes::{FakeOptions, FakeProxy, Scenario, STREAMING_REFUSED};
use tempfile::TempDir;

fn add_profile(data: &Path, name: &str, source: &str, url: &str, extra: &[&str]) {
    let mut args = vec!["profile", "add", name, "--source", source, "--url", url];
    args.extend_from_slice(extra);
    ok(data, &args);
}

fn set_key(data: &Path, name: &str, key: &str) {
    let set = run_with_stdin(data, &["key", "set", name], &format!("{key}\n"));
    assert_eq!(set.code, 0, "{}", set.stderr);
}

/// The printed line of the step titled `title`, failing the test when there is none.
fn line<'a>(run: &'a Run, title: &str) -> &'a str {
    run.stdout
        .lines()
        .find(|l| l.contains(&format!("] {title}")))
        .unwrap_or_else(|| panic!("no step {title:?} in:\n{}", run.stdout))
}

fn doctor(data: &Path, args: &[&str]) -> Run {
    let mut all = vec!["doctor"];
    all.extend_from_slice(args);
    run(data, &all)
}

#[test]
fn all_green_passes_every_step_and_exits_0() {
    let fake = Fake::start(FakeOptions::default());
    let dir = TempDir::new().unwrap();
    let data = dir.path();
    add_profile(data, "box", "custom", &format!("{}/v1", fake.url()), &[]);
    let result = doctor(data, &["box"]);
    assert_eq!(result.code, 0, "{}\n{}", result.stdout, result.stderr);
    for title in [
        "Normalise the URL",
        "Reach the host",
        "List the models",
        "Ask for a one-token reply",
        "Ask for a streamed reply",
    ] {
        assert!(
            line(&result, title).starts_with("[ok]"),
            "{}",
            result.stdout
        );
    }
    assert!(
        line(&result, "List the models").contains("fake-model-1"),
        "{}",
        result.stdout
    );
    assert!(result.stdout.contains("every step passed"));
    // The one-token requests: one whole, one streamed, each asking for a single token.
    let chats: Vec<Value> = fake
        .server()
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/chat/completions"))
        .map(|r| r.json().unwrap())
        .collect();
    assert_eq!(chats.len(), 2, "{chats:?}");
    assert!(chats.iter().all(|c| c["max_tokens"] == 1), "{chats:?}");
    assert_eq!(chats[1]["stream"], true);
    assert_ne!(chats[0]["stream"], true);

    let json = doctor(data, &["box", "--json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    let steps = report["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 5);
    let names: Vec<&str> = steps.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["url", "reach", "models", "reply", "stream"]);
    assert!(steps
        .iter()
        .all(|s| s["outcome"] == "ok" && s["elapsedMs"].is_u64()));
}

#[test]
fn a_url_without_v1_is_fixed_by_discovery_and_saved() {
    let fake = Fake::start(FakeOptions {
        mount: Some("/v1".into()),
        ..FakeOptions::default()
    });
    let dir = TempDir::new().unwrap();
    let data = dir.path();
    add_profile(data, "vllm", "custom", &fake.url(), &[]);
    let result = doctor(data, &["vllm"]);
    assert_eq!(result.code, 0, "{}\n{}", result.stdout, result.stderr);
    let models = line(&result, "List the models");
    assert!(models.starts_with("[ok]"), "{models}");
    assert!(
        models.contains(&format!("discovery added /v1 and {}/v1 did", fake.url())),
        "{models}"
    );
    assert!(models.contains("the profile now uses it"), "{models}");
    assert!(ok(data, &["profile", "show", "vllm"]).contains(&format!("{}/v1", fake.url())));

    // Ad hoc, nothing is saved: the doctor says to add /v1.
    let url = fake.url();
    let adhoc = doctor(data, &["--source", "custom", "--url", &url]);
    assert_eq!(adhoc.code, 0, "{}", adhoc.stdout);
    assert!(
        line(&adhoc, "List the models").contains("add /v1 to the URL"),
        "{}",
        adhoc.stdout
    );
}

#[test]
fn a_pasted_chat_completions_path_is_reported_removed() {
    let fake = Fake::start(FakeOptions::default());
    let dir = TempDir::new().unwrap();
    let url = format!("{}/v1/chat/completions", fake.url());
    let result = doctor(dir.path(), &["--source", "custom", "--url", &url]);
    assert_eq!(result.code, 0, "{}\n{}", result.stdout, result.stderr);
    let step = line(&result, "Normalise the URL");
    assert!(
        step.contains(&format!("{}/v1: removed /chat/completions", fake.url())),
        "{step}"
    );
    assert!(
        step.contains(&format!(
            "Replies are requested at {}/v1/chat/completions",
            fake.url()
        )),
        "{step}"
    );
}

#[test]
fn a_wrong_key_fails_the_model_list_with_the_key_fix_and_exits_4() {
    let fake = Fake::start(FakeOptions {
        api_key: Some("the-right-key-4242".into()),
        ..FakeOptions::default()
    });
    let dir = TempDir::new().unwrap();
    let data = dir.path();
    add_profile(
        data,
        "groq",
        "groq",
        &fake.url(),
        &["--model", "fake-model-1"],
    );
    let key = "gsk-wrong-doctor-key-987";
    set_key(data, "groq", key);
    let result = doctor(data, &["groq"]);
    assert_eq!(result.code, 4, "{}\n{}", result.stdout, result.stderr);
    assert!(line(&result, "Reach the host").starts_with("[ok]"));
    assert!(line(&result, "List the models").starts_with("[FAILED]"));
    assert!(
        result.stdout.contains(
            "Fix: The server refused the key: check that the key saved for this profile is whole"
        ),
        "{}",
        result.stdout
    );
    assert!(
        result.stdout.contains("Keys: From console.groq.com/keys."),
        "{}",
        result.stdout
    );
    assert!(result
        .stdout
        .contains("Save the key with: switchboard-cli key set groq"));
    assert!(line(&result, "Ask for a one-token reply").starts_with("[skipped]"));
    assert!(line(&result, "Ask for a streamed reply").starts_with("[skipped]"));
    assert!(!result.stdout.contains(key) && !result.stderr.contains(key));
}

#[test]
fn an_unknown_model_lists_the_closest_ids() {
    let fake = Fake::start(FakeOptions {
        scenario: Scenario::ModelNotFound,
        ..FakeOptions::default()
    });
    let dir = TempDir::new().unwrap();
    let data = dir.path();
    let url = format!("{}/v1", fake.url());
    add_profile(data, "typo", "custom", &url, &["--model", "fake-modle-2"]);
    let result = doctor(data, &["typo"]);
    assert_eq!(result.code, 6, "{}\n{}", result.stdout, result.stderr);
    assert!(line(&result, "List the models").starts_with("[ok]"));
    assert!(line(&result, "Ask for a one-token reply").starts_with("[FAILED]"));
    assert!(
        result.stdout.contains(
            "Fix: The server does not know the model \"fake-modle-2\". The closest it lists: fake-model-2, fake-model-1."
        ),
        "{}",
        result.stdout
    );
    assert!(result.stdout.contains("--model ID"));
    assert!(line(&result, "Ask for a streamed reply").starts_with("[skipped]"));
}

#[test]
fn a_server_that_cannot_stream_gets_streaming_turned_off() {
    let fake = Fake::start(FakeOptions {
        refuses_streaming: true,
        ..FakeOptions::default()
    });
    let dir = TempDir::new().unwrap();
    let data = dir.path();
    add_profile(data, "whole", "custom", &format!("{}/v1", fake.url()), &[]);
    let result = doctor(data, &["whole"]);
    assert_eq!(result.code, 6, "{}\n{}", result.stdout, result.stderr);
    assert!(line(&result, "Ask for a one-token reply").starts_with("[ok]"));
    let stream = line(&result, "Ask for a streamed reply");
    assert!(stream.starts_with("[FAILED]"), "{stream}");
    assert!(stream.contains("This server cannot stream"), "{stream}");
    assert!(stream.contains(STREAMING_REFUSED), "{stream}");
    assert!(result
        .stdout
        .contains("Fix: Turn streaming off for this profile"));
    assert!(result
        .stdout
        .contains("Turn streaming off with: switchboard-cli profile set whole --no-stream"));

    // Before the fix a chat fails; after it, the same chat is answered whole.
    assert_ne!(run(data, &["chat", "whole", "Hi"]).code, 0);
    let set = ok(data, &["profile", "set", "whole", "--no-stream"]);
    assert!(set.contains("stream replies:      no"), "{set}");
    let again = doctor(data, &["whole"]);
    assert_eq!(again.code, 0, "{}", again.stdout);
    assert!(line(&again, "Ask for a streamed reply").contains("Streaming is off for this profile"));
    let chat = run(data, &["chat", "whole", "Hi"]);
    assert_eq!(chat.code, 0, "{}", chat.stderr);
    assert!(chat.stdout.contains("Hello from the fake server"));
    let last = fake
        .server()
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path.ends_with("/chat/completions"))
        .unwrap();
    assert_ne!(last.json().unwrap()["stream"], true);
    // And back on.
    assert!(ok(data, &["profile", "set", "whole", "--stream"]).contains("stream replies:      yes"));
}

#[test]
fn a_dead_port_says_nothing_is_listening_and_exits_5() {
    let port = dead_port();
    let dir = TempDir::new().unwrap();
    let data = dir.path();
    add_profile(
        data,
        "off",
        "custom",
        &format!("http://127.0.0.1:{port}/v1"),
        &[],
    );
    for json in [false, true] {
        let args: &[&str] = if json { &["off", "--json"] } else { &["off"] };
        let result = doctor(data, args);
        assert_eq!(result.code, 5, "{}\n{}", result.stdout, result.stderr);
        let expected = format!("Nothing is listening on 127.0.0.1:{port}; is the server running?");
        if json {
            let report: Value = serde_json::from_str(&result.stdout).unwrap();
            let reach = &report["steps"][1];
            assert_eq!(reach["outcome"], "failed");
            assert_eq!(reach["detail"], expected.as_str());
            assert_eq!(reach["errorKind"], "network");
            assert!(reach["fix"].as_str().unwrap().contains("Start the server"));
            assert!(report["steps"].as_array().unwrap()[2..]
                .iter()
                .all(|s| s["outcome"] == "skipped"));
        } else {
            assert!(
                line(&result, "Reach the host").contains(&expected),
                "{}",
                result.stdout
            );
            assert!(result
                .stdout
                .contains("Fix: Start the server, or correct the port in the URL."));
            assert!(line(&result, "List the models").starts_with("[skipped]"));
        }
    }
}

#[test]
fn no_secret_reaches_any_output() {
    // The server quotes every header it was sent, and a bad page quotes the URL's credentials.
    let fake = Fake::start(FakeOptions {
        scenario: Scenario::EchoUnauthorized,
        echo_headers: vec!["*".into()],
        ..FakeOptions::default()
    });
    let dir = TempDir::new().unwrap();
    let data = dir.path();
    let key = "sk-doctor-secret-key-31337";
    let header = "hdr-doctor-secret-5150";
    add_profile(
        data,
        "echo",
        "custom",
        &format!("{}/v1", fake.url()),
        &["--header", &format!("X-Team-Token: {header}")],
    );
    set_key(data, "echo", key);
    let password = "urlpass-doctor-secret-77";
    let with_credentials = format!(
        "http://someone:{password}@{}/v1",
        fake.url().trim_start_matches("http://")
    );
    add_profile(data, "basic", "custom", &with_credentials, &[]);
    for args in [
        &["echo"][..],
        &["echo", "--json"],
        &["basic"],
        &["basic", "--json"],
    ] {
        let result = doctor(data, args);
        assert_eq!(
            result.code, 4,
            "{args:?}: {}\n{}",
            result.stdout, result.stderr
        );
        for secret in [key, header, password] {
            assert!(
                !result.stdout.contains(secret) && !result.stderr.contains(secret),
                "{secret} in {args:?}:\n{}\n{}",
                result.stdout,
                result.stderr
            );
        }
        assert!(
            result.stdout.contains("<redacted>"),
            "{args:?}: {}",
            result.stdout
        );
    }
}

#[test]
fn a_proxy_is_named_a_bypassed_check_still_runs_and_a_missing_ca_file_fails_the_reach() {
    let fake = Fake::start(FakeOptions::default());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let proxy = runtime.block_on(FakeProxy::start(0, None)).unwrap();
    let dir = TempDir::new().unwrap();
    let data = dir.path();
    let url = format!("{}/v1", fake.url());
    let proxy_url = proxy.url();
    add_profile(
        data,
        "via",
        "custom",
        &url,
        &["--proxy", &proxy_url, "--bypass-status-check"],
    );
    let result = doctor(data, &["via"]);
    assert_eq!(result.code, 0, "{}\n{}", result.stdout, result.stderr);
    let reach = line(&result, "Reach the host");
    assert!(reach.contains("Requests go through the proxy"), "{reach}");
    assert!(reach.contains(proxy_url.trim_end_matches('/')), "{reach}");
    let models = line(&result, "List the models");
    assert!(
        models.contains("This profile skips the status check when connecting; the doctor ran it."),
        "{models}"
    );
    assert!(
        proxy
            .requests()
            .iter()
            .any(|r| r.target.ends_with("/v1/models")),
        "the status check did not go through the proxy"
    );

    let ca = data.join("extra-ca.pem");
    std::fs::write(&ca, "placeholder").unwrap();
    let ca_path = ca.display().to_string();
    add_profile(data, "ca", "custom", &url, &["--ca-cert", &ca_path]);
    std::fs::remove_file(&ca).unwrap();
    let result = doctor(data, &["ca"]);
    assert_ne!(result.code, 0, "{}", result.stdout);
    let reach = line(&result, "Reach the host");
    assert!(
        reach.starts_with("[FAILED]") && reach.contains("extra-ca.pem"),
        "{reach}"
    );
    assert!(
        result
            .stdout
            .contains("Fix: Check the profile's extra CA certificate files"),
        "{}",
        result.stdout
    );
    assert!(line(&result, "List the models").starts_with("[skipped]"));
    let _guard = runtime.enter();
    drop(proxy);
}
