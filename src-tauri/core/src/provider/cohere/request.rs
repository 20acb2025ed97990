//! Cohere's requests as values, and its quirks as data: the key as a bearer token, the chat at
//! `{base}/chat` (the base ends in `/v2`), the model list at `{root}/v1/models?endpoint=chat`
//! (the root being the base without its `/v2`), and what its refusals mean (errors are
//! `{"id", "message"}`; an unknown model is 404 "model 'x' not found, …"). It must not send
//! anything: [`crate::provider::support::Client`] does.

use reqwest::Method;

use crate::endpoint;
use crate::error::{ErrorKind, Result};
use crate::model::ChatRequest;
use crate::provider::server_error::ServerError;
use crate::provider::support::{Client, Quirks, Refusal, Request, BEARER};

use super::wire;

/// Models asked for per page (the API's maximum).
const PAGE_SIZE: u32 = 1000;

/// How Cohere's API differs from the rest.
pub(crate) const QUIRKS: Quirks = Quirks {
    default_headers: &[],
    key_headers: &[BEARER],
    anonymous_key: None,
    refusal,
    max_json: 32 * 1024 * 1024,
};

fn refusal(status: u16, body: &str) -> Refusal {
    let server = ServerError::from_body(body);
    let kind = match status {
        // "too many tokens: …", Cohere's words for a prompt longer than the model takes, is
        // marked by the shared reading; 498 is a deny-listed token in the request or answer.
        498 => ErrorKind::InvalidRequest,
        // 499: the request was cancelled on Cohere's side; trying again is the remedy.
        499 => ErrorKind::ProviderUnavailable,
        _ => server.kind_for_status(status),
    };
    Refusal::new(kind, server.message)
}

/// The API's root: the base URL without its trailing `/v2`.
fn root(client: &Client) -> &str {
    let base = client.conn.base_url.trim_end_matches('/');
    base.strip_suffix("/v2").unwrap_or(base)
}

/// One page of the chat models, from the page `token` when given.
pub(crate) fn models_page(client: &Client, token: Option<&str>) -> Request {
    let mut url = endpoint::join(
        root(client),
        &format!("/v1/models?endpoint=chat&page_size={PAGE_SIZE}"),
    );
    if let Some(token) = token {
        url.push_str("&page_token=");
        url.push_str(&url::form_urlencoded::byte_serialize(token.as_bytes()).collect::<String>());
    }
    client.request(Method::GET, url)
}

/// The generation: `POST {base}/chat`.
pub(crate) fn chat(client: &Client, request: &ChatRequest) -> Result<Request> {
    client.post(
        endpoint::join(&client.conn.base_url, "/chat"),
        wire::chat_body(request),
    )
}
