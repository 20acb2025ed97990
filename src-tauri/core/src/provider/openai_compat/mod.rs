//! The OpenAI-compatible protocol family: OpenAI, Mistral, OpenRouter, Oobabooga, TabbyAPI,
//! Mancer and any custom server (llama.cpp, vLLM, LM Studio, Ollama, Aphrodite, KoboldCpp's
//! `/v1`), one implementation with a [`Flavor`] per source.
//!
//! API references: <https://platform.openai.com/docs/api-reference/chat>,
//! <https://docs.mistral.ai/api/>, <https://openrouter.ai/docs/api-reference/overview>.
//!
//! - `GET {base}/models` is the status check and the model list (OpenRouter checks its key
//!   with `GET {base}/key`); a server without the route has no list, which is not an error.
//! - Custom servers: the context size is the model list's `context_length` (vLLM's
//!   `max_model_len`), else llama.cpp's
//!   `GET {root}/props` (`default_generation_settings.n_ctx`), else Ollama's `GET
//!   {root}/api/ps` (the running model's `context_length`); prompt tokens are counted with
//!   llama.cpp's `POST {root}/tokenize` (`{root}`: the base without `/v1`). A server without
//!   these routes is simply not asked again for that request.
//! - `POST {base}/chat/completions` streams Server-Sent Events ([`stream`]) or answers JSON.
//! - Custom servers: when the URL as given has no such endpoint (404), `{url}/v1` is tried and,
//!   if it answers, used from then on.
//! - Stop closes the connection, which is how these servers are told to stop generating.
//!
//! The folder's files, as in every family: this adapter (status, models, generation, `/v1`
//! discovery), `request` (requests as values, each source's [`Flavor`] as data), `wire` (body
//! shapes, answer parsing) and `stream` (the chunk mapper; [`OpenAiEvents`], its adapter to the
//! relay, and the non-streamed answer as events are here). Sending, error mapping and reading
//! are shared ([`crate::provider::support`]); nothing here builds HTTP by hand.

pub mod request;
pub mod stream;
pub mod wire;

use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::FutureExt;
use reqwest::{Method, Response};
use tokio_util::sync::CancellationToken;

use self::request::{Flavor, ModelsRoute, Routes, StatusCheck};
use self::stream::{ChunkMapper, Step};
use self::wire::CompletionOutcome;
use crate::catalogue::Capabilities;
use crate::endpoint;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Http, Target};
use crate::model::StopReason;
use crate::model::{ChatRequest, ModelInfo};
use crate::options::AzureRoute;
use crate::provider::contract::{Connection, Provider, StatusReport, StreamEvent};
use crate::provider::relay::{SseMapper, StreamFailure};
use crate::provider::server_error::ServerError;
use crate::provider::support::{body_start, Client, Request};
use crate::stream::{SseEnd, SseEvent};

/// An adapter for one OpenAI-compatible endpoint.
pub struct OpenAiCompat {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    flavor: &'static Flavor,
    /// The base URL in use; starts as configured, changes when `/v1` is discovered.
    base: Mutex<String>,
}

