//! A backup restored into the install that made it: its chats are recognised by id and
//! skipped or replaced, never added a second time; a chat deleted since comes back; a chat
//! without a usable id comes in as a new one; replacing refuses a chat a reply is being written
//! in and touches no other chat; attachments travel with their chats. Real SQLite.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use switchboard_core::engine::ExistingChats;
use switchboard_core::model::AttachmentKind;
use switchboard_core::transfer::{json, ArchivedAttachment, ArchivedMessage, ChatArchive};
use switchboard_core::{ChatId, Engine, Role};
use tempfile::TempDir;

fn chat(title: &str, texts: &[&str]) -> ChatArchive {
    ChatArchive {
        title: title.into(),
        created_at: 1_700_000_000_000,
        messages: texts
            .iter()
            .enumerate()
            .map(|(i, text)| ArchivedMessage {
                role: if i % 2 == 0 {
                    Role::User
                } else {
                    Role::Assistant
                },
                content: (*text).into(),
                sent_at: 1_700_000_000_000 + i as i64,
                ..ArchivedMessage::default()
            })
            .collect(),
        ..ChatArchive::default()
    }
}

/// The backup file's text read back, as a restore gets it.
async fn backup_file(engine: &Engine) -> json::Backup {
    json::read_backup(&json::write_backup(&engine.backup().await.unwrap())).unwrap()
}

async fn texts(engine: &Engine, id: &ChatId) -> Vec<String> {
    engine
        .messages(id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.content)
        .collect()
}

async fn titles(engine: &Engine) -> Vec<String> {
    let mut titles: Vec<String> = engine
        .chats()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.title)
        .collect();
    titles.sort();
    titles
}

