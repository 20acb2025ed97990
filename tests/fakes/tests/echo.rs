//! The `echo-*` scenarios: every family quotes the request's credentials, in four encodings, in
//! its own error shapes, where a client reads them after parsing the answer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::{json, Value};
use switchboard_fakes::{
    echo_forms, Dialect, FakeOptions, FakeServer, Family, KoboldServer, Scenario, ECHO_PREFIX,
};

/// A key unlike itself in every encoding.
const KEY: &str = "sk-echo/+\"&%Zq9Xw2LmN4pB8vT";

/// The quote of one header, as the fake writes it.
fn quote_of(name: &str, value: &str) -> String {
    let [plain, json, url, b64] = echo_forms(value);
    format!("{name}: {plain} (json: {json}; url: {url}; base64: {b64})")
}

/// Every string in a JSON value.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// Whether some string of the JSON text (after parsing) is exactly `quote`.
fn quoted_in_json(text: &str, quote: &str) -> bool {
    let value: Value = serde_json::from_str(text.trim_end()).unwrap_or(Value::Null);
    let mut all = Vec::new();
    strings(&value, &mut all);
    all.iter().any(|s| s == quote)
}

/// One family (or dialect) and how a client of it sends its request.
struct Case {
    label: &'static str,
    opts: FakeOptions,
    /// The credential header and its value.
    header: (&'static str, String),
    /// Extra headers every request of this family needs.
    extra: Vec<(&'static str, &'static str)>,
    /// A status route (GET) and the generation route (POST) with a streamed and a whole body.
    status: &'static str,
    generate: &'static str,
    body: fn(bool) -> Value,
    /// Whether the family streams at all.
    streams: bool,
}

fn cases() -> Vec<Case> {
    let bearer = || ("authorization", format!("Bearer {KEY}"));
    let family = |family| FakeOptions {
        family,
        api_key: Some(KEY.into()),
        ..Default::default()
    };
    let mut cases = Vec::new();
    for (label, dialect) in [
        ("openai", Dialect::OpenAi),
        ("llamacpp", Dialect::LlamaCpp),
        ("koboldcpp /v1", Dialect::KoboldCpp),
        ("ooba", Dialect::Ooba),
        ("mancer", Dialect::Mancer),
    ] {
        cases.push(Case {
            label,
            opts: FakeOptions {
                dialect,
                ..family(Family::OpenAi)
            },
            header: bearer(),
            extra: Vec::new(),
            status: "/v1/models",
            generate: "/v1/chat/completions",
            body: chat_body,
            streams: true,
        });
    }
    cases.push(Case {
        label: "anthropic",
        opts: family(Family::Anthropic),
        header: ("x-api-key", KEY.to_owned()),
        extra: vec![("anthropic-version", "2023-06-01")],
        status: "/v1/models",
        generate: "/v1/messages",
        body: |stream| {
            json!({"model": "m", "max_tokens": 16, "stream": stream,
                   "messages": [{"role": "user", "content": "Hi"}]})
        },
        streams: true,
    });
    let kobold_body = |stream| json!({"prompt": "Hi", "max_length": 16, "stream": stream});
    cases.push(Case {
        label: "koboldcpp",
        opts: family(Family::Kobold),
        header: bearer(),
        extra: Vec::new(),
        status: "/api/v1/model",
        generate: "/api/extra/generate/stream",
        body: kobold_body,
        streams: true,
    });
    cases.push(Case {
        label: "united",
        opts: FakeOptions {
            kobold: KoboldServer::United,
            ..family(Family::Kobold)
        },
        header: bearer(),
        extra: Vec::new(),
        status: "/api/v1/model",
        generate: "/api/v1/generate",
        body: kobold_body,
        streams: false,
    });
    cases.push(Case {
        label: "novelai",
        opts: family(Family::NovelAi),
        header: bearer(),
        extra: Vec::new(),
        status: "/user/subscription",
        generate: "/ai/generate-stream",
        body: |_| {
            json!({"input": "Hi", "model": "kayra-v1",
                   "parameters": {"use_string": true, "max_length": 16}})
        },
        streams: true,
    });
    cases
}

async fn send(
    server: &FakeServer,
    case: &Case,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Read {
    let url = format!("{}{path}", server.base_url());
    let mut request = match method {
        "GET" => client().get(url),
        _ => client().post(url),
    };
    request = request.header(case.header.0, &case.header.1);
    for (name, value) in &case.extra {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    read(request.send().await.unwrap()).await
}

#[tokio::test]
async fn every_family_quotes_the_credentials_in_its_401() {
    for case in cases() {
        let server = FakeServer::start(FakeOptions {
            scenario: Scenario::EchoUnauthorized,
            ..case.opts.clone()
        })
        .await
        .unwrap();
        let quote = format!("{ECHO_PREFIX}{}", quote_of(case.header.0, &case.header.1));
        let status = send(&server, &case, "GET", case.status, None).await;
        let generated = send(
            &server,
            &case,
            "POST",
            case.generate,
            Some((case.body)(true)),
        )
        .await;
        for answer in [status, generated] {
            assert_eq!(answer.status, 401, "{}", case.label);
            assert!(
                quoted_in_json(&answer.text(), &quote),
                "{}: {} lacks {quote}",
                case.label,
                answer.text()
            );
        }
    }
}

#[tokio::test]
async fn every_family_quotes_the_credentials_after_a_start() {
    for case in cases() {
        let server = FakeServer::start(FakeOptions {
            scenario: Scenario::EchoMidStream,
            ..case.opts.clone()
        })
        .await
        .unwrap();
        let quote = format!("{ECHO_PREFIX}{}", quote_of(case.header.0, &case.header.1));
        let status = send(&server, &case, "GET", case.status, None).await;
        assert_eq!(
            status.status, 200,
            "{}: other routes answer normally",
            case.label
        );
        if case.streams {
            let streamed = send(
                &server,
                &case,
                "POST",
                case.generate,
                Some((case.body)(true)),
            )
            .await;
            assert_eq!(streamed.status, 200, "{}", case.label);
            let (events, tail) = parse_sse(&streamed.text());
            let data: Vec<&str> = events.iter().filter_map(|e| e.data.as_deref()).collect();
            assert!(data.len() >= 3, "{}: text before the error", case.label);
            assert!(
                quoted_in_json(data.last().unwrap(), &quote),
                "{}: {:?}",
                case.label,
                data.last()
            );
            assert!(
                tail.is_empty() && streamed.error.is_none(),
                "{}",
                case.label
            );
        }
        let whole_path = case
            .generate
            .trim_end_matches("-stream")
            .trim_end_matches("/stream");
        let whole_path = if case.label == "koboldcpp" {
            "/api/v1/generate"
        } else {
            whole_path
        };
        let whole = send(&server, &case, "POST", whole_path, Some((case.body)(false))).await;
        assert!(
            quoted_in_json(&whole.text(), &quote),
            "{} (not streamed): {}",
            case.label,
            whole.text()
        );
    }
}

#[tokio::test]
async fn every_family_quotes_the_credentials_in_a_page() {
    for case in cases() {
        let server = FakeServer::start(FakeOptions {
            scenario: Scenario::EchoPage,
            ..case.opts.clone()
        })
        .await
        .unwrap();
        let quote = format!("{ECHO_PREFIX}{}", quote_of(case.header.0, &case.header.1));
        let status = send(&server, &case, "GET", case.status, None).await;
        let generated = send(
            &server,
            &case,
            "POST",
            case.generate,
            Some((case.body)(true)),
        )
        .await;
        for answer in [status, generated] {
            assert_eq!(answer.status, 200, "{}", case.label);
            assert_eq!(
                answer.header("content-type"),
                Some("text/html; charset=utf-8")
            );
            let title = format!("<title>Sign in: {quote}</title>");
            assert!(
                answer.text().contains(&title),
                "{}: {}",
                case.label,
                answer.text()
            );
        }
    }
}

#[tokio::test]
async fn horde_fails_a_poll_after_a_normal_start() {
    let opts = FakeOptions {
        family: Family::Horde,
        scenario: Scenario::EchoMidStream,
        api_key: Some(KEY.into()),
        ..Default::default()
    };
    let server = FakeServer::start(opts).await.unwrap();
    let with_key = |request: reqwest::RequestBuilder| request.header("apikey", KEY);
    let base = format!("{}/api/v2", server.base_url());
    let body =
        json!({"prompt": "Hi", "params": {"n": 1, "max_length": 16, "max_context_length": 1024}});
    let submitted = read(
        with_key(client().post(format!("{base}/generate/text/async")))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(submitted.status, 202);
    let id = submitted.json()["id"].as_str().unwrap().to_owned();
    let poll = || async {
        let url = format!("{base}/generate/text/status/{id}");
        read(with_key(client().get(url)).send().await.unwrap()).await
    };
    let first = poll().await;
    assert_eq!((first.status, &first.json()["done"]), (200, &json!(false)));
    let failed = poll().await;
    assert_eq!(failed.status, 500);
    let quote = format!("{ECHO_PREFIX}{}", quote_of("apikey", KEY));
    assert_eq!(
        failed.json(),
        json!({"message": quote, "rc": "InternalServerError"})
    );

    // The Horde's own 401 and page quote it too.
    server.set_scenario(Scenario::EchoUnauthorized);
    let find_user = || async {
        let url = format!("{base}/find_user");
        read(with_key(client().get(url)).send().await.unwrap()).await
    };
    let refused = find_user().await;
    assert_eq!(refused.status, 401);
    assert!(
        quoted_in_json(&refused.text(), &quote),
        "{}",
        refused.text()
    );
    server.set_scenario(Scenario::EchoPage);
    let page = find_user().await;
    assert_eq!(page.status, 200);
    assert!(page
        .text()
        .contains(&format!("<title>Sign in: {quote}</title>")));
}

#[tokio::test]
async fn marked_headers_are_quoted_too() {
    for (marked, expect_custom, expect_agent) in [
        (vec!["X-Custom-Token".to_owned()], true, false),
        (vec!["*".to_owned()], true, true),
        (Vec::new(), false, false),
    ] {
        let server = FakeServer::start(FakeOptions {
            scenario: Scenario::EchoUnauthorized,
            echo_headers: marked.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
        let answer = read(
            client()
                .get(format!("{}/v1/models", server.base_url()))
                .header("authorization", "Bearer abc")
                .header("x-custom-token", "custom-secret-value")
                .header("user-agent", "echo-test")
                .send()
                .await
                .unwrap(),
        )
        .await;
        let message = answer.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.starts_with(&format!(
            "{ECHO_PREFIX}{}",
            quote_of("authorization", "Bearer abc")
        )));
        let custom = quote_of("x-custom-token", "custom-secret-value");
        assert_eq!(
            message.contains(&custom),
            expect_custom,
            "{marked:?}: {message}"
        );
        assert_eq!(
            message.contains(&quote_of("user-agent", "echo-test")),
            expect_agent,
            "{marked:?}"
        );
    }
}
