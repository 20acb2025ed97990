//! OpenAI's Responses API against the OpenAI fake's `/v1/responses`: the OpenAI source picks it
//! per request (Auto: for the models that serve only it; or as the profile forces), streams and
//! whole answers, reasoning summaries and the encrypted reasoning sent back, usage, an
//! incomplete response's stop reason, every failure mapped, and the fake's stream in the shape
//! of OpenAI's documented example.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{assert_error, assert_reply, collect, last_post};
use secrecy::SecretString;
use serde_json::{json, Value};
use switchboard_core::catalogue::ProviderKind;
use switchboard_core::error::ErrorKind;
use switchboard_core::model::{ChatMessage, ChatRequest, GenParams, Role, StopReason, Usage};
use switchboard_core::options::{ConnectionOptions, OpenAiApi};
use switchboard_core::provider::{self, Connection, Provider};
use switchboard_fakes::{
    slow_reply_text, FakeOptions, FakeServer, Scenario, MIDSTREAM_ERROR_MESSAGE, PARTIAL_TEXT,
    REASONING_TEXT, REPLY_TEXT, RESPONSES_ENCRYPTED_REASONING, RESPONSES_ONLY_REFUSAL,
};

const CODEX: &str = "gpt-5-codex";
const IDLE: Duration = Duration::from_secs(5);

async fn fake(scenario: Scenario) -> FakeServer {
    FakeServer::start(FakeOptions {
        scenario,
        api_key: Some("sk-test-responses-key".into()),
        slow_delay: Duration::from_millis(2),
        ..FakeOptions::default()
    })
    .await
    .unwrap()
}

fn openai(server: &FakeServer, api: OpenAiApi) -> Box<dyn Provider> {
    let kind = ProviderKind::OpenAi;
    let mut options = ConnectionOptions::default();
    options.source.openai_api = api;
    provider::build(
        Connection {
            who: "Profile \"oa\"".into(),
            profile_id: None,
            kind,
            api: kind.info().capabilities.api,
            base_url: kind
                .normalize_url(&format!("{}/v1", server.base_url()))
                .unwrap()
                .url,
            key: Some(SecretString::from("sk-test-responses-key")),
            headers: Vec::new(),
            options,
        },
        common::http(IDLE),
    )
    .unwrap()
}

fn request(model: &str, stream: bool) -> ChatRequest {
    ChatRequest {
        model: model.into(),
        messages: vec![
            ChatMessage::new(Role::System, "Be brief."),
            ChatMessage::new(Role::User, "Say something."),
        ],
        params: GenParams {
            max_tokens: Some(200),
            temperature: Some(0.5),
            ..GenParams::default()
        },
        stream,
        ..ChatRequest::default()
    }
}

fn path_of(server: &FakeServer) -> String {
    last_post(server).path
}

#[tokio::test]
async fn auto_sends_codex_models_to_responses_and_others_to_chat_completions() {
    let server = fake(Scenario::Normal).await;
    let adapter = openai(&server, OpenAiApi::Auto);
    let outcome = collect(adapter.as_ref(), request(CODEX, true)).await;
    assert_reply(&outcome, REPLY_TEXT, StopReason::Stop, "codex");
    assert_eq!(outcome.model.as_deref(), Some(CODEX));
    assert_eq!(path_of(&server), "/v1/responses");
    let sent: Value = last_post(&server).json().unwrap();
    assert_eq!(sent["instructions"], "Be brief.");
    assert_eq!(
        sent["input"],
        json!([{"role": "user", "content": [{"type": "input_text", "text": "Say something."}]}])
    );
    assert_eq!(sent["max_output_tokens"], 200);
    assert_eq!(sent["store"], false);
    assert_eq!(sent["reasoning"], json!({"summary": "auto"}));
    assert_eq!(
        last_post(&server).header("authorization"),
        Some("Bearer sk-test-responses-key")
    );

    for model in ["gpt-4o", "gpt-4o-mini", "o3"] {
        let outcome = collect(adapter.as_ref(), request(model, true)).await;
        assert_reply(&outcome, REPLY_TEXT, StopReason::Stop, model);
        assert_eq!(path_of(&server), "/v1/chat/completions", "{model}");
    }
    // The dry run shows the same choice.
    let preview = adapter.wire_request(&request("o3-pro", true)).unwrap();
    assert!(preview.url.ends_with("/v1/responses"), "{}", preview.url);
    let preview = adapter.wire_request(&request("gpt-4.1", true)).unwrap();
    assert!(
        preview.url.ends_with("/v1/chat/completions"),
        "{}",
        preview.url
    );
}

