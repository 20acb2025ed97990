//! KoboldCpp's event mapper: the `token` events of `…/extra/generate/stream` to
//! [`StreamEvent`]s (sans IO; the shared relay reads the body). It must not read the network or
//! build requests.

use super::wire::finish_reason;
use crate::http::Target;
use crate::model::StopReason;
use crate::provider::contract::StreamEvent;
use crate::provider::relay::{json_data, DataMapper, StreamFailure};
use crate::provider::server_error::ServerError;
use crate::provider::support::text_answer;

/// Maps `…/extra/generate/stream` events: `{"token": …, "finish_reason": …}`; the server closes
/// the connection after the event with a reason (there is no `[DONE]` and no error event).
#[derive(Debug, Default)]
pub struct TokenMapper;

impl DataMapper for TokenMapper {
    fn on_data(
        &mut self,
        data: &str,
        out: &mut Vec<StreamEvent>,
    ) -> Result<Option<StopReason>, StreamFailure> {
        let value = json_data(data)?;
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
        let (steps, out) = crate::provider::relay::feed(
            &mut TokenMapper,
            &[
                r#"{"token": "Hel", "finish_reason": "null"}"#,
                r#"{"token": "lo", "finish_reason": null}"#,
                r#"{"token": "", "finish_reason": "stop"}"#,
                "{\"tok",
            ],
        );
        assert_eq!(steps[..3], [Ok(None), Ok(None), Ok(Some(StopReason::Stop))]);
        assert!(matches!(steps[3], Err(StreamFailure::Malformed(_))));
        let deltas = ["Hel", "lo"].map(|t| StreamEvent::Delta(t.into()));
        assert_eq!(out, deltas);
    }
}
