//! AI Horde (`horde`): a crowd of volunteer workers behind a queue.
//!
//! Anonymous by default (key `0000000000`), every request names the client in `Client-Agent`.
//! A reply is submitted, then polled with back-off: the wait in the queue arrives as
//! [`StreamEvent::Queued`], the text all at once when a worker is done. Stop cancels the
//! request on the Horde (`DELETE` of its status).
//!
//! The folder's files, as in every family: this adapter (status, models, generation), `request`
//! (requests as values, quirks as data), `wire` (body shapes, answer parsing) and `stream` (the
//! answer as events: here, polled statuses). Sending, error mapping and reading are shared
//! ([`crate::provider::support`]); nothing here builds HTTP by hand.

pub mod request;
pub mod stream;
pub mod wire;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::FutureExt;
use tokio_util::sync::CancellationToken;

pub use self::request::CLIENT_AGENT;
use self::stream::{StatusMapper, Step};
use self::wire::Limits;
use crate::catalogue::Capabilities;
use crate::error::{ErrorKind, Result};
use crate::http::Http;
use crate::model::{ChatRequest, ModelInfo};
use crate::provider::contract::{Connection, Provider, StatusReport, StreamEvent};
use crate::provider::support::{body_start, Client, Request};

const CANCEL_TIMEOUT: Duration = Duration::from_secs(5);
/// Requests live 20 minutes on the Horde; polling stops a little after.
const GIVE_UP_AFTER: Duration = Duration::from_secs(21 * 60);

/// The AI Horde adapter.
pub struct Horde {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    /// The worker limits for the models last asked about.
    limits: Mutex<Option<(Vec<String>, Option<Limits>)>>,
}

impl Horde {
    /// An adapter for `conn`.
    pub fn new(conn: Connection, http: Http) -> Horde {
        Horde {
            inner: Arc::new(Inner {
                client: Client::new(conn, http, request::QUIRKS),
                limits: Mutex::new(None),
            }),
        }
    }
}

impl Inner {
    async fn get(&self, path: &str) -> Result<Vec<u8>> {
        self.client.fetch(&request::get(&self.client, path)).await
    }

    /// A protocol error about the answer `body` of `path`.
    fn unreadable(&self, path: &str, what: &str, body: &[u8]) -> crate::error::Error {
        self.client
            .target(&request::url(&self.client, path))
            .protocol_error(what)
            .with_detail(body_start(body))
    }

    async fn models(&self) -> Result<Vec<ModelInfo>> {
        let path = "/status/models?type=text";
        let body = self.get(path).await?;
        wire::parse_models(&body).ok_or_else(|| {
            self.unreadable(
                path,
                "it did not return a model list; is this the AI Horde API?",
                &body,
            )
        })
    }

    /// The smallest limits of the workers serving `models` (cached per model set).
    async fn limits(&self, models: &[String]) -> Result<Option<Limits>> {
        if let Some(limits) = self.cached_limits(Some(models)) {
            return Ok(limits);
        }
        let path = "/workers?type=text";
        let body = self.get(path).await?;
        let limits = wire::limits(&body, models).map_err(|_| {
            self.unreadable(
                path,
                "it did not return a worker list; is this the AI Horde API?",
                &body,
            )
        })?;
        if let Ok(mut guard) = self.limits.lock() {
            *guard = Some((models.to_vec(), limits));
        }
        Ok(limits)
    }

    /// The cached limits: for `models` when given, else whichever were asked for last.
    fn cached_limits(&self, models: Option<&[String]>) -> Option<Option<Limits>> {
        let guard = self.limits.lock().ok()?;
        let (cached_for, limits) = guard.as_ref()?;
        models
            .is_none_or(|models| cached_for == models)
            .then_some(*limits)
    }

    async fn status(&self) -> Result<StatusReport> {
        self.get("/status/heartbeat").await?;
        let models = self.models().await?;
        let who = if self.client.key().is_none() {
            "anonymously (requests wait longer in the queue; a registered key gets priority)"
                .to_string()
        } else {
            let body = self.get("/find_user").await?;
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
            base_url: self.client.conn.base_url.clone(),
            url_changed: false,
            message: format!(
                "Connected to AI Horde {who}: {} text models online.",
                models.len()
            ),
            models: Some(models),
        })
    }

    async fn cancel(&self, id: &str) {
        let cancel = request::cancel(&self.client, id);
        self.client
            .send_quietly(&cancel, CANCEL_TIMEOUT, "AI Horde cancel")
            .await;
    }

    /// Submits `request`; the id of the request on the Horde.
    async fn submit(&self, request: &ChatRequest, limits: Option<Limits>) -> Result<String> {
        let submit = request::submit(&self.client, request, limits)?;
        let bytes = self.client.fetch(&submit).await?;
        wire::parse_submitted(&bytes).ok_or_else(|| {
            self.client
                .target(submit.url())
                .protocol_error("the Horde did not give the request an id")
        })
    }
}

impl Provider for Horde {
    fn capabilities(&self) -> Capabilities {
        self.inner.client.conn.kind.info().capabilities
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

    /// The submission, sized to the limits last read (the stream reads them first).
    fn request(&self, request: &ChatRequest) -> Result<Request> {
        let limits = self.inner.cached_limits(None).flatten();
        request::submit(&self.inner.client, request, limits)
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
                let url = request::url(&inner.client, "/workers?type=text");
                yield Err(inner.client.target(&url).error(
                    ErrorKind::ProviderUnavailable,
                    format!(
                        "no worker serves {} right now. Choose other models (the list shows how many workers serve each).",
                        models.join(", ")
                    ),
                ));
                return;
            }
            let submitted = tokio::select! {
                biased;
                _ = cancel.cancelled() => return,
                submitted = inner.submit(&request, limits) => submitted,
            };
            let id = match submitted {
                Ok(id) => id,
                Err(err) => {
                    yield Err(err);
                    return;
                }
            };
            let status_path = request::status_path(&id);
            let status_target = inner.client.target(&request::url(&inner.client, &status_path));
            let mut mapper = StatusMapper::new(models);
            let first_wait = inner.client.http.poll_interval();
            let mut wait = first_wait;
            let started = std::time::Instant::now();
            // From here on, Stop cancels the request on the Horde (the engine polls a cancelled
            // stream to its end for this).
            loop {
                tokio::select! {
                    biased;
                    _ = cancel.cancelled() => {
                        inner.cancel(&id).await;
                        return;
                    }
                    _ = tokio::time::sleep(wait) => {}
                }
                wait = (wait.mul_f64(1.5)).min(first_wait * 5);
                let polled = tokio::select! {
                    biased;
                    _ = cancel.cancelled() => {
                        inner.cancel(&id).await;
                        return;
                    }
                    polled = inner.get(&status_path) => polled,
                };
                let step = polled.and_then(|bytes| mapper.on_status(&bytes, &status_target));
                match step {
                    Ok(Step::Wait(events)) => {
                        for event in events {
                            yield Ok(event);
                        }
                    }
                    Ok(Step::Done(events)) => {
                        for event in events {
                            yield Ok(event);
                        }
                        return;
                    }
                    Err(err) => {
                        yield Err(err);
                        return;
                    }
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
