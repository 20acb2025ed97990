//! SillyTavern's `secrets.json` (and the reverse-proxy password in `settings.json`): which keys
//! it holds, without their values, and one value when the person asked for it. Nothing here
//! keeps a value beyond handing it back as a [`SecretString`].

use std::collections::BTreeMap;
use std::fmt;

use secrecy::SecretString;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// Names of the keys SillyTavern's `secrets.json` holds (non-empty ones), sorted, never their
/// values. Handles both layouts: `{"api_key_openai": "sk-…"}` and the newer
/// `{"api_key_openai": [{"id": …, "value": "sk-…", "label": …, "active": true}]}`.
/// Text that is not a JSON object gives an empty list.
pub fn sillytavern_secret_names(secrets_json: &str) -> Vec<String> {
    let text = secrets_json
        .strip_prefix('\u{feff}')
        .unwrap_or(secrets_json);
    // Each value is only looked at to see whether it is empty; none is kept.
    let Ok(entries) = serde_json::from_str::<BTreeMap<String, Present>>(text) else {
        return Vec::new();
    };
    entries
        .into_iter()
        .filter(|(_, present)| present.0)
        .map(|(name, _)| name)
        .collect()
}

/// Whether a `secrets.json` value holds a secret; reading it keeps nothing of the value.
struct Present(bool);

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PresentVisitor)
    }
}

struct PresentVisitor;

impl<'de> Visitor<'de> for PresentVisitor {
    type Value = Present;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a secret")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Present, E> {
        Ok(Present(!value.trim().is_empty()))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Present, E> {
        Ok(Present(false))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Present, E> {
        Ok(Present(false))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Present, E> {
        Ok(Present(false))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Present, E> {
        Ok(Present(false))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Present, E> {
        Ok(Present(false))
    }

    /// A list of saved keys: present when one of them is.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Present, A::Error> {
        let mut any = false;
        while let Some(Present(present)) = seq.next_element()? {
            any |= present;
        }
        Ok(Present(any))
    }

    /// One saved key: present when its `value` is.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Present, A::Error> {
        let mut any = false;
        while let Some(field) = map.next_key::<String>()? {
            if field == "value" {
                any |= map.next_value::<Present>()?.0;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Present(any))
    }
}

/// The key SillyTavern's `secrets.json` holds under `name` (a draft's
/// `DraftKey`), read only when the person asked for it:
/// the plain value, or in the newer layout the active entry (else the first non-empty one). It
/// goes straight to the keychain; nothing else keeps it.
pub fn sillytavern_secret(secrets_json: &str, name: &str) -> Option<SecretString> {
    let text = secrets_json
        .strip_prefix('\u{feff}')
        .unwrap_or(secrets_json);
    let all: Map<String, Value> = serde_json::from_str(text).ok()?;
    let value = all.get(name)?;
    let text = match value {
        Value::String(text) => Some(text.as_str()),
        Value::Array(entries) => {
            fn value_of(entry: &Value) -> Option<&str> {
                entry
                    .get("value")
                    .and_then(Value::as_str)
                    .filter(|v| !v.trim().is_empty())
            }
            entries
                .iter()
                .find(|e| e.get("active").and_then(Value::as_bool) == Some(true))
                .and_then(value_of)
                .or_else(|| entries.iter().find_map(value_of))
        }
        _ => None,
    }?;
    let text = text.trim();
    (!text.is_empty()).then(|| SecretString::from(text.to_string()))
}

/// The reverse-proxy password in SillyTavern's `settings.json` (`oai_settings.proxy_password`),
/// read only when the person asked for keys: SillyTavern sends it as the key to the reverse
/// proxy (a draft with [`DraftKey::ProxyPassword`](super::DraftKey::ProxyPassword)). It goes
/// straight to the keychain; nothing else keeps it.
pub fn sillytavern_proxy_password(settings_json: &str) -> Option<SecretString> {
    let text = settings_json
        .strip_prefix('\u{feff}')
        .unwrap_or(settings_json);
    let root: Map<String, Value> = serde_json::from_str(text).ok()?;
    let password = root
        .get("oai_settings")?
        .get("proxy_password")?
        .as_str()?
        .trim();
    (!password.is_empty()).then(|| SecretString::from(password.to_string()))
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn keys_are_read_by_name_from_either_layout() {
        let secrets = r#"{"api_key_openai": "sk-1", "api_key_claude": "",
            "api_key_mancer": [{"value": "m-old", "active": false}, {"value": "m-new", "active": true}],
            "api_key_novel": [{"value": "", "active": true}, {"value": "pst-2"}]}"#;
        let key = |name| sillytavern_secret(secrets, name).map(|k| k.expose_secret().to_string());
        assert_eq!(key("api_key_openai").as_deref(), Some("sk-1"));
        assert_eq!(key("api_key_claude"), None);
        assert_eq!(key("api_key_mancer").as_deref(), Some("m-new"));
        assert_eq!(key("api_key_novel").as_deref(), Some("pst-2"));
        assert_eq!(key("api_key_horde"), None);
        assert!(sillytavern_secret("not json", "api_key_openai").is_none());
    }

    #[test]
    fn the_proxy_password_is_read_from_settings_only_when_set() {
        let password = |settings: &str| {
            sillytavern_proxy_password(settings).map(|k| k.expose_secret().to_string())
        };
        assert_eq!(
            password(r#"{"oai_settings": {"proxy_password": " pw-1 "}}"#).as_deref(),
            Some("pw-1")
        );
        assert_eq!(
            password(r#"{"oai_settings": {"proxy_password": ""}}"#),
            None
        );
        assert_eq!(password(r#"{"oai_settings": {"proxy_password": 5}}"#), None);
        assert_eq!(password(r#"{"proxy_password": "top-level"}"#), None);
        assert_eq!(password("not json"), None);
    }
}
