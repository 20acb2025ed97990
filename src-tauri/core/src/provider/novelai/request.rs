//! NovelAI's requests as values, and its quirks as data: the token as Bearer, the account on
//! another host than generation, and which refusals mean an unknown model. It must not send
//! anything: [`crate::provider::support::Client`] does.

use crate::endpoint;
use crate::error::{Error, ErrorKind, Result};
use crate::model::ChatRequest;
use crate::provider::server_error::ServerError;
use crate::provider::support::{Client, Quirks, Refusal, Request, BEARER};

use super::wire;

const TEXT_HOST: &str = "https://text.novelai.net";
const ACCOUNT_HOST: &str = "https://api.novelai.net";

/// How NovelAI differs from the rest.
pub(crate) const QUIRKS: Quirks = Quirks {
    default_headers: &[],
    key_headers: &[BEARER],
    anonymous_key: None,
    refusal,
    max_json: 8 * 1024 * 1024,
};

fn refusal(status: u16, body: &str) -> Refusal {
    let server = ServerError::from_body(body);
    let kind = match status {
        400 if server.message.to_ascii_lowercase().contains("model") => ErrorKind::ModelNotFound,
        code => server.kind_for_status(code),
    };
    Refusal::new(kind, server.message)
}

/// `GET` of the subscription: on `api.novelai.net` for the official host (both are
/// NovelAI's), at the base URL otherwise (a proxy serves both paths itself).
pub(crate) fn subscription(client: &Client) -> Result<Request> {
    require_key(client)?;
    let base = &client.conn.base_url;
    let url = if base.trim_end_matches('/') == TEXT_HOST {
        format!("{ACCOUNT_HOST}/user/subscription")
    } else {
        endpoint::join(base, "/user/subscription")
    };
    Ok(client.request(reqwest::Method::GET, url))
}

/// The generation: `…/ai/generate-stream` when streaming, else `…/ai/generate`.
pub(crate) fn generate(client: &Client, request: &ChatRequest) -> Result<Request> {
    require_key(client)?;
    let path = if request.stream {
        "/ai/generate-stream"
    } else {
        "/ai/generate"
    };
    client.post(
        endpoint::join(&client.conn.base_url, path),
        wire::generate_body(request),
    )
}

/// Every request carries the token; without one, the error says where to get it.
fn require_key(client: &Client) -> Result<()> {
    match client.key() {
        Some(_) => Ok(()),
        None => Err(Error::not_configured(format!(
            "{}: NovelAI needs its persistent API token (Account settings → Get Persistent API Token). Save it for this profile first.",
            client.conn.who
        ))
        .with_provider(client.conn.kind.id())),
    }
}
