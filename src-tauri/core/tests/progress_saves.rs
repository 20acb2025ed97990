//! A reply whose saves while it streams fail (the database busy past its timeout, a full disk)
//! still arrives whole: each failed save is logged and tried again at the next interval, and
//! the final save decides.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use switchboard_core::engine::{Action, ConnectionSpec, GenerationRequest};
use switchboard_core::model::{ChatEvent, GenParams, MessageState};
use switchboard_core::store::{Profile, DB_FILE};
use switchboard_core::ProviderKind;
use switchboard_fakes::{slow_reply_text, FakeOptions, FakeServer, Scenario};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_progress_save_is_logged_and_retried_and_the_reply_still_completes() {
    let captured = common::CapturedLogs::install("switchboard_core=warn");

    // About three seconds of reply: long enough for saves while it streams (one a second).
    let server = FakeServer::start(FakeOptions {
        scenario: Scenario::Slow,
        slow_delay: Duration::from_millis(30),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let mut profile = Profile::new(
        "p",
        ProviderKind::Custom,
        format!("{}/v1", server.base_url()),
    );
    profile.model = Some("fake-model-1".into());
    engine.add_profile(profile).await.unwrap();
    // Every save of a reply still streaming fails; finishing it does not.
    rusqlite::Connection::open(dir.path().join(DB_FILE))
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER progress_fails BEFORE UPDATE OF content ON messages
             WHEN old.state = 'streaming' AND new.state = 'streaming' BEGIN
                 SELECT RAISE(ABORT, 'disk full (made to fail by the test)');
             END;",
        )
        .unwrap();

    let (chat, events) = common::run(
        &engine,
        GenerationRequest {
            connection: ConnectionSpec::Profile("p".into()),
            chat_id: None,
            input: "hello".into(),
            model: None,
            system_prompt: None,
            params: GenParams::default(),
            stream: true,
            action: Action::Send,
            attachments: Vec::new(),
        },
    )
    .await;
    assert!(
        matches!(events.last(), Some(ChatEvent::Finished { .. })),
        "{:?}",
        events.last()
    );
    let reply = engine.messages(&chat).await.unwrap().pop().unwrap();
    assert_eq!(reply.state, MessageState::Complete);
    assert_eq!(reply.content, slow_reply_text());
    let logs = captured.text();
    assert!(
        logs.contains("could not save reply") && logs.contains("disk full (made to fail"),
        "{logs}"
    );
    // Tried again: a three-second reply meets the one-second interval at least twice.
    assert!(
        logs.matches("trying again in 1000 ms").count() >= 2,
        "{logs}"
    );
}
