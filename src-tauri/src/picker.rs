//! The system's file dialog behind "Import chats…": GTK's native file chooser (the desktop
//! portal's dialog where one runs), over the main window, for SillyTavern `.jsonl` files and
//! Switchboard's `.json` exports and backups, several at once.
//!
//! It only returns the paths chosen: it never opens or reads them (the core does, with its
//! size limit). The dialog lives on the main thread, where GTK must be used; the caller waits
//! on a blocking thread for the answer.

use std::path::PathBuf;

use switchboard_core::{Error, Result};
use tauri::AppHandle;

/// Shows the dialog and waits for the person; the paths chosen, none when they cancel.
#[cfg(target_os = "linux")]
pub fn choose_chat_files(app: &AppHandle) -> Result<Vec<PathBuf>> {
    use gtk::prelude::*;
    use tauri::Manager;

    let (tx, rx) = std::sync::mpsc::channel();
    let handle = app.clone();
    app.run_on_main_thread(move || {
        let parent = handle
            .get_webview_window(crate::MAIN_WINDOW)
            .and_then(|window| window.gtk_window().ok());
        let dialog = gtk::FileChooserNative::new(
            Some("Import chats"),
            parent.as_ref(),
            gtk::FileChooserAction::Open,
            Some("_Import"),
            Some("_Cancel"),
        );
        dialog.set_select_multiple(true);
        let chats = gtk::FileFilter::new();
        chats.set_name(Some("Chat files (.jsonl, .json)"));
        for pattern in ["*.jsonl", "*.json", "*.JSONL", "*.JSON"] {
            chats.add_pattern(pattern);
        }
        dialog.add_filter(chats);
        // Shown without a nested main loop: the answer arrives as a signal. The dialog is kept
        // alive by its own handler until then.
        let keep = std::rc::Rc::new(std::cell::RefCell::new(None));
        let slot = keep.clone();
        dialog.connect_response(move |dialog, response| {
            let chosen = if response == gtk::ResponseType::Accept {
                dialog.filenames()
            } else {
                Vec::new()
            };
            let _ = tx.send(chosen);
            dialog.destroy();
            slot.borrow_mut().take();
        });
        dialog.show();
        *keep.borrow_mut() = Some(dialog);
    })
    .map_err(|err| Error::internal(format!("Could not open the file dialog: {err}.")))?;
    rx.recv()
        .map_err(|_| Error::internal("The file dialog closed without an answer."))
}

/// Shows the dialog and waits for the person (Linux only for now).
#[cfg(not(target_os = "linux"))]
pub fn choose_chat_files(_app: &AppHandle) -> Result<Vec<PathBuf>> {
    Err(Error::new(
        switchboard_core::ErrorKind::NotConfigured,
        "Importing chats from the window needs Linux for now; use switchboard-cli chats import.",
    ))
}
