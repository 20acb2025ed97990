//! AI Horde (`horde`): a crowd of volunteer workers behind a queue.
//!
//! Anonymous by default (key `0000000000`), every request names the client in `Client-Agent`.
//! A reply is submitted, then polled with back-off: the wait in the queue arrives as
//! [`StreamEvent::Queued`], the text all at once when a worker is done. Stop cancels the
//! request on the Horde (`DELETE` of its status).

pub mod wire;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::FutureExt;
use reqwest::{Method, Response};
use secrecy::ExposeSecret;
use tokio_util::sync::CancellationToken;

use self::wire::{Limits, ANONYMOUS_KEY};
use crate::catalogue::Capabilities;
use crate::endpoint;
use crate::error::{ErrorKind, Result};
use crate::http::{Http, Target};
use crate::model::{ChatRequest, ModelInfo, StopReason};
use crate::provider::server_error::ServerError;
use crate::provider::{
    error_from_response, read_error, Connection, Provider, StatusReport, StreamEvent, WireRequest,
    REDACTED,
};
use crate::stream::read_all;

const MAX_JSON_BODY: usize = 32 * 1024 * 1024;
const CANCEL_TIMEOUT: Duration = Duration::from_secs(5);
/// Requests live 20 minutes on the Horde; polling stops a little after.
const GIVE_UP_AFTER: Duration = Duration::from_secs(21 * 60);

/// The `Client-Agent` header: `name:version:contact`.
pub fn client_agent() -> String {
    format!("Switchboard:{}:desktop-app", env!("CARGO_PKG_VERSION"))
}

/// The AI Horde adapter.
pub struct Horde {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Connection,
    http: Http,
    /// The worker limits for the models last asked about.
    limits: Mutex<Option<(Vec<String>, Option<Limits>)>>,
}

