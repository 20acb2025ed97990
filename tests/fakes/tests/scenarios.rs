//! Every scenario of the OpenAI-compatible fake, streamed and not, as a client sees it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use futures::StreamExt;
use serde_json::{json, Value};
use switchboard_fakes::{
    slow_reply_text, Dialect, FakeOptions, FakeServer, Scenario, MIDSTREAM_ERROR_MESSAGE,
    PARTIAL_TEXT, REASONING_TEXT, REPLY_TEXT, SLOW_PIECES,
};

const SSE: &str = "text/event-stream; charset=utf-8";

fn finish_reasons(chunks: &[Value]) -> Vec<Value> {
    chunks
        .iter()
        .filter_map(|c| c.pointer("/choices/0/finish_reason").cloned())
        .collect()
}

#[tokio::test]
async fn normal_stream_is_openai_sse() {
    let server = start(Scenario::Normal).await;
    let read = chat(&server, true).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.header("content-type"), Some(SSE));
    assert_eq!(read.header("cache-control"), Some("no-cache"));
    assert_eq!(read.header("transfer-encoding"), Some("chunked"));
    assert!(read.error.is_none());
    let text = read.text();
    assert!(text.ends_with("}\n\ndata: [DONE]\n\n"));
    assert!(!text.contains('\r') && !text.contains("usage"));
    let chunks = chunks(&text);
    assert_eq!(
        chunks[0]["choices"][0]["delta"],
        json!({"role": "assistant", "content": ""})
    );
    assert_eq!(chunks.len(), 7, "role, five content deltas, finish");
    assert_eq!(collect(&chunks, "content"), REPLY_TEXT);
    let last = chunks.last().unwrap();
    assert_eq!(last["choices"][0]["delta"], json!({}));
    assert_eq!(last["choices"][0]["finish_reason"], "stop");
    for chunk in &chunks {
        assert_eq!(chunk["id"], "chatcmpl-fake-1");
        assert_eq!(chunk["object"], "chat.completion.chunk");
        assert_eq!(chunk["model"], "test-model");
    }
    assert!(text.contains("日本語"), "UTF-8 is sent raw");
}

#[tokio::test]
async fn normal_non_stream_is_one_completion() {
    let server = start(Scenario::Normal).await;
    let read = chat(&server, false).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.header("content-type"), Some("application/json"));
    let body = read.json();
    assert_eq!(body["object"], "chat.completion");
    assert_eq!(body["choices"][0]["message"]["role"], "assistant");
    assert_eq!(body["choices"][0]["message"]["content"], REPLY_TEXT);
    assert_eq!(body["choices"][0]["finish_reason"], "stop");
    assert_eq!(body["usage"]["total_tokens"], 21);
    assert!(body["choices"][0]["message"]
        .get("reasoning_content")
        .is_none());
}

#[tokio::test]
async fn model_defaults_to_the_first_listed() {
    let server = start(Scenario::Normal).await;
    let read = read(post(&server, "/v1/chat/completions", &json!({"stream": true})).await).await;
    assert!(chunks(&read.text())
        .iter()
        .all(|c| c["model"] == "fake-model-1"));
}

