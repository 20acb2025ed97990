//! Google's Gemini API ([`Family::Gemini`](crate::Family::Gemini)): Google AI Studio's
//! `…/models`, `…/models/{model}` and `…/models/{model}:{method}`, and the same methods under
//! Vertex AI's `…/publishers/google/models/{model}:{method}` (express mode, and under
//! `…/projects/{p}/locations/{r}/` with a project), as Google's reference pages
//! (ai.google.dev/api/generate-content, ai.google.dev/api/models, Vertex AI's express mode REST
//! reference) and a recorded stream (`tests/fixtures/recorded/gemini/`) give them.
//!
//! **Bytes.** A stream (`…:streamGenerateContent?alt=sse`) is `text/event-stream`, each event
//! `data: <chunk>\r\n\r\n`, the chunk written as Google's servers write it: `": "` after a key,
//! `,` alone between items (`{"candidates": [{"content": {"parts": [{"text": "Hi"}],"role":
//! "model"},"index": 0}],"usageMetadata": {…},"modelVersion": "…","responseId": "…"}`). There
//! is no `[DONE]`: the chunk with `finishReason` is the last and the body ends. Whole answers
//! and errors are `application/json; charset=UTF-8`, pretty-printed with two spaces. Errors are
//! `{"error": {"code", "message", "status", "details"?}}`. Empty lists are left out (proto3
//! JSON): an empty model list is `{}`.
//!
//! **Sign-in.** With [`FakeOptions::api_key`] every route wants `x-goog-api-key: <key>` (or,
//! on Vertex AI's project routes, `Authorization: Bearer <key>`); a wrong key is 400
//! `INVALID_ARGUMENT` "API key not valid…" (`API_KEY_INVALID`), none at all 403
//! `PERMISSION_DENIED`, as Google answers.
//!
//! **The model list** pages by `pageToken`/`nextPageToken`, [`GEMINI_PAGE_SIZE`] models a page
//! whatever `pageSize` asks (the API may return fewer), and lists [`FakeOptions::models`] (all
//! with `generateContent`) and [`GEMINI_EMBEDDING_MODEL`] (only `embedContent`).
//!
//! **Prompts.** A request whose last user text contains [`GEMINI_BLOCKED_WORD`] is blocked:
//! the answer (a single chunk, or the whole answer) has only `promptFeedback.blockReason:
//! "SAFETY"`; one with [`GEMINI_SAFETY_WORD`] gets [`PARTIAL_TEXT`] then `finishReason:
//! "SAFETY"`.
//!
//! | Scenario | Streamed | Whole (`…:generateContent`) |
//! | --- | --- | --- |
//! | `normal`, `usage`, `usage-null-choices`, `keep-alive` | the reply in five chunks, the last with `finishReason: "STOP"` | one answer, `STOP` |
//! | `slow` | [`SLOW_PIECES`](crate::SLOW_PIECES) chunks `slow_delay` apart | one answer |
//! | `split` | the normal stream cut at hostile offsets | normal |
//! | `reasoning`, `reasoning-open-router` | [`REASONING_TEXT`] in `"thought": true` parts, the reply, a last `{"text": "","thoughtSignature": GEMINI_THOUGHT_SIGNATURE}` part | the thought part, the reply part carrying the signature |
//! | `mid-stream-error`, `mid-stream-error-open-router` | [`PARTIAL_TEXT`], then `{"error": {"code": 500, …,"status": "INTERNAL"}}`, end | 500 `INTERNAL` |
//! | `truncated` | [`PARTIAL_TEXT`], half a chunk, abort | half the answer, abort |
//! | `eof-no-done` | [`PARTIAL_TEXT`] and the end of the body, no `finishReason` | an answer without `finishReason` |
//! | `done-no-blank-line` | `MAX_TOKENS`, the last chunk without its `\r\n\r\n` | `MAX_TOKENS` |
//! | `stall` / `stall-before-headers` | [`PARTIAL_TEXT`], then silence / nothing at all | silence / nothing |
//! | `unauthorized` | 400 `API_KEY_INVALID` on every route | same |
//! | `model-not-found` | 404 `NOT_FOUND` "models/x is not found for API version v1beta…" | same |
//! | `rate-limited` / `…-no-retry-after` | 429 `RESOURCE_EXHAUSTED` with / without a `RetryInfo` of 7 s | same |
//! | `overloaded` | 503 `UNAVAILABLE` "The model is overloaded…" | same |
//! | `server-error-html` | 500 nginx HTML page (every route) | same |
//! | `no-models-route` / `empty-models` | normal (`…/models`: 404 / `{}`) | normal |

