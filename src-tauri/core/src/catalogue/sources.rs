//! [`SOURCES`]: every source as data, grouped as the window and `providers` list them.
//!
//! Data only: must not depend on any adapter, on HTTP or on the store.

use super::samplers::*;
use super::*;
use crate::endpoint::UrlRules;

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

/// A source not yet supported by this version: listed, with its default URL, but refused when
/// connected (each is filled in as its adapter lands).
const fn planned(
    kind: ProviderKind,
    id: &'static str,
    label: &'static str,
    group: SourceGroup,
    default_url: &'static str,
) -> SourceInfo {
    SourceInfo {
        kind,
        id,
        label,
        group,
        default_url,
        key: KeyNeed::Required,
        key_label: "API key",
        key_note: "",
        key_header: "authorization",
        capabilities: chat(true, false),
        supported: false,
        samplers: OPENAI_SAMPLERS,
        url_rules: rules(""),
        assumed_context: None,
    }
}

/// A text-completion service speaking OpenAI's `/completions` (streamed, models listed), with a
/// bearer key; its samplers are filled in per service.
const fn text_service(
    kind: ProviderKind,
    id: &'static str,
    label: &'static str,
    default_url: &'static str,
    version_path: &'static str,
) -> SourceInfo {
    SourceInfo {
        kind,
        id,
        label,
        group: SourceGroup::TextService,
        default_url,
        key: KeyNeed::Required,
        key_label: "API key",
        key_note: "",
        key_header: "authorization",
        capabilities: text(true, true, false),
        supported: true,
        samplers: LOCAL_SAMPLERS,
        url_rules: rules(version_path),
        assumed_context: None,
    }
}

