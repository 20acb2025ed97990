//! SillyTavern's connection settings (`settings.json`) → Switchboard profile drafts.
//!
//! SillyTavern keeps its API keys in a separate `secrets.json`. This module never reads key
//! values: [`profiles_from_sillytavern_settings`] reads only `settings.json` (and no field of it
//! that may hold a credential, such as `proxy_password` or custom headers), and
//! [`sillytavern_secret_names`] lists which keys `secrets.json` holds, without their values, so
//! the app can ask before importing any.
//!
//! # Which profiles
//! One draft per configured source, the one in use first:
//! - the source in use: `main_api`, refined by `oai_settings.chat_completion_source` (chat
//!   completion) or `textgenerationwebui_settings.type` (text completion);
//! - every text-completion server with a URL in `textgenerationwebui_settings.server_urls`
//!   (and the old single `api_server_textgenerationwebui`, read as Oobabooga);
//! - the custom chat-completion endpoint when `oai_settings.custom_url` is set;
//! - KoboldAI when `api_server` is not SillyTavern's default, AI Horde when models are chosen.
//!
//! Cloud sources (OpenAI, Claude, NovelAI, …) are drafted only when in use: SillyTavern stores a
//! default model for each of them whether or not it was ever used. Sources Switchboard has no
//! adapter for are left out, except OpenAI-compatible services with a fixed address, which
//! become Custom profiles (llama.cpp, Ollama, vLLM, Aphrodite, Hugging Face TGI, generic,
//! TogetherAI, InfermaticAI, Featherless, DeepSeek, Groq, xAI). Drafts with the same source, URL
//! and model are merged.
//!
//! # Fields
//! - `url`: SillyTavern's URL (the reverse proxy for cloud sources, when one is set), normalised
//!   for the source, without user name, password or credential-like query parameters; `None`
//!   means the source's default address.
//! - `model`: the model chosen for that source, when set (`None` for OpenRouter's
//!   "OR_Website", which means "as set on the website").
//! - `post_processing`: only for SillyTavern's custom chat-completion endpoint, from
//!   `custom_prompt_post_processing` (`""` → none, `merge`, `semi` → semi-strict, `strict`; the
//!   `_tools` variants map to the same mode).

use std::collections::BTreeMap;
use std::fmt;

use secrecy::SecretString;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::json::looks_secret;
use crate::error::{Error, ErrorKind};
use crate::prompt::PostProcessing;
use crate::provider::ProviderKind;

/// A profile to create, as read from SillyTavern's settings (no key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ProfileDraftLite {
    /// A name for the profile, unique among the drafts (`"Ollama (SillyTavern)"`).
    pub name: String,
    /// The source.
    pub source: ProviderKind,
    /// Base URL; `None` for the source's default.
    pub url: Option<String>,
    /// Model id, when one was chosen.
    pub model: Option<String>,
    /// Prompt post-processing, when SillyTavern set one (custom chat completion only).
    pub post_processing: Option<PostProcessing>,
    /// Where SillyTavern's `secrets.json` keeps this connection's key (`api_key_openai`, …).
    pub secret_name: String,
}

/// SillyTavern's default KoboldAI address, present in every `settings.json`.
const DEFAULT_KOBOLD_URL: &str = "http://127.0.0.1:5000/api";

/// A text-completion server type of SillyTavern (`textgenerationwebui_settings.type`).
struct TextGenType {
    id: &'static str,
    label: &'static str,
    source: ProviderKind,
    /// Where its address is: SillyTavern's `server_urls`, or a fixed service address.
    url: TextGenUrl,
    /// Its model field in `textgenerationwebui_settings`.
    model_field: Option<&'static str>,
}

