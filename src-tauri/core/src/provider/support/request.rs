//! One request as a value: method, URL, ordered headers (each plain or secret), and the JSON
//! body. What is sent and what a preview shows are both read from it, so they cannot differ.
//!
//! [`Request::preview`] is the value with every secret header masked; [`Request::builder`] is
//! the same value as a `reqwest` request, secret headers marked sensitive so that no log or
//! debug output shows them. This module builds no URL and knows no family: the families decide
//! what goes in, [`super::Client`] sends it.

use std::fmt;

use bytes::Bytes;
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};
use serde::Serialize;

use crate::redact::REDACTED;

/// A header's value.
#[derive(Clone)]
pub enum HeaderValue {
    /// Shown as it is.
    Plain(String),
    /// Shown as `{scheme}` followed by [`REDACTED`]; sent as `{scheme}{secret}`.
    Secret {
        /// What stands before the secret, e.g. `Bearer ` (may be empty).
        scheme: &'static str,
        /// The secret itself: a key, or the value of a header the person set.
        secret: SecretString,
    },
}

impl HeaderValue {
    /// The value as a preview shows it.
    pub fn shown(&self) -> String {
        match self {
            HeaderValue::Plain(value) => value.clone(),
            HeaderValue::Secret { scheme, .. } => format!("{scheme}{REDACTED}"),
        }
    }
}

/// One HTTP request a provider sends.
#[derive(Clone)]
pub struct Request {
    method: Method,
    url: String,
    headers: Vec<(String, HeaderValue)>,
    /// The JSON body as sent (the preview reads it back, so it shows exactly these bytes).
    body: Option<Bytes>,
}

impl Request {
    /// A request with no headers and no body.
    pub fn new(method: Method, url: impl Into<String>) -> Request {
        Request {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// The same request with `body` as its JSON body; `content-type` is its first header.
    pub fn json(mut self, body: serde_json::Value) -> Result<Request> {
        // Encoded once; the value is not kept (a long chat's body is not held twice).
        let bytes = serde_json::to_vec(&body)
            .map_err(|err| Error::internal(format!("Could not encode the request: {err}.")))?;
        self.headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
        self.headers.insert(
            0,
            (
                "content-type".into(),
                HeaderValue::Plain("application/json".into()),
            ),
        );
        self.body = Some(Bytes::from(bytes));
        Ok(self)
    }

    /// Adds a header shown as it is.
    pub fn plain(mut self, name: impl Into<String>, value: impl Into<String>) -> Request {
        self.headers
            .push((name.into(), HeaderValue::Plain(value.into())));
        self
    }

    /// Adds a header whose value, after `scheme`, is a secret.
    pub fn secret(
        mut self,
        name: impl Into<String>,
        scheme: &'static str,
        secret: SecretString,
    ) -> Request {
        self.headers
            .push((name.into(), HeaderValue::Secret { scheme, secret }));
        self
    }

    /// Whether a header of this name (any case) is set.
    pub fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// The same request at another URL (a discovered base).
    pub fn at(&self, url: impl Into<String>) -> Request {
        Request {
            url: url.into(),
            ..self.clone()
        }
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The full URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The headers, in the order they are sent.
    pub fn headers(&self) -> &[(String, HeaderValue)] {
        &self.headers
    }

    /// The JSON body, read back from the bytes sent; `Null` when there is none.
    pub fn body(&self) -> serde_json::Value {
        self.body
            .as_ref()
            .and_then(|bytes| serde_json::from_slice(bytes).ok())
            .unwrap_or(serde_json::Value::Null)
    }

    /// The body's bytes as sent, if any.
    pub fn body_bytes(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }

    /// The secrets this request carries (for scrubbing whatever a server echoes of them).
    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        self.headers.iter().filter_map(|(_, value)| match value {
            HeaderValue::Secret { secret, .. } => Some(secret.expose_secret()),
            HeaderValue::Plain(_) => None,
        })
    }

    /// The request as "show the request" views and `--dry-run` print it: secrets masked, each
    /// image a short note instead of its base64 ([`super::preview::hide_images`]).
    pub fn preview(&self) -> WireRequest {
        let mut body = self.body();
        super::preview::hide_images(&mut body);
        WireRequest {
            method: self.method.as_str().to_string(),
            url: self.url.clone(),
            headers: self
                .headers
                .iter()
                .map(|(name, value)| (name.clone(), value.shown()))
                .collect(),
            body,
        }
    }

    /// The request for `client`, secret headers marked sensitive. An invalid header name or
    /// value makes the request fail to build, with reqwest's error (which names no value).
    pub fn builder(&self, client: &reqwest::Client) -> reqwest::RequestBuilder {
        let mut builder = client.request(self.method.clone(), &self.url);
        for (name, value) in &self.headers {
            builder = match value {
                HeaderValue::Plain(value) => builder.header(name.as_str(), value.as_str()),
                HeaderValue::Secret { scheme: "", secret } => {
                    crate::http::secret_header(builder, name, secret.expose_secret())
                }
                HeaderValue::Secret { scheme, secret } => crate::http::secret_header(
                    builder,
                    name,
                    &format!("{scheme}{}", secret.expose_secret()),
                ),
            };
        }
        if let Some(bytes) = &self.body {
            builder = builder.body(bytes.clone());
        }
        builder
    }
}

impl fmt::Debug for Request {
    /// The preview: no secret is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let preview = self.preview();
        f.debug_struct("Request")
            .field("method", &preview.method)
            .field("url", &preview.url)
            .field("headers", &preview.headers)
            .finish_non_exhaustive()
    }
}

/// A request as it would go on the wire, for "show the request" views: the
/// [preview](Request::preview) of a [`Request`], secrets redacted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WireRequest {
    /// HTTP method.
    pub method: String,
    /// Full URL.
    pub url: String,
    /// Headers in the order they are set; key values replaced by [`REDACTED`].
    pub headers: Vec<(String, String)>,
    /// The JSON body.
    pub body: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Request {
        Request::new(Method::POST, "http://127.0.0.1:1/v1/chat")
            .plain("x-title", "Switchboard")
            .secret("x-proxy", "", SecretString::from("proxy-secret"))
            .secret("authorization", "Bearer ", SecretString::from("sk-1"))
            .json(serde_json::json!({ "model": "m", "stream": true }))
            .unwrap()
    }

