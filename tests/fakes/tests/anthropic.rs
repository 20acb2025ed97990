//! The Anthropic Messages API fake: every scenario streamed and not, the named-event framing,
//! auth and the version header, body validation, model paging, routing and recording.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use futures::StreamExt;
use serde_json::{json, Value};
use switchboard_fakes::{
    slow_reply_text, FakeOptions, FakeServer, Family, Scenario, PARTIAL_TEXT, REASONING_TEXT,
    REPLY_TEXT, SLOW_PIECES, THINKING_SIGNATURE,
};

const SSE: &str = "text/event-stream; charset=utf-8";
const VERSION: &str = "2023-06-01";
const MESSAGE_START: &str = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_fake_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-test\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}\n\n";
const TEXT_BLOCK_START: &str = "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n";
const PING: &str = "event: ping\ndata: {\"type\": \"ping\"}\n\n";
const OVERLOADED_EVENT: &str = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";

fn anthropic(scenario: Scenario) -> FakeOptions {
    FakeOptions {
        family: Family::Anthropic,
        scenario,
        ..Default::default()
    }
}

async fn start_anthropic(scenario: Scenario) -> FakeServer {
    FakeServer::start(anthropic(scenario)).await.unwrap()
}

/// A valid Messages request body.
fn body(stream: bool) -> Value {
    json!({
        "model": "claude-test",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "Hi"}],
        "stream": stream,
    })
}

/// `POST <path>` with the `anthropic-version` header.
fn post_to(server: &FakeServer, path: &str, body: &Value) -> reqwest::RequestBuilder {
    client()
        .post(format!("{}{path}", server.base_url()))
        .header("anthropic-version", VERSION)
        .json(body)
}

async fn send(server: &FakeServer, body: &Value) -> Read {
    read(post_to(server, "/v1/messages", body).send().await.unwrap()).await
}

async fn message(server: &FakeServer, stream: bool) -> Read {
    send(server, &body(stream)).await
}

async fn models_page(server: &FakeServer, query: &str) -> Read {
    read(get(server, &format!("/v1/models{query}")).await).await
}

/// The named events of a stream: `(event name, data JSON)`, checking that every event has
/// exactly an `event:` line and a `data:` line whose `type` repeats the name.
fn events(text: &str) -> Vec<(String, Value)> {
    let (events, _) = parse_sse(text);
    events
        .into_iter()
        .map(|e| {
            assert!(e.comments.is_empty(), "{e:?}");
            assert_eq!(e.fields.len(), 1, "{e:?}");
            let (field, name) = &e.fields[0];
            assert_eq!(field, "event");
            let data: Value = serde_json::from_str(e.data.as_deref().unwrap()).unwrap();
            assert_eq!(data["type"], name.as_str(), "the data repeats the name");
            (name.clone(), data)
        })
        .collect()
}

fn names(events: &[(String, Value)]) -> Vec<&str> {
    events.iter().map(|(name, _)| name.as_str()).collect()
}

/// The text of the `text_delta`s.
fn text_of(events: &[(String, Value)]) -> String {
    deltas(events, "text_delta", "text")
}

/// Concatenates the `<field>` of the `<kind>` deltas.
fn deltas(events: &[(String, Value)], kind: &str, field: &str) -> String {
    events
        .iter()
        .filter(|(_, data)| data["delta"]["type"] == kind)
        .map(|(_, data)| data["delta"][field].as_str().unwrap())
        .collect()
}

/// An error body in the API's key order: `type`, `error` {`type`, `message`}, `request_id`.
fn error_body(kind: &str, message: &str) -> String {
    format!(
        r#"{{"type":"error","error":{{"type":{},"message":{}}},"request_id":"req_fake_1"}}"#,
        json!(kind),
        json!(message)
    )
}

#[tokio::test]
async fn normal_stream_is_named_sse_events() {
    let server = start_anthropic(Scenario::Normal).await;
    let read = message(&server, true).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.header("content-type"), Some(SSE));
    assert_eq!(read.header("cache-control"), Some("no-cache"));
    assert_eq!(read.header("request-id"), Some("req_fake_1"));
    assert!(read.header("anthropic-organization-id").is_some());
    assert!(read.error.is_none());
    let text = read.text();
    assert!(!text.contains('\r'));
    assert!(
        text.starts_with(&format!("{MESSAGE_START}{TEXT_BLOCK_START}{PING}")),
        "{text}"
    );
    assert!(text.ends_with(
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n\
         event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":9}}\n\n\
         event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
    ));
    let events = events(&text);
    assert_eq!(
        names(&events),
        [
            "message_start",
            "content_block_start",
            "ping",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop",
        ]
    );
    assert_eq!(text_of(&events), REPLY_TEXT);
    assert!(events
        .iter()
        .filter(|(name, _)| name == "content_block_delta")
        .all(|(_, data)| data["index"] == 0));
    assert!(text.contains("日本語"), "UTF-8 is sent raw");
}

