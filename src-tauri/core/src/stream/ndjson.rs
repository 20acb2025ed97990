//! A sans-IO splitter for newline-delimited JSON (`application/x-ndjson`): one JSON value per
//! line.
//!
//! Lines end with LF (a CR before it is dropped); blank lines are skipped. Bytes are buffered and
//! decoded only when a line is complete, so a character split across reads is never damaged.
//! The line is handed on as text: this module does not parse JSON and must not know any vendor
//! or what its objects mean. Work is linear in the input whatever the chunking: the buffer is
//! compacted only when the consumed part outweighs the rest, and the scan uses `memchr`.

/// The incremental splitter. Feed bytes with [`push`](Self::push), drain lines with
/// [`next_line`](Self::next_line), call [`finish`](Self::finish) at end of input.
#[derive(Debug, Default)]
pub struct NdjsonDecoder {
    buf: Vec<u8>,
    pos: usize,
    /// Where the search for the next line end goes on (the bytes before it hold none).
    scan_from: usize,
}

impl NdjsonDecoder {
    /// A new splitter at the start of a stream.
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

    /// How many bytes are held for the line being read.
    pub fn pending_len(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The next complete, non-blank line (without its line end), if there is one.
    pub fn next_line(&mut self) -> Option<String> {
        loop {
            let from = self.scan_from.max(self.pos);
            let Some(offset) = memchr::memchr(b'\n', &self.buf[from..]) else {
                self.scan_from = self.buf.len();
                return None;
            };
            let end = from + offset;
            let line = decode(&self.buf[self.pos..end]);
            self.pos = end + 1;
            self.scan_from = self.pos;
            if !line.trim().is_empty() {
                return Some(line);
            }
        }
    }

    /// Ends the stream: the bytes after the last line end, when they are not blank (a last line
    /// the server did not end). Call it after [`next_line`](Self::next_line) returned `None`.
    /// Resets the splitter for reuse.
    pub fn finish(&mut self) -> Option<String> {
        let rest = decode(&self.buf[self.pos..]);
        *self = NdjsonDecoder::default();
        (!rest.trim().is_empty()).then_some(rest)
    }
}

/// A line's bytes as text, without a trailing CR.
fn decode(line: &[u8]) -> String {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    match std::str::from_utf8(line) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(line).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(chunks: &[&[u8]]) -> (Vec<String>, Option<String>) {
        let mut decoder = NdjsonDecoder::new();
        let mut lines = Vec::new();
        for chunk in chunks {
            decoder.push(chunk);
            while let Some(line) = decoder.next_line() {
                lines.push(line);
            }
        }
        (lines, decoder.finish())
    }

    #[test]
    fn lines_split_anywhere_and_characters_across_reads() {
        let whole = "{\"a\":\"日本\"}\r\n\n{\"b\":2}\n{\"c\":3}".as_bytes();
        let expected = vec!["{\"a\":\"日本\"}".to_string(), "{\"b\":2}".to_string()];
        for cut in 0..whole.len() {
            let (lines, rest) = lines_of(&[&whole[..cut], &whole[cut..]]);
            assert_eq!(lines, expected, "cut at {cut}");
            assert_eq!(rest.as_deref(), Some("{\"c\":3}"), "cut at {cut}");
        }
    }

    #[test]
    fn a_body_ending_on_a_line_end_leaves_nothing() {
        let (lines, rest) = lines_of(&[b"{}\n", b"  \n"]);
        assert_eq!(lines, ["{}"]);
        assert_eq!(rest, None);
        assert_eq!(NdjsonDecoder::new().pending_len(), 0);
    }
}