use axum::http::StatusCode;
use serde_json::Value;

use crate::json::{obj, s, Fmt, J};
use crate::reply::{frames, Piece, Reply, NGINX_500};
use crate::server::{mounted, RecordedRequest};
use crate::sse::{hostile_frames, stream_frames};
use crate::{pieces, slow_pieces, FakeOptions, Scenario, PARTIAL_TEXT, REASONING_TEXT};

/// The `thoughtSignature` of [`Scenario::Reasoning`]'s reply: a client sends it back.
pub const GEMINI_THOUGHT_SIGNATURE: &str = "CiQB0e2Kb3Rlc3Qtc2lnbmF0dXJlLW9mLWEtdGhvdWdodC1wYXJ0";
/// A last user text containing this is blocked (`promptFeedback.blockReason: "SAFETY"`).
pub const GEMINI_BLOCKED_WORD: &str = "forbidden-topic";
/// A last user text containing this gets a reply cut with `finishReason: "SAFETY"`.
pub const GEMINI_SAFETY_WORD: &str = "risky-topic";
/// The model the list has besides [`FakeOptions::models`], which cannot `generateContent`.
pub const GEMINI_EMBEDDING_MODEL: &str = "text-embedding-004";
/// How many models a page of the list holds at most.
pub const GEMINI_PAGE_SIZE: usize = 2;
/// The `inputTokenLimit` of every listed model.
pub const GEMINI_INPUT_LIMIT: i64 = 1_048_576;
/// The message of [`Scenario::MidStreamError`]'s error chunk (Google's wording for `INTERNAL`).
pub const GEMINI_INTERNAL_ERROR: &str = "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting";
/// The message of a wrong key.
pub const GEMINI_BAD_KEY: &str = "API key not valid. Please pass a valid API key.";

const RESPONSE_ID: &str = "WEXbaMnpF7iPjMcP27mckQE";
const JSON: &str = "application/json; charset=UTF-8";
const SSE: &str = "text/event-stream";
const PROMPT_TOKENS: i64 = 12;
/// The `thoughtsTokenCount` of a reply that thought.
const THOUGHT_TOKENS: i64 = 21;
/// How many bytes of the next chunk `truncated` sends before aborting.
const CUT_AT: usize = 40;

/// Renders as Google's streams do: `": "` after keys, `,` alone between items.
fn stream_json(value: &J) -> String {
    let mut out = String::new();
    write_google(value, None, 0, &mut out);
    out
}

/// Renders as Google's whole answers are: two-space indentation, `": "` after keys.
fn pretty_json(value: &J) -> String {
    let mut out = String::new();
    write_google(value, Some(2), 0, &mut out);
    out.push('\n');
    out
}

fn write_google(value: &J, indent: Option<usize>, depth: usize, out: &mut String) {
    let newline = |out: &mut String, depth: usize| {
        if let Some(step) = indent {
            out.push('\n');
            out.push_str(&" ".repeat(step * depth));
        }
    };
    let items: Vec<(Option<String>, &J)> = match value {
        J::Arr(items) => items.iter().map(|item| (None, item)).collect(),
        J::Obj(pairs) => pairs
            .iter()
            .map(|(k, v)| (Some((*k).to_owned()), v))
            .collect(),
        J::Map(pairs) => pairs.iter().map(|(k, v)| (Some(k.clone()), v)).collect(),
        leaf => {
            out.push_str(&leaf.render(Fmt::COMPACT));
            return;
        }
    };
    let (open, close) = if matches!(value, J::Arr(_)) {
        ('[', ']')
    } else {
        ('{', '}')
    };
    out.push(open);
    for (i, (key, item)) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        newline(out, depth + 1);
        if let Some(key) = key {
            out.push_str(&s(key.as_str()).render(Fmt::COMPACT));
            out.push_str(": ");
        }
        write_google(item, indent, depth + 1, out);
    }
    if !items.is_empty() {
        newline(out, depth);
    }
    out.push(close);
}

