//! Switchboard's desktop app: a thin Tauri v2 shell over `switchboard-core`.
//!
//! - [`commands`]: the typed commands the window calls (one core call each).
//! - [`shell`]: state shared by commands and tray: the engine and the active connection.
//! - [`tray`]: the system-tray menu (quick connect, show/hide, new chat, quit).
//! - [`picker`]: the system's file dialogs: "Import chats…" and where to save an export or a
//!   backup.
//! - [`reveal`]: "Show in folder" for a file saved from the window.
//! - [`navigation`]: keeps the window on the app's own pages (no navigation away, no new window).
//! - [`bindings`]: the tauri-specta builder and the export of `ui/src/bindings.ts`.
//! - [`multicall`]: whether the binary runs as the app or as `switchboard-cli`.
//! - [`theme`]: the saved theme, marked on the page before its first paint.

pub mod bindings;
pub mod commands;
pub mod multicall;
pub mod navigation;
pub mod picker;
pub mod reveal;
pub mod shell;
pub mod theme;
pub mod tray;

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use switchboard_core::http::HttpConfig;
use switchboard_core::secrets::KeyringStore;
use switchboard_core::store::Theme;
use switchboard_core::{default_data_dir, Engine, EngineConfig};
use tauri::tray::TrayIconBuilder;
use tauri::webview::PageLoadEvent;
use tauri::{AppHandle, Manager, RunEvent, WebviewWindowBuilder, WindowEvent};
use tauri_specta::Event as _;

use commands::settings::StartupProblem;
use shell::{Notice, ProfilesChanged, Shell, TrayAction};
use tray::TrayCommand;

/// The main window's label.
pub const MAIN_WINDOW: &str = "main";

/// Whether closing the window hides it to the tray (only when a tray can show the icon).
struct CloseToTray(AtomicBool);

/// Starts the app; returns when it quits.
pub fn run() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SWITCHBOARD_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();

    let Some(data_dir) = default_data_dir() else {
        eprintln!("Switchboard cannot find a data directory: set SWITCHBOARD_DATA_DIR.");
        return ExitCode::FAILURE;
    };
    // Without its data the app still opens its window, to say why it cannot go on.
    let (engine, problem) = match Engine::open(EngineConfig {
        data_dir,
        http: HttpConfig::default().with_env_overrides(),
        secret_store: Arc::new(KeyringStore::new()),
        keychain_timeout: Duration::from_secs(10),
    }) {
        Ok(engine) => (Some(Arc::new(engine)), None),
        Err(error) => {
            eprintln!("Switchboard cannot start: {}", error.message);
            (None, Some(error.message))
        }
    };

    // The window's first paint already has the saved colours (read before the window opens).
    let theme = engine
        .as_ref()
        .and_then(|engine| tauri::async_runtime::block_on(engine.settings()).ok())
        .map(|settings| settings.theme)
        .unwrap_or_default();

    let started = problem.is_none();
    let specta = bindings::builder::<tauri::Wry>();
    let invoke_handler = specta.invoke_handler();
    let app = tauri::Builder::default()
        // First: a second launch hands over to the running app, which shows its window.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            show_main_window(app);
        }))
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(invoke_handler)
        .manage(StartupProblem(problem))
        .setup(move |app| {
            specta.mount_events(app);
            open_main_window(app.handle(), theme)?;
            if let Some(engine) = engine {
                setup(app.handle(), engine)?;
            }
            Ok(())
        })
        .on_window_event(|window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                let app = window.app_handle();
                let to_tray = app
                    .try_state::<CloseToTray>()
                    .is_some_and(|c| c.0.load(Ordering::Relaxed));
                if window.label() == MAIN_WINDOW && to_tray {
                    api.prevent_close();
                    let _ = window.hide();
                    refresh_tray(app);
                }
            }
        })
        .build(context());
    let app = match app {
        Ok(app) => app,
        Err(error) => {
            eprintln!("Switchboard cannot open its window: {error}");
            return ExitCode::FAILURE;
        }
    };
    app.run(|app, event| {
        if let RunEvent::Exit = event {
            // Replies still streaming are saved as "interrupted" before the process ends.
            if let Some(shell) = app.try_state::<Shell>() {
                tauri::async_runtime::block_on(shell.shutdown(Duration::from_secs(2)));
            }
        }
    });
    if started {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The app's configuration, assets and permissions, compiled in (tests build mock apps with it
/// so commands go through the same access control as in the app).
pub fn context<R: tauri::Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

/// Opens the main window as `tauri.conf.json` describes it (with `"create": false`, so it is
/// made only here), guarded by [`navigation::guard`], with [`theme::startup_script`] run before
/// the page's own scripts.
///
/// The window is created hidden and shown once its page has loaded. Shown at once, GTK asks the
/// web view to draw before WebKit's web process is ready to paint; WebKitGTK then blocks the
/// main thread for up to 500 ms waiting for the web process's first backing store, and the page
/// (whose requests this thread answers) waits with it: about half of all launches lost half a
/// second that way before the page even started loading.
fn open_main_window(app: &AppHandle, theme: Theme) -> tauri::Result<()> {
    let mut config = app
        .config()
        .app
        .windows
        .iter()
        .find(|window| window.label == MAIN_WINDOW)
        .cloned()
        .ok_or(tauri::Error::WindowNotFound)?;
    let show = config.visible;
    config.visible = false;
    let pages = navigation::OwnPages::of_this_build(app.config());
    let shown = Arc::new(AtomicBool::new(!show));
    navigation::guard(WebviewWindowBuilder::from_config(app, &config)?, app, pages)
        .initialization_script(theme::startup_script(theme))
        .on_page_load(move |window, payload| {
            if payload.event() == PageLoadEvent::Finished && !shown.swap(true, Ordering::Relaxed) {
                let _ = window.show();
                refresh_tray(window.app_handle());
            }
        })
        .build()?;
    Ok(())
}

fn setup(app: &AppHandle, engine: Arc<Engine>) -> tauri::Result<()> {
    let handle = app.clone();
    // The save dialog opens in Downloads (the home folder when there is none).
    let downloads = app
        .path()
        .download_dir()
        .or_else(|_| app.path().home_dir())
        .ok();
    let picking = app.clone();
    let picking_key = app.clone();
    let picking_attachments = app.clone();
    let saving = app.clone();
    app.manage(
        Shell::new(engine, move |notice| on_notice(&handle, notice))
            .with_downloads(downloads)
            .with_picker(Arc::new(move || picker::choose_chat_files(&picking)))
            .with_key_file_picker(Arc::new(move || picker::choose_key_file(&picking_key)))
            .with_attachment_picker(Arc::new(move || {
                picker::choose_attachment_files(&picking_attachments)
            }))
            .with_saving(
                Arc::new(move |request| picker::choose_save_path(&saving, request)),
                Arc::new(|path: &std::path::Path| reveal::show_in_folder(path)),
            ),
    );
    app.manage(CloseToTray(AtomicBool::new(tray::host_available())));

    let mut tray = TrayIconBuilder::with_id(tray::TRAY_ID)
        .tooltip("Switchboard")
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()));
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    // Without a tray host this still succeeds and shows nothing; the app works without it.
    if let Err(error) = tray.build(app) {
        tracing::warn!("no tray icon: {error}");
    }
    refresh_tray(app);
    Ok(())
}

