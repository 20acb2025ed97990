//! The app's own settings (not a profile's), kept as one JSON row in the `settings` table.
//!
//! Must not hold a key or any secret. Imports no adapter or transfer type.

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use super::{from_json, to_json, Store};
use crate::error::Result;

/// The app's settings, kept with the data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct AppSettings {
    /// Connect to the profile used last when the app starts.
    pub auto_connect: bool,
    /// The profile new chats start with (the one the person last chose to use); `None` until
    /// one was chosen. Opening an old chat never changes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_profile: Option<String>,
    /// The window's colours: the system's, or always light or dark.
    pub theme: Theme,
}

/// The window's colours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Light or dark as the system prefers.
    #[default]
    System,
    Light,
    Dark,
}

impl Default for AppSettings {
    fn default() -> Self {
        AppSettings {
            auto_connect: true,
            default_profile: None,
            theme: Theme::System,
        }
    }
}

impl Store {
    /// The app's settings (defaults for what was never set).
    pub fn settings(&self) -> Result<AppSettings> {
        let value: Option<String> = self
            .conn()
            .query_row("SELECT value FROM settings WHERE key = 'app'", [], |r| {
                r.get(0)
            })
            .optional()?;
        match value {
            Some(text) => from_json(&text),
            None => Ok(AppSettings::default()),
        }
    }

    /// The loopback ports auto-detect probes besides the usual ones (added by the person; kept
    /// in a row of their own, so that saving the window's settings never drops them).
    pub fn detect_ports(&self) -> Result<Vec<u16>> {
        let value: Option<String> = self
            .conn()
            .query_row(
                "SELECT value FROM settings WHERE key = 'detect_ports'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        match value {
            Some(text) => from_json(&text),
            None => Ok(Vec::new()),
        }
    }

    /// Saves the ports auto-detect probes besides the usual ones.
    pub fn save_detect_ports(&self, ports: &[u16]) -> Result<()> {
        self.conn().execute(
            "INSERT INTO settings (key, value) VALUES ('detect_ports', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [to_json(&ports)?],
        )?;
        Ok(())
    }

    /// Saves the app's settings.
    pub fn save_settings(&self, settings: &AppSettings) -> Result<()> {
        self.conn().execute(
            "INSERT INTO settings (key, value) VALUES ('app', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [to_json(settings)?],
        )?;
        Ok(())
    }
}
