//! The OpenAI-compatible family: `…/models`, `…/chat/completions`, `…/completions` and
//! OpenRouter's `…/key`, in the dialects of OpenAI, llama-cpp-python and KoboldCpp 1.76.
//!
//! Routing matches on how the path ends (any prefix works, like KoboldCpp). A generation is
//! planned as a list of [`Ev`]ents per scenario, then rendered either as an SSE stream (one
//! event per frame, or cut at hostile offsets for `split`) or folded into one JSON body.
//! Everything that differs between servers (key order, spacing, escapes, ids, the role chunk,
//! `finish_reason` representation, the `[DONE]` line) is decided by the [`Style`].

use axum::http::StatusCode;
use serde_json::Value;

use crate::json::{obj, s, Fmt, J};
use crate::reply::{frames, Frame, Piece, Reply, NGINX_500};
use crate::server::{authorized, mounted, RecordedRequest};
use crate::sse::stream_frames;
use crate::{
    pieces, slow_pieces, Dialect, FakeOptions, Scenario, MIDSTREAM_ERROR_MESSAGE, PARTIAL_TEXT,
    REASONING_TEXT,
};

/// The `created` timestamp of every object.
const CREATED: i64 = 1_700_000_000;
/// The `provider` of OpenRouter-style chunks.
const PROVIDER: &str = "FakeProvider";
/// OpenRouter's keep-alive comment.
const PROCESSING: &str = "OPENROUTER PROCESSING";
/// An sse-starlette ping comment.
const PING: &str = "ping - 2026-11-24 10:00:00.000000+00:00";
/// How many bytes of the next event `truncated` sends before aborting.
const CUT_AT: usize = 34;
/// KoboldCpp's 404 body (`text/html`), on every route it does not know.
pub(crate) const KOBOLD_NOT_FOUND: &str =
    "Error: HTTP Server is running, but this endpoint does not exist. Please check the URL.";
const OPENAI_OVERLOADED: &str = "The engine is currently overloaded, please try again later";
const OPENAI_BAD_JSON: &str = "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)";

/// Answers one request of the OpenAI-compatible family.
pub(crate) fn respond(
    opts: &FakeOptions,
    scenario: Scenario,
    reply: &str,
    req: &RecordedRequest,
) -> Reply {
    let dialect = opts.dialect;
    if !mounted(opts, &req.path) {
        return not_found(dialect, req);
    }
    let Some(route) = Route::of(&req.path) else {
        return not_found(dialect, req);
    };
    if req.method != route.method() {
        return wrong_method(dialect, route, req);
    }
    if scenario == Scenario::Unauthorized || !authorized(opts, req) {
        return unauthorized(dialect);
    }
    match (scenario, route) {
        (Scenario::StallBeforeHeaders, _) => Reply::never(),
        (Scenario::ServerErrorHtml, _) => {
            Reply::full(StatusCode::INTERNAL_SERVER_ERROR, "text/html", NGINX_500)
        }
        (Scenario::NoModelsRoute, Route::Models) => not_found(dialect, req),
        (_, Route::Models) => models(dialect, scenario, &opts.models),
        (_, Route::Key) => {
            let data = obj([
                ("label", s("fake")),
                ("usage", J::Int(0)),
                ("limit", J::Null),
                ("is_free_tier", J::Bool(false)),
            ]);
            Reply::json(StatusCode::OK, obj([("data", data)]).render(Fmt::COMPACT))
        }
        (_, Route::Chat) => generate(opts, scenario, reply, req, Kind::Chat),
        (_, Route::Text) => generate(opts, scenario, reply, req, Kind::Text),
    }
}

/// The routes, by the end of the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    Models,
    Chat,
    Text,
    Key,
}

impl Route {
    fn of(path: &str) -> Option<Route> {
        let path = path.strip_suffix('/').unwrap_or(path);
        if path.ends_with("/chat/completions") {
            Some(Route::Chat)
        } else if path.ends_with("/completions") {
            Some(Route::Text)
        } else if path.ends_with("/models") {
            Some(Route::Models)
        } else if path.ends_with("/key") {
            Some(Route::Key)
        } else {
            None
        }
    }

