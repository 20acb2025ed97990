//! OpenAI-style stream chunks → [`StreamEvent`]s, without IO.
//!
//! Feed the `data` of each SSE event to [`ChunkMapper::on_data`] and the decoder's end state to
//! [`ChunkMapper::on_end`]. Handles the quirks of the family: `[DONE]` (with or without a blank
//! line after it), usage-only chunks with `choices: []`, `null` or no `choices`, `data: null`,
//! reasoning in `reasoning_content` or `reasoning`, legacy `text` chunks, KoboldCpp's
//! `"finish_reason": "null"` string, and errors inside a 200 stream. A stream that ends with
//! neither `[DONE]` nor a finish reason was cut off.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;

use super::wire::WireUsage;
use crate::model::StopReason;
use crate::provider::contract::StreamEvent;
use crate::provider::relay::StreamFailure;
use crate::provider::server_error::ServerError;
use crate::stream::SseEnd;

/// Whether the stream goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// More events may follow.
    Continue,
    /// The reply is complete.
    Done(StopReason),
}

#[derive(Deserialize)]
struct Chunk<'a> {
    #[serde(borrow, default)]
    model: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    choices: Option<Vec<Choice<'a>>>,
    #[serde(default)]
    usage: Option<WireUsage>,
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Deserialize)]
struct Choice<'a> {
    #[serde(default)]
    index: Option<u32>,
    #[serde(borrow, default)]
    delta: Option<Delta<'a>>,
    #[serde(borrow, default)]
    message: Option<Delta<'a>>,
    #[serde(borrow, default)]
    text: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    finish_reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Delta<'a> {
    #[serde(borrow, default)]
    content: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    reasoning_content: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    reasoning: Option<Cow<'a, str>>,
}

/// Maps the chunks of one stream.
#[derive(Debug, Default)]
pub struct ChunkMapper {
    model_sent: bool,
    finish: Option<StopReason>,
}

