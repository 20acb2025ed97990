//! What text-generation-webui ([`Dialect::Ooba`](crate::Dialect::Ooba)) does around the
//! OpenAI-compatible routes, as its `modules/api/script.py` on FastAPI 0.112.4, pydantic 2.11
//! and sse-starlette 1.6.5 answers (the bodies below were recorded from those versions): the
//! `Host` check, bearer auth, reading the body before auth, FastAPI's validation errors, its 404,
//! 405 and trailing-slash redirect, and the `…/internal/*` and `…/models/{id}` routes. The
//! generation itself is rendered by `openai.rs` in its `Ooba` style.

use axum::http::StatusCode;
use serde_json::Value;

use crate::json::{obj, parse_python, s, Fmt, J};
use crate::reply::Reply;
use crate::server::RecordedRequest;
use crate::{FakeOptions, Scenario, OOBA_LOADER};

/// Starlette's answer to an exception: here, a validation error Ooba's handler cannot serialise.
const INTERNAL_SERVER_ERROR: &str = "Internal Server Error";

/// The message of [`Scenario::Overloaded`] (Ooba has no busy error of its own; this is what its
/// `OpenAIError` handler would send for a 503).
pub(crate) const OVERLOADED: &str = "The server is busy with another request. Try again later.";

/// `validate_host_header`: without `--listen` only `localhost` and `127.0.0.1` (any port) pass.
pub(crate) fn host_allowed(opts: &FakeOptions, req: &RecordedRequest) -> bool {
    let host = req.header("host").unwrap_or("");
    opts.listen || matches!(host.split(':').next(), Some("localhost" | "127.0.0.1"))
}

pub(crate) fn invalid_host() -> Reply {
    Reply::json(
        StatusCode::BAD_REQUEST,
        r#"{"detail":"Invalid host header"}"#,
    )
}

/// `verify_api_key`: the header must be exactly `Bearer <key>` (no other scheme spelling, no
/// `x-api-key`).
pub(crate) fn authorized(opts: &FakeOptions, req: &RecordedRequest) -> bool {
    match opts.api_key.as_deref() {
        None => true,
        Some(key) => req.header("authorization") == Some(format!("Bearer {key}").as_str()),
    }
}

