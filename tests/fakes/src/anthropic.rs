//! Anthropic's Messages API: `…/v1/messages` and the paged `…/v1/models`.
//!
//! Routing matches on how the path ends (any prefix works), as for the OpenAI-compatible family.
//! A request goes through the real API's checks in order: the key (`x-api-key`, or a bearer
//! token as reverse proxies send it), then on `…/messages` the `anthropic-version` header and the
//! body (`model`, `max_tokens`, non-empty alternating `user`/`assistant` messages that start with
//! `user`, no `system` role, no trailing whitespace at the end of an assistant prefill), each
//! failure a 400 `invalid_request_error` in the API's wording. Errors are
//! `{"type":"error","error":{"type","message"},"request_id"}`, and every answer of the API carries
//! `request-id` and `anthropic-organization-id` headers.
//!
//! A generation is planned as a list of [`Ev`]ents per scenario, then rendered either as named
//! SSE events (one per frame, or cut at hostile offsets for `split`) or folded into one message
//! object. A final `assistant` message (a prefill) is simply continued with the reply text.
//!
//! | Scenario | `…/messages`, streamed | `…/messages`, not streamed |
//! | --- | --- | --- |
//! | `normal`, `split` (CRLF, hostile cuts) | `message_start`, text block (`ping` after its start, five `text_delta`s), `message_delta` `end_turn`, `message_stop` | message, `end_turn` |
//! | `slow` | [`SLOW_PIECES`](crate::SLOW_PIECES) `text_delta`s, `slow_delay` apart | message |
//! | `keep-alive` | `ping` between every two deltas | message |
//! | `usage`, `usage-null-choices` | cache counters in `message_start`, full totals in `message_delta` | message |
//! | `reasoning`, `reasoning-open-router` | `thinking` block (`thinking_delta`s, `signature_delta`), then the text block | `thinking` block, then `text` |
//! | `mid-stream-error`, `mid-stream-error-open-router` | partial text, `event: error` `overloaded_error`, end | 529 `overloaded_error` |
//! | `truncated` | partial text, half an event, abort | half the JSON, abort |
//! | `eof-no-done` | partial text, end (no block stop, `message_delta` nor `message_stop`) | message, `stop_reason: null` |
//! | `done-no-blank-line` | `max_tokens`; `message_stop` without its line end | message, `max_tokens` |
//! | `stall` / `stall-before-headers` | partial text, then silence / nothing at all | silence after the headers / nothing |
//! | `unauthorized` | 401 `authentication_error` (every route) | same |
//! | `model-not-found` | 404 `not_found_error` `model: <name>` | same |
//! | `rate-limited` / `…-no-retry-after` | 429 `rate_limit_error` with / without `retry-after` and `anthropic-ratelimit-*` | same |
//! | `overloaded` | 529 `overloaded_error` | same |
//! | `server-error-html` | 500 nginx HTML page (every route) | same |
//! | `no-models-route` / `empty-models` | normal (`…/models`: 404 / no models) | normal |
//! | `echo-unauthorized` | 401 `authentication_error` quoting the request's credentials (every route; `echo.rs`) | same |
//! | `echo-mid-stream` | `message_start`, partial text, `event: error` `api_error` quoting the credentials | 500 `api_error` quoting them |
//! | `echo-page` | 200 HTML sign-in page quoting the credentials (every route) | same |
//!
//! With [`FakeOptions::signed_thinking`], `reasoning` and `reasoning-open-router` refuse (400
//! `invalid_request_error`, in the API's words) a request with an `assistant` turn that does not
//! start with the thinking block given, signed [`THINKING_SIGNATURE`].
//!
//! A request with `stop_sequences` ends with `stop_reason: "stop_sequence"` and the first of them
//! as `stop_sequence` (except in `done-no-blank-line`, which runs out of tokens).

use axum::http::StatusCode;
use serde_json::Value;

