//! NovelAI (`novelai`): a persistent API token as Bearer, the subscription as status, a fixed
//! model list, and streaming from `…/ai/generate-stream` (`newToken` events).
//!
//! Generation lives on `text.novelai.net`, the account on `api.novelai.net`: for the official
//! host the subscription is read from the latter (both are NovelAI's); any other base URL (a
//! proxy) serves both paths itself.
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

use self::stream::TokenMapper;
use crate::catalogue::Capabilities;
use crate::error::Result;
use crate::http::Http;
use crate::model::{ChatRequest, ModelInfo};
use crate::provider::contract::{Connection, Provider, StatusReport, StreamEvent};
use crate::provider::relay::ByData;
use crate::provider::support::{Client, Request};

/// The NovelAI adapter.
pub struct NovelAi {
    client: Arc<Client>,
}

impl NovelAi {
    /// An adapter for `conn`.
    pub fn new(conn: Connection, http: Http) -> NovelAi {
        NovelAi {
            client: Arc::new(Client::new(conn, http, request::QUIRKS)),
        }
    }

    async fn subscription(&self) -> Result<(u64, Option<u32>)> {
        let request = request::subscription(&self.client)?;
        let body = self.client.fetch(&request).await?;
        wire::parse_subscription(&body).ok_or_else(|| {
            self.client
                .target(request.url())
                .protocol_error("it did not describe a subscription; is this NovelAI?")
        })
    }

    async fn status(&self) -> Result<StatusReport> {
        let (tier, context) = self.subscription().await?;
        let context = context
            .map(|c| format!(", context {c} tokens"))
            .unwrap_or_default();
        Ok(StatusReport {
            base_url: self.client.conn.base_url.clone(),
            url_changed: false,
            models: Some(wire::models()),
            message: format!(
                "Connected to NovelAI: {} subscription{context}.",
                wire::tier_name(tier)
            ),
        })
    }
}

impl Provider for NovelAi {
    fn capabilities(&self) -> Capabilities {
        self.client.conn.kind.info().capabilities
    }

    fn status(&self) -> BoxFuture<'_, Result<StatusReport>> {
        self.status().boxed()
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
            let by_tier = self.subscription().await.ok().and_then(|(_, c)| c);
            Ok(match (by_model, by_tier) {
                (Some(m), Some(t)) => Some(m.min(t)),
                (m, t) => m.or(t),
            })
        }
        .boxed()
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
        let send = async move { client.open(&request::generate(&client, &request)?).await };
        self.client
            .generate(send, cancel, ByData(TokenMapper), stream::whole)
    }
}
