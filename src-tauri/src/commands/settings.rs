//! The app's settings (kept with the data): whether the window reconnects on launch.

use switchboard_core::store::AppSettings;
use tauri::State;

use super::IpcError;
use crate::shell::Shell;

/// The app's settings; defaults for what was never set.
#[tauri::command]
#[specta::specta]
pub async fn get_settings(shell: State<'_, Shell>) -> Result<AppSettings, IpcError> {
    shell.engine().settings().await
}

/// Saves the app's settings.
#[tauri::command]
#[specta::specta]
pub async fn save_settings(shell: State<'_, Shell>, settings: AppSettings) -> Result<(), IpcError> {
    shell.engine().save_settings(settings).await
}