enum TextGenUrl {
    /// `server_urls[id]`.
    Configured,
    /// A fixed address (`None`: the source's default).
    Fixed(Option<&'static str>),
}

const fn tg(
    id: &'static str,
    label: &'static str,
    source: ProviderKind,
    url: TextGenUrl,
    model_field: Option<&'static str>,
) -> TextGenType {
    TextGenType {
        id,
        label,
        source,
        url,
        model_field,
    }
}

use TextGenUrl::{Configured, Fixed};

const TEXT_GEN_TYPES: &[TextGenType] = &[
    tg("ooba", "Oobabooga", ProviderKind::Ooba, Configured, None),
    tg(
        "mancer",
        "Mancer",
        ProviderKind::Mancer,
        Fixed(None),
        Some("mancer_model"),
    ),
    tg(
        "tabby",
        "TabbyAPI",
        ProviderKind::Tabby,
        Configured,
        Some("tabby_model"),
    ),
    tg(
        "koboldcpp",
        "KoboldCpp",
        ProviderKind::KoboldCpp,
        Configured,
        None,
    ),
    tg(
        "llamacpp",
        "llama.cpp",
        ProviderKind::Custom,
        Configured,
        Some("llamacpp_model"),
    ),
    tg(
        "ollama",
        "Ollama",
        ProviderKind::Custom,
        Configured,
        Some("ollama_model"),
    ),
    tg(
        "vllm",
        "vLLM",
        ProviderKind::Custom,
        Configured,
        Some("vllm_model"),
    ),
    tg(
        "aphrodite",
        "Aphrodite",
        ProviderKind::Custom,
        Configured,
        Some("aphrodite_model"),
    ),
    tg(
        "huggingface",
        "Hugging Face TGI",
        ProviderKind::Custom,
        Configured,
        None,
    ),
    tg(
        "generic",
        "Generic OpenAI-compatible",
        ProviderKind::Custom,
        Configured,
        Some("generic_model"),
    ),
    tg(
        "togetherai",
        "TogetherAI",
        ProviderKind::Custom,
        Fixed(Some("https://api.together.xyz/v1")),
        Some("togetherai_model"),
    ),
    tg(
        "infermaticai",
        "InfermaticAI",
        ProviderKind::Custom,
        Fixed(Some("https://api.totalgpt.ai/v1")),
        Some("infermaticai_model"),
    ),
    tg(
        "featherless",
        "Featherless",
        ProviderKind::Custom,
        Fixed(Some("https://api.featherless.ai/v1")),
        Some("featherless_model"),
    ),
    tg(
        "openrouter",
        "OpenRouter",
        ProviderKind::OpenRouter,
        Fixed(None),
        Some("openrouter_model"),
    ),
];

/// A chat-completion source of SillyTavern (`oai_settings.chat_completion_source`).
struct ChatSource {
    id: &'static str,
    label: &'static str,
    source: ProviderKind,
    /// A fixed address (`None`: the source's default, or the reverse proxy when set).
    url: Option<&'static str>,
    model_field: &'static str,
}

const CHAT_SOURCES: &[ChatSource] = &[
    ChatSource {
        id: "openai",
        label: "OpenAI",
        source: ProviderKind::OpenAi,
        url: None,
        model_field: "openai_model",
    },
    ChatSource {
        id: "claude",
        label: "Claude",
        source: ProviderKind::Claude,
        url: None,
        model_field: "claude_model",
    },
    ChatSource {
        id: "mistralai",
        label: "Mistral AI",
        source: ProviderKind::Mistral,
        url: None,
        model_field: "mistralai_model",
    },
    ChatSource {
        id: "openrouter",
        label: "OpenRouter",
        source: ProviderKind::OpenRouter,
        url: None,
        model_field: "openrouter_model",
    },
    ChatSource {
        id: "custom",
        label: "Custom",
        source: ProviderKind::Custom,
        url: None,
        model_field: "custom_model",
    },
    ChatSource {
        id: "deepseek",
        label: "DeepSeek",
        source: ProviderKind::Custom,
        url: Some("https://api.deepseek.com/v1"),
        model_field: "deepseek_model",
    },
    ChatSource {
        id: "groq",
        label: "Groq",
        source: ProviderKind::Custom,
        url: Some("https://api.groq.com/openai/v1"),
        model_field: "groq_model",
    },
    ChatSource {
        id: "xai",
        label: "xAI",
        source: ProviderKind::Custom,
        url: Some("https://api.x.ai/v1"),
        model_field: "xai_model",
    },
];

/// Reads SillyTavern's `settings.json` into profile drafts (see the module documentation).
///
/// Fails when the text is not JSON or does not look like SillyTavern's settings (for example,
/// `secrets.json` given by mistake).
pub fn profiles_from_sillytavern_settings(
    settings_json: &str,
) -> Result<Vec<ProfileDraftLite>, Error> {
    let text = settings_json
        .strip_prefix('\u{feff}')
        .unwrap_or(settings_json);
    let root = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(root)) => root,
        Ok(_) => return Err(not_settings("it is not a JSON object")),
        Err(err) => return Err(not_settings(&format!("it is not valid JSON ({err})"))),
    };
    const KNOWN: [&str; 6] = [
        "main_api",
        "oai_settings",
        "textgenerationwebui_settings",
        "api_server",
        "horde_settings",
        "nai_settings",
    ];
    if !KNOWN.iter().any(|key| root.contains_key(*key)) {
        return Err(not_settings(
            "it has none of main_api, oai_settings, textgenerationwebui_settings, api_server",
        ));
    }

    let empty = Map::new();
    let object = |key: &str| root.get(key).and_then(Value::as_object).unwrap_or(&empty);
    let oai = object("oai_settings");
    let textgen = object("textgenerationwebui_settings");
    let horde = object("horde_settings");
    let novel = object("nai_settings");
    let main_api = text_at(&root, "main_api");

    let mut drafts = Drafts::default();

    // The source in use.
    match main_api.as_deref() {
        Some("openai") => {
            let id = text_at(oai, "chat_completion_source").unwrap_or_else(|| "openai".into());
            if let Some(source) = CHAT_SOURCES.iter().find(|s| s.id == id) {
                drafts.push(chat_draft(source, oai));
            }
        }
        Some("textgenerationwebui") => {
            let id = text_at(textgen, "type").unwrap_or_else(|| "ooba".into());
            if let Some(kind) = TEXT_GEN_TYPES.iter().find(|t| t.id == id) {
                drafts.push(textgen_draft(kind, &root, textgen, true));
            }
        }
        Some("kobold") => drafts.push(kobold_draft(&root)),
        Some("koboldhorde") => drafts.push(horde_draft(horde)),
        Some("novel") => drafts.push(draft(
            "NovelAI",
            "novel",
            ProviderKind::NovelAi,
            None,
            text_at(novel, "model_novel"),
            None,
        )),
        _ => {}
    }

    // Other configured servers.
    for kind in TEXT_GEN_TYPES {
        if matches!(kind.url, Configured) {
            let candidate = textgen_draft(kind, &root, textgen, false);
            if candidate.url.is_some() {
                drafts.push(candidate);
            }
        }
    }
    if text_at(oai, "custom_url").is_some() {
        if let Some(custom) = CHAT_SOURCES.iter().find(|s| s.id == "custom") {
            drafts.push(chat_draft(custom, oai));
        }
    }
    if text_at(&root, "api_server")
        .is_some_and(|url| url.trim_end_matches('/') != DEFAULT_KOBOLD_URL)
    {
        drafts.push(kobold_draft(&root));
    }
    if horde
        .get("models")
        .and_then(Value::as_array)
        .is_some_and(|models| !models.is_empty())
    {
        drafts.push(horde_draft(horde));
    }
    Ok(drafts.finish())
}

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

