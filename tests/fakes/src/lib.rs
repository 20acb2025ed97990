//! Fake LLM provider HTTP servers for Switchboard's tests.
//!
//! A [`FakeServer`] is a real HTTP/1.1 server on `127.0.0.1` that speaks a provider's wire format
//! byte for byte (SSE framing, error bodies, mid-stream errors), answers according to a
//! [`Scenario`], and records every request it receives. Tests start one in-process:
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use switchboard_fakes::{FakeOptions, FakeServer, Scenario};
//! let server = FakeServer::start(FakeOptions { scenario: Scenario::Split, ..Default::default() }).await?;
//! let chat_url = format!("{}/v1/chat/completions", server.base_url());
//! // … point the client at `chat_url`, then inspect `server.requests()`.
//! # Ok(()) }
//! ```
//!
//! The `switchboard-fakes` binary serves the same fakes for manual and end-to-end use; a running
//! server is driven through `POST /__fake/scenario` and inspected through `GET /__fake/requests`.
//!
//! Protocol families live in sibling modules (`openai.rs` for [`Family::OpenAi`], `anthropic.rs`
//! for [`Family::Anthropic`], `kobold.rs` for [`Family::Kobold`], `horde.rs` for
//! [`Family::Horde`], `novelai.rs` for [`Family::NovelAi`], `ollama.rs` for [`Family::Ollama`],
//! `llamacpp.rs` for [`Family::LlamaCpp`], built on the recorded bytes of llama.cpp's own
//! server, `cohere.rs` for [`Family::Cohere`], `gemini.rs` for [`Family::Gemini`]); each turns a recorded request into a
//! reply, and each gives every [`Scenario`] its own equivalent (the module documentation of the
//! last three has a table, and that of `openai.rs` one for [`Dialect::Ooba`] and
//! [`Dialect::Mancer`]). Within [`Family::OpenAi`], [`Dialect`] picks the server imitated:
//! OpenAI, llama-cpp-python, KoboldCpp's `/v1`, text-generation-webui (`ooba.rs` holds its
//! FastAPI validation, `Host` check and `…/internal/*` routes) or Mancer; with
//! [`FakeOptions::context_limit`] it is also a llama.cpp server with a small context
//! (`context.rs`: `/props`, `/tokenize`, the over-long prompt refused). Shared pieces:
//! `json.rs` (ordered JSON in each server's formatting, and a reader that fails like Python's
//! `json.loads`), `images.rs` (the images a generation carries, in each family's shape, decoded,
//! checked against their stated media type and described in the reply), `echo.rs` (the `echo-*` scenarios of every family: answers that quote the
//! request's credentials), `sse.rs` (hostile splitting), `reply.rs` (frames and HTTP plumbing) and
//! `server.rs` (the server, recording and the `/__fake` control routes).
//!
//! Beside the fakes: [`FakeProxy`] (`proxy.rs`), a forward HTTP proxy that records what it
//! relays and may demand credentials, and [`TlsFront`] (`tls.rs`), an `https://` front with a
//! self-signed certificate for any fake; and [`FakeTokenEndpoint`] (`google_oauth.rs`), Google's
//! OAuth token endpoint for a service account's signed JWT (verified with the account's public key).

mod anthropic;
mod citations;
mod clouds;
mod cohere;
mod context;
mod documents;
mod echo;
mod flood;
mod gemini;
mod google_oauth;
mod horde;
mod images;
mod json;
mod kobold;
mod llamacpp;
mod model_catalogue;
mod novelai;
mod ollama;
mod ooba;
mod openai;
mod proxy;
mod reply;
mod responses;
mod server;
mod sse;
mod tls;

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

