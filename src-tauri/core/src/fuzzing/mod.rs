//! Checks over arbitrary input, one per fuzz target in `fuzz/` (and replayed over the saved
//! corpus by `tests/fuzz_corpus.rs` in every test run).
//!
//! Each check feeds the bytes to a parser of outside input and panics only when a property
//! breaks: not merely "does not crash" but "gives the same answer however the bytes arrive" and
//! "what is written back reads back the same". The first bytes of the input steer the check
//! (where to cut the stream, which family decodes it); the rest is the input itself.

// A broken property is reported the way fuzzers see it: a panic.
#![allow(clippy::panic)]

mod streams;

pub use self::streams::{map_stream, MappedStream, StreamFamily};

use crate::catalogue::SOURCES;
use crate::provider::server_error::ServerError;
use crate::provider::{anthropic, cohere, horde, kobold, novelai, openai_compat};
use crate::stream::SseDecoder;
use crate::transfer::{self, FileContents};

/// A check: panics when the input breaks its property.
pub type Check = fn(&[u8]);

/// Every check, by the name of its fuzz target.
pub const CHECKS: &[(&str, Check)] = &[
    ("sse_decoder", sse_decoder),
    ("stream_events", stream_events),
    ("answers", answers),
    ("chat_files", chat_files),
    ("settings_import", settings_import),
    ("stop_strings", stop_strings),
    ("urls", urls),
    ("openai_chunks", openai_chunks),
];

/// Splits `data` after its first `n` steering bytes; short inputs steer with zeros.
fn steer<const N: usize>(data: &[u8]) -> ([u8; N], &[u8]) {
    let mut head = [0u8; N];
    let n = data.len().min(N);
    head[..n].copy_from_slice(&data[..n]);
    (head, &data[n..])
}

/// `bytes` cut at up to three points chosen by `cuts`.
fn chunks<'a>(bytes: &'a [u8], cuts: &[u8]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts
        .iter()
        .map(|&c| (c as usize * (bytes.len() + 1)) / 256)
        .collect();
    points.sort_unstable();
    let mut out = Vec::new();
    let mut at = 0;
    for point in points {
        out.push(&bytes[at..point]);
        at = point;
    }
    out.push(&bytes[at..]);
    out
}

/// The SSE decoder gives the same events whether the body comes whole, cut anywhere, or a
/// byte at a time.
pub fn sse_decoder(data: &[u8]) {
    let (cuts, body) = steer::<3>(data);
    let decode = |parts: &[&[u8]]| {
        let mut decoder = SseDecoder::new();
        let mut events = Vec::new();
        for part in parts {
            decoder.push(part);
            while let Some(event) = decoder.next_event() {
                events.push(event);
            }
        }
        let end = decoder.finish();
        (events, end.unterminated, end.clean)
    };
    let whole = decode(&[body]);
    assert_eq!(decode(&chunks(body, &cuts)), whole, "cut at {cuts:?}");
    if body.len() <= 512 {
        let bytes: Vec<&[u8]> = body.chunks(1).collect();
        assert_eq!(decode(&bytes), whole, "a byte at a time");
    }
}

/// Each streaming family's mapper (SSE decoding included) gives the same reply however the body
/// is cut, and a reply that ends well carries no error.
pub fn stream_events(data: &[u8]) {
    let ([which, a, b, c], body) = steer::<4>(data);
    let family = StreamFamily::ALL[which as usize % StreamFamily::ALL.len()];
    let whole = map_stream(family, &[body]);
    let cut = map_stream(family, &chunks(body, &[a, b, c]));
    assert_eq!(cut, whole, "{family:?} cut at {:?}", [a, b, c]);
}

/// The fast paths of the OpenAI-compatible chunk reader (the one-pass scanner, and a chunk in
/// the envelope of the one before it) map every chunk exactly as serde does. Each line of the
/// input is one chunk's data, given to a mapper with the fast paths and to one without.
pub fn openai_chunks(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut fast = openai_compat::stream::ChunkMapper::new();
    let mut reference = openai_compat::stream::ChunkMapper::serde_only();
    for line in text.split('\n') {
        let (mut by_fast, mut by_serde) = (Vec::new(), Vec::new());
        let fast_step = fast.on_data(line, &mut by_fast);
        let serde_step = reference.on_data(line, &mut by_serde);
        assert_eq!(
            (fast_step, by_fast),
            (serde_step, by_serde),
            "chunk {line:?}"
        );
    }
}

