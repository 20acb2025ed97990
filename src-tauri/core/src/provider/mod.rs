//! Provider adapters: one folder per protocol family, one small object-safe trait, one factory.
//!
//! - [`ProviderKind`] names the sources a person can pick; [`SOURCES`] describes them as data
//!   (label, default URL, capabilities).
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

use std::fmt;
use std::str::FromStr;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::endpoint::{self, NormalizedUrl, UrlRules};
use crate::error::{Error, Result};
use crate::http::{Http, Target};
use crate::model::{ChatRequest, GenParams, ModelInfo, ProfileId, StopReason, Usage};
use crate::redact::Redactor;
use crate::stream::{BodyError, ReadError};

/// A source a person can connect to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ProviderKind {
    /// OpenAI's API.
    #[serde(rename = "openai")]
    OpenAi,
    /// Anthropic's Messages API.
    #[serde(rename = "claude")]
    Claude,
    /// Mistral AI's La Plateforme.
    #[serde(rename = "mistral")]
    Mistral,
    /// OpenRouter.
    #[serde(rename = "openrouter")]
    OpenRouter,
    /// Any OpenAI-compatible server (llama.cpp, vLLM, LM Studio, Ollama, Aphrodite, KoboldCpp's /v1…).
    #[serde(rename = "custom")]
    Custom,
    /// Oobabooga text-generation-webui.
    #[serde(rename = "ooba")]
    Ooba,
    /// TabbyAPI.
    #[serde(rename = "tabby")]
    Tabby,
    /// Mancer.
    #[serde(rename = "mancer")]
    Mancer,
    /// KoboldAI United.
    #[serde(rename = "kobold")]
    Kobold,
    /// KoboldCpp's native API.
    #[serde(rename = "koboldcpp")]
    KoboldCpp,
    /// AI Horde.
    #[serde(rename = "horde")]
    Horde,
    /// NovelAI.
    #[serde(rename = "novelai")]
    NovelAi,
}

/// Chat completion (a list of messages) or text completion (one prompt string).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum ApiType {
    /// Takes messages.
    ChatCompletion,
    /// Takes a prompt string.
    TextCompletion,
}

/// Whether a source needs an API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum KeyNeed {
    /// Requests fail without one.
    Required,
    /// Only when the server was started with one.
    Optional,
}

/// What a source can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Capabilities {
    /// Chat or text completion (the default, when the source has both).
    pub api: ApiType,
    /// The other API the source also serves, which a profile may choose instead.
    pub other_api: Option<ApiType>,
    /// Replies can stream.
    pub streaming: bool,
    /// The API lists its models.
    pub model_list: bool,
    /// Stop tells the server to abort (beyond closing the connection).
    pub server_abort: bool,
    /// The reply can be started with a prefill the model continues (Claude).
    pub prefill: bool,
    /// Several models can be asked at once, the model field holding them comma-separated (AI
    /// Horde: any worker serving one of them may answer).
    pub multi_model: bool,
}

impl Capabilities {
    /// These capabilities with `api` chosen, when the source serves it.
    pub fn with_api(self, api: Option<ApiType>) -> Capabilities {
        match api {
            Some(api) if self.other_api == Some(api) => Capabilities {
                api,
                other_api: Some(self.api),
                ..self
            },
            _ => self,
        }
    }
}

/// A sampler setting a source may accept; the window shows the fields of the profile's source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Sampler {
    /// `GenParams::max_tokens`.
    MaxTokens,
    /// `GenParams::temperature`.
    Temperature,
    /// `GenParams::top_p`.
    TopP,
    /// `GenParams::top_k`.
    TopK,
    /// `GenParams::min_p`.
    MinP,
    /// `GenParams::frequency_penalty`.
    FrequencyPenalty,
    /// `GenParams::presence_penalty`.
    PresencePenalty,
    /// `GenParams::repetition_penalty`.
    RepetitionPenalty,
    /// `GenParams::repetition_penalty_range`.
    RepetitionPenaltyRange,
    /// `GenParams::typical_p`.
    TypicalP,
    /// `GenParams::tfs`.
    Tfs,
    /// `GenParams::top_a`.
    TopA,
    /// `GenParams::seed`.
    Seed,
    /// `GenParams::stop`.
    Stop,
}

