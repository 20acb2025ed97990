//! A fake of Google's OAuth 2.0 token endpoint (`POST https://oauth2.googleapis.com/token`) for
//! a service account's signed JWT, as "Using OAuth 2.0 for Server to Server Applications"
//! (<https://developers.google.com/identity/protocols/oauth2/service-account>) describes it.
//!
//! It trusts one service account (a key file's text, such as
//! `tests/fixtures/google-service-account/test-only-service-account.json`) and checks each
//! request as Google does: the form's `grant_type` is `urn:ietf:params:oauth:grant-type:jwt-bearer`;
//! the JWT's header is RS256 with the key's `kid`; its RS256 signature verifies with the
//! account's public key (a real verification, with `ring`); `iss` is the account, `scope` is
//! given, `aud` is this endpoint's URL, `exp` is in the future, at most an hour after `iat`, and
//! `iat` is not in the future. It answers a token with the `expires_in` the test chose, or
//! OAuth's refusal, `{"error": "invalid_grant", "error_description": "…"}` with HTTP 400, in
//! Google's words ("Invalid JWT Signature.", "Invalid JWT: Token must be a short-lived token
//! (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT
//! claim.", as quoted in googleapis/google-cloud-python issue 10004 and
//! erebusnz/gapi-google-analytics-php-interface issue 147), pretty-printed as Google's answers
//! are. It counts the exchanges it granted.
//!
//! Scenarios ([`TokenScenario`]): `Normal`; `InvalidGrant` (every JWT refused as from a deleted
//! key, even one that verifies); `ServerError` (a 500); `BadSignature` (the account's key is no
//! longer trusted: signatures fail to verify).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::signature::{KeyPair as _, RsaKeyPair, UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::PrivatePkcs8KeyDer;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The path the token endpoint answers at.
pub const TOKEN_PATH: &str = "/token";

/// The grant type of a JWT assertion.
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// Google's words for a signature that does not verify.
pub const INVALID_SIGNATURE: &str = "Invalid JWT Signature.";

/// Google's words for a JWT outside its time window.
pub const BAD_TIMEFRAME: &str = "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.";

/// How the endpoint answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TokenScenario {
    /// Checks each JWT and grants a token when it is good.
    #[default]
    Normal,
    /// Refuses every JWT `invalid_grant` (a deleted or disabled key).
    InvalidGrant,
    /// Answers 500.
    ServerError,
    /// No longer trusts the account's key: every signature fails to verify.
    BadSignature,
}

/// What the fake trusts and grants.
#[derive(Debug, Clone)]
pub struct TokenEndpointOptions {
    /// The trusted service account's key file (JSON text).
    pub service_account_json: String,
    /// The `expires_in` of each token granted, in seconds.
    pub expires_in: u64,
    /// How it answers.
    pub scenario: TokenScenario,
    /// How long each answer takes (a slow endpoint, so concurrent callers overlap).
    pub delay: Duration,
    /// The access token granted every time, when set (so a fake API server started with it as
    /// its key accepts it); else each grant is a new token.
    pub issued_token: Option<String>,
}

struct Trusted {
    public_key: Vec<u8>,
    client_email: String,
    key_id: String,
}

struct Endpoint {
    trusted: Trusted,
    url: String,
    expires_in: AtomicU64,
    scenario: Mutex<TokenScenario>,
    delay: Duration,
    issued_token: Option<String>,
    granted: AtomicUsize,
    tokens: Mutex<Vec<String>>,
    refusals: Mutex<Vec<String>>,
}

/// A running token endpoint; stops when dropped.
pub struct FakeTokenEndpoint {
    addr: SocketAddr,
    endpoint: Arc<Endpoint>,
    task: JoinHandle<()>,
}

impl Drop for FakeTokenEndpoint {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn trusted(json_text: &str) -> std::io::Result<Trusted> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidInput, what.to_string());
    let file: Value = serde_json::from_str(json_text).map_err(|_| bad("key file is not JSON"))?;
    let field = |name: &str| {
        file[name]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| bad(&format!("key file has no {name}")))
    };
    let pem = field("private_key")?;
    let der = PrivatePkcs8KeyDer::from_pem_slice(pem.as_bytes()).map_err(|_| bad("not PEM"))?;
    let pair = RsaKeyPair::from_pkcs8(der.secret_pkcs8_der()).map_err(|_| bad("not RSA"))?;
    Ok(Trusted {
        public_key: pair.public_key().as_ref().to_vec(),
        client_email: field("client_email")?,
        key_id: field("private_key_id")?,
    })
}

