//! The Kobold family: KoboldCpp 1.76 and KoboldAI United's native API, every scenario blocking
//! and streamed, the password, validation, abort, recording, and fidelity to the bytes recorded
//! from a real KoboldCpp 1.76 (`fixtures/recorded/koboldcpp-kobold-api/`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::*;
use futures::StreamExt;
use serde_json::{json, Value};
use switchboard_fakes::{
    slow_reply_text, FakeOptions, FakeServer, Family, KoboldAbort, KoboldServer, Scenario,
    ECHO_NOTHING, PARTIAL_TEXT, REASONING_TEXT, REPLY_TEXT, SLOW_PIECES,
};

const DIR: &str = "koboldcpp-kobold-api";
const BUSY: &str = r#"{"detail": {"msg": "Server is busy; please try again later.", "type": "service_unavailable"}}"#;
const NOT_FOUND: &str =
    "Error: HTTP Server is running, but this endpoint does not exist. Please check the URL.";

fn kobold(scenario: Scenario) -> FakeOptions {
    FakeOptions {
        family: Family::Kobold,
        scenario,
        ..Default::default()
    }
}

async fn start_kobold(scenario: Scenario) -> FakeServer {
    FakeServer::start(kobold(scenario)).await.unwrap()
}

fn gen_body() -> Value {
    json!({"prompt": "Hi", "max_length": 180, "max_context_length": 2048, "temperature": 0.7,
           "sampler_order": [6, 0, 1, 3, 4, 2, 5], "stop_sequence": ["\nUser:"]})
}

