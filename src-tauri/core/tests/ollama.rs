//! Ollama's native API against its fake: chat (`/api/chat`) and text completion
//! (`/api/generate`, raw) through every scenario, `options.num_ctx` sent, thinking streamed as
//! reasoning, the status and model list, and Stop closing the connection.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::{assert_reply, collect, Outcome};
use futures::StreamExt;
use secrecy::SecretString;
use switchboard_core::catalogue::{ApiType, ProviderKind};
use switchboard_core::error::ErrorKind;
use switchboard_core::model::{ChatMessage, ChatRequest, GenParams, Role, StopReason, TextPrompt};
use switchboard_core::provider::{self, Connection, Provider, StreamEvent};
use switchboard_fakes::{
    slow_reply_text, FakeOptions, FakeServer, Family, Scenario, OLLAMA_STREAM_ERROR,
    OLLAMA_VERSION, PARTIAL_TEXT, REASONING_TEXT, REPLY_TEXT,
};
use tokio_util::sync::CancellationToken;

const PROMPT: &str = "<|im_start|>user\nSay something.<|im_end|>\n<|im_start|>assistant\n";

async fn fake(scenario: Scenario, slow_delay: Duration) -> FakeServer {
    FakeServer::start(FakeOptions {
        family: Family::Ollama,
        scenario,
        slow_delay,
        models: vec!["llama3.2".into(), "qwen3:8b".into()],
        ..FakeOptions::default()
    })
    .await
    .unwrap()
}

fn ollama(server: &FakeServer, api: ApiType, idle: Duration) -> Box<dyn Provider> {
    let kind = ProviderKind::Ollama;
    provider::build(
        Connection {
            who: "Profile \"llama\"".into(),
            profile_id: None,
            kind,
            api,
            base_url: kind.normalize_url(&server.base_url()).unwrap().url,
            key: None::<SecretString>,
            headers: Vec::new(),
            options: Default::default(),
        },
        common::http(idle),
    )
    .unwrap()
}

fn request(api: ApiType, stream: bool) -> ChatRequest {
    let params = GenParams {
        max_tokens: Some(200),
        temperature: Some(0.5),
        repetition_penalty: Some(1.1),
        stop: vec!["<|im_end|>".into()],
        ..GenParams::default()
    };
    match api {
        ApiType::ChatCompletion => ChatRequest {
            model: "llama3.2".into(),
            messages: vec![ChatMessage::new(Role::User, "Say something.")],
            params,
            stream,
            context_size: Some(6144),
            ..ChatRequest::default()
        },
        ApiType::TextCompletion => ChatRequest {
            model: "llama3.2".into(),
            params,
            stream,
            prompt: Some(TextPrompt {
                text: PROMPT.into(),
                context_size: 4096,
            }),
            ..ChatRequest::default()
        },
    }
}

fn assert_error(outcome: &Outcome, kind: ErrorKind, contains: &str, label: &str) {
    common::assert_error(outcome, "llama", kind, contains, label);
}

/// Every scenario, chat and text completion, streamed and whole.
#[tokio::test]
async fn ollama_through_every_scenario() {
    for &scenario in Scenario::ALL {
        if Scenario::ECHOES.contains(&scenario) {
            continue; // `echoed_secrets.rs` checks what becomes of a quoted key.
        }
        let server = fake(scenario, Duration::from_millis(1)).await;
        for api in [ApiType::ChatCompletion, ApiType::TextCompletion] {
            for stream in [true, false] {
                let label = format!("{scenario} {api:?} stream={stream}");
                let provider = ollama(&server, api, Duration::from_millis(400));
                let outcome = collect(provider.as_ref(), request(api, stream)).await;
                check(scenario, stream, &outcome, &label);
            }
        }
    }
}

