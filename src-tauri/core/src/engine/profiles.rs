//! Profiles and their API keys: adding (URL normalised, credentials of the URL and the proxy
//! moved to the keychain),
//! duplicating, updating, finding, listing, removing, and saving or clearing the key.
//!
//! Must not: return or log a key; save a profile that fails the checks in `limits.rs`;
//! leave a keychain entry behind a removed profile.

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use super::checks::key_problem;
use super::connections::normalize;
use super::limits::check_profile;
use super::Engine;
use crate::error::{Error, Result};
use crate::store::{Profile, Store};

/// A profile as listed for people: never the key, only whether one is saved.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ProfileSummary {
    /// The profile.
    #[serde(flatten)]
    pub profile: Profile,
    /// Whether a key is saved in the keychain.
    pub has_key: bool,
}

impl Engine {
    /// normalisation changed.
    pub async fn add_profile(&self, mut profile: Profile) -> Result<(Profile, Vec<String>)> {
        check_profile(&profile)?;
        profile.name = profile.name.trim().to_string();
        let credentials = Engine::split_url_credentials(&mut profile);
        let proxy_credentials = Engine::split_proxy_credentials(&mut profile)?;
        let normal = normalize(profile.source, &profile.url)?;
        profile.url = normal.url;
        self.free_deleted_name(&profile.name).await?;
        let saved = profile.clone();
        self.blocking(move |store| store.insert_profile(&saved))
            .await?;
        let saved_secrets = match self.save_url_credentials(&profile, credentials, None).await {
            Ok(()) => {
                self.save_proxy_credentials(&profile, proxy_credentials, None)
                    .await
            }
            Err(err) => Err(err),
        };
        if let Err(err) = saved_secrets {
            let id = profile.id.clone();
            let _ = self.blocking(move |store| store.delete_profile(&id)).await;
            return Err(err);
        }
        Ok((profile, normal.changes))
    }

