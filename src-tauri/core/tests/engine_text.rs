//! The engine with text-completion backends: the profile's instruct template shapes the prompt,
//! stop strings are cut from the streamed reply, history that does not fit the context is left
//! out (oldest first, never the system prompt) and the person is told.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{last_post, run};

use std::time::Duration;

use switchboard_core::catalogue::ApiType;
use switchboard_core::model::{ChatEvent, ChatMessage, Role, StopReason};
use switchboard_core::prompt::instruct::{InstructSettings, TemplateKind};
use switchboard_core::store::Profile;
use switchboard_core::ProviderKind;
use switchboard_fakes::{Dialect, FakeOptions, FakeServer, Family, KoboldServer};

fn deltas(events: &[ChatEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Delta { text } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

const REPLY_WITH_STOP: &str = "Red is a colour.<|im_end|>\n<|im_start|>user\nand more";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_template_shapes_the_prompt_and_stop_strings_are_cut_while_streaming() {
    let dir = tempfile::tempdir().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    // An OpenAI-compatible text route that ignores `stop`, so the reply carries the stop
    // string split over several chunks.
    let server = FakeServer::start(FakeOptions {
        dialect: Dialect::Ooba,
        reply: Some(REPLY_WITH_STOP.into()),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let mut profile = Profile::new(
        "ooba",
        ProviderKind::Ooba,
        format!("{}/v1", server.base_url()),
    );
    profile.model = Some("fake-model-1".into());
    profile.system_prompt = Some("Be brief.".into());
    profile.instruct.template = TemplateKind::ChatMl;
    engine.add_profile(profile).await.unwrap();

    let (chat, first) = run(&engine, common::ask("ooba", None, "Name a colour.")).await;
    // Never any part of the stop string on screen.
    let shown = deltas(&first);
    assert_eq!(shown.concat(), "Red is a colour.");
    assert!(shown.iter().all(|d| !d.contains('<')), "{shown:?}");
    assert!(matches!(
        first.last(),
        Some(ChatEvent::Finished {
            stop_reason: StopReason::Stop,
            ..
        })
    ));
    let body = last_post(&server).json().unwrap();
    assert_eq!(last_post(&server).path, "/v1/completions");
    assert_eq!(
        body["prompt"],
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nName a colour.<|im_end|>\n<|im_start|>assistant\n"
    );
    assert_eq!(
        body["stop"],
        serde_json::json!(["<|im_end|>", "<|im_start|>"])
    );
    assert_eq!(body["truncation_length"], 4096, "the default context size");
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.path == "/v1/internal/token-count"),
        "the prompt's tokens were counted by the server"
    );

    // The saved reply is the cut one, and the next prompt carries it.
    let messages = engine.messages(&chat).await.unwrap();
    assert_eq!(messages[1].content, "Red is a colour.");
    run(&engine, common::ask("ooba", Some(chat), "Another.")).await;
    let expected = TemplateKind::ChatMl.template().render(&[
        ChatMessage::new(Role::System, "Be brief."),
        ChatMessage::new(Role::User, "Name a colour."),
        ChatMessage::new(Role::Assistant, "Red is a colour."),
        ChatMessage::new(Role::User, "Another."),
    ]);
    assert_eq!(last_post(&server).json().unwrap()["prompt"], expected.0);

    // The same source can use its chat-completion route instead.
    let mut chat_profile = engine.profile("ooba").await.unwrap();
    chat_profile.api = Some(ApiType::ChatCompletion);
    engine.update_profile(chat_profile).await.unwrap();
    run(&engine, common::ask("ooba", None, "Hi")).await;
    let seen = last_post(&server);
    assert_eq!(seen.path, "/v1/chat/completions");
    assert!(seen.json().unwrap().get("prompt").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_that_does_not_fit_is_left_out_and_the_person_is_told() {
    let dir = tempfile::tempdir().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let server = FakeServer::start(FakeOptions {
        family: Family::Kobold,
        kobold: KoboldServer::KoboldCpp,
        context_length: 6144,
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let mut profile = Profile::new("kcpp", ProviderKind::KoboldCpp, server.base_url());
    profile.system_prompt = Some("You are terse.".into());
    profile.instruct.template = TemplateKind::Alpaca;
    profile.params.max_tokens = Some(100);
    engine.add_profile(profile).await.unwrap();

    // The backend's context size is used when the profile sets none.
    let (chat, events) = run(&engine, common::ask("kcpp", None, "first question")).await;
    assert!(!events
        .iter()
        .any(|e| matches!(e, ChatEvent::HistoryTrimmed { .. })));
    let body = last_post(&server).json().unwrap();
    assert_eq!(body["max_context_length"], 6144);
    assert_eq!(body["max_length"], 100);
    assert_eq!(
        body["stop_sequence"],
        serde_json::json!(["### Instruction:", "### Response:"])
    );
    assert!(body["prompt"]
        .as_str()
        .unwrap()
        .starts_with("You are terse.\n\n### Instruction:\nfirst question"));

    // A small context set on the profile: 300 tokens, 100 of them for the reply.
    let mut small = engine.profile("kcpp").await.unwrap();
    small.instruct = InstructSettings {
        template: TemplateKind::Alpaca,
        custom: None,
        context_size: Some(300),
    };
    engine.update_profile(small).await.unwrap();
    let long = "x".repeat(300);
    for i in 0..3 {
        run(
            &engine,
            common::ask("kcpp", Some(chat.clone()), &format!("turn {i} {long}")),
        )
        .await;
    }
    let (_, events) = run(
        &engine,
        common::ask("kcpp", Some(chat.clone()), "last question"),
    )
    .await;
    let trimmed = events
        .iter()
        .find_map(|e| match e {
            ChatEvent::HistoryTrimmed {
                dropped,
                context_size,
            } => Some((*dropped, *context_size)),
            _ => None,
        })
        .expect("the person is told history was left out");
    assert!(trimmed.0 >= 3, "{trimmed:?}");
    assert_eq!(trimmed.1, 300);
    assert!(matches!(events[0], ChatEvent::Started { .. }));
    let body = last_post(&server).json().unwrap();
    let prompt = body["prompt"].as_str().unwrap();
    assert!(prompt.starts_with("You are terse.\n\n"), "{prompt}");
    assert!(
        prompt.ends_with("### Instruction:\nlast question\n\n### Response:\n"),
        "{prompt}"
    );
    assert!(!prompt.contains("first question"), "{prompt}");
    assert_eq!(body["max_context_length"], 300);
    // Nothing was deleted: the chat still has every message.
    assert_eq!(engine.messages(&chat).await.unwrap().len(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_template_is_used_as_saved() {
    let dir = tempfile::tempdir().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let server = FakeServer::start(FakeOptions {
        family: Family::Kobold,
        kobold: KoboldServer::United,
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let mut profile = Profile::new(
        "united",
        ProviderKind::Kobold,
        format!("{}/api", server.base_url()),
    );
    let mut edited = TemplateKind::Vicuna.template();
    edited.user_prefix = "HUMAN: ".into();
    edited.stop = vec!["\nHUMAN:".into()];
    profile.instruct.custom = Some(edited);
    engine.add_profile(profile.clone()).await.unwrap();
    assert_eq!(
        engine.profile("united").await.unwrap().instruct,
        profile.instruct
    );

    let (_, events) = run(&engine, common::ask("united", None, "hello")).await;
    assert!(
        matches!(events.last(), Some(ChatEvent::Finished { .. })),
        "{events:?}"
    );
    let seen = last_post(&server);
    assert_eq!(seen.path, "/api/v1/generate");
    let body = seen.json().unwrap();
    assert_eq!(body["prompt"], "HUMAN: hello\nASSISTANT:");
    assert_eq!(body["stop_sequence"], serde_json::json!(["\nHUMAN:"]));
}

/// Stop through the engine reaches KoboldCpp (abort) and the Horde (cancel) before the
/// `Cancelled` event, and the text so far is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_reaches_the_server_before_the_reply_is_closed() {
    use switchboard_core::engine::CancelReason;
    use switchboard_fakes::Scenario;
    for family in [Family::Kobold, Family::Horde] {
        let dir = tempfile::tempdir().unwrap();
        let engine = common::engine(&dir, Duration::from_secs(5));
        let server = FakeServer::start(FakeOptions {
            family,
            scenario: Scenario::Slow,
            slow_delay: Duration::from_millis(30),
            ..FakeOptions::default()
        })
        .await
        .unwrap();
        let (source, url) = match family {
            Family::Horde => (ProviderKind::Horde, format!("{}/api/v2", server.base_url())),
            _ => (ProviderKind::KoboldCpp, server.base_url()),
        };
        let mut profile = Profile::new("p", source, url);
        profile.model = Some("fake-model-1".into());
        engine.add_profile(profile).await.unwrap();
        let generation = engine
            .start_generation(common::ask("p", None, "tell a story"))
            .await
            .unwrap();
        let mut rx = generation.events;
        // Wait for progress: text from KoboldCpp, a queue position from the Horde.
        loop {
            let event = tokio::time::timeout(Duration::from_secs(10), rx.recv())
                .await
                .unwrap()
                .unwrap();
            if matches!(event, ChatEvent::Delta { .. } | ChatEvent::Queued { .. }) {
                break;
            }
        }
        assert!(engine.cancel(&generation.id, CancelReason::User));
        let mut last = None;
        while let Some(event) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .unwrap()
        {
            last = Some(event);
        }
        assert!(
            matches!(last, Some(ChatEvent::Cancelled { .. })),
            "{family:?}: {last:?}"
        );
        match family {
            Family::Horde => assert_eq!(server.horde_cancels().len(), 1),
            _ => assert_eq!(server.aborts().len(), 1),
        }
    }
}

/// Where the backend counts tokens (KoboldCpp), a prompt the estimate let through but the
/// backend finds too long is fitted again: what is sent fits the context by the server's count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backends_token_count_corrects_the_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let server = FakeServer::start(FakeOptions {
        family: Family::Kobold,
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let mut profile = Profile::new("kcpp", ProviderKind::KoboldCpp, server.base_url());
    profile.instruct = InstructSettings {
        template: TemplateKind::None,
        custom: None,
        context_size: Some(400),
    };
    profile.params.max_tokens = Some(100);
    engine.add_profile(profile).await.unwrap();
    // Short words: the fake counts a token per word, more than the characters suggest.
    let words = "a ".repeat(150);
    let (chat, _) = run(&engine, common::ask("kcpp", None, &words)).await;
    for _ in 0..2 {
        run(&engine, common::ask("kcpp", Some(chat.clone()), &words)).await;
    }
    let (_, events) = run(&engine, common::ask("kcpp", Some(chat.clone()), "last")).await;
    assert!(events
        .iter()
        .any(|e| matches!(e, ChatEvent::HistoryTrimmed { .. })));
    let prompt = last_post(&server).json().unwrap()["prompt"]
        .as_str()
        .unwrap()
        .to_string();
    let tokens = prompt.split_whitespace().count();
    assert!(tokens <= 300, "{tokens} tokens sent for a 300-token budget");
    assert!(prompt.ends_with("User: last\nAssistant:"), "{prompt}");
    assert!(server
        .requests()
        .iter()
        .any(|r| r.path == "/api/extra/tokencount"));
}
