//! What a family asked to have sent back is kept per version of a reply: saved with the version
//! written, kept among the swipes and back when that version is shown again, moved with a deleted
//! message and back on undo, copied into a branch and an archive; dropped when the text is
//! edited; none in a database of the version before it (migration 11).
#![allow(clippy::unwrap_used)]

use rusqlite::Connection;
use rusqlite_migration::Migrations;

use super::{Store, DB_FILE, MIGRATIONS};
use crate::model::{MessageState, ProviderData, Role};

fn data(signature: &str) -> ProviderData {
    ProviderData {
        family: "anthropic".into(),
        value: serde_json::json!([{"type": "thinking", "thinking": "hm", "signature": signature}]),
    }
}

/// A chat with a user message and a finished reply carrying `data("one")`.
fn chat_with_a_signed_reply(store: &Store) -> (crate::model::ChatId, crate::model::MessageId) {
    let chat = store.create_chat("Signed", None, None).unwrap();
    store.append_message(&chat.id, Role::User, "Hi").unwrap();
    let reply = store.begin_reply(&chat.id, "m").unwrap();
    store
        .finish_reply(
            &reply.id,
            "Hello!",
            None,
            MessageState::Complete,
            None,
            None,
        )
        .unwrap();
    store
        .save_provider_data(&reply.id, Some(&data("one")))
        .unwrap();
    (chat.id, reply.id)
}

#[test]
fn each_version_keeps_its_own_data_and_an_edit_drops_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (chat, reply) = chat_with_a_signed_reply(&store);
    assert_eq!(
        store.message(&reply).unwrap().unwrap().provider_data,
        Some(data("one"))
    );
    // Never serialised for a front end.
    let shown = serde_json::to_string(&store.message(&reply).unwrap().unwrap()).unwrap();
    assert!(
        !shown.contains("signature") && !shown.contains("providerData"),
        "{shown}"
    );

    // A new version starts with none and keeps its own.
    let second = store.begin_swipe(&reply, "m").unwrap();
    assert_eq!(second.provider_data, None);
    store
        .finish_reply(&reply, "Hey!", None, MessageState::Complete, None, None)
        .unwrap();
    store
        .save_provider_data(&reply, Some(&data("two")))
        .unwrap();
    let first = store.select_swipe(&reply, 0).unwrap();
    assert_eq!(
        (first.content.as_str(), first.provider_data),
        ("Hello!", Some(data("one")))
    );
    let back = store.select_swipe(&reply, 1).unwrap();
    assert_eq!(
        (back.content.as_str(), back.provider_data),
        ("Hey!", Some(data("two")))
    );

    // Deleted and brought back, a branch and an archive: it goes along.
    assert!(store.delete_message(&reply).unwrap());
    assert!(store.restore_message(&reply).unwrap());
    assert_eq!(
        store.message(&reply).unwrap().unwrap().provider_data,
        Some(data("two"))
    );
    let branch = store.branch_chat(&chat, &reply, None).unwrap();
    let copied = store.messages(&branch.id).unwrap();
    assert_eq!(copied[1].provider_data, Some(data("two")));
    let archive = store.archive(&chat).unwrap();
    assert_eq!(archive.messages[1].provider_data, Some(data("two")));
    let imported = store.import_archive(&archive).unwrap();
    assert_eq!(
        store.messages(&imported.id).unwrap()[1].provider_data,
        Some(data("two"))
    );

    // Editing the text drops it: the signature was for the old text.
    let edited = store.edit_message(&reply, "Hey there!").unwrap();
    assert_eq!(edited.provider_data, None);
    assert_eq!(
        store.select_swipe(&reply, 0).unwrap().provider_data,
        Some(data("one"))
    );
}

#[test]
fn a_database_of_the_version_before_reads_as_none() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        Migrations::from_slice(&MIGRATIONS[..10])
            .to_latest(&mut conn)
            .unwrap();
        conn.execute_batch(
            "INSERT INTO chats (id, title, created_at, updated_at) VALUES ('old', 'Old', 1, 1);
             INSERT INTO messages (id, chat_id, seq, role, content, state, swipe_count, created_at, updated_at)
                 VALUES ('m1', 'old', 0, 'assistant', 'hello', 'complete', 2, 1, 1);
             INSERT INTO swipes (message_id, idx, content, state, created_at)
                 VALUES ('m1', 1, 'other', 'complete', 1);",
        )
        .unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let chat = crate::model::ChatId("old".into());
    let messages = store.messages(&chat).unwrap();
    assert_eq!(messages[0].provider_data, None);
    let other = store.select_swipe(&messages[0].id, 1).unwrap();
    assert_eq!(
        (other.content.as_str(), other.provider_data),
        ("other", None)
    );
    // The column is there to write.
    store
        .save_provider_data(&messages[0].id, Some(&data("new")))
        .unwrap();
    assert_eq!(
        store
            .message(&messages[0].id)
            .unwrap()
            .unwrap()
            .provider_data,
        Some(data("new"))
    );
}
