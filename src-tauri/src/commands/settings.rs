//! The app's settings (kept with the data): whether the window reconnects on launch; and why
//! the app could not start, when it could not.

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

/// Why the app could not open its data (a damaged database, one from a newer version, a data
/// folder it cannot write): the window shows this instead of the chat. `None` when it started.
#[derive(Debug, Clone, Default)]
pub struct StartupProblem(pub Option<String>);

/// Why the app could not start, or `None` when it did.
#[tauri::command]
#[specta::specta]
pub fn startup_problem(problem: State<'_, StartupProblem>) -> Option<String> {
    problem.0.clone()
}