#[tokio::test]
async fn normal_non_stream_is_one_message_in_the_api_key_order() {
    let server = start_anthropic(Scenario::Normal).await;
    let read = message(&server, false).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.header("content-type"), Some("application/json"));
    assert_eq!(read.header("request-id"), Some("req_fake_1"));
    let text = read.text();
    assert_eq!(
        Ordered::parse(&text).shape(),
        "{id:str,type:str,role:str,model:str,content:[{type:str,text:str}],stop_reason:str,stop_sequence:null,\
         usage:{input_tokens:num,cache_creation_input_tokens:num,cache_read_input_tokens:num,output_tokens:num}}"
    );
    assert_eq!(
        read.json(),
        json!({
            "id": "msg_fake_1",
            "type": "message",
            "role": "assistant",
            "model": "claude-test",
            "content": [{"type": "text", "text": REPLY_TEXT}],
            "stop_reason": "end_turn",
            "stop_sequence": null,
            "usage": {"input_tokens": 12, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 9},
        })
    );
}

#[tokio::test]
async fn stop_sequences_end_with_stop_sequence() {
    let server = start_anthropic(Scenario::Normal).await;
    let mut with_stop = body(true);
    with_stop["stop_sequences"] = json!(["\nUser:", "###"]);
    let events = events(&send(&server, &with_stop).await.text());
    let (_, delta) = events.iter().find(|(n, _)| n == "message_delta").unwrap();
    assert_eq!(
        delta["delta"],
        json!({"stop_reason": "stop_sequence", "stop_sequence": "\nUser:"})
    );
    with_stop["stream"] = json!(false);
    let whole = send(&server, &with_stop).await.json();
    assert_eq!(whole["stop_reason"], "stop_sequence");
    assert_eq!(whole["stop_sequence"], "\nUser:");
    // An empty list (what SillyTavern sends without stop strings) changes nothing.
    let mut empty = body(false);
    empty["stop_sequences"] = json!([]);
    let whole = send(&server, &empty).await.json();
    assert_eq!(whole["stop_reason"], "end_turn");
    assert_eq!(whole["stop_sequence"], Value::Null);
}

#[tokio::test]
async fn slow_sends_many_deltas_over_time() {
    let server = FakeServer::start(FakeOptions {
        slow_delay: Duration::from_millis(2),
        ..anthropic(Scenario::Slow)
    })
    .await
    .unwrap();
    let started = Instant::now();
    let read = message(&server, true).await;
    assert!(started.elapsed() >= Duration::from_millis(2 * SLOW_PIECES as u64));
    let events = events(&read.text());
    let text_deltas = events
        .iter()
        .filter(|(_, d)| d["delta"]["type"] == "text_delta")
        .count();
    assert_eq!(text_deltas, SLOW_PIECES);
    assert_eq!(text_of(&events), slow_reply_text());
    assert!(read.chunks.len() >= SLOW_PIECES, "frames arrive separately");
    assert_eq!(names(&events).last(), Some(&"message_stop"));
    let whole = message(&server, false).await.json();
    assert_eq!(whole["content"][0]["text"], slow_reply_text());
}

#[tokio::test]
async fn split_is_the_normal_stream_in_crlf_cut_at_hostile_offsets() {
    let server = start_anthropic(Scenario::Normal).await;
    let normal = message(&server, true).await.text();
    server.set_scenario(Scenario::Split);
    let split = message(&server, true).await;
    assert_eq!(split.status, 200);
    assert_eq!(split.header("content-type"), Some(SSE));
    let crlf = normal.replace('\n', "\r\n");
    assert_eq!(split.bytes(), crlf.as_bytes());
    let parts = &split.chunks;
    assert!(parts.len() > 60, "only {} parts", parts.len());
    let joins: Vec<(u8, u8)> = parts
        .windows(2)
        .map(|w| (*w[0].last().unwrap(), w[1][0]))
        .collect();
    assert!(joins.contains(&(b'\r', b'\n')), "a CR/LF pair is split");
    let utf8_cuts = joins
        .iter()
        .filter(|&&(_, next)| next & 0xC0 == 0x80)
        .count();
    let continuation_bytes = REPLY_TEXT.bytes().filter(|b| b & 0xC0 == 0x80).count();
    assert!(utf8_cuts >= continuation_bytes, "every character is split");
    assert!(
        parts.iter().filter(|p| p.len() == 1).count() >= 40,
        "a run of 1-byte frames"
    );
    let (parsed, rest) = parse_sse(&crlf);
    assert_eq!(rest, "");
    assert_eq!(parsed.len(), 11);
    assert_eq!(
        text_of(&events(&crlf)),
        REPLY_TEXT,
        "CRLF streams parse the same"
    );
    server.set_scenario(Scenario::Split);
    assert_eq!(
        message(&server, false).await.json()["content"][0]["text"],
        REPLY_TEXT
    );
}

