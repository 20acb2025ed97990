//! Chats in and out of the window: import SillyTavern chat files and Switchboard's own chat
//! files and backups, export one chat (SillyTavern JSONL, Markdown or Switchboard JSON) or back
//! up everything, each saved where the person says in the system's save dialog, and show a
//! saved file in its folder.
//!
//! The window never sends a file's text: it asks for files with [`choose_import_files`] (the
//! system's file dialog) and passes each chosen path to [`import_chat_file`], which reads it
//! with the core, size limit included. A path the person did not choose is refused, so the
//! page cannot make the app read other files; likewise an export is written only where the
//! save dialog says, and only a file saved from the window can be shown in its folder.
//! Files are told apart as `switchboard-cli chats import` does, with the same core readers; a
//! backup also brings back its profiles (never with keys), except those whose name is taken.
//! A backup's chats that are already here (the same id) are not imported until the window says
//! whether to skip or replace them ([`ImportReport::already_here`]).
//! A save replaces the file chosen only after the dialog asked the person, and then whole
//! (written beside it, then renamed over it): never half a file.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use specta::Type;
use switchboard_core::engine::{ExistingChats, SkippedProfile};
use switchboard_core::store::{files, Chat};
use switchboard_core::transfer::files::read_import;
use switchboard_core::transfer::{json, markdown, minute_utc, sillytavern, FileContents};
use switchboard_core::{ChatId, Error, ErrorKind, Result};
use tauri::State;