fn check(scenario: Scenario, stream: bool, outcome: &Outcome, label: &str) {
    match scenario {
        Scenario::Normal
        | Scenario::Usage
        | Scenario::UsageNullChoices
        | Scenario::Split
        | Scenario::KeepAlive
        | Scenario::DoneNoBlankLine
        | Scenario::NoModelsRoute
        | Scenario::EmptyModels => {
            assert_reply(outcome, REPLY_TEXT, StopReason::Stop, label);
            assert_eq!(outcome.model.as_deref(), Some("llama3.2"), "{label}");
            let usage = outcome.usage.as_ref().expect(label);
            assert_eq!(
                (usage.prompt_tokens, usage.completion_tokens),
                (Some(26), Some(282)),
                "{label}"
            );
        }
        Scenario::Slow => assert_reply(outcome, &slow_reply_text(), StopReason::Stop, label),
        Scenario::Reasoning | Scenario::ReasoningOpenRouter => {
            assert_reply(outcome, REPLY_TEXT, StopReason::Stop, label);
            assert_eq!(outcome.reasoning, REASONING_TEXT, "{label}");
        }
        Scenario::MidStreamError | Scenario::MidStreamErrorOpenRouter if stream => {
            assert_eq!(outcome.text, PARTIAL_TEXT, "{label}");
            assert_error(
                outcome,
                ErrorKind::ProviderUnavailable,
                OLLAMA_STREAM_ERROR,
                label,
            );
            assert!(
                outcome
                    .error
                    .as_ref()
                    .unwrap()
                    .message
                    .contains("text received so far is kept"),
                "{label}"
            );
        }
        Scenario::MidStreamError | Scenario::MidStreamErrorOpenRouter => {
            assert_error(
                outcome,
                ErrorKind::ProviderUnavailable,
                OLLAMA_STREAM_ERROR,
                label,
            );
            assert_eq!(outcome.error.as_ref().unwrap().status, Some(500), "{label}");
        }
        Scenario::Truncated if stream => {
            assert_eq!(outcome.text, PARTIAL_TEXT, "{label}");
            assert_error(
                outcome,
                ErrorKind::Network,
                "text received so far is kept",
                label,
            );
        }
        Scenario::Truncated => {
            assert!(outcome.text.is_empty(), "{label}: {outcome:?}");
            assert!(outcome.error.is_some(), "{label}: {outcome:?}");
        }
        Scenario::EofNoDone if stream => {
            assert_eq!(outcome.text, PARTIAL_TEXT, "{label}");
            assert_error(
                outcome,
                ErrorKind::Network,
                "before the reply was complete",
                label,
            );
        }
        Scenario::EofNoDone => {
            assert_error(outcome, ErrorKind::Protocol, "no generated text", label)
        }
        Scenario::Stall if stream => {
            assert_eq!(outcome.text, PARTIAL_TEXT, "{label}");
            assert_error(outcome, ErrorKind::Network, "sent nothing for", label);
        }
        Scenario::Stall | Scenario::StallBeforeHeaders => {
            assert_error(outcome, ErrorKind::Network, "did not answer within", label)
        }
        Scenario::Unauthorized => {
            assert_error(outcome, ErrorKind::Auth, "unauthorized", label);
            assert_eq!(outcome.error.as_ref().unwrap().status, Some(401), "{label}");
        }
        Scenario::ModelNotFound => {
            assert_error(
                outcome,
                ErrorKind::ModelNotFound,
                "try pulling it first",
                label,
            );
            let error = outcome.error.as_ref().unwrap();
            assert!(
                error.message.contains("Pull it on the server first"),
                "{label}: {error:?}"
            );
            assert_eq!(error.status, Some(404), "{label}");
        }
        Scenario::RateLimited | Scenario::RateLimitedNoRetryAfter => assert_error(
            outcome,
            ErrorKind::RateLimited,
            "rate limit exceeded",
            label,
        ),
        Scenario::Overloaded => assert_error(
            outcome,
            ErrorKind::ProviderUnavailable,
            "server busy",
            label,
        ),
        Scenario::ServerErrorHtml => {
            assert_error(outcome, ErrorKind::ProviderUnavailable, "500", label);
            assert!(!outcome.error.as_ref().unwrap().message.contains("<html"));
        }
        Scenario::EchoUnauthorized | Scenario::EchoMidStream | Scenario::EchoPage => {}
    }
}

