//! Anthropic's requests as values, and its quirks as data: the key in `x-api-key`, the
//! `anthropic-version` every request names, the paged model list, and which refusals mean an
//! unknown model or an overload. It must not send anything:
//! [`crate::provider::support::Client`] does.

use reqwest::Method;

use crate::endpoint;
use crate::error::{ErrorKind, Result};
use crate::model::ChatRequest;
use crate::provider::server_error::ServerError;
use crate::provider::support::{Client, KeyHeader, Quirks, Refusal, Request};

use super::wire;

/// The API version every request names.
pub const API_VERSION: &str = "2023-06-01";
/// Models asked for per page.
const PAGE_SIZE: u32 = 100;

/// How the Messages API differs from the rest.
pub(crate) const QUIRKS: Quirks = Quirks {
    default_headers: &[("anthropic-version", API_VERSION)],
    key_headers: &[KeyHeader {
        name: "x-api-key",
        scheme: "",
    }],
    anonymous_key: None,
    refusal,
    max_json: 32 * 1024 * 1024,
};

fn refusal(status: u16, body: &str) -> Refusal {
    let server = ServerError::from_body(body);
    let kind = match server.code.as_deref() {
        Some("not_found_error") if server.message.starts_with("model") => ErrorKind::ModelNotFound,
        Some("overloaded_error") => ErrorKind::ProviderUnavailable,
        _ => server.kind_for_status(status),
    };
    Refusal::new(kind, server.message)
}

/// One page of the model list, after the model `after` when given.
pub(crate) fn models_page(client: &Client, after: Option<&str>) -> Request {
    let mut url = endpoint::join(&client.conn.base_url, &format!("/models?limit={PAGE_SIZE}"));
    if let Some(id) = after {
        url.push_str("&after_id=");
        url.push_str(&url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>());
    }
    client.request(Method::GET, url)
}

/// The generation: `POST {base}/messages`.
pub(crate) fn messages(client: &Client, request: &ChatRequest) -> Result<Request> {
    client.post(
        endpoint::join(&client.conn.base_url, "/messages"),
        wire::messages_body(request),
    )
}
