//! Ollama's request bodies and answer shapes (the stream's objects are mapped in `stream.rs`).
//! Sans IO: it must not build requests or read the network.
//!
//! `POST /api/chat` takes `{model, messages: [{role, content, images?}], stream, options,
//! keep_alive}` (`images`: base64 strings);
//! `POST /api/generate` takes `{model, prompt, raw: true, stream, options, keep_alive}` (raw: the
//! prompt is already templated, Ollama applies no template). Sampler settings go inside
//! `options` under Ollama's own names (`num_predict`, `repeat_penalty`, `repeat_last_n`, …),
//! and `options.num_ctx` is always sent when the context size is known: without it Ollama runs
//! the model at its own default and silently drops the start of a longer prompt.

use serde_json::{json, Map, Value};

use crate::model::{ChatRequest, ModelInfo, StopReason, Usage};
use crate::provider::support::f32_value;

/// The `options` object: the request's samplers under Ollama's names, and `num_ctx`.
pub fn options(request: &ChatRequest) -> Value {
    let p = &request.params;
    let mut options = Map::new();
    let mut put = |name: &str, value: Option<Value>| {
        if let Some(value) = value {
            options.insert(name.into(), value);
        }
    };
    put("num_predict", p.max_tokens.map(Value::from));
    put("temperature", p.temperature.map(f32_value));
    put("top_p", p.top_p.map(f32_value));
    put("top_k", p.top_k.map(Value::from));
    put("min_p", p.min_p.map(f32_value));
    put("typical_p", p.typical_p.map(f32_value));
    put("repeat_penalty", p.repetition_penalty.map(f32_value));
    put("repeat_last_n", p.repetition_penalty_range.map(Value::from));
    put("presence_penalty", p.presence_penalty.map(f32_value));
    put("frequency_penalty", p.frequency_penalty.map(f32_value));
    put("seed", p.seed.map(Value::from));
    if !p.stop.is_empty() {
        put("stop", Some(json!(p.stop)));
    }
    put("num_ctx", context_size(request).map(Value::from));
    Value::Object(options)
}

/// The context size the request was fitted to: the prompt's (text completion), else the
/// messages' (chat).
pub fn context_size(request: &ChatRequest) -> Option<u32> {
    request
        .prompt
        .as_ref()
        .map(|p| p.context_size)
        .or(request.context_size)
        .filter(|&c| c > 0)
}

/// The body of `POST /api/chat`.
pub fn chat_body(request: &ChatRequest, keep_alive: Option<&str>) -> Value {
    let messages: Vec<Value> = request
        .messages
        .iter()
        .map(|m| {
            let mut message = json!({"role": m.role.as_str(), "content": m.text()});
            // Images as a list of plain base64 strings beside the text (no `data:` prefix).
            if m.has_images() {
                let images: Vec<String> = m.images().map(|image| image.base64()).collect();
                message["images"] = json!(images);
            }
            message
        })
        .collect();
    let mut body = json!({
        "model": request.model,
        "messages": messages,
        "stream": request.stream,
        "options": options(request),
    });
    if let Some(keep_alive) = keep_alive {
        body["keep_alive"] = keep_alive_value(keep_alive);
    }
    body
}

/// The body of `POST /api/generate` with `raw: true`.
pub fn generate_body(request: &ChatRequest, keep_alive: Option<&str>) -> Value {
    let prompt = request.prompt.as_ref().map_or("", |p| p.text.as_str());
    let mut body = json!({
        "model": request.model,
        "prompt": prompt,
        "raw": true,
        "stream": request.stream,
        "options": options(request),
    });
    if let Some(keep_alive) = keep_alive {
        body["keep_alive"] = keep_alive_value(keep_alive);
    }
    body
}

/// `keep_alive` as Ollama takes it: a number of seconds (`-1`: forever, `0`: unload at once) or
/// a duration string (`"5m"`, `"1h"`).
fn keep_alive_value(text: &str) -> Value {
    let text = text.trim();
    match text.parse::<i64>() {
        Ok(seconds) => Value::from(seconds),
        Err(_) => Value::from(text),
    }
}

/// One object of an answer, streamed or whole: its text, reasoning and, on the last one, why it
/// ended and the token counts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Chunk {
    /// `message.content` (chat) or `response` (generate).
    pub text: String,
    /// `message.thinking` (chat) or `thinking` (generate).
    pub thinking: String,
    /// The model the server names.
    pub model: Option<String>,
    /// `done: true`: the last object.
    pub done: bool,
    /// `done_reason` of the last object.
    pub reason: Option<StopReason>,
    /// `prompt_eval_count` and `eval_count` of the last object.
    pub usage: Option<Usage>,
}

