//! Deleting messages and profiles with undo: out of every read until restored, back intact,
//! gone for good once purged.
#![allow(clippy::unwrap_used, clippy::panic)]

use super::Store;
use crate::catalogue::ProviderKind;
use crate::model::{MessageState, Role};
use crate::store::Profile;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

/// The search index's own consistency.
fn fts_ok(store: &Store) {
    store
        .conn()
        .execute(
            "INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')",
            [],
        )
        .unwrap();
}

/// A deleted message is in no read, search or export; restored, it is back at its place
/// with every version and searchable again, and a message added meanwhile kept its own place.
#[test]
fn a_deleted_message_is_hidden_until_restored_with_its_versions() {
    let (_dir, store) = store();
    let chat = store.create_chat("t", None, Some("m")).unwrap();
    let question = store
        .append_message(&chat.id, Role::User, "wombat?")
        .unwrap();
    let reply = store.begin_reply(&chat.id, "m").unwrap();
    store
        .finish_reply(
            &reply.id,
            "first wombat",
            None,
            MessageState::Complete,
            None,
            None,
        )
        .unwrap();
    store.begin_swipe(&reply.id, "m").unwrap();
    store
        .finish_reply(
            &reply.id,
            "second numbat",
            None,
            MessageState::Complete,
            None,
            None,
        )
        .unwrap();
    let before = store.message(&reply.id).unwrap().unwrap();
    assert_eq!(store.search("numbat", 10).unwrap().len(), 1);

    assert!(store.delete_message(&reply.id).unwrap());
    assert!(!store.delete_message(&reply.id).unwrap(), "deleted twice");
    assert!(store.message(&reply.id).unwrap().is_none());
    let ids = |store: &Store| -> Vec<_> {
        store
            .messages(&chat.id)
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect()
    };
    assert_eq!(ids(&store), vec![question.id.clone()]);
    assert_eq!(store.messages_page(&chat.id, None, 10).unwrap().len(), 1);
    assert_eq!(store.messages_after(&chat.id, -1, 10).unwrap().len(), 1);
    assert!(store.messages_around(&chat.id, &reply.id, 10).is_err());
    assert!(store.swipes(&reply.id).is_err());
    assert_eq!(store.chat(&chat.id).unwrap().unwrap().message_count, 1);
    assert!(store.search("numbat", 10).unwrap().is_empty());
    assert!(store.search("first wombat", 10).unwrap().is_empty());
    let archive = store.archive(&chat.id).unwrap();
    assert_eq!(archive.messages.len(), 1);
    fts_ok(&store);

    // Written after the delete: it does not take the deleted message's place.
    let later = store.append_message(&chat.id, Role::User, "later").unwrap();
    assert!(later.seq > before.seq);

    assert!(store.restore_message(&reply.id).unwrap());
    assert!(!store.restore_message(&reply.id).unwrap(), "restored twice");
    let after = store.message(&reply.id).unwrap().unwrap();
    assert_eq!(after, before);
    assert_eq!(
        store.swipes(&reply.id).unwrap(),
        vec!["first wombat".to_string(), "second numbat".to_string()]
    );
    assert_eq!(ids(&store), vec![question.id, reply.id.clone(), later.id]);
    assert_eq!(store.search("numbat", 10).unwrap().len(), 1);
    assert_eq!(store.archive(&chat.id).unwrap().messages.len(), 3);
    fts_ok(&store);
    // Versions still work on it.
    assert_eq!(
        store.select_swipe(&reply.id, 0).unwrap().content,
        "first wombat"
    );
}

/// A reply still being written cannot be deleted (its text would be lost).
#[test]
fn a_streaming_reply_is_not_deleted() {
    let (_dir, store) = store();
    let chat = store.create_chat("t", None, Some("m")).unwrap();
    let reply = store.begin_reply(&chat.id, "m").unwrap();
    assert!(store.delete_message(&reply.id).is_err());
    assert!(store.message(&reply.id).unwrap().is_some());
}

/// Deleted messages go for good when the data is next opened alone; so do those of a chat
/// purged with it.
#[test]
fn deleted_messages_are_purged_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let chat = store.create_chat("t", None, None).unwrap();
    let gone = store.append_message(&chat.id, Role::User, "gone").unwrap();
    let kept = store.append_message(&chat.id, Role::User, "kept").unwrap();
    assert!(store.delete_message(&gone.id).unwrap());
    let other = store.create_chat("other", None, None).unwrap();
    let inside = store.append_message(&other.id, Role::User, "in").unwrap();
    assert!(store.delete_message(&inside.id).unwrap());
    assert!(store.delete_chat(&other.id).unwrap());
    store
        .conn()
        .execute_batch(
            "UPDATE deleted_messages SET deleted_at = deleted_at - 1000;
             UPDATE chats SET deleted_at = deleted_at - 1000 WHERE deleted_at IS NOT NULL;",
        )
        .unwrap();
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert!(!store.restore_message(&gone.id).unwrap(), "not purged");
    assert!(
        !store.restore_message(&inside.id).unwrap(),
        "not purged with its chat"
    );
    let left: i64 = store
        .conn()
        .query_row(
            "SELECT (SELECT COUNT(*) FROM deleted_messages) + (SELECT COUNT(*) FROM deleted_swipes)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
    assert_eq!(store.messages(&chat.id).unwrap()[0].id, kept.id);
}

/// A deleted profile is in no list or lookup and its name is not taken for listing; restored,
/// it is as it was; purged, it is gone and its chats lose the link.
#[test]
fn a_deleted_profile_is_hidden_until_restored() {
    let (_dir, store) = store();
    let profile = Profile::new("Local", ProviderKind::KoboldCpp, "http://127.0.0.1:5001");
    store.insert_profile(&profile).unwrap();
    store.set_key_saved(&profile.id, true).unwrap();
    let chat = store.create_chat("t", Some(&profile.id), None).unwrap();

    assert!(store.trash_profile(&profile.id).unwrap());
    assert!(!store.trash_profile(&profile.id).unwrap());
    assert!(store.profiles().unwrap().is_empty());
    assert!(store.profiles_with_key_flags().unwrap().is_empty());
    assert!(store.find_profile("local").unwrap().is_none());
    assert!(store.find_profile(profile.id.as_str()).unwrap().is_none());
    assert!(
        store.update_profile(&profile).is_err(),
        "a deleted profile was changed"
    );
    assert_eq!(
        store.deleted_profile_named("LOCAL").unwrap(),
        Some((profile.id.clone(), true))
    );
    assert_eq!(store.purgeable_profiles(i64::MAX).unwrap().len(), 1);
    assert!(store.purgeable_profiles(0).unwrap().is_empty());

    assert!(store.restore_profile(&profile.id).unwrap());
    assert!(!store.restore_profile(&profile.id).unwrap());
    assert_eq!(store.find_profile("Local").unwrap().unwrap(), profile);
    assert!(store.key_saved(&profile.id).unwrap());
    assert!(
        !store.purge_profile(&profile.id).unwrap(),
        "purged while not deleted"
    );

    assert!(store.trash_profile(&profile.id).unwrap());
    assert!(store.purge_profile(&profile.id).unwrap());
    assert!(!store.restore_profile(&profile.id).unwrap());
    assert_eq!(store.chat(&chat.id).unwrap().unwrap().profile_id, None);
}
