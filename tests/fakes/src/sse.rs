//! Server-sent-events byte helpers shared by the families: how a scenario cuts a rendered stream
//! into frames, line-ending conversion and cutting at the offsets that break naive decoders.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::reply::{frames, Frame, Piece};
use crate::Scenario;

/// The pause between frames of a hostile split, so they tend to arrive as separate reads.
const SPLIT_GAP: Duration = Duration::from_millis(1);

/// Frames a rendered stream as the scenario wants it: `split` sends it in CRLF cut at hostile
/// offsets (aborts and hangs dropped), `slow` waits `slow_delay` between events, the others send
/// one event per frame.
pub(crate) fn stream_frames(
    scenario: Scenario,
    pieces: Vec<Piece>,
    slow_delay: Duration,
) -> Vec<Frame> {
    match scenario {
        Scenario::Split => {
            let bytes: Vec<u8> = pieces
                .into_iter()
                .flat_map(|p| match p {
                    Piece::Bytes(b) => b,
                    Piece::Abort | Piece::Hang => Vec::new(),
                })
                .collect();
            hostile_frames(&to_crlf(&bytes))
        }
        Scenario::Slow => frames(pieces, Some(slow_delay)),
        _ => frames(pieces, None),
    }
}

/// Replaces every `\n` with `\r\n` (JSON payloads never contain a raw newline).
pub(crate) fn to_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 8);
    for &b in bytes {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

/// Cuts a CRLF event stream into frames at hostile offsets, with a short pause between frames:
/// between `\r` and `\n` of every other line end, between the two line ends of every other blank
/// line, inside every multi-byte UTF-8 character (before each continuation byte), inside every
/// `data:` field name, and byte by byte through the start of the second event and the whole
/// last event.
pub(crate) fn hostile_frames(bytes: &[u8]) -> Vec<Frame> {
    let cuts = hostile_cuts(bytes);
    let mut frames = Vec::with_capacity(cuts.len() * 2 + 1);
    let mut start = 0;
    for end in cuts.into_iter().chain([bytes.len()]) {
        if !frames.is_empty() {
            frames.push(Frame::Pause(SPLIT_GAP));
        }
        frames.push(Frame::Data(bytes[start..end].to_vec().into()));
        start = end;
    }
    frames
}

/// Cuts a whole (non-SSE) body into frames the way `split` does for bodies that are not event
/// streams: before every UTF-8 continuation byte, every 7 bytes, and byte by byte through the
/// last 16 bytes, with a short pause between frames.
pub(crate) fn hostile_body_frames(bytes: &[u8]) -> Vec<Frame> {
    let mut cuts: BTreeSet<usize> = (7..bytes.len()).step_by(7).collect();
    cuts.extend(
        bytes
            .iter()
            .enumerate()
            .filter(|(_, &x)| x & 0xC0 == 0x80)
            .map(|(i, _)| i),
    );
    cuts.extend(bytes.len().saturating_sub(16)..bytes.len());
    cuts.retain(|&c| c > 0 && c < bytes.len());
    let mut frames = Vec::with_capacity(cuts.len() * 2 + 1);
    let mut start = 0;
    for end in cuts.into_iter().chain([bytes.len()]) {
        if !frames.is_empty() {
            frames.push(Frame::Pause(SPLIT_GAP));
        }
        frames.push(Frame::Data(bytes[start..end].to_vec().into()));
        start = end;
    }
    frames
}

fn hostile_cuts(b: &[u8]) -> BTreeSet<usize> {
    let mut cuts = BTreeSet::new();
    for (n, i) in find_all(b, b"\r\n").enumerate() {
        if n % 2 == 0 {
            cuts.insert(i + 1);
        }
    }
    for (n, i) in find_all(b, b"\r\n\r\n").enumerate() {
        if n % 2 == 1 {
            cuts.insert(i + 2);
        }
    }
    cuts.extend(
        b.iter()
            .enumerate()
            .filter(|(_, &x)| x & 0xC0 == 0x80)
            .map(|(i, _)| i),
    );
    for (n, i) in find_all(b, b"data:").enumerate() {
        cuts.insert(i + 1 + n % 4);
    }
    if let Some(second) = find_all(b, b"\r\n\r\n").next().map(|i| i + 4) {
        cuts.extend(second..(second + 48).min(b.len()));
    }
    let last = find_all(b, b"\r\n\r\n").filter(|&i| i + 4 < b.len()).last();
    if let Some(last) = last {
        cuts.extend(last + 4..b.len());
    }
    cuts.retain(|&c| c > 0 && c < b.len());
    cuts
}

fn find_all<'a>(haystack: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(move |(_, w)| *w == needle)
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(frames: &[Frame]) -> Vec<Vec<u8>> {
        frames
            .iter()
            .filter_map(|f| match f {
                Frame::Data(b) => Some(b.to_vec()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn body_cuts_split_utf8_and_lose_nothing() {
        let body = "{\"text\": \"日本語 and more text to cut\"}\n".as_bytes();
        let parts = data(&hostile_body_frames(body));
        assert_eq!(parts.concat(), body);
        assert!(
            parts.iter().skip(1).any(|p| p[0] & 0xC0 == 0x80),
            "UTF-8 is split"
        );
        assert!(parts.iter().rev().take(16).all(|p| p.len() == 1));
    }

    #[test]
    fn cuts_are_hostile_and_lossless() {
        let long = format!("{{\"x\":\"{}\"}}", "x".repeat(60));
        let events = ["{\"a\":\"日本\"}", &long, &long, &long, "[DONE]"];
        let text: String = events.iter().map(|e| format!("data: {e}\n\n")).collect();
        let stream = to_crlf(text.as_bytes());
        let parts = data(&hostile_frames(&stream));
        assert_eq!(parts.concat(), stream);
        let joins: Vec<(u8, u8)> = parts
            .windows(2)
            .map(|w| (w[0][w[0].len() - 1], w[1][0]))
            .collect();
        assert!(joins.contains(&(b'\r', b'\n')), "a CR/LF pair is split");
        assert!(
            joins.iter().any(|&(_, next)| next & 0xC0 == 0x80),
            "UTF-8 is split"
        );
        let in_name = |p: &Vec<u8>| [&b"da"[..], b"dat", b"data"].iter().any(|x| p.ends_with(x));
        assert!(
            parts.iter().any(|p| p.len() > 1 && in_name(p)),
            "a field name is split"
        );
        assert!(
            parts.iter().rev().take(14).all(|p| p.len() == 1),
            "the last event byte by byte"
        );
    }
}
