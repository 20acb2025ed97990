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
use crate::model::GenParams;

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
    /// The context size assumed when neither the profile, the server nor the model's known
    /// size gives one: [`SELF_HOSTED_CONTEXT_SIZE`] for local and self-hosted servers, `None`
    /// for cloud services (far larger than any safe guess: their history is sent whole).
    #[serde(skip)]
    pub assumed_context: Option<u32>,
}

/// The context size assumed for a local or self-hosted server that does not report one: small
/// enough for any model such a server runs (llama.cpp's own default is 4,096).
pub const SELF_HOSTED_CONTEXT_SIZE: u32 = 4096;

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
        assumed_context: None,
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
        assumed_context: None,
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
        assumed_context: None,
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
        assumed_context: None,
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
        assumed_context: Some(SELF_HOSTED_CONTEXT_SIZE),
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
        assumed_context: Some(SELF_HOSTED_CONTEXT_SIZE),
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
        assumed_context: Some(SELF_HOSTED_CONTEXT_SIZE),
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
        assumed_context: None,
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
        assumed_context: Some(SELF_HOSTED_CONTEXT_SIZE),
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
        assumed_context: Some(SELF_HOSTED_CONTEXT_SIZE),
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
        assumed_context: None,
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
        assumed_context: None,
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
