//! Decoder tests on the exact bytes recorded from real llama.cpp and KoboldCpp servers
//! (`tests/fixtures/recorded`): every stream decoded whole, split at every byte offset, one byte
//! at a time and in the server's own read boundaries must give the same events; and property
//! tests that no input bytes make the decoders panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::Value;
use switchboard_core::fuzzing::{map_stream, StreamFamily};
use switchboard_core::provider::openai_compat::stream::ChunkMapper;
use switchboard_core::provider::openai_compat::wire::{parse_completion, parse_models};
use switchboard_core::provider::relay::StreamFailure;
use switchboard_core::provider::server_error::ServerError;
use switchboard_core::provider::StreamEvent;
use switchboard_core::stream::{SseDecoder, SseEvent};
use switchboard_core::StopReason;

fn recorded() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/recorded")
}

/// Every recorded SSE stream: (name, body bytes, the server's read boundaries).
fn sse_fixtures() -> Vec<(String, Vec<u8>, Vec<usize>)> {
    let mut found = Vec::new();
    for dir in fs::read_dir(recorded()).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let Some(case) = name.strip_suffix(".response.head") else {
                continue;
            };
            let head = fs::read_to_string(&path).unwrap();
            if !head
                .to_ascii_lowercase()
                .contains("content-type: text/event-stream")
            {
                continue;
            }
            let body = fs::read(dir.join(format!("{case}.response.body"))).unwrap();
            let chunks_path = dir.join(format!("{case}.chunks.jsonl"));
            let mut sizes = Vec::new();
            if let Ok(lines) = fs::read_to_string(&chunks_path) {
                for line in lines.lines().filter(|l| !l.trim().is_empty()) {
                    let chunk: Value = serde_json::from_str(line).unwrap();
                    sizes.push(chunk["n"].as_u64().unwrap() as usize);
                }
            }
            found.push((
                format!("{}/{case}", dir.file_name().unwrap().to_string_lossy()),
                body,
                sizes,
            ));
        }
    }
    found.sort();
    assert!(
        found.len() >= 10,
        "expected the recorded streams, found {}",
        found.len()
    );
    found
}

fn decode(chunks: &[&[u8]]) -> (Vec<SseEvent>, Option<SseEvent>, bool) {
    let mut decoder = SseDecoder::new();
    let mut events = Vec::new();
    for chunk in chunks {
        decoder.push(chunk);
        while let Some(event) = decoder.next_event() {
            events.push(event);
        }
    }
    let end = decoder.finish();
    (events, end.unterminated, end.clean)
}

#[test]
fn recorded_streams_decode_the_same_at_every_split() {
    for (name, body, sizes) in sse_fixtures() {
        let whole = decode(&[&body]);
        assert!(!whole.0.is_empty(), "{name}: no events");
        for cut in 0..=body.len() {
            assert_eq!(
                decode(&[&body[..cut], &body[cut..]]),
                whole,
                "{name}: split at {cut}"
            );
        }
        let bytes: Vec<&[u8]> = body.chunks(1).collect();
        assert_eq!(decode(&bytes), whole, "{name}: one byte at a time");
        if sizes.iter().sum::<usize>() == body.len() {
            let mut reads = Vec::new();
            let mut at = 0;
            for size in sizes {
                reads.push(&body[at..at + size]);
                at += size;
            }
            assert_eq!(decode(&reads), whole, "{name}: server read boundaries");
        }
    }
}

/// An independent reading of a recorded OpenAI-style stream (LF framing only): the text of
/// `choices[0].delta.content` / `choices[0].text` and the last finish reason.
fn oracle(body: &[u8]) -> (String, Option<String>) {
    let text = String::from_utf8(body.to_vec()).unwrap();
    let mut reply = String::new();
    let mut finish = None;
    for block in text.split("\n\n") {
        let Some(data) = block.trim().strip_prefix("data: ") else {
            continue;
        };
        let Ok(chunk) = serde_json::from_str::<Value>(data) else {
            continue;
        };
        let choice = &chunk["choices"][0];
        for piece in [&choice["delta"]["content"], &choice["text"]] {
            if let Some(s) = piece.as_str() {
                reply.push_str(s);
            }
        }
        if let Some(reason) = choice["finish_reason"].as_str().filter(|r| *r != "null") {
            finish = Some(reason.to_string());
        }
    }
    (reply, finish)
}

