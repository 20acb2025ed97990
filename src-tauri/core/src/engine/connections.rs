//! Connections: which endpoint an operation is about ([`ConnectionSpec`]), resolving it with
//! its key and headers ([`Resolved`]), the status check, the model list, the test message, the
//! choice of model, and naming the local servers found by auto-detect.
//!
//! Must not: save anything but a better base URL found by the status check; send a test
//! message into a chat; retry a generation.

use std::time::Instant;

use futures::StreamExt;
use secrecy::SecretString;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::limits::{check_chars, MAX_MODEL_CHARS};
use super::profile_secrets;
use super::retry::retrying;
use super::Engine;
use crate::catalogue::{KeyNeed, ProviderKind};
use crate::error::{Error, ErrorKind, ErrorReason, Result};
use crate::model::{ChatMessage, ChatRequest, GenParams, ModelInfo, Role, StopReason};
use crate::options::{ConnectionOptions, ProxyChoice};
use crate::provider::{self, Connection, StatusReport, StreamEvent};
use crate::store::{Profile, Store};

/// Which endpoint an operation is about: a saved profile, or an ad-hoc connection.
#[derive(Clone)]
pub enum ConnectionSpec {
    /// A saved profile, by name or id.
    Profile(String),
    /// A connection given on the spot (CLI `--source --url --key-env`).
    AdHoc {
        /// The source.
        source: ProviderKind,
        /// Base URL; the source's default when absent.
        url: Option<String>,
        /// The key, if any.
        key: Option<SecretString>,
        /// The model, if any.
        model: Option<String>,
        /// Proxy, certificates and the source's choices (a proxy URL's `user:password@` is
        /// taken out and sent as the proxy's credentials, never kept); boxed, as it is the
        /// largest part of the spec.
        options: Box<ConnectionOptions>,
    },
}

/// A connection resolved for use: the provider's view plus the profile's defaults.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// What the provider gets.
    pub connection: Connection,
    /// The profile, when it is a saved one.
    pub profile: Option<Profile>,
    /// Model chosen by the profile or the ad-hoc spec.
    pub model: Option<String>,
    /// Sampler defaults of the profile.
    pub params: GenParams,
    /// System prompt of the profile.
    pub system_prompt: Option<String>,
    /// What URL normalisation changed (ad-hoc connections).
    pub url_changes: Vec<String>,
    /// `user:password` for the profile's proxy, from the keychain.
    pub proxy_credentials: Option<SecretString>,
}

impl Resolved {
    /// The client for this connection's network path (its proxy and CA certificates).
    pub fn http(&self, shared: &crate::http::Http) -> Result<crate::http::Http> {
        shared
            .for_network(
                &self.connection.options.network,
                self.proxy_credentials.as_ref(),
            )
            .map_err(|err| {
                Error::new(
                    err.kind,
                    format!("{}: {}", self.connection.who, err.message),
                )
                .with_provider(self.connection.kind.id())
            })
    }
}

/// The outcome of a "test message".
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TestReport {
    /// The model that answered.
    pub model: String,
    /// The reply text.
    pub reply: String,
    /// Why it ended.
    pub stop_reason: StopReason,
    /// Round trip in milliseconds.
    pub elapsed_ms: u32,
}

