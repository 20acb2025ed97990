//! The engine: profile + key + history → request → provider stream → store, and the front
//! ends' one door into the core.
//!
//! A generation is started with [`Engine::start_generation`], which saves the user message,
//! registers a cancel token under a fresh [`GenerationId`], spawns the task and returns at once
//! with a receiver of [`ChatEvent`]s. The task coalesces deltas (about one message per 16 ms
//! or 2 KB), saves the reply as it grows (at most a second of text can be lost to a crash), and
//! ends with exactly one terminal event, sent only after the final text is saved. Dropping the
//! receiver cancels the generation.
//!
//! This file is the front door: [`Engine`], [`EngineConfig`], opening, and the small methods
//! that only hand over to the store. Each other job has its own file: input limits and their
//! checks (`limits.rs`); the key, model and connection checks both front ends share
//! (`checks.rs`); the connection doctor, each step a person would check with its fix
//! (`doctor/`); profiles and keys (`profiles.rs`); backups and restoring them
//! (`backup.rs`); a profile's other secrets and deleting all data (`profile_secrets.rs`); connections, status, models and the test message
//! (`connections.rs`); retrying idempotent calls (`retry.rs`); chats and messages
//! (`chats.rs`); deleting profiles and messages with undo, and purging them (`trash.rs`); starting, listing and cancelling generations (`generation.rs`); building the
//! adapter's request (`request.rs`); the running task that writes the reply (`reply.rs`) and the sans-IO reply
//! buffer it drives: coalescing, caps, stop strings, save cadence (`reply_buffer.rs`).
//!
//! Must not: know a window or a terminal; hold a lock across an `await`; send a generation
//! twice. Every public item of the sub-modules is re-exported here: paths are
//! `switchboard_core::engine::X`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::http::{Http, HttpConfig};
#[cfg(doc)]
use crate::model::{ChatEvent, GenerationId};
use crate::secrets::{SecretStore, Secrets};
use crate::store::{AppSettings, Store};

mod attachments;
mod backup;
mod chats;
mod checks;
mod connections;
pub mod doctor;
mod generation;
mod limits;
mod profile_secrets;
mod profiles;
mod reply;
mod reply_buffer;
mod request;
mod retry;
mod service_account;
mod trash;

pub use backup::{ExistingChats, RestoreReport, SkippedProfile, PROFILE_NAME_TAKEN};
pub use checks::{api_key, explicit_model, key_problem, ConnectionCheck, KeyProblem};
pub use connections::{ConnectionSpec, Resolved, TestReport};
pub use doctor::{DoctorAction, DoctorReport, DoctorStep, DoctorStepName, StepOutcome};
pub use generation::{Action, CancelReason, Generation, GenerationRequest, Generations};
pub use limits::{
    MAX_KEY_BYTES, MAX_MODEL_CHARS, MAX_NAME_CHARS, MAX_QUERY_CHARS, MAX_STOP_CHARS,
    MAX_STOP_STRINGS, MAX_TEXT_BYTES,
};
pub use profile_secrets::{delete_all_data, remove_data_files, ResetReport, MAX_HEADERS};
pub use profiles::ProfileSummary;
pub use reply::{ABORT_GRACE, COALESCE_BYTES, COALESCE_WINDOW, MAX_REPLY_BYTES, SAVE_INTERVAL};
pub use retry::{MAX_ATTEMPTS, MAX_RETRY_WAIT, RETRY_DELAYS};
pub use service_account::ServiceAccountSaved;

/// Everything the engine needs to start.
pub struct EngineConfig {
    /// Where the database lives.
    pub data_dir: PathBuf,
    /// HTTP timeouts and user agent.
    pub http: HttpConfig,
    /// Where keys live (the OS keychain in the app and the CLI).
    pub secret_store: Arc<dyn SecretStore>,
    /// Longest wait for the keychain.
    pub keychain_timeout: Duration,
}

/// The core's front door.
pub struct Engine {
    store: Store,
    secrets: Secrets,
    http: Http,
    generations: Arc<Generations>,
}

impl Engine {
    /// Opens the store (purging the profiles deleted before, with their keychain entries, when
    /// no other process has the data open) and sets up HTTP.
    pub fn open(config: EngineConfig) -> Result<Engine> {
        let keychain = Arc::clone(&config.secret_store);
        let mover = move |moved: &[crate::store::legacy_secrets::MovedSecrets]| {
            profile_secrets::keychain_mover(keychain.as_ref(), moved)
        };
        let store = Store::open_with(&config.data_dir, Some(&mover))?;
        trash::purge_deleted_profiles(&store, &config.secret_store, config.keychain_timeout)?;
        Ok(Engine {
            store,
            secrets: Secrets::new(config.secret_store, config.keychain_timeout),
            http: Http::new(config.http)?,
            generations: Arc::new(Generations::default()),
        })
    }

    /// The store (for reads by front ends).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The running generations.
    pub fn generations(&self) -> &Generations {
        &self.generations
    }

    async fn blocking<T: Send + 'static>(
        &self,
        call: impl FnOnce(&Store) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || call(&store))
            .await
            .map_err(|err| Error::internal(format!("A database task failed ({err}).")))?
    }

    /// The app's settings.
    pub async fn settings(&self) -> Result<AppSettings> {
        self.blocking(Store::settings).await
    }

    /// Saves the app's settings.
    pub async fn save_settings(&self, settings: AppSettings) -> Result<()> {
        self.blocking(move |store| store.save_settings(&settings))
            .await
    }
}
