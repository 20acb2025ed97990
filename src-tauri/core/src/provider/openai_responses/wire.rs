//! OpenAI's Responses API on the wire: the request body of `POST /v1/responses`, and a whole
//! (non-streamed) response object read as events. The stream's named events are mapped in
//! `stream.rs`.
//!
//! Sans-IO: JSON in, JSON or events out; it must not build requests or read the network.

use serde_json::{json, Map, Value};

use crate::catalogue::openai_models::is_reasoning_model;
use crate::model::{ChatMessage, ChatRequest, ModelInfo, ProviderData, Role, StopReason, Usage};
use crate::prompt;
use crate::provider::contract::StreamEvent;
use crate::provider::server_error::ServerError;
use crate::provider::support::f32_value;

/// This family's name for the [`crate::model::ProviderData`] it reads back: the reasoning
/// items (with their `encrypted_content`) of a reply, sent back before it.
pub const FAMILY: &str = "openai_responses";

/// What a reasoning model is asked to include: its reasoning, encrypted, to be sent back with
/// the reply in later requests (nothing is stored on OpenAI's side: `store` is `false`).
const INCLUDE_REASONING: &str = "reasoning.encrypted_content";

/// A message's text, its author's name before it (the Responses API has no `name`).
fn named_text(message: &ChatMessage) -> String {
    let text = message.text();
    match message.name.as_deref().filter(|n| !n.is_empty()) {
        Some(name) => format!("{name}: {text}"),
        None => text.into_owned(),
    }
}

/// The leading system text apart (as `instructions`), then the rest as input items: each
/// message `{"role", "content": [{"type": "input_text"|"output_text", "text"}]}` (the reply's
/// own words as `output_text`), empty ones left out, a reply's kept reasoning items before it.
pub fn input_items(messages: &[ChatMessage]) -> (Option<String>, Vec<Value>) {
    let mut rest = messages.iter().peekable();
    let mut system: Vec<String> = Vec::new();
    while let Some(message) = rest.next_if(|m| m.role == Role::System) {
        let text = message.text();
        if !text.is_empty() {
            system.push(text.into_owned());
        }
    }
    let mut items = Vec::new();
    for message in rest {
        if let Some(Value::Array(kept)) = message.provider_data_for(FAMILY) {
            if message.role == Role::Assistant {
                items.extend(kept.iter().cloned());
            }
        }
        let text = named_text(message);
        if text.is_empty() && !message.has_images() {
            continue;
        }
        let part = if message.role == Role::Assistant {
            "output_text"
        } else {
            "input_text"
        };
        let mut content = Vec::new();
        if !text.is_empty() {
            content.push(json!({"type": part, "text": text}));
        }
        // An image as `input_image` with its `data:` URL as `image_url` (a string here, not
        // Chat Completions' object).
        content.extend(
            message
                .images()
                .map(|image| json!({"type": "input_image", "image_url": image.data_url()})),
        );
        items.push(json!({
            "role": message.role.as_str(),
            "content": content,
        }));
    }
    if items.is_empty() {
        items.push(json!({
            "role": "user",
            "content": [{"type": "input_text", "text": prompt::DEFAULT_PLACEHOLDER}],
        }));
    }
    let instructions = (!system.is_empty()).then(|| system.join("\n\n"));
    (instructions, items)
}

/// The JSON body of `POST {base}/responses`: `model`, `instructions`, `input`,
/// `max_output_tokens`, `temperature`, `top_p`, for a reasoning model `reasoning: {summary:
/// "auto"}` with its encrypted reasoning included, `store: false` and `stream`. The other
/// samplers (penalties, seed, stop strings) are not fields of this API and are never sent.
pub fn responses_body(request: &ChatRequest) -> Value {
    let (instructions, input) = input_items(&request.messages);
    let params = &request.params;
    let mut body = Map::new();
    body.insert("model".into(), json!(request.model));
    if let Some(instructions) = instructions {
        body.insert("instructions".into(), json!(instructions));
    }
    body.insert("input".into(), Value::Array(input));
    if let Some(max) = params.max_tokens {
        body.insert("max_output_tokens".into(), json!(max));
    }
    if let Some(t) = params.temperature {
        body.insert("temperature".into(), f32_value(t));
    }
    if let Some(p) = params.top_p {
        body.insert("top_p".into(), f32_value(p));
    }
    if is_reasoning_model(&request.model) {
        body.insert("reasoning".into(), json!({"summary": "auto"}));
        body.insert("include".into(), json!([INCLUDE_REASONING]));
    }
    body.insert("store".into(), json!(false));
    body.insert("stream".into(), json!(request.stream));
    Value::Object(body)
}

/// The token counts of a response's `usage` (`input_tokens`, `output_tokens` — reasoning
/// tokens, `output_tokens_details.reasoning_tokens`, are part of it — and `total_tokens`).
pub fn usage(value: &Value) -> Option<Usage> {
    let count = |field: &str| {
        value
            .get(field)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    };
    let usage = Usage {
        prompt_tokens: count("input_tokens"),
        completion_tokens: count("output_tokens"),
        total_tokens: count("total_tokens"),
    };
    let any = usage.prompt_tokens.is_some() || usage.completion_tokens.is_some();
    any.then_some(usage)
}

