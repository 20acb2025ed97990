//! Adapter conformance: every OpenAI-compatible flavor driven through every fake scenario over
//! real HTTP on loopback, asserting the events, the error kinds and messages, and the requests
//! as the server saw them (paths, auth headers, bodies).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::{collect, http, Outcome};

use futures::StreamExt;
use secrecy::SecretString;
use switchboard_core::catalogue::{ApiType, ProviderKind};
use switchboard_core::model::{ChatMessage, ChatRequest, GenParams, Role, StopReason};
use switchboard_core::provider::{self, Connection, Provider, StreamEvent};
use switchboard_core::ErrorKind;
use switchboard_fakes::{
    slow_reply_text, FakeOptions, FakeServer, Family, RecordedRequest, Scenario,
    MIDSTREAM_ERROR_MESSAGE, PARTIAL_TEXT, REASONING_TEXT, REPLY_TEXT,
};
use tokio_util::sync::CancellationToken;

const KEY: &str = "sk-test-key-123";

/// The OpenAI-compatible sources and the path prefix each uses on the server.
const FLAVORS: &[(ProviderKind, &str)] = &[
    (ProviderKind::OpenAi, "/v1"),
    (ProviderKind::Mistral, "/v1"),
    (ProviderKind::OpenRouter, "/api/v1"),
    (ProviderKind::Custom, "/v1"),
    (ProviderKind::Ooba, "/v1"),
    (ProviderKind::Tabby, "/v1"),
    (ProviderKind::Mancer, "/oai/v1"),
];

async fn fake(scenario: Scenario) -> FakeServer {
    FakeServer::start(FakeOptions {
        scenario,
        api_key: Some(KEY.to_string()),
        slow_delay: Duration::from_millis(5),
        ..FakeOptions::default()
    })
    .await
    .unwrap()
}

fn provider_for(kind: ProviderKind, base: &str, idle: Duration) -> Box<dyn Provider> {
    common::provider(kind, "conformance", base, Some(KEY), idle)
}

fn request(stream: bool) -> ChatRequest {
    ChatRequest {
        model: "fake-model-1".to_string(),
        messages: vec![
            ChatMessage::new(Role::System, "You are a test."),
            ChatMessage::new(Role::User, "Say something."),
        ],
        params: GenParams {
            max_tokens: Some(32),
            temperature: Some(0.5),
            top_k: Some(40),
            ..GenParams::default()
        },
        stream,
        prompt: None,
        context_size: None,
    }
}

fn chat_request_seen(server: &FakeServer) -> RecordedRequest {
    server
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path.ends_with("/chat/completions"))
        .expect("the server saw a chat request")
}

fn assert_error(outcome: &Outcome, kind: ErrorKind, contains: &str, label: &str) {
    common::assert_error(outcome, "conformance", kind, contains, label);
}

