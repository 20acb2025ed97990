//! Opening the database: refusing a damaged or newer file untouched, moving an older
//! version's secrets out, backing up before a schema upgrade, migrating, snapshotting, and
//! marking the replies of processes that died while streaming as `interrupted` (each process
//! holds a lock on `sessions/<id>.lock` for its lifetime; see the store's module doc).
//!
//! Must not hold a key: legacy secrets pass through the caller's mover straight to the keychain
//! (see [`super::legacy_secrets`]). Imports no adapter or transfer type.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection};
use rusqlite_migration::Migrations;

use super::{files, legacy_secrets, now_ms, snapshots, writers, Inner, Store, DB_FILE, MIGRATIONS};
use crate::error::{Error, Result};
use crate::model::ProfileId;

/// The schema version of the database at `path`, after checking it is a Switchboard database
/// this version can use: a damaged file or one written by a newer Switchboard is refused with
/// the reason and left exactly as it is.
fn check_readable(conn: &Connection, path: &Path) -> Result<usize> {
    let damaged = |what: String| {
        Error::storage(format!(
            "The database {} is damaged and cannot be used ({what}). Switchboard has left the \
             file as it is. To start afresh, move it (with any {DB_FILE}-wal file beside it) to \
             another folder and start Switchboard again; to go back, put a backup in its place \
             (Switchboard keeps one beside it, {DB_FILE}.v<N>.bak, before each upgrade).",
            path.display()
        ))
    };
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|err| damaged(err.to_string()))?;
    let check: String = conn
        .pragma_query_value(None, "quick_check", |row| row.get(0))
        .map_err(|err| damaged(err.to_string()))?;
    if check != "ok" {
        return Err(damaged(format!("SQLite's check says: {check}")));
    }
    let version =
        usize::try_from(version).map_err(|_| damaged(format!("schema version {version}")))?;
    if version > MIGRATIONS.len() {
        return Err(Error::storage(format!(
            "The database {} was written by a newer version of Switchboard (schema {version}; \
             this version knows up to {}). Switchboard has left it as it is: update Switchboard \
             to open it.",
            path.display(),
            MIGRATIONS.len()
        )));
    }
    Ok(version)
}

/// The schema from which secrets are no longer kept in the database.
const SECRETS_OUT_VERSION: usize = 6;

/// Moves header values and URL credentials to the keychain and blanks them in the database and
/// in every earlier backup (see [`legacy_secrets`]).
fn move_secrets_out(
    conn: &Connection,
    dir: &Path,
    mover: Option<legacy_secrets::SecretMover<'_>>,
) -> Result<()> {
    let found = legacy_secrets::find(conn)?;
    if !found.is_empty() {
        let Some(mover) = mover else {
            return Err(Error::storage(
                "This database keeps header values or URL credentials that must move to the system keychain before it can be upgraded; open it with Switchboard (the app or the command line), which does that.",
            ));
        };
        mover(&found).map_err(|err| {
            Error::storage(format!(
                "Could not move the header values and URL credentials of {} profile(s) to the system keychain, so the database was not upgraded and is as it was: {}",
                found.len(),
                err.message
            ))
        })?;
    }
    let moved: Vec<ProfileId> = found.into_iter().map(|m| m.profile_id).collect();
    legacy_secrets::blank(conn, &moved)?;
    legacy_secrets::scrub_backups(dir)?;
    Ok(())
}

/// Copies the database to `switchboard.db.v<version>.bak` before its schema is upgraded (a new
/// name when that one is taken: a backup is never overwritten).
fn backup_before_upgrade(conn: &Connection, dir: &Path, version: usize) -> Result<PathBuf> {
    if dir.to_str().is_none() {
        return Err(Error::storage(format!(
            "The data directory {} is not valid Unicode.",
            dir.display()
        )));
    }
    let path = files::reserve_backup(dir, version)?;
    let target = path.to_string_lossy().into_owned();
    conn.execute("VACUUM INTO ?1", [target]).map_err(|err| {
        let _ = fs::remove_file(&path);
        Error::storage(format!(
            "Could not back up the database to {} before upgrading it: {err}. Nothing was changed.",
            path.display()
        ))
    })?;
    files::make_private(&path)?;
    Ok(path)
}

impl Store {
    /// Opens (creating if needed) the database in `dir`, refuses it when it is damaged or from a
    /// newer version (leaving it untouched), backs it up before a schema upgrade, migrates it, marks replies left
    /// `streaming` by processes that are gone as `interrupted`, and removes for good the chats
    /// deleted before when no other process has the data open (see [`writers`]).
    pub fn open(dir: &Path) -> Result<Store> {
        Store::open_with(dir, None)
    }

    /// [`Store::open`], moving the secrets an older version kept in the database (header
    /// values, URL credentials) to the keychain through `mover` before the upgrade; without a
    /// mover such a database is refused, untouched.
    pub fn open_with(dir: &Path, mover: Option<legacy_secrets::SecretMover<'_>>) -> Result<Store> {
        Store::open_at(dir, mover, now_ms())
    }

