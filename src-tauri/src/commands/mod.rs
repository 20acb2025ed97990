//! The typed commands the window calls, one file per domain. Each is a thin wrapper over one
//! core (or [`crate::shell::Shell`]) call; errors cross IPC as the core's error, named
//! `IpcError` in TypeScript.

pub mod attachments;
pub mod chat;
pub mod chats;
pub mod connect;
pub mod doctor;
pub mod messages;
pub mod profiles;
pub mod secrets;
pub mod settings;
pub mod snapshots;
pub mod transfer;

use switchboard_core::Error;

/// The error every command returns.
pub type IpcError = Error;
