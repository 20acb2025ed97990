//! `chats`: the saved conversations — list, show, search, import (SillyTavern JSONL,
//! Switchboard's own chat and backup files, files or whole folders) and export.
//!
//! Works on the database and files alone: it must not reach the network, and a backup or an
//! export must never carry a key.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use clap::{Subcommand, ValueEnum};
use serde::Serialize;
use switchboard_core::engine::ExistingChats;
use switchboard_core::store::snippet::{self, SnippetPart};
use switchboard_core::store::StoredMessage;
use switchboard_core::transfer::files::{import_files, read_import, Found, LINK_SKIPPED};
use switchboard_core::transfer::{json, markdown, minute_utc, sillytavern, FileContents};
use switchboard_core::{Engine, Error};

use super::{print_json, refused, short_path, CliResult, Failure};

/// How many hits `chats search` prints at most.
const SEARCH_LIMIT: usize = 50;

#[derive(Subcommand)]
pub enum ChatsCommand {
    /// List the chats: id, message count, last update, title (pinned first, then newest).
    List,
    /// Print a chat's messages with their other versions (swipes). CHAT is an id, the start of
    /// one (at least 4 characters, matching one chat only) or a title.
    Show {
        /// The chat's id, the start of its id, or its title.
        #[arg(value_parser = crate::args::non_empty(), add = crate::completion::chats())]
        chat: String,
    },
    /// Import SillyTavern chat files (.jsonl), Switchboard chat exports and backups (.json);
    /// a folder is searched for them. Reports what was imported and which lines were skipped.
    /// A backup's chats are recognised by id: one already here is skipped (or replaced, with
    /// --existing replace), never added twice.
    Import {
        /// Files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// What to do with a backup's chats that are already here: skip them (keep the copy
        /// here) or replace them (the copy here, with every message, goes).
        #[arg(long, value_enum, default_value_t = Existing::Skip)]
        existing: Existing,
    },
    /// Export a chat to standard output (or --output FILE).
    Export {
        /// The chat's id, the start of its id, or its title.
        #[arg(value_parser = crate::args::non_empty(), add = crate::completion::chats())]
        chat: String,
        /// sillytavern (JSONL SillyTavern imports), markdown, or json (Switchboard's own).
        #[arg(long, value_enum, default_value_t = Format::Sillytavern)]
        format: Format,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Every chat and every profile (never a key) in one backup file, to standard output (or
    /// --output FILE); `chats import` reads it back.
    Backup {
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Find chats whose title or messages contain every word of TEXT, in any order. Prints
    /// id, title and the words around the match, each word found in [ ] (bold on a terminal;
    /// --json gives the snippet as runs of text with "matched" flags).
    Search {
        /// The words to look for (each may be part of a word; case does not matter).
        #[arg(value_parser = crate::args::non_empty())]
        text: String,
    },
}

/// The export formats.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// SillyTavern's JSONL chat file.
    Sillytavern,
    /// Readable Markdown.
    Markdown,
    /// Switchboard's own JSON.
    Json,
}

/// `--existing`: a backup's chats that are already here.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Existing {
    /// Keep the chat here; the backup's copy is not restored.
    Skip,
    /// Put the backup's copy in its place.
    Replace,
}

impl From<Existing> for ExistingChats {
    fn from(existing: Existing) -> Self {
        match existing {
            Existing::Skip => ExistingChats::Skip,
            Existing::Replace => ExistingChats::Replace,
        }
    }
}

/// A message with every version, for `chats show --json`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ShownMessage {
    #[serde(flatten)]
    message: StoredMessage,
    swipes: Vec<String>,
}

