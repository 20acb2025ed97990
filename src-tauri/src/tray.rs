//! The system-tray menu: quick connect to a saved profile, show/hide, new chat, quit.
//!
//! Linux does not deliver clicks on the icon itself, so every action lives in the menu. The
//! menu is described by a plain [`TrayModel`] (tested without a tray host) and rendered into
//! tauri's menu types by [`render`].

use switchboard_core::engine::ProfileSummary;
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::{AppHandle, Runtime};

use crate::shell::{ConnectionChanged, ConnectionState};

/// The id of the app's one tray icon.
pub const TRAY_ID: &str = "main";
/// Menu id prefix of a profile entry; the profile id follows.
pub const PROFILE_PREFIX: &str = "profile:";
/// Menu id of Show/Hide.
pub const TOGGLE_WINDOW: &str = "toggle-window";
/// Menu id of New chat.
pub const NEW_CHAT: &str = "new-chat";
/// Menu id of Quit.
pub const QUIT: &str = "quit";

/// One entry of the tray menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayItem {
    /// A line that cannot be clicked.
    Label(String),
    /// A saved profile: click connects to it; the active one is checked.
    Profile {
        /// Menu id (`profile:<id>`).
        id: String,
        /// The profile's name.
        label: String,
        /// Whether it is the active profile.
        checked: bool,
    },
    /// A command.
    Action {
        /// Menu id.
        id: &'static str,
        /// Text.
        label: String,
    },
    /// A separator.
    Separator,
}

/// The tray's menu and tooltip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayModel {
    /// Menu entries, top to bottom.
    pub items: Vec<TrayItem>,
    /// The tooltip: the connection state in words.
    pub tooltip: String,
}

/// The menu for these profiles, this connection and this window visibility.
pub fn model(
    profiles: &[ProfileSummary],
    connection: &ConnectionChanged,
    window_visible: bool,
) -> TrayModel {
    let mut items = vec![TrayItem::Label("Quick connect".to_string())];
    if profiles.is_empty() {
        items.push(TrayItem::Label("No saved profiles yet".to_string()));
    }
    for summary in profiles {
        let profile = &summary.profile;
        items.push(TrayItem::Profile {
            id: format!("{PROFILE_PREFIX}{}", profile.id.as_str()),
            label: profile.name.clone(),
            checked: connection.profile_id.as_deref() == Some(profile.id.as_str()),
        });
    }
    items.push(TrayItem::Separator);
    items.push(TrayItem::Action {
        id: TOGGLE_WINDOW,
        label: if window_visible {
            "Hide window"
        } else {
            "Show window"
        }
        .to_string(),
    });
    items.push(TrayItem::Action {
        id: NEW_CHAT,
        label: "New chat".to_string(),
    });
    items.push(TrayItem::Separator);
    items.push(TrayItem::Action {
        id: QUIT,
        label: "Quit Switchboard".to_string(),
    });
    TrayModel {
        items,
        tooltip: tooltip(connection),
    }
}

/// The tooltip for a connection state.
pub fn tooltip(connection: &ConnectionChanged) -> String {
    let name = connection.profile_name.as_deref().unwrap_or("profile");
    match connection.state {
        ConnectionState::Idle => "Switchboard — not connected".to_string(),
        ConnectionState::Checking => format!("Switchboard — checking {name}…"),
        ConnectionState::Connected => match &connection.model {
            Some(model) => format!("Switchboard — connected to {name} · {model}"),
            None => format!("Switchboard — connected to {name}"),
        },
        ConnectionState::Failed => {
            format!("Switchboard — {name} is failing: {}", connection.message)
        }
    }
}

/// What a click on the menu entry with this id means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayCommand {
    /// Connect to the profile with this id.
    Connect(String),
    /// Show or hide the window.
    ToggleWindow,
    /// Start a new chat.
    NewChat,
    /// Quit the app.
    Quit,
}

/// Parses a menu id.
pub fn command(menu_id: &str) -> Option<TrayCommand> {
    if let Some(profile) = menu_id.strip_prefix(PROFILE_PREFIX) {
        return Some(TrayCommand::Connect(profile.to_string()));
    }
    match menu_id {
        TOGGLE_WINDOW => Some(TrayCommand::ToggleWindow),
        NEW_CHAT => Some(TrayCommand::NewChat),
        QUIT => Some(TrayCommand::Quit),
        _ => None,
    }
}

