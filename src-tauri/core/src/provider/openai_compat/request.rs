//! The OpenAI-compatible family's requests as values, and the differences between its sources
//! as data.
//!
//! Everything vendor-specific about the OpenAI-compatible family lives in the [`Flavor`]
//! constants: how the key is sent, which sampler fields the API accepts and under which names,
//! how the status check works, and whether a missing `/v1` is discovered. The protocol code
//! reads the flavor and never asks which vendor it is talking to. This module must not send
//! anything: [`crate::provider::support::Client`] does.

use reqwest::Method;

use crate::endpoint;
use crate::error::Result;
use crate::provider::server_error::ServerError;
use crate::provider::support::{Client, KeyHeader, Quirks, Refusal, Request, BEARER};

pub mod azure;
pub mod clouds;

/// `x-api-key: <key>` (TabbyAPI, Mancer and Aphrodite read it).
const X_API_KEY: KeyHeader = KeyHeader {
    name: "x-api-key",
    scheme: "",
};
/// `Authorization: Bearer <key>`.
pub(super) const BEARER_ONLY: &[KeyHeader] = &[BEARER];
/// Bearer plus `x-api-key`.
const BEARER_AND_API_KEY: &[KeyHeader] = &[BEARER, X_API_KEY];

/// Which optional sampler fields the API accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamSupport {
    /// `top_k`.
    pub top_k: bool,
    /// `min_p`.
    pub min_p: bool,
    /// `repetition_penalty`.
    pub repetition_penalty: bool,
    /// `presence_penalty`.
    pub presence_penalty: bool,
    /// The seed (under [`Flavor::seed_field`]).
    pub seed: bool,
    /// `top_a`.
    pub top_a: bool,
    /// text-generation-webui's extras: `repetition_penalty_range`, `typical_p`, `tfs`, and
    /// `truncation_length` for text completion.
    pub textgen: bool,
    /// `frequency_penalty`.
    pub frequency_penalty: bool,
    /// `stop`.
    pub stop: bool,
    /// `typical_p`, `tfs` and `top_a` without the rest of `textgen` (Aphrodite).
    pub typical_tfs_top_a: bool,
    /// llama.cpp's server: `repeat_penalty` and `repeat_last_n` for the repetition penalty and
    /// its range, and `typical_p` (its own names, read on its OpenAI-compatible routes too).
    pub llamacpp_names: bool,
}

/// Where the model list is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelsRoute {
    /// `GET {base}/models`.
    Base,
    /// `GET {parent}{path}`, `{parent}` being the base without its last segment (Pollinations'
    /// `/models` beside `/openai`, Cloudflare's `/models/search` beside `/v1`).
    Beside(&'static str),
    /// The service lists no models: the status check asks nothing and the model id is typed.
    None,
}

/// How a generation's URL is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Routes {
    /// `{base}/chat/completions` (or `/completions`), the model in the body.
    Base,
    /// Azure OpenAI: the connection's base is the resource and its options choose the route
    /// (`azure`).
    Azure,
}

/// Which request checks the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusCheck {
    /// `GET {base}/models`.
    Models,
    /// `GET {base}/key` (OpenRouter: its model list needs no key, so it would not test the key).
    KeyInfo,
}