impl Sampler {
    /// Whether `params` sets this field.
    pub fn is_set(self, params: &GenParams) -> bool {
        match self {
            Sampler::MaxTokens => params.max_tokens.is_some(),
            Sampler::Temperature => params.temperature.is_some(),
            Sampler::TopP => params.top_p.is_some(),
            Sampler::TopK => params.top_k.is_some(),
            Sampler::MinP => params.min_p.is_some(),
            Sampler::FrequencyPenalty => params.frequency_penalty.is_some(),
            Sampler::PresencePenalty => params.presence_penalty.is_some(),
            Sampler::RepetitionPenalty => params.repetition_penalty.is_some(),
            Sampler::RepetitionPenaltyRange => params.repetition_penalty_range.is_some(),
            Sampler::TypicalP => params.typical_p.is_some(),
            Sampler::Tfs => params.tfs.is_some(),
            Sampler::TopA => params.top_a.is_some(),
            Sampler::Seed => params.seed.is_some(),
            Sampler::Stop => !params.stop.is_empty(),
        }
    }
}

use Sampler as S;

/// OpenAI and Mistral.
const OPENAI_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::FrequencyPenalty,
    S::PresencePenalty,
    S::Seed,
    S::Stop,
];
/// OpenRouter and OpenAI-compatible local servers.
const LOCAL_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::TopK,
    S::MinP,
    S::FrequencyPenalty,
    S::PresencePenalty,
    S::RepetitionPenalty,
    S::Seed,
    S::Stop,
];
/// Oobabooga and Mancer (text-generation-webui's extra samplers).
const OOBA_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::TopK,
    S::MinP,
    S::FrequencyPenalty,
    S::PresencePenalty,
    S::RepetitionPenalty,
    S::RepetitionPenaltyRange,
    S::TypicalP,
    S::Tfs,
    S::TopA,
    S::Seed,
    S::Stop,
];
const CLAUDE_SAMPLERS: &[Sampler] = &[S::MaxTokens, S::Temperature, S::TopP, S::TopK, S::Stop];
/// KoboldAI's generate body (KoboldCpp adds `min_p`).
const KOBOLD_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::TopK,
    S::RepetitionPenalty,
    S::RepetitionPenaltyRange,
    S::TypicalP,
    S::Tfs,
    S::TopA,
    S::Seed,
    S::Stop,
];
const KOBOLDCPP_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::TopK,
    S::MinP,
    S::RepetitionPenalty,
    S::RepetitionPenaltyRange,
    S::TypicalP,
    S::Tfs,
    S::TopA,
    S::Seed,
    S::Stop,
];
/// AI Horde's `params` (no seed: workers choose).
const HORDE_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::TopK,
    S::MinP,
    S::RepetitionPenalty,
    S::RepetitionPenaltyRange,
    S::TypicalP,
    S::Tfs,
    S::TopA,
    S::Stop,
];
/// NovelAI's `parameters`; stop strings are cut on this side (the API wants token ids).
const NOVELAI_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::TopK,
    S::MinP,
    S::RepetitionPenalty,
    S::RepetitionPenaltyRange,
    S::TypicalP,
    S::Tfs,
    S::TopA,
    S::Stop,
];

/// The description of one source, as data.
#[derive(Debug, Clone, Copy, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SourceInfo {
    /// The source.
    pub kind: ProviderKind,
    /// Stable id used in the CLI and the database.
    pub id: &'static str,
    /// Name shown to people.
    pub label: &'static str,
    /// The URL filled in by default.
    pub default_url: &'static str,
    /// Whether a key is needed.
    pub key: KeyNeed,
    /// What the key is called for this source.
    pub key_label: &'static str,
    /// A sentence under the key field, or empty.
    pub key_note: &'static str,
    /// The request header the key travels in (lower case): `authorization` for bearer tokens.
    #[serde(skip)]
    pub key_header: &'static str,
    /// What it can do.
    pub capabilities: Capabilities,
    /// Whether this version of Switchboard can talk to it yet.
    pub supported: bool,
    /// The sampler settings it accepts; others are never sent.
    pub samplers: &'static [Sampler],
    /// How its base URL is normalised.
    #[serde(skip)]
    pub url_rules: UrlRules,
}

const CHAT_SUFFIXES: &[&str] = &["/chat/completions", "/completions", "/models"];

