/**
 * Roving focus for lists (the chat list, the messages): the list is one Tab stop — the row that
 * has `tabindex="0"` — and ↑/↓, Home and End move the focus between its rows. A row's own
 * buttons are left out of the Tab order; its menu (Menu key, Shift+F10, right-click) reaches
 * them.
 *
 * Must not: decide what moving to a row does (opening a chat is the sidebar's call).
 */

/** The row the focus moves to from `current` on `key` (no wrapping), or null for other keys. */
export function rovingTarget(count: number, current: number, key: string): number | null {
  if (count === 0) return null;
  switch (key) {
    case "ArrowDown":
      return Math.min(count - 1, current + 1);
    case "ArrowUp":
      return current <= 0 ? 0 : current - 1;
    case "Home":
      return 0;
    case "End":
      return count - 1;
    default:
      return null;
  }
}

/**
 * Makes `active` (or, when it is not one of `rows`, the first row) the list's one Tab stop.
 * Cheap when nothing changes: attributes are only written when they differ.
 */
export function setRovingStop(rows: readonly HTMLElement[], active: HTMLElement | null): void {
  const stop = active && rows.includes(active) ? active : rows[0] ?? null;
  for (const row of rows) {
    const wanted = row === stop ? "0" : "-1";
    if (row.getAttribute("tabindex") !== wanted) row.setAttribute("tabindex", wanted);
  }
}

/** Takes every focusable control inside `root` out of the Tab order (they stay clickable). */
export function untabbable(root: ParentNode): void {
  for (const control of root.querySelectorAll<HTMLElement>("button, a[href]")) {
    if (control.getAttribute("tabindex") !== "-1") control.setAttribute("tabindex", "-1");
  }
}
