//! The Responses API's event mapper: the named events of a `POST /v1/responses` stream to
//! [`StreamEvent`]s (sans IO; the shared relay reads the body), and a whole response object to
//! the same events. It must not read the network or build requests.
//!
//! The stream has no `[DONE]`: it ends with `response.completed`, `response.incomplete` or
//! `response.failed` (or an `error` event); a body that ends before one was cut short.

use serde_json::Value;

use super::wire::{
    incomplete_reason, kept_reasoning, parse_response, response_error, usage, ResponseOutcome,
};
use crate::error::Result;
use crate::http::Target;
use crate::model::StopReason;
use crate::provider::contract::StreamEvent;
use crate::provider::relay::{json_data, SseMapper, StreamFailure};
use crate::provider::server_error::ServerError;
use crate::provider::support::body_start;
use crate::stream::SseEvent;

/// Maps the named events of one stream to [`StreamEvent`]s.
#[derive(Debug, Default)]
pub struct EventMapper {
    /// The model was reported (from `response.created`).
    model_seen: bool,
    /// The summary part the last reasoning text belonged to (`(output_index, summary_index)`),
    /// so that the next part starts a paragraph of its own.
    summary_part: Option<(u64, u64)>,
    /// Finished reasoning items (`response.output_item.done`), kept to be sent back.
    reasoning_items: Vec<Value>,
}

impl EventMapper {
    /// A mapper at the start of a stream.
    pub fn new() -> EventMapper {
        EventMapper::default()
    }

