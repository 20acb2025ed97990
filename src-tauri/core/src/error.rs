//! The one error type of the core.
//!
//! Every failure that reaches a front end is an [`Error`]: a [`ErrorKind`] the UI can switch on,
//! a short human `message` that names the profile, the URL and what the server said, and optional
//! machine fields (`status`, `retry_after_ms`, `detail`).
//!
//! Must not carry API keys, request headers or request bodies: messages are shown and logged.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What kind of failure this is; decides what a front end offers (design.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ErrorKind {
    /// No profile, model, URL or key where one is needed.
    NotConfigured,
    /// The server rejected the key (401/403).
    Auth,
    /// 429 or an exhausted quota.
    RateLimited,
    /// DNS, connection refused, TLS, idle timeout, connection lost.
    Network,
    /// 5xx, 529, busy or overloaded servers.
    ProviderUnavailable,
    /// 400-class refusals: bad parameters, context too long, wrong endpoint.
    InvalidRequest,
    /// The server does not know the requested model.
    ModelNotFound,
    /// The server answered something that could not be understood.
    Protocol,
    /// The user stopped the operation.
    Cancelled,
    /// The local database or disk failed.
    Storage,
    /// The operating system's keychain is unavailable or refused.
    SecretStore,
    /// A bug: something that should not happen.
    Internal,
}

impl ErrorKind {
    /// Stable camelCase name, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NotConfigured => "notConfigured",
            ErrorKind::Auth => "auth",
            ErrorKind::RateLimited => "rateLimited",
            ErrorKind::Network => "network",
            ErrorKind::ProviderUnavailable => "providerUnavailable",
            ErrorKind::InvalidRequest => "invalidRequest",
            ErrorKind::ModelNotFound => "modelNotFound",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Storage => "storage",
            ErrorKind::SecretStore => "secretStore",
            ErrorKind::Internal => "internal",
        }
    }

    /// The kind an HTTP error status maps to when the body says nothing more specific.
    pub fn from_status(status: u16) -> ErrorKind {
        match status {
            401 | 403 => ErrorKind::Auth,
            402 | 429 => ErrorKind::RateLimited,
            404 => ErrorKind::InvalidRequest,
            408 | 500..=599 => ErrorKind::ProviderUnavailable,
            _ => ErrorKind::InvalidRequest,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What exactly is missing or wrong, as facts a front end words its own fix from (the window
/// names the field, the CLI names the command). Absent when the kind says enough.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", rename_all = "camelCase")]
#[non_exhaustive]
pub enum ErrorReason {
    /// The profile needs an API key and has none.
    MissingKey {
        /// The profile's name.
        profile: String,
    },
    /// An ad-hoc connection to a source that needs a key was given none.
    MissingAdHocKey,
    /// No profile has this name or id.
    NoProfile {
        /// The name asked for (quoted, cut to 80 characters).
        name: String,
    },
    /// No model is set, and the server does not name one.
    NoModel,
    /// No chat fits the title or id given (or the start of an id fits several).
    NoChat,
    /// No snapshot has the id given.
    NoSnapshot,
    /// The URL carries a user name and password, and the profile's key goes in the same header.
    UrlCredentialsWithKey {
        /// The profile's name.
        profile: String,
    },
    /// The server could not be reached (refused, unknown host, no route).
    Unreachable,
    /// The prompt is longer than the model's context: the server said so in its own words, or
    /// closed the connection before any text while the prompt filled the context.
    ContextExceeded {
        /// The context's size in tokens: as the server stated it, else as the prompt was
        /// fitted to; absent when neither is known.
        #[serde(
            rename = "contextSize",
            default,
            skip_serializing_if = "Option::is_none"
        )]
        context_size: Option<u32>,
    },
    /// The operating system's keychain cannot be used.
    KeychainUnavailable {
        /// Why.
        problem: KeychainProblem,
    },
}

/// Why the keychain cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum KeychainProblem {
    /// No keychain service is running (no Secret Service on Linux).
    Missing,
    /// The keychain is locked.
    Locked,
    /// The keychain did not answer in time (it may be waiting to be unlocked).
    Timeout,
    /// The keychain refused the request.
    Refused,
}

/// A failure with enough context for a person to act on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
// The name front ends see (`IpcError` in the generated TypeScript); JSON never shows it.
#[serde(rename = "IpcError", rename_all = "camelCase")]
#[error("{message}")]
pub struct Error {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// One or two plain sentences: which profile, which URL, what happened.
    pub message: String,
    /// The source id (`openai`, `custom`, …) when a provider was involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The HTTP status the server answered with, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// How long the server asked us to wait, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u32>,
    /// The server's own words, truncated; never headers, keys or request bodies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// What is missing or wrong, when the kind alone does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ErrorReason>,
}

