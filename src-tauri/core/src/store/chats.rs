//! Chats and their messages: listing (pinned first, then newest), renaming, pinning, deleting
//! with undo (chats and messages), pages of history (the latest, before or after a message, around one), swipes (the other versions of a message) and edits.
//! Branches are in `branches`.
//! Whole chats as archives are in `archive`, finding chats in `search`.
//!
//! A message row holds the version shown; its other versions live in `swipes` under their
//! index. Streaming only ever writes the message row, so a crash mid-reply leaves the swipes
//! as they were.

use rusqlite::{params, OptionalExtension, Row, Transaction};

use super::attachments::with_attachments;
use super::branches::branch_point;
use super::{now_ms, to_json, Chat, Store, StoredMessage};
use crate::error::{Error, ErrorKind, Result};
use crate::model::{ChatId, MessageId, MessageState, ProfileId, ProviderData, Role, SourceLink};

/// How many messages a page of history holds by default.
pub const PAGE_SIZE: usize = 100;

pub(super) const CHAT_COLUMNS: &str = "c.id, c.title, c.profile_id, c.model, c.pinned,
    (SELECT COUNT(*) FROM messages m WHERE m.chat_id = c.id), c.created_at, c.updated_at,
    c.parent_id, c.fork_message_id, c.fork_number";

const MESSAGE_COLUMNS: &str = "id, chat_id, seq, role, name, content, swipe_index, swipe_count,
    reasoning, state, model, error, created_at, updated_at, provider_data, sources";

pub(super) fn not_found(what: &str) -> Error {
    Error::new(ErrorKind::InvalidRequest, format!("There is no {what}."))
}

impl Store {
    /// Starts a new chat.
    pub fn create_chat(
        &self,
        title: &str,
        profile: Option<&ProfileId>,
        model: Option<&str>,
    ) -> Result<Chat> {
        let now = now_ms();
        let chat = Chat {
            id: ChatId::new(),
            title: title.to_string(),
            profile_id: profile.cloned(),
            model: model.map(str::to_string),
            pinned: false,
            message_count: 0,
            created_at: now,
            updated_at: now,
            branch_of: None,
        };
        self.conn().execute(
            "INSERT INTO chats (id, title, profile_id, model, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![chat.id.as_str(), chat.title, chat.profile_id.as_ref().map(ProfileId::as_str), chat.model, now],
        )?;
        Ok(chat)
    }

    /// The chat with this id (not a deleted one).
    pub fn chat(&self, id: &ChatId) -> Result<Option<Chat>> {
        Ok(self
            .conn()
            .query_row(
                &format!(
                    "SELECT {CHAT_COLUMNS} FROM chats c WHERE c.id = ?1 AND c.deleted_at IS NULL"
                ),
                [id.as_str()],
                chat_from_row,
            )
            .optional()?)
    }

