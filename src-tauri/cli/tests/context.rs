//! The context from the command line: a 40-message chat continued with `chat NAME --chat ID`
//! against a llama.cpp server with a 2,048-token context succeeds, and the note says how many
//! older messages were left out.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{ok, run, Fake};
use switchboard_fakes::{Dialect, FakeOptions, REPLY_TEXT};
use tempfile::TempDir;

/// A SillyTavern chat file of 40 messages of about 90 tokens each.
fn long_chat_file(dir: &std::path::Path) -> std::path::PathBuf {
    let mut lines = vec![
        r#"{"user_name":"User","character_name":"Assistant","create_date":"2026-12-07 @10h 00m 00s 000ms","chat_metadata":{}}"#
            .to_string(),
    ];
    let words = "lorem ipsum dolor sit amet ".repeat(13);
    for i in 0..40 {
        let user = i % 2 == 0;
        let line = serde_json::json!({
            "name": if user { "User" } else { "Assistant" },
            "is_user": user,
            "is_system": false,
            "send_date": "December 7, 2026 10:00am",
            "mes": format!("message {i}: {words}"),
        });
        lines.push(line.to_string());
    }
    let path = dir.join("long.jsonl");
    std::fs::write(&path, lines.join("\n")).unwrap();
    path
}

#[test]
fn a_long_chat_continues_against_a_small_context_with_the_note() {
    let fake = Fake::start(FakeOptions {
        dialect: Dialect::LlamaCpp,
        context_limit: Some(2048),
        ..FakeOptions::default()
    });
    let data = TempDir::new().unwrap();
    let data = data.path();
    let file = long_chat_file(data);
    ok(data, &["chats", "import", file.to_str().unwrap()]);
    let listed: serde_json::Value =
        serde_json::from_str(&ok(data, &["chats", "list", "--json"])).unwrap();
    let id = listed[0]["id"].as_str().unwrap().to_string();
    ok(
        data,
        &[
            "profile",
            "add",
            "llama",
            "--source",
            "custom",
            "--url",
            &fake.url(),
            "--model",
            "fake-model-1",
        ],
    );

    let out = run(data, &["chat", "llama", "--chat", &id, "last question"]);
    assert_eq!(
        out.code, 0,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    assert_eq!(out.stdout, format!("{REPLY_TEXT}\n"));
    assert!(
        out.stderr
            .contains("older messages were left out to fit the 2048-token context"),
        "{}",
        out.stderr
    );
    let sent = fake
        .server()
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path.ends_with("/chat/completions"))
        .unwrap();
    let body = sent.json().unwrap();
    assert!(switchboard_fakes::prompt_tokens(&body) + 300 <= 2048);
    assert_eq!(
        body["messages"].as_array().unwrap().last().unwrap()["content"],
        "last question"
    );
}