#[tokio::test]
async fn keep_alive_pings_between_deltas() {
    let server = start_anthropic(Scenario::KeepAlive).await;
    let text = message(&server, true).await.text();
    let events = events(&text);
    let names = names(&events);
    assert_eq!(names.iter().filter(|n| **n == "ping").count(), 5);
    let deltas_at: Vec<usize> = (0..names.len())
        .filter(|&i| names[i] == "content_block_delta")
        .collect();
    assert_eq!(deltas_at.len(), 5);
    for pair in deltas_at.windows(2) {
        assert_eq!(names[pair[0] + 1], "ping", "{names:?}");
    }
    assert_eq!(text.matches(PING).count(), 5);
    assert_eq!(text_of(&events), REPLY_TEXT);
    assert_eq!(names.last(), Some(&"message_stop"));
}

#[tokio::test]
async fn usage_reports_cache_counters_and_full_totals() {
    let server = start_anthropic(Scenario::Usage).await;
    let events = events(&message(&server, true).await.text());
    let usage =
        json!({"input_tokens": 12, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0});
    let (_, start) = &events[0];
    let mut start_usage = usage.clone();
    start_usage["output_tokens"] = json!(1);
    assert_eq!(start["message"]["usage"], start_usage);
    let (_, delta) = events.iter().find(|(n, _)| n == "message_delta").unwrap();
    let mut final_usage = usage;
    final_usage["output_tokens"] = json!(9);
    assert_eq!(delta["usage"], final_usage);
    assert_eq!(text_of(&events), REPLY_TEXT);

    let usage = message(&server, true).await.text();
    server.set_scenario(Scenario::UsageNullChoices);
    assert_eq!(
        message(&server, true).await.text(),
        usage,
        "the same for this family"
    );
    assert_eq!(message(&server, false).await.json()["usage"], final_usage);
}

#[tokio::test]
async fn reasoning_is_a_signed_thinking_block_before_the_text() {
    let server = start_anthropic(Scenario::Reasoning).await;
    let text = message(&server, true).await.text();
    let events = events(&text);
    assert_eq!(
        names(&events),
        [
            "message_start",
            "content_block_start",
            "ping",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop",
        ]
    );
    assert_eq!(
        events[1].1["content_block"],
        json!({"type": "thinking", "thinking": "", "signature": ""})
    );
    assert_eq!(
        deltas(&events, "thinking_delta", "thinking"),
        REASONING_TEXT
    );
    assert_eq!(
        deltas(&events, "signature_delta", "signature"),
        THINKING_SIGNATURE
    );
    assert_eq!(events[6].1["delta"]["type"], "signature_delta");
    assert!(events[3..=7].iter().all(|(_, d)| d["index"] == 0));
    assert_eq!(
        events[8].1["content_block"],
        json!({"type": "text", "text": ""})
    );
    assert!(events[8..=14].iter().all(|(_, d)| d["index"] == 1));
    assert_eq!(text_of(&events), REPLY_TEXT);

    let whole = message(&server, false).await.json();
    assert_eq!(
        whole["content"],
        json!([
            {"type": "thinking", "thinking": REASONING_TEXT, "signature": THINKING_SIGNATURE},
            {"type": "text", "text": REPLY_TEXT},
        ])
    );
    assert_eq!(whole["stop_reason"], "end_turn");

    server.set_scenario(Scenario::ReasoningOpenRouter);
    assert_eq!(message(&server, true).await.text(), text, "the same here");
}

#[tokio::test]
async fn mid_stream_error_is_an_error_event_without_message_stop() {
    for scenario in [Scenario::MidStreamError, Scenario::MidStreamErrorOpenRouter] {
        let server = start_anthropic(scenario).await;
        let read = message(&server, true).await;
        assert_eq!(read.status, 200);
        assert!(read.error.is_none(), "the body ends cleanly");
        let text = read.text();
        assert!(
            text.ends_with(&format!("}}\n\n{OVERLOADED_EVENT}")),
            "{text}"
        );
        let events = events(&text);
        assert_eq!(
            names(&events),
            [
                "message_start",
                "content_block_start",
                "ping",
                "content_block_delta",
                "content_block_delta",
                "error"
            ]
        );
        assert_eq!(text_of(&events), PARTIAL_TEXT);

        let whole = message(&server, false).await;
        assert_eq!(whole.status, 529);
        assert_eq!(whole.header("content-type"), Some("application/json"));
        assert_eq!(
            whole.text(),
            error_body("overloaded_error", "Overloaded"),
            "{scenario}"
        );
    }
}