/// Google's error body.
fn error_body(code: u16, status: &str, message: &str, details: Vec<J>) -> J {
    let mut error = vec![
        ("code", J::Int(i64::from(code))),
        ("message", s(message)),
        ("status", s(status)),
    ];
    if !details.is_empty() {
        error.push(("details", J::Arr(details)));
    }
    obj([("error", J::Obj(error))])
}

pub(crate) fn error(code: StatusCode, status: &str, message: &str, details: Vec<J>) -> Reply {
    let body = error_body(code.as_u16(), status, message, details);
    Reply::full(code, JSON, pretty_json(&body))
}

fn bad_key() -> Reply {
    let info = obj([
        ("@type", s("type.googleapis.com/google.rpc.ErrorInfo")),
        ("reason", s("API_KEY_INVALID")),
        ("domain", s("googleapis.com")),
        (
            "metadata",
            obj([("service", s("generativelanguage.googleapis.com"))]),
        ),
    ]);
    error(
        StatusCode::BAD_REQUEST,
        "INVALID_ARGUMENT",
        GEMINI_BAD_KEY,
        vec![info],
    )
}

fn not_found(message: &str) -> Reply {
    error(StatusCode::NOT_FOUND, "NOT_FOUND", message, Vec::new())
}

/// The routes, by how the path ends.
#[derive(Debug, PartialEq, Eq)]
enum Route {
    List,
    Model(String),
    Method {
        model: String,
        method: String,
        vertex_project: bool,
    },
}

impl Route {
    fn of(path: &str) -> Option<Route> {
        let path = path.strip_suffix('/').unwrap_or(path);
        if path.ends_with("/models") {
            return Some(Route::List);
        }
        let (before, last) = path.rsplit_once("/models/")?;
        match last.split_once(':') {
            Some((model, method)) => Some(Route::Method {
                model: model.to_owned(),
                method: method.to_owned(),
                vertex_project: before.contains("/projects/") && before.contains("/locations/"),
            }),
            None => Some(Route::Model(last.to_owned())),
        }
    }
}

/// Whether the request signs in with the configured key.
fn signed_in(opts: &FakeOptions, req: &RecordedRequest, vertex_project: bool) -> Option<Reply> {
    let key = opts.api_key.as_deref()?;
    let header = req.header("x-goog-api-key");
    let bearer = req
        .header("authorization")
        .and_then(|v| v.strip_prefix("Bearer "));
    if header == Some(key) || (vertex_project && bearer == Some(key)) {
        return None;
    }
    if header.is_none() && bearer.is_none() {
        return Some(error(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
            Vec::new(),
        ));
    }
    Some(bad_key())
}

/// Answers one request of the Gemini family.
pub(crate) fn respond(
    opts: &FakeOptions,
    scenario: Scenario,
    reply: &str,
    req: &RecordedRequest,
) -> Reply {
    if !mounted(opts, &req.path) {
        return not_found("Not found");
    }
    if scenario == Scenario::StallBeforeHeaders {
        return Reply::never();
    }
    if scenario == Scenario::ServerErrorHtml {
        return Reply::full(StatusCode::INTERNAL_SERVER_ERROR, "text/html", NGINX_500);
    }
    let Some(route) = Route::of(&req.path) else {
        return not_found(&format!("The requested URL {} was not found.", req.path));
    };
    let vertex_project = matches!(
        route,
        Route::Method {
            vertex_project: true,
            ..
        }
    );
    if scenario == Scenario::Unauthorized {
        return bad_key();
    }
    if let Some(refused) = signed_in(opts, req, vertex_project) {
        return refused;
    }
    match (req.method.as_str(), route) {
        ("GET", Route::List) => match scenario {
            Scenario::NoModelsRoute => not_found("Method not found."),
            Scenario::EmptyModels => Reply::full(StatusCode::OK, JSON, "{}\n"),
            _ => list(opts, req.query.as_deref()),
        },
        ("GET", Route::Model(model)) => {
            if known(opts, &model) {
                Reply::full(
                    StatusCode::OK,
                    JSON,
                    pretty_json(&model_entry(&model, true)),
                )
            } else {
                not_found(&format!("models/{model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods."))
            }
        }
        ("POST", Route::Method { model, method, .. }) => {
            generation(opts, scenario, reply, req, &model, &method)
        }
        _ => not_found("Method not found."),
    }
}

fn known(opts: &FakeOptions, model: &str) -> bool {
    opts.models.iter().any(|m| m == model)
}

