//! The merge modes against SillyTavern's behaviour, case by case (each expectation is what
//! SillyTavern 1.18's `mergeMessages` in `src/prompt-converters.js` gives for the input).

use super::*;
use crate::model::Role;

fn names() -> PromptNames {
    PromptNames {
        char_name: "Bob".into(),
        user_name: "Alice".into(),
        group_names: vec!["Carol".into()],
        placeholder: DEFAULT_PLACEHOLDER.into(),
    }
}

/// `"s:text"`, `"u:text"`, `"a:text"`, `"t:text"`; a name after `@`: `"u@Alice:one"`.
fn m(spec: &str) -> ChatMessage {
    let (head, content) = spec.split_once(':').unwrap();
    let (role, name) = match head.split_once('@') {
        Some((role, name)) => (role, Some(name.to_string())),
        None => (head, None),
    };
    let role = match role {
        "s" => Role::System,
        "u" => Role::User,
        "a" => Role::Assistant,
        "t" => Role::Tool,
        other => panic!("bad role {other}"),
    };
    let mut message = ChatMessage::new(role, content);
    message.name = name;
    message
}

fn ms(specs: &[&str]) -> Vec<ChatMessage> {
    specs.iter().map(|s| m(s)).collect()
}

const PH: &str = "[Start a new chat]";

/// (case, input, merge, semi-strict, strict)
type Case = (
    &'static str,
    Vec<&'static str>,
    Vec<String>,
    Vec<String>,
    Vec<String>,
);

fn owned(specs: &[&str]) -> Vec<String> {
    specs.iter().map(|s| s.to_string()).collect()
}

