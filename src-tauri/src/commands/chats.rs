//! The chat list: rename, pin, delete (undoable while the app runs), branch and search; and the
//! profile and model a chat's next message goes to (the chat header's picker).

use switchboard_core::store::{Chat, SearchHit};
use switchboard_core::{ChatId, MessageId};
use tauri::State;

use super::chat::existing_chat;
use super::IpcError;
use crate::shell::{invalid, Shell};

/// How many search hits `search_chats` returns at most.
pub const SEARCH_LIMIT: usize = 50;

/// Renames a chat; returns it as saved.
#[tauri::command]
#[specta::specta]
pub async fn rename_chat(
    shell: State<'_, Shell>,
    chat_id: String,
    title: String,
) -> Result<Chat, IpcError> {
    shell.rename_chat(chat_id, title).await
}

/// Pins a chat to the top of the list, or unpins it; returns it as saved.
#[tauri::command]
#[specta::specta]
pub async fn pin_chat(
    shell: State<'_, Shell>,
    chat_id: String,
    pinned: bool,
) -> Result<Chat, IpcError> {
    shell.pin_chat(chat_id, pinned).await
}

/// Sets the profile and model the chat's next message goes to (`model`: `null` or empty for
/// the profile's own); returns the chat as saved. Its place in the list stays.
#[tauri::command]
#[specta::specta]
pub async fn set_chat_target(
    shell: State<'_, Shell>,
    chat_id: String,
    profile_id: String,
    model: Option<String>,
) -> Result<Chat, IpcError> {
    shell
        .engine()
        .set_chat_target(&ChatId(chat_id), &profile_id, model.as_deref())
        .await
}

/// Deletes a chat; `restore_chat` brings it back until the app quits. False when there was
/// no such chat.
#[tauri::command]
#[specta::specta]
pub async fn delete_chat(shell: State<'_, Shell>, chat_id: String) -> Result<bool, IpcError> {
    shell.engine().delete_chat(&ChatId(chat_id)).await
}

/// Brings back a deleted chat. False when there was none to bring back.
#[tauri::command]
#[specta::specta]
pub async fn restore_chat(shell: State<'_, Shell>, chat_id: String) -> Result<bool, IpcError> {
    shell.engine().restore_chat(&ChatId(chat_id)).await
}

/// A new chat with the history of `chat_id` up to and including `message_id`, every version
/// of each message kept.
#[tauri::command]
#[specta::specta]
pub async fn branch_chat(
    shell: State<'_, Shell>,
    chat_id: String,
    message_id: String,
) -> Result<Chat, IpcError> {
    shell
        .engine()
        .branch_chat(&ChatId(chat_id), &MessageId(message_id))
        .await
}

/// Chats whose title or messages contain every word of `query` (case-insensitive, in any
/// order), most recent first. The snippet is text in runs, those where a word matched marked.
#[tauri::command]
#[specta::specta]
pub async fn search_chats(
    shell: State<'_, Shell>,
    query: String,
) -> Result<Vec<SearchHit>, IpcError> {
    shell.engine().search(&query, SEARCH_LIMIT).await
}

impl Shell {
    /// Renames a chat and returns it as saved.
    pub async fn rename_chat(&self, chat_id: String, title: String) -> Result<Chat, IpcError> {
        if title.trim().is_empty() {
            return Err(invalid("Give the chat a title."));
        }
        let id = ChatId(chat_id);
        self.engine().rename_chat(&id, &title).await?;
        existing_chat(self, &id).await
    }

    /// Pins or unpins a chat and returns it as saved.
    pub async fn pin_chat(&self, chat_id: String, pinned: bool) -> Result<Chat, IpcError> {
        let id = ChatId(chat_id);
        self.engine().pin_chat(&id, pinned).await?;
        existing_chat(self, &id).await
    }
}
