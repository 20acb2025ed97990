//! What the window may do, as configured: the content security policy allows only the app's own
//! scripts, styles and IPC (no inline or evaluated script, no network, no frames or plugins),
//! and the one capability grants listening to the app's events and nothing else; the window is
//! made by the app, with its navigation guard. The running window's refusals are checked end to
//! end (`tests/e2e`, "the page's content policy…", "navigation away…").
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;

fn read(path: &str) -> Value {
    let text = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn the_content_security_policy_allows_only_what_the_window_needs() {
    let config = read("tauri.conf.json");
    let security = &config["app"]["security"];
    let csp = security["csp"]
        .as_object()
        .expect("the CSP is set per directive");
    let expected = [
        ("default-src", "'self'"),
        ("script-src", "'self'"),
        ("style-src", "'self'"),
        ("img-src", "'self' data:"),
        ("font-src", "'self'"),
        ("connect-src", "ipc: http://ipc.localhost"),
        ("object-src", "'none'"),
        ("base-uri", "'none'"),
        ("form-action", "'none'"),
        ("frame-src", "'none'"),
    ];
    for (directive, sources) in expected {
        assert_eq!(csp[directive], sources, "{directive}");
    }
    assert_eq!(
        csp.len(),
        expected.len(),
        "a directive this test does not know: {csp:?}"
    );
    for (directive, sources) in csp {
        for source in sources.as_str().unwrap().split_whitespace() {
            assert!(
                ![
                    "'unsafe-inline'",
                    "'unsafe-eval'",
                    "*",
                    "http:",
                    "https:",
                    "blob:"
                ]
                .contains(&source),
                "{directive} allows {source}"
            );
        }
    }
    assert_eq!(security["freezePrototype"], true);
    // Tauri adds its own hashes and nonces only when nothing disables them.
    assert!(security
        .get("dangerousDisableAssetCspModification")
        .is_none());
    assert!(config["app"]
        .get("withGlobalTauri")
        .is_none_or(|v| v == false));
}

#[test]
fn the_window_gets_no_permission_beyond_the_apps_events() {
    let dir = format!("{}/capabilities", env!("CARGO_MANIFEST_DIR"));
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "one capability file: {files:?}");
    let capability = read("capabilities/default.json");
    assert_eq!(capability["windows"], serde_json::json!(["main"]));
    assert!(
        capability.get("remote").is_none(),
        "no remote URL may call commands"
    );
    assert_eq!(
        capability["permissions"],
        serde_json::json!(["core:event:allow-listen", "core:event:allow-unlisten"])
    );
}

/// The main window is made only by the app (`open_main_window`), where the navigation guard is
/// attached: a window tauri made from the configuration by itself would have no guard. That the
/// guard works in the running window is checked end to end (`tests/e2e`, "navigation away…").
#[test]
fn the_main_window_is_made_by_the_app_with_its_navigation_guard() {
    let config = read("tauri.conf.json");
    let windows = config["app"]["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 1, "{windows:?}");
    assert_eq!(windows[0]["label"], "main");
    assert_eq!(
        windows[0]["create"], false,
        "tauri would make the window unguarded"
    );
    assert!(
        windows[0].get("url").is_none_or(|url| url == "index.html"),
        "the window loads the app's own page"
    );
}
