//! Search terms and snippets, as pure text work: the terms of a query, where they occur in a
//! text whatever their case, and the whole words around them with every occurrence marked.
//!
//! Must not touch the database (the SQL lives in `search`), and must never cut a matched word:
//! a snippet starts and ends at spaces, except inside a run longer than [`LONGEST_WORD`]
//! characters without one (a URL, base64, text in a script written without spaces).

use std::ops::Range;

use serde::Serialize;

/// How many characters of context a snippet shows on each side of a match; split between the
/// matches when the terms occur far apart.
const CONTEXT_CHARS: usize = 60;
/// The least context on each side of a match, however many terms there are.
const MIN_CONTEXT_CHARS: usize = 12;
/// The longest run without a space that is kept whole around a match.
pub const LONGEST_WORD: usize = 40;
/// What stands for text left out of a snippet.
pub const ELLIPSIS: &str = "…";

/// A run of a snippet's text, and whether a search term matched it. A snippet is a list of
/// these: joined, they are the text shown; the `matched` ones are the terms as they occur.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SnippetPart {
    /// The text, as written (runs of white space, line breaks included, are one space).
    pub text: String,
    /// Whether this is where a term occurs.
    pub matched: bool,
}

/// The snippet as one line of text with the matches in `[` `]`.
pub fn bracketed(parts: &[SnippetPart]) -> String {
    parts
        .iter()
        .map(|part| {
            if part.matched {
                format!("[{}]", part.text)
            } else {
                part.text.clone()
            }
        })
        .collect()
}

/// The terms of a query: its words (split at white space), each once whatever its case.
pub fn terms(query: &str) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut terms = Vec::new();
    for word in query.split_whitespace() {
        let folded = fold(word);
        if !seen.contains(&folded) {
            seen.push(folded);
            terms.push(word.to_string());
        }
    }
    terms
}

/// Whether a term is too short for the trigram index (fewer than 3 characters).
pub fn is_short(term: &str) -> bool {
    term.chars().nth(2).is_none()
}

/// Whether every term occurs in `text` (case-insensitive substrings).
pub fn contains_all(text: &str, terms: &[String]) -> bool {
    let folded = Folded::new(text);
    terms.iter().all(|term| folded.text.contains(&fold(term)))
}

/// `text` whole, with every occurrence of the terms marked (for titles).
pub fn marked(text: &str, terms: &[String]) -> Vec<SnippetPart> {
    let (marks, _) = occurrences(text, terms);
    parts(text, std::slice::from_ref(&(0..text.len())), &marks)
}

/// The whole words around the first occurrence of each term in `text`, every occurrence of
/// a term in them marked; `…` where text is left out. Without any occurrence, the start of
/// the text.
pub fn snippet(text: &str, terms: &[String]) -> Vec<SnippetPart> {
    let (marks, mut anchors) = occurrences(text, terms);
    if anchors.is_empty() {
        anchors.push(0..0);
    }
    anchors.sort_by_key(|a| a.start);
    let context = (CONTEXT_CHARS / anchors.len()).max(MIN_CONTEXT_CHARS);
    let mut fragments: Vec<Range<usize>> = Vec::new();
    for anchor in anchors {
        let fragment = around(text, &anchor, context);
        match fragments.last_mut() {
            Some(last)
                if fragment.start <= last.end
                    || text[last.end..fragment.start].trim().is_empty() =>
            {
                last.end = last.end.max(fragment.end);
            }
            _ => fragments.push(fragment),
        }
    }
    parts(text, &fragments, &marks)
}

/// Every occurrence of the terms in `text` (sorted, overlapping ones joined), and the first
/// occurrence of each term.
fn occurrences(text: &str, terms: &[String]) -> (Vec<Range<usize>>, Vec<Range<usize>>) {
    let folded = Folded::new(text);
    let mut marks = Vec::new();
    let mut firsts = Vec::new();
    for term in terms {
        let needle = fold(term);
        if needle.is_empty() {
            continue;
        }
        let mut first = true;
        for (at, _) in folded.text.match_indices(&needle) {
            let range = folded.original(at, at + needle.len());
            if first {
                firsts.push(range.clone());
                first = false;
            }
            marks.push(range);
        }
    }
    marks.sort_by_key(|m| (m.start, m.end));
    let mut joined: Vec<Range<usize>> = Vec::with_capacity(marks.len());
    for mark in marks {
        match joined.last_mut() {
            Some(last) if mark.start <= last.end => last.end = last.end.max(mark.end),
            _ => joined.push(mark),
        }
    }
    (joined, firsts)
}

