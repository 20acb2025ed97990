//! Wire types of the OpenAI-compatible family: the request body, the model list, the
//! non-streamed completion, and the error bodies the servers of this family send.
//!
//! Unknown fields are ignored everywhere; fields servers leave out or send as `null` are
//! optional.

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::flavor::Flavor;
use crate::error::ErrorKind;
use crate::model::{ChatRequest, ModelInfo, StopReason, Usage};
use crate::provider::StreamEvent;

/// The JSON body of `POST {base}/chat/completions` for `request` in `flavor`'s dialect.
/// Unset sampler fields and fields the flavor does not accept are left out.
pub fn chat_body(flavor: &Flavor, request: &ChatRequest) -> Value {
    let messages: Vec<Value> = request
        .messages
        .iter()
        .map(|m| {
            let mut message = json!({"role": m.role.as_str(), "content": m.content});
            if let Some(name) = &m.name {
                message["name"] = Value::from(name.as_str());
            }
            message
        })
        .collect();
    let mut body = Map::new();
    body.insert("model".into(), Value::from(request.model.as_str()));
    body.insert("messages".into(), Value::from(messages));
    let p = &request.params;
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            body.insert(key.to_string(), value);
        }
    };
    put(flavor.max_tokens_field, p.max_tokens.map(Value::from));
    put("temperature", p.temperature.map(Value::from));
    put("top_p", p.top_p.map(Value::from));
    put("frequency_penalty", p.frequency_penalty.map(Value::from));
    put("presence_penalty", p.presence_penalty.map(Value::from));
    put(flavor.seed_field, p.seed.map(Value::from));
    put(
        "top_k",
        p.top_k.filter(|_| flavor.params.top_k).map(Value::from),
    );
    put(
        "min_p",
        p.min_p.filter(|_| flavor.params.min_p).map(Value::from),
    );
    put(
        "repetition_penalty",
        p.repetition_penalty
            .filter(|_| flavor.params.repetition_penalty)
            .map(Value::from),
    );
    put(
        "stop",
        (!p.stop.is_empty()).then(|| Value::from(p.stop.clone())),
    );
    put("stream", Some(Value::from(request.stream)));
    put(
        "stream_options",
        (request.stream && flavor.stream_usage).then(|| json!({"include_usage": true})),
    );
    Value::Object(body)
}

#[derive(Deserialize)]
struct ModelList {
    #[serde(default)]
    data: Option<Vec<ModelEntry>>,
    /// Ollama's native `/api/tags` shape, which some proxies forward.
    #[serde(default)]
    models: Option<Vec<ModelEntry>>,
}

#[derive(Deserialize)]
struct ModelEntry {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    context_length: Option<u64>,
}

/// Parses a model list (`{"data":[{"id":…}]}`). `None` when the body is not a model list.
pub fn parse_models(body: &[u8]) -> Option<Vec<ModelInfo>> {
    let list: ModelList = serde_json::from_slice(body).ok()?;
    let entries = list.data.or(list.models)?;
    let mut models: Vec<ModelInfo> = entries
        .into_iter()
        .filter_map(|entry| {
            let id = entry.id.or_else(|| entry.name.clone())?;
            let name = entry.name.filter(|name| *name != id);
            Some(ModelInfo {
                id,
                name,
                context_length: entry.context_length.and_then(|n| u32::try_from(n).ok()),
            })
        })
        .collect();
    models.sort_by(|a, b| a.id.cmp(&b.id));
    models.dedup_by(|a, b| a.id == b.id);
    Some(models)
}

#[derive(Deserialize)]
pub(super) struct WireUsage {
    #[serde(default)]
    prompt_tokens: Option<u64>,
    #[serde(default)]
    completion_tokens: Option<u64>,
    #[serde(default)]
    total_tokens: Option<u64>,
}

impl WireUsage {
    pub(super) fn to_usage(&self) -> Usage {
        let narrow = |n: Option<u64>| n.and_then(|n| u32::try_from(n).ok());
        Usage {
            prompt_tokens: narrow(self.prompt_tokens),
            completion_tokens: narrow(self.completion_tokens),
            total_tokens: narrow(self.total_tokens),
        }
    }
}

