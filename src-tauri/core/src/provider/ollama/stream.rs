//! Ollama's answer objects to [`StreamEvent`]s (sans IO; the shared relay reads the
//! newline-delimited body, one object per line). It must not read the network or build requests.
//!
//! A stream is objects with `done: false` carrying text (`message.content` or `response`) and
//! reasoning (`message.thinking` or `thinking`), ended by one with `done: true`, `done_reason`
//! and the token counts. An error while streaming is an object `{"error": "…"}` on its own line
//! (the status stays 200). A body that ends without the `done: true` object was cut short.

use super::wire::{parse_chunk, Chunk};
use crate::http::Target;
use crate::model::StopReason;
use crate::provider::contract::StreamEvent;
use crate::provider::relay::{json_data, DataMapper, StreamFailure};
use crate::provider::server_error::ServerError;
use crate::provider::support::body_start;

/// Maps the objects of `/api/chat` and `/api/generate` streams.
#[derive(Debug, Default)]
pub struct ObjectMapper {
    model_sent: bool,
}

impl ObjectMapper {
    fn emit(&mut self, chunk: Chunk, out: &mut Vec<StreamEvent>) -> Option<StopReason> {
        if let Some(model) = chunk.model.filter(|_| !self.model_sent) {
            self.model_sent = true;
            out.push(StreamEvent::Model(model));
        }
        if !chunk.thinking.is_empty() {
            out.push(StreamEvent::Reasoning(chunk.thinking));
        }
        if !chunk.text.is_empty() {
            out.push(StreamEvent::Delta(chunk.text));
        }
        if let Some(usage) = chunk.usage {
            out.push(StreamEvent::Usage(usage));
        }
        chunk.reason.filter(|_| chunk.done)
    }
}

impl DataMapper for ObjectMapper {
    fn on_data(
        &mut self,
        data: &str,
        out: &mut Vec<StreamEvent>,
    ) -> Result<Option<StopReason>, StreamFailure> {
        let value = json_data(data)?;
        if value.get("error").is_some_and(|e| !e.is_null()) {
            return Err(StreamFailure::Server(ServerError::from_body(data)));
        }
        let chunk = parse_chunk(&value)
            .ok_or_else(|| StreamFailure::Malformed(crate::error::truncate(data, 300)))?;
        Ok(self.emit(chunk, out))
    }
}

/// A whole answer (`stream: false`): one object with `done: true`.
pub(crate) fn whole(bytes: &[u8], target: &Target) -> crate::error::Result<Vec<StreamEvent>> {
    let chunk = serde_json::from_slice(bytes)
        .ok()
        .as_ref()
        .and_then(parse_chunk)
        .filter(|c| c.done)
        .ok_or_else(|| {
            target
                .protocol_error("the answer had no generated text")
                .with_detail(body_start(bytes))
        })?;
    let mut out = Vec::new();
    let reason = ObjectMapper::default()
        .emit(chunk, &mut out)
        .unwrap_or(StopReason::Stop);
    out.push(StreamEvent::Done(reason));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Usage;

    #[test]
    fn chat_objects_with_thinking_then_the_last_one() {
        let (steps, out) = crate::provider::relay::feed(
            &mut ObjectMapper::default(),
            &[
                r#"{"model":"qwen3","created_at":"t","message":{"role":"assistant","content":"","thinking":"Hm."},"done":false}"#,
                r#"{"model":"qwen3","created_at":"t","message":{"role":"assistant","content":"Hi"},"done":false}"#,
                r#"{"model":"qwen3","created_at":"t","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":3,"eval_count":2}"#,
            ],
        );
        assert_eq!(steps, [Ok(None), Ok(None), Ok(Some(StopReason::Stop))]);
        assert_eq!(
            out,
            [
                StreamEvent::Model("qwen3".into()),
                StreamEvent::Reasoning("Hm.".into()),
                StreamEvent::Delta("Hi".into()),
                StreamEvent::Usage(Usage {
                    prompt_tokens: Some(3),
                    completion_tokens: Some(2),
                    total_tokens: Some(5)
                }),
            ]
        );
    }

    #[test]
    fn an_error_object_and_a_foreign_object_fail() {
        let (steps, out) = crate::provider::relay::feed(
            &mut ObjectMapper::default(),
            &[
                r#"{"model":"m","response":"Par","done":false}"#,
                r#"{"error":"an error was encountered while running the model"}"#,
                r#"{"foo":1}"#,
            ],
        );
        assert_eq!(steps[0], Ok(None));
        match &steps[1] {
            Err(StreamFailure::Server(server)) => {
                assert_eq!(
                    server.message,
                    "an error was encountered while running the model"
                )
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(steps[2], Err(StreamFailure::Malformed(_))));
        assert_eq!(out[1], StreamEvent::Delta("Par".into()));
    }

    #[test]
    fn a_whole_answer() {
        let target = Target::new("t", "http://h/api/generate", "ollama");
        let events = whole(
            br#"{"model":"m","response":"The sky","done":true,"done_reason":"length"}"#,
            &target,
        )
        .unwrap();
        assert_eq!(
            events,
            [
                StreamEvent::Model("m".into()),
                StreamEvent::Delta("The sky".into()),
                StreamEvent::Done(StopReason::Length)
            ]
        );
        assert!(whole(br#"{"model":"m","response":"x","done":false}"#, &target).is_err());
    }
}
