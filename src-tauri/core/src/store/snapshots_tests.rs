//! Rolling snapshots on real SQLite files, with the date driven by the tests.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::fs;
use std::path::Path;

use rusqlite::Connection;
use rusqlite_migration::Migrations;

use super::snapshots::{self, SnapshotKind, KEEP, SNAPSHOT_DIR};
use super::{Store, DB_FILE, MIGRATIONS};
use crate::model::Role;

const DAY: i64 = 86_400_000;
/// 2026-12-07 08:00:00 UTC.
const MONDAY: i64 = 1_796_630_400_000;

fn kinds(dir: &Path) -> Vec<(String, SnapshotKind)> {
    snapshots::list(dir)
        .into_iter()
        .map(|s| (s.id, s.kind))
        .collect()
}

fn open(dir: &Path, now: i64) -> Store {
    let store = Store::open_at(dir, None, now).unwrap();
    assert_eq!(store.snapshot_problem(), None);
    store
}

#[test]
fn a_snapshot_is_taken_once_a_day_and_the_last_seven_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    // A new database has nothing to keep yet.
    let store = open(dir.path(), MONDAY);
    let chat = store.create_chat("kept", None, None).unwrap();
    store.append_message(&chat.id, Role::User, "hello").unwrap();
    drop(store);
    assert!(kinds(dir.path()).is_empty());

    drop(open(dir.path(), MONDAY + 1000));
    drop(open(dir.path(), MONDAY + 3_600_000));
    let taken = snapshots::list(dir.path());
    assert_eq!(taken.len(), 1, "{taken:?}");
    assert_eq!(taken[0].id, "2026-12-07-080001-daily");
    assert_eq!(taken[0].kind, SnapshotKind::Daily);
    assert_eq!(taken[0].taken_at, MONDAY + 1000);
    assert_eq!((taken[0].chats, taken[0].messages), (Some(1), Some(1)));
    assert_eq!(taken[0].problem, None);
    assert!(taken[0].size > 0);

    for day in 1..10 {
        drop(open(dir.path(), MONDAY + day * DAY));
        drop(open(dir.path(), MONDAY + day * DAY + 60_000));
    }
    let ids: Vec<String> = kinds(dir.path()).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), KEEP);
    assert_eq!(ids[0], "2026-12-16-080000-daily");
    assert_eq!(ids[KEEP - 1], "2026-12-10-080000-daily");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let folder = dir.path().join(SNAPSHOT_DIR);
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&folder), 0o700);
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            assert_eq!(mode(&path), 0o600, "{}", path.display());
            assert_eq!(path.extension().unwrap(), "db", "only snapshots there");
        }
    }
}

#[test]
fn an_upgrade_is_preceded_by_a_snapshot_without_the_secrets_moved_out() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        Migrations::from_slice(&MIGRATIONS[..5])
            .to_latest(&mut conn)
            .unwrap();
        conn.execute(
            "INSERT INTO profiles (id, name, source, url, headers, created_at, updated_at)
             VALUES ('p1', 'old', 'custom', 'https://user:pw-snap-1a2b@example.test/v1',
                     '[[\"X-Token\",\"tok-snap-9f8e7d\"]]', 0, 0)",
            [],
        )
        .unwrap();
    }
    let mover = |_: &[super::legacy_secrets::MovedSecrets]| Ok(());
    let store = Store::open_at(dir.path(), Some(&mover), MONDAY).unwrap();
    assert_eq!(store.snapshot_problem(), None);
    let taken = snapshots::list(dir.path());
    let kinds: Vec<SnapshotKind> = taken.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        vec![SnapshotKind::Daily, SnapshotKind::BeforeUpgrade],
        "{taken:?}"
    );
    let before = taken
        .iter()
        .find(|s| s.kind == SnapshotKind::BeforeUpgrade)
        .unwrap();
    let path = dir
        .path()
        .join(SNAPSHOT_DIR)
        .join(format!("{}.db", before.id));
    let version: i64 = Connection::open(&path)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(
        version, 5,
        "the snapshot is of the database before the upgrade"
    );
    let bytes = fs::read(&path).unwrap();
    for secret in ["tok-snap-9f8e7d", "pw-snap-1a2b"] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{secret} is in the snapshot"
        );
    }
}

#[test]
fn a_restore_brings_back_a_deleted_chat_and_keeps_what_it_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), MONDAY);
    let chat = store.create_chat("precious", None, None).unwrap();
    store
        .append_message(&chat.id, Role::User, "do not lose me")
        .unwrap();
    drop(store);
    let store = open(dir.path(), MONDAY + DAY);
    let daily = snapshots::list(dir.path()).remove(0);
    assert!(store.delete_chat(&chat.id).unwrap());
    store.purge_deleted(MONDAY + 2 * DAY).unwrap();
    store.create_chat("made later", None, None).unwrap();
    assert_eq!(store.chats().unwrap().len(), 1);

    let report = store
        .restore_snapshot_at(&daily.id, MONDAY + DAY + 5000)
        .unwrap();
    assert_eq!(report.restored.id, daily.id);
    assert_eq!(report.replaced.kind, SnapshotKind::BeforeRestore);
    assert_eq!(report.replaced.chats, Some(1));
    let chats = store.chats().unwrap();
    assert_eq!(chats.len(), 1);
    assert_eq!(chats[0].title, "precious");
    assert_eq!(
        store.messages(&chat.id).unwrap()[0].content,
        "do not lose me"
    );
    // The store goes on working on the restored data.
    store.append_message(&chat.id, Role::User, "after").unwrap();

    // Undo: the data it replaced comes back from the snapshot the restore took.
    store
        .restore_snapshot_at(&report.replaced.id, MONDAY + DAY + 9000)
        .unwrap();
    let titles: Vec<String> = store
        .chats()
        .unwrap()
        .into_iter()
        .map(|c| c.title)
        .collect();
    assert_eq!(titles, vec!["made later".to_string()]);
}

