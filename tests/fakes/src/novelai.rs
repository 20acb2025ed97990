//! NovelAI's text API. One server answers the routes of both hosts: `api.novelai.net`'s
//! `…/user/subscription` and `text.novelai.net`'s `…/ai/generate` and `…/ai/generate-stream`.
//!
//! Routing matches on how the path ends, so any prefix works; [`FakeOptions::mount`] still
//! restricts the prefix. Bodies are Express's `JSON.stringify` (compact, UTF-8 as is) with
//! `content-type: application/json; charset=utf-8`; errors are NestJS's
//! `{"statusCode": <status>, "message": "…"}`.
//!
//! | Route | Answer |
//! | --- | --- |
//! | `GET …/user/subscription` | an Opus subscription: `{"tier":3,"active":true,"expiresAt":…,"perks":{…,"contextTokens":8192,…},"paymentProcessorData":null,"trainingStepsLeft":{"fixedTrainingStepsLeft":8230,"purchasedTrainingSteps":0},"accountType":0}` |
//! | `POST …/ai/generate` | `{"output":"…"}` |
//! | `POST …/ai/generate-stream` | `text/event-stream`: one `event: newToken` / `id: <ptr>` / `data: {"token":"…","ptr":<ptr>,"final":false}` event per fake token (`ptr` from 0), the last one with `"final":true`, then the connection closes (no `[DONE]`) |
//! | anything else, or the wrong method | 404 `{"message":"Cannot <METHOD> <path>","error":"Not Found","statusCode":404}` |
//!
//! **Auth.** With [`FakeOptions::api_key`] `Some(k)`, every route needs exactly
//! `Authorization: Bearer k`, else 401 `{"statusCode":401,"message":"Access Token is
//! incorrect."}`; without one nothing is checked.
//!
//! **Requests.** The body must be a JSON object, then (400 `{"statusCode":400,"message":…}` for
//! the first failure, in this order): `input` a string; `model` one of [`NOVELAI_MODELS`];
//! `parameters` an object; `parameters.use_string` `true` (the fake never answers base64 token
//! ids: a fake-only rule, documented so a client cannot forget it); `parameters.max_length` an
//! integer 1–[`NOVELAI_MAX_LENGTH`] (the Opus limit); `parameters.stop_sequences` and
//! `parameters.bad_words_ids` arrays of arrays of integer token ids (a client that sends stop
//! *strings* gets a 400). Stop sequences are checked, not applied (the fake has no tokenizer);
//! `max_length` is applied in fake tokens (words with their trailing whitespace; no limit when
//! absent). Other parameters are accepted and ignored.
//!
//! **Scenarios.**
//!
//! | Scenario | `…/ai/generate-stream` | `…/ai/generate` |
//! | --- | --- | --- |
//! | `normal`, `usage`, `usage-null-choices` | one event per fake token, the last `final` | `{"output": <reply>}` |
//! | `slow` | [`SLOW_PIECES`](crate::SLOW_PIECES) events `slow_delay` apart | the answer after `SLOW_PIECES × slow_delay` |
//! | `split` | the normal stream in CRLF cut at hostile offsets | the JSON cut at hostile offsets |
//! | `keep-alive` | `: keep-alive` comments between the events | normal |
//! | `reasoning`, `reasoning-open-router` | `<think>`[`REASONING_TEXT`]`</think>` then the reply, inline | same text |
//! | `mid-stream-error`, `mid-stream-error-open-router` | [`PARTIAL_TEXT`] in two events, then the connection is aborted (NovelAI has no error event) | 500 `{"statusCode":500,"message":"Internal server error"}` |
//! | `truncated` | [`PARTIAL_TEXT`], half an event, abort | half the JSON, abort |
//! | `eof-no-done` | [`PARTIAL_TEXT`] in two events, none `final`, and a clean end | `{"output": PARTIAL_TEXT}` |
//! | `done-no-blank-line` | the `final` event without its line ends | normal |
//! | `stall` | [`PARTIAL_TEXT`], then silence until the server stops | headers, then silence |
//! | `stall-before-headers` | nothing at all (every route) | same |
//! | `unauthorized` | 401 (every route, whatever the token) | same |
//! | `model-not-found` | 400 with the unknown-model message, whatever the model | same |
//! | `rate-limited` / `…-no-retry-after` | 429 `{"statusCode":429,"message":"Too many concurrent requests."}`, with / without `retry-after: 7` | same |
//! | `overloaded` | 503 `{"statusCode":503,"message":"Service Unavailable"}` | same |
//! | `server-error-html` | 500 nginx HTML page (every route) | same |
//! | `no-models-route`, `empty-models` | normal (NovelAI has no model route) | normal |
//! | `echo-unauthorized` | 401 `{"statusCode":401,"message":<quote>}` on every route, quoting the request's credentials (`echo.rs`) | same |
//! | `echo-mid-stream` | [`PARTIAL_TEXT`] in two events, then `data: {"statusCode":500,"message":<quote>}` | 500 with the quote |
//! | `echo-page` | 200 HTML sign-in page quoting the credentials (every route) | same |

