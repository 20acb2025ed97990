//! Opening real database files: damaged and newer ones refused untouched, backups before an
//! upgrade, and replies of dead sessions marked interrupted.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::fs::{self, File};

use rusqlite::Connection;
use rusqlite_migration::Migrations;

use super::open::session_alive;
use super::{Store, DB_FILE, MIGRATIONS};
use crate::model::{MessageState, Role};

#[test]
fn a_damaged_database_is_refused_and_left_as_it_is() {
    // Not a database at all.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7 % 251) as u8).collect();
    fs::write(&path, &garbage).unwrap();
    let Err(err) = Store::open(dir.path()) else {
        panic!("a file of noise opened")
    };
    assert_eq!(err.kind, crate::error::ErrorKind::Storage);
    assert!(err.message.contains("is damaged"), "{}", err.message);
    assert!(err.message.contains(&path.display().to_string()));
    assert!(err.message.contains("left the file as it is"));
    assert_eq!(fs::read(&path).unwrap(), garbage);

    // A real database whose pages were overwritten in the middle.
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let chat = store.create_chat("t", None, None).unwrap();
        for i in 0..400 {
            store
                .append_message(
                    &chat.id,
                    Role::User,
                    &format!("message {i} {}", "x".repeat(200)),
                )
                .unwrap();
        }
        store
            .conn()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
    }
    let path = dir.path().join(DB_FILE);
    let mut bytes = fs::read(&path).unwrap();
    assert!(bytes.len() > 64 * 1024, "{}", bytes.len());
    for byte in &mut bytes[16 * 1024..48 * 1024] {
        *byte = 0xA5;
    }
    fs::write(&path, &bytes).unwrap();
    let Err(err) = Store::open(dir.path()) else {
        panic!("a database with overwritten pages opened")
    };
    assert!(err.message.contains("is damaged"), "{}", err.message);
    assert_eq!(
        fs::read(&path).unwrap(),
        bytes,
        "the damaged file was changed"
    );
}

#[test]
fn a_database_from_a_newer_version_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    {
        let store = Store::open(dir.path()).unwrap();
        store.create_chat("kept", None, None).unwrap();
        let conn = store.conn();
        conn.pragma_update(None, "user_version", MIGRATIONS.len() as i64 + 1)
            .unwrap();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
    }
    let before = fs::read(&path).unwrap();
    let Err(err) = Store::open(dir.path()) else {
        panic!("a newer database opened")
    };
    assert!(
        err.message.contains("newer version of Switchboard"),
        "{}",
        err.message
    );
    assert!(err
        .message
        .contains(&format!("schema {}", MIGRATIONS.len() + 1)));
    assert_eq!(fs::read(&path).unwrap(), before);
    assert!(!dir
        .path()
        .join(format!("{DB_FILE}.v{}.bak", MIGRATIONS.len() + 1))
        .exists());
}

#[test]
fn an_upgrade_keeps_a_backup_and_never_overwrites_one() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        Migrations::from_slice(&MIGRATIONS[..2])
            .to_latest(&mut conn)
            .unwrap();
        conn.execute(
            "INSERT INTO profiles (id, name, source, url, created_at, updated_at)
             VALUES ('a', 'before the upgrade', 'openai', 'https://api.openai.com/v1', 0, 0)",
            [],
        )
        .unwrap();
    }
    let taken = dir.path().join(format!("{DB_FILE}.v2.bak"));
    fs::write(&taken, "an older backup").unwrap();

    let store = Store::open(dir.path()).unwrap();
    assert!(store.find_profile("before the upgrade").unwrap().is_some());
    drop(store);
    assert_eq!(fs::read_to_string(&taken).unwrap(), "an older backup");
    let backup = Connection::open(dir.path().join(format!("{DB_FILE}.v2-2.bak"))).unwrap();
    let version: i64 = backup
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .unwrap();
    let name: String = backup
        .query_row("SELECT name FROM profiles", [], |row| row.get(0))
        .unwrap();
    assert_eq!((version, name.as_str()), (2, "before the upgrade"));

    // Opening the upgraded database again makes no new backup.
    Store::open(dir.path()).unwrap();
    let backups = fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".bak")
        })
        .count();
    assert_eq!(backups, 2);
}

#[test]
fn replies_of_a_dead_session_become_interrupted_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let (dead, live, alive_lock) = {
        let store = Store::open(dir.path()).unwrap();
        let chat = store.create_chat("t", None, None).unwrap();
        let dead = store.begin_reply(&chat.id, "m").unwrap();
        store
            .save_reply_progress(&dead.id, "half a rep", None)
            .unwrap();
        let live = store.begin_reply(&chat.id, "m").unwrap();
        // Hand the replies to two other sessions: one whose process is gone (its lock file
        // exists but nobody holds it) and one still running (its lock is held).
        let sessions = dir.path().join("sessions");
        File::create(sessions.join("gone.lock")).unwrap();
        let alive_lock = File::create(sessions.join("running.lock")).unwrap();
        alive_lock.lock().unwrap();
        let conn = store.conn();
        conn.execute(
            "UPDATE messages SET writer = 'gone' WHERE id = ?1",
            [dead.id.as_str()],
        )
        .unwrap();
        conn.execute(
            "UPDATE messages SET writer = 'running' WHERE id = ?1",
            [live.id.as_str()],
        )
        .unwrap();
        drop(conn);
        (dead.id, live.id, alive_lock)
    };
    let store = Store::open(dir.path()).unwrap();
    let dead = store.message(&dead).unwrap().unwrap();
    assert_eq!(dead.state, MessageState::Interrupted);
    assert_eq!(dead.content, "half a rep");
    assert_eq!(
        store.message(&live).unwrap().unwrap().state,
        MessageState::Streaming
    );
    assert!(!dir.path().join("sessions/gone.lock").exists());
    assert!(dir.path().join("sessions/running.lock").exists());
    drop(alive_lock);
}

#[test]
fn dropping_the_store_interrupts_its_unfinished_replies() {
    let dir = tempfile::tempdir().unwrap();
    let reply = {
        let store = Store::open(dir.path()).unwrap();
        let chat = store.create_chat("t", None, None).unwrap();
        store.begin_reply(&chat.id, "m").unwrap().id
    };
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(
        store.message(&reply).unwrap().unwrap().state,
        MessageState::Interrupted
    );
}

#[test]
fn session_liveness_follows_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let sessions = dir.path().join("sessions");
    fs::create_dir_all(&sessions).unwrap();
    let path = sessions.join("abc.lock");
    let held = File::create(&path).unwrap();
    held.lock().unwrap();
    assert!(session_alive(&sessions, "abc"));
    held.unlock().unwrap();
    assert!(!session_alive(&sessions, "abc"));
    assert!(!session_alive(&sessions, "missing"));
}
