//! The one SQLite database: profiles, chats and messages.
//!
//! - WAL journal, foreign keys on, versioned migrations (`user_version`).
//! - A reply is saved while it streams (state `streaming`); stopping, failing or finishing
//!   rewrites it once more with its final state. Every write is its own transaction,
//!   started `IMMEDIATE` so that another process writing makes it wait, not fail (see [`writers`]).
//! - Crash safety for streamed replies: each process that opens the store holds an exclusive
//!   lock on `sessions/<id>.lock` for its lifetime, and stamps the replies it writes with that
//!   id. The operating system drops the lock when the process dies, however it dies; on open,
//!   replies still `streaming` whose writer holds no lock are marked `interrupted`, keeping
//!   their text.
//! - Rolling snapshots in `snapshots/`: one a day, one before each upgrade and each restore
//!   (see [`snapshots`]); a branch or import never leaves a chat short of its messages (see
//!   `guard`).
//!
//! Calls block: async callers run them on a blocking thread (see `Engine`). Never holds keys.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension, Row};
use rusqlite_migration::{Migrations, M};
use serde::{Deserialize, Serialize};

use crate::catalogue::ProviderKind;
use crate::error::{Error, Result};
use crate::model::{ChatId, GenParams, MessageId, MessageState, ProfileId, Role};

mod archive;
mod chats;
pub mod files;
mod guard;
#[cfg(test)]
mod guard_tests;
pub mod legacy_secrets;
mod search;
pub mod snapshots;
#[cfg(test)]
mod snapshots_tests;
pub mod snippet;
pub mod writers;

pub use chats::PAGE_SIZE;
pub use search::{SearchHit, MIN_ID_PREFIX};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "switchboard.db";

