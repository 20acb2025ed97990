//! Google's `generateContent` wire (the Gemini API of Google AI Studio, and Vertex AI's): the
//! request body (`contents` of `user`/`model` turns, `systemInstruction`, `generationConfig`
//! with the thinking settings each model takes, the safety settings), the model list, and one
//! answer object (a streamed chunk or a whole answer) read into events.
//!
//! Sans-IO: JSON in, JSON and events out; it must not build requests or read the network.

use serde_json::{json, Map, Value};

use crate::citations::Citations;
use crate::model::{
    ChatMessage, ChatRequest, ImagePart, ModelInfo, ProviderData, Role, StopReason, Usage,
};
use crate::options::GeminiThinking;
use crate::prompt::DEFAULT_PLACEHOLDER;
use crate::provider::contract::StreamEvent;
use crate::provider::server_error::ServerError;

/// This family's name for the [`ProviderData`] it reads back: the reply's thought signatures.
pub const FAMILY: &str = "gemini";

/// The most stop sequences the API accepts (`generationConfig.stopSequences`: "up to 5").
pub const MAX_STOP_SEQUENCES: usize = 5;

/// The harm categories every request turns off, as SillyTavern sends them (its
/// `GEMINI_SAFETY`, `src/constants.js`): the person chose the model, and a filter that blocks a
/// story halfway helps no one. The API's own filters beyond these still apply.
pub const SAFETY_CATEGORIES: [&str; 5] = [
    "HARM_CATEGORY_HARASSMENT",
    "HARM_CATEGORY_HATE_SPEECH",
    "HARM_CATEGORY_SEXUALLY_EXPLICIT",
    "HARM_CATEGORY_DANGEROUS_CONTENT",
    "HARM_CATEGORY_CIVIC_INTEGRITY",
];

/// The threshold sent for each of [`SAFETY_CATEGORIES`].
pub const SAFETY_THRESHOLD: &str = "BLOCK_NONE";

/// How a model takes its thinking settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThinkingShape {
    /// Gemini 3 and later: `thinkingLevel` (`low`, `high`).
    Level,
    /// Gemini 2.5: `thinkingBudget` in tokens (`0` turns thinking off where the model allows).
    Budget {
        /// Whether the model can think not at all (the Pro models cannot).
        can_stop: bool,
    },
    /// Models that do not think (Gemini 2.0 and older, Gemma): no `thinkingConfig` is sent.
    None,
}

/// How `model` takes its thinking settings, by its id (Google's "Gemini thinking" page:
/// `thinkingLevel` for Gemini 3, `thinkingBudget` for the 2.5 series, whose Pro cannot turn
/// thinking off).
pub fn thinking_shape(model: &str) -> ThinkingShape {
    let id = model.rsplit('/').next().unwrap_or(model);
    let Some(version) = id.strip_prefix("gemini-") else {
        return ThinkingShape::None;
    };
    let major: String = version.chars().take_while(char::is_ascii_digit).collect();
    match major.parse::<u32>() {
        Ok(3..) => ThinkingShape::Level,
        Ok(2) if version.starts_with("2.5") => ThinkingShape::Budget {
            can_stop: !version.contains("pro"),
        },
        _ => ThinkingShape::None,
    }
}

/// The `thinkingConfig` for `model` with the profile's choice: thoughts included (shown as
/// reasoning) whenever the model thinks; a level or budget when one was chosen.
pub fn thinking_config(model: &str, choice: GeminiThinking) -> Option<Value> {
    let shape = thinking_shape(model);
    let mut config = Map::new();
    match (shape, choice) {
        (ThinkingShape::None, _) => return None,
        (_, GeminiThinking::Auto) => {}
        (ThinkingShape::Level, GeminiThinking::Low) => {
            config.insert("thinkingLevel".into(), json!("low"));
        }
        (ThinkingShape::Level, GeminiThinking::High) => {
            config.insert("thinkingLevel".into(), json!("high"));
        }
        (ThinkingShape::Budget { can_stop }, GeminiThinking::Low) => {
            // The Pro models think at least 128 tokens.
            config.insert(
                "thinkingBudget".into(),
                json!(if can_stop { 0 } else { 128 }),
            );
        }
        (ThinkingShape::Budget { .. }, GeminiThinking::High) => {
            config.insert("thinkingBudget".into(), json!(24_576));
        }
    }
    let thinks = !matches!(
        (shape, config.get("thinkingBudget")),
        (ThinkingShape::Budget { .. }, Some(Value::Number(n))) if n.as_u64() == Some(0)
    );
    config.insert("includeThoughts".into(), json!(thinks));
    Some(Value::Object(config))
}

