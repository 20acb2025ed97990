//! The OpenAI-compatible family: `…/models`, `…/chat/completions`, `…/completions` and
//! OpenRouter's `…/key` (OpenAI's `…/responses` is `responses.rs`), in the dialects of OpenAI,
//! llama-cpp-python, KoboldCpp 1.76, text-generation-webui ("Ooba"), Mancer and Together AI.
//!
//! Routing matches on how the path ends (any prefix works, like KoboldCpp). A generation is
//! planned as a list of [`Ev`]ents per scenario, then rendered either as an SSE stream (one
//! event per frame, or cut at hostile offsets for `split`) or folded into one JSON body.
//! Everything that differs between servers (key order, spacing, escapes, ids, the role chunk,
//! `finish_reason` representation, the `[DONE]` line) is decided by the [`Style`].
//!
//! With [`FakeOptions::refuses_streaming`] a generation asking for `"stream": true` gets 400
//! `{"error":{"message":STREAMING_REFUSED,"type":"invalid_request_error","param":null,"code":null}}`
//! (a server that answers only whole replies); the same request without it is answered.
//!
//! With [`FakeOptions::bad_key_400`] a missing or wrong key gets a LiteLLM proxy's answer in any
//! dialect: 400 `{"error":{"message":LITELLM_BAD_KEY,"type":"auth_error","param":"None","code":"400"}}`.
//!
//! # text-generation-webui ([`Dialect::Ooba`])
//!
//! Imitates `modules/api/script.py` and `completions.py` (2026-05) on the versions its
//! requirements pin: FastAPI 0.112.4, pydantic 2.11, sse-starlette 1.6.5; every body below was
//! checked against those libraries. Every answer carries `server: uvicorn` (not the proxy page of
//! `server-error-html`). The order of the checks is Ooba's: the `Host` check (400
//! `{"detail":"Invalid host header"}` unless [`FakeOptions::listen`]), routing (404
//! `{"detail":"Not Found"}`; a trailing slash is 307 to the path without it; the wrong method
//! 405 `{"detail":"Method Not Allowed"}` with `allow`), reading the body (not UTF-8: 400
//! `{"detail":"There was an error parsing the body"}`; not JSON: 422 `json_invalid` with
//! CPython's message and character position), the key (exactly `Authorization: Bearer <key>`,
//! else 401 `{"detail":"Unauthorized"}`), then validation (422 `{"detail":[{"type","loc","msg",
//! "input","ctx"?}]}`: a missing/null body, a non-object body, `messages` missing, not a list,
//! empty or with non-object items, `prompt` neither a string nor a list of strings, `text` not a
//! string). Two of pydantic's errors cannot be serialised by Ooba's handler and so become
//! Starlette's plain 500 `Internal Server Error`: a completion with neither `prompt` nor
//! `messages` (the model validator's `ValueError`), and any body under a non-JSON content type
//! (such as curl's default form type). Sampler fields (`truncation_length`, `typical_p`, `tfs`,
//! `top_a`, `repetition_penalty_range`, …) and unknown keys are accepted unchecked; `stream` and
//! `n` are read as pydantic's lax bool/int (`"yes"`, `"2"`). A streamed text completion with
//! `n` > 1 is 400 `{"error":{"message":"n > 1 is not supported with streaming.","type":
//! "invalid_request_error","param":"n","code":null}}`.
//!
//! | Route | Answer |
//! | --- | --- |
//! | `GET …/models` | `{"object":"list","data":[{"id":<first model>,"object":"model","created":0,"owned_by":"user"}]}` (only the loaded model) |
//! | `GET …/models/{id}` | the same entry for any `{id}` |
//! | `GET …/internal/health` | `{"status":"ok"}` |
//! | `GET …/internal/model/info` | `{"model_name":<first model>,"lora_names":[],"loader":"llama.cpp"}` ([`OOBA_LOADER`](crate::OOBA_LOADER)) |
//! | `POST …/internal/token-count` `{"text"}` | `{"length":n}` (n = words, as the Kobold fake counts tokens) |
//! | `POST …/chat/completions`, `…/completions` | below |
//! | `…/key` and anything else | 404 `{"detail":"Not Found"}` |
//!
//! Generations name the loaded model whatever `model` says. Streams are `text/event-stream;
//! charset=utf-8` with sse-starlette's `cache-control: no-cache`, `connection: keep-alive` and
//! `x-accel-buffering: no`; each event is `data: <json.dumps chunk>\n\n` (`", "`, `": "`,
//! `\uXXXX`), keys `id` (`chatcmpl-1700000000000000000` / `cmpl-…`), `object`, `created`,
//! `model`, `system_fingerprint: null`, `choices: [{index, finish_reason, delta|text,
//! logprobs: null}]` (+ `usage: null` on every chunk when `stream_options.include_usage`, then
//! a `"choices": []` usage chunk), ending `data: [DONE]\n\n`. The first chat delta is
//! `{"role":"assistant","refusal":null,"content":""}`, a text completion starts with an
//! empty-text chunk, reasoning comes as `{"reasoning_content": …}` deltas, the finish chunk has
//! an empty delta (text `""`). Whole answers are compact UTF-8 with `system_fingerprint`,
//! `message: {role, refusal: null, content, reasoning_content?}` and `usage`.
//!
//! # Mancer ([`Dialect::Mancer`])
//!
//! OpenAI's bytes for everything (legacy text completions answer and stream as OpenAI's do, with
//! `usage` in whole answers; `…/chat/completions` is served too, as third-party clients use it),
//! except: the key may come as `X-API-KEY` or a bearer token; `…/models` answers requests that
//! send no key at all and checks one that is sent (as a 2026 probe of `neuro.mancer.tech` saw);
//! 401 is `{"error":"Unauthorized"}` — no Mancer 401 body is on record, so this shape is a guess;
//! models are listed as `{"id","object":"model","name":<id words capitalised>,"limits":
//! {"context":8192,"completion":512},"pricing":{"prompt":0.5,"completion":0.75}}` (the fields
//! SillyTavern reads; values are [`MANCER_CONTEXT_LIMIT`] and the other `MANCER_*` constants).
//!
//! # Together AI ([`Dialect::Together`])
//!
//! OpenAI's bytes for everything (the 401 body too: no Together body is on record), except that
//! `…/models` is a bare JSON array, as Together's `GET /v1/models` answers (SillyTavern's
//! `text-completions.js` rewraps such an array), each entry `{"id","object":"model","created",
//! "type":"language","running":false,"display_name","organization","link","license",
//! "context_length","pricing":{"hourly","input","output","base","finetune"}}`; after the
//! models of [`FakeOptions::models`] comes [`TOGETHER_IMAGE_MODEL`] with `"type":"image"`.
//!
//! # Scenarios in the two dialects
//!
//! Mancer does exactly what the OpenAI dialect does in every scenario (its own 401 body and
//! model list aside). Ooba reuses the family's plan of events for every scenario, rendered in its
//! bytes, except where the table says otherwise.
//!
//! | Scenario | Ooba |
//! | --- | --- |
//! | `normal`, `slow`, `split`, `usage`, `usage-null-choices`, `reasoning`, `truncated`, `eof-no-done`, `stall` | the family's events in Ooba's bytes (a stall stays silent: the real server would ping every 15 s) |
//! | `keep-alive` | [`OOBA_PING_COMMENTS`] as `: ping - …\r\n\r\n` after the first and third content chunks (CRLF inside an LF stream, as sse-starlette 1.6.5 writes them); no other comments or fields |
//! | `reasoning-open-router`, `mid-stream-error-open-router`, `done-no-blank-line` | as in every dialect: OpenRouter's and KoboldCpp's bytes |
//! | `mid-stream-error` | [`PARTIAL_TEXT`], then the connection is aborted after a complete event (an exception in the generator); not streamed: 500 `text/plain` `Internal Server Error` |
//! | `stall-before-headers`, `server-error-html` | as the family (after the `Host` check, routing, body reading and auth) |
//! | `unauthorized` | 401 `{"detail":"Unauthorized"}` on every route (after reading the body) |
//! | `model-not-found` | 404 `{"error":{"message":…,"type":"invalid_request_error","param":"model","code":null}}`, the message "The model \`X\` does not exist." (X: the requested model) |
//! | `rate-limited` / `rate-limited-no-retry-after` | 429 in the same shape (`param: null`), with / without `retry-after: 7` |
//! | `overloaded` | 503 in the same shape, `"type":"server_error"` |
//! | `no-models-route` | `…/models` and `…/models/{id}` are 404 `{"detail":"Not Found"}` |
//! | `empty-models` | the loaded model is `"None"`: `…/models` lists nothing, `…/internal/model/info` and the generations say `"None"` |
//! | `echo-unauthorized`, `echo-mid-stream`, `echo-page` | the credentials quoted as in every dialect (`echo.rs`): 401 `{"detail":<quote>}`, the OpenAI error event after Ooba's partial chunks, the sign-in page |