#[tokio::test]
async fn a_backup_restored_where_it_was_made_skips_or_replaces_by_id() {
    let dir = TempDir::new().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let first = engine
        .import_archive(chat("First", &["hello", "hi there"]))
        .await
        .unwrap();
    let second = engine
        .import_archive(chat("Second", &["one", "two"]))
        .await
        .unwrap();
    let backup = backup_file(&engine).await;
    let ids: Vec<Option<ChatId>> = backup.chats.iter().map(|c| c.id.clone()).collect();
    assert!(ids.contains(&Some(first.id.clone())), "{ids:?}");
    assert!(ids.contains(&Some(second.id.clone())), "{ids:?}");

    // Changed since the backup: a message more in the first, the second renamed.
    engine
        .store()
        .append_message(&first.id, Role::User, "written after the backup")
        .unwrap();
    engine
        .rename_chat(&second.id, "Second, renamed")
        .await
        .unwrap();
    let here = engine.chats_already_here(&backup).await.unwrap();
    let mut here_ids: Vec<&ChatId> = here.iter().map(|c| &c.id).collect();
    here_ids.sort();
    let mut expected = vec![&first.id, &second.id];
    expected.sort();
    assert_eq!(here_ids, expected);

    // Skip: nothing changes, nothing is added.
    let report = engine
        .restore_backup(backup.clone(), ExistingChats::Skip)
        .await;
    assert!(report.stopped.is_none(), "{:?}", report.stopped);
    assert!(report.chats.is_empty());
    assert!(report.replaced.is_empty());
    assert_eq!(report.skipped_chats.len(), 2);
    assert_eq!(titles(&engine).await, ["First", "Second, renamed"]);
    assert_eq!(
        texts(&engine, &first.id).await,
        ["hello", "hi there", "written after the backup"]
    );

    // Replace: each chat is the backup's copy again, under the same id; still two chats.
    let report = engine
        .restore_backup(backup.clone(), ExistingChats::Replace)
        .await;
    assert!(report.stopped.is_none(), "{:?}", report.stopped);
    assert_eq!(report.chats.len(), 2);
    assert_eq!(report.replaced.len(), 2);
    assert!(report.skipped_chats.is_empty());
    assert_eq!(titles(&engine).await, ["First", "Second"]);
    assert_eq!(texts(&engine, &first.id).await, ["hello", "hi there"]);
    assert_eq!(
        engine.chat(&second.id).await.unwrap().unwrap().title,
        "Second"
    );
    assert_eq!(engine.chats().await.unwrap().len(), 2);
    // Search finds the backup's words, not the ones replaced.
    assert!(engine.search("written after", 10).await.unwrap().is_empty());
    assert_eq!(engine.search("hello", 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_deleted_chat_comes_back_from_the_backup_and_other_chats_are_untouched() {
    let dir = TempDir::new().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let kept = engine
        .import_archive(chat("Kept", &["a", "b"]))
        .await
        .unwrap();
    let backup = backup_file(&engine).await;
    let other = engine
        .import_archive(chat("Not in the backup", &["x"]))
        .await
        .unwrap();
    assert!(engine.delete_chat(&kept.id).await.unwrap());
    assert!(engine.chats_already_here(&backup).await.unwrap().is_empty());

    let report = engine.restore_backup(backup, ExistingChats::Skip).await;
    assert!(report.stopped.is_none(), "{:?}", report.stopped);
    assert_eq!(report.chats.len(), 1);
    assert_eq!(report.chats[0].id, kept.id);
    assert!(report.replaced.is_empty() && report.skipped_chats.is_empty());
    assert_eq!(titles(&engine).await, ["Kept", "Not in the backup"]);
    assert_eq!(texts(&engine, &other.id).await, ["x"]);
    // The trash no longer holds it: undoing the old deletion finds nothing to bring back.
    assert!(!engine.restore_chat(&kept.id).await.unwrap());
}

#[tokio::test]
async fn chats_without_a_usable_id_come_in_as_new_chats() {
    let dir = TempDir::new().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    engine.import_archive(chat("Old", &["hi"])).await.unwrap();
    let mut backup = backup_file(&engine).await;
    let mut no_id = backup.chats[0].clone();
    no_id.id = None;
    let mut bad_id = backup.chats[0].clone();
    bad_id.id = Some(ChatId("../../etc/passwd".into()));
    bad_id.title = "Odd id".into();
    backup.chats = vec![no_id, bad_id];
    assert!(engine.chats_already_here(&backup).await.unwrap().is_empty());
    let report = engine.restore_backup(backup, ExistingChats::Skip).await;
    assert!(report.stopped.is_none(), "{:?}", report.stopped);
    assert_eq!(report.chats.len(), 2);
    assert!(report
        .chats
        .iter()
        .all(|c| c.id.as_str() != "../../etc/passwd"));
    assert_eq!(titles(&engine).await, ["Odd id", "Old", "Old"]);
}

#[tokio::test]
async fn replacing_refuses_a_chat_a_reply_is_being_written_in() {
    let dir = TempDir::new().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let busy = engine
        .import_archive(chat("Busy", &["question"]))
        .await
        .unwrap();
    let backup = backup_file(&engine).await;
    engine.store().begin_reply(&busy.id, "m").unwrap();
    let report = engine.restore_backup(backup, ExistingChats::Replace).await;
    let error = report.stopped.expect("the replace was refused");
    assert!(error.message.contains("being written"), "{}", error.message);
    assert!(report.replaced.is_empty());
    assert_eq!(engine.messages(&busy.id).await.unwrap().len(), 2);
}

/// A backup carries the chats' images and files with their bytes: restored into a fresh
/// install they are there; replacing a chat here swaps its attachments for the backup's (none
/// left behind), and skipping leaves them as they are.
#[tokio::test]
async fn a_backup_carries_attachments_and_replacing_swaps_them() {
    let png = b"\x89PNG\r\n\x1a\n kept as it is".to_vec();
    let mut with_files = chat("Pictures", &["see this", "seen"]);
    with_files.messages[0].attachments = vec![
        ArchivedAttachment {
            kind: AttachmentKind::Image,
            name: "photo.png".into(),
            media_type: "image/png".into(),
            width: Some(640),
            height: Some(480),
            data: png.clone(),
        },
        ArchivedAttachment {
            kind: AttachmentKind::File,
            name: "notes.md".into(),
            media_type: "text/markdown".into(),
            width: None,
            height: None,
            data: b"# notes".to_vec(),
        },
    ];
    let dir = TempDir::new().unwrap();
    let engine = common::engine(&dir, Duration::from_secs(5));
    let saved = engine.import_archive(with_files).await.unwrap();
    let backup = backup_file(&engine).await;
    assert_eq!(backup.chats[0].messages[0].attachments.len(), 2);

    let before: Vec<_> = engine.messages(&saved.id).await.unwrap()[0]
        .attachments
        .iter()
        .map(|a| a.id.clone())
        .collect();
    // Replaced: the backup's copies, and not a second set.
    let report = engine
        .restore_backup(backup.clone(), ExistingChats::Replace)
        .await;
    assert!(report.stopped.is_none(), "{:?}", report.stopped);
    for id in &before {
        assert!(
            engine.attachment(id.clone()).await.is_err(),
            "{id} left behind"
        );
    }
    let first = engine.messages(&saved.id).await.unwrap().remove(0);
    let infos: Vec<(&str, &str, Option<u32>)> = first
        .attachments
        .iter()
        .map(|a| (a.name.as_str(), a.media_type.as_str(), a.width))
        .collect();
    assert_eq!(
        infos,
        [
            ("photo.png", "image/png", Some(640)),
            ("notes.md", "text/markdown", None)
        ]
    );
    let kept = engine
        .attachment(first.attachments[0].id.clone())
        .await
        .unwrap();
    assert_eq!(kept.data.to_vec(), png);
    // Skipped: as they are.
    engine
        .restore_backup(backup.clone(), ExistingChats::Skip)
        .await;
    let again = engine.messages(&saved.id).await.unwrap().remove(0);
    assert_eq!(again.attachments, first.attachments);

    // A fresh install gets them too.
    let fresh = TempDir::new().unwrap();
    let other = common::engine(&fresh, Duration::from_secs(5));
    let report = other.restore_backup(backup, ExistingChats::Skip).await;
    assert!(report.stopped.is_none(), "{:?}", report.stopped);
    let first = other.messages(&saved.id).await.unwrap().remove(0);
    assert_eq!(first.attachments.len(), 2);
    let text = other
        .attachment(first.attachments[1].id.clone())
        .await
        .unwrap();
    assert_eq!(&text.data[..], b"# notes");
}
