//! Keeps the window on the app's own pages, decided in Rust whatever the page does: every
//! top-level navigation goes through [`OwnPages::allows`] and every request for a new window is
//! refused. A refusal is logged and reported to the window ([`NavigationRefused`]), which says
//! what was blocked.
//!
//! The app's own pages are `tauri://localhost` (Linux, macOS) and `http(s)://tauri.localhost`
//! (Windows) in a built app, plus the dev server's origin (`build.devUrl`) in a dev build.
//!
//! This module must not open anything itself: links from replies open in the system browser only
//! through the `open_external` command, after the window has checked them with the person.

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::webview::NewWindowResponse;
use tauri::{AppHandle, Runtime, WebviewWindowBuilder};
use tauri_specta::Event as _;
use url::Url;

/// The window was kept from leaving the app's own pages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct NavigationRefused {
    /// Where the page tried to go.
    pub url: String,
    /// `true` for a new window (`window.open`, `target="_blank"`), `false` for the window itself.
    pub new_window: bool,
}

/// Which URLs are the app's own pages.
#[derive(Debug, Clone, Default)]
pub struct OwnPages {
    dev_url: Option<Url>,
}

impl OwnPages {
    /// The built app's pages, and `dev_url`'s origin too when given (dev builds load the UI
    /// from the dev server).
    pub fn new(dev_url: Option<Url>) -> OwnPages {
        OwnPages { dev_url }
    }

    /// The pages of this build: with the dev server only when this is a dev build.
    pub fn of_this_build(config: &tauri::Config) -> OwnPages {
        OwnPages::new(
            tauri::is_dev()
                .then(|| config.build.dev_url.clone())
                .flatten(),
        )
    }

    /// Whether the window may show `url`.
    pub fn allows(&self, url: &Url) -> bool {
        if !url.username().is_empty() || url.password().is_some() {
            return false;
        }
        let host = url.host_str();
        let built = match url.scheme() {
            "tauri" => host == Some("localhost"),
            "http" | "https" => host == Some("tauri.localhost"),
            _ => false,
        } && url.port().is_none();
        built
            || self.dev_url.as_ref().is_some_and(|dev| {
                matches!(dev.scheme(), "http" | "https") && dev.origin() == url.origin()
            })
    }
}

/// `builder` with the guard: navigations away from [`OwnPages`] and every new window are
/// refused, each refusal logged and sent to the window as [`NavigationRefused`].
pub fn guard<'a, R: Runtime, M: tauri::Manager<R>>(
    builder: WebviewWindowBuilder<'a, R, M>,
    app: &AppHandle<R>,
    pages: OwnPages,
) -> WebviewWindowBuilder<'a, R, M> {
    let on_navigation = app.clone();
    let on_new_window = app.clone();
    builder
        .on_navigation(move |url| {
            let allowed = pages.allows(url);
            if !allowed {
                refused(&on_navigation, url, false);
            }
            allowed
        })
        .on_new_window(move |url, _features| {
            refused(&on_new_window, &url, true);
            NewWindowResponse::Deny
        })
}

fn refused<R: Runtime>(app: &AppHandle<R>, url: &Url, new_window: bool) {
    let what = if new_window {
        "a new window"
    } else {
        "a navigation"
    };
    tracing::warn!("refused {what} to {url}: the window shows only Switchboard's own pages");
    let event = NavigationRefused {
        url: url.to_string(),
        new_window,
    };
    if let Err(error) = event.emit(app) {
        tracing::warn!("could not tell the window: {error}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn the_built_apps_pages_are_its_own() {
        let pages = OwnPages::new(None);
        for own in [
            "tauri://localhost",
            "tauri://localhost/",
            "tauri://localhost/index.html",
            "tauri://localhost/assets/index-abc.js?x=1#top",
            "http://tauri.localhost/",
            "https://tauri.localhost/index.html",
            "HTTP://TAURI.LOCALHOST/",
        ] {
            assert!(pages.allows(&url(own)), "{own}");
        }
    }

    #[test]
    fn every_other_page_is_refused() {
        let pages = OwnPages::new(None);
        for other in [
            "https://example.com/",
            "http://localhost/",
            "http://localhost:5173/",
            "http://127.0.0.1:8080/v1",
            "tauri://evil.example/",
            "tauri://localhost.evil.example/",
            "tauri://localhost:1234/",
            "tauri://user@localhost/",
            "http://tauri.localhost:8080/",
            "http://tauri.localhost.evil.example/",
            "http://evil.example/tauri.localhost",
            "https://user:pass@tauri.localhost/",
            "ipc://localhost/",
            "asset://localhost/etc/passwd",
            "file:///etc/passwd",
            "file://localhost/",
            "data:text/html,<script>alert(1)</script>",
            "javascript:alert(1)",
            "blob:tauri://localhost/1234",
            "about:blank",
            "mailto:someone@example.com",
            "ftp://tauri.localhost/",
            "ws://tauri.localhost/",
        ] {
            assert!(!pages.allows(&url(other)), "{other}");
        }
    }

    #[test]
    fn a_dev_build_also_allows_the_dev_servers_origin_and_only_that() {
        let pages = OwnPages::new(Some(url("http://localhost:5173")));
        assert!(pages.allows(&url("http://localhost:5173/")));
        assert!(pages.allows(&url("http://localhost:5173/src/main.ts?t=1")));
        assert!(pages.allows(&url("tauri://localhost/")));
        for other in [
            "http://localhost:5174/",
            "https://localhost:5173/",
            "http://127.0.0.1:5173/",
            "http://localhost/",
            "http://evil.example:5173/",
        ] {
            assert!(!pages.allows(&url(other)), "{other}");
        }
    }

    #[test]
    fn a_dev_url_that_is_not_a_web_origin_allows_nothing_more() {
        let pages = OwnPages::new(Some(url("file:///home/someone/dist/index.html")));
        assert!(!pages.allows(&url("file:///etc/passwd")));
        assert!(!pages.allows(&url("file:///home/someone/dist/index.html")));
    }

    #[test]
    fn a_built_app_ignores_the_dev_url() {
        let mut config: tauri::Config = serde_json::from_value(serde_json::json!({
            "identifier": "app.switchboard.test",
            "build": { "devUrl": "http://localhost:5173" }
        }))
        .unwrap();
        let pages = OwnPages::of_this_build(&config);
        // Unit tests build without `custom-protocol`, that is as a dev build.
        assert_eq!(
            tauri::is_dev(),
            pages.allows(&url("http://localhost:5173/"))
        );
        config.build.dev_url = None;
        assert!(!OwnPages::of_this_build(&config).allows(&url("http://localhost:5173/")));
    }
}
