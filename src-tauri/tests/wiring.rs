//! The shell as the window sees it, through tauri's mock runtime: every command of the
//! generated bindings is registered and takes the arguments the bindings send, and errors
//! cross IPC in the `IpcError` shape.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use switchboard_fakes::{FakeOptions, FakeServer};
use switchboard_lib::bindings::{self, BINDINGS_PATH};
use switchboard_lib::commands::settings::StartupProblem;
use switchboard_lib::picker::SaveRequest;
use switchboard_lib::shell::{Notice, Shell, EXPORT_DIR_ENV};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

/// Held by each test that points `EXPORT_DIR_ENV` at its own folder (the variable is the
/// process's, and tests run in parallel).
static EXPORT_DIR_LOCK: Mutex<()> = Mutex::new(());

struct Window {
    _app: App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
    invoked: BTreeSet<String>,
    /// What the shell told the app (the tray menu is rebuilt on `ProfilesChanged`).
    notices: Arc<Mutex<Vec<Notice>>>,
    /// What the stand-in for the system's file dialog answers next.
    to_pick: Arc<Mutex<Vec<PathBuf>>>,
    /// Where files to import are written.
    files: tempfile::TempDir,
    /// What the stand-in for the save dialog answers next, in turn (`None`: cancelled; when
    /// none is left, cancelled too).
    to_save: Arc<Mutex<Vec<Option<PathBuf>>>>,
    /// What the save dialog was asked to show, in turn.
    save_asked: Arc<Mutex<Vec<SaveRequest>>>,
    /// The files "Show in folder" showed, in turn.
    revealed: Arc<Mutex<Vec<PathBuf>>>,
    /// What the stand-in for the key file dialog answers next (`None`: cancelled).
    key_to_pick: Arc<Mutex<Option<PathBuf>>>,
    /// What the stand-in for the "Attach files" dialog answers next.
    attach_to_pick: Arc<Mutex<Vec<PathBuf>>>,
}

impl Window {
    fn open(dir: &tempfile::TempDir) -> Window {
        let engine = common::engine(dir);
        let specta = bindings::builder::<MockRuntime>();
        let notices = Arc::new(Mutex::new(Vec::new()));
        let heard = notices.clone();
        // The system's file dialog cannot be driven from here; this one answers what the test
        // put in `to_pick`.
        let to_pick = Arc::new(Mutex::new(Vec::new()));
        let picks = to_pick.clone();
        let to_save: Arc<Mutex<Vec<Option<PathBuf>>>> = Arc::default();
        let save_asked: Arc<Mutex<Vec<SaveRequest>>> = Arc::default();
        let revealed: Arc<Mutex<Vec<PathBuf>>> = Arc::default();
        let (answers, asked, shown) = (to_save.clone(), save_asked.clone(), revealed.clone());
        let key_to_pick: Arc<Mutex<Option<PathBuf>>> = Arc::default();
        let key_picks = key_to_pick.clone();
        let attach_to_pick: Arc<Mutex<Vec<PathBuf>>> = Arc::default();
        let attach_picks = attach_to_pick.clone();
        let shell = Shell::new(engine, move |notice| heard.lock().unwrap().push(notice))
            .with_picker(Arc::new(move || {
                Ok(std::mem::take(&mut *picks.lock().unwrap()))
            }))
            .with_key_file_picker(Arc::new(move || Ok(key_picks.lock().unwrap().take())))
            .with_attachment_picker(Arc::new(move || {
                Ok(std::mem::take(&mut *attach_picks.lock().unwrap()))
            }))
            .with_saving(
                Arc::new(move |request| {
                    asked.lock().unwrap().push(request);
                    let mut answers = answers.lock().unwrap();
                    Ok(if answers.is_empty() {
                        None
                    } else {
                        answers.remove(0)
                    })
                }),
                Arc::new(move |path: &Path| {
                    shown.lock().unwrap().push(path.to_path_buf());
                    Ok(())
                }),
            );
        let app = mock_builder()
            .invoke_handler(specta.invoke_handler())
            .manage(shell)
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
        Window {
            _app: app,
            webview,
            invoked: BTreeSet::new(),
            notices,
            to_pick,
            files: tempfile::tempdir().unwrap(),
            to_save,
            save_asked,
            revealed,
            key_to_pick,
            attach_to_pick,
        }
    }

    /// Imports `text` as [`import_text`](Self::import_text) does, saying what to do with a
    /// backup's chats that are already here (`"skip"`, `"replace"`).
    fn import_text_choosing(&mut self, name: &str, text: &str, existing: &str) -> Value {
        let folder = tempfile::tempdir_in(self.files.path()).unwrap().keep();
        let path = folder.join(name);
        std::fs::write(&path, text).unwrap();
        *self.to_pick.lock().unwrap() = vec![path.clone()];
        self.invoke("choose_import_files", json!({})).unwrap();
        self.invoke(
            "import_chat_file",
            json!({"path": path, "existing": existing}),
        )
        .unwrap()
    }

    /// Answers the save dialog's next question with `path` (`None`: cancel).
    fn will_save(&self, path: Option<PathBuf>) {
        self.to_save.lock().unwrap().push(path);
    }

    /// The save dialog's last question.
    fn last_save_request(&self) -> SaveRequest {
        self.save_asked.lock().unwrap().last().unwrap().clone()
    }

    /// Imports `text` as the window does: saved as a file named `name`, chosen in the file
    /// dialog, then imported by its path. The command's answer.
    fn import_text(&mut self, name: &str, text: &str) -> Result<Value, Value> {
        let folder = tempfile::tempdir_in(self.files.path()).unwrap().keep();
        let path = folder.join(name);
        std::fs::write(&path, text).unwrap();
        self.import_path(&path)
    }

    /// Chooses `path` in the file dialog and imports it.
    fn import_path(&mut self, path: &Path) -> Result<Value, Value> {
        *self.to_pick.lock().unwrap() = vec![path.to_path_buf()];
        let chosen = self.invoke("choose_import_files", json!({})).unwrap();
        assert_eq!(chosen, json!([path.display().to_string()]));
        self.invoke("import_chat_file", json!({"path": path}))
    }

    /// How many `ProfilesChanged` notices the shell has sent so far.
    fn profile_notices(&self) -> usize {
        self.notices
            .lock()
            .unwrap()
            .iter()
            .filter(|n| **n == Notice::ProfilesChanged)
            .count()
    }

