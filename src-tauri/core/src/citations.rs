//! The pages a reply cites, gathered as a source gives them: each address once, in the order
//! first given, a title given later filling one that was missing. Families gather what their
//! answer carries (Perplexity's `citations` and `search_results`, OpenRouter's `url_citation`
//! annotations, Gemini's grounding chunks) and the engine gathers the events of one reply.
//!
//! Pure data: no IO, and it must not know any source or wire format.

use crate::model::SourceLink;

/// A reply's sources so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Citations {
    links: Vec<SourceLink>,
}

impl Citations {
    /// None yet.
    pub fn new() -> Citations {
        Citations::default()
    }

    /// Starting from sources already kept (a reply being continued).
    pub fn from_links(links: Vec<SourceLink>) -> Citations {
        let mut citations = Citations::new();
        citations.extend(links);
        citations
    }

    /// Adds the page at `url` (trimmed; an empty one is ignored) with its title, if any (an
    /// empty title counts as none). Returns whether anything changed: a new address, or a title
    /// for an address that had none.
    pub fn add(&mut self, url: &str, title: Option<&str>) -> bool {
        let url = url.trim();
        if url.is_empty() {
            return false;
        }
        let title = title.map(str::trim).filter(|t| !t.is_empty());
        if let Some(known) = self.links.iter_mut().find(|link| link.url == url) {
            return match (&known.title, title) {
                (None, Some(title)) => {
                    known.title = Some(title.to_string());
                    true
                }
                _ => false,
            };
        }
        self.links.push(SourceLink {
            url: url.to_string(),
            title: title.map(str::to_string),
        });
        true
    }

    /// Adds each of `links` in order; whether anything changed.
    pub fn extend(&mut self, links: impl IntoIterator<Item = SourceLink>) -> bool {
        links.into_iter().fold(false, |changed, link| {
            self.add(&link.url, link.title.as_deref()) | changed
        })
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    /// The sources, in order.
    pub fn links(&self) -> &[SourceLink] {
        &self.links
    }

    /// The sources, in order, taken.
    pub fn into_links(self) -> Vec<SourceLink> {
        self.links
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(url: &str, title: Option<&str>) -> SourceLink {
        SourceLink {
            url: url.into(),
            title: title.map(str::to_string),
        }
    }

    #[test]
    fn each_address_once_in_first_order_with_a_late_title_filled_in() {
        let mut citations = Citations::new();
        assert!(citations.add("https://a.example/1", None));
        assert!(citations.add(" https://b.example/2 ", Some("B")));
        assert!(!citations.add("https://b.example/2", Some("Other B")));
        assert!(citations.add("https://a.example/1", Some("A")));
        assert!(!citations.add("https://a.example/1", Some("A again")));
        assert!(!citations.add("  ", Some("nothing")));
        // A blank title is no title.
        assert!(citations.add("https://c.example", Some(" ")));
        assert_eq!(
            citations.links(),
            [
                link("https://a.example/1", Some("A")),
                link("https://b.example/2", Some("B")),
                link("https://c.example", None),
            ]
        );
        let again = Citations::from_links(citations.links().to_vec());
        assert_eq!(again, citations);
        let mut more = again.clone();
        assert!(!more.extend(citations.clone().into_links()));
        assert!(more.extend([link("https://d.example", None)]));
        assert_eq!(more.links().len(), 4);
    }
}