use crate::json::{obj, s, Fmt, J};
use crate::reply::{frames, Frame, Piece, Reply, NGINX_500};
use crate::server::{authorized, mounted, RecordedRequest};
use crate::sse::stream_frames;
use crate::{
    pieces, slow_pieces, FakeOptions, Scenario, PARTIAL_TEXT, REASONING_TEXT, THINKING_SIGNATURE,
};

/// The `id` of every message.
const MESSAGE_ID: &str = "msg_fake_1";
/// The `request-id` header, and the `request_id` of error bodies.
const REQUEST_ID: &str = "req_fake_1";
/// The `anthropic-organization-id` header.
const ORGANIZATION_ID: &str = "00000000-0000-4000-8000-000000000001";
/// The `created_at` of every listed model (the OpenAI-compatible fake's `created`).
const CREATED_AT: &str = "2023-11-14T22:13:20Z";
/// The `input_tokens` of every reply.
const INPUT_TOKENS: i64 = 12;
/// The final `output_tokens` of every reply (`message_start` says 1).
const OUTPUT_TOKENS: i64 = 9;
/// How many bytes of the next event `truncated` sends before aborting: its `event:` line and the
/// start of its JSON.
const CUT_AT: usize = 60;
/// The page size of `…/models` without `limit`, and the largest `limit` accepted.
const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 1000;
const SSE: &str = "text/event-stream; charset=utf-8";
const FIRST_NOT_USER: &str = "messages: first message must use the \"user\" role";
const SYSTEM_ROLE: &str = "messages: Unexpected role \"system\". The Messages API accepts a top-level `system` parameter, not \"system\" as an input message role.";
const TRAILING_WHITESPACE: &str =
    "messages: final assistant content cannot end with trailing whitespace";
const RATE_LIMIT_MESSAGE: &str = "This request would exceed the rate limit for your organization of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.";
/// The rate-limit headers of `rate-limited`: no requests left until 7 s after the fake's clock
/// (the time of the keep-alive comments of the OpenAI-compatible fake).
const RATE_LIMIT_HEADERS: [(&str, &str); 12] = [
    ("anthropic-ratelimit-requests-limit", "50"),
    ("anthropic-ratelimit-requests-remaining", "0"),
    ("anthropic-ratelimit-requests-reset", "2026-11-24T10:00:07Z"),
    ("anthropic-ratelimit-tokens-limit", "100000"),
    ("anthropic-ratelimit-tokens-remaining", "100000"),
    ("anthropic-ratelimit-tokens-reset", "2026-11-24T10:00:00Z"),
    ("anthropic-ratelimit-input-tokens-limit", "80000"),
    ("anthropic-ratelimit-input-tokens-remaining", "80000"),
    (
        "anthropic-ratelimit-input-tokens-reset",
        "2026-11-24T10:00:00Z",
    ),
    ("anthropic-ratelimit-output-tokens-limit", "20000"),
    ("anthropic-ratelimit-output-tokens-remaining", "20000"),
    (
        "anthropic-ratelimit-output-tokens-reset",
        "2026-11-24T10:00:00Z",
    ),
];

/// Answers one request of the Anthropic family.
pub(crate) fn respond(
    opts: &FakeOptions,
    scenario: Scenario,
    reply: &str,
    req: &RecordedRequest,
) -> Reply {
    if !mounted(opts, &req.path) {
        return not_found();
    }
    let Some(route) = Route::of(&req.path) else {
        return not_found();
    };
    if req.method != route.method() {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request_error",
            "Method Not Allowed",
        )
        .with_header("allow", route.method());
    }
    if scenario == Scenario::Unauthorized || !authorized(opts, req) {
        return error(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "invalid x-api-key",
        );
    }
    match (scenario, route) {
        (Scenario::StallBeforeHeaders, _) => Reply::never(),
        (Scenario::ServerErrorHtml, _) => {
            Reply::full(StatusCode::INTERNAL_SERVER_ERROR, "text/html", NGINX_500)
        }
        (Scenario::NoModelsRoute, Route::Models) => not_found(),
        (_, Route::Models) => models(scenario, &opts.models, req.query.as_deref()),
        (_, Route::Messages) => messages(opts, scenario, reply, req),
    }
}

