//! The one shared HTTP client and the mapping of transport failures and error responses to
//! [`Error`]s that name the profile, the URL and what the server said.
//!
//! The client has a connect timeout but no total timeout (replies stream for minutes); reading
//! a body uses an idle timeout instead, applied per read by [`crate::stream::body`]. Redirects
//! are followed only to the same scheme, host and port, so a key is never sent to another host.
//! A profile with its own network path (a proxy, CA certificates) gets a client of its own with
//! the same settings, from [`Http::for_network`] (built by [`crate::network`]).

use std::error::Error as StdError;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Response, StatusCode};
use secrecy::SecretString;

use crate::error::{truncate, Error, ErrorKind};
use crate::network::{environment_proxy_for, proxy_label, Clients};
use crate::options::{NetworkOptions, ProxyChoice};

/// Settings of the shared client.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Longest wait for a TCP/TLS connection.
    pub connect_timeout: Duration,
    /// Longest silence while waiting for response headers or the next bytes of a body.
    pub idle_timeout: Duration,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// The first wait between polls of a queued request (AI Horde); later waits grow to five
    /// times this.
    pub poll_interval: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(180),
            user_agent: format!("Switchboard/{}", env!("CARGO_PKG_VERSION")),
            poll_interval: Duration::from_secs(1),
        }
    }
}

impl HttpConfig {
    /// These settings with the overrides tests and unusual setups give in the environment:
    /// `SWITCHBOARD_POLL_INTERVAL_MS` (the first wait between polls of a queued request).
    pub fn with_env_overrides(mut self) -> HttpConfig {
        if let Some(ms) = std::env::var("SWITCHBOARD_POLL_INTERVAL_MS")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|&ms| ms > 0)
        {
            self.poll_interval = Duration::from_millis(ms);
        }
        self
    }
}

/// The shared client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Http {
    client: reqwest::Client,
    idle_timeout: Duration,
    poll_interval: Duration,
    config: HttpConfig,
    /// The proxy this client goes through, for messages (the URL saved without credentials).
    proxy: ProxyChoice,
    clients: Clients,
}

/// A duration for people: `180 s`, or `0.7 s` below ten seconds.
fn seconds(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs < 10.0 && duration.subsec_millis() != 0 {
        format!("{secs:.1} s")
    } else {
        format!("{} s", duration.as_secs())
    }
}

/// Most redirects followed for one request.
const MAX_REDIRECTS: usize = 5;

impl Http {
    /// Builds the client.
    pub fn new(config: HttpConfig) -> Result<Http, Error> {
        let client = Http::builder(&config)
            .build()
            .map_err(|err| Error::internal(format!("Could not set up HTTP: {err}.")))?;
        Ok(Http {
            client,
            idle_timeout: config.idle_timeout,
            poll_interval: config.poll_interval,
            config,
            proxy: ProxyChoice::Environment,
            clients: Clients::default(),
        })
    }

    /// A client builder with the shared settings: connect timeout, user agent, redirects.
    fn builder(config: &HttpConfig) -> reqwest::ClientBuilder {
        let policy = reqwest::redirect::Policy::custom(|attempt| {
            let same_origin = attempt
                .previous()
                .first()
                .is_some_and(|first| first.origin() == attempt.url().origin());
            if attempt.previous().len() > MAX_REDIRECTS {
                attempt.error("too many redirects")
            } else if same_origin {
                attempt.follow()
            } else {
                attempt.stop()
            }
        });
        reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .user_agent(config.user_agent.clone())
            .redirect(policy)
    }

    /// The client for a profile's network path: this one when it has none of its own, else one
    /// with its proxy (and the proxy's `credentials`) and CA certificates, read now. Fails
    /// naming a CA file that is missing or not PEM.
    pub fn for_network(
        &self,
        network: &NetworkOptions,
        credentials: Option<&SecretString>,
    ) -> Result<Http, Error> {
        if *network == NetworkOptions::default() && credentials.is_none() {
            return Ok(self.clone());
        }
        let client = self
            .clients
            .client(network, credentials, || Http::builder(&self.config))?;
        Ok(Http {
            client,
            proxy: network.proxy.clone(),
            ..self.clone()
        })
    }

