//! A sans-IO decoder for `text/event-stream` (Server-Sent Events).
//!
//! Follows the WHATWG "interpreting an event stream" rules: lines end with CRLF, LF or CR (a CRLF
//! split across two reads is one line end); a blank line dispatches the event; lines starting
//! with `:` are comments; `data:` lines join with `\n`; exactly one space after the colon is
//! dropped; a leading UTF-8 BOM is skipped. Bytes are buffered and decoded only when an event is
//! dispatched, so a character split across reads is never damaged.
//!
//! One deliberate extension: [`SseDecoder::finish`] dispatches an event that the server did not
//! terminate with a blank line before closing the connection (KoboldCpp 1.76 ends its streams
//! with `data: [DONE]` and no line end at all). The spec would drop it; the caller learns that it
//! was unterminated and decides.
//!
//! Work is linear in the input whatever the chunking: the buffer is compacted only when the
//! consumed part outweighs the rest, and the line scan uses `memchr`.
//!
//! Only the fields the mappers read are kept: `event` and `data`. The `id` field (the "last event
//! id", only meaningful to a client that reconnects, which Switchboard never does), `retry` and
//! unknown fields are skipped where they stand: nothing of them is copied or carried into later
//! events, so a server cannot make every event cost the size of one huge `id:` line. This module
//! must not grow per-event state that outlives the event.

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `event:` field, if the event had one (absent means "message").
    pub event: Option<String>,
    /// The joined `data:` lines.
    pub data: String,
}

/// The incremental decoder. Feed bytes with [`push`](Self::push), drain events with
/// [`next_event`](Self::next_event), call [`finish`](Self::finish) at end of input.
#[derive(Debug, Default)]
pub struct SseDecoder {
    buf: Vec<u8>,
    pos: usize,
    /// Where the search for the next line end goes on (the bytes before it hold none), so a
    /// long line arriving in many reads is scanned once.
    scan_from: usize,
    /// The previous line ended in CR at the very end of the buffer; an LF that follows belongs to it.
    skip_lf: bool,
    bom_checked: bool,
    data: Vec<u8>,
    event: Option<Vec<u8>>,
    /// The last field of the current event that is not one of the standard's (`data`,
    /// `event`, `id`, `retry`), with its value: handed on as the event's name and data when
    /// the event has no data (a server that reports an error as an `error:` line).
    other: Option<(Vec<u8>, Vec<u8>)>,
    /// A field line of the current event has been seen (even one that added no data).
    in_event: bool,
}

/// What [`SseDecoder::finish`] found at end of input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEnd {
    /// An event that was still open at end of input (no blank line after it), dispatched anyway.
    pub unterminated: Option<SseEvent>,
    /// Whether the input ended exactly on an event boundary (nothing pending at all).
    pub clean: bool,
}

