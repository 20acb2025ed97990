//! Input of a size or shape nobody means — a name of a million characters, a key with a line
//! break, a message of many megabytes — is refused by the engine with a clear error naming the
//! limit, before anything is stored or sent; input at the limit is taken.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use secrecy::SecretString;
use switchboard_core::engine::{
    Action, ConnectionSpec, GenerationRequest, MAX_KEY_BYTES, MAX_NAME_CHARS, MAX_QUERY_CHARS,
    MAX_STOP_STRINGS, MAX_TEXT_BYTES,
};
use switchboard_core::model::{GenParams, Role};
use switchboard_core::store::Profile;
use switchboard_core::{Error, ErrorKind, ProviderKind};
use switchboard_fakes::{FakeOptions, FakeServer};

fn refused(result: Result<impl std::fmt::Debug, Error>, contains: &str) {
    match result {
        Ok(value) => panic!("taken: {value:?}"),
        Err(error) => {
            assert_eq!(error.kind, ErrorKind::InvalidRequest, "{error:?}");
            assert!(
                error.message.contains(contains),
                "{:?} lacks {contains:?}",
                error.message
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_and_malformed_input_is_refused_with_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let server = FakeServer::start(FakeOptions::default()).await.unwrap();
    let url = format!("{}/v1", server.base_url());

    // Profile names: empty, one past the limit (in characters, not bytes), at the limit.
    refused(
        engine
            .add_profile(Profile::new("  ", ProviderKind::Custom, &url))
            .await,
        "needs a name",
    );
    let long = "é".repeat(MAX_NAME_CHARS + 1);
    refused(
        engine
            .add_profile(Profile::new(long, ProviderKind::Custom, &url))
            .await,
        &format!(
            "profile name is too long ({} characters; at most {MAX_NAME_CHARS})",
            MAX_NAME_CHARS + 1
        ),
    );
    let (mut profile, _) = engine
        .add_profile(Profile::new(
            "é".repeat(MAX_NAME_CHARS),
            ProviderKind::Custom,
            &url,
        ))
        .await
        .unwrap();
    profile.name = "p".into();
    profile.model = Some("fake-model-1".into());
    let profile = engine.update_profile(profile).await.unwrap();

    // The same checks on update; nothing is saved.
    for (change, contains) in [
        (
            Box::new(|p: &mut Profile| p.name = String::new()) as Box<dyn Fn(&mut Profile)>,
            "needs a name",
        ),
        (
            Box::new(|p: &mut Profile| p.system_prompt = Some("x".repeat(MAX_TEXT_BYTES + 1))),
            "system prompt is too long (4.0 MB; at most 4.0 MB)",
        ),
        (
            Box::new(|p: &mut Profile| p.model = Some("m".repeat(5000))),
            "model id is too long",
        ),
        (
            Box::new(|p: &mut Profile| p.params.stop = vec!["x".into(); MAX_STOP_STRINGS + 1]),
            "too many stop strings",
        ),
        (
            Box::new(|p: &mut Profile| p.params.stop = vec!["x".repeat(1001)]),
            "stop string is too long",
        ),
        (
            Box::new(|p: &mut Profile| p.url = format!("http://127.0.0.1/{}", "a".repeat(3000))),
            "URL is too long",
        ),
        (
            Box::new(|p: &mut Profile| p.headers = vec!["X Bad".into()]),
            "not a valid header name",
        ),
        (
            Box::new(|p: &mut Profile| p.headers = vec!["X-Ok".into(); 33]),
            "too many headers",
        ),
        (
            Box::new(|p: &mut Profile| p.params.temperature = Some(f32::NAN)),
            "temperature must be a number 0 or more",
        ),
        (
            Box::new(|p: &mut Profile| p.params.top_p = Some(1.5)),
            "top-p must be a number between 0 and 1",
        ),
        (
            Box::new(|p: &mut Profile| p.params.max_tokens = Some(0)),
            "at least 1 token",
        ),
        (
            Box::new(|p: &mut Profile| p.params.frequency_penalty = Some(f32::INFINITY)),
            "finite",
        ),
    ] {
        let mut changed = profile.clone();
        change(&mut changed);
        let result = engine.update_profile(changed).await;
        let error = result.expect_err(contains);
        assert!(
            error.message.contains(contains),
            "{:?} lacks {contains:?}",
            error.message
        );
    }
    assert_eq!(
        engine.profile("p").await.unwrap().model.as_deref(),
        Some("fake-model-1")
    );

    // Keys: too long, or with a line break in the middle.
    refused(
        engine
            .set_key("p", SecretString::from("k".repeat(MAX_KEY_BYTES + 1)))
            .await,
        "API key is too long",
    );
    refused(
        engine
            .set_key("p", SecretString::from("sk-abc\nsk-def"))
            .await,
        "line break",
    );
    assert!(!engine.has_key("p").await.unwrap());

    // Messages, edits, titles and searches.
    let huge = "w".repeat(MAX_TEXT_BYTES + 1);
    let request = GenerationRequest {
        connection: ConnectionSpec::Profile("p".into()),
        chat_id: None,
        input: huge.clone(),
        model: None,
        system_prompt: None,
        params: GenParams::default(),
        stream: true,
        action: Action::Send,
        attachments: Vec::new(),
    };
    refused(
        engine.start_generation(request.clone()).await.map(|g| g.id),
        "message is too long",
    );
    refused(
        engine.dry_run(&request).await.map(|w| w.url),
        "message is too long",
    );
    let mut unknown_chat = request.clone();
    unknown_chat.input = "hi".into();
    unknown_chat.chat_id = Some("no-such-chat".into());
    let error = engine.dry_run(&unknown_chat).await.unwrap_err();
    assert!(error.message.contains("There is no chat"), "{error:?}");
    let mut nan = unknown_chat.clone();
    nan.chat_id = None;
    nan.params.temperature = Some(f32::NAN);
    refused(engine.dry_run(&nan).await.map(|w| w.url), "temperature");
    refused(
        engine
            .test_message(&ConnectionSpec::Profile("p".into()), Some("m".repeat(5000)))
            .await
            .map(|r| r.reply),
        "model id is too long",
    );
    assert!(
        server.requests().is_empty(),
        "a refused message reached the server"
    );

    let chat = engine.store().create_chat("t", None, None).unwrap();
    let message = engine
        .store()
        .append_message(&chat.id, Role::User, "hello")
        .unwrap();
    refused(
        engine.edit_message(&message.id, &huge).await,
        "message is too long",
    );
    refused(
        engine
            .rename_chat(&chat.id, &"t".repeat(MAX_NAME_CHARS + 1))
            .await,
        "chat title is too long",
    );
    refused(
        engine.search(&"q".repeat(MAX_QUERY_CHARS + 1), 10).await,
        "search is too long",
    );
    assert_eq!(engine.messages(&chat.id).await.unwrap()[0].content, "hello");
    assert_eq!(engine.chat(&chat.id).await.unwrap().unwrap().title, "t");
    engine
        .search(&"q".repeat(MAX_QUERY_CHARS), 10)
        .await
        .unwrap();
}
