//! The chat store on real SQLite: swipes, edits, deletes, branches, pages of history (the
//! latest, before, after and around a message), the chat list (pinned, renamed, deleted with
//! undo), full-text search, and chats as archives.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use switchboard_core::model::{ChatId, MessageState, Role};
use switchboard_core::store::snippet::{bracketed, SnippetPart};
use switchboard_core::store::{Store, StoredMessage};
use switchboard_core::transfer::{ArchivedMessage, ChatArchive};
use tempfile::TempDir;

fn store() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

/// A chat with a question and a complete reply.
fn chat_with_reply(store: &Store, question: &str, reply: &str) -> (ChatId, StoredMessage) {
    let chat = store.create_chat(question, None, Some("m")).unwrap();
    store
        .append_message(&chat.id, Role::User, question)
        .unwrap();
    let message = store.begin_reply(&chat.id, "m").unwrap();
    store
        .finish_reply(&message.id, reply, None, MessageState::Complete, None, None)
        .unwrap();
    (chat.id, store.message(&message.id).unwrap().unwrap())
}

#[test]
fn regenerating_keeps_earlier_replies_as_swipes_and_any_can_be_shown() {
    let (_dir, store) = store();
    let (chat, first) = chat_with_reply(&store, "Name a colour.", "Red.");
    assert_eq!((first.swipe_index, first.swipe_count), (0, 1));

    let second = store.begin_swipe(&first.id, "m2").unwrap();
    assert_eq!((second.swipe_index, second.swipe_count), (1, 2));
    assert_eq!(
        (second.content.as_str(), second.state),
        ("", MessageState::Streaming)
    );
    store.save_reply_progress(&second.id, "Bl", None).unwrap();
    store
        .finish_reply(
            &second.id,
            "Blue.",
            None,
            MessageState::Complete,
            None,
            None,
        )
        .unwrap();
    let third = store.begin_swipe(&first.id, "m3").unwrap();
    store
        .finish_reply(&third.id, "Green.", None, MessageState::Stopped, None, None)
        .unwrap();
    assert_eq!(
        store.swipes(&first.id).unwrap(),
        ["Red.", "Blue.", "Green."]
    );

    // Back to the first: the text, state and model of that version come back.
    let shown = store.select_swipe(&first.id, 0).unwrap();
    assert_eq!((shown.content.as_str(), shown.swipe_index), ("Red.", 0));
    assert_eq!(shown.model.as_deref(), Some("m"));
    assert_eq!(
        store.swipes(&first.id).unwrap(),
        ["Red.", "Blue.", "Green."]
    );
    let shown = store.select_swipe(&first.id, 2).unwrap();
    assert_eq!(
        (shown.content.as_str(), shown.state),
        ("Green.", MessageState::Stopped)
    );
    assert_eq!(shown.model.as_deref(), Some("m3"));
    // The chat's history shows one reply: the version shown.
    let history = store.messages(&chat).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].content, "Green.");

    let err = store.select_swipe(&first.id, 3).unwrap_err();
    assert!(err.message.contains("3 versions"), "{}", err.message);
    let question = &history[0];
    assert!(
        store.begin_swipe(&question.id, "m").is_err(),
        "a question is not regenerated"
    );
}

#[test]
fn a_reply_being_written_cannot_be_changed_under_it() {
    let (_dir, store) = store();
    let chat = store.create_chat("t", None, None).unwrap();
    let streaming = store.begin_reply(&chat.id, "m").unwrap();
    for err in [
        store.begin_swipe(&streaming.id, "m").unwrap_err(),
        store.select_swipe(&streaming.id, 0).unwrap_err(),
        store.edit_message(&streaming.id, "x").unwrap_err(),
        store.delete_message(&streaming.id).unwrap_err(),
        store.resume_reply(&streaming.id).unwrap_err(),
    ] {
        assert!(
            err.message.contains("still being written")
                || err.message.contains("not being written"),
            "{}",
            err.message
        );
    }
}

