//! Cohere's event mapper: the typed events of a v2 chat stream to [`StreamEvent`]s (sans IO; the
//! shared relay reads the body), and a whole answer to the same events. It must not read the
//! network or build requests.
//!
//! A stream is `message-start`, then per content block `content-start`, `content-delta`s (text in
//! `delta.message.content.text`, a reasoning model's thinking in `…content.thinking`) and
//! `content-end`, then `message-end` with `finish_reason` and `usage` (or, when the generation
//! failed, `delta.error`); `data: [DONE]` follows. Tool and citation events are not shown. A body
//! that ends before `message-end` was cut short.

use serde_json::Value;

use super::wire::{parse_chat, stop_reason, usage, ChatOutcome};
use crate::error::Result;
use crate::http::Target;
use crate::model::StopReason;
use crate::provider::contract::StreamEvent;
use crate::provider::relay::{failure_error, json_data, SseMapper, StreamFailure};
use crate::provider::server_error::ServerError;
use crate::provider::support::body_start;
use crate::stream::SseEvent;

/// Maps the typed events of one stream to [`StreamEvent`]s.
#[derive(Debug, Default)]
pub struct EventMapper;

impl EventMapper {
    /// A mapper at the start of a stream.
    pub fn new() -> EventMapper {
        EventMapper
    }

    /// One event's data (its `type` names it; the SSE `event:` field, when present, is the
    /// same). Returns the stop reason at `message-end`.
    pub fn on_data(
        &mut self,
        data: &str,
        out: &mut Vec<StreamEvent>,
    ) -> std::result::Result<Option<StopReason>, StreamFailure> {
        let data = data.trim();
        if data.is_empty() || data == "[DONE]" {
            return Ok(None);
        }
        let value = json_data(data)?;
        match value.get("type").and_then(Value::as_str) {
            Some("content-delta") => {
                let content = value
                    .get("delta")
                    .and_then(|d| d.get("message"))
                    .and_then(|m| m.get("content"));
                let text = |field| {
                    content
                        .and_then(|c| c.get(field))
                        .and_then(Value::as_str)
                        .filter(|t| !t.is_empty())
                        .map(str::to_string)
                };
                out.extend(text("thinking").map(StreamEvent::Reasoning));
                out.extend(text("text").map(StreamEvent::Delta));
            }
            Some("message-end") => {
                let delta = value.get("delta");
                let error = delta
                    .and_then(|d| d.get("error"))
                    .and_then(Value::as_str)
                    .filter(|e| !e.is_empty());
                let reason = delta
                    .and_then(|d| d.get("finish_reason"))
                    .and_then(Value::as_str);
                if error.is_some() || reason == Some("ERROR") {
                    return Err(StreamFailure::Server(ServerError {
                        message: error.unwrap_or("the generation failed").to_string(),
                        code: reason.map(str::to_string),
                        numeric: None,
                    }));
                }
                out.extend(
                    delta
                        .and_then(|d| d.get("usage"))
                        .and_then(usage)
                        .map(StreamEvent::Usage),
                );
                return Ok(Some(reason.map_or(StopReason::Other, stop_reason)));
            }
            // message-start, content-start/end, tool-plan-delta, tool-call-*, citation-*, debug
            // and event types added later.
            Some(_) => {}
            // An error body in place of an event: `{"id", "message": "…"}`.
            None if value.get("message").is_some_and(Value::is_string) => {
                return Err(StreamFailure::Server(ServerError::from_body(data)));
            }
            None => return Err(StreamFailure::Malformed(crate::error::truncate(data, 300))),
        }
        Ok(None)
    }
}

impl SseMapper for EventMapper {
    fn on_event(
        &mut self,
        event: SseEvent,
        out: &mut Vec<StreamEvent>,
    ) -> std::result::Result<Option<StopReason>, StreamFailure> {
        self.on_data(&event.data, out)
    }
}