impl SseDecoder {
    /// A new decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a chunk of the byte stream.
    pub fn push(&mut self, chunk: &[u8]) {
        if self.pos > 0 && self.pos * 2 >= self.buf.len() {
            self.buf.drain(..self.pos);
            self.scan_from = self.scan_from.saturating_sub(self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(chunk);
    }

    /// How many bytes are held for the event being read (its unread lines and joined data):
    /// what a stream that never ends its event makes grow.
    pub fn pending_len(&self) -> usize {
        (self.buf.len() - self.pos) + self.data.len()
    }

    /// The next complete event in the bytes pushed so far, if there is one.
    pub fn next_event(&mut self) -> Option<SseEvent> {
        if !self.bom_checked {
            let rest = &self.buf[self.pos..];
            if rest.len() < BOM.len() && BOM.starts_with(rest) {
                return None;
            }
            if rest.starts_with(BOM) {
                self.pos += BOM.len();
            }
            self.bom_checked = true;
        }
        if let Some(event) = self.single_line_event() {
            return Some(event);
        }
        while let Some((start, end)) = self.next_line() {
            if let Some(event) = self.process_line(start, end) {
                return Some(event);
            }
        }
        None
    }

    /// Ends the stream: treats bytes after the last line end as a final line and dispatches an
    /// event left open. Call it after [`next_event`](Self::next_event) returned `None`. Resets the
    /// decoder for reuse.
    pub fn finish(&mut self) -> SseEnd {
        let mut clean = true;
        if self.pos < self.buf.len() {
            clean = false;
            let (start, end) = (self.pos, self.buf.len());
            self.pos = end;
            // The rest holds no line end (next_event consumed every complete line), so it is one
            // non-blank line: it can add a field but never dispatch.
            let dispatched = self.process_line(start, end);
            debug_assert!(dispatched.is_none());
        }
        if self.in_event {
            clean = false;
        }
        let unterminated = self.dispatch();
        self.reset();
        SseEnd {
            unterminated,
            clean,
        }
    }

    fn reset(&mut self) {
        *self = SseDecoder::default();
    }

    /// The common event, one `data` line and a blank line ending in LF (`data: …\n\n`), read in
    /// one step; `None` leaves anything else, or an event not yet complete, to the line-by-line
    /// path, which reads it the same way.
    fn single_line_event(&mut self) -> Option<SseEvent> {
        if self.in_event || self.skip_lf || self.event.is_some() || !self.data.is_empty() {
            return None;
        }
        let rest = &self.buf[self.pos..];
        let value_start = if rest.starts_with(b"data: ") {
            6
        } else if rest.starts_with(b"data:") {
            5
        } else {
            return None;
        };
        // The bytes before `scan_from` hold no line end.
        let from = self.scan_from.max(self.pos);
        let Some(offset) = memchr::memchr2(b'\n', b'\r', &self.buf[from..]) else {
            self.scan_from = self.buf.len();
            return None;
        };
        let end = from + offset;
        if self.buf[end] != b'\n' || self.buf.get(end + 1) != Some(&b'\n') {
            return None;
        }
        let value = &self.buf[self.pos + value_start..end];
        let data = match std::str::from_utf8(value) {
            Ok(text) => text.to_owned(),
            Err(_) => String::from_utf8_lossy(value).into_owned(),
        };
        self.pos = end + 2;
        self.scan_from = self.pos;
        Some(SseEvent { event: None, data })
    }

    /// Finds the next complete line in the buffer and consumes it with its line end.
    fn next_line(&mut self) -> Option<(usize, usize)> {
        if self.skip_lf && self.pos < self.buf.len() {
            if self.buf[self.pos] == b'\n' {
                self.pos += 1;
            }
            self.skip_lf = false;
        }
        let from = self.scan_from.max(self.pos);
        let Some(offset) = memchr::memchr2(b'\n', b'\r', &self.buf[from..]) else {
            self.scan_from = self.buf.len();
            return None;
        };
        let start = self.pos;
        let end = from + offset;
        let mut next = end + 1;
        if self.buf[end] == b'\r' {
            match self.buf.get(next) {
                Some(b'\n') => next += 1,
                Some(_) => {}
                None => self.skip_lf = true,
            }
        }
        self.pos = next;
        self.scan_from = next;
        Some((start, end))
    }

    /// Applies one line; returns an event when the line was blank and completed one.
    fn process_line(&mut self, start: usize, end: usize) -> Option<SseEvent> {
        let line = &self.buf[start..end];
        if line.is_empty() {
            return self.dispatch();
        }
        if line[0] == b':' {
            return None;
        }
        let (field, value) = match memchr::memchr(b':', line) {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &line[..0]),
        };
        self.in_event = true;
        match field {
            b"data" => {
                self.data.reserve(value.len() + 1);
                self.data.extend_from_slice(value);
                self.data.push(b'\n');
            }
            b"event" => self.event = Some(value.to_vec()),
            // Nothing here reconnects, so `id` and `retry` are not kept.
            b"id" | b"retry" => {}
            _ => self.other = Some((field.to_vec(), value.to_vec())),
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        self.in_event = false;
        let event = self.event.take();
        let other = self.other.take();
        if self.data.is_empty() {
            // An event of one field of its own and no data: that field is its name and data.
            return other.map(|(field, value)| SseEvent {
                event: Some(String::from_utf8_lossy(&field).into_owned()),
                data: String::from_utf8_lossy(&value).into_owned(),
            });
        }
        self.data.pop();
        // The joined lines become the event's text as they are: no second copy.
        let data = match String::from_utf8(std::mem::take(&mut self.data)) {
            Ok(text) => text,
            Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
        };
        Some(SseEvent {
            event: event.map(|e| String::from_utf8_lossy(&e).into_owned()),
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_chunks(chunks: &[&[u8]]) -> (Vec<SseEvent>, SseEnd) {
        let mut decoder = SseDecoder::new();
        let mut events = Vec::new();
        for chunk in chunks {
            decoder.push(chunk);
            while let Some(event) = decoder.next_event() {
                events.push(event);
            }
        }
        let end = decoder.finish();
        (events, end)
    }

    fn data_of(events: &[SseEvent]) -> Vec<&str> {
        events.iter().map(|e| e.data.as_str()).collect()
    }

    /// A server's own field alone (llama.cpp's `error: {…}` line) is an event of that name;
    /// beside data, or `id` and `retry` alone, it adds nothing.
    #[test]
    fn an_event_of_one_field_of_its_own_is_handed_on_under_its_name() {
        let (events, end) = decode_chunks(&[
            b"data: a\n\nerror: {\"message\":\"boom\"}\n\n",
            b"data: b\nerror: x\n\nid: 7\nretry: 10\n\n",
        ]);
        assert_eq!(data_of(&events), ["a", "{\"message\":\"boom\"}", "b"]);
        assert_eq!(events[1].event.as_deref(), Some("error"));
        assert_eq!(events[2].event, None);
        assert!(end.clean);
    }

    #[test]
    fn a_long_line_in_many_reads_is_held_until_it_ends() {
        let mut decoder = SseDecoder::new();
        decoder.push(b"data: ");
        for _ in 0..1000 {
            decoder.push(&[b'z'; 100]);
            assert!(decoder.next_event().is_none());
        }
        assert_eq!(decoder.pending_len(), 6 + 100_000);
        decoder.push(b"\n\n");
        let event = decoder.next_event().unwrap();
        assert_eq!(event.data.len(), 100_000);
        assert_eq!(decoder.pending_len(), 0);
    }

    #[test]
    fn sse_decoder_spec_examples() {
        let (events, end) = decode_chunks(&[
            b"data: This is the first message.\n\ndata: This is the second message, it\ndata: has two lines.\n\ndata: This is the third message.\n\n",
        ]);
        assert_eq!(
            data_of(&events),
            [
                "This is the first message.",
                "This is the second message, it\nhas two lines.",
                "This is the third message."
            ]
        );
        assert!(end.clean);
        assert_eq!(end.unterminated, None);
    }

    #[test]
    fn sse_decoder_fields_comments_and_one_leading_space() {
        let (events, _) = decode_chunks(&[
            b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\nevent: add\ndata: x\n\n",
        ]);
        assert_eq!(events.len(), 4);
        assert_eq!(events[0].data, "first event");
        assert_eq!(events[1].data, "second event");
        assert_eq!(events[2].data, " third event");
        assert_eq!(events[3].event.as_deref(), Some("add"));
        assert_eq!(events[3].data, "x");
    }

    #[test]
    fn sse_decoder_empty_data_lines() {
        let (events, _) = decode_chunks(&[b"data\n\ndata\ndata\n\ndata:\n"]);
        assert_eq!(data_of(&events), ["", "\n"]);
    }

    #[test]
    fn sse_decoder_cr_lf_and_crlf_line_ends() {
        let (events, end) = decode_chunks(&[b"data: a\r\rdata: b\r\n\r\ndata: c\n\n"]);
        assert_eq!(data_of(&events), ["a", "b", "c"]);
        assert!(end.clean);
    }

    #[test]
    fn sse_decoder_split_inside_crlf_yields_one_event() {
        let (events, end) = decode_chunks(&[b"data: a\r", b"\n\r", b"\ndata: b\r\n\r\n"]);
        assert_eq!(data_of(&events), ["a", "b"]);
        assert!(end.clean);
    }

    #[test]
    fn sse_decoder_split_inside_utf8_keeps_the_character() {
        let bytes = "data: h\u{e9}llo \u{1F44B}\n\n".as_bytes();
        for cut in 0..bytes.len() {
            let (events, _) = decode_chunks(&[&bytes[..cut], &bytes[cut..]]);
            assert_eq!(data_of(&events), ["h\u{e9}llo \u{1F44B}"], "cut at {cut}");
        }
    }

    #[test]
    fn sse_decoder_skips_bom_even_when_split() {
        let (events, _) = decode_chunks(&[b"\xEF", b"\xBB\xBFdata: x\n\n"]);
        assert_eq!(data_of(&events), ["x"]);
    }

    #[test]
    fn sse_decoder_finish_dispatches_done_without_line_end() {
        let (events, end) = decode_chunks(&[b"data: {\"a\":1}\n\ndata: [DONE]"]);
        assert_eq!(data_of(&events), ["{\"a\":1}"]);
        assert_eq!(end.unterminated.map(|e| e.data), Some("[DONE]".to_string()));
        assert!(!end.clean);
    }

    #[test]
    fn sse_decoder_finish_dispatches_event_without_blank_line() {
        let (events, end) = decode_chunks(&[b"data: x\n"]);
        assert!(events.is_empty());
        assert_eq!(end.unterminated.map(|e| e.data), Some("x".to_string()));
        assert!(!end.clean);
    }

    #[test]
    fn sse_decoder_finish_after_comment_only_is_clean_enough() {
        let (events, end) = decode_chunks(&[b": keep-alive\n\n"]);
        assert!(events.is_empty());
        assert!(end.clean);
        assert_eq!(end.unterminated, None);
    }

    #[test]
    fn sse_decoder_invalid_utf8_is_replaced_not_fatal() {
        let (events, _) = decode_chunks(&[b"data: \xFF\xFEok\n\n"]);
        assert_eq!(data_of(&events), ["\u{FFFD}\u{FFFD}ok"]);
    }

    #[test]
    fn one_line_events_read_as_the_line_by_line_path_reads_them_however_split() {
        let stream: &[u8] = b"data: a\n\ndata:b\n\ndata:  c\n\ndata:\n\ndata: d\r\n\r\ndata: e\ndata: f\n\nevent: x\ndata: y\n\n: note\ndata: z\n\ndata: \xC3\xA9\xFF\n\ndata: g\n";
        let whole = decode_chunks(&[stream]);
        assert_eq!(
            data_of(&whole.0),
            ["a", "b", " c", "", "d", "e\nf", "y", "z", "\u{e9}\u{FFFD}"]
        );
        assert_eq!(whole.0[6].event.as_deref(), Some("x"));
        assert_eq!(
            whole.1.unterminated.as_ref().map(|e| e.data.as_str()),
            Some("g")
        );
        for cut in 0..stream.len() {
            for second in cut..stream.len() {
                let parts = [&stream[..cut], &stream[cut..second], &stream[second..]];
                assert_eq!(decode_chunks(&parts), whole, "cut at {cut} and {second}");
            }
        }
    }

    #[test]
    fn sse_decoder_one_byte_at_a_time_matches_whole() {
        let stream = b"event: a\r\ndata: 1\r\n\r\n: c\n\ndata: 2\rdata: 3\r\r".to_vec();
        let whole = decode_chunks(&[&stream]);
        let singles: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(decode_chunks(&singles), whole);
        assert_eq!(data_of(&whole.0), ["1", "2\n3"]);
    }
}
