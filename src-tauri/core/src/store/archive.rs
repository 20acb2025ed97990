//! Whole chats as [`ChatArchive`]s, with every version of their messages and the fields kept
//! from imports: read for export, saved as a new chat on import, or under the chat's own id
//! when a backup is restored ([`Store::restore_archive`]). Must not change an existing chat,
//! except the one a restore was told to replace (and then only inside one transaction).
//!
//! The archive types live here because the store reads and writes them; `transfer` turns them
//! into files and back (the arrow runs transfer → store, never the other way).

use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::attachments::{insert_attachment, Fields};
use super::chats::{not_found, sources_json};
use super::{from_json, guard, now_ms, to_json, Chat, Store};
use crate::error::{Error, ErrorKind, Result};
use crate::model::{AttachmentKind, ChatId, MessageId, ProviderData, Role, SourceLink};

/// One chat, as files carry it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ChatArchive {
    /// The chat's id where it was written (Switchboard's exports and backups carry it; a
    /// restored backup recognises its chats by it). `None` for other files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<ChatId>,
    /// The chat's title.
    pub title: String,
    /// Creation time, ms since the Unix epoch.
    pub created_at: i64,
    /// The name the user writes under (SillyTavern's `user_name`).
    pub user_name: Option<String>,
    /// The name the model writes under (SillyTavern's `character_name`).
    pub character_name: Option<String>,
    /// The model it last used.
    pub model: Option<String>,
    /// The messages, oldest first.
    pub messages: Vec<ArchivedMessage>,
    /// Fields of the file's header Switchboard does not use, kept for the way back.
    pub extra: Map<String, Value>,
}

/// One message with its alternatives.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ArchivedMessage {
    /// Author.
    pub role: Role,
    /// The speaker's name, when the file gives one.
    pub name: Option<String>,
    /// The text shown (the chosen swipe). Read as OpenAI-format clients write it too: `null` is
    /// empty, an array of parts is its text parts joined with a blank line (see
    /// [`crate::prompt::client`]).
    #[serde(deserialize_with = "client_content")]
    pub content: String,
    /// Every version of the message, the shown one included (empty or one entry when there
    /// are no alternatives).
    pub swipes: Vec<String>,
    /// Which of `swipes` is shown.
    pub swipe_index: usize,
    /// When it was sent, ms since the Unix epoch.
    pub sent_at: i64,
    /// The model that wrote it (replies).
    pub model: Option<String>,
    /// Reasoning text, if any.
    pub reasoning: Option<String>,
    /// What the source's family asked to have sent back with the version shown (thought
    /// signatures, encrypted reasoning): Switchboard's own exports and backups carry it, so a
    /// restored chat goes on as it was; SillyTavern's files leave it out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_data: Option<ProviderData>,
    /// The images and files attached to it, in order: Switchboard's own exports and backups
    /// carry them with their bytes (left out when there are none, so a chat without any is
    /// written as before); SillyTavern's files carry images as `data:` URLs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<ArchivedAttachment>,
    /// The pages the version shown cites, in order (Switchboard's exports and backups; left out
    /// when there are none, so a chat without any is written as before).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceLink>,
    /// Fields of the line Switchboard does not use, kept for the way back.
    pub extra: Map<String, Value>,
}

/// An image or a file attached to a message, with its bytes, as files carry it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchivedAttachment {
    /// Image or file.
    pub kind: AttachmentKind,
    /// The file name it was attached as.
    pub name: String,
    /// The media type of `data` (`image/png`, `text/plain`, …).
    pub media_type: String,
    /// An image's width in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// An image's height in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// An image's encoded bytes, a file's text as UTF-8 (standard base64 in JSON).
    #[serde(with = "base64_data")]
    pub data: Vec<u8>,
}

impl std::fmt::Debug for ArchivedAttachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArchivedAttachment")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("media_type", &self.media_type)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("bytes", &self.data.len())
            .finish()
    }
}

mod base64_data {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(data: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(data))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|err| serde::de::Error::custom(format!("an attachment's data: {err}")))
    }
}

fn client_content<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let value = Value::deserialize(deserializer)?;
    crate::prompt::client::content_text(&value, &mut |_| {}).map_err(serde::de::Error::custom)
}