use axum::http::StatusCode;
use bytes::Bytes;
use serde_json::Value;
use tokio::sync::watch;

use crate::json::{obj, s, Fmt, J};
use crate::kobold::tokens;
use crate::reply::{frames, Frame, Piece, Reply, ReplyBody, Step, NGINX_500};
use crate::server::{mounted, unmounted, RecordedRequest};
use crate::sse::{hostile_body_frames, stream_frames};
use crate::{
    pieces, slow_reply_text, FakeOptions, Scenario, PARTIAL_TEXT, REASONING_TEXT, SLOW_PIECES,
};

/// The models `…/ai/generate*` accept (SillyTavern 1.12's list).
pub const NOVELAI_MODELS: [&str; 3] = ["clio-v1", "kayra-v1", "llama-3-erato-v1"];

/// The largest `parameters.max_length` accepted (Opus, tier 3; lower tiers have 150).
pub const NOVELAI_MAX_LENGTH: i64 = 250;

const JSON: &str = "application/json; charset=utf-8";
const SSE: &str = "text/event-stream";
/// `expiresAt` of the subscription (2030-01-01, seconds).
const EXPIRES_AT: i64 = 1_893_456_000;
const BAD_TOKEN: &str = "Access Token is incorrect.";
const RATE_LIMITED: &str = "Too many concurrent requests.";
/// How many bytes of the next event `truncated` sends before aborting.
const CUT_AT: usize = 40;

/// The routes, by the end of the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    Subscription,
    Generate,
    Stream,
}

impl Route {
    fn of(path: &str) -> Option<Route> {
        let path = path.trim_end_matches('/');
        [
            ("/user/subscription", Route::Subscription),
            ("/ai/generate-stream", Route::Stream),
            ("/ai/generate", Route::Generate),
        ]
        .into_iter()
        .find(|(end, _)| path.ends_with(end))
        .map(|(_, route)| route)
    }

    fn method(self) -> &'static str {
        match self {
            Route::Subscription => "GET",
            Route::Generate | Route::Stream => "POST",
        }
    }
}

/// Answers one request of the NovelAI family.
pub(crate) fn respond(
    opts: &FakeOptions,
    scenario: Scenario,
    reply: &str,
    req: &RecordedRequest,
) -> Reply {
    let route = Route::of(unmounted(opts, &req.path));
    let Some(route) = route.filter(|r| mounted(opts, &req.path) && r.method() == req.method) else {
        let body = obj([
            ("message", s(format!("Cannot {} {}", req.method, req.path))),
            ("error", s("Not Found")),
            ("statusCode", J::Int(404)),
        ]);
        return Reply::full(StatusCode::NOT_FOUND, JSON, body.render(Fmt::COMPACT));
    };
    match scenario {
        Scenario::StallBeforeHeaders => return Reply::never(),
        Scenario::ServerErrorHtml => {
            return Reply::full(StatusCode::INTERNAL_SERVER_ERROR, "text/html", NGINX_500)
        }
        _ => {}
    }
    if scenario == Scenario::Unauthorized || !authorized(opts, req) {
        return error(StatusCode::UNAUTHORIZED, BAD_TOKEN);
    }
    match route {
        Route::Subscription => Reply::full(StatusCode::OK, JSON, subscription()),
        Route::Generate => generate(opts, scenario, reply, req, false),
        Route::Stream => generate(opts, scenario, reply, req, true),
    }
}