/// The stop reason of an incomplete response, from `incomplete_details.reason`.
pub fn incomplete_reason(response: &Value) -> StopReason {
    match response
        .get("incomplete_details")
        .and_then(|d| d.get("reason"))
        .and_then(Value::as_str)
    {
        Some("max_output_tokens") => StopReason::Length,
        Some("content_filter") => StopReason::ContentFilter,
        _ => StopReason::Other,
    }
}

/// The error of a failed response (`response.error`: `{code, message}`).
pub fn response_error(response: &Value) -> ServerError {
    match response.get("error").filter(|e| !e.is_null()) {
        Some(error) => ServerError::from_error_value(error),
        None => ServerError {
            message: "the response failed".into(),
            ..ServerError::default()
        },
    }
}

/// The reasoning items of a reply worth sending back: those that carry `encrypted_content`.
pub fn kept_reasoning(items: Vec<Value>) -> Option<StreamEvent> {
    let kept: Vec<Value> = items
        .into_iter()
        .filter(|item| {
            item.get("type").and_then(Value::as_str) == Some("reasoning")
                && item
                    .get("encrypted_content")
                    .and_then(Value::as_str)
                    .is_some_and(|c| !c.is_empty())
        })
        .map(|mut item| {
            // `status` is an output field the API refuses in input.
            if let Some(fields) = item.as_object_mut() {
                fields.remove("status");
            }
            item
        })
        .collect();
    (!kept.is_empty()).then(|| {
        StreamEvent::ProviderData(ProviderData {
            family: FAMILY.into(),
            value: Value::Array(kept),
        })
    })
}

/// The model ids of `GET {base}/models` (`{"object":"list","data":[{"id",…}]}`).
pub fn parse_models(body: &[u8]) -> Option<Vec<ModelInfo>> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let data = value.get("data")?.as_array()?;
    Some(
        data.iter()
            .filter_map(|m| m.get("id")?.as_str())
            .map(|id| ModelInfo {
                id: id.to_string(),
                name: None,
                context_length: None,
                price: None,
            })
            .collect(),
    )
}

/// What a non-streamed answer held.
pub enum ResponseOutcome {
    /// The reply as events, ending with `Done`.
    Events(Vec<StreamEvent>),
    /// A failed response, or an error object in a 200 answer.
    ServerError(ServerError),
    /// Not a response object.
    Malformed,
}

