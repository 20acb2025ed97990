//! The NovelAI family: the subscription, generation blocking and streamed, the token, request
//! checks, every scenario, and the binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use futures::StreamExt;
use serde_json::{json, Value};
use switchboard_fakes::{
    slow_reply_text, FakeOptions, FakeServer, Family, Scenario, ECHO_NOTHING, NOVELAI_MAX_LENGTH,
    NOVELAI_MODELS, PARTIAL_TEXT, REASONING_TEXT, REPLY_TEXT, SLOW_PIECES,
};

const JSON: &str = "application/json; charset=utf-8";
const BAD_TOKEN: &str = r#"{"statusCode":401,"message":"Access Token is incorrect."}"#;
const TOKEN: &str = "pst-fake-token";

fn novelai(scenario: Scenario) -> FakeOptions {
    FakeOptions {
        family: Family::NovelAi,
        scenario,
        ..Default::default()
    }
}

async fn start_novelai(scenario: Scenario) -> FakeServer {
    FakeServer::start(novelai(scenario)).await.unwrap()
}

fn gen_body() -> Value {
    json!({"input": "Once upon", "model": "kayra-v1", "parameters": {"use_string": true,
           "max_length": 150, "min_length": 1, "temperature": 1.0,
           "stop_sequences": [[85], [198, 198]], "bad_words_ids": [[3], [49356]],
           "generate_until_sentence": true, "order": [1, 5, 0, 2, 3, 4]}})
}

