//! `snapshots`: the rolling snapshots of the database — list them, restore one.
//!
//! A restore first snapshots the data it replaces, then copies the snapshot in; it is refused
//! while another process (the window) has the data open. Listing checks every snapshot and
//! says which cannot be used.

use clap::Subcommand;
use switchboard_core::store::snapshots::{SnapshotInfo, SnapshotKind};
use switchboard_core::transfer::minute_utc;
use switchboard_core::Engine;

use super::{print_json, CliResult};

#[derive(Subcommand)]
pub enum SnapshotsCommand {
    /// List the snapshots, newest first: id, when (UTC), why, size, chats and messages.
    List,
    /// Replace the data with a snapshot (after snapshotting the data it replaces).
    Restore {
        /// The snapshot's id, as `snapshots list` shows it.
        #[arg(value_parser = crate::args::non_empty())]
        id: String,
    },
}

pub async fn run(engine: &Engine, command: SnapshotsCommand, json: bool) -> CliResult<u8> {
    let store = engine.store().clone();
    match command {
        SnapshotsCommand::List => {
            let list = tokio::task::spawn_blocking(move || store.snapshots())
                .await
                .unwrap_or_default();
            if json {
                print_json(&list);
                return Ok(0);
            }
            if list.is_empty() {
                outln!("No snapshots yet: one is taken each day the data is opened.");
            }
            for snapshot in &list {
                outln!("{}", line(snapshot));
            }
            Ok(0)
        }
        SnapshotsCommand::Restore { id } => {
            let report = tokio::task::spawn_blocking(move || store.restore_snapshot(&id))
                .await
                .map_err(|err| {
                    switchboard_core::Error::internal(format!("The restore stopped: {err}."))
                })??;
            if json {
                print_json(&report);
                return Ok(0);
            }
            outln!(
                "Restored {}: {} chat(s), {} message(s).",
                report.restored.id,
                report.restored.chats.unwrap_or(0),
                report.restored.messages.unwrap_or(0)
            );
            outln!(
                "The data it replaced ({} chat(s), {} message(s)) is kept as {}; restore that to undo.",
                report.replaced.chats.unwrap_or(0),
                report.replaced.messages.unwrap_or(0),
                report.replaced.id
            );
            Ok(0)
        }
    }
}

fn line(snapshot: &SnapshotInfo) -> String {
    let why = match snapshot.kind {
        SnapshotKind::Daily => "daily",
        SnapshotKind::BeforeUpgrade => "before upgrade",
        SnapshotKind::BeforeRestore => "before restore",
    };
    let what = match (&snapshot.problem, snapshot.chats, snapshot.messages) {
        (Some(problem), _, _) => format!("CANNOT BE USED: {problem}"),
        (None, Some(chats), Some(messages)) => format!("{chats} chats, {messages} messages"),
        _ => String::new(),
    };
    format!(
        "{}  {}  {:<14}  {:>9}  {what}",
        snapshot.id,
        minute_utc(snapshot.taken_at),
        why,
        size(snapshot.size)
    )
}

fn size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    match bytes {
        b if b < KIB => format!("{b} B"),
        b if b < KIB * KIB => format!("{:.1} KiB", b as f64 / KIB as f64),
        b => format!("{:.1} MiB", b as f64 / (KIB * KIB) as f64),
    }
}
