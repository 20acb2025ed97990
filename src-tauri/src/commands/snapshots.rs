//! "Restore from a snapshot…": the rolling snapshots of the database, with the chats and
//! messages there are now to compare; restoring one; and why a snapshot could not be taken when
//! the app opened its data.
//!
//! A restore replaces the data under the running engine (the same connection, so nothing the
//! engine holds points at a closed database); the window then reloads itself to show the
//! restored chats and profiles. Refused while a reply is being written, and (by the store)
//! while another process has the data open.

use serde::Serialize;
use switchboard_core::store::snapshots::{RestoreReport, SnapshotInfo};
use switchboard_core::{Error, ErrorKind};
use tauri::State;

use super::IpcError;
use crate::shell::Shell;

/// The snapshots, newest first, with what there is now.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotList {
    /// Chats now (not counting deleted ones).
    #[specta(type = specta_typescript::Number)]
    pub chats: i64,
    /// Messages in them now.
    #[specta(type = specta_typescript::Number)]
    pub messages: i64,
    /// The snapshots, newest first, each checked.
    pub snapshots: Vec<SnapshotInfo>,
}

/// The snapshots and what there is now.
#[tauri::command]
#[specta::specta]
pub async fn list_snapshots(shell: State<'_, Shell>) -> Result<SnapshotList, IpcError> {
    let store = shell.engine().store().clone();
    tauri::async_runtime::spawn_blocking(move || {
        let (chats, messages) = store.counts()?;
        Ok(SnapshotList {
            chats,
            messages,
            snapshots: store.snapshots(),
        })
    })
    .await
    .map_err(|err| Error::internal(format!("Listing the snapshots stopped: {err}.")))?
}

/// Replaces the data with the snapshot `id` (after snapshotting the data it replaces).
#[tauri::command]
#[specta::specta]
pub async fn restore_snapshot(
    shell: State<'_, Shell>,
    id: String,
) -> Result<RestoreReport, IpcError> {
    if !shell.engine().generations().running().is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            "A reply is being written: stop it, then restore the snapshot. Nothing was changed.",
        ));
    }
    let store = shell.engine().store().clone();
    let report = tauri::async_runtime::spawn_blocking(move || store.restore_snapshot(&id))
        .await
        .map_err(|err| Error::internal(format!("The restore stopped: {err}.")))??;
    tracing::info!(
        "restored snapshot {}; the data it replaced is kept as {}",
        report.restored.id,
        report.replaced.id
    );
    Ok(report)
}

/// Why a snapshot could not be taken when the app opened its data, or `None`.
#[tauri::command]
#[specta::specta]
pub fn snapshot_problem(shell: State<'_, Shell>) -> Option<String> {
    shell
        .engine()
        .store()
        .snapshot_problem()
        .map(str::to_string)
}
