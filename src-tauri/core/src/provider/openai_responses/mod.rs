//! OpenAI's Responses API (`POST {base}/responses`), the API OpenAI's codex, `-pro` and
//! deep-research models serve (and the only one): typed input items, `instructions` for the
//! system prompt, named stream events without `[DONE]`, reasoning summaries, and encrypted
//! reasoning kept with a reply and sent back with it.
//!
//! API reference: <https://platform.openai.com/docs/api-reference/responses>.
//!
//! [`ChatOrResponses`] is what the OpenAI source is built as: it holds the chat-completions
//! adapter (handed in by the factory: no family imports another) and a [`Responses`] adapter,
//! and picks one per request by the profile's [`OpenAiApi`] and the request's model (`Auto`:
//! the Responses API for the models that serve only it, as the catalogue lists them in
//! [`crate::catalogue::openai_models`]). The status check, the model list, context sizes and
//! token counts stay the chat adapter's.
//!
//! The folder's files, as in every family: this adapter, `request` (requests as values, quirks
//! as data), `wire` (body shapes, answer parsing) and `stream` (the answer as events). Sending,
//! error mapping and reading are shared ([`crate::provider::support`]).

pub mod request;
pub mod stream;
pub mod wire;

use std::sync::Arc;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::FutureExt;
use tokio_util::sync::CancellationToken;

use self::stream::EventMapper;
use crate::catalogue::openai_models::needs_responses_api;
use crate::catalogue::Capabilities;
use crate::error::Result;
use crate::http::Http;
use crate::model::{ChatRequest, ModelInfo};
use crate::options::OpenAiApi;
use crate::provider::contract::{Connection, Provider, StatusReport, StreamEvent};
use crate::provider::support::{Client, Request};

/// An adapter speaking only the Responses API.
pub struct Responses {
    client: Arc<Client>,
}

impl Responses {
    /// An adapter for `conn`.
    pub fn new(conn: Connection, http: Http) -> Responses {
        Responses {
            client: Arc::new(Client::new(conn, http, request::QUIRKS)),
        }
    }

    async fn models(&self) -> Result<Vec<ModelInfo>> {
        let list = request::models(&self.client);
        let body = self.client.fetch(&list).await?;
        wire::parse_models(&body).ok_or_else(|| {
            self.client
                .target(list.url())
                .protocol_error("it did not return a model list")
        })
    }

    async fn status(&self) -> Result<StatusReport> {
        let models = self.models().await?;
        Ok(StatusReport {
            base_url: self.client.conn.base_url.clone(),
            url_changed: false,
            message: format!("Connected: {} models.", models.len()),
            models: Some(models),
        })
    }
}

impl Provider for Responses {
    fn capabilities(&self) -> Capabilities {
        self.client.conn.kind.info().capabilities
    }

    fn status(&self) -> BoxFuture<'_, Result<StatusReport>> {
        self.status().boxed()
    }

    fn list_models(&self) -> BoxFuture<'_, Result<Vec<ModelInfo>>> {
        self.models().boxed()
    }

    fn request(&self, request: &ChatRequest) -> Result<Request> {
        request::responses(&self.client, request)
    }

    fn stream(
        &self,
        request: ChatRequest,
        cancel: CancellationToken,
    ) -> BoxStream<'static, Result<StreamEvent>> {
        let client = Arc::clone(&self.client);
        let send = async move {
            client.require_key()?;
            client.open(&request::responses(&client, &request)?).await
        };
        self.client
            .generate(send, cancel, EventMapper::new(), stream::whole)
    }
}

/// OpenAI's two chat APIs behind one adapter, chosen per request.
pub struct ChatOrResponses {
    chat: Box<dyn Provider>,
    responses: Responses,
    choice: OpenAiApi,
}

impl ChatOrResponses {
    /// `chat` (the chat-completions adapter for `conn`) beside a Responses adapter for the same
    /// connection, chosen between by `conn`'s [`OpenAiApi`].
    pub fn new(chat: Box<dyn Provider>, conn: Connection, http: Http) -> ChatOrResponses {
        let choice = conn.options.source.openai_api;
        ChatOrResponses {
            chat,
            responses: Responses::new(conn, http),
            choice,
        }
    }

    /// The adapter that answers `request`: text completion is always the chat adapter's.
    fn pick(&self, request: &ChatRequest) -> &dyn Provider {
        let responses = request.prompt.is_none()
            && match self.choice {
                OpenAiApi::Auto => needs_responses_api(&request.model),
                OpenAiApi::ChatCompletions => false,
                OpenAiApi::Responses => true,
            };
        if responses {
            &self.responses
        } else {
            self.chat.as_ref()
        }
    }
}

impl Provider for ChatOrResponses {
    fn capabilities(&self) -> Capabilities {
        self.chat.capabilities()
    }

    fn status(&self) -> BoxFuture<'_, Result<StatusReport>> {
        self.chat.status()
    }

    fn list_models(&self) -> BoxFuture<'_, Result<Vec<ModelInfo>>> {
        self.chat.list_models()
    }

    fn context_size<'a>(&'a self, model: &'a str) -> BoxFuture<'a, Result<Option<u32>>> {
        self.chat.context_size(model)
    }

    fn count_tokens<'a>(&'a self, text: &'a str) -> BoxFuture<'a, Result<Option<u32>>> {
        self.chat.count_tokens(text)
    }

    fn request(&self, request: &ChatRequest) -> Result<Request> {
        self.pick(request).request(request)
    }

    fn stream(
        &self,
        request: ChatRequest,
        cancel: CancellationToken,
    ) -> BoxStream<'static, Result<StreamEvent>> {
        self.pick(&request).stream(request, cancel)
    }
}
