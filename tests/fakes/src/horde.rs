//! AI Horde's text API (`https://aihorde.net/api/v2`): submit, poll, cancel.
//!
//! Routing matches on how the path ends, so any prefix works (a client's base URL is
//! `{server}/api/v2`); [`FakeOptions::mount`] still restricts the prefix. Bodies are what
//! Flask-RESTX writes: Python's `json.dumps` (`", "`, `": "`, `\uXXXX` escapes) plus a trailing
//! newline, keys in the order of Horde's models, `fields.Float`s as floats (`10.0`), and
//! `skip_none` where Horde marshals with it. Errors are `{"message": …, "rc": …}`; input
//! validation errors are Flask-RESTX's own `{"errors": {<field>: <message>}, "message": "Input
//! payload validation failed"}` (no `rc`).
//!
//! | Route | Answer |
//! | --- | --- |
//! | `GET …/status/heartbeat` | `{"message": "OK", "version": "4.44.0"}` |
//! | `GET …/status/models?type=text` | `[{"name", "count", "performance", "queued", "jobs", "eta", "type": "text"}]`, one per [`FakeOptions::models`] entry; without `type=text` the image models: `[]` (Horde's default type is `image`) |
//! | `GET …/workers?type=text` | the [`HORDE_WORKERS`] serving [`FakeOptions::models`] (`type=image` / `interrogation`: `[]`; no `type`: the text workers, the fake has no others) |
//! | `GET …/find_user` (`apikey`) | `Anonymous#0` for [`HORDE_ANONYMOUS_KEY`], [`HORDE_USERNAME`] for the configured key (any key without one); 401 `InvalidAPIKey` without a key; 404 `UserNotFound` for another key |
//! | `POST …/generate/text/async` | 202 `{"id": …, "kudos": 10.0}` (+ `"message"` when no worker can serve it); `dry_run`: 200 `{"kudos": 10.0}` |
//! | `GET …/generate/text/status/{id}` | the next step of the request's progression (below); 404 `RequestNotFound` for an unknown id |
//! | `DELETE …/generate/text/status/{id}` | cancels: the status as last polled (generations only if it was done), recorded ([`FakeServer::horde_cancels`](crate::FakeServer::horde_cancels), `GET /__fake/cancels`); later polls are 404 |
//! | anything else / the wrong method | 404 / 405 `{"message": "<werkzeug text>"}` |
//!
//! **Submit checks, in Horde's order.** The body must be JSON. Then the payload schema
//! (`prompt` a string, `params` an object with `n` 1–20, `max_context_length` 80–1048576,
//! `max_length` 16–4096, `stop_sequence` a list of strings; `models` a list of strings;
//! `trusted_workers`, `dry_run` booleans; `null` fails too), every failure in `errors` under its
//! dotted path with jsonschema's wording (`"5 is less than the minimum of 16"`). Then the request
//! parser: a missing `apikey` header, then a missing `prompt`, are 400
//! `"<help text> Missing required parameter in …"` (a missing key is *not* anonymous: the header
//! is required). Then: `overloaded` → `MaintenanceMode`; the key ([`HORDE_ANONYMOUS_KEY`] always
//! passes; with [`FakeOptions::api_key`] `Some(k)` only `k` also passes, else 401
//! `InvalidAPIKey`); an empty prompt → 400 `MissingPrompt`; unknown `workers` → 404
//! `WorkerNotFound`; `rate-limited*` → 429 `TooManyPrompts`. `Client-Agent` is recorded like every
//! header, never checked.
//!
//! **Workers and `is_possible`.** A request can be served when a listed worker (restricted to
//! `workers`, or all but them with `worker_blacklist`, and to trusted ones with
//! `trusted_workers`) serves one of its `models` (any model when empty) with
//! `params.max_length` (default 80) ≤ its `max_length` and `params.max_context_length` (default
//! 2048) ≤ its `max_context_length`. Otherwise the submit answer carries Horde's "No available
//! workers" `message` and the status stays `waiting: 1, is_possible: false`. So a client that
//! does not clamp to the minimum over the workers serving its models (see
//! [`HORDE_FIRST_MODEL_LIMITS`], [`HORDE_OTHER_MODELS_LIMITS`]) never gets an answer.
//!
//! **Progression.** Each `GET` of a status moves one step: [`HORDE_QUEUE_POLLS`] waiting polls
//! (`queue_position` 2, 1; `wait_time` 15, 10), one `processing: 1` poll (`wait_time` 5), then
//! `done: true` (repeated) with one generation: the reply cut after `params.max_length` fake
//! tokens (words with their trailing whitespace) and after the first `params.stop_sequence`
//! found, which stays in the text ("The returned text WILL contain the stop sequence"); `model`
//! is the first requested model a capable worker serves, `worker_id` / `worker_name` that
//! worker's.
//!
//! **Scenarios.**
//!
//! | Scenario | Status polls (after a 202 submit unless said otherwise) |
//! | --- | --- |
//! | `normal`, `usage`, `usage-null-choices` | 2 waiting, processing, done |
//! | `slow` | [`HORDE_SLOW_POLLS`] waiting polls (`queue_position` 20 … 1, `wait_time` counted in `slow_delay`s, rounded up to whole seconds), processing, done with [`slow_reply_text`] (cut at `max_length`); every status answer is held back `slow_delay` |
//! | `split` | normal, every JSON body cut into frames at hostile offsets (inside UTF-8, byte by byte at the end) |
//! | `keep-alive` | 2 waiting, processing, then the job is restarted (`waiting: 1, restarted: 1`), processing again (`restarted: 1`), done |
//! | `reasoning`, `reasoning-open-router` | normal; the text is `<think>`[`REASONING_TEXT`]`</think>` then the reply |
//! | `mid-stream-error`, `mid-stream-error-open-router` | 2 waiting, processing, then `faulted: true` (not done, no generations), repeated |
//! | `truncated` | 2 waiting, processing, then the done answer cut in half and the connection aborted (every time) |
//! | `eof-no-done` | 2 waiting, processing, then 404 `RequestNotFound`: the request vanished without ever being done (as an expired one does) |
//! | `done-no-blank-line` | normal, but no body has Flask-RESTX's trailing newline |
//! | `stall` | 1 waiting, then every poll gets its headers and no body until the server stops |
//! | `stall-before-headers` | no answer at all, on every route |
//! | `unauthorized` | 401 `InvalidAPIKey` on submit and `find_user` (the other routes need no key) |
//! | `model-not-found` | submit 202 with the "No available workers" message; every poll `waiting: 1, is_possible: false` |
//! | `rate-limited` / `…-no-retry-after` | submit 429 `TooManyPrompts`, with / without `retry-after: 7` (Horde's own never sends one) |
//! | `overloaded` | submit 400 `MaintenanceMode` (what Horde really sends: the exception derives from `BadRequest`, though the route documents 503) |
//! | `server-error-html` | 500 nginx HTML page (every route) |
//! | `no-models-route` | normal; `…/status/models` is 404 |
//! | `empty-models` | `…/status/models` and `…/workers` list nothing, so every request is `is_possible: false` as in `model-not-found` |
//! | `echo-unauthorized` | 401 `{"message": <quote>, "rc": "InvalidAPIKey"}` on every route, quoting the request's credentials (`echo.rs`) |
//! | `echo-mid-stream` | submit and the first poll as in `normal`, then every poll 500 `{"message": <quote>, "rc": "InternalServerError"}` |
//! | `echo-page` | 200 HTML sign-in page quoting the credentials (every route) |

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use axum::http::StatusCode;
use bytes::Bytes;
use serde_json::Value;
use tokio::sync::watch;

