//! Chats in and out: SillyTavern JSONL (fixtures in `tests/fixtures/sillytavern`, written from
//! SillyTavern's format), the way back to SillyTavern (files and generated chats), Markdown,
//! Switchboard's JSON chat and backup files, and SillyTavern settings → profile drafts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use switchboard_core::catalogue::ProviderKind;
use switchboard_core::model::AttachmentKind;
use switchboard_core::model::Role;
use switchboard_core::prompt::PostProcessing;
use switchboard_core::transfer::json::{self, Backup};
use switchboard_core::transfer::settings::{
    profiles_from_sillytavern_settings, sillytavern_secret_names, DraftKey, ProfileDraftLite,
};
use switchboard_core::transfer::{
    markdown, sillytavern, ArchivedAttachment, ArchivedMessage, ChatArchive, Skipped,
};
use switchboard_core::ErrorKind;

/// Latest date a file can carry: 9999-12-31T23:59:59.999Z.
const MAX_MS: i64 = 253_402_300_799_999;

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/sillytavern")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

fn parse_fixture(name: &str) -> ChatArchive {
    let imported = sillytavern::parse(&fixture(name)).unwrap();
    assert!(
        imported.skipped.is_empty(),
        "{name}: {:?}",
        imported.skipped
    );
    imported.chat
}

const CHAT_FIXTURES: [&str; 8] = [
    "seraphina_swipes.jsonl",
    "media.jsonl",
    "media_older.jsonl",
    "no_swipes.jsonl",
    "group_chat.jsonl",
    "extra_fields.jsonl",
    "old_dates.jsonl",
    "partly_bad.jsonl",
];

