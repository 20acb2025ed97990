//! A reply attempt that failed before it got any text is not kept as a version: the version
//! it was written as is dropped and the one shown before comes back. And what a version keeps
//! besides its text: the pages it cites.
//!
//! Must not: drop a version with text (partial text of a failed reply is kept), or touch any
//! message other than the reply named.

use rusqlite::params;

use super::chats::{sources_json, take_stashed};
use super::{now_ms, Store};
use crate::error::{Error, Result};
use crate::model::{MessageId, SourceLink};

impl Store {
    /// Drops the version of reply `id` being written — its last, added by
    /// [`begin_swipe`](Store::begin_swipe) — and shows version `previous` again; the reply is
    /// no longer being written.
    pub fn drop_written_version(&self, id: &MessageId, previous: u32) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let (index, count): (u32, u32) = tx.query_row(
            "SELECT swipe_index, swipe_count FROM messages WHERE id = ?1",
            [id.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if count < 2 || index + 1 != count || previous >= index {
            return Err(Error::internal(format!(
                "Version {} of {count} cannot be dropped for version {}.",
                index + 1,
                previous + 1
            )));
        }
        let stashed = take_stashed(&tx, id, previous)?;
        tx.execute(
            "UPDATE messages SET content = ?2, reasoning = ?3, state = ?4, model = ?5, error = ?6,
                    swipe_index = ?7, swipe_count = swipe_count - 1, writer = NULL, updated_at = ?8,
                    provider_data = ?9, sources = ?10
             WHERE id = ?1",
            params![
                id.as_str(),
                stashed.content,
                stashed.reasoning,
                stashed.state,
                stashed.model,
                stashed.error,
                previous,
                now_ms(),
                stashed.provider_data,
                stashed.sources
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Keeps the pages the version of reply `id` being written cites (none: nothing kept),
    /// replacing what it held.
    pub fn save_sources(&self, id: &MessageId, sources: &[SourceLink]) -> Result<()> {
        let sources = sources_json(sources)?;
        self.conn().execute(
            "UPDATE messages SET sources = ?2 WHERE id = ?1",
            params![id.as_str(), sources],
        )?;
        Ok(())
    }
}
