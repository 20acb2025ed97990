//! Moving secrets that older versions kept in the database out of it, leaving no copy behind.
//!
//! Before schema 6, a profile's extra header values and the `user:password@` of its URL were
//! stored in the `profiles` table. When such a database is opened, `find` reads them, the
//! caller saves them in the keychain, then `blank` removes them with `secure_delete` on,
//! truncates the write-ahead log and rewrites the file (`VACUUM`), and `scrub_backups` does
//! the same to every earlier upgrade backup. Only then is the pre-upgrade backup written.
//!
//! This module never holds a secret longer than the open: it must not log them or put them in
//! an error.

use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};
use secrecy::SecretString;

use super::DB_FILE;
use crate::endpoint::split_credentials;
use crate::error::{Error, Result};
use crate::model::ProfileId;
use crate::secrets::ProfileExtras;

/// The secrets one profile had in the database.
#[derive(Debug)]
pub struct MovedSecrets {
    /// The profile.
    pub profile_id: ProfileId,
    /// Its name, for messages.
    pub profile_name: String,
    /// Its header values and URL credentials.
    pub extras: ProfileExtras,
}

/// What saves moved secrets in the keychain. Called once, with every profile that had any.
pub type SecretMover<'a> = &'a dyn Fn(&[MovedSecrets]) -> Result<()>;

/// The header pairs and URL of one row, before schema 6.
fn row_secrets(url: &str, headers: &str) -> (Vec<(String, String)>, Option<String>, String) {
    let pairs: Vec<(String, String)> = serde_json::from_str(headers).unwrap_or_default();
    let (stripped, credentials) = split_credentials(url);
    (pairs, credentials, stripped)
}

/// Profiles of a database before schema 6 that hold header values or URL credentials.
pub(super) fn find(conn: &Connection) -> Result<Vec<MovedSecrets>> {
    let mut statement = conn.prepare("SELECT id, name, url, headers FROM profiles")?;
    let rows = statement.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
        ))
    })?;
    let mut found = Vec::new();
    for row in rows {
        let (id, name, url, headers) = row?;
        let (pairs, credentials, _) = row_secrets(&url, &headers);
        let pairs: Vec<(String, String)> =
            pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        if pairs.is_empty() && credentials.is_none() {
            continue;
        }
        found.push(MovedSecrets {
            profile_id: ProfileId(id),
            profile_name: name,
            extras: ProfileExtras {
                headers: pairs
                    .into_iter()
                    .map(|(name, value)| (name, SecretString::from(value)))
                    .collect(),
                url_credentials: credentials.map(SecretString::from),
                proxy_credentials: None,
            },
        });
    }
    Ok(found)
}

/// Blanks every header value and URL credential in the database's profiles (whatever its
/// schema), with `secure_delete` on, then truncates the write-ahead log and rewrites the file,
/// so that no copy is left in free pages. `moved` profiles are recorded for schema 6, which
/// marks them as having secrets in the keychain.
pub(super) fn blank(conn: &Connection, moved: &[ProfileId]) -> Result<()> {
    conn.pragma_update(None, "secure_delete", "ON")?;
    {
        let mut rows = Vec::new();
        let mut statement = conn.prepare("SELECT id, url, headers FROM profiles")?;
        let found = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?;
        for row in found {
            rows.push(row?);
        }
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let result = (|| -> Result<()> {
            for (id, url, headers) in rows {
                let (pairs, credentials, stripped) = row_secrets(&url, &headers);
                if pairs.iter().all(|(_, v)| v.is_empty()) && credentials.is_none() {
                    continue;
                }
                let names: Vec<(String, String)> = pairs
                    .into_iter()
                    .map(|(name, _)| (name, String::new()))
                    .collect();
                let names = serde_json::to_string(&names)
                    .map_err(|err| Error::internal(format!("Could not write JSON: {err}.")))?;
                conn.execute(
                    "UPDATE profiles SET url = ?2, headers = ?3 WHERE id = ?1",
                    params![id, stripped, names],
                )?;
            }
            let has_profiles_table: bool = conn
                .query_row(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'profiles'",
                    [],
                    |_| Ok(true),
                )
                .optional()?
                .unwrap_or(false);
            if has_profiles_table && !moved.is_empty() {
                conn.execute_batch(
                    "CREATE TABLE IF NOT EXISTS moved_secrets (profile_id TEXT PRIMARY KEY)",
                )?;
                for id in moved {
                    conn.execute(
                        "INSERT OR IGNORE INTO moved_secrets (profile_id) VALUES (?1)",
                        [id.as_str()],
                    )?;
                }
            }
            Ok(())
        })();
        match result {
            Ok(()) => conn.execute_batch("COMMIT")?,
            Err(err) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(err);
            }
        }
    }
    // The old pages may still be in the write-ahead log, and free pages in the file.
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    conn.execute_batch("VACUUM")?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

