//! The signed JWT a service account presents to Google's token endpoint (RFC 7523's
//! `jwt-bearer` grant, as "Using OAuth 2.0 for Server to Server Applications",
//! <https://developers.google.com/identity/protocols/oauth2/service-account>, describes it):
//! header `{"alg":"RS256","typ":"JWT","kid":<private_key_id>}`, claims `iss` (the account's
//! address), `scope`, `aud` (the token endpoint), `iat` and `exp` (an hour later), each part
//! base64url without padding, signed with RSASSA-PKCS1-v1_5 over SHA-256.
//!
//! Sans IO and without a clock: the caller gives the time. Must not keep or show the signed JWT
//! (it is a credential until it expires).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::RSA_PKCS1_SHA256;
use secrecy::SecretString;
use serde_json::{json, Value};

use super::key::ServiceAccountKey;
use crate::error::{Error, Result};

/// The scope asked for: every Google Cloud API the account may use, Vertex AI among them.
pub const CLOUD_PLATFORM_SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

/// How long a JWT is valid, in seconds: the most Google accepts, one hour.
pub const LIFETIME_SECS: u64 = 3600;

/// The JWT's header.
pub fn header(key: &ServiceAccountKey) -> Value {
    json!({"alg": "RS256", "typ": "JWT", "kid": key.private_key_id()})
}

/// The JWT's claims, issued at `issued_at` (seconds since the Unix epoch).
pub fn claims(key: &ServiceAccountKey, issued_at: u64) -> Value {
    json!({
        "iss": key.client_email(),
        "scope": CLOUD_PLATFORM_SCOPE,
        "aud": key.token_uri(),
        "iat": issued_at,
        "exp": issued_at + LIFETIME_SECS,
    })
}

/// The signed JWT (`header.claims.signature`), issued at `issued_at`.
pub fn assertion(key: &ServiceAccountKey, issued_at: u64) -> Result<SecretString> {
    let encode = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
    let signing_input = format!(
        "{}.{}",
        encode(&header(key)),
        encode(&claims(key, issued_at))
    );
    let signer = key.signer();
    let mut signature = vec![0; signer.public().modulus_len()];
    signer
        .sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            signing_input.as_bytes(),
            &mut signature,
        )
        .map_err(|_| Error::internal("Could not sign with the service account's key."))?;
    Ok(SecretString::from(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    )))
}
