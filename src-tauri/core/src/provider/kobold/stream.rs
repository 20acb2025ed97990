//! KoboldCpp's event mapper: the `token` events of `…/extra/generate/stream` to
//! [`StreamEvent`]s (sans IO; the shared relay reads the body). It must not read the network or
//! build requests.

use serde_json::Value;

use super::wire::finish_reason;
use crate::http::Target;
use crate::model::StopReason;
use crate::provider::contract::StreamEvent;
use crate::provider::relay::{SseMapper, StreamFailure};
use crate::provider::server_error::ServerError;
use crate::provider::support::text_answer;
use crate::stream::SseEvent;

/// Maps `…/extra/generate/stream` events: `{"token": …, "finish_reason": …}`; the server closes
/// the connection after the event with a reason (there is no `[DONE]` and no error event).
#[derive(Debug, Default)]
pub struct TokenMapper;

impl TokenMapper {
    /// One event's data; `Ok(Some(reason))` when it ends the reply.
    pub fn on_data(
        &mut self,
        data: &str,
        out: &mut Vec<StreamEvent>,
    ) -> Result<Option<StopReason>, StreamFailure> {
        let value: Value = serde_json::from_str(data)
            .map_err(|_| StreamFailure::Malformed(crate::error::truncate(data, 300)))?;
        if value.get("detail").is_some() || value.get("error").is_some() {
            return Err(StreamFailure::Server(ServerError::from_body(data)));
        }
        let token = value
            .get("token")
            .ok_or_else(|| StreamFailure::Malformed(crate::error::truncate(data, 300)))?;
        if let Some(text) = token.as_str().filter(|t| !t.is_empty()) {
            out.push(StreamEvent::Delta(text.to_string()));
        }
        Ok(finish_reason(value.get("finish_reason")))
    }
}

impl SseMapper for TokenMapper {
    fn on_event(
        &mut self,
        event: SseEvent,
        out: &mut Vec<StreamEvent>,
    ) -> Result<Option<StopReason>, StreamFailure> {
        self.on_data(&event.data, out)
    }
}

/// A whole answer of `…/v1/generate`: `{"results": [{"text": …}]}`.
pub(crate) fn whole(bytes: &[u8], target: &Target) -> crate::error::Result<Vec<StreamEvent>> {
    text_answer(
        super::wire::parse_generate(bytes),
        bytes,
        target,
        "the answer had no generated text",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_events_both_versions() {
        let mut mapper = TokenMapper;
        let mut out = Vec::new();
        assert_eq!(
            mapper.on_data(r#"{"token": "Hel", "finish_reason": "null"}"#, &mut out),
            Ok(None)
        );
        assert_eq!(
            mapper.on_data(r#"{"token": "lo", "finish_reason": null}"#, &mut out),
            Ok(None)
        );
        assert_eq!(
            mapper.on_data(r#"{"token": "", "finish_reason": "stop"}"#, &mut out),
            Ok(Some(StopReason::Stop))
        );
        assert_eq!(
            out,
            [
                StreamEvent::Delta("Hel".into()),
                StreamEvent::Delta("lo".into())
            ]
        );
        assert!(matches!(
            mapper.on_data("{\"tok", &mut out),
            Err(StreamFailure::Malformed(_))
        ));
    }
}
