//! Servers that echo secrets, as the window sees them: the error payloads of `connect`,
//! `list_models` and `test_message` against a fake of every family that quotes the key back (in
//! a 401, in an error event after some text, in a 200 HTML page) carry no form of the key, and
//! neither does `app_state` afterwards. Through tauri's mock runtime and the real keychain (the
//! test command runs a throwaway GNOME Keyring).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use serde_json::{json, Value};
use switchboard_fakes::{
    echo_leak, FakeOptions, FakeServer, Family, Scenario, ECHO_NOTHING, ECHO_PREFIX,
};
use switchboard_lib::bindings;
use switchboard_lib::commands::settings::StartupProblem;
use switchboard_lib::shell::Shell;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

/// A key that is different in every encoding.
const KEY: &str = "sk-Ipc/Echo+\"Quoted\"&Amp%25Zq9Xw2LmN4pB8vT";

struct Window {
    _app: App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
}

impl Window {
    fn open(dir: &tempfile::TempDir) -> Window {
        let engine = common::engine(dir);
        let specta = bindings::builder::<MockRuntime>();
        let app = mock_builder()
            .invoke_handler(specta.invoke_handler())
            .manage(Shell::new(engine, |_| {}))
            .manage(StartupProblem::default())
            .setup(move |app| {
                specta.mount_events(app);
                Ok(())
            })
            .build(switchboard_lib::context())
            .unwrap();
        let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap();
        Window { _app: app, webview }
    }

    /// Calls a command as the bindings do; `Ok` with its result or `Err` with the error.
    fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&self.webview, request).map(|body| body.deserialize::<Value>().unwrap())
    }
}

#[test]
fn error_payloads_carry_no_form_of_an_echoed_key() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sources = [
        ("custom", Family::OpenAi, "/v1", "fake-model-1"),
        ("claude", Family::Anthropic, "/v1", "fake-model-1"),
        ("koboldcpp", Family::Kobold, "", "fake-model-1"),
        ("horde", Family::Horde, "/api/v2", "fake-model-1"),
        ("novelai", Family::NovelAi, "", "kayra-v1"),
    ];
    let mut problems = Vec::new();
    for (source, family, path, model) in sources {
        let mut quoted = false;
        for &scenario in Scenario::ECHOES {
            let server = runtime
                .block_on(FakeServer::start(FakeOptions {
                    family,
                    scenario,
                    api_key: Some(KEY.into()),
                    slow_delay: std::time::Duration::from_millis(1),
                    ..FakeOptions::default()
                }))
                .unwrap();
            let dir = tempfile::tempdir().unwrap();
            let window = Window::open(&dir);
            let draft = json!({"id": null, "name": "Echo", "source": source,
                "url": format!("{}{path}", server.base_url()), "model": model,
                "systemPrompt": null, "prefill": null, "placeholder": null, "params": {},
                "postProcessing": "none", "bypassStatusCheck": false});
            let saved = window
                .invoke("save_profile", json!({"draft": draft}))
                .unwrap();
            let id = saved["profile"]["id"].as_str().unwrap().to_string();
            window
                .invoke("set_api_key", json!({"profileId": id, "key": KEY}))
                .unwrap();
            let calls = [
                ("connect", json!({"profileId": id})),
                ("list_models", json!({"profileId": id})),
                ("test_message", json!({"profileId": id, "model": model})),
                ("app_state", json!({})),
            ];
            for (command, args) in calls {
                let label = format!("{source} {scenario} {command}");
                let payload = match window.invoke(command, args) {
                    Ok(value) | Err(value) => value.to_string(),
                };
                if let Some(what) = echo_leak(payload.as_bytes(), KEY) {
                    problems.push(format!("{label}: {what}, in {payload}"));
                }
                if payload.contains(ECHO_PREFIX) && !payload.contains(ECHO_NOTHING) {
                    quoted = true;
                    if !payload.contains("<redacted>") {
                        problems.push(format!("{label}: quoted, not scrubbed: {payload}"));
                    }
                }
            }
        }
        if !quoted {
            problems.push(format!("{source}: no payload kept the server's words"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
