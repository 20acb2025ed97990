//! Auto-detect: finds the LLM servers running on this machine and says, for each one, which
//! source and base URL a profile for it needs.
//!
//! Every port is probed at once with a handful of `GET`s (never with a key), each bounded by
//! [`PROBE_TIMEOUT`], so a whole detection takes about that long at most; a refused connection
//! ends a port's probe at once. The answers are then matched against the servers' fingerprints,
//! most specific first, since one port hosts one server but several servers answer the same
//! generic routes (KoboldCpp also serves `/v1/models`, `/props` and `/api/tags`):
//!
//! | Server | Fingerprint | Models from | Source proposed |
//! | --- | --- | --- | --- |
//! | KoboldCpp | `/api/extra/version` → `{"result":"KoboldCpp","version":…}` | `/api/v1/model` | `koboldcpp` |
//! | KoboldAI United | `/api/v1/info/version` → `{"result":"1.2.6"}`, no `/api/extra/version` | `/api/v1/model` (`"ReadOnly"`: none loaded) | `kobold` |
//! | Oobabooga | `/v1/internal/model/info` → `{"model_name",…}` | the same | `ooba` |
//! | TabbyAPI | `/v1/model` (or `/v1/models` entries) `owned_by: "tabbyAPI"` | `/v1/model` | `tabby` |
//! | llama.cpp | `/props` with `default_generation_settings`, `build_info` or `total_slots` | `/v1/models` | `llamacpp` |
//! | Ollama | `/api/version` → `{"version":…}` | `/api/tags` | `ollama` |
//! | LM Studio | `/api/v0/models` → `{"object":"list","data":[…]}` | the same (LLMs only) | `custom` |
//! | vLLM | `/v1/models` entries `owned_by: "vllm"` (version from `/version`) | `/v1/models` | `vllm` |
//! | Aphrodite | `/v1/models` entries `owned_by: "pygmalionai"` | `/v1/models` | `aphrodite` |
//! | anything else | `/v1/models` is an OpenAI model list | `/v1/models` | `custom` |
//!
//! A server started with a key answers some routes 401 or 403: when nothing else identifies it,
//! it is still listed, named as far as its open routes tell (vLLM keeps `/version` open) and
//! marked [`Found::needs_key`], so that a profile for it is offered with a key field. A port that
//! does not answer, or answers something none of these recognise, is skipped.

use std::time::Duration;

use futures::future::join_all;
use serde::Serialize;
use serde_json::Value;

use crate::catalogue::ProviderKind;
use crate::http::Http;

/// The loopback ports local servers use by default: KoboldCpp 5001; Oobabooga, TabbyAPI and
/// KoboldAI United 5000; llama.cpp 8080; Ollama 11434; LM Studio 1234; vLLM 8000; Aphrodite
/// 2242. The person may add more ([`crate::Engine::add_detect_port`], kept in the store).
pub const LOCAL_PORTS: &[u16] = &[5001, 5000, 8080, 11434, 1234, 8000, 2242];

/// The longest wait for any one answer while probing a port.
pub const PROBE_TIMEOUT: Duration = Duration::from_millis(1500);

/// The largest answer read while probing.
const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// How many model names a summary shows before "and N more".
const SUMMARY_MODELS: usize = 3;

/// A server that answered, with a profile ready for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Found {
    /// The source a profile for this server uses.
    pub source: ProviderKind,
    /// The base URL as that source wants it (normalised by [`ProviderKind::normalize_url`]).
    pub url: String,
    /// What answered: "KoboldCpp", "KoboldAI United", "Oobabooga text-generation-webui",
    /// "TabbyAPI", "llama.cpp", "Ollama", "LM Studio", "vLLM" or "OpenAI-compatible server".
    pub server: String,
    /// The server's version, when it says (KoboldAI United: its API version; llama.cpp: its
    /// build).
    pub version: Option<String>,
    /// The models it serves (the loaded one first, where that is known); empty when none is
    /// loaded.
    pub models: Vec<String>,
    /// One line for people, e.g. "KoboldCpp 1.102 with model koboldcpp/Mistral-7B".
    pub summary: String,
    /// A name for the profile, e.g. "KoboldCpp (5001)"; [`crate::Engine::detect`] makes it
    /// differ from every saved profile's name.
    pub profile_name: String,
    /// The server refused to answer without a key (401 or 403): a profile for it needs one.
    pub needs_key: bool,
}

