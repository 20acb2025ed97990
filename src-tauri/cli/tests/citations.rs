//! Sources under a reply from the command line: the pages a Perplexity reply cites are printed
//! after it, numbered ("Sources:" then "  [1] Title — URL"), streamed and not; `--json` carries
//! them as a `sources` event; `chats show` prints them under the reply and its `--json` has them
//! on the message. A reply without sources prints none. (The real binary against the fake.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::{cli, finish, ok, Fake, Run};
use serde_json::Value;
use switchboard_fakes::{cited_sources, Citations, FakeOptions, REPLY_TEXT};
use tempfile::TempDir;

const KEY: &str = "pplx-cited-1";

/// `chat` through an ad-hoc Perplexity connection to `url`, with `extra` arguments first.
fn ask(data: &Path, url: &str, global: &[&str], extra: &[&str]) -> Run {
    let mut command = cli(data);
    command
        .args(global)
        .args(["chat", "--source", "perplexity", "--url", url])
        .args(["--key-env", "PPLX_TEST_KEY", "--model", "fake-model-1"])
        .args(extra)
        .arg("Who ran the first telephone switchboard?")
        .env("PPLX_TEST_KEY", KEY);
    finish(command, b"")
}

fn listed() -> String {
    let mut list = String::from("Sources:\n");
    for (i, (url, title)) in cited_sources(Citations::Perplexity).iter().enumerate() {
        list.push_str(&format!("  [{}] {title} — {url}\n", i + 1));
    }
    list
}

#[test]
fn a_replys_sources_are_printed_after_it_streamed_and_not_and_in_json() {
    let cited = Fake::start(FakeOptions {
        api_key: Some(KEY.into()),
        citations: Some(Citations::Perplexity),
        ..FakeOptions::default()
    });
    let data = TempDir::new().unwrap();
    let data = data.path();
    for extra in [&[][..], &["--no-stream"][..]] {
        let run = ask(data, &cited.url(), &[], extra);
        assert_eq!(run.code, 0, "{extra:?}: {}", run.stderr);
        assert_eq!(
            run.stdout,
            format!("{REPLY_TEXT}\n{}", listed()),
            "{extra:?}"
        );
    }

    let run = ask(data, &cited.url(), &["--json"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let events: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let at = events
        .iter()
        .position(|e| e["type"] == "sources")
        .expect("a sources event");
    assert_eq!(events[at + 1]["type"], "finished", "{events:?}");
    let urls: Vec<&str> = events[at]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["url"].as_str().unwrap())
        .collect();
    let expected = cited_sources(Citations::Perplexity);
    assert_eq!(
        urls,
        expected.iter().map(|(u, _)| u.as_str()).collect::<Vec<_>>()
    );

    // `chats show` prints them under the reply; its JSON has them on the message.
    let chats: Value = serde_json::from_str(&ok(data, &["--json", "chats", "list"])).unwrap();
    let id = chats[0]["id"].as_str().unwrap().to_string();
    let shown = ok(data, &["chats", "show", &id]);
    assert!(
        shown.contains(&format!("{REPLY_TEXT}\n{}", listed().trim_end())),
        "{shown}"
    );
    let shown: Value = serde_json::from_str(&ok(data, &["--json", "chats", "show", &id])).unwrap();
    assert_eq!(
        shown["messages"][1]["sources"][0]["url"],
        expected[0].0.as_str()
    );
    assert_eq!(
        shown["messages"][1]["sources"][0]["title"],
        expected[0].1.as_str()
    );
    assert!(shown["messages"][0]["sources"]
        .as_array()
        .unwrap()
        .is_empty());

    // A reply that cites nothing prints nothing more.
    let plain = Fake::start(FakeOptions {
        api_key: Some(KEY.into()),
        ..FakeOptions::default()
    });
    let run = ask(data, &plain.url(), &[], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, format!("{REPLY_TEXT}\n"));
}
