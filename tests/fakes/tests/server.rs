//! The server around the scenarios: recording, auth, routing, control routes, dialect error
//! bodies, lifecycle and the binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::TcpStream;
use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use switchboard_fakes::{Dialect, FakeOptions, FakeServer, Scenario, REPLY_TEXT};

#[tokio::test]
async fn records_every_request_in_order() {
    let server = start(Scenario::Normal).await;
    assert!(server.base_url().starts_with("http://127.0.0.1:"));
    assert!(!server.base_url().ends_with('/'));
    assert_eq!(server.base_url(), format!("http://{}", server.addr()));
    let url = format!(
        "{}/some/prefix/v1/chat/completions?trace=1",
        server.base_url()
    );
    let body = r#"{"model":"m","messages":[{"role":"user","content":"héllo"}],"stream":true}"#;
    let response = client()
        .post(url)
        .header("X-Custom-Header", "Value One")
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    read(response).await;
    get(&server, "/v1/models").await;

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let chat = &requests[0];
    assert_eq!(chat.method, "POST");
    assert_eq!(chat.path, "/some/prefix/v1/chat/completions");
    assert_eq!(chat.query.as_deref(), Some("trace=1"));
    assert_eq!(chat.body, body.as_bytes());
    assert_eq!(chat.header("x-custom-header"), Some("Value One"));
    assert_eq!(chat.header("X-CUSTOM-HEADER"), Some("Value One"));
    assert!(chat
        .headers
        .iter()
        .all(|(name, _)| *name == name.to_lowercase()));
    let names: Vec<&str> = chat.headers.iter().map(|(n, _)| n.as_str()).collect();
    let custom = names.iter().position(|n| *n == "x-custom-header").unwrap();
    let content_type = names.iter().position(|n| *n == "content-type").unwrap();
    assert!(custom < content_type, "headers keep their order: {names:?}");
    assert_eq!(chat.json().unwrap()["messages"][0]["content"], "héllo");
    assert_eq!(
        (requests[1].method.as_str(), requests[1].path.as_str()),
        ("GET", "/v1/models")
    );
    assert_eq!(requests[1].query, None);
    assert!(requests[1].json().is_none());

    let serialised = serde_json::to_value(chat).unwrap();
    assert_eq!(serialised["body"], body);
    assert_eq!(serialised["headers"][0].as_array().unwrap().len(), 2);

    server.clear_requests();
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn api_key_is_enforced_in_both_header_forms() {
    let opts = FakeOptions {
        api_key: Some("sk-test".into()),
        ..Default::default()
    };
    let server = FakeServer::start(opts).await.unwrap();
    let url = format!("{}/v1/models", server.base_url());
    let status = |request: reqwest::RequestBuilder| async move {
        request.send().await.unwrap().status().as_u16()
    };
    assert_eq!(status(client().get(&url).bearer_auth("sk-test")).await, 200);
    assert_eq!(
        status(client().get(&url).header("authorization", "bearer sk-test")).await,
        200
    );
    assert_eq!(
        status(client().get(&url).header("x-api-key", "sk-test")).await,
        200
    );
    assert_eq!(
        status(client().get(&url).header("X-API-Key", "sk-test")).await,
        200
    );
    assert_eq!(status(client().get(&url)).await, 401);
    assert_eq!(status(client().get(&url).bearer_auth("wrong")).await, 401);
    assert_eq!(
        status(client().get(&url).header("x-api-key", "wrong")).await,
        401
    );
    assert_eq!(
        status(client().get(&url).header("authorization", "sk-test")).await,
        401
    );

    let denied = read(
        client()
            .post(format!("{}/v1/chat/completions", server.base_url()))
            .json(&chat_body(true))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(denied.status, 401);
    assert_eq!(
        denied.text(),
        r#"{"error":{"message":"Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#
    );
    assert_eq!(
        server.requests().len(),
        9,
        "refused requests are recorded too"
    );

    let allowed = client()
        .post(format!("{}/v1/chat/completions", server.base_url()))
        .bearer_auth("sk-test")
        .json(&chat_body(true))
        .send()
        .await
        .unwrap();
    assert_eq!(
        collect(&chunks(&read(allowed).await.text()), "content"),
        REPLY_TEXT
    );
}

#[tokio::test]
async fn a_litellm_like_proxy_answers_a_wrong_key_with_400() {
    let server = FakeServer::start(FakeOptions {
        api_key: Some("sk-test".into()),
        bad_key_400: true,
        ..Default::default()
    })
    .await
    .unwrap();
    let url = format!("{}/v1/models", server.base_url());
    let denied = read(
        client()
            .get(&url)
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(denied.status, 400);
    let body: Value = serde_json::from_str(&denied.text()).unwrap();
    assert_eq!(body["error"]["type"], "auth_error");
    assert_eq!(body["error"]["code"], "400");
    assert_eq!(body["error"]["message"], switchboard_fakes::LITELLM_BAD_KEY);
    let allowed = client()
        .get(&url)
        .bearer_auth("sk-test")
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status().as_u16(), 200);
}

#[tokio::test]
async fn set_scenario_affects_later_requests() {
    let server = start(Scenario::Normal).await;
    assert_eq!(chat(&server, true).await.status, 200);
    server.set_scenario(Scenario::RateLimited);
    assert_eq!(chat(&server, true).await.status, 429);
    server.set_scenario(Scenario::Normal);
    assert_eq!(chat(&server, true).await.status, 200);
}

#[tokio::test]
async fn control_routes_drive_a_running_server() {
    let server = start(Scenario::Normal).await;
    chat(&server, false).await;
    let listed: Value = get(&server, "/__fake/requests").await.json().await.unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["method"], "POST");
    assert_eq!(listed[0]["path"], "/v1/chat/completions");
    assert_eq!(
        serde_json::from_str::<Value>(listed[0]["body"].as_str().unwrap()).unwrap(),
        chat_body(false)
    );

    let switched = post(
        &server,
        "/__fake/scenario",
        &json!({"scenario": "rate-limited"}),
    )
    .await;
    assert_eq!(switched.status(), 204);
    assert_eq!(chat(&server, false).await.status, 429);
    let current: Value = get(&server, "/__fake/scenario").await.json().await.unwrap();
    assert_eq!(current, json!({"scenario": "rate-limited"}));
    let alias = post(
        &server,
        "/__fake/scenario",
        &json!({"scenario": "reasoning-openrouter"}),
    )
    .await;
    assert_eq!(alias.status(), 204);
    assert_eq!(
        post(&server, "/__fake/scenario", &json!({"scenario": "nope"}))
            .await
            .status(),
        400
    );
    assert_eq!(
        post(&server, "/__fake/scenario", &json!({})).await.status(),
        400
    );
    assert_eq!(get(&server, "/__fake/unknown").await.status(), 404);

    assert_eq!(
        server.requests().len(),
        2,
        "control requests are not recorded"
    );
    let cleared = client()
        .delete(format!("{}/__fake/requests", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status(), 204);
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn routes_match_on_the_end_of_the_path() {
    let server = start(Scenario::Normal).await;
    for path in ["/v1/models", "/models", "/api/v1/models", "/v1/models/"] {
        let read = read(get(&server, path).await).await;
        assert_eq!(read.status, 200, "{path}");
        assert_eq!(read.header("content-type"), Some("application/json"));
        assert_eq!(
            read.text(),
            r#"{"object":"list","data":[{"id":"fake-model-1","object":"model","created":1700000000,"owned_by":"fake"},{"id":"fake-model-2","object":"model","created":1700000000,"owned_by":"fake"}]}"#
        );
    }
    for path in ["/chat/completions", "/proxy/openai/v1/chat/completions"] {
        let read = read(post(&server, path, &chat_body(true)).await).await;
        assert_eq!(
            collect(&chunks(&read.text()), "content"),
            REPLY_TEXT,
            "{path}"
        );
    }
    let key = read(get(&server, "/api/v1/key").await).await;
    assert_eq!(
        key.text(),
        r#"{"data":{"label":"fake","usage":0,"limit":null,"is_free_tier":false}}"#
    );
    let models = FakeOptions {
        models: vec!["only".into()],
        ..Default::default()
    };
    let custom = FakeServer::start(models).await.unwrap();
    let listed: Value = get(&custom, "/v1/models").await.json().await.unwrap();
    assert_eq!(listed["data"][0]["id"], "only");
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn unknown_routes_wrong_methods_and_bad_json_per_dialect() {
    let openai = start(Scenario::Normal).await;
    let read_get = |server: &FakeServer, path: &str| {
        let url = format!("{}{path}", server.base_url());
        async move { read(client().get(url).send().await.unwrap()).await }
    };
    let bad_json = |server: &FakeServer| {
        let url = format!("{}/v1/chat/completions", server.base_url());
        async move {
            read(
                client()
                    .post(url)
                    .body(r#"{"model": "x", "messages": ["#)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };

    let missing = read_get(&openai, "/v1/does-not-exist").await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.text(),
        r#"{"error":{"message":"Invalid URL (GET /v1/does-not-exist)","type":"invalid_request_error","param":null,"code":null}}"#
    );
    let wrong_method = read_get(&openai, "/v1/chat/completions").await;
    assert_eq!(wrong_method.status, 404);
    assert_eq!(
        wrong_method.json()["error"]["message"],
        "Invalid URL (GET /v1/chat/completions)"
    );
    let bad = bad_json(&openai).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["error"]["type"], "invalid_request_error");
    assert!(bad.json()["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("We could not parse the JSON body"));

    let llama = start_dialect(Dialect::LlamaCpp, Scenario::Normal).await;
    let wrong_method = read_get(&llama, "/v1/chat/completions").await;
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.header("allow"), Some("POST"));
    assert_eq!(wrong_method.text(), r#"{"detail":"Method Not Allowed"}"#);

    let kobold = start_dialect(Dialect::KoboldCpp, Scenario::Normal).await;
    assert_eq!(read_get(&kobold, "/v1/chat/completions").await.status, 404);
    // The byte-exact bodies of these errors are compared with the recordings in fidelity.rs.
}

#[tokio::test]
async fn shutdown_and_drop_stop_the_server() {
    let server = start(Scenario::Normal).await;
    let addr = server.addr();
    assert!(TcpStream::connect(addr).is_ok());
    server.shutdown().await;
    assert!(TcpStream::connect(addr).is_err(), "refused after shutdown");

    let server = start(Scenario::Normal).await;
    let addr = server.addr();
    drop(server);
    let mut refused = false;
    for _ in 0..200 {
        if TcpStream::connect(addr).is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused, "refused soon after drop");
}

#[tokio::test]
async fn start_on_uses_the_given_port() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = FakeServer::start_on(port, FakeOptions::default())
        .await
        .unwrap();
    assert_eq!(server.addr().port(), port);
    assert_eq!(server.base_url(), format!("http://127.0.0.1:{port}"));
    assert!(
        FakeServer::start_on(port, FakeOptions::default())
            .await
            .is_err(),
        "port in use"
    );
    assert_eq!(chat(&server, true).await.status, 200);
}

#[tokio::test]
async fn binary_prints_its_url_and_serves() {
    let binary = Binary::start(&[
        "--scenario",
        "eof-no-done",
        "--dialect",
        "llamacpp",
        "--api-key",
        "k",
    ]);
    let (base, line) = (binary.base.clone(), binary.line.clone());
    assert!(
        base.starts_with("http://127.0.0.1:") && line.ends_with('\n'),
        "{line:?}"
    );

    let denied = client()
        .get(format!("{base}/v1/models"))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 401);
    assert_eq!(
        denied.text().await.unwrap(),
        r#"{"detail":"Invalid API key"}"#
    );
    let response = client()
        .post(format!("{base}/v1/chat/completions"))
        .bearer_auth("k")
        .json(&chat_body(true))
        .send()
        .await
        .unwrap();
    let text = read(response).await.text();
    assert!(text.starts_with("data: {\"id\": \"chatcmpl-fake-1\", \"model\": "));
    assert!(!text.contains("[DONE]"));
    let current: Value = client()
        .get(format!("{base}/__fake/scenario"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(current["scenario"], "eof-no-done");
    let requests: Value = client()
        .get(format!("{base}/__fake/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(requests.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_reply_text_can_be_replaced_and_mounts_restrict_the_routes() {
    let server = FakeServer::start(FakeOptions {
        reply: Some("<b>custom</b> reply".into()),
        mount: Some("/v1".into()),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let first = chat(&server, false).await.json();
    assert_eq!(
        first["choices"][0]["message"]["content"],
        "<b>custom</b> reply"
    );
    let set = json!({"scenario": "normal", "reply": "second **reply**"});
    assert_eq!(post(&server, "/__fake/scenario", &set).await.status(), 204);
    assert_eq!(
        chat(&server, false).await.json()["choices"][0]["message"]["content"],
        "second **reply**"
    );
    let streamed = chat(&server, true).await.text();
    assert!(!streamed.contains("Hello"), "{streamed}");
    // Setting a scenario without a reply restores the built-in text.
    assert_eq!(
        post(&server, "/__fake/scenario", &json!({"scenario": "normal"}))
            .await
            .status(),
        204
    );
    assert_eq!(
        chat(&server, false).await.json()["choices"][0]["message"]["content"],
        REPLY_TEXT
    );
    // Outside the mount, nothing answers.
    assert_eq!(get(&server, "/models").await.status(), 404);
    assert_eq!(get(&server, "/v1/models").await.status(), 200);
}

/// The benchmark stream: every delta in order, in llama.cpp's chunk shape, each stamped with a
/// send time that grows and is close to now; at a set rate it takes about as long as it should.
#[tokio::test]
async fn the_flood_streams_its_deltas_stamped_and_paced() {
    let flood = switchboard_fakes::Flood {
        chunks: 600,
        rate: 3000,
        stamp: true,
        prerendered: false,
        markdown: false,
    };
    let server = FakeServer::start(FakeOptions {
        flood: Some(flood),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let started = std::time::Instant::now();
    let now_ms = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64()
            * 1000.0
    };
    let before = now_ms();
    let response = client()
        .post(format!("{}/v1/chat/completions", server.base_url()))
        .body(r#"{"model":"m","messages":[],"stream":true}"#)
        .send()
        .await
        .unwrap();
    let body = read(response).await.text();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(150),
        "{took:?} for 600 deltas at 3,000/s"
    );
    let mut stamps = Vec::new();
    let mut n = 0;
    for line in body.lines().filter_map(|l| l.strip_prefix("data: ")) {
        if line == "[DONE]" {
            continue;
        }
        let chunk: Value = serde_json::from_str(line).unwrap();
        if let Some(content) = chunk["choices"][0]["delta"]["content"].as_str() {
            n += 1;
            let (name, rest) = content.split_once('«').unwrap();
            assert_eq!(name, format!("t{n}"));
            let stamp: f64 = rest.trim_end_matches("» ").parse().unwrap();
            stamps.push(stamp);
        }
    }
    assert_eq!(n, 600);
    assert!(body.ends_with("data: [DONE]\n\n"));
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "stamps go back");
    assert!(stamps[0] >= before - 1.0 && stamps[599] <= now_ms() + 1.0);
    assert!(
        stamps[599] - stamps[0] >= 150.0,
        "not paced: {}",
        stamps[599] - stamps[0]
    );
    // On schedule: 600 deltas at 3,000/s take 200 ms, not noticeably more.
    assert!(
        took < Duration::from_millis(400),
        "{took:?}: the pace drifts"
    );
}

/// The pre-rendered benchmark stream: the same deltas in the same chunks, written whole (one
/// body with its length), the same bytes for every request.
#[tokio::test]
async fn the_prerendered_flood_is_the_whole_stream_at_once() {
    let server = FakeServer::start(FakeOptions {
        flood: Some(switchboard_fakes::Flood {
            chunks: 1000,
            rate: 0,
            stamp: false,
            prerendered: true,
            markdown: false,
        }),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let mut bodies = Vec::new();
    for _ in 0..2 {
        let response = client()
            .post(format!("{}/v1/chat/completions", server.base_url()))
            .body(r#"{"model":"m","messages":[],"stream":true}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        let length: usize = response.headers()["content-length"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let body = read(response).await.text();
        assert_eq!(body.len(), length);
        bodies.push(body);
    }
    assert_eq!(bodies[0], bodies[1]);
    let body = &bodies[0];
    let mut n = 0;
    for line in body.lines().filter_map(|l| l.strip_prefix("data: ")) {
        if line == "[DONE]" {
            continue;
        }
        let chunk: Value = serde_json::from_str(line).unwrap();
        if let Some(content) = chunk["choices"][0]["delta"]["content"].as_str() {
            n += 1;
            assert_eq!(content, format!("t{n} "));
        }
    }
    assert_eq!(n, 1000);
    assert!(body.ends_with("data: [DONE]\n\n"));
    // About 150 bytes a chunk.
    assert!((150_000..180_000).contains(&body.len()), "{}", body.len());
}

/// The benchmark stream with markdown: the same deltas in order, with fenced code blocks and
/// inline and displayed math between them, and no `t<i>` inside the math.
#[tokio::test]
async fn the_markdown_flood_holds_code_and_math_around_its_deltas() {
    let server = FakeServer::start(FakeOptions {
        flood: Some(switchboard_fakes::Flood {
            chunks: 250,
            rate: 0,
            stamp: false,
            prerendered: false,
            markdown: true,
        }),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let response = client()
        .post(format!("{}/v1/chat/completions", server.base_url()))
        .body(r#"{"model":"m","messages":[],"stream":true}"#)
        .send()
        .await
        .unwrap();
    let body = read(response).await.text();
    let mut text = String::new();
    let mut n = 0;
    for line in body.lines().filter_map(|l| l.strip_prefix("data: ")) {
        if line == "[DONE]" {
            continue;
        }
        let chunk: Value = serde_json::from_str(line).unwrap();
        if let Some(content) = chunk["choices"][0]["delta"]["content"].as_str() {
            n += 1;
            assert!(
                content.ends_with(&format!("t{n} ")),
                "delta {n}: {content:?}"
            );
            text.push_str(content);
        }
    }
    assert_eq!(n, 250);
    assert_eq!(text.matches("```rust\n").count(), 3, "{text}");
    assert_eq!(
        text.matches("\n```\n").count(),
        2,
        "the third block is still open"
    );
    assert_eq!(text.matches("$$\n").count(), 4, "two displayed formulas");
    assert_eq!(text.matches("$x_{k}^{2} + \\sqrt{y}$").count(), 3);
    for (i, formula) in text.split("$$").enumerate().filter(|(i, _)| i % 2 == 1) {
        assert!(!formula.contains('t'), "formula {i}: {formula:?}");
    }
}
