//! SillyTavern's `mergeMessages` (its non-tool modes): names folded into the text, tool results
//! as user text, runs of one role joined with a blank line, and for the strict modes one system
//! message at the start (strict also puts a user message first); single makes every message a
//! user message prefixed with its speaker's name, so all of it joins into one. Works on a message's text
//! parts and carries its other parts and provider data along. Pure: messages in, messages out.

use super::PromptNames;
use crate::model::{ChatMessage, Part, Role};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Strictness {
    None,
    Semi,
    Full,
    /// Semi-strict, with every message made a user message first.
    Single,
}

fn prefixed(text: &str, name: &str) -> bool {
    text.starts_with(&format!("{name}: "))
}

/// Whether `text` starts with `"{name}: "` for one of the group's members.
fn group_prefixed(text: &str, names: &PromptNames) -> bool {
    names.group_names.iter().any(|g| prefixed(text, g))
}

/// Single mode's speaker prefix for `message` (already normalised, so a tool result is a user
/// message): the character's name on its replies, the user's on theirs, none on system text.
fn single_prefix<'a>(message: &ChatMessage, names: &'a PromptNames) -> Option<&'a str> {
    let text = message.text();
    let name = match message.role {
        Role::Assistant if !group_prefixed(&text, names) => names.char_name.as_str(),
        Role::User => names.user_name.as_str(),
        _ => return None,
    };
    (!name.is_empty() && !prefixed(&text, name)).then_some(name)
}

fn normalise(message: &ChatMessage, names: &PromptNames, single: bool) -> ChatMessage {
    let text = message.text();
    let name = message.name.as_deref().unwrap_or("");
    let prefix = match (message.role, name) {
        (Role::System, "example_assistant") => {
            let char_name = names.char_name.as_str();
            (!char_name.is_empty() && !prefixed(&text, char_name) && !group_prefixed(&text, names))
                .then_some(char_name)
        }
        (Role::System, "example_user") => {
            let user_name = names.user_name.as_str();
            (!user_name.is_empty() && !prefixed(&text, user_name)).then_some(user_name)
        }
        (Role::System, _) | (_, "") => None,
        (_, name) => (!prefixed(&text, name)).then_some(name),
    };
    let mut out = message.clone();
    if let Some(prefix) = prefix {
        out.prepend_text(&format!("{prefix}: "));
    }
    if out.role == Role::Tool {
        out.role = Role::User;
    }
    if single {
        if let Some(prefix) = single_prefix(&out, names) {
            out.prepend_text(&format!("{prefix}: "));
        }
        out.role = Role::User;
    }
    out.name = None;
    out
}

/// Joins runs of one role. Text is joined with a blank line into one text part, images kept in
/// their place (a message of images alone joins too); a message's
/// provider data goes with it, so two messages that both carry some stay apart (neither
/// family's data can be dropped or combined).
fn squash(messages: Vec<ChatMessage>) -> Vec<ChatMessage> {
    let mut out: Vec<ChatMessage> = Vec::with_capacity(messages.len());
    for message in messages {
        match out.last_mut() {
            Some(last)
                if last.role == message.role
                    && (!message.text().is_empty() || message.has_images())
                    && message.role != Role::Tool
                    && (last.provider_data.is_none() || message.provider_data.is_none()) =>
            {
                // A message of images alone joins without a blank line.
                if !message.text().is_empty() {
                    last.append_text("\n\n");
                }
                for part in message.parts {
                    match part {
                        Part::Text(text) => last.append_text(&text),
                        image @ Part::Image(_) => last.parts.push(image),
                    }
                }
                if last.provider_data.is_none() {
                    last.provider_data = message.provider_data;
                }
            }
            _ => out.push(message),
        }
    }
    out
}

fn placeholder(names: &PromptNames) -> ChatMessage {
    ChatMessage::new(Role::User, names.placeholder.clone())
}

pub(super) fn merge(
    messages: &[ChatMessage],
    names: &PromptNames,
    strictness: Strictness,
) -> Vec<ChatMessage> {
    let single = strictness == Strictness::Single;
    let mut out = squash(
        messages
            .iter()
            .map(|m| normalise(m, names, single))
            .collect(),
    );
    if out.is_empty() {
        out.push(placeholder(names));
    }
    if strictness == Strictness::None {
        return out;
    }
    for message in out.iter_mut().skip(1) {
        if message.role == Role::System {
            message.role = Role::User;
        }
    }
    if strictness == Strictness::Full {
        let first = out.first().map(|m| m.role);
        let second = out.get(1).map(|m| m.role);
        match first {
            Some(Role::System) if second != Some(Role::User) => out.insert(1, placeholder(names)),
            Some(Role::System | Role::User) | None => {}
            Some(_) => out.insert(0, placeholder(names)),
        }
    }
    merge(&out, names, Strictness::None)
}