fn cases() -> Vec<Case> {
    let ph = format!("u:{PH}");
    let c =
        |name, input: &[&'static str], merge: &[&str], semi: &[&str], strict: &[&str]| -> Case {
            (
                name,
                input.to_vec(),
                owned(merge),
                owned(semi),
                owned(strict),
            )
        };
    vec![
        // The worked example A of SillyTavern's behaviour.
        c(
            "A: card, examples, greeting, author's note",
            &[
                "s:Main prompt",
                "s:Char card",
                "s@example_user:Hi",
                "s@example_assistant:Hello!",
                "a:*waves* Greetings.",
                "u:Hey",
                "s:[Author's note]",
                "u:What now?",
            ],
            &[
                "s:Main prompt\n\nChar card\n\nAlice: Hi\n\nBob: Hello!",
                "a:*waves* Greetings.",
                "u:Hey",
                "s:[Author's note]",
                "u:What now?",
            ],
            &[
                "s:Main prompt\n\nChar card\n\nAlice: Hi\n\nBob: Hello!",
                "a:*waves* Greetings.",
                "u:Hey\n\n[Author's note]\n\nWhat now?",
            ],
            &[
                "s:Main prompt\n\nChar card\n\nAlice: Hi\n\nBob: Hello!",
                &ph,
                "a:*waves* Greetings.",
                "u:Hey\n\n[Author's note]\n\nWhat now?",
            ],
        ),
        c(
            "B: chat starts with the assistant",
            &["a:Greeting", "u:Hi"],
            &["a:Greeting", "u:Hi"],
            &["a:Greeting", "u:Hi"],
            &[&ph, "a:Greeting", "u:Hi"],
        ),
        c(
            "C: only a system message",
            &["s:S"],
            &["s:S"],
            &["s:S"],
            &["s:S", &ph],
        ),
        c(
            "D: empty content is not merged",
            &["u@Alice:one", "u:", "u:two"],
            &["u:Alice: one", "u:\n\ntwo"],
            &["u:Alice: one\n\n\n\ntwo"],
            &["u:Alice: one\n\n\n\ntwo"],
        ),
        c(
            "E: tool results become user text",
            &["s:S", "u:call tool", "a:", "t:42", "t:43"],
            &["s:S", "u:call tool", "a:", "u:42\n\n43"],
            &["s:S", "u:call tool", "a:", "u:42\n\n43"],
            &["s:S", "u:call tool", "a:", "u:42\n\n43"],
        ),
        c("empty conversation", &[], &[&ph], &[&ph], &[&ph]),
        c(
            "one user message",
            &["u:Hi"],
            &["u:Hi"],
            &["u:Hi"],
            &["u:Hi"],
        ),
        c(
            "already alternating",
            &["s:S", "u:a", "a:b", "u:c"],
            &["s:S", "u:a", "a:b", "u:c"],
            &["s:S", "u:a", "a:b", "u:c"],
            &["s:S", "u:a", "a:b", "u:c"],
        ),
        c(
            "two users in a row",
            &["u:a", "u:b"],
            &["u:a\n\nb"],
            &["u:a\n\nb"],
            &["u:a\n\nb"],
        ),
        c(
            "three assistants in a row",
            &["u:q", "a:1", "a:2", "a:3"],
            &["u:q", "a:1\n\n2\n\n3"],
            &["u:q", "a:1\n\n2\n\n3"],
            &["u:q", "a:1\n\n2\n\n3"],
        ),
        c(
            "two system messages at the start",
            &["s:one", "s:two", "u:hi"],
            &["s:one\n\ntwo", "u:hi"],
            &["s:one\n\ntwo", "u:hi"],
            &["s:one\n\ntwo", "u:hi"],
        ),
        c(
            "system in the middle between users",
            &["u:a", "s:note", "u:b"],
            &["u:a", "s:note", "u:b"],
            &["u:a\n\nnote\n\nb"],
            &["u:a\n\nnote\n\nb"],
        ),
        c(
            "system between assistant and user",
            &["u:a", "a:b", "s:note", "u:c"],
            &["u:a", "a:b", "s:note", "u:c"],
            &["u:a", "a:b", "u:note\n\nc"],
            &["u:a", "a:b", "u:note\n\nc"],
        ),
        c(
            "system at the end",
            &["u:a", "a:b", "s:jailbreak"],
            &["u:a", "a:b", "s:jailbreak"],
            &["u:a", "a:b", "u:jailbreak"],
            &["u:a", "a:b", "u:jailbreak"],
        ),
        c(
            "system then assistant greeting",
            &["s:S", "a:Hello"],
            &["s:S", "a:Hello"],
            &["s:S", "a:Hello"],
            &["s:S", &ph, "a:Hello"],
        ),
        c(
            "system, assistant, user",
            &["s:S", "a:Hello", "u:Hi"],
            &["s:S", "a:Hello", "u:Hi"],
            &["s:S", "a:Hello", "u:Hi"],
            &["s:S", &ph, "a:Hello", "u:Hi"],
        ),
        c(
            "user first, system after",
            &["u:hi", "s:S"],
            &["u:hi", "s:S"],
            &["u:hi\n\nS"],
            &["u:hi\n\nS"],
        ),
        c(
            "assistant first then system",
            &["a:hello", "s:S", "u:x"],
            &["a:hello", "s:S", "u:x"],
            &["a:hello", "u:S\n\nx"],
            &[&ph, "a:hello", "u:S\n\nx"],
        ),
        c(
            "named user",
            &["u@Alice:hi"],
            &["u:Alice: hi"],
            &["u:Alice: hi"],
            &["u:Alice: hi"],
        ),
        c(
            "named user already prefixed",
            &["u@Alice:Alice: hi"],
            &["u:Alice: hi"],
            &["u:Alice: hi"],
            &["u:Alice: hi"],
        ),
        c(
            "named assistant",
            &["u:q", "a@Bob:answer"],
            &["u:q", "a:Bob: answer"],
            &["u:q", "a:Bob: answer"],
            &["u:q", "a:Bob: answer"],
        ),
        c(
            "group chat speakers merge with names",
            &["u:q", "a@Bob:one", "a@Carol:two"],
            &["u:q", "a:Bob: one\n\nCarol: two"],
            &["u:q", "a:Bob: one\n\nCarol: two"],
            &["u:q", "a:Bob: one\n\nCarol: two"],
        ),
        c(
            "system names other than examples are dropped",
            &["s@narrator:It rains.", "u:hi"],
            &["s:It rains.", "u:hi"],
            &["s:It rains.", "u:hi"],
            &["s:It rains.", "u:hi"],
        ),
        c(
            "example assistant already group-prefixed",
            &["s@example_assistant:Carol: yo", "u:hi"],
            &["s:Carol: yo", "u:hi"],
            &["s:Carol: yo", "u:hi"],
            &["s:Carol: yo", "u:hi"],
        ),
        c(
            "example user already prefixed",
            &["s@example_user:Alice: hey", "u:hi"],
            &["s:Alice: hey", "u:hi"],
            &["s:Alice: hey", "u:hi"],
            &["s:Alice: hey", "u:hi"],
        ),
        c(
            "empty first message of a run",
            &["u:", "u:a"],
            &["u:\n\na"],
            &["u:\n\na"],
            &["u:\n\na"],
        ),
        c(
            "empty assistant between users",
            &["u:a", "a:", "u:b"],
            &["u:a", "a:", "u:b"],
            &["u:a", "a:", "u:b"],
            &["u:a", "a:", "u:b"],
        ),
        c(
            "tool result right after a user",
            &["u:a", "t:result"],
            &["u:a\n\nresult"],
            &["u:a\n\nresult"],
            &["u:a\n\nresult"],
        ),
        c(
            "leading tool result counts as user",
            &["t:42", "a:ok"],
            &["u:42", "a:ok"],
            &["u:42", "a:ok"],
            &["u:42", "a:ok"],
        ),
        c(
            "system, tool, assistant",
            &["s:S", "t:42", "a:ok"],
            &["s:S", "u:42", "a:ok"],
            &["s:S", "u:42", "a:ok"],
            &["s:S", "u:42", "a:ok"],
        ),
        c(
            "several systems scattered",
            &["s:a", "u:x", "s:b", "s:c", "a:y", "s:d"],
            &["s:a", "u:x", "s:b\n\nc", "a:y", "s:d"],
            &["s:a", "u:x\n\nb\n\nc", "a:y", "u:d"],
            &["s:a", "u:x\n\nb\n\nc", "a:y", "u:d"],
        ),
        c(
            "only assistants",
            &["a:one", "a:two"],
            &["a:one\n\ntwo"],
            &["a:one\n\ntwo"],
            &[&ph, "a:one\n\ntwo"],
        ),
        c(
            "system and an empty user",
            &["s:S", "u:"],
            &["s:S", "u:"],
            &["s:S", "u:"],
            &["s:S", "u:"],
        ),
        c(
            "unicode and newlines survive",
            &["u:héllo\n👋", "u:日本"],
            &["u:héllo\n👋\n\n日本"],
            &["u:héllo\n👋\n\n日本"],
            &["u:héllo\n👋\n\n日本"],
        ),
    ]
}

