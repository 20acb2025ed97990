//! A chat that had messages is never saved with none: the writes that fill a chat's messages
//! wholesale (a branch copying a chat, an import saving an archive) check, before they commit,
//! that the chat holds every message they were to write, and otherwise roll back with an error
//! naming the chat. A read or copy that silently came back empty thus fails loudly instead of
//! leaving an empty chat where a full one was meant to be.
//!
//! This module only counts; it never writes.

use rusqlite::Transaction;

use crate::error::{Error, Result};
use crate::model::ChatId;

/// Fails unless `chat` holds at least `expected` messages (counted in the database itself,
/// not through any view a connection may have in front of it).
pub(crate) fn all_written(
    tx: &Transaction<'_>,
    chat: &ChatId,
    title: &str,
    expected: i64,
) -> Result<()> {
    let written: i64 = tx.query_row(
        "SELECT COUNT(*) FROM main.messages WHERE chat_id = ?1",
        [chat.as_str()],
        |row| row.get(0),
    )?;
    if written >= expected {
        return Ok(());
    }
    Err(Error::storage(format!(
        "The chat \"{title}\" was to be saved with {expected} message(s) but only {written} were written, so nothing was saved: a chat that has messages is never replaced by an empty or shorter one. Try again; if it happens again, the database may be damaged (see the snapshots)."
    )))
}
