//! `providers`: list the sources with their default URLs and capabilities.
//!
//! Prints the built-in table only: it must not open the data directory, the keychain or the
//! network.

use switchboard_core::catalogue::{ApiType, KeyNeed};
use switchboard_core::SOURCES;

use crate::{print_json, yes_no};

/// Prints the sources table (or `SOURCES` as JSON).
pub fn run(json: bool) {
    if json {
        print_json(SOURCES);
        return;
    }
    outln!(
        "{:<11} {:<32} {:<16} {:<34} {:<9} {:<7} {:<7} SUPPORTED",
        "SOURCE",
        "NAME",
        "API",
        "DEFAULT URL",
        "KEY",
        "STREAM",
        "MODELS"
    );
    for source in SOURCES {
        let caps = source.capabilities;
        outln!(
            "{:<11} {:<32} {:<16} {:<34} {:<9} {:<7} {:<7} {}",
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
