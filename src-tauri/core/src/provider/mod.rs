//! Provider adapters: one folder per protocol family, one small object-safe trait, one factory.
//!
//! - The sources themselves (ids, default URLs, capabilities, samplers) are data in
//!   [`crate::catalogue`]; this module reads it and adds behaviour.
//! - [`Provider`] is what the engine drives: status check, model list, and a stream of
//!   [`StreamEvent`]s with cancellation as an argument.
//! - [`build`] is the only `match` on the kind.
//!
//! A provider never touches the store or the keychain: the engine hands it a [`Connection`].

pub mod anthropic;
pub mod horde;
pub mod kobold;
pub mod novelai;
pub mod openai_compat;
mod redacting;
pub mod relay;
pub mod server_error;
pub(crate) mod support;

use std::fmt;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

pub use self::support::request::{HeaderValue, Request};
use crate::catalogue::{ApiType, Capabilities, ProviderKind};
use crate::error::Result;
use crate::http::Http;
use crate::model::{ChatRequest, ModelInfo, ProfileId, StopReason, Usage};
use crate::redact::Redactor;

/// Everything a provider needs to talk to one endpoint. Built by the engine from a profile (or
/// from an ad-hoc connection) and the key from the keychain.
#[derive(Clone)]
pub struct Connection {
    /// `Profile "name"`, or the source's label for an ad-hoc connection; used in messages.
    pub who: String,
    /// The saved profile, if any.
    pub profile_id: Option<ProfileId>,
    /// The source.
    pub kind: ProviderKind,
    /// Chat or text completion: the source's default, or the other API it serves when the
    /// profile chose it.
    pub api: ApiType,
    /// The normalised base URL.
    pub base_url: String,
    /// The API key, if any.
    pub key: Option<SecretString>,
    /// Extra request headers set by the person (e.g. OpenRouter attribution, a proxy's key,
    /// `Authorization: Basic` from URL credentials). Their values are secrets.
    pub headers: Vec<(String, SecretString)>,
}

impl Connection {
    /// Every secret this connection's requests carry: the key, the extra header values and the
    /// URL's credentials (`user:password` as one, for its Basic-auth form, and the password).
    pub fn redactor(&self) -> Redactor {
        let mut secrets: Vec<String> = Vec::new();
        if let Some(key) = &self.key {
            secrets.push(key.expose_secret().to_string());
        }
        secrets.extend(
            self.headers
                .iter()
                .map(|(_, value)| value.expose_secret().to_string()),
        );
        // A Basic-auth header's credentials, decoded, in case a server shows them so.
        for (_, value) in &self.headers {
            if let Some(encoded) = value.expose_secret().strip_prefix("Basic ") {
                if let Ok(decoded) = base64::Engine::decode(
                    &base64::engine::general_purpose::STANDARD,
                    encoded.trim(),
                ) {
                    secrets.push(String::from_utf8_lossy(&decoded).into_owned());
                }
            }
        }
        if let Ok(url) = url::Url::parse(&self.base_url) {
            if let Some(password) = url.password() {
                let decode = |text: &str| {
                    percent_encoding::percent_decode_str(text)
                        .decode_utf8_lossy()
                        .into_owned()
                };
                let password = decode(password);
                secrets.push(format!("{}:{password}", decode(url.username())));
                secrets.push(password);
            }
        }
        Redactor::new(secrets.iter().map(String::as_str))
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("who", &self.who)
            .field("kind", &self.kind)
            .field("api", &self.api)
            .field("base_url", &self.base_url)
            .field("key", &self.key.as_ref().map(|_| REDACTED))
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(name, _)| name)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// What a status check found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct StatusReport {
    /// The base URL that answered; differs from the configured one when discovery added `/v1`.
    pub base_url: String,
    /// Whether `base_url` differs from the configured URL.
    pub url_changed: bool,
    /// The models, when the check listed them.
    pub models: Option<Vec<ModelInfo>>,
    /// One sentence for people.
    pub message: String,
}

/// One event of a provider's stream. The stream yields these, then ends after
/// [`StreamEvent::Done`] or after one `Err`; when cancelled it just ends.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// The model the server says it used.
    Model(String),
    /// Waiting in a queue.
    Queued {
        /// Position in the queue.
        position: u32,
        /// Expected wait in seconds.
        wait_secs: f64,
    },
    /// Reply text.
    Delta(String),
    /// Reasoning text.
    Reasoning(String),
    /// Token counts.
    Usage(Usage),
    /// The reply is complete.
    Done(StopReason),
}

/// A request as it would go on the wire, for "show the request" views: the
/// [preview](Request::preview) of a [`Request`], secrets redacted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WireRequest {
    /// HTTP method.
    pub method: String,
    /// Full URL.
    pub url: String,
    /// Headers in the order they are set; key values replaced by [`REDACTED`].
    pub headers: Vec<(String, String)>,
    /// The JSON body.
    pub body: serde_json::Value,
}

/// What a key looks like in a [`WireRequest`].
pub use crate::redact::REDACTED;

/// A configured adapter for one endpoint.
pub trait Provider: Send + Sync {
    /// What this source can do.
    fn capabilities(&self) -> Capabilities;

