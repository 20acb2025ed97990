//! Chats in and out of the window: import SillyTavern chat files and Switchboard's own chat
//! files and backups, and export one chat (SillyTavern JSONL, Markdown or Switchboard JSON) or
//! everything to the Downloads folder.
//!
//! The window never sends a file's text: it asks for files with [`choose_import_files`] (the
//! system's file dialog) and passes each chosen path to [`import_chat_file`], which reads it
//! with the core, size limit included. A path the person did not choose is refused, so the
//! page cannot make the app read other files. Files are told apart as
//! `switchboard-cli chats import` does, with the same core readers; a backup also brings back
//! its profiles (never with keys), except those whose name is taken.
//! An export never overwrites a file: `Title.jsonl` is followed by `Title (2).jsonl`, and so on.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use specta::Type;
use switchboard_core::engine::SkippedProfile;
use switchboard_core::store::{files, Chat};
use switchboard_core::transfer::files::read_import;
use switchboard_core::transfer::{json, markdown, minute_utc, sillytavern, FileContents};
use switchboard_core::{ChatId, Error, ErrorKind, Result};
use tauri::State;

use super::chat::existing_chat;
use super::IpcError;
use crate::shell::Shell;

/// The longest file name (before the extension) an export gets, in characters.
pub const MAX_STEM_CHARS: usize = 80;

/// A line of an imported file that was left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SkippedLine {
    /// 1-based line number in the file.
    pub line: u32,
    /// What was wrong, for people.
    pub reason: String,
}

/// What importing one file did.
#[derive(Debug, Clone, Default, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// The chats saved from it, as listed.
    pub chats: Vec<Chat>,
    /// The lines left out of a SillyTavern file.
    pub skipped: Vec<SkippedLine>,
    /// Names of the profiles a backup brought back (without keys).
    pub profiles: Vec<String>,
    /// The profiles of a backup that were left out (a profile of that name exists, …).
    pub skipped_profiles: Vec<SkippedProfile>,
    /// Why the file (or the rest of it) could not be imported; `null` when all went well.
    pub error: Option<String>,
}

/// The file formats a chat is exported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// SillyTavern's JSONL chat file (`.jsonl`), which SillyTavern imports.
    Sillytavern,
    /// Readable Markdown (`.md`).
    Markdown,
    /// Switchboard's own chat file (`.json`), which Switchboard imports.
    Json,
}

impl ExportFormat {
    fn extension(self) -> &'static str {
        match self {
            ExportFormat::Sillytavern => "jsonl",
            ExportFormat::Markdown => "md",
            ExportFormat::Json => "json",
        }
    }

    fn write(self, archive: &switchboard_core::transfer::ChatArchive) -> String {
        match self {
            ExportFormat::Sillytavern => sillytavern::write(archive),
            ExportFormat::Markdown => markdown::write(archive),
            ExportFormat::Json => json::write_chat(archive),
        }
    }
}

/// A file written for the person.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportedFile {
    /// Where it is, in full.
    pub path: String,
}

/// Opens the system's file dialog for chat files to import; returns the paths chosen (none
/// when the person cancels). Only these paths can then be imported.
#[tauri::command]
#[specta::specta]
pub async fn choose_import_files(shell: State<'_, Shell>) -> Result<Vec<String>, IpcError> {
    let chosen = shell.choose_import_files().await?;
    Ok(chosen.iter().map(|p| p.display().to_string()).collect())
}

/// Imports one file chosen with [`choose_import_files`]: a SillyTavern chat (`.jsonl`), a
/// Switchboard chat export or a backup (`.json`; its profiles come back without keys, except
/// names already taken). A file that cannot be read (too large, not a chat file, …) is
/// reported in `error`, not as a failed command; a path that was not chosen is refused.
#[tauri::command]
#[specta::specta]
pub async fn import_chat_file(
    shell: State<'_, Shell>,
    path: String,
) -> Result<ImportReport, IpcError> {
    let path = PathBuf::from(path);
    if !shell.was_picked(&path) {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "{} was not chosen in the file dialog; choose it with \"Import chats…\".",
                switchboard_core::error::quoted(&path.display().to_string())
            ),
        ));
    }
    Ok(shell.import_chat_file(&path).await)
}