/// Exactly `Authorization: Bearer <key>`, when a key is configured.
fn authorized(opts: &FakeOptions, req: &RecordedRequest) -> bool {
    let Some(key) = opts.api_key.as_deref() else {
        return true;
    };
    req.header("authorization")
        .and_then(|value| value.strip_prefix("Bearer "))
        .is_some_and(|token| token == key)
}

/// `{"statusCode":…,"message":…}`.
fn error(status: StatusCode, message: &str) -> Reply {
    let body = obj([
        ("statusCode", J::Int(i64::from(status.as_u16()))),
        ("message", s(message)),
    ]);
    Reply::full(status, JSON, body.render(Fmt::COMPACT))
}

/// An Opus subscription.
fn subscription() -> String {
    let limits = J::Arr(vec![
        obj([("resolution", J::Int(4_194_304)), ("maxPrompts", J::Int(0))]),
        obj([("resolution", J::Int(1_048_576)), ("maxPrompts", J::Int(1))]),
    ]);
    obj([
        ("tier", J::Int(3)),
        ("active", J::Bool(true)),
        ("expiresAt", J::Int(EXPIRES_AT)),
        (
            "perks",
            obj([
                ("maxPriorityActions", J::Int(1000)),
                ("startPriority", J::Int(10)),
                ("moduleTrainingSteps", J::Int(10000)),
                ("unlimitedMaxPriority", J::Bool(true)),
                ("voiceGeneration", J::Bool(true)),
                ("imageGeneration", J::Bool(true)),
                ("unlimitedImageGeneration", J::Bool(true)),
                ("unlimitedImageGenerationLimits", limits),
                ("contextTokens", J::Int(8192)),
            ]),
        ),
        ("paymentProcessorData", J::Null),
        (
            "trainingStepsLeft",
            obj([
                ("fixedTrainingStepsLeft", J::Int(8230)),
                ("purchasedTrainingSteps", J::Int(0)),
            ]),
        ),
        ("accountType", J::Int(0)),
    ])
    .render(Fmt::COMPACT)
}

fn unknown_model() -> String {
    format!(
        "model must be one of the following values: {}",
        NOVELAI_MODELS.join(", ")
    )
}

/// Whether a value is an array of arrays of integers (token ids).
fn token_id_arrays(value: &Value) -> bool {
    value.as_array().is_some_and(|seqs| {
        seqs.iter().all(|seq| {
            seq.as_array()
                .is_some_and(|ids| ids.iter().all(|id| id.is_i64() || id.is_u64()))
        })
    })
}

/// The `max_length` of a valid request (`None`: not limited), or the 400 message.
fn check(body: &Value) -> Result<Option<usize>, String> {
    if !body.is_object() {
        return Err("Invalid JSON body".into());
    }
    if !body.get("input").is_some_and(Value::is_string) {
        return Err("input must be a string".into());
    }
    let model = body.get("model").and_then(Value::as_str);
    if !model.is_some_and(|m| NOVELAI_MODELS.contains(&m)) {
        return Err(unknown_model());
    }
    let Some(params) = body.get("parameters").filter(|p| p.is_object()) else {
        return Err("parameters must be an object".into());
    };
    if params.get("use_string") != Some(&Value::Bool(true)) {
        return Err(
            "parameters.use_string must be true (this fake only answers text, not base64 token ids)"
                .into(),
        );
    }
    let max_length = match params.get("max_length") {
        None => None,
        Some(value) => match value.as_i64().filter(|_| !value.is_f64()) {
            None => return Err("parameters.max_length must be an integer number".into()),
            Some(n) if n < 1 => return Err("parameters.max_length must not be less than 1".into()),
            Some(n) if n > NOVELAI_MAX_LENGTH => {
                return Err(format!(
                    "parameters.max_length must not be greater than {NOVELAI_MAX_LENGTH}"
                ))
            }
            Some(n) => usize::try_from(n).ok(),
        },
    };
    for field in ["stop_sequences", "bad_words_ids"] {
        if params.get(field).is_some_and(|v| !token_id_arrays(v)) {
            return Err(format!(
                "parameters.{field} must be an array of arrays of token ids (integers)"
            ));
        }
    }
    Ok(max_length)
}

