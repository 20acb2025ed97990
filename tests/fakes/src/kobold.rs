//! The KoboldAI native API, as KoboldCpp 1.76 ([`KoboldServer::KoboldCpp`], the default) or
//! KoboldAI United ([`KoboldServer::United`]) serve it.
//!
//! Routing matches on how the path ends, so any prefix works (KoboldCpp strips trailing slashes
//! and uses `path.endswith`); [`FakeOptions::mount`] still restricts the prefix. United only
//! answers under `/api/v1/` and `/api/latest/`.
//!
//! | Route | KoboldCpp 1.76 | United |
//! | --- | --- | --- |
//! | `GET …/api/v1/model` | `{"result": "koboldcpp/<first model>"}`; `koboldcpp/protected-model` without the password | `{"result":"<first model>"}` |
//! | `GET …/api/v1/info/version` | `{"result": "1.2.5"}` | `{"result":"1.2.6"}` |
//! | `GET …/api/v1/config/max_length` | `{"value": 400}` | `{"value":80}` |
//! | `GET …/api/v1/config/max_context_length` | `{"value": <context_length>}` | same |
//! | `GET …/api/extra/true_max_context_length` | `{"value": <context_length>}` | 404 |
//! | `GET …/api/extra/version` | `{"result": "KoboldCpp", "version": "1.76", "protected": <password set>, …}` | 404 |
//! | `GET …/api/extra/perf` | the recorded idle-server figures | 404 |
//! | `POST …/api/v1/generate` | `{"results": [{"text": …, "finish_reason": "stop"\|"length"}]}` | `{"results":[{"text":…}]}` |
//! | `POST …/api/extra/generate/stream` | `event: message` / `data: {"token": …, "finish_reason": "null"}` events, the last one with the reason, then the connection closes | 404 |
//! | `POST …/api/extra/abort` | stops running generations (all, or those of `genkey`); `{"success": "true", "done": "true"}`, or both `"false"` when `genkey` matches nothing running | 404 |
//! | `POST …/api/extra/tokencount` | `{"value": n, "ids": […]}` (400 `{"value": -1}` without a `prompt`) | 404 |
//! | `…/v1/models`, `…/v1/completions`, `…/v1/chat/completions` | the OpenAI-compatible family in [`Dialect::KoboldCpp`] | 404 |
//! | anything else, or the wrong method | 404 `text/html` "Error: HTTP Server is running, …" | 404 / 405 `generic.error_<code>` |
//!
//! KoboldCpp's answers carry its headers as recorded (`server`, the CORS headers, `cache-control:
//! no-store`; streams also `cache-control: no-cache`, `connection: keep-alive`) and its bodies are
//! Python `json.dumps` output; United's are Flask's compact JSON with sorted keys and `\uXXXX`
//! escapes. With [`FakeOptions::api_key`], KoboldCpp's generate, stream, abort and tokencount
//! need exactly `Authorization: Bearer <key>` (else 401 `{"detail": {"error": "Unauthorized", …}}`);
//! the GET routes stay open.
//!
//! **Requests.** The body must be JSON (else KoboldCpp 500 `bad_input`, United 400); `prompt` is
//! required and checked like United's marshmallow schema: 422
//! `{"detail": {"<field>": ["<message>"]}}` for a missing or non-string `prompt`, a non-integer or
//! zero `max_length` / `max_context_length`, or a `stop_sequence` that is not a list of strings.
//! (Real KoboldCpp would generate from an empty prompt instead.) Samplers and unknown fields are
//! accepted and ignored. The fake's tokens are words with their trailing whitespace (`"s1 "`): a
//! reply longer than `max_length` tokens (default 180, United 80) is cut there with `"length"`.
//! The first `stop_sequence` string found in the reply ends it, included, or excluded with
//! `"trim_stop": true` (KoboldCpp only); 1.76 reports `"length"` for a stop string too.
//! `genkey` names the generation for `…/abort`. `max_context_length` above
//! [`FakeOptions::context_length`] is clamped silently.
//!
//! **Scenarios.**
//!
//! | Scenario | `…/generate/stream` | `…/generate` |
//! | --- | --- | --- |
//! | `normal`, `usage`, `usage-null-choices` | the reply in about five events, the last with `"stop"` | the reply, `"stop"` |
//! | `slow` | [`SLOW_PIECES`](crate::SLOW_PIECES) events `slow_delay` apart; abortable | the answer after `SLOW_PIECES × slow_delay`; abortable |
//! | `split` | the normal stream in CRLF cut at hostile offsets (not abortable) | normal |
//! | `keep-alive` | `: keep-alive` comments between the events | normal |
//! | `reasoning`, `reasoning-open-router` | `<think>`[`REASONING_TEXT`]`</think>` then the reply, inline | same text |
//! | `mid-stream-error`, `mid-stream-error-open-router` | [`PARTIAL_TEXT`] in two events, then the connection is aborted (KoboldCpp has no error event) | 200, then the connection is dropped without a body |
//! | `truncated` | [`PARTIAL_TEXT`], half an event, abort | half the JSON, abort |
//! | `eof-no-done` | [`PARTIAL_TEXT`] (`"null"` reasons) and a clean end, no final event | `{"results": [{"text": PARTIAL_TEXT}]}` without `finish_reason` |
//! | `done-no-blank-line` | the final event (`"length"`) without its line ends | the reply, `"length"` |
//! | `stall` | [`PARTIAL_TEXT`], then silence; an abort ends it | no answer until an abort (then [`PARTIAL_TEXT`], `"length"`) |
//! | `stall-before-headers` | nothing at all (every route) | same |
//! | `unauthorized` | 401 on the protected routes; `…/model` says `koboldcpp/protected-model` | same |
//! | `model-not-found` | 404 as an unknown route | same |
//! | `rate-limited` / `…-no-retry-after` / `overloaded` | 503 `{"detail": {"msg": "Server is busy; please try again later.", "type": "service_unavailable"}}`, with `retry-after: 7` for the first | same |
//! | `server-error-html` | 500 nginx HTML page (every route) | same |
//! | `no-models-route` | normal; `…/api/v1/model` is 404 | normal |
//! | `empty-models` | normal; `…/api/v1/model` is `{"result": ""}` (United: `"ReadOnly"`, its "no model loaded") | normal |
//! | `echo-unauthorized` | 401 quoting the request's credentials on every route (KoboldCpp's `{"detail": {"error", "msg", "type"}}`, United's `generic.error_401`; `echo.rs`) | same |
//! | `echo-mid-stream` | [`PARTIAL_TEXT`] in two events, then a `{"detail": {"msg": <quote>, …}}` event (United: no stream) | 500 `{"detail": {"msg": <quote>, …}}` |
//! | `echo-page` | 200 HTML sign-in page quoting the credentials (every route) | same |
//!
//! **Abort.** Every generation (blocking or streamed) is registered under its `genkey` while it
//! runs. `POST …/api/extra/abort` stops the one of its `genkey` (every running one without a
//! `genkey`): a stream then sends a last `{"token": "", "finish_reason": "length"}` event and
//! ends; a blocking `slow` or `stall` generation answers at once with what it has, `"length"`.
//! Each abort is recorded ([`FakeServer::aborts`](crate::FakeServer::aborts), `GET /__fake/aborts`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::watch;

