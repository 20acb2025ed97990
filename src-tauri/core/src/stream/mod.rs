//! Decoding of streamed HTTP bodies, independent of any vendor.
//!
//! - [`sse`]: the sans-IO Server-Sent Events decoder.
//! - [`ndjson`]: the sans-IO splitter of newline-delimited JSON (one value per line).
//! - [`body`]: reads a `reqwest::Response` through a decoder with an idle timeout and tells a
//!   clean end of stream from a lost connection.

pub mod body;
pub mod ndjson;
pub mod sse;

pub use body::{read_all, BodyError, ReadError, SseBody, SseItem};
pub use ndjson::NdjsonDecoder;
pub use sse::{SseDecoder, SseEnd, SseEvent};