use axum::http::StatusCode;
use serde_json::Value;

use crate::citations::Citations;
use crate::json::{obj, s, Fmt, J};
use crate::ooba::{self, Body, Schema};
use crate::reply::{frames, Frame, Piece, Reply, NGINX_500};
use crate::server::{authorized, mounted, RecordedRequest};
use crate::sse::stream_frames;
use crate::{
    pieces, slow_pieces, Dialect, FakeOptions, Scenario, MANCER_COMPLETION_LIMIT,
    MANCER_COMPLETION_PRICE, MANCER_CONTEXT_LIMIT, MANCER_PROMPT_PRICE, MIDSTREAM_ERROR_MESSAGE,
    OOBA_PING_COMMENTS, PARTIAL_TEXT, REASONING_TEXT, TOGETHER_CONTEXT_LENGTH,
    TOGETHER_IMAGE_MODEL, TOGETHER_INPUT_PRICE, TOGETHER_OUTPUT_PRICE,
};

/// The `created` timestamp of every object.
const CREATED: i64 = 1_700_000_000;
/// The `provider` of OpenRouter-style chunks.
const PROVIDER: &str = "FakeProvider";
/// OpenRouter's keep-alive comment.
const PROCESSING: &str = "OPENROUTER PROCESSING";
/// An sse-starlette ping comment.
const PING: &str = "ping - 2026-11-24 10:00:00.000000+00:00";
/// How many bytes of the next event `truncated` sends before aborting.
const CUT_AT: usize = 34;
/// KoboldCpp's 404 body (`text/html`), on every route it does not know.
pub(crate) const KOBOLD_NOT_FOUND: &str =
    "Error: HTTP Server is running, but this endpoint does not exist. Please check the URL.";
pub(crate) const OPENAI_OVERLOADED: &str =
    "The engine is currently overloaded, please try again later";
pub(crate) const RATE_LIMITED: &str = "Rate limit reached for requests. Please try again in 7s.";
const OPENAI_BAD_JSON: &str = "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)";

/// Answers one request of the OpenAI-compatible family.
pub(crate) fn respond(
    opts: &FakeOptions,
    scenario: Scenario,
    reply: &str,
    req: &RecordedRequest,
) -> Reply {
    let answer = answer(opts, scenario, reply, req);
    // uvicorn names itself on everything it answers (not the proxy's HTML page).
    if opts.dialect == Dialect::Ooba && scenario != Scenario::ServerErrorHtml {
        answer.with_header("server", "uvicorn")
    } else {
        answer
    }
}

fn answer(opts: &FakeOptions, scenario: Scenario, reply: &str, req: &RecordedRequest) -> Reply {
    let dialect = opts.dialect;
    let ooba = dialect == Dialect::Ooba;
    if ooba && !ooba::host_allowed(opts, req) {
        return ooba::invalid_host();
    }
    if let Some(reply) = crate::context::answer(opts, req) {
        return reply;
    }
    if let Some(reply) = crate::responses::answer(opts, scenario, reply, req) {
        return reply;
    }
    if let Some(reply) = crate::clouds::azure(opts, req)
        .or_else(|| crate::clouds::cloudflare_models(opts, req))
        .or_else(|| crate::clouds::stream_options_refused(opts, req))
    {
        return reply;
    }
    if !mounted(opts, &req.path) {
        return not_found(dialect, req);
    }
    let Some(route) = Route::of(&req.path).filter(|r| r.served_by(dialect)) else {
        return not_found(dialect, req);
    };
    if let Some(without_slash) = req.path.strip_suffix('/').filter(|_| ooba) {
        return ooba::redirect(req, without_slash);
    }
    if req.method != route.method() {
        return wrong_method(dialect, route, req);
    }
    // FastAPI reads (and may reject) the body before the auth dependency runs.
    let body = if ooba && route.method() == "POST" {
        match ooba::read_body(req) {
            Ok(body) => Some(body),
            Err(rejected) => return rejected,
        }
    } else {
        None
    };
    if scenario == Scenario::Unauthorized || !route_authorized(opts, route, req) {
        if opts.bad_key_400 {
            return litellm_bad_key();
        }
        return unauthorized(dialect);
    }
    if let (Some(flood), Route::Chat) = (opts.flood, route) {
        return crate::flood::reply(flood);
    }
    match (scenario, route) {
        (Scenario::StallBeforeHeaders, _) => Reply::never(),
        (Scenario::ServerErrorHtml, _) => {
            Reply::full(StatusCode::INTERNAL_SERVER_ERROR, "text/html", NGINX_500)
        }
        (Scenario::NoModelsRoute, Route::Models | Route::Model) => not_found(dialect, req),
        (_, Route::Models) => models(opts, scenario),
        (_, Route::Model) => {
            let path = req.path.strip_suffix('/').unwrap_or(&req.path);
            ooba::model(&ooba::percent_decode(model_id(path).unwrap_or_default()))
        }
        (_, Route::Health) => ooba::health(),
        (_, Route::ModelInfo) => ooba::model_info(opts, scenario),
        (_, Route::TokenCount) => ooba::token_count(body.as_ref().unwrap_or(&Body::Missing)),
        (_, Route::Key) => {
            let data = obj([
                ("label", s("fake")),
                ("usage", J::Int(0)),
                ("limit", J::Null),
                ("is_free_tier", J::Bool(false)),
            ]);
            Reply::json(StatusCode::OK, obj([("data", data)]).render(Fmt::COMPACT))
        }
        (_, Route::Chat) => generate(opts, scenario, reply, req, Kind::Chat, body.as_ref()),
        (_, Route::Text) => generate(opts, scenario, reply, req, Kind::Text, body.as_ref()),
    }
}

