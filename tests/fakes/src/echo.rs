//! Servers that echo secrets: the `echo-*` scenarios of every family.
//!
//! Real servers quote what they were sent: a proxy's 401 that prints the `Authorization` header
//! it refused, a backend whose exception text (streamed as an error event) holds the request's
//! headers, a sign-in page that shows the key it was handed. A client must not store, log, print
//! or pass on such text with the key in it. These scenarios put the request's credentials into
//! the family's own error shapes, each header in four encodings ([`echo_forms`]).
//!
//! **What is quoted.** Every request header named in [`ECHO_CREDENTIAL_HEADERS`] or in
//! [`FakeOptions::echo_headers`](crate::FakeOptions::echo_headers) (`"*"`: every header), in
//! arrival order, as `<name>: <plain> (json: <json>; url: <percent>; base64: <base64>)`, the
//! quotes joined by `; ` after [`ECHO_PREFIX`]; a request with none of them is quoted as
//! [`ECHO_NOTHING`]. The quote is a string inside the family's JSON body, so the JSON form is
//! escaped once more on the wire: what a client reads after parsing the body is
//! `Bearer sk-\"…` — the form a JSON serialiser wrote.
//!
//! | Scenario | Every family |
//! | --- | --- |
//! | `echo-unauthorized` | 401 on every route in the family's (or dialect's) own error body, its message the quote |
//! | `echo-mid-stream` | routes other than generation answer as in `normal`; a streamed generation sends [`PARTIAL_TEXT`] then an error event whose message is the quote; a generation that is not streamed answers with the family's error (below) |
//! | `echo-page` | 200 `text/html` sign-in page on every route, the quote in its `<title>` and again in its body |
//!
//! `echo-mid-stream`, family by family (the module documentation of each family points here):
//!
//! | Family | Streamed | Not streamed |
//! | --- | --- | --- |
//! | OpenAI-compatible (every dialect, and KoboldCpp's `/v1`) | chunks of [`PARTIAL_TEXT`], then `data: {"error":{"message":<quote>,"type":"server_error",…}}`; no `[DONE]` | 200 `{"error":{"message":<quote>,…}}` |
//! | Anthropic | `message_start`, a text block with [`PARTIAL_TEXT`], then `event: error` `api_error` with the quote | 500 `api_error` with the quote |
//! | KoboldCpp | two `{"token": …}` events of [`PARTIAL_TEXT`], then `data: {"detail": {"msg": <quote>, "type": "service_unavailable"}}` | 500 `{"detail": {"msg": <quote>, …}}` |
//! | KoboldAI United (no streaming) | — | 500 `{"detail":{"msg":<quote>,"type":"generic.error_500"}}` |
//! | AI Horde (polled) | the submit and each request's first status poll answer as in `normal`, later polls 500 `{"message": <quote>, "rc": "InternalServerError"}` | same |
//! | NovelAI | two `newToken` events of [`PARTIAL_TEXT`], then `data: {"statusCode":500,"message":<quote>}` | 500 `{"statusCode":500,"message":<quote>}` |

use axum::http::StatusCode;
use serde_json::Value;

use crate::json::{obj, s, Fmt, J};
use crate::reply::{frames, Piece, Reply};
use crate::server::{mounted, unmounted, RecordedRequest};
use crate::{pieces, Dialect, FakeOptions, Family, KoboldServer, Scenario, PARTIAL_TEXT};

/// The headers every echo quotes when the request carries them: each family's credential.
pub const ECHO_CREDENTIAL_HEADERS: [&str; 5] = [
    "authorization",
    "x-api-key",
    "apikey",
    "api-key",
    "x-goog-api-key",
];

/// The start of every quote.
pub const ECHO_PREFIX: &str = "Rejected request headers: ";

/// The quote of a request that carried none of the echoed headers.
pub const ECHO_NOTHING: &str = "Rejected request headers: none were sent";

