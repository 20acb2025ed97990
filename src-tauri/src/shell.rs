//! The shell's state: the core's engine plus what the window and the tray share — the active
//! connection and the hooks that turn changes into app-wide notices.
//!
//! Everything here is runtime-agnostic (no `AppHandle`), so tests drive it with plain closures.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use specta::Type;
use switchboard_core::engine::{ProfileSummary, TestReport};
use switchboard_core::model::ModelInfo;
use switchboard_core::provider::StatusReport;
use switchboard_core::{CancelReason, ConnectionSpec, Engine, Error, ErrorKind, Result};

use crate::picker::SaveRequest;

/// How far a connection got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum ConnectionState {
    /// Nothing connected yet.
    Idle,
    /// A status check is running.
    Checking,
    /// The last check succeeded.
    Connected,
    /// The last check failed; `message` says why.
    Failed,
}

/// The active connection, as the window's status light and the tray show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionChanged {
    /// The active profile.
    pub profile_id: Option<String>,
    /// Its name, for the tray's tooltip.
    pub profile_name: Option<String>,
    /// How far the connection got.
    pub state: ConnectionState,
    /// The model in use, when known.
    pub model: Option<String>,
    /// One sentence for people.
    pub message: String,
}

impl ConnectionChanged {
    /// No connection yet.
    pub fn idle() -> ConnectionChanged {
        ConnectionChanged {
            profile_id: None,
            profile_name: None,
            state: ConnectionState::Idle,
            model: None,
            message: "Not connected.".to_string(),
        }
    }
}

/// Profiles were added, changed or removed (names, keys, models).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct ProfilesChanged {}

/// A tray menu action the window carries out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type, tauri_specta::Event)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum TrayAction {
    /// Switch to this profile and connect.
    Connect {
        /// The profile.
        profile_id: String,
    },
    /// Start a new chat.
    NewChat,
}

/// What the shell tells the rest of the app about.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// The active connection changed.
    Connection(ConnectionChanged),
    /// The saved profiles changed.
    ProfilesChanged,
    /// The person asked to quit (after deleting all data).
    Quit,
}

/// Result of connecting to a profile.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectResult {
    /// The profile as saved after the check (its URL may have gained `/v1`).
    pub profile: ProfileSummary,
    /// What the status check found.
    pub status: StatusReport,
    /// The models to choose from; empty when the server has no list (type the id instead).
    pub models: Vec<ModelInfo>,
}

type NoticeHook = Box<dyn Fn(Notice) + Send + Sync>;

/// Names the folder the save dialog opens in instead of the Downloads folder. Meant for tests
/// (and scripted runs), so nothing lands in the person's own Downloads.
pub const EXPORT_DIR_ENV: &str = "SWITCHBOARD_EXPORT_DIR";

/// Asks the person for chat files to import (the system's file dialog); the paths chosen,
/// none when they cancel.
pub type FilePicker = Arc<dyn Fn() -> Result<Vec<PathBuf>> + Send + Sync>;

/// Asks the person for a service account's key file (the system's file dialog); the path
/// chosen, `None` when they cancel.
pub type KeyFilePicker = Arc<dyn Fn() -> Result<Option<PathBuf>> + Send + Sync>;

/// Asks the person where to save a file (the system's save dialog); the path chosen, `None`
/// when they cancel.
pub type SavePicker = Arc<dyn Fn(SaveRequest) -> Result<Option<PathBuf>> + Send + Sync>;

/// Shows a saved file in its folder (the file manager, else the folder opened).
pub type Revealer = Arc<dyn Fn(&Path) -> Result<()> + Send + Sync>;

/// The state every command shares.
pub struct Shell {
    engine: Arc<Engine>,
    connection: Mutex<ConnectionChanged>,
    notify: NoticeHook,
    downloads: Option<PathBuf>,
    picker: Option<FilePicker>,
    /// The files the person chose in the file dialog: the only ones the window may import.
    picked: Mutex<HashSet<PathBuf>>,
    saver: Option<SavePicker>,
    key_file_picker: Option<KeyFilePicker>,
    /// Asks for files to attach (several); what it returns is attached at once.
    attachment_picker: Option<FilePicker>,
    revealer: Option<Revealer>,
    /// The files saved from the window: the only ones it may show in their folder.
    saved: Mutex<HashSet<PathBuf>>,
}

impl Shell {
    /// A shell over `engine` that reports changes to `notify`.
    pub fn new(engine: Arc<Engine>, notify: impl Fn(Notice) + Send + Sync + 'static) -> Shell {
        Shell {
            engine,
            connection: Mutex::new(ConnectionChanged::idle()),
            notify: Box::new(notify),
            downloads: None,
            picker: None,
            picked: Mutex::default(),
            saver: None,
            key_file_picker: None,
            attachment_picker: None,
            revealer: None,
            saved: Mutex::default(),
        }
    }

