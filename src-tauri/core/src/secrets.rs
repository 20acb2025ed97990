//! API keys in the operating system's keychain, and nowhere else.
//!
//! [`KeyringStore`] uses the `keyring` crate with the platform store chosen explicitly: the
//! Secret Service (GNOME Keyring, KWallet) on Linux and the BSDs, the Keychain on macOS, the
//! Credential Manager on Windows. There is no plain-text fallback: without a keychain every call
//! fails with [`ErrorKind::SecretStore`] and a message that says how to fix it.
//!
//! Keychain calls can block (a locked keyring may wait for a person to unlock it), so
//! [`Secrets`] runs them on a blocking thread with a timeout; after a timeout it calls the
//! keychain unavailable and fails at once until the call that timed out comes back successful.
//! Keys are [`SecretString`]s and go only to the engine, which hands them to the provider it
//! builds; they are never logged.
//!
//! Without a keychain a person can still use a key for the session: [`Secrets`] keeps such
//! keys in memory only (never written, gone when the process ends).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, ErrorKind, ErrorReason, KeychainProblem, Result};
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
    /// The accounts of every entry this store holds for Switchboard, where the store can list
    /// them (the Secret Service can); `None` where it cannot.
    fn accounts(&self) -> Result<Option<Vec<String>>> {
        Ok(None)
    }
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
    #[cfg(all(unix, not(target_os = "macos")))]
    fn accounts(&self) -> Result<Option<Vec<String>>> {
        use dbus_secret_service::{EncryptionType, SecretService};
        let fail = |err: dbus_secret_service::Error| {
            map_keyring_error(keyring::Error::PlatformFailure(Box::new(err)))
        };
        let service = SecretService::connect(EncryptionType::Plain).map_err(fail)?;
        let found = service
            .search_items(std::collections::HashMap::from([(
                "service",
                self.service.as_str(),
            )]))
            .map_err(fail)?;
        let mut accounts = Vec::new();
        for item in found.unlocked.iter().chain(found.locked.iter()) {
            if let Some(user) = item.get_attributes().map_err(fail)?.remove("username") {
                accounts.push(user);
            }
        }
        accounts.sort();
        accounts.dedup();
        Ok(Some(accounts))
    }

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
    let (message, problem) = match &err {
        keyring::Error::PlatformFailure(_) | keyring::Error::NoStorageAccess(_) => {
            if text.to_ascii_lowercase().contains("locked") {
                ("The system keychain is locked. Unlock it (for example by logging in to your desktop session) and try again.".to_string(), KeychainProblem::Locked)
            } else {
                (
                    format!("The system keychain is not available. {FIX}"),
                    KeychainProblem::Missing,
                )
            }
        }
        _ => (
            format!("The system keychain refused the request ({text})."),
            KeychainProblem::Refused,
        ),
    };
    Error::new(ErrorKind::SecretStore, message)
        .with_detail(text)
        .with_reason(ErrorReason::KeychainUnavailable { problem })
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
    fn accounts(&self) -> Result<Option<Vec<String>>> {
        let mut accounts: Vec<String> = self.entries().keys().cloned().collect();
        accounts.sort();
        Ok(Some(accounts))
    }

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

/// A profile's secrets besides its API key: the values of its extra request headers and the
/// credentials of its URL (`user:password`, sent as `Authorization: Basic`) and of its proxy
/// (`user:password`, sent as `Proxy-Authorization: Basic`). Kept in the keychain
/// as one JSON entry; the store keeps only the header names.
#[derive(Clone, Default)]
pub struct ProfileExtras {
    /// Header name and value, in the order they are sent.
    pub headers: Vec<(String, SecretString)>,
    /// `user:password` from the profile's URL.
    pub url_credentials: Option<SecretString>,
    /// `user:password` from the profile's proxy URL.
    pub proxy_credentials: Option<SecretString>,
}

impl std::fmt::Debug for ProfileExtras {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("ProfileExtras")
            .field("headers", &names)
            .field("url_credentials", &self.url_credentials.is_some())
            .field("proxy_credentials", &self.proxy_credentials.is_some())
            .finish()
    }
}

impl ProfileExtras {
    /// Whether there is nothing to keep.
    pub fn is_empty(&self) -> bool {
        self.headers.is_empty()
            && self.url_credentials.is_none()
            && self.proxy_credentials.is_none()
    }

