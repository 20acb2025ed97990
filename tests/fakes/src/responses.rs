//! OpenAI's Responses API, served by the OpenAI dialect of [`Family::OpenAi`](crate::Family)
//! beside its chat routes: `POST …/responses`, and the chat route's refusal of the models that
//! serve only this API.
//!
//! A stream is `text/event-stream; charset=utf-8`, each event `event: <type>\ndata: <compact
//! JSON>\n\n` whose `type` is the event's name and whose last field is its `sequence_number`
//! (counting from 0); there is no `[DONE]`: the stream ends with `response.completed`,
//! `response.incomplete` or `response.failed`. The events and the response object have the keys,
//! in the same order, of the documented example in `tests/fixtures/recorded/responses/`. A whole
//! answer is the response object (`"object":"response"`, `output[]` items). Errors are OpenAI's
//! `{"error":{"message","type","param","code"}}`.
//!
//! `POST …/chat/completions` naming a model that serves only the Responses API (an id containing
//! `codex`, or ending in `-pro`) is refused with 404 and OpenAI's own words,
//! [`RESPONSES_ONLY_REFUSAL`] (`param: "model"`, `code: null`).
//!
//! | Scenario | `…/responses`, streamed | not streamed |
//! | --- | --- | --- |
//! | `normal`, `split` (CRLF, hostile cuts), `keep-alive`, `usage`, `usage-null-choices`, `no-models-route`, `empty-models` | `response.created`, `response.in_progress`, the message item and its part added, five `response.output_text.delta`s, the text, part and item done, `response.completed` with `usage` | the response, `completed` |
//! | `slow` | [`SLOW_PIECES`](crate::SLOW_PIECES) deltas, `slow_delay` apart | the response |
//! | `reasoning`, `reasoning-open-router` | a reasoning item first: its summary part added, [`REASONING_TEXT`] in `response.reasoning_summary_text.delta`s, done with [`RESPONSES_ENCRYPTED_REASONING`] as `encrypted_content`; then the message; `usage` with `reasoning_tokens` | both items |
//! | `mid-stream-error` | partial text, then an `error` event (`server_error`) | 500 `server_error` |
//! | `mid-stream-error-open-router` | partial text, then `response.failed` with `error: {code: "server_error", message}` | 500 `server_error` |
//! | `truncated` | partial text, half an event, abort | half the JSON, abort |
//! | `eof-no-done` | partial text, end (no `response.completed`) | the response |
//! | `done-no-blank-line` | the reply, then `response.incomplete` (`max_output_tokens`) without its line ends | the response, `incomplete` |
//! | `stall` / `stall-before-headers` | partial text, then silence / nothing at all | silence / nothing |
//! | `unauthorized` | 401 `invalid_api_key` | same |
//! | `model-not-found` | 404 `model_not_found` | same |
//! | `rate-limited` / `…-no-retry-after` | 429 `rate_limit_exceeded` with / without `retry-after: 7` | same |
//! | `overloaded` | 503 `server_error` | same |
//! | `server-error-html` | 500 nginx HTML page | same |
//! | `echo-unauthorized`, `echo-page` | as in the OpenAI dialect's other routes (`echo.rs`) | same |
//! | `echo-mid-stream` | partial text, then an `error` event quoting the credentials | 500 quoting them |

use axum::http::StatusCode;
use serde_json::Value;

use crate::json::{obj, s, Fmt, J};
use crate::openai::{unauthorized, OPENAI_OVERLOADED, RATE_LIMITED};
use crate::reply::{frames, Frame, Piece, Reply, NGINX_500};
use crate::server::{authorized, mounted, RecordedRequest};
use crate::sse::stream_frames;
use crate::{
    pieces, slow_pieces, Dialect, FakeOptions, Scenario, MIDSTREAM_ERROR_MESSAGE, PARTIAL_TEXT,
    REASONING_TEXT,
};

/// OpenAI's refusal of a Responses-only model on `…/chat/completions` (HTTP 404).
pub const RESPONSES_ONLY_REFUSAL: &str =
    "This model is only supported in v1/responses and not in v1/chat/completions.";

/// The `encrypted_content` of the reasoning item in `reasoning` (a client sends it back).
pub const RESPONSES_ENCRYPTED_REASONING: &str = "gAAAAABfakeEncryptedReasoning==";

const RESPONSE_ID: &str = "resp_fake_1";
const MESSAGE_ID: &str = "msg_fake_1";
const REASONING_ID: &str = "rs_fake_1";
const CREATED_AT: i64 = 1_700_000_000;
const INPUT_TOKENS: i64 = 12;
const OUTPUT_TOKENS: i64 = 9;
const REASONING_TOKENS: i64 = 4;
/// How many bytes of the next event `truncated` sends before aborting.
const CUT_AT: usize = 60;
const SSE: &str = "text/event-stream; charset=utf-8";