#[tokio::test]
async fn include_usage_adds_a_usage_chunk_except_for_llamacpp() {
    let mut body = chat_body(true);
    body["stream_options"] = json!({"include_usage": true});
    let server = start(Scenario::Normal).await;
    let read = read(post(&server, "/v1/chat/completions", &body).await).await;
    let text = read.text();
    let chunks = chunks(&text);
    let usage = chunks.last().unwrap();
    assert_eq!(usage["choices"], json!([]));
    assert_eq!(
        usage["usage"],
        json!({"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21})
    );
    assert!(chunks[..chunks.len() - 1]
        .iter()
        .all(|c| c["usage"].is_null()));
    assert!(text.ends_with("data: [DONE]\n\n"));

    let llama = start_dialect(Dialect::LlamaCpp, Scenario::Normal).await;
    let read = common::read(post(&llama, "/v1/chat/completions", &body).await).await;
    assert!(!read.text().contains("usage"));
}

#[tokio::test]
async fn slow_sends_many_pieces_over_time() {
    let opts = FakeOptions {
        scenario: Scenario::Slow,
        slow_delay: Duration::from_millis(2),
        ..Default::default()
    };
    let server = FakeServer::start(opts).await.unwrap();
    let started = Instant::now();
    let read = chat(&server, true).await;
    assert!(started.elapsed() >= Duration::from_millis(2 * SLOW_PIECES as u64));
    let chunks = chunks(&read.text());
    assert_eq!(chunks.len(), SLOW_PIECES + 2);
    assert_eq!(collect(&chunks, "content"), slow_reply_text());
    assert!(read.chunks.len() >= SLOW_PIECES, "frames arrive separately");
}

#[tokio::test]
async fn split_is_the_normal_stream_in_crlf_cut_at_hostile_offsets() {
    let server = start(Scenario::Normal).await;
    let normal = chat(&server, true).await.bytes();
    server.set_scenario(Scenario::Split);
    let split = chat(&server, true).await;
    assert_eq!(split.status, 200);
    assert_eq!(split.header("content-type"), Some(SSE));
    let crlf = String::from_utf8(normal).unwrap().replace('\n', "\r\n");
    assert_eq!(split.bytes(), crlf.as_bytes());
    // hyper hands each HTTP chunk over separately, so the fake's cuts are visible here.
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
    assert!(
        utf8_cuts >= continuation_bytes,
        "every multi-byte character is split"
    );
    assert!(
        parts.iter().any(|p| p == b"d" || p.ends_with(b"da")),
        "a field name is split"
    );
    assert!(
        parts.iter().filter(|p| p.len() == 1).count() >= 40,
        "a run of 1-byte frames"
    );
    let (events, rest) = parse_sse(&crlf);
    assert_eq!(rest, "");
    assert_eq!(events.last().unwrap().data.as_deref(), Some("[DONE]"));
}

#[tokio::test]
async fn keep_alive_has_comments_and_fields() {
    let server = start(Scenario::KeepAlive).await;
    let text = chat(&server, true).await.text();
    assert!(text.starts_with(": OPENROUTER PROCESSING\n\ndata: "));
    assert_eq!(
        text.matches("}\n\n: ping - 2026-11-24 10:00:00.000000+00:00\n\n")
            .count(),
        2
    );
    assert!(text.contains("\n\n: keep-alive\ndata: {"));
    assert!(text.contains("\n\nevent: message\nid: 5\ndata: {"));
    let (events, _) = parse_sse(&text);
    let comment_only = events.iter().filter(|e| e.data.is_none()).count();
    assert_eq!(comment_only, 3);
    assert_eq!(collect(&chunks(&text), "content"), REPLY_TEXT);
    assert!(text.ends_with("data: [DONE]\n\n"));
}

#[tokio::test]
async fn usage_chunk_follows_the_finish_chunk() {
    let server = start(Scenario::Usage).await;
    let text = chat(&server, true).await.text();
    let chunks = chunks(&text);
    let n = chunks.len();
    assert_eq!(chunks[n - 2]["choices"][0]["finish_reason"], "stop");
    assert_eq!(chunks[n - 1]["choices"], json!([]));
    assert_eq!(chunks[n - 1]["usage"]["prompt_tokens"], 12);
    assert_eq!(chunks[n - 1]["usage"]["completion_tokens"], 9);
    assert_eq!(chunks[n - 1]["usage"]["total_tokens"], 21);
    assert!(chunks[..n - 1].iter().all(|c| c.get("usage").is_none()));
    assert!(text.ends_with("data: [DONE]\n\n"));
}

#[tokio::test]
async fn usage_null_choices_has_null_and_missing_choices() {
    let server = start(Scenario::UsageNullChoices).await;
    let text = chat(&server, true).await.text();
    let chunks = chunks(&text);
    assert_eq!(
        chunks.iter().filter(|c| c.get("choices").is_none()).count(),
        1
    );
    let usage = chunks.last().unwrap();
    assert_eq!(usage["choices"], Value::Null);
    assert!(usage.get("choices").is_some());
    assert_eq!(usage["usage"]["total_tokens"], 21);
    assert_eq!(collect(&chunks, "content"), REPLY_TEXT);
    assert!(text.ends_with("data: [DONE]\n\n"));
}

#[tokio::test]
async fn reasoning_comes_in_reasoning_content() {
    let server = start(Scenario::Reasoning).await;
    let chunks = chunks(&chat(&server, true).await.text());
    assert_eq!(collect(&chunks, "reasoning_content"), REASONING_TEXT);
    assert_eq!(collect(&chunks, "content"), REPLY_TEXT);
    let reasoning: Vec<&Value> = chunks
        .iter()
        .filter(|c| c.pointer("/choices/0/delta/reasoning_content").is_some())
        .collect();
    assert_eq!(reasoning.len(), 3);
    assert!(reasoning
        .iter()
        .all(|c| c["choices"][0]["delta"]["content"].is_null()));
    let first_content = chunks.iter().position(|c| {
        c.pointer("/choices/0/delta/content")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    });
    let last_reasoning = chunks
        .iter()
        .rposition(|c| c.pointer("/choices/0/delta/reasoning_content").is_some());
    assert!(last_reasoning < first_content);

    let body = chat(&server, false).await.json();
    assert_eq!(
        body["choices"][0]["message"]["reasoning_content"],
        REASONING_TEXT
    );
    assert_eq!(body["choices"][0]["message"]["content"], REPLY_TEXT);
}

#[tokio::test]
async fn reasoning_openrouter_comes_in_reasoning() {
    let server = start(Scenario::ReasoningOpenRouter).await;
    let chunks = chunks(&chat(&server, true).await.text());
    assert_eq!(collect(&chunks, "reasoning"), REASONING_TEXT);
    assert_eq!(collect(&chunks, "content"), REPLY_TEXT);
    assert!(chunks
        .iter()
        .all(|c| c.pointer("/choices/0/delta/reasoning_content").is_none()));
    let with_reasoning = chunks
        .iter()
        .filter(|c| c.pointer("/choices/0/delta/reasoning").is_some());
    assert!(with_reasoning.clone().count() == 3);
    assert!(with_reasoning
        .into_iter()
        .all(|c| c["choices"][0]["delta"]["reasoning_details"] == json!([])));

    let body = chat(&server, false).await.json();
    assert_eq!(body["choices"][0]["message"]["reasoning"], REASONING_TEXT);
    assert_eq!(body["choices"][0]["message"]["content"], REPLY_TEXT);
}

#[tokio::test]
async fn mid_stream_error_ends_cleanly_without_done() {
    let server = start(Scenario::MidStreamError).await;
    let read = chat(&server, true).await;
    assert_eq!(read.status, 200);
    assert!(read.error.is_none());
    let text = read.text();
    let expected = format!(
        "\n\ndata: {{\"error\": {{\"message\": \"{MIDSTREAM_ERROR_MESSAGE}\", \"type\": \"server_error\", \"param\": null, \"code\": null}}}}\n\n"
    );
    assert!(text.ends_with(&expected), "{text}");
    assert!(!text.contains("[DONE]"));
    assert_eq!(collect(&chunks(&text), "content"), PARTIAL_TEXT);

    let whole = chat(&server, false).await;
    assert_eq!(whole.status, 500);
    assert_eq!(whole.json()["error"]["message"], MIDSTREAM_ERROR_MESSAGE);
}

#[tokio::test]
async fn mid_stream_error_openrouter_is_an_error_chunk() {
    let server = start(Scenario::MidStreamErrorOpenRouter).await;
    let read = chat(&server, true).await;
    assert!(read.error.is_none());
    let text = read.text();
    assert!(!text.contains("[DONE]"));
    let chunks = chunks(&text);
    let last = chunks.last().unwrap();
    assert_eq!(last["object"], "chat.completion.chunk");
    assert_eq!(
        last["error"],
        json!({"code": 502, "message": "Network connection lost.", "metadata": {"error_type": "provider_unavailable"}})
    );
    assert_eq!(last["choices"][0]["finish_reason"], "error");
    assert_eq!(last["choices"][0]["delta"], json!({"content": ""}));
    assert_eq!(collect(&chunks, "content"), PARTIAL_TEXT);

    let whole = chat(&server, false).await;
    assert_eq!(whole.status, 502);
    assert_eq!(whole.json()["error"]["code"], 502);
}

#[tokio::test]
async fn truncated_aborts_mid_event() {
    let server = start(Scenario::Truncated).await;
    let read = chat(&server, true).await;
    assert_eq!(read.status, 200);
    assert!(read.error.is_some(), "the body must end in an error");
    let text = read.text();
    assert!(
        text.ends_with("\n\ndata: {\"id\":\"chatcmpl-fake-1\",\"obj"),
        "{text}"
    );
    let (events, rest) = parse_sse(&text);
    assert_eq!(rest, "data: {\"id\":\"chatcmpl-fake-1\",\"obj");
    let content: String = events
        .iter()
        .filter_map(|e| serde_json::from_str::<Value>(e.data.as_deref()?).ok())
        .filter_map(|c| {
            c.pointer("/choices/0/delta/content")?
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(content, PARTIAL_TEXT);

    let whole = chat(&server, false).await;
    assert_eq!(whole.status, 200);
    assert!(whole.error.is_some());
    assert!(serde_json::from_slice::<Value>(&whole.bytes()).is_err());
}

#[tokio::test]
async fn eof_no_done_ends_cleanly_after_partial_text() {
    let server = start(Scenario::EofNoDone).await;
    let read = chat(&server, true).await;
    assert!(read.error.is_none());
    let text = read.text();
    assert!(text.ends_with("}\n\n") && !text.contains("[DONE]"));
    let chunks = chunks(&text);
    assert_eq!(collect(&chunks, "content"), PARTIAL_TEXT);
    assert!(finish_reasons(&chunks).iter().all(Value::is_null));
}

#[tokio::test]
async fn done_no_blank_line_is_koboldcpp_176() {
    let server = start(Scenario::DoneNoBlankLine).await;
    let read = chat(&server, true).await;
    assert!(read.error.is_none());
    assert_eq!(read.header("content-type"), Some("text/event-stream"));
    let text = read.text();
    assert!(text.ends_with("}\n\ndata: [DONE]"), "{text:?}");
    let (events, rest) = parse_sse(&text);
    assert_eq!(rest, "data: [DONE]", "the unterminated tail");
    let chunks: Vec<Value> = events
        .iter()
        .map(|e| serde_json::from_str(e.data.as_deref().unwrap()).unwrap())
        .collect();
    assert!(chunks.iter().all(|c| c["id"] == "koboldcpp"));
    assert!(chunks
        .iter()
        .all(|c| c["choices"][0]["delta"]["role"] == "assistant"));
    let reasons = finish_reasons(&chunks);
    let (last, rest) = reasons.split_last().unwrap();
    assert!(rest.iter().all(|r| r == "null"), "the string \"null\"");
    assert_eq!(last, "length");
    assert_eq!(collect(&chunks, "content"), REPLY_TEXT);
}

#[tokio::test]
async fn stall_keeps_the_connection_open_until_the_server_stops() {
    let server = start(Scenario::Stall).await;
    let response = post(&server, "/v1/chat/completions", &chat_body(true)).await;
    assert_eq!(response.status(), 200);
    let mut body = response.bytes_stream();
    let mut received = Vec::new();
    while !String::from_utf8_lossy(&received).contains("日本") {
        received.extend(body.next().await.unwrap().unwrap());
    }
    let next = tokio::time::timeout(Duration::from_millis(300), body.next()).await;
    assert!(next.is_err(), "nothing more arrives");
    server.shutdown().await;
    let end = tokio::time::timeout(Duration::from_secs(5), body.next())
        .await
        .unwrap();
    assert!(
        matches!(end, Some(Err(_))),
        "the stopped server breaks the body: {end:?}"
    );
}

#[tokio::test]
async fn stall_before_headers_never_answers() {
    let server = start(Scenario::StallBeforeHeaders).await;
    let request = client()
        .post(format!("{}/v1/chat/completions", server.base_url()))
        .json(&chat_body(true));
    let pending = tokio::spawn(request.send());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while server.requests().is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "never recorded");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(server.requests().len(), 1, "recorded on arrival");
    // Not synchronisation: the window in which no answer may come.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!pending.is_finished(), "no headers yet");
    let models = client()
        .get(format!("{}/v1/models", server.base_url()))
        .send();
    assert!(tokio::time::timeout(Duration::from_millis(200), models)
        .await
        .is_err());
    drop(server);
    let result = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .unwrap()
        .unwrap();
    assert!(result.is_err(), "the dropped server closes the connection");
}

#[tokio::test]
async fn unauthorized_answers_401_on_every_route() {
    let server = start(Scenario::Unauthorized).await;
    for (method, path) in [
        ("GET", "/v1/models"),
        ("POST", "/v1/chat/completions"),
        ("POST", "/v1/completions"),
        ("GET", "/api/v1/key"),
    ] {
        let request = client().request(
            method.parse().unwrap(),
            format!("{}{path}", server.base_url()),
        );
        let read = read(
            request
                .bearer_auth("anything")
                .json(&chat_body(false))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(read.status, 401, "{path}");
        assert_eq!(read.json()["error"]["code"], "invalid_api_key");
    }
}

#[tokio::test]
async fn model_not_found_names_the_model() {
    let server = start(Scenario::ModelNotFound).await;
    let read = chat(&server, true).await;
    assert_eq!(read.status, 404);
    assert_eq!(read.header("content-type"), Some("application/json"));
    assert_eq!(
        read.json(),
        json!({"error": {"message": "The model `test-model` does not exist or you do not have access to it.", "type": "invalid_request_error", "param": null, "code": "model_not_found"}})
    );
    assert_eq!(get(&server, "/v1/models").await.status(), 200);
}

#[tokio::test]
async fn rate_limited_with_and_without_retry_after() {
    let server = start(Scenario::RateLimited).await;
    let read = chat(&server, true).await;
    assert_eq!(read.status, 429);
    assert_eq!(read.header("retry-after"), Some("7"));
    assert_eq!(
        read.json(),
        json!({"error": {"message": "Rate limit reached for requests. Please try again in 7s.", "type": "requests", "param": null, "code": "rate_limit_exceeded"}})
    );
    server.set_scenario(Scenario::RateLimitedNoRetryAfter);
    let read = chat(&server, false).await;
    assert_eq!(read.status, 429);
    assert_eq!(read.header("retry-after"), None);
    assert_eq!(read.json()["error"]["code"], "rate_limit_exceeded");
}

#[tokio::test]
async fn overloaded_is_a_503_server_error() {
    let server = start(Scenario::Overloaded).await;
    for stream in [true, false] {
        let read = chat(&server, stream).await;
        assert_eq!(read.status, 503);
        assert_eq!(
            read.json(),
            json!({"error": {"message": "The engine is currently overloaded, please try again later", "type": "server_error", "param": null, "code": null}})
        );
    }
    assert_eq!(get(&server, "/v1/models").await.status(), 200);
}

#[tokio::test]
async fn server_error_html_is_nginx_500() {
    let server = start(Scenario::ServerErrorHtml).await;
    let page = "<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
    for read in [
        chat(&server, true).await,
        read(get(&server, "/v1/models").await).await,
    ] {
        assert_eq!(read.status, 500);
        assert_eq!(read.header("content-type"), Some("text/html"));
        assert_eq!(read.text(), page);
    }
}

#[tokio::test]
async fn no_models_route_and_empty_models() {
    let server = start(Scenario::NoModelsRoute).await;
    let read = read(get(&server, "/v1/models").await).await;
    assert_eq!(read.status, 404);
    assert_eq!(
        read.json()["error"]["message"],
        "Invalid URL (GET /v1/models)"
    );
    assert_eq!(
        collect(&chunks(&chat(&server, true).await.text()), "content"),
        REPLY_TEXT
    );

    server.set_scenario(Scenario::EmptyModels);
    let read = common::read(get(&server, "/v1/models").await).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.text(), r#"{"object":"list","data":[]}"#);
    assert_eq!(
        collect(&chunks(&chat(&server, true).await.text()), "content"),
        REPLY_TEXT
    );
}

#[tokio::test]
async fn text_completions_use_text_and_text_completion() {
    let server = start(Scenario::Normal).await;
    let body = json!({"model": "m", "prompt": "Once", "stream": true});
    let read = read(post(&server, "/v1/completions", &body).await).await;
    assert_eq!(read.header("content-type"), Some(SSE));
    let text = read.text();
    let parsed = chunks(&text);
    assert!(parsed
        .iter()
        .all(|c| c["object"] == "text_completion" && c["id"] == "cmpl-fake-1"));
    assert!(parsed
        .iter()
        .all(|c| c.pointer("/choices/0/delta").is_none()));
    assert_eq!(collect(&parsed, "text"), REPLY_TEXT);
    assert_eq!(
        parsed.last().unwrap()["choices"][0]["finish_reason"],
        "stop"
    );
    assert!(text.ends_with("data: [DONE]\n\n"));

    let whole =
        common::read(post(&server, "/v1/completions", &json!({"prompt": "Once"})).await).await;
    assert_eq!(whole.json()["object"], "text_completion");
    assert_eq!(whole.json()["choices"][0]["text"], REPLY_TEXT);

    server.set_scenario(Scenario::MidStreamError);
    let text = common::read(post(&server, "/v1/completions", &body).await)
        .await
        .text();
    assert_eq!(collect(&chunks(&text), "text"), PARTIAL_TEXT);
    assert!(text.contains(MIDSTREAM_ERROR_MESSAGE));
}

/// One request per scenario, streamed and not: the status and content type each should give.
#[tokio::test]
async fn every_scenario_answers() {
    let server = start(Scenario::Normal).await;
    for &scenario in Scenario::ALL {
        server.set_scenario(scenario);
        for stream in [true, false] {
            let request = client()
                .post(format!("{}/v1/chat/completions", server.base_url()))
                .json(&chat_body(stream))
                .send();
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
                Scenario::Overloaded => (503, "application/json"),
                Scenario::ServerErrorHtml => (500, "text/html"),
                Scenario::EchoUnauthorized => (401, "application/json"),
                Scenario::EchoPage => (200, "text/html; charset=utf-8"),
                Scenario::MidStreamError if !stream => (500, "application/json"),
                Scenario::MidStreamErrorOpenRouter if !stream => (502, "application/json"),
                Scenario::DoneNoBlankLine if stream => (200, "text/event-stream"),
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
