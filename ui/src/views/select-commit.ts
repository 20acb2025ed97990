/**
 * A `<select>` whose choice counts once it is committed: a click on an option, Enter, or leaving
 * the list, never each option the arrow keys pass over (WebKitGTK fires `change` for every
 * arrow key, even with the list closed, so a list that acted on `change` would connect to each
 * profile on the way).
 *
 * Must not: decide what a choice does (the view passes `commit` and `move`).
 */

/** Keys that move a closed list's selection without choosing. */
const MOVE_KEYS = new Set(["ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"]);

/**
 * Calls `commit` with the select's value when the choice is committed, and `move` (if given)
 * for each option the keyboard moves to before that.
 */
export function onCommittedChoice(
  select: HTMLSelectElement,
  commit: (value: string) => void,
  move: (value: string) => void = () => undefined,
): void {
  /** The next `change` comes from a key that moves the selection. */
  let moving = false;
  /** The keyboard moved the selection; not committed yet. */
  let pending = false;
  const done = (): void => {
    pending = false;
    commit(select.value);
  };
  select.addEventListener("keydown", (event) => {
    if (MOVE_KEYS.has(event.key) || (event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey)) {
      moving = true;
    } else if (event.key === "Enter" && pending) {
      event.preventDefault();
      done();
    }
  });
  // A key that moved nothing (the first or last option) leaves no `change` to wait for.
  select.addEventListener("keyup", () => {
    moving = false;
  });
  select.addEventListener("change", () => {
    if (moving) {
      pending = true;
      move(select.value);
    } else {
      done();
    }
  });
  select.addEventListener("blur", () => {
    moving = false;
    if (pending) done();
  });
}