/// The four forms in which the echo scenarios quote a header value: as sent; JSON-escaped (what
/// a JSON serialiser writes between the quotes); percent-encoded (every byte but the unreserved
/// `A-Z a-z 0-9 - . _ ~` as `%XX`, upper-case); base64 (standard alphabet, padded, as in a
/// Basic auth header).
pub fn echo_forms(value: &str) -> [String; 4] {
    let json = serde_json::to_string(value).unwrap_or_default();
    let json = json
        .strip_prefix('"')
        .and_then(|j| j.strip_suffix('"'))
        .unwrap_or(&json)
        .to_owned();
    [
        value.to_owned(),
        json,
        percent(value),
        base64(value.as_bytes()),
    ]
}

fn percent(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let n = group
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= group.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// How long a piece of a key's form may be before [`echo_leak`] counts it as the key showing
/// through (a cut that kept part of it, say).
pub const ECHO_PIECE: usize = 12;

/// Every form of `key` an echo may carry, by name: as is, JSON-escaped, percent-encoded, and
/// the base64 characters only the key decides when it starts 0, 1 or 2 bytes into the encoded
/// text (what shows of it inside any longer base64, such as `Bearer <key>` or Basic auth's
/// `user:<key>`).
pub fn key_forms(key: &str) -> Vec<(&'static str, String)> {
    let [plain, json, url, _] = echo_forms(key);
    let core = |offset: usize| {
        let mut bytes = vec![0u8; offset];
        bytes.extend_from_slice(key.as_bytes());
        let encoded = base64(&bytes);
        let start = (8 * offset).div_ceil(6);
        let end = 8 * bytes.len() / 6;
        encoded.get(start..end).unwrap_or_default().to_owned()
    };
    vec![
        ("plain", plain),
        ("JSON-escaped", json),
        ("percent-encoded", url),
        ("base64", core(0)),
        ("base64 after 1 byte", core(1)),
        ("base64 after 2 bytes", core(2)),
    ]
}

/// What of `key` shows in `text`, if anything: a whole form of [`key_forms`], or a piece of one
/// [`ECHO_PIECE`] long.
pub fn echo_leak(text: &[u8], key: &str) -> Option<String> {
    let find =
        |needle: &[u8]| !needle.is_empty() && text.windows(needle.len()).any(|w| w == needle);
    for (name, form) in key_forms(key) {
        if find(form.as_bytes()) {
            return Some(format!("the key, {name}"));
        }
        let bytes = form.as_bytes();
        if let Some(piece) = bytes
            .windows(ECHO_PIECE.min(bytes.len()).max(1))
            .find(|piece| find(piece))
        {
            return Some(format!(
                "a piece of the key, {name}: {:?}",
                String::from_utf8_lossy(piece)
            ));
        }
    }
    None
}

/// The quote of the request's credentials (and marked headers) in every form.
pub(crate) fn quote(opts: &FakeOptions, req: &RecordedRequest) -> String {
    let quoted: Vec<String> = req
        .headers
        .iter()
        .filter(|(name, _)| {
            ECHO_CREDENTIAL_HEADERS.contains(&name.as_str())
                || opts
                    .echo_headers
                    .iter()
                    .any(|marked| marked == "*" || marked.eq_ignore_ascii_case(name))
        })
        .map(|(name, value)| {
            let [plain, json, url, b64] = echo_forms(value);
            format!("{name}: {plain} (json: {json}; url: {url}; base64: {b64})")
        })
        .collect();
    if quoted.is_empty() {
        ECHO_NOTHING.to_owned()
    } else {
        format!("{ECHO_PREFIX}{}", quoted.join("; "))
    }
}

/// The answer of an `echo-*` scenario, or `None` where the family answers as in `normal`.
/// `seen`: how many requests with this method and path the server received, this one included.
pub(crate) fn respond(
    opts: &FakeOptions,
    scenario: Scenario,
    req: &RecordedRequest,
    seen: usize,
) -> Option<Reply> {
    if !mounted(opts, &req.path) {
        return None;
    }
    let quote = quote(opts, req);
    match scenario {
        Scenario::EchoUnauthorized => Some(unauthorized(opts, req, &quote)),
        Scenario::EchoPage => Some(page(&quote)),
        Scenario::EchoMidStream => mid_stream(opts, req, &quote, seen),
        _ => None,
    }
}

/// The server an answer imitates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    OpenAi(Dialect),
    Anthropic,
    Kobold(KoboldServer),
    Horde,
    NovelAi,
    Ollama,
    Cohere,
    Google,
}

