//! SillyTavern's `mergeMessages` (its non-tool modes): names folded into the text, tool results
//! as user text, runs of one role joined with a blank line, and for the strict modes one system
//! message at the start (strict also puts a user message first). Pure: messages in, messages out.

use super::PromptNames;
use crate::model::{ChatMessage, Role};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Strictness {
    None,
    Semi,
    Full,
}

fn prefixed(text: &str, name: &str) -> bool {
    text.starts_with(&format!("{name}: "))
}

fn normalise(message: &ChatMessage, names: &PromptNames) -> ChatMessage {
    let mut content = message.content.clone();
    let name = message.name.as_deref().unwrap_or("");
    match (message.role, name) {
        (Role::System, "example_assistant") => {
            let char_name = names.char_name.as_str();
            let group_prefixed = names.group_names.iter().any(|g| prefixed(&content, g));
            if !char_name.is_empty() && !prefixed(&content, char_name) && !group_prefixed {
                content = format!("{char_name}: {content}");
            }
        }
        (Role::System, "example_user") => {
            let user_name = names.user_name.as_str();
            if !user_name.is_empty() && !prefixed(&content, user_name) {
                content = format!("{user_name}: {content}");
            }
        }
        (Role::System, _) | (_, "") => {}
        (_, name) => {
            if !prefixed(&content, name) {
                content = format!("{name}: {content}");
            }
        }
    }
    let role = match message.role {
        Role::Tool => Role::User,
        role => role,
    };
    ChatMessage {
        role,
        content,
        name: None,
    }
}

fn squash(messages: Vec<ChatMessage>) -> Vec<ChatMessage> {
    let mut out: Vec<ChatMessage> = Vec::with_capacity(messages.len());
    for message in messages {
        match out.last_mut() {
            Some(last)
                if last.role == message.role
                    && !message.content.is_empty()
                    && message.role != Role::Tool =>
            {
                last.content.push_str("\n\n");
                last.content.push_str(&message.content);
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
    let mut out = squash(messages.iter().map(|m| normalise(m, names)).collect());
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
