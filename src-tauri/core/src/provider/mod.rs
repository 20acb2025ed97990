//! Provider adapters: one folder per protocol family, one small object-safe trait, one factory.
//!
//! - The sources themselves (ids, default URLs, capabilities, samplers) are data in
//!   [`crate::catalogue`]; this module reads it and adds behaviour.
//! - [`Provider`] is what the engine drives: status check, model list, and a stream of
//!   [`StreamEvent`]s with cancellation as an argument.
//! - [`build`] is the only `match` on the kind.
//!
//! A provider never touches the store or the keychain: the engine hands it a [`Connection`].
//!
//! The files, each depending only on those below it (no import cycle):
//! - `mod.rs`: the module list, re-exports and [`build`]; `redacting.rs` wraps every adapter.
//! - one folder per family ([`openai_compat`], [`anthropic`], [`kobold`], [`horde`],
//!   [`novelai`], [`llamacpp`], [`ollama`], [`cohere`], [`gemini`],
//!   [`openai_responses`]), each with the same files: `mod.rs` (the adapter: status, models,
//!   generation), `request.rs` (its requests as [`Request`] values, its quirks as data),
//!   `wire.rs` (body shapes and answer parsing) and `stream.rs` (a generation's answer as
//!   events). No family imports another.
//! - [`support`]: what every family shares: sending a [`Request`] (timeouts, size caps,
//!   refusals and transport errors), reading answers, a generation's answer as events; the
//!   request value itself ([`support::request`]) with its preview.
//! - [`relay`]: a Server-Sent-Events body through a family's event mapper.
//! - [`contract`]: the [`Connection`], the [`Provider`] trait, [`StreamEvent`]s.
//! - [`server_error`]: the error bodies servers send; [`server_routes`]: llama.cpp's `/props`
//!   and `/tokenize`, which two families read.
//!
//! `relay` and `support` name no family; the harness that drives every family's mapper without
//! the network is [`crate::fuzzing`]'s.

pub mod anthropic;
pub mod cohere;
pub mod contract;
pub mod gemini;
pub mod horde;
pub mod kobold;
pub mod llamacpp;
pub mod novelai;
pub mod ollama;
pub mod openai_compat;
pub mod openai_responses;
mod redacting;
pub mod relay;
pub mod server_error;
pub mod server_routes;
pub mod support;

pub use self::contract::{Connection, Provider, StatusReport, StreamEvent, WireRequest, REDACTED};
pub use self::support::request::{HeaderValue, Request};
use crate::catalogue::ProviderKind;
use crate::error::Result;
use crate::http::Http;

/// Builds the adapter for `connection`, its errors scrubbed of the connection's secrets (see
/// [`crate::redact::Redactor`]): whatever a server echoes of them never leaves the provider; a
/// server's refusal of an image sent to a model that reads none says so.
pub fn build(connection: Connection, http: Http) -> Result<Box<dyn Provider>> {
    let redactor = connection.redactor();
    let who = connection.who.clone();
    let inner = build_adapter(connection, http)?;
    Ok(Box::new(redacting::Redacting::new(inner, redactor, who)))
}

