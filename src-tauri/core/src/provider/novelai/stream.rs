//! NovelAI's event mapper: `newToken` events of `…/ai/generate-stream` to [`StreamEvent`]s
//! (sans IO; the shared relay reads the body). It must not read the network or build requests.

use serde_json::Value;

use crate::http::Target;
use crate::model::StopReason;
use crate::provider::contract::StreamEvent;
use crate::provider::relay::{SseMapper, StreamFailure};
use crate::provider::server_error::ServerError;
use crate::provider::support::text_answer;
use crate::stream::SseEvent;

/// Maps `newToken` events: `{"token": …, "ptr": n, "final": bool}`; `final` ends the reply.
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
        if value.get("error").is_some()
            || (value.get("message").is_some() && value.get("token").is_none())
        {
            return Err(StreamFailure::Server(ServerError::from_body(data)));
        }
        let token = value
            .get("token")
            .and_then(Value::as_str)
            .ok_or_else(|| StreamFailure::Malformed(crate::error::truncate(data, 300)))?;
        if !token.is_empty() {
            out.push(StreamEvent::Delta(token.to_string()));
        }
        Ok(value
            .get("final")
            .and_then(Value::as_bool)
            .unwrap_or(false)
            .then_some(StopReason::Stop))
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

/// A whole answer of `…/ai/generate`: `{"output": …}`.
pub(crate) fn whole(bytes: &[u8], target: &Target) -> crate::error::Result<Vec<StreamEvent>> {
    text_answer(
        super::wire::parse_output(bytes).map(|text| (text, StopReason::Stop)),
        bytes,
        target,
        "the answer had no output",
    )
}

#[cfg(test)]
mod tests {
    use super::super::wire::{models, parse_output, parse_subscription};
    use super::*;

    #[test]
    fn stream_events_and_answers() {
        let mut mapper = TokenMapper;
        let mut out = Vec::new();
        assert_eq!(
            mapper.on_data(r#"{"token":" a","ptr":1,"final":false}"#, &mut out),
            Ok(None)
        );
        assert_eq!(
            mapper.on_data(r#"{"token":" time","ptr":2,"final":true}"#, &mut out),
            Ok(Some(StopReason::Stop))
        );
        assert_eq!(
            out,
            [
                StreamEvent::Delta(" a".into()),
                StreamEvent::Delta(" time".into())
            ]
        );
        assert!(matches!(
            mapper.on_data(r#"{"statusCode":500,"message":"boom"}"#, &mut out),
            Err(StreamFailure::Server(_))
        ));
        assert_eq!(
            parse_output(br#"{"output":" a time"}"#).as_deref(),
            Some(" a time")
        );
        assert_eq!(
            parse_subscription(br#"{"tier":3,"perks":{"contextTokens":8192}}"#),
            Some((3, Some(8192)))
        );
        assert_eq!(models().len(), 3);
    }
}
