//! Rolling snapshots of the database in `snapshots/` under the data folder (folder `0700`,
//! files `0600`), copied with SQLite's online backup API and checked (`PRAGMA quick_check`)
//! once written:
//!
//! - one a day, when the data is first opened that day (UTC), after any upgrade; the newest
//!   [`KEEP`] daily ones are kept;
//! - one before each schema upgrade, of the database as it was (after the secrets an older
//!   version kept in it were moved to the keychain and blanked: see `Store::open_with`);
//! - one before each restore, of the data the restore replaces.
//!
//! Of the upgrade and restore snapshots the newest [`KEEP`] of each kind are kept too.
//! A snapshot that cannot be written or fails its check is reported (an error naming it), never
//! kept, never silently skipped.
//!
//! Restoring copies a snapshot into the live database with the backup API, under the migration
//! lock, and is refused while another process (the window, the command line) has the data open:
//! the other process would otherwise go on with chats and replies that are no longer there.
//!
//! This module never overwrites or reuses a snapshot's name, never restores a snapshot that
//! fails its check, and never snapshots a database that still holds secrets (its callers
//! decide when to take one).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::backup::Backup;
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use rusqlite_migration::Migrations;

use super::{files, now_ms, writers, Store, MIGRATIONS};
use crate::error::{Error, Result};

/// The snapshots' folder inside the data folder.
pub const SNAPSHOT_DIR: &str = "snapshots";
/// How many snapshots of each kind are kept (the daily ones: a week).
pub const KEEP: usize = 7;

/// Why a snapshot was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum SnapshotKind {
    /// The first time the data was opened that day.
    Daily,
    /// Just before the schema was upgraded.
    BeforeUpgrade,
    /// Just before another snapshot was restored over the data.
    BeforeRestore,
}

impl SnapshotKind {
    fn tag(self) -> &'static str {
        match self {
            SnapshotKind::Daily => "daily",
            SnapshotKind::BeforeUpgrade => "before-upgrade",
            SnapshotKind::BeforeRestore => "before-restore",
        }
    }

    fn from_tag(tag: &str) -> Option<SnapshotKind> {
        [
            SnapshotKind::Daily,
            SnapshotKind::BeforeUpgrade,
            SnapshotKind::BeforeRestore,
        ]
        .into_iter()
        .find(|kind| tag == kind.tag() || tag.starts_with(&format!("{}-", kind.tag())))
    }
}

/// One snapshot, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SnapshotInfo {
    /// Its id (the file name without `.db`), e.g. `2026-12-07-081500-daily`.
    pub id: String,
    /// Why it was taken.
    pub kind: SnapshotKind,
    /// When, ms since the Unix epoch.
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub taken_at: i64,
    /// Its size in bytes.
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub size: u64,
    /// Chats in it (not counting deleted ones); `None` when it cannot be read.
    #[cfg_attr(feature = "specta", specta(type = Option<specta_typescript::Number>))]
    pub chats: Option<i64>,
    /// Messages in those chats; `None` when it cannot be read.
    #[cfg_attr(feature = "specta", specta(type = Option<specta_typescript::Number>))]
    pub messages: Option<i64>,
    /// Why it cannot be restored (damaged, unreadable, from a newer version), if so.
    pub problem: Option<String>,
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RestoreReport {
    /// The snapshot restored.
    pub restored: SnapshotInfo,
    /// The snapshot of the data it replaced (restore it to undo).
    pub replaced: SnapshotInfo,
}

impl Store {
    /// Every snapshot of this data, newest first, each checked.
    pub fn snapshots(&self) -> Vec<SnapshotInfo> {
        list(self.dir())
    }

    /// Chats (not deleted) and their messages now, to compare with a snapshot's.
    pub fn counts(&self) -> Result<(i64, i64)> {
        Ok(counts(&self.conn())?)
    }

    /// Why a snapshot taken when the data was opened failed, if one did.
    pub fn snapshot_problem(&self) -> Option<&str> {
        self.inner.snapshot_problem.as_deref()
    }

