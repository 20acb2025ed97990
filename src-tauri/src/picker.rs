//! The system's file dialogs: "Import chats…" (open, several files, with filters for what the
//! import reads), files to attach to a message (open, several files: images, text and code,
//! PDF), a Vertex AI service account's key file (open, one JSON file) and "where to save" for an export or a backup (save, with the suggested name,
//! the folder to start in, the format's filter and a confirmation before replacing a file).
//!
//! Both are GTK's native file chooser (the desktop portal's dialog where GTK is told to use one),
//! over the main window, so opening and saving look and behave alike. The dialog lives on the
//! main thread, where GTK must be used; the caller waits on a blocking thread for the answer.
//!
//! Must not: open, read or write the files chosen (the shell and the core do, with the core's
//! size limit); decide a file's name or contents (the caller suggests the name).

use std::path::PathBuf;

use switchboard_core::{Error, Result};
use tauri::AppHandle;

/// One entry of a dialog's file-type list: what it says and the name patterns it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFilter {
    /// What the list says, e.g. `SillyTavern chats (.jsonl)`.
    pub name: String,
    /// Shell-style patterns (`*.jsonl`); `*` shows every file.
    pub patterns: Vec<String>,
}

impl FileFilter {
    fn new(name: &str, patterns: &[&str]) -> FileFilter {
        FileFilter {
            name: name.to_string(),
            patterns: patterns.iter().map(|p| (*p).to_string()).collect(),
        }
    }

    /// Files ending in `.ext` (either case), named `Label (.ext)`.
    pub fn extension(label: &str, ext: &str) -> FileFilter {
        FileFilter::new(
            &format!("{label} (.{ext})"),
            &[&format!("*.{ext}"), &format!("*.{}", ext.to_uppercase())],
        )
    }

    /// Every file.
    pub fn all_files() -> FileFilter {
        FileFilter::new("All files", &["*"])
    }
}

/// The file types "Import chats…" offers, the first chosen at first: everything the import
/// reads, SillyTavern's chat files, Switchboard's own files, and any file.
pub fn import_filters() -> Vec<FileFilter> {
    vec![
        FileFilter::new(
            "Chat files (.jsonl, .json)",
            &["*.jsonl", "*.json", "*.JSONL", "*.JSON"],
        ),
        FileFilter::extension("SillyTavern chats", "jsonl"),
        FileFilter::extension("Switchboard exports and backups", "json"),
        FileFilter::all_files(),
    ]
}

/// The images that can be attached.
const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "webp", "gif"];

/// The text and code files that can be attached (any UTF-8 text can; these are listed).
const TEXT_EXTENSIONS: &[&str] = &[
    "txt", "md", "markdown", "csv", "tsv", "json", "jsonl", "xml", "yaml", "yml", "toml", "ini",
    "log", "html", "css", "js", "mjs", "ts", "tsx", "jsx", "py", "rs", "go", "java", "kt", "c",
    "h", "cpp", "hpp", "cs", "rb", "php", "sh", "sql", "swift", "lua", "r",
];

/// Both cases of each extension, as patterns.
fn patterns(extensions: &[&str]) -> Vec<String> {
    extensions
        .iter()
        .flat_map(|ext| [format!("*.{ext}"), format!("*.{}", ext.to_uppercase())])
        .collect()
}

/// The file types "Attach files" offers, the first chosen at first: everything that can be
/// attached, then images, text and code, PDF, and any file.
pub fn attach_filters() -> Vec<FileFilter> {
    let of = |name: &str, extensions: &[&str]| FileFilter {
        name: name.to_string(),
        patterns: patterns(extensions),
    };
    let everything: Vec<&str> = IMAGE_EXTENSIONS
        .iter()
        .chain(TEXT_EXTENSIONS)
        .chain(&["pdf"])
        .copied()
        .collect();
    vec![
        of("Images, text, code and PDF", &everything),
        of("Images (PNG, JPEG, WebP, GIF)", IMAGE_EXTENSIONS),
        of("Text and code", TEXT_EXTENSIONS),
        FileFilter::extension("PDF", "pdf"),
        FileFilter::all_files(),
    ]
}

