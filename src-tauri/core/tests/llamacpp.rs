//! llama.cpp's own server through its native API, against the fake that speaks it
//! (`tests/fakes/src/llamacpp.rs`): status (and a model still loading), models and the context
//! from `/props`, text completion through `POST /completion` streamed and whole, chat through its
//! OpenAI-compatible route, every failure, Stop closing the stream (the server sees it), the
//! server cutting an over-long prompt (the person is told) and the context honoured.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{any_family_request, assert_error, assert_reply, collect, last_post, run};
use futures::StreamExt;
use switchboard_core::catalogue::{ApiType, ProviderKind};
use switchboard_core::model::{ChatEvent, StopReason};
use switchboard_core::provider::StreamEvent;
use switchboard_core::store::Profile;
use switchboard_core::ErrorKind;
use switchboard_fakes::{FakeOptions, FakeServer, Family, Scenario, PARTIAL_TEXT, REPLY_TEXT};
use tokio_util::sync::CancellationToken;

const IDLE: Duration = Duration::from_secs(5);

async fn fake(scenario: Scenario, context_length: u32, key: Option<&str>) -> FakeServer {
    FakeServer::start(FakeOptions {
        family: Family::LlamaCpp,
        scenario,
        models: vec!["qwen2.5-7b-instruct-q4_k_m.gguf".into()],
        context_length,
        api_key: key.map(str::to_owned),
        ..Default::default()
    })
    .await
    .unwrap()
}

fn native(server: &FakeServer, key: Option<&str>) -> Box<dyn switchboard_core::provider::Provider> {
    common::provider(
        ProviderKind::LlamaCpp,
        "llama",
        &server.base_url(),
        key,
        IDLE,
    )
}

#[tokio::test]
async fn status_models_context_and_token_counts_come_from_the_servers_routes() {
    let server = fake(Scenario::Normal, 2048, Some("k")).await;
    let provider = native(&server, Some("k"));
    let status = provider.status().await.unwrap();
    assert_eq!(
        status.message,
        "Connected: llama.cpp server with qwen2.5-7b-instruct-q4_k_m.gguf, context 2048 tokens."
    );
    let models = provider.list_models().await.unwrap();
    assert_eq!(models[0].id, "qwen2.5-7b-instruct-q4_k_m.gguf");
    assert_eq!(models[0].context_length, Some(2048));
    assert_eq!(provider.context_size("any").await.unwrap(), Some(2048));
    assert_eq!(provider.count_tokens("12345678").await.unwrap(), Some(2));
    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    for path in ["/health", "/v1/models", "/props", "/tokenize"] {
        assert!(paths.contains(&path.to_string()), "{path}: {paths:?}");
    }
    // A wrong key: `/health` and the model list are open, `/props` is not.
    let wrong = native(&server, Some("nope")).status().await.unwrap_err();
    assert_eq!(wrong.kind, ErrorKind::Auth, "{wrong:?}");
    assert!(
        wrong.message.contains("Invalid API Key"),
        "{}",
        wrong.message
    );
}

