//! Files to import, from the disk: which files a list of paths names (the `.jsonl` and `.json`
//! files of a folder; its symbolic links skipped and named), and a file's text, checked against
//! [`MAX_IMPORT_BYTES`] before a byte of it is read.
//!
//! This module reads only what it is pointed at and never writes. It does not parse: what it
//! reads goes to [`super::read_file`]. Its messages speak of "the file" / "it";
//! callers put the path in front.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{read_file, FileContents};
use crate::error::{Error, ErrorKind};

/// The largest file imported: 256 MiB.
pub const MAX_IMPORT_BYTES: u64 = 256 * 1024 * 1024;

/// Why a [`Found::Link`] was left out, for people.
pub const LINK_SKIPPED: &str = "a symbolic link inside the folder (not followed)";

/// What a path given to import stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A file to read; `in_folder` when it was found in a folder rather than named.
    File {
        /// Where it is.
        path: PathBuf,
        /// Found in a folder that was given.
        in_folder: bool,
    },
    /// A symbolic link inside a folder: left out on purpose, not followed.
    Link {
        /// Where the link is.
        path: PathBuf,
    },
    /// Left out, and why (a folder that cannot be read or holds no chat files).
    Skipped {
        /// What was left out.
        path: PathBuf,
        /// Why, for people.
        reason: String,
    },
}

/// The files to import from `paths`: a file is taken as named (even through a link the person
/// gave); a folder gives its `.jsonl` and `.json` files, sorted, and its symbolic links are not
/// followed but listed as [`Found::Link`], so that a folder cannot pull in files from
/// elsewhere unseen.
pub fn import_files(paths: &[PathBuf]) -> Vec<Found> {
    let mut out = Vec::new();
    for path in paths {
        if !path.is_dir() {
            out.push(Found::File {
                path: path.clone(),
                in_folder: false,
            });
            continue;
        }
        let entries = match fs::read_dir(path) {
            Ok(entries) => entries,
            Err(err) => {
                out.push(Found::Skipped {
                    path: path.clone(),
                    reason: format!("cannot read the folder: {err}"),
                });
                continue;
            }
        };
        let mut files = Vec::new();
        let mut links = Vec::new();
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let found = entry.path();
            if kind.is_symlink() {
                links.push(found);
            } else if kind.is_file() && is_chat_file_name(&found) {
                files.push(found);
            }
        }
        files.sort();
        links.sort();
        if files.is_empty() && links.is_empty() {
            out.push(Found::Skipped {
                path: path.clone(),
                reason: "the folder has no .jsonl or .json files".into(),
            });
        }
        out.extend(links.into_iter().map(|path| Found::Link { path }));
        out.extend(files.into_iter().map(|path| Found::File {
            path,
            in_folder: true,
        }));
    }
    out
}

fn is_chat_file_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("jsonl") || e.eq_ignore_ascii_case("json"))
}

/// The text of a file to import. Refused before reading when it is larger than
/// [`MAX_IMPORT_BYTES`] or is not a regular file (a folder, a device, a pipe), and when it is
/// not UTF-8.
pub fn read_text(path: &Path) -> Result<String, Error> {
    let refused = |message: String| Error::new(ErrorKind::InvalidRequest, message);
    let meta = fs::metadata(path).map_err(|err| refused(format!("cannot read it: {err}")))?;
    if meta.is_dir() {
        return Err(refused("it is a directory, not a file".into()));
    }
    if !meta.is_file() {
        return Err(refused("it is not a regular file".into()));
    }
    if meta.len() > MAX_IMPORT_BYTES {
        return Err(too_large(meta.len()));
    }
    let file = fs::File::open(path).map_err(|err| refused(format!("cannot read it: {err}")))?;
    // The file may have grown since it was measured: never read past the limit.
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(MAX_IMPORT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| refused(format!("cannot read it: {err}")))?;
    if bytes.len() as u64 > MAX_IMPORT_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|err| {
        refused(format!(
            "it is not UTF-8 text (byte {})",
            err.utf8_error().valid_up_to()
        ))
    })
}

fn too_large(len: u64) -> Error {
    Error::new(
        ErrorKind::InvalidRequest,
        format!(
            "it is {:.1} MiB, larger than the {} MiB Switchboard imports; split it or import \
             its chats one by one",
            len as f64 / (1024.0 * 1024.0),
            MAX_IMPORT_BYTES / (1024 * 1024)
        ),
    )
}

/// Reads a file to import from the disk (see [`read_text`]) and tells what it holds (see
/// [`read_file`]).
pub fn read_import(path: &Path) -> Result<FileContents, Error> {
    read_file(&read_text(path)?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;

    const CHAT: &str = "{\"user_name\":\"You\",\"character_name\":\"Bot\"}\n\
                        {\"name\":\"You\",\"is_user\":true,\"mes\":\"hello\"}\n";

    #[test]
    fn a_file_over_the_limit_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.jsonl");
        // Sparse: as large as it says, without taking the disk space.
        let file = fs::File::create(&path).unwrap();
        file.set_len(MAX_IMPORT_BYTES + 1).unwrap();
        let err = read_import(&path).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidRequest);
        assert!(err.message.contains("256.0 MiB"), "{}", err.message);
        assert!(
            err.message.contains("larger than the 256 MiB"),
            "{}",
            err.message
        );
    }

    #[test]
    fn devices_and_folders_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_text(Path::new("/dev/zero")).unwrap_err();
        assert!(
            err.message.contains("not a regular file"),
            "{}",
            err.message
        );
        let err = read_text(dir.path()).unwrap_err();
        assert!(err.message.contains("a directory"), "{}", err.message);
        let err = read_text(&dir.path().join("missing.jsonl")).unwrap_err();
        assert!(err.message.starts_with("cannot read it"), "{}", err.message);
    }

    #[cfg(unix)]
    #[test]
    fn links_inside_a_folder_are_skipped_and_named() {
        let root = tempfile::tempdir().unwrap();
        let folder = root.path().join("chats");
        fs::create_dir(&folder).unwrap();
        fs::write(folder.join("b.jsonl"), CHAT).unwrap();
        fs::write(folder.join("a.json"), "{}").unwrap();
        fs::write(folder.join("notes.txt"), "no").unwrap();
        let secret = root.path().join("elsewhere.jsonl");
        fs::write(&secret, CHAT).unwrap();
        std::os::unix::fs::symlink(&secret, folder.join("linked.jsonl")).unwrap();
        std::os::unix::fs::symlink(root.path(), folder.join("up")).unwrap();
        let found = import_files(&[folder.clone(), secret.clone()]);
        let link = |name: &str| Found::Link {
            path: folder.join(name),
        };
        let file = |path: PathBuf, in_folder| Found::File { path, in_folder };
        assert_eq!(
            found,
            vec![
                link("linked.jsonl"),
                link("up"),
                file(folder.join("a.json"), true),
                file(folder.join("b.jsonl"), true),
                // Named by the person: taken as given.
                file(secret, false),
            ]
        );
        assert!(matches!(
            read_import(&folder.join("b.jsonl")).unwrap(),
            FileContents::Chat(chat, _) if chat.messages.len() == 1
        ));
    }

    #[test]
    fn an_empty_or_unreadable_folder_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let found = import_files(&[dir.path().to_path_buf()]);
        assert!(
            matches!(&found[..], [Found::Skipped { reason, .. }] if reason.contains("no .jsonl")),
            "{found:?}"
        );
    }
}