#[test]
fn edits_deletes_and_continuing_a_reply() {
    let (_dir, store) = store();
    let (chat, reply) = chat_with_reply(&store, "Tell me a story.", "Once upon");
    let edited = store.edit_message(&reply.id, "Once upon a time").unwrap();
    assert_eq!(edited.content, "Once upon a time");
    let resumed = store.resume_reply(&reply.id).unwrap();
    assert_eq!(
        (resumed.content.as_str(), resumed.state),
        ("Once upon a time", MessageState::Streaming)
    );
    store
        .finish_reply(
            &reply.id,
            "Once upon a time, there was a fox.",
            None,
            MessageState::Complete,
            None,
            None,
        )
        .unwrap();
    assert!(store.delete_message(&reply.id).unwrap());
    assert!(!store.delete_message(&reply.id).unwrap());
    let left = store.messages(&chat).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].role, Role::User);
    // A message appended after a delete still goes last.
    let next = store.append_message(&chat, Role::User, "again").unwrap();
    assert!(next.seq > left[0].seq);
}

#[test]
fn a_branch_copies_the_history_up_to_a_message_with_its_swipes() {
    let (_dir, store) = store();
    let (chat, reply) = chat_with_reply(&store, "Q1", "A1");
    let swipe = store.begin_swipe(&reply.id, "m").unwrap();
    store
        .finish_reply(
            &swipe.id,
            "A1 again",
            None,
            MessageState::Complete,
            None,
            None,
        )
        .unwrap();
    store.append_message(&chat, Role::User, "Q2").unwrap();

    let branch = store.branch_chat(&chat, &reply.id, None).unwrap();
    assert_ne!(branch.id, chat);
    assert_eq!(branch.title, "Q1 — branch at message 2");
    assert_eq!(branch.branch_of.as_ref().map(|b| &b.parent_id), Some(&chat));
    assert_eq!(branch.message_count, 2);
    let copied = store.messages(&branch.id).unwrap();
    assert_eq!(
        copied
            .iter()
            .map(|m| m.content.as_str())
            .collect::<Vec<_>>(),
        ["Q1", "A1 again"]
    );
    assert_ne!(copied[1].id, reply.id);
    assert_eq!(store.swipes(&copied[1].id).unwrap(), ["A1", "A1 again"]);
    // The branch is its own chat: changing it leaves the original alone.
    store.select_swipe(&copied[1].id, 0).unwrap();
    assert_eq!(
        store.message(&reply.id).unwrap().unwrap().content,
        "A1 again"
    );
    assert_eq!(store.messages(&chat).unwrap().len(), 3);
}

#[test]
fn history_comes_in_pages_oldest_first() {
    let (_dir, store) = store();
    let chat = store.create_chat("long", None, None).unwrap();
    for i in 0..250 {
        store
            .append_message(&chat.id, Role::User, &format!("m{i}"))
            .unwrap();
    }
    let last = store.messages_page(&chat.id, None, 100).unwrap();
    assert_eq!(last.len(), 100);
    assert_eq!(
        (last[0].content.as_str(), last[99].content.as_str()),
        ("m150", "m249")
    );
    let before = store
        .messages_page(&chat.id, Some(last[0].seq), 100)
        .unwrap();
    assert_eq!(
        (before[0].content.as_str(), before[99].content.as_str()),
        ("m50", "m149")
    );
    let first = store
        .messages_page(&chat.id, Some(before[0].seq), 100)
        .unwrap();
    assert_eq!(first.len(), 50);
    assert_eq!(first[0].content, "m0");
    assert!(store
        .messages_page(&chat.id, Some(0), 100)
        .unwrap()
        .is_empty());
}

/// The contents of a page, for comparing.
fn texts(page: &[StoredMessage]) -> Vec<String> {
    page.iter().map(|m| m.content.clone()).collect()
}

/// `m{from}` to `m{to}`, both included.
fn numbered(from: usize, to: usize) -> Vec<String> {
    (from..=to).map(|i| format!("m{i}")).collect()
}