pub(crate) fn unauthorized() -> Reply {
    Reply::json(StatusCode::UNAUTHORIZED, r#"{"detail":"Unauthorized"}"#)
}

pub(crate) fn not_found() -> Reply {
    Reply::json(StatusCode::NOT_FOUND, r#"{"detail":"Not Found"}"#)
}

/// Starlette's `redirect_slashes`: a path that only matches without its trailing slash.
pub(crate) fn redirect(req: &RecordedRequest, path: &str) -> Reply {
    let host = req.header("host").unwrap_or("127.0.0.1");
    let query = req
        .query
        .as_deref()
        .map_or(String::new(), |q| format!("?{q}"));
    Reply::empty(StatusCode::TEMPORARY_REDIRECT)
        .with_header("location", format!("http://{host}{path}{query}"))
}

/// An exception Starlette turns into its plain 500.
pub(crate) fn internal_error() -> Reply {
    Reply::full(
        StatusCode::INTERNAL_SERVER_ERROR,
        "text/plain; charset=utf-8",
        INTERNAL_SERVER_ERROR,
    )
}

/// `openai_error_handler`: `{"error":{"message","type","param","code":null}}`, the type
/// `server_error` from 500 on, else `invalid_request_error`.
pub(crate) fn openai_error(status: StatusCode, message: &str, param: Option<&str>) -> Reply {
    let kind = if status.is_server_error() {
        "server_error"
    } else {
        "invalid_request_error"
    };
    let error = obj([
        ("message", s(message)),
        ("type", s(kind)),
        ("param", param.map_or(J::Null, s)),
        ("code", J::Null),
    ]);
    Reply::json(status, obj([("error", error)]).render(Fmt::COMPACT))
}

/// The request body as FastAPI hands it to validation.
#[derive(Clone, Debug)]
pub(crate) enum Body {
    /// No bytes, or JSON `null`.
    Missing,
    /// Bytes under a content type that is not JSON (validation then fails with an error Ooba's
    /// handler cannot serialise).
    Raw,
    /// Parsed JSON, keys in document order.
    Json(J),
}

/// FastAPI's body reading, which runs before the dependencies (so before auth): JSON is parsed
/// when there is no content type or an `application/json` / `application/*+json` one; a body
/// that is not UTF-8 is 400, one that is not JSON is 422 `json_invalid` with Python's message and
/// position.
pub(crate) fn read_body(req: &RecordedRequest) -> Result<Body, Reply> {
    if req.body.is_empty() {
        return Ok(Body::Missing);
    }
    if !req.header("content-type").is_none_or(is_json_type) {
        return Ok(Body::Raw);
    }
    let Ok(text) = std::str::from_utf8(&req.body) else {
        return Err(Reply::json(
            StatusCode::BAD_REQUEST,
            r#"{"detail":"There was an error parsing the body"}"#,
        ));
    };
    match parse_python(text) {
        Ok(J::Null) => Ok(Body::Missing),
        Ok(json) => Ok(Body::Json(json)),
        Err(e) => Err(unprocessable(vec![item(
            "json_invalid",
            vec![s("body"), J::Int(i64::try_from(e.pos).unwrap_or(i64::MAX))],
            "JSON decode error",
            obj([]),
            Some(obj([("error", s(e.msg))])),
        )])),
    }
}

/// Python's `email.message` reading of a content type: `application/json` or `…/…+json`.
fn is_json_type(content_type: &str) -> bool {
    let media = content_type.split(';').next().unwrap_or("").trim();
    let media = media.to_ascii_lowercase();
    match media.split_once('/') {
        Some((main, sub)) if !sub.contains('/') => {
            main == "application" && (sub == "json" || sub.ends_with("+json"))
        }
        _ => false,
    }
}

/// The request models the fake validates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Schema {
    /// `ChatCompletionRequest`: `messages` is a non-empty list of objects.
    Chat,
    /// `CompletionRequest`: `prompt` a string or list of strings, `messages` a list of objects,
    /// one of them present.
    Completion,
    /// `EncodeRequest`: `text` is a string.
    Encode,
}

/// One pydantic error as FastAPI lists it (`type`, `loc`, `msg`, `input`, `ctx`).
fn item(kind: &'static str, loc: Vec<J>, msg: &str, input: J, ctx: Option<J>) -> J {
    let mut fields = vec![
        ("type", s(kind)),
        ("loc", J::Arr(loc)),
        ("msg", s(msg)),
        ("input", input),
    ];
    fields.extend(ctx.map(|ctx| ("ctx", ctx)));
    J::Obj(fields)
}

fn unprocessable(errors: Vec<J>) -> Reply {
    let body = obj([("detail", J::Arr(errors))]);
    Reply::json(StatusCode::UNPROCESSABLE_ENTITY, body.render(Fmt::COMPACT))
}

fn loc(path: &[&str]) -> Vec<J> {
    path.iter().map(|p| s(*p)).collect()
}

fn string_type(loc: Vec<J>, input: &J) -> J {
    let msg = "Input should be a valid string";
    item("string_type", loc, msg, input.clone(), None)
}

/// A `List[dict]` field: `list_type`, or `dict_type` for each item that is not an object.
fn dict_list(field: &'static str, value: &J, errors: &mut Vec<J>) -> Option<usize> {
    let J::Arr(items) = value else {
        let msg = "Input should be a valid list";
        errors.push(item(
            "list_type",
            loc(&["body", field]),
            msg,
            value.clone(),
            None,
        ));
        return None;
    };
    for (i, entry) in items.iter().enumerate() {
        if !matches!(entry, J::Map(_) | J::Obj(_)) {
            let mut at = loc(&["body", field]);
            at.push(J::Int(i64::try_from(i).unwrap_or(i64::MAX)));
            let msg = "Input should be a valid dictionary";
            errors.push(item("dict_type", at, msg, entry.clone(), None));
        }
    }
    Some(items.len())
}

/// Validates a body against a request model (only the fields the fake reads; samplers and
/// unknown keys pass unchecked, as unknown keys do in Ooba). `Ok`: the body as a value.
pub(crate) fn validate(schema: Schema, body: &Body) -> Result<Value, Reply> {
    let pairs = match body {
        Body::Missing => {
            let missing = item("missing", loc(&["body"]), "Field required", J::Null, None);
            return Err(unprocessable(vec![missing]));
        }
        Body::Raw => return Err(internal_error()),
        Body::Json(J::Map(pairs)) => pairs,
        Body::Json(other) => {
            let msg = "Input should be a valid dictionary or object to extract fields from";
            let error = item(
                "model_attributes_type",
                loc(&["body"]),
                msg,
                other.clone(),
                None,
            );
            return Err(unprocessable(vec![error]));
        }
    };
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    let whole = || J::Map(pairs.clone());
    let missing = |field: &str| {
        item(
            "missing",
            loc(&["body", field]),
            "Field required",
            whole(),
            None,
        )
    };
    let mut errors = Vec::new();
    match schema {
        Schema::Chat => match get("messages") {
            None => errors.push(missing("messages")),
            Some(messages) => {
                if dict_list("messages", messages, &mut errors) == Some(0) {
                    let msg = "List should have at least 1 item after validation, not 0";
                    let ctx = obj([
                        ("field_type", s("List")),
                        ("min_length", J::Int(1)),
                        ("actual_length", J::Int(0)),
                    ]);
                    errors.push(item(
                        "too_short",
                        loc(&["body", "messages"]),
                        msg,
                        J::Arr(vec![]),
                        Some(ctx),
                    ));
                }
            }
        },
        Schema::Completion => {
            match get("prompt") {
                None | Some(J::Null | J::Str(_)) => {}
                Some(prompt @ J::Arr(items)) => {
                    for (i, entry) in items.iter().enumerate() {
                        if !matches!(entry, J::Str(_)) {
                            let mut at = loc(&["body", "prompt", "list[str]"]);
                            at.push(J::Int(i64::try_from(i).unwrap_or(i64::MAX)));
                            errors.push(string_type(at, entry));
                        }
                    }
                    if !errors.is_empty() {
                        errors.push(string_type(loc(&["body", "prompt", "str"]), prompt));
                    }
                }
                Some(prompt) => {
                    let msg = "Input should be a valid list";
                    let at = loc(&["body", "prompt", "list[str]"]);
                    errors.push(item("list_type", at, msg, prompt.clone(), None));
                    errors.push(string_type(loc(&["body", "prompt", "str"]), prompt));
                }
            }
            if let Some(messages) = get("messages").filter(|m| !matches!(m, J::Null)) {
                dict_list("messages", messages, &mut errors);
            }
            let absent = |key: &str| matches!(get(key), None | Some(J::Null));
            if errors.is_empty() && absent("prompt") && absent("messages") {
                // pydantic's `value_error` carries the `ValueError` in `ctx`, which Ooba's
                // `validation_error_handler` cannot `json.dumps`: the client gets Starlette's 500.
                return Err(internal_error());
            }
        }
        Schema::Encode => match get("text") {
            None => errors.push(missing("text")),
            Some(J::Str(_)) => {}
            Some(other) => errors.push(string_type(loc(&["body", "text"]), other)),
        },
    }
    if errors.is_empty() {
        Ok(J::Map(pairs.clone()).to_value())
    } else {
        Err(unprocessable(errors))
    }
}

/// pydantic's lax `bool`: `true`, `1`, and `"1"`, `"on"`, `"t"`, `"true"`, `"y"`, `"yes"` in
/// any case.
pub(crate) fn lax_true(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64() == Some(1.0),
        Some(Value::String(text)) => matches!(
            text.to_ascii_lowercase().as_str(),
            "1" | "on" | "t" | "true" | "y" | "yes"
        ),
        _ => false,
    }
}

