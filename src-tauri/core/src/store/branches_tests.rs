//! Branches remember where they fork, are titled by it and are listed under their parent;
//! branches made before the parent was kept (an older database) still open, with no link; a
//! branch has its own copy of the attachments of the messages it copies.
#![allow(clippy::unwrap_used)]

use rusqlite::Connection;
use rusqlite_migration::Migrations;

use super::{branch_title, Store, DB_FILE, MIGRATIONS};
use crate::model::{AttachmentKind, NewAttachment, Role};

#[test]
fn a_branch_is_titled_by_where_it_forks_and_keeps_its_parent() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let chat = store.create_chat("Trip plans", None, None).unwrap();
    let mut ids = Vec::new();
    for text in ["one", "two", "three", "four"] {
        ids.push(store.append_message(&chat.id, Role::User, text).unwrap().id);
    }
    // A deleted message before the fork is not counted.
    store.delete_message(&ids[0]).unwrap();

    let branch = store.branch_chat(&chat.id, &ids[2], None).unwrap();
    assert_eq!(branch.title, "Trip plans — branch at message 2");
    let point = branch.branch_of.clone().unwrap();
    assert_eq!(point.parent_id, chat.id);
    assert_eq!(point.message_id, ids[2]);
    assert_eq!(point.message_number, 2);
    // Read back, listed and found the same way.
    assert_eq!(
        store.chat(&branch.id).unwrap().unwrap().branch_of,
        Some(point)
    );
    assert!(store.chat(&chat.id).unwrap().unwrap().branch_of.is_none());
    let listed = store.chats().unwrap();
    assert_eq!(
        listed.iter().find(|c| c.id == branch.id).unwrap().branch_of,
        branch.branch_of
    );

    let later = store.branch_chat(&chat.id, &ids[3], None).unwrap();
    assert_eq!(later.title, "Trip plans — branch at message 3");
    let branches: Vec<_> = store
        .branches(&chat.id)
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(branches, [branch.id.clone(), later.id.clone()]);
    // A deleted branch is no longer listed under its parent; brought back, it is again.
    store.delete_chat(&later.id).unwrap();
    assert_eq!(store.branches(&chat.id).unwrap().len(), 1);
    store.restore_chat(&later.id).unwrap();
    assert_eq!(store.branches(&chat.id).unwrap().len(), 2);
    assert!(store.branches(&branch.id).unwrap().is_empty());
}

#[test]
fn an_untitled_parent_gives_a_readable_branch_title() {
    assert_eq!(branch_title("  ", 6), "Untitled chat — branch at message 6");
    assert_eq!(branch_title("Notes", 1), "Notes — branch at message 1");
}

#[test]
fn branches_made_before_the_parent_was_kept_still_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        // A database of the version before branch points, with a branch made then.
        let mut conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        Migrations::from_slice(&MIGRATIONS[..8])
            .to_latest(&mut conn)
            .unwrap();
        conn.execute_batch(
            "INSERT INTO chats (id, title, created_at, updated_at) VALUES ('old', 'Old (branch)', 1, 1);
             INSERT INTO messages (id, chat_id, seq, role, content, state, created_at, updated_at)
                 VALUES ('m1', 'old', 0, 'user', 'hello', 'complete', 1, 1);",
        )
        .unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let old = store
        .chats()
        .unwrap()
        .into_iter()
        .find(|c| c.title == "Old (branch)")
        .unwrap();
    assert!(old.branch_of.is_none());
    assert_eq!(store.messages(&old.id).unwrap().len(), 1);
    // It can be branched itself, and that branch points back at it.
    let message = store.messages(&old.id).unwrap().remove(0);
    let branch = store.branch_chat(&old.id, &message.id, None).unwrap();
    assert_eq!(branch.branch_of.unwrap().parent_id, old.id);
}

#[test]
fn a_branch_copies_the_attachments_of_the_messages_it_copies() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let chat = store.create_chat("Photos", None, None).unwrap();
    let mut ids = Vec::new();
    for (text, files) in [
        ("one", &["a.png", "b.txt"][..]),
        ("two", &[]),
        ("three", &["c.png"]),
    ] {
        let message = store.append_message(&chat.id, Role::User, text).unwrap();
        let drafts: Vec<_> = files
            .iter()
            .map(|name| {
                let (kind, media_type) = if name.ends_with(".png") {
                    (AttachmentKind::Image, "image/png")
                } else {
                    (AttachmentKind::File, "text/plain")
                };
                let new = NewAttachment {
                    kind,
                    name: (*name).into(),
                    media_type: media_type.into(),
                    data: format!("bytes of {name}").into_bytes(),
                    width: None,
                    height: None,
                };
                store.add_attachment(&new).unwrap().id
            })
            .collect();
        store.bind_attachments(&message.id, &drafts).unwrap();
        ids.push(message.id);
    }
    let branch = store.branch_chat(&chat.id, &ids[1], None).unwrap();
    let copied = store.messages(&branch.id).unwrap();
    assert_eq!(copied.len(), 2);
    let names: Vec<&str> = copied[0]
        .attachments
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["a.png", "b.txt"]);
    assert!(copied[1].attachments.is_empty());
    let original = store.message(&ids[0]).unwrap().unwrap();
    // Copies, under their own ids, with the same bytes.
    for (copy, first) in copied[0].attachments.iter().zip(&original.attachments) {
        assert_ne!(copy.id, first.id);
        assert_eq!(
            store.attachment(&copy.id).unwrap().unwrap().data,
            store.attachment(&first.id).unwrap().unwrap().data
        );
    }
    // The parent purged, the branch keeps its own.
    store.delete_chat(&chat.id).unwrap();
    store.purge_deleted(super::now_ms() + 1).unwrap();
    let kept = store.message(&copied[0].id).unwrap().unwrap();
    assert_eq!(kept.attachments.len(), 2);
    assert_eq!(
        &store
            .attachment(&kept.attachments[1].id)
            .unwrap()
            .unwrap()
            .data[..],
        b"bytes of b.txt"
    );
}