pub use citations::{cited_sources, Citations, CITED_PAGES, GROUNDING_PAGES};
pub use clouds::{
    AZURE_ACCESS_DENIED, AZURE_FILTERED_WORD, AZURE_NO_DEPLOYMENT, STREAM_OPTIONS_REFUSED,
};
pub use cohere::{COHERE_CONTEXT_LENGTH, COHERE_RATE_LIMIT, COHERE_STREAM_ERROR};
pub use context::{fake_tokens, prompt_tokens};
pub use documents::one_page_pdf;
pub use echo::{
    echo_forms, echo_leak, key_forms, ECHO_CREDENTIAL_HEADERS, ECHO_NOTHING, ECHO_PIECE,
    ECHO_PREFIX,
};
pub use gemini::{
    GEMINI_BAD_KEY, GEMINI_BLOCKED_WORD, GEMINI_EMBEDDING_MODEL, GEMINI_INPUT_LIMIT,
    GEMINI_INTERNAL_ERROR, GEMINI_PAGE_SIZE, GEMINI_SAFETY_WORD, GEMINI_THOUGHT_SIGNATURE,
};
pub use google_oauth::{
    FakeTokenEndpoint, TokenEndpointOptions, TokenScenario, BAD_TIMEFRAME, INVALID_SIGNATURE,
    TOKEN_PATH,
};
pub use horde::{
    HordeWorker, HORDE_ANONYMOUS_KEY, HORDE_FIRST_MODEL_LIMITS, HORDE_OTHER_MODELS_LIMITS,
    HORDE_QUEUE_POLLS, HORDE_SLOW_POLLS, HORDE_USERNAME, HORDE_USER_KUDOS, HORDE_WORKERS,
};
pub use images::{
    describe_images, ReceivedImage, LLAMACPP_IMAGES_REFUSED, OLLAMA_IMAGES_REFUSED,
    OPENAI_IMAGES_REFUSED,
};
pub use kobold::KoboldAbort;
pub use llamacpp::{kept_tokens as llamacpp_kept_tokens, LLAMACPP_STREAM_ERROR};
pub use novelai::{NOVELAI_MAX_LENGTH, NOVELAI_MODELS};
pub use ollama::{OLLAMA_STREAM_ERROR, OLLAMA_VERSION};
pub use openai::STREAMING_REFUSED;
pub use proxy::{FakeProxy, ProxiedRequest};
pub use responses::{RESPONSES_ENCRYPTED_REASONING, RESPONSES_ONLY_REFUSAL};
pub use server::{FakeServer, RecordedRequest};
pub use tls::TlsFront;

/// A protocol family: which wire format the fake speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Family {
    /// The OpenAI-compatible API: `…/models`, `…/chat/completions`, `…/completions`, `…/key`;
    /// the OpenAI dialect also serves OpenAI's Responses API, `…/responses` (`responses.rs`).
    #[default]
    #[value(name = "openai", alias = "open-ai")]
    OpenAi,
    /// Anthropic's Messages API: `…/v1/messages` (named SSE events when streaming) and the paged
    /// `…/v1/models`; `x-api-key` auth and a required `anthropic-version` header.
    #[value(name = "anthropic")]
    Anthropic,
    /// The KoboldAI native API: `…/api/v1/model`, `…/api/v1/generate`, and on KoboldCpp the
    /// `…/api/extra/*` routes (SSE `…/generate/stream`, `…/abort`, `…/tokencount`, …) plus its
    /// OpenAI-compatible `/v1` routes. Which server it imitates is [`FakeOptions::kobold`].
    #[value(name = "kobold", alias = "koboldai")]
    Kobold,
    /// AI Horde's text API (`…/api/v2`): `…/generate/text/async` answers 202 with an id, then
    /// `…/generate/text/status/{id}` is polled through a queue until done, and `DELETE` on it
    /// cancels; plus `…/status/heartbeat`, `…/status/models`, `…/workers`, `…/find_user`. Auth by
    /// the `apikey` header (anonymous `0000000000`).
    #[value(name = "horde", alias = "aihorde")]
    Horde,
    /// NovelAI's text API, both hosts in one server: `…/user/subscription` (api.novelai.net),
    /// `…/ai/generate` and the SSE `…/ai/generate-stream` (text.novelai.net); bearer auth.
    #[value(name = "novelai", alias = "novel-ai")]
    NovelAi,
    /// llama.cpp's own server, natively (`llamacpp.rs`): `/health`, `/props`, `/v1/models`,
    /// `/tokenize`, SSE `/completion` (no `[DONE]`, a last event with `"stop": true`), its
    /// OpenAI-compatible `/v1/…` routes, errors as `{"error":{"code","message","type"}}`.
    #[value(name = "llamacpp", alias = "llama-server")]
    LlamaCpp,
    /// Ollama's native API: `/api/version`, `/api/tags`, and `/api/chat` and `/api/generate`
    /// streaming newline-delimited JSON (`ollama.rs` has the routes and scenarios).
    #[value(name = "ollama")]
    Ollama,
    /// Cohere's v2 chat API: `…/v2/chat` (typed SSE events when streaming) and the paged
    /// `…/v1/models` (`cohere.rs` has the routes and scenarios).
    #[value(name = "cohere")]
    Cohere,
    /// Google's Gemini API: AI Studio's paged `…/models` and `…/models/{m}:generateContent`,
    /// `:streamGenerateContent?alt=sse` (no `[DONE]`), `:countTokens`, the same methods under
    /// Vertex AI's `…/publishers/google/models/{m}`; `x-goog-api-key` auth, Google's error
    /// bodies (`gemini.rs` has the routes and scenarios).
    #[value(name = "gemini", alias = "google")]
    Gemini,
}