/// The adapter for `connection`. The one place that matches on [`ProviderKind`].
fn build_adapter(connection: Connection, http: Http) -> Result<Box<dyn Provider>> {
    use openai_compat::request::clouds;
    use openai_compat::{request as flavor, OpenAiCompat};
    let flavor = match connection.kind {
        // Chat Completions or the Responses API, chosen per request by the model and the
        // profile's choice.
        ProviderKind::OpenAi => {
            let chat = OpenAiCompat::new(connection.clone(), &flavor::OPENAI, http.clone())?;
            return Ok(Box::new(openai_responses::ChatOrResponses::new(
                Box::new(chat),
                connection,
                http,
            )));
        }
        ProviderKind::Mistral => &flavor::MISTRAL,
        ProviderKind::OpenRouter => &flavor::OPENROUTER,
        ProviderKind::Custom => &flavor::CUSTOM,
        ProviderKind::Ooba => &flavor::OOBA,
        ProviderKind::Tabby => &flavor::TABBY,
        ProviderKind::Mancer => &flavor::MANCER,
        ProviderKind::DeepSeek => &clouds::DEEPSEEK,
        ProviderKind::XAi => &clouds::XAI,
        ProviderKind::Groq => &clouds::GROQ,
        ProviderKind::Perplexity => &clouds::PERPLEXITY,
        ProviderKind::Fireworks => &clouds::FIREWORKS,
        ProviderKind::Moonshot => &clouds::MOONSHOT,
        ProviderKind::ZAi => &clouds::ZAI,
        ProviderKind::MiniMax => &clouds::MINIMAX,
        ProviderKind::SiliconFlow => &clouds::SILICONFLOW,
        ProviderKind::Ai21 => &clouds::AI21,
        ProviderKind::NanoGpt => &clouds::NANOGPT,
        ProviderKind::ElectronHub => &clouds::ELECTRONHUB,
        ProviderKind::Chutes => &clouds::CHUTES,
        ProviderKind::AimlApi => &clouds::AIMLAPI,
        ProviderKind::Pollinations => &clouds::POLLINATIONS,
        ProviderKind::WorkersAi => &clouds::WORKERS_AI,
        ProviderKind::AzureOpenAi => &clouds::AZURE,
        ProviderKind::Vllm => &flavor::VLLM,
        ProviderKind::Aphrodite => &flavor::APHRODITE,
        // llama.cpp's chat is its OpenAI-compatible route under `/v1`; text its own API.
        ProviderKind::LlamaCpp if connection.api == crate::catalogue::ApiType::ChatCompletion => {
            let mut connection = connection;
            connection.base_url = crate::endpoint::join(&connection.base_url, "/v1");
            return Ok(Box::new(OpenAiCompat::new(
                connection,
                &flavor::LLAMACPP,
                http,
            )?));
        }
        ProviderKind::LlamaCpp => {
            return Ok(Box::new(llamacpp::LlamaCpp::new(connection, http)));
        }
        ProviderKind::TogetherAi => &flavor::TOGETHER,
        ProviderKind::InfermaticAi => &flavor::INFERMATIC,
        ProviderKind::DreamGen => &flavor::DREAMGEN,
        ProviderKind::Featherless => &flavor::FEATHERLESS,
        ProviderKind::HuggingFace => &flavor::HUGGINGFACE,
        ProviderKind::Claude => {
            return Ok(Box::new(anthropic::Anthropic::new(connection, http)));
        }
        ProviderKind::Kobold | ProviderKind::KoboldCpp => {
            return Ok(Box::new(kobold::Kobold::new(connection, http)));
        }
        ProviderKind::Horde => return Ok(Box::new(horde::Horde::new(connection, http))),
        ProviderKind::NovelAi => return Ok(Box::new(novelai::NovelAi::new(connection, http))),
        ProviderKind::Ollama => return Ok(Box::new(ollama::Ollama::new(connection, http))),
        ProviderKind::Cohere => return Ok(Box::new(cohere::Cohere::new(connection, http))),
        ProviderKind::Gemini | ProviderKind::VertexAi => {
            return Ok(Box::new(gemini::Gemini::new(connection, http)));
        }
    };
    Ok(Box::new(OpenAiCompat::new(connection, flavor, http)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::ApiType;
    use crate::catalogue::{Sampler, SourceInfo, SOURCES};
    use crate::model::ChatRequest;
    use crate::model::GenParams;
    use secrecy::SecretString;

    use Sampler as S;

    fn sampler_of(key: &str) -> Option<Sampler> {
        Some(match key {
            "max_tokens"
            | "max_completion_tokens"
            | "max_length"
            | "n_predict"
            | "num_predict"
            | "maxOutputTokens" => S::MaxTokens,
            "temperature" => S::Temperature,
            "top_p" | "p" | "topP" => S::TopP,
            "top_k" | "k" | "topK" => S::TopK,
            "min_p" => S::MinP,
            "frequency_penalty" => S::FrequencyPenalty,
            "presence_penalty" => S::PresencePenalty,
            "repetition_penalty" | "rep_pen" | "repeat_penalty" => S::RepetitionPenalty,
            "repetition_penalty_range" | "rep_pen_range" | "repeat_last_n" => {
                S::RepetitionPenaltyRange
            }
            "typical_p" | "typical" => S::TypicalP,
            "tfs" | "tail_free_sampling" => S::Tfs,
            "top_a" => S::TopA,
            "seed" | "random_seed" | "sampler_seed" => S::Seed,
            "stop" | "stop_sequence" | "stop_sequences" | "stopSequences" => S::Stop,
            _ => return None,
        })
    }

    /// What the window offers per source is exactly what each adapter sends, in each API it
    /// serves: with every sampler set, the body carries the source's samplers and no other
    /// (NovelAI's stop strings are cut on this side: its API wants token ids).
    #[test]
    fn every_source_sends_exactly_its_samplers() {
        let params = GenParams {
            max_tokens: Some(100),
            temperature: Some(0.7),
            top_p: Some(0.9),
            top_k: Some(40),
            min_p: Some(0.05),
            frequency_penalty: Some(0.1),
            presence_penalty: Some(0.2),
            repetition_penalty: Some(1.1),
            repetition_penalty_range: Some(256),
            typical_p: Some(0.95),
            tfs: Some(0.9),
            top_a: Some(0.1),
            seed: Some(7),
            stop: vec!["\nUser:".into()],
        };
        let http = Http::new(crate::http::HttpConfig::default()).unwrap();
        let apis = |source: &'static SourceInfo| {
            let capabilities = source.capabilities;
            [Some(capabilities.api), capabilities.other_api]
                .into_iter()
                .flatten()
                .map(move |api| (source, api))
        };
        for (source, api) in SOURCES.iter().filter(|s| s.supported).flat_map(apis) {
            let text = api == ApiType::TextCompletion;
            let connection = Connection {
                who: "test".into(),
                profile_id: None,
                kind: source.kind,
                api,
                // Cloudflare's default URL is a template the person completes.
                base_url: source.default_url.replace("ACCOUNT_ID", "0123abcd"),
                key: Some(SecretString::from("k")),
                headers: Vec::new(),
                options: Default::default(),
            };
            let provider = build(connection, http.clone()).unwrap();
            let request = ChatRequest {
                model: "m".into(),
                messages: vec![crate::model::ChatMessage::new(
                    crate::model::Role::User,
                    "hi",
                )],
                params: params.clone(),
                stream: true,
                prompt: text.then(|| crate::model::TextPrompt {
                    text: "hi".into(),
                    context_size: 4096,
                }),
                context_size: None,
            };
            let body = provider.wire_request(&request).unwrap().body;
            let mut sent: Vec<Sampler> = [
                &body,
                &body["params"],
                &body["parameters"],
                &body["options"],
                &body["generationConfig"],
            ]
            .into_iter()
            .filter_map(|v| v.as_object())
            .flat_map(|o| o.keys().filter_map(|k| sampler_of(k)))
            .collect();
            sent.sort_by_key(|s| *s as u8);
            let mut offered: Vec<Sampler> = source.samplers.to_vec();
            if source.kind == ProviderKind::NovelAi {
                offered.retain(|s| *s != S::Stop);
            }
            offered.sort_by_key(|s| *s as u8);
            assert_eq!(sent, offered, "{} {api:?}", source.id);
        }
    }

    /// text-generation-inference refuses more than 4 stop strings and a `top_p` of 1 or more:
    /// the first 4 are sent, and 0.999 for a `top_p` at or above 1 (as SillyTavern does).
    #[test]
    fn hugging_face_gets_four_stop_strings_and_top_p_below_one() {
        let http = Http::new(crate::http::HttpConfig::default()).unwrap();
        let connection = Connection {
            who: "test".into(),
            profile_id: None,
            kind: ProviderKind::HuggingFace,
            api: ApiType::TextCompletion,
            base_url: ProviderKind::HuggingFace.info().default_url.into(),
            key: None,
            headers: Vec::new(),
            options: Default::default(),
        };
        let provider = build(connection, http).unwrap();
        let request = |top_p: f32| ChatRequest {
            model: "tgi".into(),
            messages: Vec::new(),
            params: GenParams {
                top_p: Some(top_p),
                stop: ["a", "b", "c", "d", "e"].map(String::from).to_vec(),
                ..GenParams::default()
            },
            stream: true,
            prompt: Some(crate::model::TextPrompt {
                text: "hi".into(),
                context_size: 4096,
            }),
            context_size: None,
        };
        let wire = provider.wire_request(&request(1.0)).unwrap();
        assert_eq!(
            wire.url,
            "https://example.endpoints.huggingface.cloud/v1/completions"
        );
        assert_eq!(wire.body["stop"], serde_json::json!(["a", "b", "c", "d"]));
        assert_eq!(wire.body["top_p"], serde_json::json!(0.999));
        assert!(wire.body.get("stream_options").is_none(), "{}", wire.body);
        let wire = provider.wire_request(&request(0.5)).unwrap();
        assert_eq!(wire.body["top_p"], serde_json::json!(0.5));
    }
}
