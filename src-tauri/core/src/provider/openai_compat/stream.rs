//! OpenAI-style stream chunks → [`StreamEvent`]s, without IO.
//!
//! Feed the `data` of each SSE event to [`ChunkMapper::on_data`] and the decoder's end state to
//! [`ChunkMapper::on_end`]. Handles the quirks of the family: `[DONE]` (with or without a blank
//! line after it), usage-only chunks with `choices: []`, `null` or no `choices`, `data: null`,
//! reasoning in `reasoning_content` or `reasoning`, legacy `text` chunks, KoboldCpp's
//! `"finish_reason": "null"` string, and errors inside a 200 stream. A stream that ends with
//! neither `[DONE]` nor a finish reason was cut off. Cited pages (Perplexity's `citations` and
//! `search_results`, `url_citation` annotations on deltas) become [`StreamEvent::Sources`]
//! whenever a chunk adds one.
//!
//! A chunk is read into typed structs that borrow its text: the common shape by the scanner in
//! `stream/scan.rs` (one pass, no allocation), anything else by serde.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;

use super::wire::citations::Cited;
use super::wire::WireUsage;
use crate::citations::Citations;
use crate::model::StopReason;
use crate::provider::contract::StreamEvent;
use crate::provider::relay::StreamFailure;
use crate::provider::server_error::ServerError;
use crate::stream::SseEnd;

mod scan;

/// Whether the stream goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// More events may follow.
    Continue,
    /// The reply is complete.
    Done(StopReason),
}

/// A JSON string borrowed from the chunk when it has no escapes (serde borrows a `Cow` only
/// when it is the field's whole type, not inside an `Option`).
#[derive(Deserialize)]
#[serde(transparent)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

#[derive(Deserialize)]
struct Chunk<'a> {
    #[serde(borrow, default)]
    model: Option<Text<'a>>,
    /// The first choice with index 0 (the others are read, to check them, and dropped).
    #[serde(borrow, default, deserialize_with = "first_choice")]
    choices: Option<Choice<'a>>,
    #[serde(default)]
    usage: Option<WireUsage>,
    #[serde(default)]
    error: Option<Value>,
    /// Perplexity's cited addresses (in every chunk).
    #[serde(default)]
    citations: Option<Value>,
    /// Perplexity's search results (in every chunk).
    #[serde(default)]
    search_results: Option<Value>,
}

#[derive(Deserialize)]
struct Choice<'a> {
    #[serde(default)]
    index: Option<u32>,
    #[serde(borrow, default)]
    delta: Option<Delta<'a>>,
    #[serde(borrow, default)]
    message: Option<Delta<'a>>,
    #[serde(borrow, default)]
    text: Option<Text<'a>>,
    #[serde(borrow, default)]
    finish_reason: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct Delta<'a> {
    #[serde(borrow, default)]
    content: Option<Text<'a>>,
    #[serde(borrow, default)]
    reasoning_content: Option<Text<'a>>,
    #[serde(borrow, default)]
    reasoning: Option<Text<'a>>,
    /// `url_citation` annotations (OpenRouter's web search).
    #[serde(default)]
    annotations: Option<Value>,
}

/// `choices` (an array, or `null`) to its first choice with index 0, without collecting the
/// array: a chunk costs no allocation for it.
fn first_choice<'de: 'a, 'a, D>(deserializer: D) -> Result<Option<Choice<'a>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Choices<'a>(std::marker::PhantomData<Choice<'a>>);

    impl<'de: 'a, 'a> serde::de::Visitor<'de> for Choices<'a> {
        type Value = Option<Choice<'a>>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array of choices or null")
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: serde::Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            deserializer.deserialize_seq(self)
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut first = None;
            while let Some(choice) = seq.next_element::<Choice<'a>>()? {
                if first.is_none() && choice.index.unwrap_or(0) == 0 {
                    first = Some(choice);
                }
            }
            Ok(first)
        }
    }

    deserializer.deserialize_option(Choices(std::marker::PhantomData))
}

