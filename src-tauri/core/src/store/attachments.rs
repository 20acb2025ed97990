//! Attachments kept with messages: added as drafts (waiting in a composer, no message yet),
//! bound to the message they were sent with, read back as [`AttachmentInfo`] with every page
//! of history and with their bytes when a request is built.
//!
//! Must not: decode or check what it keeps (`crate::attach` prepared it) or change a
//! message's text. A message's attachments leave with it (the triggers of migration 12), not
//! before: one in the trash keeps them until it is purged.

use std::collections::HashMap;

use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};

use super::{now_ms, Store, StoredMessage};
use crate::error::{Error, ErrorKind, Result};
use crate::model::{
    Attachment, AttachmentId, AttachmentInfo, AttachmentKind, MessageId, NewAttachment,
};

const INFO_COLUMNS: &str = "id, kind, name, media_type, length(data), width, height";

/// How long a draft (attached in a composer and never sent) is kept: a week.
pub const DRAFT_TTL_MS: i64 = 7 * 24 * 60 * 60 * 1000;

impl Store {
    /// Keeps `attachment` as a draft, to be sent with a message ([`Store::bind_attachments`]).
    pub fn add_attachment(&self, attachment: &NewAttachment) -> Result<AttachmentInfo> {
        let fields = Fields {
            kind: attachment.kind,
            name: &attachment.name,
            media_type: &attachment.media_type,
            data: &attachment.data,
            width: attachment.width,
            height: attachment.height,
        };
        let id = insert_attachment(&self.conn(), None, 0, fields, now_ms())?;
        Ok(AttachmentInfo {
            id,
            kind: attachment.kind,
            name: attachment.name.clone(),
            media_type: attachment.media_type.clone(),
            size: u32::try_from(attachment.data.len()).unwrap_or(u32::MAX),
            width: attachment.width,
            height: attachment.height,
        })
    }

    /// Drops a draft; `false` when there is no such draft (an attachment already sent is kept).
    pub fn discard_attachment(&self, id: &AttachmentId) -> Result<bool> {
        let removed = self.conn().execute(
            "DELETE FROM attachments WHERE id = ?1 AND message_id IS NULL",
            [id.as_str()],
        )?;
        Ok(removed > 0)
    }

    /// Drops the drafts older than [`DRAFT_TTL_MS`]; how many went.
    pub fn discard_stale_drafts(&self) -> Result<usize> {
        Ok(self.conn().execute(
            "DELETE FROM attachments WHERE message_id IS NULL AND created_at < ?1",
            [now_ms() - DRAFT_TTL_MS],
        )?)
    }

    /// One attachment with its bytes.
    pub fn attachment(&self, id: &AttachmentId) -> Result<Option<Attachment>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {INFO_COLUMNS}, data FROM attachments WHERE id = ?1"),
                [id.as_str()],
                attachment_from_row,
            )
            .optional()?)
    }

    /// The drafts `ids`, in that order: an `InvalidRequest` naming the first that is not a
    /// draft (unknown, or already sent with a message).
    pub fn drafts(&self, ids: &[AttachmentId]) -> Result<Vec<Attachment>> {
        let conn = self.conn();
        ids.iter()
            .map(|id| {
                conn.query_row(
                    &format!(
                        "SELECT {INFO_COLUMNS}, data FROM attachments
                         WHERE id = ?1 AND message_id IS NULL"
                    ),
                    [id.as_str()],
                    attachment_from_row,
                )
                .optional()?
                .ok_or_else(|| not_draft(id))
            })
            .collect()
    }

    /// Sends the drafts `ids` with `message`, in that order after those it has: an
    /// `InvalidRequest` naming the first that is not a draft, and nothing bound.
    pub fn bind_attachments(&self, message: &MessageId, ids: &[AttachmentId]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let first: i64 = tx.query_row(
            "SELECT COALESCE(MAX(ordinal) + 1, 0) FROM attachments WHERE message_id = ?1",
            [message.as_str()],
            |row| row.get(0),
        )?;
        for (at, id) in ids.iter().enumerate() {
            let bound = tx.execute(
                "UPDATE attachments SET message_id = ?2, ordinal = ?3
                 WHERE id = ?1 AND message_id IS NULL",
                params![id.as_str(), message.as_str(), first + at as i64],
            )?;
            if bound == 0 {
                return Err(not_draft(id));
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The attachments of `messages` with their bytes, by message, each message's in order.
    pub fn attachments_of(
        &self,
        messages: &[MessageId],
    ) -> Result<HashMap<MessageId, Vec<Attachment>>> {
        let conn = self.conn();
        let mut out: HashMap<MessageId, Vec<Attachment>> = HashMap::new();
        for chunk in messages.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let mut statement = conn.prepare(&format!(
                "SELECT {INFO_COLUMNS}, data, message_id FROM attachments
                 WHERE message_id IN ({marks}) ORDER BY message_id, ordinal"
            ))?;
            let rows = statement
                .query_map(params_from_iter(chunk.iter().map(|m| m.as_str())), |row| {
                    Ok((MessageId(row.get(8)?), attachment_from_row(row)?))
                })?;
            for row in rows {
                let (message, attachment) = row?;
                out.entry(message).or_default().push(attachment);
            }
        }
        Ok(out)
    }
}

/// Copies the attachments of message `from` to message `to` (a branch's copy of it), each
/// under a new id, in the same order.
pub(super) fn copy_attachments(conn: &Connection, from: &str, to: &MessageId) -> Result<()> {
    let ids = conn
        .prepare_cached("SELECT id FROM attachments WHERE message_id = ?1 ORDER BY ordinal")?
        .query_map([from], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for old in ids {
        conn.execute(
            "INSERT INTO attachments (id, message_id, ordinal, kind, name, media_type, data, width,
                                      height, created_at)
             SELECT ?1, ?2, ordinal, kind, name, media_type, data, width, height, created_at
             FROM attachments WHERE id = ?3",
            params![AttachmentId::new().as_str(), to.as_str(), old],
        )?;
    }
    Ok(())
}

/// What an attachment row holds besides where it goes.
#[derive(Clone, Copy)]
pub(super) struct Fields<'a> {
    pub(super) kind: AttachmentKind,
    pub(super) name: &'a str,
    pub(super) media_type: &'a str,
    pub(super) data: &'a [u8],
    pub(super) width: Option<u32>,
    pub(super) height: Option<u32>,
}

