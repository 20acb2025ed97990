//! Cohere's v2 chat on the wire: the request body, model pages and whole (non-streamed)
//! answers (the stream's typed events are mapped in `stream.rs`).
//!
//! Sans-IO: bytes and JSON in, events out; it must not build requests or read the network.

use serde_json::{json, Map, Value};

use crate::model::{ChatMessage, ChatRequest, ModelInfo, Role, StopReason, Usage};
use crate::prompt::{self, PostProcessing, PromptNames};
use crate::provider::contract::StreamEvent;
use crate::provider::server_error::ServerError;
use crate::provider::support::f32_value;

/// Cohere reads at most this many stop sequences.
const MAX_STOP_SEQUENCES: usize = 5;

/// The messages as the API accepts them: one system message, first ("system turn must be the
/// first in the list"; semi-strict post-processing, whatever the profile says), names folded
/// into the text, no empty turn ("message must not be empty in a turn").
pub fn turns(messages: &[ChatMessage]) -> Vec<ChatMessage> {
    let spoken: Vec<ChatMessage> = messages
        .iter()
        .filter(|m| !m.text().trim().is_empty() || m.has_images())
        .cloned()
        .collect();
    let mut turns =
        prompt::post_process(&spoken, PostProcessing::SemiStrict, &PromptNames::default());
    if turns.iter().all(|m| m.role == Role::System) {
        turns.push(ChatMessage::new(Role::User, prompt::DEFAULT_PLACEHOLDER));
    }
    turns
}

/// A message's `content`: its text as a string; with images, an array of the text (when
/// there is any) then each image as an `image_url` part holding a `data:` URL (Cohere's "Image
/// Inputs" guide, the Command A Vision models).
fn content(message: &ChatMessage) -> Value {
    if !message.has_images() {
        return Value::from(message.text());
    }
    let text = message.text();
    let mut parts = Vec::new();
    if !text.is_empty() {
        parts.push(json!({"type": "text", "text": text}));
    }
    parts.extend(
        message
            .images()
            .map(|image| json!({"type": "image_url", "image_url": {"url": image.data_url()}})),
    );
    Value::Array(parts)
}

/// The JSON body of `POST /v2/chat`. Samplers are clamped to the ranges the API accepts:
/// `temperature` 0–1, `p` 0.01–0.99, `k` 0–500, the penalties 0–1, at most five stop sequences.
pub fn chat_body(request: &ChatRequest) -> Value {
    let messages: Vec<Value> = turns(&request.messages)
        .iter()
        .map(|m| json!({"role": m.role.as_str(), "content": content(m)}))
        .collect();
    let params = &request.params;
    let mut body = Map::new();
    body.insert("model".into(), json!(request.model));
    body.insert("messages".into(), Value::Array(messages));
    body.insert("stream".into(), json!(request.stream));
    if let Some(n) = params.max_tokens {
        body.insert("max_tokens".into(), json!(n));
    }
    if let Some(t) = params.temperature {
        body.insert("temperature".into(), f32_value(t.clamp(0.0, 1.0)));
    }
    if let Some(p) = params.top_p {
        body.insert("p".into(), f32_value(p.clamp(0.01, 0.99)));
    }
    if let Some(k) = params.top_k {
        body.insert("k".into(), json!(k.min(500)));
    }
    if let Some(f) = params.frequency_penalty {
        body.insert("frequency_penalty".into(), f32_value(f.clamp(0.0, 1.0)));
    }
    if let Some(p) = params.presence_penalty {
        body.insert("presence_penalty".into(), f32_value(p.clamp(0.0, 1.0)));
    }
    if let Some(seed) = params.seed {
        body.insert("seed".into(), json!(seed));
    }
    if !params.stop.is_empty() {
        let stop: Vec<&String> = params.stop.iter().take(MAX_STOP_SEQUENCES).collect();
        body.insert("stop_sequences".into(), json!(stop));
    }
    Value::Object(body)
}

