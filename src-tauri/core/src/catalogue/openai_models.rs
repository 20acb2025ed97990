//! Which OpenAI models serve only the Responses API (`POST /v1/responses`), and which reason
//! (and so are asked for a reasoning summary), by model id, as data.
//!
//! Sources (recorded in `docs/providers.md`): openai-python's `ResponsesModel`
//! (`src/openai/types/shared/responses_model.py`, the ids beyond the chat models: the `-pro`,
//! `-deep-research`, `computer-use-preview` and codex models) and OpenAI's model pages, which
//! say of every codex model "available in the Responses API only".
//!
//! Data only: must not depend on adapters, HTTP or the store. An id a router namespaces
//! (`openai/gpt-5-pro`) is read without its namespace, and a trailing snapshot date
//! (`-2025-10-06`) is ignored.

/// Words anywhere in an id that mark a Responses-only model (every codex model:
/// `codex-mini-latest`, `gpt-5-codex`, `gpt-5.1-codex-max`, …).
const RESPONSES_ONLY_WORDS: &[&str] = &["codex"];

/// Endings (after the snapshot date is taken off) that mark a Responses-only model: the `-pro`
/// models (`o1-pro`, `o3-pro`, `gpt-5-pro`, `gpt-5.2-pro`, …) and the deep-research models.
const RESPONSES_ONLY_ENDINGS: &[&str] = &["-pro", "-deep-research"];

/// Starts of ids that are Responses-only (`computer-use-preview`, with or without a date).
const RESPONSES_ONLY_PREFIXES: &[&str] = &["computer-use-preview"];

/// Starts of ids of reasoning models (`o1`, `o3`, `o4-mini`, the `gpt-5` family, codex).
const REASONING_PREFIXES: &[&str] = &["o1", "o3", "o4", "gpt-5", "codex"];

/// Words that mark a non-reasoning model inside a reasoning family (`gpt-5-chat-latest`).
const NOT_REASONING_WORDS: &[&str] = &["-chat"];

/// The id as compared: lower case, without a router's namespace or a `-YYYY-MM-DD` date.
fn bare(model: &str) -> String {
    let id = model
        .rsplit('/')
        .next()
        .unwrap_or(model)
        .trim()
        .to_ascii_lowercase();
    let bytes = id.as_bytes();
    // `-2025-10-06`: 11 bytes, digits where the date's digits go.
    if bytes.len() > 11 {
        let tail = &bytes[bytes.len() - 11..];
        let is_date = tail.iter().enumerate().all(|(i, b)| match i {
            0 | 5 | 8 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
        if is_date {
            return id[..id.len() - 11].to_string();
        }
    }
    id
}

/// Whether OpenAI serves `model` only through the Responses API.
pub fn needs_responses_api(model: &str) -> bool {
    let id = bare(model);
    RESPONSES_ONLY_WORDS.iter().any(|w| id.contains(w))
        || RESPONSES_ONLY_ENDINGS.iter().any(|e| id.ends_with(e))
        || RESPONSES_ONLY_PREFIXES.iter().any(|p| id.starts_with(p))
}

/// Whether `model` is one of OpenAI's reasoning models.
pub fn is_reasoning_model(model: &str) -> bool {
    let id = bare(model);
    REASONING_PREFIXES.iter().any(|p| id.starts_with(p))
        && !NOT_REASONING_WORDS.iter().any(|w| id.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codex_pro_and_research_models_need_the_responses_api() {
        for model in [
            "gpt-5-codex",
            "gpt-5.1-codex-max",
            "codex-mini-latest",
            "o1-pro",
            "o3-pro-2025-06-10",
            "gpt-5-pro-2025-10-06",
            "gpt-5.2-pro",
            "o3-deep-research",
            "o4-mini-deep-research-2025-06-26",
            "computer-use-preview-2025-03-11",
            "openai/gpt-5-codex",
        ] {
            assert!(needs_responses_api(model), "{model}");
        }
        for model in [
            "gpt-4o",
            "gpt-4o-mini",
            "gpt-5",
            "gpt-5.1-2025-11-13",
            "o3",
            "o4-mini",
            "gpt-4.1",
            "gpt-3.5-turbo",
            "product-sheet",
        ] {
            assert!(!needs_responses_api(model), "{model}");
        }
    }

    #[test]
    fn reasoning_models_are_the_o_series_gpt5_and_codex() {
        for model in [
            "o3",
            "o4-mini",
            "gpt-5",
            "gpt-5.1-codex",
            "codex-mini-latest",
        ] {
            assert!(is_reasoning_model(model), "{model}");
        }
        for model in ["gpt-4o", "gpt-5-chat-latest", "gpt-4.1-mini"] {
            assert!(!is_reasoning_model(model), "{model}");
        }
    }
}
