//! The reply being written, as a state machine without IO or clock: it takes the reply's text
//! and reasoning as they stream, each with the time it arrived, and says what to do — which
//! coalesced events go out now (at most [`COALESCE_WINDOW`] after the first one held back, or
//! at once when [`COALESCE_BYTES`] are held), when the reply is due to be saved (every
//! [`SAVE_INTERVAL`] while it grows), where a stop string cuts it (text completion) and when it
//! has grown past [`MAX_REPLY_BYTES`].
//!
//! The task in `reply.rs` drives it: it reads the provider's stream, passes the clock's time
//! in, sends the events, sleeps until [`ReplyBuffer::deadline`] and saves.
//!
//! Must not: read a clock, sleep, send or save (the driver does); lose text held back for
//! coalescing or for a possible stop string; send reasoning and text out of order.

use std::time::{Duration, Instant};

use crate::model::ChatEvent;
use crate::prompt::instruct::StopTrimmer;

/// How long deltas are held back to be sent together.
pub const COALESCE_WINDOW: Duration = Duration::from_millis(16);
/// How much text is held back at most before it is sent.
pub const COALESCE_BYTES: usize = 2048;
/// The longest reply (text and reasoning) kept; a stream that goes on past it is stopped.
pub const MAX_REPLY_BYTES: usize = 32 * 1024 * 1024;
/// How often a streaming reply is saved.
pub const SAVE_INTERVAL: Duration = Duration::from_secs(1);

/// Whether the reply goes on after a piece of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    /// More may follow.
    Go,
    /// A stop string ended the reply; the rest of the stream is not wanted.
    Stopped,
}

/// The reply so far, to be saved while it streams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Snapshot {
    pub(super) text: String,
    pub(super) reasoning: Option<String>,
}

impl Snapshot {
    /// Its size in bytes (text and reasoning).
    pub(super) fn len(&self) -> usize {
        self.text.len() + self.reasoning.as_deref().map_or(0, str::len)
    }
}

/// The reply's text, reasoning, what is held back, and when it was last saved.
pub(super) struct ReplyBuffer {
    text: String,
    reasoning: String,
    /// Text and reasoning held back for coalescing (at most one kind at a time).
    pending_text: String,
    pending_reasoning: String,
    /// When the oldest piece held back arrived.
    since: Option<Instant>,
    /// Events ready to go out, in order.
    ready: Vec<ChatEvent>,
    trimmer: Option<StopTrimmer>,
    last_save: Instant,
    saved_len: usize,
}

impl ReplyBuffer {
    /// A reply that starts as `text` and `reasoning` (a continued reply grows from what it had),
    /// cut at `stops`, begun (and so far saved) at `now`.
    pub(super) fn new(text: String, reasoning: String, stops: &[String], now: Instant) -> Self {
        let saved_len = text.len() + reasoning.len();
        ReplyBuffer {
            text,
            reasoning,
            pending_text: String::new(),
            pending_reasoning: String::new(),
            since: None,
            ready: Vec::new(),
            trimmer: (!stops.is_empty()).then(|| StopTrimmer::new(stops)),
            last_save: now,
            saved_len,
        }
    }

    /// Text of the reply arrived at `now`.
    pub(super) fn push_text(&mut self, delta: &str, now: Instant) -> Flow {
        // Text completion: cut at a stop string, holding back what may start one.
        let trimmed;
        let delta = match self.trimmer.as_mut() {
            Some(trimmer) => {
                trimmed = trimmer.push(delta);
                if trimmer.stopped() {
                    self.text.push_str(&trimmed);
                    self.pending_text.push_str(&trimmed);
                    return Flow::Stopped;
                }
                trimmed.as_str()
            }
            None => delta,
        };
        if delta.is_empty() {
            return Flow::Go;
        }
        if !self.pending_reasoning.is_empty() {
            self.flush();
        }
        self.text.push_str(delta);
        self.pending_text.push_str(delta);
        self.since.get_or_insert(now);
        self.poll(now);
        Flow::Go
    }

