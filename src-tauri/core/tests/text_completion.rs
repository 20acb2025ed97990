//! Text-completion backends against their fakes: KoboldAI United, KoboldCpp (streamed and not,
//! Stop reaching the server), and the OpenAI-compatible `/completions` route (Oobabooga,
//! Mancer), AI Horde (queue, poll, cancel) and NovelAI — through every scenario.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::{assert_reply, collect, Outcome};

use futures::StreamExt;
use switchboard_core::catalogue::ProviderKind;
use switchboard_core::error::ErrorKind;
use switchboard_core::model::{ChatRequest, GenParams, StopReason, TextPrompt};
use switchboard_core::provider::{Provider, StreamEvent};
use switchboard_fakes::{
    slow_reply_text, Dialect, FakeOptions, FakeServer, Family, KoboldServer, Scenario,
    HORDE_ANONYMOUS_KEY, HORDE_FIRST_MODEL_LIMITS, PARTIAL_TEXT, REASONING_TEXT, REPLY_TEXT,
};
use tokio_util::sync::CancellationToken;

const KEY: &str = "sk-text-completion-test";
const PROMPT: &str = "<|im_start|>user\nSay something.<|im_end|>\n<|im_start|>assistant\n";

async fn kobold_fake(server: KoboldServer, scenario: Scenario) -> FakeServer {
    FakeServer::start(FakeOptions {
        family: Family::Kobold,
        kobold: server,
        scenario,
        api_key: (server == KoboldServer::KoboldCpp).then(|| KEY.to_string()),
        slow_delay: Duration::from_millis(5),
        context_length: 8192,
        ..FakeOptions::default()
    })
    .await
    .unwrap()
}

fn provider_for(kind: ProviderKind, base: &str, idle: Duration) -> Box<dyn Provider> {
    common::provider(kind, "text", base, Some(KEY), idle)
}

fn request(stream: bool) -> ChatRequest {
    ChatRequest {
        model: "fake-model-1".to_string(),
        params: GenParams {
            max_tokens: Some(200),
            temperature: Some(0.5),
            top_k: Some(40),
            stop: vec!["<|im_end|>".into()],
            ..GenParams::default()
        },
        stream,
        prompt: Some(TextPrompt {
            text: PROMPT.into(),
            context_size: 4096,
        }),
        ..ChatRequest::default()
    }
}

fn assert_error(outcome: &Outcome, kind: ErrorKind, contains: &str, label: &str) {
    common::assert_error(outcome, "text", kind, contains, label);
}

/// Every scenario through KoboldCpp (streamed and blocking) and United (blocking).
#[tokio::test]
async fn kobold_family_through_every_scenario() {
    let cases = [
        (ProviderKind::KoboldCpp, KoboldServer::KoboldCpp, true),
        (ProviderKind::KoboldCpp, KoboldServer::KoboldCpp, false),
        (ProviderKind::Kobold, KoboldServer::United, false),
    ];
    for (kind, server_kind, stream) in cases {
        for &scenario in Scenario::ALL {
            let label = format!("{kind} {} stream={stream}", scenario.name());
            let server = kobold_fake(server_kind, scenario).await;
            let base = match kind {
                ProviderKind::Kobold => format!("{}/api", server.base_url()),
                _ => server.base_url(),
            };
            let provider = provider_for(kind, &base, Duration::from_millis(700));
            let started = Instant::now();
            let outcome = collect(provider.as_ref(), request(stream)).await;
            assert!(started.elapsed() < Duration::from_secs(10), "{label}");
            check_kobold(scenario, stream, &outcome, &label);
            if scenario != Scenario::StallBeforeHeaders {
                let seen = server
                    .requests()
                    .into_iter()
                    .find(|r| r.method == "POST" && r.path.contains("generate"))
                    .unwrap_or_else(|| panic!("{label}: no generate request"));
                let expected_path = if stream {
                    "/api/extra/generate/stream"
                } else {
                    "/api/v1/generate"
                };
                assert_eq!(seen.path, expected_path, "{label}");
                let body = seen.json().unwrap();
                assert_eq!(body["prompt"], PROMPT, "{label}");
                assert_eq!(body["max_context_length"], 4096, "{label}");
                assert_eq!(body["max_length"], 200, "{label}");
                assert_eq!(body["top_k"], 40, "{label}");
                assert_eq!(body["stop_sequence"][0], "<|im_end|>", "{label}");
                assert!(body.get("frequency_penalty").is_none(), "{label}");
                if kind == ProviderKind::KoboldCpp {
                    let bearer = format!("Bearer {KEY}");
                    assert_eq!(seen.header("authorization"), Some(bearer.as_str()));
                    assert!(body["genkey"].as_str().unwrap().starts_with("KCPP"));
                    assert_eq!(body["trim_stop"], true);
                } else {
                    assert!(body.get("genkey").is_none() && body.get("trim_stop").is_none());
                }
            }
        }
    }
}