    /// All chats: pinned first, then the most recently changed.
    pub fn chats(&self) -> Result<Vec<Chat>> {
        let conn = self.conn();
        let mut statement = conn.prepare(&format!(
            "SELECT {CHAT_COLUMNS} FROM chats c WHERE c.deleted_at IS NULL
             ORDER BY c.pinned DESC, c.updated_at DESC, c.id"
        ))?;
        let rows = statement.query_map([], chat_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Remembers the profile and model a chat used last.
    pub fn touch_chat(&self, id: &ChatId, profile: Option<&ProfileId>, model: &str) -> Result<()> {
        self.conn().execute(
            "UPDATE chats SET profile_id = ?2, model = ?3, updated_at = ?4 WHERE id = ?1",
            params![id.as_str(), profile.map(ProfileId::as_str), model, now_ms()],
        )?;
        Ok(())
    }

    /// Sets the profile and model a chat's next message goes to, leaving its `updated_at` (and
    /// so its place in the list) alone. An error when there is no such chat.
    pub fn set_chat_target(
        &self,
        id: &ChatId,
        profile: Option<&ProfileId>,
        model: Option<&str>,
    ) -> Result<()> {
        let changed = self.conn().execute(
            "UPDATE chats SET profile_id = ?2, model = ?3 WHERE id = ?1 AND deleted_at IS NULL",
            params![id.as_str(), profile.map(ProfileId::as_str), model],
        )?;
        if changed == 0 {
            return Err(not_found("such chat"));
        }
        Ok(())
    }

    /// Renames a chat.
    pub fn rename_chat(&self, id: &ChatId, title: &str) -> Result<()> {
        let title = title.trim();
        if title.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                "A chat needs a title.",
            ));
        }
        let changed = self.conn().execute(
            "UPDATE chats SET title = ?2 WHERE id = ?1 AND deleted_at IS NULL",
            params![id.as_str(), title],
        )?;
        if changed == 0 {
            return Err(not_found("such chat"));
        }
        Ok(())
    }

    /// Pins a chat to the top of the list, or unpins it.
    pub fn pin_chat(&self, id: &ChatId, pinned: bool) -> Result<()> {
        let changed = self.conn().execute(
            "UPDATE chats SET pinned = ?2 WHERE id = ?1 AND deleted_at IS NULL",
            params![id.as_str(), pinned],
        )?;
        if changed == 0 {
            return Err(not_found("such chat"));
        }
        Ok(())
    }

    /// Deletes a chat, keeping it for [`restore_chat`](Self::restore_chat) until
    /// [`purge_deleted`](Self::purge_deleted) removes it. `false` when there was none.
    pub fn delete_chat(&self, id: &ChatId) -> Result<bool> {
        Ok(self.conn().execute(
            "UPDATE chats SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
            params![id.as_str(), now_ms()],
        )? > 0)
    }

    /// Brings back a deleted chat. `false` when there was none to bring back.
    pub fn restore_chat(&self, id: &ChatId) -> Result<bool> {
        Ok(self.conn().execute(
            "UPDATE chats SET deleted_at = NULL WHERE id = ?1 AND deleted_at IS NOT NULL",
            [id.as_str()],
        )? > 0)
    }

    /// Removes for good the chats and messages deleted before `before` (ms since the Unix
    /// epoch). Deleted profiles are the engine's to purge, since their keychain entries go too
    /// (see [`purgeable_profiles`](Self::purgeable_profiles)).
    pub fn purge_deleted(&self, before: i64) -> Result<usize> {
        let conn = self.conn();
        let chats = conn.execute(
            "DELETE FROM chats WHERE deleted_at IS NOT NULL AND deleted_at < ?1",
            [before],
        )?;
        let messages = conn.execute(
            "DELETE FROM deleted_messages WHERE deleted_at < ?1",
            [before],
        )?;
        Ok(chats + messages)
    }

    /// Appends a finished message (e.g. the user's) to a chat.
    pub fn append_message(
        &self,
        chat: &ChatId,
        role: Role,
        content: &str,
    ) -> Result<StoredMessage> {
        self.insert_message(chat, role, content, MessageState::Complete, None, None)
    }

    /// Starts a streamed reply: an empty assistant message in state `streaming`, owned by this
    /// session until it is finished.
    pub fn begin_reply(&self, chat: &ChatId, model: &str) -> Result<StoredMessage> {
        self.insert_message(
            chat,
            Role::Assistant,
            "",
            MessageState::Streaming,
            Some(model),
            Some(&self.inner.session),
        )
    }

    fn insert_message(
        &self,
        chat: &ChatId,
        role: Role,
        content: &str,
        state: MessageState,
        model: Option<&str>,
        writer: Option<&str>,
    ) -> Result<StoredMessage> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let now = now_ms();
        let seq = next_seq(&tx, chat)?;
        let id = MessageId::new();
        tx.execute(
            "INSERT INTO messages (id, chat_id, seq, role, content, reasoning, state, model, error, writer, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, ?7, NULL, ?8, ?9, ?9)",
            params![id.as_str(), chat.as_str(), seq, role.as_str(), content, state.as_str(), model, writer, now],
        )?;
        tx.execute(
            "UPDATE chats SET updated_at = ?2 WHERE id = ?1",
            params![chat.as_str(), now],
        )?;
        tx.commit()?;
        Ok(StoredMessage {
            id,
            chat_id: chat.clone(),
            seq,
            role,
            name: None,
            content: content.to_string(),
            swipe_index: 0,
            swipe_count: 1,
            reasoning: None,
            state,
            model: model.map(str::to_string),
            error: None,
            created_at: now,
            updated_at: now,
            provider_data: None,
            attachments: Vec::new(),
            sources: Vec::new(),
        })
    }

    /// Saves the text of a reply that is still streaming.
    pub fn save_reply_progress(
        &self,
        id: &MessageId,
        content: &str,
        reasoning: Option<&str>,
    ) -> Result<()> {
        self.conn().execute(
            "UPDATE messages SET content = ?2, reasoning = ?3, updated_at = ?4 WHERE id = ?1",
            params![id.as_str(), content, reasoning, now_ms()],
        )?;
        Ok(())
    }

    /// Saves the final text and state of a reply and releases it from this session.
    pub fn finish_reply(
        &self,
        id: &MessageId,
        content: &str,
        reasoning: Option<&str>,
        state: MessageState,
        model: Option<&str>,
        error: Option<&Error>,
    ) -> Result<()> {
        let error = error.map(to_json).transpose()?;
        self.conn().execute(
            "UPDATE messages SET content = ?2, reasoning = ?3, state = ?4, model = COALESCE(?5, model),
                    error = ?6, writer = NULL, updated_at = ?7
             WHERE id = ?1",
            params![id.as_str(), content, reasoning, state.as_str(), model, error, now_ms()],
        )?;
        Ok(())
    }

    /// Keeps what the family asked to have sent back with the version of reply `id` being
    /// written (`None`: nothing), replacing what it held.
    pub fn save_provider_data(&self, id: &MessageId, data: Option<&ProviderData>) -> Result<()> {
        let data = data.map(to_json).transpose()?;
        self.conn().execute(
            "UPDATE messages SET provider_data = ?2 WHERE id = ?1",
            params![id.as_str(), data],
        )?;
        Ok(())
    }

    /// The messages of a chat, oldest first.
    pub fn messages(&self, chat: &ChatId) -> Result<Vec<StoredMessage>> {
        let conn = self.conn();
        let mut statement = conn.prepare(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE chat_id = ?1 ORDER BY seq"
        ))?;
        let rows = statement.query_map([chat.as_str()], message_from_row)?;
        with_attachments(&conn, rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// One page of a chat's history, oldest first: the `limit` messages before `before` (a
    /// `seq`), or the latest ones when `before` is `None`.
    pub fn messages_page(
        &self,
        chat: &ChatId,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<StoredMessage>> {
        let conn = self.conn();
        let mut statement = conn.prepare(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages
             WHERE chat_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3"
        ))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = statement.query_map(
            params![chat.as_str(), before.unwrap_or(i64::MAX), limit],
            message_from_row,
        )?;
        let mut page = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        page.reverse();
        with_attachments(&conn, page)
    }

    /// The page of a chat's history holding `message`, oldest first: about half of `limit`
    /// before it and the rest from it on (more on one side when the other runs out), so a
    /// search hit opens where it is. An `InvalidRequest` naming the message when it is not in
    /// this chat.
    pub fn messages_around(
        &self,
        chat: &ChatId,
        message: &MessageId,
        limit: usize,
    ) -> Result<Vec<StoredMessage>> {
        let limit = limit.max(1);
        let seq: Option<i64> = self
            .conn()
            .query_row(
                "SELECT seq FROM messages WHERE id = ?1 AND chat_id = ?2",
                params![message.as_str(), chat.as_str()],
                |row| row.get(0),
            )
            .optional()?;
        let Some(seq) = seq else {
            return Err(not_found(&format!(
                "message \"{}\" in this chat",
                crate::error::quoted(message.as_str())
            )));
        };
        let before = self.messages_page(chat, Some(seq), limit)?;
        let from = self.messages_after(chat, seq - 1, limit)?;
        let mut take_before = before.len().min(limit / 2);
        let take_from = from.len().min(limit - take_before);
        take_before = before.len().min(limit - take_from);
        let mut page = before;
        page.drain(..page.len() - take_before);
        page.extend(from.into_iter().take(take_from));
        Ok(page)
    }

    /// One page of a chat's history, oldest first: the `limit` messages after `after` (a
    /// `seq`); empty at the end.
    pub fn messages_after(
        &self,
        chat: &ChatId,
        after: i64,
        limit: usize,
    ) -> Result<Vec<StoredMessage>> {
        let conn = self.conn();
        let mut statement = conn.prepare(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages
             WHERE chat_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"
        ))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = statement.query_map(params![chat.as_str(), after, limit], message_from_row)?;
        with_attachments(&conn, rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// One message.
    pub fn message(&self, id: &MessageId) -> Result<Option<StoredMessage>> {
        let conn = self.conn();
        let message = conn
            .query_row(
                &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?1"),
                [id.as_str()],
                message_from_row,
            )
            .optional()?;
        Ok(with_attachments(&conn, message.into_iter().collect())?.pop())
    }

    /// Every version of a message, in order (the shown one at its index).
    pub fn swipes(&self, id: &MessageId) -> Result<Vec<String>> {
        let message = self.message(id)?.ok_or_else(|| not_found("such message"))?;
        let conn = self.conn();
        let mut statement =
            conn.prepare("SELECT idx, content FROM swipes WHERE message_id = ?1 ORDER BY idx")?;
        let others = statement
            .query_map([id.as_str()], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut all: Vec<String> = Vec::with_capacity(others.len() + 1);
        let mut others = others.into_iter().peekable();
        for index in 0..i64::from(message.swipe_count) {
            if index == i64::from(message.swipe_index) {
                all.push(message.content.clone());
            } else if let Some((_, text)) = others.next_if(|(idx, _)| *idx == index) {
                all.push(text);
            } else {
                all.push(String::new());
            }
        }
        Ok(all)
    }

    /// Starts a new version (swipe) of a reply: the version shown is kept among the swipes and
    /// the message becomes an empty `streaming` reply owned by this session, shown last. A
    /// shown version that failed without any text is no version to keep: the new one takes its
    /// place.
    pub fn begin_swipe(&self, id: &MessageId, model: &str) -> Result<StoredMessage> {
        {
            let mut conn = self.conn();
            let tx = conn.transaction()?;
            let message = locked_message(&tx, id)?;
            if message.role != Role::Assistant {
                return Err(Error::new(
                    ErrorKind::InvalidRequest,
                    "Only a reply can be regenerated.",
                ));
            }
            let failed_empty = message.state == MessageState::Failed
                && message.content.is_empty()
                && message.reasoning.as_deref().unwrap_or("").is_empty();
            if !failed_empty {
                stash_shown(&tx, &message)?;
            }
            tx.execute(
                "UPDATE messages SET content = '', reasoning = NULL, state = 'streaming', error = NULL,
                        provider_data = NULL, sources = NULL, model = ?2, writer = ?3,
                        swipe_index = CASE WHEN ?5 THEN swipe_index ELSE swipe_count END,
                        swipe_count = CASE WHEN ?5 THEN swipe_count ELSE swipe_count + 1 END,
                        updated_at = ?4
                 WHERE id = ?1",
                params![id.as_str(), model, self.inner.session, now_ms(), failed_empty],
            )?;
            tx.commit()?;
        }
        self.message(id)?.ok_or_else(|| not_found("such message"))
    }

    /// Shows another version (swipe) of a message.
    pub fn select_swipe(&self, id: &MessageId, index: u32) -> Result<StoredMessage> {
        {
            let mut conn = self.conn();
            let tx = conn.transaction()?;
            let message = locked_message(&tx, id)?;
            if index >= message.swipe_count {
                return Err(Error::new(
                    ErrorKind::InvalidRequest,
                    format!(
                        "This message has {} versions; there is no version {}.",
                        message.swipe_count,
                        index + 1
                    ),
                ));
            }
            if index != message.swipe_index {
                stash_shown(&tx, &message)?;
                let stashed = take_stashed(&tx, id, index)?;
                tx.execute(
                    "UPDATE messages SET content = ?2, reasoning = ?3, state = ?4, model = ?5,
                            error = ?6, swipe_index = ?7, updated_at = ?8, provider_data = ?9,
                            sources = ?10
                     WHERE id = ?1",
                    params![
                        id.as_str(),
                        stashed.content,
                        stashed.reasoning,
                        stashed.state,
                        stashed.model,
                        stashed.error,
                        index,
                        now_ms(),
                        stashed.provider_data,
                        stashed.sources
                    ],
                )?;
            }
            tx.commit()?;
        }
        self.message(id)?.ok_or_else(|| not_found("such message"))
    }

    /// Takes up a reply again to continue it: `streaming`, owned by this session, its text
    /// kept.
    pub fn resume_reply(&self, id: &MessageId) -> Result<StoredMessage> {
        let changed = self.conn().execute(
            "UPDATE messages SET state = 'streaming', error = NULL, writer = ?2, updated_at = ?3
             WHERE id = ?1 AND role = 'assistant' AND state != 'streaming'",
            params![id.as_str(), self.inner.session, now_ms()],
        )?;
        if changed == 0 {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                "Only a reply that is not being written can be continued.",
            ));
        }
        self.message(id)?.ok_or_else(|| not_found("such message"))
    }

    /// Changes the text of a message (the version shown). What its family asked to have sent
    /// back goes with the old text (a thought signature no longer matches the new one).
    pub fn edit_message(&self, id: &MessageId, content: &str) -> Result<StoredMessage> {
        {
            let mut conn = self.conn();
            let tx = conn.transaction()?;
            let message = locked_message(&tx, id)?;
            tx.execute(
                "UPDATE messages SET content = ?2, provider_data = NULL, updated_at = ?3
                 WHERE id = ?1",
                params![id.as_str(), content, now_ms()],
            )?;
            tx.execute(
                "UPDATE chats SET updated_at = ?2 WHERE id = ?1",
                params![message.chat_id.as_str(), now_ms()],
            )?;
            tx.commit()?;
        }
        self.message(id)?.ok_or_else(|| not_found("such message"))
    }
}

