//! NovelAI's text API shapes: the generation body, models, answers and the subscription (the
//! stream's events are mapped in `stream.rs`). Sans IO: it must not build requests or read the
//! network.

use serde_json::{json, Map, Value};

use crate::model::{ChatRequest, ModelInfo};
use crate::provider::support::f32_value;

/// The text models, newest first: `(id, name, context size)`.
pub const MODELS: &[(&str, &str, u32)] = &[
    ("llama-3-erato-v1", "Llama 3 Erato", 8192),
    ("kayra-v1", "Kayra", 8192),
    ("clio-v1", "Clio", 8192),
];

/// The longest reply the API gives in one request.
pub const MAX_LENGTH: u32 = 250;

/// The fixed model list.
pub fn models() -> Vec<ModelInfo> {
    MODELS
        .iter()
        .map(|(id, name, context)| ModelInfo {
            id: (*id).to_string(),
            name: Some((*name).to_string()),
            context_length: Some(*context),
            price: None,
        })
        .collect()
}

/// What Erato's input starts with (its Llama 3 tokenizer's start of text).
const ERATO_PREFIX: &str = "<|startoftext|><|reserved_special_token81|>";

/// The body of `…/ai/generate` and `…/ai/generate-stream`. Stop strings are not sent: the API
/// wants them as token ids of its own tokenizers, so they are cut from the reply on this side.
pub fn generate_body(request: &ChatRequest) -> Value {
    let p = &request.params;
    let mut params = Map::new();
    params.insert("use_string".into(), Value::Bool(true));
    let mut put = |name: &str, value: Option<Value>| {
        if let Some(value) = value {
            params.insert(name.into(), value);
        }
    };
    put(
        "max_length",
        p.max_tokens.map(|l| Value::from(l.clamp(1, MAX_LENGTH))),
    );
    put("min_length", Some(Value::from(1)));
    put("temperature", p.temperature.map(f32_value));
    put("top_p", p.top_p.map(f32_value));
    put("top_k", p.top_k.map(Value::from));
    put("min_p", p.min_p.map(f32_value));
    put("top_a", p.top_a.map(f32_value));
    put("typical_p", p.typical_p.map(f32_value));
    put("tail_free_sampling", p.tfs.map(f32_value));
    put("repetition_penalty", p.repetition_penalty.map(f32_value));
    put(
        "repetition_penalty_range",
        p.repetition_penalty_range.map(Value::from),
    );
    put("generate_until_sentence", Some(Value::Bool(true)));
    put("use_cache", Some(Value::Bool(false)));
    put("return_full_text", Some(Value::Bool(false)));
    put("prefix", Some(Value::from("vanilla")));
    let text = request
        .prompt
        .as_ref()
        .map(|p| p.text.as_str())
        .unwrap_or("");
    let input = if request.model.contains("erato") && !text.starts_with(ERATO_PREFIX) {
        format!("{ERATO_PREFIX}{text}")
    } else {
        text.to_string()
    };
    json!({
        "input": input,
        "model": request.model,
        "parameters": Value::Object(params),
    })
}

/// The non-streamed answer: `{"output": …}`.
pub fn parse_output(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    value.get("output")?.as_str().map(str::to_string)
}

/// The subscription: `(tier, context tokens)`.
pub fn parse_subscription(body: &[u8]) -> Option<(u64, Option<u32>)> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let tier = value.get("tier")?.as_u64()?;
    let context = value
        .pointer("/perks/contextTokens")
        .and_then(Value::as_u64)
        .and_then(|c| u32::try_from(c).ok());
    Some((tier, context))
}

/// The name of a subscription tier.
pub fn tier_name(tier: u64) -> &'static str {
    match tier {
        0 => "Paper (free trial)",
        1 => "Tablet",
        2 => "Scroll",
        3 => "Opus",
        _ => "unknown tier",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{GenParams, TextPrompt};

    #[test]
    fn body_uses_novelai_names_and_no_stop_strings() {
        let request = ChatRequest {
            model: "kayra-v1".into(),
            params: GenParams {
                max_tokens: Some(1000),
                temperature: Some(1.1),
                tfs: Some(0.9),
                typical_p: Some(0.95),
                stop: vec!["\nUser:".into()],
                seed: Some(1),
                frequency_penalty: Some(0.3),
                ..GenParams::default()
            },
            prompt: Some(TextPrompt {
                text: "Once upon".into(),
                context_size: 8192,
            }),
            ..ChatRequest::default()
        };
        let body = generate_body(&request);
        assert_eq!(body["input"], "Once upon");
        assert_eq!(body["model"], "kayra-v1");
        let params = &body["parameters"];
        assert_eq!(params["use_string"], true);
        assert_eq!(params["max_length"], 250);
        assert_eq!(params["temperature"], json!(1.1));
        assert_eq!(params["tail_free_sampling"], json!(0.9));
        assert_eq!(params["typical_p"], json!(0.95));
        for absent in ["stop_sequences", "seed", "frequency_penalty", "top_k"] {
            assert!(params.get(absent).is_none(), "{absent}");
        }
        let erato = generate_body(&ChatRequest {
            model: "llama-3-erato-v1".into(),
            ..request
        });
        assert_eq!(
            erato["input"],
            "<|startoftext|><|reserved_special_token81|>Once upon"
        );
    }
}
