//! A tiny JSON writer that keeps keys in the order given and can imitate Python's `json.dumps`.
//!
//! `serde_json::Value` sorts object keys, but the real servers each have their own key order and
//! spacing (llama-cpp-python and KoboldCpp stream `json.dumps(...)` output: `", "` and `": "`
//! separators, non-ASCII escaped as `\uXXXX`). The fakes build their bodies with [`J`] and render
//! them in the [`Fmt`] of the server they imitate.

use std::fmt::Write as _;

/// A JSON value whose objects keep their keys in insertion order.
#[derive(Clone, Debug)]
pub(crate) enum J {
    Null,
    Bool(bool),
    Int(i64),
    /// A float, written as Python's `repr` writes it (`10.0`, `0.5`): Flask-RESTX's
    /// `fields.Float` always renders one.
    Float(f64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(&'static str, J)>),
    /// An object whose keys are only known at run time (in the order given).
    Map(Vec<(String, J)>),
}

/// How to render: separators and string escaping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fmt {
    /// `", "` and `": "` between items (Python's default) instead of `","` and `":"`.
    pub spaced: bool,
    /// Escape every non-ASCII character as `\uXXXX` (Python's default `ensure_ascii=True`).
    pub ascii: bool,
}

impl Fmt {
    /// `{"a":1,"b":"é"}`: OpenAI, OpenRouter, FastAPI `JSONResponse`.
    pub const COMPACT: Fmt = Fmt {
        spaced: false,
        ascii: false,
    };
    /// `{"a": 1, "b": "\u00e9"}`: Python's `json.dumps` defaults.
    pub const PYTHON: Fmt = Fmt {
        spaced: true,
        ascii: true,
    };
    /// `{"a": 1, "b": "é"}`: OpenAI's mid-stream error event as recorded in the wild.
    pub const SPACED_UTF8: Fmt = Fmt {
        spaced: true,
        ascii: false,
    };
}

/// A JSON string.
pub(crate) fn s(text: impl Into<String>) -> J {
    J::Str(text.into())
}

/// A JSON object with keys in the given order.
pub(crate) fn obj<const N: usize>(pairs: [(&'static str, J); N]) -> J {
    J::Obj(pairs.into())
}

impl J {
    /// Renders the value.
    pub(crate) fn render(&self, fmt: Fmt) -> String {
        let mut out = String::new();
        self.write(fmt, &mut out);
        out
    }

    fn write(&self, fmt: Fmt, out: &mut String) {
        let comma = if fmt.spaced { ", " } else { "," };
        match self {
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Int(n) => {
                let _ = write!(out, "{n}");
            }
            J::Float(x) => {
                let _ = write!(out, "{x:?}");
            }
            J::Str(text) => write_str(text, fmt.ascii, out),
            J::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(comma);
                    }
                    item.write(fmt, out);
                }
                out.push(']');
            }
            J::Obj(pairs) => {
                write_obj(pairs.iter().map(|(k, v)| (*k, v)), fmt, out);
            }
            J::Map(pairs) => {
                write_obj(pairs.iter().map(|(k, v)| (k.as_str(), v)), fmt, out);
            }
        }
    }
}

fn write_obj<'a>(pairs: impl Iterator<Item = (&'a str, &'a J)>, fmt: Fmt, out: &mut String) {
    let (comma, colon) = if fmt.spaced { (", ", ": ") } else { (",", ":") };
    out.push('{');
    for (i, (key, value)) in pairs.enumerate() {
        if i > 0 {
            out.push_str(comma);
        }
        write_str(key, fmt.ascii, out);
        out.push_str(colon);
        value.write(fmt, out);
    }
    out.push('}');
}