use crate::json::{obj, s, Fmt, J};
use crate::openai::{self, KOBOLD_NOT_FOUND};
use crate::reply::{frames, Piece, Reply, ReplyBody, Step, StopSignal, NGINX_500};
use crate::server::{lock, mounted, unmounted, RecordedRequest};
use crate::sse::stream_frames;
use crate::{
    pieces, slow_reply_text, Dialect, FakeOptions, KoboldServer, Scenario, PARTIAL_TEXT,
    REASONING_TEXT,
};

/// `GET …/api/v1/config/max_length` of KoboldCpp (its `--hordemaxlen` default, as recorded).
const KCPP_MAX_LENGTH: i64 = 400;
/// `GET …/api/v1/config/max_length` of United (its default generation length).
const UNITED_MAX_LENGTH: i64 = 80;
/// The `max_length` of a generate request that has none.
const KCPP_DEFAULT_LENGTH: usize = 180;
const UNITED_DEFAULT_LENGTH: usize = 80;
/// KoboldCpp's `Server` header (with its trailing space).
const KCPP_SERVER: &str = "ConcedoLlamaForKoboldServer ";
const KCPP_ALLOW_HEADERS: &str = "*, Accept, Content-Type, Content-Length, Cache-Control, Accept-Encoding, X-CSRF-Token, Client-Agent, X-Fields, Content-Type, Authorization, X-Requested-With, X-HTTP-Method-Override, apikey, genkey";
/// `GET /api/extra/perf` of an idle KoboldCpp 1.76.
const KCPP_PERF: &str = r#"{"last_process": 0.0, "last_eval": 0.0, "last_token_count": 0, "last_seed": -1, "total_gens": 0, "stop_reason": -1, "total_img_gens": 0, "queue": 0, "idle": 1, "hordeexitcounter": -1, "uptime": 1.0, "idletime": 1.0, "quiet": false}"#;
const BUSY: &str = "Server is busy; please try again later.";
const PROTECTED_MODEL: &str = "koboldcpp/protected-model";
/// Werkzeug's messages, which United's error handler puts in `detail.msg`.
const UNITED_400: &str =
    "400 Bad Request: The browser (or proxy) sent a request that this server could not understand.";
