//! Chats and their messages: listing, reading (whole or a page: the latest, before, after or
//! around a message), finding, versions (swipes), editing, deleting, branching, renaming,
//! pinning, restoring, searching, export and import, and the profile and model a chat's next
//! message goes to.
//!
//! Must not: talk to a provider or the keychain; write a title, message or query past the
//! limits in `limits.rs`.

use super::limits::{
    check_bytes, check_chars, MAX_MODEL_CHARS, MAX_NAME_CHARS, MAX_QUERY_CHARS, MAX_TEXT_BYTES,
};
use super::Engine;
use crate::error::{quoted, Error, Result};
use crate::model::{ChatId, MessageId};
use crate::store::{Chat, SearchHit, Store, StoredMessage};
use crate::transfer::ChatArchive;

impl Engine {
    /// Every chat, most recently changed first.
    pub async fn chats(&self) -> Result<Vec<Chat>> {
        self.blocking(Store::chats).await
    }

    /// The chat with this id.
    pub async fn chat(&self, id: &ChatId) -> Result<Option<Chat>> {
        let id = id.clone();
        self.blocking(move |store| store.chat(&id)).await
    }

    /// The messages of a chat, oldest first.
    pub async fn messages(&self, id: &ChatId) -> Result<Vec<StoredMessage>> {
        let id = id.clone();
        self.blocking(move |store| store.messages(&id)).await
    }

    /// One page of a chat's history, oldest first (see [`Store::messages_page`]).
    pub async fn messages_page(
        &self,
        id: &ChatId,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<StoredMessage>> {
        let id = id.clone();
        self.blocking(move |store| store.messages_page(&id, before, limit))
            .await
    }

    /// The page of a chat's history holding `message`, oldest first (see
    /// [`Store::messages_around`]).
    pub async fn messages_around(
        &self,
        id: &ChatId,
        message: &MessageId,
        limit: usize,
    ) -> Result<Vec<StoredMessage>> {
        let (id, message) = (id.clone(), message.clone());
        self.blocking(move |store| store.messages_around(&id, &message, limit))
            .await
    }

    /// The page of a chat's history after `after` (a `seq`), oldest first (see
    /// [`Store::messages_after`]).
    pub async fn messages_after(
        &self,
        id: &ChatId,
        after: i64,
        limit: usize,
    ) -> Result<Vec<StoredMessage>> {
        let id = id.clone();
        self.blocking(move |store| store.messages_after(&id, after, limit))
            .await
    }

    /// The chat with this id, the most recent one with this title, or the one whose id starts
    /// so (see [`Store::lookup_chat`]: none or several is an `InvalidRequest` naming them).
    pub async fn find_chat(&self, id_or_title: &str) -> Result<Chat> {
        let key = id_or_title.to_string();
        self.blocking(move |store| store.lookup_chat(&key)).await
    }

    /// Every version of a message, in order.
    pub async fn swipes(&self, id: &MessageId) -> Result<Vec<String>> {
        let id = id.clone();
        self.blocking(move |store| store.swipes(&id)).await
    }

    /// Shows another version (swipe) of a message.
    pub async fn select_swipe(&self, id: &MessageId, index: u32) -> Result<StoredMessage> {
        let id = id.clone();
        self.blocking(move |store| store.select_swipe(&id, index))
            .await
    }

    /// Changes the text of a message.
    pub async fn edit_message(&self, id: &MessageId, content: &str) -> Result<StoredMessage> {
        check_bytes("message", content, MAX_TEXT_BYTES)?;
        let (id, content) = (id.clone(), content.to_string());
        self.blocking(move |store| store.edit_message(&id, &content))
            .await
    }

    /// Deletes a message with all its versions, undoable with
    /// [`restore_message`](Self::restore_message) until the data is next opened alone.
    pub async fn delete_message(&self, id: &MessageId) -> Result<bool> {
        let id = id.clone();
        self.blocking(move |store| store.delete_message(&id)).await
    }

    /// A new chat with the history of `chat` up to and including `through`, titled by where
    /// it forks ("`<title> — branch at message 6`") and remembering its parent.
    pub async fn branch_chat(&self, chat: &ChatId, through: &MessageId) -> Result<Chat> {
        let (chat, through) = (chat.clone(), through.clone());
        self.blocking(move |store| store.branch_chat(&chat, &through, None))
            .await
    }

    /// Renames a chat.
    pub async fn rename_chat(&self, id: &ChatId, title: &str) -> Result<()> {
        check_chars("chat title", title, MAX_NAME_CHARS)?;
        let (id, title) = (id.clone(), title.to_string());
        self.blocking(move |store| store.rename_chat(&id, &title))
            .await
    }

    /// Sets the profile and model a chat's next message goes to (its place in the list stays).
    /// The profile must exist; an empty model means the profile's own.
    pub async fn set_chat_target(
        &self,
        id: &ChatId,
        profile_id: &str,
        model: Option<&str>,
    ) -> Result<Chat> {
        let profile = self.profile(profile_id).await?;
        let model = model.map(str::trim).filter(|m| !m.is_empty());
        if let Some(model) = model {
            check_chars("model", model, MAX_MODEL_CHARS)?;
        }
        let (id, model) = (id.clone(), model.map(str::to_string));
        self.blocking(move |store| {
            store.set_chat_target(&id, Some(&profile.id), model.as_deref())?;
            store.chat(&id)?.ok_or_else(|| {
                Error::not_configured(format!("There is no chat with id {}.", quoted(id.as_str())))
            })
        })
        .await
    }

    /// Pins or unpins a chat.
    pub async fn pin_chat(&self, id: &ChatId, pinned: bool) -> Result<()> {
        let id = id.clone();
        self.blocking(move |store| store.pin_chat(&id, pinned))
            .await
    }

    /// Deletes a chat (undoable with [`restore_chat`](Self::restore_chat) while this runs).
    pub async fn delete_chat(&self, id: &ChatId) -> Result<bool> {
        let id = id.clone();
        self.blocking(move |store| store.delete_chat(&id)).await
    }

    /// Brings back a chat deleted since the store was opened.
    pub async fn restore_chat(&self, id: &ChatId) -> Result<bool> {
        let id = id.clone();
        self.blocking(move |store| store.restore_chat(&id)).await
    }

    /// Chats whose title or messages contain every word of `query` (see [`Store::search`]).
    pub async fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        check_chars("search", query, MAX_QUERY_CHARS)?;
        let query = query.to_string();
        self.blocking(move |store| store.search(&query, limit))
            .await
    }

    /// A whole chat, for export.
    pub async fn archive(&self, id: &ChatId) -> Result<ChatArchive> {
        let id = id.clone();
        self.blocking(move |store| store.archive(&id)).await
    }

    /// Saves an imported chat as a new chat.
    pub async fn import_archive(&self, archive: ChatArchive) -> Result<Chat> {
        self.blocking(move |store| store.import_archive(&archive))
            .await
    }
}
