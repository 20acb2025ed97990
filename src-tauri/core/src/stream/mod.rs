//! Decoding of streamed HTTP bodies, independent of any vendor.
//!
//! - [`sse`]: the sans-IO Server-Sent Events decoder.
//! - [`body`]: reads a `reqwest::Response` through a decoder with an idle timeout and tells a
//!   clean end of stream from a lost connection.

pub mod body;
pub mod sse;

pub use body::{read_all, BodyError, ReadError, SseBody, SseItem};
pub use sse::{SseDecoder, SseEnd, SseEvent};
