//! The one tauri-specta builder: every command and event the window may use, and the export
//! of their TypeScript bindings to `ui/src/bindings.ts` (committed; a test fails when stale).

use specta_typescript::Typescript;
use tauri_specta::{collect_commands, collect_events};

use crate::commands::{
    chat, chats, connect, messages, profiles, secrets, settings, snapshots, transfer,
};
use crate::navigation::NavigationRefused;
use crate::shell::{ConnectionChanged, ProfilesChanged, TrayAction};

/// Where the generated bindings live.
pub const BINDINGS_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/src/bindings.ts");

/// The commands and events of the app, for any runtime (tests use tauri's mock runtime).
pub fn builder<R: tauri::Runtime>() -> tauri_specta::Builder<R> {
    tauri_specta::Builder::<R>::new()
        .commands(collect_commands![
            profiles::list_sources,
            profiles::list_templates,
            profiles::detect_servers,
            profiles::list_profiles,
            profiles::preview_url,
            profiles::save_profile,
            profiles::duplicate_profile,
            profiles::delete_profile,
            secrets::set_api_key,
            secrets::clear_api_key,
            connect::connect,
            connect::list_models,
            connect::test_message,
            connect::app_state,
            chat::list_chats,
            chat::load_chat,
            chat::load_messages,
            chat::start_generation,
            chat::regenerate,
            chat::continue_reply,
            chat::preview_request,
            chat::cancel_generation,
            chat::open_external,
            messages::select_swipe,
            messages::edit_message,
            messages::delete_message,
            chats::rename_chat,
            chats::pin_chat,
            chats::delete_chat,
            chats::restore_chat,
            chats::branch_chat,
            chats::search_chats,
            settings::get_settings,
            settings::save_settings,
            settings::startup_problem,
            settings::delete_all_data,
            settings::quit_app,
            snapshots::list_snapshots,
            snapshots::restore_snapshot,
            snapshots::snapshot_problem,
            transfer::choose_import_files,
            transfer::import_chat_file,
            transfer::export_chat,
            transfer::backup_all,
        ])
        .events(collect_events![
            ConnectionChanged,
            ProfilesChanged,
            TrayAction,
            NavigationRefused
        ])
}

/// The TypeScript exporter with the file's header.
pub fn typescript() -> Typescript {
    Typescript::default().header(
        "// Generated from the Rust commands by src-tauri/src/bindings.rs; do not edit.\n\
         // Regenerate with `cargo test -p switchboard --lib bindings`.\n",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exports the bindings and fails when the committed file differs (it is rewritten, so
    /// committing the new file is all it takes).
    #[test]
    fn bindings_are_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let fresh_path = dir.path().join("bindings.ts");
        builder::<tauri::Wry>()
            .export(typescript(), &fresh_path)
            .unwrap();
        let fresh = std::fs::read_to_string(&fresh_path).unwrap();
        let committed = std::fs::read_to_string(BINDINGS_PATH).unwrap_or_default();
        if fresh != committed {
            std::fs::write(BINDINGS_PATH, &fresh).unwrap();
            panic!("ui/src/bindings.ts was stale; it has been regenerated: review and commit it");
        }
        assert!(fresh.contains("startGeneration"));
        assert!(fresh.contains("export type IpcError"));
    }
}
