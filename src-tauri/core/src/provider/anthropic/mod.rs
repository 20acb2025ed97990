//! Anthropic's Messages API (`claude`): `x-api-key` + `anthropic-version`, paged model list,
//! named stream events, thinking as reasoning, errors inside a 200 stream.
//!
//! A reverse proxy works the same way: a different base URL and its own password as the key.

pub mod wire;

use std::sync::Arc;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::FutureExt;
use reqwest::{Method, Response};
use secrecy::ExposeSecret;
use tokio_util::sync::CancellationToken;

use self::wire::{EventMapper, MessageOutcome};
use crate::catalogue::Capabilities;
use crate::endpoint;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Http, Target};
use crate::model::{ChatRequest, ModelInfo, StopReason};
use crate::provider::read_error;
use crate::provider::relay::StreamFailure;
use crate::provider::relay::{failure_error, is_event_stream, read_answer, relay_sse, SseMapper};
use crate::provider::server_error::ServerError;
use crate::provider::{
    error_from_response, Connection, Provider, StatusReport, StreamEvent, WireRequest, REDACTED,
};
use crate::stream::{read_all, SseBody, SseEvent};

/// The API version every request names.
pub const API_VERSION: &str = "2023-06-01";
const MAX_JSON_BODY: usize = 32 * 1024 * 1024;
/// Models asked for per page, and the most pages read.
const PAGE_SIZE: u32 = 100;
const MAX_PAGES: usize = 50;

/// The Claude adapter.
pub struct Anthropic {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Connection,
    http: Http,
}

impl Anthropic {
    /// An adapter for `conn`.
    pub fn new(conn: Connection, http: Http) -> Anthropic {
        Anthropic {
            inner: Arc::new(Inner { conn, http }),
        }
    }
}

impl Inner {
    fn url(&self, path: &str) -> String {
        endpoint::join(&self.conn.base_url, path)
    }

    fn target(&self, url: &str) -> Target {
        Target::new(self.conn.who.clone(), url, self.conn.kind.id())
    }

    fn require_key(&self) -> Result<()> {
        let has_key = self
            .conn
            .key
            .as_ref()
            .is_some_and(|k| !k.expose_secret().is_empty());
        if has_key {
            return Ok(());
        }
        Err(Error::not_configured(format!(
            "{}: {} needs an API key. Save one for this profile first.",
            self.conn.who,
            self.conn.kind.label()
        ))
        .with_provider(self.conn.kind.id()))
    }

    fn request(&self, method: Method, url: &str) -> reqwest::RequestBuilder {
        let mut builder = self.http.client().request(method, url);
        let set_by_profile = |name: &str| {
            self.conn
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
        };
        if !set_by_profile("anthropic-version") {
            builder = builder.header("anthropic-version", API_VERSION);
        }
        builder = self.conn.apply_headers(builder);
        if let Some(key) = &self.conn.key {
            builder = crate::http::key_header(builder, "x-api-key", key.expose_secret());
        }
        builder
    }

    async fn send(&self, method: Method, url: &str, body: Option<Vec<u8>>) -> Result<Response> {
        let target = self.target(url);
        let mut request = self.request(method, url);
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        let response = self.http.send(&target, request).await?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(
            error_from_response(&self.http, &target, response, |status, body| {
                let server = ServerError::from_body(body);
                let kind = match server.code.as_deref() {
                    Some("not_found_error") if server.message.starts_with("model") => {
                        ErrorKind::ModelNotFound
                    }
                    Some("overloaded_error") => ErrorKind::ProviderUnavailable,
                    _ => server.kind_for_status(status),
                };
                (kind, server.message)
            })
            .await,
        )
    }