fn check_kobold(scenario: Scenario, stream: bool, outcome: &Outcome, label: &str) {
    match scenario {
        Scenario::Normal
        | Scenario::Usage
        | Scenario::UsageNullChoices
        | Scenario::Split
        | Scenario::KeepAlive
        | Scenario::NoModelsRoute
        | Scenario::EmptyModels => assert_reply(outcome, REPLY_TEXT, StopReason::Stop, label),
        Scenario::Slow => assert_reply(outcome, &slow_reply_text(), StopReason::Stop, label),
        Scenario::Reasoning | Scenario::ReasoningOpenRouter => {
            assert!(outcome.text.contains(REASONING_TEXT), "{label}");
            assert!(outcome.text.ends_with(REPLY_TEXT), "{label}");
            assert_eq!(outcome.done, Some(StopReason::Stop), "{label}");
        }
        // United gives no finish reason.
        Scenario::DoneNoBlankLine if label.starts_with("kobold ") => {
            assert_reply(outcome, REPLY_TEXT, StopReason::Stop, label)
        }
        Scenario::DoneNoBlankLine => assert_reply(outcome, REPLY_TEXT, StopReason::Length, label),
        Scenario::MidStreamError | Scenario::MidStreamErrorOpenRouter | Scenario::Truncated
            if stream =>
        {
            assert_eq!(outcome.text, PARTIAL_TEXT, "{label}");
            assert_error(
                outcome,
                ErrorKind::Network,
                "text received so far is kept",
                label,
            );
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
        Scenario::MidStreamError | Scenario::MidStreamErrorOpenRouter | Scenario::Truncated => {
            assert!(outcome.text.is_empty(), "{label}: {outcome:?}");
            assert!(outcome.error.is_some(), "{label}: {outcome:?}");
            assert_eq!(outcome.events_after_end, 0, "{label}");
        }
        // Blocking: KoboldCpp sends its headers with the answer.
        Scenario::Stall => {
            assert_error(outcome, ErrorKind::Network, "did not answer within", label)
        }
        Scenario::StallBeforeHeaders => {
            assert_error(outcome, ErrorKind::Network, "did not answer within", label)
        }
        // What becomes of the quoted key is `echoed_secrets.rs`'s to check.
        Scenario::EchoUnauthorized | Scenario::EchoMidStream | Scenario::EchoPage => {
            assert!(outcome.error.is_some(), "{label}: {outcome:?}");
            assert!(outcome.done.is_none(), "{label}: an error and a finish");
        }
        Scenario::Unauthorized => {
            assert_error(outcome, ErrorKind::Auth, "rejected", label);
            assert_eq!(outcome.error.as_ref().unwrap().status, Some(401));
        }
        Scenario::ModelNotFound => {
            let error = outcome.error.as_ref().expect(label);
            assert_eq!(error.status, Some(404), "{label}");
        }
        Scenario::RateLimited | Scenario::RateLimitedNoRetryAfter | Scenario::Overloaded => {
            assert_error(
                outcome,
                ErrorKind::ProviderUnavailable,
                "Server is busy",
                label,
            );
            assert_eq!(outcome.error.as_ref().unwrap().status, Some(503), "{label}");
        }
        Scenario::ServerErrorHtml => {
            assert_error(outcome, ErrorKind::ProviderUnavailable, "500", label);
            assert!(!outcome.error.as_ref().unwrap().message.contains("<html"));
        }
    }
}

/// Stop tells KoboldCpp to abort the generation by its genkey, streamed or blocking, and the
/// text so far is kept.
#[tokio::test]
async fn stop_reaches_koboldcpp_through_abort() {
    for stream in [true, false] {
        let server = kobold_fake(KoboldServer::KoboldCpp, Scenario::Slow).await;
        let provider = provider_for(
            ProviderKind::KoboldCpp,
            &server.base_url(),
            Duration::from_secs(5),
        );
        let cancel = CancellationToken::new();
        let mut events = provider.stream(request(stream), cancel.clone());
        let mut text = String::new();
        if stream {
            while let Some(Ok(StreamEvent::Delta(delta))) = events.next().await {
                text.push_str(&delta);
                if text.len() > 10 {
                    break;
                }
            }
        } else {
            // The blocking generation is under way (no answer until it ends).
            let waited = tokio::time::timeout(Duration::from_millis(150), events.next()).await;
            assert!(waited.is_err(), "the slow answer came early: {waited:?}");
        }
        cancel.cancel();
        // A cancelled stream sends the abort, then ends (the engine polls it to its end).
        let drained = tokio::time::timeout(Duration::from_secs(5), async {
            while events.next().await.is_some() {}
        })
        .await;
        assert!(
            drained.is_ok(),
            "stream={stream}: the cancelled stream did not end"
        );
        // The abort was sent before the stream ended.
        let aborts = server.aborts();
        assert_eq!(aborts.len(), 1, "stream={stream}: {aborts:?}");
        let generate = server
            .requests()
            .into_iter()
            .find(|r| r.path.contains("generate"))
            .unwrap();
        let genkey = generate.json().unwrap()["genkey"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(aborts[0].genkey.as_deref(), Some(genkey.as_str()));
        // Closing the connection also ends a KoboldCpp generation, so the abort may find it
        // already stopped; what matters is that it names this generation.
        assert!(aborts[0].stopped <= 1, "stream={stream}: {aborts:?}");
        let abort = server
            .requests()
            .into_iter()
            .find(|r| r.path == "/api/extra/abort")
            .unwrap();
        let bearer = format!("Bearer {KEY}");
        assert_eq!(abort.header("authorization"), Some(bearer.as_str()));
    }
}

/// A reply that finishes by itself sends no abort.
#[tokio::test]
async fn a_finished_reply_sends_no_abort() {
    let server = kobold_fake(KoboldServer::KoboldCpp, Scenario::Normal).await;
    let provider = provider_for(
        ProviderKind::KoboldCpp,
        &server.base_url(),
        Duration::from_secs(5),
    );
    let outcome = collect(provider.as_ref(), request(true)).await;
    assert_reply(&outcome, REPLY_TEXT, StopReason::Stop, "normal");
    // Not synchronisation: the window in which an abort must not arrive.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(server.aborts().is_empty());
}

#[tokio::test]
async fn kobold_status_models_and_context() {
    let cpp = kobold_fake(KoboldServer::KoboldCpp, Scenario::Normal).await;
    let provider = provider_for(
        ProviderKind::KoboldCpp,
        &cpp.base_url(),
        Duration::from_secs(5),
    );
    let report = provider.status().await.unwrap();
    assert!(
        report
            .message
            .starts_with("Connected: KoboldCpp 1.76 with koboldcpp/fake-model-1"),
        "{}",
        report.message
    );
    assert!(report.message.contains("8192"), "{}", report.message);
    let models = provider.list_models().await.unwrap();
    assert_eq!(models[0].id, "koboldcpp/fake-model-1");
    assert_eq!(models[0].context_length, Some(8192));
    assert_eq!(provider.context_size("x").await.unwrap(), Some(8192));

    // A wrong password is found by the status check even though the GET routes are open.
    let wrong = common::provider(
        ProviderKind::KoboldCpp,
        "text",
        &cpp.base_url(),
        Some("wrong"),
        Duration::from_secs(5),
    );
    let err = wrong.status().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth, "{err:?}");

    let united = kobold_fake(KoboldServer::United, Scenario::Normal).await;
    let provider = provider_for(
        ProviderKind::Kobold,
        &format!("{}/api", united.base_url()),
        Duration::from_secs(5),
    );
    let report = provider.status().await.unwrap();
    assert!(
        report
            .message
            .starts_with("Connected: KoboldAI United (API 1.2.6) with fake-model-1"),
        "{}",
        report.message
    );
    assert_eq!(provider.context_size("x").await.unwrap(), Some(8192));

    let readonly = kobold_fake(KoboldServer::United, Scenario::EmptyModels).await;
    let provider = provider_for(
        ProviderKind::Kobold,
        &format!("{}/api", readonly.base_url()),
        Duration::from_secs(5),
    );
    let err = provider.status().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotConfigured);
    assert!(
        err.message.contains("no model is loaded"),
        "{}",
        err.message
    );
}

