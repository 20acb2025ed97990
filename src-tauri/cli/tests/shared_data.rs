//! The command line beside a running window on the same data: a chat the window deleted (and
//! still offers to undo) is not removed for good by the command line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use switchboard_core::store::{Store, DB_FILE};

#[test]
fn the_cli_does_not_purge_a_chat_the_window_can_still_restore() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    // The window: open for the whole test, as the app is.
    let window = Store::open(&data).unwrap();
    let chat = window
        .create_chat("deleted in the window", None, None)
        .unwrap();
    assert!(window.delete_chat(&chat.id).unwrap());
    // Deleted a moment ago, not in the very millisecond the command line starts.
    let backdate = || {
        rusqlite::Connection::open(data.join(DB_FILE))
            .unwrap()
            .execute("UPDATE chats SET deleted_at = deleted_at - 1000", [])
            .unwrap()
    };
    backdate();

    let listed = common::ok(&data, &["chats", "list"]);
    assert!(!listed.contains("deleted in the window"), "{listed}");
    assert!(window.restore_chat(&chat.id).unwrap(), "the undo was lost");

    // Once the window has closed, the next start makes the deletion final.
    assert!(window.delete_chat(&chat.id).unwrap());
    backdate();
    drop(window);
    common::ok(&data, &["chats", "list"]);
    let later = Store::open(&data).unwrap();
    assert!(!later.restore_chat(&chat.id).unwrap(), "not purged");
}
