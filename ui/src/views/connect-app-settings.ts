/**
 * The app-wide settings at the foot of the connection drawer: "Connect to the last profile on
 * launch".
 *
 * Must not: save settings itself (the controller does), nor touch the profile form above.
 */

import { type AppState, DEFAULT_SETTINGS } from "../state/app-state";
import type { Controller } from "../state/controller";
import type { Find } from "./connect-fields";
import { h } from "./dom";

export function createAppSettings(): HTMLElement {
  return h("section", { id: "app-settings", class: "app-settings", "aria-labelledby": "app-settings-title" },
    h("h3", { id: "app-settings-title", class: "section-title", text: "When Switchboard starts" }),
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
  autoConnect.addEventListener("change", () => void controller.setAutoConnect(autoConnect.checked));
  return {
    render(s, previous) {
      if (previous === null || s.settings !== previous.settings) {
        autoConnect.checked = (s.settings ?? DEFAULT_SETTINGS).autoConnect;
        autoConnect.disabled = s.settings === null;
      }
    },
  };
}