    /// Calls a command as the bindings do; `Ok` with its result or `Err` with the error.
    fn invoke(&mut self, cmd: &str, args: Value) -> Result<Value, Value> {
        self.invoked.insert(cmd.to_string());
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

/// The command names the generated bindings call.
fn bound_commands() -> BTreeSet<String> {
    let bindings = std::fs::read_to_string(BINDINGS_PATH).unwrap();
    bindings
        .split("__TAURI_INVOKE")
        .skip(1)
        .filter_map(|rest| rest.split('"').nth(1).map(str::to_string))
        .filter(|name| name.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .collect()
}

/// The chat once no reply in it is streaming any more.
fn settled(window: &mut Window, chat_id: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let view = window
            .invoke("load_chat", json!({ "chatId": chat_id }))
            .unwrap();
        let streaming = view["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["state"] == "streaming");
        if !streaming {
            return view;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the reply never ended: {view}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn assert_ipc_error(error: &Value, kind: &str) {
    let object = error
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {error}"));
    assert_eq!(object["kind"], kind, "{error}");
    assert!(
        object["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{error}"
    );
    let allowed = [
        "kind",
        "message",
        "provider",
        "status",
        "retryAfterMs",
        "detail",
        "reason",
    ];
    for key in object.keys() {
        assert!(
            allowed.contains(&key.as_str()),
            "unexpected field {key} in {error}"
        );
    }
}

#[test]
fn every_bound_command_is_wired_and_errors_have_the_ipc_shape() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime
        .block_on(FakeServer::start(FakeOptions {
            api_key: Some("sk-wiring-1".into()),
            ..FakeOptions::default()
        }))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Exports go here, never into the Downloads folder of whoever runs the tests.
    let _env = EXPORT_DIR_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let downloads = tempfile::tempdir().unwrap();
    std::env::set_var(EXPORT_DIR_ENV, downloads.path());
    let mut window = Window::open(&dir);

    let sources = window.invoke("list_sources", json!({})).unwrap();
    assert_eq!(
        sources.as_array().unwrap().len(),
        switchboard_core::catalogue::SOURCES.len()
    );
    let templates = window.invoke("list_templates", json!({})).unwrap();
    assert_eq!(templates[0]["kind"], "chat-ml");
    assert_eq!(templates[0]["template"]["stop"][0], "<|im_end|>");
    // Detection probes only the ports named here: a KoboldCpp fake's, and nothing else.
    let kobold = runtime
        .block_on(FakeServer::start(FakeOptions {
            family: switchboard_fakes::Family::Kobold,
            ..FakeOptions::default()
        }))
        .unwrap();
    let port = kobold.base_url().rsplit(':').next().unwrap().to_string();
    std::env::set_var("SWITCHBOARD_DETECT_PORTS", &port);
    let found = window.invoke("detect_servers", json!({})).unwrap();
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found[0]["source"], "koboldcpp", "{found}");
    assert_eq!(found[0]["url"], kobold.base_url(), "{found}");
    assert_eq!(
        window.invoke("list_profiles", json!({})).unwrap(),
        json!([])
    );
    let preview = window
        .invoke(
            "preview_url",
            json!({"source": "custom", "url": " localhost:8080/v1/chat/completions "}),
        )
        .unwrap();
    assert_eq!(preview["url"], "http://localhost:8080/v1");

    let draft = json!({"id": null, "name": "Wired", "source": "custom", "url": server.base_url(),
        "model": null, "systemPrompt": null, "prefill": null, "placeholder": null, "params": {}, "postProcessing": "none",
        "bypassStatusCheck": false});
    let saved = window
        .invoke("save_profile", json!({"draft": draft}))
        .unwrap();
    let id = saved["profile"]["id"].as_str().unwrap().to_string();
    assert_eq!(saved["profile"]["hasKey"], false);

    // Wrong key first: the error crosses IPC in the IpcError shape with the server's status.
    window
        .invoke("set_api_key", json!({"profileId": id, "key": "sk-wrong"}))
        .unwrap();
    let refused = window
        .invoke("connect", json!({"profileId": id}))
        .unwrap_err();
    assert_ipc_error(&refused, "auth");
    assert_eq!(refused["status"], 401);
    assert_eq!(refused["provider"], "custom");
    // A profile not saved yet is checked without saving it.
    let unsaved = window
        .invoke(
            "check_profile_draft",
            json!({"source": "custom", "url": server.base_url(), "key": "sk-wrong"}),
        )
        .unwrap_err();
    assert_ipc_error(&unsaved, "auth");
    let checked = window
        .invoke(
            "check_profile_draft",
            json!({"source": "custom", "url": server.base_url(), "key": "sk-wiring-1"}),
        )
        .unwrap();
    assert_eq!(checked["baseUrl"], server.base_url(), "{checked}");
    assert_eq!(
        window
            .invoke("list_profiles", json!({}))
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let keyed = window
        .invoke(
            "set_api_key",
            json!({"profileId": id, "key": "sk-wiring-1"}),
        )
        .unwrap();
    assert_eq!(keyed["hasKey"], true);
    assert!(!keyed.to_string().contains("sk-wiring-1"));
    profile_commands(&mut window, &id);
    let connected = window.invoke("connect", json!({"profileId": id})).unwrap();
    assert_eq!(connected["models"].as_array().unwrap().len(), 2);
    let models = window
        .invoke("list_models", json!({"profileId": id}))
        .unwrap();
    assert_eq!(models[0]["id"], "fake-model-1");
    let test = window
        .invoke(
            "test_message",
            json!({"profileId": id, "model": "fake-model-2"}),
        )
        .unwrap();
    assert_eq!(test["stopReason"], "stop");
    let doctor = window
        .invoke(
            "check_connection",
            json!({"profileId": id, "onEvent": "__CHANNEL__:15"}),
        )
        .unwrap();
    let outcomes: Vec<&Value> = doctor["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| &step["outcome"])
        .collect();
    assert_eq!(outcomes, [&json!("ok"); 5], "{doctor}");
    assert!(!doctor.to_string().contains("sk-wiring-1"));
    let next = json!({"profileId": id, "chatId": null, "input": "hi", "model": "fake-model-2", "attachments": []});
    let preview = window
        .invoke("preview_request", json!({"request": next}))
        .unwrap();
    assert_eq!(
        preview["url"],
        format!("{}/chat/completions", server.base_url())
    );
    assert!(preview["headers"]
        .as_array()
        .unwrap()
        .contains(&json!(["authorization", "Bearer <redacted>"])));
    assert!(preview["body"]
        .as_str()
        .unwrap()
        .contains("\"fake-model-2\""));
    assert!(!preview.to_string().contains("sk-wiring-1"));
    let state = window.invoke("app_state", json!({})).unwrap();
    assert_eq!(state["connection"]["state"], "connected");
    assert_eq!(state["connection"]["profileId"], id);

    assert_eq!(window.invoke("list_chats", json!({})).unwrap(), json!([]));
    assert_ipc_error(
        &window
            .invoke("load_chat", json!({"chatId": "no-such-chat"}))
            .unwrap_err(),
        "invalidRequest",
    );
    let empty =
        json!({"profileId": id, "chatId": null, "input": "  ", "model": null, "attachments": []});
    assert_ipc_error(
        &window
            .invoke(
                "start_generation",
                json!({"request": empty, "onEvent": "__CHANNEL__:7"}),
            )
            .unwrap_err(),
        "invalidRequest",
    );
    history_commands(&mut window, &id);
    attachment_commands(&mut window, &id);
    // Exports are private under the usual umask (checked as each is read).
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o022));
    let backup = transfer_commands(&mut window, downloads.path());
    assert_eq!(
        window
            .invoke(
                "cancel_generation",
                json!({"generationId": "nothing-running"})
            )
            .unwrap(),
        false
    );
    assert_ipc_error(
        &window
            .invoke("open_external", json!({"url": "javascript:alert(1)"}))
            .unwrap_err(),
        "invalidRequest",
    );
    // Arguments the bindings would never send are refused by tauri before the command runs
    // (a plain string, which the window reports as an internal error).
    let malformed = window
        .invoke("save_profile", json!({"draft": {"name": "x"}}))
        .unwrap_err();
    assert!(
        malformed
            .as_str()
            .unwrap()
            .contains("missing field `source`"),
        "{malformed}"
    );

    let cleared = window
        .invoke("clear_api_key", json!({"profileId": id}))
        .unwrap();
    assert_eq!(cleared["hasKey"], false);
    // A key for this session only: not saved (`hasKey` stays false), yet the connection works.
    let session = window
        .invoke(
            "use_session_key",
            json!({"profileId": id, "key": "sk-wiring-1"}),
        )
        .unwrap();
    assert_eq!(session["hasKey"], false);
    assert!(!session.to_string().contains("sk-wiring-1"));
    window.invoke("connect", json!({"profileId": id})).unwrap();
    assert_eq!(
        window
            .invoke("delete_profile", json!({"profileId": id}))
            .unwrap(),
        Value::Null
    );
    // The backup brings the deleted profile back, without its key (its chats, already here,
    // are skipped).
    let restored = window.import_text_choosing("backup.json", &backup, "skip");
    assert_eq!(restored["profiles"], json!(["Wired"]), "{restored}");
    assert_eq!(restored["skippedProfiles"], json!([]), "{restored}");
    let profiles = window.invoke("list_profiles", json!({})).unwrap();
    assert_eq!(profiles[0]["name"], "Wired", "{profiles}");
    assert_eq!(profiles[0]["hasKey"], false, "{profiles}");
    assert_ne!(profiles[0]["id"], id.as_str(), "{profiles}");
    settings_commands(&mut window);
    service_account_commands(&mut window);

    let bound = bound_commands();
    assert!(bound.len() >= 28, "{bound:?}");
    let untested: Vec<_> = bound.difference(&window.invoked).collect();
    assert!(
        untested.is_empty(),
        "commands in the bindings without a wiring check: {untested:?}"
    );
}

/// A 1×1 PNG.
const PNG_BASE64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

/// Attaching as the composer does: a pasted image (base64), files from the dialog (one refused
/// by name, the other still attached), a draft removed, an image read back to draw, and the
/// drafts sent with a message, which then carries them.
fn attachment_commands(window: &mut Window, profile_id: &str) {
    let image = window
        .invoke(
            "add_attachment",
            json!({"name": "pasted.png", "dataBase64": PNG_BASE64}),
        )
        .unwrap();
    assert_eq!(image["kind"], "image", "{image}");
    assert_eq!(image["mediaType"], "image/png", "{image}");
    assert_eq!(
        (image["width"].clone(), image["height"].clone()),
        (json!(1), json!(1))
    );
    let image_id = image["id"].as_str().unwrap().to_string();
    let drawn = window
        .invoke("attachment_image", json!({"id": image_id}))
        .unwrap();
    assert_eq!(drawn, format!("data:image/png;base64,{PNG_BASE64}"));
    let torn = window
        .invoke(
            "add_attachment",
            json!({"name": "torn.png", "dataBase64": "not base64!"}),
        )
        .unwrap_err();
    assert_ipc_error(&torn, "invalidRequest");
    assert!(
        torn["message"].as_str().unwrap().contains("torn.png"),
        "{torn}"
    );

    let folder = tempfile::tempdir_in(window.files.path()).unwrap().keep();
    let notes = folder.join("notes.md");
    std::fs::write(&notes, "# Notes\nkept as text").unwrap();
    let binary = folder.join("blob.bin");
    std::fs::write(&binary, [0x00, 0x01, 0x02, 0x81, 0xc3, 0x00]).unwrap();
    *window.attach_to_pick.lock().unwrap() = vec![binary, notes];
    let chosen = window.invoke("choose_attachments", json!({})).unwrap();
    assert_eq!(chosen["attached"].as_array().unwrap().len(), 1, "{chosen}");
    assert_eq!(chosen["attached"][0]["name"], "notes.md", "{chosen}");
    assert_eq!(chosen["attached"][0]["kind"], "file", "{chosen}");
    assert_eq!(chosen["refused"][0]["name"], "blob.bin", "{chosen}");
    assert!(
        chosen["refused"][0]["message"]
            .as_str()
            .unwrap()
            .contains("blob.bin"),
        "{chosen}"
    );
    let notes_id = chosen["attached"][0]["id"].as_str().unwrap().to_string();
    assert_ipc_error(
        &window
            .invoke("attachment_image", json!({"id": notes_id}))
            .unwrap_err(),
        "invalidRequest",
    );
    // Cancelled: nothing attached, nothing refused.
    let cancelled = window.invoke("choose_attachments", json!({})).unwrap();
    assert_eq!(cancelled, json!({"attached": [], "refused": []}));

    let spare = window
        .invoke(
            "add_attachment",
            json!({"name": "spare.png", "dataBase64": PNG_BASE64}),
        )
        .unwrap();
    let spare_id = spare["id"].as_str().unwrap().to_string();
    assert_eq!(
        window
            .invoke("discard_attachment", json!({"id": spare_id}))
            .unwrap(),
        true
    );
    assert_eq!(
        window
            .invoke("discard_attachment", json!({"id": spare_id}))
            .unwrap(),
        false
    );

    let request = json!({"profileId": profile_id, "chatId": null, "input": "",
        "model": null, "attachments": [image_id, notes_id]});
    let started = window
        .invoke(
            "start_generation",
            json!({"request": request, "onEvent": "__CHANNEL__:19"}),
        )
        .unwrap();
    let chat_id = started["chatId"].as_str().unwrap().to_string();
    let view = settled(window, &chat_id);
    let sent = &view["messages"][0];
    let names: Vec<&str> = sent["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["pasted.png", "notes.md"], "{view}");
    assert_eq!(view["messages"][1]["state"], "complete", "{view}");
    // Sent, it stays with its message and still draws.
    assert_eq!(
        window
            .invoke("discard_attachment", json!({"id": image_id}))
            .unwrap(),
        false
    );
    assert!(window
        .invoke("attachment_image", json!({"id": image_id}))
        .unwrap()
        .as_str()
        .unwrap()
        .starts_with("data:image/png;base64,"));
    // Out of the way of the checks that count chats.
    assert_eq!(
        window
            .invoke("delete_chat", json!({"chatId": chat_id}))
            .unwrap(),
        true
    );
}

/// A conversation as the window works on it: pages, new versions of a reply and more of one,
/// swipes, edits, branches, the chat list's rename, pin, delete and restore, and search.
fn history_commands(window: &mut Window, profile_id: &str) {
    let first = json!({"profileId": profile_id, "chatId": null, "input": "hello wiring", "model": null, "attachments": []});
    let started = window
        .invoke(
            "start_generation",
            json!({"request": first, "onEvent": "__CHANNEL__:11"}),
        )
        .unwrap();
    let chat_id = started["chatId"].as_str().unwrap().to_string();
    let user_id = started["userMessageId"].as_str().unwrap().to_string();
    let view = settled(window, &chat_id);
    assert_eq!(view["hasOlder"], false, "{view}");
    assert_eq!(view["chat"]["messageCount"], 2, "{view}");
    let reply = view["messages"][1].clone();
    let reply_id = reply["id"].as_str().unwrap().to_string();
    assert_eq!(reply["state"], "complete", "{reply}");
    assert_eq!(reply["swipeCount"], 1, "{reply}");

    let older = window
        .invoke(
            "load_messages",
            json!({"chatId": chat_id, "beforeSeq": reply["seq"]}),
        )
        .unwrap();
    assert_eq!(older.as_array().unwrap().len(), 1, "{older}");
    assert_eq!(older[0]["id"], user_id.as_str());
    assert_ipc_error(
        &window
            .invoke(
                "load_messages",
                json!({"chatId": "no-such-chat", "beforeSeq": 5}),
            )
            .unwrap_err(),
        "invalidRequest",
    );

    let around = window
        .invoke(
            "load_chat_around",
            json!({"chatId": chat_id, "messageId": user_id}),
        )
        .unwrap();
    assert_eq!(around["messages"].as_array().unwrap().len(), 2, "{around}");
    assert_eq!(around["messages"][0]["id"], user_id.as_str());
    assert_eq!(around["hasOlder"], false, "{around}");
    assert_eq!(around["hasNewer"], false, "{around}");
    assert_ipc_error(
        &window
            .invoke(
                "load_chat_around",
                json!({"chatId": chat_id, "messageId": "no-such-message"}),
            )
            .unwrap_err(),
        "invalidRequest",
    );
    let newer = window
        .invoke(
            "load_newer_messages",
            json!({"chatId": chat_id, "afterSeq": older[0]["seq"]}),
        )
        .unwrap();
    assert_eq!(newer.as_array().unwrap().len(), 1, "{newer}");
    assert_eq!(newer[0]["id"], reply_id.as_str());
    assert_ipc_error(
        &window
            .invoke(
                "load_newer_messages",
                json!({"chatId": "no-such-chat", "afterSeq": 0}),
            )
            .unwrap_err(),
        "invalidRequest",
    );

    // A new version of the reply: nothing is sent, the first version stays as a swipe.
    let again = window
        .invoke(
            "regenerate",
            json!({"profileId": profile_id, "messageId": reply_id, "onEvent": "__CHANNEL__:12"}),
        )
        .unwrap();
    assert_eq!(again["chatId"], chat_id.as_str());
    assert_eq!(again["userMessageId"], Value::Null);
    let view = settled(window, &chat_id);
    assert_eq!(view["messages"].as_array().unwrap().len(), 2, "{view}");
    assert_eq!(view["messages"][1]["swipeCount"], 2, "{view}");
    assert_eq!(view["messages"][1]["swipeIndex"], 1, "{view}");
    assert_ipc_error(
        &window
            .invoke(
                "regenerate",
                json!({"profileId": profile_id, "messageId": user_id, "onEvent": "__CHANNEL__:13"}),
            )
            .unwrap_err(),
        "invalidRequest",
    );
    let shown = window
        .invoke("select_swipe", json!({"messageId": reply_id, "index": 0}))
        .unwrap();
    assert_eq!(shown["swipeIndex"], 0, "{shown}");
    assert_eq!(shown["content"], reply["content"], "{shown}");
    assert_ipc_error(
        &window
            .invoke("select_swipe", json!({"messageId": reply_id, "index": 7}))
            .unwrap_err(),
        "invalidRequest",
    );

    // More of the reply: its text so far stays in front.
    window
        .invoke(
            "continue_reply",
            json!({"profileId": profile_id, "messageId": reply_id, "onEvent": "__CHANNEL__:14"}),
        )
        .unwrap();
    let view = settled(window, &chat_id);
    let continued = view["messages"][1]["content"].as_str().unwrap();
    let before = reply["content"].as_str().unwrap();
    assert!(
        continued.starts_with(before) && continued.len() > before.len(),
        "{view}"
    );

    // The chat header's picker: the next message goes to another model, the chat stays in
    // its place in the list.
    let listed = window.invoke("list_chats", json!({})).unwrap();
    let targeted = window
        .invoke(
            "set_chat_target",
            json!({"chatId": chat_id, "profileId": profile_id, "model": "fake-model-2"}),
        )
        .unwrap();
    assert_eq!(targeted["model"], "fake-model-2", "{targeted}");
    assert_eq!(targeted["profileId"], profile_id, "{targeted}");
    let chat = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == chat_id.as_str())
        .unwrap();
    assert_eq!(targeted["updatedAt"], chat["updatedAt"], "{targeted}");
    assert_ipc_error(
        &window
            .invoke(
                "set_chat_target",
                json!({"chatId": "no-such-chat", "profileId": profile_id, "model": null}),
            )
            .unwrap_err(),
        "invalidRequest",
    );

    let edited = window
        .invoke(
            "edit_message",
            json!({"messageId": user_id, "content": "hello again, wiring"}),
        )
        .unwrap();
    assert_eq!(edited["content"], "hello again, wiring");

    let branch = window
        .invoke(
            "branch_chat",
            json!({"chatId": chat_id, "messageId": user_id}),
        )
        .unwrap();
    let branch_id = branch["id"].as_str().unwrap().to_string();
    assert_ne!(branch_id, chat_id);
    assert_eq!(branch["messageCount"], 1, "{branch}");
    let renamed = window
        .invoke(
            "rename_chat",
            json!({"chatId": branch_id, "title": "Branched off"}),
        )
        .unwrap();
    assert_eq!(renamed["title"], "Branched off");
    assert_ipc_error(
        &window
            .invoke("rename_chat", json!({"chatId": branch_id, "title": "  "}))
            .unwrap_err(),
        "invalidRequest",
    );
    let pinned = window
        .invoke("pin_chat", json!({"chatId": branch_id, "pinned": true}))
        .unwrap();
    assert_eq!(pinned["pinned"], true);
    let chats = window.invoke("list_chats", json!({})).unwrap();
    assert_eq!(chats[0]["id"], branch_id.as_str(), "{chats}");

    let hits = window
        .invoke("search_chats", json!({"query": "AGAIN"}))
        .unwrap();
    let hits = hits.as_array().unwrap();
    assert_eq!(hits.len(), 2, "{hits:?}");
    // The snippet crosses as runs of text, the matched ones flagged.
    for hit in hits {
        let parts = hit["snippet"].as_array().unwrap();
        let matched: Vec<&str> = parts
            .iter()
            .filter(|p| p["matched"] == true)
            .map(|p| p["text"].as_str().unwrap())
            .collect();
        assert_eq!(matched, ["again"], "{hit}");
        assert!(parts.iter().all(|p| p["text"].is_string()), "{hit}");
    }
    assert!(hits.iter().all(|h| h["messageId"].is_string()));

    assert_eq!(
        window
            .invoke("delete_message", json!({"messageId": reply_id}))
            .unwrap(),
        true
    );
    assert_eq!(
        window
            .invoke("delete_message", json!({"messageId": reply_id}))
            .unwrap(),
        false
    );
    // Undo brings it back once; deleted again, it stays deleted for the rest.
    for restored in [true, false] {
        assert_eq!(
            window
                .invoke("restore_message", json!({"messageId": reply_id}))
                .unwrap(),
            restored
        );
    }
    assert_eq!(
        window
            .invoke("delete_message", json!({"messageId": reply_id}))
            .unwrap(),
        true
    );
    assert_eq!(
        window
            .invoke("delete_chat", json!({"chatId": branch_id}))
            .unwrap(),
        true
    );
    let chats = window.invoke("list_chats", json!({})).unwrap();
    assert!(chats
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["id"] != branch_id.as_str()));
    assert_eq!(
        window
            .invoke("restore_chat", json!({"chatId": branch_id}))
            .unwrap(),
        true
    );
    assert_eq!(
        window
            .invoke("restore_chat", json!({"chatId": branch_id}))
            .unwrap(),
        false
    );
    let chats = window.invoke("list_chats", json!({})).unwrap();
    assert_eq!(chats.as_array().unwrap().len(), 2, "{chats}");
}

/// Duplicating a profile copies its key under a free name, and the app (the tray) hears of it
/// as it does of a deletion.
fn profile_commands(window: &mut Window, profile_id: &str) {
    let before = window.profile_notices();
    let copy = window
        .invoke("duplicate_profile", json!({"profileId": profile_id}))
        .unwrap();
    assert_eq!(copy["name"], "Wired copy", "{copy}");
    assert_eq!(copy["hasKey"], true, "{copy}");
    assert_ne!(copy["id"], profile_id, "{copy}");
    assert!(!copy.to_string().contains("sk-wiring-1"));
    assert_eq!(window.profile_notices(), before + 1);
    let again = window
        .invoke("duplicate_profile", json!({"profileId": profile_id}))
        .unwrap();
    assert_eq!(again["name"], "Wired copy 2", "{again}");
    let names: Vec<Value> = window
        .invoke("list_profiles", json!({}))
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].clone())
        .collect();
    assert_eq!(
        names,
        vec![json!("Wired"), json!("Wired copy"), json!("Wired copy 2")]
    );
    assert_ipc_error(
        &window
            .invoke("duplicate_profile", json!({"profileId": "no-such-profile"}))
            .unwrap_err(),
        "notConfigured",
    );
    for doomed in [&copy, &again] {
        window
            .invoke("delete_profile", json!({"profileId": doomed["id"]}))
            .unwrap();
    }
    assert_eq!(window.profile_notices(), before + 4);
    // Undo brings a deleted profile back (once), and the app hears of it.
    for restored in [true, false] {
        assert_eq!(
            window
                .invoke("restore_profile", json!({"profileId": copy["id"]}))
                .unwrap(),
            restored
        );
    }
    assert_eq!(window.profile_notices(), before + 5);
    window
        .invoke("delete_profile", json!({"profileId": copy["id"]}))
        .unwrap();
}

/// Auto-connect is on until turned off, and the theme follows the system until chosen; both
/// stay as saved.
/// A Vertex AI profile's service account: the key file chosen in the dialog is read by the
/// shell and kept as the profile's key; the window gets the account and project back, never the
/// file's text; a cancelled dialog changes nothing.
fn service_account_commands(window: &mut Window) {
    let draft = json!({"id": null, "name": "Vertex", "source": "vertexai",
        "url": "https://aiplatform.googleapis.com/v1", "model": null, "systemPrompt": null,
        "prefill": null, "placeholder": null, "params": {}, "postProcessing": "none",
        "bypassStatusCheck": true});
    let saved = window
        .invoke("save_profile", json!({"draft": draft}))
        .unwrap();
    let id = saved["profile"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        window
            .invoke("choose_service_account_key", json!({"profileId": id}))
            .unwrap(),
        Value::Null
    );
    let key_file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/google-service-account/test-only-service-account.json");
    *window.key_to_pick.lock().unwrap() = Some(key_file.clone());
    let chosen = window
        .invoke("choose_service_account_key", json!({"profileId": id}))
        .unwrap();
    assert_eq!(
        chosen["clientEmail"], "switchboard-test@switchboard-test-project.iam.gserviceaccount.com",
        "{chosen}"
    );
    assert_eq!(chosen["projectId"], "switchboard-test-project", "{chosen}");
    assert!(!chosen.to_string().contains("PRIVATE KEY"), "{chosen}");
    let profiles = window.invoke("list_profiles", json!({})).unwrap();
    let vertex = profiles
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id.as_str())
        .unwrap();
    assert_eq!(vertex["hasKey"], true, "{vertex}");
    assert_eq!(
        vertex["options"]["source"]["vertexAuth"], "serviceAccount",
        "{vertex}"
    );
    assert!(!profiles.to_string().contains("PRIVATE KEY"));
}

fn settings_commands(window: &mut Window) {
    assert_eq!(
        window.invoke("startup_problem", json!({})).unwrap(),
        Value::Null
    );
    assert_eq!(
        window.invoke("get_settings", json!({})).unwrap(),
        json!({"autoConnect": true, "theme": "system"})
    );
    assert_eq!(
        window
            .invoke(
                "save_settings",
                json!({"settings": {"autoConnect": false, "theme": "dark"}})
            )
            .unwrap(),
        Value::Null
    );
    assert_eq!(
        window.invoke("get_settings", json!({})).unwrap(),
        json!({"autoConnect": false, "theme": "dark"})
    );
    // A theme the app does not know is refused, and the saved one stays.
    assert!(window
        .invoke(
            "save_settings",
            json!({"settings": {"autoConnect": false, "theme": "sepia"}})
        )
        .is_err());
    assert_eq!(
        window
            .invoke("save_settings", json!({"settings": {"autoConnect": false}}))
            .unwrap(),
        Value::Null
    );
    assert_eq!(
        window.invoke("get_settings", json!({})).unwrap(),
        json!({"autoConnect": false, "theme": "system"})
    );
    // "Delete all my data" deletes nothing without its confirmation (tests/delete_all_data.rs
    // has the real deletion, alone in its binary: it empties the keychain of Switchboard's).
    assert_ipc_error(
        &window
            .invoke("delete_all_data", json!({"confirmation": "yes"}))
            .unwrap_err(),
        "invalidRequest",
    );
    assert_eq!(
        window.invoke("get_settings", json!({})).unwrap(),
        json!({"autoConnect": false, "theme": "system"})
    );
    // Snapshots: a fresh database has none yet (tests/snapshots.rs restores one).
    assert_eq!(
        window.invoke("snapshot_problem", json!({})).unwrap(),
        Value::Null
    );
    let listed = window.invoke("list_snapshots", json!({})).unwrap();
    assert_eq!(listed["snapshots"], json!([]), "{listed}");
    assert!(listed["chats"].as_i64().is_some(), "{listed}");
    assert_ipc_error(
        &window
            .invoke("restore_snapshot", json!({"id": "2020-01-01-000000-daily"}))
            .unwrap_err(),
        "invalidRequest",
    );
    assert_eq!(window.invoke("quit_app", json!({})).unwrap(), Value::Null);
    assert!(window.notices.lock().unwrap().contains(&Notice::Quit));
}

/// The text of an exported file, after checking that only its owner may read it.
fn file_text(path: &Value) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = path.as_str().unwrap();
    let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{path}");
    std::fs::read_to_string(path).unwrap()
}

