/**
 * The window's own context menu (`#context-menu`, `role="menu"`, items `role="menuitem"` with
 * `data-testid="menu-<id>"`): one element, opened at the pointer or beside the focused row
 * with the items `state/menus.ts` gives.
 *
 * Keyboard: focus goes to the first item that can act; ↑/↓ (wrapping), Home and End move;
 * Enter or Space runs the item; Esc closes and gives focus back to where it was; Tab closes.
 * A press elsewhere, the mouse wheel, resizing or the window losing focus closes it.
 *
 * Must not: know what an item does (the `choose` callback does) or decide which menu applies.
 */

import { type MenuItem, nextItem } from "../state/menus";
import { h, show } from "./dom";

export interface ContextMenuRequest {
  readonly items: readonly MenuItem[];
  /** Names the menu for screen readers ("Actions for “Trip plans”"). */
  readonly label: string;
  /** Where its top left corner goes, in viewport pixels. */
  readonly at: { readonly x: number; readonly y: number };
  /** Gets the focus back when the menu closes with Esc or after an item ran. */
  readonly returnFocus: HTMLElement | null;
  /** Runs the item chosen (after the menu closed). */
  readonly choose: (id: string) => void;
}

export interface ContextMenu {
  readonly element: HTMLElement;
  open(request: ContextMenuRequest): void;
  close(refocus: boolean): void;
  isOpen(): boolean;
}

/** Builds the menu element (put it in the document once) and its behaviour. */
export function createContextMenu(signal: AbortSignal): ContextMenu {
  const element = h("div", { id: "context-menu", class: "menu context-menu", role: "menu", hidden: true, "data-testid": "context-menu" });
  let current: ContextMenuRequest | null = null;
  let shown: readonly MenuItem[] = [];

  const buttons = (): HTMLButtonElement[] => [...element.querySelectorAll<HTMLButtonElement>('[role="menuitem"]')];
  const focusAt = (index: number): void => buttons()[index]?.focus();
  const focusedIndex = (): number => buttons().findIndex((b) => b === document.activeElement);

  const close = (refocus: boolean): void => {
    if (!current) return;
    const back = current.returnFocus;
    current = null;
    show(element, false);
    element.replaceChildren();
    if (refocus && back?.isConnected) back.focus();
  };

  const run = (index: number): void => {
    const item = shown[index];
    const request = current;
    if (!item || item.disabled || !request) return;
    close(true);
    request.choose(item.id);
  };

  const open = (request: ContextMenuRequest): void => {
    close(false);
    current = request;
    shown = request.items;
    element.setAttribute("aria-label", request.label);
    element.replaceChildren(...request.items.map((item, index) =>
      h("button", {
        type: "button",
        class: "menu-item",
        role: "menuitem",
        tabindex: "-1",
        dataset: { item: item.id, index: String(index) },
        "data-testid": `menu-${item.id}`,
        "aria-disabled": item.disabled ? "true" : undefined,
        "aria-keyshortcuts": item.shortcut?.replace("Ctrl", "Control"),
      }, h("span", { text: item.label }), item.shortcut ? h("span", { class: "menu-hint", text: item.shortcut }) : null),
    ));
    show(element, true);
    // Kept inside the window.
    const width = element.offsetWidth;
    const height = element.offsetHeight;
    const x = Math.max(4, Math.min(request.at.x, window.innerWidth - width - 4));
    const y = Math.max(4, Math.min(request.at.y, window.innerHeight - height - 4));
    element.style.left = `${Math.round(x)}px`;
    element.style.top = `${Math.round(y)}px`;
    const first = nextItem(request.items, -1, "ArrowDown");
    if (first !== null) focusAt(first);
    else element.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
  };

  element.addEventListener("click", (event) => {
    const button = (event.target as Element | null)?.closest<HTMLElement>('[role="menuitem"]');
    if (button) run(Number(button.dataset.index));
  });
  element.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close(true);
    } else if (event.key === "Tab") {
      close(false);
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      event.stopPropagation();
      run(focusedIndex());
    } else {
      const next = nextItem(shown, focusedIndex(), event.key);
      if (next !== null) {
        event.preventDefault();
        event.stopPropagation();
        focusAt(next);
      }
    }
  });
  // A press elsewhere closes it (the press then does what it does).
  document.addEventListener("pointerdown", (event) => {
    if (current && !element.contains(event.target as Node)) close(false);
  }, { signal, capture: true });
  window.addEventListener("blur", () => close(false), { signal });
  window.addEventListener("resize", () => close(false), { signal });
  // Scrolling by hand closes it (not the scrolling a streaming reply does by itself).
  document.addEventListener("wheel", (event) => {
    if (current && !element.contains(event.target as Node)) close(false);
  }, { signal, capture: true, passive: true });

  return { element, open, close, isOpen: () => current !== null };
}