/// Which server [`Family::Kobold`] imitates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum KoboldServer {
    /// KoboldCpp 1.76: `json.dumps` bodies, CORS headers on every answer, the `/api/extra/*`
    /// routes (SSE streaming, abort, tokencount, version, true context length), optional bearer
    /// password, `finish_reason` in generate results, and its OpenAI-compatible `/v1` routes.
    #[default]
    #[value(name = "koboldcpp", alias = "kobold-cpp")]
    KoboldCpp,
    /// KoboldAI United (`aiserver.py`): only `/api/v1` and `/api/latest`, Flask's compact sorted
    /// JSON, no streaming, no `/api/extra/*` (404), no `finish_reason`, errors as
    /// `{"detail":{"msg","type":"generic.error_<code>"}}`, 503 when busy.
    #[value(name = "united", alias = "koboldai-united")]
    United,
}

/// Which real server the OpenAI-compatible fake imitates, down to key order and spacing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Dialect {
    /// OpenAI itself: compact JSON, `text/event-stream; charset=utf-8`, `data: [DONE]\n\n`.
    #[default]
    #[value(name = "openai", alias = "open-ai")]
    OpenAi,
    /// llama-cpp-python's server: Python `json.dumps` spacing and `\uXXXX` escapes in streams,
    /// a role-only first chunk, `"logprobs": null`, ignores `stream_options.include_usage`.
    #[value(name = "llamacpp", alias = "llama-cpp")]
    LlamaCpp,
    /// KoboldCpp 1.76's `/v1` routes: id `"koboldcpp"`, role in every delta, `"finish_reason":
    /// "null"` as a string, `data: [DONE]` without the trailing blank line.
    #[value(name = "koboldcpp", alias = "kobold-cpp")]
    KoboldCpp,
    /// text-generation-webui ("Oobabooga", FastAPI 0.112 + sse-starlette 1.6.5): streams of
    /// `json.dumps` chunks (`", "`, `": "`, `\uXXXX`) with `"system_fingerprint": null` and
    /// `"logprobs": null`, a `{"role", "refusal": null, "content": ""}` first delta, an empty-text
    /// first chunk for text completions, `: ping - <utc time>\r\n\r\n` comments, compact
    /// UTF-8 whole bodies, `model` always the loaded (first) model; only `Authorization: Bearer
    /// <key>` (exactly) authenticates, else 401 `{"detail":"Unauthorized"}`; FastAPI's 404, 405,
    /// 307 (trailing slash) and 422 bodies; the `…/internal/health`, `…/internal/model/info`,
    /// `…/internal/token-count` and `…/models/{id}` routes, no `…/key`; 400 `{"detail":"Invalid
    /// host header"}` for a `Host` other than `localhost`/`127.0.0.1` unless
    /// [`FakeOptions::listen`]. The module documentation of `openai.rs` has the details.
    #[value(name = "ooba", alias = "oobabooga", alias = "text-generation-webui")]
    Ooba,
    /// Mancer's `/oai/v1` API: the OpenAI dialect's bytes, but the key may come in `X-API-KEY`
    /// (or as a bearer token), `…/models` is open to requests that send no key at all, 401 is
    /// `{"error":"Unauthorized"}` (unconfirmed), and models are listed as `{"id", "object":
    /// "model", "name", "limits": {"context": MANCER_CONTEXT_LIMIT, "completion":
    /// MANCER_COMPLETION_LIMIT}, "pricing": {"prompt", "completion"}}`.
    #[value(name = "mancer")]
    Mancer,
    /// Azure OpenAI: the key only in `api-key`; the v1 routes (`/openai/v1/models`,
    /// `/openai/v1/chat/completions`, the deployment as `model`) and the deployments route
    /// (`/openai/deployments/{d}/chat/completions?api-version=…`), the deployments being
    /// [`FakeOptions::models`]; Azure's error bodies (`{"error":{"code","message"}}`, the
    /// content filter's 400 for a prompt with [`AZURE_FILTERED_WORD`]); OpenAI's bytes
    /// otherwise, streams opening with a `prompt_filter_results` chunk (`clouds.rs` has the
    /// table).
    #[value(name = "azure")]
    Azure,
    /// Together AI: the OpenAI dialect's bytes, but `…/models` is a bare array of entries with
    /// `display_name`, `context_length` ([`TOGETHER_CONTEXT_LENGTH`]) and `pricing`.
    #[value(name = "together", alias = "togetherai")]
    Together,
}

