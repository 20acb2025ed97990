//! Attachments kept with messages: drafts until sent, then read with every page of history and
//! with the message; only drafts can be discarded, and stale ones go when the data is opened;
//! a message in the trash keeps them and undo brings them back; purged, they are gone; a
//! database of the version before (schema 11) reads every message as it was.
#![allow(clippy::unwrap_used, clippy::panic)]

use rusqlite::Connection;
use rusqlite_migration::Migrations;

use super::{now_ms, Store, StoredMessage, DB_FILE, DRAFT_TTL_MS, MIGRATIONS};
use crate::model::{AttachmentId, AttachmentKind, ChatId, MessageState, NewAttachment, Role};

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

/// The store keeps bytes without reading them: any bytes do for an "image".
fn image(name: &str, bytes: &[u8]) -> NewAttachment {
    NewAttachment {
        kind: AttachmentKind::Image,
        name: name.into(),
        media_type: "image/png".into(),
        data: bytes.to_vec(),
        width: Some(3),
        height: Some(2),
    }
}

fn text_file(name: &str, text: &str) -> NewAttachment {
    NewAttachment {
        kind: AttachmentKind::File,
        name: name.into(),
        media_type: "text/plain".into(),
        data: text.as_bytes().to_vec(),
        width: None,
        height: None,
    }
}

fn names(message: &StoredMessage) -> Vec<&str> {
    message
        .attachments
        .iter()
        .map(|a| a.name.as_str())
        .collect()
}

fn count(store: &Store) -> i64 {
    store
        .conn()
        .query_row("SELECT COUNT(*) FROM attachments", [], |r| r.get(0))
        .unwrap()
}

/// A chat of three messages; the second carries `a.png` then `notes.txt`.
fn chat_with_attachments(store: &Store) -> (ChatId, StoredMessage, Vec<AttachmentId>) {
    let chat = store.create_chat("Pictures", None, None).unwrap();
    store.append_message(&chat.id, Role::User, "first").unwrap();
    let png = store
        .add_attachment(&image("a.png", b"\x89PNG..."))
        .unwrap();
    let notes = store
        .add_attachment(&text_file("notes.txt", "line one\nline two"))
        .unwrap();
    let sent = store
        .append_message(&chat.id, Role::User, "look at these")
        .unwrap();
    store
        .bind_attachments(&sent.id, &[png.id.clone(), notes.id.clone()])
        .unwrap();
    store
        .append_message(&chat.id, Role::Assistant, "I see")
        .unwrap();
    (chat.id, sent, vec![png.id, notes.id])
}

#[test]
fn a_draft_once_sent_is_read_with_every_page_and_the_message() {
    let (_dir, store) = store();
    let draft = store.add_attachment(&image("a.png", b"12345")).unwrap();
    assert_eq!(
        (draft.size, draft.width, draft.height, draft.kind),
        (5, Some(3), Some(2), AttachmentKind::Image)
    );
    assert_eq!(
        store.drafts(std::slice::from_ref(&draft.id)).unwrap().len(),
        1
    );
    store.discard_attachment(&draft.id).unwrap();

    let (chat, sent, ids) = chat_with_attachments(&store);
    let want = vec!["a.png", "notes.txt"];
    let whole = store.messages(&chat).unwrap();
    assert_eq!(names(&whole[1]), want);
    assert!(whole[0].attachments.is_empty() && whole[2].attachments.is_empty());
    assert_eq!(whole[1].attachments[1].size, 17);
    assert_eq!(whole[1].attachments[1].media_type, "text/plain");
    assert_eq!(
        names(&store.messages_page(&chat, None, 50).unwrap()[1]),
        want
    );
    assert_eq!(
        names(&store.messages_page(&chat, Some(2), 1).unwrap()[0]),
        want
    );
    assert_eq!(names(&store.messages_after(&chat, 0, 1).unwrap()[0]), want);
    assert_eq!(
        names(&store.messages_around(&chat, &sent.id, 3).unwrap()[1]),
        want
    );
    assert_eq!(names(&store.message(&sent.id).unwrap().unwrap()), want);
    assert_eq!(
        names(&store.edit_message(&sent.id, "edited").unwrap()),
        want
    );
    // Never the bytes for a front end.
    let shown = serde_json::to_string(&store.message(&sent.id).unwrap().unwrap()).unwrap();
    assert!(!shown.contains("line one"), "{shown}");
    // With the bytes when a request is built.
    let kept = store.attachment(&ids[1]).unwrap().unwrap();
    assert_eq!(&kept.data[..], b"line one\nline two");
    let by_message = store
        .attachments_of(std::slice::from_ref(&sent.id))
        .unwrap();
    assert_eq!(&by_message[&sent.id][0].data[..], b"\x89PNG...");
    // Sent, they are no longer drafts.
    let err = store.drafts(&ids).unwrap_err();
    assert!(err.message.contains(ids[0].as_str()), "{}", err.message);

    // Bound later, more come after those it has; a batch with one that is not a draft binds
    // none of it.
    let more = store.add_attachment(&image("b.png", b"b")).unwrap();
    let gone = AttachmentId::new();
    let err = store
        .bind_attachments(&sent.id, &[more.id.clone(), gone.clone()])
        .unwrap_err();
    assert!(err.message.contains(gone.as_str()), "{}", err.message);
    assert_eq!(names(&store.message(&sent.id).unwrap().unwrap()), want);
    store
        .bind_attachments(&sent.id, std::slice::from_ref(&more.id))
        .unwrap();
    assert_eq!(
        names(&store.message(&sent.id).unwrap().unwrap()),
        vec!["a.png", "notes.txt", "b.png"]
    );
}