fn write_str(text: &str, ascii: bool, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (ascii && !(' '..='~').contains(&c)) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl J {
    /// The value as a `serde_json::Value` (keys sorted; NaN and infinities become `null`).
    pub(crate) fn to_value(&self) -> serde_json::Value {
        use serde_json::Value;
        let map = |pairs: &mut dyn Iterator<Item = (&str, &J)>| {
            Value::Object(pairs.map(|(k, v)| (k.to_owned(), v.to_value())).collect())
        };
        match self {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Int(n) => Value::from(*n),
            J::Float(x) => serde_json::Number::from_f64(*x).map_or(Value::Null, Value::Number),
            J::Str(text) => Value::String(text.clone()),
            J::Arr(items) => Value::Array(items.iter().map(J::to_value).collect()),
            J::Obj(pairs) => map(&mut pairs.iter().map(|(k, v)| (*k, v))),
            J::Map(pairs) => map(&mut pairs.iter().map(|(k, v)| (k.as_str(), v))),
        }
    }
}

/// Why Python's `json.loads` rejects a text: CPython's message and the character (not byte)
/// index it reports, as FastAPI puts them in a `json_invalid` error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PyJsonError {
    pub msg: &'static str,
    pub pos: usize,
}

/// Parses JSON the way CPython 3.11's `json.loads` (the C scanner) does: the same accepted
/// texts (`NaN`, `Infinity`, `-Infinity` included), the same error messages and positions,
/// objects in document order (a repeated key keeps its first place and its last value).
pub(crate) fn parse_python(text: &str) -> Result<J, PyJsonError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let scanner = PyScanner {
        s: text.chars().collect(),
    };
    let start = scanner.ws(0);
    let (value, end) = scanner.value(start).map_err(Stop::into_error)?;
    let end = scanner.ws(end);
    if end != scanner.s.len() {
        return Err(PyJsonError {
            msg: "Extra data",
            pos: end,
        });
    }
    Ok(value)
}

/// A failed scan: `StopIteration(idx)` ("Expecting value" once it reaches the top) or an error.
enum Stop {
    At(usize),
    Error(PyJsonError),
}

impl Stop {
    fn into_error(self) -> PyJsonError {
        match self {
            Stop::At(pos) => PyJsonError {
                msg: "Expecting value",
                pos,
            },
            Stop::Error(error) => error,
        }
    }
}

fn fail<T>(msg: &'static str, pos: usize) -> Result<T, Stop> {
    Err(Stop::Error(PyJsonError { msg, pos }))
}

struct PyScanner {
    s: Vec<char>,
}

impl PyScanner {
    fn at(&self, idx: usize) -> Option<char> {
        self.s.get(idx).copied()
    }

    fn ws(&self, mut idx: usize) -> usize {
        while matches!(self.at(idx), Some(' ' | '\t' | '\n' | '\r')) {
            idx += 1;
        }
        idx
    }

    fn starts(&self, idx: usize, word: &str) -> bool {
        word.chars()
            .enumerate()
            .all(|(i, c)| self.at(idx + i) == Some(c))
    }

    /// `scan_once`: one value starting exactly at `idx`.
    fn value(&self, idx: usize) -> Result<(J, usize), Stop> {
        let Some(c) = self.at(idx) else {
            return Err(Stop::At(idx));
        };
        match c {
            '"' => self.string(idx + 1).map(|(text, end)| (J::Str(text), end)),
            '{' => self.object(idx + 1),
            '[' => self.array(idx + 1),
            'n' if self.starts(idx, "null") => Ok((J::Null, idx + 4)),
            't' if self.starts(idx, "true") => Ok((J::Bool(true), idx + 4)),
            'f' if self.starts(idx, "false") => Ok((J::Bool(false), idx + 5)),
            'N' if self.starts(idx, "NaN") => Ok((J::Float(f64::NAN), idx + 3)),
            'I' if self.starts(idx, "Infinity") => Ok((J::Float(f64::INFINITY), idx + 8)),
            '-' if self.starts(idx, "-Infinity") => Ok((J::Float(f64::NEG_INFINITY), idx + 9)),
            _ => self.number(idx),
        }
    }

    fn digits(&self, mut idx: usize) -> usize {
        while self.at(idx).is_some_and(|c| c.is_ascii_digit()) {
            idx += 1;
        }
        idx
    }