/// The answer of the Responses routes, or `None` for a request they do not serve.
pub(crate) fn answer(
    opts: &FakeOptions,
    scenario: Scenario,
    reply: &str,
    req: &RecordedRequest,
) -> Option<Reply> {
    if opts.dialect != Dialect::OpenAi || !mounted(opts, &req.path) || req.method != "POST" {
        return None;
    }
    let path = req.path.strip_suffix('/').unwrap_or(&req.path);
    let authorized = scenario != Scenario::Unauthorized && authorized(opts, req);
    if path.ends_with("/chat/completions") {
        let model = req.json()?.get("model")?.as_str()?.to_owned();
        return (authorized && responses_only(&model)).then(|| {
            error_reply(
                StatusCode::NOT_FOUND,
                RESPONSES_ONLY_REFUSAL,
                "invalid_request_error",
                s("model"),
                J::Null,
            )
        });
    }
    if !path.ends_with("/responses") {
        return None;
    }
    if !authorized {
        return Some(unauthorized(Dialect::OpenAi));
    }
    Some(responses(opts, scenario, reply, req))
}

/// `{"error":{"message","type","param","code"}}`, OpenAI's error shape.
fn error_reply(status: StatusCode, message: &str, kind: &str, param: J, code: J) -> Reply {
    let error = obj([
        ("message", s(message)),
        ("type", s(kind)),
        ("param", param),
        ("code", code),
    ]);
    Reply::json(status, obj([("error", error)]).render(Fmt::COMPACT))
}

fn openai_error(status: StatusCode, message: &str, kind: &str, code: J) -> Reply {
    error_reply(status, message, kind, J::Null, code)
}

/// The models the fake serves only through this API: codex and `-pro` models.
fn responses_only(model: &str) -> bool {
    model.contains("codex") || model.ends_with("-pro")
}

