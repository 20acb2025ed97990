//! AI Horde's requests as values, and its quirks as data: every request names the client in
//! `Client-Agent`, the key goes in `apikey` (the anonymous key when there is none), and a
//! refusal's `rc` says what went wrong. It must not send anything:
//! [`crate::provider::support::Client`] does.

use reqwest::Method;

use crate::endpoint;
use crate::error::Result;
use crate::model::ChatRequest;
use crate::provider::server_error::ServerError;
use crate::provider::support::{Client, KeyHeader, Quirks, Refusal, Request};

use super::wire::{self, Limits, ANONYMOUS_KEY};

/// The `Client-Agent` header: `name:version:contact`.
pub const CLIENT_AGENT: &str = concat!("Switchboard:", env!("CARGO_PKG_VERSION"), ":desktop-app");

/// How the AI Horde differs from the rest.
pub(crate) const QUIRKS: Quirks = Quirks {
    default_headers: &[("client-agent", CLIENT_AGENT)],
    key_headers: &[KeyHeader {
        name: "apikey",
        scheme: "",
    }],
    anonymous_key: Some(ANONYMOUS_KEY),
    refusal,
    max_json: 32 * 1024 * 1024,
};

fn refusal(status: u16, body: &str) -> Refusal {
    let (message, rc) = wire::parse_error(body);
    let (kind, hint) = rc
        .as_deref()
        .and_then(wire::rc_kind)
        .unwrap_or_else(|| (ServerError::from_body(body).kind_for_status(status), ""));
    Refusal {
        kind,
        message: format!("{message}{hint}"),
        detail: rc.map(|rc| format!("rc: {rc}")),
    }
}

/// The URL of an API path.
pub(crate) fn url(client: &Client, path: &str) -> String {
    endpoint::join(&client.conn.base_url, path)
}

/// `GET` of an API path.
pub(crate) fn get(client: &Client, path: &str) -> Request {
    client.request(Method::GET, url(client, path))
}

/// The submission of a generation, sized to the workers' `limits`.
pub(crate) fn submit(
    client: &Client,
    request: &ChatRequest,
    limits: Option<Limits>,
) -> Result<Request> {
    client.post(
        url(client, "/generate/text/async"),
        wire::submit_body(request, limits),
    )
}

/// The path of a submitted request's status.
pub(crate) fn status_path(id: &str) -> String {
    format!("/generate/text/status/{id}")
}

/// The cancel of a submitted request.
pub(crate) fn cancel(client: &Client, id: &str) -> Request {
    client.request(Method::DELETE, url(client, &status_path(id)))
}
