//! The OpenAI-compatible clouds and Azure OpenAI from the command line: each dry run goes to
//! the vendor's documented host and path, and each family variant connects to its fake, lists
//! models, streams and stops (the real binary, a real fake server, the real keychain inside the
//! test command's private D-Bus session).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{cli, ok, run, run_with_stdin, Fake};
use serde_json::Value;
use switchboard_fakes::{
    Dialect, FakeOptions, Scenario, AZURE_FILTERED_WORD, REASONING_TEXT, REPLY_TEXT,
    STREAM_OPTIONS_REFUSED,
};
use tempfile::TempDir;

/// Each cloud: its id, the URL its profile is given (`None`: the default), the chat URL its
/// documentation names, and whether `stream_options.include_usage` is sent.
const CLOUDS: &[(&str, Option<&str>, &str, bool)] = &[
    (
        "deepseek",
        None,
        "https://api.deepseek.com/chat/completions",
        true,
    ),
    ("xai", None, "https://api.x.ai/v1/chat/completions", true),
    (
        "groq",
        None,
        "https://api.groq.com/openai/v1/chat/completions",
        true,
    ),
    (
        "perplexity",
        None,
        "https://api.perplexity.ai/chat/completions",
        false,
    ),
    (
        "fireworks",
        None,
        "https://api.fireworks.ai/inference/v1/chat/completions",
        false,
    ),
    (
        "moonshot",
        None,
        "https://api.moonshot.ai/v1/chat/completions",
        false,
    ),
    (
        "zai",
        None,
        "https://api.z.ai/api/paas/v4/chat/completions",
        false,
    ),
    (
        "zai",
        Some("https://api.z.ai/api/coding/paas/v4"),
        "https://api.z.ai/api/coding/paas/v4/chat/completions",
        false,
    ),
    (
        "minimax",
        None,
        "https://api.minimax.io/v1/chat/completions",
        false,
    ),
    (
        "siliconflow",
        None,
        "https://api.siliconflow.com/v1/chat/completions",
        false,
    ),
    (
        "ai21",
        None,
        "https://api.ai21.com/studio/v1/chat/completions",
        false,
    ),
    (
        "nanogpt",
        None,
        "https://nano-gpt.com/api/v1/chat/completions",
        false,
    ),
    (
        "electronhub",
        None,
        "https://api.electronhub.ai/v1/chat/completions",
        false,
    ),
    (
        "chutes",
        None,
        "https://llm.chutes.ai/v1/chat/completions",
        true,
    ),
    (
        "aimlapi",
        None,
        "https://api.aimlapi.com/v1/chat/completions",
        false,
    ),
    (
        "pollinations",
        None,
        "https://text.pollinations.ai/openai/chat/completions",
        false,
    ),
    (
        "workers_ai",
        Some("https://api.cloudflare.com/client/v4/accounts/0123abcd/ai/v1"),
        "https://api.cloudflare.com/client/v4/accounts/0123abcd/ai/v1/chat/completions",
        false,
    ),
];

fn set_key(data: &Path, profile: &str, key: &str) {
    let set = run_with_stdin(data, &["key", "set", profile], &format!("{key}\n"));
    assert_eq!(set.code, 0, "{}", set.stderr);
}

fn dry_run(data: &Path, profile: &str) -> Value {
    let shown = ok(data, &["chat", profile, "--dry-run", "hi"]);
    assert!(!shown.contains("k-secret-42"), "{shown}");
    serde_json::from_str(&shown).unwrap()
}

#[test]
fn every_cloud_is_listed_as_supported() {
    let data = TempDir::new().unwrap();
    let listed: Value = serde_json::from_str(&ok(data.path(), &["providers", "--json"])).unwrap();
    for id in CLOUDS.iter().map(|c| c.0).chain(["azure_openai"]) {
        let source = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap_or_else(|| panic!("{id} not listed"));
        assert_eq!(source["supported"], true, "{id}");
        assert_eq!(source["group"], "cloudChat", "{id}");
        assert!(!source["keyNote"].as_str().unwrap().is_empty(), "{id}");
    }
}

