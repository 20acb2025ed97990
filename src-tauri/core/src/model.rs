//! Domain types shared by every part of the core: messages (a list of [`Part`]s with opaque
//! [`ProviderData`] a family may need back), requests, generation settings, the normalised
//! [`ChatEvent`] stream, and ids.
//!
//! No IO here. Ids are UUID strings (never integers) so they cross IPC as plain strings.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::Error;
pub use crate::parts::{ImagePart, Part};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// A fresh random id.
            pub fn new() -> Self {
                Self(uuid::Uuid::new_v4().to_string())
            }

            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_string())
            }
        }
    };
}

id_type!(
    /// Identifies a saved connection profile.
    ProfileId
);
id_type!(
    /// Identifies a chat.
    ChatId
);
id_type!(
    /// Identifies a message in a chat.
    MessageId
);
id_type!(
    /// Identifies one running generation (one streamed reply).
    GenerationId
);
id_type!(
    /// Identifies an attachment (an image or a file kept with a message, or waiting in the
    /// composer to be sent with one).
    AttachmentId
);

/// Who wrote a message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions for the model.
    System,
    /// The person.
    #[default]
    User,
    /// The model.
    Assistant,
    /// A tool's result (imported histories); post-processing turns it into user text.
    Tool,
}

impl Role {
    /// The wire name (`system`, `user`, `assistant`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }

    /// Parses a wire name.
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "system" => Some(Role::System),
            "user" => Some(Role::User),
            "assistant" => Some(Role::Assistant),
            "tool" => Some(Role::Tool),
            _ => None,
        }
    }
}

/// What an attachment is: an image (sent as one, to sources that read images) or a file
/// (sent as text with its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum AttachmentKind {
    /// A PNG, JPEG, WebP or GIF image (a GIF's first frame).
    Image,
    /// A text file (plain text, Markdown, code, CSV, JSON) or a PDF's text.
    File,
}

impl AttachmentKind {
    /// The stored name (`image`, `file`).
    pub fn as_str(self) -> &'static str {
        match self {
            AttachmentKind::Image => "image",
            AttachmentKind::File => "file",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<AttachmentKind> {
        match text {
            "image" => Some(AttachmentKind::Image),
            "file" => Some(AttachmentKind::File),
            _ => None,
        }
    }
}

/// An attachment as front ends see it: what it is, never its bytes (a window reads an image's
/// bytes on its own, to draw it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct AttachmentInfo {
    /// Stable id.
    pub id: AttachmentId,
    /// Image or file.
    pub kind: AttachmentKind,
    /// The file name it was attached as.
    pub name: String,
    /// An image's media type as kept (`image/png`, `image/jpeg`, `image/webp`; a GIF is kept
    /// as its first frame in PNG); a file's is the original's (`text/markdown`, `text/csv`,
    /// `application/json`, `application/pdf`, `text/x-rust`, else `text/plain`), though what is
    /// kept of a file is its text.
    pub media_type: String,
    /// The size of what is kept, in bytes (an image as encoded; a file's text).
    pub size: u32,
    /// An image's width in pixels.
    pub width: Option<u32>,
    /// An image's height in pixels.
    pub height: Option<u32>,
}

/// An attachment ready to be kept: checked and prepared by [`crate::attach::prepare`].
#[derive(Clone, PartialEq, Eq)]
pub struct NewAttachment {
    /// Image or file.
    pub kind: AttachmentKind,
    /// The file name.
    pub name: String,
    /// An image's media type (that of `data`); a file's original's (`application/pdf` for a
    /// PDF, whose `data` is its text), as [`AttachmentInfo::media_type`] says.
    pub media_type: String,
    /// An image's encoded bytes; a file's text as UTF-8 (a PDF's text taken out).
    pub data: Vec<u8>,
    /// An image's width in pixels.
    pub width: Option<u32>,
    /// An image's height in pixels.
    pub height: Option<u32>,
}

impl fmt::Debug for NewAttachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewAttachment")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("media_type", &self.media_type)
            .field("bytes", &self.data.len())
            .finish()
    }
}

/// A kept attachment with its bytes, as a request is built from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// What it is.
    pub info: AttachmentInfo,
    /// An image's encoded bytes; a file's text as UTF-8.
    pub data: bytes::Bytes,
}

