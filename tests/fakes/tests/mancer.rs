//! The Mancer dialect (`Dialect::Mancer`): `X-API-KEY` auth, the open model list, its model
//! entries, and OpenAI's bytes for everything else.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use switchboard_fakes::{
    Dialect, FakeOptions, FakeServer, Scenario, ECHO_NOTHING, MANCER_COMPLETION_LIMIT,
    MANCER_COMPLETION_PRICE, MANCER_CONTEXT_LIMIT, MANCER_PROMPT_PRICE, REPLY_TEXT,
};

async fn mancer(api_key: Option<&str>) -> FakeServer {
    FakeServer::start(FakeOptions {
        dialect: Dialect::Mancer,
        api_key: api_key.map(str::to_owned),
        models: vec!["mythomax-l2-13b".into(), "goliath_120b".into()],
        ..Default::default()
    })
    .await
    .unwrap()
}

const UNAUTHORIZED: &str = r#"{"error":"Unauthorized"}"#;

#[tokio::test]
async fn models_carry_name_limits_and_pricing() {
    let server = mancer(None).await;
    let read = read(get(&server, "/oai/v1/models").await).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.header("content-type"), Some("application/json"));
    assert_eq!(
        read.text(),
        concat!(
            r#"{"object":"list","data":["#,
            r#"{"id":"mythomax-l2-13b","object":"model","name":"Mythomax L2 13b","limits":{"context":8192,"completion":512},"pricing":{"prompt":0.5,"completion":0.75}},"#,
            r#"{"id":"goliath_120b","object":"model","name":"Goliath 120b","limits":{"context":8192,"completion":512},"pricing":{"prompt":0.5,"completion":0.75}}"#,
            "]}"
        )
    );
    let entry = &read.json()["data"][0];
    assert_eq!(entry["limits"]["context"], MANCER_CONTEXT_LIMIT);
    assert_eq!(entry["limits"]["completion"], MANCER_COMPLETION_LIMIT);
    assert_eq!(entry["pricing"]["prompt"], MANCER_PROMPT_PRICE);
    assert_eq!(entry["pricing"]["completion"], MANCER_COMPLETION_PRICE);

    server.set_scenario(Scenario::EmptyModels);
    let empty = common::read(get(&server, "/oai/v1/models").await).await;
    assert_eq!(empty.text(), r#"{"object":"list","data":[]}"#);
}

#[tokio::test]
async fn the_key_goes_in_x_api_key_or_as_a_bearer_token() {
    let server = mancer(Some("mcr-key")).await;
    let base = server.base_url();
    let status = |request: reqwest::RequestBuilder| async move {
        let read = read(request.send().await.unwrap()).await;
        (read.status, read.text())
    };
    let models = format!("{base}/oai/v1/models");
    // The list is open to requests without any key, but a key that is sent is checked.
    assert_eq!(status(client().get(&models)).await.0, 200);
    assert_eq!(
        status(client().get(&models).header("X-API-KEY", "mcr-key"))
            .await
            .0,
        200
    );
    assert_eq!(
        status(client().get(&models).bearer_auth("mcr-key")).await.0,
        200
    );
    assert_eq!(
        status(client().get(&models).header("X-API-KEY", "wrong")).await,
        (401, UNAUTHORIZED.to_owned())
    );
    assert_eq!(
        status(client().get(&models).bearer_auth("wrong")).await,
        (401, UNAUTHORIZED.to_owned())
    );

    let completions = format!("{base}/oai/v1/completions");
    let body = json!({"model": "mythomax-l2-13b", "prompt": "Once upon", "max_tokens": 40});
    assert_eq!(
        status(client().post(&completions).json(&body)).await,
        (401, UNAUTHORIZED.to_owned())
    );
    for request in [
        client().post(&completions).header("X-API-KEY", "mcr-key"),
        client()
            .post(&completions)
            .header("X-API-KEY", "mcr-key")
            .bearer_auth("mcr-key"),
        client().post(&completions).bearer_auth("mcr-key"),
    ] {
        let (code, text) = status(request.json(&body)).await;
        assert_eq!(code, 200);
        let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(answer["choices"][0]["text"], REPLY_TEXT);
    }

    server.set_scenario(Scenario::Unauthorized);
    assert_eq!(
        status(client().get(&models)).await,
        (401, UNAUTHORIZED.to_owned())
    );
}