fn responses(opts: &FakeOptions, scenario: Scenario, reply: &str, req: &RecordedRequest) -> Reply {
    let Some(body) = req.json() else {
        return openai_error(
            StatusCode::BAD_REQUEST,
            "We could not parse the JSON body of your request.",
            "invalid_request_error",
            J::Null,
        );
    };
    let Some(model) = body.get("model").and_then(Value::as_str).map(str::to_owned) else {
        return openai_error(
            StatusCode::BAD_REQUEST,
            "Missing required parameter: 'model'.",
            "invalid_request_error",
            s("missing_required_parameter"),
        );
    };
    let stream = body.get("stream") == Some(&Value::Bool(true));
    let rate_limit = || {
        openai_error(
            StatusCode::TOO_MANY_REQUESTS,
            RATE_LIMITED,
            "requests",
            s("rate_limit_exceeded"),
        )
    };
    match scenario {
        Scenario::StallBeforeHeaders => return Reply::never(),
        Scenario::ServerErrorHtml => {
            return Reply::full(StatusCode::INTERNAL_SERVER_ERROR, "text/html", NGINX_500)
        }
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
    let gen = Gen {
        model,
        instructions: body
            .get("instructions")
            .and_then(Value::as_str)
            .map(str::to_owned),
    };
    let evs = plan(scenario, reply);
    if !stream {
        return gen.whole(&evs);
    }
    Reply::stream(
        SSE,
        stream_frames(scenario, gen.render(&evs), opts.slow_delay),
    )
}

/// `echo-mid-stream` on `…/responses`: partial text, then an `error` event whose message is
/// `quote` (the request's credentials in every form); not streamed, a 500 saying it.
pub(crate) fn echo_mid_stream(req: &RecordedRequest, quote: &str) -> Reply {
    let body = req.json().unwrap_or_default();
    let gen = Gen {
        model: body
            .get("model")
            .and_then(Value::as_str)
            .unwrap_or("fake-model-1")
            .to_owned(),
        instructions: None,
    };
    let evs: Vec<Ev> = [Ev::Created, Ev::MessageStart]
        .into_iter()
        .chain(texts(PARTIAL_TEXT, 2))
        .chain([Ev::ErrorSaying(quote.to_owned())])
        .collect();
    if body.get("stream") != Some(&Value::Bool(true)) {
        return gen.whole(&evs);
    }
    Reply::stream(SSE, frames(gen.render(&evs), None))
}

/// One step of a planned generation.
#[derive(Clone, Debug, PartialEq)]
enum Ev {
    Created,
    ReasoningStart,
    Summary(String),
    ReasoningDone,
    MessageStart,
    Text(String),
    MessageDone,
    Completed,
    /// `response.incomplete` (`max_output_tokens`) without its line ends.
    IncompleteNoBlankLine,
    /// An `error` event.
    Error,
    /// An `error` event with these words (the `echo-mid-stream` quote).
    ErrorSaying(String),
    /// `response.failed`.
    Failed,
    Cut,
    Hang,
}

fn texts(text: &str, n: usize) -> impl Iterator<Item = Ev> {
    pieces(text, n).into_iter().map(Ev::Text)
}

fn plan(scenario: Scenario, reply: &str) -> Vec<Ev> {
    let partial = || {
        [Ev::Created, Ev::MessageStart]
            .into_iter()
            .chain(texts(PARTIAL_TEXT, 2))
    };
    let whole = |body: Vec<Ev>, end: Ev| {
        [Ev::Created, Ev::MessageStart]
            .into_iter()
            .chain(body)
            .chain([Ev::MessageDone, end])
            .collect::<Vec<_>>()
    };
    match scenario {
        Scenario::Slow => whole(
            slow_pieces().into_iter().map(Ev::Text).collect(),
            Ev::Completed,
        ),
        Scenario::Reasoning | Scenario::ReasoningOpenRouter => {
            let mut evs = vec![Ev::Created, Ev::ReasoningStart];
            evs.extend(pieces(REASONING_TEXT, 3).into_iter().map(Ev::Summary));
            evs.extend([Ev::ReasoningDone, Ev::MessageStart]);
            evs.extend(texts(reply, 5));
            evs.extend([Ev::MessageDone, Ev::Completed]);
            evs
        }
        Scenario::MidStreamError => partial().chain([Ev::Error]).collect(),
        Scenario::MidStreamErrorOpenRouter => partial().chain([Ev::Failed]).collect(),
        Scenario::Truncated => partial().chain([Ev::Cut]).collect(),
        Scenario::EofNoDone => partial().collect(),
        Scenario::Stall => partial().chain([Ev::Hang]).collect(),
        Scenario::DoneNoBlankLine => whole(texts(reply, 5).collect(), Ev::IncompleteNoBlankLine),
        _ => whole(texts(reply, 5).collect(), Ev::Completed),
    }
}

/// Renders one request's events.
struct Gen {
    model: String,
    instructions: Option<String>,
}

/// `{"type":"output_text","text","annotations":[]}`.
fn output_text(text: &str) -> J {
    obj([
        ("type", s("output_text")),
        ("text", s(text)),
        ("annotations", J::Arr(Vec::new())),
    ])
}

fn message_item(status: &str, text: Option<&str>) -> J {
    obj([
        ("id", s(MESSAGE_ID)),
        ("type", s("message")),
        ("status", s(status)),
        ("role", s("assistant")),
        (
            "content",
            J::Arr(text.map(output_text).into_iter().collect()),
        ),
    ])
}

fn reasoning_item(summary: Option<&str>) -> J {
    let parts = summary
        .map(|text| obj([("type", s("summary_text")), ("text", s(text))]))
        .into_iter()
        .collect();
    let mut fields = vec![
        ("id", s(REASONING_ID)),
        ("type", s("reasoning")),
        ("summary", J::Arr(parts)),
    ];
    if summary.is_some() {
        fields.push(("encrypted_content", s(RESPONSES_ENCRYPTED_REASONING)));
    }
    J::Obj(fields)
}

fn push(text: String, out: &mut Vec<Piece>) {
    out.push(Piece::Bytes(text.into_bytes()));
}

/// One SSE event: `event: <type>` and the data, `sequence_number` last.
fn event(kind: &'static str, mut fields: Vec<(&'static str, J)>, seq: &mut i64) -> String {
    fields.insert(0, ("type", s(kind)));
    fields.push(("sequence_number", J::Int(*seq)));
    *seq += 1;
    format!(
        "event: {kind}\ndata: {}\n\n",
        J::Obj(fields).render(Fmt::COMPACT)
    )
}

