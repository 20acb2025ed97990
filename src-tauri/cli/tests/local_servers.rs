//! Local servers through their own APIs, from the command line: llama.cpp's own server
//! (`--source llamacpp`: status, models, a streamed reply through `POST /completion`, Stop that
//! the server sees, the server's cut of an over-long prompt told, the dry run), and vLLM and
//! Aphrodite (`--source vllm|aphrodite`: the dry run at their documented host and path, a
//! stream carrying their sampler fields).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{cli, ok, run, run_with_stdin, wait_until, Fake};
use serde_json::Value;
use switchboard_fakes::{FakeOptions, Family, Scenario, REPLY_TEXT};
use tempfile::TempDir;

const MODEL: &str = "qwen2.5-7b-instruct-q4_k_m.gguf";

fn llamacpp(scenario: Scenario, context_length: u32) -> Fake {
    Fake::start(FakeOptions {
        family: Family::LlamaCpp,
        scenario,
        models: vec![MODEL.into()],
        context_length,
        slow_delay: Duration::from_millis(60),
        ..FakeOptions::default()
    })
}

fn add(data: &Path, name: &str, source: &str, url: Option<&str>, extra: &[&str]) {
    let mut args = vec!["profile", "add", name, "--source", source];
    if let Some(url) = url {
        args.extend(["--url", url]);
    }
    args.extend(extra);
    ok(data, &args);
}

#[test]
fn llamacpp_connects_lists_streams_and_dry_runs_its_native_route() {
    let fake = llamacpp(Scenario::Normal, 4096);
    let data = TempDir::new().unwrap();
    let data = data.path();
    add(
        data,
        "llama",
        "llamacpp",
        Some(&fake.url()),
        &["--model", MODEL, "--max-tokens", "200"],
    );
    let status = ok(data, &["status", "llama"]);
    assert!(
        status.contains(&format!(
            "llama.cpp server with {MODEL}, context 4096 tokens"
        )),
        "{status}"
    );
    assert!(ok(data, &["models", "llama"]).contains(MODEL));

    let shown: Value =
        serde_json::from_str(&ok(data, &["chat", "llama", "--dry-run", "hi"])).unwrap();
    assert_eq!(shown["url"], format!("{}/completion", fake.url()));
    assert_eq!(shown["body"]["cache_prompt"], true);
    assert_eq!(shown["body"]["n_predict"], 200);
    assert_eq!(shown["body"]["stream"], true);
    assert!(shown["body"]["prompt"].as_str().unwrap().contains("hi"));
    // The dry run may ask the server's context and count the prompt's tokens, never generate.
    assert!(
        fake.server()
            .requests()
            .iter()
            .all(|r| r.path != "/completion"),
        "the dry run generated"
    );

    let reply = ok(data, &["chat", "llama", "hi"]);
    assert_eq!(reply, format!("{REPLY_TEXT}\n"));
    let sent = fake
        .server()
        .requests()
        .into_iter()
        .rfind(|r| r.method == "POST" && r.path == "/completion")
        .expect("the completion");
    assert_eq!(sent.json().unwrap()["cache_prompt"], true);

    // Chat completion: the server's OpenAI-compatible route.
    add(
        data,
        "llama-chat",
        "llamacpp",
        Some(&fake.url()),
        &["--model", MODEL, "--api", "chat"],
    );
    let shown: Value =
        serde_json::from_str(&ok(data, &["chat", "llama-chat", "--dry-run", "hi"])).unwrap();
    assert_eq!(shown["url"], format!("{}/v1/chat/completions", fake.url()));
    assert_eq!(
        ok(data, &["chat", "llama-chat", "hi"]),
        format!("{REPLY_TEXT}\n")
    );
    let sent = fake
        .server()
        .requests()
        .into_iter()
        .rfind(|r| r.method == "POST")
        .unwrap();
    assert_eq!(sent.path, "/v1/chat/completions");
}

#[test]
fn llamacpp_stop_closes_the_stream_the_server_sees_it() {
    let fake = llamacpp(Scenario::Slow, 4096);
    let data = TempDir::new().unwrap();
    let data = data.path();
    add(
        data,
        "llama",
        "llamacpp",
        Some(&fake.url()),
        &["--model", MODEL],
    );
    let mut child = cli(data)
        .args(["chat", "llama", "tell me"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 2];
    stdout.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"s1", "the reply streams");
    assert!(Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130));
    assert!(String::from_utf8_lossy(&output.stderr).contains("Stopped"));
    wait_until("the server sees Stop", Duration::from_secs(5), || {
        fake.server().streams_closed_early() > 0
    });
}

