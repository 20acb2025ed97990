//! Profile rows on a real database, including profiles saved by an older schema.
#![allow(clippy::unwrap_used, clippy::panic)]

use rusqlite::{params, Connection};
use rusqlite_migration::Migrations;

use super::{InstructSettings, Profile, Store, DB_FILE, MIGRATIONS};
use crate::catalogue::{ApiType, ProviderKind};

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

#[test]
fn profiles_round_trip_and_names_are_unique_case_insensitively() {
    let (_dir, store) = store();
    let mut profile = Profile::new("Local", ProviderKind::Custom, "http://127.0.0.1:8080");
    profile.params.temperature = Some(0.5);
    profile.headers = vec!["X-Title".into()];
    store.insert_profile(&profile).unwrap();
    let err = store
        .insert_profile(&Profile::new("local", ProviderKind::OpenAi, "https://x"))
        .unwrap_err();
    assert!(err.message.contains("already exists"));
    let found = store.find_profile("LOCAL").unwrap().unwrap();
    assert_eq!(found, profile);
    assert_eq!(
        store
            .find_profile(profile.id.as_str())
            .unwrap()
            .unwrap()
            .name,
        "Local"
    );
    profile.model = Some("m".into());
    store.update_profile(&profile).unwrap();
    assert_eq!(store.profiles().unwrap()[0].model.as_deref(), Some("m"));
    assert!(store.delete_profile(&profile.id).unwrap());
    assert!(store.find_profile("Local").unwrap().is_none());
}

/// Oobabooga and Mancer profiles saved before those sources defaulted to text completion
/// keep the chat-completion route they were made with; text settings round-trip.
#[test]
fn older_ooba_profiles_keep_chat_completion_after_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        Migrations::from_slice(&MIGRATIONS[..2])
            .to_latest(&mut conn)
            .unwrap();
        for (id, name, source) in [("a", "ooba", "ooba"), ("b", "kcpp", "koboldcpp")] {
            conn.execute(
                "INSERT INTO profiles (id, name, source, url, created_at, updated_at)
                 VALUES (?1, ?2, ?3, 'http://127.0.0.1:5000/v1', 0, 0)",
                params![id, name, source],
            )
            .unwrap();
        }
    }
    let store = Store::open(dir.path()).unwrap();
    let ooba = store.find_profile("ooba").unwrap().unwrap();
    assert_eq!(ooba.api, Some(ApiType::ChatCompletion));
    let mut kcpp = store.find_profile("kcpp").unwrap().unwrap();
    assert_eq!(kcpp.api, None);
    assert_eq!(kcpp.instruct, InstructSettings::default());
    kcpp.instruct.template = crate::prompt::instruct::TemplateKind::Llama3;
    kcpp.instruct.context_size = Some(8192);
    kcpp.api = Some(ApiType::TextCompletion);
    store.update_profile(&kcpp).unwrap();
    let again = store.find_profile("kcpp").unwrap().unwrap();
    assert_eq!((again.api, &again.instruct), (kcpp.api, &kcpp.instruct));
}