/// The events of a finished response object: the model, reasoning summaries as reasoning,
/// `output_text` parts as text (the SDKs' `output_text` when there are no items), usage, kept
/// reasoning, then `Done` (`completed`: stop; `incomplete`: from its details).
pub fn response_events(response: &Value) -> ResponseOutcome {
    if response.get("object").and_then(Value::as_str) != Some("response") {
        if response.get("error").is_some_and(|e| !e.is_null()) {
            return ResponseOutcome::ServerError(response_error(response));
        }
        return ResponseOutcome::Malformed;
    }
    let status = response.get("status").and_then(Value::as_str);
    if status == Some("failed") {
        return ResponseOutcome::ServerError(response_error(response));
    }
    let mut events = Vec::new();
    if let Some(model) = response.get("model").and_then(Value::as_str) {
        events.push(StreamEvent::Model(model.to_string()));
    }
    let output = response
        .get("output")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut text_seen = false;
    for item in &output {
        match item.get("type").and_then(Value::as_str) {
            Some("reasoning") => {
                let summary = item.get("summary").and_then(Value::as_array);
                for part in summary.into_iter().flatten() {
                    if let Some(text) = part.get("text").and_then(Value::as_str) {
                        events.push(StreamEvent::Reasoning(text.to_string()));
                    }
                }
            }
            Some("message") => {
                let content = item.get("content").and_then(Value::as_array);
                for part in content.into_iter().flatten() {
                    if part.get("type").and_then(Value::as_str) == Some("output_text") {
                        if let Some(text) = part.get("text").and_then(Value::as_str) {
                            text_seen = true;
                            events.push(StreamEvent::Delta(text.to_string()));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if !text_seen {
        if let Some(text) = response.get("output_text").and_then(Value::as_str) {
            events.push(StreamEvent::Delta(text.to_string()));
        }
    }
    if let Some(usage) = response.get("usage").and_then(usage) {
        events.push(StreamEvent::Usage(usage));
    }
    events.extend(kept_reasoning(output));
    let reason = match status {
        Some("incomplete") => incomplete_reason(response),
        _ => StopReason::Stop,
    };
    events.push(StreamEvent::Done(reason));
    ResponseOutcome::Events(events)
}

/// Reads a non-streamed answer: a response object, or an error.
pub fn parse_response(body: &[u8]) -> ResponseOutcome {
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => response_events(&value),
        Err(_) => ResponseOutcome::Malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::GenParams;

    fn request(model: &str, messages: Vec<ChatMessage>) -> ChatRequest {
        ChatRequest {
            model: model.into(),
            messages,
            params: GenParams::default(),
            stream: true,
            prompt: None,
            ..ChatRequest::default()
        }
    }

    #[test]
    fn system_text_is_the_instructions_and_turns_are_typed_parts() {
        let mut named = ChatMessage::new(Role::User, "Hi");
        named.name = Some("Ann".into());
        let mut req = request(
            "gpt-4o",
            vec![
                ChatMessage::new(Role::System, "Be brief."),
                named,
                ChatMessage::new(Role::Assistant, "Hello!"),
                ChatMessage::new(Role::Assistant, ""),
                ChatMessage::new(Role::System, "[note]"),
                ChatMessage::new(Role::User, "Again"),
            ],
        );
        req.params.max_tokens = Some(300);
        req.params.temperature = Some(0.7);
        req.params.top_p = Some(0.9);
        req.params.seed = Some(3);
        req.params.frequency_penalty = Some(0.5);
        req.params.stop = vec!["\nUser:".into()];
        let body = responses_body(&req);
        assert_eq!(
            body,
            json!({
                "model": "gpt-4o",
                "instructions": "Be brief.",
                "input": [
                    {"role": "user", "content": [{"type": "input_text", "text": "Ann: Hi"}]},
                    {"role": "assistant", "content": [{"type": "output_text", "text": "Hello!"}]},
                    {"role": "system", "content": [{"type": "input_text", "text": "[note]"}]},
                    {"role": "user", "content": [{"type": "input_text", "text": "Again"}]},
                ],
                "max_output_tokens": 300,
                "temperature": 0.7,
                "top_p": 0.9,
                "store": false,
                "stream": true,
            })
        );
    }

    #[test]
    fn a_reasoning_model_asks_for_summaries_and_gets_its_reasoning_back() {
        let reasoning =
            json!({"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "gAAA"});
        let mut reply = ChatMessage::new(Role::Assistant, "Hello!");
        reply.provider_data = Some(ProviderData {
            family: FAMILY.into(),
            value: json!([reasoning]),
        });
        let mut other = ChatMessage::new(Role::User, "Hi");
        other.provider_data = Some(ProviderData {
            family: "anthropic".into(),
            value: json!([{"type": "thinking"}]),
        });
        let body = responses_body(&request("gpt-5-codex", vec![other, reply]));
        assert_eq!(body["reasoning"], json!({"summary": "auto"}));
        assert_eq!(body["include"], json!(["reasoning.encrypted_content"]));
        assert_eq!(body["input"][1], reasoning);
        assert_eq!(body["input"].as_array().map(Vec::len), Some(3));
        assert!(body.get("instructions").is_none());
        let empty = responses_body(&request("gpt-4o", Vec::new()));
        assert_eq!(empty["input"][0]["role"], "user");
        assert!(empty.get("reasoning").is_none());
    }

    #[test]
    fn a_whole_response_reads_as_events() {
        let body = br#"{"id":"resp_1","object":"response","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"model":"gpt-5-codex","output":[{"id":"rs_1","type":"reasoning","status":"completed","summary":[{"type":"summary_text","text":"Plan."}],"encrypted_content":"gAAA"},{"id":"msg_1","type":"message","status":"incomplete","role":"assistant","content":[{"type":"output_text","text":"Hi","annotations":[]}]}],"usage":{"input_tokens":5,"output_tokens":7,"output_tokens_details":{"reasoning_tokens":4},"total_tokens":12}}"#;
        let ResponseOutcome::Events(events) = parse_response(body) else {
            panic!("not read");
        };
        assert_eq!(
            events,
            vec![
                StreamEvent::Model("gpt-5-codex".into()),
                StreamEvent::Reasoning("Plan.".into()),
                StreamEvent::Delta("Hi".into()),
                StreamEvent::Usage(Usage {
                    prompt_tokens: Some(5),
                    completion_tokens: Some(7),
                    total_tokens: Some(12),
                }),
                StreamEvent::ProviderData(ProviderData {
                    family: FAMILY.into(),
                    value: json!([{"id":"rs_1","type":"reasoning","summary":[{"type":"summary_text","text":"Plan."}],"encrypted_content":"gAAA"}]),
                }),
                StreamEvent::Done(StopReason::Length),
            ]
        );
        let failed = br#"{"object":"response","status":"failed","error":{"code":"server_error","message":"The model failed to generate a response."}}"#;
        assert!(matches!(parse_response(failed),
            ResponseOutcome::ServerError(e) if e.message == "The model failed to generate a response."));
        assert!(matches!(
            parse_response(b"<html>"),
            ResponseOutcome::Malformed
        ));
        let filtered = br#"{"object":"response","status":"incomplete","incomplete_details":{"reason":"content_filter"},"output":[],"output_text":"x"}"#;
        let ResponseOutcome::Events(events) = parse_response(filtered) else {
            panic!("not read");
        };
        assert_eq!(
            events,
            vec![
                StreamEvent::Delta("x".into()),
                StreamEvent::Done(StopReason::ContentFilter)
            ]
        );
    }
}
