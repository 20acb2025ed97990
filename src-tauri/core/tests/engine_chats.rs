//! Regenerating a reply (a new swipe) and continuing a cut-off reply through the engine, over
//! real SQLite and the fakes: what is sent, what is saved, what the events say.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{last_post, run};

use std::time::Duration;

use switchboard_core::engine::{Action, CancelReason, ConnectionSpec, Engine, GenerationRequest};
use switchboard_core::model::{ChatEvent, ChatId, GenParams, MessageId, MessageState, Role};
use switchboard_core::prompt::instruct::TemplateKind;
use switchboard_core::store::Profile;
use switchboard_core::ProviderKind;
use switchboard_fakes::{slow_reply_text, FakeOptions, FakeServer, Family, Scenario, REPLY_TEXT};

fn request(chat: Option<ChatId>, input: &str, action: Action) -> GenerationRequest {
    GenerationRequest {
        connection: ConnectionSpec::Profile("p".into()),
        chat_id: chat,
        input: input.into(),
        model: None,
        system_prompt: None,
        params: GenParams::default(),
        stream: true,
        action,
        attachments: Vec::new(),
    }
}

async fn local(engine: &Engine, server: &FakeServer) {
    let mut profile = Profile::new(
        "p",
        ProviderKind::Custom,
        format!("{}/v1", server.base_url()),
    );
    profile.model = Some("fake-model-1".into());
    engine.add_profile(profile).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regenerating_adds_a_swipe_from_the_history_before_the_reply() {
    let dir = tempfile::tempdir().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let server = FakeServer::start(FakeOptions {
        slow_delay: Duration::from_millis(1),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    local(&engine, &server).await;
    let (chat, _) = run(&engine, request(None, "Name a colour.", Action::Send)).await;
    let reply = engine.messages(&chat).await.unwrap()[1].clone();

    server.set_scenario(Scenario::Slow);
    let (same, events) = run(
        &engine,
        request(None, "", Action::Regenerate(reply.id.clone())),
    )
    .await;
    assert_eq!(same, chat);
    let ChatEvent::Started {
        message_id,
        text,
        swipe_index,
        swipe_count,
        ..
    } = &events[0]
    else {
        panic!("{events:?}")
    };
    assert_eq!(
        (message_id, text.as_str(), *swipe_index, *swipe_count),
        (&reply.id, "", 1, 2)
    );
    assert!(matches!(events.last(), Some(ChatEvent::Finished { .. })));
    // The history sent ends with the question: the old reply is not part of it.
    let body = last_post(&server).json().unwrap();
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["content"], "Name a colour.");

    let messages = engine.messages(&chat).await.unwrap();
    assert_eq!(
        messages.len(),
        2,
        "no new message: a new version of the reply"
    );
    assert_eq!(messages[1].content, slow_reply_text());
    assert_eq!(
        engine.swipes(&reply.id).await.unwrap(),
        [REPLY_TEXT.to_string(), slow_reply_text()]
    );
    // Going back to the first version, and on from there: the next question follows it.
    engine.select_swipe(&reply.id, 0).await.unwrap();
    server.set_scenario(Scenario::Normal);
    run(
        &engine,
        request(Some(chat.clone()), "Another?", Action::Send),
    )
    .await;
    let body = last_post(&server).json().unwrap();
    assert_eq!(body["messages"][1]["content"], REPLY_TEXT);

    // Only replies are regenerated.
    let question = engine.messages(&chat).await.unwrap()[0].id.clone();
    let err = engine
        .start_generation(request(None, "", Action::Regenerate(question)))
        .await
        .err()
        .unwrap();
    assert!(err.message.contains("Only a reply"), "{}", err.message);
    let err = engine
        .start_generation(request(
            None,
            "",
            Action::Regenerate(MessageId("nope".into())),
        ))
        .await
        .err()
        .unwrap();
    assert!(err.message.contains("no message"), "{}", err.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_reply_is_continued_where_it_ends() {
    let dir = tempfile::tempdir().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let server = FakeServer::start(FakeOptions {
        scenario: Scenario::Slow,
        slow_delay: Duration::from_millis(20),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    local(&engine, &server).await;
    let generation = engine
        .start_generation(request(None, "Count.", Action::Send))
        .await
        .unwrap();
    let mut rx = generation.events;
    let mut seen = String::new();
    while seen.len() < 10 {
        if let Some(ChatEvent::Delta { text }) = rx.recv().await {
            seen.push_str(&text);
        }
    }
    engine.cancel(&generation.id, CancelReason::User);
    while rx.recv().await.is_some() {}
    let chat = generation.chat_id;
    let partial = engine.messages(&chat).await.unwrap()[1].clone();
    assert_eq!(partial.state, MessageState::Stopped);
    assert!(!partial.content.is_empty());

    server.set_scenario(Scenario::Normal);
    let (_, events) = run(
        &engine,
        request(None, "", Action::Continue(partial.id.clone())),
    )
    .await;
    let ChatEvent::Started { text, .. } = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(
        text, &partial.content,
        "the window gets the text it continues"
    );
    let body = last_post(&server).json().unwrap();
    let sent = body["messages"].as_array().unwrap();
    assert_eq!(sent.last().unwrap()["role"], "assistant");
    assert_eq!(sent.last().unwrap()["content"], partial.content.as_str());
    let after = engine.messages(&chat).await.unwrap();
    assert_eq!(after.len(), 2);
    assert_eq!(after[1].content, format!("{}{REPLY_TEXT}", partial.content));
    assert_eq!(after[1].state, MessageState::Complete);
}

/// A text-completion prompt for a continued reply ends with the reply's text, not a new turn.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_completion_continues_inside_the_open_reply() {
    let dir = tempfile::tempdir().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let server = FakeServer::start(FakeOptions {
        family: Family::Kobold,
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let mut profile = Profile::new("p", ProviderKind::KoboldCpp, server.base_url());
    profile.instruct.template = TemplateKind::ChatMl;
    engine.add_profile(profile).await.unwrap();
    let (chat, _) = run(&engine, request(None, "Hi", Action::Send)).await;
    let reply = engine.messages(&chat).await.unwrap()[1].clone();
    engine.edit_message(&reply.id, "Once upon").await.unwrap();
    run(
        &engine,
        request(None, "", Action::Continue(reply.id.clone())),
    )
    .await;
    let prompt = last_post(&server).json().unwrap()["prompt"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        prompt,
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nOnce upon"
    );
    let messages = engine.messages(&chat).await.unwrap();
    assert_eq!(messages[1].content, format!("Once upon{REPLY_TEXT}"));
    assert_eq!(messages[1].role, Role::Assistant);
}

/// A duplicated profile has every setting and the key of the original, under a new name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicated_profile_keeps_its_settings_and_key() {
    use secrecy::{ExposeSecret, SecretString};
    use switchboard_core::store::{AppSettings, Theme};
    let dir = tempfile::tempdir().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let mut profile = Profile::new("work", ProviderKind::OpenAi, "https://api.openai.com/v1");
    profile.model = Some("gpt-x".into());
    profile.params.temperature = Some(0.2);
    profile.system_prompt = Some("Be brief.".into());
    engine.add_profile(profile).await.unwrap();
    engine
        .set_key("work", SecretString::from("sk-dup-1"))
        .await
        .unwrap();
    let copy = engine.duplicate_profile("work").await.unwrap();
    assert_eq!(copy.name, "work copy");
    assert_eq!(copy.model.as_deref(), Some("gpt-x"));
    assert_eq!(copy.params.temperature, Some(0.2));
    assert_eq!(copy.system_prompt.as_deref(), Some("Be brief."));
    assert!(engine.has_key("work copy").await.unwrap());
    let resolved = engine
        .resolve(&ConnectionSpec::Profile("work copy".into()))
        .await
        .unwrap();
    assert_eq!(resolved.connection.key.unwrap().expose_secret(), "sk-dup-1");
    assert_eq!(
        engine.duplicate_profile("work").await.unwrap().name,
        "work copy 2"
    );
    assert_ne!(copy.id, engine.profile("work").await.unwrap().id);

    // The app's settings: auto-connect on by default, saved when changed.
    assert_eq!(engine.settings().await.unwrap(), AppSettings::default());
    assert!(engine.settings().await.unwrap().auto_connect);
    engine
        .save_settings(AppSettings {
            auto_connect: false,
            default_profile: Some("profile-1".into()),
            theme: Theme::Dark,
        })
        .await
        .unwrap();
    drop(engine);
    let again = common::engine(&dir, Duration::from_secs(5));
    assert!(!again.settings().await.unwrap().auto_connect);
    assert_eq!(
        again.settings().await.unwrap().default_profile.as_deref(),
        Some("profile-1")
    );
    assert_eq!(again.settings().await.unwrap().theme, Theme::Dark);
}

/// A port added for auto-detect is remembered, once, and saving the window's settings (which
/// do not carry it) keeps it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn added_detect_ports_are_remembered_apart_from_the_windows_settings() {
    let dir = tempfile::tempdir().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    engine.add_detect_port(8123).await.unwrap();
    engine.add_detect_port(8123).await.unwrap();
    engine.add_detect_port(11434).await.unwrap(); // one of the usual ports
    assert!(engine.add_detect_port(0).await.is_err());
    engine
        .save_settings(switchboard_core::store::AppSettings::default())
        .await
        .unwrap();
    drop(engine);
    let again = common::engine(&dir, Duration::from_secs(5));
    assert_eq!(again.detect_ports().await.unwrap(), [8123]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_keeps_the_profile_and_model_set_for_it_without_moving_in_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let server = FakeServer::start(FakeOptions::default()).await.unwrap();
    local(&engine, &server).await;
    let other = Profile::new(
        "q",
        ProviderKind::Custom,
        format!("{}/v1", server.base_url()),
    );
    let other_id = engine.add_profile(other).await.unwrap().0.id;
    let (chat, _) = run(&engine, request(None, "Name a colour.", Action::Send)).await;
    let before = engine.chat(&chat).await.unwrap().unwrap();
    assert_eq!(before.model.as_deref(), Some("fake-model-1"));

    let set = engine
        .set_chat_target(&chat, "q", Some(" fake-model-2 "))
        .await
        .unwrap();
    assert_eq!(set.profile_id.as_ref(), Some(&other_id));
    assert_eq!(set.model.as_deref(), Some("fake-model-2"));
    assert_eq!(
        set.updated_at, before.updated_at,
        "the chat moved in the list"
    );
    let read = engine.chat(&chat).await.unwrap().unwrap();
    assert_eq!(read, set);

    // An empty model: the profile's own.
    let plain = engine.set_chat_target(&chat, "p", Some("")).await.unwrap();
    assert_eq!(plain.model, None);
    // No such profile, no such chat: an error, and nothing changes.
    assert!(engine.set_chat_target(&chat, "nobody", None).await.is_err());
    assert!(engine
        .set_chat_target(&ChatId("no-such-chat".into()), "p", None)
        .await
        .is_err());
    assert_eq!(engine.chat(&chat).await.unwrap().unwrap(), plain);
}
