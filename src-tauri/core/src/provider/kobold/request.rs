//! The KoboldAI API's requests as values, and its quirks as data: the optional password as a
//! Bearer token, United's routes under the base and KoboldCpp's under `{base}/api`, and what
//! its refusals mean. It must not send anything: [`crate::provider::support::Client`] does.

use reqwest::Method;

use crate::catalogue::ProviderKind;
use crate::endpoint;
use crate::error::{ErrorKind, Result};
use crate::model::ChatRequest;
use crate::provider::server_error::ServerError;
use crate::provider::support::{Client, Quirks, Refusal, Request, BEARER};

use super::wire;

/// How the KoboldAI API differs from the rest.
pub(crate) const QUIRKS: Quirks = Quirks {
    default_headers: &[],
    key_headers: &[BEARER],
    anonymous_key: None,
    refusal,
    max_json: 32 * 1024 * 1024,
};

fn refusal(status: u16, body: &str) -> Refusal {
    let server = ServerError::from_body(body);
    match status {
        // KoboldAI's "busy" and read-only answers.
        503 => Refusal::new(ErrorKind::ProviderUnavailable, server.message),
        501 => Refusal::new(ErrorKind::NotConfigured, server.message),
        422 => Refusal::new(
            ErrorKind::InvalidRequest,
            format!("the server refused a setting: {}", server.message),
        ),
        code => Refusal::new(server.kind_for_status(code), server.message),
    }
}

/// Whether the server is KoboldCpp (not United).
pub(crate) fn koboldcpp(client: &Client) -> bool {
    client.conn.kind == ProviderKind::KoboldCpp
}

/// The URL of an API path such as `/v1/model` or `/extra/version`.
pub(crate) fn url(client: &Client, path: &str) -> String {
    if koboldcpp(client) {
        endpoint::join(&client.conn.base_url, &format!("/api{path}"))
    } else {
        endpoint::join(&client.conn.base_url, path)
    }
}

/// `GET` of an API path.
pub(crate) fn get(client: &Client, path: &str) -> Request {
    client.request(Method::GET, url(client, path))
}

/// KoboldCpp's token count of `text` (also how a password is checked).
pub(crate) fn token_count(client: &Client, text: &str) -> Result<Request> {
    client.post(
        url(client, "/extra/tokencount"),
        serde_json::json!({ "prompt": text }),
    )
}

/// KoboldCpp's abort of the generation named `genkey`.
pub(crate) fn abort(client: &Client, genkey: &str) -> Result<Request> {
    client.post(
        url(client, "/extra/abort"),
        serde_json::json!({ "genkey": genkey }),
    )
}

/// A new generation key (KoboldCpp names a generation so that it can be aborted).
pub(crate) fn genkey(client: &Client) -> Option<String> {
    koboldcpp(client).then(|| format!("KCPP{}", uuid::Uuid::new_v4().simple()))
}

/// The generation: KoboldCpp streams from `…/extra/generate/stream`; otherwise
/// `…/v1/generate` answers whole.
pub(crate) fn generate(
    client: &Client,
    request: &ChatRequest,
    genkey: Option<&str>,
) -> Result<Request> {
    let cpp = koboldcpp(client);
    let path = if cpp && request.stream {
        "/extra/generate/stream"
    } else {
        "/v1/generate"
    };
    client.post(url(client, path), wire::generate_body(request, cpp, genkey))
}
