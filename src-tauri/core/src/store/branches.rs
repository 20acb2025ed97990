//! Branches: a new chat with the history of another up to one of its messages, every version
//! of each message kept. A branch remembers where it forks (the parent chat, the message it
//! forks at and that message's number) so the front ends can link the two both ways; branches
//! made before the parent was stored keep no such point and simply show no link.
//!
//! The branch gets its own copy of the attachments of the messages it copies (so either chat
//! can be deleted and purged without the other losing them).
//!
//! Must not: change the parent chat, or leave a branch short of its messages (see `guard`).

use rusqlite::params;

use super::attachments::copy_attachments;
use super::chats::not_found;
use super::{guard, BranchPoint, Chat, Store};
use crate::error::Result;
use crate::model::{ChatId, MessageId};

/// The title of a branch: where it forks ("Trip plans — branch at message 6").
pub fn branch_title(parent: &str, number: i64) -> String {
    let parent = parent.trim();
    let parent = if parent.is_empty() {
        "Untitled chat"
    } else {
        parent
    };
    format!("{parent} — branch at message {number}")
}

/// The branch point read from a chat row's three columns: all of them or none.
pub(super) fn branch_point(
    parent: Option<String>,
    message: Option<String>,
    number: Option<i64>,
) -> Option<BranchPoint> {
    Some(BranchPoint {
        parent_id: ChatId(parent?),
        message_id: MessageId(message?),
        message_number: number?,
    })
}

impl Store {
    /// A new chat with the history of `chat` up to and including `through`, every version
    /// of each message and its attachments kept, remembering where it forks. `title`: the branch's title, or
    /// `None` for [`branch_title`] (the parent's title and the message's number).
    pub fn branch_chat(
        &self,
        chat: &ChatId,
        through: &MessageId,
        title: Option<&str>,
    ) -> Result<Chat> {
        let source = self.chat(chat)?.ok_or_else(|| not_found("such chat"))?;
        let last = self
            .message(through)?
            .filter(|m| m.chat_id == *chat)
            .ok_or_else(|| not_found("such message in this chat"))?;
        let number: i64 = self.conn().query_row(
            "SELECT COUNT(*) FROM messages WHERE chat_id = ?1 AND seq <= ?2",
            params![chat.as_str(), last.seq],
            |row| row.get(0),
        )?;
        let title = title.map_or_else(|| branch_title(&source.title, number), str::to_string);
        let branch =
            self.create_chat(&title, source.profile_id.as_ref(), source.model.as_deref())?;
        let point = BranchPoint {
            parent_id: chat.clone(),
            message_id: through.clone(),
            message_number: number,
        };
        let copied = self.copy_messages(last.seq, &branch, &point);
        if let Err(err) = copied {
            let _ = self
                .conn()
                .execute("DELETE FROM chats WHERE id = ?1", [branch.id.as_str()]);
            return Err(err);
        }
        self.chat(&branch.id)?.ok_or_else(|| not_found("such chat"))
    }

    /// The chats branched from `chat` (not deleted ones), oldest first.
    pub fn branches(&self, chat: &ChatId) -> Result<Vec<Chat>> {
        let conn = self.conn();
        let mut statement = conn.prepare(&format!(
            "SELECT {} FROM chats c WHERE c.parent_id = ?1 AND c.deleted_at IS NULL
             ORDER BY c.created_at, c.rowid",
            super::chats::CHAT_COLUMNS
        ))?;
        let rows = statement.query_map([chat.as_str()], super::chats::chat_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Copies the messages of the parent up to `last_seq` into `branch`, every version kept,
    /// and records the branch point; all of it or none.
    fn copy_messages(&self, last_seq: i64, branch: &Chat, point: &BranchPoint) -> Result<()> {
        let chat = &point.parent_id;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let expected: i64 = tx.query_row(
            "SELECT COUNT(*) FROM main.messages WHERE chat_id = ?1 AND seq <= ?2",
            params![chat.as_str(), last_seq],
            |row| row.get(0),
        )?;
        let mut statement =
            tx.prepare("SELECT id FROM messages WHERE chat_id = ?1 AND seq <= ?2 ORDER BY seq")?;
        let ids = statement
            .query_map(params![chat.as_str(), last_seq], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        drop(statement);
        for old in ids {
            let new = MessageId::new();
            tx.execute(
                "INSERT INTO messages (id, chat_id, seq, role, name, content, swipe_index, swipe_count,
                                       reasoning, state, model, error, writer, extra, created_at, updated_at,
                                       provider_data, sources)
                 SELECT ?1, ?2, seq, role, name, content, swipe_index, swipe_count, reasoning,
                        CASE state WHEN 'streaming' THEN 'interrupted' ELSE state END,
                        model, error, NULL, extra, created_at, updated_at, provider_data, sources
                 FROM messages WHERE id = ?3",
                params![new.as_str(), branch.id.as_str(), old],
            )?;
            tx.execute(
                "INSERT INTO swipes (message_id, idx, content, reasoning, state, model, error, created_at,
                                     provider_data, sources)
                 SELECT ?1, idx, content, reasoning, state, model, error, created_at, provider_data,
                        sources
                 FROM swipes WHERE message_id = ?2",
                params![new.as_str(), old],
            )?;
            copy_attachments(&tx, &old, &new)?;
        }
        tx.execute(
            "UPDATE chats SET parent_id = ?2, fork_message_id = ?3, fork_number = ?4 WHERE id = ?1",
            params![
                branch.id.as_str(),
                chat.as_str(),
                point.message_id.as_str(),
                point.message_number
            ],
        )?;
        guard::all_written(&tx, &branch.id, &branch.title, expected)?;
        tx.commit()?;
        Ok(())
    }
}
