//! KoboldAI United (`kobold`) and KoboldCpp (`koboldcpp`): the KoboldAI API.
//!
//! United: `{base}/v1/model`, blocking `{base}/v1/generate`, with the base ending in `/api`.
//! KoboldCpp: the same under `{base}/api`, plus `…/extra/version`, the true context size,
//! streaming through `…/extra/generate/stream`, and Stop sent to the server through
//! `…/extra/abort` with the generation's `genkey`. An optional password goes as a Bearer token.

pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::FutureExt;
use reqwest::{Method, Response};
use secrecy::ExposeSecret;
use tokio_util::sync::CancellationToken;

use self::wire::TokenMapper;
use crate::catalogue::{Capabilities, ProviderKind};
use crate::endpoint;
use crate::error::{ErrorKind, Result};
use crate::http::{Http, Target};
use crate::model::{ChatRequest, ModelInfo, StopReason};
use crate::provider::relay::{is_event_stream, read_answer, relay_sse, SseMapper, StreamFailure};
use crate::provider::server_error::ServerError;
use crate::provider::{
    error_from_response, read_error, Connection, Provider, StatusReport, StreamEvent, WireRequest,
    REDACTED,
};
use crate::stream::{read_all, SseBody, SseEvent};

const MAX_JSON_BODY: usize = 32 * 1024 * 1024;
/// How long the abort request may take; Stop does not wait for it.
const ABORT_TIMEOUT: Duration = Duration::from_secs(5);

/// The KoboldAI adapter.
pub struct Kobold {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Connection,
    http: Http,
    koboldcpp: bool,
}

impl Kobold {
    /// An adapter for `conn` (United or KoboldCpp, by its kind).
    pub fn new(conn: Connection, http: Http) -> Kobold {
        let koboldcpp = conn.kind == ProviderKind::KoboldCpp;
        Kobold {
            inner: Arc::new(Inner {
                conn,
                http,
                koboldcpp,
            }),
        }
    }
}

impl Inner {
    /// The URL of an API path such as `/v1/model` or `/extra/version`.
    fn url(&self, path: &str) -> String {
        if self.koboldcpp {
            endpoint::join(&self.conn.base_url, &format!("/api{path}"))
        } else {
            endpoint::join(&self.conn.base_url, path)
        }
    }

    fn target(&self, url: &str) -> Target {
        Target::new(self.conn.who.clone(), url, self.conn.kind.id())
    }

    fn request(&self, method: Method, url: &str) -> reqwest::RequestBuilder {
        let mut builder = self.http.client().request(method, url);
        builder = self.conn.apply_headers(builder);
        if let Some(key) = self.conn.key.as_ref().map(|k| k.expose_secret()) {
            if !key.is_empty() {
                builder = builder.bearer_auth(key);
            }
        }
        builder
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
        Err(
            error_from_response(&self.http, &target, response, |status, body| {
                let server = ServerError::from_body(body);
                match status {
                    // KoboldAI's "busy" and read-only answers.
                    503 => (ErrorKind::ProviderUnavailable, server.message),
                    501 => (ErrorKind::NotConfigured, server.message),
                    422 => (
                        ErrorKind::InvalidRequest,
                        format!("the server refused a setting: {}", server.message),
                    ),
                    code => (server.kind_for_status(code), server.message),
                }
            })
            .await,
        )
    }

    async fn get_json(&self, path: &str) -> Result<Vec<u8>> {
        let url = self.url(path);
        let response = self.send(Method::GET, &url, None).await?;
        read_all(response, self.http.idle_timeout(), MAX_JSON_BODY)
            .await
            .map_err(|err| read_error(&self.target(&url), err, false))
    }

    /// The loaded model's name; an error when none is loaded.
    async fn model(&self) -> Result<String> {
        let url = self.url("/v1/model");
        let body = self.get_json("/v1/model").await?;
        let model = wire::parse_result(&body).ok_or_else(|| {
            self.target(&url)
                .protocol_error("it did not name a model; is this a KoboldAI server?")
        })?;
        if model == "ReadOnly" {
            return Err(self.target(&url).error(
                ErrorKind::NotConfigured,
                "no model is loaded. Load a model in KoboldAI, then connect again.",
            ));
        }
        Ok(model)
    }

    async fn context_size(&self) -> Result<Option<u32>> {
        let path = if self.koboldcpp {
            "/extra/true_max_context_length"
        } else {
            "/v1/config/max_context_length"
        };
        let body = self.get_json(path).await?;
        Ok(wire::parse_value(&body).and_then(|v| u32::try_from(v).ok()))
    }

    async fn models(&self) -> Result<Vec<ModelInfo>> {
        let id = self.model().await?;
        let context_length = self.context_size().await.ok().flatten();
        Ok(vec![ModelInfo {
            id,
            name: None,
            context_length,
        }])
    }

    async fn status(&self) -> Result<StatusReport> {
        let models = self.models().await?;
        let model = &models[0];
        let server = if self.koboldcpp {
            let body = self.get_json("/extra/version").await?;
            let (version, protected) = wire::parse_extra_version(&body).ok_or_else(|| {
                self.target(&self.url("/extra/version"))
                    .protocol_error("it did not say its version; is this KoboldCpp?")
            })?;
            if protected {
                // The GET routes are open; a protected one tells whether the password works.
                self.check_password().await?;
            }
            format!("KoboldCpp {version}")
        } else {
            let body = self.get_json("/v1/info/version").await?;
            match wire::parse_result(&body) {
                Some(version) => format!("KoboldAI United (API {version})"),
                None => "KoboldAI United".to_string(),
            }
        };
        let context = model
            .context_length
            .map(|c| format!(", context {c} tokens"))
            .unwrap_or_default();
        Ok(StatusReport {
            base_url: self.conn.base_url.clone(),
            url_changed: false,
            message: format!("Connected: {server} with {}{context}.", model.id),
            models: Some(models),
        })
    }