/// A 422 names the field the server refused.
#[tokio::test]
async fn kobold_validation_errors_name_the_field() {
    let server = kobold_fake(KoboldServer::United, Scenario::Normal).await;
    let provider = provider_for(
        ProviderKind::Kobold,
        &format!("{}/api", server.base_url()),
        Duration::from_secs(5),
    );
    let mut bad = request(false);
    bad.params.max_tokens = Some(0);
    let outcome = collect(provider.as_ref(), bad).await;
    assert_error(&outcome, ErrorKind::InvalidRequest, "max_length", "422");
    assert_eq!(outcome.error.unwrap().status, Some(422));
}

/// Oobabooga and Mancer in text-completion mode: `…/completions` with the prompt, streamed
/// and not, through the scenarios that matter for the route.
#[tokio::test]
async fn openai_compatible_text_completion_route() {
    for (kind, prefix, dialect) in [
        (ProviderKind::Ooba, "/v1", Dialect::Ooba),
        (ProviderKind::Mancer, "/oai/v1", Dialect::Mancer),
    ] {
        for stream in [true, false] {
            for scenario in [
                Scenario::Normal,
                Scenario::Split,
                Scenario::KeepAlive,
                Scenario::Usage,
                Scenario::MidStreamError,
                Scenario::Unauthorized,
            ] {
                let label = format!("{kind} {} stream={stream}", scenario.name());
                let server = FakeServer::start(FakeOptions {
                    scenario,
                    dialect,
                    api_key: Some(KEY.into()),
                    ..FakeOptions::default()
                })
                .await
                .unwrap();
                let provider = provider_for(
                    kind,
                    &format!("{}{prefix}", server.base_url()),
                    Duration::from_secs(5),
                );
                assert_eq!(
                    provider.capabilities().api,
                    switchboard_core::catalogue::ApiType::TextCompletion
                );
                let outcome = collect(provider.as_ref(), request(stream)).await;
                match scenario {
                    Scenario::MidStreamError if stream => {
                        assert_eq!(outcome.text, PARTIAL_TEXT, "{label}");
                        assert!(outcome.error.is_some(), "{label}");
                    }
                    Scenario::MidStreamError => {
                        assert!(outcome.done.is_some() != outcome.error.is_some(), "{label}")
                    }
                    Scenario::Unauthorized => {
                        assert_error(&outcome, ErrorKind::Auth, "rejected", &label)
                    }
                    _ => assert_reply(&outcome, REPLY_TEXT, StopReason::Stop, &label),
                }
                let seen = server
                    .requests()
                    .into_iter()
                    .find(|r| r.method == "POST")
                    .unwrap();
                assert_eq!(seen.path, format!("{prefix}/completions"), "{label}");
                let body = seen.json().unwrap();
                assert_eq!(body["prompt"], PROMPT, "{label}");
                assert!(body.get("messages").is_none(), "{label}");
                assert_eq!(body["truncation_length"], 4096, "{label}");
                assert_eq!(body["stop"][0], "<|im_end|>", "{label}");
                let bearer = format!("Bearer {KEY}");
                assert_eq!(
                    seen.header("authorization"),
                    Some(bearer.as_str()),
                    "{label}"
                );
                let x_api_key = (kind == ProviderKind::Mancer).then_some(KEY);
                assert_eq!(seen.header("x-api-key"), x_api_key, "{label}");
            }
        }
    }
}

