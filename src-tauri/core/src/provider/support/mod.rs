//! What every family shares below its wire shapes: a [`Client`] that builds [`Request`] values
//! with a connection's headers and key, sends them through [`Http`] (connect and idle timeouts,
//! redirect rules), maps refusals and transport failures to errors with the family's
//! [`Quirks::refusal`], reads JSON answers up to a size cap, and turns a generation's answer
//! into events: a Server-Sent-Events or newline-delimited JSON body (each line one event's data)
//! through the [`relay`](super::relay), a whole JSON answer through the family's parser.
//!
//! A family gives this module data ([`Quirks`]) and functions (its parsers and mappers); this
//! module names no family and knows no wire shape.

pub mod preview;
pub mod request;

use std::future::Future;
use std::time::Duration;

use futures::stream::BoxStream;
use reqwest::{Method, Response};
use secrecy::{ExposeSecret, SecretString};
use tokio_util::sync::CancellationToken;

pub use self::request::Request;

/// The most pages of a paged list read ([`Client::read_pages`]).
pub const MAX_PAGES: usize = 50;
use super::contract::{Connection, StatusReport, StreamEvent};
use super::relay::{body_error, relay_sse, SseMapper};
use super::server_error::mark_context_exceeded;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Http, Target};
use crate::model::StopReason;
use crate::redact::Redactor;
use crate::stream::{read_all, ReadError, SseBody};

/// A header that carries the key: `{name}: {scheme}{key}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyHeader {
    /// The header's name.
    pub name: &'static str,
    /// What stands before the key (`Bearer `, or nothing).
    pub scheme: &'static str,
}

/// `Authorization: Bearer <key>`.
pub const BEARER: KeyHeader = KeyHeader {
    name: "authorization",
    scheme: "Bearer ",
};

/// What a family derives from a refusal (a non-success status and its body).
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// The kind of failure.
    pub kind: ErrorKind,
    /// The server's words, as the message quotes them.
    pub message: String,
    /// The error's detail, when not the server's words.
    pub detail: Option<String>,
}

impl Refusal {
    /// A refusal of `kind` with the server's `message` as its detail.
    pub fn new(kind: ErrorKind, message: String) -> Refusal {
        Refusal {
            kind,
            message,
            detail: None,
        }
    }
}

/// A family's differences in how requests are made and refusals read, as data.
#[derive(Debug, Clone, Copy)]
pub struct Quirks {
    /// Headers sent before the connection's own, unless the connection sets the same name.
    pub default_headers: &'static [(&'static str, &'static str)],
    /// The headers that carry the key, in order.
    pub key_headers: &'static [KeyHeader],
    /// What the key headers carry, shown as it is, when there is no key (a service's anonymous
    /// key); without it, no key header is sent.
    pub anonymous_key: Option<&'static str>,
    /// The kind and message of a refusal, from its status and body.
    pub refusal: fn(u16, &str) -> Refusal,
    /// The largest JSON answer read.
    pub max_json: usize,
}

/// One connection's requests: builds them, sends them, reads their answers.
pub struct Client {
    /// The endpoint and its secrets.
    pub conn: Connection,
    /// The shared HTTP client.
    pub http: Http,
    quirks: Quirks,
}

impl Client {
    /// A client for `conn` with the family's `quirks`.
    pub fn new(conn: Connection, http: Http, quirks: Quirks) -> Client {
        Client { conn, http, quirks }
    }

    /// What a request to `url` is about, for error messages.
    pub fn target(&self, url: &str) -> Target {
        Target::new(self.conn.who.clone(), url, self.conn.kind.id())
    }

    /// The key, unless there is none or it is blank.
    pub fn key(&self) -> Option<&SecretString> {
        self.conn
            .key
            .as_ref()
            .filter(|k| !k.expose_secret().trim().is_empty())
    }

    /// Ok when there is a key; otherwise the error asking for one.
    pub fn require_key(&self) -> Result<&SecretString> {
        self.key().ok_or_else(|| {
            Error::not_configured(format!(
                "{}: {} needs an API key. Save one for this profile first.",
                self.conn.who,
                self.conn.kind.label()
            ))
            .with_provider(self.conn.kind.id())
        })
    }

