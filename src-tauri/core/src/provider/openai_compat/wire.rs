//! Wire types of the OpenAI-compatible family: the request body, the model list, the
//! non-streamed completion, and the error bodies the servers of this family send.
//!
//! Unknown fields are ignored everywhere; fields servers leave out or send as `null` are
//! optional.

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::request::Flavor;
use crate::model::{
    ChatMessage, ChatRequest, ModelInfo, ModelPrice, StopReason, TextPrompt, Usage,
};
use crate::provider::contract::StreamEvent;
use crate::provider::server_error::ServerError;
use crate::provider::support::f32_value;

pub mod citations;

/// This family's name for the [`crate::model::ProviderData`] it reads back.
pub const FAMILY: &str = "openai_compat";

/// The path and JSON body of a generation request for `request` in `flavor`'s dialect:
/// `{base}/chat/completions` with the messages, or — when the request carries a text prompt —
/// `{base}/completions` with the prompt. Unset sampler fields and fields the flavor does not
/// accept are left out.
pub fn generation(flavor: &Flavor, request: &ChatRequest) -> (&'static str, Value) {
    match &request.prompt {
        Some(prompt) => ("/completions", text_body(flavor, request, prompt)),
        None => ("/chat/completions", chat_body(flavor, request)),
    }
}

/// The JSON body of `POST {base}/chat/completions` for `request` in `flavor`'s dialect.
pub fn chat_body(flavor: &Flavor, request: &ChatRequest) -> Value {
    let messages: Vec<Value> = request
        .messages
        .iter()
        .map(|m| {
            let mut message = json!({"role": m.role.as_str(), "content": content(m)});
            if let Some(name) = &m.name {
                message["name"] = Value::from(name.as_str());
            }
            // Fields this family asked to have sent back (OpenRouter's `reasoning_details`) go
            // beside the content, never over a field set above.
            if let (Some(Value::Object(kept)), Value::Object(fields)) =
                (m.provider_data_for(FAMILY), &mut message)
            {
                for (key, value) in kept {
                    fields.entry(key).or_insert_with(|| value.clone());
                }
            }
            message
        })
        .collect();
    let mut body = Map::new();
    body.insert("model".into(), Value::from(request.model.as_str()));
    body.insert("messages".into(), Value::from(messages));
    put_samplers(&mut body, flavor, request);
    Value::Object(body)
}

/// A message's `content`: its text as a string, byte for byte as before images existed; with
/// images, an array of the text (when there is any) then each image as an `image_url` part
/// holding a `data:` URL, the shape OpenAI's vision guide documents and SillyTavern sends.
pub fn content(message: &ChatMessage) -> Value {
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

/// The JSON body of `POST {base}/completions` (text completion); text-generation-webui's
/// dialect also gets its extra samplers and the context size as `truncation_length`.
pub fn text_body(flavor: &Flavor, request: &ChatRequest, prompt: &TextPrompt) -> Value {
    let mut body = Map::new();
    body.insert("model".into(), Value::from(request.model.as_str()));
    body.insert("prompt".into(), Value::from(prompt.text.as_str()));
    put_samplers(&mut body, flavor, request);
    if flavor.params.textgen && prompt.context_size > 0 {
        body.insert("truncation_length".into(), prompt.context_size.into());
    }
    Value::Object(body)
}

fn put_samplers(body: &mut Map<String, Value>, flavor: &Flavor, request: &ChatRequest) {
    let p = &request.params;
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            body.insert(key.to_string(), value);
        }
    };
    let params = flavor.params;
    put(flavor.max_tokens_field, p.max_tokens.map(Value::from));
    put("temperature", p.temperature.map(f32_value));
    let top_p = p.top_p.map(|top_p| {
        if flavor.top_p_below_one && top_p >= 1.0 {
            super::request::TOP_P_BELOW_ONE
        } else {
            top_p
        }
    });
    put("top_p", top_p.map(f32_value));
    put(
        "frequency_penalty",
        p.frequency_penalty
            .filter(|_| params.frequency_penalty)
            .map(f32_value),
    );
    put(
        "presence_penalty",
        p.presence_penalty
            .filter(|_| params.presence_penalty)
            .map(f32_value),
    );
    put(
        flavor.seed_field,
        p.seed.filter(|_| params.seed).map(Value::from),
    );
    put(
        "top_k",
        p.top_k.filter(|_| flavor.params.top_k).map(Value::from),
    );
    put(
        "min_p",
        p.min_p.filter(|_| flavor.params.min_p).map(f32_value),
    );
    // llama.cpp's server reads its own names on its OpenAI-compatible routes too.
    let (penalty, range) = if params.llamacpp_names {
        ("repeat_penalty", "repeat_last_n")
    } else {
        ("repetition_penalty", "repetition_penalty_range")
    };
    put(
        penalty,
        p.repetition_penalty
            .filter(|_| flavor.params.repetition_penalty)
            .map(f32_value),
    );
    let textgen = flavor.params.textgen;
    put(
        range,
        p.repetition_penalty_range
            .filter(|_| textgen || params.llamacpp_names)
            .map(Value::from),
    );
    let tail = textgen || params.typical_tfs_top_a;
    put(
        "typical_p",
        p.typical_p
            .filter(|_| tail || params.llamacpp_names)
            .map(f32_value),
    );
    put("tfs", p.tfs.filter(|_| tail).map(f32_value));
    put(
        "top_a",
        p.top_a.filter(|_| params.top_a || tail).map(f32_value),
    );
    let stop = &p.stop[..flavor.stop_limit.unwrap_or(usize::MAX).min(p.stop.len())];
    put(
        "stop",
        (params.stop && !stop.is_empty()).then(|| Value::from(stop.to_vec())),
    );
    put("stream", Some(Value::from(request.stream)));
    put(
        "stream_options",
        (request.stream && flavor.stream_usage).then(|| json!({"include_usage": true})),
    );
}