const UNITED_401: &str = "401 Unauthorized: The server could not verify that you are authorized to access the URL requested. You either supplied the wrong credentials (e.g. a bad password), or your browser doesn't understand how to supply the credentials required.";
const UNITED_404: &str = "404 Not Found: The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.";
const UNITED_405: &str = "405 Method Not Allowed: The method is not allowed for the requested URL.";
/// Flask's `jsonify`: compact, ASCII only (keys are written in sorted order by hand).
const FLASK: Fmt = Fmt {
    spaced: false,
    ascii: true,
};
/// How many bytes of the next event `truncated` sends before aborting.
const CUT_AT: usize = 40;

/// One `POST …/api/extra/abort` that [`crate::Family::Kobold`] received.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KoboldAbort {
    /// The request's `genkey`, if it named one (`None`: stop whatever runs).
    pub genkey: Option<String>,
    /// How many running generations it stopped.
    pub stopped: usize,
}

/// The running generations and the aborts received, shared by a server's requests.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// `(genkey, stop)`; `""` when the request had none. Entries whose receiver is gone ended.
    running: Mutex<Vec<(String, watch::Sender<bool>)>>,
    aborts: Mutex<Vec<KoboldAbort>>,
    /// How many pieces slow blocking generations have produced so far, all together.
    blocking_steps: Arc<AtomicUsize>,
}

impl State {
    /// Registers a generation; it runs while the returned signal lives.
    fn start(&self, genkey: &str) -> StopSignal {
        let (stop, signal) = watch::channel(false);
        let mut running = lock(&self.running);
        running.retain(|(_, stop)| !stop.is_closed());
        running.push((genkey.to_owned(), stop));
        signal
    }

    /// Stops the running generations of `genkey` (all of them for `None`), records the abort
    /// and returns how many it stopped.
    fn abort(&self, genkey: Option<String>) -> usize {
        let mut running = lock(&self.running);
        running.retain(|(_, stop)| !stop.is_closed());
        let mut stopped = 0;
        running.retain(|(key, stop)| {
            let hit = match genkey.as_deref() {
                Some(genkey) => genkey == key,
                None => true,
            };
            if hit {
                stop.send_replace(true);
                stopped += 1;
            }
            !hit
        });
        drop(running);
        lock(&self.aborts).push(KoboldAbort { genkey, stopped });
        stopped
    }

    pub(crate) fn aborts(&self) -> Vec<KoboldAbort> {
        lock(&self.aborts).clone()
    }

    pub(crate) fn blocking_steps(&self) -> usize {
        self.blocking_steps.load(Ordering::SeqCst)
    }
}