#[tokio::test]
async fn text_completions_are_openai_legacy_completions_with_usage() {
    let server = mancer(None).await;
    let body = json!({"model": "goliath_120b", "prompt": "Once upon", "temperature": 0.8,
        "min_p": 0.1, "dynatemp_mode": 1, "dynatemp_min": 0.5, "dynatemp_max": 1.5,
        "custom_token_bans": [1, 2], "n": 1});
    let whole = read(post(&server, "/oai/v1/completions", &body).await).await;
    assert_eq!(whole.status, 200);
    let text = whole.text();
    assert_eq!(
        Ordered::parse(&text).shape(),
        "{id:str,object:str,created:num,model:str,choices:[{text:str,index:num,logprobs:null,\
         finish_reason:str}],usage:{prompt_tokens:num,completion_tokens:num,total_tokens:num}}"
    );
    let answer = whole.json();
    assert_eq!(answer["object"], "text_completion");
    assert_eq!(answer["model"], "goliath_120b");
    assert_eq!(answer["usage"]["total_tokens"], 21);

    let mut streamed = body.clone();
    streamed["stream"] = json!(true);
    let read = read(post(&server, "/oai/v1/completions", &streamed).await).await;
    assert_eq!(
        read.header("content-type"),
        Some("text/event-stream; charset=utf-8")
    );
    let text = read.text();
    assert!(text.ends_with("}\n\ndata: [DONE]\n\n"));
    let chunks = chunks(&text);
    assert_eq!(collect(&chunks, "text"), REPLY_TEXT);
    assert!(chunks.iter().all(|c| c["object"] == "text_completion"));
    assert_eq!(
        chunks.last().unwrap()["choices"][0]["finish_reason"],
        "stop"
    );

    // The same bytes as the OpenAI dialect.
    let openai = start(Scenario::Normal).await;
    let reference = common::read(post(&openai, "/v1/completions", &streamed).await).await;
    assert_eq!(reference.text(), text);
}

/// Mancer behaves as the OpenAI dialect in every scenario: same status, content type and body
/// (the 401 aside).
#[tokio::test]
async fn every_scenario_is_the_openai_dialects() {
    let start = |dialect| {
        FakeServer::start(FakeOptions {
            dialect,
            slow_delay: Duration::from_millis(1),
            ..Default::default()
        })
    };
    let server = start(Dialect::Mancer).await.unwrap();
    let openai = start(Dialect::OpenAi).await.unwrap();
    for &scenario in Scenario::ALL {
        if matches!(
            scenario,
            Scenario::StallBeforeHeaders | Scenario::Stall | Scenario::Truncated
        ) {
            continue;
        }
        server.set_scenario(scenario);
        openai.set_scenario(scenario);
        for stream in [true, false] {
            let body = chat_body(stream);
            let mine = read(post(&server, "/oai/v1/chat/completions", &body).await).await;
            let theirs = read(post(&openai, "/oai/v1/chat/completions", &body).await).await;
            assert_eq!(mine.status, theirs.status, "{scenario} stream={stream}");
            assert_eq!(
                mine.header("content-type"),
                theirs.header("content-type"),
                "{scenario}"
            );
            if scenario == Scenario::Unauthorized {
                assert_eq!(mine.text(), UNAUTHORIZED);
            } else if scenario == Scenario::EchoUnauthorized {
                let quote = format!(r#"{{"error":"{ECHO_NOTHING}"}}"#);
                assert_eq!(mine.text(), quote);
            } else {
                assert_eq!(mine.bytes(), theirs.bytes(), "{scenario} stream={stream}");
            }
        }
    }
}

#[tokio::test]
async fn binary_serves_the_mancer_dialect() {
    let binary = Binary::start(&["--dialect", "mancer", "--api-key", "mk"]);
    let listed: serde_json::Value = client()
        .get(format!("{}/oai/v1/models", binary.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"][0]["name"], "Fake Model 1");
    let denied = client()
        .post(format!("{}/oai/v1/completions", binary.base))
        .json(&json!({"prompt": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 401);
}
