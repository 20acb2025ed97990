//! The Anthropic Messages API on the wire: the request body, model pages and non-streamed
//! messages (the stream's named events are mapped in `stream.rs`).
//!
//! Sans-IO: bytes and JSON in, events out; it must not build requests or read the network.

use serde_json::{json, Map, Value};

use crate::model::{
    ChatMessage, ChatRequest, ImagePart, ModelInfo, ProviderData, Role, StopReason, Usage,
};
use crate::prompt::{self, PostProcessing, PromptNames};
use crate::provider::contract::StreamEvent;
use crate::provider::server_error::ServerError;

/// This family's name for the [`crate::model::ProviderData`] it reads back.
pub const FAMILY: &str = "anthropic";

/// `max_tokens` is required by the API; this is sent when a request sets none (the engine
/// always sets one: the profile's, else the same default every source gets).
pub const DEFAULT_MAX_TOKENS: u32 = crate::prompt::instruct::DEFAULT_REPLY_TOKENS;

/// The API rejects empty text in all but the final message; SillyTavern sends a zero-width space.
const EMPTY_TEXT: &str = "\u{200b}";

/// The messages as the API accepts them: the leading system text apart, then alternating
/// `user`/`assistant` turns starting with `user` (strict post-processing, whatever the profile
/// says), names folded into the text.
pub fn split_system(messages: &[ChatMessage]) -> (Option<String>, Vec<ChatMessage>) {
    let strict = prompt::post_process(messages, PostProcessing::Strict, &PromptNames::default());
    let mut turns = strict.into_iter().peekable();
    let system = turns
        .next_if(|m| m.role == Role::System)
        .map(|m| m.text().into_owned())
        .filter(|s| !s.is_empty());
    let mut turns: Vec<ChatMessage> = turns.collect();
    if turns.is_empty() {
        turns.push(ChatMessage::new(Role::User, prompt::DEFAULT_PLACEHOLDER));
    }
    (system, turns)
}

/// The JSON body of `POST /v1/messages`.
pub fn messages_body(request: &ChatRequest) -> Value {
    let (system, turns) = split_system(&request.messages);
    let last = turns.len().saturating_sub(1);
    let messages: Vec<Value> = turns
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mut text = m.text().into_owned();
            if i == last && m.role == Role::Assistant {
                // A prefill must not end with whitespace.
                text.truncate(text.trim_end().len());
            }
            if text.is_empty() && i != last && !m.has_images() {
                text = EMPTY_TEXT.to_string();
            }
            let kept = match m.provider_data_for(FAMILY) {
                Some(Value::Array(kept)) => kept.as_slice(),
                _ => &[],
            };
            let content = if kept.is_empty() && !m.has_images() {
                Value::from(text)
            } else {
                // Blocks this family asked to have sent back (thinking with its signature) come
                // first, then the images (before the text, as Anthropic's vision guide
                // advises), then the text (left out when empty: the API refuses empty text
                // blocks).
                let mut blocks = kept.to_vec();
                blocks.extend(m.images().map(image_block));
                if !text.is_empty() {
                    blocks.push(json!({"type": "text", "text": text}));
                }
                Value::Array(blocks)
            };
            json!({"role": m.role.as_str(), "content": content})
        })
        .collect();
    let params = &request.params;
    let mut body = Map::new();
    body.insert("model".into(), json!(request.model));
    body.insert(
        "max_tokens".into(),
        json!(params.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS)),
    );
    if let Some(system) = system {
        body.insert("system".into(), json!(system));
    }
    body.insert("messages".into(), Value::Array(messages));
    if let Some(t) = params.temperature {
        body.insert("temperature".into(), json!(t.clamp(0.0, 1.0)));
    }
    if let Some(p) = params.top_p {
        body.insert("top_p".into(), json!(p));
    }
    if let Some(k) = params.top_k {
        body.insert("top_k".into(), json!(k));
    }
    if !params.stop.is_empty() {
        body.insert("stop_sequences".into(), json!(params.stop));
    }
    body.insert("stream".into(), json!(request.stream));
    Value::Object(body)
}

/// An image as a content block: `{"type":"image","source":{"type":"base64","media_type",
/// "data"}}`.
fn image_block(image: &ImagePart) -> Value {
    json!({
        "type": "image",
        "source": {"type": "base64", "media_type": image.media_type, "data": image.base64()},
    })
}

