//! What the OpenAI-compatible clouds add to the family's fake: Azure OpenAI's routes, key
//! header and error bodies ([`Dialect::Azure`]), Cloudflare Workers AI's model search
//! (`…/models/search`, any dialect), and a server that refuses `stream_options`
//! ([`FakeOptions::rejects_stream_options`]).
//!
//! # Azure OpenAI ([`Dialect::Azure`])
//!
//! Checked before the family's own routing; what passes is answered in OpenAI's bytes. The
//! shapes are those of Azure's REST reference (<https://learn.microsoft.com/azure/ai-foundry/openai/reference>):
//!
//! | Request | Answer |
//! | --- | --- |
//! | no `api-key` header equal to the key (when [`FakeOptions::api_key`] is set), any route | 401 `{"error":{"code":"401","message":AZURE_ACCESS_DENIED}}` |
//! | `GET /openai/v1/models` | the OpenAI list of [`FakeOptions::models`] (the deployments) |
//! | `POST /openai/v1/chat/completions` | the family's generation; `model` names the deployment (404 `DeploymentNotFound` if not listed) |
//! | `GET /openai/models?api-version=…` | the OpenAI list (the models the resource may deploy) |
//! | `POST /openai/deployments/{d}/chat/completions?api-version=…` | the family's generation for deployment `d` (404 `DeploymentNotFound` if not listed) |
//! | the deployments routes without `api-version`, any other path | 404 `{"error":{"code":"404","message":"Resource not found"}}` |
//! | a chat whose messages contain [`AZURE_FILTERED_WORD`] | 400 `content_filter` with `innererror.content_filter_result` |
//!
//! Streams start, as Azure's do, with a chunk whose `choices` is empty and which carries
//! `prompt_filter_results`.

use axum::http::StatusCode;
use serde_json::Value;

use crate::json::{obj, s, Fmt, J};
use crate::reply::Reply;
use crate::server::RecordedRequest;
use crate::{Dialect, FakeOptions};

/// Azure's message for a wrong or missing key.
pub const AZURE_ACCESS_DENIED: &str = "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.";

/// A word that, in a chat's messages, makes [`Dialect::Azure`] refuse the prompt as its content
/// filter does.
pub const AZURE_FILTERED_WORD: &str = "forbidden-topic";

/// Azure's message for a deployment that does not exist.
pub const AZURE_NO_DEPLOYMENT: &str = "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.";

/// The message of the answer to a body with `stream_options`, from a server that refuses it
/// (the words of OpenAI-compatible servers that validate their fields strictly).
pub const STREAM_OPTIONS_REFUSED: &str = "Unrecognized request argument supplied: stream_options";

/// `{"error":{"code","message"}}`, Azure's error shape.
fn azure_error(status: StatusCode, code: &str, message: &str) -> Reply {
    let error = obj([("code", s(code)), ("message", s(message))]);
    Reply::json(status, obj([("error", error)]).render(Fmt::COMPACT))
}

/// Azure's 404 for a path it does not serve.
pub(crate) fn resource_not_found() -> Reply {
    azure_error(StatusCode::NOT_FOUND, "404", "Resource not found")
}

/// Azure's 401.
pub(crate) fn azure_unauthorized() -> Reply {
    azure_error(StatusCode::UNAUTHORIZED, "401", AZURE_ACCESS_DENIED)
}

/// Whether the request carries the key in `api-key` (the only header Azure reads for one).
pub(crate) fn azure_authorized(opts: &FakeOptions, req: &RecordedRequest) -> bool {
    opts.api_key
        .as_deref()
        .is_none_or(|key| req.header("api-key") == Some(key))
}

fn has_api_version(req: &RecordedRequest) -> bool {
    req.query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .any(|pair| pair.starts_with("api-version=") && pair.len() > "api-version=".len())
}

/// Azure's answer when it differs from the family's: a refusal, or `None` to go on.
pub(crate) fn azure(opts: &FakeOptions, req: &RecordedRequest) -> Option<Reply> {
    if opts.dialect != Dialect::Azure {
        return None;
    }
    if !azure_authorized(opts, req) {
        return Some(azure_unauthorized());
    }
    let path = req.path.trim_end_matches('/');
    let deployment = if let Some(rest) = path.strip_prefix("/openai/deployments/") {
        match rest.strip_suffix("/chat/completions") {
            Some(name) if has_api_version(req) && !name.contains('/') => {
                Some(crate::ooba::percent_decode(name))
            }
            _ => return Some(resource_not_found()),
        }
    } else {
        match path {
            "/openai/v1/models" | "/openai/v1/chat/completions" => None,
            "/openai/models" if has_api_version(req) => None,
            _ => return Some(resource_not_found()),
        }
    };
    if req.method != "POST" {
        return None;
    }
    let body: Value = req.json()?;
    let named = deployment.or_else(|| body.get("model")?.as_str().map(str::to_owned));
    if !named.is_some_and(|name| opts.models.contains(&name)) {
        return Some(azure_error(
            StatusCode::NOT_FOUND,
            "DeploymentNotFound",
            AZURE_NO_DEPLOYMENT,
        ));
    }
    if body
        .get("messages")
        .is_some_and(|m| m.to_string().contains(AZURE_FILTERED_WORD))
    {
        return Some(content_filtered());
    }
    None
}