/// Drafts in order, without repeats, with unique names.
#[derive(Default)]
struct Drafts(Vec<ProfileDraftLite>);

impl Drafts {
    fn push(&mut self, draft: ProfileDraftLite) {
        let repeat = self
            .0
            .iter()
            .any(|d| d.source == draft.source && d.url == draft.url && d.model == draft.model);
        if !repeat {
            self.0.push(draft);
        }
    }

    fn finish(mut self) -> Vec<ProfileDraftLite> {
        let mut seen: Vec<String> = Vec::new();
        for draft in &mut self.0 {
            let base = draft.name.clone();
            let mut n = 2;
            while seen
                .iter()
                .any(|name| name.eq_ignore_ascii_case(&draft.name))
            {
                draft.name = format!("{base} {n}");
                n += 1;
            }
            seen.push(draft.name.clone());
        }
        self.0
    }
}

fn draft(
    label: &str,
    secret_id: &str,
    source: ProviderKind,
    url: Option<String>,
    model: Option<String>,
    post_processing: Option<PostProcessing>,
) -> ProfileDraftLite {
    ProfileDraftLite {
        name: format!("{label} (SillyTavern)"),
        source,
        url: url.and_then(|url| clean_url(source, &url)),
        model,
        post_processing,
        secret_name: format!("api_key_{secret_id}"),
    }
}

fn chat_draft(source: &ChatSource, oai: &Map<String, Value>) -> ProfileDraftLite {
    let url = match (source.id, source.url) {
        ("custom", _) => text_at(oai, "custom_url"),
        (_, Some(fixed)) => Some(fixed.to_string()),
        (_, None) => text_at(oai, "reverse_proxy"),
    };
    let model = text_at(oai, source.model_field).filter(|m| m != "OR_Website");
    let post_processing = (source.id == "custom")
        .then(|| post_processing(oai.get("custom_prompt_post_processing")))
        .flatten();
    draft(
        source.label,
        source.id,
        source.source,
        url,
        model,
        post_processing,
    )
}