    /// The keychain entry's text.
    pub(crate) fn to_json(&self) -> SecretString {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.expose_secret()))
            .collect();
        let value = serde_json::json!({
            "headers": headers,
            "urlCredentials": self.url_credentials.as_ref().map(|c| c.expose_secret()),
            "proxyCredentials": self.proxy_credentials.as_ref().map(|c| c.expose_secret()),
        });
        SecretString::from(value.to_string())
    }

    fn from_json(text: &str) -> Result<ProfileExtras> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Saved {
            #[serde(default)]
            headers: Vec<(String, String)>,
            #[serde(default)]
            url_credentials: Option<String>,
            #[serde(default)]
            proxy_credentials: Option<String>,
        }
        let saved: Saved = serde_json::from_str(text).map_err(|_| {
            Error::new(
                ErrorKind::SecretStore,
                "The keychain entry with this profile's header values is not in Switchboard's format; save the headers again.",
            )
        })?;
        Ok(ProfileExtras {
            headers: saved
                .headers
                .into_iter()
                .map(|(name, value)| (name, SecretString::from(value)))
                .collect(),
            url_credentials: saved.url_credentials.map(SecretString::from),
            proxy_credentials: saved.proxy_credentials.map(SecretString::from),
        })
    }
}

/// Async access to a [`SecretStore`]: calls run on a blocking thread and give up after a timeout.
/// Also holds the keys used for this session only.
#[derive(Clone)]
pub struct Secrets {
    store: Arc<dyn SecretStore>,
    timeout: Duration,
    /// Set when a call timed out; cleared when a call (that one included) succeeds.
    unavailable: Arc<AtomicBool>,
    /// Keys used for this session only, by profile: in memory, never written.
    session: Arc<Mutex<HashMap<ProfileId, SecretString>>>,
}

