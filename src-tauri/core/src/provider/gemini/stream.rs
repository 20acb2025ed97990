//! Gemini's answer as events: each SSE event's data is one `GenerateContentResponse` chunk
//! (there is no `[DONE]`: the chunk with `finishReason` is the last, and a body that ends
//! without one was cut), and a whole answer is the same object once. Thoughts are reasoning,
//! the thought signatures become [`StreamEvent::ProviderData`] at the end, the pages a grounded
//! reply cites (`groundingMetadata.groundingChunks[].web`) [`StreamEvent::Sources`], a blocked
//! prompt is an error that says why. Sans IO: it must not read the network or build requests.

use serde_json::Value;

use super::wire::{block_explained, parse_chunk, signatures_data, stop_reason};
use crate::citations::Citations;
use crate::error::{ErrorKind, Result};
use crate::http::Target;
use crate::model::{StopReason, Usage};
use crate::provider::contract::StreamEvent;
use crate::provider::relay::{failure_error, json_data, DataMapper, StreamFailure};
use crate::provider::support::body_start;

/// Maps the chunks of one reply.
#[derive(Debug, Default)]
pub struct ChunkMapper {
    model_seen: bool,
    signatures: Vec<Value>,
    usage: Option<Usage>,
    /// The pages cited so far (grounding).
    cited: Citations,
}

impl ChunkMapper {
    /// A mapper at the start of a reply.
    pub fn new() -> ChunkMapper {
        ChunkMapper::default()
    }

    fn on_value(
        &mut self,
        value: &Value,
        out: &mut Vec<StreamEvent>,
    ) -> std::result::Result<Option<StopReason>, StreamFailure> {
        let chunk = match parse_chunk(value) {
            Some(Ok(chunk)) => chunk,
            Some(Err(server)) => return Err(StreamFailure::Server(server)),
            None => {
                return Err(StreamFailure::Malformed(crate::error::truncate(
                    &value.to_string(),
                    300,
                )))
            }
        };
        if let Some(reason) = chunk.blocked {
            return Err(StreamFailure::Declined {
                kind: ErrorKind::InvalidRequest,
                message: block_explained(&reason),
            });
        }
        if let Some(model) = chunk.model.filter(|_| !self.model_seen) {
            self.model_seen = true;
            out.push(StreamEvent::Model(model));
        }
        for (thought, text) in chunk.texts {
            out.push(if thought {
                StreamEvent::Reasoning(text)
            } else {
                StreamEvent::Delta(text)
            });
        }
        if self.cited.extend(chunk.cited.into_links()) {
            out.push(StreamEvent::Sources(self.cited.links().to_vec()));
        }
        self.signatures.extend(chunk.signatures);
        if chunk.usage.is_some() {
            self.usage = chunk.usage;
        }
        let Some(finish) = chunk.finish else {
            return Ok(None);
        };
        if let Some(usage) = self.usage.take() {
            out.push(StreamEvent::Usage(usage));
        }
        if !self.signatures.is_empty() {
            out.push(signatures_data(&self.signatures));
        }
        Ok(Some(stop_reason(&finish)))
    }
}

impl DataMapper for ChunkMapper {
    fn on_data(
        &mut self,
        data: &str,
        out: &mut Vec<StreamEvent>,
    ) -> std::result::Result<Option<StopReason>, StreamFailure> {
        if data.trim().is_empty() {
            return Ok(None);
        }
        let value = json_data(data)?;
        self.on_value(&value, out)
    }
}

