//! The OpenAI-compatible protocol family: OpenAI, Mistral, OpenRouter, Oobabooga, TabbyAPI,
//! Mancer and any custom server (llama.cpp, vLLM, LM Studio, Ollama, Aphrodite, KoboldCpp's
//! `/v1`), one implementation with a [`Flavor`] per source.
//!
//! API references: <https://platform.openai.com/docs/api-reference/chat>,
//! <https://docs.mistral.ai/api/>, <https://openrouter.ai/docs/api-reference/overview>.
//!
//! - `GET {base}/models` is the status check and the model list (OpenRouter checks its key
//!   with `GET {base}/key`); a server without the route has no list, which is not an error.
//! - `POST {base}/chat/completions` streams Server-Sent Events ([`stream`]) or answers JSON.
//! - Custom servers: when the URL as given has no such endpoint (404), `{url}/v1` is tried and,
//!   if it answers, used from then on.
//! - Stop closes the connection, which is how these servers are told to stop generating.

pub mod flavor;
pub mod stream;
pub mod wire;

use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::FutureExt;
use reqwest::{Method, Response};
use secrecy::ExposeSecret;
use tokio_util::sync::CancellationToken;

use self::flavor::{AuthStyle, Flavor, StatusCheck};
use self::stream::{ChunkMapper, Step};
use self::wire::CompletionOutcome;
use crate::catalogue::Capabilities;
use crate::endpoint;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Http, Target};
use crate::model::StopReason;
use crate::model::{ChatRequest, ModelInfo};
use crate::provider::read_error;
use crate::provider::relay::StreamFailure;
use crate::provider::relay::{is_event_stream, read_answer, relay_sse, SseMapper};
use crate::provider::server_error::ServerError;
use crate::provider::{
    error_from_response, Connection, Provider, StatusReport, StreamEvent, WireRequest, REDACTED,
};
use crate::stream::{read_all, SseBody, SseEnd, SseEvent};

/// Largest JSON body read (model lists of big routers are a few MB).
const MAX_JSON_BODY: usize = 32 * 1024 * 1024;

/// An adapter for one OpenAI-compatible endpoint.
pub struct OpenAiCompat {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Connection,
    flavor: &'static Flavor,
    http: Http,
    /// The base URL in use; starts as configured, changes when `/v1` is discovered.
    base: Mutex<String>,
}

/// A request to send, kept so it can be sent again at a discovered base.
struct Outgoing<'a> {
    method: Method,
    path: &'a str,
    body: Option<Vec<u8>>,
}

impl OpenAiCompat {
    /// An adapter for `conn` speaking `flavor`'s dialect.
    pub fn new(conn: Connection, flavor: &'static Flavor, http: Http) -> OpenAiCompat {
        let base = conn.base_url.clone();
        OpenAiCompat {
            inner: Arc::new(Inner {
                conn,
                flavor,
                http,
                base: Mutex::new(base),
            }),
        }
    }
}