#[test]
fn only_drafts_are_discarded_and_stale_ones_go_when_the_data_is_opened() {
    let dir = tempfile::tempdir().unwrap();
    let (stale, fresh) = {
        let store = Store::open(dir.path()).unwrap();
        let (_chat, sent, ids) = chat_with_attachments(&store);
        assert!(!store.discard_attachment(&ids[0]).unwrap());
        assert!(store.attachment(&ids[0]).unwrap().is_some());
        let draft = store.add_attachment(&image("d.png", b"d")).unwrap();
        assert!(store.discard_attachment(&draft.id).unwrap());
        assert!(!store.discard_attachment(&draft.id).unwrap());
        assert!(store.attachment(&draft.id).unwrap().is_none());

        let stale = store.add_attachment(&image("old.png", b"o")).unwrap();
        let fresh = store.add_attachment(&image("new.png", b"n")).unwrap();
        store
            .conn()
            .execute(
                "UPDATE attachments SET created_at = ?2 WHERE id = ?1",
                rusqlite::params![stale.id.as_str(), now_ms() - DRAFT_TTL_MS - 1],
            )
            .unwrap();
        // A sent attachment is never stale, however old.
        store
            .conn()
            .execute(
                "UPDATE attachments SET created_at = 0 WHERE id = ?1",
                [ids[1].as_str()],
            )
            .unwrap();
        assert_eq!(names(&store.message(&sent.id).unwrap().unwrap()).len(), 2);
        (stale.id, fresh.id)
    };
    let store = Store::open(dir.path()).unwrap();
    assert!(store.attachment(&stale).unwrap().is_none());
    assert!(store.attachment(&fresh).unwrap().is_some());
    assert_eq!(count(&store), 3);
    assert_eq!(store.discard_stale_drafts().unwrap(), 0);
}

#[test]
fn a_message_in_the_trash_keeps_its_attachments_until_purged() {
    let (_dir, store) = store();
    let (chat, sent, ids) = chat_with_attachments(&store);
    assert!(store.delete_message(&sent.id).unwrap());
    assert_eq!(store.messages(&chat).unwrap().len(), 2);
    assert!(store.attachment(&ids[0]).unwrap().is_some());
    assert!(store.restore_message(&sent.id).unwrap());
    let back = store.message(&sent.id).unwrap().unwrap();
    assert_eq!(names(&back), vec!["a.png", "notes.txt"]);
    assert_eq!(back.attachments[0].id, ids[0]);

    // Purged from the trash: gone.
    assert!(store.delete_message(&sent.id).unwrap());
    store.purge_deleted(now_ms() + 1).unwrap();
    assert!(store.attachment(&ids[0]).unwrap().is_none());
    assert!(store.attachment(&ids[1]).unwrap().is_none());
    assert_eq!(count(&store), 0);
}