    /// One event (`name` is the SSE `event:` field; the `type` inside the data wins when both
    /// are present). Returns the stop reason at the response's last event.
    pub fn on_event(
        &mut self,
        name: Option<&str>,
        data: &str,
        out: &mut Vec<StreamEvent>,
    ) -> std::result::Result<Option<StopReason>, StreamFailure> {
        if data.trim().is_empty() {
            return Ok(None);
        }
        let value = json_data(data)?;
        let kind = value.get("type").and_then(Value::as_str).or(name);
        let text = |field: &str| {
            value
                .get(field)
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
        };
        match kind {
            Some("response.created" | "response.in_progress") if !self.model_seen => {
                let model = value.get("response").and_then(|r| r.get("model"));
                if let Some(model) = model.and_then(Value::as_str) {
                    self.model_seen = true;
                    out.push(StreamEvent::Model(model.to_string()));
                }
            }
            Some("response.output_text.delta" | "response.refusal.delta") => {
                out.extend(text("delta").map(StreamEvent::Delta));
            }
            Some("response.reasoning_summary_text.delta") => {
                if let Some(delta) = text("delta") {
                    let index = |field: &str| value.get(field).and_then(Value::as_u64);
                    let part = (
                        index("output_index").unwrap_or(0),
                        index("summary_index").unwrap_or(0),
                    );
                    let delta = match self.summary_part.replace(part) {
                        Some(last) if last != part => format!("\n\n{delta}"),
                        _ => delta,
                    };
                    out.push(StreamEvent::Reasoning(delta));
                }
            }
            Some("response.reasoning_text.delta") => {
                out.extend(text("delta").map(StreamEvent::Reasoning));
            }
            Some("response.output_item.done") => {
                if let Some(item) = value
                    .get("item")
                    .filter(|item| item.get("type").and_then(Value::as_str) == Some("reasoning"))
                {
                    self.reasoning_items.push(item.clone());
                }
            }
            Some(end @ ("response.completed" | "response.incomplete")) => {
                let response = value.get("response").unwrap_or(&Value::Null);
                if let Some(usage) = response.get("usage").and_then(usage) {
                    out.push(StreamEvent::Usage(usage));
                }
                out.extend(kept_reasoning(std::mem::take(&mut self.reasoning_items)));
                return Ok(Some(if end == "response.completed" {
                    StopReason::Stop
                } else {
                    incomplete_reason(response)
                }));
            }
            Some("response.failed") => {
                let response = value.get("response").unwrap_or(&Value::Null);
                return Err(StreamFailure::Server(response_error(response)));
            }
            Some("error") => return Err(StreamFailure::Server(ServerError::from_body(data))),
            // Items and parts opening and closing, the `.done` texts, annotations, and event
            // types added later.
            _ => {}
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
        EventMapper::on_event(self, event.event.as_deref(), &event.data, out)
    }
}

/// A whole (non-streamed) response object as events.
pub(crate) fn whole(bytes: &[u8], target: &Target) -> Result<Vec<StreamEvent>> {
    match parse_response(bytes) {
        ResponseOutcome::Events(events) => Ok(events),
        ResponseOutcome::ServerError(server) => Err(target
            .error(
                server.kind_in_stream(),
                format!("the server reported an error: {}.", server.message),
            )
            .with_detail(server.message)),
        ResponseOutcome::Malformed => Err(target
            .protocol_error("the reply was not a response object")
            .with_detail(body_start(bytes))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ProviderData, Usage};

    fn feed(
        mapper: &mut EventMapper,
        events: &[&str],
        out: &mut Vec<StreamEvent>,
    ) -> Vec<std::result::Result<Option<StopReason>, StreamFailure>> {
        events
            .iter()
            .map(|data| mapper.on_event(None, data, out))
            .collect()
    }

    #[test]
    fn text_reasoning_usage_and_kept_reasoning_then_the_stop() {
        let mut mapper = EventMapper::new();
        let mut out = Vec::new();
        let steps = feed(
            &mut mapper,
            &[
                r#"{"type":"response.created","response":{"id":"resp_1","object":"response","status":"in_progress","model":"gpt-5-codex","output":[]},"sequence_number":0}"#,
                r#"{"type":"response.in_progress","response":{"model":"gpt-5-codex"},"sequence_number":1}"#,
                r#"{"type":"response.reasoning_summary_text.delta","item_id":"rs_1","output_index":0,"summary_index":0,"delta":"One.","sequence_number":2}"#,
                r#"{"type":"response.reasoning_summary_text.delta","item_id":"rs_1","output_index":0,"summary_index":1,"delta":"Two.","sequence_number":3}"#,
                r#"{"type":"response.output_item.done","output_index":0,"item":{"id":"rs_1","type":"reasoning","summary":[],"encrypted_content":"gAAA"},"sequence_number":4}"#,
                r#"{"type":"response.output_text.delta","item_id":"msg_1","output_index":1,"content_index":0,"delta":"Hi","sequence_number":5}"#,
                r#"{"type":"response.output_text.done","item_id":"msg_1","output_index":1,"content_index":0,"text":"Hi","sequence_number":6}"#,
            ],
            &mut out,
        );
        assert!(steps.iter().all(|s| *s == Ok(None)), "{steps:?}");
        let stop = mapper.on_event(
            Some("response.incomplete"),
            r#"{"type":"response.incomplete","response":{"status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"usage":{"input_tokens":3,"output_tokens":4,"output_tokens_details":{"reasoning_tokens":2},"total_tokens":7}},"sequence_number":7}"#,
            &mut out,
        );
        assert_eq!(stop, Ok(Some(StopReason::Length)));
        assert_eq!(
            out,
            vec![
                StreamEvent::Model("gpt-5-codex".into()),
                StreamEvent::Reasoning("One.".into()),
                StreamEvent::Reasoning("\n\nTwo.".into()),
                StreamEvent::Delta("Hi".into()),
                StreamEvent::Usage(Usage {
                    prompt_tokens: Some(3),
                    completion_tokens: Some(4),
                    total_tokens: Some(7),
                }),
                StreamEvent::ProviderData(ProviderData {
                    family: super::super::wire::FAMILY.into(),
                    value: serde_json::json!([{"id":"rs_1","type":"reasoning","summary":[],"encrypted_content":"gAAA"}]),
                }),
            ]
        );
    }

    #[test]
    fn failures_and_errors_end_the_stream() {
        let mut out = Vec::new();
        let failed = EventMapper::new().on_event(
            None,
            r#"{"type":"response.failed","response":{"status":"failed","error":{"code":"server_error","message":"The model failed to generate a response."}},"sequence_number":3}"#,
            &mut out,
        );
        assert!(matches!(failed, Err(StreamFailure::Server(e))
            if e.message == "The model failed to generate a response." && e.code.as_deref() == Some("server_error")));
        let error = EventMapper::new().on_event(
            Some("error"),
            r#"{"type":"error","code":"rate_limit_exceeded","message":"Slow down","param":null,"sequence_number":2}"#,
            &mut out,
        );
        assert!(matches!(error, Err(StreamFailure::Server(e))
            if e.message == "Slow down" && e.kind_in_stream() == crate::error::ErrorKind::RateLimited));
        let completed = EventMapper::new().on_event(
            None,
            r#"{"type":"response.completed","response":{"status":"completed","usage":null},"sequence_number":9}"#,
            &mut out,
        );
        assert_eq!(completed, Ok(Some(StopReason::Stop)));
        assert!(out.is_empty(), "{out:?}");
        assert!(matches!(
            EventMapper::new().on_event(None, "{\"type\":\"response.out", &mut out),
            Err(StreamFailure::Malformed(_))
        ));
    }
}
