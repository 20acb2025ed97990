//! Text piped into `chat`: before the MESSAGE (a blank line between), as the message when none
//! is given, or the whole message with `-`; what the fake server received is compared byte for
//! byte. Empty input with `-` and input over the size limit are clear usage errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::{ok, run, run_with_stdin, Fake};
use switchboard_fakes::FakeOptions;
use tempfile::TempDir;

/// A text as a file piped in would be: lines, indentation, a tab, non-ASCII, a final newline.
const PIPED: &str = "def add(a, b):\n    return a + b\t# sum\n\nprint(add(1, 2))  # → 3\n";

fn setup() -> (Fake, TempDir) {
    let fake = Fake::start(FakeOptions::default());
    let data = TempDir::new().unwrap();
    ok(
        data.path(),
        &[
            "profile",
            "add",
            "local",
            "--source",
            "custom",
            "--url",
            &fake.url(),
            "--model",
            "fake-model-1",
        ],
    );
    (fake, data)
}

/// The content of the last message of the last chat request the fake received, as raw JSON
/// text decoded: the bytes sent.
fn last_message_sent(fake: &Fake) -> String {
    let request = fake
        .server()
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path.ends_with("/chat/completions"))
        .expect("a chat request");
    let body = request.json().unwrap();
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "{body}");
    messages[0]["content"].as_str().unwrap().to_string()
}

fn chat_ok(data: &Path, args: &[&str], stdin: &str) {
    let result = run_with_stdin(data, args, stdin);
    assert_eq!(result.code, 0, "{args:?}: {}", result.stderr);
}

#[test]
fn piped_text_comes_first_then_a_blank_line_then_the_message() {
    let (fake, data) = setup();
    chat_ok(data.path(), &["chat", "local", "summarise this"], PIPED);
    assert_eq!(
        last_message_sent(&fake).as_bytes(),
        format!("{}\n\nsummarise this", PIPED.trim_end_matches('\n')).as_bytes()
    );
    // Without a final newline it is the same layout.
    chat_ok(data.path(), &["chat", "local", "and this"], "one line");
    assert_eq!(last_message_sent(&fake), "one line\n\nand this");
    // Nothing piped (an empty pipe): the message alone.
    chat_ok(data.path(), &["chat", "local", "just me"], "");
    assert_eq!(last_message_sent(&fake), "just me");
}

#[test]
fn piped_text_alone_or_with_a_dash_is_the_whole_message() {
    let (fake, data) = setup();
    chat_ok(data.path(), &["chat", "local"], PIPED);
    assert_eq!(last_message_sent(&fake).as_bytes(), PIPED.as_bytes());
    chat_ok(data.path(), &["chat", "local", "-"], PIPED);
    assert_eq!(last_message_sent(&fake).as_bytes(), PIPED.as_bytes());
    // Each was a chat of its own, saved with the text as sent.
    let list = ok(data.path(), &["chats", "list", "--json"]);
    let chats: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(chats.as_array().unwrap().len(), 2);
    let id = chats[0]["id"].as_str().unwrap();
    let shown: serde_json::Value =
        serde_json::from_str(&ok(data.path(), &["chats", "show", id, "--json"])).unwrap();
    assert_eq!(shown["messages"][0]["content"], PIPED);
}

#[test]
fn empty_or_oversized_standard_input_is_refused_before_anything_is_sent() {
    let (fake, data) = setup();
    let data = data.path();
    for stdin in ["", " \n\t\n"] {
        let dash = run_with_stdin(data, &["chat", "local", "-"], stdin);
        assert_eq!(dash.code, 2, "{}", dash.stderr);
        assert!(
            dash.stderr.contains("standard input is empty"),
            "{}",
            dash.stderr
        );
        let bare = run_with_stdin(data, &["chat", "local"], stdin);
        assert_eq!(bare.code, 2, "{}", bare.stderr);
        assert!(bare.stderr.contains("no message"), "{}", bare.stderr);
    }
    // One byte over the limit, with a message and with `-`: the limit is named.
    let over = "x".repeat(4 * 1024 * 1024 + 1);
    for args in [&["chat", "local", "-"][..], &["chat", "local", "sum up"]] {
        let refused = run_with_stdin(data, args, &over);
        assert_eq!(refused.code, 2, "{}", refused.stderr);
        assert!(
            refused.stderr.contains("standard input is over 4 MiB"),
            "{}",
            refused.stderr
        );
    }
    let not_text = common::finish(
        {
            let mut command = common::cli(data);
            command.args(["chat", "local", "-"]);
            command
        },
        b"caf\xe9\n",
    );
    assert_eq!(not_text.code, 2, "{}", not_text.stderr);
    assert!(not_text.stderr.contains("not UTF-8"), "{}", not_text.stderr);
    assert!(
        !fake
            .server()
            .requests()
            .iter()
            .any(|r| r.path.ends_with("/chat/completions")),
        "nothing may be sent"
    );
    assert_eq!(run(data, &["chats", "list", "--json"]).stdout.trim(), "[]");
}
