//! AI Horde's text API shapes: the submission body, worker limits, models, statuses and error
//! bodies. Sans IO: it must not build requests or read the network.

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::error::ErrorKind;
use crate::model::{ChatRequest, ModelInfo};
use crate::provider::support::f32_value;

/// The key of anonymous use: works for everyone, with the lowest queue priority.
pub const ANONYMOUS_KEY: &str = "0000000000";

/// The models a request names: the profile's model field holds one or several, comma-separated.
pub fn models_of(model: &str) -> Vec<String> {
    model
        .split(',')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_string)
        .collect()
}

/// What the workers serving the chosen models can take: the smallest limits among them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest prompt + reply.
    pub max_context_length: u32,
    /// Longest reply.
    pub max_length: u32,
}

#[derive(Deserialize)]
struct Worker {
    #[serde(default)]
    models: Vec<String>,
    #[serde(default)]
    max_context_length: Option<u32>,
    #[serde(default)]
    max_length: Option<u32>,
    #[serde(default = "yes")]
    online: bool,
}

fn yes() -> bool {
    true
}

/// The smallest limits over the online workers that serve any of `models` (all workers when
/// `models` is empty); `Ok(None)` when no worker serves them, `Err` when the body is not a
/// worker list.
pub fn limits(workers_body: &[u8], models: &[String]) -> Result<Option<Limits>, serde_json::Error> {
    let workers: Vec<Worker> = serde_json::from_slice(workers_body)?;
    Ok(workers
        .iter()
        .filter(|w| w.online)
        .filter(|w| models.is_empty() || w.models.iter().any(|m| models.contains(m)))
        .filter_map(|w| Some((w.max_context_length?, w.max_length?)))
        .fold(None, |acc: Option<Limits>, (context, length)| {
            Some(match acc {
                None => Limits {
                    max_context_length: context,
                    max_length: length,
                },
                Some(l) => Limits {
                    max_context_length: l.max_context_length.min(context),
                    max_length: l.max_length.min(length),
                },
            })
        }))
}

#[derive(Deserialize)]
struct HordeModel {
    name: String,
    #[serde(default)]
    count: Option<u32>,
    #[serde(default)]
    eta: Option<f64>,
}

/// `…/status/models?type=text`: models by name, with how many workers serve each.
pub fn parse_models(body: &[u8]) -> Option<Vec<ModelInfo>> {
    let mut models: Vec<HordeModel> = serde_json::from_slice(body).ok()?;
    models.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    Some(
        models
            .into_iter()
            .map(|m| {
                let workers = match m.count.unwrap_or(0) {
                    1 => "1 worker".to_string(),
                    n => format!("{n} workers"),
                };
                let eta = m
                    .eta
                    .filter(|&e| e > 0.0)
                    .map(|e| format!(", about {} s", e.round()))
                    .unwrap_or_default();
                ModelInfo {
                    name: Some(format!("{} ({workers}{eta})", m.name)),
                    id: m.name,
                    context_length: None,
                    price: None,
                }
            })
            .collect(),
    )
}

/// The body of `POST …/generate/text/async`.
pub fn submit_body(request: &ChatRequest, limits: Option<Limits>) -> Value {
    let p = &request.params;
    let mut params = Map::new();
    params.insert("n".into(), 1.into());
    let prompt = request.prompt.as_ref();
    let mut context = prompt.map(|p| p.context_size).filter(|&c| c > 0);
    let mut length = p.max_tokens;
    if let Some(limits) = limits {
        context = Some(context.map_or(limits.max_context_length, |c| {
            c.min(limits.max_context_length)
        }));
        length = length.map(|l| l.min(limits.max_length));
    }
    let mut put = |name: &str, value: Option<Value>| {
        if let Some(value) = value {
            params.insert(name.into(), value);
        }
    };
    put("max_context_length", context.map(Value::from));
    // The Horde accepts 16–4096.
    put("max_length", length.map(|l| Value::from(l.clamp(16, 4096))));
    put("temperature", p.temperature.map(f32_value));
    put("top_p", p.top_p.map(f32_value));
    put("top_k", p.top_k.map(Value::from));
    put("min_p", p.min_p.map(f32_value));
    put("rep_pen", p.repetition_penalty.map(f32_value));
    put("rep_pen_range", p.repetition_penalty_range.map(Value::from));
    put("typical", p.typical_p.map(f32_value));
    put("tfs", p.tfs.map(f32_value));
    put("top_a", p.top_a.map(f32_value));
    if !p.stop.is_empty() {
        put("stop_sequence", Some(json!(p.stop)));
    }
    for flag in ["frmtadsnsp", "frmtrmblln", "frmtrmspch", "frmttriminc"] {
        put(flag, Some(Value::Bool(false)));
    }
    json!({
        "prompt": prompt.map(|p| p.text.as_str()).unwrap_or(""),
        "params": Value::Object(params),
        "models": models_of(&request.model),
        "trusted_workers": false,
    })
}

/// The id in a submit answer.
pub fn parse_submitted(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    value.get("id")?.as_str().map(str::to_string)
}

/// A request's status.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Status {
    /// The result is ready.
    pub done: bool,
    /// A worker failed and the Horde gave up.
    pub faulted: bool,
    /// No worker can serve the request as it is.
    pub is_possible: Option<bool>,
    /// Requests ahead of this one.
    pub queue_position: Option<f64>,
    /// Expected wait in seconds.
    pub wait_time: Option<f64>,
    /// Requests being worked on.
    pub processing: Option<f64>,
    /// The results.
    pub generations: Vec<Generation>,
}

