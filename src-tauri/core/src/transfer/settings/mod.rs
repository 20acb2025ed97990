//! SillyTavern's connection settings (`settings.json`) → Switchboard profile drafts.
//!
//! SillyTavern keeps its API keys in a separate `secrets.json`. [`profiles_from_sillytavern_settings`]
//! reads only `settings.json` and no credential value in it (of `proxy_password` it only looks
//! whether one is set), and [`sillytavern_secret_names`] lists which keys `secrets.json` holds,
//! without their values, so the app can ask before importing any. Values are read only by
//! [`sillytavern_secret`] and [`sillytavern_proxy_password`], when the person asked for keys.
//!
//! # Reverse proxies
//! SillyTavern sends the requests of OpenAI, Claude and Mistral AI to `oai_settings.reverse_proxy`
//! when one is set, with `proxy_password` as the key and never the vendor's key from
//! `secrets.json`; OpenRouter and the other sources ignore `reverse_proxy` (see
//! `docs/providers.md`, "SillyTavern import"). A draft for such a proxy is named "… via reverse
//! proxy", and its [`DraftKey`] is the proxy password, or no key when none is set: this module
//! must never pair a vendor's key with a proxy's URL.
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
//! - `url`: SillyTavern's URL (the reverse proxy for OpenAI, Claude and Mistral AI, when one is
//!   set), normalised
//!   for the source, without user name, password or credential-like query parameters; `None`
//!   means the source's default address.
//! - `model`: the model chosen for that source, when set (`None` for OpenRouter's
//!   "OR_Website", which means "as set on the website").
//! - `post_processing`: only for SillyTavern's custom chat-completion endpoint, from
//!   `custom_prompt_post_processing` (`""` → none, `merge`, `semi` → semi-strict, `strict`,
//!   `single`; the `_tools` variants map to the same mode).
//! - `key`: where the key comes from ([`DraftKey`]): `secrets.json`'s entry for the source, or for
//!   a reverse proxy its password (or none).

mod secrets;
mod sources;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::json::looks_secret;
use crate::catalogue::ProviderKind;
use crate::error::{Error, ErrorKind};
use crate::prompt::PostProcessing;
pub use secrets::{sillytavern_proxy_password, sillytavern_secret, sillytavern_secret_names};
use sources::{
    ChatSource, TextGenType, TextGenUrl, CHAT_SOURCES, DEFAULT_KOBOLD_URL, TEXT_GEN_TYPES,
};
use TextGenUrl::{Configured, Fixed};

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
    /// Where this connection's key comes from.
    pub key: DraftKey,
}

impl ProfileDraftLite {
    /// The name under which SillyTavern's `secrets.json` keeps this connection's key; `None`
    /// for a reverse proxy, which never gets the vendor's key.
    pub fn secret_name(&self) -> Option<&str> {
        match &self.key {
            DraftKey::Secrets { name } => Some(name),
            DraftKey::ProxyPassword | DraftKey::NoKey => None,
        }
    }
}

/// Where a draft's key comes from, as SillyTavern decides it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", tag = "from")]
pub enum DraftKey {
    /// The vendor's key, kept in `secrets.json` under `name` (`api_key_openai`, …).
    Secrets {
        /// The entry's name.
        name: String,
    },
    /// The URL is a reverse proxy with a password: SillyTavern sends the proxy its
    /// `proxy_password` (in `settings.json`) as the key, never the vendor's key.
    ProxyPassword,
    /// The URL is a reverse proxy without a password: no key is sent at all.
    NoKey,
}

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
        key: DraftKey::Secrets {
            name: format!("api_key_{secret_id}"),
        },
    }
}

fn chat_draft(source: &ChatSource, oai: &Map<String, Value>) -> ProfileDraftLite {
    let proxy = source
        .reverse_proxy
        .then(|| text_at(oai, "reverse_proxy"))
        .flatten();
    let url = match (source.id, source.url) {
        ("custom", _) => text_at(oai, "custom_url"),
        (_, Some(fixed)) => Some(fixed.to_string()),
        (_, None) => proxy.clone(),
    };
    let model = text_at(oai, source.model_field).filter(|m| m != "OR_Website");
    let post_processing = (source.id == "custom")
        .then(|| post_processing(oai.get("custom_prompt_post_processing")))
        .flatten();
    let mut draft = draft(
        source.label,
        source.id,
        source.source,
        url,
        model,
        post_processing,
    );
    if proxy.is_some() {
        // Only whether a password is set is looked at here; its value is read only when the
        // person asks for keys (`sillytavern_proxy_password`).
        draft.key = if text_at(oai, "proxy_password").is_some() {
            DraftKey::ProxyPassword
        } else {
            DraftKey::NoKey
        };
        draft.name = format!("{} via reverse proxy (SillyTavern)", source.label);
    }
    draft
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
        "single" => Some(PostProcessing::Single),
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
        assert_eq!(mode("single"), Some(PostProcessing::Single));
        assert_eq!(mode("bogus"), None);
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