const fn chat(streaming: bool, server_abort: bool) -> Capabilities {
    Capabilities {
        api: ApiType::ChatCompletion,
        other_api: None,
        streaming,
        model_list: true,
        server_abort,
        prefill: false,
        multi_model: false,
    }
}

const fn text(streaming: bool, model_list: bool, server_abort: bool) -> Capabilities {
    Capabilities {
        api: ApiType::TextCompletion,
        other_api: None,
        streaming,
        model_list,
        server_abort,
        prefill: false,
        multi_model: false,
    }
}

const fn rules(version_path: &'static str) -> UrlRules {
    UrlRules {
        version_path,
        strip_suffixes: CHAT_SUFFIXES,
    }
}

/// Every source, chat-completion sources first.
pub const SOURCES: &[SourceInfo] = &[
    SourceInfo {
        kind: ProviderKind::OpenAi,
        id: "openai",
        label: "OpenAI",
        default_url: "https://api.openai.com/v1",
        key: KeyNeed::Required,
        key_label: "API key",
        key_note: "",
        key_header: "authorization",
        capabilities: chat(true, false),
        supported: true,
        samplers: OPENAI_SAMPLERS,
        url_rules: rules("/v1"),
    },
    SourceInfo {
        kind: ProviderKind::Claude,
        id: "claude",
        label: "Anthropic Claude",
        default_url: "https://api.anthropic.com/v1",
        key: KeyNeed::Required,
        key_label: "API key",
        key_note: "",
        key_header: "x-api-key",
        capabilities: Capabilities {
            prefill: true,
            ..chat(true, false)
        },
        supported: true,
        samplers: CLAUDE_SAMPLERS,
        url_rules: UrlRules {
            version_path: "/v1",
            strip_suffixes: &["/messages", "/models"],
        },
    },
    SourceInfo {
        kind: ProviderKind::Mistral,
        id: "mistral",
        label: "Mistral AI",
        default_url: "https://api.mistral.ai/v1",
        key: KeyNeed::Required,
        key_label: "API key",
        key_note: "",
        key_header: "authorization",
        capabilities: chat(true, false),
        supported: true,
        samplers: OPENAI_SAMPLERS,
        url_rules: rules("/v1"),
    },
    SourceInfo {
        kind: ProviderKind::OpenRouter,
        id: "openrouter",
        label: "OpenRouter",
        default_url: "https://openrouter.ai/api/v1",
        key: KeyNeed::Required,
        key_label: "API key",
        key_note: "",
        key_header: "authorization",
        capabilities: chat(true, false),
        supported: true,
        samplers: LOCAL_SAMPLERS,
        url_rules: rules("/api/v1"),
    },
    SourceInfo {
        kind: ProviderKind::Custom,
        id: "custom",
        label: "Custom (OpenAI-compatible)",
        default_url: "http://127.0.0.1:8080/v1",
        key: KeyNeed::Optional,
        key_label: "API key",
        key_note: "",
        key_header: "authorization",
        capabilities: Capabilities {
            other_api: Some(ApiType::TextCompletion),
            ..chat(true, false)
        },
        supported: true,
        samplers: LOCAL_SAMPLERS,
        url_rules: rules(""),
    },
    SourceInfo {
        kind: ProviderKind::Ooba,
        id: "ooba",
        label: "Oobabooga text-generation-webui",
        default_url: "http://127.0.0.1:5000/v1",
        key: KeyNeed::Optional,
        key_label: "API key",
        key_note: "",
        key_header: "authorization",
        capabilities: Capabilities {
            other_api: Some(ApiType::ChatCompletion),
            ..text(true, true, false)
        },
        supported: true,
        samplers: OOBA_SAMPLERS,
        url_rules: rules("/v1"),
    },
    SourceInfo {
        kind: ProviderKind::Tabby,
        id: "tabby",
        label: "TabbyAPI",
        default_url: "http://127.0.0.1:5000/v1",
        key: KeyNeed::Optional,
        key_label: "API key",
        key_note: "",
        key_header: "authorization",
        capabilities: Capabilities {
            other_api: Some(ApiType::TextCompletion),
            ..chat(true, false)
        },
        supported: true,
        samplers: LOCAL_SAMPLERS,
        url_rules: rules("/v1"),
    },
    SourceInfo {
        kind: ProviderKind::Mancer,
        id: "mancer",
        label: "Mancer",
        default_url: "https://neuro.mancer.tech/oai/v1",
        key: KeyNeed::Required,
        key_label: "API key",
        key_note: "",
        key_header: "authorization",
        capabilities: Capabilities {
            other_api: Some(ApiType::ChatCompletion),
            ..text(true, true, false)
        },
        supported: true,
        samplers: OOBA_SAMPLERS,
        url_rules: rules("/oai/v1"),
    },
    SourceInfo {
        kind: ProviderKind::Kobold,
        id: "kobold",
        label: "KoboldAI United",
        default_url: "http://127.0.0.1:5000/api",
        key: KeyNeed::Optional,
        key_label: "API key",
        key_note: "",
        key_header: "authorization",
        capabilities: text(false, true, false),
        supported: true,
        samplers: KOBOLD_SAMPLERS,
        url_rules: UrlRules {
            version_path: "/api",
            strip_suffixes: &["/v1/generate", "/v1", "/latest"],
        },
    },
    SourceInfo {
        kind: ProviderKind::KoboldCpp,
        id: "koboldcpp",
        label: "KoboldCpp",
        default_url: "http://127.0.0.1:5001",
        key: KeyNeed::Optional,
        key_label: "API key",
        key_note: "",
        key_header: "authorization",
        capabilities: text(true, true, true),
        supported: true,
        samplers: KOBOLDCPP_SAMPLERS,
        url_rules: UrlRules {
            version_path: "",
            strip_suffixes: &[
                "/api/v1/generate",
                "/api/extra/generate/stream",
                "/api/v1",
                "/api",
            ],
        },
    },
    SourceInfo {
        kind: ProviderKind::Horde,
        id: "horde",
        label: "AI Horde",
        default_url: "https://aihorde.net/api/v2",
        key: KeyNeed::Optional,
        key_label: "API key",
        key_note:
            "Optional: without a key the Horde is used anonymously, at the back of the queue.",
        key_header: "apikey",
        capabilities: Capabilities {
            multi_model: true,
            ..text(false, true, true)
        },
        supported: true,
        samplers: HORDE_SAMPLERS,
        url_rules: UrlRules {
            version_path: "/api/v2",
            strip_suffixes: &["/generate/text/async"],
        },
    },
    SourceInfo {
        kind: ProviderKind::NovelAi,
        id: "novelai",
        label: "NovelAI",
        default_url: "https://text.novelai.net",
        key: KeyNeed::Required,
        key_label: "Persistent API token",
        key_note: "From NovelAI's Account settings: “Get Persistent API Token”.",
        key_header: "authorization",
        capabilities: text(true, true, false),
        supported: true,
        samplers: NOVELAI_SAMPLERS,
        url_rules: UrlRules {
            version_path: "",
            strip_suffixes: &["/ai/generate-stream", "/ai/generate"],
        },
    },
];