/// The upgrade backups beside the database (`switchboard.db.v<N>.bak`, `…v<N>-<n>.bak`).
pub(super) fn backups(dir: &Path) -> Vec<PathBuf> {
    let prefix = format!("{DB_FILE}.v");
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| entry.path())
                .filter(|path| {
                    path.file_name()
                        .and_then(|name| name.to_str())
                        .is_some_and(|name| name.starts_with(&prefix) && name.ends_with(".bak"))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// Blanks header values and URL credentials in every earlier upgrade backup. Returns how many
/// backups held some.
pub(super) fn scrub_backups(dir: &Path) -> Result<usize> {
    let mut scrubbed = 0;
    for path in backups(dir) {
        let Ok(conn) = Connection::open(&path) else {
            continue;
        };
        // A file that is not a database (or has no profiles) holds no secrets to blank.
        let has_profiles = conn
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'profiles'",
                [],
                |_| Ok(true),
            )
            .optional()
            .ok()
            .flatten()
            .unwrap_or(false);
        if !has_profiles || find(&conn).map_or(true, |found| found.is_empty()) {
            continue;
        }
        blank(&conn, &[]).map_err(|err| {
            Error::storage(format!(
                "Could not remove the secrets from the backup {}: {}",
                path.display(),
                err.message
            ))
        })?;
        scrubbed += 1;
    }
    Ok(scrubbed)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use rusqlite_migration::Migrations;
    use secrecy::ExposeSecret;

    use super::super::{Store, MIGRATIONS};
    use super::*;

    const HEADER_VALUE: &str = "hv-legacy-5d2c8e1f";
    const PASSWORD: &str = "pw-legacy-7a9b3c4e";

    /// A database at schema `version` with one profile holding a header value and URL
    /// credentials, and one holding nothing secret.
    fn old_database(path: &Path, version: usize) {
        let mut conn = Connection::open(path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        Migrations::from_slice(&MIGRATIONS[..version])
            .to_latest(&mut conn)
            .unwrap();
        conn.execute(
            "INSERT INTO profiles (id, name, source, url, headers, created_at, updated_at)
             VALUES ('p1', 'proxy', 'custom', ?1, ?2, 0, 0),
                    ('p2', 'plain', 'custom', 'http://127.0.0.1:5001/v1', '[[\"X-Title\",\"\"]]', 0, 0)",
            params![
                format!("http://alice:{PASSWORD}@127.0.0.1:8080/v1"),
                format!("[[\"X-Proxy-Token\",\"{HEADER_VALUE}\"],[\"X-Title\",\"Mine\"]]"),
            ],
        )
        .unwrap();
    }

    fn files(dir: &Path) -> Vec<PathBuf> {
        let mut found = Vec::new();
        for entry in fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(files(&path));
            } else {
                found.push(path);
            }
        }
        found
    }

    fn holds(path: &Path, needle: &str) -> bool {
        let bytes = fs::read(path).unwrap();
        bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
    }

    #[test]
    fn secrets_leave_the_database_and_every_backup_for_the_keychain() {
        let dir = tempfile::tempdir().unwrap();
        old_database(&dir.path().join(DB_FILE), 5);
        // An earlier upgrade's backup holds the same secrets.
        old_database(&dir.path().join(format!("{DB_FILE}.v3.bak")), 3);
        assert!(holds(
            &dir.path().join(format!("{DB_FILE}.v3.bak")),
            HEADER_VALUE
        ));

        let saved: Mutex<Vec<(String, String, Option<String>)>> = Mutex::new(Vec::new());
        let mover = |moved: &[MovedSecrets]| -> Result<()> {
            for profile in moved {
                let headers = profile
                    .extras
                    .headers
                    .iter()
                    .map(|(n, v)| format!("{n}={}", v.expose_secret()))
                    .collect::<Vec<_>>()
                    .join(",");
                saved.lock().unwrap().push((
                    profile.profile_id.to_string(),
                    headers,
                    profile
                        .extras
                        .url_credentials
                        .as_ref()
                        .map(|c| c.expose_secret().to_string()),
                ));
            }
            Ok(())
        };
        let store = Store::open_with(dir.path(), Some(&mover)).unwrap();
        assert_eq!(
            *saved.lock().unwrap(),
            vec![(
                "p1".to_string(),
                format!("X-Proxy-Token={HEADER_VALUE},X-Title=Mine"),
                Some(format!("alice:{PASSWORD}"))
            )]
        );
        let proxy = store.find_profile("proxy").unwrap().unwrap();
        assert_eq!(proxy.url, "http://127.0.0.1:8080/v1");
        assert_eq!(proxy.headers, vec!["X-Proxy-Token", "X-Title"]);
        assert!(store.extras_saved(&proxy.id).unwrap());
        let plain = store.find_profile("plain").unwrap().unwrap();
        assert_eq!(plain.headers, vec!["X-Title"]);
        assert!(!store.extras_saved(&plain.id).unwrap());
        // No file under the data folder holds them: database, WAL, SHM, the new backup and the
        // older one.
        let all = files(dir.path());
        assert!(all.iter().any(|p| p.ends_with(format!("{DB_FILE}.v5.bak"))));
        for file in &all {
            for needle in [HEADER_VALUE, PASSWORD, "Mine"] {
                assert!(!holds(file, needle), "{needle} is in {}", file.display());
            }
        }
        drop(store);
        for file in files(dir.path()) {
            assert!(!holds(&file, PASSWORD), "{}", file.display());
        }
    }

    #[test]
    fn without_the_keychain_the_old_database_is_left_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        old_database(&path, 5);
        let failing = |_: &[MovedSecrets]| -> Result<()> {
            Err(Error::new(
                crate::error::ErrorKind::SecretStore,
                "The system keychain is not available.",
            ))
        };
        let err = Store::open_with(dir.path(), Some(&failing))
            .err()
            .expect("refused");
        assert!(err.message.contains("keychain"), "{}", err.message);
        assert!(err.message.contains("as it was"), "{}", err.message);
        assert!(!err.message.contains(PASSWORD) && !err.message.contains(HEADER_VALUE));
        let conn = Connection::open(&path).unwrap();
        let url: String = conn
            .query_row("SELECT url FROM profiles WHERE id = 'p1'", [], |r| r.get(0))
            .unwrap();
        assert!(
            url.contains(PASSWORD),
            "the old data is kept for a later try"
        );
        assert_eq!(
            conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))
                .unwrap(),
            5
        );
        // Opening without a mover refuses too, and says what to do.
        let err = Store::open(dir.path()).err().expect("refused");
        assert!(err.message.contains("keychain"), "{}", err.message);
    }
}