#[test]
fn llamacpp_cutting_a_prompt_is_told() {
    // The profile claims more context than the server runs with: the server cuts the prompt.
    let fake = llamacpp(Scenario::Normal, 256);
    let data = TempDir::new().unwrap();
    let data = data.path();
    add(
        data,
        "llama",
        "llamacpp",
        Some(&fake.url()),
        &["--model", MODEL, "--context-size", "32768"],
    );
    let long = "word ".repeat(400);
    let result = run(data, &["chat", "llama", &long]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert_eq!(result.stdout, format!("{REPLY_TEXT}\n"));
    assert!(
        result
            .stderr
            .contains("the prompt was longer than the server's context; it cut the start"),
        "{}",
        result.stderr
    );
}

#[test]
fn llamacpp_while_the_model_loads_says_so() {
    let fake = llamacpp(Scenario::Normal, 4096);
    let data = TempDir::new().unwrap();
    let data = data.path();
    add(
        data,
        "llama",
        "llamacpp",
        Some(&fake.url()),
        &["--model", MODEL],
    );
    fake.server().set_scenario(Scenario::Overloaded);
    let result = run(data, &["status", "llama"]);
    assert_ne!(result.code, 0);
    assert!(
        result.stderr.contains("the model is still loading"),
        "{}",
        result.stderr
    );
}

/// Every sampler flag, so the body shows which the source sends.
const ALL_SAMPLERS: &[&str] = &[
    "--max-tokens",
    "50",
    "--temperature",
    "0.7",
    "--top-p",
    "0.9",
    "--top-k",
    "40",
    "--min-p",
    "0.05",
    "--repetition-penalty",
    "1.1",
    "--repetition-penalty-range",
    "256",
    "--typical-p",
    "0.95",
    "--tfs",
    "0.9",
    "--top-a",
    "0.1",
    "--seed",
    "7",
];

fn sampler_fields(body: &Value) -> Vec<String> {
    let fields = [
        "max_tokens",
        "temperature",
        "top_p",
        "top_k",
        "min_p",
        "repetition_penalty",
        "repetition_penalty_range",
        "typical_p",
        "tfs",
        "top_a",
        "seed",
    ];
    fields
        .iter()
        .filter(|f| body.get(**f).is_some())
        .map(|f| (*f).to_owned())
        .collect()
}

#[test]
fn vllm_and_aphrodite_dry_run_at_their_hosts_and_stream_their_samplers() {
    let data = TempDir::new().unwrap();
    let data = data.path();
    let vllm: &[&str] = &[
        "max_tokens",
        "temperature",
        "top_p",
        "top_k",
        "min_p",
        "repetition_penalty",
        "seed",
    ];
    let aphrodite: &[&str] = &[
        "max_tokens",
        "temperature",
        "top_p",
        "top_k",
        "min_p",
        "repetition_penalty",
        "typical_p",
        "tfs",
        "top_a",
        "seed",
    ];
    for (source, host, expected) in [
        ("vllm", "http://127.0.0.1:8000", vllm),
        ("aphrodite", "http://127.0.0.1:2242", aphrodite),
    ] {
        let mut extra = vec!["--model", "m", "--bypass-status-check"];
        extra.extend(ALL_SAMPLERS);
        add(data, source, source, None, &extra);
        let key = run_with_stdin(data, &["key", "set", source], "local-key-1\n");
        assert_eq!(key.code, 0, "{}", key.stderr);
        let shown = ok(data, &["chat", source, "--dry-run", "hi"]);
        assert!(!shown.contains("local-key-1"), "{shown}");
        let shown: Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(shown["url"], format!("{host}/v1/completions"), "{source}");
        assert_eq!(
            shown["headers"]["authorization"], "Bearer <redacted>",
            "{source}"
        );
        assert_eq!(sampler_fields(&shown["body"]), expected, "{source}");

        // Against the OpenAI-compatible fake: the stream and the fields it received.
        let fake = Fake::start(FakeOptions::default());
        let name = format!("{source}-fake");
        let mut extra = vec!["--model", "fake-model-1"];
        extra.extend(ALL_SAMPLERS);
        add(data, &name, source, Some(&fake.url()), &extra);
        assert_eq!(ok(data, &["chat", &name, "hi"]), format!("{REPLY_TEXT}\n"));
        let sent = fake
            .server()
            .requests()
            .into_iter()
            .rfind(|r| r.method == "POST")
            .unwrap();
        assert_eq!(sent.path, "/v1/completions", "{source}");
        assert_eq!(sampler_fields(&sent.json().unwrap()), expected, "{source}");
        if source == "aphrodite" {
            assert_eq!(shown["headers"]["x-api-key"], "<redacted>");
        }
    }
}
