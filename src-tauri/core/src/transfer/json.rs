//! Switchboard's own files: one chat, or a backup of every chat and profile.
//!
//! Both are pretty-printed JSON objects with a `format` and a `version`:
//!
//! ```json
//! {"format": "switchboard-chat", "version": 1, "chat": { …ChatArchive… }}
//! {"format": "switchboard-backup", "version": 1, "chats": [ … ], "profiles": [ … ]}
//! ```
//!
//! Reading refuses other formats and versions with a message saying what the file is.
//!
//! Profiles travel as JSON objects, and never with secrets: writing and reading a backup both
//! drop every field whose name looks like a credential ([`looks_secret`]: `key`, `apiKey`,
//! `api_key`, `secret`, `token`, `password`, `Authorization`, …), at any depth, and header
//! pairs (`["Authorization", "Bearer …"]`) of such names.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::ChatArchive;
use crate::error::{Error, ErrorKind};

/// `format` of a single-chat file.
pub const CHAT_FORMAT: &str = "switchboard-chat";
/// `format` of a backup.
pub const BACKUP_FORMAT: &str = "switchboard-backup";
/// The version written, and the only one read.
pub const VERSION: u64 = 1;

/// Every chat and profile, for moving Switchboard to another machine.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Backup {
    /// The chats, with every version of their messages.
    pub chats: Vec<ChatArchive>,
    /// The profiles as JSON objects, without keys.
    pub profiles: Vec<Value>,
}

#[derive(Serialize)]
struct ChatFile<'a> {
    format: &'static str,
    version: u64,
    chat: &'a ChatArchive,
}

#[derive(Serialize)]
struct BackupFile<'a> {
    format: &'static str,
    version: u64,
    chats: &'a [ChatArchive],
    profiles: Vec<Value>,
}

/// Writes one chat as a Switchboard chat file.
pub fn write_chat(chat: &ChatArchive) -> String {
    pretty(&ChatFile {
        format: CHAT_FORMAT,
        version: VERSION,
        chat,
    })
}

/// Reads a Switchboard chat file.
pub fn read_chat(text: &str) -> Result<ChatArchive, Error> {
    let mut file = envelope(text, CHAT_FORMAT, "chat file")?;
    let chat = file
        .remove("chat")
        .ok_or_else(|| bad_file("This Switchboard chat file has no chat in it."))?;
    serde_json::from_value(chat)
        .map_err(|err| bad_file(format!("This Switchboard chat file is damaged: {err}.")))
}

/// Writes a backup. Profiles that are not JSON objects are left out, and so is every field of
/// a profile that looks like a credential.
pub fn write_backup(backup: &Backup) -> String {
    pretty(&BackupFile {
        format: BACKUP_FORMAT,
        version: VERSION,
        chats: &backup.chats,
        profiles: clean_profiles(&backup.profiles),
    })
}

/// Reads a backup; credential-like fields of profiles are dropped here too.
pub fn read_backup(text: &str) -> Result<Backup, Error> {
    let mut file = envelope(text, BACKUP_FORMAT, "backup")?;
    let chats = match file.remove("chats") {
        None | Some(Value::Null) => Vec::new(),
        Some(chats) => serde_json::from_value(chats).map_err(|err| {
            bad_file(format!(
                "The chats in this Switchboard backup are damaged: {err}."
            ))
        })?,
    };
    let profiles = match file.remove("profiles") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(profiles)) => {
            if let Some(index) = profiles.iter().position(|p| !p.is_object()) {
                return Err(bad_file(format!(
                    "Profile {} in this Switchboard backup is not a JSON object.",
                    index + 1
                )));
            }
            clean_profiles(&profiles)
        }
        Some(_) => {
            return Err(bad_file(
                "The profiles in this Switchboard backup are not a list.",
            ))
        }
    };
    Ok(Backup { chats, profiles })
}

/// Whether a field or header named `name` may hold a credential.
///
/// Compares the name without case, `_`, `-` or a final `s`: `key`, `secret`, `token`,
/// `password`, `passwd`, `passphrase`, `auth`, `authorization`, `cookie`, `credential`, and
/// anything ending in `apikey`, `secret`, `secretkey`, `accesskey`, `privatekey`, `password`,
/// `accesstoken`, `refreshtoken`, `authtoken`, `bearertoken`, `sessiontoken` or `idtoken`
/// (`apiKey`, `api_key`, `X-Api-Key`, `clientSecret`, `proxy_password`, …). Names such as
/// `maxTokens` or `keyboard` are not credentials.
pub fn looks_secret(name: &str) -> bool {
    const EXACT: [&str; 11] = [
        "key",
        "secret",
        "token",
        "password",
        "passwd",
        "passphrase",
        "auth",
        "authorization",
        "proxyauthorization",
        "cookie",
        "credential",
    ];
    const ENDINGS: [&str; 13] = [
        "apikey",
        "secret",
        "secretkey",
        "accesskey",
        "privatekey",
        "password",
        "accesstoken",
        "refreshtoken",
        "authtoken",
        "bearertoken",
        "sessiontoken",
        "idtoken",
        "setcookie",
    ];
    let normal: String = name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    let singular = normal.strip_suffix('s').unwrap_or(&normal);
    [normal.as_str(), singular]
        .iter()
        .any(|form| EXACT.contains(form) || ENDINGS.iter().any(|ending| form.ends_with(ending)))
}