/// Writes a chat as a file in the Downloads folder (the home folder when there is none), under
/// a new name made from its title; returns where it went.
#[tauri::command]
#[specta::specta]
pub async fn export_chat(
    shell: State<'_, Shell>,
    chat_id: String,
    format: ExportFormat,
) -> Result<ExportedFile, IpcError> {
    shell.export_chat(chat_id, format).await
}

/// Writes every chat and every profile (never a key) into one backup file in the Downloads
/// folder; importing it brings them back.
#[tauri::command]
#[specta::specta]
pub async fn backup_all(shell: State<'_, Shell>) -> Result<ExportedFile, IpcError> {
    shell.backup_all().await
}

impl Shell {
    /// Imports one file, read from the disk; see [`import_chat_file`].
    pub async fn import_chat_file(&self, path: &Path) -> ImportReport {
        let mut report = ImportReport::default();
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let read = {
            let path = path.to_path_buf();
            tokio::task::spawn_blocking(move || read_import(&path))
                .await
                .unwrap_or_else(|err| Err(Error::internal(format!("Reading failed: {err}."))))
        };
        let outcome = match read {
            Ok(FileContents::Chat(mut archive, skipped)) => {
                report.skipped = skipped
                    .into_iter()
                    .map(|s| SkippedLine {
                        line: u32::try_from(s.line).unwrap_or(u32::MAX),
                        reason: s.reason,
                    })
                    .collect();
                if archive.title.trim().is_empty() {
                    archive.title = title_from_file_name(&file_name);
                }
                self.engine()
                    .import_archive(archive)
                    .await
                    .map(|chat| report.chats.push(chat))
            }
            Ok(FileContents::Backup(backup)) => self.restore(backup, &mut report).await,
            Err(error) => Err(error),
        };
        if let Err(error) = outcome {
            tracing::info!("import of {file_name} stopped: {}", error.message);
            report.error = Some(error.message);
        }
        report
    }

    /// Brings back a backup (the core's [`Engine::restore_backup`]) into `report`.
    ///
    /// [`Engine::restore_backup`]: switchboard_core::Engine::restore_backup
    async fn restore(&self, backup: json::Backup, report: &mut ImportReport) -> Result<()> {
        let restored = self.engine().restore_backup(backup).await;
        report.chats.extend(restored.chats);
        report
            .profiles
            .extend(restored.profiles.into_iter().map(|p| p.name));
        report.skipped_profiles.extend(restored.skipped_profiles);
        if !report.profiles.is_empty() {
            self.profiles_changed().await;
        }
        restored.stopped.map_or(Ok(()), Err)
    }

    /// Writes a chat into the export folder; see [`export_chat`].
    pub async fn export_chat(
        &self,
        chat_id: String,
        format: ExportFormat,
    ) -> Result<ExportedFile, IpcError> {
        let id = ChatId(chat_id);
        let chat = existing_chat(self, &id).await?;
        let archive = self.engine().archive(&id).await?;
        let path = write_new(
            &self.export_dir()?,
            &file_stem(&chat.title),
            format.extension(),
            &format.write(&archive),
        )?;
        Ok(ExportedFile {
            path: path.display().to_string(),
        })
    }

    /// Writes every chat and profile (no keys) into one backup file; see [`backup_all`].
    pub async fn backup_all(&self) -> Result<ExportedFile, IpcError> {
        let backup = self.engine().backup().await?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let stamp = minute_utc(now);
        let day = stamp.split(' ').next().unwrap_or("backup");
        let path = write_new(
            &self.export_dir()?,
            &format!("switchboard-backup-{day}"),
            "json",
            &json::write_backup(&backup),
        )?;
        Ok(ExportedFile {
            path: path.display().to_string(),
        })
    }
}

