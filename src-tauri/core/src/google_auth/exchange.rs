//! Exchanging a signed JWT for an access token: a form-encoded `POST` to the key's `token_uri`
//! (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=…`), answered
//! `{"access_token":…,"expires_in":…,"token_type":"Bearer"}`, or refused in OAuth's shape
//! `{"error":"invalid_grant","error_description":…}` (RFC 6749 §5.2; Google's words as
//! google-auth-library-python `google/oauth2/_client.py` reads them).
//!
//! Sent through the profile's client (its proxy and CA certificates apply). Must not put the
//! JWT, the token or the key in an error or a log.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::key::ServiceAccountKey;
use crate::error::{truncate, ErrorKind, Result};
use crate::http::{read_error_body, Http, Target};

/// The grant type of a JWT assertion (RFC 7523 §2.1).
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The source id errors of the exchange carry.
const PROVIDER: &str = "vertexai";

/// A token the endpoint issued.
pub struct IssuedToken {
    /// The access token, sent as `Authorization: Bearer …`.
    pub token: SecretString,
    /// How long it is valid from when it was asked for.
    pub lifetime: Duration,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    expires_in: Option<u64>,
}

#[derive(Deserialize, Default)]
struct OAuthRefusal {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
}

/// Asks `key`'s token endpoint for an access token with the signed `assertion`, for the
/// profile `who`.
pub async fn exchange(
    http: &Http,
    who: &str,
    key: &ServiceAccountKey,
    assertion: &SecretString,
) -> Result<IssuedToken> {
    let target = Target::new(who, key.token_uri(), PROVIDER);
    let request = http.client().post(key.token_uri()).form(&[
        ("grant_type", JWT_BEARER_GRANT),
        ("assertion", assertion.expose_secret()),
    ]);
    let response = http.send(&target, request).await?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = read_error_body(response, http.idle_timeout()).await;
    if !status.is_success() {
        let refusal: OAuthRefusal = serde_json::from_str(&body).unwrap_or_default();
        let said = match (refusal.error.as_str(), refusal.error_description.as_str()) {
            ("", _) => String::new(),
            (code, "") => code.to_string(),
            (code, description) => format!("{code}: {description}"),
        };
        let email = key.client_email();
        return Err(match refusal.error.as_str() {
            "invalid_grant" => target
                .error(
                    ErrorKind::Auth,
                    format!(
                        "Google refused the service account's key ({}). The key may have been deleted, disabled or replaced: create a new JSON key for {email} in the Google Cloud console and save it for this profile. If the key is current, check this computer's clock, which must be right to within a few minutes.",
                        truncate(&said, 300)
                    ),
                )
                .with_status(status.as_u16())
                .with_detail(said),
            "invalid_client" | "unauthorized_client" | "access_denied" => target
                .error(
                    ErrorKind::Auth,
                    format!(
                        "Google does not accept the service account {email} ({}). It may have been deleted or disabled in the Google Cloud console.",
                        truncate(&said, 300)
                    ),
                )
                .with_status(status.as_u16())
                .with_detail(said),
            _ => {
                let kind = ErrorKind::from_status(status.as_u16());
                target.http_error(status, &headers, kind, &said)
            }
        });
    }
    let answer: TokenAnswer = serde_json::from_str(&body)
        .map_err(|_| target.protocol_error("the token endpoint did not answer JSON"))?;
    let token = answer
        .access_token
        .filter(|token| !token.is_empty())
        .ok_or_else(|| target.protocol_error("the token endpoint's answer has no access_token"))?;
    let lifetime = answer
        .expires_in
        .ok_or_else(|| target.protocol_error("the token endpoint's answer has no expires_in"))?;
    Ok(IssuedToken {
        token: SecretString::from(token),
        lifetime: Duration::from_secs(lifetime),
    })
}