/// The next `seq` of a chat, past its deleted messages too (so that one restored finds its
/// place free).
fn next_seq(tx: &Transaction<'_>, chat: &ChatId) -> Result<i64> {
    Ok(tx.query_row(
        "SELECT COALESCE(MAX(seq) + 1, 0) FROM (
             SELECT seq FROM messages WHERE chat_id = ?1
             UNION ALL SELECT seq FROM deleted_messages WHERE chat_id = ?1
         )",
        [chat.as_str()],
        |row| row.get(0),
    )?)
}

/// A message that is not being written (changing one that streams would lose text).
pub(super) fn locked_message(tx: &Transaction<'_>, id: &MessageId) -> Result<StoredMessage> {
    let message = tx
        .query_row(
            &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?1"),
            [id.as_str()],
            message_from_row,
        )
        .optional()?
        .ok_or_else(|| not_found("such message"))?;
    let message = with_attachments(tx, vec![message])?
        .pop()
        .ok_or_else(|| not_found("such message"))?;
    if message.state == MessageState::Streaming {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            "This reply is still being written; stop it first.",
        ));
    }
    Ok(message)
}

/// Keeps the version shown among the swipes, under its index.
fn stash_shown(tx: &Transaction<'_>, message: &StoredMessage) -> Result<()> {
    let error = message.error.as_ref().map(to_json).transpose()?;
    tx.execute(
        "INSERT OR REPLACE INTO swipes (message_id, idx, content, reasoning, state, model, error, created_at,
                                        provider_data, sources)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            message.id.as_str(),
            message.swipe_index,
            message.content,
            message.reasoning,
            message.state.as_str(),
            message.model,
            error,
            message.updated_at,
            message.provider_data.as_ref().map(to_json).transpose()?,
            sources_json(&message.sources)?
        ],
    )?;
    Ok(())
}

