//! Cited pages in each vendor's shape, for [`FakeOptions::citations`](crate::FakeOptions):
//! answers of a search-backed model, as the vendors document them.
//!
//! | [`Citations`] | Where the pages go |
//! | --- | --- |
//! | `perplexity` | every stream chunk and the whole answer carry, after `choices`, `"citations": [url, …]` and `"search_results": [{"title", "url", "date"}, …]` (Perplexity's chat completions reference: <https://docs.perplexity.ai/api-reference/chat-completions-post>) |
//! | `openrouter` | a chunk before the finish chunk whose delta is `{"role": "assistant", "content": "", "annotations": [{"type": "url_citation", "url_citation": {"url", "title", "content", "start_index", "end_index"}}, …]}`; a whole answer has the same `annotations` on its `message` (OpenRouter's web search: <https://openrouter.ai/docs/features/web-search>) |
//! | `gemini` | the chunk with `finishReason` (and a whole answer) has `candidates[0].groundingMetadata` with `webSearchQueries`, `searchEntryPoint.renderedContent`, `groundingChunks: [{"web": {"uri", "title"}}, …]` and `groundingSupports` (Grounding with Google Search: <https://ai.google.dev/gemini-api/docs/google-search>) |
//!
//! The annotations and grounding chunks name one page twice, as a page cited at two places
//! does; [`cited_sources`] is the list a client shows: each address once, in order.

use crate::json::{obj, s, J};

/// Which vendor's citations a fake's answers carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Citations {
    /// Perplexity's top-level `citations` and `search_results` (OpenAI-compatible family).
    #[value(name = "perplexity")]
    Perplexity,
    /// OpenRouter's `url_citation` annotations (OpenAI-compatible family).
    #[value(name = "openrouter", alias = "open-router")]
    OpenRouter,
    /// Gemini's `groundingMetadata` ([`Family::Gemini`](crate::Family)).
    #[value(name = "gemini", alias = "grounding")]
    Gemini,
}

/// The pages Perplexity's and OpenRouter's answers cite: address, title, date.
pub const CITED_PAGES: &[(&str, &str, &str)] = &[
    (
        "https://en.wikipedia.org/wiki/Telephone_switchboard",
        "Telephone switchboard - Wikipedia",
        "2024-11-02",
    ),
    (
        "https://www.britannica.com/technology/telephone-exchange",
        "Telephone exchange | Britannica",
        "2023-12-25",
    ),
    (
        "https://example.org/history/operators",
        "The operators who connected the world",
        "2025-01-15",
    ),
];

/// The pages Gemini's grounding cites: its redirect addresses and the sites' names as titles.
pub const GROUNDING_PAGES: &[(&str, &str)] = &[
    (
        "https://vertexaisearch.cloud.google.com/grounding-api-redirect/AUZIYQHswitchboard1",
        "wikipedia.org",
    ),
    (
        "https://vertexaisearch.cloud.google.com/grounding-api-redirect/AUZIYQHswitchboard2",
        "britannica.com",
    ),
];

/// What a client should show for `citations`: each address once, in order, with its title.
pub fn cited_sources(citations: Citations) -> Vec<(String, String)> {
    match citations {
        Citations::Perplexity | Citations::OpenRouter => CITED_PAGES
            .iter()
            .map(|(url, title, _)| ((*url).to_owned(), (*title).to_owned()))
            .collect(),
        Citations::Gemini => GROUNDING_PAGES
            .iter()
            .map(|(url, title)| ((*url).to_owned(), (*title).to_owned()))
            .collect(),
    }
}

/// Perplexity's two top-level fields.
pub(crate) fn perplexity_fields() -> [(&'static str, J); 2] {
    let citations = CITED_PAGES.iter().map(|(url, _, _)| s(*url)).collect();
    let results = CITED_PAGES
        .iter()
        .map(|(url, title, date)| obj([("title", s(*title)), ("url", s(*url)), ("date", s(*date))]))
        .collect();
    [
        ("citations", J::Arr(citations)),
        ("search_results", J::Arr(results)),
    ]
}

/// OpenRouter's `annotations` for a reply of `reply_len` characters: one per page, and the
/// first page cited again at the end.
pub(crate) fn openrouter_annotations(reply_len: usize) -> J {
    let len = i64::try_from(reply_len).unwrap_or(i64::MAX);
    let mut cited: Vec<(&str, &str)> = CITED_PAGES.iter().map(|(u, t, _)| (*u, *t)).collect();
    cited.push(cited[0]);
    let annotations = cited
        .into_iter()
        .enumerate()
        .map(|(i, (url, title))| {
            let at = i64::try_from(i).unwrap_or(0).min(len);
            obj([
                ("type", s("url_citation")),
                (
                    "url_citation",
                    obj([
                        ("url", s(url)),
                        ("title", s(title)),
                        ("content", s(format!("What {title} says."))),
                        ("start_index", J::Int(at)),
                        ("end_index", J::Int(len)),
                    ]),
                ),
            ])
        })
        .collect();
    J::Arr(annotations)
}

/// Gemini's `groundingMetadata` for a reply of `reply_len` characters: the second page's chunk
/// repeated, as Google repeats a site it read twice.
pub(crate) fn grounding_metadata(reply_len: usize) -> J {
    let len = i64::try_from(reply_len).unwrap_or(i64::MAX);
    let mut pages: Vec<(&str, &str)> = GROUNDING_PAGES.to_vec();
    pages.push(GROUNDING_PAGES[1]);
    let chunks = pages
        .into_iter()
        .map(|(uri, title)| obj([("web", obj([("uri", s(uri)), ("title", s(title))]))]))
        .collect();
    obj([
        (
            "webSearchQueries",
            J::Arr(vec![s("telephone switchboard history")]),
        ),
        (
            "searchEntryPoint",
            obj([(
                "renderedContent",
                s("<style>.container {}</style><div class=\"container\"></div>"),
            )]),
        ),
        ("groundingChunks", J::Arr(chunks)),
        (
            "groundingSupports",
            J::Arr(vec![obj([
                (
                    "segment",
                    obj([("startIndex", J::Int(0)), ("endIndex", J::Int(len))]),
                ),
                ("groundingChunkIndices", J::Arr(vec![J::Int(0), J::Int(1)])),
            ])]),
        ),
    ])
}

/// Adds Gemini's `groundingMetadata` to an answer object whose candidate has a
/// `finishReason` (after it), for a reply of `reply_len` characters.
pub(crate) fn ground(answer: &mut J, reply_len: usize) {
    let J::Obj(fields) = answer else { return };
    let Some((_, J::Arr(candidates))) = fields.iter_mut().find(|(k, _)| *k == "candidates") else {
        return;
    };
    let Some(J::Obj(candidate)) = candidates.first_mut() else {
        return;
    };
    if let Some(at) = candidate.iter().position(|(k, _)| *k == "finishReason") {
        candidate.insert(at + 1, ("groundingMetadata", grounding_metadata(reply_len)));
    }
}
