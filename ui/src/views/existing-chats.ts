/**
 * `#existing-chats`: importing a backup whose chats are already here (the same chats, by id)
 * first asks "N chats are already here" with "Skip them" (keep the copies here), "Replace them"
 * (the backup's copies take their place) and "Cancel" (that file is not imported). Focus starts
 * on "Skip them", the choice that changes nothing here; Esc cancels; focus then returns to where
 * it was.
 *
 * This view only passes the answer to the controller; it never imports anything itself.
 */

import type { AppState } from "../state/app-state";
import type { Controller } from "../state/controller";
import { count } from "../state/transfer";
import { h, setText, show } from "./dom";

export interface ExistingChatsElements {
  root: HTMLElement;
  title: HTMLElement;
  note: HTMLElement;
  skip: HTMLButtonElement;
  replace: HTMLButtonElement;
  cancel: HTMLButtonElement;
}

/** "1 chat is already here", "3 chats are already here". */
export function alreadyHere(n: number): string {
  return `${count(n, "chat")} ${n === 1 ? "is" : "are"} already here`;
}

export function createExistingChats(): ExistingChatsElements {
  const title = h("h2", { id: "existing-chats-title", class: "link-prompt-title" });
  const note = h("p", { id: "existing-chats-note", class: "link-prompt-note" });
  const button = (id: string, text: string, primary = false): HTMLButtonElement =>
    h("button", { id, type: "button", class: primary ? "button primary" : "button", "data-testid": id, text });
  const skip = button("existing-chats-skip", "Skip them", true);
  const replace = button("existing-chats-replace", "Replace them");
  const cancel = button("existing-chats-cancel", "Cancel");
  cancel.setAttribute("aria-keyshortcuts", "Escape");
  const root = h("div", { id: "existing-chats", class: "link-prompt-backdrop", "data-testid": "existing-chats", hidden: true },
    h("section", {
      class: "link-prompt",
      role: "alertdialog",
      "aria-modal": "true",
      "aria-labelledby": "existing-chats-title",
      "aria-describedby": "existing-chats-note",
    }, title, note, h("div", { class: "link-prompt-actions" }, cancel, replace, skip)),
  );
  return { root, title, note, skip, replace, cancel };
}

export function mountExistingChats(elements: ExistingChatsElements, controller: Controller): void {
  const { root, title, note, skip, replace, cancel } = elements;
  let returnFocus: HTMLElement | null = null;

  const render = (state: AppState, previous: AppState | null): void => {
    const asked = state.existingChats;
    if (previous && asked === previous.existingChats) return;
    show(root, asked !== null);
    if (!asked) {
      if (returnFocus?.isConnected) returnFocus.focus();
      returnFocus = null;
      return;
    }
    setText(title, alreadyHere(asked.count));
    setText(
      note,
      asked.count === 1
        ? `${asked.fileName} holds a chat you have here. Skip it to keep yours as it is, or replace it with the backup's copy (yours is then gone, with every message). The backup's other chats and profiles come in either way.`
        : `${asked.fileName} holds ${asked.count} chats you have here. Skip them to keep yours as they are, or replace them with the backup's copies (yours are then gone, with every message). The backup's other chats and profiles come in either way.`,
    );
    if (!root.contains(document.activeElement)) {
      returnFocus = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      skip.focus();
    }
  };

  skip.addEventListener("click", () => controller.answerExistingChats("skip"));
  replace.addEventListener("click", () => controller.answerExistingChats("replace"));
  cancel.addEventListener("click", () => controller.answerExistingChats(null));
  root.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    // Handled here so the window's Esc (stop a reply, close the drawer) does not also run.
    event.preventDefault();
    controller.answerExistingChats(null);
  });

  controller.store.subscribe(render);
  render(controller.store.get(), null);
}
