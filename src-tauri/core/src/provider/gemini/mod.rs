//! Google's Gemini API natively: Google AI Studio (`gemini`, the key in `x-goog-api-key`, the
//! paged model list) and Vertex AI (`vertexai`): in express mode with an API key, the same
//! wire under `publishers/google/models`, its models a fixed list (it has no list route); with
//! a service account, under the project's region with a bearer token.
//!
//! The folder's files, as in every family: this adapter (status, models, generation), `request`
//! (requests as values, the routes and sign-in, quirks as data), `wire` (body shapes, answer
//! parsing) and `stream` (the answer as events). Sending, error mapping and reading are shared
//! ([`crate::provider::support`]); nothing here builds HTTP by hand. Gemini has no abort: Stop
//! drops the stream.

pub mod request;
pub mod stream;
pub mod wire;

use std::sync::Arc;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::FutureExt;
use secrecy::{ExposeSecret, SecretString};
use tokio_util::sync::CancellationToken;

use self::request::{Auth, Route};
use self::stream::ChunkMapper;
use crate::catalogue::{Capabilities, SourceSetting};
use crate::error::{Error, Result};
use crate::google_auth::ServiceAccountTokens;
use crate::http::Http;
use crate::model::{ChatRequest, ModelInfo};
use crate::options::VertexAuth;
use crate::provider::contract::{Connection, Provider, StatusReport, StreamEvent};
use crate::provider::relay::ByData;
use crate::provider::support::{Client, Request};

/// The context window of the Gemini models Vertex AI lists (Google's model pages: 1,048,576
/// input tokens).
const VERTEX_CONTEXT: u32 = 1_048_576;

/// The models offered for Vertex AI, which lists none in express mode: the Gemini models of
/// Google's "Google models" page for Vertex AI, as SillyTavern offers a fixed list (any other
/// id can be typed).
pub const VERTEX_MODELS: &[(&str, &str)] = &[
    ("gemini-2.5-pro", "Gemini 2.5 Pro"),
    ("gemini-2.5-flash", "Gemini 2.5 Flash"),
    ("gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite"),
    ("gemini-2.0-flash-001", "Gemini 2.0 Flash"),
    ("gemini-2.0-flash-lite-001", "Gemini 2.0 Flash-Lite"),
    ("gemini-3-pro-preview", "Gemini 3 Pro (preview)"),
    ("gemini-3-flash-preview", "Gemini 3 Flash (preview)"),
];

/// How the adapter signs in.
#[derive(Clone)]
enum SignIn {
    /// The profile's API key.
    Key,
    /// Vertex AI with a service account (the key is its JSON): its access tokens, or why the
    /// key cannot be read.
    ServiceAccount(Result<Arc<ServiceAccountTokens>>),
}

/// The Gemini adapter (AI Studio and Vertex AI).
pub struct Gemini {
    client: Arc<Client>,
    route: Route,
    sign_in: SignIn,
}

impl Gemini {
    /// An adapter for `conn` (a `gemini` or a `vertexai` source).
    pub fn new(conn: Connection, http: Http) -> Gemini {
        let source = &conn.options.source;
        // Vertex AI is the source whose catalogue entry offers its sign-in choice.
        let vertex = conn.kind.info().offers(SourceSetting::VertexAuth);
        let (route, sign_in) = match (vertex, source.vertex_auth) {
            (true, VertexAuth::Express) => (Route::VertexExpress, SignIn::Key),
            (true, VertexAuth::ServiceAccount) => {
                let tokens = match conn.key.as_ref() {
                    Some(key) => ServiceAccountTokens::from_key_text(
                        &conn.who,
                        key.expose_secret(),
                        http.clone(),
                    )
                    .map(Arc::new),
                    None => Err(Error::not_configured(format!(
                        "{}: no service account key is saved for this profile.",
                        conn.who
                    ))),
                };
                let project = source
                    .vertex_project
                    .clone()
                    .filter(|p| !p.trim().is_empty())
                    .or_else(|| tokens.as_ref().ok().map(|t| t.project_id().to_string()))
                    .unwrap_or_default();
                let region = source
                    .vertex_region
                    .clone()
                    .filter(|r| !r.trim().is_empty())
                    .unwrap_or_else(|| "global".to_string());
                (
                    Route::VertexProject { project, region },
                    SignIn::ServiceAccount(tokens),
                )
            }
            _ => (Route::AiStudio, SignIn::Key),
        };
        let quirks = match sign_in {
            SignIn::Key => request::QUIRKS,
            SignIn::ServiceAccount(_) => request::TOKEN_QUIRKS,
        };
        Gemini {
            client: Arc::new(Client::new(conn, http, quirks)),
            route,
            sign_in,
        }
    }

