//! llama.cpp's own server (`llama-server`) through its native API, in the bytes of the build
//! recorded in `tests/fixtures/recorded/llama-server-native/`: the bodies of `/props`,
//! `/v1/models` and the last event of a completion are those recordings with the values of
//! this request put in, so their fields, order and formatting are the real server's.
//!
//! | Route | Answer |
//! | --- | --- |
//! | `GET /health` | `{"status":"ok"}` (open even with a key, as the real server's) |
//! | `GET /props` | the recorded settings with `n_ctx` = [`FakeOptions::context_length`] and `model_path` the first model |
//! | `GET /v1/models`, `GET /models` | `{"object":"list","data":[{"id": <first model>, …, "meta": {…}}]}` (open even with a key) |
//! | `POST /tokenize` | `{"tokens":[…]}`, one per [`fake_tokens`](crate::fake_tokens) |
//! | `POST /completion`, `POST /completions` | the completion (below), streamed when `"stream": true` |
//! | `POST /v1/chat/completions` and other `/v1/…` | the OpenAI-compatible fake ([`crate::Dialect::OpenAi`]) |
//! | anything else | 404 `{"error":{"code":404,"message":"File Not Found","type":"not_found_error"}}` |
//!
//! **Completion.** The reply's fake tokens (words with their whitespace) are sent one event
//! each, `data: {"index":0,"content":…,"tokens":[…],"stop":false,"id_slot":-1,
//! "tokens_predicted":n,"tokens_evaluated":p}` and a blank line; the last event has `"stop":
//! true`, `stop_type` (`limit` when `n_predict` cut the reply, `word` at a stop string, which is
//! left out of the text, else `eos`), `truncated` and the token counts; then the body ends (no
//! `[DONE]`). A prompt of [`FakeOptions::context_length`] fake tokens or more is cut as
//! llama.cpp cuts it (`n_keep` 0: half the context is a block, whole blocks are dropped from the
//! start) and answered with `"truncated": true` and `tokens_evaluated` the tokens kept.
//! Not streamed: the recorded whole answer with the text and counts put in.
//!
//! **Auth.** With [`FakeOptions::api_key`], every route but `/health` and the model list needs
//! `Authorization: Bearer <key>`, else 401 `{"error":{"code":401,"message":"Invalid API
//! Key","type":"authentication_error"}}`.
//!
//! **Scenarios** (other than these, as `normal`; the `echo-*` ones are `echo.rs`'s):
//!
//! | Scenario | Answer |
//! | --- | --- |
//! | `slow` | [`SLOW_PIECES`](crate::SLOW_PIECES) events `slow_delay` apart |
//! | `split` | the stream in CRLF cut at hostile offsets |
//! | `keep-alive` | `: ping` comments between the events |
//! | `mid-stream-error`, `mid-stream-error-open-router` | [`PARTIAL_TEXT`] in two events, then llama.cpp's `error: {"code":500,"message":…,"type":"server_error"}` line and the end of the body; not streamed: 500 with that error |
//! | `truncated` | [`PARTIAL_TEXT`], half an event, abort |
//! | `eof-no-done` | [`PARTIAL_TEXT`] in two events and a clean end without the `"stop": true` event |
//! | `done-no-blank-line` | the last event without its blank line |
//! | `stall` / `stall-before-headers` | [`PARTIAL_TEXT`], then silence / no answer at all |
//! | `unauthorized` | 401 on every route but `/health` and the model list |
//! | `model-not-found` | 404 `{"error":{"code":404,"message":"model not found","type":"not_found_error"}}` on generation routes (a router server without the model) |
//! | `rate-limited` / `…-no-retry-after` | 429 in llama.cpp's error shape (`"type":"unavailable_error"`, as a proxy in front would answer), with / without `retry-after: 7` |
//! | `overloaded` | 503 `{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}` on every route: the model is still loading |
//! | `server-error-html` | 500 nginx HTML page |
//! | `no-models-route` | the model list answers 404 |
//! | `empty-models` | the model list is empty |
//!
//! A stream the client closes before its end is counted ([`crate::FakeServer::streams_closed_early`]).

use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::Value;

use crate::context::fake_tokens;
use crate::kobold::tokens;
use crate::reply::{Piece, Reply, ReplyBody, NGINX_500};
use crate::server::{unmounted, RecordedRequest};
use crate::sse::stream_frames;
use crate::{pieces, slow_reply_text, FakeOptions, Scenario, PARTIAL_TEXT};

