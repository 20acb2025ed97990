/**
 * `#toast`: "Deleted “Chat”. Undo" for a few seconds after a chat is deleted. A polite live
 * region, so screen readers hear it; the Undo button (`data-testid="undo-delete"`) takes the
 * focus when the deletion came from the keyboard's place in the list.
 */

import type { AppState, UndoDelete } from "../state/app-state";
import type { Controller } from "../state/controller";
import { UNDO_MS } from "../state/history";
import { h, show } from "./dom";

export function createToast(): HTMLElement {
  return h("div", { id: "toast", class: "toast", role: "status", "aria-live": "polite", hidden: true });
}

export function mountToast(element: HTMLElement, controller: Controller, duration = UNDO_MS): () => void {
  let timer: number | null = null;
  let shown: UndoDelete | null = null;

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
    const button = h("button", { type: "button", class: "button toast-action", "data-testid": "undo-delete", text: "Undo" });
    button.addEventListener("click", () => void controller.undoDelete());
    const close = h("button", { type: "button", class: "icon-button toast-close", "aria-label": "Dismiss", text: "×" });
    close.addEventListener("click", () => controller.dismissUndo(undo.id));
    element.replaceChildren(h("p", { class: "toast-text", text: `Deleted “${undo.title}”.` }), button, close);
    show(element, true);
    const id = undo.id;
    timer = window.setTimeout(() => controller.dismissUndo(id), duration);
  };

  const unsubscribe = controller.store.subscribe((state: AppState, previous: AppState) => {
    if (state.undo !== previous.undo) render(state.undo);
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
