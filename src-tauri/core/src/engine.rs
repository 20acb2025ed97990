//! The engine: profile + key + history → request → provider stream → store, and the front
//! ends' one door into the core.
//!
//! A generation is started with [`Engine::start_generation`], which saves the user message,
//! registers a cancel token under a fresh [`GenerationId`], spawns the task and returns at once
//! with a receiver of [`ChatEvent`]s. The task coalesces deltas (about one message per 16 ms
//! or 2 KB), saves the reply as it grows (at most a second of text can be lost to a crash), and
//! ends with exactly one terminal event, sent only after the final text is saved. Dropping the
//! receiver cancels the generation.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::catalogue::{ApiType, Capabilities, KeyNeed, ProviderKind};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Http, HttpConfig};
use crate::model::{
    ChatEvent, ChatId, ChatMessage, ChatRequest, GenParams, GenerationId, MessageId, MessageState,
    ModelInfo, Role, StopReason, TextPrompt,
};
use crate::prompt::instruct::{StopTrimmer, DEFAULT_CONTEXT_SIZE, DEFAULT_REPLY_TOKENS};
use crate::prompt::{self, PromptNames};
use crate::provider::{self, Connection, StatusReport, StreamEvent, WireRequest};
use crate::secrets::{SecretStore, Secrets};
use crate::store::{AppSettings, Chat, Profile, SearchHit, Store, StoredMessage};
use crate::transfer::ChatArchive;

mod profile_secrets;
pub use profile_secrets::{delete_all_data, remove_data_files, ResetReport, MAX_HEADERS};

/// How long deltas are held back to be sent together.
pub const COALESCE_WINDOW: Duration = Duration::from_millis(16);
/// How much text is held back at most before it is sent.
pub const COALESCE_BYTES: usize = 2048;
/// How often a text-completion prompt is fitted again after the backend counted its tokens.
const MAX_REFITS: usize = 3;
/// How long a stopped reply's provider may take to tell the server to stop.
pub const ABORT_GRACE: Duration = Duration::from_secs(3);
/// The longest reply (text and reasoning) kept; a stream that goes on past it is stopped.
pub const MAX_REPLY_BYTES: usize = 32 * 1024 * 1024;
/// How often a streaming reply is saved.
pub const SAVE_INTERVAL: Duration = Duration::from_secs(1);

/// The longest profile name or chat title, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// The longest model id (or list of AI Horde models), in characters.
pub const MAX_MODEL_CHARS: usize = 4096;
/// The longest text written in one piece (a message, an edit, a system prompt, a prefill, a
/// template part), in bytes.
pub const MAX_TEXT_BYTES: usize = 4 * 1024 * 1024;
/// The longest API key, in bytes.
pub const MAX_KEY_BYTES: usize = 16 * 1024;
/// The longest search query, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// The most stop strings a profile sends, and the longest one, in characters.
pub const MAX_STOP_STRINGS: usize = 64;
/// See [`MAX_STOP_STRINGS`].
pub const MAX_STOP_CHARS: usize = 1000;

/// Refuses `text` (called `what`) when it has more than `max` characters.
fn check_chars(what: &str, text: &str, max: usize) -> Result<()> {
    // Counting stops early: a huge text is not walked to its end.
    if text.chars().nth(max).is_some() {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "The {what} is too long ({} characters; at most {max}).",
                text.chars().count()
            ),
        ));
    }
    Ok(())
}

/// Refuses `text` (called `what`) when it is longer than `max` bytes.
fn check_bytes(what: &str, text: &str, max: usize) -> Result<()> {
    if text.len() > max {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "The {what} is too long ({}; at most {}).",
                human_size(text.len()),
                human_size(max)
            ),
        ));
    }
    Ok(())
}

fn human_size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else if bytes >= 1024 {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} bytes")
    }
}

/// Sampler settings a server can take: finite numbers, probabilities within 0–1, a reply of at
/// least one token.
fn check_params(params: &GenParams) -> Result<()> {
    let refuse = |message: String| Err(Error::new(ErrorKind::InvalidRequest, message));
    if params.max_tokens == Some(0) {
        return refuse("The longest reply must be at least 1 token.".into());
    }
    let numbers = [
        ("temperature", params.temperature, None),
        ("top-p", params.top_p, Some(1.0)),
        ("min-p", params.min_p, Some(1.0)),
        ("typical-p", params.typical_p, Some(1.0)),
        ("tail-free sampling", params.tfs, Some(1.0)),
        ("top-a", params.top_a, Some(1.0)),
        ("repetition penalty", params.repetition_penalty, None),
    ];
    for (name, value, max) in numbers {
        let Some(value) = value else { continue };
        if !value.is_finite() || value < 0.0 || max.is_some_and(|max| value > max) {
            let range = max.map_or("0 or more".to_string(), |max| {
                format!("between 0 and {max}")
            });
            return refuse(format!(
                "The {name} must be a number {range} (it is {value})."
            ));
        }
    }
    for (name, value) in [
        ("frequency penalty", params.frequency_penalty),
        ("presence penalty", params.presence_penalty),
    ] {
        if value.is_some_and(|v| !v.is_finite()) {
            return refuse(format!("The {name} must be a finite number."));
        }
    }
    Ok(())
}

/// A header a request can carry: a valid name, and a value without line breaks or other control
/// characters (which would fail every request later, reported as a network error).
fn check_header(name: &str, value: &str) -> Result<()> {
    check_chars("header name", name, MAX_NAME_CHARS)?;
    check_bytes("header value", value, MAX_KEY_BYTES)?;
    if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "\"{}\" is not a valid header name: use letters, digits and - only.",
                crate::error::quoted(name)
            ),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "The value of the header {} contains a line break or another control character.",
                crate::error::quoted(name)
            ),
        ));
    }
    Ok(())
}