fn horde_provider(server: &FakeServer, key: Option<&str>, idle: Duration) -> Box<dyn Provider> {
    let base = format!("{}/api/v2", server.base_url());
    common::provider(ProviderKind::Horde, "text", &base, key, idle)
}

async fn horde_fake(scenario: Scenario) -> FakeServer {
    FakeServer::start(FakeOptions {
        family: Family::Horde,
        scenario,
        api_key: Some(KEY.into()),
        slow_delay: Duration::from_millis(5),
        ..FakeOptions::default()
    })
    .await
    .unwrap()
}

/// Every scenario through the Horde: submit, queue progress as `Queued` events, the text when
/// a worker is done, and each failure with the Horde's own words.
#[tokio::test]
async fn horde_through_every_scenario() {
    for &scenario in Scenario::ALL {
        let label = format!("horde {}", scenario.name());
        let server = horde_fake(scenario).await;
        let provider = horde_provider(&server, None, Duration::from_millis(700));
        let started = Instant::now();
        let outcome = collect(provider.as_ref(), request(false)).await;
        assert!(started.elapsed() < Duration::from_secs(10), "{label}");
        match scenario {
            Scenario::Normal
            | Scenario::Usage
            | Scenario::UsageNullChoices
            | Scenario::Split
            | Scenario::DoneNoBlankLine
            | Scenario::NoModelsRoute
            | Scenario::KeepAlive => {
                assert_reply(&outcome, REPLY_TEXT, StopReason::Stop, &label);
                assert!(
                    outcome.queued.starts_with(&[2, 1]),
                    "{label}: {:?}",
                    outcome.queued
                );
            }
            Scenario::Slow => {
                assert!(outcome.queued.len() >= 20, "{label}: {:?}", outcome.queued);
                assert_eq!(outcome.queued[0], 20, "{label}");
                assert!(outcome.done.is_some(), "{label}: {outcome:?}");
            }
            Scenario::Reasoning | Scenario::ReasoningOpenRouter => {
                assert!(outcome.text.contains(REASONING_TEXT), "{label}");
                assert!(outcome.text.ends_with(REPLY_TEXT), "{label}");
            }
            Scenario::MidStreamError | Scenario::MidStreamErrorOpenRouter => assert_error(
                &outcome,
                ErrorKind::ProviderUnavailable,
                "worker failed",
                &label,
            ),
            Scenario::Truncated => {
                assert!(
                    outcome.error.is_some() && outcome.done.is_none(),
                    "{label}: {outcome:?}"
                )
            }
            Scenario::EofNoDone => assert_error(
                &outcome,
                ErrorKind::ProviderUnavailable,
                "not found",
                &label,
            ),
            // Polls are whole answers: silence before or after the headers is the same.
            Scenario::Stall | Scenario::StallBeforeHeaders => assert_error(
                &outcome,
                ErrorKind::Network,
                "did not answer within 0.7 s",
                &label,
            ),
            // What becomes of the quoted key is `echoed_secrets.rs`'s to check.
            Scenario::EchoUnauthorized | Scenario::EchoMidStream | Scenario::EchoPage => {
                assert!(outcome.error.is_some(), "{label}: {outcome:?}");
                assert!(outcome.done.is_none(), "{label}: an error and a finish");
            }
            Scenario::Unauthorized => {
                assert_error(&outcome, ErrorKind::Auth, "API Key", &label);
                assert!(outcome
                    .error
                    .as_ref()
                    .unwrap()
                    .message
                    .contains("anonymously"));
            }
            Scenario::ModelNotFound => assert_error(
                &outcome,
                ErrorKind::ProviderUnavailable,
                "no Horde worker can serve",
                &label,
            ),
            Scenario::EmptyModels => assert_error(
                &outcome,
                ErrorKind::ProviderUnavailable,
                "no worker serves",
                &label,
            ),
            Scenario::RateLimited => {
                assert_error(&outcome, ErrorKind::RateLimited, "", &label);
                assert_eq!(outcome.error.as_ref().unwrap().retry_after_ms, Some(7000));
            }
            Scenario::RateLimitedNoRetryAfter => {
                assert_error(&outcome, ErrorKind::RateLimited, "", &label)
            }
            Scenario::Overloaded => assert_error(
                &outcome,
                ErrorKind::ProviderUnavailable,
                "maintenance",
                &label,
            ),
            Scenario::ServerErrorHtml => {
                assert_error(&outcome, ErrorKind::ProviderUnavailable, "500", &label)
            }
        }
        let submit = server
            .requests()
            .into_iter()
            .find(|r| r.method == "POST" && r.path.ends_with("/generate/text/async"));
        if let Some(submit) = submit {
            assert_eq!(
                submit.header("apikey"),
                Some(HORDE_ANONYMOUS_KEY),
                "{label}"
            );
            assert!(
                submit
                    .header("client-agent")
                    .unwrap()
                    .starts_with("Switchboard:"),
                "{label}"
            );
            let body = submit.json().unwrap();
            assert_eq!(body["prompt"], PROMPT, "{label}");
            assert_eq!(
                body["models"],
                serde_json::json!(["fake-model-1"]),
                "{label}"
            );
            // Clamped to the smallest worker serving the model.
            let (context, length) = HORDE_FIRST_MODEL_LIMITS;
            assert_eq!(body["params"]["max_context_length"], context, "{label}");
            assert_eq!(body["params"]["max_length"], 200.min(length), "{label}");
            assert_eq!(body["params"]["stop_sequence"][0], "<|im_end|>", "{label}");
        }
    }
}