/// How a generation ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    /// The last event is `final`.
    Final,
    /// The last event is `final` and has no line ends.
    NoBlankLine,
    /// The connection is aborted after the text.
    Abort,
    /// Half an event, then the connection is aborted.
    Cut,
    /// A clean end without a `final` event.
    Eof,
    /// Silence until the server stops.
    Hang,
}

/// The text pieces (one event each) and the end of a generation.
fn plan(scenario: Scenario, reply: &str, max_length: Option<usize>) -> (Vec<String>, End) {
    let limit = |text: &str| -> Vec<String> {
        let toks = tokens(text);
        let n = max_length.unwrap_or(usize::MAX).min(toks.len());
        toks[..n].iter().map(|t| (*t).to_owned()).collect()
    };
    let partial = || pieces(PARTIAL_TEXT, 2);
    match scenario {
        Scenario::MidStreamError | Scenario::MidStreamErrorOpenRouter => (partial(), End::Abort),
        Scenario::Truncated => (partial(), End::Cut),
        Scenario::EofNoDone => (partial(), End::Eof),
        Scenario::Stall => (partial(), End::Hang),
        Scenario::Slow => (limit(&slow_reply_text()), End::Final),
        Scenario::Reasoning | Scenario::ReasoningOpenRouter => (
            limit(&format!("<think>{REASONING_TEXT}</think>{reply}")),
            End::Final,
        ),
        Scenario::DoneNoBlankLine => (limit(reply), End::NoBlankLine),
        Scenario::Normal
        | Scenario::Split
        | Scenario::KeepAlive
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
        | Scenario::EchoPage => (limit(reply), End::Final),
    }
}

/// One `newToken` event.
fn event(token: &str, ptr: usize, last: bool) -> String {
    let ptr = i64::try_from(ptr).unwrap_or(i64::MAX);
    let data = obj([
        ("token", s(token)),
        ("ptr", J::Int(ptr)),
        ("final", J::Bool(last)),
    ]);
    format!(
        "event: newToken\nid: {ptr}\ndata: {}\n\n",
        data.render(Fmt::COMPACT)
    )
}

fn generate(
    opts: &FakeOptions,
    scenario: Scenario,
    reply: &str,
    req: &RecordedRequest,
    stream: bool,
) -> Reply {
    let body = req.json().unwrap_or(Value::Null);
    let max_length = match check(&body) {
        Ok(max_length) => max_length,
        Err(message) => return error(StatusCode::BAD_REQUEST, &message),
    };
    match scenario {
        Scenario::ModelNotFound => return error(StatusCode::BAD_REQUEST, &unknown_model()),
        Scenario::RateLimited => {
            return error(StatusCode::TOO_MANY_REQUESTS, RATE_LIMITED)
                .with_header("retry-after", "7")
        }
        Scenario::RateLimitedNoRetryAfter => {
            return error(StatusCode::TOO_MANY_REQUESTS, RATE_LIMITED)
        }
        Scenario::Overloaded => {
            return error(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable")
        }
        _ => {}
    }
    let (texts, end) = plan(scenario, reply, max_length);
    if stream {
        stream_reply(opts, scenario, texts, end)
    } else {
        blocking_reply(opts, scenario, &texts, end)
    }
}

fn stream_reply(opts: &FakeOptions, scenario: Scenario, texts: Vec<String>, end: End) -> Reply {
    let mut texts = texts;
    let finishes = matches!(end, End::Final | End::NoBlankLine);
    if texts.is_empty() && finishes {
        texts.push(String::new());
    }
    let last = texts.len().saturating_sub(1);
    let mut events = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        if scenario == Scenario::KeepAlive && i > 0 {
            events.push(Piece::Bytes(b": keep-alive\n\n".to_vec()));
        }
        let mut bytes = event(text, i, finishes && i == last);
        if end == End::NoBlankLine && i == last {
            bytes.truncate(bytes.trim_end_matches('\n').len());
        }
        events.push(Piece::Bytes(bytes.into_bytes()));
    }
    match end {
        End::Abort => events.push(Piece::Abort),
        End::Cut => {
            let mut half = event(" and the rest", texts.len(), false).into_bytes();
            half.truncate(CUT_AT);
            events.extend([Piece::Bytes(half), Piece::Abort]);
        }
        End::Hang => events.push(Piece::Hang),
        End::Final | End::NoBlankLine | End::Eof => {}
    }
    Reply::stream(SSE, stream_frames(scenario, events, opts.slow_delay))
}

