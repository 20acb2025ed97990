//! The running task that writes a reply: it streams the provider's events into the reply
//! buffer (`reply_buffer.rs`, which decides, from the times it is given, what to send and when
//! to save: deltas coalesced for at most [`COALESCE_WINDOW`] or [`COALESCE_BYTES`], the text cut
//! at stop strings, a reply past [`MAX_REPLY_BYTES`] stopped, a save every [`SAVE_INTERVAL`]),
//! sends the events, sleeps until the buffer's deadline, saves, and ends with exactly one
//! terminal event, sent only after the final text is saved.
//!
//! Must not: decide coalescing, caps or save cadence itself (the buffer does); send anything after the terminal event; send the terminal event before the final
//! save; lose text held back for coalescing or for a possible stop string.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::BoxStream;
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::generation::{CancelReason, Generations};
use super::reply_buffer::{Flow, ReplyBuffer};
use super::request::ContextFit;
use crate::citations::Citations;
use crate::error::{Error, ErrorKind, ErrorReason, Result};
use crate::model::{
    ChatEvent, ChatId, ChatRequest, GenerationId, MessageState, ProviderData, StopReason,
};
use crate::provider::{self, StreamEvent};
use crate::store::{Store, StoredMessage};

pub use super::reply_buffer::{COALESCE_BYTES, COALESCE_WINDOW, MAX_REPLY_BYTES, SAVE_INTERVAL};

/// How long a stopped reply's provider may take to tell the server to stop.
pub const ABORT_GRACE: Duration = Duration::from_secs(3);