impl Store {
    /// A whole chat with every version of its messages, for export.
    pub fn archive(&self, id: &ChatId) -> Result<ChatArchive> {
        let chat = self.chat(id)?.ok_or_else(|| not_found("such chat"))?;
        let extra: Option<String> = self.conn().query_row(
            "SELECT extra FROM chats WHERE id = ?1",
            [id.as_str()],
            |r| r.get(0),
        )?;
        let mut archive = ChatArchive {
            id: Some(chat.id.clone()),
            title: chat.title.clone(),
            created_at: chat.created_at,
            model: chat.model.clone(),
            ..ChatArchive::default()
        };
        if let Some(extra) = extra {
            let kept: serde_json::Map<String, serde_json::Value> = from_json(&extra)?;
            archive.user_name = kept
                .get("user_name")
                .and_then(|v| v.as_str())
                .map(str::to_string);
            archive.character_name = kept
                .get("character_name")
                .and_then(|v| v.as_str())
                .map(str::to_string);
            archive.extra = kept
                .get("header")
                .and_then(|v| v.as_object())
                .cloned()
                .unwrap_or_default();
        }
        let messages = self.messages(id)?;
        let ids: Vec<MessageId> = messages.iter().map(|m| m.id.clone()).collect();
        let mut attachments = self.attachments_of(&ids)?;
        for message in messages {
            let extra: Option<String> = self.conn().query_row(
                "SELECT extra FROM messages WHERE id = ?1",
                [message.id.as_str()],
                |r| r.get(0),
            )?;
            let swipes = if message.swipe_count > 1 {
                self.swipes(&message.id)?
            } else {
                Vec::new()
            };
            archive.messages.push(ArchivedMessage {
                role: message.role,
                name: message.name.clone(),
                content: message.content.clone(),
                swipes,
                swipe_index: message.swipe_index as usize,
                sent_at: message.created_at,
                model: message.model.clone(),
                reasoning: message.reasoning.clone(),
                provider_data: message.provider_data.clone(),
                attachments: attachments
                    .remove(&message.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|kept| ArchivedAttachment {
                        kind: kept.info.kind,
                        name: kept.info.name,
                        media_type: kept.info.media_type,
                        width: kept.info.width,
                        height: kept.info.height,
                        data: kept.data.to_vec(),
                    })
                    .collect(),
                sources: message.sources.clone(),
                extra: extra
                    .map(|e| from_json(&e))
                    .transpose()?
                    .unwrap_or_default(),
            });
        }
        Ok(archive)
    }

    /// Saves an imported chat (with every version of its messages) as a new chat, under a new
    /// id (the archive's own is not used).
    pub fn import_archive(&self, archive: &ChatArchive) -> Result<Chat> {
        self.insert_archive(archive, &ChatId::new(), false)
    }

    /// Which of `ids` are chats here (deleted ones do not count).
    pub fn chats_here(&self, ids: &[ChatId]) -> Result<Vec<Chat>> {
        let mut here = Vec::new();
        for id in ids {
            if let Some(chat) = self.chat(id)? {
                here.push(chat);
            }
        }
        Ok(here)
    }

    /// Saves a chat of a backup under `id`, its id in the backup. When a chat with that id is
    /// here: `replace` removes it (its messages, versions and pins; refused while a reply is
    /// being written in it) in the same transaction that writes the backup's copy, else the
    /// chat is refused as already here. A deleted chat with that id (waiting in the trash) is
    /// removed for good: the backup's copy takes its place.
    pub fn restore_archive(
        &self,
        archive: &ChatArchive,
        id: &ChatId,
        replace: bool,
    ) -> Result<Chat> {
        self.insert_archive(archive, id, replace)
    }

