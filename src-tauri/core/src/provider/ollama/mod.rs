//! Ollama (`ollama`), through its native API (default `http://127.0.0.1:11434`).
//!
//! Chat through `POST /api/chat`; text completion (the profile's other API) through `POST
//! /api/generate` with `raw: true`, the prompt already templated. Both stream newline-delimited
//! JSON objects, the last with `done: true`. Models from `GET /api/tags`; the status check is
//! `GET /api/version` then the tags. Reasoning streams as `message.thinking` / `thinking`.
//! `options.num_ctx` is sent with every generation (the profile's context size, else the size
//! the conversation was fitted to): Ollama otherwise runs the model at its own default context
//! and silently drops the start of a longer prompt. The model's maximum from `/api/show` is not
//! what the server runs at, so it is not reported as the context size. Stop closes the
//! connection, which is how Ollama stops generating (it has no abort route).
//!
//! The folder's files, as in every family: this adapter, `request` (requests as values, quirks
//! as data), `wire` (body shapes, answer parsing) and `stream` (the answer as events). Sending,
//! error mapping and reading are shared ([`crate::provider::support`]); nothing here builds HTTP
//! by hand.

pub mod request;
pub mod stream;
pub mod wire;

use std::sync::Arc;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::FutureExt;
use tokio_util::sync::CancellationToken;

use self::stream::ObjectMapper;
use crate::catalogue::Capabilities;
use crate::error::Result;
use crate::http::Http;
use crate::model::{ChatRequest, ModelInfo};
use crate::provider::contract::{Connection, Provider, StatusReport, StreamEvent};
use crate::provider::relay::ByData;
use crate::provider::support::{Client, Request};

/// The Ollama adapter.
pub struct Ollama {
    client: Arc<Client>,
}

impl Ollama {
    /// An adapter for `conn`.
    pub fn new(conn: Connection, http: Http) -> Ollama {
        Ollama {
            client: Arc::new(Client::new(conn, http, request::QUIRKS)),
        }
    }

    async fn models(&self) -> Result<Vec<ModelInfo>> {
        let body = self
            .client
            .fetch(&request::get(&self.client, "/api/tags"))
            .await?;
        wire::parse_tags(&body).ok_or_else(|| {
            self.client
                .target(&request::url(&self.client, "/api/tags"))
                .protocol_error("it did not list models as Ollama does; is this Ollama?")
        })
    }

    async fn status(&self) -> Result<StatusReport> {
        let version_url = request::url(&self.client, "/api/version");
        let body = self
            .client
            .fetch(&request::get(&self.client, "/api/version"))
            .await?;
        let version = wire::parse_version(&body).ok_or_else(|| {
            self.client
                .target(&version_url)
                .protocol_error("it did not say its version; is this Ollama?")
        })?;
        let models = self.models().await?;
        let listed = match models.len() {
            0 => "no models pulled yet".to_string(),
            1 => "1 model".to_string(),
            n => format!("{n} models"),
        };
        Ok(StatusReport {
            base_url: self.client.conn.base_url.clone(),
            url_changed: false,
            message: format!("Connected: Ollama {version} with {listed}."),
            models: Some(models),
        })
    }
}

impl Provider for Ollama {
    fn capabilities(&self) -> Capabilities {
        self.client
            .conn
            .kind
            .info()
            .capabilities
            .with_api(Some(self.client.conn.api))
    }

    fn status(&self) -> BoxFuture<'_, Result<StatusReport>> {
        self.status().boxed()
    }

    fn list_models(&self) -> BoxFuture<'_, Result<Vec<ModelInfo>>> {
        self.models().boxed()
    }

    fn request(&self, request: &ChatRequest) -> Result<Request> {
        request::generate(&self.client, request)
    }

    fn stream(
        &self,
        request: ChatRequest,
        cancel: CancellationToken,
    ) -> BoxStream<'static, Result<StreamEvent>> {
        let client = Arc::clone(&self.client);
        let generation = request::generate(&client, &request);
        let send = {
            let client = Arc::clone(&client);
            async move { client.open(&generation?).await }
        };
        // Stop drops the stream, which closes the connection: Ollama then stops generating.
        client.generate(send, cancel, ByData(ObjectMapper::default()), stream::whole)
    }
}