fn lines(text: &str) -> Vec<Map<String, Value>> {
    text.lines()
        .map(|line| match serde_json::from_str(line).unwrap() {
            Value::Object(object) => object,
            other => panic!("not an object: {other}"),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// SillyTavern: reading

#[test]
fn parses_a_chat_with_swipes() {
    let chat = parse_fixture("seraphina_swipes.jsonl");
    assert_eq!(chat.title, "Seraphina — 2024-05-12");
    assert_eq!(chat.user_name.as_deref(), Some("User"));
    assert_eq!(chat.character_name.as_deref(), Some("Seraphina"));
    assert_eq!(chat.created_at, 1_715_519_141_283);
    assert_eq!(chat.model.as_deref(), Some("gpt-4o"));
    assert_eq!(
        chat.extra["chat_metadata"]["integrity"],
        "0b6c2a51-6d6f-4f26-9a47-2c5d0b1f3e11"
    );
    assert_eq!(chat.messages.len(), 5);

    let roles: Vec<Role> = chat.messages.iter().map(|m| m.role).collect();
    use Role::{Assistant, User};
    assert_eq!(roles, [Assistant, User, Assistant, User, Assistant]);

    let greeting = &chat.messages[0];
    assert_eq!(greeting.name.as_deref(), Some("Seraphina"));
    assert_eq!(greeting.sent_at, 1_715_519_100_000); // May 12, 2024 1:05pm (read as UTC)
    assert_eq!(greeting.swipes.len(), 1);
    assert_eq!(greeting.swipe_index, 0);
    assert_eq!(greeting.model, None);

    let reply = &chat.messages[2];
    assert_eq!(reply.swipes.len(), 3);
    assert_eq!(reply.swipe_index, 1);
    assert_eq!(reply.content, reply.swipes[1]);
    assert_eq!(reply.model.as_deref(), Some("gpt-4o"));
    assert_eq!(
        reply.reasoning.as_deref(),
        Some("The user is disoriented; reassure them and explain where they are.")
    );
    // What Switchboard does not use is kept for the way back.
    assert_eq!(
        reply.extra["extra"],
        json!({"api": "openai", "reasoning_duration": 2150, "token_count": 31})
    );
    assert_eq!(reply.extra["swipe_info"].as_array().unwrap().len(), 3);
    assert_eq!(reply.extra["force_avatar"], "characters/Seraphina.png");
    assert_eq!(reply.extra["gen_started"], "2024-05-12T13:06:20.004Z");

    let user = &chat.messages[3];
    assert_eq!(
        user.content,
        "Thank you. *I sip the tea.*\nIt tastes like honey."
    );
    assert!(user.swipes.is_empty());
    assert!(
        !user.extra.contains_key("extra"),
        "an empty extra is not kept"
    );
}

#[test]
fn parses_a_chat_without_swipes() {
    let chat = parse_fixture("no_swipes.jsonl");
    assert_eq!(chat.title, "Coding Helper — 2024-11-03");
    assert_eq!(chat.user_name.as_deref(), Some("Alex"));
    assert_eq!(chat.created_at, 1_730_625_242_000); // 2024-11-03@09h14m02s
    assert_eq!(chat.extra.get("chat_metadata"), Some(&json!({})));
    assert_eq!(chat.messages.len(), 4);
    assert!(chat
        .messages
        .iter()
        .all(|m| m.swipes.is_empty() && m.swipe_index == 0));
    assert_eq!(chat.messages[0].sent_at, 1_730_625_250_512);
    assert_eq!(
        chat.messages[1].model.as_deref(),
        Some("llama-3.1-8b-instruct")
    );
    assert_eq!(chat.messages[1].extra["extra"], json!({"api": "custom"}));
    assert_eq!(chat.model.as_deref(), Some("llama-3.1-8b-instruct"));
}

#[test]
fn parses_a_group_chat_with_three_speakers() {
    let chat = parse_fixture("group_chat.jsonl");
    assert_eq!(chat.title, "Aldric, Brenna, Cassius — 2024-06-05");
    assert_eq!(chat.created_at, 1_717_599_410_682);
    let speakers: Vec<(&str, Role)> = chat
        .messages
        .iter()
        .map(|m| (m.name.as_deref().unwrap(), m.role))
        .collect();
    assert_eq!(
        speakers,
        [
            ("Narrator", Role::System),
            ("Robin", Role::User),
            ("Aldric", Role::Assistant),
            ("Brenna", Role::Assistant),
            ("Cassius", Role::Assistant),
            ("Robin", Role::User),
            ("Cassius", Role::Assistant),
        ]
    );
    assert_eq!(chat.messages[0].extra["extra"], json!({"type": "narrator"}));
    assert_eq!(chat.messages[2].extra["original_avatar"], "Aldric.png");
    assert_eq!(chat.model.as_deref(), Some("claude-3-haiku-20240307"));
}

#[test]
fn keeps_extra_fields_and_odd_values() {
    let chat = parse_fixture("extra_fields.jsonl");
    assert_eq!(chat.created_at, 1_737_397_800_000);
    assert_eq!(chat.extra["custom_header_flag"], "kept");
    assert_eq!(chat.extra["branch_of"], "Archivist - 2025-01-19@10h00m00s");
    assert_eq!(
        chat.extra["chat_metadata"]["variables"],
        json!({"chapter": 3})
    );
    assert!(!chat.extra.contains_key("user_name"));

    let [ask, answer, hidden, odd, system] = &chat.messages[..] else {
        panic!("{} messages", chat.messages.len());
    };
    assert_eq!(ask.extra["bookmark_link"], "Archivist - checkpoint 1");
    assert_eq!(
        ask.extra["extra"],
        json!({"bias": "", "gen_id": 1_737_397_800_000_i64})
    );

    // An empty reasoning is not reasoning, but it is kept.
    assert_eq!(answer.reasoning, None);
    assert_eq!(answer.extra["extra"]["reasoning"], "");
    assert_eq!(answer.extra["extra"]["bias"], Value::Null);
    assert_eq!(answer.extra["title"], "Generated in 5.6s");

    // A user message hidden from the prompt stays the user's.
    assert_eq!(hidden.role, Role::User);
    assert_eq!(hidden.extra["is_system"], true);

    // Swipes that are not a list stay as they were, with their swipe_id.
    assert!(odd.swipes.is_empty());
    assert_eq!(odd.extra["swipes"], "not a list");
    assert_eq!(odd.extra["swipe_id"], 3);
    assert_eq!(odd.sent_at, 1_737_397_980_000);

    assert_eq!(system.role, Role::System);
    assert_eq!(system.name.as_deref(), Some("SillyTavern System"));
    assert_eq!(system.extra["force_avatar"], "img/five.png");
}

#[test]
fn reads_old_date_formats() {
    let chat = parse_fixture("old_dates.jsonl");
    assert_eq!(chat.created_at, 1_684_500_000_000);
    let dates: Vec<i64> = chat.messages.iter().map(|m| m.sent_at).collect();
    assert_eq!(
        dates,
        [
            1_684_500_012_345, // epoch number
            1_684_500_020_000, // epoch digits
            1_684_500_065_009, // 2023-5-19 @12h 41m 05s 9ms
            1_684_500_120_000, // 2023-05-19@12h42m00s
            1_687_184_400_000, // June 19, 2023 2:20pm
            1_687_184_460_000, // Jun 19, 2023 2:21 PM
            1_687_177_350_500, // 2023-06-19T14:22:30.500+02:00
            1_684_500_000_000, // unreadable: the header's
            1_684_500_000_000, // missing: the header's
        ]
    );
}

#[test]
fn header_date_falls_back_to_the_first_message_then_zero() {
    let text = "{\"user_name\":\"U\",\"character_name\":\"C\",\"create_date\":\"soon\"}\n\
                {\"name\":\"U\",\"is_user\":true,\"mes\":\"a\"}\n\
                {\"name\":\"C\",\"is_user\":false,\"mes\":\"b\",\"send_date\":\"2024-05-12T13:05:41.283Z\"}";
    let chat = sillytavern::parse(text).unwrap().chat;
    assert_eq!(chat.created_at, 1_715_519_141_283);
    assert_eq!(chat.messages[0].sent_at, 1_715_519_141_283);

    let chat = sillytavern::parse("{\"character_name\":\"C\"}\n{\"mes\":\"x\"}")
        .unwrap()
        .chat;
    assert_eq!(chat.created_at, 0);
    assert_eq!(chat.messages[0].sent_at, 0);
    assert_eq!(chat.title, "C");
    assert_eq!(chat.messages[0].name.as_deref(), Some("C"));
}

#[test]
fn skips_bad_lines_with_their_numbers_and_keeps_the_good_ones() {
    let imported = sillytavern::parse(&fixture("partly_bad.jsonl")).unwrap();
    let skipped: Vec<usize> = imported.skipped.iter().map(|s| s.line).collect();
    assert_eq!(skipped, [4, 5, 7, 8, 10]);
    let reason = |line: usize| -> &str {
        &imported
            .skipped
            .iter()
            .find(|s: &&Skipped| s.line == line)
            .unwrap()
            .reason
    };
    assert!(reason(4).contains("not valid JSON"), "{}", reason(4));
    assert!(reason(5).contains("not a JSON object"), "{}", reason(5));
    assert!(reason(7).contains("mes"), "{}", reason(7));
    assert!(reason(8).contains("not a JSON object"), "{}", reason(8));
    assert!(reason(10).contains("mes"), "{}", reason(10));

    let texts: Vec<&str> = imported
        .chat
        .messages
        .iter()
        .map(|m| m.content.as_str())
        .collect();
    assert_eq!(
        texts,
        [
            "Welcome, traveller.",
            "Hello!",
            "Still here.",
            "Good to hear."
        ]
    );
}

#[test]
fn refuses_a_file_without_a_header() {
    for (text, line) in [
        ("User: hello\n{\"mes\":\"x\"}", "Line 1"),
        ("[\"header\"]\n", "Line 1"),
        ("{\"user_name\":\"U\",\"chara", "Line 1"),
        (
            "{\"name\":\"U\",\"is_user\":true,\"mes\":\"hi\"}\n",
            "Line 1",
        ),
        ("\n\n42\n", "Line 3"),
    ] {
        let err = sillytavern::parse(text).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
        assert!(err.message.contains(line), "{text:?}: {}", err.message);
    }
    assert!(sillytavern::parse("").is_err());
}

#[test]
fn reads_crlf_and_a_byte_order_mark() {
    let text = fixture("no_swipes.jsonl");
    let crlf = format!("\u{feff}{}", text.replace('\n', "\r\n"));
    assert_eq!(
        sillytavern::parse(&crlf).unwrap().chat,
        parse_fixture("no_swipes.jsonl")
    );
}

// ---------------------------------------------------------------------------------------------
// SillyTavern: writing

#[test]
fn writes_what_sillytavern_reads() {
    let chat = parse_fixture("seraphina_swipes.jsonl");
    let written = sillytavern::write(&chat);
    assert!(!written.ends_with('\n'));
    let lines = lines(&written);
    assert_eq!(lines.len(), 1 + chat.messages.len());

    let header = &lines[0];
    assert_eq!(header["user_name"], "User");
    assert_eq!(header["character_name"], "Seraphina");
    assert_eq!(header["create_date"], "2024-5-12 @13h 5m 41s 283ms");
    assert_eq!(
        header["chat_metadata"]["integrity"],
        "0b6c2a51-6d6f-4f26-9a47-2c5d0b1f3e11"
    );
    assert!(
        !header.contains_key("switchboard_title"),
        "the derived title is not written"
    );

    for line in &lines[1..] {
        for key in ["name", "is_user", "is_system", "send_date", "mes", "extra"] {
            assert!(line.contains_key(key), "{key} missing in {line:?}");
        }
    }
    let reply = &lines[3];
    assert_eq!(reply["is_user"], false);
    assert_eq!(reply["send_date"], "2024-05-12T13:06:00.000Z");
    assert_eq!(reply["swipe_id"], 1);
    assert_eq!(reply["swipes"].as_array().unwrap().len(), 3);
    assert_eq!(reply["extra"]["model"], "gpt-4o");
    assert_eq!(reply["extra"]["api"], "openai");
    assert_eq!(reply["swipe_info"].as_array().unwrap().len(), 3);
    assert_eq!(reply["force_avatar"], "characters/Seraphina.png");
    let user = &lines[2];
    assert_eq!(user["is_user"], true);
    assert!(!user.contains_key("swipes") && !user.contains_key("swipe_id"));
    assert_eq!(user["extra"], json!({}));
}

#[test]
fn writes_a_switchboard_chat_with_defaults() {
    let chat = ChatArchive {
        title: "Trip planning".into(),
        created_at: 1_715_519_141_283,
        model: Some("gpt-4o".into()),
        messages: vec![
            ArchivedMessage {
                role: Role::System,
                content: "Be brief.".into(),
                sent_at: 1_715_519_141_283,
                ..Default::default()
            },
            ArchivedMessage {
                role: Role::User,
                content: "Where to in May?".into(),
                sent_at: 1_715_519_150_000,
                ..Default::default()
            },
            ArchivedMessage {
                role: Role::Assistant,
                content: "Lisbon.".into(),
                swipes: vec!["Porto.".into(), "Lisbon.".into()],
                swipe_index: 1,
                sent_at: 1_715_519_160_000,
                model: Some("gpt-4o".into()),
                reasoning: Some("Warm, cheap.".into()),
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let written = sillytavern::write(&chat);
    let lines = lines(&written);
    assert_eq!(lines[0]["user_name"], "User");
    assert_eq!(lines[0]["character_name"], "Assistant");
    assert_eq!(lines[0]["chat_metadata"], json!({}));
    assert_eq!(lines[0]["switchboard_title"], "Trip planning");
    assert_eq!(lines[1]["is_system"], true);
    assert_eq!(lines[1]["name"], "System");
    assert_eq!(lines[2]["name"], "User");
    assert_eq!(lines[3]["name"], "Assistant");
    assert_eq!(
        lines[3]["extra"],
        json!({"model": "gpt-4o", "reasoning": "Warm, cheap."})
    );

    let back = sillytavern::parse(&written).unwrap();
    assert!(back.skipped.is_empty());
    let back = back.chat;
    assert_eq!(back.title, "Trip planning");
    assert_eq!(back.created_at, chat.created_at);
    assert_eq!(back.model, chat.model);
    for (got, want) in back.messages.iter().zip(&chat.messages) {
        assert_eq!(
            (got.role, &got.content, &got.swipes, got.swipe_index),
            (want.role, &want.content, &want.swipes, want.swipe_index)
        );
        assert_eq!(
            (got.sent_at, &got.model, &got.reasoning),
            (want.sent_at, &want.model, &want.reasoning)
        );
    }
}

#[test]
fn fixtures_survive_the_way_back() {
    for name in CHAT_FIXTURES {
        let first = sillytavern::parse(&fixture(name)).unwrap().chat;
        let written = sillytavern::write(&first);
        let again = sillytavern::parse(&written).unwrap();
        assert!(again.skipped.is_empty(), "{name}: {:?}", again.skipped);
        assert_eq!(again.chat, first, "{name}");
        // And the text is stable from then on.
        assert_eq!(sillytavern::write(&again.chat), written, "{name}");
    }
}

#[test]
fn written_lines_keep_unknown_fields() {
    let written = sillytavern::write(&parse_fixture("extra_fields.jsonl"));
    let lines = lines(&written);
    assert_eq!(lines[0]["custom_header_flag"], "kept");
    assert_eq!(lines[0]["chat_metadata"]["tainted"], true);
    assert_eq!(lines[1]["bookmark_link"], "Archivist - checkpoint 1");
    assert_eq!(lines[2]["gen_finished"], "2025-01-20T18:31:03.777Z");
    assert_eq!(
        lines[2]["extra"]["display_text"],
        "*The Archivist climbs a ladder.*"
    );
    assert_eq!(lines[3]["is_user"], true);
    assert_eq!(lines[3]["is_system"], true);
    assert_eq!(lines[4]["swipes"], "not a list");
    assert_eq!(lines[4]["swipe_id"], 3);
}

// ---------------------------------------------------------------------------------------------
// SillyTavern: generated chats

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 *\"'.,!?\\n—é]{0,24}",
        any::<String>().prop_map(|s| s.chars().take(24).collect()),
    ]
}

fn key() -> impl Strategy<Value = String> {
    "[a-z_]{1,10}"
}

/// JSON without floats that do not survive text exactly (serde_json reads floats best-effort).
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-4000i32..4000).prop_map(|n| Value::from(f64::from(n) / 8.0)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn object(map: std::collections::BTreeMap<String, Value>, reserved: &[&str]) -> Map<String, Value> {
    map.into_iter()
        .filter(|(k, _)| !reserved.contains(&k.as_str()))
        .collect()
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.is_empty())
}

/// A message as reading a SillyTavern file gives it.
fn read_message() -> impl Strategy<Value = ArchivedMessage> {
    (
        prop_oneof![Just(Role::User), Just(Role::Assistant), Just(Role::System)],
        text(),
        text(),
        prop::collection::vec(text(), 0..4),
        any::<prop::sample::Index>(),
        0..=MAX_MS,
        prop::option::of("[a-z0-9./-]{0,16}"),
        prop::option::of(text()),
        prop::collection::btree_map(key(), json_value(), 0..3),
        prop::option::of(prop::collection::btree_map(key(), json_value(), 1..3)),
        any::<bool>(),
    )
        .prop_map(
            |(
                role,
                name,
                content,
                swipes,
                pick,
                sent_at,
                model,
                reasoning,
                extra,
                line_extra,
                hidden,
            )| {
                let reserved = [
                    "name",
                    "is_user",
                    "is_system",
                    "send_date",
                    "mes",
                    "extra",
                    "swipes",
                    "swipe_id",
                ];
                let mut extra = object(extra, &reserved);
                if let Some(line_extra) = line_extra {
                    let line_extra = object(line_extra, &["model", "reasoning"]);
                    if !line_extra.is_empty() {
                        extra.insert("extra".into(), Value::Object(line_extra));
                    }
                }
                if role == Role::User && hidden {
                    extra.insert("is_system".into(), Value::Bool(true));
                }
                let swipe_index = if swipes.is_empty() {
                    0
                } else {
                    pick.index(swipes.len())
                };
                ArchivedMessage {
                    role,
                    name: Some(name),
                    content,
                    swipes,
                    swipe_index,
                    sent_at,
                    model: non_empty(model),
                    reasoning: non_empty(reasoning),
                    provider_data: None,
                    attachments: Vec::new(),
                    sources: Vec::new(),
                    extra,
                }
            },
        )
}

/// A chat as reading a SillyTavern file gives it.
fn read_chat() -> impl Strategy<Value = ChatArchive> {
    (
        text(),
        0..=MAX_MS,
        text(),
        text(),
        prop::collection::vec(read_message(), 0..6),
        prop::collection::btree_map(key(), json_value(), 0..3),
        json_value(),
    )
        .prop_map(
            |(title, created_at, user, character, messages, extra, metadata)| {
                let mut extra = object(
                    extra,
                    &[
                        "user_name",
                        "character_name",
                        "create_date",
                        "switchboard_title",
                    ],
                );
                extra.insert("chat_metadata".into(), metadata);
                let model = messages.iter().rev().find_map(|m| m.model.clone());
                ChatArchive {
                    id: None,
                    title,
                    created_at,
                    user_name: Some(user),
                    character_name: Some(character),
                    model,
                    messages,
                    extra,
                }
            },
        )
}

/// Any chat, as Switchboard might hold it (names unknown, tool messages, odd fields).
fn any_chat() -> impl Strategy<Value = ChatArchive> {
    let odd_key = prop_oneof![
        Just("name".to_string()),
        Just("is_system".to_string()),
        Just("swipes".to_string()),
        Just("swipe_id".to_string()),
        Just("extra".to_string()),
        Just("mes".to_string()),
        Just("chat_metadata".to_string()),
        Just("switchboard_title".to_string()),
        Just("user_name".to_string()),
        key(),
    ];
    let message = (
        prop_oneof![
            Just(Role::User),
            Just(Role::Assistant),
            Just(Role::System),
            Just(Role::Tool)
        ],
        prop::option::of(text()),
        text(),
        prop::collection::vec(text(), 0..3),
        0usize..5,
        any::<i64>(),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::collection::btree_map(odd_key.clone(), json_value(), 0..4),
    )
        .prop_map(
            |(role, name, content, swipes, swipe_index, sent_at, model, reasoning, extra)| {
                ArchivedMessage {
                    role,
                    name,
                    content,
                    swipes,
                    swipe_index,
                    sent_at,
                    model,
                    reasoning,
                    provider_data: None,
                    attachments: Vec::new(),
                    sources: Vec::new(),
                    extra: extra.into_iter().collect(),
                }
            },
        );
    (
        text(),
        any::<i64>(),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::collection::vec(message, 0..5),
        prop::collection::btree_map(odd_key, json_value(), 0..4),
    )
        .prop_map(
            |(title, created_at, user_name, character_name, model, messages, extra)| ChatArchive {
                id: None,
                title,
                created_at,
                user_name,
                character_name,
                model,
                messages,
                extra: extra.into_iter().collect(),
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn read_chats_survive_the_way_back(chat in read_chat()) {
        let written = sillytavern::write(&chat);
        let back = sillytavern::parse(&written).unwrap();
        prop_assert!(back.skipped.is_empty(), "{:?}", back.skipped);
        prop_assert_eq!(back.chat, chat);
    }

    #[test]
    fn any_chat_settles_after_one_way_back(chat in any_chat()) {
        let once = sillytavern::parse(&sillytavern::write(&chat)).unwrap();
        prop_assert!(once.skipped.is_empty(), "{:?}", once.skipped);
        let once = once.chat;
        // What is shown survives even the first time.
        prop_assert_eq!(once.messages.len(), chat.messages.len());
        for (got, want) in once.messages.iter().zip(&chat.messages) {
            prop_assert_eq!(&got.content, &want.content);
        }
        prop_assert_eq!(&once.title, &chat.title);
        let twice = sillytavern::parse(&sillytavern::write(&once)).unwrap().chat;
        prop_assert_eq!(twice, once);
    }

    #[test]
    fn parse_never_panics(
        header in prop_oneof![Just("{}".to_string()), any::<String>()],
        body in prop::collection::vec(
            prop_oneof![
                any::<String>(),
                json_value().prop_map(|v| v.to_string()),
                (text(), json_value()).prop_map(|(mes, extra)| {
                    json!({"mes": mes, "swipes": extra, "swipe_id": 7, "send_date": "x"}).to_string()
                }),
            ],
            0..6,
        ),
    ) {
        let text = std::iter::once(header).chain(body).collect::<Vec<_>>().join("\n");
        if let Ok(imported) = sillytavern::parse(&text) {
            let again = sillytavern::parse(&sillytavern::write(&imported.chat)).unwrap();
            prop_assert_eq!(again.chat, imported.chat);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Markdown

#[test]
fn markdown_export() {
    let chat = parse_fixture("seraphina_swipes.jsonl");
    let md = markdown::write(&chat);
    assert!(md.starts_with("# Seraphina — 2024-05-12\n\n"), "{md}");
    assert!(md.contains("*2024-05-12 13:05 · gpt-4o*"), "{md}");
    assert!(md.contains("**User** (2024-05-12 13:06):\n\nWhere am I? What happened?"));
    // The shown swipe only, with a note.
    assert!(
        md.contains("**Seraphina** (2024-05-12 13:06) (2 of 3):\n\n<details>"),
        "{md}"
    );
    assert!(md.contains("\"The Eldoria forest."));
    assert!(!md.contains("Rest first. Questions later."));
    assert!(md.contains(
        "<summary>Reasoning</summary>\n\nThe user is disoriented; reassure them and explain where they are.\n\n</details>"
    ));
    assert!(md.contains("**Seraphina** (2024-05-12 13:08) (1 of 2):"));
    // A single swipe is no alternative.
    assert!(md.contains("**Seraphina** (2024-05-12 13:05):\n\n*You wake"));
    assert!(md.ends_with("*She winks.*\n"));
    assert!(!md.contains("Attached"));
    // Attachments are named, never embedded.
    let md = markdown::write(&parse_fixture("media.jsonl"));
    assert!(
        md.contains(
            "What is in this picture?\n\n*Attached: squares.png (image, 3×2), notes.txt*\n\n"
        ),
        "{md}"
    );
    assert!(
        md.contains("*Attached: A quick sketch (image, 1×1)*"),
        "{md}"
    );
    assert!(!md.contains("iVBORw0KGgo"));
}

#[test]
fn markdown_names_and_missing_times() {
    let chat = ChatArchive {
        title: String::new(),
        user_name: Some("Kim".into()),
        messages: vec![
            ArchivedMessage {
                role: Role::User,
                content: "hi".into(),
                ..Default::default()
            },
            ArchivedMessage {
                role: Role::Assistant,
                name: Some("R2*D2".into()),
                content: "beep".into(),
                ..Default::default()
            },
            ArchivedMessage {
                role: Role::Assistant,
                content: "boop".into(),
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let md = markdown::write(&chat);
    assert_eq!(
        md,
        "# Chat\n\n**Kim**:\n\nhi\n\n**R2\\*D2**:\n\nbeep\n\n**Assistant**:\n\nboop\n"
    );
}

// ---------------------------------------------------------------------------------------------
// Switchboard JSON

#[test]
fn json_chat_round_trip() {
    for name in CHAT_FIXTURES {
        let chat = sillytavern::parse(&fixture(name)).unwrap().chat;
        let text = json::write_chat(&chat);
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["format"], "switchboard-chat");
        assert_eq!(value["version"], 1);
        assert!(value["chat"]["messages"].is_array());
        assert!(text.contains("\n  \"chat\": {"), "pretty: {text}");
        assert_eq!(json::read_chat(&text).unwrap(), chat, "{name}");
    }
}

/// A chat file written by a client of the OpenAI format: an assistant turn that only called a
/// tool (`content` null, then missing), a `tool` message, and text in parts with an image.
#[test]
fn json_chat_reads_messages_as_real_clients_write_them() {
    let file = json!({
        "format": "switchboard-chat",
        "version": 1,
        "chat": {
            "title": "Weather",
            "messages": [
                {"role": "user", "content": "Weather in Paris?"},
                {"role": "assistant", "content": null, "tool_calls": [{"id": "c1"}]},
                {"role": "assistant"},
                {"role": "tool", "name": "weather", "content": "18 C"},
                {"role": "user", "content": [
                    {"type": "text", "text": "And this?"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}},
                    {"type": "text", "text": "Thanks"}
                ]}
            ]
        }
    });
    let chat = json::read_chat(&file.to_string()).unwrap();
    let got: Vec<(Role, &str)> = chat
        .messages
        .iter()
        .map(|m| (m.role, m.content.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (Role::User, "Weather in Paris?"),
            (Role::Assistant, ""),
            (Role::Assistant, ""),
            (Role::Tool, "18 C"),
            (Role::User, "And this?\n\nThanks"),
        ]
    );
    assert_eq!(chat.messages[3].name.as_deref(), Some("weather"));
    // What cannot be text is refused, naming the part.
    let mut bad = file.clone();
    bad["chat"]["messages"][0]["content"] = json!([{"type": "text", "text": 5}]);
    let err = json::read_chat(&bad.to_string()).unwrap_err();
    assert!(err.message.contains("content part 1"), "{}", err.message);
}

#[test]
fn json_chat_refuses_other_files() {
    let chat = parse_fixture("no_swipes.jsonl");
    let mut value: Value = serde_json::from_str(&json::write_chat(&chat)).unwrap();
    value["version"] = json!(2);
    let err = json::read_chat(&value.to_string()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert!(err.message.contains("version 2"), "{}", err.message);

    value["version"] = json!("one");
    assert!(json::read_chat(&value.to_string())
        .unwrap_err()
        .message
        .contains("version"));

    let backup = json::write_backup(&Backup::default());
    assert!(json::read_chat(&backup)
        .unwrap_err()
        .message
        .contains("backup"));
    assert!(json::read_backup(&json::write_chat(&chat))
        .unwrap_err()
        .message
        .contains("single"));
    assert!(json::read_chat("{\"chat\":{}}").is_err());
    assert!(json::read_chat("not json").is_err());
    assert!(json::read_chat(&fixture("no_swipes.jsonl")).is_err());
}

#[test]
fn backup_round_trip_without_secrets() {
    let profile = json!({
        "id": "7d1c",
        "name": "Local llama",
        "source": "custom",
        "url": "http://127.0.0.1:8080/v1",
        "model": "llama3",
        "apiKey": "sk-live-1",
        "api_key": "sk-live-2",
        "key": "sk-live-3",
        "secret": "shh",
        "token": "tok",
        "password": "pw",
        "params": {"maxTokens": 512, "temperature": 0.5, "accessToken": "tok-2"},
        "headers": [["Authorization", "Bearer sk-live-4"], ["X-Title", "Switchboard"]]
    });
    let backup = Backup {
        chats: vec![
            parse_fixture("seraphina_swipes.jsonl"),
            parse_fixture("group_chat.jsonl"),
        ],
        profiles: vec![profile, json!("not an object")],
    };
    let text = json::write_backup(&backup);
    for secret in ["sk-live", "shh", "\"tok\"", "tok-2", "\"pw\"", "Bearer"] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["format"], "switchboard-backup");
    assert_eq!(value["version"], 1);
    fn no_secret_fields(value: &Value) {
        match value {
            Value::Object(fields) => {
                for (name, inner) in fields {
                    let lower = name.to_ascii_lowercase().replace(['_', '-'], "");
                    assert!(
                        ![
                            "key",
                            "apikey",
                            "secret",
                            "token",
                            "password",
                            "accesstoken"
                        ]
                        .contains(&lower.as_str()),
                        "field {name}"
                    );
                    no_secret_fields(inner);
                }
            }
            Value::Array(items) => items.iter().for_each(no_secret_fields),
            _ => {}
        }
    }
    no_secret_fields(&value["profiles"]);

    let back = json::read_backup(&text).unwrap();
    assert_eq!(back.chats, backup.chats);
    assert_eq!(
        back.profiles,
        [json!({
            "id": "7d1c",
            "name": "Local llama",
            "source": "custom",
            "url": "http://127.0.0.1:8080/v1",
            "model": "llama3",
            "params": {"maxTokens": 512, "temperature": 0.5},
            "headers": [["X-Title", "Switchboard"]]
        })]
    );

    // A hand-made backup with keys in it does not bring them in either.
    let crafted = json!({
        "format": "switchboard-backup", "version": 1,
        "profiles": [{"name": "p", "apiKey": "sk-crafted"}]
    });
    let read = json::read_backup(&crafted.to_string()).unwrap();
    assert_eq!(read.profiles, [json!({"name": "p"})]);
    assert!(read.chats.is_empty());
}

#[test]
fn backup_refuses_unknown_versions() {
    let text = json!({"format": "switchboard-backup", "version": 7, "chats": [], "profiles": []});
    let err = json::read_backup(&text.to_string()).unwrap_err();
    assert!(err.message.contains("version 7"), "{}", err.message);
    let no_version = json!({"format": "switchboard-backup", "chats": []});
    assert!(json::read_backup(&no_version.to_string()).is_err());
    let bad_profile = json!({"format": "switchboard-backup", "version": 1, "profiles": [1]});
    assert!(json::read_backup(&bad_profile.to_string()).is_err());
}

// ---------------------------------------------------------------------------------------------
// SillyTavern settings → profile drafts

fn draft(
    name: &str,
    source: ProviderKind,
    url: Option<&str>,
    model: Option<&str>,
    post_processing: Option<PostProcessing>,
) -> ProfileDraftLite {
    // Where SillyTavern keeps each connection's key.
    let secret = match name.trim_end_matches(" (SillyTavern)") {
        "Custom" => "custom",
        "KoboldCpp" | "KoboldAI" => "koboldcpp",
        "llama.cpp" => "llamacpp",
        "Ollama" => "ollama",
        "Claude" => "claude",
        "OpenAI" => "openai",
        "Mistral AI" => "mistralai",
        "OpenRouter" => "openrouter",
        "Oobabooga" => "ooba",
        "Mancer" => "mancer",
        "TabbyAPI" => "tabby",
        "AI Horde" => "horde",
        "NovelAI" => "novel",
        other => panic!("no secret name for {other}"),
    };
    ProfileDraftLite {
        name: name.into(),
        source,
        url: url.map(str::to_string),
        model: model.map(str::to_string),
        post_processing,
        key: DraftKey::Secrets {
            name: format!("api_key_{secret}"),
        },
    }
}

/// A draft for a reverse proxy: never the vendor's key.
fn proxy_draft(
    label: &str,
    source: ProviderKind,
    url: &str,
    model: &str,
    key: DraftKey,
) -> ProfileDraftLite {
    ProfileDraftLite {
        name: format!("{label} via reverse proxy (SillyTavern)"),
        source,
        url: Some(url.into()),
        model: Some(model.into()),
        post_processing: None,
        key,
    }
}

#[test]
fn settings_become_profile_drafts() {
    let drafts = profiles_from_sillytavern_settings(&fixture("settings.json")).unwrap();
    assert_eq!(
        drafts,
        [
            draft(
                "Custom (SillyTavern)",
                ProviderKind::Custom,
                Some("http://127.0.0.1:8080/v1"),
                Some("qwen2.5-14b-instruct"),
                Some(PostProcessing::SemiStrict),
            ),
            draft(
                "KoboldCpp (SillyTavern)",
                ProviderKind::KoboldCpp,
                Some("http://127.0.0.1:5001"),
                None,
                None,
            ),
            draft(
                "llama.cpp (SillyTavern)",
                ProviderKind::Custom,
                Some("http://192.168.1.20:8080"),
                None,
                None,
            ),
            draft(
                "Ollama (SillyTavern)",
                ProviderKind::Custom,
                Some("http://127.0.0.1:11434"),
                Some("llama3.1:8b"),
                None,
            ),
        ]
    );
    let debug = format!("{drafts:?}");
    for secret in ["hunter2", "do-not-import"] {
        assert!(!debug.contains(secret), "{secret} leaked");
    }
}

#[test]
fn settings_for_each_main_api() {
    let cases = [
        (
            json!({"main_api": "openai", "oai_settings": {"chat_completion_source": "claude",
                "claude_model": "claude-3-opus-20240229", "openai_model": "gpt-4o"}}),
            draft(
                "Claude (SillyTavern)",
                ProviderKind::Claude,
                None,
                Some("claude-3-opus-20240229"),
                None,
            ),
        ),
        (
            json!({"main_api": "openai", "oai_settings": {"chat_completion_source": "openai",
                "openai_model": "gpt-4o", "reverse_proxy": "https://proxy.example.com/v1",
                "proxy_password": "never"}}),
            proxy_draft(
                "OpenAI",
                ProviderKind::OpenAi,
                "https://proxy.example.com/v1",
                "gpt-4o",
                DraftKey::ProxyPassword,
            ),
        ),
        (
            json!({"main_api": "openai", "oai_settings": {"chat_completion_source": "claude",
                "claude_model": "claude-3-opus-20240229", "reverse_proxy": "https://proxy.example.com/anthropic/v1",
                "proxy_password": ""}}),
            proxy_draft(
                "Claude",
                ProviderKind::Claude,
                "https://proxy.example.com/anthropic/v1",
                "claude-3-opus-20240229",
                DraftKey::NoKey,
            ),
        ),
        (
            json!({"main_api": "openai", "oai_settings": {"chat_completion_source": "mistralai",
                "mistralai_model": "mistral-large-latest", "reverse_proxy": "http://10.0.0.5:8000/v1",
                "proxy_password": "pw"}}),
            proxy_draft(
                "Mistral AI",
                ProviderKind::Mistral,
                "http://10.0.0.5:8000/v1",
                "mistral-large-latest",
                DraftKey::ProxyPassword,
            ),
        ),
        // OpenRouter ignores reverse_proxy, as SillyTavern does: its own address and key.
        (
            json!({"main_api": "openai", "oai_settings": {"chat_completion_source": "openrouter",
                "openrouter_model": "meta-llama/llama-3-70b-instruct",
                "reverse_proxy": "https://proxy.example.com/v1", "proxy_password": "pw"}}),
            draft(
                "OpenRouter (SillyTavern)",
                ProviderKind::OpenRouter,
                None,
                Some("meta-llama/llama-3-70b-instruct"),
                None,
            ),
        ),
        (
            json!({"main_api": "openai", "oai_settings": {"chat_completion_source": "mistralai",
                "mistralai_model": "mistral-large-latest"}}),
            draft(
                "Mistral AI (SillyTavern)",
                ProviderKind::Mistral,
                None,
                Some("mistral-large-latest"),
                None,
            ),
        ),
        (
            json!({"main_api": "openai", "oai_settings": {"chat_completion_source": "openrouter",
                "openrouter_model": "OR_Website"}}),
            draft(
                "OpenRouter (SillyTavern)",
                ProviderKind::OpenRouter,
                None,
                None,
                None,
            ),
        ),
        (
            json!({"main_api": "textgenerationwebui", "textgenerationwebui_settings": {"type": "ooba",
                "server_urls": {"ooba": "http://127.0.0.1:5000"}}}),
            draft(
                "Oobabooga (SillyTavern)",
                ProviderKind::Ooba,
                Some("http://127.0.0.1:5000/v1"),
                None,
                None,
            ),
        ),
        (
            json!({"main_api": "textgenerationwebui", "textgenerationwebui_settings": {"type": "mancer",
                "mancer_model": "mytholite"}}),
            draft(
                "Mancer (SillyTavern)",
                ProviderKind::Mancer,
                None,
                Some("mytholite"),
                None,
            ),
        ),
        (
            json!({"main_api": "textgenerationwebui", "textgenerationwebui_settings": {"type": "tabby",
                "server_urls": {"tabby": "http://127.0.0.1:5000"}, "tabby_model": "exl2-model"}}),
            draft(
                "TabbyAPI (SillyTavern)",
                ProviderKind::Tabby,
                Some("http://127.0.0.1:5000/v1"),
                Some("exl2-model"),
                None,
            ),
        ),
        (
            json!({"main_api": "kobold", "api_server": "http://127.0.0.1:5000/api"}),
            draft(
                "KoboldAI (SillyTavern)",
                ProviderKind::Kobold,
                Some("http://127.0.0.1:5000/api"),
                None,
                None,
            ),
        ),
        (
            json!({"main_api": "koboldhorde", "horde_settings": {"models": ["koboldcpp/Fimbulvetr-11B-v2"]},
                "api_server": "http://127.0.0.1:5000/api"}),
            draft(
                "AI Horde (SillyTavern)",
                ProviderKind::Horde,
                None,
                Some("koboldcpp/Fimbulvetr-11B-v2"),
                None,
            ),
        ),
        (
            json!({"main_api": "novel", "nai_settings": {"model_novel": "kayra-v1"}}),
            draft(
                "NovelAI (SillyTavern)",
                ProviderKind::NovelAi,
                None,
                Some("kayra-v1"),
                None,
            ),
        ),
    ];
    for (settings, want) in cases {
        let drafts = profiles_from_sillytavern_settings(&settings.to_string()).unwrap();
        assert_eq!(drafts, [want], "{settings}");
        // A proxy's password is only looked at, never kept in a draft.
        assert!(!format!("{drafts:?}").contains("never"), "{drafts:?}");
    }
}

#[test]
fn settings_refuse_other_files_and_never_read_secrets() {
    let err = profiles_from_sillytavern_settings(&fixture("secrets.json")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert!(!err.message.contains("not-a-real-key"), "{}", err.message);
    assert!(profiles_from_sillytavern_settings("[]").is_err());
    assert!(profiles_from_sillytavern_settings("{").is_err());
    // An unknown source gives no draft rather than a wrong one.
    let unknown = json!({"main_api": "openai", "oai_settings": {"chat_completion_source": "ai21"}});
    assert!(profiles_from_sillytavern_settings(&unknown.to_string())
        .unwrap()
        .is_empty());
}

#[test]
fn secret_names_without_values() {
    let secrets = fixture("secrets.json");
    let names = sillytavern_secret_names(&secrets);
    assert_eq!(
        names,
        ["api_key_custom", "api_key_mancer", "api_key_openai"]
    );
    let listed = names.join(" ");
    assert!(!listed.contains("not-a-real-key") && !listed.contains("not-real"));
    assert!(sillytavern_secret_names("[1, 2]").is_empty());
}

// ---------------------------------------------------------------------------------------------
// Attachments: SillyTavern's `extra.media` / `extra.files` (and the older `extra.image` /
// `extra.file`), Switchboard's JSON with the bytes in base64

/// The 3×2 PNG in `media.jsonl` and `media_older.jsonl`.
const SQUARES_PNG: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAIAAAASFvFNAAAAFUlEQVR4nGP4z8DAAMH//4PohoYGAEfPB3vT+rJCAAAAAElFTkSuQmCC";
/// The 1×1 GIF in `media.jsonl`.
const DOT_GIF: &str = "R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==";

fn decoded(base64_text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(base64_text)
        .unwrap()
}

fn image_attachment(
    name: &str,
    media_type: &str,
    base64_text: &str,
    size: (u32, u32),
) -> ArchivedAttachment {
    ArchivedAttachment {
        kind: AttachmentKind::Image,
        name: name.into(),
        media_type: media_type.into(),
        width: Some(size.0),
        height: Some(size.1),
        data: decoded(base64_text),
    }
}

fn file_attachment(name: &str, text: &str) -> ArchivedAttachment {
    ArchivedAttachment {
        kind: AttachmentKind::File,
        name: name.into(),
        media_type: "text/plain".into(),
        width: None,
        height: None,
        data: text.as_bytes().to_vec(),
    }
}

/// The line's `extra` without what Switchboard reads into fields of its own.
fn attachment_fields(line: &Map<String, Value>) -> Value {
    let mut extra = line.get("extra").cloned().unwrap_or(json!({}));
    if let Value::Object(fields) = &mut extra {
        fields.retain(|key, _| {
            [
                "media",
                "media_index",
                "media_display",
                "inline_image",
                "files",
                "file",
                "image",
                "title",
            ]
            .contains(&key.as_str())
        });
    }
    extra
}

#[test]
fn sillytavern_media_images_and_files_are_imported_with_their_bytes() {
    let imported = sillytavern::parse(&fixture("media.jsonl")).unwrap();
    assert!(imported.skipped.is_empty(), "{:?}", imported.skipped);
    let chat = imported.chat;
    assert_eq!(
        chat.messages[0].attachments,
        vec![
            image_attachment("squares.png", "image/png", SQUARES_PNG, (3, 2)),
            file_attachment("notes.txt", "Remember: bring a hat.\n"),
        ]
    );
    assert_eq!(
        chat.messages[1].attachments,
        vec![image_attachment(
            "A quick sketch",
            "image/gif",
            DOT_GIF,
            (1, 1)
        )]
    );
    assert!(chat.messages[2].attachments.is_empty());
    assert_eq!(chat.messages[1].model.as_deref(), Some("gpt-4o"));
    // The image on SillyTavern's server is not in the file: counted, its link kept.
    assert_eq!(sillytavern::on_server(&chat), 1);
    let kept = &chat.messages[0].extra["extra"]["media"][1];
    assert_eq!(kept["url"], "/user/images/Seraphina/1748772000000_2107.png");
}

#[test]
fn sillytavern_media_survive_import_and_export_through_the_store() {
    let original = lines(&fixture("media.jsonl"));
    let chat = parse_fixture("media.jsonl");
    let dir = tempfile::tempdir().unwrap();
    let store = switchboard_core::store::Store::open(dir.path()).unwrap();
    let saved = store.import_archive(&chat).unwrap();
    let messages = store.messages(&saved.id).unwrap();
    let shown: Vec<(AttachmentKind, &str, u32)> = messages[0]
        .attachments
        .iter()
        .map(|a| (a.kind, a.name.as_str(), a.size))
        .collect();
    assert_eq!(
        shown,
        [
            (AttachmentKind::Image, "squares.png", 78),
            (AttachmentKind::File, "notes.txt", 23)
        ]
    );
    assert_eq!(messages[0].attachments[0].width, Some(3));
    let archive = store.archive(&saved.id).unwrap();
    for (got, want) in archive.messages.iter().zip(&chat.messages) {
        assert_eq!(got.attachments, want.attachments);
        assert_eq!(got.extra, want.extra);
    }
    let written = lines(&sillytavern::write(&archive));
    assert_eq!(written.len(), original.len());
    for (got, want) in written.iter().zip(&original).skip(1) {
        // The same entries, the same bytes (the data URLs are the file's own), the same order.
        assert_eq!(attachment_fields(got), attachment_fields(want));
    }
    assert_eq!(written[2]["extra"]["model"], "gpt-4o");
    assert_eq!(written[2]["extra"]["api"], "openai");
    // And it settles: read again, the same chat.
    let again = sillytavern::parse(&sillytavern::write(&archive))
        .unwrap()
        .chat;
    for (got, want) in again.messages.iter().zip(&chat.messages) {
        assert_eq!(got.attachments, want.attachments);
    }
}

#[test]
fn an_older_sillytavern_image_and_file_import() {
    let original = lines(&fixture("media_older.jsonl"));
    let chat = parse_fixture("media_older.jsonl");
    assert_eq!(
        chat.messages[0].attachments,
        vec![image_attachment(
            "squares.png",
            "image/png",
            SQUARES_PNG,
            (3, 2)
        )]
    );
    assert_eq!(
        chat.messages[1].attachments,
        vec![file_attachment("old_notes.txt", "hello there")]
    );
    assert!(chat.messages[2].attachments.is_empty());
    assert_eq!(sillytavern::on_server(&chat), 1);
    // Written back in the form it came in.
    let written = lines(&sillytavern::write(&chat));
    for (got, want) in written.iter().zip(&original).skip(1) {
        assert_eq!(attachment_fields(got), attachment_fields(want));
    }
}

#[test]
fn attachments_made_in_switchboard_are_written_as_sillytavern_media_and_files() {
    let png = image_attachment("photo.png", "image/png", SQUARES_PNG, (3, 2));
    let notes = file_attachment("notes.md", "# Notes\n\n- one\n");
    let chat = ChatArchive {
        title: "Pictures".into(),
        created_at: 1_748_772_000_000,
        messages: vec![ArchivedMessage {
            role: Role::User,
            content: "See attached.".into(),
            sent_at: 1_748_772_000_500,
            attachments: vec![notes.clone(), png.clone()],
            ..Default::default()
        }],
        ..Default::default()
    };
    let written = sillytavern::write(&chat);
    let line = &lines(&written)[1];
    assert_eq!(
        line["extra"]["media"],
        json!([{
            "url": format!("data:image/png;base64,{SQUARES_PNG}"),
            "type": "image",
            "title": "photo.png",
            "source": "upload"
        }])
    );
    let file = &line["extra"]["files"][0];
    assert_eq!(file["name"], "notes.md");
    assert_eq!(file["text"], "# Notes\n\n- one\n");
    assert_eq!(file["size"], 15);
    assert_eq!(file["created"], 1_748_772_000_500_i64);
    assert!(file["url"]
        .as_str()
        .unwrap()
        .starts_with("data:text/plain;base64,"));
    let back = sillytavern::parse(&written).unwrap().chat;
    // SillyTavern lists images before files.
    assert_eq!(back.messages[0].attachments, vec![png, notes]);
    assert_eq!(sillytavern::on_server(&back), 0);
    assert_eq!(
        sillytavern::parse(&sillytavern::write(&back)).unwrap().chat,
        back
    );
}

#[test]
fn an_image_that_does_not_decode_is_kept_as_it_was() {
    let text = format!(
        "{{}}\n{}",
        json!({"mes": "x", "is_user": true, "extra": {"media": [
            {"url": "data:image/png;base64,bm90IGFuIGltYWdl", "type": "image"},
            {"url": "data:image/png;base64,!!!", "type": "image"},
            {"url": format!("data:image/png;base64,{SQUARES_PNG}"), "type": "audio"},
        ]}})
    );
    let chat = sillytavern::parse(&text).unwrap().chat;
    assert!(chat.messages[0].attachments.is_empty());
    assert_eq!(sillytavern::on_server(&chat), 0);
    let written = lines(&sillytavern::write(&chat));
    assert_eq!(
        attachment_fields(&written[1]),
        attachment_fields(&lines(&text)[1])
    );
}

#[test]
fn switchboard_json_carries_attachments_in_base64_and_back() {
    let mut chat = parse_fixture("media.jsonl");
    chat.id = Some(switchboard_core::model::ChatId("c-1".into()));
    let text = json::write_chat(&chat);
    assert!(
        text.contains(&format!("\"data\": \"{SQUARES_PNG}\"")),
        "{text}"
    );
    assert!(text.contains("\"mediaType\": \"image/png\""));
    assert_eq!(json::read_chat(&text).unwrap(), chat);
    let backup = Backup {
        chats: vec![chat.clone(), parse_fixture("no_swipes.jsonl")],
        profiles: Vec::new(),
    };
    assert_eq!(
        json::read_backup(&json::write_backup(&backup)).unwrap(),
        backup
    );
    // A damaged attachment names what is wrong.
    let broken = text.replace(SQUARES_PNG, "not base64!");
    let err = json::read_chat(&broken).unwrap_err();
    assert!(err.message.contains("attachment"), "{}", err.message);
}

/// The chats the files of `tests/fixtures/switchboard/` were written from (by the code before
/// attachments, which must write them byte for byte the same).
fn unchanged_archives() -> (ChatArchive, Backup) {
    let mut chat = sillytavern::parse(&fixture("seraphina_swipes.jsonl"))
        .unwrap()
        .chat;
    chat.id = Some(switchboard_core::model::ChatId("0b6c2a51-chat".into()));
    chat.messages[2].provider_data = Some(switchboard_core::model::ProviderData {
        family: "anthropic".into(),
        value: json!([{"type": "thinking", "thinking": "hm", "signature": "sig"}]),
    });
    let backup = Backup {
        chats: vec![
            chat.clone(),
            sillytavern::parse(&fixture("group_chat.jsonl"))
                .unwrap()
                .chat,
        ],
        profiles: vec![
            json!({"name": "cloud", "source": "openai", "url": "https://api.openai.com/v1"}),
        ],
    };
    (chat, backup)
}

/// A chat without attachments is written exactly as before attachments existed: the files in
/// `tests/fixtures/switchboard/` were written by that code from these chats.
#[test]
fn switchboard_json_without_attachments_is_written_as_before() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/switchboard");
    let before = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let (chat, backup) = unchanged_archives();
    assert_eq!(
        json::write_chat(&chat),
        before("chat_before_attachments.json")
    );
    assert_eq!(
        json::write_backup(&backup),
        before("backup_before_attachments.json")
    );
    assert!(!before("backup_before_attachments.json").contains("attachments"));
    // And they read back as they were.
    assert_eq!(
        json::read_chat(&before("chat_before_attachments.json")).unwrap(),
        chat
    );
    assert_eq!(
        json::read_backup(&before("backup_before_attachments.json")).unwrap(),
        backup
    );
}

/// A file whose own texts look like the marks Switchboard leaves in place of what it took out
/// is still read and written back exactly.
#[test]
fn texts_that_look_like_marks_survive_the_way_back() {
    let png = format!("data:image/png;base64,{SQUARES_PNG}");
    let text = format!(
        "{{}}\n{}",
        json!({"mes": "x", "is_user": true, "extra": {
            "media": [
                {"url": "switchboard-attachment:1", "type": "image"},
                {"url": png, "type": "image", "title": "a.png"},
                {"url": "switchboard-attachment:!0"},
                {"url": png, "type": "image", "title": "b.png"},
            ],
            "files": [{"name": "odd.txt", "text": "switchboard-attachment:0"}],
        }})
    );
    let chat = sillytavern::parse(&text).unwrap().chat;
    let names: Vec<&str> = chat.messages[0]
        .attachments
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["a.png", "b.png", "odd.txt"]);
    assert_eq!(
        chat.messages[0].attachments[2].data,
        b"switchboard-attachment:0"
    );
    let written = sillytavern::write(&chat);
    assert_eq!(
        attachment_fields(&lines(&written)[1]),
        attachment_fields(&lines(&text)[1])
    );
    assert_eq!(sillytavern::parse(&written).unwrap().chat, chat);
}