/// How the fake answers. Named in kebab case (`mid-stream-error`, …) on the command line, in
/// `POST /__fake/scenario` and by [`Scenario::name`].
///
/// The first sentence of each variant describes the OpenAI-compatible family; "Anthropic:" says
/// what the same scenario does in [`Family::Anthropic`]; the module documentation of `kobold.rs`,
/// `horde.rs`, `novelai.rs` and `llamacpp.rs` has a table of what each one does in
/// [`Family::Kobold`], [`Family::Horde`], [`Family::NovelAi`] and [`Family::LlamaCpp`]. [`Dialect::Mancer`] behaves as the OpenAI
/// dialect in every scenario; [`Dialect::Ooba`] reuses the family's events in its own bytes,
/// with its own error bodies, sse-starlette pings for `keep-alive` and an aborted connection for
/// `mid-stream-error` (the table is in the module documentation of `openai.rs`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Scenario {
    /// Role chunk, [`REPLY_TEXT`] in about five content deltas, a `stop` finish chunk, `[DONE]`.
    /// Anthropic: `message_start`, one text block (a `ping` after its start, five `text_delta`s),
    /// `message_delta` with `end_turn` (`stop_sequence` when the request has `stop_sequences`),
    /// `message_stop`.
    #[default]
    Normal,
    /// [`SLOW_PIECES`] content deltas ([`slow_reply_text`]), `slow_delay` between frames.
    /// Anthropic: the same pieces as `text_delta`s.
    Slow,
    /// The normal stream with CRLF line endings, cut into frames at hostile offsets (both families).
    Split,
    /// Comment lines (`: OPENROUTER PROCESSING`, `: ping - …`) and `event:`/`id:` fields.
    /// Anthropic: a `ping` event between every two deltas.
    KeepAlive,
    /// A usage chunk (`"choices": []`) after the finish chunk, always.
    /// Anthropic: the newer usage shape, cache counters in `message_start` and the cumulative
    /// totals, input included, in `message_delta`.
    Usage,
    /// Like `Usage` but with `"choices": null`, plus an earlier chunk without `choices`.
    /// Anthropic: as `Usage`.
    UsageNullChoices,
    /// [`REASONING_TEXT`] in `delta.reasoning_content`, then the reply.
    /// Anthropic: a `thinking` block ([`REASONING_TEXT`] in `thinking_delta`s, then a
    /// `signature_delta` with [`THINKING_SIGNATURE`]) before the text block.
    Reasoning,
    /// OpenRouter style: reasoning in `delta.reasoning` with `reasoning_details`.
    /// Anthropic: as `Reasoning`.
    #[value(alias = "reasoning-openrouter")]
    ReasoningOpenRouter,
    /// [`PARTIAL_TEXT`], then an OpenAI `{"error": …}` event; the body ends without `[DONE]`.
    /// Anthropic: [`PARTIAL_TEXT`], then `event: error` with an `overloaded_error`; no
    /// `message_stop`. Not streamed: 529 `overloaded_error`.
    MidStreamError,
    /// [`PARTIAL_TEXT`], then OpenRouter's error chunk with `finish_reason: "error"`.
    /// Anthropic: as `MidStreamError`.
    #[value(alias = "mid-stream-error-openrouter")]
    MidStreamErrorOpenRouter,
    /// [`PARTIAL_TEXT`], half an event, then the connection is aborted (both families).
    Truncated,
    /// [`PARTIAL_TEXT`] and a clean end of body: no finish chunk, no `[DONE]`.
    /// Anthropic: no `content_block_stop`, `message_delta` nor `message_stop`.
    EofNoDone,
    /// KoboldCpp 1.76 stream: `data: [DONE]` with no trailing newline, then end of body.
    /// Anthropic: stops with `max_tokens`, and the final `message_stop` event has no trailing
    /// newline.
    DoneNoBlankLine,
    /// [`PARTIAL_TEXT`], then silence with the connection open until the server stops (both
    /// families).
    Stall,
    /// No response headers at all until the server stops (both families).
    StallBeforeHeaders,
    /// 401 on every route, whatever the key. Anthropic: `authentication_error`.
    Unauthorized,
    /// 404 `model_not_found` on generation routes. Anthropic: 404 `not_found_error`
    /// `model: <name>`.
    ModelNotFound,
    /// 429 with `retry-after: 7` on generation routes. Anthropic: `rate_limit_error`, with the
    /// `anthropic-ratelimit-*` headers too.
    RateLimited,
    /// 429 without `retry-after` on generation routes. Anthropic: without any
    /// `anthropic-ratelimit-*` header either.
    RateLimitedNoRetryAfter,
    /// 503 with OpenAI's "overloaded" server error on generation routes.
    /// Anthropic: 529 `overloaded_error` on `…/messages`.
    Overloaded,
    /// 500 with nginx's HTML error page (both families).
    ServerErrorHtml,
    /// `…/models` answers 404; generation is normal (both families).
    NoModelsRoute,
    /// `…/models` lists nothing; generation is normal (both families).
    EmptyModels,
    /// 401 on every route, the error body's message quoting the request's credential headers in
    /// four encodings (see `echo.rs`; every family, in its own error shape).
    EchoUnauthorized,
    /// A stream that sends [`PARTIAL_TEXT`], then an error event quoting the credentials; not
    /// streamed, the family's error answer quoting them (see `echo.rs`; every family).
    EchoMidStream,
    /// 200 with an HTML sign-in page quoting the credentials, on every route (see `echo.rs`;
    /// every family).
    EchoPage,
}