#[test]
fn a_page_opens_around_any_message_and_pages_after_it_follow() {
    let (_dir, store) = store();
    let chat = store.create_chat("long", None, None).unwrap();
    let ids: Vec<_> = (0..250)
        .map(|i| {
            store
                .append_message(&chat.id, Role::User, &format!("m{i}"))
                .unwrap()
                .id
        })
        .collect();
    // In the middle: half before, the message and the rest after.
    let around = store.messages_around(&chat.id, &ids[120], 100).unwrap();
    assert_eq!(texts(&around), numbered(70, 169));
    // The first message: everything from it on.
    let first = store.messages_around(&chat.id, &ids[0], 100).unwrap();
    assert_eq!(texts(&first), numbered(0, 99));
    // Near the start: what is missing before comes after.
    let early = store.messages_around(&chat.id, &ids[10], 100).unwrap();
    assert_eq!(texts(&early), numbered(0, 99));
    // The last message, and near the end: what is missing after comes before.
    let last = store.messages_around(&chat.id, &ids[249], 100).unwrap();
    assert_eq!(texts(&last), numbered(150, 249));
    let late = store.messages_around(&chat.id, &ids[230], 100).unwrap();
    assert_eq!(texts(&late), numbered(150, 249));
    // An odd limit, and a limit of one.
    let odd = store.messages_around(&chat.id, &ids[120], 5).unwrap();
    assert_eq!(texts(&odd), numbered(118, 122));
    let one = store.messages_around(&chat.id, &ids[120], 1).unwrap();
    assert_eq!(texts(&one), ["m120"]);

    // The pages after, oldest first, up to the end.
    let mut after = around.last().unwrap().seq;
    let mut seen = texts(&around);
    loop {
        let page = store.messages_after(&chat.id, after, 100).unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.windows(2).all(|w| w[0].seq < w[1].seq));
        assert!(page[0].seq > after);
        after = page.last().unwrap().seq;
        seen.extend(texts(&page));
    }
    assert_eq!(seen, numbered(70, 249));
    assert_eq!(
        texts(&store.messages_after(&chat.id, -1, 3).unwrap()),
        numbered(0, 2)
    );
}

#[test]
fn a_page_around_a_message_in_a_short_chat_is_the_whole_chat() {
    let (_dir, store) = store();
    let chat = store.create_chat("short", None, None).unwrap();
    let ids: Vec<_> = (0..3)
        .map(|i| {
            store
                .append_message(&chat.id, Role::User, &format!("m{i}"))
                .unwrap()
                .id
        })
        .collect();
    for id in &ids {
        let page = store.messages_around(&chat.id, id, 100).unwrap();
        assert_eq!(texts(&page), numbered(0, 2));
    }
    assert!(store
        .messages_after(&chat.id, ids.len() as i64, 100)
        .unwrap()
        .is_empty());
    // A deleted message leaves a gap in `seq`; the pages skip it.
    store.delete_message(&ids[1]).unwrap();
    let page = store.messages_around(&chat.id, &ids[2], 100).unwrap();
    assert_eq!(texts(&page), ["m0", "m2"]);
    assert_eq!(
        texts(&store.messages_after(&chat.id, 0, 100).unwrap()),
        ["m2"]
    );
}

#[test]
fn a_page_around_a_message_of_another_chat_is_refused_naming_it() {
    let (_dir, store) = store();
    let (chat, _) = chat_with_reply(&store, "Here?", "Yes.");
    let (_, elsewhere) = chat_with_reply(&store, "There?", "No.");
    let err = store
        .messages_around(&chat, &elsewhere.id, 100)
        .unwrap_err();
    assert_eq!(err.kind, switchboard_core::error::ErrorKind::InvalidRequest);
    assert!(
        err.message.contains(elsewhere.id.as_str()),
        "{}",
        err.message
    );
    assert!(err.message.contains("in this chat"), "{}", err.message);
    let missing = switchboard_core::model::MessageId("no-such-message".into());
    let err = store.messages_around(&chat, &missing, 100).unwrap_err();
    assert!(err.message.contains("no-such-message"), "{}", err.message);
}

#[test]
fn the_chat_list_pins_renames_and_deletes_with_undo() {
    let (_dir, store) = store();
    let a = store.create_chat("a", None, None).unwrap();
    // Not synchronisation: "b" must be updated later than "a" for the newest-first order.
    std::thread::sleep(std::time::Duration::from_millis(5));
    let b = store.create_chat("b", None, None).unwrap();
    let titles = |store: &Store| -> Vec<String> {
        store
            .chats()
            .unwrap()
            .into_iter()
            .map(|c| c.title)
            .collect()
    };
    assert_eq!(titles(&store), ["b", "a"]);
    store.pin_chat(&a.id, true).unwrap();
    assert_eq!(titles(&store), ["a", "b"]);
    assert!(store.chats().unwrap()[0].pinned);
    store.rename_chat(&b.id, "  Bee  ").unwrap();
    assert_eq!(titles(&store), ["a", "Bee"]);
    assert!(store.rename_chat(&b.id, " ").is_err());
    assert_eq!(store.find_chat("bee").unwrap().unwrap().id, b.id);
    assert_eq!(store.find_chat(a.id.as_str()).unwrap().unwrap().title, "a");

    assert!(store.delete_chat(&a.id).unwrap());
    assert_eq!(titles(&store), ["Bee"]);
    assert!(store.chat(&a.id).unwrap().is_none());
    assert!(store.restore_chat(&a.id).unwrap());
    assert_eq!(titles(&store), ["a", "Bee"]);
    store.append_message(&a.id, Role::User, "kept").unwrap();
    store.delete_chat(&a.id).unwrap();
    // Purging removes the deleted chat for good, with its messages.
    assert_eq!(store.purge_deleted(i64::MAX).unwrap(), 1);
    assert!(!store.restore_chat(&a.id).unwrap());
    assert!(store.messages(&a.id).unwrap().is_empty());
}