    fn method(self) -> &'static str {
        match self {
            Route::Models | Route::Key => "GET",
            Route::Chat | Route::Text => "POST",
        }
    }
}

/// `{"error":{"message","type","param","code"}}`, OpenAI's error shape.
fn openai_error(status: StatusCode, message: &str, kind: &str, code: J) -> Reply {
    let error = obj([
        ("message", s(message)),
        ("type", s(kind)),
        ("param", J::Null),
        ("code", code),
    ]);
    Reply::json(status, obj([("error", error)]).render(Fmt::COMPACT))
}

fn not_found(dialect: Dialect, req: &RecordedRequest) -> Reply {
    match dialect {
        Dialect::OpenAi => openai_error(
            StatusCode::NOT_FOUND,
            &format!("Invalid URL ({} {})", req.method, req.path),
            "invalid_request_error",
            J::Null,
        ),
        Dialect::LlamaCpp => Reply::json(StatusCode::NOT_FOUND, r#"{"detail":"Not Found"}"#),
        Dialect::KoboldCpp => Reply::full(StatusCode::NOT_FOUND, "text/html", KOBOLD_NOT_FOUND),
    }
}

fn wrong_method(dialect: Dialect, route: Route, req: &RecordedRequest) -> Reply {
    match dialect {
        Dialect::LlamaCpp => Reply::json(
            StatusCode::METHOD_NOT_ALLOWED,
            r#"{"detail":"Method Not Allowed"}"#,
        )
        .with_header("allow", route.method()),
        Dialect::OpenAi | Dialect::KoboldCpp => not_found(dialect, req),
    }
}

fn unauthorized(dialect: Dialect) -> Reply {
    match dialect {
        Dialect::OpenAi => openai_error(
            StatusCode::UNAUTHORIZED,
            "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            s("invalid_api_key"),
        ),
        Dialect::LlamaCpp => Reply::json(StatusCode::UNAUTHORIZED, r#"{"detail":"Invalid API key"}"#),
        Dialect::KoboldCpp => {
            let detail = obj([
                ("error", s("Unauthorized")),
                ("msg", s("Authentication key is missing or invalid.")),
                ("type", s("unauthorized")),
            ]);
            Reply::json(StatusCode::UNAUTHORIZED, obj([("detail", detail)]).render(Fmt::PYTHON))
        }
    }
}

fn bad_json(dialect: Dialect) -> Reply {
    match dialect {
        Dialect::OpenAi => openai_error(
            StatusCode::BAD_REQUEST,
            OPENAI_BAD_JSON,
            "invalid_request_error",
            J::Null,
        ),
        Dialect::LlamaCpp => Reply::full(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain; charset=utf-8",
            "Internal Server Error",
        ),
        Dialect::KoboldCpp => {
            let detail = obj([("msg", s("Error parsing input.")), ("type", s("bad_input"))]);
            Reply::json(
                StatusCode::INTERNAL_SERVER_ERROR,
                obj([("detail", detail)]).render(Fmt::PYTHON),
            )
        }
    }
}

fn models(dialect: Dialect, scenario: Scenario, models: &[String]) -> Reply {
    let listed = if scenario == Scenario::EmptyModels {
        &[][..]
    } else {
        models
    };
    let data = listed
        .iter()
        .map(|id| {
            let id = ("id", s(id.as_str()));
            let object = ("object", s("model"));
            match dialect {
                Dialect::OpenAi => obj([
                    id,
                    object,
                    ("created", J::Int(CREATED)),
                    ("owned_by", s("fake")),
                ]),
                Dialect::LlamaCpp => obj([
                    id,
                    object,
                    ("owned_by", s("me")),
                    ("permissions", J::Arr(vec![])),
                ]),
                Dialect::KoboldCpp => obj([
                    id,
                    object,
                    ("created", J::Int(CREATED)),
                    ("owned_by", s("koboldcpp")),
                    ("permission", J::Arr(vec![])),
                    ("root", s("koboldcpp")),
                ]),
            }
        })
        .collect();
    let list = obj([("object", s("list")), ("data", J::Arr(data))]);
    Reply::json(
        StatusCode::OK,
        list.render(Style::of(dialect, scenario).body_fmt()),
    )
}

/// Chat completion or legacy text completion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Chat,
    Text,
}

/// The server whose bytes a generation imitates: the dialect, unless the scenario is one
/// server's behaviour (OpenRouter's reasoning and errors, KoboldCpp's missing blank line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    OpenAi,
    OpenRouter,
    LlamaCpp,
    KoboldCpp,
}

