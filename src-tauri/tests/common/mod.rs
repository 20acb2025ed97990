//! Shared by the shell's integration tests.

use std::sync::Arc;
use std::time::Duration;

use switchboard_core::http::HttpConfig;
use switchboard_core::secrets::KeyringStore;
use switchboard_core::{Engine, EngineConfig};

/// An engine over a fresh database in `dir` and the real keychain (the test command runs a
/// throwaway GNOME Keyring).
pub fn engine(dir: &tempfile::TempDir) -> Arc<Engine> {
    let engine = Engine::open(EngineConfig {
        data_dir: dir.path().to_path_buf(),
        http: HttpConfig::default(),
        secret_store: Arc::new(KeyringStore::new()),
        keychain_timeout: Duration::from_secs(20),
    });
    Arc::new(engine.unwrap_or_else(|err| panic!("engine: {}", err.message)))
}