impl Inner {
    fn base(&self) -> String {
        self.base
            .lock()
            .map(|b| b.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    fn set_base(&self, base: String) {
        match self.base.lock() {
            Ok(mut guard) => *guard = base,
            Err(poisoned) => *poisoned.into_inner() = base,
        }
    }

    fn target(&self, url: &str) -> Target {
        Target::new(self.conn.who.clone(), url, self.conn.kind.id())
    }

    fn key(&self) -> Option<&str> {
        self.conn
            .key
            .as_ref()
            .map(|k| k.expose_secret())
            .filter(|k| !k.is_empty())
    }

    fn request(&self, method: Method, url: &str) -> reqwest::RequestBuilder {
        let mut builder = self.http.client().request(method, url);
        let set_by_profile = |name: &str| {
            self.conn
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
        };
        for (name, value) in self.flavor.default_headers {
            if !set_by_profile(name) {
                builder = builder.header(*name, *value);
            }
        }
        builder = self.conn.apply_headers(builder);
        if let Some(key) = self.key() {
            builder = builder.bearer_auth(key);
            if self.flavor.auth == AuthStyle::BearerAndApiKeyHeader {
                builder = crate::http::key_header(builder, "x-api-key", key);
            }
        }
        builder
    }

    /// Sends `out` at `base`; a non-success status becomes an [`Error`].
    async fn send_at(&self, base: &str, out: &Outgoing<'_>) -> Result<Response> {
        let url = endpoint::join(base, out.path);
        let target = self.target(&url);
        let mut request = self.request(out.method.clone(), &url);
        if let Some(body) = &out.body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let response = self.http.send(&target, request).await?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(self.error_response(&target, response).await)
    }

    async fn error_response(&self, target: &Target, response: Response) -> Error {
        error_from_response(&self.http, target, response, |status, body| {
            let server = ServerError::from_body(body);
            (server.kind_for_status(status), server.message)
        })
        .await
    }

    /// Sends `out`; for custom servers a 404 at the URL as given is retried at `{url}/v1`,
    /// which is then kept for later requests.
    async fn send(&self, out: Outgoing<'_>) -> Result<(Response, String)> {
        let base = self.base();
        match self.send_at(&base, &out).await {
            Ok(response) => Ok((response, base)),
            Err(first) if self.may_discover(&base, &first) => {
                let with_v1 = endpoint::join(&base, "/v1");
                match self.send_at(&with_v1, &out).await {
                    Ok(response) => {
                        self.set_base(with_v1.clone());
                        Ok((response, with_v1))
                    }
                    Err(second) if second.status == Some(404) => {
                        let mut first = first;
                        first.message.push_str(&format!(
                            " {} answered 404 too.",
                            endpoint::join(&with_v1, out.path)
                        ));
                        Err(first)
                    }
                    Err(second) => Err(second),
                }
            }
            Err(err) => Err(err),
        }
    }

    fn may_discover(&self, base: &str, err: &Error) -> bool {
        self.flavor.discover_v1
            && err.status == Some(404)
            && err.kind != ErrorKind::ModelNotFound
            && !base.split('?').next().unwrap_or(base).ends_with("/v1")
    }

    async fn json_body(&self, response: Response, url: &str) -> Result<Vec<u8>> {
        read_all(response, self.http.idle_timeout(), MAX_JSON_BODY)
            .await
            .map_err(|err| read_error(&self.target(url), err, false))
    }

    async fn fetch_models(&self) -> Result<(Option<Vec<ModelInfo>>, String)> {
        let out = Outgoing {
            method: Method::GET,
            path: "/models",
            body: None,
        };
        let (response, base) = match self.send(out).await {
            Ok(ok) => ok,
            Err(err) if err.status == Some(404) => return Ok((None, self.base())),
            Err(err) => return Err(err),
        };
        let url = endpoint::join(&base, "/models");
        let body = self.json_body(response, &url).await?;
        match wire::parse_models(&body) {
            Some(models) => Ok((Some(models), base)),
            None => Err(self
                .target(&url)
                .protocol_error("it did not return a model list")),
        }
    }

    /// text-generation-webui's count of `text`'s tokens.
    async fn count_tokens(&self, text: &str) -> Result<Option<u32>> {
        if !self.flavor.textgen_internal {
            return Ok(None);
        }
        let body = serde_json::to_vec(&serde_json::json!({ "text": text }))
            .map_err(|err| Error::internal(format!("Could not encode the request: {err}.")))?;
        let out = Outgoing {
            method: Method::POST,
            path: "/internal/token-count",
            body: Some(body),
        };
        let base = self.base();
        let response = self.send_at(&base, &out).await?;
        let bytes = self
            .json_body(response, &endpoint::join(&base, out.path))
            .await?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        Ok(value
            .get("length")
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| u32::try_from(n).ok()))
    }

    /// text-generation-webui's loaded model and loader, when it says (best effort).
    async fn loaded_model(&self, base: &str) -> Option<String> {
        let out = Outgoing {
            method: Method::GET,
            path: "/internal/model/info",
            body: None,
        };
        let response = self.send_at(base, &out).await.ok()?;
        let url = endpoint::join(base, out.path);
        let body = self.json_body(response, &url).await.ok()?;
        let info: serde_json::Value = serde_json::from_slice(&body).ok()?;
        let name = info.get("model_name")?.as_str()?.trim();
        if name.is_empty() || name == "None" {
            return Some("no model".to_string());
        }
        Some(match info.get("loader").and_then(|l| l.as_str()) {
            Some(loader) if !loader.is_empty() => format!("{name} ({loader})"),
            _ => name.to_string(),
        })
    }

    async fn status(&self) -> Result<StatusReport> {
        let configured = self.conn.base_url.clone();
        if self.flavor.status == StatusCheck::KeyInfo {
            if self.key().is_none() {
                return Err(Error::not_configured(format!(
                    "{}: {} needs an API key. Save one for this profile first.",
                    self.conn.who,
                    self.conn.kind.label()
                ))
                .with_provider(self.conn.kind.id()));
            }
            let (_, base) = self
                .send(Outgoing {
                    method: Method::GET,
                    path: "/key",
                    body: None,
                })
                .await?;
            return Ok(StatusReport {
                url_changed: base != configured,
                base_url: base,
                models: None,
                message: "Connected: the API key works.".to_string(),
            });
        }
        let base_before = self.base();
        let (response, base) = self
            .send(Outgoing {
                method: Method::GET,
                path: "/models",
                body: None,
            })
            .await
            .map_err(|mut err| {
                if err.status == Some(404) {
                    err.message.push_str(
                        " If this server has no model list, turn on \"bypass status check\" and type the model id.",
                    );
                }
                err
            })?;
        let url = endpoint::join(&base, "/models");
        let body = self.json_body(response, &url).await?;
        let models = wire::parse_models(&body).ok_or_else(|| {
            self.target(&url).protocol_error(
                "it did not return a model list; is this an OpenAI-compatible server?",
            )
        })?;
        let mut message = match models.len() {
            0 => "Connected. The server lists no models; type a model id.".to_string(),
            1 => "Connected: 1 model.".to_string(),
            n => format!("Connected: {n} models."),
        };
        if base != base_before {
            message.push_str(&format!(" Using {base} (added /v1)."));
        }
        if self.flavor.textgen_internal {
            if let Some(loaded) = self.loaded_model(&base).await {
                message.push_str(&format!(" Loaded: {loaded}."));
            }
        }
        Ok(StatusReport {
            url_changed: base != configured,
            base_url: base,
            models: Some(models),
            message,
        })
    }
}

/// The family's chunks through the shared relay; an `event: error` carries a server error.
pub(crate) struct OpenAiEvents(pub(crate) ChunkMapper);

impl SseMapper for OpenAiEvents {
    fn on_event(
        &mut self,
        event: SseEvent,
        out: &mut Vec<StreamEvent>,
    ) -> std::result::Result<Option<StopReason>, StreamFailure> {
        if event.event.as_deref() == Some("error") {
            return Err(StreamFailure::Server(ServerError::from_body(&event.data)));
        }
        Ok(match self.0.on_data(&event.data, out)? {
            Step::Continue => None,
            Step::Done(reason) => Some(reason),
        })
    }