/// Result with the core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Longest server text kept in [`Error::detail`].
pub const DETAIL_LIMIT: usize = 2048;

/// Longest message kept: a message that would grow past it (echoing a huge input, say) is cut.
pub const MESSAGE_LIMIT: usize = 2048;

/// Longest piece of a person's input quoted back in a message, in characters.
const QUOTE_CHARS: usize = 80;

/// `text` as quoted back in a message: at most 80 characters, "…" when cut.
pub fn quoted(text: &str) -> String {
    match text.char_indices().nth(QUOTE_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

impl Error {
    /// The error as logs show it: its kind, source and HTTP status, never the server's words
    /// (which may quote a secret too short to scrub, see `redact`).
    pub fn log_summary(&self) -> String {
        let mut summary = format!("{:?}", self.kind);
        if let Some(provider) = &self.provider {
            summary.push_str(&format!(" from {provider}"));
        }
        if let Some(status) = self.status {
            summary.push_str(&format!(", HTTP {status}"));
        }
        summary
    }

    /// A new error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        let message = message.into();
        Error {
            kind,
            message: if message.len() > MESSAGE_LIMIT {
                truncate(&message, MESSAGE_LIMIT)
            } else {
                message
            },
            provider: None,
            status: None,
            retry_after_ms: None,
            detail: None,
            reason: None,
        }
    }

    /// Shorthand for [`ErrorKind::NotConfigured`].
    pub fn not_configured(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotConfigured, message)
    }

    /// Shorthand for [`ErrorKind::Storage`].
    pub fn storage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Storage, message)
    }

    /// Shorthand for [`ErrorKind::Internal`].
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// Shorthand for [`ErrorKind::Cancelled`].
    pub fn cancelled() -> Self {
        Self::new(ErrorKind::Cancelled, "Stopped.")
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The HTTP status, if the server answered.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// Sets the source id.
    pub fn with_provider(mut self, provider: impl Into<String>) -> Self {
        self.provider = Some(provider.into());
        self
    }

    /// Sets the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Sets the server's words (truncated to [`DETAIL_LIMIT`]).
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        self.detail = (!detail.is_empty()).then(|| truncate(&detail, DETAIL_LIMIT));
        self
    }

    /// Sets what is missing or wrong.
    pub fn with_reason(mut self, reason: ErrorReason) -> Self {
        self.reason = Some(reason);
        self
    }

    /// Sets how long to wait before retrying.
    pub fn with_retry_after(mut self, wait: Duration) -> Self {
        self.retry_after_ms = Some(u32::try_from(wait.as_millis()).unwrap_or(u32::MAX));
        self
    }

    /// The wait the server asked for.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after_ms
            .map(|ms| Duration::from_millis(u64::from(ms)))
    }
}

impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        Error::storage(format!("The local database failed: {err}."))
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::storage(format!("A file operation failed: {err}."))
    }
}

/// Cuts `text` to at most `max` bytes on a character boundary, adding "…" when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_kind_from_status_covers_the_table() {
        let table = [
            (400, ErrorKind::InvalidRequest),
            (401, ErrorKind::Auth),
            (402, ErrorKind::RateLimited),
            (403, ErrorKind::Auth),
            (404, ErrorKind::InvalidRequest),
            (408, ErrorKind::ProviderUnavailable),
            (413, ErrorKind::InvalidRequest),
            (422, ErrorKind::InvalidRequest),
            (429, ErrorKind::RateLimited),
            (500, ErrorKind::ProviderUnavailable),
            (502, ErrorKind::ProviderUnavailable),
            (503, ErrorKind::ProviderUnavailable),
            (529, ErrorKind::ProviderUnavailable),
        ];
        for (status, kind) in table {
            assert_eq!(ErrorKind::from_status(status), kind, "status {status}");
        }
    }

    #[test]
    fn error_serialises_camel_case_without_empty_fields() {
        let err = Error::new(ErrorKind::RateLimited, "slow down")
            .with_status(429)
            .with_retry_after(Duration::from_secs(7));
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind":"rateLimited","message":"slow down","status":429,"retryAfterMs":7000})
        );
        assert_eq!(ErrorKind::RateLimited.as_str(), "rateLimited");
    }

    #[test]
    fn truncate_cuts_on_char_boundary() {
        assert_eq!(truncate("héllo", 2), "h…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(Error::internal("x").with_detail("").detail, None);
    }
}
