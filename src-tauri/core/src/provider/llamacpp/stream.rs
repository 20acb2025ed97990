//! llama.cpp's `POST /completion` stream as [`StreamEvent`]s (sans IO; the shared relay reads
//! the body). It must not read the network or build requests.
//!
//! Each event is `data: {"content": …, "stop": false, …}`; the last has `"stop": true` with
//! `stop_type`, the token counts and `truncated`. There is no `[DONE]`: the server ends the body
//! after the last event, so a body that ends before it was cut short. An error during a stream
//! is sent as an `error: {"code":…,"message":…,"type":…}` line, a field of llama.cpp's own,
//! which the decoder hands on as an event whose data is that object: the server's message
//! becomes the error, after the text so far.

use super::wire::{self, Whole};
use crate::error::Result;
use crate::http::Target;
use crate::model::StopReason;
use crate::provider::contract::StreamEvent;
use crate::provider::relay::{json_data, DataMapper, StreamFailure};
use crate::provider::server_error::ServerError;
use crate::provider::support::body_start;

/// Maps the events of a streamed completion.
#[derive(Debug, Default)]
pub struct CompletionMapper;

impl DataMapper for CompletionMapper {
    fn on_data(
        &mut self,
        data: &str,
        out: &mut Vec<StreamEvent>,
    ) -> std::result::Result<Option<StopReason>, StreamFailure> {
        let value = json_data(data)?;
        if let Some(error) = value.get("error").filter(|e| !e.is_null()) {
            return Err(StreamFailure::Server(ServerError::from_error_value(error)));
        }
        // The object of an `error:` line: an error's fields, no content.
        if value.get("content").is_none() && value.get("message").is_some() {
            return Err(StreamFailure::Server(ServerError::from_error_value(&value)));
        }
        let content = value
            .get("content")
            .and_then(|c| c.as_str())
            .ok_or_else(|| StreamFailure::Malformed(crate::error::truncate(data, 300)))?;
        if !content.is_empty() {
            out.push(StreamEvent::Delta(content.to_string()));
        }
        Ok(wire::ending(&value).map(|end| wire::ending_events(end, out)))
    }
}

/// A whole answer of `POST /completion` as events.
pub(crate) fn whole(bytes: &[u8], target: &Target) -> Result<Vec<StreamEvent>> {
    match wire::parse_whole(bytes) {
        Whole::Events(events) => Ok(events),
        Whole::ServerError(server) => Err(target
            .error(
                server.kind_in_stream(),
                format!("the server reported an error: {}.", server.message),
            )
            .with_detail(server.message)),
        Whole::Malformed => Err(target
            .protocol_error("the answer was not a completion")
            .with_detail(body_start(bytes))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_ends_at_its_stop_event_with_the_cut_and_the_counts() {
        let (steps, out) = crate::provider::relay::feed(
            &mut CompletionMapper,
            &[
                r#"{"index":0,"content":"f","tokens":[102],"stop":false}"#,
                r#"{"index":0,"content":"","stop":true,"stop_type":"limit","truncated":true,"tokens_evaluated":9,"tokens_predicted":1}"#,
                r#"{"error":{"code":500,"message":"boom","type":"server_error"}}"#,
                r#"{"index":0}"#,
            ],
        );
        assert_eq!(steps[..2], [Ok(None), Ok(Some(StopReason::Length))]);
        assert!(matches!(&steps[2], Err(StreamFailure::Server(s)) if s.message == "boom"));
        assert!(matches!(steps[3], Err(StreamFailure::Malformed(_))));
        assert_eq!(out[0], StreamEvent::Delta("f".into()));
        assert_eq!(out[1], StreamEvent::PromptCut { kept_tokens: 9 });
        assert!(matches!(out[2], StreamEvent::Usage(_)));
        assert_eq!(out.len(), 3);
    }
}
