//! Cohere's v2 chat against its fake: every scenario streamed and whole (text, thinking as
//! reasoning, usage, finish reasons, errors with the server's message), the request's shape
//! (`p`, `k`, one system turn first), the paged model list with context lengths, Stop, and the
//! fake's bytes in the shape of Cohere's documented examples.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{assert_reply, collect, Outcome};
use futures::StreamExt;
use serde_json::Value;
use switchboard_core::catalogue::ProviderKind;
use switchboard_core::error::ErrorKind;
use switchboard_core::fuzzing::{map_stream, StreamFamily};
use switchboard_core::model::{ChatMessage, ChatRequest, GenParams, Role, StopReason};
use switchboard_core::provider::{Provider, StreamEvent};
use switchboard_fakes::{
    slow_reply_text, FakeOptions, FakeServer, Family, Scenario, COHERE_CONTEXT_LENGTH,
    COHERE_RATE_LIMIT, COHERE_STREAM_ERROR, PARTIAL_TEXT, REASONING_TEXT, REPLY_TEXT,
};
use tokio_util::sync::CancellationToken;

const KEY: &str = "co-test-key-4242";
const MODEL: &str = "command-a-03-2025";

async fn fake(scenario: Scenario, models: Vec<String>) -> FakeServer {
    FakeServer::start(FakeOptions {
        family: Family::Cohere,
        scenario,
        slow_delay: Duration::from_millis(1),
        api_key: Some(KEY.into()),
        models,
        ..FakeOptions::default()
    })
    .await
    .unwrap()
}

fn cohere(server: &FakeServer, key: &str, idle: Duration) -> Box<dyn Provider> {
    common::provider(
        ProviderKind::Cohere,
        "co",
        &server.base_url(),
        Some(key),
        idle,
    )
}

fn request(stream: bool) -> ChatRequest {
    ChatRequest {
        model: MODEL.into(),
        messages: vec![
            ChatMessage::new(Role::System, "You are a test."),
            ChatMessage::new(Role::User, "Say something."),
        ],
        params: GenParams {
            max_tokens: Some(64),
            temperature: Some(0.4),
            top_p: Some(0.9),
            top_k: Some(40),
            ..GenParams::default()
        },
        stream,
        ..ChatRequest::default()
    }
}

