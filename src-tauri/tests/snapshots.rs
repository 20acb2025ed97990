//! "Restore from a snapshot…" through tauri's mock runtime, on a real database: the list with
//! what there is now, a restore that brings a deleted chat back while the app keeps its engine,
//! and a snapshot that could not be taken, as the window is told.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use serde_json::{json, Value};
use switchboard_core::store::Store;
use switchboard_lib::bindings;
use switchboard_lib::commands::settings::StartupProblem;
use switchboard_lib::shell::Shell;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

/// 2020-01-06 08:00 UTC: long before the day the test runs, so today's snapshot is another.
const LONG_AGO: i64 = 1_578_297_600_000;

fn window(dir: &tempfile::TempDir) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let specta = bindings::builder::<MockRuntime>();
    let app = mock_builder()
        .invoke_handler(specta.invoke_handler())
        .manage(Shell::new(common::engine(dir), |_| {}))
        .manage(StartupProblem::default())
        .build(switchboard_lib::context())
        .unwrap();
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    (app, webview)
}

fn invoke(webview: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(webview, request).map(|body| body.deserialize::<Value>().unwrap())
}

#[test]
fn the_window_restores_a_snapshot_and_sees_the_restored_chats() {
    let dir = tempfile::tempdir().unwrap();
    let chat = {
        let store = Store::open_at(dir.path(), None, LONG_AGO).unwrap();
        let chat = store.create_chat("from the snapshot", None, None).unwrap();
        store
            .append_message(&chat.id, switchboard_core::model::Role::User, "kept")
            .unwrap();
        chat
    };
    drop(Store::open_at(dir.path(), None, LONG_AGO + 60_000).unwrap());
    let (_app, webview) = window(&dir);
    assert_eq!(
        invoke(&webview, "snapshot_problem", json!({})).unwrap(),
        Value::Null
    );

    assert_eq!(
        invoke(&webview, "delete_chat", json!({"chatId": chat.id.as_str()})).unwrap(),
        true
    );
    let listed = invoke(&webview, "list_snapshots", json!({})).unwrap();
    assert_eq!(
        (listed["chats"].clone(), listed["messages"].clone()),
        (json!(0), json!(0)),
        "{listed}"
    );
    let snapshots = listed["snapshots"].as_array().unwrap();
    let old = snapshots
        .iter()
        .find(|s| s["id"].as_str().unwrap().starts_with("2020-01-06"))
        .expect("the snapshot of 2020-01-06");
    assert_eq!(
        (old["chats"].clone(), old["kind"].clone()),
        (json!(1), json!("daily"))
    );

    let report = invoke(&webview, "restore_snapshot", json!({"id": old["id"]})).unwrap();
    assert_eq!(report["replaced"]["kind"], "beforeRestore", "{report}");
    assert_eq!(report["replaced"]["chats"], 0, "{report}");
    // What the window loads after it reloads: the restored chat, from the same engine.
    let chats = invoke(&webview, "list_chats", json!({})).unwrap();
    assert_eq!(chats[0]["title"], "from the snapshot", "{chats}");
    assert_eq!(chats[0]["messageCount"], 1, "{chats}");
}

#[test]
fn a_snapshot_that_could_not_be_taken_is_told_to_the_window() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    std::fs::write(dir.path().join("snapshots"), b"in the way").unwrap();
    let (_app, webview) = window(&dir);
    let problem = invoke(&webview, "snapshot_problem", json!({})).unwrap();
    assert!(
        problem
            .as_str()
            .unwrap()
            .starts_with("Could not take the daily snapshot"),
        "{problem}"
    );
}

#[test]
fn a_restore_is_refused_while_a_reply_is_being_written() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime
        .block_on(switchboard_fakes::FakeServer::start(
            switchboard_fakes::FakeOptions {
                scenario: switchboard_fakes::Scenario::Stall,
                ..switchboard_fakes::FakeOptions::default()
            },
        ))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open_at(dir.path(), None, LONG_AGO).unwrap());
    drop(Store::open_at(dir.path(), None, LONG_AGO + 60_000).unwrap());
    let (_app, webview) = window(&dir);
    let mut draft = switchboard_core::store::Profile::new(
        "stalling",
        switchboard_core::ProviderKind::Custom,
        format!("{}/v1", server.base_url()),
    );
    draft.model = Some("fake-model-1".into());
    let saved = runtime
        .block_on(webview.state::<Shell>().engine().add_profile(draft.clone()))
        .unwrap()
        .0;
    let request = json!({"profileId": saved.id.as_str(), "chatId": null, "input": "hello", "model": null, "attachments": []});
    let started = invoke(
        &webview,
        "start_generation",
        json!({"request": request, "onEvent": "__CHANNEL__:3"}),
    )
    .unwrap();
    let id = invoke(&webview, "list_snapshots", json!({})).unwrap()["snapshots"][0]["id"].clone();
    let refused = invoke(&webview, "restore_snapshot", json!({ "id": id })).unwrap_err();
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .starts_with("A reply is being written"),
        "{refused}"
    );
    invoke(
        &webview,
        "cancel_generation",
        json!({"generationId": started["generationId"]}),
    )
    .unwrap();
}