impl FakeTokenEndpoint {
    /// Starts the endpoint on `127.0.0.1:port` (0: any free port).
    pub async fn start(port: u16, options: TokenEndpointOptions) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let endpoint = Arc::new(Endpoint {
            trusted: trusted(&options.service_account_json)?,
            url: format!("http://{addr}{TOKEN_PATH}"),
            expires_in: AtomicU64::new(options.expires_in),
            scenario: Mutex::new(options.scenario),
            delay: options.delay,
            issued_token: options.issued_token,
            granted: AtomicUsize::new(0),
            tokens: Mutex::new(Vec::new()),
            refusals: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route(TOKEN_PATH, post(token))
            .with_state(Arc::clone(&endpoint));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(FakeTokenEndpoint {
            addr,
            endpoint,
            task,
        })
    }

    /// The endpoint's URL, for a key file's `token_uri`.
    pub fn token_uri(&self) -> String {
        self.endpoint.url.clone()
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// How many tokens it granted.
    pub fn exchanges(&self) -> usize {
        self.endpoint.granted.load(Ordering::SeqCst)
    }

    /// The tokens it granted, oldest first.
    pub fn tokens(&self) -> Vec<String> {
        self.endpoint
            .tokens
            .lock()
            .map(|tokens| tokens.clone())
            .unwrap_or_default()
    }

    /// The `error_description` of each refusal, oldest first.
    pub fn refusals(&self) -> Vec<String> {
        self.endpoint
            .refusals
            .lock()
            .map(|refusals| refusals.clone())
            .unwrap_or_default()
    }

    /// Changes how it answers from now on.
    pub fn set_scenario(&self, scenario: TokenScenario) {
        if let Ok(mut current) = self.endpoint.scenario.lock() {
            *current = scenario;
        }
    }

    /// Changes the `expires_in` of the tokens granted from now on.
    pub fn set_expires_in(&self, seconds: u64) {
        self.endpoint.expires_in.store(seconds, Ordering::SeqCst);
    }

    /// A key file's text with its `token_uri` pointed at this endpoint.
    pub fn key_file_for(&self, json_text: &str) -> String {
        let mut file: Value = serde_json::from_str(json_text).unwrap_or(Value::Null);
        file["token_uri"] = Value::String(self.token_uri());
        serde_json::to_string_pretty(&file).unwrap_or_default()
    }
}

/// Google's JSON: two-space indented.
fn answer(status: StatusCode, body: Value) -> Response {
    let text = serde_json::to_string_pretty(&body).unwrap_or_default();
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        text,
    )
        .into_response()
}

fn refuse(endpoint: &Endpoint, error: &str, description: &str) -> Response {
    if let Ok(mut refusals) = endpoint.refusals.lock() {
        refusals.push(description.to_string());
    }
    answer(
        StatusCode::BAD_REQUEST,
        json!({"error": error, "error_description": description}),
    )
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_secs())
        .unwrap_or(0)
}

fn decode_json(part: &str) -> Option<Value> {
    let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
    serde_json::from_slice(&bytes).ok()
}

async fn token(State(endpoint): State<Arc<Endpoint>>, body: String) -> Response {
    if !endpoint.delay.is_zero() {
        tokio::time::sleep(endpoint.delay).await;
    }
    let scenario = endpoint
        .scenario
        .lock()
        .map(|scenario| *scenario)
        .unwrap_or_default();
    if scenario == TokenScenario::ServerError {
        return answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": "internal_failure", "error_description": "Backend Error"}),
        );
    }
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let field = |name: &str| {
        form.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    match field("grant_type") {
        Some(JWT_BEARER) => {}
        Some(other) => {
            return refuse(
                &endpoint,
                "unsupported_grant_type",
                &format!("Invalid grant_type: {other}"),
            )
        }
        None => {
            return refuse(
                &endpoint,
                "invalid_request",
                "Missing required parameter: grant_type",
            )
        }
    }
    let Some(assertion) = field("assertion") else {
        return refuse(
            &endpoint,
            "invalid_request",
            "Missing required parameter: assertion",
        );
    };
    let parts: Vec<&str> = assertion.split('.').collect();
    let [head, claims, signature] = parts[..] else {
        return refuse(
            &endpoint,
            "invalid_grant",
            "Invalid JWT: Token must be a JWS.",
        );
    };
    let (Some(head), Some(claims), Ok(signature)) = (
        decode_json(head),
        decode_json(claims),
        URL_SAFE_NO_PAD.decode(signature),
    ) else {
        return refuse(
            &endpoint,
            "invalid_grant",
            "Invalid JWT: Token must be a JWS.",
        );
    };
    if head["alg"] != "RS256" || head["typ"] != "JWT" {
        return refuse(
            &endpoint,
            "invalid_grant",
            "Invalid JWT: unsupported algorithm.",
        );
    }
    let signing_input = &assertion[..assertion.len() - parts[2].len() - 1];
    let trusted = &endpoint.trusted;
    let verifies = scenario != TokenScenario::BadSignature
        && head["kid"] == trusted.key_id.as_str()
        && UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &trusted.public_key)
            .verify(signing_input.as_bytes(), &signature)
            .is_ok();
    if !verifies {
        return refuse(&endpoint, "invalid_grant", INVALID_SIGNATURE);
    }
    if claims["iss"] != trusted.client_email.as_str() {
        return refuse(
            &endpoint,
            "invalid_grant",
            "Invalid JWT: iss is not the key's account.",
        );
    }
    if claims["aud"] != endpoint.url.as_str() {
        return refuse(
            &endpoint,
            "invalid_grant",
            "Invalid JWT: aud is not this endpoint.",
        );
    }
    if claims["scope"].as_str().is_none_or(str::is_empty) {
        return refuse(
            &endpoint,
            "invalid_scope",
            "Empty or missing scope not allowed.",
        );
    }
    let (Some(iat), Some(exp)) = (claims["iat"].as_u64(), claims["exp"].as_u64()) else {
        return refuse(&endpoint, "invalid_grant", BAD_TIMEFRAME);
    };
    let now = now();
    if exp <= now || exp < iat || exp - iat > 3600 || iat > now + 60 {
        return refuse(&endpoint, "invalid_grant", BAD_TIMEFRAME);
    }
    if scenario == TokenScenario::InvalidGrant {
        return refuse(
            &endpoint,
            "invalid_grant",
            "Invalid grant: account not found",
        );
    }
    let number = endpoint.granted.fetch_add(1, Ordering::SeqCst) + 1;
    let token = endpoint
        .issued_token
        .clone()
        .unwrap_or_else(|| format!("ya29.c.fake-access-token-{number:04}-{}", now % 100_000));
    if let Ok(mut tokens) = endpoint.tokens.lock() {
        tokens.push(token.clone());
    }
    answer(
        StatusCode::OK,
        json!({
            "access_token": token,
            "expires_in": endpoint.expires_in.load(Ordering::SeqCst),
            "token_type": "Bearer",
        }),
    )
}
