//! Context sizes the catalogue knows: the context window of well-known cloud models (by model id
//! prefix, from each vendor's model pages). The size assumed for a source that does not say is
//! the source's (`SourceInfo::assumed_context`).
//!
//! Data only: this module must not do I/O or depend on adapters. A size a server reports, or a
//! profile sets, always wins over what is written here (the engine asks those first).

/// Known context windows, by model id prefix (the longest matching prefix wins). Ids that a
/// router namespaces (`openai/gpt-4o` on OpenRouter) are looked up without the namespace.
const KNOWN: &[(&str, u32)] = &[
    // OpenAI (platform.openai.com/docs/models).
    ("gpt-4o", 128_000),
    ("gpt-4.1", 1_047_576),
    ("gpt-4-turbo", 128_000),
    ("gpt-4", 8_192),
    ("gpt-3.5-turbo", 16_385),
    ("gpt-5", 400_000),
    ("o1", 200_000),
    ("o3", 200_000),
    ("o4-mini", 200_000),
    ("chatgpt-4o", 128_000),
    // Anthropic (docs.anthropic.com, models overview): every current Claude model.
    ("claude-", 200_000),
    // Mistral (docs.mistral.ai, models).
    ("mistral-large", 128_000),
    ("mistral-medium", 128_000),
    ("mistral-small", 32_000),
    ("open-mistral-nemo", 128_000),
    ("codestral", 256_000),
    ("ministral", 128_000),
];

/// The context window of `model` when it is a well-known cloud model.
pub fn known_context_size(model: &str) -> Option<u32> {
    let id = model
        .rsplit('/')
        .next()
        .unwrap_or(model)
        .to_ascii_lowercase();
    KNOWN
        .iter()
        .filter(|(prefix, _)| id.starts_with(prefix))
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|&(_, size)| size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_prefix_wins_and_namespaces_are_ignored() {
        assert_eq!(known_context_size("gpt-4o-mini"), Some(128_000));
        assert_eq!(known_context_size("gpt-4-0613"), Some(8_192));
        assert_eq!(known_context_size("openai/gpt-4o"), Some(128_000));
        assert_eq!(known_context_size("claude-sonnet-4-5"), Some(200_000));
        assert_eq!(known_context_size("llama-3-8b"), None);
    }
}
