//! Deleting with undo, for messages and profiles (chats keep a `deleted_at` in `chats.rs`):
//! a deleted message moves with its versions to `deleted_messages` and `deleted_swipes`, a
//! deleted profile keeps its row with `deleted_at` set; both stay out of every read, search,
//! export and backup until restored, and go for good when purged.
//!
//! Must not remove a keychain entry (the engine does that when it purges a profile) or
//! change a message that is still being written.

use rusqlite::{params, OptionalExtension};

use super::chats::locked_message;
use super::{now_ms, Store};
use crate::error::Result;
use crate::model::{MessageId, ProfileId};

impl Store {
    /// Deletes a message with all its versions, keeping them for
    /// [`restore_message`](Self::restore_message) until [`purge_deleted`](Self::purge_deleted)
    /// removes them: they move to the trash tables, out of every read and of search. `false`
    /// when there was none.
    pub fn delete_message(&self, id: &MessageId) -> Result<bool> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        match locked_message(&tx, id) {
            Ok(_) => {}
            Err(err) if err.message.starts_with("There is no") => return Ok(false),
            Err(err) => return Err(err),
        }
        tx.execute(
            "INSERT INTO deleted_messages (id, chat_id, seq, role, name, content, swipe_index,
                    swipe_count, reasoning, state, model, error, extra, created_at, updated_at,
                    deleted_at, provider_data, sources)
             SELECT id, chat_id, seq, role, name, content, swipe_index, swipe_count, reasoning,
                    state, model, error, extra, created_at, updated_at, ?2, provider_data, sources
             FROM messages WHERE id = ?1",
            params![id.as_str(), now_ms()],
        )?;
        tx.execute(
            "INSERT INTO deleted_swipes (message_id, idx, content, reasoning, state, model, error, created_at,
                    provider_data, sources)
             SELECT message_id, idx, content, reasoning, state, model, error, created_at, provider_data,
                    sources
             FROM swipes WHERE message_id = ?1",
            [id.as_str()],
        )?;
        tx.execute("DELETE FROM messages WHERE id = ?1", [id.as_str()])?;
        tx.commit()?;
        Ok(true)
    }

    /// Brings back a deleted message at its place, with every version. `false` when there was
    /// none to bring back (never deleted, already restored, or purged).
    pub fn restore_message(&self, id: &MessageId) -> Result<bool> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let restored = tx.execute(
            "INSERT INTO messages (id, chat_id, seq, role, name, content, swipe_index, swipe_count,
                    reasoning, state, model, error, writer, extra, created_at, updated_at,
                    provider_data, sources)
             SELECT id, chat_id, seq, role, name, content, swipe_index, swipe_count, reasoning,
                    state, model, error, NULL, extra, created_at, updated_at, provider_data, sources
             FROM deleted_messages WHERE id = ?1",
            [id.as_str()],
        )?;
        if restored == 0 {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO swipes (message_id, idx, content, reasoning, state, model, error, created_at,
                    provider_data, sources)
             SELECT message_id, idx, content, reasoning, state, model, error, created_at, provider_data,
                    sources
             FROM deleted_swipes WHERE message_id = ?1",
            [id.as_str()],
        )?;
        tx.execute("DELETE FROM deleted_messages WHERE id = ?1", [id.as_str()])?;
        tx.commit()?;
        Ok(true)
    }

    /// Deletes a profile, keeping it (and its keychain entries) for
    /// [`restore_profile`](Self::restore_profile) until it is purged. Its chats keep their
    /// link, which leads nowhere while it is deleted. `false` when there was none.
    pub fn trash_profile(&self, id: &ProfileId) -> Result<bool> {
        Ok(self.conn().execute(
            "UPDATE profiles SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
            params![id.as_str(), now_ms()],
        )? > 0)
    }

    /// Brings back a deleted profile as it was. `false` when there was none to bring back.
    pub fn restore_profile(&self, id: &ProfileId) -> Result<bool> {
        Ok(self.conn().execute(
            "UPDATE profiles SET deleted_at = NULL WHERE id = ?1 AND deleted_at IS NOT NULL",
            [id.as_str()],
        )? > 0)
    }

    /// The deleted profiles to purge: those deleted before `before` (ms since the Unix epoch),
    /// each with whether it has entries in the keychain (its key, header values or URL
    /// credentials).
    pub fn purgeable_profiles(&self, before: i64) -> Result<Vec<(ProfileId, bool)>> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "SELECT id, key_saved OR extras_saved FROM profiles
             WHERE deleted_at IS NOT NULL AND deleted_at < ?1",
        )?;
        let rows =
            statement.query_map([before], |row| Ok((ProfileId(row.get(0)?), row.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The deleted profile holding `name` (case-insensitive), which a new or renamed profile
    /// of that name replaces; with whether it has keychain entries.
    pub fn deleted_profile_named(&self, name: &str) -> Result<Option<(ProfileId, bool)>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id, key_saved OR extras_saved FROM profiles
                 WHERE name = ?1 AND deleted_at IS NOT NULL",
                [name],
                |row| Ok((ProfileId(row.get(0)?), row.get(1)?)),
            )
            .optional()?)
    }

    /// Removes a deleted profile for good (its chats lose their link). `false` when it is not
    /// a deleted profile.
    pub fn purge_profile(&self, id: &ProfileId) -> Result<bool> {
        Ok(self.conn().execute(
            "DELETE FROM profiles WHERE id = ?1 AND deleted_at IS NOT NULL",
            [id.as_str()],
        )? > 0)
    }

    /// Whether this process is the only one with the data open, as it was when the store was
    /// opened (deleted things are purged then only).
    pub fn opened_alone(&self) -> bool {
        self.inner.opened_alone
    }
}
