//! Scrubbing the secrets a request carried out of the text a server sends back.
//!
//! Servers echo what they were sent: a 401 body quoting the `Authorization` header, an error
//! event repeating the key, a proxy's HTML page showing the request. A [`Redactor`] is built
//! once per connection, from every secret its requests carry (the API key, secret header
//! values, URL credentials), and every error a provider returns passes through it before it is
//! stored, logged, printed or sent to the window.
//!
//! Each secret is looked for in every form a server is known to write it in: as sent, escaped
//! inside a JSON string (also with `\uXXXX` and `\/` escapes), percent-encoded (upper- and
//! lower-case hex, and `+` for spaces), and in base64 (a Basic-auth header). Where the text was
//! cut short (at its end, or before a `…`), a tail that begins one of those forms is scrubbed
//! too, so half a key never survives a truncation.
//!
//! Secrets shorter than [`MIN_SECRET_CHARS`] characters are not scrubbed: a 4-character
//! password would blank every word it happens to spell. They still never reach a log, because
//! nothing logs request headers or keys (see `http::key_header`).
//!
//! This module must not log, store or return a secret it was given: its `Debug` output shows
//! only how many forms it holds.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, RwLock};

use base64::Engine as _;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use crate::error::Error;

/// What a scrubbed secret is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Secrets shorter than this many characters are not scrubbed (too many false hits).
pub const MIN_SECRET_CHARS: usize = 8;

/// The shortest tail of a secret's form scrubbed where a text was cut short.
const MIN_CUT_TAIL: usize = 4;

/// The secrets of one connection, in every form they may come back in. Cheap to clone.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Every form of every secret, longest first, without duplicates.
    forms: Arc<Vec<String>>,
    /// Secrets learnt after the redactor was made (an access token fetched for a request).
    later: Option<LiveSecrets>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor({} forms)", self.forms.len())
    }
}

/// Secrets that appear while a connection is in use (an OAuth access token obtained for a
/// request, replaced before it expires), shared by every clone: a [`Redactor`] made
/// [`with_later`](Redactor::with_later) these scrubs each one added, also after it was made.
#[derive(Clone, Default)]
pub struct LiveSecrets {
    redactor: Arc<RwLock<(Vec<String>, Redactor)>>,
}

impl fmt::Debug for LiveSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LiveSecrets({} secrets)", self.count())
    }
}

impl LiveSecrets {
    /// Adds a secret (one already held is not added twice).
    pub fn add(&self, secret: &str) {
        let mut guard = match self.redactor.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let (secrets, redactor) = &mut *guard;
        if secrets.iter().any(|held| held == secret) {
            return;
        }
        secrets.push(secret.to_string());
        *redactor = Redactor::new(secrets.iter().map(String::as_str));
    }

    /// How many secrets are held.
    pub fn count(&self) -> usize {
        match self.redactor.read() {
            Ok(guard) => guard.0.len(),
            Err(poisoned) => poisoned.into_inner().0.len(),
        }
    }

    fn redactor(&self) -> Redactor {
        match self.redactor.read() {
            Ok(guard) => guard.1.clone(),
            Err(poisoned) => poisoned.into_inner().1.clone(),
        }
    }
}

impl Redactor {
    /// A redactor for `secrets`; those under [`MIN_SECRET_CHARS`] characters are left out.
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Redactor {
        let mut forms: Vec<String> = secrets
            .into_iter()
            .filter(|secret| secret.chars().count() >= MIN_SECRET_CHARS)
            .flat_map(Redactor::forms)
            .collect();
        forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        forms.dedup();
        Redactor {
            forms: Arc::new(forms),
            later: None,
        }
    }

    /// This redactor, also scrubbing every secret `later` holds now or is given from now on.
    pub fn with_later(mut self, later: LiveSecrets) -> Redactor {
        self.later = Some(later);
        self
    }

    /// Whether there is nothing to scrub.
    pub fn is_empty(&self) -> bool {
        self.forms.is_empty() && self.later.as_ref().is_none_or(|later| later.count() == 0)
    }