/// Every source, grouped as listed: cloud chat APIs, local servers, text-completion services
/// (the first twelve, made before the groups, come first).
pub const SOURCES: &[SourceInfo] = &[
    SourceInfo {
        kind: ProviderKind::OpenAi,
        id: "openai",
        label: "OpenAI",
        group: SourceGroup::CloudChat,
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
        group: SourceGroup::CloudChat,
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
        group: SourceGroup::CloudChat,
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
        group: SourceGroup::CloudChat,
        default_url: "https://openrouter.ai/api/v1",
        key: KeyNeed::Required,
        key_label: "API key",
        key_note: "",
        key_header: "authorization",
        capabilities: Capabilities {
            other_api: Some(ApiType::TextCompletion),
            ..chat(true, false)
        },
        supported: true,
        samplers: OPENROUTER_SAMPLERS,
        url_rules: rules("/api/v1"),
        assumed_context: None,
    },
    SourceInfo {
        kind: ProviderKind::Custom,
        id: "custom",
        label: "Custom (OpenAI-compatible)",
        group: SourceGroup::LocalServer,
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
        group: SourceGroup::LocalServer,
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
        group: SourceGroup::LocalServer,
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
        group: SourceGroup::TextService,
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
        group: SourceGroup::LocalServer,
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
        group: SourceGroup::LocalServer,
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
        group: SourceGroup::TextService,
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
        group: SourceGroup::TextService,
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
    // Cloud chat APIs speaking OpenAI's chat completions.
    planned(
        ProviderKind::DeepSeek,
        "deepseek",
        "DeepSeek",
        SourceGroup::CloudChat,
        "https://api.deepseek.com",
    ),
    planned(
        ProviderKind::XAi,
        "xai",
        "xAI (Grok)",
        SourceGroup::CloudChat,
        "https://api.x.ai/v1",
    ),
    planned(
        ProviderKind::Groq,
        "groq",
        "Groq",
        SourceGroup::CloudChat,
        "https://api.groq.com/openai/v1",
    ),
    planned(
        ProviderKind::Perplexity,
        "perplexity",
        "Perplexity",
        SourceGroup::CloudChat,
        "https://api.perplexity.ai",
    ),
    planned(
        ProviderKind::Fireworks,
        "fireworks",
        "Fireworks AI",
        SourceGroup::CloudChat,
        "https://api.fireworks.ai/inference/v1",
    ),
    planned(
        ProviderKind::Moonshot,
        "moonshot",
        "Moonshot AI (Kimi)",
        SourceGroup::CloudChat,
        "https://api.moonshot.ai/v1",
    ),
    planned(
        ProviderKind::ZAi,
        "zai",
        "Z.ai (GLM)",
        SourceGroup::CloudChat,
        "https://api.z.ai/api/paas/v4",
    ),
    planned(
        ProviderKind::MiniMax,
        "minimax",
        "MiniMax",
        SourceGroup::CloudChat,
        "https://api.minimax.io/v1",
    ),
    planned(
        ProviderKind::SiliconFlow,
        "siliconflow",
        "SiliconFlow",
        SourceGroup::CloudChat,
        "https://api.siliconflow.com/v1",
    ),
    planned(
        ProviderKind::Ai21,
        "ai21",
        "AI21 Labs",
        SourceGroup::CloudChat,
        "https://api.ai21.com/studio/v1",
    ),
    planned(
        ProviderKind::NanoGpt,
        "nanogpt",
        "NanoGPT",
        SourceGroup::CloudChat,
        "https://nano-gpt.com/api/v1",
    ),
    planned(
        ProviderKind::ElectronHub,
        "electronhub",
        "Electron Hub",
        SourceGroup::CloudChat,
        "https://api.electronhub.ai/v1",
    ),
    planned(
        ProviderKind::Chutes,
        "chutes",
        "Chutes",
        SourceGroup::CloudChat,
        "https://llm.chutes.ai/v1",
    ),
    planned(
        ProviderKind::AimlApi,
        "aimlapi",
        "AI/ML API",
        SourceGroup::CloudChat,
        "https://api.aimlapi.com/v1",
    ),
    planned(
        ProviderKind::Pollinations,
        "pollinations",
        "Pollinations",
        SourceGroup::CloudChat,
        "https://text.pollinations.ai/openai",
    ),
    planned(
        ProviderKind::WorkersAi,
        "workers_ai",
        "Cloudflare Workers AI",
        SourceGroup::CloudChat,
        "https://api.cloudflare.com/client/v4",
    ),
    planned(
        ProviderKind::AzureOpenAi,
        "azure_openai",
        "Azure OpenAI",
        SourceGroup::CloudChat,
        "https://example.openai.azure.com",
    ),
    // Local servers through their own APIs.
    planned(
        ProviderKind::LlamaCpp,
        "llamacpp",
        "llama.cpp server",
        SourceGroup::LocalServer,
        "http://127.0.0.1:8080",
    ),
    planned(
        ProviderKind::Ollama,
        "ollama",
        "Ollama",
        SourceGroup::LocalServer,
        "http://127.0.0.1:11434",
    ),
    planned(
        ProviderKind::Vllm,
        "vllm",
        "vLLM",
        SourceGroup::LocalServer,
        "http://127.0.0.1:8000",
    ),
    planned(
        ProviderKind::Aphrodite,
        "aphrodite",
        "Aphrodite Engine",
        SourceGroup::LocalServer,
        "http://127.0.0.1:2242",
    ),
    // Text-completion services: OpenAI's `/completions` (docs/providers.md has the facts).
    SourceInfo {
        samplers: TOGETHER_SAMPLERS,
        ..text_service(
            ProviderKind::TogetherAi,
            "togetherai",
            "Together AI",
            "https://api.together.xyz/v1",
            "/v1",
        )
    },
    SourceInfo {
        samplers: LOCAL_SAMPLERS,
        ..text_service(
            ProviderKind::InfermaticAi,
            "infermaticai",
            "Infermatic AI",
            "https://api.totalgpt.ai/v1",
            "/v1",
        )
    },
    SourceInfo {
        samplers: TOGETHER_SAMPLERS,
        ..text_service(
            ProviderKind::DreamGen,
            "dreamgen",
            "DreamGen",
            "https://dreamgen.com/api/openai/v1",
            "/api/openai/v1",
        )
    },
    SourceInfo {
        samplers: LOCAL_SAMPLERS,
        ..text_service(
            ProviderKind::Featherless,
            "featherless",
            "Featherless AI",
            "https://api.featherless.ai/v1",
            "/v1",
        )
    },
    SourceInfo {
        key: KeyNeed::Optional,
        key_label: "Access token",
        key_note: "A Hugging Face access token; not needed for a public endpoint.",
        samplers: TGI_SAMPLERS,
        ..text_service(
            ProviderKind::HuggingFace,
            "huggingface",
            "Hugging Face Inference Endpoints",
            "https://example.endpoints.huggingface.cloud/v1",
            "/v1",
        )
    },
];
