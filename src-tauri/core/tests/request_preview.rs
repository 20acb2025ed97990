//! For every family, the request preview ("show the request", `--dry-run`) is exactly what
//! goes on the wire with its secrets masked: one request value is built, previewed, and sent to
//! a fake server that records what it received.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use secrecy::SecretString;
use switchboard_core::catalogue::ProviderKind;
use switchboard_core::http::{Http, HttpConfig};
use switchboard_core::model::{ChatMessage, ChatRequest, GenParams, Role, TextPrompt};
use switchboard_core::options::{AzureRoute, ConnectionOptions, SourceOptions};
use switchboard_core::provider::{self, Connection, REDACTED};
use switchboard_fakes::{Dialect, FakeOptions, FakeServer, Family, KoboldServer};

const KEY: &str = "sk-preview-key-5150";
const PROXY_TOKEN: &str = "proxy-token-8a8a";
/// `Authorization: Basic` of `alice:hunter2`, as URL credentials become.
const BASIC: &str = "Basic YWxpY2U6aHVudGVyMg==";

/// Headers the HTTP client adds on its own, which no preview lists.
const TRANSPORT: &[&str] = &[
    "host",
    "user-agent",
    "accept",
    "accept-encoding",
    "content-length",
];

struct Case {
    family: Family,
    kobold: KoboldServer,
    kind: ProviderKind,
    path: &'static str,
    model: &'static str,
    /// Whether the key is not in `Authorization`, so URL credentials can go there.
    basic: bool,
    /// The server imitated within the OpenAI-compatible family.
    dialect: Dialect,
    /// The profile's connection options (Azure's route).
    options: ConnectionOptions,
}

fn cases() -> Vec<Case> {
    let case = |family, kind, path, model, basic| Case {
        family,
        kobold: KoboldServer::KoboldCpp,
        kind,
        path,
        model,
        basic,
        dialect: Dialect::OpenAi,
        options: ConnectionOptions::default(),
    };
    let azure = |route| Case {
        dialect: Dialect::Azure,
        options: ConnectionOptions {
            source: SourceOptions {
                azure_route: route,
                azure_api_version: None,
                ..SourceOptions::default()
            },
            ..ConnectionOptions::default()
        },
        ..case(
            Family::OpenAi,
            ProviderKind::AzureOpenAi,
            "",
            "fake-model-1",
            true,
        )
    };
    vec![
        azure(AzureRoute::V1),
        azure(AzureRoute::Deployments),
        // Z.ai: a default header of its own.
        case(
            Family::OpenAi,
            ProviderKind::ZAi,
            "/api/paas/v4",
            "fake-model-1",
            false,
        ),
        case(
            Family::OpenAi,
            ProviderKind::Custom,
            "/v1",
            "fake-model-1",
            false,
        ),
        case(
            Family::OpenAi,
            ProviderKind::OpenRouter,
            "/api/v1",
            "fake-model-1",
            false,
        ),
        case(
            Family::OpenAi,
            ProviderKind::Tabby,
            "/v1",
            "fake-model-1",
            false,
        ),
        // Google: the key in `x-goog-api-key`, never in the URL.
        case(
            Family::Gemini,
            ProviderKind::Gemini,
            "/v1beta",
            "fake-model-1",
            true,
        ),
        case(
            Family::Gemini,
            ProviderKind::VertexAi,
            "/v1",
            "fake-model-1",
            true,
        ),
        // OpenAI: Chat Completions for most models, the Responses API for a codex model.
        case(
            Family::OpenAi,
            ProviderKind::OpenAi,
            "/v1",
            "fake-model-1",
            false,
        ),
        case(
            Family::OpenAi,
            ProviderKind::OpenAi,
            "/v1",
            "gpt-5-codex",
            false,
        ),
        case(
            Family::Anthropic,
            ProviderKind::Claude,
            "/v1",
            "fake-model-1",
            true,
        ),
        case(
            Family::Kobold,
            ProviderKind::KoboldCpp,
            "",
            "fake-model-1",
            false,
        ),
        Case {
            kobold: KoboldServer::United,
            ..case(
                Family::Kobold,
                ProviderKind::Kobold,
                "/api",
                "fake-model-1",
                false,
            )
        },
        case(
            Family::Horde,
            ProviderKind::Horde,
            "/api/v2",
            "fake-model-1",
            true,
        ),
        case(
            Family::NovelAi,
            ProviderKind::NovelAi,
            "",
            "kayra-v1",
            false,
        ),
        // Cohere: a bearer key, `p`/`k`, the model list under `/v1` beside `/v2`.
        case(
            Family::Cohere,
            ProviderKind::Cohere,
            "/v2",
            "fake-model-1",
            false,
        ),
    ]
}