    /// The proxy a request to `url` goes through, as shown to people.
    fn proxy_for(&self, url: &str) -> Option<String> {
        match &self.proxy {
            ProxyChoice::Environment => environment_proxy_for(url),
            choice => proxy_label(choice),
        }
    }

    /// Maps a transport failure of a request to `target`, naming the proxy it went through.
    pub fn transport_error(&self, target: &Target, err: &reqwest::Error) -> Error {
        target.transport_error_via(err, self.proxy_for(&target.url).as_deref())
    }

    /// The underlying client.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Longest silence allowed while waiting for the server.
    pub fn idle_timeout(&self) -> Duration {
        self.idle_timeout
    }

    /// The first wait between polls of a queued request.
    pub fn poll_interval(&self) -> Duration {
        self.poll_interval
    }

    /// Sends a request, waiting at most the idle timeout for the response headers.
    pub async fn send(
        &self,
        target: &Target,
        request: reqwest::RequestBuilder,
    ) -> Result<Response, Error> {
        match tokio::time::timeout(self.idle_timeout, request.send()).await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(err)) => Err(self.transport_error(target, &err)),
            Err(_) => Err(target.idle_timeout_error(self.idle_timeout, false)),
        }
    }
}

/// What a request is about, for error messages: the profile (or source) and the URL.
#[derive(Debug, Clone)]
pub struct Target {
    /// `Profile "name"` or the source's label for an ad-hoc connection.
    pub who: String,
    /// The URL being requested (without credentials).
    pub url: String,
    /// The source id, e.g. `custom`.
    pub provider: &'static str,
}

impl Target {
    /// A target for `url`, shown without user info.
    pub fn new(who: impl Into<String>, url: &str, provider: &'static str) -> Target {
        Target {
            who: who.into(),
            url: display_url(url),
            provider,
        }
    }

    /// The same target with another URL.
    pub fn at(&self, url: &str) -> Target {
        Target {
            who: self.who.clone(),
            url: display_url(url),
            provider: self.provider,
        }
    }

    /// An error about this target: `"{who} ({url}): {what}"`.
    pub fn error(&self, kind: ErrorKind, what: impl AsRef<str>) -> Error {
        Error::new(
            kind,
            format!("{} ({}): {}", self.who, self.url, what.as_ref()),
        )
        .with_provider(self.provider)
    }

    /// Maps a transport failure (DNS, refused, TLS, timeout, connection lost).
    pub fn transport_error(&self, err: &reqwest::Error) -> Error {
        self.transport_error_via(err, None)
    }

    /// Maps a transport failure of a request that went through `proxy` (shown without
    /// credentials), naming it.
    pub fn transport_error_via(&self, err: &reqwest::Error, proxy: Option<&str>) -> Error {
        let reason = transport_reason(err);
        let tls = reason.starts_with("the secure connection failed");
        let unreachable = !tls && (err.is_connect() || reason.starts_with("could not"));
        let through = proxy.map_or(String::new(), |proxy| {
            format!(" (through the proxy {proxy})")
        });
        let error = self
            .error(ErrorKind::Network, format!("{reason}{through}."))
            .with_detail(error_chain(err));
        if unreachable {
            error.with_reason(crate::error::ErrorReason::Unreachable)
        } else {
            error
        }
    }

    /// The server went silent for longer than the idle timeout.
    pub fn idle_timeout_error(&self, idle: Duration, mid_reply: bool) -> Error {
        let what = if mid_reply {
            format!(
                "the server sent nothing for {}, so the reply was cut off; the text received so far is kept.",
                seconds(idle)
            )
        } else {
            format!(
                "the server did not answer within {}. It may be overloaded or still loading a model.",
                seconds(idle)
            )
        };
        self.error(ErrorKind::Network, what)
    }

