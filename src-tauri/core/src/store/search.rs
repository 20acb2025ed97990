//! Finding chats: by the words of a query in their titles and messages ([`Store::search`]),
//! and by id, the start of an id or title ([`Store::lookup_chat`]).
//!
//! A query is words: each must occur (a case-insensitive substring, across punctuation), in
//! any order. Words of 3 characters or more use the trigram full-text index; shorter ones
//! (`LIKE`, with the case variants of letters beyond ASCII) only filter what the index found,
//! or scan when the query has no longer word. A search first indexes the replies that stopped
//! streaming since the last one (they wait in `search_pending`, see the schema's migration 7).
//! Must not write anything else.

use rusqlite::types::Value;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::chats::{chat_from_row, CHAT_COLUMNS};
use super::snippet::{self, SnippetPart};
use super::{Chat, Store};
use crate::error::{quoted, Error, ErrorKind, Result};
use crate::model::{ChatId, MessageId};

/// The fewest characters of an id that pick a chat by the start of its id.
pub const MIN_ID_PREFIX: usize = 4;
/// How many chats an ambiguous start of an id lists.
const LISTED_CHATS: usize = 10;

/// Where a search matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    /// The chat.
    pub chat_id: ChatId,
    /// Its title.
    pub chat_title: String,
    /// The message that matched; `None` when the title did.
    pub message_id: Option<MessageId>,
    /// The matching text in runs, the terms' occurrences `matched`: the whole title, or the
    /// whole words around the terms in the message.
    pub snippet: Vec<SnippetPart>,
}