fn display_name(id: &str) -> String {
    id.split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One model as `models.get` and `models.list` describe it.
fn model_entry(id: &str, generates: bool) -> J {
    let methods = if generates {
        vec![s("generateContent"), s("countTokens")]
    } else {
        vec![s("embedContent")]
    };
    obj([
        ("name", s(format!("models/{id}"))),
        ("version", s("001")),
        ("displayName", s(display_name(id))),
        ("description", s(format!("A fake model, {id}."))),
        ("inputTokenLimit", J::Int(GEMINI_INPUT_LIMIT)),
        ("outputTokenLimit", J::Int(65_536)),
        ("supportedGenerationMethods", J::Arr(methods)),
        ("temperature", J::Int(1)),
        ("topP", J::Float(0.95)),
        ("topK", J::Int(64)),
        ("maxTemperature", J::Int(2)),
    ])
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// `GET …/models`, [`GEMINI_PAGE_SIZE`] a page; the token is the index of the page's first model.
fn list(opts: &FakeOptions, query: Option<&str>) -> Reply {
    let mut all: Vec<J> = opts.models.iter().map(|m| model_entry(m, true)).collect();
    all.push(model_entry(GEMINI_EMBEDDING_MODEL, false));
    let start = match query_param(query, "pageToken") {
        None => 0,
        Some(token) => match token
            .strip_prefix("page")
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(start) if start < all.len() => start,
            _ => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_ARGUMENT",
                    "Invalid page token.",
                    Vec::new(),
                )
            }
        },
    };
    let asked = query_param(query, "pageSize")
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(50);
    let end = (start + asked.min(GEMINI_PAGE_SIZE)).min(all.len());
    let mut body = vec![("models", J::Arr(all[start..end].to_vec()))];
    if end < all.len() {
        body.push(("nextPageToken", s(format!("page{end}"))));
    }
    Reply::full(StatusCode::OK, JSON, pretty_json(&J::Obj(body)))
}

