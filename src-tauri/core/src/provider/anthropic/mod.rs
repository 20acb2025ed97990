//! Anthropic's Messages API (`claude`): `x-api-key` + `anthropic-version`, paged model list,
//! named stream events, thinking as reasoning, errors inside a 200 stream.
//!
//! A reverse proxy works the same way: a different base URL and its own password as the key.
//!
//! The folder's files, as in every family: this adapter (status, models, generation), `request`
//! (requests as values, quirks as data), `wire` (body shapes, answer parsing) and `stream` (the
//! answer as events). Sending, error mapping and reading are shared
//! ([`crate::provider::support`]); nothing here builds HTTP by hand.

pub mod request;
pub mod stream;
pub mod wire;

use std::sync::Arc;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::FutureExt;
use tokio_util::sync::CancellationToken;

pub use self::request::API_VERSION;
use self::stream::EventMapper;
use crate::catalogue::Capabilities;
use crate::error::Result;
use crate::http::Http;
use crate::model::{ChatRequest, ModelInfo};
use crate::provider::contract::{Connection, Provider, StatusReport, StreamEvent};
use crate::provider::support::{Client, Request};

/// The Claude adapter.
pub struct Anthropic {
    client: Arc<Client>,
}

impl Anthropic {
    /// An adapter for `conn`.
    pub fn new(conn: Connection, http: Http) -> Anthropic {
        Anthropic {
            client: Arc::new(Client::new(conn, http, request::QUIRKS)),
        }
    }

    /// Every model, following `has_more`/`last_id` page by page.
    async fn models(&self) -> Result<Vec<ModelInfo>> {
        self.client.require_key()?;
        self.client
            .read_pages(
                |cursor| request::models_page(&self.client, cursor),
                wire::parse_models_page,
                "is this the Anthropic API?",
            )
            .await
    }

    async fn status(&self) -> Result<StatusReport> {
        Ok(self.client.listed(self.models().await?))
    }
}

impl Provider for Anthropic {
    fn capabilities(&self) -> Capabilities {
        self.client.conn.kind.info().capabilities
    }

    fn request(&self, request: &ChatRequest) -> Result<Request> {
        request::messages(&self.client, request)
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
            client.open(&request::messages(&client, &request)?).await
        };
        self.client
            .generate(send, cancel, EventMapper::new(), stream::whole)
    }
}
