//! The doctor's reading of a failure: the fix in plain words, and the action a front end may
//! offer for it, chosen from the error's kind, reason and status and from what earlier steps
//! found (the source, its key note, the models listed). Pure: no I/O.
//!
//! Must not name a front end's control (a CLI command, a window's field): a fix states what to
//! change; each front end adds how, from the [`DoctorAction`].

use serde::Serialize;

use crate::error::{Error, ErrorKind, ErrorReason};

/// What a front end can offer to do about a failed step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum DoctorAction {
    /// Turn streaming off for the profile: the server answers whole replies but not streamed
    /// ones.
    TurnStreamingOff,
    /// Save the profile's key again (it was refused, or there is none).
    SaveKey,
    /// Choose another model; `closest` are the listed ids nearest the one asked for.
    ChooseModel {
        /// The listed model ids nearest the one asked for, nearest first (at most three).
        closest: Vec<String>,
    },
}

/// What the failing step's error was about, besides the error itself.
#[derive(Debug, Clone, Default)]
pub struct Facts<'a> {
    /// The source's label.
    pub source: &'a str,
    /// Where the source's keys come from (the catalogue's note), or empty.
    pub key_note: &'a str,
    /// The model asked for, if any.
    pub model: Option<&'a str>,
    /// The model ids the server listed (empty when it listed none, or was not asked).
    pub models: &'a [String],
}

/// A failed step's fix and the action that carries it out, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnosis {
    /// The fix in plain words.
    pub fix: Option<String>,
    /// What a front end may offer to do.
    pub action: Option<DoctorAction>,
}

impl Diagnosis {
    fn fix(text: impl Into<String>) -> Diagnosis {
        Diagnosis {
            fix: Some(text.into()),
            action: None,
        }
    }

    fn with(mut self, action: DoctorAction) -> Diagnosis {
        self.action = Some(action);
        self
    }
}

/// The fix for `err`, given `facts`.
pub fn diagnose(err: &Error, facts: &Facts<'_>) -> Diagnosis {
    match &err.reason {
        Some(ErrorReason::ContextExceeded { context_size }) => {
            let size = context_size.map_or(String::new(), |n| format!(" ({n} tokens)"));
            return Diagnosis::fix(format!(
                "The model's context{size} is too small even for a one-word message: load the model with a larger context on the server, or choose a model with a larger one."
            ));
        }
        Some(ErrorReason::MissingKey { .. } | ErrorReason::MissingAdHocKey) => {
            return Diagnosis::fix(format!(
                "{} needs an API key: save one for this profile.{}",
                facts.source,
                key_source(facts.key_note)
            ))
            .with(DoctorAction::SaveKey);
        }
        Some(ErrorReason::NoModel) => return model_fix(facts, None),
        Some(ErrorReason::Unreachable) => {
            return Diagnosis::fix("Nothing answered: is the server running, and is the URL right?")
        }
        _ => {}
    }
    match err.kind {
        ErrorKind::Auth => Diagnosis::fix(format!(
            "The server refused the key: check that the key saved for this profile is whole, current and meant for {}.{}",
            facts.source,
            key_source(facts.key_note)
        ))
        .with(DoctorAction::SaveKey),
        ErrorKind::ModelNotFound => model_fix(facts, facts.model),
        ErrorKind::RateLimited => Diagnosis::fix(match err.retry_after_ms {
            Some(ms) => format!(
                "The server is limiting requests or the account's quota is used up: wait {} s and try again, or check the account's plan.",
                ms.div_ceil(1000)
            ),
            None => "The server is limiting requests or the account's quota is used up: wait and try again, or check the account's plan.".to_string(),
        }),
        ErrorKind::ProviderUnavailable => {
            Diagnosis::fix("The server is busy or failing: try again later.")
        }
        ErrorKind::Network => Diagnosis::fix(
            "Check the network connection, the proxy and the host in the URL.",
        ),
        ErrorKind::InvalidRequest if err.status == Some(404) => match facts.model {
            Some(model) if mentions(&err.message, model) => model_fix(facts, Some(model)),
            _ => Diagnosis::fix(
                "Nothing answers at that path: check the URL's path (many servers serve their API under /v1).",
            ),
        },
        ErrorKind::InvalidRequest => match facts.model {
            Some(model) if mentions(&err.message, model) || mentions_model(err) => {
                model_fix(facts, Some(model))
            }
            _ => Diagnosis::fix("The server refused the request; its words are above."),
        },
        ErrorKind::Protocol => Diagnosis::fix(format!(
            "The answer is not what {} sends: check that the URL points at such a server.",
            facts.source
        )),
        ErrorKind::NotConfigured => Diagnosis::fix("Complete the profile as the message says."),
        _ => Diagnosis::default(),
    }
}

