//! Keys without a keychain: when the keychain cannot keep a key (no Secret Service, or one that
//! stays locked), saving it fails with a reason the front ends word, and the key can be used for
//! the session instead: held in memory, sent to the server, written nowhere.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use secrecy::SecretString;
use switchboard_core::engine::{ConnectionSpec, Engine, EngineConfig};
use switchboard_core::error::{Error, ErrorKind, ErrorReason, KeychainProblem, Result};
use switchboard_core::http::HttpConfig;
use switchboard_core::secrets::SecretStore;
use switchboard_core::store::Profile;
use switchboard_core::ProviderKind;
use switchboard_fakes::{FakeOptions, FakeServer};
use tempfile::TempDir;

const KEY: &str = "sk-session-SECRET-2468";

/// A keychain that never answers while the test runs: every call blocks until
/// [`Locked::release`].
#[derive(Default)]
struct Locked {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Locked {
    fn wait(&self) -> Result<()> {
        let mut open = self.open.lock().unwrap();
        while !*open {
            open = self.opened.wait(open).unwrap();
        }
        Err(Error::internal("the keychain was closed"))
    }

    fn release(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
}

/// Releases the keychain when dropped, also when an assertion fails first (the runtime waits
/// for blocked calls before it shuts down).
struct ReleaseOnDrop(Arc<Locked>);

impl Drop for ReleaseOnDrop {
    fn drop(&mut self) {
        self.0.release();
    }
}

impl SecretStore for Locked {
    fn get(&self, _: &str) -> Result<Option<SecretString>> {
        self.wait().map(|()| None)
    }
    fn set(&self, _: &str, _: &SecretString) -> Result<()> {
        self.wait()
    }
    fn delete(&self, _: &str) -> Result<()> {
        self.wait()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_keychain_times_out_and_a_session_key_connects_without_being_written() {
    let dir = TempDir::new().unwrap();
    let keychain = Arc::new(Locked::default());
    let _release = ReleaseOnDrop(keychain.clone());
    let engine = Engine::open(EngineConfig {
        data_dir: dir.path().to_path_buf(),
        http: HttpConfig::default(),
        secret_store: keychain.clone(),
        keychain_timeout: Duration::from_millis(200),
    })
    .unwrap();
    let server = FakeServer::start(FakeOptions {
        api_key: Some(KEY.into()),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let mut profile = Profile::new(
        "proxy",
        ProviderKind::OpenAi,
        format!("{}/v1", server.base_url()),
    );
    profile.model = Some("fake-model-1".into());
    engine.add_profile(profile).await.unwrap();

    let refused = engine
        .set_key("proxy", SecretString::from(KEY))
        .await
        .unwrap_err();
    assert_eq!(refused.kind, ErrorKind::SecretStore);
    assert_eq!(
        refused.reason,
        Some(ErrorReason::KeychainUnavailable {
            problem: KeychainProblem::Timeout
        })
    );
    // Without a key the source cannot be used, and the core says which profile lacks one.
    let missing = engine
        .status(&ConnectionSpec::Profile("proxy".into()))
        .await
        .unwrap_err();
    assert_eq!(
        missing.reason,
        Some(ErrorReason::MissingKey {
            profile: "proxy".into()
        })
    );

    engine
        .use_session_key("proxy", SecretString::from(KEY))
        .await
        .unwrap();
    let report = engine
        .test_message(&ConnectionSpec::Profile("proxy".into()), None)
        .await
        .unwrap();
    assert!(!report.reply.is_empty());
    let profile = engine.profile("proxy").await.unwrap();
    assert!(engine.has_session_key(&profile.id));
    assert!(!engine.has_key("proxy").await.unwrap());
    // Clearing a key used for this session only needs no keychain.
    engine.clear_key("proxy").await.unwrap();
    assert!(!engine.has_session_key(&profile.id));
    drop(engine);

    // Nothing written: no file under the data folder holds the key.
    let mut stack = vec![dir.path().to_path_buf()];
    let mut scanned = 0;
    while let Some(path) = stack.pop() {
        for entry in std::fs::read_dir(&path).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                scanned += 1;
                let bytes = std::fs::read(&path).unwrap();
                assert!(
                    !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
                    "the key is in {}",
                    path.display()
                );
            }
        }
    }
    assert!(scanned > 0);
}