/// Stop cancels the request on the Horde (DELETE of its status), and only then.
#[tokio::test]
async fn stop_cancels_the_horde_request() {
    let server = horde_fake(Scenario::Slow).await;
    let provider = horde_provider(&server, Some(KEY), Duration::from_secs(5));
    let cancel = CancellationToken::new();
    let mut events = provider.stream(request(false), cancel.clone());
    let mut queued = 0;
    while let Some(Ok(StreamEvent::Queued { .. })) = events.next().await {
        queued += 1;
        if queued == 3 {
            break;
        }
    }
    assert_eq!(queued, 3);
    cancel.cancel();
    let drained = tokio::time::timeout(Duration::from_secs(5), async {
        while events.next().await.is_some() {}
    })
    .await;
    assert!(drained.is_ok(), "the cancelled stream did not end");
    // The cancel was sent before the stream ended.
    assert_eq!(server.horde_cancels().len(), 1);
    let submitted = server
        .requests()
        .into_iter()
        .find(|r| r.method == "DELETE")
        .expect("a DELETE reached the Horde");
    let cancels = server.horde_cancels();
    assert_eq!(cancels.len(), 1);
    assert!(submitted
        .path
        .ends_with(&format!("/generate/text/status/{}", cancels[0])));
    assert_eq!(submitted.header("apikey"), Some(KEY));

    // A finished request is not cancelled.
    let server = horde_fake(Scenario::Normal).await;
    let provider = horde_provider(&server, Some(KEY), Duration::from_secs(5));
    let outcome = collect(provider.as_ref(), request(false)).await;
    assert_reply(&outcome, REPLY_TEXT, StopReason::Stop, "normal");
    // Not synchronisation: the window in which a cancel must not arrive.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(server.horde_cancels().is_empty());
}