const MIGRATIONS: &[M<'static>] = &[
    M::up(
        "CREATE TABLE profiles (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        source TEXT NOT NULL,
        url TEXT NOT NULL,
        model TEXT,
        params TEXT NOT NULL DEFAULT '{}',
        system_prompt TEXT,
        post_processing TEXT NOT NULL DEFAULT 'none',
        bypass_status_check INTEGER NOT NULL DEFAULT 0,
        headers TEXT NOT NULL DEFAULT '[]',
        key_saved INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE chats (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        profile_id TEXT REFERENCES profiles(id) ON DELETE SET NULL,
        model TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        chat_id TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        role TEXT NOT NULL,
        content TEXT NOT NULL,
        reasoning TEXT,
        state TEXT NOT NULL,
        model TEXT,
        error TEXT,
        writer TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (chat_id, seq)
    );
    CREATE INDEX messages_streaming ON messages(state) WHERE state = 'streaming';
    CREATE INDEX chats_updated ON chats(updated_at DESC);",
    ),
    // 2: the assistant prefill of Claude profiles and the strict-mode placeholder.
    M::up(
        "ALTER TABLE profiles ADD COLUMN prefill TEXT;
         ALTER TABLE profiles ADD COLUMN placeholder TEXT;",
    ),
    // 3: text-completion settings, and the API of sources that serve both. Oobabooga and
    // Mancer profiles made before they defaulted to text completion keep chat completion.
    M::up(
        "ALTER TABLE profiles ADD COLUMN api TEXT;
         ALTER TABLE profiles ADD COLUMN instruct TEXT NOT NULL DEFAULT '{}';
         UPDATE profiles SET api = 'chatCompletion' WHERE source IN ('ooba', 'mancer');",
    ),
    // 4: chats that last — pinned and deleted (kept for undo) chats, swipes (the versions of a
    // message other than the one shown), speaker names and fields kept from imports, full-text
    // search over messages (trigram: substrings in any script), and the app's settings.
    M::up(
        "ALTER TABLE chats ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
         ALTER TABLE chats ADD COLUMN deleted_at INTEGER;
         ALTER TABLE chats ADD COLUMN extra TEXT;
         ALTER TABLE messages ADD COLUMN name TEXT;
         ALTER TABLE messages ADD COLUMN swipe_index INTEGER NOT NULL DEFAULT 0;
         ALTER TABLE messages ADD COLUMN swipe_count INTEGER NOT NULL DEFAULT 1;
         ALTER TABLE messages ADD COLUMN extra TEXT;
         CREATE TABLE swipes (
             message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
             idx INTEGER NOT NULL,
             content TEXT NOT NULL,
             reasoning TEXT,
             state TEXT NOT NULL,
             model TEXT,
             error TEXT,
             created_at INTEGER NOT NULL,
             PRIMARY KEY (message_id, idx)
         );
         CREATE INDEX chats_listed ON chats(deleted_at, pinned DESC, updated_at DESC);
         CREATE VIRTUAL TABLE messages_fts USING fts5(
             content, content = 'messages', content_rowid = 'rowid', tokenize = 'trigram'
         );
         CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
             INSERT INTO messages_fts(rowid, content) VALUES (new.rowid, new.content);
         END;
         CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
             INSERT INTO messages_fts(messages_fts, rowid, content)
                 VALUES ('delete', old.rowid, old.content);
         END;
         CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
             INSERT INTO messages_fts(messages_fts, rowid, content)
                 VALUES ('delete', old.rowid, old.content);
             INSERT INTO messages_fts(rowid, content) VALUES (new.rowid, new.content);
         END;
         INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');
         CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    ),
    // 5: a reply is indexed for search once it stops streaming, not at every save while it
    // streams (each save re-indexed the whole text so far: quadratic in a long reply).
    M::up(
        "DROP TRIGGER messages_fts_insert;
         DROP TRIGGER messages_fts_delete;
         DROP TRIGGER messages_fts_update;
         INSERT INTO messages_fts(messages_fts, rowid, content)
             SELECT 'delete', rowid, content FROM messages WHERE state = 'streaming';
         CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
             WHEN new.state != 'streaming' BEGIN
             INSERT INTO messages_fts(rowid, content) VALUES (new.rowid, new.content);
         END;
         CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
             WHEN old.state != 'streaming' BEGIN
             INSERT INTO messages_fts(messages_fts, rowid, content)
                 VALUES ('delete', old.rowid, old.content);
         END;
         CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, state ON messages BEGIN
             INSERT INTO messages_fts(messages_fts, rowid, content)
                 SELECT 'delete', old.rowid, old.content WHERE old.state != 'streaming';
             INSERT INTO messages_fts(rowid, content)
                 SELECT new.rowid, new.content WHERE new.state != 'streaming';
         END;",
    ),
    // 6: header values and URL credentials live in the keychain. `headers` keeps only the
    // names; `extras_saved` says a profile has such secrets there. The values were moved and
    // blanked before this runs (`legacy_secrets`), which lists the profiles in `moved_secrets`.
    M::up(
        "CREATE TABLE IF NOT EXISTS moved_secrets (profile_id TEXT PRIMARY KEY);
         ALTER TABLE profiles ADD COLUMN extras_saved INTEGER NOT NULL DEFAULT 0;
         UPDATE profiles SET extras_saved = 1 WHERE id IN (SELECT profile_id FROM moved_secrets);
         UPDATE profiles SET headers = (
             SELECT json_group_array(json_extract(value, '$[0]')) FROM json_each(profiles.headers)
         );
         DROP TABLE moved_secrets;",
    ),
];

use crate::catalogue::ApiType;
pub use crate::prompt::instruct::InstructSettings;
pub use crate::prompt::PostProcessing;

/// A saved connection. The key is not here: it lives in the keychain under the profile's id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// Stable id.
    pub id: ProfileId,
    /// Unique name (case-insensitive).
    pub name: String,
    /// The source.
    pub source: ProviderKind,
    /// Normalised base URL.
    pub url: String,
    /// Model id, if chosen.
    pub model: Option<String>,
    /// Sampler settings.
    pub params: GenParams,
    /// System prompt sent first, if any.
    pub system_prompt: Option<String>,
    /// Text the reply starts with (Claude's assistant prefill); the model continues it.
    pub prefill: Option<String>,
    /// The user message strict post-processing inserts (default `[Start a new chat]`).
    pub placeholder: Option<String>,
    /// Prompt post-processing mode (chat completion).
    pub post_processing: PostProcessing,
    /// The API to use when the source serves both; `None` is the source's default.
    pub api: Option<ApiType>,
    /// How the chat becomes one prompt (text completion).
    pub instruct: InstructSettings,
    /// Skip the status check when connecting (servers without a model list).
    pub bypass_status_check: bool,
    /// The names of extra request headers; their values are secrets, kept in the keychain.
    pub headers: Vec<String>,
    /// Creation time, ms since the Unix epoch.
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub created_at: i64,
    /// Last change, ms since the Unix epoch.
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub updated_at: i64,
}