/// The text of a chunk that carries nothing else the mapper acts on (no reasoning, finish
/// reason, usage or error), when it is borrowed from the chunk.
fn only_text<'c>(chunk: &'c Chunk<'_>) -> Option<&'c str> {
    if chunk.usage.is_some()
        || chunk.error.is_some()
        || chunk.citations.is_some()
        || chunk.search_results.is_some()
    {
        return None;
    }
    let choice = chunk.choices.as_ref()?;
    let delta = choice.delta.as_ref()?;
    if delta.annotations.is_some() {
        return None;
    }
    let quiet = |text: &Option<Text<'_>>| text.as_deref().is_none_or(str::is_empty);
    let finish_quiet = choice
        .finish_reason
        .as_deref()
        .is_none_or(|r| r.is_empty() || r == "null");
    let quiet = quiet(&delta.reasoning_content)
        && quiet(&delta.reasoning)
        && quiet(&choice.text)
        && finish_quiet;
    if !quiet {
        return None;
    }
    match delta.content.as_ref()?.0 {
        Cow::Borrowed(text) => Some(text),
        Cow::Owned(_) => None,
    }
}

/// Maps the chunks of one stream.
#[derive(Debug, Default)]
pub struct ChunkMapper {
    model_sent: bool,
    finish: Option<StopReason>,
    /// The envelope the text chunks of this stream repeat.
    envelope: scan::Envelope,
    /// Text goes onto a text event already last in `out` instead of a new event.
    join_text: bool,
    /// Parse every chunk in full, with serde (the fuzz check and tests compare the fast paths
    /// with it).
    full: bool,
    /// The pages cited so far.
    cited: Citations,
}

impl ChunkMapper {
    /// A mapper at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// A mapper at the start of a stream that adds text to a text event already last in the
    /// `out` it is given (the relay empties `out` each time it hands events on, so this joins
    /// the text of one read without an allocation per chunk).
    pub fn joining() -> Self {
        ChunkMapper {
            join_text: true,
            ..Self::default()
        }
    }

    fn push_text(&self, text: &str, out: &mut Vec<StreamEvent>) {
        if self.join_text {
            if let Some(StreamEvent::Delta(last)) = out.last_mut() {
                last.push_str(text);
                return;
            }
        }
        out.push(StreamEvent::Delta(text.to_owned()));
    }

    /// A mapper that parses every chunk in full, with serde: the reference the fast paths must
    /// agree with (see `fuzzing::openai_chunks`).
    pub fn serde_only() -> Self {
        ChunkMapper {
            full: true,
            ..Self::default()
        }
    }

