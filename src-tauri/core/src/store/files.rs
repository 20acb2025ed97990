//! Private files: the data folder is `0700`, and every file Switchboard writes into it (the
//! database with its WAL and shared-memory files, the backups made before an upgrade, the
//! session and migration lock files, the snapshots in the `0700` folder `snapshots`) or exports
//! for the person is `0600`, whatever the umask.
//! The mode is set when a file is created and set again explicitly afterwards, since a umask
//! such as `0277` would otherwise narrow it further.
//!
//! A data folder made by an older version (`0755` folder, `0644` files) is tightened when the
//! store opens it.
//!
//! This module only creates files and sets modes: it never reads or writes their contents,
//! never follows a symbolic link inside the data folder when tightening, and never deletes.
//! On systems without Unix modes it creates the files and changes nothing else.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use super::DB_FILE;
use crate::error::{Error, Result};

/// Mode of the data folder and its `sessions` folder.
pub const DIR_MODE: u32 = 0o700;
/// Mode of every file Switchboard writes.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` (and missing parents) as a private folder, and makes an existing one private.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(dir)?;
    set_mode(dir, DIR_MODE)
}

/// Opens `path` for writing as a private file: created when missing, emptied when it exists.
pub fn create_private(path: &Path) -> io::Result<File> {
    open_private(
        path,
        OpenOptions::new().write(true).create(true).truncate(true),
    )
}

/// Creates `path` as a new private file; fails with `AlreadyExists` when the name is taken,
/// so an existing file is never overwritten.
pub fn create_new_private(path: &Path) -> io::Result<File> {
    open_private(path, OpenOptions::new().write(true).create_new(true))
}

/// Creates `path` as an empty private file when it does not exist; leaves its contents alone
/// when it does (its mode is made private either way).
pub fn ensure_private(path: &Path) -> io::Result<File> {
    open_private(path, OpenOptions::new().write(true).create(true))
}

fn open_private(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, FILE_MODE);
    let file = options.open(path)?;
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(FILE_MODE))?;
    Ok(file)
}

/// Makes an existing file private; nothing when it does not exist or is not a regular file
/// (a symbolic link is never followed).
pub fn make_private(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_file() => set_mode(path, FILE_MODE),
        Ok(_) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(err),
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let current = fs::metadata(path)?.permissions().mode() & 0o7777;
    if current == mode {
        return Ok(());
    }
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> io::Result<()> {
    Ok(())
}

/// Prepares the data folder before the database is opened: the folder and its `sessions`
/// folder are private (created when missing), the files an older version left readable by
/// others are made private, and the database file exists as a private file, so that SQLite's
/// WAL and shared-memory files, which take the database's mode, are private too.
pub(crate) fn prepare_data_dir(dir: &Path) -> Result<()> {
    let failed = |what: &Path, err: io::Error| {
        Error::storage(format!(
            "Could not make the data folder {} private ({}: {err}).",
            dir.display(),
            what.display()
        ))
    };
    private_dir(dir).map_err(|err| {
        Error::storage(format!(
            "Could not create the data directory {}: {err}.",
            dir.display()
        ))
    })?;
    let sessions = dir.join("sessions");
    private_dir(&sessions).map_err(|err| failed(&sessions, err))?;
    for path in written_files(dir) {
        make_private(&path).map_err(|err| failed(&path, err))?;
    }
    let db = dir.join(DB_FILE);
    ensure_private(&db).map_err(|err| failed(&db, err))?;
    Ok(())
}

/// The files of the data folder Switchboard writes: the database and its companions, the
/// upgrade backups, and the lock files.
fn written_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for folder in [dir.to_path_buf(), dir.join("sessions")] {
        let Ok(entries) = fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(DB_FILE) || name.ends_with(".lock") {
                found.push(entry.path());
            }
        }
    }
    found
}