/// Answers one request of the Kobold family.
pub(crate) fn respond(
    opts: &FakeOptions,
    scenario: Scenario,
    reply: &str,
    req: &RecordedRequest,
    state: &State,
) -> Reply {
    let server = opts.kobold;
    if !mounted(opts, &req.path) {
        return not_found(server);
    }
    if server == KoboldServer::KoboldCpp && req.method == "OPTIONS" {
        return answer(server, StatusCode::OK, "text/html", "");
    }
    let Some(route) = Route::of(server, unmounted(opts, &req.path)) else {
        return not_found(server);
    };
    if route == Route::OpenAi {
        let opts = FakeOptions {
            dialect: Dialect::KoboldCpp,
            ..opts.clone()
        };
        return openai::respond(&opts, scenario, reply, req);
    }
    if req.method != route.method() {
        return match server {
            KoboldServer::KoboldCpp => not_found(server),
            KoboldServer::United => {
                let allow = match route.method() {
                    "GET" => "GET, HEAD, OPTIONS",
                    _ => "OPTIONS, POST",
                };
                generic(StatusCode::METHOD_NOT_ALLOWED, UNITED_405).with_header("allow", allow)
            }
        };
    }
    let authorized = scenario != Scenario::Unauthorized && bearer_ok(opts, req);
    if route.protected() && !authorized {
        return unauthorized(server);
    }
    let fmt = fmt(server);
    let value = |n: i64| answer_json(server, StatusCode::OK, obj([("value", J::Int(n))]), fmt);
    match (scenario, route) {
        (Scenario::StallBeforeHeaders, _) => Reply::never(),
        (Scenario::ServerErrorHtml, _) => {
            Reply::full(StatusCode::INTERNAL_SERVER_ERROR, "text/html", NGINX_500)
        }
        (Scenario::NoModelsRoute, Route::Model) => not_found(server),
        (_, Route::Model) => {
            let name = opts.models.first().map_or("fake-model", String::as_str);
            let result = match (server, scenario) {
                (KoboldServer::KoboldCpp, _) if !authorized => PROTECTED_MODEL.to_owned(),
                (KoboldServer::KoboldCpp, Scenario::EmptyModels) => String::new(),
                (KoboldServer::United, Scenario::EmptyModels) => "ReadOnly".to_owned(),
                (KoboldServer::KoboldCpp, _) => {
                    format!("koboldcpp/{}", name.trim_start_matches("koboldcpp/"))
                }
                (KoboldServer::United, _) => name.to_owned(),
            };
            answer_json(server, StatusCode::OK, obj([("result", s(result))]), fmt)
        }
        (_, Route::InfoVersion) => {
            let version = match server {
                KoboldServer::KoboldCpp => "1.2.5",
                KoboldServer::United => "1.2.6",
            };
            answer_json(server, StatusCode::OK, obj([("result", s(version))]), fmt)
        }
        (_, Route::MaxLength) => value(match server {
            KoboldServer::KoboldCpp => KCPP_MAX_LENGTH,
            KoboldServer::United => UNITED_MAX_LENGTH,
        }),
        (_, Route::MaxContextLength | Route::TrueMaxContextLength) => {
            value(i64::from(opts.context_length))
        }
        (_, Route::ExtraVersion) => {
            let body = obj([
                ("result", s("KoboldCpp")),
                ("version", s("1.76")),
                ("protected", J::Bool(opts.api_key.is_some())),
                ("txt2img", J::Bool(false)),
                ("vision", J::Bool(false)),
                ("transcribe", J::Bool(false)),
            ]);
            answer_json(server, StatusCode::OK, body, fmt)
        }
        (_, Route::Perf) => answer(server, StatusCode::OK, "application/json", KCPP_PERF),
        (_, Route::Generate) => generate(opts, scenario, reply, req, state, false),
        (_, Route::Stream) => generate(opts, scenario, reply, req, state, true),
        (_, Route::Abort) => {
            let genkey = req
                .json()
                .and_then(|body| body.get("genkey")?.as_str().map(str::to_owned))
                .filter(|genkey| !genkey.is_empty());
            let named = genkey.is_some();
            let stopped = state.abort(genkey);
            let ok = if named && stopped == 0 {
                "false"
            } else {
                "true"
            };
            let body = obj([("success", s(ok)), ("done", s(ok))]);
            answer_json(server, StatusCode::OK, body, fmt)
        }
        (_, Route::TokenCount) => {
            let prompt = req
                .json()
                .and_then(|body| body.get("prompt")?.as_str().map(str::to_owned));
            match prompt {
                Some(prompt) => {
                    let ids: Vec<J> = tokens(&prompt)
                        .into_iter()
                        .map(|t| J::Int(token_id(t)))
                        .collect();
                    let n = ids.len() as i64;
                    let body = obj([("value", J::Int(n)), ("ids", J::Arr(ids))]);
                    answer_json(server, StatusCode::OK, body, fmt)
                }
                None => answer_json(
                    server,
                    StatusCode::BAD_REQUEST,
                    obj([("value", J::Int(-1))]),
                    fmt,
                ),
            }
        }
        (_, Route::OpenAi) => not_found(server),
    }
}

/// KoboldCpp's check: exactly `Authorization: Bearer <password>` (no `x-api-key`, no other
/// scheme spelling), when a password is set.
fn bearer_ok(opts: &FakeOptions, req: &RecordedRequest) -> bool {
    let Some(key) = opts.api_key.as_deref() else {
        return true;
    };
    req.header("authorization")
        .and_then(|value| value.strip_prefix("Bearer "))
        .is_some_and(|token| token.trim() == key)
}

/// The routes, by the end of the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    Model,
    InfoVersion,
    MaxLength,
    MaxContextLength,
    TrueMaxContextLength,
    ExtraVersion,
    Perf,
    Generate,
    Stream,
    Abort,
    TokenCount,
    /// KoboldCpp's OpenAI-compatible routes.
    OpenAi,
}