impl ProviderKind {
    /// The description of this source.
    pub fn info(self) -> &'static SourceInfo {
        SOURCES
            .iter()
            .find(|source| source.kind == self)
            .unwrap_or(&SOURCES[0])
    }

    /// Stable id (`openai`, `custom`, …).
    pub fn id(self) -> &'static str {
        self.info().id
    }

    /// Name shown to people.
    pub fn label(self) -> &'static str {
        self.info().label
    }

    /// Normalises a base URL for this source.
    pub fn normalize_url(self, input: &str) -> std::result::Result<NormalizedUrl, String> {
        endpoint::normalize(input, &self.info().url_rules)
    }

    /// Every source id, for messages.
    pub fn all_ids() -> String {
        SOURCES.iter().map(|s| s.id).collect::<Vec<_>>().join(", ")
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for ProviderKind {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        SOURCES
            .iter()
            .find(|source| source.id.eq_ignore_ascii_case(text.trim()))
            .map(|source| source.kind)
            .ok_or_else(|| {
                Error::not_configured(format!(
                    "Unknown source \"{}\". Sources: {}.",
                    crate::error::quoted(text),
                    ProviderKind::all_ids()
                ))
            })
    }
}

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

impl Connection {
    /// `builder` with the extra headers, marked sensitive so no log shows their values.
    pub(crate) fn apply_headers(
        &self,
        mut builder: reqwest::RequestBuilder,
    ) -> reqwest::RequestBuilder {
        for (name, value) in &self.headers {
            builder = crate::http::secret_header(builder, name, value.expose_secret());
        }
        builder
    }