impl Engine {
    /// Resolves a spec into a connection with its key.
    pub async fn resolve(&self, spec: &ConnectionSpec) -> Result<Resolved> {
        match spec {
            ConnectionSpec::Profile(name) => {
                let profile = self.profile(name).await?;
                let id = profile.id.clone();
                let key = if let Some(key) = self.secrets.session_key(&profile.id) {
                    Some(key)
                } else if self.blocking(move |store| store.key_saved(&id)).await? {
                    self.secrets.get(&profile.id).await?
                } else {
                    None
                };
                let (headers, proxy_credentials) =
                    self.connection_headers(&profile, key.is_some()).await?;
                if key.is_none() && profile.source.info().key == KeyNeed::Required {
                    return Err(Error::not_configured(format!(
                        "Profile \"{}\" has no API key, and {} needs one.",
                        profile.name,
                        profile.source.label(),
                    ))
                    .with_provider(profile.source.id())
                    .with_reason(ErrorReason::MissingKey {
                        profile: profile.name.clone(),
                    }));
                }
                Ok(Resolved {
                    connection: Connection {
                        who: format!("Profile \"{}\"", profile.name),
                        profile_id: Some(profile.id.clone()),
                        kind: profile.source,
                        api: profile.source.info().capabilities.with_api(profile.api).api,
                        base_url: profile.url.clone(),
                        key,
                        headers,
                        options: profile.options.clone(),
                    },
                    model: profile.model.clone(),
                    params: profile.params.clone(),
                    system_prompt: profile.system_prompt.clone(),
                    profile: Some(profile),
                    url_changes: Vec::new(),
                    proxy_credentials,
                })
            }
            ConnectionSpec::AdHoc {
                source,
                url,
                key,
                model,
                options,
            } => {
                let mut options = ConnectionOptions::clone(options);
                let proxy_credentials = match &options.network.proxy {
                    ProxyChoice::Url(proxy) => {
                        let (proxy, credentials) = crate::endpoint::split_credentials(proxy.trim());
                        crate::network::check_proxy_url(&proxy)?;
                        options.network.proxy = ProxyChoice::Url(proxy);
                        credentials.map(SecretString::from)
                    }
                    _ => None,
                };
                let (url, credentials) = crate::endpoint::split_credentials(
                    url.as_deref().unwrap_or(source.info().default_url),
                );
                let normal = normalize(*source, &url)?;
                let headers = profile_secrets::basic_auth_header(
                    *source,
                    source.label(),
                    credentials,
                    key.is_some(),
                )?;
                if key.is_none() && source.info().key == KeyNeed::Required {
                    return Err(Error::not_configured(format!(
                        "{} needs an API key.",
                        source.label()
                    ))
                    .with_provider(source.id())
                    .with_reason(ErrorReason::MissingAdHocKey));
                }
                Ok(Resolved {
                    connection: Connection {
                        who: source.label().to_string(),
                        profile_id: None,
                        kind: *source,
                        api: source.info().capabilities.api,
                        base_url: normal.url,
                        key: key.clone(),
                        headers,
                        options,
                    },
                    profile: None,
                    model: model.clone(),
                    params: GenParams::default(),
                    system_prompt: None,
                    url_changes: normal.changes,
                    proxy_credentials,
                })
            }
        }
    }

    /// Checks the endpoint (unless the profile bypasses the check). When the check discovered
    /// a better base URL (`/v1` added), the profile is updated.
    pub async fn status(&self, spec: &ConnectionSpec) -> Result<StatusReport> {
        let resolved = self.resolve(spec).await?;
        if resolved
            .profile
            .as_ref()
            .is_some_and(|p| p.bypass_status_check)
        {
            return Ok(StatusReport {
                base_url: resolved.connection.base_url.clone(),
                url_changed: false,
                models: None,
                message: "Status check bypassed for this profile.".to_string(),
            });
        }
        let provider = provider::build(resolved.connection.clone(), resolved.http(&self.http)?)?;
        let report = retrying(|| provider.status()).await?;
        if report.url_changed {
            if let Some(mut profile) = resolved.profile {
                profile.url = report.base_url.clone();
                self.blocking(move |store| store.update_profile(&profile))
                    .await?;
            }
        }
        Ok(report)
    }

    /// The models the endpoint lists (empty when it has no list).
    pub async fn models(&self, spec: &ConnectionSpec) -> Result<Vec<ModelInfo>> {
        let resolved = self.resolve(spec).await?;
        let http = resolved.http(&self.http)?;
        let provider = provider::build(resolved.connection, http)?;
        retrying(|| provider.list_models()).await
    }

    /// Sends a short test message (not saved in any chat).
    pub async fn test_message(
        &self,
        spec: &ConnectionSpec,
        model: Option<String>,
    ) -> Result<TestReport> {
        check_chars("model id", model.as_deref().unwrap_or(""), MAX_MODEL_CHARS)?;
        let resolved = self.resolve(spec).await?;
        let model = self.choose_model(&resolved, model).await?;
        let provider = provider::build(resolved.connection.clone(), resolved.http(&self.http)?)?;
        let mut request = ChatRequest {
            model: model.clone(),
            messages: vec![ChatMessage::new(Role::User, "Hi")],
            params: GenParams {
                max_tokens: Some(resolved.params.max_tokens.unwrap_or(64).min(256)),
                ..GenParams::default()
            },
            stream: false,
            prompt: None,
            context_size: None,
        };
        self.render_text_prompt(&resolved, provider.as_ref(), &mut request, true)
            .await;
        let started = Instant::now();
        let stops = request.params.stop.clone();
        let mut events = provider.stream(request, CancellationToken::new());
        let mut reply = String::new();
        let mut served_by = model;
        while let Some(event) = events.next().await {
            match event? {
                StreamEvent::Delta(text) => {
                    reply.push_str(&text);
                    if let Some(at) = first_stop(&reply, &stops) {
                        reply.truncate(at);
                        return Ok(TestReport {
                            model: served_by,
                            reply,
                            stop_reason: StopReason::Stop,
                            elapsed_ms: u32::try_from(started.elapsed().as_millis())
                                .unwrap_or(u32::MAX),
                        });
                    }
                }
                StreamEvent::Model(name) => served_by = name,
                StreamEvent::Done(stop_reason) => {
                    return Ok(TestReport {
                        model: served_by,
                        reply,
                        stop_reason,
                        elapsed_ms: u32::try_from(started.elapsed().as_millis())
                            .unwrap_or(u32::MAX),
                    })
                }
                StreamEvent::Reasoning(_)
                | StreamEvent::Usage(_)
                | StreamEvent::Queued { .. }
                | StreamEvent::PromptCut { .. }
                | StreamEvent::ProviderData(_)
                | StreamEvent::Sources(_) => {}
            }
        }
        Err(Error::new(
            ErrorKind::Protocol,
            "The test message ended without a reply.",
        ))
    }