/// One result.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Generation {
    /// The text.
    pub text: String,
    /// The model that wrote it.
    pub model: Option<String>,
    /// The worker that wrote it.
    pub worker_name: Option<String>,
    /// `ok`, `censored`, …
    pub state: Option<String>,
}

/// Parses a status answer.
pub fn parse_status(body: &[u8]) -> Option<Status> {
    serde_json::from_slice(body).ok()
}

/// The Horde's error body: `{"message": …, "rc": …}`.
pub fn parse_error(body: &str) -> (String, Option<String>) {
    let value: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let message = value
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_string);
    let rc = value.get("rc").and_then(Value::as_str).map(str::to_string);
    match message {
        Some(message) => (message, rc),
        None => (
            crate::provider::server_error::ServerError::from_body(body).message,
            rc,
        ),
    }
}

/// The kind of failure and a hint for people, by return code.
pub fn rc_kind(rc: &str) -> Option<(ErrorKind, &'static str)> {
    Some(match rc {
        "InvalidAPIKey" => (
            ErrorKind::Auth,
            " Check the key, or clear it to use the Horde anonymously.",
        ),
        "KudosUpfront" | "KudosUpfrontTooHigh" => (
            ErrorKind::InvalidRequest,
            " Lower the reply length or context size, or sign in with a key that has kudos.",
        ),
        "TooManyPrompts" | "TimeoutIP" => (ErrorKind::RateLimited, ""),
        "MaintenanceMode" | "NoValidWorkers" => (ErrorKind::ProviderUnavailable, ""),
        "RequestNotFound" | "RequestExpired" => (ErrorKind::ProviderUnavailable, ""),
        "MissingPrompt" | "CorruptPrompt" | "InvalidPromptSize" | "RequestValidationError" => {
            (ErrorKind::InvalidRequest, "")
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{GenParams, TextPrompt};

    #[test]
    fn limits_are_the_smallest_over_workers_serving_the_models() {
        let workers = br#"[
            {"name":"a","online":true,"models":["m1"],"max_length":512,"max_context_length":4096},
            {"name":"b","online":true,"models":["m1","m2"],"max_length":256,"max_context_length":8192},
            {"name":"c","online":true,"models":["m3"],"max_length":64,"max_context_length":1024},
            {"name":"d","online":false,"models":["m1"],"max_length":16,"max_context_length":80}
        ]"#;
        let m1 = vec!["m1".to_string()];
        assert_eq!(
            limits(workers, &m1).unwrap(),
            Some(Limits {
                max_context_length: 4096,
                max_length: 256
            })
        );
        assert_eq!(limits(workers, &["m9".to_string()]).unwrap(), None);
        assert_eq!(limits(workers, &[]).unwrap().unwrap().max_length, 64);
        assert!(limits(b"<html>Wi-Fi login</html>", &[]).is_err());
    }

    #[test]
    fn submit_body_is_clamped_to_the_workers() {
        let request = ChatRequest {
            model: "m1, m2".into(),
            params: GenParams {
                max_tokens: Some(1000),
                temperature: Some(0.7),
                seed: Some(3),
                stop: vec!["\nUser:".into()],
                ..GenParams::default()
            },
            prompt: Some(TextPrompt {
                text: "User: hi\nAssistant:".into(),
                context_size: 16384,
            }),
            ..ChatRequest::default()
        };
        let body = submit_body(
            &request,
            Some(Limits {
                max_context_length: 4096,
                max_length: 256,
            }),
        );
        assert_eq!(body["models"], json!(["m1", "m2"]));
        assert_eq!(body["prompt"], "User: hi\nAssistant:");
        assert_eq!(body["params"]["max_context_length"], 4096);
        assert_eq!(body["params"]["max_length"], 256);
        assert_eq!(body["params"]["temperature"], json!(0.7));
        assert_eq!(body["params"]["stop_sequence"], json!(["\nUser:"]));
        assert_eq!(body["params"]["n"], 1);
        assert!(body["params"].get("seed").is_none() && body["params"].get("top_k").is_none());
    }

    #[test]
    fn models_status_and_errors() {
        let models = parse_models(
            br#"[{"name":"b","count":1,"eta":3,"type":"text"},{"name":"a","count":5,"eta":0}]"#,
        )
        .unwrap();
        assert_eq!(models[0].id, "a");
        assert_eq!(models[0].name.as_deref(), Some("a (5 workers)"));
        assert_eq!(models[1].name.as_deref(), Some("b (1 worker, about 3 s)"));
        let status = parse_status(br#"{"done":false,"faulted":false,"waiting":1,"queue_position":3,"wait_time":30,"is_possible":true,"generations":[]}"#).unwrap();
        assert_eq!(status.queue_position, Some(3.0));
        assert!(!status.done);
        assert_eq!(
            parse_error(r#"{"message":"No user matching sent API Key.","rc":"InvalidAPIKey"}"#),
            (
                "No user matching sent API Key.".into(),
                Some("InvalidAPIKey".into())
            )
        );
        assert_eq!(rc_kind("TooManyPrompts").unwrap().0, ErrorKind::RateLimited);
        assert_eq!(models_of(" a/b ,c,, "), ["a/b", "c"]);
    }
}