/// A title for a chat from a file that gives none: the file's name without its extension.
fn title_from_file_name(file_name: &str) -> String {
    let stem = Path::new(file_name)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .trim();
    if stem.is_empty() {
        "Imported chat".to_string()
    } else {
        stem.to_string()
    }
}

/// A file name (without extension) from a chat title, safe on every system: no path
/// separators, reserved characters or control characters, at most [`MAX_STEM_CHARS`].
pub fn file_stem(title: &str) -> String {
    const RESERVED: [&str; 22] = [
        "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
        "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    ];
    let cleaned: String = title
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let words = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    let short: String = words
        .trim_start_matches('.')
        .chars()
        .take(MAX_STEM_CHARS)
        .collect();
    let stem = short.trim_end_matches(['.', ' ']).trim_start();
    if stem.is_empty() {
        "chat".to_string()
    } else if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(stem)) {
        format!("{stem} chat")
    } else {
        stem.to_string()
    }
}

/// Writes `text` to a new file `stem.ext` in `dir` (created when missing), or `stem (2).ext`,
/// `stem (3).ext`, … when the name is taken: an existing file is never overwritten. The file is
/// readable by its owner only (`0600`), whatever the umask.
pub fn write_new(dir: &Path, stem: &str, ext: &str, text: &str) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|err| {
        Error::storage(format!(
            "Could not create the folder {}: {err}.",
            dir.display()
        ))
    })?;
    for n in 1..=10_000u32 {
        let name = if n == 1 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem} ({n}).{ext}")
        };
        let path = dir.join(name);
        match files::create_new_private(&path) {
            Ok(mut file) => {
                return match file
                    .write_all(text.as_bytes())
                    .and_then(|()| file.sync_all())
                {
                    Ok(()) => Ok(path),
                    Err(err) => {
                        drop(file);
                        let _ = std::fs::remove_file(&path);
                        Err(Error::storage(format!(
                            "Could not write {}: {err}.",
                            path.display()
                        )))
                    }
                };
            }
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(err) => {
                return Err(Error::storage(format!(
                    "Could not create {}: {err}.",
                    path.display()
                )))
            }
        }
    }
    Err(Error::storage(format!(
        "{} holds too many files named \"{stem}\"; choose another folder.",
        dir.display()
    )))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn file_names_from_titles_are_safe() {
        assert_eq!(
            file_stem("Rust lifetimes, gently"),
            "Rust lifetimes, gently"
        );
        assert_eq!(file_stem("a/b\\c: d?*\"<x>|"), "a b c d x");
        assert_eq!(file_stem("  ..hidden.  "), "hidden");
        assert_eq!(file_stem("line\nbreak\ttab"), "line break tab");
        assert_eq!(file_stem(""), "chat");
        assert_eq!(file_stem("///"), "chat");
        assert_eq!(file_stem("con"), "con chat");
        assert_eq!(file_stem(&"x".repeat(200)).chars().count(), MAX_STEM_CHARS);
        assert_eq!(file_stem("Ünïcödé ✓"), "Ünïcödé ✓");
    }

    #[test]
    fn a_file_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("not yet there");
        let first = write_new(&folder, "Chat", "md", "one").unwrap();
        let second = write_new(&folder, "Chat", "md", "two").unwrap();
        let third = write_new(&folder, "Chat", "md", "three").unwrap();
        assert_eq!(first, folder.join("Chat.md"));
        assert_eq!(second, folder.join("Chat (2).md"));
        assert_eq!(third, folder.join("Chat (3).md"));
        assert_eq!(std::fs::read_to_string(first).unwrap(), "one");
        assert_eq!(std::fs::read_to_string(second).unwrap(), "two");
        let other = write_new(&folder, "Chat", "jsonl", "four").unwrap();
        assert_eq!(other, folder.join("Chat.jsonl"));
    }

    #[test]
    fn a_file_without_a_name_gets_one() {
        assert_eq!(
            title_from_file_name("Seraphina - 2024.jsonl"),
            "Seraphina - 2024"
        );
        assert_eq!(title_from_file_name(""), "Imported chat");
    }
}
