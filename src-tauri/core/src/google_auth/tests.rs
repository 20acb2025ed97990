//! The key file's checks, the JWT's header, claims and signature, and the Vertex settings'
//! checks.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::signature::{UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use secrecy::ExposeSecret;
use serde_json::{json, Value};

use super::*;
use crate::error::ErrorKind;

const KEY_FILE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/google-service-account/test-only-service-account.json"
));
const AUTHORIZED_USER: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/google-service-account/authorized-user.json"
));

fn key_file() -> Value {
    serde_json::from_str(KEY_FILE).unwrap()
}

fn private_key_lines() -> Vec<String> {
    key_file()["private_key"]
        .as_str()
        .unwrap()
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .map(str::to_string)
        .collect()
}

fn decode(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[test]
fn the_jwt_has_googles_header_and_claims_and_a_signature_the_public_key_verifies() {
    let key = ServiceAccountKey::parse(KEY_FILE).unwrap();
    let issued_at = 1_765_000_000;
    let assertion = jwt::assertion(&key, issued_at).unwrap();
    let parts: Vec<&str> = assertion.expose_secret().split('.').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(
        decode(parts[0]),
        json!({"alg": "RS256", "typ": "JWT", "kid": "5d1c0a7e3b9f4e2a8c6d0b1f2e3a4c5d6e7f8091"})
    );
    assert_eq!(
        decode(parts[1]),
        json!({
            "iss": "switchboard-test@switchboard-test-project.iam.gserviceaccount.com",
            "scope": "https://www.googleapis.com/auth/cloud-platform",
            "aud": "https://oauth2.googleapis.com/token",
            "iat": issued_at,
            "exp": issued_at + 3600,
        })
    );
    let public_key = ring::signature::KeyPair::public_key(key.signer());
    let verifier = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, public_key.as_ref());
    let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    let signed = format!("{}.{}", parts[0], parts[1]);
    verifier.verify(signed.as_bytes(), &signature).unwrap();
    // Another issue time is another message: the signature no longer fits it.
    let other = URL_SAFE_NO_PAD.encode(jwt::claims(&key, issued_at + 1).to_string());
    let tampered = format!("{}.{other}", parts[0]);
    assert!(verifier.verify(tampered.as_bytes(), &signature).is_err());
}

#[test]
fn a_good_key_file_is_read_and_kept_on_one_line() {
    let key = ServiceAccountKey::parse(KEY_FILE).unwrap();
    assert_eq!(key.project_id(), "switchboard-test-project");
    assert_eq!(key.token_uri(), "https://oauth2.googleapis.com/token");
    let kept = key.keychain_form().expose_secret();
    assert!(
        !kept.contains('\n'),
        "the keychain's form has no line break"
    );
    let again = ServiceAccountKey::parse(kept).unwrap();
    assert_eq!(again.client_email(), key.client_email());
    // Without a token_uri, Google's own endpoint.
    let mut file = key_file();
    file.as_object_mut().unwrap().remove("token_uri");
    let key = ServiceAccountKey::parse(&file.to_string()).unwrap();
    assert_eq!(key.token_uri(), key::DEFAULT_TOKEN_URI);
}

fn refusal(text: &str) -> String {
    let err = ServiceAccountKey::parse(text).unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidRequest, "{}", err.message);
    for line in private_key_lines() {
        assert!(!err.message.contains(&line), "{}", err.message);
    }
    assert!(
        err.message.contains("Google Cloud console"),
        "{}",
        err.message
    );
    err.message
}

#[test]
fn each_wrong_file_is_refused_saying_why_and_never_quoting_the_key() {
    assert!(refusal("not json at all").contains("not JSON"));
    assert!(refusal("[1, 2]").contains("not a JSON object"));
    assert!(refusal(AUTHORIZED_USER).contains("authorized_user"));
    let mut file = key_file();
    file["type"] = json!("external_account");
    assert!(refusal(&file.to_string()).contains("\"external_account\", not \"service_account\""));
    for field in [
        "client_email",
        "private_key_id",
        "private_key",
        "project_id",
        "type",
    ] {
        let mut file = key_file();
        file.as_object_mut().unwrap().remove(field);
        let message = refusal(&file.to_string());
        assert!(message.contains(&format!("\"{field}\"")), "{message}");
    }
    let mut file = key_file();
    file["private_key"] = json!("not a key");
    assert!(refusal(&file.to_string()).contains("not a PEM private key"));
    // PEM whose content is not an RSA key: the same base64 lines, some of them swapped.
    let mut lines = private_key_lines();
    lines.swap(3, 9);
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        lines.join("\n")
    );
    let mut file = key_file();
    file["private_key"] = json!(pem);
    assert!(refusal(&file.to_string()).contains("not a valid RSA key"));
    let mut file = key_file();
    file["token_uri"] = json!("http://oauth2.example.com/token");
    assert!(refusal(&file.to_string()).contains("token_uri"));
}

#[test]
fn debug_output_shows_the_account_never_the_key() {
    let key = ServiceAccountKey::parse(KEY_FILE).unwrap();
    let shown = format!("{key:?}");
    assert!(shown.contains("switchboard-test@"), "{shown}");
    for line in private_key_lines() {
        assert!(!shown.contains(&line), "{shown}");
    }
    assert!(!shown.contains("PRIVATE KEY"), "{shown}");
}

#[test]
fn projects_and_regions_are_checked_and_give_vertexs_base_url() {
    for good in ["switchboard-test-project", "my-project-123456"] {
        check_project(good).unwrap();
    }
    for bad in [
        "short",
        "Upper-Case-Project",
        "ends-with-hyphen-",
        "9starts-with-digit",
        "",
    ] {
        assert_eq!(
            check_project(bad).unwrap_err().kind,
            ErrorKind::InvalidRequest,
            "{bad}"
        );
    }
    for good in ["global", "us-central1", "europe-west4"] {
        check_region(good).unwrap();
    }
    for bad in ["", "US-Central1", "us central1", "us-central1/x"] {
        assert!(check_region(bad).is_err(), "{bad}");
    }
    assert_eq!(
        vertex_base_url("p-123456", "global"),
        "https://aiplatform.googleapis.com/v1/projects/p-123456/locations/global"
    );
    assert_eq!(
        vertex_base_url("p-123456", "europe-west4"),
        "https://europe-west4-aiplatform.googleapis.com/v1/projects/p-123456/locations/europe-west4"
    );
}
