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
}
