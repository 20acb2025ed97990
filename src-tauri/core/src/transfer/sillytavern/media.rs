//! Images and files in SillyTavern's chat files, both ways.
//!
//! SillyTavern keeps what is attached to a message in the line's `extra` object (read from
//! its `public/script.js` and `public/scripts/chats.js`):
//!
//! - current files: `media`, a list of `{"url", "type": "image" | "video" | "audio", "title",
//!   "source": "upload" | "generated" | …}` (a missing `type` is an image), with
//!   `media_index` and `media_display` saying which is shown and how; and `files`, a list of
//!   `{"url", "size", "name", "created", "text"}` (a file's `text`, when there, is used instead
//!   of fetching its `url`);
//! - older files: `image` (one URL), `title` (its caption) and `file` (one `{url, size, name,
//!   text}`), which SillyTavern moves into `media` and `files` when it opens the chat.
//!
//! Its URLs are usually paths on its own server (`/user/images/…`), which a file alone cannot
//! give; a `data:` URL carries the image itself, and SillyTavern shows one as it is.
//!
//! Reading ([`take`]): an image whose URL is a base64 `data:` URL that decodes to a PNG, JPEG,
//! WebP or GIF, and a file with its `text` (or a `data:` URL of text), become the message's
//! attachments; in the entry, the field that held the bytes (`url`, `text`, or the `image`
//! string) is replaced by a mark naming the attachment (`switchboard-attachment:N`), so the
//! entry's other fields, its place among the others and `media_index` all stay for the way
//! back. Every other entry (a server path, a video, an image that does not decode) is kept
//! untouched; [`on_server`] counts those a person would miss. A text of the file's own that
//! starts like a mark gets a `!` after `switchboard-attachment:`, taken out again on writing,
//! so it is never read as one.
//!
//! Writing ([`put`]): each mark gets its attachment back in the same form (a `data:` URL or the
//! text); attachments no entry names (attached in Switchboard) are added at the end of `media`
//! (`{"url": data URL, "type": "image", "title": name, "source": "upload"}`) and `files`
//! (`{"url": data URL, "size", "name", "created", "text"}`), so the file is self-contained.
//!
//! Must not: touch anything in `extra` but these entries, or fetch a URL.

use base64::Engine as _;
use serde_json::{Map, Value};

use super::super::{ArchivedAttachment, ChatArchive};
use crate::model::AttachmentKind;

/// The mark an imported entry keeps where its bytes were: this, then the attachment's index.
const MARK: &str = "switchboard-attachment:";

/// Put after [`MARK`] in a text of the file's own that starts like a mark (and taken out again
/// when it is written), so that it is never read as one.
const ESCAPE: char = '!';

/// The media type written for a file's text.
const TEXT_TYPE: &str = "text/plain";

/// Takes the images and files a line's `extra` carries in itself out of it, as attachments,
/// leaving a mark in each entry taken (see the module documentation).
pub(super) fn take(extra: &mut Map<String, Value>) -> Vec<ArchivedAttachment> {
    // A text the file itself has where a mark would go is told apart from the marks.
    for (slot, _) in slots(extra) {
        if let Value::String(text) = slot {
            if text.starts_with(MARK) {
                text.insert(MARK.len(), ESCAPE);
            }
        }
    }
    let mut taken = Vec::new();
    if let Some(Value::Array(media)) = extra.get_mut("media") {
        for entry in media.iter_mut() {
            let Value::Object(entry) = entry else {
                continue;
            };
            if !is_image_entry(entry) {
                continue;
            }
            let name = text_of(entry, "title");
            if let Some(Value::String(url)) = entry.get_mut("url") {
                take_image(url, name.as_deref(), &mut taken);
            }
        }
    }
    let title = text_of(extra, "title");
    if let Some(Value::String(url)) = extra.get_mut("image") {
        take_image(url, title.as_deref(), &mut taken);
    }
    if let Some(Value::Array(files)) = extra.get_mut("files") {
        for entry in files.iter_mut() {
            if let Value::Object(entry) = entry {
                take_file(entry, &mut taken);
            }
        }
    }
    if let Some(Value::Object(entry)) = extra.get_mut("file") {
        take_file(entry, &mut taken);
    }
    taken
}