    /// `_match_number_unicode`.
    fn number(&self, start: usize) -> Result<(J, usize), Stop> {
        let mut idx = start;
        if self.at(idx) == Some('-') {
            idx += 1;
        }
        match self.at(idx) {
            Some('1'..='9') => idx = self.digits(idx + 1),
            Some('0') => idx += 1,
            _ => return Err(Stop::At(start)),
        }
        let mut float = false;
        if self.at(idx) == Some('.') && self.at(idx + 1).is_some_and(|c| c.is_ascii_digit()) {
            float = true;
            idx = self.digits(idx + 2);
        }
        if matches!(self.at(idx), Some('e' | 'E')) {
            let mut e = idx + 1;
            if matches!(self.at(e), Some('-' | '+')) {
                e += 1;
            }
            let end = self.digits(e);
            if end > e {
                float = true;
                idx = end;
            }
        }
        let token: String = self.s[start..idx].iter().collect();
        let value = match (float, token.parse::<i64>()) {
            (false, Ok(n)) => J::Int(n),
            _ => J::Float(token.parse().unwrap_or(f64::NAN)),
        };
        Ok((value, idx))
    }

    /// `scanstring_unicode` (strict): `end` is just after the opening quote.
    fn string(&self, mut end: usize) -> Result<(String, usize), Stop> {
        let begin = end - 1;
        let mut out = String::new();
        loop {
            let mut next = end;
            let mut terminator = None;
            while let Some(c) = self.at(next) {
                if c == '"' || c == '\\' {
                    terminator = Some(c);
                    break;
                }
                if u32::from(c) <= 0x1f {
                    return fail("Invalid control character at", next);
                }
                next += 1;
            }
            let Some(terminator) = terminator else {
                return fail("Unterminated string starting at", begin);
            };
            out.extend(&self.s[end..next]);
            next += 1;
            if terminator == '"' {
                return Ok((out, next));
            }
            let Some(c) = self.at(next) else {
                return fail("Unterminated string starting at", begin);
            };
            if c != 'u' {
                end = next + 1;
                out.push(match c {
                    '"' | '\\' | '/' => c,
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    _ => return fail("Invalid \\escape", end - 2),
                });
                continue;
            }
            let u = next;
            let Some(unit) = self.hex4(u + 1) else {
                return fail("Invalid \\uXXXX escape", u);
            };
            end = u + 5;
            let mut code = u32::from(unit);
            if (0xd800..0xdc00).contains(&code)
                && self.at(end) == Some('\\')
                && self.at(end + 1) == Some('u')
                && end + 6 < self.s.len()
            {
                let Some(low) = self.hex4(end + 2) else {
                    return fail("Invalid \\uXXXX escape", end + 1);
                };
                if (0xdc00..0xe000).contains(&u32::from(low)) {
                    code = 0x10000 + ((code - 0xd800) << 10) + (u32::from(low) - 0xdc00);
                    end += 6;
                }
            }
            out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
        }
    }

    /// Four hex digits at `idx`, which must leave at least one more character after them.
    fn hex4(&self, idx: usize) -> Option<u16> {
        if idx + 4 >= self.s.len() {
            return None;
        }
        let text: String = self.s[idx..idx + 4].iter().collect();
        if !text.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        u16::from_str_radix(&text, 16).ok()
    }

    /// `_parse_object_unicode`: `idx` is just after `{`.
    fn object(&self, idx: usize) -> Result<(J, usize), Stop> {
        let mut pairs: Vec<(String, J)> = Vec::new();
        let mut idx = self.ws(idx);
        if self.at(idx) != Some('}') {
            loop {
                if self.at(idx) != Some('"') {
                    return fail("Expecting property name enclosed in double quotes", idx);
                }
                let (key, next) = self.string(idx + 1)?;
                idx = self.ws(next);
                if self.at(idx) != Some(':') {
                    return fail("Expecting ':' delimiter", idx);
                }
                idx = self.ws(idx + 1);
                let (value, next) = self.value(idx)?;
                match pairs.iter_mut().find(|(k, _)| *k == key) {
                    Some(pair) => pair.1 = value,
                    None => pairs.push((key, value)),
                }
                idx = self.ws(next);
                if self.at(idx) == Some('}') {
                    break;
                }
                if self.at(idx) != Some(',') {
                    return fail("Expecting ',' delimiter", idx);
                }
                idx = self.ws(idx + 1);
            }
        }
        Ok((J::Map(pairs), idx + 1))
    }