async fn run_scenario(kind: ProviderKind, prefix: &str, scenario: Scenario, stream: bool) {
    let label = format!("{kind} {} stream={stream}", scenario.name());
    let server = fake(scenario).await;
    let idle = Duration::from_millis(700);
    let provider = provider_for(kind, &format!("{}{prefix}", server.base_url()), idle);
    let started = Instant::now();
    let outcome = collect(provider.as_ref(), request(stream)).await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{label}: took {:?}",
        started.elapsed()
    );
    match scenario {
        Scenario::Normal
        | Scenario::Split
        | Scenario::KeepAlive
        | Scenario::NoModelsRoute
        | Scenario::EmptyModels => {
            assert_eq!(outcome.text, REPLY_TEXT, "{label}");
            assert_eq!(outcome.done, Some(StopReason::Stop), "{label}");
            assert!(outcome.error.is_none(), "{label}: {:?}", outcome.error);
        }
        Scenario::Usage | Scenario::UsageNullChoices => {
            assert_eq!(outcome.text, REPLY_TEXT, "{label}");
            assert_eq!(outcome.done, Some(StopReason::Stop), "{label}");
            let usage = outcome.usage.unwrap_or_else(|| panic!("{label}: no usage"));
            assert!(usage.total_tokens.is_some(), "{label}: {usage:?}");
        }
        Scenario::Slow => {
            assert_eq!(outcome.text, slow_reply_text(), "{label}");
            assert_eq!(outcome.done, Some(StopReason::Stop), "{label}");
        }
        Scenario::Reasoning | Scenario::ReasoningOpenRouter => {
            assert_eq!(outcome.reasoning, REASONING_TEXT, "{label}");
            assert_eq!(outcome.text, REPLY_TEXT, "{label}");
            assert_eq!(outcome.done, Some(StopReason::Stop), "{label}");
        }
        Scenario::DoneNoBlankLine => {
            assert_eq!(outcome.text, REPLY_TEXT, "{label}");
            assert_eq!(outcome.done, Some(StopReason::Length), "{label}");
        }
        Scenario::MidStreamError if stream => {
            assert_eq!(outcome.text, PARTIAL_TEXT, "{label}");
            assert_error(
                &outcome,
                ErrorKind::ProviderUnavailable,
                MIDSTREAM_ERROR_MESSAGE,
                &label,
            );
        }
        Scenario::MidStreamErrorOpenRouter if stream => {
            assert_eq!(outcome.text, PARTIAL_TEXT, "{label}");
            assert_error(
                &outcome,
                ErrorKind::ProviderUnavailable,
                "Network connection lost.",
                &label,
            );
        }
        Scenario::Truncated | Scenario::EofNoDone if stream => {
            assert_eq!(outcome.text, PARTIAL_TEXT, "{label}");
            assert_error(
                &outcome,
                ErrorKind::Network,
                "text received so far is kept",
                &label,
            );
        }
        Scenario::Stall if stream => {
            assert_eq!(outcome.text, PARTIAL_TEXT, "{label}");
            assert_error(&outcome, ErrorKind::Network, "sent nothing for", &label);
        }
        Scenario::MidStreamError
        | Scenario::MidStreamErrorOpenRouter
        | Scenario::Truncated
        | Scenario::EofNoDone
        | Scenario::Stall => {
            // Without streaming these scenarios are a JSON answer; whatever it is, the
            // outcome is exactly one of a reply or an error.
            assert!(
                outcome.done.is_some() != outcome.error.is_some(),
                "{label}: {outcome:?}"
            );
        }
        Scenario::StallBeforeHeaders => {
            assert_error(
                &outcome,
                ErrorKind::Network,
                "did not answer within",
                &label,
            );
        }
        Scenario::Unauthorized => {
            assert_error(&outcome, ErrorKind::Auth, "rejected the API key", &label);
            assert_eq!(outcome.error.as_ref().unwrap().status, Some(401));
        }
        Scenario::ModelNotFound => {
            assert_error(&outcome, ErrorKind::ModelNotFound, "does not exist", &label);
            assert_eq!(outcome.error.as_ref().unwrap().status, Some(404));
        }
        Scenario::RateLimited => {
            assert_error(&outcome, ErrorKind::RateLimited, "Try again in 7 s", &label);
            assert_eq!(outcome.error.as_ref().unwrap().retry_after_ms, Some(7000));
        }
        Scenario::RateLimitedNoRetryAfter => {
            assert_error(
                &outcome,
                ErrorKind::RateLimited,
                "Rate limit reached",
                &label,
            );
            assert_eq!(outcome.error.as_ref().unwrap().retry_after_ms, None);
        }
        Scenario::Overloaded => {
            assert_error(
                &outcome,
                ErrorKind::ProviderUnavailable,
                "currently overloaded",
                &label,
            );
            assert_eq!(outcome.error.as_ref().unwrap().status, Some(503));
        }
        // What becomes of the quoted key is `echoed_secrets.rs`'s to check.
        Scenario::EchoUnauthorized | Scenario::EchoMidStream | Scenario::EchoPage => {
            assert!(outcome.error.is_some(), "{label}: {outcome:?}");
            assert!(outcome.done.is_none(), "{label}: an error and a finish");
        }
        Scenario::ServerErrorHtml => {
            assert_error(
                &outcome,
                ErrorKind::ProviderUnavailable,
                "500 Internal Server Error",
                &label,
            );
            let error = outcome.error.as_ref().unwrap();
            assert_eq!(error.status, Some(500));
            assert!(
                !error.message.contains("<html"),
                "{label}: raw HTML in {}",
                error.message
            );
        }
    }

    if scenario != Scenario::StallBeforeHeaders || !stream {
        let seen = chat_request_seen(&server);
        assert_eq!(seen.method, "POST", "{label}");
        assert_eq!(seen.path, format!("{prefix}/chat/completions"), "{label}");
        assert_request_shape(kind, &seen, stream, &label);
    }
}