/// The routes, by the end of the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    Models,
    /// `…/models/{id}` (Ooba).
    Model,
    Chat,
    Text,
    /// OpenRouter's `…/key` (not Ooba).
    Key,
    /// `…/internal/health` (Ooba).
    Health,
    /// `…/internal/model/info` (Ooba).
    ModelInfo,
    /// `…/internal/token-count` (Ooba).
    TokenCount,
}

impl Route {
    fn of(path: &str) -> Option<Route> {
        let path = path.strip_suffix('/').unwrap_or(path);
        if path.ends_with("/chat/completions") {
            Some(Route::Chat)
        } else if path.ends_with("/completions") {
            Some(Route::Text)
        } else if path.ends_with("/models") {
            Some(Route::Models)
        } else if path.ends_with("/key") {
            Some(Route::Key)
        } else if path.ends_with("/internal/health") {
            Some(Route::Health)
        } else if path.ends_with("/internal/model/info") {
            Some(Route::ModelInfo)
        } else if path.ends_with("/internal/token-count") {
            Some(Route::TokenCount)
        } else if model_id(path).is_some() {
            Some(Route::Model)
        } else {
            None
        }
    }

    fn method(self) -> &'static str {
        match self {
            Route::Models | Route::Model | Route::Key | Route::Health | Route::ModelInfo => "GET",
            Route::Chat | Route::Text | Route::TokenCount => "POST",
        }
    }

    /// Whether the dialect has the route (the others answer it as an unknown path).
    fn served_by(self, dialect: Dialect) -> bool {
        match self {
            Route::Models | Route::Chat | Route::Text => true,
            Route::Key => dialect != Dialect::Ooba,
            Route::Model | Route::Health | Route::ModelInfo | Route::TokenCount => {
                dialect == Dialect::Ooba
            }
        }
    }
}

/// The `{id}` of `…/models/{id}` (one non-empty path segment).
fn model_id(path: &str) -> Option<&str> {
    let (_, id) = path.rsplit_once("/models/")?;
    (!id.is_empty() && !id.contains('/')).then_some(id)
}

/// The dialect's auth check: Ooba wants exactly `Bearer <key>`; Mancer lists its models to
/// requests that send no key at all (but checks one that is sent); the rest take
/// `Authorization: Bearer` or `x-api-key`.
fn route_authorized(opts: &FakeOptions, route: Route, req: &RecordedRequest) -> bool {
    match opts.dialect {
        Dialect::Ooba => ooba::authorized(opts, req),
        Dialect::Azure => crate::clouds::azure_authorized(opts, req),
        Dialect::Mancer
            if route == Route::Models
                && req.header("authorization").is_none()
                && req.header("x-api-key").is_none() =>
        {
            true
        }
        _ => authorized(opts, req),
    }
}

/// `{"error":{"message","type","param","code"}}`, OpenAI's error shape.
/// The message of [`FakeOptions::refuses_streaming`]'s refusal.
pub const STREAMING_REFUSED: &str = "Streaming is not supported by this server.";

pub(crate) fn openai_error(status: StatusCode, message: &str, kind: &str, code: J) -> Reply {
    let error = obj([
        ("message", s(message)),
        ("type", s(kind)),
        ("param", J::Null),
        ("code", code),
    ]);
    Reply::json(status, obj([("error", error)]).render(Fmt::COMPACT))
}

fn not_found(dialect: Dialect, req: &RecordedRequest) -> Reply {
    match dialect {
        Dialect::OpenAi | Dialect::Together => openai_error(
            StatusCode::NOT_FOUND,
            &format!("Invalid URL ({} {})", req.method, req.path),
            "invalid_request_error",
            J::Null,
        ),
        Dialect::LlamaCpp | Dialect::Ooba => ooba::not_found(),
        Dialect::KoboldCpp => Reply::full(StatusCode::NOT_FOUND, "text/html", KOBOLD_NOT_FOUND),
        Dialect::Mancer => not_found(Dialect::OpenAi, req),
        Dialect::Azure => crate::clouds::resource_not_found(),
    }
}

fn wrong_method(dialect: Dialect, route: Route, req: &RecordedRequest) -> Reply {
    match dialect {
        Dialect::LlamaCpp | Dialect::Ooba => Reply::json(
            StatusCode::METHOD_NOT_ALLOWED,
            r#"{"detail":"Method Not Allowed"}"#,
        )
        .with_header("allow", route.method()),
        Dialect::OpenAi
        | Dialect::KoboldCpp
        | Dialect::Mancer
        | Dialect::Azure
        | Dialect::Together => not_found(dialect, req),
    }
}