fn shape(opts: &FakeOptions, req: &RecordedRequest) -> Shape {
    match opts.family {
        Family::OpenAi => Shape::OpenAi(opts.dialect),
        Family::Anthropic => Shape::Anthropic,
        // KoboldCpp's `/v1` routes are its OpenAI-compatible server.
        Family::Kobold
            if opts.kobold == KoboldServer::KoboldCpp
                && unmounted(opts, &req.path).starts_with("/v1/") =>
        {
            Shape::OpenAi(Dialect::KoboldCpp)
        }
        Family::Kobold => Shape::Kobold(opts.kobold),
        Family::Horde => Shape::Horde,
        Family::NovelAi => Shape::NovelAi,
        // llama.cpp's errors are `{"error":{"code","message","type"}}`, read as OpenAI's.
        Family::LlamaCpp => Shape::OpenAi(Dialect::OpenAi),
        Family::Ollama => Shape::Ollama,
        Family::Cohere => Shape::Cohere,
        Family::Gemini => Shape::Google,
    }
}

/// Python's `json.dumps` for the Python servers, compact JSON for the rest.
fn fmt(shape: Shape) -> Fmt {
    match shape {
        Shape::OpenAi(Dialect::OpenAi | Dialect::Mancer | Dialect::Azure | Dialect::Together)
        | Shape::Anthropic
        | Shape::NovelAi
        | Shape::Ollama
        | Shape::Cohere => Fmt::COMPACT,
        Shape::Kobold(KoboldServer::United) => Fmt::COMPACT,
        _ => Fmt::PYTHON,
    }
}

fn json(shape: Shape, status: StatusCode, body: &J) -> Reply {
    let text = body.render(fmt(shape));
    match shape {
        // Flask-RESTX ends its bodies with a newline.
        Shape::Horde => Reply::json(status, format!("{text}\n")),
        Shape::NovelAi | Shape::Ollama => {
            Reply::full(status, "application/json; charset=utf-8", text)
        }
        _ => Reply::json(status, text),
    }
}

/// OpenAI's `{"error":{"message","type","param","code"}}`.
fn openai_error(message: &str, kind: &str, code: J) -> J {
    let error = obj([
        ("message", s(message)),
        ("type", s(kind)),
        ("param", J::Null),
        ("code", code),
    ]);
    obj([("error", error)])
}

/// Anthropic's `{"type":"error","error":{"type","message"},"request_id"}`.
fn anthropic_error(kind: &str, message: &str) -> J {
    obj([
        ("type", s("error")),
        ("error", obj([("type", s(kind)), ("message", s(message))])),
        ("request_id", s("req_fake_1")),
    ])
}

/// A FastAPI / KoboldAI `{"detail": {…}}` body.
fn detail(server: KoboldServer, quote: &str, status: u16, kind: &str) -> J {
    match server {
        KoboldServer::KoboldCpp => obj([("detail", obj([("msg", s(quote)), ("type", s(kind))]))]),
        KoboldServer::United => obj([(
            "detail",
            obj([
                ("msg", s(quote)),
                ("type", s(format!("generic.error_{status}"))),
            ]),
        )]),
    }
}

