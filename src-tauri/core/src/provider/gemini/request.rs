//! Google's `generateContent` requests as values, and their quirks as data: where a model's
//! methods are (AI Studio's `{base}/models/{model}:…`, Vertex AI's express mode
//! `{base}/publishers/google/models/{model}:…`, Vertex AI with a project
//! `https://{region}-aiplatform.googleapis.com/v1/projects/{project}/locations/{region}/…`),
//! how a request signs in ([`Auth`]: the key in `x-goog-api-key`, never in the URL, or a
//! bearer token), the paged model list, and what Google's error statuses mean. It must not
//! send anything: [`crate::provider::support::Client`] does.

use reqwest::Method;
use secrecy::SecretString;
use serde_json::Value;

use crate::endpoint;
use crate::error::{ErrorKind, Result};
use crate::model::ChatRequest;
use crate::options::GeminiThinking;
use crate::provider::server_error::ServerError;
use crate::provider::support::{Client, KeyHeader, Quirks, Refusal, Request};

use super::wire;

/// The header Google's APIs read an API key from.
pub const KEY_HEADER: &str = "x-goog-api-key";
/// Models asked for per page of the list (the API's largest page is 1,000).
const PAGE_SIZE: u32 = 1000;
/// The host of Vertex AI's global endpoint, which express mode and the `global` region use.
pub const VERTEX_GLOBAL_HOST: &str = "https://aiplatform.googleapis.com";

/// How requests sign in with a key: `x-goog-api-key: <key>`.
pub(crate) const QUIRKS: Quirks = Quirks {
    default_headers: &[],
    key_headers: &[KeyHeader {
        name: KEY_HEADER,
        scheme: "",
    }],
    anonymous_key: None,
    refusal,
    max_json: 32 * 1024 * 1024,
};

/// How requests sign in with a token: no key header (the profile's key is the service
/// account's JSON, never sent); [`Auth::Bearer`] adds the token.
pub(crate) const TOKEN_QUIRKS: Quirks = Quirks {
    key_headers: &[],
    ..QUIRKS
};

/// What a request signs in with.
#[derive(Clone)]
pub enum Auth {
    /// The profile's API key, in `x-goog-api-key` (AI Studio, Vertex AI's express mode).
    ApiKey,
    /// An OAuth access token, as `Authorization: Bearer <token>` (Vertex AI with a service
    /// account).
    Bearer(SecretString),
}

/// Where a model's methods are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Google AI Studio: `{base}/models/{model}:{method}`.
    AiStudio,
    /// Vertex AI in express mode: `{base}/publishers/google/models/{model}:{method}`.
    VertexExpress,
    /// Vertex AI in a project's region:
    /// `https://{region}-aiplatform.googleapis.com/v1/projects/{project}/locations/{region}/publishers/google/models/{model}:{method}`
    /// (`global`: the global host); a base URL other than the default keeps its host.
    VertexProject {
        /// The Google Cloud project.
        project: String,
        /// The region (`global`, `us-central1`, …).
        region: String,
    },
}

impl Route {
    /// The URL of `method` (`generateContent`, `streamGenerateContent?alt=sse`, `countTokens`)
    /// of `model` under `base`.
    pub fn model_url(&self, base: &str, model: &str, method: &str) -> String {
        let model = model.strip_prefix("models/").unwrap_or(model);
        let model = url::form_urlencoded::byte_serialize(model.as_bytes()).collect::<String>();
        let tail = format!("/{model}:{method}");
        match self {
            Route::AiStudio => endpoint::join(base, &format!("/models{tail}")),
            Route::VertexExpress => {
                endpoint::join(base, &format!("/publishers/google/models{tail}"))
            }
            Route::VertexProject { project, region } => {
                let root = if base.trim_end_matches('/') == VERTEX_DEFAULT_URL {
                    if region == "global" {
                        format!("{VERTEX_GLOBAL_HOST}/v1")
                    } else {
                        format!("https://{region}-aiplatform.googleapis.com/v1")
                    }
                } else {
                    base.trim_end_matches('/').to_string()
                };
                format!(
                    "{root}/projects/{project}/locations/{region}/publishers/google/models{tail}"
                )
            }
        }
    }
}

/// Vertex AI's default base URL (the catalogue's), whose host a region replaces.
pub const VERTEX_DEFAULT_URL: &str = "https://aiplatform.googleapis.com/v1";

/// A request of `method` to `url` that signs in with `auth`: every request of this family is
/// made here, so a token from a service account goes where a key would.
pub(crate) fn signed(client: &Client, method: Method, url: String, auth: &Auth) -> Request {
    let request = client.request(method, url);
    match auth {
        Auth::ApiKey => request,
        Auth::Bearer(token) => request.secret("authorization", "Bearer ", token.clone()),
    }
}

/// The generation: `…:streamGenerateContent?alt=sse` (Server-Sent Events) or
/// `…:generateContent`.
pub(crate) fn generate(
    client: &Client,
    route: &Route,
    auth: &Auth,
    request: &ChatRequest,
    thinking: GeminiThinking,
) -> Result<Request> {
    let method = if request.stream {
        "streamGenerateContent?alt=sse"
    } else {
        "generateContent"
    };
    let url = route.model_url(&client.conn.base_url, &request.model, method);
    signed(client, Method::POST, url, auth).json(wire::generate_body(request, thinking))
}

/// One page of AI Studio's `GET {base}/models`, after `page_token` when given.
pub(crate) fn models_page(client: &Client, auth: &Auth, page_token: Option<&str>) -> Request {
    let mut url = endpoint::join(
        &client.conn.base_url,
        &format!("/models?pageSize={PAGE_SIZE}"),
    );
    if let Some(token) = page_token {
        url.push_str("&pageToken=");
        url.extend(url::form_urlencoded::byte_serialize(token.as_bytes()));
    }
    signed(client, Method::GET, url, auth)
}