pub(super) struct GenerationTask {
    /// Text the reply starts with (a Claude prefill), shown and saved as part of the reply.
    pub(super) prefill: Option<String>,
    /// The reply being written (new, a new version, or one being continued), as it stands.
    pub(super) reply: StoredMessage,
    /// How the request was fitted to the context (how full, how much history left out), told
    /// to the person.
    pub(super) fit: Option<ContextFit>,
    /// The version shown before this one, when this generation added a version: a failed
    /// attempt that got no text is dropped and that version shown again.
    pub(super) previous_version: Option<u32>,
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
        self.write(move |token| provider.stream(request, token))
            .await;
    }

    /// Writes the reply from the events of the stream `open` starts (given the cancel token).
    async fn write(
        self,
        open: impl FnOnce(CancellationToken) -> BoxStream<'static, Result<StreamEvent>>,
    ) {
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
        if let Some(fit) = self.fit {
            if fit.dropped > 0 {
                self.send(ChatEvent::HistoryTrimmed {
                    dropped: fit.dropped,
                    context_size: fit.context_size,
                })
                .await;
            }
            self.send(ChatEvent::ContextUsed {
                prompt_tokens: fit.prompt_tokens,
                context_size: fit.context_size,
                reply_tokens: fit.reply_tokens,
            })
            .await;
        }
        // The reply starts with the prefill the model continues, as a person reads it.
        let prefill = self.prefill.clone().map(|p| Ok(StreamEvent::Delta(p)));
        let mut stream = futures::stream::iter(prefill).chain(open(self.token.clone()));
        // A continued reply grows from what it had.
        let mut buffer = ReplyBuffer::new(
            reply.content.clone(),
            reply.reasoning.clone().unwrap_or_default(),
            &self.stops,
            now(),
        );
        let mut served_by: Option<String> = None;
        // The last of what the family asked to have sent back, saved with this version.
        let mut provider_data: Option<ProviderData> = None;
        // The pages this version cites: a continued reply keeps those it had.
        let mut sources = Citations::from_links(reply.sources.clone());
        // One timer and one cancel wait for the whole reply, not one per event.
        let cancelled = self.token.cancelled();
        tokio::pin!(cancelled);
        let timer = tokio::time::sleep(Duration::ZERO);
        tokio::pin!(timer);
        let mut armed: Option<Instant> = None;

        let ending = loop {
            let due = buffer.deadline();
            if due != armed {
                if let Some(due) = due {
                    timer.as_mut().reset(tokio::time::Instant::from_std(due));
                }
                armed = due;
            }
            let next = tokio::select! {
                biased;
                _ = &mut cancelled => break Ending::Cancelled,
                _ = &mut timer, if due.is_some() => None,
                next = stream.next() => Some(next),
            };
            let mut at = now();
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
                        tracing::trace!(bytes = delta.len(), "text from the stream");
                        if buffer.push_text(&delta, at) == Flow::Stopped {
                            // The rest of the reply is not wanted.
                            break Ending::Finished(StopReason::Stop);
                        }
                    }
                    StreamEvent::Reasoning(delta) => buffer.push_reasoning(&delta, at),
                    StreamEvent::Model(name) => served_by = Some(name),
                    StreamEvent::Usage(usage) => {
                        buffer.flush();
                        for event in buffer.ready() {
                            self.send(event).await;
                        }
                        self.send(ChatEvent::Usage { usage }).await;
                        at = now();
                    }
                    StreamEvent::ProviderData(data) => provider_data = Some(data),
                    StreamEvent::Sources(links) => {
                        sources.extend(links);
                    }
                    StreamEvent::PromptCut { kept_tokens } => {
                        self.send(ChatEvent::PromptCut { kept_tokens }).await;
                        at = now();
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
                        at = now();
                    }
                    StreamEvent::Done(reason) => {
                        buffer.release_held();
                        break Ending::Finished(reason);
                    }
                },
            }
            buffer.poll(at);
            for event in buffer.ready() {
                tracing::trace!("coalesced text out");
                self.send(event).await;
            }
            if buffer.over_cap() {
                break Ending::Failed(Error::new(
                    ErrorKind::Protocol,
                    format!(
                        "The reply grew past {} MB and was stopped; the text received so far is kept.",
                        MAX_REPLY_BYTES / (1024 * 1024)
                    ),
                ));
            }
            if let Some(snapshot) = buffer.save_due(now()) {
                let (id, len) = (reply.id.clone(), snapshot.len());
                // A save that fails (the database busy past its timeout, a full disk) is tried
                // again at the next interval; the reply goes on, and its final save decides.
                let saved = self
                    .blocking(move |store| {
                        store.save_reply_progress(
                            &id,
                            &snapshot.text,
                            snapshot.reasoning.as_deref(),
                        )
                    })
                    .await;
                if let Err(error) = &saved {
                    tracing::warn!(
                        "could not save reply {} while it streams; trying again in {} ms: {}",
                        reply.id,
                        SAVE_INTERVAL.as_millis(),
                        error.message
                    );
                }
                buffer.saved(len, saved.is_ok(), now());
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
        if !matches!(ending, Ending::Finished(_)) {
            // Held back in case it began a stop string; the reply did not get that far.
            buffer.release_held();
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
            Ending::Failed(error) => {
                let error = context_overflow(error, self.fit, buffer.is_empty());
                (
                    MessageState::Failed,
                    Some(error.clone()),
                    ChatEvent::Failed {
                        error,
                        message_id: Some(reply.id.clone()),
                    },
                )
            }
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
        let (text, reasoning, flush) = buffer.finish();
        let id = reply.id.clone();
        // A failed attempt that got no text is not kept as a version.
        let drop_version = self.previous_version.filter(|_| {
            state == MessageState::Failed
                && text.is_empty()
                && reasoning.as_deref().unwrap_or("").is_empty()
        });
        let kept_sources = sources.clone();
        let saved = self
            .blocking(move |store| match drop_version {
                Some(previous) => store.drop_written_version(&id, previous),
                None => store
                    .finish_reply(
                        &id,
                        &text,
                        reasoning.as_deref(),
                        state,
                        served_by.as_deref(),
                        error.as_ref(),
                    )
                    .and_then(|()| store.save_provider_data(&id, provider_data.as_ref()))
                    .and_then(|()| store.save_sources(&id, kept_sources.links())),
            })
            .await;
        for event in flush {
            self.send(event).await;
        }
        if saved.is_ok() && drop_version.is_none() && !sources.is_empty() {
            self.send(ChatEvent::Sources {
                sources: sources.into_links(),
            })
            .await;
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

/// A failure that means the prompt did not fit the model's context, reworded to say so: a
/// refusal the provider layer marked [`ErrorReason::ContextExceeded`] (the server said so in its
/// own words), or a connection the server closed before any text while the prompt filled the
/// context (llama.cpp builds that crash on an over-long prompt). Other failures are returned as
/// they are. The size named is the server's, else the one the prompt was fitted to.
fn context_overflow(error: Error, fit: Option<ContextFit>, no_text: bool) -> Error {
    let stated = match &error.reason {
        Some(ErrorReason::ContextExceeded { context_size }) => Some(*context_size),
        _ => None,
    };
    let full = fit.is_some_and(|f| {
        f.dropped > 0
            || u64::from(f.prompt_tokens) + u64::from(f.reply_tokens)
                >= u64::from(f.context_size) * 9 / 10
    });
    let dropped = error.kind == ErrorKind::Network && no_text && full;
    if stated.is_none() && !dropped {
        return error;
    }
    let size = stated.flatten().or(fit.map(|f| f.context_size));
    let message = match size {
        Some(size) => {
            format!("This conversation is longer than the model's context ({size} tokens).")
        }
        None => "This conversation is longer than the model's context.".to_string(),
    };
    let detail = error.detail.clone().unwrap_or(error.message.clone());
    let mut reworded = Error::new(ErrorKind::InvalidRequest, message)
        .with_detail(detail)
        .with_reason(ErrorReason::ContextExceeded { context_size: size });
    reworded.provider = error.provider;
    reworded.status = error.status;
    reworded
}

/// The time on the runtime's clock (tokio's, so that tests can pause it).
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

#[cfg(test)]
#[path = "reply_tests.rs"]
mod tests;