/// The profile objects, each without credential-like fields.
fn clean_profiles(profiles: &[Value]) -> Vec<Value> {
    profiles
        .iter()
        .filter(|profile| profile.is_object())
        .map(|profile| {
            let mut profile = profile.clone();
            strip_secrets(&mut profile);
            profile
        })
        .collect()
}

/// Drops credential-like fields, header pairs and `{"name": …, "value": …}` entries, at any depth.
fn strip_secrets(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            fields.retain(|name, _| !looks_secret(name));
            fields.values_mut().for_each(strip_secrets);
        }
        Value::Array(items) => {
            items.retain(|item| !is_secret_entry(item));
            items.iter_mut().for_each(strip_secrets);
        }
        _ => {}
    }
}

/// `["Authorization", "…"]` or `{"name": "Authorization", "value": "…"}`.
fn is_secret_entry(item: &Value) -> bool {
    match item {
        Value::Array(pair) => pair.len() == 2 && pair[0].as_str().is_some_and(looks_secret),
        Value::Object(entry) => {
            entry.contains_key("value")
                && entry
                    .get("name")
                    .and_then(Value::as_str)
                    .is_some_and(looks_secret)
        }
        _ => false,
    }
}

/// The file's object after checking its `format` and `version`.
fn envelope(text: &str, format: &str, what: &str) -> Result<Map<String, Value>, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = serde_json::from_str(text).map_err(|err| {
        bad_file(format!(
            "This is not a Switchboard {what}: it is not valid JSON ({err})."
        ))
    })?;
    let Value::Object(file) = value else {
        return Err(bad_file(format!(
            "This is not a Switchboard {what}: expected a JSON object."
        )));
    };
    match file.get("format").and_then(Value::as_str) {
        Some(found) if found == format => {}
        Some(CHAT_FORMAT) => {
            return Err(bad_file(
                "This is a single Switchboard chat, not a backup: import it as a chat.",
            ))
        }
        Some(BACKUP_FORMAT) => {
            return Err(bad_file(
                "This is a Switchboard backup, not a single chat: restore it as a backup.",
            ))
        }
        Some(other) => {
            return Err(bad_file(format!(
            "This is not a Switchboard {what}: its format is \"{other}\", expected \"{format}\"."
        )))
        }
        None => {
            return Err(bad_file(format!(
                "This is not a Switchboard {what}: it has no \"format\": \"{format}\"."
            )))
        }
    }
    match file.get("version") {
        Some(version) if version.as_u64() == Some(VERSION) => Ok(file),
        Some(Value::Number(version)) => Err(bad_file(format!(
            "This Switchboard {what} is version {version}; this Switchboard reads version \
             {VERSION}. A newer Switchboard may open it."
        ))),
        Some(_) | None => Err(bad_file(format!(
            "This Switchboard {what} has no valid version number."
        ))),
    }
}

fn bad_file(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidRequest, message)
}

/// Pretty JSON (serialising these types cannot fail: every map key is a string).
fn pretty<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for name in [
            "key",
            "apiKey",
            "api_key",
            "API-KEY",
            "x-api-key",
            "secret",
            "clientSecret",
            "token",
            "accessToken",
            "password",
            "proxy_password",
            "Authorization",
            "keys",
            "secrets",
            "tokens",
        ] {
            assert!(looks_secret(name), "{name}");
        }
        for name in [
            "name",
            "maxTokens",
            "max_tokens",
            "keyboard",
            "url",
            "model",
            "hasKey",
        ] {
            assert!(!looks_secret(name), "{name}");
        }
    }

    #[test]
    fn strips_nested_and_header_pairs() {
        let mut profile = serde_json::json!({
            "name": "p",
            "apiKey": "sk-1",
            "params": {"maxTokens": 5, "token": "t"},
            "headers": [["Authorization", "Bearer x"], ["X-Title", "ok"]],
            "list": [{"name": "api_key", "value": "v"}, {"name": "other", "value": "w"}]
        });
        strip_secrets(&mut profile);
        assert_eq!(
            profile,
            serde_json::json!({
                "name": "p",
                "params": {"maxTokens": 5},
                "headers": [["X-Title", "ok"]],
                "list": [{"name": "other", "value": "w"}]
            })
        );
    }
}