/// The routes, by the end of the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    Models,
    Messages,
}

impl Route {
    fn of(path: &str) -> Option<Route> {
        let path = path.strip_suffix('/').unwrap_or(path);
        if path.ends_with("/messages") {
            Some(Route::Messages)
        } else if path.ends_with("/models") {
            Some(Route::Models)
        } else {
            None
        }
    }

    fn method(self) -> &'static str {
        match self {
            Route::Models => "GET",
            Route::Messages => "POST",
        }
    }
}

/// Adds the headers every answer of the API carries.
fn api(reply: Reply) -> Reply {
    reply
        .with_header("request-id", REQUEST_ID)
        .with_header("anthropic-organization-id", ORGANIZATION_ID)
}

/// The `error` member of error bodies and events: `{"type","message"}`.
fn error_detail(kind: &str, message: &str) -> J {
    obj([("type", s(kind)), ("message", s(message))])
}

/// An error response: `{"type":"error","error":{"type","message"},"request_id"}`.
pub(crate) fn error(status: StatusCode, kind: &str, message: &str) -> Reply {
    let body = obj([
        ("type", s("error")),
        ("error", error_detail(kind, message)),
        ("request_id", s(REQUEST_ID)),
    ]);
    api(Reply::json(status, body.render(Fmt::COMPACT)))
}

fn invalid_request(message: &str) -> Reply {
    error(StatusCode::BAD_REQUEST, "invalid_request_error", message)
}

fn not_found() -> Reply {
    error(StatusCode::NOT_FOUND, "not_found_error", "Not Found")
}

/// 529, the status Anthropic uses for `overloaded_error`.
fn overloaded() -> Reply {
    let status = StatusCode::from_u16(529).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    error(status, "overloaded_error", "Overloaded")
}

fn rate_limited(hints: bool) -> Reply {
    let reply = error(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limit_error",
        RATE_LIMIT_MESSAGE,
    );
    if !hints {
        return reply;
    }
    RATE_LIMIT_HEADERS.into_iter().fold(
        reply.with_header("retry-after", "7"),
        |reply, (name, value)| reply.with_header(name, value),
    )
}

/// `GET …/models`: newest first (the order of [`FakeOptions::models`]), paged by `limit` and
/// `after_id` or `before_id` like the real API; an unknown id gives an empty page.
fn models(scenario: Scenario, models: &[String], query: Option<&str>) -> Reply {
    let listed = if scenario == Scenario::EmptyModels {
        &[][..]
    } else {
        models
    };
    let limit = match query_param(query, "limit").map(|limit| limit.parse::<usize>()) {
        None => DEFAULT_LIMIT,
        Some(Ok(limit)) if (1..=MAX_LIMIT).contains(&limit) => limit,
        Some(Ok(0)) => {
            return invalid_request("limit: Input should be greater than or equal to 1");
        }
        Some(Ok(_)) => {
            return invalid_request(&format!(
                "limit: Input should be less than or equal to {MAX_LIMIT}"
            ));
        }
        Some(Err(_)) => {
            return invalid_request(
                "limit: Input should be a valid integer, unable to parse string as an integer",
            );
        }
    };
    let position = |id: &str| listed.iter().position(|model| model == id);
    let (start, end, has_more) = if let Some(after) = query_param(query, "after_id") {
        let start = position(&after).map_or(listed.len(), |i| i + 1);
        let end = (start + limit).min(listed.len());
        (start, end, end < listed.len())
    } else if let Some(before) = query_param(query, "before_id") {
        let end = position(&before).unwrap_or(0);
        let start = end.saturating_sub(limit);
        (start, end, start > 0)
    } else {
        let end = limit.min(listed.len());
        (0, end, end < listed.len())
    };
    let page = listed.get(start..end).unwrap_or_default();
    let data = page
        .iter()
        .map(|id| {
            obj([
                ("type", s("model")),
                ("id", s(id.as_str())),
                ("display_name", s(display_name(id))),
                ("created_at", s(CREATED_AT)),
            ])
        })
        .collect();
    let id_or_null = |id: Option<&String>| id.map_or(J::Null, |id| s(id.as_str()));
    let body = obj([
        ("data", J::Arr(data)),
        ("has_more", J::Bool(has_more)),
        ("first_id", id_or_null(page.first())),
        ("last_id", id_or_null(page.last())),
    ]);
    api(Reply::json(StatusCode::OK, body.render(Fmt::COMPACT)))
}

