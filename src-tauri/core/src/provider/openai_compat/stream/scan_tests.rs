use super::*;

type DeltaView<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>);

/// Everything the mapper reads of a chunk.
#[allow(clippy::type_complexity)]
fn view<'a>(
    chunk: &'a Chunk<'_>,
) -> (
    Option<&'a str>,
    Option<(
        Option<u32>,
        Option<DeltaView<'a>>,
        Option<DeltaView<'a>>,
        Option<&'a str>,
        Option<&'a str>,
    )>,
    bool,
    bool,
) {
    let text = |t: &'a Option<Text<'_>>| t.as_deref();
    let delta = |d: &'a Option<Delta<'_>>| {
        d.as_ref().map(|d| {
            (
                text(&d.content),
                text(&d.reasoning_content),
                text(&d.reasoning),
            )
        })
    };
    (
        text(&chunk.model),
        chunk.choices.as_ref().map(|c| {
            (
                c.index,
                delta(&c.delta),
                delta(&c.message),
                text(&c.text),
                text(&c.finish_reason),
            )
        }),
        chunk.usage.is_some(),
        chunk.error.is_some(),
    )
}

const SAMPLES: &[&str] = &[
    r#"{"id":"chatcmpl-flood","object":"chat.completion.chunk","created":0,"model":"fake-model-1","choices":[{"index":0,"delta":{"content":"t123 "},"finish_reason":null}]}"#,
    r#"{"id":"chatcmpl-flood","object":"chat.completion.chunk","created":0,"model":"fake-model-1","choices":[{"index":0,"delta":{"role":"assistant","content":null},"finish_reason":null}]}"#,
    r#"{"id": "koboldcpp", "model": "k", "choices": [{"index": 0, "finish_reason": "null", "delta": {"role": "assistant", "content": "jz ben"}}]}"#,
    r#"{"choices":[{"delta":{"reasoning_content":"think","content":null}}]}"#,
    r#"{"choices":[{"delta":{"reasoning":" more","reasoning_details":[{"type":"x","n":-1.5e+3,"ok":true,"no":false}]}}]}"#,
    r#"{"object":"text_completion","choices":[{"index":0,"text":"on,fod","finish_reason":"length","logprobs":{"tokens":["a"],"top":[{"a":-0.25}]}}]}"#,
    r#"{"choices":[{"index":1,"delta":{"content":"B"}}]}"#,
    r#"{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#,
    r#"{"choices":null,"system_fingerprint":"fp_1","x":[[],{},[1,2,{"y":null}]]}"#,
    r#"{"id":"gen-1","error":{"code":502,"message":"lost"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}"#,
    " {\t\"model\" : \"m\" ,\n\"choices\" : [ { \"index\" : 0 , \"delta\" : { \"content\" : \"caf\u{e9} \u{1F44B}\" } , \"finish_reason\" : \"stop\" } ] } ",
    r#"{"model":"m","choices":[{"message":{"content":"whole"},"finish_reason":"stop","index":0}]}"#,
    r#"{"choices":[{"delta":{"content":"a\nb \"q\" \u00e9"}}]}"#,
    r#"{"model":"m","model":"n"}"#,
    r#"{"choices":[{"delta":null,"index":4294967295}]}"#,
    " { \"model\" : \"m\" , \"choices\" : [ { \"index\" : 0 , \"delta\" : { \"content\" : \"caf\u{e9}\" } } ] } ",
];

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// What a chunk comes to by each path; the scanner may decline, never differ.
fn check(data: &str) {
    let data = data.trim();
    let Some(fast) = chunk(data) else { return };
    let slow: Chunk<'_> = serde_json::from_str(data)
        .unwrap_or_else(|err| panic!("the scanner accepted what serde refuses ({err}): {data}"));
    assert_eq!(view(&fast), view(&slow), "{data}");
    // What it accepts it borrows.
    for text in [&fast.model]
        .into_iter()
        .chain(
            fast.choices
                .iter()
                .flat_map(|c| [&c.text, &c.finish_reason]),
        )
        .flatten()
    {
        assert!(matches!(text.0, Cow::Borrowed(_)));
    }
}

#[test]
fn the_common_chunks_take_the_fast_path() {
    for sample in &SAMPLES[..7] {
        assert!(chunk(sample).is_some(), "declined {sample}");
    }
    assert!(chunk(SAMPLES[11]).is_some());
    assert!(chunk(SAMPLES[14]).is_some());
    assert!(chunk(SAMPLES[15].trim()).is_some());
    // Usage, errors, escapes, white space other than spaces and duplicate fields are left to
    // serde.
    for sample in [
        SAMPLES[7],
        SAMPLES[9],
        SAMPLES[10].trim(),
        SAMPLES[12],
        SAMPLES[13],
    ] {
        assert!(chunk(sample).is_none(), "accepted {sample}");
    }
}

#[test]
fn the_scanner_reads_every_sample_as_serde_does() {
    for sample in SAMPLES {
        check(sample);
    }
}

#[test]
fn the_scanner_never_differs_from_serde_on_damaged_chunks() {
    const PIECES: &[&str] = &[
        "\"",
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        " ",
        "0",
        "1",
        "-",
        ".",
        "e",
        "null",
        "true",
        "\\",
        "\u{1}",
        "\"index\":",
        "\"content\":",
        "\"choices\":",
        "\"model\":",
        "é",
        "99999999999",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut accepted = 0;
    for sample in SAMPLES {
        let chars: Vec<char> = sample.chars().collect();
        for _ in 0..3000 {
            let mut text: Vec<char> = chars.clone();
            for _ in 0..=rng.below(3) {
                let at = rng.below(text.len() + 1);
                match rng.below(3) {
                    0 if at < text.len() => {
                        text.remove(at);
                    }
                    1 if at < text.len() => {
                        let piece = PIECES[rng.below(PIECES.len())];
                        text.splice(at..=at, piece.chars());
                    }
                    _ => {
                        let piece = PIECES[rng.below(PIECES.len())];
                        text.splice(at..at, piece.chars());
                    }
                }
            }
            let text: String = text.into_iter().collect();
            if chunk(text.trim()).is_some() {
                accepted += 1;
            }
            check(&text);
        }
    }
    // The damage leaves many chunks readable: the comparison is not vacuous.
    assert!(accepted > 5000, "only {accepted} accepted");
}