/// A chat exported in each format lands in the export folder under a new name each time,
/// readable by its owner only; the files import again (a SillyTavern file's bad lines
/// reported), and so does a backup of everything, whose text is returned.
fn transfer_commands(window: &mut Window, downloads: &Path) -> String {
    let chats = window.invoke("list_chats", json!({})).unwrap();
    let chat = chats
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["title"] != "Branched off")
        .unwrap()
        .clone();
    let chat_id = chat["id"].as_str().unwrap().to_string();
    let title = chat["title"].as_str().unwrap().to_string();

    // Each export asks where to save, suggesting the title with the format's extension in the
    // export folder; the file goes where the dialog says.
    let export = |window: &mut Window, format: &str, to: Option<PathBuf>| {
        window.will_save(to);
        window
            .invoke("export_chat", json!({"chatId": chat_id, "format": format}))
            .unwrap()
    };
    let chosen = downloads.join("chosen by the person.jsonl");
    let tavern = export(window, "sillytavern", Some(chosen.clone()))["path"].clone();
    let asked = window.last_save_request();
    assert_eq!(asked.name, format!("{title}.jsonl"));
    assert_eq!(asked.folder.as_deref(), Some(downloads));
    assert_eq!(asked.title, "Export chat");
    assert_eq!(asked.filter.name, "SillyTavern chat (.jsonl)");
    assert_eq!(Path::new(tavern.as_str().unwrap()), chosen);
    let tavern_text = file_text(&tavern);
    assert!(tavern_text.contains("hello again, wiring"), "{tavern_text}");
    assert!(tavern_text.lines().count() >= 2, "{tavern_text}");
    // Cancelled: `null`, nothing written, no error.
    let before = std::fs::read_dir(downloads).unwrap().count();
    assert_eq!(export(window, "markdown", None), Value::Null);
    assert_eq!(window.last_save_request().name, format!("{title}.md"));
    assert_eq!(std::fs::read_dir(downloads).unwrap().count(), before);
    // The same file chosen again (the dialog asked before replacing it): replaced whole.
    let again = export(window, "json", Some(chosen.clone()))["path"].clone();
    assert_eq!(again, tavern);
    assert!(file_text(&again).contains("\"switchboard-chat\""));
    let markdown = export(window, "markdown", Some(downloads.join("notes.md")))["path"].clone();
    assert!(file_text(&markdown).contains("hello again, wiring"));
    let own = export(window, "json", Some(downloads.join("own.json")))["path"].clone();
    assert_eq!(window.last_save_request().name, format!("{title}.json"));
    let own_text = file_text(&own);
    assert!(own_text.contains("\"switchboard-chat\""), "{own_text}");
    window.will_save(Some(downloads.join("never.md")));
    assert_ipc_error(
        &window
            .invoke(
                "export_chat",
                json!({"chatId": "no-such-chat", "format": "markdown"}),
            )
            .unwrap_err(),
        "invalidRequest",
    );
    window.to_save.lock().unwrap().clear();
    assert!(!downloads.join("never.md").exists());

    // "Show in folder": a file saved here is shown; any other path is refused.
    window
        .invoke("show_in_folder", json!({"path": own}))
        .unwrap();
    assert_eq!(
        *window.revealed.lock().unwrap(),
        [PathBuf::from(own.as_str().unwrap())]
    );
    assert_ipc_error(
        &window
            .invoke("show_in_folder", json!({"path": "/etc/passwd"}))
            .unwrap_err(),
        "invalidRequest",
    );
    assert_eq!(window.revealed.lock().unwrap().len(), 1);

    // A SillyTavern file with two bad lines: the chat comes in, the lines are named.
    let lines = tavern_text.lines().count();
    let damaged = format!("{tavern_text}\n{{not json\n[1, 2]");
    let report = window.import_text("x.jsonl", &damaged).unwrap();
    assert_eq!(report["error"], Value::Null, "{report}");
    assert_eq!(report["chats"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(report["chats"][0]["title"], title.as_str(), "{report}");
    assert_eq!(
        report["chats"][0]["messageCount"], chat["messageCount"],
        "{report}"
    );
    let skipped: Vec<Value> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["line"].clone())
        .collect();
    assert_eq!(
        skipped,
        vec![json!(lines + 1), json!(lines + 2)],
        "{report}"
    );
    assert!(report["skipped"][0]["reason"].as_str().unwrap().len() > 3);

    let report = window.import_text("own.json", &own_text).unwrap();
    assert_eq!(report["error"], Value::Null, "{report}");
    assert_eq!(report["chats"][0]["title"], title.as_str(), "{report}");
    assert_eq!(report["skipped"], json!([]), "{report}");

    // Not a chat file: said in the report, nothing imported, the command itself succeeds.
    let report = window.import_text("notes.json", "[1, 2, 3]").unwrap();
    assert!(
        report["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{report}"
    );
    assert_eq!(report["chats"], json!([]), "{report}");

    // Everything, in one file; importing it while the profile exists skips the profile.
    let count = window
        .invoke("list_chats", json!({}))
        .unwrap()
        .as_array()
        .unwrap()
        .len();
    assert_eq!(window.invoke("backup_all", json!({})).unwrap(), Value::Null);
    let day_file = window.last_save_request();
    assert!(
        day_file.name.starts_with("switchboard-backup-") && day_file.name.ends_with(".json"),
        "{}",
        day_file.name
    );
    assert_eq!(day_file.title, "Back up everything");
    window.will_save(Some(downloads.join(&day_file.name)));
    let backup = window.invoke("backup_all", json!({})).unwrap()["path"].clone();
    assert_eq!(
        Path::new(backup.as_str().unwrap()),
        downloads.join(&day_file.name)
    );
    let backup_text = file_text(&backup);
    assert!(backup_text.contains("\"switchboard-backup\""));
    assert!(!backup_text.contains("sk-wiring-1"));
    // Into the install that made it: its chats are here already, so nothing is imported until
    // the window says whether to skip or replace them.
    let report = window.import_text(&day_file.name, &backup_text).unwrap();
    assert_eq!(report["error"], Value::Null, "{report}");
    assert_eq!(report["alreadyHere"], count, "{report}");
    assert_eq!(report["chats"], json!([]), "{report}");
    assert_eq!(report["skippedProfiles"], json!([]), "{report}");
    let skipped = window.import_text_choosing(&day_file.name, &backup_text, "skip");
    assert_eq!(skipped["error"], Value::Null, "{skipped}");
    assert_eq!(skipped["chats"], json!([]), "{skipped}");
    assert_eq!(
        skipped["skippedChats"].as_array().unwrap().len(),
        count,
        "{skipped}"
    );
    assert_eq!(skipped["profiles"], json!([]), "{skipped}");
    assert_eq!(skipped["skippedProfiles"][0]["name"], "Wired", "{skipped}");
    let replaced = window.import_text_choosing(&day_file.name, &backup_text, "replace");
    assert_eq!(replaced["error"], Value::Null, "{replaced}");
    assert_eq!(
        replaced["chats"].as_array().unwrap().len(),
        count,
        "{replaced}"
    );
    assert_eq!(
        replaced["replaced"].as_array().unwrap().len(),
        count,
        "{replaced}"
    );
    let after = window.invoke("list_chats", json!({})).unwrap();
    assert_eq!(after.as_array().unwrap().len(), count, "{after}");
    backup_text
}

/// Each bound command with the names of its arguments, read from the generated bindings.
fn bound_commands_with_args() -> Vec<(String, Vec<String>)> {
    let bindings = std::fs::read_to_string(BINDINGS_PATH).unwrap();
    bindings
        .split("__TAURI_INVOKE")
        .skip(1)
        .filter_map(|rest| {
            let mut parts = rest.splitn(3, '"');
            let name = parts.nth(1)?.to_string();
            if !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                return None;
            }
            let after = parts.next()?;
            let args = match after.strip_prefix(", { ") {
                Some(list) => list
                    .split(" }")
                    .next()?
                    .split(", ")
                    .map(str::to_string)
                    .collect(),
                None => Vec::new(),
            };
            Some((name, args))
        })
        .collect()
}

