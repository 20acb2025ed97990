//! A profile's header values and URL credentials through the engine: taken out of the URL,
//! kept in the keychain, sent as headers, copied with the profile, and dropped when the URL
//! points at another server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use switchboard_core::http::HttpConfig;
use switchboard_core::secrets::{MemoryStore, SecretStore, Secrets};
use switchboard_core::store::Profile;
use switchboard_core::{ConnectionSpec, Engine, EngineConfig, ErrorKind, ProviderKind};
use tempfile::TempDir;

fn engine(dir: &TempDir, keychain: Arc<MemoryStore>) -> Engine {
    Engine::open(EngineConfig {
        data_dir: dir.path().to_path_buf(),
        http: HttpConfig::default(),
        secret_store: keychain,
        keychain_timeout: Duration::from_secs(5),
    })
    .unwrap()
}

/// The headers a connection to the profile would send, values shown.
async fn sent_headers(engine: &Engine, name: &str) -> Vec<(String, String)> {
    let resolved = engine
        .resolve(&ConnectionSpec::Profile(name.into()))
        .await
        .unwrap();
    resolved
        .connection
        .headers
        .iter()
        .map(|(n, v)| (n.clone(), v.expose_secret().to_string()))
        .collect()
}

#[tokio::test]
async fn url_credentials_follow_the_server_they_belong_to() {
    let dir = TempDir::new().unwrap();
    let keychain = Arc::new(MemoryStore::new());
    let engine = engine(&dir, keychain.clone());
    let (profile, _) = engine
        .add_profile(Profile::new(
            "proxy",
            ProviderKind::Custom,
            "http://alice:s3cret-pass@127.0.0.1:8080/v1",
        ))
        .await
        .unwrap();
    assert_eq!(profile.url, "http://127.0.0.1:8080/v1");
    let basic = (
        "Authorization".to_string(),
        "Basic YWxpY2U6czNjcmV0LXBhc3M=".to_string(),
    );
    assert_eq!(sent_headers(&engine, "proxy").await, vec![basic.clone()]);
    let entry = keychain
        .get(&Secrets::extras_account(&profile.id))
        .unwrap()
        .unwrap();
    assert!(entry.expose_secret().contains("alice:s3cret-pass"));

    // A copy has them too.
    let copy = engine.duplicate_profile("proxy").await.unwrap();
    assert_eq!(sent_headers(&engine, &copy.name).await, vec![basic.clone()]);

    // The same server under another path keeps them ...
    let mut moved = engine.profile("proxy").await.unwrap();
    moved.url = "http://127.0.0.1:8080/api/v1".into();
    engine.update_profile(moved.clone()).await.unwrap();
    assert_eq!(sent_headers(&engine, "proxy").await, vec![basic]);
    // ... another server never gets them.
    moved.url = "http://127.0.0.1:9090/v1".into();
    engine.update_profile(moved).await.unwrap();
    assert!(sent_headers(&engine, "proxy").await.is_empty());
    assert!(keychain
        .get(&Secrets::extras_account(&profile.id))
        .unwrap()
        .is_none());

    // Deleting profiles leaves the keychain as it was before them.
    engine.remove_profile("proxy").await.unwrap();
    engine.remove_profile(&copy.name).await.unwrap();
    assert_eq!(keychain.accounts().unwrap(), Some(Vec::new()));
}