impl Secrets {
    /// Wraps `store`; each call waits at most `timeout`.
    pub fn new(store: Arc<dyn SecretStore>, timeout: Duration) -> Secrets {
        Secrets {
            store,
            timeout,
            unavailable: Arc::new(AtomicBool::new(false)),
            session: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn session(&self) -> std::sync::MutexGuard<'_, HashMap<ProfileId, SecretString>> {
        self.session
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The key used for `profile` for this session only, if any.
    pub fn session_key(&self, profile: &ProfileId) -> Option<SecretString> {
        self.session().get(profile).cloned()
    }

    /// Uses `key` for `profile` until the process ends, without writing it anywhere.
    pub fn set_session_key(&self, profile: &ProfileId, key: SecretString) {
        self.session().insert(profile.clone(), key);
    }

    /// Forgets the session key of `profile` (when a key is saved or cleared, or the profile goes).
    pub fn forget_session_key(&self, profile: &ProfileId) {
        self.session().remove(profile);
    }

    /// The keychain account name of a profile's API key.
    pub fn account(profile: &ProfileId) -> String {
        format!("profile:{profile}:api-key")
    }

    /// The keychain account name of a profile's other secrets ([`ProfileExtras`]).
    pub fn extras_account(profile: &ProfileId) -> String {
        format!("profile:{profile}:extras")
    }

    /// Every keychain account a profile may have.
    pub fn accounts_of(profile: &ProfileId) -> [String; 2] {
        [Self::account(profile), Self::extras_account(profile)]
    }

    /// The header values and URL credentials saved for `profile`.
    pub async fn extras(&self, profile: &ProfileId) -> Result<ProfileExtras> {
        let account = Self::extras_account(profile);
        let saved = self.run(move |store| store.get(&account)).await?;
        match saved {
            None => Ok(ProfileExtras::default()),
            Some(json) => ProfileExtras::from_json(json.expose_secret()),
        }
    }

    /// Saves the header values and URL credentials of `profile` (removes the entry when there
    /// are none).
    pub async fn set_extras(&self, profile: &ProfileId, extras: ProfileExtras) -> Result<()> {
        let account = Self::extras_account(profile);
        if extras.is_empty() {
            return self.run(move |store| store.delete(&account)).await;
        }
        let json = extras.to_json();
        self.run(move |store| store.set(&account, &json)).await
    }

    /// Removes every keychain entry of `profile`.
    pub async fn delete_profile(&self, profile: &ProfileId) -> Result<()> {
        self.forget_session_key(profile);
        let accounts = Self::accounts_of(profile);
        self.run(move |store| {
            for account in &accounts {
                store.delete(account)?;
            }
            Ok(())
        })
        .await
    }

    /// Removes every entry Switchboard made: those of `known` profiles, and every other one
    /// the keychain lists under Switchboard's name. Returns the accounts removed (or tried,
    /// where the keychain cannot list its entries).
    pub async fn delete_everything(&self, known: Vec<ProfileId>) -> Result<Vec<String>> {
        self.run(move |store| {
            let mut accounts: Vec<String> =
                known.iter().flat_map(Secrets::accounts_of).collect();
            let listed = store.accounts()?;
            let can_list = listed.is_some();
            if let Some(listed) = listed {
                accounts.retain(|account| listed.contains(account));
                accounts.extend(listed);
            }
            accounts.sort();
            accounts.dedup();
            for account in &accounts {
                store.delete(account)?;
            }
            if can_list {
                if let Some(left) = store.accounts()?.filter(|left| !left.is_empty()) {
                    return Err(Error::new(
                        ErrorKind::SecretStore,
                        format!(
                            "The keychain kept {} of Switchboard's entries; unlock it and try again.",
                            left.len()
                        ),
                    ));
                }
            }
            Ok(accounts)
        })
        .await
    }

    /// The API key saved for `profile`, if any.
    pub async fn get(&self, profile: &ProfileId) -> Result<Option<SecretString>> {
        let account = Self::account(profile);
        self.run(move |store| store.get(&account)).await
    }

    /// Saves the API key of `profile` (it replaces a key used for this session only).
    pub async fn set(&self, profile: &ProfileId, key: SecretString) -> Result<()> {
        let account = Self::account(profile);
        self.run(move |store| store.set(&account, &key)).await?;
        self.forget_session_key(profile);
        Ok(())
    }

    /// Removes the API key of `profile`, and its key for this session if it has one.
    pub async fn delete(&self, profile: &ProfileId) -> Result<()> {
        self.forget_session_key(profile);
        let account = Self::account(profile);
        self.run(move |store| store.delete(&account)).await
    }

    async fn run<T: Send + 'static>(
        &self,
        call: impl FnOnce(&dyn SecretStore) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        if self.unavailable.load(Ordering::SeqCst) {
            return Err(self.timeout_error());
        }
        let store = Arc::clone(&self.store);
        let unavailable = Arc::clone(&self.unavailable);
        let task = tokio::task::spawn_blocking(move || {
            let result = call(store.as_ref());
            if result.is_ok() {
                unavailable.store(false, Ordering::SeqCst);
            }
            result
        });
        match tokio::time::timeout(self.timeout, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(Error::new(
                ErrorKind::SecretStore,
                format!("The keychain call failed unexpectedly ({join})."),
            )),
            Err(_) => {
                self.unavailable.store(true, Ordering::SeqCst);
                Err(self.timeout_error())
            }
        }
    }

    fn timeout_error(&self) -> Error {
        Error::new(
            ErrorKind::SecretStore,
            format!(
                "The system keychain did not answer within {} s. It may be waiting for you to unlock it; unlock it and try again.",
                self.timeout.as_secs()
            ),
        )
        .with_reason(ErrorReason::KeychainUnavailable {
            problem: KeychainProblem::Timeout,
        })
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

    /// Blocks every call until released; counts the calls.
    #[derive(Default)]
    struct Gate {
        open: Mutex<bool>,
        opened: std::sync::Condvar,
        calls: std::sync::atomic::AtomicUsize,
    }

    impl Gate {
        fn release(&self) {
            *self.open.lock().unwrap() = true;
            self.opened.notify_all();
        }
    }

    impl SecretStore for Gate {
        fn get(&self, _: &str) -> Result<Option<SecretString>> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let mut open = self.open.lock().unwrap();
            while !*open {
                open = self.opened.wait(open).unwrap();
            }
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
    async fn after_a_timeout_the_keychain_fails_at_once_until_a_call_succeeds() {
        let gate = Arc::new(Gate::default());
        let secrets = Secrets::new(gate.clone(), Duration::from_millis(100));
        let profile = ProfileId::new();
        let first = secrets.get(&profile).await.unwrap_err();
        assert_eq!(
            first.reason,
            Some(ErrorReason::KeychainUnavailable {
                problem: KeychainProblem::Timeout
            })
        );
        // The next call does not wait for the keychain again (nor ask it).
        let started = std::time::Instant::now();
        let second = secrets.get(&profile).await.unwrap_err();
        assert_eq!(second.reason, first.reason);
        assert!(started.elapsed() < Duration::from_millis(100));
        assert_eq!(gate.calls.load(Ordering::SeqCst), 1);
        // Unlocked: the call that timed out comes back, and the keychain is used again.
        gate.release();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            match secrets.get(&profile).await {
                Ok(found) => break assert!(found.is_none()),
                Err(_) if std::time::Instant::now() < deadline => tokio::task::yield_now().await,
                Err(err) => panic!("the keychain stayed unavailable: {}", err.message),
            }
        }
    }

    #[tokio::test]
    async fn a_session_key_is_kept_in_memory_and_forgotten_when_a_key_is_saved_or_cleared() {
        let store = Arc::new(MemoryStore::new());
        let secrets = Secrets::new(store.clone(), Duration::from_secs(5));
        let profile = ProfileId::new();
        secrets.set_session_key(&profile, SecretString::from("sk-session"));
        assert_eq!(
            secrets.session_key(&profile).unwrap().expose_secret(),
            "sk-session"
        );
        assert_eq!(store.accounts().unwrap(), Some(Vec::new()));
        secrets
            .set(&profile, SecretString::from("sk-saved"))
            .await
            .unwrap();
        assert!(secrets.session_key(&profile).is_none());
        secrets.set_session_key(&profile, SecretString::from("sk-session"));
        secrets.delete(&profile).await.unwrap();
        assert!(secrets.session_key(&profile).is_none());
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