/// Gives each mark in `extra` its attachment back and adds the attachments no entry names.
pub(super) fn put(
    extra: &mut Map<String, Value>,
    attachments: &[ArchivedAttachment],
    sent_at: i64,
) {
    let mut named = vec![false; attachments.len()];
    for (slot, as_text) in slots(extra) {
        let Value::String(text) = slot else { continue };
        let attachment = marked(text).and_then(|index| Some((index, attachments.get(index)?)));
        if let Some((index, attachment)) = attachment {
            named[index] = true;
            *text = if as_text {
                String::from_utf8_lossy(&attachment.data).into_owned()
            } else {
                data_url(attachment)
            };
        } else if text.starts_with(MARK) && text[MARK.len()..].starts_with(ESCAPE) {
            text.remove(MARK.len());
        }
    }
    for (attachment, _) in attachments.iter().zip(named).filter(|(_, named)| !named) {
        match attachment.kind {
            AttachmentKind::Image => {
                let mut entry = Map::new();
                entry.insert("url".into(), Value::String(data_url(attachment)));
                entry.insert("type".into(), Value::String("image".into()));
                entry.insert("title".into(), Value::String(attachment.name.clone()));
                entry.insert("source".into(), Value::String("upload".into()));
                push(extra, "media", Value::Object(entry));
            }
            AttachmentKind::File => {
                let text = String::from_utf8_lossy(&attachment.data).into_owned();
                let mut entry = Map::new();
                entry.insert("url".into(), Value::String(data_url(attachment)));
                entry.insert("size".into(), Value::from(attachment.data.len()));
                entry.insert("name".into(), Value::String(attachment.name.clone()));
                entry.insert("created".into(), Value::from(sent_at));
                entry.insert("text".into(), Value::String(text));
                push(extra, "files", Value::Object(entry));
            }
        }
    }
}

/// How many images and files of `chat` SillyTavern keeps on its server (their links are kept
/// in the chat, but what they show was not in the file).
pub fn on_server(chat: &ChatArchive) -> usize {
    let away = |value: Option<&Value>| {
        value
            .and_then(Value::as_str)
            .is_some_and(|url| !url.is_empty() && !is_data_url(url) && marked(url).is_none())
    };
    let mut count = 0;
    for message in &chat.messages {
        let Some(Value::Object(extra)) = message.extra.get("extra") else {
            continue;
        };
        if let Some(Value::Array(media)) = extra.get("media") {
            count += media
                .iter()
                .filter_map(Value::as_object)
                .filter(|entry| is_image_entry(entry) && away(entry.get("url")))
                .count();
        }
        count += usize::from(away(extra.get("image")));
        let files: Vec<&Map<String, Value>> = match extra.get("files") {
            Some(Value::Array(files)) => files.iter().filter_map(Value::as_object).collect(),
            _ => Vec::new(),
        };
        let file = extra.get("file").and_then(Value::as_object);
        count += files
            .into_iter()
            .chain(file)
            .filter(|entry| !entry.get("text").is_some_and(Value::is_string))
            .filter(|entry| away(entry.get("url")))
            .count();
    }
    count
}

/// An image entry (`type` "image", or none).
fn is_image_entry(entry: &Map<String, Value>) -> bool {
    match entry.get("type") {
        None | Some(Value::Null) => true,
        Some(kind) => kind.as_str() == Some("image"),
    }
}

/// Takes the image a `data:` URL carries, leaving a mark in its place.
fn take_image(url: &mut String, title: Option<&str>, taken: &mut Vec<ArchivedAttachment>) {
    let Some(bytes) = data_url_bytes(url) else {
        return;
    };
    let number = taken.len() + 1;
    let name = title
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map_or_else(|| format!("image {number}"), str::to_string);
    let Ok(prepared) = crate::attach::prepare(&name, &bytes) else {
        return;
    };
    if prepared.kind != AttachmentKind::Image {
        return;
    }
    *url = format!("{MARK}{}", taken.len());
    taken.push(ArchivedAttachment {
        kind: AttachmentKind::Image,
        name,
        media_type: prepared.media_type,
        width: prepared.width,
        height: prepared.height,
        data: prepared.data,
    });
}

