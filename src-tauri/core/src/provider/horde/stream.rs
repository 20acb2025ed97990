//! AI Horde's answer as events: a submitted request is polled, and each status becomes the
//! wait in the queue ([`StreamEvent::Queued`], when it changed), the text once a worker is done,
//! or the error that ends the reply (sans IO; the adapter polls). It must not read the network
//! or build requests.

use super::wire;
use crate::error::{ErrorKind, Result};
use crate::http::Target;
use crate::model::StopReason;
use crate::provider::contract::StreamEvent;
use crate::provider::support::body_start;

/// What one status answer comes to.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Still queued or being written: poll again, after these events.
    Wait(Vec<StreamEvent>),
    /// The reply, ending with `Done`.
    Done(Vec<StreamEvent>),
}

/// Maps the status answers of one submitted request.
#[derive(Debug, Default)]
pub struct StatusMapper {
    /// The models asked for, named in errors.
    models: Vec<String>,
    /// The queue position and rounded wait last reported.
    last_queue: Option<(u32, u64)>,
}

impl StatusMapper {
    /// A mapper for a request to `models`.
    pub fn new(models: Vec<String>) -> StatusMapper {
        StatusMapper {
            models,
            last_queue: None,
        }
    }

    /// One status answer (`target` is its URL, for errors).
    pub fn on_status(&mut self, bytes: &[u8], target: &Target) -> Result<Step> {
        let Some(status) = wire::parse_status(bytes) else {
            return Err(target
                .protocol_error("the request's status was not readable")
                .with_detail(body_start(bytes)));
        };
        if status.faulted {
            return Err(target.error(
                ErrorKind::ProviderUnavailable,
                "a Horde worker failed on this request and the Horde gave up. Try again.",
            ));
        }
        if status.is_possible == Some(false) {
            return Err(target.error(
                ErrorKind::ProviderUnavailable,
                format!(
                    "no Horde worker can serve this request ({}). Choose other models or lower the reply length and context size.",
                    self.models.join(", ")
                ),
            ));
        }
        if status.done {
            let Some(generation) = status.generations.into_iter().next() else {
                return Err(target.protocol_error("the request finished without any text"));
            };
            let mut events = Vec::new();
            if let Some(model) = generation.model.filter(|m| !m.is_empty()) {
                events.push(StreamEvent::Model(model));
            }
            if !generation.text.is_empty() {
                events.push(StreamEvent::Delta(generation.text));
            }
            events.push(StreamEvent::Done(StopReason::Stop));
            return Ok(Step::Done(events));
        }
        let position = status.queue_position.unwrap_or(0.0).max(0.0) as u32;
        let wait_secs = status.wait_time.unwrap_or(0.0).max(0.0);
        let key = (position, wait_secs.round() as u64);
        if self.last_queue == Some(key) {
            return Ok(Step::Wait(Vec::new()));
        }
        self.last_queue = Some(key);
        Ok(Step::Wait(vec![StreamEvent::Queued {
            position,
            wait_secs,
        }]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_queue_changes_then_the_text() {
        let target = Target::new(
            "test",
            "http://127.0.0.1:1/api/v2/generate/text/status/x",
            "horde",
        );
        let mut mapper = StatusMapper::new(vec!["m".into()]);
        let queued = br#"{"done":false,"queue_position":3,"wait_time":20}"#;
        assert_eq!(
            mapper.on_status(queued, &target).unwrap(),
            Step::Wait(vec![StreamEvent::Queued {
                position: 3,
                wait_secs: 20.0
            }])
        );
        assert_eq!(
            mapper.on_status(queued, &target).unwrap(),
            Step::Wait(Vec::new())
        );
        let done = br#"{"done":true,"generations":[{"text":"Hi","model":"m"}]}"#;
        assert_eq!(
            mapper.on_status(done, &target).unwrap(),
            Step::Done(vec![
                StreamEvent::Model("m".into()),
                StreamEvent::Delta("Hi".into()),
                StreamEvent::Done(StopReason::Stop)
            ])
        );
        let impossible = br#"{"done":false,"is_possible":false}"#;
        let err = mapper.on_status(impossible, &target).unwrap_err();
        assert_eq!(err.kind, ErrorKind::ProviderUnavailable);
        assert!(err.message.contains("(m)"), "{}", err.message);
        let err = mapper.on_status(b"<html>", &target).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Protocol);
    }
}