/// Chat goes to `/api/chat` with the messages, text completion to `/api/generate` with the raw
/// prompt; both carry the samplers in `options` under Ollama's names and `num_ctx`.
#[tokio::test]
async fn requests_carry_options_and_num_ctx() {
    let server = fake(Scenario::Normal, Duration::from_millis(1)).await;
    for (api, path, num_ctx) in [
        (ApiType::ChatCompletion, "/api/chat", 6144),
        (ApiType::TextCompletion, "/api/generate", 4096),
    ] {
        let provider = ollama(&server, api, Duration::from_secs(5));
        let outcome = collect(provider.as_ref(), request(api, true)).await;
        assert_reply(&outcome, REPLY_TEXT, StopReason::Stop, path);
        let sent = common::last_post(&server);
        assert_eq!(sent.path, path);
        let body = sent.json().unwrap();
        assert_eq!(body["options"]["num_ctx"], num_ctx, "{path}: {body}");
        assert_eq!(body["options"]["num_predict"], 200, "{path}");
        assert_eq!(body["options"]["repeat_penalty"], 1.1, "{path}");
        assert_eq!(body["options"]["stop"][0], "<|im_end|>", "{path}");
        assert_eq!(body["stream"], true, "{path}");
        match api {
            ApiType::ChatCompletion => {
                assert_eq!(body["messages"][0]["content"], "Say something.");
                assert!(body.get("raw").is_none());
            }
            ApiType::TextCompletion => {
                assert_eq!(body["prompt"], PROMPT);
                assert_eq!(body["raw"], true);
            }
        }
    }
}

/// The status names Ollama's version and the models `/api/tags` lists.
#[tokio::test]
async fn status_and_models() {
    let server = fake(Scenario::Normal, Duration::from_millis(1)).await;
    let provider = ollama(&server, ApiType::ChatCompletion, Duration::from_secs(5));
    let status = provider.status().await.unwrap();
    assert_eq!(
        status.message,
        format!("Connected: Ollama {OLLAMA_VERSION} with 2 models.")
    );
    let ids: Vec<String> = provider
        .list_models()
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, ["llama3.2:latest", "qwen3:8b"]);
    server.set_scenario(Scenario::Unauthorized);
    assert_eq!(provider.status().await.unwrap_err().kind, ErrorKind::Auth);
}

/// Stop drops the stream, which closes the connection: the fake sees its stream end long
/// before the slow reply would have, and nothing more is read.
#[tokio::test]
async fn stop_closes_the_connection() {
    for api in [ApiType::ChatCompletion, ApiType::TextCompletion] {
        // 100 pieces 200 ms apart: 20 s if nobody stops it.
        let server = fake(Scenario::Slow, Duration::from_millis(200)).await;
        let provider = ollama(&server, api, Duration::from_secs(5));
        let cancel = CancellationToken::new();
        let mut events = provider.stream(request(api, true), cancel.clone());
        let mut text = String::new();
        while let Some(Ok(event)) = events.next().await {
            if let StreamEvent::Delta(delta) = event {
                text.push_str(&delta);
                if text.contains("s2 ") {
                    break;
                }
            }
        }
        assert_eq!(server.ollama_open_streams(), 1, "{api:?}");
        cancel.cancel();
        let rest = tokio::time::timeout(Duration::from_secs(2), async {
            let mut after = Vec::new();
            while let Some(item) = events.next().await {
                after.push(item);
            }
            after
        })
        .await
        .expect("the cancelled stream ended");
        assert!(
            rest.iter().all(|i| !matches!(i, Ok(StreamEvent::Done(_)))),
            "{api:?}: {rest:?}"
        );
        drop(events);
        let start = Instant::now();
        while server.ollama_open_streams() > 0 {
            assert!(
                start.elapsed() < Duration::from_secs(3),
                "{api:?}: the fake still sends the stream"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