/// Builds tauri's menu from the model.
pub fn render<R: Runtime>(app: &AppHandle<R>, model: &TrayModel) -> tauri::Result<Menu<R>> {
    let menu = Menu::new(app)?;
    for item in &model.items {
        match item {
            TrayItem::Label(text) => {
                menu.append(&MenuItem::new(app, text, false, None::<&str>)?)?;
            }
            TrayItem::Profile { id, label, checked } => {
                menu.append(&CheckMenuItem::with_id(
                    app,
                    id,
                    label,
                    true,
                    *checked,
                    None::<&str>,
                )?)?;
            }
            TrayItem::Action { id, label } => {
                menu.append(&MenuItem::with_id(app, *id, label, true, None::<&str>)?)?;
            }
            TrayItem::Separator => {
                menu.append(&PredefinedMenuItem::separator(app)?)?;
            }
        }
    }
    Ok(menu)
}

/// Whether a system tray can show the icon. On Linux that needs a StatusNotifier host on the
/// session bus; without one, closing the window quits instead of hiding to an invisible tray.
#[cfg(all(unix, not(target_os = "macos")))]
pub fn host_available() -> bool {
    use std::time::Duration;
    let Ok(bus) = dbus::blocking::Connection::new_session() else {
        return false;
    };
    let proxy = bus.with_proxy(
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        Duration::from_millis(500),
    );
    let owned: Result<(bool,), _> = proxy.method_call(
        "org.freedesktop.DBus",
        "NameHasOwner",
        ("org.kde.StatusNotifierWatcher",),
    );
    matches!(owned, Ok((true,)))
}

/// Whether a system tray can show the icon (always on macOS and Windows).
#[cfg(not(all(unix, not(target_os = "macos"))))]
pub fn host_available() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_core::catalogue::ProviderKind;
    use switchboard_core::store::Profile;

    fn summary(name: &str) -> ProfileSummary {
        ProfileSummary {
            profile: Profile::new(name, ProviderKind::Custom, "http://127.0.0.1:5001/v1"),
            has_key: false,
        }
    }

    fn profile_entries(model: &TrayModel) -> Vec<(String, bool)> {
        model
            .items
            .iter()
            .filter_map(|item| match item {
                TrayItem::Profile { label, checked, .. } => Some((label.clone(), *checked)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn lists_every_profile_and_checks_only_the_active_one() {
        let profiles = vec![summary("Local"), summary("OpenAI")];
        let mut connection = ConnectionChanged::idle();
        let idle = model(&profiles, &connection, true);
        assert_eq!(
            profile_entries(&idle),
            vec![("Local".into(), false), ("OpenAI".into(), false)]
        );
        assert_eq!(idle.tooltip, "Switchboard — not connected");

        connection.profile_id = Some(profiles[1].profile.id.0.clone());
        connection.profile_name = Some("OpenAI".into());
        connection.state = ConnectionState::Connected;
        connection.model = Some("gpt-4o-mini".into());
        let connected = model(&profiles, &connection, true);
        assert_eq!(
            profile_entries(&connected),
            vec![("Local".into(), false), ("OpenAI".into(), true)]
        );
        assert_eq!(
            connected.tooltip,
            "Switchboard — connected to OpenAI · gpt-4o-mini"
        );
    }

    #[test]
    fn every_action_is_in_the_menu_and_round_trips_through_its_id() {
        let profiles = vec![summary("Local")];
        let hidden = model(&profiles, &ConnectionChanged::idle(), false);
        let commands: Vec<TrayCommand> = hidden
            .items
            .iter()
            .filter_map(|item| match item {
                TrayItem::Profile { id, .. } => command(id),
                TrayItem::Action { id, .. } => command(id),
                _ => None,
            })
            .collect();
        assert_eq!(
            commands,
            vec![
                TrayCommand::Connect(profiles[0].profile.id.0.clone()),
                TrayCommand::ToggleWindow,
                TrayCommand::NewChat,
                TrayCommand::Quit,
            ]
        );
        assert!(hidden.items.contains(&TrayItem::Action {
            id: TOGGLE_WINDOW,
            label: "Show window".into()
        }));
        let shown = model(&profiles, &ConnectionChanged::idle(), true);
        assert!(shown.items.contains(&TrayItem::Action {
            id: TOGGLE_WINDOW,
            label: "Hide window".into()
        }));
        assert_eq!(command("nonsense"), None);
    }

    #[test]
    fn no_profiles_says_so_and_failures_show_in_the_tooltip() {
        let connection = ConnectionChanged {
            profile_id: Some("x".into()),
            profile_name: Some("Local".into()),
            state: ConnectionState::Failed,
            model: None,
            message: "Nothing answers at http://127.0.0.1:5001.".into(),
        };
        let empty = model(&[], &connection, true);
        assert!(empty
            .items
            .contains(&TrayItem::Label("No saved profiles yet".into())));
        assert_eq!(
            empty.tooltip,
            "Switchboard — Local is failing: Nothing answers at http://127.0.0.1:5001."
        );
    }
}
