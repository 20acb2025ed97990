//! Anthropic's event mapper: the named events of a Messages stream to [`StreamEvent`]s (sans IO;
//! the shared relay reads the body), and a whole `message` answer to the same events. It must
//! not read the network or build requests.

use serde_json::Value;

use super::wire::{count, kept_blocks, parse_message, stop_reason, usage, MessageOutcome};
use crate::error::Result;
use crate::http::Target;
use crate::model::StopReason;
use crate::provider::contract::StreamEvent;
use crate::provider::relay::{failure_error, SseMapper, StreamFailure};
use crate::provider::server_error::ServerError;
use crate::provider::support::body_start;
use crate::stream::SseEvent;

/// Maps the named events of one stream to [`StreamEvent`]s.
#[derive(Debug, Default)]
pub struct EventMapper {
    input_tokens: Option<u32>,
    stop: Option<StopReason>,
    /// The `thinking` (with its signature) and `redacted_thinking` blocks so far, by index:
    /// the API wants them back with this reply in the next request.
    kept: Vec<(u64, Value)>,
}

impl EventMapper {
    /// A mapper at the start of a stream.
    pub fn new() -> EventMapper {
        EventMapper::default()
    }

    /// One event (`name` is the SSE `event:` field; the `type` inside the data wins when both
    /// are present). Returns the stop reason at `message_stop`.
    pub fn on_event(
        &mut self,
        name: Option<&str>,
        data: &str,
        out: &mut Vec<StreamEvent>,
    ) -> std::result::Result<Option<StopReason>, StreamFailure> {
        if data.trim().is_empty() {
            return Ok(None);
        }
        let value: Value = serde_json::from_str(data)
            .map_err(|_| StreamFailure::Malformed(crate::error::truncate(data, 512)))?;
        let kind = value.get("type").and_then(Value::as_str).or(name);
        match kind {
            Some("message_start") => {
                let message = value.get("message");
                if let Some(model) = message.and_then(|m| m.get("model")).and_then(Value::as_str) {
                    out.push(StreamEvent::Model(model.to_string()));
                }
                self.input_tokens =
                    count(message.and_then(|m| m.get("usage")?.get("input_tokens")));
            }
            Some("content_block_start") => {
                let block = value.get("content_block");
                let kind = block.and_then(|b| b.get("type")).and_then(Value::as_str);
                if let (Some("thinking" | "redacted_thinking"), Some(block)) = (kind, block) {
                    let index = value.get("index").and_then(Value::as_u64).unwrap_or(0);
                    self.kept.push((index, block.clone()));
                }
            }
            Some("content_block_delta") => {
                let delta = value.get("delta");
                self.keep(&value);
                let text = |field| {
                    delta
                        .and_then(|d| d.get(field))
                        .and_then(Value::as_str)
                        .filter(|t| !t.is_empty())
                        .map(str::to_string)
                };
                match delta.and_then(|d| d.get("type")).and_then(Value::as_str) {
                    Some("text_delta") => out.extend(text("text").map(StreamEvent::Delta)),
                    Some("thinking_delta") => {
                        out.extend(text("thinking").map(StreamEvent::Reasoning));
                    }
                    // Signatures, tool input and citations are not shown.
                    _ => {}
                }
            }
            Some("message_delta") => {
                if let Some(reason) = value
                    .get("delta")
                    .and_then(|d| d.get("stop_reason"))
                    .and_then(Value::as_str)
                {
                    self.stop = Some(stop_reason(reason));
                }
                if let Some(output) = count(value.get("usage").and_then(|u| u.get("output_tokens")))
                {
                    let input = count(value.get("usage").and_then(|u| u.get("input_tokens")))
                        .or(self.input_tokens);
                    out.push(StreamEvent::Usage(usage(input, Some(output))));
                }
            }
            Some("message_stop") => {
                let blocks: Vec<Value> = self.kept.drain(..).map(|(_, block)| block).collect();
                out.extend(kept_blocks(blocks).map(StreamEvent::ProviderData));
                return Ok(Some(self.stop.unwrap_or(StopReason::Stop)));
            }
            Some("error") => return Err(StreamFailure::Server(ServerError::from_body(data))),
            // ping, content_block_start/stop and event types added later.
            _ => {}
        }
        Ok(None)
    }
}

