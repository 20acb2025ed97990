//! Ollama through the real CLI binary against its fake: a profile connects, lists the models,
//! streams chat and text completion, stops on Ctrl-C; `--dry-run` shows `/api/chat` and
//! `/api/generate` (raw) with `options.num_ctx`. Auto-detect finds Ollama and llama.cpp's own
//! server, names a keyed server "needs a key", and probes a port the person added.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{cli, ok, run, wait_until, Fake};
use switchboard_fakes::{
    slow_reply_text, Dialect, FakeOptions, Family, Scenario, OLLAMA_VERSION, REASONING_TEXT,
    REPLY_TEXT,
};
use tempfile::TempDir;

fn ollama_fake(scenario: Scenario) -> Fake {
    Fake::start(FakeOptions {
        family: Family::Ollama,
        scenario,
        slow_delay: Duration::from_millis(100),
        models: vec!["llama3.2".into(), "qwen3:8b".into()],
        ..FakeOptions::default()
    })
}

fn port_of(fake: &Fake) -> u16 {
    fake.server().addr().port()
}

#[test]
fn a_profile_connects_lists_models_streams_and_dry_runs() {
    let fake = ollama_fake(Scenario::Normal);
    let data = TempDir::new().unwrap();
    let data = data.path();
    let url = fake.url();
    ok(
        data,
        &[
            "profile",
            "add",
            "llama",
            "--source",
            "ollama",
            "--url",
            &url,
            "--model",
            "llama3.2:latest",
            "--context-size",
            "8192",
            "--keep-alive",
            "10m",
        ],
    );
    ok(
        data,
        &[
            "profile",
            "add",
            "raw",
            "--source",
            "ollama",
            "--url",
            &url,
            "--model",
            "llama3.2:latest",
            "--api",
            "text",
            "--template",
            "chatml",
        ],
    );
    let connected = run(data, &["status", "llama"]);
    assert_eq!(connected.code, 0, "{}", connected.stderr);
    let said = format!("{}{}", connected.stdout, connected.stderr);
    assert!(
        said.contains(&format!("Ollama {OLLAMA_VERSION} with 2 models")),
        "{said}"
    );
    let models = ok(data, &["models", "llama"]);
    assert!(
        models.contains("llama3.2:latest") && models.contains("qwen3:8b"),
        "{models}"
    );

    // The dry runs: the documented host and paths, the options, sent nowhere.
    fake.server().clear_requests();
    let chat: serde_json::Value =
        serde_json::from_str(&ok(data, &["chat", "llama", "--dry-run", "hi"])).unwrap();
    assert_eq!(chat["url"], format!("{url}/api/chat"));
    assert_eq!(chat["body"]["options"]["num_ctx"], 8192, "{chat}");
    assert_eq!(chat["body"]["messages"][0]["content"], "hi");
    assert_eq!(chat["body"]["keep_alive"], "10m", "{chat}");
    let text: serde_json::Value =
        serde_json::from_str(&ok(data, &["chat", "raw", "--dry-run", "hi"])).unwrap();
    assert_eq!(text["url"], format!("{url}/api/generate"));
    assert_eq!(text["body"]["raw"], true, "{text}");
    assert!(text["body"].get("keep_alive").is_none(), "{text}");
    assert!(text["body"]["prompt"]
        .as_str()
        .unwrap()
        .contains("<|im_start|>user\nhi"));
    // No size set: the size assumed for a local server, said outright.
    assert_eq!(text["body"]["options"]["num_ctx"], 4096, "{text}");
    assert!(
        fake.server().requests().iter().all(|r| r.method == "GET"),
        "a dry run sent a generation"
    );

    // For real: chat streams, text completion streams, reasoning is shown.
    assert_eq!(
        ok(data, &["chat", "llama", "hi"]),
        format!("{REPLY_TEXT}\n")
    );
    assert_eq!(ok(data, &["chat", "raw", "hi"]), format!("{REPLY_TEXT}\n"));
    let sent = fake.server().requests();
    let generate = sent
        .iter()
        .rev()
        .find(|r| r.path == "/api/generate")
        .unwrap();
    assert_eq!(generate.json().unwrap()["options"]["num_ctx"], 4096);
    fake.server().set_scenario(Scenario::Reasoning);
    let thought = run(data, &["chat", "llama", "think first"]);
    assert_eq!(thought.code, 0, "{}", thought.stderr);
    assert!(
        format!("{}{}", thought.stdout, thought.stderr).contains(REASONING_TEXT),
        "{}{}",
        thought.stdout,
        thought.stderr
    );
    // An unknown model is explained.
    fake.server().set_scenario(Scenario::ModelNotFound);
    let missing = run(data, &["chat", "llama", "hi"]);
    assert_ne!(missing.code, 0);
    assert!(
        missing.stderr.contains("Pull it on the server first"),
        "{}",
        missing.stderr
    );
}

