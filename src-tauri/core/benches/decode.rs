//! Decoding throughput, against the budgets of design.md §7 (SSE decode ≥ 200 MB/s).
//!
//! `cargo bench -p switchboard-core --bench decode` prints, for a 200,000-chunk (about 30 MB)
//! OpenAI-style stream and an Anthropic-style one fed in 16 KiB reads: SSE framing alone, and
//! framing plus mapping to reply events; every streaming family's whole path (decoder and mapper,
//! as the relay runs them) with its cost per event; the streams recorded from real llama.cpp and
//! KoboldCpp servers; then the stop-string trimmer on the same text. Each figure is the median
//! of 7 runs.

use std::hint::black_box;
use std::time::{Duration, Instant};

use switchboard_core::fuzzing::{map_stream, StreamFamily};
use switchboard_core::prompt::instruct::StopTrimmer;
use switchboard_core::provider::anthropic::stream::EventMapper;
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

fn kobold_stream() -> Vec<u8> {
    let mut body = String::with_capacity(CHUNKS * 40);
    for i in 0..CHUNKS {
        body.push_str(&format!(
            "event: message\ndata: {{\"token\": \"tok{i} héllo \"}}\n\n"
        ));
    }
    body.push_str("event: message\ndata: {\"token\": \"\", \"finish_reason\": \"stop\"}\n\n");
    body.into_bytes()
}

fn novelai_stream() -> Vec<u8> {
    let mut body = String::with_capacity(CHUNKS * 70);
    for i in 0..CHUNKS {
        body.push_str(&format!(
            "event: newToken\nid: {i}\ndata: {{\"token\":\"tok{i} héllo \",\"ptr\":{i},\"final\":{}}}\n\n",
            i + 1 == CHUNKS
        ));
    }
    body.into_bytes()
}

/// Every recorded SSE body (llama.cpp and KoboldCpp servers) with the family that reads it.
fn recorded_streams() -> Vec<(String, StreamFamily, Vec<u8>)> {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/recorded");
    let mut found = Vec::new();
    let Ok(dirs) = std::fs::read_dir(&root) else {
        return found;
    };
    for dir in dirs.flatten().map(|d| d.path()).filter(|p| p.is_dir()) {
        let Ok(files) = std::fs::read_dir(&dir) else {
            continue;
        };
        for head in files.flatten().map(|f| f.path()) {
            let name = head
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let Some(case) = name.strip_suffix(".response.head") else {
                continue;
            };
            let is_sse = std::fs::read_to_string(&head)
                .is_ok_and(|h| h.to_ascii_lowercase().contains("text/event-stream"));
            if !is_sse {
                continue;
            }
            let Ok(body) = std::fs::read(dir.join(format!("{case}.response.body"))) else {
                continue;
            };
            let server = dir
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let family = if server == "koboldcpp-kobold-api" {
                StreamFamily::Kobold
            } else {
                StreamFamily::OpenAi
            };
            found.push((format!("{server}/{case}"), family, body));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
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

    println!();
    println!("every streaming family's whole path (decoder + mapper, as the relay runs them):");
    let kobold = kobold_stream();
    let novelai = novelai_stream();
    for (family, body) in [
        (StreamFamily::OpenAi, &openai),
        (StreamFamily::Anthropic, &anthropic),
        (StreamFamily::Kobold, &kobold),
        (StreamFamily::NovelAi, &novelai),
    ] {
        let reads: Vec<&[u8]> = body.chunks(READ).collect();
        let mut runs = Vec::with_capacity(RUNS);
        let mut events = 0;
        for _ in 0..RUNS {
            let start = Instant::now();
            let mapped = black_box(map_stream(family, &reads));
            runs.push(start.elapsed());
            assert!(mapped.end.is_ok(), "{family:?}: {:?}", mapped.end);
            events = mapped.events.len();
        }
        let time = median(runs);
        println!(
            "  {:<12} {:>6.1} MB {:>8.1} ms {:>8.1} MB/s {:>7.0} ns/event   budget ≥ 200 MB/s",
            format!("{family:?}"),
            body.len() as f64 / 1e6,
            time.as_secs_f64() * 1e3,
            body.len() as f64 / 1e6 / time.as_secs_f64(),
            time.as_secs_f64() * 1e9 / events.max(1) as f64
        );
    }

    println!();
    println!("recorded streams (each decoded whole, repeated to about 20 MB):");
    for (name, family, body) in recorded_streams() {
        let repeat = (20_000_000 / body.len().max(1)).max(1);
        let mut runs = Vec::with_capacity(RUNS);
        let mut events = 0;
        for _ in 0..RUNS {
            let start = Instant::now();
            for _ in 0..repeat {
                let mapped = black_box(map_stream(family, &[&body]));
                events = mapped.events.len();
            }
            runs.push(start.elapsed());
        }
        let time = median(runs);
        let bytes = body.len() * repeat;
        println!(
            "  {name:<48} {:>8.1} MB/s {:>7.0} ns/event",
            bytes as f64 / 1e6 / time.as_secs_f64(),
            time.as_secs_f64() * 1e9 / (events.max(1) * repeat) as f64
        );
    }
    println!();

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