#[tokio::test]
async fn truncated_aborts_mid_event() {
    let server = start_anthropic(Scenario::Truncated).await;
    let read = message(&server, true).await;
    assert_eq!(read.status, 200);
    assert!(read.error.is_some(), "the body must end in an error");
    let (parsed, rest) = parse_sse(&read.text());
    assert_eq!(
        rest,
        "event: content_block_delta\ndata: {\"type\":\"content_block_delt"
    );
    assert_eq!(parsed.len(), 5);
    assert_eq!(text_of(&events(&read.text())), PARTIAL_TEXT);

    let whole = message(&server, false).await;
    assert_eq!(whole.status, 200);
    assert!(whole.error.is_some());
    assert!(whole.text().starts_with("{\"id\":\"msg_fake_1\""));
    assert!(serde_json::from_slice::<Value>(&whole.bytes()).is_err());
}

#[tokio::test]
async fn eof_no_done_ends_cleanly_after_partial_text() {
    let server = start_anthropic(Scenario::EofNoDone).await;
    let read = message(&server, true).await;
    assert!(read.error.is_none());
    let text = read.text();
    assert!(text.ends_with("}}\n\n"));
    let events = events(&text);
    assert_eq!(names(&events).last(), Some(&"content_block_delta"));
    assert!(!names(&events).contains(&"message_delta"));
    assert_eq!(text_of(&events), PARTIAL_TEXT);

    let whole = message(&server, false).await.json();
    assert_eq!(whole["content"][0]["text"], PARTIAL_TEXT);
    assert_eq!(whole["stop_reason"], Value::Null);
}

#[tokio::test]
async fn done_no_blank_line_runs_out_of_tokens_and_leaves_message_stop_unterminated() {
    let server = start_anthropic(Scenario::DoneNoBlankLine).await;
    let read = message(&server, true).await;
    assert!(read.error.is_none());
    assert_eq!(read.header("content-type"), Some(SSE));
    let text = read.text();
    assert!(
        text.ends_with("}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}"),
        "{text:?}"
    );
    let (_, rest) = parse_sse(&text);
    assert_eq!(
        rest,
        "event: message_stop\ndata: {\"type\":\"message_stop\"}"
    );
    let events = events(&text);
    assert_eq!(names(&events).last(), Some(&"message_delta"));
    assert_eq!(
        events.last().unwrap().1["delta"]["stop_reason"],
        "max_tokens"
    );
    assert_eq!(text_of(&events), REPLY_TEXT);

    let whole = message(&server, false).await.json();
    assert_eq!(whole["stop_reason"], "max_tokens");
    assert_eq!(whole["content"][0]["text"], REPLY_TEXT);
}

#[tokio::test]
async fn stall_keeps_the_connection_open_until_the_server_stops() {
    let server = start_anthropic(Scenario::Stall).await;
    let response = post_to(&server, "/v1/messages", &body(true))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut stream = response.bytes_stream();
    let mut received = Vec::new();
    while !String::from_utf8_lossy(&received).contains("日本") {
        received.extend(stream.next().await.unwrap().unwrap());
    }
    let next = tokio::time::timeout(Duration::from_millis(300), stream.next()).await;
    assert!(next.is_err(), "nothing more arrives");
    server.shutdown().await;
    let end = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .unwrap();
    assert!(matches!(end, Some(Err(_))), "{end:?}");
}

#[tokio::test]
async fn stall_before_headers_never_answers() {
    let server = start_anthropic(Scenario::StallBeforeHeaders).await;
    let pending = tokio::spawn(post_to(&server, "/v1/messages", &body(false)).send());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while server.requests().is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "never recorded");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(server.requests().len(), 1, "recorded on arrival");
    // Not synchronisation: the window in which no answer may come.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!pending.is_finished(), "no headers yet");
    drop(server);
    let result = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .unwrap()
        .unwrap();
    assert!(result.is_err(), "the dropped server closes the connection");
}