#[test]
fn a_purged_chat_takes_its_attachments_and_those_of_its_deleted_messages() {
    let (_dir, store) = store();
    let (chat, sent, _) = chat_with_attachments(&store);
    let (other, _, kept) = chat_with_attachments(&store);
    // One message of the chat waits in the trash with its attachment.
    let late = store.add_attachment(&image("late.png", b"l")).unwrap();
    let message = store.append_message(&chat, Role::User, "late").unwrap();
    store
        .bind_attachments(&message.id, std::slice::from_ref(&late.id))
        .unwrap();
    store.delete_message(&message.id).unwrap();
    assert_eq!(count(&store), 5);

    // Deleted (undoable): kept.
    assert!(store.delete_chat(&chat).unwrap());
    assert_eq!(count(&store), 5);
    assert!(store.restore_chat(&chat).unwrap());
    assert_eq!(names(&store.message(&sent.id).unwrap().unwrap()).len(), 2);

    assert!(store.delete_chat(&chat).unwrap());
    store.purge_deleted(now_ms() + 1).unwrap();
    assert_eq!(count(&store), 2);
    assert!(store.attachment(&late.id).unwrap().is_none());
    assert!(store.attachment(&kept[0]).unwrap().is_some());
    assert_eq!(store.messages(&other).unwrap()[1].attachments.len(), 2);
}

/// A database written by the version before attachments (schema 11) opens with every message
/// exactly as it was: the same text, byte for byte, with no attachments and no sources.
#[test]
fn a_database_of_schema_11_reads_every_message_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let texts = [
        "plain",
        "",
        "  spaces kept  \n\n",
        "unicode: 日本語 — émoji 🎉 \u{200d} RTL עברית",
        "a\r\nwindows\r\nline",
        "json-looking {\"parts\": [{\"type\": \"image\"}]}",
        "[image \"x.png\"] --- notes.txt ---",
    ];
    {
        let mut conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        Migrations::from_slice(&MIGRATIONS[..11])
            .to_latest(&mut conn)
            .unwrap();
        conn.execute(
            "INSERT INTO chats (id, title, created_at, updated_at) VALUES ('c', 'Old', 1, 1)",
            [],
        )
        .unwrap();
        for (seq, text) in texts.iter().enumerate() {
            conn.execute(
                "INSERT INTO messages (id, chat_id, seq, role, content, state, swipe_count,
                                       created_at, updated_at)
                 VALUES (?1, 'c', ?2, ?3, ?4, 'complete', ?5, 1, 1)",
                rusqlite::params![
                    format!("m{seq}"),
                    seq as i64,
                    if seq % 2 == 0 { "user" } else { "assistant" },
                    text,
                    if seq == 1 { 2 } else { 1 }
                ],
            )
            .unwrap();
        }
        // The message in the trash was deleted "later" than the purge when the data is opened
        // reaches, so that it can be brought back below.
        conn.execute_batch(
            "INSERT INTO swipes (message_id, idx, content, state, created_at)
                 VALUES ('m1', 1, 'the other version ✓', 'complete', 1);
             INSERT INTO deleted_messages (id, chat_id, seq, role, content, swipe_index,
                                           swipe_count, state, created_at, updated_at, deleted_at)
                 VALUES ('gone', 'c', 99, 'user', 'in the trash', 0, 1, 'complete', 1, 1,
                         4102444800000);",
        )
        .unwrap();
    }
    let raw = |store: &Store| -> Vec<Vec<u8>> {
        let conn = store.conn();
        let mut statement = conn
            .prepare("SELECT CAST(content AS BLOB) FROM messages ORDER BY seq")
            .unwrap();
        let rows = statement.query_map([], |r| r.get(0)).unwrap();
        rows.collect::<rusqlite::Result<_>>().unwrap()
    };
    let store = Store::open(dir.path()).unwrap();
    let bytes: Vec<Vec<u8>> = texts.iter().map(|t| t.as_bytes().to_vec()).collect();
    assert_eq!(raw(&store), bytes);
    let chat = ChatId("c".into());
    let messages = store.messages(&chat).unwrap();
    let read: Vec<&str> = messages.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(read, texts);
    for message in &messages {
        assert!(message.attachments.is_empty() && message.sources.is_empty());
        assert_eq!(message.state, MessageState::Complete);
    }
    assert_eq!(
        store.swipes(&messages[1].id).unwrap(),
        vec![texts[1].to_string(), "the other version ✓".to_string()]
    );
    // The message in the trash comes back as it was.
    let gone = crate::model::MessageId("gone".into());
    assert!(store.restore_message(&gone).unwrap());
    assert_eq!(
        store.message(&gone).unwrap().unwrap().content,
        "in the trash"
    );
    // And the chat exports as it did.
    let archive = store.archive(&chat).unwrap();
    assert!(archive.messages.iter().all(|m| m.attachments.is_empty()));
    assert_eq!(archive.messages[3].content, texts[3]);
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(&raw(&store)[..texts.len()], &bytes[..]);
}
