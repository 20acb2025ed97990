//! Connecting: status check (of a saved profile, or of one not saved yet), model list, test
//! message, and the active connection.

use secrecy::SecretString;
use serde::Serialize;
use specta::Type;
use switchboard_core::catalogue::{KeyNeed, ProviderKind};
use switchboard_core::engine::{explicit_model, ConnectionSpec, TestReport};
use switchboard_core::model::ModelInfo;
use switchboard_core::options::ConnectionOptions;
use switchboard_core::provider::StatusReport;
use switchboard_core::Error;
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

/// Checks a profile not saved yet (its source, URL and typed key) without saving anything or
/// touching the active connection, so a profile that does not connect is saved only when the
/// person asks.
#[tauri::command]
#[specta::specta]
pub async fn check_profile_draft(
    shell: State<'_, Shell>,
    source: ProviderKind,
    url: String,
    key: Option<String>,
    options: Option<ConnectionOptions>,
) -> Result<StatusReport, IpcError> {
    shell
        .check_draft(source, url, key, options.unwrap_or_default())
        .await
}

impl Shell {
    /// The status check of a profile not saved yet; see [`check_profile_draft`].
    pub async fn check_draft(
        &self,
        source: ProviderKind,
        url: String,
        key: Option<String>,
        options: ConnectionOptions,
    ) -> Result<StatusReport, IpcError> {
        let key = key.filter(|k| !k.is_empty());
        if key.is_none() && source.info().key == KeyNeed::Required {
            return Err(
                Error::not_configured(format!("{} needs an API key.", source.label()))
                    .with_provider(source.id()),
            );
        }
        let url = Some(url).filter(|u| !u.trim().is_empty());
        let spec = ConnectionSpec::AdHoc {
            source,
            url,
            key: key.map(SecretString::from),
            model: None,
            options: Box::new(options),
        };
        self.engine().status(&spec).await
    }
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