#[tokio::test]
async fn horde_status_models_and_limits() {
    let server = horde_fake(Scenario::Normal).await;
    let anonymous = horde_provider(&server, None, Duration::from_secs(5));
    let report = anonymous.status().await.unwrap();
    assert!(report.message.contains("anonymously"), "{}", report.message);
    let models = anonymous.list_models().await.unwrap();
    assert_eq!(models[0].id, "fake-model-1");
    assert!(models[0].name.as_deref().unwrap().contains("worker"));
    assert_eq!(
        anonymous.context_size("fake-model-1").await.unwrap(),
        Some(HORDE_FIRST_MODEL_LIMITS.0)
    );
    let signed_in = horde_provider(&server, Some(KEY), Duration::from_secs(5));
    let report = signed_in.status().await.unwrap();
    assert!(
        report.message.contains(switchboard_fakes::HORDE_USERNAME),
        "{}",
        report.message
    );
    assert!(report.message.contains("kudos"), "{}", report.message);
    let find_user = server
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/find_user"))
        .unwrap();
    assert_eq!(find_user.header("apikey"), Some(KEY));
    let wrong = horde_provider(&server, Some("not-the-key"), Duration::from_secs(5));
    assert!(wrong.status().await.is_err());
}

async fn novelai_fake(scenario: Scenario) -> FakeServer {
    FakeServer::start(FakeOptions {
        family: Family::NovelAi,
        scenario,
        api_key: Some(KEY.into()),
        slow_delay: Duration::from_millis(5),
        ..FakeOptions::default()
    })
    .await
    .unwrap()
}