    /// A request without a body: the default headers the connection does not set, the
    /// connection's headers (secret), then the key headers.
    pub fn request(&self, method: Method, url: impl Into<String>) -> Request {
        let mut request = Request::new(method, url);
        let set_by_profile = |name: &str| {
            self.conn
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
        };
        for (name, value) in self.quirks.default_headers {
            if !set_by_profile(name) {
                request = request.plain(*name, *value);
            }
        }
        for (name, value) in &self.conn.headers {
            request = request.secret(name.clone(), "", value.clone());
        }
        for header in self.quirks.key_headers {
            request = match (self.key(), self.quirks.anonymous_key) {
                (Some(key), _) => request.secret(header.name, header.scheme, key.clone()),
                (None, Some(anonymous)) => {
                    request.plain(header.name, format!("{}{anonymous}", header.scheme))
                }
                (None, None) => request,
            };
        }
        request
    }

    /// A `POST` of `body` as JSON.
    pub fn post(&self, url: impl Into<String>, body: serde_json::Value) -> Result<Request> {
        self.request(Method::POST, url).json(body)
    }

    /// Sends `request`; a non-success status becomes an error. Errors are scrubbed of the
    /// request's secrets.
    pub async fn send(&self, request: &Request) -> Result<Response> {
        let target = self.target(request.url());
        let sent = self
            .http
            .send(&target, request.builder(self.http.client()))
            .await;
        let error = match sent {
            Ok(response) if response.status().is_success() => return Ok(response),
            Ok(response) => self.refused(&target, response).await,
            Err(error) => error,
        };
        Err(Redactor::new(request.secrets()).scrub_error(error))
    }

    /// Sends a generation's `request`: its answer, and what it is about (for the errors of
    /// reading it).
    pub async fn open(&self, request: &Request) -> Result<(Response, Target)> {
        let response = self.send(request).await?;
        Ok((response, self.target(request.url())))
    }

    /// The error for a refusal: its body is read (briefly) and the family's quirk reads it.
    async fn refused(&self, target: &Target, response: Response) -> Error {
        let status = response.status();
        let headers = response.headers().clone();
        let body = crate::http::read_error_body(response, self.http.idle_timeout()).await;
        let refusal = (self.quirks.refusal)(status.as_u16(), &body);
        let error = target.http_error(status, &headers, refusal.kind, &refusal.message);
        match refusal.detail {
            Some(detail) => error.with_detail(detail),
            None => error,
        }
    }

    /// A whole answer (at most [`Quirks::max_json`] bytes) to `url`.
    pub async fn read_json(&self, response: Response, url: &str) -> Result<Vec<u8>> {
        read_all(response, self.http.idle_timeout(), self.quirks.max_json)
            .await
            .map_err(|err| read_error(&self.target(url), err, false))
    }

    /// Sends `request` and reads its whole answer.
    pub async fn fetch(&self, request: &Request) -> Result<Vec<u8>> {
        let response = self.send(request).await?;
        self.read_json(response, request.url()).await
    }

