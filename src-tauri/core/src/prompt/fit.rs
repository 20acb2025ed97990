//! Fitting a chat-completion conversation to a context size: the oldest messages that do not
//! fit a token budget are left out, never a leading system prompt, never the last message (nor,
//! when the last message is the model's — a prefill or a reply being continued — the message
//! before it), and the history never starts with a reply the question of which was dropped.
//!
//! Sizes are estimates ([`estimate_tokens`] of each message's text plus
//! [`MESSAGE_OVERHEAD`] for the role markers a chat template wraps it in, and [`IMAGE_TOKENS`]
//! for each image); the engine refits
//! with a budget scaled by how far the estimate was off where the server counts tokens, as it
//! does for text completion ([`counting_text`] is what it asks the server to count).
//!
//! Must not: do I/O, know about providers, or change the messages it keeps.

use crate::model::{ChatMessage, Role};
use crate::prompt::instruct::estimate_tokens;

/// Tokens a chat template adds around each message (role markers, separators): the figure
/// OpenAI documents for its chat format, close to ChatML's and Llama 3's.
pub const MESSAGE_OVERHEAD: u32 = 4;

/// Tokens the template adds once, where the reply starts.
pub const REPLY_PRIMER: u32 = 3;

/// Tokens an image is taken to cost: the most Anthropic's vision guide gives for an image at
/// its size limit (about 1,600 for 1,568 × 1,568 pixels, width × height / 750), above OpenAI's
/// (at most 1,105 for an image at 2,048 × 768, high detail).
pub const IMAGE_TOKENS: u32 = 1_600;

/// A conversation fitted to a budget.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedChat {
    /// The messages kept, in order.
    pub messages: Vec<ChatMessage>,
    /// How many of the oldest messages were left out.
    pub dropped: usize,
    /// The kept messages' estimated size in tokens.
    pub estimated_tokens: u32,
}

/// The estimated size of one message in tokens.
pub fn message_tokens(message: &ChatMessage) -> u32 {
    let name = message.name.as_deref().map_or(0, estimate_tokens);
    estimate_tokens(&message.text()) + name + MESSAGE_OVERHEAD + images_tokens(message)
}

/// What a message's images are taken to cost ([`IMAGE_TOKENS`] each): not in
/// [`counting_text`], so added to a server's count too.
pub fn images_tokens(message: &ChatMessage) -> u32 {
    u32::try_from(message.images().count())
        .unwrap_or(u32::MAX)
        .saturating_mul(IMAGE_TOKENS)
}

/// The estimated size of a whole conversation in tokens.
pub fn conversation_tokens(messages: &[ChatMessage]) -> u32 {
    messages
        .iter()
        .map(message_tokens)
        .fold(REPLY_PRIMER, u32::saturating_add)
}

/// The text a server's tokenizer is asked to count for `messages`: each message's role and
/// text on lines of their own (the template's markers are allowed for by
/// [`MESSAGE_OVERHEAD`] per message, added to the server's count).
pub fn counting_text(messages: &[ChatMessage]) -> String {
    let mut text = String::new();
    for message in messages {
        text.push_str(message.role.as_str());
        text.push('\n');
        text.push_str(&message.text());
        text.push('\n');
    }
    text
}

/// How many messages at the end are never dropped: the last one, and the one before it when
/// the last is the model's (a prefill or a reply being continued follows its question).
fn pinned_tail(messages: &[ChatMessage]) -> usize {
    match messages {
        [] => 0,
        [.., before, last] if last.role == Role::Assistant && before.role != Role::System => 2,
        _ => 1,
    }
}