/// A source a reply cites (a web page a search-backed model read), shown numbered under the
/// reply in the order the source gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SourceLink {
    /// Where it is.
    pub url: String,
    /// Its title, when the source gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// What one protocol family asked to have sent back with a message, opaque to everything else:
/// reasoning a server wants returned, thought signatures, the ids of encrypted reasoning.
///
/// Only the family named by `family` reads it (see [`ChatMessage::provider_data_for`]); any
/// other family leaves it out of what it sends, so a conversation can move between sources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderData {
    /// The family that wrote it: the name its wire module gives (`anthropic`,
    /// `openai_compat`).
    pub family: String,
    /// The data, as the family kept it.
    pub value: serde_json::Value,
}

/// One message of a conversation as sent to a model: who wrote it, its content as a list of
/// [`Part`]s, and what a family asked to have echoed back.
///
/// Built from text with [`ChatMessage::new`]; read as text with [`ChatMessage::text`]. The
/// store keeps a message's text and its attachments apart (see [`crate::store`]); the engine
/// turns them into parts when it builds a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage {
    /// Author role.
    pub role: Role,
    /// The content, in order.
    pub parts: Vec<Part>,
    /// Optional speaker name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What one family asked to have sent back with this message, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_data: Option<ProviderData>,
}

impl ChatMessage {
    /// A message with `role` and one text part.
    pub fn new(role: Role, text: impl Into<String>) -> Self {
        ChatMessage {
            role,
            parts: vec![Part::Text(text.into())],
            name: None,
            provider_data: None,
        }
    }

    /// The text parts, joined with nothing between them (parts are consecutive pieces of one
    /// content); empty when there are none. Borrowed when there is a single text part.
    pub fn text(&self) -> Cow<'_, str> {
        match self.parts.as_slice() {
            [Part::Text(text)] => Cow::Borrowed(text),
            parts => Cow::Owned(
                parts
                    .iter()
                    .filter_map(|part| match part {
                        Part::Text(text) => Some(text.as_str()),
                        Part::Image(_) => None,
                    })
                    .collect(),
            ),
        }
    }

    /// The images, in order.
    pub fn images(&self) -> impl Iterator<Item = &ImagePart> {
        self.parts.iter().filter_map(|part| match part {
            Part::Image(image) => Some(image),
            Part::Text(_) => None,
        })
    }

    /// Whether it holds an image.
    pub fn has_images(&self) -> bool {
        self.images().next().is_some()
    }

    /// Replaces the text with `text`: the text parts become one, where the first of them was
    /// (at the end when there was none); other parts stay.
    pub fn set_text(&mut self, text: impl Into<String>) {
        let at = self
            .parts
            .iter()
            .position(|part| matches!(part, Part::Text(_)))
            .unwrap_or(self.parts.len());
        self.parts.retain(|part| !matches!(part, Part::Text(_)));
        self.parts
            .insert(at.min(self.parts.len()), Part::Text(text.into()));
    }

    /// Puts `text` before the content: joined to a leading text part, else as a new first part.
    pub fn prepend_text(&mut self, text: &str) {
        match self.parts.first_mut() {
            Some(Part::Text(first)) => first.insert_str(0, text),
            _ => self.parts.insert(0, Part::Text(text.to_string())),
        }
    }

    /// Puts `text` after the content: joined to a trailing text part, else as a new last part.
    pub fn append_text(&mut self, text: &str) {
        match self.parts.last_mut() {
            Some(Part::Text(last)) => last.push_str(text),
            _ => self.parts.push(Part::Text(text.to_string())),
        }
    }

    /// The data `family` asked to have sent back with this message, if this message holds it.
    pub fn provider_data_for(&self, family: &str) -> Option<&serde_json::Value> {
        self.provider_data
            .as_ref()
            .filter(|data| data.family == family)
            .map(|data| &data.value)
    }
}

/// Sampler and length settings. `None` fields are never sent; each provider sends only the
/// fields its API accepts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct GenParams {
    /// Longest reply in tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    /// Nucleus sampling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f32>,
    /// Top-k sampling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_k: Option<u32>,
    /// Min-p sampling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_p: Option<f32>,
    /// OpenAI-style frequency penalty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frequency_penalty: Option<f32>,
    /// OpenAI-style presence penalty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presence_penalty: Option<f32>,
    /// Multiplicative repetition penalty (local backends).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repetition_penalty: Option<f32>,
    /// Tokens the repetition penalty looks back over (local backends).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repetition_penalty_range: Option<u32>,
    /// Typical sampling (local backends, NovelAI).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typical_p: Option<f32>,
    /// Tail-free sampling (local backends, NovelAI).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tfs: Option<f32>,
    /// Top-a sampling (local backends, NovelAI).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_a: Option<f32>,
    /// Sampling seed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u32>,
    /// Stop strings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stop: Vec<String>,
}