impl ChunkMapper {
    /// A mapper at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Maps the `data` of one event, pushing events to `out`.
    pub fn on_data(
        &mut self,
        data: &str,
        out: &mut Vec<StreamEvent>,
    ) -> Result<Step, StreamFailure> {
        let data = data.trim();
        if data == "[DONE]" {
            return Ok(Step::Done(self.finish.unwrap_or(StopReason::Stop)));
        }
        if data.is_empty() || data == "null" {
            return Ok(Step::Continue);
        }
        let chunk: Chunk<'_> = match serde_json::from_str(data) {
            Ok(chunk) => chunk,
            Err(_) => return Err(StreamFailure::Malformed(crate::error::truncate(data, 200))),
        };
        if let Some(error) = chunk.error.as_ref().filter(|e| !e.is_null()) {
            return Err(StreamFailure::Server(ServerError::from_error_value(error)));
        }
        if !self.model_sent {
            if let Some(model) = chunk.model.filter(|m| !m.is_empty()) {
                self.model_sent = true;
                out.push(StreamEvent::Model(model.into_owned()));
            }
        }
        let first = chunk
            .choices
            .into_iter()
            .flatten()
            .find(|choice| choice.index.unwrap_or(0) == 0);
        if let Some(choice) = first {
            let delta = choice.delta.or(choice.message);
            if let Some(delta) = delta {
                if let Some(reasoning) = delta
                    .reasoning_content
                    .or(delta.reasoning)
                    .filter(|r| !r.is_empty())
                {
                    out.push(StreamEvent::Reasoning(reasoning.into_owned()));
                }
                if let Some(text) = delta.content.filter(|t| !t.is_empty()) {
                    out.push(StreamEvent::Delta(text.into_owned()));
                }
            }
            if let Some(text) = choice.text.filter(|t| !t.is_empty()) {
                out.push(StreamEvent::Delta(text.into_owned()));
            }
            if let Some(reason) = choice
                .finish_reason
                .filter(|r| !r.is_empty() && r != "null")
            {
                self.finish = Some(StopReason::from_finish_reason(&reason));
            }
        }
        if let Some(usage) = chunk.usage {
            out.push(StreamEvent::Usage(usage.to_usage()));
        }
        Ok(Step::Continue)
    }

    /// Maps the end of the stream (after the last complete event).
    pub fn on_end(
        &mut self,
        end: SseEnd,
        out: &mut Vec<StreamEvent>,
    ) -> Result<StopReason, StreamFailure> {
        if let Some(event) = end.unterminated {
            // An event the server did not finish with a blank line: fine when it is complete
            // (KoboldCpp's final `data: [DONE]`), a cut-off when its JSON is incomplete.
            match self.on_data(&event.data, out) {
                Ok(Step::Done(reason)) => return Ok(reason),
                Ok(Step::Continue) => {}
                Err(StreamFailure::Malformed(_)) => return Err(StreamFailure::Truncated),
                Err(other) => return Err(other),
            }
        }
        self.finish.ok_or(StreamFailure::Truncated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::SseDecoder;

    /// Runs `bytes` split into `chunks` through the decoder and the mapper.
    fn run(chunks: &[&[u8]]) -> (Vec<StreamEvent>, Result<StopReason, StreamFailure>) {
        let mut decoder = SseDecoder::new();
        let mut mapper = ChunkMapper::new();
        let mut out = Vec::new();
        for chunk in chunks {
            decoder.push(chunk);
            while let Some(event) = decoder.next_event() {
                match mapper.on_data(&event.data, &mut out) {
                    Ok(Step::Continue) => {}
                    Ok(Step::Done(reason)) => return (out, Ok(reason)),
                    Err(failure) => return (out, Err(failure)),
                }
            }
        }
        let result = mapper.on_end(decoder.finish(), &mut out);
        (out, result)
    }

    fn text_of(events: &[StreamEvent]) -> String {
        events
            .iter()
            .filter_map(|e| match e {
                StreamEvent::Delta(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn usage_only_chunks_with_empty_null_or_missing_choices() {
        let stream = concat!(
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}\n\n",
            "data: {\"choices\":null,\"usage\":null}\n\n",
            "data: {\"id\":\"x\"}\n\n",
            "data: null\n\n",
            "data: [DONE]\n\n",
        );
        let (events, result) = run(&[stream.as_bytes()]);
        assert_eq!(result, Ok(StopReason::Stop));
        assert_eq!(text_of(&events), "Hi");
        assert!(events
            .iter()
            .any(|e| matches!(e, StreamEvent::Usage(u) if u.total_tokens == Some(3))));
    }

    #[test]
    fn reasoning_fields_become_reasoning_events() {
        let stream = concat!(
            "data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"think\",\"content\":null}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"reasoning\":\" more\",\"reasoning_details\":[]}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"content\":\"answer\"},\"finish_reason\":\"stop\"}]}\n\n",
            "data: [DONE]\n\n",
        );
        let (events, result) = run(&[stream.as_bytes()]);
        assert_eq!(result, Ok(StopReason::Stop));
        assert_eq!(
            events,
            vec![
                StreamEvent::Reasoning("think".into()),
                StreamEvent::Reasoning(" more".into()),
                StreamEvent::Delta("answer".into())
            ]
        );
    }

    #[test]
    fn koboldcpp_null_string_and_done_without_line_end() {
        let stream = concat!(
            "data: {\"id\": \"koboldcpp\", \"model\": \"k\", \"choices\": [{\"index\": 0, \"finish_reason\": \"null\", \"delta\": {\"role\": \"assistant\", \"content\": \"jz ben\"}}]}\n\n",
            "data: {\"id\": \"koboldcpp\", \"model\": \"k\", \"choices\": [{\"index\": 0, \"finish_reason\": \"length\", \"delta\": {\"role\": \"assistant\", \"content\": \"i\"}}]}\n\n",
            "data: [DONE]",
        );
        let (events, result) = run(&[stream.as_bytes()]);
        assert_eq!(result, Ok(StopReason::Length));
        assert_eq!(events[0], StreamEvent::Model("k".into()));
        assert_eq!(text_of(&events), "jz beni");
    }

    #[test]
    fn mid_stream_errors_carry_the_server_message() {
        let openai = concat!(
            "data: {\"choices\":[{\"delta\":{\"content\":\"The\"}}]}\n\n",
            "data: {\"error\": {\"message\": \"The server had an error while processing your request. Sorry about that!\", \"type\": \"server_error\"}}\n\n",
        );
        let (events, result) = run(&[openai.as_bytes()]);
        assert_eq!(text_of(&events), "The");
        match result {
            Err(StreamFailure::Server(err)) => {
                assert!(err.message.starts_with("The server had an error"))
            }
            other => panic!("unexpected {other:?}"),
        }
        let openrouter = "data: {\"id\":\"gen-1\",\"error\":{\"code\":502,\"message\":\"Network connection lost.\"},\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\"}]}\n\n";
        let (_, result) = run(&[openrouter.as_bytes()]);
        assert!(matches!(
            result,
            Err(StreamFailure::Server(ServerError {
                numeric: Some(502),
                ..
            }))
        ));
    }

    #[test]
    fn end_without_done_or_finish_is_truncated_and_keeps_text() {
        let (events, result) = run(&[b"data: {\"choices\":[{\"delta\":{\"content\":\"par\"}}]}\n\ndata: {\"id\":\"chatcmpl-1\",\"obj"]);
        assert_eq!(text_of(&events), "par");
        assert_eq!(result, Err(StreamFailure::Truncated));
        let (_, clean_eof) = run(&[b"data: {\"choices\":[{\"delta\":{\"content\":\"par\"}}]}\n\n"]);
        assert_eq!(clean_eof, Err(StreamFailure::Truncated));
    }

    #[test]
    fn finish_reason_without_done_is_a_complete_reply() {
        let (_, result) = run(&[b"data: {\"choices\":[{\"delta\":{\"content\":\"x\"},\"finish_reason\":\"length\"}]}\n\n"]);
        assert_eq!(result, Ok(StopReason::Length));
    }

    #[test]
    fn malformed_chunk_in_the_middle_is_a_protocol_failure() {
        let (_, result) = run(&[b"data: {not json}\n\ndata: [DONE]\n\n"]);
        assert!(matches!(result, Err(StreamFailure::Malformed(_))));
    }

    #[test]
    fn legacy_text_completion_chunks() {
        let (events, result) = run(&[b"data: {\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\"on,fod\",\"finish_reason\":\"length\"}]}\n\ndata: [DONE]"]);
        assert_eq!(text_of(&events), "on,fod");
        assert_eq!(result, Ok(StopReason::Length));
    }

    #[test]
    fn only_the_first_choice_is_read() {
        let (events, _) = run(&[b"data: {\"choices\":[{\"index\":1,\"delta\":{\"content\":\"B\"}},{\"index\":0,\"delta\":{\"content\":\"A\"}}]}\n\ndata: [DONE]\n\n"]);
        assert_eq!(text_of(&events), "A");
    }
}
