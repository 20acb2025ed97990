//! A profile's network path turned into the client that reaches its server: the proxy its
//! requests go through ([`ProxyChoice`]) and the extra CA certificates it trusts besides the
//! built-in roots. One client per distinct setting is built and kept (see [`Clients`]); every one
//! has the shared client's timeouts, user agent and redirect rule.
//!
//! Also what an error says when a proxy is involved: which proxy (never its credentials).
//!
//! Must not: store, log or show a proxy's credentials (they come from the keychain and go only
//! into `Proxy-Authorization`); read a CA file anywhere but when a client is asked for; import
//! `http` (which builds on it).

use std::sync::{Arc, Mutex};

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, ErrorKind, Result};
use crate::options::{NetworkOptions, ProxyChoice};

/// A URL as shown to people: without user name and password.
fn display_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.to_string()
        }
        Err(_) => url.to_string(),
    }
}

/// The schemes a proxy URL may have.
const PROXY_SCHEMES: [&str; 2] = ["http", "https"];

/// Checks a proxy URL as a profile saves it: `http://` or `https://`, with a host.
pub fn check_proxy_url(url: &str) -> Result<()> {
    let bad = |why: &str| {
        Err(Error::new(
            ErrorKind::InvalidRequest,
            format!("The proxy \"{}\" {why}.", display_url(url)),
        ))
    };
    let Ok(parsed) = url::Url::parse(url.trim()) else {
        return bad("is not a URL (write it as http://host:port)");
    };
    if !PROXY_SCHEMES.contains(&parsed.scheme()) {
        return bad("is not an http:// or https:// proxy (other kinds are not supported)");
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return bad("has no host");
    }
    Ok(())
}

/// What the person sees of a proxy: its URL without credentials.
pub fn proxy_label(choice: &ProxyChoice) -> Option<String> {
    match choice {
        ProxyChoice::Url(url) => Some(display_url(url)),
        ProxyChoice::Environment | ProxyChoice::Direct => None,
    }
}

/// The proxy the environment names for `url` (`HTTPS_PROXY`/`HTTP_PROXY`, else `ALL_PROXY`,
/// either case), unless `NO_PROXY` lists its host; shown without credentials. For messages only:
/// the client reads the environment itself.
pub fn environment_proxy_for(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let var = |name: &str| {
        std::env::var(name)
            .or_else(|_| std::env::var(name.to_ascii_lowercase()))
            .ok()
            .filter(|value| !value.trim().is_empty())
    };
    let host = parsed.host_str().unwrap_or("");
    let bypassed = var("NO_PROXY").is_some_and(|list| {
        list.split(',').map(str::trim).any(|entry| {
            entry == "*"
                || (!entry.is_empty()
                    && (host == entry.trim_start_matches('.')
                        || host.ends_with(&format!(".{}", entry.trim_start_matches('.')))))
        })
    });
    if bypassed {
        return None;
    }
    let specific = if parsed.scheme() == "https" {
        "HTTPS_PROXY"
    } else {
        "HTTP_PROXY"
    };
    var(specific)
        .or_else(|| var("ALL_PROXY"))
        .map(|proxy| display_url(proxy.trim()))
}

/// One network setting as read now: the proxy, its credentials and each CA file's bytes.
struct Setting {
    proxy: ProxyChoice,
    credentials: Option<SecretString>,
    certificates: Vec<(String, Vec<u8>)>,
}

impl Setting {
    fn same_as(&self, other: &Setting) -> bool {
        self.proxy == other.proxy
            && self.certificates == other.certificates
            && self.credentials.as_ref().map(ExposeSecret::expose_secret)
                == other.credentials.as_ref().map(ExposeSecret::expose_secret)
    }
}

/// The clients built so far, one per distinct setting (shared by the clones of an
/// [`crate::http::Http`]).
#[derive(Clone, Default)]
pub struct Clients {
    built: Arc<Mutex<Vec<(Setting, reqwest::Client)>>>,
}

impl std::fmt::Debug for Clients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.built.lock().map(|built| built.len()).unwrap_or(0);
        f.debug_struct("Clients").field("built", &count).finish()
    }
}

/// The most clients kept; beyond it the oldest is dropped.
const MAX_CLIENTS: usize = 16;

impl Clients {
    /// The client for `network` (with the proxy's `credentials`), reading its CA files now;
    /// `builder` makes a client builder with the shared settings.
    pub(crate) fn client(
        &self,
        network: &NetworkOptions,
        credentials: Option<&SecretString>,
        builder: impl Fn() -> reqwest::ClientBuilder,
    ) -> Result<reqwest::Client> {
        let setting = Setting {
            proxy: network.proxy.clone(),
            credentials: credentials.cloned(),
            certificates: read_certificates(&network.ca_certificates)?,
        };
        let mut built = self
            .built
            .lock()
            .map_err(|_| Error::internal("The HTTP clients' lock was poisoned."))?;
        if let Some((_, client)) = built.iter().find(|(saved, _)| saved.same_as(&setting)) {
            return Ok(client.clone());
        }
        let client = build(&setting, builder())?;
        if built.len() >= MAX_CLIENTS {
            built.remove(0);
        }
        built.push((setting, client.clone()));
        Ok(client)
    }
}