/// Probes `ports` on `host` (all at once) and returns the servers that answered, in the order
/// of `ports`. Never fails: a port where nothing answers, or something unrecognised, is left
/// out. No key is ever sent. Repeated ports are probed once.
pub async fn detect(http: &Http, host: &str, ports: &[u16]) -> Vec<Found> {
    let mut unique: Vec<u16> = Vec::with_capacity(ports.len());
    for &port in ports {
        if !unique.contains(&port) {
            unique.push(port);
        }
    }
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let probes = unique.iter().map(|&port| probe(http, &host, port));
    join_all(probes).await.into_iter().flatten().collect()
}

/// What one port answered on each probed route (`None`: no 2xx JSON answer in time).
#[derive(Debug, Default)]
struct Answers {
    /// `GET /api/extra/version` (KoboldCpp).
    kcpp_version: Option<Value>,
    /// `GET /api/v1/info/version` (KoboldAI API).
    kai_version: Option<Value>,
    /// `GET /api/v1/model` (KoboldAI API).
    kai_model: Option<Value>,
    /// `GET /v1/internal/model/info` (Oobabooga).
    ooba_info: Option<Value>,
    /// `GET /v1/model` (TabbyAPI).
    tabby_model: Option<Value>,
    /// `GET /v1/models` (OpenAI-compatible servers).
    models: Option<Value>,
    /// `GET /props` (llama.cpp).
    props: Option<Value>,
    /// `GET /api/version` (Ollama).
    ollama_version: Option<Value>,
    /// `GET /api/tags` (Ollama).
    ollama_tags: Option<Value>,
    /// `GET /api/v0/models` (LM Studio).
    lms_models: Option<Value>,
    /// `GET /version` (vLLM).
    version: Option<Value>,
    /// Some route answered 401 or 403: the server wants a key.
    refused: bool,
}

/// The routes probed, in the order of [`Answers`]' fields.
const ROUTES: [&str; 11] = [
    "/api/extra/version",
    "/api/v1/info/version",
    "/api/v1/model",
    "/v1/internal/model/info",
    "/v1/model",
    "/v1/models",
    "/props",
    "/api/version",
    "/api/tags",
    "/api/v0/models",
    "/version",
];

async fn probe(http: &Http, host: &str, port: u16) -> Option<Found> {
    let base = format!("http://{host}:{port}");
    let replies = join_all(ROUTES.iter().map(|route| get_json(http, &base, route))).await;
    let refused = replies.iter().any(|reply| matches!(reply, Err(Refused)));
    let mut replies = replies.into_iter();
    let mut next = || replies.next().and_then(Result::ok).flatten();
    let answers = Answers {
        kcpp_version: next(),
        kai_version: next(),
        kai_model: next(),
        ooba_info: next(),
        tabby_model: next(),
        models: next(),
        props: next(),
        ollama_version: next(),
        ollama_tags: next(),
        lms_models: next(),
        version: next(),
        refused,
    };
    let identified = identify(&answers)?;
    let url = format!("{base}{}", identified.path);
    let url = identified
        .source
        .normalize_url(&url)
        .map_or(url, |normal| normal.url);
    let summary = summary(&identified);
    Some(Found {
        source: identified.source,
        url,
        profile_name: format!("{} ({port})", identified.server),
        server: identified.server.to_string(),
        version: identified.version,
        models: identified.models,
        summary,
        needs_key: identified.needs_key,
    })
}

/// A route answered 401 or 403.
#[derive(Debug)]
struct Refused;