impl Route {
    fn of(server: KoboldServer, path: &str) -> Option<Route> {
        let path = path.trim_end_matches('/');
        let api = |tail: &str| {
            ["/api/v1/", "/api/latest/"].iter().any(|prefix| {
                let full = format!("{prefix}{tail}");
                match server {
                    KoboldServer::KoboldCpp => path.ends_with(&full),
                    KoboldServer::United => path == full,
                }
            })
        };
        let common = [
            ("model", Route::Model),
            ("info/version", Route::InfoVersion),
            ("config/max_length", Route::MaxLength),
            ("config/max_context_length", Route::MaxContextLength),
            ("generate", Route::Generate),
        ];
        if let Some((_, route)) = common.iter().find(|(tail, _)| api(tail)) {
            return Some(*route);
        }
        if server == KoboldServer::United {
            return None;
        }
        let extra = [
            (
                "/api/extra/true_max_context_length",
                Route::TrueMaxContextLength,
            ),
            ("/api/extra/version", Route::ExtraVersion),
            ("/api/extra/perf", Route::Perf),
            ("/api/extra/generate/stream", Route::Stream),
            ("/api/extra/abort", Route::Abort),
            ("/api/extra/tokencount", Route::TokenCount),
            ("/v1/chat/completions", Route::OpenAi),
            ("/v1/completions", Route::OpenAi),
            ("/v1/models", Route::OpenAi),
        ];
        extra
            .iter()
            .find(|(tail, _)| path.ends_with(tail))
            .map(|(_, route)| *route)
    }

    fn method(self) -> &'static str {
        match self {
            Route::Model
            | Route::InfoVersion
            | Route::MaxLength
            | Route::MaxContextLength
            | Route::TrueMaxContextLength
            | Route::ExtraVersion
            | Route::Perf => "GET",
            Route::Generate | Route::Stream | Route::Abort | Route::TokenCount | Route::OpenAi => {
                "POST"
            }
        }
    }

    /// Behind the password.
    fn protected(self) -> bool {
        matches!(
            self,
            Route::Generate | Route::Stream | Route::Abort | Route::TokenCount
        )
    }
}

fn fmt(server: KoboldServer) -> Fmt {
    match server {
        KoboldServer::KoboldCpp => Fmt::PYTHON,
        KoboldServer::United => FLASK,
    }
}

/// KoboldCpp's headers after `server`: the CORS trio, `cache-control: no-store` and the type.
fn kcpp_headers(content_type: &str, stream: bool) -> Vec<(&'static str, String)> {
    let mut headers = vec![("server", KCPP_SERVER.to_owned())];
    if stream {
        headers.push(("cache-control", "no-cache".to_owned()));
        headers.push(("connection", "keep-alive".to_owned()));
    }
    headers.extend([
        ("access-control-allow-origin", "*".to_owned()),
        ("access-control-allow-methods", "*".to_owned()),
        (
            "access-control-allow-headers",
            KCPP_ALLOW_HEADERS.to_owned(),
        ),
        ("cache-control", "no-store".to_owned()),
        ("content-type", content_type.to_owned()),
    ]);
    headers
}

/// A whole body with the server's headers.
fn answer(
    server: KoboldServer,
    status: StatusCode,
    content_type: &str,
    body: impl Into<Bytes>,
) -> Reply {
    match server {
        KoboldServer::KoboldCpp => Reply {
            status,
            headers: kcpp_headers(content_type, false),
            body: ReplyBody::Full(body.into()),
        },
        KoboldServer::United => Reply::full(status, content_type, body),
    }
}

fn answer_json(server: KoboldServer, status: StatusCode, body: J, fmt: Fmt) -> Reply {
    answer(server, status, "application/json", body.render(fmt))
}

/// `{"detail": {…}}`.
fn detail(server: KoboldServer, status: StatusCode, detail: J) -> Reply {
    answer_json(server, status, obj([("detail", detail)]), fmt(server))
}

/// United's error handler: `{"detail":{"msg":"<werkzeug message>","type":"generic.error_<code>"}}`.
fn generic(status: StatusCode, message: &str) -> Reply {
    let kind = format!("generic.error_{}", status.as_u16());
    let body = obj([("msg", s(message)), ("type", s(kind))]);
    detail(KoboldServer::United, status, body)
}

