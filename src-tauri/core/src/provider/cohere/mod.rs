//! Cohere's own chat API, v2 (`cohere`): `POST {base}/chat` with a bearer key (the base is
//! `https://api.cohere.com/v2`), messages with roles `system`/`user`/`assistant`, its own
//! sampler names (`p`, `k`), a stream of typed events (`message-start`, `content-delta`, …,
//! `message-end` with the finish reason and usage), thinking as reasoning, and the model list
//! from `GET {root}/v1/models?endpoint=chat`, paged by `next_page_token`.
//!
//! The folder's files, as in every family: this adapter (status, models, generation), `request`
//! (requests as values, quirks as data), `wire` (body shapes, answer parsing) and `stream` (the
//! answer as events). Sending, error mapping and reading are shared
//! ([`crate::provider::support`]); nothing here builds HTTP by hand, and nothing here keeps
//! anything between requests.

pub mod request;
pub mod stream;
pub mod wire;

use std::sync::Arc;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::FutureExt;
use tokio_util::sync::CancellationToken;

use self::stream::EventMapper;
use crate::catalogue::Capabilities;
use crate::error::Result;
use crate::http::Http;
use crate::model::{ChatRequest, ModelInfo};
use crate::provider::contract::{Connection, Provider, StatusReport, StreamEvent};
use crate::provider::support::{Client, Request};

/// The Cohere adapter.
pub struct Cohere {
    client: Arc<Client>,
}

impl Cohere {
    /// An adapter for `conn`.
    pub fn new(conn: Connection, http: Http) -> Cohere {
        Cohere {
            client: Arc::new(Client::new(conn, http, request::QUIRKS)),
        }
    }

    /// Every chat model, following `next_page_token` page by page.
    async fn models(&self) -> Result<Vec<ModelInfo>> {
        self.client.require_key()?;
        self.client
            .read_pages(
                |cursor| request::models_page(&self.client, cursor),
                wire::parse_models_page,
                "is this the Cohere API?",
            )
            .await
    }

    async fn status(&self) -> Result<StatusReport> {
        Ok(self.client.listed(self.models().await?))
    }
}

impl Provider for Cohere {
    fn capabilities(&self) -> Capabilities {
        self.client.conn.kind.info().capabilities
    }

    fn request(&self, request: &ChatRequest) -> Result<Request> {
        request::chat(&self.client, request)
    }

    fn status(&self) -> BoxFuture<'_, Result<StatusReport>> {
        self.status().boxed()
    }

    fn list_models(&self) -> BoxFuture<'_, Result<Vec<ModelInfo>>> {
        self.models().boxed()
    }

    fn stream(
        &self,
        request: ChatRequest,
        cancel: CancellationToken,
    ) -> BoxStream<'static, Result<StreamEvent>> {
        let client = Arc::clone(&self.client);
        let send = async move {
            client.require_key()?;
            client.open(&request::chat(&client, &request)?).await
        };
        // Stop drops the stream, which closes the connection: Cohere has no abort route.
        self.client
            .generate(send, cancel, EventMapper::new(), stream::whole)
    }
}