use crate::json::{obj, s, Fmt, J};
use crate::kobold::tokens;
use crate::reply::{frames, Frame, Piece, Reply, ReplyBody, Step, NGINX_500};
use crate::server::{lock, mounted, unmounted, RecordedRequest};
use crate::sse::hostile_body_frames;
use crate::{slow_reply_text, FakeOptions, Scenario, REASONING_TEXT};

/// The key of Horde's anonymous user, always accepted.
pub const HORDE_ANONYMOUS_KEY: &str = "0000000000";

/// The `username` `…/find_user` reports for a registered key.
pub const HORDE_USERNAME: &str = "fake-user#4242";

/// The `kudos` `…/find_user` reports for a registered key (anonymous has 0).
pub const HORDE_USER_KUDOS: f64 = 5000.0;

/// The waiting polls of a normal request before it is processed.
pub const HORDE_QUEUE_POLLS: usize = 2;

/// The waiting polls of a request in [`Scenario::Slow`].
pub const HORDE_SLOW_POLLS: usize = 20;

/// One text worker of the Horde fake (`GET …/workers?type=text`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HordeWorker {
    /// Its `name`.
    pub name: &'static str,
    /// Its `id`.
    pub id: &'static str,
    /// `true`: it serves the first of [`FakeOptions::models`]; `false`: every other one.
    pub serves_first_model: bool,
    /// The most tokens it generates (`max_length`).
    pub max_length: u32,
    /// The most context it reads (`max_context_length`).
    pub max_context_length: u32,
    /// Whether it is `trusted` (`trusted_workers: true` requests only go to these).
    pub trusted: bool,
}

/// The workers, in the order listed. Two serve the first model with different limits (one of
/// them untrusted), one serves the others.
pub const HORDE_WORKERS: [HordeWorker; 3] = [
    HordeWorker {
        name: "Fake Worker One",
        id: "00000000-0000-4000-8000-00000000f001",
        serves_first_model: true,
        max_length: 512,
        max_context_length: 4096,
        trusted: true,
    },
    HordeWorker {
        name: "Fake Worker Two",
        id: "00000000-0000-4000-8000-00000000f002",
        serves_first_model: true,
        max_length: 256,
        max_context_length: 2048,
        trusted: false,
    },
    HordeWorker {
        name: "Fake Worker Three",
        id: "00000000-0000-4000-8000-00000000f003",
        serves_first_model: false,
        max_length: 1024,
        max_context_length: 8192,
        trusted: true,
    },
];

/// `(max_context_length, max_length)`: the minimum over the workers serving the first model
/// (what a client must clamp a request for it to; with `trusted_workers` it is worker one's
/// 4096 / 512).
pub const HORDE_FIRST_MODEL_LIMITS: (u32, u32) = (2048, 256);

/// `(max_context_length, max_length)` of the workers serving the other models.
pub const HORDE_OTHER_MODELS_LIMITS: (u32, u32) = (8192, 1024);

