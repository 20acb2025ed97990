//! The text-completion services (Together AI, Infermatic AI, DreamGen, Featherless AI, Hugging
//! Face Inference Endpoints, and OpenRouter with `--api text`) and the `single` post-processing
//! mode from the command line: the real binary, the OpenAI fake on loopback, a real SQLite
//! database and the system keychain.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{cli, ok, run, run_with_stdin, Fake};
use switchboard_fakes::{
    slow_reply_text, Dialect, FakeOptions, Scenario, REPLY_TEXT, TOGETHER_CONTEXT_LENGTH,
};
use tempfile::TempDir;

/// Every sampler the command line can set, each to a value no service changes.
const SAMPLER_FLAGS: &[&str] = &[
    "--max-tokens",
    "100",
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
    "--stop",
    "###",
];

struct Service {
    source: &'static str,
    /// `--api text` for a source whose default is chat.
    api_text: bool,
    /// Where the vendor documents its text completions.
    endpoint: &'static str,
    /// The body's keys with [`SAMPLER_FLAGS`] set.
    keys: &'static [&'static str],
    /// The path under the fake's address that stands for the vendor's base URL.
    base_path: &'static str,
    dialect: Dialect,
}

const SERVICES: &[Service] = &[
    Service {
        source: "togetherai",
        api_text: false,
        endpoint: "https://api.together.xyz/v1/completions",
        keys: &[
            "max_tokens",
            "temperature",
            "top_p",
            "top_k",
            "min_p",
            "repetition_penalty",
            "stop",
            "stream_options",
        ],
        base_path: "/v1",
        dialect: Dialect::Together,
    },
    Service {
        source: "infermaticai",
        api_text: false,
        endpoint: "https://api.totalgpt.ai/v1/completions",
        keys: &[
            "max_tokens",
            "temperature",
            "top_p",
            "top_k",
            "min_p",
            "repetition_penalty",
            "seed",
            "stop",
            "stream_options",
        ],
        base_path: "/v1",
        dialect: Dialect::OpenAi,
    },
    Service {
        source: "dreamgen",
        api_text: false,
        endpoint: "https://dreamgen.com/api/openai/v1/completions",
        keys: &[
            "max_tokens",
            "temperature",
            "top_p",
            "top_k",
            "min_p",
            "repetition_penalty",
            "stop",
            "stream_options",
        ],
        base_path: "/api/openai/v1",
        dialect: Dialect::OpenAi,
    },
    Service {
        source: "featherless",
        api_text: false,
        endpoint: "https://api.featherless.ai/v1/completions",
        keys: &[
            "max_tokens",
            "temperature",
            "top_p",
            "top_k",
            "min_p",
            "repetition_penalty",
            "seed",
            "stop",
            "stream_options",
        ],
        base_path: "/v1",
        dialect: Dialect::OpenAi,
    },
    Service {
        source: "huggingface",
        api_text: false,
        endpoint: "https://example.endpoints.huggingface.cloud/v1/completions",
        keys: &[
            "max_tokens",
            "temperature",
            "top_p",
            "repetition_penalty",
            "seed",
            "stop",
        ],
        base_path: "/v1",
        dialect: Dialect::OpenAi,
    },
    Service {
        source: "openrouter",
        api_text: true,
        endpoint: "https://openrouter.ai/api/v1/completions",
        keys: &[
            "max_tokens",
            "temperature",
            "top_p",
            "top_k",
            "min_p",
            "repetition_penalty",
            "top_a",
            "seed",
            "stop",
            "stream_options",
        ],
        base_path: "/api/v1",
        dialect: Dialect::OpenAi,
    },
];

/// `profile add p --source S [--api text] --model fake-model-1 …`, with `extra` after.
fn add_profile(data: &Path, service: &Service, extra: &[&str]) {
    let mut args = vec![
        "profile",
        "add",
        "p",
        "--source",
        service.source,
        "--model",
        "fake-model-1",
        "--template",
        "alpaca",
    ];
    if service.api_text {
        args.extend(["--api", "text"]);
    }
    args.extend(extra);
    ok(data, &args);
}

