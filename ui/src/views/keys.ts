/**
 * Keyboard shortcuts: the names shown to people and the matching of key events.
 *
 * Ctrl on Linux and Windows, ⌘ on macOS; both are accepted everywhere so muscle memory from
 * either works.
 */

import { h } from "./dom";

/** Whether this looks like a Mac (⌘ instead of Ctrl in labels). */
export function isMac(): boolean {
  const platform = (navigator as Navigator & { userAgentData?: { platform?: string } }).userAgentData?.platform ?? navigator.platform ?? "";
  return /mac/i.test(platform);
}

/** "Ctrl" or "⌘". */
export function modKey(): string {
  return isMac() ? "⌘" : "Ctrl";
}

/** Whether the event is Ctrl/⌘ + `key` (no Alt, no Shift). */
export function isModKey(event: KeyboardEvent, key: string): boolean {
  return (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === key;
}

/** Builds a `<kbd>` chord, e.g. `kbd("Ctrl", "K")`. */
export function kbd(...keys: string[]): HTMLElement {
  const element = h("kbd", { class: "kbd" });
  keys.forEach((key, i) => {
    if (i > 0) element.append("+");
    element.append(h("kbd", { text: key }));
  });
  return element;
}

/** The shortcut list for the empty chat. */
export function shortcutHint(): HTMLElement {
  const mod = modKey();
  const rows: [HTMLElement, string][] = [
    [kbd("Enter"), "send"],
    [kbd("Shift", "Enter"), "new line"],
    [kbd("Esc"), "stop a reply"],
    [kbd(mod, "K"), "connection settings"],
    [kbd(mod, "U"), "attach files"],
    [kbd(mod, "N"), "new chat"],
    [kbd(mod, "F"), "search chats"],
    [kbd("↑"), "edit the last message"],
    [h("span", { class: "kbd-pair" }, kbd("←"), " ", kbd("→")), "other versions of the last reply"],
    [kbd(mod, "R"), "regenerate the last reply"],
  ];
  return h("dl", { class: "shortcut-list" }, ...rows.flatMap(([keys, what]) => [h("dt", {}, keys), h("dd", { text: what })]));
}
