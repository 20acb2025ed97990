//! What the engine and every adapter share: the [`Connection`] an adapter is built for, the
//! [`Provider`] trait it implements, and the [`StreamEvent`]s a reply streams as.
//!
//! Types and the trait only: this module must not depend on any family, on the relay or on the
//! shared support's sending (only on the request value, [`Request`]).

use std::fmt;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

pub use super::support::request::{Request, WireRequest};
use crate::catalogue::{ApiType, Capabilities, ProviderKind};
use crate::error::Result;
use crate::model::{
    ChatRequest, ModelInfo, ProfileId, ProviderData, SourceLink, StopReason, Usage,
};
use crate::options::ConnectionOptions;
use crate::redact::Redactor;

/// Everything a provider needs to talk to one endpoint. Built by the engine from a profile (or
/// from an ad-hoc connection) and the key from the keychain.
#[derive(Clone)]
pub struct Connection {
    /// `Profile "name"`, or the source's label for an ad-hoc connection; used in messages.
    pub who: String,
    /// The saved profile, if any.
    pub profile_id: Option<ProfileId>,
    /// The source.
    pub kind: ProviderKind,
    /// Chat or text completion: the source's default, or the other API it serves when the
    /// profile chose it.
    pub api: ApiType,
    /// The normalised base URL.
    pub base_url: String,
    /// The API key, if any.
    pub key: Option<SecretString>,
    /// Extra request headers set by the person (e.g. OpenRouter attribution, a proxy's key,
    /// `Authorization: Basic` from URL credentials). Their values are secrets.
    pub headers: Vec<(String, SecretString)>,
    /// Proxy, certificates and the source's choices.
    pub options: ConnectionOptions,
}

impl Connection {
    /// Every secret this connection's requests carry: the key, the extra header values and the
    /// URL's credentials (`user:password` as one, for its Basic-auth form, and the password).
    pub fn redactor(&self) -> Redactor {
        let mut secrets: Vec<String> = Vec::new();
        if let Some(key) = &self.key {
            secrets.push(key.expose_secret().to_string());
        }
        secrets.extend(
            self.headers
                .iter()
                .map(|(_, value)| value.expose_secret().to_string()),
        );
        // A Basic-auth header's credentials, decoded, in case a server shows them so.
        for (_, value) in &self.headers {
            if let Some(encoded) = value.expose_secret().strip_prefix("Basic ") {
                if let Ok(decoded) = base64::Engine::decode(
                    &base64::engine::general_purpose::STANDARD,
                    encoded.trim(),
                ) {
                    secrets.push(String::from_utf8_lossy(&decoded).into_owned());
                }
            }
        }
        if let Ok(url) = url::Url::parse(&self.base_url) {
            if let Some(password) = url.password() {
                let decode = |text: &str| {
                    percent_encoding::percent_decode_str(text)
                        .decode_utf8_lossy()
                        .into_owned()
                };
                let password = decode(password);
                secrets.push(format!("{}:{password}", decode(url.username())));
                secrets.push(password);
            }
        }
        let redactor = Redactor::new(secrets.iter().map(String::as_str));
        // A service account's key: also every access token issued for it, now and later.
        match self.key.as_ref().and_then(|key| {
            self.kind
                .info()
                .offers(crate::catalogue::SourceSetting::VertexAuth)
                .then(|| crate::google_auth::later_secrets(key.expose_secret()))
                .flatten()
        }) {
            Some(later) => redactor.with_later(later),
            None => redactor,
        }
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("who", &self.who)
            .field("kind", &self.kind)
            .field("api", &self.api)
            .field("base_url", &self.base_url)
            .field("key", &self.key.as_ref().map(|_| REDACTED))
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(name, _)| name)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// What a status check found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct StatusReport {
    /// The base URL that answered; differs from the configured one when discovery added `/v1`.
    pub base_url: String,
    /// Whether `base_url` differs from the configured URL.
    pub url_changed: bool,
    /// The models, when the check listed them.
    pub models: Option<Vec<ModelInfo>>,
    /// One sentence for people.
    pub message: String,
}

/// One event of a provider's stream. The stream yields these, then ends after
/// [`StreamEvent::Done`] or after one `Err`; when cancelled it just ends.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// The model the server says it used.
    Model(String),
    /// Waiting in a queue.
    Queued {
        /// Position in the queue.
        position: u32,
        /// Expected wait in seconds.
        wait_secs: f64,
    },
    /// Reply text.
    Delta(String),
    /// Reasoning text.
    Reasoning(String),
    /// Token counts.
    Usage(Usage),
    /// The server cut the start of a prompt longer than its context and read only the last
    /// `kept_tokens` of it.
    PromptCut {
        /// The prompt tokens the server read.
        kept_tokens: u32,
    },
    /// What the family wants kept with the reply and sent back with it in later requests
    /// (thought signatures, encrypted reasoning); the last one of a reply is kept.
    ProviderData(ProviderData),
    /// Pages the reply cites (a search-backed model's sources), in the order the server gave
    /// them; each event adds to those before it (an address already given is not repeated, a
    /// title given later fills one that was missing).
    Sources(Vec<SourceLink>),
    /// The reply is complete.
    Done(StopReason),
}

/// What a secret looks like in a [`WireRequest`].
pub use crate::redact::REDACTED;

/// A configured adapter for one endpoint.
pub trait Provider: Send + Sync {
    /// What this source can do.
    fn capabilities(&self) -> Capabilities;

    /// The cheapest check that the endpoint is alive and the key works.
    fn status(&self) -> BoxFuture<'_, Result<StatusReport>>;

    /// The models the API lists; `Ok(empty)` when it has no list.
    fn list_models(&self) -> BoxFuture<'_, Result<Vec<ModelInfo>>>;

    /// The context size (prompt + reply, in tokens) the backend reports for `model`, when it
    /// reports one.
    fn context_size<'a>(&'a self, _model: &'a str) -> BoxFuture<'a, Result<Option<u32>>> {
        Box::pin(async { Ok(None) })
    }

    /// How many tokens `text` is for the backend's model, when the backend can count them
    /// (KoboldCpp, Oobabooga); `Ok(None)` otherwise.
    fn count_tokens<'a>(&'a self, _text: &'a str) -> BoxFuture<'a, Result<Option<u32>>> {
        Box::pin(async { Ok(None) })
    }

    /// The request [`stream`](Self::stream) sends (first) for `request`, as a value, built by
    /// the same code. What is chosen afresh for each request (a generation key the server can
    /// abort by) differs between two calls; what the adapter learns on the way (worker limits a
    /// submission is sized to) is as last read.
    fn request(&self, request: &ChatRequest) -> Result<Request>;

    /// The request [`stream`](Self::stream) would send for `request`, secrets masked: the
    /// [preview](Request::preview) of [`request`](Self::request).
    fn wire_request(&self, request: &ChatRequest) -> Result<WireRequest> {
        Ok(self.request(request)?.preview())
    }

    /// Streams one reply. Honours `cancel` by ending the stream without `Done`; where the
    /// server has an abort, the stream sends it before it ends, so a cancelled stream should
    /// be polled to its end (the engine gives it a few seconds).
    fn stream(
        &self,
        request: ChatRequest,
        cancel: CancellationToken,
    ) -> BoxStream<'static, Result<StreamEvent>>;
}