impl Scenario {
    /// Every scenario, in declaration order.
    pub const ALL: &'static [Scenario] = &[
        Scenario::Normal,
        Scenario::Slow,
        Scenario::Split,
        Scenario::KeepAlive,
        Scenario::Usage,
        Scenario::UsageNullChoices,
        Scenario::Reasoning,
        Scenario::ReasoningOpenRouter,
        Scenario::MidStreamError,
        Scenario::MidStreamErrorOpenRouter,
        Scenario::Truncated,
        Scenario::EofNoDone,
        Scenario::DoneNoBlankLine,
        Scenario::Stall,
        Scenario::StallBeforeHeaders,
        Scenario::Unauthorized,
        Scenario::ModelNotFound,
        Scenario::RateLimited,
        Scenario::RateLimitedNoRetryAfter,
        Scenario::Overloaded,
        Scenario::ServerErrorHtml,
        Scenario::NoModelsRoute,
        Scenario::EmptyModels,
        Scenario::EchoUnauthorized,
        Scenario::EchoMidStream,
        Scenario::EchoPage,
    ];

    /// The scenarios whose answers quote the request's credentials.
    pub const ECHOES: &'static [Scenario] = &[
        Scenario::EchoUnauthorized,
        Scenario::EchoMidStream,
        Scenario::EchoPage,
    ];

    /// The kebab-case name (`"usage-null-choices"`, `"reasoning-open-router"`, …).
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Normal => "normal",
            Scenario::Slow => "slow",
            Scenario::Split => "split",
            Scenario::KeepAlive => "keep-alive",
            Scenario::Usage => "usage",
            Scenario::UsageNullChoices => "usage-null-choices",
            Scenario::Reasoning => "reasoning",
            Scenario::ReasoningOpenRouter => "reasoning-open-router",
            Scenario::MidStreamError => "mid-stream-error",
            Scenario::MidStreamErrorOpenRouter => "mid-stream-error-open-router",
            Scenario::Truncated => "truncated",
            Scenario::EofNoDone => "eof-no-done",
            Scenario::DoneNoBlankLine => "done-no-blank-line",
            Scenario::Stall => "stall",
            Scenario::StallBeforeHeaders => "stall-before-headers",
            Scenario::Unauthorized => "unauthorized",
            Scenario::ModelNotFound => "model-not-found",
            Scenario::RateLimited => "rate-limited",
            Scenario::RateLimitedNoRetryAfter => "rate-limited-no-retry-after",
            Scenario::Overloaded => "overloaded",
            Scenario::ServerErrorHtml => "server-error-html",
            Scenario::NoModelsRoute => "no-models-route",
            Scenario::EmptyModels => "empty-models",
            Scenario::EchoUnauthorized => "echo-unauthorized",
            Scenario::EchoMidStream => "echo-mid-stream",
            Scenario::EchoPage => "echo-page",
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of parsing an unknown scenario name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownScenario(pub String);

impl fmt::Display for UnknownScenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown scenario `{}` (expected one of:", self.0)?;
        for s in Scenario::ALL {
            write!(f, " {}", s.name())?;
        }
        f.write_str(")")
    }
}

impl std::error::Error for UnknownScenario {}

impl FromStr for Scenario {
    type Err = UnknownScenario;

    /// Parses a kebab-case name; `reasoning-openrouter` and `mid-stream-error-openrouter` are
    /// accepted too.
    fn from_str(name: &str) -> Result<Scenario, UnknownScenario> {
        match name {
            "reasoning-openrouter" => Ok(Scenario::ReasoningOpenRouter),
            "mid-stream-error-openrouter" => Ok(Scenario::MidStreamErrorOpenRouter),
            _ => Scenario::ALL
                .iter()
                .copied()
                .find(|s| s.name() == name)
                .ok_or_else(|| UnknownScenario(name.to_owned())),
        }
    }
}

