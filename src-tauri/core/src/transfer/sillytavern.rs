//! SillyTavern chat files: JSON Lines, a header object on the first line and one message object
//! per following line.
//!
//! ```text
//! {"user_name":"User","character_name":"Seraphina","create_date":"2024-5-12 @13h 5m 41s 283ms","chat_metadata":{}}
//! {"name":"User","is_user":true,"is_system":false,"send_date":"May 12, 2024 1:05pm","mes":"Hi!"}
//! {"name":"Seraphina","is_user":false,"is_system":false,"send_date":"…","mes":"Hello","swipes":["Hello","Hey"],"swipe_id":0,"extra":{"api":"openai","model":"gpt-4o"}}
//! ```
//!
//! # Reading ([`parse()`])
//! - The first non-blank line must be a JSON object that is not a message; otherwise the whole
//!   file is refused with an error naming that line. Every other bad line (not JSON, not an
//!   object, no text in `mes`) is left out and reported in [`Imported::skipped`] with its 1-based
//!   line number. Blank lines are ignored.
//! - Roles: `is_user` → [`Role::User`]; else `is_system` → [`Role::System`]; else
//!   [`Role::Assistant`]. A user message marked `is_system` (SillyTavern's "hidden from the
//!   prompt") stays a user message and keeps `"is_system": true` in its `extra`.
//! - `content` is `mes`; `swipes` are the file's (empty when absent); `swipe_index` is
//!   `swipe_id` clamped to the swipes. `extra.model` and `extra.reasoning` (non-empty text) become
//!   `model` and `reasoning`; the rest of the line's `extra` object is kept under
//!   `ArchivedMessage::extra["extra"]` when not empty, and every other field of the line
//!   (`swipe_info`, `force_avatar`, `gen_started`, …) is kept in `ArchivedMessage::extra`.
//! - Images and files in `extra` (`media`, `files`, and the older `image` and `file`) that the
//!   file carries itself (`data:` URLs, a file's `text`) become the message's attachments; those
//!   on SillyTavern's server stay in `extra` as they were, counted by [`on_server`] (see
//!   `sillytavern/media.rs`).
//! - Dates: epoch milliseconds (number or digits), ISO 8601, the humanized
//!   `2024-5-12 @13h 5m 41s 283ms` / `2024-05-12@13h05m41s` and the message form
//!   `May 12, 2024 1:05pm`. SillyTavern writes the last two in local time without saying which:
//!   they are read as UTC. A message without a readable `send_date` gets the chat's date; a
//!   header without a readable `create_date` gets the first readable message date (or 0).
//! - Names: a missing `user_name` reads as `"User"`, a missing `character_name` as the first
//!   reply's speaker (or `"Assistant"`); a message without `name` gets the user's or character's
//!   name (`"System"` for system messages). `chat_metadata` is kept in the chat's `extra`
//!   (`{}` when absent), with every other header field.
//! - Title: SillyTavern has none. It is `"{character} — {day}"`; for group chats (character
//!   `"unused"` or empty) the speakers' names and the day; else the first line of the first user
//!   message. A title Switchboard wrote itself (`switchboard_title`, see below) wins.
//! - `model` is the last message's model.
//!
//! # Writing ([`write()`])
//! The header carries `user_name`, `character_name` (`"User"` / `"Assistant"` when unknown),
//! `create_date` in the humanized form and `chat_metadata`, then the kept header fields; when the
//! chat's title is not the one reading would derive, it is added as `switchboard_title` (which
//! SillyTavern ignores) so it survives the way back. Each message line carries `name`,
//! `is_user`, `is_system`, `send_date` (ISO 8601, which SillyTavern reads, to keep milliseconds),
//! `mes`, `swipes` and `swipe_id` when there are swipes, `extra` (with `model` and `reasoning`
//! when known, and the attachments as `data:` URLs in `media` and `files`), then the kept
//! fields. [`Role::Tool`] is written as a system message.
//!
//! `parse(&write(&chat))` gives back `chat` for every chat [`parse`] returns.

use serde_json::{Map, Value};

use super::dates;

mod media;
use super::{ArchivedMessage, ChatArchive, Imported, Skipped};
use crate::error::{Error, ErrorKind};
use crate::model::Role;
pub use media::on_server;