pub(crate) fn unauthorized(dialect: Dialect) -> Reply {
    match dialect {
        // Together AI: OpenAI's shape (unconfirmed: no Together 401 body is on record).
        Dialect::OpenAi | Dialect::Together => openai_error(
            StatusCode::UNAUTHORIZED,
            "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            s("invalid_api_key"),
        ),
        Dialect::LlamaCpp => Reply::json(StatusCode::UNAUTHORIZED, r#"{"detail":"Invalid API key"}"#),
        Dialect::KoboldCpp => {
            let detail = obj([
                ("error", s("Unauthorized")),
                ("msg", s("Authentication key is missing or invalid.")),
                ("type", s("unauthorized")),
            ]);
            Reply::json(StatusCode::UNAUTHORIZED, obj([("detail", detail)]).render(Fmt::PYTHON))
        }
        Dialect::Ooba => ooba::unauthorized(),
        // Unconfirmed: no Mancer 401 body is on record.
        Dialect::Mancer => Reply::json(StatusCode::UNAUTHORIZED, r#"{"error":"Unauthorized"}"#),
        Dialect::Azure => crate::clouds::azure_unauthorized(),
    }
}

/// A LiteLLM proxy's answer to a wrong key: 400, the key named only in the body.
fn litellm_bad_key() -> Reply {
    let error = obj([
        ("message", s(crate::LITELLM_BAD_KEY)),
        ("type", s("auth_error")),
        ("param", s("None")),
        ("code", s("400")),
    ]);
    Reply::json(
        StatusCode::BAD_REQUEST,
        obj([("error", error)]).render(Fmt::COMPACT),
    )
}

/// A body that is not JSON (Ooba's answers come from `ooba::read_body` instead).
fn bad_json(dialect: Dialect) -> Reply {
    match dialect {
        Dialect::OpenAi | Dialect::Mancer | Dialect::Azure | Dialect::Together => openai_error(
            StatusCode::BAD_REQUEST,
            OPENAI_BAD_JSON,
            "invalid_request_error",
            J::Null,
        ),
        Dialect::LlamaCpp => Reply::full(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain; charset=utf-8",
            "Internal Server Error",
        ),
        Dialect::KoboldCpp => {
            let detail = obj([("msg", s("Error parsing input.")), ("type", s("bad_input"))]);
            Reply::json(
                StatusCode::INTERNAL_SERVER_ERROR,
                obj([("detail", detail)]).render(Fmt::PYTHON),
            )
        }
        Dialect::Ooba => ooba::internal_error(),
    }
}

/// One entry of Together AI's `/v1/models` (a bare array): its fields as its API reference lists
/// them, the context length and prices per million tokens being [`TOGETHER_CONTEXT_LENGTH`] and
/// the other `TOGETHER_*` constants.
fn together_model(model: &str, kind: &str) -> J {
    let organization = model.split('/').next().unwrap_or(model);
    obj([
        ("id", s(model)),
        ("object", s("model")),
        ("created", J::Int(CREATED)),
        ("type", s(kind)),
        ("running", J::Bool(false)),
        ("display_name", s(mancer_name(model))),
        ("organization", s(organization)),
        ("link", s(format!("https://huggingface.co/{model}"))),
        ("license", s("apache-2.0")),
        ("context_length", J::Int(i64::from(TOGETHER_CONTEXT_LENGTH))),
        (
            "pricing",
            obj([
                ("hourly", J::Int(0)),
                ("input", J::Float(TOGETHER_INPUT_PRICE)),
                ("output", J::Float(TOGETHER_OUTPUT_PRICE)),
                ("base", J::Int(0)),
                ("finetune", J::Int(0)),
            ]),
        ),
    ])
}

/// Mancer's display name for a model id: its `-`/`_`-separated words capitalised.
fn mancer_name(id: &str) -> String {
    id.split(['-', '_'])
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn models(opts: &FakeOptions, scenario: Scenario) -> Reply {
    let dialect = opts.dialect;
    if dialect == Dialect::Ooba {
        return ooba::models(opts, scenario);
    }
    if dialect == Dialect::OpenAi && opts.model_catalogue > 0 && scenario != Scenario::EmptyModels {
        return crate::model_catalogue::models(opts.model_catalogue);
    }
    let listed = if scenario == Scenario::EmptyModels {
        &[][..]
    } else {
        &opts.models[..]
    };
    let data: Vec<J> = listed
        .iter()
        .map(|model| {
            let id = ("id", s(model.as_str()));
            let object = ("object", s("model"));
            match dialect {
                Dialect::OpenAi | Dialect::Azure => obj([
                    id,
                    object,
                    ("created", J::Int(CREATED)),
                    ("owned_by", s("fake")),
                ]),
                Dialect::Together => together_model(model, "language"),
                Dialect::LlamaCpp => obj([
                    id,
                    object,
                    ("owned_by", s("me")),
                    ("permissions", J::Arr(vec![])),
                ]),
                Dialect::KoboldCpp => obj([
                    id,
                    object,
                    ("created", J::Int(CREATED)),
                    ("owned_by", s("koboldcpp")),
                    ("permission", J::Arr(vec![])),
                    ("root", s("koboldcpp")),
                ]),
                Dialect::Mancer => obj([
                    id,
                    object,
                    ("name", s(mancer_name(model))),
                    (
                        "limits",
                        obj([
                            ("context", J::Int(i64::from(MANCER_CONTEXT_LIMIT))),
                            ("completion", J::Int(i64::from(MANCER_COMPLETION_LIMIT))),
                        ]),
                    ),
                    (
                        "pricing",
                        obj([
                            ("prompt", J::Float(MANCER_PROMPT_PRICE)),
                            ("completion", J::Float(MANCER_COMPLETION_PRICE)),
                        ]),
                    ),
                ]),
                // (Ooba's list, with only the loaded model, is `ooba::models`.)
                Dialect::Ooba => ooba::model_entry(model),
            }
        })
        .collect();
    if dialect == Dialect::Together {
        // Together lists its image (and embedding, …) models too.
        let mut data = data;
        data.push(together_model(TOGETHER_IMAGE_MODEL, "image"));
        return Reply::json(StatusCode::OK, J::Arr(data).render(Fmt::COMPACT));
    }
    let list = obj([("object", s("list")), ("data", J::Arr(data))]);
    let fmt = if dialect == Dialect::Mancer {
        Fmt::COMPACT
    } else {
        Style::of(dialect, scenario).body_fmt()
    };
    Reply::json(StatusCode::OK, list.render(fmt))
}

/// Chat completion or legacy text completion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Chat,
    Text,
}

/// The server whose bytes a generation imitates: the dialect (Mancer's are OpenAI's), unless
/// the scenario is one server's behaviour (OpenRouter's reasoning and errors, KoboldCpp's
/// missing blank line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    OpenAi,
    OpenRouter,
    LlamaCpp,
    KoboldCpp,
    Ooba,
}

impl Style {
    fn of(dialect: Dialect, scenario: Scenario) -> Style {
        match (scenario, dialect) {
            (Scenario::ReasoningOpenRouter | Scenario::MidStreamErrorOpenRouter, _) => {
                Style::OpenRouter
            }
            (Scenario::DoneNoBlankLine, _) | (_, Dialect::KoboldCpp) => Style::KoboldCpp,
            (_, Dialect::OpenAi | Dialect::Mancer | Dialect::Azure | Dialect::Together) => {
                Style::OpenAi
            }
            (_, Dialect::LlamaCpp) => Style::LlamaCpp,
            (_, Dialect::Ooba) => Style::Ooba,
        }
    }

    /// Formatting of SSE payloads: the Python servers stream `json.dumps` output.
    fn stream_fmt(self) -> Fmt {
        match self {
            Style::OpenAi | Style::OpenRouter => Fmt::COMPACT,
            Style::LlamaCpp | Style::KoboldCpp | Style::Ooba => Fmt::PYTHON,
        }
    }

    /// Formatting of whole JSON bodies: llama-cpp-python and Ooba answer through FastAPI's
    /// `JSONResponse` (compact, UTF-8).
    fn body_fmt(self) -> Fmt {
        match self {
            Style::KoboldCpp => Fmt::PYTHON,
            Style::OpenAi | Style::OpenRouter | Style::LlamaCpp | Style::Ooba => Fmt::COMPACT,
        }
    }

    fn sse_content_type(self) -> &'static str {
        match self {
            Style::KoboldCpp => "text/event-stream",
            _ => "text/event-stream; charset=utf-8",
        }
    }

    fn done(self) -> &'static str {
        match self {
            Style::KoboldCpp => "data: [DONE]",
            _ => "data: [DONE]\n\n",
        }
    }

    /// llama-cpp-python and KoboldCpp 1.76 ignore `stream_options.include_usage`.
    fn honours_include_usage(self) -> bool {
        matches!(self, Style::OpenAi | Style::OpenRouter | Style::Ooba)
    }

    fn usage(self) -> J {
        let (prompt, completion) = if self == Style::KoboldCpp {
            (100, 100)
        } else {
            (12, 9)
        };
        obj([
            ("prompt_tokens", J::Int(prompt)),
            ("completion_tokens", J::Int(completion)),
            ("total_tokens", J::Int(prompt + completion)),
        ])
    }
}