/// One turn of `contents`: its role, its text, its images, and the signatures to put back on
/// its parts.
struct Turn {
    role: &'static str,
    text: String,
    images: Vec<ImagePart>,
    signatures: Vec<Value>,
}

/// The leading system text (for `systemInstruction`) and the turns: system messages after the
/// first other one become `user` turns, `assistant` is `model`, a name is put before its text,
/// and consecutive turns of one role are merged (the API refuses two in a row), as SillyTavern's
/// `convertGooglePrompt` does. The turns start with `user`.
fn turns(messages: &[ChatMessage]) -> (Option<String>, Vec<Turn>) {
    let leading = messages
        .iter()
        .take_while(|m| m.role == Role::System)
        .count();
    let system: Vec<String> = messages[..leading]
        .iter()
        .map(|m| m.text().into_owned())
        .filter(|t| !t.trim().is_empty())
        .collect();
    let mut turns: Vec<Turn> = Vec::new();
    for message in &messages[leading..] {
        let role = match message.role {
            Role::Assistant => "model",
            // A tool's result is text the user side sends back.
            Role::User | Role::System | Role::Tool => "user",
        };
        let mut text = message.text().into_owned();
        if let Some(name) = message.name.as_deref().filter(|n| !n.is_empty()) {
            text = format!("{name}: {text}");
        }
        let signatures = match message.provider_data_for(FAMILY) {
            Some(Value::Array(kept)) if role == "model" => kept.clone(),
            _ => Vec::new(),
        };
        let images: Vec<ImagePart> = message.images().cloned().collect();
        match turns.last_mut() {
            Some(last) if last.role == role => {
                last.text.push_str("\n\n");
                last.text.push_str(&text);
                last.images.extend(images);
                last.signatures.extend(signatures);
            }
            _ => turns.push(Turn {
                role,
                text,
                images,
                signatures,
            }),
        }
    }
    if turns.first().is_none_or(|t| t.role != "user") {
        turns.insert(
            0,
            Turn {
                role: "user",
                text: DEFAULT_PLACEHOLDER.to_string(),
                images: Vec::new(),
                signatures: Vec::new(),
            },
        );
    }
    let system = (!system.is_empty()).then(|| system.join("\n\n"));
    (system, turns)
}

/// A turn's parts: kept thought parts first, then each image as `inlineData` (`mimeType`, base64
/// `data`; before the text, as Google's guide to image prompts advises), then the text with the
/// first signature that came on text, any later such signature on an empty text part after it
/// (as the reply carried them). A turn with images and no text has no empty text part.
fn parts(turn: &Turn) -> Vec<Value> {
    let mut thoughts = Vec::new();
    let mut on_text = Vec::new();
    for kept in &turn.signatures {
        let Some(signature) = kept.get("thoughtSignature").filter(|s| s.is_string()) else {
            continue;
        };
        if kept.get("thought") == Some(&Value::Bool(true)) {
            thoughts.push(json!({"thought": true, "thoughtSignature": signature}));
        } else {
            on_text.push(signature.clone());
        }
    }
    let mut parts = thoughts;
    parts.extend(turn.images.iter().map(
        |image| json!({"inlineData": {"mimeType": image.media_type, "data": image.base64()}}),
    ));
    let mut text = Map::new();
    text.insert("text".into(), json!(turn.text));
    let mut rest = on_text.into_iter();
    if let Some(first) = rest.next() {
        text.insert("thoughtSignature".into(), first);
    }
    let only_images = !turn.images.is_empty() && turn.text.is_empty() && text.len() == 1;
    if !only_images {
        parts.push(Value::Object(text));
    }
    parts.extend(rest.map(|signature| json!({"text": "", "thoughtSignature": signature})));
    parts
}