fn on_notice(app: &AppHandle, notice: Notice) {
    let sent = match notice {
        Notice::Connection(connection) => connection.emit(app),
        Notice::ProfilesChanged => ProfilesChanged {}.emit(app),
        Notice::Quit => {
            app.exit(0);
            return;
        }
    };
    if let Err(error) = sent {
        tracing::warn!("could not notify the window: {error}");
    }
    refresh_tray(app);
}

fn main_window_visible(app: &AppHandle) -> bool {
    app.get_webview_window(MAIN_WINDOW)
        .and_then(|w| w.is_visible().ok())
        .unwrap_or(false)
}

fn show_main_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Rebuilds the tray menu and tooltip from the saved profiles and the active connection.
fn refresh_tray(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let Some(shell) = app.try_state::<Shell>() else {
            return;
        };
        let profiles = shell.engine().profiles().await.unwrap_or_default();
        let model = tray::model(&profiles, &shell.connection(), main_window_visible(&app));
        let Some(icon) = app.tray_by_id(tray::TRAY_ID) else {
            return;
        };
        match tray::render(&app, &model) {
            Ok(menu) => {
                let _ = icon.set_menu(Some(menu));
                let _ = icon.set_tooltip(Some(&model.tooltip));
            }
            Err(error) => tracing::warn!("could not build the tray menu: {error}"),
        }
    });
}

fn on_menu(app: &AppHandle, id: &str) {
    let Some(command) = tray::command(id) else {
        return;
    };
    let sent = match command {
        TrayCommand::Connect(profile_id) => {
            show_main_window(app);
            TrayAction::Connect { profile_id }.emit(app)
        }
        TrayCommand::NewChat => {
            show_main_window(app);
            TrayAction::NewChat.emit(app)
        }
        TrayCommand::ToggleWindow => {
            if main_window_visible(app) {
                if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
                    let _ = window.hide();
                }
            } else {
                show_main_window(app);
            }
            refresh_tray(app);
            Ok(())
        }
        TrayCommand::Quit => {
            app.exit(0);
            Ok(())
        }
    };
    if let Err(error) = sent {
        tracing::warn!("could not send the tray action: {error}");
    }
}