/// One OpenAI-compatible dialect.
#[derive(Debug, Clone, Copy)]
pub struct Flavor {
    /// The headers that carry the key.
    pub key_headers: &'static [KeyHeader],
    /// Headers sent on every request unless the profile sets its own value.
    pub default_headers: &'static [(&'static str, &'static str)],
    /// Accepted optional sampler fields.
    pub params: ParamSupport,
    /// Name of the reply-length field (`max_completion_tokens` for OpenAI, else `max_tokens`).
    pub max_tokens_field: &'static str,
    /// Name of the seed field (`random_seed` for Mistral, else `seed`).
    pub seed_field: &'static str,
    /// The most stop strings the API takes; the first ones are sent (`None`: all).
    pub stop_limit: Option<usize>,
    /// `top_p` must stay below 1: 1 or more is sent as [`TOP_P_BELOW_ONE`].
    pub top_p_below_one: bool,
    /// Ask for a usage chunk with `stream_options.include_usage`.
    pub stream_usage: bool,
    /// How the status check is done.
    pub status: StatusCheck,
    /// Try `{url}/v1` when the URL as given has no such endpoint (custom servers).
    pub discover_v1: bool,
    /// text-generation-webui's internal routes: the status names the loaded model from
    /// `{base}/internal/model/info`, and `{base}/internal/token-count` counts prompt tokens.
    pub textgen_internal: bool,
    /// Local servers' own routes at the server's root (the base without `/v1`): llama.cpp's
    /// `GET /props` and Ollama's `GET /api/ps` tell the context size when the model list does
    /// not, llama.cpp's `POST /tokenize` counts prompt tokens. A server without them answers
    /// 404, which only means they are not used.
    pub llamacpp_routes: bool,
    /// Where the model list is.
    pub models: ModelsRoute,
    /// How a generation's URL is made.
    pub routes: Routes,
    /// Text of the default URL the person must replace (Cloudflare's `ACCOUNT_ID`), and what
    /// goes there: a URL still holding it is refused before anything is sent.
    pub url_placeholder: Option<(&'static str, &'static str)>,
    /// What a refusal's body means, when the vendor's differs from the family's.
    pub refusal: fn(u16, &str) -> Refusal,
}

/// The `top_p` sent for 1 or more where it must stay below 1 (SillyTavern's value).
pub const TOP_P_BELOW_ONE: f32 = 0.999;

pub(super) const ALL_PARAMS: ParamSupport = ParamSupport {
    top_k: true,
    min_p: true,
    repetition_penalty: true,
    presence_penalty: true,
    seed: true,
    top_a: false,
    textgen: false,
    frequency_penalty: true,
    stop: true,
    typical_tfs_top_a: false,
    llamacpp_names: false,
};

const TEXTGEN_PARAMS: ParamSupport = ParamSupport {
    top_a: true,
    textgen: true,
    ..ALL_PARAMS
};

pub(super) const OPENAI_PARAMS: ParamSupport = ParamSupport {
    top_k: false,
    min_p: false,
    repetition_penalty: false,
    ..ALL_PARAMS
};

pub(super) const LOCAL: Flavor = Flavor {
    key_headers: BEARER_ONLY,
    default_headers: &[],
    params: ALL_PARAMS,
    max_tokens_field: "max_tokens",
    seed_field: "seed",
    stop_limit: None,
    top_p_below_one: false,
    stream_usage: true,
    status: StatusCheck::Models,
    discover_v1: false,
    textgen_internal: false,
    llamacpp_routes: false,
    models: ModelsRoute::Base,
    routes: Routes::Base,
    url_placeholder: None,
    refusal,
};

/// OpenAI's API.
pub const OPENAI: Flavor = Flavor {
    params: OPENAI_PARAMS,
    max_tokens_field: "max_completion_tokens",
    ..LOCAL
};

/// Mistral AI: `random_seed`, no `stream_options` (it reports usage in the last chunk anyway).
pub const MISTRAL: Flavor = Flavor {
    params: OPENAI_PARAMS,
    seed_field: "random_seed",
    stream_usage: false,
    ..LOCAL
};

/// OpenRouter: attribution header, key check for status, every sampler field and `top_a`.
pub const OPENROUTER: Flavor = Flavor {
    default_headers: &[("X-Title", "Switchboard")],
    params: ParamSupport {
        top_a: true,
        ..ALL_PARAMS
    },
    status: StatusCheck::KeyInfo,
    ..LOCAL
};

/// Any OpenAI-compatible server: URL as given, `/v1` discovered.
pub const CUSTOM: Flavor = Flavor {
    discover_v1: true,
    llamacpp_routes: true,
    ..LOCAL
};

/// Oobabooga text-generation-webui's OpenAI API, with its extra samplers.
pub const OOBA: Flavor = Flavor {
    params: TEXTGEN_PARAMS,
    textgen_internal: true,
    ..LOCAL
};

