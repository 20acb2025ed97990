//! Cohere through the real CLI binary against its fake: a profile connects with its key, lists
//! the chat models, chats streamed and with `--no-stream`, shows a refusal in Cohere's words;
//! `--dry-run` shows the request going to `https://api.cohere.com/v2/chat` with the key masked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::{ok, run, run_with_stdin, Fake};
use serde_json::Value;
use switchboard_fakes::{FakeOptions, Family, Scenario, REASONING_TEXT, REPLY_TEXT};
use tempfile::TempDir;

const KEY: &str = "co-secret-key-77";

fn cohere_fake(scenario: Scenario) -> Fake {
    Fake::start(FakeOptions {
        family: Family::Cohere,
        scenario,
        api_key: Some(KEY.into()),
        models: vec!["command-a-03-2025".into(), "command-r7b-12-2024".into()],
        ..FakeOptions::default()
    })
}

fn add(data: &Path, name: &str, url: Option<&str>) {
    let mut args = vec![
        "profile",
        "add",
        name,
        "--source",
        "cohere",
        "--model",
        "command-a-03-2025",
    ];
    if let Some(url) = url {
        args.extend(["--url", url]);
    }
    ok(data, &args);
    let set = run_with_stdin(data, &["key", "set", name], &format!("{KEY}\n"));
    assert_eq!(set.code, 0, "{}", set.stderr);
}

#[test]
fn cohere_is_listed_and_its_dry_run_goes_to_the_documented_host_with_the_key_masked() {
    let data = TempDir::new().unwrap();
    let data = data.path();
    let listed: Value = serde_json::from_str(&ok(data, &["providers", "--json"])).unwrap();
    let cohere = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "cohere")
        .unwrap();
    assert_eq!(cohere["supported"], true);
    assert_eq!(cohere["group"], "cloudChat");

    add(data, "co", None);
    let shown = ok(
        data,
        &["chat", "co", "--dry-run", "--temperature", "0.5", "hi"],
    );
    assert!(!shown.contains(KEY), "{shown}");
    let shown: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["url"], "https://api.cohere.com/v2/chat");
    assert_eq!(shown["headers"]["authorization"], "Bearer <redacted>");
    assert_eq!(shown["body"]["model"], "command-a-03-2025");
    assert_eq!(shown["body"]["stream"], true);
    assert_eq!(shown["body"]["temperature"], 0.5);
    assert_eq!(
        shown["body"]["messages"],
        serde_json::json!([{"role": "user", "content": "hi"}])
    );
}

#[test]
fn a_profile_connects_lists_models_and_chats_streamed_and_whole() {
    let fake = cohere_fake(Scenario::Normal);
    let data = TempDir::new().unwrap();
    let data = data.path();
    let url = format!("{}/v2", fake.url());
    add(data, "co", Some(&url));

    let connected = run(data, &["status", "co"]);
    assert_eq!(connected.code, 0, "{}", connected.stderr);
    let said = format!("{}{}", connected.stdout, connected.stderr);
    assert!(said.contains("Connected: 2 models."), "{said}");
    let models = ok(data, &["models", "co"]);
    assert!(
        models.contains("command-a-03-2025") && models.contains("command-r7b-12-2024"),
        "{models}"
    );
    let listed = fake.server().requests();
    let page = listed.iter().find(|r| r.path == "/v1/models").unwrap();
    assert!(page.query.as_deref().unwrap().contains("endpoint=chat"));

    assert_eq!(ok(data, &["chat", "co", "hi"]), format!("{REPLY_TEXT}\n"));
    let sent = fake.server().requests();
    let chat = sent.iter().rev().find(|r| r.method == "POST").unwrap();
    assert_eq!(chat.path, "/v2/chat");
    assert_eq!(
        chat.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(chat.json().unwrap()["stream"], true);

    assert_eq!(
        ok(data, &["chat", "co", "--no-stream", "hi"]),
        format!("{REPLY_TEXT}\n")
    );
    let sent = fake.server().requests();
    let chat = sent.iter().rev().find(|r| r.method == "POST").unwrap();
    assert_eq!(chat.json().unwrap()["stream"], false);
}

#[test]
fn thinking_is_shown_and_refusals_are_in_coheres_words() {
    let fake = cohere_fake(Scenario::Reasoning);
    let data = TempDir::new().unwrap();
    let data = data.path();
    let url = format!("{}/v2", fake.url());
    add(data, "co", Some(&url));
    let answered = run(data, &["chat", "co", "hi"]);
    assert_eq!(answered.code, 0, "{}", answered.stderr);
    let all = format!("{}{}", answered.stdout, answered.stderr);
    assert!(
        all.contains(REASONING_TEXT) && all.contains(REPLY_TEXT),
        "{all}"
    );

    fake.server().set_scenario(Scenario::ModelNotFound);
    let refused = run(data, &["chat", "co", "hi"]);
    assert_ne!(refused.code, 0);
    assert!(
        refused
            .stderr
            .contains("model 'command-a-03-2025' not found"),
        "{}",
        refused.stderr
    );
    assert!(!refused.stderr.contains(KEY), "{}", refused.stderr);
}
