//! `chat --attach FILE` end to end: the real binary, a real OpenAI-format fake on loopback, a
//! real SQLite database in a temp dir (run inside the keyring session, as the other CLI tests).
//! Files are made here: a PNG with the `image` crate, a PDF written by hand.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use base64::Engine as _;
use common::{ok, run, Fake};
use switchboard_fakes::{one_page_pdf as pdf, FakeOptions, RecordedRequest};
use tempfile::TempDir;

fn db(data: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(data.join("switchboard.db")).unwrap()
}

fn count(data: &Path, table: &str) -> i64 {
    db(data)
        .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
            row.get(0)
        })
        .unwrap()
}

/// A 64×48 PNG of a gradient.
fn png() -> Vec<u8> {
    let image = image::RgbaImage::from_fn(64, 48, |x, y| {
        image::Rgba([(x * 4) as u8, (y * 5) as u8, 120, 255])
    });
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgba8(image)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

/// A profile "local" on the OpenAI-format fake (the `custom` source reads images).
fn local(fake: &Fake, data: &Path) {
    ok(
        data,
        &[
            "profile",
            "add",
            "local",
            "--source",
            "custom",
            "--url",
            &fake.url(),
            "--model",
            "fake-model-1",
        ],
    );
}

fn chat_request(fake: &Fake) -> RecordedRequest {
    fake.server()
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path.ends_with("/chat/completions"))
        .expect("no chat request arrived")
}