    /// Replaces the data with the snapshot `id`, after taking a snapshot of the data it
    /// replaces; upgrades a snapshot from an older schema. Refused, with nothing changed, when
    /// the snapshot fails its check, when the data it replaces cannot be snapshotted first,
    /// or when another process has the data open.
    pub fn restore_snapshot(&self, id: &str) -> Result<RestoreReport> {
        self.restore_snapshot_at(id, now_ms())
    }

    /// [`Store::restore_snapshot`] as if it were `now` (ms since the Unix epoch).
    pub fn restore_snapshot_at(&self, id: &str, now: i64) -> Result<RestoreReport> {
        let dir = self.dir().to_path_buf();
        let _migrating = writers::lock_migrations(&dir)?;
        if writers::others_open(&dir, self.session()) {
            return Err(Error::storage(
                "Another Switchboard (the window or the command line) has the data open; close it, then restore the snapshot. Nothing was changed.",
            ));
        }
        let restored = find(&dir, id)?;
        if let Some(problem) = &restored.problem {
            return Err(Error::storage(format!("{problem} Nothing was changed.")));
        }
        let source = open(&dir, id).map_err(|err| {
            Error::storage(format!(
                "Could not open the snapshot {id}: {err}. Nothing was changed."
            ))
        })?;
        let mut conn = self.conn();
        let replaced = take(&conn, &dir, SnapshotKind::BeforeRestore, now).map_err(|err| {
            Error::storage(format!(
                "The snapshot {id} was not restored, since the data it would replace could not be kept first. {}",
                err.message
            ))
        })?;
        copy_into(&source, &mut conn).map_err(|err| {
            Error::storage(format!(
                "Could not restore the snapshot {id}: {err}. The data it was to replace is kept in the snapshot {}.",
                replaced.id
            ))
        })?;
        Migrations::from_slice(MIGRATIONS)
            .to_latest(&mut conn)
            .map_err(|err| {
                Error::storage(format!(
                    "The snapshot {id} was restored but could not be upgraded: {err}. The data it replaced is kept in the snapshot {}.",
                    replaced.id
                ))
            })?;
        drop(conn);
        self.recover(&dir)?;
        Ok(RestoreReport { restored, replaced })
    }
}

