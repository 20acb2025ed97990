//! KoboldAI United (`kobold`) and KoboldCpp (`koboldcpp`): the KoboldAI API.
//!
//! United: `{base}/v1/model`, blocking `{base}/v1/generate`, with the base ending in `/api`.
//! KoboldCpp: the same under `{base}/api`, plus `…/extra/version`, the true context size,
//! streaming through `…/extra/generate/stream`, and Stop sent to the server through
//! `…/extra/abort` with the generation's `genkey`. An optional password goes as a Bearer token.
//!
//! The folder's files, as in every family: this adapter (status, models, generation), `request`
//! (requests as values, quirks as data), `wire` (body shapes, answer parsing) and `stream` (the
//! answer as events). Sending, error mapping and reading are shared
//! ([`crate::provider::support`]); nothing here builds HTTP by hand.

pub mod request;
pub mod stream;
pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::FutureExt;
use tokio_util::sync::CancellationToken;

use self::request::koboldcpp;
use self::stream::TokenMapper;
use crate::catalogue::Capabilities;
use crate::error::{ErrorKind, Result};
use crate::http::Http;
use crate::model::{ChatRequest, ModelInfo};
use crate::provider::contract::{Connection, Provider, StatusReport, StreamEvent};
use crate::provider::relay::ByData;
use crate::provider::support::{Client, Request};

/// How long the abort request may take; Stop does not wait for it.
const ABORT_TIMEOUT: Duration = Duration::from_secs(5);

/// The KoboldAI adapter.
pub struct Kobold {
    client: Arc<Client>,
}

impl Kobold {
    /// An adapter for `conn` (United or KoboldCpp, by its kind).
    pub fn new(conn: Connection, http: Http) -> Kobold {
        Kobold {
            client: Arc::new(Client::new(conn, http, request::QUIRKS)),
        }
    }

    async fn get(&self, path: &str) -> Result<Vec<u8>> {
        self.client.fetch(&request::get(&self.client, path)).await
    }

    /// The loaded model's name; an error when none is loaded.
    async fn model(&self) -> Result<String> {
        let target = self.client.target(&request::url(&self.client, "/v1/model"));
        let body = self.get("/v1/model").await?;
        let model = wire::parse_result(&body).ok_or_else(|| {
            target.protocol_error("it did not name a model; is this a KoboldAI server?")
        })?;
        if model == "ReadOnly" {
            return Err(target.error(
                ErrorKind::NotConfigured,
                "no model is loaded. Load a model in KoboldAI, then connect again.",
            ));
        }
        Ok(model)
    }

    async fn context_size(&self) -> Result<Option<u32>> {
        let path = if koboldcpp(&self.client) {
            "/extra/true_max_context_length"
        } else {
            "/v1/config/max_context_length"
        };
        let body = self.get(path).await?;
        Ok(wire::parse_value(&body).and_then(|v| u32::try_from(v).ok()))
    }

    async fn models(&self) -> Result<Vec<ModelInfo>> {
        let id = self.model().await?;
        let context_length = self.context_size().await.ok().flatten();
        Ok(vec![ModelInfo {
            id,
            name: None,
            context_length,
            price: None,
        }])
    }

    async fn status(&self) -> Result<StatusReport> {
        let models = self.models().await?;
        let model = &models[0];
        let server = if koboldcpp(&self.client) {
            let body = self.get("/extra/version").await?;
            let (version, protected) = wire::parse_extra_version(&body).ok_or_else(|| {
                self.client
                    .target(&request::url(&self.client, "/extra/version"))
                    .protocol_error("it did not say its version; is this KoboldCpp?")
            })?;
            if protected {
                // The GET routes are open; a protected one tells whether the password works.
                let check = request::token_count(&self.client, "")?;
                if let Err(err) = self.client.send(&check).await {
                    if err.kind == ErrorKind::Auth {
                        return Err(err);
                    }
                }
            }
            format!("KoboldCpp {version}")
        } else {
            let body = self.get("/v1/info/version").await?;
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
            base_url: self.client.conn.base_url.clone(),
            url_changed: false,
            message: format!("Connected: {server} with {}{context}.", model.id),
            models: Some(models),
        })
    }

    /// KoboldCpp's count of `text`'s tokens (United cannot count).
    async fn count_tokens(&self, text: &str) -> Result<Option<u32>> {
        if !koboldcpp(&self.client) {
            return Ok(None);
        }
        let bytes = self
            .client
            .fetch(&request::token_count(&self.client, text)?)
            .await?;
        Ok(wire::parse_value(&bytes).and_then(|v| u32::try_from(v).ok()))
    }
}

/// Tells KoboldCpp to stop the generation named `genkey` (best effort; United has none).
async fn abort(client: &Client, genkey: Option<&str>) {
    let Some(genkey) = genkey else { return };
    match request::abort(client, genkey) {
        Ok(abort) => {
            client
                .send_quietly(&abort, ABORT_TIMEOUT, "KoboldCpp abort")
                .await
        }
        Err(err) => tracing::warn!("KoboldCpp abort failed: {}", err.message),
    }
}

impl Provider for Kobold {
    fn capabilities(&self) -> Capabilities {
        self.client.conn.kind.info().capabilities
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
        request::generate(
            &self.client,
            request,
            request::genkey(&self.client).as_deref(),
        )
    }

    fn stream(
        &self,
        request: ChatRequest,
        cancel: CancellationToken,
    ) -> BoxStream<'static, Result<StreamEvent>> {
        let client = Arc::clone(&self.client);
        let genkey = request::genkey(&client);
        let generation = request::generate(&client, &request, genkey.as_deref());
        let send = {
            let client = Arc::clone(&client);
            async move { client.open(&generation?).await }
        };
        let reply = client.generate(send, cancel.clone(), ByData(TokenMapper), stream::whole);
        Box::pin(async_stream::stream! {
            for await item in reply {
                yield item;
            }
            // Stop reaches KoboldCpp through its abort route, not only by closing the
            // connection (the engine polls a cancelled stream to its end for this).
            if cancel.is_cancelled() {
                abort(&client, genkey.as_deref()).await;
            }
        })
    }
}
