//! Cohere's v2 chat API ([`Family::Cohere`](crate::Family::Cohere)), as its OpenAPI description
//! (github.com/cohere-ai/cohere-developer-experience `cohere-openapi.yaml`: `/v2/chat`, its
//! streamed example, `/v1/models`, the error responses) and its error reference
//! (`fern/pages/cohere-api/errors.mdx`) give it.
//!
//! Routing matches on how the path ends (any prefix works). Every route wants `Authorization:
//! Bearer <key>` when [`FakeOptions::api_key`] is set: none is 401 `no api key supplied`, a
//! wrong one 401 `invalid api token`. Errors are `{"id","message"}` (compact JSON, as every
//! answer). A stream is `text/event-stream`: each event an `event: <type>` line and a `data:`
//! line of its JSON (whose `type` is the same), then `data: [DONE]`.
//!
//! | Route | Answer |
//! | --- | --- |
//! | `GET …/v1/models` | `{"models":[{"name","endpoints","finetuned","context_length","tokenizer_url","default_endpoints","features"}],"next_page_token"}`, [`FakeOptions::models`] paged by `page_size` / `page_token` (default 20) |
//! | `POST …/v2/chat` | checks the body (`model`; the system turn first; no empty turn; `temperature`, `p`, `k` and the penalties in range), then the scenario's answer |
//! | anything else | 404 `404 page not found` |
//!
//! **Scenarios** (`…/v2/chat`; the other routes answer as in `normal` unless said):
//!
//! | Scenario | Streamed | Whole |
//! | --- | --- | --- |
//! | `normal`, `usage`, `usage-null-choices`, `keep-alive` | `message-start`, `content-start`, five `content-delta`s, `content-end`, `message-end` `COMPLETE` (`STOP_SEQUENCE` when the request has `stop_sequences`) with `usage`, `[DONE]` | the message, same reason and usage |
//! | `slow` | [`SLOW_PIECES`](crate::SLOW_PIECES) deltas, `slow_delay` apart | the message |
//! | `split` | the normal stream with CRLF line ends, cut at hostile offsets | normal |
//! | `reasoning`, `reasoning-open-router` | a `thinking` block ([`REASONING_TEXT`]) before the text block | `thinking` content, then `text` |
//! | `mid-stream-error`, `mid-stream-error-open-router` | [`PARTIAL_TEXT`], then `message-end` with `finish_reason: ERROR` and `delta.error` [`COHERE_STREAM_ERROR`], `[DONE]` | 500 `internal server error` |
//! | `truncated` | [`PARTIAL_TEXT`], half an event, the connection aborted | half the JSON, aborted |
//! | `eof-no-done` | [`PARTIAL_TEXT`] and a clean end: no `content-end`, `message-end` nor `[DONE]` | the message |
//! | `done-no-blank-line` | `MAX_TOKENS`; `message-end` without its blank line, no `[DONE]` | the message, `MAX_TOKENS` |
//! | `stall` / `stall-before-headers` | [`PARTIAL_TEXT`], then silence / nothing at all | silence / nothing |
//! | `unauthorized` | 401 `invalid api token` (every route) | same |
//! | `model-not-found` | 404 `model '<name>' not found, …` | same |
//! | `rate-limited` / `…-no-retry-after` | 429 with [`COHERE_RATE_LIMIT`], with / without `retry-after: 7` | same |
//! | `overloaded` | 503 `service unavailable` | same |
//! | `server-error-html` | 500 nginx HTML page (every route) | same |
//! | `no-models-route` / `empty-models` | normal (`…/v1/models`: 404 / no models) | normal |

use axum::http::StatusCode;
use serde_json::Value;

use crate::json::{obj, s, Fmt, J};
use crate::reply::{frames, Piece, Reply, NGINX_500};
use crate::server::{mounted, RecordedRequest};
use crate::sse::stream_frames;
use crate::{pieces, slow_pieces, FakeOptions, Scenario, PARTIAL_TEXT, REASONING_TEXT};

/// The `delta.error` of `mid-stream-error`'s `message-end`.
pub const COHERE_STREAM_ERROR: &str =
    "internal server error, this has been reported to our developers";
/// The message of a 429 (Cohere's documented wording).
pub const COHERE_RATE_LIMIT: &str =
    "You are past the per minute request limit, please wait and try again later.";
