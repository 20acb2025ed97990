//! Domain types shared by every part of the core: messages, requests, generation settings,
//! the normalised [`ChatEvent`] stream, and ids.
//!
//! No IO here. Ids are UUID strings (never integers) so they cross IPC as plain strings.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::Error;

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

/// One message of a conversation as sent to a model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChatMessage {
    /// Author role.
    pub role: Role,
    /// Plain text content.
    pub content: String,
    /// Optional speaker name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl ChatMessage {
    /// A message with `role` and `content`.
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        ChatMessage {
            role,
            content: content.into(),
            name: None,
        }
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
/// `Started` comes first; then any of `Queued`, `Delta`, `Reasoning`, `Usage`; then **exactly
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
    /// The oldest messages were left out of the prompt to fit the context (text completion).
    HistoryTrimmed {
        /// How many messages were left out.
        dropped: u32,
        /// The context size in tokens.
        context_size: u32,
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
