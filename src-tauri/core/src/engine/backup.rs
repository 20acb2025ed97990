//! Backups: every chat and every profile (never a key) gathered into one [`Backup`], and a
//! backup brought back — its chats restored under their own ids, its profiles added without
//! keys unless a profile of that name exists. Both front ends write and restore backups
//! through these methods, so a backup made by one restores the same way in the other.
//!
//! A chat of a backup is recognised by its id: when it is already here (a backup restored into
//! the install that made it), it is skipped or replaced as the caller says ([`ExistingChats`]),
//! never added a second time. Replacing swaps the whole chat, in one transaction per chat, and
//! touches no other chat; it is not undoable from the window, but the day's snapshot still
//! holds the copy replaced ("Restore from a snapshot…"). A chat without a usable id (a backup
//! written before ids were kept, or edited by hand) comes in as a new chat.
//!
//! Must not: put a key, a header value or URL credentials into a backup; overwrite or rename
//! an existing profile on restore; replace a chat unless told to; choose file names or print
//! (the front ends do).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Engine;
use crate::error::{Error, Result};
use crate::model::ChatId;
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

/// What to do with a chat of a backup that is already here (the same id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum ExistingChats {
    /// Leave the chat here as it is; the backup's copy is not restored.
    #[default]
    Skip,
    /// Put the backup's copy in its place: the copy here, with every message, goes.
    Replace,
}

/// What restoring a backup did.
#[derive(Debug, Default)]
pub struct RestoreReport {
    /// The chats saved from it, in the backup's order (replaced ones included).
    pub chats: Vec<Chat>,
    /// The chats here that the backup's copies replaced (as they are now), in the backup's order.
    pub replaced: Vec<Chat>,
    /// The chats here that the backup also holds, left as they were.
    pub skipped_chats: Vec<Chat>,
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

    /// The chats here that `backup` holds too (recognised by id), in the backup's order.
    pub async fn chats_already_here(&self, backup: &Backup) -> Result<Vec<Chat>> {
        let ids: Vec<ChatId> = backup
            .chats
            .iter()
            .filter_map(|a| usable_id(a.id.as_ref()))
            .collect();
        self.blocking(move |store| store.chats_here(&ids)).await
    }

    /// Brings back a backup: each chat is restored under its id (one already here is skipped
    /// or replaced, as `existing` says; one without a usable id comes in as a new chat), then
    /// each profile whose name is free is added without a key (its headers' values were never
    /// in the file). A profile whose name is taken, or that cannot be read or saved, is listed
    /// in [`RestoreReport::skipped_profiles`]. A chat that cannot be saved stops the restore
    /// ([`RestoreReport::stopped`]); the chats before it stay.
    pub async fn restore_backup(&self, backup: Backup, existing: ExistingChats) -> RestoreReport {
        let mut report = RestoreReport::default();
        for archive in backup.chats {
            let saved = match usable_id(archive.id.as_ref()) {
                None => self.import_archive(archive).await,
                Some(id) => {
                    let here = match self.chat(&id).await {
                        Ok(here) => here,
                        Err(error) => {
                            report.stopped = Some(error);
                            return report;
                        }
                    };
                    match (here, existing) {
                        (Some(here), ExistingChats::Skip) => {
                            report.skipped_chats.push(here);
                            continue;
                        }
                        (here, _) => {
                            let replace = existing == ExistingChats::Replace;
                            let saved = self
                                .blocking(move |store| {
                                    store.restore_archive(&archive, &id, replace)
                                })
                                .await;
                            if let (Ok(_), Some(here)) = (&saved, here) {
                                report.replaced.push(here);
                            }
                            saved
                        }
                    }
                }
            };
            match saved {
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

/// The id a backup gives a chat, when it can be one: 1 to 64 ASCII letters, digits, `-` or `_`
/// (Switchboard writes UUIDs). Anything else is not trusted as an id.
fn usable_id(id: Option<&ChatId>) -> Option<ChatId> {
    id.filter(|id| {
        let id = id.as_str();
        (1..=64).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
    .cloned()
}