/// `fake-model-1` → `Fake Model 1`.
fn display_name(id: &str) -> String {
    let words: Vec<String> = id
        .split(['-', '_'])
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        })
        .collect();
    words.join(" ")
}

/// The first value of a query parameter, percent-decoded.
fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| percent_decode(value))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        let escaped = (byte == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (escaped, byte) {
            (Some(decoded), _) => {
                out.push(decoded);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, byte) => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `POST …/messages`.
fn messages(opts: &FakeOptions, scenario: Scenario, reply: &str, req: &RecordedRequest) -> Reply {
    if req.header("anthropic-version").is_none() {
        return invalid_request("anthropic-version: header is required");
    }
    let body: Value = match serde_json::from_slice(&req.body) {
        Ok(body) => body,
        Err(e) => return invalid_request(&format!("The request body is not valid JSON: {e}")),
    };
    let params = match Params::of(&body) {
        Ok(params) => params,
        Err(message) => return invalid_request(&message),
    };
    let thinking = matches!(
        scenario,
        Scenario::Reasoning | Scenario::ReasoningOpenRouter
    );
    if thinking && opts.signed_thinking {
        if let Err(message) = check_signatures(&body) {
            return invalid_request(&message);
        }
    }
    match scenario {
        Scenario::ModelNotFound => {
            let message = format!("model: {}", params.model);
            return error(StatusCode::NOT_FOUND, "not_found_error", &message);
        }
        Scenario::RateLimited => return rate_limited(true),
        Scenario::RateLimitedNoRetryAfter => return rate_limited(false),
        Scenario::Overloaded => return overloaded(),
        _ => {}
    }
    let stop = if scenario == Scenario::DoneNoBlankLine {
        Stop::MaxTokens
    } else {
        params.stop
    };
    let gen = Gen {
        model: params.model,
        full_usage: matches!(scenario, Scenario::Usage | Scenario::UsageNullChoices),
    };
    let evs = plan(scenario, reply, stop);
    if !params.stream {
        return gen.whole(&evs);
    }
    let frames = stream_frames(scenario, gen.render(&evs), opts.slow_delay);
    api(Reply::stream(SSE, frames))
}

/// What a valid `…/messages` body asks for.
#[derive(Debug)]
struct Params {
    model: String,
    stream: bool,
    /// How a complete reply ends: at the first of the request's `stop_sequences`, else at the
    /// end of the turn.
    stop: Stop,
}

impl Params {
    /// Checks the body as the real API does; `Err` holds the message of the 400.
    fn of(body: &Value) -> Result<Params, String> {
        let Some(body) = body.as_object() else {
            return Err("Input should be a valid dictionary".to_owned());
        };
        let model = match body.get("model") {
            None => return Err("model: Field required".to_owned()),
            Some(Value::String(model)) => model.clone(),
            Some(_) => return Err("model: Input should be a valid string".to_owned()),
        };
        match body.get("max_tokens").map(Value::as_i64) {
            None => return Err("max_tokens: Field required".to_owned()),
            Some(None) => return Err("max_tokens: Input should be a valid integer".to_owned()),
            Some(Some(n)) if n < 1 => {
                return Err("max_tokens: Input should be greater than or equal to 1".to_owned());
            }
            Some(Some(_)) => {}
        }
        match body.get("messages") {
            None => return Err("messages: Field required".to_owned()),
            Some(Value::Array(messages)) => check_messages(messages)?,
            Some(_) => return Err("messages: Input should be a valid list".to_owned()),
        }
        let stop = body
            .get("stop_sequences")
            .and_then(Value::as_array)
            .and_then(|sequences| sequences.first()?.as_str())
            .map_or(Stop::EndTurn, |sequence| {
                Stop::Sequence(sequence.to_owned())
            });
        Ok(Params {
            model,
            stream: body.get("stream") == Some(&Value::Bool(true)),
            stop,
        })
    }
}

/// Roles `user` and `assistant` only, alternating from `user`; content may only be empty in a
/// final assistant message, and a final assistant message (a prefill) must not end in
/// whitespace.
fn check_messages(messages: &[Value]) -> Result<(), String> {
    let Some(last) = messages.len().checked_sub(1) else {
        return Err("messages: at least one message is required".to_owned());
    };
    let mut previous = None;
    for (i, message) in messages.iter().enumerate() {
        let role = match message.get("role").map(Value::as_str) {
            None => return Err(format!("messages.{i}.role: Field required")),
            Some(Some("system")) => return Err(SYSTEM_ROLE.to_owned()),
            Some(Some(role @ ("user" | "assistant"))) => role,
            Some(_) => {
                return Err(format!(
                    "messages.{i}.role: Input should be 'user' or 'assistant'"
                ));
            }
        };
        match previous {
            None if role != "user" => return Err(FIRST_NOT_USER.to_owned()),
            Some(previous) if previous == role => {
                return Err(format!(
                    "messages: roles must alternate between \"user\" and \"assistant\", but found multiple \"{role}\" roles in a row"
                ));
            }
            _ => {}
        }
        previous = Some(role);
        if i < last && is_empty_content(message) {
            return Err(format!("messages.{i}: all messages must have non-empty content except for the optional final assistant message"));
        }
        let prefill = last_text(message).filter(|_| i == last && role == "assistant");
        if prefill.is_some_and(|text| text.ends_with(char::is_whitespace)) {
            return Err(TRAILING_WHITESPACE.to_owned());
        }
    }
    Ok(())
}

/// With [`FakeOptions::signed_thinking`]: every `assistant` turn must start with the thinking
/// block this fake gave, its signature intact, as the API demands of the turns it signed.
fn check_signatures(body: &Value) -> Result<(), String> {
    let messages = body.get("messages").and_then(Value::as_array);
    for (i, message) in messages.into_iter().flatten().enumerate() {
        if message.get("role").and_then(Value::as_str) != Some("assistant") {
            continue;
        }
        let first = match message.get("content") {
            Some(Value::Array(blocks)) => blocks.first(),
            _ => None,
        };
        let kind = first
            .and_then(|b| b.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("text");
        if kind != "thinking" {
            return Err(format!("messages.{i}.content.0.type: Expected `thinking` or `redacted_thinking`, but found `{kind}`. When `thinking` is enabled, a final `assistant` message must start with a thinking block. We recommend you include thinking blocks from previous turns."));
        }
        let signature = first
            .and_then(|b| b.get("signature"))
            .and_then(Value::as_str);
        if signature != Some(THINKING_SIGNATURE) {
            return Err(format!(
                "messages.{i}.content.0: Invalid `signature` in `thinking` block"
            ));
        }
    }
    Ok(())
}

/// The text a message ends with: its string content, or the text of its last block if that is
/// a `text` block.
fn last_text(message: &Value) -> Option<&str> {
    match message.get("content")? {
        Value::String(text) => Some(text),
        Value::Array(blocks) => {
            let block = blocks.last()?;
            (block.get("type")?.as_str()? == "text").then_some(block.get("text")?.as_str()?)
        }
        _ => None,
    }
}

/// `""` or `[]`.
fn is_empty_content(message: &Value) -> bool {
    match message.get("content") {
        Some(Value::String(text)) => text.is_empty(),
        Some(Value::Array(blocks)) => blocks.is_empty(),
        _ => false,
    }
}

/// How a message ends.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Stop {
    EndTurn,
    MaxTokens,
    /// One of the request's `stop_sequences` was generated.
    Sequence(String),
}

impl Stop {
    fn reason(&self) -> &'static str {
        match self {
            Stop::EndTurn => "end_turn",
            Stop::MaxTokens => "max_tokens",
            Stop::Sequence(_) => "stop_sequence",
        }
    }

    fn sequence(&self) -> J {
        match self {
            Stop::Sequence(sequence) => s(sequence.as_str()),
            Stop::EndTurn | Stop::MaxTokens => J::Null,
        }
    }
}

/// The kind of a content block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Block {
    Text,
    Thinking,
}