fn assert_error(outcome: &Outcome, kind: ErrorKind, contains: &str, label: &str) {
    common::assert_error(outcome, "co", kind, contains, label);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cohere_through_every_scenario() {
    for &scenario in Scenario::ALL {
        if Scenario::ECHOES.contains(&scenario) {
            continue; // `echoed_secrets.rs` checks what becomes of a quoted key.
        }
        let server = fake(scenario, vec![MODEL.into()]).await;
        for stream in [true, false] {
            let label = format!("{scenario} stream={stream}");
            let provider = cohere(&server, KEY, Duration::from_millis(400));
            let outcome = collect(provider.as_ref(), request(stream)).await;
            check(scenario, stream, &outcome, &label);
            if scenario != Scenario::StallBeforeHeaders {
                let sent = common::last_post(&server);
                assert_eq!(sent.path, "/v2/chat", "{label}");
                assert_eq!(
                    sent.header("authorization"),
                    Some(format!("Bearer {KEY}").as_str()),
                    "{label}"
                );
                let body = sent.json().unwrap();
                assert_eq!(body["stream"], stream, "{label}");
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
        | Scenario::NoModelsRoute
        | Scenario::EmptyModels => {
            assert_reply(outcome, REPLY_TEXT, StopReason::Stop, label);
            let usage = outcome.usage.as_ref().expect(label);
            // The tokens the model read and wrote, not the billed units.
            assert_eq!(
                (
                    usage.prompt_tokens,
                    usage.completion_tokens,
                    usage.total_tokens
                ),
                (Some(71), Some(26), Some(97)),
                "{label}"
            );
        }
        Scenario::DoneNoBlankLine => assert_reply(outcome, REPLY_TEXT, StopReason::Length, label),
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
                COHERE_STREAM_ERROR,
                label,
            );
            let message = &outcome.error.as_ref().unwrap().message;
            assert!(message.contains("text received so far is kept"), "{label}");
        }
        Scenario::MidStreamError | Scenario::MidStreamErrorOpenRouter => {
            assert_error(
                outcome,
                ErrorKind::ProviderUnavailable,
                "internal server error",
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
        Scenario::EofNoDone => assert_reply(outcome, PARTIAL_TEXT, StopReason::Stop, label),
        Scenario::Stall if stream => {
            assert_eq!(outcome.text, PARTIAL_TEXT, "{label}");
            assert_error(outcome, ErrorKind::Network, "sent nothing for", label);
        }
        Scenario::Stall | Scenario::StallBeforeHeaders => {
            assert_error(outcome, ErrorKind::Network, "did not answer within", label)
        }
        Scenario::Unauthorized => {
            assert_error(outcome, ErrorKind::Auth, "invalid api token", label);
            assert_eq!(outcome.error.as_ref().unwrap().status, Some(401), "{label}");
        }
        Scenario::ModelNotFound => {
            assert_error(
                outcome,
                ErrorKind::ModelNotFound,
                "model 'command-a-03-2025' not found",
                label,
            );
            assert_eq!(outcome.error.as_ref().unwrap().status, Some(404), "{label}");
        }
        Scenario::RateLimited | Scenario::RateLimitedNoRetryAfter => {
            assert_error(outcome, ErrorKind::RateLimited, COHERE_RATE_LIMIT, label)
        }
        Scenario::Overloaded => assert_error(
            outcome,
            ErrorKind::ProviderUnavailable,
            "service unavailable",
            label,
        ),
        Scenario::ServerErrorHtml => {
            assert_error(outcome, ErrorKind::ProviderUnavailable, "500", label);
            assert!(!outcome.error.as_ref().unwrap().message.contains("<html"));
        }
        Scenario::EchoUnauthorized | Scenario::EchoMidStream | Scenario::EchoPage => {}
    }
}

/// The body as the API takes it: one system turn first, Cohere's sampler names, the stop
/// sequences and the finish reason they bring.
#[tokio::test]
async fn the_request_has_cohere_names_and_a_stop_sequence_ends_with_its_reason() {
    let server = fake(Scenario::Normal, vec![MODEL.into()]).await;
    let provider = cohere(&server, KEY, Duration::from_secs(5));
    let mut req = request(true);
    req.messages
        .push(ChatMessage::new(Role::System, "[late note]"));
    req.params.stop = vec!["\nUser:".into()];
    req.params.seed = Some(11);
    let outcome = collect(provider.as_ref(), req).await;
    assert_reply(&outcome, REPLY_TEXT, StopReason::Stop, "stop sequence");
    let body = common::last_post(&server).json().unwrap();
    assert_eq!(
        body["messages"],
        serde_json::json!([
            {"role": "system", "content": "You are a test."},
            {"role": "user", "content": "Say something.\n\n[late note]"},
        ])
    );
    assert_eq!(body["model"], MODEL);
    assert_eq!(body["max_tokens"], 64);
    assert_eq!(body["temperature"], 0.4);
    assert_eq!(body["p"], 0.9);
    assert_eq!(body["k"], 40);
    assert_eq!(body["seed"], 11);
    assert_eq!(body["stop_sequences"], serde_json::json!(["\nUser:"]));
    assert!(body.get("top_p").is_none() && body.get("top_k").is_none());
}

/// A wrong key is refused with Cohere's words; the model list is read page by page with each
/// model's context length; the status check counts them.
#[tokio::test]
async fn models_are_read_page_by_page_and_a_wrong_key_is_an_auth_error() {
    let names: Vec<String> = (1..=25).map(|i| format!("command-fake-{i:02}")).collect();
    let server = fake(Scenario::Normal, names.clone()).await;
    let provider = cohere(&server, KEY, Duration::from_secs(5));
    let models = provider.list_models().await.unwrap();
    let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, names.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(models
        .iter()
        .all(|m| m.context_length == Some(COHERE_CONTEXT_LENGTH as u32)));
    let pages: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1/models")
        .collect();
    assert_eq!(pages.len(), 1, "one page of up to 1000");
    assert!(
        pages[0].query.as_deref().unwrap().contains("endpoint=chat"),
        "{:?}",
        pages[0].query
    );
    let report = provider.status().await.unwrap();
    assert_eq!(report.message, "Connected: 25 models.");

    let wrong = cohere(&server, "co-wrong", Duration::from_secs(5));
    let error = wrong.status().await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Auth, "{error:?}");
    assert!(
        error.message.contains("invalid api token"),
        "{}",
        error.message
    );
    assert!(!error.message.contains("co-wrong"), "{}", error.message);
}

/// A page token is followed: 1,005 models are two pages of at most 1,000.
#[tokio::test]
async fn a_next_page_token_is_followed() {
    let names: Vec<String> = (1..=1005).map(|i| format!("m-{i:04}")).collect();
    let server = fake(Scenario::Normal, names).await;
    let provider = cohere(&server, KEY, Duration::from_secs(5));
    let models = provider.list_models().await.unwrap();
    assert_eq!(models.len(), 1005);
    let pages: Vec<String> = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1/models")
        .map(|r| r.query.unwrap_or_default())
        .collect();
    assert_eq!(pages.len(), 2, "{pages:?}");
    assert!(pages[1].contains("page_token=1000"), "{pages:?}");
}

/// Stop ends the stream at once without a finish.
#[tokio::test]
async fn stop_ends_a_slow_stream() {
    let server = FakeServer::start(FakeOptions {
        family: Family::Cohere,
        scenario: Scenario::Slow,
        slow_delay: Duration::from_millis(50),
        api_key: Some(KEY.into()),
        models: vec![MODEL.into()],
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let provider = cohere(&server, KEY, Duration::from_secs(5));
    let cancel = CancellationToken::new();
    let mut stream = provider.stream(request(true), cancel.clone());
    let mut text = String::new();
    while let Some(item) = stream.next().await {
        if let Ok(StreamEvent::Delta(piece)) = item {
            text.push_str(&piece);
            break;
        }
    }
    assert!(!text.is_empty());
    let stopped = Instant::now();
    cancel.cancel();
    let rest: Vec<_> = stream.collect().await;
    assert!(stopped.elapsed() < Duration::from_secs(1));
    assert!(
        rest.iter()
            .all(|e| !matches!(e, Ok(StreamEvent::Done(_)) | Err(_))),
        "{rest:?}"
    );
}

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/recorded/cohere")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every key path of a JSON value (`delta.message.content.text`), array items as `[]`.
fn shape(value: &Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                out.push(path.clone());
                shape(inner, &path, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                shape(item, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

/// A stream's events as (name, the type in its data, its key paths), runs of deltas as one, and
/// whether it ends with `data: [DONE]`.
fn stream_shape(body: &[u8]) -> (Vec<(String, String, Vec<String>)>, bool) {
    let text = String::from_utf8(body.to_vec()).unwrap();
    let mut events: Vec<(String, String, Vec<String>)> = Vec::new();
    let mut done = false;
    for block in text.split("\n\n").filter(|b| !b.trim().is_empty()) {
        let mut name = String::new();
        let mut data = String::new();
        for line in block.lines() {
            if let Some(rest) = line.strip_prefix("event: ") {
                name = rest.to_string();
            } else if let Some(rest) = line.strip_prefix("data: ") {
                data = rest.to_string();
            } else {
                panic!("a line that is neither event nor data: {line:?}");
            }
        }
        if data == "[DONE]" {
            done = true;
            continue;
        }
        let value: Value = serde_json::from_str(&data).unwrap();
        let mut paths = Vec::new();
        shape(&value, "", &mut paths);
        paths.sort();
        let kind = value["type"].as_str().unwrap().to_string();
        let event = (name, kind, paths);
        if events.last() != Some(&event) {
            events.push(event);
        }
    }
    (events, done)
}

/// The fake speaks as Cohere documents it: the same events in the same order with the same
/// fields, `[DONE]` last, `text/event-stream`; the whole answer has the documented fields; and the
/// adapter reads the documented stream to its text.
#[tokio::test]
async fn the_fakes_bytes_have_the_shape_of_the_documented_examples() {
    let documented = fixture("chat-stream.response.body");
    let mapped = map_stream(StreamFamily::Cohere, &[&documented]);
    assert_eq!(mapped.end, Ok(StopReason::Stop));
    let text: String = mapped
        .events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Delta(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        text.starts_with("LLMs stand for Large Language Models"),
        "{text}"
    );

    let server = fake(Scenario::Normal, vec![MODEL.into()]).await;
    let client = reqwest::Client::new();
    let send = |stream: bool| {
        let mut body = serde_json::json!({"model": MODEL, "messages": [{"role": "user", "content": "Tell me about LLMs"}]});
        if stream {
            body["stream"] = Value::Bool(true);
        }
        client
            .post(format!("{}/v2/chat", server.base_url()))
            .bearer_auth(KEY)
            .json(&body)
            .send()
    };
    let streamed = send(true).await.unwrap();
    assert_eq!(
        streamed.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let fake_bytes = streamed.bytes().await.unwrap();
    assert_eq!(stream_shape(&fake_bytes), stream_shape(&documented));

    let whole: Value = send(false).await.unwrap().json().await.unwrap();
    let documented: Value = serde_json::from_slice(&fixture("chat.response.body")).unwrap();
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    shape(&whole, "", &mut ours);
    shape(&documented, "", &mut theirs);
    ours.sort();
    theirs.sort();
    ours.dedup();
    theirs.dedup();
    assert_eq!(ours, theirs);
}
