//! Sources and saved profiles.

use serde::{Deserialize, Serialize};
use specta::Type;
use switchboard_core::catalogue::{ApiType, ProviderKind, SourceInfo, SOURCES};
use switchboard_core::detect::Found;
use switchboard_core::endpoint::NormalizedUrl;
use switchboard_core::engine::ProfileSummary;
use switchboard_core::options::ConnectionOptions;
use switchboard_core::prompt::instruct::{InstructSettings, InstructTemplate, TemplateKind};
use switchboard_core::store::{PostProcessing, Profile};
use switchboard_core::GenParams;
use tauri::State;

use super::IpcError;
use crate::shell::{invalid, Shell};

/// A profile as the connection panel edits it. `id: null` creates a new profile.
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProfileDraft {
    /// The profile to change; `null` for a new one.
    pub id: Option<String>,
    /// Unique name.
    pub name: String,
    /// The source.
    pub source: ProviderKind,
    /// Base URL as typed (normalised when saved).
    pub url: String,
    /// Model id; empty or `null` for none.
    pub model: Option<String>,
    /// System prompt; empty or `null` for none.
    pub system_prompt: Option<String>,
    /// Text replies start with, continued by the model (sources with `capabilities.prefill`);
    /// empty or `null` for none.
    pub prefill: Option<String>,
    /// The user message strict post-processing inserts; empty or `null` for the default.
    pub placeholder: Option<String>,
    /// Sampler settings.
    pub params: GenParams,
    /// Prompt post-processing mode.
    pub post_processing: PostProcessing,
    /// The API, for sources that serve both (`capabilities.otherApi`); `null` for the default.
    #[serde(default)]
    pub api: Option<ApiType>,
    /// Instruct template and context size (text completion).
    #[serde(default)]
    pub instruct: InstructSettings,
    /// Skip the status check when connecting.
    pub bypass_status_check: bool,
    /// Proxy, certificates and the source's choices; `null` keeps the profile's (a new
    /// profile's defaults).
    #[serde(default)]
    pub options: Option<ConnectionOptions>,
}

/// A built-in instruct template, for the template picker and as the start of an edited one.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BuiltInTemplate {
    /// Its id.
    pub kind: TemplateKind,
    /// Name shown to people.
    pub label: String,
    /// Its wrapping and stop strings.
    pub template: InstructTemplate,
}

/// A saved profile and what URL normalisation changed.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SavedProfile {
    /// The profile as saved.
    pub profile: ProfileSummary,
    /// What normalisation changed in the URL, in plain words.
    pub url_changes: Vec<String>,
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

/// Every source Switchboard knows, with its default URL and capabilities.
#[tauri::command]
#[specta::specta]
pub fn list_sources() -> Vec<SourceInfo> {
    SOURCES.to_vec()
}

/// The built-in instruct templates, in the order the picker shows them.
#[tauri::command]
#[specta::specta]
pub fn list_templates() -> Vec<BuiltInTemplate> {
    TemplateKind::ALL
        .iter()
        .map(|&kind| BuiltInTemplate {
            kind,
            label: kind.label().to_string(),
            template: kind.template(),
        })
        .collect()
}

/// Local LLM servers answering on this machine's usual ports and those the person added, each
/// with a ready profile name; `add_port` is probed too, and remembered for later searches.
#[tauri::command]
#[specta::specta]
pub async fn detect_servers(
    shell: State<'_, Shell>,
    add_port: Option<u16>,
) -> Result<Vec<Found>, IpcError> {
    shell.detect_servers(add_port).await
}

/// The saved profiles, by name, each with whether its key is saved (never the key).
#[tauri::command]
#[specta::specta]
pub async fn list_profiles(shell: State<'_, Shell>) -> Result<Vec<ProfileSummary>, IpcError> {
    shell.engine().profiles().await
}

/// How a URL will be saved for a source: the normalised URL and what changed.
#[tauri::command]
#[specta::specta]
pub fn preview_url(source: ProviderKind, url: String) -> Result<NormalizedUrl, IpcError> {
    source.normalize_url(&url).map_err(invalid)
}

/// Creates (`id: null`) or updates a profile.
#[tauri::command]
#[specta::specta]
pub async fn save_profile(
    shell: State<'_, Shell>,
    draft: ProfileDraft,
) -> Result<SavedProfile, IpcError> {
    shell.save_profile(draft).await
}

/// Copies a profile, its key too, under the name "NAME copy" (or "NAME copy 2", …); returns
/// the copy.
#[tauri::command]
#[specta::specta]
pub async fn duplicate_profile(
    shell: State<'_, Shell>,
    profile_id: String,
) -> Result<ProfileSummary, IpcError> {
    shell.duplicate_profile(&profile_id).await
}

