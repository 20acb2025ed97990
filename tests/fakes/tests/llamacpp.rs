//! The llama.cpp family against the bytes recorded from llama.cpp's own server
//! (`fixtures/recorded/llama-server-native/`), and its scenarios.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use switchboard_fakes::{
    FakeOptions, FakeServer, Family, Scenario, LLAMACPP_STREAM_ERROR, PARTIAL_TEXT,
};

const DIR: &str = "llama-server-native";

fn recorded_text(name: &str) -> String {
    String::from_utf8(recorded(&format!("{DIR}/{name}"))).unwrap()
}

/// The body of a recorded request.
fn recorded_request(name: &str) -> Value {
    let text = recorded_text(&format!("{name}.request.http"));
    let (_, body) = text.split_once("\r\n\r\n").unwrap();
    serde_json::from_str(body).unwrap()
}

/// The recorded status and content type of a case.
fn recorded_head(name: &str) -> (u16, String) {
    let head = recorded_text(&format!("{name}.response.head"));
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let content_type = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        .map(|(_, value)| value.trim().to_owned())
        .unwrap();
    (status, content_type)
}

/// A fake like the recorded server: its model and `-c 2048`.
async fn recorded_like(scenario: Scenario, api_key: Option<&str>) -> FakeServer {
    FakeServer::start(FakeOptions {
        family: Family::LlamaCpp,
        scenario,
        models: vec!["tiny-random-llama.gguf".into()],
        context_length: 2048,
        api_key: api_key.map(str::to_owned),
        ..Default::default()
    })
    .await
    .unwrap()
}

fn shape(json: &str) -> String {
    Ordered::parse(json).shape()
}

/// The data of each event of a native stream, checking its framing: `data: <json>` and a blank
/// line, nothing else.
fn native_events(body: &str) -> Vec<String> {
    assert!(!body.contains("[DONE]") && !body.contains('\r'));
    assert!(body.ends_with("}\n\n"));
    let (events, rest) = parse_sse(body);
    assert!(rest.is_empty());
    events
        .into_iter()
        .map(|e| {
            assert!(e.comments.is_empty() && e.fields.is_empty(), "{e:?}");
            e.data.unwrap()
        })
        .collect()
}

