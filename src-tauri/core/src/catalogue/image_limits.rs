//! The largest images each source reads ([`ImageLimits`]), with where each figure comes from.
//!
//! Data only: must not depend on any adapter, on HTTP or on the store.

use super::ImageLimits;

/// The limits of `vision` (in `sources.rs`), for sources that document none of their own: OpenAI scales an
/// image to fit 2,048 × 2,048, Anthropic refuses one over 5 MB (and Google AI Studio takes at
/// most 20 MB of inline data in a request, base64 included, so a few such images fit).
pub const VISION: ImageLimits = ImageLimits {
    max_edge: 2048,
    max_bytes: 5 * 1024 * 1024,
};

/// OpenAI's: an image of up to 20 MB, scaled to fit 2,048 × 2,048 (its vision guide).
pub(super) const OPENAI_VISION: ImageLimits = ImageLimits {
    max_edge: 2048,
    max_bytes: 20 * 1024 * 1024,
};

/// Anthropic's: at most 5 MB an image through the API; an image over 1,568 pixels on its long
/// edge is scaled down by the API anyway (its vision guide), so it is sent at that size.
pub(super) const CLAUDE_VISION: ImageLimits = ImageLimits {
    max_edge: 1568,
    max_bytes: 5 * 1024 * 1024,
};

/// Vertex AI's: 7 MB an image as inline data (its image-understanding page, Gemini 2.5 and
/// later); no limit in pixels is documented.
pub(super) const VERTEX_VISION: ImageLimits = ImageLimits {
    max_edge: 2048,
    max_bytes: 7 * 1024 * 1024,
};