impl Gen {
    /// The response object in the documented key order.
    fn response(&self, status: &str, output: Vec<J>, end: Option<&Ev>, reasoned: bool) -> J {
        let usage = match end {
            Some(Ev::Completed | Ev::IncompleteNoBlankLine) => obj([
                ("input_tokens", J::Int(INPUT_TOKENS)),
                ("output_tokens", J::Int(OUTPUT_TOKENS)),
                (
                    "output_tokens_details",
                    obj([(
                        "reasoning_tokens",
                        J::Int(if reasoned { REASONING_TOKENS } else { 0 }),
                    )]),
                ),
                ("total_tokens", J::Int(INPUT_TOKENS + OUTPUT_TOKENS)),
            ]),
            _ => J::Null,
        };
        let error = match end {
            Some(Ev::Failed) => obj([
                ("code", s("server_error")),
                ("message", s(MIDSTREAM_ERROR_MESSAGE)),
            ]),
            _ => J::Null,
        };
        let incomplete = match end {
            Some(Ev::IncompleteNoBlankLine) => obj([("reason", s("max_output_tokens"))]),
            _ => J::Null,
        };
        let summary = if reasoned { s("auto") } else { J::Null };
        obj([
            ("id", s(RESPONSE_ID)),
            ("object", s("response")),
            ("created_at", J::Int(CREATED_AT)),
            ("status", s(status)),
            ("error", error),
            ("incomplete_details", incomplete),
            (
                "instructions",
                self.instructions.as_deref().map_or(J::Null, s),
            ),
            ("max_output_tokens", J::Null),
            ("model", s(self.model.as_str())),
            ("output", J::Arr(output)),
            ("parallel_tool_calls", J::Bool(true)),
            ("previous_response_id", J::Null),
            (
                "reasoning",
                obj([("effort", J::Null), ("summary", summary)]),
            ),
            ("store", J::Bool(false)),
            ("temperature", J::Float(1.0)),
            ("text", obj([("format", obj([("type", s("text"))]))])),
            ("tool_choice", s("auto")),
            ("tools", J::Arr(Vec::new())),
            ("top_p", J::Float(1.0)),
            ("truncation", s("disabled")),
            ("usage", usage),
            ("user", J::Null),
            ("metadata", J::Obj(Vec::new())),
        ])
    }

    /// The finished items of a generation: the reasoning item (when there is one) and the message.
    fn output(evs: &[Ev]) -> (Vec<J>, String, bool) {
        let summary: String = evs
            .iter()
            .filter_map(|ev| match ev {
                Ev::Summary(text) => Some(text.as_str()),
                _ => None,
            })
            .collect();
        let text: String = evs
            .iter()
            .filter_map(|ev| match ev {
                Ev::Text(text) => Some(text.as_str()),
                _ => None,
            })
            .collect();
        let reasoned = evs.contains(&Ev::ReasoningStart);
        let mut output = Vec::new();
        if reasoned {
            output.push(reasoning_item(Some(&summary)));
        }
        output.push(message_item("completed", Some(&text)));
        (output, text, reasoned)
    }

