//! One message at a time: show another version (swipe), edit, delete, restore.

use switchboard_core::store::StoredMessage;
use switchboard_core::MessageId;
use tauri::State;

use super::IpcError;
use crate::shell::Shell;

/// Shows version `index` (from 0) of a message; returns the message as it is now.
#[tauri::command]
#[specta::specta]
pub async fn select_swipe(
    shell: State<'_, Shell>,
    message_id: String,
    index: u32,
) -> Result<StoredMessage, IpcError> {
    shell
        .engine()
        .select_swipe(&MessageId(message_id), index)
        .await
}

/// Replaces the text of a message (the version shown); returns the message as saved.
#[tauri::command]
#[specta::specta]
pub async fn edit_message(
    shell: State<'_, Shell>,
    message_id: String,
    content: String,
) -> Result<StoredMessage, IpcError> {
    shell
        .engine()
        .edit_message(&MessageId(message_id), &content)
        .await
}

/// Deletes a message with all its versions; `restore_message` brings it back until the data
/// is next opened alone. False when there was no such message.
#[tauri::command]
#[specta::specta]
pub async fn delete_message(shell: State<'_, Shell>, message_id: String) -> Result<bool, IpcError> {
    shell.engine().delete_message(&MessageId(message_id)).await
}

/// Brings back a deleted message at its place, with all its versions. False when there was
/// none to bring back.
#[tauri::command]
#[specta::specta]
pub async fn restore_message(
    shell: State<'_, Shell>,
    message_id: String,
) -> Result<bool, IpcError> {
    shell.engine().restore_message(&MessageId(message_id)).await
}