impl OpenAiCompat {
    /// An adapter for `conn` speaking `flavor`'s dialect; refused when the URL still holds the
    /// flavor's placeholder (Cloudflare's account id).
    pub fn new(conn: Connection, flavor: &'static Flavor, http: Http) -> Result<OpenAiCompat> {
        if let Some((placeholder, what)) = flavor.url_placeholder {
            if conn.base_url.contains(placeholder) {
                return Err(Error::not_configured(format!(
                    "{}: the URL {} is a template: {what}.",
                    conn.who, conn.base_url
                ))
                .with_provider(conn.kind.id()));
            }
        }
        let base = match flavor.routes {
            Routes::Base => conn.base_url.clone(),
            Routes::Azure => request::azure::base(&conn.base_url, &conn.options.source),
        };
        Ok(OpenAiCompat {
            inner: Arc::new(Inner {
                client: Client::new(conn, http, flavor.quirks()),
                flavor,
                base: Mutex::new(base),
            }),
        })
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

    /// Sends `request` (of `path` under the current base); for custom servers a 404 at the
    /// URL as given is retried at `{url}/v1`, which is then kept for later requests.
    async fn send(&self, request: &Request, path: &str) -> Result<(Response, String)> {
        let base = self.base();
        match self.client.send(request).await {
            Ok(response) => Ok((response, base)),
            Err(first) if self.may_discover(&base, &first) => {
                let with_v1 = endpoint::join(&base, "/v1");
                let again = request.at(endpoint::join(&with_v1, path));
                match self.client.send(&again).await {
                    Ok(response) => {
                        self.set_base(with_v1.clone());
                        Ok((response, with_v1))
                    }
                    Err(second) if second.status == Some(404) => {
                        let mut first = first;
                        first
                            .message
                            .push_str(&format!(" {} answered 404 too.", again.url()));
                        Err(first)
                    }
                    Err(second) => Err(second),
                }
            }
            Err(err) => Err(err),
        }
    }

    /// `GET path` under the current base, with discovery.
    async fn get(&self, path: &str) -> Result<(Response, String)> {
        let get = request::at(&self.client, Method::GET, &self.base(), path);
        self.send(&get, path).await
    }

    fn may_discover(&self, base: &str, err: &Error) -> bool {
        self.flavor.discover_v1
            && err.status == Some(404)
            && err.kind != ErrorKind::ModelNotFound
            && !base.split('?').next().unwrap_or(base).ends_with("/v1")
    }

    /// Where the model list is, under `base`; `None` when the source has none.
    fn models_url(&self, base: &str) -> Option<String> {
        if self.deployments_route() {
            return None;
        }
        match self.flavor.models {
            ModelsRoute::Base => Some(endpoint::join(base, "/models")),
            ModelsRoute::Beside(path) => {
                // The base without its last path segment; a base that has none (a server's
                // root) is its own parent.
                let base = base.trim_end_matches('/');
                let path_start = base.find("://").map_or(0, |scheme| scheme + 3);
                let parent = match base[path_start..].rfind('/') {
                    Some(at) => &base[..path_start + at],
                    None => base,
                };
                Some(format!("{parent}{path}"))
            }
            ModelsRoute::None => None,
        }
    }

    /// Azure OpenAI's deployments route (no model list: deployments are listed only by
    /// Azure's management API).
    fn deployments_route(&self) -> bool {
        self.flavor.routes == Routes::Azure
            && self.client.conn.options.source.azure_route == AzureRoute::Deployments
    }

    async fn fetch_models(&self) -> Result<(Option<Vec<ModelInfo>>, String)> {
        let fetched = match self.models_url(&self.base()) {
            Some(_) if self.flavor.models == ModelsRoute::Base => self.get("/models").await,
            Some(url) => {
                let list = self.client.request(Method::GET, url);
                self.client
                    .send(&list)
                    .await
                    .map(|response| (response, self.base()))
            }
            None => return Ok((None, self.base())),
        };
        let (response, base) = match fetched {
            Ok(ok) => ok,
            Err(err) if err.status == Some(404) => return Ok((None, self.base())),
            Err(err) => return Err(err),
        };
        let url = self.models_url(&base).unwrap_or_default();
        let body = self.client.read_json(response, &url).await?;
        match wire::parse_models(&body) {
            Some(models) => Ok((Some(models), base)),
            None => Err(self
                .client
                .target(&url)
                .protocol_error("it did not return a model list")),
        }
    }

    /// text-generation-webui's or llama.cpp's count of `text`'s tokens.
    async fn count_tokens(&self, text: &str) -> Result<Option<u32>> {
        if self.flavor.llamacpp_routes {
            let tokenize = request::tokenize(&self.client, &self.base(), text)?;
            return Ok(match self.client.fetch(&tokenize).await {
                Ok(body) => wire::parse_tokenize(&body),
                // A server without the route (vLLM's differs, LM Studio has none).
                Err(_) => None,
            });
        }
        if !self.flavor.textgen_internal {
            return Ok(None);
        }
        let count = request::token_count(&self.client, &self.base(), text)?;
        let bytes = self.client.fetch(&count).await?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        Ok(value
            .get("length")
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| u32::try_from(n).ok()))
    }