/// `context_length` of every model listed.
pub const COHERE_CONTEXT_LENGTH: i64 = 256_000;
/// The `id` of every reply and error.
const ID: &str = "29f14a5a-11de-4cae-9800-25e4747408ea";
/// The token counts of every reply: billed, then read and written.
const BILLED: (i64, i64) = (5, 26);
const TOKENS: (i64, i64) = (71, 26);
const SSE: &str = "text/event-stream";
/// How many bytes of the next event `truncated` sends before aborting.
const CUT_AT: usize = 40;
const DEFAULT_PAGE: usize = 20;

fn json(status: StatusCode, body: &J) -> Reply {
    Reply::json(status, body.render(Fmt::COMPACT))
}

/// Cohere's error body.
pub(crate) fn error(status: StatusCode, message: &str) -> Reply {
    json(status, &obj([("id", s(ID)), ("message", s(message))]))
}

fn bearer(req: &RecordedRequest) -> Option<&str> {
    let (scheme, token) = req.header("authorization")?.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// Answers one request.
pub(crate) fn respond(
    opts: &FakeOptions,
    scenario: Scenario,
    text: &str,
    req: &RecordedRequest,
) -> Reply {
    let not_found = || error(StatusCode::NOT_FOUND, "404 page not found");
    if !mounted(opts, &req.path) {
        return not_found();
    }
    if scenario == Scenario::StallBeforeHeaders {
        return Reply::never();
    }
    if scenario == Scenario::ServerErrorHtml {
        return Reply::full(StatusCode::INTERNAL_SERVER_ERROR, "text/html", NGINX_500);
    }
    if let Some(key) = opts.api_key.as_deref() {
        match bearer(req) {
            None => return error(StatusCode::UNAUTHORIZED, "no api key supplied"),
            Some(given) if given != key => {
                return error(StatusCode::UNAUTHORIZED, "invalid api token")
            }
            Some(_) => {}
        }
    }
    if scenario == Scenario::Unauthorized {
        return error(StatusCode::UNAUTHORIZED, "invalid api token");
    }
    let path = req.path.trim_end_matches('/');
    match req.method.as_str() {
        "GET" if path.ends_with("/v1/models") => match scenario {
            Scenario::NoModelsRoute => not_found(),
            _ => models(opts, scenario, req),
        },
        "POST" if path.ends_with("/v2/chat") => chat(opts, scenario, text, req),
        _ => not_found(),
    }
}

/// A query parameter of the request.
fn query<'a>(req: &'a RecordedRequest, name: &str) -> Option<&'a str> {
    req.query
        .as_deref()?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

fn models(opts: &FakeOptions, scenario: Scenario, req: &RecordedRequest) -> Reply {
    let names: &[String] = if scenario == Scenario::EmptyModels {
        &[]
    } else {
        &opts.models
    };
    let size = query(req, "page_size")
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(DEFAULT_PAGE)
        .clamp(1, 1000);
    let start = query(req, "page_token")
        .and_then(|t| t.parse::<usize>().ok())
        .unwrap_or(0)
        .min(names.len());
    let end = (start + size).min(names.len());
    let listed = names[start..end]
        .iter()
        .map(|name| {
            obj([
                ("name", s(name.as_str())),
                ("endpoints", J::Arr(vec![s("chat")])),
                ("finetuned", J::Bool(false)),
                ("context_length", J::Int(COHERE_CONTEXT_LENGTH)),
                (
                    "tokenizer_url",
                    s("https://storage.googleapis.com/cohere-public/tokenizers/command-a-03-2025.json"),
                ),
                ("default_endpoints", J::Arr(Vec::new())),
                ("features", J::Arr(vec![s("tools"), s("json_mode")])),
            ])
        })
        .collect();
    let mut body = vec![("models", J::Arr(listed))];
    if end < names.len() {
        body.push(("next_page_token", s(end.to_string())));
    }
    json(StatusCode::OK, &J::Obj(body))
}