    fn on_end(
        &mut self,
        end: SseEnd,
        out: &mut Vec<StreamEvent>,
    ) -> std::result::Result<StopReason, StreamFailure> {
        self.0.on_end(end, out)
    }
}

impl Provider for OpenAiCompat {
    fn capabilities(&self) -> Capabilities {
        let conn = &self.inner.conn;
        conn.kind.info().capabilities.with_api(Some(conn.api))
    }

    fn wire_request(&self, request: &ChatRequest) -> Result<WireRequest> {
        let inner = &self.inner;
        let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
        let set_by_profile = |name: &str| {
            inner
                .conn
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
        };
        for (name, value) in inner.flavor.default_headers {
            if !set_by_profile(name) {
                headers.push((name.to_string(), value.to_string()));
            }
        }
        headers.extend(inner.conn.masked_headers());
        if inner.key().is_some() {
            headers.push(("authorization".into(), format!("Bearer {REDACTED}")));
            if inner.flavor.auth == AuthStyle::BearerAndApiKeyHeader {
                headers.push(("x-api-key".into(), REDACTED.into()));
            }
        }
        let (path, body) = wire::generation(inner.flavor, request);
        Ok(WireRequest {
            method: "POST".into(),
            url: endpoint::join(&inner.base(), path),
            headers,
            body,
        })
    }

    fn status(&self) -> BoxFuture<'_, Result<StatusReport>> {
        self.inner.status().boxed()
    }

    fn list_models(&self) -> BoxFuture<'_, Result<Vec<ModelInfo>>> {
        async move { Ok(self.inner.fetch_models().await?.0.unwrap_or_default()) }.boxed()
    }

    fn count_tokens<'a>(&'a self, text: &'a str) -> BoxFuture<'a, Result<Option<u32>>> {
        self.inner.count_tokens(text).boxed()
    }

    fn context_size<'a>(&'a self, model: &'a str) -> BoxFuture<'a, Result<Option<u32>>> {
        // What the model list says (OpenRouter, Mancer, some local servers).
        async move {
            let models = self.inner.fetch_models().await?.0.unwrap_or_default();
            Ok(models
                .into_iter()
                .find(|m| m.id == model)
                .and_then(|m| m.context_length))
        }
        .boxed()
    }

    fn stream(
        &self,
        request: ChatRequest,
        cancel: CancellationToken,
    ) -> BoxStream<'static, Result<StreamEvent>> {
        let inner = Arc::clone(&self.inner);
        Box::pin(async_stream::stream! {
            let (path, body) = wire::generation(inner.flavor, &request);
            let body = match serde_json::to_vec(&body) {
                Ok(body) => body,
                Err(err) => {
                    yield Err(Error::internal(format!("Could not encode the request: {err}.")));
                    return;
                }
            };
            let out = Outgoing { method: Method::POST, path, body: Some(body) };
            let sent = tokio::select! {
                biased;
                _ = cancel.cancelled() => return,
                sent = inner.send(out) => sent,
            };
            let (response, base) = match sent {
                Ok(ok) => ok,
                Err(err) => {
                    yield Err(err);
                    return;
                }
            };
            let target = inner.target(&endpoint::join(&base, path));
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
                match wire::parse_completion(&bytes) {
                    CompletionOutcome::Events(events) => {
                        for event in events {
                            yield Ok(event);
                        }
                    }
                    CompletionOutcome::ServerError(server) => {
                        let kind = server.kind_in_stream();
                        yield Err(target
                            .error(kind, format!("the server reported an error: {}.", server.message))
                            .with_detail(server.message));
                    }
                    CompletionOutcome::Malformed => {
                        yield Err(target
                            .protocol_error("the reply was not a chat completion")
                            .with_detail(super::body_start(&bytes)));
                    }
                }
                return;
            }
            let body = SseBody::new(response, inner.http.idle_timeout());
            let mapper = OpenAiEvents(ChunkMapper::joining());
            for await item in relay_sse(body, target, cancel, mapper) {
                yield item;
            }
        })
    }
}
