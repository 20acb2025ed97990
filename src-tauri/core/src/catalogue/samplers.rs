//! The sampler settings a source may accept ([`Sampler`]) and the lists the catalogue's sources
//! share.
//!
//! Data only: must not depend on any adapter, on HTTP or on the store.

use serde::{Deserialize, Serialize};

use crate::model::GenParams;

/// A sampler setting a source may accept; the window shows the fields of the profile's source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Sampler {
    /// `GenParams::max_tokens`.
    MaxTokens,
    /// `GenParams::temperature`.
    Temperature,
    /// `GenParams::top_p`.
    TopP,
    /// `GenParams::top_k`.
    TopK,
    /// `GenParams::min_p`.
    MinP,
    /// `GenParams::frequency_penalty`.
    FrequencyPenalty,
    /// `GenParams::presence_penalty`.
    PresencePenalty,
    /// `GenParams::repetition_penalty`.
    RepetitionPenalty,
    /// `GenParams::repetition_penalty_range`.
    RepetitionPenaltyRange,
    /// `GenParams::typical_p`.
    TypicalP,
    /// `GenParams::tfs`.
    Tfs,
    /// `GenParams::top_a`.
    TopA,
    /// `GenParams::seed`.
    Seed,
    /// `GenParams::stop`.
    Stop,
}

impl Sampler {
    /// Whether `params` sets this field.
    pub fn is_set(self, params: &GenParams) -> bool {
        match self {
            Sampler::MaxTokens => params.max_tokens.is_some(),
            Sampler::Temperature => params.temperature.is_some(),
            Sampler::TopP => params.top_p.is_some(),
            Sampler::TopK => params.top_k.is_some(),
            Sampler::MinP => params.min_p.is_some(),
            Sampler::FrequencyPenalty => params.frequency_penalty.is_some(),
            Sampler::PresencePenalty => params.presence_penalty.is_some(),
            Sampler::RepetitionPenalty => params.repetition_penalty.is_some(),
            Sampler::RepetitionPenaltyRange => params.repetition_penalty_range.is_some(),
            Sampler::TypicalP => params.typical_p.is_some(),
            Sampler::Tfs => params.tfs.is_some(),
            Sampler::TopA => params.top_a.is_some(),
            Sampler::Seed => params.seed.is_some(),
            Sampler::Stop => !params.stop.is_empty(),
        }
    }
}

use Sampler as S;

/// OpenAI and Mistral.
pub(super) const OPENAI_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::FrequencyPenalty,
    S::PresencePenalty,
    S::Seed,
    S::Stop,
];
/// Cohere's v2 chat (`max_tokens`, `temperature`, `p`, `k`, the two penalties, `seed`,
/// `stop_sequences`).
pub(super) const COHERE_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::TopK,
    S::FrequencyPenalty,
    S::PresencePenalty,
    S::Seed,
    S::Stop,
];
/// Ollama's native API (its `options`: `num_predict`, `repeat_penalty`, `repeat_last_n`, …).
pub(super) const OLLAMA_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::TopK,
    S::MinP,
    S::TypicalP,
    S::RepetitionPenalty,
    S::RepetitionPenaltyRange,
    S::PresencePenalty,
    S::FrequencyPenalty,
    S::Seed,
    S::Stop,
];
/// OpenAI-compatible local servers, Infermatic AI and Featherless AI (vLLM's sampler fields).
pub(super) const LOCAL_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::TopK,
    S::MinP,
    S::FrequencyPenalty,
    S::PresencePenalty,
    S::RepetitionPenalty,
    S::Seed,
    S::Stop,
];
/// OpenRouter: the local servers' fields and `top_a`.
pub(super) const OPENROUTER_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::TopK,
    S::MinP,
    S::FrequencyPenalty,
    S::PresencePenalty,
    S::RepetitionPenalty,
    S::TopA,
    S::Seed,
    S::Stop,
];
/// Together AI's and DreamGen's completions: the local servers' fields without a seed.
pub(super) const TOGETHER_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::TopK,
    S::MinP,
    S::FrequencyPenalty,
    S::PresencePenalty,
    S::RepetitionPenalty,
    S::Stop,
];
/// text-generation-inference's OpenAI-compatible completions (Hugging Face Inference Endpoints).
pub(super) const TGI_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::FrequencyPenalty,
    S::RepetitionPenalty,
    S::Seed,
    S::Stop,
];
/// Oobabooga and Mancer (text-generation-webui's extra samplers).
pub(super) const OOBA_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::TopK,
    S::MinP,
    S::FrequencyPenalty,
    S::PresencePenalty,
    S::RepetitionPenalty,
    S::RepetitionPenaltyRange,
    S::TypicalP,
    S::Tfs,
    S::TopA,
    S::Seed,
    S::Stop,
];
pub(super) const CLAUDE_SAMPLERS: &[Sampler] =
    &[S::MaxTokens, S::Temperature, S::TopP, S::TopK, S::Stop];