    /// Every item of a paged list, at most [`MAX_PAGES`] pages: `page(cursor)` is the request
    /// for the page after `cursor` (`None`: the first), `parse` reads a page's items and the
    /// next cursor; a page that is not a list is a protocol error saying `not_a_list` (such as
    /// a question naming the API expected). A missing or repeated cursor ends the list.
    pub async fn read_pages<T>(
        &self,
        page: impl Fn(Option<&str>) -> Request,
        parse: impl Fn(&[u8]) -> Option<(Vec<T>, Option<String>)>,
        not_a_list: &str,
    ) -> Result<Vec<T>> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let request = page(cursor.as_deref());
            let body = self.fetch(&request).await?;
            let (page_items, next) = parse(&body).ok_or_else(|| {
                self.target(request.url())
                    .protocol_error(format!("it did not return a model list; {not_a_list}"))
            })?;
            items.extend(page_items);
            match next {
                Some(next) if cursor.as_ref() != Some(&next) => cursor = Some(next),
                _ => break,
            }
        }
        Ok(items)
    }

    /// The status of a connection whose key listed `models` at the connection's URL.
    pub fn listed(&self, models: Vec<crate::model::ModelInfo>) -> StatusReport {
        let message = match models.len() {
            0 => "Connected: the API key works.".to_string(),
            1 => "Connected: 1 model.".to_string(),
            n => format!("Connected: {n} models."),
        };
        StatusReport {
            base_url: self.conn.base_url.clone(),
            url_changed: false,
            models: Some(models),
            message,
        }
    }

    /// Sends `request` without waiting more than `timeout` nor reporting failure (a server's
    /// abort or cancel route, as Stop reaches it); `what` names it in the log.
    pub async fn send_quietly(&self, request: &Request, timeout: Duration, what: &str) {
        let send = request.builder(self.http.client()).send();
        match tokio::time::timeout(timeout, send).await {
            Ok(Ok(response)) => tracing::debug!(status = %response.status(), "{what} sent"),
            Ok(Err(err)) => tracing::warn!("{what} failed: {err}"),
            Err(_) => tracing::warn!("{what} timed out"),
        }
    }

    /// A generation: `send` (unless `cancel` fires first), then the answer as events, streamed
    /// through `mapper` or read whole by `whole`. The stream ends without `Done` when
    /// cancelled. A failure that says the prompt is longer than the model's context is marked
    /// so ([`mark_context_exceeded`]), whichever way it came.
    pub(crate) fn generate<M: SseMapper>(
        &self,
        send: impl Future<Output = Result<(Response, Target)>> + Send + 'static,
        cancel: CancellationToken,
        mapper: M,
        whole: fn(&[u8], &Target) -> Result<Vec<StreamEvent>>,
    ) -> BoxStream<'static, Result<StreamEvent>> {
        let idle = self.http.idle_timeout();
        let limit = self.quirks.max_json;
        Box::pin(async_stream::stream! {
            let sent = tokio::select! {
                biased;
                _ = cancel.cancelled() => return,
                sent = send => sent,
            };
            let (response, target) = match sent {
                Ok(sent) => sent,
                Err(err) => {
                    yield Err(mark_context_exceeded(err));
                    return;
                }
            };
            if let Some(framing) = streamed_framing(&response) {
                let body = match framing {
                    Framing::Events => SseBody::new(response, idle),
                    Framing::JsonLines => SseBody::ndjson(response, idle),
                };
                for await item in relay_sse(body, target, cancel, mapper) {
                    yield item.map_err(mark_context_exceeded);
                }
                return;
            }
            // Not streamed (asked for, or the server ignored `stream: true`).
            let bytes = tokio::select! {
                biased;
                _ = cancel.cancelled() => return,
                read = read_all(response, idle, limit) => read,
            };
            let events = bytes
                .map_err(|err| read_error(&target, err, false))
                .and_then(|bytes| whole(&bytes, &target));
            match events {
                Ok(events) => {
                    for event in events {
                        yield Ok(event);
                    }
                }
                Err(err) => yield Err(mark_context_exceeded(err)),
            }
        })
    }
}

/// How a streamed answer is cut into events.
enum Framing {
    /// `text/event-stream`: Server-Sent Events.
    Events,
    /// `application/x-ndjson`: one JSON object per line.
    JsonLines,
}

/// How the answer streams, by its content type; `None` when it is whole (servers may ignore
/// `stream: true`).
fn streamed_framing(response: &Response) -> Option<Framing> {
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)?
        .to_str()
        .ok()?
        .to_ascii_lowercase();
    if content_type.starts_with("text/event-stream") {
        Some(Framing::Events)
    } else if content_type.starts_with("application/x-ndjson") {
        Some(Framing::JsonLines)
    } else {
        None
    }
}

/// The events of a whole answer's text: the text (unless empty), then `Done(reason)`; `None`
/// (the answer had none) is a protocol error saying `missing`.
pub fn text_answer(
    parsed: Option<(String, StopReason)>,
    bytes: &[u8],
    target: &Target,
    missing: &str,
) -> Result<Vec<StreamEvent>> {
    let (text, reason) = parsed.ok_or_else(|| {
        target
            .protocol_error(missing)
            .with_detail(body_start(bytes))
    })?;
    let mut events = Vec::with_capacity(2);
    if !text.is_empty() {
        events.push(StreamEvent::Delta(text));
    }
    events.push(StreamEvent::Done(reason));
    Ok(events)
}

/// An `f32` as the JSON number a person typed (`0.7`, not `0.699999988079071`).
pub fn f32_value(value: f32) -> serde_json::Value {
    let shortest: f64 = value.to_string().parse().unwrap_or(f64::from(value));
    serde_json::Value::from(shortest)
}