/// Every parser of a whole (non-streamed) answer or error body takes any bytes.
pub fn answers(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let server = ServerError::from_body(&text);
    for status in [400, 401, 404, 429, 500, 503] {
        let _ = server.kind_for_status(status);
    }
    let _ = server.kind_in_stream();
    let _ = openai_compat::wire::parse_models(data);
    let _ = openai_compat::wire::parse_completion(data);
    let _ = anthropic::wire::parse_models_page(data);
    let _ = anthropic::wire::parse_message(data);
    let _ = cohere::wire::parse_models_page(data);
    let _ = cohere::wire::parse_chat(data);
    let _ = kobold::wire::parse_result(data);
    let _ = kobold::wire::parse_value(data);
    let _ = kobold::wire::parse_extra_version(data);
    let _ = kobold::wire::parse_generate(data);
    let _ = horde::wire::parse_models(data);
    let _ = horde::wire::parse_submitted(data);
    let _ = horde::wire::parse_status(data);
    let _ = horde::wire::parse_error(&text);
    let _ = horde::wire::limits(data, &horde::wire::models_of(&text));
    let _ = novelai::wire::parse_output(data);
    let _ = novelai::wire::parse_subscription(data);
}

/// Any file offered for import is read or refused with an error; a SillyTavern chat that reads
/// is written back and reads back to the same chat.
pub fn chat_files(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(FileContents::Chat(chat, _)) = transfer::read_file(text) else {
        return;
    };
    let _ = transfer::markdown::write(&chat);
    let _ = transfer::json::write_chat(&chat);
    let written = transfer::sillytavern::write(&chat);
    let again = match transfer::sillytavern::parse(&written) {
        Ok(again) => again,
        Err(err) => panic!("a chat written back does not read: {err:?}\n{written}"),
    };
    assert!(
        again.skipped.is_empty(),
        "lines skipped: {:?}",
        again.skipped
    );
    assert_eq!(again.chat, chat, "round trip changed the chat\n{written}");
}

/// SillyTavern's settings and secrets files are read into profiles or refused, never a crash.
pub fn settings_import(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(drafts) = transfer::settings::profiles_from_sillytavern_settings(&text) {
        for draft in drafts {
            if let Some(name) = draft.secret_name() {
                let _ = transfer::settings::sillytavern_secret(&text, name);
            }
        }
    }
    let _ = transfer::settings::sillytavern_proxy_password(&text);
    for name in transfer::settings::sillytavern_secret_names(&text) {
        let _ = transfer::settings::sillytavern_secret(&text, &name);
    }
}

/// Stop strings cut the same text however the reply is chunked: everything before the first
/// stop string, and nothing of one ever shown.
pub fn stop_strings(data: &[u8]) {
    let ([a, b, c, stops_len], rest) = steer::<4>(data);
    let rest = String::from_utf8_lossy(rest);
    let split = (stops_len as usize).min(rest.len());
    let split = (0..=split)
        .rev()
        .find(|&i| rest.is_char_boundary(i))
        .unwrap_or(0);
    let (stops, reply) = rest.split_at(split);
    let stops: Vec<String> = stops.split('|').map(str::to_string).collect();
    let expected = stops
        .iter()
        .filter(|s| !s.is_empty())
        .filter_map(|s| reply.find(s.as_str()))
        .min()
        .map_or(reply, |at| &reply[..at]);

    let mut trimmer = crate::prompt::instruct::StopTrimmer::new(&stops);
    let mut shown = String::new();
    for part in chunks(reply.as_bytes(), &[a, b, c]) {
        // Chunks arrive as text: cut only on char boundaries.
        let Ok(part) = std::str::from_utf8(part) else {
            return;
        };
        shown.push_str(&trimmer.push(part));
    }
    if !trimmer.stopped() {
        shown.push_str(&trimmer.finish());
    }
    assert_eq!(shown, expected, "stops {stops:?}");
}

/// A URL a source accepts is already normal: normalizing it again changes nothing.
pub fn urls(data: &[u8]) {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    for source in SOURCES {
        let kind = source.kind;
        if let Ok(normal) = kind.normalize_url(input) {
            match kind.normalize_url(&normal.url) {
                Ok(again) => assert_eq!(again.url, normal.url, "{kind:?}: {input:?}"),
                Err(err) => panic!("{kind:?}: {input:?} gave {:?}, refused: {err}", normal.url),
            }
        }
    }
}