/// Sources as stored: JSON, or NULL for none.
pub(super) fn sources_json(sources: &[SourceLink]) -> Result<Option<String>> {
    if sources.is_empty() {
        return Ok(None);
    }
    Ok(Some(to_json(&sources)?))
}

/// A version kept among the swipes, as stored.
pub(super) struct Stashed {
    pub(super) content: String,
    pub(super) reasoning: Option<String>,
    pub(super) state: String,
    pub(super) model: Option<String>,
    pub(super) error: Option<String>,
    /// As stored: JSON, or NULL.
    pub(super) provider_data: Option<String>,
    /// As stored: JSON, or NULL.
    pub(super) sources: Option<String>,
}

/// Takes version `index` of message `id` out of the swipes, to be shown.
pub(super) fn take_stashed(tx: &Transaction<'_>, id: &MessageId, index: u32) -> Result<Stashed> {
    let stashed = tx.query_row(
        "SELECT content, reasoning, state, model, error, provider_data, sources FROM swipes
         WHERE message_id = ?1 AND idx = ?2",
        params![id.as_str(), index],
        |r| {
            Ok(Stashed {
                content: r.get(0)?,
                reasoning: r.get(1)?,
                state: r.get(2)?,
                model: r.get(3)?,
                error: r.get(4)?,
                provider_data: r.get(5)?,
                sources: r.get(6)?,
            })
        },
    )?;
    tx.execute(
        "DELETE FROM swipes WHERE message_id = ?1 AND idx = ?2",
        params![id.as_str(), index],
    )?;
    Ok(stashed)
}

