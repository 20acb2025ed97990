//! Finding chats from the command line: `chats search` by words (marked snippets, `--json`
//! runs), and every command taking a chat by the start of its id (unique, ambiguous, none).
//! Real binary, real SQLite; chats are written straight into the database to give them ids
//! that share a start.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::{ok, run};
use tempfile::TempDir;

const FIRST: &str = "abcd1234-0000-4000-8000-000000000001";
const SECOND: &str = "abcd5678-0000-4000-8000-000000000002";
const THIRD: &str = "ef012345-0000-4000-8000-000000000003";

/// A data directory with three chats: two whose ids start with "abcd".
fn data_with_chats() -> TempDir {
    let dir = TempDir::new().unwrap();
    // The database, made by the binary itself.
    ok(dir.path(), &["chats", "list"]);
    let db = rusqlite::Connection::open(dir.path().join("switchboard.db")).unwrap();
    for (id, title, messages, at) in [
        (
            FIRST,
            "Lantern notes",
            &["Welcome, traveller! The inn is warm."][..],
            1,
        ),
        (
            SECOND,
            "Regex for ISO dates",
            &["one", "two", "three"][..],
            2,
        ),
        (THIRD, "Packing list", &["A tent."][..], 3),
    ] {
        db.execute(
            "INSERT INTO chats (id, title, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
            rusqlite::params![id, title, at],
        )
        .unwrap();
        for (seq, text) in messages.iter().enumerate() {
            db.execute(
                "INSERT INTO messages (id, chat_id, seq, role, content, state, created_at, updated_at)
                 VALUES (?1, ?2, ?3, 'user', ?4, 'complete', ?5, ?5)",
                rusqlite::params![format!("{id}-m{seq}"), id, seq as i64, text, at],
            )
            .unwrap();
        }
    }
    dir
}

fn show_title(data: &Path, chat: &str) -> String {
    ok(data, &["chats", "show", chat])
        .lines()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn search_marks_every_word_in_brackets_and_json_gives_the_runs() {
    let dir = data_with_chats();
    let out = ok(dir.path(), &["chats", "search", "TRAVELLER welcome"]);
    assert_eq!(
        out.trim_end(),
        format!("{FIRST}\tLantern notes\t[Welcome], [traveller]! The inn is warm.")
    );
    let json: serde_json::Value = serde_json::from_str(&ok(
        dir.path(),
        &["--json", "chats", "search", "inn welcome"],
    ))
    .unwrap();
    assert_eq!(
        json[0]["snippet"],
        serde_json::json!([
            {"text": "Welcome", "matched": true},
            {"text": ", traveller! The ", "matched": false},
            {"text": "inn", "matched": true},
            {"text": " is warm.", "matched": false},
        ])
    );
    // A title hit: the whole title, its words marked.
    let out = ok(dir.path(), &["chats", "search", "iso regex"]);
    assert_eq!(
        out.trim_end(),
        format!("{SECOND}\tRegex for ISO dates\t[Regex] for [ISO] dates")
    );
}

#[test]
fn a_unique_start_of_an_id_names_the_chat_in_every_command() {
    let dir = data_with_chats();
    let data = dir.path();
    assert_eq!(
        show_title(data, "abcd1"),
        format!("# Lantern notes ({FIRST})")
    );
    assert_eq!(
        show_title(data, "ABCD5"),
        format!("# Regex for ISO dates ({SECOND})")
    );
    assert_eq!(
        show_title(data, "ef01"),
        format!("# Packing list ({THIRD})")
    );
    // The whole id and the title still work.
    assert_eq!(show_title(data, THIRD), format!("# Packing list ({THIRD})"));
    assert_eq!(
        show_title(data, "packing LIST"),
        format!("# Packing list ({THIRD})")
    );
    let exported = ok(data, &["chats", "export", "abcd5", "--format", "markdown"]);
    assert!(
        exported.contains("Regex for ISO dates") && exported.contains("three"),
        "{exported}"
    );
    // Continuing a chat: the dry run shows the chat's history in the request.
    let dry = ok(
        data,
        &[
            "chat",
            "--source",
            "custom",
            "--url",
            "http://127.0.0.1:9",
            "--model",
            "m",
            "--chat",
            "abcd1",
            "--dry-run",
            "hello",
        ],
    );
    assert!(dry.contains("The inn is warm."), "{dry}");
}

#[test]
fn an_ambiguous_start_lists_the_chats_and_how_to_pick_one() {
    let dir = data_with_chats();
    let data = dir.path();
    let dry_run = [
        "chat",
        "--source",
        "custom",
        "--url",
        "http://127.0.0.1:9",
        "--model",
        "m",
        "--chat",
        "abcd",
        "--dry-run",
        "hello",
    ];
    for args in [
        &["chats", "show", "abcd"][..],
        &["chats", "export", "abcd"][..],
        &["--json", "chats", "show", "abcd"][..],
        &dry_run[..],
    ] {
        let out = run(data, args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert_eq!(out.stdout, "", "{args:?}");
        let err = &out.stderr;
        assert!(
            err.starts_with(
                "error: \"abcd\" is the start of the id of 2 chats; give more of the id"
            ),
            "{err}"
        );
        // Newest first: the shortest start that picks each, its id, message count and title.
        let lines: Vec<&str> = err.lines().skip(1).collect();
        assert_eq!(lines.len(), 2, "{err}");
        assert!(
            lines[0]
                .trim_start()
                .starts_with(&format!("abcd5     {SECOND}")),
            "{err}"
        );
        assert!(
            lines[0].contains("3 messages") && lines[0].ends_with("Regex for ISO dates"),
            "{err}"
        );
        assert!(
            lines[1]
                .trim_start()
                .starts_with(&format!("abcd1     {FIRST}")),
            "{err}"
        );
        assert!(
            lines[1].contains("1 message ") && lines[1].ends_with("Lantern notes"),
            "{err}"
        );
    }
}

#[test]
fn no_chat_or_too_short_a_start_says_how_to_name_one() {
    let dir = data_with_chats();
    let data = dir.path();
    for key in ["ffff", "abc", "abcd9", "no such title"] {
        for args in [&["chats", "show", key][..], &["chats", "export", key][..]] {
            let out = run(data, args);
            assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
            assert!(
                out.stderr.starts_with(&format!("error: There is no chat \"{key}\": give its title, its id, or at least 4 characters from the start of its id")),
                "{}",
                out.stderr
            );
        }
    }
}