/// One step of a planned generation. Block events refer to the open block: blocks are numbered
/// in order from 0.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ev {
    MessageStart,
    BlockStart(Block),
    /// A `text_delta`.
    Text(String),
    /// A `thinking_delta`.
    Thinking(String),
    /// The `signature_delta` that ends a thinking block.
    Signature,
    BlockStop,
    MessageDelta(Stop),
    /// `message_stop`; without `blank_line`, the event ends right after its JSON.
    MessageStop {
        blank_line: bool,
    },
    Ping,
    /// `event: error` with an `overloaded_error`.
    Error,
    /// The start of another event, then the connection is aborted.
    Cut,
    /// Silence with the connection open.
    Hang,
}

fn texts(text: &str, n: usize) -> impl Iterator<Item = Ev> {
    pieces(text, n).into_iter().map(Ev::Text)
}

/// The events of a scenario's generation.
fn plan(scenario: Scenario, reply: &str, stop: Stop) -> Vec<Ev> {
    let open = |block| [Ev::MessageStart, Ev::BlockStart(block), Ev::Ping];
    let close = |stop| {
        [
            Ev::BlockStop,
            Ev::MessageDelta(stop),
            Ev::MessageStop { blank_line: true },
        ]
    };
    let partial = || open(Block::Text).into_iter().chain(texts(PARTIAL_TEXT, 2));
    match scenario {
        Scenario::Slow => open(Block::Text)
            .into_iter()
            .chain(slow_pieces().into_iter().map(Ev::Text))
            .chain(close(stop))
            .collect(),
        Scenario::KeepAlive => {
            let mut evs = open(Block::Text).to_vec();
            for (i, ev) in texts(reply, 5).enumerate() {
                if i > 0 {
                    evs.push(Ev::Ping);
                }
                evs.push(ev);
            }
            evs.extend(close(stop));
            evs
        }
        Scenario::Reasoning | Scenario::ReasoningOpenRouter => open(Block::Thinking)
            .into_iter()
            .chain(pieces(REASONING_TEXT, 3).into_iter().map(Ev::Thinking))
            .chain([Ev::Signature, Ev::BlockStop, Ev::BlockStart(Block::Text)])
            .chain(texts(reply, 5))
            .chain(close(stop))
            .collect(),
        Scenario::MidStreamError | Scenario::MidStreamErrorOpenRouter => {
            partial().chain([Ev::Error]).collect()
        }
        Scenario::Truncated => partial().chain([Ev::Cut]).collect(),
        Scenario::EofNoDone => partial().collect(),
        Scenario::Stall => partial().chain([Ev::Hang]).collect(),
        Scenario::DoneNoBlankLine => {
            let mut evs: Vec<Ev> = open(Block::Text)
                .into_iter()
                .chain(texts(reply, 5))
                .chain(close(stop))
                .collect();
            evs.pop();
            evs.push(Ev::MessageStop { blank_line: false });
            evs
        }
        Scenario::Normal
        | Scenario::Split
        | Scenario::Usage
        | Scenario::UsageNullChoices
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
        | Scenario::EchoPage => open(Block::Text)
            .into_iter()
            .chain(texts(reply, 5))
            .chain(close(stop))
            .collect(),
    }
}