impl Profile {
    /// A new profile with defaults for everything but the essentials.
    pub fn new(name: impl Into<String>, source: ProviderKind, url: impl Into<String>) -> Profile {
        let now = now_ms();
        Profile {
            id: ProfileId::new(),
            name: name.into(),
            source,
            url: url.into(),
            model: None,
            params: GenParams::default(),
            system_prompt: None,
            prefill: None,
            placeholder: None,
            post_processing: PostProcessing::None,
            api: None,
            instruct: InstructSettings::default(),
            bypass_status_check: false,
            headers: Vec::new(),
            created_at: now,
            updated_at: now,
        }
    }
}

/// A conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Chat {
    /// Stable id.
    pub id: ChatId,
    /// Title shown in lists.
    pub title: String,
    /// The profile it last used.
    pub profile_id: Option<ProfileId>,
    /// The model it last used.
    pub model: Option<String>,
    /// Listed first.
    pub pinned: bool,
    /// How many messages it has.
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub message_count: i64,
    /// Creation time, ms since the Unix epoch.
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub created_at: i64,
    /// Last change, ms since the Unix epoch.
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub updated_at: i64,
}

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct StoredMessage {
    /// Stable id.
    pub id: MessageId,
    /// The chat.
    pub chat_id: ChatId,
    /// Position in the chat (0-based, increasing).
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub seq: i64,
    /// Author.
    pub role: Role,
    /// The speaker's name, when it has one (imported and group chats).
    pub name: Option<String>,
    /// Text (partial for stopped, interrupted and failed replies): the version shown.
    pub content: String,
    /// Which version (swipe) is shown, from 0.
    pub swipe_index: u32,
    /// How many versions (swipes) it has; 1 when it was never regenerated.
    pub swipe_count: u32,
    /// Reasoning text, if the model sent any.
    pub reasoning: Option<String>,
    /// Whether it is complete.
    pub state: MessageState,
    /// The model that wrote it (replies).
    pub model: Option<String>,
    /// The error that ended it (failed replies).
    pub error: Option<Error>,
    /// Creation time, ms since the Unix epoch.
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub created_at: i64,
    /// Last change, ms since the Unix epoch.
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub updated_at: i64,
}