/// How to start a [`FakeServer`].
#[derive(Clone, Debug)]
pub struct FakeOptions {
    /// The wire format (default [`Family::OpenAi`]).
    pub family: Family,
    /// The initial scenario (default [`Scenario::Normal`]); change it with
    /// [`FakeServer::set_scenario`].
    pub scenario: Scenario,
    /// The server imitated within the OpenAI-compatible family (default [`Dialect::OpenAi`]);
    /// [`Family::Anthropic`] ignores it.
    pub dialect: Dialect,
    /// `None`: no auth check. `Some(k)`: every API route requires `Authorization: Bearer k` or
    /// `x-api-key: k`, else 401 with the dialect's body. [`Dialect::Ooba`]: exactly
    /// `Authorization: Bearer k`; [`Dialect::Mancer`]: `X-API-KEY: k` or the bearer token, and
    /// `…/models` also answers requests that send neither. [`Family::Horde`]: the `apikey` header
    /// must be `k` or the anonymous `0000000000` (without a key any `apikey` is a registered
    /// user); [`Family::NovelAi`]: `Authorization: Bearer k`.
    pub api_key: Option<String>,
    /// The models `…/models` lists (default `fake-model-1`, `fake-model-2`); the first one is
    /// the `model` of OpenAI-compatible replies to requests that name none (Anthropic requires
    /// a `model`). [`Dialect::Ooba`] has only the first one loaded: it lists just that one and
    /// names it in every reply, whatever the request's `model`. [`Family::Horde`]: the text models and what its [`HORDE_WORKERS`] serve;
    /// [`Family::NovelAi`] ignores it (its models are [`NOVELAI_MODELS`]).
    pub models: Vec<String>,
    /// The delay between frames in [`Scenario::Slow`] (default 30 ms). [`Family::Horde`]: how
    /// long each status answer is held back, and the unit of its `wait_time`.
    pub slow_delay: Duration,
    /// `None` (default): the API answers under any path prefix (`/models`, `/v1/models`, …).
    /// `Some("/v1")`: only paths under that prefix are served, the rest is 404, like vLLM,
    /// LM Studio or Ollama, which answer only under `/v1`.
    pub mount: Option<String>,
    /// The text of normal replies (default [`REPLY_TEXT`]); `POST /__fake/scenario` can change it.
    pub reply: Option<String>,
    /// The server [`Family::Kobold`] imitates (default [`KoboldServer::KoboldCpp`]); the other
    /// families ignore it.
    pub kobold: KoboldServer,
    /// The context size [`Family::Kobold`] reports (`…/config/max_context_length`,
    /// `…/extra/true_max_context_length`) and clamps `max_context_length` to (default
    /// [`DEFAULT_CONTEXT_LENGTH`]); [`Family::LlamaCpp`]'s `n_ctx`, past which it cuts a prompt.
    pub context_length: u32,
    /// [`Dialect::Ooba`] started with `--listen`: accept any `Host` header. Without it (the
    /// default) a `Host` other than `localhost` or `127.0.0.1` (any port) gets 400
    /// `{"detail":"Invalid host header"}`, as text-generation-webui's `validate_host_header`
    /// answers. The other dialects and families ignore it.
    pub listen: bool,
    /// A benchmark stream instead of the scenario's reply to every chat request
    /// ([`Family::OpenAi`] only); `None` by default.
    pub flood: Option<Flood>,
    /// Request headers the `echo-*` scenarios quote besides [`ECHO_CREDENTIAL_HEADERS`], by
    /// case-insensitive name; `"*"` quotes every header. Empty by default.
    pub echo_headers: Vec<String>,
    /// [`Family::OpenAi`]: answer a missing or wrong key as a LiteLLM proxy does, with 400 and
    /// [`LITELLM_BAD_KEY`] (the key named only in the body) instead of the dialect's 401.
    pub bad_key_400: bool,
    /// [`Family::OpenAi`]: a llama.cpp server with this context size (`llama-server -c N`):
    /// `…/props` and `…/tokenize` are served and a prompt of this many tokens or more is
    /// refused with llama.cpp's 400 `exceed_context_size_error` (`context.rs` has the details).
    /// `None` (default): no such routes, no limit.
    pub context_limit: Option<u32>,
    /// With [`FakeOptions::context_limit`]: a prompt over the limit gets the connection closed
    /// with no body instead of the 400 (as llama.cpp builds that crash on one do).
    pub context_overflow_drops: bool,
    /// [`Family::OpenAi`]: refuse any generation whose body has `stream_options` with 400
    /// [`STREAM_OPTIONS_REFUSED`], as strict OpenAI-compatible servers do.
    pub rejects_stream_options: bool,
    /// [`Family::OpenAi`]: refuse any generation asking for `"stream": true` with 400
    /// [`STREAMING_REFUSED`] (a server that answers only whole replies).
    pub refuses_streaming: bool,
    /// `openai` family, OpenAI dialect: `…/models` lists this many models in OpenRouter's shape,
    /// with context lengths and prices (`model_catalogue.rs`); 0 (default): [`FakeOptions::models`].
    pub model_catalogue: usize,
    /// [`Family::Anthropic`] in [`Scenario::Reasoning`]: refuse a follow-up whose `assistant`
    /// turn lacks the thinking block with the signature this fake gave ([`THINKING_SIGNATURE`]),
    /// as the API refuses turns it signed and got back without their thinking. Off by default.
    pub signed_thinking: bool,
    /// Every family that reads images: refuse a generation whose last user message carries an
    /// image as real servers refuse one sent to a model that reads none, in each family's words
    /// (`images.rs` has the table). Off by default: images are checked and described.
    pub refuses_images: bool,
    /// Answers cite pages, as a search-backed model's do (`citations.rs` has the shapes):
    /// [`Citations::Perplexity`] or [`Citations::OpenRouter`] in the OpenAI-compatible
    /// family's chat answers, any value in [`Family::Gemini`]'s. `None` (default): no citations.
    pub citations: Option<Citations>,
}