/// Keeps an attachment with `message` at `ordinal` (a draft when `message` is `None`), as of
/// `at`; its new id.
pub(super) fn insert_attachment(
    conn: &Connection,
    message: Option<&MessageId>,
    ordinal: i64,
    fields: Fields<'_>,
    at: i64,
) -> Result<AttachmentId> {
    let id = AttachmentId::new();
    conn.execute(
        "INSERT INTO attachments (id, message_id, ordinal, kind, name, media_type, data, width,
                                  height, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            id.as_str(),
            message.map(MessageId::as_str),
            ordinal,
            fields.kind.as_str(),
            fields.name,
            fields.media_type,
            fields.data,
            fields.width,
            fields.height,
            at
        ],
    )?;
    Ok(id)
}

/// Fills in the attachments (what they are, not their bytes) of messages just read.
pub(super) fn with_attachments(
    conn: &Connection,
    mut messages: Vec<StoredMessage>,
) -> Result<Vec<StoredMessage>> {
    if messages.is_empty() {
        return Ok(messages);
    }
    let mut by_message: HashMap<String, Vec<AttachmentInfo>> = HashMap::new();
    for chunk in messages.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let mut statement = conn.prepare_cached(&format!(
            "SELECT {INFO_COLUMNS}, message_id FROM attachments
             WHERE message_id IN ({marks}) ORDER BY message_id, ordinal"
        ))?;
        let rows = statement.query_map(
            params_from_iter(chunk.iter().map(|m| m.id.as_str())),
            |row| Ok((row.get::<_, String>(7)?, info_from_row(row)?)),
        )?;
        for row in rows {
            let (message, info) = row?;
            by_message.entry(message).or_default().push(info);
        }
    }
    for message in &mut messages {
        if let Some(infos) = by_message.remove(message.id.as_str()) {
            message.attachments = infos;
        }
    }
    Ok(messages)
}

fn info_from_row(row: &Row<'_>) -> rusqlite::Result<AttachmentInfo> {
    let kind: String = row.get(1)?;
    Ok(AttachmentInfo {
        id: AttachmentId(row.get(0)?),
        kind: AttachmentKind::parse(&kind).unwrap_or(AttachmentKind::File),
        name: row.get(2)?,
        media_type: row.get(3)?,
        size: row.get::<_, i64>(4)?.try_into().unwrap_or(u32::MAX),
        width: row.get(5)?,
        height: row.get(6)?,
    })
}

fn attachment_from_row(row: &Row<'_>) -> rusqlite::Result<Attachment> {
    Ok(Attachment {
        info: info_from_row(row)?,
        data: bytes::Bytes::from(row.get::<_, Vec<u8>>(7)?),
    })
}

fn not_draft(id: &AttachmentId) -> Error {
    Error::new(
        ErrorKind::InvalidRequest,
        format!(
            "There is no attachment with id {} waiting to be sent: attach the file again.",
            crate::error::quoted(id.as_str())
        ),
    )
}