/// Deletes a profile; `restore_profile` brings it back with its key until the data is next
/// opened alone (its keychain entries go then). Its chats stay.
#[tauri::command]
#[specta::specta]
pub async fn delete_profile(shell: State<'_, Shell>, profile_id: String) -> Result<(), IpcError> {
    shell.delete_profile(&profile_id).await
}

/// Brings back a deleted profile with its key. False when there was none to bring back.
#[tauri::command]
#[specta::specta]
pub async fn restore_profile(
    shell: State<'_, Shell>,
    profile_id: String,
) -> Result<bool, IpcError> {
    shell.restore_profile(&profile_id).await
}

impl Shell {
    /// Creates (`id: null`) or updates a profile.
    pub async fn save_profile(&self, draft: ProfileDraft) -> Result<SavedProfile, IpcError> {
        let engine = self.engine();
        let name = draft.name.trim().to_string();
        if name.is_empty() {
            return Err(invalid("Give the profile a name."));
        }
        if let Ok(same_name) = engine.profile(&name).await {
            if draft.id.as_deref() != Some(same_name.id.as_str()) {
                return Err(invalid(format!(
                    "A profile named \"{}\" already exists. Choose another name.",
                    switchboard_core::error::quoted(&name)
                )));
            }
        }
        let (saved, url_changes) = match draft.id.as_deref() {
            None => {
                let mut profile = Profile::new(name, draft.source, draft.url);
                profile.model = non_empty(draft.model);
                profile.system_prompt = non_empty(draft.system_prompt);
                profile.prefill = draft.prefill.clone().filter(|p| !p.trim().is_empty());
                profile.placeholder = non_empty(draft.placeholder.clone());
                profile.params = draft.params;
                profile.post_processing = draft.post_processing;
                profile.api = draft.api;
                profile.instruct = draft.instruct;
                profile.bypass_status_check = draft.bypass_status_check;
                profile.options = draft.options.unwrap_or_default();
                engine.add_profile(profile).await?
            }
            Some(id) => {
                let mut profile = engine.profile(id).await?;
                let changes = draft
                    .source
                    .normalize_url(&draft.url)
                    .map_err(invalid)?
                    .changes;
                profile.name = name;
                profile.source = draft.source;
                profile.url = draft.url;
                profile.model = non_empty(draft.model);
                profile.system_prompt = non_empty(draft.system_prompt);
                profile.prefill = draft.prefill.clone().filter(|p| !p.trim().is_empty());
                profile.placeholder = non_empty(draft.placeholder.clone());
                profile.params = draft.params;
                profile.post_processing = draft.post_processing;
                profile.api = draft.api;
                profile.instruct = draft.instruct;
                profile.bypass_status_check = draft.bypass_status_check;
                if let Some(options) = draft.options {
                    profile.options = options;
                }
                (engine.update_profile(profile).await?, changes)
            }
        };
        let profile = self.summary(saved.id.as_str()).await?;
        self.profiles_changed().await;
        Ok(SavedProfile {
            profile,
            url_changes,
        })
    }

    /// Probes the usual local ports (or those in `SWITCHBOARD_DETECT_PORTS`, comma-separated,
    /// for tests and unusual setups) and the ports the person added (`add_port` first
    /// remembered).
    pub async fn detect_servers(&self, add_port: Option<u16>) -> Result<Vec<Found>, IpcError> {
        if let Some(port) = add_port {
            self.engine().add_detect_port(port).await?;
        }
        let ports = std::env::var("SWITCHBOARD_DETECT_PORTS").ok().map(|list| {
            list.split(',')
                .filter_map(|p| p.trim().parse::<u16>().ok())
                .collect::<Vec<_>>()
        });
        Ok(self.engine().detect(ports).await)
    }

    /// Copies a profile with its key; the tray and the window hear that profiles changed.
    pub async fn duplicate_profile(&self, profile_id: &str) -> Result<ProfileSummary, IpcError> {
        let copy = self.engine().duplicate_profile(profile_id).await?;
        let summary = self.summary(copy.id.as_str()).await?;
        self.profiles_changed().await;
        Ok(summary)
    }

    /// Deletes a profile (undoable: its key stays until it is purged); its chats stay.
    pub async fn delete_profile(&self, profile_id: &str) -> Result<(), IpcError> {
        self.engine().delete_profile(profile_id).await?;
        self.profiles_changed().await;
        Ok(())
    }

    /// Brings back a deleted profile; the tray and the window hear that profiles changed.
    pub async fn restore_profile(&self, profile_id: &str) -> Result<bool, IpcError> {
        let restored = self
            .engine()
            .restore_profile(&switchboard_core::ProfileId(profile_id.to_string()))
            .await?;
        if restored {
            self.profiles_changed().await;
        }
        Ok(restored)
    }
}
