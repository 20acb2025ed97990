//! The running task that writes a reply: it streams the provider's events, coalesces deltas
//! (at most [`COALESCE_WINDOW`] or [`COALESCE_BYTES`] held back), cuts the text at stop strings
//! (text completion), stops a reply past [`MAX_REPLY_BYTES`], saves the reply as it grows
//! (every [`SAVE_INTERVAL`]) and ends with exactly one terminal event, sent only after the
//! final text is saved.
//!
//! Must not: send anything after the terminal event; send the terminal event before the final
//! save; lose text held back for coalescing or for a possible stop string.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::generation::{CancelReason, Generations};
use super::request::Trimmed;
use crate::error::{Error, ErrorKind, Result};
use crate::model::{ChatEvent, ChatId, ChatRequest, GenerationId, MessageState, StopReason};
use crate::prompt::instruct::StopTrimmer;
use crate::provider::{self, StreamEvent};
use crate::store::{Store, StoredMessage};

/// How long deltas are held back to be sent together.
pub const COALESCE_WINDOW: Duration = Duration::from_millis(16);
/// How much text is held back at most before it is sent.
pub const COALESCE_BYTES: usize = 2048;
/// How long a stopped reply's provider may take to tell the server to stop.
pub const ABORT_GRACE: Duration = Duration::from_secs(3);
/// The longest reply (text and reasoning) kept; a stream that goes on past it is stopped.
pub const MAX_REPLY_BYTES: usize = 32 * 1024 * 1024;
/// How often a streaming reply is saved.
pub const SAVE_INTERVAL: Duration = Duration::from_secs(1);

pub(super) struct GenerationTask {
    /// Text the reply starts with (a Claude prefill), shown and saved as part of the reply.
    pub(super) prefill: Option<String>,
    /// The reply being written (new, a new version, or one being continued), as it stands.
    pub(super) reply: StoredMessage,
    /// History left out of a text-completion prompt, told to the person.
    pub(super) trimmed: Option<Trimmed>,
    /// Stop strings cut from the reply as it streams (text completion).
    pub(super) stops: Vec<String>,
    pub(super) id: GenerationId,
    pub(super) chat_id: ChatId,
    pub(super) model: String,
    pub(super) store: Store,
    pub(super) generations: Arc<Generations>,
    pub(super) token: CancellationToken,
    pub(super) tx: mpsc::Sender<ChatEvent>,
}

/// Text held back for coalescing, per kind.
#[derive(Default)]
struct Pending {
    text: String,
    reasoning: String,
    since: Option<Instant>,
}

impl Pending {
    fn len(&self) -> usize {
        self.text.len() + self.reasoning.len()
    }

    fn due(&self) -> Option<Instant> {
        self.since.map(|since| since + COALESCE_WINDOW)
    }

    /// The events to send, reasoning first (it precedes the text it explains).
    fn take(&mut self) -> Vec<ChatEvent> {
        self.since = None;
        let mut events = Vec::with_capacity(2);
        if !self.reasoning.is_empty() {
            events.push(ChatEvent::Reasoning {
                text: std::mem::take(&mut self.reasoning),
            });
        }
        if !self.text.is_empty() {
            events.push(ChatEvent::Delta {
                text: std::mem::take(&mut self.text),
            });
        }
        events
    }
}

/// How the provider stream ended.
enum Ending {
    Finished(StopReason),
    Failed(Error),
    Cancelled,
}