fn novelai_request(stream: bool) -> ChatRequest {
    ChatRequest {
        model: "kayra-v1".into(),
        ..request(stream)
    }
}

/// Every scenario through NovelAI, streamed and not.
#[tokio::test]
async fn novelai_through_every_scenario() {
    for stream in [true, false] {
        for &scenario in Scenario::ALL {
            let label = format!("novelai {} stream={stream}", scenario.name());
            let server = novelai_fake(scenario).await;
            let provider = provider_for(
                ProviderKind::NovelAi,
                &server.base_url(),
                Duration::from_millis(700),
            );
            let outcome = collect(provider.as_ref(), novelai_request(stream)).await;
            match scenario {
                Scenario::Normal
                | Scenario::Usage
                | Scenario::UsageNullChoices
                | Scenario::Split
                | Scenario::KeepAlive
                | Scenario::DoneNoBlankLine
                | Scenario::NoModelsRoute
                | Scenario::EmptyModels => {
                    assert_reply(&outcome, REPLY_TEXT, StopReason::Stop, &label)
                }
                Scenario::Slow => {
                    assert_reply(&outcome, &slow_reply_text(), StopReason::Stop, &label)
                }
                Scenario::Reasoning | Scenario::ReasoningOpenRouter => {
                    assert!(outcome.text.ends_with(REPLY_TEXT), "{label}: {outcome:?}")
                }
                Scenario::MidStreamError
                | Scenario::MidStreamErrorOpenRouter
                | Scenario::Truncated
                | Scenario::EofNoDone
                    if stream =>
                {
                    assert_eq!(outcome.text, PARTIAL_TEXT, "{label}");
                    assert_error(
                        &outcome,
                        ErrorKind::Network,
                        "text received so far is kept",
                        &label,
                    );
                }
                Scenario::EofNoDone => {
                    assert_reply(&outcome, PARTIAL_TEXT, StopReason::Stop, &label)
                }
                Scenario::MidStreamError
                | Scenario::MidStreamErrorOpenRouter
                | Scenario::Truncated => {
                    assert!(
                        outcome.error.is_some() && outcome.done.is_none(),
                        "{label}: {outcome:?}"
                    )
                }
                Scenario::Stall if stream => {
                    assert_eq!(outcome.text, PARTIAL_TEXT, "{label}");
                    assert_error(&outcome, ErrorKind::Network, "sent nothing for", &label)
                }
                Scenario::Stall | Scenario::StallBeforeHeaders => assert_error(
                    &outcome,
                    ErrorKind::Network,
                    "did not answer within",
                    &label,
                ),
                // What becomes of the quoted key is `echoed_secrets.rs`'s to check.
                Scenario::EchoUnauthorized | Scenario::EchoMidStream | Scenario::EchoPage => {
                    assert!(outcome.error.is_some(), "{label}: {outcome:?}");
                    assert!(outcome.done.is_none(), "{label}: an error and a finish");
                }
                Scenario::Unauthorized => {
                    assert_error(&outcome, ErrorKind::Auth, "rejected", &label)
                }
                Scenario::ModelNotFound => {
                    assert_error(&outcome, ErrorKind::ModelNotFound, "", &label)
                }
                Scenario::RateLimited | Scenario::RateLimitedNoRetryAfter => {
                    assert_error(&outcome, ErrorKind::RateLimited, "", &label)
                }
                Scenario::Overloaded | Scenario::ServerErrorHtml => {
                    assert_error(&outcome, ErrorKind::ProviderUnavailable, "", &label)
                }
            }
            if scenario != Scenario::StallBeforeHeaders {
                let seen = server
                    .requests()
                    .into_iter()
                    .find(|r| r.method == "POST")
                    .unwrap();
                let path = if stream {
                    "/ai/generate-stream"
                } else {
                    "/ai/generate"
                };
                assert_eq!(seen.path, path, "{label}");
                let bearer = format!("Bearer {KEY}");
                assert_eq!(
                    seen.header("authorization"),
                    Some(bearer.as_str()),
                    "{label}"
                );
                let body = seen.json().unwrap();
                assert_eq!(body["input"], PROMPT, "{label}");
                assert_eq!(body["parameters"]["use_string"], true, "{label}");
                assert!(
                    body["parameters"].get("stop_sequences").is_none(),
                    "{label}"
                );
            }
        }
    }
}