impl GenParams {
    /// `self` with every field that `over` sets replaced by `over`'s value.
    pub fn overlay(&self, over: &GenParams) -> GenParams {
        GenParams {
            max_tokens: over.max_tokens.or(self.max_tokens),
            temperature: over.temperature.or(self.temperature),
            top_p: over.top_p.or(self.top_p),
            top_k: over.top_k.or(self.top_k),
            min_p: over.min_p.or(self.min_p),
            frequency_penalty: over.frequency_penalty.or(self.frequency_penalty),
            presence_penalty: over.presence_penalty.or(self.presence_penalty),
            repetition_penalty: over.repetition_penalty.or(self.repetition_penalty),
            repetition_penalty_range: over
                .repetition_penalty_range
                .or(self.repetition_penalty_range),
            typical_p: over.typical_p.or(self.typical_p),
            tfs: over.tfs.or(self.tfs),
            top_a: over.top_a.or(self.top_a),
            seed: over.seed.or(self.seed),
            stop: if over.stop.is_empty() {
                self.stop.clone()
            } else {
                over.stop.clone()
            },
        }
    }
}

/// A request for one reply.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatRequest {
    /// Model id as the server knows it.
    pub model: String,
    /// The conversation, oldest first; a system prompt, if any, comes first.
    pub messages: Vec<ChatMessage>,
    /// Sampler settings. For text completion, `stop` already holds the template's stop strings.
    pub params: GenParams,
    /// Stream the reply when the API can.
    pub stream: bool,
    /// For text-completion APIs: the conversation as one prompt string.
    pub prompt: Option<TextPrompt>,
    /// For chat APIs: the context size (prompt + reply, in tokens) the messages were fitted
    /// to, when one is known (a server that must be told it, as Ollama's `num_ctx`, is sent it).
    pub context_size: Option<u32>,
}

/// The conversation rendered for a text-completion API.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextPrompt {
    /// The prompt, ending where the model's reply starts.
    pub text: String,
    /// The context size (prompt + reply, in tokens) the prompt was fitted to.
    pub context_size: u32,
}

/// Why a reply ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum StopReason {
    /// The model finished on its own (or hit a stop string).
    Stop,
    /// The length limit was reached.
    Length,
    /// The provider's content filter ended the reply.
    ContentFilter,
    /// The model asked to call a tool.
    ToolCalls,
    /// The server gave no reason or one we do not know.
    Other,
}

impl StopReason {
    /// Maps an OpenAI-style `finish_reason`.
    pub fn from_finish_reason(reason: &str) -> StopReason {
        match reason {
            "stop" | "end_turn" | "stop_sequence" | "eos" => StopReason::Stop,
            "length" | "max_tokens" => StopReason::Length,
            "content_filter" => StopReason::ContentFilter,
            "tool_calls" | "function_call" | "tool_use" => StopReason::ToolCalls,
            _ => StopReason::Other,
        }
    }

    /// Stable camelCase name.
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::Stop => "stop",
            StopReason::Length => "length",
            StopReason::ContentFilter => "contentFilter",
            StopReason::ToolCalls => "toolCalls",
            StopReason::Other => "other",
        }
    }
}

/// Token counts reported by the server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    /// Tokens in the prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_tokens: Option<u32>,
    /// Tokens in the reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_tokens: Option<u32>,
    /// Both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_tokens: Option<u32>,
}

/// A model the server offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ModelInfo {
    /// The id to send in requests.
    pub id: String,
    /// A display name, when the API has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Context window in tokens, when the API says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_length: Option<u32>,
    /// What the model costs, when the API says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<ModelPrice>,
}

/// A model's price in US dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ModelPrice {
    /// Per million tokens of prompt (input).
    pub input: f64,
    /// Per million tokens of reply (output).
    pub output: f64,
}