/// Reserves the name of the backup made before upgrading from schema `version`:
/// `switchboard.db.v<version>.bak`, or `…v<version>-<n>.bak` when that is taken (a backup is
/// never overwritten). The file is created empty and private; `VACUUM INTO` fills it.
pub(crate) fn reserve_backup(dir: &Path, version: usize) -> Result<PathBuf> {
    for n in 1..=10_000u32 {
        let path = if n == 1 {
            dir.join(format!("{DB_FILE}.v{version}.bak"))
        } else {
            dir.join(format!("{DB_FILE}.v{version}-{n}.bak"))
        };
        match create_new_private(&path) {
            Ok(_) => return Ok(path),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(err) => {
                return Err(Error::storage(format!(
                    "Could not create the backup {} before upgrading the database: {err}. \
                     Nothing was changed.",
                    path.display()
                )))
            }
        }
    }
    Err(Error::storage(format!(
        "{} holds too many backups of schema {version}; move some away to upgrade.",
        dir.display()
    )))
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use std::os::unix::fs::PermissionsExt;

    use rusqlite::Connection;
    use rusqlite_migration::Migrations;

    use super::*;
    use crate::model::Role;
    use crate::store::{Store, MIGRATIONS};

    /// The usual umask, under which files would be created `0644` and folders `0755`. Every
    /// test here sets the same value, so running them side by side is harmless.
    fn umask_022() {
        rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o022));
    }

    fn mode(path: &Path) -> u32 {
        fs::symlink_metadata(path)
            .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
            .permissions()
            .mode()
            & 0o777
    }

    fn lock_files(dir: &Path) -> Vec<PathBuf> {
        fs::read_dir(dir.join("sessions"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect()
    }

    #[test]
    fn a_new_data_folder_and_its_files_are_private_under_umask_022() {
        umask_022();
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("not yet").join("switchboard");
        let store = Store::open(&dir).unwrap();
        let chat = store.create_chat("t", None, None).unwrap();
        store.append_message(&chat.id, Role::User, "hello").unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("sessions")), 0o700);
        for name in [DB_FILE, "switchboard.db-wal", "switchboard.db-shm"] {
            assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
        }
        let locks = lock_files(&dir);
        assert_eq!(locks.len(), 1, "{locks:?}");
        assert_eq!(mode(&locks[0]), 0o600);
    }

    #[test]
    fn an_upgrade_backup_is_private_under_umask_022() {
        umask_022();
        let dir = tempfile::tempdir().unwrap();
        {
            let mut conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
            Migrations::from_slice(&MIGRATIONS[..3])
                .to_latest(&mut conn)
                .unwrap();
        }
        fs::set_permissions(dir.path().join(DB_FILE), fs::Permissions::from_mode(0o644)).unwrap();
        Store::open(dir.path()).unwrap();
        let backup = dir.path().join(format!("{DB_FILE}.v3.bak"));
        assert_eq!(mode(&backup), 0o600);
        let version: i64 = Connection::open(&backup)
            .unwrap()
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        assert_eq!(version, 3);
        assert_eq!(mode(&dir.path().join(DB_FILE)), 0o600);
    }

    #[test]
    fn an_existing_install_readable_by_others_is_tightened_on_open() {
        umask_022();
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("switchboard");
        let (chat, held) = {
            let store = Store::open(&dir).unwrap();
            let chat = store.create_chat("kept", None, None).unwrap();
            store
                .append_message(&chat.id, Role::User, "kept text")
                .unwrap();
            (chat.id, store.clone())
        };
        // As an older version left it: everything readable by everyone.
        let open = |path: &Path, mode: u32| {
            fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap()
        };
        let old_backup = dir.join(format!("{DB_FILE}.v2.bak"));
        fs::write(&old_backup, "an old backup").unwrap();
        let outside = root.path().join("not ours.txt");
        fs::write(&outside, "someone else's").unwrap();
        open(&outside, 0o644);
        std::os::unix::fs::symlink(&outside, dir.join(format!("{DB_FILE}.v1.bak"))).unwrap();
        open(&dir, 0o755);
        open(&dir.join("sessions"), 0o755);
        for name in [DB_FILE, "switchboard.db-wal", "switchboard.db-shm"] {
            open(&dir.join(name), 0o644);
        }
        open(&old_backup, 0o644);
        let other_lock = lock_files(&dir).pop().unwrap();
        open(&other_lock, 0o644);

        let store = Store::open(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("sessions")), 0o700);
        for name in [DB_FILE, "switchboard.db-wal", "switchboard.db-shm"] {
            assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
        }
        assert_eq!(mode(&old_backup), 0o600);
        assert_eq!(fs::read_to_string(&old_backup).unwrap(), "an old backup");
        assert_eq!(mode(&other_lock), 0o600);
        // A link is not followed: what it points to is not Switchboard's.
        assert_eq!(mode(&outside), 0o644);
        assert_eq!(store.messages(&chat).unwrap()[0].content, "kept text");
        drop(held);
    }

    #[test]
    fn exported_files_are_private_under_umask_022() {
        umask_022();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.md");
        fs::write(&path, "older, readable by all").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        create_private(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(fs::read(&path).unwrap(), b"");
        let fresh = dir.path().join("new.md");
        create_new_private(&fresh).unwrap();
        assert_eq!(mode(&fresh), 0o600);
        assert_eq!(
            create_new_private(&fresh).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
    }
}
