/**
 * "Export" in the chat header: a menu button (`export-chat`) for the chat on screen, with one
 * item a format (`export-format-sillytavern`, `export-format-markdown`, `export-format-json`).
 * The system's save dialog asks where (the chat's title as the name, in Downloads); the toast
 * says where it went, with "Show in folder". Cancelled, nothing is written or said.
 *
 * Keyboard: Enter, Space or ↓ on the button opens the menu on its first item (↑: the last);
 * ↑/↓, Home and End move between items; Esc closes it and gives focus back to the button, Tab
 * closes it and moves on. A click elsewhere closes it.
 */

import type { AppState } from "../state/app-state";
import type { Controller } from "../state/controller";
import { EXPORT_FORMATS } from "../state/transfer";
import { h, show } from "./dom";

export interface ExportMenuElements {
  /** The button and its menu, side by side in the header. */
  root: HTMLElement;
  button: HTMLButtonElement;
  menu: HTMLElement;
}

export function createExportMenu(): ExportMenuElements {
  const button = h("button", {
    id: "export-chat",
    type: "button",
    class: "button chat-export",
    "data-testid": "export-chat",
    "aria-haspopup": "menu",
    "aria-expanded": "false",
    "aria-controls": "export-menu",
    "aria-busy": "false",
    title: "Save this chat as a file…",
    hidden: true,
  }, h("span", { class: "spinner", "aria-hidden": "true" }), h("span", { class: "button-label", text: "Export" }));
  const menu = h("div", { id: "export-menu", class: "menu", role: "menu", "aria-label": "Export this chat as", hidden: true },
    ...EXPORT_FORMATS.map(({ format, label, hint }) =>
      h("button", {
        type: "button",
        class: "menu-item",
        role: "menuitem",
        tabindex: "-1",
        dataset: { format },
        "data-testid": `export-format-${format}`,
      }, h("span", { text: label }), h("span", { class: "menu-hint", text: hint })),
    ),
  );
  const root = h("div", { class: "chat-actions" }, button, menu);
  return { root, button, menu };
}

export function mountExportMenu(elements: ExportMenuElements, controller: Controller, signal: AbortSignal): void {
  const { root, button, menu } = elements;
  const items = (): HTMLButtonElement[] => [...menu.querySelectorAll<HTMLButtonElement>('[role="menuitem"]')];
  const isOpen = (): boolean => !menu.hidden;

  const open = (focus: "first" | "last"): void => {
    show(menu, true);
    button.setAttribute("aria-expanded", "true");
    const all = items();
    (focus === "first" ? all[0] : all[all.length - 1])?.focus();
  };
  const close = (refocus: boolean): void => {
    if (!isOpen()) return;
    show(menu, false);
    button.setAttribute("aria-expanded", "false");
    if (refocus) button.focus();
  };

  button.addEventListener("click", () => {
    if (button.getAttribute("aria-disabled") === "true") return;
    if (isOpen()) close(true);
    else open("first");
  });
  button.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    event.preventDefault();
    if (button.getAttribute("aria-disabled") !== "true") open(event.key === "ArrowDown" ? "first" : "last");
  });
  menu.addEventListener("click", (event) => {
    const item = (event.target as Element | null)?.closest<HTMLElement>("[data-format]");
    const chatId = controller.store.get().chatId;
    if (!item?.dataset.format) return;
    close(true);
    const format = EXPORT_FORMATS.find((f) => f.format === item.dataset.format)?.format;
    if (chatId && format) void controller.exportChat(chatId, format);
  });
  menu.addEventListener("keydown", (event) => {
    const all = items();
    const at = all.indexOf(document.activeElement as HTMLButtonElement);
    let next: number | null = null;
    switch (event.key) {
      case "ArrowDown":
        next = (at + 1) % all.length;
        break;
      case "ArrowUp":
        next = (at - 1 + all.length) % all.length;
        break;
      case "Home":
        next = 0;
        break;
      case "End":
        next = all.length - 1;
        break;
      case "Escape":
        // Handled here: the window's Esc (stop, close the drawer) is not meant.
        event.preventDefault();
        event.stopPropagation();
        close(true);
        return;
      case "Tab":
        close(false);
        return;
      default:
        return;
    }
    event.preventDefault();
    all[next]?.focus();
  });
  document.addEventListener("pointerdown", (event) => {
    if (isOpen() && !root.contains(event.target as Node | null)) close(false);
  }, { signal });
  root.addEventListener("focusout", (event) => {
    const to = event.relatedTarget as Node | null;
    if (to && !root.contains(to)) close(false);
  });

  const render = (state: AppState, previous: AppState | null): void => {
    if (!previous || state.chatId !== previous.chatId) {
      show(button, state.chatId !== null);
      if (state.chatId === null) close(false);
    }
    if (!previous || state.busy.export !== previous.busy.export) {
      button.setAttribute("aria-busy", String(state.busy.export));
      button.setAttribute("aria-disabled", String(state.busy.export));
    }
  };
  const unsubscribe = controller.store.subscribe(render);
  signal.addEventListener("abort", unsubscribe);
  render(controller.store.get(), null);
}