/// `(token, ptr, final)` of each event, checking the framing.
fn events(text: &str) -> Vec<(String, i64, bool)> {
    let (events, _) = parse_sse(text);
    events
        .into_iter()
        .filter(|e| e.data.is_some())
        .map(|e| {
            let data = e.data.unwrap();
            let v: Value = serde_json::from_str(&data).unwrap();
            assert_eq!(
                serde_json::to_string(&v).unwrap().len(),
                data.len(),
                "compact"
            );
            let ptr = v["ptr"].as_i64().unwrap();
            assert_eq!(
                e.fields,
                [
                    ("event".to_owned(), "newToken".to_owned()),
                    ("id".to_owned(), ptr.to_string())
                ]
            );
            (
                v["token"].as_str().unwrap().to_owned(),
                ptr,
                v["final"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn joined(events: &[(String, i64, bool)]) -> String {
    events.iter().map(|(t, _, _)| t.as_str()).collect()
}

async fn generate(server: &FakeServer, body: &Value) -> Read {
    read(post(server, "/ai/generate", body).await).await
}

async fn stream(server: &FakeServer, body: &Value) -> Read {
    read(post(server, "/ai/generate-stream", body).await).await
}

#[tokio::test]
async fn the_subscription_needs_the_token() {
    let server = FakeServer::start(FakeOptions {
        api_key: Some(TOKEN.into()),
        ..novelai(Scenario::Normal)
    })
    .await
    .unwrap();
    let base = server.base_url();
    let ok = client()
        .get(format!("{base}/user/subscription"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let ok = read(ok).await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.header("content-type"), Some(JSON));
    let sub = ok.json();
    assert_eq!(sub["tier"], 3);
    assert_eq!(sub["active"], true);
    assert!(sub["expiresAt"].is_i64());
    assert_eq!(sub["perks"]["contextTokens"], 8192);
    assert_eq!(sub["perks"]["unlimitedImageGeneration"], true);
    assert_eq!(sub["perks"]["maxPriorityActions"], 1000);
    assert_eq!(sub["paymentProcessorData"], Value::Null);
    assert_eq!(
        sub["trainingStepsLeft"],
        json!({"fixedTrainingStepsLeft": 8230, "purchasedTrainingSteps": 0})
    );
    assert_eq!(sub["accountType"], 0);
    assert!(ok
        .text()
        .starts_with(r#"{"tier":3,"active":true,"expiresAt":"#));
    for auth in [None, Some("Bearer wrong"), Some("bearer pst-fake-token")] {
        let mut request = client().get(format!("{base}/user/subscription"));
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        let r = read(request.send().await.unwrap()).await;
        assert_eq!((r.status, r.text().as_str()), (401, BAD_TOKEN), "{auth:?}");
        let generated = client()
            .post(format!("{base}/ai/generate"))
            .json(&gen_body());
        let generated = match auth {
            Some(auth) => generated.header("authorization", auth),
            None => generated,
        };
        assert_eq!(generated.send().await.unwrap().status(), 401);
    }
    // Both hosts' routes under any prefix, in one server.
    let prefixed = client()
        .post(format!("{base}/text/ai/generate"))
        .bearer_auth(TOKEN)
        .json(&gen_body())
        .send()
        .await
        .unwrap();
    assert_eq!(prefixed.status(), 200);
    let recorded = server.requests();
    assert_eq!(
        recorded[0].header("authorization"),
        Some("Bearer pst-fake-token")
    );
}

#[tokio::test]
async fn blocking_and_streamed_generation_agree() {
    let server = start_novelai(Scenario::Normal).await;
    let blocking = generate(&server, &gen_body()).await;
    assert_eq!(blocking.status, 200);
    assert_eq!(blocking.header("content-type"), Some(JSON));
    assert_eq!(blocking.text(), format!("{{\"output\":\"{REPLY_TEXT}\"}}"));

    let streamed = stream(&server, &gen_body()).await;
    assert_eq!(streamed.status, 200);
    assert_eq!(streamed.header("content-type"), Some("text/event-stream"));
    assert!(streamed.error.is_none());
    let text = streamed.text();
    assert!(
        text.starts_with(
            "event: newToken\nid: 0\ndata: {\"token\":\"Hello \",\"ptr\":0,\"final\":false}\n\n"
        ),
        "{text}"
    );
    assert!(text.ends_with(",\"final\":true}\n\n"));
    assert!(!text.contains("[DONE]"));
    let evs = events(&text);
    assert_eq!(joined(&evs), REPLY_TEXT);
    let ptrs: Vec<i64> = evs.iter().map(|(_, p, _)| *p).collect();
    assert_eq!(ptrs, (0..evs.len() as i64).collect::<Vec<_>>());
    let (last, rest) = evs.split_last().unwrap();
    assert!(last.2 && rest.iter().all(|(_, _, f)| !f));
    assert!(text.contains("日本語"), "UTF-8 as is");
}

#[tokio::test]
async fn max_length_cuts_in_fake_tokens() {
    let server = FakeServer::start(FakeOptions {
        reply: Some("one two three four".into()),
        ..novelai(Scenario::Normal)
    })
    .await
    .unwrap();
    let mut body = gen_body();
    body["parameters"]["max_length"] = json!(2);
    assert_eq!(
        generate(&server, &body).await.json(),
        json!({"output": "one two "})
    );
    let evs = events(&stream(&server, &body).await.text());
    assert_eq!(evs.len(), 2);
    assert_eq!(joined(&evs), "one two ");
    assert!(evs[1].2);
}

#[tokio::test]
async fn bad_requests_are_rejected() {
    let server = start_novelai(Scenario::Normal).await;
    let models = NOVELAI_MODELS.join(", ");
    let mut cases = vec![
        (
            json!({"model": "kayra-v1"}),
            "input must be a string".to_owned(),
        ),
        (
            json!({"input": "x", "model": "gpt-4o", "parameters": {"use_string": true}}),
            format!("model must be one of the following values: {models}"),
        ),
        (
            json!({"input": "x", "model": "clio-v1"}),
            "parameters must be an object".to_owned(),
        ),
    ];
    let with = |parameters: Value| json!({"input": "x", "model": "llama-3-erato-v1", "parameters": parameters});
    cases.extend([
        (
            with(json!({"max_length": 40})),
            "parameters.use_string must be true (this fake only answers text, not base64 token ids)".to_owned(),
        ),
        (
            with(json!({"use_string": true, "max_length": 0})),
            "parameters.max_length must not be less than 1".to_owned(),
        ),
        (
            with(json!({"use_string": true, "max_length": NOVELAI_MAX_LENGTH + 1})),
            "parameters.max_length must not be greater than 250".to_owned(),
        ),
        (
            with(json!({"use_string": true, "max_length": "40"})),
            "parameters.max_length must be an integer number".to_owned(),
        ),
        (
            with(json!({"use_string": true, "stop_sequences": ["\n\n"]})),
            "parameters.stop_sequences must be an array of arrays of token ids (integers)"
                .to_owned(),
        ),
        (
            with(json!({"use_string": true, "bad_words_ids": [["x"]]})),
            "parameters.bad_words_ids must be an array of arrays of token ids (integers)"
                .to_owned(),
        ),
    ]);
    for (body, message) in cases {
        for path in ["/ai/generate", "/ai/generate-stream"] {
            let r = read(post(&server, path, &body).await).await;
            assert_eq!(r.status, 400, "{path} {body}");
            let expected = format!("{{\"statusCode\":400,\"message\":{}}}", json!(message));
            assert_eq!(r.text(), expected, "{path} {body}");
        }
    }
    let not_json = client()
        .post(format!("{}/ai/generate", server.base_url()))
        .body("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
    let unknown = read(get(&server, "/ai/generate").await).await;
    assert_eq!(
        (unknown.status, unknown.text().as_str()),
        (
            404,
            r#"{"message":"Cannot GET /ai/generate","error":"Not Found","statusCode":404}"#
        )
    );
}

#[tokio::test]
async fn every_scenario_has_a_novelai_meaning() {
    for &scenario in Scenario::ALL {
        if matches!(scenario, Scenario::Stall | Scenario::StallBeforeHeaders) {
            continue; // stall_scenarios_hang_until_stopped
        }
        let server = FakeServer::start(FakeOptions {
            slow_delay: Duration::from_millis(1),
            ..novelai(scenario)
        })
        .await
        .unwrap();
        let name = scenario.name();
        let blocking = generate(&server, &gen_body()).await;
        let streamed = stream(&server, &gen_body()).await;
        let sub = read(get(&server, "/user/subscription").await).await;
        let ok_text = |text: &str| {
            assert_eq!(blocking.status, 200, "{name}");
            assert_eq!(blocking.json(), json!({"output": text}), "{name}");
            assert_eq!(streamed.status, 200, "{name}");
            assert!(streamed.error.is_none(), "{name}");
            let evs = events(&streamed.text());
            assert_eq!(joined(&evs), text, "{name}");
            assert!(evs.last().unwrap().2, "{name}: the last event is final");
        };
        match scenario {
            Scenario::Normal
            | Scenario::Usage
            | Scenario::UsageNullChoices
            | Scenario::NoModelsRoute
            | Scenario::EmptyModels => ok_text(REPLY_TEXT),
            Scenario::Slow => {
                ok_text(&slow_reply_text());
                assert_eq!(events(&streamed.text()).len(), SLOW_PIECES);
            }
            Scenario::Split => {
                ok_text(REPLY_TEXT);
                let text = streamed.text();
                assert!(text.contains("\r\n\r\n") && !text.replace("\r\n", "").contains('\n'));
                assert!(streamed.chunks.len() > 20, "hostile cuts");
                assert!(blocking.chunks.len() > 10, "the JSON is cut too");
            }
            Scenario::KeepAlive => {
                ok_text(REPLY_TEXT);
                let (evs, _) = parse_sse(&streamed.text());
                assert!(evs.iter().any(|e| e.comments == ["keep-alive"]));
            }
            Scenario::Reasoning | Scenario::ReasoningOpenRouter => {
                ok_text(&format!("<think>{REASONING_TEXT}</think>{REPLY_TEXT}"));
            }
            Scenario::MidStreamError | Scenario::MidStreamErrorOpenRouter => {
                assert_eq!(
                    (blocking.status, blocking.text().as_str()),
                    (
                        500,
                        r#"{"statusCode":500,"message":"Internal server error"}"#
                    )
                );
                let evs = events(&streamed.text());
                assert_eq!(joined(&evs), PARTIAL_TEXT);
                assert!(evs.iter().all(|(_, _, f)| !f));
                assert!(streamed.error.is_some(), "{name}: connection aborted");
            }
            Scenario::Truncated => {
                assert!(blocking.error.is_some(), "{name}");
                assert!(serde_json::from_slice::<Value>(&blocking.bytes()).is_err());
                let (evs, tail) = parse_sse(&streamed.text());
                assert_eq!(evs.len(), 2);
                assert!(
                    tail.starts_with("event: newToken\nid: 2\ndata: {"),
                    "{tail:?}"
                );
                assert!(streamed.error.is_some());
            }
            Scenario::EofNoDone => {
                assert_eq!(blocking.json(), json!({"output": PARTIAL_TEXT}));
                let evs = events(&streamed.text());
                assert_eq!(joined(&evs), PARTIAL_TEXT);
                assert!(evs.iter().all(|(_, _, f)| !f), "never final");
                assert!(streamed.error.is_none(), "clean end");
            }
            Scenario::DoneNoBlankLine => {
                assert_eq!(blocking.json(), json!({"output": REPLY_TEXT}));
                let text = streamed.text();
                assert!(text.ends_with("\"final\":true}"), "{text:?}");
                let (_, tail) = parse_sse(&text);
                let mut all = events(&text);
                all.extend(events(&format!("{tail}\n\n")));
                assert_eq!(joined(&all), REPLY_TEXT);
            }
            Scenario::Unauthorized => {
                for r in [&blocking, &streamed, &sub] {
                    assert_eq!((r.status, r.text().as_str()), (401, BAD_TOKEN), "{name}");
                }
            }
            Scenario::ModelNotFound => {
                for r in [&blocking, &streamed] {
                    assert_eq!(r.status, 400);
                    assert!(r.json()["message"]
                        .as_str()
                        .unwrap()
                        .starts_with("model must be one of"));
                }
            }
            Scenario::RateLimited | Scenario::RateLimitedNoRetryAfter => {
                for r in [&blocking, &streamed] {
                    assert_eq!(
                        (r.status, r.text().as_str()),
                        (
                            429,
                            r#"{"statusCode":429,"message":"Too many concurrent requests."}"#
                        )
                    );
                    assert_eq!(
                        r.header("retry-after"),
                        (scenario == Scenario::RateLimited).then_some("7")
                    );
                }
            }
            Scenario::Overloaded => {
                for r in [&blocking, &streamed] {
                    assert_eq!(
                        (r.status, r.text().as_str()),
                        (503, r#"{"statusCode":503,"message":"Service Unavailable"}"#)
                    );
                }
            }
            Scenario::ServerErrorHtml => {
                for r in [&blocking, &streamed, &sub] {
                    assert_eq!(r.status, 500);
                    assert!(r.text().contains("<center>nginx</center>"));
                }
            }
            Scenario::EchoUnauthorized => {
                for r in [&blocking, &streamed, &sub] {
                    assert_eq!(r.status, 401, "{name}");
                    assert_eq!(r.json()["message"], ECHO_NOTHING, "{name}");
                }
            }
            Scenario::EchoMidStream => {
                assert_eq!(blocking.status, 500, "{name}");
                assert_eq!(blocking.json()["message"], ECHO_NOTHING);
                let text = streamed.text();
                let last = text.rfind("data:").unwrap();
                assert_eq!(joined(&events(&text[..last])), PARTIAL_TEXT);
                let (evs, _) = parse_sse(&text);
                let error: Value = serde_json::from_str(evs[2].data.as_deref().unwrap()).unwrap();
                assert_eq!(error, json!({"statusCode": 500, "message": ECHO_NOTHING}));
            }
            Scenario::EchoPage => {
                for r in [&blocking, &streamed, &sub] {
                    assert_eq!(r.status, 200, "{name}");
                    assert!(r.text().contains("<title>Sign in: "), "{name}");
                }
            }
            Scenario::Stall | Scenario::StallBeforeHeaders => unreachable!(),
        }
        if !matches!(
            scenario,
            Scenario::Unauthorized
                | Scenario::ServerErrorHtml
                | Scenario::EchoUnauthorized
                | Scenario::EchoPage
        ) {
            assert_eq!(sub.status, 200, "{name}");
        }
    }
}

#[tokio::test]
async fn slow_takes_its_time() {
    let server = FakeServer::start(FakeOptions {
        slow_delay: Duration::from_millis(2),
        ..novelai(Scenario::Slow)
    })
    .await
    .unwrap();
    let started = Instant::now();
    let blocking = generate(&server, &gen_body()).await;
    assert!(started.elapsed() >= Duration::from_millis(2 * SLOW_PIECES as u64));
    assert_eq!(blocking.json(), json!({"output": slow_reply_text()}));
    let started = Instant::now();
    let streamed = stream(&server, &gen_body()).await;
    assert!(started.elapsed() >= Duration::from_millis(2 * (SLOW_PIECES as u64 - 1)));
    assert!(
        streamed.chunks.len() >= SLOW_PIECES,
        "frames arrive separately"
    );
}

#[tokio::test]
async fn stall_scenarios_hang_until_stopped() {
    let server = start_novelai(Scenario::StallBeforeHeaders).await;
    let url = format!("{}/user/subscription", server.base_url());
    let pending = tokio::time::timeout(Duration::from_millis(300), client().get(url).send()).await;
    assert!(pending.is_err(), "no headers");

    let server = start_novelai(Scenario::Stall).await;
    let response = post(&server, "/ai/generate-stream", &gen_body()).await;
    let mut body = response.bytes_stream();
    let mut seen = Vec::new();
    let reading = async {
        while events(&String::from_utf8_lossy(&seen)).len() < 2 {
            match body.next().await {
                Some(Ok(chunk)) => seen.extend_from_slice(&chunk),
                _ => break,
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(5), reading)
        .await
        .unwrap();
    assert_eq!(
        joined(&events(&String::from_utf8(seen).unwrap())),
        PARTIAL_TEXT
    );
    let more = tokio::time::timeout(Duration::from_millis(200), body.next()).await;
    assert!(more.is_err(), "silence after the partial text");

    let blocking = post(&server, "/ai/generate", &gen_body()).await;
    assert_eq!(blocking.status(), 200, "headers arrive");
    let rest = tokio::time::timeout(Duration::from_millis(200), blocking.bytes()).await;
    assert!(rest.is_err(), "the body never does");
    server.shutdown().await;
}

#[test]
fn the_binary_serves_the_novelai_family() {
    let binary = Binary::start(&["--family", "novelai", "--api-key", TOKEN]);
    let base = binary.base.clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (tier, denied) = runtime.block_on(async {
        let sub: Value = client()
            .get(format!("{base}/user/subscription"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let denied = client()
            .get(format!("{base}/user/subscription"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        (sub["tier"].clone(), denied)
    });
    drop(binary);
    assert_eq!((tier, denied), (json!(3), 401));
}