/// Header field where Switchboard keeps a title of its own.
pub const TITLE_FIELD: &str = "switchboard_title";

/// The character name SillyTavern writes in the header of group chats.
const GROUP_MARKER: &str = "unused";

/// Header fields read into [`ChatArchive`] fields (never kept in `extra`).
const HEADER_FIELDS: [&str; 3] = ["user_name", "character_name", "create_date"];

/// Message fields always read into [`ArchivedMessage`] fields (never kept in `extra`).
const MESSAGE_FIELDS: [&str; 6] = ["name", "is_user", "is_system", "send_date", "mes", "extra"];

/// Default names.
const DEFAULT_USER: &str = "User";
const DEFAULT_CHARACTER: &str = "Assistant";
const DEFAULT_SYSTEM: &str = "System";

/// A message line before the header's defaults are known.
struct Line {
    role: Role,
    name: Option<String>,
    sent_at: Option<i64>,
    message: ArchivedMessage,
}

/// Reads a SillyTavern chat file.
///
/// Fails only when the file has no header (empty, or a first line that is not a JSON object
/// header); bad message lines are skipped and listed in [`Imported::skipped`].
pub fn parse(text: &str) -> Result<Imported, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line))
        .filter(|(_, line)| !line.trim().is_empty());
    let Some((header_line, header_text)) = lines.next() else {
        return Err(bad_file(
            "The file is empty: a SillyTavern chat starts with a header line.",
        ));
    };
    let mut header = read_header(header_line, header_text)?;

    let mut parsed = Vec::new();
    let mut skipped = Vec::new();
    for (number, line) in lines {
        match read_message(line) {
            Ok(message) => parsed.push(message),
            Err(reason) => skipped.push(Skipped {
                line: number,
                reason,
            }),
        }
    }

    let user_name = take_string(&mut header, "user_name");
    let character_name = take_string(&mut header, "character_name");
    let create_date = header
        .remove("create_date")
        .and_then(|value| dates::parse_value(&value));
    // Switchboard's own key: anything but a string under it is not a title, and is dropped (kept,
    // it would collide with the title written back).
    let own_title = match header.remove(TITLE_FIELD) {
        Some(Value::String(title)) => Some(title),
        _ => None,
    };
    header
        .entry("chat_metadata")
        .or_insert_with(|| Value::Object(Map::new()));

    let created_at = create_date
        .or_else(|| parsed.iter().find_map(|line| line.sent_at))
        .unwrap_or(0);
    let user = user_name
        .clone()
        .unwrap_or_else(|| DEFAULT_USER.to_string());
    let character = character_name.clone().unwrap_or_else(|| {
        parsed
            .iter()
            .filter(|line| line.role == Role::Assistant)
            .find_map(|line| line.name.clone())
            .unwrap_or_else(|| DEFAULT_CHARACTER.to_string())
    });

    let messages: Vec<ArchivedMessage> = parsed
        .into_iter()
        .map(|line| {
            let name = line.name.unwrap_or_else(|| match line.role {
                Role::User => user.clone(),
                Role::Assistant => character.clone(),
                Role::System | Role::Tool => DEFAULT_SYSTEM.to_string(),
            });
            ArchivedMessage {
                role: line.role,
                name: Some(name),
                sent_at: line.sent_at.unwrap_or(created_at),
                ..line.message
            }
        })
        .collect();

    let title = own_title.unwrap_or_else(|| {
        derive_title(character_name.as_deref(), created_at, &messages, &character)
    });
    let model = messages.iter().rev().find_map(|m| m.model.clone());
    Ok(Imported {
        chat: ChatArchive {
            id: None,
            title,
            created_at,
            user_name: Some(user),
            character_name: Some(character),
            model,
            messages,
            extra: header,
        },
        skipped,
    })
}