/// A whole (non-streamed) `generateContent` answer as events.
pub(crate) fn whole(bytes: &[u8], target: &Target) -> Result<Vec<StreamEvent>> {
    let value: Value = serde_json::from_slice(bytes).map_err(|_| {
        target
            .protocol_error("the reply was not a Gemini answer")
            .with_detail(body_start(bytes))
    })?;
    let mut events = Vec::new();
    match ChunkMapper::new().on_value(&value, &mut events) {
        Ok(reason) => {
            events.push(StreamEvent::Done(reason.unwrap_or(StopReason::Other)));
            Ok(events)
        }
        Err(StreamFailure::Malformed(_)) => Err(target
            .protocol_error("the reply was not a Gemini answer")
            .with_detail(body_start(bytes))),
        Err(failure) => Err(failure_error(target, failure)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::relay::feed;
    use serde_json::json;

    #[test]
    fn chunks_map_to_reasoning_text_usage_signatures_and_one_stop() {
        let mut mapper = ChunkMapper::new();
        let chunks = [
            r#"{"candidates": [{"content": {"parts": [{"text": "Let me think","thought": true}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 8,"totalTokenCount": 8},"modelVersion": "gemini-2.5-flash","responseId": "r1"}"#,
            r#"{"candidates": [{"content": {"parts": [{"text": "Hello"}],"role": "model"},"index": 0}],"modelVersion": "gemini-2.5-flash","responseId": "r1"}"#,
            r#"{"candidates": [{"content": {"parts": [{"text": " there","thoughtSignature": "c2lnbmF0dXJl"}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 8,"candidatesTokenCount": 2,"totalTokenCount": 15,"thoughtsTokenCount": 5},"modelVersion": "gemini-2.5-flash","responseId": "r1"}"#,
        ];
        let (steps, out) = feed(&mut mapper, &chunks);
        assert_eq!(steps, vec![Ok(None), Ok(None), Ok(Some(StopReason::Stop))]);
        assert_eq!(
            out,
            vec![
                StreamEvent::Model("gemini-2.5-flash".into()),
                StreamEvent::Reasoning("Let me think".into()),
                StreamEvent::Delta("Hello".into()),
                StreamEvent::Delta(" there".into()),
                StreamEvent::Usage(Usage {
                    prompt_tokens: Some(8),
                    completion_tokens: Some(7),
                    total_tokens: Some(15)
                }),
                signatures_data(&[json!({"thoughtSignature": "c2lnbmF0dXJl"})]),
            ]
        );
    }

    #[test]
    fn grounding_chunks_become_sources_each_address_once() {
        let mut mapper = ChunkMapper::new();
        let chunks = [
            r#"{"candidates": [{"content": {"parts": [{"text": "Spain won Euro 2024."}],"role": "model"},"index": 0}],"modelVersion": "gemini-2.5-flash"}"#,
            r#"{"candidates": [{"content": {"parts": [{"text": ""}],"role": "model"},"finishReason": "STOP","index": 0,"groundingMetadata": {"webSearchQueries": ["who won euro 2024"],"searchEntryPoint": {"renderedContent": "<div></div>"},"groundingChunks": [{"web": {"uri": "https://vertexaisearch.cloud.google.com/grounding-api-redirect/1","title": "aljazeera.com"}},{"web": {"uri": "https://vertexaisearch.cloud.google.com/grounding-api-redirect/2","title": "uefa.com"}},{"web": {"uri": "https://vertexaisearch.cloud.google.com/grounding-api-redirect/1","title": "aljazeera.com"}},{"retrievedContext": {"uri": "gs://x"}}],"groundingSupports": []}}],"modelVersion": "gemini-2.5-flash"}"#,
        ];
        let (steps, out) = feed(&mut mapper, &chunks);
        assert_eq!(steps, vec![Ok(None), Ok(Some(StopReason::Stop))]);
        let sources: Vec<_> = out
            .iter()
            .filter_map(|e| match e {
                StreamEvent::Sources(links) => Some(links.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(sources.len(), 1, "{out:?}");
        let shown: Vec<(&str, Option<&str>)> = sources[0]
            .iter()
            .map(|l| (l.url.as_str(), l.title.as_deref()))
            .collect();
        assert_eq!(
            shown,
            [
                (
                    "https://vertexaisearch.cloud.google.com/grounding-api-redirect/1",
                    Some("aljazeera.com")
                ),
                (
                    "https://vertexaisearch.cloud.google.com/grounding-api-redirect/2",
                    Some("uefa.com")
                )
            ]
        );
    }

    #[test]
    fn a_blocked_prompt_an_error_object_and_bad_json_fail() {
        let mut mapper = ChunkMapper::new();
        let (steps, _) = feed(
            &mut mapper,
            &[
                r#"{"promptFeedback": {"blockReason": "SAFETY"},"usageMetadata": {"promptTokenCount": 4,"totalTokenCount": 4}}"#,
            ],
        );
        assert!(
            matches!(&steps[0], Err(StreamFailure::Declined { kind: ErrorKind::InvalidRequest, message }) if message.contains("SAFETY"))
        );
        let (steps, _) = feed(
            &mut ChunkMapper::new(),
            &[r#"{"error": {"code": 500, "message": "Internal error", "status": "INTERNAL"}}"#],
        );
        assert!(
            matches!(&steps[0], Err(StreamFailure::Server(e)) if e.message == "Internal error")
        );
        let (steps, _) = feed(&mut ChunkMapper::new(), &["{\"candid"]);
        assert!(matches!(steps[0], Err(StreamFailure::Malformed(_))));
    }

    #[test]
    fn a_whole_answer_is_the_same_events_and_ends_done() {
        let target = Target::new("Profile \"g\"", "http://127.0.0.1:1/v1beta", "gemini");
        let body = br#"{"candidates":[{"content":{"parts":[{"text":"Hi"}],"role":"model"},"finishReason":"MAX_TOKENS","index":0}],"modelVersion":"gemini-2.0-flash"}"#;
        assert_eq!(
            whole(body, &target).unwrap(),
            vec![
                StreamEvent::Model("gemini-2.0-flash".into()),
                StreamEvent::Delta("Hi".into()),
                StreamEvent::Done(StopReason::Length),
            ]
        );
        let blocked = whole(
            br#"{"promptFeedback":{"blockReason":"BLOCKLIST"}}"#,
            &target,
        )
        .unwrap_err();
        assert_eq!(blocked.kind, ErrorKind::InvalidRequest);
        assert!(blocked.message.contains("blocklist"), "{}", blocked.message);
        assert!(
            blocked.message.contains("127.0.0.1:1"),
            "{}",
            blocked.message
        );
        assert_eq!(
            whole(b"<html>", &target).unwrap_err().kind,
            ErrorKind::Protocol
        );
    }
}