    /// Maps a non-success HTTP response given the server's own message (already extracted from
    /// the body by the protocol family) and the kind the family derived.
    pub fn http_error(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        kind: ErrorKind,
        server_said: &str,
    ) -> Error {
        let code = status.as_u16();
        let said = if server_said.is_empty() {
            status
                .canonical_reason()
                .unwrap_or("no message")
                .to_string()
        } else {
            truncate(server_said, 300)
        };
        let what = match kind {
            _ if code == 407 => format!(
                "the proxy wants credentials (HTTP 407: {said}). Put them in the proxy's URL: http://user:password@host:port."
            ),
            ErrorKind::Auth => format!(
                "the server rejected the API key (HTTP {code}: {said})."
            ),
            ErrorKind::RateLimited => match retry_after(headers) {
                Some(wait) => format!(
                    "rate limited or out of quota (HTTP {code}: {said}). Try again in {} s.",
                    wait.as_secs().max(1)
                ),
                None => format!("rate limited or out of quota (HTTP {code}: {said})."),
            },
            ErrorKind::ProviderUnavailable => {
                format!("the server had a problem (HTTP {code}: {said}).")
            }
            ErrorKind::ModelNotFound => format!(
                "the server does not offer this model (HTTP {code}: {said})."
            ),
            ErrorKind::InvalidRequest if code == 404 => format!(
                "nothing answers at this address (HTTP 404: {said}). Check the URL: many servers need /v1 at the end."
            ),
            _ => format!("the server refused the request (HTTP {code}: {said})."),
        };
        let mut error = self.error(kind, what).with_status(code);
        if !server_said.is_empty() {
            error = error.with_detail(server_said);
        }
        if let Some(wait) = retry_after(headers) {
            error = error.with_retry_after(wait);
        }
        error
    }

    /// The server's answer could not be understood.
    pub fn protocol_error(&self, what: impl AsRef<str>) -> Error {
        self.error(
            ErrorKind::Protocol,
            format!(
                "the server's answer could not be understood ({}).",
                what.as_ref()
            ),
        )
    }
}

/// Reads an error body (at most 64 KiB), waiting at most `idle` for it.
pub async fn read_error_body(response: Response, idle: Duration) -> String {
    const LIMIT: usize = 64 * 1024;
    let mut response = response;
    let mut body = Vec::new();
    while body.len() < LIMIT {
        match tokio::time::timeout(idle, response.chunk()).await {
            Ok(Ok(Some(chunk))) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body.truncate(LIMIT);
    String::from_utf8_lossy(&body).into_owned()
}

/// The wait a 429/503 asks for: `retry-after-ms`, or `retry-after` in seconds or as an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        if ms.is_finite() && ms >= 0.0 {
            return Some(Duration::from_millis(ms as u64));
        }
    }
    let value = header("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// A URL as shown to people: no user name or password.
pub fn display_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.to_string()
        }
        Err(_) => url.to_string(),
    }
}

