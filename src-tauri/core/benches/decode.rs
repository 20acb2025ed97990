//! Decoding throughput, against the budgets of design.md §7 (SSE decode ≥ 200 MB/s).
//!
//! `cargo bench -p switchboard-core --bench decode` prints, for a 200,000-chunk (about 30 MB)
//! OpenAI-style stream and an Anthropic-style one fed in 16 KiB reads: SSE framing alone, and
//! framing plus mapping to reply events; then the stop-string trimmer on the same text. Each
//! figure is the median of 7 runs.

use std::hint::black_box;
use std::time::{Duration, Instant};

use switchboard_core::prompt::instruct::StopTrimmer;
use switchboard_core::provider::anthropic::wire::EventMapper;
use switchboard_core::provider::openai_compat::stream::ChunkMapper;
use switchboard_core::stream::SseDecoder;

const CHUNKS: usize = 200_000;
const READ: usize = 16 * 1024;
const RUNS: usize = 7;

fn openai_stream() -> Vec<u8> {
    let mut body = String::with_capacity(CHUNKS * 160);
    for i in 0..CHUNKS {
        body.push_str(&format!(
            "data: {{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"tok{i} héllo \"}},\"finish_reason\":null}}]}}\n\n"
        ));
    }
    body.push_str("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
    body.into_bytes()
}

fn anthropic_stream() -> Vec<u8> {
    let mut body = String::with_capacity(CHUNKS * 140);
    body.push_str("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"m\",\"usage\":{\"input_tokens\":5}}}\n\n");
    for i in 0..CHUNKS {
        body.push_str(&format!(
            "event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"text_delta\",\"text\":\"tok{i} héllo \"}}}}\n\n"
        ));
    }
    body.push_str("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    body.into_bytes()
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort_unstable();
    runs[runs.len() / 2]
}

fn report(what: &str, bytes: usize, runs: Vec<Duration>) {
    let time = median(runs);
    let mb_s = bytes as f64 / 1e6 / time.as_secs_f64();
    let chunks_s = CHUNKS as f64 / time.as_secs_f64();
    println!(
        "{what:<44} {:>8.1} ms {mb_s:>9.1} MB/s {chunks_s:>12.0} chunks/s",
        time.as_secs_f64() * 1e3
    );
}

fn bench(what: &str, body: &[u8], mut run: impl FnMut(&[u8]) -> usize) {
    let mut runs = Vec::with_capacity(RUNS);
    let mut check = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        check = black_box(run(body));
        runs.push(start.elapsed());
    }
    assert!(check > 0, "{what}: nothing decoded");
    report(what, body.len(), runs);
}

fn main() {
    let openai = openai_stream();
    let anthropic = anthropic_stream();
    println!(
        "streams: OpenAI-style {:.1} MB, Anthropic-style {:.1} MB, {CHUNKS} chunks each, fed in {} KiB reads",
        openai.len() as f64 / 1e6,
        anthropic.len() as f64 / 1e6,
        READ / 1024
    );

    for (name, body) in [("OpenAI-style", &openai), ("Anthropic-style", &anthropic)] {
        bench(&format!("SSE framing, {name}"), body, |body| {
            let mut decoder = SseDecoder::new();
            let mut events = 0;
            for read in body.chunks(READ) {
                decoder.push(read);
                while let Some(event) = decoder.next_event() {
                    events += black_box(event.data.len()).min(1);
                }
            }
            events
        });
    }

    bench(
        "SSE + mapping to reply text, OpenAI-style",
        &openai,
        |body| {
            let mut decoder = SseDecoder::new();
            let mut mapper = ChunkMapper::new();
            let mut out = Vec::new();
            let mut text = 0;
            for read in body.chunks(READ) {
                decoder.push(read);
                while let Some(event) = decoder.next_event() {
                    let _ = mapper.on_data(&event.data, &mut out);
                    text += out.drain(..).count();
                }
            }
            text
        },
    );

    bench(
        "SSE + mapping to reply text, Anthropic-style",
        &anthropic,
        |body| {
            let mut decoder = SseDecoder::new();
            let mut mapper = EventMapper::new();
            let mut out = Vec::new();
            let mut text = 0;
            for read in body.chunks(READ) {
                decoder.push(read);
                while let Some(event) = decoder.next_event() {
                    let _ = mapper.on_event(event.event.as_deref(), &event.data, &mut out);
                    text += out.drain(..).count();
                }
            }
            text
        },
    );

    let pieces: Vec<String> = (0..CHUNKS).map(|i| format!("tok{i} héllo <|im")).collect();
    let bytes: usize = pieces.iter().map(String::len).sum();
    let mut runs = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        let mut trimmer = StopTrimmer::new(&["<|im_end|>".to_string(), "\nUser:".to_string()]);
        let mut shown = 0;
        for piece in &pieces {
            shown += trimmer.push(piece).len();
        }
        black_box(shown + trimmer.finish().len());
        runs.push(start.elapsed());
    }
    report("stop-string trimming (held-back prefixes)", bytes, runs);
}
