//! Two processes writing into one database at once, as the window and the command line do:
//! every write succeeds (it waits for the other's instead of failing with "database is
//! locked"), and a chat's messages keep a gapless order.
//!
//! The second process is this test binary started again: with `WRITER_ENV` set, the test
//! `writer_process` does the writing and nothing else.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use switchboard_core::model::{ChatId, Role};
use switchboard_core::store::Store;

/// Set in a writer process: `data dir`, chat id, and this writer's tag, one per line.
const WRITER_ENV: &str = "SWITCHBOARD_TEST_WRITER";
/// How many messages each process appends.
const APPENDS: usize = 500;

/// The work of one writer process; does nothing in an ordinary test run.
#[test]
fn writer_process() {
    let Ok(spec) = std::env::var(WRITER_ENV) else {
        return;
    };
    let mut lines = spec.lines();
    let (dir, chat, tag) = (
        PathBuf::from(lines.next().unwrap()),
        ChatId(lines.next().unwrap().to_string()),
        lines.next().unwrap().to_string(),
    );
    let store = Store::open(&dir).unwrap();
    // Ready; start when the other writer is ready too.
    std::fs::write(dir.join(format!("{tag}.ready")), "").unwrap();
    wait_for(&dir.join("go"));
    for i in 0..APPENDS {
        store
            .append_message(&chat, Role::User, &format!("{tag} {i}"))
            .unwrap_or_else(|err| panic!("{tag}: append {i} failed: {}", err.message));
    }
}

/// Polls until `path` exists (at most a minute).
fn wait_for(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn writer(dir: &Path, chat: &ChatId, tag: &str) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "writer_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(
            WRITER_ENV,
            format!("{}\n{}\n{tag}", dir.display(), chat.as_str()),
        )
        .spawn()
        .unwrap()
}

#[test]
fn two_processes_append_500_messages_each_to_one_chat() {
    if std::env::var(WRITER_ENV).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let chat = Store::open(dir.path())
        .unwrap()
        .create_chat("two writers", None, None)
        .unwrap()
        .id;
    let children = [
        writer(dir.path(), &chat, "a"),
        writer(dir.path(), &chat, "b"),
    ];
    wait_for(&dir.path().join("a.ready"));
    wait_for(&dir.path().join("b.ready"));
    std::fs::write(dir.path().join("go"), "").unwrap();
    for (tag, child) in ["a", "b"].into_iter().zip(children) {
        let status = child.wait_with_output().unwrap().status;
        assert!(status.success(), "writer {tag}: {status}");
    }

    let messages = Store::open(dir.path()).unwrap().messages(&chat).unwrap();
    assert_eq!(messages.len(), 2 * APPENDS);
    let seqs: Vec<i64> = messages.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (0..2 * APPENDS as i64).collect::<Vec<_>>(), "gaps");
    for tag in ["a", "b"] {
        let own: Vec<String> = messages
            .iter()
            .filter(|m| m.content.starts_with(&format!("{tag} ")))
            .map(|m| m.content.clone())
            .collect();
        let expected: Vec<String> = (0..APPENDS).map(|i| format!("{tag} {i}")).collect();
        assert_eq!(own, expected, "writer {tag}'s messages out of order");
    }
}