impl GenerationTask {
    async fn blocking<T: Send + 'static>(
        &self,
        call: impl FnOnce(&Store) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || call(&store))
            .await
            .map_err(|err| Error::internal(format!("A database task failed ({err}).")))?
    }

    /// Sends an event; a closed receiver cancels the generation.
    async fn send(&self, event: ChatEvent) {
        if self.tx.send(event).await.is_err() {
            self.generations.cancel(&self.id, CancelReason::Shutdown);
        }
    }

    pub(super) async fn run(self, provider: Box<dyn provider::Provider>, request: ChatRequest) {
        let reply = self.reply.clone();
        self.send(ChatEvent::Started {
            generation_id: self.id.clone(),
            chat_id: self.chat_id.clone(),
            message_id: reply.id.clone(),
            model: self.model.clone(),
            text: reply.content.clone(),
            swipe_index: reply.swipe_index,
            swipe_count: reply.swipe_count,
        })
        .await;
        if let Some(trimmed) = self.trimmed {
            self.send(ChatEvent::HistoryTrimmed {
                dropped: trimmed.dropped,
                context_size: trimmed.context_size,
            })
            .await;
        }
        let mut trimmer = (!self.stops.is_empty()).then(|| StopTrimmer::new(&self.stops));

        // The reply starts with the prefill the model continues, as a person reads it.
        let prefill = self.prefill.clone().map(|p| Ok(StreamEvent::Delta(p)));
        let mut stream =
            futures::stream::iter(prefill).chain(provider.stream(request, self.token.clone()));
        // A continued reply grows from what it had.
        let mut text = reply.content.clone();
        let mut reasoning = reply.reasoning.clone().unwrap_or_default();
        let mut served_by: Option<String> = None;
        let mut pending = Pending::default();
        let mut last_save = Instant::now();
        let mut saved_len = text.len() + reasoning.len();

        let ending = loop {
            let due = pending.due();
            let next = tokio::select! {
                biased;
                _ = self.token.cancelled() => break Ending::Cancelled,
                _ = sleep_until(due), if due.is_some() => None,
                next = stream.next() => Some(next),
            };
            match next {
                None => {}
                Some(None) if self.token.is_cancelled() => break Ending::Cancelled,
                Some(None) => {
                    break Ending::Failed(Error::new(
                        ErrorKind::Protocol,
                        "The reply ended without a finish marker.",
                    ))
                }
                Some(Some(Err(error))) => break Ending::Failed(error),
                Some(Some(Ok(event))) => match event {
                    StreamEvent::Delta(delta) => {
                        // Text completion: cut at a stop string, holding back what may start one.
                        let (delta, stopped) = match trimmer.as_mut() {
                            Some(trimmer) => (trimmer.push(&delta), trimmer.stopped()),
                            None => (delta, false),
                        };
                        if stopped {
                            text.push_str(&delta);
                            pending.text.push_str(&delta);
                            // The rest of the reply is not wanted.
                            break Ending::Finished(StopReason::Stop);
                        }
                        text.push_str(&delta);
                        if !pending.reasoning.is_empty() {
                            for event in pending.take() {
                                self.send(event).await;
                            }
                        }
                        pending.text.push_str(&delta);
                        pending.since.get_or_insert_with(Instant::now);
                    }
                    StreamEvent::Reasoning(delta) => {
                        reasoning.push_str(&delta);
                        if !pending.text.is_empty() {
                            for event in pending.take() {
                                self.send(event).await;
                            }
                        }
                        pending.reasoning.push_str(&delta);
                        pending.since.get_or_insert_with(Instant::now);
                    }
                    StreamEvent::Model(name) => served_by = Some(name),
                    StreamEvent::Usage(usage) => {
                        for event in pending.take() {
                            self.send(event).await;
                        }
                        self.send(ChatEvent::Usage { usage }).await;
                    }
                    StreamEvent::Queued {
                        position,
                        wait_secs,
                    } => {
                        self.send(ChatEvent::Queued {
                            position,
                            wait_secs,
                        })
                        .await;
                    }
                    StreamEvent::Done(reason) => {
                        if let Some(trimmer) = trimmer.as_mut() {
                            let held = trimmer.finish();
                            text.push_str(&held);
                            pending.text.push_str(&held);
                        }
                        break Ending::Finished(reason);
                    }
                },
            }
            if pending.len() >= COALESCE_BYTES
                || pending.due().is_some_and(|due| Instant::now() >= due)
            {
                for event in pending.take() {
                    self.send(event).await;
                }
            }
            if text.len() + reasoning.len() > MAX_REPLY_BYTES {
                break Ending::Failed(Error::new(
                    ErrorKind::Protocol,
                    format!(
                        "The reply grew past {} MB and was stopped; the text received so far is kept.",
                        MAX_REPLY_BYTES / (1024 * 1024)
                    ),
                ));
            }
            if last_save.elapsed() >= SAVE_INTERVAL && text.len() + reasoning.len() != saved_len {
                let (id, t, r) = (reply.id.clone(), text.clone(), non_empty(&reasoning));
                let len = text.len() + reasoning.len();
                // A save that fails (the database busy past its timeout, a full disk) is tried
                // again at the next interval; the reply goes on, and its final save decides.
                match self
                    .blocking(move |store| store.save_reply_progress(&id, &t, r.as_deref()))
                    .await
                {
                    Ok(()) => saved_len = len,
                    Err(error) => tracing::warn!(
                        "could not save reply {} while it streams; trying again in {} ms: {}",
                        reply.id,
                        SAVE_INTERVAL.as_millis(),
                        error.message
                    ),
                }
                last_save = Instant::now();
            }
        };
        if matches!(ending, Ending::Cancelled) {
            // Let the provider tell the server to stop (KoboldCpp's abort, the Horde's cancel).
            let _ = tokio::time::timeout(ABORT_GRACE, async {
                while stream.next().await.is_some() {}
            })
            .await;
        }
        drop(stream);
        if let Some(trimmer) = trimmer
            .as_mut()
            .filter(|_| !matches!(ending, Ending::Finished(_)))
        {
            // Held back in case it began a stop string; the reply did not get that far.
            let held = trimmer.finish();
            text.push_str(&held);
            pending.text.push_str(&held);
        }

        let (state, error, terminal) = match ending {
            Ending::Finished(stop_reason) => (
                MessageState::Complete,
                None,
                ChatEvent::Finished {
                    stop_reason,
                    message_id: reply.id.clone(),
                },
            ),
            Ending::Failed(error) => (
                MessageState::Failed,
                Some(error.clone()),
                ChatEvent::Failed {
                    error,
                    message_id: Some(reply.id.clone()),
                },
            ),
            Ending::Cancelled => (
                match self.generations.reason(&self.id) {
                    CancelReason::User => MessageState::Stopped,
                    CancelReason::Shutdown => MessageState::Interrupted,
                },
                None,
                ChatEvent::Cancelled {
                    message_id: reply.id.clone(),
                },
            ),
        };
        // The pending text goes out before the terminal event, and the whole reply is saved
        // before the terminal event is sent.
        let flush = pending.take();
        let id = reply.id.clone();
        let saved = self
            .blocking(move |store| {
                store.finish_reply(
                    &id,
                    &text,
                    non_empty(&reasoning).as_deref(),
                    state,
                    served_by.as_deref(),
                    error.as_ref(),
                )
            })
            .await;
        for event in flush {
            self.send(event).await;
        }
        let terminal = match saved {
            Ok(()) => terminal,
            Err(error) => ChatEvent::Failed {
                error,
                message_id: Some(reply.id.clone()),
            },
        };
        self.generations.remove(&self.id);
        let _ = self.tx.send(terminal).await;
    }
}

async fn sleep_until(due: Option<Instant>) {
    if let Some(due) = due {
        tokio::time::sleep_until(tokio::time::Instant::from_std(due)).await;
    }
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}