/// The start of an answer's body, as the detail of an error about it.
pub fn body_start(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).into_owned()
}

/// The error for a whole answer that could not be read.
pub fn read_error(target: &Target, err: ReadError, mid_reply: bool) -> Error {
    match err {
        ReadError::Body(body) => body_error(target, body, mid_reply),
        ReadError::TooLarge(limit) => target.protocol_error(format!(
            "the answer is larger than {} MB",
            limit / (1024 * 1024)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::ProviderKind;
    use crate::provider::REDACTED;

    fn refuse(status: u16, body: &str) -> Refusal {
        Refusal::new(
            crate::provider::server_error::ServerError::from_body(body).kind_for_status(status),
            body.to_string(),
        )
    }

    const QUIRKS: Quirks = Quirks {
        default_headers: &[("x-version", "1"), ("x-title", "Switchboard")],
        key_headers: &[
            BEARER,
            KeyHeader {
                name: "x-api-key",
                scheme: "",
            },
        ],
        anonymous_key: None,
        refusal: refuse,
        max_json: 1024,
    };

    fn client(key: Option<&str>, headers: &[(&str, &str)], quirks: Quirks) -> Client {
        let conn = Connection {
            who: "Profile \"t\"".into(),
            profile_id: None,
            kind: ProviderKind::Custom,
            api: ProviderKind::Custom.info().capabilities.api,
            base_url: "http://127.0.0.1:1/v1".into(),
            key: key.map(SecretString::from),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), SecretString::from(*v)))
                .collect(),
            options: Default::default(),
        };
        let http = Http::new(crate::http::HttpConfig::default()).unwrap();
        Client::new(conn, http, quirks)
    }

    fn shown(request: &Request) -> Vec<(String, String)> {
        request.preview().headers
    }

    #[test]
    fn defaults_then_the_connections_headers_then_the_key() {
        let client = client(
            Some("sk-9"),
            &[("X-Title", "mine"), ("X-Proxy", "p")],
            QUIRKS,
        );
        let request = client
            .post("http://127.0.0.1:1/v1/x", serde_json::json!({"a": 1}))
            .unwrap();
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            shown(&request),
            pairs(&[
                ("content-type", "application/json"),
                ("x-version", "1"),
                ("X-Title", REDACTED),
                ("X-Proxy", REDACTED),
                ("authorization", &format!("Bearer {REDACTED}")),
                ("x-api-key", REDACTED),
            ])
        );
        assert_eq!(
            request.secrets().collect::<Vec<_>>(),
            ["mine", "p", "sk-9", "sk-9"]
        );
    }

    #[test]
    fn a_blank_key_sends_no_key_header_and_an_anonymous_key_is_shown() {
        let blank = client(Some("  "), &[], QUIRKS);
        let request = blank.request(Method::GET, "http://127.0.0.1:1/v1/models");
        assert!(!request.has_header("authorization") && !request.has_header("x-api-key"));
        assert!(blank.require_key().is_err());
        let anonymous = Quirks {
            anonymous_key: Some("0000"),
            ..QUIRKS
        };
        let request = client(None, &[], anonymous).request(Method::GET, "http://h/");
        assert!(shown(&request).contains(&("x-api-key".into(), "0000".into())));
        assert!(shown(&request).contains(&("authorization".into(), "Bearer 0000".into())));
        assert_eq!(request.secrets().count(), 0);
    }

    #[test]
    fn a_whole_text_answer_is_its_text_then_done() {
        let target = Target::new("t", "http://h/", "custom");
        let events = text_answer(Some(("Hi".into(), StopReason::Length)), b"", &target, "x");
        assert_eq!(
            events.unwrap(),
            [
                StreamEvent::Delta("Hi".into()),
                StreamEvent::Done(StopReason::Length)
            ]
        );
        let empty = text_answer(Some((String::new(), StopReason::Stop)), b"", &target, "x");
        assert_eq!(empty.unwrap(), [StreamEvent::Done(StopReason::Stop)]);
        let err = text_answer(None, b"<html>", &target, "no text").unwrap_err();
        assert_eq!(err.kind, ErrorKind::Protocol);
        assert_eq!(err.detail.as_deref(), Some("<html>"));
    }
}