/// One step of a planned generation.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ev {
    /// The first chunk announcing the assistant role.
    Role,
    Content(String),
    Reasoning(String),
    /// The chunk carrying `finish_reason` (KoboldCpp puts it on the last content chunk).
    Finish(&'static str),
    /// A usage chunk with `"choices": []` (`false`) or `"choices": null` (`true`).
    Usage {
        null_choices: bool,
    },
    /// A chunk without a `choices` key.
    NoChoices,
    /// OpenAI's `{"error": …}` event.
    ErrorOpenAi,
    /// OpenRouter's chunk with a top-level `error` and `finish_reason: "error"`.
    ErrorOpenRouter,
    /// OpenRouter's `url_citation` annotations on a delta, for a reply of this many
    /// characters (`citations.rs`).
    Annotations(usize),
    /// `: <text>` and a blank line.
    Comment(&'static str),
    /// sse-starlette 1.6.5's ping: `: <OOBA_PING_COMMENTS[i]>\r\n\r\n`.
    Ping(usize),
    /// Extra lines (each ending in `\n`) before the event's `data:` line.
    Lines(&'static str, Box<Ev>),
    /// The start of another event, then the connection is aborted.
    Cut,
    /// Silence with the connection open.
    Hang,
    Done,
}

fn contents(text: &str, n: usize) -> impl Iterator<Item = Ev> {
    pieces(text, n).into_iter().map(Ev::Content)
}

/// The events of a scenario's generation.
fn plan(scenario: Scenario, reply: &str, style: Style) -> Vec<Ev> {
    let partial = || [Ev::Role].into_iter().chain(contents(PARTIAL_TEXT, 2));
    let normal = |finish| {
        [Ev::Role]
            .into_iter()
            .chain(contents(reply, 5))
            .chain([Ev::Finish(finish), Ev::Done])
    };
    match scenario {
        Scenario::Slow => [Ev::Role]
            .into_iter()
            .chain(slow_pieces().into_iter().map(Ev::Content))
            .chain([Ev::Finish("stop"), Ev::Done])
            .collect(),
        Scenario::KeepAlive if style == Style::Ooba => {
            let mut evs = vec![Ev::Role];
            for (i, ev) in contents(reply, 5).enumerate() {
                evs.push(ev);
                match i {
                    0 => evs.push(Ev::Ping(0)),
                    2 => evs.push(Ev::Ping(1)),
                    _ => {}
                }
            }
            evs.extend([Ev::Finish("stop"), Ev::Done]);
            evs
        }
        Scenario::KeepAlive => {
            let mut evs = vec![Ev::Comment(PROCESSING), Ev::Role];
            for (i, ev) in contents(reply, 5).enumerate() {
                evs.push(match i {
                    1 => Ev::Lines(": keep-alive\n", Box::new(ev)),
                    3 => Ev::Lines("event: message\nid: 5\n", Box::new(ev)),
                    _ => ev,
                });
                if i == 0 || i == 2 {
                    evs.push(Ev::Comment(PING));
                }
            }
            evs.extend([Ev::Finish("stop"), Ev::Done]);
            evs
        }
        Scenario::Usage => {
            let mut evs: Vec<Ev> = normal("stop").collect();
            evs.insert(
                evs.len() - 1,
                Ev::Usage {
                    null_choices: false,
                },
            );
            evs
        }
        Scenario::UsageNullChoices => {
            let mut evs: Vec<Ev> = normal("stop").collect();
            evs.insert(1, Ev::NoChoices);
            evs.insert(evs.len() - 1, Ev::Usage { null_choices: true });
            evs
        }
        Scenario::Reasoning | Scenario::ReasoningOpenRouter => [Ev::Role]
            .into_iter()
            .chain(pieces(REASONING_TEXT, 3).into_iter().map(Ev::Reasoning))
            .chain(contents(reply, 5))
            .chain([Ev::Finish("stop"), Ev::Done])
            .collect(),
        Scenario::MidStreamError => partial().chain([Ev::ErrorOpenAi]).collect(),
        Scenario::MidStreamErrorOpenRouter => partial().chain([Ev::ErrorOpenRouter]).collect(),
        Scenario::Truncated => partial().chain([Ev::Cut]).collect(),
        Scenario::EofNoDone => partial().collect(),
        Scenario::Stall => partial().chain([Ev::Hang]).collect(),
        Scenario::DoneNoBlankLine => normal("length").collect(),
        Scenario::Normal
        | Scenario::Split
        | Scenario::StallBeforeHeaders
        | Scenario::Unauthorized
        | Scenario::ModelNotFound
        | Scenario::RateLimited
        | Scenario::RateLimitedNoRetryAfter
        | Scenario::Overloaded
        | Scenario::ServerErrorHtml
        | Scenario::NoModelsRoute
        | Scenario::EmptyModels
        | Scenario::EchoUnauthorized
        | Scenario::EchoMidStream
        | Scenario::EchoPage => normal("stop").collect(),
    }
}

fn generate(
    opts: &FakeOptions,
    scenario: Scenario,
    reply: &str,
    req: &RecordedRequest,
    kind: Kind,
    ooba_body: Option<&Body>,
) -> Reply {
    let ooba = opts.dialect == Dialect::Ooba;
    let body = match ooba_body {
        Some(read) => {
            let schema = match kind {
                Kind::Chat => Schema::Chat,
                Kind::Text => Schema::Completion,
            };
            match ooba::validate(schema, read) {
                Ok(body) => body,
                Err(rejected) => return rejected,
            }
        }
        None => match req.json() {
            Some(body) => body,
            None => return bad_json(opts.dialect),
        },
    };
    let (stream, include_usage) = if ooba {
        let stream = ooba::lax_true(body.get("stream"));
        if kind == Kind::Text && stream && ooba::lax_int(body.get("n")).unwrap_or(1) > 1 {
            let message = "n > 1 is not supported with streaming.";
            return ooba::openai_error(StatusCode::BAD_REQUEST, message, Some("n"));
        }
        let include_usage = ooba::lax_true(body.pointer("/stream_options/include_usage"));
        (stream, include_usage)
    } else {
        (
            body.get("stream") == Some(&Value::Bool(true)),
            body.pointer("/stream_options/include_usage") == Some(&Value::Bool(true)),
        )
    };
    if stream && opts.refuses_streaming {
        return openai_error(
            StatusCode::BAD_REQUEST,
            STREAMING_REFUSED,
            "invalid_request_error",
            J::Null,
        );
    }
    let requested = body
        .get("model")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| opts.models.first().cloned())
        .unwrap_or_else(|| "fake-model".to_owned());
    if ooba {
        let error = match scenario {
            Scenario::ModelNotFound => Some((
                StatusCode::NOT_FOUND,
                format!("The model `{requested}` does not exist."),
                Some("model"),
            )),
            Scenario::RateLimited | Scenario::RateLimitedNoRetryAfter => {
                Some((StatusCode::TOO_MANY_REQUESTS, RATE_LIMITED.to_owned(), None))
            }
            Scenario::Overloaded => Some((
                StatusCode::SERVICE_UNAVAILABLE,
                ooba::OVERLOADED.to_owned(),
                None,
            )),
            _ => None,
        };
        if let Some((status, message, param)) = error {
            let answer = ooba::openai_error(status, &message, param);
            return if scenario == Scenario::RateLimited {
                answer.with_header("retry-after", "7")
            } else {
                answer
            };
        }
    }
    let model = if ooba {
        // Ooba ignores `model` and names the loaded one.
        ooba::loaded_model(opts, scenario)
    } else {
        requested
    };
    let rate_limit = || {
        openai_error(
            StatusCode::TOO_MANY_REQUESTS,
            RATE_LIMITED,
            "requests",
            s("rate_limit_exceeded"),
        )
    };
    match scenario {
        Scenario::ModelNotFound => {
            let message =
                format!("The model `{model}` does not exist or you do not have access to it.");
            return openai_error(
                StatusCode::NOT_FOUND,
                &message,
                "invalid_request_error",
                s("model_not_found"),
            );
        }
        Scenario::RateLimited => return rate_limit().with_header("retry-after", "7"),
        Scenario::RateLimitedNoRetryAfter => return rate_limit(),
        Scenario::Overloaded => {
            return openai_error(
                StatusCode::SERVICE_UNAVAILABLE,
                OPENAI_OVERLOADED,
                "server_error",
                J::Null,
            )
        }
        _ => {}
    }
    let style = Style::of(opts.dialect, scenario);
    let usage_requested = stream && include_usage && style.honours_include_usage();
    let gen = Gen {
        style,
        kind,
        model,
        usage_null: usage_requested && matches!(style, Style::OpenAi | Style::Ooba),
        citations: opts.citations.filter(|_| kind == Kind::Chat),
    };
    let mut evs = plan(scenario, reply, style);
    if gen.citations == Some(Citations::OpenRouter) {
        if let Some(finish) = evs.iter().position(|e| matches!(e, Ev::Finish(_))) {
            evs.insert(finish, Ev::Annotations(reply.chars().count()));
        }
    }
    if usage_requested && !evs.iter().any(|e| matches!(e, Ev::Usage { .. })) {
        if let Some(done) = evs.iter().position(|e| *e == Ev::Done) {
            evs.insert(
                done,
                Ev::Usage {
                    null_choices: false,
                },
            );
        }
    }
    if !stream {
        return gen.whole(&evs);
    }
    let mut pieces = gen.render(&evs);
    if opts.dialect == Dialect::Azure {
        let first = crate::clouds::azure_prompt_filter_chunk();
        pieces.insert(0, Piece::Bytes(first.into_bytes()));
    }
    let frames = stream_frames(scenario, pieces, opts.slow_delay);
    let answer = Reply::stream(style.sse_content_type(), frames);
    if style == Style::Ooba {
        // sse-starlette's own headers.
        answer
            .with_header("connection", "keep-alive")
            .with_header("x-accel-buffering", "no")
    } else {
        answer
    }
}

/// Renders events for one request.
struct Gen {
    style: Style,
    kind: Kind,
    model: String,
    /// OpenAI with `include_usage`: every chunk but the usage chunk carries `"usage": null`.
    usage_null: bool,
    /// The cited pages chat answers carry (`citations.rs`).
    citations: Option<Citations>,
}

/// What a chat delta says.
enum Delta<'a> {
    Role,
    Content(&'a str),
    Reasoning(&'a str),
    Empty,
}

impl Gen {
    fn id(&self, stream: bool) -> &'static str {
        match (self.style, self.kind, stream) {
            (Style::KoboldCpp, _, true) => "koboldcpp",
            (Style::KoboldCpp, Kind::Chat, false) => "chatcmpl-A1",
            (Style::KoboldCpp, Kind::Text, false) => "cmpl-A1",
            (Style::OpenRouter, _, _) => "gen-fake-1",
            // `"chatcmpl-%d" % int(time.time() * 1000000000)` at CREATED.
            (Style::Ooba, Kind::Chat, _) => "chatcmpl-1700000000000000000",
            (Style::Ooba, Kind::Text, _) => "cmpl-1700000000000000000",
            (_, Kind::Chat, _) => "chatcmpl-fake-1",
            (_, Kind::Text, _) => "cmpl-fake-1",
        }
    }

    /// The leading keys of a chunk or completion object, in the server's order.
    fn head(&self, stream: bool) -> Vec<(&'static str, J)> {
        let object = match (self.kind, stream) {
            (Kind::Chat, true) => "chat.completion.chunk",
            (Kind::Chat, false) => "chat.completion",
            (Kind::Text, _) => "text_completion",
        };
        let (id, object) = (("id", s(self.id(stream))), ("object", s(object)));
        let (created, model) = (
            ("created", J::Int(CREATED)),
            ("model", s(self.model.as_str())),
        );
        let mut head = if self.style == Style::LlamaCpp && self.kind == Kind::Chat && stream {
            vec![id, model, created, object]
        } else {
            vec![id, object, created, model]
        };
        match self.style {
            Style::OpenRouter => head.push(("provider", s(PROVIDER))),
            Style::Ooba => head.push(("system_fingerprint", J::Null)),
            _ => {}
        }
        head
    }

    /// A stream chunk: `choices` (`None` = no key), an `error` before them, `usage` after.
    fn chunk(&self, choices: Option<J>, error: Option<J>, usage: Option<J>) -> J {
        let mut fields = self.head(true);
        fields.extend(error.map(|e| ("error", e)));
        fields.extend(choices.map(|c| ("choices", c)));
        match usage {
            Some(usage) => fields.push(("usage", usage)),
            None if self.usage_null => fields.push(("usage", J::Null)),
            None => {}
        }
        if self.citations == Some(Citations::Perplexity) {
            fields.extend(crate::citations::perplexity_fields());
        }
        J::Obj(fields)
    }

    /// A `data:` event with a one-choice chunk; `body` is the delta (chat) or the text.
    fn choice_event(&self, body: J, finish: Option<&str>) -> String {
        self.data(&self.chunk(Some(self.choices(body, finish)), None, None))
    }

    /// A one-choice `choices` list; `body` is the delta (chat) or the text (text completion).
    fn choices(&self, body: J, finish: Option<&str>) -> J {
        let finish = match finish {
            Some(reason) => s(reason),
            None if self.style == Style::KoboldCpp => s("null"),
            None => J::Null,
        };
        let index = ("index", J::Int(0));
        let field = if self.kind == Kind::Chat {
            "delta"
        } else {
            "text"
        };
        let choice = match (self.style, self.kind) {
            (Style::KoboldCpp, _) => obj([index, ("finish_reason", finish), (field, body)]),
            (Style::Ooba, _) => obj([
                index,
                ("finish_reason", finish),
                (field, body),
                ("logprobs", J::Null),
            ]),
            (Style::OpenRouter, Kind::Chat) => obj([
                index,
                (field, body),
                ("finish_reason", finish.clone()),
                ("native_finish_reason", finish),
            ]),
            (Style::OpenRouter, Kind::Text) => obj([
                (field, body),
                index,
                ("finish_reason", finish.clone()),
                ("native_finish_reason", finish),
            ]),
            (_, Kind::Chat) => obj([
                index,
                (field, body),
                ("logprobs", J::Null),
                ("finish_reason", finish),
            ]),
            (_, Kind::Text) => obj([
                (field, body),
                index,
                ("logprobs", J::Null),
                ("finish_reason", finish),
            ]),
        };
        J::Arr(vec![choice])
    }

    fn delta(&self, delta: Delta<'_>) -> J {
        let role = ("role", s("assistant"));
        match (delta, self.style) {
            (Delta::Role, Style::LlamaCpp) => obj([role]),
            (Delta::Role, Style::Ooba) => obj([role, ("refusal", J::Null), ("content", s(""))]),
            (Delta::Role, _) => obj([role, ("content", s(""))]),
            (Delta::Content(text), Style::OpenRouter | Style::KoboldCpp) => {
                obj([role, ("content", s(text))])
            }
            (Delta::Content(text), _) => obj([("content", s(text))]),
            (Delta::Reasoning(text), Style::OpenRouter) => obj([
                role,
                ("content", s("")),
                ("reasoning", s(text)),
                ("reasoning_details", J::Arr(vec![])),
            ]),
            (Delta::Reasoning(text), Style::KoboldCpp) => {
                obj([role, ("content", s("")), ("reasoning_content", s(text))])
            }
            (Delta::Reasoning(text), Style::Ooba) => obj([("reasoning_content", s(text))]),
            (Delta::Reasoning(text), _) => {
                obj([("content", J::Null), ("reasoning_content", s(text))])
            }
            (Delta::Empty, _) => obj([]),
        }
    }

    /// The SSE stream, one piece per event.
    fn render(&self, evs: &[Ev]) -> Vec<Piece> {
        let mut out = Vec::with_capacity(evs.len());
        for (i, ev) in evs.iter().enumerate() {
            let next_finish = match evs.get(i + 1) {
                Some(Ev::Finish(reason)) => Some(*reason),
                _ => None,
            };
            self.event(ev, next_finish, &mut out);
        }
        out
    }

    fn data(&self, json: &J) -> String {
        format!("data: {}\n\n", json.render(self.style.stream_fmt()))
    }

    /// Renders one event; `next_finish` is the finish reason of a following `Finish`, which
    /// KoboldCpp puts on the last content chunk.
    fn event(&self, ev: &Ev, next_finish: Option<&'static str>, out: &mut Vec<Piece>) {
        let kobold = self.style == Style::KoboldCpp;
        let ooba = self.style == Style::Ooba;
        let chat = self.kind == Kind::Chat;
        let text = match ev {
            Ev::Role if kobold || (!chat && !ooba) => return,
            // Ooba's text completions start with the (empty) echoed prompt.
            Ev::Role if !chat => self.choice_event(s(""), None),
            Ev::Role => self.choice_event(self.delta(Delta::Role), None),
            Ev::Content(text) => {
                let body = if chat {
                    self.delta(Delta::Content(text))
                } else {
                    s(text.as_str())
                };
                let finish = if kobold { next_finish } else { None };
                self.choice_event(body, finish)
            }
            Ev::Reasoning(_) if !chat => return,
            Ev::Reasoning(text) => self.choice_event(self.delta(Delta::Reasoning(text)), None),
            Ev::Finish(_) if kobold => return,
            Ev::Finish(reason) => {
                let body = if chat {
                    self.delta(Delta::Empty)
                } else {
                    s("")
                };
                self.choice_event(body, Some(reason))
            }
            Ev::Usage { null_choices } => {
                let choices = if *null_choices {
                    J::Null
                } else {
                    J::Arr(vec![])
                };
                self.data(&self.chunk(Some(choices), None, Some(self.style.usage())))
            }
            Ev::NoChoices => self.data(&self.chunk(None, None, None)),
            Ev::ErrorOpenAi if ooba => {
                // An exception in the generator: uvicorn closes the connection mid-body.
                out.push(Piece::Abort);
                return;
            }
            Ev::ErrorOpenAi => {
                let error = obj([
                    ("message", s(MIDSTREAM_ERROR_MESSAGE)),
                    ("type", s("server_error")),
                    ("param", J::Null),
                    ("code", J::Null),
                ]);
                format!(
                    "data: {}\n\n",
                    obj([("error", error)]).render(Fmt::SPACED_UTF8)
                )
            }
            Ev::ErrorOpenRouter => {
                let body = if chat {
                    obj([("content", s(""))])
                } else {
                    s("")
                };
                self.data(&self.chunk(
                    Some(self.choices(body, Some("error"))),
                    Some(openrouter_error()),
                    None,
                ))
            }
            Ev::Annotations(_) if !chat => return,
            Ev::Annotations(reply_len) => {
                let delta = obj([
                    ("role", s("assistant")),
                    ("content", s("")),
                    (
                        "annotations",
                        crate::citations::openrouter_annotations(*reply_len),
                    ),
                ]);
                self.choice_event(delta, None)
            }
            Ev::Comment(comment) => format!(": {comment}\n\n"),
            Ev::Ping(i) => format!(
                ": {}\r\n\r\n",
                OOBA_PING_COMMENTS[*i % OOBA_PING_COMMENTS.len()]
            ),
            Ev::Lines(lines, inner) => {
                let mut inner_out = Vec::new();
                self.event(inner, next_finish, &mut inner_out);
                for piece in inner_out {
                    out.push(match piece {
                        Piece::Bytes(bytes) => Piece::Bytes([lines.as_bytes(), &bytes].concat()),
                        other => other,
                    });
                }
                return;
            }
            Ev::Cut => {
                let mut next = Vec::new();
                self.event(&Ev::Content(" and the rest".to_owned()), None, &mut next);
                if let Some(Piece::Bytes(mut bytes)) = next.pop() {
                    bytes.truncate(CUT_AT);
                    out.push(Piece::Bytes(bytes));
                }
                out.push(Piece::Abort);
                return;
            }
            Ev::Hang => {
                out.push(Piece::Hang);
                return;
            }
            Ev::Done => self.style.done().to_owned(),
        };
        out.push(Piece::Bytes(text.into_bytes()));
    }

    /// The non-streaming answer: the same events folded into one JSON body, or the HTTP error
    /// (or broken body) that stands for how the stream would have ended.
    fn whole(&self, evs: &[Ev]) -> Reply {
        let (mut content, mut reasoning, mut finish) = (String::new(), String::new(), None);
        for ev in evs {
            let ev = match ev {
                Ev::Lines(_, inner) => inner,
                ev => ev,
            };
            match ev {
                Ev::Content(text) => content.push_str(text),
                Ev::Reasoning(text) => reasoning.push_str(text),
                Ev::Finish(reason) => finish = Some(*reason),
                Ev::ErrorOpenAi if self.style == Style::Ooba => return ooba::internal_error(),
                Ev::ErrorOpenAi => {
                    let code = J::Null;
                    return openai_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        MIDSTREAM_ERROR_MESSAGE,
                        "server_error",
                        code,
                    );
                }
                Ev::ErrorOpenRouter => {
                    let body = obj([("error", openrouter_error())]).render(Fmt::COMPACT);
                    return Reply::json(StatusCode::BAD_GATEWAY, body);
                }
                Ev::Cut => {
                    let json = self
                        .completion(&content, &reasoning, finish)
                        .render(self.style.body_fmt());
                    let half = json.as_bytes()[..json.len() / 2].to_vec();
                    let broken = frames(vec![Piece::Bytes(half), Piece::Abort], None);
                    return Reply::json(StatusCode::OK, "").with_frames(broken);
                }
                Ev::Hang => return Reply::json(StatusCode::OK, "").with_frames(vec![Frame::Hang]),
                _ => {}
            }
        }
        let json = self.completion(&content, &reasoning, finish);
        Reply::json(StatusCode::OK, json.render(self.style.body_fmt()))
    }

    /// A `chat.completion` or `text_completion` object.
    fn completion(&self, content: &str, reasoning: &str, finish: Option<&str>) -> J {
        let reply_len = content.chars().count();
        let finish = finish.map_or(J::Null, s);
        let index = ("index", J::Int(0));
        let choice = match self.kind {
            Kind::Chat => {
                let (role, content) = (("role", s("assistant")), ("content", s(content)));
                let mut message = match self.style {
                    Style::LlamaCpp => vec![content, role],
                    _ => vec![role, content],
                };
                if !reasoning.is_empty() {
                    let key = if self.style == Style::OpenRouter {
                        "reasoning"
                    } else {
                        "reasoning_content"
                    };
                    message.push((key, s(reasoning)));
                }
                if self.citations == Some(Citations::OpenRouter) {
                    let annotations = crate::citations::openrouter_annotations(reply_len);
                    message.push(("annotations", annotations));
                }
                match self.style {
                    Style::OpenAi => message.push(("refusal", J::Null)),
                    Style::KoboldCpp => message.push(("tool_calls", J::Arr(vec![]))),
                    Style::Ooba => message.insert(1, ("refusal", J::Null)),
                    Style::OpenRouter | Style::LlamaCpp => {}
                }
                let message = ("message", J::Obj(message));
                match self.style {
                    Style::KoboldCpp => obj([index, message, ("finish_reason", finish)]),
                    Style::Ooba => obj([
                        index,
                        ("finish_reason", finish),
                        message,
                        ("logprobs", J::Null),
                    ]),
                    Style::OpenRouter => obj([
                        index,
                        message,
                        ("finish_reason", finish.clone()),
                        ("native_finish_reason", finish),
                    ]),
                    Style::OpenAi | Style::LlamaCpp => obj([
                        index,
                        message,
                        ("logprobs", J::Null),
                        ("finish_reason", finish),
                    ]),
                }
            }
            Kind::Text => {
                let text = ("text", s(content));
                match self.style {
                    Style::KoboldCpp => obj([text, index, ("finish_reason", finish)]),
                    Style::Ooba => obj([
                        index,
                        ("finish_reason", finish),
                        text,
                        ("logprobs", J::Null),
                    ]),
                    Style::OpenRouter => obj([
                        text,
                        index,
                        ("finish_reason", finish.clone()),
                        ("native_finish_reason", finish),
                    ]),
                    Style::OpenAi | Style::LlamaCpp => obj([
                        text,
                        index,
                        ("logprobs", J::Null),
                        ("finish_reason", finish),
                    ]),
                }
            }
        };
        let mut fields = self.head(false);
        let (choices, usage) = (
            ("choices", J::Arr(vec![choice])),
            ("usage", self.style.usage()),
        );
        if self.style == Style::KoboldCpp {
            fields.extend([usage, choices]);
        } else {
            fields.extend([choices, usage]);
        }
        if self.citations == Some(Citations::Perplexity) {
            fields.extend(crate::citations::perplexity_fields());
        }
        J::Obj(fields)
    }
}

/// OpenRouter's mid-stream provider failure.
fn openrouter_error() -> J {
    obj([
        ("code", J::Int(502)),
        ("message", s("Network connection lost.")),
        ("metadata", obj([("error_type", s("provider_unavailable"))])),
    ])
}