/// A whole (non-streamed) answer as events.
pub(crate) fn whole(bytes: &[u8], target: &Target) -> Result<Vec<StreamEvent>> {
    match parse_chat(bytes) {
        ChatOutcome::Events(events) => Ok(events),
        ChatOutcome::ServerError(server) => {
            Err(failure_error(target, StreamFailure::Server(server)))
        }
        ChatOutcome::Malformed => Err(target
            .protocol_error("the reply was not a chat answer")
            .with_detail(body_start(bytes))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Usage;

    fn feed(
        data: &[&str],
    ) -> (
        Vec<std::result::Result<Option<StopReason>, StreamFailure>>,
        Vec<StreamEvent>,
    ) {
        let mut mapper = EventMapper::new();
        let mut out = Vec::new();
        let steps = data.iter().map(|d| mapper.on_data(d, &mut out)).collect();
        (steps, out)
    }

    #[test]
    fn a_reasoning_stream_maps_to_reasoning_text_usage_and_one_stop() {
        let (steps, out) = feed(&[
            r#"{"id":"29f1","type":"message-start","delta":{"message":{"role":"assistant"}}}"#,
            r#"{"type":"content-start","index":0,"delta":{"message":{"content":{"type":"thinking","thinking":""}}}}"#,
            r#"{"type":"content-delta","index":0,"delta":{"message":{"content":{"thinking":"Hmm"}}}}"#,
            r#"{"type":"content-end","index":0}"#,
            r#"{"type":"content-start","index":1,"delta":{"message":{"content":{"type":"text","text":""}}}}"#,
            r#"{"type":"content-delta","index":1,"delta":{"message":{"content":{"text":"LL"}}}}"#,
            r#"{"type":"content-delta","index":1,"delta":{"message":{"content":{"text":"Ms"}}}}"#,
            r#"{"type":"content-end","index":1}"#,
            r#"{"type":"message-end","delta":{"finish_reason":"STOP_SEQUENCE","usage":{"billed_units":{"input_tokens":5,"output_tokens":26},"tokens":{"input_tokens":71,"output_tokens":26}}}}"#,
        ]);
        assert!(steps[..8].iter().all(|s| *s == Ok(None)), "{steps:?}");
        assert_eq!(steps[8], Ok(Some(StopReason::Stop)));
        assert_eq!(
            out,
            vec![
                StreamEvent::Reasoning("Hmm".into()),
                StreamEvent::Delta("LL".into()),
                StreamEvent::Delta("Ms".into()),
                StreamEvent::Usage(Usage {
                    prompt_tokens: Some(71),
                    completion_tokens: Some(26),
                    total_tokens: Some(97)
                }),
            ]
        );
        assert_eq!(feed(&["[DONE]"]).0, vec![Ok(None)]);
    }

    #[test]
    fn finish_reasons_errors_and_foreign_data() {
        for (reason, stop) in [
            ("COMPLETE", StopReason::Stop),
            ("MAX_TOKENS", StopReason::Length),
            ("TOOL_CALL", StopReason::ToolCalls),
            ("TIMEOUT", StopReason::Other),
        ] {
            let end = format!(r#"{{"type":"message-end","delta":{{"finish_reason":"{reason}"}}}}"#);
            assert_eq!(feed(&[&end]).0, vec![Ok(Some(stop))], "{reason}");
        }
        let (steps, _) = feed(&[
            r#"{"type":"message-end","delta":{"error":"internal failure","finish_reason":"ERROR"}}"#,
            r#"{"id":"e1","message":"too many requests"}"#,
            r#"{"foo":1}"#,
            "{\"type\":\"content-del",
        ]);
        assert!(
            matches!(&steps[0], Err(StreamFailure::Server(e)) if e.message == "internal failure")
        );
        assert!(
            matches!(&steps[1], Err(StreamFailure::Server(e)) if e.message == "too many requests")
        );
        assert!(matches!(steps[2], Err(StreamFailure::Malformed(_))));
        assert!(matches!(steps[3], Err(StreamFailure::Malformed(_))));
    }
}