#[tokio::test]
async fn novelai_status_is_the_subscription() {
    let server = novelai_fake(Scenario::Normal).await;
    let provider = provider_for(
        ProviderKind::NovelAi,
        &server.base_url(),
        Duration::from_secs(5),
    );
    let report = provider.status().await.unwrap();
    assert!(report.message.contains("Opus"), "{}", report.message);
    assert_eq!(report.models.unwrap().len(), 3);
    assert_eq!(provider.context_size("kayra-v1").await.unwrap(), Some(8192));
    let seen = server
        .requests()
        .into_iter()
        .find(|r| r.path == "/user/subscription")
        .unwrap();
    let bearer = format!("Bearer {KEY}");
    assert_eq!(seen.header("authorization"), Some(bearer.as_str()));

    let unauthorized = novelai_fake(Scenario::Unauthorized).await;
    let provider = provider_for(
        ProviderKind::NovelAi,
        &unauthorized.base_url(),
        Duration::from_secs(5),
    );
    assert_eq!(provider.status().await.unwrap_err().kind, ErrorKind::Auth);
}

/// The OpenAI-compatible text route behaves like the chat route in every scenario: the same
/// text, the same finish, the same kind of failure.
#[tokio::test]
async fn the_text_route_matches_the_chat_route_in_every_scenario() {
    for stream in [true, false] {
        for &scenario in Scenario::ALL {
            let label = format!("{} stream={stream}", scenario.name());
            let mut outcomes = Vec::new();
            for text_route in [false, true] {
                let server = FakeServer::start(FakeOptions {
                    scenario,
                    api_key: Some(KEY.into()),
                    slow_delay: Duration::from_millis(5),
                    ..FakeOptions::default()
                })
                .await
                .unwrap();
                let provider = provider_for(
                    ProviderKind::Custom,
                    &format!("{}/v1", server.base_url()),
                    Duration::from_millis(700),
                );
                let mut req = request(stream);
                if !text_route {
                    req.prompt = None;
                    req.messages = vec![switchboard_core::model::ChatMessage::new(
                        switchboard_core::model::Role::User,
                        "Say something.",
                    )];
                }
                let outcome = collect(provider.as_ref(), req).await;
                if scenario != Scenario::StallBeforeHeaders {
                    let path = &server
                        .requests()
                        .into_iter()
                        .find(|r| r.method == "POST")
                        .unwrap()
                        .path;
                    let expected = if text_route {
                        "/v1/completions"
                    } else {
                        "/v1/chat/completions"
                    };
                    assert_eq!(path, expected, "{label}");
                }
                outcomes.push((
                    outcome.text,
                    outcome.done,
                    outcome.error.as_ref().map(|e| (e.kind, e.status)),
                ));
            }
            assert_eq!(outcomes[0], outcomes[1], "{label}: chat vs text");
        }
    }
}

/// Oobabooga's status names the loaded model; Mancer's model list gives the context size the
/// prompt is fitted to.
#[tokio::test]
async fn ooba_loaded_model_and_mancer_context_sizes() {
    let ooba = FakeServer::start(FakeOptions {
        dialect: Dialect::Ooba,
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let provider = common::provider(
        ProviderKind::Ooba,
        "text",
        &format!("{}/v1", ooba.base_url()),
        None,
        Duration::from_secs(5),
    );
    let report = provider.status().await.unwrap();
    assert_eq!(
        report.message, "Connected: 1 model. Loaded: fake-model-1 (llama.cpp).",
        "{report:?}"
    );
    assert!(ooba
        .requests()
        .iter()
        .any(|r| r.path == "/v1/internal/model/info"));

    let mancer = FakeServer::start(FakeOptions {
        dialect: Dialect::Mancer,
        api_key: Some(KEY.into()),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let provider = provider_for(
        ProviderKind::Mancer,
        &format!("{}/oai/v1", mancer.base_url()),
        Duration::from_secs(5),
    );
    assert_eq!(
        provider.context_size("fake-model-1").await.unwrap(),
        Some(switchboard_fakes::MANCER_CONTEXT_LIMIT)
    );
    assert_eq!(provider.context_size("unknown").await.unwrap(), None);
}