#[tokio::test]
async fn the_servers_own_routes_answer_the_recorded_bytes() {
    let server = recorded_like(Scenario::Normal, None).await;
    for (case, path) in [
        ("health", "/health"),
        ("props", "/props"),
        ("models", "/v1/models"),
    ] {
        let read = read(get(&server, path).await).await;
        let (status, content_type) = recorded_head(case);
        assert_eq!(read.status, status, "{case}");
        assert_eq!(read.header("content-type").unwrap(), content_type, "{case}");
        assert_eq!(read.header("server"), Some("llama.cpp"), "{case}");
        let expected = recorded_text(&format!("{case}.response.body"));
        if case == "models" {
            // Only `created` differs from run to run.
            assert_eq!(shape(&read.text()), shape(&expected));
            assert_eq!(read.json()["data"][0]["id"], "tiny-random-llama.gguf");
        } else {
            assert_eq!(read.text(), expected, "{case}");
        }
    }
    let tokenize = read(post(&server, "/tokenize", &recorded_request("tokenize")).await).await;
    let real: Value = serde_json::from_str(&recorded_text("tokenize.response.body")).unwrap();
    for answer in [tokenize.json(), real] {
        let object = answer.as_object().unwrap();
        assert_eq!(object.keys().collect::<Vec<_>>(), ["tokens"]);
        assert!(answer["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .all(Value::is_u64));
    }
}

#[tokio::test]
async fn completions_have_the_recorded_shape() {
    let server = recorded_like(Scenario::Normal, None).await;
    // Whole.
    let whole = read(post(&server, "/completion", &recorded_request("completion")).await).await;
    let (status, content_type) = recorded_head("completion");
    assert_eq!(
        (whole.status, whole.header("content-type").unwrap()),
        (status, content_type.as_str())
    );
    assert_eq!(
        shape(&whole.text()),
        shape(&recorded_text("completion.response.body"))
    );
    // Streamed: every token event and the last one shaped as recorded.
    let request = recorded_request("completion-stream");
    let streamed = read(post(&server, "/completion", &request).await).await;
    let (_, content_type) = recorded_head("completion-stream");
    assert_eq!(streamed.header("content-type").unwrap(), content_type);
    let fake = native_events(&streamed.text());
    let real = native_events(&recorded_text("completion-stream.response.body"));
    assert_eq!(
        fake.len(),
        9,
        "n_predict 8: eight tokens and the last event"
    );
    assert_eq!(shape(&fake[0]), shape(&real[0]));
    assert_eq!(shape(fake.last().unwrap()), shape(real.last().unwrap()));
    let last: Value = serde_json::from_str(fake.last().unwrap()).unwrap();
    assert_eq!(last["stop"], true);
    assert_eq!(last["stop_type"], "limit");
    assert_eq!(last["tokens_predicted"], 8);
    assert_eq!(last["truncated"], false);
    assert_eq!(last["prompt"], "Once upon a time");
    // A stop string ends the reply before it, as a `word` stop.
    let stop = json!({"prompt": "x", "stream": true, "stop": ["wörld"]});
    let stopped = read(post(&server, "/completion", &stop).await).await;
    let events = native_events(&stopped.text());
    let last: Value = serde_json::from_str(events.last().unwrap()).unwrap();
    assert_eq!(
        (last["stop_type"].as_str(), last["stopping_word"].as_str()),
        (Some("word"), Some("wörld"))
    );
    let text: String = events
        .iter()
        .map(|e| {
            serde_json::from_str::<Value>(e).unwrap()["content"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(text, "Hello from the fake server — héllo ");
}

#[tokio::test]
async fn an_over_long_prompt_is_cut_and_said_to_be() {
    let server = recorded_like(Scenario::Normal, None).await;
    let request = recorded_request("over-context");
    let read = read(post(&server, "/completion", &request).await).await;
    assert_eq!(
        shape(&read.text()),
        shape(&recorded_text("over-context.response.body"))
    );
    let answer = read.json();
    let real: Value = serde_json::from_str(&recorded_text("over-context.response.body")).unwrap();
    assert_eq!(answer["truncated"], real["truncated"]);
    let prompt_tokens = switchboard_fakes::fake_tokens(request["prompt"].as_str().unwrap());
    let kept = answer["tokens_evaluated"].as_u64().unwrap();
    assert!(kept < u64::from(prompt_tokens) && kept < 2048, "{kept}");
}

#[tokio::test]
async fn errors_are_in_the_servers_shape() {
    let server = recorded_like(Scenario::Normal, Some("sekret")).await;
    // Malformed JSON: 500 with the recorded error shape.
    let bad = client()
        .post(format!("{}/completion", server.base_url()))
        .bearer_auth("sekret")
        .header("content-type", "application/json")
        .body("{\"prompt\": nope")
        .send()
        .await
        .unwrap();
    let bad = read(bad).await;
    assert_eq!(bad.status, recorded_head("bad-json").0);
    assert_eq!(
        shape(&bad.text()),
        shape(&recorded_text("bad-json.response.body"))
    );
    // Without the key: 401 on `/props`, `/health` and the model list stay open.
    assert_eq!(read(get(&server, "/props").await).await.status, 401);
    let unauthorized = read(get(&server, "/props").await).await.json();
    assert_eq!(unauthorized["error"]["type"], "authentication_error");
    assert_eq!(read(get(&server, "/health").await).await.status, 200);
    assert_eq!(read(get(&server, "/v1/models").await).await.status, 200);
    // The key is checked before the route.
    assert_eq!(read(get(&server, "/nowhere").await).await.status, 401);
    let missing = client()
        .get(format!("{}/nowhere", server.base_url()))
        .bearer_auth("sekret")
        .send()
        .await
        .unwrap();
    let missing = read(missing).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error"]["message"], "File Not Found");
    // Loading: 503 "Loading model" on every route.
    server.set_scenario(Scenario::Overloaded);
    let loading = read(get(&server, "/health").await).await;
    assert_eq!(loading.status, 503);
    assert_eq!(loading.json()["error"]["message"], "Loading model");
}

#[tokio::test]
async fn broken_streams_break_as_the_server_breaks_them() {
    let server = recorded_like(Scenario::MidStreamError, None).await;
    let body = json!({"prompt": "x", "stream": true});
    let text = read(post(&server, "/completion", &body).await).await.text();
    assert!(text.ends_with(&format!(
        "error: {{\"code\":500,\"message\":\"{LLAMACPP_STREAM_ERROR}\",\"type\":\"server_error\"}}\n\n"
    )));
    assert!(!text.contains("\"stop\":true"));
    server.set_scenario(Scenario::EofNoDone);
    let text = read(post(&server, "/completion", &body).await).await.text();
    let events = native_events(&text);
    let joined: String = events
        .iter()
        .map(|e| {
            serde_json::from_str::<Value>(e).unwrap()["content"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(joined, PARTIAL_TEXT);
    assert!(!text.contains("\"stop\":true"));
    server.set_scenario(Scenario::DoneNoBlankLine);
    let text = read(post(&server, "/completion", &body).await).await.text();
    assert!(text.ends_with("}}") && text.contains("\"stop\":true"));
    server.set_scenario(Scenario::Truncated);
    let cut = read(post(&server, "/completion", &body).await).await;
    assert!(cut.error.is_some(), "the connection is aborted");
}

#[tokio::test]
async fn a_stream_closed_by_the_client_is_seen() {
    let server = recorded_like(Scenario::Slow, None).await;
    let body = json!({"prompt": "x", "stream": true});
    let response = post(&server, "/completion", &body).await;
    let mut stream = response.bytes_stream();
    futures::StreamExt::next(&mut stream)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(server.streams_closed_early(), 0);
    drop(stream);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while server.streams_closed_early() == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the fake never saw the close"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // A stream read to its end is not counted.
    server.set_scenario(Scenario::Normal);
    read(post(&server, "/completion", &body).await).await;
    assert_eq!(server.streams_closed_early(), 1);
}