/// Chats (not deleted) and their messages in a database.
pub(crate) fn counts(conn: &Connection) -> rusqlite::Result<(i64, i64)> {
    let listed = conn.query_row(
        "SELECT (SELECT COUNT(*) FROM chats WHERE deleted_at IS NULL),
                (SELECT COUNT(*) FROM messages m JOIN chats c ON c.id = m.chat_id
                 WHERE c.deleted_at IS NULL)",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    );
    match listed {
        // Schemas before 4 have no deleted chats.
        Err(_) => conn.query_row(
            "SELECT (SELECT COUNT(*) FROM chats), (SELECT COUNT(*) FROM messages)",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        ),
        ok => ok,
    }
}

/// Takes a snapshot of `conn`'s database into `dir`'s snapshots folder, checks it, and drops
/// the oldest of its kind beyond [`KEEP`].
pub(crate) fn take(
    conn: &Connection,
    dir: &Path,
    kind: SnapshotKind,
    now: i64,
) -> Result<SnapshotInfo> {
    let folder = dir.join(SNAPSHOT_DIR);
    let failed = |id: &str, why: String| {
        Error::storage(format!(
            "Could not take the {} snapshot {id} of the database in {}: {why}. The data itself is unchanged.",
            kind.tag(),
            folder.display()
        ))
    };
    files::private_dir(&folder).map_err(|err| failed("", err.to_string()))?;
    let (id, path) = reserve(&folder, kind, now).map_err(|err| failed("", err.to_string()))?;
    let (chats, messages) = match copy(conn, &path).and_then(|()| inspect(&path)) {
        Ok(counts) => counts,
        Err(why) => {
            remove(&path);
            return Err(failed(&id, why));
        }
    };
    files::make_private(&path).map_err(|err| failed(&id, err.to_string()))?;
    prune(&folder, kind);
    Ok(SnapshotInfo {
        taken_at: parse(&id).map_or(now, |(_, at)| at),
        size: fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
        id,
        kind,
        chats: Some(chats),
        messages: Some(messages),
        problem: None,
    })
}

/// Takes today's daily snapshot unless there is one already; `None` when there was.
pub(crate) fn daily(conn: &Connection, dir: &Path, now: i64) -> Result<Option<SnapshotInfo>> {
    let today = format_day(now);
    let taken = list_ids(&dir.join(SNAPSHOT_DIR)).into_iter().any(|id| {
        id.starts_with(&today) && parse(&id).is_some_and(|(kind, _)| kind == SnapshotKind::Daily)
    });
    if taken {
        return Ok(None);
    }
    take(conn, dir, SnapshotKind::Daily, now).map(Some)
}

/// Every snapshot in `dir`'s snapshots folder, newest first, each checked.
pub fn list(dir: &Path) -> Vec<SnapshotInfo> {
    let folder = dir.join(SNAPSHOT_DIR);
    let mut ids = list_ids(&folder);
    ids.sort_by(|a, b| b.cmp(a));
    ids.iter().map(|id| describe(&folder, id)).collect()
}

/// The snapshot `id`, checked; an error naming it when there is none.
pub(crate) fn find(dir: &Path, id: &str) -> Result<SnapshotInfo> {
    let folder = dir.join(SNAPSHOT_DIR);
    if !list_ids(&folder).iter().any(|known| known == id) {
        let shown: String = id.chars().take(80).collect();
        let more = if shown.len() < id.len() { "…" } else { "" };
        return Err(Error::new(
            crate::error::ErrorKind::InvalidRequest,
            format!(
                "There is no snapshot \"{shown}{more}\" in {}.",
                folder.display()
            ),
        )
        .with_reason(crate::error::ErrorReason::NoSnapshot));
    }
    Ok(describe(&folder, id))
}

/// Opens the snapshot `id` read-only.
pub(crate) fn open(dir: &Path, id: &str) -> rusqlite::Result<Connection> {
    Connection::open_with_flags(
        dir.join(SNAPSHOT_DIR).join(format!("{id}.db")),
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
}

/// Copies `from` over `to` in one step (readers of `to` see the old data or the new, never a
/// mix); waits while another process holds a lock.
pub(crate) fn copy_into(from: &Connection, to: &mut Connection) -> rusqlite::Result<()> {
    Backup::new(from, to)?.run_to_completion(i32::MAX, Duration::from_millis(50), None)
}

fn copy(conn: &Connection, path: &Path) -> std::result::Result<(), String> {
    let mut target = Connection::open(path).map_err(|err| err.to_string())?;
    copy_into(conn, &mut target).map_err(|err| err.to_string())?;
    // A copy of a WAL database is one too; a snapshot is a single file.
    target
        .pragma_update(None, "journal_mode", "DELETE")
        .map_err(|err| err.to_string())?;
    Ok(())
}

/// SQLite's quick check of the file at `path`, then its chats and messages.
fn inspect(path: &Path) -> std::result::Result<(i64, i64), String> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|err| err.to_string())?;
    let check: String = conn
        .pragma_query_value(None, "quick_check", |row| row.get(0))
        .map_err(|err| err.to_string())?;
    if check != "ok" {
        return Err(format!("it is damaged: SQLite's check says: {check}"));
    }
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|err| err.to_string())?;
    if usize::try_from(version).map_or(true, |v| v > super::MIGRATIONS.len()) {
        return Err(format!(
            "it was written by a newer version of Switchboard (schema {version})"
        ));
    }
    counts(&conn).map_err(|err| format!("its chats cannot be read: {err}"))
}