/// Writes a chat as a SillyTavern chat file (JSON Lines, no trailing newline).
pub fn write(chat: &ChatArchive) -> String {
    let user = chat.user_name.as_deref().unwrap_or(DEFAULT_USER);
    let character = chat.character_name.as_deref().unwrap_or(DEFAULT_CHARACTER);
    let created_at = chat.created_at.clamp(0, dates::MAX_MS);

    let mut header = Object::new();
    header.string("user_name", user);
    header.string("character_name", character);
    header.string("create_date", &dates::humanized(created_at));
    match chat.extra.get("chat_metadata") {
        Some(metadata) => header.field("chat_metadata", metadata),
        None => header.field("chat_metadata", &Value::Object(Map::new())),
    }
    // Derived as reading will: unnamed replies will be read as the character's.
    let own_title =
        chat.title != derive_title(Some(character), created_at, &chat.messages, character);
    if own_title {
        header.string(TITLE_FIELD, &chat.title);
    }
    for (key, value) in &chat.extra {
        let written = key == "chat_metadata"
            || HEADER_FIELDS.contains(&key.as_str())
            || (own_title && key == TITLE_FIELD);
        if !written {
            header.field(key, value);
        }
    }

    let mut lines = vec![header.finish()];
    for message in &chat.messages {
        lines.push(write_message(message, user, character));
    }
    lines.join("\n")
}

fn write_message(message: &ArchivedMessage, user: &str, character: &str) -> String {
    let flagged_hidden = message.extra.get("is_system") == Some(&Value::Bool(true));
    let (is_user, is_system, default_name) = match message.role {
        Role::User => (true, flagged_hidden, user),
        Role::Assistant => (false, false, character),
        Role::System | Role::Tool => (false, true, DEFAULT_SYSTEM),
    };
    let mut line = Object::new();
    line.string("name", message.name.as_deref().unwrap_or(default_name));
    line.field("is_user", &Value::Bool(is_user));
    line.field("is_system", &Value::Bool(is_system));
    line.string(
        "send_date",
        &dates::iso(message.sent_at.clamp(0, dates::MAX_MS)),
    );
    line.string("mes", &message.content);
    let has_swipes = !message.swipes.is_empty();
    if has_swipes {
        let swipes = message.swipes.iter().cloned().map(Value::String).collect();
        line.field("swipes", &Value::Array(swipes));
        let index = message.swipe_index.min(message.swipes.len() - 1);
        line.field("swipe_id", &Value::from(index));
    }
    line.field("extra", &line_extra(message));
    for (key, value) in &message.extra {
        let written = MESSAGE_FIELDS.contains(&key.as_str())
            || (has_swipes && (key == "swipes" || key == "swipe_id"));
        if !written {
            line.field(key, value);
        }
    }
    line.finish()
}

/// The line's `extra` object: the kept one with `model` and `reasoning` set and the
/// attachments in SillyTavern's form (see `media.rs`).
fn line_extra(message: &ArchivedMessage) -> Value {
    let known =
        message.model.is_some() || message.reasoning.is_some() || !message.attachments.is_empty();
    let mut extra = match message.extra.get("extra") {
        Some(Value::Object(kept)) => kept.clone(),
        Some(other) if !known => return other.clone(),
        _ => Map::new(),
    };
    if let Some(model) = &message.model {
        extra.insert("model".to_string(), Value::String(model.clone()));
    }
    if let Some(reasoning) = &message.reasoning {
        extra.insert("reasoning".to_string(), Value::String(reasoning.clone()));
    }
    media::put(&mut extra, &message.attachments, message.sent_at);
    Value::Object(extra)
}

/// The header line as an object, or the error refusing the file.
fn read_header(number: usize, text: &str) -> Result<Map<String, Value>, Error> {
    let header = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(header)) => header,
        Ok(other) => {
            return Err(bad_file(format!(
                "Line {number} is not a SillyTavern chat header: expected a JSON object, found {}.",
                kind_of(&other)
            )))
        }
        Err(err) => {
            return Err(bad_file(format!(
                "Line {number} is not a SillyTavern chat header: {}.",
                json_problem(&err)
            )))
        }
    };
    let is_message = header.contains_key("mes")
        && ![
            "user_name",
            "character_name",
            "create_date",
            "chat_metadata",
        ]
        .iter()
        .any(|key| header.contains_key(*key));
    if is_message {
        return Err(bad_file(format!(
            "Line {number} is a message, not a SillyTavern chat header \
             (user_name, character_name, create_date, chat_metadata)."
        )));
    }
    Ok(header)
}

