//! A long chat in the store, against the budget of design.md §7 (a 10,000-message chat opens to
//! first paint in < 300 ms; the store's share is loading the first page).
//!
//! `cargo bench -p switchboard-core --bench history` builds a 10,000-message chat (with a few
//! swipes) in a fresh SQLite database, then prints the median of 7 runs of: opening the store,
//! listing the chats, loading the latest page of 100 messages, loading a page from the middle,
//! loading the whole history (what the engine sends a text-completion backend before fitting),
//! and full-text searches for a rare word, a common word and a short (scanned) query.
#![allow(clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use switchboard_core::model::{MessageState, Role};
use switchboard_core::store::{Store, PAGE_SIZE};

const MESSAGES: usize = 10_000;
const RUNS: usize = 7;
const WORDS: &[&str] = &[
    "kobold",
    "horde",
    "lantern",
    "river",
    "compile",
    "garden",
    "stream",
    "token",
    "window",
    "keychain",
    "swipe",
    "branch",
    "日本語",
    "héllo",
    "prompt",
    "server",
];

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort_unstable();
    runs[runs.len() / 2]
}

fn time<T>(what: &str, budget: Option<&str>, mut run: impl FnMut() -> T) {
    let mut runs = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        black_box(run());
        runs.push(started.elapsed());
    }
    let ms = median(runs).as_secs_f64() * 1e3;
    match budget {
        Some(budget) => println!("{what:<52} {ms:>9.2} ms   (budget {budget})"),
        None => println!("{what:<52} {ms:>9.2} ms"),
    }
}

fn text(i: usize) -> String {
    let mut out = format!("Message {i}: ");
    for k in 0..40 {
        out.push_str(WORDS[(i * 7 + k * 3) % WORDS.len()]);
        out.push(' ');
    }
    if i == MESSAGES / 2 {
        out.push_str("zanzibar");
    }
    out
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let build = Instant::now();
    let chat = {
        let store = Store::open(dir.path()).expect("store");
        let chat = store
            .create_chat("long chat", None, Some("m"))
            .expect("chat");
        for i in 0..MESSAGES {
            if i % 2 == 0 {
                store
                    .append_message(&chat.id, Role::User, &text(i))
                    .expect("append");
            } else {
                let reply = store.begin_reply(&chat.id, "m").expect("reply");
                store
                    .finish_reply(
                        &reply.id,
                        &text(i),
                        None,
                        MessageState::Complete,
                        None,
                        None,
                    )
                    .expect("finish");
                if i % 500 == 1 {
                    let swipe = store.begin_swipe(&reply.id, "m").expect("swipe");
                    store
                        .finish_reply(
                            &swipe.id,
                            &text(i + 1),
                            None,
                            MessageState::Complete,
                            None,
                            None,
                        )
                        .expect("finish swipe");
                }
            }
        }
        chat
    };
    println!(
        "built a {MESSAGES}-message chat in {:.1} s (one write per message, as a chat grows)\n",
        build.elapsed().as_secs_f64()
    );

    time("open the store (schema check, recovery)", None, || {
        Store::open(dir.path()).expect("store")
    });
    let store = Store::open(dir.path()).expect("store");
    time("list the chats", None, || store.chats().expect("chats"));
    time(
        &format!("latest page ({PAGE_SIZE} messages)"),
        Some("< 300 ms to first paint, all included"),
        || {
            let page = store
                .messages_page(&chat.id, None, PAGE_SIZE)
                .expect("page");
            assert_eq!(page.len(), PAGE_SIZE);
            page
        },
    );
    time(
        &format!("a page from the middle ({PAGE_SIZE} messages)"),
        None,
        || {
            store
                .messages_page(&chat.id, Some((MESSAGES / 2) as i64), PAGE_SIZE)
                .expect("page")
        },
    );
    time(
        &format!("the whole history ({MESSAGES} messages)"),
        None,
        || store.messages(&chat.id).expect("messages"),
    );
    time("search a rare word (\"zanzibar\", FTS5)", None, || {
        let hits = store.search("zanzibar", 50).expect("search");
        assert_eq!(hits.len(), 1);
        hits
    });
    time(
        "search a common word (\"lantern\", FTS5, 50 hits)",
        None,
        || store.search("lantern", 50).expect("search"),
    );
    time(
        "search a 2-character query (\"日本\", scanned)",
        None,
        || store.search("日本", 50).expect("search"),
    );
}
