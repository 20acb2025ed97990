//! Azure OpenAI's two routes to a deployment, chosen in the profile
//! ([`crate::options::SourceOptions::azure_route`]): the v1 route
//! (`{resource}/openai/v1/chat/completions`, the deployment named as the model in the body,
//! models from `{resource}/openai/v1/models`) and the deployments route
//! (`{resource}/openai/deployments/{deployment}/chat/completions?api-version=…`, no model in the
//! body; Azure lists deployments only through its management API, so the deployment's name is
//! typed). References: <https://learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle>,
//! <https://learn.microsoft.com/azure/ai-foundry/openai/reference>.
//!
//! Pure URL arithmetic: must not send anything.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;

use crate::endpoint;
use crate::options::{AzureRoute, SourceOptions};

/// The `api-version` sent on the deployments route when the profile sets none: the latest
/// generally available version of the data-plane inference API.
pub const DEFAULT_API_VERSION: &str = "2024-10-21";

/// What is escaped in a path segment or query value: all but RFC 3986's unreserved characters.
const ESCAPED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The base the family appends its paths to: `{resource}/openai/v1` or `{resource}/openai`.
pub fn base(resource: &str, options: &SourceOptions) -> String {
    match options.azure_route {
        AzureRoute::V1 => endpoint::join(resource, "/openai/v1"),
        AzureRoute::Deployments => endpoint::join(resource, "/openai"),
    }
}

/// The `api-version` of the deployments route.
pub fn api_version(options: &SourceOptions) -> &str {
    options
        .azure_api_version
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .unwrap_or(DEFAULT_API_VERSION)
}

/// The URL of a chat generation under `base` for `deployment`, and its body (the model left out
/// on the deployments route, where the URL names it).
pub fn generation(
    base: &str,
    options: &SourceOptions,
    deployment: &str,
    mut body: Value,
) -> (String, Value) {
    match options.azure_route {
        AzureRoute::V1 => (endpoint::join(base, "/chat/completions"), body),
        AzureRoute::Deployments => {
            if let Value::Object(fields) = &mut body {
                fields.remove("model");
            }
            let name = utf8_percent_encode(deployment, ESCAPED);
            let path = format!("/deployments/{name}/chat/completions");
            (with_version(&endpoint::join(base, &path), options), body)
        }
    }
}

/// The deployments route's key check: `GET {resource}/openai/models?api-version=…` (the models
/// the resource may deploy; not its deployments).
pub fn key_check(base: &str, options: &SourceOptions) -> String {
    with_version(&endpoint::join(base, "/models"), options)
}

fn with_version(url: &str, options: &SourceOptions) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    let version = utf8_percent_encode(api_version(options), ESCAPED);
    format!("{url}{separator}api-version={version}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_two_routes() {
        let resource = "https://res.openai.azure.com";
        let v1 = SourceOptions::default();
        assert_eq!(
            base(resource, &v1),
            "https://res.openai.azure.com/openai/v1"
        );
        let (url, body) = generation(&base(resource, &v1), &v1, "gpt", json!({"model": "gpt"}));
        assert_eq!(
            url,
            "https://res.openai.azure.com/openai/v1/chat/completions"
        );
        assert_eq!(body["model"], "gpt");

        let classic = SourceOptions {
            azure_route: AzureRoute::Deployments,
            azure_api_version: None,
            ..SourceOptions::default()
        };
        let (url, body) = generation(
            &base(resource, &classic),
            &classic,
            "my gpt",
            json!({"model": "my gpt", "stream": true}),
        );
        assert_eq!(
            url,
            "https://res.openai.azure.com/openai/deployments/my%20gpt/chat/completions?api-version=2024-10-21"
        );
        assert_eq!(body, json!({"stream": true}));
        let pinned = SourceOptions {
            azure_api_version: Some("2025-04-01-preview".into()),
            ..classic
        };
        assert_eq!(
            key_check(&base(resource, &pinned), &pinned),
            "https://res.openai.azure.com/openai/models?api-version=2025-04-01-preview"
        );
    }
}
