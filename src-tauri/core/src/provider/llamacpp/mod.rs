//! llama.cpp's own server (`llama-server`) through its native API, for text completion.
//!
//! API reference: `tools/server/README.md` in <https://github.com/ggml-org/llama.cpp>.
//!
//! - `GET {base}/health` is the status check: 200 `{"status": "ok"}`, or 503 with `"Loading
//!   model"` while the model loads (said as such, not as a failure of the server).
//! - `GET {base}/v1/models` lists the model (its file name or `--alias`); `GET {base}/props`
//!   tells the context the server runs with (`default_generation_settings.n_ctx`); `POST
//!   {base}/tokenize` counts a prompt's tokens.
//! - `POST {base}/completion` generates, streamed as Server-Sent Events ([`stream`]) or whole,
//!   with `cache_prompt: true`. A prompt longer than the context is cut by the server from the
//!   start (`"truncated": true` in the last event): that is passed on as
//!   [`StreamEvent::PromptCut`] for the person to see.
//! - Stop closes the connection, which is how this server is told to stop generating.
//!
//! Chat completion on the same server goes through its OpenAI-compatible `/v1/chat/completions`
//! (the OpenAI-compatible family, chosen by [`crate::provider::build`]), not through here.
//!
//! The folder's files, as in every family: this adapter, `request` (requests as values, quirks
//! as data), `wire` (body shapes, answer parsing) and `stream` (the answer as events). Sending,
//! error mapping and reading are shared ([`crate::provider::support`]); `/props` and
//! `/tokenize` are read as the OpenAI-compatible family reads them
//! ([`crate::provider::server_routes`]).

pub mod request;
pub mod stream;
pub mod wire;

use std::sync::Arc;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::FutureExt;
use tokio_util::sync::CancellationToken;

use self::stream::CompletionMapper;
use crate::catalogue::Capabilities;
use crate::error::Result;
use crate::http::Http;
use crate::model::{ChatRequest, ModelInfo};
use crate::provider::contract::{Connection, Provider, StatusReport, StreamEvent};
use crate::provider::relay::ByData;
use crate::provider::server_routes;
use crate::provider::support::{Client, Request};

/// The adapter for llama.cpp's native API.
pub struct LlamaCpp {
    client: Arc<Client>,
}

impl LlamaCpp {
    /// An adapter for `conn`.
    pub fn new(conn: Connection, http: Http) -> LlamaCpp {
        LlamaCpp {
            client: Arc::new(Client::new(conn, http, request::QUIRKS)),
        }
    }

    fn base(&self) -> &str {
        &self.client.conn.base_url
    }

    /// The models, with the context the server runs with.
    async fn models(&self) -> Result<Vec<ModelInfo>> {
        let context = self.context_size().await.ok().flatten();
        self.models_with(context).await
    }

    async fn models_with(&self, context: Option<u32>) -> Result<Vec<ModelInfo>> {
        let url = request::url(&self.client, "/v1/models");
        let body = self
            .client
            .fetch(&request::get(&self.client, "/v1/models"))
            .await?;
        let mut models = wire::parse_models(&body).ok_or_else(|| {
            self.client
                .target(&url)
                .protocol_error("it did not return a model list; is this a llama.cpp server?")
        })?;
        for model in &mut models {
            model.context_length = context;
        }
        Ok(models)
    }

    /// The context the server runs with.
    async fn context_size(&self) -> Result<Option<u32>> {
        let props = server_routes::props(&self.client, self.base());
        let body = self.client.fetch(&props).await?;
        Ok(server_routes::parse_props_context(&body))
    }

    async fn count_tokens(&self, text: &str) -> Result<Option<u32>> {
        let tokenize = server_routes::tokenize(&self.client, self.base(), text)?;
        let body = self.client.fetch(&tokenize).await?;
        Ok(server_routes::parse_tokenize(&body))
    }

    async fn status(&self) -> Result<StatusReport> {
        // 503 while the model loads: the refusal says so.
        self.client
            .fetch(&request::get(&self.client, "/health"))
            .await?;
        // `/health` and the model list are open even with `--api-key`; `/props` tells whether
        // the key works (a build without it answers 404).
        let context = match self.context_size().await {
            Ok(size) => size,
            Err(err) if err.status == Some(404) => None,
            Err(err) => return Err(err),
        };
        let models = self.models_with(context).await?;
        let context = models
            .first()
            .and_then(|m| m.context_length)
            .map(|c| format!(", context {c} tokens"))
            .unwrap_or_default();
        let message = match models.first() {
            Some(model) => format!("Connected: llama.cpp server with {}{context}.", model.id),
            None => "Connected: llama.cpp server; it lists no model.".to_string(),
        };
        Ok(StatusReport {
            base_url: self.base().to_string(),
            url_changed: false,
            models: Some(models),
            message,
        })
    }
}

impl Provider for LlamaCpp {
    fn capabilities(&self) -> Capabilities {
        let conn = &self.client.conn;
        conn.kind.info().capabilities.with_api(Some(conn.api))
    }

    fn status(&self) -> BoxFuture<'_, Result<StatusReport>> {
        self.status().boxed()
    }

    fn list_models(&self) -> BoxFuture<'_, Result<Vec<ModelInfo>>> {
        self.models().boxed()
    }

    fn context_size<'a>(&'a self, _model: &'a str) -> BoxFuture<'a, Result<Option<u32>>> {
        self.context_size().boxed()
    }

    fn count_tokens<'a>(&'a self, text: &'a str) -> BoxFuture<'a, Result<Option<u32>>> {
        self.count_tokens(text).boxed()
    }

    fn request(&self, request: &ChatRequest) -> Result<Request> {
        request::completion(&self.client, request)
    }

    fn stream(
        &self,
        request: ChatRequest,
        cancel: CancellationToken,
    ) -> BoxStream<'static, Result<StreamEvent>> {
        let client = Arc::clone(&self.client);
        let completion = request::completion(&client, &request);
        let send = {
            let client = Arc::clone(&client);
            async move { client.open(&completion?).await }
        };
        // Stop drops the connection: the server notices and stops generating.
        client.generate(send, cancel, ByData(CompletionMapper), stream::whole)
    }
}
