//! The window's colours at start-up: a script that WebKit runs before the page's own, marking
//! the page with the saved theme (`<html data-theme="light|dark|system">`), so the very first
//! paint (the first view of `index.html`) already has the chosen colours: no light flash
//! before a dark window, nor the reverse. The page keeps the mark up to date once it runs
//! (`ui/src/views/theme.ts`).
//!
//! Must not: read the settings itself (the caller hands it the theme), nor do anything else in
//! the page.

use switchboard_core::store::Theme;

/// The performance mark the script leaves, so a test can see it ran before the first paint.
pub const THEME_MARK: &str = "switchboard:theme";

/// The theme's name as the page's `data-theme` holds it (the settings' own spelling).
pub fn theme_name(theme: Theme) -> &'static str {
    match theme {
        Theme::System => "system",
        Theme::Light => "light",
        Theme::Dark => "dark",
    }
}

/// The script that marks the page with `theme` as soon as its root element exists.
pub fn startup_script(theme: Theme) -> String {
    format!(
        r#"(function () {{
  var apply = function () {{
    document.documentElement.setAttribute("data-theme", "{name}");
    if (window.performance && performance.mark) performance.mark("{mark}");
  }};
  if (document.documentElement) {{ apply(); return; }}
  new MutationObserver(function (_, observer) {{
    if (!document.documentElement) return;
    observer.disconnect();
    apply();
  }}).observe(document, {{ childList: true }});
}})();"#,
        name = theme_name(theme),
        mark = THEME_MARK,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_theme_is_written_as_the_settings_spell_it() {
        for theme in [Theme::System, Theme::Light, Theme::Dark] {
            let spelled = serde_json::to_value(theme).unwrap();
            assert_eq!(spelled, theme_name(theme));
            let script = startup_script(theme);
            assert!(
                script.contains(&format!(r#""data-theme", "{}""#, theme_name(theme))),
                "{script}"
            );
            // The only thing that differs between the themes' scripts is the name.
            assert_eq!(
                script.replace(theme_name(theme), "THEME"),
                startup_script(Theme::System).replace("system", "THEME")
            );
        }
    }
}
