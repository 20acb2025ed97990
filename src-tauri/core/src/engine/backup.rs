//! Backups: every chat and every profile (never a key) gathered into one [`Backup`], and a
//! backup brought back — its chats imported, its profiles added without keys unless a profile
//! of that name exists. Both front ends write and restore backups through these two methods,
//! so a backup made by one restores the same way in the other.
//!
//! Must not: put a key, a header value or URL credentials into a backup; overwrite or rename
//! an existing profile on restore; choose file names or print (the front ends do).

use serde::Serialize;
use serde_json::Value;

use super::Engine;
use crate::error::{Error, Result};
use crate::store::{Chat, Profile};
use crate::transfer::json::Backup;
use crate::transfer::restored_profile;

/// Why a profile of a backup was left out when it was restored.
pub const PROFILE_NAME_TAKEN: &str = "a profile with this name exists";

/// A profile of a backup that was not restored, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SkippedProfile {
    /// Its name in the backup (`(no name)` when it has none).
    pub name: String,
    /// Why it was left out, for people.
    pub reason: String,
}

/// What restoring a backup did.
#[derive(Debug, Default)]
pub struct RestoreReport {
    /// The chats saved from it, in the backup's order.
    pub chats: Vec<Chat>,
    /// The profiles added (without keys).
    pub profiles: Vec<Profile>,
    /// The profiles left out, with the reason.
    pub skipped_profiles: Vec<SkippedProfile>,
    /// Why the restore stopped before its end (a chat could not be saved); what is listed
    /// above was saved before that.
    pub stopped: Option<Error>,
}

impl Engine {
    /// Every chat (with all its versions) and every profile, never a key: what a backup file
    /// holds. Write it with [`crate::transfer::json::write_backup`].
    pub async fn backup(&self) -> Result<Backup> {
        let mut backup = Backup::default();
        for chat in self.chats().await? {
            backup.chats.push(self.archive(&chat.id).await?);
        }
        for summary in self.profiles().await? {
            let profile = serde_json::to_value(&summary.profile)
                .map_err(|err| Error::internal(format!("Could not write a profile: {err}.")))?;
            backup.profiles.push(profile);
        }
        Ok(backup)
    }

    /// Brings back a backup: each chat is imported as a new chat, then each profile whose name
    /// is free is added without a key (its headers' values were never in the file). A profile
    /// whose name is taken, or that cannot be read or saved, is listed in
    /// [`RestoreReport::skipped_profiles`]. A chat that cannot be saved stops the restore
    /// ([`RestoreReport::stopped`]); the chats before it stay.
    pub async fn restore_backup(&self, backup: Backup) -> RestoreReport {
        let mut report = RestoreReport::default();
        for archive in backup.chats {
            match self.import_archive(archive).await {
                Ok(chat) => report.chats.push(chat),
                Err(error) => {
                    report.stopped = Some(error);
                    return report;
                }
            }
        }
        for value in backup.profiles {
            let name = value
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("(no name)")
                .to_string();
            let skip = |reason: String| SkippedProfile {
                name: name.clone(),
                reason,
            };
            if self.profile(&name).await.is_ok() {
                report
                    .skipped_profiles
                    .push(skip(PROFILE_NAME_TAKEN.to_string()));
                continue;
            }
            match restored_profile(value) {
                Ok(profile) => match self.add_profile(profile).await {
                    Ok((profile, _)) => report.profiles.push(profile),
                    Err(error) => report.skipped_profiles.push(skip(error.message)),
                },
                Err(why) => report.skipped_profiles.push(skip(why)),
            }
        }
        report
    }
}