/// `…/status/heartbeat`'s version.
const VERSION: &str = "4.44.0";
/// The kudos of every request.
const KUDOS: f64 = 10.0;
/// The `performance` of every worker, in its two forms.
const PERFORMANCE: f64 = 12.5;
const PERFORMANCE_TEXT: &str = "12.5 tokens per second";
const BRIDGE_AGENT: &str = "KoboldCppEmbedWorker:2:https://github.com/LostRuins/koboldcpp";
/// Flask-RESTX's defaults when `params` omits them.
const DEFAULT_MAX_LENGTH: u32 = 80;
const DEFAULT_MAX_CONTEXT_LENGTH: u32 = 2048;
/// The `wait_time` of one step of a normal progression, in seconds.
const STEP_SECONDS: f64 = 5.0;
const NOT_FOUND: &str = "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.";
const METHOD_NOT_ALLOWED: &str = "The method is not allowed for the requested URL.";
const INVALID_API_KEY: &str =
    "No user matching sent API Key. Have you remembered to register at https://stablehorde.net/register ?";
const VALIDATION_FAILED: &str = "Input payload validation failed";
const MAINTENANCE: &str = "AI Horde has entered maintenance mode. Please try again later.";
const NO_WORKERS: &str = "Warning: No available workers can fulfill this request. It will expire in 20 minutes. Consider reducing the amount of tokens to generate.";
const BAD_JSON: &str = "Failed to decode JSON object: Expecting value: line 1 column 1 (char 0)";
const APIKEY_MISSING: &str = "The API Key corresponding to a registered user. Missing required parameter in the HTTP headers";
const PROMPT_MISSING: &str =
    "The prompt to generate from. Missing required parameter in the JSON body";
/// Flask-RESTX: `json.dumps` defaults.
const FMT: Fmt = Fmt::PYTHON;

/// One step of a request's progression, as its status polls see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Poll {
    Waiting {
        queue_position: i64,
        wait_time: i64,
        restarted: i64,
    },
    Processing {
        wait_time: i64,
        restarted: i64,
    },
    Done,
    Faulted,
    /// No worker can serve it: waiting for ever.
    Impossible,
    /// 404 `RequestNotFound`.
    Gone,
    /// The done answer cut in half, then the connection aborted.
    Cut,
    /// Headers, then silence until the server stops.
    Hang,
}

/// The generation a request ends with.
#[derive(Clone, Debug)]
struct Generation {
    text: String,
    model: String,
    worker: HordeWorker,
}

/// A submitted request.
#[derive(Debug)]
struct Job {
    plan: Vec<Poll>,
    /// How many `GET`s it has answered.
    polls: usize,
    generation: Option<Generation>,
    /// `slow`: every status answer waits this long.
    delay: Option<Duration>,
}

/// The submitted requests and the cancels received, shared by a server's requests.
#[derive(Debug, Default)]
pub(crate) struct State {
    submitted: Mutex<u64>,
    jobs: Mutex<HashMap<String, Job>>,
    cancels: Mutex<Vec<String>>,
}

impl State {
    pub(crate) fn cancels(&self) -> Vec<String> {
        lock(&self.cancels).clone()
    }

    /// A fresh, UUID-shaped id.
    fn next_id(&self) -> String {
        let mut submitted = lock(&self.submitted);
        *submitted += 1;
        format!("{:08x}-fa4e-4000-8000-{:012x}", *submitted, *submitted)
    }
}

/// The routes, by the end of the path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Route {
    Heartbeat,
    Models,
    Workers,
    FindUser,
    Submit,
    Status(String),
}

impl Route {
    fn of(path: &str) -> Option<Route> {
        let path = path.trim_end_matches('/');
        let fixed = [
            ("/status/heartbeat", Route::Heartbeat),
            ("/status/models", Route::Models),
            ("/workers", Route::Workers),
            ("/find_user", Route::FindUser),
            ("/generate/text/async", Route::Submit),
        ];
        if let Some((_, route)) = fixed.into_iter().find(|(end, _)| path.ends_with(end)) {
            return Some(route);
        }
        let (_, id) = path.rsplit_once("/generate/text/status/")?;
        (!id.is_empty() && !id.contains('/')).then(|| Route::Status(id.to_owned()))
    }

    fn allows(&self, method: &str) -> bool {
        match self {
            Route::Submit => method == "POST",
            Route::Status(_) => method == "GET" || method == "DELETE",
            _ => method == "GET",
        }
    }

    fn allow_header(&self) -> &'static str {
        match self {
            Route::Submit => "OPTIONS, POST",
            Route::Status(_) => "DELETE, GET, HEAD, OPTIONS",
            _ => "GET, HEAD, OPTIONS",
        }
    }
}

/// Answers one request of the Horde family.
pub(crate) fn respond(
    opts: &FakeOptions,
    scenario: Scenario,
    reply: &str,
    req: &RecordedRequest,
    state: &State,
) -> Reply {
    if !mounted(opts, &req.path) {
        return message(StatusCode::NOT_FOUND, NOT_FOUND);
    }
    let Some(route) = Route::of(unmounted(opts, &req.path)) else {
        return shape(scenario, message(StatusCode::NOT_FOUND, NOT_FOUND));
    };
    if !route.allows(&req.method) {
        let reply = message(StatusCode::METHOD_NOT_ALLOWED, METHOD_NOT_ALLOWED);
        return shape(scenario, reply.with_header("allow", route.allow_header()));
    }
    let reply = match (scenario, route) {
        (Scenario::StallBeforeHeaders, _) => return Reply::never(),
        (Scenario::ServerErrorHtml, _) => {
            return Reply::full(StatusCode::INTERNAL_SERVER_ERROR, "text/html", NGINX_500)
        }
        (_, Route::Heartbeat) => answer(
            StatusCode::OK,
            &obj([("message", s("OK")), ("version", s(VERSION))]),
        ),
        (Scenario::NoModelsRoute, Route::Models) => message(StatusCode::NOT_FOUND, NOT_FOUND),
        (_, Route::Models) => models(opts, scenario, req),
        (_, Route::Workers) => {
            let kind = query(req, "type");
            let listed = match kind.as_deref() {
                None | Some("text") => workers(opts, scenario)
                    .iter()
                    .map(|(worker, models)| worker_details(worker, models))
                    .collect(),
                Some(_) => Vec::new(),
            };
            answer(StatusCode::OK, &J::Arr(listed))
        }
        (_, Route::FindUser) => find_user(opts, scenario, req),
        (_, Route::Submit) => submit(opts, scenario, reply, req, state),
        (_, Route::Status(id)) => status(state, &id, req.method == "DELETE"),
    };
    shape(scenario, reply)
}