    /// The cheapest check that the endpoint is alive and the key works.
    fn status(&self) -> BoxFuture<'_, Result<StatusReport>>;

    /// The models the API lists; `Ok(empty)` when it has no list.
    fn list_models(&self) -> BoxFuture<'_, Result<Vec<ModelInfo>>>;

    /// The context size (prompt + reply, in tokens) the backend reports for `model`, when it
    /// reports one.
    fn context_size<'a>(&'a self, _model: &'a str) -> BoxFuture<'a, Result<Option<u32>>> {
        Box::pin(async { Ok(None) })
    }

    /// How many tokens `text` is for the backend's model, when the backend can count them
    /// (KoboldCpp, Oobabooga); `Ok(None)` otherwise.
    fn count_tokens<'a>(&'a self, _text: &'a str) -> BoxFuture<'a, Result<Option<u32>>> {
        Box::pin(async { Ok(None) })
    }

    /// The request [`stream`](Self::stream) sends (first) for `request`, as a value.
    fn request(&self, request: &ChatRequest) -> Result<Request>;

    /// The request [`stream`](Self::stream) would send for `request`, secrets masked: the
    /// [preview](Request::preview) of [`request`](Self::request).
    fn wire_request(&self, request: &ChatRequest) -> Result<WireRequest> {
        Ok(self.request(request)?.preview())
    }

    /// Streams one reply. Honours `cancel` by ending the stream without `Done`; where the
    /// server has an abort, the stream sends it before it ends, so a cancelled stream should
    /// be polled to its end (the engine gives it a few seconds).
    fn stream(
        &self,
        request: ChatRequest,
        cancel: CancellationToken,
    ) -> BoxStream<'static, Result<StreamEvent>>;
}

/// Builds the adapter for `connection`, its errors scrubbed of the connection's secrets (see
/// [`Redactor`]): whatever a server echoes of them never leaves the provider.
pub fn build(connection: Connection, http: Http) -> Result<Box<dyn Provider>> {
    let redactor = connection.redactor();
    let inner = build_adapter(connection, http)?;
    Ok(if redactor.is_empty() {
        inner
    } else {
        Box::new(redacting::Redacting::new(inner, redactor))
    })
}

/// The adapter for `connection`. The one place that matches on [`ProviderKind`].
fn build_adapter(connection: Connection, http: Http) -> Result<Box<dyn Provider>> {
    use openai_compat::{request as flavor, OpenAiCompat};
    let flavor = match connection.kind {
        ProviderKind::OpenAi => &flavor::OPENAI,
        ProviderKind::Mistral => &flavor::MISTRAL,
        ProviderKind::OpenRouter => &flavor::OPENROUTER,
        ProviderKind::Custom => &flavor::CUSTOM,
        ProviderKind::Ooba => &flavor::OOBA,
        ProviderKind::Tabby => &flavor::TABBY,
        ProviderKind::Mancer => &flavor::MANCER,
        ProviderKind::Claude => {
            return Ok(Box::new(anthropic::Anthropic::new(connection, http)));
        }
        ProviderKind::Kobold | ProviderKind::KoboldCpp => {
            return Ok(Box::new(kobold::Kobold::new(connection, http)));
        }
        ProviderKind::Horde => return Ok(Box::new(horde::Horde::new(connection, http))),
        ProviderKind::NovelAi => return Ok(Box::new(novelai::NovelAi::new(connection, http))),
    };
    Ok(Box::new(OpenAiCompat::new(connection, flavor, http)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Sampler, SOURCES};
    use crate::model::GenParams;

    use Sampler as S;

    fn sampler_of(key: &str) -> Option<Sampler> {
        Some(match key {
            "max_tokens" | "max_completion_tokens" | "max_length" => S::MaxTokens,
            "temperature" => S::Temperature,
            "top_p" => S::TopP,
            "top_k" => S::TopK,
            "min_p" => S::MinP,
            "frequency_penalty" => S::FrequencyPenalty,
            "presence_penalty" => S::PresencePenalty,
            "repetition_penalty" | "rep_pen" => S::RepetitionPenalty,
            "repetition_penalty_range" | "rep_pen_range" => S::RepetitionPenaltyRange,
            "typical_p" | "typical" => S::TypicalP,
            "tfs" | "tail_free_sampling" => S::Tfs,
            "top_a" => S::TopA,
            "seed" | "random_seed" | "sampler_seed" => S::Seed,
            "stop" | "stop_sequence" | "stop_sequences" => S::Stop,
            _ => return None,
        })
    }

    /// What the window offers per source is exactly what each adapter sends: with every
    /// sampler set, the body carries the source's samplers and no other (NovelAI's stop strings
    /// are cut on this side: its API wants token ids).
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
        for source in SOURCES {
            let capabilities = source.capabilities;
            let text = capabilities.api == ApiType::TextCompletion;
            let connection = Connection {
                who: "test".into(),
                profile_id: None,
                kind: source.kind,
                api: capabilities.api,
                base_url: source.default_url.into(),
                key: Some(SecretString::from("k")),
                headers: Vec::new(),
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
            };
            let body = provider.wire_request(&request).unwrap().body;
            let mut sent: Vec<Sampler> = [&body, &body["params"], &body["parameters"]]
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
            assert_eq!(sent, offered, "{}", source.id);
        }
    }
}
