//! Signing in to Google Cloud with a service account (Vertex AI's full mode): the key file
//! ([`ServiceAccountKey`], the profile's key in the keychain), the RS256-signed JWT
//! ([`jwt`]), its exchange for an OAuth access token ([`exchange`]), and
//! [`ServiceAccountTokens`], which keeps a token and fetches the next one before it expires.
//!
//! What a family needs is [`ServiceAccountTokens::bearer`] (the token to send as
//! `Authorization: Bearer …`) and [`ServiceAccountTokens::project_id`]; a connection's redactor
//! scrubs every token issued for its key ([`later_secrets`]).
//!
//! Vendor-specific but not a family: it must not import `provider` (families build on it, not
//! the other way), touch the store or the keychain (the engine hands it the key's text), or put
//! the private key, a JWT or a token in an error, a log or a `Debug` output.

pub mod exchange;
pub mod jwt;
pub mod key;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use secrecy::{ExposeSecret, SecretString};

pub use key::ServiceAccountKey;

use crate::error::{Error, ErrorKind, Result};
use crate::http::Http;
use crate::redact::LiveSecrets;

/// A token with less than this left is replaced before it is used.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// The region a profile that names none uses (Vertex AI's global endpoint).
pub const DEFAULT_REGION: &str = "global";

/// The time, as the token cache reads it; tests give their own.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// What every user of one key shares: its token and the secrets to scrub.
#[derive(Default)]
struct Shared {
    token: tokio::sync::Mutex<Option<CachedToken>>,
    secrets: LiveSecrets,
}

struct CachedToken {
    token: SecretString,
    expires_at: SystemTime,
}

/// One entry per key (its account, key id, private key and token endpoint), so every adapter
/// built for a profile uses the same token until it needs renewing.
static SHARED: LazyLock<Mutex<HashMap<String, Arc<Shared>>>> = LazyLock::new(Default::default);