    /// The forms `secret` is looked for in: as is, JSON-escaped, percent-encoded, base64.
    pub fn forms(secret: &str) -> Vec<String> {
        let mut forms = vec![secret.to_string()];
        if let Ok(json) = serde_json::to_string(secret) {
            let inner = &json[1..json.len() - 1];
            forms.push(inner.to_string());
            forms.push(inner.replace('/', "\\/"));
            forms.push(ascii_json(inner));
            forms.push(ascii_json(inner).replace('/', "\\/"));
        }
        let upper = utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string();
        forms.push(lowercase_hex(&upper));
        forms.push(upper);
        forms.push(url::form_urlencoded::byte_serialize(secret.as_bytes()).collect());
        // The URL-component style keeps `-._~` as they are.
        forms.push(
            utf8_percent_encode(secret, &COMPONENT)
                .to_string()
                .replace("%20", "+"),
        );
        forms.push(utf8_percent_encode(secret, &COMPONENT).to_string());
        forms.extend(shifted_base64(secret));
        let standard = base64::engine::general_purpose::STANDARD.encode(secret);
        forms.push(standard.trim_end_matches('=').to_string());
        forms.push(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret));
        forms.push(standard);
        forms.retain(|form| form.chars().count() >= MIN_CUT_TAIL);
        forms
    }

    /// `text` with every form of every secret replaced by [`REDACTED`].
    pub fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let fixed = self.scrub_fixed(text);
        if let Some(later) = &self.later {
            if let Cow::Owned(scrubbed) = later.redactor().scrub_fixed(&fixed) {
                return Cow::Owned(scrubbed);
            }
        }
        fixed
    }

    /// `text` with every form of the secrets given to [`Redactor::new`] replaced.
    fn scrub_fixed<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if self.forms.is_empty() || text.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = Cow::Borrowed(text);
        for form in self.forms.iter() {
            if out.contains(form.as_str()) {
                out = Cow::Owned(out.replace(form.as_str(), REDACTED));
            }
        }
        match self.scrub_cut_tails(&out) {
            Some(cut) => Cow::Owned(cut),
            None => out,
        }
    }

    /// `error` with its message and detail scrubbed.
    pub fn scrub_error(&self, mut error: Error) -> Error {
        if self.is_empty() {
            return error;
        }
        if let Cow::Owned(message) = self.scrub(&error.message) {
            error.message = message;
        }
        if let Some(detail) = &error.detail {
            if let Cow::Owned(detail) = self.scrub(detail) {
                error.detail = Some(detail);
            }
        }
        error
    }

    /// Where `text` was cut short (its end, or just before a `…`), a tail that begins a form of
    /// a secret is replaced. `None` when there was none.
    fn scrub_cut_tails(&self, text: &str) -> Option<String> {
        let mut cuts: Vec<usize> = text.match_indices('…').map(|(at, _)| at).collect();
        cuts.push(text.len());
        let mut out = String::with_capacity(text.len());
        let mut from = 0;
        let mut changed = false;
        for cut in cuts {
            let before = &text[from..cut];
            match self.longest_cut_tail(before) {
                Some(len) => {
                    out.push_str(&before[..before.len() - len]);
                    out.push_str(REDACTED);
                    changed = true;
                }
                None => out.push_str(before),
            }
            from = cut;
        }
        changed.then_some(out)
    }

    /// The length in bytes of the longest tail of `text` that is a proper start of a form.
    fn longest_cut_tail(&self, text: &str) -> Option<usize> {
        self.forms
            .iter()
            .filter_map(|form| {
                let mut longest = None;
                for (end, _) in form.char_indices().skip(MIN_CUT_TAIL) {
                    if text.ends_with(&form[..end]) {
                        longest = Some(end);
                    }
                }
                longest
            })
            .max()
    }
}

/// The base64 characters that encode only `secret`'s bytes when it stands 1 or 2 bytes into a
/// longer encoded text (`Basic base64(user:password)`, a quoted `Bearer <key>` header): each
/// offset lines the bytes up differently, so each gives its own run of characters.
fn shifted_base64(secret: &str) -> Vec<String> {
    let mut forms = Vec::new();
    for offset in 1..3usize {
        let mut bytes = vec![0u8; offset];
        bytes.extend_from_slice(secret.as_bytes());
        for engine in [
            &base64::engine::general_purpose::STANDARD_NO_PAD,
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ] {
            let encoded = engine.encode(&bytes);
            let start = (8 * offset).div_ceil(6);
            let end = (8 * bytes.len()) / 6;
            if let Some(run) = encoded.get(start..end) {
                forms.push(run.to_string());
            }
        }
    }
    forms
}

