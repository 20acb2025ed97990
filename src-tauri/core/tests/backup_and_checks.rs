//! The checks both front ends call: a backup of every chat and profile (never a key) and its
//! restore, the rule for API keys, an explicit model id, and connecting to a profile (status,
//! the models to choose from, the model used). Real SQLite and real loopback fakes; keys in
//! memory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use switchboard_core::engine::{
    api_key, explicit_model, ExistingChats, GenerationRequest, KeyProblem, MAX_KEY_BYTES,
    MAX_MODEL_CHARS, PROFILE_NAME_TAKEN,
};
use switchboard_core::store::Profile;
use switchboard_core::transfer::json;
use switchboard_core::{ErrorKind, ProviderKind};
use switchboard_fakes::{FakeOptions, FakeServer, Scenario};
use tempfile::TempDir;

const KEY: &str = "sk-backup-never-holds-this-0451";

fn ask(input: &str) -> GenerationRequest {
    common::ask("cloud", None, input)
}

#[tokio::test]
async fn a_backup_restores_chats_and_profiles_without_keys_and_skips_taken_names() {
    let server = FakeServer::start(FakeOptions {
        api_key: Some(KEY.to_string()),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let dir = TempDir::new().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let mut profile = Profile::new(
        "cloud",
        ProviderKind::Custom,
        format!("{}/v1", server.base_url()),
    );
    profile.model = Some("fake-model-2".into());
    engine.add_profile(profile).await.unwrap();
    engine
        .set_key("cloud", SecretString::from(KEY.to_string()))
        .await
        .unwrap();
    common::run(&engine, ask("Hello there")).await;

    let backup = engine.backup().await.unwrap();
    assert_eq!(backup.chats.len(), 1);
    assert_eq!(backup.chats[0].messages.len(), 2);
    assert_eq!(backup.profiles.len(), 1);
    assert_eq!(backup.profiles[0]["model"], "fake-model-2");
    let text = json::write_backup(&backup);
    assert!(!text.contains(KEY), "the key is in the backup");

    let fresh_dir = TempDir::new().unwrap();
    let fresh = common::engine(&fresh_dir, Duration::from_secs(5));
    let file = json::read_backup(&text).unwrap();
    let report = fresh.restore_backup(file, ExistingChats::Skip).await;
    assert!(report.stopped.is_none(), "{:?}", report.stopped);
    assert_eq!(report.chats.len(), 1);
    assert_eq!(report.chats[0].message_count, 2);
    let names: Vec<&str> = report.profiles.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["cloud"]);
    assert!(report.skipped_profiles.is_empty());
    let restored = &fresh.profiles().await.unwrap()[0];
    assert!(!restored.has_key, "a restored profile has no key");
    assert_eq!(restored.profile.model.as_deref(), Some("fake-model-2"));

    // Again: the chat is recognised by its id and left as it is (never a second copy), the
    // profile whose name is taken is left out, and so is an entry that is not a profile.
    let mut again = json::read_backup(&text).unwrap();
    again.profiles.push(serde_json::json!({ "name": "broken" }));
    again.profiles.push(serde_json::json!(7));
    let report = fresh.restore_backup(again, ExistingChats::Skip).await;
    assert!(report.chats.is_empty());
    assert_eq!(report.skipped_chats.len(), 1);
    assert!(report.profiles.is_empty());
    let skipped: Vec<(&str, &str)> = report
        .skipped_profiles
        .iter()
        .map(|s| (s.name.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(skipped[0], ("cloud", PROFILE_NAME_TAKEN));
    assert_eq!(skipped[1].0, "broken");
    assert!(
        skipped[1].1.starts_with("it is not a profile"),
        "{skipped:?}"
    );
    assert_eq!(skipped[2].0, "(no name)");
    assert_eq!(skipped.len(), 3);
    assert_eq!(fresh.chats().await.unwrap().len(), 1);
    assert_eq!(fresh.profiles().await.unwrap().len(), 1);
}

#[tokio::test]
async fn keys_are_trimmed_and_refused_by_one_rule() {
    assert_eq!(
        api_key("  sk-abc \n").unwrap().expose_secret(),
        "sk-abc",
        "spaces and line breaks around a key are dropped"
    );
    assert_eq!(api_key(" \n\t").err(), Some(KeyProblem::Empty));
    assert_eq!(
        api_key("sk-one\nsk-two").err(),
        Some(KeyProblem::ControlCharacter)
    );
    assert_eq!(
        api_key(&"k".repeat(MAX_KEY_BYTES + 1)).err(),
        Some(KeyProblem::TooLong(MAX_KEY_BYTES + 1))
    );
    assert!(api_key(&"k".repeat(MAX_KEY_BYTES)).is_ok());
    assert_eq!(KeyProblem::Empty.describe(), "is empty");

    // The engine holds a key given to it directly to the same rule, with the same words.
    let dir = TempDir::new().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    engine
        .add_profile(Profile::new(
            "cloud",
            ProviderKind::Custom,
            "http://127.0.0.1:9/v1",
        ))
        .await
        .unwrap();
    for (key, problem, words) in [
        ("", KeyProblem::Empty, "The API key is empty."),
        (
            "sk-\u{7}bell",
            KeyProblem::ControlCharacter,
            "The API key contains a line break or another control character: paste only the key.",
        ),
    ] {
        let err = engine
            .set_key("cloud", SecretString::from(key.to_string()))
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidRequest);
        assert_eq!(err.message, words);
        assert_eq!(switchboard_core::Error::from(problem).message, words);
    }
    let err = engine
        .set_key("cloud", SecretString::from("k".repeat(20 * 1024)))
        .await
        .unwrap_err();
    assert_eq!(
        err.message,
        "The API key is too long (20.0 KB; at most 16.0 KB)."
    );
    assert!(!engine.profiles().await.unwrap()[0].has_key);
}

#[test]
fn an_explicit_model_is_blank_or_short_enough() {
    assert_eq!(explicit_model(None).unwrap(), None);
    assert_eq!(explicit_model(Some("  ")).unwrap(), None);
    assert_eq!(
        explicit_model(Some("fake-model-2")).unwrap().as_deref(),
        Some("fake-model-2")
    );
    let long = "m".repeat(MAX_MODEL_CHARS + 1);
    let err = explicit_model(Some(&long)).unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidRequest);
    assert_eq!(
        err.message,
        format!("The model id is too long (4097 characters; at most {MAX_MODEL_CHARS}).")
    );
}

#[tokio::test]
async fn connecting_lists_models_and_chooses_the_profiles_or_the_first() {
    let server = FakeServer::start(FakeOptions::default()).await.unwrap();
    let dir = TempDir::new().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    engine
        .add_profile(Profile::new(
            "plain",
            ProviderKind::Custom,
            format!("{}/v1", server.base_url()),
        ))
        .await
        .unwrap();
    let check = engine.check_connection("plain").await.unwrap();
    let ids: Vec<&str> = check.models.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["fake-model-1", "fake-model-2"]);
    assert_eq!(check.model.as_deref(), Some("fake-model-1"));

    let mut chosen = Profile::new(
        "chosen",
        ProviderKind::Custom,
        format!("{}/v1", server.base_url()),
    );
    chosen.model = Some("fake-model-2".into());
    engine.add_profile(chosen).await.unwrap();
    let check = engine.check_connection("chosen").await.unwrap();
    assert_eq!(check.model.as_deref(), Some("fake-model-2"));
    assert_eq!(check.models.len(), 2);
}

#[tokio::test]
async fn a_bypassed_check_falls_back_to_a_typed_model_when_the_list_fails() {
    let server = FakeServer::start(FakeOptions {
        scenario: Scenario::Unauthorized,
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let dir = TempDir::new().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let url = format!("{}/v1", server.base_url());
    engine
        .add_profile(Profile::new("checked", ProviderKind::Custom, url.clone()))
        .await
        .unwrap();
    let err = engine.check_connection("checked").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);

    let mut bypassed = Profile::new("bypassed", ProviderKind::Custom, url);
    bypassed.bypass_status_check = true;
    engine.add_profile(bypassed).await.unwrap();
    let check = engine.check_connection("bypassed").await.unwrap();
    assert!(check.models.is_empty());
    assert_eq!(check.model, None);
    assert_eq!(
        check.status.message,
        "Status check bypassed for this profile."
    );
}
