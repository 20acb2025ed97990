//! The source catalogue, as data: the sources a person can pick ([`ProviderKind`], its ids and
//! labels), chat or text completion ([`ApiType`]), whether a key is needed ([`KeyNeed`]), what
//! each source can do ([`Capabilities`]), the sampler settings it accepts ([`Sampler`]), and
//! [`SOURCES`], one [`SourceInfo`] per source: default URL, key label, note and header, and how
//! its base URL is normalised.
//!
//! Data only: this module must not depend on any adapter ([`crate::provider`]), on HTTP or on
//! the store. Adapters, the store and the front ends read it; it reads nothing but the domain
//! types, base-URL normalisation and the error type.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::endpoint::{self, NormalizedUrl, UrlRules};
use crate::error::{Error, Result};

mod image_limits;
pub mod openai_models;
mod samplers;
mod sources;

pub use image_limits::VISION;
pub use samplers::Sampler;
pub use sources::{AZURE_URL, SOURCES, WORKERS_AI_URL};

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
    /// DeepSeek's API (OpenAI-compatible).
    #[serde(rename = "deepseek")]
    DeepSeek,
    /// xAI's API (OpenAI-compatible).
    #[serde(rename = "xai")]
    XAi,
    /// Groq (OpenAI-compatible).
    #[serde(rename = "groq")]
    Groq,
    /// Perplexity (OpenAI-compatible).
    #[serde(rename = "perplexity")]
    Perplexity,
    /// Fireworks AI (OpenAI-compatible).
    #[serde(rename = "fireworks")]
    Fireworks,
    /// Moonshot AI (OpenAI-compatible).
    #[serde(rename = "moonshot")]
    Moonshot,
    /// Z.ai (OpenAI-compatible; common and coding endpoints).
    #[serde(rename = "zai")]
    ZAi,
    /// MiniMax (OpenAI-compatible).
    #[serde(rename = "minimax")]
    MiniMax,
    /// SiliconFlow (OpenAI-compatible).
    #[serde(rename = "siliconflow")]
    SiliconFlow,
    /// AI21 Labs (OpenAI-compatible).
    #[serde(rename = "ai21")]
    Ai21,
    /// NanoGPT (OpenAI-compatible).
    #[serde(rename = "nanogpt")]
    NanoGpt,
    /// Electron Hub (OpenAI-compatible).
    #[serde(rename = "electronhub")]
    ElectronHub,
    /// Chutes (OpenAI-compatible).
    #[serde(rename = "chutes")]
    Chutes,
    /// AI/ML API (OpenAI-compatible).
    #[serde(rename = "aimlapi")]
    AimlApi,
    /// Pollinations (OpenAI-compatible; key optional).
    #[serde(rename = "pollinations")]
    Pollinations,
    /// Cloudflare Workers AI (OpenAI-compatible; the account id is part of the URL).
    #[serde(rename = "workers_ai")]
    WorkersAi,
    /// Azure OpenAI (a resource's deployments).
    #[serde(rename = "azure_openai")]
    AzureOpenAi,
    /// llama.cpp's own server, through its native API.
    #[serde(rename = "llamacpp")]
    LlamaCpp,
    /// Ollama, through its native API.
    #[serde(rename = "ollama")]
    Ollama,
    /// vLLM.
    #[serde(rename = "vllm")]
    Vllm,
    /// Aphrodite Engine.
    #[serde(rename = "aphrodite")]
    Aphrodite,
    /// Together AI.
    #[serde(rename = "togetherai")]
    TogetherAi,
    /// Infermatic AI.
    #[serde(rename = "infermaticai")]
    InfermaticAi,
    /// DreamGen.
    #[serde(rename = "dreamgen")]
    DreamGen,
    /// Featherless AI.
    #[serde(rename = "featherless")]
    Featherless,
    /// Hugging Face Inference Endpoints (text-generation-inference).
    #[serde(rename = "huggingface")]
    HuggingFace,
    /// Google AI Studio's Gemini API, natively.
    #[serde(rename = "gemini")]
    Gemini,
    /// Gemini on Google Cloud's Vertex AI (express mode with an API key, or a service account).
    #[serde(rename = "vertexai")]
    VertexAi,
    /// Cohere's v2 chat API, natively.
    #[serde(rename = "cohere")]
    Cohere,
}