/// pydantic's lax `int` (numbers without a fraction, numeric strings); `None` otherwise.
pub(crate) fn lax_int(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(n) => n.as_i64().or_else(|| {
            let x = n.as_f64()?;
            // The float is integral and in range, so the cast is exact.
            #[allow(clippy::cast_possible_truncation)]
            (x.fract() == 0.0 && x.abs() < 9e15).then_some(x as i64)
        }),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// The loaded model (`shared.model_name`): the first of [`FakeOptions::models`], `"None"` when
/// there is none or in [`Scenario::EmptyModels`].
pub(crate) fn loaded_model(opts: &FakeOptions, scenario: Scenario) -> String {
    match opts.models.first() {
        Some(model) if scenario != Scenario::EmptyModels => model.clone(),
        _ => "None".to_owned(),
    }
}

/// `model_info_dict`: `{"id","object":"model","created":0,"owned_by":"user"}`.
pub(crate) fn model_entry(id: &str) -> J {
    obj([
        ("id", s(id)),
        ("object", s("model")),
        ("created", J::Int(0)),
        ("owned_by", s("user")),
    ])
}

/// `GET …/models`: only the loaded model, or nothing.
pub(crate) fn models(opts: &FakeOptions, scenario: Scenario) -> Reply {
    let model = loaded_model(opts, scenario);
    let data = if model == "None" {
        vec![]
    } else {
        vec![model_entry(&model)]
    };
    let list = obj([("object", s("list")), ("data", J::Arr(data))]);
    Reply::json(StatusCode::OK, list.render(Fmt::COMPACT))
}

/// `GET …/models/{id}`: any id is described (Ooba does not check it).
pub(crate) fn model(id: &str) -> Reply {
    Reply::json(StatusCode::OK, model_entry(id).render(Fmt::COMPACT))
}

/// `GET …/internal/model/info`.
pub(crate) fn model_info(opts: &FakeOptions, scenario: Scenario) -> Reply {
    let info = obj([
        ("model_name", s(loaded_model(opts, scenario))),
        ("lora_names", J::Arr(vec![])),
        ("loader", s(OOBA_LOADER)),
    ]);
    Reply::json(StatusCode::OK, info.render(Fmt::COMPACT))
}

/// `GET …/internal/health`.
pub(crate) fn health() -> Reply {
    Reply::json(StatusCode::OK, r#"{"status":"ok"}"#)
}

/// `POST …/internal/token-count {"text"}` → `{"length": n}` (the fake's tokens are words with
/// their trailing whitespace, as in the Kobold fake).
pub(crate) fn token_count(body: &Body) -> Reply {
    match validate(Schema::Encode, body) {
        Ok(value) => {
            let text = value.get("text").and_then(Value::as_str).unwrap_or("");
            let length = i64::try_from(crate::kobold::tokens(text).len()).unwrap_or(i64::MAX);
            Reply::json(
                StatusCode::OK,
                obj([("length", J::Int(length))]).render(Fmt::COMPACT),
            )
        }
        Err(reply) => reply,
    }
}

/// Decodes `%XX` escapes as Starlette does for path parameters (invalid ones stay as they are).
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types_as_python_reads_them() {
        for ct in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/vnd.x+json",
        ] {
            assert!(is_json_type(ct), "{ct}");
        }
        for ct in [
            "text/plain",
            "json",
            "application/x-www-form-urlencoded",
            "a/b/c",
        ] {
            assert!(!is_json_type(ct), "{ct}");
        }
    }

    #[test]
    fn lax_values_and_percent_decoding() {
        use serde_json::json;
        assert!(lax_true(Some(&json!("Yes"))) && lax_true(Some(&json!(1))));
        assert!(!lax_true(Some(&json!("maybe"))) && !lax_true(None));
        assert_eq!(lax_int(Some(&json!("2"))), Some(2));
        assert_eq!(lax_int(Some(&json!(2.0))), Some(2));
        assert_eq!(lax_int(Some(&json!(2.5))), None);
        assert_eq!(percent_decode("a%20b%2Fc%zz"), "a b/c%zz");
    }
}
