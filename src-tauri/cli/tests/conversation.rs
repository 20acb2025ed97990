//! The conversation in a terminal, driven through a real pseudo-terminal (rexpect) against a
//! fake server on loopback: a message and its streamed reply, `/system` and `/model` changing
//! what the server receives, `/attach` (and `--attach`) files going with the next message,
//! `/regenerate` making a second version, Ctrl-C stopping a slow reply with its text kept,
//! Ctrl-C on an empty line and Ctrl-D leaving; then the chat is in the store with every
//! message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use common::{cli, ok, Fake};
use rexpect::session::{spawn_with_options, Options, PtySession};
use switchboard_fakes::{slow_reply_text, FakeOptions, Scenario};
use tempfile::TempDir;

/// The fake's normal reply (plain ASCII: the terminal's bytes are read one by one).
const REPLY: &str = "A reply from the fake server.";

fn fake() -> Fake {
    Fake::start(FakeOptions {
        reply: Some(REPLY.into()),
        slow_delay: Duration::from_millis(60),
        ..FakeOptions::default()
    })
}

fn add_profile(data: &Path, fake: &Fake) {
    ok(
        data,
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
}

/// `switchboard-cli chat local` (and `more`) in a pseudo-terminal of its own.
fn terminal(data: &Path, more: &[&str]) -> PtySession {
    let mut command = cli(data);
    // The pseudo-terminal is the standard input, output and error.
    command
        .stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .env("TERM", "xterm")
        .args(["chat", "local"])
        .args(more);
    let mut session = spawn_with_options(
        command,
        Options::new()
            .timeout_ms(Some(30_000))
            .strip_ansi_escape_codes(true),
    )
    .unwrap();
    session.exp_string("Ctrl-D leaves.").unwrap();
    prompt(&mut session);
    session
}

fn prompt(session: &mut PtySession) {
    session.exp_string("> ").unwrap();
}

/// The body of the last chat request the fake received.
fn last_sent(fake: &Fake) -> serde_json::Value {
    fake.server()
        .requests()
        .iter()
        .rev()
        .find(|r| r.path.ends_with("/chat/completions"))
        .expect("a chat request")
        .json()
        .unwrap()
}

fn sent_messages(body: &serde_json::Value) -> Vec<(String, String)> {
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap().to_string(),
                m["content"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(role, text)| (role.to_string(), text.to_string()))
        .collect()
}

#[test]
fn a_conversation_in_a_terminal_is_saved_as_a_chat() {
    let fake = fake();
    let data = TempDir::new().unwrap();
    let data = data.path();
    add_profile(data, &fake);
    let mut session = terminal(data, &[]);

    // A message and its streamed reply.
    session.send_line("hello").unwrap();
    session.exp_string(REPLY).unwrap();
    prompt(&mut session);
    let body = last_sent(&fake);
    assert_eq!(body["model"], "fake-model-1");
    assert_eq!(sent_messages(&body), pairs(&[("user", "hello")]));

    // /system and /model change what the server receives from then on.
    session.send_line("/system Answer in French.").unwrap();
    session
        .exp_string("From now on that is the system prompt.")
        .unwrap();
    prompt(&mut session);
    session.send_line("/model fake-model-2").unwrap();
    session
        .exp_string("From now on the model is fake-model-2.")
        .unwrap();
    prompt(&mut session);
    session.send_line("second").unwrap();
    session.exp_string(REPLY).unwrap();
    prompt(&mut session);
    let body = last_sent(&fake);
    assert_eq!(body["model"], "fake-model-2");
    let conversation = [
        ("system", "Answer in French."),
        ("user", "hello"),
        ("assistant", REPLY),
        ("user", "second"),
    ];
    assert_eq!(sent_messages(&body), pairs(&conversation));

    // /regenerate: the same history again, for a second version of the last reply.
    let before = fake.server().requests().len();
    session.send_line("/regenerate").unwrap();
    session.exp_string(REPLY).unwrap();
    prompt(&mut session);
    assert!(fake.server().requests().len() > before);
    assert_eq!(sent_messages(&last_sent(&fake)), pairs(&conversation));

    // Ctrl-C stops a long reply: the prompt comes back and the text so far is kept.
    fake.server().set_scenario(Scenario::Slow);
    session.send_line("tell me a long story").unwrap();
    session.exp_string("s3 ").unwrap();
    session.send_control('c').unwrap();
    session
        .exp_string("Stopped; the reply so far is kept.")
        .unwrap();
    prompt(&mut session);

    // Ctrl-D leaves, naming the chat.
    session.send_control('d').unwrap();
    let said = session.exp_string("(continue it with --chat").unwrap();
    let chat_id = said
        .rsplit("Saved as chat ")
        .next()
        .unwrap()
        .trim()
        .to_string();
    session.exp_eof().unwrap();
    let status = session.process().wait().unwrap();
    assert!(
        matches!(status, rexpect::process::WaitStatus::Exited(_, 0)),
        "{status:?}"
    );

    // Everything is in the store, as any chat.
    let shown: serde_json::Value =
        serde_json::from_str(&ok(data, &["chats", "show", &chat_id, "--json"])).unwrap();
    let messages = shown["messages"].as_array().unwrap();
    let summary: Vec<(&str, &str, u64)> = messages
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap(),
                m["state"].as_str().unwrap(),
                m["swipeCount"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("user", "complete", 1),
            ("assistant", "complete", 1),
            ("user", "complete", 1),
            ("assistant", "complete", 2),
            ("user", "complete", 1),
            ("assistant", "stopped", 1),
        ]
    );
    assert_eq!(messages[3]["swipes"], serde_json::json!([REPLY, REPLY]));
    assert_eq!(messages[4]["content"], "tell me a long story");
    let partial = messages[5]["content"].as_str().unwrap();
    assert!(
        partial.starts_with("s1 s2 s3 ") && slow_reply_text().starts_with(partial),
        "{partial:?}"
    );
    assert!(partial.len() < slow_reply_text().len(), "{partial:?}");
}

