//! Messages as OpenAI-format clients write them, read into [`ChatMessage`]s the way SillyTavern's
//! converter (`mergeMessages`) reads them:
//!
//! - `content` `null`, missing or empty is the empty string (an assistant turn that only called
//!   tools has no text).
//! - `content` as an array of parts: the `text` of each text part, joined with a blank line
//!   (`"\n\n"`). An `image_url` part is left out (messages here carry text only) and reported in
//!   the notes; a part of any other kind counts as an empty text, as SillyTavern counts it, and
//!   is reported too.
//! - `role` is `system`, `user`, `assistant` or `tool`; `name` is kept (post-processing folds it
//!   into the text); `tool_calls` and `tool_call_id` are dropped, as every merge mode drops them,
//!   and reported.
//!
//! Anything else (a role of another kind, `content` a number, a part that is not an object) is
//! refused with the position of the message, so nothing is sent that the client did not mean.
//! This module reads values only: it must not do I/O.

use serde_json::Value;

use crate::model::{ChatMessage, Role};

/// The messages read, and what was left out of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientMessages {
    /// The messages, in order.
    pub messages: Vec<ChatMessage>,
    /// One line per thing left out (a part that is not text, tool calls), for people.
    pub notes: Vec<String>,
}

/// Reads a JSON array of OpenAI-format messages. The error names the message (1-based) and what
/// is wrong with it.
pub fn read_messages(value: &Value) -> Result<ClientMessages, String> {
    let Value::Array(items) = value else {
        return Err(format!(
            "expected a JSON array of messages, found {}",
            kind_of(value)
        ));
    };
    let mut read = ClientMessages::default();
    for (index, item) in items.iter().enumerate() {
        let number = index + 1;
        let message = read_message(item, &mut |note| {
            read.notes.push(format!("message {number}: {note}"));
        })
        .map_err(|err| format!("message {number}: {err}"))?;
        read.messages.push(message);
    }
    Ok(read)
}

/// Reads one message; `note` hears of each thing left out.
pub fn read_message(value: &Value, note: &mut dyn FnMut(String)) -> Result<ChatMessage, String> {
    let Value::Object(fields) = value else {
        return Err(format!("expected an object, found {}", kind_of(value)));
    };
    let role = match fields.get("role") {
        Some(Value::String(role)) => parse_role(role)?,
        Some(other) => return Err(format!("\"role\" is not text (found {})", kind_of(other))),
        None => return Err("no \"role\"".to_string()),
    };
    let name = match fields.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) if name.is_empty() => None,
        Some(Value::String(name)) => Some(name.clone()),
        Some(other) => return Err(format!("\"name\" is not text (found {})", kind_of(other))),
    };
    let content = content_text(fields.get("content").unwrap_or(&Value::Null), note)?;
    if fields
        .get("tool_calls")
        .is_some_and(|calls| calls.as_array().is_none_or(|calls| !calls.is_empty()))
    {
        note("its tool calls were left out (only their text is sent)".to_string());
    }
    let mut message = ChatMessage::new(role, content);
    message.name = name;
    Ok(message)
}