fn set_key(data: &Path, key: &str) {
    let set = run_with_stdin(data, &["key", "set", "p"], &format!("{key}\n"));
    assert_eq!(set.code, 0, "{}", set.stderr);
}

/// `--dry-run` shows each request going to the vendor's documented host and path, with the
/// prompt (no messages), the key redacted, and only the samplers that service accepts.
#[test]
fn dry_run_goes_to_each_vendors_host_with_only_its_samplers() {
    for service in SERVICES {
        let data = TempDir::new().unwrap();
        let data = data.path();
        // A context size of its own: the dry run asks the service nothing.
        let mut extra = vec!["--context-size", "8192"];
        extra.extend(SAMPLER_FLAGS);
        add_profile(data, service, &extra);
        set_key(data, "sk-text-service-dry");
        let shown = ok(data, &["chat", "p", "--dry-run", "hello"]);
        assert!(!shown.contains("sk-text-service-dry"), "{shown}");
        let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
        let id = service.source;
        assert_eq!(shown["url"], service.endpoint, "{id}");
        assert_eq!(
            shown["headers"]["authorization"], "Bearer <redacted>",
            "{id}"
        );
        let body = shown["body"].as_object().unwrap();
        assert_eq!(
            body["prompt"], "### Instruction:\nhello\n\n### Response:\n",
            "{id}"
        );
        assert_eq!(body["model"], "fake-model-1", "{id}");
        assert_eq!(body["stream"], true, "{id}");
        let keys: BTreeSet<&str> = body
            .keys()
            .map(String::as_str)
            .filter(|k| !["model", "prompt", "stream"].contains(k))
            .collect();
        let wanted: BTreeSet<&str> = service.keys.iter().copied().collect();
        assert_eq!(keys, wanted, "{id}");
    }
}

/// Each service from profile to streamed reply against the OpenAI fake's text completions:
/// status, model list (Together's bare array with its context lengths), the prompt sent to
/// `…/completions` with the key, and Ctrl-C stopping a reply (the partial text kept, marked
/// stopped).
#[test]
fn each_service_connects_lists_models_streams_and_stops() {
    for service in SERVICES {
        let id = service.source;
        let key = format!("key-{id}");
        let fake = Fake::start(FakeOptions {
            dialect: service.dialect,
            api_key: Some(key.clone()),
            ..FakeOptions::default()
        });
        let data = TempDir::new().unwrap();
        let data = data.path();
        let url = format!("{}{}", fake.url(), service.base_path);
        add_profile(data, service, &["--url", &url, "--system", "Be brief."]);
        let refused = run(data, &["chat", "p", "hello"]);
        assert_ne!(refused.code, 0, "{id}: no key yet");
        set_key(data, &key);

        let status = run(data, &["status", "p"]);
        assert_eq!(status.code, 0, "{id}: {}", status.stderr);
        let models = ok(data, &["models", "p"]);
        let ids: Vec<&str> = models
            .lines()
            .map(|l| l.split('\t').next().unwrap())
            .collect();
        assert_eq!(ids, ["fake-model-1", "fake-model-2"], "{id}: {models}");
        if service.dialect == Dialect::Together {
            let tokens = format!("\t{TOGETHER_CONTEXT_LENGTH} tokens");
            assert!(
                models.lines().all(|l| l.contains(&tokens)),
                "{id}: {models}"
            );
        }

        let reply = ok(data, &["chat", "p", "hello"]);
        assert_eq!(reply, format!("{REPLY_TEXT}\n"), "{id}");
        let sent = fake
            .server()
            .requests()
            .into_iter()
            .rev()
            .find(|r| r.method == "POST")
            .unwrap_or_else(|| panic!("{id}: nothing generated"));
        assert_eq!(
            sent.path,
            format!("{}/completions", service.base_path),
            "{id}"
        );
        assert_eq!(
            sent.header("authorization"),
            Some(format!("Bearer {key}").as_str()),
            "{id}"
        );
        let body = sent.json().unwrap();
        assert_eq!(
            body["prompt"], "Be brief.\n\n### Instruction:\nhello\n\n### Response:\n",
            "{id}"
        );
        assert!(body.get("messages").is_none(), "{id}: {body}");

        stop_a_reply(data, &fake, id);
    }
}