    /// What requests sign in with: the key, or a service account's access token.
    async fn auth(client: &Client, sign_in: &SignIn) -> Result<Auth> {
        client.require_key()?;
        match sign_in {
            SignIn::Key => Ok(Auth::ApiKey),
            SignIn::ServiceAccount(Ok(tokens)) => Ok(Auth::Bearer(tokens.bearer().await?)),
            SignIn::ServiceAccount(Err(err)) => {
                Err(err.clone().with_provider(client.conn.kind.id()))
            }
        }
    }

    /// The auth a request built without signing in shows (the dry run): the key, or a token
    /// masked like any secret.
    fn shown_auth(&self) -> Auth {
        match self.sign_in {
            SignIn::Key => Auth::ApiKey,
            SignIn::ServiceAccount(_) => Auth::Bearer(SecretString::from("access-token")),
        }
    }

    fn thinking(&self) -> crate::options::GeminiThinking {
        self.client.conn.options.source.gemini_thinking
    }

    /// Every model AI Studio lists, following `nextPageToken`; Vertex AI's fixed list.
    async fn models(&self) -> Result<Vec<ModelInfo>> {
        let auth = Self::auth(&self.client, &self.sign_in).await?;
        if self.route != Route::AiStudio {
            return Ok(vertex_models());
        }
        self.client
            .read_pages(
                |cursor| request::models_page(&self.client, &auth, cursor),
                wire::parse_models_page,
                "is this the Gemini API?",
            )
            .await
    }

    async fn status(&self) -> Result<StatusReport> {
        if self.route != Route::AiStudio {
            // Express mode lists no models: counting the tokens of a word proves the key.
            let auth = Self::auth(&self.client, &self.sign_in).await?;
            let check =
                request::count_tokens(&self.client, &self.route, &auth, VERTEX_MODELS[0].0)?;
            self.client.fetch(&check).await?;
        }
        Ok(self.client.listed(self.models().await?))
    }

    async fn context_size(&self, model: &str) -> Result<Option<u32>> {
        if self.route != Route::AiStudio {
            let known = VERTEX_MODELS.iter().any(|(id, _)| *id == model);
            return Ok(known.then_some(VERTEX_CONTEXT));
        }
        let auth = Self::auth(&self.client, &self.sign_in).await?;
        let body = self
            .client
            .fetch(&request::model(&self.client, &auth, model))
            .await?;
        Ok(serde_json::from_slice(&body)
            .ok()
            .and_then(|value| wire::model_info(&value))
            .and_then(|info| info.context_length))
    }
}

/// [`VERTEX_MODELS`] as model infos.
fn vertex_models() -> Vec<ModelInfo> {
    VERTEX_MODELS
        .iter()
        .map(|(id, name)| ModelInfo {
            id: (*id).to_string(),
            name: Some((*name).to_string()),
            context_length: Some(VERTEX_CONTEXT),
            price: None,
        })
        .collect()
}

impl Provider for Gemini {
    fn capabilities(&self) -> Capabilities {
        self.client.conn.kind.info().capabilities
    }

    fn request(&self, request: &ChatRequest) -> Result<Request> {
        request::generate(
            &self.client,
            &self.route,
            &self.shown_auth(),
            request,
            self.thinking(),
        )
    }

    fn status(&self) -> BoxFuture<'_, Result<StatusReport>> {
        self.status().boxed()
    }

    fn list_models(&self) -> BoxFuture<'_, Result<Vec<ModelInfo>>> {
        self.models().boxed()
    }

    fn context_size<'a>(&'a self, model: &'a str) -> BoxFuture<'a, Result<Option<u32>>> {
        self.context_size(model).boxed()
    }

    fn stream(
        &self,
        request: ChatRequest,
        cancel: CancellationToken,
    ) -> BoxStream<'static, Result<StreamEvent>> {
        let client = Arc::clone(&self.client);
        let route = self.route.clone();
        let sign_in = self.sign_in.clone();
        let thinking = self.thinking();
        let send = async move {
            let auth = Self::auth(&client, &sign_in).await?;
            let generation = request::generate(&client, &route, &auth, &request, thinking)?;
            client.open(&generation).await
        };
        self.client
            .generate(send, cancel, ByData(ChunkMapper::new()), stream::whole)
    }
}
