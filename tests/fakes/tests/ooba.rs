//! The text-generation-webui dialect (`Dialect::Ooba`): its extra routes, auth, the order and
//! shape of its errors (FastAPI 0.112 / pydantic 2.11 bodies), and its sse-starlette framing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use switchboard_fakes::{
    Dialect, FakeOptions, FakeServer, Scenario, OOBA_LOADER, OOBA_PING_COMMENTS, PARTIAL_TEXT,
    REASONING_TEXT, REPLY_TEXT,
};

const SSE: &str = "text/event-stream; charset=utf-8";

async fn ooba(scenario: Scenario) -> FakeServer {
    start_dialect(Dialect::Ooba, scenario).await
}

async fn ooba_with_key() -> FakeServer {
    FakeServer::start(FakeOptions {
        dialect: Dialect::Ooba,
        api_key: Some("k".into()),
        ..Default::default()
    })
    .await
    .unwrap()
}

/// Sends a request with a raw body and extra headers.
async fn send(
    server: &FakeServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Read {
    let mut request = client().request(
        method.parse().unwrap(),
        format!("{}{path}", server.base_url()),
    );
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    read(request.body(body.to_vec()).send().await.unwrap()).await
}

const JSON: (&str, &str) = ("content-type", "application/json");
const BEARER: (&str, &str) = ("authorization", "Bearer k");

/// The payloads of a stream whose events are all `data:` lines, each checked to be formatted
/// as Python's `json.dumps` formats it.
fn python_chunks(text: &str) -> Vec<Ordered> {
    parse_sse(text)
        .0
        .into_iter()
        .filter_map(|e| e.data)
        .filter(|d| d != "[DONE]")
        .map(|d| {
            let parsed = Ordered::parse(&d);
            assert_eq!(parsed.python(), d, "json.dumps formatting");
            parsed
        })
        .collect()
}

#[tokio::test]
async fn extra_routes_answer_like_text_generation_webui() {
    let server = FakeServer::start(FakeOptions {
        dialect: Dialect::Ooba,
        models: vec!["m-7b".into(), "other".into()],
        ..Default::default()
    })
    .await
    .unwrap();
    let cases = [
        (
            "/v1/models",
            r#"{"object":"list","data":[{"id":"m-7b","object":"model","created":0,"owned_by":"user"}]}"#,
        ),
        (
            "/v1/models/some%20model",
            r#"{"id":"some model","object":"model","created":0,"owned_by":"user"}"#,
        ),
        ("/v1/internal/health", r#"{"status":"ok"}"#),
        (
            "/v1/internal/model/info",
            r#"{"model_name":"m-7b","lora_names":[],"loader":"llama.cpp"}"#,
        ),
    ];
    for (path, body) in cases {
        let read = read(get(&server, path).await).await;
        assert_eq!(read.status, 200, "{path}");
        assert_eq!(read.header("content-type"), Some("application/json"));
        assert_eq!(read.header("server"), Some("uvicorn"));
        assert_eq!(read.text(), body, "{path}");
    }
    assert_eq!(OOBA_LOADER, "llama.cpp");
    let count = send(
        &server,
        "POST",
        "/v1/internal/token-count",
        &[JSON],
        br#"{"text": "one two three"}"#,
    )
    .await;
    assert_eq!(
        (count.status, count.text().as_str()),
        (200, r#"{"length":3}"#)
    );
    // OpenRouter's `…/key` is not Ooba's.
    let key = read(get(&server, "/api/v1/key").await).await;
    assert_eq!(
        (key.status, key.text().as_str()),
        (404, r#"{"detail":"Not Found"}"#)
    );
    // The generations name the loaded model, whatever the request says.
    let body = chat(&server, false).await.json();
    assert_eq!(body["model"], "m-7b");
}

#[tokio::test]
async fn empty_models_means_no_model_loaded() {
    let server = ooba(Scenario::EmptyModels).await;
    let models = read(get(&server, "/v1/models").await).await;
    assert_eq!(models.text(), r#"{"object":"list","data":[]}"#);
    let info = read(get(&server, "/v1/internal/model/info").await).await;
    assert_eq!(info.json()["model_name"], "None");
    let chunks = chunks(&chat(&server, true).await.text());
    assert!(chunks.iter().all(|c| c["model"] == "None"));
    assert_eq!(collect(&chunks, "content"), REPLY_TEXT);

    server.set_scenario(Scenario::NoModelsRoute);
    for path in ["/v1/models", "/v1/models/x"] {
        let read = read(get(&server, path).await).await;
        assert_eq!(
            (read.status, read.text().as_str()),
            (404, r#"{"detail":"Not Found"}"#)
        );
    }
    assert_eq!(
        read(get(&server, "/v1/internal/health").await).await.status,
        200
    );
}

#[tokio::test]
async fn only_the_exact_bearer_header_authenticates() {
    let server = ooba_with_key().await;
    let unauthorized = r#"{"detail":"Unauthorized"}"#;
    for headers in [
        &[][..],
        &[("authorization", "bearer k")][..],
        &[("authorization", "Bearer  k")][..],
        &[("x-api-key", "k")][..],
        &[("authorization", "Bearer wrong")][..],
    ] {
        for path in [
            "/v1/models",
            "/v1/internal/health",
            "/v1/internal/model/info",
        ] {
            let read = send(&server, "GET", path, headers, b"").await;
            assert_eq!(read.status, 401, "{path} {headers:?}");
            assert_eq!(read.text(), unauthorized);
            assert_eq!(read.header("server"), Some("uvicorn"));
        }
        let body = serde_json::to_vec(&chat_body(false)).unwrap();
        let mut with_json = headers.to_vec();
        with_json.push(JSON);
        let read = send(&server, "POST", "/v1/chat/completions", &with_json, &body).await;
        assert_eq!((read.status, read.text().as_str()), (401, unauthorized));
    }
    let ok = send(&server, "GET", "/v1/internal/health", &[BEARER], b"").await;
    assert_eq!(ok.status, 200);
    let body = serde_json::to_vec(&chat_body(true)).unwrap();
    let streamed = send(
        &server,
        "POST",
        "/v1/chat/completions",
        &[BEARER, JSON],
        &body,
    )
    .await;
    assert_eq!(collect(&chunks(&streamed.text()), "content"), REPLY_TEXT);

    server.set_scenario(Scenario::Unauthorized);
    let denied = send(&server, "GET", "/v1/internal/health", &[BEARER], b"").await;
    assert_eq!((denied.status, denied.text().as_str()), (401, unauthorized));
}

#[tokio::test]
async fn the_body_is_read_before_the_key_is_checked() {
    let server = ooba_with_key().await;
    // Broken JSON: FastAPI rejects it before the auth dependency runs.
    let broken = send(
        &server,
        "POST",
        "/v1/chat/completions",
        &[JSON],
        br#"{"model": "x", "messages": ["#,
    )
    .await;
    assert_eq!(broken.status, 422);
    assert_eq!(
        broken.text(),
        r#"{"detail":[{"type":"json_invalid","loc":["body",28],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting value"}}]}"#
    );
    // Without a content type the body is parsed as JSON too; positions count characters.
    let no_type = send(
        &server,
        "POST",
        "/v1/completions",
        &[],
        "{\"é\": tru}".as_bytes(),
    )
    .await;
    assert_eq!(no_type.status, 422);
    assert_eq!(no_type.json()["detail"][0]["loc"], json!(["body", 6]));
    let not_utf8 = send(
        &server,
        "POST",
        "/v1/chat/completions",
        &[JSON],
        b"{\"a\":\"\xff\"}",
    )
    .await;
    assert_eq!(
        (not_utf8.status, not_utf8.text().as_str()),
        (400, r#"{"detail":"There was an error parsing the body"}"#)
    );
    // A valid body without the key: 401, not 422.
    let missing_messages = send(&server, "POST", "/v1/chat/completions", &[JSON], b"{}").await;
    assert_eq!(missing_messages.status, 401);
}

#[tokio::test]
async fn validation_errors_are_fastapi_422s() {
    let server = ooba(Scenario::Normal).await;
    let cases: &[(&str, &[u8], &str)] = &[
        (
            "/v1/chat/completions",
            r#"{"model":"é","stream":true}"#.as_bytes(),
            r#"{"detail":[{"type":"missing","loc":["body","messages"],"msg":"Field required","input":{"model":"é","stream":true}}]}"#,
        ),
        (
            "/v1/chat/completions",
            b"",
            r#"{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}"#,
        ),
        (
            "/v1/chat/completions",
            b"null",
            r#"{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}"#,
        ),
        (
            "/v1/chat/completions",
            b"[1,2]",
            r#"{"detail":[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":[1,2]}]}"#,
        ),
        (
            "/v1/chat/completions",
            br#"{"messages":[],"x":1.50}"#,
            r#"{"detail":[{"type":"too_short","loc":["body","messages"],"msg":"List should have at least 1 item after validation, not 0","input":[],"ctx":{"field_type":"List","min_length":1,"actual_length":0}}]}"#,
        ),
        (
            "/v1/chat/completions",
            br#"{"messages":"hi"}"#,
            r#"{"detail":[{"type":"list_type","loc":["body","messages"],"msg":"Input should be a valid list","input":"hi"}]}"#,
        ),
        (
            "/v1/chat/completions",
            br#"{"messages":[1,{"role":"user"}, "x"]}"#,
            r#"{"detail":[{"type":"dict_type","loc":["body","messages",0],"msg":"Input should be a valid dictionary","input":1},{"type":"dict_type","loc":["body","messages",2],"msg":"Input should be a valid dictionary","input":"x"}]}"#,
        ),
        (
            "/v1/completions",
            br#"{"prompt":5}"#,
            r#"{"detail":[{"type":"list_type","loc":["body","prompt","list[str]"],"msg":"Input should be a valid list","input":5},{"type":"string_type","loc":["body","prompt","str"],"msg":"Input should be a valid string","input":5}]}"#,
        ),
        (
            "/v1/completions",
            br#"{"prompt":["a",1,null]}"#,
            r#"{"detail":[{"type":"string_type","loc":["body","prompt","list[str]",1],"msg":"Input should be a valid string","input":1},{"type":"string_type","loc":["body","prompt","list[str]",2],"msg":"Input should be a valid string","input":null},{"type":"string_type","loc":["body","prompt","str"],"msg":"Input should be a valid string","input":["a",1,null]}]}"#,
        ),
        (
            "/v1/internal/token-count",
            br#"{"text":5}"#,
            r#"{"detail":[{"type":"string_type","loc":["body","text"],"msg":"Input should be a valid string","input":5}]}"#,
        ),
        (
            "/v1/internal/token-count",
            b"{}",
            r#"{"detail":[{"type":"missing","loc":["body","text"],"msg":"Field required","input":{}}]}"#,
        ),
    ];
    for &(path, body, expected) in cases {
        let read = send(&server, "POST", path, &[JSON], body).await;
        assert_eq!(read.status, 422, "{path} {}", String::from_utf8_lossy(body));
        assert_eq!(read.header("content-type"), Some("application/json"));
        assert_eq!(read.text(), expected);
    }
    // Errors Ooba's handler cannot serialise: Starlette's plain 500.
    for (path, headers, body) in [
        ("/v1/completions", &[JSON][..], &br#"{"prompt":null}"#[..]),
        ("/v1/completions", &[JSON][..], &br#"{"max_tokens":5}"#[..]),
        (
            "/v1/chat/completions",
            &[("content-type", "application/x-www-form-urlencoded")][..],
            &br#"{"messages":[{"role":"user","content":"Hi"}]}"#[..],
        ),
    ] {
        let read = send(&server, "POST", path, headers, body).await;
        assert_eq!(read.status, 500, "{path}");
        assert_eq!(
            read.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(read.text(), "Internal Server Error");
    }
    // `n` > 1 cannot stream (text completions); pydantic's lax types read `"yes"` and `"2"`.
    let many = send(
        &server,
        "POST",
        "/v1/completions",
        &[JSON],
        br#"{"prompt":"x","stream":"yes","n":"2"}"#,
    )
    .await;
    assert_eq!(many.status, 400);
    assert_eq!(
        many.text(),
        r#"{"error":{"message":"n > 1 is not supported with streaming.","type":"invalid_request_error","param":"n","code":null}}"#
    );
    assert_eq!(server.requests().len(), cases.len() + 4);
}

#[tokio::test]
async fn sampler_fields_and_unknown_keys_are_accepted() {
    let server = ooba(Scenario::Normal).await;
    let body = json!({
        "prompt": "Once upon a time",
        "max_tokens": 40,
        "max_new_tokens": 40,
        "truncation_length": 4096,
        "typical_p": 1,
        "tfs": 1,
        "top_a": 0,
        "repetition_penalty": 1.1,
        "repetition_penalty_range": 1024,
        "min_p": 0.05,
        "dry_sequence_breakers": "[\"\\n\"]",
        "sampler_priority": ["top_k", "temperature"],
        "stopping_strings": ["\nUser:"],
        "rep_pen": 1.1,
        "an_unknown_key": {"nested": true},
        "stream": true
    });
    let read = read(post(&server, "/v1/completions", &body).await).await;
    assert_eq!(read.status, 200);
    assert_eq!(collect(&chunks(&read.text()), "text"), REPLY_TEXT);
    assert_eq!(server.requests()[0].json().unwrap(), body);
}

#[tokio::test]
async fn routing_errors_host_check_and_redirects() {
    let server = ooba(Scenario::Normal).await;
    let missing = send(&server, "GET", "/v1/does-not-exist", &[], b"").await;
    assert_eq!(
        (missing.status, missing.text().as_str()),
        (404, r#"{"detail":"Not Found"}"#)
    );
    for (method, path, allow) in [
        ("GET", "/v1/chat/completions", "POST"),
        ("POST", "/v1/models", "GET"),
        ("GET", "/v1/internal/token-count", "POST"),
    ] {
        let read = send(&server, method, path, &[], b"").await;
        assert_eq!(read.status, 405, "{method} {path}");
        assert_eq!(read.header("allow"), Some(allow));
        assert_eq!(read.text(), r#"{"detail":"Method Not Allowed"}"#);
    }
    let redirect = client()
        .get(format!("{}/v1/models/?x=1", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), 200, "reqwest follows the 307");
    assert_eq!(redirect.url().path(), "/v1/models");
    let requests = server.requests();
    assert_eq!(requests[requests.len() - 2].path, "/v1/models/");
    let no_follow = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let redirect = no_follow
        .post(format!("{}/v1/chat/completions/", server.base_url()))
        .json(&chat_body(false))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), 307);
    assert_eq!(
        redirect.headers()["location"],
        format!("{}/v1/chat/completions", server.base_url()).as_str()
    );
    assert_eq!(redirect.headers()["content-length"], "0");

    for host in ["example.com", "192.168.1.5:5000", "[::1]:5000"] {
        let read = send(&server, "GET", "/v1/models", &[("host", host)], b"").await;
        assert_eq!(read.status, 400, "{host}");
        assert_eq!(read.text(), r#"{"detail":"Invalid host header"}"#);
    }
    let local = send(
        &server,
        "GET",
        "/v1/models",
        &[("host", "localhost:5000")],
        b"",
    )
    .await;
    assert_eq!(local.status, 200);

    let listening = FakeServer::start(FakeOptions {
        dialect: Dialect::Ooba,
        listen: true,
        ..Default::default()
    })
    .await
    .unwrap();
    let read = send(
        &listening,
        "GET",
        "/v1/models",
        &[("host", "example.com")],
        b"",
    )
    .await;
    assert_eq!(read.status, 200);
}

#[tokio::test]
async fn chat_stream_is_sse_starlette_framing_of_json_dumps() {
    let server = ooba(Scenario::Normal).await;
    let read = chat(&server, true).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.header("content-type"), Some(SSE));
    assert_eq!(read.header("cache-control"), Some("no-cache"));
    assert_eq!(read.header("connection"), Some("keep-alive"));
    assert_eq!(read.header("x-accel-buffering"), Some("no"));
    assert_eq!(read.header("server"), Some("uvicorn"));
    assert!(read.error.is_none());
    let text = read.text();
    let first = concat!(
        r#"data: {"id": "chatcmpl-1700000000000000000", "object": "chat.completion.chunk", "#,
        r#""created": 1700000000, "model": "fake-model-1", "system_fingerprint": null, "#,
        r#""choices": [{"index": 0, "finish_reason": null, "delta": {"role": "assistant", "#,
        r#""refusal": null, "content": ""}, "logprobs": null}]}"#,
        "\n\n"
    );
    assert!(text.starts_with(first), "{text}");
    assert!(text.ends_with(concat!(
        r#""choices": [{"index": 0, "finish_reason": "stop", "delta": {}, "logprobs": null}]}"#,
        "\n\ndata: [DONE]\n\n"
    )));
    assert!(!text.contains('\r'));
    assert!(text.contains(r"\u65e5\u672c\u8a9e"), "json.dumps escapes");
    let (events, rest) = parse_sse(&text);
    assert_eq!(rest, "");
    assert!(events
        .iter()
        .all(|e| e.comments.is_empty() && e.fields.is_empty()));
    let chunks = python_chunks(&text);
    assert_eq!(chunks.len(), 7);
    let content_shape = "{id:str,object:str,created:num,model:str,system_fingerprint:null,\
                         choices:[{index:num,finish_reason:null,delta:{content:str},logprobs:null}]}";
    assert!(chunks[1..6].iter().all(|c| c.shape() == content_shape));
    assert_eq!(collect(&common::chunks(&text), "content"), REPLY_TEXT);
}

#[tokio::test]
async fn split_is_the_normal_stream_in_crlf_cut_at_hostile_offsets() {
    let server = ooba(Scenario::Normal).await;
    let normal = chat(&server, true).await.text();
    server.set_scenario(Scenario::Split);
    let split = chat(&server, true).await;
    assert_eq!(split.text(), normal.replace('\n', "\r\n"));
    assert!(split.chunks.len() > 60, "only {} parts", split.chunks.len());
    assert_eq!(collect(&chunks(&split.text()), "content"), REPLY_TEXT);
}

#[tokio::test]
async fn include_usage_puts_usage_null_everywhere_then_a_usage_chunk() {
    let server = ooba(Scenario::Normal).await;
    let mut body = chat_body(true);
    body["stream_options"] = json!({"include_usage": true});
    let text = read(post(&server, "/v1/chat/completions", &body).await)
        .await
        .text();
    let chunks = python_chunks(&text);
    let (usage, rest) = chunks.split_last().unwrap();
    assert!(rest.iter().all(|c| c.get("usage") == Some(&Ordered::Null)));
    assert_eq!(
        usage.shape(),
        "{id:str,object:str,created:num,model:str,system_fingerprint:null,choices:[],\
         usage:{prompt_tokens:num,completion_tokens:num,total_tokens:num}}"
    );
    assert!(text.ends_with("}}\n\ndata: [DONE]\n\n"));
}

#[tokio::test]
async fn text_completions_start_with_an_empty_chunk_and_use_text() {
    let server = ooba(Scenario::Normal).await;
    let body = json!({"prompt": "Once", "stream": true});
    let read = read(post(&server, "/v1/completions", &body).await).await;
    let text = read.text();
    let chunks = python_chunks(&text);
    let shape = |finish: &str| {
        format!(
            "{{id:str,object:str,created:num,model:str,system_fingerprint:null,\
             choices:[{{index:num,finish_reason:{finish},text:str,logprobs:null}}]}}"
        )
    };
    assert!(chunks
        .iter()
        .rev()
        .skip(1)
        .all(|c| c.shape() == shape("null")));
    assert_eq!(chunks.last().unwrap().shape(), shape("str"));
    let parsed = common::chunks(&text);
    assert_eq!(parsed[0]["choices"][0]["text"], "");
    assert_eq!(parsed.last().unwrap()["choices"][0]["text"], "");
    assert_eq!(
        parsed.last().unwrap()["choices"][0]["finish_reason"],
        "stop"
    );
    assert!(parsed
        .iter()
        .all(|c| c["id"] == "cmpl-1700000000000000000" && c["object"] == "text_completion"));
    assert_eq!(collect(&parsed, "text"), REPLY_TEXT);

    let whole = common::read(post(&server, "/v1/completions", &json!({"prompt": "Once"})).await)
        .await
        .text();
    assert_eq!(
        Ordered::parse(&whole).shape(),
        "{id:str,object:str,created:num,model:str,system_fingerprint:null,\
         choices:[{index:num,finish_reason:str,text:str,logprobs:null}],\
         usage:{prompt_tokens:num,completion_tokens:num,total_tokens:num}}"
    );
    assert!(
        !whole.contains(": ") && whole.contains("日本語"),
        "compact UTF-8"
    );
}

#[tokio::test]
async fn whole_chat_answers_are_compact_with_refusal_and_reasoning() {
    let server = ooba(Scenario::Reasoning).await;
    let text = chat(&server, false).await.text();
    assert_eq!(
        Ordered::parse(&text).shape(),
        "{id:str,object:str,created:num,model:str,system_fingerprint:null,\
         choices:[{index:num,finish_reason:str,message:{role:str,refusal:null,content:str,\
         reasoning_content:str},logprobs:null}],\
         usage:{prompt_tokens:num,completion_tokens:num,total_tokens:num}}"
    );
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        body["choices"][0]["message"]["reasoning_content"],
        REASONING_TEXT
    );
    assert_eq!(body["choices"][0]["message"]["content"], REPLY_TEXT);

    let streamed = chat(&server, true).await.text();
    let parsed = chunks(&streamed);
    assert_eq!(collect(&parsed, "reasoning_content"), REASONING_TEXT);
    let reasoning: Vec<&Value> = parsed
        .iter()
        .filter(|c| c.pointer("/choices/0/delta/reasoning_content").is_some())
        .collect();
    assert_eq!(reasoning.len(), 3);
    assert!(reasoning
        .iter()
        .all(|c| c["choices"][0]["delta"].as_object().unwrap().len() == 1));
    assert_eq!(collect(&parsed, "content"), REPLY_TEXT);
}

#[tokio::test]
async fn keep_alive_sends_sse_starlette_pings_in_crlf() {
    let server = ooba(Scenario::KeepAlive).await;
    let text = chat(&server, true).await.text();
    for comment in OOBA_PING_COMMENTS {
        let ping = format!("}}\n\n: {comment}\r\n\r\ndata: {{");
        assert_eq!(text.matches(&ping).count(), 1, "{text}");
    }
    assert_eq!(text.matches(": ping - ").count(), 2);
    assert_eq!(text.matches('\r').count(), 4, "only the pings are CRLF");
    let (events, rest) = parse_sse(&text);
    assert_eq!(rest, "");
    let comments: Vec<&str> = events
        .iter()
        .flat_map(|e| e.comments.iter().map(String::as_str))
        .collect();
    assert_eq!(comments, OOBA_PING_COMMENTS);
    assert!(events.iter().all(|e| e.fields.is_empty()));
    assert_eq!(collect(&chunks(&text), "content"), REPLY_TEXT);
    assert!(text.ends_with("data: [DONE]\n\n"));
}

#[tokio::test]
async fn mid_stream_error_drops_the_connection_after_a_whole_event() {
    let server = ooba(Scenario::MidStreamError).await;
    let read = chat(&server, true).await;
    assert_eq!(read.status, 200);
    assert!(read.error.is_some(), "the chunked body never terminates");
    let text = read.text();
    assert!(text.ends_with("}]}\n\n"), "{text}");
    assert!(!text.contains("[DONE]") && !text.contains("error"));
    assert_eq!(collect(&chunks(&text), "content"), PARTIAL_TEXT);

    let whole = chat(&server, false).await;
    assert_eq!(whole.status, 500);
    assert_eq!(
        whole.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(whole.text(), "Internal Server Error");
}

#[tokio::test]
async fn error_scenarios_use_the_openai_error_handler_shape() {
    let server = ooba(Scenario::ModelNotFound).await;
    let read = chat(&server, true).await;
    assert_eq!(read.status, 404);
    assert_eq!(
        read.text(),
        r#"{"error":{"message":"The model `test-model` does not exist.","type":"invalid_request_error","param":"model","code":null}}"#
    );
    server.set_scenario(Scenario::RateLimited);
    let read = chat(&server, false).await;
    assert_eq!(read.status, 429);
    assert_eq!(read.header("retry-after"), Some("7"));
    assert_eq!(read.json()["error"]["type"], "invalid_request_error");
    assert_eq!(read.json()["error"]["code"], Value::Null);
    server.set_scenario(Scenario::RateLimitedNoRetryAfter);
    let read = chat(&server, true).await;
    assert_eq!((read.status, read.header("retry-after")), (429, None));
    server.set_scenario(Scenario::Overloaded);
    let read = chat(&server, true).await;
    assert_eq!(read.status, 503);
    assert_eq!(
        read.text(),
        r#"{"error":{"message":"The server is busy with another request. Try again later.","type":"server_error","param":null,"code":null}}"#
    );
    server.set_scenario(Scenario::ServerErrorHtml);
    let read = chat(&server, true).await;
    assert_eq!(
        (read.status, read.header("content-type")),
        (500, Some("text/html"))
    );
    assert_eq!(read.header("server"), None, "the proxy's page");
    // Validation still comes first.
    server.set_scenario(Scenario::Overloaded);
    let invalid = send(&server, "POST", "/v1/chat/completions", &[JSON], b"{}").await;
    assert_eq!(invalid.status, 422);
}

/// One request per scenario, streamed and not: the status and content type each should give.
#[tokio::test]
async fn every_scenario_answers() {
    let server = ooba(Scenario::Normal).await;
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
                Scenario::MidStreamError if !stream => (500, "text/plain; charset=utf-8"),
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
}

#[tokio::test]
async fn binary_serves_the_ooba_dialect() {
    let binary = Binary::start(&["--dialect", "ooba", "--api-key", "k", "--model", "m"]);
    let health = client()
        .get(format!("{}/v1/internal/model/info", binary.base))
        .bearer_auth("k")
        .send()
        .await
        .unwrap();
    assert_eq!(
        health.text().await.unwrap(),
        r#"{"model_name":"m","lora_names":[],"loader":"llama.cpp"}"#
    );
    let denied = client()
        .get(format!("{}/v1/models", binary.base))
        .header("x-api-key", "k")
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 401);
    let listening = Binary::start(&["--dialect", "ooba", "--listen"]);
    let open = client()
        .get(format!("{}/v1/models", listening.base))
        .header("host", "example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(open.status(), 200);
}
