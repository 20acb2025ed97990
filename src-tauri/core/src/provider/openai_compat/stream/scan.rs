//! The fast path for the common chunk: a borrowing scanner that reads one OpenAI-style chunk
//! into the same typed [`Chunk`] serde would build, in one pass over its bytes and without
//! allocating, or declines.
//!
//! It reads only a plain subset of JSON: an object with no escape and no control character
//! (no white space but spaces) anywhere, whose `choices` hold at most one choice, with no
//! `usage`, `error` or cited pages (`citations`, `search_results`, `annotations`). Anything
//! else — an escape, a duplicate field, a value of an unexpected type, deep nesting, a number
//! it does not read — makes it decline (`None`), and the caller parses the chunk with serde,
//! which then decides.
//! It validates everything it accepts: what it accepts serde accepts too, with the same result.
//!
//! Must not: accept a chunk serde would refuse or read differently; allocate.

use std::borrow::Cow;

use super::{Choice, Chunk, Delta, Text};

/// How deep an unknown value may nest before the scanner leaves it to serde.
const MAX_DEPTH: usize = 32;

/// Reads `data` (one chunk, trimmed) or declines.
pub(super) fn chunk(data: &str) -> Option<Chunk<'_>> {
    // One look at every byte first (a loop the compiler vectorizes): with no escape and no
    // control character anywhere, a string ends at the next quote.
    let plain = data
        .bytes()
        .fold(true, |plain, byte| plain & (byte >= 0x20) & (byte != b'\\'));
    if !plain {
        return None;
    }
    let mut scan = Scan {
        text: data,
        bytes: data.as_bytes(),
        at: 0,
    };
    let chunk = scan.chunk()?;
    scan.ws();
    (scan.at == scan.bytes.len()).then_some(chunk)
}

struct Scan<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Scan<'a> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// The next byte after white space, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// A string, borrowed (the chunk holds no escape and no control character).
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        let len = memchr::memchr(b'"', self.bytes.get(start..)?)?;
        self.at = start + len + 1;
        self.text.get(start..start + len)
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.ws();
        if self.bytes.get(self.at..self.at + word.len())? == word {
            self.at += word.len();
            Some(())
        } else {
            None
        }
    }

    /// `null` (consumed) or not (nothing consumed).
    fn null(&mut self) -> bool {
        self.peek() == Some(b'n') && self.literal(b"null").is_some()
    }

    /// A string or `null`.
    fn text(&mut self) -> Option<Option<Text<'a>>> {
        if self.null() {
            return Some(None);
        }
        Some(Some(Text(Cow::Borrowed(self.string()?))))
    }

    /// A JSON number (the grammar serde checks when it skips one).
    fn number(&mut self) -> Option<()> {
        self.ws();
        if self.bytes.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        match *self.bytes.get(self.at)? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            if !self.bytes.get(self.at)?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.at) {
                self.at += 1;
            }
            if !self.bytes.get(self.at)?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        Some(())
    }

    fn digits(&mut self) {
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
    }

    /// A choice's `index`: a whole number that fits in `u32`, or `null`.
    fn index(&mut self) -> Option<Option<u32>> {
        if self.null() {
            return Some(None);
        }
        let start = self.at;
        match *self.bytes.get(self.at)? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if let Some(b'.' | b'e' | b'E') = self.bytes.get(self.at) {
            return None;
        }
        self.text.get(start..self.at)?.parse().ok().map(Some)
    }

    /// Skips any value, checking it.
    fn skip(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => {
                self.at += 1;
                if self.peek()? == b'}' {
                    self.at += 1;
                    return Some(());
                }
                loop {
                    self.string()?;
                    self.eat(b':')?;
                    self.skip(depth + 1)?;
                    match self.peek()? {
                        b',' => self.at += 1,
                        b'}' => {
                            self.at += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.at += 1;
                if self.peek()? == b']' {
                    self.at += 1;
                    return Some(());
                }
                loop {
                    self.skip(depth + 1)?;
                    match self.peek()? {
                        b',' => self.at += 1,
                        b']' => {
                            self.at += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number(),
        }
    }

    /// The fields of an object, each handed to `field` with its name; `field` reads the value.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            let name = self.string()?;
            self.eat(b':')?;
            field(self, name)?;
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn chunk(&mut self) -> Option<Chunk<'a>> {
        let mut chunk = Chunk {
            model: None,
            choices: None,
            usage: None,
            error: None,
            citations: None,
            search_results: None,
        };
        let (mut model, mut choices) = (false, false);
        self.object(|scan, name| match name {
            "model" => {
                once(&mut model)?;
                chunk.model = scan.text()?;
                Some(())
            }
            "choices" => {
                once(&mut choices)?;
                chunk.choices = scan.choices()?;
                Some(())
            }
            // Rare and richer: serde reads them.
            "usage" | "error" | "citations" | "search_results" => None,
            _ => scan.skip(1),
        })?;
        Some(chunk)
    }

    /// `null`, `[]` or an array of one choice.
    fn choices(&mut self) -> Option<Option<Choice<'a>>> {
        if self.null() {
            return Some(None);
        }
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.at += 1;
            return Some(None);
        }
        let choice = self.choice()?;
        self.eat(b']')?;
        Some(choice.filter(|choice| choice.index.unwrap_or(0) == 0))
    }

    fn choice(&mut self) -> Option<Option<Choice<'a>>> {
        let mut choice = Choice {
            index: None,
            delta: None,
            message: None,
            text: None,
            finish_reason: None,
        };
        let mut seen = [false; 5];
        self.object(|scan, name| {
            match name {
                "index" => {
                    once(&mut seen[0])?;
                    choice.index = scan.index()?;
                }
                "delta" => {
                    once(&mut seen[1])?;
                    choice.delta = scan.delta()?;
                }
                "message" => {
                    once(&mut seen[2])?;
                    choice.message = scan.delta()?;
                }
                "text" => {
                    once(&mut seen[3])?;
                    choice.text = scan.text()?;
                }
                "finish_reason" => {
                    once(&mut seen[4])?;
                    choice.finish_reason = scan.text()?;
                }
                _ => scan.skip(2)?,
            }
            Some(())
        })?;
        Some(Some(choice))
    }

    /// An object of text fields, or `null`.
    fn delta(&mut self) -> Option<Option<Delta<'a>>> {
        if self.null() {
            return Some(None);
        }
        let mut delta = Delta {
            content: None,
            reasoning_content: None,
            reasoning: None,
            annotations: None,
        };
        let mut seen = [false; 3];
        self.object(|scan, name| {
            match name {
                "content" => {
                    once(&mut seen[0])?;
                    delta.content = scan.text()?;
                }
                "reasoning_content" => {
                    once(&mut seen[1])?;
                    delta.reasoning_content = scan.text()?;
                }
                "reasoning" => {
                    once(&mut seen[2])?;
                    delta.reasoning = scan.text()?;
                }
                // Cited pages: serde reads them.
                "annotations" => return None,
                _ => scan.skip(3)?,
            }
            Some(())
        })?;
        Some(Some(delta))
    }
}