/// What identifies a key in [`SHARED`]: a digest, never the key itself.
fn fingerprint(key: &ServiceAccountKey) -> String {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    for part in [
        key.client_email(),
        key.private_key_id(),
        key.token_uri(),
        key.private_key_pem().expose_secret(),
    ] {
        context.update(part.as_bytes());
        context.update(&[0]);
    }
    context
        .finish()
        .as_ref()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn shared_for(key: &ServiceAccountKey) -> Arc<Shared> {
    let mut map = match SHARED.lock() {
        Ok(map) => map,
        Err(poisoned) => poisoned.into_inner(),
    };
    map.entry(fingerprint(key))
        .or_insert_with(|| {
            let shared = Shared::default();
            // The private key's lines, so no part of it survives in a message.
            for line in key.private_key_pem().expose_secret().lines() {
                if !line.starts_with("-----") {
                    shared.secrets.add(line.trim());
                }
            }
            Arc::new(shared)
        })
        .clone()
}

/// The secrets to scrub for a connection whose key is `key_text`, if it is a service account's
/// key: every token issued for it, now and later, and its private key.
pub fn later_secrets(key_text: &str) -> Option<LiveSecrets> {
    let key = ServiceAccountKey::parse(key_text).ok()?;
    Some(shared_for(&key).secrets.clone())
}

/// The access tokens of one service account for one profile: cached, renewed when less than
/// [`REFRESH_MARGIN`] is left, one exchange at a time however many callers ask.
pub struct ServiceAccountTokens {
    who: String,
    key: ServiceAccountKey,
    http: Http,
    clock: Clock,
    shared: Arc<Shared>,
}

impl fmt::Debug for ServiceAccountTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountTokens")
            .field("who", &self.who)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl ServiceAccountTokens {
    /// The tokens of `key` for the profile `who` (`Profile "name"`, as messages name it),
    /// fetched through `http` (the profile's client). Every value made for the same key shares
    /// one cached token.
    pub fn new(who: impl Into<String>, key: ServiceAccountKey, http: Http) -> Self {
        let shared = shared_for(&key);
        ServiceAccountTokens {
            who: who.into(),
            key,
            http,
            clock: Arc::new(SystemTime::now),
            shared,
        }
    }

    /// Reads the key from its keychain text (see [`ServiceAccountKey::parse`]).
    pub fn from_key_text(who: impl Into<String>, key_text: &str, http: Http) -> Result<Self> {
        let who = who.into();
        let key = ServiceAccountKey::parse(key_text).map_err(|err| Error {
            message: format!("{who}: {}", err.message),
            ..err
        })?;
        Ok(ServiceAccountTokens::new(who, key, http))
    }

    /// The same tokens with the time read from `clock`.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The project of the service account (a profile's own `vertex_project` comes first).
    pub fn project_id(&self) -> &str {
        self.key.project_id()
    }

    /// The service account's address.
    pub fn client_email(&self) -> &str {
        self.key.client_email()
    }

    /// A valid access token: the cached one while more than [`REFRESH_MARGIN`] of it is left,
    /// else a new one (callers that ask meanwhile wait for it rather than fetching their own).
    pub async fn bearer(&self) -> Result<SecretString> {
        let mut cached = self.shared.token.lock().await;
        let now = (self.clock)();
        if let Some(token) = cached.as_ref() {
            if token.expires_at > now + REFRESH_MARGIN {
                return Ok(token.token.clone());
            }
        }
        let issued_at = now
            .duration_since(UNIX_EPOCH)
            .map_err(|_| {
                Error::new(
                    ErrorKind::Internal,
                    "This computer's clock is set before 1970.",
                )
            })?
            .as_secs();
        let assertion = jwt::assertion(&self.key, issued_at)?;
        self.shared.secrets.add(assertion.expose_secret());
        let issued = exchange::exchange(&self.http, &self.who, &self.key, &assertion)
            .await
            .map_err(|err| self.shared_redactor().scrub_error(err))?;
        self.shared.secrets.add(issued.token.expose_secret());
        *cached = Some(CachedToken {
            token: issued.token.clone(),
            expires_at: now + issued.lifetime,
        });
        Ok(issued.token)
    }

    fn shared_redactor(&self) -> crate::redact::Redactor {
        crate::redact::Redactor::new([self.key.keychain_form().expose_secret()])
            .with_later(self.shared.secrets.clone())
    }
}

/// Checks a Google Cloud project id as a profile saves it: 6 to 30 lowercase letters, digits
/// and hyphens, starting with a letter and not ending with a hyphen
/// (<https://cloud.google.com/resource-manager/docs/creating-managing-projects>).
pub fn check_project(project: &str) -> Result<()> {
    let ok = (6..=30).contains(&project.len())
        && project.starts_with(|c: char| c.is_ascii_lowercase())
        && !project.ends_with('-')
        && project
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "\"{}\" is not a Google Cloud project id (6 to 30 lowercase letters, digits and hyphens, starting with a letter).",
                crate::error::quoted(project)
            ),
        ))
    }
}

/// Checks a Vertex AI region (`global`, `us-central1`, `europe-west4`, …): lowercase letters,
/// digits and hyphens.
pub fn check_region(region: &str) -> Result<()> {
    let ok = !region.is_empty()
        && region.len() <= 40
        && region.starts_with(|c: char| c.is_ascii_lowercase())
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "\"{}\" is not a Vertex AI region (such as global, us-central1 or europe-west4).",
                crate::error::quoted(region)
            ),
        ))
    }
}

/// The base of Vertex AI's REST API for a project and region, under which a model is
/// `…/publishers/google/models/{model}:streamGenerateContent?alt=sse`: `global` is served at
/// `https://aiplatform.googleapis.com`, a region `r` at `https://r-aiplatform.googleapis.com`
/// (<https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference>).
pub fn vertex_base_url(project: &str, region: &str) -> String {
    let host = if region == DEFAULT_REGION {
        "aiplatform.googleapis.com".to_string()
    } else {
        format!("{region}-aiplatform.googleapis.com")
    };
    format!("https://{host}/v1/projects/{project}/locations/{region}")
}

#[cfg(test)]
mod tests;