#[derive(Deserialize)]
struct Completion {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    choices: Option<Vec<CompletionChoice>>,
    #[serde(default)]
    usage: Option<WireUsage>,
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Deserialize)]
struct CompletionChoice {
    #[serde(default)]
    message: Option<CompletionMessage>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct CompletionMessage {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    reasoning_content: Option<String>,
    #[serde(default)]
    reasoning: Option<String>,
}

/// What a non-streamed completion body turned into.
#[derive(Debug, PartialEq)]
pub enum CompletionOutcome {
    /// The reply as events ending with `Done`.
    Events(Vec<StreamEvent>),
    /// A 200 body that carried an error object.
    ServerError(ServerError),
    /// Not a completion.
    Malformed,
}

/// Parses a non-streamed `chat.completion` (or legacy `text_completion`) body.
pub fn parse_completion(body: &[u8]) -> CompletionOutcome {
    let Ok(completion) = serde_json::from_slice::<Completion>(body) else {
        return CompletionOutcome::Malformed;
    };
    if let Some(error) = completion.error.filter(|e| !e.is_null()) {
        return CompletionOutcome::ServerError(ServerError::from_error_value(&error));
    }
    let Some(choice) = completion.choices.and_then(|c| c.into_iter().next()) else {
        return CompletionOutcome::Malformed;
    };
    let mut events = Vec::new();
    if let Some(model) = completion.model {
        events.push(StreamEvent::Model(model));
    }
    let (content, reasoning) = match choice.message {
        Some(message) => (
            message.content,
            message.reasoning_content.or(message.reasoning),
        ),
        None => (None, None),
    };
    if let Some(reasoning) = reasoning.filter(|r| !r.is_empty()) {
        events.push(StreamEvent::Reasoning(reasoning));
    }
    if let Some(text) = content.or(choice.text).filter(|t| !t.is_empty()) {
        events.push(StreamEvent::Delta(text));
    }
    if let Some(usage) = completion.usage {
        events.push(StreamEvent::Usage(usage.to_usage()));
    }
    let reason = choice
        .finish_reason
        .as_deref()
        .map_or(StopReason::Stop, StopReason::from_finish_reason);
    events.push(StreamEvent::Done(reason));
    CompletionOutcome::Events(events)
}

/// What an error body said, whatever its shape.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerError {
    /// The server's message (may be empty).
    pub message: String,
    /// `error.code` or `error.type`, when given.
    pub code: Option<String>,
    /// A numeric code inside the body (OpenRouter puts the HTTP status there).
    pub numeric: Option<u16>,
}

impl ServerError {
    /// Reads the error bodies of this family: OpenAI `{"error":{message,type,code}}`, OpenRouter
    /// `{"error":{code,message,metadata}}`, Mistral `{"object":"error","message"}`, FastAPI
    /// `{"detail": "…" | [{msg}] | {msg}}` (llama.cpp, Ooba, KoboldCpp), KoboldAI's field map,
    /// HTML pages (their title) and plain text.
    pub fn from_body(body: &str) -> ServerError {
        let trimmed = body.trim();
        if let Ok(value) = serde_json::from_str::<Value>(trimmed) {
            if let Some(error) = value.get("error").filter(|e| !e.is_null()) {
                return ServerError::from_error_value(error);
            }
            let code = value
                .get("code")
                .filter(|c| !c.is_null())
                .or_else(|| value.get("type"))
                .and_then(value_to_code);
            if let Some(message) = value.get("message").and_then(Value::as_str) {
                return ServerError {
                    message: message.to_string(),
                    code,
                    numeric: None,
                };
            }
            if let Some(detail) = value.get("detail") {
                return ServerError {
                    message: detail_text(detail),
                    code: detail.get("type").and_then(value_to_code).or(code),
                    numeric: None,
                };
            }
            return ServerError {
                message: crate::error::truncate(trimmed, 300),
                code,
                numeric: None,
            };
        }
        if trimmed.starts_with('<') {
            return ServerError {
                message: html_summary(trimmed),
                ..ServerError::default()
            };
        }
        ServerError {
            message: crate::error::truncate(trimmed.lines().next().unwrap_or(""), 300),
            ..ServerError::default()
        }
    }