/// Starts a slow reply, waits for its third piece, sends Ctrl-C: the CLI ends with 130 and the
/// partial reply is kept, marked stopped.
fn stop_a_reply(data: &Path, fake: &Fake, id: &str) {
    fake.server().set_scenario(Scenario::Slow);
    let mut child = cli(data)
        .args(["chat", "p", "tell me a long story"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = String::new();
    let mut byte = [0u8; 1];
    while !seen.contains("s3 ") && Instant::now() < deadline {
        if stdout.read(&mut byte).unwrap() == 0 {
            break;
        }
        seen.push(byte[0] as char);
    }
    assert!(seen.contains("s3 "), "{id}: {seen:?}");
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    assert_eq!(child.wait().unwrap().code(), Some(130), "{id}");
    let (content, state): (String, String) =
        rusqlite::Connection::open(data.join("switchboard.db"))
            .unwrap()
            .query_row(
                "SELECT content, state FROM messages WHERE role = 'assistant' \
                 ORDER BY created_at DESC, seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
    assert_eq!(state, "stopped", "{id}");
    assert!(
        slow_reply_text().starts_with(&content) && content.contains("s3 "),
        "{id}: {content:?}"
    );
    fake.server().set_scenario(Scenario::Normal);
}

/// The sources are listed, supported, in the text-completion group; OpenRouter serves text too.
#[test]
fn providers_lists_the_text_services() {
    let data = TempDir::new().unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&ok(data.path(), &["providers", "--json"])).unwrap();
    for service in SERVICES {
        let entry = json
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == service.source)
            .unwrap_or_else(|| panic!("{} missing", service.source));
        assert_eq!(entry["supported"], true, "{}", service.source);
        let api = if service.api_text {
            &entry["capabilities"]["otherApi"]
        } else {
            assert_eq!(entry["group"], "textService", "{}", service.source);
            &entry["capabilities"]["api"]
        };
        assert_eq!(api, "textCompletion", "{}", service.source);
    }
}

/// A profile with `--post-processing single` sends a chat-completion server the whole
/// conversation (system prompt, earlier turns, the new message) as one user message.
#[test]
fn single_post_processing_sends_one_user_message() {
    let fake = Fake::start(FakeOptions::default());
    let data = TempDir::new().unwrap();
    let data = data.path();
    ok(
        data,
        &[
            "profile",
            "add",
            "one",
            "--source",
            "custom",
            "--url",
            &fake.url(),
            "--model",
            "fake-model-1",
            "--system",
            "Be brief.",
            "--post-processing",
            "single",
        ],
    );
    let shown = ok(data, &["profile", "show", "one"]);
    assert!(shown.contains("post-processing:     single"), "{shown}");
    ok(data, &["chat", "one", "hello"]);
    let chat_id: String = rusqlite::Connection::open(data.join("switchboard.db"))
        .unwrap()
        .query_row("SELECT id FROM chats", [], |r| r.get(0))
        .unwrap();
    let reply = ok(data, &["chat", "one", "--chat", &chat_id, "and then?"]);
    assert_eq!(reply, format!("{REPLY_TEXT}\n"));
    let sent = fake
        .server()
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path.ends_with("/chat/completions"))
        .unwrap();
    let body = sent.json().unwrap();
    assert_eq!(
        body["messages"],
        serde_json::json!([{
            "role": "user",
            "content": format!("Be brief.\n\nhello\n\n{REPLY_TEXT}\n\nand then?"),
        }])
    );
}
