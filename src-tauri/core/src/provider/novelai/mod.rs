//! NovelAI (`novelai`): a persistent API token as Bearer, the subscription as status, a fixed
//! model list, and streaming from `…/ai/generate-stream` (`newToken` events).
//!
//! Generation lives on `text.novelai.net`, the account on `api.novelai.net`: for the official
//! host the subscription is read from the latter (both are NovelAI's); any other base URL (a
//! proxy) serves both paths itself.

pub mod wire;

use std::sync::Arc;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::FutureExt;
use reqwest::{Method, Response};
use secrecy::ExposeSecret;
use tokio_util::sync::CancellationToken;

use self::wire::TokenMapper;
use crate::catalogue::Capabilities;
use crate::endpoint;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Http, Target};
use crate::model::{ChatRequest, ModelInfo, StopReason};
use crate::provider::relay::{is_event_stream, read_answer, relay_sse, SseMapper, StreamFailure};
use crate::provider::server_error::ServerError;
use crate::provider::{
    error_from_response, read_error, Connection, Provider, StatusReport, StreamEvent, WireRequest,
    REDACTED,
};
use crate::stream::{read_all, SseBody, SseEvent};

const MAX_JSON_BODY: usize = 8 * 1024 * 1024;
const TEXT_HOST: &str = "https://text.novelai.net";
const ACCOUNT_HOST: &str = "https://api.novelai.net";

/// The NovelAI adapter.
pub struct NovelAi {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Connection,
    http: Http,
}

impl NovelAi {
    /// An adapter for `conn`.
    pub fn new(conn: Connection, http: Http) -> NovelAi {
        NovelAi {
            inner: Arc::new(Inner { conn, http }),
        }
    }
}

impl Inner {
    fn url(&self, path: &str) -> String {
        endpoint::join(&self.conn.base_url, path)
    }

    fn subscription_url(&self) -> String {
        if self.conn.base_url.trim_end_matches('/') == TEXT_HOST {
            format!("{ACCOUNT_HOST}/user/subscription")
        } else {
            self.url("/user/subscription")
        }
    }

    fn target(&self, url: &str) -> Target {
        Target::new(self.conn.who.clone(), url, self.conn.kind.id())
    }

    fn require_key(&self) -> Result<&str> {
        self.conn
            .key
            .as_ref()
            .map(|k| k.expose_secret())
            .filter(|k| !k.trim().is_empty())
            .ok_or_else(|| {
                Error::not_configured(format!(
                    "{}: NovelAI needs its persistent API token (Account settings → Get Persistent API Token). Save it for this profile first.",
                    self.conn.who
                ))
                .with_provider(self.conn.kind.id())
            })
    }

    async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Response> {
        let key = self.require_key()?;
        let target = self.target(url);
        let request = self.http.client().request(method, url);
        let mut request = self.conn.apply_headers(request);
        request = request.bearer_auth(key);
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
                let kind = match status {
                    400 if server.message.to_ascii_lowercase().contains("model") => {
                        ErrorKind::ModelNotFound
                    }
                    code => server.kind_for_status(code),
                };
                (kind, server.message)
            })
            .await,
        )
    }

    async fn subscription(&self) -> Result<(u64, Option<u32>)> {
        let url = self.subscription_url();
        let response = self.send(Method::GET, &url, None).await?;
        let body = read_all(response, self.http.idle_timeout(), MAX_JSON_BODY)
            .await
            .map_err(|err| read_error(&self.target(&url), err, false))?;
        wire::parse_subscription(&body).ok_or_else(|| {
            self.target(&url)
                .protocol_error("it did not describe a subscription; is this NovelAI?")
        })
    }

    async fn status(&self) -> Result<StatusReport> {
        let (tier, context) = self.subscription().await?;
        let context = context
            .map(|c| format!(", context {c} tokens"))
            .unwrap_or_default();
        Ok(StatusReport {
            base_url: self.conn.base_url.clone(),
            url_changed: false,
            models: Some(wire::models()),
            message: format!(
                "Connected to NovelAI: {} subscription{context}.",
                wire::tier_name(tier)
            ),
        })
    }

    fn generate_path(request: &ChatRequest) -> &'static str {
        if request.stream {
            "/ai/generate-stream"
        } else {
            "/ai/generate"
        }
    }
}

impl Provider for NovelAi {
    fn capabilities(&self) -> Capabilities {
        self.inner.conn.kind.info().capabilities
    }

    fn status(&self) -> BoxFuture<'_, Result<StatusReport>> {
        self.inner.status().boxed()
    }

    fn list_models(&self) -> BoxFuture<'_, Result<Vec<ModelInfo>>> {
        async { Ok(wire::models()) }.boxed()
    }

    fn context_size<'a>(&'a self, model: &'a str) -> BoxFuture<'a, Result<Option<u32>>> {
        async move {
            let by_model = wire::MODELS
                .iter()
                .find(|(id, _, _)| *id == model)
                .map(|(_, _, context)| *context);
            // The subscription's limit, where it says one, is the real ceiling.
            let by_tier = self.inner.subscription().await.ok().and_then(|(_, c)| c);
            Ok(match (by_model, by_tier) {
                (Some(m), Some(t)) => Some(m.min(t)),
                (m, t) => m.or(t),
            })
        }
        .boxed()
    }

    fn wire_request(&self, request: &ChatRequest) -> Result<WireRequest> {
        let inner = &self.inner;
        let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
        headers.extend(inner.conn.masked_headers());
        headers.push(("authorization".into(), format!("Bearer {REDACTED}")));
        Ok(WireRequest {
            method: "POST".into(),
            url: inner.url(Inner::generate_path(request)),
            headers,
            body: wire::generate_body(request),
        })
    }

    fn stream(
        &self,
        request: ChatRequest,
        cancel: CancellationToken,
    ) -> BoxStream<'static, Result<StreamEvent>> {
        let inner = Arc::clone(&self.inner);
        Box::pin(async_stream::stream! {
            let body = wire::generate_body(&request);
            let url = inner.url(Inner::generate_path(&request));
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
            if is_event_stream(&response) {
                let body = SseBody::new(response, inner.http.idle_timeout());
                for await item in relay_sse(body, target, cancel, TokenMapper) {
                    yield item;
                }
                return;
            }
            let idle = inner.http.idle_timeout();
            let bytes = match read_answer(response, &target, &cancel, idle, MAX_JSON_BODY).await {
                None => return,
                Some(Ok(bytes)) => bytes,
                Some(Err(err)) => {
                    yield Err(err);
                    return;
                }
            };
            match wire::parse_output(&bytes) {
                Some(text) => {
                    if !text.is_empty() {
                        yield Ok(StreamEvent::Delta(text));
                    }
                    yield Ok(StreamEvent::Done(StopReason::Stop));
                }
                None => {
                    yield Err(target
                        .protocol_error("the answer had no output")
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