/// The state of a stored message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum MessageState {
    /// Written by the user or finished by the model.
    Complete,
    /// A reply still arriving.
    Streaming,
    /// The user stopped the reply; the text received so far is kept.
    Stopped,
    /// The reply was cut off (connection lost, process killed); the text so far is kept.
    Interrupted,
    /// The server reported an error; the text so far is kept with the error.
    Failed,
}

impl MessageState {
    /// Stable name as stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageState::Complete => "complete",
            MessageState::Streaming => "streaming",
            MessageState::Stopped => "stopped",
            MessageState::Interrupted => "interrupted",
            MessageState::Failed => "failed",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<MessageState> {
        [
            MessageState::Complete,
            MessageState::Streaming,
            MessageState::Stopped,
            MessageState::Interrupted,
            MessageState::Failed,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }
}

/// The one stream a front end sees for a generation.
///
/// `Started` comes first; then any of `Queued`, `Delta`, `Reasoning`, `Usage`, `Sources`; then **exactly
/// one** terminal event: `Finished`, `Failed` or `Cancelled`. The text received before the
/// terminal event is already saved when it is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ChatEvent {
    /// The generation began; the reply will be stored as `message_id`.
    Started {
        /// This generation.
        generation_id: GenerationId,
        /// The chat the reply belongs to.
        chat_id: ChatId,
        /// The stored reply.
        message_id: MessageId,
        /// The model requested.
        model: String,
        /// The reply's text before this generation: empty for a new reply or a new version,
        /// the text so far when a reply is continued (the deltas follow it).
        text: String,
        /// Which version (swipe) of the message this reply is, from 0.
        swipe_index: u32,
        /// How many versions (swipes) the message has now.
        swipe_count: u32,
    },
    /// The oldest messages were left out of the prompt to fit the context.
    HistoryTrimmed {
        /// How many messages were left out.
        dropped: u32,
        /// The context size in tokens.
        context_size: u32,
    },
    /// How full the context is with this request: the prompt and the reply length reserved,
    /// out of the context size (sent after `Started` when the context size is known).
    ContextUsed {
        /// The prompt's size in tokens (the server's count where it gave one, else an
        /// estimate).
        prompt_tokens: u32,
        /// The context size in tokens.
        context_size: u32,
        /// The reply length reserved, in tokens.
        reply_tokens: u32,
    },
    /// The server cut the start of the prompt to fit its context (the prompt sent was longer
    /// than it could read): the reply was written without the oldest part.
    PromptCut {
        /// The prompt tokens the server read.
        kept_tokens: u32,
    },
    /// Waiting in a queue (AI Horde).
    Queued {
        /// Position in the queue.
        position: u32,
        /// Expected wait in seconds.
        wait_secs: f64,
    },
    /// More reply text.
    Delta {
        /// The new text.
        text: String,
    },
    /// More reasoning ("thinking") text.
    Reasoning {
        /// The new text.
        text: String,
    },
    /// Token counts.
    Usage {
        /// The counts.
        usage: Usage,
    },
    /// The pages the reply cites, all of them so far, in the order the source gave (sent before
    /// the terminal event, once they are saved with the reply).
    Sources {
        /// The sources, numbered from 1 in this order.
        sources: Vec<SourceLink>,
    },
    /// The reply is complete.
    Finished {
        /// Why it ended.
        stop_reason: StopReason,
        /// The stored reply.
        message_id: MessageId,
    },
    /// The reply failed; the text received so far is kept in `message_id`.
    Failed {
        /// What went wrong.
        error: Error,
        /// The stored (partial) reply, if one was started.
        message_id: Option<MessageId>,
    },
    /// The user stopped the reply; the text so far is kept in `message_id`.
    Cancelled {
        /// The stored (partial) reply.
        message_id: MessageId,
    },
}