    /// text-generation-webui's loaded model and loader, when it says (best effort).
    async fn loaded_model(&self, base: &str) -> Option<String> {
        let info = request::at(&self.client, Method::GET, base, "/internal/model/info");
        let body = self.client.fetch(&info).await.ok()?;
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
        let configured = self.client.conn.base_url.clone();
        if self.flavor.status == StatusCheck::KeyInfo {
            self.client.require_key()?;
            let (_, base) = self.get("/key").await?;
            return Ok(StatusReport {
                url_changed: base != configured,
                base_url: base,
                models: None,
                message: "Connected: the API key works.".to_string(),
            });
        }
        let base_before = self.base();
        if self.deployments_route() {
            let check = request::azure::key_check(&base_before, &self.client.conn.options.source);
            self.client
                .send(&self.client.request(Method::GET, check))
                .await?;
            return Ok(StatusReport {
                url_changed: false,
                base_url: configured,
                models: None,
                message: "Connected: the key works. Type your deployment's name as the model (Azure lists deployments only in its portal and management API).".to_string(),
            });
        }
        if self.flavor.models == ModelsRoute::None {
            return Ok(StatusReport {
                url_changed: false,
                base_url: configured,
                models: None,
                message: format!(
                    "Ready. {} lists no models: type a model id; the first message checks the key.",
                    self.client.conn.kind.label()
                ),
            });
        }
        if let (ModelsRoute::Beside(_), Some(url)) =
            (self.flavor.models, self.models_url(&base_before))
        {
            let list = self.client.request(Method::GET, url.clone());
            let response = self.client.send(&list).await?;
            let body = self.client.read_json(response, &url).await?;
            let models = wire::parse_models(&body).ok_or_else(|| {
                self.client
                    .target(&url)
                    .protocol_error("it did not return a model list")
            })?;
            return Ok(StatusReport {
                url_changed: false,
                base_url: configured,
                message: format!("Connected: {} models.", models.len()),
                models: Some(models),
            });
        }
        let (response, base) = self.get("/models").await.map_err(|mut err| {
            if err.status == Some(404) {
                err.message.push_str(
                    " If this server has no model list, turn on \"bypass status check\" and type the model id.",
                );
            }
            err
        })?;
        let url = endpoint::join(&base, "/models");
        let body = self.client.read_json(response, &url).await?;
        let models = wire::parse_models(&body).ok_or_else(|| {
            self.client.target(&url).protocol_error(
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

    /// The generation under the current base, and its path (`/chat/completions` or
    /// `/completions`).
    fn generation(&self, request: &ChatRequest) -> Result<(Request, &'static str)> {
        let (path, body) = wire::generation(self.flavor, request);
        let base = self.base();
        if self.flavor.routes == Routes::Azure {
            let options = &self.client.conn.options.source;
            let (url, body) = request::azure::generation(&base, options, &request.model, body);
            return Ok((self.client.request(Method::POST, url).json(body)?, path));
        }
        let generation = request::at(&self.client, Method::POST, &base, path).json(body)?;
        Ok((generation, path))
    }

    /// Sends the generation with discovery; the answer and what it is about.
    async fn open(&self, request: Request, path: &'static str) -> Result<(Response, Target)> {
        let before = self.base();
        let (response, base) = self.send(&request, path).await?;
        let url = if base == before {
            request.url().to_string()
        } else {
            endpoint::join(&base, path)
        };
        Ok((response, self.client.target(&url)))
    }
}

/// The family's chunks through the shared relay; an `event: error` carries a server error.
pub struct OpenAiEvents(pub ChunkMapper);

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
        let conn = &self.inner.client.conn;
        conn.kind.info().capabilities.with_api(Some(conn.api))
    }

    fn request(&self, request: &ChatRequest) -> Result<Request> {
        Ok(self.inner.generation(request)?.0)
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
        // What the model list says (OpenRouter, Mancer, some local servers), else llama.cpp's
        // `/props`, else Ollama's `/api/ps`.
        async move {
            let listed = match self.inner.fetch_models().await {
                Ok((models, _)) => models
                    .unwrap_or_default()
                    .into_iter()
                    .find(|m| m.id == model)
                    .and_then(|m| m.context_length),
                Err(err) if self.inner.flavor.llamacpp_routes => {
                    tracing::debug!("no model list for the context size: {}", err.log_summary());
                    None
                }
                Err(err) => return Err(err),
            };
            if listed.is_some() || !self.inner.flavor.llamacpp_routes {
                return Ok(listed);
            }
            let base = self.inner.base();
            let props = request::props(&self.inner.client, &base);
            if let Ok(body) = self.inner.client.fetch(&props).await {
                if let Some(size) = wire::parse_props_context(&body) {
                    return Ok(Some(size));
                }
            }
            // Ollama: the context the running model was loaded with.
            let ps = request::ollama_ps(&self.inner.client, &base);
            Ok(match self.inner.client.fetch(&ps).await {
                Ok(body) => wire::parse_ollama_ps(&body, model),
                Err(_) => None,
            })
        }
        .boxed()
    }

    fn stream(
        &self,
        request: ChatRequest,
        cancel: CancellationToken,
    ) -> BoxStream<'static, Result<StreamEvent>> {
        let inner = Arc::clone(&self.inner);
        let send = async move {
            let (generation, path) = inner.generation(&request)?;
            inner.open(generation, path).await
        };
        let mapper = OpenAiEvents(ChunkMapper::joining());
        self.inner.client.generate(send, cancel, mapper, whole)
    }
}

/// A whole (non-streamed) completion as events.
fn whole(bytes: &[u8], target: &Target) -> Result<Vec<StreamEvent>> {
    match wire::parse_completion(bytes) {
        CompletionOutcome::Events(events) => Ok(events),
        CompletionOutcome::ServerError(server) => {
            let kind = server.kind_in_stream();
            Err(target
                .error(
                    kind,
                    format!("the server reported an error: {}.", server.message),
                )
                .with_detail(server.message))
        }
        CompletionOutcome::Malformed => Err(target
            .protocol_error("the reply was not a chat completion")
            .with_detail(body_start(bytes))),
    }
}
