//! Base-URL normalisation: turns what a person pastes into the base URL an adapter appends its
//! endpoint paths to, and says what it changed.
//!
//! The classic trap is the suffix: OpenAI-compatible servers want `…/v1`, people paste
//! `…/v1/chat/completions` or the bare host. Here a pasted endpoint path is stripped, slashes and
//! spaces are trimmed, `http://` is assumed for local addresses (`https://` otherwise), and a
//! source with a fixed API root gets it added (`/v1`, OpenRouter's `/api/v1`, Mancer's `/oai/v1`).
//! Custom endpoints keep the URL as given; their adapter discovers whether `/v1` is needed.

use std::net::IpAddr;

use url::Url;

use crate::error::quoted;

/// How a source's base URL is normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlRules {
    /// The API root to add to a bare host (`"/v1"`); empty for "keep as given".
    pub version_path: &'static str,
    /// Endpoint paths people paste by mistake; removed from the end.
    pub strip_suffixes: &'static [&'static str],
}

/// The longest base URL accepted, in bytes.
pub const MAX_URL_BYTES: usize = 2048;

/// A normalised base URL and the changes made to reach it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NormalizedUrl {
    /// The base URL, without a trailing slash.
    pub url: String,
    /// What was changed, in plain words (empty when the input was already normal).
    pub changes: Vec<String>,
    /// Plain `http://` to another machine: a key sent there crosses the network unencrypted.
    pub unencrypted: bool,
}

/// Normalises `input` by `rules`.
pub fn normalize(input: &str, rules: &UrlRules) -> Result<NormalizedUrl, String> {
    let mut changes = Vec::new();
    let trimmed = input.trim();
    if trimmed.len() != input.len() {
        changes.push("removed spaces around the URL".to_string());
    }
    if trimmed.is_empty() {
        return Err("The URL is empty.".to_string());
    }
    if trimmed.len() > MAX_URL_BYTES {
        return Err(format!(
            "The URL is too long ({} bytes; at most {MAX_URL_BYTES}).",
            trimmed.len()
        ));
    }
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        let host = host_part(trimmed);
        let scheme = if is_local_host(host) { "http" } else { "https" };
        changes.push(format!(
            "added {scheme}:// ({})",
            if scheme == "http" {
                "local address"
            } else {
                "remote address"
            }
        ));
        format!("{scheme}://{trimmed}")
    };
    let mut url = Url::parse(&with_scheme)
        .map_err(|err| format!("\"{}\" is not a valid URL ({err}).", quoted(trimmed)))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "\"{}\" is not an http:// or https:// URL.",
            quoted(trimmed)
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("\"{}\" has no host name.", quoted(trimmed)));
    }
    if url.fragment().is_some() {
        url.set_fragment(None);
        changes.push("removed the #fragment".to_string());
    }

    // The URL parser turns an empty path into "/"; that is not a slash the person typed.
    let typed_slash = trimmed
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .ends_with('/');
    let mut path = match url.path() {
        "/" if !typed_slash => String::new(),
        other => other.to_string(),
    };
    loop {
        let before = path.len();
        if path.ends_with('/') {
            path = path.trim_end_matches('/').to_string();
            changes.push("removed the trailing /".to_string());
        }
        if let Some(suffix) = rules.strip_suffixes.iter().find(|suffix| {
            path.to_ascii_lowercase()
                .ends_with(&suffix.to_ascii_lowercase())
        }) {
            path.truncate(path.len() - suffix.len());
            changes.push(format!(
                "removed {suffix} (Switchboard adds endpoint paths itself)"
            ));
        }
        if path.len() == before {
            break;
        }
    }
    let version = rules.version_path;
    if !version.is_empty() && !path.ends_with(version) {
        if path.is_empty() {
            path = version.to_string();
            changes.push(format!("added {version}"));
        } else if version.starts_with(&path) && version[path.len()..].starts_with('/') {
            let added = &version[path.len()..];
            changes.push(format!("added {added}"));
            path = version.to_string();
        }
    }
    dedup_in_order(&mut changes);

    let origin = &url[..url::Position::BeforePath];
    let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
    let url = format!("{origin}{path}{query}");
    Ok(NormalizedUrl {
        unencrypted: is_unencrypted_remote(&url),
        url,
        changes,
    })
}
/// Splits the credentials off a URL: the URL without `user:password@`, and the credentials as
/// `user:password` (percent-decoded), when it had any. A URL that does not parse is returned as
/// it is, without credentials.
pub fn split_credentials(url: &str) -> (String, Option<String>) {
    let Ok(mut parsed) = url::Url::parse(url.trim()) else {
        return (url.to_string(), None);
    };
    if parsed.username().is_empty() && parsed.password().is_none() {
        return (url.to_string(), None);
    }
    let decode = |text: &str| {
        percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .into_owned()
    };
    let credentials = format!(
        "{}:{}",
        decode(parsed.username()),
        decode(parsed.password().unwrap_or(""))
    );
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    let mut stripped = parsed.to_string();
    // `Url` adds a slash to a bare host; keep the person's form otherwise.
    if !url.trim().ends_with('/') && stripped.ends_with('/') && parsed.path() == "/" {
        stripped.pop();
    }
    (stripped, Some(credentials))
}