    /// The extra headers as a request preview shows them: values redacted.
    pub(crate) fn masked_headers(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.headers
            .iter()
            .map(|(name, _)| (name.clone(), REDACTED.to_string()))
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

/// A request as it would go on the wire, for "show the request" views. Keys are redacted.
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

    /// The request [`stream`](Self::stream) would send for `request` (keys redacted).
    fn wire_request(&self, request: &ChatRequest) -> Result<WireRequest>;

    /// Streams one reply. Honours `cancel` by ending the stream without `Done`; where the
    /// server has an abort, the stream sends it before it ends, so a cancelled stream should
    /// be polled to its end (the engine gives it a few seconds).
    fn stream(
        &self,
        request: ChatRequest,
        cancel: CancellationToken,
    ) -> BoxStream<'static, Result<StreamEvent>>;
}

/// The error for a non-success answer: its body is read (briefly) and `classify` turns the
/// status and the body into the kind of failure and the server's words.
pub(crate) async fn error_from_response(
    http: &Http,
    target: &Target,
    response: reqwest::Response,
    classify: impl FnOnce(u16, &str) -> (crate::error::ErrorKind, String),
) -> Error {
    let status = response.status();
    let headers = response.headers().clone();
    let body = crate::http::read_error_body(response, http.idle_timeout()).await;
    let (kind, message) = classify(status.as_u16(), &body);
    target.http_error(status, &headers, kind, &message)
}

/// The start of an answer's body, as the detail of an error about it.
pub(crate) fn body_start(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).into_owned()
}

/// The error for a body that could not be read to its end (`mid_reply`: text already arrived
/// and is kept).
pub(crate) fn body_error(target: &Target, err: BodyError, mid_reply: bool) -> Error {
    match err {
        BodyError::Idle(idle) => target.idle_timeout_error(idle, mid_reply),
        BodyError::Transport(err) => {
            let mut error = target.transport_error(&err);
            if mid_reply {
                error.message.push_str(" The text received so far is kept.");
            }
            error
        }
        BodyError::EventTooLarge(limit) => target.protocol_error(format!(
            "one event of the stream grew past {} MB, so the reply was stopped{}",
            limit / (1024 * 1024),
            if mid_reply {
                "; the text received so far is kept"
            } else {
                ""
            }
        )),
    }
}

/// The error for a whole answer that could not be read.
pub(crate) fn read_error(target: &Target, err: ReadError, mid_reply: bool) -> Error {
    match err {
        ReadError::Body(body) => body_error(target, body, mid_reply),
        ReadError::TooLarge(limit) => target.protocol_error(format!(
            "the answer is larger than {} MB",
            limit / (1024 * 1024)
        )),
    }
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
    use openai_compat::{flavor, OpenAiCompat};
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

    #[test]
    fn source_ids_match_serde_names_and_parse_back() {
        for source in SOURCES {
            let json = serde_json::to_value(source.kind).unwrap();
            assert_eq!(json, serde_json::Value::from(source.id));
            assert_eq!(source.id.parse::<ProviderKind>().unwrap(), source.kind);
            assert_eq!(source.kind.info().id, source.id);
        }
        assert_eq!(SOURCES.len(), 12);
    }

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

    #[test]
    fn what_the_window_shows_per_source_is_data() {
        for source in SOURCES {
            assert_eq!(
                source.capabilities.multi_model,
                source.kind == ProviderKind::Horde,
                "{}",
                source.id
            );
            assert!(!source.key_label.is_empty(), "{}", source.id);
        }
        assert_eq!(
            ProviderKind::NovelAi.info().key_label,
            "Persistent API token"
        );
        assert!(ProviderKind::Horde.info().key_note.contains("anonymously"));
    }

    #[test]
    fn unknown_source_lists_the_known_ones() {
        let err = "gpt".parse::<ProviderKind>().unwrap_err();
        assert!(err.message.contains("openai, claude"), "{}", err.message);
    }

    #[test]
    fn default_urls_are_already_normal() {
        for source in SOURCES {
            let normal = source.kind.normalize_url(source.default_url).unwrap();
            assert_eq!(normal.url, source.default_url, "{}", source.id);
            assert!(
                normal.changes.is_empty(),
                "{}: {:?}",
                source.id,
                normal.changes
            );
        }
    }
}