fn not_found(server: KoboldServer) -> Reply {
    match server {
        KoboldServer::KoboldCpp => {
            answer(server, StatusCode::NOT_FOUND, "text/html", KOBOLD_NOT_FOUND)
        }
        KoboldServer::United => generic(StatusCode::NOT_FOUND, UNITED_404),
    }
}

fn unauthorized(server: KoboldServer) -> Reply {
    match server {
        KoboldServer::KoboldCpp => detail(
            server,
            StatusCode::UNAUTHORIZED,
            obj([
                ("error", s("Unauthorized")),
                ("msg", s("Authentication key is missing or invalid.")),
                ("type", s("unauthorized")),
            ]),
        ),
        KoboldServer::United => generic(StatusCode::UNAUTHORIZED, UNITED_401),
    }
}

fn bad_json(server: KoboldServer) -> Reply {
    match server {
        KoboldServer::KoboldCpp => detail(
            server,
            StatusCode::INTERNAL_SERVER_ERROR,
            obj([("msg", s("Error parsing input.")), ("type", s("bad_input"))]),
        ),
        KoboldServer::United => generic(StatusCode::BAD_REQUEST, UNITED_400),
    }
}

fn busy(server: KoboldServer) -> Reply {
    detail(
        server,
        StatusCode::SERVICE_UNAVAILABLE,
        obj([("msg", s(BUSY)), ("type", s("service_unavailable"))]),
    )
}

/// What a generate request asks for.
#[derive(Debug)]
struct Params {
    max_length: usize,
    stop: Vec<String>,
    trim_stop: bool,
    genkey: String,
}

impl Params {
    /// The request's parameters, or the field errors of a 422 (in check order).
    fn of(server: KoboldServer, body: &Value) -> Result<Params, Vec<(&'static str, &'static str)>> {
        let mut errors = Vec::new();
        match body.get("prompt") {
            None => errors.push(("prompt", "Missing data for required field.")),
            Some(Value::String(_)) => {}
            Some(_) => errors.push(("prompt", "Not a valid string.")),
        }
        let mut positive = |field: &'static str| match body.get(field) {
            None | Some(Value::Null) => None,
            Some(value) => match value.as_u64() {
                Some(0) => {
                    errors.push((field, "Must be greater than or equal to 1."));
                    None
                }
                Some(n) => Some(usize::try_from(n).unwrap_or(usize::MAX)),
                None if value.as_i64().is_some() => {
                    errors.push((field, "Must be greater than or equal to 1."));
                    None
                }
                None => {
                    errors.push((field, "Not a valid integer."));
                    None
                }
            },
        };
        let max_length = positive("max_length");
        // Clamped to the server's context size and otherwise unused by the fake.
        let _max_context_length = positive("max_context_length");
        let stop = match body.get("stop_sequence") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Some(_) => {
                errors.push(("stop_sequence", "Not a valid list."));
                Vec::new()
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let default_length = match server {
            KoboldServer::KoboldCpp => KCPP_DEFAULT_LENGTH,
            KoboldServer::United => UNITED_DEFAULT_LENGTH,
        };
        Ok(Params {
            max_length: max_length.unwrap_or(default_length),
            stop,
            trim_stop: server == KoboldServer::KoboldCpp
                && body.get("trim_stop") == Some(&Value::Bool(true)),
            genkey: body
                .get("genkey")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        })
    }

    /// The part of `text` generated within the limits, and the 1.76 finish reason.
    fn limit(&self, text: &str) -> (String, &'static str) {
        let toks = tokens(text);
        let (mut out, mut finish) = if toks.len() > self.max_length {
            (toks[..self.max_length].concat(), "length")
        } else {
            (text.to_owned(), "stop")
        };
        let hit = self
            .stop
            .iter()
            .filter(|stop| !stop.is_empty())
            .filter_map(|stop| out.find(stop.as_str()).map(|at| (at, stop.len())))
            .min();
        if let Some((at, len)) = hit {
            out.truncate(if self.trim_stop { at } else { at + len });
            // 1.76 says "stop" only for the end-of-stream token.
            finish = "length";
        }
        (out, finish)
    }
}