/// The whole words within `context` characters on each side of `anchor`, and all of the
/// word(s) the anchor is in.
fn around(text: &str, anchor: &Range<usize>, context: usize) -> Range<usize> {
    let word_start = word_start(text, anchor.start);
    let word_end = word_end(text, anchor.end);
    let mut start = back(text, anchor.start, context).min(word_start);
    if start > 0 && !space_before(text, start) && !space_at(text, start) {
        // Mid-word: drop the cut word, unless it is the anchor's own.
        if let Some(space) = text[start..word_start].find(char::is_whitespace) {
            start += space;
        } else {
            start = word_start;
        }
    }
    while start < word_start && space_at(text, start) {
        start += next_len(text, start);
    }
    let mut end = forward(text, anchor.end, context).max(word_end);
    if end < text.len() && !space_at(text, end) && !space_before(text, end) {
        match text[word_end..end].rfind(char::is_whitespace) {
            Some(space) => end = word_end + space,
            None => end = word_end,
        }
    }
    while end > word_end && space_before(text, end) {
        end -= text[..end].chars().next_back().map_or(1, char::len_utf8);
    }
    start..end
}

/// Where the word holding `at` starts: after the white space before it, at most
/// [`LONGEST_WORD`] characters back.
fn word_start(text: &str, at: usize) -> usize {
    let mut start = at;
    for (count, (index, c)) in text[..at].char_indices().rev().enumerate() {
        if c.is_whitespace() || count == LONGEST_WORD {
            break;
        }
        start = index;
    }
    start
}

/// Where the word ending at or after `at` ends: at the next white space, at most
/// [`LONGEST_WORD`] characters on.
fn word_end(text: &str, at: usize) -> usize {
    let mut end = at;
    for (count, c) in text[at..].chars().enumerate() {
        if c.is_whitespace() || count == LONGEST_WORD {
            break;
        }
        end += c.len_utf8();
    }
    end
}

/// `count` characters before `at` (or the start).
fn back(text: &str, at: usize, count: usize) -> usize {
    text[..at]
        .char_indices()
        .rev()
        .nth(count.saturating_sub(1))
        .map_or(0, |(index, _)| index)
        .min(at)
}

/// `count` characters after `at` (or the end).
fn forward(text: &str, at: usize, count: usize) -> usize {
    text[at..]
        .char_indices()
        .nth(count)
        .map_or(text.len(), |(index, _)| at + index)
}

fn space_at(text: &str, at: usize) -> bool {
    text[at..].chars().next().is_some_and(char::is_whitespace)
}

fn space_before(text: &str, at: usize) -> bool {
    text[..at]
        .chars()
        .next_back()
        .is_some_and(char::is_whitespace)
}

fn next_len(text: &str, at: usize) -> usize {
    text[at..].chars().next().map_or(1, char::len_utf8)
}

/// The fragments of `text`, with `marks` (sorted, not overlapping) marked, `…` before and
/// after them where text is left out (` … ` between them), and white space runs made one space.
fn parts(text: &str, fragments: &[Range<usize>], marks: &[Range<usize>]) -> Vec<SnippetPart> {
    let mut out = Parts::default();
    for (index, fragment) in fragments.iter().enumerate() {
        if index > 0 {
            out.push(&format!(" {ELLIPSIS} "), false);
        } else if fragment.start > 0 {
            out.push(ELLIPSIS, false);
        }
        let mut at = fragment.start;
        let first = marks.partition_point(|m| m.end <= fragment.start);
        for mark in marks[first..].iter().take_while(|m| m.start < fragment.end) {
            let (start, end) = (mark.start.max(at), mark.end.min(fragment.end));
            if start > at {
                out.push(&text[at..start], false);
            }
            if end > start {
                out.push(&text[start..end], true);
            }
            at = at.max(end);
        }
        if at < fragment.end {
            out.push(&text[at..fragment.end], false);
        }
    }
    if fragments.last().is_some_and(|f| f.end < text.len()) {
        out.push(ELLIPSIS, false);
    }
    out.parts
}

/// Snippet parts being built: runs of one kind joined, white space made single spaces.
#[derive(Default)]
struct Parts {
    parts: Vec<SnippetPart>,
    after_space: bool,
}