#[test]
fn a_chat_is_named_by_its_id_its_title_or_the_start_of_its_id() {
    let (_dir, store) = store();
    let a = store.create_chat("Lantern notes", None, None).unwrap();
    let start = &a.id.as_str()[..8];
    assert_eq!(store.lookup_chat(start).unwrap().id, a.id);
    assert_eq!(store.lookup_chat(&start.to_uppercase()).unwrap().id, a.id);
    assert_eq!(store.lookup_chat(a.id.as_str()).unwrap().id, a.id);
    assert_eq!(store.lookup_chat("lantern NOTES").unwrap().id, a.id);
    // A title that looks like the start of another chat's id names the titled chat.
    let b = store.create_chat(start, None, None).unwrap();
    assert_eq!(store.lookup_chat(start).unwrap().id, b.id);
    store.rename_chat(&b.id, "Other").unwrap();
    // Fewer than 4 characters, other characters, a deleted chat: not a start of an id.
    let long = "a".repeat(120_000);
    for key in [&a.id.as_str()[..3], "zzzz", "%%%%", &long] {
        let err = store.lookup_chat(key).unwrap_err();
        assert_eq!(err.kind, switchboard_core::ErrorKind::InvalidRequest);
        assert!(
            err.message.starts_with("There is no chat"),
            "{}",
            err.message
        );
    }
    store.delete_chat(&a.id).unwrap();
    assert!(store.lookup_chat(start).is_err());
    assert!(store.chats_by_id_prefix(start).unwrap().is_empty());
    store.restore_chat(&a.id).unwrap();
    assert_eq!(store.chats_by_id_prefix(start).unwrap().len(), 1);
}

#[test]
fn deleting_is_undoable_until_the_store_is_opened_again() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let store = Store::open(dir.path()).unwrap();
        let chat = store.create_chat("bye", None, None).unwrap();
        store.delete_chat(&chat.id).unwrap();
        chat.id
    };
    let store = Store::open(dir.path()).unwrap();
    assert!(!store.restore_chat(&id).unwrap());
    assert!(store.chats().unwrap().is_empty());
}

/// The hits of `query`, as (chat title, whether a message matched).
fn found(store: &Store, query: &str) -> Vec<(String, bool)> {
    store
        .search(query, 50)
        .unwrap()
        .into_iter()
        .map(|h| (h.chat_title, h.message_id.is_some()))
        .collect()
}

#[test]
fn search_wants_every_word_in_any_order_across_punctuation_and_case() {
    let (_dir, store) = store();
    chat_with_reply(&store, "Arrivals", "Welcome, traveller! The inn is warm.");
    chat_with_reply(&store, "Departures", "Farewell, traveller.");
    let greeting = vec![("Arrivals".to_string(), true)];
    assert_eq!(found(&store, "welcome traveller"), greeting);
    assert_eq!(found(&store, "traveller welcome"), greeting);
    assert_eq!(found(&store, "  TRAVELLER\tWelcome  "), greeting);
    // Parts of words: every word still has to be there.
    assert_eq!(found(&store, "come travel"), greeting);
    assert!(found(&store, "welcome stranger").is_empty());
    assert_eq!(found(&store, "traveller").len(), 2);
    // The same word twice is asked once.
    assert_eq!(found(&store, "welcome WELCOME"), greeting);
}