/// The database. Cheap to clone; all clones share one connection and one session.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Mutex<Connection>,
    dir: PathBuf,
    session: String,
    lock_path: PathBuf,
    /// Held for the life of the store: tells other processes this session is alive.
    _lock: File,
    /// Why a snapshot taken while opening failed, if one did (see [`snapshots`]).
    snapshot_problem: Option<String>,
}

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

        let store = Store {
            inner: Arc::new(Inner {
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
        // Deleting a chat can be undone while the app runs; earlier deletions are final, once no
        // other process (the window) has the data open and may still offer to undo them.
        if !writers::others_open(dir, store.session()) {
            store.purge_deleted(now_ms())?;
        }
        Ok(store)
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.inner
            .conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The data directory holding the database.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// This process's session id (stamped on the replies it streams).
    pub fn session(&self) -> &str {
        &self.inner.session
    }

    /// Marks replies of dead sessions as interrupted and removes their lock files. Returns how
    /// many replies were marked.
    fn recover(&self, dir: &Path) -> Result<usize> {
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

    /// Saves a new profile. Fails with a clear message when the name is taken.
    pub fn insert_profile(&self, profile: &Profile) -> Result<()> {
        let conn = self.conn();
        let taken: bool = conn
            .query_row(
                "SELECT 1 FROM profiles WHERE name = ?1",
                [&profile.name],
                |_| Ok(true),
            )
            .optional()?
            .unwrap_or(false);
        if taken {
            return Err(Error::new(
                crate::error::ErrorKind::InvalidRequest,
                format!("A profile named \"{}\" already exists.", profile.name),
            ));
        }
        conn.execute(
            "INSERT INTO profiles (id, name, source, url, model, params, system_prompt, post_processing,
                                   bypass_status_check, headers, created_at, updated_at, prefill,
                                   placeholder, api, instruct)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            params![
                profile.id.as_str(),
                profile.name,
                profile.source.id(),
                profile.url,
                profile.model,
                to_json(&profile.params)?,
                profile.system_prompt,
                profile.post_processing.as_str(),
                profile.bypass_status_check,
                to_json(&profile.headers)?,
                profile.created_at,
                profile.updated_at,
                profile.prefill,
                profile.placeholder,
                api_str(profile.api),
                to_json(&profile.instruct)?,
            ],
        )?;
        Ok(())
    }

    /// Saves changes to an existing profile.
    pub fn update_profile(&self, profile: &Profile) -> Result<()> {
        let changed = self.conn().execute(
            "UPDATE profiles SET name = ?2, source = ?3, url = ?4, model = ?5, params = ?6, system_prompt = ?7,
                    post_processing = ?8, bypass_status_check = ?9, headers = ?10, updated_at = ?11,
                    prefill = ?12, placeholder = ?13, api = ?14, instruct = ?15
             WHERE id = ?1",
            params![
                profile.id.as_str(),
                profile.name,
                profile.source.id(),
                profile.url,
                profile.model,
                to_json(&profile.params)?,
                profile.system_prompt,
                profile.post_processing.as_str(),
                profile.bypass_status_check,
                to_json(&profile.headers)?,
                now_ms(),
                profile.prefill,
                profile.placeholder,
                api_str(profile.api),
                to_json(&profile.instruct)?,
            ],
        )?;
        if changed == 0 {
            return Err(Error::not_configured(format!(
                "The profile \"{}\" no longer exists.",
                profile.name
            )));
        }
        Ok(())
    }

    /// All profiles, by name.
    pub fn profiles(&self) -> Result<Vec<Profile>> {
        let conn = self.conn();
        let mut statement =
            conn.prepare(&format!("{PROFILE_SELECT} ORDER BY name COLLATE NOCASE"))?;
        let rows = statement.query_map([], profile_from_row)?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .collect()
    }

    /// The profile with this id or (case-insensitive) name.
    pub fn find_profile(&self, name_or_id: &str) -> Result<Option<Profile>> {
        let conn = self.conn();
        let found = conn
            .query_row(
                &format!(
                    "{PROFILE_SELECT} WHERE id = ?1 OR name = ?1 ORDER BY id = ?1 DESC LIMIT 1"
                ),
                [name_or_id],
                profile_from_row,
            )
            .optional()?;
        found.transpose()
    }

    /// Records whether the profile's key is in the keychain, so that listing profiles and
    /// connecting to keyless ones never wait on the keychain. The key itself is never stored here.
    pub fn set_key_saved(&self, id: &ProfileId, saved: bool) -> Result<()> {
        self.conn().execute(
            "UPDATE profiles SET key_saved = ?2 WHERE id = ?1",
            params![id.as_str(), saved],
        )?;
        Ok(())
    }

    /// Whether a key was saved in the keychain for the profile.
    pub fn key_saved(&self, id: &ProfileId) -> Result<bool> {
        Ok(self
            .conn()
            .query_row(
                "SELECT key_saved FROM profiles WHERE id = ?1",
                [id.as_str()],
                |row| row.get(0),
            )
            .optional()?
            .unwrap_or(false))
    }

    /// Records whether the profile has header values or URL credentials in the keychain.
    pub fn set_extras_saved(&self, id: &ProfileId, saved: bool) -> Result<()> {
        self.conn().execute(
            "UPDATE profiles SET extras_saved = ?2 WHERE id = ?1",
            params![id.as_str(), saved],
        )?;
        Ok(())
    }

    /// Whether the profile has header values or URL credentials in the keychain.
    pub fn extras_saved(&self, id: &ProfileId) -> Result<bool> {
        Ok(self
            .conn()
            .query_row(
                "SELECT extras_saved FROM profiles WHERE id = ?1",
                [id.as_str()],
                |row| row.get(0),
            )
            .optional()?
            .unwrap_or(false))
    }

    /// All profiles by name, each with whether its key is saved.
    pub fn profiles_with_key_flags(&self) -> Result<Vec<(Profile, bool)>> {
        let conn = self.conn();
        let mut statement = conn.prepare(&format!(
            "{} ORDER BY name COLLATE NOCASE",
            PROFILE_SELECT.replace(" FROM profiles", ", key_saved FROM profiles")
        ))?;
        let rows = statement.query_map([], |row| {
            let saved: bool = row.get(PROFILE_COLUMNS)?;
            Ok(profile_from_row(row)?.map(|profile| (profile, saved)))
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .collect()
    }

    /// Deletes a profile; its chats stay, detached. Returns whether it existed.
    pub fn delete_profile(&self, id: &ProfileId) -> Result<bool> {
        Ok(self
            .conn()
            .execute("DELETE FROM profiles WHERE id = ?1", [id.as_str()])?
            > 0)
    }
}

/// The app's settings, kept with the data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct AppSettings {
    /// Connect to the profile used last when the app starts.
    pub auto_connect: bool,
}

impl Default for AppSettings {
    fn default() -> Self {
        AppSettings { auto_connect: true }
    }
}

impl Store {
    /// The app's settings (defaults for what was never set).
    pub fn settings(&self) -> Result<AppSettings> {
        let value: Option<String> = self
            .conn()
            .query_row("SELECT value FROM settings WHERE key = 'app'", [], |r| {
                r.get(0)
            })
            .optional()?;
        match value {
            Some(text) => from_json(&text),
            None => Ok(AppSettings::default()),
        }
    }

    /// Saves the app's settings.
    pub fn save_settings(&self, settings: &AppSettings) -> Result<()> {
        self.conn().execute(
            "INSERT INTO settings (key, value) VALUES ('app', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [to_json(settings)?],
        )?;
        Ok(())
    }
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
fn session_alive(sessions_dir: &Path, id: &str) -> bool {
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

/// How many columns [`PROFILE_SELECT`] reads.
const PROFILE_COLUMNS: usize = 16;

const PROFILE_SELECT: &str =
    "SELECT id, name, source, url, model, params, system_prompt, post_processing,
    bypass_status_check, headers, created_at, updated_at, prefill, placeholder, api, instruct
    FROM profiles";

fn api_str(api: Option<ApiType>) -> Option<&'static str> {
    api.map(|api| match api {
        ApiType::ChatCompletion => "chatCompletion",
        ApiType::TextCompletion => "textCompletion",
    })
}

fn parse_api(text: Option<String>) -> Option<ApiType> {
    match text.as_deref() {
        Some("chatCompletion") => Some(ApiType::ChatCompletion),
        Some("textCompletion") => Some(ApiType::TextCompletion),
        _ => None,
    }
}

fn profile_from_row(row: &Row<'_>) -> rusqlite::Result<Result<Profile>> {
    let source: String = row.get(2)?;
    let params: String = row.get(5)?;
    let headers: String = row.get(9)?;
    let post: String = row.get(7)?;
    let api: Option<String> = row.get(14)?;
    let instruct: String = row.get(15)?;
    let profile = (|| {
        Ok(Profile {
            id: ProfileId(row.get(0)?),
            name: row.get(1)?,
            source: source.parse()?,
            url: row.get(3)?,
            model: row.get(4)?,
            params: from_json(&params)?,
            system_prompt: row.get(6)?,
            post_processing: PostProcessing::parse(&post).unwrap_or_default(),
            bypass_status_check: row.get(8)?,
            headers: from_json(&headers)?,
            created_at: row.get(10)?,
            updated_at: row.get(11)?,
            prefill: row.get(12)?,
            placeholder: row.get(13)?,
            api: parse_api(api),
            instruct: from_json(&instruct)?,
        })
    })();
    Ok(profile)
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|err| Error::internal(format!("Could not encode a value: {err}.")))
}

fn from_json<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T> {
    serde_json::from_str(text)
        .map_err(|err| Error::storage(format!("A stored value is damaged: {err}.")))
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        (dir, store)
    }

    #[test]
    fn profiles_round_trip_and_names_are_unique_case_insensitively() {
        let (_dir, store) = store();
        let mut profile = Profile::new("Local", ProviderKind::Custom, "http://127.0.0.1:8080");
        profile.params.temperature = Some(0.5);
        profile.headers = vec!["X-Title".into()];
        store.insert_profile(&profile).unwrap();
        let err = store
            .insert_profile(&Profile::new("local", ProviderKind::OpenAi, "https://x"))
            .unwrap_err();
        assert!(err.message.contains("already exists"));
        let found = store.find_profile("LOCAL").unwrap().unwrap();
        assert_eq!(found, profile);
        assert_eq!(
            store
                .find_profile(profile.id.as_str())
                .unwrap()
                .unwrap()
                .name,
            "Local"
        );
        profile.model = Some("m".into());
        store.update_profile(&profile).unwrap();
        assert_eq!(store.profiles().unwrap()[0].model.as_deref(), Some("m"));
        assert!(store.delete_profile(&profile.id).unwrap());
        assert!(store.find_profile("Local").unwrap().is_none());
    }

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

    /// Oobabooga and Mancer profiles saved before those sources defaulted to text completion
    /// keep the chat-completion route they were made with; text settings round-trip.
    #[test]
    fn older_ooba_profiles_keep_chat_completion_after_the_upgrade() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
            Migrations::from_slice(&MIGRATIONS[..2])
                .to_latest(&mut conn)
                .unwrap();
            for (id, name, source) in [("a", "ooba", "ooba"), ("b", "kcpp", "koboldcpp")] {
                conn.execute(
                    "INSERT INTO profiles (id, name, source, url, created_at, updated_at)
                     VALUES (?1, ?2, ?3, 'http://127.0.0.1:5000/v1', 0, 0)",
                    params![id, name, source],
                )
                .unwrap();
            }
        }
        let store = Store::open(dir.path()).unwrap();
        let ooba = store.find_profile("ooba").unwrap().unwrap();
        assert_eq!(ooba.api, Some(ApiType::ChatCompletion));
        let mut kcpp = store.find_profile("kcpp").unwrap().unwrap();
        assert_eq!(kcpp.api, None);
        assert_eq!(kcpp.instruct, InstructSettings::default());
        kcpp.instruct.template = crate::prompt::instruct::TemplateKind::Llama3;
        kcpp.instruct.context_size = Some(8192);
        kcpp.api = Some(ApiType::TextCompletion);
        store.update_profile(&kcpp).unwrap();
        let again = store.find_profile("kcpp").unwrap().unwrap();
        assert_eq!((again.api, &again.instruct), (kcpp.api, &kcpp.instruct));
    }

    /// A streaming reply is saved every second; it is indexed for search once, when it stops,
    /// and the index stays consistent through streaming, finishing, editing and deleting.
    #[test]
    fn a_reply_is_searchable_once_it_stops_streaming() {
        let (_dir, store) = store();
        let fts_ok = |store: &Store| {
            store
                .conn()
                // The index's own consistency (its content table holds streaming rows that are
                // deliberately not indexed, so it is not compared with them).
                .execute(
                    "INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')",
                    [],
                )
                .map(|_| ())
        };
        let chat = store.create_chat("t", None, Some("m")).unwrap();
        let reply = store.begin_reply(&chat.id, "m").unwrap();
        for text in ["zebra", "zebracorn", "zebracorn rising"] {
            store.save_reply_progress(&reply.id, text, None).unwrap();
        }
        assert!(store.search("zebracorn", 10).unwrap().is_empty());
        fts_ok(&store).unwrap();
        store
            .finish_reply(
                &reply.id,
                "zebracorn rising high",
                None,
                MessageState::Complete,
                None,
                None,
            )
            .unwrap();
        assert_eq!(store.search("zebracorn", 10).unwrap().len(), 1);
        fts_ok(&store).unwrap();
        store.edit_message(&reply.id, "unicorn now").unwrap();
        assert!(store.search("zebracorn", 10).unwrap().is_empty());
        assert_eq!(store.search("unicorn", 10).unwrap().len(), 1);
        store.delete_message(&reply.id).unwrap();
        assert!(store.search("unicorn", 10).unwrap().is_empty());
        fts_ok(&store).unwrap();
        // A reply left streaming by a process that died is indexed when marked interrupted.
        let other = store.begin_reply(&chat.id, "m").unwrap();
        store
            .save_reply_progress(&other.id, "quasar partial", None)
            .unwrap();
        let dir = store.dir().to_path_buf();
        drop(store);
        let store = Store::open(&dir).unwrap();
        assert_eq!(
            store.message(&other.id).unwrap().unwrap().state,
            MessageState::Interrupted
        );
        assert_eq!(store.search("quasar", 10).unwrap().len(), 1);
        fts_ok(&store).unwrap();
    }

    #[test]
    fn replies_are_saved_while_streaming_and_finished_with_their_state() {
        let (_dir, store) = store();
        let chat = store.create_chat("t", None, Some("m")).unwrap();
        let user = store.append_message(&chat.id, Role::User, "hello").unwrap();
        let reply = store.begin_reply(&chat.id, "m").unwrap();
        assert_eq!((user.seq, reply.seq), (0, 1));
        store.save_reply_progress(&reply.id, "par", None).unwrap();
        let saved = store.message(&reply.id).unwrap().unwrap();
        assert_eq!(
            (saved.content.as_str(), saved.state),
            ("par", MessageState::Streaming)
        );
        let error = Error::internal("boom");
        store
            .finish_reply(
                &reply.id,
                "partial",
                Some("why"),
                MessageState::Failed,
                None,
                Some(&error),
            )
            .unwrap();
        let done = &store.messages(&chat.id).unwrap()[1];
        assert_eq!(done.content, "partial");
        assert_eq!(done.reasoning.as_deref(), Some("why"));
        assert_eq!(done.state, MessageState::Failed);
        assert_eq!(done.error.as_ref().unwrap().message, "boom");
        assert_eq!(done.model.as_deref(), Some("m"));
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
}