#[tokio::test]
async fn the_profiles_choice_forces_either_api() {
    let server = fake(Scenario::Normal).await;
    // Chat Completions for a codex model: OpenAI's own refusal, which Auto avoids.
    let chat = openai(&server, OpenAiApi::ChatCompletions);
    let refused = collect(chat.as_ref(), request(CODEX, true)).await;
    assert_error(
        &refused,
        "oa",
        ErrorKind::ModelNotFound,
        RESPONSES_ONLY_REFUSAL,
        "forced chat",
    );
    assert_eq!(path_of(&server), "/v1/chat/completions");
    let responses = openai(&server, OpenAiApi::Responses);
    let outcome = collect(responses.as_ref(), request("gpt-4o", true)).await;
    assert_reply(&outcome, REPLY_TEXT, StopReason::Stop, "forced responses");
    assert_eq!(path_of(&server), "/v1/responses");
    // Status and the model list stay the chat family's `GET /models`.
    let models = responses.list_models().await.unwrap();
    assert_eq!(models.len(), 2);
    let listed = server.requests().pop().unwrap();
    assert_eq!(
        (listed.method.as_str(), listed.path.as_str()),
        ("GET", "/v1/models")
    );
}

#[tokio::test]
async fn streams_and_whole_answers_carry_text_usage_and_the_model() {
    let usage = Usage {
        prompt_tokens: Some(12),
        completion_tokens: Some(9),
        total_tokens: Some(21),
    };
    for scenario in [Scenario::Normal, Scenario::Split, Scenario::KeepAlive] {
        let server = fake(scenario).await;
        let adapter = openai(&server, OpenAiApi::Auto);
        for stream in [true, false] {
            let label = format!("{scenario} stream={stream}");
            let outcome = collect(adapter.as_ref(), request(CODEX, stream)).await;
            assert_reply(&outcome, REPLY_TEXT, StopReason::Stop, &label);
            assert_eq!(outcome.usage, Some(usage), "{label}");
            assert_eq!(outcome.model.as_deref(), Some(CODEX), "{label}");
            assert_eq!(last_post(&server).json().unwrap()["stream"], stream);
        }
    }
    let server = fake(Scenario::Slow).await;
    let outcome = collect(
        openai(&server, OpenAiApi::Auto).as_ref(),
        request(CODEX, true),
    )
    .await;
    assert_reply(&outcome, &slow_reply_text(), StopReason::Stop, "slow");
}

#[tokio::test]
async fn reasoning_summaries_are_reasoning_and_the_encrypted_reasoning_goes_back() {
    let server = fake(Scenario::Reasoning).await;
    let adapter = openai(&server, OpenAiApi::Auto);
    for stream in [true, false] {
        let outcome = collect(adapter.as_ref(), request(CODEX, stream)).await;
        assert_reply(&outcome, REPLY_TEXT, StopReason::Stop, "reasoning");
        assert_eq!(outcome.reasoning, REASONING_TEXT, "stream={stream}");
        let kept = outcome.provider_data.expect("kept reasoning");
        assert_eq!(kept.family, "openai_responses");
        assert_eq!(kept.value[0]["type"], "reasoning");
        assert_eq!(
            kept.value[0]["encrypted_content"],
            RESPONSES_ENCRYPTED_REASONING
        );
        let sent = last_post(&server).json().unwrap();
        assert_eq!(sent["include"], json!(["reasoning.encrypted_content"]));

        // The next request sends the kept item back, just before the reply it came with.
        let mut reply = ChatMessage::new(Role::Assistant, REPLY_TEXT);
        reply.provider_data = Some(kept.clone());
        let mut next = request(CODEX, stream);
        next.messages.push(reply);
        next.messages.push(ChatMessage::new(Role::User, "More."));
        collect(adapter.as_ref(), next).await;
        let input = last_post(&server).json().unwrap()["input"].clone();
        assert_eq!(input[1], kept.value[0], "{input}");
        assert_eq!(input[2]["content"][0]["type"], "output_text");
    }
}