pub async fn run(engine: &Engine, command: ChatsCommand, json_out: bool) -> CliResult<u8> {
    match command {
        ChatsCommand::List => {
            let chats = engine.chats().await?;
            if json_out {
                print_json(&chats);
            } else if chats.is_empty() {
                errln!("No chats yet. Start one with \"chat PROFILE MESSAGE\" or import some.");
            } else {
                for chat in &chats {
                    outln!(
                        "{}\t{}\t{}\t{}{}",
                        chat.id,
                        chat.message_count,
                        minute_utc(chat.updated_at),
                        if chat.pinned { "📌 " } else { "" },
                        chat.title
                    );
                }
            }
            Ok(0)
        }
        ChatsCommand::Show { chat } => {
            let chat = engine.find_chat(&chat).await.map_err(refused)?;
            let messages = engine.messages(&chat.id).await?;
            let mut shown = Vec::with_capacity(messages.len());
            for message in messages {
                let swipes = if message.swipe_count > 1 {
                    engine.swipes(&message.id).await?
                } else {
                    Vec::new()
                };
                shown.push(ShownMessage { message, swipes });
            }
            if json_out {
                print_json(&serde_json::json!({ "chat": chat, "messages": shown }));
                return Ok(0);
            }
            outln!("# {} ({})", chat.title, chat.id);
            for ShownMessage { message, swipes } in &shown {
                let who = message
                    .name
                    .clone()
                    .unwrap_or_else(|| message.role.as_str().to_string());
                let version = if message.swipe_count > 1 {
                    format!(
                        " · version {}/{}",
                        message.swipe_index + 1,
                        message.swipe_count
                    )
                } else {
                    String::new()
                };
                let state = match message.state.as_str() {
                    "complete" => String::new(),
                    other => format!(" · {other}"),
                };
                outln!("\n[{who}{version}{state}]\n{}", message.content);
                if !message.sources.is_empty() {
                    let list = crate::streamed::sources_list(&message.sources);
                    outln!("{}", list.trim_end());
                }
                for (index, text) in swipes.iter().enumerate() {
                    if index != message.swipe_index as usize {
                        outln!("  (version {}) {}", index + 1, one_line(text));
                    }
                }
            }
            Ok(0)
        }
        ChatsCommand::Import { paths, existing } => import(engine, &paths, existing.into()).await,
        ChatsCommand::Export {
            chat,
            format,
            output,
        } => {
            let chat = engine.find_chat(&chat).await.map_err(refused)?;
            let archive = engine.archive(&chat.id).await?;
            let text = match format {
                Format::Sillytavern => sillytavern::write(&archive),
                Format::Markdown => markdown::write(&archive),
                Format::Json => json::write_chat(&archive),
            };
            write_out(output.as_deref(), &text)?;
            Ok(0)
        }
        ChatsCommand::Backup { output } => {
            let backup = engine.backup().await?;
            write_out(output.as_deref(), &json::write_backup(&backup))?;
            if let Some(path) = output {
                let attachments: usize = backup
                    .chats
                    .iter()
                    .flat_map(|chat| &chat.messages)
                    .map(|message| message.attachments.len())
                    .sum();
                let with = if attachments > 0 {
                    format!(" (with {attachments} attached images and files)")
                } else {
                    String::new()
                };
                errln!(
                    "Saved {} chats{with} and {} profiles (no keys) to {}.",
                    backup.chats.len(),
                    backup.profiles.len(),
                    path.display()
                );
            }
            Ok(0)
        }
        ChatsCommand::Search { text } => {
            if text.trim().is_empty() {
                return Err(Failure::Usage(
                    "the search text is blank: give a word or part of one.".into(),
                ));
            }
            let hits = engine.search(&text, SEARCH_LIMIT).await.map_err(refused)?;
            if json_out {
                print_json(&hits);
            } else if hits.is_empty() {
                errln!("Nothing found for \"{text}\".");
            } else {
                let bold = std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
                for hit in &hits {
                    outln!(
                        "{}\t{}\t{}",
                        hit.chat_id,
                        hit.chat_title,
                        shown_snippet(&hit.snippet, bold)
                    );
                }
            }
            Ok(0)
        }
    }
}