    /// A copy of a profile (its key too) named "NAME copy" (or "NAME copy 2", …).
    pub async fn duplicate_profile(&self, name_or_id: &str) -> Result<Profile> {
        let original = self.profile(name_or_id).await?;
        let taken: Vec<String> = self
            .profiles()
            .await?
            .into_iter()
            .map(|p| p.profile.name.to_lowercase())
            .collect();
        let base = format!("{} copy", original.name);
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name.to_lowercase()) {
            name = format!("{base} {n}");
            n += 1;
        }
        let mut copy = Profile::new(name, original.source, original.url.clone());
        let (id, created, updated) = (copy.id.clone(), copy.created_at, copy.updated_at);
        copy = Profile {
            id,
            name: copy.name,
            created_at: created,
            updated_at: updated,
            ..original.clone()
        };
        let (copy, _) = self.add_profile(copy).await?;
        let original_id = original.id.clone();
        if self
            .blocking(move |store| store.key_saved(&original_id))
            .await?
        {
            if let Some(key) = self.secrets.get(&original.id).await? {
                self.set_key(copy.id.as_str(), key).await?;
            }
        }
        self.copy_extras(&original.id, &copy.id).await?;
        Ok(copy)
    }
    /// Saves changes to a profile (the URL is normalised again).
    pub async fn update_profile(&self, mut profile: Profile) -> Result<Profile> {
        check_profile(&profile)?;
        profile.name = profile.name.trim().to_string();
        let credentials = Engine::split_url_credentials(&mut profile);
        let proxy_credentials = Engine::split_proxy_credentials(&mut profile)?;
        profile.url = normalize(profile.source, &profile.url)?.url;
        let previous = self.profile(profile.id.as_str()).await?;
        self.free_deleted_name(&profile.name).await?;
        self.save_url_credentials(&profile, credentials, Some(&previous.url))
            .await?;
        self.save_proxy_credentials(
            &profile,
            proxy_credentials,
            Some(&previous.options.network.proxy),
        )
        .await?;
        let saved = profile.clone();
        self.blocking(move |store| store.update_profile(&saved))
            .await?;
        Ok(profile)
    }

    /// The profile with this name or id.
    pub async fn profile(&self, name_or_id: &str) -> Result<Profile> {
        let key = name_or_id.to_string();
        self.blocking(move |store| store.find_profile(&key))
            .await?
            .ok_or_else(|| {
                let name = crate::error::quoted(name_or_id);
                Error::not_configured(format!("There is no profile named \"{name}\"."))
                    .with_reason(crate::error::ErrorReason::NoProfile { name })
            })
    }

    /// All profiles with whether each has a key (from the store's flag: no keychain round trip).
    pub async fn profiles(&self) -> Result<Vec<ProfileSummary>> {
        let profiles = self.blocking(Store::profiles_with_key_flags).await?;
        Ok(profiles
            .into_iter()
            .map(|(profile, has_key)| ProfileSummary { profile, has_key })
            .collect())
    }

    /// Whether a key is saved for the profile.
    pub async fn has_key(&self, name_or_id: &str) -> Result<bool> {
        let profile = self.profile(name_or_id).await?;
        self.blocking(move |store| store.key_saved(&profile.id))
            .await
    }

    /// Deletes a profile for good with every keychain entry it has (key, header values, URL
    /// credentials). Deleting with undo is [`delete_profile`](Self::delete_profile).
    pub async fn remove_profile(&self, name_or_id: &str) -> Result<Profile> {
        let profile = self.profile(name_or_id).await?;
        let id = profile.id.clone();
        let has_secrets = self
            .blocking(move |store| Ok(store.key_saved(&id)? || store.extras_saved(&id)?))
            .await?;
        match self.secrets.delete_profile(&profile.id).await {
            Ok(()) => {}
            // A profile that never had a secret can go without a keychain.
            Err(_) if !has_secrets => {}
            Err(err) => return Err(err),
        }
        let id = profile.id.clone();
        self.blocking(move |store| store.delete_profile(&id))
            .await?;
        Ok(profile)
    }

    /// Saves the API key of a profile in the keychain.
    pub async fn set_key(&self, name_or_id: &str, key: SecretString) -> Result<Profile> {
        // Taken as it is, not trimmed: the front ends trim what people type (`api_key`).
        if let Some(problem) = key_problem(key.expose_secret()) {
            return Err(problem.into());
        }
        let profile = self.profile(name_or_id).await?;
        self.check_key_fits(&profile).await?;
        self.secrets.set(&profile.id, key).await?;
        let id = profile.id.clone();
        self.blocking(move |store| store.set_key_saved(&id, true))
            .await?;
        Ok(profile)
    }

    /// Uses `key` for a profile until the app quits, without saving it anywhere (for when the
    /// keychain cannot be used). A key saved later, or clearing the key, replaces it.
    pub async fn use_session_key(&self, name_or_id: &str, key: SecretString) -> Result<Profile> {
        if let Some(problem) = key_problem(key.expose_secret()) {
            return Err(problem.into());
        }
        let profile = self.profile(name_or_id).await?;
        self.secrets.set_session_key(&profile.id, key);
        Ok(profile)
    }

    /// Whether a profile's key is one used for this session only.
    pub fn has_session_key(&self, profile: &crate::model::ProfileId) -> bool {
        self.secrets.session_key(profile).is_some()
    }

    /// Removes the API key of a profile: from the keychain, and the one used for this session.
    pub async fn clear_key(&self, name_or_id: &str) -> Result<Profile> {
        let profile = self.profile(name_or_id).await?;
        let id = profile.id.clone();
        let saved = self.blocking(move |store| store.key_saved(&id)).await?;
        let session_only = !saved && self.has_session_key(&profile.id);
        match self.secrets.delete(&profile.id).await {
            Ok(()) => {}
            // A key used for this session only goes without a keychain.
            Err(_) if session_only => {}
            Err(err) => return Err(err),
        }
        let id = profile.id.clone();
        self.blocking(move |store| store.set_key_saved(&id, false))
            .await?;
        Ok(profile)
    }
}