    fn render(&self, evs: &[Ev]) -> Vec<Piece> {
        let (output, text, reasoned) = Gen::output(evs);
        let summary: String = evs
            .iter()
            .filter_map(|ev| match ev {
                Ev::Summary(text) => Some(text.as_str()),
                _ => None,
            })
            .collect();
        let message_index = J::Int(i64::from(reasoned));
        let mut seq = 0;
        let mut out = Vec::with_capacity(evs.len() + 8);
        let part = || {
            vec![
                ("item_id", s(MESSAGE_ID)),
                ("output_index", message_index.clone()),
                ("content_index", J::Int(0)),
            ]
        };
        let summary_part = || {
            vec![
                ("item_id", s(REASONING_ID)),
                ("output_index", J::Int(0)),
                ("summary_index", J::Int(0)),
            ]
        };
        for ev in evs {
            let text = match ev {
                Ev::Created => {
                    let response = self.response("in_progress", Vec::new(), None, reasoned);
                    let created = event(
                        "response.created",
                        vec![("response", response.clone())],
                        &mut seq,
                    );
                    let progress = event(
                        "response.in_progress",
                        vec![("response", response)],
                        &mut seq,
                    );
                    push(created, &mut out);
                    progress
                }
                Ev::ReasoningStart => {
                    let added = event(
                        "response.output_item.added",
                        vec![("output_index", J::Int(0)), ("item", reasoning_item(None))],
                        &mut seq,
                    );
                    push(added, &mut out);
                    let mut fields = summary_part();
                    fields.push(("part", obj([("type", s("summary_text")), ("text", s(""))])));
                    event("response.reasoning_summary_part.added", fields, &mut seq)
                }
                Ev::Summary(piece) => {
                    let mut fields = summary_part();
                    fields.push(("delta", s(piece.as_str())));
                    event("response.reasoning_summary_text.delta", fields, &mut seq)
                }
                Ev::ReasoningDone => {
                    let mut fields = summary_part();
                    fields.push(("text", s(summary.as_str())));
                    push(
                        event("response.reasoning_summary_text.done", fields, &mut seq),
                        &mut out,
                    );
                    let mut fields = summary_part();
                    fields.push((
                        "part",
                        obj([("type", s("summary_text")), ("text", s(summary.as_str()))]),
                    ));
                    push(
                        event("response.reasoning_summary_part.done", fields, &mut seq),
                        &mut out,
                    );
                    event(
                        "response.output_item.done",
                        vec![
                            ("output_index", J::Int(0)),
                            ("item", reasoning_item(Some(&summary))),
                        ],
                        &mut seq,
                    )
                }
                Ev::MessageStart => {
                    let added = event(
                        "response.output_item.added",
                        vec![
                            ("output_index", message_index.clone()),
                            ("item", message_item("in_progress", None)),
                        ],
                        &mut seq,
                    );
                    push(added, &mut out);
                    let mut fields = part();
                    fields.push(("part", output_text("")));
                    event("response.content_part.added", fields, &mut seq)
                }
                Ev::Text(piece) => {
                    let mut fields = part();
                    fields.push(("delta", s(piece.as_str())));
                    event("response.output_text.delta", fields, &mut seq)
                }
                Ev::MessageDone => {
                    let mut fields = part();
                    fields.push(("text", s(text.as_str())));
                    push(
                        event("response.output_text.done", fields, &mut seq),
                        &mut out,
                    );
                    let mut fields = part();
                    fields.push(("part", output_text(&text)));
                    push(
                        event("response.content_part.done", fields, &mut seq),
                        &mut out,
                    );
                    event(
                        "response.output_item.done",
                        vec![
                            ("output_index", message_index.clone()),
                            ("item", message_item("completed", Some(&text))),
                        ],
                        &mut seq,
                    )
                }
                Ev::Completed => {
                    let response = self.response("completed", output.clone(), Some(ev), reasoned);
                    event("response.completed", vec![("response", response)], &mut seq)
                }
                Ev::IncompleteNoBlankLine => {
                    let response = self.response("incomplete", output.clone(), Some(ev), reasoned);
                    let text = event(
                        "response.incomplete",
                        vec![("response", response)],
                        &mut seq,
                    );
                    text.trim_end_matches('\n').to_owned()
                }
                Ev::Failed => {
                    let response = self.response("failed", Vec::new(), Some(ev), reasoned);
                    event("response.failed", vec![("response", response)], &mut seq)
                }
                Ev::Error | Ev::ErrorSaying(_) => {
                    let message = match ev {
                        Ev::ErrorSaying(words) => words.as_str(),
                        _ => MIDSTREAM_ERROR_MESSAGE,
                    };
                    event(
                        "error",
                        vec![
                            ("code", s("server_error")),
                            ("message", s(message)),
                            ("param", J::Null),
                        ],
                        &mut seq,
                    )
                }
                Ev::Cut => {
                    let mut fields = part();
                    fields.push(("delta", s(" and the rest")));
                    let mut bytes =
                        event("response.output_text.delta", fields, &mut seq).into_bytes();
                    bytes.truncate(CUT_AT);
                    out.extend([Piece::Bytes(bytes), Piece::Abort]);
                    continue;
                }
                Ev::Hang => {
                    out.push(Piece::Hang);
                    continue;
                }
            };
            push(text, &mut out);
        }
        out
    }

    /// The non-streamed answer: the response object, or the error (or broken body) that stands
    /// for how the stream would have ended.
    fn whole(&self, evs: &[Ev]) -> Reply {
        let (output, _, reasoned) = Gen::output(evs);
        let last = evs.last();
        match last {
            Some(Ev::Error | Ev::Failed) => {
                return openai_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    MIDSTREAM_ERROR_MESSAGE,
                    "server_error",
                    J::Null,
                )
            }
            Some(Ev::ErrorSaying(words)) => {
                return openai_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    words,
                    "server_error",
                    J::Null,
                )
            }
            Some(Ev::Hang) => {
                return Reply::json(StatusCode::OK, "").with_frames(vec![Frame::Hang])
            }
            _ => {}
        }
        let incomplete = last == Some(&Ev::IncompleteNoBlankLine);
        let (status, end) = if incomplete {
            ("incomplete", Ev::IncompleteNoBlankLine)
        } else {
            ("completed", Ev::Completed)
        };
        let json = self
            .response(status, output, Some(&end), reasoned)
            .render(Fmt::COMPACT);
        if last == Some(&Ev::Cut) {
            let half = json.as_bytes()[..json.len() / 2].to_vec();
            let broken = frames(vec![Piece::Bytes(half), Piece::Abort], None);
            return Reply::json(StatusCode::OK, "").with_frames(broken);
        }
        Reply::json(StatusCode::OK, json)
    }
}