#[test]
fn ctrl_c_clears_a_typed_line_and_on_an_empty_one_leaves() {
    let fake = fake();
    let data = TempDir::new().unwrap();
    let data = data.path();
    add_profile(data, &fake);
    let first = {
        let mut session = terminal(data, &[]);
        session.send_line("one").unwrap();
        session.exp_string(REPLY).unwrap();
        prompt(&mut session);
        session.send_control('d').unwrap();
        let said = session.exp_string("(continue it with --chat").unwrap();
        session.exp_eof().unwrap();
        said.rsplit("Saved as chat ")
            .next()
            .unwrap()
            .trim()
            .to_string()
    };

    // --chat continues it: the history goes along.
    let mut session = terminal(data, &["--chat", &first]);
    // Typed, then cleared with Ctrl-C: nothing is sent.
    session.send("never sent").unwrap();
    session.flush().unwrap();
    session.exp_string("never sent").unwrap();
    session.send_control('c').unwrap();
    session.send_line("two").unwrap();
    session.exp_string(REPLY).unwrap();
    prompt(&mut session);
    assert_eq!(
        sent_messages(&last_sent(&fake)),
        pairs(&[("user", "one"), ("assistant", REPLY), ("user", "two")])
    );
    // Ctrl-C on the empty line leaves.
    session.send_control('c').unwrap();
    session
        .exp_string(&format!("Saved as chat {first}"))
        .unwrap();
    session.exp_eof().unwrap();
    let shown = ok(data, &["chats", "show", &first]);
    assert!(!shown.contains("never sent"), "{shown}");
    assert_eq!(shown.matches("\n[user]\n").count(), 2, "{shown}");
}

#[test]
fn files_attached_go_with_the_next_message_and_a_refused_one_is_said() {
    let fake = fake();
    let data = TempDir::new().unwrap();
    let data = data.path();
    add_profile(data, &fake);
    let files = TempDir::new().unwrap();
    let notes = files.path().join("notes.md");
    std::fs::write(&notes, "# Plan\n").unwrap();
    let more = files.path().join("more.txt");
    std::fs::write(&more, "more text").unwrap();
    let blob = files.path().join("blob.bin");
    std::fs::write(&blob, b"\x00\x01\x02\x03").unwrap();

    // --attach: with the first message.
    let mut session = terminal(data, &["--attach", notes.to_str().unwrap()]);
    session.send_line("/attach").unwrap();
    session
        .exp_string("Attached: notes.md (text/markdown, 7 bytes)")
        .unwrap();
    prompt(&mut session);
    session.send_line("hello").unwrap();
    session.exp_string(REPLY).unwrap();
    prompt(&mut session);
    assert_eq!(
        sent_messages(&last_sent(&fake)),
        pairs(&[(
            "user",
            "--- notes.md ---\n# Plan\n\n--- end of notes.md ---\n\nhello"
        )])
    );

    // Sent: nothing is attached any more; a refused file is said and the conversation goes on.
    session.send_line("/attach").unwrap();
    session
        .exp_string("Nothing is attached; /attach FILE attaches one.")
        .unwrap();
    prompt(&mut session);
    session
        .send_line(&format!("/attach {}", blob.display()))
        .unwrap();
    session
        .exp_string("error: \"blob.bin\" cannot be attached: it is not a text file")
        .unwrap();
    prompt(&mut session);
    session
        .send_line(&format!("/attach {}", more.display()))
        .unwrap();
    session
        .exp_string("Attached: more.txt (text/plain, 9 bytes)")
        .unwrap();
    prompt(&mut session);
    session.send_line("second").unwrap();
    session.exp_string(REPLY).unwrap();
    prompt(&mut session);
    let sent = sent_messages(&last_sent(&fake));
    assert_eq!(
        sent.last().unwrap().1,
        "--- more.txt ---\nmore text\n--- end of more.txt ---\n\nsecond"
    );
    session.send_control('d').unwrap();
    session.exp_eof().unwrap();
    let bound: i64 = rusqlite::Connection::open(data.join("switchboard.db"))
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM attachments WHERE message_id IS NOT NULL",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(bound, 2);
}