/// Renders events for one request.
struct Gen {
    model: String,
    /// The newer usage shape: cache counters in `message_start`, and `message_delta` carrying
    /// the cumulative totals, input included, rather than `output_tokens` alone.
    full_usage: bool,
}

/// One named SSE event with compact JSON data.
fn event(name: &str, data: &J) -> String {
    format!("event: {name}\ndata: {}\n\n", data.render(Fmt::COMPACT))
}

/// Token counts with the cache counters: `input_tokens`, `cache_creation_input_tokens`,
/// `cache_read_input_tokens`, `output_tokens`.
fn full_usage(output_tokens: i64) -> J {
    obj([
        ("input_tokens", J::Int(INPUT_TOKENS)),
        ("cache_creation_input_tokens", J::Int(0)),
        ("cache_read_input_tokens", J::Int(0)),
        ("output_tokens", J::Int(output_tokens)),
    ])
}

impl Gen {
    /// The SSE stream, one piece per event.
    fn render(&self, evs: &[Ev]) -> Vec<Piece> {
        let mut out = Vec::with_capacity(evs.len());
        let mut index = 0;
        for ev in evs {
            let text = match ev {
                Ev::MessageStart => {
                    let usage = if self.full_usage {
                        full_usage(1)
                    } else {
                        obj([
                            ("input_tokens", J::Int(INPUT_TOKENS)),
                            ("output_tokens", J::Int(1)),
                        ])
                    };
                    let message = obj([
                        ("id", s(MESSAGE_ID)),
                        ("type", s("message")),
                        ("role", s("assistant")),
                        ("content", J::Arr(vec![])),
                        ("model", s(self.model.as_str())),
                        ("stop_reason", J::Null),
                        ("stop_sequence", J::Null),
                        ("usage", usage),
                    ]);
                    let data = obj([("type", s("message_start")), ("message", message)]);
                    event("message_start", &data)
                }
                Ev::BlockStart(block) => {
                    let content_block = match block {
                        Block::Text => obj([("type", s("text")), ("text", s(""))]),
                        Block::Thinking => obj([
                            ("type", s("thinking")),
                            ("thinking", s("")),
                            ("signature", s("")),
                        ]),
                    };
                    let data = obj([
                        ("type", s("content_block_start")),
                        ("index", J::Int(index)),
                        ("content_block", content_block),
                    ]);
                    event("content_block_start", &data)
                }
                Ev::Text(text) => delta(index, "text_delta", "text", text),
                Ev::Thinking(text) => delta(index, "thinking_delta", "thinking", text),
                Ev::Signature => delta(index, "signature_delta", "signature", THINKING_SIGNATURE),
                Ev::BlockStop => {
                    let data = obj([("type", s("content_block_stop")), ("index", J::Int(index))]);
                    index += 1;
                    event("content_block_stop", &data)
                }
                Ev::MessageDelta(stop) => {
                    let usage = if self.full_usage {
                        full_usage(OUTPUT_TOKENS)
                    } else {
                        obj([("output_tokens", J::Int(OUTPUT_TOKENS))])
                    };
                    let data = obj([
                        ("type", s("message_delta")),
                        (
                            "delta",
                            obj([
                                ("stop_reason", s(stop.reason())),
                                ("stop_sequence", stop.sequence()),
                            ]),
                        ),
                        ("usage", usage),
                    ]);
                    event("message_delta", &data)
                }
                Ev::MessageStop { blank_line } => {
                    let text = event("message_stop", &obj([("type", s("message_stop"))]));
                    if *blank_line {
                        text
                    } else {
                        text.trim_end_matches('\n').to_owned()
                    }
                }
                // The API writes its pings with spaces after `:`, unlike its other events.
                Ev::Ping => format!(
                    "event: ping\ndata: {}\n\n",
                    obj([("type", s("ping"))]).render(Fmt::SPACED_UTF8)
                ),
                Ev::Error => {
                    let detail = error_detail("overloaded_error", "Overloaded");
                    event("error", &obj([("type", s("error")), ("error", detail)]))
                }
                Ev::Cut => {
                    let mut bytes =
                        delta(index, "text_delta", "text", " and the rest").into_bytes();
                    bytes.truncate(CUT_AT);
                    out.extend([Piece::Bytes(bytes), Piece::Abort]);
                    continue;
                }
                Ev::Hang => {
                    out.push(Piece::Hang);
                    continue;
                }
            };
            out.push(Piece::Bytes(text.into_bytes()));
        }
        out
    }

