//! [`SOURCES`]: every source as data, grouped as the window and `providers` list them.
//!
//! Data only: must not depend on any adapter, on HTTP or on the store.

use super::image_limits::*;
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
        images: None,
    }
}

/// A chat API that reads images (the model permitting), at the limits most vendors document:
/// 2,048 pixels on the longest edge, 5 MB encoded.
const fn vision(streaming: bool, server_abort: bool) -> Capabilities {
    Capabilities {
        images: Some(VISION),
        ..chat(streaming, server_abort)
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
        images: None,
    }
}

const fn rules(version_path: &'static str) -> UrlRules {
    UrlRules {
        version_path,
        strip_suffixes: CHAT_SUFFIXES,
    }
}

/// The entry a source's own starts from: a bearer-key chat API with OpenAI's samplers, listed
/// but not supported until the entry says `supported: true` (a source planned and not built
/// yet is listed, and refused when connected).
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
        settings: &[],
    }
}

/// The URL Cloudflare Workers AI starts from: the person puts their account id in place of
/// `ACCOUNT_ID`.
pub const WORKERS_AI_URL: &str = "https://api.cloudflare.com/client/v4/accounts/ACCOUNT_ID/ai/v1";

/// The URL Azure OpenAI starts from: the person puts their resource's name in place of
/// `your-resource`.
pub const AZURE_URL: &str = "https://your-resource.openai.azure.com";

/// A cloud service that speaks OpenAI's chat completions and has no model list.
const CLOUD_WITHOUT_LIST: Capabilities = Capabilities {
    model_list: false,
    ..chat(true, false)
};