/// Takes a file entry's text (its `text`, else a `data:` URL's), leaving a mark in its place.
fn take_file(entry: &mut Map<String, Value>, taken: &mut Vec<ArchivedAttachment>) {
    let number = taken.len() + 1;
    let name = text_of(entry, "name")
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("file {number}.txt"));
    let mark = format!("{MARK}{}", taken.len());
    let text = match entry.get("text") {
        Some(Value::String(text)) => {
            let mut text = text.clone();
            // Escaped by `take` like every text where a mark may stand: this one is content.
            if text.starts_with(MARK) && text[MARK.len()..].starts_with(ESCAPE) {
                text.remove(MARK.len());
            }
            entry.insert("text".to_string(), Value::String(mark));
            text
        }
        _ => {
            let Some(Value::String(url)) = entry.get_mut("url") else {
                return;
            };
            let Some(text) = data_url_bytes(url).and_then(|b| String::from_utf8(b).ok()) else {
                return;
            };
            *url = mark;
            text
        }
    };
    taken.push(ArchivedAttachment {
        kind: AttachmentKind::File,
        name,
        media_type: TEXT_TYPE.to_string(),
        width: None,
        height: None,
        data: text.into_bytes(),
    });
}

/// Where a mark may stand in a line's `extra`, each with whether it stands for a text (a file's
/// `text`) rather than a URL: every `media` entry's `url`, `image`, and the `text` and `url` of
/// every `files` entry and of `file`.
fn slots(extra: &mut Map<String, Value>) -> Vec<(&mut Value, bool)> {
    fn file_slots<'a>(entry: &'a mut Map<String, Value>, slots: &mut Vec<(&'a mut Value, bool)>) {
        for (key, value) in entry.iter_mut() {
            match key.as_str() {
                "text" => slots.push((value, true)),
                "url" => slots.push((value, false)),
                _ => {}
            }
        }
    }
    let mut slots = Vec::new();
    for (key, value) in extra.iter_mut() {
        match (key.as_str(), value) {
            ("media", Value::Array(items)) => {
                for entry in items.iter_mut().filter_map(Value::as_object_mut) {
                    if let Some(url) = entry.get_mut("url") {
                        slots.push((url, false));
                    }
                }
            }
            ("image", image) => slots.push((image, false)),
            ("files", Value::Array(items)) => {
                for entry in items.iter_mut().filter_map(Value::as_object_mut) {
                    file_slots(entry, &mut slots);
                }
            }
            ("file", Value::Object(entry)) => file_slots(entry, &mut slots),
            _ => {}
        }
    }
    slots
}

/// The attachment index a mark names.
fn marked(text: &str) -> Option<usize> {
    let digits = text.strip_prefix(MARK)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn is_data_url(url: &str) -> bool {
    url.get(..5)
        .is_some_and(|s| s.eq_ignore_ascii_case("data:"))
}

/// The bytes of a base64 `data:` URL (`data:image/png;base64,…`).
fn data_url_bytes(url: &str) -> Option<Vec<u8>> {
    if !is_data_url(url) {
        return None;
    }
    let (head, payload) = url[5..].split_once(',')?;
    if !head.to_ascii_lowercase().ends_with(";base64") {
        return None;
    }
    let payload: String = payload
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(payload)
        .ok()
}

/// An attachment as a `data:` URL of its media type.
fn data_url(attachment: &ArchivedAttachment) -> String {
    let media_type = match attachment.kind {
        AttachmentKind::Image => attachment.media_type.as_str(),
        AttachmentKind::File => TEXT_TYPE,
    };
    format!(
        "data:{media_type};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&attachment.data)
    )
}

fn text_of(fields: &Map<String, Value>, key: &str) -> Option<String> {
    fields.get(key).and_then(Value::as_str).map(str::to_string)
}

/// Adds `value` to the list under `key` (made a list when it is not one).
fn push(extra: &mut Map<String, Value>, key: &str, value: Value) {
    match extra.get_mut(key) {
        Some(Value::Array(items)) => items.push(value),
        _ => {
            extra.insert(key.to_string(), Value::Array(vec![value]));
        }
    }
}