/// An answer object; `None` when it is not one (no `done` field).
pub fn parse_chunk(value: &Value) -> Option<Chunk> {
    let done = value.get("done")?.as_bool()?;
    let str_at = |value: Option<&Value>| value.and_then(Value::as_str).unwrap_or("").to_string();
    let message = value.get("message");
    let (text, thinking) = match message {
        Some(message) => (
            str_at(message.get("content")),
            str_at(message.get("thinking")),
        ),
        None => (str_at(value.get("response")), str_at(value.get("thinking"))),
    };
    let count = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    };
    let usage = done.then(|| {
        let prompt = count("prompt_eval_count");
        let completion = count("eval_count");
        Usage {
            prompt_tokens: prompt,
            completion_tokens: completion,
            total_tokens: prompt.zip(completion).map(|(p, c)| p + c),
        }
    });
    Some(Chunk {
        text,
        thinking,
        model: value
            .get("model")
            .and_then(Value::as_str)
            .map(str::to_string),
        done,
        reason: done.then(|| {
            value
                .get("done_reason")
                .and_then(Value::as_str)
                .map_or(StopReason::Stop, StopReason::from_finish_reason)
        }),
        usage: usage.filter(|u| u.prompt_tokens.is_some() || u.completion_tokens.is_some()),
    })
}

/// `GET /api/tags`: `{"models": [{"name", "model", …}]}`.
pub fn parse_tags(body: &[u8]) -> Option<Vec<ModelInfo>> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let models = value.get("models")?.as_array()?;
    Some(
        models
            .iter()
            .filter_map(|m| {
                let id = m
                    .get("name")
                    .or_else(|| m.get("model"))?
                    .as_str()?
                    .to_string();
                Some(ModelInfo {
                    id,
                    name: None,
                    context_length: None,
                    price: None,
                })
            })
            .collect(),
    )
}

/// `GET /api/version`: `{"version": "0.5.1"}`.
pub fn parse_version(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    value.get("version")?.as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ChatMessage, GenParams, Role, TextPrompt};

    fn params() -> GenParams {
        GenParams {
            max_tokens: Some(120),
            temperature: Some(0.7),
            top_p: Some(0.9),
            top_k: Some(40),
            min_p: Some(0.05),
            repetition_penalty: Some(1.1),
            repetition_penalty_range: Some(64),
            typical_p: Some(1.0),
            presence_penalty: Some(0.5),
            frequency_penalty: Some(0.25),
            seed: Some(7),
            stop: vec!["\nUser:".into()],
            // Not an Ollama option (removed from its Options): never sent.
            tfs: Some(0.9),
            top_a: Some(0.1),
        }
    }

    #[test]
    fn chat_body_has_messages_options_and_num_ctx() {
        let request = ChatRequest {
            model: "llama3.2".into(),
            messages: vec![
                ChatMessage::new(Role::System, "be brief"),
                ChatMessage::new(Role::User, "hi"),
            ],
            params: params(),
            stream: true,
            context_size: Some(8192),
            ..ChatRequest::default()
        };
        assert_eq!(
            chat_body(&request, Some("-1")),
            json!({
                "model": "llama3.2",
                "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
                "stream": true,
                "options": {
                    "num_predict": 120, "temperature": 0.7, "top_p": 0.9, "top_k": 40, "min_p": 0.05,
                    "typical_p": 1.0, "repeat_penalty": 1.1, "repeat_last_n": 64,
                    "presence_penalty": 0.5, "frequency_penalty": 0.25, "seed": 7,
                    "stop": ["\nUser:"], "num_ctx": 8192
                },
                "keep_alive": -1
            })
        );
    }

    #[test]
    fn generate_body_is_raw_with_the_prompts_context() {
        let request = ChatRequest {
            model: "m".into(),
            prompt: Some(TextPrompt {
                text: "<|user|>hi<|assistant|>".into(),
                context_size: 4096,
            }),
            ..ChatRequest::default()
        };
        let body = generate_body(&request, Some("10m"));
        assert_eq!(
            body,
            json!({"model": "m", "prompt": "<|user|>hi<|assistant|>", "raw": true, "stream": false,
                   "options": {"num_ctx": 4096}, "keep_alive": "10m"})
        );
        assert!(generate_body(&request, None).get("keep_alive").is_none());
    }

    #[test]
    fn answers() {
        let last = json!({"model": "llama3.2", "created_at": "2023-08-04T19:22:45.499127Z",
            "message": {"role": "assistant", "content": ""}, "done": true, "done_reason": "length",
            "prompt_eval_count": 26, "eval_count": 282});
        let chunk = parse_chunk(&last).unwrap();
        assert!(chunk.done);
        assert_eq!(chunk.reason, Some(StopReason::Length));
        assert_eq!(chunk.usage.unwrap().total_tokens, Some(308));
        let thinking = json!({"model": "qwen3", "message": {"role": "assistant", "content": "", "thinking": "hm"}, "done": false});
        assert_eq!(parse_chunk(&thinking).unwrap().thinking, "hm");
        let generated = json!({"model": "m", "response": "The", "done": false});
        assert_eq!(parse_chunk(&generated).unwrap().text, "The");
        assert!(parse_chunk(&json!({"error": "x"})).is_none());
        assert_eq!(
            parse_tags(br#"{"models":[{"name":"llama3.2:latest","model":"llama3.2:latest"}]}"#)
                .unwrap()[0]
                .id,
            "llama3.2:latest"
        );
        assert_eq!(
            parse_version(br#"{"version":"0.5.1"}"#).as_deref(),
            Some("0.5.1")
        );
    }
}
