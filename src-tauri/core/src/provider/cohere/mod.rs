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

/// The most pages of the model list read.
const MAX_PAGES: usize = 50;

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
        let mut models = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = request::models_page(&self.client, token.as_deref());
            let body = self.client.fetch(&page).await?;
            let (page_models, next) = wire::parse_models_page(&body).ok_or_else(|| {
                self.client
                    .target(page.url())
                    .protocol_error("it did not return a model list; is this the Cohere API?")
            })?;
            models.extend(page_models);
            match next {
                Some(next) if token.as_ref() != Some(&next) => token = Some(next),
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
            base_url: self.client.conn.base_url.clone(),
            url_changed: false,
            models: Some(models),
            message,
        })
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