/// The text of a `content` value: a string as it is, `null` as empty, an array of parts joined
/// with a blank line. `note` hears of each part left out.
pub fn content_text(content: &Value, note: &mut dyn FnMut(String)) -> Result<String, String> {
    match content {
        Value::Null => Ok(String::new()),
        Value::String(text) => Ok(text.clone()),
        Value::Array(parts) => {
            let mut texts: Vec<&str> = Vec::with_capacity(parts.len());
            for (index, part) in parts.iter().enumerate() {
                let number = index + 1;
                let Value::Object(part) = part else {
                    return Err(format!(
                        "content part {number} is not an object (found {})",
                        kind_of(part)
                    ));
                };
                match part.get("type").and_then(Value::as_str) {
                    Some("text") => texts.push(match part.get("text") {
                        None | Some(Value::Null) => "",
                        Some(Value::String(text)) => text,
                        Some(other) => {
                            return Err(format!(
                                "the text of content part {number} is not text (found {})",
                                kind_of(other)
                            ))
                        }
                    }),
                    // SillyTavern carries images beside the text; here they are left out.
                    Some("image_url") => note(format!(
                        "content part {number} (an image) was left out: messages carry text only"
                    )),
                    other => {
                        texts.push("");
                        note(format!(
                            "content part {number} ({}) was left out: messages carry text only",
                            other.map_or_else(
                                || "no type".to_string(),
                                |kind| format!("\"{kind}\"")
                            )
                        ));
                    }
                }
            }
            Ok(texts.join("\n\n"))
        }
        other => Err(format!(
            "\"content\" is neither text, null nor a list of parts (found {})",
            kind_of(other)
        )),
    }
}

fn parse_role(role: &str) -> Result<Role, String> {
    match role {
        "system" => Ok(Role::System),
        "user" => Ok(Role::User),
        "assistant" => Ok(Role::Assistant),
        "tool" => Ok(Role::Tool),
        other => Err(format!(
            "unknown role \"{}\" (expected system, user, assistant or tool)",
            other.chars().take(40).collect::<String>()
        )),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn null_missing_and_parts_read_as_text() {
        let read = read_messages(&json!([
            {"role": "assistant", "content": null, "tool_calls": [{"id": "1"}]},
            {"role": "assistant"},
            {"role": "tool", "tool_call_id": "1", "name": "f", "content": "42"},
            {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "image_url", "image_url": {"url": "x"}}, {"type": "text", "text": "b"}]},
        ]))
        .unwrap();
        let contents: Vec<String> = read.messages.iter().map(|m| m.text().into()).collect();
        assert_eq!(contents, ["", "", "42", "a\n\nb"]);
        assert_eq!(read.messages[2].role, Role::Tool);
        assert_eq!(read.messages[2].name.as_deref(), Some("f"));
        assert_eq!(
            read.notes,
            [
                "message 1: its tool calls were left out (only their text is sent)",
                "message 4: content part 2 (an image) was left out: messages carry text only",
            ]
        );
    }

    #[test]
    fn other_parts_count_as_empty_text_as_in_sillytavern() {
        let mut notes = Vec::new();
        let text = content_text(
            &json!([{"type": "text", "text": "a"}, {"type": "input_audio"}, {"type": "text"}]),
            &mut |n| notes.push(n),
        )
        .unwrap();
        assert_eq!(text, "a\n\n\n\n");
        assert_eq!(
            notes,
            ["content part 2 (\"input_audio\") was left out: messages carry text only"]
        );
    }

    #[test]
    fn what_cannot_be_read_is_refused_with_its_position() {
        for (input, expected) in [
            (
                json!({"role": "user"}),
                "expected a JSON array of messages, found an object",
            ),
            (
                json!([{"role": "user", "content": "ok"}, 3]),
                "message 2: expected an object, found a number",
            ),
            (json!([{"content": "x"}]), "message 1: no \"role\""),
            (
                json!([{"role": "developer", "content": "x"}]),
                "message 1: unknown role \"developer\" (expected system, user, assistant or tool)",
            ),
            (
                json!([{"role": "user", "content": 5}]),
                "message 1: \"content\" is neither text, null nor a list of parts (found a number)",
            ),
            (
                json!([{"role": "user", "content": ["x"]}]),
                "message 1: content part 1 is not an object (found text)",
            ),
            (
                json!([{"role": "user", "content": [{"type": "text", "text": 1}]}]),
                "message 1: the text of content part 1 is not text (found a number)",
            ),
            (
                json!([{"role": "user", "name": 1, "content": "x"}]),
                "message 1: \"name\" is not text (found a number)",
            ),
        ] {
            assert_eq!(read_messages(&input).unwrap_err(), expected);
        }
    }
}
