/**
 * The menus the window shows on a right-click or the Menu key (Shift+F10): what each offers,
 * as data. A chat in the list, a message and a text field each have one; the views draw them
 * (`views/context-menu.ts`) and run the item chosen (`views/app-menus.ts`).
 *
 * Must not: touch the DOM or the store. Only actions the window already has are offered, and an
 * item that cannot act now is there but disabled, so the menu keeps its shape.
 */

import type { Chat, ExportFormat } from "../api";
import type { MessageActions } from "./history";
import type { UiMessage } from "./messages";
import { EXPORT_FORMATS } from "./transfer";

/** One entry of a menu. `id` names the action; `shortcut` is shown beside the label. */
export interface MenuItem {
  readonly id: string;
  readonly label: string;
  readonly disabled?: boolean;
  readonly shortcut?: string;
}

/** The id of the item that exports a chat as `format`. */
export const exportItemId = (format: ExportFormat): string => `export-${format}`;

/** The format an item id exports as, or null when it is another item. */
export function exportFormatOf(id: string): ExportFormat | null {
  return EXPORT_FORMATS.find((f) => exportItemId(f.format) === id)?.format ?? null;
}

/**
 * A chat's menu: Rename, Pin/Unpin, the parent chat of a branch (while it is listed), Export
 * in each format, Delete. `chats`: the chats listed, to tell whether the parent still is.
 */
export function chatMenu(chat: Chat, chats: readonly Chat[]): MenuItem[] {
  const parent = chat.branchOf ? chats.find((c) => c.id === chat.branchOf?.parentId) : undefined;
  return [
    { id: "rename", label: "Rename", shortcut: "F2" },
    { id: "pin", label: chat.pinned ? "Unpin" : "Pin to the top" },
    ...(parent ? [{ id: "open-parent", label: "Open the chat it branched from" }] : []),
    ...EXPORT_FORMATS.map(({ format, label }) => ({
      id: exportItemId(format),
      label: `Export as ${label}`,
      disabled: chat.messageCount === 0,
    })),
    { id: "delete", label: "Delete", shortcut: "Delete" },
  ];
}

/**
 * A message's menu: Copy, Edit, Branch from here, Regenerate and Continue (replies, where the
 * toolbar offers them), the other versions, Delete. `busy`: a reply is being written, so what
 * would start or change one waits (as the toolbar's buttons do).
 */
export function messageMenu(message: UiMessage, actions: MessageActions, busy: boolean): MenuItem[] {
  const items: MenuItem[] = [{ id: "copy", label: "Copy", disabled: message.content === "" }];
  if (actions.edit) items.push({ id: "edit", label: "Edit", disabled: busy });
  if (actions.branch) items.push({ id: "branch", label: "Branch from here" });
  if (actions.regenerate) items.push({ id: "regenerate", label: "Regenerate", disabled: busy, shortcut: "Ctrl+R" });
  if (actions.continue) items.push({ id: "continue", label: "Continue", disabled: busy });
  if (actions.swipes) {
    items.push({ id: "swipe-prev", label: "Previous version", disabled: busy || message.swipeIndex <= 0 });
    const atEnd = message.swipeIndex >= message.swipeCount - 1;
    if (!atEnd) items.push({ id: "swipe-next", label: "Next version", disabled: busy });
  }
  if (actions.delete) items.push({ id: "delete", label: "Delete", disabled: busy });
  return items;
}

/** What a text field holds, for its edit menu. */
export interface FieldState {
  /** Some text is selected. */
  readonly selection: boolean;
  /** It holds any text. */
  readonly text: boolean;
  /** It can be typed in (not read-only or disabled). */
  readonly editable: boolean;
}

/** A text field's edit menu: Cut, Copy, Paste, Select all. */
export function fieldMenu(field: FieldState): MenuItem[] {
  return [
    { id: "cut", label: "Cut", disabled: !field.selection || !field.editable, shortcut: "Ctrl+X" },
    { id: "copy", label: "Copy", disabled: !field.selection, shortcut: "Ctrl+C" },
    { id: "paste", label: "Paste", disabled: !field.editable, shortcut: "Ctrl+V" },
    { id: "select-all", label: "Select all", disabled: !field.text, shortcut: "Ctrl+A" },
  ];
}

/**
 * The item focus moves to from `current` on `key` (ArrowDown/ArrowUp wrap around, Home,
 * End), or null for any other key. Disabled items are passed over.
 */
export function nextItem(items: readonly MenuItem[], current: number, key: string): number | null {
  const enabled = items.flatMap((item, index) => (item.disabled ? [] : [index]));
  if (enabled.length === 0) return null;
  switch (key) {
    case "Home":
      return enabled[0]!;
    case "End":
      return enabled[enabled.length - 1]!;
    case "ArrowDown":
      return enabled.find((i) => i > current) ?? enabled[0]!;
    case "ArrowUp":
      return [...enabled].reverse().find((i) => i < current) ?? enabled[enabled.length - 1]!;
    default:
      return null;
  }
}