/// The envelope of the last plain text chunk: the bytes before its text and after it. A
/// stream repeats it for every piece of text (same id, model, index, `finish_reason: null`), so
/// a chunk that is the same envelope around another plain string reads exactly as that chunk
/// did with the new text: only the text needs finding.
///
/// Learned from a chunk that carried only text (no reasoning, finish reason, usage or error),
/// whose text was borrowed (no escapes) and whose model, if any, was already reported.
#[derive(Debug, Default)]
pub(super) struct Envelope {
    prefix: String,
    suffix: String,
    known: bool,
}

impl Envelope {
    /// The text of `data` when it is the envelope around a plain string.
    pub(super) fn text<'d>(&self, data: &'d str) -> Option<&'d str> {
        if !self.known || data.len() < self.prefix.len() + self.suffix.len() {
            return None;
        }
        let middle = data
            .strip_prefix(self.prefix.as_str())?
            .strip_suffix(self.suffix.as_str())?;
        // A quote, an escape or a control character would change how the rest reads.
        let plain = middle.bytes().fold(true, |plain, byte| {
            plain & (byte >= 0x20) & (byte != b'\\') & (byte != b'"')
        });
        plain.then_some(middle)
    }

    /// Learns the envelope of `data` around `text` (a slice of it), or forgets it when the chunk
    /// is not one that carried only plain text.
    pub(super) fn learn(&mut self, data: &str, text: Option<&str>) {
        self.known = false;
        let Some(text) = text else { return };
        let start = (text.as_ptr() as usize).wrapping_sub(data.as_ptr() as usize);
        let end = start.wrapping_add(text.len());
        // The text must lie inside `data`, between the quotes of a JSON string.
        if end > data.len() || start == 0 {
            return;
        }
        let (Some(prefix), Some(suffix)) = (data.get(..start), data.get(end..)) else {
            return;
        };
        if !prefix.ends_with('"') || !suffix.starts_with('"') {
            return;
        }
        self.prefix.clear();
        self.prefix.push_str(prefix);
        self.suffix.clear();
        self.suffix.push_str(suffix);
        self.known = true;
    }
}

/// A field seen a second time makes serde refuse the chunk: the scanner declines.
fn once(seen: &mut bool) -> Option<()> {
    (!std::mem::replace(seen, true)).then_some(())
}

#[cfg(test)]
#[path = "scan_tests.rs"]
mod tests;
