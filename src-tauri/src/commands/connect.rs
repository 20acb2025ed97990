//! Connecting: status check, model list, test message, and the active connection.

use serde::Serialize;
use specta::Type;
use switchboard_core::engine::{explicit_model, TestReport};
use switchboard_core::model::ModelInfo;
use tauri::State;

use super::IpcError;
use crate::shell::{ConnectResult, ConnectionChanged, Shell};

/// What the window needs at start-up.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppState {
    /// The active connection.
    pub connection: ConnectionChanged,
    /// The directory holding the database, for the about line.
    pub data_dir: String,
}

/// Checks the profile's endpoint (skipped when it bypasses the check), lists its models and
/// makes it the active connection.
#[tauri::command]
#[specta::specta]
pub async fn connect(
    shell: State<'_, Shell>,
    profile_id: String,
) -> Result<ConnectResult, IpcError> {
    shell.connect(&profile_id).await
}

/// The models the profile's endpoint lists; empty when it has no list.
#[tauri::command]
#[specta::specta]
pub async fn list_models(
    shell: State<'_, Shell>,
    profile_id: String,
) -> Result<Vec<ModelInfo>, IpcError> {
    shell.models(&profile_id).await
}

/// Sends a short test message and reports the reply.
#[tauri::command]
#[specta::specta]
pub async fn test_message(
    shell: State<'_, Shell>,
    profile_id: String,
    model: Option<String>,
) -> Result<TestReport, IpcError> {
    let model = explicit_model(model.as_deref())?;
    shell.test_message(&profile_id, model).await
}

/// The active connection and where data lives.
#[tauri::command]
#[specta::specta]
pub fn app_state(shell: State<'_, Shell>) -> AppState {
    AppState {
        connection: shell.connection(),
        data_dir: shell.engine().store().dir().display().to_string(),
    }
}