    /// The model to use: the override, else the profile's, else — for local servers, which
    /// usually serve one model — the first one the server lists.
    pub(super) async fn choose_model(
        &self,
        resolved: &Resolved,
        requested: Option<String>,
    ) -> Result<String> {
        if let Some(model) = requested
            .or_else(|| resolved.model.clone())
            .filter(|m| !m.trim().is_empty())
        {
            return Ok(model);
        }
        let who = &resolved.connection.who;
        let source = resolved.connection.kind;
        if source.info().key == KeyNeed::Optional {
            let provider =
                provider::build(resolved.connection.clone(), resolved.http(&self.http)?)?;
            if let Some(first) = provider.list_models().await?.into_iter().next() {
                return Ok(first.id);
            }
            return Err(Error::not_configured(format!(
                "{who}: no model is set and the server lists none."
            ))
            .with_provider(source.id())
            .with_reason(ErrorReason::NoModel));
        }
        Err(Error::not_configured(format!("{who}: no model is set."))
            .with_provider(source.id())
            .with_reason(ErrorReason::NoModel))
    }

    /// Finds the local servers on `127.0.0.1` at `ports` (default
    /// [`LOCAL_PORTS`](crate::detect::LOCAL_PORTS)), then at the ports the person added
    /// ([`Engine::add_detect_port`]); see [`crate::detect::detect`]. Each
    /// suggested profile name differs (case-insensitively) from every saved profile's name and
    /// from the others, with " 2", " 3", … appended where needed. Never fails.
    pub async fn detect(&self, ports: Option<Vec<u16>>) -> Vec<crate::detect::Found> {
        let mut ports = ports.unwrap_or_else(|| crate::detect::LOCAL_PORTS.to_vec());
        if let Ok(added) = self.detect_ports().await {
            ports.extend(added);
        }
        let mut found = crate::detect::detect(&self.http, "127.0.0.1", &ports).await;
        let mut taken: Vec<String> = match self.profiles().await {
            Ok(profiles) => profiles
                .into_iter()
                .map(|p| p.profile.name.to_lowercase())
                .collect(),
            Err(_) => Vec::new(),
        };
        for server in &mut found {
            let base = server.profile_name.clone();
            let mut name = base.clone();
            let mut n = 2;
            while taken.contains(&name.to_lowercase()) {
                name = format!("{base} {n}");
                n += 1;
            }
            taken.push(name.to_lowercase());
            server.profile_name = name;
        }
        found
    }
}

impl Engine {
    /// Remembers `port` as one auto-detect probes from now on (in the settings); a port already
    /// remembered or among the usual ones is not added twice.
    pub async fn add_detect_port(&self, port: u16) -> Result<()> {
        if port == 0 {
            return Err(Error::not_configured(
                "Port 0 is not a port a server listens on.",
            ));
        }
        let mut ports = self.detect_ports().await?;
        if crate::detect::LOCAL_PORTS.contains(&port) || ports.contains(&port) {
            return Ok(());
        }
        ports.push(port);
        self.blocking(move |store| store.save_detect_ports(&ports))
            .await
    }

    /// The ports the person added for auto-detect ([`Engine::add_detect_port`]).
    pub async fn detect_ports(&self) -> Result<Vec<u16>> {
        self.blocking(Store::detect_ports).await
    }
}

/// Where the first of `stops` starts in `text`.
fn first_stop(text: &str, stops: &[String]) -> Option<usize> {
    stops
        .iter()
        .filter(|s| !s.is_empty())
        .filter_map(|s| text.find(s.as_str()))
        .min()
}

pub(super) fn normalize(source: ProviderKind, url: &str) -> Result<crate::endpoint::NormalizedUrl> {
    source
        .normalize_url(url)
        .map_err(|why| Error::new(ErrorKind::InvalidRequest, why).with_provider(source.id()))
}