impl EventMapper {
    /// A `thinking_delta` or `signature_delta` added to the kept block at its index.
    fn keep(&mut self, event: &Value) {
        let index = event.get("index").and_then(Value::as_u64).unwrap_or(0);
        let Some(delta) = event.get("delta") else {
            return;
        };
        let field = match delta.get("type").and_then(Value::as_str) {
            Some("thinking_delta") => "thinking",
            Some("signature_delta") => "signature",
            _ => return,
        };
        let Some(piece) = delta.get(field).and_then(Value::as_str) else {
            return;
        };
        if let Some(Value::Object(block)) = self
            .kept
            .iter_mut()
            .find(|(i, _)| *i == index)
            .map(|(_, block)| block)
        {
            let text = block.entry(field).or_insert_with(|| Value::from(""));
            if let Value::String(text) = text {
                text.push_str(piece);
            }
        }
    }
}

impl SseMapper for EventMapper {
    fn on_event(
        &mut self,
        event: SseEvent,
        out: &mut Vec<StreamEvent>,
    ) -> std::result::Result<Option<StopReason>, StreamFailure> {
        EventMapper::on_event(self, event.event.as_deref(), &event.data, out)
    }
}

/// A whole (non-streamed) `message` answer as events.
pub(crate) fn whole(bytes: &[u8], target: &Target) -> Result<Vec<StreamEvent>> {
    match parse_message(bytes) {
        MessageOutcome::Events(events) => Ok(events),
        MessageOutcome::ServerError(server) => {
            Err(failure_error(target, StreamFailure::Server(server)))
        }
        MessageOutcome::Malformed => Err(target
            .protocol_error("the reply was not a message")
            .with_detail(body_start(bytes))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_events_map_to_text_reasoning_usage_and_one_stop() {
        let mut mapper = EventMapper::new();
        let mut out = Vec::new();
        let events = [
            (
                "message_start",
                r#"{"type":"message_start","message":{"model":"claude-x","usage":{"input_tokens":12,"output_tokens":1}}}"#,
            ),
            (
                "content_block_start",
                r#"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}"#,
            ),
            (
                "content_block_delta",
                r#"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Hmm"}}"#,
            ),
            (
                "content_block_delta",
                r#"{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"abc"}}"#,
            ),
            ("ping", r#"{"type": "ping"}"#),
            (
                "content_block_delta",
                r#"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hi"}}"#,
            ),
            (
                "message_delta",
                r#"{"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":9}}"#,
            ),
        ];
        for (name, data) in events {
            assert_eq!(mapper.on_event(Some(name), data, &mut out).unwrap(), None);
        }
        let stop = mapper
            .on_event(Some("message_stop"), r#"{"type":"message_stop"}"#, &mut out)
            .unwrap();
        assert_eq!(stop, Some(StopReason::Length));
        assert_eq!(
            out,
            vec![
                StreamEvent::Model("claude-x".into()),
                StreamEvent::Reasoning("Hmm".into()),
                StreamEvent::Delta("Hi".into()),
                StreamEvent::Usage(usage(Some(12), Some(9))),
                StreamEvent::ProviderData(crate::model::ProviderData {
                    family: "anthropic".into(),
                    value: serde_json::json!([
                        {"type": "thinking", "thinking": "Hmm", "signature": "abc"}
                    ]),
                }),
            ]
        );
        let error = mapper.on_event(
            Some("error"),
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
            &mut out,
        );
        assert!(matches!(error, Err(StreamFailure::Server(e)) if e.message == "Overloaded"));
        assert!(matches!(
            mapper.on_event(None, "{\"type\":\"content_blo", &mut out),
            Err(StreamFailure::Malformed(_))
        ));
    }
}