fn unauthorized(opts: &FakeOptions, req: &RecordedRequest, quote: &str) -> Reply {
    let shape = shape(opts, req);
    if shape == Shape::Google {
        let body = crate::gemini::echo_error(400, "INVALID_ARGUMENT", quote);
        return Reply::full(
            StatusCode::BAD_REQUEST,
            "application/json; charset=UTF-8",
            body,
        );
    }
    let body = match shape {
        Shape::OpenAi(Dialect::OpenAi | Dialect::Together) => {
            openai_error(quote, "invalid_request_error", s("invalid_api_key"))
        }
        Shape::OpenAi(Dialect::Azure) => {
            obj([("error", obj([("code", s("401")), ("message", s(quote))]))])
        }
        Shape::OpenAi(Dialect::LlamaCpp | Dialect::Ooba) => obj([("detail", s(quote))]),
        Shape::OpenAi(Dialect::KoboldCpp) | Shape::Kobold(KoboldServer::KoboldCpp) => obj([(
            "detail",
            obj([
                ("error", s("Unauthorized")),
                ("msg", s(quote)),
                ("type", s("unauthorized")),
            ]),
        )]),
        Shape::OpenAi(Dialect::Mancer) => obj([("error", s(quote))]),
        Shape::Anthropic => anthropic_error("authentication_error", quote),
        Shape::Kobold(KoboldServer::United) => detail(KoboldServer::United, quote, 401, ""),
        Shape::Horde => obj([("message", s(quote)), ("rc", s("InvalidAPIKey"))]),
        Shape::NovelAi => obj([("statusCode", J::Int(401)), ("message", s(quote))]),
        Shape::Ollama => obj([("error", s(quote))]),
        Shape::Cohere => obj([("id", s("echo-1")), ("message", s(quote))]),
        // Answered above, in Google's own layout.
        Shape::Google => obj([("error", obj([("message", s(quote))]))]),
    };
    json(shape, StatusCode::UNAUTHORIZED, &body)
}

/// A sign-in page (what a captive portal or a misrouted proxy answers), quoting twice.
fn page(quote: &str) -> Reply {
    let html = format!(
        "<!DOCTYPE html>\n<html><head><title>Sign in: {quote}</title></head>\n<body><h1>Sign in</h1><p>{quote}</p></body></html>\n"
    );
    Reply::full(StatusCode::OK, "text/html; charset=utf-8", html)
}

/// Whether the request asks for a stream (`"stream": true` in its JSON body).
fn streamed(req: &RecordedRequest) -> bool {
    req.json()
        .and_then(|body| body.get("stream").cloned())
        .is_some_and(|stream| stream == Value::Bool(true))
}

fn sse(shape: Shape, pieces: Vec<String>) -> Reply {
    let pieces = pieces
        .into_iter()
        .map(|p| Piece::Bytes(p.into_bytes()))
        .collect();
    let content_type = match shape {
        Shape::OpenAi(Dialect::KoboldCpp) | Shape::Kobold(_) | Shape::NovelAi | Shape::Cohere => {
            "text/event-stream"
        }
        _ => "text/event-stream; charset=utf-8",
    };
    Reply::stream(content_type, frames(pieces, None))
}

