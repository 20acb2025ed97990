//! The part of streaming every family shares: reading a Server-Sent-Events body, handing each
//! event to the family's mapper, flushing what it produced, honouring cancellation, and turning
//! failures into errors that keep the text received so far.

use futures::stream::BoxStream;
use tokio_util::sync::CancellationToken;

use super::server_error::ServerError;
use super::{body_error, StreamEvent};
use crate::error::{Error, ErrorKind, Result};
use crate::http::Target;
use crate::model::StopReason;
use crate::stream::{read_all, SseBody, SseEnd, SseEvent, SseItem};

/// Why a stream could not be mapped to a reply.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamFailure {
    /// The server sent an error inside the stream.
    Server(ServerError),
    /// A chunk or event was not JSON of the expected shape.
    Malformed(String),
    /// The stream ended before the reply was complete.
    Truncated,
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
    /// event without its blank line counts when it completes the reply (KoboldCpp's and
    /// Anthropic's servers close right after it); otherwise the stream was cut short.
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
    }
}

/// The families whose replies stream as Server-Sent Events, each with its own event mapper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamFamily {
    /// OpenAI-compatible chunks (every chat and text flavor).
    OpenAi,
    /// Anthropic's typed events.
    Anthropic,
    /// KoboldCpp's `token` events.
    Kobold,
    /// NovelAI's `newToken` events.
    NovelAi,
}

impl StreamFamily {
    /// Every family, in a fixed order.
    pub const ALL: [StreamFamily; 4] = [
        StreamFamily::OpenAi,
        StreamFamily::Anthropic,
        StreamFamily::Kobold,
        StreamFamily::NovelAi,
    ];
}

/// What a streamed body comes to once mapped: the events, and how the reply ended.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedStream {
    /// Every event the mapper produced, in order (no `Done`: that is `end`).
    pub events: Vec<StreamEvent>,
    /// The stop reason, or why the reply failed.
    pub end: Result<StopReason, StreamFailure>,
}

/// A whole streamed body, read in `chunks`, through the SSE decoder and the family's mapper:
/// what the relay does with a live body, without the network (for decoder tests and fuzzing).
pub fn map_stream(family: StreamFamily, chunks: &[&[u8]]) -> MappedStream {
    use super::{anthropic, kobold, novelai, openai_compat};
    match family {
        StreamFamily::OpenAi => drive(
            openai_compat::OpenAiEvents(openai_compat::stream::ChunkMapper::new()),
            chunks,
        ),
        StreamFamily::Anthropic => drive(anthropic::wire::EventMapper::new(), chunks),
        StreamFamily::Kobold => drive(kobold::wire::TokenMapper, chunks),
        StreamFamily::NovelAi => drive(novelai::wire::TokenMapper, chunks),
    }
}

fn drive<M: SseMapper>(mut mapper: M, chunks: &[&[u8]]) -> MappedStream {
    let mut decoder = crate::stream::SseDecoder::new();
    let mut events = Vec::new();
    for chunk in chunks {
        decoder.push(chunk);
        while let Some(event) = decoder.next_event() {
            match mapper.on_event(event, &mut events) {
                Ok(None) => {}
                Ok(Some(reason)) => {
                    return MappedStream {
                        events,
                        end: Ok(reason),
                    }
                }
                Err(failure) => {
                    return MappedStream {
                        events,
                        end: Err(failure),
                    }
                }
            }
        }
    }
    let end = mapper.on_end(decoder.finish(), &mut events);
    MappedStream { events, end }
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

/// Whether the answer is a stream of events (servers may ignore `stream: true`).
pub(crate) fn is_event_stream(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("text/event-stream"))
}

/// Reads a whole (non-streamed) answer of at most `limit` bytes; `None` when `cancel` fired.
pub(crate) async fn read_answer(
    response: reqwest::Response,
    target: &Target,
    cancel: &CancellationToken,
    idle: std::time::Duration,
    limit: usize,
) -> Option<Result<Vec<u8>>> {
    tokio::select! {
        biased;
        _ = cancel.cancelled() => None,
        read = read_all(response, idle, limit) => {
            Some(read.map_err(|err| super::read_error(target, err, false)))
        }
    }
}