/// `GET base + route` without any key: the JSON of a 2xx answer within [`PROBE_TIMEOUT`]
/// (`Ok(None)` for no answer or any other), or [`Refused`].
async fn get_json(http: &Http, base: &str, route: &str) -> Result<Option<Value>, Refused> {
    let url = format!("{base}{route}");
    let fetch = async {
        let mut response = http
            .client()
            .get(&url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .ok()?;
        let status = response.status().as_u16();
        if status == 401 || status == 403 {
            return Some(Err(Refused));
        }
        if !response.status().is_success() {
            return None;
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.ok()? {
            body.extend_from_slice(&chunk);
            if body.len() > BODY_LIMIT {
                return None;
            }
        }
        serde_json::from_slice::<Value>(&body).ok().map(Ok)
    };
    match tokio::time::timeout(PROBE_TIMEOUT, fetch).await {
        Ok(Some(Err(refused))) => Err(refused),
        Ok(Some(Ok(value))) => Ok(Some(value)),
        _ => Ok(None),
    }
}

/// A recognised server.
#[derive(Debug)]
struct Identified {
    source: ProviderKind,
    /// The path of the base URL its source wants (`""`, `/api`, `/v1`).
    path: &'static str,
    server: &'static str,
    version: Option<String>,
    models: Vec<String>,
    /// How an empty model list reads: "no model loaded" or "no models".
    nothing: &'static str,
    /// It refused some routes without a key.
    needs_key: bool,
}

const NO_MODEL_LOADED: &str = "no model loaded";
const NO_MODELS: &str = "no models";

/// Matches the answers against the fingerprints, most specific first; a server that refused
/// some routes is marked as needing a key, and one that refused what would have named it is
/// named as far as its open routes tell.
fn identify(a: &Answers) -> Option<Identified> {
    match identify_open(a) {
        Some(found) => Some(Identified {
            needs_key: a.refused,
            ..found
        }),
        None if a.refused => Some(keyed(a)),
        None => None,
    }
}

/// A server that refused to be read without a key: vLLM and Aphrodite keep `/version` open.
fn keyed(a: &Answers) -> Identified {
    let version = a
        .version
        .as_ref()
        .and_then(|v| str_field(v, "version"))
        .map(str::to_string);
    let (source, path, server) = match version {
        Some(_) => (ProviderKind::Vllm, "", "vLLM"),
        None => (ProviderKind::Custom, "/v1", "OpenAI-compatible server"),
    };
    Identified {
        source,
        path,
        server,
        version,
        models: Vec::new(),
        nothing: NO_MODELS,
        needs_key: true,
    }
}

/// Matches the answers of the routes that answered against the fingerprints.
fn identify_open(a: &Answers) -> Option<Identified> {
    let kcpp = a
        .kcpp_version
        .as_ref()
        .filter(|v| str_field(v, "result").is_some_and(|r| r.eq_ignore_ascii_case("koboldcpp")));
    if let Some(version) = kcpp {
        let mut models = kobold_model(a.kai_model.as_ref());
        if a.kai_model.is_none() {
            models = list_ids(a.models.as_ref()).unwrap_or_default();
        }
        return Some(Identified {
            source: ProviderKind::KoboldCpp,
            path: "",
            server: "KoboldCpp",
            version: str_field(version, "version").map(str::to_string),
            models,
            nothing: NO_MODEL_LOADED,
            needs_key: false,
        });
    }
    if let Some(version) = a
        .kai_version
        .as_ref()
        .and_then(|v| str_field(v, "result"))
        .filter(|v| looks_like_version(v))
    {
        return Some(Identified {
            source: ProviderKind::Kobold,
            path: "/api",
            server: "KoboldAI United",
            version: Some(version.to_string()),
            models: kobold_model(a.kai_model.as_ref()),
            nothing: NO_MODEL_LOADED,
            needs_key: false,
        });
    }
    if let Some(info) = a.ooba_info.as_ref().filter(|v| {
        v.get("model_name")
            .is_some_and(|m| m.is_string() || m.is_null())
    }) {
        let models = str_field(info, "model_name")
            .filter(|name| !name.is_empty() && *name != "None")
            .map(|name| vec![name.to_string()])
            .unwrap_or_default();
        return Some(Identified {
            source: ProviderKind::Ooba,
            path: "/v1",
            server: "Oobabooga text-generation-webui",
            version: None,
            models,
            nothing: NO_MODEL_LOADED,
            needs_key: false,
        });
    }
    let tabby_card = a
        .tabby_model
        .as_ref()
        .filter(|card| owned_by(card, "tabbyapi"));
    let tabby_list = list_entries(a.models.as_ref())
        .is_some_and(|entries| entries.iter().any(|e| owned_by(e, "tabbyapi")));
    if tabby_card.is_some() || tabby_list {
        let models = tabby_card
            .and_then(|card| str_field(card, "id"))
            .map(|id| vec![id.to_string()])
            .unwrap_or_default();
        return Some(Identified {
            source: ProviderKind::Tabby,
            path: "/v1",
            server: "TabbyAPI",
            version: None,
            models,
            nothing: NO_MODEL_LOADED,
            needs_key: false,
        });
    }
    if let Some(props) = a.props.as_ref().filter(|p| {
        ["default_generation_settings", "build_info", "total_slots"]
            .iter()
            .any(|key| p.get(key).is_some())
    }) {
        let models = list_ids(a.models.as_ref())
            .filter(|ids| !ids.is_empty())
            .or_else(|| {
                let path = str_field(props, "model_path")?;
                let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
                (!file.is_empty()).then(|| vec![file.to_string()])
            })
            .unwrap_or_default();
        return Some(Identified {
            source: ProviderKind::LlamaCpp,
            path: "",
            server: "llama.cpp",
            version: str_field(props, "build_info").map(str::to_string),
            models,
            nothing: NO_MODEL_LOADED,
            needs_key: false,
        });
    }
    if let Some(version) = a
        .ollama_version
        .as_ref()
        .and_then(|v| str_field(v, "version"))
    {
        let models = a
            .ollama_tags
            .as_ref()
            .and_then(|tags| tags.get("models")?.as_array())
            .map(|models| {
                models
                    .iter()
                    .filter_map(|m| str_field(m, "name").or_else(|| str_field(m, "model")))
                    .map(str::to_string)
                    .collect()
            })
            .or_else(|| list_ids(a.models.as_ref()))
            .unwrap_or_default();
        return Some(Identified {
            source: ProviderKind::Ollama,
            path: "",
            server: "Ollama",
            version: Some(version.to_string()),
            models,
            nothing: NO_MODELS,
            needs_key: false,
        });
    }
    if let Some(entries) = a
        .lms_models
        .as_ref()
        .filter(|list| str_field(list, "object") == Some("list"))
        .and_then(|list| list_entries(Some(list)))
    {
        // Language models only (not embedding models), the loaded ones first.
        let chat = |e: &&Value| str_field(e, "type").is_none_or(|t| matches!(t, "llm" | "vlm"));
        let loaded = |e: &&Value| str_field(e, "state") == Some("loaded");
        let (mut models, rest): (Vec<&Value>, Vec<&Value>) =
            entries.iter().filter(chat).partition(loaded);
        models.extend(rest);
        return Some(Identified {
            source: ProviderKind::Custom,
            path: "/v1",
            server: "LM Studio",
            version: None,
            models: models
                .into_iter()
                .filter_map(|e| str_field(e, "id"))
                .map(str::to_string)
                .collect(),
            nothing: NO_MODELS,
            needs_key: false,
        });
    }
    let ids = list_ids(a.models.as_ref())?;
    let vllm = list_entries(a.models.as_ref())
        .is_some_and(|entries| entries.iter().any(|e| owned_by(e, "vllm")));
    let aphrodite = list_entries(a.models.as_ref())
        .is_some_and(|entries| entries.iter().any(|e| owned_by(e, "pygmalionai")));
    if aphrodite {
        return Some(Identified {
            source: ProviderKind::Aphrodite,
            path: "",
            server: "Aphrodite",
            version: a
                .version
                .as_ref()
                .and_then(|v| str_field(v, "version"))
                .map(str::to_string),
            models: ids,
            nothing: NO_MODELS,
            needs_key: false,
        });
    }
    if vllm {
        return Some(Identified {
            source: ProviderKind::Vllm,
            path: "",
            server: "vLLM",
            version: a
                .version
                .as_ref()
                .and_then(|v| str_field(v, "version"))
                .map(str::to_string),
            models: ids,
            nothing: NO_MODELS,
            needs_key: false,
        });
    }
    Some(Identified {
        source: ProviderKind::Custom,
        path: "/v1",
        server: "OpenAI-compatible server",
        version: None,
        models: ids,
        nothing: NO_MODELS,
        needs_key: false,
    })
}

/// "KoboldCpp 1.102 with model X", "Ollama 0.5.7 with models a, b and 4 more", …
fn summary(found: &Identified) -> String {
    let name = match &found.version {
        Some(version) => format!("{} {version}", found.server),
        None => found.server.to_string(),
    };
    let models = &found.models;
    let key = if found.needs_key {
        " (needs a key)"
    } else {
        ""
    };
    let listed = match models.len() {
        // What a server that wants a key serves is not known.
        0 if found.needs_key => name,
        0 => format!("{name} with {}", found.nothing),
        1 => format!("{name} with model {}", models[0]),
        n if n <= SUMMARY_MODELS => format!("{name} with models {}", models.join(", ")),
        n => format!(
            "{name} with models {} and {} more",
            models[..SUMMARY_MODELS].join(", "),
            n - SUMMARY_MODELS
        ),
    };
    format!("{listed}{key}")
}

/// A string field of a JSON object.
fn str_field<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key)?.as_str()
}