pub(super) fn chat_from_row(row: &Row<'_>) -> rusqlite::Result<Chat> {
    Ok(Chat {
        id: ChatId(row.get(0)?),
        title: row.get(1)?,
        profile_id: row.get::<_, Option<String>>(2)?.map(ProfileId),
        model: row.get(3)?,
        pinned: row.get(4)?,
        message_count: row.get(5)?,
        created_at: row.get(6)?,
        updated_at: row.get(7)?,
        branch_of: branch_point(row.get(8)?, row.get(9)?, row.get(10)?),
    })
}

fn message_from_row(row: &Row<'_>) -> rusqlite::Result<StoredMessage> {
    let role: String = row.get(3)?;
    let state: String = row.get(9)?;
    let error: Option<String> = row.get(11)?;
    Ok(StoredMessage {
        id: MessageId(row.get(0)?),
        chat_id: ChatId(row.get(1)?),
        seq: row.get(2)?,
        role: Role::parse(&role).unwrap_or(Role::User),
        name: row.get(4)?,
        content: row.get(5)?,
        swipe_index: row.get(6)?,
        swipe_count: row.get(7)?,
        reasoning: row.get(8)?,
        state: MessageState::parse(&state).unwrap_or(MessageState::Interrupted),
        model: row.get(10)?,
        error: error.and_then(|e| serde_json::from_str(&e).ok()),
        created_at: row.get(12)?,
        updated_at: row.get(13)?,
        // Data that no longer reads (written by a later version) is left out, not an error.
        provider_data: row
            .get::<_, Option<String>>(14)?
            .and_then(|data| serde_json::from_str(&data).ok()),
        // Filled in by `attachments::with_attachments` after the rows are read.
        attachments: Vec::new(),
        sources: row
            .get::<_, Option<String>>(15)?
            .and_then(|data| serde_json::from_str(&data).ok())
            .unwrap_or_default(),
    })
}
