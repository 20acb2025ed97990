//! Messages as real clients write them (`content` null or missing, arrays of parts, `tool`
//! messages with `tool_calls`), read and post-processed, against the outputs SillyTavern's own
//! converter gave for the same inputs (`tests/fixtures/sillytavern/post_processing`: `inputs.json`
//! and `expected.json`, written by its `mergeMessages`). Where SillyTavern keeps an image part
//! beside the text, Switchboard sends the text only: the expected text is SillyTavern's text
//! parts joined with a blank line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use serde_json::Value;
use switchboard_core::model::{ChatMessage, Role};
use switchboard_core::prompt::client::read_messages;
use switchboard_core::prompt::{post_process, PostProcessing, PromptNames, DEFAULT_PLACEHOLDER};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/sillytavern/post_processing")
}

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(fixtures().join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// SillyTavern's output as (role, text): an array of parts keeps its text parts only.
fn expected(messages: &Value) -> Vec<(String, String)> {
    messages
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let role = m["role"].as_str().unwrap().to_string();
            let text = match &m["content"] {
                Value::String(text) => text.clone(),
                Value::Array(parts) => parts
                    .iter()
                    .filter(|p| p["type"] == "text")
                    .map(|p| p["text"].as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join("\n\n"),
                other => panic!("unexpected content {other}"),
            };
            (role, text)
        })
        .collect()
}

fn got(messages: &[ChatMessage]) -> Vec<(String, String)> {
    messages
        .iter()
        .map(|m| {
            assert!(m.name.is_none());
            (m.role.as_str().to_string(), m.text().into_owned())
        })
        .collect()
}

#[test]
fn real_client_messages_post_process_as_sillytavern_does() {
    let inputs = load("inputs.json");
    let outputs = load("expected.json");
    let names = PromptNames {
        char_name: inputs["names"]["charName"].as_str().unwrap().to_string(),
        user_name: inputs["names"]["userName"].as_str().unwrap().to_string(),
        group_names: strings(&inputs["names"]["groupNames"]),
        placeholder: DEFAULT_PLACEHOLDER.to_string(),
    };
    let cases = inputs["cases"].as_array().unwrap();
    let results = outputs["cases"].as_array().unwrap();
    assert_eq!(cases.len(), results.len());
    assert!(cases.len() >= 15, "{} cases", cases.len());
    for (case, result) in cases.iter().zip(results) {
        let name = case["name"].as_str().unwrap();
        assert_eq!(result["name"], name);
        let read = read_messages(&case["messages"]).unwrap_or_else(|err| panic!("{name}: {err}"));
        for mode in [
            PostProcessing::Merge,
            PostProcessing::SemiStrict,
            PostProcessing::Strict,
            PostProcessing::Single,
        ] {
            assert_eq!(
                got(&post_process(&read.messages, mode, &names)),
                expected(&result[mode.as_str()]),
                "{name}, {}",
                mode.as_str()
            );
        }
        // Every image SillyTavern would have sent is reported as left out.
        let images = case["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["content"].as_array())
            .flatten()
            .filter(|p| p["type"] == "image_url")
            .count();
        let noted = read
            .notes
            .iter()
            .filter(|n| n.contains("(an image)"))
            .count();
        assert_eq!(noted, images, "{name}: {:?}", read.notes);
    }
}

#[test]
fn tool_turns_are_noted_and_none_mode_keeps_their_text() {
    let inputs = load("inputs.json");
    let case = &inputs["cases"][0]["messages"];
    let read = read_messages(case).unwrap();
    assert_eq!(
        read.notes,
        ["message 3: its tool calls were left out (only their text is sent)"]
    );
    let none = post_process(
        &read.messages,
        PostProcessing::None,
        &PromptNames::default(),
    );
    assert_eq!(none[2].role, Role::Assistant);
    assert_eq!(none[2].text(), "");
    assert_eq!(none[3].role, Role::Tool);
}
