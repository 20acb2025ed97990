//! The Responses API's requests as values, and its quirks as data: the key as a bearer token
//! (as for chat completions), the generation at `POST {base}/responses`, the model list at
//! `GET {base}/models`, and OpenAI's error bodies read as the chat family reads them. It must
//! not send anything: [`crate::provider::support::Client`] does.

use reqwest::Method;

use crate::endpoint;
use crate::error::Result;
use crate::model::ChatRequest;
use crate::provider::server_error::ServerError;
use crate::provider::support::{Client, Quirks, Refusal, Request, BEARER};

use super::wire;

/// How the Responses API differs from the rest: nothing but its routes.
pub(crate) const QUIRKS: Quirks = Quirks {
    default_headers: &[],
    key_headers: &[BEARER],
    anonymous_key: None,
    refusal,
    max_json: 32 * 1024 * 1024,
};

/// OpenAI's `{"error":{"message","type","param","code"}}`, read as every OpenAI error is.
fn refusal(status: u16, body: &str) -> Refusal {
    let server = ServerError::from_body(body);
    Refusal::new(server.kind_for_status(status), server.message)
}

/// The generation: `POST {base}/responses`.
pub(crate) fn responses(client: &Client, request: &ChatRequest) -> Result<Request> {
    client.post(
        endpoint::join(&client.conn.base_url, "/responses"),
        wire::responses_body(request),
    )
}

/// The model list: `GET {base}/models`.
pub(crate) fn models(client: &Client) -> Request {
    client.request(
        Method::GET,
        endpoint::join(&client.conn.base_url, "/models"),
    )
}
