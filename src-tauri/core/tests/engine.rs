//! Engine tests over real SQLite and real HTTP fakes: persistence while streaming, exactly one
//! terminal event, cancellation (user stop and a vanished front end), status discovery and
//! model choice. Keys live in the in-memory store here; the real keychain is tested by the CLI.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use switchboard_core::engine::{
    CancelReason, ConnectionSpec, Engine, EngineConfig, GenerationRequest,
};
use switchboard_core::http::HttpConfig;
use switchboard_core::model::{ChatEvent, MessageState, Role, StopReason};
use switchboard_core::secrets::MemoryStore;
use switchboard_core::store::{PostProcessing, Profile};
use switchboard_core::{ErrorKind, ProviderKind};
use switchboard_fakes::{
    slow_reply_text, FakeOptions, FakeServer, Family, Scenario, PARTIAL_TEXT, REASONING_TEXT,
    REPLY_TEXT,
};
use tempfile::TempDir;

fn engine(dir: &TempDir) -> Engine {
    Engine::open(EngineConfig {
        data_dir: dir.path().to_path_buf(),
        http: HttpConfig {
            idle_timeout: Duration::from_millis(800),
            ..HttpConfig::default()
        },
        secret_store: Arc::new(MemoryStore::new()),
        keychain_timeout: Duration::from_secs(5),
    })
    .unwrap()
}

async fn fake(scenario: Scenario) -> FakeServer {
    FakeServer::start(FakeOptions {
        scenario,
        slow_delay: Duration::from_millis(20),
        ..FakeOptions::default()
    })
    .await
    .unwrap()
}

async fn add_local(engine: &Engine, server: &FakeServer) {
    let mut profile = Profile::new(
        "local",
        ProviderKind::Custom,
        format!("{}/v1", server.base_url()),
    );
    profile.model = Some("fake-model-1".into());
    engine.add_profile(profile).await.unwrap();
}

fn ask(input: &str) -> GenerationRequest {
    common::ask("local", None, input)
}

/// Receives every event until the channel closes.
async fn drain(mut events: tokio::sync::mpsc::Receiver<ChatEvent>) -> Vec<ChatEvent> {
    let mut all = Vec::new();
    while let Some(event) = tokio::time::timeout(Duration::from_secs(10), events.recv())
        .await
        .unwrap()
    {
        all.push(event);
    }
    all
}

fn assert_one_terminal_last(events: &[ChatEvent]) {
    assert!(
        matches!(events.first(), Some(ChatEvent::Started { .. })),
        "{events:?}"
    );
    let terminals = events.iter().filter(|e| e.is_terminal()).count();
    assert_eq!(terminals, 1, "{events:?}");
    assert!(events.last().unwrap().is_terminal(), "{events:?}");
}