/// The JSON body of `…:generateContent` and `…:streamGenerateContent`.
pub fn generate_body(request: &ChatRequest, thinking: GeminiThinking) -> Value {
    let (system, turns) = turns(&request.messages);
    let contents: Vec<Value> = turns
        .iter()
        .map(|turn| json!({"role": turn.role, "parts": parts(turn)}))
        .collect();
    let mut body = Map::new();
    body.insert("contents".into(), Value::Array(contents));
    if let Some(system) = system {
        body.insert(
            "systemInstruction".into(),
            json!({"parts": [{"text": system}]}),
        );
    }
    let safety: Vec<Value> = SAFETY_CATEGORIES
        .iter()
        .map(|category| json!({"category": category, "threshold": SAFETY_THRESHOLD}))
        .collect();
    body.insert("safetySettings".into(), Value::Array(safety));
    let params = &request.params;
    let number = crate::provider::support::f32_value;
    let mut config = Map::new();
    if let Some(t) = params.temperature {
        config.insert("temperature".into(), number(t.clamp(0.0, 2.0)));
    }
    if let Some(p) = params.top_p {
        config.insert("topP".into(), number(p));
    }
    if let Some(k) = params.top_k {
        config.insert("topK".into(), json!(k));
    }
    if let Some(max) = params.max_tokens {
        config.insert("maxOutputTokens".into(), json!(max));
    }
    if !params.stop.is_empty() {
        let stop: Vec<&String> = params.stop.iter().take(MAX_STOP_SEQUENCES).collect();
        config.insert("stopSequences".into(), json!(stop));
    }
    if let Some(thinking) = thinking_config(&request.model, thinking) {
        config.insert("thinkingConfig".into(), thinking);
    }
    body.insert("generationConfig".into(), Value::Object(config));
    Value::Object(body)
}

/// One page of `GET …/models`: the models that can `generateContent` (id without `models/`,
/// `displayName` as name, `inputTokenLimit` as the context size) and the next page's token.
pub fn parse_models_page(body: &[u8]) -> Option<(Vec<ModelInfo>, Option<String>)> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object()?;
    let listed = match object.get("models") {
        Some(Value::Array(models)) => models.as_slice(),
        None => &[],
        Some(_) => return None,
    };
    let models = listed
        .iter()
        .filter(|m| {
            m.get("supportedGenerationMethods")
                .and_then(Value::as_array)
                .is_some_and(|methods| methods.iter().any(|x| x == "generateContent"))
        })
        .filter_map(model_info)
        .collect();
    let next = object
        .get("nextPageToken")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    Some((models, next))
}

/// One model of the list (or of `GET …/models/{id}`).
pub fn model_info(model: &Value) -> Option<ModelInfo> {
    let name = model.get("name")?.as_str()?;
    Some(ModelInfo {
        id: name.strip_prefix("models/").unwrap_or(name).to_string(),
        name: model
            .get("displayName")
            .and_then(Value::as_str)
            .map(str::to_string),
        context_length: count(model.get("inputTokenLimit")),
        price: None,
    })
}

fn count(value: Option<&Value>) -> Option<u32> {
    value
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
}

/// The stop reason of a `finishReason`. A reply the filters cut (`SAFETY`, `RECITATION`,
/// `PROHIBITED_CONTENT`, …) keeps its text and ends as [`StopReason::ContentFilter`].
pub fn stop_reason(reason: &str) -> StopReason {
    match reason {
        "STOP" => StopReason::Stop,
        "MAX_TOKENS" => StopReason::Length,
        "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII" | "IMAGE_SAFETY" => {
            StopReason::ContentFilter
        }
        "MALFORMED_FUNCTION_CALL" | "UNEXPECTED_TOOL_CALL" => StopReason::ToolCalls,
        _ => StopReason::Other,
    }
}

/// Why Google refused a prompt (`promptFeedback.blockReason`), in plain words.
pub fn block_explained(reason: &str) -> String {
    let why = match reason {
        "SAFETY" => "its safety filters judged the prompt unsafe",
        "BLOCKLIST" => "the prompt contains words on its blocklist",
        "PROHIBITED_CONTENT" => "the prompt asks for content its terms prohibit",
        "IMAGE_SAFETY" => "an image in the prompt was judged unsafe",
        _ => "it gave no reason it explains",
    };
    format!(
        "Google blocked the prompt before answering ({reason}): {why}. Change the last message or the chat's history and try again."
    )
}

