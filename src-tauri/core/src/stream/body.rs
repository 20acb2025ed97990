//! Reads a streamed response body through the [`SseDecoder`] with an idle timeout.
//!
//! The idle timeout applies to each read, not to the whole body: a reply may stream for minutes
//! as long as bytes keep coming.

use std::time::Duration;

use reqwest::Response;

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

/// An SSE response body being read.
#[derive(Debug)]
pub struct SseBody {
    response: Response,
    decoder: SseDecoder,
    idle: Duration,
    /// The idle timer, moved forward before each read (one timer for the whole body).
    timer: std::pin::Pin<Box<tokio::time::Sleep>>,
    ended: bool,
}

impl SseBody {
    /// Wraps `response`; `idle` is the longest silence allowed between reads.
    pub fn new(response: Response, idle: Duration) -> SseBody {
        SseBody {
            response,
            decoder: SseDecoder::new(),
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