/// TabbyAPI: reads `x-api-key` as well as Bearer.
pub const TABBY: Flavor = Flavor {
    key_headers: BEARER_AND_API_KEY,
    ..LOCAL
};

/// Mancer: `/oai/v1`, key in `X-API-KEY` (and Bearer).
pub const MANCER: Flavor = Flavor {
    key_headers: BEARER_AND_API_KEY,
    params: TEXTGEN_PARAMS,
    ..LOCAL
};

/// vLLM's OpenAI-compatible server: Bearer key, its extra samplers (`top_k`, `min_p`,
/// `repetition_penalty`), the context as `max_model_len` in the model list.
pub const VLLM: Flavor = LOCAL;

/// Aphrodite Engine: the key as `X-API-KEY` and Bearer, vLLM's samplers plus `typical_p`, `tfs`
/// and `top_a`.
pub const APHRODITE: Flavor = Flavor {
    key_headers: BEARER_AND_API_KEY,
    params: ParamSupport {
        typical_tfs_top_a: true,
        ..ALL_PARAMS
    },
    ..LOCAL
};

/// llama.cpp's own server through its OpenAI-compatible chat route (`{root}/v1`): `/props`
/// and `/tokenize` at its root; it ignores `stream_options`.
pub const LLAMACPP: Flavor = Flavor {
    params: ParamSupport {
        llamacpp_names: true,
        ..ALL_PARAMS
    },
    stream_usage: false,
    llamacpp_routes: true,
    ..LOCAL
};

/// Together AI's completions (no seed among the fields SillyTavern sends it).
pub const TOGETHER: Flavor = Flavor {
    params: ParamSupport {
        seed: false,
        ..ALL_PARAMS
    },
    ..LOCAL
};

/// Infermatic AI (a vLLM server): every field of the local servers.
pub const INFERMATIC: Flavor = LOCAL;

/// DreamGen's OpenAI-compatible API: its sampling parameters have no seed.
pub const DREAMGEN: Flavor = TOGETHER;

/// Featherless AI (vLLM's fields).
pub const FEATHERLESS: Flavor = LOCAL;

/// Hugging Face's text-generation-inference: its OpenAI-compatible completion takes no
/// `top_k`, `min_p` or `presence_penalty`, at most 4 stop strings (the launcher's default
/// `--max-stop-sequences`) and a `top_p` strictly below 1; no `stream_options`.
pub const HUGGINGFACE: Flavor = Flavor {
    params: ParamSupport {
        top_k: false,
        min_p: false,
        presence_penalty: false,
        ..ALL_PARAMS
    },
    stop_limit: Some(4),
    top_p_below_one: true,
    stream_usage: false,
    ..LOCAL
};

impl Flavor {
    /// How requests are made and refusals read.
    pub(crate) fn quirks(&self) -> Quirks {
        Quirks {
            default_headers: self.default_headers,
            key_headers: self.key_headers,
            anonymous_key: None,
            refusal: self.refusal,
            // Model lists of big routers are a few MB.
            max_json: 32 * 1024 * 1024,
        }
    }
}

pub(super) fn refusal(status: u16, body: &str) -> Refusal {
    let server = ServerError::from_body(body);
    Refusal::new(server.kind_for_status(status), server.message)
}

/// `method` of `path` under `base` (a base differs from the configured one once `/v1` is
/// discovered).
pub(crate) fn at(client: &Client, method: Method, base: &str, path: &str) -> Request {
    client.request(method, endpoint::join(base, path))
}

/// text-generation-webui's token count of `text`.
pub(crate) fn token_count(client: &Client, base: &str, text: &str) -> Result<Request> {
    at(client, Method::POST, base, "/internal/token-count")
        .json(serde_json::json!({ "text": text }))
}

pub(crate) use crate::provider::server_routes::{props, server_root, tokenize};

/// Ollama's `GET {root}/api/ps` (the running models, with the context each was loaded with).
pub(crate) fn ollama_ps(client: &Client, base: &str) -> Request {
    at(client, Method::GET, server_root(base), "/api/ps")
}
