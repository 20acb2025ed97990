//! Ollama's native API ([`Family::Ollama`](crate::Family::Ollama)), as its documentation
//! (github.com/ollama/ollama `docs/api.md`, `docs/api/errors.mdx`, `docs/api/streaming.mdx`) and
//! its Go types (`api/types.go`) give it.
//!
//! Bodies are Go's `encoding/json` output: compact, fields in struct order, `omitempty` fields
//! left out, and `<`, `>`, `&` escaped as `\u003c`, `\u003e`, `\u0026`. Whole answers are
//! `application/json; charset=utf-8`; streams are `application/x-ndjson`, one object and `\n`
//! per frame. `stream` defaults to true.
//!
//! | Route | Answer |
//! | --- | --- |
//! | `GET /` | `Ollama is running` (text/plain) |
//! | `GET /api/version` | `{"version":"<OLLAMA_VERSION>"}` |
//! | `GET /api/tags` | `{"models":[{"name","model","modified_at","size","digest","details":{…}}]}` for [`FakeOptions::models`] |
//! | `POST /api/chat` | objects `{"model","created_at","message":{"role":"assistant","content"[,"thinking"]},"done":false}`, then `"done":true,"done_reason":"stop"` and the counts |
//! | `POST /api/generate` | the same with `"response"` (and `"thinking"`) in place of `"message"` |
//! | anything else | 404 `404 page not found` (text/plain, gin's) |
//!
//! A generation without `model` is 400 `{"error":"model is required"}`; an unknown model is 404
//! `{"error":"model \"x\" not found, try pulling it first"}`. With [`FakeOptions::api_key`]
//! every `/api` route wants `Authorization: Bearer <key>` (a proxy in front of Ollama, or
//! ollama.com), else 401 `{"error":"unauthorized"}`.
//!
//! **Scenarios** (generation routes; the others answer as in `normal` unless said):
//!
//! | Scenario | Streamed | Whole |
//! | --- | --- | --- |
//! | `normal`, `usage`, `usage-null-choices`, `keep-alive` | the reply in about five objects, then the last one | one object, `done: true` |
//! | `slow` | [`SLOW_PIECES`](crate::SLOW_PIECES) objects `slow_delay` apart (Stop: the client closes the connection, counted by [`FakeServer::ollama_open_streams`](crate::FakeServer::ollama_open_streams)) | the same, whole |
//! | `split` | the normal stream with CRLF line ends, cut at hostile offsets | normal |
//! | `reasoning`, `reasoning-open-router` | [`REASONING_TEXT`] in `thinking` objects, then the reply | both fields |
//! | `mid-stream-error`, `mid-stream-error-open-router` | [`PARTIAL_TEXT`], then `{"error":"an error was encountered while running the model"}` (status stays 200) | 500 with that error |
//! | `truncated` | [`PARTIAL_TEXT`], half an object, the connection aborted | half the object, aborted |
//! | `eof-no-done` | [`PARTIAL_TEXT`] and a clean end without the `done: true` object | the object with `done: false` |
//! | `done-no-blank-line` | the normal stream, its last object without `\n` | normal |
//! | `stall` | [`PARTIAL_TEXT`], then silence | no answer |
//! | `stall-before-headers` | nothing at all | same |
//! | `unauthorized` | 401 `{"error":"unauthorized"}` on every `/api` route | same |
//! | `model-not-found` | 404 `model "<model>" not found, try pulling it first` | same |
//! | `rate-limited` / `…-no-retry-after` | 429 `{"error":"rate limit exceeded"}`, with `retry-after: 7` for the first | same |
//! | `overloaded` | 503 `{"error":"server busy, please try again.  maximum pending requests exceeded"}` | same |
//! | `server-error-html` | 500 nginx HTML page (every route) | same |
//! | `no-models-route` | normal; `/api/tags` is 404 | normal |
//! | `empty-models` | normal; `/api/tags` is `{"models":[]}` | normal |

use std::sync::Mutex;

use axum::http::StatusCode;
use serde_json::Value;
use tokio::sync::watch;

use crate::json::{obj, s, Fmt, J};
use crate::reply::{frames, Piece, Reply, ReplyBody, NGINX_500};
use crate::server::{authorized, lock, mounted, unmounted, RecordedRequest};
use crate::sse::{hostile_frames, to_crlf};
use crate::{pieces, slow_pieces, FakeOptions, Scenario, PARTIAL_TEXT, REASONING_TEXT};

/// The version `GET /api/version` reports.
pub const OLLAMA_VERSION: &str = "0.12.6";

/// The message of a mid-stream error (Ollama's documented example).
pub const OLLAMA_STREAM_ERROR: &str = "an error was encountered while running the model";

/// Ollama's answer when its queue is full (`OLLAMA_MAX_QUEUE`).
const BUSY: &str = "server busy, please try again.  maximum pending requests exceeded";

const CREATED_AT: &str = "2026-12-07T19:20:00.123456789Z";
const JSON: &str = "application/json; charset=utf-8";
const NDJSON: &str = "application/x-ndjson";
/// How many bytes of the next object `truncated` sends before aborting.
const CUT_AT: usize = 30;