fn textgen_draft(
    kind: &TextGenType,
    root: &Map<String, Value>,
    textgen: &Map<String, Value>,
    in_use: bool,
) -> ProfileDraftLite {
    let url = match kind.url {
        Configured => textgen
            .get("server_urls")
            .and_then(Value::as_object)
            .and_then(|urls| text_at(urls, kind.id))
            .or_else(|| {
                // Before `server_urls`, one address served every type.
                (in_use || kind.id == "ooba")
                    .then(|| text_at(root, "api_server_textgenerationwebui"))
                    .flatten()
            }),
        Fixed(url) => url.map(str::to_string),
    };
    let model = kind.model_field.and_then(|field| text_at(textgen, field));
    draft(kind.label, kind.id, kind.source, url, model, None)
}

fn kobold_draft(root: &Map<String, Value>) -> ProfileDraftLite {
    draft(
        "KoboldAI",
        "koboldcpp",
        ProviderKind::Kobold,
        text_at(root, "api_server"),
        None,
        None,
    )
}

fn horde_draft(horde: &Map<String, Value>) -> ProfileDraftLite {
    let model = horde
        .get("models")
        .and_then(Value::as_array)
        .and_then(|models| models.iter().find_map(Value::as_str))
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_string);
    draft("AI Horde", "horde", ProviderKind::Horde, None, model, None)
}

fn post_processing(value: Option<&Value>) -> Option<PostProcessing> {
    let mode = value?.as_str()?.trim();
    let mode = mode.strip_suffix("_tools").unwrap_or(mode);
    match mode {
        "" => Some(PostProcessing::None),
        "merge" => Some(PostProcessing::Merge),
        "semi" => Some(PostProcessing::SemiStrict),
        "strict" => Some(PostProcessing::Strict),
        _ => None,
    }
}

/// A URL without credentials, normalised for `source` when possible; `None` when empty.
fn clean_url(source: ProviderKind, raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let mut cleaned = raw.to_string();
    if let Ok(mut url) = url::Url::parse(raw) {
        // Setting an empty user name or no password only fails for URLs without a host.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(name, _)| !looks_secret(name))
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
        cleaned = url.to_string();
    }
    match source.normalize_url(&cleaned) {
        Ok(normal) => Some(normal.url),
        Err(_) => Some(cleaned),
    }
}

/// The non-empty text at `key`, trimmed.
fn text_at(object: &Map<String, Value>, key: &str) -> Option<String> {
    object
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_string)
}

fn not_settings(why: &str) -> Error {
    Error::new(
        ErrorKind::InvalidRequest,
        format!("This is not SillyTavern's settings.json: {why}."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_processing_modes() {
        let mode = |text: &str| post_processing(Some(&Value::String(text.to_string())));
        assert_eq!(mode(""), Some(PostProcessing::None));
        assert_eq!(mode("merge"), Some(PostProcessing::Merge));
        assert_eq!(mode("semi"), Some(PostProcessing::SemiStrict));
        assert_eq!(mode("strict_tools"), Some(PostProcessing::Strict));
        assert_eq!(mode("single"), None);
        assert_eq!(post_processing(None), None);
    }

    #[test]
    fn urls_lose_credentials() {
        assert_eq!(
            clean_url(
                ProviderKind::Custom,
                "http://me:pw@127.0.0.1:8080/v1?api_key=x&mode=a"
            )
            .as_deref(),
            Some("http://127.0.0.1:8080/v1?mode=a")
        );
        assert_eq!(
            clean_url(ProviderKind::Ooba, "http://127.0.0.1:5000").as_deref(),
            Some("http://127.0.0.1:5000/v1")
        );
        assert_eq!(clean_url(ProviderKind::Custom, "  "), None);
    }

    #[test]
    fn secret_values_are_not_kept() {
        let names = sillytavern_secret_names(
            r#"{"api_key_openai":"sk-1","api_key_claude":"","api_key_novel":[],
                "api_key_mancer":[{"id":"1","value":"m-2","label":"x","active":true}],
                "api_key_tabby":[{"id":"1","value":"","label":"x"}],"_migrated":true}"#,
        );
        assert_eq!(names, ["api_key_mancer", "api_key_openai"]);
        assert!(sillytavern_secret_names("not json").is_empty());
    }
}

/// The key SillyTavern's `secrets.json` holds under `name` (a draft's
/// [`secret_name`](ProfileDraftLite::secret_name)), read only when the person asked for it:
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

#[cfg(test)]
mod secret_tests {
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
}