#[test]
fn a_restore_is_refused_while_another_process_has_the_data_open() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), MONDAY);
    store.create_chat("one", None, None).unwrap();
    drop(store);
    let store = open(dir.path(), MONDAY + DAY);
    let id = snapshots::list(dir.path()).remove(0).id;
    store.create_chat("two", None, None).unwrap();
    let window = open(dir.path(), MONDAY + DAY);
    let err = store.restore_snapshot_at(&id, MONDAY + DAY).unwrap_err();
    assert!(err.message.contains("has the data open"), "{}", err.message);
    assert!(
        err.message.contains("Nothing was changed"),
        "{}",
        err.message
    );
    assert_eq!(store.chats().unwrap().len(), 2);
    assert_eq!(snapshots::list(dir.path()).len(), 1, "no snapshot taken");
    drop(window);
    store.restore_snapshot_at(&id, MONDAY + DAY).unwrap();
    assert_eq!(store.chats().unwrap().len(), 1);
}

#[test]
fn a_damaged_snapshot_is_listed_as_such_and_not_restored() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), MONDAY);
    let chat = store.create_chat("t", None, None).unwrap();
    for i in 0..300 {
        store
            .append_message(&chat.id, Role::User, &format!("{i} {}", "x".repeat(200)))
            .unwrap();
    }
    drop(store);
    let store = open(dir.path(), MONDAY + DAY);
    let snapshot = snapshots::list(dir.path()).remove(0);
    let path = dir
        .path()
        .join(SNAPSHOT_DIR)
        .join(format!("{}.db", snapshot.id));
    let mut bytes = fs::read(&path).unwrap();
    assert!(bytes.len() > 48 * 1024, "{}", bytes.len());
    for byte in &mut bytes[16 * 1024..40 * 1024] {
        *byte = 0xA5;
    }
    fs::write(&path, &bytes).unwrap();

    let listed = snapshots::list(dir.path()).remove(0);
    let problem = listed.problem.unwrap();
    assert!(problem.contains(&snapshot.id), "{problem}");
    assert!(problem.contains("damaged"), "{problem}");
    assert_eq!((listed.chats, listed.messages), (None, None));

    store.create_chat("current", None, None).unwrap();
    let err = store
        .restore_snapshot_at(&snapshot.id, MONDAY + DAY)
        .unwrap_err();
    assert!(err.message.contains("damaged"), "{}", err.message);
    assert!(
        err.message.contains("Nothing was changed"),
        "{}",
        err.message
    );
    assert_eq!(store.chats().unwrap().len(), 2);
    let err = store
        .restore_snapshot_at("../switchboard", MONDAY)
        .unwrap_err();
    assert!(err.message.contains("no snapshot"), "{}", err.message);
}

#[test]
fn a_snapshot_that_fails_its_check_when_taken_is_reported_and_not_kept() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source.db");
    {
        let conn = Connection::open(&source).unwrap();
        conn.execute_batch(
            "CREATE TABLE t (x TEXT); CREATE INDEX tx ON t(x);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
             INSERT INTO t SELECT printf('%d %.100c', i, 'y') FROM n;",
        )
        .unwrap();
    }
    // Damage the index's pages (the last ones written): the table still reads.
    let mut bytes = fs::read(&source).unwrap();
    let len = bytes.len();
    for byte in &mut bytes[len - 40 * 1024..len - 8 * 1024] {
        *byte = 0x5A;
    }
    fs::write(&source, &bytes).unwrap();
    let conn = Connection::open(&source).unwrap();
    let err = snapshots::take(&conn, dir.path(), SnapshotKind::Daily, MONDAY).unwrap_err();
    assert!(
        err.message.contains("2026-12-07-080000-daily"),
        "{}",
        err.message
    );
    assert!(err.message.contains("unchanged"), "{}", err.message);
    assert!(
        snapshots::list(dir.path()).is_empty(),
        "a damaged copy was kept"
    );
}

#[test]
fn a_snapshot_that_cannot_be_written_is_reported_when_the_data_opens() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path(), MONDAY));
    // Something that is not a folder where the snapshots go.
    fs::write(dir.path().join(SNAPSHOT_DIR), b"in the way").unwrap();
    let store = Store::open_at(dir.path(), None, MONDAY + DAY).unwrap();
    let problem = store.snapshot_problem().unwrap();
    assert!(
        problem.contains("Could not take the daily snapshot"),
        "{problem}"
    );
    assert!(problem.contains(SNAPSHOT_DIR), "{problem}");
    // The data itself opened and works.
    store.create_chat("still works", None, None).unwrap();
}
