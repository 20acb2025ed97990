/**
 * "Delete all my data" in the drawer's settings: a button, a confirmation that says what goes,
 * then what was removed (file and keychain entry names, never a secret) and a Quit button —
 * the running app's data is gone, so nothing else is offered.
 *
 * This view only asks the controller; it never deletes anything itself.
 */

import type { ResetReport } from "../api";
import { toIpcError } from "../api";
import type { Controller } from "../state/controller";
import { h, setText } from "./dom";

/** The elements of the delete-all-data control. */
export interface DeleteDataElements {
  root: HTMLElement;
  open: HTMLButtonElement;
  dialog: HTMLElement;
  message: HTMLElement;
  list: HTMLElement;
  confirm: HTMLButtonElement;
  cancel: HTMLButtonElement;
  quit: HTMLButtonElement;
}

const WARNING =
  "This deletes every chat, profile and backup Switchboard keeps, and every API key, header value and password it saved in the system keychain. It cannot be undone.";

/** Builds the control (hidden dialog included). */
export function createDeleteData(): DeleteDataElements {
  const open = h("button", {
    id: "delete-all-data", type: "button", class: "button danger-quiet", "data-testid": "delete-all-data",
    text: "Delete all my data…",
  });
  const message = h("p", { id: "delete-data-message", class: "field-note", text: WARNING });
  const list = h("ul", { id: "delete-data-removed", class: "removed-list", hidden: true });
  const confirm = h("button", { id: "delete-data-confirm", type: "button", class: "button danger", "data-testid": "delete-data-confirm", text: "Delete everything" });
  const cancel = h("button", { id: "delete-data-cancel", type: "button", class: "button", text: "Cancel" });
  const quit = h("button", { id: "delete-data-quit", type: "button", class: "button primary", "data-testid": "delete-data-quit", text: "Quit Switchboard", hidden: true });
  const dialog = h("div", {
    id: "delete-data-dialog", class: "delete-data-dialog", role: "alertdialog", "aria-modal": "true",
    "aria-labelledby": "delete-data-title", "aria-describedby": "delete-data-message", hidden: true,
  },
    h("h3", { id: "delete-data-title", class: "section-title", text: "Delete all my data?" }),
    message,
    list,
    h("div", { class: "drawer-footer" }, cancel, confirm, quit),
  );
  const root = h("div", { class: "delete-data" }, open, dialog);
  return { root, open, dialog, message, list, confirm, cancel, quit };
}

/** The lines that say what was removed. */
export function removedLines(report: ResetReport): string[] {
  const files = report.files.map((file) => `File ${file}`);
  const entries = report.keychainEntries.map((entry) => `Keychain entry ${entry}`);
  return [...files, ...entries];
}

/** Wires the control to the controller. */
export function mountDeleteData(elements: DeleteDataElements, controller: Controller): void {
  const { open, dialog, message, list, confirm, cancel, quit } = elements;
  const reset = (): void => {
    setText(message, WARNING);
    list.replaceChildren();
    list.hidden = true;
    confirm.hidden = false;
    confirm.disabled = false;
    cancel.hidden = false;
    quit.hidden = true;
  };
  open.addEventListener("click", () => {
    reset();
    dialog.hidden = false;
    cancel.focus();
  });
  cancel.addEventListener("click", () => {
    dialog.hidden = true;
    open.focus();
  });
  dialog.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !cancel.hidden) {
      event.stopPropagation();
      dialog.hidden = true;
      open.focus();
    }
  });
  confirm.addEventListener("click", () => {
    confirm.disabled = true;
    cancel.disabled = true;
    setText(message, "Deleting…");
    void controller.deleteAllData().then(
      (report) => {
        const lines = removedLines(report);
        setText(message, lines.length === 0
          ? `There was no Switchboard data in ${report.dataDir}. Quit Switchboard to start afresh.`
          : `Deleted from ${report.dataDir} and the system keychain. Quit Switchboard to start afresh:`);
        list.replaceChildren(...lines.map((line) => h("li", { text: line })));
        list.hidden = lines.length === 0;
        confirm.hidden = true;
        cancel.hidden = true;
        quit.hidden = false;
        open.disabled = true;
        quit.focus();
      },
      (error: unknown) => {
        setText(message, `Could not finish deleting: ${toIpcError(error).message}`);
        confirm.disabled = false;
        cancel.disabled = false;
      },
    );
  });
  quit.addEventListener("click", () => void controller.quitApp());
}