    /// Every model, following `has_more`/`last_id` page by page.
    async fn models(&self) -> Result<Vec<ModelInfo>> {
        self.require_key()?;
        let mut models = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut url = self.url(&format!("/models?limit={PAGE_SIZE}"));
            if let Some(id) = &after {
                url.push_str("&after_id=");
                url.push_str(
                    &url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>(),
                );
            }
            let response = self.send(Method::GET, &url, None).await?;
            let body = read_all(response, self.http.idle_timeout(), MAX_JSON_BODY)
                .await
                .map_err(|err| read_error(&self.target(&url), err, false))?;
            let (page, next) = wire::parse_models_page(&body).ok_or_else(|| {
                self.target(&url)
                    .protocol_error("it did not return a model list; is this the Anthropic API?")
            })?;
            models.extend(page);
            match next {
                Some(id) if after.as_ref() != Some(&id) => after = Some(id),
                _ => break,
            }
        }
        Ok(models)
    }

    async fn status(&self) -> Result<StatusReport> {
        let models = self.models().await?;
        let message = match models.len() {
            0 => "Connected: the API key works.".to_string(),
            1 => "Connected: 1 model.".to_string(),
            n => format!("Connected: {n} models."),
        };
        Ok(StatusReport {
            base_url: self.conn.base_url.clone(),
            url_changed: false,
            models: Some(models),
            message,
        })
    }
}

impl Provider for Anthropic {
    fn capabilities(&self) -> Capabilities {
        self.inner.conn.kind.info().capabilities
    }

    fn wire_request(&self, request: &ChatRequest) -> Result<WireRequest> {
        let conn = &self.inner.conn;
        let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
        if !conn
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("anthropic-version"))
        {
            headers.push(("anthropic-version".into(), API_VERSION.into()));
        }
        headers.extend(conn.masked_headers());
        if conn.key.is_some() {
            headers.push(("x-api-key".into(), REDACTED.into()));
        }
        Ok(WireRequest {
            method: "POST".into(),
            url: self.inner.url("/messages"),
            headers,
            body: wire::messages_body(request),
        })
    }

    fn status(&self) -> BoxFuture<'_, Result<StatusReport>> {
        self.inner.status().boxed()
    }

    fn list_models(&self) -> BoxFuture<'_, Result<Vec<ModelInfo>>> {
        self.inner.models().boxed()
    }

    fn stream(
        &self,
        request: ChatRequest,
        cancel: CancellationToken,
    ) -> BoxStream<'static, Result<StreamEvent>> {
        let inner = Arc::clone(&self.inner);
        Box::pin(async_stream::stream! {
            if let Err(err) = inner.require_key() {
                yield Err(err);
                return;
            }
            let body = match serde_json::to_vec(&wire::messages_body(&request)) {
                Ok(body) => body,
                Err(err) => {
                    yield Err(Error::internal(format!("Could not encode the request: {err}.")));
                    return;
                }
            };
            let url = inner.url("/messages");
            let target = inner.target(&url);
            let sent = tokio::select! {
                biased;
                _ = cancel.cancelled() => return,
                sent = inner.send(Method::POST, &url, Some(body)) => sent,
            };
            let response = match sent {
                Ok(response) => response,
                Err(err) => {
                    yield Err(err);
                    return;
                }
            };
            if !is_event_stream(&response) {
                // Not streamed (asked for, or the server ignored `stream: true`).
                let idle = inner.http.idle_timeout();
                let bytes = match read_answer(response, &target, &cancel, idle, MAX_JSON_BODY).await {
                    None => return,
                    Some(Ok(bytes)) => bytes,
                    Some(Err(err)) => {
                        yield Err(err);
                        return;
                    }
                };
                match wire::parse_message(&bytes) {
                    MessageOutcome::Events(events) => {
                        for event in events {
                            yield Ok(event);
                        }
                    }
                    MessageOutcome::ServerError(server) => {
                        yield Err(failure_error(&target, StreamFailure::Server(server)));
                    }
                    MessageOutcome::Malformed => {
                        yield Err(target
                            .protocol_error("the reply was not a message")
                            .with_detail(super::body_start(&bytes)));
                    }
                }
                return;
            }
            let body = SseBody::new(response, inner.http.idle_timeout());
            for await item in relay_sse(body, target, cancel, EventMapper::new()) {
                yield item;
            }
        })
    }
}

impl SseMapper for EventMapper {
    fn on_event(
        &mut self,
        event: SseEvent,
        out: &mut Vec<StreamEvent>,
    ) -> std::result::Result<Option<StopReason>, StreamFailure> {
        EventMapper::on_event(self, event.event.as_deref(), &event.data, out)
    }
}