use super::chat::existing_chat;
use super::IpcError;
use crate::picker::{FileFilter, SaveRequest};
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
    /// How many of a backup's chats are already here (the same id) when no choice was given:
    /// then nothing was imported; ask "skip or replace", and import the file again with it.
    pub already_here: u32,
    /// Titles of the chats here that the backup's copies replaced.
    pub replaced: Vec<String>,
    /// Titles of the chats here that the backup also holds, left as they were (skipped).
    pub skipped_chats: Vec<String>,
    /// Why the file (or the rest of it) could not be imported; `null` when all went well.
    pub error: Option<String>,
    /// How many images and files of a SillyTavern chat live on the SillyTavern server (linked,
    /// not in the file), so were not imported.
    pub on_server: u32,
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

    /// What the save dialog's file-type list says for it.
    fn filter(self) -> FileFilter {
        let label = match self {
            ExportFormat::Sillytavern => "SillyTavern chat",
            ExportFormat::Markdown => "Markdown",
            ExportFormat::Json => "Switchboard chat",
        };
        FileFilter::extension(label, self.extension())
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
/// names already taken). A backup whose chats are partly here already is imported only with
/// `existing` (skip or replace them); without it the report says how many are here
/// (`alreadyHere`) and nothing is imported. A file that cannot be read (too large, not a chat
/// file, …) is reported in `error`, not as a failed command; a path that was not chosen is
/// refused.
#[tauri::command]
#[specta::specta]
pub async fn import_chat_file(
    shell: State<'_, Shell>,
    path: String,
    existing: Option<ExistingChats>,
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
    Ok(shell.import_chat_file(&path, existing).await)
}

/// Asks where to save a chat (the save dialog, suggesting its title as the file name, in the
/// Downloads folder) and writes it there; `null` when the person cancels (nothing written).
#[tauri::command]
#[specta::specta]
pub async fn export_chat(
    shell: State<'_, Shell>,
    chat_id: String,
    format: ExportFormat,
) -> Result<Option<ExportedFile>, IpcError> {
    shell.export_chat(chat_id, format).await
}

/// Asks where to save a backup of every chat and every profile (never a key), then writes it;
/// `null` when the person cancels. Importing it brings them back.
#[tauri::command]
#[specta::specta]
pub async fn backup_all(shell: State<'_, Shell>) -> Result<Option<ExportedFile>, IpcError> {
    shell.backup_all().await
}

/// Shows a file saved from the window in its folder (the file manager with the file selected,
/// else the folder opened). Any other path is refused.
#[tauri::command]
#[specta::specta]
pub async fn show_in_folder(shell: State<'_, Shell>, path: String) -> Result<(), IpcError> {
    shell.show_in_folder(Path::new(&path)).await
}

impl Shell {
    /// Imports one file, read from the disk; see [`import_chat_file`].
    pub async fn import_chat_file(
        &self,
        path: &Path,
        existing: Option<ExistingChats>,
    ) -> ImportReport {
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
                report.on_server =
                    u32::try_from(sillytavern::on_server(&archive)).unwrap_or(u32::MAX);
                self.engine()
                    .import_archive(archive)
                    .await
                    .map(|chat| report.chats.push(chat))
            }
            Ok(FileContents::Backup(backup)) => self.restore(backup, existing, &mut report).await,
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
    async fn restore(
        &self,
        backup: json::Backup,
        existing: Option<ExistingChats>,
        report: &mut ImportReport,
    ) -> Result<()> {
        let existing = match existing {
            Some(existing) => existing,
            None => {
                let here = self.engine().chats_already_here(&backup).await?;
                if !here.is_empty() {
                    report.already_here = u32::try_from(here.len()).unwrap_or(u32::MAX);
                    return Ok(());
                }
                ExistingChats::Skip
            }
        };
        let restored = self.engine().restore_backup(backup, existing).await;
        report.chats.extend(restored.chats);
        report
            .replaced
            .extend(restored.replaced.into_iter().map(|c| c.title));
        report
            .skipped_chats
            .extend(restored.skipped_chats.into_iter().map(|c| c.title));
        report
            .profiles
            .extend(restored.profiles.into_iter().map(|p| p.name));
        report.skipped_profiles.extend(restored.skipped_profiles);
        if !report.profiles.is_empty() {
            self.profiles_changed().await;
        }
        restored.stopped.map_or(Ok(()), Err)
    }

    /// Asks where, then writes a chat there; see [`export_chat`].
    pub async fn export_chat(
        &self,
        chat_id: String,
        format: ExportFormat,
    ) -> Result<Option<ExportedFile>, IpcError> {
        let id = ChatId(chat_id);
        let chat = existing_chat(self, &id).await?;
        let request = SaveRequest {
            title: "Export chat".into(),
            folder: self.export_dir().ok(),
            name: format!("{}.{}", file_stem(&chat.title), format.extension()),
            filter: format.filter(),
        };
        let Some(path) = self.choose_save_path(request).await? else {
            return Ok(None);
        };
        let archive = self.engine().archive(&id).await?;
        self.save(path, format.write(&archive)).await.map(Some)
    }

    /// Asks where, then writes every chat and profile (no keys) there; see [`backup_all`].
    pub async fn backup_all(&self) -> Result<Option<ExportedFile>, IpcError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let stamp = minute_utc(now);
        let day = stamp.split(' ').next().unwrap_or("backup");
        let request = SaveRequest {
            title: "Back up everything".into(),
            folder: self.export_dir().ok(),
            name: format!("switchboard-backup-{day}.json"),
            filter: FileFilter::extension("Switchboard backup", "json"),
        };
        let Some(path) = self.choose_save_path(request).await? else {
            return Ok(None);
        };
        let backup = self.engine().backup().await?;
        self.save(path, json::write_backup(&backup)).await.map(Some)
    }

    /// Writes `text` to `path` (see [`write_whole`]) and notes it for "Show in folder".
    async fn save(&self, path: PathBuf, text: String) -> Result<ExportedFile> {
        let written = path.clone();
        tokio::task::spawn_blocking(move || write_whole(&written, &text))
            .await
            .map_err(|err| Error::internal(format!("Writing the file stopped: {err}.")))??;
        self.remember_saved(&path);
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

/// Writes `text` to `path` whole, readable by its owner only (`0600`) whatever the umask: into
/// a new file beside it first, then renamed over it, so a failed write leaves the file that was
/// there (if any) as it was and no half-written file behind.
pub fn write_whole(path: &Path, text: &str) -> Result<()> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| Error::storage(format!("{} names no file.", path.display())))?;
    let failed = |what: &str, err: std::io::Error| {
        Error::storage(format!("Could not {what} {}: {err}.", path.display()))
    };
    for n in 0..100u32 {
        let partial = folder.join(format!(".{name}.{}-{n}.partial", std::process::id()));
        let mut file = match files::create_new_private(&partial) {
            Ok(file) => file,
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(err) => return Err(failed("write", err)),
        };
        let written = file
            .write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .and_then(|()| std::fs::rename(&partial, path));
        drop(file);
        return written.map_err(|err| {
            let _ = std::fs::remove_file(&partial);
            failed("write", err)
        });
    }
    Err(Error::storage(format!(
        "Could not write {}: its folder is full of unfinished saves.",
        path.display()
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
    fn a_save_is_private_whole_and_replaces_the_file_chosen() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("A chat.jsonl");
        std::fs::write(&path, "the older file, readable by all").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_whole(&path, "new text").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new text");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["A chat.jsonl"], "nothing else is left behind");
        // A folder that is not there: an error naming the file, nothing written.
        let nowhere = dir.path().join("missing").join("x.json");
        let err = write_whole(&nowhere, "x").unwrap_err();
        assert!(err.message.contains("x.json"), "{}", err.message);
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