#[tokio::test]
async fn unauthorized_answers_401_on_every_route() {
    let server = start_anthropic(Scenario::Unauthorized).await;
    let models = read(
        client()
            .get(format!("{}/v1/models", server.base_url()))
            .header("x-api-key", "anything")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let messages = read(
        post_to(&server, "/v1/messages", &body(true))
            .header("x-api-key", "anything")
            .send()
            .await
            .unwrap(),
    )
    .await;
    for read in [models, messages] {
        assert_eq!(read.status, 401);
        assert_eq!(
            read.text(),
            error_body("authentication_error", "invalid x-api-key")
        );
        assert_eq!(read.header("request-id"), Some("req_fake_1"));
    }
}

#[tokio::test]
async fn model_not_found_names_the_model() {
    let server = start_anthropic(Scenario::ModelNotFound).await;
    for stream in [true, false] {
        let read = message(&server, stream).await;
        assert_eq!(read.status, 404);
        assert_eq!(read.header("content-type"), Some("application/json"));
        assert_eq!(
            read.text(),
            error_body("not_found_error", "model: claude-test")
        );
    }
    assert_eq!(models_page(&server, "").await.status, 200);
}

#[tokio::test]
async fn rate_limited_with_and_without_hints() {
    let server = start_anthropic(Scenario::RateLimited).await;
    let read = message(&server, true).await;
    assert_eq!(read.status, 429);
    assert_eq!(read.header("retry-after"), Some("7"));
    assert_eq!(
        read.header("anthropic-ratelimit-requests-remaining"),
        Some("0")
    );
    assert_eq!(
        read.header("anthropic-ratelimit-requests-reset"),
        Some("2026-11-24T10:00:07Z")
    );
    for name in ["tokens", "input-tokens", "output-tokens"] {
        for part in ["limit", "remaining", "reset"] {
            let header = format!("anthropic-ratelimit-{name}-{part}");
            assert!(read.header(&header).is_some(), "{header}");
        }
    }
    let body = read.json();
    assert_eq!(body["error"]["type"], "rate_limit_error");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("This request would exceed the rate limit"));
    assert_eq!(models_page(&server, "").await.status, 200);

    server.set_scenario(Scenario::RateLimitedNoRetryAfter);
    let read = message(&server, false).await;
    assert_eq!(read.status, 429);
    assert_eq!(read.json()["error"]["type"], "rate_limit_error");
    assert_eq!(read.header("retry-after"), None);
    assert!(read
        .headers
        .keys()
        .all(|name| !name.as_str().starts_with("anthropic-ratelimit-")));
}

#[tokio::test]
async fn overloaded_is_529() {
    let server = start_anthropic(Scenario::Overloaded).await;
    for stream in [true, false] {
        let read = message(&server, stream).await;
        assert_eq!(read.status, 529);
        assert_eq!(read.header("content-type"), Some("application/json"));
        assert_eq!(read.text(), error_body("overloaded_error", "Overloaded"));
    }
    assert_eq!(models_page(&server, "").await.status, 200);
}

#[tokio::test]
async fn server_error_html_is_nginx_500_on_every_route() {
    let server = start_anthropic(Scenario::ServerErrorHtml).await;
    for read in [message(&server, true).await, models_page(&server, "").await] {
        assert_eq!(read.status, 500);
        assert_eq!(read.header("content-type"), Some("text/html"));
        assert!(read.text().contains("<center>nginx</center>"));
        assert_eq!(read.header("request-id"), None, "it comes from a proxy");
    }
}

#[tokio::test]
async fn no_models_route_and_empty_models() {
    let server = start_anthropic(Scenario::NoModelsRoute).await;
    let read = models_page(&server, "").await;
    assert_eq!(read.status, 404);
    assert_eq!(read.text(), error_body("not_found_error", "Not Found"));
    assert_eq!(
        text_of(&events(&message(&server, true).await.text())),
        REPLY_TEXT
    );

    server.set_scenario(Scenario::EmptyModels);
    let read = models_page(&server, "").await;
    assert_eq!(read.status, 200);
    assert_eq!(
        read.text(),
        r#"{"data":[],"has_more":false,"first_id":null,"last_id":null}"#
    );
    assert_eq!(
        message(&server, false).await.json()["content"][0]["text"],
        REPLY_TEXT
    );
}

/// One request per scenario, streamed and not: the status and content type each should give.
#[tokio::test]
async fn every_scenario_answers() {
    let server = start_anthropic(Scenario::Normal).await;
    for &scenario in Scenario::ALL {
        server.set_scenario(scenario);
        for stream in [true, false] {
            let request = post_to(&server, "/v1/messages", &body(stream)).send();
            let expected = match scenario {
                Scenario::StallBeforeHeaders => {
                    let waited = tokio::time::timeout(Duration::from_millis(100), request).await;
                    assert!(waited.is_err(), "{scenario}");
                    continue;
                }
                Scenario::Unauthorized => (401, "application/json"),
                Scenario::ModelNotFound => (404, "application/json"),
                Scenario::RateLimited | Scenario::RateLimitedNoRetryAfter => {
                    (429, "application/json")
                }
                Scenario::Overloaded => (529, "application/json"),
                Scenario::ServerErrorHtml => (500, "text/html"),
                Scenario::EchoUnauthorized => (401, "application/json"),
                Scenario::EchoPage => (200, "text/html; charset=utf-8"),
                Scenario::EchoMidStream if !stream => (500, "application/json"),
                Scenario::MidStreamError | Scenario::MidStreamErrorOpenRouter if !stream => {
                    (529, "application/json")
                }
                _ if stream => (200, SSE),
                _ => (200, "application/json"),
            };
            let response = request.await.unwrap();
            let content_type = response.headers()["content-type"]
                .to_str()
                .unwrap()
                .to_owned();
            assert_eq!(
                (response.status().as_u16(), content_type.as_str()),
                expected,
                "{scenario} stream={stream}"
            );
        }
    }
    assert_eq!(server.requests().len(), Scenario::ALL.len() * 2);
}

