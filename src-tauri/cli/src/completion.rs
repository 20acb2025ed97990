//! Shell completions: `completions bash|zsh|fish` prints the script a shell loads, and the
//! candidates that script asks the binary for at each Tab (through clap_complete's dynamic
//! completion: the shell runs `COMPLETE=<shell> switchboard-cli -- <words>`): subcommands,
//! options, and the profile names and chats of the data directory.
//!
//! Reads the database only (the data directory named by `--data-dir` on the line being
//! completed, else `SWITCHBOARD_DATA_DIR`, else the app's); it must not touch the keychain,
//! create a data directory, or print anything but candidates, and a failure means no
//! candidates, never an error on the terminal.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::ValueEnum;
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};
use clap_complete::env::{Bash, EnvCompleter, Fish, Zsh};
use switchboard_core::store::{Store, DB_FILE};

/// The environment variable that switches the binary into answering a completion request.
pub const COMPLETE_VAR: &str = "COMPLETE";

/// The binary's name, as the scripts call it.
pub const BIN: &str = "switchboard-cli";

/// The shells a completion script can be printed for.
#[derive(Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// Answers a completion request and exits when the shell asked for one (`COMPLETE` is set);
/// otherwise returns at once. Runs before anything is printed.
pub fn answer_if_asked() {
    let current_dir = std::env::current_dir().ok();
    let answered = clap_complete::CompleteEnv::with_factory(crate::command)
        .var(COMPLETE_VAR)
        .bin(BIN)
        .completer(BIN)
        .try_complete(crate::args(), current_dir.as_deref())
        .unwrap_or_else(|err| err.exit());
    if answered {
        std::process::exit(0);
    }
}

/// Prints the script that makes `shell` complete `switchboard-cli` by asking it.
pub fn print_script(shell: Shell) -> crate::CliResult<u8> {
    let mut script = Vec::new();
    let written = match shell {
        Shell::Bash => Bash.write_registration(COMPLETE_VAR, BIN, BIN, BIN, &mut script),
        Shell::Zsh => Zsh.write_registration(COMPLETE_VAR, BIN, BIN, BIN, &mut script),
        Shell::Fish => Fish.write_registration(COMPLETE_VAR, BIN, BIN, BIN, &mut script),
    };
    written.map_err(|err| {
        crate::Failure::Usage(format!("could not write the completion script: {err}."))
    })?;
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(&script);
    let _ = stdout.flush();
    Ok(0)
}

/// Completes a profile name.
pub fn profile_names() -> ArgValueCandidates {
    ArgValueCandidates::new(|| {
        read_store(|store| {
            Ok(store
                .profiles()?
                .into_iter()
                .map(|profile| {
                    CompletionCandidate::new(profile.name).help(Some(profile.source.label().into()))
                })
                .collect())
        })
    })
}

/// Completes a chat: its id (with the title beside it where the shell shows help) or its title.
pub fn chats() -> ArgValueCandidates {
    ArgValueCandidates::new(|| {
        read_store(|store| {
            let chats = store.chats()?;
            let ids = chats.iter().map(|chat| {
                CompletionCandidate::new(chat.id.as_str()).help(Some(chat.title.clone().into()))
            });
            let titles = chats
                .iter()
                .map(|chat| CompletionCandidate::new(chat.title.as_str()).display_order(Some(1)));
            Ok(ids.chain(titles).collect())
        })
    })
}

/// The candidates `read` finds in the database, or none when there is no database yet or it
/// cannot be read.
fn read_store(
    read: impl FnOnce(&Store) -> switchboard_core::Result<Vec<CompletionCandidate>>,
) -> Vec<CompletionCandidate> {
    let Some(dir) = data_dir(crate::args().into_iter()) else {
        return Vec::new();
    };
    // Opening a directory that holds no database would create one.
    if !dir.join(DB_FILE).is_file() {
        return Vec::new();
    }
    match Store::open(&dir) {
        Ok(store) => read(&store).unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

/// The data directory of the command line being completed: its `--data-dir` (the last one
/// given), else the one the CLI would use.
fn data_dir(args: impl Iterator<Item = OsString>) -> Option<PathBuf> {
    let mut named = None;
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let Some(text) = arg.to_str() else { continue };
        if text == "--data-dir" {
            if let Some(value) = args.peek().filter(|value| !value.is_empty()) {
                named = Some(PathBuf::from(value));
            }
        } else if let Some(value) = text.strip_prefix("--data-dir=") {
            if !value.is_empty() {
                named = Some(PathBuf::from(value));
            }
        }
    }
    named.or_else(switchboard_core::default_data_dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> impl Iterator<Item = OsString> {
        line.split(' ')
            .map(OsString::from)
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn the_data_dir_on_the_line_wins_the_last_one_given() {
        assert_eq!(
            data_dir(words("x -- x --data-dir /a chat --data-dir=/b ")),
            Some(PathBuf::from("/b"))
        );
        assert_eq!(
            data_dir(words("x -- x --data-dir /a chat ")),
            Some(PathBuf::from("/a"))
        );
    }
}
