//! Chat completion fitted to the context: a long chat sent to a llama.cpp server with a small
//! context is trimmed (oldest first, never the system prompt or the last message) with the
//! reply length reserved and the person told; a prompt the server refuses as too long, or
//! drops the connection on, is reported as such; and a failed attempt without text never
//! stays behind as a version of the reply.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{last_post, run};

use std::time::Duration;

use switchboard_core::engine::{Action, GenerationRequest};
use switchboard_core::model::{ChatEvent, ChatId, MessageState, Role};
use switchboard_core::store::Profile;
use switchboard_core::ProviderKind;
use switchboard_fakes::{prompt_tokens, Dialect, FakeOptions, FakeServer, REPLY_TEXT};

const CONTEXT: u32 = 2048;

async fn llama_server(drops: bool) -> FakeServer {
    FakeServer::start(FakeOptions {
        dialect: Dialect::LlamaCpp,
        context_limit: Some(CONTEXT),
        context_overflow_drops: drops,
        ..FakeOptions::default()
    })
    .await
    .unwrap()
}

/// A profile for `server` (chat completion, system prompt, no reply length set) and a chat of
/// 40 messages of about 90 tokens each: far more than the context holds.
async fn long_chat(engine: &switchboard_core::Engine, server: &FakeServer) -> ChatId {
    let mut profile = Profile::new(
        "llama",
        ProviderKind::Custom,
        format!("{}/v1", server.base_url()),
    );
    profile.model = Some("fake-model-1".into());
    profile.system_prompt = Some("You are terse.".into());
    engine.add_profile(profile).await.unwrap();
    let store = engine.store();
    let chat = store
        .create_chat("long", None, Some("fake-model-1"))
        .unwrap();
    for i in 0..20 {
        let words = "lorem ipsum dolor sit amet ".repeat(13);
        store
            .append_message(&chat.id, Role::User, &format!("question {i}: {words}"))
            .unwrap();
        let reply = store.begin_reply(&chat.id, "fake-model-1").unwrap();
        store
            .finish_reply(
                &reply.id,
                &format!("answer {i}: {words}"),
                None,
                MessageState::Complete,
                None,
                None,
            )
            .unwrap();
    }
    chat.id
}

fn failed(events: &[ChatEvent]) -> Option<&switchboard_core::Error> {
    match events.last() {
        Some(ChatEvent::Failed { error, .. }) => Some(error),
        _ => None,
    }
}