    /// Reasoning arrived at `now`.
    pub(super) fn push_reasoning(&mut self, delta: &str, now: Instant) {
        if delta.is_empty() {
            return;
        }
        if !self.pending_text.is_empty() {
            self.flush();
        }
        self.reasoning.push_str(delta);
        self.pending_reasoning.push_str(delta);
        self.since.get_or_insert(now);
        self.poll(now);
    }

    /// The reply ended normally or not: text held back for a possible stop string is shown
    /// after all (the reply did not get as far as the stop string).
    pub(super) fn release_held(&mut self) {
        if let Some(held) = self.trimmer.as_mut().map(StopTrimmer::finish) {
            self.text.push_str(&held);
            self.pending_text.push_str(&held);
        }
    }

    /// Moves what is held back to the events ready to go out when its window has passed at
    /// `now` or it reached [`COALESCE_BYTES`].
    pub(super) fn poll(&mut self, now: Instant) {
        let full = self.pending_text.len() + self.pending_reasoning.len() >= COALESCE_BYTES;
        if full || self.deadline().is_some_and(|due| now >= due) {
            self.flush();
        }
    }

    /// Moves everything held back to the events ready to go out, reasoning first (it precedes
    /// the text it explains).
    pub(super) fn flush(&mut self) {
        self.since = None;
        if !self.pending_reasoning.is_empty() {
            self.ready.push(ChatEvent::Reasoning {
                text: std::mem::take(&mut self.pending_reasoning),
            });
        }
        if !self.pending_text.is_empty() {
            self.ready.push(ChatEvent::Delta {
                text: std::mem::take(&mut self.pending_text),
            });
        }
    }

    /// The events ready to go out, oldest first.
    pub(super) fn ready(&mut self) -> std::vec::Drain<'_, ChatEvent> {
        self.ready.drain(..)
    }

    /// When what is held back is due to go out.
    pub(super) fn deadline(&self) -> Option<Instant> {
        self.since.map(|since| since + COALESCE_WINDOW)
    }

    /// Whether the reply grew past [`MAX_REPLY_BYTES`].
    pub(super) fn over_cap(&self) -> bool {
        self.text.len() + self.reasoning.len() > MAX_REPLY_BYTES
    }

    /// The reply to save at `now`, when a save is due: [`SAVE_INTERVAL`] after the last one was
    /// tried, and only when the reply changed since the last one that succeeded.
    pub(super) fn save_due(&self, now: Instant) -> Option<Snapshot> {
        let due = now.saturating_duration_since(self.last_save) >= SAVE_INTERVAL
            && self.text.len() + self.reasoning.len() != self.saved_len;
        due.then(|| Snapshot {
            text: self.text.clone(),
            reasoning: non_empty(&self.reasoning),
        })
    }

    /// The save of a snapshot of `len` bytes ended at `now`: the next is due [`SAVE_INTERVAL`]
    /// later whether it succeeded or not (a failed one is tried again then).
    pub(super) fn saved(&mut self, len: usize, ok: bool, now: Instant) {
        if ok {
            self.saved_len = len;
        }
        self.last_save = now;
    }

    /// Whether the reply has no text and no reasoning at all.
    pub(super) fn is_empty(&self) -> bool {
        self.text.is_empty() && self.reasoning.is_empty()
    }

    /// The reply's text and reasoning (`None` when empty) as they stand, and the events still
    /// to go out (all that was held back).
    pub(super) fn finish(mut self) -> (String, Option<String>, Vec<ChatEvent>) {
        self.flush();
        let reasoning = (!self.reasoning.is_empty()).then_some(self.reasoning);
        (self.text, reasoning, self.ready)
    }
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}

#[cfg(test)]
#[path = "reply_buffer_tests.rs"]
mod tests;