/// A cloud service that speaks OpenAI's chat completions: bearer key, streaming, a model
/// list, OpenAI's samplers, its URL kept as given.
const fn cloud(
    kind: ProviderKind,
    id: &'static str,
    label: &'static str,
    default_url: &'static str,
) -> SourceInfo {
    SourceInfo {
        supported: true,
        ..planned(kind, id, label, SourceGroup::CloudChat, default_url)
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
        settings: &[],
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
        capabilities: Capabilities {
            images: Some(OPENAI_VISION),
            ..chat(true, false)
        },
        supported: true,
        samplers: OPENAI_SAMPLERS,
        // A pasted Responses API URL (`…/v1/responses`) is the same base.
        url_rules: UrlRules {
            version_path: "/v1",
            strip_suffixes: &["/chat/completions", "/completions", "/responses", "/models"],
        },
        assumed_context: None,
        settings: &[SourceSetting::OpenAiApi],
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
            images: Some(CLAUDE_VISION),
            ..chat(true, false)
        },
        supported: true,
        samplers: CLAUDE_SAMPLERS,
        url_rules: UrlRules {
            version_path: "/v1",
            strip_suffixes: &["/messages", "/models"],
        },
        assumed_context: None,
        settings: &[],
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
        capabilities: vision(true, false),
        supported: true,
        samplers: OPENAI_SAMPLERS,
        url_rules: rules("/v1"),
        assumed_context: None,
        settings: &[],
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
            ..vision(true, false)
        },
        supported: true,
        samplers: OPENROUTER_SAMPLERS,
        url_rules: rules("/api/v1"),
        assumed_context: None,
        settings: &[],
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
            ..vision(true, false)
        },
        supported: true,
        samplers: LOCAL_SAMPLERS,
        url_rules: rules(""),
        assumed_context: Some(SELF_HOSTED_CONTEXT_SIZE),
        settings: &[],
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
        settings: &[],
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
        settings: &[],
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
        settings: &[],
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
        settings: &[],
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
        settings: &[],
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
        settings: &[],
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
        settings: &[],
    },
    // Cloud chat APIs speaking OpenAI's chat completions (facts and their sources:
    // docs/providers.md, "OpenAI-compatible clouds").
    SourceInfo {
        key_note: "From platform.deepseek.com, API keys.",
        samplers: DEEPSEEK_SAMPLERS,
        ..cloud(ProviderKind::DeepSeek, "deepseek", "DeepSeek", "https://api.deepseek.com")
    },
    SourceInfo {
        capabilities: vision(true, false),
        key_note: "From console.x.ai, API Keys.",
        url_rules: rules("/v1"),
        ..cloud(ProviderKind::XAi, "xai", "xAI (Grok)", "https://api.x.ai/v1")
    },
    SourceInfo {
        key_note: "From console.groq.com/keys.",
        samplers: GROQ_SAMPLERS,
        url_rules: rules("/openai/v1"),
        ..cloud(ProviderKind::Groq, "groq", "Groq", "https://api.groq.com/openai/v1")
    },
    SourceInfo {
        key_note: "From perplexity.ai, Settings, API. Perplexity lists no models: type one (sonar, sonar-pro, …).",
        samplers: PERPLEXITY_SAMPLERS,
        capabilities: CLOUD_WITHOUT_LIST,
        ..cloud(ProviderKind::Perplexity, "perplexity", "Perplexity", "https://api.perplexity.ai")
    },
    SourceInfo {
        key_note: "From fireworks.ai, Settings, API Keys.",
        samplers: FIREWORKS_SAMPLERS,
        url_rules: rules("/inference/v1"),
        ..cloud(ProviderKind::Fireworks, "fireworks", "Fireworks AI", "https://api.fireworks.ai/inference/v1")
    },
    SourceInfo {
        key_note: "From platform.moonshot.ai, API Keys (keys of platform.moonshot.cn work only with https://api.moonshot.cn/v1).",
        samplers: MOONSHOT_SAMPLERS,
        url_rules: rules("/v1"),
        ..cloud(ProviderKind::Moonshot, "moonshot", "Moonshot AI (Kimi)", "https://api.moonshot.ai/v1")
    },
    SourceInfo {
        key_note: "From z.ai, API Keys. With the GLM Coding Plan, use https://api.z.ai/api/coding/paas/v4 as the URL. Z.ai lists no models here: type one (glm-4.6, …).",
        samplers: ZAI_SAMPLERS,
        capabilities: CLOUD_WITHOUT_LIST,
        ..cloud(ProviderKind::ZAi, "zai", "Z.ai (GLM)", "https://api.z.ai/api/paas/v4")
    },
    SourceInfo {
        key_note: "From platform.minimax.io, API Keys (keys of the Chinese platform work only with https://api.minimaxi.com/v1).",
        samplers: MINIMAX_SAMPLERS,
        url_rules: rules("/v1"),
        ..cloud(ProviderKind::MiniMax, "minimax", "MiniMax", "https://api.minimax.io/v1")
    },
    SourceInfo {
        key_note: "From cloud.siliconflow.com, API Keys (keys of siliconflow.cn work only with https://api.siliconflow.cn/v1).",
        samplers: SILICONFLOW_SAMPLERS,
        url_rules: rules("/v1"),
        ..cloud(ProviderKind::SiliconFlow, "siliconflow", "SiliconFlow", "https://api.siliconflow.com/v1")
    },
    SourceInfo {
        key_note: "From studio.ai21.com, Settings, API Key. AI21 lists no models here: type one (jamba-mini, jamba-large).",
        samplers: AI21_SAMPLERS,
        capabilities: CLOUD_WITHOUT_LIST,
        url_rules: rules("/studio/v1"),
        ..cloud(ProviderKind::Ai21, "ai21", "AI21 Labs", "https://api.ai21.com/studio/v1")
    },
    SourceInfo {
        key_note: "From nano-gpt.com/api.",
        samplers: LOCAL_SAMPLERS,
        url_rules: rules("/api/v1"),
        ..cloud(ProviderKind::NanoGpt, "nanogpt", "NanoGPT", "https://nano-gpt.com/api/v1")
    },
    SourceInfo {
        key_note: "From playground.electronhub.ai, Console, API keys.",
        url_rules: rules("/v1"),
        ..cloud(ProviderKind::ElectronHub, "electronhub", "Electron Hub", "https://api.electronhub.ai/v1")
    },
    SourceInfo {
        key_note: "From chutes.ai, API Keys.",
        samplers: LOCAL_SAMPLERS,
        url_rules: rules("/v1"),
        ..cloud(ProviderKind::Chutes, "chutes", "Chutes", "https://llm.chutes.ai/v1")
    },
    SourceInfo {
        key_note: "From aimlapi.com, Key Management.",
        url_rules: rules("/v1"),
        ..cloud(ProviderKind::AimlApi, "aimlapi", "AI/ML API", "https://api.aimlapi.com/v1")
    },
    SourceInfo {
        key: KeyNeed::Optional,
        key_note: "Optional: without a key Pollinations answers anonymously, with lower limits. A token from auth.pollinations.ai raises them.",
        ..cloud(ProviderKind::Pollinations, "pollinations", "Pollinations", "https://text.pollinations.ai/openai")
    },
    SourceInfo {
        key_label: "API token",
        key_note: "A Cloudflare API token with Workers AI permission (dashboard, My Profile, API Tokens). Your account id is part of the URL: replace ACCOUNT_ID with the id shown on the dashboard's Workers AI page.",
        ..cloud(ProviderKind::WorkersAi, "workers_ai", "Cloudflare Workers AI", WORKERS_AI_URL)
    },
    SourceInfo {
        key_note: "KEY 1 or KEY 2 from your resource's Keys and Endpoint page in the Azure portal; sent in the api-key header. The URL is the resource's endpoint; the model is your deployment's name.",
        key_header: "api-key",
        url_rules: UrlRules {
            version_path: "",
            strip_suffixes: &["/chat/completions", "/models", "/openai/v1", "/openai"],
        },
        settings: &[SourceSetting::AzureRoute],
        capabilities: vision(true, false),
        ..cloud(ProviderKind::AzureOpenAi, "azure_openai", "Azure OpenAI", AZURE_URL)
    },
    // Cloud chat APIs with protocols of their own (one family folder each).
    SourceInfo {
        settings: &[SourceSetting::GeminiThinking],
        capabilities: vision(true, false),
        key_note: "From Google AI Studio (aistudio.google.com, \"Get API key\"); sent in the x-goog-api-key header.",
        key_header: "x-goog-api-key",
        supported: true,
        samplers: GOOGLE_SAMPLERS,
        url_rules: UrlRules {
            version_path: "/v1beta",
            strip_suffixes: &["/models"],
        },
        ..planned(ProviderKind::Gemini, "gemini", "Google AI Studio (Gemini)", SourceGroup::CloudChat, "https://generativelanguage.googleapis.com/v1beta")
    },
    SourceInfo {
        settings: &[SourceSetting::VertexAuth, SourceSetting::GeminiThinking],
        capabilities: Capabilities {
            images: Some(VERTEX_VISION),
            ..chat(true, false)
        },
        key_note: "An express mode API key from the Vertex AI console; sent in the x-goog-api-key header.",
        key_header: "x-goog-api-key",
        supported: true,
        samplers: GOOGLE_SAMPLERS,
        url_rules: UrlRules {
            version_path: "/v1",
            strip_suffixes: &["/publishers/google/models", "/models"],
        },
        ..planned(ProviderKind::VertexAi, "vertexai", "Google Vertex AI", SourceGroup::CloudChat, "https://aiplatform.googleapis.com/v1")
    },
    SourceInfo {
        key_note: "From dashboard.cohere.com, API Keys.",
        // Command A Vision reads images (Cohere's "Image Inputs" guide); other models refuse.
        capabilities: vision(true, false),
        supported: true,
        samplers: COHERE_SAMPLERS,
        url_rules: UrlRules {
            version_path: "/v2",
            strip_suffixes: &["/chat", "/v1/models", "/models"],
        },
        ..planned(ProviderKind::Cohere, "cohere", "Cohere", SourceGroup::CloudChat, "https://api.cohere.com/v2")
    },
    // Local servers through their own APIs.
    SourceInfo {
        key: KeyNeed::Optional,
        capabilities: Capabilities {
            other_api: Some(ApiType::ChatCompletion),
            images: Some(VISION),
            ..text(true, true, false)
        },
        supported: true,
        samplers: LLAMACPP_SAMPLERS,
        url_rules: UrlRules {
            version_path: "",
            strip_suffixes: &[
                "/chat/completions",
                "/completions",
                "/completion",
                "/models",
                "/health",
                "/props",
                "/v1",
            ],
        },
        assumed_context: Some(SELF_HOSTED_CONTEXT_SIZE),
        ..planned(
            ProviderKind::LlamaCpp,
            "llamacpp",
            "llama.cpp server",
            SourceGroup::LocalServer,
            "http://127.0.0.1:8080",
        )
    },
    SourceInfo {
        key: KeyNeed::Optional,
        capabilities: Capabilities {
            other_api: Some(ApiType::TextCompletion),
            ..vision(true, false)
        },
        supported: true,
        samplers: OLLAMA_SAMPLERS,
        url_rules: UrlRules {
            version_path: "",
            strip_suffixes: &["/api/chat", "/api/generate", "/api/tags", "/api", "/v1"],
        },
        assumed_context: Some(SELF_HOSTED_CONTEXT_SIZE),
        settings: &[SourceSetting::OllamaKeepAlive],
        ..planned(
            ProviderKind::Ollama,
            "ollama",
            "Ollama",
            SourceGroup::LocalServer,
            "http://127.0.0.1:11434",
        )
    },
    SourceInfo {
        key: KeyNeed::Optional,
        capabilities: Capabilities {
            other_api: Some(ApiType::ChatCompletion),
            ..text(true, true, false)
        },
        supported: true,
        samplers: LOCAL_SAMPLERS,
        url_rules: rules("/v1"),
        assumed_context: Some(SELF_HOSTED_CONTEXT_SIZE),
        ..planned(
            ProviderKind::Vllm,
            "vllm",
            "vLLM",
            SourceGroup::LocalServer,
            "http://127.0.0.1:8000/v1",
        )
    },
    SourceInfo {
        key: KeyNeed::Optional,
        capabilities: Capabilities {
            other_api: Some(ApiType::ChatCompletion),
            ..text(true, true, false)
        },
        supported: true,
        samplers: APHRODITE_SAMPLERS,
        url_rules: rules("/v1"),
        assumed_context: Some(SELF_HOSTED_CONTEXT_SIZE),
        ..planned(
            ProviderKind::Aphrodite,
            "aphrodite",
            "Aphrodite Engine",
            SourceGroup::LocalServer,
            "http://127.0.0.1:2242/v1",
        )
    },
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