/// Where a source is listed: the window and `providers` group the sources so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum SourceGroup {
    /// Cloud services that take a chat (a list of messages).
    CloudChat,
    /// Servers a person runs, on this machine or their own.
    LocalServer,
    /// Cloud services that take one prompt (text completion).
    TextService,
}

impl SourceGroup {
    /// The group's heading, as people read it.
    pub fn label(self) -> &'static str {
        match self {
            SourceGroup::CloudChat => "Cloud chat APIs",
            SourceGroup::LocalServer => "Local servers",
            SourceGroup::TextService => "Text-completion services",
        }
    }
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
    /// The images its chat API reads and their limits; `None`: it reads none (an image is
    /// refused before anything is sent).
    pub images: Option<ImageLimits>,
}

/// The largest image a source reads: an image beyond either limit is scaled down (and
/// re-encoded) before it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ImageLimits {
    /// The longest edge, in pixels.
    pub max_edge: u32,
    /// The encoded size, in bytes.
    pub max_bytes: u32,
}

impl Capabilities {
    /// The images a request to this API may carry: the source's limits when its chat API is the
    /// one used, else `None` (a text-completion prompt carries no images).
    pub fn image_limits(self) -> Option<ImageLimits> {
        self.images.filter(|_| self.api == ApiType::ChatCompletion)
    }

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
    /// Where it is listed.
    pub group: SourceGroup,
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
    /// The context size assumed when neither the profile, the server nor the model's known
    /// size gives one: [`SELF_HOSTED_CONTEXT_SIZE`] for local and self-hosted servers, `None`
    /// for cloud services (far larger than any safe guess: their history is sent whole).
    #[serde(skip)]
    pub assumed_context: Option<u32>,
    /// The choices of [`crate::options::SourceOptions`] this source offers; the front ends
    /// show and accept only these.
    pub settings: &'static [SourceSetting],
}

/// A choice a source offers beyond URL, key and model (stored in
/// [`crate::options::SourceOptions`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum SourceSetting {
    /// Azure OpenAI's route (`azure_route`, `azure_api_version`).
    AzureRoute,
    /// Ollama's `keep_alive`.
    OllamaKeepAlive,
    /// Vertex AI's sign-in, project and region.
    VertexAuth,
    /// OpenAI's Chat Completions or Responses API.
    OpenAiApi,
    /// Gemini's thinking (`gemini_thinking`).
    GeminiThinking,
}

impl SourceInfo {
    /// Whether this source offers `setting`.
    pub fn offers(&self, setting: SourceSetting) -> bool {
        self.settings.contains(&setting)
    }
}

/// The ids of the sources that offer `setting`, comma-separated (for messages).
pub fn sources_offering(setting: SourceSetting) -> String {
    SOURCES
        .iter()
        .filter(|source| source.offers(setting))
        .map(|source| source.id)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The context size assumed for a local or self-hosted server that does not report one: small
/// enough for any model such a server runs (llama.cpp's own default is 4,096).
pub const SELF_HOSTED_CONTEXT_SIZE: u32 = 4096;

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
        assert_eq!(SOURCES.len(), 41);
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
        // A size is assumed for self-hosted servers only; a cloud service gets its history whole.
        assert_eq!(ProviderKind::Custom.info().assumed_context, Some(4096));
        assert_eq!(ProviderKind::KoboldCpp.info().assumed_context, Some(4096));
        assert_eq!(ProviderKind::OpenAi.info().assumed_context, None);
        assert_eq!(ProviderKind::Horde.info().assumed_context, None);
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
