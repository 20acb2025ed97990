//! The pages an answer of this family cites, where servers put them: Perplexity's top-level
//! `citations` (the addresses, numbered as the text's `[1]`, `[2]` markers) and
//! `search_results` (`[{title, url, date}]`), in every stream chunk and the whole answer; and
//! `annotations` of `type: "url_citation"` (`{url_citation: {url, title, content, start_index,
//! end_index}}`) on the message, or on a stream's deltas, as OpenRouter's web search sends them.
//!
//! Read leniently, as JSON values: a field of an unexpected shape is skipped, never a reason
//! to refuse the answer. Sans IO; it must not decide what is shown or kept (the engine does).

use serde_json::Value;

use crate::citations::Citations;

/// Where the pages of one chunk or completion are.
#[derive(Debug, Default, Clone, Copy)]
pub struct Cited<'v> {
    /// Top-level `citations`: addresses.
    pub citations: Option<&'v Value>,
    /// Top-level `search_results`: `{title, url}` objects.
    pub search_results: Option<&'v Value>,
    /// The message's or delta's `annotations`.
    pub annotations: Option<&'v Value>,
}

impl Cited<'_> {
    /// Adds the pages named to `into`, the addresses of `citations` first (their order is the
    /// text's numbering), then the search results (their titles), then the annotations.
    /// Whether anything changed.
    pub fn gather(&self, into: &mut Citations) -> bool {
        let mut changed = false;
        for url in items(self.citations).filter_map(Value::as_str) {
            changed |= into.add(url, None);
        }
        for result in items(self.search_results) {
            if let Some(url) = result.get("url").and_then(Value::as_str) {
                changed |= into.add(url, result.get("title").and_then(Value::as_str));
            }
        }
        for annotation in items(self.annotations) {
            if annotation.get("type").and_then(Value::as_str) != Some("url_citation") {
                continue;
            }
            // OpenRouter (and OpenAI's chat API) nest the fields; the Responses API does not.
            let cited = annotation.get("url_citation").unwrap_or(annotation);
            if let Some(url) = cited.get("url").and_then(Value::as_str) {
                changed |= into.add(url, cited.get("title").and_then(Value::as_str));
            }
        }
        changed
    }
}

fn items(value: Option<&Value>) -> impl Iterator<Item = &Value> {
    value.and_then(Value::as_array).into_iter().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn citations_number_the_pages_and_search_results_and_annotations_add_titles() {
        let citations = json!(["https://a.example/", "https://b.example/x", 7]);
        let results = json!([
            {"title": "B page", "url": "https://b.example/x", "date": "2025-01-02"},
            {"title": "A page", "url": "https://a.example/", "date": null},
            {"title": "no url"},
            {"title": "C page", "url": "https://c.example/"}
        ]);
        let annotations = json!([
            {"type": "url_citation", "url_citation": {"url": "https://d.example/", "title": "D", "content": "…", "start_index": 1, "end_index": 9}},
            {"type": "file_citation", "file_citation": {"file_id": "f"}},
            {"type": "url_citation", "url": "https://e.example/", "title": "E"},
            {"type": "url_citation", "url_citation": {"url": "https://d.example/", "title": "D again"}}
        ]);
        let mut into = Citations::new();
        let cited = Cited {
            citations: Some(&citations),
            search_results: Some(&results),
            annotations: Some(&annotations),
        };
        assert!(cited.gather(&mut into));
        let shown: Vec<(&str, Option<&str>)> = into
            .links()
            .iter()
            .map(|l| (l.url.as_str(), l.title.as_deref()))
            .collect();
        assert_eq!(
            shown,
            [
                ("https://a.example/", Some("A page")),
                ("https://b.example/x", Some("B page")),
                ("https://c.example/", Some("C page")),
                ("https://d.example/", Some("D")),
                ("https://e.example/", Some("E")),
            ]
        );
        // The same again changes nothing; fields of another shape are skipped.
        assert!(!cited.gather(&mut into));
        let odd = json!({"url": "https://f.example/"});
        let nothing = Cited {
            citations: Some(&odd),
            search_results: Some(&json!("x")),
            annotations: Some(&Value::Null),
        };
        assert!(!nothing.gather(&mut into));
    }
}
