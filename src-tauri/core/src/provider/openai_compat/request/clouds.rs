//! The OpenAI-compatible cloud services as data: one [`Flavor`] per vendor (its samplers, the
//! reply-length field, whether `stream_options.include_usage` is sent, where its model list is,
//! its default headers) and Azure OpenAI's refusals. Every fact here is in `docs/providers.md`,
//! "OpenAI-compatible clouds", with the vendor page it comes from.
//!
//! Data only: must not send anything, nor ask which vendor it is talking to at run time.

use super::{refusal, Flavor, ModelsRoute, ParamSupport, Routes, ALL_PARAMS, LOCAL, OPENAI_PARAMS};
use crate::error::ErrorKind;
use crate::provider::server_error::ServerError;
use crate::provider::support::{KeyHeader, Refusal};

/// A cloud with OpenAI's samplers and no `stream_options`.
const CLOUD: Flavor = Flavor {
    params: OPENAI_PARAMS,
    stream_usage: false,
    ..LOCAL
};

const NO_SEED: ParamSupport = ParamSupport {
    seed: false,
    ..OPENAI_PARAMS
};

/// DeepSeek: `reasoning_content` deltas (deepseek-reasoner), usage on request, no seed.
pub const DEEPSEEK: Flavor = Flavor {
    params: NO_SEED,
    stream_usage: true,
    ..CLOUD
};

/// xAI: OpenAI's samplers, usage on request; grok-3-mini streams `reasoning_content`.
pub const XAI: Flavor = Flavor {
    stream_usage: true,
    ..CLOUD
};

/// Groq: `max_completion_tokens`, usage on request, no penalties.
pub const GROQ: Flavor = Flavor {
    params: ParamSupport {
        frequency_penalty: false,
        presence_penalty: false,
        ..OPENAI_PARAMS
    },
    max_tokens_field: "max_completion_tokens",
    stream_usage: true,
    ..CLOUD
};

/// Perplexity: `top_k` and the penalties, no seed or stop strings, no model list.
pub const PERPLEXITY: Flavor = Flavor {
    params: ParamSupport {
        top_k: true,
        seed: false,
        stop: false,
        ..OPENAI_PARAMS
    },
    models: ModelsRoute::None,
    ..CLOUD
};

/// Fireworks AI: `top_k`, `min_p`, `repetition_penalty`; no seed.
pub const FIREWORKS: Flavor = Flavor {
    params: ParamSupport {
        seed: false,
        ..ALL_PARAMS
    },
    ..CLOUD
};

/// Moonshot AI: no seed; kimi's thinking models stream `reasoning_content`.
pub const MOONSHOT: Flavor = Flavor {
    params: NO_SEED,
    ..CLOUD
};

const FEW_PARAMS: ParamSupport = ParamSupport {
    frequency_penalty: false,
    presence_penalty: false,
    seed: false,
    ..OPENAI_PARAMS
};

/// Z.ai: no penalties or seed, `reasoning_content` deltas, no model list, answers in English
/// when asked (`Accept-Language`).
pub const ZAI: Flavor = Flavor {
    params: FEW_PARAMS,
    default_headers: &[("Accept-Language", "en-US,en")],
    models: ModelsRoute::None,
    ..CLOUD
};

/// MiniMax: temperature, `top_p` and the reply length only.
pub const MINIMAX: Flavor = Flavor {
    params: ParamSupport {
        stop: false,
        ..FEW_PARAMS
    },
    ..CLOUD
};

/// SiliconFlow: `top_k`, `min_p`, `frequency_penalty`; `reasoning_content` deltas.
pub const SILICONFLOW: Flavor = Flavor {
    params: ParamSupport {
        top_k: true,
        min_p: true,
        presence_penalty: false,
        ..NO_SEED
    },
    ..CLOUD
};

/// AI21: no penalties or seed, no model list.
pub const AI21: Flavor = Flavor {
    params: FEW_PARAMS,
    models: ModelsRoute::None,
    ..CLOUD
};

/// NanoGPT: a router that passes every sampler on.
pub const NANOGPT: Flavor = Flavor {
    params: ALL_PARAMS,
    ..CLOUD
};

/// Electron Hub: OpenAI's samplers.
pub const ELECTRONHUB: Flavor = CLOUD;

/// Chutes: vLLM and SGLang behind it: every sampler, usage on request, `reasoning_content`.
pub const CHUTES: Flavor = Flavor {
    params: ALL_PARAMS,
    stream_usage: true,
    ..CLOUD
};

/// AI/ML API: OpenAI's samplers.
pub const AIMLAPI: Flavor = CLOUD;

/// Pollinations: models listed at `/models` beside `/openai`, as a bare array.
pub const POLLINATIONS: Flavor = Flavor {
    models: ModelsRoute::Beside("/models"),
    ..CLOUD
};

/// Cloudflare Workers AI: the account id in the URL, models from Cloudflare's own search.
pub const WORKERS_AI: Flavor = Flavor {
    models: ModelsRoute::Beside("/models/search?task=Text%20Generation"),
    url_placeholder: Some((
        "/accounts/ACCOUNT_ID/",
        "replace ACCOUNT_ID in the URL with your Cloudflare account id (on the dashboard's Workers AI page)",
    )),
    ..CLOUD
};

/// Azure OpenAI: the key in `api-key`, its two routes, `max_completion_tokens`, usage on
/// request, and its refusals read (content filter, missing deployment).
pub const AZURE: Flavor = Flavor {
    key_headers: &[KeyHeader {
        name: "api-key",
        scheme: "",
    }],
    max_tokens_field: "max_completion_tokens",
    stream_usage: true,
    routes: Routes::Azure,
    refusal: azure_refusal,
    ..CLOUD
};

/// Azure's error bodies (`{"error":{"code","message","innererror"?}}`): a content filter's
/// refusal and a missing deployment are named as such.
fn azure_refusal(status: u16, body: &str) -> Refusal {
    let server = ServerError::from_body(body);
    match server.code.as_deref() {
        Some("content_filter") => Refusal::new(
            ErrorKind::InvalidRequest,
            format!(
                "Azure's content filter refused the prompt ({}). The filter is set on the deployment in the Azure portal",
                server.message.trim_end_matches('.')
            ),
        ),
        Some("DeploymentNotFound") => Refusal::new(
            ErrorKind::ModelNotFound,
            format!(
                "{} (the model is the deployment's name, as in the Azure portal)",
                server.message.trim_end_matches('.')
            ),
        ),
        _ => refusal(status, body),
    }
}