fn blocking_reply(opts: &FakeOptions, scenario: Scenario, texts: &[String], end: End) -> Reply {
    let output = |text: String| -> Bytes { obj([("output", s(text))]).render(Fmt::COMPACT).into() };
    let whole = output(texts.concat());
    let ok = |body: ReplyBody| Reply {
        status: StatusCode::OK,
        headers: vec![("content-type", JSON.to_owned())],
        body,
    };
    match end {
        End::Abort => error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"),
        End::Cut => {
            let half = whole[..whole.len() / 2].to_vec();
            ok(ReplyBody::Frames(frames(
                vec![Piece::Bytes(half), Piece::Abort],
                None,
            )))
        }
        End::Hang => ok(ReplyBody::Frames(vec![Frame::Hang])),
        End::Final | End::NoBlankLine | End::Eof => match scenario {
            Scenario::Split => ok(ReplyBody::Frames(hostile_body_frames(&whole))),
            Scenario::Slow => {
                // Nobody can stop it: the sender is gone, so every wait runs out.
                let (_, stop) = watch::channel(false);
                let steps = (0..SLOW_PIECES)
                    .map(|_| Step {
                        wait: Some(opts.slow_delay),
                        if_stopped: Bytes::new(),
                    })
                    .collect();
                ok(ReplyBody::Deferred {
                    steps,
                    done: whole,
                    stop,
                    progress: None,
                })
            }
            _ => ok(ReplyBody::Full(whole)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(parameters: Value) -> Value {
        json!({"input": "Hi", "model": "kayra-v1", "parameters": parameters})
    }

    #[test]
    fn requests_are_checked_in_order() {
        let ok = json!({"use_string": true, "max_length": 40, "stop_sequences": [[85, 49]]});
        assert_eq!(check(&body(ok)), Ok(Some(40)));
        assert_eq!(check(&body(json!({"use_string": true}))), Ok(None));
        assert_eq!(
            check(&json!({"model": "kayra-v1"})),
            Err("input must be a string".into())
        );
        assert_eq!(
            check(&json!({"input": "x", "model": "gpt-4"})),
            Err(unknown_model())
        );
        assert!(check(&body(json!({"max_length": 40})))
            .is_err_and(|e| e.starts_with("parameters.use_string")));
        assert_eq!(
            check(&body(json!({"use_string": true, "max_length": 251}))),
            Err("parameters.max_length must not be greater than 250".into())
        );
        assert!(
            check(&body(json!({"use_string": true, "stop_sequences": ["\n"]})))
                .is_err_and(|e| e.starts_with("parameters.stop_sequences"))
        );
        assert!(
            check(&body(json!({"use_string": true, "bad_words_ids": [[1.5]]})))
                .is_err_and(|e| e.starts_with("parameters.bad_words_ids"))
        );
    }

    #[test]
    fn events_are_compact_json() {
        assert_eq!(
            event(" 日本", 3, true),
            "event: newToken\nid: 3\ndata: {\"token\":\" 日本\",\"ptr\":3,\"final\":true}\n\n"
        );
    }
}
