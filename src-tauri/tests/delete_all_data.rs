//! "Delete all my data" from the window, through tauri's mock runtime and the real keychain:
//! the database, its backups and every keychain entry Switchboard made go, and the answer
//! names them. Alone in its binary: it empties Switchboard's part of the test keychain.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;

use serde_json::{json, Value};
use switchboard_lib::bindings;
use switchboard_lib::commands::settings::{StartupProblem, DELETE_CONFIRMATION};
use switchboard_lib::shell::Shell;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindowBuilder;

fn switchboard_entries() -> String {
    let search = Command::new("secret-tool")
        .args(["search", "--all", "service", "switchboard"])
        .output()
        .expect("secret-tool (libsecret-tools) is installed by the test command");
    format!(
        "{}{}",
        String::from_utf8_lossy(&search.stdout),
        String::from_utf8_lossy(&search.stderr)
    )
}

#[test]
fn delete_all_data_removes_the_database_and_every_keychain_entry() {
    let dir = tempfile::tempdir().unwrap();
    let engine = common::engine(&dir);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let profile = runtime.block_on(async {
        let (profile, _) = engine
            .add_profile(switchboard_core::store::Profile::new(
                "doomed",
                switchboard_core::ProviderKind::OpenAi,
                "https://api.openai.com/v1",
            ))
            .await
            .unwrap();
        engine
            .set_key(
                "doomed",
                secrecy::SecretString::from("sk-doomed-0123456789"),
            )
            .await
            .unwrap();
        engine
            .set_headers(
                "doomed",
                vec![(
                    "X-Token".into(),
                    secrecy::SecretString::from("tok-doomed-0123456789"),
                )],
            )
            .await
            .unwrap();
        profile
    });
    assert!(switchboard_entries().contains(profile.id.as_str()));

    let specta = bindings::builder::<MockRuntime>();
    let app = mock_builder()
        .invoke_handler(specta.invoke_handler())
        .manage(Shell::new(engine, |_| {}))
        .manage(StartupProblem::default())
        .build(switchboard_lib::context())
        .unwrap();
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    let request = InvokeRequest {
        cmd: "delete_all_data".into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(json!({"confirmation": DELETE_CONFIRMATION})),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    let report: Value = get_ipc_response(&webview, request)
        .unwrap()
        .deserialize()
        .unwrap();
    let files = report["files"].to_string();
    assert!(files.contains("switchboard.db"), "{report}");
    let entries = report["keychainEntries"].to_string();
    for account in [
        format!("profile:{}:api-key", profile.id),
        format!("profile:{}:extras", profile.id),
    ] {
        assert!(entries.contains(&account), "{account} not in {report}");
    }
    assert!(
        !report.to_string().contains("doomed-0123456789"),
        "{report}"
    );
    let left = switchboard_entries();
    assert!(
        !left.contains("switchboard"),
        "left in the keychain: {left}"
    );
    assert!(!dir.path().join("switchboard.db").exists());
}