/// A Flask-RESTX body: `json.dumps` and a newline.
fn answer(status: StatusCode, body: &J) -> Reply {
    Reply::json(status, format!("{}\n", body.render(FMT)))
}

/// `{"message": …}`: werkzeug's errors as Flask-RESTX writes them.
fn message(status: StatusCode, text: &str) -> Reply {
    answer(status, &obj([("message", s(text))]))
}

/// `{"message": …, "rc": …}`: Horde's own errors.
fn error(status: StatusCode, text: &str, rc: &str) -> Reply {
    answer(status, &obj([("message", s(text)), ("rc", s(rc))]))
}

/// Input validation: `{"errors": {…}, "message": "Input payload validation failed"}`.
fn invalid(errors: Vec<(String, String)>) -> Reply {
    let errors = errors.into_iter().map(|(k, v)| (k, s(v))).collect();
    answer(
        StatusCode::BAD_REQUEST,
        &obj([
            ("errors", J::Map(errors)),
            ("message", s(VALIDATION_FAILED)),
        ]),
    )
}

fn invalid_api_key() -> Reply {
    error(StatusCode::UNAUTHORIZED, INVALID_API_KEY, "InvalidAPIKey")
}

/// The framing of the scenario: `split` cuts whole JSON bodies at hostile offsets,
/// `done-no-blank-line` drops their trailing newline.
fn shape(scenario: Scenario, mut reply: Reply) -> Reply {
    let ReplyBody::Full(body) = &reply.body else {
        return reply;
    };
    match scenario {
        Scenario::Split => {
            let frames = hostile_body_frames(body);
            reply.with_frames(frames)
        }
        Scenario::DoneNoBlankLine => {
            let trimmed = body.strip_suffix(b"\n").unwrap_or(body).to_vec();
            reply.body = ReplyBody::Full(trimmed.into());
            reply
        }
        _ => reply,
    }
}

/// The first value of a query parameter.
fn query(req: &RecordedRequest, name: &str) -> Option<String> {
    req.query
        .as_deref()?
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// The listed workers with the models each serves (none in `empty-models`).
fn workers(opts: &FakeOptions, scenario: Scenario) -> Vec<(HordeWorker, Vec<String>)> {
    if scenario == Scenario::EmptyModels {
        return Vec::new();
    }
    let Some((first, others)) = opts.models.split_first() else {
        return Vec::new();
    };
    HORDE_WORKERS
        .iter()
        .filter_map(|worker| {
            let models = if worker.serves_first_model {
                vec![first.clone()]
            } else {
                others.to_vec()
            };
            (!models.is_empty()).then_some((*worker, models))
        })
        .collect()
}

fn models(opts: &FakeOptions, scenario: Scenario, req: &RecordedRequest) -> Reply {
    if query(req, "type").as_deref() != Some("text") {
        return answer(StatusCode::OK, &J::Arr(Vec::new()));
    }
    let workers = workers(opts, scenario);
    let listed = opts
        .models
        .iter()
        .filter_map(|name| {
            let count = workers.iter().filter(|(_, m)| m.contains(name)).count();
            (count > 0).then(|| {
                obj([
                    ("name", s(name.as_str())),
                    ("count", J::Int(count as i64)),
                    ("performance", J::Float(PERFORMANCE)),
                    ("queued", J::Float(0.0)),
                    ("jobs", J::Float(0.0)),
                    ("eta", J::Int(0)),
                    ("type", s("text")),
                ])
            })
        })
        .collect();
    answer(StatusCode::OK, &J::Arr(listed))
}

/// `WorkerDetails` as Horde marshals it (`skip_none`), the text worker's fields.
fn worker_details(worker: &HordeWorker, models: &[String]) -> J {
    obj([
        ("type", s("text")),
        ("name", s(worker.name)),
        ("id", s(worker.id)),
        ("online", J::Bool(true)),
        ("requests_fulfilled", J::Int(1234)),
        ("kudos_rewards", J::Float(56789.0)),
        (
            "kudos_details",
            obj([("generated", J::Float(50000.0)), ("uptime", J::Int(6789))]),
        ),
        ("performance", s(PERFORMANCE_TEXT)),
        ("threads", J::Int(1)),
        ("uptime", J::Int(864_000)),
        ("maintenance_mode", J::Bool(false)),
        ("nsfw", J::Bool(true)),
        ("trusted", J::Bool(worker.trusted)),
        ("flagged", J::Bool(false)),
        ("uncompleted_jobs", J::Int(0)),
        (
            "models",
            J::Arr(models.iter().map(|m| s(m.as_str())).collect()),
        ),
        ("team", obj([("name", J::Null), ("id", J::Null)])),
        ("bridge_agent", s(BRIDGE_AGENT)),
        ("max_length", J::Int(i64::from(worker.max_length))),
        (
            "max_context_length",
            J::Int(i64::from(worker.max_context_length)),
        ),
        ("tokens_generated", J::Float(1_000_000.0)),
    ])
}

/// Who a key belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum User {
    Anonymous,
    Registered,
}