impl Parts {
    fn push(&mut self, text: &str, matched: bool) {
        let mut clean = String::with_capacity(text.len());
        for c in text.chars() {
            if c.is_whitespace() {
                if !self.after_space {
                    clean.push(' ');
                }
                self.after_space = true;
            } else {
                clean.push(c);
                self.after_space = false;
            }
        }
        if clean.is_empty() {
            return;
        }
        match self.parts.last_mut() {
            Some(last) if last.matched == matched => last.text.push_str(&clean),
            _ => self.parts.push(SnippetPart {
                text: clean,
                matched,
            }),
        }
    }
}

/// `text` in lower case, character by character (as the search index folds it).
pub fn fold(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).collect()
}

/// A text in lower case, with the way back to the original's byte offsets.
struct Folded {
    text: String,
    /// Each character whose lower case has another length in bytes: its range in the folded
    /// text, then in the original. Between these, offsets differ by a constant.
    shifts: Vec<(Range<usize>, Range<usize>)>,
}

impl Folded {
    fn new(original: &str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut shifts = Vec::new();
        for (index, c) in original.char_indices() {
            let start = text.len();
            text.extend(c.to_lowercase());
            if text.len() - start != c.len_utf8() {
                shifts.push((start..text.len(), index..index + c.len_utf8()));
            }
        }
        Folded { text, shifts }
    }

    /// The original range of the folded range `start..end`: whole characters.
    fn original(&self, start: usize, end: usize) -> Range<usize> {
        self.offset(start, false)..self.offset(end, true)
    }

    fn offset(&self, at: usize, round_up: bool) -> usize {
        let index = self
            .shifts
            .partition_point(|(folded, _)| folded.start <= at);
        let Some((folded, original)) = index.checked_sub(1).map(|i| &self.shifts[i]) else {
            return at;
        };
        if at == folded.start {
            original.start
        } else if at < folded.end {
            if round_up {
                original.end
            } else {
                original.start
            }
        } else {
            original.end + (at - folded.end)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms_of(query: &str) -> Vec<String> {
        terms(query)
    }

    #[test]
    fn terms_are_words_each_once() {
        assert_eq!(
            terms_of("  Welcome  traveller welcome "),
            ["Welcome", "traveller"]
        );
        assert!(terms_of(" \n ").is_empty());
        assert!(is_short("ab") && is_short("借用") && !is_short("abc"));
    }

    #[test]
    fn folding_maps_back_to_whole_original_characters() {
        // 'İ' lower-cases to two characters; 'ẞ' to one of another length.
        let text = "xİyẞz";
        let folded = Folded::new(text);
        let at = folded.text.find('y').unwrap();
        assert_eq!(&text[folded.original(at, at + 1)], "y");
        let at = folded.text.find('z').unwrap();
        assert_eq!(&text[folded.original(at, at + 1)], "z");
        assert_eq!(&text[folded.original(1, 2)], "İ");
    }

    proptest::proptest! {
        /// Whatever the text and the terms (letters whose lower case has another length
        /// included), a snippet is built without panicking, and every term in the text is
        /// inside a marked run.
        #[test]
        fn every_term_found_is_marked(
            text in "[a-zA-Z İẞΣσς日本語\n,.-]{0,300}",
            terms in proptest::collection::vec("[a-zA-Zİẞσς日本 ]{1,4}", 1..4),
        ) {
            let terms: Vec<String> = terms.iter().flat_map(|t| super::terms(t)).collect();
            let parts = snippet(&text, &terms);
            let matched: Vec<String> = parts.iter().filter(|p| p.matched).map(|p| fold(&p.text)).collect();
            for term in &terms {
                if fold(&text).contains(&fold(term)) {
                    proptest::prop_assert!(
                        matched.iter().any(|m| m.contains(&fold(term))),
                        "{term:?} not marked in {parts:?}"
                    );
                }
            }
            let _ = marked(&text, &terms);
        }
    }

    #[test]
    fn snippets_keep_whole_words_and_mark_every_term() {
        let text = format!(
            "{} the uniqueword-lanternfish swam past. {}",
            "filler ".repeat(30),
            "more ".repeat(30)
        );
        let parts = snippet(&text, &terms_of("LANTERN"));
        let shown = bracketed(&parts);
        assert!(shown.contains("uniqueword-[lantern]fish"), "{shown}");
        assert!(
            shown.starts_with("… filler") || shown.starts_with("…filler"),
            "{shown}"
        );
        assert!(
            shown.ends_with("more …") || shown.ends_with("more…"),
            "{shown}"
        );
        assert!(
            !shown.contains("fille ") && !shown.contains(" ore "),
            "{shown}"
        );
    }
}