/// AI Studio's `GET {base}/models/{model}`.
pub(crate) fn model(client: &Client, auth: &Auth, model: &str) -> Request {
    let model = model.strip_prefix("models/").unwrap_or(model);
    let url = endpoint::join(
        &client.conn.base_url,
        &format!(
            "/models/{}",
            url::form_urlencoded::byte_serialize(model.as_bytes()).collect::<String>()
        ),
    );
    signed(client, Method::GET, url, auth)
}

/// `…:countTokens` of `model` for one short text: Vertex AI's cheapest call that proves the
/// key (express mode lists no models).
pub(crate) fn count_tokens(
    client: &Client,
    route: &Route,
    auth: &Auth,
    model: &str,
) -> Result<Request> {
    let url = route.model_url(&client.conn.base_url, model, "countTokens");
    let body = serde_json::json!({"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]});
    signed(client, Method::POST, url, auth).json(body)
}

/// Google's error body, `{"error":{"code","message","status","details"}}`, read into a kind:
/// the `status` names it (`INVALID_ARGUMENT`, `PERMISSION_DENIED`, `NOT_FOUND`,
/// `RESOURCE_EXHAUSTED`, …), and a key Google does not accept (`API_KEY_INVALID`, answered as
/// 400) is a sign-in failure.
fn refusal(status: u16, body: &str) -> Refusal {
    let server = ServerError::from_body(body);
    let value: Option<Value> = serde_json::from_str(body.trim()).ok();
    let error = value.as_ref().and_then(|v| v.get("error"));
    let google_status = error
        .and_then(|e| e.get("status"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let reasons: Vec<&str> = error
        .and_then(|e| e.get("details"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| d.get("reason").and_then(Value::as_str))
        .collect();
    let message = server.message.to_ascii_lowercase();
    let bad_key = reasons
        .iter()
        .any(|r| matches!(*r, "API_KEY_INVALID" | "API_KEY_EXPIRED"))
        || message.contains("api key not valid")
        || message.contains("api key expired");
    let kind = match google_status {
        _ if bad_key => ErrorKind::Auth,
        "UNAUTHENTICATED" | "PERMISSION_DENIED" => ErrorKind::Auth,
        "RESOURCE_EXHAUSTED" => ErrorKind::RateLimited,
        "NOT_FOUND" if message.contains("model") => ErrorKind::ModelNotFound,
        "NOT_FOUND" => ErrorKind::InvalidRequest,
        "INVALID_ARGUMENT" | "FAILED_PRECONDITION" | "OUT_OF_RANGE" => ErrorKind::InvalidRequest,
        "UNAVAILABLE" | "INTERNAL" | "DEADLINE_EXCEEDED" | "UNKNOWN" => {
            ErrorKind::ProviderUnavailable
        }
        _ => server.kind_for_status(status),
    };
    Refusal::new(kind, server.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_route_puts_the_model_where_its_api_has_it() {
        let method = "streamGenerateContent?alt=sse";
        assert_eq!(
            Route::AiStudio.model_url(
                "https://generativelanguage.googleapis.com/v1beta",
                "models/gemini-2.5-flash",
                method
            ),
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
        );
        assert_eq!(
            Route::VertexExpress.model_url(VERTEX_DEFAULT_URL, "gemini-2.5-pro", "generateContent"),
            "https://aiplatform.googleapis.com/v1/publishers/google/models/gemini-2.5-pro:generateContent"
        );
        let project = |region: &str| Route::VertexProject {
            project: "my-proj".into(),
            region: region.into(),
        };
        assert_eq!(
            project("us-central1").model_url(VERTEX_DEFAULT_URL, "gemini-2.5-pro", method),
            "https://us-central1-aiplatform.googleapis.com/v1/projects/my-proj/locations/us-central1/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse"
        );
        assert_eq!(
            project("global").model_url(VERTEX_DEFAULT_URL, "gemini-2.5-pro", "countTokens"),
            "https://aiplatform.googleapis.com/v1/projects/my-proj/locations/global/publishers/google/models/gemini-2.5-pro:countTokens"
        );
        assert_eq!(
            project("global").model_url("http://127.0.0.1:9/v1", "m", "countTokens"),
            "http://127.0.0.1:9/v1/projects/my-proj/locations/global/publishers/google/models/m:countTokens"
        );
    }

    #[test]
    fn googles_statuses_map_to_kinds_with_the_servers_words() {
        let body = |code: u16, status: &str, message: &str| {
            format!(r#"{{"error":{{"code":{code},"message":"{message}","status":"{status}"}}}}"#)
        };
        let bad_key = r#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}"#;
        let cases = [
            (400, bad_key.to_string(), ErrorKind::Auth),
            (400, body(400, "INVALID_ARGUMENT", "Invalid JSON payload"), ErrorKind::InvalidRequest),
            (403, body(403, "PERMISSION_DENIED", "Permission denied"), ErrorKind::Auth),
            (
                404,
                body(404, "NOT_FOUND", "models/nope is not found for API version v1beta, or is not supported for generateContent."),
                ErrorKind::ModelNotFound,
            ),
            (429, body(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted"), ErrorKind::RateLimited),
            (500, body(500, "INTERNAL", "An internal error has occurred."), ErrorKind::ProviderUnavailable),
            (503, body(503, "UNAVAILABLE", "The model is overloaded."), ErrorKind::ProviderUnavailable),
        ];
        for (status, body, kind) in cases {
            let refused = refusal(status, &body);
            assert_eq!(refused.kind, kind, "{body}");
            assert!(!refused.message.is_empty() && body.contains(&refused.message));
        }
    }
}