    /// The same shell, asking where to save with `saver` and showing saved files with
    /// `revealer`.
    pub fn with_saving(mut self, saver: SavePicker, revealer: Revealer) -> Shell {
        self.saver = Some(saver);
        self.revealer = Some(revealer);
        self
    }

    /// Asks the person where to save (the save dialog); `None` when they cancel.
    pub async fn choose_save_path(&self, request: SaveRequest) -> Result<Option<PathBuf>> {
        let saver = self.saver.clone().ok_or_else(|| {
            Error::new(
                ErrorKind::NotConfigured,
                "There is no file dialog to choose where to save.",
            )
        })?;
        tokio::task::spawn_blocking(move || saver(request))
            .await
            .map_err(|err| Error::internal(format!("The file dialog failed: {err}.")))?
    }

    /// Notes a file saved from the window, which "Show in folder" may then show.
    pub fn remember_saved(&self, path: &Path) {
        self.saved
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(path.to_path_buf());
    }

    /// Shows a file saved from the window in its folder; any other path is refused.
    pub async fn show_in_folder(&self, path: &Path) -> Result<()> {
        let known = self
            .saved
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(path);
        if !known {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                format!(
                    "{} was not saved from this window; only files saved here can be shown.",
                    switchboard_core::error::quoted(&path.display().to_string())
                ),
            ));
        }
        let revealer = self.revealer.clone().ok_or_else(|| {
            Error::new(
                ErrorKind::NotConfigured,
                "There is no file manager to show the file in.",
            )
        })?;
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || revealer(&path))
            .await
            .map_err(|err| Error::internal(format!("Showing the file failed: {err}.")))?
    }

    /// The same shell, asking for files to import with `picker`.
    pub fn with_picker(mut self, picker: FilePicker) -> Shell {
        self.picker = Some(picker);
        self
    }

    /// Asks the person for files to import; what they chose becomes importable.
    pub async fn choose_import_files(&self) -> Result<Vec<PathBuf>> {
        let picker = self.picker.clone().ok_or_else(|| {
            Error::new(
                ErrorKind::NotConfigured,
                "There is no file dialog to choose files with.",
            )
        })?;
        let chosen = tokio::task::spawn_blocking(move || picker())
            .await
            .map_err(|err| Error::internal(format!("The file dialog failed: {err}.")))??;
        self.picked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend(chosen.iter().cloned());
        Ok(chosen)
    }

    /// The same shell, asking for a service account's key file with `picker`.
    pub fn with_key_file_picker(mut self, picker: KeyFilePicker) -> Shell {
        self.key_file_picker = Some(picker);
        self
    }

    /// Asks the person for a service account's key file; `None` when they cancel.
    pub async fn choose_key_file(&self) -> Result<Option<PathBuf>> {
        let picker = self.key_file_picker.clone().ok_or_else(|| {
            Error::new(
                ErrorKind::NotConfigured,
                "There is no file dialog to choose a key file with.",
            )
        })?;
        tokio::task::spawn_blocking(move || picker())
            .await
            .map_err(|err| Error::internal(format!("The file dialog failed: {err}.")))?
    }

    /// The same shell, asking for files to attach with `picker`.
    pub fn with_attachment_picker(mut self, picker: FilePicker) -> Shell {
        self.attachment_picker = Some(picker);
        self
    }

    /// Asks the person for files to attach; the paths chosen, none when they cancel.
    pub async fn choose_attachment_files(&self) -> Result<Vec<PathBuf>> {
        let picker = self.attachment_picker.clone().ok_or_else(|| {
            Error::new(
                ErrorKind::NotConfigured,
                "There is no file dialog to choose files to attach with.",
            )
        })?;
        tokio::task::spawn_blocking(move || picker())
            .await
            .map_err(|err| Error::internal(format!("The file dialog failed: {err}.")))?
    }

    /// Whether the person chose `path` in the file dialog.
    pub fn was_picked(&self, path: &std::path::Path) -> bool {
        self.picked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(path)
    }

    /// The same shell, opening the save dialog in `dir` (the user's Downloads folder, else the
    /// home folder; `None` when there is neither).
    pub fn with_downloads(mut self, dir: Option<PathBuf>) -> Shell {
        self.downloads = dir;
        self
    }

    /// Where the save dialog opens: `SWITCHBOARD_EXPORT_DIR` when set (for tests), else the
    /// folder given to [`with_downloads`](Self::with_downloads).
    pub fn export_dir(&self) -> Result<PathBuf> {
        if let Some(dir) = std::env::var_os(EXPORT_DIR_ENV).filter(|dir| !dir.is_empty()) {
            return Ok(PathBuf::from(dir));
        }
        self.downloads.clone().ok_or_else(|| {
            Error::storage("There is no Downloads or home folder to save the file in.")
        })
    }

    /// Asks the app to quit.
    pub fn quit(&self) {
        (self.notify)(Notice::Quit);
    }

    /// The core.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    fn lock(&self) -> MutexGuard<'_, ConnectionChanged> {
        self.connection
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The active connection.
    pub fn connection(&self) -> ConnectionChanged {
        self.lock().clone()
    }

    fn set_connection(&self, connection: ConnectionChanged) {
        *self.lock() = connection.clone();
        (self.notify)(Notice::Connection(connection));
    }

    /// Tells the app that profiles changed.
    pub async fn profiles_changed(&self) {
        (self.notify)(Notice::ProfilesChanged);
        // The active profile may have been renamed or removed.
        let current = self.connection();
        if let Some(id) = current.profile_id.clone() {
            match self.engine.profile(&id).await {
                Ok(profile)
                    if Some(&profile.name) != current.profile_name.as_ref()
                        || (profile.model.is_some() && profile.model != current.model) =>
                {
                    let model = profile.model.clone().or(current.model.clone());
                    let message = match (current.state, &model) {
                        (ConnectionState::Connected, Some(model)) => {
                            format!("Connected to {} · {model}", profile.name)
                        }
                        _ => current.message.clone(),
                    };
                    self.set_connection(ConnectionChanged {
                        profile_name: Some(profile.name),
                        model,
                        message,
                        ..current
                    });
                }
                Ok(_) => {}
                Err(_) => self.set_connection(ConnectionChanged::idle()),
            }
        }
    }

    /// One profile with whether its key is saved.
    pub async fn summary(&self, profile_id: &str) -> Result<ProfileSummary> {
        let profile = self.engine.profile(profile_id).await?;
        let has_key = self.engine.has_key(profile.id.as_str()).await?;
        Ok(ProfileSummary { profile, has_key })
    }

    /// Checks the profile's endpoint (unless it bypasses the check), lists its models and makes
    /// it the active connection. The status light shows each step.
    pub async fn connect(&self, profile_id: &str) -> Result<ConnectResult> {
        let profile = self.engine.profile(profile_id).await?;
        let name = profile.name.clone();
        let id = profile.id.0.clone();
        self.set_connection(ConnectionChanged {
            profile_id: Some(id.clone()),
            profile_name: Some(name.clone()),
            state: ConnectionState::Checking,
            model: profile.model.clone(),
            message: format!("Checking {name}…"),
        });
        match self.check(&profile.id.0).await {
            Ok((result, model)) => {
                let message = match &model {
                    Some(model) => format!("Connected to {name} · {model}"),
                    None => format!("Connected to {name}. Choose a model."),
                };
                self.set_connection(ConnectionChanged {
                    profile_id: Some(id),
                    profile_name: Some(name),
                    state: ConnectionState::Connected,
                    model,
                    message,
                });
                Ok(result)
            }
            Err(error) => {
                if error.kind != ErrorKind::Cancelled {
                    self.set_connection(ConnectionChanged {
                        profile_id: Some(id),
                        profile_name: Some(name),
                        state: ConnectionState::Failed,
                        model: profile.model,
                        message: error.message.clone(),
                    });
                }
                Err(error)
            }
        }
    }

    /// The core's connection check, with the profile as saved after it.
    async fn check(&self, profile_id: &str) -> Result<(ConnectResult, Option<String>)> {
        let check = self.engine.check_connection(profile_id).await?;
        let profile = self.summary(profile_id).await?;
        let result = ConnectResult {
            profile,
            status: check.status,
            models: check.models,
        };
        Ok((result, check.model))
    }

    /// The models the profile's endpoint lists.
    pub async fn models(&self, profile_id: &str) -> Result<Vec<ModelInfo>> {
        self.engine
            .models(&ConnectionSpec::Profile(profile_id.to_string()))
            .await
    }

    /// Sends a short test message.
    pub async fn test_message(
        &self,
        profile_id: &str,
        model: Option<String>,
    ) -> Result<TestReport> {
        self.engine
            .test_message(&ConnectionSpec::Profile(profile_id.to_string()), model)
            .await
    }

    /// Stops every running generation as "interrupted" and waits (at most `limit`) until their
    /// text is saved. Called when the app exits.
    pub async fn shutdown(&self, limit: Duration) {
        let generations = self.engine.generations();
        for id in generations.running() {
            generations.cancel(&id, CancelReason::Shutdown);
        }
        let deadline = Instant::now() + limit;
        while !generations.running().is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// An error for input the shell rejects before it reaches the core.
pub fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidRequest, message)
}