#[test]
fn each_clouds_dry_run_goes_to_its_documented_host_and_path() {
    let data = TempDir::new().unwrap();
    let data = data.path();
    for (i, (id, url, chat_url, usage)) in CLOUDS.iter().enumerate() {
        let name = format!("c{i}");
        let mut args = vec!["profile", "add", &name, "--source", id, "--model", "m-1"];
        if let Some(url) = url {
            args.extend(["--url", url]);
        }
        ok(data, &args);
        set_key(data, &name, "k-secret-42");
        let shown = dry_run(data, &name);
        assert_eq!(shown["url"], *chat_url, "{id}");
        assert_eq!(
            shown["headers"]["authorization"], "Bearer <redacted>",
            "{id}"
        );
        assert_eq!(shown["body"]["model"], "m-1", "{id}");
        assert_eq!(shown["body"]["stream"], true, "{id}");
        assert_eq!(
            shown["body"]["stream_options"]["include_usage"] == true,
            *usage,
            "{id}: {}",
            shown["body"]
        );
    }
}

#[test]
fn workers_ai_refuses_its_url_until_the_account_id_is_in_it() {
    let data = TempDir::new().unwrap();
    let data = data.path();
    ok(
        data,
        &[
            "profile",
            "add",
            "cf",
            "--source",
            "workers_ai",
            "--model",
            "@cf/m",
        ],
    );
    set_key(data, "cf", "k-secret-42");
    let refused = run(data, &["chat", "cf", "--dry-run", "hi"]);
    assert_ne!(refused.code, 0);
    assert!(refused.stderr.contains("ACCOUNT_ID"), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("Cloudflare account id"),
        "{}",
        refused.stderr
    );
}