/// The message of a LiteLLM proxy's answer to a wrong key (HTTP 400, `"type":"auth_error"`,
/// `"code":"400"`), as LiteLLM 1.x words it.
pub const LITELLM_BAD_KEY: &str = "Authentication Error, Invalid proxy server token passed. Received API Key = sk-...0000, Key Hash (Token) =0f1e. Unable to find token in cache or `LiteLLM_VerificationTokenTable`";

/// A benchmark stream: `chunks` content deltas (`"t1 "`, `"t2 "`, …, see [`flood_piece`]) in
/// llama.cpp's chunk shape, as fast as the connection takes them (`rate` 0) or at `rate` deltas
/// per second; with `stamp`, each delta carries the time it was sent, `"t7«1764252000123.456» "`.
/// With `prerendered` (and neither a rate nor stamps) the whole stream is rendered once into
/// one buffer and written at once, so that reading it costs only the copy through loopback.
/// With `markdown`, some deltas start with markdown: code blocks and TeX math.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flood {
    /// How many content deltas.
    pub chunks: usize,
    /// Deltas per second; 0 for as fast as possible.
    pub rate: u32,
    /// Whether each delta carries its send time.
    pub stamp: bool,
    /// Render the stream once and write it whole (ignored with a `rate` or `stamp`).
    pub prerendered: bool,
    /// Markdown between the deltas: code blocks and TeX math ([`flood_markup`]).
    pub markdown: bool,
}

pub use flood::{flood_markup, flood_piece};
pub use model_catalogue::{catalogue_context, catalogue_id, catalogue_name, catalogue_price};

impl Default for FakeOptions {
    fn default() -> FakeOptions {
        FakeOptions {
            family: Family::OpenAi,
            scenario: Scenario::Normal,
            dialect: Dialect::OpenAi,
            api_key: None,
            models: vec!["fake-model-1".into(), "fake-model-2".into()],
            slow_delay: Duration::from_millis(30),
            mount: None,
            reply: None,
            kobold: KoboldServer::KoboldCpp,
            context_length: DEFAULT_CONTEXT_LENGTH,
            listen: false,
            flood: None,
            echo_headers: Vec::new(),
            bad_key_400: false,
            context_limit: None,
            context_overflow_drops: false,
            rejects_stream_options: false,
            refuses_streaming: false,
            model_catalogue: 0,
            signed_thinking: false,
            refuses_images: false,
            citations: None,
        }
    }
}

/// The `loader` [`Dialect::Ooba`] reports in `…/internal/model/info`.
pub const OOBA_LOADER: &str = "llama.cpp";

/// The comments [`Dialect::Ooba`] sends in [`Scenario::KeepAlive`], in order: sse-starlette
/// 1.6.5's pings (`datetime.utcnow()`, so no time zone), each sent as `: <comment>\r\n\r\n`
/// because that version builds its ping without the response's `sep="\n"`.
pub const OOBA_PING_COMMENTS: [&str; 2] = [
    "ping - 2026-05-03 10:00:15.004121",
    "ping - 2026-05-03 10:00:30.007342",
];

/// `limits.context` of every model [`Dialect::Mancer`] lists.
pub const MANCER_CONTEXT_LIMIT: u32 = 8192;

/// `limits.completion` of every model [`Dialect::Mancer`] lists.
pub const MANCER_COMPLETION_LIMIT: u32 = 512;

/// `pricing.prompt` (credits per prompt token) of every model [`Dialect::Mancer`] lists.
pub const MANCER_PROMPT_PRICE: f64 = 0.5;

/// `pricing.completion` (credits per generated token) of every model [`Dialect::Mancer`] lists.
pub const MANCER_COMPLETION_PRICE: f64 = 0.75;

/// `context_length` of every model [`Dialect::Together`] lists.
pub const TOGETHER_CONTEXT_LENGTH: u32 = 32768;

