/**
 * `#toast`: "Deleted “Chat”. Undo" for `UNDO_MS` after a chat, a message or a profile is
 * deleted (the newest deletion; each one's time counts from when it was first shown, so an
 * older one coming back after a newer is undone has only what was left of it). A polite live
 * region, so screen readers hear it; the Undo button (`data-testid="undo-delete"`) takes the
 * focus after a deletion; × stops offering every deletion.
 */

import type { AppState, Notice, UndoDelete } from "../state/app-state";
import type { Controller } from "../state/controller";
import { UNDO_MS } from "../state/undo";
import { copyWithFeedback, h, show } from "./dom";

export function createToast(): HTMLElement {
  return h("div", { id: "toast", class: "toast", role: "status", "aria-live": "polite", hidden: true });
}

export function mountToast(element: HTMLElement, controller: Controller, duration = UNDO_MS): () => void {
  let timer: number | null = null;
  let shown: UndoDelete | null = null;
  /** When each offer was first shown (`performance.now()`), by id. */
  const firstShown = new Map<number, number>();

  const render = (undo: UndoDelete | null): void => {
    if (timer !== null) window.clearTimeout(timer);
    timer = null;
    const hadFocus = element.contains(document.activeElement);
    shown = undo;
    if (!undo) {
      element.replaceChildren();
      show(element, false);
      if (hadFocus) controller.requestFocus("composer");
      return;
    }
    const button = h("button", { type: "button", class: "button toast-action", "data-testid": "undo-delete", "aria-keyshortcuts": "Control+Z", text: "Undo" });
    button.addEventListener("click", () => void controller.undoDelete());
    const close = h("button", { type: "button", class: "icon-button toast-close", "aria-label": "Dismiss", text: "×" });
    close.addEventListener("click", () => controller.dismissUndo(undo.id));
    element.replaceChildren(h("p", { class: "toast-text", text: `Deleted “${undo.title}”.` }), button, close);
    show(element, true);
    const id = undo.id;
    const since = firstShown.get(id) ?? performance.now();
    firstShown.set(id, since);
    timer = window.setTimeout(() => {
      firstShown.delete(id);
      controller.dismissUndo(id);
    }, Math.max(0, duration - (performance.now() - since)));
  };

  const unsubscribe = controller.store.subscribe((state: AppState, previous: AppState) => {
    if (state.undo?.id !== previous.undo?.id) render(state.undo);
    if (state.focus !== previous.focus && state.focus?.target === "undo" && shown) {
      element.querySelector<HTMLElement>('[data-testid="undo-delete"]')?.focus();
    }
  });
  render(controller.store.get().undo);
  return () => {
    unsubscribe();
    if (timer !== null) window.clearTimeout(timer);
  };
}

/** How long an informative notice stays (an error stays until dismissed). */
export const NOTICE_MS = 10_000;

/**
 * `#notice`: what an import, export or backup did ("Imported 2 chats; skipped lines 4 and 7 of
 * x.jsonl: …", "Exported “Chat” to ~/Downloads/Chat.md"), with "Show in folder" and "Copy path"
 * for a file written.
 * A polite live region; notices go by themselves after a while unless focus is in them, errors
 * stay until dismissed.
 */
export function createNotice(): HTMLElement {
  return h("div", { id: "notice", class: "toast notice", role: "status", "aria-live": "polite", "data-testid": "notice", hidden: true });
}

export function mountNotice(element: HTMLElement, controller: Controller, duration = NOTICE_MS): () => void {
  let timer: number | null = null;

  const render = (notice: Notice | null): void => {
    if (timer !== null) window.clearTimeout(timer);
    timer = null;
    const hadFocus = element.contains(document.activeElement);
    if (!notice) {
      element.replaceChildren();
      show(element, false);
      if (hadFocus) controller.requestFocus("composer");
      return;
    }
    element.dataset.tone = notice.tone;
    const copy = notice.path
      ? h("button", { type: "button", class: "button toast-action", "data-testid": "copy-path", text: "Copy path" })
      : null;
    const reveal = notice.path
      ? h("button", { type: "button", class: "button toast-action", "data-testid": "show-in-folder", text: "Show in folder" })
      : null;
    const path = notice.path;
    if (copy && path) copy.addEventListener("click", () => void copyWithFeedback(copy, path));
    if (reveal && path) reveal.addEventListener("click", () => void controller.showInFolder(path));
    const close = h("button", { type: "button", class: "icon-button toast-close", "aria-label": "Dismiss", "data-testid": "notice-close", text: "×" });
    close.addEventListener("click", () => controller.dismissNotice(notice.id));
    element.replaceChildren(h("p", { class: "toast-text notice-text", text: notice.text }), reveal ?? "", copy ?? "", close);
    show(element, true);
    if (notice.tone === "info") {
      const id = notice.id;
      const expire = (): void => {
        // Not while someone is on its buttons.
        if (element.contains(document.activeElement)) timer = window.setTimeout(expire, duration);
        else controller.dismissNotice(id);
      };
      timer = window.setTimeout(expire, duration);
    }
  };

  const unsubscribe = controller.store.subscribe((state: AppState, previous: AppState) => {
    if (state.notice !== previous.notice) render(state.notice);
  });
  render(controller.store.get().notice);
  return () => {
    unsubscribe();
    if (timer !== null) window.clearTimeout(timer);
  };
}