/// What one answer object (a streamed chunk or a whole answer) held.
#[derive(Debug, Default)]
pub struct Chunk {
    /// `modelVersion`.
    pub model: Option<String>,
    /// Text, in order: `(is_thought, text)`.
    pub texts: Vec<(bool, String)>,
    /// The signed parts, in order, as [`ProviderData`] keeps them.
    pub signatures: Vec<Value>,
    /// `candidates[0].finishReason`.
    pub finish: Option<String>,
    /// `usageMetadata`, as counts.
    pub usage: Option<Usage>,
    /// `promptFeedback.blockReason`, when no candidate came.
    pub blocked: Option<String>,
    /// The pages of `candidates[0].groundingMetadata.groundingChunks[].web` (`uri`, `title`),
    /// in order: what a reply grounded in Google Search cites.
    pub cited: Citations,
}

/// Reads one answer object; `Err` is an error object inside it, `None` not an answer.
pub fn parse_chunk(value: &Value) -> Option<Result<Chunk, ServerError>> {
    let object = value.as_object()?;
    if let Some(error) = object.get("error").filter(|e| !e.is_null()) {
        let mut server = ServerError::from_error_value(error);
        server.code = error
            .get("status")
            .and_then(Value::as_str)
            .map(str::to_string);
        return Some(Err(server));
    }
    let mut chunk = Chunk {
        model: object
            .get("modelVersion")
            .and_then(Value::as_str)
            .map(str::to_string),
        ..Chunk::default()
    };
    let candidate = object
        .get("candidates")
        .and_then(Value::as_array)
        .and_then(|c| c.first());
    if let Some(candidate) = candidate {
        let parts = candidate
            .get("content")
            .and_then(|c| c.get("parts"))
            .and_then(Value::as_array);
        for part in parts.into_iter().flatten() {
            let thought = part.get("thought") == Some(&Value::Bool(true));
            if let Some(text) = part.get("text").and_then(Value::as_str) {
                if !text.is_empty() {
                    chunk.texts.push((thought, text.to_string()));
                }
            }
            if let Some(signature) = part.get("thoughtSignature").filter(|s| s.is_string()) {
                let mut kept = Map::new();
                if thought {
                    kept.insert("thought".into(), Value::Bool(true));
                }
                kept.insert("thoughtSignature".into(), signature.clone());
                chunk.signatures.push(Value::Object(kept));
            }
        }
        let grounding = candidate
            .get("groundingMetadata")
            .and_then(|g| g.get("groundingChunks"))
            .and_then(Value::as_array);
        for web in grounding.into_iter().flatten().filter_map(|c| c.get("web")) {
            if let Some(uri) = web.get("uri").and_then(Value::as_str) {
                chunk
                    .cited
                    .add(uri, web.get("title").and_then(Value::as_str));
            }
        }
        chunk.finish = candidate
            .get("finishReason")
            .and_then(Value::as_str)
            .map(str::to_string);
    } else if !object.contains_key("candidates") && !object.contains_key("usageMetadata") {
        if let Some(reason) = object
            .get("promptFeedback")
            .and_then(|f| f.get("blockReason"))
            .and_then(Value::as_str)
        {
            chunk.blocked = Some(reason.to_string());
        } else {
            return None;
        }
    }
    if let Some(reason) = object
        .get("promptFeedback")
        .and_then(|f| f.get("blockReason"))
        .and_then(Value::as_str)
    {
        chunk.blocked = Some(reason.to_string());
    }
    if let Some(meta) = object.get("usageMetadata") {
        let prompt = count(meta.get("promptTokenCount"));
        let reply = count(meta.get("candidatesTokenCount"));
        let thoughts = count(meta.get("thoughtsTokenCount"));
        let completion = match (reply, thoughts) {
            (None, None) => None,
            (r, t) => Some(r.unwrap_or(0) + t.unwrap_or(0)),
        };
        chunk.usage = Some(Usage {
            prompt_tokens: prompt,
            completion_tokens: completion,
            total_tokens: count(meta.get("totalTokenCount")),
        });
    }
    Some(Ok(chunk))
}