/// What a profile may hold: a name, and nothing of a size no server or person means.
fn check_profile(profile: &Profile) -> Result<()> {
    if profile.name.trim().is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            "A profile needs a name.",
        ));
    }
    check_chars("profile name", &profile.name, MAX_NAME_CHARS)?;
    check_chars(
        "model id",
        profile.model.as_deref().unwrap_or(""),
        MAX_MODEL_CHARS,
    )?;
    for (what, text) in [
        ("system prompt", &profile.system_prompt),
        ("prefill", &profile.prefill),
        ("placeholder", &profile.placeholder),
    ] {
        check_bytes(what, text.as_deref().unwrap_or(""), MAX_TEXT_BYTES)?;
    }
    if profile.params.stop.len() > MAX_STOP_STRINGS {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "There are too many stop strings ({}; at most {MAX_STOP_STRINGS}).",
                profile.params.stop.len()
            ),
        ));
    }
    for stop in &profile.params.stop {
        check_chars("stop string", stop, MAX_STOP_CHARS)?;
    }
    if let Some(custom) = &profile.instruct.custom {
        let size = serde_json::to_string(custom).map_or(0, |json| json.len());
        if size > MAX_TEXT_BYTES {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                format!(
                    "The instruct template is too long ({}; at most {}).",
                    human_size(size),
                    human_size(MAX_TEXT_BYTES)
                ),
            ));
        }
    }
    if profile.headers.len() > MAX_HEADERS {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "There are too many headers ({}; at most {MAX_HEADERS}).",
                profile.headers.len()
            ),
        ));
    }
    for name in &profile.headers {
        check_header(name, "")?;
    }
    check_params(&profile.params)
}

/// Everything the engine needs to start.
pub struct EngineConfig {
    /// Where the database lives.
    pub data_dir: PathBuf,
    /// HTTP timeouts and user agent.
    pub http: HttpConfig,
    /// Where keys live (the OS keychain in the app and the CLI).
    pub secret_store: Arc<dyn SecretStore>,
    /// Longest wait for the keychain.
    pub keychain_timeout: Duration,
}

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
}

/// What a generation does in its chat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Action {
    /// Sends the request's `input` as a new user message and writes a new reply.
    #[default]
    Send,
    /// Writes a new version (swipe) of this reply from the history before it; the earlier
    /// versions are kept. `input` is not used.
    Regenerate(MessageId),
    /// Continues this reply (one that was cut off) where it ends. `input` is not used.
    Continue(MessageId),
}

/// A request to generate one reply.
#[derive(Clone)]
pub struct GenerationRequest {
    /// Where to send it.
    pub connection: ConnectionSpec,
    /// Continue this chat; a new chat when `None`.
    pub chat_id: Option<ChatId>,
    /// The user's message.
    pub input: String,
    /// Overrides the profile's model.
    pub model: Option<String>,
    /// Overrides the profile's system prompt.
    pub system_prompt: Option<String>,
    /// Overrides of the profile's sampler settings.
    pub params: GenParams,
    /// Stream the reply (when the source can).
    pub stream: bool,
    /// A new message, a new version of a reply, or more of a reply.
    pub action: Action,
}

/// A started generation.
pub struct Generation {
    /// Its id, for [`Engine::cancel`].
    pub id: GenerationId,
    /// The chat it belongs to.
    pub chat_id: ChatId,
    /// The user message that was saved ([`Action::Send`]).
    pub user_message_id: Option<MessageId>,
    /// Its events; exactly one terminal event, then the channel closes.
    pub events: mpsc::Receiver<ChatEvent>,
}

/// Why a generation was cancelled; decides the state its reply is saved with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    /// The person pressed Stop: the reply is `stopped`.
    User,
    /// The front end went away (window closed, process terminating): the reply is `interrupted`.
    Shutdown,
}

/// The running generations and their cancel tokens.
#[derive(Default)]
pub struct Generations {
    running: Mutex<HashMap<GenerationId, (CancellationToken, CancelReason)>>,
}

impl Generations {
    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<GenerationId, (CancellationToken, CancelReason)>> {
        self.running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn register(&self, id: &GenerationId) -> CancellationToken {
        let token = CancellationToken::new();
        self.lock()
            .insert(id.clone(), (token.clone(), CancelReason::User));
        token
    }

    /// Cancels `id`; a no-op for unknown or finished ids. Returns whether it was running.
    pub fn cancel(&self, id: &GenerationId, reason: CancelReason) -> bool {
        let mut running = self.lock();
        match running.get_mut(id) {
            Some((token, stored)) => {
                if !token.is_cancelled() {
                    *stored = reason;
                }
                token.cancel();
                true
            }
            None => false,
        }
    }

    fn reason(&self, id: &GenerationId) -> CancelReason {
        self.lock()
            .get(id)
            .map_or(CancelReason::User, |(_, reason)| *reason)
    }

    fn remove(&self, id: &GenerationId) {
        self.lock().remove(id);
    }

    /// Ids of the generations still running.
    pub fn running(&self) -> Vec<GenerationId> {
        self.lock().keys().cloned().collect()
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

/// A profile as listed for people: never the key, only whether one is saved.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ProfileSummary {
    /// The profile.
    #[serde(flatten)]
    pub profile: Profile,
    /// Whether a key is saved in the keychain.
    pub has_key: bool,
}

/// The core's front door.
pub struct Engine {
    store: Store,
    secrets: Secrets,
    http: Http,
    generations: Arc<Generations>,
}

impl Engine {
    /// Opens the store and sets up HTTP.
    pub fn open(config: EngineConfig) -> Result<Engine> {
        let keychain = Arc::clone(&config.secret_store);
        let mover = move |moved: &[crate::store::legacy_secrets::MovedSecrets]| {
            profile_secrets::keychain_mover(keychain.as_ref(), moved)
        };
        Ok(Engine {
            store: Store::open_with(&config.data_dir, Some(&mover))?,
            secrets: Secrets::new(config.secret_store, config.keychain_timeout),
            http: Http::new(config.http)?,
            generations: Arc::new(Generations::default()),
        })
    }

    /// The store (for reads by front ends).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The running generations.
    pub fn generations(&self) -> &Generations {
        &self.generations
    }

    async fn blocking<T: Send + 'static>(
        &self,
        call: impl FnOnce(&Store) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || call(&store))
            .await
            .map_err(|err| Error::internal(format!("A database task failed ({err}).")))?
    }

    // ----- profiles -----

    /// Saves a new profile after normalising its URL; returns it with what the URL
    /// normalisation changed.
    pub async fn add_profile(&self, mut profile: Profile) -> Result<(Profile, Vec<String>)> {
        check_profile(&profile)?;
        profile.name = profile.name.trim().to_string();
        let credentials = Engine::split_url_credentials(&mut profile);
        let normal = normalize(profile.source, &profile.url)?;
        profile.url = normal.url;
        let saved = profile.clone();
        self.blocking(move |store| store.insert_profile(&saved))
            .await?;
        if let Err(err) = self.save_url_credentials(&profile, credentials, None).await {
            let id = profile.id.clone();
            let _ = self.blocking(move |store| store.delete_profile(&id)).await;
            return Err(err);
        }
        Ok((profile, normal.changes))
    }

