//! OpenAI's Responses API from the command line: a codex model's chat streamed and whole through
//! `/v1/responses` of the fake, the dry run's host and path for each kind of model, and the
//! profile's `--openai-api` choice saved, shown, changed and obeyed (the real binary, a real fake
//! server, the real keychain inside the test command's private D-Bus session).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::{ok, run, run_with_stdin, Fake};
use serde_json::Value;
use switchboard_fakes::{
    FakeOptions, FakeServer, RecordedRequest, REPLY_TEXT, RESPONSES_ONLY_REFUSAL,
};
use tempfile::TempDir;

const KEY: &str = "sk-responses-31";

fn set_key(data: &Path, profile: &str) {
    let set = run_with_stdin(data, &["key", "set", profile], &format!("{KEY}\n"));
    assert_eq!(set.code, 0, "{}", set.stderr);
}

fn add(data: &Path, name: &str, url: Option<&str>, model: &str, api: Option<&str>) {
    let mut args = vec![
        "profile", "add", name, "--source", "openai", "--model", model,
    ];
    if let Some(url) = url {
        args.extend(["--url", url]);
    }
    if let Some(api) = api {
        args.extend(["--openai-api", api]);
    }
    ok(data, &args);
    set_key(data, name);
}

fn dry_run(data: &Path, profile: &str) -> Value {
    let shown = ok(data, &["chat", profile, "--dry-run", "hi"]);
    assert!(!shown.contains(KEY), "{shown}");
    serde_json::from_str(&shown).unwrap()
}

fn last_post(server: &FakeServer) -> RecordedRequest {
    server
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.method == "POST")
        .unwrap()
}

#[test]
fn a_codex_models_chat_streams_and_waits_through_the_responses_api() {
    let fake = Fake::start(FakeOptions {
        api_key: Some(KEY.into()),
        ..FakeOptions::default()
    });
    let data = TempDir::new().unwrap();
    let data = data.path();
    let url = format!("{}/v1", fake.url());
    add(data, "codex", Some(&url), "gpt-5-codex", None);

    let streamed = ok(data, &["chat", "codex", "Say something."]);
    assert!(streamed.contains(REPLY_TEXT), "{streamed}");
    let sent = last_post(fake.server());
    assert_eq!(sent.path, "/v1/responses");
    let body = sent.json().unwrap();
    assert_eq!(body["stream"], true);
    assert_eq!(body["store"], false);
    assert_eq!(body["model"], "gpt-5-codex");

    let whole = ok(data, &["chat", "codex", "--no-stream", "Say something."]);
    assert!(whole.contains(REPLY_TEXT), "{whole}");
    let sent = last_post(fake.server());
    assert_eq!(sent.path, "/v1/responses");
    assert_eq!(sent.json().unwrap()["stream"], false);

    // Another model of the same profile goes to Chat Completions.
    let chat = ok(
        data,
        &["chat", "codex", "--model", "gpt-4o", "Say something."],
    );
    assert!(chat.contains(REPLY_TEXT), "{chat}");
    assert_eq!(last_post(fake.server()).path, "/v1/chat/completions");
}

#[test]
fn the_dry_run_shows_openais_responses_route_for_a_model_that_needs_it() {
    let data = TempDir::new().unwrap();
    let data = data.path();
    add(data, "codex", None, "gpt-5.1-codex", None);
    add(data, "plain", None, "gpt-4o", None);
    let codex = dry_run(data, "codex");
    assert_eq!(codex["url"], "https://api.openai.com/v1/responses");
    assert_eq!(codex["method"], "POST");
    assert_eq!(codex["headers"]["authorization"], "Bearer <redacted>");
    assert_eq!(
        codex["body"]["input"][0]["content"][0]["type"],
        "input_text"
    );
    assert!(codex["body"].get("messages").is_none(), "{codex}");
    let plain = dry_run(data, "plain");
    assert_eq!(plain["url"], "https://api.openai.com/v1/chat/completions");
    assert_eq!(plain["headers"]["authorization"], "Bearer <redacted>");
}

#[test]
fn the_api_choice_is_saved_shown_changed_and_obeyed() {
    let fake = Fake::start(FakeOptions {
        api_key: Some(KEY.into()),
        ..FakeOptions::default()
    });
    let data = TempDir::new().unwrap();
    let data = data.path();
    let url = format!("{}/v1", fake.url());
    add(data, "forced", Some(&url), "gpt-4o", Some("responses"));
    let shown = ok(data, &["profile", "show", "forced"]);
    assert!(
        shown.contains("openai api:          responses (the Responses API)"),
        "{shown}"
    );
    let replied = ok(data, &["chat", "forced", "Say something."]);
    assert!(replied.contains(REPLY_TEXT), "{replied}");
    assert_eq!(last_post(fake.server()).path, "/v1/responses");

    // Chat Completions for a codex model: OpenAI's refusal, which Auto avoids.
    ok(data, &["profile", "set", "forced", "--openai-api", "chat"]);
    let shown = ok(data, &["profile", "show", "forced"]);
    assert!(shown.contains("openai api:          chat"), "{shown}");
    let refused = run(
        data,
        &["chat", "forced", "--model", "gpt-5-codex", "Say something."],
    );
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains(RESPONSES_ONLY_REFUSAL),
        "{}",
        refused.stderr
    );
    assert_eq!(last_post(fake.server()).path, "/v1/chat/completions");
    let json: Value =
        serde_json::from_str(&ok(data, &["profile", "show", "forced", "--json"])).unwrap();
    assert_eq!(json["options"]["source"]["openaiApi"], "chatCompletions");

    ok(data, &["profile", "set", "forced", "--openai-api", "auto"]);
    let replied = ok(
        data,
        &["chat", "forced", "--model", "gpt-5-codex", "Say something."],
    );
    assert!(replied.contains(REPLY_TEXT), "{replied}");
    assert_eq!(last_post(fake.server()).path, "/v1/responses");

    // Only OpenAI profiles take the flag.
    let wrong = run(
        data,
        &[
            "profile",
            "add",
            "g",
            "--source",
            "groq",
            "--openai-api",
            "chat",
        ],
    );
    assert_eq!(wrong.code, 2, "{}", wrong.stderr);
    let bad = run(data, &["profile", "set", "forced", "--openai-api", "both"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}