fn render(messages: &[ChatMessage]) -> Vec<String> {
    messages
        .iter()
        .map(|m| {
            assert!(m.name.is_none(), "names are folded into the text");
            let role = match m.role {
                Role::System => "s",
                Role::User => "u",
                Role::Assistant => "a",
                Role::Tool => "t",
            };
            format!("{role}:{}", m.text())
        })
        .collect()
}

/// Single mode for every case above: (case, expected), from SillyTavern 1.18's
/// `mergeMessages(…, { strict: true, placeholders: false, single: true })` run on the case's
/// input with the same names.
fn single_cases() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        ("A: card, examples, greeting, author's note", vec!["u:Main prompt\n\nChar card\n\nAlice: Hi\n\nBob: Hello!\n\nBob: *waves* Greetings.\n\nAlice: Hey\n\n[Author's note]\n\nAlice: What now?"]),
        ("B: chat starts with the assistant", vec!["u:Bob: Greeting\n\nAlice: Hi"]),
        ("C: only a system message", vec!["u:S"]),
        ("D: empty content is not merged", vec!["u:Alice: one\n\nAlice: \n\nAlice: two"]),
        ("E: tool results become user text", vec!["u:S\n\nAlice: call tool\n\nBob: \n\nAlice: 42\n\nAlice: 43"]),
        ("empty conversation", vec!["u:[Start a new chat]"]),
        ("one user message", vec!["u:Alice: Hi"]),
        ("already alternating", vec!["u:S\n\nAlice: a\n\nBob: b\n\nAlice: c"]),
        ("two users in a row", vec!["u:Alice: a\n\nAlice: b"]),
        ("three assistants in a row", vec!["u:Alice: q\n\nBob: 1\n\nBob: 2\n\nBob: 3"]),
        ("two system messages at the start", vec!["u:one\n\ntwo\n\nAlice: hi"]),
        ("system in the middle between users", vec!["u:Alice: a\n\nnote\n\nAlice: b"]),
        ("system between assistant and user", vec!["u:Alice: a\n\nBob: b\n\nnote\n\nAlice: c"]),
        ("system at the end", vec!["u:Alice: a\n\nBob: b\n\njailbreak"]),
        ("system then assistant greeting", vec!["u:S\n\nBob: Hello"]),
        ("system, assistant, user", vec!["u:S\n\nBob: Hello\n\nAlice: Hi"]),
        ("user first, system after", vec!["u:Alice: hi\n\nS"]),
        ("assistant first then system", vec!["u:Bob: hello\n\nS\n\nAlice: x"]),
        ("named user", vec!["u:Alice: hi"]),
        ("named user already prefixed", vec!["u:Alice: hi"]),
        ("named assistant", vec!["u:Alice: q\n\nBob: answer"]),
        ("group chat speakers merge with names", vec!["u:Alice: q\n\nBob: one\n\nCarol: two"]),
        ("system names other than examples are dropped", vec!["u:It rains.\n\nAlice: hi"]),
        ("example assistant already group-prefixed", vec!["u:Carol: yo\n\nAlice: hi"]),
        ("example user already prefixed", vec!["u:Alice: hey\n\nAlice: hi"]),
        ("empty first message of a run", vec!["u:Alice: \n\nAlice: a"]),
        ("empty assistant between users", vec!["u:Alice: a\n\nBob: \n\nAlice: b"]),
        ("tool result right after a user", vec!["u:Alice: a\n\nAlice: result"]),
        ("leading tool result counts as user", vec!["u:Alice: 42\n\nBob: ok"]),
        ("system, tool, assistant", vec!["u:S\n\nAlice: 42\n\nBob: ok"]),
        ("several systems scattered", vec!["u:a\n\nAlice: x\n\nb\n\nc\n\nBob: y\n\nd"]),
        ("only assistants", vec!["u:Bob: one\n\nBob: two"]),
        ("system and an empty user", vec!["u:S\n\nAlice: "]),
        ("unicode and newlines survive", vec!["u:Alice: héllo\n👋\n\nAlice: 日本"]),
        // Beyond the shared cases: what single mode alone decides.
        ("single: an empty system message at the end stays apart", vec!["u:Alice: a", "u:"]),
        ("single: an empty system message in the middle", vec!["u:Alice: a\n\n\n\nAlice: b"]),
        ("single: a user speaking under another name", vec!["u:Alice: Carol: hi\n\nBob: yo"]),
        ("single: a reply already prefixed with the character", vec!["u:Alice: q\n\nBob: said"]),
    ]
}