impl Style {
    fn of(dialect: Dialect, scenario: Scenario) -> Style {
        match (scenario, dialect) {
            (Scenario::ReasoningOpenRouter | Scenario::MidStreamErrorOpenRouter, _) => {
                Style::OpenRouter
            }
            (Scenario::DoneNoBlankLine, _) | (_, Dialect::KoboldCpp) => Style::KoboldCpp,
            (_, Dialect::OpenAi) => Style::OpenAi,
            (_, Dialect::LlamaCpp) => Style::LlamaCpp,
        }
    }

    /// Formatting of SSE payloads: the Python servers stream `json.dumps` output.
    fn stream_fmt(self) -> Fmt {
        match self {
            Style::OpenAi | Style::OpenRouter => Fmt::COMPACT,
            Style::LlamaCpp | Style::KoboldCpp => Fmt::PYTHON,
        }
    }

    /// Formatting of whole JSON bodies: llama-cpp-python answers through FastAPI (compact, UTF-8).
    fn body_fmt(self) -> Fmt {
        match self {
            Style::KoboldCpp => Fmt::PYTHON,
            Style::OpenAi | Style::OpenRouter | Style::LlamaCpp => Fmt::COMPACT,
        }
    }

    fn sse_content_type(self) -> &'static str {
        match self {
            Style::KoboldCpp => "text/event-stream",
            _ => "text/event-stream; charset=utf-8",
        }
    }

    fn done(self) -> &'static str {
        match self {
            Style::KoboldCpp => "data: [DONE]",
            _ => "data: [DONE]\n\n",
        }
    }

    /// llama-cpp-python and KoboldCpp 1.76 ignore `stream_options.include_usage`.
    fn honours_include_usage(self) -> bool {
        matches!(self, Style::OpenAi | Style::OpenRouter)
    }

    fn usage(self) -> J {
        let (prompt, completion) = if self == Style::KoboldCpp {
            (100, 100)
        } else {
            (12, 9)
        };
        obj([
            ("prompt_tokens", J::Int(prompt)),
            ("completion_tokens", J::Int(completion)),
            ("total_tokens", J::Int(prompt + completion)),
        ])
    }
}