/// Reads each CA file: a clear error naming the file when it is missing, unreadable or holds
/// no PEM certificate.
fn read_certificates(paths: &[String]) -> Result<Vec<(String, Vec<u8>)>> {
    paths
        .iter()
        .map(|path| {
            let bytes = std::fs::read(path).map_err(|err| {
                let why = if err.kind() == std::io::ErrorKind::NotFound {
                    "does not exist".to_string()
                } else {
                    format!("could not be read ({err})")
                };
                Error::new(
                    ErrorKind::InvalidRequest,
                    format!("The CA certificate file {path} {why}."),
                )
            })?;
            match reqwest::Certificate::from_pem_bundle(&bytes) {
                Ok(found) if !found.is_empty() => Ok((path.clone(), bytes)),
                _ => Err(Error::new(
                    ErrorKind::InvalidRequest,
                    format!(
                        "The CA certificate file {path} holds no PEM certificate (a \
                         \"-----BEGIN CERTIFICATE-----\" block)."
                    ),
                )),
            }
        })
        .collect()
}

fn build(setting: &Setting, mut builder: reqwest::ClientBuilder) -> Result<reqwest::Client> {
    match &setting.proxy {
        ProxyChoice::Environment => {}
        ProxyChoice::Direct => builder = builder.no_proxy(),
        ProxyChoice::Url(url) => {
            check_proxy_url(url)?;
            let mut proxy = reqwest::Proxy::all(url.trim()).map_err(|err| {
                Error::new(
                    ErrorKind::InvalidRequest,
                    format!("The proxy {} cannot be used ({err}).", display_url(url)),
                )
            })?;
            if let Some(credentials) = &setting.credentials {
                let (user, password) = credentials
                    .expose_secret()
                    .split_once(':')
                    .unwrap_or((credentials.expose_secret(), ""));
                proxy = proxy.basic_auth(user, password);
            }
            builder = builder.proxy(proxy);
        }
    }
    for (path, bytes) in &setting.certificates {
        for certificate in reqwest::Certificate::from_pem_bundle(bytes).unwrap_or_default() {
            builder = builder.add_root_certificate(certificate);
        }
        tracing::debug!("trusting the CA certificates in {path}");
    }
    builder
        .build()
        .map_err(|err| Error::internal(format!("Could not set up HTTP: {err}.")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls_are_checked_and_shown_without_credentials() {
        assert!(check_proxy_url("http://127.0.0.1:3128").is_ok());
        assert!(check_proxy_url("https://proxy.example.com").is_ok());
        let socks = check_proxy_url("socks5://u:secret@127.0.0.1:1080").unwrap_err();
        assert!(
            socks.message.contains("not an http://"),
            "{}",
            socks.message
        );
        assert!(!socks.message.contains("secret"));
        assert!(check_proxy_url("proxy:3128").is_err());
        assert_eq!(
            proxy_label(&ProxyChoice::Url("http://me:pw@10.0.0.1:3128".into())).as_deref(),
            Some("http://10.0.0.1:3128/")
        );
        assert_eq!(proxy_label(&ProxyChoice::Direct), None);
    }

    #[test]
    fn one_client_is_built_per_distinct_setting() {
        let clients = Clients::default();
        let built = || clients.built.lock().unwrap().len();
        let proxied = NetworkOptions {
            proxy: ProxyChoice::Url("http://127.0.0.1:3128".into()),
            ca_certificates: Vec::new(),
        };
        let alice = SecretString::from("alice:pw");
        clients
            .client(&proxied, None, reqwest::Client::builder)
            .unwrap();
        clients
            .client(&proxied, None, reqwest::Client::builder)
            .unwrap();
        assert_eq!(built(), 1);
        clients
            .client(&proxied, Some(&alice), reqwest::Client::builder)
            .unwrap();
        clients
            .client(&proxied, Some(&alice), reqwest::Client::builder)
            .unwrap();
        assert_eq!(built(), 2);
        let direct = NetworkOptions {
            proxy: ProxyChoice::Direct,
            ..proxied.clone()
        };
        clients
            .client(&direct, None, reqwest::Client::builder)
            .unwrap();
        assert_eq!(built(), 3);
        assert!(!format!("{clients:?}").contains("pw"));
    }

    #[test]
    fn a_missing_or_non_pem_ca_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("absent.pem").display().to_string();
        let err = read_certificates(std::slice::from_ref(&missing)).unwrap_err();
        assert!(err.message.contains(&missing), "{}", err.message);
        assert!(err.message.contains("does not exist"));
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not a certificate").unwrap();
        let junk = junk.display().to_string();
        let err = read_certificates(std::slice::from_ref(&junk)).unwrap_err();
        assert!(err.message.contains(&junk) && err.message.contains("no PEM certificate"));
    }
}