/// A model list as servers send it: OpenAI's `{"data":[…]}` (Ollama's `{"models":[…]}`,
/// Cloudflare's `{"result":[…]}`), or a bare array (Together AI's `/v1/models`, Pollinations'
/// `/models` of `{"name", …}`).
#[derive(Deserialize)]
#[serde(untagged)]
enum ModelListShape {
    // First: serde would also read an array as a `ModelList` (its fields in order).
    Array(Vec<ModelEntry>),
    Object(ModelList),
}

#[derive(Deserialize)]
struct ModelList {
    #[serde(default)]
    data: Option<Vec<ModelEntry>>,
    /// Ollama's native `/api/tags` shape, which some proxies forward.
    #[serde(default)]
    models: Option<Vec<ModelEntry>>,
    /// Cloudflare's `/ai/models/search`: `{"result":[{"id":<uuid>,"name":<model id>}],…}`.
    #[serde(default)]
    result: Option<Vec<ModelEntry>>,
}

#[derive(Deserialize)]
struct ModelEntry {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    /// Together AI's name for it.
    #[serde(default)]
    display_name: Option<String>,
    /// Together AI: `chat`, `language`, `code`, or a kind that generates no text (`image`,
    /// `embedding`, …), left out of the list.
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    context_length: Option<u64>,
    /// vLLM: the context the model was served with.
    #[serde(default)]
    max_model_len: Option<u64>,
    /// Mancer: `{"limits": {"context": n, "completion": n}}`.
    #[serde(default)]
    limits: Option<ModelLimits>,
    /// OpenRouter's `{"prompt": "<USD per token>", "completion": …}` (strings), Together's
    /// `{"input": <USD per million>, "output": …}` (numbers); see [`price_per_million`].
    #[serde(default)]
    pricing: Option<Value>,
}

#[derive(Deserialize)]
struct ModelLimits {
    #[serde(default)]
    context: Option<u64>,
}

pub use crate::provider::server_routes::{parse_props_context, parse_tokenize};

/// The context size Ollama's `/api/ps` gives the running `model` (`{"models":[{"name",
/// "model","context_length",…}]}`; a tagless id is Ollama's `:latest`). `None` when the model
/// is not running (its size is decided when it loads).
pub fn parse_ollama_ps(body: &[u8], model: &str) -> Option<u32> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let latest = format!("{model}:latest");
    value
        .get("models")?
        .as_array()?
        .iter()
        .find(|m| {
            ["name", "model"].iter().any(|field| {
                m.get(field)
                    .and_then(Value::as_str)
                    .is_some_and(|id| id == model || id == latest)
            })
        })?
        .get("context_length")?
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .filter(|&n| n > 0)
}

