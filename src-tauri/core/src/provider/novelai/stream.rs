//! NovelAI's event mapper: `newToken` events of `…/ai/generate-stream` to [`StreamEvent`]s
//! (sans IO; the shared relay reads the body). It must not read the network or build requests.

use serde_json::Value;

use crate::http::Target;
use crate::model::StopReason;
use crate::provider::contract::StreamEvent;
use crate::provider::relay::{json_data, DataMapper, StreamFailure};
use crate::provider::server_error::ServerError;
use crate::provider::support::text_answer;

/// Maps `newToken` events: `{"token": …, "ptr": n, "final": bool}`; `final` ends the reply.
#[derive(Debug, Default)]
pub struct TokenMapper;

impl DataMapper for TokenMapper {
    fn on_data(
        &mut self,
        data: &str,
        out: &mut Vec<StreamEvent>,
    ) -> Result<Option<StopReason>, StreamFailure> {
        let value = json_data(data)?;
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
        let (steps, out) = crate::provider::relay::feed(
            &mut TokenMapper,
            &[
                r#"{"token":" a","ptr":1,"final":false}"#,
                r#"{"token":" time","ptr":2,"final":true}"#,
                r#"{"statusCode":500,"message":"boom"}"#,
            ],
        );
        assert_eq!(steps[..2], [Ok(None), Ok(Some(StopReason::Stop))]);
        assert!(matches!(steps[2], Err(StreamFailure::Server(_))));
        assert_eq!(out, [" a", " time"].map(|t| StreamEvent::Delta(t.into())));
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
