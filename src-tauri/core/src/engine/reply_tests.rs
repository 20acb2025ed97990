//! The reply task on paused time: the coalescing window, the size cap and the save cadence as
//! the task keeps them, with a real store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use futures::channel::mpsc::{unbounded, UnboundedSender};
use tokio::sync::mpsc::error::TryRecvError;
use tokio::time::Instant;

use super::*;
use crate::model::ChatEvent;

const MS: Duration = Duration::from_millis(1);

struct Running {
    _dir: tempfile::TempDir,
    store: Store,
    reply: StoredMessage,
    feed: UnboundedSender<Result<StreamEvent>>,
    events: mpsc::Receiver<ChatEvent>,
}

impl Running {
    fn push(&self, event: StreamEvent) {
        self.feed.unbounded_send(Ok(event)).unwrap();
    }

    fn saved(&self) -> String {
        self.store.message(&self.reply.id).unwrap().unwrap().content
    }

    /// Waits for a save in flight (on the blocking pool, which holds paused time still while it
    /// runs) to leave `text` in the store.
    async fn saved_as(&self, text: &str) {
        let started = std::time::Instant::now();
        while self.saved() != text {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(10),
                "never saved as {text:?}"
            );
            tokio::task::yield_now().await;
        }
    }

    /// The next event (waiting for it on paused time).
    async fn next(&mut self) -> ChatEvent {
        self.events.recv().await.expect("an event")
    }

    /// Lets the task run until it waits for time or input; nothing may be ready then.
    async fn quiet(&mut self) {
        tokio::task::yield_now().await;
        assert!(matches!(self.events.try_recv(), Err(TryRecvError::Empty)));
    }
}

/// A reply task writing from a stream this test feeds, its `Started` event read.
async fn start() -> Running {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let chat = store.create_chat("t", None, Some("m")).unwrap();
    let reply = store.begin_reply(&chat.id, "m").unwrap();
    let generations = Arc::new(Generations::default());
    let id = GenerationId::new();
    let token = generations.register(&id);
    let (tx, events) = mpsc::channel(256);
    let (feed, stream) = unbounded();
    let task = GenerationTask {
        prefill: None,
        reply: reply.clone(),
        fit: None,
        previous_version: None,
        stops: Vec::new(),
        id,
        chat_id: chat.id,
        model: "m".into(),
        store: store.clone(),
        generations,
        token,
        tx,
    };
    tokio::spawn(task.write(move |_| stream.boxed()));
    let mut running = Running {
        _dir: dir,
        store,
        reply,
        feed,
        events,
    };
    assert!(matches!(running.next().await, ChatEvent::Started { .. }));
    running
}

fn delta(text: &str) -> ChatEvent {
    ChatEvent::Delta { text: text.into() }
}

#[tokio::test(start_paused = true)]
async fn deltas_go_out_a_window_after_the_first_held_back() {
    let w = COALESCE_WINDOW;
    let mut run = start().await;
    let t0 = Instant::now();
    run.push(StreamEvent::Delta("a".into()));
    tokio::time::sleep(w / 2).await;
    run.push(StreamEvent::Delta("b".into()));
    // Just before the window closes nothing has gone out yet.
    tokio::time::sleep(w - w / 2 - MS).await;
    run.quiet().await;
    assert_eq!(run.next().await, delta("ab"));
    assert_eq!(t0.elapsed(), w);
    // Two kilobytes go out at once.
    let t1 = Instant::now();
    run.push(StreamEvent::Delta("x".repeat(COALESCE_BYTES)));
    assert_eq!(run.next().await, delta(&"x".repeat(COALESCE_BYTES)));
    assert_eq!(t1.elapsed(), Duration::ZERO);
    run.push(StreamEvent::Done(StopReason::Stop));
    assert!(matches!(run.next().await, ChatEvent::Finished { .. }));
}

#[tokio::test(start_paused = true)]
async fn the_reply_is_saved_a_second_after_the_last_save_once_it_grew() {
    let mut run = start().await;
    let t0 = Instant::now();
    run.push(StreamEvent::Delta("a".into()));
    assert_eq!(run.next().await, delta("a"));
    // Sent, but not saved before a second has passed.
    tokio::time::sleep_until(t0 + 999 * MS).await;
    run.quiet().await;
    assert_eq!(run.saved(), "");
    tokio::time::sleep_until(t0 + SAVE_INTERVAL).await;
    run.push(StreamEvent::Delta("b".into()));
    assert_eq!(run.next().await, delta("b"));
    assert_eq!(t0.elapsed(), SAVE_INTERVAL + COALESCE_WINDOW);
    run.saved_as("ab").await;
    assert_eq!(t0.elapsed(), SAVE_INTERVAL + COALESCE_WINDOW);
    // Nothing new: nothing saved, however long the wait.
    tokio::time::sleep(5 * SAVE_INTERVAL).await;
    run.quiet().await;
    run.push(StreamEvent::Delta("c".into()));
    assert_eq!(run.next().await, delta("c"));
    // The last save was more than a second ago: this one is saved at once.
    run.saved_as("abc").await;
    run.push(StreamEvent::Done(StopReason::Stop));
    assert!(matches!(run.next().await, ChatEvent::Finished { .. }));
    assert_eq!(run.saved(), "abc");
}

#[test]
fn refusals_marked_as_over_long_say_so_and_others_are_left_alone() {
    let fit = ContextFit {
        dropped: 0,
        context_size: 4096,
        prompt_tokens: 1000,
        reply_tokens: 300,
    };
    let refused = |context_size| {
        Error::new(ErrorKind::InvalidRequest, "the server refused it.")
            .with_status(400)
            .with_detail("the server's words")
            .with_reason(ErrorReason::ContextExceeded { context_size })
    };
    // The server's own number wins over the size the prompt was fitted to.
    for (stated, size) in [(Some(2048), 2048), (None, 4096)] {
        let error = context_overflow(refused(stated), Some(fit), true);
        assert_eq!(
            error.message,
            format!("This conversation is longer than the model's context ({size} tokens).")
        );
        assert_eq!(
            (error.status, error.detail.as_deref(), error.reason),
            (
                Some(400),
                Some("the server's words"),
                Some(ErrorReason::ContextExceeded {
                    context_size: Some(size)
                })
            )
        );
    }
    assert_eq!(
        context_overflow(refused(None), None, true).message,
        "This conversation is longer than the model's context."
    );
    // Not marked: as it was, whatever its words.
    let other = Error::new(ErrorKind::InvalidRequest, "context length exceeded").with_status(400);
    assert_eq!(context_overflow(other.clone(), Some(fit), true), other);
    // A dropped connection means it only when the prompt filled the context and no text came.
    let dropped = Error::new(ErrorKind::Network, "The server closed the connection.");
    assert_eq!(context_overflow(dropped.clone(), Some(fit), true), dropped);
    let full = ContextFit {
        prompt_tokens: 3900,
        ..fit
    };
    assert_eq!(
        context_overflow(dropped.clone(), Some(full), true).message,
        "This conversation is longer than the model's context (4096 tokens)."
    );
    assert_eq!(
        context_overflow(dropped.clone(), Some(full), false),
        dropped
    );
    assert_eq!(context_overflow(dropped.clone(), None, true), dropped);
}
