//! A service account's tokens against the fake Google token endpoint, which verifies each JWT's
//! RS256 signature with the account's public key: the exchange, the cache, the renewal before
//! expiry (on a clock the test moves), one exchange for concurrent callers, Google's refusals
//! as errors naming the profile and the fix, and no secret in an error or a `Debug` output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use switchboard_core::catalogue::{ApiType, ProviderKind};
use switchboard_core::google_auth::{Clock, ServiceAccountTokens};
use switchboard_core::http::{Http, HttpConfig};
use switchboard_core::options::{ConnectionOptions, NetworkOptions, ProxyChoice};
use switchboard_core::provider::Connection;
use switchboard_core::ErrorKind;
use switchboard_fakes::{
    FakeProxy, FakeTokenEndpoint, TokenEndpointOptions, TokenScenario, BAD_TIMEFRAME,
    INVALID_SIGNATURE,
};

const KEY_FILE: &str =
    include_str!("../../../tests/fixtures/google-service-account/test-only-service-account.json");
const OTHER_KEY_FILE: &str =
    include_str!("../../../tests/fixtures/google-service-account/test-only-other-key.json");
const WHO: &str = "Profile \"vertex-test\"";
const EMAIL: &str = "switchboard-test@switchboard-test-project.iam.gserviceaccount.com";

async fn endpoint(expires_in: u64, scenario: TokenScenario, delay_ms: u64) -> FakeTokenEndpoint {
    FakeTokenEndpoint::start(
        0,
        TokenEndpointOptions {
            service_account_json: KEY_FILE.to_string(),
            expires_in,
            scenario,
            delay: Duration::from_millis(delay_ms),
            issued_token: None,
        },
    )
    .await
    .unwrap()
}

fn http() -> Http {
    Http::new(HttpConfig::default()).unwrap()
}

/// A clock the test moves: `start`, plus the seconds added since.
struct TestClock {
    start: SystemTime,
    added: Arc<AtomicU64>,
}

impl TestClock {
    fn at(start: SystemTime) -> TestClock {
        TestClock {
            start,
            added: Arc::new(AtomicU64::new(0)),
        }
    }
    fn clock(&self) -> Clock {
        let (start, added) = (self.start, Arc::clone(&self.added));
        Arc::new(move || start + Duration::from_secs(added.load(Ordering::SeqCst)))
    }
    fn set(&self, since_start: Duration) {
        self.added.store(since_start.as_secs(), Ordering::SeqCst);
    }
}

fn private_key_lines() -> Vec<String> {
    let file: serde_json::Value = serde_json::from_str(KEY_FILE).unwrap();
    file["private_key"]
        .as_str()
        .unwrap()
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .map(str::to_string)
        .collect()
}

/// Asserts that `text` holds no token the endpoint granted and no part of the private key.
fn assert_no_secret(text: &str, fake: &FakeTokenEndpoint) {
    for token in fake.tokens() {
        assert!(!text.contains(&token), "a token in: {text}");
    }
    for line in private_key_lines() {
        assert!(!text.contains(&line), "the private key in: {text}");
    }
}

#[tokio::test]
async fn a_token_is_exchanged_with_a_verified_jwt_and_then_reused() {
    let fake = endpoint(3600, TokenScenario::Normal, 0).await;
    let tokens =
        ServiceAccountTokens::from_key_text(WHO, &fake.key_file_for(KEY_FILE), http()).unwrap();
    assert_eq!(tokens.project_id(), "switchboard-test-project");
    let first = tokens.bearer().await.unwrap();
    assert_eq!(fake.exchanges(), 1, "refused: {:?}", fake.refusals());
    assert_eq!(first.expose_secret(), fake.tokens()[0]);
    for _ in 0..10 {
        assert_eq!(
            tokens.bearer().await.unwrap().expose_secret(),
            first.expose_secret()
        );
    }
    // Another value for the same key (the next adapter) shares the token.
    let again =
        ServiceAccountTokens::from_key_text(WHO, &fake.key_file_for(KEY_FILE), http()).unwrap();
    assert_eq!(
        again.bearer().await.unwrap().expose_secret(),
        first.expose_secret()
    );
    assert_eq!(fake.exchanges(), 1, "one exchange for many requests");
    let shown = format!("{tokens:?}");
    assert!(shown.contains(EMAIL), "{shown}");
    assert_no_secret(&shown, &fake);
}

