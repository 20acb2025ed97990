//! A hostile stream costs what reading its bytes costs: one attacker-sized `id:` line (or any
//! field the mappers do not read) followed by thousands of events that carry no text must not make
//! every event copy it. The work is counted, not timed: an instrumented global allocator counts
//! the bytes allocated while decoding, and the total must stay within a small multiple of the
//! input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::alloc::System;
use std::sync::Mutex;

use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use switchboard_core::fuzzing::{map_stream, StreamFamily};
use switchboard_core::stream::SseDecoder;

#[global_allocator]
static ALLOCATOR: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// The allocator counts for the whole process: the tests here run one at a time, so no other
/// test allocates while one measures.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn alone() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs `work` and returns the bytes allocated meanwhile (a reallocation that grows a block
/// counts its growth: the block it copies from was counted when it was allocated).
fn allocated_by(work: impl FnOnce()) -> usize {
    let region = Region::new(ALLOCATOR);
    work();
    region.change().bytes_allocated
}

const HUGE_FIELD: usize = 8 * 1024 * 1024;
const EVENTS: usize = 20_000;
/// The size of the reads a network connection hands over.
const READ: usize = 64 * 1024;

/// `prefix` followed by an 8 MB value and a line end, then `EVENTS` copies of `event`.
fn hostile(prefix: &str, event: &str) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(prefix.len() + HUGE_FIELD + 1 + EVENTS * event.len());
    bytes.extend_from_slice(prefix.as_bytes());
    bytes.resize(bytes.len() + HUGE_FIELD, b'x');
    bytes.push(b'\n');
    for _ in 0..EVENTS {
        bytes.extend_from_slice(event.as_bytes());
    }
    bytes
}

/// Holding the long line while it arrives costs a buffer that grows to at most twice its size,
/// and each small event a few allocations to decode and parse it: about 2× the input for the
/// decoder alone, 3.3× with the Anthropic mapper's JSON parsing. Copying the huge field into
/// every event would cost `EVENTS` times it, about 160 GB.
fn assert_cheap(what: &str, input: &[u8], allocated: usize) {
    let limit = 4 * input.len();
    eprintln!(
        "{what}: {} bytes in, {allocated} bytes allocated",
        input.len()
    );
    assert!(
        allocated <= limit,
        "{what}: decoding {} bytes allocated {allocated} bytes (limit {limit})",
        input.len()
    );
}

#[test]
fn a_huge_id_or_unknown_field_is_not_copied_into_every_event() {
    let _alone = alone();
    for prefix in ["id: ", "retry: ", "x-unknown: "] {
        let input = hostile(prefix, "data: {}\n\n");
        let mut seen = 0;
        let allocated = allocated_by(|| {
            let mut decoder = SseDecoder::new();
            for read in input.chunks(READ) {
                decoder.push(read);
                while let Some(event) = decoder.next_event() {
                    assert_eq!(event.data, "{}");
                    seen += 1;
                }
            }
            assert!(decoder.finish().clean);
        });
        assert_eq!(seen, EVENTS, "{prefix}");
        assert_cheap(prefix, &input, allocated);
    }
}

#[test]
fn openai_chunks_without_text_after_a_huge_id_cost_their_bytes() {
    let _alone = alone();
    let input = hostile(
        "id: ",
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[]}\n\n",
    );
    let mut mapped = None;
    let allocated = allocated_by(|| {
        let reads: Vec<&[u8]> = input.chunks(READ).collect();
        mapped = Some(map_stream(StreamFamily::OpenAi, &reads));
    });
    let mapped = mapped.unwrap();
    assert!(mapped.events.is_empty(), "{:?}", mapped.events.first());
    assert_cheap("OpenAI", &input, allocated);
}

#[test]
fn anthropic_pings_after_a_huge_id_cost_their_bytes() {
    let _alone = alone();
    let input = hostile("id: ", "event: ping\ndata: {\"type\":\"ping\"}\n\n");
    let mut mapped = None;
    let allocated = allocated_by(|| {
        let reads: Vec<&[u8]> = input.chunks(READ).collect();
        mapped = Some(map_stream(StreamFamily::Anthropic, &reads));
    });
    let mapped = mapped.unwrap();
    assert!(mapped.events.is_empty(), "{:?}", mapped.events.first());
    assert_cheap("Anthropic", &input, allocated);
}