/// What every flavor must send: its auth headers, its parameter names, nothing unset.
fn assert_request_shape(kind: ProviderKind, seen: &RecordedRequest, stream: bool, label: &str) {
    let bearer = format!("Bearer {KEY}");
    assert_eq!(
        seen.header("authorization"),
        Some(bearer.as_str()),
        "{label}"
    );
    let api_key_header = matches!(kind, ProviderKind::Tabby | ProviderKind::Mancer);
    assert_eq!(
        seen.header("x-api-key"),
        api_key_header.then_some(KEY),
        "{label}"
    );
    assert_eq!(
        seen.header("x-title"),
        (kind == ProviderKind::OpenRouter).then_some("Switchboard"),
        "{label}"
    );
    assert_eq!(
        seen.header("content-type"),
        Some("application/json"),
        "{label}"
    );
    let body = seen
        .json()
        .unwrap_or_else(|| panic!("{label}: body is not JSON"));
    assert_eq!(body["model"], "fake-model-1", "{label}");
    assert_eq!(body["messages"][0]["role"], "system", "{label}");
    assert_eq!(body["messages"][1]["content"], "Say something.", "{label}");
    assert_eq!(body["stream"], stream, "{label}");
    let (limit_field, other) = if kind == ProviderKind::OpenAi {
        ("max_completion_tokens", "max_tokens")
    } else {
        ("max_tokens", "max_completion_tokens")
    };
    assert_eq!(body[limit_field], 32, "{label}");
    assert!(body.get(other).is_none(), "{label}");
    let openai_like = matches!(kind, ProviderKind::OpenAi | ProviderKind::Mistral);
    assert_eq!(body.get("top_k").is_some(), !openai_like, "{label}: top_k");
    assert!(
        body.get("seed").is_none() && body.get("stop").is_none() && body.get("min_p").is_none(),
        "{label}"
    );
    let wants_usage = stream && kind != ProviderKind::Mistral;
    assert_eq!(
        body.get("stream_options").is_some(),
        wants_usage,
        "{label}: stream_options"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_flavor_through_every_scenario_streaming() {
    for &(kind, prefix) in FLAVORS {
        for &scenario in Scenario::ALL {
            run_scenario(kind, prefix, scenario, true).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_flavor_through_every_scenario_without_streaming() {
    for &(kind, prefix) in FLAVORS {
        for &scenario in Scenario::ALL {
            run_scenario(kind, prefix, scenario, false).await;
        }
    }
}

#[tokio::test]
async fn status_and_models_for_every_flavor() {
    for &(kind, prefix) in FLAVORS {
        let server = fake(Scenario::Normal).await;
        let provider = provider_for(
            kind,
            &format!("{}{prefix}", server.base_url()),
            Duration::from_secs(5),
        );
        let report = provider
            .status()
            .await
            .unwrap_or_else(|e| panic!("{kind}: {e:?}"));
        assert!(
            report.message.starts_with("Connected"),
            "{kind}: {}",
            report.message
        );
        let models = provider.list_models().await.unwrap();
        let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["fake-model-1", "fake-model-2"], "{kind}");
        let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
        let status_path = if kind == ProviderKind::OpenRouter {
            format!("{prefix}/key")
        } else {
            format!("{prefix}/models")
        };
        assert_eq!(paths[0], status_path, "{kind}");
        assert_eq!(paths.last().unwrap(), &format!("{prefix}/models"), "{kind}");
    }
}

#[tokio::test]
async fn status_with_a_wrong_key_is_an_auth_error_for_every_flavor() {
    for &(kind, prefix) in FLAVORS {
        let server = FakeServer::start(FakeOptions {
            api_key: Some("the-right-key".to_string()),
            ..FakeOptions::default()
        })
        .await
        .unwrap();
        let provider = provider_for(
            kind,
            &format!("{}{prefix}", server.base_url()),
            Duration::from_secs(5),
        );
        let error = provider.status().await.unwrap_err();
        assert_eq!(error.kind, ErrorKind::Auth, "{kind}: {error:?}");
        assert!(error.message.contains("Profile \"conformance\""), "{kind}");
        assert!(
            !error.message.contains(KEY),
            "{kind}: the key leaked into the message"
        );
    }
}

#[tokio::test]
async fn empty_or_missing_model_lists_are_not_errors() {
    for scenario in [Scenario::EmptyModels, Scenario::NoModelsRoute] {
        let server = fake(scenario).await;
        let provider = provider_for(
            ProviderKind::Custom,
            &format!("{}/v1", server.base_url()),
            Duration::from_secs(5),
        );
        assert_eq!(
            provider.list_models().await.unwrap(),
            vec![],
            "{}",
            scenario.name()
        );
    }
    let server = fake(Scenario::NoModelsRoute).await;
    let provider = provider_for(
        ProviderKind::Custom,
        &format!("{}/v1", server.base_url()),
        Duration::from_secs(5),
    );
    let error = provider.status().await.unwrap_err();
    assert!(
        error.message.contains("bypass status check"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn custom_endpoint_discovers_the_missing_v1() {
    // A server that only answers under /v1, like vLLM, LM Studio or Ollama.
    let server = FakeServer::start(FakeOptions {
        mount: Some("/v1".to_string()),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let bare = server.base_url();
    let provider = provider_for(ProviderKind::Custom, &bare, Duration::from_secs(5));
    let report = provider.status().await.unwrap();
    assert!(report.url_changed);
    assert_eq!(report.base_url, format!("{bare}/v1"));
    assert!(report.message.contains("added /v1"), "{}", report.message);
    // Later requests of the same adapter go straight to the discovered base.
    server.clear_requests();
    let outcome = collect(provider.as_ref(), request(true)).await;
    assert_eq!(outcome.text, REPLY_TEXT);
    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/v1/chat/completions"]);

    // A fresh adapter (e.g. the next CLI run) finds it for a chat too.
    let provider = provider_for(ProviderKind::Custom, &bare, Duration::from_secs(5));
    server.clear_requests();
    let outcome = collect(provider.as_ref(), request(true)).await;
    assert_eq!(outcome.text, REPLY_TEXT);
    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/chat/completions", "/v1/chat/completions"]);

    // Fixed-version sources never guess.
    let provider = provider_for(
        ProviderKind::Ooba,
        &format!("{bare}/v2"),
        Duration::from_secs(5),
    );
    let error = provider.status().await.unwrap_err();
    assert_eq!(error.status, Some(404));
    assert!(
        error.message.contains("many servers need /v1"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn connection_refused_and_dns_failures_are_network_errors() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let provider = provider_for(
        ProviderKind::Custom,
        &format!("http://127.0.0.1:{port}/v1"),
        Duration::from_secs(5),
    );
    let outcome = collect(provider.as_ref(), request(true)).await;
    let error = outcome.error.unwrap();
    assert_eq!(error.kind, ErrorKind::Network);
    assert!(
        error.message.contains("connection refused"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains(&format!("127.0.0.1:{port}")),
        "{}",
        error.message
    );

    let provider = provider_for(
        ProviderKind::Custom,
        "http://no-such-host.invalid/v1",
        Duration::from_secs(5),
    );
    let error = provider.status().await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Network);
    assert!(
        error.message.contains("could not resolve"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn cancelling_mid_stream_ends_the_stream_promptly() {
    let server = FakeServer::start(FakeOptions {
        scenario: Scenario::Slow,
        slow_delay: Duration::from_millis(50),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let provider = provider_for(
        ProviderKind::Custom,
        &format!("{}/v1", server.base_url()),
        Duration::from_secs(5),
    );
    let cancel = CancellationToken::new();
    let mut stream = provider.stream(request(true), cancel.clone());
    let mut text = String::new();
    while let Some(item) = stream.next().await {
        if let Ok(StreamEvent::Delta(delta)) = item {
            text.push_str(&delta);
            if text.len() > 3 {
                break;
            }
        }
    }
    let cancelled_at = Instant::now();
    cancel.cancel();
    let mut after = Vec::new();
    while let Some(item) = stream.next().await {
        after.push(item);
    }
    assert!(cancelled_at.elapsed() < Duration::from_millis(500));
    assert!(
        after
            .iter()
            .all(|i| !matches!(i, Ok(StreamEvent::Done(_)) | Err(_))),
        "a cancelled stream ends without a finish or an error: {after:?}"
    );
    assert!(slow_reply_text().starts_with(&text));
}

// ----- Anthropic Claude -----

async fn claude_fake(scenario: Scenario, models: usize) -> FakeServer {
    let mut options = FakeOptions {
        family: Family::Anthropic,
        scenario,
        api_key: Some(KEY.to_string()),
        slow_delay: Duration::from_millis(5),
        ..FakeOptions::default()
    };
    if models > 0 {
        options.models = (1..=models)
            .map(|i| format!("claude-fake-{i:03}"))
            .collect();
    }
    FakeServer::start(options).await.unwrap()
}

/// A conversation that needs the conversion Claude requires: system prompt, a greeting from
/// the assistant first, a later system note, two user turns in a row.
fn claude_request(stream: bool) -> ChatRequest {
    ChatRequest {
        model: "claude-fake-1".to_string(),
        messages: vec![
            ChatMessage::new(Role::System, "You are a test."),
            ChatMessage::new(Role::Assistant, "Hello there."),
            ChatMessage::new(Role::System, "[note]"),
            ChatMessage::new(Role::User, "Say something."),
            ChatMessage::new(Role::User, "Briefly."),
        ],
        params: GenParams {
            max_tokens: Some(64),
            temperature: Some(0.5),
            ..GenParams::default()
        },
        stream,
        prompt: None,
        context_size: None,
    }
}

async fn run_claude_scenario(scenario: Scenario, stream: bool) {
    let label = format!(
        "claude/{}/{}",
        scenario.name(),
        if stream { "stream" } else { "json" }
    );
    let server = claude_fake(scenario, 0).await;
    let idle = Duration::from_millis(700);
    let provider = provider_for(
        ProviderKind::Claude,
        &format!("{}/v1", server.base_url()),
        idle,
    );
    let outcome = collect(provider.as_ref(), claude_request(stream)).await;
    let reply_ok = |outcome: &Outcome, text: &str, reason: StopReason| {
        assert!(outcome.error.is_none(), "{label}: {:?}", outcome.error);
        assert_eq!(outcome.text, text, "{label}");
        assert_eq!(outcome.done, Some(reason), "{label}");
        assert_eq!(outcome.events_after_end, 0, "{label}");
    };
    match scenario {
        Scenario::Normal
        | Scenario::Split
        | Scenario::KeepAlive
        | Scenario::NoModelsRoute
        | Scenario::EmptyModels => reply_ok(&outcome, REPLY_TEXT, StopReason::Stop),
        Scenario::Usage | Scenario::UsageNullChoices => {
            reply_ok(&outcome, REPLY_TEXT, StopReason::Stop);
            let usage = outcome.usage.unwrap_or_else(|| panic!("{label}: no usage"));
            assert!(
                usage.completion_tokens.is_some() && usage.prompt_tokens.is_some(),
                "{label}: {usage:?}"
            );
        }
        Scenario::Slow => reply_ok(&outcome, &slow_reply_text(), StopReason::Stop),
        Scenario::Reasoning | Scenario::ReasoningOpenRouter => {
            reply_ok(&outcome, REPLY_TEXT, StopReason::Stop);
            assert_eq!(outcome.reasoning, REASONING_TEXT, "{label}");
        }
        Scenario::DoneNoBlankLine => reply_ok(&outcome, REPLY_TEXT, StopReason::Length),
        Scenario::MidStreamError | Scenario::MidStreamErrorOpenRouter => {
            assert_error(
                &outcome,
                ErrorKind::ProviderUnavailable,
                "Overloaded",
                &label,
            );
            if stream {
                assert_eq!(outcome.text, PARTIAL_TEXT, "{label}");
                assert!(outcome
                    .error
                    .as_ref()
                    .unwrap()
                    .message
                    .contains("text received so far is kept"));
            } else {
                assert_eq!(outcome.error.as_ref().unwrap().status, Some(529), "{label}");
            }
        }
        Scenario::Truncated | Scenario::EofNoDone | Scenario::Stall if stream => {
            assert_error(
                &outcome,
                ErrorKind::Network,
                "text received so far is kept",
                &label,
            );
            assert_eq!(outcome.text, PARTIAL_TEXT, "{label}");
        }
        Scenario::Truncated | Scenario::EofNoDone | Scenario::Stall => {
            assert!(
                outcome.done.is_some() != outcome.error.is_some(),
                "{label}: {outcome:?}"
            );
        }
        Scenario::StallBeforeHeaders => {
            assert_error(
                &outcome,
                ErrorKind::Network,
                "did not answer within",
                &label,
            );
        }
        Scenario::Unauthorized => {
            assert_error(&outcome, ErrorKind::Auth, "rejected the API key", &label);
            assert_eq!(outcome.error.as_ref().unwrap().status, Some(401));
        }
        // What becomes of the quoted key is `echoed_secrets.rs`'s to check.
        Scenario::EchoUnauthorized | Scenario::EchoMidStream | Scenario::EchoPage => {
            assert!(outcome.error.is_some(), "{label}: {outcome:?}");
            assert!(outcome.done.is_none(), "{label}: an error and a finish");
        }
        Scenario::ModelNotFound => {
            assert_error(&outcome, ErrorKind::ModelNotFound, "model", &label);
            assert_eq!(outcome.error.as_ref().unwrap().status, Some(404));
        }
        Scenario::RateLimited => {
            assert_error(&outcome, ErrorKind::RateLimited, "Try again in 7 s", &label);
            assert_eq!(outcome.error.as_ref().unwrap().retry_after_ms, Some(7000));
        }
        Scenario::RateLimitedNoRetryAfter => {
            assert_error(&outcome, ErrorKind::RateLimited, "429", &label);
            assert_eq!(outcome.error.as_ref().unwrap().retry_after_ms, None);
        }
        Scenario::Overloaded => {
            assert_error(
                &outcome,
                ErrorKind::ProviderUnavailable,
                "Overloaded",
                &label,
            );
            assert_eq!(outcome.error.as_ref().unwrap().status, Some(529));
        }
        Scenario::ServerErrorHtml => {
            assert_error(&outcome, ErrorKind::ProviderUnavailable, "500", &label);
            assert!(
                !outcome.error.as_ref().unwrap().message.contains("<html"),
                "{label}"
            );
        }
    }
    if scenario == Scenario::StallBeforeHeaders {
        return;
    }
    // The request on the wire: Claude's headers, system extracted, strict alternation.
    let seen = server
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path.ends_with("/v1/messages"))
        .unwrap_or_else(|| panic!("{label}: no /v1/messages request"));
    assert_eq!(seen.header("x-api-key"), Some(KEY), "{label}");
    assert_eq!(
        seen.header("anthropic-version"),
        Some("2023-06-01"),
        "{label}"
    );
    assert_eq!(seen.header("authorization"), None, "{label}");
    let body = seen.json().unwrap();
    assert_eq!(body["system"], "You are a test.", "{label}");
    assert_eq!(body["max_tokens"], 64, "{label}");
    assert_eq!(body["stream"], stream, "{label}");
    assert_eq!(
        body["messages"],
        serde_json::json!([
            {"role": "user", "content": "[Start a new chat]"},
            {"role": "assistant", "content": "Hello there."},
            {"role": "user", "content": "[note]\n\nSay something.\n\nBriefly."},
        ]),
        "{label}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claude_through_every_scenario_streaming() {
    for &scenario in Scenario::ALL {
        run_claude_scenario(scenario, true).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claude_through_every_scenario_without_streaming() {
    for &scenario in Scenario::ALL {
        run_claude_scenario(scenario, false).await;
    }
}

#[tokio::test]
async fn claude_models_are_read_page_by_page_and_status_checks_the_key() {
    let server = claude_fake(Scenario::Normal, 150).await;
    let base = format!("{}/v1", server.base_url());
    let provider = provider_for(ProviderKind::Claude, &base, Duration::from_secs(5));
    let models = provider.list_models().await.unwrap();
    assert_eq!(models.len(), 150);
    assert_eq!(models[0].id, "claude-fake-001");
    assert!(models[0].name.is_some(), "display names are kept");
    let pages: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/v1/models"))
        .collect();
    assert_eq!(pages.len(), 2);
    assert!(
        pages[1]
            .query
            .as_deref()
            .unwrap_or("")
            .contains("after_id="),
        "{:?}",
        pages[1].query
    );
    let report = provider.status().await.unwrap();
    assert_eq!(report.models.map(|m| m.len()), Some(150));

    let wrong = provider::build(
        Connection {
            who: "Profile \"conformance\"".to_string(),
            profile_id: None,
            kind: ProviderKind::Claude,
            api: ApiType::ChatCompletion,
            base_url: base.clone(),
            key: Some(SecretString::from("sk-wrong")),
            headers: Vec::new(),
            options: Default::default(),
        },
        http(Duration::from_secs(5)),
    )
    .unwrap();
    let error = wrong.status().await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Auth);
    let keyless = provider::build(
        Connection {
            who: "Profile \"conformance\"".to_string(),
            profile_id: None,
            kind: ProviderKind::Claude,
            api: ApiType::ChatCompletion,
            base_url: base,
            key: None,
            headers: Vec::new(),
            options: Default::default(),
        },
        http(Duration::from_secs(5)),
    )
    .unwrap();
    assert_eq!(
        keyless.status().await.unwrap_err().kind,
        ErrorKind::NotConfigured
    );
}

#[tokio::test]
async fn claude_prefill_and_reverse_proxies_with_their_own_password() {
    // A reverse proxy: another base path, its own password taken as the key.
    for (family, kind, mount) in [
        (
            Family::Anthropic,
            ProviderKind::Claude,
            "/proxy/anthropic/v1",
        ),
        (Family::OpenAi, ProviderKind::OpenAi, "/proxy/openai/v1"),
    ] {
        let server = FakeServer::start(FakeOptions {
            family,
            api_key: Some(KEY.to_string()),
            mount: Some(mount.to_string()),
            ..FakeOptions::default()
        })
        .await
        .unwrap();
        let base = format!("{}{mount}", server.base_url());
        let provider = provider_for(kind, &base, Duration::from_secs(5));
        assert_eq!(provider.list_models().await.unwrap().len(), 2, "{kind:?}");
        let mut request = claude_request(true);
        if kind == ProviderKind::Claude {
            request
                .messages
                .push(ChatMessage::new(Role::Assistant, "Sure thing: "));
        }
        let outcome = collect(provider.as_ref(), request).await;
        assert!(outcome.error.is_none(), "{kind:?}: {:?}", outcome.error);
        assert_eq!(outcome.text, REPLY_TEXT, "{kind:?}");
        let seen = server.requests().pop().unwrap();
        assert!(seen.path.starts_with(mount), "{kind:?}: {}", seen.path);
        if kind == ProviderKind::Claude {
            let body = seen.json().unwrap();
            let last = body["messages"].as_array().unwrap().last().unwrap().clone();
            assert_eq!(
                last,
                serde_json::json!({"role": "assistant", "content": "Sure thing:"})
            );
        }
    }
}