/// One message line, or why it is skipped.
fn read_message(text: &str) -> Result<Line, String> {
    let mut fields = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(fields)) => fields,
        Ok(other) => return Err(format!("not a JSON object (found {})", kind_of(&other))),
        Err(err) => return Err(json_problem(&err)),
    };
    let content = match fields.remove("mes") {
        Some(Value::String(content)) => content,
        Some(other) => return Err(format!("\"mes\" is not text (found {})", kind_of(&other))),
        None => return Err("no \"mes\" field (the message text)".to_string()),
    };
    let is_user = fields.remove("is_user").and_then(|v| v.as_bool()) == Some(true);
    let is_system = fields.remove("is_system").and_then(|v| v.as_bool()) == Some(true);
    let role = if is_user {
        Role::User
    } else if is_system {
        Role::System
    } else {
        Role::Assistant
    };
    let name = take_string(&mut fields, "name");
    let sent_at = fields
        .remove("send_date")
        .and_then(|value| dates::parse_value(&value));

    let swipes = match fields.get("swipes") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>(),
        _ => None,
    };
    // Swipes that are not a list of texts stay in `extra`, and so does their `swipe_id`.
    let (swipes, swipe_index) = match swipes {
        Some(swipes) if !swipes.is_empty() => {
            fields.remove("swipes");
            let wanted = fields
                .remove("swipe_id")
                .and_then(|v| v.as_u64())
                .map_or(0, |id| usize::try_from(id).unwrap_or(usize::MAX));
            let index = wanted.min(swipes.len() - 1);
            (swipes, index)
        }
        Some(_) => {
            fields.remove("swipes");
            (Vec::new(), 0)
        }
        None => (Vec::new(), 0),
    };

    let mut model = None;
    let mut reasoning = None;
    let mut attachments = Vec::new();
    match fields.remove("extra") {
        Some(Value::Object(mut extra)) => {
            model = take_text(&mut extra, "model");
            reasoning = take_text(&mut extra, "reasoning");
            attachments = media::take(&mut extra);
            if !extra.is_empty() {
                fields.insert("extra".to_string(), Value::Object(extra));
            }
        }
        Some(other) => {
            fields.insert("extra".to_string(), other);
        }
        None => {}
    }
    if role == Role::User && is_system {
        fields.insert("is_system".to_string(), Value::Bool(true));
    }

    Ok(Line {
        role,
        name,
        sent_at,
        message: ArchivedMessage {
            role,
            name: None,
            content,
            swipes,
            swipe_index,
            sent_at: 0,
            model,
            reasoning,
            provider_data: None,
            attachments,
            sources: Vec::new(),
            extra: fields,
        },
    })
}

/// The title reading derives (see the module documentation); replies without a name count as
/// `unnamed`'s.
fn derive_title(
    character: Option<&str>,
    created_at: i64,
    messages: &[ArchivedMessage],
    unnamed: &str,
) -> String {
    let dated = |who: &str| {
        if created_at > 0 {
            format!("{who} — {}", dates::day(created_at))
        } else {
            who.to_string()
        }
    };
    let character = character
        .map(str::trim)
        .filter(|name| !name.is_empty() && *name != GROUP_MARKER);
    if let Some(character) = character {
        return dated(character);
    }
    let mut speakers: Vec<&str> = Vec::new();
    for message in messages.iter().filter(|m| m.role == Role::Assistant) {
        let name = message.name.as_deref().unwrap_or(unnamed).trim();
        if !name.is_empty() && !speakers.contains(&name) {
            speakers.push(name);
        }
    }
    if !speakers.is_empty() {
        let shown = speakers.len().min(3);
        let mut names = speakers[..shown].join(", ");
        if speakers.len() > shown {
            names.push_str(&format!(" +{}", speakers.len() - shown));
        }
        return dated(&names);
    }
    let first_line = messages
        .iter()
        .filter(|m| m.role == Role::User)
        .find_map(|m| m.content.lines().map(str::trim).find(|l| !l.is_empty()));
    match first_line {
        Some(line) => shorten(line, 80),
        None => "SillyTavern chat".to_string(),
    }
}