#[tokio::test]
async fn a_model_still_loading_is_said_so() {
    let server = fake(Scenario::Overloaded, 2048, None).await;
    let err = native(&server, None).status().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::ProviderUnavailable);
    assert!(
        err.message.contains("the model is still loading"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn text_completion_streams_from_the_native_route_with_the_prompt_cached() {
    let server = fake(Scenario::Normal, 4096, None).await;
    let provider = native(&server, None);
    let mut request = any_family_request();
    request.params.max_tokens = Some(300);
    request.params.repetition_penalty = Some(1.1);
    request.params.stop = vec!["\nUser:".into()];
    let outcome = collect(provider.as_ref(), request.clone()).await;
    assert_reply(&outcome, REPLY_TEXT, StopReason::Stop, "streamed");
    let usage = outcome.usage.unwrap();
    let prompt_tokens = switchboard_fakes::fake_tokens("User: Hello\nAssistant:");
    assert_eq!(usage.prompt_tokens, Some(prompt_tokens));
    assert!(usage.completion_tokens.is_some_and(|n| n > 0), "{usage:?}");
    assert_eq!(outcome.prompt_cut, None);
    let sent = last_post(&server);
    assert_eq!(sent.path, "/completion");
    let body = sent.json().unwrap();
    assert_eq!(body["cache_prompt"], true);
    assert_eq!(body["n_predict"], 300);
    assert_eq!(body["repeat_penalty"], 1.1);
    assert_eq!(body["stop"][0], "\nUser:");
    assert_eq!(body["prompt"], "User: Hello\nAssistant:");
    assert!(body.get("max_tokens").is_none(), "{body}");
    // `n_predict` cuts the reply: a length stop.
    request.params.max_tokens = Some(3);
    let short = collect(provider.as_ref(), request.clone()).await;
    assert_eq!(short.done, Some(StopReason::Length));
    // Whole.
    request.stream = false;
    let whole = collect(provider.as_ref(), request).await;
    assert_eq!(whole.done, Some(StopReason::Length));
    assert!(!whole.text.is_empty() && REPLY_TEXT.starts_with(&whole.text));
}

#[tokio::test]
async fn chat_goes_to_the_servers_openai_route() {
    let server = fake(Scenario::Normal, 4096, None).await;
    let base = ProviderKind::LlamaCpp
        .normalize_url(&server.base_url())
        .unwrap()
        .url;
    let provider = switchboard_core::provider::build(
        switchboard_core::provider::Connection {
            who: "Profile \"llama\"".into(),
            profile_id: None,
            kind: ProviderKind::LlamaCpp,
            api: ApiType::ChatCompletion,
            base_url: base,
            key: None,
            headers: Vec::new(),
            options: Default::default(),
        },
        common::http(IDLE),
    )
    .unwrap();
    let mut request = any_family_request();
    request.prompt = None;
    let outcome = collect(provider.as_ref(), request).await;
    assert_reply(&outcome, REPLY_TEXT, StopReason::Stop, "chat");
    assert_eq!(last_post(&server).path, "/v1/chat/completions");
}

#[tokio::test]
async fn every_failure_is_reported_and_the_text_so_far_kept() {
    let server = fake(Scenario::Normal, 4096, None).await;
    let provider = native(&server, None);
    let cases = [
        // llama.cpp's `error:` line: the server's own words.
        (
            Scenario::MidStreamError,
            ErrorKind::ProviderUnavailable,
            "the slot failed while decoding",
        ),
        (
            Scenario::Truncated,
            ErrorKind::Network,
            "The text received so far is kept",
        ),
        (
            Scenario::EofNoDone,
            ErrorKind::Network,
            "closed the connection",
        ),
    ];
    for (scenario, kind, contains) in cases {
        server.set_scenario(scenario);
        let outcome = collect(provider.as_ref(), any_family_request()).await;
        assert_eq!(outcome.text, PARTIAL_TEXT, "{scenario:?}");
        assert_error(&outcome, "llama", kind, contains, scenario.name());
    }
    for (scenario, kind, contains) in [
        (Scenario::Unauthorized, ErrorKind::Auth, "Invalid API Key"),
        (
            Scenario::ModelNotFound,
            ErrorKind::ModelNotFound,
            "model not found",
        ),
        (Scenario::RateLimited, ErrorKind::RateLimited, "429"),
        (
            Scenario::Overloaded,
            ErrorKind::ProviderUnavailable,
            "still loading",
        ),
        (
            Scenario::ServerErrorHtml,
            ErrorKind::ProviderUnavailable,
            "500",
        ),
    ] {
        server.set_scenario(scenario);
        let outcome = collect(provider.as_ref(), any_family_request()).await;
        assert_eq!(outcome.text, "", "{scenario:?}");
        assert_error(&outcome, "llama", kind, contains, scenario.name());
    }
    server.set_scenario(Scenario::DoneNoBlankLine);
    let outcome = collect(provider.as_ref(), any_family_request()).await;
    assert_reply(
        &outcome,
        REPLY_TEXT,
        StopReason::Stop,
        "last event without its blank line",
    );
    server.set_scenario(Scenario::Split);
    let outcome = collect(provider.as_ref(), any_family_request()).await;
    assert_reply(&outcome, REPLY_TEXT, StopReason::Stop, "split");
}

#[tokio::test]
async fn stop_closes_the_stream_and_the_server_sees_it() {
    let server = fake(Scenario::Slow, 4096, None).await;
    let provider = native(&server, None);
    let cancel = CancellationToken::new();
    let mut stream = provider.stream(any_family_request(), cancel.clone());
    let first = stream.next().await.unwrap().unwrap();
    assert!(matches!(first, StreamEvent::Delta(_)), "{first:?}");
    cancel.cancel();
    while let Some(item) = stream.next().await {
        assert!(matches!(item, Ok(StreamEvent::Delta(_))), "{item:?}");
    }
    drop(stream);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while server.streams_closed_early() == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the server never saw Stop"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn llama_profile(server: &FakeServer, context: Option<u32>) -> Profile {
    let mut profile = Profile::new("llama", ProviderKind::LlamaCpp, server.base_url());
    profile.model = Some("qwen2.5-7b-instruct-q4_k_m.gguf".into());
    profile.instruct.context_size = context;
    profile
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prompt_the_server_cut_is_told() {
    let dir = tempfile::tempdir().unwrap();
    let engine = common::engine(&dir, IDLE);
    let server = fake(Scenario::Normal, 512, None).await;
    // The profile claims more context than the server has: the server cuts the prompt.
    engine
        .add_profile(llama_profile(&server, Some(100_000)))
        .await
        .unwrap();
    let long = "word ".repeat(1000);
    let (_, events) = run(&engine, common::ask("llama", None, &long)).await;
    let cut = events.iter().find_map(|e| match e {
        ChatEvent::PromptCut { kept_tokens } => Some(*kept_tokens),
        _ => None,
    });
    let kept = cut.expect("a PromptCut event");
    assert!(kept < 512, "{kept}");
    assert!(
        matches!(events.last(), Some(ChatEvent::Finished { .. })),
        "{events:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_context_is_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let engine = common::engine(&dir, IDLE);
    let server = fake(Scenario::Normal, 512, None).await;
    engine
        .add_profile(llama_profile(&server, None))
        .await
        .unwrap();
    let mut chat = None;
    for turn in 0..6 {
        let message = format!("{turn} {}", "word ".repeat(100));
        let (id, events) = run(&engine, common::ask("llama", chat.clone(), &message)).await;
        chat = Some(id);
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, ChatEvent::PromptCut { .. })),
            "the server never has to cut: {events:?}"
        );
    }
    let sent = last_post(&server).json().unwrap();
    let prompt = sent["prompt"].as_str().unwrap();
    let reply = sent["n_predict"].as_u64().unwrap() as u32;
    assert!(
        switchboard_fakes::fake_tokens(prompt) + reply <= 512,
        "{prompt}"
    );
    assert!(prompt.contains("5 word"), "the last message is kept");
    assert!(!prompt.contains("0 word"), "the oldest was left out");
}