/// The characters a URL component keeps as they are: letters, digits and `-._~`.
const COMPONENT: percent_encoding::AsciiSet = NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A JSON string's inside with every non-ASCII character as `\uXXXX` (Python's `json.dumps`).
fn ascii_json(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    for c in inner.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// Percent-encoded text with lower-case hex digits.
fn lowercase_hex(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut hex_left = 0;
    for c in encoded.chars() {
        if c == '%' {
            hex_left = 2;
            out.push(c);
        } else if hex_left > 0 {
            hex_left -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    const KEY: &str = "sk-echo/KEY+with\"quote&pct% ü-end";

    #[test]
    fn every_form_of_a_secret_is_scrubbed() {
        let redactor = Redactor::new([KEY]);
        let forms = Redactor::forms(KEY);
        assert!(forms.len() >= 8, "{forms:?}");
        for form in &forms {
            let text = format!("Incorrect API key provided: {form}. See the docs.");
            let scrubbed = redactor.scrub(&text);
            assert_eq!(
                scrubbed,
                format!("Incorrect API key provided: {REDACTED}. See the docs."),
                "form {form}"
            );
        }
        let basic = base64::engine::general_purpose::STANDARD.encode("user:pa ss/word+1");
        let redactor = Redactor::new(["user:pa ss/word+1"]);
        assert_eq!(
            redactor.scrub(&format!("Authorization: Basic {basic}")),
            format!("Authorization: Basic {REDACTED}")
        );
    }

    #[test]
    fn json_and_percent_forms_match_what_servers_write() {
        let redactor = Redactor::new([KEY]);
        let body = serde_json::json!({"error": {"message": format!("bad key {KEY}")}}).to_string();
        assert!(!redactor.scrub(&body).contains("KEY+with"), "{body}");
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("key", KEY)
            .finish();
        assert_eq!(redactor.scrub(&query), format!("key={REDACTED}"));
        let python = "bad key sk-echo\\/KEY+with\\\"quote&pct% \\u00fc-end";
        assert_eq!(redactor.scrub(python), format!("bad key {REDACTED}"));
    }

    #[test]
    fn a_secret_inside_a_longer_base64_text_is_scrubbed() {
        let key = "sk-0123456789abcdefXYZ";
        let redactor = Redactor::new([key]);
        for prefix in ["Bearer ", ":", "user:", "ab"] {
            let encoded =
                base64::engine::general_purpose::STANDARD.encode(format!("{prefix}{key}"));
            let scrubbed = redactor.scrub(&encoded);
            assert!(scrubbed.contains(REDACTED), "{prefix}: {scrubbed}");
            // What is left decodes to no more than a few bytes of the key.
            let left: String = scrubbed.replace(REDACTED, "");
            assert!(left.len() <= encoded.len() - 24, "{prefix}: {scrubbed}");
        }
    }

    #[test]
    fn half_a_secret_at_a_cut_is_scrubbed() {
        let redactor = Redactor::new(["sk-abcdefghijklmnop"]);
        assert_eq!(
            redactor.scrub("the key sk-abcdefg… was refused"),
            format!("the key {REDACTED}… was refused")
        );
        assert_eq!(
            redactor.scrub("ends with sk-abcdefgh"),
            format!("ends with {REDACTED}")
        );
        // A text that merely shares three characters with a secret is left alone.
        assert_eq!(redactor.scrub("ask-"), "ask-");
    }

    #[test]
    fn short_secrets_are_not_scrubbed_and_clean_text_is_not_copied() {
        let redactor = Redactor::new(["short", ""]);
        assert!(redactor.is_empty());
        assert_eq!(redactor.scrub("a short word"), "a short word");
        let redactor = Redactor::new(["long-enough-secret"]);
        assert!(matches!(redactor.scrub("nothing here"), Cow::Borrowed(_)));
        assert!(!format!("{redactor:?}").contains("long-enough"));
    }

    #[test]
    fn errors_lose_the_secret_in_message_and_detail() {
        let redactor = Redactor::new(["sk-0123456789abcdef"]);
        let error = Error::new(ErrorKind::Auth, "rejected sk-0123456789abcdef")
            .with_detail("{\"error\":\"key sk-0123456789abcdef\"}");
        let scrubbed = redactor.scrub_error(error);
        assert_eq!(scrubbed.message, format!("rejected {REDACTED}"));
        assert_eq!(
            scrubbed.detail.as_deref(),
            Some(format!("{{\"error\":\"key {REDACTED}\"}}").as_str())
        );
        assert_eq!(scrubbed.kind, ErrorKind::Auth);
    }

    #[test]
    fn secrets_learnt_later_are_scrubbed_by_every_redactor_made_with_them() {
        let later = LiveSecrets::default();
        let redactor = Redactor::new(["sk-fixed-0123456789"]).with_later(later.clone());
        let copy = redactor.clone();
        assert_eq!(
            redactor.scrub("token ya29.first-token-abc"),
            "token ya29.first-token-abc"
        );
        later.add("ya29.first-token-abc");
        later.add("ya29.first-token-abc");
        assert_eq!(later.count(), 1);
        assert_eq!(
            copy.scrub("token ya29.first-token-abc and sk-fixed-0123456789"),
            format!("token {REDACTED} and {REDACTED}")
        );
        assert_eq!(format!("{later:?}"), "LiveSecrets(1 secrets)");
        let only_later = Redactor::default().with_later(later);
        assert!(!only_later.is_empty());
        let error =
            only_later.scrub_error(Error::new(ErrorKind::Auth, "Bearer ya29.first-token-abc"));
        assert_eq!(error.message, format!("Bearer {REDACTED}"));
    }
}
