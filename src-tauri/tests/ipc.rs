//! What crosses IPC: the shell's command results, app-wide events and generation channels,
//! driven through a whole session against a fake server with the real keychain. The API key
//! must never be in any of it; the session itself must work (so the check means something).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use switchboard_core::store::PostProcessing;
use switchboard_core::{ChatEvent, ErrorKind, GenParams, ProviderKind};
use switchboard_fakes::{FakeOptions, FakeServer, Scenario, REPLY_TEXT};
use switchboard_lib::commands::chat::StartGeneration;
use switchboard_lib::commands::profiles::ProfileDraft;
use switchboard_lib::shell::{ConnectionState, Notice, Shell};
use tauri::ipc::{Channel, InvokeResponseBody};

const KEY: &str = "sk-ipc-test-SECRET-4711";
const WRONG_KEY: &str = "sk-ipc-test-WRONG-0815";

/// Everything the window would have received, as JSON.
#[derive(Default, Clone)]
struct Wire(Arc<Mutex<Vec<String>>>);

impl Wire {
    fn push(&self, json: String) {
        self.0.lock().unwrap().push(json);
    }
    fn record<T: Serialize>(&self, value: &T) {
        self.push(serde_json::to_string(value).unwrap());
    }
    fn all(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

fn shell(dir: &tempfile::TempDir, wire: &Wire) -> Shell {
    let events = wire.clone();
    Shell::new(common::engine(dir), move |notice| match notice {
        Notice::Connection(connection) => events.record(&connection),
        Notice::ProfilesChanged => events.push("{}".into()),
        Notice::Quit => events.push("quit".into()),
    })
}

fn draft(name: &str, url: String) -> ProfileDraft {
    ProfileDraft {
        id: None,
        name: name.into(),
        source: ProviderKind::Custom,
        url,
        model: None,
        system_prompt: None,
        prefill: None,
        placeholder: None,
        params: GenParams::default(),
        post_processing: PostProcessing::None,
        api: None,
        instruct: Default::default(),
        bypass_status_check: false,
        options: None,
    }
}

/// Sends one message and returns the channel's events, up to the terminal one.
async fn generate(
    shell: &Shell,
    wire: &Wire,
    profile_id: &str,
    chat_id: Option<String>,
    model: Option<&str>,
) -> Vec<ChatEvent> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let channel_wire = wire.clone();
    let channel = Channel::new(move |body| {
        let InvokeResponseBody::Json(json) = body else {
            panic!("generation events are JSON")
        };
        channel_wire.push(json.clone());
        let event: ChatEvent = serde_json::from_str(&json).unwrap();
        let _ = tx.send(event);
        Ok(())
    });
    let started = shell
        .start_generation(
            StartGeneration {
                profile_id: profile_id.into(),
                chat_id,
                input: "hello".into(),
                model: model.map(str::to_string),
                attachments: Vec::new(),
            },
            channel,
        )
        .await
        .unwrap();
    wire.record(&started);
    let mut events = Vec::new();
    while let Some(event) = tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .unwrap()
    {
        let terminal = event.is_terminal();
        events.push(event);
        if terminal {
            break;
        }
    }
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_command_result_or_event_carries_the_key() {
    let server = FakeServer::start(FakeOptions {
        scenario: Scenario::Normal,
        api_key: Some(KEY.into()),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let wire = Wire::default();
    let shell = shell(&dir, &wire);

    // Set-up, as the connection panel does it: save, key, connect, pick a model, test.
    let saved = shell
        .save_profile(draft("IPC local", server.base_url()))
        .await
        .unwrap();
    wire.record(&saved);
    let id = saved.profile.profile.id.0.clone();
    assert!(!saved.profile.has_key);
    let with_key = shell.set_api_key(&id, format!("  {KEY}\n")).await.unwrap();
    wire.record(&with_key);
    assert!(with_key.has_key);
    wire.record(&shell.engine().profiles().await.unwrap());

    let connected = shell.connect(&id).await.unwrap();
    wire.record(&connected);
    assert_eq!(connected.models.len(), 2);
    assert_eq!(shell.connection().state, ConnectionState::Connected);
    wire.record(&shell.models(&id).await.unwrap());
    let test = shell
        .test_message(&id, Some("fake-model-2".into()))
        .await
        .unwrap();
    wire.record(&test);
    assert_eq!(test.reply, REPLY_TEXT);

    let preview = shell
        .preview_request(StartGeneration {
            profile_id: id.clone(),
            chat_id: None,
            input: "hello".into(),
            model: None,
            attachments: Vec::new(),
        })
        .await
        .unwrap();
    wire.record(&preview);
    assert!(preview
        .headers
        .iter()
        .any(|(name, _)| name == "authorization"));

    // A streamed reply in a new chat, then the chat as the window reloads it.
    let events = generate(&shell, &wire, &id, None, None).await;
    let text: String = events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Delta { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(text, REPLY_TEXT);
    assert!(matches!(events.last(), Some(ChatEvent::Finished { .. })));
    let chats = shell.engine().chats().await.unwrap();
    wire.record(&chats);
    let view = shell.load_chat(chats[0].id.0.clone()).await.unwrap();
    wire.record(&view);
    assert_eq!(view.messages.len(), 2);

    // The key really went out on the wire — to the server, and nowhere else.
    let seen = server.requests();
    assert!(seen
        .iter()
        .all(|r| r.header("authorization") == Some(&format!("Bearer {KEY}"))));

    // A wrong key: the auth error names the profile, and does not echo the key either.
    shell.set_api_key(&id, WRONG_KEY.into()).await.unwrap();
    let error = shell.connect(&id).await.unwrap_err();
    wire.record(&error);
    assert_eq!(error.kind, ErrorKind::Auth);
    assert!(error.message.contains("IPC local"), "{}", error.message);
    assert_eq!(shell.connection().state, ConnectionState::Failed);
    let failed = generate(
        &shell,
        &wire,
        &id,
        Some(chats[0].id.0.clone()),
        Some("fake-model-1"),
    )
    .await;
    assert!(matches!(failed.last(), Some(ChatEvent::Failed { .. })));

    let cleared = shell.clear_api_key(&id).await.unwrap();
    wire.record(&cleared);
    assert!(!cleared.has_key);

    let everything = wire.all();
    assert!(
        everything.len() > 20,
        "{} messages recorded",
        everything.len()
    );
    for json in &everything {
        assert!(!json.contains(KEY), "the key crossed IPC: {json}");
        assert!(
            !json.contains(WRONG_KEY),
            "the wrong key crossed IPC: {json}"
        );
        // Distinctive parts (the digits alone turn up in ids and timestamps).
        assert!(
            !json.contains("SECRET-4711") && !json.contains("WRONG-0815"),
            "part of a key crossed IPC: {json}"
        );
    }
}

/// A new profile is checked as it will be used: through the proxy its draft names (the proxy's
/// `user:password@` sent as its credentials), and a proxy that wants credentials it was not
/// given is reported as such.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_profile_is_checked_through_its_drafts_proxy() {
    use switchboard_core::options::{ConnectionOptions, ProxyChoice};
    use switchboard_fakes::FakeProxy;

    let server = FakeServer::start(FakeOptions::default()).await.unwrap();
    let proxy = FakeProxy::start(0, Some("ann:s3cret")).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let wire = Wire::default();
    let shell = shell(&dir, &wire);
    let through = |url: String| {
        let mut options = ConnectionOptions::default();
        options.network.proxy = ProxyChoice::Url(url);
        options
    };
    let with_credentials = proxy.url().replace("http://", "http://ann:s3cret@");

    let report = shell
        .check_draft(
            ProviderKind::Custom,
            server.base_url(),
            None,
            through(with_credentials),
        )
        .await
        .unwrap();
    assert!(report.models.is_some_and(|m| !m.is_empty()));
    let relayed = proxy.requests();
    assert!(
        !relayed.is_empty(),
        "the check did not go through the proxy"
    );
    assert!(relayed.iter().all(|r| r.authorized), "{:?}", relayed.len());

    let refused = shell
        .check_draft(
            ProviderKind::Custom,
            server.base_url(),
            None,
            through(proxy.url()),
        )
        .await
        .unwrap_err();
    assert!(refused.message.contains("proxy"), "{}", refused.message);
    assert!(!refused.message.contains("s3cret"), "{}", refused.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_are_validated_and_renames_reach_the_connection() {
    let server = FakeServer::start(FakeOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let wire = Wire::default();
    let shell = shell(&dir, &wire);

    let blank = shell
        .save_profile(draft("  ", server.base_url()))
        .await
        .unwrap_err();
    assert_eq!(blank.kind, ErrorKind::InvalidRequest);
    let first = shell
        .save_profile(draft(
            "Local",
            format!(" {}/v1/chat/completions/ ", server.base_url()),
        ))
        .await
        .unwrap();
    assert_eq!(
        first.profile.profile.url,
        format!("{}/v1", server.base_url())
    );
    assert!(!first.url_changes.is_empty());
    let duplicate = shell
        .save_profile(draft("local", server.base_url()))
        .await
        .unwrap_err();
    assert!(
        duplicate.message.contains("already exists"),
        "{}",
        duplicate.message
    );

    let id = first.profile.profile.id.0.clone();
    shell.connect(&id).await.unwrap();
    let mut rename = draft("Workstation", first.profile.profile.url.clone());
    rename.id = Some(id.clone());
    rename.model = Some("fake-model-2".into());
    let renamed = shell.save_profile(rename).await.unwrap();
    assert_eq!(
        renamed.profile.profile.model.as_deref(),
        Some("fake-model-2")
    );
    assert_eq!(
        shell.connection().profile_name.as_deref(),
        Some("Workstation")
    );
    // Choosing another model for the active profile shows in the status light and the tray.
    assert_eq!(shell.connection().model.as_deref(), Some("fake-model-2"));
    assert_eq!(
        shell.connection().message,
        "Connected to Workstation · fake-model-2"
    );

    shell.delete_profile(&id).await.unwrap();
    assert_eq!(shell.connection().state, ConnectionState::Idle);
    assert!(shell.engine().profiles().await.unwrap().is_empty());
}

/// The events of one generation the shell forwards, up to the terminal one.
async fn collect(
    start: impl std::future::Future<
        Output = switchboard_core::Result<switchboard_lib::commands::chat::GenerationStarted>,
    >,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<ChatEvent>,
) -> (
    switchboard_lib::commands::chat::GenerationStarted,
    Vec<ChatEvent>,
) {
    let started = start.await.unwrap();
    let mut events = Vec::new();
    while let Some(event) = tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .unwrap()
    {
        let terminal = event.is_terminal();
        events.push(event);
        if terminal {
            break;
        }
    }
    (started, events)
}

fn channel() -> (
    Channel<ChatEvent>,
    tokio::sync::mpsc::UnboundedReceiver<ChatEvent>,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let channel = Channel::new(move |body| {
        let InvokeResponseBody::Json(json) = body else {
            panic!("generation events are JSON")
        };
        let _ = tx.send(serde_json::from_str(&json).unwrap());
        Ok(())
    });
    (channel, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_get_new_versions_and_more_text_and_long_chats_load_by_page() {
    use switchboard_core::engine::Action;
    use switchboard_core::store::PAGE_SIZE;
    use switchboard_core::{MessageId, Role};

    let server = FakeServer::start(FakeOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let wire = Wire::default();
    let shell = shell(&dir, &wire);
    let saved = shell
        .save_profile(draft("Versions", server.base_url()))
        .await
        .unwrap();
    let id = saved.profile.profile.id.0.clone();
    shell.connect(&id).await.unwrap();

    let events = generate(&shell, &wire, &id, None, None).await;
    let Some(ChatEvent::Started {
        chat_id,
        message_id,
        text,
        swipe_index: 0,
        swipe_count: 1,
        ..
    }) = events.first().cloned()
    else {
        panic!("{events:?}")
    };
    assert_eq!(text, "");

    // A new version: the `started` event says which one, and starts from nothing.
    let (tx, mut rx) = channel();
    let (started, events) = collect(
        shell.start_action(
            id.clone(),
            Some("fake-model-2".into()),
            Action::Regenerate(message_id.clone()),
            tx,
        ),
        &mut rx,
    )
    .await;
    assert_eq!(started.user_message_id, None);
    // The model asked for (the chat's own), not the profile's, wrote it.
    let chat = shell.engine().chat(&chat_id).await.unwrap().unwrap();
    assert_eq!(chat.model.as_deref(), Some("fake-model-2"));
    assert_eq!(started.chat_id, chat_id.0);
    assert!(
        matches!(
            &events[0],
            ChatEvent::Started { text, swipe_index: 1, swipe_count: 2, message_id: m, .. }
                if text.is_empty() && *m == message_id
        ),
        "{events:?}"
    );
    assert!(matches!(events.last(), Some(ChatEvent::Finished { .. })));

    // More of it: the `started` event carries the text so far, the deltas follow it.
    let (tx, mut rx) = channel();
    let (_, events) = collect(
        shell.start_action(id.clone(), None, Action::Continue(message_id.clone()), tx),
        &mut rx,
    )
    .await;
    assert!(
        matches!(&events[0], ChatEvent::Started { text, swipe_index: 1, .. } if text == REPLY_TEXT),
        "{events:?}"
    );
    let view = shell.load_chat(chat_id.0.clone()).await.unwrap();
    assert_eq!(view.messages.len(), 2);
    assert_eq!(
        view.messages[1].content,
        format!("{REPLY_TEXT}{REPLY_TEXT}")
    );
    assert!(!view.has_older);
    let missing = shell
        .start_action(
            id.clone(),
            None,
            Action::Continue(MessageId("no-such-message".into())),
            channel().0,
        )
        .await
        .unwrap_err();
    assert!(!missing.message.is_empty());

    // A long chat: the latest page first, then the pages before it, oldest first.
    let store = shell.engine().store();
    let long = store.create_chat("Long", None, None).unwrap();
    let total = PAGE_SIZE * 2 + 30;
    for n in 0..total {
        let role = if n % 2 == 0 {
            Role::User
        } else {
            Role::Assistant
        };
        store
            .append_message(&long.id, role, &format!("message {n}"))
            .unwrap();
    }
    let view = shell.load_chat(long.id.0.clone()).await.unwrap();
    assert_eq!(view.chat.message_count, i64::try_from(total).unwrap());
    assert_eq!(view.messages.len(), PAGE_SIZE);
    assert!(view.has_older);
    assert_eq!(
        view.messages.last().unwrap().content,
        format!("message {}", total - 1)
    );
    let mut before = u32::try_from(view.messages[0].seq).unwrap();
    let mut seen = view.messages.len();
    loop {
        let page = shell
            .load_messages(long.id.0.clone(), before)
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.windows(2).all(|w| w[0].seq < w[1].seq));
        assert!(i64::from(before) > page.last().unwrap().seq);
        seen += page.len();
        before = u32::try_from(page[0].seq).unwrap();
    }
    assert_eq!(seen, total);
    assert_eq!(before, 0);

    // A search hit deep in the chat: the page around it, then the pages after it up to the end.
    let all = store.messages(&long.id).unwrap();
    let hit = &all[PAGE_SIZE + 10];
    let around = shell
        .load_chat_around(long.id.0.clone(), hit.id.0.clone())
        .await
        .unwrap();
    assert_eq!(around.chat.id, long.id);
    assert_eq!(around.messages.len(), PAGE_SIZE);
    assert!(around.has_older && around.has_newer);
    assert_eq!(around.messages[PAGE_SIZE / 2].id, hit.id);
    let mut after = u32::try_from(around.messages.last().unwrap().seq).unwrap();
    let mut seen = around.messages.len();
    loop {
        let page = shell
            .load_newer_messages(long.id.0.clone(), after)
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.windows(2).all(|w| w[0].seq < w[1].seq));
        assert!(page[0].seq > i64::from(after));
        seen += page.len();
        after = u32::try_from(page.last().unwrap().seq).unwrap();
    }
    assert_eq!(
        seen,
        total - usize::try_from(around.messages[0].seq).unwrap()
    );
    assert_eq!(i64::from(after), all.last().unwrap().seq);
    // At the ends: nothing before the first message, nothing after the last.
    let start = shell
        .load_chat_around(long.id.0.clone(), all[0].id.0.clone())
        .await
        .unwrap();
    assert!(!start.has_older && start.has_newer);
    assert_eq!(start.messages[0].id, all[0].id);
    let end = shell
        .load_chat_around(long.id.0.clone(), all[total - 1].id.0.clone())
        .await
        .unwrap();
    assert!(end.has_older && !end.has_newer);
    // A message of another chat is refused, naming it.
    let err = shell
        .load_chat_around(chat_id.0.clone(), hit.id.0.clone())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidRequest);
    assert!(err.message.contains(hit.id.as_str()), "{}", err.message);
}

/// A profile deleted in the window keeps its key in the real keychain while Undo can bring it
/// back; the next start alone purges it and its keychain entry.
#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_profile_keeps_its_key_until_the_next_start_purges_it() {
    use secrecy::ExposeSecret;
    use switchboard_core::secrets::{KeyringStore, SecretStore, Secrets};

    let dir = tempfile::tempdir().unwrap();
    let wire = Wire::default();
    let shell = shell(&dir, &wire);
    let saved = shell
        .save_profile(draft("Undone", "http://127.0.0.1:9/v1".into()))
        .await
        .unwrap();
    let id = saved.profile.profile.id.clone();
    shell.set_api_key(id.as_str(), KEY.into()).await.unwrap();
    let account = Secrets::account(&id);
    let in_keychain = || {
        KeyringStore::new()
            .get(&account)
            .unwrap()
            .map(|key| key.expose_secret().to_string())
    };

    shell.delete_profile(id.as_str()).await.unwrap();
    assert!(shell.engine().profiles().await.unwrap().is_empty());
    assert_eq!(in_keychain().as_deref(), Some(KEY));
    assert!(shell.restore_profile(id.as_str()).await.unwrap());
    assert!(shell.engine().has_key(id.as_str()).await.unwrap());

    shell.delete_profile(id.as_str()).await.unwrap();
    // The next start comes at least a millisecond after the deletion.
    let deleted = switchboard_core::store::now_ms();
    while switchboard_core::store::now_ms() <= deleted {
        std::hint::spin_loop();
    }
    drop(shell);
    let shell = self::shell(&dir, &wire);
    assert_eq!(in_keychain(), None, "the key outlived its purged profile");
    assert!(!shell.restore_profile(id.as_str()).await.unwrap());
}