#[tokio::test]
async fn an_incomplete_response_ends_with_its_reason() {
    let server = fake(Scenario::DoneNoBlankLine).await;
    let adapter = openai(&server, OpenAiApi::Auto);
    for stream in [true, false] {
        let outcome = collect(adapter.as_ref(), request(CODEX, stream)).await;
        assert_reply(&outcome, REPLY_TEXT, StopReason::Length, "incomplete");
        assert!(outcome.usage.is_some(), "stream={stream}");
    }
}

#[tokio::test]
async fn failures_map_to_the_kinds_the_chat_family_gives() {
    let cases: [(Scenario, ErrorKind, &str); 6] = [
        (Scenario::Unauthorized, ErrorKind::Auth, "Incorrect API key"),
        (
            Scenario::ModelNotFound,
            ErrorKind::ModelNotFound,
            "does not exist",
        ),
        (Scenario::RateLimited, ErrorKind::RateLimited, "Rate limit"),
        (
            Scenario::Overloaded,
            ErrorKind::ProviderUnavailable,
            "overloaded",
        ),
        (
            Scenario::ServerErrorHtml,
            ErrorKind::ProviderUnavailable,
            "500",
        ),
        (
            Scenario::MidStreamError,
            ErrorKind::ProviderUnavailable,
            MIDSTREAM_ERROR_MESSAGE,
        ),
    ];
    for (scenario, kind, words) in cases {
        let server = fake(scenario).await;
        let adapter = openai(&server, OpenAiApi::Auto);
        for stream in [true, false] {
            let outcome = collect(adapter.as_ref(), request(CODEX, stream)).await;
            let label = format!("{scenario} stream={stream}");
            assert_error(&outcome, "oa", kind, words, &label);
        }
        if scenario == Scenario::RateLimited {
            let outcome = collect(adapter.as_ref(), request(CODEX, true)).await;
            assert_eq!(outcome.error.unwrap().retry_after_ms, Some(7000));
        }
    }
}

#[tokio::test]
async fn a_stream_that_fails_midway_keeps_its_text() {
    for (scenario, kind, words) in [
        (
            Scenario::MidStreamError,
            ErrorKind::ProviderUnavailable,
            MIDSTREAM_ERROR_MESSAGE,
        ),
        (
            Scenario::MidStreamErrorOpenRouter,
            ErrorKind::ProviderUnavailable,
            MIDSTREAM_ERROR_MESSAGE,
        ),
        (Scenario::Truncated, ErrorKind::Network, "kept"),
        (
            Scenario::EofNoDone,
            ErrorKind::Network,
            "before the reply was complete",
        ),
    ] {
        let server = fake(scenario).await;
        let outcome = collect(
            openai(&server, OpenAiApi::Auto).as_ref(),
            request(CODEX, true),
        )
        .await;
        assert_error(&outcome, "oa", kind, words, scenario.name());
        assert_eq!(outcome.text, PARTIAL_TEXT, "{scenario}");
    }
}