    /// Maps the `data` of one event, pushing events to `out`.
    pub fn on_data(
        &mut self,
        data: &str,
        out: &mut Vec<StreamEvent>,
    ) -> Result<Step, StreamFailure> {
        let data = data.trim();
        if data == "[DONE]" {
            return Ok(Step::Done(self.finish.unwrap_or(StopReason::Stop)));
        }
        if data.is_empty() || data == "null" {
            return Ok(Step::Continue);
        }
        let full = self.full;
        // A chunk in the envelope of the last one: only its text is new.
        if let Some(text) = self.envelope.text(data).filter(|_| !full) {
            if !text.is_empty() {
                self.push_text(text, out);
            }
            return Ok(Step::Continue);
        }
        // The common chunk in one pass; anything else through serde.
        let chunk: Chunk<'_> = match scan::chunk(data).filter(|_| !full) {
            Some(chunk) => chunk,
            None => match serde_json::from_str(data) {
                Ok(chunk) => chunk,
                Err(_) => return Err(StreamFailure::Malformed(crate::error::truncate(data, 200))),
            },
        };
        self.envelope.learn(data, only_text(&chunk));
        if let Some(error) = chunk.error.as_ref().filter(|e| !e.is_null()) {
            return Err(StreamFailure::Server(ServerError::from_error_value(error)));
        }
        if !self.model_sent {
            if let Some(model) = chunk.model.filter(|m| !m.is_empty()) {
                self.model_sent = true;
                out.push(StreamEvent::Model(model.0.into_owned()));
            }
        }
        let mut annotations = None;
        if let Some(choice) = chunk.choices {
            let delta = choice.delta.or(choice.message);
            if let Some(mut delta) = delta {
                annotations = delta.annotations.take();
                if let Some(reasoning) = delta
                    .reasoning_content
                    .or(delta.reasoning)
                    .filter(|r| !r.is_empty())
                {
                    out.push(StreamEvent::Reasoning(reasoning.0.into_owned()));
                }
                if let Some(text) = delta.content.filter(|t| !t.is_empty()) {
                    self.push_text(&text, out);
                }
            }
            if let Some(text) = choice.text.filter(|t| !t.is_empty()) {
                self.push_text(&text, out);
            }
            if let Some(reason) = choice
                .finish_reason
                .filter(|r| !r.is_empty() && &**r != "null")
            {
                self.finish = Some(StopReason::from_finish_reason(&reason));
            }
        }
        let pages = Cited {
            citations: chunk.citations.as_ref(),
            search_results: chunk.search_results.as_ref(),
            annotations: annotations.as_ref(),
        };
        if pages.gather(&mut self.cited) {
            out.push(StreamEvent::Sources(self.cited.links().to_vec()));
        }
        if let Some(usage) = chunk.usage {
            out.push(StreamEvent::Usage(usage.to_usage()));
        }
        Ok(Step::Continue)
    }

    /// Maps the end of the stream (after the last complete event).
    pub fn on_end(
        &mut self,
        end: SseEnd,
        out: &mut Vec<StreamEvent>,
    ) -> Result<StopReason, StreamFailure> {
        if let Some(event) = end.unterminated {
            // An event the server did not finish with a blank line: fine when it is complete
            // (KoboldCpp's final `data: [DONE]`), a cut-off when its JSON is incomplete.
            match self.on_data(&event.data, out) {
                Ok(Step::Done(reason)) => return Ok(reason),
                Ok(Step::Continue) => {}
                Err(StreamFailure::Malformed(_)) => return Err(StreamFailure::Truncated),
                Err(other) => return Err(other),
            }
        }
        self.finish.ok_or(StreamFailure::Truncated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::SseDecoder;

    /// Runs `bytes` split into `chunks` through the decoder and the mapper.
    fn run(chunks: &[&[u8]]) -> (Vec<StreamEvent>, Result<StopReason, StreamFailure>) {
        let mut decoder = SseDecoder::new();
        let mut mapper = ChunkMapper::new();
        let mut out = Vec::new();
        for chunk in chunks {
            decoder.push(chunk);
            while let Some(event) = decoder.next_event() {
                match mapper.on_data(&event.data, &mut out) {
                    Ok(Step::Continue) => {}
                    Ok(Step::Done(reason)) => return (out, Ok(reason)),
                    Err(failure) => return (out, Err(failure)),
                }
            }
        }
        let result = mapper.on_end(decoder.finish(), &mut out);
        (out, result)
    }

    fn text_of(events: &[StreamEvent]) -> String {
        events
            .iter()
            .filter_map(|e| match e {
                StreamEvent::Delta(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn usage_only_chunks_with_empty_null_or_missing_choices() {
        let stream = concat!(
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}\n\n",
            "data: {\"choices\":null,\"usage\":null}\n\n",
            "data: {\"id\":\"x\"}\n\n",
            "data: null\n\n",
            "data: [DONE]\n\n",
        );
        let (events, result) = run(&[stream.as_bytes()]);
        assert_eq!(result, Ok(StopReason::Stop));
        assert_eq!(text_of(&events), "Hi");
        assert!(events
            .iter()
            .any(|e| matches!(e, StreamEvent::Usage(u) if u.total_tokens == Some(3))));
    }

    #[test]
    fn reasoning_fields_become_reasoning_events() {
        let stream = concat!(
            "data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"think\",\"content\":null}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"reasoning\":\" more\",\"reasoning_details\":[]}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"content\":\"answer\"},\"finish_reason\":\"stop\"}]}\n\n",
            "data: [DONE]\n\n",
        );
        let (events, result) = run(&[stream.as_bytes()]);
        assert_eq!(result, Ok(StopReason::Stop));
        assert_eq!(
            events,
            vec![
                StreamEvent::Reasoning("think".into()),
                StreamEvent::Reasoning(" more".into()),
                StreamEvent::Delta("answer".into())
            ]
        );
    }

    #[test]
    fn koboldcpp_null_string_and_done_without_line_end() {
        let stream = concat!(
            "data: {\"id\": \"koboldcpp\", \"model\": \"k\", \"choices\": [{\"index\": 0, \"finish_reason\": \"null\", \"delta\": {\"role\": \"assistant\", \"content\": \"jz ben\"}}]}\n\n",
            "data: {\"id\": \"koboldcpp\", \"model\": \"k\", \"choices\": [{\"index\": 0, \"finish_reason\": \"length\", \"delta\": {\"role\": \"assistant\", \"content\": \"i\"}}]}\n\n",
            "data: [DONE]",
        );
        let (events, result) = run(&[stream.as_bytes()]);
        assert_eq!(result, Ok(StopReason::Length));
        assert_eq!(events[0], StreamEvent::Model("k".into()));
        assert_eq!(text_of(&events), "jz beni");
    }

    #[test]
    fn mid_stream_errors_carry_the_server_message() {
        let openai = concat!(
            "data: {\"choices\":[{\"delta\":{\"content\":\"The\"}}]}\n\n",
            "data: {\"error\": {\"message\": \"The server had an error while processing your request. Sorry about that!\", \"type\": \"server_error\"}}\n\n",
        );
        let (events, result) = run(&[openai.as_bytes()]);
        assert_eq!(text_of(&events), "The");
        match result {
            Err(StreamFailure::Server(err)) => {
                assert!(err.message.starts_with("The server had an error"))
            }
            other => panic!("unexpected {other:?}"),
        }
        let openrouter = "data: {\"id\":\"gen-1\",\"error\":{\"code\":502,\"message\":\"Network connection lost.\"},\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\"}]}\n\n";
        let (_, result) = run(&[openrouter.as_bytes()]);
        assert!(matches!(
            result,
            Err(StreamFailure::Server(ServerError {
                numeric: Some(502),
                ..
            }))
        ));
    }

    #[test]
    fn end_without_done_or_finish_is_truncated_and_keeps_text() {
        let (events, result) = run(&[b"data: {\"choices\":[{\"delta\":{\"content\":\"par\"}}]}\n\ndata: {\"id\":\"chatcmpl-1\",\"obj"]);
        assert_eq!(text_of(&events), "par");
        assert_eq!(result, Err(StreamFailure::Truncated));
        let (_, clean_eof) = run(&[b"data: {\"choices\":[{\"delta\":{\"content\":\"par\"}}]}\n\n"]);
        assert_eq!(clean_eof, Err(StreamFailure::Truncated));
    }

    #[test]
    fn finish_reason_without_done_is_a_complete_reply() {
        let (_, result) = run(&[b"data: {\"choices\":[{\"delta\":{\"content\":\"x\"},\"finish_reason\":\"length\"}]}\n\n"]);
        assert_eq!(result, Ok(StopReason::Length));
    }

    #[test]
    fn malformed_chunk_in_the_middle_is_a_protocol_failure() {
        let (_, result) = run(&[b"data: {not json}\n\ndata: [DONE]\n\n"]);
        assert!(matches!(result, Err(StreamFailure::Malformed(_))));
    }

    #[test]
    fn legacy_text_completion_chunks() {
        let (events, result) = run(&[b"data: {\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\"on,fod\",\"finish_reason\":\"length\"}]}\n\ndata: [DONE]"]);
        assert_eq!(text_of(&events), "on,fod");
        assert_eq!(result, Ok(StopReason::Length));
    }

    /// Chunks of many shapes, some damaged, some in the envelope of the one before with text
    /// that would change how it reads: the fast paths map each exactly as serde does.
    #[test]
    fn the_fast_paths_map_every_chunk_as_serde_does() {
        const SHAPES: &[&str] = &[
            r#"{"id":"c","object":"chat.completion.chunk","created":0,"model":"m","choices":[{"index":0,"delta":{"content":TEXT},"finish_reason":null}]}"#,
            r#"{"choices":[{"finish_reason":null,"index":0,"delta":{"content":TEXT}}],"created":1,"id":"x","model":"","object":"chat.completion.chunk"}"#,
            r#"{"id": "koboldcpp", "model": "k", "choices": [{"index": 0, "finish_reason": "null", "delta": {"role": "assistant", "content": TEXT}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":TEXT},"finish_reason":"stop"}]}"#,
            r#"{"choices":[{"delta":{"reasoning_content":TEXT,"content":null}}]}"#,
            r#"{"choices":[{"delta":{"content":TEXT,"reasoning":"r"}}]}"#,
            r#"{"choices":[{"index":0,"text":TEXT,"finish_reason":null}]}"#,
            r#"{"choices":[{"index":1,"delta":{"content":TEXT}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":TEXT}}],"usage":{"total_tokens":3}}"#,
            r#"{"error":{"message":TEXT}}"#,
            "{\"choices\":[{\"delta\":{\"content\":TEXT}}],\n\"x\":1}",
        ];
        const TEXTS: &[&str] = &[
            "t1 ",
            "",
            "a\"b",
            "\\",
            "x\ny",
            "caf\u{e9}",
            "\",\"content\":\"z",
            "\u{1}",
            "null",
            "\"}}]}",
            "\"},\"finish_reason\":\"stop",
            " ",
        ];
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let (mut fast, mut full) = (ChunkMapper::new(), ChunkMapper::serde_only());
        let mut shape = 0;
        for _ in 0..20_000 {
            // Mostly the same shape again, as a stream does.
            if next(4) == 0 {
                shape = next(SHAPES.len());
            }
            let text = TEXTS[next(TEXTS.len())];
            // The text as JSON, or (now and then) as it is, which may break the chunk.
            let json = if next(5) == 0 {
                format!("\"{text}\"")
            } else {
                serde_json::to_string(text).unwrap()
            };
            let data = SHAPES[shape].replace("TEXT", &json);
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let ra = fast.on_data(&data, &mut a);
            let rb = full.on_data(&data, &mut b);
            assert_eq!((ra, a), (rb, b), "{data}");
            assert_eq!(fast.finish, full.finish);
            assert_eq!(fast.model_sent, full.model_sent);
            if next(50) == 0 {
                (fast, full) = (ChunkMapper::new(), ChunkMapper::serde_only());
            }
        }
    }

    #[test]
    fn a_chunk_in_the_envelope_of_the_last_reads_only_its_text() {
        let mut mapper = ChunkMapper::new();
        let mut out = Vec::new();
        let chunk = |text: &str| {
            format!(
                r#"{{"id":"c","model":"m","choices":[{{"index":0,"delta":{{"content":"{text}"}},"finish_reason":null}}]}}"#
            )
        };
        mapper.on_data(&chunk("one "), &mut out).unwrap();
        assert!(mapper.envelope.text(&chunk("two")) == Some("two"));
        // A quote or an escape in the text changes how the rest reads: parsed in full.
        assert_eq!(mapper.envelope.text(&chunk(r#"a\"b"#)), None);
        assert_eq!(mapper.envelope.text(&chunk(r#"a","content":"b"#)), None);
        mapper.on_data(&chunk("two"), &mut out).unwrap();
        assert_eq!(
            out,
            [
                StreamEvent::Model("m".into()),
                StreamEvent::Delta("one ".into()),
                StreamEvent::Delta("two".into())
            ]
        );
        // The finishing chunk is not in the envelope and is not learned.
        let last =
            r#"{"id":"c","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"length"}]}"#;
        mapper.on_data(last, &mut out).unwrap();
        assert_eq!(mapper.envelope.text(&chunk("three")), None);
        assert_eq!(
            mapper.on_data("[DONE]", &mut out),
            Ok(Step::Done(StopReason::Length))
        );
    }

    #[test]
    fn a_joining_mapper_adds_text_to_the_text_event_last_in_out() {
        let chunk = |text: &str| {
            format!(r#"{{"model":"m","choices":[{{"delta":{{"content":"{text}"}}}}]}}"#)
        };
        let mut mapper = ChunkMapper::joining();
        let mut out = Vec::new();
        for text in ["a", "b", r#"c\n"#] {
            mapper.on_data(&chunk(text), &mut out).unwrap();
        }
        mapper
            .on_data(r#"{"choices":[{"delta":{"reasoning":"r"}}]}"#, &mut out)
            .unwrap();
        mapper.on_data(&chunk("d"), &mut out).unwrap();
        assert_eq!(
            out,
            [
                StreamEvent::Model("m".into()),
                StreamEvent::Delta("abc\n".into()),
                StreamEvent::Reasoning("r".into()),
                StreamEvent::Delta("d".into())
            ]
        );
        // A new `out` starts a new event.
        let mut next = Vec::new();
        mapper.on_data(&chunk("e"), &mut next).unwrap();
        assert_eq!(next, [StreamEvent::Delta("e".into())]);
    }

    #[test]
    fn text_without_escapes_is_borrowed_from_the_chunk() {
        let chunk: Chunk<'_> = serde_json::from_str(
            r#"{"model":"m","choices":[{"delta":{"content":"plain","reasoning":"a\nb"}}]}"#,
        )
        .unwrap();
        assert!(matches!(chunk.model.unwrap().0, Cow::Borrowed("m")));
        let delta = chunk.choices.unwrap().delta.unwrap();
        assert!(matches!(delta.content.unwrap().0, Cow::Borrowed("plain")));
        // An escape needs a copy.
        assert!(matches!(delta.reasoning.unwrap().0, Cow::Owned(ref r) if r == "a\nb"));
    }

    fn sources_of(events: &[StreamEvent]) -> Vec<(String, Option<String>)> {
        events
            .iter()
            .rev()
            .find_map(|e| match e {
                StreamEvent::Sources(links) => Some(
                    links
                        .iter()
                        .map(|l| (l.url.clone(), l.title.clone()))
                        .collect(),
                ),
                _ => None,
            })
            .unwrap_or_default()
    }

    #[test]
    fn perplexity_citations_in_every_chunk_are_told_once_with_titles() {
        let head = r#""citations":["https://a.example/","https://b.example/"],"search_results":[{"title":"A","url":"https://a.example/","date":"2025-03-01"},{"title":"B","url":"https://b.example/","date":null}]"#;
        let stream = format!(
            concat!(
                "data: {{\"id\":\"p\",\"model\":\"sonar\",{head},\"object\":\"chat.completion\",\"choices\":[{{\"index\":0,\"finish_reason\":null,\"message\":{{\"role\":\"assistant\",\"content\":\"Hi\"}},\"delta\":{{\"role\":\"assistant\",\"content\":\"Hi\"}}}}]}}\n\n",
                "data: {{\"id\":\"p\",\"model\":\"sonar\",{head},\"object\":\"chat.completion\",\"choices\":[{{\"index\":0,\"finish_reason\":\"stop\",\"message\":{{\"role\":\"assistant\",\"content\":\"Hi [1]\"}},\"delta\":{{\"role\":\"assistant\",\"content\":\" [1]\"}}}}]}}\n\n",
                "data: [DONE]\n\n"
            ),
            head = head
        );
        let (events, result) = run(&[stream.as_bytes()]);
        assert_eq!(result, Ok(StopReason::Stop));
        assert_eq!(text_of(&events), "Hi [1]");
        let told = events
            .iter()
            .filter(|e| matches!(e, StreamEvent::Sources(_)))
            .count();
        assert_eq!(told, 1, "{events:?}");
        assert_eq!(
            sources_of(&events),
            [
                ("https://a.example/".into(), Some("A".into())),
                ("https://b.example/".into(), Some("B".into()))
            ]
        );
    }

    #[test]
    fn openrouter_annotations_on_deltas_add_up_in_order() {
        let stream = concat!(
            "data: {\"id\":\"gen-1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"See\"}}]}\n\n",
            "data: {\"id\":\"gen-1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"annotations\":[{\"type\":\"url_citation\",\"url_citation\":{\"url\":\"https://x.example/\",\"title\":\"X\",\"content\":\"x\",\"start_index\":0,\"end_index\":3}}]}}]}\n\n",
            "data: {\"id\":\"gen-1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"annotations\":[{\"type\":\"url_citation\",\"url_citation\":{\"url\":\"https://y.example/\",\"title\":\"Y\"}},{\"type\":\"url_citation\",\"url_citation\":{\"url\":\"https://x.example/\",\"title\":\"X\"}}]},\"finish_reason\":\"stop\"}]}\n\n",
            "data: [DONE]\n\n",
        );
        let (events, result) = run(&[stream.as_bytes()]);
        assert_eq!(result, Ok(StopReason::Stop));
        assert_eq!(text_of(&events), "See");
        assert_eq!(
            sources_of(&events),
            [
                ("https://x.example/".into(), Some("X".into())),
                ("https://y.example/".into(), Some("Y".into()))
            ]
        );
        // The scanner leaves such chunks to serde.
        assert!(scan::chunk(r#"{"choices":[{"delta":{"annotations":[]}}]}"#).is_none());
        assert!(scan::chunk(r#"{"citations":[],"choices":[]}"#).is_none());
    }

    #[test]
    fn only_the_first_choice_is_read() {
        let (events, _) = run(&[b"data: {\"choices\":[{\"index\":1,\"delta\":{\"content\":\"B\"}},{\"index\":0,\"delta\":{\"content\":\"A\"}}]}\n\ndata: [DONE]\n\n"]);
        assert_eq!(text_of(&events), "A");
    }
}