/// The body's refusal, in Cohere's words, when it breaks a rule the API checks.
fn refused(opts: &FakeOptions, body: &Value) -> Option<Reply> {
    let bad = |message: &str| Some(error(StatusCode::BAD_REQUEST, message));
    let model = body.get("model").and_then(Value::as_str).unwrap_or("");
    if model.is_empty() {
        return bad("a model parameter is required for this endpoint.");
    }
    if !opts.models.iter().any(|m| m == model) {
        return Some(error(
            StatusCode::NOT_FOUND,
            &format!("model '{model}' not found, make sure the correct model ID was used and that you have access to the model."),
        ));
    }
    let messages = body.get("messages").and_then(Value::as_array);
    for (i, message) in messages.into_iter().flatten().enumerate() {
        let role = message.get("role").and_then(Value::as_str).unwrap_or("");
        if role == "system" && i > 0 {
            return bad("system turn must be the first in the list");
        }
        // A string, or (with images) an array of `text` and `image_url` parts.
        let empty = match message.get("content") {
            Some(Value::Array(parts)) => parts.is_empty(),
            content => content
                .and_then(Value::as_str)
                .is_none_or(|text| text.trim().is_empty()),
        };
        if empty {
            return bad("message must not be empty in a turn");
        }
    }
    let number = |name| body.get(name).and_then(Value::as_f64);
    let outside = |name, low: f64, high: f64| number(name).is_some_and(|n| n < low || n > high);
    if outside("temperature", 0.0, 1.0) {
        return bad("invalid request: temperature must be between 0 and 1.0 inclusive.");
    }
    for penalty in ["presence_penalty", "frequency_penalty"] {
        if outside(penalty, 0.0, 1.0) {
            return bad(&format!(
                "invalid request: {penalty} must be between 0 and 1 inclusive."
            ));
        }
    }
    if outside("p", 0.01, 0.99) {
        return bad("invalid request: p must be between 0.01 and 0.99 inclusive.");
    }
    if outside("k", 0.0, 500.0) {
        return bad("invalid request: k must be between 0 and 500 inclusive.");
    }
    None
}

/// One event: its `event:` line and its `data:` line.
fn event(body: J) -> Vec<u8> {
    let kind = match &body {
        J::Obj(fields) => fields
            .iter()
            .find(|(k, _)| *k == "type")
            .and_then(|(_, v)| match v {
                J::Str(t) => Some(t.clone()),
                _ => None,
            })
            .unwrap_or_default(),
        _ => String::new(),
    };
    format!("event: {kind}\ndata: {}\n\n", body.render(Fmt::COMPACT)).into_bytes()
}

fn usage() -> J {
    obj([
        (
            "billed_units",
            obj([
                ("input_tokens", J::Int(BILLED.0)),
                ("output_tokens", J::Int(BILLED.1)),
            ]),
        ),
        (
            "tokens",
            obj([
                ("input_tokens", J::Int(TOKENS.0)),
                ("output_tokens", J::Int(TOKENS.1)),
            ]),
        ),
    ])
}

fn content_start(index: i64, kind: &str) -> J {
    obj([
        ("type", s("content-start")),
        ("index", J::Int(index)),
        (
            "delta",
            obj([(
                "message",
                obj([(
                    "content",
                    J::Map(vec![("type".into(), s(kind)), (kind.into(), s(""))]),
                )]),
            )]),
        ),
    ])
}

fn content_delta(index: i64, field: &str, text: &str) -> J {
    obj([
        ("type", s("content-delta")),
        ("index", J::Int(index)),
        (
            "delta",
            obj([(
                "message",
                obj([("content", J::Map(vec![(field.into(), s(text))]))]),
            )]),
        ),
    ])
}

fn content_end(index: i64) -> J {
    obj([("type", s("content-end")), ("index", J::Int(index))])
}

fn message_end(delta: J) -> J {
    obj([("type", s("message-end")), ("delta", delta)])
}

fn finished(reason: &str) -> J {
    obj([("finish_reason", s(reason)), ("usage", usage())])
}