/// Google's `generationConfig` (Gemini on AI Studio and Vertex AI).
pub(super) const GOOGLE_SAMPLERS: &[Sampler] =
    &[S::MaxTokens, S::Temperature, S::TopP, S::TopK, S::Stop];
/// KoboldAI's generate body (KoboldCpp adds `min_p`).
pub(super) const KOBOLD_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::TopK,
    S::RepetitionPenalty,
    S::RepetitionPenaltyRange,
    S::TypicalP,
    S::Tfs,
    S::TopA,
    S::Seed,
    S::Stop,
];
pub(super) const KOBOLDCPP_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::TopK,
    S::MinP,
    S::RepetitionPenalty,
    S::RepetitionPenaltyRange,
    S::TypicalP,
    S::Tfs,
    S::TopA,
    S::Seed,
    S::Stop,
];
/// AI Horde's `params` (no seed: workers choose).
pub(super) const HORDE_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::TopK,
    S::MinP,
    S::RepetitionPenalty,
    S::RepetitionPenaltyRange,
    S::TypicalP,
    S::Tfs,
    S::TopA,
    S::Stop,
];
/// NovelAI's `parameters`; stop strings are cut on this side (the API wants token ids).
pub(super) const NOVELAI_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::TopK,
    S::MinP,
    S::RepetitionPenalty,
    S::RepetitionPenaltyRange,
    S::TypicalP,
    S::Tfs,
    S::TopA,
    S::Stop,
];

// The OpenAI-compatible clouds: what each vendor's chat completions reference lists
// (docs/providers.md, "OpenAI-compatible clouds", names the page of each).

/// DeepSeek: no seed.
pub(super) const DEEPSEEK_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::FrequencyPenalty,
    S::PresencePenalty,
    S::Stop,
];
/// Groq: the penalties are documented as not supported by any model.
pub(super) const GROQ_SAMPLERS: &[Sampler] =
    &[S::MaxTokens, S::Temperature, S::TopP, S::Seed, S::Stop];
/// Perplexity: `top_k` and the penalties; no seed, no stop strings.
pub(super) const PERPLEXITY_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::TopK,
    S::FrequencyPenalty,
    S::PresencePenalty,
];
/// Fireworks AI: `top_k`, `min_p` and `repetition_penalty` besides OpenAI's; no seed.
pub(super) const FIREWORKS_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::TopK,
    S::MinP,
    S::FrequencyPenalty,
    S::PresencePenalty,
    S::RepetitionPenalty,
    S::Stop,
];
/// Moonshot AI: OpenAI's without the seed.
pub(super) const MOONSHOT_SAMPLERS: &[Sampler] = DEEPSEEK_SAMPLERS;
/// Z.ai: no penalties, no seed.
pub(super) const ZAI_SAMPLERS: &[Sampler] = &[S::MaxTokens, S::Temperature, S::TopP, S::Stop];
/// MiniMax: temperature, `top_p` and the reply length only.
pub(super) const MINIMAX_SAMPLERS: &[Sampler] = &[S::MaxTokens, S::Temperature, S::TopP];
/// SiliconFlow: `top_k`, `min_p`, `frequency_penalty`.
pub(super) const SILICONFLOW_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::TopK,
    S::MinP,
    S::FrequencyPenalty,
    S::Stop,
];
/// AI21's Jamba chat: no penalties, no seed.
pub(super) const AI21_SAMPLERS: &[Sampler] = ZAI_SAMPLERS;
/// llama.cpp's own `/completion` (`n_predict`, `repeat_penalty`, `repeat_last_n`, …; it has
/// no tail-free sampling since 2024 and no top-a).
pub(super) const LLAMACPP_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::TopK,
    S::MinP,
    S::FrequencyPenalty,
    S::PresencePenalty,
    S::RepetitionPenalty,
    S::RepetitionPenaltyRange,
    S::TypicalP,
    S::Seed,
    S::Stop,
];
/// Aphrodite Engine: vLLM's samplers plus `typical_p`, `tfs` and `top_a` (SillyTavern's
/// `aphroditeParams`).
pub(super) const APHRODITE_SAMPLERS: &[Sampler] = &[
    S::MaxTokens,
    S::Temperature,
    S::TopP,
    S::TopK,
    S::MinP,
    S::FrequencyPenalty,
    S::PresencePenalty,
    S::RepetitionPenalty,
    S::TypicalP,
    S::Tfs,
    S::TopA,
    S::Seed,
    S::Stop,
];