#[tokio::test]
async fn the_token_is_renewed_before_it_expires() {
    let fake = endpoint(3600, TokenScenario::Normal, 0).await;
    // The test's clock starts 59 minutes ago, so at its end it reads the real time again (the
    // endpoint refuses a JWT issued in the future, as Google does).
    let clock = TestClock::at(SystemTime::now() - Duration::from_secs(59 * 60));
    let tokens = ServiceAccountTokens::from_key_text(WHO, &fake.key_file_for(KEY_FILE), http())
        .unwrap()
        .with_clock(clock.clock());
    let first = tokens.bearer().await.unwrap();
    assert_eq!(fake.exchanges(), 1, "refused: {:?}", fake.refusals());
    // Ten minutes left: still used.
    clock.set(Duration::from_secs(50 * 60));
    assert_eq!(
        tokens.bearer().await.unwrap().expose_secret(),
        first.expose_secret()
    );
    assert_eq!(fake.exchanges(), 1);
    // One minute left: replaced before it expires.
    clock.set(Duration::from_secs(59 * 60));
    let second = tokens.bearer().await.unwrap();
    assert_eq!(fake.exchanges(), 2, "refused: {:?}", fake.refusals());
    assert_ne!(second.expose_secret(), first.expose_secret());
    assert_eq!(second.expose_secret(), fake.tokens()[1]);
    assert_eq!(
        tokens.bearer().await.unwrap().expose_secret(),
        second.expose_secret()
    );
    assert_eq!(fake.exchanges(), 2);
}

#[tokio::test]
async fn a_short_lived_token_is_renewed_at_once() {
    // A token that comes with less than the margin left is never reused.
    let fake = endpoint(120, TokenScenario::Normal, 0).await;
    let tokens =
        ServiceAccountTokens::from_key_text(WHO, &fake.key_file_for(KEY_FILE), http()).unwrap();
    tokens.bearer().await.unwrap();
    tokens.bearer().await.unwrap();
    assert_eq!(fake.exchanges(), 2);
}

#[tokio::test]
async fn concurrent_callers_share_one_exchange() {
    let fake = endpoint(3600, TokenScenario::Normal, 150).await;
    let tokens =
        ServiceAccountTokens::from_key_text(WHO, &fake.key_file_for(KEY_FILE), http()).unwrap();
    let answers = futures::future::join_all((0..8).map(|_| tokens.bearer())).await;
    let answers: Vec<String> = answers
        .into_iter()
        .map(|answer| answer.unwrap().expose_secret().to_string())
        .collect();
    assert_eq!(fake.exchanges(), 1);
    assert!(answers.iter().all(|answer| *answer == fake.tokens()[0]));
}

#[tokio::test]
async fn invalid_grant_is_an_auth_error_naming_the_profile_and_the_fix() {
    let fake = endpoint(3600, TokenScenario::InvalidGrant, 0).await;
    let tokens =
        ServiceAccountTokens::from_key_text(WHO, &fake.key_file_for(KEY_FILE), http()).unwrap();
    let err = tokens.bearer().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
    assert_eq!(err.status, Some(400));
    assert!(err.message.starts_with(WHO), "{}", err.message);
    assert!(err.message.contains("invalid_grant"), "{}", err.message);
    assert!(
        err.message.contains(&format!("new JSON key for {EMAIL}")),
        "{}",
        err.message
    );
    assert!(err.message.contains("clock"), "{}", err.message);
    let everything = format!("{err:?} {}", serde_json::to_string(&err).unwrap());
    assert_no_secret(&everything, &fake);
    assert!(!everything.contains("eyJ"), "no JWT in: {everything}");
    assert_eq!(fake.exchanges(), 0);
}

