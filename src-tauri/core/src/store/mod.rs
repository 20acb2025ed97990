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
//! Where each job lives: `schema` (the migrations), `open` (opening, checks, backups, recovery
//! of dead sessions), `profiles` (saved connections), `settings` (the app's settings), `chats`
//! and `archive` (chats and messages, copies and imports), `branches` (branch chats and where they fork), `versions` (a failed attempt's
//! version dropped), `search`, [`snapshots`],
//! [`writers`], [`files`] and [`legacy_secrets`]. This module keeps the [`Store`] type, the row
//! types shared by several of them and the small helpers they share.
//!
//! Messages are kept as text: one string per version (`messages.content`, `swipes.content`).
//! The core's [`crate::model::ChatMessage`] is a list of parts with optional provider data, but
//! its parts are text only today and requests are built from the stored text, so the schema
//! stores neither parts nor provider data yet; kinds of parts that are not text will need
//! their own columns or table when they arrive.
//!
//! Calls block: async callers run them on a blocking thread (see `Engine`). Never holds keys,
//! and imports neither adapters (`provider`) nor file formats (`transfer`): `transfer` builds on
//! the [`ChatArchive`] this module reads and writes.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{ChatId, MessageId, MessageState, ProfileId, Role};

mod archive;
mod attachments;
#[cfg(test)]
mod attachments_tests;
mod branches;
#[cfg(test)]
mod branches_tests;
mod chats;
#[cfg(test)]
mod chats_tests;
pub mod files;
mod guard;
#[cfg(test)]
mod guard_tests;
pub mod legacy_secrets;
mod open;
#[cfg(test)]
mod open_tests;
mod profiles;
#[cfg(test)]
mod profiles_tests;
#[cfg(test)]
mod provider_data_tests;
mod schema;
mod search;
mod settings;
pub mod snapshots;
#[cfg(test)]
mod snapshots_tests;
pub mod snippet;
mod trash;
#[cfg(test)]
mod trash_tests;
mod versions;
pub mod writers;

pub use archive::{ArchivedAttachment, ArchivedMessage, ChatArchive};
pub use attachments::DRAFT_TTL_MS;
pub use branches::branch_title;
pub use chats::PAGE_SIZE;
pub use profiles::Profile;
use schema::MIGRATIONS;
pub use search::{SearchHit, MIN_ID_PREFIX};
pub use settings::{AppSettings, Theme};

pub use crate::prompt::instruct::InstructSettings;
pub use crate::prompt::PostProcessing;

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "switchboard.db";

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
    /// Where it forks from the chat it was branched from; `None` for other chats (and for
    /// branches made before this was kept).
    pub branch_of: Option<BranchPoint>,
}

/// Where a branch forks: the chat it was made from and the message it ends at there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct BranchPoint {
    /// The chat it was branched from (it may since have been deleted).
    pub parent_id: ChatId,
    /// The message of the parent it forks at (its last message).
    pub message_id: MessageId,
    /// That message's number in the parent, counting from 1.
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub message_number: i64,
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
    /// What the source's family asked to have sent back with this version (thought signatures,
    /// encrypted reasoning): read back into the requests that follow, never sent to a front
    /// end (not serialised).
    #[serde(skip)]
    pub provider_data: Option<crate::model::ProviderData>,
    /// The images and files attached to it, in order (their bytes are read apart).
    pub attachments: Vec<crate::model::AttachmentInfo>,
    /// The pages this version cites, in the order the source gave.
    pub sources: Vec<crate::model::SourceLink>,
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
    /// Whether no other process had the data open when this store opened it.
    opened_alone: bool,
}

impl Store {
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