/// Shows "Attach files" and waits for the person; the paths chosen, none when they cancel.
pub fn choose_attachment_files(app: &AppHandle) -> Result<Vec<PathBuf>> {
    platform::run(app, Dialog::Attach)
}

/// What the save dialog shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveRequest {
    /// The dialog's title (and its window's name).
    pub title: String,
    /// The folder it opens in, when there is one.
    pub folder: Option<PathBuf>,
    /// The file name it suggests, extension included.
    pub name: String,
    /// The file type it lists (followed by "All files").
    pub filter: FileFilter,
}

/// Shows "Import chats" and waits for the person; the paths chosen, none when they cancel.
pub fn choose_chat_files(app: &AppHandle) -> Result<Vec<PathBuf>> {
    platform::run(app, Dialog::Open)
}

/// Shows "Choose the service account's key file" (one JSON file) and waits for the person; the
/// path chosen, `None` when they cancel.
pub fn choose_key_file(app: &AppHandle) -> Result<Option<PathBuf>> {
    Ok(platform::run(app, Dialog::KeyFile)?.into_iter().next())
}

/// The file types the key-file dialog offers: Google's JSON key files, and any file.
pub fn key_file_filters() -> Vec<FileFilter> {
    vec![
        FileFilter::extension("Service account keys", "json"),
        FileFilter::all_files(),
    ]
}

/// Shows the save dialog and waits for the person; the path chosen, `None` when they cancel.
pub fn choose_save_path(app: &AppHandle, request: SaveRequest) -> Result<Option<PathBuf>> {
    Ok(platform::run(app, Dialog::Save(request))?
        .into_iter()
        .next())
}

enum Dialog {
    Open,
    Attach,
    KeyFile,
    Save(SaveRequest),
}

#[cfg(target_os = "linux")]
mod platform {
    use gtk::prelude::*;
    use tauri::Manager;

    use super::{attach_filters, import_filters, key_file_filters, Dialog, FileFilter};
    use super::{AppHandle, Error, PathBuf, Result};

    fn gtk_filter(filter: &FileFilter) -> gtk::FileFilter {
        let made = gtk::FileFilter::new();
        made.set_name(Some(&filter.name));
        for pattern in &filter.patterns {
            made.add_pattern(pattern);
        }
        made
    }

    fn build(parent: Option<&gtk::ApplicationWindow>, dialog: &Dialog) -> gtk::FileChooserNative {
        let (title, action, accept) = match dialog {
            Dialog::Open => ("Import chats", gtk::FileChooserAction::Open, "_Import"),
            Dialog::Attach => ("Attach files", gtk::FileChooserAction::Open, "_Attach"),
            Dialog::KeyFile => (
                "Choose the service account's key file",
                gtk::FileChooserAction::Open,
                "_Choose",
            ),
            Dialog::Save(request) => (
                request.title.as_str(),
                gtk::FileChooserAction::Save,
                "_Save",
            ),
        };
        let chooser =
            gtk::FileChooserNative::new(Some(title), parent, action, Some(accept), Some("_Cancel"));
        match dialog {
            Dialog::Open => {
                chooser.set_select_multiple(true);
                for filter in import_filters() {
                    chooser.add_filter(gtk_filter(&filter));
                }
            }
            Dialog::Attach => {
                chooser.set_select_multiple(true);
                for filter in attach_filters() {
                    chooser.add_filter(gtk_filter(&filter));
                }
            }
            Dialog::KeyFile => {
                for filter in key_file_filters() {
                    chooser.add_filter(gtk_filter(&filter));
                }
            }
            Dialog::Save(request) => {
                chooser.set_do_overwrite_confirmation(true);
                if let Some(folder) = request.folder.as_ref().filter(|f| f.is_dir()) {
                    chooser.set_current_folder(folder);
                }
                chooser.set_current_name(&request.name);
                chooser.add_filter(gtk_filter(&request.filter));
                chooser.add_filter(gtk_filter(&FileFilter::all_files()));
            }
        }
        chooser
    }