fn mid_stream(
    opts: &FakeOptions,
    req: &RecordedRequest,
    quote: &str,
    seen: usize,
) -> Option<Reply> {
    let shape = shape(opts, req);
    let path = unmounted(opts, &req.path);
    let path = path.strip_suffix('/').unwrap_or(path);
    let post = req.method == "POST";
    let partial = pieces(PARTIAL_TEXT, 2);
    let fmt = fmt(shape);
    let data = |body: J| format!("data: {}\n\n", body.render(fmt));
    match shape {
        Shape::OpenAi(Dialect::OpenAi) if post && path.ends_with("/responses") => {
            Some(crate::responses::echo_mid_stream(req, quote))
        }
        Shape::OpenAi(_) if post && path.ends_with("/completions") => {
            let chat = path.ends_with("/chat/completions");
            let error = openai_error(quote, "server_error", J::Null);
            if !streamed(req) {
                return Some(json(shape, StatusCode::OK, &error));
            }
            let mut events: Vec<String> = partial
                .iter()
                .map(|text| {
                    let choice = if chat {
                        obj([
                            ("index", J::Int(0)),
                            ("delta", obj([("content", s(text.as_str()))])),
                            ("finish_reason", J::Null),
                        ])
                    } else {
                        obj([
                            ("text", s(text.as_str())),
                            ("index", J::Int(0)),
                            ("finish_reason", J::Null),
                        ])
                    };
                    let object = if chat {
                        "chat.completion.chunk"
                    } else {
                        "text_completion"
                    };
                    data(obj([
                        ("id", s("chatcmpl-echo-1")),
                        ("object", s(object)),
                        ("created", J::Int(1_700_000_000)),
                        ("model", s("fake-model-1")),
                        ("choices", J::Arr(vec![choice])),
                    ]))
                })
                .collect();
            events.push(data(error));
            Some(sse(shape, events))
        }
        Shape::Anthropic if post && path.ends_with("/messages") => {
            if !streamed(req) {
                let body = anthropic_error("api_error", quote);
                return Some(json(shape, StatusCode::INTERNAL_SERVER_ERROR, &body));
            }
            let event = |name: &str, body: J| format!("event: {name}\n{}", data(body));
            let usage = obj([("input_tokens", J::Int(12)), ("output_tokens", J::Int(1))]);
            let message = obj([
                ("id", s("msg_fake_1")),
                ("type", s("message")),
                ("role", s("assistant")),
                ("content", J::Arr(vec![])),
                ("model", s("fake-model-1")),
                ("stop_reason", J::Null),
                ("stop_sequence", J::Null),
                ("usage", usage),
            ]);
            let mut events = vec![
                event(
                    "message_start",
                    obj([("type", s("message_start")), ("message", message)]),
                ),
                event(
                    "content_block_start",
                    obj([
                        ("type", s("content_block_start")),
                        ("index", J::Int(0)),
                        ("content_block", obj([("type", s("text")), ("text", s(""))])),
                    ]),
                ),
            ];
            events.extend(partial.iter().map(|text| {
                event(
                    "content_block_delta",
                    obj([
                        ("type", s("content_block_delta")),
                        ("index", J::Int(0)),
                        (
                            "delta",
                            obj([("type", s("text_delta")), ("text", s(text.as_str()))]),
                        ),
                    ]),
                )
            }));
            events.push(event("error", anthropic_error("api_error", quote)));
            Some(sse(shape, events))
        }
        Shape::Kobold(KoboldServer::KoboldCpp) if post && path.ends_with("/generate/stream") => {
            let mut events: Vec<String> = partial
                .iter()
                .map(|text| {
                    let token = obj([("token", s(text.as_str())), ("finish_reason", s("null"))]);
                    format!("event: message\n{}", data(token))
                })
                .collect();
            let error = detail(KoboldServer::KoboldCpp, quote, 503, "service_unavailable");
            events.push(format!("event: message\n{}", data(error)));
            Some(sse(shape, events))
        }
        Shape::Kobold(server) if post && path.ends_with("/generate") => {
            let body = detail(server, quote, 500, "server_error");
            Some(json(shape, StatusCode::INTERNAL_SERVER_ERROR, &body))
        }
        Shape::Horde if req.method == "GET" && path.contains("/generate/text/status/") => {
            // The first poll of each request answers normally: the request did start.
            (seen > 1).then(|| {
                let body = obj([("message", s(quote)), ("rc", s("InternalServerError"))]);
                json(shape, StatusCode::INTERNAL_SERVER_ERROR, &body)
            })
        }
        Shape::NovelAi if post && path.ends_with("/ai/generate-stream") => {
            let mut events: Vec<String> = partial
                .iter()
                .enumerate()
                .map(|(ptr, text)| {
                    let token = obj([
                        ("token", s(text.as_str())),
                        ("ptr", J::Int(ptr as i64)),
                        ("final", J::Bool(false)),
                    ]);
                    format!("event: newToken\nid: {ptr}\n{}", data(token))
                })
                .collect();
            let error = obj([("statusCode", J::Int(500)), ("message", s(quote))]);
            events.push(data(error));
            Some(sse(shape, events))
        }
        Shape::Ollama if post && (path == "/api/chat" || path == "/api/generate") => {
            let chat = path == "/api/chat";
            let error = obj([("error", s(quote))]);
            if req.json().and_then(|b| b.get("stream")?.as_bool()) == Some(false) {
                return Some(json(shape, StatusCode::INTERNAL_SERVER_ERROR, &error));
            }
            let mut lines: Vec<String> = partial
                .iter()
                .map(|text| {
                    let body = if chat {
                        obj([
                            ("model", s("fake-model-1")),
                            (
                                "message",
                                obj([("role", s("assistant")), ("content", s(text.as_str()))]),
                            ),
                            ("done", J::Bool(false)),
                        ])
                    } else {
                        obj([
                            ("model", s("fake-model-1")),
                            ("response", s(text.as_str())),
                            ("done", J::Bool(false)),
                        ])
                    };
                    format!("{}\n", body.render(fmt))
                })
                .collect();
            lines.push(format!("{}\n", error.render(fmt)));
            let pieces = lines
                .into_iter()
                .map(|l| Piece::Bytes(l.into_bytes()))
                .collect();
            Some(Reply::stream("application/x-ndjson", frames(pieces, None)))
        }
        Shape::Cohere if post && path.ends_with("/v2/chat") => {
            if !streamed(req) {
                let body = obj([("id", s("echo-1")), ("message", s(quote))]);
                return Some(json(shape, StatusCode::INTERNAL_SERVER_ERROR, &body));
            }
            let event = |body: J| {
                let kind = match &body {
                    J::Obj(fields) => match fields.first() {
                        Some((_, J::Str(kind))) => kind.clone(),
                        _ => String::new(),
                    },
                    _ => String::new(),
                };
                format!("event: {kind}\n{}", data(body))
            };
            let content = |text: &str| obj([("content", obj([("text", s(text))]))]);
            let mut events = vec![event(obj([
                ("type", s("message-start")),
                ("id", s("echo-1")),
                ("delta", obj([("message", obj([("role", s("assistant"))]))])),
            ]))];
            events.extend(partial.iter().map(|text| {
                event(obj([
                    ("type", s("content-delta")),
                    ("index", J::Int(0)),
                    ("delta", obj([("message", content(text))])),
                ]))
            }));
            events.push(event(obj([
                ("type", s("message-end")),
                (
                    "delta",
                    obj([("error", s(quote)), ("finish_reason", s("ERROR"))]),
                ),
            ])));
            Some(sse(shape, events))
        }
        Shape::Google if post && path.contains(":streamGenerateContent") => {
            let frames = frames(vec![Piece::Bytes(crate::gemini::echo_stream(quote))], None);
            Some(Reply::stream("text/event-stream", frames))
        }
        Shape::Google if post && path.ends_with(":generateContent") => {
            let body = crate::gemini::echo_error(500, "INTERNAL", quote);
            Some(Reply::full(
                StatusCode::INTERNAL_SERVER_ERROR,
                "application/json; charset=UTF-8",
                body,
            ))
        }
        Shape::NovelAi if post && path.ends_with("/ai/generate") => {
            let body = obj([("statusCode", J::Int(500)), ("message", s(quote))]);
            Some(json(shape, StatusCode::INTERNAL_SERVER_ERROR, &body))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_the_four_encodings() {
        let [plain, json, url, b64] = echo_forms("Bearer a/b+\"c&d%e");
        assert_eq!(plain, "Bearer a/b+\"c&d%e");
        assert_eq!(json, "Bearer a/b+\\\"c&d%e");
        assert_eq!(url, "Bearer%20a%2Fb%2B%22c%26d%25e");
        assert_eq!(b64, "QmVhcmVyIGEvYisiYyZkJWU=");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"a"), "YQ==");
    }

    #[test]
    fn key_forms_are_inside_what_the_echo_sends() {
        let key = "sk-e/+\"&%25Zq9Xw2LmN4pB8vT";
        for (value, offset) in [
            (key.to_owned(), 0),
            (format!("Bearer {key}"), 1),
            (format!("u:{key}"), 2),
        ] {
            let [plain, json, url, b64] = echo_forms(&value);
            let forms = key_forms(key);
            assert!(plain.contains(&forms[0].1), "{value}");
            assert!(json.contains(&forms[1].1), "{value}");
            assert!(url.contains(&forms[2].1), "{value}");
            assert!(b64.contains(&forms[3 + offset].1), "{value}");
            assert!(echo_leak(b64.as_bytes(), key).is_some(), "{value}");
        }
        let forms: Vec<String> = key_forms(key).into_iter().map(|(_, f)| f).collect();
        for (i, form) in forms.iter().enumerate() {
            assert!(form.len() >= ECHO_PIECE, "{form}");
            assert!(!forms[i + 1..].contains(form), "every form differs");
        }
        assert_eq!(echo_leak(b"nothing of it <redacted>", key), None);
        let cut = format!("...{}", &key[..ECHO_PIECE]);
        assert!(echo_leak(cut.as_bytes(), key)
            .unwrap()
            .starts_with("a piece"));
    }
}