/// The `(token, finish_reason)` of each stream event, checking the 1.76 framing.
fn events(text: &str) -> Vec<(String, String)> {
    let (events, _) = parse_sse(text);
    events
        .into_iter()
        .filter(|e| e.data.is_some())
        .map(|e| {
            assert_eq!(e.fields, [("event".to_owned(), "message".to_owned())]);
            let data = e.data.unwrap();
            let parsed = Ordered::parse(&data);
            assert_eq!(parsed.python(), data, "json.dumps output");
            let v: Value = serde_json::from_str(&data).unwrap();
            (
                v["token"].as_str().unwrap().to_owned(),
                v["finish_reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn joined(events: &[(String, String)]) -> String {
    events.iter().map(|(t, _)| t.as_str()).collect()
}

/// Reads a response until `pred` holds for what arrived (or the body ends), at most 5 s.
async fn read_until(
    body: &mut (impl futures::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin),
    pred: impl Fn(&str) -> bool,
) -> String {
    let mut seen = Vec::new();
    let reading = async {
        while !pred(&String::from_utf8_lossy(&seen)) {
            match body.next().await {
                Some(Ok(chunk)) => seen.extend_from_slice(&chunk),
                _ => break,
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(5), reading)
        .await
        .expect("timed out");
    String::from_utf8(seen).unwrap()
}

#[tokio::test]
async fn discovery_routes_answer_like_koboldcpp() {
    let server = FakeServer::start(FakeOptions {
        models: vec!["MyModel-Q4_K_M".into()],
        context_length: 8192,
        ..kobold(Scenario::Normal)
    })
    .await
    .unwrap();
    for (path, body) in [
        ("/api/v1/model", r#"{"result": "koboldcpp/MyModel-Q4_K_M"}"#),
        (
            "/api/latest/model/",
            r#"{"result": "koboldcpp/MyModel-Q4_K_M"}"#,
        ),
        ("/api/v1/info/version", r#"{"result": "1.2.5"}"#),
        ("/api/v1/config/max_length", r#"{"value": 400}"#),
        ("/api/v1/config/max_context_length", r#"{"value": 8192}"#),
        ("/api/extra/true_max_context_length", r#"{"value": 8192}"#),
        (
            "/api/extra/version",
            r#"{"result": "KoboldCpp", "version": "1.76", "protected": false, "txt2img": false, "vision": false, "transcribe": false}"#,
        ),
        // Any prefix, as KoboldCpp routes on the end of the path.
        (
            "/proxy/kcpp/api/v1/model",
            r#"{"result": "koboldcpp/MyModel-Q4_K_M"}"#,
        ),
    ] {
        let r = read(get(&server, path).await).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.text(), body, "{path}");
        assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    }
    let missing = read(get(&server, "/api/v1/does-not-exist").await).await;
    assert_eq!((missing.status, missing.text().as_str()), (404, NOT_FOUND));
    let wrong_method = read(get(&server, "/api/v1/generate").await).await;
    assert_eq!(wrong_method.status, 404);
    // KoboldCpp's OpenAI-compatible routes come along.
    let chat = read(post(&server, "/v1/chat/completions", &chat_body(false)).await).await;
    assert_eq!(chat.status, 200);
    assert_eq!(chat.json()["id"], "chatcmpl-A1");
}

#[tokio::test]
async fn mount_restricts_the_prefix() {
    let server = FakeServer::start(FakeOptions {
        mount: Some("/kcpp".into()),
        ..kobold(Scenario::Normal)
    })
    .await
    .unwrap();
    assert_eq!(
        read(get(&server, "/kcpp/api/v1/model").await).await.status,
        200
    );
    assert_eq!(read(get(&server, "/api/v1/model").await).await.status, 404);
}

#[tokio::test]
async fn blocking_and_streamed_generation_agree() {
    let server = start_kobold(Scenario::Normal).await;
    let blocking = read(post(&server, "/api/v1/generate", &gen_body()).await).await;
    assert_eq!(blocking.status, 200);
    assert_eq!(
        blocking.text(),
        Ordered::parse(&blocking.text()).python(),
        "json.dumps"
    );
    assert_eq!(
        blocking.json(),
        json!({"results": [{"text": REPLY_TEXT, "finish_reason": "stop"}]})
    );
    let streamed = read(post(&server, "/api/extra/generate/stream", &gen_body()).await).await;
    assert_eq!(streamed.header("content-type"), Some("text/event-stream"));
    assert_eq!(streamed.header("cache-control"), Some("no-cache"));
    let text = streamed.text();
    assert!(!text.contains("[DONE]"));
    assert!(text.ends_with("\"finish_reason\": \"stop\"}\n\n"));
    let evs = events(&text);
    assert!(evs.len() >= 4);
    let (last, rest) = evs.split_last().unwrap();
    assert!(
        rest.iter().all(|(_, f)| f == "null"),
        "1.76: the string null"
    );
    assert_eq!(last.1, "stop");
    assert_eq!(joined(&evs), REPLY_TEXT);
    assert!(text.contains(r"\u65e5\u672c\u8a9e"), "ASCII-escaped");
}

#[tokio::test]
async fn max_length_and_stop_sequences_limit_the_reply() {
    let server = FakeServer::start(FakeOptions {
        reply: Some("one two three four".into()),
        ..kobold(Scenario::Normal)
    })
    .await
    .unwrap();
    let generate = |body: Value| {
        let server = &server;
        async move {
            let r = read(post(server, "/api/v1/generate", &body).await).await;
            let v = r.json();
            (
                v["results"][0]["text"].as_str().unwrap().to_owned(),
                v["results"][0]["finish_reason"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        }
    };
    let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    assert_eq!(
        generate(json!({"prompt": "x", "max_length": 2})).await,
        pair("one two ", "length")
    );
    assert_eq!(
        generate(json!({"prompt": "x", "stop_sequence": ["ee", "o t"]})).await,
        pair("one two t", "length"),
        "kept, and 1.76 says length"
    );
    assert_eq!(
        generate(json!({"prompt": "x", "stop_sequence": ["ee"], "trim_stop": true})).await,
        pair("one two thr", "length")
    );
    let streamed = read(
        post(
            &server,
            "/api/extra/generate/stream",
            &json!({"prompt": "x", "stop_sequence": ["four"]}),
        )
        .await,
    )
    .await;
    let evs = events(&streamed.text());
    assert_eq!(joined(&evs), "one two three four");
    assert_eq!(evs.last().unwrap().1, "length");
}

#[tokio::test]
async fn every_scenario_has_a_kobold_meaning() {
    for &scenario in Scenario::ALL {
        if matches!(scenario, Scenario::Stall | Scenario::StallBeforeHeaders) {
            continue; // stall_scenarios_hang_until_stopped
        }
        let server = FakeServer::start(FakeOptions {
            slow_delay: Duration::from_millis(1),
            ..kobold(scenario)
        })
        .await
        .unwrap();
        let blocking = read(post(&server, "/api/v1/generate", &gen_body()).await).await;
        let streamed = read(post(&server, "/api/extra/generate/stream", &gen_body()).await).await;
        let model = read(get(&server, "/api/v1/model").await).await;
        let name = format!("{scenario}");
        let ok_text = |text: &str, finish: &str| {
            assert_eq!(blocking.status, 200, "{name}");
            assert_eq!(
                blocking.json(),
                json!({"results": [{"text": text, "finish_reason": finish}]}),
                "{name}"
            );
            assert_eq!(streamed.status, 200, "{name}");
            let evs = events(&streamed.text());
            assert_eq!(joined(&evs), text, "{name}");
            assert_eq!(evs.last().unwrap().1, finish, "{name}");
            assert!(streamed.error.is_none(), "{name}");
        };
        match scenario {
            Scenario::Normal
            | Scenario::Usage
            | Scenario::UsageNullChoices
            | Scenario::NoModelsRoute
            | Scenario::EmptyModels => ok_text(REPLY_TEXT, "stop"),
            Scenario::Slow => {
                ok_text(&slow_reply_text(), "stop");
                assert_eq!(events(&streamed.text()).len(), SLOW_PIECES);
            }
            Scenario::Split => {
                ok_text(REPLY_TEXT, "stop");
                let text = streamed.text();
                assert!(text.contains("\r\n\r\n") && !text.replace("\r\n", "").contains('\n'));
                assert!(streamed.chunks.len() > 20, "hostile cuts");
            }
            Scenario::KeepAlive => {
                ok_text(REPLY_TEXT, "stop");
                let (evs, _) = parse_sse(&streamed.text());
                assert!(evs.iter().any(|e| e.comments == ["keep-alive"]));
            }
            Scenario::Reasoning | Scenario::ReasoningOpenRouter => ok_text(
                &format!("<think>{REASONING_TEXT}</think>{REPLY_TEXT}"),
                "stop",
            ),
            Scenario::MidStreamError | Scenario::MidStreamErrorOpenRouter => {
                assert!(blocking.error.is_some() || blocking.status != 200, "{name}");
                let evs = events(&streamed.text());
                assert_eq!(joined(&evs), PARTIAL_TEXT);
                assert!(evs.iter().all(|(_, f)| f == "null"));
                assert!(streamed.error.is_some(), "{name}: connection aborted");
            }
            Scenario::Truncated => {
                assert!(blocking.error.is_some(), "{name}");
                assert!(serde_json::from_slice::<Value>(&blocking.bytes()).is_err());
                let (evs, tail) = parse_sse(&streamed.text());
                assert_eq!(evs.len(), 2);
                assert!(tail.starts_with("event: message\ndata: {"), "{tail:?}");
                assert!(streamed.error.is_some());
            }
            Scenario::EofNoDone => {
                assert_eq!(
                    blocking.json(),
                    json!({"results": [{"text": PARTIAL_TEXT}]})
                );
                let evs = events(&streamed.text());
                assert_eq!(joined(&evs), PARTIAL_TEXT);
                assert!(evs.iter().all(|(_, f)| f == "null"));
                assert!(streamed.error.is_none(), "clean end");
            }
            Scenario::DoneNoBlankLine => {
                assert_eq!(blocking.json()["results"][0]["finish_reason"], "length");
                let text = streamed.text();
                assert!(text.ends_with("\"finish_reason\": \"length\"}"), "{text:?}");
                let (evs, tail) = parse_sse(&text);
                let mut all = events(&text);
                assert_eq!(evs.len(), all.len(), "the last event is unterminated");
                all.push(events(&format!("{tail}\n\n"))[0].clone());
                assert_eq!(joined(&all), REPLY_TEXT);
            }
            Scenario::Unauthorized => {
                for r in [&blocking, &streamed] {
                    assert_eq!(r.status, 401);
                    assert_eq!(
                        r.bytes(),
                        recorded(&format!("{DIR}/auth-missing-generate.response.body"))
                    );
                }
                assert_eq!(model.json(), json!({"result": "koboldcpp/protected-model"}));
            }
            Scenario::ModelNotFound => {
                for r in [&blocking, &streamed] {
                    assert_eq!((r.status, r.text().as_str()), (404, NOT_FOUND));
                }
            }
            Scenario::RateLimited | Scenario::RateLimitedNoRetryAfter | Scenario::Overloaded => {
                for r in [&blocking, &streamed] {
                    assert_eq!((r.status, r.text().as_str()), (503, BUSY), "{name}");
                    assert_eq!(
                        r.header("retry-after"),
                        (scenario == Scenario::RateLimited).then_some("7")
                    );
                }
            }
            Scenario::ServerErrorHtml => {
                for r in [&blocking, &streamed, &model] {
                    assert_eq!(r.status, 500);
                    assert!(r.text().contains("<center>nginx</center>"));
                }
            }
            Scenario::EchoUnauthorized => {
                for r in [&blocking, &streamed, &model] {
                    assert_eq!(r.status, 401, "{name}");
                    assert_eq!(r.json()["detail"]["msg"], ECHO_NOTHING, "{name}");
                }
            }
            Scenario::EchoMidStream => {
                assert_eq!(blocking.status, 500, "{name}");
                assert_eq!(blocking.json()["detail"]["msg"], ECHO_NOTHING);
                let (evs, tail) = parse_sse(&streamed.text());
                assert_eq!(evs.len(), 3, "{name}");
                let text = events(&streamed.text()[..streamed.text().rfind("event:").unwrap()]);
                assert_eq!(joined(&text), PARTIAL_TEXT);
                let error: Value = serde_json::from_str(evs[2].data.as_deref().unwrap()).unwrap();
                assert_eq!(error["detail"]["msg"], ECHO_NOTHING);
                assert!(tail.is_empty() && streamed.error.is_none(), "{name}");
            }
            Scenario::EchoPage => {
                for r in [&blocking, &streamed, &model] {
                    assert_eq!(r.status, 200, "{name}");
                    assert!(r
                        .text()
                        .contains(&format!("<title>Sign in: {ECHO_NOTHING}</title>")));
                }
            }
            Scenario::Stall | Scenario::StallBeforeHeaders => unreachable!(),
        }
        match scenario {
            Scenario::NoModelsRoute => assert_eq!(model.status, 404),
            Scenario::EmptyModels => assert_eq!(model.text(), r#"{"result": ""}"#),
            Scenario::Unauthorized
            | Scenario::ServerErrorHtml
            | Scenario::EchoUnauthorized
            | Scenario::EchoPage => {}
            _ => assert_eq!(model.text(), r#"{"result": "koboldcpp/fake-model-1"}"#),
        }
    }
}

#[tokio::test]
async fn stall_scenarios_hang_until_stopped() {
    let server = start_kobold(Scenario::StallBeforeHeaders).await;
    let url = format!("{}/api/v1/model", server.base_url());
    let pending = tokio::time::timeout(Duration::from_millis(300), client().get(url).send()).await;
    assert!(pending.is_err(), "no headers");

    let server = start_kobold(Scenario::Stall).await;
    let response = post(&server, "/api/extra/generate/stream", &gen_body()).await;
    let mut body = response.bytes_stream();
    let seen = read_until(&mut body, |t| events(t).len() == 2).await;
    assert_eq!(joined(&events(&seen)), PARTIAL_TEXT);
    let more = tokio::time::timeout(Duration::from_millis(200), body.next()).await;
    assert!(more.is_err(), "silence after the partial text");

    let url = format!("{}/api/v1/generate", server.base_url());
    let blocking = tokio::time::timeout(
        Duration::from_millis(200),
        client().post(url).json(&gen_body()).send(),
    )
    .await;
    assert!(
        blocking.is_err(),
        "a stalled blocking generation does not answer"
    );
}

#[tokio::test]
async fn abort_stops_the_stream_of_its_genkey_and_is_recorded() {
    let server = FakeServer::start(FakeOptions {
        slow_delay: Duration::from_millis(20),
        ..kobold(Scenario::Slow)
    })
    .await
    .unwrap();
    let mut body = gen_body();
    body["genkey"] = json!("KCPP1234");
    let response = post(&server, "/api/extra/generate/stream", &body).await;
    let mut stream = response.bytes_stream();
    let first = read_until(&mut stream, |t| events(t).len() >= 3).await;

    let other = read(
        post(
            &server,
            "/api/extra/abort",
            &json!({"genkey": "someone-else"}),
        )
        .await,
    )
    .await;
    assert_eq!(other.text(), r#"{"success": "false", "done": "false"}"#);
    let abort = read(post(&server, "/api/extra/abort", &json!({"genkey": "KCPP1234"})).await).await;
    assert_eq!(abort.status, 200);
    assert_eq!(
        abort.bytes(),
        recorded(&format!("{DIR}/abort.response.body")),
        "as recorded"
    );

    let rest = read_until(&mut stream, |_| false).await;
    let all = events(&format!("{first}{rest}"));
    assert!(all.len() < SLOW_PIECES, "ended early: {} events", all.len());
    let (last, before) = all.split_last().unwrap();
    assert_eq!(last.1, "length");
    assert!(before.iter().all(|(_, f)| f == "null"));
    assert!(slow_reply_text().starts_with(&joined(&all)));

    assert_eq!(
        server.aborts(),
        [
            KoboldAbort {
                genkey: Some("someone-else".into()),
                stopped: 0
            },
            KoboldAbort {
                genkey: Some("KCPP1234".into()),
                stopped: 1
            },
        ]
    );
    let aborts = read(get(&server, "/__fake/aborts").await).await.json();
    assert_eq!(aborts[1], json!({"genkey": "KCPP1234", "stopped": 1}));
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/api/extra/generate/stream",
            "/api/extra/abort",
            "/api/extra/abort"
        ]
    );
}

#[tokio::test]
async fn abort_without_genkey_stops_blocking_and_stalled_generations() {
    let server = FakeServer::start(FakeOptions {
        slow_delay: Duration::from_millis(20),
        ..kobold(Scenario::Slow)
    })
    .await
    .unwrap();
    let url = format!("{}/api/v1/generate", server.base_url());
    let pending = tokio::spawn(client().post(url).json(&gen_body()).send());
    // Aborted once some text exists (and long before all of it).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while server.kobold_pieces_generated() == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no text was generated"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let abort = read(post(&server, "/api/extra/abort", &json!({})).await).await;
    assert_eq!(abort.text(), r#"{"success": "true", "done": "true"}"#);
    let answer = read(pending.await.unwrap().unwrap()).await.json();
    let text = answer["results"][0]["text"].as_str().unwrap();
    assert!(
        !text.is_empty() && text.len() < slow_reply_text().len(),
        "{text}"
    );
    assert_eq!(answer["results"][0]["finish_reason"], "length");

    server.set_scenario(Scenario::Stall);
    let response = post(&server, "/api/extra/generate/stream", &gen_body()).await;
    let mut stream = response.bytes_stream();
    read_until(&mut stream, |t| events(t).len() == 2).await;
    post(&server, "/api/extra/abort", &json!({})).await;
    let rest = read_until(&mut stream, |_| false).await;
    assert_eq!(events(&rest), [(String::new(), "length".to_owned())]);
    assert_eq!(server.aborts().last().unwrap().stopped, 1);
}

#[tokio::test]
async fn the_password_guards_generation_like_koboldcpp() {
    let server = FakeServer::start(FakeOptions {
        api_key: Some("kcpp-test-password".into()),
        ..kobold(Scenario::Normal)
    })
    .await
    .unwrap();
    let base = server.base_url();
    let unauthorized = recorded(&format!("{DIR}/auth-missing-generate.response.body"));
    for path in [
        "/api/v1/generate",
        "/api/extra/generate/stream",
        "/api/extra/abort",
        "/api/extra/tokencount",
    ] {
        for auth in [
            None,
            Some("Bearer wrong-key"),
            Some("bearer kcpp-test-password"),
        ] {
            let mut request = client().post(format!("{base}{path}")).json(&gen_body());
            if let Some(auth) = auth {
                request = request.header("authorization", auth);
            }
            let r = read(request.send().await.unwrap()).await;
            assert_eq!(r.status, 401, "{path} {auth:?}");
            assert_eq!(r.bytes(), unauthorized);
        }
    }
    let x_api_key = client()
        .post(format!("{base}/api/v1/generate"))
        .header("x-api-key", "kcpp-test-password")
        .json(&gen_body())
        .send()
        .await
        .unwrap();
    assert_eq!(x_api_key.status(), 401, "only the bearer token counts");
    let ok = client()
        .post(format!("{base}/api/v1/generate"))
        .bearer_auth("kcpp-test-password")
        .json(&gen_body())
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let model = read(get(&server, "/api/v1/model").await).await;
    assert_eq!(
        model.bytes(),
        recorded(&format!("{DIR}/auth-missing-model.response.body"))
    );
    let authed_model = client()
        .get(format!("{base}/api/v1/model"))
        .bearer_auth("kcpp-test-password")
        .send()
        .await
        .unwrap();
    assert_eq!(
        read(authed_model).await.json(),
        json!({"result": "koboldcpp/fake-model-1"})
    );
    let version = read(get(&server, "/api/extra/version").await).await.json();
    assert_eq!(version["protected"], true);
}

#[tokio::test]
async fn bad_requests_are_rejected() {
    let server = start_kobold(Scenario::Normal).await;
    let no_prompt = read(post(&server, "/api/v1/generate", &json!({"max_length": 0})).await).await;
    assert_eq!(no_prompt.status, 422);
    assert_eq!(
        no_prompt.text(),
        r#"{"detail": {"prompt": ["Missing data for required field."], "max_length": ["Must be greater than or equal to 1."]}}"#
    );
    let bad_types = read(
        post(
            &server,
            "/api/extra/generate/stream",
            &json!({"prompt": 1, "max_context_length": "x", "stop_sequence": "\n"}),
        )
        .await,
    )
    .await;
    assert_eq!(bad_types.status, 422);
    let detail = bad_types.json()["detail"].clone();
    assert_eq!(detail["prompt"], json!(["Not a valid string."]));
    assert_eq!(
        detail["max_context_length"],
        json!(["Not a valid integer."])
    );
    assert_eq!(detail["stop_sequence"], json!(["Not a valid list."]));

    let tokens = read(
        post(
            &server,
            "/api/extra/tokencount",
            &json!({"prompt": "a b c"}),
        )
        .await,
    )
    .await;
    let v = tokens.json();
    assert_eq!(v["value"], 3);
    assert_eq!(v["ids"].as_array().unwrap().len(), 3);
    let no_tokens = read(post(&server, "/api/extra/tokencount", &json!({})).await).await;
    assert_eq!(
        (no_tokens.status, no_tokens.text().as_str()),
        (400, r#"{"value": -1}"#)
    );
}

#[tokio::test]
async fn united_has_no_extras_and_its_own_shapes() {
    let server = FakeServer::start(FakeOptions {
        kobold: KoboldServer::United,
        ..kobold(Scenario::Normal)
    })
    .await
    .unwrap();
    assert_eq!(
        read(get(&server, "/api/v1/model").await).await.text(),
        r#"{"result":"fake-model-1"}"#
    );
    assert_eq!(
        read(get(&server, "/api/v1/info/version").await)
            .await
            .text(),
        r#"{"result":"1.2.6"}"#
    );
    let generated = read(post(&server, "/api/v1/generate", &gen_body()).await).await;
    assert_eq!(generated.json(), json!({"results": [{"text": REPLY_TEXT}]}));
    assert!(generated.text().contains(r"\u65e5") && !generated.text().contains(": "));
    for path in [
        "/api/extra/generate/stream",
        "/api/extra/abort",
        "/api/extra/version",
        "/prefix/api/v1/generate",
    ] {
        let r = read(post(&server, path, &gen_body()).await).await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.json()["detail"]["type"], "generic.error_404");
    }
    let invalid = read(post(&server, "/api/v1/generate", &json!({"max_length": "x"})).await).await;
    assert_eq!(
        (invalid.status, invalid.text().as_str()),
        (
            422,
            r#"{"detail":{"max_length":["Not a valid integer."],"prompt":["Missing data for required field."]}}"#
        )
    );
    let method = read(get(&server, "/api/v1/generate").await).await;
    assert_eq!(method.status, 405);
    server.set_scenario(Scenario::Overloaded);
    let busy = read(post(&server, "/api/v1/generate", &gen_body()).await).await;
    assert_eq!(
        (busy.status, busy.text().as_str()),
        (
            503,
            r#"{"detail":{"msg":"Server is busy; please try again later.","type":"service_unavailable"}}"#
        )
    );
    server.set_scenario(Scenario::EmptyModels);
    assert_eq!(
        read(get(&server, "/api/v1/model").await).await.text(),
        r#"{"result":"ReadOnly"}"#
    );
}

#[tokio::test]
async fn requests_are_recorded() {
    let server = start_kobold(Scenario::Normal).await;
    post(&server, "/api/v1/generate", &gen_body()).await;
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, "/api/v1/generate");
    assert_eq!(requests[0].json().unwrap(), gen_body());
}

#[test]
fn the_binary_serves_the_kobold_family() {
    let binary = Binary::start(&["--family", "kobold", "--context-length", "2048"]);
    let base = binary.base.clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let body = runtime.block_on(async {
        let r = client()
            .get(format!("{base}/api/extra/true_max_context_length"))
            .send()
            .await
            .unwrap();
        r.text().await.unwrap()
    });
    drop(binary);
    assert_eq!(body, r#"{"value": 2048}"#);
}

// ---- Fidelity: the recorded KoboldCpp 1.76 exchanges replayed against the fake. ----

/// A recorded request: method, path, headers, body.
fn recorded_request(case: &str) -> (String, String, Vec<(String, String)>, Vec<u8>) {
    let raw = recorded(&format!("{DIR}/{case}.request.http"));
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let mut start = lines.next().unwrap().split(' ');
    let (method, path) = (
        start.next().unwrap().to_owned(),
        start.next().unwrap().to_owned(),
    );
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned()))
        .filter(|(n, _)| n == "authorization" || n == "content-type")
        .collect();
    (method, path, headers, body)
}

/// The status and the headers (lowercased names, trimmed values) of a recorded head, without
/// what differs per run or per HTTP version (`date`, `content-length`).
fn recorded_head(case: &str) -> (u16, Vec<(String, String)>) {
    let head = String::from_utf8(recorded(&format!("{DIR}/{case}.response.head"))).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let mut headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_owned()))
        .filter(|(n, _)| n != "date" && n != "content-length")
        .collect();
    headers.sort();
    (status, headers)
}

async fn replay(server: &FakeServer, case: &str) -> Read {
    let (method, path, headers, body) = recorded_request(case);
    let url = format!("{}{path}", server.base_url());
    let mut request = match method.as_str() {
        "GET" => client().get(url),
        _ => client().post(url).body(body),
    };
    for (name, value) in headers {
        request = request.header(name, value);
    }
    read(request.send().await.unwrap()).await
}

/// Checks status and head against the recording; returns the fake's answer.
async fn replay_checked(server: &FakeServer, case: &str) -> Read {
    let r = replay(server, case).await;
    let (status, headers) = recorded_head(case);
    assert_eq!(r.status, status, "{case}");
    let mut fake: Vec<(String, String)> = r
        .headers
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().trim().to_owned()))
        .filter(|(n, _)| !matches!(n.as_str(), "date" | "content-length" | "transfer-encoding"))
        .collect();
    fake.sort();
    assert_eq!(fake, headers, "{case}: head");
    r
}

fn recorded_options() -> FakeOptions {
    FakeOptions {
        models: vec!["tiny-random-llama".into()],
        reply: Some("vvvvvvzhkvc ".into()),
        context_length: 2048,
        ..kobold(Scenario::Normal)
    }
}

#[tokio::test]
async fn fidelity_bodies_and_heads_match_the_recordings() {
    let server = FakeServer::start(recorded_options()).await.unwrap();
    // Byte for byte.
    for case in [
        "model",
        "info-version",
        "extra-version",
        "true-max-context-length",
        "max-context-length",
        "max-length",
        "generate-stop-sequence",
        "generate-stop-sequence-trim",
        "generate-bad-json",
        "unknown-path",
    ] {
        let r = replay_checked(&server, case).await;
        assert_eq!(
            r.bytes(),
            recorded(&format!("{DIR}/{case}.response.body")),
            "{case}"
        );
    }
    // Same keys, types and formatting (the texts come from a different "model").
    for case in [
        "generate",
        "generate-repeat",
        "generate-max-length-3",
        "tokencount",
        "perf",
    ] {
        let r = replay_checked(&server, case).await;
        let real = String::from_utf8(recorded(&format!("{DIR}/{case}.response.body"))).unwrap();
        let fake = r.text();
        assert_eq!(Ordered::parse(&fake).python(), fake, "{case}");
        let shape = |o: Ordered| o.shape().replace("[num,", "[").replace(",num", "");
        assert_eq!(
            shape(Ordered::parse(&fake)),
            shape(Ordered::parse(&real)),
            "{case}"
        );
    }
    let r = replay_checked(&server, "generate-max-length-3").await;
    assert_eq!(
        r.json()["results"][0],
        json!({"text": "vvvvvvzhkvc ", "finish_reason": "stop"}),
        "one fake token (a word) fits in 3"
    );
    // The stream: same framing, the reason on the last event, closed by the server.
    let r = replay_checked(&server, "generate-stream").await;
    let real =
        String::from_utf8(recorded(&format!("{DIR}/generate-stream.response.body"))).unwrap();
    for text in [&real, &r.text()] {
        assert!(text.starts_with("event: message\ndata: {\"token\": "));
        assert!(text.ends_with("\"}\n\n"));
        let evs = events(text);
        assert_eq!(joined(&evs), "vvvvvvzhkvc ");
        assert!(evs[..evs.len() - 1].iter().all(|(_, f)| f == "null"));
    }
}

#[tokio::test]
async fn fidelity_abort_and_auth_match_the_recordings() {
    let server = FakeServer::start(FakeOptions {
        scenario: Scenario::Slow,
        slow_delay: Duration::from_millis(20),
        ..recorded_options()
    })
    .await
    .unwrap();
    let (_, path, _, body) = recorded_request("abort-target-stream");
    let response = client()
        .post(format!("{}{path}", server.base_url()))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let mut fake_head: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().trim().to_owned()))
        .filter(|(n, _)| !matches!(n.as_str(), "date" | "transfer-encoding"))
        .collect();
    fake_head.sort();
    assert_eq!(fake_head, recorded_head("abort-target-stream").1);
    let mut stream = response.bytes_stream();
    let first = read_until(&mut stream, |t| events(t).len() >= 2).await;
    let abort = replay_checked(&server, "abort").await;
    assert_eq!(
        abort.bytes(),
        recorded(&format!("{DIR}/abort.response.body"))
    );
    let rest = read_until(&mut stream, |_| false).await;
    let real = String::from_utf8(recorded(&format!(
        "{DIR}/abort-target-stream.response.body"
    )))
    .unwrap();
    for evs in [events(&real), events(&format!("{first}{rest}"))] {
        let (last, before) = evs.split_last().unwrap();
        assert!(before.iter().all(|(_, f)| f == "null"));
        assert_eq!(last.1, "length", "an aborted stream ends with length");
    }
    assert_eq!(
        server.aborts()[0].genkey.as_deref(),
        Some("KCPPconformance")
    );

    let server = FakeServer::start(FakeOptions {
        api_key: Some("kcpp-test-password".into()),
        ..recorded_options()
    })
    .await
    .unwrap();
    for case in [
        "auth-missing-generate",
        "auth-wrong-generate",
        "auth-wrong-stream",
        "auth-missing-model",
        "auth-wrong-openai-chat",
    ] {
        let r = if case == "auth-wrong-openai-chat" {
            replay(&server, case).await
        } else {
            replay_checked(&server, case).await
        };
        assert_eq!(r.status, recorded_head(case).0, "{case}");
        assert_eq!(
            r.bytes(),
            recorded(&format!("{DIR}/{case}.response.body")),
            "{case}"
        );
    }
    let ok = replay_checked(&server, "auth-ok-generate").await;
    assert_eq!(ok.json()["results"][0]["text"], "vvvvvvzhkvc ");
}