/// A refused streamed request after a whole reply worked: the server cannot stream.
pub fn cannot_stream(err: &Error) -> Option<Diagnosis> {
    match err.kind {
        ErrorKind::RateLimited | ErrorKind::ProviderUnavailable | ErrorKind::Auth => None,
        _ => Some(
            Diagnosis::fix(
                "Turn streaming off for this profile: replies then come whole, as the request without streaming did.",
            )
            .with(DoctorAction::TurnStreamingOff),
        ),
    }
}

fn key_source(note: &str) -> String {
    if note.is_empty() {
        String::new()
    } else {
        format!(" Keys: {note}")
    }
}

fn mentions(text: &str, model: &str) -> bool {
    !model.is_empty() && text.contains(model)
}

fn mentions_model(err: &Error) -> bool {
    let text = format!(
        "{} {}",
        err.message.to_lowercase(),
        err.detail.as_deref().unwrap_or("").to_lowercase()
    );
    text.contains("model") && (text.contains("not found") || text.contains("does not exist"))
}

/// The fix when `model` (or no model) is not one the server serves.
fn model_fix(facts: &Facts<'_>, model: Option<&str>) -> Diagnosis {
    let closest = model.map_or_else(
        || facts.models.iter().take(3).cloned().collect(),
        |model| closest_models(model, facts.models),
    );
    let fix = match (model, closest.is_empty()) {
        (Some(model), false) => format!(
            "The server does not know the model \"{model}\". The closest it lists: {}.",
            closest.join(", ")
        ),
        (Some(model), true) if facts.models.is_empty() => {
            format!("The server does not know the model \"{model}\": check its id.")
        }
        (Some(model), true) => format!(
            "The server does not know the model \"{model}\"; it lists {} others.",
            facts.models.len()
        ),
        (None, false) => format!(
            "No model is set: choose one, such as {}.",
            closest.join(", ")
        ),
        (None, true) => {
            "No model is set and the server lists none: type the model's id.".to_string()
        }
    };
    Diagnosis::fix(fix).with(DoctorAction::ChooseModel { closest })
}