fn text_of(events: &[ChatEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Delta { text } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_streams_is_saved_and_ends_with_one_finished_event() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir);
    let server = fake(Scenario::Reasoning).await;
    add_local(&engine, &server).await;

    let generation = engine.start_generation(ask("hello there")).await.unwrap();
    let events = drain(generation.events).await;
    assert_one_terminal_last(&events);
    assert_eq!(text_of(&events), REPLY_TEXT);
    let reasoning: String = events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Reasoning { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(reasoning, REASONING_TEXT);
    let ChatEvent::Finished {
        stop_reason,
        message_id,
    } = events.last().unwrap()
    else {
        panic!()
    };
    assert_eq!(*stop_reason, StopReason::Stop);

    let messages = engine.messages(&generation.chat_id).await.unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(
        (messages[0].role, messages[0].content.as_str()),
        (Role::User, "hello there")
    );
    assert_eq!(&messages[1].id, message_id);
    assert_eq!(messages[1].content, REPLY_TEXT);
    assert_eq!(messages[1].reasoning.as_deref(), Some(REASONING_TEXT));
    assert_eq!(messages[1].state, MessageState::Complete);
    let chat = engine.chat(&generation.chat_id).await.unwrap().unwrap();
    assert_eq!(chat.title, "hello there");
    assert_eq!(chat.model.as_deref(), Some("fake-model-1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_message_sends_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir);
    let server = fake(Scenario::Normal).await;
    add_local(&engine, &server).await;
    let first = engine.start_generation(ask("one")).await.unwrap();
    let chat_id = first.chat_id.clone();
    drain(first.events).await;
    let mut next = ask("two");
    next.chat_id = Some(chat_id.clone());
    next.system_prompt = Some("be brief".into());
    drain(engine.start_generation(next).await.unwrap().events).await;
    let body = server.requests().last().unwrap().json().unwrap();
    let roles: Vec<&str> = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["system", "user", "assistant", "user"]);
    assert_eq!(body["messages"][2]["content"], REPLY_TEXT);
    assert_eq!(engine.messages(&chat_id).await.unwrap().len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_mid_reply_keeps_the_text_and_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir);
    for scenario in [
        Scenario::MidStreamError,
        Scenario::Truncated,
        Scenario::Stall,
    ] {
        let server = fake(scenario).await;
        engine.remove_profile("local").await.ok();
        add_local(&engine, &server).await;
        let generation = engine.start_generation(ask("hi")).await.unwrap();
        let events = drain(generation.events).await;
        assert_one_terminal_last(&events);
        assert_eq!(text_of(&events), PARTIAL_TEXT, "{}", scenario.name());
        let ChatEvent::Failed { error, message_id } = events.last().unwrap() else {
            panic!("{}: {events:?}", scenario.name())
        };
        let reply = engine
            .store()
            .message(message_id.as_ref().unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(reply.content, PARTIAL_TEXT, "{}", scenario.name());
        assert_eq!(reply.state, MessageState::Failed);
        assert_eq!(reply.error.as_ref().unwrap(), error);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_keeps_the_partial_reply_marked_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir);
    let server = fake(Scenario::Slow).await;
    add_local(&engine, &server).await;
    let mut generation = engine.start_generation(ask("long one")).await.unwrap();
    let mut events = Vec::new();
    while let Some(event) = generation.events.recv().await {
        let is_delta = matches!(event, ChatEvent::Delta { .. });
        events.push(event);
        if is_delta {
            break;
        }
    }
    assert!(engine.cancel(&generation.id, CancelReason::User));
    events.extend(drain(generation.events).await);
    assert_one_terminal_last(&events);
    let ChatEvent::Cancelled { message_id } = events.last().unwrap() else {
        panic!("{events:?}")
    };
    let reply = engine.store().message(message_id).unwrap().unwrap();
    assert_eq!(reply.state, MessageState::Stopped);
    assert!(!reply.content.is_empty());
    assert_eq!(
        reply.content,
        text_of(&events),
        "everything shown was saved"
    );
    assert!(slow_reply_text().starts_with(&reply.content));
    assert!(reply.content.len() < slow_reply_text().len());
    // Cancelling again, or an unknown id, is a no-op.
    assert!(!engine.cancel(&generation.id, CancelReason::User));
    assert!(engine.generations().running().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vanished_front_end_interrupts_the_reply() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir);
    let server = fake(Scenario::Slow).await;
    add_local(&engine, &server).await;
    let mut generation = engine.start_generation(ask("long one")).await.unwrap();
    let chat_id = generation.chat_id.clone();
    while let Some(event) = generation.events.recv().await {
        if matches!(event, ChatEvent::Delta { .. }) {
            break;
        }
    }
    drop(generation.events);
    let mut reply = None;
    // Polls until the vanished front end's reply leaves the streaming state.
    for _ in 0..100 {
        let messages = engine.messages(&chat_id).await.unwrap();
        if messages[1].state != MessageState::Streaming {
            reply = Some(messages[1].clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let reply = reply.expect("the reply left the streaming state");
    assert_eq!(reply.state, MessageState::Interrupted);
    assert!(!reply.content.is_empty());
    // The generation leaves the registry just after its reply is saved.
    for _ in 0..100 {
        if engine.generations().running().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(engine.generations().running().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deltas_are_coalesced_without_losing_text() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir);
    let server = FakeServer::start(FakeOptions {
        scenario: Scenario::Slow,
        slow_delay: Duration::from_millis(1),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    add_local(&engine, &server).await;
    let generation = engine.start_generation(ask("go")).await.unwrap();
    let events = drain(generation.events).await;
    assert_one_terminal_last(&events);
    assert_eq!(text_of(&events), slow_reply_text());
    let deltas = events
        .iter()
        .filter(|e| matches!(e, ChatEvent::Delta { .. }))
        .count();
    assert!(
        deltas < switchboard_fakes::SLOW_PIECES,
        "{deltas} deltas for {} pieces",
        switchboard_fakes::SLOW_PIECES
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_errors_come_before_anything_is_saved() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir);
    let error = engine.start_generation(ask("hi")).await.err().unwrap();
    assert_eq!(error.kind, ErrorKind::NotConfigured);
    assert!(
        error.message.contains("no profile named \"local\""),
        "{}",
        error.message
    );

    engine
        .add_profile(Profile::new(
            "cloud",
            ProviderKind::OpenAi,
            "https://api.openai.com/v1",
        ))
        .await
        .unwrap();
    let mut request = ask("hi");
    request.connection = ConnectionSpec::Profile("cloud".into());
    let error = engine.start_generation(request).await.err().unwrap();
    assert_eq!(error.kind, ErrorKind::NotConfigured);
    // The core states the fact; each front end words the fix (the CLI names "key set").
    assert!(
        error.message.contains("has no API key"),
        "{}",
        error.message
    );
    assert_eq!(
        error.reason,
        Some(switchboard_core::ErrorReason::MissingKey {
            profile: "cloud".into()
        })
    );
    assert!(engine.store().chats().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_servers_without_a_model_set_use_the_first_listed() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir);
    let server = fake(Scenario::Normal).await;
    engine
        .add_profile(Profile::new(
            "local",
            ProviderKind::Custom,
            format!("{}/v1", server.base_url()),
        ))
        .await
        .unwrap();
    let generation = engine.start_generation(ask("hi")).await.unwrap();
    let events = drain(generation.events).await;
    let ChatEvent::Started { model, .. } = &events[0] else {
        panic!()
    };
    assert_eq!(model, "fake-model-1");
    assert_eq!(
        server.requests().last().unwrap().json().unwrap()["model"],
        "fake-model-1"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_saves_a_discovered_v1_and_bypass_skips_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir);
    let server = FakeServer::start(FakeOptions {
        mount: Some("/v1".into()),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let (profile, changes) = engine
        .add_profile(Profile::new(
            "local",
            ProviderKind::Custom,
            format!(" {}/chat/completions ", server.base_url()),
        ))
        .await
        .unwrap();
    assert_eq!(profile.url, server.base_url());
    assert_eq!(changes.len(), 2, "{changes:?}");
    let report = engine
        .status(&ConnectionSpec::Profile("local".into()))
        .await
        .unwrap();
    assert!(report.url_changed);
    assert_eq!(
        engine.profile("local").await.unwrap().url,
        format!("{}/v1", server.base_url())
    );

    let mut profile = engine.profile("local").await.unwrap();
    profile.bypass_status_check = true;
    engine.update_profile(profile).await.unwrap();
    server.clear_requests();
    let report = engine
        .status(&ConnectionSpec::Profile("local".into()))
        .await
        .unwrap();
    assert!(report.message.contains("bypassed"));
    assert!(server.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_reach_the_server_and_never_the_profile_listing() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir);
    let server = FakeServer::start(FakeOptions {
        api_key: Some("sk-secret-777".into()),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    add_local(&engine, &server).await;
    let error = engine
        .test_message(&ConnectionSpec::Profile("local".into()), None)
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::Auth);
    engine
        .set_key("local", SecretString::from("sk-secret-777"))
        .await
        .unwrap();
    let report = engine
        .test_message(&ConnectionSpec::Profile("local".into()), None)
        .await
        .unwrap();
    assert_eq!(report.reply, REPLY_TEXT);
    let listing = serde_json::to_string(&engine.profiles().await.unwrap()).unwrap();
    assert!(listing.contains("\"hasKey\":true"));
    assert!(!listing.contains("sk-secret-777"));
    engine.clear_key("local").await.unwrap();
    assert!(!engine.has_key("local").await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_profiles_post_processing_shapes_the_request_on_the_wire() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir);
    let server = fake(Scenario::Unauthorized).await;
    add_local(&engine, &server).await;
    let mut profile = engine.profile("local").await.unwrap();
    profile.system_prompt = Some("Be brief.".into());
    profile.post_processing = PostProcessing::Strict;
    engine.update_profile(profile).await.unwrap();

    // A first message that fails leaves two user turns in a row in the chat's history.
    let failed = engine.start_generation(ask("first")).await.unwrap();
    let chat_id = failed.chat_id.clone();
    drain(failed.events).await;
    server.set_scenario(Scenario::Normal);
    let mut second = ask("second");
    second.chat_id = Some(chat_id);
    let generation = engine.start_generation(second).await.unwrap();
    drain(generation.events).await;

    let body = server.requests().last().unwrap().json().unwrap();
    assert_eq!(
        body["messages"],
        serde_json::json!([
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "first\n\nsecond"},
        ])
    );

    // "none" sends the turns as they are.
    let mut profile = engine.profile("local").await.unwrap();
    profile.post_processing = PostProcessing::None;
    engine.update_profile(profile).await.unwrap();
    let generation = engine.start_generation(ask("third")).await.unwrap();
    drain(generation.events).await;
    let body = server.requests().last().unwrap().json().unwrap();
    assert_eq!(
        body["messages"][1],
        serde_json::json!({"role": "user", "content": "third"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_shows_exactly_what_is_then_sent() {
    for (family, source) in [
        (Family::OpenAi, ProviderKind::Custom),
        (Family::Anthropic, ProviderKind::Claude),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine(&dir);
        let server = FakeServer::start(FakeOptions {
            family,
            api_key: Some("sk-dry-run-42".into()),
            ..FakeOptions::default()
        })
        .await
        .unwrap();
        let mut profile = Profile::new("local", source, format!("{}/v1", server.base_url()));
        profile.model = Some("fake-model-1".into());
        profile.system_prompt = Some("Be brief.".into());
        profile.post_processing = PostProcessing::Merge;
        engine.add_profile(profile).await.unwrap();
        engine
            .set_key("local", SecretString::from("sk-dry-run-42"))
            .await
            .unwrap();

        let wire = engine.dry_run(&ask("hello")).await.unwrap();
        assert!(
            server.requests().is_empty(),
            "{family:?}: a dry run sent something"
        );
        assert!(
            engine.chats().await.unwrap().is_empty(),
            "{family:?}: a dry run saved a chat"
        );
        let shown = serde_json::to_string(&wire).unwrap();
        assert!(
            !shown.contains("sk-dry-run-42"),
            "{family:?}: the key is shown"
        );

        let generation = engine.start_generation(ask("hello")).await.unwrap();
        drain(generation.events).await;
        let sent = server.requests().pop().unwrap();
        assert_eq!(
            wire.url,
            format!("{}{}", server.base_url(), sent.path),
            "{family:?}"
        );
        assert_eq!(sent.json().unwrap(), wire.body, "{family:?}");
        for (name, value) in &wire.headers {
            let on_wire = sent
                .header(name)
                .unwrap_or_else(|| panic!("{family:?}: {name} not sent"));
            if value.contains("<redacted>") {
                assert!(on_wire.contains("sk-dry-run-42"), "{family:?}: {name}");
            } else {
                assert_eq!(on_wire, value, "{family:?}: {name}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claude_prefill_is_continued_and_saved_as_the_start_of_the_reply() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir);
    let server = FakeServer::start(FakeOptions {
        family: Family::Anthropic,
        api_key: Some("sk-ant-1".into()),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let mut profile = Profile::new(
        "local",
        ProviderKind::Claude,
        format!("{}/v1", server.base_url()),
    );
    profile.model = Some("claude-fake-1".into());
    profile.prefill = Some("Certainly! ".into());
    engine.add_profile(profile).await.unwrap();
    engine
        .set_key("local", SecretString::from("sk-ant-1"))
        .await
        .unwrap();

    let generation = engine.start_generation(ask("hi")).await.unwrap();
    let chat_id = generation.chat_id.clone();
    let events = drain(generation.events).await;
    assert_one_terminal_last(&events);
    let body = server.requests().pop().unwrap().json().unwrap();
    assert_eq!(
        body["messages"],
        serde_json::json!([
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "Certainly!"},
        ])
    );
    let messages = engine.messages(&chat_id).await.unwrap();
    assert_eq!(messages[1].content, format!("Certainly!{REPLY_TEXT}"));
    assert_eq!(messages[1].state, MessageState::Complete);

    // A source that cannot continue a prefill ignores it.
    let openai = FakeServer::start(FakeOptions::default()).await.unwrap();
    let mut local = Profile::new(
        "other",
        ProviderKind::Custom,
        format!("{}/v1", openai.base_url()),
    );
    local.model = Some("fake-model-1".into());
    local.prefill = Some("Certainly!".into());
    engine.add_profile(local).await.unwrap();
    let mut request = ask("hi");
    request.connection = ConnectionSpec::Profile("other".into());
    let generation = engine.start_generation(request).await.unwrap();
    drain(generation.events).await;
    let body = openai.requests().pop().unwrap().json().unwrap();
    assert_eq!(body["messages"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_mode_inserts_the_profiles_placeholder_before_an_assistant_greeting() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir);
    let server = fake(Scenario::Normal).await;
    add_local(&engine, &server).await;
    let mut profile = engine.profile("local").await.unwrap();
    profile.post_processing = PostProcessing::Strict;
    profile.placeholder = Some("Begin.".into());
    engine.update_profile(profile).await.unwrap();
    // A chat that opens with the character's greeting.
    let chat = engine.store().create_chat("greeted", None, None).unwrap();
    engine
        .store()
        .append_message(&chat.id, Role::Assistant, "Greetings, traveller.")
        .unwrap();
    let mut request = ask("hello");
    request.chat_id = Some(chat.id.clone());
    let generation = engine.start_generation(request).await.unwrap();
    drain(generation.events).await;
    let body = server.requests().pop().unwrap().json().unwrap();
    assert_eq!(
        body["messages"],
        serde_json::json!([
            {"role": "user", "content": "Begin."},
            {"role": "assistant", "content": "Greetings, traveller."},
            {"role": "user", "content": "hello"},
        ])
    );
}
