//! Several processes on one database (the window and the command line at once):
//!
//! - Every transaction starts `IMMEDIATE`: it takes the write lock first, so a busy database
//!   makes it wait (the busy timeout) instead of failing at once. A deferred transaction that
//!   reads and then writes cannot wait: when another process wrote in between, SQLite refuses
//!   it with `SQLITE_BUSY` straight away.
//! - Checking, backing up and migrating the schema happen under an exclusive lock on
//!   `migrate.lock` in the data folder, so two processes opening an older database at once do
//!   not both back it up or run a migration twice.
//! - Deleted chats are removed for good only when no other process has the data open (another
//!   live session): the window may still offer to undo a deletion the command line would
//!   otherwise make final.
//!
//! This module holds the rules only; it writes no rows itself.

use std::fs::File;
use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::files;
use super::open::session_alive;
use crate::error::{Error, Result};

/// File name of the lock held while the schema is checked and migrated.
pub const MIGRATION_LOCK: &str = "migrate.lock";

/// Makes every transaction of `conn` start `IMMEDIATE`, the migrations' included.
pub(crate) fn immediate_transactions(conn: &mut Connection) {
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
}

/// Waits for, then holds, the data folder's migration lock; released when dropped.
pub(crate) fn lock_migrations(dir: &Path) -> Result<File> {
    let path = dir.join(MIGRATION_LOCK);
    let file = files::ensure_private(&path).map_err(|err| {
        Error::storage(format!(
            "Could not create the lock file {}: {err}.",
            path.display()
        ))
    })?;
    file.lock()
        .map_err(|err| Error::storage(format!("Could not lock {}: {err}.", path.display())))?;
    Ok(file)
}

/// Whether another process has the data in `dir` open: a session other than `own` whose lock
/// file is held.
pub(crate) fn others_open(dir: &Path, own: &str) -> bool {
    let sessions = dir.join("sessions");
    let Ok(entries) = std::fs::read_dir(&sessions) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let name = entry.file_name().to_string_lossy().into_owned();
        name.strip_suffix(".lock")
            .is_some_and(|id| id != own && session_alive(&sessions, id))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use std::sync::{Arc, Barrier};

    use rusqlite_migration::Migrations;

    use super::*;
    use crate::store::{Store, DB_FILE, MIGRATIONS};

    /// Two stores opening an older database at once: one backs it up and migrates it, the
    /// other waits and finds it done.
    #[test]
    fn an_older_database_opened_twice_at_once_is_backed_up_and_migrated_once() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
            Migrations::from_slice(&MIGRATIONS[..3])
                .to_latest(&mut conn)
                .unwrap();
        }
        let start = Arc::new(Barrier::new(2));
        let openers: Vec<_> = (0..2)
            .map(|_| {
                let start = start.clone();
                let dir = dir.path().to_path_buf();
                std::thread::spawn(move || {
                    start.wait();
                    Store::open(&dir)
                })
            })
            .collect();
        let stores: Vec<Store> = openers
            .into_iter()
            .map(|t| t.join().unwrap().unwrap())
            .collect();
        let backups: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".bak"))
            .collect();
        assert_eq!(backups, vec![format!("{DB_FILE}.v3.bak")]);
        let version: i64 = stores[0]
            .conn()
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
    }

    /// A chat deleted in one process (the window, which offers Undo) is not removed for good
    /// by another opening the data meanwhile; once the first has closed, it is.
    #[test]
    fn deleted_chats_are_purged_only_when_no_other_session_is_open() {
        let dir = tempfile::tempdir().unwrap();
        let window = Store::open(dir.path()).unwrap();
        let chat = window
            .create_chat("deleted in the window", None, None)
            .unwrap();
        assert!(window.delete_chat(&chat.id).unwrap());
        // Deleted a moment ago, not in the very millisecond the other store opens.
        let earlier = |store: &Store| {
            store
                .conn()
                .execute("UPDATE chats SET deleted_at = deleted_at - 1000", [])
                .unwrap()
        };
        earlier(&window);
        let cli = Store::open(dir.path()).unwrap();
        assert!(others_open(dir.path(), cli.session()));
        drop(cli);
        assert!(window.restore_chat(&chat.id).unwrap(), "the undo was lost");
        assert!(window.delete_chat(&chat.id).unwrap());
        earlier(&window);
        drop(window);
        let later = Store::open(dir.path()).unwrap();
        assert!(!others_open(dir.path(), later.session()));
        assert!(!later.restore_chat(&chat.id).unwrap(), "not purged");
    }
}
