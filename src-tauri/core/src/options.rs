//! What a profile sets about how its server is reached, beyond the URL, the key and the extra
//! headers: the network path ([`NetworkOptions`]: a proxy, extra CA certificates) and choices a
//! source offers ([`SourceOptions`], such as Azure OpenAI's route). Stored with the profile (as
//! JSON, so a field added later reads as its default) and carried by the connection.
//!
//! Data only: must not do I/O, hold a secret (a proxy's credentials live in the keychain like a
//! URL's) or name an adapter.

use serde::{Deserialize, Serialize};

/// How a profile's requests reach its server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct ConnectionOptions {
    /// Proxy and certificates.
    pub network: NetworkOptions,
    /// Choices of the profile's source.
    pub source: SourceOptions,
    /// Ask for replies as a stream (where the source streams); off for a server that answers a
    /// streamed request wrongly, so that replies come whole. On unless turned off.
    pub stream_replies: bool,
}

impl Default for ConnectionOptions {
    fn default() -> Self {
        ConnectionOptions {
            network: NetworkOptions::default(),
            source: SourceOptions::default(),
            stream_replies: true,
        }
    }
}

/// The proxy a profile's requests go through.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", tag = "mode", content = "url")]
pub enum ProxyChoice {
    /// The environment's (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`), if any.
    #[default]
    Environment,
    /// None, whatever the environment says.
    Direct,
    /// This proxy (an `http://` or `https://` URL, saved without credentials: those are kept in the keychain).
    Url(String),
}

/// The network path of a profile's requests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct NetworkOptions {
    /// The proxy.
    pub proxy: ProxyChoice,
    /// PEM files of CA certificates trusted besides the system's.
    pub ca_certificates: Vec<String>,
}

/// Azure OpenAI's two routes to a deployment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum AzureRoute {
    /// `{resource}/openai/v1/chat/completions`, the deployment named as the model in the body.
    #[default]
    V1,
    /// `{resource}/openai/deployments/{deployment}/chat/completions?api-version=…`.
    Deployments,
}

/// Choices a source offers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct SourceOptions {
    /// Azure OpenAI: the route.
    pub azure_route: AzureRoute,
    /// Azure OpenAI's `api-version` for the deployments route (`None`: the version this
    /// release was written against).
    pub azure_api_version: Option<String>,
    /// Ollama's `keep_alive`: how long the model stays loaded after a request (`"5m"`, `"1h"`,
    /// seconds, `-1` for ever); `None` sends none (the server's default, 5 minutes).
    pub ollama_keep_alive: Option<String>,
    /// Vertex AI: an API key (express mode) or a service account.
    pub vertex_auth: VertexAuth,
    /// Vertex AI with a service account: the Google Cloud project (`None`: the service
    /// account's own `project_id`).
    pub vertex_project: Option<String>,
    /// Vertex AI with a service account: the region (`None`: `global`).
    pub vertex_region: Option<String>,
    /// OpenAI: Chat Completions or the Responses API (`Auto`: the Responses API for the models
    /// that serve only it).
    pub openai_api: OpenAiApi,
    /// Gemini (AI Studio and Vertex AI): how much the model thinks.
    pub gemini_thinking: GeminiThinking,
}

/// How much a Gemini model thinks: sent as `thinkingLevel` or `thinkingBudget`, whichever the
/// model takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum GeminiThinking {
    /// The model's own default; its thoughts shown as reasoning.
    #[default]
    Auto,
    /// As little as the model allows (none where it can stop thinking).
    Low,
    /// As much as the model allows.
    High,
}

/// How a Vertex AI profile signs in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum VertexAuth {
    /// Express mode: an API key.
    #[default]
    Express,
    /// A service account's JSON key (kept in the keychain as the profile's key), exchanged for
    /// an access token.
    ServiceAccount,
}

/// Which of OpenAI's APIs a profile's chats go through.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum OpenAiApi {
    /// Chat Completions, except for the models that serve only the Responses API.
    #[default]
    Auto,
    /// `/chat/completions` always.
    ChatCompletions,
    /// `/responses` always.
    Responses,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_fields_read_as_their_defaults() {
        let options: ConnectionOptions = serde_json::from_str("{}").unwrap();
        assert_eq!(options, ConnectionOptions::default());
        let options: ConnectionOptions = serde_json::from_str(
            r#"{"network":{"proxy":{"mode":"url","url":"http://127.0.0.1:3128"}}}"#,
        )
        .unwrap();
        assert_eq!(
            options.network.proxy,
            ProxyChoice::Url("http://127.0.0.1:3128".into())
        );
        assert!(options.network.ca_certificates.is_empty());
        assert_eq!(options.source.azure_route, AzureRoute::V1);
        assert!(options.stream_replies, "streaming is on unless turned off");
        let off: ConnectionOptions = serde_json::from_str(r#"{"streamReplies":false}"#).unwrap();
        assert!(!off.stream_replies);
    }
}