/// `base` + `path` (which starts with `/`), keeping a query string of `base` at the end.
pub fn join(base: &str, path: &str) -> String {
    match base.split_once('?') {
        Some((head, query)) => format!("{}{path}?{query}", head.trim_end_matches('/')),
        None => format!("{}{path}", base.trim_end_matches('/')),
    }
}

/// Whether `url` points at this machine (loopback): plain HTTP there is fine.
pub fn is_loopback_url(url: &str) -> bool {
    Url::parse(url).ok().is_some_and(|u| match u.host() {
        Some(url::Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    })
}

/// Whether requests to `url` cross the network unencrypted: plain `http://` to a host that is
/// not this machine.
pub fn is_unencrypted_remote(url: &str) -> bool {
    url.get(..7)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"))
        && !is_loopback_url(url)
}

fn host_part(text: &str) -> &str {
    let authority = text.split(['/', '?', '#']).next().unwrap_or(text);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    authority.split(':').next().unwrap_or(authority)
}

/// Hosts that are very likely a server on this machine or the local network.
fn is_local_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    if let Ok(ip) = host.parse::<IpAddr>() {
        return match ip {
            IpAddr::V4(v4) => {
                v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_unspecified()
            }
            IpAddr::V6(v6) => v6.is_loopback() || v6.is_unspecified(),
        };
    }
    host == "localhost"
        || host.ends_with(".localhost")
        || host.ends_with(".local")
        || host.ends_with(".lan")
        || host.ends_with(".internal")
        || !host.contains('.')
}

