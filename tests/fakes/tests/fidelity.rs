//! The dialects against bytes recorded from the real servers (`fixtures/recorded/`): framing,
//! key order, spacing and escapes, `finish_reason` representation, headers and error bodies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::Value;
use switchboard_fakes::{Dialect, FakeOptions, FakeServer, REPLY_TEXT};

/// The body of a recorded `.request.http`.
fn recorded_request_body(path: &str) -> Value {
    let text = String::from_utf8(recorded(path)).unwrap();
    let (_, body) = text.split_once("\r\n\r\n").unwrap();
    serde_json::from_str(body).unwrap()
}

/// The `content-type` of a recorded `.response.head`.
fn recorded_content_type(path: &str) -> String {
    let head = String::from_utf8(recorded(path)).unwrap();
    head.lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        .map(|(_, value)| value.trim().to_owned())
        .unwrap()
}

/// The data payloads of a stream whose events are exactly `data: <json>` lines, checking that
/// each is formatted as Python's `json.dumps` would.
fn python_chunks(body: &str) -> Vec<Ordered> {
    let (events, _) = parse_sse(body);
    events
        .iter()
        .map(|e| {
            assert!(e.comments.is_empty() && e.fields.is_empty(), "{e:?}");
            e.data.clone().unwrap()
        })
        .filter(|data| data != "[DONE]")
        .map(|data| {
            let parsed = Ordered::parse(&data);
            assert_eq!(parsed.python(), data, "formatted like json.dumps");
            parsed
        })
        .collect()
}

fn finish_reason(chunk: &Ordered) -> Ordered {
    match chunk.get("choices") {
        Some(Ordered::Arr(choices)) => choices[0].get("finish_reason").unwrap().clone(),
        other => panic!("no choices: {other:?}"),
    }
}

async fn fake_stream(dialect: Dialect, request: &Value) -> Read {
    let server = FakeServer::start(FakeOptions {
        dialect,
        ..Default::default()
    })
    .await
    .unwrap();
    read(post(&server, "/v1/chat/completions", request).await).await
}

#[tokio::test]
async fn llamacpp_stream_matches_the_recording() {
    let real = String::from_utf8(recorded("llamacpp-server/chat-stream.response.body")).unwrap();
    let request = recorded_request_body("llamacpp-server/chat-stream.request.http");
    let fake = fake_stream(Dialect::LlamaCpp, &request).await;
    assert_eq!(
        fake.header("content-type").unwrap(),
        recorded_content_type("llamacpp-server/chat-stream.response.head")
    );
    let fake_text = fake.text();
    for body in [&real, &fake_text] {
        assert!(!body.contains('\r'));
        assert!(body.starts_with("data: {\"id\": "));
        assert!(
            body.ends_with("}\n\ndata: [DONE]\n\n"),
            "[DONE] and its blank line"
        );
        assert_eq!(parse_sse(body).1, "", "nothing unterminated");
    }
    let (real, fake) = (python_chunks(&real), python_chunks(&fake_text));

    // Role-only first chunk, content chunks, then a finish chunk with an empty delta.
    assert_eq!(fake[0].shape(), real[0].shape());
    assert!(real[0].shape().contains("delta:{role:str}"));
    let real_content = &real[1..real.len() - 1];
    let fake_content = &fake[1..fake.len() - 1];
    assert!(real_content
        .iter()
        .all(|c| c.shape() == real_content[0].shape()));
    assert!(fake_content
        .iter()
        .all(|c| c.shape() == real_content[0].shape()));
    assert_eq!(fake.last().unwrap().shape(), real.last().unwrap().shape());
    for chunks in [&real, &fake] {
        let (last, rest) = chunks.split_last().unwrap();
        assert!(rest.iter().all(|c| finish_reason(c) == Ordered::Null));
        assert!(matches!(finish_reason(last), Ordered::Str(_)));
    }
    assert!(
        fake_text.contains(r"\u65e5\u672c\u8a9e"),
        "non-ASCII escaped like json.dumps"
    );
    assert_eq!(collect(&chunks(&fake_text), "content"), REPLY_TEXT);
}

