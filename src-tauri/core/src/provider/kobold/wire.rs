//! KoboldAI's request body and answer shapes (the stream's events are mapped in `stream.rs`).
//! Sans IO: it must not build requests or read the network.

use serde_json::{json, Map, Value};

use crate::model::{ChatRequest, StopReason};
use crate::provider::support::f32_value;

/// The body of `…/v1/generate` and `…/extra/generate/stream`. Only the fields the request sets
/// are sent (KoboldCpp also gets `min_p`, `trim_stop` and the `genkey` that names the generation
/// for `…/extra/abort`).
pub fn generate_body(request: &ChatRequest, koboldcpp: bool, genkey: Option<&str>) -> Value {
    let p = &request.params;
    let mut body = Map::new();
    let prompt = request.prompt.as_ref();
    body.insert(
        "prompt".into(),
        Value::from(prompt.map(|p| p.text.as_str()).unwrap_or("")),
    );
    if let Some(context) = prompt.map(|p| p.context_size).filter(|&c| c > 0) {
        body.insert("max_context_length".into(), context.into());
    }
    let mut put = |name: &str, value: Option<Value>| {
        if let Some(value) = value {
            body.insert(name.into(), value);
        }
    };
    put("max_length", p.max_tokens.map(Value::from));
    put("temperature", p.temperature.map(f32_value));
    put("top_p", p.top_p.map(f32_value));
    put("top_k", p.top_k.map(Value::from));
    put("min_p", p.min_p.filter(|_| koboldcpp).map(f32_value));
    put("rep_pen", p.repetition_penalty.map(f32_value));
    put("rep_pen_range", p.repetition_penalty_range.map(Value::from));
    put("typical", p.typical_p.map(f32_value));
    put("tfs", p.tfs.map(f32_value));
    put("top_a", p.top_a.map(f32_value));
    put("sampler_seed", p.seed.map(Value::from));
    if !p.stop.is_empty() {
        put("stop_sequence", Some(json!(p.stop)));
    }
    if koboldcpp {
        put("trim_stop", Some(Value::Bool(true)));
        put("genkey", genkey.map(Value::from));
    }
    Value::Object(body)
}

/// `{"result": "…"}` (model name, API version).
pub fn parse_result(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    value.get("result")?.as_str().map(str::to_string)
}

/// `{"value": n}` (context sizes, token counts).
pub fn parse_value(body: &[u8]) -> Option<u64> {
    let value: Value = serde_json::from_slice(body).ok()?;
    value.get("value")?.as_u64()
}

/// KoboldCpp's `…/extra/version`: the version and whether a password is set.
pub fn parse_extra_version(body: &[u8]) -> Option<(String, bool)> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let version = value.get("version")?.as_str()?.to_string();
    let protected = value.get("protected").is_some_and(truthy);
    Some((version, protected))
}

/// KoboldCpp writes some booleans as the strings `"true"`/`"false"`.
fn truthy(value: &Value) -> bool {
    value
        .as_bool()
        .unwrap_or_else(|| value.as_str() == Some("true"))
}

/// A finish reason, where one is given (`null` and KoboldCpp 1.76's string `"null"` are none).
pub(crate) fn finish_reason(value: Option<&Value>) -> Option<StopReason> {
    match value?.as_str()? {
        "" | "null" => None,
        reason => Some(StopReason::from_finish_reason(reason)),
    }
}

/// The answer of `…/v1/generate`: `{"results": [{"text": …, "finish_reason"?: …}]}`.
pub fn parse_generate(body: &[u8]) -> Option<(String, StopReason)> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let first = value.get("results")?.as_array()?.first()?;
    let text = first.get("text")?.as_str()?.to_string();
    // United gives no reason: the reply is complete.
    let reason = finish_reason(first.get("finish_reason")).unwrap_or(StopReason::Stop);
    Some((text, reason))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{GenParams, TextPrompt};

    fn request(params: GenParams) -> ChatRequest {
        ChatRequest {
            model: "m".into(),
            params,
            prompt: Some(TextPrompt {
                text: "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n".into(),
                context_size: 8192,
            }),
            ..ChatRequest::default()
        }
    }

    #[test]
    fn unset_fields_are_not_sent() {
        let body = generate_body(&request(GenParams::default()), false, None);
        let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["max_context_length", "prompt"]);
    }

    #[test]
    fn every_sampler_under_kobold_names() {
        let params = GenParams {
            max_tokens: Some(120),
            temperature: Some(0.7),
            top_p: Some(0.9),
            top_k: Some(40),
            min_p: Some(0.05),
            repetition_penalty: Some(1.1),
            repetition_penalty_range: Some(320),
            typical_p: Some(1.0),
            tfs: Some(0.95),
            top_a: Some(0.0),
            seed: Some(7),
            stop: vec!["<|im_end|>".into()],
            // Not KoboldAI fields: never sent.
            frequency_penalty: Some(0.5),
            presence_penalty: Some(0.5),
        };
        let united = generate_body(&request(params.clone()), false, Some("k"));
        assert_eq!(
            united,
            json!({
                "prompt": "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                "max_context_length": 8192, "max_length": 120, "temperature": 0.7, "top_p": 0.9,
                "top_k": 40, "rep_pen": 1.1, "rep_pen_range": 320, "typical": 1.0, "tfs": 0.95,
                "top_a": 0.0, "sampler_seed": 7, "stop_sequence": ["<|im_end|>"]
            })
        );
        let cpp = generate_body(&request(params), true, Some("KCPP1"));
        assert_eq!(cpp["min_p"], json!(0.05));
        assert_eq!(cpp["trim_stop"], json!(true));
        assert_eq!(cpp["genkey"], json!("KCPP1"));
    }

    #[test]
    fn answers() {
        assert_eq!(
            parse_result(br#"{"result": "koboldcpp/M"}"#).as_deref(),
            Some("koboldcpp/M")
        );
        assert_eq!(parse_value(br#"{"value": 8192}"#), Some(8192));
        assert_eq!(
            parse_extra_version(
                br#"{"result": "KoboldCpp", "version": "1.76", "protected": false}"#
            ),
            Some(("1.76".into(), false))
        );
        assert_eq!(
            parse_generate(br#"{"results": [{"text": " Hi", "finish_reason": "length"}]}"#),
            Some((" Hi".into(), StopReason::Length))
        );
        assert_eq!(
            parse_generate(br#"{"results":[{"text":" Hi"}]}"#),
            Some((" Hi".into(), StopReason::Stop))
        );
        assert_eq!(parse_generate(br#"{"results": []}"#), None);
    }
}