/// The user of `apikey`, if any: anonymous, the configured key, or any key without one.
fn user(opts: &FakeOptions, key: &str) -> Option<User> {
    if key == HORDE_ANONYMOUS_KEY {
        return Some(User::Anonymous);
    }
    match opts.api_key.as_deref() {
        Some(expected) if expected != key => None,
        _ => Some(User::Registered),
    }
}

fn find_user(opts: &FakeOptions, scenario: Scenario, req: &RecordedRequest) -> Reply {
    let key = req.header("apikey").unwrap_or_default();
    if scenario == Scenario::Unauthorized || key.is_empty() {
        return invalid_api_key();
    }
    let Some(user) = user(opts, key) else {
        let text = format!("User with api_key '{key}' not found.");
        return error(StatusCode::NOT_FOUND, &text, "UserNotFound");
    };
    let (username, id, kudos, pseudonymous) = match user {
        User::Anonymous => ("Anonymous#0", 0, 0.0, true),
        User::Registered => (HORDE_USERNAME, 4242, HORDE_USER_KUDOS, false),
    };
    let things = || obj([("megapixelsteps", J::Float(0.0)), ("tokens", J::Int(0))]);
    let amounts = || {
        obj([
            ("image", J::Int(0)),
            ("text", J::Int(0)),
            ("interrogation", J::Int(0)),
        ])
    };
    let body = obj([
        ("username", s(username)),
        ("id", J::Int(id)),
        ("kudos", J::Float(kudos)),
        ("concurrency", J::Int(concurrency(user))),
        ("worker_invited", J::Int(0)),
        ("moderator", J::Bool(false)),
        (
            "kudos_details",
            obj([
                ("accumulated", J::Float(kudos)),
                ("gifted", J::Float(0.0)),
                ("donated", J::Float(0.0)),
                ("admin", J::Float(0.0)),
                ("received", J::Float(0.0)),
                ("recurring", J::Float(0.0)),
                ("awarded", J::Float(0.0)),
            ]),
        ),
        ("worker_count", J::Int(0)),
        ("trusted", J::Bool(false)),
        ("flagged", J::Bool(false)),
        ("pseudonymous", J::Bool(pseudonymous)),
        ("account_age", J::Int(8_640_000)),
        (
            "records",
            obj([
                ("usage", things()),
                ("contribution", things()),
                ("fulfillment", amounts()),
                ("request", amounts()),
            ]),
        ),
    ]);
    answer(StatusCode::OK, &body)
}

/// How many requests a user may have waiting.
fn concurrency(user: User) -> i64 {
    match user {
        User::Anonymous => 3,
        User::Registered => 30,
    }
}

/// Python's `repr` of a JSON value, as jsonschema's messages show it.
fn py(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) => format!("{f:?}"),
            _ => n.to_string(),
        },
        Value::String(text) => {
            let quote = if text.contains('\'') && !text.contains('"') {
                '"'
            } else {
                '\''
            };
            let mut out = String::from(quote);
            for c in text.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if c == quote => {
                        out.push('\\');
                        out.push(c);
                    }
                    c => out.push(c),
                }
            }
            out.push(quote);
            out
        }
        Value::Array(items) => format!("[{}]", items.iter().map(py).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => {
            let pairs: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", py(&Value::String(k.clone())), py(v)))
                .collect();
            format!("{{{}}}", pairs.join(", "))
        }
    }
}

/// The payload checks of Flask-RESTX's `validate=True` (jsonschema Draft 4 on Horde's model),
/// in the order of the model's properties.
fn payload_errors(body: &Value) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    let Some(map) = body.as_object() else {
        errors.push((String::new(), not_of_type(body, "object")));
        return errors;
    };
    let mut check = |path: &str, value: Option<&Value>, kind: Kind| {
        if let Some(value) = value {
            errors.extend(kind.errors(path, value));
        }
    };
    check("prompt", map.get("prompt"), Kind::String);
    match map.get("params") {
        Some(params) if params.is_object() => {
            check(
                "params.stop_sequence",
                params.get("stop_sequence"),
                Kind::Strings,
            );
            check("params.n", params.get("n"), Kind::Integer(1, 20));
            check(
                "params.max_context_length",
                params.get("max_context_length"),
                Kind::Integer(80, 1_048_576),
            );
            check(
                "params.max_length",
                params.get("max_length"),
                Kind::Integer(16, 4096),
            );
        }
        params => check("params", params, Kind::Object),
    }
    check("trusted_workers", map.get("trusted_workers"), Kind::Boolean);
    check("workers", map.get("workers"), Kind::Strings);
    check(
        "worker_blacklist",
        map.get("worker_blacklist"),
        Kind::Boolean,
    );
    check("models", map.get("models"), Kind::Strings);
    check("dry_run", map.get("dry_run"), Kind::Boolean);
    errors
}