fn describe(folder: &Path, id: &str) -> SnapshotInfo {
    let path = folder.join(format!("{id}.db"));
    let (kind, taken_at) = parse(id).unwrap_or((SnapshotKind::Daily, 0));
    let size = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let (chats, messages, problem) = match inspect(&path) {
        Ok((chats, messages)) => (Some(chats), Some(messages), None),
        Err(why) => {
            tracing::warn!(snapshot = id, "snapshot cannot be used: {why}");
            (
                None,
                None,
                Some(format!("The snapshot {id} cannot be used: {why}.")),
            )
        }
    };
    SnapshotInfo {
        id: id.to_string(),
        kind,
        taken_at,
        size,
        chats,
        messages,
        problem,
    }
}

/// A new, never used name for a snapshot taken `now`, created as an empty private file.
fn reserve(folder: &Path, kind: SnapshotKind, now: i64) -> io::Result<(String, PathBuf)> {
    let base = format!("{}-{}", format_time(now), kind.tag());
    for n in 1.. {
        let id = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let path = folder.join(format!("{id}.db"));
        match files::create_new_private(&path) {
            Ok(_) => return Ok((id, path)),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(err) => return Err(err),
        }
    }
    unreachable!("the names run out only after usize::MAX tries")
}

fn remove(path: &Path) {
    let _ = fs::remove_file(path);
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut companion = path.as_os_str().to_owned();
        companion.push(suffix);
        let _ = fs::remove_file(PathBuf::from(companion));
    }
}

/// Drops the oldest snapshots of `kind` beyond [`KEEP`].
fn prune(folder: &Path, kind: SnapshotKind) {
    let mut ids: Vec<String> = list_ids(folder)
        .into_iter()
        .filter(|id| parse(id).is_some_and(|(k, _)| k == kind))
        .collect();
    ids.sort_by(|a, b| b.cmp(a));
    for id in ids.iter().skip(KEEP) {
        remove(&folder.join(format!("{id}.db")));
    }
}

/// The ids of the snapshot files in `folder` (any order).
fn list_ids(folder: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(folder) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_str()?.to_string();
            let id = name.strip_suffix(".db")?;
            parse(id).map(|_| id.to_string())
        })
        .collect()
}

/// The kind and time of a snapshot id `YYYY-MM-DD-HHMMSS-kind[-n]`.
fn parse(id: &str) -> Option<(SnapshotKind, i64)> {
    let (stamp, tag) = (id.get(..17)?, id.get(18..)?);
    if id.as_bytes().get(17) != Some(&b'-') {
        return None;
    }
    let kind = SnapshotKind::from_tag(tag)?;
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let text = stamp.get(range)?;
        text.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| text.parse().ok())?
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(13..15)?, number(15..17)?);
    let days = days_from_civil(year, month, day);
    Some((
        kind,
        ((days * 86_400) + hour * 3600 + minute * 60 + second) * 1000,
    ))
}

/// `YYYY-MM-DD` (UTC) of `ms` since the epoch.
fn format_day(ms: i64) -> String {
    let (year, month, day) = civil_from_days(ms.div_euclid(86_400_000));
    format!("{year:04}-{month:02}-{day:02}")
}

/// `YYYY-MM-DD-HHMMSS` (UTC) of `ms` since the epoch.
fn format_time(ms: i64) -> String {
    let seconds = ms.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{}-{:02}{:02}{:02}",
        format_day(ms),
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

// Days since 1970-01-01 and back (Howard Hinnant's algorithms, proleptic Gregorian).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn ids_carry_their_time_and_kind() {
        let at = 1_796_631_723_000; // 2026-12-07 08:22:03 UTC
        assert_eq!(format_time(at), "2026-12-07-082203");
        let id = format!("{}-before-restore-2", format_time(at));
        assert_eq!(parse(&id), Some((SnapshotKind::BeforeRestore, at)));
        assert_eq!(
            parse("2026-12-07-082203-daily"),
            Some((SnapshotKind::Daily, at))
        );
        assert_eq!(parse("notes"), None);
        assert_eq!(parse("2026-12-07-08220x-daily"), None);
        assert_eq!(format_day(0), "1970-01-01");
        assert_eq!(format_day(951_782_400_000), "2000-02-29");
    }
}