/// One step of a planned generation.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ev {
    /// The first chunk announcing the assistant role.
    Role,
    Content(String),
    Reasoning(String),
    /// The chunk carrying `finish_reason` (KoboldCpp puts it on the last content chunk).
    Finish(&'static str),
    /// A usage chunk with `"choices": []` (`false`) or `"choices": null` (`true`).
    Usage {
        null_choices: bool,
    },
    /// A chunk without a `choices` key.
    NoChoices,
    /// OpenAI's `{"error": …}` event.
    ErrorOpenAi,
    /// OpenRouter's chunk with a top-level `error` and `finish_reason: "error"`.
    ErrorOpenRouter,
    /// `: <text>` and a blank line.
    Comment(&'static str),
    /// Extra lines (each ending in `\n`) before the event's `data:` line.
    Lines(&'static str, Box<Ev>),
    /// The start of another event, then the connection is aborted.
    Cut,
    /// Silence with the connection open.
    Hang,
    Done,
}

fn contents(text: &str, n: usize) -> impl Iterator<Item = Ev> {
    pieces(text, n).into_iter().map(Ev::Content)
}

/// The events of a scenario's generation.
fn plan(scenario: Scenario, reply: &str) -> Vec<Ev> {
    let partial = || [Ev::Role].into_iter().chain(contents(PARTIAL_TEXT, 2));
    let normal = |finish| {
        [Ev::Role]
            .into_iter()
            .chain(contents(reply, 5))
            .chain([Ev::Finish(finish), Ev::Done])
    };
    match scenario {
        Scenario::Slow => [Ev::Role]
            .into_iter()
            .chain(slow_pieces().into_iter().map(Ev::Content))
            .chain([Ev::Finish("stop"), Ev::Done])
            .collect(),
        Scenario::KeepAlive => {
            let mut evs = vec![Ev::Comment(PROCESSING), Ev::Role];
            for (i, ev) in contents(reply, 5).enumerate() {
                evs.push(match i {
                    1 => Ev::Lines(": keep-alive\n", Box::new(ev)),
                    3 => Ev::Lines("event: message\nid: 5\n", Box::new(ev)),
                    _ => ev,
                });
                if i == 0 || i == 2 {
                    evs.push(Ev::Comment(PING));
                }
            }
            evs.extend([Ev::Finish("stop"), Ev::Done]);
            evs
        }
        Scenario::Usage => {
            let mut evs: Vec<Ev> = normal("stop").collect();
            evs.insert(
                evs.len() - 1,
                Ev::Usage {
                    null_choices: false,
                },
            );
            evs
        }
        Scenario::UsageNullChoices => {
            let mut evs: Vec<Ev> = normal("stop").collect();
            evs.insert(1, Ev::NoChoices);
            evs.insert(evs.len() - 1, Ev::Usage { null_choices: true });
            evs
        }
        Scenario::Reasoning | Scenario::ReasoningOpenRouter => [Ev::Role]
            .into_iter()
            .chain(pieces(REASONING_TEXT, 3).into_iter().map(Ev::Reasoning))
            .chain(contents(reply, 5))
            .chain([Ev::Finish("stop"), Ev::Done])
            .collect(),
        Scenario::MidStreamError => partial().chain([Ev::ErrorOpenAi]).collect(),
        Scenario::MidStreamErrorOpenRouter => partial().chain([Ev::ErrorOpenRouter]).collect(),
        Scenario::Truncated => partial().chain([Ev::Cut]).collect(),
        Scenario::EofNoDone => partial().collect(),
        Scenario::Stall => partial().chain([Ev::Hang]).collect(),
        Scenario::DoneNoBlankLine => normal("length").collect(),
        Scenario::Normal
        | Scenario::Split
        | Scenario::StallBeforeHeaders
        | Scenario::Unauthorized
        | Scenario::ModelNotFound
        | Scenario::RateLimited
        | Scenario::RateLimitedNoRetryAfter
        | Scenario::Overloaded
        | Scenario::ServerErrorHtml
        | Scenario::NoModelsRoute
        | Scenario::EmptyModels => normal("stop").collect(),
    }
}

fn generate(
    opts: &FakeOptions,
    scenario: Scenario,
    reply: &str,
    req: &RecordedRequest,
    kind: Kind,
) -> Reply {
    let Some(body) = req.json() else {
        return bad_json(opts.dialect);
    };
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| opts.models.first().cloned())
        .unwrap_or_else(|| "fake-model".to_owned());
    let rate_limit = || {
        let message = "Rate limit reached for requests. Please try again in 7s.";
        openai_error(
            StatusCode::TOO_MANY_REQUESTS,
            message,
            "requests",
            s("rate_limit_exceeded"),
        )
    };
    match scenario {
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
    let stream = body.get("stream") == Some(&Value::Bool(true));
    let include_usage = body.pointer("/stream_options/include_usage") == Some(&Value::Bool(true));
    let style = Style::of(opts.dialect, scenario);
    let usage_requested = stream && include_usage && style.honours_include_usage();
    let gen = Gen {
        style,
        kind,
        model,
        usage_null: usage_requested && style == Style::OpenAi,
    };
    let mut evs = plan(scenario, reply);
    if usage_requested && !evs.iter().any(|e| matches!(e, Ev::Usage { .. })) {
        if let Some(done) = evs.iter().position(|e| *e == Ev::Done) {
            evs.insert(
                done,
                Ev::Usage {
                    null_choices: false,
                },
            );
        }
    }
    if !stream {
        return gen.whole(&evs);
    }
    let frames = stream_frames(scenario, gen.render(&evs), opts.slow_delay);
    Reply::stream(style.sse_content_type(), frames)
}

/// Renders events for one request.
struct Gen {
    style: Style,
    kind: Kind,
    model: String,
    /// OpenAI with `include_usage`: every chunk but the usage chunk carries `"usage": null`.
    usage_null: bool,
}

/// What a chat delta says.
enum Delta<'a> {
    Role,
    Content(&'a str),
    Reasoning(&'a str),
    Empty,
}

impl Gen {
    fn id(&self, stream: bool) -> &'static str {
        match (self.style, self.kind, stream) {
            (Style::KoboldCpp, _, true) => "koboldcpp",
            (Style::KoboldCpp, Kind::Chat, false) => "chatcmpl-A1",
            (Style::KoboldCpp, Kind::Text, false) => "cmpl-A1",
            (Style::OpenRouter, _, _) => "gen-fake-1",
            (_, Kind::Chat, _) => "chatcmpl-fake-1",
            (_, Kind::Text, _) => "cmpl-fake-1",
        }
    }

    /// The leading keys of a chunk or completion object, in the server's order.
    fn head(&self, stream: bool) -> Vec<(&'static str, J)> {
        let object = match (self.kind, stream) {
            (Kind::Chat, true) => "chat.completion.chunk",
            (Kind::Chat, false) => "chat.completion",
            (Kind::Text, _) => "text_completion",
        };
        let (id, object) = (("id", s(self.id(stream))), ("object", s(object)));
        let (created, model) = (
            ("created", J::Int(CREATED)),
            ("model", s(self.model.as_str())),
        );
        let mut head = if self.style == Style::LlamaCpp && self.kind == Kind::Chat && stream {
            vec![id, model, created, object]
        } else {
            vec![id, object, created, model]
        };
        if self.style == Style::OpenRouter {
            head.push(("provider", s(PROVIDER)));
        }
        head
    }

    /// A stream chunk: `choices` (`None` = no key), an `error` before them, `usage` after.
    fn chunk(&self, choices: Option<J>, error: Option<J>, usage: Option<J>) -> J {
        let mut fields = self.head(true);
        fields.extend(error.map(|e| ("error", e)));
        fields.extend(choices.map(|c| ("choices", c)));
        match usage {
            Some(usage) => fields.push(("usage", usage)),
            None if self.usage_null => fields.push(("usage", J::Null)),
            None => {}
        }
        J::Obj(fields)
    }

    /// A `data:` event with a one-choice chunk; `body` is the delta (chat) or the text.
    fn choice_event(&self, body: J, finish: Option<&str>) -> String {
        self.data(&self.chunk(Some(self.choices(body, finish)), None, None))
    }

    /// A one-choice `choices` list; `body` is the delta (chat) or the text (text completion).
    fn choices(&self, body: J, finish: Option<&str>) -> J {
        let finish = match finish {
            Some(reason) => s(reason),
            None if self.style == Style::KoboldCpp => s("null"),
            None => J::Null,
        };
        let index = ("index", J::Int(0));
        let field = if self.kind == Kind::Chat {
            "delta"
        } else {
            "text"
        };
        let choice = match (self.style, self.kind) {
            (Style::KoboldCpp, _) => obj([index, ("finish_reason", finish), (field, body)]),
            (Style::OpenRouter, Kind::Chat) => obj([
                index,
                (field, body),
                ("finish_reason", finish.clone()),
                ("native_finish_reason", finish),
            ]),
            (Style::OpenRouter, Kind::Text) => obj([
                (field, body),
                index,
                ("finish_reason", finish.clone()),
                ("native_finish_reason", finish),
            ]),
            (_, Kind::Chat) => obj([
                index,
                (field, body),
                ("logprobs", J::Null),
                ("finish_reason", finish),
            ]),
            (_, Kind::Text) => obj([
                (field, body),
                index,
                ("logprobs", J::Null),
                ("finish_reason", finish),
            ]),
        };
        J::Arr(vec![choice])
    }

    fn delta(&self, delta: Delta<'_>) -> J {
        let role = ("role", s("assistant"));
        match (delta, self.style) {
            (Delta::Role, Style::LlamaCpp) => obj([role]),
            (Delta::Role, _) => obj([role, ("content", s(""))]),
            (Delta::Content(text), Style::OpenRouter | Style::KoboldCpp) => {
                obj([role, ("content", s(text))])
            }
            (Delta::Content(text), _) => obj([("content", s(text))]),
            (Delta::Reasoning(text), Style::OpenRouter) => obj([
                role,
                ("content", s("")),
                ("reasoning", s(text)),
                ("reasoning_details", J::Arr(vec![])),
            ]),
            (Delta::Reasoning(text), Style::KoboldCpp) => {
                obj([role, ("content", s("")), ("reasoning_content", s(text))])
            }
            (Delta::Reasoning(text), _) => {
                obj([("content", J::Null), ("reasoning_content", s(text))])
            }
            (Delta::Empty, _) => obj([]),
        }
    }

    /// The SSE stream, one piece per event.
    fn render(&self, evs: &[Ev]) -> Vec<Piece> {
        let mut out = Vec::with_capacity(evs.len());
        for (i, ev) in evs.iter().enumerate() {
            let next_finish = match evs.get(i + 1) {
                Some(Ev::Finish(reason)) => Some(*reason),
                _ => None,
            };
            self.event(ev, next_finish, &mut out);
        }
        out
    }

    fn data(&self, json: &J) -> String {
        format!("data: {}\n\n", json.render(self.style.stream_fmt()))
    }

    /// Renders one event; `next_finish` is the finish reason of a following `Finish`, which
    /// KoboldCpp puts on the last content chunk.
    fn event(&self, ev: &Ev, next_finish: Option<&'static str>, out: &mut Vec<Piece>) {
        let kobold = self.style == Style::KoboldCpp;
        let chat = self.kind == Kind::Chat;
        let text = match ev {
            Ev::Role if kobold || !chat => return,
            Ev::Role => self.choice_event(self.delta(Delta::Role), None),
            Ev::Content(text) => {
                let body = if chat {
                    self.delta(Delta::Content(text))
                } else {
                    s(text.as_str())
                };
                let finish = if kobold { next_finish } else { None };
                self.choice_event(body, finish)
            }
            Ev::Reasoning(_) if !chat => return,
            Ev::Reasoning(text) => self.choice_event(self.delta(Delta::Reasoning(text)), None),
            Ev::Finish(_) if kobold => return,
            Ev::Finish(reason) => {
                let body = if chat {
                    self.delta(Delta::Empty)
                } else {
                    s("")
                };
                self.choice_event(body, Some(reason))
            }
            Ev::Usage { null_choices } => {
                let choices = if *null_choices {
                    J::Null
                } else {
                    J::Arr(vec![])
                };
                self.data(&self.chunk(Some(choices), None, Some(self.style.usage())))
            }
            Ev::NoChoices => self.data(&self.chunk(None, None, None)),
            Ev::ErrorOpenAi => {
                let error = obj([
                    ("message", s(MIDSTREAM_ERROR_MESSAGE)),
                    ("type", s("server_error")),
                    ("param", J::Null),
                    ("code", J::Null),
                ]);
                format!(
                    "data: {}\n\n",
                    obj([("error", error)]).render(Fmt::SPACED_UTF8)
                )
            }
            Ev::ErrorOpenRouter => {
                let body = if chat {
                    obj([("content", s(""))])
                } else {
                    s("")
                };
                self.data(&self.chunk(
                    Some(self.choices(body, Some("error"))),
                    Some(openrouter_error()),
                    None,
                ))
            }
            Ev::Comment(comment) => format!(": {comment}\n\n"),
            Ev::Lines(lines, inner) => {
                let mut inner_out = Vec::new();
                self.event(inner, next_finish, &mut inner_out);
                for piece in inner_out {
                    out.push(match piece {
                        Piece::Bytes(bytes) => Piece::Bytes([lines.as_bytes(), &bytes].concat()),
                        other => other,
                    });
                }
                return;
            }
            Ev::Cut => {
                let mut next = Vec::new();
                self.event(&Ev::Content(" and the rest".to_owned()), None, &mut next);
                if let Some(Piece::Bytes(mut bytes)) = next.pop() {
                    bytes.truncate(CUT_AT);
                    out.push(Piece::Bytes(bytes));
                }
                out.push(Piece::Abort);
                return;
            }
            Ev::Hang => {
                out.push(Piece::Hang);
                return;
            }
            Ev::Done => self.style.done().to_owned(),
        };
        out.push(Piece::Bytes(text.into_bytes()));
    }

    /// The non-streaming answer: the same events folded into one JSON body, or the HTTP error
    /// (or broken body) that stands for how the stream would have ended.
    fn whole(&self, evs: &[Ev]) -> Reply {
        let (mut content, mut reasoning, mut finish) = (String::new(), String::new(), None);
        for ev in evs {
            let ev = match ev {
                Ev::Lines(_, inner) => inner,
                ev => ev,
            };
            match ev {
                Ev::Content(text) => content.push_str(text),
                Ev::Reasoning(text) => reasoning.push_str(text),
                Ev::Finish(reason) => finish = Some(*reason),
                Ev::ErrorOpenAi => {
                    let code = J::Null;
                    return openai_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        MIDSTREAM_ERROR_MESSAGE,
                        "server_error",
                        code,
                    );
                }
                Ev::ErrorOpenRouter => {
                    let body = obj([("error", openrouter_error())]).render(Fmt::COMPACT);
                    return Reply::json(StatusCode::BAD_GATEWAY, body);
                }
                Ev::Cut => {
                    let json = self
                        .completion(&content, &reasoning, finish)
                        .render(self.style.body_fmt());
                    let half = json.as_bytes()[..json.len() / 2].to_vec();
                    let broken = frames(vec![Piece::Bytes(half), Piece::Abort], None);
                    return Reply::json(StatusCode::OK, "").with_frames(broken);
                }
                Ev::Hang => return Reply::json(StatusCode::OK, "").with_frames(vec![Frame::Hang]),
                _ => {}
            }
        }
        let json = self.completion(&content, &reasoning, finish);
        Reply::json(StatusCode::OK, json.render(self.style.body_fmt()))
    }

    /// A `chat.completion` or `text_completion` object.
    fn completion(&self, content: &str, reasoning: &str, finish: Option<&str>) -> J {
        let finish = finish.map_or(J::Null, s);
        let index = ("index", J::Int(0));
        let choice = match self.kind {
            Kind::Chat => {
                let (role, content) = (("role", s("assistant")), ("content", s(content)));
                let mut message = match self.style {
                    Style::LlamaCpp => vec![content, role],
                    _ => vec![role, content],
                };
                if !reasoning.is_empty() {
                    let key = if self.style == Style::OpenRouter {
                        "reasoning"
                    } else {
                        "reasoning_content"
                    };
                    message.push((key, s(reasoning)));
                }
                match self.style {
                    Style::OpenAi => message.push(("refusal", J::Null)),
                    Style::KoboldCpp => message.push(("tool_calls", J::Arr(vec![]))),
                    Style::OpenRouter | Style::LlamaCpp => {}
                }
                let message = ("message", J::Obj(message));
                match self.style {
                    Style::KoboldCpp => obj([index, message, ("finish_reason", finish)]),
                    Style::OpenRouter => obj([
                        index,
                        message,
                        ("finish_reason", finish.clone()),
                        ("native_finish_reason", finish),
                    ]),
                    Style::OpenAi | Style::LlamaCpp => obj([
                        index,
                        message,
                        ("logprobs", J::Null),
                        ("finish_reason", finish),
                    ]),
                }
            }
            Kind::Text => {
                let text = ("text", s(content));
                match self.style {
                    Style::KoboldCpp => obj([text, index, ("finish_reason", finish)]),
                    Style::OpenRouter => obj([
                        text,
                        index,
                        ("finish_reason", finish.clone()),
                        ("native_finish_reason", finish),
                    ]),
                    Style::OpenAi | Style::LlamaCpp => obj([
                        text,
                        index,
                        ("logprobs", J::Null),
                        ("finish_reason", finish),
                    ]),
                }
            }
        };
        let mut fields = self.head(false);
        let (choices, usage) = (
            ("choices", J::Arr(vec![choice])),
            ("usage", self.style.usage()),
        );
        if self.style == Style::KoboldCpp {
            fields.extend([usage, choices]);
        } else {
            fields.extend([choices, usage]);
        }
        J::Obj(fields)
    }
}

/// OpenRouter's mid-stream provider failure.
fn openrouter_error() -> J {
    obj([
        ("code", J::Int(502)),
        ("message", s("Network connection lost.")),
        ("metadata", obj([("error_type", s("provider_unavailable"))])),
    ])
}
