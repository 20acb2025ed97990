//! The app's settings (kept with the data): whether the window reconnects on launch, and its
//! theme; why the app could not start, when it could not; deleting all data.

use switchboard_core::engine::ResetReport;
use switchboard_core::store::AppSettings;
use switchboard_core::{Error, ErrorKind};
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

/// What the window sends to confirm "Delete all my data" (so no stray call deletes anything).
pub const DELETE_CONFIRMATION: &str = "delete all my data";

/// "Delete all my data": removes the database, its backups and every keychain entry
/// Switchboard made, and says what went. The window then offers only to quit: the data the
/// running app holds is gone.
#[tauri::command]
#[specta::specta]
pub async fn delete_all_data(
    shell: State<'_, Shell>,
    confirmation: String,
) -> Result<ResetReport, IpcError> {
    if confirmation != DELETE_CONFIRMATION {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!("Nothing was deleted: the confirmation must be \"{DELETE_CONFIRMATION}\"."),
        ));
    }
    let report = shell.engine().delete_all_data().await?;
    tracing::info!(
        "deleted all data: {} file(s), {} keychain entries",
        report.files.len(),
        report.keychain_entries.len()
    );
    Ok(report)
}

/// Quits the app (after "Delete all my data").
#[tauri::command]
#[specta::specta]
pub fn quit_app(shell: State<'_, Shell>) {
    shell.quit();
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