fn regenerate(message: &switchboard_core::model::MessageId) -> GenerationRequest {
    GenerationRequest {
        action: Action::Regenerate(message.clone()),
        ..common::ask("llama", None, "")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_chat_is_trimmed_to_a_small_context_with_the_reply_reserved() {
    let dir = tempfile::tempdir().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let server = llama_server(false).await;
    let chat = long_chat(&engine, &server).await;

    let (_, events) = run(
        &engine,
        common::ask("llama", Some(chat.clone()), "last question"),
    )
    .await;
    assert!(
        matches!(events.last(), Some(ChatEvent::Finished { .. })),
        "{events:?}"
    );
    let (dropped, context_size) = events
        .iter()
        .find_map(|e| match e {
            ChatEvent::HistoryTrimmed {
                dropped,
                context_size,
            } => Some((*dropped, *context_size)),
            _ => None,
        })
        .expect("the person is told history was left out");
    assert_eq!(context_size, CONTEXT, "the size llama.cpp's /props reports");
    let (prompt, reply) = events
        .iter()
        .find_map(|e| match e {
            ChatEvent::ContextUsed {
                prompt_tokens,
                context_size,
                reply_tokens,
            } => {
                assert_eq!(*context_size, CONTEXT);
                Some((*prompt_tokens, *reply_tokens))
            }
            _ => None,
        })
        .expect("how full the context is");
    assert_eq!(reply, 300, "the default reply length is reserved");

    let body = last_post(&server).json().unwrap();
    let messages = body["messages"].as_array().unwrap();
    // What the server counts fits with the reply, and is what the person is shown.
    let counted = prompt_tokens(&body);
    assert!(counted + reply <= CONTEXT, "{counted} + {reply}");
    assert_eq!(prompt, counted, "the server's count is shown");
    assert_eq!(messages.len() + dropped as usize, 42, "{dropped} dropped");
    assert!(dropped >= 15, "{dropped}");
    assert_eq!(messages[0]["role"], "system");
    assert_eq!(messages[0]["content"], "You are terse.");
    assert_eq!(
        messages[1]["role"], "user",
        "the history starts with a question"
    );
    assert_eq!(messages.last().unwrap()["content"], "last question");
    // The newest history is what was kept.
    assert!(messages[messages.len() - 2]["content"]
        .as_str()
        .unwrap()
        .starts_with("answer 19:"));
    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert!(paths.contains(&"/props".to_string()), "{paths:?}");
    assert!(paths.contains(&"/tokenize".to_string()), "{paths:?}");
    // The chat keeps every message.
    assert_eq!(engine.store().messages(&chat).unwrap().len(), 42);

    // The next message does not ask the server its size again.
    let (_, events) = run(
        &engine,
        common::ask("llama", Some(chat.clone()), "and another"),
    )
    .await;
    assert!(matches!(events.last(), Some(ChatEvent::Finished { .. })));
    let props = server
        .requests()
        .iter()
        .filter(|r| r.path == "/props")
        .count();
    assert_eq!(props, 1, "the size was asked again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prompt_the_server_refuses_as_too_long_is_reported_and_leaves_no_version() {
    let dir = tempfile::tempdir().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let server = llama_server(false).await;
    let chat = long_chat(&engine, &server).await;
    // The profile claims a larger context than the server has: nothing is left out.
    let mut profile = engine.profile("llama").await.unwrap();
    profile.instruct.context_size = Some(16_384);
    engine.update_profile(profile.clone()).await.unwrap();

    let (_, events) = run(
        &engine,
        common::ask("llama", Some(chat.clone()), "last question"),
    )
    .await;
    let error = failed(&events).expect("the server refused it");
    assert_eq!(
        error.message,
        "This conversation is longer than the model's context (2048 tokens)."
    );
    assert_eq!(error.status, Some(400));
    assert!(error
        .detail
        .as_deref()
        .unwrap()
        .contains("exceeds the available context size"));
    let reply = engine.store().messages(&chat).unwrap().pop().unwrap();
    assert_eq!(
        (
            reply.role,
            reply.content.as_str(),
            reply.state,
            reply.swipe_count
        ),
        (Role::Assistant, "", MessageState::Failed, 1)
    );

    // Retrying fails again: the attempt takes the failed one's place.
    let (_, events) = run(&engine, regenerate(&reply.id)).await;
    assert!(failed(&events).is_some(), "{events:?}");
    let again = engine.store().message(&reply.id).unwrap().unwrap();
    assert_eq!((again.swipe_count, again.state), (1, MessageState::Failed));

    // With the server's size the retry works, and is still the one version.
    profile.instruct.context_size = None;
    engine.update_profile(profile.clone()).await.unwrap();
    let (_, events) = run(&engine, regenerate(&reply.id)).await;
    assert!(matches!(events.last(), Some(ChatEvent::Finished { .. })));
    let good = engine.store().message(&reply.id).unwrap().unwrap();
    assert_eq!(
        (good.content.as_str(), good.state, good.swipe_count),
        (REPLY_TEXT, MessageState::Complete, 1)
    );

    // A new version that fails without text is dropped: the good one is shown again.
    profile.instruct.context_size = Some(16_384);
    engine.update_profile(profile).await.unwrap();
    let (_, events) = run(&engine, regenerate(&reply.id)).await;
    assert!(failed(&events).is_some(), "{events:?}");
    let shown = engine.store().message(&reply.id).unwrap().unwrap();
    assert_eq!(
        (
            shown.content.as_str(),
            shown.state,
            shown.swipe_index,
            shown.swipe_count
        ),
        (REPLY_TEXT, MessageState::Complete, 0, 1)
    );
    assert_eq!(engine.store().swipes(&reply.id).unwrap(), [REPLY_TEXT]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_dropped_on_a_full_context_is_reported_as_too_long() {
    let dir = tempfile::tempdir().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let server = llama_server(true).await;
    let chat = long_chat(&engine, &server).await;
    // The profile's context is larger than the server's, and the chat fills it.
    let mut profile = engine.profile("llama").await.unwrap();
    profile.instruct.context_size = Some(4096);
    engine.update_profile(profile).await.unwrap();

    let (_, events) = run(&engine, common::ask("llama", Some(chat), "last question")).await;
    let error = failed(&events).expect("the server dropped it");
    assert_eq!(
        error.message,
        "This conversation is longer than the model's context (4096 tokens)."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_source_is_sent_the_reply_length_shown() {
    use switchboard_fakes::{Family, KoboldServer};
    for (family, source, field) in [
        (Family::OpenAi, ProviderKind::Custom, "max_tokens"),
        (Family::Anthropic, ProviderKind::Claude, "max_tokens"),
        (Family::Kobold, ProviderKind::KoboldCpp, "max_length"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let engine = common::engine(&dir, Duration::from_secs(5));
        let server = FakeServer::start(FakeOptions {
            family,
            kobold: KoboldServer::KoboldCpp,
            ..FakeOptions::default()
        })
        .await
        .unwrap();
        let url = match family {
            Family::Kobold => server.base_url(),
            _ => format!("{}/v1", server.base_url()),
        };
        let mut profile = Profile::new("p", source, url);
        profile.model = Some("fake-model-1".into());
        engine.add_profile(profile).await.unwrap();
        if source == ProviderKind::Claude {
            engine
                .set_key("p", secrecy::SecretString::from("sk-ant-1"))
                .await
                .unwrap();
        }
        // No reply length on the profile: the default the form shows is sent.
        let (_, events) = run(&engine, common::ask("p", None, "hi")).await;
        assert!(
            matches!(events.last(), Some(ChatEvent::Finished { .. })),
            "{source}: {events:?}"
        );
        assert_eq!(last_post(&server).json().unwrap()[field], 300, "{source}");
        // The profile's own is sent as it is.
        let mut profile = engine.profile("p").await.unwrap();
        profile.params.max_tokens = Some(123);
        engine.update_profile(profile).await.unwrap();
        run(&engine, common::ask("p", None, "hi")).await;
        assert_eq!(last_post(&server).json().unwrap()[field], 123, "{source}");
    }
}