fn chat_request(kind: ProviderKind, model: &str) -> ChatRequest {
    let text = kind.info().capabilities.api == switchboard_core::catalogue::ApiType::TextCompletion;
    ChatRequest {
        model: model.into(),
        messages: vec![ChatMessage::new(Role::User, "hello")],
        params: GenParams {
            max_tokens: Some(50),
            temperature: Some(0.7),
            ..GenParams::default()
        },
        stream: true,
        prompt: text.then(|| TextPrompt {
            text: "User: hello\nAssistant:".into(),
            context_size: 4096,
        }),
        context_size: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_family_previews_exactly_the_request_it_sends_with_secrets_masked() {
    let http = Http::new(HttpConfig {
        idle_timeout: Duration::from_secs(10),
        ..HttpConfig::default()
    })
    .unwrap();
    for case in cases() {
        let label = case.kind.id();
        let server = FakeServer::start(FakeOptions {
            family: case.family,
            kobold: case.kobold,
            dialect: case.dialect,
            api_key: Some(KEY.into()),
            ..FakeOptions::default()
        })
        .await
        .unwrap();
        let mut headers = vec![("X-Proxy-Token".to_string(), SecretString::from(PROXY_TOKEN))];
        if case.basic {
            headers.push(("Authorization".to_string(), SecretString::from(BASIC)));
        }
        let base = format!("{}{}", server.base_url(), case.path);
        let connection = Connection {
            who: "Profile \"preview\"".into(),
            profile_id: None,
            kind: case.kind,
            api: case.kind.info().capabilities.api,
            base_url: case.kind.normalize_url(&base).unwrap().url,
            key: Some(SecretString::from(KEY)),
            headers,
            options: case.options.clone(),
        };
        let adapter = provider::build(connection, http.clone()).unwrap();
        let request = adapter
            .request(&chat_request(case.kind, case.model))
            .unwrap();
        let preview = request.preview();
        assert_eq!(
            adapter
                .wire_request(&chat_request(case.kind, case.model))
                .unwrap()
                .headers,
            preview.headers,
            "{label}: the adapter's preview is the value's"
        );
        let shown = serde_json::to_string(&preview).unwrap();
        for secret in [KEY, PROXY_TOKEN, BASIC, "YWxpY2U6aHVudGVyMg"] {
            assert!(
                !shown.contains(secret),
                "{label}: the preview shows {secret}"
            );
        }

        let response = request.builder(http.client()).send().await.unwrap();
        drop(response);
        let sent = server.requests().pop().unwrap();

        assert_eq!(sent.method, preview.method, "{label}");
        let query = sent
            .query
            .as_ref()
            .map(|q| format!("?{q}"))
            .unwrap_or_default();
        assert_eq!(
            format!("{}{}{query}", server.base_url(), sent.path),
            preview.url,
            "{label}"
        );
        assert_eq!(
            Some(&sent.body[..]),
            request.body_bytes(),
            "{label}: body bytes"
        );
        assert_eq!(sent.json().unwrap(), preview.body, "{label}: body");

        // Every header sent, in order, masked, is the preview's; the rest is transport.
        let mask = |value: &str| {
            [BASIC, KEY, PROXY_TOKEN]
                .iter()
                .fold(value.to_string(), |value, secret| {
                    value.replace(secret, REDACTED)
                })
        };
        let received: Vec<(String, String)> = sent
            .headers
            .iter()
            .filter(|(name, _)| !TRANSPORT.contains(&name.as_str()))
            .map(|(name, value)| (name.clone(), mask(value)))
            .collect();
        let previewed: Vec<(String, String)> = preview
            .headers
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
            .collect();
        assert_eq!(received, previewed, "{label}: headers");
        let carrying_secrets = sent
            .headers
            .iter()
            .filter(|(_, value)| mask(value) != *value)
            .count();
        assert_eq!(
            previewed
                .iter()
                .filter(|(_, v)| v.contains(REDACTED))
                .count(),
            carrying_secrets,
            "{label}: {previewed:?}"
        );
        assert!(
            carrying_secrets >= if case.basic { 3 } else { 2 },
            "{label}: the key and every extra header are sent: {previewed:?}"
        );
    }
}