#[tokio::test]
async fn api_key_is_required_in_either_header() {
    let server = FakeServer::start(FakeOptions {
        api_key: Some("sk-ant-test".into()),
        ..anthropic(Scenario::Normal)
    })
    .await
    .unwrap();
    let status = |request: reqwest::RequestBuilder| async move {
        request.send().await.unwrap().status().as_u16()
    };
    let messages = || post_to(&server, "/v1/messages", &body(false));
    assert_eq!(
        status(messages().header("x-api-key", "sk-ant-test")).await,
        200
    );
    assert_eq!(status(messages().bearer_auth("sk-ant-test")).await, 200);
    assert_eq!(status(messages()).await, 401);
    assert_eq!(status(messages().header("x-api-key", "wrong")).await, 401);
    assert_eq!(status(messages().bearer_auth("wrong")).await, 401);
    let models = || client().get(format!("{}/v1/models", server.base_url()));
    assert_eq!(
        status(models().header("x-api-key", "sk-ant-test")).await,
        200
    );
    assert_eq!(status(models()).await, 401);

    let denied = read(messages().send().await.unwrap()).await;
    assert_eq!(
        denied.text(),
        r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"},"request_id":"req_fake_1"}"#
    );
    assert_eq!(server.requests().len(), 8, "refused requests are recorded");
}

