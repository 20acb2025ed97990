//! Prompt post-processing for chat-completion endpoints with strict rules about roles.
//!
//! Follows SillyTavern's `mergeMessages` (its non-tool modes) so that a person moving over sees
//! the same request on the wire:
//! 1. Every message is normalised: named messages get `"{name}: "` in front of their text
//!    (example dialogue as `example_user`/`example_assistant` system messages gets the user's or
//!    character's name), tool results become user messages, names are dropped.
//! 2. Consecutive messages of one role are merged with a blank line between them — but a
//!    message with empty content starts a new message instead of being merged.
//! 3. Semi-strict and strict: every system message after the first position becomes a user
//!    message; strict also makes sure the first non-system message is from the user by
//!    inserting a placeholder. Then the merge runs again to join the new neighbours.
//! 4. Single (SillyTavern 1.18's `single`): in step 1 every message also becomes a user message,
//!    the character's replies prefixed `"{char}: "` and the user's `"{user}: "` (unless already
//!    so prefixed; system text unprefixed), so the merge joins the whole conversation into one
//!    user message (an empty system message still starts a new one, as in SillyTavern).
//!
//! [`PostProcessing::None`] leaves the messages exactly as they are.
//!
//! - [`client`]: reads messages as OpenAI-format clients write them (`content` null, missing or
//!   an array of parts, `tool` messages, `tool_calls`) into [`ChatMessage`]s, the way
//!   SillyTavern's converter reads them.
//! - [`fit`]: a chat-completion conversation fitted to a context size (the oldest messages left
//!   out).
//! - `merge`: the merge modes themselves.
//!
//! This module works on text only: it must not do I/O or know about providers.

pub mod client;
pub mod fit;
pub mod instruct;
mod merge;

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::model::ChatMessage;

/// The placeholder user message strict mode inserts (SillyTavern's shipped default).
pub const DEFAULT_PLACEHOLDER: &str = "[Start a new chat]";

/// How messages are rearranged before they are sent to a chat-completion API.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum PostProcessing {
    /// Sent as they are.
    #[default]
    None,
    /// Consecutive messages of the same role merged.
    Merge,
    /// Merged, and only one system message (at the start).
    SemiStrict,
    /// Merged, one optional system message, and the first other message from the user.
    Strict,
    /// The whole conversation as one user message, each turn prefixed with its speaker's name.
    Single,
}

impl PostProcessing {
    /// Every mode.
    pub const ALL: [PostProcessing; 5] = [
        PostProcessing::None,
        PostProcessing::Merge,
        PostProcessing::SemiStrict,
        PostProcessing::Strict,
        PostProcessing::Single,
    ];

    /// Stable name (`none`, `merge`, `semi-strict`, `strict`, `single`).
    pub fn as_str(self) -> &'static str {
        match self {
            PostProcessing::None => "none",
            PostProcessing::Merge => "merge",
            PostProcessing::SemiStrict => "semi-strict",
            PostProcessing::Strict => "strict",
            PostProcessing::Single => "single",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Option<PostProcessing> {
        Self::ALL.into_iter().find(|mode| mode.as_str() == text)
    }
}

impl FromStr for PostProcessing {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        PostProcessing::parse(text).ok_or_else(|| {
            format!("unknown post-processing mode \"{text}\" (expected none, merge, semi-strict, strict or single)")
        })
    }
}

/// Names and texts post-processing needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptNames {
    /// The character's (assistant's) name, for example dialogue; empty for none.
    pub char_name: String,
    /// The user's name, for example dialogue; empty for none.
    pub user_name: String,
    /// Names of group members: text already starting with `"{name}: "` is not prefixed again.
    pub group_names: Vec<String>,
    /// The user message strict mode inserts.
    pub placeholder: String,
}

impl Default for PromptNames {
    fn default() -> Self {
        PromptNames {
            char_name: String::new(),
            user_name: String::new(),
            group_names: Vec::new(),
            placeholder: DEFAULT_PLACEHOLDER.to_string(),
        }
    }
}

/// Applies `mode` to `messages`.
pub fn post_process(
    messages: &[ChatMessage],
    mode: PostProcessing,
    names: &PromptNames,
) -> Vec<ChatMessage> {
    match mode {
        PostProcessing::None => messages.to_vec(),
        PostProcessing::Merge => merge::merge(messages, names, merge::Strictness::None),
        PostProcessing::SemiStrict => merge::merge(messages, names, merge::Strictness::Semi),
        PostProcessing::Strict => merge::merge(messages, names, merge::Strictness::Full),
        PostProcessing::Single => merge::merge(messages, names, merge::Strictness::Single),
    }
}

#[cfg(test)]
mod merge_tests;
