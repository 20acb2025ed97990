//! The benchmark stream ([`Flood`]): many small OpenAI-style content deltas, as fast as the
//! connection takes them or at a set rate, optionally each with the time it was sent, or
//! rendered once into one buffer and written whole; optionally with markdown between them
//! (code blocks and TeX math, [`flood_markup`]).
//!
//! Must not: render a pre-rendered stream again for each request (its cost would count in a
//! raw read of it).

use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;

use crate::reply::{Frame, Reply, STAMP};
use crate::Flood;

/// One `chat.completion.chunk` event (llama.cpp's shape) carrying `content`.
fn chunk(content: &str, finish: Option<&str>) -> String {
    let delta = if finish.is_some() {
        "{}".to_string()
    } else {
        format!("{{\"content\":{}}}", serde_json::Value::from(content))
    };
    let finish = finish.map_or("null".to_string(), |f| format!("\"{f}\""));
    format!(
        "data: {{\"id\":\"chatcmpl-flood\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"fake-model-1\",\"choices\":[{{\"index\":0,\"delta\":{delta},\"finish_reason\":{finish}}}]}}\n\n"
    )
}

/// The text of delta `i` (from 1): `"t<i> "`, or `"t<i>«<sent ms>» "` when stamped.
pub fn flood_piece(i: usize, stamp: bool) -> String {
    if stamp {
        format!("t{i}«{STAMP}» ")
    } else {
        format!("t{i} ")
    }
}

/// With [`Flood::markdown`], the markdown that goes before delta `i`'s text. In every 100
/// deltas: a paragraph with inline math (deltas 1–30), a fenced Rust block of one line per
/// delta (31–60), a paragraph with inline math again (61–90) and a displayed formula before
/// delta 91. Each formula comes whole in one delta, before that delta's `t<i>`: no `t<i>` is
/// ever inside math.
pub fn flood_markup(i: usize) -> &'static str {
    match i % 100 {
        1 if i > 1 => "\n\nInline math $x_{k}^{2} + \\sqrt{y}$ and ",
        1 => "Inline math $x_{k}^{2} + \\sqrt{y}$ and ",
        31 => "\n\n```rust\nlet v = ",
        32..=60 => "\nlet v = ",
        61 => "\n```\n\nAfter the code, $\\alpha \\le \\beta$ then ",
        91 => "\n\n$$\n\\sum_{k=1}^{n} k^{2} = \\frac{n(n+1)(2n+1)}{6}\n$$\n\n",
        _ => "",
    }
}

/// Delta `i`'s whole text under `flood`: its markup, if any, then [`flood_piece`].
fn delta_text(i: usize, flood: &Flood) -> String {
    let piece = flood_piece(i, flood.stamp);
    if flood.markdown {
        format!("{}{piece}", flood_markup(i))
    } else {
        piece
    }
}

/// The whole stream of `chunks` deltas, rendered once per size and kept.
pub(crate) fn prerendered(flood: &Flood) -> Bytes {
    static RENDERED: Mutex<Option<(usize, bool, Bytes)>> = Mutex::new(None);
    let chunks = flood.chunks;
    let mut rendered = RENDERED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, _, bytes)) = rendered
        .as_ref()
        .filter(|(n, markdown, _)| *n == chunks && *markdown == flood.markdown)
    {
        return bytes.clone();
    }
    let mut body = Vec::with_capacity(chunks * 170 + 512);
    body.extend_from_slice(FIRST.as_bytes());
    for i in 1..=chunks {
        body.extend_from_slice(chunk(&delta_text(i, flood), None).as_bytes());
    }
    body.extend_from_slice(chunk("", Some("stop")).as_bytes());
    body.extend_from_slice(b"data: [DONE]\n\n");
    let bytes = Bytes::from(body);
    *rendered = Some((chunks, flood.markdown, bytes.clone()));
    bytes
}

/// The first chunk: the role, no text.
const FIRST: &str = "data: {\"id\":\"chatcmpl-flood\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"fake-model-1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null},\"finish_reason\":null}]}\n\n";

/// The streamed answer to a chat request under [`Flood`].
pub(crate) fn reply(flood: Flood) -> Reply {
    if flood.prerendered && flood.rate == 0 && !flood.stamp {
        return Reply::full(
            axum::http::StatusCode::OK,
            "text/event-stream",
            prerendered(&flood),
        );
    }
    let mut frames = Vec::with_capacity(flood.chunks + flood.chunks / 8 + 4);
    frames.push(Frame::Data(Bytes::from_static(FIRST.as_bytes())));
    // At a set rate, delta `i` waits until `i / rate` after the start, checked every `batch`
    // deltas (timers are not finer than a millisecond; a steady schedule does not drift).
    let batch = if flood.rate == 0 {
        0
    } else {
        (flood.rate as usize / 500).max(1)
    };
    for i in 1..=flood.chunks {
        let bytes = Bytes::from(chunk(&delta_text(i, &flood), None));
        frames.push(if flood.stamp {
            Frame::Stamped(bytes)
        } else {
            Frame::Data(bytes)
        });
        if batch > 0 && i % batch == 0 {
            frames.push(Frame::Until(Duration::from_secs_f64(
                i as f64 / f64::from(flood.rate),
            )));
        }
    }
    frames.push(Frame::Data(Bytes::from(chunk("", Some("stop")))));
    frames.push(Frame::Data(Bytes::from_static(b"data: [DONE]\n\n")));
    Reply::stream("text/event-stream", frames)
}
