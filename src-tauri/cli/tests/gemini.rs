//! Google AI Studio (`gemini`) and Vertex AI's express mode (`vertexai`) from the command line:
//! the dry runs go to the documented hosts and paths with the key masked in `x-goog-api-key`
//! (never in the URL), and a profile at the Gemini fake connects, lists its models, chats
//! streamed and whole, shows thoughts, and explains a blocked prompt (the real binary, a real
//! fake server, the real keychain inside the test command's private D-Bus session).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::{ok, run, run_with_stdin, Fake};
use serde_json::Value;
use switchboard_fakes::{
    FakeOptions, Family, Scenario, GEMINI_BLOCKED_WORD, GEMINI_THOUGHT_SIGNATURE, REASONING_TEXT,
    REPLY_TEXT,
};
use tempfile::TempDir;

const KEY: &str = "AIza-cli-secret-77";

fn set_key(data: &Path, profile: &str) {
    let set = run_with_stdin(data, &["key", "set", profile], &format!("{KEY}\n"));
    assert_eq!(set.code, 0, "{}", set.stderr);
}

fn dry_run(data: &Path, profile: &str) -> Value {
    let shown = ok(data, &["chat", profile, "--dry-run", "hi"]);
    assert!(!shown.contains(KEY), "{shown}");
    serde_json::from_str(&shown).unwrap()
}

#[test]
fn both_sources_are_listed_as_supported() {
    let data = TempDir::new().unwrap();
    let listed: Value = serde_json::from_str(&ok(data.path(), &["providers", "--json"])).unwrap();
    for id in ["gemini", "vertexai"] {
        let source = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap_or_else(|| panic!("{id} not listed"));
        assert_eq!(source["supported"], true, "{id}");
        assert!(
            source["keyNote"]
                .as_str()
                .unwrap()
                .contains("x-goog-api-key"),
            "{id}"
        );
    }
}

#[test]
fn dry_runs_go_to_googles_documented_hosts_with_the_key_masked() {
    let data = TempDir::new().unwrap();
    let data = data.path();
    for (name, source, url) in [
        (
            "g",
            "gemini",
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        ),
        (
            "v",
            "vertexai",
            "https://aiplatform.googleapis.com/v1/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        ),
    ] {
        ok(data, &["profile", "add", name, "--source", source, "--model", "gemini-2.5-flash"]);
        set_key(data, name);
        let shown = dry_run(data, name);
        assert_eq!(shown["url"], url, "{source}");
        assert_eq!(shown["headers"]["x-goog-api-key"], "<redacted>", "{source}");
        assert!(shown["headers"].get("authorization").is_none(), "{shown}");
        assert_eq!(shown["body"]["contents"][0]["parts"][0]["text"], "hi", "{source}");
        assert!(shown["body"].get("safetySettings").is_some(), "{source}");
    }
    let whole = ok(data, &["chat", "g", "--dry-run", "--no-stream", "hi"]);
    let whole: Value = serde_json::from_str(&whole).unwrap();
    assert_eq!(
        whole["url"],
        "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"
    );
}

#[test]
fn a_profile_connects_lists_models_chats_and_explains_a_block() {
    let fake = Fake::start(FakeOptions {
        family: Family::Gemini,
        api_key: Some(KEY.into()),
        models: vec![
            "gemini-2.5-flash".into(),
            "gemini-2.5-pro".into(),
            "gemini-2.0-flash".into(),
        ],
        ..FakeOptions::default()
    });
    let data = TempDir::new().unwrap();
    let data = data.path();
    let studio = format!("{}/v1beta", fake.url());
    let vertex = format!("{}/v1", fake.url());
    for (name, source, url) in [("g", "gemini", &studio), ("v", "vertexai", &vertex)] {
        ok(
            data,
            &[
                "profile",
                "add",
                name,
                "--source",
                source,
                "--url",
                url,
                "--model",
                "gemini-2.5-flash",
            ],
        );
        set_key(data, name);
        let connected = run(data, &["status", name]);
        assert_eq!(connected.code, 0, "{source}: {}", connected.stderr);
        let models = ok(data, &["models", name]);
        assert!(
            models.contains("gemini-2.5-flash") && models.contains("gemini-2.5-pro"),
            "{models}"
        );
        assert!(!models.contains("text-embedding-004"), "{models}");

        assert_eq!(
            ok(data, &["chat", name, "hi"]),
            format!("{REPLY_TEXT}\n"),
            "{source}"
        );
        assert_eq!(
            ok(data, &["chat", name, "--no-stream", "hi"]),
            format!("{REPLY_TEXT}\n"),
            "{source}"
        );
        let sent = fake.server().requests();
        let last = sent.iter().rev().find(|r| r.method == "POST").unwrap();
        assert_eq!(last.header("x-goog-api-key"), Some(KEY));
        assert!(
            last.path
                .ends_with("/models/gemini-2.5-flash:generateContent"),
            "{}",
            last.path
        );
    }

    fake.server().set_scenario(Scenario::Reasoning);
    let thought = run(data, &["chat", "g", "think first"]);
    assert_eq!(thought.code, 0, "{}", thought.stderr);
    let said = format!("{}{}", thought.stdout, thought.stderr);
    assert!(
        said.contains(REASONING_TEXT) && said.contains(REPLY_TEXT),
        "{said}"
    );

    // The thought signature the reply carried is kept with it and sent back on the next turn,
    // on the model's part it came with.
    let chats: Value = serde_json::from_str(&ok(data, &["chats", "list", "--json"])).unwrap();
    let thought_chat = chats
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["title"]
                .as_str()
                .is_some_and(|t| t.contains("think first"))
        })
        .unwrap_or_else(|| panic!("the chat of \"think first\" in {chats}"));
    let id = thought_chat["id"].as_str().unwrap();
    ok(data, &["chat", "g", "--chat", id, "and then?"]);
    let sent = fake.server().requests();
    let last = sent.iter().rev().find(|r| r.method == "POST").unwrap();
    let body: Value = serde_json::from_slice(&last.body).unwrap();
    let model_turn = body["contents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["role"] == "model")
        .unwrap_or_else(|| panic!("no model turn in {body}"));
    assert!(
        model_turn["parts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["thoughtSignature"] == GEMINI_THOUGHT_SIGNATURE),
        "{model_turn}"
    );

    fake.server().set_scenario(Scenario::Normal);
    let blocked = run(
        data,
        &["chat", "g", &format!("about {GEMINI_BLOCKED_WORD}")],
    );
    assert_ne!(blocked.code, 0);
    assert!(
        blocked.stderr.contains("Google blocked the prompt"),
        "{}",
        blocked.stderr
    );
    assert!(!blocked.stderr.contains(KEY));
}
