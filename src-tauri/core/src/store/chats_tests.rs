//! Replies saved while they stream, finished with their state, and indexed for search once.
#![allow(clippy::unwrap_used, clippy::panic)]

use super::Store;
use crate::error::Error;
use crate::model::{MessageState, Role};

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

/// A streaming reply is saved every second; it is indexed for search once, when it stops,
/// and the index stays consistent through streaming, finishing, editing and deleting.
#[test]
fn a_reply_is_searchable_once_it_stops_streaming() {
    let (_dir, store) = store();
    let fts_ok = |store: &Store| {
        store
            .conn()
            // The index's own consistency (its content table holds streaming rows that are
            // deliberately not indexed, so it is not compared with them).
            .execute(
                "INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')",
                [],
            )
            .map(|_| ())
    };
    let chat = store.create_chat("t", None, Some("m")).unwrap();
    let reply = store.begin_reply(&chat.id, "m").unwrap();
    for text in ["zebra", "zebracorn", "zebracorn rising"] {
        store.save_reply_progress(&reply.id, text, None).unwrap();
    }
    assert!(store.search("zebracorn", 10).unwrap().is_empty());
    fts_ok(&store).unwrap();
    store
        .finish_reply(
            &reply.id,
            "zebracorn rising high",
            None,
            MessageState::Complete,
            None,
            None,
        )
        .unwrap();
    assert_eq!(store.search("zebracorn", 10).unwrap().len(), 1);
    fts_ok(&store).unwrap();
    store.edit_message(&reply.id, "unicorn now").unwrap();
    assert!(store.search("zebracorn", 10).unwrap().is_empty());
    assert_eq!(store.search("unicorn", 10).unwrap().len(), 1);
    store.delete_message(&reply.id).unwrap();
    assert!(store.search("unicorn", 10).unwrap().is_empty());
    fts_ok(&store).unwrap();
    // A reply left streaming by a process that died is indexed when marked interrupted.
    let other = store.begin_reply(&chat.id, "m").unwrap();
    store
        .save_reply_progress(&other.id, "quasar partial", None)
        .unwrap();
    let dir = store.dir().to_path_buf();
    drop(store);
    let store = Store::open(&dir).unwrap();
    assert_eq!(
        store.message(&other.id).unwrap().unwrap().state,
        MessageState::Interrupted
    );
    assert_eq!(store.search("quasar", 10).unwrap().len(), 1);
    fts_ok(&store).unwrap();
}

#[test]
fn replies_are_saved_while_streaming_and_finished_with_their_state() {
    let (_dir, store) = store();
    let chat = store.create_chat("t", None, Some("m")).unwrap();
    let user = store.append_message(&chat.id, Role::User, "hello").unwrap();
    let reply = store.begin_reply(&chat.id, "m").unwrap();
    assert_eq!((user.seq, reply.seq), (0, 1));
    store.save_reply_progress(&reply.id, "par", None).unwrap();
    let saved = store.message(&reply.id).unwrap().unwrap();
    assert_eq!(
        (saved.content.as_str(), saved.state),
        ("par", MessageState::Streaming)
    );
    let error = Error::internal("boom");
    store
        .finish_reply(
            &reply.id,
            "partial",
            Some("why"),
            MessageState::Failed,
            None,
            Some(&error),
        )
        .unwrap();
    let done = &store.messages(&chat.id).unwrap()[1];
    assert_eq!(done.content, "partial");
    assert_eq!(done.reasoning.as_deref(), Some("why"));
    assert_eq!(done.state, MessageState::Failed);
    assert_eq!(done.error.as_ref().unwrap().message, "boom");
    assert_eq!(done.model.as_deref(), Some("m"));
}

/// A reply that stops streaming waits for the next search to be indexed; edited, deleted or
/// begun again while it waits, the index stays consistent and the search finds what it holds.
#[test]
fn a_finished_reply_is_indexed_by_the_next_search() {
    let (_dir, store) = store();
    let chat = store.create_chat("t", None, Some("m")).unwrap();
    let count = |sql: &str| -> i64 { store.conn().query_row(sql, [], |r| r.get(0)).unwrap() };
    let indexed = |word: &str| {
        count(&format!(
            "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH '\"{word}\"'"
        ))
    };
    let waiting = || count("SELECT count(*) FROM search_pending");
    let fts_ok = || {
        store
            .conn()
            .execute(
                "INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')",
                [],
            )
            .unwrap();
    };
    let finished = |text: &str| {
        let reply = store.begin_reply(&chat.id, "m").unwrap();
        store.save_reply_progress(&reply.id, text, None).unwrap();
        store
            .finish_reply(&reply.id, text, None, MessageState::Complete, None, None)
            .unwrap();
        reply
    };

    // Finished: waiting, not yet in the index; the next search indexes it and finds it.
    finished("aardvark alpha");
    assert_eq!((waiting(), indexed("aardvark")), (1, 0));
    assert_eq!(store.search("aardvark", 10).unwrap().len(), 1);
    assert_eq!((waiting(), indexed("aardvark")), (0, 1));
    fts_ok();

    // Edited while it waits: the index gets the new text, never the old.
    let bison = finished("bison beta");
    store.edit_message(&bison.id, "bison gamma").unwrap();
    assert_eq!((waiting(), indexed("bison")), (1, 0));
    assert!(store.search("beta", 10).unwrap().is_empty());
    assert_eq!(store.search("gamma", 10).unwrap().len(), 1);
    assert_eq!((waiting(), indexed("beta"), indexed("gamma")), (0, 0, 1));
    fts_ok();

    // Deleted while it waits: gone from the queue, the index untouched.
    let cobra = finished("cobra");
    store.delete_message(&cobra.id).unwrap();
    assert_eq!((waiting(), indexed("cobra")), (0, 0));
    assert!(store.search("cobra", 10).unwrap().is_empty());
    fts_ok();

    // A new version begun while it waits: streaming again, it no longer waits; finished, it
    // waits again.
    let dingo = finished("dingo");
    store.begin_swipe(&dingo.id, "m").unwrap();
    assert_eq!(waiting(), 0);
    fts_ok();
    store
        .finish_reply(&dingo.id, "emu", None, MessageState::Complete, None, None)
        .unwrap();
    assert_eq!(waiting(), 1);
    assert_eq!(store.search("emu", 10).unwrap().len(), 1);
    assert_eq!(indexed("aardvark") + indexed("gamma") + indexed("emu"), 3);
    fts_ok();

    // An edit of an indexed reply replaces its text in the index at once.
    store.edit_message(&bison.id, "bison delta").unwrap();
    assert_eq!((waiting(), indexed("gamma"), indexed("delta")), (0, 0, 1));
    fts_ok();
}