    /// Reads an `error` value: an object with `message`/`code`/`type`/`metadata`, or a string.
    pub fn from_error_value(error: &Value) -> ServerError {
        if let Some(text) = error.as_str() {
            return ServerError {
                message: text.to_string(),
                ..ServerError::default()
            };
        }
        let mut message = error
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if let Some(meta) = error.get("metadata") {
            let provider = meta.get("provider_name").and_then(Value::as_str);
            let raw = meta.get("raw").and_then(|raw| match raw {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            });
            match (provider, raw) {
                (Some(p), Some(r)) => {
                    message = format!("{message} ({p}: {})", crate::error::truncate(&r, 300))
                }
                (None, Some(r)) => {
                    message = format!("{message} ({})", crate::error::truncate(&r, 300))
                }
                _ => {}
            }
        }
        let numeric = error
            .get("code")
            .and_then(Value::as_u64)
            .and_then(|n| u16::try_from(n).ok());
        let code = error
            .get("code")
            .filter(|c| c.is_string())
            .or_else(|| error.get("type"))
            .and_then(value_to_code);
        ServerError {
            message,
            code,
            numeric,
        }
    }

    /// The kind of failure for an HTTP error response with this body.
    pub fn kind_for_status(&self, status: u16) -> ErrorKind {
        let code = self.code.as_deref().unwrap_or("");
        let message = self.message.to_ascii_lowercase();
        let about_model = message.contains("model")
            && [
                "not found",
                "does not exist",
                "not exist",
                "unknown",
                "no such",
            ]
            .iter()
            .any(|phrase| message.contains(phrase));
        if code == "model_not_found" || (matches!(status, 400 | 404) && about_model) {
            return ErrorKind::ModelNotFound;
        }
        if code == "insufficient_quota" {
            return ErrorKind::RateLimited;
        }
        ErrorKind::from_status(status)
    }

    /// The kind of failure for an error that arrived inside a 200 stream.
    pub fn kind_in_stream(&self) -> ErrorKind {
        if let Some(status) = self.numeric.filter(|n| (400..600).contains(n)) {
            return self.kind_for_status(status);
        }
        match self.code.as_deref() {
            Some("invalid_request_error") => ErrorKind::InvalidRequest,
            Some("rate_limit_exceeded" | "rate_limit_error" | "insufficient_quota") => {
                ErrorKind::RateLimited
            }
            Some("authentication_error" | "invalid_api_key") => ErrorKind::Auth,
            _ => ErrorKind::ProviderUnavailable,
        }
    }
}

fn value_to_code(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// FastAPI/KoboldAI `detail`: a string, `{msg}`, `[{loc, msg}]`, or `{field: [msg]}`.
fn detail_text(detail: &Value) -> String {
    match detail {
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|item| {
                let msg = item.get("msg").and_then(Value::as_str).unwrap_or("");
                match item.get("loc").and_then(Value::as_array) {
                    Some(loc) => {
                        let path: Vec<String> = loc
                            .iter()
                            .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_string))
                            .collect();
                        format!("{}: {msg}", path.join("."))
                    }
                    None => msg.to_string(),
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
        Value::Object(map) => {
            if let Some(msg) = map.get("msg").and_then(Value::as_str) {
                return msg.to_string();
            }
            map.iter()
                .map(|(field, msgs)| match msgs {
                    Value::Array(list) => format!(
                        "{field}: {}",
                        list.iter()
                            .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_string))
                            .collect::<Vec<_>>()
                            .join(" ")
                    ),
                    other => format!(
                        "{field}: {}",
                        other
                            .as_str()
                            .map_or_else(|| other.to_string(), str::to_string)
                    ),
                })
                .collect::<Vec<_>>()
                .join("; ")
        }
        other => other.to_string(),
    }
}

