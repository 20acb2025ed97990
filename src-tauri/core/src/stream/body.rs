//! Reads a streamed response body through the [`SseDecoder`] (or, for a newline-delimited JSON
//! body, the [`NdjsonDecoder`], each line handed on as one event's data) with an idle timeout.
//!
//! The idle timeout applies to each read, not to the whole body: a reply may stream for minutes
//! as long as bytes keep coming.

use std::time::Duration;

use reqwest::Response;

use super::ndjson::NdjsonDecoder;
use super::sse::{SseDecoder, SseEnd, SseEvent};

/// What the body yields.
#[derive(Debug)]
pub enum SseItem {
    /// A complete event.
    Event(SseEvent),
    /// The server closed the body; what was left pending, if anything.
    End(SseEnd),
}

/// Why reading stopped early.
#[derive(Debug)]
pub enum BodyError {
    /// No bytes arrived within the idle timeout.
    Idle(Duration),
    /// The connection failed (reset, closed inside a chunk, …).
    Transport(reqwest::Error),
    /// One event grew past this many bytes without ending (a runaway or hostile server).
    EventTooLarge(usize),
}

/// The largest single event a stream may send.
pub const MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;

/// How a streamed body is cut into events.
#[derive(Debug)]
enum Framing {
    /// Server-Sent Events.
    Sse(SseDecoder),
    /// Newline-delimited JSON: each line is one event's data.
    Lines(NdjsonDecoder),
}

impl Framing {
    fn push(&mut self, bytes: &[u8]) {
        match self {
            Framing::Sse(decoder) => decoder.push(bytes),
            Framing::Lines(decoder) => decoder.push(bytes),
        }
    }

    fn pending_len(&self) -> usize {
        match self {
            Framing::Sse(decoder) => decoder.pending_len(),
            Framing::Lines(decoder) => decoder.pending_len(),
        }
    }

    fn next_event(&mut self) -> Option<SseEvent> {
        match self {
            Framing::Sse(decoder) => decoder.next_event(),
            Framing::Lines(decoder) => decoder.next_line().map(line_event),
        }
    }

    fn finish(&mut self) -> SseEnd {
        match self {
            Framing::Sse(decoder) => decoder.finish(),
            Framing::Lines(decoder) => {
                let unterminated = decoder.finish().map(line_event);
                SseEnd {
                    clean: unterminated.is_none(),
                    unterminated,
                }
            }
        }
    }
}

/// One line of a newline-delimited body as an event carrying it as its data.
fn line_event(data: String) -> SseEvent {
    SseEvent { event: None, data }
}

/// A streamed response body being read: Server-Sent Events, or newline-delimited JSON.
#[derive(Debug)]
pub struct SseBody {
    response: Response,
    decoder: Framing,
    idle: Duration,
    /// The idle timer, moved forward before each read (one timer for the whole body).
    timer: std::pin::Pin<Box<tokio::time::Sleep>>,
    ended: bool,
}

impl SseBody {
    /// Wraps an SSE `response`; `idle` is the longest silence allowed between reads.
    pub fn new(response: Response, idle: Duration) -> SseBody {
        SseBody::framed(response, idle, Framing::Sse(SseDecoder::new()))
    }

    /// Wraps a newline-delimited JSON `response`: each non-blank line is one event's data (a
    /// last line without its line end is the end's unterminated event).
    pub fn ndjson(response: Response, idle: Duration) -> SseBody {
        SseBody::framed(response, idle, Framing::Lines(NdjsonDecoder::new()))
    }

    fn framed(response: Response, idle: Duration, decoder: Framing) -> SseBody {
        SseBody {
            response,
            decoder,
            idle,
            timer: Box::pin(tokio::time::sleep(idle)),
            ended: false,
        }
    }

    /// The next event among the bytes already read, without reading more: lets a caller map
    /// every event one read brought before it hands anything on.
    pub fn next_buffered(&mut self) -> Option<SseEvent> {
        self.decoder.next_event()
    }

    /// The next event, then one [`SseItem::End`], then `None`.
    pub async fn next(&mut self) -> Result<Option<SseItem>, BodyError> {
        loop {
            if let Some(event) = self.decoder.next_event() {
                return Ok(Some(SseItem::Event(event)));
            }
            if self.ended {
                return Ok(None);
            }
            self.timer
                .as_mut()
                .reset(tokio::time::Instant::now() + self.idle);
            let read = tokio::select! {
                biased;
                read = self.response.chunk() => Ok(read),
                () = self.timer.as_mut() => Err(()),
            };
            match read {
                Err(()) => return Err(BodyError::Idle(self.idle)),
                Ok(Err(err)) => return Err(BodyError::Transport(err)),
                Ok(Ok(Some(bytes))) => {
                    self.decoder.push(&bytes);
                    if self.decoder.pending_len() > MAX_EVENT_BYTES {
                        // Whatever complete events came first are still delivered.
                        if let Some(event) = self.decoder.next_event() {
                            return Ok(Some(SseItem::Event(event)));
                        }
                        if self.decoder.pending_len() > MAX_EVENT_BYTES {
                            return Err(BodyError::EventTooLarge(MAX_EVENT_BYTES));
                        }
                    }
                }
                Ok(Ok(None)) => {
                    self.ended = true;
                    return Ok(Some(SseItem::End(self.decoder.finish())));
                }
            }
        }
    }
}

/// Reads a whole (non-streamed) body, waiting at most `idle` between reads and refusing bodies
/// larger than `limit` bytes.
pub async fn read_all(
    response: Response,
    idle: Duration,
    limit: usize,
) -> Result<Vec<u8>, ReadError> {
    let mut response = response;
    let mut body = Vec::new();
    loop {
        match tokio::time::timeout(idle, response.chunk()).await {
            Err(_) => return Err(ReadError::Body(BodyError::Idle(idle))),
            Ok(Err(err)) => return Err(ReadError::Body(BodyError::Transport(err))),
            Ok(Ok(None)) => return Ok(body),
            Ok(Ok(Some(bytes))) => {
                if body.len() + bytes.len() > limit {
                    return Err(ReadError::TooLarge(limit));
                }
                body.extend_from_slice(&bytes);
            }
        }
    }
}

/// Why [`read_all`] failed.
#[derive(Debug)]
pub enum ReadError {
    /// Reading failed.
    Body(BodyError),
    /// The body was larger than the limit (bytes).
    TooLarge(usize),
}