impl Store {
    /// Chats whose title or messages contain every word of `query` (case-insensitive, in any
    /// order): title matches (newest first), then the newest matching messages; at most
    /// `limit` hits. Newest-first follows the full-text index's own order, so a common word
    /// costs no more than a rare one.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let terms = snippet::terms(query);
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        self.index_pending()?;
        let mut hits = self.title_hits(&terms, limit)?;
        let (long, short): (Vec<&String>, Vec<&String>) =
            terms.iter().partition(|t| !snippet::is_short(t));
        let mut values: Vec<Value> = Vec::new();
        let mut filters = Vec::new();
        for term in short {
            let mut any = Vec::new();
            for pattern in like_patterns(term) {
                values.push(Value::Text(pattern));
                any.push(format!("m.content LIKE ?{} ESCAPE '\\'", values.len()));
            }
            filters.push(format!("({})", any.join(" OR ")));
        }
        let sql = if long.is_empty() {
            format!(
                "SELECT m.chat_id, c.title, m.id, m.content
                 FROM messages m JOIN chats c ON c.id = m.chat_id
                 WHERE {} AND c.deleted_at IS NULL
                 ORDER BY c.updated_at DESC, m.seq DESC LIMIT ?{}",
                filters.join(" AND "),
                values.len() + 1
            )
        } else {
            // Each long word a quoted phrase: query syntax in it is text.
            let phrases: Vec<String> = long
                .iter()
                .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
                .collect();
            values.push(Value::Text(phrases.join(" AND ")));
            let matched = values.len();
            filters.push(format!("messages_fts MATCH ?{matched}"));
            format!(
                "SELECT m.chat_id, c.title, m.id, m.content
                 FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid
                      JOIN chats c ON c.id = m.chat_id
                 WHERE {} AND c.deleted_at IS NULL
                 ORDER BY messages_fts.rowid DESC LIMIT ?{}",
                filters.join(" AND "),
                values.len() + 1
            )
        };
        values.push(Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
        let conn = self.conn();
        let mut statement = conn.prepare(&sql)?;
        let rows = statement.query_map(rusqlite::params_from_iter(values), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        for row in rows {
            let (chat, title, message, content) = row?;
            hits.push(SearchHit {
                chat_id: ChatId(chat),
                chat_title: title,
                message_id: Some(MessageId(message)),
                snippet: snippet::snippet(&content, &terms),
            });
        }
        hits.truncate(limit);
        Ok(hits)
    }

    /// Adds the replies waiting for the search index to it (nothing is written when none
    /// waits).
    pub(super) fn index_pending(&self) -> Result<()> {
        let mut conn = self.conn();
        let waiting: bool =
            conn.query_row("SELECT EXISTS (SELECT 1 FROM search_pending)", [], |r| {
                r.get(0)
            })?;
        if waiting {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.execute_batch(
                "INSERT INTO messages_fts(rowid, content)
                     SELECT m.rowid, m.content
                     FROM search_pending p JOIN messages m ON m.rowid = p.rowid;
                 DELETE FROM search_pending;",
            )?;
            tx.commit()?;
        }
        Ok(())
    }

    /// The chats whose title holds every term, newest first (titles are few and short: they
    /// are compared here, in full Unicode case folding).
    fn title_hits(&self, terms: &[String], limit: usize) -> Result<Vec<SearchHit>> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "SELECT id, title FROM chats WHERE deleted_at IS NULL ORDER BY updated_at DESC",
        )?;
        let mut hits = Vec::new();
        let rows =
            statement.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (id, title) = row?;
            if hits.len() < limit && snippet::contains_all(&title, terms) {
                hits.push(SearchHit {
                    chat_id: ChatId(id),
                    snippet: snippet::marked(&title, terms),
                    chat_title: title,
                    message_id: None,
                });
            }
        }
        Ok(hits)
    }

    /// The chat with this id, or the most recent one titled `title` (case-insensitive).
    pub fn find_chat(&self, id_or_title: &str) -> Result<Option<Chat>> {
        if let Some(chat) = self.chat(&ChatId(id_or_title.to_string()))? {
            return Ok(Some(chat));
        }
        Ok(self
            .conn()
            .query_row(
                &format!(
                    "SELECT {CHAT_COLUMNS} FROM chats c
                     WHERE c.title = ?1 COLLATE NOCASE AND c.deleted_at IS NULL
                     ORDER BY c.updated_at DESC LIMIT 1"
                ),
                [id_or_title],
                chat_from_row,
            )
            .optional()?)
    }

    /// The chats whose id starts with `prefix` (case-insensitive; at least
    /// [`MIN_ID_PREFIX`] characters of an id, else none), newest first.
    pub fn chats_by_id_prefix(&self, prefix: &str) -> Result<Vec<Chat>> {
        if !is_id_prefix(prefix) {
            return Ok(Vec::new());
        }
        let conn = self.conn();
        let mut statement = conn.prepare(&format!(
            "SELECT {CHAT_COLUMNS} FROM chats c
             WHERE c.id LIKE ?1 || '%' AND c.deleted_at IS NULL
             ORDER BY c.updated_at DESC, c.id"
        ))?;
        let rows = statement.query_map(params![prefix], chat_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The chat `key` names: its id, its title (the most recent such chat), or the start of
    /// its id when only one chat's id starts so. None or several is an `InvalidRequest` that
    /// says which chats match and how to name one.
    pub fn lookup_chat(&self, key: &str) -> Result<Chat> {
        if let Some(chat) = self.find_chat(key)? {
            return Ok(chat);
        }
        let mut matches = self.chats_by_id_prefix(key)?;
        match matches.len() {
            0 => Err(Error::new(
                ErrorKind::InvalidRequest,
                format!(
                    "There is no chat \"{}\": give its title, its id, or at least \
                     {MIN_ID_PREFIX} characters from the start of its id.",
                    quoted(key)
                ),
            )
            .with_reason(crate::error::ErrorReason::NoChat)),
            1 => Ok(matches.remove(0)),
            count => {
                let error = Error::new(ErrorKind::InvalidRequest, ambiguous(key, &matches, count));
                // Some were left out of the list: where to see them all is the front end's to say.
                Err(if count > LISTED_CHATS {
                    error.with_reason(crate::error::ErrorReason::NoChat)
                } else {
                    error
                })
            }
        }
    }
}

/// How long a chat's id (a UUID) is.
const ID_LEN: usize = 36;

/// Whether `text` can be the start of a chat's id (a UUID): hex digits and dashes, at least
/// [`MIN_ID_PREFIX`] of them and no more than an id has.
fn is_id_prefix(text: &str) -> bool {
    (MIN_ID_PREFIX..=ID_LEN).contains(&text.len())
        && text.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// What to say when the start of an id fits several chats: each (the shortest start that
/// picks it, its id, message count and title), and how to pick one.
fn ambiguous(key: &str, matches: &[Chat], count: usize) -> String {
    let mut text = format!(
        "\"{key}\" is the start of the id of {count} chats; give more of the id (the first \
         column is enough), or the whole id:"
    );
    for chat in matches.iter().take(LISTED_CHATS) {
        let id = chat.id.as_str();
        let shortest = matches
            .iter()
            .filter(|other| other.id != chat.id)
            .map(|other| common_prefix(id, other.id.as_str()) + 1)
            .max()
            .unwrap_or(key.len())
            .max(key.len() + 1)
            .min(id.len());
        let messages = if chat.message_count == 1 {
            "1 message".to_string()
        } else {
            format!("{} messages", chat.message_count)
        };
        text.push_str(&format!(
            "\n  {:<9} {id}  {messages:>12}  {}",
            id.get(..shortest).unwrap_or(id),
            quoted(&chat.title)
        ));
    }
    if count > LISTED_CHATS {
        text.push_str(&format!("\n  … and {} more.", count - LISTED_CHATS));
    }
    text
}

/// How many bytes two ids share at their start (case-insensitive).
fn common_prefix(a: &str, b: &str) -> usize {
    a.bytes()
        .zip(b.bytes())
        .take_while(|(x, y)| x.eq_ignore_ascii_case(y))
        .count()
}

/// `LIKE` patterns that together find `term` in any case: SQLite's `LIKE` ignores the case of
/// ASCII letters only, so each other letter is tried in its lower and upper case (a short
/// term has at most two letters: at most 9 patterns).
fn like_patterns(term: &str) -> Vec<String> {
    let mut patterns = vec![String::new()];
    for c in term.chars() {
        let mut variants = vec![c];
        if !c.is_ascii() {
            for other in [single(c.to_lowercase()), single(c.to_uppercase())]
                .into_iter()
                .flatten()
            {
                if !variants.contains(&other) {
                    variants.push(other);
                }
            }
        }
        patterns = patterns
            .iter()
            .flat_map(|p| {
                variants.iter().map(move |v| {
                    let mut p = p.clone();
                    if matches!(v, '%' | '_' | '\\') {
                        p.push('\\');
                    }
                    p.push(*v);
                    p
                })
            })
            .collect();
    }
    patterns.into_iter().map(|p| format!("%{p}%")).collect()
}

/// The one character of a case mapping, if it is one.
fn single(mut chars: impl Iterator<Item = char>) -> Option<char> {
    let first = chars.next()?;
    chars.next().is_none().then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_terms_try_every_case_of_letters_beyond_ascii() {
        assert_eq!(like_patterns("ab"), ["%ab%"]);
        assert_eq!(like_patterns("%_"), ["%\\%\\_%"]);
        assert_eq!(like_patterns("éa"), ["%éa%", "%Éa%"]);
        assert_eq!(like_patterns("借"), ["%借%"]);
    }

    #[test]
    fn only_hex_and_dashes_of_some_length_are_the_start_of_an_id() {
        assert!(is_id_prefix("3f2a") && is_id_prefix("3F2A-9") && !is_id_prefix("3f2"));
        assert!(!is_id_prefix("3f2a%") && !is_id_prefix("lantern"));
        // Longer than an id: none can start so (and SQLite refuses very long patterns).
        assert!(is_id_prefix(&"a".repeat(36)) && !is_id_prefix(&"a".repeat(37)));
    }
}