impl Horde {
    /// An adapter for `conn`.
    pub fn new(conn: Connection, http: Http) -> Horde {
        Horde {
            inner: Arc::new(Inner {
                conn,
                http,
                limits: Mutex::new(None),
            }),
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

    fn key(&self) -> &str {
        self.conn
            .key
            .as_ref()
            .map(|k| k.expose_secret())
            .filter(|k| !k.trim().is_empty())
            .unwrap_or(ANONYMOUS_KEY)
    }

    fn anonymous(&self) -> bool {
        self.key() == ANONYMOUS_KEY
    }

    fn request(&self, method: Method, url: &str) -> reqwest::RequestBuilder {
        let mut builder = self
            .http
            .client()
            .request(method, url)
            .header("Client-Agent", client_agent());
        builder = self.conn.apply_headers(builder);
        crate::http::key_header(builder, "apikey", self.key())
    }

    async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Response> {
        let target = self.target(url);
        let mut request = self.request(method, url);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = self.http.send(&target, request).await?;
        if response.status().is_success() {
            return Ok(response);
        }
        let mut return_code = None;
        let error = error_from_response(&self.http, &target, response, |status, body| {
            let (message, rc) = wire::parse_error(body);
            let (kind, hint) = rc
                .as_deref()
                .and_then(wire::rc_kind)
                .unwrap_or_else(|| (ServerError::from_body(body).kind_for_status(status), ""));
            return_code = rc;
            (kind, format!("{message}{hint}"))
        })
        .await;
        Err(match return_code {
            Some(rc) => error.with_detail(format!("rc: {rc}")),
            None => error,
        })
    }

    async fn get_json(&self, path: &str) -> Result<Vec<u8>> {
        let url = self.url(path);
        let response = self.send(Method::GET, &url, None).await?;
        read_all(response, self.http.idle_timeout(), MAX_JSON_BODY)
            .await
            .map_err(|err| read_error(&self.target(&url), err, false))
    }

    async fn models(&self) -> Result<Vec<ModelInfo>> {
        let url = self.url("/status/models?type=text");
        let body = self.get_json("/status/models?type=text").await?;
        wire::parse_models(&body).ok_or_else(|| {
            self.target(&url)
                .protocol_error("it did not return a model list; is this the AI Horde API?")
                .with_detail(super::body_start(&body))
        })
    }

    /// The smallest limits of the workers serving `models` (cached per model set).
    async fn limits(&self, models: &[String]) -> Result<Option<Limits>> {
        if let Ok(guard) = self.limits.lock() {
            if let Some((cached_for, limits)) = guard.as_ref() {
                if cached_for == models {
                    return Ok(*limits);
                }
            }
        }
        let body = self.get_json("/workers?type=text").await?;
        let limits = wire::limits(&body, models).map_err(|_| {
            self.target(&self.url("/workers?type=text"))
                .protocol_error("it did not return a worker list; is this the AI Horde API?")
                .with_detail(super::body_start(&body))
        })?;
        if let Ok(mut guard) = self.limits.lock() {
            *guard = Some((models.to_vec(), limits));
        }
        Ok(limits)
    }

    async fn status(&self) -> Result<StatusReport> {
        self.get_json("/status/heartbeat").await?;
        let models = self.models().await?;
        let who = if self.anonymous() {
            "anonymously (requests wait longer in the queue; a registered key gets priority)"
                .to_string()
        } else {
            let body = self.get_json("/find_user").await?;
            let user: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            match (
                user.get("username").and_then(|u| u.as_str()),
                user.get("kudos").and_then(|k| k.as_f64()),
            ) {
                (Some(name), Some(kudos)) => format!("as {name} with {} kudos", kudos.round()),
                (Some(name), None) => format!("as {name}"),
                _ => "with your key".to_string(),
            }
        };
        Ok(StatusReport {
            base_url: self.conn.base_url.clone(),
            url_changed: false,
            message: format!(
                "Connected to AI Horde {who}: {} text models online.",
                models.len()
            ),
            models: Some(models),
        })
    }

    async fn cancel(&self, id: String) {
        let url = self.url(&format!("/generate/text/status/{id}"));
        let request = self.request(Method::DELETE, &url);
        match tokio::time::timeout(CANCEL_TIMEOUT, request.send()).await {
            Ok(Ok(response)) => {
                tracing::debug!(status = %response.status(), "AI Horde request cancelled")
            }
            Ok(Err(err)) => tracing::warn!("AI Horde cancel failed: {err}"),
            Err(_) => tracing::warn!("AI Horde cancel timed out"),
        }
    }
}

impl Provider for Horde {
    fn capabilities(&self) -> Capabilities {
        self.inner.conn.kind.info().capabilities
    }

    fn status(&self) -> BoxFuture<'_, Result<StatusReport>> {
        self.inner.status().boxed()
    }

    fn list_models(&self) -> BoxFuture<'_, Result<Vec<ModelInfo>>> {
        self.inner.models().boxed()
    }

    fn context_size<'a>(&'a self, model: &'a str) -> BoxFuture<'a, Result<Option<u32>>> {
        async move {
            let models = wire::models_of(model);
            Ok(self
                .inner
                .limits(&models)
                .await?
                .map(|l| l.max_context_length))
        }
        .boxed()
    }

    fn wire_request(&self, request: &ChatRequest) -> Result<WireRequest> {
        let inner = &self.inner;
        let mut headers = vec![
            ("content-type".to_string(), "application/json".to_string()),
            ("client-agent".to_string(), client_agent()),
        ];
        headers.extend(inner.conn.masked_headers());
        let key = if inner.anonymous() {
            ANONYMOUS_KEY
        } else {
            REDACTED
        };
        headers.push(("apikey".into(), key.into()));
        let limits = inner
            .limits
            .lock()
            .ok()
            .and_then(|g| g.as_ref().and_then(|(_, l)| *l));
        Ok(WireRequest {
            method: "POST".into(),
            url: inner.url("/generate/text/async"),
            headers,
            body: wire::submit_body(request, limits),
        })
    }

