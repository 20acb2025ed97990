//! llama.cpp's own server's requests as values, and its quirks as data: the optional key
//! (`--api-key`) as a Bearer token, every route at the server's root, and what its refusals
//! mean (503 "Loading model" while the model loads). It must not send anything:
//! [`crate::provider::support::Client`] does.

use reqwest::Method;

use crate::endpoint;
use crate::error::{ErrorKind, Result};
use crate::model::ChatRequest;
use crate::provider::server_error::ServerError;
use crate::provider::support::{Client, Quirks, Refusal, Request, BEARER};

use super::wire;

/// How llama.cpp's server differs from the rest.
pub(crate) const QUIRKS: Quirks = Quirks {
    default_headers: &[],
    key_headers: &[BEARER],
    anonymous_key: None,
    refusal,
    max_json: 32 * 1024 * 1024,
};

/// What the server says while its model loads (`GET /health` and every other route: 503).
const LOADING: &str = "Loading model";

/// The sentence for a server whose model is still loading.
pub(crate) const STILL_LOADING: &str =
    "the model is still loading; try again when the server has loaded it";

fn refusal(status: u16, body: &str) -> Refusal {
    let server = ServerError::from_body(body);
    if status == 503 && server.message.eq_ignore_ascii_case(LOADING) {
        return Refusal::new(ErrorKind::ProviderUnavailable, STILL_LOADING.to_string());
    }
    Refusal::new(server.kind_for_status(status), server.message)
}

/// `GET {base}{path}`.
pub(crate) fn get(client: &Client, path: &str) -> Request {
    client.request(Method::GET, url(client, path))
}

/// The URL of a route at the server's root.
pub(crate) fn url(client: &Client, path: &str) -> String {
    endpoint::join(&client.conn.base_url, path)
}

/// The text completion: `POST {base}/completion`.
pub(crate) fn completion(client: &Client, request: &ChatRequest) -> Result<Request> {
    client.post(url(client, "/completion"), wire::completion_body(request))
}
