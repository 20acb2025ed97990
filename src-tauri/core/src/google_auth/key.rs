//! A Google Cloud service account's JSON key file, read and checked: the fields the token
//! exchange needs and the RSA private key, ready to sign.
//!
//! Must not: put the private key (or any part of the file's text) in an error, a `Debug` output
//! or a log; the file is the profile's key and lives only in the keychain.

use std::fmt;
use std::sync::Arc;

use ring::signature::RsaKeyPair;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::PrivatePkcs8KeyDer;
use secrecy::SecretString;
use serde_json::Value;

use crate::error::{quoted, Error, ErrorKind, Result};

/// The token endpoint of a key file that names none (google-auth-library-python
/// `google/oauth2/service_account.py`, `_GOOGLE_OAUTH2_TOKEN_ENDPOINT`).
pub const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

/// The `type` of a service account's key file.
const SERVICE_ACCOUNT_TYPE: &str = "service_account";

/// The longest key file read, in bytes (Google's are about 2.4 KB).
pub const MAX_KEY_FILE_BYTES: usize = 16 * 1024;

/// A service account's key: who it is, where its tokens come from and the key that signs for it.
#[derive(Clone)]
pub struct ServiceAccountKey {
    client_email: String,
    private_key_id: String,
    token_uri: String,
    project_id: String,
    /// The private key's PEM text, for redaction only.
    private_key_pem: SecretString,
    signer: Arc<RsaKeyPair>,
    /// The file as the keychain keeps it: its JSON on one line.
    keychain_form: SecretString,
}

impl fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountKey")
            .field("client_email", &self.client_email)
            .field("project_id", &self.project_id)
            .field("token_uri", &self.token_uri)
            .finish_non_exhaustive()
    }
}

/// An error about a key file that is not a usable service-account key.
fn wrong_file(what: impl AsRef<str>) -> Error {
    Error::new(
        ErrorKind::InvalidRequest,
        format!(
            "This is not a usable service-account key: {}. Download a JSON key of a service account from the Google Cloud console (IAM & Admin, Service accounts, Keys, Add key, JSON).",
            what.as_ref()
        ),
    )
}

/// A token endpoint is `https://`, or plain `http://` on this machine only (a local emulator).
fn token_uri_allowed(uri: &str) -> bool {
    match url::Url::parse(uri) {
        Ok(url) if url.scheme() == "https" => url.host_str().is_some(),
        Ok(url) if url.scheme() == "http" => {
            matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
        }
        _ => false,
    }
}

impl ServiceAccountKey {
    /// Reads a key file's text. Fails, saying why, for text that is not JSON, a file of another
    /// type (an authorized-user credential, say), a missing field or a private key that is not
    /// a PEM PKCS #8 RSA key; never quoting the file.
    pub fn parse(text: &str) -> Result<ServiceAccountKey> {
        if text.len() > MAX_KEY_FILE_BYTES {
            return Err(wrong_file(format!(
                "the file is larger than {} KB",
                MAX_KEY_FILE_BYTES / 1024
            )));
        }
        let value: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
            .map_err(|_| wrong_file("the file is not JSON"))?;
        let Some(object) = value.as_object() else {
            return Err(wrong_file("the file is not a JSON object"));
        };
        match object.get("type").and_then(Value::as_str) {
            Some(SERVICE_ACCOUNT_TYPE) => {}
            Some("authorized_user") => {
                return Err(wrong_file(
                    "it is a person's sign-in (an authorized_user file, as the gcloud tool writes), not a service account's key",
                ))
            }
            Some(other) => {
                return Err(wrong_file(format!(
                    "its type is \"{}\", not \"service_account\"",
                    quoted(other)
                )))
            }
            None => return Err(wrong_file("it has no \"type\" field")),
        }
        let field = |name: &str| -> Result<String> {
            match object.get(name).and_then(Value::as_str).map(str::trim) {
                Some(text) if !text.is_empty() => Ok(text.to_string()),
                _ => Err(wrong_file(format!("it has no \"{name}\" field"))),
            }
        };
        let client_email = field("client_email")?;
        let private_key_id = field("private_key_id")?;
        let project_id = field("project_id")?;
        let private_key = field("private_key")?;
        let token_uri = match object.get("token_uri").and_then(Value::as_str) {
            Some(uri) if !uri.trim().is_empty() => uri.trim().to_string(),
            _ => DEFAULT_TOKEN_URI.to_string(),
        };
        if !token_uri_allowed(&token_uri) {
            return Err(wrong_file("its \"token_uri\" is not an https:// URL"));
        }
        let der = PrivatePkcs8KeyDer::from_pem_slice(private_key.as_bytes()).map_err(|_| {
            wrong_file("its \"private_key\" is not a PEM private key (BEGIN PRIVATE KEY)")
        })?;
        let signer = RsaKeyPair::from_pkcs8(der.secret_pkcs8_der())
            .map_err(|_| wrong_file("its \"private_key\" is not a valid RSA key"))?;
        let keychain_form =
            serde_json::to_string(&value).map_err(|_| wrong_file("the file could not be read"))?;
        Ok(ServiceAccountKey {
            client_email,
            private_key_id,
            token_uri,
            project_id,
            private_key_pem: SecretString::from(private_key),
            signer: Arc::new(signer),
            keychain_form: SecretString::from(keychain_form),
        })
    }

    /// The service account's address (`name@project.iam.gserviceaccount.com`).
    pub fn client_email(&self) -> &str {
        &self.client_email
    }

    /// The id of the key, sent as the JWT's `kid`.
    pub fn private_key_id(&self) -> &str {
        &self.private_key_id
    }

    /// Where the signed JWT is exchanged for an access token.
    pub fn token_uri(&self) -> &str {
        &self.token_uri
    }

    /// The project the service account belongs to.
    pub fn project_id(&self) -> &str {
        &self.project_id
    }

    /// The key that signs the JWTs.
    pub(super) fn signer(&self) -> &RsaKeyPair {
        &self.signer
    }

    /// The private key's PEM text (for the redaction of what a server sends back).
    pub(super) fn private_key_pem(&self) -> &SecretString {
        &self.private_key_pem
    }

    /// The file as the keychain keeps it: the same JSON on one line (no line breaks, so it is
    /// a key like any other).
    pub fn keychain_form(&self) -> &SecretString {
        &self.keychain_form
    }
}
