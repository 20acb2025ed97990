//! Input limits and their checks: the longest name, model id, text, key, query and stop
//! strings the engine takes, and the checks that refuse a profile, a header or sampler settings
//! no server or person means, with a message naming what is too long or wrong.
//!
//! Must not: touch the store, the keychain or the network; change what it checks (it only
//! refuses, never trims or fixes).

use super::profile_secrets::MAX_HEADERS;
use crate::error::{Error, ErrorKind, Result};
use crate::model::GenParams;
use crate::store::Profile;

/// The longest profile name or chat title, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// The longest model id (or list of AI Horde models), in characters.
pub const MAX_MODEL_CHARS: usize = 4096;
/// The longest text written in one piece (a message, an edit, a system prompt, a prefill, a
/// template part), in bytes.
pub const MAX_TEXT_BYTES: usize = 4 * 1024 * 1024;
/// The longest API key, in bytes.
pub const MAX_KEY_BYTES: usize = 16 * 1024;
/// The longest search query, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// The most stop strings a profile sends, and the longest one, in characters.
pub const MAX_STOP_STRINGS: usize = 64;
/// See [`MAX_STOP_STRINGS`].
pub const MAX_STOP_CHARS: usize = 1000;

/// Refuses `text` (called `what`) when it has more than `max` characters.
pub(super) fn check_chars(what: &str, text: &str, max: usize) -> Result<()> {
    // Counting stops early: a huge text is not walked to its end.
    if text.chars().nth(max).is_some() {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "The {what} is too long ({} characters; at most {max}).",
                text.chars().count()
            ),
        ));
    }
    Ok(())
}

/// Refuses `text` (called `what`) when it is longer than `max` bytes.
pub(super) fn check_bytes(what: &str, text: &str, max: usize) -> Result<()> {
    if text.len() > max {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "The {what} is too long ({}; at most {}).",
                human_size(text.len()),
                human_size(max)
            ),
        ));
    }
    Ok(())
}

/// A size for people: bytes, KB or MB.
pub(super) fn human_size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else if bytes >= 1024 {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} bytes")
    }
}

/// Sampler settings a server can take: finite numbers, probabilities within 0–1, a reply of at
/// least one token.
pub(super) fn check_params(params: &GenParams) -> Result<()> {
    let refuse = |message: String| Err(Error::new(ErrorKind::InvalidRequest, message));
    if params.max_tokens == Some(0) {
        return refuse("The longest reply must be at least 1 token.".into());
    }
    let numbers = [
        ("temperature", params.temperature, None),
        ("top-p", params.top_p, Some(1.0)),
        ("min-p", params.min_p, Some(1.0)),
        ("typical-p", params.typical_p, Some(1.0)),
        ("tail-free sampling", params.tfs, Some(1.0)),
        ("top-a", params.top_a, Some(1.0)),
        ("repetition penalty", params.repetition_penalty, None),
    ];
    for (name, value, max) in numbers {
        let Some(value) = value else { continue };
        if !value.is_finite() || value < 0.0 || max.is_some_and(|max| value > max) {
            let range = max.map_or("0 or more".to_string(), |max| {
                format!("between 0 and {max}")
            });
            return refuse(format!(
                "The {name} must be a number {range} (it is {value})."
            ));
        }
    }
    for (name, value) in [
        ("frequency penalty", params.frequency_penalty),
        ("presence penalty", params.presence_penalty),
    ] {
        if value.is_some_and(|v| !v.is_finite()) {
            return refuse(format!("The {name} must be a finite number."));
        }
    }
    Ok(())
}

/// A header a request can carry: a valid name, and a value without line breaks or other control
/// characters (which would fail every request later, reported as a network error).
pub(super) fn check_header(name: &str, value: &str) -> Result<()> {
    check_chars("header name", name, MAX_NAME_CHARS)?;
    check_bytes("header value", value, MAX_KEY_BYTES)?;
    if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "\"{}\" is not a valid header name: use letters, digits and - only.",
                crate::error::quoted(name)
            ),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "The value of the header {} contains a line break or another control character.",
                crate::error::quoted(name)
            ),
        ));
    }
    Ok(())
}

/// What a profile may hold: a name, and nothing of a size no server or person means.
pub(super) fn check_profile(profile: &Profile) -> Result<()> {
    if profile.name.trim().is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            "A profile needs a name.",
        ));
    }
    check_chars("profile name", &profile.name, MAX_NAME_CHARS)?;
    super::service_account::check_vertex_options(profile)?;
    check_chars(
        "model id",
        profile.model.as_deref().unwrap_or(""),
        MAX_MODEL_CHARS,
    )?;
    for (what, text) in [
        ("system prompt", &profile.system_prompt),
        ("prefill", &profile.prefill),
        ("placeholder", &profile.placeholder),
    ] {
        check_bytes(what, text.as_deref().unwrap_or(""), MAX_TEXT_BYTES)?;
    }
    if profile.params.stop.len() > MAX_STOP_STRINGS {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "There are too many stop strings ({}; at most {MAX_STOP_STRINGS}).",
                profile.params.stop.len()
            ),
        ));
    }
    for stop in &profile.params.stop {
        check_chars("stop string", stop, MAX_STOP_CHARS)?;
    }
    if let Some(custom) = &profile.instruct.custom {
        let size = serde_json::to_string(custom).map_or(0, |json| json.len());
        if size > MAX_TEXT_BYTES {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                format!(
                    "The instruct template is too long ({}; at most {}).",
                    human_size(size),
                    human_size(MAX_TEXT_BYTES)
                ),
            ));
        }
    }
    if profile.headers.len() > MAX_HEADERS {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "There are too many headers ({}; at most {MAX_HEADERS}).",
                profile.headers.len()
            ),
        ));
    }
    for name in &profile.headers {
        check_header(name, "")?;
    }
    check_params(&profile.params)
}