#[tokio::test]
async fn a_signature_that_does_not_verify_is_refused() {
    // The same account signing with another key (a deleted or rotated one).
    let fake = endpoint(3600, TokenScenario::Normal, 0).await;
    let tokens =
        ServiceAccountTokens::from_key_text(WHO, &fake.key_file_for(OTHER_KEY_FILE), http())
            .unwrap();
    let err = tokens.bearer().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
    assert!(err.message.contains(INVALID_SIGNATURE), "{}", err.message);
    assert_eq!(fake.refusals(), vec![INVALID_SIGNATURE.to_string()]);
    // The endpoint's bad-signature scenario: the good key no longer verifies either.
    fake.set_scenario(TokenScenario::BadSignature);
    let tokens =
        ServiceAccountTokens::from_key_text(WHO, &fake.key_file_for(KEY_FILE), http()).unwrap();
    let err = tokens.bearer().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
    assert!(err.message.contains(INVALID_SIGNATURE), "{}", err.message);
    // Trusted again: the good key gets its token.
    fake.set_scenario(TokenScenario::Normal);
    tokens.bearer().await.unwrap();
    assert_eq!(fake.exchanges(), 1);
}

#[tokio::test]
async fn a_clock_far_ahead_is_refused_with_advice_to_check_it() {
    let fake = endpoint(3600, TokenScenario::Normal, 0).await;
    let clock = TestClock::at(SystemTime::now() + Duration::from_secs(2 * 3600));
    let tokens = ServiceAccountTokens::from_key_text(WHO, &fake.key_file_for(KEY_FILE), http())
        .unwrap()
        .with_clock(clock.clock());
    let err = tokens.bearer().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
    assert!(err.message.contains(BAD_TIMEFRAME), "{}", err.message);
    assert!(
        err.message.contains("check this computer's clock"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn a_server_error_is_the_provider_being_unavailable() {
    let fake = endpoint(3600, TokenScenario::ServerError, 0).await;
    let tokens =
        ServiceAccountTokens::from_key_text(WHO, &fake.key_file_for(KEY_FILE), http()).unwrap();
    let err = tokens.bearer().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::ProviderUnavailable);
    assert_eq!(err.status, Some(500));
    assert!(err.message.starts_with(WHO), "{}", err.message);
}

#[tokio::test]
async fn a_wrong_key_text_is_refused_naming_the_profile() {
    let err = ServiceAccountTokens::from_key_text(WHO, "sk-not-a-key-file", http()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidRequest);
    assert!(err.message.starts_with(WHO), "{}", err.message);
}

#[tokio::test]
async fn the_exchange_goes_through_the_profiles_proxy() {
    let fake = endpoint(3600, TokenScenario::Normal, 0).await;
    let proxy = FakeProxy::start(0, None).await.unwrap();
    let network = NetworkOptions {
        proxy: ProxyChoice::Url(proxy.url()),
        ca_certificates: Vec::new(),
    };
    let client = http().for_network(&network, None).unwrap();
    let tokens =
        ServiceAccountTokens::from_key_text(WHO, &fake.key_file_for(KEY_FILE), client).unwrap();
    tokens.bearer().await.unwrap();
    assert_eq!(fake.exchanges(), 1);
    let relayed = proxy.requests();
    assert!(
        relayed
            .iter()
            .any(|request| request.target == fake.token_uri()),
        "{relayed:?}"
    );
}

#[tokio::test]
async fn the_connections_redactor_scrubs_tokens_issued_after_it_was_made() {
    let fake = endpoint(3600, TokenScenario::Normal, 0).await;
    let key_text = fake.key_file_for(KEY_FILE);
    let tokens = ServiceAccountTokens::from_key_text(WHO, &key_text, http()).unwrap();
    let stored = switchboard_core::google_auth::ServiceAccountKey::parse(&key_text).unwrap();
    let connection = Connection {
        who: WHO.to_string(),
        profile_id: None,
        kind: ProviderKind::VertexAi,
        api: ApiType::ChatCompletion,
        base_url: "https://aiplatform.googleapis.com/v1".to_string(),
        key: Some(SecretString::from(
            stored.keychain_form().expose_secret().to_string(),
        )),
        headers: Vec::new(),
        options: ConnectionOptions::default(),
    };
    let redactor = connection.redactor();
    let token = tokens.bearer().await.unwrap();
    let echoed = format!(
        "401: Request had invalid authentication credentials: Bearer {} ({})",
        token.expose_secret(),
        private_key_lines()[4]
    );
    let scrubbed = redactor.scrub(&echoed);
    assert_no_secret(&scrubbed, &fake);
    assert!(scrubbed.contains("Bearer <redacted>"), "{scrubbed}");
}