/// The fake's tokens: words with their trailing whitespace (leading whitespace alone).
pub(crate) fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut in_space) = (0, false);
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            in_space = true;
        } else if in_space {
            out.push(&text[start..i]);
            start = i;
            in_space = false;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// A stable stand-in token id (FNV-1a folded into a 32000-entry vocabulary).
fn token_id(token: &str) -> i64 {
    let hash = token.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    i64::from(hash % 32_000)
}

/// How a planned generation ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    /// The last event carries the reason.
    Finish(&'static str),
    /// The last event carries the reason and has no line ends.
    NoBlankLine(&'static str),
    /// The connection is aborted after the text.
    Abort,
    /// Half an event, then the connection is aborted.
    Cut,
    /// A clean end of body without a final event.
    Eof,
    /// Silence until the server stops (or an abort).
    Hang,
}

/// The text pieces (one event each) and the end of a generation.
fn plan(scenario: Scenario, reply: &str, params: &Params) -> (Vec<String>, End) {
    let partial = || pieces(PARTIAL_TEXT, 2);
    match scenario {
        Scenario::MidStreamError | Scenario::MidStreamErrorOpenRouter => (partial(), End::Abort),
        Scenario::Truncated => (partial(), End::Cut),
        Scenario::EofNoDone => (partial(), End::Eof),
        Scenario::Stall => (partial(), End::Hang),
        Scenario::Slow => {
            let (text, finish) = params.limit(&slow_reply_text());
            let pieces = tokens(&text).into_iter().map(str::to_owned).collect();
            (pieces, End::Finish(finish))
        }
        Scenario::Reasoning | Scenario::ReasoningOpenRouter => {
            let (text, finish) = params.limit(&format!("<think>{REASONING_TEXT}</think>{reply}"));
            (pieces(&text, 8), End::Finish(finish))
        }
        Scenario::DoneNoBlankLine => {
            let (text, _) = params.limit(reply);
            (pieces(&text, 5), End::NoBlankLine("length"))
        }
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
        | Scenario::EchoPage => {
            let (text, finish) = params.limit(reply);
            (pieces(&text, 5), End::Finish(finish))
        }
    }
}

/// One KoboldCpp 1.76 stream event (`finish_reason` is the string `"null"` until the end).
fn event(token: &str, finish: Option<&str>) -> String {
    let data = obj([
        ("token", s(token)),
        ("finish_reason", s(finish.unwrap_or("null"))),
    ]);
    format!("event: message\ndata: {}\n\n", data.render(Fmt::PYTHON))
}

/// `{"results": [{"text": …, "finish_reason": …}]}` (United: no reason; `None`: no reason).
fn results(server: KoboldServer, text: &str, finish: Option<&str>) -> Bytes {
    let result = match (server, finish) {
        (KoboldServer::KoboldCpp, Some(finish)) => {
            obj([("text", s(text)), ("finish_reason", s(finish))])
        }
        _ => obj([("text", s(text))]),
    };
    obj([("results", J::Arr(vec![result]))])
        .render(fmt(server))
        .into()
}

fn generate(
    opts: &FakeOptions,
    scenario: Scenario,
    reply: &str,
    req: &RecordedRequest,
    state: &State,
    stream: bool,
) -> Reply {
    let server = opts.kobold;
    let Some(body) = req.json().filter(Value::is_object) else {
        return bad_json(server);
    };
    let params = match Params::of(server, &body) {
        Ok(params) => params,
        Err(mut errors) => {
            if server == KoboldServer::United {
                errors.sort_unstable();
            }
            let fields = errors
                .into_iter()
                .map(|(field, message)| (field, J::Arr(vec![s(message)])))
                .collect();
            return detail(server, StatusCode::UNPROCESSABLE_ENTITY, J::Obj(fields));
        }
    };
    match scenario {
        Scenario::ModelNotFound => return not_found(server),
        Scenario::RateLimited => return busy(server).with_header("retry-after", "7"),
        Scenario::RateLimitedNoRetryAfter | Scenario::Overloaded => return busy(server),
        _ => {}
    }
    let (texts, end) = plan(scenario, reply, &params);
    if stream {
        stream_reply(opts, scenario, texts, end, state.start(&params.genkey))
    } else {
        blocking_reply(opts, scenario, texts, end, state, &params.genkey)
    }
}

fn stream_reply(
    opts: &FakeOptions,
    scenario: Scenario,
    texts: Vec<String>,
    end: End,
    stop: StopSignal,
) -> Reply {
    let mut events: Vec<Piece> = Vec::new();
    let last = texts.len().saturating_sub(1);
    let finish = match end {
        End::Finish(reason) | End::NoBlankLine(reason) => Some(reason),
        End::Abort | End::Cut | End::Eof | End::Hang => None,
    };
    let mut texts = texts;
    if texts.is_empty() && finish.is_some() {
        texts.push(String::new());
    }
    for (i, text) in texts.iter().enumerate() {
        if scenario == Scenario::KeepAlive && i > 0 {
            events.push(Piece::Bytes(b": keep-alive\n\n".to_vec()));
        }
        let mut bytes = event(text, if i == last { finish } else { None });
        if i == last && matches!(end, End::NoBlankLine(_)) {
            bytes.truncate(bytes.trim_end_matches('\n').len());
        }
        events.push(Piece::Bytes(bytes.into_bytes()));
    }
    match end {
        End::Abort => events.push(Piece::Abort),
        End::Cut => {
            let mut half = event(" and the rest", None).into_bytes();
            half.truncate(CUT_AT);
            events.extend([Piece::Bytes(half), Piece::Abort]);
        }
        End::Hang => events.push(Piece::Hang),
        End::Finish(_) | End::NoBlankLine(_) | End::Eof => {}
    }
    let frames = stream_frames(scenario, events, opts.slow_delay);
    let body = if scenario == Scenario::Split {
        ReplyBody::Frames(frames)
    } else {
        ReplyBody::Stoppable {
            frames,
            stop,
            tail: event("", Some("length")).into(),
        }
    };
    Reply {
        status: StatusCode::OK,
        headers: kcpp_headers("text/event-stream", true),
        body,
    }
}

fn blocking_reply(
    opts: &FakeOptions,
    scenario: Scenario,
    texts: Vec<String>,
    end: End,
    state: &State,
    genkey: &str,
) -> Reply {
    let server = opts.kobold;
    let whole = texts.concat();
    let ok = |body: ReplyBody| {
        let mut reply = answer(server, StatusCode::OK, "application/json", "");
        reply.body = body;
        reply
    };
    match end {
        End::Finish(reason) | End::NoBlankLine(reason) => {
            let done = results(server, &whole, Some(reason));
            if scenario != Scenario::Slow {
                return ok(ReplyBody::Full(done));
            }
            let mut so_far = String::new();
            let steps = texts
                .iter()
                .map(|text| {
                    let step = Step {
                        wait: Some(opts.slow_delay),
                        if_stopped: results(server, &so_far, Some("length")),
                    };
                    so_far.push_str(text);
                    step
                })
                .collect();
            ok(ReplyBody::Deferred {
                steps,
                done,
                stop: state.start(genkey),
                progress: Some(Arc::clone(&state.blocking_steps)),
            })
        }
        End::Eof => ok(ReplyBody::Full(results(server, &whole, None))),
        End::Hang => ok(ReplyBody::Deferred {
            steps: vec![Step {
                wait: None,
                if_stopped: results(server, &whole, Some("length")),
            }],
            done: Bytes::new(),
            stop: state.start(genkey),
            progress: None,
        }),
        End::Abort => ok(ReplyBody::Frames(frames(vec![Piece::Abort], None))),
        End::Cut => {
            let json = results(server, &whole, Some("length"));
            let half = json[..json.len() / 2].to_vec();
            ok(ReplyBody::Frames(frames(
                vec![Piece::Bytes(half), Piece::Abort],
                None,
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(max_length: usize, stop: &[&str], trim_stop: bool) -> Params {
        Params {
            max_length,
            stop: stop.iter().map(|s| (*s).to_owned()).collect(),
            trim_stop,
            genkey: String::new(),
        }
    }

    #[test]
    fn tokens_are_words_with_trailing_space() {
        assert_eq!(tokens("s1 s2  s3"), ["s1 ", "s2  ", "s3"]);
        assert_eq!(tokens(" a b"), [" ", "a ", "b"]);
        assert_eq!(tokens(&slow_reply_text()).len(), crate::SLOW_PIECES);
        assert!(tokens("").is_empty());
    }

    #[test]
    fn limits_follow_koboldcpp_1_76() {
        let reply = "vvvvvvzhkvc ";
        assert_eq!(
            params(12, &["vz"], false).limit(reply),
            ("vvvvvvz".into(), "length")
        );
        assert_eq!(
            params(12, &["vz"], true).limit(reply),
            ("vvvvv".into(), "length")
        );
        assert_eq!(params(12, &[], false).limit(reply), (reply.into(), "stop"));
        assert_eq!(
            params(2, &[], false).limit("a b c"),
            ("a b ".into(), "length")
        );
        assert_eq!(
            params(9, &["c", "b"], false).limit("a b c"),
            ("a b".into(), "length")
        );
    }

    #[test]
    fn events_are_json_dumps() {
        assert_eq!(
            event("日本", None),
            "event: message\ndata: {\"token\": \"\\u65e5\\u672c\", \"finish_reason\": \"null\"}\n\n"
        );
    }
}