/// A command's answer to bad arguments: taken, or refused with words that say what was wrong
/// (tauri's own refusal of an argument names it; the core's is an `IpcError`).
fn assert_clear_answer(what: &str, command: &str, args: &[String], answer: &Result<Value, Value>) {
    match answer {
        Ok(_) => {}
        Err(Value::String(text)) => assert!(
            args.iter()
                .any(|arg| text
                    .starts_with(&format!("invalid args `{arg}` for command `{command}`: ")))
                || (args.iter().any(|arg| arg == "onEvent")
                    && text.starts_with("invalid channel value")),
            "{what}: the refusal does not name an argument: {}",
            switchboard_core::error::quoted(text)
        ),
        Err(error) => {
            let kind = error["kind"].as_str().unwrap_or_default();
            assert!(
                [
                    "invalidRequest",
                    "notConfigured",
                    "storage",
                    "protocol",
                    "network"
                ]
                .contains(&kind),
                "{what}: {}",
                switchboard_core::error::quoted(&error.to_string())
            );
            let message = error["message"].as_str().unwrap_or_default();
            assert!(
                !message.is_empty() && message.len() < 600,
                "{what}: {}",
                switchboard_core::error::quoted(message)
            );
        }
    }
}

#[test]
fn bad_arguments_to_every_command_get_a_clear_answer_and_change_nothing() {
    let _env = EXPORT_DIR_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let downloads = tempfile::tempdir().unwrap();
    std::env::set_var(EXPORT_DIR_ENV, downloads.path());
    let mut window = Window::open(&dir);
    let draft = |name: &str| {
        json!({"id": null, "name": name, "source": "custom", "url": "http://127.0.0.1:9/v1",
            "model": "m", "systemPrompt": null, "prefill": null, "placeholder": null, "params": {},
            "postProcessing": "none", "bypassStatusCheck": false})
    };
    let saved = window
        .invoke("save_profile", json!({"draft": draft("Kept")}))
        .unwrap();
    let profile_id = saved["profile"]["id"].as_str().unwrap().to_string();
    let chat_file = "{\"user_name\":\"You\",\"character_name\":\"Bot\",\"create_date\":\"2024-01-01@10h00m00s\"}\n\
                     {\"name\":\"You\",\"is_user\":true,\"mes\":\"kept text\",\"send_date\":\"2024-01-01@10h00m01s\"}";
    let report = window.import_text("kept.jsonl", chat_file).unwrap();
    let chat_id = report["chats"][0]["id"].as_str().unwrap().to_string();
    let chat = window
        .invoke("load_chat", json!({"chatId": chat_id}))
        .unwrap();
    let message_id = chat["messages"][0]["id"].as_str().unwrap().to_string();

    // Every argument of every command, given each bad value while the others are plausible.
    let huge = "x".repeat(10 * 1024 * 1024);
    let bad: [(&str, Value); 8] = [
        ("empty", json!("")),
        ("huge", json!(huge)),
        (
            "control and path characters",
            json!("../../\u{0}\u{7}\u{202e}"),
        ),
        ("lone surrogate replaced", json!("\u{fffd}")),
        ("number", json!(-1)),
        ("huge number", json!(1e300)),
        ("list", json!([[[]]])),
        ("object", json!({"a": {"b": null}})),
    ];
    let commands = bound_commands_with_args();
    assert!(commands.len() >= 30, "{commands:?}");
    let mut tried = 0;
    for (command, args) in &commands {
        if args.is_empty() {
            continue;
        }
        let answer = window.invoke(command, json!({}));
        assert_clear_answer(
            &format!("{command} with no arguments"),
            command,
            args,
            &answer,
        );
        for arg in args {
            for (label, value) in &bad {
                let mut body = serde_json::Map::new();
                for other in args {
                    let plausible = if other == "onEvent" {
                        "__CHANNEL__:1"
                    } else {
                        "x"
                    };
                    body.insert(other.clone(), json!(plausible));
                }
                body.insert(arg.clone(), value.clone());
                let answer = window.invoke(command, Value::Object(body));
                assert_clear_answer(
                    &format!("{command}({arg}: {label})"),
                    command,
                    args,
                    &answer,
                );
                tried += 1;
            }
        }
    }
    assert!(tried >= 300, "only {tried} calls");

    // Oversized values inside well-formed arguments: refused by the core, naming the limit.
    let cases = [
        (
            "save_profile",
            json!({"draft": draft(&"n".repeat(201))}),
            "profile name is too long",
        ),
        (
            "set_api_key",
            json!({"profileId": profile_id, "key": "k".repeat(20_000)}),
            "API key is too long",
        ),
        (
            "set_api_key",
            json!({"profileId": profile_id, "key": "sk-one\nsk-two"}),
            "line break",
        ),
        (
            "rename_chat",
            json!({"chatId": chat_id, "title": "t".repeat(201)}),
            "chat title is too long",
        ),
        (
            "search_chats",
            json!({"query": "q".repeat(501)}),
            "search is too long",
        ),
        (
            "edit_message",
            json!({"messageId": message_id, "content": "c".repeat(5 * 1024 * 1024)}),
            "message is too long",
        ),
        (
            "preview_request",
            json!({"request": {"profileId": profile_id, "chatId": null, "input": "i".repeat(5 * 1024 * 1024), "model": null, "attachments": []}}),
            "message is too long",
        ),
        (
            "preview_url",
            json!({"source": "custom", "url": format!("http://127.0.0.1/{}", "u".repeat(3000))}),
            "URL is too long",
        ),
    ];
    for (command, args, contains) in cases {
        let error = window.invoke(command, args).unwrap_err();
        assert_ipc_error(&error, "invalidRequest");
        assert!(
            error["message"].as_str().unwrap().contains(contains),
            "{command}: {error}"
        );
    }

    // Nothing was changed, and the window still answers.
    let profiles = window.invoke("list_profiles", json!({})).unwrap();
    assert_eq!(profiles.as_array().unwrap().len(), 1, "{profiles}");
    assert_eq!(profiles[0]["name"], "Kept");
    assert_eq!(profiles[0]["hasKey"], false);
    let chats = window.invoke("list_chats", json!({})).unwrap();
    assert_eq!(chats.as_array().unwrap().len(), 1, "{chats}");
    let chat = window
        .invoke("load_chat", json!({"chatId": chat_id}))
        .unwrap();
    assert_eq!(chat["messages"][0]["content"], "kept text");
}

