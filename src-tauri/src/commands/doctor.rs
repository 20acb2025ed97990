//! The connection doctor for the drawer's "Check connection": each step sent on a channel as
//! it finishes, the whole report returned at the end. Nothing but the hand-over to the core's
//! [`Engine::doctor`](switchboard_core::Engine::doctor).

use switchboard_core::engine::{ConnectionSpec, DoctorReport, DoctorStep};
use tauri::ipc::Channel;
use tauri::State;

use super::IpcError;
use crate::shell::Shell;

/// Runs the connection doctor on a saved profile (the status check included, even when the
/// profile bypasses it); `on_event` gets each step as it finishes.
#[tauri::command]
#[specta::specta]
pub async fn check_connection(
    shell: State<'_, Shell>,
    profile_id: String,
    on_event: Channel<DoctorStep>,
) -> Result<DoctorReport, IpcError> {
    let spec = ConnectionSpec::Profile(profile_id);
    let mut send = |step: &DoctorStep| {
        // The window may have gone; the report is still returned.
        let _ = on_event.send(step.clone());
    };
    shell.engine().doctor(&spec, None, &mut send).await
}