fn dedup_in_order(items: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    items.retain(|item| seen.insert(item.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPENAI_LIKE: UrlRules = UrlRules {
        version_path: "/v1",
        strip_suffixes: &["/chat/completions", "/completions", "/models"],
    };
    const KEEP: UrlRules = UrlRules {
        version_path: "",
        strip_suffixes: &["/chat/completions", "/completions", "/models"],
    };
    const OPENROUTER: UrlRules = UrlRules {
        version_path: "/api/v1",
        strip_suffixes: &["/chat/completions", "/completions", "/models"],
    };

    fn norm(input: &str, rules: &UrlRules) -> String {
        normalize(input, rules).unwrap().url
    }

    #[test]
    fn normalize_table() {
        let table: &[(&str, &UrlRules, &str)] = &[
            (
                "https://api.openai.com/v1",
                &OPENAI_LIKE,
                "https://api.openai.com/v1",
            ),
            (
                "https://api.openai.com",
                &OPENAI_LIKE,
                "https://api.openai.com/v1",
            ),
            (
                "https://api.openai.com/",
                &OPENAI_LIKE,
                "https://api.openai.com/v1",
            ),
            (
                "  https://api.openai.com/v1/chat/completions/ ",
                &OPENAI_LIKE,
                "https://api.openai.com/v1",
            ),
            (
                "https://api.openai.com/v1/models",
                &OPENAI_LIKE,
                "https://api.openai.com/v1",
            ),
            ("localhost:5001", &KEEP, "http://localhost:5001"),
            ("127.0.0.1:8080/v1/", &KEEP, "http://127.0.0.1:8080/v1"),
            ("192.168.1.20:5000", &KEEP, "http://192.168.1.20:5000"),
            ("[::1]:8080", &KEEP, "http://[::1]:8080"),
            ("api.mistral.ai", &OPENAI_LIKE, "https://api.mistral.ai/v1"),
            (
                "http://127.0.0.1:8080/v1/chat/completions/chat/completions",
                &KEEP,
                "http://127.0.0.1:8080/v1",
            ),
            (
                "https://openrouter.ai/api",
                &OPENROUTER,
                "https://openrouter.ai/api/v1",
            ),
            (
                "https://openrouter.ai",
                &OPENROUTER,
                "https://openrouter.ai/api/v1",
            ),
            (
                "https://proxy.example/openai",
                &OPENAI_LIKE,
                "https://proxy.example/openai",
            ),
            (
                "HTTP://LOCALHOST:1234/V1/Chat/Completions",
                &KEEP,
                "http://localhost:1234/V1",
            ),
            ("http://host:1/base?x=1", &KEEP, "http://host:1/base?x=1"),
            ("http://host:1/v1#frag", &KEEP, "http://host:1/v1"),
        ];
        for (input, rules, expected) in table {
            assert_eq!(&norm(input, rules), expected, "input {input:?}");
        }
    }

    #[test]
    fn normalize_reports_what_changed() {
        let result = normalize(" localhost:5001/v1/chat/completions/ ", &KEEP).unwrap();
        assert_eq!(result.url, "http://localhost:5001/v1");
        assert_eq!(
            result.changes,
            [
                "removed spaces around the URL",
                "added http:// (local address)",
                "removed the trailing /",
                "removed /chat/completions (Switchboard adds endpoint paths itself)",
            ]
        );
        assert!(normalize("https://api.openai.com/v1", &OPENAI_LIKE)
            .unwrap()
            .changes
            .is_empty());
        assert_eq!(
            normalize("https://api.openai.com", &OPENAI_LIKE)
                .unwrap()
                .changes,
            ["added /v1"]
        );
    }

    #[test]
    fn normalize_rejects_garbage_with_a_reason() {
        assert_eq!(normalize("   ", &KEEP).unwrap_err(), "The URL is empty.");
        assert!(normalize("ftp://x.org", &KEEP)
            .unwrap_err()
            .contains("not an http"));
        assert!(normalize("http://", &KEEP).is_err());
        assert!(normalize("http://exa mple.com", &KEEP).is_err());
    }

    #[test]
    fn join_appends_paths_before_the_query() {
        assert_eq!(join("http://h/v1", "/models"), "http://h/v1/models");
        assert_eq!(join("http://h/v1?k=1", "/models"), "http://h/v1/models?k=1");
    }

    #[test]
    fn loopback_detection() {
        assert!(is_loopback_url("http://127.0.0.1:5000"));
        assert!(is_loopback_url("http://localhost/v1"));
        assert!(is_loopback_url("http://[::1]:80"));
        assert!(!is_loopback_url("http://192.168.1.2"));
        for (url, unencrypted) in [
            ("http://192.168.1.2:5000/v1", true),
            ("HTTP://example.com", true),
            ("https://example.com", false),
            ("http://127.0.0.1:5001", false),
            ("http://localhost:8080/v1", false),
            ("http://[::1]:80", false),
        ] {
            assert_eq!(is_unencrypted_remote(url), unencrypted, "{url}");
        }
        let lan = normalize(
            "192.168.1.2:5000",
            &UrlRules {
                version_path: "/v1",
                strip_suffixes: &[],
            },
        )
        .unwrap();
        assert!(lan.unencrypted, "{lan:?}");
        let local = normalize(
            "localhost:5000",
            &UrlRules {
                version_path: "/v1",
                strip_suffixes: &[],
            },
        )
        .unwrap();
        assert!(!local.unencrypted, "{local:?}");
        assert!(!is_loopback_url("https://api.openai.com"));
    }

    #[test]
    fn credentials_are_split_off_a_url() {
        assert_eq!(
            split_credentials("http://me:p%40ss@127.0.0.1:8080/v1"),
            (
                "http://127.0.0.1:8080/v1".to_string(),
                Some("me:p@ss".to_string())
            )
        );
        assert_eq!(
            split_credentials("https://user@example.com"),
            ("https://example.com".to_string(), Some("user:".to_string()))
        );
        assert_eq!(
            split_credentials("http://127.0.0.1:5000"),
            ("http://127.0.0.1:5000".to_string(), None)
        );
        assert_eq!(
            split_credentials("not a url"),
            ("not a url".to_string(), None)
        );
    }
}