/// The provider data of a reply's signed parts.
pub fn signatures_data(signatures: &[Value]) -> StreamEvent {
    StreamEvent::ProviderData(ProviderData {
        family: FAMILY.to_string(),
        value: Value::Array(signatures.to_vec()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::GenParams;

    #[test]
    fn images_go_as_inline_data_before_the_text_and_a_turn_of_images_alone_has_no_text_part() {
        let image = ImagePart {
            media_type: "image/png".into(),
            data: bytes::Bytes::from_static(b"\x89PNG"),
            name: "a.png".into(),
        };
        let mut asked = ChatMessage::new(Role::User, "What is it?");
        asked
            .parts
            .insert(0, crate::model::Part::Image(image.clone()));
        let alone = ChatMessage {
            parts: vec![crate::model::Part::Image(image)],
            ..ChatMessage::new(Role::User, "")
        };
        let inline = json!({"inlineData": {"mimeType": "image/png", "data": "iVBORw=="}});
        for (message, parts) in [
            (asked, json!([inline, {"text": "What is it?"}])),
            (alone, json!([inline])),
        ] {
            let body = generate_body(&request("m", vec![message]), GeminiThinking::Auto);
            assert_eq!(body["contents"][0]["parts"], parts);
        }
    }

    fn request(model: &str, messages: Vec<ChatMessage>) -> ChatRequest {
        ChatRequest {
            model: model.into(),
            messages,
            params: GenParams::default(),
            stream: true,
            ..ChatRequest::default()
        }
    }

    #[test]
    fn turns_alternate_from_user_with_the_system_text_apart() {
        let mut named = ChatMessage::new(Role::User, "Hi");
        named.name = Some("Ann".into());
        let body = generate_body(
            &request(
                "gemini-2.0-flash",
                vec![
                    ChatMessage::new(Role::System, "Be brief."),
                    ChatMessage::new(Role::System, "Be kind."),
                    ChatMessage::new(Role::Assistant, "Hello!"),
                    ChatMessage::new(Role::System, "[note]"),
                    named,
                    ChatMessage::new(Role::User, "there"),
                ],
            ),
            GeminiThinking::Auto,
        );
        assert_eq!(
            body["systemInstruction"],
            json!({"parts": [{"text": "Be brief.\n\nBe kind."}]})
        );
        assert_eq!(
            body["contents"],
            json!([
                {"role": "user", "parts": [{"text": "[Start a new chat]"}]},
                {"role": "model", "parts": [{"text": "Hello!"}]},
                {"role": "user", "parts": [{"text": "[note]\n\nAnn: Hi\n\nthere"}]},
            ])
        );
        assert_eq!(body["safetySettings"].as_array().unwrap().len(), 5);
        assert_eq!(body["safetySettings"][0]["threshold"], "BLOCK_NONE");
        assert!(body["generationConfig"].get("thinkingConfig").is_none());
    }

    #[test]
    fn samplers_go_in_generation_config_with_at_most_five_stops() {
        let mut req = request("gemini-2.5-flash", vec![ChatMessage::new(Role::User, "a")]);
        req.params = GenParams {
            max_tokens: Some(300),
            temperature: Some(0.7),
            top_p: Some(0.9),
            top_k: Some(40),
            stop: ["1", "2", "3", "4", "5", "6"].map(String::from).to_vec(),
            ..GenParams::default()
        };
        let config = generate_body(&req, GeminiThinking::Auto)["generationConfig"].clone();
        assert_eq!(
            config,
            json!({
                "temperature": 0.7, "topP": 0.9, "topK": 40, "maxOutputTokens": 300,
                "stopSequences": ["1", "2", "3", "4", "5"],
                "thinkingConfig": {"includeThoughts": true},
            })
        );
    }

    #[test]
    fn each_model_gets_the_thinking_setting_it_takes() {
        use GeminiThinking::{Auto, High, Low};
        assert_eq!(
            thinking_config("gemini-3-pro-preview", Low),
            Some(json!({"thinkingLevel": "low", "includeThoughts": true}))
        );
        assert_eq!(
            thinking_config("gemini-3-flash-preview", High),
            Some(json!({"thinkingLevel": "high", "includeThoughts": true}))
        );
        assert_eq!(
            thinking_config("gemini-2.5-flash", Low),
            Some(json!({"thinkingBudget": 0, "includeThoughts": false}))
        );
        assert_eq!(
            thinking_config("models/gemini-2.5-pro", Low),
            Some(json!({"thinkingBudget": 128, "includeThoughts": true}))
        );
        assert_eq!(
            thinking_config("gemini-2.5-pro", High),
            Some(json!({"thinkingBudget": 24_576, "includeThoughts": true}))
        );
        assert_eq!(
            thinking_config("gemini-2.5-pro", Auto),
            Some(json!({"includeThoughts": true}))
        );
        assert_eq!(thinking_config("gemini-2.0-flash", High), None);
        assert_eq!(thinking_config("gemma-3-27b-it", High), None);
    }

    #[test]
    fn kept_signatures_go_back_on_the_model_turn_as_received() {
        let mut reply = ChatMessage::new(Role::Assistant, "Hello!");
        reply.provider_data = Some(ProviderData {
            family: FAMILY.into(),
            value: json!([
                {"thought": true, "thoughtSignature": "c2lnLTE="},
                {"thoughtSignature": "c2lnLTI="},
                {"thoughtSignature": "c2lnLTM="},
            ]),
        });
        let mut other = ChatMessage::new(Role::Assistant, "Hi");
        other.provider_data = Some(ProviderData {
            family: "anthropic".into(),
            value: json!([{"type": "thinking"}]),
        });
        let body = generate_body(
            &request(
                "gemini-2.5-flash",
                vec![
                    ChatMessage::new(Role::User, "Hi"),
                    reply,
                    ChatMessage::new(Role::User, "Again"),
                    other,
                ],
            ),
            GeminiThinking::Auto,
        );
        assert_eq!(
            body["contents"][1]["parts"],
            json!([
                {"thought": true, "thoughtSignature": "c2lnLTE="},
                {"text": "Hello!", "thoughtSignature": "c2lnLTI="},
                {"text": "", "thoughtSignature": "c2lnLTM="},
            ])
        );
        assert_eq!(body["contents"][3]["parts"], json!([{"text": "Hi"}]));
    }

    #[test]
    fn chunks_read_text_thoughts_signatures_usage_and_blocks() {
        let chunk = json!({
            "candidates": [{"content": {"parts": [
                {"text": "Hmm", "thought": true},
                {"text": "Hi", "thoughtSignature": "abc"}
            ], "role": "model"}, "finishReason": "SAFETY", "index": 0}],
            "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 4, "totalTokenCount": 12, "thoughtsTokenCount": 5},
            "modelVersion": "gemini-2.5-flash"
        });
        let chunk = parse_chunk(&chunk).unwrap().unwrap();
        assert_eq!(
            chunk.texts,
            vec![(true, "Hmm".to_string()), (false, "Hi".to_string())]
        );
        assert_eq!(chunk.signatures, vec![json!({"thoughtSignature": "abc"})]);
        assert_eq!(
            stop_reason(chunk.finish.as_deref().unwrap()),
            StopReason::ContentFilter
        );
        assert_eq!(
            chunk.usage,
            Some(Usage {
                prompt_tokens: Some(3),
                completion_tokens: Some(9),
                total_tokens: Some(12)
            })
        );
        let blocked = json!({"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}, "usageMetadata": {"promptTokenCount": 8, "totalTokenCount": 8}});
        let blocked = parse_chunk(&blocked).unwrap().unwrap();
        assert_eq!(blocked.blocked.as_deref(), Some("PROHIBITED_CONTENT"));
        let error = json!({"error": {"code": 429, "message": "Resource exhausted", "status": "RESOURCE_EXHAUSTED"}});
        let error = parse_chunk(&error).unwrap().unwrap_err();
        assert_eq!(error.code.as_deref(), Some("RESOURCE_EXHAUSTED"));
        assert_eq!(error.numeric, Some(429));
        assert!(parse_chunk(&json!({"hello": 1})).is_none());
        assert!(block_explained("SAFETY").contains("judged the prompt unsafe"));
    }

    #[test]
    fn model_pages_keep_the_models_that_generate_content() {
        let page = br#"{"models":[{"name":"models/gemini-2.5-flash","version":"001","displayName":"Gemini 2.5 Flash","inputTokenLimit":1048576,"outputTokenLimit":65536,"supportedGenerationMethods":["generateContent","countTokens"]},{"name":"models/text-embedding-004","displayName":"Embedding","supportedGenerationMethods":["embedContent"]}],"nextPageToken":"Ch0xMg=="}"#;
        let (models, next) = parse_models_page(page).unwrap();
        assert_eq!(
            models,
            vec![ModelInfo {
                id: "gemini-2.5-flash".into(),
                name: Some("Gemini 2.5 Flash".into()),
                context_length: Some(1_048_576),
                price: None,
            }]
        );
        assert_eq!(next.as_deref(), Some("Ch0xMg=="));
        assert_eq!(parse_models_page(b"{}").unwrap().0, Vec::new());
        assert!(parse_models_page(b"[1]").is_none());
    }
}
