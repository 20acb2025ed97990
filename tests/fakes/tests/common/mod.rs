//! Helpers shared by the integration tests: a client, streaming reads, SSE parsing and an
//! order-preserving JSON value for comparing key order with the recordings.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::time::Duration;

use futures::StreamExt;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{json, Value};
use switchboard_fakes::{Dialect, FakeOptions, FakeServer, Scenario};

/// A client that never goes through a proxy.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

pub async fn start(scenario: Scenario) -> FakeServer {
    FakeServer::start(FakeOptions {
        scenario,
        ..Default::default()
    })
    .await
    .unwrap()
}

pub async fn start_dialect(dialect: Dialect, scenario: Scenario) -> FakeServer {
    FakeServer::start(FakeOptions {
        scenario,
        dialect,
        ..Default::default()
    })
    .await
    .unwrap()
}

/// A chat request body.
pub fn chat_body(stream: bool) -> Value {
    json!({"model": "test-model", "messages": [{"role": "user", "content": "Hi"}], "stream": stream})
}

pub async fn post(server: &FakeServer, path: &str, body: &Value) -> reqwest::Response {
    client()
        .post(format!("{}{path}", server.base_url()))
        .json(body)
        .send()
        .await
        .unwrap()
}

pub async fn get(server: &FakeServer, path: &str) -> reqwest::Response {
    client()
        .get(format!("{}{path}", server.base_url()))
        .send()
        .await
        .unwrap()
}

/// A response read to its end (or to its first error), chunk by chunk as the client saw them.
#[derive(Debug)]
pub struct Read {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub chunks: Vec<Vec<u8>>,
    pub error: Option<String>,
}

impl Read {
    pub fn bytes(&self) -> Vec<u8> {
        self.chunks.concat()
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.bytes()).unwrap()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes()).unwrap()
    }
}