/// `(event name, the data's keys in order, the response object's keys)` of each event.
fn shape(body: &str) -> Vec<(String, Vec<String>, Vec<String>)> {
    let keys = |value: &Value| -> Vec<String> {
        value
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    body.replace("\r\n", "\n")
        .split("\n\n")
        .filter(|event| !event.trim().is_empty())
        .map(|event| {
            let name = event
                .lines()
                .find_map(|l| l.strip_prefix("event: "))
                .unwrap()
                .to_string();
            let data = event
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .unwrap();
            let value: Value = serde_json::from_str(data).unwrap();
            assert_eq!(value["type"], name.as_str(), "the type names the event");
            let mut fields = keys(&value);
            fields.retain(|k| k != "sequence_number");
            (name, fields, keys(&value["response"]))
        })
        .collect()
}

#[tokio::test]
async fn the_fakes_stream_has_the_shape_of_openais_documented_example() {
    let fixture = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/recorded/responses/create-stream.sse"),
    )
    .unwrap();
    let documented = shape(&fixture);
    let server = fake(Scenario::Normal).await;
    let answer = reqwest::Client::new()
        .post(format!("{}/v1/responses", server.base_url()))
        .bearer_auth("sk-test-responses-key")
        .json(&json!({"model": "gpt-5.4", "instructions": "You are a helpful assistant.", "input": "Hello!", "stream": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer.headers()["content-type"],
        "text/event-stream; charset=utf-8"
    );
    let body = answer.text().await.unwrap();
    assert!(!body.contains("[DONE]"));
    // Every event numbered in order from 0.
    let numbers: Vec<u64> = body
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(|d| {
            serde_json::from_str::<Value>(d).unwrap()["sequence_number"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(numbers, (0..numbers.len() as u64).collect::<Vec<_>>());
    let mut faked = shape(&body);
    // The example shows one delta where a reply has several.
    faked.dedup_by(|a, b| a.0 == "response.output_text.delta" && a.0 == b.0);
    assert_eq!(faked, documented);
}

#[tokio::test]
async fn the_dry_run_goes_to_openais_host_with_the_key_masked() {
    let adapter = provider::build(
        Connection {
            who: "Profile \"oa\"".into(),
            profile_id: None,
            kind: ProviderKind::OpenAi,
            api: ProviderKind::OpenAi.info().capabilities.api,
            base_url: ProviderKind::OpenAi.info().default_url.into(),
            key: Some(SecretString::from("sk-live-secret")),
            headers: Vec::new(),
            options: ConnectionOptions::default(),
        },
        common::http(IDLE),
    )
    .unwrap();
    let preview = adapter
        .wire_request(&request("gpt-5.1-codex", true))
        .unwrap();
    assert_eq!(preview.url, "https://api.openai.com/v1/responses");
    assert_eq!(preview.method, "POST");
    let shown = serde_json::to_string(&preview).unwrap();
    assert!(!shown.contains("sk-live-secret"), "{shown}");
    assert!(
        preview
            .headers
            .contains(&("authorization".into(), "Bearer <redacted>".into())),
        "{:?}",
        preview.headers
    );
    let chat = adapter.wire_request(&request("gpt-4o", true)).unwrap();
    assert_eq!(chat.url, "https://api.openai.com/v1/chat/completions");
}

#[tokio::test]
async fn every_scenario_ends_with_exactly_one_finish_or_error() {
    for &scenario in Scenario::ALL {
        let server = FakeServer::start(FakeOptions {
            scenario,
            api_key: Some("sk-test-responses-key".into()),
            slow_delay: Duration::from_millis(1),
            ..FakeOptions::default()
        })
        .await
        .unwrap();
        let kind = ProviderKind::OpenAi;
        let adapter = provider::build(
            Connection {
                who: "Profile \"oa\"".into(),
                profile_id: None,
                kind,
                api: kind.info().capabilities.api,
                base_url: format!("{}/v1", server.base_url()),
                key: Some(SecretString::from("sk-test-responses-key")),
                headers: Vec::new(),
                options: ConnectionOptions::default(),
            },
            common::http(Duration::from_millis(400)),
        )
        .unwrap();
        for stream in [true, false] {
            let outcome = collect(adapter.as_ref(), request(CODEX, stream)).await;
            let label = format!("{scenario} stream={stream}");
            assert!(
                outcome.done.is_some() != outcome.error.is_some(),
                "{label}: {outcome:?}"
            );
            assert_eq!(outcome.events_after_end, 0, "{label}");
            if Scenario::ECHOES.contains(&scenario) {
                // The answer quoted the key in every form; none of it reaches the error.
                assert!(outcome.error.is_some(), "{label}: {outcome:?}");
            }
            if let Some(error) = &outcome.error {
                assert!(
                    !error.message.contains("sk-test-responses-key"),
                    "{label}: {error:?}"
                );
            }
        }
    }
}