#[test]
fn search_finds_short_words_and_cjk_with_long_ones_or_alone() {
    let (_dir, store) = store();
    chat_with_reply(&store, "Dates", "ISO 8601: 2024-05-01 is a date.");
    chat_with_reply(&store, "Japanese", "日本語の文法について説明します。");
    chat_with_reply(&store, "French", "Écoute: ça va très bien.");
    // Short words (fewer than 3 characters) alone and beside long ones.
    assert_eq!(found(&store, "is iso"), [("Dates".to_string(), true)]);
    assert_eq!(found(&store, "05 date"), [("Dates".to_string(), true)]);
    assert!(found(&store, "zz date").is_empty());
    assert_eq!(found(&store, "is 8601 a"), [("Dates".to_string(), true)]);
    // CJK: one- and two-character words, several words, a longer one.
    assert_eq!(found(&store, "日本"), [("Japanese".to_string(), true)]);
    assert_eq!(found(&store, "文法 日本"), [("Japanese".to_string(), true)]);
    assert_eq!(
        found(&store, "説明します 語"),
        [("Japanese".to_string(), true)]
    );
    assert!(found(&store, "日本 中国").is_empty());
    // Case beyond ASCII, in short and long words.
    assert_eq!(found(&store, "ÇA"), [("French".to_string(), true)]);
    assert_eq!(found(&store, "écoute TRÈS"), [("French".to_string(), true)]);
    // Wildcards and the escape character are text.
    chat_with_reply(&store, "Paths", "snake_case at 100% in C:\\temp");
    let paths = vec![("Paths".to_string(), true)];
    assert_eq!(found(&store, "% _"), paths);
    assert_eq!(found(&store, "\\ case"), paths);
    assert_eq!(found(&store, "e_c 0%"), paths);
    assert!(found(&store, "e%c").is_empty() && found(&store, "a_e").is_empty());
    // Titles need every word too, in any order and case.
    chat_with_reply(&store, "Trip to Kyōto, day 2", "Temples.");
    let trip = "Trip to Kyōto, day 2".to_string();
    assert_eq!(
        found(&store, "KYŌTO trip"),
        [(trip.clone(), false), (trip.clone(), true)]
    );
    assert_eq!(
        found(&store, "2 DAY"),
        [(trip.clone(), false), (trip, true)]
    );
    assert!(found(&store, "kyōto paris").is_empty());
}

/// The snippet of the only message hit of `query`, with the matches in `[` `]`.
fn snippet_of(store: &Store, query: &str) -> String {
    let hits: Vec<_> = store
        .search(query, 50)
        .unwrap()
        .into_iter()
        .filter(|h| h.message_id.is_some())
        .collect();
    assert_eq!(hits.len(), 1, "{query}: {hits:?}");
    bracketed(&hits[0].snippet)
}

#[test]
fn snippets_show_whole_words_with_every_term_marked() {
    let (_dir, store) = store();
    let long = format!(
        "{}The uniqueword-lanternfish glowed in the deep.\nLater, far below, {}the anglerfish WAITED.{}",
        "Filler words before the match. ".repeat(10),
        "and more words between them ".repeat(12),
        " Trailing text after it.".repeat(10)
    );
    chat_with_reply(&store, "Deep sea", &long);

    // The matched word whole, however the trigram index split it; case as written.
    let shown = snippet_of(&store, "LANTERN");
    assert!(shown.contains(" uniqueword-[lantern]fish "), "{shown}");
    assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
    // Every term marked, each in its own place when they are far apart; no cut words at the
    // edges, line breaks shown as spaces.
    let shown = snippet_of(&store, "waited lantern angler");
    assert!(shown.contains("uniqueword-[lantern]fish glowed"), "{shown}");
    assert!(
        shown.contains(" … "),
        "far-apart words in parts joined by an ellipsis: {shown}"
    );
    assert!(shown.contains("the [angler]fish [WAITED]."), "{shown}");
    assert!(!shown.contains('\n'), "{shown}");
    for word in shown.split([' ', '…']).filter(|w| !w.is_empty()) {
        let bare = word.replace(['[', ']'], "");
        assert!(
            long.contains(&format!("{bare} "))
                || long.contains(&format!(" {bare}"))
                || long.contains(&format!("{bare}\n")),
            "cut word {word:?} in {shown}"
        );
    }
    // The structure: runs of text, the matched ones flagged.
    let hits = store.search("angler lantern", 5).unwrap();
    let marked: Vec<&str> = hits[0]
        .snippet
        .iter()
        .filter(|p| p.matched)
        .map(|p| p.text.as_str())
        .collect();
    assert_eq!(marked, ["lantern", "angler"]);
    assert!(hits[0]
        .snippet
        .windows(2)
        .all(|w| w[0].matched != w[1].matched));

    // CJK (no spaces) and short terms are marked too.
    chat_with_reply(&store, "Grammar", "日本語の文法について説明します。");
    assert_eq!(
        snippet_of(&store, "文法 日本"),
        "[日本]語の[文法]について説明します。"
    );
    chat_with_reply(&store, "Units", "It weighs 5 kg, roughly.");
    assert_eq!(snippet_of(&store, "KG it"), "[It] weighs 5 [kg], roughly.");
}