/// The `<title>` (or first `<h1>`) of an HTML error page, else its text without tags.
fn html_summary(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    for tag in ["title", "h1"] {
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        if let (Some(start), Some(end)) = (lower.find(&open), lower.find(&close)) {
            let start = start + open.len();
            if start <= end {
                let text = html[start..end].trim();
                if !text.is_empty() {
                    return text.to_string();
                }
            }
        }
    }
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    crate::error::truncate(&text.split_whitespace().collect::<Vec<_>>().join(" "), 200)
}

#[cfg(test)]
mod tests {
    use super::super::flavor;
    use super::*;
    use crate::model::{ChatMessage, GenParams, Role};

    fn request(params: GenParams, stream: bool) -> ChatRequest {
        ChatRequest {
            model: "m".into(),
            messages: vec![
                ChatMessage::new(Role::System, "be brief"),
                ChatMessage::new(Role::User, "hi"),
            ],
            params,
            stream,
        }
    }

    fn all_params() -> GenParams {
        GenParams {
            max_tokens: Some(10),
            temperature: Some(0.5),
            top_p: Some(0.9),
            top_k: Some(40),
            min_p: Some(0.05),
            frequency_penalty: Some(0.1),
            presence_penalty: Some(0.2),
            repetition_penalty: Some(1.1),
            seed: Some(7),
            stop: vec!["\nUser:".into()],
        }
    }