fn chat(opts: &FakeOptions, scenario: Scenario, text: &str, req: &RecordedRequest) -> Reply {
    let Some(body) = req.json() else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid json syntax: invalid character 'x' looking for beginning of value",
        );
    };
    if scenario == Scenario::ModelNotFound {
        let model = body.get("model").and_then(Value::as_str).unwrap_or("");
        return error(
            StatusCode::NOT_FOUND,
            &format!("model '{model}' not found, make sure the correct model ID was used and that you have access to the model."),
        );
    }
    if let Some(refusal) = refused(opts, &body) {
        return refusal;
    }
    match scenario {
        Scenario::RateLimited => {
            return error(StatusCode::TOO_MANY_REQUESTS, COHERE_RATE_LIMIT)
                .with_header("retry-after", "7")
        }
        Scenario::RateLimitedNoRetryAfter => {
            return error(StatusCode::TOO_MANY_REQUESTS, COHERE_RATE_LIMIT)
        }
        Scenario::Overloaded => {
            return error(StatusCode::SERVICE_UNAVAILABLE, "service unavailable")
        }
        _ => {}
    }
    let stopped = body
        .get("stop_sequences")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty());
    let reason = match scenario {
        Scenario::DoneNoBlankLine => "MAX_TOKENS",
        _ if stopped => "STOP_SEQUENCE",
        _ => "COMPLETE",
    };
    let (texts, thinking): (Vec<String>, Vec<String>) = match scenario {
        Scenario::Slow => (slow_pieces(), Vec::new()),
        Scenario::MidStreamError
        | Scenario::MidStreamErrorOpenRouter
        | Scenario::Truncated
        | Scenario::EofNoDone
        | Scenario::Stall => (pieces(PARTIAL_TEXT, 2), Vec::new()),
        Scenario::Reasoning | Scenario::ReasoningOpenRouter => {
            (pieces(text, 5), pieces(REASONING_TEXT, 3))
        }
        _ => (pieces(text, 5), Vec::new()),
    };
    if body.get("stream").and_then(Value::as_bool) != Some(true) {
        return whole(scenario, &texts.concat(), &thinking.concat(), reason);
    }
    let start = obj([
        ("type", s("message-start")),
        ("id", s(ID)),
        ("delta", obj([("message", obj([("role", s("assistant"))]))])),
    ]);
    let mut events: Vec<Vec<u8>> = vec![event(start)];
    let mut index = 0;
    if !thinking.is_empty() {
        events.push(event(content_start(0, "thinking")));
        events.extend(
            thinking
                .iter()
                .map(|t| event(content_delta(0, "thinking", t))),
        );
        events.push(event(content_end(0)));
        index = 1;
    }
    events.push(event(content_start(index, "text")));
    events.extend(texts.iter().map(|t| event(content_delta(index, "text", t))));
    let done = b"data: [DONE]\n\n".to_vec();
    let mut out: Vec<Piece> = events.into_iter().map(Piece::Bytes).collect();
    match scenario {
        Scenario::MidStreamError | Scenario::MidStreamErrorOpenRouter => {
            let failed = obj([
                ("error", s(COHERE_STREAM_ERROR)),
                ("finish_reason", s("ERROR")),
            ]);
            out.push(Piece::Bytes(event(message_end(failed))));
            out.push(Piece::Bytes(done));
        }
        Scenario::Truncated => {
            let mut half = event(content_end(index));
            half.truncate(CUT_AT);
            out.extend([Piece::Bytes(half), Piece::Abort]);
        }
        Scenario::EofNoDone => {}
        Scenario::Stall => out.push(Piece::Hang),
        Scenario::DoneNoBlankLine => {
            out.push(Piece::Bytes(event(content_end(index))));
            let mut last = event(message_end(finished(reason)));
            last.truncate(last.len() - 2);
            out.push(Piece::Bytes(last));
        }
        _ => {
            out.push(Piece::Bytes(event(content_end(index))));
            out.push(Piece::Bytes(event(message_end(finished(reason)))));
            out.push(Piece::Bytes(done));
        }
    }
    Reply::stream(SSE, stream_frames(scenario, out, opts.slow_delay))
}

/// The answer to a request without `stream: true`.
fn whole(scenario: Scenario, text: &str, thinking: &str, reason: &str) -> Reply {
    let mut content = Vec::new();
    if !thinking.is_empty() {
        content.push(obj([("type", s("thinking")), ("thinking", s(thinking))]));
    }
    content.push(obj([("type", s("text")), ("text", s(text))]));
    let message = obj([
        ("id", s(ID)),
        (
            "message",
            obj([("role", s("assistant")), ("content", J::Arr(content))]),
        ),
        ("finish_reason", s(reason)),
        ("usage", usage()),
    ]);
    match scenario {
        Scenario::MidStreamError | Scenario::MidStreamErrorOpenRouter => {
            error(StatusCode::INTERNAL_SERVER_ERROR, "internal server error")
        }
        Scenario::Stall => Reply::never(),
        Scenario::Truncated => {
            let mut half = message.render(Fmt::COMPACT).into_bytes();
            half.truncate(CUT_AT);
            Reply::json(StatusCode::OK, "")
                .with_frames(frames(vec![Piece::Bytes(half), Piece::Abort], None))
        }
        _ => json(StatusCode::OK, &message),
    }
}
