//! llama.cpp's native request body and answer shapes (the stream's events are mapped in
//! `stream.rs`). Sans IO: it must not build requests or read the network.
//!
//! Field names are the server's (`tools/server/README.md` in ggml-org/llama.cpp): `n_predict`
//! for the reply length, `repeat_penalty` and `repeat_last_n` for the repetition penalty and its
//! range, `cache_prompt` to reuse the evaluated prompt between requests.

use serde_json::{json, Map, Value};

use crate::model::{ChatRequest, ModelInfo, StopReason, Usage};
use crate::provider::contract::StreamEvent;
use crate::provider::server_error::ServerError;
use crate::provider::support::f32_value;

/// The body of `POST /completion`: the prompt, the samplers the request sets, `stream`, and
/// `cache_prompt: true` (the server keeps the evaluated prompt, so the next turn only reads
/// what is new).
pub fn completion_body(request: &ChatRequest) -> Value {
    let p = &request.params;
    let mut body = Map::new();
    let prompt = request.prompt.as_ref().map(|p| p.text.as_str());
    body.insert("prompt".into(), Value::from(prompt.unwrap_or("")));
    let mut put = |name: &str, value: Option<Value>| {
        if let Some(value) = value {
            body.insert(name.into(), value);
        }
    };
    put("n_predict", p.max_tokens.map(Value::from));
    put("temperature", p.temperature.map(f32_value));
    put("top_p", p.top_p.map(f32_value));
    put("top_k", p.top_k.map(Value::from));
    put("min_p", p.min_p.map(f32_value));
    put("typical_p", p.typical_p.map(f32_value));
    put("repeat_penalty", p.repetition_penalty.map(f32_value));
    put("repeat_last_n", p.repetition_penalty_range.map(Value::from));
    put("frequency_penalty", p.frequency_penalty.map(f32_value));
    put("presence_penalty", p.presence_penalty.map(f32_value));
    put("seed", p.seed.map(Value::from));
    if !p.stop.is_empty() {
        put("stop", Some(json!(p.stop)));
    }
    put("stream", Some(Value::Bool(request.stream)));
    put("cache_prompt", Some(Value::Bool(true)));
    Value::Object(body)
}

/// `GET /v1/models`: `{"data": [{"id": <the model file or alias>, "meta": {…}}]}`. The
/// context the server runs with is `/props`'s, not the model's training size in `meta`.
pub fn parse_models(body: &[u8]) -> Option<Vec<ModelInfo>> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let models = value
        .get("data")?
        .as_array()?
        .iter()
        .filter_map(|entry| {
            Some(ModelInfo {
                id: entry.get("id")?.as_str()?.to_string(),
                name: None,
                context_length: None,
                price: None,
            })
        })
        .collect();
    Some(models)
}

/// The end of a completion, from its last event (streamed) or its whole answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Ending {
    /// Why it ended.
    pub reason: StopReason,
    /// The prompt tokens the server kept when it cut an over-long prompt (`truncated: true`).
    pub cut_to: Option<u32>,
    /// Prompt and reply tokens.
    pub usage: Usage,
}

/// The end `value` describes, when it is the last one (`"stop": true`).
pub fn ending(value: &Value) -> Option<Ending> {
    if value.get("stop").and_then(Value::as_bool) != Some(true) {
        return None;
    }
    let count = |name: &str| {
        value
            .get(name)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    };
    let (prompt, reply) = (count("tokens_evaluated"), count("tokens_predicted"));
    let reason = match value.get("stop_type").and_then(Value::as_str) {
        Some("limit") => StopReason::Length,
        Some("eos" | "word") => StopReason::Stop,
        // Builds before `stop_type` said which with booleans.
        _ if value.get("stopped_limit").and_then(Value::as_bool) == Some(true) => {
            StopReason::Length
        }
        _ => StopReason::Stop,
    };
    let truncated = value.get("truncated").and_then(Value::as_bool) == Some(true);
    Some(Ending {
        reason,
        cut_to: truncated.then_some(prompt).flatten(),
        usage: Usage {
            prompt_tokens: prompt,
            completion_tokens: reply,
            total_tokens: prompt.zip(reply).map(|(p, r)| p + r),
        },
    })
}

/// What an ending tells before `Done`: the prompt cut (when it was), the usage; its reason.
pub fn ending_events(ending: Ending, out: &mut Vec<StreamEvent>) -> StopReason {
    if let Some(kept) = ending.cut_to {
        out.push(StreamEvent::PromptCut { kept_tokens: kept });
    }
    out.push(StreamEvent::Usage(ending.usage));
    ending.reason
}

/// What a whole answer of `POST /completion` turned into.
#[derive(Debug, PartialEq)]
pub enum Whole {
    /// The reply as events ending with `Done`.
    Events(Vec<StreamEvent>),
    /// A body with an error object.
    ServerError(ServerError),
    /// Not a completion.
    Malformed,
}

/// A whole answer: `{"content": …, "stop": true, "stop_type": …, "truncated": …}`.
pub fn parse_whole(body: &[u8]) -> Whole {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Whole::Malformed;
    };
    if let Some(error) = value.get("error").filter(|e| !e.is_null()) {
        return Whole::ServerError(ServerError::from_error_value(error));
    }
    let (Some(content), Some(end)) = (value.get("content").and_then(Value::as_str), ending(&value))
    else {
        return Whole::Malformed;
    };
    let mut events = Vec::new();
    if !content.is_empty() {
        events.push(StreamEvent::Delta(content.to_string()));
    }
    let reason = ending_events(end, &mut events);
    events.push(StreamEvent::Done(reason));
    Whole::Events(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{GenParams, TextPrompt};

    #[test]
    fn the_body_uses_the_servers_names_and_caches_the_prompt() {
        let request = ChatRequest {
            model: "m".into(),
            messages: Vec::new(),
            params: GenParams {
                max_tokens: Some(64),
                repetition_penalty: Some(1.1),
                repetition_penalty_range: Some(128),
                stop: vec!["\nUser:".into()],
                ..GenParams::default()
            },
            stream: true,
            prompt: Some(TextPrompt {
                text: "Once".into(),
                context_size: 2048,
            }),
            context_size: None,
        };
        assert_eq!(
            completion_body(&request),
            json!({"prompt": "Once", "n_predict": 64, "repeat_penalty": 1.1,
                   "repeat_last_n": 128, "stop": ["\nUser:"], "stream": true,
                   "cache_prompt": true})
        );
    }

    #[test]
    fn an_over_long_prompt_is_reported_with_what_was_kept() {
        let end = ending(
            &json!({"stop": true, "stop_type": "limit", "truncated": true,
                                  "tokens_evaluated": 1833, "tokens_predicted": 4}),
        )
        .unwrap();
        assert_eq!(end.reason, StopReason::Length);
        assert_eq!(end.cut_to, Some(1833));
        assert_eq!(end.usage.total_tokens, Some(1837));
        let not_cut = ending(&json!({"stop": true, "stop_type": "eos", "truncated": false}));
        assert_eq!(
            not_cut.map(|e| (e.reason, e.cut_to)),
            Some((StopReason::Stop, None))
        );
        assert_eq!(ending(&json!({"stop": false, "content": "x"})), None);
    }
}
