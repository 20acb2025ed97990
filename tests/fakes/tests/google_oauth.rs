//! The fake Google token endpoint's refusals of malformed requests, in Google's shape and
//! formatting (two-space indented JSON), in process and from the binary (`--google-oauth`). Real
//! signed JWTs are exchanged by the core's tests (`core/tests/google_auth.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::Binary;
use switchboard_fakes::{FakeTokenEndpoint, TokenEndpointOptions, TokenScenario, TOKEN_PATH};

const KEY_FILE: &str =
    include_str!("../../fixtures/google-service-account/test-only-service-account.json");

async fn post(url: &str, form: &[(&str, &str)]) -> (u16, String, String) {
    let response = reqwest::Client::new()
        .post(url)
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    (status, kind, response.text().await.unwrap())
}

fn refusal(error: &str, description: &str) -> String {
    format!("{{\n  \"error\": \"{error}\",\n  \"error_description\": \"{description}\"\n}}")
}

#[tokio::test]
async fn malformed_requests_are_refused_as_google_refuses_them() {
    let endpoint = FakeTokenEndpoint::start(
        0,
        TokenEndpointOptions {
            service_account_json: KEY_FILE.to_string(),
            expires_in: 3600,
            scenario: TokenScenario::Normal,
            delay: Duration::ZERO,
            issued_token: None,
        },
    )
    .await
    .unwrap();
    let url = endpoint.token_uri();
    assert!(url.ends_with(TOKEN_PATH), "{url}");
    let (status, kind, body) = post(&url, &[("grant_type", "password")]).await;
    assert_eq!(
        (status, kind.as_str()),
        (400, "application/json; charset=utf-8")
    );
    assert_eq!(
        body,
        refusal("unsupported_grant_type", "Invalid grant_type: password")
    );
    let jwt_bearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    let (status, _, body) = post(&url, &[("grant_type", jwt_bearer)]).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        refusal("invalid_request", "Missing required parameter: assertion")
    );
    let (status, _, body) = post(&url, &[("grant_type", jwt_bearer), ("assertion", "a.b")]).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        refusal("invalid_grant", "Invalid JWT: Token must be a JWS.")
    );
    // A JWS with a signature made by nobody: the signature does not verify.
    let header = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"; // {"alg":"RS256","typ":"JWT"}
    let forged = format!("{header}.e30.c2lnbmF0dXJl");
    let (status, _, body) = post(&url, &[("grant_type", jwt_bearer), ("assertion", &forged)]).await;
    assert_eq!(status, 400);
    assert_eq!(body, refusal("invalid_grant", "Invalid JWT Signature."));
    endpoint.set_scenario(TokenScenario::ServerError);
    let (status, _, _) = post(&url, &[("grant_type", jwt_bearer)]).await;
    assert_eq!(status, 500);
    assert_eq!(endpoint.exchanges(), 0);
}

#[tokio::test]
async fn the_binary_serves_the_token_endpoint_for_a_key_file() {
    let key_file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/google-service-account/test-only-service-account.json"
    );
    let binary = Binary::start(&["--google-oauth", key_file, "--token-expires-in", "120"]);
    let url = format!("{}{TOKEN_PATH}", binary.base);
    let (status, _, body) = post(&url, &[("grant_type", "client_credentials")]).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        refusal(
            "unsupported_grant_type",
            "Invalid grant_type: client_credentials"
        )
    );
}