/// Up to three of `listed` nearest `wanted` (case ignored, by Jaro-Winkler similarity, an id
/// that contains `wanted` whole counted nearer), nearest first; ids that share little with it
/// are left out.
pub fn closest_models(wanted: &str, listed: &[String]) -> Vec<String> {
    let wanted = wanted.trim().to_lowercase();
    let mut scored: Vec<(f64, &String)> = listed
        .iter()
        .map(|id| {
            let candidate = id.to_lowercase();
            let mut score = strsim::jaro_winkler(&wanted, &candidate);
            // A part of an id typed alone ("4o-mini" for "gpt-4o-mini") is near it.
            if !wanted.is_empty() && candidate.contains(&wanted) {
                score += 0.2;
            }
            (score, id)
        })
        .filter(|(score, _)| *score >= 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored
        .into_iter()
        .take(3)
        .map(|(_, id)| id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn the_closest_ids_come_first_and_strangers_are_left_out() {
        let listed = ids(&["gpt-4o-mini", "gpt-4o", "llama-3.1-8b", "whisper-1"]);
        let closest = closest_models("gpt-4o-mni", &listed);
        assert_eq!(closest.first().map(String::as_str), Some("gpt-4o-mini"));
        assert!(closest.contains(&"gpt-4o".to_string()));
        assert!(!closest.contains(&"whisper-1".to_string()), "{closest:?}");
        assert!(closest_models("zzzz", &listed).is_empty());
        assert_eq!(
            closest_models("4o-mini", &listed)
                .first()
                .map(String::as_str),
            Some("gpt-4o-mini")
        );
    }

    #[test]
    fn a_refused_key_points_at_the_key_and_where_to_get_one() {
        let err = Error::new(ErrorKind::Auth, "401").with_status(401);
        let facts = Facts {
            source: "Groq",
            key_note: "From console.groq.com/keys.",
            ..Facts::default()
        };
        let diagnosis = diagnose(&err, &facts);
        let fix = diagnosis.fix.unwrap();
        assert!(fix.contains("refused the key"), "{fix}");
        assert!(fix.contains("console.groq.com/keys"), "{fix}");
        assert_eq!(diagnosis.action, Some(DoctorAction::SaveKey));
    }

    #[test]
    fn an_unknown_model_lists_the_nearest_ones() {
        let listed = ids(&["fake-model-1", "fake-model-2", "other"]);
        let err = Error::new(ErrorKind::ModelNotFound, "no such model").with_status(404);
        let facts = Facts {
            source: "Custom",
            model: Some("fake-modle-1"),
            models: &listed,
            ..Facts::default()
        };
        let diagnosis = diagnose(&err, &facts);
        let fix = diagnosis.fix.unwrap();
        assert!(fix.contains("\"fake-modle-1\""), "{fix}");
        assert!(fix.contains("closest it lists: fake-model-1"), "{fix}");
        match diagnosis.action {
            Some(DoctorAction::ChooseModel { closest }) => {
                assert_eq!(closest.first().map(String::as_str), Some("fake-model-1"));
                assert!(!closest.contains(&"other".to_string()));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_context_too_small_says_so_with_its_size() {
        let err = Error::new(ErrorKind::InvalidRequest, "too long").with_reason(
            ErrorReason::ContextExceeded {
                context_size: Some(64),
            },
        );
        let fix = diagnose(&err, &Facts::default()).fix.unwrap();
        assert!(fix.contains("context (64 tokens) is too small"), "{fix}");
    }

    #[test]
    fn a_404_at_a_path_points_at_the_path_and_at_a_model_points_at_the_model() {
        let path = Error::new(ErrorKind::InvalidRequest, "http://h/x/models: 404").with_status(404);
        let fix = diagnose(&path, &Facts::default()).fix.unwrap();
        assert!(fix.contains("/v1"), "{fix}");
        let model =
            Error::new(ErrorKind::InvalidRequest, "model m-1 is not served").with_status(404);
        let facts = Facts {
            model: Some("m-1"),
            ..Facts::default()
        };
        assert!(matches!(
            diagnose(&model, &facts).action,
            Some(DoctorAction::ChooseModel { .. })
        ));
    }

    #[test]
    fn streaming_is_blamed_only_for_failures_that_are_not_passing() {
        let refused =
            Error::new(ErrorKind::InvalidRequest, "stream not supported").with_status(400);
        assert_eq!(
            cannot_stream(&refused).and_then(|d| d.action),
            Some(DoctorAction::TurnStreamingOff)
        );
        let busy = Error::new(ErrorKind::ProviderUnavailable, "busy").with_status(503);
        assert_eq!(cannot_stream(&busy), None);
        let limited = Error::new(ErrorKind::RateLimited, "slow").with_status(429);
        assert_eq!(cannot_stream(&limited), None);
    }

    #[test]
    fn a_rate_limit_says_how_long_to_wait() {
        let err = Error::new(ErrorKind::RateLimited, "429")
            .with_retry_after(std::time::Duration::from_millis(6500));
        assert!(diagnose(&err, &Facts::default())
            .fix
            .unwrap()
            .contains("wait 7 s"));
    }
}
