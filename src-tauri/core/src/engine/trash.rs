//! Deleting with undo: profiles and messages deleted so that the window can bring them back
//! (chats are in `chats.rs`), and the purge that makes earlier deletions final — for a
//! profile, with its keychain entries.
//!
//! Must not: remove a keychain entry of a profile that can still be restored; purge while
//! another process has the data open (it may still offer an undo); wait on the keychain longer
//! than its timeout.

use std::sync::{mpsc, Arc};
use std::time::Duration;

use super::Engine;
use crate::error::Result;
use crate::model::{MessageId, ProfileId};
use crate::secrets::{SecretStore, Secrets};
use crate::store::{now_ms, Profile, Store};

impl Engine {
    /// Deletes a profile so that [`restore_profile`](Self::restore_profile) can bring it back
    /// with its key: its keychain entries stay until it is purged (when the data is next opened
    /// by the only process using it). Its chats keep their link, which leads nowhere meanwhile.
    pub async fn delete_profile(&self, name_or_id: &str) -> Result<Profile> {
        let profile = self.profile(name_or_id).await?;
        let id = profile.id.clone();
        self.blocking(move |store| store.trash_profile(&id)).await?;
        Ok(profile)
    }

    /// Brings back a deleted profile (its key too). `false` when there was none to bring back.
    pub async fn restore_profile(&self, id: &ProfileId) -> Result<bool> {
        let id = id.clone();
        self.blocking(move |store| store.restore_profile(&id)).await
    }

    /// Brings back a deleted message at its place, with all its versions. `false` when there
    /// was none to bring back.
    pub async fn restore_message(&self, id: &MessageId) -> Result<bool> {
        let id = id.clone();
        self.blocking(move |store| store.restore_message(&id)).await
    }

    /// Purges for good the deleted profile holding `name`, if any, so that a new or renamed
    /// profile can take the name; its keychain entries go first.
    pub(super) async fn free_deleted_name(&self, name: &str) -> Result<()> {
        let key = name.to_string();
        let Some((id, has_secrets)) = self
            .blocking(move |store| store.deleted_profile_named(&key))
            .await?
        else {
            return Ok(());
        };
        if has_secrets {
            self.secrets.delete_profile(&id).await?;
        }
        self.blocking(move |store| store.purge_profile(&id)).await?;
        Ok(())
    }
}

/// Removes for good the profiles deleted before this store was opened, with their keychain
/// entries, when no other process has the data open. A profile whose entries the keychain does
/// not remove within `timeout` stays deleted (not restorable from the window, which has gone)
/// and is tried again at the next opening. Returns how many were purged.
pub(super) fn purge_deleted_profiles(
    store: &Store,
    keychain: &Arc<dyn SecretStore>,
    timeout: Duration,
) -> Result<usize> {
    if !store.opened_alone() {
        return Ok(0);
    }
    let mut purged = 0;
    for (id, has_secrets) in store.purgeable_profiles(now_ms())? {
        if has_secrets {
            if let Err(problem) = delete_entries(keychain, &id, timeout) {
                tracing::warn!(
                    "A deleted profile's keychain entries could not be removed yet: {problem}"
                );
                continue;
            }
        }
        if store.purge_profile(&id)? {
            purged += 1;
        }
    }
    Ok(purged)
}

/// Removes every keychain entry of `profile`, waiting at most `timeout`.
fn delete_entries(
    keychain: &Arc<dyn SecretStore>,
    profile: &ProfileId,
    timeout: Duration,
) -> std::result::Result<(), String> {
    let (sender, receiver) = mpsc::channel();
    let keychain = Arc::clone(keychain);
    let accounts = Secrets::accounts_of(profile);
    std::thread::spawn(move || {
        let result = accounts
            .iter()
            .try_for_each(|account| keychain.delete(account));
        let _ = sender.send(result);
    });
    match receiver.recv_timeout(timeout) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err)) => Err(err.message),
        Err(_) => Err(format!(
            "the keychain did not answer within {} s",
            timeout.as_secs()
        )),
    }
}
