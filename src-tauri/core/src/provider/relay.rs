//! The part of streaming every family shares: reading a Server-Sent-Events body, handing each
//! event to the family's mapper, flushing what it produced, honouring cancellation, and turning
//! failures into errors that keep the text received so far.
//!
//! It knows no family: each hands it its own `SseMapper`. Whole answers and the rest of the
//! request plumbing are in [`super::support`], which uses this module (never the reverse); the harness that drives every family's mapper
//! without the network is in [`crate::fuzzing`].

use futures::stream::BoxStream;
use tokio_util::sync::CancellationToken;

use super::contract::StreamEvent;
use super::server_error::ServerError;
use crate::error::{Error, ErrorKind, Result};
use crate::http::Target;
use crate::model::StopReason;
use crate::stream::{BodyError, SseBody, SseEnd, SseEvent, SseItem};

/// Why a stream could not be mapped to a reply.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamFailure {
    /// The server sent an error inside the stream.
    Server(ServerError),
    /// A chunk or event was not JSON of the expected shape.
    Malformed(String),
    /// The stream ended before the reply was complete.
    Truncated,
    /// The server declined the request in words of its own that say why (a prompt its
    /// filters blocked): an error of `kind` with `message`.
    Declined {
        /// The kind of failure.
        kind: ErrorKind,
        /// What the person reads.
        message: String,
    },
}

/// A family's mapping of SSE events to [`StreamEvent`]s (sans IO).
pub(crate) trait SseMapper: Send + 'static {
    /// One event; `Ok(Some(reason))` when it ends the reply.
    fn on_event(
        &mut self,
        event: SseEvent,
        out: &mut Vec<StreamEvent>,
    ) -> Result<Option<StopReason>, StreamFailure>;

    /// The end of the body: the stop reason, or why the reply is incomplete. By default a last
    /// event without its blank line counts when it completes the reply (some servers close right
    /// after their last event); otherwise the stream was cut short.
    fn on_end(
        &mut self,
        end: SseEnd,
        out: &mut Vec<StreamEvent>,
    ) -> Result<StopReason, StreamFailure> {
        match end.unterminated {
            Some(event) => match self.on_event(event, out) {
                Ok(Some(reason)) => Ok(reason),
                Ok(None) | Err(StreamFailure::Malformed(_)) => Err(StreamFailure::Truncated),
                Err(other) => Err(other),
            },
            None => Err(StreamFailure::Truncated),
        }
    }
}

/// A family's mapping of each event's data alone (the event's name does not matter).
pub(crate) trait DataMapper: Send + 'static {
    /// One event's data; `Ok(Some(reason))` when it ends the reply.
    fn on_data(
        &mut self,
        data: &str,
        out: &mut Vec<StreamEvent>,
    ) -> Result<Option<StopReason>, StreamFailure>;
}

/// An event's data as JSON; otherwise the failure that quotes its start.
pub(crate) fn json_data(data: &str) -> Result<serde_json::Value, StreamFailure> {
    serde_json::from_str(data)
        .map_err(|_| StreamFailure::Malformed(crate::error::truncate(data, 300)))
}

/// A [`DataMapper`] as an [`SseMapper`].
pub(crate) struct ByData<M>(pub M);

impl<M: DataMapper> SseMapper for ByData<M> {
    fn on_event(
        &mut self,
        event: SseEvent,
        out: &mut Vec<StreamEvent>,
    ) -> Result<Option<StopReason>, StreamFailure> {
        self.0.on_data(&event.data, out)
    }
}

/// `data` fed to `mapper` one event at a time: what each returned, and every event produced.
#[cfg(test)]
pub(crate) fn feed<M: DataMapper>(
    mapper: &mut M,
    data: &[&str],
) -> (
    Vec<Result<Option<StopReason>, StreamFailure>>,
    Vec<StreamEvent>,
) {
    let mut out = Vec::new();
    let steps = data.iter().map(|d| mapper.on_data(d, &mut out)).collect();
    (steps, out)
}

