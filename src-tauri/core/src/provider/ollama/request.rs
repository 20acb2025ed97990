//! Ollama's native API requests as values, and its quirks as data: routes under the base URL
//! (`/api/chat`, `/api/generate`, `/api/tags`, `/api/version`), an optional key as a Bearer
//! token (a proxy in front of Ollama, or ollama.com), and what its refusals mean (errors are
//! `{"error": "…"}`; an unknown model is 404 "model \"x\" not found, try pulling it first"). It
//! must not send anything: [`crate::provider::support::Client`] does.

use reqwest::Method;

use crate::catalogue::ApiType;
use crate::endpoint;
use crate::error::{ErrorKind, Result};
use crate::model::ChatRequest;
use crate::provider::server_error::ServerError;
use crate::provider::support::{Client, Quirks, Refusal, Request, BEARER};

use super::wire;

/// How Ollama's API differs from the rest.
pub(crate) const QUIRKS: Quirks = Quirks {
    default_headers: &[],
    key_headers: &[BEARER],
    anonymous_key: None,
    refusal,
    max_json: 32 * 1024 * 1024,
};

fn refusal(status: u16, body: &str) -> Refusal {
    let server = ServerError::from_body(body);
    let kind = server.kind_for_status(status);
    if kind == ErrorKind::ModelNotFound {
        return Refusal {
            kind,
            message: format!(
                "Ollama has no model of that name ({}). Pull it on the server first (`ollama pull <model>`), or choose one of the models it lists",
                server.message
            ),
            detail: Some(server.message),
        };
    }
    Refusal::new(kind, server.message)
}

/// The URL of an API path such as `/api/tags`.
pub(crate) fn url(client: &Client, path: &str) -> String {
    endpoint::join(&client.conn.base_url, path)
}

/// `GET` of an API path.
pub(crate) fn get(client: &Client, path: &str) -> Request {
    client.request(Method::GET, url(client, path))
}

/// The generation: `POST /api/chat` with the messages, or (text completion) `POST
/// /api/generate` with the templated prompt and `raw: true`.
pub(crate) fn generate(client: &Client, request: &ChatRequest) -> Result<Request> {
    let keep_alive = client
        .conn
        .options
        .source
        .ollama_keep_alive
        .as_deref()
        .filter(|k| !k.trim().is_empty());
    match client.conn.api {
        ApiType::ChatCompletion => client.post(
            url(client, "/api/chat"),
            wire::chat_body(request, keep_alive),
        ),
        ApiType::TextCompletion => client.post(
            url(client, "/api/generate"),
            wire::generate_body(request, keep_alive),
        ),
    }
}