/// One page of `GET /v1/models`: the models and the token of the next page, when there is one.
pub fn parse_models_page(body: &[u8]) -> Option<(Vec<ModelInfo>, Option<String>)> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let models = value
        .get("models")?
        .as_array()?
        .iter()
        .filter_map(|m| {
            Some(ModelInfo {
                id: m.get("name")?.as_str()?.to_string(),
                name: None,
                context_length: count(m.get("context_length")),
                price: None,
            })
        })
        .collect();
    let next = value
        .get("next_page_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    Some((models, next))
}

/// The stop reason of a `finish_reason` (`ERROR` is not one: it is a failure).
pub fn stop_reason(reason: &str) -> StopReason {
    match reason {
        "COMPLETE" | "STOP_SEQUENCE" => StopReason::Stop,
        "MAX_TOKENS" => StopReason::Length,
        "TOOL_CALL" => StopReason::ToolCalls,
        _ => StopReason::Other,
    }
}

/// A whole number the API may write as a float (`71` or `71.0`).
pub(crate) fn count(value: Option<&Value>) -> Option<u32> {
    let n = value?.as_f64()?;
    (n >= 0.0 && n <= f64::from(u32::MAX)).then_some(n as u32)
}

/// The token counts of a `usage` object: what the model read and wrote (`tokens`), else what
/// was billed (`billed_units`).
pub fn usage(usage: &Value) -> Option<Usage> {
    let pick = |field: &str| {
        count(usage.get("tokens").and_then(|t| t.get(field)))
            .or_else(|| count(usage.get("billed_units").and_then(|b| b.get(field))))
    };
    let (input, output) = (pick("input_tokens"), pick("output_tokens"));
    (input.is_some() || output.is_some()).then(|| Usage {
        prompt_tokens: input,
        completion_tokens: output,
        total_tokens: input.zip(output).map(|(i, o)| i + o),
    })
}

/// What a whole answer held.
pub enum ChatOutcome {
    /// The reply as events, ending with `Done`.
    Events(Vec<StreamEvent>),
    /// The answer said the generation failed (`finish_reason: "ERROR"`), or was an error body.
    ServerError(ServerError),
    /// Not a chat answer.
    Malformed,
}