/// Reads a response body chunk by chunk; gives up after 10 s.
pub async fn read(response: reqwest::Response) -> Read {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let mut body = response.bytes_stream();
    let mut chunks = Vec::new();
    let mut error = None;
    let reading = async {
        while let Some(item) = body.next().await {
            match item {
                Ok(bytes) => chunks.push(bytes.to_vec()),
                Err(e) => {
                    error = Some(format!("{e:?}"));
                    break;
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), reading)
        .await
        .expect("body read timed out");
    Read {
        status,
        headers,
        chunks,
        error,
    }
}

pub async fn chat(server: &FakeServer, stream: bool) -> Read {
    read(post(server, "/v1/chat/completions", &chat_body(stream)).await).await
}

/// One SSE event: its comment lines, other fields and data (lines joined with `\n`).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Event {
    pub comments: Vec<String>,
    pub fields: Vec<(String, String)>,
    pub data: Option<String>,
}

/// A small spec-following SSE parser (any line ending); the unterminated tail is returned too.
pub fn parse_sse(text: &str) -> (Vec<Event>, String) {
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut events = Vec::new();
    let mut rest = normalised.as_str();
    while let Some(end) = rest.find("\n\n") {
        let block = &rest[..end];
        rest = &rest[end + 2..];
        let mut event = Event::default();
        for line in block.split('\n') {
            if let Some(comment) = line.strip_prefix(':') {
                event.comments.push(comment.trim_start().to_owned());
                continue;
            }
            let (name, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            if name == "data" {
                event.data = Some(match event.data.take() {
                    Some(previous) => format!("{previous}\n{value}"),
                    None => value.to_owned(),
                });
            } else {
                event.fields.push((name.to_owned(), value.to_owned()));
            }
        }
        events.push(event);
    }
    (events, rest.to_owned())
}

/// The JSON payloads of the data events (not `[DONE]`).
pub fn chunks(text: &str) -> Vec<Value> {
    parse_sse(text)
        .0
        .into_iter()
        .filter_map(|e| e.data)
        .filter(|d| d != "[DONE]")
        .map(|d| serde_json::from_str(&d).unwrap())
        .collect()
}

/// Concatenates `choices[0].delta.<field>` (or `choices[0].text` for field "text").
pub fn collect(chunks: &[Value], field: &str) -> String {
    chunks
        .iter()
        .filter_map(|c| {
            let choice = c.get("choices")?.get(0)?;
            let value = if field == "text" {
                choice.get("text")
            } else {
                choice.get("delta")?.get(field)
            };
            value?.as_str().map(str::to_owned)
        })
        .collect()
}

/// The recorded file `fixtures/recorded/<path>`.
pub fn recorded(path: &str) -> Vec<u8> {
    let full = format!("{}/../fixtures/recorded/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// A JSON value that keeps object keys in document order.
#[derive(Clone, Debug, PartialEq)]
pub enum Ordered {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<Ordered>),
    Obj(Vec<(String, Ordered)>),
}

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Ordered, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E>(self) -> Result<Ordered, E> {
                Ok(Ordered::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Ordered, E> {
                Ok(Ordered::Bool(b))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Ordered, E> {
                Ok(Ordered::Num(n.to_string()))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Ordered, E> {
                Ok(Ordered::Num(n.to_string()))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Ordered, E> {
                // Python's `repr`: `10.0`, not `10`.
                Ok(Ordered::Num(format!("{n:?}")))
            }
            fn visit_str<E>(self, s: &str) -> Result<Ordered, E> {
                Ok(Ordered::Str(s.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ordered, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Ordered::Arr(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry::<String, Ordered>()? {
                    pairs.push(pair);
                }
                Ok(Ordered::Obj(pairs))
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl Ordered {
    pub fn parse(text: &str) -> Ordered {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    /// Keys in order and value types, without the values: `{id:str,choices:[{index:num}]}`.
    /// Strings that say `"null"` are shown as `"null"` so that representation is compared too.
    pub fn shape(&self) -> String {
        match self {
            Ordered::Null => "null".into(),
            Ordered::Bool(_) => "bool".into(),
            Ordered::Num(_) => "num".into(),
            Ordered::Str(s) if s == "null" => "\"null\"".into(),
            Ordered::Str(_) => "str".into(),
            Ordered::Arr(items) => {
                format!(
                    "[{}]",
                    items
                        .iter()
                        .map(Ordered::shape)
                        .collect::<Vec<_>>()
                        .join(",")
                )
            }
            Ordered::Obj(pairs) => format!(
                "{{{}}}",
                pairs
                    .iter()
                    .map(|(k, v)| format!("{k}:{}", v.shape()))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Ordered> {
        match self {
            Ordered::Obj(pairs) => pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Renders like Python's `json.dumps` with its defaults (`", "`, `": "`, ASCII only).
    pub fn python(&self) -> String {
        let mut out = String::new();
        self.write_python(&mut out);
        out
    }

    fn write_python(&self, out: &mut String) {
        match self {
            Ordered::Null => out.push_str("null"),
            Ordered::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Ordered::Num(n) => out.push_str(n),
            Ordered::Str(s) => python_str(s, out),
            Ordered::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write_python(out);
                }
                out.push(']');
            }
            Ordered::Obj(pairs) => {
                out.push('{');
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    python_str(k, out);
                    out.push_str(": ");
                    v.write_python(out);
                }
                out.push('}');
            }
        }
    }
}

fn python_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            c => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    write!(out, "\\u{unit:04x}").unwrap();
                }
            }
        }
    }
    out.push('"');
}

/// The `switchboard-fakes` binary, started with some arguments and killed when dropped.
pub struct Binary {
    child: std::process::Child,
    /// The first line it printed (`listening on URL\n`).
    pub line: String,
    /// The URL it serves.
    pub base: String,
}

impl Binary {
    /// Starts the binary and waits (at most 20 s) for the line with its URL.
    pub fn start(args: &[&str]) -> Binary {
        use std::io::{BufRead, BufReader};
        use std::process::{Command, Stdio};
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard-fakes"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the binary printed its URL");
        let base = line
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .trim_end()
            .to_owned();
        Binary { child, line, base }
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