    fn stream(
        &self,
        request: ChatRequest,
        cancel: CancellationToken,
    ) -> BoxStream<'static, Result<StreamEvent>> {
        let inner = Arc::clone(&self.inner);
        Box::pin(async_stream::stream! {
            let models = wire::models_of(&request.model);
            let limits = tokio::select! {
                biased;
                _ = cancel.cancelled() => return,
                limits = inner.limits(&models) => limits,
            };
            let limits = match limits {
                Ok(limits) => limits,
                Err(err) => {
                    yield Err(err);
                    return;
                }
            };
            if limits.is_none() && !models.is_empty() {
                let url = inner.url("/workers?type=text");
                yield Err(inner.target(&url).error(
                    ErrorKind::ProviderUnavailable,
                    format!(
                        "no worker serves {} right now. Choose other models (the list shows how many workers serve each).",
                        models.join(", ")
                    ),
                ));
                return;
            }
            let body = wire::submit_body(&request, limits);
            let url = inner.url("/generate/text/async");
            let target = inner.target(&url);
            let sent = tokio::select! {
                biased;
                _ = cancel.cancelled() => return,
                sent = inner.send(Method::POST, &url, Some(&body)) => sent,
            };
            let response = match sent {
                Ok(response) => response,
                Err(err) => {
                    yield Err(err);
                    return;
                }
            };
            let idle = inner.http.idle_timeout();
            let id = match read_all(response, idle, MAX_JSON_BODY).await {
                Ok(bytes) => match wire::parse_submitted(&bytes) {
                    Some(id) => id,
                    None => {
                        yield Err(target.protocol_error("the Horde did not give the request an id"));
                        return;
                    }
                },
                Err(err) => {
                    yield Err(read_error(&target, err, false));
                    return;
                }
            };
            let status_path = format!("/generate/text/status/{id}");
            let status_url = inner.url(&status_path);
            let status_target = inner.target(&status_url);
            let first_wait = inner.http.poll_interval();
            let mut wait = first_wait;
            let started = std::time::Instant::now();
            let mut last_queue: Option<(u32, u64)> = None;
            // From here on, Stop cancels the request on the Horde (the engine polls a cancelled
            // stream to its end for this).
            loop {
                tokio::select! {
                    biased;
                    _ = cancel.cancelled() => {
                        inner.cancel(id).await;
                        return;
                    }
                    _ = tokio::time::sleep(wait) => {}
                }
                wait = (wait.mul_f64(1.5)).min(first_wait * 5);
                let polled = tokio::select! {
                    biased;
                    _ = cancel.cancelled() => {
                        inner.cancel(id).await;
                        return;
                    }
                    polled = inner.get_json(&status_path) => polled,
                };
                let bytes = match polled {
                    Ok(bytes) => bytes,
                    Err(err) => {
                        yield Err(err);
                        return;
                    }
                };
                let Some(status) = wire::parse_status(&bytes) else {
                    yield Err(status_target
                        .protocol_error("the request's status was not readable")
                        .with_detail(super::body_start(&bytes)));
                    return;
                };
                if status.faulted {
                    yield Err(status_target.error(
                        ErrorKind::ProviderUnavailable,
                        "a Horde worker failed on this request and the Horde gave up. Try again.",
                    ));
                    return;
                }
                if status.is_possible == Some(false) {
                    yield Err(status_target.error(
                        ErrorKind::ProviderUnavailable,
                        format!(
                            "no Horde worker can serve this request ({}). Choose other models or lower the reply length and context size.",
                            models.join(", ")
                        ),
                    ));
                    return;
                }
                if status.done {
                    let Some(generation) = status.generations.into_iter().next() else {
                        yield Err(status_target.protocol_error("the request finished without any text"));
                        return;
                    };
                    if let Some(model) = generation.model.filter(|m| !m.is_empty()) {
                        yield Ok(StreamEvent::Model(model));
                    }
                    if !generation.text.is_empty() {
                        yield Ok(StreamEvent::Delta(generation.text));
                    }
                    yield Ok(StreamEvent::Done(StopReason::Stop));
                    return;
                }
                let position = status.queue_position.unwrap_or(0.0).max(0.0) as u32;
                let wait_secs = status.wait_time.unwrap_or(0.0).max(0.0);
                let key = (position, wait_secs.round() as u64);
                if last_queue != Some(key) {
                    last_queue = Some(key);
                    yield Ok(StreamEvent::Queued { position, wait_secs });
                }
                if started.elapsed() > GIVE_UP_AFTER {
                    yield Err(status_target.error(
                        ErrorKind::ProviderUnavailable,
                        "the request waited in the Horde's queue for over 20 minutes and expired.",
                    ));
                    return;
                }
            }
        })
    }
}