    fn insert_archive(&self, archive: &ChatArchive, id: &ChatId, replace: bool) -> Result<Chat> {
        let now = now_ms();
        let id = id.clone();
        let title = if archive.title.trim().is_empty() {
            "Imported chat".to_string()
        } else {
            archive.title.trim().to_string()
        };
        let created = if archive.created_at > 0 {
            archive.created_at
        } else {
            now
        };
        // Listed by when it was last written in, not when it was imported.
        let updated = archive
            .messages
            .iter()
            .map(|m| m.sent_at)
            .max()
            .filter(|&t| t > 0)
            .unwrap_or(created)
            .max(created);
        let extra = serde_json::json!({
            "user_name": archive.user_name,
            "character_name": archive.character_name,
            "header": archive.extra,
        });
        {
            let mut conn = self.conn();
            let tx = conn.transaction()?;
            make_room(&tx, &id, replace)?;
            tx.execute(
                "INSERT INTO chats (id, title, model, extra, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    id.as_str(),
                    title,
                    archive.model,
                    to_json(&extra)?,
                    created,
                    updated
                ],
            )?;
            for (seq, message) in archive.messages.iter().enumerate() {
                let message_id = MessageId::new();
                let versions: Vec<&str> = if message.swipes.len() > 1 {
                    message.swipes.iter().map(String::as_str).collect()
                } else {
                    vec![message.content.as_str()]
                };
                let shown = message.swipe_index.min(versions.len() - 1);
                let sent = if message.sent_at > 0 {
                    message.sent_at
                } else {
                    created
                };
                let extra = if message.extra.is_empty() {
                    None
                } else {
                    Some(to_json(&message.extra)?)
                };
                tx.execute(
                    "INSERT INTO messages (id, chat_id, seq, role, name, content, swipe_index, swipe_count,
                                           reasoning, state, model, extra, created_at, updated_at,
                                           provider_data, sources)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'complete', ?10, ?11, ?12, ?12, ?13,
                             ?14)",
                    params![
                        message_id.as_str(),
                        id.as_str(),
                        i64::try_from(seq).unwrap_or(i64::MAX),
                        message.role.as_str(),
                        message.name,
                        message.content,
                        i64::try_from(shown).unwrap_or(0),
                        i64::try_from(versions.len()).unwrap_or(1),
                        message.reasoning,
                        message.model,
                        extra,
                        sent,
                        message.provider_data.as_ref().map(to_json).transpose()?,
                        sources_json(&message.sources)?
                    ],
                )?;
                for (ordinal, attachment) in message.attachments.iter().enumerate() {
                    let fields = Fields {
                        kind: attachment.kind,
                        name: &attachment.name,
                        media_type: &attachment.media_type,
                        data: &attachment.data,
                        width: attachment.width,
                        height: attachment.height,
                    };
                    let ordinal = i64::try_from(ordinal).unwrap_or(i64::MAX);
                    insert_attachment(&tx, Some(&message_id), ordinal, fields, sent)?;
                }
                for (index, text) in versions.iter().enumerate() {
                    if index == shown {
                        continue;
                    }
                    tx.execute(
                        "INSERT INTO swipes (message_id, idx, content, state, created_at)
                         VALUES (?1, ?2, ?3, 'complete', ?4)",
                        params![
                            message_id.as_str(),
                            i64::try_from(index).unwrap_or(0),
                            text,
                            sent
                        ],
                    )?;
                }
            }
            let expected = i64::try_from(archive.messages.len()).unwrap_or(i64::MAX);
            guard::all_written(&tx, &id, &title, expected)?;
            tx.commit()?;
        }
        self.chat(&id)?.ok_or_else(|| not_found("such chat"))
    }
}

/// Frees `id` for a chat about to be written: a deleted chat of that id goes for good; a chat
/// here goes when `replace` (not while a reply is written in it), else it is refused.
fn make_room(tx: &Transaction<'_>, id: &ChatId, replace: bool) -> Result<()> {
    let deleted: Option<Option<i64>> = tx
        .query_row(
            "SELECT deleted_at FROM chats WHERE id = ?1",
            [id.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    match deleted {
        None => return Ok(()),
        Some(Some(_)) => {}
        Some(None) if !replace => {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                "This chat is already here; it was left as it is.",
            ))
        }
        Some(None) => {
            let writing: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM messages WHERE chat_id = ?1 AND state = 'streaming')",
                [id.as_str()],
                |r| r.get(0),
            )?;
            if writing {
                return Err(Error::new(
                    ErrorKind::InvalidRequest,
                    "A reply is being written in this chat: stop it, then replace the chat.",
                ));
            }
        }
    }
    tx.execute("DELETE FROM chats WHERE id = ?1", [id.as_str()])?;
    Ok(())
}
