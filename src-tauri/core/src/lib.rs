//! Switchboard's core: everything but the window.
//!
//! # Layout
//! - [`error`]: the one [`Error`] type with an [`ErrorKind`] front ends switch on.
//! - [`citations`]: the pages a reply cites, each address once, in the order given.
//! - [`model`]: domain types — messages (a list of parts with opaque per-family data), requests,
//!   sampler settings, the [`ChatEvent`] stream.
//! - [`endpoint`]: base-URL normalisation.
//! - [`options`]: how a profile's server is reached beyond URL and key (proxy, certificates,
//!   a source's choices); data only.
//! - [`catalogue`]: the sources as data — ids, labels, default URLs, key needs, capabilities,
//!   samplers, URL rules. No adapter, HTTP or store code.
//! - [`context_sizes`]: the context windows of well-known models and the size assumed for a
//!   local server that reports none (data only).
//! - [`stream`]: vendor-neutral decoding of streamed bodies (Server-Sent Events).
//! - [`provider`]: one folder per protocol family behind the [`provider::Provider`] trait.
//! - [`secrets`]: API keys in the operating system's keychain.
//! - [`redact`]: scrubbing the secrets a request carried out of what servers send back.
//! - [`store`]: the SQLite database of profiles, chats and messages.
//! - [`transfer`]: chat files, exports and backups to and from the store's chat archives.
//! - [`prompt`]: post-processing of messages and instruct templates for text completion.
//! - [`detect`]: probing the usual local ports for servers.
//! - [`http`]: the shared HTTP client and transport-error mapping.
//! - [`google_auth`]: a Google Cloud service account's key exchanged for access tokens (Vertex
//!   AI's full mode), cached and renewed before they expire.
//! - [`engine`]: ties them together; the front ends' one door.
//! - [`fuzzing`]: properties over arbitrary input, for the fuzz targets and their corpus.
//!
//! Dependency direction: engine → provider, store, secrets, transfer, prompt; provider →
//! catalogue, stream, http, prompt; transfer → store; store → catalogue, prompt.
//! A provider never touches the store or the keychain; the store knows neither adapters nor
//! file formats; decoders know no vendor; nothing here knows about windows. No two top-level
//! modules import each other, directly or around a loop (`tests/layering.rs` checks).

pub mod attach;
pub mod catalogue;
pub mod citations;
pub mod context_sizes;
pub mod detect;
pub mod endpoint;
pub mod engine;
pub mod error;
pub mod fuzzing;
pub mod google_auth;
pub mod http;
pub mod model;
pub mod network;
pub mod options;
pub mod parts;
pub mod prompt;
pub mod provider;
pub mod redact;
pub mod secrets;
pub mod store;
pub mod stream;
pub mod transfer;

use std::path::PathBuf;

pub use catalogue::{ProviderKind, SOURCES};
pub use engine::{
    CancelReason, ConnectionSpec, Engine, EngineConfig, Generation, GenerationRequest,
};
pub use error::{Error, ErrorKind, ErrorReason, KeychainProblem, Result};
pub use model::{
    ChatEvent, ChatId, GenParams, GenerationId, MessageId, MessageState, ProfileId, Role,
    StopReason,
};

/// Name of the environment variable that overrides the data directory.
pub const DATA_DIR_ENV: &str = "SWITCHBOARD_DATA_DIR";

/// The data directory shared by the app and the CLI: `$SWITCHBOARD_DATA_DIR`, else the
/// platform's data directory (`~/.local/share/switchboard` on Linux).
pub fn default_data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    dirs::data_dir().map(|dir| dir.join("switchboard"))
}