#[test]
fn title_hits_mark_every_term_in_the_whole_title() {
    let (_dir, store) = store();
    store
        .create_chat("Welcome, traveller: notes", None, None)
        .unwrap();
    let hits = store.search("traveller WELCOME", 5).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(
        hits[0].snippet,
        [
            SnippetPart {
                text: "Welcome".into(),
                matched: true
            },
            SnippetPart {
                text: ", ".into(),
                matched: false
            },
            SnippetPart {
                text: "traveller".into(),
                matched: true
            },
            SnippetPart {
                text: ": notes".into(),
                matched: false
            },
        ]
    );
}

#[test]
fn search_finds_titles_and_text_in_any_script_but_not_deleted_chats() {
    let (_dir, store) = store();
    let (rust, _) = chat_with_reply(
        &store,
        "Rust lifetimes",
        "Borrowing explained: 借用 and ownership.",
    );
    let (_, _) = chat_with_reply(&store, "Cooking", "A recipe with Crème fraîche.");
    let (gone, _) = chat_with_reply(&store, "Secret plans", "ownership of the moon");

    let hits = store.search("OWNER", 10).unwrap();
    let chats: Vec<&str> = hits.iter().map(|h| h.chat_title.as_str()).collect();
    assert!(
        chats.contains(&"Rust lifetimes") && chats.contains(&"Secret plans"),
        "{hits:?}"
    );
    let hit = hits.iter().find(|h| h.chat_id == rust).unwrap();
    assert!(hit.message_id.is_some());
    let shown = bracketed(&hit.snippet);
    assert!(shown.contains("[owner]ship"), "{shown}");

    // Substrings, accents and CJK.
    assert_eq!(store.search("fraîche", 10).unwrap().len(), 1);
    assert_eq!(store.search("借用", 10).unwrap()[0].chat_id, rust);
    // A title match.
    let title = store.search("lifetimes", 10).unwrap();
    assert!(title
        .iter()
        .any(|h| h.chat_id == rust && h.message_id.is_none()));
    // Edits are searchable; deleted chats are not.
    let reply = &store.messages(&rust).unwrap()[1];
    store.edit_message(&reply.id, "Now about traits.").unwrap();
    assert!(store.search("借用", 10).unwrap().is_empty());
    assert_eq!(store.search("traits", 10).unwrap()[0].chat_id, rust);
    store.delete_chat(&gone).unwrap();
    assert!(store.search("moon", 10).unwrap().is_empty());
    // Quotes and operators are text, not query syntax.
    assert!(store.search("\"a OR b\" NEAR(", 10).unwrap().is_empty());
    assert!(store.search("  ", 10).unwrap().is_empty());
    assert!(store.search("%", 10).unwrap().is_empty());
}