/// Reads a whole `POST /v2/chat` answer: thinking as reasoning, text blocks joined.
pub fn parse_chat(body: &[u8]) -> ChatOutcome {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return ChatOutcome::Malformed;
    };
    let content = match value.get("message") {
        Some(message) if message.is_object() => message.get("content"),
        // An error body: `{"id", "message": "…"}`.
        Some(Value::String(_)) => {
            return ChatOutcome::ServerError(ServerError::from_body(&String::from_utf8_lossy(body)))
        }
        _ => return ChatOutcome::Malformed,
    };
    let reason = value.get("finish_reason").and_then(Value::as_str);
    if reason == Some("ERROR") {
        return ChatOutcome::ServerError(ServerError {
            message: "the generation failed".into(),
            code: Some("ERROR".into()),
            numeric: None,
        });
    }
    let mut events = Vec::new();
    for block in content.and_then(Value::as_array).into_iter().flatten() {
        let text = |field| {
            block
                .get(field)
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
        };
        match block.get("type").and_then(Value::as_str) {
            Some("thinking") => {
                events.extend(text("thinking").map(|t| StreamEvent::Reasoning(t.into())))
            }
            Some("text") => events.extend(text("text").map(|t| StreamEvent::Delta(t.into()))),
            _ => {}
        }
    }
    events.extend(value.get("usage").and_then(usage).map(StreamEvent::Usage));
    events.push(StreamEvent::Done(
        reason.map_or(StopReason::Other, stop_reason),
    ));
    ChatOutcome::Events(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::GenParams;

    fn msg(role: Role, text: &str) -> ChatMessage {
        ChatMessage::new(role, text)
    }

    fn request(messages: Vec<ChatMessage>) -> ChatRequest {
        ChatRequest {
            model: "command-a-03-2025".into(),
            messages,
            params: GenParams::default(),
            stream: true,
            ..ChatRequest::default()
        }
    }

    #[test]
    fn one_system_message_first_and_no_empty_turns() {
        let body = chat_body(&request(vec![
            msg(Role::System, "Be brief."),
            msg(Role::User, "Hi"),
            msg(Role::Assistant, ""),
            msg(Role::System, "[note]"),
            msg(Role::User, "there"),
        ]));
        assert_eq!(
            body["messages"],
            json!([
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Hi\n\n[note]\n\nthere"},
            ])
        );
        assert_eq!(body["stream"], true);
        assert!(body.get("max_tokens").is_none() && body.get("p").is_none());
        let only_system = chat_body(&request(vec![msg(Role::System, "S")]));
        assert_eq!(only_system["messages"][1]["role"], "user");
    }

    #[test]
    fn samplers_take_cohere_names_and_ranges() {
        let mut req = request(vec![msg(Role::User, "a")]);
        req.params = GenParams {
            max_tokens: Some(300),
            temperature: Some(1.7),
            top_p: Some(1.0),
            top_k: Some(900),
            frequency_penalty: Some(0.3),
            presence_penalty: Some(2.0),
            seed: Some(7),
            stop: ["a", "b", "c", "d", "e", "f"].map(String::from).to_vec(),
            ..GenParams::default()
        };
        let body = chat_body(&req);
        assert_eq!(body["max_tokens"], 300);
        assert_eq!(body["temperature"], 1.0);
        assert_eq!(body["p"], 0.99);
        assert_eq!(body["k"], 500);
        assert_eq!(body["frequency_penalty"], 0.3);
        assert_eq!(body["presence_penalty"], 1.0);
        assert_eq!(body["seed"], 7);
        assert_eq!(body["stop_sequences"], json!(["a", "b", "c", "d", "e"]));
        assert!(body.get("top_p").is_none() && body.get("top_k").is_none());
    }

    #[test]
    fn model_pages_and_whole_answers_parse() {
        let page = br#"{"models":[{"name":"command-a-03-2025","endpoints":["chat"],"finetuned":false,"context_length":256000.0}],"next_page_token":"p2"}"#;
        let (models, next) = parse_models_page(page).unwrap();
        assert_eq!(models[0].id, "command-a-03-2025");
        assert_eq!(models[0].context_length, Some(256_000));
        assert_eq!(next.as_deref(), Some("p2"));
        let (_, last) = parse_models_page(br#"{"models":[]}"#).unwrap();
        assert_eq!(last, None);

        let answer = br#"{"id":"c14c","message":{"role":"assistant","content":[{"type":"thinking","thinking":"T"},{"type":"text","text":"A"}]},"finish_reason":"MAX_TOKENS","usage":{"billed_units":{"input_tokens":5,"output_tokens":418},"tokens":{"input_tokens":71,"output_tokens":418}}}"#;
        let ChatOutcome::Events(events) = parse_chat(answer) else {
            panic!("not parsed")
        };
        assert_eq!(
            events,
            vec![
                StreamEvent::Reasoning("T".into()),
                StreamEvent::Delta("A".into()),
                StreamEvent::Usage(Usage {
                    prompt_tokens: Some(71),
                    completion_tokens: Some(418),
                    total_tokens: Some(489)
                }),
                StreamEvent::Done(StopReason::Length),
            ]
        );
        assert!(matches!(
            parse_chat(br#"{"id":"x","finish_reason":"ERROR","message":{"role":"assistant","content":[]}}"#),
            ChatOutcome::ServerError(_)
        ));
        assert!(matches!(
            parse_chat(br#"{"id":"x","message":"internal server error"}"#),
            ChatOutcome::ServerError(e) if e.message == "internal server error"
        ));
        assert!(matches!(parse_chat(b"<html>"), ChatOutcome::Malformed));
    }
}
