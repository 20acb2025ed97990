//! What the clouds add to the OpenAI-compatible fake: Azure OpenAI's dialect (`api-key`, its two
//! routes, its error bodies, the content filter, the `prompt_filter_results` chunk, and every
//! scenario in OpenAI's bytes behind them), Cloudflare's model search, and a server that refuses
//! `stream_options`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::{json, Value};
use switchboard_fakes::{
    Dialect, FakeOptions, FakeServer, Scenario, AZURE_ACCESS_DENIED, AZURE_FILTERED_WORD,
    AZURE_NO_DEPLOYMENT, PARTIAL_TEXT, REPLY_TEXT, STREAM_OPTIONS_REFUSED,
};

const KEY: &str = "az-key";

async fn azure() -> FakeServer {
    FakeServer::start(FakeOptions {
        dialect: Dialect::Azure,
        api_key: Some(KEY.into()),
        models: vec!["gpt-4o-prod".into()],
        ..Default::default()
    })
    .await
    .unwrap()
}

async fn send(
    server: &FakeServer,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> Read {
    let url = format!("{}{path}", server.base_url());
    let mut request = match method {
        "GET" => client().get(url),
        _ => client().post(url),
    };
    if let Some(key) = key {
        request = request.header("api-key", key);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    read(request.send().await.unwrap()).await
}

fn deployment_chat(stream: bool, text: &str) -> Value {
    json!({"messages": [{"role": "user", "content": text}], "stream": stream})
}

#[tokio::test]
async fn azure_reads_the_key_only_from_api_key_and_answers_in_its_shape() {
    let server = azure().await;
    let denied = send(&server, "GET", "/openai/v1/models", None, None).await;
    assert_eq!(denied.status, 401);
    assert_eq!(
        denied.json(),
        json!({"error": {"code": "401", "message": AZURE_ACCESS_DENIED}})
    );
    let bearer = read(
        client()
            .get(format!("{}/openai/v1/models", server.base_url()))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(bearer.status, 401, "Azure does not read a bearer key");
    let listed = send(&server, "GET", "/openai/v1/models", Some(KEY), None).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json()["data"][0]["id"], "gpt-4o-prod");
    let check = send(
        &server,
        "GET",
        "/openai/models?api-version=2024-10-21",
        Some(KEY),
        None,
    )
    .await;
    assert_eq!(check.status, 200);
    for path in [
        "/openai/models",
        "/v1/models",
        "/openai/deployments/gpt-4o-prod/chat/completions",
    ] {
        let missing = send(
            &server,
            "POST",
            path,
            Some(KEY),
            Some(deployment_chat(false, "hi")),
        )
        .await;
        assert_eq!(missing.status, 404, "{path}");
        assert_eq!(
            missing.json(),
            json!({"error": {"code": "404", "message": "Resource not found"}}),
            "{path}"
        );
    }
}

#[tokio::test]
async fn azure_serves_both_routes_and_names_a_missing_deployment() {
    let server = azure().await;
    let classic = "/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21";
    let whole = send(
        &server,
        "POST",
        classic,
        Some(KEY),
        Some(deployment_chat(false, "hi")),
    )
    .await;
    assert_eq!(whole.status, 200);
    assert_eq!(whole.json()["choices"][0]["message"]["content"], REPLY_TEXT);
    let v1 = json!({"model": "gpt-4o-prod", "messages": [{"role": "user", "content": "hi"}], "stream": true});
    let streamed = send(
        &server,
        "POST",
        "/openai/v1/chat/completions",
        Some(KEY),
        Some(v1),
    )
    .await;
    assert_eq!(streamed.status, 200);
    let chunks = chunks(&streamed.text());
    // Azure's first chunk: no choices, the prompt's filter results.
    assert_eq!(chunks[0]["choices"], json!([]));
    assert_eq!(chunks[0]["prompt_filter_results"][0]["prompt_index"], 0);
    assert_eq!(collect(&chunks, "content"), REPLY_TEXT);
    assert!(streamed.text().ends_with("data: [DONE]\n\n"));

    let other = "/openai/deployments/nope/chat/completions?api-version=2024-10-21";
    let missing = send(
        &server,
        "POST",
        other,
        Some(KEY),
        Some(deployment_chat(false, "hi")),
    )
    .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error"]["code"], "DeploymentNotFound");
    assert_eq!(missing.json()["error"]["message"], AZURE_NO_DEPLOYMENT);
    let filtered = send(
        &server,
        "POST",
        classic,
        Some(KEY),
        Some(deployment_chat(true, AZURE_FILTERED_WORD)),
    )
    .await;
    assert_eq!(filtered.status, 400);
    let error = &filtered.json()["error"];
    assert_eq!(error["code"], "content_filter");
    assert_eq!(error["innererror"]["code"], "ResponsibleAIPolicyViolation");
    assert_eq!(
        error["innererror"]["content_filter_result"]["violence"]["filtered"],
        true
    );
}

#[tokio::test]
async fn azure_serves_every_failure_scenario_behind_its_routes() {
    let server = azure().await;
    let classic = "/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21";
    server.set_scenario(Scenario::RateLimited);
    let limited = send(
        &server,
        "POST",
        classic,
        Some(KEY),
        Some(deployment_chat(true, "hi")),
    )
    .await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("7"));
    server.set_scenario(Scenario::Overloaded);
    assert_eq!(
        send(
            &server,
            "POST",
            classic,
            Some(KEY),
            Some(deployment_chat(true, "hi"))
        )
        .await
        .status,
        503
    );
    server.set_scenario(Scenario::Unauthorized);
    let denied = send(
        &server,
        "POST",
        classic,
        Some(KEY),
        Some(deployment_chat(true, "hi")),
    )
    .await;
    assert_eq!(denied.status, 401);
    assert_eq!(denied.json()["error"]["code"], "401");
    server.set_scenario(Scenario::MidStreamError);
    let broken = send(
        &server,
        "POST",
        classic,
        Some(KEY),
        Some(deployment_chat(true, "hi")),
    )
    .await;
    assert!(collect(&chunks(&broken.text()), "content").starts_with(PARTIAL_TEXT));
    assert!(broken.text().contains(r#""error""#));
    assert!(!broken.text().contains("[DONE]"));
    server.set_scenario(Scenario::Truncated);
    let cut = send(
        &server,
        "POST",
        classic,
        Some(KEY),
        Some(deployment_chat(true, "hi")),
    )
    .await;
    assert!(cut.error.is_some(), "the connection was not cut");
    server.set_scenario(Scenario::EofNoDone);
    let unended = send(
        &server,
        "POST",
        classic,
        Some(KEY),
        Some(deployment_chat(true, "hi")),
    )
    .await;
    assert_eq!(unended.status, 200);
    assert!(!unended.text().contains("[DONE]"));
    assert!(!unended.text().contains("finish_reason\":\"stop"));
}

#[tokio::test]
async fn a_strict_server_refuses_stream_options_and_serves_the_rest() {
    let server = FakeServer::start(FakeOptions {
        rejects_stream_options: true,
        ..Default::default()
    })
    .await
    .unwrap();
    let mut body = chat_body(true);
    assert_eq!(
        read(post(&server, "/v1/chat/completions", &body).await)
            .await
            .status,
        200
    );
    body["stream_options"] = json!({"include_usage": true});
    let refused = read(post(&server, "/v1/chat/completions", &body).await).await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.json()["error"]["message"], STREAM_OPTIONS_REFUSED);
}

#[tokio::test]
async fn cloudflare_model_search_names_models_in_name() {
    let server = FakeServer::start(FakeOptions {
        models: vec!["@cf/meta/llama-3.1-8b-instruct".into()],
        ..Default::default()
    })
    .await
    .unwrap();
    let found = read(
        get(
            &server,
            "/client/v4/accounts/abc/ai/models/search?task=Text%20Generation",
        )
        .await,
    )
    .await;
    assert_eq!(found.status, 200);
    let body = found.json();
    assert_eq!(body["success"], true);
    assert_eq!(body["result"][0]["name"], "@cf/meta/llama-3.1-8b-instruct");
    assert_ne!(body["result"][0]["id"], body["result"][0]["name"]);
}