/// Model kinds (Together AI's `type`) that generate no text.
const NOT_TEXT_KINDS: &[&str] = &[
    "image",
    "embedding",
    "rerank",
    "moderation",
    "audio",
    "transcribe",
    "video",
];

/// Parses a model list (`{"data":[{"id":…}]}`, or a bare array of such entries), without the
/// models that generate no text. `None` when the body is not a model list.
pub fn parse_models(body: &[u8]) -> Option<Vec<ModelInfo>> {
    let (entries, named) = match serde_json::from_slice(body).ok()? {
        ModelListShape::Object(list) => match list.result {
            Some(result) if list.data.is_none() && list.models.is_none() => (result, true),
            _ => (list.data.or(list.models)?, false),
        },
        ModelListShape::Array(entries) => (entries, false),
    };
    let mut models: Vec<ModelInfo> = entries
        .into_iter()
        .filter(|entry| {
            !entry
                .kind
                .as_deref()
                .is_some_and(|kind| NOT_TEXT_KINDS.contains(&kind))
        })
        .filter_map(|entry| {
            // Where the id is an internal one (Cloudflare's uuid), the name is the model's id.
            let id = if named {
                entry.name.clone().or(entry.id)?
            } else {
                entry.id.or_else(|| entry.name.clone())?
            };
            let name = entry.name.or(entry.display_name).filter(|name| *name != id);
            Some(ModelInfo {
                id,
                name,
                context_length: entry
                    .context_length
                    .or(entry.max_model_len)
                    .or_else(|| entry.limits.and_then(|l| l.context))
                    .and_then(|n| u32::try_from(n).ok()),
                price: entry.pricing.as_ref().and_then(price_per_million),
            })
        })
        .collect();
    models.sort_by(|a, b| a.id.cmp(&b.id));
    models.dedup_by(|a, b| a.id == b.id);
    Some(models)
}

