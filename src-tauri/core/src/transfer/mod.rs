//! Chats in and out of Switchboard: SillyTavern's JSONL chat files, Markdown, and Switchboard's
//! own JSON (one chat, or a whole backup of chats and profiles without keys).
//!
//! Everything here but [`files`] is pure (text in, text out) over [`ChatArchive`], the form of
//! one chat with its swipes that the store reads and writes (it is defined in the store and
//! re-exported here: this module imports the store, the store never imports this module).
//!
//! - [`sillytavern`]: SillyTavern's JSONL chat files, both ways (a file read and written back
//!   gives the same archive).
//! - [`markdown`]: a readable export.
//! - [`json`]: Switchboard's own chat file and backup (chats and profiles, never keys).
//! - [`settings`]: SillyTavern's `settings.json` → profile drafts (never its keys).
//! - [`files`]: the files a list of paths names, and their text, size-checked before reading
//!   (the one part that touches the disk).

mod dates;

/// `2024-05-12 13:06` (UTC) for ms since the Unix epoch, as lists and exports show times.
pub fn minute_utc(ms: i64) -> String {
    dates::minute(ms)
}
pub mod files;
pub mod json;
pub mod markdown;
pub mod settings;
pub mod sillytavern;

use serde::Serialize;
use serde_json::Value;

pub use crate::store::{ArchivedAttachment, ArchivedMessage, ChatArchive};

/// A line that could not be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Skipped {
    /// 1-based line number in the file.
    pub line: usize,
    /// What was wrong, for people.
    pub reason: String,
}

/// What reading one file gave.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Imported {
    /// The chat (its good messages).
    pub chat: ChatArchive,
    /// The lines left out.
    pub skipped: Vec<Skipped>,
}

/// What a file to import holds.
#[derive(Debug, Clone, PartialEq)]
pub enum FileContents {
    /// One chat, and the lines left out of it.
    Chat(ChatArchive, Vec<Skipped>),
    /// A Switchboard backup: chats and profiles.
    Backup(json::Backup),
}

/// How much of a file's start is looked at to tell Switchboard's JSON from SillyTavern's JSONL.
const HEAD_CHARS: usize = 400;

/// Reads a file to import: a Switchboard backup, a Switchboard chat export, or a SillyTavern
/// chat file (told apart by the `format` near the start, or, in a file written by another tool
/// that moved it further down, by the `format` of the one JSON object the whole file is).
pub fn read_file(text: &str) -> Result<FileContents, crate::error::Error> {
    let head: String = text.chars().take(HEAD_CHARS).collect();
    let format = if head.contains(json::BACKUP_FORMAT) {
        Some(json::BACKUP_FORMAT.to_string())
    } else if head.contains(json::CHAT_FORMAT) {
        Some(json::CHAT_FORMAT.to_string())
    } else {
        whole_object_format(text)
    };
    match format.as_deref() {
        Some(json::BACKUP_FORMAT) => json::read_backup(text).map(FileContents::Backup),
        Some(json::CHAT_FORMAT) => {
            json::read_chat(text).map(|chat| FileContents::Chat(chat, Vec::new()))
        }
        _ => sillytavern::parse(text)
            .map(|imported| FileContents::Chat(imported.chat, imported.skipped)),
    }
}

/// The `format` of a file that is one JSON object (a JSONL file of several lines is not: its
/// parse stops at the second line).
fn whole_object_format(text: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Envelope {
        format: Option<String>,
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if !text.trim_start().starts_with('{') {
        return None;
    }
    serde_json::from_str::<Envelope>(text).ok()?.format
}

/// A profile from a backup, under a new id and dates, without extra headers (a backup never
/// holds a key or a header value; older backups listed headers as name/value pairs); the
/// reason when the value is not a profile.
pub fn restored_profile(mut value: Value) -> Result<crate::store::Profile, String> {
    if let Some(object) = value.as_object_mut() {
        object.insert("headers".into(), Value::Array(Vec::new()));
    }
    let mut profile: crate::store::Profile =
        serde_json::from_value(value).map_err(|err| format!("it is not a profile ({err})"))?;
    let fresh =
        crate::store::Profile::new(profile.name.clone(), profile.source, profile.url.clone());
    profile.id = fresh.id;
    profile.created_at = fresh.created_at;
    profile.updated_at = fresh.updated_at;
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A backup whose `format` is not near the start (another tool sorted its keys, and the
    /// chats come first) is still read as a backup, and a chat export likewise.
    #[test]
    fn a_backup_with_its_format_far_down_is_still_a_backup() {
        let chat = ChatArchive {
            title: "t".repeat(500),
            ..ChatArchive::default()
        };
        let backup = json::Backup {
            chats: vec![chat.clone()],
            profiles: Vec::new(),
        };
        let sorted: Value = serde_json::from_str(&json::write_backup(&backup)).unwrap();
        let text = sorted.to_string();
        assert!(!text[..HEAD_CHARS].contains(json::BACKUP_FORMAT), "{text}");
        assert_eq!(read_file(&text).unwrap(), FileContents::Backup(backup));
        let sorted: Value = serde_json::from_str(&json::write_chat(&chat)).unwrap();
        assert!(
            matches!(read_file(&sorted.to_string()).unwrap(), FileContents::Chat(read, _) if read == chat)
        );
    }

    /// Backups written before header values moved to the keychain list headers as pairs; such
    /// a profile is restored, without them.
    #[test]
    fn profiles_from_older_backups_are_restored_without_their_headers() {
        let mut value = serde_json::to_value(crate::store::Profile::new(
            "old",
            crate::ProviderKind::Custom,
            "http://127.0.0.1:8080/v1",
        ))
        .unwrap();
        value["headers"] = serde_json::json!([["X-Title", "ok"]]);
        let restored = restored_profile(value).unwrap();
        assert_eq!(restored.name, "old");
        assert!(restored.headers.is_empty());
        assert!(restored_profile(serde_json::json!({"name": 1})).is_err());
    }
}