    /// Shows the dialog on the main thread and waits here for the answer.
    pub(super) fn run(app: &AppHandle, dialog: Dialog) -> Result<Vec<PathBuf>> {
        let (tx, rx) = std::sync::mpsc::channel();
        let handle = app.clone();
        app.run_on_main_thread(move || {
            let parent = handle
                .get_webview_window(crate::MAIN_WINDOW)
                .and_then(|window| window.gtk_window().ok());
            let chooser = build(parent.as_ref(), &dialog);
            // Shown without a nested main loop: the answer arrives as a signal. The dialog is
            // kept alive by its own handler until then.
            let keep = std::rc::Rc::new(std::cell::RefCell::new(None));
            let slot = keep.clone();
            chooser.connect_response(move |chooser, response| {
                let chosen = if response == gtk::ResponseType::Accept {
                    chooser.filenames()
                } else {
                    Vec::new()
                };
                let _ = tx.send(chosen);
                chooser.destroy();
                slot.borrow_mut().take();
            });
            chooser.show();
            *keep.borrow_mut() = Some(chooser);
        })
        .map_err(|err| Error::internal(format!("Could not open the file dialog: {err}.")))?;
        rx.recv()
            .map_err(|_| Error::internal("The file dialog closed without an answer."))
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    use super::{AppHandle, Dialog, Error, PathBuf, Result};

    pub(super) fn run(_app: &AppHandle, _dialog: Dialog) -> Result<Vec<PathBuf>> {
        Err(Error::new(
            switchboard_core::ErrorKind::NotConfigured,
            "The file dialogs need Linux for now; use switchboard-cli to import, export and back up.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_offers_what_it_reads_and_every_file() {
        let filters = import_filters();
        let names: Vec<&str> = filters.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Chat files (.jsonl, .json)",
                "SillyTavern chats (.jsonl)",
                "Switchboard exports and backups (.json)",
                "All files"
            ]
        );
        assert_eq!(filters[1].patterns, ["*.jsonl", "*.JSONL"]);
        assert_eq!(filters[2].patterns, ["*.json", "*.JSON"]);
        assert_eq!(filters[3].patterns, ["*"]);
        assert!(filters[0].patterns.contains(&"*.jsonl".to_string()));
        assert!(filters[0].patterns.contains(&"*.json".to_string()));
    }

    #[test]
    fn attaching_offers_images_text_and_pdf_and_every_file() {
        let filters = attach_filters();
        let names: Vec<&str> = filters.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Images, text, code and PDF",
                "Images (PNG, JPEG, WebP, GIF)",
                "Text and code",
                "PDF (.pdf)",
                "All files"
            ]
        );
        for pattern in [
            "*.png", "*.JPG", "*.webp", "*.gif", "*.md", "*.csv", "*.pdf",
        ] {
            assert!(
                filters[0].patterns.iter().any(|p| p == pattern),
                "{pattern}"
            );
        }
        assert!(filters[1].patterns.contains(&"*.jpeg".to_string()));
        assert!(!filters[1].patterns.contains(&"*.md".to_string()));
        assert!(filters[2].patterns.contains(&"*.rs".to_string()));
        assert_eq!(filters[3].patterns, ["*.pdf", "*.PDF"]);
    }

    #[test]
    fn the_key_file_dialog_offers_json_files_and_every_file() {
        let filters = key_file_filters();
        assert_eq!(filters[0].name, "Service account keys (.json)");
        assert_eq!(filters[0].patterns, vec!["*.json", "*.JSON"]);
        assert_eq!(filters.last(), Some(&FileFilter::all_files()));
    }
}