/// One page of `GET /v1/models`: the models and the id to continue after, when there is more.
pub fn parse_models_page(body: &[u8]) -> Option<(Vec<ModelInfo>, Option<String>)> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let data = value.get("data")?.as_array()?;
    let models = data
        .iter()
        .filter_map(|m| {
            Some(ModelInfo {
                id: m.get("id")?.as_str()?.to_string(),
                name: m
                    .get("display_name")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                context_length: None,
                price: None,
            })
        })
        .collect();
    let more = value.get("has_more").and_then(Value::as_bool) == Some(true);
    let last = value
        .get("last_id")
        .and_then(Value::as_str)
        .map(str::to_string);
    Some((models, if more { last } else { None }))
}

/// The stop reason of a `stop_reason` value.
pub fn stop_reason(reason: &str) -> StopReason {
    match reason {
        "end_turn" | "stop_sequence" | "pause_turn" => StopReason::Stop,
        "max_tokens" => StopReason::Length,
        "tool_use" => StopReason::ToolCalls,
        "refusal" => StopReason::ContentFilter,
        _ => StopReason::Other,
    }
}

pub(crate) fn usage(input: Option<u32>, output: Option<u32>) -> Usage {
    Usage {
        prompt_tokens: input,
        completion_tokens: output,
        total_tokens: input.zip(output).map(|(i, o)| i + o),
    }
}

pub(crate) fn count(value: Option<&Value>) -> Option<u32> {
    value
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
}

/// The blocks the API wants back with a reply (`thinking` with its `signature`,
/// `redacted_thinking`) as this family's provider data; `None` when there are none. A thinking
/// block without a signature is not one the API would take back, so it is left out.
pub fn kept_blocks(blocks: Vec<Value>) -> Option<ProviderData> {
    let kept: Vec<Value> = blocks
        .into_iter()
        .filter(|block| match block.get("type").and_then(Value::as_str) {
            Some("thinking") => block
                .get("signature")
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty()),
            Some("redacted_thinking") => true,
            _ => false,
        })
        .collect();
    (!kept.is_empty()).then(|| ProviderData {
        family: FAMILY.to_string(),
        value: Value::Array(kept),
    })
}

/// What a non-streamed answer held.
pub enum MessageOutcome {
    /// The reply as events, ending with `Done`.
    Events(Vec<StreamEvent>),
    /// An error object in a 200 answer.
    ServerError(ServerError),
    /// Not a message.
    Malformed,
}