/// The inputs of the cases only [`single_cases`] has.
fn single_only_input(name: &str) -> Option<Vec<ChatMessage>> {
    Some(ms(match name {
        "single: an empty system message at the end stays apart" => &["u:a", "s:"],
        "single: an empty system message in the middle" => &["u:a", "s:", "u:b"],
        "single: a user speaking under another name" => &["u@Carol:hi", "a:yo"],
        "single: a reply already prefixed with the character" => &["u:q", "a:Bob: said"],
        _ => return None,
    }))
}

#[test]
fn single_mode_follows_sillytavern_on_every_case() {
    let shared = cases();
    let expected = single_cases();
    assert_eq!(
        expected.len(),
        shared.len() + 4,
        "a case lacks its single expectation"
    );
    for (name, want) in expected {
        let input = match shared.iter().find(|case| case.0 == name) {
            Some(case) => ms(&case.1),
            None => single_only_input(name).unwrap_or_else(|| panic!("no input for {name}")),
        };
        let got = render(&post_process(&input, PostProcessing::Single, &names()));
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn single_mode_without_names_adds_no_prefixes() {
    let names = PromptNames::default();
    let single = |specs: &[&str]| render(&post_process(&ms(specs), PostProcessing::Single, &names));
    // SillyTavern's output with empty character and user names.
    assert_eq!(single(&["u:a", "s:"]), ["u:a", "u:"]);
    assert_eq!(single(&["u:a", "s:", "u:b"]), ["u:a\n\n\n\nb"]);
    assert_eq!(single(&["u@Carol:hi", "a:yo"]), ["u:Carol: hi\n\nyo"]);
    assert_eq!(single(&["u:q", "a:Bob: said"]), ["u:q\n\nBob: said"]);
    assert_eq!(single(&[]), [format!("u:{PH}")]);
}

#[test]
fn the_modes_follow_sillytavern_on_every_case() {
    let cases = cases();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    for (name, input, merge, semi, strict) in cases {
        let input = ms(&input);
        for (mode, expected) in [
            (PostProcessing::Merge, merge),
            (PostProcessing::SemiStrict, semi),
            (PostProcessing::Strict, strict),
        ] {
            let got = render(&post_process(&input, mode, &names()));
            assert_eq!(got, expected, "{name}, {}", mode.as_str());
        }
        assert_eq!(
            post_process(&input, PostProcessing::None, &names()),
            input,
            "{name}, none"
        );
    }
}

#[test]
fn strict_guarantees_hold_for_every_case() {
    for (name, input, ..) in cases() {
        let input = ms(&input);
        let semi = post_process(&input, PostProcessing::SemiStrict, &names());
        assert!(
            semi.iter().skip(1).all(|m| m.role != Role::System),
            "{name}"
        );
        let strict = post_process(&input, PostProcessing::Strict, &names());
        assert!(
            strict.iter().skip(1).all(|m| m.role != Role::System),
            "{name}"
        );
        let first_other = strict.iter().find(|m| m.role != Role::System);
        assert_eq!(first_other.map(|m| m.role), Some(Role::User), "{name}");
        for out in [&semi, &strict] {
            for pair in out.windows(2) {
                let merged_away = pair[0].role == pair[1].role && !pair[1].text().is_empty();
                assert!(!merged_away, "{name}: same-role neighbours left: {pair:?}");
            }
        }
    }
}

#[test]
fn names_may_be_empty_and_the_placeholder_configurable() {
    let names = PromptNames {
        placeholder: "Begin.".into(),
        ..PromptNames::default()
    };
    let input = ms(&[
        "s@example_user:Hi",
        "s@example_assistant:Hello",
        "a:Greeting",
    ]);
    let out = render(&post_process(&input, PostProcessing::Strict, &names));
    assert_eq!(out, vec!["s:Hi\n\nHello", "u:Begin.", "a:Greeting"]);
}

#[test]
fn modes_parse_from_their_names() {
    for mode in PostProcessing::ALL {
        assert_eq!(mode.as_str().parse::<PostProcessing>(), Ok(mode));
        assert_eq!(
            serde_json::to_string(&mode).unwrap(),
            format!("\"{}\"", mode.as_str())
        );
    }
    assert!("semi".parse::<PostProcessing>().is_err());
}

#[test]
fn provider_data_goes_with_its_message_through_the_merge() {
    let data = |family: &str| {
        Some(crate::model::ProviderData {
            family: family.into(),
            value: serde_json::json!([family]),
        })
    };
    // One of a run carries data: the merged message keeps it.
    let mut input = ms(&["u:Hi", "a:One", "a:Two"]);
    input[2].provider_data = data("x");
    let out = post_process(&input, PostProcessing::Merge, &names());
    assert_eq!(render(&out), ["u:Hi", "a:One\n\nTwo"]);
    assert_eq!(out[1].provider_data, data("x"));
    assert_eq!(out[1].parts.len(), 1, "the text is one part");

    // Both carry data: neither can be dropped, so they stay apart.
    input[1].provider_data = data("y");
    let out = post_process(&input, PostProcessing::Strict, &names());
    assert_eq!(render(&out), ["u:Hi", "a:One", "a:Two"]);
    assert_eq!(
        (&out[1].provider_data, &out[2].provider_data),
        (&data("y"), &data("x"))
    );

    // Names are folded in front of the text with the data kept.
    let mut named = ms(&["u@Alice:Hi"]);
    named[0].provider_data = data("x");
    let out = post_process(&named, PostProcessing::Merge, &names());
    assert_eq!(render(&out), ["u:Alice: Hi"]);
    assert_eq!(out[0].provider_data, data("x"));
}

#[test]
fn merged_runs_keep_every_image_and_a_message_of_images_alone_joins() {
    let image = |name: &str| {
        crate::model::Part::Image(crate::model::ImagePart {
            media_type: "image/png".into(),
            data: bytes::Bytes::from_static(b"\x89PNG"),
            name: name.into(),
        })
    };
    let mut first = ChatMessage::new(Role::User, "Look:");
    first.parts.insert(0, image("a.png"));
    let only_image = ChatMessage {
        parts: vec![image("b.png")],
        ..ChatMessage::new(Role::User, "")
    };
    let messages = vec![first, only_image, m("a:I see.")];
    for mode in [PostProcessing::Merge, PostProcessing::Strict] {
        let out = post_process(&messages, mode, &names());
        let users: Vec<&ChatMessage> = out.iter().filter(|m| m.role == Role::User).collect();
        assert_eq!(users.len(), 1, "{mode:?}: {out:?}");
        assert_eq!(users[0].text(), "Look:", "{mode:?}");
        let names: Vec<&str> = users[0].images().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["a.png", "b.png"], "{mode:?}");
    }
}