impl ChatEvent {
    /// Whether this event ends the stream.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            ChatEvent::Finished { .. } | ChatEvent::Failed { .. } | ChatEvent::Cancelled { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gen_params_overlay_prefers_override_and_keeps_the_rest() {
        let base = GenParams {
            max_tokens: Some(100),
            temperature: Some(0.7),
            stop: vec!["\n".into()],
            ..GenParams::default()
        };
        let over = GenParams {
            temperature: Some(0.1),
            ..GenParams::default()
        };
        let merged = base.overlay(&over);
        assert_eq!(merged.max_tokens, Some(100));
        assert_eq!(merged.temperature, Some(0.1));
        assert_eq!(merged.stop, vec!["\n".to_string()]);
    }

    fn two_parts() -> ChatMessage {
        ChatMessage {
            role: Role::Assistant,
            parts: vec![Part::Text("Hello, ".into()), Part::Text("world".into())],
            name: None,
            provider_data: None,
        }
    }

    #[test]
    fn text_joins_the_text_parts_and_borrows_a_single_one() {
        assert_eq!(two_parts().text(), "Hello, world");
        let one = ChatMessage::new(Role::User, "hi");
        assert_eq!(one.parts, vec![Part::Text("hi".into())]);
        assert!(matches!(one.text(), Cow::Borrowed("hi")));
        let none = ChatMessage {
            parts: Vec::new(),
            ..ChatMessage::new(Role::User, "")
        };
        assert_eq!(none.text(), "");
    }

    #[test]
    fn text_edits_keep_one_text_part_where_the_text_was() {
        let mut message = two_parts();
        message.set_text("Bye");
        assert_eq!(message.parts, vec![Part::Text("Bye".into())]);
        message.prepend_text("Bob: ");
        message.append_text("!");
        assert_eq!(message.parts, vec![Part::Text("Bob: Bye!".into())]);
        let mut empty = ChatMessage {
            parts: Vec::new(),
            ..ChatMessage::new(Role::User, "")
        };
        empty.append_text("a");
        assert_eq!(empty.parts, vec![Part::Text("a".into())]);
        empty.parts.clear();
        empty.prepend_text("b");
        empty.parts.clear();
        empty.set_text("c");
        assert_eq!(empty.text(), "c");
    }

    #[test]
    fn provider_data_round_trips_and_is_read_by_its_family_only() {
        let mut message = two_parts();
        message.provider_data = Some(ProviderData {
            family: "anthropic".into(),
            value: serde_json::json!([{"type": "thinking", "thinking": "hm", "signature": "c2ln"}]),
        });
        let json = serde_json::to_value(&message).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "role": "assistant",
                "parts": [{"text": "Hello, "}, {"text": "world"}],
                "providerData": {
                    "family": "anthropic",
                    "value": [{"type": "thinking", "thinking": "hm", "signature": "c2ln"}]
                }
            })
        );
        let back: ChatMessage = serde_json::from_value(json).unwrap();
        assert_eq!(back, message);
        assert_eq!(
            back.provider_data_for("anthropic").unwrap()[0]["signature"],
            "c2ln"
        );
        assert_eq!(back.provider_data_for("openai_compat"), None);
        assert_eq!(
            ChatMessage::new(Role::User, "x").provider_data_for("anthropic"),
            None
        );
        // A message without data writes no field for it.
        assert_eq!(
            serde_json::to_value(ChatMessage::new(Role::User, "x")).unwrap(),
            serde_json::json!({"role": "user", "parts": [{"text": "x"}]})
        );
    }

    #[test]
    fn chat_event_serialises_tagged_camel_case() {
        let event = ChatEvent::Finished {
            stop_reason: StopReason::Length,
            message_id: MessageId::from("m1"),
        };
        assert_eq!(
            serde_json::to_value(&event).unwrap(),
            serde_json::json!({"type":"finished","stopReason":"length","messageId":"m1"})
        );
        assert!(event.is_terminal());
        assert!(!ChatEvent::Delta { text: "x".into() }.is_terminal());
    }

    #[test]
    fn message_state_round_trips_through_its_name() {
        for state in [
            MessageState::Complete,
            MessageState::Streaming,
            MessageState::Stopped,
            MessageState::Interrupted,
            MessageState::Failed,
        ] {
            assert_eq!(MessageState::parse(state.as_str()), Some(state));
        }
        assert_eq!(MessageState::parse("nope"), None);
    }

    #[test]
    fn stop_reason_maps_finish_reasons() {
        assert_eq!(StopReason::from_finish_reason("stop"), StopReason::Stop);
        assert_eq!(StopReason::from_finish_reason("length"), StopReason::Length);
        assert_eq!(
            StopReason::from_finish_reason("content_filter"),
            StopReason::ContentFilter
        );
        assert_eq!(StopReason::from_finish_reason("weird"), StopReason::Other);
    }
}