/// jsonschema's "<repr> is not of type '<kind>'".
fn not_of_type(value: &Value, kind: &str) -> String {
    format!("{} is not of type '{kind}'", py(value))
}

/// A schema type, for [`payload_errors`].
#[derive(Clone, Copy, Debug)]
enum Kind {
    String,
    Boolean,
    Object,
    /// An integer within the bounds (inclusive).
    Integer(i64, i64),
    /// A list of strings.
    Strings,
}

impl Kind {
    fn errors(self, path: &str, value: &Value) -> Vec<(String, String)> {
        let error = |message: String| vec![(path.to_owned(), message)];
        match self {
            Kind::String if !value.is_string() => error(not_of_type(value, "string")),
            Kind::Boolean if !value.is_boolean() => error(not_of_type(value, "boolean")),
            Kind::Object if !value.is_object() => error(not_of_type(value, "object")),
            Kind::Integer(min, max) => match value.as_i64().filter(|_| !value.is_f64()) {
                None => error(not_of_type(value, "integer")),
                Some(n) if n < min => error(format!("{n} is less than the minimum of {min}")),
                Some(n) if n > max => error(format!("{n} is greater than the maximum of {max}")),
                Some(_) => Vec::new(),
            },
            Kind::Strings => match value.as_array() {
                None => error(not_of_type(value, "array")),
                Some(items) => items
                    .iter()
                    .enumerate()
                    .filter(|(_, item)| !item.is_string())
                    .map(|(i, item)| (format!("{path}.{i}"), not_of_type(item, "string")))
                    .collect(),
            },
            Kind::String | Kind::Boolean | Kind::Object => Vec::new(),
        }
    }
}

/// What a submitted request asks for (after validation).
#[derive(Debug)]
struct Request {
    models: Vec<String>,
    workers: Vec<String>,
    blacklist: bool,
    trusted_only: bool,
    max_length: u32,
    max_context_length: u32,
    stops: Vec<String>,
}

