//! The sources SillyTavern can be set to, and what Switchboard makes of each: text-completion
//! server types and chat-completion sources. Tables only: no reading of files here.

use crate::catalogue::ProviderKind;

/// SillyTavern's default KoboldAI address, present in every `settings.json`.
pub(super) const DEFAULT_KOBOLD_URL: &str = "http://127.0.0.1:5000/api";

/// A text-completion server type of SillyTavern (`textgenerationwebui_settings.type`).
pub(super) struct TextGenType {
    pub(super) id: &'static str,
    pub(super) label: &'static str,
    pub(super) source: ProviderKind,
    /// Where its address is: SillyTavern's `server_urls`, or a fixed service address.
    pub(super) url: TextGenUrl,
    /// Its model field in `textgenerationwebui_settings`.
    pub(super) model_field: Option<&'static str>,
}

pub(super) enum TextGenUrl {
    /// `server_urls[id]`.
    Configured,
    /// A fixed address (`None`: the source's default).
    Fixed(Option<&'static str>),
}

const fn tg(
    id: &'static str,
    label: &'static str,
    source: ProviderKind,
    url: TextGenUrl,
    model_field: Option<&'static str>,
) -> TextGenType {
    TextGenType {
        id,
        label,
        source,
        url,
        model_field,
    }
}

use TextGenUrl::{Configured, Fixed};

pub(super) const TEXT_GEN_TYPES: &[TextGenType] = &[
    tg("ooba", "Oobabooga", ProviderKind::Ooba, Configured, None),
    tg(
        "mancer",
        "Mancer",
        ProviderKind::Mancer,
        Fixed(None),
        Some("mancer_model"),
    ),
    tg(
        "tabby",
        "TabbyAPI",
        ProviderKind::Tabby,
        Configured,
        Some("tabby_model"),
    ),
    tg(
        "koboldcpp",
        "KoboldCpp",
        ProviderKind::KoboldCpp,
        Configured,
        None,
    ),
    tg(
        "llamacpp",
        "llama.cpp",
        ProviderKind::Custom,
        Configured,
        Some("llamacpp_model"),
    ),
    tg(
        "ollama",
        "Ollama",
        ProviderKind::Custom,
        Configured,
        Some("ollama_model"),
    ),
    tg(
        "vllm",
        "vLLM",
        ProviderKind::Custom,
        Configured,
        Some("vllm_model"),
    ),
    tg(
        "aphrodite",
        "Aphrodite",
        ProviderKind::Custom,
        Configured,
        Some("aphrodite_model"),
    ),
    tg(
        "huggingface",
        "Hugging Face TGI",
        ProviderKind::Custom,
        Configured,
        None,
    ),
    tg(
        "generic",
        "Generic OpenAI-compatible",
        ProviderKind::Custom,
        Configured,
        Some("generic_model"),
    ),
    tg(
        "togetherai",
        "TogetherAI",
        ProviderKind::Custom,
        Fixed(Some("https://api.together.xyz/v1")),
        Some("togetherai_model"),
    ),
    tg(
        "infermaticai",
        "InfermaticAI",
        ProviderKind::Custom,
        Fixed(Some("https://api.totalgpt.ai/v1")),
        Some("infermaticai_model"),
    ),
    tg(
        "featherless",
        "Featherless",
        ProviderKind::Custom,
        Fixed(Some("https://api.featherless.ai/v1")),
        Some("featherless_model"),
    ),
    tg(
        "openrouter",
        "OpenRouter",
        ProviderKind::OpenRouter,
        Fixed(None),
        Some("openrouter_model"),
    ),
];

/// A chat-completion source of SillyTavern (`oai_settings.chat_completion_source`).
pub(super) struct ChatSource {
    pub(super) id: &'static str,
    pub(super) label: &'static str,
    pub(super) source: ProviderKind,
    /// A fixed address (`None`: the source's default, or the reverse proxy when set).
    pub(super) url: Option<&'static str>,
    pub(super) model_field: &'static str,
    /// Whether SillyTavern sends this source's requests to `reverse_proxy` when one is set
    /// (with `proxy_password` as the key). OpenRouter and the others ignore it.
    pub(super) reverse_proxy: bool,
}

pub(super) const CHAT_SOURCES: &[ChatSource] = &[
    ChatSource {
        id: "openai",
        label: "OpenAI",
        source: ProviderKind::OpenAi,
        url: None,
        model_field: "openai_model",
        reverse_proxy: true,
    },
    ChatSource {
        id: "claude",
        label: "Claude",
        source: ProviderKind::Claude,
        url: None,
        model_field: "claude_model",
        reverse_proxy: true,
    },
    ChatSource {
        id: "mistralai",
        label: "Mistral AI",
        source: ProviderKind::Mistral,
        url: None,
        model_field: "mistralai_model",
        reverse_proxy: true,
    },
    ChatSource {
        id: "openrouter",
        label: "OpenRouter",
        source: ProviderKind::OpenRouter,
        url: None,
        model_field: "openrouter_model",
        reverse_proxy: false,
    },
    ChatSource {
        id: "custom",
        label: "Custom",
        source: ProviderKind::Custom,
        url: None,
        model_field: "custom_model",
        reverse_proxy: false,
    },
    ChatSource {
        id: "deepseek",
        label: "DeepSeek",
        source: ProviderKind::Custom,
        url: Some("https://api.deepseek.com/v1"),
        model_field: "deepseek_model",
        reverse_proxy: false,
    },
    ChatSource {
        id: "groq",
        label: "Groq",
        source: ProviderKind::Custom,
        url: Some("https://api.groq.com/openai/v1"),
        model_field: "groq_model",
        reverse_proxy: false,
    },
    ChatSource {
        id: "xai",
        label: "xAI",
        source: ProviderKind::Custom,
        url: Some("https://api.x.ai/v1"),
        model_field: "xai_model",
        reverse_proxy: false,
    },
];