    /// The non-streaming answer: the same events folded into one message, or the HTTP error (or
    /// broken body) that stands for how the stream would have ended.
    fn whole(&self, evs: &[Ev]) -> Reply {
        let (mut text, mut thinking, mut thinks, mut stop) =
            (String::new(), String::new(), false, None);
        for ev in evs {
            match ev {
                Ev::BlockStart(Block::Thinking) => thinks = true,
                Ev::Text(piece) => text.push_str(piece),
                Ev::Thinking(piece) => thinking.push_str(piece),
                Ev::MessageDelta(reason) => stop = Some(reason),
                Ev::Error => return overloaded(),
                Ev::Cut => {
                    let thinking = thinks.then_some(thinking.as_str());
                    let json = self.message(&text, thinking, stop).render(Fmt::COMPACT);
                    let half = json.as_bytes()[..json.len() / 2].to_vec();
                    let broken = frames(vec![Piece::Bytes(half), Piece::Abort], None);
                    return api(Reply::json(StatusCode::OK, "").with_frames(broken));
                }
                Ev::Hang => {
                    return api(Reply::json(StatusCode::OK, "").with_frames(vec![Frame::Hang]));
                }
                _ => {}
            }
        }
        let thinking = thinks.then_some(thinking.as_str());
        let json = self.message(&text, thinking, stop);
        api(Reply::json(StatusCode::OK, json.render(Fmt::COMPACT)))
    }