impl Request {
    fn of(body: &Value) -> Request {
        let strings = |value: Option<&Value>| -> Vec<String> {
            value
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let params = body.get("params");
        let number = |field: &str, default: u32| {
            params
                .and_then(|p| p.get(field)?.as_u64())
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(default)
        };
        let flag = |field: &str| body.get(field).and_then(Value::as_bool) == Some(true);
        Request {
            models: strings(body.get("models")),
            workers: strings(body.get("workers")),
            blacklist: flag("worker_blacklist"),
            trusted_only: flag("trusted_workers"),
            max_length: number("max_length", DEFAULT_MAX_LENGTH),
            max_context_length: number("max_context_length", DEFAULT_MAX_CONTEXT_LENGTH),
            stops: strings(params.and_then(|p| p.get("stop_sequence"))),
        }
    }

    /// The first requested model a capable worker serves, and that worker.
    fn served_by(&self, listed: &[(HordeWorker, Vec<String>)]) -> Option<(String, HordeWorker)> {
        let capable = |worker: &HordeWorker| {
            let named = self.workers.iter().any(|id| id == worker.id);
            (self.workers.is_empty() || named != self.blacklist)
                && (!self.trusted_only || worker.trusted)
                && self.max_length <= worker.max_length
                && self.max_context_length <= worker.max_context_length
        };
        let wanted: Vec<&String> = if self.models.is_empty() {
            listed.iter().flat_map(|(_, models)| models).collect()
        } else {
            self.models.iter().collect()
        };
        wanted.into_iter().find_map(|model| {
            listed
                .iter()
                .find(|(worker, models)| models.contains(model) && capable(worker))
                .map(|(worker, _)| (model.clone(), *worker))
        })
    }

    /// The text cut after `max_length` fake tokens and after the first stop sequence (kept).
    fn limit(&self, text: &str) -> String {
        let toks = tokens(text);
        let max = usize::try_from(self.max_length).unwrap_or(usize::MAX);
        let mut out = if toks.len() > max {
            toks[..max].concat()
        } else {
            text.to_owned()
        };
        let hit = self
            .stops
            .iter()
            .filter(|stop| !stop.is_empty())
            .filter_map(|stop| out.find(stop.as_str()).map(|at| at + stop.len()))
            .min();
        if let Some(end) = hit {
            out.truncate(end);
        }
        out
    }
}

fn submit(
    opts: &FakeOptions,
    scenario: Scenario,
    reply: &str,
    req: &RecordedRequest,
    state: &State,
) -> Reply {
    let Some(body) = req.json() else {
        return message(StatusCode::BAD_REQUEST, BAD_JSON);
    };
    let errors = payload_errors(&body);
    if !errors.is_empty() {
        return invalid(errors);
    }
    let Some(key) = req.header("apikey") else {
        return invalid(vec![("apikey".into(), APIKEY_MISSING.into())]);
    };
    let Some(prompt) = body.get("prompt").and_then(Value::as_str) else {
        return invalid(vec![("prompt".into(), PROMPT_MISSING.into())]);
    };
    if scenario == Scenario::Overloaded {
        return error(StatusCode::BAD_REQUEST, MAINTENANCE, "MaintenanceMode");
    }
    let user = match user(opts, key) {
        Some(user) if scenario != Scenario::Unauthorized => user,
        _ => return invalid_api_key(),
    };
    if prompt.is_empty() {
        let text = "You cannot specify an empty prompt.";
        return error(StatusCode::BAD_REQUEST, text, "MissingPrompt");
    }
    let request = Request::of(&body);
    if let Some(unknown) = request
        .workers
        .iter()
        .find(|id| !HORDE_WORKERS.iter().any(|w| w.id == id.as_str()))
    {
        let text = format!("Worker with ID '{unknown}' not found.");
        return error(StatusCode::NOT_FOUND, &text, "WorkerNotFound");
    }
    if matches!(
        scenario,
        Scenario::RateLimited | Scenario::RateLimitedNoRetryAfter
    ) {
        let limit = concurrency(user);
        let text = match user {
            User::Anonymous => format!("Too many anonymous requests on using the AI Horde currently ({}/{limit}). Please consider getting a personal API key at https://aihorde.net/register which will also provide higher priority.", limit + 1),
            User::Registered => format!("Parallel requests ({}) exceeded user limit ({limit}). Please try again later or request to increase your concurrency.", limit + 1),
        };
        let reply = error(StatusCode::TOO_MANY_REQUESTS, &text, "TooManyPrompts");
        return match scenario {
            Scenario::RateLimited => reply.with_header("retry-after", "7"),
            _ => reply,
        };
    }
    if body.get("dry_run").and_then(Value::as_bool) == Some(true) {
        return answer(StatusCode::OK, &obj([("kudos", J::Float(KUDOS))]));
    }
    let served = request.served_by(&workers(opts, scenario));
    let possible = served.is_some() && scenario != Scenario::ModelNotFound;
    let text = match scenario {
        Scenario::Slow => slow_reply_text(),
        Scenario::Reasoning | Scenario::ReasoningOpenRouter => {
            format!("<think>{REASONING_TEXT}</think>{reply}")
        }
        _ => reply.to_owned(),
    };
    let generation = served.map(|(model, worker)| Generation {
        text: request.limit(&text),
        model,
        worker,
    });
    let id = state.next_id();
    let job = Job {
        plan: if possible {
            plan(scenario, opts.slow_delay)
        } else {
            vec![Poll::Impossible]
        },
        polls: 0,
        generation,
        delay: (scenario == Scenario::Slow).then_some(opts.slow_delay),
    };
    lock(&state.jobs).insert(id.clone(), job);
    let body = if possible {
        obj([("id", s(id)), ("kudos", J::Float(KUDOS))])
    } else {
        obj([
            ("id", s(id)),
            ("kudos", J::Float(KUDOS)),
            ("message", s(NO_WORKERS)),
        ])
    };
    answer(StatusCode::ACCEPTED, &body)
}

/// The status polls of a possible request in a scenario.
fn plan(scenario: Scenario, slow_delay: Duration) -> Vec<Poll> {
    let (queue, unit) = match scenario {
        Scenario::Slow => (HORDE_SLOW_POLLS, slow_delay.as_secs_f64()),
        Scenario::Stall => (1, STEP_SECONDS),
        _ => (HORDE_QUEUE_POLLS, STEP_SECONDS),
    };
    // Whole seconds left, counting this step; at least 1 while not done.
    let wait = |steps_left: usize| ((steps_left as f64) * unit).ceil().max(1.0) as i64;
    let mut plan: Vec<Poll> = (0..queue)
        .map(|i| Poll::Waiting {
            queue_position: (queue - i) as i64,
            wait_time: wait(queue - i + 1),
            restarted: 0,
        })
        .collect();
    if scenario == Scenario::Stall {
        plan.push(Poll::Hang);
        return plan;
    }
    plan.push(Poll::Processing {
        wait_time: wait(1),
        restarted: 0,
    });
    let end = match scenario {
        Scenario::KeepAlive => {
            plan.push(Poll::Waiting {
                queue_position: 1,
                wait_time: wait(2),
                restarted: 1,
            });
            plan.push(Poll::Processing {
                wait_time: wait(1),
                restarted: 1,
            });
            Poll::Done
        }
        Scenario::MidStreamError | Scenario::MidStreamErrorOpenRouter => Poll::Faulted,
        Scenario::Truncated => Poll::Cut,
        Scenario::EofNoDone => Poll::Gone,
        _ => Poll::Done,
    };
    plan.push(end);
    plan
}

/// `RequestStatusKobold`, as of one step.
fn status_body(poll: Poll, generation: Option<&Generation>) -> J {
    let mut generations = Vec::new();
    let (mut finished, mut processing, mut restarted, mut waiting) = (0, 0, 0, 0);
    let (mut done, mut faulted, mut is_possible) = (false, false, true);
    let (mut wait_time, mut queue_position, mut kudos) = (0, 0, 0.0);
    match poll {
        Poll::Waiting {
            queue_position: position,
            wait_time: wait,
            restarted: again,
        } => {
            (waiting, queue_position, wait_time, restarted) = (1, position, wait, again);
        }
        Poll::Processing {
            wait_time: wait,
            restarted: again,
        } => (processing, wait_time, restarted) = (1, wait, again),
        Poll::Cut | Poll::Hang | Poll::Gone => (processing, wait_time) = (1, 1),
        Poll::Done => {
            (finished, done, kudos) = (1, true, KUDOS);
            if let Some(generation) = generation {
                generations.push(obj([
                    ("worker_id", s(generation.worker.id)),
                    ("worker_name", s(generation.worker.name)),
                    ("model", s(generation.model.as_str())),
                    ("state", s("ok")),
                    ("text", s(generation.text.as_str())),
                    ("seed", J::Int(0)),
                    ("gen_metadata", J::Arr(Vec::new())),
                ]));
            }
        }
        Poll::Faulted => faulted = true,
        Poll::Impossible => (waiting, is_possible) = (1, false),
    }
    obj([
        ("finished", J::Int(finished)),
        ("processing", J::Int(processing)),
        ("restarted", J::Int(restarted)),
        ("waiting", J::Int(waiting)),
        ("done", J::Bool(done)),
        ("faulted", J::Bool(faulted)),
        ("wait_time", J::Int(wait_time)),
        ("queue_position", J::Int(queue_position)),
        ("kudos", J::Float(kudos)),
        ("is_possible", J::Bool(is_possible)),
        ("generations", J::Arr(generations)),
    ])
}

fn request_not_found(id: &str, delete: bool) -> Reply {
    let kind = if delete { "Delete" } else { "Status" };
    let text = format!("Text Waiting Prompt ({kind}) with ID '{id}' not found.");
    error(StatusCode::NOT_FOUND, &text, "RequestNotFound")
}

/// `GET` (one step further) or `DELETE` (cancel) of a request's status.
fn status(state: &State, id: &str, delete: bool) -> Reply {
    let mut jobs = lock(&state.jobs);
    let Some(job) = jobs.get_mut(id) else {
        return request_not_found(id, delete);
    };
    let last = job.plan.len() - 1;
    if delete {
        let poll = job.plan[job.polls.saturating_sub(1).min(last)];
        if poll == Poll::Gone {
            return request_not_found(id, delete);
        }
        let body = status_body(poll, job.generation.as_ref());
        jobs.remove(id);
        drop(jobs);
        lock(&state.cancels).push(id.to_owned());
        return answer(StatusCode::OK, &body);
    }
    let poll = job.plan[job.polls.min(last)];
    job.polls += 1;
    let body = status_body(poll, job.generation.as_ref());
    match poll {
        Poll::Gone => request_not_found(id, delete),
        Poll::Hang => Reply::json(StatusCode::OK, Bytes::new()).with_frames(vec![Frame::Hang]),
        Poll::Cut => {
            let done = status_body(Poll::Done, job.generation.as_ref()).render(FMT);
            let half = done.as_bytes()[..done.len() / 2].to_vec();
            let pieces = vec![Piece::Bytes(half), Piece::Abort];
            Reply::json(StatusCode::OK, Bytes::new()).with_frames(frames(pieces, None))
        }
        _ => match job.delay {
            Some(delay) => delayed(answer(StatusCode::OK, &body), delay),
            None => answer(StatusCode::OK, &body),
        },
    }
}

/// Holds a whole answer back for `delay`.
fn delayed(mut reply: Reply, delay: Duration) -> Reply {
    let ReplyBody::Full(done) = reply.body else {
        return reply;
    };
    // Nobody can stop it: the sender is gone, so the wait always runs out.
    let (_, stop) = watch::channel(false);
    reply.body = ReplyBody::Deferred {
        steps: vec![Step {
            wait: Some(delay),
            if_stopped: Bytes::new(),
        }],
        done,
        stop,
        progress: None,
    };
    reply
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn limits_are_the_minimum_over_the_workers() {
        let min = |first: bool| {
            HORDE_WORKERS
                .iter()
                .filter(|w| w.serves_first_model == first)
                .fold((u32::MAX, u32::MAX), |(c, l), w| {
                    (c.min(w.max_context_length), l.min(w.max_length))
                })
        };
        assert_eq!(min(true), HORDE_FIRST_MODEL_LIMITS);
        assert_eq!(min(false), HORDE_OTHER_MODELS_LIMITS);
    }

    #[test]
    fn payload_errors_speak_jsonschema() {
        let body = json!({"prompt": 1, "params": {"max_length": 5, "max_context_length": 2_000_000,
                          "n": 1.0, "stop_sequence": ["a", 2]}, "models": "x", "dry_run": "no"});
        assert_eq!(
            payload_errors(&body),
            [
                ("prompt", "1 is not of type 'string'"),
                ("params.stop_sequence.1", "2 is not of type 'string'"),
                ("params.n", "1.0 is not of type 'integer'"),
                (
                    "params.max_context_length",
                    "2000000 is greater than the maximum of 1048576"
                ),
                ("params.max_length", "5 is less than the minimum of 16"),
                ("models", "'x' is not of type 'array'"),
                ("dry_run", "'no' is not of type 'boolean'"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert!(payload_errors(&json!({"prompt": "hi", "params": {"max_length": 16}})).is_empty());
        assert_eq!(py(&json!(["it's", null, true])), "[\"it's\", None, True]");
    }

    #[test]
    fn the_stop_sequence_stays_in_the_text() {
        let request = Request::of(&json!({"params": {"stop_sequence": ["\nUser:", "o w"]}}));
        assert_eq!(request.limit("Hello world\nUser: more"), "Hello w");
        let request = Request::of(&json!({"params": {"max_length": 2}}));
        assert_eq!(request.limit("a b c"), "a b ");
    }

    #[test]
    fn a_normal_plan_counts_down() {
        assert_eq!(
            plan(Scenario::Normal, Duration::from_millis(30)),
            [
                Poll::Waiting {
                    queue_position: 2,
                    wait_time: 15,
                    restarted: 0
                },
                Poll::Waiting {
                    queue_position: 1,
                    wait_time: 10,
                    restarted: 0
                },
                Poll::Processing {
                    wait_time: 5,
                    restarted: 0
                },
                Poll::Done,
            ]
        );
    }
}