/// The content filter's refusal of a prompt (400, `code: content_filter`).
fn content_filtered() -> Reply {
    let category = |filtered: bool, severity: &str| {
        obj([("filtered", J::Bool(filtered)), ("severity", s(severity))])
    };
    let result = obj([
        ("hate", category(false, "safe")),
        ("self_harm", category(false, "safe")),
        ("sexual", category(false, "safe")),
        ("violence", category(true, "high")),
    ]);
    let inner = obj([
        ("code", s("ResponsibleAIPolicyViolation")),
        ("content_filter_result", result),
    ]);
    let error = obj([
        ("message", s("The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766")),
        ("type", J::Null),
        ("param", s("prompt")),
        ("code", s("content_filter")),
        ("status", J::Int(400)),
        ("innererror", inner),
    ]);
    Reply::json(
        StatusCode::BAD_REQUEST,
        obj([("error", error)]).render(Fmt::COMPACT),
    )
}

/// The first chunk of an Azure stream: no choices, the prompt's filter results.
pub(crate) fn azure_prompt_filter_chunk() -> String {
    let safe = || obj([("filtered", J::Bool(false)), ("severity", s("safe"))]);
    let results = obj([
        ("hate", safe()),
        ("self_harm", safe()),
        ("sexual", safe()),
        ("violence", safe()),
    ]);
    let chunk = obj([
        ("choices", J::Arr(vec![])),
        ("created", J::Int(0)),
        ("id", s("")),
        ("model", s("")),
        ("object", s("")),
        (
            "prompt_filter_results",
            J::Arr(vec![obj([
                ("prompt_index", J::Int(0)),
                ("content_filter_results", results),
            ])]),
        ),
    ]);
    format!("data: {}\n\n", chunk.render(Fmt::COMPACT))
}

/// A server that refuses `stream_options` answers a body carrying it with 400.
pub(crate) fn stream_options_refused(opts: &FakeOptions, req: &RecordedRequest) -> Option<Reply> {
    if !opts.rejects_stream_options || req.method != "POST" {
        return None;
    }
    let body: Value = req.json()?;
    body.get("stream_options")?;
    let error = obj([
        ("message", s(STREAM_OPTIONS_REFUSED)),
        ("type", s("invalid_request_error")),
        ("param", J::Null),
        ("code", J::Null),
    ]);
    Some(Reply::json(
        StatusCode::BAD_REQUEST,
        obj([("error", error)]).render(Fmt::COMPACT),
    ))
}

/// Cloudflare's `GET …/ai/models/search`: `{"result":[{"id":<uuid>,"name","description",
/// "task":{…}}],"success":true,"errors":[],"messages":[]}` (<https://developers.cloudflare.com/api/resources/ai/subresources/models/methods/list/>).
pub(crate) fn cloudflare_models(opts: &FakeOptions, req: &RecordedRequest) -> Option<Reply> {
    if req.method != "GET"
        || !req
            .path
            .trim_end_matches('/')
            .ends_with("/ai/models/search")
    {
        return None;
    }
    if !crate::server::authorized(opts, req) {
        let body =
            r#"{"success":false,"errors":[{"code":10000,"message":"Authentication error"}]}"#;
        return Some(Reply::json(StatusCode::UNAUTHORIZED, body));
    }
    let task = || {
        obj([
            ("id", s("c329a1f9-323d-4e91-b2aa-582dd4188d34")),
            ("name", s("Text Generation")),
        ])
    };
    let result = opts
        .models
        .iter()
        .enumerate()
        .map(|(i, name)| {
            obj([
                ("id", s(format!("00000000-0000-4000-8000-{i:012}"))),
                ("source", J::Int(1)),
                ("name", s(name.as_str())),
                ("description", s("A fake model.")),
                ("task", task()),
            ])
        })
        .collect();
    let body = obj([
        ("result", J::Arr(result)),
        ("success", J::Bool(true)),
        ("errors", J::Arr(vec![])),
        ("messages", J::Arr(vec![])),
    ]);
    Some(Reply::json(StatusCode::OK, body.render(Fmt::COMPACT)))
}
