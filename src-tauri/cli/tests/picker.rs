//! Finding a source and a model from the command line: `providers` grouped under the
//! catalogue's group headings with a SEARCH filter, `--json` carrying each source's `group`, and
//! `models` showing the context and price a long OpenRouter-style list tells (the real binary, a
//! fake server on loopback serving 500 models).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{ok, run, Fake};
use switchboard_core::catalogue::SourceGroup;
use switchboard_core::SOURCES;
use switchboard_fakes::{catalogue_context, catalogue_id, catalogue_name, FakeOptions};
use tempfile::TempDir;

const GROUPS: [SourceGroup; 3] = [
    SourceGroup::CloudChat,
    SourceGroup::LocalServer,
    SourceGroup::TextService,
];

/// The table's lines under each heading, up to the next blank line: `(heading, source ids)`.
fn sections(out: &str) -> Vec<(String, Vec<String>)> {
    out.split("\n\n")
        .map(|block| {
            let mut lines = block.lines();
            let heading = lines.next().unwrap().to_string();
            let header = lines.next().unwrap();
            assert!(header.starts_with("SOURCE "), "{block}");
            let ids = lines
                .map(|l| l.split_whitespace().next().unwrap().to_string())
                .collect();
            (heading, ids)
        })
        .collect()
}

#[test]
fn providers_are_listed_under_their_group() {
    let data = TempDir::new().unwrap();
    let out = ok(data.path(), &["providers"]);
    let shown = sections(&out);
    let expected: Vec<(String, Vec<String>)> = GROUPS
        .iter()
        .map(|&group| {
            let ids = SOURCES
                .iter()
                .filter(|s| s.group == group)
                .map(|s| s.id.to_string())
                .collect();
            (group.label().to_string(), ids)
        })
        .filter(|(_, ids): &(String, Vec<String>)| !ids.is_empty())
        .collect();
    assert_eq!(shown, expected, "{out}");
    assert!(shown.len() >= 2, "more than one group: {out}");
}

#[test]
fn providers_json_carries_each_group() {
    let data = TempDir::new().unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&ok(data.path(), &["providers", "--json"])).unwrap();
    let listed = json.as_array().unwrap();
    assert_eq!(listed.len(), SOURCES.len());
    for (entry, source) in listed.iter().zip(SOURCES) {
        assert_eq!(entry["id"], source.id);
        let group = serde_json::to_value(source.group).unwrap();
        assert_eq!(entry["group"], group, "{}", source.id);
    }
    let kobold = listed.iter().find(|e| e["id"] == "koboldcpp").unwrap();
    assert_eq!(kobold["group"], "localServer");
    let openai = listed.iter().find(|e| e["id"] == "openai").unwrap();
    assert_eq!(openai["group"], "cloudChat");
}

#[test]
fn providers_search_keeps_the_matching_sources() {
    let data = TempDir::new().unwrap();
    // By id, any case: only Groq, under its heading.
    let out = ok(data.path(), &["providers", "GROQ"]);
    assert_eq!(
        sections(&out),
        [("Cloud chat APIs".to_string(), vec!["groq".to_string()])],
        "{out}"
    );
    // By name: "kobold" is in KoboldAI's and KoboldCpp's names.
    let out = ok(data.path(), &["providers", "kobold"]);
    let ids: Vec<String> = sections(&out)
        .into_iter()
        .flat_map(|(_, ids)| ids)
        .collect();
    assert_eq!(ids, ["kobold", "koboldcpp"], "{out}");
    // The JSON is filtered the same way.
    let json: serde_json::Value =
        serde_json::from_str(&ok(data.path(), &["providers", "--json", "groq"])).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1);
    assert_eq!(json[0]["id"], "groq");
    // Nothing matches: nothing on standard output, a sentence on standard error.
    let none = run(data.path(), &["providers", "no-such-source"]);
    assert_eq!(none.code, 0, "{}", none.stderr);
    assert_eq!(none.stdout, "");
    assert_eq!(none.stderr, "No source matches \"no-such-source\".\n");
    let json: serde_json::Value =
        serde_json::from_str(&ok(data.path(), &["providers", "--json", "zzz"])).unwrap();
    assert_eq!(json, serde_json::json!([]));
}

#[test]
fn models_show_context_and_price_when_the_list_tells() {
    let fake = Fake::start(FakeOptions {
        model_catalogue: 500,
        ..FakeOptions::default()
    });
    let data = TempDir::new().unwrap();
    let data = data.path();
    ok(
        data,
        &[
            "profile",
            "add",
            "many",
            "--source",
            "custom",
            "--url",
            &fake.url(),
        ],
    );
    let out = ok(data, &["models", "many"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 500, "{out}");
    // Sorted by id; entry 0 is free, entry 1 costs $1 in and $4 out per million.
    let line = |i: usize| {
        lines
            .iter()
            .find(|l| l.split('\t').next() == Some(catalogue_id(i).as_str()))
            .copied()
            .unwrap()
    };
    assert_eq!(
        line(1),
        format!(
            "{}\t{}\t{} tokens\t$1.00 in, $4.00 out per 1M tokens",
            catalogue_id(1),
            catalogue_name(1),
            catalogue_context(1)
        )
    );
    assert_eq!(
        line(0),
        format!(
            "{}\t{}\t{} tokens\tfree",
            catalogue_id(0),
            catalogue_name(0),
            catalogue_context(0)
        )
    );
    // $0.50 in (entry 7: 7 % 7 + 1 = 1 → 50 cents), $2.00 out.
    assert!(
        line(7).ends_with("\t$0.50 in, $2.00 out per 1M tokens"),
        "{}",
        line(7)
    );

    let json: serde_json::Value =
        serde_json::from_str(&ok(data, &["models", "many", "--json"])).unwrap();
    let first = json
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == catalogue_id(1))
        .unwrap();
    assert_eq!(first["contextLength"], catalogue_context(1));
    assert_eq!(first["price"]["input"], 1.0);
    assert_eq!(first["price"]["output"], 4.0);
    assert_eq!(first["name"], catalogue_name(1));
}

#[test]
fn models_without_context_or_price_print_ids_only() {
    let fake = Fake::start(FakeOptions::default());
    let data = TempDir::new().unwrap();
    let data = data.path();
    ok(
        data,
        &[
            "profile",
            "add",
            "plain",
            "--source",
            "custom",
            "--url",
            &fake.url(),
        ],
    );
    assert_eq!(
        ok(data, &["models", "plain"]),
        "fake-model-1\nfake-model-2\n"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(data, &["models", "plain", "--json"])).unwrap();
    assert!(json[0].get("price").is_none(), "{json}");
    assert!(json[0].get("contextLength").is_none(), "{json}");
}