/// The error for a body that could not be read to its end (`mid_reply`: text already arrived
/// and is kept).
pub fn body_error(target: &Target, err: BodyError, mid_reply: bool) -> Error {
    match err {
        BodyError::Idle(idle) => target.idle_timeout_error(idle, mid_reply),
        BodyError::Transport(err) => {
            let mut error = target.transport_error(&err);
            if mid_reply {
                error.message.push_str(" The text received so far is kept.");
            }
            error
        }
        BodyError::EventTooLarge(limit) => target.protocol_error(format!(
            "one event of the stream grew past {} MB, so the reply was stopped{}",
            limit / (1024 * 1024),
            if mid_reply {
                "; the text received so far is kept"
            } else {
                ""
            }
        )),
    }
}

/// The error for a stream that failed after it began; the text so far is kept by the caller.
pub(crate) fn failure_error(target: &Target, failure: StreamFailure) -> Error {
    match failure {
        StreamFailure::Server(server) => target
            .error(
                server.kind_in_stream(),
                format!(
                    "the server reported an error in the middle of the reply: {}. The text received so far is kept.",
                    if server.message.is_empty() { "no message" } else { &server.message }
                ),
            )
            .with_detail(server.message),
        StreamFailure::Malformed(chunk) => target
            .protocol_error("a chunk of the reply was not valid JSON")
            .with_detail(chunk),
        StreamFailure::Truncated => target.error(
            ErrorKind::Network,
            "the server closed the connection before the reply was complete. The text received so far is kept.",
        ),
        StreamFailure::Declined { kind, message } => target.error(kind, message),
    }
}

/// Relays `body` through `mapper` until the reply ends, fails or `cancel` fires (then the
/// stream just ends).
pub(crate) fn relay_sse<M: SseMapper>(
    mut body: SseBody,
    target: Target,
    cancel: CancellationToken,
    mut mapper: M,
) -> BoxStream<'static, Result<StreamEvent>> {
    Box::pin(async_stream::stream! {
        let mut out = Vec::new();
        // Registered once, not again for every event.
        let cancelled = cancel.cancelled();
        tokio::pin!(cancelled);
        loop {
            let item = tokio::select! {
                biased;
                _ = &mut cancelled => return,
                item = body.next() => item,
            };
            let result = match item {
                Ok(Some(SseItem::Event(event))) => {
                    // Every event the same read brought is mapped before anything is handed
                    // on, adjacent pieces of text joined: one event per read, not per chunk.
                    let mut result = mapper.on_event(event, &mut out);
                    while matches!(result, Ok(None)) {
                        let Some(event) = body.next_buffered() else { break };
                        let from = out.len();
                        result = mapper.on_event(event, &mut out);
                        join_text(&mut out, from);
                    }
                    result
                }
                Ok(Some(SseItem::End(end))) => mapper.on_end(end, &mut out).map(Some),
                Ok(None) => Err(StreamFailure::Truncated),
                Err(err) => {
                    for event in out.drain(..) {
                        yield Ok(event);
                    }
                    yield Err(body_error(&target, err, true));
                    return;
                }
            };
            for event in out.drain(..) {
                yield Ok(event);
            }
            match result {
                Ok(None) => {}
                Ok(Some(reason)) => {
                    yield Ok(StreamEvent::Done(reason));
                    return;
                }
                Err(failure) => {
                    yield Err(failure_error(&target, failure));
                    return;
                }
            }
        }
    })
}

/// Joins the one event mapped last (at `from`) to the one before it when both are text, or
/// both reasoning.
fn join_text(out: &mut Vec<StreamEvent>, from: usize) {
    if from == 0 || out.len() != from + 1 {
        return;
    }
    let (before, last) = out.split_at_mut(from);
    match (&mut before[from - 1], &last[0]) {
        (StreamEvent::Delta(text), StreamEvent::Delta(more))
        | (StreamEvent::Reasoning(text), StreamEvent::Reasoning(more)) => text.push_str(more),
        _ => return,
    }
    out.pop();
}
