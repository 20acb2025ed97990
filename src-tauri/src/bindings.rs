//! The one tauri-specta builder: every command and event the window may use, and the export
//! of their TypeScript bindings to `ui/src/bindings.ts`; beside it, the core's data the dev
//! mock serves as the app would (the source catalogue, the built-in instruct templates and a
//! few constants) in `ui/src/generated/catalogue.ts`. Both files are committed; a test fails
//! when either is stale, and rewrites it.
//!
//! Must not: hold data of its own: everything exported comes from the commands and the core.

use specta_typescript::Typescript;
use tauri_specta::{collect_commands, collect_events};

use crate::commands::{
    attachments, chat, chats, connect, doctor, messages, profiles, secrets, settings, snapshots,
    transfer,
};
use crate::navigation::NavigationRefused;
use crate::shell::{ConnectionChanged, ProfilesChanged, TrayAction};

/// Where the generated bindings live.
pub const BINDINGS_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/src/bindings.ts");

/// Where the generated catalogue for the dev mock lives.
pub const CATALOGUE_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../ui/src/generated/catalogue.ts"
);

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
            profiles::restore_profile,
            secrets::set_api_key,
            secrets::clear_api_key,
            secrets::use_session_key,
            secrets::choose_service_account_key,
            connect::connect,
            connect::check_profile_draft,
            connect::list_models,
            connect::test_message,
            connect::app_state,
            doctor::check_connection,
            chat::list_chats,
            chat::load_chat,
            chat::load_messages,
            chat::load_chat_around,
            chat::load_newer_messages,
            chat::start_generation,
            chat::regenerate,
            chat::continue_reply,
            chat::preview_request,
            chat::cancel_generation,
            chat::open_external,
            messages::select_swipe,
            messages::edit_message,
            messages::delete_message,
            messages::restore_message,
            chats::rename_chat,
            chats::pin_chat,
            chats::set_chat_target,
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
            transfer::show_in_folder,
            attachments::add_attachment,
            attachments::choose_attachments,
            attachments::discard_attachment,
            attachments::attachment_image,
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

/// The TypeScript module the dev mock reads instead of copies: what `list_sources` and
/// `list_templates` return, as the window receives it, and the core's constants the mock's
/// request previews use.
pub fn catalogue_ts() -> String {
    let sources = one_per_line(&crate::commands::profiles::list_sources());
    let templates = one_per_line(&crate::commands::profiles::list_templates());
    format!(
        "// Generated from the Rust core by src-tauri/src/bindings.rs; do not edit.\n\
         // Regenerate with `cargo test -p switchboard --lib bindings`.\n\
         \n\
         import type {{ BuiltInTemplate, SourceInfo }} from \"../api\";\n\
         \n\
         /** Every source, as `listSources` returns it (catalogue.rs). */\n\
         export const SOURCES: SourceInfo[] = {sources};\n\
         \n\
         /** The built-in instruct templates, as `listTemplates` returns them (prompt/instruct.rs). */\n\
         export const TEMPLATES: BuiltInTemplate[] = {templates};\n\
         \n\
         /** How a secret is shown in a request preview. */\n\
         export const REDACTED = {redacted};\n\
         /** The context size when neither the profile nor the model gives one. */\n\
         export const DEFAULT_CONTEXT_SIZE = {context};\n\
         /** The reply length reserved in the context when the profile sets none. */\n\
         export const DEFAULT_REPLY_TOKENS = {reply};\n",
        redacted = pretty(switchboard_core::redact::REDACTED),
        context = switchboard_core::prompt::instruct::DEFAULT_CONTEXT_SIZE,
        reply = switchboard_core::prompt::instruct::DEFAULT_REPLY_TOKENS,
    )
}

/// A list as a JSON array with each entry on a line of its own (a source's or a template's
/// change is one line of the generated file's diff, and 38 sources stay 38 lines).
fn one_per_line<T: serde::Serialize>(items: &[T]) -> String {
    let lines: Vec<String> = items
        .iter()
        .map(|item| {
            let json =
                serde_json::to_string(item).unwrap_or_else(|err| format!("null /* {err} */"));
            format!("  {json},")
        })
        .collect();
    format!("[\n{}\n]", lines.join("\n"))
}

/// Pretty JSON (two-space indent) of a value, for [`catalogue_ts`].
fn pretty<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|err| format!("null /* {err} */"))
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

    /// Writes the dev mock's catalogue and fails when the committed file differs (it is
    /// rewritten, like the bindings).
    #[test]
    fn bindings_catalogue_is_fresh() {
        let fresh = catalogue_ts();
        let committed = std::fs::read_to_string(CATALOGUE_PATH).unwrap_or_default();
        if fresh != committed {
            if let Some(dir) = std::path::Path::new(CATALOGUE_PATH).parent() {
                std::fs::create_dir_all(dir).unwrap();
            }
            std::fs::write(CATALOGUE_PATH, &fresh).unwrap();
            panic!(
                "ui/src/generated/catalogue.ts was stale; it has been regenerated: review and commit it"
            );
        }
        for source in switchboard_core::SOURCES {
            assert!(fresh.contains(&format!("\"defaultUrl\":\"{}\"", source.default_url)));
        }
        assert!(fresh.contains("\"kind\":\"chat-ml\""));
    }
}