/// As many of the latest `messages` as fit in `budget` tokens (estimated); the oldest are
/// dropped first.
pub fn fit_chat(messages: &[ChatMessage], budget: u32) -> FittedChat {
    let pinned_head = usize::from(messages.first().is_some_and(|m| m.role == Role::System));
    let tail = pinned_tail(&messages[pinned_head..]);
    let last_droppable = messages.len().saturating_sub(tail);
    let cost: Vec<u32> = messages.iter().map(message_tokens).collect();
    let mut total = cost.iter().fold(REPLY_PRIMER, |a, &c| a.saturating_add(c));
    let mut first_kept = pinned_head;
    while total > budget && first_kept < last_droppable {
        total -= cost[first_kept];
        first_kept += 1;
    }
    // A history that now starts with a reply has lost that reply's question: the reply goes
    // too (chat APIs such as Claude's also require the user to speak first).
    if first_kept > pinned_head {
        while first_kept < last_droppable && messages[first_kept].role == Role::Assistant {
            total -= cost[first_kept];
            first_kept += 1;
        }
    }
    let kept: Vec<ChatMessage> = messages[..pinned_head]
        .iter()
        .chain(&messages[first_kept..])
        .cloned()
        .collect();
    FittedChat {
        messages: kept,
        dropped: first_kept - pinned_head,
        estimated_tokens: total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat(turns: usize, words: usize) -> Vec<ChatMessage> {
        let mut messages = vec![ChatMessage::new(Role::System, "You are terse.")];
        for i in 0..turns {
            let role = if i % 2 == 0 {
                Role::User
            } else {
                Role::Assistant
            };
            messages.push(ChatMessage::new(
                role,
                format!("m{i} {}", "word ".repeat(words)),
            ));
        }
        messages
    }

    #[test]
    fn an_image_counts_as_its_estimate() {
        let text = ChatMessage::new(Role::User, "look at this");
        let mut with_image = text.clone();
        with_image.parts.insert(
            0,
            crate::model::Part::Image(crate::model::ImagePart {
                media_type: "image/png".into(),
                data: bytes::Bytes::from_static(b"png"),
                name: "shot.png".into(),
            }),
        );
        assert_eq!(
            message_tokens(&with_image),
            message_tokens(&text) + IMAGE_TOKENS
        );
    }

    #[test]
    fn everything_is_kept_when_it_fits() {
        let messages = chat(6, 5);
        let fitted = fit_chat(&messages, 10_000);
        assert_eq!((fitted.dropped, fitted.messages), (0, messages.clone()));
        assert_eq!(fitted.estimated_tokens, conversation_tokens(&messages));
    }

    #[test]
    fn the_oldest_go_first_but_never_the_system_prompt_or_the_last_message() {
        let messages = chat(39, 100);
        assert_eq!(messages.last().unwrap().role, Role::User);
        let fitted = fit_chat(&messages, 1_000);
        assert!(fitted.dropped > 0);
        assert!(
            fitted.estimated_tokens <= 1_000,
            "{}",
            fitted.estimated_tokens
        );
        assert_eq!(fitted.messages[0], messages[0]);
        assert_eq!(fitted.messages.last(), messages.last());
        assert_eq!(fitted.messages.len() + fitted.dropped, messages.len());
        // The kept history starts with a question.
        assert_eq!(fitted.messages[1].role, Role::User);
        assert_eq!(
            conversation_tokens(&fitted.messages),
            fitted.estimated_tokens
        );
        // A budget nothing fits keeps the system prompt and the last message.
        let tiny = fit_chat(&messages, 1);
        assert_eq!(
            tiny.messages,
            vec![messages[0].clone(), messages[39].clone()]
        );
        assert_eq!(tiny.dropped, 38);
    }

    #[test]
    fn a_prefill_or_a_continued_reply_keeps_its_question() {
        let mut messages = chat(5, 100);
        messages.push(ChatMessage::new(Role::Assistant, "Sure,"));
        let fitted = fit_chat(&messages, 1);
        let roles: Vec<Role> = fitted.messages.iter().map(|m| m.role).collect();
        assert_eq!(roles, [Role::System, Role::User, Role::Assistant]);
        assert_eq!(fitted.messages[1], messages[5]);
        // Without a system prompt too.
        let fitted = fit_chat(&messages[1..], 1);
        assert_eq!(fitted.messages.len(), 2);
        assert_eq!(fitted.dropped, 4);
    }

    #[test]
    fn counting_text_holds_every_message() {
        let text = counting_text(&chat(2, 1));
        assert_eq!(
            text,
            "system\nYou are terse.\nuser\nm0 word \nassistant\nm1 word \n"
        );
    }
}
