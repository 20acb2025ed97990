//! Context sizes the catalogue knows: the context window of well-known cloud models (by model id
//! prefix, from each vendor's model pages), and the size assumed for a source that does not say.
//!
//! Data only: this module must not do I/O or depend on adapters. A size a server reports, or a
//! profile sets, always wins over what is written here (the engine asks those first).

use crate::catalogue::ProviderKind;

/// The context size assumed for a local or self-hosted server that does not report one: small
/// enough for any model such a server runs (llama.cpp's own default is 4,096).
pub const LOCAL_DEFAULT_CONTEXT_SIZE: u32 = 4096;

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

/// The size assumed when neither the profile, the server nor [`known_context_size`] gives one:
/// [`LOCAL_DEFAULT_CONTEXT_SIZE`] for local and self-hosted servers; `None` for cloud services,
/// whose models are far larger than any safe guess (their history is sent whole and the service
/// decides).
pub fn assumed_context_size(kind: ProviderKind) -> Option<u32> {
    match kind {
        ProviderKind::OpenAi
        | ProviderKind::Claude
        | ProviderKind::Mistral
        | ProviderKind::OpenRouter
        | ProviderKind::Mancer
        | ProviderKind::Horde
        | ProviderKind::NovelAi => None,
        ProviderKind::Custom
        | ProviderKind::Ooba
        | ProviderKind::Tabby
        | ProviderKind::Kobold
        | ProviderKind::KoboldCpp => Some(LOCAL_DEFAULT_CONTEXT_SIZE),
    }
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
        assert_eq!(assumed_context_size(ProviderKind::Custom), Some(4096));
        assert_eq!(assumed_context_size(ProviderKind::OpenAi), None);
    }
}
