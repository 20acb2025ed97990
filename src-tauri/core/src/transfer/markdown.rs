//! A readable Markdown export of one chat (one way: Markdown is not read back).
//!
//! ```markdown
//! # Seraphina — 2024-05-12
//!
//! *2024-05-12 13:05 · gpt-4o*
//!
//! **User** (2024-05-12 13:05):
//!
//! Hello!
//!
//! **Seraphina** (2024-05-12 13:06) (2 of 3):
//!
//! <details>
//! <summary>Reasoning</summary>
//!
//! The user greets me…
//!
//! </details>
//!
//! Welcome, traveller.
//! ```
//!
//! - The title is a `#` heading (`Chat` when empty), followed by the chat's date and model in
//!   italics when known.
//! - Each message is `**Name** (time):`, a blank line and its text as written (chat text is
//!   Markdown already). The name is the message's, else the user's or character's name, else
//!   the role. Times are UTC, to the minute; unknown times (0) are left out.
//! - Only the version shown is exported; when a message has other versions (swipes), a note
//!   `(2 of 3)` says which one it is.
//! - Reasoning goes in a collapsed `<details>` block before the text, which GitHub, Obsidian and
//!   most viewers render as a "Reasoning" toggle and plain viewers show as text.
//! - Attachments are named after the text (`*Attached: photo.png (image, 640×480), notes.md*`);
//!   their bytes are not in the export (Switchboard's JSON and SillyTavern's file carry them).
//! - The pages a reply cites follow its text: `Sources:` and a numbered list of links
//!   (`1. [Title](<https://…>)`, the address as the title when there is none).

use super::{dates, ArchivedMessage, ChatArchive};
use crate::model::{AttachmentKind, Role};

/// Writes `chat` as Markdown.
pub fn write(chat: &ChatArchive) -> String {
    let mut out = String::new();
    let title = one_line(&chat.title);
    out.push_str("# ");
    out.push_str(if title.is_empty() { "Chat" } else { &title });
    out.push_str("\n\n");

    let mut about = Vec::new();
    if chat.created_at > 0 {
        about.push(dates::minute(chat.created_at));
    }
    if let Some(model) = chat.model.as_deref().filter(|m| !m.trim().is_empty()) {
        about.push(escape(model));
    }
    if !about.is_empty() {
        out.push_str(&format!("*{}*\n\n", about.join(" · ")));
    }

    for message in &chat.messages {
        write_message(&mut out, chat, message);
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\n');
    out
}

fn write_message(out: &mut String, chat: &ChatArchive, message: &ArchivedMessage) {
    out.push_str("**");
    out.push_str(&escape(&speaker(chat, message)));
    out.push_str("**");
    if message.sent_at > 0 {
        out.push_str(&format!(" ({})", dates::minute(message.sent_at)));
    }
    if message.swipes.len() > 1 {
        let shown = message.swipe_index.min(message.swipes.len() - 1) + 1;
        out.push_str(&format!(" ({shown} of {})", message.swipes.len()));
    }
    out.push_str(":\n\n");
    if let Some(reasoning) = message.reasoning.as_deref().map(str::trim) {
        if !reasoning.is_empty() {
            out.push_str("<details>\n<summary>Reasoning</summary>\n\n");
            out.push_str(&reasoning.replace("</details>", "&lt;/details&gt;"));
            out.push_str("\n\n</details>\n\n");
        }
    }
    let content = message.content.trim_end();
    if !content.is_empty() {
        out.push_str(content);
        out.push_str("\n\n");
    }
    if !message.attachments.is_empty() {
        let named: Vec<String> = message
            .attachments
            .iter()
            .map(|a| match (a.kind, a.width, a.height) {
                (AttachmentKind::Image, Some(w), Some(h)) => {
                    format!("{} (image, {w}×{h})", escape(&one_line(&a.name)))
                }
                (AttachmentKind::Image, _, _) => format!("{} (image)", escape(&one_line(&a.name))),
                (AttachmentKind::File, _, _) => escape(&one_line(&a.name)),
            })
            .collect();
        out.push_str(&format!("*Attached: {}*\n\n", named.join(", ")));
    }
    if !message.sources.is_empty() {
        out.push_str("Sources:\n\n");
        for (index, source) in message.sources.iter().enumerate() {
            let title = source
                .title
                .as_deref()
                .map(one_line)
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| source.url.clone());
            let url: String = source
                .url
                .chars()
                .map(|c| match c {
                    ' ' => "%20".to_string(),
                    '<' => "%3C".to_string(),
                    '>' => "%3E".to_string(),
                    c => c.to_string(),
                })
                .collect();
            out.push_str(&format!("{}. [{}](<{url}>)\n", index + 1, escape(&title)));
        }
        out.push('\n');
    }
}

/// Who wrote `message`, for people.
fn speaker(chat: &ChatArchive, message: &ArchivedMessage) -> String {
    let named = |name: Option<&str>| {
        name.map(one_line)
            .filter(|name| !name.is_empty() && name != "unused")
    };
    named(message.name.as_deref())
        .or_else(|| match message.role {
            Role::User => named(chat.user_name.as_deref()),
            Role::Assistant => named(chat.character_name.as_deref()),
            Role::System | Role::Tool => None,
        })
        .unwrap_or_else(|| {
            match message.role {
                Role::User => "User",
                Role::Assistant => "Assistant",
                Role::System => "System",
                Role::Tool => "Tool",
            }
            .to_string()
        })
}

/// `text` on one line, trimmed.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` with Markdown's inline markup characters escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replys_sources_follow_it_as_a_numbered_list() {
        use crate::model::SourceLink;
        let chat = ChatArchive {
            title: "Cited".into(),
            messages: vec![ArchivedMessage {
                role: Role::Assistant,
                content: "Yes [1].".into(),
                sources: vec![
                    SourceLink {
                        url: "https://a.example/x y".into(),
                        title: Some("A *page*".into()),
                    },
                    SourceLink {
                        url: "https://b.example/".into(),
                        title: None,
                    },
                ],
                ..ArchivedMessage::default()
            }],
            ..ChatArchive::default()
        };
        assert_eq!(
            write(&chat),
            "# Cited\n\n**Assistant**:\n\nYes [1].\n\nSources:\n\n1. [A \\*page\\*](<https://a.example/x%20y>)\n2. [https://b.example/](<https://b.example/>)\n"
        );
    }

    #[test]
    fn escapes_names() {
        assert_eq!(escape("a*b_c"), "a\\*b\\_c");
        assert_eq!(one_line("  two\nlines "), "two lines");
    }
}