    /// [`Store::open_with`] as if it were `now` (ms since the Unix epoch), which decides
    /// whether the day's snapshot is still to be taken (see [`snapshots`]). A snapshot that
    /// fails does not stop the data opening: it is logged and kept in
    /// [`Store::snapshot_problem`] for the front end to show.
    pub fn open_at(
        dir: &Path,
        mover: Option<legacy_secrets::SecretMover<'_>>,
        now: i64,
    ) -> Result<Store> {
        files::prepare_data_dir(dir)?;
        let session = uuid::Uuid::new_v4().to_string();
        let lock_path = dir.join("sessions").join(format!("{session}.lock"));
        let lock = files::create_private(&lock_path)?;
        lock.lock()?;

        let path = dir.join(DB_FILE);
        let mut conn = Connection::open(&path).map_err(|err| {
            Error::storage(format!(
                "Could not open the database {}: {err}.",
                path.display()
            ))
        })?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        writers::immediate_transactions(&mut conn);
        let migrating = writers::lock_migrations(dir)?;
        let version = check_readable(&conn, &path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut snapshot_problems = Vec::new();
        if version > 0 && version < MIGRATIONS.len() {
            if version < SECRETS_OUT_VERSION {
                move_secrets_out(&conn, dir, mover)?;
            }
            backup_before_upgrade(&conn, dir, version)?;
            // Only now: the secrets are out of the database.
            if let Err(err) =
                snapshots::take(&conn, dir, snapshots::SnapshotKind::BeforeUpgrade, now)
            {
                snapshot_problems.push(err.message);
            }
        }
        Migrations::from_slice(MIGRATIONS)
            .to_latest(&mut conn)
            .map_err(|err| {
                Error::storage(format!("Could not update the database schema: {err}."))
            })?;
        // A database made just now has nothing to keep yet.
        if version > 0 {
            if let Err(err) = snapshots::daily(&conn, dir, now) {
                snapshot_problems.push(err.message);
            }
        }
        drop(migrating);
        for problem in &snapshot_problems {
            tracing::warn!("{problem}");
        }

        let opened_alone = !writers::others_open(dir, &session);
        let store = Store {
            inner: Arc::new(Inner {
                opened_alone,
                conn: Mutex::new(conn),
                dir: dir.to_path_buf(),
                session,
                lock_path,
                _lock: lock,
                snapshot_problem: (!snapshot_problems.is_empty())
                    .then(|| snapshot_problems.join(" ")),
            }),
        };
        store.recover(dir)?;
        // Deleting a chat or a message can be undone while the app runs; earlier deletions are
        // final, once no other process (the window) has the data open and may still offer to
        // undo them. Deleted profiles are purged by the engine, which removes their keychain
        // entries too.
        // Attachments left in a composer for a week and never sent go then too.
        if opened_alone {
            store.purge_deleted(now_ms())?;
            store.discard_stale_drafts()?;
        }
        Ok(store)
    }

    /// Marks replies of dead sessions as interrupted and removes their lock files. Returns how
    /// many replies were marked.
    pub(super) fn recover(&self, dir: &Path) -> Result<usize> {
        let sessions_dir = dir.join("sessions");
        let conn = self.conn();
        let writers: Vec<String> = conn
            .prepare("SELECT DISTINCT writer FROM messages WHERE state = 'streaming' AND writer IS NOT NULL")?
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut marked = 0;
        for writer in writers {
            if writer == self.inner.session || session_alive(&sessions_dir, &writer) {
                continue;
            }
            marked += conn.execute(
                "UPDATE messages SET state = 'interrupted', updated_at = ?2
                 WHERE writer = ?1 AND state = 'streaming'",
                params![writer, now_ms()],
            )?;
        }
        drop(conn);
        // Lock files of dead sessions are litter; remove them.
        if let Ok(entries) = fs::read_dir(&sessions_dir) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Some(id) = name.strip_suffix(".lock") {
                    if id != self.inner.session && !session_alive(&sessions_dir, id) {
                        let _ = fs::remove_file(entry.path());
                    }
                }
            }
        }
        Ok(marked)
    }

    // ----- profiles -----
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Replies this session never finished (a task torn down mid-stream) are interrupted.
        if let Ok(conn) = self.conn.get_mut() {
            let _ = conn.execute(
                "UPDATE messages SET state = 'interrupted', writer = NULL WHERE writer = ?1 AND state = 'streaming'",
                [&self.session],
            );
        }
        let _ = fs::remove_file(&self.lock_path);
    }
}

/// Whether the process that owns session `id` is still running: it holds its lock file.
pub(super) fn session_alive(sessions_dir: &Path, id: &str) -> bool {
    let path = sessions_dir.join(format!("{id}.lock"));
    match File::options().read(true).write(true).open(&path) {
        Ok(file) => match file.try_lock() {
            Ok(()) => {
                let _ = file.unlock();
                false
            }
            Err(_) => true,
        },
        Err(_) => false,
    }
}