/// `text` cut to at most `max` characters, with "…" when cut.
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", text[..end].trim_end()),
        None => text.to_string(),
    }
}

/// Removes `key`; its text when it was text.
fn take_string(fields: &mut Map<String, Value>, key: &str) -> Option<String> {
    match fields.remove(key) {
        Some(Value::String(text)) => Some(text),
        _ => None,
    }
}

/// Removes `key` when it is non-empty text, and returns it; anything else stays.
fn take_text(fields: &mut Map<String, Value>, key: &str) -> Option<String> {
    match fields.get(key) {
        Some(Value::String(text)) if !text.is_empty() => take_string(fields, key),
        _ => None,
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// What serde_json found wrong, without its "at line 1 column n" (always line 1 here).
fn json_problem(err: &serde_json::Error) -> String {
    if err.is_eof() {
        return "not valid JSON: the line ends early (cut off?)".to_string();
    }
    let text = err.to_string();
    let what = text.split(" at line ").next().unwrap_or(&text);
    format!("not valid JSON: {what} (column {})", err.column())
}

fn bad_file(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidRequest, message)
}

/// A JSON object written field by field, in order.
struct Object(String);

impl Object {
    fn new() -> Self {
        Object(String::from("{"))
    }

    fn field(&mut self, key: &str, value: &Value) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        self.0.push_str(&to_json(&Value::String(key.to_string())));
        self.0.push(':');
        self.0.push_str(&to_json(value));
    }

    fn string(&mut self, key: &str, value: &str) {
        self.field(key, &Value::String(value.to_string()));
    }

    fn finish(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// Compact JSON of a value (serialising a `Value` cannot fail: its keys are strings).
fn to_json(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_errors_name_the_line() {
        let err = parse("\n\nnot json\n{\"mes\":\"x\"}").unwrap_err();
        assert!(err.message.contains("Line 3"), "{}", err.message);
        let err = parse("[1,2]").unwrap_err();
        assert!(err.message.contains("Line 1"), "{}", err.message);
        let err = parse("{\"name\":\"A\",\"mes\":\"hi\"}").unwrap_err();
        assert!(err.message.contains("is a message"), "{}", err.message);
        assert!(parse("").is_err());
        assert!(parse("  \n").is_err());
    }

    #[test]
    fn minimal_header_gets_defaults() {
        let chat = parse("{}\n{\"mes\":\"hello\",\"is_user\":true}")
            .unwrap()
            .chat;
        assert_eq!(chat.user_name.as_deref(), Some("User"));
        assert_eq!(chat.character_name.as_deref(), Some("Assistant"));
        assert_eq!(chat.title, "hello");
        assert_eq!(chat.messages[0].name.as_deref(), Some("User"));
        assert_eq!(
            chat.extra.get("chat_metadata"),
            Some(&serde_json::json!({}))
        );
        assert_eq!(parse(&write(&chat)).unwrap().chat, chat);
    }

    #[test]
    fn titles() {
        let message = |role, name: &str, content: &str| ArchivedMessage {
            role,
            name: Some(name.to_string()),
            content: content.to_string(),
            ..ArchivedMessage::default()
        };
        let day = 1_715_519_141_283;
        assert_eq!(
            derive_title(Some("Sera"), day, &[], "X"),
            "Sera — 2024-05-12"
        );
        assert_eq!(derive_title(Some("Sera"), 0, &[], "X"), "Sera");
        let group = [
            message(Role::User, "U", "hi"),
            message(Role::Assistant, "A", "x"),
            message(Role::Assistant, "B", "x"),
            message(Role::Assistant, "A", "x"),
            message(Role::Assistant, "C", "x"),
            message(Role::Assistant, "D", "x"),
        ];
        assert_eq!(
            derive_title(Some("unused"), day, &group, "X"),
            "A, B, C +1 — 2024-05-12"
        );
        let solo = [message(Role::User, "U", "\n  First line  \nsecond")];
        assert_eq!(derive_title(None, day, &solo, "X"), "First line");
        assert_eq!(derive_title(None, day, &[], "X"), "SillyTavern chat");
        assert_eq!(shorten("abcdef", 3), "abc…");
    }
}
