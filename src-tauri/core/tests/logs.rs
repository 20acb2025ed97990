//! Logs at the finest level, of Switchboard and of everything under it (the HTTP client, TLS,
//! the connection pool), never show a key: every family's key header is marked sensitive.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use switchboard_core::ProviderKind;
use switchboard_fakes::{FakeOptions, FakeServer, Family};

const MARKER: &str = "sk-LOG-MARKER-9f3b2c";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_finest_logs_of_every_family_never_show_the_key() {
    let captured = common::CapturedLogs::install("trace");

    let cases = [
        (
            Family::OpenAi,
            ProviderKind::OpenRouter,
            "/v1",
            "fake-model-1",
        ),
        (Family::OpenAi, ProviderKind::Custom, "/v1", "fake-model-1"),
        (
            Family::Anthropic,
            ProviderKind::Claude,
            "/v1",
            "fake-model-1",
        ),
        (Family::Kobold, ProviderKind::KoboldCpp, "", "fake-model-1"),
        (
            Family::Horde,
            ProviderKind::Horde,
            "/api/v2",
            "fake-model-1",
        ),
        (Family::NovelAi, ProviderKind::NovelAi, "", "kayra-v1"),
    ];
    for (family, kind, path, model) in cases {
        let server = FakeServer::start(FakeOptions {
            family,
            api_key: Some(MARKER.into()),
            ..FakeOptions::default()
        })
        .await
        .unwrap();
        let base = format!("{}{path}", server.base_url());
        let provider = common::provider(kind, "logs", &base, Some(MARKER), Duration::from_secs(5));
        provider
            .status()
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: {e:?}"));
        let request = common::any_family_request_for(model);
        let outcome = common::collect(provider.as_ref(), request).await;
        assert!(outcome.error.is_none(), "{kind:?}: {:?}", outcome.error);
        // The key did go to the server: the fake refuses requests without it.
        assert!(!outcome.text.is_empty(), "{kind:?}");
    }

    let logs = captured.text();
    assert!(logs.contains("TRACE"), "nothing was logged at trace level");
    assert!(
        logs.contains("hyper") || logs.contains("reqwest"),
        "the HTTP client's own logs were not captured"
    );
    assert!(!logs.contains(MARKER), "a key is in the logs");
    assert!(!logs.contains(&MARKER[3..]), "part of a key is in the logs");
}
