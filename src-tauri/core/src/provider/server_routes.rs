//! The routes a llama.cpp server has at its root, beside the API a family speaks: `GET /props`
//! (its settings, the context size among them) and `POST /tokenize` (a token count). Both the
//! OpenAI-compatible family (for custom servers) and llama.cpp's own family read them, so they
//! live here once.
//!
//! Requests as values and answer parsing only: this module must not send anything (the
//! families do, through [`crate::provider::support::Client`]) nor know any other server.

use reqwest::Method;
use serde_json::Value;

use crate::endpoint;
use crate::error::Result;
use crate::provider::support::{Client, Request};

/// The server's root for its own routes: `base` without a trailing `/v1`.
pub(crate) fn server_root(base: &str) -> &str {
    let base = base.trim_end_matches('/');
    base.strip_suffix("/v1").unwrap_or(base)
}

/// `GET {root}/props`.
pub(crate) fn props(client: &Client, base: &str) -> Request {
    client.request(Method::GET, endpoint::join(server_root(base), "/props"))
}

/// `POST {root}/tokenize` of `text`.
pub(crate) fn tokenize(client: &Client, base: &str, text: &str) -> Result<Request> {
    client.post(
        endpoint::join(server_root(base), "/tokenize"),
        serde_json::json!({ "content": text }),
    )
}

/// The context size in `/props`: `default_generation_settings.n_ctx` (older builds put `n_ctx`
/// at the top level).
pub fn parse_props_context(body: &[u8]) -> Option<u32> {
    let value: Value = serde_json::from_slice(body).ok()?;
    value
        .pointer("/default_generation_settings/n_ctx")
        .or_else(|| value.get("n_ctx"))
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .filter(|&n| n > 0)
}

/// The token count in a `/tokenize` answer (`{"tokens":[…]}`; vLLM adds `count`).
pub fn parse_tokenize(body: &[u8]) -> Option<u32> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let count = match value.get("count").and_then(Value::as_u64) {
        Some(count) => count,
        None => value.get("tokens")?.as_array()?.len() as u64,
    };
    u32::try_from(count).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_the_base_without_v1() {
        assert_eq!(server_root("http://h:8080/v1/"), "http://h:8080");
        assert_eq!(server_root("http://h:8080"), "http://h:8080");
    }
}
