//! API keys in the operating system's keychain, and nowhere else.
//!
//! [`KeyringStore`] uses the `keyring` crate with the platform store chosen explicitly: the
//! Secret Service (GNOME Keyring, KWallet) on Linux and the BSDs, the Keychain on macOS, the
//! Credential Manager on Windows. There is no plain-text fallback: without a keychain every call
//! fails with [`ErrorKind::SecretStore`] and a message that says how to fix it.
//!
//! Keychain calls can block (a locked keyring may wait for a person to unlock it), so
//! [`Secrets`] runs them on a blocking thread with a timeout. Keys are [`SecretString`]s and go
//! only to the engine, which hands them to the provider it builds; they are never logged.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, ErrorKind, Result};
use crate::model::ProfileId;

/// The keychain "service" all of Switchboard's entries are filed under.
pub const SERVICE: &str = "switchboard";

/// A place to keep secrets. Blocking; use it through [`Secrets`].
pub trait SecretStore: Send + Sync {
    /// The secret stored under `account`, if any.
    fn get(&self, account: &str) -> Result<Option<SecretString>>;
    /// Stores `secret` under `account`, replacing any previous one.
    fn set(&self, account: &str, secret: &SecretString) -> Result<()>;
    /// Removes the secret under `account`; succeeds when there was none.
    fn delete(&self, account: &str) -> Result<()>;
}

/// The operating system's keychain.
#[derive(Debug, Clone)]
pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    /// The keychain, with the platform's secure store selected explicitly.
    pub fn new() -> KeyringStore {
        #[cfg(all(unix, not(target_os = "macos")))]
        keyring::set_default_credential_builder(
            keyring::secret_service::default_credential_builder(),
        );
        #[cfg(target_os = "macos")]
        keyring::set_default_credential_builder(keyring::macos::default_credential_builder());
        #[cfg(target_os = "windows")]
        keyring::set_default_credential_builder(keyring::windows::default_credential_builder());
        KeyringStore {
            service: SERVICE.to_string(),
        }
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, account).map_err(map_keyring_error)
    }
}

impl Default for KeyringStore {
    fn default() -> Self {
        KeyringStore::new()
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, account: &str) -> Result<Option<SecretString>> {
        match self.entry(account)?.get_password() {
            Ok(secret) => Ok(Some(SecretString::from(secret))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(map_keyring_error(err)),
        }
    }

    fn set(&self, account: &str, secret: &SecretString) -> Result<()> {
        self.entry(account)?
            .set_password(secret.expose_secret())
            .map_err(map_keyring_error)
    }

    fn delete(&self, account: &str) -> Result<()> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(map_keyring_error(err)),
        }
    }
}

/// How to get a keychain on this platform, for error messages.
const FIX: &str = "Switchboard keeps API keys only in the system keychain. Install and unlock a Secret Service provider (GNOME Keyring or KWallet) in your desktop session, then try again.";

fn map_keyring_error(err: keyring::Error) -> Error {
    let text = err.to_string();
    let message = match &err {
        keyring::Error::PlatformFailure(_) | keyring::Error::NoStorageAccess(_) => {
            if text.to_ascii_lowercase().contains("locked") {
                "The system keychain is locked. Unlock it (for example by logging in to your desktop session) and try again.".to_string()
            } else {
                format!("The system keychain is not available. {FIX}")
            }
        }
        _ => format!("The system keychain refused the request ({text})."),
    };
    Error::new(ErrorKind::SecretStore, message).with_detail(text)
}

/// An in-memory store for unit tests and throwaway sessions. Never used by the app or the CLI.
#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, String>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, account: &str) -> Result<Option<SecretString>> {
        Ok(self
            .entries()
            .get(account)
            .map(|secret| SecretString::from(secret.clone())))
    }

    fn set(&self, account: &str, secret: &SecretString) -> Result<()> {
        self.entries()
            .insert(account.to_string(), secret.expose_secret().to_string());
        Ok(())
    }

    fn delete(&self, account: &str) -> Result<()> {
        self.entries().remove(account);
        Ok(())
    }
}

