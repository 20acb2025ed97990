//! A llama.cpp server started with a small context (`llama-server -c N`), for the OpenAI
//! family when [`FakeOptions::context_limit`] is set: its own routes at the server's root and
//! its refusal of a prompt that does not fit.
//!
//! | Route | Answer |
//! | --- | --- |
//! | `GET …/props` | `{"default_generation_settings":{"n_ctx":N,"params":{"n_predict":-1}},"total_slots":1,"model_path":<first model>,"build_info":"fake"}` |
//! | `POST …/tokenize` `{"content"}` | `{"tokens":[0,1,…]}`, one token per 4 bytes of `content` (rounded up) |
//! | `POST …/chat/completions`, `…/completions` | a prompt of N tokens or more: 400 `{"error":{"code":400,"message":"request (P tokens) exceeds the available context size (N tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":P,"n_ctx":N}}`, or with [`FakeOptions::context_overflow_drops`] the connection closed with no body; a prompt that fits goes on to the dialect's answer |
//!
//! The fake's tokenizer: a text is one token per 4 bytes, rounded up ([`fake_tokens`]). A
//! chat request's prompt is the tokens of every message as `"{role}\n{content}\n"` joined,
//! plus 4 per message and 3 for the reply's start (what a chat template adds); a text
//! completion's is its `prompt`'s tokens. Real tokenizers differ; the shape of the routes and
//! the error body are llama.cpp's (`tools/server`, 2025–2026).

use axum::http::StatusCode;
use serde_json::Value;

use crate::json::{obj, s, Fmt, J};
use crate::reply::{frames, Piece, Reply};
use crate::server::RecordedRequest;
use crate::FakeOptions;

/// Tokens of `text` to the fake's tokenizer: one per 4 bytes, rounded up.
pub fn fake_tokens(text: &str) -> u32 {
    u32::try_from(text.len().div_ceil(4)).unwrap_or(u32::MAX)
}

/// The answer to `req` when it is one of the routes above (or a prompt over the limit).
pub(crate) fn answer(opts: &FakeOptions, req: &RecordedRequest) -> Option<Reply> {
    let n_ctx = opts.context_limit?;
    let path = req.path.trim_end_matches('/');
    if path.ends_with("/props") && req.method == "GET" {
        let settings = obj([
            ("n_ctx", J::Int(i64::from(n_ctx))),
            ("params", obj([("n_predict", J::Int(-1))])),
        ]);
        let body = obj([
            ("default_generation_settings", settings),
            ("total_slots", J::Int(1)),
            (
                "model_path",
                s(opts.models.first().map_or("model.gguf", String::as_str)),
            ),
            ("build_info", s("fake")),
        ]);
        return Some(Reply::json(StatusCode::OK, body.render(Fmt::COMPACT)));
    }
    let body = req.json().unwrap_or(Value::Null);
    if path.ends_with("/tokenize") && req.method == "POST" {
        let content = body.get("content").and_then(Value::as_str).unwrap_or("");
        let tokens = (0..i64::from(fake_tokens(content))).map(J::Int).collect();
        let body = obj([("tokens", J::Arr(tokens))]);
        return Some(Reply::json(StatusCode::OK, body.render(Fmt::COMPACT)));
    }
    if !(path.ends_with("/completions") && req.method == "POST") {
        return None;
    }
    let prompt = prompt_tokens(&body);
    if prompt < n_ctx {
        return None;
    }
    if opts.context_overflow_drops {
        return Some(Reply::json(StatusCode::OK, "").with_frames(frames(vec![Piece::Abort], None)));
    }
    let error = obj([
        ("code", J::Int(400)),
        (
            "message",
            s(format!(
                "request ({prompt} tokens) exceeds the available context size ({n_ctx} tokens), try increasing it"
            )),
        ),
        ("type", s("exceed_context_size_error")),
        ("n_prompt_tokens", J::Int(i64::from(prompt))),
        ("n_ctx", J::Int(i64::from(n_ctx))),
    ]);
    Some(Reply::json(
        StatusCode::BAD_REQUEST,
        obj([("error", error)]).render(Fmt::COMPACT),
    ))
}

/// The prompt's tokens of a chat or text completion request, as the module documentation says.
pub fn prompt_tokens(body: &Value) -> u32 {
    if let Some(prompt) = body.get("prompt").and_then(Value::as_str) {
        return fake_tokens(prompt);
    }
    let messages = body
        .get("messages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut text = String::new();
    for message in &messages {
        text.push_str(message.get("role").and_then(Value::as_str).unwrap_or(""));
        text.push('\n');
        match message.get("content") {
            Some(Value::String(content)) => text.push_str(content),
            Some(Value::Array(parts)) => {
                for part in parts {
                    text.push_str(part.get("text").and_then(Value::as_str).unwrap_or(""));
                }
            }
            _ => {}
        }
        text.push('\n');
    }
    let count = u32::try_from(messages.len()).unwrap_or(u32::MAX);
    fake_tokens(&text) + 4 * count + 3
}