/// The last user turn's text.
fn last_user_text(body: &Value) -> String {
    body.get("contents")
        .and_then(Value::as_array)
        .and_then(|turns| {
            turns
                .iter()
                .rev()
                .find(|t| t.get("role").and_then(Value::as_str) != Some("model"))
        })
        .and_then(|t| t.get("parts")?.as_array().cloned())
        .map(|parts| {
            parts
                .iter()
                .filter_map(|p| p.get("text")?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// One part to send: text, whether it is a thought, and a signature.
struct Part {
    text: String,
    thought: bool,
    signature: Option<&'static str>,
}

fn text(text: impl Into<String>) -> Part {
    Part {
        text: text.into(),
        thought: false,
        signature: None,
    }
}

fn part_json(part: &Part) -> J {
    let mut fields = vec![("text", s(part.text.as_str()))];
    if part.thought {
        fields.push(("thought", J::Bool(true)));
    }
    if let Some(signature) = part.signature {
        fields.push(("thoughtSignature", s(signature)));
    }
    J::Obj(fields)
}

/// One answer object: the candidate's parts and finish, the usage so far (the thinking's
/// tokens too, when the model thought), the model.
fn answer(
    model: &str,
    parts: &[Part],
    finish: Option<&str>,
    output_tokens: i64,
    thought_tokens: Option<i64>,
) -> J {
    let mut candidate = vec![(
        "content",
        obj([
            ("parts", J::Arr(parts.iter().map(part_json).collect())),
            ("role", s("model")),
        ]),
    )];
    if let Some(finish) = finish {
        candidate.push(("finishReason", s(finish)));
    }
    candidate.push(("index", J::Int(0)));
    let mut usage = vec![("promptTokenCount", J::Int(PROMPT_TOKENS))];
    if output_tokens > 0 {
        usage.push(("candidatesTokenCount", J::Int(output_tokens)));
    }
    let thoughts = thought_tokens.unwrap_or(0);
    usage.push((
        "totalTokenCount",
        J::Int(PROMPT_TOKENS + output_tokens + thoughts),
    ));
    usage.push((
        "promptTokensDetails",
        J::Arr(vec![obj([
            ("modality", s("TEXT")),
            ("tokenCount", J::Int(PROMPT_TOKENS)),
        ])]),
    ));
    if let Some(thoughts) = thought_tokens {
        usage.push(("thoughtsTokenCount", J::Int(thoughts)));
    }
    obj([
        ("candidates", J::Arr(vec![J::Obj(candidate)])),
        ("usageMetadata", J::Obj(usage)),
        ("modelVersion", s(model)),
        ("responseId", s(RESPONSE_ID)),
    ])
}

fn blocked(model: &str) -> J {
    let ratings = [
        "HARM_CATEGORY_SEXUALLY_EXPLICIT",
        "HARM_CATEGORY_HATE_SPEECH",
        "HARM_CATEGORY_HARASSMENT",
        "HARM_CATEGORY_DANGEROUS_CONTENT",
    ]
    .iter()
    .map(|category| {
        let probability = if *category == "HARM_CATEGORY_DANGEROUS_CONTENT" {
            "HIGH"
        } else {
            "NEGLIGIBLE"
        };
        obj([("category", s(*category)), ("probability", s(probability))])
    })
    .collect();
    obj([
        (
            "promptFeedback",
            obj([
                ("blockReason", s("SAFETY")),
                ("safetyRatings", J::Arr(ratings)),
            ]),
        ),
        (
            "usageMetadata",
            obj([
                ("promptTokenCount", J::Int(PROMPT_TOKENS)),
                ("totalTokenCount", J::Int(PROMPT_TOKENS)),
            ]),
        ),
        ("modelVersion", s(model)),
        ("responseId", s(RESPONSE_ID)),
    ])
}

fn generation(
    opts: &FakeOptions,
    scenario: Scenario,
    reply: &str,
    req: &RecordedRequest,
    model: &str,
    method: &str,
) -> Reply {
    let Some(body) = req.json() else {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            "Invalid JSON payload received. Unexpected token.",
            Vec::new(),
        );
    };
    if scenario == Scenario::ModelNotFound || !known(opts, model) {
        return not_found(&format!("models/{model} is not found for API version v1beta, or is not supported for {method}. Call ListModels to see the list of available models and their supported methods."));
    }
    match scenario {
        Scenario::RateLimited | Scenario::RateLimitedNoRetryAfter => {
            let details = if scenario == Scenario::RateLimited {
                vec![obj([
                    ("@type", s("type.googleapis.com/google.rpc.RetryInfo")),
                    ("retryDelay", s("7s")),
                ])]
            } else {
                Vec::new()
            };
            return error(
                StatusCode::TOO_MANY_REQUESTS,
                "RESOURCE_EXHAUSTED",
                "You exceeded your current quota, please check your plan and billing details.",
                details,
            );
        }
        Scenario::Overloaded => {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "UNAVAILABLE",
                "The model is overloaded. Please try again later.",
                Vec::new(),
            )
        }
        _ => {}
    }
    let turns = body.get("contents").and_then(Value::as_array);
    if turns.is_none_or(|t| t.is_empty()) {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            "* GenerateContentRequest.contents: contents is not specified\n",
            Vec::new(),
        );
    }
    if method == "countTokens" {
        let body = obj([("totalTokens", J::Int(PROMPT_TOKENS))]);
        return Reply::full(StatusCode::OK, JSON, pretty_json(&body));
    }
    let streamed = method.starts_with("streamGenerateContent");
    if method != "generateContent" && !streamed {
        return not_found("Method not found.");
    }
    let sse = req
        .query
        .as_deref()
        .is_some_and(|q| q.split('&').any(|p| p == "alt=sse"));
    let prompt = last_user_text(&body);
    let mut objects = plan(scenario, reply, model, &prompt);
    if opts.citations.is_some() {
        for object in &mut objects {
            crate::citations::ground(object, reply.chars().count());
        }
    }
    if !streamed {
        return whole(scenario, model, &objects);
    }
    let event = |value: &J| format!("data: {}\r\n\r\n", stream_json(value)).into_bytes();
    if !sse {
        // Without `alt=sse` the stream is one JSON array, written as it grows.
        let items: Vec<String> = objects.iter().map(pretty_json).collect();
        let body = format!("[{}]", items.join(",\r\n"));
        return Reply::full(StatusCode::OK, JSON, body);
    }
    let mut out: Vec<Piece> = objects.iter().map(|o| Piece::Bytes(event(o))).collect();
    match scenario {
        Scenario::MidStreamError | Scenario::MidStreamErrorOpenRouter => {
            let body = error_body(500, "INTERNAL", GEMINI_INTERNAL_ERROR, Vec::new());
            out.push(Piece::Bytes(event(&body)));
        }
        Scenario::Truncated => {
            let mut half = event(&answer(model, &[text("never")], Some("STOP"), 9, None));
            half.truncate(CUT_AT);
            out.extend([Piece::Bytes(half), Piece::Abort]);
        }
        Scenario::Stall => out.push(Piece::Hang),
        Scenario::DoneNoBlankLine => {
            if let Some(Piece::Bytes(last)) = out.last_mut() {
                last.truncate(last.len() - 4);
            }
        }
        _ => {}
    }
    let frames = if scenario == Scenario::Split {
        // Already CRLF: cut as it is.
        let bytes: Vec<u8> = out
            .into_iter()
            .flat_map(|p| match p {
                Piece::Bytes(b) => b,
                Piece::Abort | Piece::Hang => Vec::new(),
            })
            .collect();
        hostile_frames(&bytes)
    } else {
        stream_frames(scenario, out, opts.slow_delay)
    };
    let mut reply = Reply::stream(SSE, frames);
    reply.headers.retain(|(name, _)| *name != "cache-control");
    reply
        .with_header("content-disposition", "attachment")
        .with_header("x-content-type-options", "nosniff")
}

/// The answer objects of a generation, in order (a whole answer merges them).
fn plan(scenario: Scenario, reply: &str, model: &str, prompt: &str) -> Vec<J> {
    if prompt.contains(GEMINI_BLOCKED_WORD) {
        return vec![blocked(model)];
    }
    let cut_short = matches!(
        scenario,
        Scenario::MidStreamError
            | Scenario::MidStreamErrorOpenRouter
            | Scenario::Truncated
            | Scenario::EofNoDone
            | Scenario::Stall
    );
    let safety = prompt.contains(GEMINI_SAFETY_WORD);
    let texts = match scenario {
        Scenario::Slow => slow_pieces(),
        _ if cut_short || safety => pieces(PARTIAL_TEXT, 2),
        _ => pieces(reply, 5),
    };
    let thinking = matches!(
        scenario,
        Scenario::Reasoning | Scenario::ReasoningOpenRouter
    );
    let mut objects: Vec<J> = Vec::new();
    let thought_tokens = thinking.then_some(THOUGHT_TOKENS);
    if thinking {
        for thought in pieces(REASONING_TEXT, 3) {
            let part = Part {
                text: thought,
                thought: true,
                signature: None,
            };
            objects.push(answer(model, &[part], None, 0, thought_tokens));
        }
    }
    let count = texts.len();
    for (i, piece) in texts.into_iter().enumerate() {
        let last = i + 1 == count;
        let finish = match () {
            _ if !last || cut_short => None,
            _ if safety => Some("SAFETY"),
            _ if scenario == Scenario::DoneNoBlankLine => Some("MAX_TOKENS"),
            _ if thinking => None,
            _ => Some("STOP"),
        };
        let tokens = i64::try_from(i + 1).unwrap_or(0) * 2;
        objects.push(answer(
            model,
            &[text(piece)],
            finish,
            tokens,
            thought_tokens,
        ));
    }
    if thinking {
        let signed = Part {
            text: String::new(),
            thought: false,
            signature: Some(GEMINI_THOUGHT_SIGNATURE),
        };
        let tokens = i64::try_from(count).unwrap_or(0) * 2;
        objects.push(answer(
            model,
            &[signed],
            Some("STOP"),
            tokens,
            thought_tokens,
        ));
    }
    objects
}

/// The answer to `…:generateContent`: the planned objects merged into one.
fn whole(scenario: Scenario, model: &str, objects: &[J]) -> Reply {
    match scenario {
        Scenario::MidStreamError | Scenario::MidStreamErrorOpenRouter => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                GEMINI_INTERNAL_ERROR,
                Vec::new(),
            )
        }
        Scenario::Stall => {
            return Reply::full(StatusCode::OK, JSON, "")
                .with_frames(frames(vec![Piece::Hang], None))
        }
        _ => {}
    }
    let values: Vec<Value> = objects.iter().map(J::to_value).collect();
    if values.len() == 1 && values[0].get("promptFeedback").is_some() {
        return Reply::full(StatusCode::OK, JSON, pretty_json(&objects[0]));
    }
    let mut thought = String::new();
    let mut reply = String::new();
    let mut finish = None;
    let mut signature = None;
    for value in &values {
        let candidate = &value["candidates"][0];
        for part in candidate["content"]["parts"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let piece = part["text"].as_str().unwrap_or("");
            if part.get("thought").is_some() {
                thought.push_str(piece);
            } else {
                reply.push_str(piece);
            }
            if part.get("thoughtSignature").is_some() {
                signature = Some(GEMINI_THOUGHT_SIGNATURE);
            }
        }
        if let Some(reason) = candidate["finishReason"].as_str() {
            finish = Some(reason.to_owned());
        }
    }
    let thoughts = (!thought.is_empty()).then_some(THOUGHT_TOKENS);
    let mut parts = Vec::new();
    if let Some(thought) = (!thought.is_empty()).then_some(thought) {
        parts.push(Part {
            text: thought,
            thought: true,
            signature: None,
        });
    }
    parts.push(Part {
        text: reply,
        thought: false,
        signature,
    });
    let grounded = values
        .iter()
        .any(|v| v["candidates"][0].get("groundingMetadata").is_some());
    let reply_len = parts.last().map_or(0, |p| p.text.chars().count());
    let mut body = answer(model, &parts, finish.as_deref(), 9, thoughts);
    if grounded {
        crate::citations::ground(&mut body, reply_len);
    }
    let text = pretty_json(&body);
    if scenario == Scenario::Truncated {
        let mut half = text.into_bytes();
        half.truncate(CUT_AT);
        return Reply::full(StatusCode::OK, JSON, "")
            .with_frames(frames(vec![Piece::Bytes(half), Piece::Abort], None));
    }
    Reply::full(StatusCode::OK, JSON, text)
}