#[test]
fn ctrl_c_stops_the_reply_by_closing_the_connection() {
    let fake = ollama_fake(Scenario::Slow);
    let data = TempDir::new().unwrap();
    let data = data.path();
    ok(
        data,
        &[
            "profile",
            "add",
            "slow",
            "--source",
            "ollama",
            "--url",
            &fake.url(),
            "--model",
            "llama3.2",
        ],
    );
    let mut child = cli(data)
        .args(["chat", "slow", "tell me a long story"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = String::new();
    let mut byte = [0u8; 1];
    let deadline = Instant::now() + Duration::from_secs(20);
    while !seen.contains("s3 ") && Instant::now() < deadline {
        if stdout.read(&mut byte).unwrap() == 0 {
            break;
        }
        seen.push(byte[0] as char);
    }
    assert!(seen.contains("s3 "), "{seen:?}");
    assert_eq!(fake.server().ollama_open_streams(), 1);
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    assert_eq!(child.wait().unwrap().code(), Some(130));
    // The stream was closed long before its 10 s were up.
    wait_until("the fake's stream to close", Duration::from_secs(3), || {
        fake.server().ollama_open_streams() == 0
    });
    let content: String = rusqlite::Connection::open(data.join("switchboard.db"))
        .unwrap()
        .query_row(
            "SELECT content FROM messages WHERE role = 'assistant' AND state = 'stopped'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        slow_reply_text().starts_with(&content) && content.contains("s3 "),
        "{content:?}"
    );
}

#[test]
fn detect_proposes_the_native_sources_and_names_a_keyed_server() {
    let data = TempDir::new().unwrap();
    let data = data.path();
    let ollama = ollama_fake(Scenario::Normal);
    let llama = Fake::start(FakeOptions {
        dialect: Dialect::LlamaCpp,
        context_limit: Some(4096),
        ..FakeOptions::default()
    });
    let keyed = Fake::start(FakeOptions {
        api_key: Some("sk-keyed".into()),
        ..FakeOptions::default()
    });
    let (o, l, k) = (port_of(&ollama), port_of(&llama), port_of(&keyed));
    let out = ok(data, &["detect", "--ports", &format!("{o},{l},{k}")]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        format!("ollama\thttp://127.0.0.1:{o}\t{OLLAMA_VERSION}\tllama3.2:latest,qwen3:8b")
    );
    assert!(
        lines[1].starts_with(&format!("llamacpp\thttp://127.0.0.1:{l}\t")),
        "{out}"
    );
    assert_eq!(
        lines[2],
        format!("custom\thttp://127.0.0.1:{k}/v1\t-\t-\tneeds a key")
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(data, &["detect", "--ports", &format!("{k}"), "--json"])).unwrap();
    assert_eq!(json[0]["needsKey"], true);
    assert_eq!(json[0]["summary"], "OpenAI-compatible server (needs a key)");
    // Saved, it says the key is needed and how to give it.
    let saved = run(data, &["detect", "--ports", &format!("{k}"), "--save"]);
    assert_eq!(saved.code, 0, "{}", saved.stderr);
    assert!(saved.stderr.contains("needs a key"), "{}", saved.stderr);
}

#[test]
fn an_added_port_is_probed_and_remembered() {
    let data = TempDir::new().unwrap();
    let data = data.path();
    let ollama = ollama_fake(Scenario::Normal);
    let port = port_of(&ollama).to_string();
    let found = ok(data, &["detect", "--port", &port, "--json"]);
    let found: serde_json::Value = serde_json::from_str(&found).unwrap();
    let ours: Vec<&serde_json::Value> = found
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["url"] == format!("http://127.0.0.1:{port}"))
        .collect();
    assert_eq!(ours.len(), 1, "{found}");
    assert_eq!(ours[0]["source"], "ollama");
    // Remembered: a plain `detect` probes it again.
    ollama.server().clear_requests();
    let again = ok(data, &["detect"]);
    assert!(
        again.contains(&format!("ollama\thttp://127.0.0.1:{port}\t")),
        "{again}"
    );
    assert!(!ollama.server().requests().is_empty());
}
