//! "Show in folder" after a save: the file manager opens its folder with the file selected.
//!
//! On Linux the freedesktop file-manager interface (`org.freedesktop.FileManager1.ShowItems`
//! on the session bus, which Nautilus, Dolphin, Nemo, Caja and Thunar answer) selects the file;
//! where no file manager answers it (or there is no session bus), the folder itself is opened
//! with the system's opener (`xdg-open`). Elsewhere the opener plugin's `reveal_item_in_dir`.
//!
//! Must not: open or run the file itself, or wait long for a bus that does not answer (the call
//! gives up after [`BUS_TIMEOUT`]).

use std::path::Path;
use std::time::Duration;

use switchboard_core::{Error, Result};

/// How long the file manager has to answer before the folder is opened instead.
pub const BUS_TIMEOUT: Duration = Duration::from_secs(3);

/// Shows `path` in its folder; see the module's documentation.
pub fn show_in_folder(path: &Path) -> Result<()> {
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        match show_items(path) {
            Ok(()) => return Ok(()),
            Err(err) => {
                tracing::info!("no file manager showed the file ({err}); opening its folder")
            }
        }
        let folder = path
            .parent()
            .ok_or_else(|| Error::internal("The file has no folder to show."))?;
        tauri_plugin_opener::open_path(folder, None::<&str>)
            .map_err(|err| Error::internal(format!("Could not open the folder: {err}.")))
    }
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    {
        tauri_plugin_opener::reveal_item_in_dir(path)
            .map_err(|err| Error::internal(format!("Could not show the file: {err}.")))
    }
}

/// `file://` URI of an absolute path, as `ShowItems` takes it (spaces and other bytes escaped).
pub fn file_uri(path: &Path) -> Option<String> {
    url::Url::from_file_path(path).ok().map(String::from)
}

#[cfg(all(unix, not(target_os = "macos")))]
fn show_items(path: &Path) -> std::result::Result<(), String> {
    let uri = file_uri(path).ok_or_else(|| "the path is not absolute".to_string())?;
    // Without a bus to reach, libdbus would start one of its own (dbus-launch) and leave it.
    let runtime_bus =
        std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|dir| Path::new(&dir).join("bus").exists());
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() && !runtime_bus {
        return Err("there is no session bus".into());
    }
    let bus = dbus::blocking::Connection::new_session().map_err(|err| err.to_string())?;
    let proxy = bus.with_proxy(
        "org.freedesktop.FileManager1",
        "/org/freedesktop/FileManager1",
        BUS_TIMEOUT,
    );
    proxy
        .method_call::<(), _, _, _>(
            "org.freedesktop.FileManager1",
            "ShowItems",
            (vec![uri], String::new()),
        )
        .map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_escape_what_a_path_may_hold() {
        assert_eq!(
            file_uri(Path::new("/home/you/Downloads/A chat #1 (2).jsonl")).as_deref(),
            Some("file:///home/you/Downloads/A%20chat%20%231%20(2).jsonl")
        );
        assert_eq!(file_uri(Path::new("relative/x.json")), None);
    }
}