    /// A copy of a profile (its key too) named "NAME copy" (or "NAME copy 2", …).
    pub async fn duplicate_profile(&self, name_or_id: &str) -> Result<Profile> {
        let original = self.profile(name_or_id).await?;
        let taken: Vec<String> = self
            .profiles()
            .await?
            .into_iter()
            .map(|p| p.profile.name.to_lowercase())
            .collect();
        let base = format!("{} copy", original.name);
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name.to_lowercase()) {
            name = format!("{base} {n}");
            n += 1;
        }
        let mut copy = Profile::new(name, original.source, original.url.clone());
        let (id, created, updated) = (copy.id.clone(), copy.created_at, copy.updated_at);
        copy = Profile {
            id,
            name: copy.name,
            created_at: created,
            updated_at: updated,
            ..original.clone()
        };
        let (copy, _) = self.add_profile(copy).await?;
        let original_id = original.id.clone();
        if self
            .blocking(move |store| store.key_saved(&original_id))
            .await?
        {
            if let Some(key) = self.secrets.get(&original.id).await? {
                self.set_key(copy.id.as_str(), key).await?;
            }
        }
        self.copy_extras(&original.id, &copy.id).await?;
        Ok(copy)
    }

    /// The app's settings.
    pub async fn settings(&self) -> Result<AppSettings> {
        self.blocking(Store::settings).await
    }

    /// Saves the app's settings.
    pub async fn save_settings(&self, settings: AppSettings) -> Result<()> {
        self.blocking(move |store| store.save_settings(&settings))
            .await
    }

    /// Saves changes to a profile (the URL is normalised again).
    pub async fn update_profile(&self, mut profile: Profile) -> Result<Profile> {
        check_profile(&profile)?;
        profile.name = profile.name.trim().to_string();
        let credentials = Engine::split_url_credentials(&mut profile);
        profile.url = normalize(profile.source, &profile.url)?.url;
        let previous = self.profile(profile.id.as_str()).await?;
        self.save_url_credentials(&profile, credentials, Some(&previous.url))
            .await?;
        let saved = profile.clone();
        self.blocking(move |store| store.update_profile(&saved))
            .await?;
        Ok(profile)
    }

    /// The profile with this name or id.
    pub async fn profile(&self, name_or_id: &str) -> Result<Profile> {
        let key = name_or_id.to_string();
        self.blocking(move |store| store.find_profile(&key))
            .await?
            .ok_or_else(|| {
                Error::not_configured(format!(
                    "There is no profile named \"{}\". Create it with \"profile add\" or list them with \"profile list\".",
                    crate::error::quoted(name_or_id)
                ))
            })
    }

    /// All profiles with whether each has a key (from the store's flag: no keychain round trip).
    pub async fn profiles(&self) -> Result<Vec<ProfileSummary>> {
        let profiles = self.blocking(Store::profiles_with_key_flags).await?;
        Ok(profiles
            .into_iter()
            .map(|(profile, has_key)| ProfileSummary { profile, has_key })
            .collect())
    }

    /// Whether a key is saved for the profile.
    pub async fn has_key(&self, name_or_id: &str) -> Result<bool> {
        let profile = self.profile(name_or_id).await?;
        self.blocking(move |store| store.key_saved(&profile.id))
            .await
    }

    /// Deletes a profile and every keychain entry it has (key, header values, URL credentials).
    pub async fn remove_profile(&self, name_or_id: &str) -> Result<Profile> {
        let profile = self.profile(name_or_id).await?;
        let id = profile.id.clone();
        let has_secrets = self
            .blocking(move |store| Ok(store.key_saved(&id)? || store.extras_saved(&id)?))
            .await?;
        match self.secrets.delete_profile(&profile.id).await {
            Ok(()) => {}
            // A profile that never had a secret can go without a keychain.
            Err(_) if !has_secrets => {}
            Err(err) => return Err(err),
        }
        let id = profile.id.clone();
        self.blocking(move |store| store.delete_profile(&id))
            .await?;
        Ok(profile)
    }

    /// Saves the API key of a profile in the keychain.
    pub async fn set_key(&self, name_or_id: &str, key: SecretString) -> Result<Profile> {
        {
            let text = key.expose_secret();
            check_bytes("API key", text, MAX_KEY_BYTES)?;
            if text.chars().any(char::is_control) {
                return Err(Error::new(
                    ErrorKind::InvalidRequest,
                    "The API key contains a line break or another control character: paste only the key.",
                ));
            }
        }
        let profile = self.profile(name_or_id).await?;
        self.check_key_fits(&profile).await?;
        self.secrets.set(&profile.id, key).await?;
        let id = profile.id.clone();
        self.blocking(move |store| store.set_key_saved(&id, true))
            .await?;
        Ok(profile)
    }

    /// Removes the API key of a profile from the keychain.
    pub async fn clear_key(&self, name_or_id: &str) -> Result<Profile> {
        let profile = self.profile(name_or_id).await?;
        self.secrets.delete(&profile.id).await?;
        let id = profile.id.clone();
        self.blocking(move |store| store.set_key_saved(&id, false))
            .await?;
        Ok(profile)
    }

    // ----- connections -----

    /// Resolves a spec into a connection with its key.
    pub async fn resolve(&self, spec: &ConnectionSpec) -> Result<Resolved> {
        match spec {
            ConnectionSpec::Profile(name) => {
                let profile = self.profile(name).await?;
                let id = profile.id.clone();
                let key = if self.blocking(move |store| store.key_saved(&id)).await? {
                    self.secrets.get(&profile.id).await?
                } else {
                    None
                };
                let headers = self.connection_headers(&profile, key.is_some()).await?;
                if key.is_none() && profile.source.info().key == KeyNeed::Required {
                    return Err(Error::not_configured(format!(
                        "Profile \"{}\" has no API key, and {} needs one. Save it with \"key set {}\".",
                        profile.name,
                        profile.source.label(),
                        profile.name
                    ))
                    .with_provider(profile.source.id()));
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
                    },
                    model: profile.model.clone(),
                    params: profile.params.clone(),
                    system_prompt: profile.system_prompt.clone(),
                    profile: Some(profile),
                    url_changes: Vec::new(),
                })
            }
            ConnectionSpec::AdHoc {
                source,
                url,
                key,
                model,
            } => {
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
                        "{} needs an API key. Pass it in an environment variable with --key-env.",
                        source.label()
                    ))
                    .with_provider(source.id()));
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
                    },
                    profile: None,
                    model: model.clone(),
                    params: GenParams::default(),
                    system_prompt: None,
                    url_changes: normal.changes,
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
        let provider = provider::build(resolved.connection.clone(), self.http.clone())?;
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
        let provider = provider::build(resolved.connection, self.http.clone())?;
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
        let provider = provider::build(resolved.connection.clone(), self.http.clone())?;
        let mut request = ChatRequest {
            model: model.clone(),
            messages: vec![ChatMessage::new(Role::User, "Hi")],
            params: GenParams {
                max_tokens: Some(resolved.params.max_tokens.unwrap_or(64).min(256)),
                ..GenParams::default()
            },
            stream: false,
            prompt: None,
        };
        self.render_text_prompt(&resolved, provider.as_ref(), &mut request)
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
                StreamEvent::Reasoning(_) | StreamEvent::Usage(_) | StreamEvent::Queued { .. } => {}
            }
        }
        Err(Error::new(
            ErrorKind::Protocol,
            "The test message ended without a reply.",
        ))
    }

    /// The model to use: the override, else the profile's, else — for local servers, which
    /// usually serve one model — the first one the server lists.
    async fn choose_model(&self, resolved: &Resolved, requested: Option<String>) -> Result<String> {
        if let Some(model) = requested
            .or_else(|| resolved.model.clone())
            .filter(|m| !m.trim().is_empty())
        {
            return Ok(model);
        }
        let who = &resolved.connection.who;
        let source = resolved.connection.kind;
        if source.info().key == KeyNeed::Optional {
            let provider = provider::build(resolved.connection.clone(), self.http.clone())?;
            if let Some(first) = provider.list_models().await?.into_iter().next() {
                return Ok(first.id);
            }
            return Err(Error::not_configured(format!(
                "{who}: no model is set and the server lists none. Set the model id in the profile."
            ))
            .with_provider(source.id()));
        }
        Err(Error::not_configured(format!(
            "{who}: no model is set. List the models with \"models\" and set one in the profile."
        ))
        .with_provider(source.id()))
    }

    // ----- chats -----

    /// Every chat, most recently changed first.
    pub async fn chats(&self) -> Result<Vec<Chat>> {
        self.blocking(Store::chats).await
    }

    /// The chat with this id.
    pub async fn chat(&self, id: &ChatId) -> Result<Option<Chat>> {
        let id = id.clone();
        self.blocking(move |store| store.chat(&id)).await
    }

    /// The messages of a chat, oldest first.
    pub async fn messages(&self, id: &ChatId) -> Result<Vec<StoredMessage>> {
        let id = id.clone();
        self.blocking(move |store| store.messages(&id)).await
    }

    /// One page of a chat's history, oldest first (see [`Store::messages_page`]).
    pub async fn messages_page(
        &self,
        id: &ChatId,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<StoredMessage>> {
        let id = id.clone();
        self.blocking(move |store| store.messages_page(&id, before, limit))
            .await
    }

    /// The chat with this id, the most recent one with this title, or the one whose id starts
    /// so (see [`Store::lookup_chat`]: none or several is an `InvalidRequest` naming them).
    pub async fn find_chat(&self, id_or_title: &str) -> Result<Chat> {
        let key = id_or_title.to_string();
        self.blocking(move |store| store.lookup_chat(&key)).await
    }

    /// Every version of a message, in order.
    pub async fn swipes(&self, id: &MessageId) -> Result<Vec<String>> {
        let id = id.clone();
        self.blocking(move |store| store.swipes(&id)).await
    }

    /// Shows another version (swipe) of a message.
    pub async fn select_swipe(&self, id: &MessageId, index: u32) -> Result<StoredMessage> {
        let id = id.clone();
        self.blocking(move |store| store.select_swipe(&id, index))
            .await
    }

    /// Changes the text of a message.
    pub async fn edit_message(&self, id: &MessageId, content: &str) -> Result<StoredMessage> {
        check_bytes("message", content, MAX_TEXT_BYTES)?;
        let (id, content) = (id.clone(), content.to_string());
        self.blocking(move |store| store.edit_message(&id, &content))
            .await
    }

    /// Deletes a message with all its versions.
    pub async fn delete_message(&self, id: &MessageId) -> Result<bool> {
        let id = id.clone();
        self.blocking(move |store| store.delete_message(&id)).await
    }

    /// A new chat with the history of `chat` up to and including `through`.
    pub async fn branch_chat(&self, chat: &ChatId, through: &MessageId) -> Result<Chat> {
        let (chat, through) = (chat.clone(), through.clone());
        self.blocking(move |store| {
            let title = store
                .chat(&chat)?
                .map(|c| format!("{} (branch)", c.title))
                .unwrap_or_else(|| "Branch".to_string());
            store.branch_chat(&chat, &through, &title)
        })
        .await
    }

    /// Renames a chat.
    pub async fn rename_chat(&self, id: &ChatId, title: &str) -> Result<()> {
        check_chars("chat title", title, MAX_NAME_CHARS)?;
        let (id, title) = (id.clone(), title.to_string());
        self.blocking(move |store| store.rename_chat(&id, &title))
            .await
    }

    /// Pins or unpins a chat.
    pub async fn pin_chat(&self, id: &ChatId, pinned: bool) -> Result<()> {
        let id = id.clone();
        self.blocking(move |store| store.pin_chat(&id, pinned))
            .await
    }

    /// Deletes a chat (undoable with [`restore_chat`](Self::restore_chat) while this runs).
    pub async fn delete_chat(&self, id: &ChatId) -> Result<bool> {
        let id = id.clone();
        self.blocking(move |store| store.delete_chat(&id)).await
    }

    /// Brings back a chat deleted since the store was opened.
    pub async fn restore_chat(&self, id: &ChatId) -> Result<bool> {
        let id = id.clone();
        self.blocking(move |store| store.restore_chat(&id)).await
    }

    /// Chats whose title or messages contain every word of `query` (see [`Store::search`]).
    pub async fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        check_chars("search", query, MAX_QUERY_CHARS)?;
        let query = query.to_string();
        self.blocking(move |store| store.search(&query, limit))
            .await
    }

    /// A whole chat, for export.
    pub async fn archive(&self, id: &ChatId) -> Result<ChatArchive> {
        let id = id.clone();
        self.blocking(move |store| store.archive(&id)).await
    }

    /// Saves an imported chat as a new chat.
    pub async fn import_archive(&self, archive: ChatArchive) -> Result<Chat> {
        self.blocking(move |store| store.import_archive(&archive))
            .await
    }

    /// The request [`start_generation`](Self::start_generation) would send for `request`, as it
    /// would go on the wire (keys redacted). Nothing is saved and nothing is sent.
    pub async fn dry_run(&self, request: &GenerationRequest) -> Result<WireRequest> {
        let (resolved, model, provider) = self.prepare(request).await?;
        let history = match request.chat_id.clone() {
            Some(id) => {
                if self.chat(&id).await?.is_none() {
                    return Err(Error::not_configured(format!(
                        "There is no chat with id {}.",
                        crate::error::quoted(id.as_str())
                    )));
                }
                self.blocking(move |store| store.messages(&id)).await?
            }
            None => Vec::new(),
        };
        let (chat_request, _) = self
            .chat_request(&resolved, request, model, &history, provider.as_ref())
            .await;
        provider.wire_request(&chat_request)
    }

    /// The connection, model and adapter a generation request will use.
    async fn prepare(
        &self,
        request: &GenerationRequest,
    ) -> Result<(Resolved, String, Box<dyn provider::Provider>)> {
        check_bytes("message", &request.input, MAX_TEXT_BYTES)?;
        check_bytes(
            "system prompt",
            request.system_prompt.as_deref().unwrap_or(""),
            MAX_TEXT_BYTES,
        )?;
        check_chars(
            "model id",
            request.model.as_deref().unwrap_or(""),
            MAX_MODEL_CHARS,
        )?;
        check_params(&request.params)?;
        let resolved = self.resolve(&request.connection).await?;
        let model = self.choose_model(&resolved, request.model.clone()).await?;
        let provider = provider::build(resolved.connection.clone(), self.http.clone())?;
        Ok((resolved, model, provider))
    }

    /// Starts a generation: resolves the connection, saves the user message, spawns the task
    /// and returns at once.
    pub async fn start_generation(&self, request: GenerationRequest) -> Result<Generation> {
        let (resolved, model, provider) = self.prepare(&request).await?;
        let profile_id = resolved.connection.profile_id.clone();

        let input = request.input.clone();
        let chat_id = request.chat_id.clone();
        let action = request.action.clone();
        let model_for_chat = model.clone();
        let (chat, user_message, history, reply) = self
            .blocking(move |store| {
                let in_chat = |message: &MessageId| -> Result<(Chat, StoredMessage)> {
                    let message = store.message(message)?.ok_or_else(|| {
                        Error::not_configured(format!(
                            "There is no message with id {}.",
                            crate::error::quoted(message.as_str())
                        ))
                    })?;
                    let chat = store.chat(&message.chat_id)?.ok_or_else(|| {
                        Error::not_configured(format!(
                            "There is no chat with id {}.",
                            message.chat_id
                        ))
                    })?;
                    if message.role != Role::Assistant {
                        return Err(Error::new(
                            ErrorKind::InvalidRequest,
                            "Only a reply can be regenerated or continued.",
                        ));
                    }
                    Ok((chat, message))
                };
                match action {
                    Action::Send => {
                        let chat = match chat_id {
                            Some(id) => store.chat(&id)?.ok_or_else(|| {
                                Error::not_configured(format!(
                                    "There is no chat with id {}.",
                                    crate::error::quoted(id.as_str())
                                ))
                            })?,
                            None => store.create_chat(
                                &title_for(&input),
                                profile_id.as_ref(),
                                Some(&model_for_chat),
                            )?,
                        };
                        store.touch_chat(&chat.id, profile_id.as_ref(), &model_for_chat)?;
                        let history = store.messages(&chat.id)?;
                        let user = store.append_message(&chat.id, Role::User, &input)?;
                        let reply = store.begin_reply(&chat.id, &model_for_chat)?;
                        Ok((chat, Some(user.id), history, reply))
                    }
                    Action::Regenerate(id) => {
                        let (chat, message) = in_chat(&id)?;
                        let history: Vec<StoredMessage> = store
                            .messages(&chat.id)?
                            .into_iter()
                            .filter(|m| m.seq < message.seq)
                            .collect();
                        store.touch_chat(&chat.id, profile_id.as_ref(), &model_for_chat)?;
                        let reply = store.begin_swipe(&id, &model_for_chat)?;
                        Ok((chat, None, history, reply))
                    }
                    Action::Continue(id) => {
                        let (chat, message) = in_chat(&id)?;
                        // The reply so far ends the history: the model picks it up there.
                        let history: Vec<StoredMessage> = store
                            .messages(&chat.id)?
                            .into_iter()
                            .filter(|m| m.seq <= message.seq)
                            .collect();
                        store.touch_chat(&chat.id, profile_id.as_ref(), &model_for_chat)?;
                        let reply = store.resume_reply(&id)?;
                        Ok((chat, None, history, reply))
                    }
                }
            })
            .await?;

        let (chat_request, trimmed) = self
            .chat_request(
                &resolved,
                &request,
                model.clone(),
                &history,
                provider.as_ref(),
            )
            .await;
        let stops = match chat_request.prompt {
            Some(_) => chat_request.params.stop.clone(),
            None => Vec::new(),
        };

        let id = GenerationId::new();
        let token = self.generations.register(&id);
        let (tx, rx) = mpsc::channel(256);
        let continuing = matches!(request.action, Action::Continue(_));
        let task = GenerationTask {
            prefill: prefill(&resolved, provider.capabilities()).filter(|_| !continuing),
            reply,
            trimmed,
            stops,
            id: id.clone(),
            chat_id: chat.id.clone(),
            model,
            store: self.store.clone(),
            generations: Arc::clone(&self.generations),
            token,
            tx,
        };
        tokio::spawn(task.run(provider, chat_request));
        Ok(Generation {
            id,
            chat_id: chat.id,
            user_message_id: user_message,
            events: rx,
        })
    }

    /// Cancels a generation; a no-op for unknown or finished ids.
    pub fn cancel(&self, id: &GenerationId, reason: CancelReason) -> bool {
        self.generations.cancel(id, reason)
    }

    // ----- auto-detect -----

    /// Finds the local servers on `127.0.0.1` at `ports` (default
    /// [`LOCAL_PORTS`](crate::detect::LOCAL_PORTS)); see [`crate::detect::detect`]. Each
    /// suggested profile name differs (case-insensitively) from every saved profile's name and
    /// from the others, with " 2", " 3", … appended where needed. Never fails.
    pub async fn detect(&self, ports: Option<Vec<u16>>) -> Vec<crate::detect::Found> {
        let ports = ports.unwrap_or_else(|| crate::detect::LOCAL_PORTS.to_vec());
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

/// Building requests.
impl Engine {
    /// The request for the adapter: the conversation, the sampler settings (profile overlaid
    /// by the request), streaming when the source can; for text completion also the prompt,
    /// fitted to the context (with how much history was left out).
    async fn chat_request(
        &self,
        resolved: &Resolved,
        request: &GenerationRequest,
        model: String,
        history: &[StoredMessage],
        provider: &dyn provider::Provider,
    ) -> (ChatRequest, Option<Trimmed>) {
        let capabilities = provider.capabilities();
        let mut chat_request = ChatRequest {
            model,
            messages: conversation(resolved, request, history, capabilities),
            params: resolved.params.overlay(&request.params),
            stream: request.stream && capabilities.streaming,
            prompt: None,
        };
        let trimmed = self
            .render_text_prompt(resolved, provider, &mut chat_request)
            .await;
        (chat_request, trimmed)
    }

    /// For a text-completion API: renders the messages with the profile's instruct template
    /// into `request.prompt`, dropping the oldest messages that do not fit the context (the
    /// profile's size, else the backend's, else [`DEFAULT_CONTEXT_SIZE`]) with room for the
    /// reply, and adds the template's stop strings. `Some` when history was left out.
    async fn render_text_prompt(
        &self,
        resolved: &Resolved,
        provider: &dyn provider::Provider,
        request: &mut ChatRequest,
    ) -> Option<Trimmed> {
        if provider.capabilities().api != ApiType::TextCompletion {
            return None;
        }
        let settings = resolved
            .profile
            .as_ref()
            .map(|p| p.instruct.clone())
            .unwrap_or_default();
        let context_size = match settings.context_size.filter(|&c| c > 0) {
            Some(size) => size,
            None => match provider.context_size(&request.model).await {
                Ok(Some(size)) if size > 0 => size,
                Ok(_) => DEFAULT_CONTEXT_SIZE,
                Err(err) => {
                    tracing::warn!(
                        "{}: could not read the context size ({}); assuming {DEFAULT_CONTEXT_SIZE}",
                        resolved.connection.who,
                        err.log_summary()
                    );
                    DEFAULT_CONTEXT_SIZE
                }
            },
        };
        let reply = request.params.max_tokens.unwrap_or(DEFAULT_REPLY_TOKENS);
        let budget = context_size.saturating_sub(reply).max(context_size / 4);
        let template = settings.template();
        let mut fitted = template.fit(&request.messages, budget);
        // The fit used an estimate; where the backend counts tokens, a prompt it finds too
        // long is fitted again to a budget scaled by how far the estimate was off.
        let mut estimate_budget = budget;
        for _ in 0..MAX_REFITS {
            let Ok(Some(actual)) = provider.count_tokens(&fitted.prompt).await else {
                break;
            };
            let droppable = request.messages.len().saturating_sub(
                1 + usize::from(
                    request
                        .messages
                        .first()
                        .is_some_and(|m| m.role == Role::System),
                ),
            );
            if actual <= budget || fitted.dropped >= droppable || fitted.estimated_tokens == 0 {
                break;
            }
            let ratio = f64::from(actual) / f64::from(fitted.estimated_tokens);
            estimate_budget = (f64::from(estimate_budget) / ratio).floor() as u32;
            fitted = template.fit(&request.messages, estimate_budget);
        }
        for stop in fitted.stop {
            if !request.params.stop.contains(&stop) {
                request.params.stop.push(stop);
            }
        }
        request.prompt = Some(TextPrompt {
            text: fitted.prompt,
            context_size,
        });
        (fitted.dropped > 0).then(|| Trimmed {
            dropped: u32::try_from(fitted.dropped).unwrap_or(u32::MAX),
            context_size,
        })
    }
}

/// How often an idempotent call (status, model list) is tried at most.
pub const MAX_ATTEMPTS: usize = 3;
/// The waits before the second and third tries.
pub const RETRY_DELAYS: [Duration; 2] = [Duration::from_millis(250), Duration::from_secs(1)];
/// The longest `retry-after` a retry waits for; a server asking for longer gets the error shown.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(5);

/// Runs an idempotent call (one that reads, never one that generates), trying again after a
/// short wait when the failure may pass: the server overloaded or failing (5xx), a rate limit
/// that asks for at most [`MAX_RETRY_WAIT`], or — once — the network. A generation is never
/// sent twice: replies do not go through here.
async fn retrying<T, F, Fut>(mut call: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut attempt = 0;
    loop {
        let error = match call().await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let wait = match error.kind {
            ErrorKind::ProviderUnavailable => RETRY_DELAYS.get(attempt).copied(),
            ErrorKind::Network if attempt == 0 => Some(RETRY_DELAYS[0]),
            ErrorKind::RateLimited => match error.retry_after_ms {
                Some(ms) if u64::from(ms) > MAX_RETRY_WAIT.as_millis() as u64 => None,
                Some(ms) => Some(Duration::from_millis(u64::from(ms))),
                None => RETRY_DELAYS.get(attempt).copied(),
            },
            _ => None,
        };
        attempt += 1;
        match wait {
            Some(wait) if attempt < MAX_ATTEMPTS => {
                tracing::info!(
                    "{}; trying again in {} ms (attempt {} of {MAX_ATTEMPTS})",
                    error.log_summary(),
                    wait.as_millis(),
                    attempt + 1
                );
                tokio::time::sleep(wait).await;
            }
            _ => return Err(error),
        }
    }
}

/// History left out of a text-completion prompt.
#[derive(Debug, Clone, Copy)]
struct Trimmed {
    dropped: u32,
    context_size: u32,
}

/// Where the first of `stops` starts in `text`.
fn first_stop(text: &str, stops: &[String]) -> Option<usize> {
    stops
        .iter()
        .filter(|s| !s.is_empty())
        .filter_map(|s| text.find(s.as_str()))
        .min()
}

/// The messages of a request: the system prompt, the chat so far (replies that never got any
/// text left out), the new user message — post-processed as the profile says for chat
/// completion APIs.
fn conversation(
    resolved: &Resolved,
    request: &GenerationRequest,
    history: &[StoredMessage],
    capabilities: Capabilities,
) -> Vec<ChatMessage> {
    let mut messages = Vec::with_capacity(history.len() + 2);
    if let Some(system) = request
        .system_prompt
        .clone()
        .or_else(|| resolved.system_prompt.clone())
        .filter(|s| !s.trim().is_empty())
    {
        messages.push(ChatMessage::new(Role::System, system));
    }
    messages.extend(
        history
            .iter()
            .filter(|m| !(m.role == Role::Assistant && m.content.is_empty()))
            .map(|m| ChatMessage::new(m.role, m.content.clone())),
    );
    match request.action {
        Action::Send => messages.push(ChatMessage::new(Role::User, request.input.clone())),
        Action::Regenerate(_) => {}
        Action::Continue(_) => {
            // The reply so far is last; an API that continues a prefill refuses one that ends
            // in whitespace.
            if let Some(last) = messages.last_mut().filter(|m| m.role == Role::Assistant) {
                if capabilities.prefill {
                    last.content = last.content.trim_end().to_string();
                }
            }
        }
    }
    if capabilities.api == ApiType::ChatCompletion {
        let mode = resolved
            .profile
            .as_ref()
            .map(|p| p.post_processing)
            .unwrap_or_default();
        let mut names = PromptNames::default();
        if let Some(placeholder) = resolved
            .profile
            .as_ref()
            .and_then(|p| p.placeholder.clone())
            .filter(|p| !p.trim().is_empty())
        {
            names.placeholder = placeholder;
        }
        messages = prompt::post_process(&messages, mode, &names);
    }
    if let Some(prefill) = prefill(resolved, capabilities) {
        if !matches!(request.action, Action::Continue(_)) {
            messages.push(ChatMessage::new(Role::Assistant, prefill));
        }
    }
    messages
}

/// The profile's prefill, where the source continues one.
fn prefill(resolved: &Resolved, capabilities: Capabilities) -> Option<String> {
    resolved
        .profile
        .as_ref()
        .and_then(|p| p.prefill.as_deref())
        // The API refuses a prefill ending in whitespace.
        .map(|p| p.trim_end().to_string())
        .filter(|p| capabilities.prefill && !p.is_empty())
}

fn normalize(source: ProviderKind, url: &str) -> Result<crate::endpoint::NormalizedUrl> {
    source
        .normalize_url(url)
        .map_err(|why| Error::new(ErrorKind::InvalidRequest, why).with_provider(source.id()))
}

/// A chat title from the first message: its first line, at most 60 characters.
fn title_for(input: &str) -> String {
    let line = input
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("New chat");
    let mut title: String = line.chars().take(60).collect();
    if line.chars().count() > 60 {
        title.push('…');
    }
    title
}

struct GenerationTask {
    /// Text the reply starts with (a Claude prefill), shown and saved as part of the reply.
    prefill: Option<String>,
    /// The reply being written (new, a new version, or one being continued), as it stands.
    reply: StoredMessage,
    /// History left out of a text-completion prompt, told to the person.
    trimmed: Option<Trimmed>,
    /// Stop strings cut from the reply as it streams (text completion).
    stops: Vec<String>,
    id: GenerationId,
    chat_id: ChatId,
    model: String,
    store: Store,
    generations: Arc<Generations>,
    token: CancellationToken,
    tx: mpsc::Sender<ChatEvent>,
}

/// Text held back for coalescing, per kind.
#[derive(Default)]
struct Pending {
    text: String,
    reasoning: String,
    since: Option<Instant>,
}

impl Pending {
    fn len(&self) -> usize {
        self.text.len() + self.reasoning.len()
    }

    fn due(&self) -> Option<Instant> {
        self.since.map(|since| since + COALESCE_WINDOW)
    }

    /// The events to send, reasoning first (it precedes the text it explains).
    fn take(&mut self) -> Vec<ChatEvent> {
        self.since = None;
        let mut events = Vec::with_capacity(2);
        if !self.reasoning.is_empty() {
            events.push(ChatEvent::Reasoning {
                text: std::mem::take(&mut self.reasoning),
            });
        }
        if !self.text.is_empty() {
            events.push(ChatEvent::Delta {
                text: std::mem::take(&mut self.text),
            });
        }
        events
    }
}

/// How the provider stream ended.
enum Ending {
    Finished(StopReason),
    Failed(Error),
    Cancelled,
}

impl GenerationTask {
    async fn blocking<T: Send + 'static>(
        &self,
        call: impl FnOnce(&Store) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || call(&store))
            .await
            .map_err(|err| Error::internal(format!("A database task failed ({err}).")))?
    }

    /// Sends an event; a closed receiver cancels the generation.
    async fn send(&self, event: ChatEvent) {
        if self.tx.send(event).await.is_err() {
            self.generations.cancel(&self.id, CancelReason::Shutdown);
        }
    }

    async fn run(self, provider: Box<dyn provider::Provider>, request: ChatRequest) {
        let reply = self.reply.clone();
        self.send(ChatEvent::Started {
            generation_id: self.id.clone(),
            chat_id: self.chat_id.clone(),
            message_id: reply.id.clone(),
            model: self.model.clone(),
            text: reply.content.clone(),
            swipe_index: reply.swipe_index,
            swipe_count: reply.swipe_count,
        })
        .await;
        if let Some(trimmed) = self.trimmed {
            self.send(ChatEvent::HistoryTrimmed {
                dropped: trimmed.dropped,
                context_size: trimmed.context_size,
            })
            .await;
        }
        let mut trimmer = (!self.stops.is_empty()).then(|| StopTrimmer::new(&self.stops));

        // The reply starts with the prefill the model continues, as a person reads it.
        let prefill = self.prefill.clone().map(|p| Ok(StreamEvent::Delta(p)));
        let mut stream =
            futures::stream::iter(prefill).chain(provider.stream(request, self.token.clone()));
        // A continued reply grows from what it had.
        let mut text = reply.content.clone();
        let mut reasoning = reply.reasoning.clone().unwrap_or_default();
        let mut served_by: Option<String> = None;
        let mut pending = Pending::default();
        let mut last_save = Instant::now();
        let mut saved_len = text.len() + reasoning.len();

        let ending = loop {
            let due = pending.due();
            let next = tokio::select! {
                biased;
                _ = self.token.cancelled() => break Ending::Cancelled,
                _ = sleep_until(due), if due.is_some() => None,
                next = stream.next() => Some(next),
            };
            match next {
                None => {}
                Some(None) if self.token.is_cancelled() => break Ending::Cancelled,
                Some(None) => {
                    break Ending::Failed(Error::new(
                        ErrorKind::Protocol,
                        "The reply ended without a finish marker.",
                    ))
                }
                Some(Some(Err(error))) => break Ending::Failed(error),
                Some(Some(Ok(event))) => match event {
                    StreamEvent::Delta(delta) => {
                        // Text completion: cut at a stop string, holding back what may start one.
                        let (delta, stopped) = match trimmer.as_mut() {
                            Some(trimmer) => (trimmer.push(&delta), trimmer.stopped()),
                            None => (delta, false),
                        };
                        if stopped {
                            text.push_str(&delta);
                            pending.text.push_str(&delta);
                            // The rest of the reply is not wanted.
                            break Ending::Finished(StopReason::Stop);
                        }
                        text.push_str(&delta);
                        if !pending.reasoning.is_empty() {
                            for event in pending.take() {
                                self.send(event).await;
                            }
                        }
                        pending.text.push_str(&delta);
                        pending.since.get_or_insert_with(Instant::now);
                    }
                    StreamEvent::Reasoning(delta) => {
                        reasoning.push_str(&delta);
                        if !pending.text.is_empty() {
                            for event in pending.take() {
                                self.send(event).await;
                            }
                        }
                        pending.reasoning.push_str(&delta);
                        pending.since.get_or_insert_with(Instant::now);
                    }
                    StreamEvent::Model(name) => served_by = Some(name),
                    StreamEvent::Usage(usage) => {
                        for event in pending.take() {
                            self.send(event).await;
                        }
                        self.send(ChatEvent::Usage { usage }).await;
                    }
                    StreamEvent::Queued {
                        position,
                        wait_secs,
                    } => {
                        self.send(ChatEvent::Queued {
                            position,
                            wait_secs,
                        })
                        .await;
                    }
                    StreamEvent::Done(reason) => {
                        if let Some(trimmer) = trimmer.as_mut() {
                            let held = trimmer.finish();
                            text.push_str(&held);
                            pending.text.push_str(&held);
                        }
                        break Ending::Finished(reason);
                    }
                },
            }
            if pending.len() >= COALESCE_BYTES
                || pending.due().is_some_and(|due| Instant::now() >= due)
            {
                for event in pending.take() {
                    self.send(event).await;
                }
            }
            if text.len() + reasoning.len() > MAX_REPLY_BYTES {
                break Ending::Failed(Error::new(
                    ErrorKind::Protocol,
                    format!(
                        "The reply grew past {} MB and was stopped; the text received so far is kept.",
                        MAX_REPLY_BYTES / (1024 * 1024)
                    ),
                ));
            }
            if last_save.elapsed() >= SAVE_INTERVAL && text.len() + reasoning.len() != saved_len {
                let (id, t, r) = (reply.id.clone(), text.clone(), non_empty(&reasoning));
                let len = text.len() + reasoning.len();
                // A save that fails (the database busy past its timeout, a full disk) is tried
                // again at the next interval; the reply goes on, and its final save decides.
                match self
                    .blocking(move |store| store.save_reply_progress(&id, &t, r.as_deref()))
                    .await
                {
                    Ok(()) => saved_len = len,
                    Err(error) => tracing::warn!(
                        "could not save reply {} while it streams; trying again in {} ms: {}",
                        reply.id,
                        SAVE_INTERVAL.as_millis(),
                        error.message
                    ),
                }
                last_save = Instant::now();
            }
        };
        if matches!(ending, Ending::Cancelled) {
            // Let the provider tell the server to stop (KoboldCpp's abort, the Horde's cancel).
            let _ = tokio::time::timeout(ABORT_GRACE, async {
                while stream.next().await.is_some() {}
            })
            .await;
        }
        drop(stream);
        if let Some(trimmer) = trimmer
            .as_mut()
            .filter(|_| !matches!(ending, Ending::Finished(_)))
        {
            // Held back in case it began a stop string; the reply did not get that far.
            let held = trimmer.finish();
            text.push_str(&held);
            pending.text.push_str(&held);
        }

        let (state, error, terminal) = match ending {
            Ending::Finished(stop_reason) => (
                MessageState::Complete,
                None,
                ChatEvent::Finished {
                    stop_reason,
                    message_id: reply.id.clone(),
                },
            ),
            Ending::Failed(error) => (
                MessageState::Failed,
                Some(error.clone()),
                ChatEvent::Failed {
                    error,
                    message_id: Some(reply.id.clone()),
                },
            ),
            Ending::Cancelled => (
                match self.generations.reason(&self.id) {
                    CancelReason::User => MessageState::Stopped,
                    CancelReason::Shutdown => MessageState::Interrupted,
                },
                None,
                ChatEvent::Cancelled {
                    message_id: reply.id.clone(),
                },
            ),
        };
        // The pending text goes out before the terminal event, and the whole reply is saved
        // before the terminal event is sent.
        let flush = pending.take();
        let id = reply.id.clone();
        let saved = self
            .blocking(move |store| {
                store.finish_reply(
                    &id,
                    &text,
                    non_empty(&reasoning).as_deref(),
                    state,
                    served_by.as_deref(),
                    error.as_ref(),
                )
            })
            .await;
        for event in flush {
            self.send(event).await;
        }
        let terminal = match saved {
            Ok(()) => terminal,
            Err(error) => ChatEvent::Failed {
                error,
                message_id: Some(reply.id.clone()),
            },
        };
        self.generations.remove(&self.id);
        let _ = self.tx.send(terminal).await;
    }
}

async fn sleep_until(due: Option<Instant>) {
    if let Some(due) = due {
        tokio::time::sleep_until(tokio::time::Instant::from_std(due)).await;
    }
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_come_from_the_first_line() {
        assert_eq!(title_for("\n  hello there\nsecond"), "hello there");
        assert_eq!(title_for(""), "New chat");
        let long = "x".repeat(80);
        assert_eq!(title_for(&long).chars().count(), 61);
    }

    #[test]
    fn cancelling_unknown_or_finished_generations_is_a_no_op() {
        let generations = Generations::default();
        let id = GenerationId::new();
        assert!(!generations.cancel(&id, CancelReason::User));
        let token = generations.register(&id);
        assert!(generations.cancel(&id, CancelReason::Shutdown));
        assert!(token.is_cancelled());
        // A later cancel does not change why it was cancelled.
        generations.cancel(&id, CancelReason::User);
        assert_eq!(generations.reason(&id), CancelReason::Shutdown);
        generations.remove(&id);
        assert!(!generations.cancel(&id, CancelReason::User));
    }
}