#[test]
fn a_chat_survives_archive_and_import_with_its_swipes_and_names() {
    let (_dir, store) = store();
    let archive = ChatArchive {
        id: None,
        title: "Imported".into(),
        created_at: 1_700_000_000_000,
        user_name: Some("Alice".into()),
        character_name: Some("Bob".into()),
        model: Some("m".into()),
        messages: vec![
            ArchivedMessage {
                role: Role::User,
                name: Some("Alice".into()),
                content: "Hi Bob".into(),
                sent_at: 1_700_000_000_100,
                ..ArchivedMessage::default()
            },
            ArchivedMessage {
                role: Role::Assistant,
                name: Some("Bob".into()),
                content: "Hello!".into(),
                swipes: vec!["Hey.".into(), "Hello!".into(), "Yo.".into()],
                swipe_index: 1,
                sent_at: 1_700_000_000_200,
                model: Some("m".into()),
                reasoning: Some("greet".into()),
                provider_data: None,
                attachments: Vec::new(),
                sources: Vec::new(),
                extra: serde_json::from_str(r#"{"force_avatar":"bob.png"}"#).unwrap(),
            },
        ],
        extra: serde_json::from_str(r#"{"chat_metadata":{"note":"kept"}}"#).unwrap(),
    };
    let chat = store.import_archive(&archive).unwrap();
    assert_eq!((chat.title.as_str(), chat.message_count), ("Imported", 2));
    let messages = store.messages(&chat.id).unwrap();
    assert_eq!(messages[1].name.as_deref(), Some("Bob"));
    assert_eq!((messages[1].swipe_index, messages[1].swipe_count), (1, 3));
    assert_eq!(
        store.swipes(&messages[1].id).unwrap(),
        ["Hey.", "Hello!", "Yo."]
    );
    // Read back, it carries the id it was saved under (a new one: the import is a new chat).
    let read = store.archive(&chat.id).unwrap();
    assert_eq!(read.id.as_ref(), Some(&chat.id));
    assert_eq!(
        read,
        ChatArchive {
            id: Some(chat.id.clone()),
            ..archive
        }
    );
}

/// Run as a child process by `a_writer_killed_mid_write_loses_nothing_committed`: writes
/// messages (each in its own transaction, some with swipes) as fast as it can, printing how
/// many are committed after each, until it is killed.
#[test]
fn writer_child() {
    let Ok(dir) = std::env::var("SWITCHBOARD_STORE_WRITER_DIR") else {
        return;
    };
    let round = std::env::var("SWITCHBOARD_STORE_WRITER_ROUND").unwrap_or_default();
    let store = Store::open(std::path::Path::new(&dir)).unwrap();
    let chat = store
        .create_chat(&format!("crash {round}"), None, None)
        .unwrap();
    let mut out = std::io::stdout().lock();
    for i in 0u64.. {
        use std::io::Write;
        if i % 2 == 0 {
            store
                .append_message(
                    &chat.id,
                    Role::User,
                    &format!("question {i} {}", "x".repeat(2000)),
                )
                .unwrap();
        } else {
            let reply = store.begin_reply(&chat.id, "m").unwrap();
            store
                .finish_reply(
                    &reply.id,
                    &format!("answer {i}"),
                    None,
                    MessageState::Complete,
                    None,
                    None,
                )
                .unwrap();
            if i % 7 == 1 {
                let swipe = store.begin_swipe(&reply.id, "m").unwrap();
                store
                    .save_reply_progress(&swipe.id, "partial", None)
                    .unwrap();
            }
        }
        writeln!(out, "{}", i + 1).unwrap();
        out.flush().unwrap();
    }
}

/// SIGKILL a process in the middle of writing: on reopening, the database passes SQLite's
/// integrity check, every write the child reported as committed is there, and the reply it was
/// writing is marked interrupted.
#[test]
fn a_writer_killed_mid_write_loses_nothing_committed() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    for round in 0..3 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "writer_child", "--nocapture", "--test-threads=1"])
            .env("SWITCHBOARD_STORE_WRITER_DIR", dir.path())
            .env("SWITCHBOARD_STORE_WRITER_ROUND", round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut committed = 0u64;
        // Let it write a while (a different amount each round), then kill it mid-stride.
        while committed < 150 + round * 97 {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Ok(n) = line.trim().parse() {
                        committed = n;
                    }
                }
                _ => panic!("the writer stopped by itself after {committed}"),
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();

        let store = Store::open(dir.path()).unwrap();
        let check: String = rusqlite::Connection::open(dir.path().join("switchboard.db"))
            .unwrap()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "round {round}");
        let chats = store.chats().unwrap();
        let chat = chats
            .iter()
            .find(|c| c.title == format!("crash {round}"))
            .unwrap();
        let messages = store.messages(&chat.id).unwrap();
        assert!(
            messages.len() as u64 >= committed,
            "round {round}: {} messages, {committed} reported committed",
            messages.len()
        );
        assert!(
            messages.iter().all(|m| m.state != MessageState::Streaming),
            "round {round}: a reply still streaming"
        );
        // Full-text search still agrees with the table after the crash.
        assert!(!store.search("question", 5).unwrap().is_empty());
        // The earlier rounds' chats are intact too.
        assert_eq!(chats.len() as u64, round + 1);
    }
}