async fn import(engine: &Engine, paths: &[PathBuf], existing: ExistingChats) -> CliResult<u8> {
    let mut failed = 0;
    let mut chats = 0;
    for file in import_files(paths) {
        let (path, in_folder) = match file {
            Found::File { path, in_folder } => (path, in_folder),
            Found::Link { path } => {
                errln!("Skipped {}: {LINK_SKIPPED}.", short_path(&path));
                continue;
            }
            Found::Skipped { path, reason } => {
                errln!("Skipped {}: {reason}.", short_path(&path));
                failed += 1;
                continue;
            }
        };
        match read_import(&path).map_err(|err| err.message) {
            Ok(FileContents::Chat(chat, skipped)) => {
                let away = sillytavern::on_server(&chat);
                let saved = engine.import_archive(chat).await?;
                chats += 1;
                outln!(
                    "Imported \"{}\" ({} messages) from {}.",
                    saved.title,
                    saved.message_count,
                    path.display()
                );
                for line in &skipped {
                    outln!("  skipped line {}: {}", line.line, line.reason);
                }
                if away > 0 {
                    let what = if away == 1 {
                        "1 image or file of this chat is".to_string()
                    } else {
                        format!("{away} images or files of this chat are")
                    };
                    outln!(
                        "  {what} kept on the SillyTavern server, not in the file: not imported \
                         (the links stay in the chat for the way back)."
                    );
                }
            }
            Ok(FileContents::Backup(backup)) => {
                let report = engine.restore_backup(backup, existing).await;
                for saved in &report.chats {
                    chats += 1;
                    let verb = if report.replaced.iter().any(|old| old.id == saved.id) {
                        "Replaced"
                    } else {
                        "Imported"
                    };
                    outln!(
                        "{verb} \"{}\" ({} messages) from {}.",
                        saved.title,
                        saved.message_count,
                        path.display()
                    );
                }
                for here in &report.skipped_chats {
                    chats += 1;
                    outln!(
                        "Skipped \"{}\" ({}): already here; add --existing replace to replace it with the backup's copy.",
                        here.title,
                        here.id
                    );
                }
                if let Some(error) = report.stopped {
                    return Err(error.into());
                }
                for profile in &report.profiles {
                    outln!(
                        "Imported profile \"{}\" ({}); save its key with \"key set {}\" if it needs one.",
                        profile.name,
                        profile.source.label(),
                        profile.name
                    );
                }
                for skipped in &report.skipped_profiles {
                    outln!("  skipped profile \"{}\": {}", skipped.name, skipped.reason);
                }
            }
            // A folder's other JSON files (settings and the like) are not chats.
            Err(_) if in_folder && is_plain_json(&path) => {
                errln!("Skipped {}: not a chat file.", short_path(&path));
            }
            Err(why) => {
                errln!("Could not import {}: {why}", short_path(&path));
                failed += 1;
            }
        }
    }
    if chats == 0 && failed > 0 {
        return Err(Failure::Usage("Nothing was imported.".into()));
    }
    Ok(if failed > 0 { 1 } else { 0 })
}

fn is_plain_json(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// Writes `text` to the file `path`, readable by its owner only (a path that cannot be opened
/// for writing is a usage mistake; a write that fails half-way is a storage failure), else to
/// standard output.
fn write_out(path: Option<&Path>, text: &str) -> CliResult {
    use std::io::Write as _;
    match path {
        Some(path) => {
            let mut file = switchboard_core::store::files::create_private(path).map_err(|err| {
                Failure::Usage(format!("Could not write {}: {err}.", short_path(path)))
            })?;
            file.write_all(text.as_bytes()).map_err(|err| {
                Failure::Core(Error::storage(format!(
                    "Could not write {}: {err}.",
                    short_path(path)
                )))
            })
        }
        None => {
            outln!("{text}");
            Ok(())
        }
    }
}

/// A search snippet on one line, each matched word in bold on a terminal (`bold`), else in
/// `[` `]`.
fn shown_snippet(parts: &[SnippetPart], bold: bool) -> String {
    if !bold {
        return snippet::bracketed(parts);
    }
    parts
        .iter()
        .map(|part| {
            if part.matched {
                format!("\x1b[1m{}\x1b[22m", part.text)
            } else {
                part.text.clone()
            }
        })
        .collect()
}

/// The first line of `text`, at most 100 characters.
fn one_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    let mut short: String = line.chars().take(100).collect();
    if line.chars().count() > 100 || text.lines().nth(1).is_some() {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_mark_words_in_brackets_or_bold() {
        let parts = [
            SnippetPart {
                text: "Welcome".into(),
                matched: true,
            },
            SnippetPart {
                text: ", traveller".into(),
                matched: false,
            },
        ];
        assert_eq!(shown_snippet(&parts, false), "[Welcome], traveller");
        assert_eq!(
            shown_snippet(&parts, true),
            "\x1b[1mWelcome\x1b[22m, traveller"
        );
    }
}