    /// `_parse_array_unicode`: `idx` is just after `[`.
    fn array(&self, idx: usize) -> Result<(J, usize), Stop> {
        let mut items = Vec::new();
        let mut idx = self.ws(idx);
        if self.at(idx) != Some(']') {
            loop {
                let (value, next) = self.value(idx)?;
                items.push(value);
                idx = self.ws(next);
                if self.at(idx) == Some(']') {
                    break;
                }
                if self.at(idx) != Some(',') {
                    return fail("Expecting ',' delimiter", idx);
                }
                idx = self.ws(idx + 1);
            }
        }
        Ok((J::Arr(items), idx + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_order_and_spacing() {
        let v = obj([
            ("b", J::Int(1)),
            ("a", J::Arr(vec![J::Null, J::Bool(true)])),
        ]);
        assert_eq!(v.render(Fmt::COMPACT), r#"{"b":1,"a":[null,true]}"#);
        assert_eq!(v.render(Fmt::PYTHON), r#"{"b": 1, "a": [null, true]}"#);
        let floats = J::Arr(vec![J::Float(10.0), J::Float(0.5), J::Float(0.0)]);
        assert_eq!(floats.render(Fmt::PYTHON), "[10.0, 0.5, 0.0]");
    }

    #[test]
    fn escapes_like_python() {
        let v = s("é 👋 \"q\" \\ \n\u{1}");
        assert_eq!(
            v.render(Fmt::PYTHON),
            r#""\u00e9 \ud83d\udc4b \"q\" \\ \n\u0001""#
        );
        assert_eq!(v.render(Fmt::COMPACT), "\"é 👋 \\\"q\\\" \\\\ \\n\\u0001\"");
        let back: String = serde_json::from_str(&v.render(Fmt::PYTHON)).unwrap();
        assert_eq!(back, "é 👋 \"q\" \\ \n\u{1}");
    }

    #[test]
    fn python_parse_errors_match_cpython() {
        // Messages and positions as recorded from CPython 3.11 through FastAPI 0.112.
        let cases: &[(&str, &str, usize)] = &[
            (r#"{"model": "x", "messages": ["#, "Expecting value", 28),
            (r#"{"a": 1"#, "Expecting ',' delimiter", 7),
            (
                r#"{"a": 1,}"#,
                "Expecting property name enclosed in double quotes",
                8,
            ),
            (r#"{"a" 1}"#, "Expecting ':' delimiter", 5),
            (r#"{"a": "x"#, "Unterminated string starting at", 6),
            (r#"{"a": 1} x"#, "Extra data", 9),
            ("  ", "Expecting value", 2),
            ("", "Expecting value", 0),
            ("[1,]", "Expecting value", 3),
            (r#"{"é": tru}"#, "Expecting value", 6),
            (r#"{"a": "\q"}"#, "Invalid \\escape", 7),
            (r#"{"a": -}"#, "Expecting value", 6),
            (r#"{"a": 01}"#, "Expecting ',' delimiter", 7),
            (r#"{"a": 1.}"#, "Expecting ',' delimiter", 7),
            ("{\"a\": \"x\ty\"}", "Invalid control character at", 8),
        ];
        for &(text, msg, pos) in cases {
            assert_eq!(
                parse_python(text).err(),
                Some(PyJsonError { msg, pos }),
                "{text:?}"
            );
        }
    }

    #[test]
    fn python_parse_keeps_order_and_values() {
        let text =
            r#" {"b": [1, -2.5e1, true, null], "a": "\u00e9\ud83d\udc4b\n", "b": 3, "c": NaN} "#;
        let parsed = parse_python(text).unwrap();
        assert_eq!(
            parsed.render(Fmt::COMPACT),
            "{\"b\":3,\"a\":\"é👋\\n\",\"c\":NaN}"
        );
        assert_eq!(parsed.to_value()["c"], serde_json::Value::Null);
        let list = parse_python("[1, -2.5e1, 1E2, 0.5]").unwrap();
        assert_eq!(list.render(Fmt::COMPACT), "[1,-25.0,100.0,0.5]");
    }
}
