/**
 * The app-wide settings under the connection drawer's "Advanced": the theme (System, Light,
 * Dark: applied to the page at once) and "Connect to the last profile on launch". The app
 * adds "Restore from a snapshot…" and "Delete all my data" below them.
 *
 * Must not: save settings itself (the controller does), nor touch the profile form above.
 */

import type { Theme } from "../api";
import { type AppState, DEFAULT_SETTINGS } from "../state/app-state";
import type { Controller } from "../state/controller";
import type { Find } from "./connect-fields";
import { h } from "./dom";
import { applyTheme, THEMES } from "./theme";

export function createAppSettings(): HTMLElement {
  return h("section", { id: "app-settings", class: "app-settings", "aria-labelledby": "app-settings-title" },
    h("h4", { id: "app-settings-title", class: "section-title", text: "App settings" }),
    h("fieldset", { id: "theme-choice", class: "field choice-group" },
      h("legend", { class: "field-label", text: "Theme" }),
      h("div", { class: "choice-row segmented" },
        ...THEMES.map(({ value, label }) =>
          h("label", { class: "check", for: `theme-${value}` },
            h("input", { id: `theme-${value}`, type: "radio", name: "theme", value, "data-testid": `theme-${value}` }),
            h("span", { text: label }),
          ),
        ),
      ),
    ),
    h("label", { class: "check", for: "auto-connect" },
      h("input", { id: "auto-connect", type: "checkbox", "data-testid": "auto-connect", "aria-describedby": "auto-connect-note" }),
      " Connect to the last profile on launch",
    ),
    h("p", { id: "auto-connect-note", class: "field-note", text: "Off: the window opens unconnected; opening a chat or Connect connects." }),
  );
}

export interface AppSettingsSection {
  render(s: AppState, previous: AppState | null): void;
}

export function mountAppSettings($: Find, controller: Controller): AppSettingsSection {
  const autoConnect = $<HTMLInputElement>("auto-connect");
  const themeRadios = THEMES.map(({ value }) => $<HTMLInputElement>(`theme-${value}`));
  autoConnect.addEventListener("change", () => void controller.setAutoConnect(autoConnect.checked));
  for (const radio of themeRadios) {
    radio.addEventListener("change", () => {
      if (radio.checked) void controller.setTheme(radio.value as Theme);
    });
  }
  return {
    render(s, previous) {
      if (previous === null || s.settings !== previous.settings) {
        const settings = s.settings ?? DEFAULT_SETTINGS;
        autoConnect.checked = settings.autoConnect;
        autoConnect.disabled = s.settings === null;
        const theme = settings.theme;
        for (const radio of themeRadios) {
          radio.checked = radio.value === theme;
          radio.disabled = s.settings === null;
        }
        // Until the settings are loaded, the page keeps the theme the app marked it with at start.
        if (s.settings !== null) applyTheme(document.documentElement, theme);
      }
    },
  };
}