const RECORDED_PROPS: &str =
    include_str!("../../fixtures/recorded/llama-server-native/props.response.body");
const RECORDED_MODELS: &str =
    include_str!("../../fixtures/recorded/llama-server-native/models.response.body");
const RECORDED_WHOLE: &str =
    include_str!("../../fixtures/recorded/llama-server-native/completion.response.body");
const RECORDED_STREAM: &str =
    include_str!("../../fixtures/recorded/llama-server-native/completion-stream.response.body");
/// The model the recordings name, replaced by the fake's.
const RECORDED_MODEL: &str = "tiny-random-llama.gguf";
/// The prompt the recordings answer, replaced by the request's.
const RECORDED_PROMPT: &str = "\"prompt\":\"Once upon a time\"";

const JSON: &str = "application/json; charset=utf-8";
/// How many bytes of the next event `truncated` sends before aborting.
const CUT_AT: usize = 30;
/// The message of the mid-stream error.
pub const LLAMACPP_STREAM_ERROR: &str = "fake: the slot failed while decoding";

/// Answers one request of llama.cpp's native API.
pub(crate) fn respond(
    opts: &FakeOptions,
    scenario: Scenario,
    reply: &str,
    req: &RecordedRequest,
    closed_early: &Arc<AtomicUsize>,
) -> Reply {
    let path = unmounted(opts, &req.path).trim_end_matches('/').to_owned();
    let open_route = matches!(path.as_str(), "/health" | "/v1/models" | "/models");
    match scenario {
        Scenario::StallBeforeHeaders => return Reply::never(),
        Scenario::ServerErrorHtml => {
            return Reply::full(StatusCode::INTERNAL_SERVER_ERROR, "text/html", NGINX_500)
        }
        Scenario::Overloaded => {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "Loading model",
                "unavailable_error",
            )
        }
        _ => {}
    }
    if !open_route && (scenario == Scenario::Unauthorized || !authorized(opts, req)) {
        return error(
            StatusCode::UNAUTHORIZED,
            "Invalid API Key",
            "authentication_error",
        );
    }
    match (req.method.as_str(), path.as_str()) {
        ("GET", "/health") => ok(r#"{"status":"ok"}"#.to_owned()),
        ("GET", "/props") => ok(props(opts)),
        ("GET", "/v1/models" | "/models") => match scenario {
            Scenario::NoModelsRoute => not_found(),
            Scenario::EmptyModels => ok(r#"{"object":"list","data":[]}"#.to_owned()),
            _ => ok(models(opts)),
        },
        ("POST", "/tokenize") => {
            let body = req.json().unwrap_or(Value::Null);
            let content = body.get("content").and_then(Value::as_str).unwrap_or("");
            let ids: Vec<String> = (0..fake_tokens(content)).map(|i| i.to_string()).collect();
            ok(format!("{{\"tokens\":[{}]}}", ids.join(",")))
        }
        ("POST", "/completion" | "/completions") => {
            completion(opts, scenario, reply, req, closed_early)
        }
        (_, p) if p.starts_with("/v1/") => crate::openai::respond(opts, scenario, reply, req),
        _ => not_found(),
    }
}

/// `Authorization: Bearer <key>`, when a key is configured.
fn authorized(opts: &FakeOptions, req: &RecordedRequest) -> bool {
    let Some(key) = opts.api_key.as_deref() else {
        return true;
    };
    req.header("authorization")
        .and_then(|value| value.strip_prefix("Bearer "))
        .is_some_and(|token| token == key)
}

fn ok(body: String) -> Reply {
    Reply::full(StatusCode::OK, JSON, body).with_header("server", "llama.cpp")
}

/// llama.cpp's `{"error":{"code","message","type"}}`.
pub(crate) fn error(status: StatusCode, message: &str, kind: &str) -> Reply {
    let body = format!(
        "{{\"error\":{{\"code\":{},\"message\":{},\"type\":\"{kind}\"}}}}",
        status.as_u16(),
        Value::from(message)
    );
    Reply::full(status, JSON, body).with_header("server", "llama.cpp")
}

fn not_found() -> Reply {
    error(StatusCode::NOT_FOUND, "File Not Found", "not_found_error")
}

fn model(opts: &FakeOptions) -> &str {
    opts.models.first().map_or("model.gguf", String::as_str)
}

/// Sets the first `"key":<scalar>` of `json` to `value` (JSON text).
fn set(json: &str, key: &str, value: &str) -> String {
    let needle = format!("\"{key}\":");
    let Some(at) = json.find(&needle) else {
        return json.to_owned();
    };
    let start = at + needle.len();
    let end = json[start..]
        .find([',', '}'])
        .map_or(json.len(), |n| start + n);
    format!("{}{value}{}", &json[..start], &json[end..])
}

fn props(opts: &FakeOptions) -> String {
    let body = set(RECORDED_PROPS, "n_ctx", &opts.context_length.to_string());
    body.replacen(RECORDED_MODEL, model(opts), 1)
}

fn models(opts: &FakeOptions) -> String {
    RECORDED_MODELS.replacen(RECORDED_MODEL, model(opts), 1)
}

/// What the request asks and what the fake answers.
struct Plan {
    /// The text pieces, one event each.
    texts: Vec<String>,
    /// `limit`, `word` or `eos`.
    stop_type: &'static str,
    stopping_word: String,
    n_predict: i64,
    prompt_json: String,
    /// The prompt tokens read, and whether the prompt was cut to them.
    evaluated: u32,
    truncated: bool,
}

/// The prompt tokens llama.cpp keeps of an over-long prompt (`n_keep` 0): the context is cut
/// in blocks of half its size and whole blocks are dropped from the start.
pub fn kept_tokens(prompt: u32, n_ctx: u32) -> u32 {
    if prompt < n_ctx {
        return prompt;
    }
    let block = (n_ctx / 2).max(1);
    let erased = (prompt - block) / block;
    prompt - erased * block
}

fn plan(opts: &FakeOptions, scenario: Scenario, reply: &str, body: &Value) -> Plan {
    let prompt = body.get("prompt").and_then(Value::as_str).unwrap_or("");
    let n_predict = body.get("n_predict").and_then(Value::as_i64).unwrap_or(-1);
    let text = match scenario {
        Scenario::Slow => slow_reply_text(),
        _ => reply.to_owned(),
    };
    let stops: Vec<&str> = body
        .get("stop")
        .and_then(Value::as_array)
        .map(|s| s.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let (text, stopping_word) = match stops
        .iter()
        .filter_map(|stop| text.find(stop).map(|at| (at, *stop)))
        .min()
    {
        Some((at, stop)) => (text[..at].to_owned(), stop.to_owned()),
        None => (text, String::new()),
    };
    let mut texts: Vec<String> = tokens(&text).into_iter().map(str::to_owned).collect();
    let mut stop_type = if stopping_word.is_empty() {
        "eos"
    } else {
        "word"
    };
    if let Ok(limit) = usize::try_from(n_predict) {
        if limit < texts.len() {
            texts.truncate(limit);
            stop_type = "limit";
        }
    }
    let prompt_tokens = fake_tokens(prompt);
    let evaluated = kept_tokens(prompt_tokens, opts.context_length);
    Plan {
        texts,
        stop_type,
        stopping_word,
        n_predict,
        prompt_json: Value::from(prompt).to_string(),
        evaluated,
        truncated: evaluated < prompt_tokens,
    }
}

/// One token's event.
fn token_event(text: &str, predicted: usize, evaluated: u32) -> String {
    format!(
        "data: {{\"index\":0,\"content\":{},\"tokens\":[{}],\"stop\":false,\"id_slot\":-1,\"tokens_predicted\":{predicted},\"tokens_evaluated\":{evaluated}}}\n\n",
        Value::from(text),
        100 + predicted
    )
}

/// The last event's JSON (or the whole answer's), from a recording.
fn last(template: &str, plan: &Plan, content: &str, stream: bool) -> String {
    let predicted = plan.texts.len().to_string();
    let mut body = set(template, "content", &Value::from(content).to_string());
    for (key, value) in [
        ("tokens_predicted", predicted.as_str()),
        ("tokens_evaluated", &plan.evaluated.to_string()),
        ("n_predict", &plan.n_predict.to_string()),
        ("max_tokens", &plan.n_predict.to_string()),
        ("stream", if stream { "true" } else { "false" }),
        ("truncated", if plan.truncated { "true" } else { "false" }),
        ("stop_type", &format!("\"{}\"", plan.stop_type)),
        (
            "stopping_word",
            &Value::from(plan.stopping_word.as_str()).to_string(),
        ),
        (
            "tokens_cached",
            &(plan.evaluated as usize + plan.texts.len()).to_string(),
        ),
    ] {
        body = set(&body, key, value);
    }
    body.replacen(
        RECORDED_PROMPT,
        &format!("\"prompt\":{}", plan.prompt_json),
        1,
    )
}

/// The recorded stream's last event (without `data: ` and its blank line).
fn recorded_last_event() -> &'static str {
    RECORDED_STREAM
        .trim_end()
        .rsplit("\n\n")
        .next()
        .and_then(|event| event.strip_prefix("data: "))
        .unwrap_or("{}")
}

fn completion(
    opts: &FakeOptions,
    scenario: Scenario,
    reply: &str,
    req: &RecordedRequest,
    closed_early: &Arc<AtomicUsize>,
) -> Reply {
    let Some(body) = req.json().filter(Value::is_object) else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "[json.exception.parse_error.101] parse error",
            "server_error",
        );
    };
    match scenario {
        Scenario::ModelNotFound => {
            return error(StatusCode::NOT_FOUND, "model not found", "not_found_error")
        }
        Scenario::RateLimited => {
            return error(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests",
                "unavailable_error",
            )
            .with_header("retry-after", "7")
        }
        Scenario::RateLimitedNoRetryAfter => {
            return error(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests",
                "unavailable_error",
            )
        }
        _ => {}
    }
    let plan = plan(opts, scenario, reply, &body);
    let stream = body.get("stream").and_then(Value::as_bool) == Some(true);
    if !stream {
        return match scenario {
            Scenario::MidStreamError | Scenario::MidStreamErrorOpenRouter => error(
                StatusCode::INTERNAL_SERVER_ERROR,
                LLAMACPP_STREAM_ERROR,
                "server_error",
            ),
            _ => ok(last(RECORDED_WHOLE, &plan, &plan.texts.concat(), false)),
        };
    }
    let partial = matches!(
        scenario,
        Scenario::MidStreamError
            | Scenario::MidStreamErrorOpenRouter
            | Scenario::Truncated
            | Scenario::EofNoDone
            | Scenario::Stall
    );
    let texts = if partial {
        pieces(PARTIAL_TEXT, 2)
    } else {
        plan.texts.clone()
    };
    let mut events = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        if scenario == Scenario::KeepAlive && i > 0 {
            events.push(Piece::Bytes(b": ping\n\n".to_vec()));
        }
        events.push(Piece::Bytes(
            token_event(text, i + 1, plan.evaluated).into_bytes(),
        ));
    }
    match scenario {
        Scenario::MidStreamError | Scenario::MidStreamErrorOpenRouter => {
            let line = format!(
                "error: {{\"code\":500,\"message\":{},\"type\":\"server_error\"}}\n\n",
                Value::from(LLAMACPP_STREAM_ERROR)
            );
            events.push(Piece::Bytes(line.into_bytes()));
        }
        Scenario::Truncated => {
            let mut half = token_event(" and the rest", texts.len() + 1, plan.evaluated);
            half.truncate(CUT_AT);
            events.extend([Piece::Bytes(half.into_bytes()), Piece::Abort]);
        }
        Scenario::Stall => events.push(Piece::Hang),
        Scenario::EofNoDone => {}
        _ => {
            let mut end = format!("data: {}\n\n", last(recorded_last_event(), &plan, "", true));
            if scenario == Scenario::DoneNoBlankLine {
                end.truncate(end.trim_end_matches('\n').len());
            }
            events.push(Piece::Bytes(end.into_bytes()));
        }
    }
    Reply {
        status: StatusCode::OK,
        headers: vec![
            ("content-type", "text/event-stream".to_owned()),
            ("server", "llama.cpp".to_owned()),
        ],
        body: ReplyBody::Watched {
            frames: stream_frames(scenario, events, opts.slow_delay),
            closed_early: Arc::clone(closed_early),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_over_long_prompt_loses_whole_blocks_from_its_start() {
        assert_eq!(kept_tokens(100, 2048), 100);
        assert_eq!(kept_tokens(2048, 2048), 1024);
        assert_eq!(kept_tokens(2200, 2048), 1176);
        assert_eq!(kept_tokens(5000, 2048), 1928);
    }

    #[test]
    fn values_are_put_into_the_recorded_bodies() {
        assert_eq!(
            set(r#"{"a":1,"b":"x","c":{"a":2}}"#, "b", "\"y\""),
            r#"{"a":1,"b":"y","c":{"a":2}}"#
        );
        assert!(recorded_last_event().starts_with("{\"index\":0,\"content\":\"\""));
        assert!(recorded_last_event().ends_with("}}"));
    }
}
