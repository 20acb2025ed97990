//! `snapshots list` and `snapshots restore` on the real binary and real files: the day's
//! snapshot, a restore that keeps what it replaced, a damaged snapshot, a restore refused while
//! another process has the data open, and a snapshot that cannot be written.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fs;
use std::path::Path;

use common::{ok, run};
use tempfile::TempDir;

fn import(data: &Path, title: &str) {
    let file = data.parent().unwrap().join(format!("{title}.jsonl"));
    fs::write(
        &file,
        format!(
            "{{\"user_name\":\"You\",\"character_name\":\"{title}\"}}\n\
             {{\"name\":\"You\",\"is_user\":true,\"mes\":\"hello {title}\"}}\n"
        ),
    )
    .unwrap();
    ok(data, &["chats", "import", file.to_str().unwrap()]);
}

fn ids(data: &Path) -> Vec<(String, serde_json::Value)> {
    let listed: serde_json::Value =
        serde_json::from_str(&ok(data, &["--json", "snapshots", "list"])).unwrap();
    listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_str().unwrap().to_string(), s.clone()))
        .collect()
}

#[test]
fn a_snapshot_is_listed_and_restored_keeping_what_it_replaced() {
    let root = TempDir::new().unwrap();
    let data = root.path().join("data");
    import(&data, "first");
    // Opened again: the day's snapshot, with the one chat.
    let listed = ok(&data, &["snapshots", "list"]);
    assert!(listed.contains("daily"), "{listed}");
    assert!(listed.contains("1 chats, 1 messages"), "{listed}");
    let daily = ids(&data).remove(0).0;
    import(&data, "second");
    assert_eq!(ok(&data, &["chats", "list"]).lines().count(), 2);

    let said = ok(&data, &["snapshots", "restore", &daily]);
    assert!(
        said.contains(&format!("Restored {daily}: 1 chat(s)")),
        "{said}"
    );
    assert!(
        said.contains("(2 chat(s), 2 message(s)) is kept as"),
        "{said}"
    );
    let chats = ok(&data, &["chats", "list"]);
    assert!(
        chats.contains("first") && !chats.contains("second"),
        "{chats}"
    );
    let after = ids(&data);
    let replaced = after
        .iter()
        .find(|(_, s)| s["kind"] == "beforeRestore")
        .expect("the replaced data was snapshotted");
    assert_eq!(replaced.1["chats"], 2);

    // Undo.
    ok(&data, &["snapshots", "restore", &replaced.0]);
    assert!(ok(&data, &["chats", "list"]).contains("second"));
}

#[test]
fn a_damaged_snapshot_is_reported_and_a_busy_one_refused() {
    let root = TempDir::new().unwrap();
    let data = root.path().join("data");
    import(&data, "only");
    let id = ids(&data).remove(0).0;

    // Another process has the data open: its session lock is held.
    let sessions = data.join("sessions");
    let other = fs::File::create(sessions.join("other-process.lock")).unwrap();
    other.lock().unwrap();
    let refused = run(&data, &["snapshots", "restore", &id]);
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("has the data open"),
        "{}",
        refused.stderr
    );
    drop(other);

    let path = data.join("snapshots").join(format!("{id}.db"));
    let mut bytes = fs::read(&path).unwrap();
    let header = 4096.min(bytes.len());
    for byte in &mut bytes[..header] {
        *byte = 0xA5;
    }
    fs::write(&path, &bytes).unwrap();
    let listed = ok(&data, &["snapshots", "list"]);
    assert!(listed.contains("CANNOT BE USED"), "{listed}");
    assert!(listed.contains(&id), "{listed}");
    let refused = run(&data, &["snapshots", "restore", &id]);
    assert_ne!(refused.code, 0);
    assert!(refused.stderr.contains(&id), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("Nothing was changed"),
        "{}",
        refused.stderr
    );
    assert!(ok(&data, &["chats", "list"]).contains("only"));

    let missing = run(&data, &["snapshots", "restore", "no-such-snapshot"]);
    assert!(missing.stderr.contains("no snapshot"), "{}", missing.stderr);
}

#[test]
fn a_snapshot_that_cannot_be_taken_is_a_warning_line() {
    let root = TempDir::new().unwrap();
    let data = root.path().join("data");
    import(&data, "kept");
    fs::write(data.join("snapshots"), b"in the way").unwrap();
    let listed = run(&data, &["chats", "list"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert!(
        listed
            .stderr
            .starts_with("warning: Could not take the daily snapshot"),
        "{}",
        listed.stderr
    );
    assert!(listed.stdout.contains("kept"));
}