#[tokio::test]
async fn messages_require_the_version_header() {
    let server = start_anthropic(Scenario::Normal).await;
    let read = read(
        client()
            .post(format!("{}/v1/messages", server.base_url()))
            .json(&body(true))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(read.status, 400);
    assert_eq!(
        read.text(),
        error_body(
            "invalid_request_error",
            "anthropic-version: header is required"
        )
    );
    assert_eq!(
        models_page(&server, "").await.status,
        200,
        "not on the models list"
    );
}

#[tokio::test]
async fn bodies_are_validated_like_the_api() {
    let server = start_anthropic(Scenario::Normal).await;
    let user = |text: &str| json!({"role": "user", "content": text});
    let assistant = |text: &str| json!({"role": "assistant", "content": text});
    let with = |key: &str, value: Value| {
        let mut body = body(true);
        body[key] = value;
        body
    };
    let without = |key: &str| {
        let mut body = body(true);
        body.as_object_mut().unwrap().remove(key);
        body
    };
    let cases = [
        (without("max_tokens"), "max_tokens: Field required".to_owned()),
        (
            with("max_tokens", json!("64")),
            "max_tokens: Input should be a valid integer".to_owned(),
        ),
        (
            with("max_tokens", json!(0)),
            "max_tokens: Input should be greater than or equal to 1".to_owned(),
        ),
        (without("model"), "model: Field required".to_owned()),
        (without("messages"), "messages: Field required".to_owned()),
        (
            with("messages", json!([])),
            "messages: at least one message is required".to_owned(),
        ),
        (
            with("messages", json!([assistant("Hello"), user("Hi")])),
            "messages: first message must use the \"user\" role".to_owned(),
        ),
        (
            with("messages", json!([user("a"), user("b")])),
            "messages: roles must alternate between \"user\" and \"assistant\", but found multiple \"user\" roles in a row".to_owned(),
        ),
        (
            with(
                "messages",
                json!([user("a"), assistant("b"), assistant("c")]),
            ),
            "messages: roles must alternate between \"user\" and \"assistant\", but found multiple \"assistant\" roles in a row".to_owned(),
        ),
        (
            with(
                "messages",
                json!([{"role": "system", "content": "Be brief."}, user("Hi")]),
            ),
            "messages: Unexpected role \"system\". The Messages API accepts a top-level `system` parameter, not \"system\" as an input message role.".to_owned(),
        ),
        (
            with("messages", json!([{"role": "tool", "content": "x"}])),
            "messages.0.role: Input should be 'user' or 'assistant'".to_owned(),
        ),
        (
            with("messages", json!([user(""), assistant("b")])),
            "messages.0: all messages must have non-empty content except for the optional final assistant message".to_owned(),
        ),
        (
            with("messages", json!([user("Hi"), assistant("Sure, ")])),
            "messages: final assistant content cannot end with trailing whitespace".to_owned(),
        ),
    ];
    for (request, message) in cases {
        let read = send(&server, &request).await;
        assert_eq!(read.status, 400, "{request}");
        assert_eq!(
            read.text(),
            error_body("invalid_request_error", &message),
            "{request}"
        );
    }
    let broken = read(
        client()
            .post(format!("{}/v1/messages", server.base_url()))
            .header("anthropic-version", VERSION)
            .body(r#"{"model": "x", "messages": ["#)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(broken.status, 400);
    assert!(broken.json()["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("The request body is not valid JSON: "));

    // A top-level system prompt, block contents and an empty final prefill are all fine.
    let valid = with(
        "messages",
        json!([
            {"role": "user", "content": [{"type": "text", "text": "Hi"}]},
            {"role": "assistant", "content": "Hello"},
            {"role": "user", "content": "Go on"},
            {"role": "assistant", "content": ""},
        ]),
    );
    let mut valid = valid;
    valid["system"] = json!([{"type": "text", "text": "Be brief."}]);
    assert_eq!(send(&server, &valid).await.status, 200);
}

#[tokio::test]
async fn a_prefill_is_continued_with_the_reply() {
    let server = start_anthropic(Scenario::Normal).await;
    let mut prefill = body(true);
    prefill["messages"] = json!([
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": [{"type": "text", "text": "Bob:"}]},
    ]);
    let read = send(&server, &prefill).await;
    assert_eq!(read.status, 200);
    assert_eq!(text_of(&events(&read.text())), REPLY_TEXT);
    prefill["stream"] = json!(false);
    assert_eq!(
        send(&server, &prefill).await.json()["content"][0]["text"],
        REPLY_TEXT
    );
}

#[tokio::test]
async fn models_are_listed_in_pages() {
    let server = start_anthropic(Scenario::Normal).await;
    let all = models_page(&server, "").await;
    assert_eq!(all.status, 200);
    assert_eq!(all.header("content-type"), Some("application/json"));
    assert_eq!(all.header("request-id"), Some("req_fake_1"));
    assert_eq!(
        all.text(),
        r#"{"data":[{"type":"model","id":"fake-model-1","display_name":"Fake Model 1","created_at":"2023-11-14T22:13:20Z"},{"type":"model","id":"fake-model-2","display_name":"Fake Model 2","created_at":"2023-11-14T22:13:20Z"}],"has_more":false,"first_id":"fake-model-1","last_id":"fake-model-2"}"#
    );

    // A client that follows `has_more` needs two pages with `limit=1`.
    let mut ids = Vec::new();
    let mut query = "?limit=1".to_owned();
    let mut pages = 0;
    loop {
        let page = models_page(&server, &query).await.json();
        pages += 1;
        let data = page["data"].as_array().unwrap();
        assert_eq!(data.len(), 1);
        assert_eq!(page["first_id"], data[0]["id"]);
        assert_eq!(page["last_id"], data[0]["id"]);
        ids.push(data[0]["id"].as_str().unwrap().to_owned());
        if page["has_more"] == false {
            break;
        }
        query = format!("?limit=1&after_id={}", page["last_id"].as_str().unwrap());
    }
    assert_eq!(pages, 2);
    assert_eq!(ids, ["fake-model-1", "fake-model-2"]);

    let before = models_page(&server, "?before_id=fake-model-2&limit=1")
        .await
        .json();
    assert_eq!(before["data"][0]["id"], "fake-model-1");
    assert_eq!(before["has_more"], false);
    let past_the_end = models_page(&server, "?after_id=fake-model-2").await.json();
    assert_eq!(past_the_end["data"], json!([]));
    assert_eq!(past_the_end["first_id"], Value::Null);
    for (query, message) in [
        (
            "?limit=0",
            "limit: Input should be greater than or equal to 1",
        ),
        (
            "?limit=1001",
            "limit: Input should be less than or equal to 1000",
        ),
        (
            "?limit=x",
            "limit: Input should be a valid integer, unable to parse string as an integer",
        ),
    ] {
        let read = models_page(&server, query).await;
        assert_eq!(read.status, 400, "{query}");
        assert_eq!(read.text(), error_body("invalid_request_error", message));
    }

    let custom = FakeServer::start(FakeOptions {
        models: vec!["claude-x:latest".into(), "claude-y".into()],
        ..anthropic(Scenario::Normal)
    })
    .await
    .unwrap();
    let page = models_page(&custom, "?after_id=claude-x%3Alatest")
        .await
        .json();
    assert_eq!(page["data"][0]["id"], "claude-y");
    assert_eq!(page["data"][0]["display_name"], "Claude Y");
}

#[tokio::test]
async fn records_the_request_as_sent() {
    let server = start_anthropic(Scenario::Normal).await;
    let sent = r#"{"model":"claude-test","max_tokens":8,"system":"Be brief.","messages":[{"role":"user","content":"héllo"}],"stream":true}"#;
    let response = client()
        .post(format!("{}/proxy/v1/messages?beta=true", server.base_url()))
        .header("x-api-key", "sk-ant-1")
        .header("anthropic-version", VERSION)
        .header("anthropic-beta", "output-128k-2025-02-19")
        .header("content-type", "application/json")
        .body(sent)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    read(response).await;
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/proxy/v1/messages");
    assert_eq!(request.query.as_deref(), Some("beta=true"));
    assert_eq!(request.header("x-api-key"), Some("sk-ant-1"));
    assert_eq!(request.header("anthropic-version"), Some(VERSION));
    assert_eq!(
        request.header("anthropic-beta"),
        Some("output-128k-2025-02-19")
    );
    assert_eq!(request.body, sent.as_bytes());
    assert_eq!(request.json().unwrap()["system"], "Be brief.");
}

#[tokio::test]
async fn routes_match_on_the_end_of_the_path() {
    let server = start_anthropic(Scenario::Normal).await;
    for path in [
        "/v1/messages",
        "/messages",
        "/anthropic/v1/messages",
        "/v1/messages/",
    ] {
        let read = read(post_to(&server, path, &body(false)).send().await.unwrap()).await;
        assert_eq!(read.status, 200, "{path}");
        assert_eq!(read.json()["content"][0]["text"], REPLY_TEXT, "{path}");
    }
    for path in ["/models", "/anthropic/v1/models/"] {
        assert_eq!(read(get(&server, path).await).await.status, 200, "{path}");
    }
    let unknown = read(get(&server, "/v1/chat/completions").await).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.text(), error_body("not_found_error", "Not Found"));
    let wrong_method = read(get(&server, "/v1/messages").await).await;
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.header("allow"), Some("POST"));
    assert_eq!(
        wrong_method.text(),
        error_body("invalid_request_error", "Method Not Allowed")
    );

    let mounted = FakeServer::start(FakeOptions {
        mount: Some("/v1".into()),
        ..anthropic(Scenario::Normal)
    })
    .await
    .unwrap();
    assert_eq!(get(&mounted, "/v1/models").await.status(), 200);
    let outside = read(get(&mounted, "/models").await).await;
    assert_eq!(outside.status, 404);
    assert_eq!(outside.json()["error"]["type"], "not_found_error");
}

#[tokio::test]
async fn the_reply_text_can_be_replaced() {
    let server = FakeServer::start(FakeOptions {
        reply: Some("custom *reply*".into()),
        ..anthropic(Scenario::Normal)
    })
    .await
    .unwrap();
    assert_eq!(
        message(&server, false).await.json()["content"][0]["text"],
        "custom *reply*"
    );
    let set = json!({"scenario": "reasoning", "reply": "second"});
    assert_eq!(post(&server, "/__fake/scenario", &set).await.status(), 204);
    let events = events(&message(&server, true).await.text());
    assert_eq!(text_of(&events), "second");
    assert_eq!(
        deltas(&events, "thinking_delta", "thinking"),
        REASONING_TEXT
    );
    let set = json!({"scenario": "overloaded"});
    assert_eq!(post(&server, "/__fake/scenario", &set).await.status(), 204);
    assert_eq!(message(&server, false).await.status, 529);
}

#[tokio::test]
async fn binary_serves_the_anthropic_family() {
    let binary = Binary::start(&[
        "--family",
        "anthropic",
        "--api-key",
        "k",
        "--model",
        "claude-a,claude-b",
    ]);
    let base = binary.base.clone();

    let denied = client()
        .get(format!("{base}/v1/models"))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 401);
    let listed: Value = client()
        .get(format!("{base}/v1/models?limit=1"))
        .header("x-api-key", "k")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"][0]["id"], "claude-a");
    assert_eq!(listed["has_more"], true);
    let response = client()
        .post(format!("{base}/v1/messages"))
        .header("x-api-key", "k")
        .header("anthropic-version", VERSION)
        .json(&body(true))
        .send()
        .await
        .unwrap();
    let text = read(response).await.text();
    assert!(text.starts_with(MESSAGE_START), "{text}");
    assert_eq!(text_of(&events(&text)), REPLY_TEXT);
}