    /// A whole message object; `thinking` adds a signed thinking block before the text.
    fn message(&self, text: &str, thinking: Option<&str>, stop: Option<&Stop>) -> J {
        let mut content = Vec::with_capacity(2);
        if let Some(thinking) = thinking {
            content.push(obj([
                ("type", s("thinking")),
                ("thinking", s(thinking)),
                ("signature", s(THINKING_SIGNATURE)),
            ]));
        }
        content.push(obj([("type", s("text")), ("text", s(text))]));
        obj([
            ("id", s(MESSAGE_ID)),
            ("type", s("message")),
            ("role", s("assistant")),
            ("model", s(self.model.as_str())),
            ("content", J::Arr(content)),
            ("stop_reason", stop.map_or(J::Null, |stop| s(stop.reason()))),
            ("stop_sequence", stop.map_or(J::Null, Stop::sequence)),
            ("usage", full_usage(OUTPUT_TOKENS)),
        ])
    }
}

/// A `content_block_delta` event whose delta is `{"type": kind, field: value}`.
fn delta(index: i64, kind: &str, field: &'static str, value: &str) -> String {
    let data = obj([
        ("type", s("content_block_delta")),
        ("index", J::Int(index)),
        ("delta", obj([("type", s(kind)), (field, s(value))])),
    ]);
    event("content_block_delta", &data)
}
