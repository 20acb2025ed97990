//! A chat is never saved empty when it was to have messages: a copy path that silently loses
//! the rows (a temporary trigger on the store's own connection drops every message written to
//! another chat) makes the branch or import fail, and nothing is left behind.
#![allow(clippy::unwrap_used)]

use super::{ArchivedMessage, ChatArchive, Store};
use crate::model::Role;

fn lose_copies(store: &Store, keep: &str) {
    store
        .conn()
        .execute_batch(&format!(
            "CREATE TEMP TRIGGER lose_rows BEFORE INSERT ON main.messages
             WHEN new.chat_id != '{keep}' BEGIN SELECT RAISE(IGNORE); END;"
        ))
        .unwrap();
}

#[test]
fn a_branch_whose_copy_comes_back_empty_is_refused_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let chat = store.create_chat("source", None, None).unwrap();
    store.append_message(&chat.id, Role::User, "one").unwrap();
    let last = store.append_message(&chat.id, Role::User, "two").unwrap();
    let ok = store.branch_chat(&chat.id, &last.id, Some("fine")).unwrap();
    assert_eq!(ok.message_count, 2);

    lose_copies(&store, chat.id.as_str());
    let err = store
        .branch_chat(&chat.id, &last.id, Some("lost"))
        .unwrap_err();
    assert!(err.message.contains("\"lost\""), "{}", err.message);
    assert!(err.message.contains("nothing was saved"), "{}", err.message);
    let titles: Vec<String> = store
        .chats()
        .unwrap()
        .into_iter()
        .map(|c| c.title)
        .collect();
    assert!(!titles.contains(&"lost".to_string()), "{titles:?}");
    assert_eq!(store.messages(&chat.id).unwrap().len(), 2);
}

#[test]
fn an_import_whose_messages_are_not_written_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let archive = ChatArchive {
        title: "imported".into(),
        messages: vec![ArchivedMessage {
            role: Role::User,
            content: "hello".into(),
            ..ArchivedMessage::default()
        }],
        ..ChatArchive::default()
    };
    assert_eq!(store.import_archive(&archive).unwrap().message_count, 1);
    // An archive with no messages is an empty chat, not a lost one.
    assert_eq!(
        store
            .import_archive(&ChatArchive::default())
            .unwrap()
            .message_count,
        0
    );

    lose_copies(&store, "none");
    let err = store.import_archive(&archive).unwrap_err();
    assert!(err.message.contains("\"imported\""), "{}", err.message);
    assert!(
        err.message.contains("only 0 were written"),
        "{}",
        err.message
    );
    assert_eq!(
        store.chats().unwrap().len(),
        2,
        "the failed import left a chat"
    );
}
