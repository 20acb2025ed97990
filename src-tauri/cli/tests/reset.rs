//! `reset --yes` deletes the database, its backups and snapshots and every keychain entry Switchboard made,
//! and says what it removed. Its own test binary: it empties Switchboard's part of the (test
//! session's) keychain, which no other test may see happen.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;

use common::{ok, run, run_with_stdin};
use tempfile::TempDir;

/// Every account of Switchboard's in the Secret Service (asked directly).
fn switchboard_entries() -> String {
    let search = Command::new("secret-tool")
        .args(["search", "--all", "service", "switchboard"])
        .output()
        .expect("secret-tool (libsecret-tools) is installed by the test command");
    String::from_utf8_lossy(&search.stdout).into_owned() + &String::from_utf8_lossy(&search.stderr)
}

#[test]
fn reset_removes_the_database_backups_and_every_keychain_entry() {
    let data_dir = TempDir::new().unwrap();
    let data = data_dir.path();
    ok(data, &["profile", "add", "one", "--source", "openai"]);
    let set = run_with_stdin(data, &["key", "set", "one"], "sk-reset-1a2b3c4d5e\n");
    assert_eq!(set.code, 0, "{}", set.stderr);
    ok(
        data,
        &[
            "profile",
            "add",
            "two",
            "--source",
            "custom",
            "--header",
            "X-Token: tok-reset-9f8e7d6c",
        ],
    );
    // An entry whose profile is long gone is Switchboard's too.
    let orphan = Command::new("secret-tool")
        .args([
            "store",
            "--label",
            "orphan",
            "service",
            "switchboard",
            "username",
            "profile:gone:api-key",
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(b"sk-orphan-123456")?;
            child.wait()
        })
        .unwrap();
    assert!(orphan.success());
    std::fs::write(data.join("switchboard.db.v4.bak"), b"an old backup").unwrap();
    std::fs::write(data.join("notes.txt"), b"not Switchboard's").unwrap();
    assert!(switchboard_entries().contains("profile:gone:api-key"));
    // Opened again the same day: the day's snapshot was taken.
    let snapshots: Vec<String> = std::fs::read_dir(data.join("snapshots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(snapshots.len(), 1, "{snapshots:?}");

    // Without --yes nothing happens.
    let refused = run(data, &["reset"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
    assert!(data.join("switchboard.db").exists());

    let said = ok(data, &["reset", "--yes"]);
    for shown in [
        "switchboard.db",
        "switchboard.db.v4.bak",
        "profile:gone:api-key",
        ":api-key",
        ":extras",
    ] {
        assert!(said.contains(shown), "{shown} not in: {said}");
    }
    assert!(
        !said.contains("sk-reset") && !said.contains("tok-reset"),
        "{said}"
    );
    let left = switchboard_entries();
    assert!(
        !left.contains("switchboard"),
        "left in the keychain: {left}"
    );
    assert!(!data.join("switchboard.db").exists());
    assert!(!data.join("switchboard.db.v4.bak").exists());
    assert!(
        said.contains(&format!("snapshots/{}", snapshots[0])),
        "{said}"
    );
    assert!(!data.join("snapshots").exists(), "the snapshots were kept");
    assert!(
        data.join("notes.txt").exists(),
        "a file not Switchboard's was removed"
    );

    // Nothing left: a second reset says so.
    assert!(ok(data, &["reset", "--yes"]).contains("no Switchboard data"));
}
