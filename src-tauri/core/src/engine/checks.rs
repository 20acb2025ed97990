//! Checks both front ends share: an API key as typed, pasted or read from the environment;
//! an explicit model id; and connecting to a profile — its status check, the models to choose
//! from and the model it will use.
//!
//! Must not: print, log or put a key into a message; save anything itself (a status check may
//! update the profile's URL through [`Engine::status`]).

use secrecy::SecretString;

use super::connections::ConnectionSpec;
use super::limits::{check_chars, human_size, MAX_KEY_BYTES, MAX_MODEL_CHARS};
use super::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::model::ModelInfo;
use crate::provider::StatusReport;

/// Why an API key cannot be used as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyProblem {
    /// Nothing but spaces and line breaks.
    Empty,
    /// Longer than [`MAX_KEY_BYTES`]; the length in bytes.
    TooLong(usize),
    /// A line break or another control character inside (two keys pasted, a stray byte).
    ControlCharacter,
}

impl KeyProblem {
    /// The problem as the end of a sentence about the key: "is empty", "is too long (…)", ….
    pub fn describe(self) -> String {
        match self {
            KeyProblem::Empty => "is empty".to_string(),
            KeyProblem::TooLong(bytes) => format!(
                "is too long ({}; at most {})",
                human_size(bytes),
                human_size(MAX_KEY_BYTES)
            ),
            KeyProblem::ControlCharacter => {
                "contains a line break or another control character".to_string()
            }
        }
    }
}

impl From<KeyProblem> for Error {
    fn from(problem: KeyProblem) -> Error {
        let advice = match problem {
            KeyProblem::ControlCharacter => ": paste only the key",
            _ => "",
        };
        Error::new(
            ErrorKind::InvalidRequest,
            format!("The API key {}{advice}.", problem.describe()),
        )
    }
}

/// Why `key` (taken as it is, not trimmed) cannot be saved or sent, if it cannot.
pub fn key_problem(key: &str) -> Option<KeyProblem> {
    if key.trim().is_empty() {
        Some(KeyProblem::Empty)
    } else if key.len() > MAX_KEY_BYTES {
        Some(KeyProblem::TooLong(key.len()))
    } else if key.chars().any(char::is_control) {
        Some(KeyProblem::ControlCharacter)
    } else {
        None
    }
}

/// An API key as a person gave it (typed, pasted, read from standard input or the
/// environment): the spaces and line breaks around it dropped, then checked.
pub fn api_key(text: &str) -> std::result::Result<SecretString, KeyProblem> {
    let key = text.trim();
    match key_problem(key) {
        Some(problem) => Err(problem),
        None => Ok(SecretString::from(key.to_string())),
    }
}

/// An explicit model id: `None` when blank (the profile's model, or the server's first, is
/// used); refused when longer than [`MAX_MODEL_CHARS`].
pub fn explicit_model(model: Option<&str>) -> Result<Option<String>> {
    match model.map(str::trim) {
        None | Some("") => Ok(None),
        Some(_) => {
            let model = model.unwrap_or_default();
            check_chars("model id", model, MAX_MODEL_CHARS)?;
            Ok(Some(model.to_string()))
        }
    }
}

/// What connecting to a profile found.
#[derive(Debug, Clone)]
pub struct ConnectionCheck {
    /// What the status check found (or that it was bypassed).
    pub status: StatusReport,
    /// The models to choose from; empty when the server has no list.
    pub models: Vec<ModelInfo>,
    /// The model replies will use: the profile's, else the first listed; `None` when the
    /// person must choose or type one.
    pub model: Option<String>,
}

impl Engine {
    /// Connects to a profile: checks its endpoint (unless the profile bypasses the check),
    /// lists its models when the status check did not and the source has a list, and says
    /// which model it will use. A profile that bypasses the check gets an empty list instead
    /// of an error when the list cannot be fetched (such a server may not answer the usual
    /// routes; the model id is typed instead).
    pub async fn check_connection(&self, name_or_id: &str) -> Result<ConnectionCheck> {
        let profile = self.profile(name_or_id).await?;
        let spec = ConnectionSpec::Profile(profile.id.0.clone());
        let status = self.status(&spec).await?;
        let models = match (
            &status.models,
            profile.source.info().capabilities.model_list,
        ) {
            (Some(models), _) => models.clone(),
            (None, false) => Vec::new(),
            (None, true) => match self.models(&spec).await {
                Ok(models) => models,
                Err(_) if profile.bypass_status_check => Vec::new(),
                Err(error) => return Err(error),
            },
        };
        let model = profile
            .model
            .clone()
            .or_else(|| models.first().map(|m| m.id.clone()));
        Ok(ConnectionCheck {
            status,
            models,
            model,
        })
    }
}
