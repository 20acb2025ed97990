//! API keys. A key goes in and is never sent back: the window only learns `hasKey`.

use switchboard_core::engine::{api_key, ProfileSummary};
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

impl Shell {
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