#[tokio::test]
async fn koboldcpp_stream_matches_the_recording() {
    let real = String::from_utf8(recorded(
        "koboldcpp-openai-api/chat-stream-usage.response.body",
    ))
    .unwrap();
    let request = recorded_request_body("koboldcpp-openai-api/chat-stream-usage.request.http");
    assert_eq!(request["stream_options"]["include_usage"], true);
    let fake = fake_stream(Dialect::KoboldCpp, &request).await;
    assert_eq!(
        fake.header("content-type").unwrap(),
        recorded_content_type("koboldcpp-openai-api/chat-stream-usage.response.head")
    );
    let fake_text = fake.text();
    for body in [&real, &fake_text] {
        assert!(!body.contains('\r'));
        assert!(body.starts_with("data: {\"id\": \"koboldcpp\", "));
        assert!(
            body.ends_with("}\n\ndata: [DONE]"),
            "no newline after [DONE]"
        );
        assert_eq!(parse_sse(body).1, "data: [DONE]");
    }
    let (real, fake) = (python_chunks(&real), python_chunks(&fake_text));

    // No role chunk, no finish chunk, no usage chunk: the last content chunk carries the reason.
    let (real_last, real_rest) = real.split_last().unwrap();
    let (fake_last, fake_rest) = fake.split_last().unwrap();
    assert!(!fake_rest.is_empty());
    assert!(fake_rest
        .iter()
        .chain(real_rest)
        .all(|c| c.shape() == real_rest[0].shape()));
    assert_eq!(fake_last.shape(), real_last.shape());
    for rest in [real_rest, fake_rest] {
        assert!(rest
            .iter()
            .all(|c| finish_reason(c) == Ordered::Str("null".into())));
    }
    assert_eq!(finish_reason(real_last), Ordered::Str("length".into()));
    assert!(matches!(finish_reason(fake_last), Ordered::Str(r) if r != "null"));
    assert!(real_rest[0]
        .shape()
        .contains("delta:{role:str,content:str}"));
    assert_eq!(collect(&chunks(&fake_text), "content"), REPLY_TEXT);
}

/// Sends a request to a fake and compares status-independent bytes with a recorded body.
async fn assert_same_body(response: reqwest::Response, recorded_body: &str, recorded_head: &str) {
    let status_line = String::from_utf8(recorded(recorded_head)).unwrap();
    let status: u16 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let read = read(response).await;
    assert_eq!(read.status, status, "{recorded_body}");
    assert_eq!(
        read.header("content-type").unwrap(),
        recorded_content_type(recorded_head)
    );
    assert_eq!(
        read.text(),
        String::from_utf8(recorded(recorded_body)).unwrap()
    );
}

