//! A long model list in OpenRouter's shape ([`FakeOptions::model_catalogue`](crate::FakeOptions)):
//! `GET …/models` answers `{"data":[…]}` (compact JSON, as OpenRouter's `GET /api/v1/models`)
//! with that many entries, each with OpenRouter's fields: `id`, `canonical_slug`, `name`,
//! `created`, `description`, `context_length`, `architecture`, `pricing` (strings of US dollars
//! per token: `prompt`, `completion`, `request`, `image`, `web_search`, `internal_reasoning`),
//! `top_provider`, `per_request_limits` and `supported_parameters`. The shape is OpenRouter's
//! documented list (<https://openrouter.ai/docs/api-reference/list-available-models>).
//!
//! Entry `i` (from 0) is [`catalogue_id`]`(i)`, named `"VENDOR: Model i"`, with the context
//! [`catalogue_context`]`(i)` and the price per million tokens [`catalogue_price`]`(i)`.

use axum::http::StatusCode;

use crate::json::{obj, s, Fmt, J};
use crate::reply::Reply;

/// The vendors the catalogue's ids take turns with: `(slug, name)`.
const VENDORS: [(&str, &str); 10] = [
    ("openai", "OpenAI"),
    ("anthropic", "Anthropic"),
    ("meta-llama", "Meta"),
    ("mistralai", "Mistral"),
    ("google", "Google"),
    ("qwen", "Qwen"),
    ("deepseek", "DeepSeek"),
    ("nousresearch", "Nous"),
    ("cohere", "Cohere"),
    ("x-ai", "xAI"),
];

/// The contexts the catalogue's entries take turns with.
const CONTEXTS: [u32; 5] = [4_096, 8_192, 32_768, 128_000, 200_000];

/// The id of entry `i`: `<vendor>/model-<i, three digits>`.
pub fn catalogue_id(i: usize) -> String {
    format!("{}/model-{i:03}", VENDORS[i % VENDORS.len()].0)
}

/// The name of entry `i`: `<Vendor>: Model <i, three digits>`.
pub fn catalogue_name(i: usize) -> String {
    format!("{}: Model {i:03}", VENDORS[i % VENDORS.len()].1)
}

/// The context length of entry `i`.
pub fn catalogue_context(i: usize) -> u32 {
    CONTEXTS[i % CONTEXTS.len()]
}

/// Entry `i`'s price in US cents per million tokens, `(prompt, completion)`: every 25th entry
/// is free; the others cost 50 to 350 cents for the prompt, four times that for the reply.
pub fn catalogue_price(i: usize) -> (u64, u64) {
    if i.is_multiple_of(25) {
        return (0, 0);
    }
    let prompt = (i as u64 % 7 + 1) * 50;
    (prompt, prompt * 4)
}

/// Cents per million tokens as OpenRouter writes a price: a decimal string of dollars per
/// token (`150` → `"0.0000015"`, `0` → `"0"`).
fn per_token(cents_per_million: u64) -> String {
    if cents_per_million == 0 {
        return "0".into();
    }
    // Dollars per token = cents / 100 / 1e6 = cents × 1e-8.
    let digits = format!("0.{cents_per_million:08}");
    digits.trim_end_matches('0').to_string()
}

/// `GET …/models` with `count` entries.
pub(crate) fn models(count: usize) -> Reply {
    let data = (0..count).map(entry).collect();
    Reply::json(
        StatusCode::OK,
        obj([("data", J::Arr(data))]).render(Fmt::COMPACT),
    )
}

fn entry(i: usize) -> J {
    let id = catalogue_id(i);
    let context = i64::from(catalogue_context(i));
    let (prompt, completion) = catalogue_price(i);
    obj([
        ("id", s(id.clone())),
        ("canonical_slug", s(id)),
        ("hugging_face_id", s("")),
        ("name", s(catalogue_name(i))),
        ("created", J::Int(1_700_000_000 + i as i64)),
        ("description", s(format!("Test model number {i}."))),
        ("context_length", J::Int(context)),
        (
            "architecture",
            obj([
                ("modality", s("text->text")),
                ("input_modalities", J::Arr(vec![s("text")])),
                ("output_modalities", J::Arr(vec![s("text")])),
                ("tokenizer", s("Other")),
                ("instruct_type", J::Null),
            ]),
        ),
        (
            "pricing",
            obj([
                ("prompt", s(per_token(prompt))),
                ("completion", s(per_token(completion))),
                ("request", s("0")),
                ("image", s("0")),
                ("web_search", s("0")),
                ("internal_reasoning", s("0")),
            ]),
        ),
        (
            "top_provider",
            obj([
                ("context_length", J::Int(context)),
                ("max_completion_tokens", J::Int(4_096)),
                ("is_moderated", J::Bool(false)),
            ]),
        ),
        ("per_request_limits", J::Null),
        (
            "supported_parameters",
            J::Arr(vec![
                s("max_tokens"),
                s("temperature"),
                s("top_p"),
                s("stop"),
            ]),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_written_as_open_router_writes_them() {
        assert_eq!(per_token(0), "0");
        assert_eq!(per_token(150), "0.0000015");
        assert_eq!(per_token(1_000), "0.00001");
        assert_eq!(per_token(250), "0.0000025");
    }
}