/// Whether a model card's `owned_by` is `owner` (case-insensitive).
fn owned_by(card: &Value, owner: &str) -> bool {
    str_field(card, "owned_by").is_some_and(|o| o.eq_ignore_ascii_case(owner))
}

/// `"1.2.6"`-like: digits and dots, starting with a digit.
fn looks_like_version(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_digit())
        && text.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// The model a KoboldAI `/api/v1/model` answer names, as given; none for `"ReadOnly"` (no model
/// loaded) or an empty name.
fn kobold_model(answer: Option<&Value>) -> Vec<String> {
    answer
        .and_then(|v| str_field(v, "result"))
        .map(str::trim)
        .filter(|name| !name.is_empty() && *name != "ReadOnly")
        .map(|name| vec![name.to_string()])
        .unwrap_or_default()
}

/// The entries of an OpenAI model list: `{"data":[{"id":…},…]}` whose entries all have an `id`
/// (an empty `data` only with `"object":"list"`).
fn list_entries(list: Option<&Value>) -> Option<&Vec<Value>> {
    let list = list?;
    let data = list.get("data")?.as_array()?;
    let well_formed = if data.is_empty() {
        str_field(list, "object") == Some("list")
    } else {
        data.iter().all(|entry| str_field(entry, "id").is_some())
    };
    well_formed.then_some(data)
}