#[tokio::test]
async fn llamacpp_errors_match_the_recording() {
    let opts = FakeOptions {
        dialect: Dialect::LlamaCpp,
        api_key: Some("k".into()),
        ..Default::default()
    };
    let server = FakeServer::start(opts).await.unwrap();
    let base = server.base_url();
    let bad_json = client()
        .post(format!("{base}/v1/chat/completions"))
        .bearer_auth("k")
        .header("content-type", "application/json")
        .body(r#"{"model": "x", "messages": ["#)
        .send()
        .await
        .unwrap();
    assert_same_body(
        bad_json,
        "llamacpp-server/bad-json.response.body",
        "llamacpp-server/bad-json.response.head",
    )
    .await;

    let unauthorized = post(&server, "/v1/chat/completions", &chat_body(false)).await;
    let body = read(unauthorized).await;
    assert_eq!(body.status, 401);
    assert_eq!(
        body.bytes(),
        recorded("llamacpp-server/auth-missing-chat.response.body")
    );

    let missing = client()
        .get(format!("{base}/v1/does-not-exist"))
        .bearer_auth("k")
        .send()
        .await
        .unwrap();
    let body = read(missing).await;
    assert_eq!(body.status, 404);
    assert_eq!(
        body.bytes(),
        recorded("llamacpp-server/unknown-path.response.body")
    );

    let models = client()
        .get(format!("{base}/v1/models"))
        .bearer_auth("k")
        .send()
        .await
        .unwrap();
    let fake = Ordered::parse(&read(models).await.text());
    let real = Ordered::parse(
        std::str::from_utf8(&recorded("llamacpp-server/models.response.body")).unwrap(),
    );
    let first_only = |o: &Ordered| match o {
        Ordered::Obj(pairs) => pairs
            .iter()
            .map(|(k, v)| match v {
                Ordered::Arr(items) => format!("{k}:[{}]", items[0].shape()),
                v => format!("{k}:{}", v.shape()),
            })
            .collect::<Vec<_>>(),
        _ => panic!("not an object"),
    };
    assert_eq!(first_only(&fake), first_only(&real));
}

#[tokio::test]
async fn koboldcpp_errors_match_the_recording() {
    let opts = FakeOptions {
        dialect: Dialect::KoboldCpp,
        api_key: Some("k".into()),
        ..Default::default()
    };
    let server = FakeServer::start(opts).await.unwrap();
    let base = server.base_url();

    let missing = client()
        .get(format!("{base}/v1/does-not-exist"))
        .bearer_auth("k")
        .send()
        .await
        .unwrap();
    let body = read(missing).await;
    assert_eq!(body.status, 404);
    assert_eq!(body.header("content-type"), Some("text/html"));
    assert_eq!(
        body.bytes(),
        recorded("koboldcpp-openai-api/unknown-path.response.body")
    );

    let bad_json = client()
        .post(format!("{base}/v1/chat/completions"))
        .bearer_auth("k")
        .body(r#"{"model": "x", "messages": ["#)
        .send()
        .await
        .unwrap();
    let body = read(bad_json).await;
    assert_eq!(body.status, 500);
    assert_eq!(
        body.bytes(),
        recorded("koboldcpp-openai-api/bad-json.response.body")
    );

    let wrong_key = client()
        .post(format!("{base}/v1/chat/completions"))
        .bearer_auth("wrong-key")
        .json(&chat_body(false))
        .send()
        .await
        .unwrap();
    let body = read(wrong_key).await;
    assert_eq!(body.status, 401);
    assert_eq!(
        body.bytes(),
        recorded("koboldcpp-kobold-api/auth-wrong-openai-chat.response.body")
    );

    let models = client()
        .get(format!("{base}/v1/models"))
        .bearer_auth("k")
        .send()
        .await
        .unwrap();
    let fake_text = read(models).await.text();
    let real_text =
        String::from_utf8(recorded("koboldcpp-openai-api/models.response.body")).unwrap();
    let (fake, real) = (Ordered::parse(&fake_text), Ordered::parse(&real_text));
    assert_eq!(fake.python(), fake_text);
    assert_eq!(real.python(), real_text);
    match (fake.get("data"), real.get("data")) {
        (Some(Ordered::Arr(fake)), Some(Ordered::Arr(real))) => {
            assert_eq!(fake[0].shape(), real[0].shape())
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn non_stream_bodies_match_the_recorded_shape() {
    for (dialect, folder) in [
        (Dialect::LlamaCpp, "llamacpp-server"),
        (Dialect::KoboldCpp, "koboldcpp-openai-api"),
    ] {
        let server = FakeServer::start(FakeOptions {
            dialect,
            ..Default::default()
        })
        .await
        .unwrap();
        let fake_text = chat(&server, false).await.text();
        let real_text =
            String::from_utf8(recorded(&format!("{folder}/chat-nonstream.response.body"))).unwrap();
        let (fake, real) = (Ordered::parse(&fake_text), Ordered::parse(&real_text));
        assert_eq!(fake.shape(), real.shape(), "{dialect:?}");
        if dialect == Dialect::KoboldCpp {
            assert_eq!(
                fake.python(),
                fake_text,
                "KoboldCpp answers json.dumps output"
            );
            assert_eq!(
                fake.get("usage"),
                real.get("usage"),
                "the constant placeholder"
            );
        } else {
            assert!(
                !fake_text.contains(": ") && fake_text.contains("日本語"),
                "FastAPI: compact UTF-8"
            );
        }
    }
}