/// A model's price in US dollars per million tokens, from a model list's `pricing`:
/// OpenRouter's `prompt`/`completion` are strings of dollars per token; Together's
/// `input`/`output` are numbers of dollars per million tokens. Anything else is no price:
/// Mancer's numeric `prompt`/`completion` are credits, not dollars, and OpenRouter's `"-1"`
/// marks a router whose price depends on the model it picks.
fn price_per_million(pricing: &Value) -> Option<ModelPrice> {
    let per_token = |field: &str| {
        pricing
            .get(field)?
            .as_str()?
            .trim()
            .parse::<f64>()
            .ok()
            .map(|usd| usd * 1_000_000.0)
    };
    let per_million = |field: &str| pricing.get(field)?.as_f64();
    let (input, output) = match (per_token("prompt"), per_token("completion")) {
        (Some(input), Some(output)) => (input, output),
        _ => (per_million("input")?, per_million("output")?),
    };
    // Rounded to a millionth of a dollar: the per-token strings are decimal, the product is not.
    let round = |usd: f64| (usd * 1_000_000.0).round() / 1_000_000.0;
    let valid = |usd: f64| usd.is_finite() && usd >= 0.0;
    (valid(input) && valid(output)).then(|| ModelPrice {
        input: round(input),
        output: round(output),
    })
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
    /// Perplexity's cited addresses.
    #[serde(default)]
    citations: Option<Value>,
    /// Perplexity's search results.
    #[serde(default)]
    search_results: Option<Value>,
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
    /// `url_citation` annotations (OpenRouter's web search).
    #[serde(default)]
    annotations: Option<Value>,
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
    let (content, reasoning, annotations) = match choice.message {
        Some(message) => (
            message.content,
            message.reasoning_content.or(message.reasoning),
            message.annotations,
        ),
        None => (None, None, None),
    };
    if let Some(reasoning) = reasoning.filter(|r| !r.is_empty()) {
        events.push(StreamEvent::Reasoning(reasoning));
    }
    if let Some(text) = content.or(choice.text).filter(|t| !t.is_empty()) {
        events.push(StreamEvent::Delta(text));
    }
    let mut cited = crate::citations::Citations::new();
    let pages = citations::Cited {
        citations: completion.citations.as_ref(),
        search_results: completion.search_results.as_ref(),
        annotations: annotations.as_ref(),
    };
    if pages.gather(&mut cited) {
        events.push(StreamEvent::Sources(cited.into_links()));
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

#[cfg(test)]
mod tests {
    #[test]
    fn local_servers_say_their_context_size_and_count_tokens() {
        use super::{parse_ollama_ps, parse_props_context, parse_tokenize};
        let props =
            br#"{"default_generation_settings":{"n_ctx":2048,"params":{}},"total_slots":1}"#;
        assert_eq!(parse_props_context(props), Some(2048));
        assert_eq!(parse_props_context(br#"{"n_ctx":8192}"#), Some(8192));
        assert_eq!(
            parse_props_context(br#"{"default_generation_settings":{}}"#),
            None
        );
        assert_eq!(parse_tokenize(br#"{"tokens":[1,2,3]}"#), Some(3));
        assert_eq!(parse_tokenize(br#"{"count":7,"tokens":[1]}"#), Some(7));
        assert_eq!(parse_tokenize(b"Not Found"), None);
        let ps = br#"{"models":[{"name":"gemma3:latest","model":"gemma3:latest","size":1,"context_length":4096},{"name":"qwen3:8b","model":"qwen3:8b","context_length":32768}]}"#;
        assert_eq!(parse_ollama_ps(ps, "gemma3"), Some(4096));
        assert_eq!(parse_ollama_ps(ps, "qwen3:8b"), Some(32768));
        assert_eq!(parse_ollama_ps(ps, "llama3"), None);
        assert_eq!(parse_ollama_ps(br#"{"models":[]}"#, "gemma3"), None);
        let vllm = br#"{"object":"list","data":[{"id":"Qwen/Qwen3-8B","object":"model","owned_by":"vllm","max_model_len":32768}]}"#;
        assert_eq!(
            super::parse_models(vllm).unwrap()[0].context_length,
            Some(32768)
        );
    }

    use super::super::request as flavor;
    use super::*;
    use crate::model::{ChatMessage, GenParams, Part, ProviderData, Role};

    fn request(params: GenParams, stream: bool) -> ChatRequest {
        ChatRequest {
            model: "m".into(),
            messages: vec![
                ChatMessage::new(Role::System, "be brief"),
                ChatMessage::new(Role::User, "hi"),
            ],
            params,
            stream,
            prompt: None,
            ..ChatRequest::default()
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
            repetition_penalty_range: Some(512),
            typical_p: Some(0.95),
            tfs: Some(0.9),
            top_a: Some(0.1),
            seed: Some(7),
            stop: vec!["\nUser:".into()],
        }
    }

    #[test]
    fn text_completion_sends_the_prompt_and_textgen_extras() {
        let mut text = request(all_params(), true);
        text.prompt = Some(TextPrompt {
            text: "### Instruction:\nhi\n\n### Response:\n".into(),
            context_size: 8192,
        });
        let (path, ooba) = generation(&flavor::OOBA, &text);
        assert_eq!(path, "/completions");
        assert_eq!(
            ooba["prompt"],
            json!("### Instruction:\nhi\n\n### Response:\n")
        );
        assert!(ooba.get("messages").is_none());
        assert_eq!(ooba["truncation_length"], json!(8192));
        assert_eq!(ooba["typical_p"], json!(0.95));
        assert_eq!(ooba["tfs"], json!(0.9));
        assert_eq!(ooba["top_a"], json!(0.1));
        assert_eq!(ooba["repetition_penalty_range"], json!(512));
        assert_eq!(ooba["repetition_penalty"], json!(1.1));

        // Other local servers get no text-generation-webui extras.
        let (_, custom) = generation(&flavor::CUSTOM, &text);
        for extra in [
            "truncation_length",
            "typical_p",
            "tfs",
            "top_a",
            "repetition_penalty_range",
        ] {
            assert!(custom.get(extra).is_none(), "{extra}");
        }
        let (path, _) = generation(&flavor::OOBA, &request(all_params(), true));
        assert_eq!(path, "/chat/completions");
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
    fn text_parts_are_sent_as_one_string_and_only_this_familys_data_is_echoed() {
        let plain = chat_body(&flavor::CUSTOM, &request(GenParams::default(), false));
        let mut parted = request(GenParams::default(), false);
        parted.messages[1].parts = vec![Part::Text("h".into()), Part::Text("i".into())];
        parted.messages[1].provider_data = Some(ProviderData {
            family: "anthropic".into(),
            value: json!([{"type": "thinking", "signature": "s"}]),
        });
        assert_eq!(
            serde_json::to_string(&chat_body(&flavor::CUSTOM, &parted)).unwrap(),
            serde_json::to_string(&plain).unwrap(),
            "text parts and another family's data change nothing"
        );

        parted.messages[1].provider_data = Some(ProviderData {
            family: FAMILY.into(),
            value: json!({"reasoning_details": [{"type": "reasoning.encrypted", "data": "x"}], "content": "not this"}),
        });
        let echoed = chat_body(&flavor::CUSTOM, &parted);
        assert_eq!(
            echoed["messages"][1],
            json!({"role": "user", "content": "hi", "reasoning_details": [{"type": "reasoning.encrypted", "data": "x"}]})
        );
        assert_eq!(echoed["messages"][0], plain["messages"][0]);
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
        assert_eq!(custom["repetition_penalty"], json!(1.1));
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
        let mancer = parse_models(
            br#"{"data":[{"id":"mytholite","name":"MythoLite","limits":{"context":8192,"completion":512}}]}"#,
        )
        .unwrap();
        assert_eq!(mancer[0].context_length, Some(8192));
        assert_eq!(mancer[0].name.as_deref(), Some("MythoLite"));
        assert_eq!(
            parse_models(br#"{"object":"list","data":[]}"#),
            Some(vec![])
        );
        assert_eq!(
            parse_models(br#"{"models":[{"name":"llama3:8b"}]}"#).unwrap()[0].id,
            "llama3:8b"
        );
        // Cloudflare's model search names the model in `name` (its `id` is a uuid), and
        // Pollinations lists a bare array.
        let cloudflare = br#"{"result":[{"id":"4f3c2b1a-0000-4000-8000-000000000001","name":"@cf/meta/llama-3.1-8b-instruct","task":{"name":"Text Generation"}}],"success":true,"errors":[],"messages":[]}"#;
        let ids: Vec<String> = parse_models(cloudflare)
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(ids, ["@cf/meta/llama-3.1-8b-instruct"]);
        let pollinations =
            br#"[{"name":"openai","description":"OpenAI GPT-4.1 Nano"},{"name":"mistral"}]"#;
        assert_eq!(parse_models(pollinations).unwrap()[1].id, "openai");
        // Together AI's `/v1/models`: a bare array of entries in the shape of its API reference.
        let together = parse_models(
            br#"[{"id":"Austism/chronos-hermes-13b","object":"model","created":1692896905,"type":"chat","display_name":"Chronos Hermes (13B)","organization":"Austism","link":"https://huggingface.co/Austism/chronos-hermes-13b","license":"other","context_length":2048,"pricing":{"hourly":0,"input":0.3,"output":0.3,"base":0,"finetune":0}}]"#,
        )
        .unwrap();
        assert_eq!(together[0].id, "Austism/chronos-hermes-13b");
        assert_eq!(together[0].name.as_deref(), Some("Chronos Hermes (13B)"));
        assert_eq!(together[0].context_length, Some(2048));
        let kinds = parse_models(
            br#"[{"id":"t","type":"language"},{"id":"c","type":"chat"},{"id":"i","type":"image"},{"id":"e","type":"embedding"}]"#,
        )
        .unwrap();
        assert_eq!(
            kinds.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
            ["c", "t"]
        );
        assert_eq!(parse_models(b"[]"), Some(vec![]));
        assert_eq!(parse_models(b"[1]"), None);
        assert_eq!(parse_models(b"<html>"), None);
        assert_eq!(parse_models(br#"{"detail":"x"}"#), None);
        assert_eq!(parse_models(b"[]"), Some(vec![]));
    }

    #[test]
    fn model_lists_carry_context_and_price_where_they_tell() {
        // OpenRouter: strings of dollars per token.
        let open_router = parse_models(
            br#"{"data":[{"id":"openai/gpt-4o","name":"OpenAI: GPT-4o","context_length":128000,
            "pricing":{"prompt":"0.0000025","completion":"0.00001","request":"0"}},
            {"id":"openrouter/auto","name":"Auto Router","context_length":2000000,
            "pricing":{"prompt":"-1","completion":"-1"}}]}"#,
        )
        .unwrap();
        assert_eq!(open_router[0].id, "openai/gpt-4o");
        assert_eq!(open_router[0].context_length, Some(128_000));
        assert_eq!(
            open_router[0].price,
            Some(ModelPrice {
                input: 2.5,
                output: 10.0
            })
        );
        assert_eq!(open_router[1].price, None, "a router has no one price");
        // Together: a bare array, numbers of dollars per million tokens.
        let together = parse_models(
            br#"[{"id":"meta-llama/Llama-3.3-70B-Instruct-Turbo","object":"model","type":"chat",
            "display_name":"Meta Llama 3.3 70B Instruct Turbo","context_length":131072,
            "pricing":{"hourly":0,"input":0.88,"output":0.88,"base":0,"finetune":0}}]"#,
        )
        .unwrap();
        assert_eq!(
            together[0].name.as_deref(),
            Some("Meta Llama 3.3 70B Instruct Turbo")
        );
        assert_eq!(together[0].context_length, Some(131_072));
        assert_eq!(
            together[0].price,
            Some(ModelPrice {
                input: 0.88,
                output: 0.88
            })
        );
        // Mancer's numbers are credits, not dollars; a plain list has no price.
        let mancer = parse_models(
            br#"{"data":[{"id":"m","pricing":{"prompt":0.5,"completion":0.75}},{"id":"n"}]}"#,
        )
        .unwrap();
        assert!(mancer.iter().all(|m| m.price.is_none()));
    }

    #[test]
    fn a_whole_completion_tells_its_cited_pages_before_done() {
        let perplexity = br#"{"id":"p","model":"sonar","created":1,"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3},"citations":["https://a.example/","https://b.example/"],"search_results":[{"title":"A","url":"https://a.example/","date":"2023-12-25"}],"object":"chat.completion","choices":[{"index":0,"finish_reason":"stop","message":{"content":"Yes [1][2].","role":"assistant"}}]}"#;
        let CompletionOutcome::Events(events) = parse_completion(perplexity) else {
            panic!("not a completion")
        };
        let sources = events.iter().find_map(|e| match e {
            StreamEvent::Sources(links) => Some(links.clone()),
            _ => None,
        });
        let sources = sources.expect("the sources");
        assert_eq!(sources.len(), 2);
        assert_eq!(
            (sources[0].url.as_str(), sources[0].title.as_deref()),
            ("https://a.example/", Some("A"))
        );
        assert_eq!(
            (sources[1].url.as_str(), sources[1].title.as_deref()),
            ("https://b.example/", None)
        );
        assert_eq!(events.last(), Some(&StreamEvent::Done(StopReason::Stop)));
        let openrouter = br#"{"choices":[{"message":{"role":"assistant","content":"x","annotations":[{"type":"url_citation","url_citation":{"url":"https://www.example.com/web-search-result","title":"Title of the web search result","content":"Content of the web search result","start_index":100,"end_index":200}}]},"finish_reason":"stop"}]}"#;
        let CompletionOutcome::Events(events) = parse_completion(openrouter) else {
            panic!("not a completion")
        };
        assert!(events.iter().any(|e| matches!(e, StreamEvent::Sources(l)
            if l.len() == 1 && l[0].title.as_deref() == Some("Title of the web search result"))));
        // Citations of an unexpected shape are no reason to refuse the answer.
        let odd = br#"{"citations":{"1":"x"},"choices":[{"message":{"content":"x","annotations":"none"},"finish_reason":"stop"}]}"#;
        let CompletionOutcome::Events(events) = parse_completion(odd) else {
            panic!("not a completion")
        };
        assert!(!events.iter().any(|e| matches!(e, StreamEvent::Sources(_))));
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
}