fn error_chain(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Adds a header whose value is a secret (a key, or a header the person set), marked sensitive
/// so that no debug output or log of the request shows it.
pub(crate) fn secret_header(
    builder: reqwest::RequestBuilder,
    name: &str,
    value: &str,
) -> reqwest::RequestBuilder {
    let name = match reqwest::header::HeaderName::from_bytes(name.as_bytes()) {
        Ok(name) => name,
        // Not a valid header name: the request fails to build, with reqwest's error.
        Err(_) => return builder.header(name, value),
    };
    match reqwest::header::HeaderValue::from_str(value) {
        Ok(mut value) => {
            value.set_sensitive(true);
            builder.header(name, value)
        }
        Err(_) => builder.header(name, value),
    }
}

/// A short reason for a transport failure, e.g. "could not connect (connection refused)".
fn transport_reason(err: &reqwest::Error) -> String {
    let chain = error_chain(err).to_lowercase();
    let io_kind = {
        let mut source = err.source();
        let mut kind = None;
        while let Some(cause) = source {
            if let Some(io) = cause.downcast_ref::<std::io::Error>() {
                kind = Some(io.kind());
            }
            source = cause.source();
        }
        kind
    };
    if chain.contains("proxy authorization required") {
        "the proxy wants credentials (HTTP 407 Proxy Authentication Required). Put them in the \
         proxy's URL: http://user:password@host:port"
            .to_string()
    } else if chain.contains("unsuccessful tunnel") {
        "the proxy would not open a connection to the server".to_string()
    } else if chain.contains("dns error") || chain.contains("failed to lookup address") {
        "could not resolve the host name".to_string()
    } else if io_kind == Some(std::io::ErrorKind::ConnectionRefused)
        || chain.contains("connection refused")
    {
        "could not connect (connection refused)".to_string()
    } else if chain.contains("invalidcontenttype") || chain.contains("corrupt message") {
        "the secure connection failed: the server did not answer in TLS. If it serves plain \
         HTTP, use an http:// URL"
            .to_string()
    } else if chain.contains("certificate") {
        format!(
            "the secure connection failed ({}): the server's certificate was not trusted (it \
             is not one this computer trusts for this host). If the server uses a private \
             certificate authority, add its CA certificate (a PEM file) to the profile",
            innermost(err)
        )
    } else if chain.contains("tls") || chain.contains("handshake") {
        format!("the secure connection failed ({})", innermost(err))
    } else if err.is_timeout() {
        "the connection timed out".to_string()
    } else if err.is_connect() {
        format!("could not connect ({})", innermost(err))
    } else if err.is_body() || err.is_decode() {
        format!(
            "the connection was lost while reading the answer ({})",
            innermost(err)
        )
    } else if err.is_redirect() {
        "the server redirected too many times".to_string()
    } else {
        format!("the request failed ({})", innermost(err))
    }
}

fn innermost(err: &reqwest::Error) -> String {
    let mut last: &dyn StdError = err;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_reads_seconds_ms_and_dates() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert("retry-after-ms", HeaderValue::from_static("1500"));
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(1500)));
        let mut dated = HeaderMap::new();
        let when = std::time::SystemTime::now() + Duration::from_secs(120);
        dated.insert(
            "retry-after",
            HeaderValue::from_str(&httpdate::fmt_http_date(when)).unwrap(),
        );
        let wait = retry_after(&dated).unwrap();
        assert!(wait > Duration::from_secs(100) && wait <= Duration::from_secs(120));
        let mut junk = HeaderMap::new();
        junk.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&junk), None);
    }

    #[test]
    fn display_url_hides_credentials() {
        assert_eq!(
            display_url("https://user:secret@example.com/v1"),
            "https://example.com/v1"
        );
    }

    #[test]
    fn http_error_names_who_url_and_what_the_server_said() {
        let target = Target::new(
            "Profile \"local\"",
            "http://127.0.0.1:5000/v1/models",
            "custom",
        );
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("7"));
        let err = target.http_error(
            StatusCode::TOO_MANY_REQUESTS,
            &headers,
            ErrorKind::RateLimited,
            "Rate limit reached",
        );
        assert_eq!(err.kind, ErrorKind::RateLimited);
        assert_eq!(err.status, Some(429));
        assert_eq!(err.retry_after_ms, Some(7000));
        assert!(err
            .message
            .starts_with("Profile \"local\" (http://127.0.0.1:5000/v1/models): "));
        assert!(err.message.contains("Rate limit reached"));
        assert!(err.message.contains("Try again in 7 s"));
        assert_eq!(err.provider.as_deref(), Some("custom"));
    }
}