/// The ids of an OpenAI model list.
fn list_ids(list: Option<&Value>) -> Option<Vec<String>> {
    Some(
        list_entries(list)?
            .iter()
            .filter_map(|entry| str_field(entry, "id"))
            .map(str::to_string)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answers() -> Answers {
        Answers::default()
    }

    #[test]
    fn koboldcpp_wins_over_the_generic_routes_it_also_serves() {
        let a = Answers {
            kcpp_version: Some(json!({"result": "KoboldCpp", "version": "1.102"})),
            kai_version: Some(json!({"result": "1.2.5"})),
            kai_model: Some(json!({"result": "koboldcpp/Mistral"})),
            models: Some(
                json!({"object": "list", "data": [{"id": "koboldcpp/Mistral", "owned_by": "koboldcpp"}]}),
            ),
            props: Some(json!({"n_ctx": 4096})),
            ..answers()
        };
        let found = identify(&a).unwrap();
        assert_eq!(found.source, ProviderKind::KoboldCpp);
        assert_eq!(
            summary(&found),
            "KoboldCpp 1.102 with model koboldcpp/Mistral"
        );
    }

    #[test]
    fn an_error_object_answered_with_200_is_not_a_fingerprint() {
        // LM Studio answers unknown routes with 200 and an `error` object.
        let error = json!({"error": "Unexpected endpoint or method. (GET /x)"});
        let a = Answers {
            kcpp_version: Some(error.clone()),
            kai_version: Some(error.clone()),
            kai_model: Some(error.clone()),
            ooba_info: Some(error.clone()),
            tabby_model: Some(error.clone()),
            props: Some(error.clone()),
            ollama_version: Some(error.clone()),
            ollama_tags: Some(error.clone()),
            version: Some(error),
            ..answers()
        };
        assert!(identify(&a).is_none());
    }

    #[test]
    fn summaries_name_a_few_models() {
        let mut found = Identified {
            source: ProviderKind::Custom,
            path: "/v1",
            server: "Ollama",
            version: Some("0.5.7".into()),
            models: Vec::new(),
            nothing: NO_MODELS,
            needs_key: false,
        };
        assert_eq!(summary(&found), "Ollama 0.5.7 with no models");
        found.models = vec!["a".into(), "b".into()];
        assert_eq!(summary(&found), "Ollama 0.5.7 with models a, b");
        found.models = (1..=5).map(|i| format!("m{i}")).collect();
        assert_eq!(
            summary(&found),
            "Ollama 0.5.7 with models m1, m2, m3 and 2 more"
        );
    }

    #[test]
    fn model_lists_must_look_like_openai_lists() {
        assert!(list_ids(Some(&json!({"data": [{"name": "x"}]}))).is_none());
        assert!(list_ids(Some(&json!({"data": []}))).is_none());
        assert_eq!(
            list_ids(Some(&json!({"object": "list", "data": []}))),
            Some(vec![])
        );
        assert!(looks_like_version("1.2.6"));
        assert!(!looks_like_version("ReadOnly"));
    }
}