/// The streams being sent: each is open while its receiver (held by the body) lives.
#[derive(Debug, Default)]
pub(crate) struct State {
    streams: Mutex<Vec<watch::Sender<bool>>>,
}

impl State {
    fn open(&self) -> watch::Receiver<bool> {
        let (sender, receiver) = watch::channel(false);
        let mut streams = lock(&self.streams);
        streams.retain(|s| !s.is_closed());
        streams.push(sender);
        receiver
    }

    /// How many streamed answers are still being sent (their connection open).
    pub(crate) fn open_streams(&self) -> usize {
        lock(&self.streams)
            .iter()
            .filter(|s| !s.is_closed())
            .count()
    }
}

/// Go's `json.Marshal`: compact, fields in the order given, with `<`, `>` and `&` escaped.
fn go_json(value: &J) -> String {
    value
        .render(Fmt::COMPACT)
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

pub(crate) fn error(status: StatusCode, message: &str) -> Reply {
    Reply::full(status, JSON, go_json(&obj([("error", s(message))])))
}

/// Answers one request.
pub(crate) fn respond(
    opts: &FakeOptions,
    scenario: Scenario,
    text: &str,
    req: &RecordedRequest,
    state: &State,
) -> Reply {
    let not_found = || Reply::full(StatusCode::NOT_FOUND, "text/plain", "404 page not found");
    if !mounted(opts, &req.path) {
        return not_found();
    }
    if scenario == Scenario::StallBeforeHeaders {
        return Reply::never();
    }
    if scenario == Scenario::ServerErrorHtml {
        return Reply::full(StatusCode::INTERNAL_SERVER_ERROR, "text/html", NGINX_500);
    }
    let path = unmounted(opts, &req.path);
    if path.starts_with("/api/") && (scenario == Scenario::Unauthorized || !authorized(opts, req)) {
        return error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    match (req.method.as_str(), path) {
        ("GET" | "HEAD", "/") => Reply::full(
            StatusCode::OK,
            "text/plain; charset=utf-8",
            "Ollama is running",
        ),
        ("GET", "/api/version") => Reply::full(
            StatusCode::OK,
            JSON,
            go_json(&obj([("version", s(OLLAMA_VERSION))])),
        ),
        ("GET", "/api/tags") => match scenario {
            Scenario::NoModelsRoute => not_found(),
            Scenario::EmptyModels => Reply::full(StatusCode::OK, JSON, r#"{"models":[]}"#),
            _ => Reply::full(StatusCode::OK, JSON, go_json(&tags(&opts.models))),
        },
        ("POST", "/api/chat") => generation(opts, scenario, text, req, state, true),
        ("POST", "/api/generate") => generation(opts, scenario, text, req, state, false),
        _ => not_found(),
    }
}

fn tags(models: &[String]) -> J {
    let models = models
        .iter()
        .map(|name| {
            let name = if name.contains(':') {
                name.clone()
            } else {
                format!("{name}:latest")
            };
            let details = obj([
                ("parent_model", s("")),
                ("format", s("gguf")),
                ("family", s("llama")),
                ("families", J::Arr(vec![s("llama")])),
                ("parameter_size", s("8.0B")),
                ("quantization_level", s("Q4_K_M")),
            ]);
            obj([
                ("name", s(name.clone())),
                ("model", s(name)),
                ("modified_at", s("2026-11-30T10:00:00.000000000Z")),
                ("size", J::Int(4_683_075_271)),
                (
                    "digest",
                    s("0a8c266910232fd3291e71e5ba1e058cc5af9d411192cf88b6d30e92b6e73163"),
                ),
                ("details", details),
            ])
        })
        .collect();
    obj([("models", J::Arr(models))])
}

/// Whether `model` is one the fake has (with or without `:latest`).
fn known(opts: &FakeOptions, model: &str) -> bool {
    let bare = model.strip_suffix(":latest").unwrap_or(model);
    opts.models.iter().any(|m| m == model || m == bare)
}

/// One answer object: text and thinking under `message` (chat) or at the top (generate), in
/// the order of Go's `ChatResponse` / `GenerateResponse`; the last one with its reason and
/// counts.
fn object(chat: bool, model: &str, text: &str, thinking: &str, done: Option<&str>) -> J {
    let mut fields: Vec<(&'static str, J)> =
        vec![("model", s(model)), ("created_at", s(CREATED_AT))];
    let thought = (!thinking.is_empty()).then(|| ("thinking", s(thinking)));
    if chat {
        let mut message = vec![("role", s("assistant")), ("content", s(text))];
        message.extend(thought);
        fields.push(("message", J::Obj(message)));
        fields.push(("done", J::Bool(done.is_some())));
        fields.extend(done.map(|reason| ("done_reason", s(reason))));
    } else {
        fields.push(("response", s(text)));
        fields.extend(thought);
        fields.push(("done", J::Bool(done.is_some())));
        fields.extend(done.map(|reason| ("done_reason", s(reason))));
    }
    if done.is_some() {
        for (key, value) in [
            ("total_duration", 4_883_583_458),
            ("load_duration", 1_334_875),
            ("prompt_eval_count", 26),
            ("prompt_eval_duration", 342_546_000),
            ("eval_count", 282),
            ("eval_duration", 4_535_599_000),
        ] {
            fields.push((key, J::Int(value)));
        }
    }
    J::Obj(fields)
}

fn generation(
    opts: &FakeOptions,
    scenario: Scenario,
    text: &str,
    req: &RecordedRequest,
    state: &State,
    chat: bool,
) -> Reply {
    let Some(body) = req.json() else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid character 'x' looking for beginning of value",
        );
    };
    let model = body.get("model").and_then(Value::as_str).unwrap_or("");
    if model.is_empty() {
        return error(StatusCode::BAD_REQUEST, "model is required");
    }
    if scenario == Scenario::ModelNotFound || !known(opts, model) {
        return error(
            StatusCode::NOT_FOUND,
            &format!("model \"{model}\" not found, try pulling it first"),
        );
    }
    match scenario {
        Scenario::RateLimited => {
            return error(StatusCode::TOO_MANY_REQUESTS, "rate limit exceeded")
                .with_header("retry-after", "7")
        }
        Scenario::RateLimitedNoRetryAfter => {
            return error(StatusCode::TOO_MANY_REQUESTS, "rate limit exceeded")
        }
        Scenario::Overloaded => return error(StatusCode::SERVICE_UNAVAILABLE, BUSY),
        _ => {}
    }
    let stream = body.get("stream").and_then(Value::as_bool).unwrap_or(true);
    let line = |v: J| format!("{}\n", go_json(&v)).into_bytes();
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
    if !stream {
        return whole(
            scenario,
            chat,
            model,
            &texts.concat(),
            &thinking.concat(),
            &line,
        );
    }
    let mut out: Vec<Piece> = thinking
        .iter()
        .map(|t| Piece::Bytes(line(object(chat, model, "", t, None))))
        .chain(
            texts
                .iter()
                .map(|t| Piece::Bytes(line(object(chat, model, t, "", None)))),
        )
        .collect();
    let last = line(object(chat, model, "", "", Some("stop")));
    match scenario {
        Scenario::MidStreamError | Scenario::MidStreamErrorOpenRouter => {
            out.push(Piece::Bytes(line(obj([("error", s(OLLAMA_STREAM_ERROR))]))));
        }
        Scenario::Truncated => {
            let mut half = last;
            half.truncate(CUT_AT);
            out.extend([Piece::Bytes(half), Piece::Abort]);
        }
        Scenario::EofNoDone => {}
        Scenario::Stall => out.push(Piece::Hang),
        Scenario::DoneNoBlankLine => {
            let mut unended = last;
            unended.pop();
            out.push(Piece::Bytes(unended));
        }
        _ => out.push(Piece::Bytes(last)),
    }
    let frames = match scenario {
        Scenario::Split => {
            let bytes: Vec<u8> = out
                .into_iter()
                .flat_map(|p| match p {
                    Piece::Bytes(b) => b,
                    Piece::Abort | Piece::Hang => Vec::new(),
                })
                .collect();
            hostile_frames(&to_crlf(&bytes))
        }
        Scenario::Slow => frames(out, Some(opts.slow_delay)),
        _ => frames(out, None),
    };
    let mut reply = Reply::stream(NDJSON, frames);
    reply.headers.retain(|(name, _)| *name != "cache-control");
    // The body holds the receiver: the stream counts as open until the connection drops it.
    if let ReplyBody::Frames(frames) = reply.body {
        reply.body = ReplyBody::Stoppable {
            frames,
            stop: state.open(),
            tail: bytes::Bytes::new(),
        };
    }
    reply
}

/// The answer to `stream: false`.
fn whole(
    scenario: Scenario,
    chat: bool,
    model: &str,
    text: &str,
    thinking: &str,
    line: &dyn Fn(J) -> Vec<u8>,
) -> Reply {
    match scenario {
        Scenario::MidStreamError | Scenario::MidStreamErrorOpenRouter => {
            error(StatusCode::INTERNAL_SERVER_ERROR, OLLAMA_STREAM_ERROR)
        }
        Scenario::Stall => Reply::never(),
        Scenario::Truncated => {
            let mut half = line(object(chat, model, text, thinking, Some("stop")));
            half.truncate(CUT_AT);
            Reply::full(StatusCode::OK, JSON, "")
                .with_frames(frames(vec![Piece::Bytes(half), Piece::Abort], None))
        }
        Scenario::EofNoDone => Reply::full(
            StatusCode::OK,
            JSON,
            go_json(&object(chat, model, text, thinking, None)),
        ),
        _ => Reply::full(
            StatusCode::OK,
            JSON,
            go_json(&object(chat, model, text, thinking, Some("stop"))),
        ),
    }
}