/// Google's error body for the `echo-*` scenarios, the quote as its message.
pub(crate) fn echo_error(code: u16, status: &str, quote: &str) -> String {
    pretty_json(&error_body(code, status, quote, Vec::new()))
}

/// The first chunks of a stream for `echo-mid-stream`, then an error chunk quoting.
pub(crate) fn echo_stream(quote: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    for piece in pieces(PARTIAL_TEXT, 2) {
        let chunk = answer("fake-model-1", &[text(piece)], None, 1, None);
        bytes.extend(format!("data: {}\r\n\r\n", stream_json(&chunk)).into_bytes());
    }
    let error = error_body(500, "INTERNAL", quote, Vec::new());
    bytes.extend(format!("data: {}\r\n\r\n", stream_json(&error)).into_bytes());
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_written_as_googles_streams_are() {
        let chunk = answer("gemini-2.5-flash", &[text("Hi")], Some("STOP"), 2, None);
        assert_eq!(
            stream_json(&chunk),
            r#"{"candidates": [{"content": {"parts": [{"text": "Hi"}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 12,"candidatesTokenCount": 2,"totalTokenCount": 14,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 12}]},"modelVersion": "gemini-2.5-flash","responseId": "WEXbaMnpF7iPjMcP27mckQE"}"#
        );
        assert_eq!(
            pretty_json(&error_body(404, "NOT_FOUND", "gone", Vec::new())),
            "{\n  \"error\": {\n    \"code\": 404,\n    \"message\": \"gone\",\n    \"status\": \"NOT_FOUND\"\n  }\n}\n"
        );
        assert_eq!(pretty_json(&J::Arr(Vec::new())), "[]\n");
    }

    #[test]
    fn routes_are_read_from_the_end_of_the_path() {
        assert_eq!(Route::of("/v1beta/models"), Some(Route::List));
        assert_eq!(
            Route::of("/v1beta/models/gemini-x"),
            Some(Route::Model("gemini-x".into()))
        );
        assert_eq!(
            Route::of("/v1/publishers/google/models/gemini-x:streamGenerateContent"),
            Some(Route::Method {
                model: "gemini-x".into(),
                method: "streamGenerateContent".into(),
                vertex_project: false
            })
        );
        assert_eq!(
            Route::of("/v1/projects/p/locations/global/publishers/google/models/m:countTokens"),
            Some(Route::Method {
                model: "m".into(),
                method: "countTokens".into(),
                vertex_project: true
            })
        );
        assert_eq!(Route::of("/v1beta/files"), None);
    }
}
