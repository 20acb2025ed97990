//! `switchboard-cli reset --yes`: delete all of Switchboard's data and keychain entries.
//!
//! Runs without opening the engine, so it works on a database that cannot be opened. It never
//! prints a secret: only file names and keychain account names.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use switchboard_core::engine::delete_all_data;
use switchboard_core::secrets::{KeyringStore, Secrets};

use crate::{print_json, CliResult, Failure};

#[derive(Args)]
pub struct ResetArgs {
    /// Confirm: without it nothing is deleted.
    #[arg(long)]
    yes: bool,
}

/// Deletes everything and says what went.
pub async fn run(data_dir: &Path, args: &ResetArgs, json: bool) -> CliResult {
    if !args.yes {
        return Err(Failure::Usage(format!(
            "this deletes every chat, profile and backup in {} and every keychain entry Switchboard made, for good; add --yes to do it.",
            data_dir.display()
        )));
    }
    let secrets = Secrets::new(Arc::new(KeyringStore::new()), Duration::from_secs(20));
    let report = delete_all_data(data_dir, &secrets).await?;
    if json {
        print_json(&report);
        return Ok(());
    }
    if report.files.is_empty() && report.keychain_entries.is_empty() {
        outln!("There was no Switchboard data in {}.", report.data_dir);
        return Ok(());
    }
    outln!(
        "Deleted {} file(s) from {}:",
        report.files.len(),
        report.data_dir
    );
    for file in &report.files {
        outln!("  {file}");
    }
    outln!(
        "Deleted {} keychain entr{}:",
        report.keychain_entries.len(),
        if report.keychain_entries.len() == 1 {
            "y"
        } else {
            "ies"
        }
    );
    for entry in &report.keychain_entries {
        outln!("  {entry}");
    }
    Ok(())
}