#[tokio::test]
async fn header_values_are_kept_in_the_keychain_and_checked() {
    let dir = TempDir::new().unwrap();
    let keychain = Arc::new(MemoryStore::new());
    let engine = engine(&dir, keychain.clone());
    engine
        .add_profile(Profile::new(
            "h",
            ProviderKind::OpenRouter,
            "https://openrouter.ai/api/v1",
        ))
        .await
        .unwrap();
    engine
        .set_key("h", SecretString::from("sk-or-0123456789"))
        .await
        .unwrap();
    let saved = engine
        .set_headers(
            "h",
            vec![("X-Title".into(), SecretString::from("My app value"))],
        )
        .await
        .unwrap();
    assert_eq!(saved.headers, vec!["X-Title"]);
    assert_eq!(
        sent_headers(&engine, "h").await,
        vec![("X-Title".to_string(), "My app value".to_string())]
    );
    for bad in [
        vec![("X Bad".to_string(), SecretString::from("v"))],
        vec![("X-Ok".to_string(), SecretString::from("a\r\nb"))],
        vec![("X-Ok".to_string(), SecretString::from("v")); 33],
    ] {
        let err = engine.set_headers("h", bad).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidRequest, "{}", err.message);
    }
    // Refused changes left the saved headers as they were.
    assert_eq!(engine.profile("h").await.unwrap().headers, vec!["X-Title"]);
    // URL credentials cannot join a bearer key.
    let mut profile = engine.profile("h").await.unwrap();
    profile.url = "https://bob:pw-0123456789@openrouter.ai/api/v1".into();
    let err = engine.update_profile(profile).await.unwrap_err();
    assert!(err.message.contains("Authorization"), "{}", err.message);
    assert_eq!(
        engine.profile("h").await.unwrap().url,
        "https://openrouter.ai/api/v1"
    );
}

/// A profile deleted in the window is out of every list and of backups, and comes back with
/// its key and URL credentials; once the data is opened again alone it is purged with its
/// keychain entries. A new profile of its name purges it at once.
#[tokio::test]
async fn a_deleted_profile_keeps_its_secrets_until_purged() {
    let dir = TempDir::new().unwrap();
    let keychain = Arc::new(MemoryStore::new());
    let engine = engine(&dir, keychain.clone());
    let (profile, _) = engine
        .add_profile(Profile::new(
            "proxy",
            ProviderKind::Custom,
            "http://alice:s3cret-pass@127.0.0.1:8080/v1",
        ))
        .await
        .unwrap();
    let headers = sent_headers(&engine, "proxy").await;

    engine.delete_profile("proxy").await.unwrap();
    assert!(engine.profiles().await.unwrap().is_empty());
    assert!(engine.profile("proxy").await.is_err());
    assert!(engine.backup().await.unwrap().profiles.is_empty());
    assert_eq!(keychain.accounts().unwrap().unwrap().len(), 1);

    assert!(engine.restore_profile(&profile.id).await.unwrap());
    assert_eq!(sent_headers(&engine, "proxy").await, headers);
    assert_eq!(engine.backup().await.unwrap().profiles.len(), 1);

    // Deleted and left: purged, keychain entries too, when the data is next opened alone.
    engine.delete_profile("proxy").await.unwrap();
    drop(engine);
    // Deleted a moment before, not in the very millisecond the data opens again.
    rusqlite::Connection::open(dir.path().join(switchboard_core::store::DB_FILE))
        .unwrap()
        .execute("UPDATE profiles SET deleted_at = deleted_at - 1000", [])
        .unwrap();
    let engine = self::engine(&dir, keychain.clone());
    assert_eq!(keychain.accounts().unwrap(), Some(Vec::new()));
    assert!(!engine.restore_profile(&profile.id).await.unwrap());

    // A new profile named as a deleted one replaces it (its entries go).
    let (second, _) = engine
        .add_profile(Profile::new(
            "p2",
            ProviderKind::Custom,
            "http://127.0.0.1:8080/v1",
        ))
        .await
        .unwrap();
    engine
        .set_key("p2", SecretString::from("sk-second"))
        .await
        .unwrap();
    engine.delete_profile("p2").await.unwrap();
    assert!(engine.restore_profile(&second.id).await.unwrap());
    assert!(engine.has_key("p2").await.unwrap(), "the key was lost");
    engine.delete_profile("p2").await.unwrap();
    let (third, _) = engine
        .add_profile(Profile::new(
            "P2",
            ProviderKind::Custom,
            "http://127.0.0.1:8080/v1",
        ))
        .await
        .unwrap();
    assert_ne!(third.id, second.id);
    assert!(!engine.restore_profile(&second.id).await.unwrap());
    assert_eq!(keychain.accounts().unwrap(), Some(Vec::new()));
    assert_eq!(engine.profiles().await.unwrap().len(), 1);
}