/// Reads a non-streamed `message` (text blocks concatenated, thinking as reasoning).
pub fn parse_message(body: &[u8]) -> MessageOutcome {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return MessageOutcome::Malformed;
    };
    if value.get("type").and_then(Value::as_str) == Some("error") {
        return MessageOutcome::ServerError(ServerError::from_body(&String::from_utf8_lossy(body)));
    }
    let Some(content) = value.get("content").and_then(Value::as_array) else {
        return MessageOutcome::Malformed;
    };
    let mut events = Vec::new();
    if let Some(model) = value.get("model").and_then(Value::as_str) {
        events.push(StreamEvent::Model(model.to_string()));
    }
    for block in content {
        match block.get("type").and_then(Value::as_str) {
            Some("thinking") => {
                if let Some(text) = block.get("thinking").and_then(Value::as_str) {
                    events.push(StreamEvent::Reasoning(text.to_string()));
                }
            }
            Some("text") => {
                if let Some(text) = block.get("text").and_then(Value::as_str) {
                    events.push(StreamEvent::Delta(text.to_string()));
                }
            }
            _ => {}
        }
    }
    if let Some(u) = value.get("usage") {
        events.push(StreamEvent::Usage(usage(
            count(u.get("input_tokens")),
            count(u.get("output_tokens")),
        )));
    }
    events.extend(kept_blocks(content.clone()).map(StreamEvent::ProviderData));
    let reason = value
        .get("stop_reason")
        .and_then(Value::as_str)
        .map_or(StopReason::Other, stop_reason);
    events.push(StreamEvent::Done(reason));
    MessageOutcome::Events(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{GenParams, Part, ProviderData};

    fn msg(role: Role, text: &str) -> ChatMessage {
        ChatMessage::new(role, text)
    }

    fn request(messages: Vec<ChatMessage>) -> ChatRequest {
        ChatRequest {
            model: "claude-x".into(),
            messages,
            params: GenParams::default(),
            stream: true,
            prompt: None,
            ..ChatRequest::default()
        }
    }

    #[test]
    fn system_goes_top_level_and_turns_alternate_from_user() {
        let body = messages_body(&request(vec![
            msg(Role::System, "Be brief."),
            msg(Role::Assistant, "Hello!"),
            msg(Role::System, "[note]"),
            msg(Role::User, "Hi"),
            msg(Role::User, "there"),
        ]));
        assert_eq!(body["system"], "Be brief.");
        assert_eq!(body["max_tokens"], DEFAULT_MAX_TOKENS);
        assert_eq!(
            body["messages"],
            json!([
                {"role": "user", "content": "[Start a new chat]"},
                {"role": "assistant", "content": "Hello!"},
                {"role": "user", "content": "[note]\n\nHi\n\nthere"},
            ])
        );
        assert!(body.get("stop_sequences").is_none());
    }

    #[test]
    fn text_parts_are_sent_as_one_string_and_only_this_familys_data_is_echoed() {
        let messages = vec![msg(Role::User, "Hi"), msg(Role::Assistant, "Hello!")];
        let plain = messages_body(&request(messages.clone()));
        let mut parted = messages;
        parted[1].parts = vec![Part::Text("Hel".into()), Part::Text("lo!".into())];
        parted[1].provider_data = Some(ProviderData {
            family: "openai_compat".into(),
            value: json!({"reasoning_details": []}),
        });
        assert_eq!(
            serde_json::to_string(&messages_body(&request(parted.clone()))).unwrap(),
            serde_json::to_string(&plain).unwrap(),
            "text parts and another family's data change nothing"
        );

        let thinking = json!({"type": "thinking", "thinking": "greet", "signature": "c2ln"});
        parted[1].provider_data = Some(ProviderData {
            family: FAMILY.into(),
            value: json!([thinking]),
        });
        parted.push(msg(Role::User, "Again"));
        let body = messages_body(&request(parted.clone()));
        assert_eq!(
            body["messages"][1],
            json!({"role": "assistant", "content": [thinking, {"type": "text", "text": "Hello!"}]})
        );
        assert_eq!(
            body["messages"][0],
            json!({"role": "user", "content": "Hi"})
        );

        // Kept blocks go through the strict merge with their message.
        parted.insert(1, msg(Role::Assistant, "Well."));
        let merged = messages_body(&request(parted));
        assert_eq!(
            merged["messages"][1],
            json!({"role": "assistant", "content": [thinking, {"type": "text", "text": "Well.\n\nHello!"}]})
        );
    }

    #[test]
    fn parameters_follow_the_api_rules() {
        let mut req = request(vec![
            msg(Role::User, "a"),
            msg(Role::Assistant, ""),
            msg(Role::User, "b"),
            msg(Role::Assistant, "Prefill  \n"),
        ]);
        req.params.max_tokens = Some(300);
        req.params.temperature = Some(1.7);
        req.params.stop = vec!["\nUser:".into()];
        let body = messages_body(&req);
        assert_eq!(body["max_tokens"], 300);
        assert_eq!(body["temperature"], 1.0);
        assert_eq!(body["stop_sequences"], json!(["\nUser:"]));
        assert!(body.get("system").is_none());
        assert_eq!(body["messages"][1]["content"], EMPTY_TEXT);
        assert_eq!(body["messages"][3]["content"], "Prefill");
    }

    #[test]
    fn model_pages_and_messages_parse() {
        let page = br#"{"data":[{"type":"model","id":"claude-a","display_name":"Claude A","created_at":"2025-01-01T00:00:00Z"}],"has_more":true,"first_id":"claude-a","last_id":"claude-a"}"#;
        let (models, next) = parse_models_page(page).unwrap();
        assert_eq!(models[0].name.as_deref(), Some("Claude A"));
        assert_eq!(next.as_deref(), Some("claude-a"));
        let message = br#"{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[{"type":"thinking","thinking":"T","signature":"s"},{"type":"text","text":"A"},{"type":"text","text":"B"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":4}}"#;
        let MessageOutcome::Events(events) = parse_message(message) else {
            panic!("not parsed")
        };
        assert_eq!(
            events,
            vec![
                StreamEvent::Model("claude-x".into()),
                StreamEvent::Reasoning("T".into()),
                StreamEvent::Delta("A".into()),
                StreamEvent::Delta("B".into()),
                StreamEvent::Usage(usage(Some(3), Some(4))),
                StreamEvent::ProviderData(ProviderData {
                    family: FAMILY.into(),
                    value: json!([{"type": "thinking", "thinking": "T", "signature": "s"}]),
                }),
                StreamEvent::Done(StopReason::Stop),
            ]
        );
        assert!(matches!(
            parse_message(b"<html>"),
            MessageOutcome::Malformed
        ));
    }
}