/// The last message's text, whether its content is a string or a list of parts.
fn last_message_text(body: &serde_json::Value) -> String {
    let messages = body["messages"].as_array().unwrap();
    let content = &messages.last().unwrap()["content"];
    match content {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Array(parts) => parts
            .iter()
            .filter_map(|part| part["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        other => panic!("unexpected content {other}"),
    }
}

/// Every `data:` URL in `value`, wherever it sits.
fn data_urls(value: &serde_json::Value, found: &mut Vec<String>) {
    match value {
        serde_json::Value::String(text) if text.starts_with("data:") => found.push(text.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| data_urls(v, found)),
        serde_json::Value::Object(map) => map.values().for_each(|v| data_urls(v, found)),
        _ => {}
    }
}

#[test]
fn an_attached_png_is_named_kept_with_the_message_and_arrives_intact() {
    let fake = Fake::start(FakeOptions::default());
    let data = TempDir::new().unwrap();
    let data = data.path();
    local(&fake, data);
    let files = TempDir::new().unwrap();
    let shot = files.path().join("shot.png");
    let bytes = png();
    std::fs::write(&shot, &bytes).unwrap();

    let mut bodies = Vec::new();
    for streamed in [true, false] {
        fake.server().clear_requests();
        let mut args = vec!["chat", "local", "what is this?", "--attach"];
        args.push(shot.to_str().unwrap());
        if !streamed {
            args.push("--no-stream");
        }
        let sent = run(data, &args);
        assert_eq!(sent.code, 0, "{}", sent.stderr);
        assert!(
            sent.stderr.contains(&format!(
                "Attached: shot.png (image/png, 64×48, {})",
                switchboard_core::attach::human_size(bytes.len())
            )),
            "{}",
            sent.stderr
        );
        // The fake says what it received: the PNG, whole.
        assert_eq!(
            sent.stdout,
            format!("Received image/png, {} bytes, 64x48 pixels.\n", bytes.len())
        );
        let body = chat_request(&fake).json().unwrap();
        assert_eq!(body["stream"], streamed);
        assert_eq!(last_message_text(&body), "what is this?");
        bodies.push(body);
    }
    // Kept with the message it was sent with, byte for byte.
    let kept: Vec<(Vec<u8>, String, bool)> = db(data)
        .prepare("SELECT data, media_type, message_id IS NOT NULL FROM attachments")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(kept.len(), 2);
    for (data, media_type, bound) in kept {
        assert_eq!(
            (data, media_type.as_str(), bound),
            (bytes.clone(), "image/png", true)
        );
    }
    // The image itself, as the OpenAI format carries it: an `image_url` part whose data URL
    // decodes to the very bytes of the file, streamed and not. (This needs the
    // OpenAI-compatible wire builder's image parts, which another branch of issue 22 adds.)
    for body in bodies {
        let mut urls = Vec::new();
        data_urls(&body, &mut urls);
        assert_eq!(urls.len(), 1, "body: {body}");
        let encoded = urls[0]
            .strip_prefix("data:image/png;base64,")
            .unwrap_or_else(|| panic!("not a PNG data URL: {}", &urls[0][..40]));
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        assert_eq!(decoded, bytes);
        let parts = &body["messages"].as_array().unwrap().last().unwrap()["content"];
        assert!(
            parts
                .as_array()
                .is_some_and(|parts| parts.iter().any(|p| p["type"] == "image_url")),
            "{parts}"
        );
    }
}

#[test]
fn a_text_file_and_a_pdf_arrive_as_text_with_their_names() {
    let fake = Fake::start(FakeOptions::default());
    let data = TempDir::new().unwrap();
    let data = data.path();
    local(&fake, data);
    let files = TempDir::new().unwrap();
    let notes = files.path().join("notes.md");
    std::fs::write(&notes, "# Plan\n\n- ship it\n").unwrap();
    let report = files.path().join("report.pdf");
    std::fs::write(&report, pdf(&["Quarterly report", "Sales rose by a third"])).unwrap();

    let sent = run(
        data,
        &[
            "chat",
            "local",
            "--attach",
            notes.to_str().unwrap(),
            "--attach",
            report.to_str().unwrap(),
            "sum these up",
        ],
    );
    assert_eq!(sent.code, 0, "{}", sent.stderr);
    assert!(
        sent.stderr.contains(
            "Attached: notes.md (text/markdown, 18 bytes)\nAttached: report.pdf (application/pdf, "
        ),
        "{}",
        sent.stderr
    );
    let text = last_message_text(&chat_request(&fake).json().unwrap());
    assert!(
        text.starts_with("--- notes.md ---\n# Plan\n\n- ship it\n\n--- end of notes.md ---\n\n--- report.pdf ---\n"),
        "{text}"
    );
    assert!(text.contains("Quarterly report"), "{text}");
    assert!(text.contains("Sales rose by a third"), "{text}");
    assert!(
        text.ends_with("--- end of report.pdf ---\n\nsum these up"),
        "{text}"
    );
}

#[test]
fn a_refused_file_stops_the_chat_before_anything_is_sent() {
    let fake = Fake::start(FakeOptions::default());
    let data = TempDir::new().unwrap();
    let data = data.path();
    local(&fake, data);
    let files = TempDir::new().unwrap();
    let shot = files.path().join("shot.png");
    std::fs::write(&shot, png()).unwrap();
    let blob = files.path().join("blob.bin");
    std::fs::write(&blob, b"\x7fELF\x02\x01\x01\x00\x00\x00").unwrap();
    let big = files.path().join("big.txt");
    std::fs::write(&big, vec![b'a'; 20 * 1024 * 1024 + 1]).unwrap();
    let missing = files.path().join("missing.txt");
    let scan = files.path().join("scan.pdf");
    std::fs::write(&scan, pdf(&[])).unwrap();

    let cases: [(&Path, &str); 4] = [
        (
            &blob,
            "error: \"blob.bin\" cannot be attached: it is not a text file; images (PNG, JPEG, \
             WebP, GIF), text files (plain text, Markdown, code, CSV, JSON) and PDFs with text \
             can be attached.",
        ),
        (
            &big,
            "error: \"big.txt\" cannot be attached: it is 20.0 MB, and the largest file that can \
             be attached is 20.0 MB.",
        ),
        (&missing, "error: Could not read "),
        (
            &scan,
            "error: \"scan.pdf\" cannot be attached: the PDF holds no text to read",
        ),
    ];
    for (file, said) in cases {
        // The image before it was fine: it is dropped with the rest.
        let refused = run(
            data,
            &[
                "chat",
                "local",
                "hi",
                "--attach",
                shot.to_str().unwrap(),
                "--attach",
                file.to_str().unwrap(),
            ],
        );
        assert_eq!(refused.code, 2, "{}", refused.stderr);
        assert!(refused.stderr.starts_with(said), "{}", refused.stderr);
        assert!(!refused.stderr.contains("Attached:"), "{}", refused.stderr);
        assert_eq!(refused.stdout, "");
    }
    assert!(fake.server().requests().is_empty(), "a request was sent");
    assert_eq!(count(data, "chats"), 0);
    assert_eq!(count(data, "attachments"), 0, "a draft was left behind");
}

#[test]
fn a_source_without_vision_refuses_an_image_before_sending() {
    let fake = Fake::start(FakeOptions::default());
    let data = TempDir::new().unwrap();
    let data = data.path();
    let files = TempDir::new().unwrap();
    let shot = files.path().join("shot.png");
    std::fs::write(&shot, png()).unwrap();
    // TabbyAPI's catalogue entry reads no images.
    let refused = run(
        data,
        &[
            "chat",
            "--source",
            "tabby",
            "--url",
            &fake.url(),
            "--model",
            "fake-model-1",
            "--attach",
            shot.to_str().unwrap(),
            "what is this?",
        ],
    );
    assert_ne!(refused.code, 0);
    assert!(
        refused
            .stderr
            .contains("does not read images, so \"shot.png\" was not sent"),
        "{}",
        refused.stderr
    );
    assert!(fake.server().requests().is_empty(), "a request was sent");
    assert_eq!(count(data, "messages"), 0);
    assert_eq!(count(data, "attachments"), 0, "the draft was left behind");
}

#[test]
fn a_dry_run_shows_the_files_text_and_keeps_nothing() {
    let fake = Fake::start(FakeOptions::default());
    let data = TempDir::new().unwrap();
    let data = data.path();
    local(&fake, data);
    let files = TempDir::new().unwrap();
    let table = files.path().join("table.csv");
    std::fs::write(&table, "a,b\n1,2\n").unwrap();
    let shown = run(
        data,
        &[
            "chat",
            "local",
            "--dry-run",
            "--attach",
            table.to_str().unwrap(),
            "add them",
        ],
    );
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert!(shown
        .stderr
        .contains("Attached: table.csv (text/csv, 8 bytes)"));
    let shown: serde_json::Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(
        last_message_text(&shown["body"]),
        "--- table.csv ---\na,b\n1,2\n\n--- end of table.csv ---\n\nadd them"
    );
    assert!(
        fake.server().requests().is_empty(),
        "the dry run sent a request"
    );
    assert_eq!(count(data, "chats"), 0);
    assert_eq!(count(data, "attachments"), 0, "the dry run kept a draft");
}