/// The window imports by path: the file is read by the core (its size checked first), and only
/// a file the person chose in the file dialog can be imported.
#[test]
fn the_window_imports_files_by_path_and_only_those_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let mut window = Window::open(&dir);
    let files = tempfile::tempdir().unwrap();

    let chat = files.path().join("Night talk.jsonl");
    std::fs::write(
        &chat,
        "{\"user_name\":\"You\",\"character_name\":\"Bot\"}\n\
         {\"name\":\"You\",\"is_user\":true,\"mes\":\"read from the disk\"}",
    )
    .unwrap();
    // Not chosen yet: refused, nothing read.
    let refused = window
        .invoke("import_chat_file", json!({"path": chat}))
        .unwrap_err();
    assert_ipc_error(&refused, "invalidRequest");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("was not chosen in the file dialog"),
        "{refused}"
    );
    assert_eq!(window.invoke("list_chats", json!({})).unwrap(), json!([]));

    let report = window.import_path(&chat).unwrap();
    assert_eq!(report["error"], Value::Null, "{report}");
    assert_eq!(report["chats"][0]["title"], "Bot", "{report}");
    assert_eq!(report["chats"][0]["messageCount"], 1, "{report}");

    // Over 256 MiB (sparse: no disk space taken): refused in the report before it is read.
    let huge = files.path().join("huge.jsonl");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(256 * 1024 * 1024 + 1)
        .unwrap();
    let report = window.import_path(&huge).unwrap();
    let error = report["error"].as_str().unwrap();
    assert!(error.contains("larger than the 256 MiB"), "{report}");
    assert_eq!(report["chats"], json!([]), "{report}");

    // Cancelling the dialog chooses nothing.
    assert_eq!(
        window.invoke("choose_import_files", json!({})).unwrap(),
        json!([])
    );
    assert_eq!(
        window
            .invoke("list_chats", json!({}))
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// Making, editing, duplicating and deleting other profiles, and checking one not saved yet,
/// leave the live connection as it is: the window's chat goes on with it.
#[test]
fn profile_changes_leave_the_live_connection_alone() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime
        .block_on(FakeServer::start(FakeOptions::default()))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut window = Window::open(&dir);
    let draft = |id: Value, name: &str, url: String, system: Value| {
        json!({"draft": {"id": id, "name": name, "source": "custom", "url": url,
            "model": "fake-model-1", "systemPrompt": system, "prefill": null, "placeholder": null,
            "params": {}, "postProcessing": "none", "bypassStatusCheck": false}})
    };
    let saved = window
        .invoke(
            "save_profile",
            draft(Value::Null, "Live", server.base_url(), Value::Null),
        )
        .unwrap();
    let live = saved["profile"]["id"].as_str().unwrap().to_string();
    window
        .invoke("connect", json!({"profileId": live}))
        .unwrap();
    let connected = window.invoke("app_state", json!({})).unwrap()["connection"].clone();
    assert_eq!(connected["state"], "connected", "{connected}");
    let connection_notices = |window: &Window| {
        window
            .notices
            .lock()
            .unwrap()
            .iter()
            .filter(|n| matches!(n, Notice::Connection(_)))
            .count()
    };
    let heard = connection_notices(&window);
    let still_live = |window: &mut Window, after: &str| {
        let now = window.invoke("app_state", json!({})).unwrap()["connection"].clone();
        assert_eq!(now, connected, "after {after}");
    };

    // Create another profile (one whose server is down).
    let other = window
        .invoke(
            "save_profile",
            draft(
                Value::Null,
                "Other",
                "http://127.0.0.1:9/v1".into(),
                Value::Null,
            ),
        )
        .unwrap();
    let other = other["profile"]["id"].as_str().unwrap().to_string();
    still_live(&mut window, "creating a profile");
    // Edit it, and edit the live one (its system prompt).
    window
        .invoke(
            "save_profile",
            draft(
                json!(other),
                "Other, renamed",
                "http://127.0.0.1:9/v1".into(),
                Value::Null,
            ),
        )
        .unwrap();
    still_live(&mut window, "editing another profile");
    window
        .invoke(
            "save_profile",
            draft(json!(live), "Live", server.base_url(), json!("Be brief.")),
        )
        .unwrap();
    still_live(&mut window, "editing the live profile's system prompt");
    // Duplicate the live one.
    let copy = window
        .invoke("duplicate_profile", json!({"profileId": live}))
        .unwrap();
    still_live(&mut window, "duplicating the live profile");
    // Check a profile not saved yet, whose server is down.
    window
        .invoke(
            "check_profile_draft",
            json!({"source": "custom", "url": "http://127.0.0.1:9/v1", "key": null}),
        )
        .unwrap_err();
    still_live(&mut window, "checking a profile not saved yet");
    // Delete the others.
    for doomed in [json!(other), copy["id"].clone()] {
        window
            .invoke("delete_profile", json!({"profileId": doomed}))
            .unwrap();
    }
    still_live(&mut window, "deleting other profiles");
    assert_eq!(
        connection_notices(&window),
        heard,
        "the live connection was reported as changed"
    );
}