/// Async access to a [`SecretStore`]: calls run on a blocking thread and give up after a timeout.
#[derive(Clone)]
pub struct Secrets {
    store: Arc<dyn SecretStore>,
    timeout: Duration,
}

impl Secrets {
    /// Wraps `store`; each call waits at most `timeout`.
    pub fn new(store: Arc<dyn SecretStore>, timeout: Duration) -> Secrets {
        Secrets { store, timeout }
    }

    /// The keychain account name of a profile's API key.
    pub fn account(profile: &ProfileId) -> String {
        format!("profile:{profile}:api-key")
    }

    /// The API key saved for `profile`, if any.
    pub async fn get(&self, profile: &ProfileId) -> Result<Option<SecretString>> {
        let account = Self::account(profile);
        self.run(move |store| store.get(&account)).await
    }

    /// Saves the API key of `profile`.
    pub async fn set(&self, profile: &ProfileId, key: SecretString) -> Result<()> {
        let account = Self::account(profile);
        self.run(move |store| store.set(&account, &key)).await
    }

    /// Removes the API key of `profile`.
    pub async fn delete(&self, profile: &ProfileId) -> Result<()> {
        let account = Self::account(profile);
        self.run(move |store| store.delete(&account)).await
    }

    async fn run<T: Send + 'static>(
        &self,
        call: impl FnOnce(&dyn SecretStore) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = Arc::clone(&self.store);
        let task = tokio::task::spawn_blocking(move || call(store.as_ref()));
        match tokio::time::timeout(self.timeout, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(Error::new(
                ErrorKind::SecretStore,
                format!("The keychain call failed unexpectedly ({join})."),
            )),
            Err(_) => Err(Error::new(
                ErrorKind::SecretStore,
                format!(
                    "The system keychain did not answer within {} s. It may be waiting for you to unlock it; unlock it and try again.",
                    self.timeout.as_secs()
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Stuck;

    impl SecretStore for Stuck {
        fn get(&self, _: &str) -> Result<Option<SecretString>> {
            std::thread::sleep(Duration::from_secs(2));
            Ok(None)
        }
        fn set(&self, _: &str, _: &SecretString) -> Result<()> {
            Ok(())
        }
        fn delete(&self, _: &str) -> Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn secrets_round_trip_through_a_store() {
        let secrets = Secrets::new(Arc::new(MemoryStore::new()), Duration::from_secs(5));
        let profile = ProfileId::new();
        assert!(secrets.get(&profile).await.unwrap().is_none());
        secrets
            .set(&profile, SecretString::from("sk-test"))
            .await
            .unwrap();
        assert_eq!(
            secrets
                .get(&profile)
                .await
                .unwrap()
                .unwrap()
                .expose_secret(),
            "sk-test"
        );
        secrets.delete(&profile).await.unwrap();
        secrets.delete(&profile).await.unwrap();
        assert!(secrets.get(&profile).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_keychain_that_blocks_times_out_with_a_clear_message() {
        let secrets = Secrets::new(Arc::new(Stuck), Duration::from_millis(100));
        let err = secrets.get(&ProfileId::new()).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::SecretStore);
        assert!(err.message.contains("did not answer"), "{}", err.message);
    }

    #[test]
    fn keyring_failures_say_how_to_fix_them() {
        let err = map_keyring_error(keyring::Error::NoStorageAccess(Box::new(
            std::io::Error::other("Secret Service: no result found"),
        )));
        assert_eq!(err.kind, ErrorKind::SecretStore);
        assert!(err.message.contains("GNOME Keyring"));
        let locked = map_keyring_error(keyring::Error::PlatformFailure(Box::new(
            std::io::Error::other("Cannot create an item in a locked collection"),
        )));
        assert!(locked.message.contains("locked"));
    }
}
