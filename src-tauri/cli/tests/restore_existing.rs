//! `chats import BACKUP` into the data the backup was made from: its chats are recognised by
//! id and skipped by default (or with `--existing skip`), replaced with `--existing replace`,
//! and never added a second time. The real binary over real SQLite.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::{ok, run};
use serde_json::Value;
use tempfile::TempDir;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/sillytavern/seraphina_swipes.jsonl"
);

fn listed(data: &Path) -> Vec<(String, String)> {
    let chats: Value = serde_json::from_str(&ok(data, &["chats", "list", "--json"])).unwrap();
    chats
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["title"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_backup_imported_where_it_was_made_skips_or_replaces_its_chats() {
    let root = TempDir::new().unwrap();
    let data = root.path().join("data");
    ok(&data, &["chats", "import", FIXTURE]);
    let before = listed(&data);
    assert_eq!(before.len(), 1);
    let (id, title) = before[0].clone();

    // The backup, then its copy of the chat changed (as if the chat here had moved on since).
    let backup = root.path().join("backup.json");
    let path = backup.to_str().unwrap();
    ok(&data, &["chats", "backup", "--output", path]);
    let mut file: Value = serde_json::from_str(&std::fs::read_to_string(&backup).unwrap()).unwrap();
    assert_eq!(
        file["chats"][0]["id"],
        id.as_str(),
        "the backup keeps the chat's id"
    );
    file["chats"][0]["title"] = "The backup's copy".into();
    file["chats"][0]["messages"][0]["content"] = "Only in the backup's copy.".into();
    std::fs::write(&backup, file.to_string()).unwrap();

    for args in [
        vec!["chats", "import", path],
        vec!["chats", "import", path, "--existing", "skip"],
    ] {
        let out = ok(&data, &args);
        assert!(
            out.contains(&format!("Skipped \"{title}\" ({id}): already here")),
            "{args:?}: {out}"
        );
        assert!(out.contains("--existing replace"), "{out}");
        assert!(!out.contains("Imported \""), "{out}");
        assert_eq!(listed(&data), before, "{args:?}");
    }

    let out = ok(&data, &["chats", "import", path, "--existing", "replace"]);
    assert!(out.contains("Replaced \"The backup's copy\""), "{out}");
    let after = listed(&data);
    assert_eq!(after, vec![(id.clone(), "The backup's copy".to_string())]);
    let shown = ok(&data, &["chats", "show", &id]);
    assert!(shown.contains("Only in the backup's copy."), "{shown}");

    // Anything else is a usage mistake, and nothing is imported.
    let wrong = run(&data, &["chats", "import", path, "--existing", "duplicate"]);
    assert_eq!(wrong.code, 2, "{}", wrong.stderr);
    assert!(wrong.stderr.contains("--existing"), "{}", wrong.stderr);
    assert_eq!(listed(&data).len(), 1);
}
