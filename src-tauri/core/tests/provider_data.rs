//! What a family asks to have sent back is kept with the reply and sent back: Claude's thinking
//! block, signed, comes back before the reply's text in the next request (the fake refuses a
//! follow-up without it, as the API does); a new version (regenerate) has its own; editing the
//! text drops it; "show the request" shows it as the wire has it; a backup and Switchboard's
//! export keep it, SillyTavern's export leaves it out.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use secrecy::SecretString;
use serde_json::json;
use switchboard_core::engine::{Action, ExistingChats};
use switchboard_core::model::{ChatEvent, MessageState};
use switchboard_core::store::Profile;
use switchboard_core::transfer::{json as chat_json, sillytavern};
use switchboard_core::ProviderKind;
use switchboard_fakes::{
    FakeOptions, FakeServer, Family, Scenario, REASONING_TEXT, REPLY_TEXT, THINKING_SIGNATURE,
};
use tempfile::TempDir;

const KEY: &str = "sk-ant-signed-1";

async fn claude(engine: &switchboard_core::Engine) -> FakeServer {
    let server = FakeServer::start(FakeOptions {
        family: Family::Anthropic,
        scenario: Scenario::Reasoning,
        api_key: Some(KEY.into()),
        signed_thinking: true,
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let mut profile = Profile::new(
        "claude",
        ProviderKind::Claude,
        format!("{}/v1", server.base_url()),
    );
    profile.model = Some("claude-fake-1".into());
    engine.add_profile(profile).await.unwrap();
    engine
        .set_key("claude", SecretString::from(KEY))
        .await
        .unwrap();
    server
}

fn finished(events: &[ChatEvent]) -> bool {
    matches!(events.last(), Some(ChatEvent::Finished { .. }))
}

fn signed_block() -> serde_json::Value {
    json!({"type": "thinking", "thinking": REASONING_TEXT, "signature": THINKING_SIGNATURE})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signed_thinking_of_a_reply_goes_back_with_it_and_only_while_its_text_stands() {
    let dir = TempDir::new().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let server = claude(&engine).await;

    let (chat, events) = common::run(&engine, common::ask("claude", None, "Hi")).await;
    assert!(finished(&events), "{events:?}");
    let messages = engine.messages(&chat).await.unwrap();
    assert_eq!(messages[1].content, REPLY_TEXT);
    assert_eq!(
        messages[1].provider_data.as_ref().unwrap().value,
        json!([signed_block()])
    );

    // "Show the request" shows it as the wire has it.
    let shown = engine
        .dry_run(&common::ask("claude", Some(chat.clone()), "Again"))
        .await
        .unwrap();
    assert_eq!(shown.body["messages"][1]["content"][0], signed_block());

    // The second turn: the fake refuses it unless the first reply comes back signed.
    let (_, events) =
        common::run(&engine, common::ask("claude", Some(chat.clone()), "Again")).await;
    assert!(finished(&events), "the follow-up was refused: {events:?}");
    let body = common::last_post(&server).json().unwrap();
    assert_eq!(
        body["messages"][1],
        json!({"role": "assistant", "content": [signed_block(), {"type": "text", "text": REPLY_TEXT}]})
    );

    // A new version of the last reply is written with its own data.
    let last = engine.messages(&chat).await.unwrap()[3].id.clone();
    let mut regenerate = common::ask("claude", Some(chat.clone()), "");
    regenerate.action = Action::Regenerate(last.clone());
    let (_, events) = common::run(&engine, regenerate).await;
    assert!(finished(&events), "{events:?}");
    let shown = engine.messages(&chat).await.unwrap()[3].clone();
    assert_eq!(
        (shown.swipe_count, shown.state),
        (2, MessageState::Complete)
    );
    assert_eq!(shown.provider_data.unwrap().value, json!([signed_block()]));

    // Editing the first reply drops its signature: the next request sends the text alone, and
    // the fake (as the API) refuses that.
    let first = engine.messages(&chat).await.unwrap()[1].id.clone();
    let edited = engine.edit_message(&first, "Hello, edited.").await.unwrap();
    assert_eq!(edited.provider_data, None);
    let (_, events) = common::run(
        &engine,
        common::ask("claude", Some(chat.clone()), "Once more"),
    )
    .await;
    let body = common::last_post(&server).json().unwrap();
    assert_eq!(
        body["messages"][1],
        json!({"role": "assistant", "content": "Hello, edited."})
    );
    match events.last() {
        Some(ChatEvent::Failed { error, .. }) => {
            assert!(error.message.contains("thinking"), "{error:?}")
        }
        other => panic!("expected the refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_and_the_json_export_keep_it_and_sillytaverns_export_leaves_it_out() {
    let dir = TempDir::new().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let server = claude(&engine).await;
    let (chat, _) = common::run(&engine, common::ask("claude", None, "Hi")).await;

    let archive = engine.archive(&chat).await.unwrap();
    let exported = chat_json::write_chat(&archive);
    assert!(exported.contains(THINKING_SIGNATURE), "{exported}");
    let tavern = sillytavern::write(&archive);
    assert!(!tavern.contains(THINKING_SIGNATURE), "{tavern}");
    assert!(!tavern.contains("providerData"), "{tavern}");

    let text = chat_json::write_backup(&engine.backup().await.unwrap());
    let fresh_dir = TempDir::new().unwrap();
    let fresh = common::engine(&fresh_dir, Duration::from_secs(5));
    let report = fresh
        .restore_backup(chat_json::read_backup(&text).unwrap(), ExistingChats::Skip)
        .await;
    assert!(report.stopped.is_none(), "{:?}", report.stopped);
    let restored = fresh.messages(&report.chats[0].id).await.unwrap();
    assert_eq!(
        restored[1].provider_data.as_ref().unwrap().value,
        json!([signed_block()])
    );

    // The restored chat goes on: the fake takes the follow-up, the signature sent back.
    fresh
        .set_key("claude", SecretString::from(KEY))
        .await
        .unwrap();
    let (_, events) = common::run(
        &fresh,
        common::ask("claude", Some(report.chats[0].id.clone()), "Again"),
    )
    .await;
    assert!(finished(&events), "{events:?}");
    let body = common::last_post(&server).json().unwrap();
    assert_eq!(body["messages"][1]["content"][0], signed_block());
}