    #[test]
    fn the_preview_masks_secrets_and_keeps_order() {
        let preview = sample().preview();
        assert_eq!(preview.method, "POST");
        assert_eq!(preview.url, "http://127.0.0.1:1/v1/chat");
        assert_eq!(
            preview.headers,
            vec![
                ("content-type".to_string(), "application/json".to_string()),
                ("x-title".to_string(), "Switchboard".to_string()),
                ("x-proxy".to_string(), REDACTED.to_string()),
                ("authorization".to_string(), format!("Bearer {REDACTED}")),
            ]
        );
        assert_eq!(
            preview.body,
            serde_json::json!({ "model": "m", "stream": true })
        );
        let shown = format!(
            "{:?} {}",
            sample(),
            serde_json::to_string(&preview).unwrap()
        );
        assert!(
            !shown.contains("sk-1") && !shown.contains("proxy-secret"),
            "{shown}"
        );
    }

    #[test]
    fn the_body_sent_is_the_body_shown() {
        let request = sample();
        let sent: serde_json::Value =
            serde_json::from_slice(request.body_bytes().unwrap()).unwrap();
        assert_eq!(sent, request.body());
        assert_eq!(sent, serde_json::json!({ "model": "m", "stream": true }));
        assert_eq!(
            request.secrets().collect::<Vec<_>>(),
            ["proxy-secret", "sk-1"]
        );
    }

    #[test]
    fn the_built_request_carries_every_header_secrets_sensitive() {
        let client = reqwest::Client::new();
        let built = sample().builder(&client).build().unwrap();
        let names: Vec<&str> = built.headers().keys().map(|n| n.as_str()).collect();
        assert_eq!(
            names,
            ["content-type", "x-title", "x-proxy", "authorization"]
        );
        assert_eq!(built.headers()["authorization"], "Bearer sk-1");
        assert!(built.headers()["authorization"].is_sensitive());
        assert!(built.headers()["x-proxy"].is_sensitive());
        assert!(!built.headers()["x-title"].is_sensitive());
        assert_eq!(
            built.body().and_then(|b| b.as_bytes()),
            sample().body_bytes()
        );
        assert_eq!(
            Request::new(Method::GET, "http://h/").preview().body,
            serde_json::Value::Null
        );
    }

    #[test]
    fn a_second_json_body_keeps_one_content_type() {
        let request = sample().json(serde_json::json!({})).unwrap();
        let count = request
            .headers()
            .iter()
            .filter(|(n, _)| n == "content-type")
            .count();
        assert_eq!(count, 1);
    }
}