fn map_openai(chunks: &[&[u8]]) -> (String, Result<StopReason, StreamFailure>) {
    let mapped = map_stream(StreamFamily::OpenAi, chunks);
    let text = mapped
        .events
        .iter()
        .filter_map(|event| match event {
            StreamEvent::Delta(delta) => Some(delta.as_str()),
            _ => None,
        })
        .collect();
    (text, mapped.end)
}

#[test]
fn recorded_openai_streams_map_to_the_same_reply_at_every_split() {
    let mut checked = 0;
    for (name, body, _) in sse_fixtures() {
        if name.starts_with("koboldcpp-kobold-api") {
            continue; // KoboldAI's own stream format belongs to the Kobold family.
        }
        if name.starts_with("llama-server-native/completion") {
            continue; // llama.cpp's own stream belongs to the llama.cpp family.
        }
        let (expected_text, expected_finish) = oracle(&body);
        let whole = map_openai(&[&body]);
        assert_eq!(whole.0, expected_text, "{name}");
        let expected_reason = expected_finish
            .as_deref()
            .map_or(StopReason::Stop, StopReason::from_finish_reason);
        assert_eq!(whole.1, Ok(expected_reason), "{name}");
        for cut in 0..=body.len() {
            assert_eq!(
                map_openai(&[&body[..cut], &body[cut..]]),
                whole,
                "{name}: split at {cut}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} OpenAI-style streams");
}

/// KoboldCpp's own `token` stream through the Kobold family's mapper: a finished reply with
/// text, the same at every split.
#[test]
fn recorded_kobold_streams_map_to_the_same_reply_at_every_split() {
    let mut checked = 0;
    for (name, body, _) in sse_fixtures() {
        if !name.starts_with("koboldcpp-kobold-api") {
            continue;
        }
        let whole = map_stream(StreamFamily::Kobold, &[&body]);
        assert!(whole.end.is_ok(), "{name}: {:?}", whole.end);
        assert!(
            whole
                .events
                .iter()
                .any(|e| matches!(e, StreamEvent::Delta(t) if !t.is_empty())),
            "{name}: no text"
        );
        for cut in 0..=body.len() {
            let split = map_stream(StreamFamily::Kobold, &[&body[..cut], &body[cut..]]);
            assert_eq!(split, whole, "{name}: split at {cut}");
        }
        checked += 1;
    }
    assert!(checked >= 1, "no KoboldCpp token streams recorded");
}

/// llama.cpp's own `/completion` stream through the llama.cpp family's mapper: the recorded
/// reply with its counts, the same at every split; a stop string ends it as recorded.
#[test]
fn recorded_llamacpp_native_streams_map_to_the_same_reply_at_every_split() {
    let mut checked = 0;
    for (name, body, _) in sse_fixtures() {
        if !name.starts_with("llama-server-native/completion") {
            continue;
        }
        let whole = map_stream(StreamFamily::LlamaCpp, &[&body]);
        assert!(whole.end.is_ok(), "{name}: {:?}", whole.end);
        let text: String = whole
            .events
            .iter()
            .filter_map(|e| match e {
                StreamEvent::Delta(t) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        assert!(text.starts_with("for.."), "{name}: {text:?}");
        assert!(
            whole
                .events
                .iter()
                .any(|e| matches!(e, StreamEvent::Usage(u) if u.prompt_tokens == Some(13))),
            "{name}: {:?}",
            whole.events
        );
        for cut in 0..=body.len() {
            let split = map_stream(StreamFamily::LlamaCpp, &[&body[..cut], &body[cut..]]);
            assert_eq!(split, whole, "{name}: split at {cut}");
        }
        checked += 1;
    }
    assert_eq!(checked, 2, "the recorded native streams");
}

#[test]
fn koboldcpp_done_without_blank_line_is_a_clean_finish() {
    let body =
        fs::read(recorded().join("koboldcpp-openai-api/chat-stream-usage.response.body")).unwrap();
    assert!(
        body.ends_with(b"data: [DONE]"),
        "the recording ends without a line end"
    );
    let (text, result) = map_openai(&[&body]);
    assert_eq!(text, "jz beni");
    assert_eq!(result, Ok(StopReason::Length));
}

#[test]
fn recorded_error_bodies_give_the_servers_words() {
    let cases = [
        ("llamacpp-server/auth-wrong-chat", "Invalid API key"),
        ("llamacpp-server/bad-json", "Internal Server Error"),
        ("llamacpp-server/unknown-path", "Not Found"),
        ("koboldcpp-openai-api/bad-json", ""),
        (
            "koboldcpp-kobold-api/auth-wrong-generate",
            "Authentication key is missing or invalid.",
        ),
    ];
    for (case, expected) in cases {
        let body = fs::read_to_string(recorded().join(format!("{case}.response.body"))).unwrap();
        let error = ServerError::from_body(&body);
        if expected.is_empty() {
            assert!(!error.message.is_empty(), "{case}: {body}");
        } else {
            assert_eq!(error.message, expected, "{case}");
        }
    }
}

#[test]
fn recorded_models_and_completions_parse() {
    for dir in ["llamacpp-server", "koboldcpp-openai-api"] {
        let models = fs::read(recorded().join(dir).join("models.response.body")).unwrap();
        let models = parse_models(&models).unwrap();
        assert_eq!(models.len(), 1, "{dir}");
        let chat = fs::read(recorded().join(dir).join("chat-nonstream.response.body")).unwrap();
        match parse_completion(&chat) {
            switchboard_core::provider::openai_compat::wire::CompletionOutcome::Events(events) => {
                assert!(
                    events
                        .iter()
                        .any(|e| matches!(e, StreamEvent::Delta(t) if !t.is_empty())),
                    "{dir}"
                );
                assert_eq!(
                    events.last(),
                    Some(&StreamEvent::Done(StopReason::Length)),
                    "{dir}"
                );
            }
            other => panic!("{dir}: {other:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn sse_decoder_never_panics_and_ignores_chunking(
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let whole = decode(&[&bytes]);
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
        points.sort_unstable();
        let mut chunks = Vec::new();
        let mut at = 0;
        for point in points {
            chunks.push(&bytes[at..point]);
            at = point;
        }
        chunks.push(&bytes[at..]);
        prop_assert_eq!(decode(&chunks), whole);
    }

    #[test]
    fn sse_decoder_handles_structured_noise(
        parts in proptest::collection::vec(
            prop_oneof![
                Just(&b"data: "[..]), Just(&b"data:"[..]), Just(&b"event: x"[..]), Just(&b": c"[..]),
                Just(&b"\r"[..]), Just(&b"\n"[..]), Just(&b"\r\n"[..]), Just(&b"id: 1"[..]),
                Just("\u{e9}\u{1F44B}".as_bytes()), Just(&b"[DONE]"[..]), Just(&b"{\"a\":1}"[..]),
                Just(&b"\xEF\xBB\xBF"[..]), Just(&b"\xFF"[..]),
            ],
            0..64,
        ),
        split in any::<usize>(),
    ) {
        let bytes: Vec<u8> = parts.concat();
        let cut = split % (bytes.len() + 1);
        prop_assert_eq!(decode(&[&bytes[..cut], &bytes[cut..]]), decode(&[&bytes]));
    }

    #[test]
    fn json_decoders_never_panic(text in ".{0,256}", bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let mut mapper = ChunkMapper::new();
        let mut out = Vec::new();
        let _ = mapper.on_data(&text, &mut out);
        let _ = ServerError::from_body(&text);
        let _ = parse_completion(&bytes);
        let _ = parse_models(&bytes);
        let _ = parse_completion(text.as_bytes());
    }

    #[test]
    fn chunk_mapper_never_panics_on_chunk_like_json(
        content in proptest::option::of(".{0,32}"),
        reason in proptest::option::of(prop_oneof![Just("stop"), Just("length"), Just("null"), Just("error"), Just("")]),
        choices_null in any::<bool>(),
        with_usage in any::<bool>(),
        with_error in any::<bool>(),
    ) {
        let mut chunk = serde_json::json!({"id": "x", "object": "chat.completion.chunk"});
        chunk["choices"] = if choices_null {
            Value::Null
        } else {
            serde_json::json!([{"index": 0, "delta": {"content": content}, "finish_reason": reason}])
        };
        if with_usage {
            chunk["usage"] = serde_json::json!({"prompt_tokens": 1, "completion_tokens": -1});
        }
        if with_error {
            chunk["error"] = serde_json::json!({"message": content, "code": 502});
        }
        let mut mapper = ChunkMapper::new();
        let mut out = Vec::new();
        let _ = mapper.on_data(&chunk.to_string(), &mut out);
    }
}