/// `profile set` changes a source's own choices on a saved profile (only those given) and
/// refuses one the source does not offer, changing nothing.
#[test]
fn profile_set_changes_the_route_of_a_saved_azure_profile() {
    let data = TempDir::new().unwrap();
    let data = data.path();
    let resource = "https://my-res.openai.azure.com";
    ok(
        data,
        &[
            "profile",
            "add",
            "az",
            "--source",
            "azure_openai",
            "--url",
            resource,
            "--model",
            "gpt-4o-prod",
        ],
    );
    set_key(data, "az", "k-secret-42");
    ok(
        data,
        &[
            "profile",
            "set",
            "az",
            "--azure-route",
            "deployments",
            "--azure-api-version",
            "2025-04-01-preview",
        ],
    );
    let pinned = dry_run(data, "az");
    assert_eq!(
        pinned["url"],
        format!("{resource}/openai/deployments/gpt-4o-prod/chat/completions?api-version=2025-04-01-preview")
    );
    // Only the flag given changes: the version stays.
    ok(data, &["profile", "set", "az", "--azure-route", "v1"]);
    ok(
        data,
        &["profile", "set", "az", "--azure-route", "deployments"],
    );
    let shown = ok(data, &["profile", "show", "az"]);
    assert!(
        shown.contains("deployments (api-version 2025-04-01-preview)"),
        "{shown}"
    );
    let refused = run(data, &["profile", "set", "az", "--keep-alive", "10m"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("--keep-alive is for ollama profiles, not azure_openai."),
        "{}",
        refused.stderr
    );
    assert_eq!(ok(data, &["profile", "show", "az"]), shown);
}

#[test]
fn azure_dry_runs_show_both_routes() {
    let data = TempDir::new().unwrap();
    let data = data.path();
    let resource = "https://my-res.openai.azure.com";
    ok(
        data,
        &[
            "profile",
            "add",
            "az1",
            "--source",
            "azure_openai",
            "--url",
            resource,
            "--model",
            "gpt-4o-prod",
        ],
    );
    ok(
        data,
        &[
            "profile",
            "add",
            "az2",
            "--source",
            "azure_openai",
            "--url",
            resource,
            "--model",
            "gpt-4o-prod",
            "--azure-route",
            "deployments",
            "--azure-api-version",
            "2025-04-01-preview",
        ],
    );
    ok(
        data,
        &[
            "profile",
            "add",
            "az3",
            "--source",
            "azure_openai",
            "--url",
            resource,
            "--model",
            "gpt-4o-prod",
            "--azure-route",
            "deployments",
        ],
    );
    for name in ["az1", "az2", "az3"] {
        set_key(data, name, "k-secret-42");
    }
    let v1 = dry_run(data, "az1");
    assert_eq!(v1["url"], format!("{resource}/openai/v1/chat/completions"));
    assert_eq!(v1["headers"]["api-key"], "<redacted>");
    assert!(v1["headers"].get("authorization").is_none(), "{v1}");
    assert_eq!(v1["body"]["model"], "gpt-4o-prod");
    let pinned = dry_run(data, "az2");
    assert_eq!(
        pinned["url"],
        format!(
            "{resource}/openai/deployments/gpt-4o-prod/chat/completions?api-version=2025-04-01-preview"
        )
    );
    assert_eq!(pinned["headers"]["api-key"], "<redacted>");
    assert!(pinned["body"].get("model").is_none(), "{pinned}");
    let default = dry_run(data, "az3");
    assert_eq!(
        default["url"],
        format!(
            "{resource}/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21"
        )
    );
    let shown = ok(data, &["profile", "show", "az2"]);
    assert!(
        shown.contains("azure route:         deployments (api-version 2025-04-01-preview)"),
        "{shown}"
    );
    let wrong = run(
        data,
        &[
            "profile",
            "add",
            "x",
            "--source",
            "groq",
            "--azure-route",
            "v1",
        ],
    );
    assert_eq!(wrong.code, 2, "{}", wrong.stderr);
}

/// Sends `chat NAME` against a slow stream, interrupts it once reply text arrived, and checks
/// the partial reply is kept, stopped.
fn stop_mid_stream(data: &Path, name: &str) {
    let mut child = cli(data)
        .args(["chat", name, "tell me a long story"])
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
    assert!(seen.contains("s3 "), "{name}: {seen:?}");
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    assert_eq!(child.wait().unwrap().code(), Some(130), "{name}");
    let state: String = rusqlite::Connection::open(data.join("switchboard.db"))
        .unwrap()
        .query_row(
            "SELECT state FROM messages WHERE role = 'assistant' ORDER BY created_at DESC, seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(state, "stopped", "{name}");
}

/// Every cloud, with a profile pointed at the OpenAI fake: the status check passes, the model
/// list is read where the vendor has one, a reply streams, and Stop keeps the text so far.
/// (Workers AI and Azure OpenAI, whose URLs and routes differ, have tests of their own.)
#[test]
fn every_cloud_connects_lists_its_models_streams_and_stops() {
    let fake = Fake::start(FakeOptions {
        api_key: Some("k-cloud".into()),
        slow_delay: Duration::from_millis(60),
        ..FakeOptions::default()
    });
    let mut ids: Vec<&str> = CLOUDS.iter().map(|(id, ..)| *id).collect();
    ids.dedup();
    ids.retain(|id| *id != "workers_ai");
    for id in ids {
        let data = TempDir::new().unwrap();
        let data = data.path();
        ok(
            data,
            &[
                "profile",
                "add",
                "c",
                "--source",
                id,
                "--url",
                &fake.url(),
                "--model",
                "fake-model-1",
            ],
        );
        set_key(data, "c", "k-cloud");
        fake.server().set_scenario(Scenario::Normal);
        let status = run(data, &["status", "c"]);
        assert_eq!(status.code, 0, "{id}: {}", status.stderr);
        let listed = run(data, &["models", "c"]);
        let info = switchboard_core::catalogue::SOURCES
            .iter()
            .find(|s| s.id == id)
            .unwrap();
        if info.capabilities.model_list {
            assert_eq!(listed.code, 0, "{id}: {}", listed.stderr);
            assert!(
                listed.stdout.contains("fake-model-1"),
                "{id}: {}",
                listed.stdout
            );
        }
        let reply = run(data, &["chat", "c", "hello"]);
        assert_eq!(reply.code, 0, "{id}: {}", reply.stderr);
        assert!(reply.stdout.contains(REPLY_TEXT), "{id}: {}", reply.stdout);
        fake.server().set_scenario(Scenario::Slow);
        stop_mid_stream(data, "c");
    }
}

#[test]
fn deepseek_connects_lists_streams_reasoning_and_stops() {
    let fake = Fake::start(FakeOptions {
        api_key: Some("k-deep".into()),
        models: vec!["deepseek-chat".into(), "deepseek-reasoner".into()],
        slow_delay: Duration::from_millis(60),
        ..FakeOptions::default()
    });
    let data = TempDir::new().unwrap();
    let data = data.path();
    ok(
        data,
        &[
            "profile",
            "add",
            "ds",
            "--source",
            "deepseek",
            "--url",
            &fake.url(),
            "--model",
            "deepseek-chat",
        ],
    );
    set_key(data, "ds", "k-deep");
    let status = ok(data, &["status", "ds"]);
    assert!(status.contains("2 models"), "{status}");
    assert_eq!(
        ok(data, &["models", "ds"]),
        "deepseek-chat\ndeepseek-reasoner\n"
    );
    fake.server().set_scenario(Scenario::Reasoning);
    let thought = run(
        data,
        &["chat", "ds", "--model", "deepseek-reasoner", "think"],
    );
    assert_eq!(thought.code, 0, "{}", thought.stderr);
    let all = format!("{}{}", thought.stdout, thought.stderr);
    assert!(all.contains(REASONING_TEXT), "{all}");
    assert!(thought.stdout.contains(REPLY_TEXT), "{}", thought.stdout);
    let sent = fake.server().requests();
    let chat = sent
        .iter()
        .rev()
        .find(|r| r.path == "/chat/completions")
        .unwrap();
    assert_eq!(
        chat.json().unwrap()["stream_options"]["include_usage"],
        true
    );
    assert!(chat.json().unwrap().get("seed").is_none());
    fake.server().set_scenario(Scenario::Slow);
    stop_mid_stream(data, "ds");
}

/// `stream_options` is a flavor flag: a server that refuses it answers the flavor that sends it
/// with its 400, and serves the flavor that does not.
#[test]
fn include_usage_is_sent_only_where_the_vendor_takes_it() {
    let fake = Fake::start(FakeOptions {
        rejects_stream_options: true,
        ..FakeOptions::default()
    });
    let data = TempDir::new().unwrap();
    let data = data.path();
    for (name, source) in [("kimi", "moonshot"), ("grok", "xai")] {
        ok(
            data,
            &[
                "profile",
                "add",
                name,
                "--source",
                source,
                "--url",
                &fake.url(),
                "--model",
                "fake-model-1",
            ],
        );
        set_key(data, name, "k");
    }
    assert_eq!(ok(data, &["chat", "kimi", "hi"]), format!("{REPLY_TEXT}\n"));
    let refused = run(data, &["chat", "grok", "hi"]);
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains(STREAM_OPTIONS_REFUSED),
        "{}",
        refused.stderr
    );
}

#[test]
fn workers_ai_and_a_cloud_without_a_model_list_connect_and_stream() {
    let fake = Fake::start(FakeOptions {
        api_key: Some("k-cf".into()),
        models: vec!["@cf/meta/llama-3.1-8b-instruct".into()],
        ..FakeOptions::default()
    });
    let data = TempDir::new().unwrap();
    let data = data.path();
    let url = format!("{}/client/v4/accounts/abc123/ai/v1", fake.url());
    ok(
        data,
        &[
            "profile",
            "add",
            "cf",
            "--source",
            "workers_ai",
            "--url",
            &url,
            "--model",
            "@cf/meta/llama-3.1-8b-instruct",
        ],
    );
    set_key(data, "cf", "k-cf");
    assert_eq!(
        ok(data, &["models", "cf"]),
        "@cf/meta/llama-3.1-8b-instruct\n"
    );
    let listed = fake.server().requests();
    let search = listed.last().unwrap();
    assert_eq!(search.path, "/client/v4/accounts/abc123/ai/models/search");
    assert_eq!(search.query.as_deref(), Some("task=Text%20Generation"));
    assert_eq!(ok(data, &["chat", "cf", "hi"]), format!("{REPLY_TEXT}\n"));

    ok(
        data,
        &[
            "profile",
            "add",
            "pplx",
            "--source",
            "perplexity",
            "--url",
            &fake.url(),
            "--model",
            "sonar",
        ],
    );
    set_key(data, "pplx", "k-cf");
    let before = fake.server().requests().len();
    let status = ok(data, &["status", "pplx"]);
    assert!(status.contains("lists no models"), "{status}");
    assert_eq!(
        fake.server().requests().len(),
        before,
        "status sent a request"
    );
    assert_eq!(ok(data, &["chat", "pplx", "hi"]), format!("{REPLY_TEXT}\n"));
}

fn azure_fake() -> Fake {
    Fake::start(FakeOptions {
        dialect: Dialect::Azure,
        api_key: Some("k-azure".into()),
        models: vec!["gpt-4o-prod".into()],
        slow_delay: Duration::from_millis(60),
        ..FakeOptions::default()
    })
}

#[test]
fn azure_v1_route_connects_lists_streams_and_stops() {
    let fake = azure_fake();
    let data = TempDir::new().unwrap();
    let data = data.path();
    ok(
        data,
        &[
            "profile",
            "add",
            "az",
            "--source",
            "azure_openai",
            "--url",
            &fake.url(),
            "--model",
            "gpt-4o-prod",
        ],
    );
    set_key(data, "az", "k-azure");
    assert_eq!(ok(data, &["models", "az"]), "gpt-4o-prod\n");
    assert_eq!(ok(data, &["chat", "az", "hi"]), format!("{REPLY_TEXT}\n"));
    let sent = fake.server().requests();
    let chat = sent.last().unwrap();
    assert_eq!(chat.path, "/openai/v1/chat/completions");
    assert_eq!(chat.header("api-key"), Some("k-azure"));
    assert!(chat.header("authorization").is_none());
    assert_eq!(chat.json().unwrap()["model"], "gpt-4o-prod");

    // Azure's refusals, in its words.
    let missing = run(data, &["chat", "az", "--model", "nope", "hi"]);
    assert_ne!(missing.code, 0);
    assert!(missing.stderr.contains("deployment"), "{}", missing.stderr);
    let filtered = run(
        data,
        &["chat", "az", &format!("about {AZURE_FILTERED_WORD}")],
    );
    assert_ne!(filtered.code, 0);
    assert!(
        filtered.stderr.contains("content filter"),
        "{}",
        filtered.stderr
    );
    set_key(data, "az", "k-wrong");
    let denied = run(data, &["status", "az"]);
    assert_eq!(denied.code, 4, "{}", denied.stderr);
    assert!(denied.stderr.contains("Access denied"), "{}", denied.stderr);
    set_key(data, "az", "k-azure");
    fake.server().set_scenario(Scenario::Slow);
    stop_mid_stream(data, "az");
}

#[test]
fn azure_deployments_route_connects_streams_and_stops() {
    let fake = azure_fake();
    let data = TempDir::new().unwrap();
    let data = data.path();
    ok(
        data,
        &[
            "profile",
            "add",
            "az",
            "--source",
            "azure_openai",
            "--url",
            &fake.url(),
            "--model",
            "gpt-4o-prod",
            "--azure-route",
            "deployments",
        ],
    );
    set_key(data, "az", "k-azure");
    let status = ok(data, &["status", "az"]);
    assert!(status.contains("the key works"), "{status}");
    let check = fake.server().requests();
    let check = check.last().unwrap();
    assert_eq!(check.path, "/openai/models");
    assert_eq!(check.query.as_deref(), Some("api-version=2024-10-21"));
    assert_eq!(ok(data, &["chat", "az", "hi"]), format!("{REPLY_TEXT}\n"));
    let sent = fake.server().requests();
    let chat = sent.last().unwrap();
    assert_eq!(
        chat.path,
        "/openai/deployments/gpt-4o-prod/chat/completions"
    );
    assert_eq!(chat.query.as_deref(), Some("api-version=2024-10-21"));
    assert!(chat.json().unwrap().get("model").is_none());
    fake.server().set_scenario(Scenario::Slow);
    stop_mid_stream(data, "az");
}