    async fn check_password(&self) -> Result<()> {
        let url = self.url("/extra/tokencount");
        let body = serde_json::json!({ "prompt": "" });
        match self.send(Method::POST, &url, Some(&body)).await {
            Err(err) if err.kind == ErrorKind::Auth => Err(err),
            _ => Ok(()),
        }
    }

    /// KoboldCpp's count of `text`'s tokens (United cannot count).
    async fn count_tokens(&self, text: &str) -> Result<Option<u32>> {
        if !self.koboldcpp {
            return Ok(None);
        }
        let url = self.url("/extra/tokencount");
        let body = serde_json::json!({ "prompt": text });
        let response = self.send(Method::POST, &url, Some(&body)).await?;
        let bytes = read_all(response, self.http.idle_timeout(), MAX_JSON_BODY)
            .await
            .map_err(|err| read_error(&self.target(&url), err, false))?;
        Ok(wire::parse_value(&bytes).and_then(|v| u32::try_from(v).ok()))
    }

    /// Tells KoboldCpp to stop the generation named `genkey` (best effort; United has none).
    async fn abort(&self, genkey: Option<String>) {
        let Some(genkey) = genkey else { return };
        let url = self.url("/extra/abort");
        let body = serde_json::json!({ "genkey": genkey });
        let request = self.request(Method::POST, &url).json(&body);
        match tokio::time::timeout(ABORT_TIMEOUT, request.send()).await {
            Ok(Ok(response)) => {
                tracing::debug!(status = %response.status(), "KoboldCpp abort sent")
            }
            Ok(Err(err)) => tracing::warn!("KoboldCpp abort failed: {err}"),
            Err(_) => tracing::warn!("KoboldCpp abort timed out"),
        }
    }

    fn generate_path(&self, request: &ChatRequest) -> &'static str {
        if self.koboldcpp && request.stream {
            "/extra/generate/stream"
        } else {
            "/v1/generate"
        }
    }
}

impl Provider for Kobold {
    fn capabilities(&self) -> Capabilities {
        self.inner.conn.kind.info().capabilities
    }

    fn status(&self) -> BoxFuture<'_, Result<StatusReport>> {
        self.inner.status().boxed()
    }

    fn list_models(&self) -> BoxFuture<'_, Result<Vec<ModelInfo>>> {
        self.inner.models().boxed()
    }

    fn context_size<'a>(&'a self, _model: &'a str) -> BoxFuture<'a, Result<Option<u32>>> {
        self.inner.context_size().boxed()
    }

    fn count_tokens<'a>(&'a self, text: &'a str) -> BoxFuture<'a, Result<Option<u32>>> {
        self.inner.count_tokens(text).boxed()
    }

    fn wire_request(&self, request: &ChatRequest) -> Result<WireRequest> {
        let inner = &self.inner;
        let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
        headers.extend(inner.conn.masked_headers());
        if inner.conn.key.is_some() {
            headers.push(("authorization".into(), format!("Bearer {REDACTED}")));
        }
        let genkey = inner.koboldcpp.then_some("KCPP…");
        Ok(WireRequest {
            method: "POST".into(),
            url: inner.url(inner.generate_path(request)),
            headers,
            body: wire::generate_body(request, inner.koboldcpp, genkey),
        })
    }

    fn stream(
        &self,
        request: ChatRequest,
        cancel: CancellationToken,
    ) -> BoxStream<'static, Result<StreamEvent>> {
        let inner = Arc::clone(&self.inner);
        Box::pin(async_stream::stream! {
            let genkey = inner
                .koboldcpp
                .then(|| format!("KCPP{}", uuid::Uuid::new_v4().simple()));
            let body = wire::generate_body(&request, inner.koboldcpp, genkey.as_deref());
            let url = inner.url(inner.generate_path(&request));
            let target = inner.target(&url);
            // Stop reaches KoboldCpp through its abort route, not only by closing the
            // connection (the engine polls a cancelled stream to its end for this).
            let sent = tokio::select! {
                biased;
                _ = cancel.cancelled() => {
                    inner.abort(genkey).await;
                    return;
                }
                sent = inner.send(Method::POST, &url, Some(&body)) => sent,
            };
            let response = match sent {
                Ok(response) => response,
                Err(err) => {
                    yield Err(err);
                    return;
                }
            };
            if is_event_stream(&response) {
                let body = SseBody::new(response, inner.http.idle_timeout());
                for await item in relay_sse(body, target, cancel.clone(), TokenMapper) {
                    yield item;
                }
                if cancel.is_cancelled() {
                    inner.abort(genkey).await;
                }
                return;
            }
            let idle = inner.http.idle_timeout();
            let bytes = match read_answer(response, &target, &cancel, idle, MAX_JSON_BODY).await {
                None => {
                    inner.abort(genkey).await;
                    return;
                }
                Some(Ok(bytes)) => bytes,
                Some(Err(err)) => {
                    yield Err(err);
                    return;
                }
            };
            match wire::parse_generate(&bytes) {
                Some((text, reason)) => {
                    if !text.is_empty() {
                        yield Ok(StreamEvent::Delta(text));
                    }
                    yield Ok(StreamEvent::Done(reason));
                }
                None => {
                    yield Err(target
                        .protocol_error("the answer had no generated text")
                        .with_detail(super::body_start(&bytes)));
                }
            }
        })
    }
}

impl SseMapper for TokenMapper {
    fn on_event(
        &mut self,
        event: SseEvent,
        out: &mut Vec<StreamEvent>,
    ) -> std::result::Result<Option<StopReason>, StreamFailure> {
        self.on_data(&event.data, out)
    }
}
