//! `providers [SEARCH]`: list the sources, grouped under their group's heading (cloud chat
//! APIs, local servers, text-completion services), with their default URLs and capabilities;
//! SEARCH keeps the sources whose id or name contains it (any case).
//!
//! Prints the built-in table only: it must not open the data directory, the keychain or the
//! network.

use clap::Args;
use switchboard_core::catalogue::{ApiType, KeyNeed, SourceGroup, SourceInfo};
use switchboard_core::SOURCES;

use crate::{print_json, yes_no};

/// `providers`' arguments.
#[derive(Debug, Args)]
pub struct ProvidersArgs {
    /// Only the sources whose id or name contains this (any case), e.g. `groq`.
    pub search: Option<String>,
}

/// The groups in the order they are listed.
const GROUPS: [SourceGroup; 3] = [
    SourceGroup::CloudChat,
    SourceGroup::LocalServer,
    SourceGroup::TextService,
];

/// The sources `search` keeps (all of them without one), in the catalogue's order.
pub fn matching(search: Option<&str>) -> Vec<&'static SourceInfo> {
    let needle = search.map(|s| s.trim().to_lowercase()).unwrap_or_default();
    SOURCES
        .iter()
        .filter(|s| {
            needle.is_empty()
                || s.id.to_lowercase().contains(&needle)
                || s.label.to_lowercase().contains(&needle)
        })
        .collect()
}

/// Prints the sources table, grouped (or the matching sources as JSON, each with its `group`).
pub fn run(args: &ProvidersArgs, json: bool) {
    let sources = matching(args.search.as_deref());
    if json {
        print_json(&sources);
        return;
    }
    if sources.is_empty() {
        errln!(
            "No source matches \"{}\".",
            args.search.as_deref().unwrap_or_default()
        );
        return;
    }
    let id_width = sources.iter().map(|s| s.id.len()).max().unwrap_or(0).max(6);
    let label_width = sources
        .iter()
        .map(|s| s.label.len())
        .max()
        .unwrap_or(0)
        .max(4);
    let url_width = sources
        .iter()
        .map(|s| s.default_url.len())
        .max()
        .unwrap_or(0)
        .max(11);
    let mut first = true;
    for group in GROUPS {
        let members: Vec<_> = sources.iter().filter(|s| s.group == group).collect();
        if members.is_empty() {
            continue;
        }
        if !first {
            outln!();
        }
        first = false;
        outln!("{}", group.label());
        outln!(
            "{:<id_width$} {:<label_width$} {:<16} {:<url_width$} {:<9} {:<7} {:<7} SUPPORTED",
            "SOURCE",
            "NAME",
            "API",
            "DEFAULT URL",
            "KEY",
            "STREAM",
            "MODELS"
        );
        for source in members {
            let caps = source.capabilities;
            outln!(
                "{:<id_width$} {:<label_width$} {:<16} {:<url_width$} {:<9} {:<7} {:<7} {}",
                source.id,
                source.label,
                match caps.api {
                    ApiType::ChatCompletion => "chat completion",
                    ApiType::TextCompletion => "text completion",
                },
                source.default_url,
                match source.key {
                    KeyNeed::Required => "required",
                    KeyNeed::Optional => "optional",
                },
                yes_no(caps.streaming),
                yes_no(caps.model_list),
                if source.supported { "yes" } else { "not yet" },
            );
        }
    }
}
