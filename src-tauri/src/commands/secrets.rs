//! API keys. A key goes in and is never sent back: the window only learns `hasKey`. A Vertex AI
//! service account's key file never passes through the window at all: the shell asks for it in
//! the system's file dialog, reads it and hands it to the core ([`choose_service_account_key`]);
//! the window learns the account's address and project.

use std::io::Read as _;
use std::path::Path;

use secrecy::SecretString;
use switchboard_core::engine::{api_key, ProfileSummary, ServiceAccountSaved};
use switchboard_core::google_auth::key::MAX_KEY_FILE_BYTES;
use switchboard_core::{Error, ErrorKind};
use tauri::State;

use super::IpcError;
use crate::shell::Shell;

/// Saves the profile's API key in the operating system's keychain.
#[tauri::command]
#[specta::specta]
pub async fn set_api_key(
    shell: State<'_, Shell>,
    profile_id: String,
    key: String,
) -> Result<ProfileSummary, IpcError> {
    shell.set_api_key(&profile_id, key).await
}

/// Uses the key for the profile until the app quits, without saving it anywhere (for when the
/// keychain cannot be used).
#[tauri::command]
#[specta::specta]
pub async fn use_session_key(
    shell: State<'_, Shell>,
    profile_id: String,
    key: String,
) -> Result<ProfileSummary, IpcError> {
    shell.use_session_key(&profile_id, key).await
}

/// Removes the profile's API key from the keychain.
#[tauri::command]
#[specta::specta]
pub async fn clear_api_key(
    shell: State<'_, Shell>,
    profile_id: String,
) -> Result<ProfileSummary, IpcError> {
    shell.clear_api_key(&profile_id).await
}

/// Asks for a Vertex AI profile's service-account key file in the system's file dialog, reads
/// it and saves it in the keychain as the profile's key (the profile then signs in with it).
/// `None` when the person cancels; the file's text never reaches the window.
#[tauri::command]
#[specta::specta]
pub async fn choose_service_account_key(
    shell: State<'_, Shell>,
    profile_id: String,
) -> Result<Option<ServiceAccountSaved>, IpcError> {
    shell.choose_service_account_key(&profile_id).await
}

/// A key file's text, read here (at most the core's limit, which the core then refuses).
fn read_key_file(path: &Path) -> Result<SecretString, Error> {
    let unreadable = |why: String| {
        Error::new(
            ErrorKind::InvalidRequest,
            format!("Could not read {}: {why}.", path.display()),
        )
    };
    let file = std::fs::File::open(path).map_err(|err| unreadable(err.to_string()))?;
    let mut text = String::new();
    file.take(MAX_KEY_FILE_BYTES as u64 + 1)
        .read_to_string(&mut text)
        .map_err(|_| unreadable("it is not a text file".to_string()))?;
    Ok(SecretString::from(text))
}

impl Shell {
    /// Asks for a service account's key file and saves it as the profile's key.
    pub async fn choose_service_account_key(
        &self,
        profile_id: &str,
    ) -> Result<Option<ServiceAccountSaved>, IpcError> {
        let Some(path) = self.choose_key_file().await? else {
            return Ok(None);
        };
        let text = read_key_file(&path)?;
        let saved = self.engine().set_service_account(profile_id, text).await?;
        self.profiles_changed().await;
        Ok(Some(saved))
    }

    /// Saves the profile's API key in the keychain; returns the profile with `hasKey`.
    pub async fn set_api_key(
        &self,
        profile_id: &str,
        key: String,
    ) -> Result<ProfileSummary, IpcError> {
        let key = api_key(&key)?;
        self.engine().set_key(profile_id, key).await?;
        let summary = self.summary(profile_id).await?;
        self.profiles_changed().await;
        Ok(summary)
    }

    /// Keeps the profile's API key in memory for this session only.
    pub async fn use_session_key(
        &self,
        profile_id: &str,
        key: String,
    ) -> Result<ProfileSummary, IpcError> {
        let key = api_key(&key)?;
        self.engine().use_session_key(profile_id, key).await?;
        self.summary(profile_id).await
    }

    /// Removes the profile's API key from the keychain.
    pub async fn clear_api_key(&self, profile_id: &str) -> Result<ProfileSummary, IpcError> {
        self.engine().clear_key(profile_id).await?;
        let summary = self.summary(profile_id).await?;
        self.profiles_changed().await;
        Ok(summary)
    }
}