    #[test]
    fn chat_body_leaves_out_unset_fields() {
        let body = chat_body(&flavor::CUSTOM, &request(GenParams::default(), false));
        assert_eq!(
            body,
            json!({"model":"m","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}],"stream":false})
        );
    }

    #[test]
    fn chat_body_per_flavor_names_and_allow_lists() {
        let openai = chat_body(&flavor::OPENAI, &request(all_params(), true));
        assert_eq!(openai["max_completion_tokens"], 10);
        assert!(openai.get("max_tokens").is_none());
        assert!(openai.get("top_k").is_none() && openai.get("min_p").is_none());
        assert!(openai.get("repetition_penalty").is_none());
        assert_eq!(openai["seed"], 7);
        assert_eq!(openai["stream_options"], json!({"include_usage": true}));
        assert_eq!(openai["stop"], json!(["\nUser:"]));

        let mistral = chat_body(&flavor::MISTRAL, &request(all_params(), true));
        assert_eq!(mistral["random_seed"], 7);
        assert!(mistral.get("seed").is_none());
        assert_eq!(mistral["max_tokens"], 10);
        assert!(mistral.get("stream_options").is_none());

        let custom = chat_body(&flavor::CUSTOM, &request(all_params(), false));
        assert_eq!(custom["top_k"], 40);
        assert_eq!(custom["repetition_penalty"], json!(1.1f32));
        assert!(
            custom.get("stream_options").is_none(),
            "only when streaming"
        );
    }

    #[test]
    fn parse_models_shapes() {
        let models = parse_models(
            br#"{"object":"list","data":[{"id":"b"},{"id":"a","context_length":8192}]}"#,
        )
        .unwrap();
        assert_eq!(
            models.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(models[0].context_length, Some(8192));
        assert_eq!(
            parse_models(br#"{"object":"list","data":[]}"#),
            Some(vec![])
        );
        assert_eq!(
            parse_models(br#"{"models":[{"name":"llama3:8b"}]}"#).unwrap()[0].id,
            "llama3:8b"
        );
        assert_eq!(parse_models(b"<html>"), None);
        assert_eq!(parse_models(br#"{"detail":"x"}"#), None);
    }

    #[test]
    fn parse_completion_reads_content_reasoning_usage() {
        let body = br#"{"id":"x","object":"chat.completion","model":"m1","choices":[{"index":0,"message":{"role":"assistant","content":"4","reasoning_content":"add"},"finish_reason":"length"}],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}"#;
        assert_eq!(
            parse_completion(body),
            CompletionOutcome::Events(vec![
                StreamEvent::Model("m1".into()),
                StreamEvent::Reasoning("add".into()),
                StreamEvent::Delta("4".into()),
                StreamEvent::Usage(Usage {
                    prompt_tokens: Some(9),
                    completion_tokens: Some(3),
                    total_tokens: Some(12)
                }),
                StreamEvent::Done(StopReason::Length),
            ])
        );
        let text = br#"{"choices":[{"text":"on, fod","finish_reason":"stop"}]}"#;
        assert_eq!(
            parse_completion(text),
            CompletionOutcome::Events(vec![
                StreamEvent::Delta("on, fod".into()),
                StreamEvent::Done(StopReason::Stop)
            ])
        );
        assert_eq!(parse_completion(b"{}"), CompletionOutcome::Malformed);
        assert_eq!(parse_completion(b"nope"), CompletionOutcome::Malformed);
        assert!(matches!(
            parse_completion(br#"{"error":{"message":"boom","type":"server_error"}}"#),
            CompletionOutcome::ServerError(ServerError { ref message, .. }) if message == "boom"
        ));
    }

    #[test]
    fn server_error_from_every_body_shape() {
        let table: &[(&str, &str, Option<&str>)] = &[
            (r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#, "Incorrect API key provided", Some("invalid_api_key")),
            (r#"{"error":{"code":402,"message":"Insufficient credits"}}"#, "Insufficient credits", None),
            (r#"{"error":{"message":"Provider returned error","code":400,"metadata":{"raw":"bad role","provider_name":"Mistral"}}}"#, "Provider returned error (Mistral: bad role)", None),
            (r#"{"object":"error","message":"Expected last role User","type":"invalid_request_error","param":null,"code":null}"#, "Expected last role User", Some("invalid_request_error")),
            (r#"{"detail":"Invalid API key"}"#, "Invalid API key", None),
            (r#"{"detail":{"error":"Unauthorized","msg":"Authentication key is missing or invalid.","type":"unauthorized"}}"#, "Authentication key is missing or invalid.", Some("unauthorized")),
            (r#"{"detail":[{"loc":["body","messages"],"msg":"field required","type":"value_error.missing"}]}"#, "body.messages: field required", None),
            (r#"{"detail":{"top_p":["Must be between 0 and 1."]}}"#, "top_p: Must be between 0 and 1.", None),
            (r#"{"error":"plain string"}"#, "plain string", None),
            ("<html>\r\n<head><title>500 Internal Server Error</title></head><body>x</body></html>", "500 Internal Server Error", None),
            ("<html><body><h1>Bad Gateway</h1></body></html>", "Bad Gateway", None),
            ("Internal Server Error", "Internal Server Error", None),
            ("", "", None),
        ];
        for (body, message, code) in table {
            let err = ServerError::from_body(body);
            assert_eq!(err.message, *message, "body {body}");
            assert_eq!(err.code.as_deref(), *code, "body {body}");
        }
    }

    #[test]
    fn error_kinds_from_status_and_body() {
        let model = ServerError::from_body(
            r#"{"error":{"message":"The model `x` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}"#,
        );
        assert_eq!(model.kind_for_status(404), ErrorKind::ModelNotFound);
        let route = ServerError::from_body(r#"{"detail":"Not Found"}"#);
        assert_eq!(route.kind_for_status(404), ErrorKind::InvalidRequest);
        let ollama = ServerError::from_body(
            r#"{"error":{"message":"model \"llama9\" not found, try pulling it first","type":"api_error"}}"#,
        );
        assert_eq!(ollama.kind_for_status(404), ErrorKind::ModelNotFound);
        let quota = ServerError::from_body(
            r#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#,
        );
        assert_eq!(quota.kind_for_status(429), ErrorKind::RateLimited);
        assert_eq!(ServerError::default().kind_for_status(401), ErrorKind::Auth);
        assert_eq!(
            ServerError::default().kind_for_status(503),
            ErrorKind::ProviderUnavailable
        );

        let openrouter = ServerError::from_error_value(
            &json!({"code":502,"message":"Network connection lost."}),
        );
        assert_eq!(openrouter.kind_in_stream(), ErrorKind::ProviderUnavailable);
        let limited = ServerError::from_error_value(&json!({"code":429,"message":"slow"}));
        assert_eq!(limited.kind_in_stream(), ErrorKind::RateLimited);
        let openai = ServerError::from_error_value(
            &json!({"message":"The server had an error","type":"server_error"}),
        );
        assert_eq!(openai.kind_in_stream(), ErrorKind::ProviderUnavailable);
    }
}
