//! The schema: the ordered list of migrations that brings any earlier database up to date.
//!
//! Only ever appended to: a migration once released is never edited or removed, since the
//! position in this list is the database's `user_version`. Opening, checking the version and
//! backing up before an upgrade are [`super::open`]'s job, not this module's. It must not keep
//! a secret in any table (keys and header values live in the keychain).

use rusqlite_migration::M;

/// Every migration, oldest first; the database's `user_version` counts those applied.
pub(super) const MIGRATIONS: &[M<'static>] = &[
    M::up(
        "CREATE TABLE profiles (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        source TEXT NOT NULL,
        url TEXT NOT NULL,
        model TEXT,
        params TEXT NOT NULL DEFAULT '{}',
        system_prompt TEXT,
        post_processing TEXT NOT NULL DEFAULT 'none',
        bypass_status_check INTEGER NOT NULL DEFAULT 0,
        headers TEXT NOT NULL DEFAULT '[]',
        key_saved INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE chats (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        profile_id TEXT REFERENCES profiles(id) ON DELETE SET NULL,
        model TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        chat_id TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        role TEXT NOT NULL,
        content TEXT NOT NULL,
        reasoning TEXT,
        state TEXT NOT NULL,
        model TEXT,
        error TEXT,
        writer TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (chat_id, seq)
    );
    CREATE INDEX messages_streaming ON messages(state) WHERE state = 'streaming';
    CREATE INDEX chats_updated ON chats(updated_at DESC);",
    ),
    // 2: the assistant prefill of Claude profiles and the strict-mode placeholder.
    M::up(
        "ALTER TABLE profiles ADD COLUMN prefill TEXT;
         ALTER TABLE profiles ADD COLUMN placeholder TEXT;",
    ),
    // 3: text-completion settings, and the API of sources that serve both. Oobabooga and
    // Mancer profiles made before they defaulted to text completion keep chat completion.
    M::up(
        "ALTER TABLE profiles ADD COLUMN api TEXT;
         ALTER TABLE profiles ADD COLUMN instruct TEXT NOT NULL DEFAULT '{}';
         UPDATE profiles SET api = 'chatCompletion' WHERE source IN ('ooba', 'mancer');",
    ),
    // 4: chats that last — pinned and deleted (kept for undo) chats, swipes (the versions of a
    // message other than the one shown), speaker names and fields kept from imports, full-text
    // search over messages (trigram: substrings in any script), and the app's settings.
    M::up(
        "ALTER TABLE chats ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
         ALTER TABLE chats ADD COLUMN deleted_at INTEGER;
         ALTER TABLE chats ADD COLUMN extra TEXT;
         ALTER TABLE messages ADD COLUMN name TEXT;
         ALTER TABLE messages ADD COLUMN swipe_index INTEGER NOT NULL DEFAULT 0;
         ALTER TABLE messages ADD COLUMN swipe_count INTEGER NOT NULL DEFAULT 1;
         ALTER TABLE messages ADD COLUMN extra TEXT;
         CREATE TABLE swipes (
             message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
             idx INTEGER NOT NULL,
             content TEXT NOT NULL,
             reasoning TEXT,
             state TEXT NOT NULL,
             model TEXT,
             error TEXT,
             created_at INTEGER NOT NULL,
             PRIMARY KEY (message_id, idx)
         );
         CREATE INDEX chats_listed ON chats(deleted_at, pinned DESC, updated_at DESC);
         CREATE VIRTUAL TABLE messages_fts USING fts5(
             content, content = 'messages', content_rowid = 'rowid', tokenize = 'trigram'
         );
         CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
             INSERT INTO messages_fts(rowid, content) VALUES (new.rowid, new.content);
         END;
         CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
             INSERT INTO messages_fts(messages_fts, rowid, content)
                 VALUES ('delete', old.rowid, old.content);
         END;
         CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
             INSERT INTO messages_fts(messages_fts, rowid, content)
                 VALUES ('delete', old.rowid, old.content);
             INSERT INTO messages_fts(rowid, content) VALUES (new.rowid, new.content);
         END;
         INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');
         CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    ),
    // 5: a reply is indexed for search once it stops streaming, not at every save while it
    // streams (each save re-indexed the whole text so far: quadratic in a long reply).
    M::up(
        "DROP TRIGGER messages_fts_insert;
         DROP TRIGGER messages_fts_delete;
         DROP TRIGGER messages_fts_update;
         INSERT INTO messages_fts(messages_fts, rowid, content)
             SELECT 'delete', rowid, content FROM messages WHERE state = 'streaming';
         CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
             WHEN new.state != 'streaming' BEGIN
             INSERT INTO messages_fts(rowid, content) VALUES (new.rowid, new.content);
         END;
         CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
             WHEN old.state != 'streaming' BEGIN
             INSERT INTO messages_fts(messages_fts, rowid, content)
                 VALUES ('delete', old.rowid, old.content);
         END;
         CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, state ON messages BEGIN
             INSERT INTO messages_fts(messages_fts, rowid, content)
                 SELECT 'delete', old.rowid, old.content WHERE old.state != 'streaming';
             INSERT INTO messages_fts(rowid, content)
                 SELECT new.rowid, new.content WHERE new.state != 'streaming';
         END;",
    ),
    // 6: header values and URL credentials live in the keychain. `headers` keeps only the
    // names; `extras_saved` says a profile has such secrets there. The values were moved and
    // blanked before this runs (`legacy_secrets`), which lists the profiles in `moved_secrets`.
    M::up(
        "CREATE TABLE IF NOT EXISTS moved_secrets (profile_id TEXT PRIMARY KEY);
         ALTER TABLE profiles ADD COLUMN extras_saved INTEGER NOT NULL DEFAULT 0;
         UPDATE profiles SET extras_saved = 1 WHERE id IN (SELECT profile_id FROM moved_secrets);
         UPDATE profiles SET headers = (
             SELECT json_group_array(json_extract(value, '$[0]')) FROM json_each(profiles.headers)
         );
         DROP TABLE moved_secrets;",
    ),
    // 7: a reply that stops streaming waits in `search_pending` and is indexed by the next
    // search, not in the save that finishes it (indexing a long reply's text cost more than
    // receiving it). A waiting row is not in the index: neither deleted from it nor added to
    // it until then; a new version begun on it (streaming again) no longer waits.
    M::up(
        "CREATE TABLE search_pending (rowid INTEGER PRIMARY KEY);
         DROP TRIGGER messages_fts_delete;
         DROP TRIGGER messages_fts_update;
         CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
             WHEN old.state != 'streaming' BEGIN
             INSERT INTO messages_fts(messages_fts, rowid, content)
                 SELECT 'delete', old.rowid, old.content
                 WHERE NOT EXISTS (SELECT 1 FROM search_pending WHERE rowid = old.rowid);
             DELETE FROM search_pending WHERE rowid = old.rowid;
         END;
         CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, state ON messages BEGIN
             INSERT INTO messages_fts(messages_fts, rowid, content)
                 SELECT 'delete', old.rowid, old.content
                 WHERE old.state != 'streaming'
                   AND NOT EXISTS (SELECT 1 FROM search_pending WHERE rowid = old.rowid);
             INSERT OR IGNORE INTO search_pending(rowid)
                 SELECT new.rowid WHERE old.state = 'streaming' AND new.state != 'streaming';
             INSERT INTO messages_fts(rowid, content)
                 SELECT new.rowid, new.content
                 WHERE new.state != 'streaming'
                   AND NOT EXISTS (SELECT 1 FROM search_pending WHERE rowid = new.rowid);
             DELETE FROM search_pending WHERE rowid = new.rowid AND new.state = 'streaming';
         END;",
    ),
    // 8: deleting a profile or a message can be undone, as deleting a chat can. A deleted
    // profile keeps its row (and its keychain entries) with `deleted_at` set until it is purged.
    // A deleted message moves, with its other versions, to `deleted_messages` and
    // `deleted_swipes`: every read of `messages` stays as it is, and the search index loses it
    // (and gets it back) through the triggers on `messages`.
    M::up(
        "ALTER TABLE profiles ADD COLUMN deleted_at INTEGER;
         CREATE TABLE deleted_messages (
             id TEXT PRIMARY KEY,
             chat_id TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
             seq INTEGER NOT NULL,
             role TEXT NOT NULL,
             name TEXT,
             content TEXT NOT NULL,
             swipe_index INTEGER NOT NULL,
             swipe_count INTEGER NOT NULL,
             reasoning TEXT,
             state TEXT NOT NULL,
             model TEXT,
             error TEXT,
             extra TEXT,
             created_at INTEGER NOT NULL,
             updated_at INTEGER NOT NULL,
             deleted_at INTEGER NOT NULL
         );
         CREATE INDEX deleted_messages_chat ON deleted_messages(chat_id, seq);
         CREATE TABLE deleted_swipes (
             message_id TEXT NOT NULL REFERENCES deleted_messages(id) ON DELETE CASCADE,
             idx INTEGER NOT NULL,
             content TEXT NOT NULL,
             reasoning TEXT,
             state TEXT NOT NULL,
             model TEXT,
             error TEXT,
             created_at INTEGER NOT NULL,
             PRIMARY KEY (message_id, idx)
         );",
    ),
    // 9: a branch remembers where it forks: the chat it was made from, the message it forks
    // at and that message's number (1 = the first). Branches made before keep none of them.
    M::up(
        "ALTER TABLE chats ADD COLUMN parent_id TEXT;
         ALTER TABLE chats ADD COLUMN fork_message_id TEXT;
         ALTER TABLE chats ADD COLUMN fork_number INTEGER;
         CREATE INDEX chats_parent ON chats(parent_id) WHERE parent_id IS NOT NULL;",
    ),
    // 10: how a profile's server is reached beyond URL and key (proxy, certificates, a
    // source's choices), as JSON: `{}` reads as every default.
    M::up("ALTER TABLE profiles ADD COLUMN options TEXT NOT NULL DEFAULT '{}';"),
    // 11: what a source's family asked to have sent back with a reply (thought signatures,
    // encrypted reasoning), as JSON (`{"family", "value"}`), per version: the version shown
    // (`messages`), the others (`swipes`) and those waiting in the trash. NULL: none.
    M::up(
        "ALTER TABLE messages ADD COLUMN provider_data TEXT;
         ALTER TABLE swipes ADD COLUMN provider_data TEXT;
         ALTER TABLE deleted_messages ADD COLUMN provider_data TEXT;
         ALTER TABLE deleted_swipes ADD COLUMN provider_data TEXT;",
    ),
    // 12: what a message carries besides its text. `attachments` holds the images and files
    // attached to messages (`message_id`) and those waiting in a composer to be sent
    // (`message_id` NULL): an image's bytes, a file's text. No foreign key, so a message moved
    // to the trash keeps its attachments; they go when the message is gone from both tables.
    // `sources`: the pages a reply cites, as JSON (`[{"url", "title"}]`), per version. Every
    // existing message keeps its text as it was.
    M::up(
        "CREATE TABLE attachments (
             id TEXT PRIMARY KEY,
             message_id TEXT,
             ordinal INTEGER NOT NULL DEFAULT 0,
             kind TEXT NOT NULL,
             name TEXT NOT NULL,
             media_type TEXT NOT NULL,
             data BLOB NOT NULL,
             width INTEGER,
             height INTEGER,
             created_at INTEGER NOT NULL
         );
         CREATE INDEX attachments_message ON attachments(message_id, ordinal);
         CREATE TRIGGER attachments_leave_with_message AFTER DELETE ON messages
         WHEN NOT EXISTS (SELECT 1 FROM deleted_messages WHERE id = old.id)
         BEGIN
             DELETE FROM attachments WHERE message_id = old.id;
         END;
         CREATE TRIGGER attachments_leave_with_deleted_message AFTER DELETE ON deleted_messages
         WHEN NOT EXISTS (SELECT 1 FROM messages WHERE id = old.id)
         BEGIN
             DELETE FROM attachments WHERE message_id = old.id;
         END;
         ALTER TABLE messages ADD COLUMN sources TEXT;
         ALTER TABLE swipes ADD COLUMN sources TEXT;
         ALTER TABLE deleted_messages ADD COLUMN sources TEXT;
         ALTER TABLE deleted_swipes ADD COLUMN sources TEXT;",
    ),
];