/// The image model [`Dialect::Together`] lists after the text models (`"type":"image"`).
pub const TOGETHER_IMAGE_MODEL: &str = "fake-org/fake-image-1";

/// `pricing.input` (dollars per million prompt tokens) of every model [`Dialect::Together`] lists.
pub const TOGETHER_INPUT_PRICE: f64 = 0.2;

/// `pricing.output` (dollars per million generated tokens) of every model [`Dialect::Together`]
/// lists.
pub const TOGETHER_OUTPUT_PRICE: f64 = 0.6;

/// The default of [`FakeOptions::context_length`].
pub const DEFAULT_CONTEXT_LENGTH: u32 = 4096;

/// The reply of the normal scenarios; contains 2-, 3- and 4-byte UTF-8 characters.
pub const REPLY_TEXT: &str = "Hello from the fake server — héllo wörld 👋 ✓ 日本語.";

/// The reasoning of [`Scenario::Reasoning`] and [`Scenario::ReasoningOpenRouter`].
pub const REASONING_TEXT: &str = "Thinking about it… 🤔 step one.";

/// The number of content deltas in [`Scenario::Slow`].
pub const SLOW_PIECES: usize = 100;

/// The whole reply of [`Scenario::Slow`]: `"s1 s2 … s100 "` (one delta per word).
pub fn slow_reply_text() -> String {
    slow_pieces().concat()
}

pub(crate) fn slow_pieces() -> Vec<String> {
    (1..=SLOW_PIECES).map(|i| format!("s{i} ")).collect()
}

/// Splits `text` into `n` pieces of about the same number of characters.
pub(crate) fn pieces(text: &str, n: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars
        .chunks(chars.len().div_ceil(n).max(1))
        .map(|c| c.iter().collect())
        .collect()
}

/// The `signature` of the Anthropic thinking block in [`Scenario::Reasoning`] (a client must send
/// it back with the block).
pub const THINKING_SIGNATURE: &str = "RmFrZSB0aGlua2luZyBzaWduYXR1cmUgZm9yIHRlc3RzLg==";

/// The text sent before a mid-stream error, truncation, stall or end without `[DONE]`.
pub const PARTIAL_TEXT: &str = "Partial answer: 日本";

/// The message of [`Scenario::MidStreamError`]'s error event (OpenAI's own wording).
pub const MIDSTREAM_ERROR_MESSAGE: &str =
    "The server had an error while processing your request. Sorry about that!";

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn names_round_trip_and_match_clap() {
        assert_eq!(Scenario::ALL.len(), Scenario::value_variants().len());
        for &s in Scenario::ALL {
            assert_eq!(s.name().parse::<Scenario>(), Ok(s));
            assert_eq!(s.to_string(), s.name());
            let clap_name = s.to_possible_value().map(|v| v.get_name().to_owned());
            assert_eq!(clap_name.as_deref(), Some(s.name()));
            assert_eq!(<Scenario as ValueEnum>::from_str(s.name(), false), Ok(s));
        }
        assert_eq!(
            "reasoning-openrouter".parse(),
            Ok(Scenario::ReasoningOpenRouter)
        );
        assert_eq!(
            <Scenario as ValueEnum>::from_str("mid-stream-error-openrouter", false),
            Ok(Scenario::MidStreamErrorOpenRouter)
        );
        assert!("nope".parse::<Scenario>().is_err());
    }

    #[test]
    fn dialect_names_match_clap() {
        for (name, dialect) in [
            ("ooba", Dialect::Ooba),
            ("oobabooga", Dialect::Ooba),
            ("text-generation-webui", Dialect::Ooba),
            ("mancer", Dialect::Mancer),
            ("together", Dialect::Together),
            ("togetherai", Dialect::Together),
        ] {
            assert_eq!(<Dialect as ValueEnum>::from_str(name, false), Ok(dialect));
        }
        let names: Vec<String> = Dialect::value_variants()
            .iter()
            .filter_map(|d| d.to_possible_value().map(|v| v.get_name().to_owned()))
            .collect();
        assert_eq!(
            names,
            [
                "openai",
                "llamacpp",
                "koboldcpp",
                "ooba",
                "mancer",
                "azure",
                "together"
            ]
        );
    }

    #[test]
    fn texts_are_as_documented() {
        assert!(REPLY_TEXT.chars().any(|c| c.len_utf8() == 2));
        assert!(REPLY_TEXT.chars().any(|c| c.len_utf8() == 3));
        assert!(REPLY_TEXT.chars().any(|c| c.len_utf8() == 4));
        assert_eq!(slow_pieces().len(), SLOW_PIECES);
        assert!(slow_reply_text().starts_with("s1 s2 "));
    }
}
